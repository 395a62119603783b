#!/usr/bin/env bash
# The daemon's HTTP API on the real backends: Kafka as the bus, Cassandra as
# the warehouse. Warnings, topics with lag, dead letters, the warehouse's
# counts and last write (written by another process) and /readyz, checked
# against kcat and the Python cassandra-driver; repeated requests reuse the
# pooled session and client.
. "$(dirname "$0")/../integration/lib.sh"
. "$(dirname "$0")/lib_kafka.sh"
. "$(dirname "$0")/lib_cassandra.sh"
start_sim --seed 12 --bad-rate 0.05
"$SKRED" run --regions all --lang both --from 2024-01-01 --to 2024-01-10 -q >"$T/run.out" 2>&1 || fail "run: $(tail -3 "$T/run.out")"
start_serve SKRED_FAKE_NOW=2024-01-10T12:00:00Z
j() { curl -sf "$H$1" | python3 -c "import json,sys; d=json.load(sys.stdin); print($2)"; }

check "readyz with Kafka and Cassandra" '{"status":"ready"}' "$(curl -sf "$H/readyz")"
stored=$("$CASS_SH" cqlsh "SELECT region_id FROM $KS.warnings_by_region" | wc -l)
check "warehouse: backend and count as the driver sees them" "cassandra $stored" "$(j /api/v1/warehouse 'd["backend"]+" "+str(d["warnings"])')"
check "warehouse: last write by the run (another process)" True "$(j /api/v1/warehouse 'd["last_write"] is not None and d["last_write"].endswith("Z")')"
day=$(cq "SELECT COUNT(*) FROM $KS.warnings_by_date WHERE valid_date = '2024-01-05'")
check "warnings of a day from Cassandra" "$day" "$(j '/api/v1/warnings?from=2024-01-05' 'd["count"]')"
lvl=$(cq "SELECT danger_level FROM $KS.warnings_by_region WHERE region_id = 3011 AND lang_key = 2 AND valid_date = '2024-01-05'")
check "a level as the driver reads it" "$lvl" "$(j '/api/v1/warnings?region=3011&lang=en&from=2024-01-05' 'd["warnings"][0]["danger_level"]')"
check "a season of one region" 10 "$(j '/api/v1/warnings?region=3011&lang=en&from=2024-01-01&to=2024-01-10' 'd["count"]')"
check "topics: bus kafka, raw end offsets sum to what kcat reads" "kafka $(kcount "$SKRED_BUS_TOPIC_RAW")" "$(j /api/v1/topics '"kafka "+str(sum(p["end_offset"] for t in d["topics"] if t["topic"].endswith(".raw") for p in t["partitions"]))')"
check "topics: no lag after processing" 0 "$(j /api/v1/topics 'sum(p["lag"] for t in d["topics"] if t["topic"].endswith(".raw") for p in t["partitions"])')"
dead=$(kcount "$SKRED_BUS_TOPIC_DLQ")
[ "$dead" -gt 0 ] && ok "some dead letters ($dead)" || fail "no dead letters"
check "dlq: every dead letter, with a reason" "$dead True" "$(j '/api/v1/dlq?limit=1000' 'str(d["count"])+" "+str(all(x["headers"].get("reason") for x in d["dead_letters"]))')"
grep -q '^skred_bus_lag{topic=".*raw",partition="[0-9]*"} 0$' <(curl -sf "$H/metrics") && ok "metrics: lag per Kafka partition" || fail "metrics lag"
# Pooled handles: many requests, one after another and in parallel.
: >"$T/errs"
(for i in $(seq 20); do curl -sf -o /dev/null "$H/api/v1/warnings?from=2024-01-0$(( i % 9 + 1 ))" || echo "warnings $i" >>"$T/errs"; done) &
bg=$!
for i in $(seq 20); do curl -sf -o /dev/null "$H/api/v1/topics" || echo "topics $i" >>"$T/errs"; done
wait "$bg" || true
check "40 requests, in parallel, none failed" "" "$(cat "$T/errs")"
check "still consistent after 40 requests" "$day" "$(j '/api/v1/warnings?from=2024-01-05' 'd["count"]')"
stop_serve
grep -qi "error" "$T/serve.log" && fail "errors in the daemon's log: $(grep -i error "$T/serve.log" | head -3)" || ok "no errors logged by the daemon"
"$CASS_SH" cqlsh "DROP KEYSPACE $KS" >/dev/null
finish
