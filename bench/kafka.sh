#!/usr/bin/env bash
# Kafka throughput of skred's bus path next to kcat on the same broker, the
# same messages, in the same run. Needs a running broker
# (scripts/kafka.sh start). Messages: BENCH_DAYS days of Detail warnings for
# all regions and both languages from varsom-sim (default ~50,000).
set -euo pipefail
build=${1:-build}
SRC=$(cd "$(dirname "$0")/.." && pwd)
B=$(cd "$build" && pwd)
W=$(mktemp -d "${TMPDIR:-/tmp}/skred-kbench.XXXXXX")
trap 'kill $sim 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$W"' EXIT
export SKRED_KAFKA_BROKERS=${SKRED_KAFKA_BROKERS:-127.0.0.1:9092}
BATCH=${BENCH_BATCH:-1000}
"$SRC/scripts/kafka.sh" status >/dev/null || { echo "start Kafka first: scripts/kafka.sh start"; exit 1; }

"$B/varsom-sim" --quiet --port 0 --port-file "$W/port" >/dev/null 2>&1 &
sim=$!
for _ in $(seq 100); do [ -s "$W/port" ] && break; sleep 0.05; done
SKRED_VARSOM_URL="http://127.0.0.1:$(cat "$W/port")/hydrology/forecast/avalanche/v6.3.0/api"
export SKRED_VARSOM_URL
SKRED_FETCH_MIN_INTERVAL_MS=0 SKRED_FETCH_CONCURRENCY=8 SKRED_LOG_LEVEL=warn \
  "$B/skred" fetch --data-dir "$W/d" --regions all --lang both --from 2022-01-01 --to "$(date -d "2022-01-01 +$(( ${BENCH_DAYS:-545} - 1 )) days" +%F)" >/dev/null

# The same messages as key<TAB>value lines for kcat.
# Debian's python3 has python3-zstandard (scripts/install-deps.sh).
"$(command -v /usr/bin/python3 || command -v python3)" - "$W/d/bus.db" "$W/msgs.tsv" "$SRC/scripts" <<'PY'
import sqlite3, sys
sys.path.insert(0, sys.argv[3])
import bus_values  # values are stored through skred's codec
db = sqlite3.connect(sys.argv[1])
keys = [bytes(k) for (k,) in db.execute("SELECT key FROM message WHERE topic='avalanche_region_warning' ORDER BY seq")]
with open(sys.argv[2], "wb") as f:
    for k, v in zip(keys, bus_values.values(sys.argv[1], "avalanche_region_warning")):
        f.write(k + b"\t" + v + b"\n")
PY
n=$(wc -l <"$W/msgs.tsv")
mb=$(python3 -c "import os; print(round(os.path.getsize('$W/msgs.tsv')/1e6,1))")
T="bench.$$"

# skred: produce (a batch per delivery wait) and consume (commit per batch).
SKRED_KAFKA_TOPIC_PARTITIONS=6 SKRED_LOG_LEVEL=warn /usr/bin/time -f "%M" -o "$W/skred.rss" \
  "$B/kafka_bench" "$W/d" "$T.skred" "$BATCH" >"$W/skred.out"
read -r _ sp_n sp_mb sp_s < <(grep produce "$W/skred.out")
read -r _ sc_n sc_mb sc_s < <(grep consume "$W/skred.out")
skred_rss=$(( $(cat "$W/skred.rss") / 1024 ))

# kcat: the same lines into the same topic (same partitions), then all of
# it read back.
t0=$(date +%s.%N)
kcat -b "$SKRED_KAFKA_BROKERS" -P -t "$T.skred" -K $'\t' -X enable.idempotence=true -X acks=all -X compression.type=lz4 -l "$W/msgs.tsv"
kp_s=$(python3 -c "import time; print(round($(date +%s.%N)-$t0,3))")
t0=$(date +%s.%N)
kc_n=$(kcat -b "$SKRED_KAFKA_BROKERS" -C -t "$T.skred" -o beginning -e -q -f '%k\n' | wc -l)
kc_s=$(python3 -c "import time; print(round($(date +%s.%N)-$t0,3))")
rate() { python3 -c "print(f'{$1/$2:,.0f}')"; }
mbs() { python3 -c "print(f'{$1/$2:,.1f}')"; }
cat <<EOT
machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; Kafka 3.9.1 (KRaft, 1 broker on 127.0.0.1), librdkafka $(dpkg-query -W -f='${Version}' librdkafka1 2>/dev/null)
data: $n Detail warnings, $mb MB

| path | messages | time s | msg/s | MB/s |
|---|---|---|---|---|
| skred produce (idempotent, acks=all, lz4; waits for every report per $BATCH) | $sp_n | $sp_s | $(rate "$sp_n" "$sp_s") | $(mbs "$sp_mb" "$sp_s") |
| kcat produce (same settings, one stream) | $n | $kp_s | $(rate "$n" "$kp_s") | $(mbs "$mb" "$kp_s") |
| skred consume (group, commit per $BATCH) | $sc_n | $sc_s | $(rate "$sc_n" "$sc_s") | $(mbs "$sc_mb" "$sc_s") |
| kcat consume (no group; $kc_n read: skred's + kcat's copy) | $kc_n | $kc_s | $(rate "$kc_n" "$kc_s") | $(mbs "$(python3 -c "print($mb*2)")" "$kc_s") |

skred bench peak RSS: ${skred_rss} MiB
EOT
