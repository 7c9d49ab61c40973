#!/usr/bin/env bash
# Installs the Debian packages the test suite needs, when they are missing. Run by `npm test`; safe to
# run again (it only installs what is absent). Each line: command (or full path of a file) that must
# exist, and the package that has it.
set -euo pipefail

needs=(
  "curl curl"                         # the README's curl examples are tested as a user runs them
  "/usr/bin/python3 python3"          # the python3 templates run on Debian's python3, by full path
  "nats-server nats-server"           # the JetStream queue backend's tests start their own server
  "zsh zsh"                           # `sluice completion zsh` is tested in a real zsh line editor (zpty)
  "go golang-go"                      # builds test/compat/faas-cli, faas-cli's requests in Go (faas-cli.test.ts)
  "/usr/share/xplanet/images/earth.jpg xplanet-images"                # the article's world map, 2048x1024
  "/usr/lib/python3/dist-packages/PIL/__init__.py python3-pil"       # Pillow: the image tests check sizes against it
)

missing=()
for entry in "${needs[@]}"; do
  read -r command package <<<"$entry"
  if [[ "$command" == /* ]]; then [ -e "$command" ] || missing+=("$package")
  else command -v "$command" >/dev/null 2>&1 || missing+=("$package"); fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "ensure-deps: installing ${missing[*]} from Debian" >&2
if [ "$(id -u)" -ne 0 ]; then
  echo "ensure-deps: need root to install ${missing[*]} (run: sudo apt-get install -y ${missing[*]})" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
