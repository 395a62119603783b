#!/usr/bin/env bash
# A republished warning (same region, language, date; newer PublishTime)
# replaces the current row; every revision is kept; an older one arriving
# late changes nothing current.
. "$(dirname "$0")/lib.sh"
RANGE=(--regions A --lang both --from 2024-01-01 --to 2024-01-31)

start_sim --seed 21 --revision 0
"$SKRED" run "${RANGE[@]}" -q >/dev/null
rows=$(wh "SELECT COUNT(*) FROM avalanche_warning")
check "first publication stored" 1488 "$rows"
wh "SELECT region_id, lang_key, valid_date, danger_level, publish_time FROM avalanche_warning ORDER BY 1,2,3" >"$T/rev0"

start_sim --seed 21 --revision 1
out=$("$SKRED" run "${RANGE[@]}")
echo "$out"
upd=$(echo "$out" | grep -o '[0-9]* updated' | cut -d' ' -f1)
[ "${upd:-0}" -gt 0 ] && ok "republished warnings replace rows ($upd)" || fail "no updates: $out"
check "no new rows for republished warnings" "$rows" "$(wh "SELECT COUNT(*) FROM avalanche_warning")"
check "every revision kept" "$((rows + upd))" "$(wh "SELECT COUNT(*) FROM warning_revision")"
check "revision_count says 2 for republished rows" "$upd" "$(wh "SELECT COUNT(*) FROM avalanche_warning WHERE revision_count=2")"
changed=$(wh "SELECT region_id, lang_key, valid_date, danger_level, publish_time FROM avalanche_warning ORDER BY 1,2,3" | diff "$T/rev0" - | grep -c '^>' || true)
check "rows changed = rows updated" "$upd" "$changed"
newer=$(wh "SELECT COUNT(*) FROM avalanche_warning w JOIN warning_revision r USING(region_id, lang_key, valid_date) WHERE r.publish_time > w.publish_time")
check "current row is the newest revision" 0 "$newer"

# The older publication arriving again is stale: nothing current changes.
before=$(dump_warehouse "$SKRED_DATA_DIR/warehouse.db" | sha256sum)
start_sim --seed 21 --revision 0
out=$("$SKRED" run "${RANGE[@]}")
stale=$(echo "$out" | grep -o '[0-9]* stale' | cut -d' ' -f1)
check "older revisions reported stale" "$upd" "$stale"
check "stale revisions change nothing" "$before" "$(dump_warehouse "$SKRED_DATA_DIR/warehouse.db" | sha256sum)"
finish
