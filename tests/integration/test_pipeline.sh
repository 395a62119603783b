#!/usr/bin/env bash
# Simulator -> fetch -> bus log -> process -> warehouse, end to end; re-run
# idempotency; DST-day times; region types from the region list.
. "$(dirname "$0")/lib.sh"
start_sim --seed 7

# Ten winter days, all 46 regions, both languages, Detail.
out=$("$SKRED" run --regions all --lang both --from 2024-01-01 --to 2024-01-10)
echo "$out"
check "every warning appended to the raw topic" 920 "$(bus "SELECT COUNT(*) FROM message WHERE topic='avalanche_region_warning'")"
check "one warehouse row per region, language and day" 920 "$(wh "SELECT COUNT(*) FROM avalanche_warning")"
check "no dead letters" 0 "$(bus "SELECT COUNT(*) FROM message WHERE topic='skred.dlq'")"
check "consumer offset committed to the end" 920 "$(bus "SELECT next_seq FROM consumer_offset WHERE grp='skred-processor'")"
check "A/B from the region list" 480 "$(wh "SELECT COUNT(*) FROM avalanche_warning WHERE region_type_name='A' AND region_type_id=10")"
check "B regions are B" 440 "$(wh "SELECT COUNT(*) FROM avalanche_warning WHERE region_type_name='B' AND region_type_id=20")"
na=$(wh "SELECT COUNT(*) FROM avalanche_warning WHERE not_assessed=1 AND danger_level=0")
[ "$na" -gt 0 ] && ok "not-assessed records stored and marked ($na)" || fail "no not-assessed records"
check "not-assessed only at level 0" 0 "$(wh "SELECT COUNT(*) FROM avalanche_warning WHERE (not_assessed=1) <> (danger_level=0)")"
check "levels within 0..5" 0 "$(wh "SELECT COUNT(*) FROM avalanche_warning WHERE danger_level NOT BETWEEN 0 AND 5")"
pr=$(wh "SELECT COUNT(*) FROM avalanche_problem")
[ "$pr" -gt 0 ] && ok "avalanche problems stored ($pr)" || fail "no problems"
check "expositions are 8 chars of 0/1" 0 "$(wh "SELECT COUNT(*) FROM avalanche_problem WHERE valid_expositions IS NOT NULL AND (length(valid_expositions)<>8 OR valid_expositions GLOB '*[^01]*')")"
check "winter ValidFrom midnight is 23:00Z the day before" "2023-12-31T23:00:00.000Z" "$(wh "SELECT valid_from FROM avalanche_warning WHERE region_id=3011 AND lang_key=1 AND valid_date='2024-01-01'")"
check "both languages share the forecast" 0 "$(wh "SELECT COUNT(*) FROM avalanche_warning a JOIN avalanche_warning b ON a.region_id=b.region_id AND a.valid_date=b.valid_date AND a.lang_key=1 AND b.lang_key=2 WHERE a.danger_level<>b.danger_level")"

# Re-running the same range adds nothing and changes nothing.
before=$(dump_warehouse "$SKRED_DATA_DIR/warehouse.db" | sha256sum)
out=$("$SKRED" run --regions all --lang both --from 2024-01-01 --to 2024-01-10)
echo "$out"
case "$out" in *"0 inserted, 0 updated, 920 unchanged"*) ok "re-run reports all unchanged";; *) fail "re-run counts: $out";; esac
check "re-run leaves the warehouse identical" "$before" "$(dump_warehouse "$SKRED_DATA_DIR/warehouse.db" | sha256sum)"
check "re-run adds no revisions" "$(wh "SELECT COUNT(*) FROM avalanche_warning")" "$(wh "SELECT COUNT(*) FROM warning_revision")"

# Both daylight-saving change days convert correctly.
"$SKRED" run --regions 3011 --lang nb --from 2024-03-30 --to 2024-04-01 >/dev/null
check "day before spring change: +01:00" "2024-03-29T23:00:00.000Z" "$(wh "SELECT valid_from FROM avalanche_warning WHERE region_id=3011 AND valid_date='2024-03-30'")"
check "spring change day starts at +01:00" "2024-03-30T23:00:00.000Z" "$(wh "SELECT valid_from FROM avalanche_warning WHERE region_id=3011 AND valid_date='2024-03-31'")"
check "spring change day ends at +02:00" "2024-03-31T21:59:59.000Z" "$(wh "SELECT valid_to FROM avalanche_warning WHERE region_id=3011 AND valid_date='2024-03-31'")"
check "day after spring change: +02:00" "2024-03-31T22:00:00.000Z" "$(wh "SELECT valid_from FROM avalanche_warning WHERE region_id=3011 AND valid_date='2024-04-01'")"
"$SKRED" run --regions 3011 --lang nb --from 2024-10-26 --to 2024-10-28 >/dev/null
check "autumn change day starts at +02:00" "2024-10-26T22:00:00.000Z" "$(wh "SELECT valid_from FROM avalanche_warning WHERE region_id=3011 AND valid_date='2024-10-27'")"
check "autumn change day ends at +01:00" "2024-10-27T22:59:59.000Z" "$(wh "SELECT valid_to FROM avalanche_warning WHERE region_id=3011 AND valid_date='2024-10-27'")"

# show: table, csv and jsonl agree with the warehouse.
tbl=$("$SKRED" show --regions A --from 2024-01-05)
check "show table: a row per A region" 25 "$(echo "$tbl" | wc -l)"
csv=$("$SKRED" show --regions all --lang both --from 2024-01-05 --format csv)
check "show csv: header + 92 rows" 93 "$(echo "$csv" | wc -l)"
"$SKRED" show --regions 3011 --from 2024-01-01 --to 2024-01-10 --format jsonl >"$T/show.jsonl"
check "show jsonl: valid JSON with problems" 10 "$(python3 -c 'import json,sys; print(sum(1 for l in open(sys.argv[1]) if "problems" in json.loads(l)))' "$T/show.jsonl")"
lvl=$(wh "SELECT danger_level FROM avalanche_warning WHERE region_id=3011 AND lang_key=1 AND valid_date='2024-01-05'")
check "show csv level matches warehouse" "$lvl" "$(echo "$csv" | awk -F, '$1=="2024-01-05" && $2==3011 && $5==1 {print $6}')"

# Simple endpoint works too.
export SKRED_DATA_DIR="$T/simple"
"$SKRED" run --simple --regions 3022,3023 --from 2024-02-01 --to 2024-02-03 >/dev/null
check "simple: rows stored" 6 "$(wh "SELECT COUNT(*) FROM avalanche_warning")"
check "simple: no detail fields" 0 "$(wh "SELECT COUNT(*) FROM avalanche_warning WHERE is_detail=1")"
finish
