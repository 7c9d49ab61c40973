#!/usr/bin/env bash
# The article's chain, async, survives a kill -9 of the gateway midway (docs/walkthrough.md). Starts
# its own `sluice serve` with the shipped functions on a new data dir, sends a large picture to
# /async-function/transpose-bw-thumbnail with a callback, kills the gateway (SIGKILL) while the bw
# step runs, starts it again on the same data, and checks: one callback with the 100x50 grey
# thumbnail, transpose ran once (its stored answer was reused), bw ran again.
#
#   npm run build && bash examples/kill-and-resume.sh     # exit 0: every check passed
#
# Environment: PORT (8089, the gateway), RECEIVER_PORT (5001), WORK (a new temp folder, kept).
# Needs curl and Python's Pillow (apt install curl python3-pil).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
PORT=${PORT:-8089}
RECEIVER_PORT=${RECEIVER_PORT:-5001}
WORK=${WORK:-$(mktemp -d -t sluice-resume-XXXXXX)}
GATEWAY="http://127.0.0.1:$PORT"
RECEIVER="http://127.0.0.1:$RECEIVER_PORT"
CHECK=(/usr/bin/python3 "$ROOT/examples/check.py")
checks=0

step() { printf '\n== %s\n' "$*"; }
ok() { checks=$((checks + 1)); printf 'ok %d - %s\n' "$checks" "$*"; }
die() { printf 'FAIL: %s\n' "$*" >&2; exit 1; }
sluice() { node "$ROOT/dist/cli/main.js" "$@"; }
# A field of the call's record, by a Python expression over it (r): `field 'r["steps"][1]["status"]'`.
field() { curl -s -u "$SLUICE_BASIC_AUTH" "$GATEWAY/system/calls/$call_id" | "${CHECK[0]}" -c "import json,sys; r=json.load(sys.stdin)
try: print($1)
except (KeyError, IndexError): print('-')"; }

gateway_pid=''
receiver_pid=''
trap 'kill -9 $gateway_pid 2>/dev/null || true; kill $receiver_pid 2>/dev/null || true' EXIT

start_gateway() {
  # Not through sluice(): $! must be node's pid, for the kill. ack_wait: how soon a call whose gateway died is handed out again (30s by default).
  ack_wait=2s log_level=warn node "$ROOT/dist/cli/main.js" serve --port "$PORT" --data "$WORK/data" "$@" >>"$WORK/gateway.log" 2>&1 &
  gateway_pid=$!
  for _ in $(seq 100); do
    if curl -sf "$GATEWAY/healthz" >/dev/null; then
      # /system/* is behind basic auth: the password serve made in its data dir on first start. `sluice` reads this variable too.
      export SLUICE_BASIC_AUTH="admin:$(cat "$WORK/data/auth/basic-auth-password" 2>/dev/null)"
      return
    fi
    sleep 0.2
  done
  die "sluice serve did not start on port $PORT: $(tail -5 "$WORK/gateway.log")"
}
wait_ready() {
  for _ in $(seq 300); do
    [ "$(curl -s -u "$SLUICE_BASIC_AUTH" "$GATEWAY/system/function/$1" | "${CHECK[0]}" -c 'import json,sys; print(json.load(sys.stdin).get("availableReplicas", 0))' 2>/dev/null)" = 1 ] && return
    sleep 0.2
  done
  die "$1 is not ready: $(tail -5 "$WORK/gateway.log")"
}

step "sluice serve --port $PORT --data $WORK/data --stack functions/stack.yml"
mkdir -p "$WORK"
start_gateway --stack "$ROOT/functions/stack.yml"
for fn in image-transpose image-bw image-thumbnail transpose-bw-thumbnail; do wait_ready "$fn"; done
node "$ROOT/dist/cli/main.js" receiver --port "$RECEIVER_PORT" --dir "$WORK/received" >"$WORK/receiver.log" 2>&1 &
receiver_pid=$!
for _ in $(seq 50); do curl -sf "$RECEIVER/healthz" >/dev/null && break; sleep 0.1; done

# A picture big enough that each step takes a while: 6000x3000 of noise barely compresses.
"${CHECK[0]}" -c "
from PIL import Image
Image.merge('RGB', [Image.effect_noise((6000, 3000), 90) for _ in range(3)]).save('$WORK/big.jpg', quality=95)"
echo "picture: $(stat -c %s "$WORK/big.jpg") bytes"

step "curl --data-binary @big.jpg -H 'X-Callback-Url: $RECEIVER/messages/big-thumbnail.jpg' $GATEWAY/async-function/transpose-bw-thumbnail"
call_id=$(curl -s -D - -o /dev/null --data-binary @"$WORK/big.jpg" -H "X-Callback-Url: $RECEIVER/messages/big-thumbnail.jpg" \
  "$GATEWAY/async-function/transpose-bw-thumbnail" | tr -d '\r' | awk -F': ' 'tolower($1) == "x-call-id" { print $2 }')
[ -n "$call_id" ] || die "no X-Call-Id for the async call"
echo "call $call_id"

step "kill -9 the gateway while step bw runs"
for _ in $(seq 600); do
  state=$(field 'r["steps"][1]["status"]')
  [ "$state" = running ] && break
  [ "$(field 'r["status"]')" = succeeded ] && die "the chain finished before the kill: use a bigger picture"
  sleep 0.05
done
[ "$state" = running ] || die "step bw never ran: $(tail -5 "$WORK/gateway.log")"
kill -9 "$gateway_pid"
wait "$gateway_pid" 2>/dev/null || true
ok "killed the gateway with transpose done and bw running"

step "sluice serve --port $PORT --data $WORK/data   # the same data, no stack: the functions come back"
start_gateway
for _ in $(seq 600); do [ -s "$WORK/received/big-thumbnail.jpg" ] && break; sleep 0.1; done
[ -s "$WORK/received/big-thumbnail.jpg" ] || die "no callback within 60s of the restart: $(tail -5 "$WORK/gateway.log")"
"${CHECK[@]}" image "$WORK/received/big-thumbnail.jpg" 100 50 L || die "the callback's picture"
ok "the callback got the 100x50 grey thumbnail"

step "sluice calls get $call_id --gateway $GATEWAY"
sluice calls get "$call_id" --gateway "$GATEWAY"
[ "$(field 'r["steps"][0]["attempts"]')" = 1 ] || die "transpose ran $(field 'r["steps"][0]["attempts"]') times, want once"
ok "transpose ran once: its stored answer was reused after the restart"
[ "$(field 'r["steps"][1]["attempts"]')" = 2 ] || die "bw ran $(field 'r["steps"][1]["attempts"]') times, want 2"
ok "bw, cut short by the kill, ran again"
[ "$(field '",".join(s["status"] for s in r["steps"])')" = succeeded,succeeded,succeeded ] || die "steps: $(field 'r["steps"]')"
ok "every step succeeded"
[ "$(ls "$WORK/received" | grep -c '^big-thumbnail.jpg$')" = 1 ] || die "not exactly one callback"

printf '\nkill-and-resume: all %d checks passed (work files in %s)\n' "$checks" "$WORK"
