#!/usr/bin/env bash
# Benchmark of the daemon's HTTP API with wrk (Debian) on 127.0.0.1:
#   map       GET /api/v1/warnings?from=D        all regions, both languages
#   timeline  GET /api/v1/warnings?region=3011&lang=en&from=..&to=.. (a season)
#   healthz   GET /healthz                        the server's own ceiling
# next to a baseline measured in the same run:
#   static    the map's exact response bytes served as a file by Python's
#             ThreadingHTTPServer (an off-the-shelf server, no query work)
# and the daemon's memory (VmRSS idle, VmHWM after serving). Prints a
# Markdown table. Not part of the test suite.
set -euo pipefail
build=${1:-build}
SKRED=$(cd "$build" && pwd)/skred
SIM=$(cd "$build" && pwd)/varsom-sim
DUR=${BENCH_DURATION:-10s}
CONN=${BENCH_CONNECTIONS:-16}
W=$(mktemp -d "${TMPDIR:-/tmp}/skred-webbench.XXXXXX")
pids=()
# shellcheck disable=SC2154 # p is the trap's own loop variable
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$W"' EXIT
command -v wrk >/dev/null || { echo "needs wrk (apt-get install wrk)"; exit 1; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

"$SIM" --quiet --port 0 --port-file "$W/sim.port" >/dev/null 2>&1 &
pids+=($!)
for _ in $(seq 100); do [ -s "$W/sim.port" ] && break; sleep 0.05; done
SKRED_VARSOM_URL="http://127.0.0.1:$(cat "$W/sim.port")/hydrology/forecast/avalanche/v6.3.0/api"
export SKRED_VARSOM_URL
export SKRED_DATA_DIR="$W/data" SKRED_LOG_LEVEL=warn SKRED_FETCH_MIN_INTERVAL_MS=0
"$SKRED" run --regions all --lang both --from 2023-12-01 --to 2024-05-31 -q >/dev/null

port=$(free_port)
H="http://127.0.0.1:$port"
SKRED_HTTP_ADDR="127.0.0.1:$port" SKRED_SCHED_SCHEDULES="daily=0 17 1 1 *" "$SKRED" serve >"$W/serve.log" 2>&1 &
serve=$!
pids+=("$serve")
for _ in $(seq 100); do curl -sf "$H/healthz" >/dev/null && break; sleep 0.05; done
sleep 1
idle_kb=$(awk '/^VmRSS/ {print $2}' /proc/$serve/status)

MAP="/api/v1/warnings?from=2024-02-01"
TIMELINE="/api/v1/warnings?region=3011&lang=en&from=2023-12-01&to=2024-05-31"
curl -sf "$H$MAP" >"$W/map.json"
map_bytes=$(stat -c %s "$W/map.json")
map_n=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["count"])' "$W/map.json")
tl_bytes=$(curl -sf "$H$TIMELINE" | wc -c)

# wrk NAME URL: requests/s, MB/s, p50 and p99 latency.
bench() {
  wrk -t2 -c"$CONN" -d"$DUR" --latency "$2" >"$W/$1.wrk"
  local rps mbs p50 p99 errs
  rps=$(awk '/^Requests\/sec/ {print $2}' "$W/$1.wrk")
  mbs=$(awk '/^Transfer\/sec/ {print $2}' "$W/$1.wrk")
  p50=$(awk '$1=="50%" {print $2}' "$W/$1.wrk")
  p99=$(awk '$1=="99%" {print $2}' "$W/$1.wrk")
  errs=$(awk '/Non-2xx|Socket errors/ {print}' "$W/$1.wrk")
  [ -z "$errs" ] || { echo "$1: $errs"; exit 1; }
  echo "| $1 | $3 | $rps | $mbs | $p50 | $p99 |"
}

spt=$(free_port)
mkdir -p "$W/static"
cp "$W/map.json" "$W/static/map.json"
python3 -m http.server "$spt" --bind 127.0.0.1 --directory "$W/static" >/dev/null 2>&1 &
pids+=($!)
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$spt/map.json" >/dev/null && break; sleep 0.05; done

echo "wrk -t2 -c$CONN -d$DUR on $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs))"
echo
echo "| endpoint | response | requests/s | transfer/s | p50 | p99 |"
echo "|---|---|---|---|---|---|"
bench map "$H$MAP" "$map_n warnings, $((map_bytes / 1024)) KiB"
bench timeline "$H$TIMELINE" "183 warnings, $((tl_bytes / 1024)) KiB"
bench healthz "$H/healthz" "16 bytes"
bench static "http://127.0.0.1:$spt/map.json" "baseline: the map's bytes as a file, Python http.server"
hwm_kb=$(awk '/^VmHWM/ {print $2}' /proc/$serve/status)
rss_kb=$(awk '/^VmRSS/ {print $2}' /proc/$serve/status)
echo
echo "daemon memory: idle RSS $((idle_kb / 1024)) MiB; after serving: RSS $((rss_kb / 1024)) MiB, peak (VmHWM) $((hwm_kb / 1024)) MiB"
