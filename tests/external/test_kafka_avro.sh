#!/usr/bin/env bash
# Real Kafka + a real Schema Registry (Apicurio, scripts/registry.sh):
# bus.format=avro end to end, read back by an independent consumer
# (confluent-kafka's AvroDeserializer through the registry) whose records
# equal the warehouse's; the subject's versions and level as the registry
# reports them; an incompatible schema refused with exit 2 and nothing
# written; a compatible one (a nullable field added) registered as version
# 2 while the old records still decode; the registry down -> retried, a
# clear error, nothing fetched, consumed or committed.
. "$(dirname "$0")/../integration/lib.sh"
. "$(dirname "$0")/lib_kafka.sh"
REG_SH="$SRC/scripts/registry.sh"
if ! "$REG_SH" status >/dev/null 2>&1; then
  echo "FAIL - the schema registry is not running (scripts/registry.sh start)"; echo "0 passed, 1 failed"; exit 1
fi
REG=$("$REG_SH" url)
PY=$("$REG_SH" venv) || { echo "FAIL - no client venv"; exit 1; }
export SKRED_BUS_FORMAT=avro SKRED_SCHEMA_REGISTRY_URL="$REG"
export SKRED_SCHEMA_REGISTRY_ATTEMPTS=3 SKRED_SCHEMA_REGISTRY_BACKOFF_BASE_MS=50
SUBJ="$SKRED_BUS_TOPIC_CLEAN-value"
start_sim --seed 7
# shellcheck disable=SC2054  # the commas are in one argument
RANGE=(--regions 3011,3022,3035 --lang both)

# consume N: the clean topic through the independent consumer, sorted by key.
consume() { "$PY" "$SRC/tests/external/avro_consume.py" "$SKRED_KAFKA_BROKERS" "$SKRED_BUS_TOPIC_CLEAN" "$REG" "$1"; }
# same_as_warehouse FILE: every consumed record equals the stored one
# (skred show --format jsonl is the warehouse's record as JSON).
same_as_warehouse() {
  "$SKRED" show --format jsonl "${RANGE[@]}" --from 2024-01-01 --to 2024-01-09 --limit 1000 >"$T/wh.jsonl"
  python3 - "$1" "$T/wh.jsonl" <<'PY'
import json, sys
wh = {}
for l in open(sys.argv[2]):
    r = json.loads(l)
    wh["%d:%d:%s" % (r["region_id"], r["lang_key"], r["valid_date"])] = r
bad = 0
for l in open(sys.argv[1]):
    o = json.loads(l)
    rec = {k: v for k, v in o["record"].items() if k != "extra_note"}
    if wh.get(o["key"]) != rec:
        bad += 1
        if bad == 1:
            w = wh.get(o["key"]) or {}
            print("differs:", o["key"], [k for k in set(rec) | set(w) if rec.get(k) != w.get(k)], file=sys.stderr)
print(bad)
PY
}

"$SKRED" run "${RANGE[@]}" --from 2024-01-01 --to 2024-01-05 >/dev/null 2>"$T/err" || fail "run: $(tail -3 "$T/err")"
stored=$(wh "SELECT COUNT(*) FROM avalanche_warning")
check "stored every fetched warning" 30 "$stored"
check "clean topic: one record per stored warning" "$stored" "$(kcount "$SKRED_BUS_TOPIC_CLEAN")"
kcat -b "$SKRED_KAFKA_BROKERS" -C -t "$SKRED_BUS_TOPIC_CLEAN" -e -q -c 1 -f '%s' | head -c 1 | od -An -tx1 | grep -q '^ 00$' \
  && ok "clean values start with the magic byte 0" || fail "magic byte"
consume "$stored" >"$T/c1" 2>"$T/c1.err" || fail "consumer: $(tail -3 "$T/c1.err")"
check "the independent consumer decodes every clean record" "$stored" "$(wc -l <"$T/c1")"
check "its records equal the warehouse's" 0 "$(same_as_warehouse "$T/c1")"
ID1=$(python3 -c 'import json,sys; print(sorted({json.loads(l)["schema_id"] for l in open(sys.argv[1])}))' "$T/c1")
check "one schema id, the registry's version 1" "[$(curl -s "$REG/subjects/$SUBJ/versions/1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')]" "$ID1"
check "registry: subject versions" "[1]" "$(curl -s "$REG/subjects/$SUBJ/versions")"
check "registry: skred set the subject's level" "BACKWARD" "$(curl -s "$REG/config/$SUBJ" | python3 -c 'import json,sys; print(json.load(sys.stdin)["compatibilityLevel"])')"
curl -s "$REG/subjects/$SUBJ/versions/1" | python3 -c 'import json,sys; s=json.loads(json.load(sys.stdin)["schema"]); f={x["name"]:x for x in s["fields"]}; assert f["valid_date"]["type"]["logicalType"]=="date" and f["publish_time"]["type"][1]["logicalType"]=="timestamp-millis"' \
  && ok "registered schema has the logical types" || fail "registered schema"
"$SKRED" schema show >"$T/gen.avsc"
curl -s "$REG/subjects/$SUBJ/versions/1" | python3 -c 'import json,sys; a=json.loads(json.load(sys.stdin)["schema"]); b=json.load(open(sys.argv[1])); sys.exit(a!=b)' "$T/gen.avsc" \
  && ok "registered schema is \`skred schema show\`'s" || fail "registered schema differs from the generated one"
avro=$(kcat -b "$SKRED_KAFKA_BROKERS" -C -t "$SKRED_BUS_TOPIC_CLEAN" -e -q -f '%S\n' | awk '{s+=$1} END {printf "%d", s/NR}')
json=$(awk '{s+=length($0)} END {printf "%d", s/NR}' "$T/wh.jsonl")
echo "# encoded size of a clean warning: Avro $avro bytes, JSON $json bytes (mean of $stored)"
[ "$avro" -lt "$json" ] && ok "Avro values are smaller than the JSON ($avro < $json bytes)" || fail "sizes $avro $json"

# An incompatible change (region_id retyped): exit 2, nothing fetched or written.
python3 - "$T/gen.avsc" "$T/bad.avsc" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
for f in s["fields"]:
    if f["name"] == "region_id":
        f["type"] = "string"
json.dump(s, open(sys.argv[2], "w"))
PY
raw0=$(kcount "$SKRED_BUS_TOPIC_RAW")
rc=0; SKRED_BUS_AVRO_SCHEMA_FILE="$T/bad.avsc" "$SKRED" run "${RANGE[@]}" --from 2024-01-06 --to 2024-01-07 >/dev/null 2>"$T/err2" || rc=$?
check "incompatible schema: exit 2" 2 "$rc"
grep -q "refuses the schema of subject $SUBJ" "$T/err2" && ok "the error names the registry's refusal" || fail "error: $(tail -2 "$T/err2")"
check "incompatible: nothing fetched" "$raw0" "$(kcount "$SKRED_BUS_TOPIC_RAW")"
check "incompatible: nothing on the clean topic" "$stored" "$(kcount "$SKRED_BUS_TOPIC_CLEAN")"
check "incompatible: still one version" "[1]" "$(curl -s "$REG/subjects/$SUBJ/versions")"

# A compatible change (a nullable field added): version 2, old records decode.
python3 - "$T/gen.avsc" "$T/v2.avsc" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
s["fields"].append({"name": "extra_note", "type": ["null", "string"], "default": None, "doc": "test"})
json.dump(s, open(sys.argv[2], "w"))
PY
SKRED_BUS_AVRO_SCHEMA_FILE="$T/v2.avsc" "$SKRED" run "${RANGE[@]}" --from 2024-01-06 --to 2024-01-07 >/dev/null 2>"$T/err3" || fail "v2 run: $(tail -3 "$T/err3")"
check "compatible schema: version 2 registered" "[1,2]" "$(curl -s "$REG/subjects/$SUBJ/versions")"
stored2=$(wh "SELECT COUNT(*) FROM avalanche_warning")
check "v2 run stored the new days" $((stored + 12)) "$stored2"
consume "$stored2" >"$T/c2" 2>"$T/c2.err" || fail "consumer: $(tail -3 "$T/c2.err")"
check "old and new records decode" "$stored2" "$(wc -l <"$T/c2")"
check "two schema ids on the topic" 2 "$(python3 -c 'import json,sys; print(len({json.loads(l)["schema_id"] for l in open(sys.argv[1])}))' "$T/c2")"
check "new records carry the added field as null" 12 "$(grep -c '"extra_note": null' "$T/c2")"
check "all still equal the warehouse's" 0 "$(same_as_warehouse "$T/c2")"

# The registry down (nothing listens at the URL): retried, a clear error,
# exit 1; at start nothing fetched; for pending raw records nothing stored
# or committed.
dead="http://127.0.0.1:$(free_port)/apis/ccompat/v7"
raw0=$(kcount "$SKRED_BUS_TOPIC_RAW")
rc=0; SKRED_SCHEMA_REGISTRY_URL="$dead" "$SKRED" run "${RANGE[@]}" --from 2024-01-08 --to 2024-01-09 >/dev/null 2>"$T/err4" || rc=$?
check "registry down at start: exit 1" 1 "$rc"
grep -q "schema registry http://127.0.0.1:[0-9]*/apis/ccompat/v7: .* failed after 3 attempts" "$T/err4" && ok "the error names the registry and the retries" || fail "error: $(tail -2 "$T/err4")"
check "registry down at start: nothing fetched" "$raw0" "$(kcount "$SKRED_BUS_TOPIC_RAW")"
"$SKRED" fetch "${RANGE[@]}" --from 2024-01-08 --to 2024-01-09 >/dev/null 2>&1 || fail "fetch"
lag0=$(lagsum)
check "fetched records are pending" 12 "$lag0"
rc=0; SKRED_SCHEMA_REGISTRY_URL="$dead" "$SKRED" process >/dev/null 2>"$T/err5" || rc=$?
check "registry down for processing: exit 1" 1 "$rc"
check "registry down: nothing committed" "$lag0" "$(lagsum)"
check "registry down: nothing stored" "$stored2" "$(wh "SELECT COUNT(*) FROM avalanche_warning")"
check "registry down: nothing on the clean topic" "$stored2" "$(kcount "$SKRED_BUS_TOPIC_CLEAN")"
"$SKRED" process >/dev/null 2>"$T/err6" || fail "process after the registry is back: $(tail -2 "$T/err6")"
check "registry back: the pending records processed" 0 "$(lagsum)"
check "registry back: clean records of them" $((stored2 + 12)) "$(kcount "$SKRED_BUS_TOPIC_CLEAN")"

# The registry going down mid-run (its port closed by a proxy that is
# killed): a running `process --follow` has its schema id from the start
# and keeps encoding: nothing is lost, and the records decode through the
# (real) registry.
regport=${REG#http://127.0.0.1:}
python3 "$SRC/tests/external/tcp_proxy.py" "${regport%%/*}" "$T/proxy.port" &
PROXY=$!
for _ in $(seq 50); do [ -s "$T/proxy.port" ] && break; sleep 0.1; done
via="http://127.0.0.1:$(cat "$T/proxy.port")/apis/ccompat/v7"
SKRED_SCHEMA_REGISTRY_URL="$via" SKRED_LOG_LEVEL=info "$SKRED" process --follow >/dev/null 2>"$T/follow.log" &
FOLLOW=$!
for _ in $(seq 100); do grep -q "schema id" "$T/follow.log" && break; sleep 0.1; done
grep -q "schema id" "$T/follow.log" && ok "process --follow resolved the schema id through the proxy" || fail "follow: $(tail -3 "$T/follow.log")"
kill "$PROXY"; wait "$PROXY" 2>/dev/null || true
curl -s -m 2 "$via/subjects" >/dev/null && fail "the proxy still answers" || ok "registry unreachable for the running process"
n0=$(kcount "$SKRED_BUS_TOPIC_CLEAN")
"$SKRED" fetch "${RANGE[@]}" --from 2024-01-10 --to 2024-01-11 >/dev/null 2>&1 || fail "fetch"
for _ in $(seq 100); do [ "$(kcount "$SKRED_BUS_TOPIC_CLEAN")" -ge $((n0 + 12)) ] && break; sleep 0.2; done
check "registry down mid-run: the new records are published" $((n0 + 12)) "$(kcount "$SKRED_BUS_TOPIC_CLEAN")"
kill -TERM "$FOLLOW"; rc=0; wait "$FOLLOW" || rc=$?
check "process --follow stops cleanly" 0 "$rc"
check "registry down mid-run: nothing pending" 0 "$(lagsum)"

# `skred schema list` on Kafka: the bus keeps no versions, the registry's
# view of skred's subjects (GET /subjects, /subjects/{s}/versions) is listed.
"$SKRED" schema list >"$T/slist" 2>"$T/slist.err" || fail "schema list on Kafka: $(cat "$T/slist.err")"
grep -q "keeps no schema versions" "$T/slist" && ok "schema list on Kafka: says the bus keeps none" || fail "slist: $(cat "$T/slist")"
want=$(curl -sf "$REG/subjects/$SUBJ/versions" | python3 -c 'import json,sys; print(" ".join(map(str, json.load(sys.stdin))))')
grep -qxF "registry $REG: $SUBJ versions $want" "$T/slist" && ok "schema list: the registry's versions of $SUBJ ($want)" || fail "slist: want '$want': $(cat "$T/slist")"
check "schema list: only skred's subjects" "$(curl -sf "$REG/subjects" | python3 -c 'import json,sys,os; t=[os.environ[k] for k in ("SKRED_BUS_TOPIC_RAW","SKRED_BUS_TOPIC_CLEAN","SKRED_BUS_TOPIC_DLQ") if k in os.environ]; print(sum(1 for s in json.load(sys.stdin) if any(s == x + "-value" for x in t)))')" "$(grep -c '^registry ' "$T/slist")"
rc=0; "$SKRED" schema drift >/dev/null 2>"$T/drift.err" || rc=$?
check "schema drift on Kafka: exit 1, pointing at the runs' check" "1 yes" "$rc $(grep -q source_drift "$T/drift.err" && echo yes)"
finish
