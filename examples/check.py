#!/usr/bin/python3
"""Checks for examples/walkthrough.sh, independent of Sluice's own code (Pillow decodes the images,
Machin's formula gives the digits). Exit 0 when the check holds, 1 with a message when not.

  check.py pi FILE N                       FILE holds "N <pi to N significant digits, truncated>\\n"
  check.py image FILE WIDTH HEIGHT MODE    FILE is a JPEG Pillow decodes, of that size and mode
  check.py callbacks DIR IDS_FILE N        the receiver in DIR got every call of IDS_FILE, answered
                                           by pi: each line of IDS_FILE is "<call id> <digits> <path or ?query>"
"""
import io
import json
import os
import sys


def pi_text(n):
    if hasattr(sys, "set_int_max_str_digits"):
        sys.set_int_max_str_digits(0)  # 5,000 digits is past Python's default limit on str(int)
    guard = 10
    unity = 10 ** (n - 1 + guard)

    def arctan_inv(x):
        total = term = unity // x
        x2, k, sign = x * x, 1, -1
        while term:
            term //= x2
            k += 2
            total += sign * (term // k)
            sign = -sign
        return total

    digits = str(4 * (4 * arctan_inv(5) - arctan_inv(239)) // 10 ** guard)
    return digits if n == 1 else digits[0] + "." + digits[1:]


def check_pi(data, n):
    want = f"{n} {pi_text(n)}\n".encode()
    if data != want:
        fail(f"pi {n}: got {data[:60]!r}…, want {want[:60]!r}…")


def check_image(path, width, height, mode):
    from PIL import Image

    with open(path, "rb") as f:
        data = f.read()
    try:
        with Image.open(io.BytesIO(data)) as im:
            im.load()
            got = (im.format, im.size, im.mode)
    except Exception as err:  # noqa: BLE001 - any decode error means the check fails
        fail(f"{path}: not a picture Pillow can decode ({err}); it starts {data[:60]!r}")
    if got != ("JPEG", (width, height), mode):
        fail(f"{path}: {got[0]} {got[1][0]}x{got[1][1]} {got[2]}, want JPEG {width}x{height} {mode}")


def check_callbacks(folder, ids_file, count):
    with open(ids_file) as f:
        calls = [line.split() for line in f if line.strip()]
    if len(calls) != count:
        fail(f"{ids_file}: {len(calls)} calls sent, want {count}")
    by_id = {}
    requests = os.path.join(folder, "requests")
    for name in os.listdir(requests) if os.path.isdir(requests) else []:
        if name.endswith(".headers.json"):
            with open(os.path.join(requests, name)) as f:
                record = json.load(f)
            by_id[record.get("callId")] = record
    for call_id, digits, where in calls:
        record = by_id.get(call_id)
        if record is None:
            fail(f"no callback with X-Call-Id {call_id} (pi {digits}, {where}); the receiver has {len(by_id)}")
        got = "?" + record["query"] if where.startswith("?") else record["path"]
        if got != where or record["functionStatus"] != 200:
            fail(f"callback of {call_id}: {got}, status {record['functionStatus']}; want {where}, 200")
        with open(os.path.join(folder, record["name"]), "rb") as f:
            check_pi(f.read(), int(digits))


def fail(message):
    print(f"FAIL: {message}", file=sys.stderr)
    sys.exit(1)


if __name__ == "__main__":
    what, *args = sys.argv[1:] or ["help"]
    if what == "pi":
        with open(args[0], "rb") as f:
            check_pi(f.read(), int(args[1]))
    elif what == "image":
        check_image(args[0], int(args[1]), int(args[2]), args[3])
    elif what == "callbacks":
        check_callbacks(args[0], args[1], int(args[2]))
    else:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
