#!/usr/bin/env bash
# The whole test suite: installs missing Debian packages, builds, then runs every test file with
# node's test runner (through tsx). Node 20 does not discover .ts files itself, so they are listed.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh
npm run build --silent
shopt -s globstar nullglob
files=(src/**/*.test.ts test/**/*.test.ts)
exec node --import tsx --test --test-concurrency=1 "$@" "${files[@]}"
