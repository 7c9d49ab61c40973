#!/usr/bin/env bash
# Replays every command of the article (docs/walkthrough.md: OpenFaaS on OpenShift, Part 3) against a
# Sluice gateway, with the article's names swapped for Sluice's shipped functions, and checks each
# answer: pi's digits, the pictures' sizes and modes, and every async callback by its X-Call-Id.
# The article's workflow function is Sluice's transpose-bw-thumbnail (lang: workflow).
#
#   npm start &                        # the gateway, with pi, the image functions and the workflow deployed
#   export SLUICE_BASIC_AUTH=admin:$(cat .sluice/auth/basic-auth-password)   # /system/* wants the password
#   bash examples/walkthrough.sh       # exit 0: every check passed
#
# Environment: OPENFAAS_URL (http://127.0.0.1:8080), MAP (the world map, Debian's xplanet-images
# earth.jpg), RECEIVER_PORT (5000, for `sluice receiver`, started and stopped here), WORK (a new
# temp folder: the pictures and the receiver's folder are kept there). Needs curl and Python's
# Pillow (apt install curl python3-pil), used to check the answers independently of Sluice.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
OPENFAAS_URL=${OPENFAAS_URL:-http://127.0.0.1:8080}
MAP=${MAP:-/usr/share/xplanet/images/earth.jpg}
RECEIVER_PORT=${RECEIVER_PORT:-5000}
WORK=${WORK:-$(mktemp -d -t sluice-walkthrough-XXXXXX)}
receiverip=127.0.0.1
RECEIVER="http://$receiverip:$RECEIVER_PORT"
CHECK=(/usr/bin/python3 "$ROOT/examples/check.py")
checks=0

step() { printf '\n== %s\n' "$*"; }
ok() { checks=$((checks + 1)); printf 'ok %d - %s\n' "$checks" "$*"; }
die() { printf 'FAIL: %s\n' "$*" >&2; exit 1; }
check() { local what=$1; shift; "${CHECK[@]}" "$@" || die "$what"; ok "$what"; }
header() { tr -d '\r' <"$1" | awk -v h="$(echo "$2" | tr 'A-Z' 'a-z')" -F': ' 'tolower($1) == h { print $2 }'; }

# --- before the article: the tools, the gateway, the map, the receiver ---
command -v curl >/dev/null || die "curl is missing: apt install curl"
"${CHECK[0]}" -c 'import PIL' 2>/dev/null || die "Pillow is missing (the checks decode the pictures with it): apt install python3-pil"
[ -r "$MAP" ] || die "no world map at $MAP: apt install xplanet-images, or set MAP to a JPEG"
curl -sf "$OPENFAAS_URL/healthz" >/dev/null || die "no gateway at $OPENFAAS_URL: start one with npm start (or set OPENFAAS_URL)"
for fn in pi image-draft image-thumbnail image-transpose image-bw transpose-bw-thumbnail; do
  # /system/* is behind basic auth (the default): SLUICE_BASIC_AUTH=user:password, as `sluice` reads it.
  code=$(curl -s -o /dev/null -w '%{http_code}' ${SLUICE_BASIC_AUTH:+-u "$SLUICE_BASIC_AUTH"} "$OPENFAAS_URL/system/function/$fn")
  [ "$code" = 401 ] && die "the gateway wants its password: export SLUICE_BASIC_AUTH=admin:\$(cat .sluice/auth/basic-auth-password)"
  [ "$code" = 200 ] || die "function $fn is not deployed: sluice store deploy $fn"
done
mkdir -p "$WORK/async"
cp "$MAP" "$WORK/political-world-map.jpg"
MAP="$WORK/political-world-map.jpg"

node "$ROOT/dist/cli/main.js" receiver --port "$RECEIVER_PORT" --dir "$WORK/received" >"$WORK/receiver.log" 2>&1 &
receiver_pid=$!
trap 'kill $receiver_pid 2>/dev/null || true' EXIT
for _ in $(seq 50); do curl -sf "$RECEIVER/healthz" >/dev/null && break; sleep 0.1; done
curl -sf "$RECEIVER/healthz" >/dev/null || die "sluice receiver did not start on port $RECEIVER_PORT: $(cat "$WORK/receiver.log")"
echo "gateway $OPENFAAS_URL, map $MAP, receiver $RECEIVER saving to $WORK/received"

# --- Asynchronous Function Execution: pi, sync first ---
step 'time(printf "40\n\n" | curl $OPENFAAS_URL/function/pi --data-binary @- -H "Content-Type: text/plain")'
time (printf "40\n\n" | curl -s "$OPENFAAS_URL/function/pi" --data-binary @- -H "Content-Type: text/plain" | tee "$WORK/pi-40.txt")
check "pi to 40 digits" pi "$WORK/pi-40.txt" 40

step 'time(printf "5000\n\n" | curl $OPENFAAS_URL/function/pi --data-binary @- -H "Content-Type: text/plain")'
time (printf "5000\n\n" | curl -s "$OPENFAAS_URL/function/pi" --data-binary @- -H "Content-Type: text/plain" >"$WORK/pi-5000.txt")
echo "$(head -c 60 "$WORK/pi-5000.txt")… truncated"
check "pi to 5000 digits" pi "$WORK/pi-5000.txt" 5000

# --- 20 simultaneous async calls, callbacks with a path (requestbin) and a query (hookbin) ---
# As the article's loops, plus -D to keep each 202's X-Call-Id for the check.
async_pi() { # digits callback-url where
  printf "%s\n\n" "$1" | curl -s -D "$WORK/async/$2.headers" -o /dev/null "$OPENFAAS_URL/async-function/pi" --data-binary @- -H "Content-Type: text/plain" -H "X-Callback-Url: $3"
}
step 'for i in {1..20}; do printf "$i\n\n" | curl $OPENFAAS_URL/async-function/pi --data-binary @- -H "Content-Type: text/plain" -H "X-Callback-Url: http://$receiverip:5000/$i"& done'
pids=()
for i in {1..20}; do async_pi "$i" "path-$i" "$RECEIVER/$i" & pids+=($!); done
wait "${pids[@]}"
async_pi 0 path-0 "$RECEIVER/0"
step 'for i in {1..20}; do printf "$i\n\n" | curl $OPENFAAS_URL/async-function/pi … -H "X-Callback-Url: http://$receiverip:5000/?accuracy=$i"& done'
pids=()
for i in {1..20}; do async_pi "$i" "query-$i" "$RECEIVER/?accuracy=$i" & pids+=($!); done
wait "${pids[@]}"
: >"$WORK/async/calls.txt"
for i in {0..20}; do
  status=$(head -1 "$WORK/async/path-$i.headers" | tr -d '\r')
  [[ $status == *" 202 "* ]] || die "async pi $i: $status, want 202 Accepted"
  # 0 asks for the default: the callback carries 40 digits, as the sync call does.
  echo "$(header "$WORK/async/path-$i.headers" X-Call-Id) $([ "$i" = 0 ] && echo 40 || echo "$i") /$i" >>"$WORK/async/calls.txt"
  [ "$i" = 0 ] || echo "$(header "$WORK/async/query-$i.headers" X-Call-Id) $i ?accuracy=$i" >>"$WORK/async/calls.txt"
done
ok "41 async pi calls accepted (202), each with an X-Call-Id"

# --- Function to manipulate a binary image: each function, sync ---
image_sync() { # function out width height mode
  step "curl --data-binary @$MAP \$OPENFAAS_URL/function/$1 -o $2"
  curl -s --data-binary @"$MAP" "$OPENFAAS_URL/function/$1" -o "$WORK/$2"
  check "$1: $3x$4 $5" image "$WORK/$2" "$3" "$4" "$5"
}
image_sync image-draft political-world-map-draft.jpg 256 128 L
image_sync image-thumbnail political-world-map-thumbnail.jpg 100 50 RGB
image_sync image-transpose political-world-map-transpose.jpg 2048 1024 RGB
image_sync image-bw political-world-map-bw.jpg 2048 1024 L
# What the article could not do: one function, the operation in the path, the size in the query.
image_sync 'image/thumbnail?size=200' political-world-map-thumbnail-200.jpg 200 100 RGB

# --- the draft, async, to the receiver ---
step 'curl --data-binary @political-world-map.jpg -H "X-Callback-Url: http://$receiverip:5000/messages/political-world-map-draft.jpg" $OPENFAAS_URL/async-function/image-draft'
curl -s -D "$WORK/async/draft.headers" -o /dev/null --data-binary @"$MAP" -H "X-Callback-Url: $RECEIVER/messages/political-world-map-draft.jpg" "$OPENFAAS_URL/async-function/image-draft"
draft_id=$(header "$WORK/async/draft.headers" X-Call-Id)
[ -n "$draft_id" ] || die "async image-draft: no X-Call-Id in $(head -1 "$WORK/async/draft.headers")"

# --- Function Chaining with Client-side piping ---
step 'curl -s --data-binary @political-world-map.jpg $OPENFAAS_URL/function/image-transpose | curl -s --data-binary @- $OPENFAAS_URL/function/image-bw | curl -s --data-binary @- $OPENFAAS_URL/function/image-thumbnail -o inverted-bw-thumbnail.jpg'
curl -s --data-binary @"$MAP" "$OPENFAAS_URL/function/image-transpose" | curl -s --data-binary @- "$OPENFAAS_URL/function/image-bw" | curl -s --data-binary @- "$OPENFAAS_URL/function/image-thumbnail" -o "$WORK/inverted-bw-thumbnail.jpg"
check "client-side pipe: an inverted black-and-white 100x50 thumbnail" image "$WORK/inverted-bw-thumbnail.jpg" 100 50 L

# --- Function Chaining with the workflow function (the article's chaining-ppc64le) ---
step 'curl --data-binary @political-world-map.jpg $OPENFAAS_URL/function/transpose-bw-thumbnail > /tmp/inverted-bw-thumbnail.jpg'
curl -s --data-binary @"$MAP" "$OPENFAAS_URL/function/transpose-bw-thumbnail" >"$WORK/workflow-inverted-bw-thumbnail.jpg"
check "workflow, sync: the same 100x50 L thumbnail in one call" image "$WORK/workflow-inverted-bw-thumbnail.jpg" 100 50 L
cmp -s "$WORK/workflow-inverted-bw-thumbnail.jpg" "$WORK/inverted-bw-thumbnail.jpg" || die "the workflow's answer differs from the client-side pipe's"
ok "workflow, sync: byte for byte the client-side pipe's answer"
step 'curl --data-binary @political-world-map.jpg -H "X-Callback-Url: http://$receiverip:5000/messages/political-world-map-inverted-bw-thumbnail.jpg" $OPENFAAS_URL/async-function/transpose-bw-thumbnail'
curl -s -D "$WORK/async/chain.headers" -o /dev/null --data-binary @"$MAP" -H "X-Callback-Url: $RECEIVER/messages/political-world-map-inverted-bw-thumbnail.jpg" "$OPENFAAS_URL/async-function/transpose-bw-thumbnail"
chain_id=$(header "$WORK/async/chain.headers" X-Call-Id)
[ -n "$chain_id" ] || die "async transpose-bw-thumbnail: no X-Call-Id in $(head -1 "$WORK/async/chain.headers")"

# --- the callbacks: 41 for pi, 1 for the draft, 1 for the workflow ---
step "the receiver's log (sluice receiver --port $RECEIVER_PORT --dir $WORK/received)"
for _ in $(seq 600); do
  count=$(curl -sf "$RECEIVER/messages" | "${CHECK[0]}" -c 'import json, sys; print(len(json.load(sys.stdin)))') || count=0
  [ "$count" -ge 43 ] && break
  sleep 0.1
done
grep -E '"POST /messages/' "$WORK/receiver.log" || true
echo "… and $(grep -c '"POST /' "$WORK/receiver.log") POST lines in all"
[ "$count" -ge 43 ] || die "the receiver got $count callbacks in 60 s, want 43; see $WORK/receiver.log"
check "41 pi callbacks, matched by X-Call-Id, with the right digits" callbacks "$WORK/received" "$WORK/async/calls.txt" 41
saved_id() { "${CHECK[0]}" -c 'import json, sys; print(json.load(open(sys.argv[1]))["callId"])' "$WORK/received/$1.headers.json"; }
[ "$(saved_id political-world-map-draft.jpg)" = "$draft_id" ] || die "the draft's callback has X-Call-Id $(saved_id political-world-map-draft.jpg), want $draft_id"
check "async draft saved by the receiver: 256x128 L, X-Call-Id $draft_id" image "$WORK/received/political-world-map-draft.jpg" 256 128 L
[ "$(saved_id political-world-map-inverted-bw-thumbnail.jpg)" = "$chain_id" ] || die "the workflow's callback has X-Call-Id $(saved_id political-world-map-inverted-bw-thumbnail.jpg), want $chain_id"
check "async workflow saved by the receiver: 100x50 L, X-Call-Id $chain_id" image "$WORK/received/political-world-map-inverted-bw-thumbnail.jpg" 100 50 L

printf '\nwalkthrough: all %d checks passed (files in %s)\n' "$checks" "$WORK"
