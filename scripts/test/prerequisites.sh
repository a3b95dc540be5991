#!/usr/bin/env bash
# What the test suite needs beyond npm packages: a real redis-server and a Chromium for the
# browser tests (Debian's `chromium`, or HELMR_CHROMIUM). Missing ones are installed from
# Debian's packages when this runs as root where apt-get exists; otherwise it stops at once
# with the command to run.
set -euo pipefail

missing=()
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
[ -x "${HELMR_CHROMIUM:-/usr/bin/chromium}" ] || missing+=(chromium)
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing Debian packages the tests need: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  exit 0
fi

{
  echo "The tests need ${missing[*]}, which this machine does not have. Install with:"
  echo "  sudo apt-get install -y ${missing[*]}"
  echo "(macOS: \`brew install redis\`, and HELMR_CHROMIUM=/path/to/chrome for the browser tests.)"
} >&2
exit 1
