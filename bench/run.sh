#!/usr/bin/env bash
# Benchmark of the embedded pipeline against varsom-sim on 127.0.0.1:
#   fetch   >= 100,000 Detail warnings (46 regions x 2 languages x ~3 seasons)
#   process the same messages into the warehouse
#   run     one day and the default 10-day window, all regions, both languages
# next to baselines measured in the same run:
#   curl    the same URLs with the same concurrency, bodies to /dev/null
#   python  json.loads + field mapping + sqlite executemany of the same
#           messages (what the original PySpark cleaning step did, minus Spark)
# Prints a Markdown table. Not part of the test suite.
set -euo pipefail
build=${1:-build}
SRC=$(cd "$(dirname "$0")/.." && pwd)
SKRED=$(cd "$build" && pwd)/skred
SIM=$(cd "$build" && pwd)/varsom-sim
FROM=${BENCH_FROM:-2021-12-01}
TO=${BENCH_TO:-2024-11-24}
CONC=${BENCH_CONCURRENCY:-8}
W=$(mktemp -d "${TMPDIR:-/tmp}/skred-bench.XXXXXX")
trap 'kill $sim 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$W"' EXIT
command -v /usr/bin/time >/dev/null || { echo "needs GNU time (apt-get install time)"; exit 1; }

"$SIM" --quiet --port 0 --port-file "$W/port" >/dev/null 2>&1 &
sim=$!
for _ in $(seq 100); do [ -s "$W/port" ] && break; sleep 0.05; done
BASE="http://127.0.0.1:$(cat "$W/port")/hydrology/forecast/avalanche/v6.3.0/api"
export SKRED_VARSOM_URL=$BASE SKRED_FETCH_MIN_INTERVAL_MS=0 SKRED_FETCH_CONCURRENCY=$CONC SKRED_LOG_LEVEL=warn
export SKRED_DATA_DIR="$W/data"

# measure NAME CMD...: wall seconds and peak RSS (MiB) of one command.
measure() {
  local name=$1; shift
  /usr/bin/time -f "%e %M" -o "$W/$name.time" "$@" >"$W/$name.out" 2>"$W/$name.err" || {
    echo "$name failed:"; cat "$W/$name.err"; exit 1; }
  read -r secs kb <"$W/$name.time"
  eval "${name}_s=$secs ${name}_mb=$(( kb / 1024 ))"
}

measure fetch "$SKRED" fetch --regions all --lang both --from "$FROM" --to "$TO"
n=$(sqlite3 "$W/data/bus.db" "SELECT COUNT(*) FROM message WHERE topic='avalanche_region_warning'")
bytes=$(sqlite3 "$W/data/bus.db" "SELECT SUM(LENGTH(value)) FROM message WHERE topic='avalanche_region_warning'")
measure process "$SKRED" process
stored=$(sqlite3 "$W/data/warehouse.db" "SELECT COUNT(*) FROM avalanche_warning")

# Baseline for fetch: curl over the same chunk URLs, same concurrency.
python3 - "$BASE" "$FROM" "$TO" >"$W/urls" <<'PY'
import datetime as dt, sys
base, f, t = sys.argv[1], dt.date.fromisoformat(sys.argv[2]), dt.date.fromisoformat(sys.argv[3])
d = f
while d <= t:
    e = min(d + dt.timedelta(days=29), t)
    for r in range(3001, 3047):
        for lang in (1, 2):
            print(f"{base}/AvalancheWarningByRegion/Detail/{r}/{lang}/{d}/{e}")
    d = e + dt.timedelta(days=1)
PY
awk '{print "url = \"" $0 "\"\noutput = \"/dev/null\""}' "$W/urls" >"$W/curl.cfg"
measure curl curl -sf --parallel --parallel-max "$CONC" -K "$W/curl.cfg"
# Baseline for process: Python over the same messages.
measure python python3 "$SRC/bench/baseline_process.py" "$W/data/bus.db" "$W/baseline.db"

# The daily job: one day, and the default window (7 back, 2 ahead), fresh data dirs.
DAY=${BENCH_DAY:-2024-02-15}
SKRED_DATA_DIR="$W/day" measure day "$SKRED" run --regions all --lang both --from "$DAY" --to "$DAY"
SKRED_DATA_DIR="$W/window" measure window "$SKRED" run --regions all --lang both \
  --from "$(date -d "$DAY -7 days" +%F)" --to "$(date -d "$DAY +2 days" +%F)"

mb=$(python3 -c "print(round($bytes/1e6,1))")
rate() { python3 -c "print(f'{$1/$2:,.0f}')"; }
mbs() { python3 -c "print(f'{$bytes/1e6/$1:,.1f}')"; }
# shellcheck disable=SC2154 # the *_s and *_mb values are set by measure()
cat <<EOT
machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB; $(uname -sr)
data: $n Detail warnings, $mb MB of JSON ($FROM..$TO, 46 regions x 2 languages), stored $stored

| step | what | time s | warnings/s | MB/s | peak RSS MiB |
|---|---|---|---|---|---|
| fetch | skred fetch (curl multi, $CONC in flight) -> bus log | $fetch_s | $(rate "$n" "$fetch_s") | $(mbs "$fetch_s") | $fetch_mb |
| fetch baseline | curl CLI, same URLs, $CONC parallel, bodies discarded | $curl_s | $(rate "$n" "$curl_s") | $(mbs "$curl_s") | $curl_mb |
| process | skred process: bus log -> clean -> warehouse | $process_s | $(rate "$n" "$process_s") | $(mbs "$process_s") | $process_mb |
| process baseline | python3 json + sqlite executemany | $python_s | $(rate "$n" "$python_s") | $(mbs "$python_s") | $python_mb |
| run, 1 day | skred run, all regions, both languages (92 warnings) | $day_s | | | $day_mb |
| run, 10 days | skred run, default window size (920 warnings) | $window_s | | | $window_mb |
EOT
