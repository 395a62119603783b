#!/usr/bin/env bash
# make demo: the whole pipeline offline against varsom-sim on 127.0.0.1.
# make demo-ui (--serve): then `skred serve` with the web UI on
# http://127.0.0.1:8080/ until Ctrl-C, its clock set to the demo's day.
set -euo pipefail
build=${1:-build}
serve=false
[ "${2:-}" = "--serve" ] && serve=true
dir=$(mktemp -d)
trap 'kill "$sim" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$dir"' EXIT
"$build/varsom-sim" --quiet --port 0 --port-file "$dir/port" &
sim=$!
for _ in $(seq 100); do [ -s "$dir/port" ] && break; sleep 0.05; done
port=$(cat "$dir/port")
export SKRED_VARSOM_URL="http://127.0.0.1:$port/hydrology/forecast/avalanche/v6.3.0/api"
export SKRED_DATA_DIR=${SKRED_DATA_DIR:-./skred-demo}
export SKRED_FETCH_MIN_INTERVAL_MS=0
# The simulator has a season (December-May): show a winter day.
today=$(date +%Y-%m-%d)
month=$(date +%m)
if [ "$month" -ge 6 ] && [ "$month" -le 11 ]; then
  day="$(date +%Y)-03-01"
else
  day=$today
fi
echo "== varsom-sim on 127.0.0.1:$port; data in $SKRED_DATA_DIR"
"$build/skred" run --regions all --lang both --from "$(date -d "$day -7 days" +%Y-%m-%d)" --to "$(date -d "$day +2 days" +%Y-%m-%d)"
echo
echo "== danger levels on $day (nb)"
"$build/skred" show --regions all --from "$day"
echo
"$build/skred" status
if $serve; then
  echo
  echo "== web UI on http://${SKRED_HTTP_ADDR:-127.0.0.1:8080}/ (Ctrl-C stops)"
  # The daemon's "today" is the demo's day (its clock starts there).
  SKRED_FAKE_NOW="${day}T12:00:00Z" "$build/skred" serve || true
fi
