#!/usr/bin/env bash
# Runs the whole suite several times in a row (`npm run test:repeat -- 5`; 3 by default) and
# stops at the first run that fails: a test that fails one time in five shows here, not in a
# later CI run. Prints each run's time. Expects `npm test` to have run once (it installs what
# the suite needs and builds the dashboard).
set -euo pipefail
cd "$(dirname "$0")/../.."
runs="${1:-3}"
if ! [[ "$runs" =~ ^[1-9][0-9]*$ ]]; then
  echo "usage: npm run test:repeat -- <how many runs, 1 or more>" >&2
  exit 2
fi
node scripts/build/dashboard.mjs
for i in $(seq 1 "$runs"); do
  started=$(date +%s)
  if ! npx vitest run; then
    echo "run $i of $runs failed after $(($(date +%s) - started)) s"
    exit 1
  fi
  echo "run $i of $runs passed in $(($(date +%s) - started)) s"
done
echo "$runs runs in a row passed"
