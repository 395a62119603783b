#!/usr/bin/env bash
# Cassandra write throughput: `skred process` with store=cassandra over a
# 100,000-warning backfill (all regions, both languages, ~3 seasons of
# varsom-sim Detail warnings), next to the Python driver's concurrent
# execution on the same node in the same run. Needs a running node
# (scripts/cassandra.sh start).
set -euo pipefail
build=${1:-build}
SRC=$(cd "$(dirname "$0")/.." && pwd)
B=$(cd "$build" && pwd)
W=$(mktemp -d "${TMPDIR:-/tmp}/skred-cbench.XXXXXX")
KS="bench$$"
CASS="$SRC/scripts/cassandra.sh"
trap 'kill $sim 2>/dev/null || true; wait 2>/dev/null || true; "$CASS" cqlsh "DROP KEYSPACE IF EXISTS $KS; DROP KEYSPACE IF EXISTS ${KS}_py" >/dev/null 2>&1 || true; rm -rf "$W"' EXIT
"$CASS" status >/dev/null || { echo "start Cassandra first: scripts/cassandra.sh start"; exit 1; }
PY=$("$CASS" venv)
export SKRED_CASSANDRA_USERNAME=skred SKRED_CASSANDRA_PASSWORD=${CASSANDRA_SKRED_PASSWORD:-skred-test-pw}

"$B/varsom-sim" --quiet --port 0 --port-file "$W/port" >/dev/null 2>&1 &
sim=$!
for _ in $(seq 100); do [ -s "$W/port" ] && break; sleep 0.05; done
SKRED_VARSOM_URL="http://127.0.0.1:$(cat "$W/port")/hydrology/forecast/avalanche/v6.3.0/api"
export SKRED_VARSOM_URL
export SKRED_DATA_DIR="$W/d" SKRED_LOG_LEVEL=warn
SKRED_FETCH_MIN_INTERVAL_MS=0 SKRED_FETCH_CONCURRENCY=8 "$B/skred" fetch --regions all --lang both \
  --from "${BENCH_FROM:-2021-12-01}" --to "${BENCH_TO:-2024-11-24}" >/dev/null
n=$(sqlite3 "$W/d/bus.db" "SELECT COUNT(*) FROM message")

/usr/bin/time -f "%e %M" -o "$W/t" "$B/skred" process --set store=cassandra --set cassandra.keyspace="$KS" >"$W/out"
read -r s_s s_kb <"$W/t"
writes=$("$CASS" cqlsh "SELECT COUNT(*) FROM $KS.problems_by_warning" | head -1)
weather=$("$CASS" cqlsh "SELECT COUNT(*) FROM $KS.weather_by_warning" | head -1)
total_writes=$(( n * 4 + writes + weather ))
sqlite3 "$W/d/bus.db" "DELETE FROM consumer_offset"
/usr/bin/time -f "%e" -o "$W/t2" "$B/skred" process --set store=cassandra --set cassandra.keyspace="$KS" >"$W/out2"
read -r r_s <"$W/t2"
"$PY" "$SRC/bench/cassandra_baseline.py" "$W/d/bus.db" "${KS}_py" skred "$SKRED_CASSANDRA_PASSWORD" >"$W/py"
read -r _ py_n py_s <"$W/py"
rate() { python3 -c "print(f'{$1/$2:,.0f}')"; }
cat <<EOT
machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; Cassandra 5.0.9 on 127.0.0.1 (same machine)
data: $n Detail warnings
$(cat "$W/out")

| writer | warnings | time s | warnings/s | CQL writes | writes/s |
|---|---|---|---|---|---|
| skred process (store=cassandra; read per batch, 2 warning tables + problems + weather + revision + completion mark, pipelined) | $n | $s_s | $(rate "$n" "$s_s") | $total_writes | $(rate "$total_writes" "$s_s") |
| skred process again (all unchanged: reads only) | $n | $r_s | $(rate "$n" "$r_s") | 0 | |
| python cassandra-driver execute_concurrent (64), 1 table | $py_n | $py_s | $(rate "$py_n" "$py_s") | $py_n | $(rate "$py_n" "$py_s") |

skred peak RSS: $(( s_kb / 1024 )) MiB
EOT
