#!/usr/bin/env bash
# Source drift (issue 13 item 5): the simulator changes the API's shape
# (--drift rename/drop/retype/add) and skred counts it per field and kind
# against the field tables (`skred schema drift`, /metrics, the run's
# source_drift check), dead-letters records whose required field is gone or
# retyped naming the field, and holds records that would lose stored
# values (error drift, the stored row kept) unless process.on_drift=store.
. "$(dirname "$0")/lib.sh"
R=(--regions 3011 --from 2024-01-01 --to 2024-01-06)
exit_of() { local rc=0; "$@" >"$T/out" 2>"$T/err" || rc=$?; echo "$rc"; }
# The stored columns drift could blank, and the children, per key.
cols() { wh "SELECT valid_date, main_text IS NOT NULL, length(main_text), (SELECT COUNT(*) FROM avalanche_problem p WHERE p.region_id=w.region_id AND p.lang_key=w.lang_key AND p.valid_date=w.valid_date), (SELECT COUNT(cause_name) FROM avalanche_problem p WHERE p.region_id=w.region_id AND p.lang_key=w.lang_key AND p.valid_date=w.valid_date), content_hash FROM avalanche_warning w ORDER BY valid_date"; }
drift_of() { "$SKRED" schema drift | awk -v f="$1" -v k="$2" '$1==f && $2==k {print $3}'; }
dlq_json() { "$SKRED" dlq --format jsonl 2>/dev/null; }
# dlq_errors: "error reason" of the dead letters, newest last.
dlq_count() { dlq_json | python3 -c 'import json,sys; e=sys.argv[1]; print(sum(1 for l in sys.stdin if json.loads(l).get("error")==e))' "$1"; }

start_sim --seed 3
check "a clean run: exit 0" 0 "$(exit_of "$SKRED" run "${R[@]}")"
"$SKRED" schema drift >"$T/d0"
grep -q "^no drift" "$T/d0" && ok "schema drift: none for the simulator's normal shape" || fail "drift: $(cat "$T/d0")"
cols >"$T/before"
check "six warnings with text and problems" 6 "$(awk -F'|' '$2==1 && $4>0' "$T/before" | wc -l)"

# A renamed optional field and a renamed list: the re-run would blank them.
start_sim --seed 3 --drift rename:MainText=Maintext --drift rename:AvalancheProblems=AvalancheProblemList
check "rename: the run fails (every record held)" 1 "$(exit_of "$SKRED" run "${R[@]}")"
grep -q "all 6 records read were dead-lettered" "$T/err" && ok "rename: the error says so" || fail "rename: $(tail -2 "$T/err")"
cols >"$T/after"
cmp -s "$T/before" "$T/after" && ok "rename: stored rows unchanged (text, problems, hash)" || fail "rename: rows changed: $(diff "$T/before" "$T/after" | head -4)"
check "rename: six dead letters with error drift" 6 "$(dlq_count drift)"
dlq_json | python3 -c '
import json, sys
r = [json.loads(l) for l in sys.stdin]
d = [x for x in r if x.get("error") == "drift"]
assert all("MainText" in x["reason"] and "AvalancheProblems" in x["reason"] and "held" in x["reason"] for x in d), d[0]["reason"]
' && ok "rename: the reason names MainText and AvalancheProblems" || fail "rename: reasons $(dlq_json | head -c 400)"
check "schema drift: Maintext unknown" 6 "$(drift_of Maintext unknown)"
check "schema drift: MainText missing" 6 "$(drift_of MainText missing)"
check "schema drift: AvalancheProblemList unknown" 6 "$(drift_of AvalancheProblemList unknown)"
check "schema drift: AvalancheProblems missing" 6 "$(drift_of AvalancheProblems missing)"
"$SKRED" schema drift | grep -q "^MainText  *missing  *6  *20[0-9-]*T.*Z  *20[0-9-]*T.*Z" \
  && ok "schema drift: first and last seen" || fail "drift: $("$SKRED" schema drift)"

# A dropped child field, for some warnings only: those are held.
start_sim --seed 3 --drift drop:AvalCauseName --drift-rate 0.5
check "drop (some): exit 0, the rest unchanged" 0 "$(exit_of "$SKRED" run "${R[@]}")"
n=$(drift_of 'AvalancheProblems[].AvalCauseName' missing)
[ "${n:-0}" -ge 1 ] && [ "${n:-0}" -le 5 ] && ok "drop: some records counted ($n)" || fail "drop: count '$n': $("$SKRED" schema drift)"
check "drop: those held" "$((6 + n))" "$(dlq_count drift)"
cols >"$T/after"
cmp -s "$T/before" "$T/after" && ok "drop: stored rows unchanged" || fail "drop: rows changed: $(diff "$T/before" "$T/after" | head -4)"

# A retyped optional field: a parse failure naming it (its reason as before).
start_sim --seed 3 --drift retype:MainText
check "retype: exit 1 (every record dead-lettered)" 1 "$(exit_of "$SKRED" run "${R[@]}")"
check "retype: counted" 6 "$(drift_of MainText retyped)"
check "retype: dead letters name the field" 6 "$(dlq_json | grep -c '"reason":"field MainText: expected string, got boolean"')"
# A retyped and a missing required field.
start_sim --seed 3 --drift retype:RegionId --drift drop:RegId
exit_of "$SKRED" run "${R[@]}" >/dev/null
check "required retyped: counted" 6 "$(drift_of RegionId retyped)"
check "required missing: counted" 6 "$(drift_of RegId missing)"
check "required: dead letters name a field" 6 "$(dlq_json | grep -c '"field RegI[a-z]*: ')"
# A field processing needs (not required by the parser): proc's reason.
start_sim --seed 3 --drift drop:PublishTime
exit_of "$SKRED" run "${R[@]}" >/dev/null
check "needed missing: counted" 6 "$(drift_of PublishTime missing)"
check "needed missing: dead letters name it" 6 "$(dlq_json | grep -c '"reason":"field PublishTime: missing"')"
cols >"$T/after"
cmp -s "$T/before" "$T/after" && ok "retype: stored rows unchanged" || fail "retype: rows changed"

# An added field is only counted: nothing lost, nothing changed.
start_sim --seed 3 --drift add:AvalancheDangerTrend2027
check "add: exit 0" 0 "$(exit_of "$SKRED" run "${R[@]}")"
grep -q "6 unchanged" "$T/out" && ok "add: six unchanged" || fail "add: $(cat "$T/out")"
check "add: counted as unknown" 6 "$(drift_of AvalancheDangerTrend2027 unknown)"

# process.on_drift=store: the rename replaces the rows (the blanking, chosen).
start_sim --seed 3 --drift rename:MainText=Maintext
check "on_drift=store: exit 0" 0 "$(SKRED_PROCESS_ON_DRIFT=store exit_of "$SKRED" run "${R[@]}")"
grep -q "6 updated" "$T/out" && ok "on_drift=store: six updated" || fail "store: $(cat "$T/out")"
check "on_drift=store: main_text blanked as configured" 6 "$(wh "SELECT COUNT(*) FROM avalanche_warning WHERE main_text IS NULL")"
check "on_drift=store: problems kept (still sent)" "$(awk -F'|' '{s+=$4} END {print s}' "$T/before")" "$(wh "SELECT COUNT(*) FROM avalanche_problem")"
check "process.on_drift takes hold|store only" 2 "$(SKRED_PROCESS_ON_DRIFT=maybe exit_of "$SKRED" run "${R[@]}")"

# The daemon: /metrics and the run's data check.
export SKRED_DATA_DIR="$T/serve" SKRED_FAKE_NOW=2024-01-10T12:00:00Z
start_sim --seed 3 --drift rename:MainText=Maintext --drift add:Extra2027
start_serve
id=$(curl -sf -X POST "$H/api/v1/runs?from=2024-01-08&to=2024-01-10&regions=3011" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
for _ in $(seq 100); do [ "$(curl -sf "$H/api/v1/runs/$id" | python3 -c 'import json,sys; print(json.load(sys.stdin)["run"]["state"])')" = success ] && break; sleep 0.1; done
curl -sf "$H/metrics" >"$T/m"
grep -q '^# TYPE skred_source_drift_total counter$' "$T/m" && grep -q '^# HELP skred_source_drift_total ' "$T/m" \
  && ok "metrics: HELP and TYPE" || fail "metrics: no drift family"
check "metrics: Maintext unknown" 'skred_source_drift_total{field="Maintext",kind="unknown"} 3' "$(grep 'field="Maintext"' "$T/m")"
check "metrics: MainText missing" 'skred_source_drift_total{field="MainText",kind="missing"} 3' "$(grep 'field="MainText"' "$T/m")"
check "metrics: Extra2027 unknown" 'skred_source_drift_total{field="Extra2027",kind="unknown"} 3' "$(grep 'field="Extra2027"' "$T/m")"
curl -sf "$H/api/v1/runs/$id" >"$T/run.json"
python3 - "$T/run.json" <<'PY' && ok "ledger: the run's source_drift check failed, with counts" || fail "check: $(head -c 600 "$T/run.json")"
import json, sys
d = json.load(open(sys.argv[1]))
c = [x for x in d["checks"] if x["name"] == "source_drift"]
assert len(c) == 1 and not c[0]["ok"], c
assert "3 record(s) drifted" in c[0]["detail"] and "MainText missing 3" in c[0]["detail"] and "Maintext unknown 3" in c[0]["detail"], c[0]["detail"]
PY
curl -sf "$H/api/v1/drift" | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["kept"] and {(x["field"], x["kind"], x["count"]) for x in d["drift"]} >= {("MainText", "missing", 3), ("Extra2027", "unknown", 3)}, d
' && ok "/api/v1/drift: the kept counts" || fail "api drift: $(curl -s "$H/api/v1/drift")"
stop_serve
finish
