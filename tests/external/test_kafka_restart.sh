#!/usr/bin/env bash
# Real Kafka: the broker stopped in the middle of a run and started again,
# with nothing lost; a processor killed with kill -9 and restarted, with no
# loss and no duplicates in the warehouse or among the dead letters.
. "$(dirname "$0")/../integration/lib.sh"
. "$(dirname "$0")/lib_kafka.sh"
trap '"$KAFKA_SH" start >/dev/null 2>&1 || true; cleanup' EXIT
start_sim --seed 12 --slow-ms 150 --fault-rate 1.0 --fault-kinds slow --bad-rate 0.01
# Two months (62 days): long enough that the broker restart (stop, 2 s
# down, start) lands inside the fetch, which is checked below.
RANGE=(--regions all --lang both --from 2023-12-01 --to 2024-01-31)
export SKRED_FETCH_CONCURRENCY=2

# Broker restart in the middle of a fetch.
"$SKRED" fetch "${RANGE[@]}" >"$T/f.out" 2>"$T/f.err" &
f=$!
sleep 3
"$KAFKA_SH" stop >/dev/null
kill -0 "$f" 2>/dev/null && ok "the broker stopped in the middle of the fetch" || fail "the fetch ended before the broker stopped"
sleep 2
"$KAFKA_SH" start >/dev/null
rc=0; wait "$f" || rc=$?
check "fetch rides out the broker restart" 0 "$rc"
[ "$rc" -eq 0 ] || tail -5 "$T/f.err"
grep -q "fetch:" "$T/f.out" && echo "# $(cat "$T/f.out")"
n=$(kcount "$SKRED_BUS_TOPIC_RAW")
expected=$((46 * 2 * 62))
[ "$n" -ge "$expected" ] && ok "every warning reached Kafka ($n >= $expected)" || fail "only $n of $expected in Kafka"

# A clean reference warehouse, processed without interruptions.
SKRED_DATA_DIR="$T/ref" SKRED_BUS_GROUP="$ID.ref" "$SKRED" process -q >/dev/null 2>&1
ref_dead=$(kcount "$SKRED_BUS_TOPIC_DLQ")
[ "$ref_dead" -gt 0 ] && ok "reference dead-lettered $ref_dead bad records" || fail "no dead letters"
check "reference holds every warning or its dead letter" "$expected" "$(( $(sq "$T/ref/warehouse.db" "SELECT COUNT(*) FROM avalanche_warning") + ref_dead ))"
# The interrupted processors write their dead letters to a topic of their own.
dead_set() { kcat -b "$SKRED_KAFKA_BROKERS" -C -t "$1" -e -q -f '%k\t%s\n' 2>/dev/null | sort; }
ref_set=$(dead_set "$SKRED_BUS_TOPIC_DLQ" | sha256sum)
export SKRED_BUS_TOPIC_DLQ="$ID.dlq2"

# kill -9 of the processor, twice, mid-run; then a restart finishes.
killed=0
for pause in 1.0 2.0; do
  "$SKRED" process -q --batch-size 1000 >/dev/null 2>&1 &
  p=$!
  sleep "$pause"
  kill -9 "$p" 2>/dev/null && killed=$((killed + 1))
  wait "$p" 2>/dev/null || true
  echo "# killed after ${pause}s: lag $(lagsum)"
done
[ "$killed" -gt 0 ] && ok "processor killed mid-run" || fail "processor finished before the kill"
"$SKRED" process >"$T/final.out" 2>"$T/final.err" || echo "# final process failed: $(grep -v " info " "$T/final.err" | tail -3)"
{ grep -E "assigned|revoked|error|warn" "$T/final.err" || true; } | sed "s/^/# /" | cut -c1-200
cat "$T/final.out"
check "no lag after the restart" 0 "$(lagsum)"
check "no loss, no duplicates: warehouse equals the reference" \
  "$(dump_warehouse "$T/ref/warehouse.db" | sha256sum)" "$(dump_warehouse "$SKRED_DATA_DIR/warehouse.db" | sha256sum)"
n=$(kcount "$SKRED_BUS_TOPIC_DLQ")
echo "# dead letters: reference $ref_dead, after $killed kills $n, distinct $(dead_set "$SKRED_BUS_TOPIC_DLQ" | sort -u | wc -l)"
check "duplicated dead letters" 0 "$((n - $(dead_set "$SKRED_BUS_TOPIC_DLQ" | sort -u | wc -l)))"
check "dead letters equal the reference's" "$ref_set" "$(dead_set "$SKRED_BUS_TOPIC_DLQ" | sha256sum)"
finish
