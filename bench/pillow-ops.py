"""The Pillow side of `npm run bench:functions`: one image op, timed in a loop inside Python (the
interpreter's start is not counted), as the article's functions ran it on python3-pil.

Usage: /usr/bin/python3 bench/pillow-ops.py IMAGE OP RUNS WARMUP
Prints one JSON line: {"median_ms": …, "p90_ms": …, "bytes": …} (bytes: the JPEG of the last run).
"""
import io
import json
import sys
import time

from PIL import Image


def once(data, op):
    im = Image.open(io.BytesIO(data))
    if op == "draft":
        im.draft("L", (100, 100))
    elif op == "thumbnail":
        im.thumbnail((100, 100))
    elif op == "transpose":
        im = im.transpose(Image.Transpose.ROTATE_180)
    elif op == "bw":
        im = im.convert("L")
    else:
        raise SystemExit(f"unknown op {op}")
    out = io.BytesIO()
    im.save(out, "JPEG", quality=75)
    return out.tell()


def main():
    path, op, runs, warmup = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    with open(path, "rb") as f:
        data = f.read()
    for _ in range(warmup):
        once(data, op)
    times = []
    size = 0
    for _ in range(runs):
        started = time.perf_counter()
        size = once(data, op)
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    pick = lambda p: times[min(len(times) - 1, int(len(times) * p))]
    print(json.dumps({"median_ms": pick(0.5), "p90_ms": pick(0.9), "bytes": size}))


main()
