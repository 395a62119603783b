#!/usr/bin/env bash
# Dead letters once; answers that do not match their request; nothing that
# is not a success passes as one. Each fault comes from varsom-sim.
. "$(dirname "$0")/lib.sh"
export SKRED_SCHED_RETRY_BASE_MS=100 SKRED_SCHED_RETRY_CAP_MS=200
L() { sq "$SKRED_DATA_DIR/ledger.db" "$1"; }
dlq_count() { bus "SELECT COUNT(*) FROM message WHERE topic='skred.dlq'"; }
# Rows of one region, every column but bookkeeping, as one hash.
region_rows() { wh "SELECT * FROM avalanche_warning WHERE region_id=$1 ORDER BY valid_date, lang_key" | sha256sum; }

# 1. A bad record fetched three times is one dead letter.
export SKRED_DATA_DIR="$T/once"
start_sim --seed 5 --bad-rate 0.2
W=(--regions all --lang nb --from 2024-01-01 --to 2024-01-10)
"$SKRED" run "${W[@]}" -q >"$T/once1.out" 2>"$T/once1.err"
first=$(dlq_count)
[ "$first" -gt 20 ] && ok "bad records dead-lettered ($first)" || fail "dead letters: $first"
"$SKRED" run "${W[@]}" -q >"$T/once2.out" 2>"$T/once2.err"
"$SKRED" run "${W[@]}" -q >"$T/once3.out" 2>"$T/once3.err"
check "fetched three times: the raw topic holds every record three times" 1380 "$(bus "SELECT COUNT(*) FROM message WHERE topic='avalanche_region_warning'")"
grep -q "$first dead-lettered" "$T/once3.out" && ok "the third run dead-lettered them again" || fail "third run: $(cat "$T/once3.out")"
check "fetched three times: still one dead letter each" "$first" "$(dlq_count)"
check "one dedup id per dead letter" "$first" "$(bus "SELECT COUNT(*) FROM message_dedup WHERE topic='skred.dlq'")"
"$SKRED" dlq --limit 1000 >"$T/dlq.txt"
check "skred dlq lists each once" "$first" "$(wc -l <"$T/dlq.txt")"
"$SKRED" dlq --format jsonl --limit 1000 >"$T/dlq.jsonl"
python3 - "$T/dlq.jsonl" <<'PY' && ok "headers: source topic, partition, offset, payload hash, dedup id" || fail "dlq jsonl headers"
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
ids = set()
for d in rows:
    assert d["source_topic"] == "avalanche_region_warning", d
    assert d["source_partition"] == "0" and d["source_offset"].isdigit(), d
    assert len(d["payload_hash"]) == 16 and d["dedup_id"] == d["key"] + "#" + d["payload_hash"], d
    ids.add((d["key"], d["payload_hash"]))
assert len(ids) == len(rows), "a dead letter shown twice"
PY
# A log written before dead letters had ids: the copy is not shown twice.
bus "INSERT INTO message(topic, seq, ts_ms, key, value, headers) SELECT topic, seq + 100000, ts_ms, key, value, '' FROM message WHERE topic='skred.dlq' AND seq = 0"
check "an old duplicate is shown once" "$first" "$("$SKRED" dlq --limit 1000 | wc -l)"
start_serve
check "GET /api/v1/dlq shows each once" "$first" "$(curl -sf "$H/api/v1/dlq?limit=1000" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(len({(m["key"], m["headers"]["payload_hash"]) for m in d["dead_letters"]}) if d["count"] == len(d["dead_letters"]) else -1)')"
stop_serve

# 2. A misrouted answer: region 3012's warnings (a newer revision) in the
# answer for 3011. Dead-lettered, the chunk fails, 3012 keeps its own.
export SKRED_DATA_DIR="$T/misrouted"
M=(--lang nb --from 2024-01-01 --to 2024-01-30)
start_sim --seed 3
"$SKRED" run --regions 3011,3012 "${M[@]}" -q >/dev/null
before=$(region_rows 3012)
start_sim --seed 3 --revision 1 --fail-region 3011:misrouted
rc=0; "$SKRED" run --regions 3011 "${M[@]}" >"$T/mis.out" 2>"$T/mis.err" || rc=$?
check "misrouted: exit 1" 1 "$rc"
grep -q "region 3011 lang 1 2024-01-01..2024-01-30: 30 of 30 records do not match the request (misrouted" "$T/mis.err" \
  && ok "misrouted: the error names the chunk and why" || fail "misrouted message: $(cat "$T/mis.err")"
"$SKRED" dlq --format jsonl --limit 1000 >"$T/mis.jsonl"
check "misrouted: 30 dead letters, reason misrouted" "30 misrouted" "$(python3 -c 'import json,sys; r=[json.loads(l) for l in open(sys.argv[1])]; print(len(r), " ".join(sorted({d["error"] for d in r})))' "$T/mis.jsonl")"
grep -q 'Oppdatert' "$T/mis.jsonl" && ok "misrouted: the refused answer held newer 3012 revisions" || fail "no newer revision in the misrouted answer"
check "misrouted: region 3012 keeps its own forecasts" "$before" "$(region_rows 3012)"
"$SKRED" backfill --regions 3011 "${M[@]}" --mode all >"$T/mis.bf" 2>&1 || true
check "misrouted: the ledger run failed" failed "$(L "SELECT state FROM run ORDER BY id DESC LIMIT 1")"
L "SELECT error FROM task WHERE name='fetch' ORDER BY rowid DESC LIMIT 1" | grep -q "region 3011 lang 1 2024-01-01..2024-01-30.*misrouted" \
  && ok "misrouted: the fetch task shows the error" || fail "task error: $(L "SELECT error FROM task")"
check "misrouted: still one dead letter each" 30 "$(dlq_count)"

# 3. Dates far outside the request.
export SKRED_DATA_DIR="$T/range"
start_sim --seed 3 --fail-region 3011:out_of_range
rc=0; "$SKRED" run --regions 3011,3012 --lang nb --from 2024-02-01 --to 2024-02-05 >"$T/range.out" 2>"$T/range.err" || rc=$?
check "out_of_range: exit 1" 1 "$rc"
grep -q "region 3011 lang 1 2024-02-01..2024-02-05: .*out_of_range: ValidFrom 2025-03-0" "$T/range.err" && ok "out_of_range: error names the chunk and the date" || fail "message: $(cat "$T/range.err")"
check "out_of_range: five dead letters" 5 "$("$SKRED" dlq | grep -c ' out_of_range: ')"
check "out_of_range: nothing of 3011 stored, 3012 stored" "0|5" "$(wh "SELECT SUM(region_id=3011), SUM(region_id=3012) FROM avalanche_warning")"

# 4. Every element twice, differently worded: both copies are dead letters.
export SKRED_DATA_DIR="$T/twice"
start_sim --seed 3 --fail-region 3011:twice
rc=0; "$SKRED" run --regions 3011,3012 --lang nb --from 2024-02-01 --to 2024-02-05 >"$T/twice.out" 2>"$T/twice.err" || rc=$?
check "twice: exit 1" 1 "$rc"
grep -q "region 3011 lang 1 2024-02-01..2024-02-05: 10 of 10 records .*duplicate_in_response" "$T/twice.err" && ok "twice: error names the chunk" || fail "message: $(cat "$T/twice.err")"
check "twice: ten dead letters, reason duplicate_in_response" 10 "$("$SKRED" dlq | grep -c ' duplicate_in_response: ')"
check "twice: nothing of 3011 stored" 0 "$(wh "SELECT COUNT(*) FROM avalanche_warning WHERE region_id=3011")"

# 5. Bodies that are not an array fail the chunk after its retries.
for kind in null object; do
  export SKRED_DATA_DIR="$T/$kind"
  start_sim --seed 3 --fail-region 3011:$kind
  rc=0; "$SKRED" run --regions 3011,3012 --lang nb --from 2024-02-01 --to 2024-02-05 --set fetch.attempts=2 >"$T/$kind.out" 2>"$T/$kind.err" || rc=$?
  check "$kind body: exit 1" 1 "$rc"
  grep -q "region 3011 lang 1 2024-02-01..2024-02-05: .*JSON $kind, expected an array" "$T/$kind.err" && ok "$kind body: error names the chunk" || fail "$kind message: $(cat "$T/$kind.err")"
  check "$kind body: the other region stored" 5 "$(wh "SELECT COUNT(*) FROM avalanche_warning WHERE region_id=3012")"
done

# 6. An empty answer for an active region fails the data check; for an
# inactive one it is fine.
export SKRED_DATA_DIR="$T/empty"
start_sim --seed 3 --fail-region 3011:empty
"$SKRED" backfill --regions 3011,3012 --lang nb --from 2024-02-01 --to 2024-02-05 >"$T/empty.out" 2>&1
check "empty: the run itself succeeds" success "$(L "SELECT state FROM run")"
check "empty: nonempty_active_regions failed, naming the chunk" "0|1 empty answer(s) for active regions: region 3011 lang 1 2024-02-01..2024-02-05" \
  "$(L "SELECT ok, detail FROM check_result WHERE name='nonempty_active_regions'")"
"$SKRED" run --regions 3011 --lang nb --from 2024-02-01 --to 2024-02-05 >"$T/empty.run" 2>&1 || true
grep -q "1 empty answers for active regions: region 3011" "$T/empty.run" && ok "empty: skred run says so" || fail "run output: $(cat "$T/empty.run")"
export SKRED_DATA_DIR="$T/empty_inactive"
start_sim --seed 3 --fail-region 3019:empty
"$SKRED" backfill --regions 3019,3012 --lang nb --from 2024-02-01 --to 2024-02-05 >/dev/null 2>&1
check "empty for an inactive region: the check passes" 1 "$(L "SELECT ok FROM check_result WHERE name='nonempty_active_regions'")"
export SKRED_DATA_DIR="$T/empty_strict"
start_sim --seed 3 --fail-region 3011:empty
"$SKRED" backfill --regions 3011 --lang nb --from 2024-02-01 --to 2024-02-05 --set sched.checks_fail_run=true >/dev/null 2>&1 || true
check "empty with sched.checks_fail_run: the run fails" failed "$(L "SELECT state FROM run")"

# 7. Every record dead-lettered: not a success.
export SKRED_DATA_DIR="$T/alldead"
start_sim --seed 3 --bad-rate 1.0
rc=0; "$SKRED" run --regions 3011 --lang nb --from 2024-02-01 --to 2024-02-05 >"$T/alldead.out" 2>"$T/alldead.err" || rc=$?
check "all dead-lettered: skred run exits 1" 1 "$rc"
grep -q "all 5 records read were dead-lettered" "$T/alldead.err" && ok "all dead-lettered: says so" || fail "message: $(cat "$T/alldead.err")"
"$SKRED" fetch --regions 3012 --lang nb --from 2024-02-01 --to 2024-02-05 -q >/dev/null
rc=0; "$SKRED" process >/dev/null 2>"$T/alldead.p" || rc=$?
check "all dead-lettered: skred process exits 1" 1 "$rc"
"$SKRED" backfill --regions 3013 --lang nb --from 2024-02-01 --to 2024-02-05 >/dev/null 2>&1 || true
check "all dead-lettered: the ledger run failed with the reason" "failed|all 5 records read were dead-lettered (see \`skred dlq\`)" "$(L "SELECT state, error FROM run WHERE job='backfill'")"
check "all dead-lettered: the skred run is in the ledger, failed, origin cli" "manual|cli|failed|1|all 5 records read were dead-lettered (see \`skred dlq\`)" "$(L "SELECT job, origin, state, attempts, error FROM run WHERE job='manual'")"
finish
