#!/usr/bin/env bash
# Real Cassandra 5: simulator -> bus -> process -> Cassandra; idempotent
# re-runs and revisions checked with an independent client; the reads of
# `skred show`; a wrong password is a clear error.
. "$(dirname "$0")/../integration/lib.sh"
. "$(dirname "$0")/lib_cassandra.sh"
start_sim --seed 9

out=$("$SKRED" run --regions all --lang both --from 2024-01-01 --to 2024-01-10 2>"$T/err") || fail "run: $(tail -3 "$T/err")"
echo "$out"
check "independent client counts every warning (by region)" 920 "$("$CASS_SH" cqlsh "SELECT region_id FROM $KS.warnings_by_region" | wc -l)"
check "the map table has the same rows (by date)" 92 "$(cq "SELECT COUNT(*) FROM $KS.warnings_by_date WHERE valid_date = '2024-01-05'")"
check "one revision per warning" 920 "$("$CASS_SH" cqlsh "SELECT region_id FROM $KS.warning_revisions" | wc -l)"
pr=$("$CASS_SH" cqlsh "SELECT region_id FROM $KS.problems_by_warning" | wc -l)
# bus.db values are compressed (src/sqldb/zblob.c): read them decoded.
expected_pr=$(python3 "$SRC/scripts/bus_values.py" "$SKRED_DATA_DIR/bus.db" | python3 -c 'import json,sys; print(sum(len(json.loads(l).get("AvalancheProblems") or []) for l in sys.stdin))')
check "every avalanche problem stored" "$expected_pr" "$pr"
lvl=$(cq "SELECT danger_level FROM $KS.warnings_by_region WHERE region_id = 3011 AND lang_key = 1 AND valid_date = '2024-01-05'")
check "show reads the same level back" "$lvl" "$("$SKRED" show --regions 3011 --from 2024-01-05 --format csv 2>/dev/null | awk -F, 'NR==2 {print $6}')"
check "valid_from is UTC" "2024-01-04 23:00:00.000Z" "$(cq "SELECT valid_from FROM $KS.warnings_by_region WHERE region_id = 3011 AND lang_key = 1 AND valid_date = '2024-01-05'")"
"$SKRED" show --regions 3011 --from 2024-01-01 --to 2024-01-10 --format jsonl 2>/dev/null >"$T/j"
check "show jsonl with problems from Cassandra" 10 "$(python3 -c 'import json,sys; print(sum(1 for l in open(sys.argv[1]) if "problems" in json.loads(l)))' "$T/j")"

before=$(cdump | sha256sum)
out=$("$SKRED" run --regions all --lang both --from 2024-01-01 --to 2024-01-10 2>/dev/null)
case "$out" in *"0 inserted, 0 updated, 920 unchanged"*) ok "re-run: all unchanged";; *) fail "re-run: $out";; esac
check "re-run leaves Cassandra identical" "$before" "$(cdump | sha256sum)"

# Republished warnings replace rows; every revision is kept; old ones are stale.
start_sim --seed 9 --revision 1
out=$("$SKRED" run --regions all --lang both --from 2024-01-01 --to 2024-01-10 2>/dev/null)
upd=$(echo "$out" | grep -o '[0-9]* updated' | cut -d' ' -f1)
[ "${upd:-0}" -gt 0 ] && ok "republished warnings update rows ($upd)" || fail "no updates: $out"
check "revisions kept" "$((920 + upd))" "$("$CASS_SH" cqlsh "SELECT region_id FROM $KS.warning_revisions" | wc -l)"
check "rows stay one per key" 920 "$("$CASS_SH" cqlsh "SELECT region_id FROM $KS.warnings_by_region" | wc -l)"
after=$(cdump | sha256sum)
start_sim --seed 9 --revision 0
out=$("$SKRED" run --regions all --lang both --from 2024-01-01 --to 2024-01-10 2>/dev/null)
check "older revisions are stale" "$upd" "$(echo "$out" | grep -o '[0-9]* stale' | cut -d' ' -f1)"
check "stale revisions change nothing" "$after" "$(cdump | sha256sum)"

# Wrong password: a clear error naming the user, exit 2, no secret printed.
rc=0; SKRED_CASSANDRA_PASSWORD=not-the-password "$SKRED" show >/dev/null 2>"$T/pw" || rc=$?
check "wrong password: exit 2" 2 "$rc"
grep -q "authentication failed for user skred" "$T/pw" && ok "wrong password: clear message" || fail "$(cat "$T/pw")"
grep -q "not-the-password" "$T/pw" && fail "password leaked" || ok "password not printed"
"$CASS_SH" cqlsh "DROP KEYSPACE $KS" >/dev/null
finish
