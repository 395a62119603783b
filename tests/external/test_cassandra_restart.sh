#!/usr/bin/env bash
# Real Cassandra 5: stopped in the middle of processing and started again,
# with nothing lost; the processor killed with kill -9 and restarted; and
# the same pipeline with the Kafka bus when a broker is running.
. "$(dirname "$0")/../integration/lib.sh"
. "$(dirname "$0")/lib_cassandra.sh"
trap '"$CASS_SH" start >/dev/null 2>&1 || true; cleanup' EXIT
start_sim --seed 13
"$SKRED" fetch --regions all --lang both --from 2023-12-01 --to 2024-01-31 -q >/dev/null
total=$(bus "SELECT COUNT(*) FROM message")

# Cassandra goes away mid-run: process fails (retriable), offsets stay.
"$SKRED" process -q --batch-size 200 >"$T/p1.out" 2>"$T/p1.err" &
p=$!
sleep 2
"$CASS_SH" stop >/dev/null
rc=0; wait "$p" || rc=$?
check "process fails when Cassandra is gone" 1 "$rc"
echo "# $(grep -v ' info ' "$T/p1.err" | tail -1 | cut -c1-200)"
committed=$(bus "SELECT COALESCE(MAX(next_seq),0) FROM consumer_offset")
[ "$committed" -lt "$total" ] && ok "offsets not committed past what Cassandra acknowledged ($committed of $total)" || fail "all committed?"
"$CASS_SH" start >/dev/null
"$SKRED" process -q >/dev/null 2>&1 || "$SKRED" process -q >/dev/null
check "after the restart every warning is in Cassandra" "$total" "$("$CASS_SH" cqlsh "SELECT region_id FROM $KS.warnings_by_region" | wc -l)"
ref=$(cdump | sha256sum)

# kill -9 of the processor, then a restart: same content as a clean run.
export SKRED_CASSANDRA_KEYSPACE="${KS}_k"; KS0=$KS; KS="${KS}_k"
sqlite3 "$SKRED_DATA_DIR/bus.db" "DELETE FROM consumer_offset"
killed=0
for pause in 1.5 2.5 3.5; do
  "$SKRED" process -q --batch-size 300 >/dev/null 2>&1 &
  p=$!
  sleep "$pause"
  kill -9 "$p" 2>/dev/null && killed=$((killed + 1))
  wait "$p" 2>/dev/null || true
done
[ "$killed" -gt 0 ] && ok "processor killed mid-run $killed times" || fail "processor finished before the kill"
"$SKRED" process -q >/dev/null
check "after kill -9 and restart: same as the uninterrupted run" "$ref" "$(cdump | sha256sum)"

# The Kafka bus in front of Cassandra, when a broker is up.
if "$SRC/scripts/kafka.sh" status >/dev/null 2>&1; then
  export SKRED_BUS=kafka SKRED_KAFKA_BROKERS=127.0.0.1:${KAFKA_PORT:-9092} SKRED_BUS_TOPIC_RAW="$KS.raw" SKRED_BUS_TOPIC_DLQ="$KS.dlq" SKRED_BUS_TOPIC_CLEAN="$KS.clean" SKRED_BUS_GROUP="$KS.g"
  export SKRED_CASSANDRA_KEYSPACE="${KS0}_kafka"; KS="${KS0}_kafka"
  "$SKRED" run --regions all --lang both --from 2023-12-01 --to 2024-01-31 -q >/dev/null
  check "Kafka -> Cassandra: same content" "$ref" "$(cdump | sha256sum)"
else
  fail "Kafka is not running: the Kafka -> Cassandra scenario needs scripts/kafka.sh start"
fi
for k in "$KS0" "${KS0}_k" "${KS0}_kafka"; do "$CASS_SH" cqlsh "DROP KEYSPACE IF EXISTS $k" >/dev/null || true; done
finish
