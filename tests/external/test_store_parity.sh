#!/usr/bin/env bash
# Real Cassandra 5 and the SQLite warehouse read back the same records: one
# bus (varsom-sim Detail windows: mountain weather, problems, advices with
# image URLs, negative and zero integers; a republished revision) is
# processed into both, and `skred show --format jsonl` of each is compared
# field by field: every field of every warning, problem, advice and weather
# value. A difference fails with the field names and counts.
. "$(dirname "$0")/../integration/lib.sh"
. "$(dirname "$0")/lib_cassandra.sh"
trap '[ "$FAILED" -eq 0 ] && "$CASS_SH" cqlsh "DROP KEYSPACE IF EXISTS $KS" >/dev/null 2>&1 || true; cleanup' EXIT
FROM=2024-01-01 TO=2024-01-21
start_sim --seed 9
"$SKRED" fetch --regions all --lang both --from $FROM --to $TO -q >/dev/null
start_sim --seed 9 --revision 1
"$SKRED" fetch --regions all --lang both --from $FROM --to $TO -q >/dev/null
stop_sim
total=$(bus "SELECT COUNT(*) FROM message")

out=$(SKRED_STORE=sqlite "$SKRED" process 2>&1) || fail "process into SQLite: $out"
sqlite3 "$SKRED_DATA_DIR/bus.db" "DELETE FROM consumer_offset"
out=$("$SKRED" process 2>&1) || fail "process into Cassandra: $out"
SKRED_STORE=sqlite "$SKRED" show --regions all --lang both --from $FROM --to $TO --format jsonl >"$T/sqlite.jsonl" 2>"$T/show.err" || fail "show from SQLite: $(cat "$T/show.err")"
"$SKRED" show --regions all --lang both --from $FROM --to $TO --format jsonl >"$T/cass.jsonl" 2>"$T/show.err" || fail "show from Cassandra: $(cat "$T/show.err")"

python3 - "$T/sqlite.jsonl" "$T/cass.jsonl" >"$T/parity" <<'PY' || true
import collections, json, sys
def load(p):
    recs = {}
    for line in open(p):
        r = json.loads(line)
        recs[(r.get("region_id"), r.get("lang_key"), r.get("valid_date"))] = r
    return recs
a, b = load(sys.argv[1]), load(sys.argv[2])
diff = collections.Counter()   # field path -> records differing there
kinds = collections.Counter()  # what kinds of values were compared
def cmp(x, y, path, out):
    if isinstance(x, dict) and isinstance(y, dict):
        for k in sorted(set(x) | set(y)):
            cmp(x.get(k, "<absent>"), y.get(k, "<absent>"), path + "." + k if path else k, out)
    elif isinstance(x, list) and isinstance(y, list):
        if len(x) != len(y):
            out.add(path + "[len]")
        for i, (u, v) in enumerate(zip(x, y)):
            cmp(u, v, path + "[]", out)
    else:
        kinds[path] += 1
        if x != y:
            out.add(path)
n_diff = 0
for key in sorted(set(a) | set(b), key=str):
    if key not in a or key not in b:
        diff["<record only in " + ("cassandra" if key in b else "sqlite") + ">"] += 1
        n_diff += 1
        continue
    out = set()
    cmp(a[key], b[key], "", out)
    for f in out:
        diff[f] += 1
    n_diff += bool(out)
print("records", len(a), len(b))
print("differing", n_diff)
print("fields_compared", len(kinds))
for f, n in diff.most_common():
    print("field", f, n)
PY
head -40 "$T/parity"
n_a=$(awk '$1=="records" {print $2}' "$T/parity")
[ "${n_a:-0}" -gt 1000 ] && ok "SQLite read back $n_a records of $total messages" || fail "too few records: ${n_a:-none}"
for f in problems advices values; do
  grep -q "\"$f\":\[{" "$T/sqlite.jsonl" && ok "the records have $f" || fail "no record has $f"
done
grep -q '"image_url":"http' "$T/sqlite.jsonl" && ok "advices have image URLs" || fail "no advice image URL"
grep -Eq '":-[0-9]+[,}]' "$T/sqlite.jsonl" && ok "some integers are negative" || fail "no negative integer"
grep -Eq '":0[,}]' "$T/sqlite.jsonl" && ok "some integers are zero" || fail "no zero integer"
check "Cassandra reads back as many records as SQLite" "$n_a" "$(awk '$1=="records" {print $3}' "$T/parity")"
check "records that differ between SQLite and Cassandra" 0 "$(awk '$1=="differing" {print $2}' "$T/parity")"
fields=$(awk '$1=="field" {printf "%s(%s) ", $2, $3}' "$T/parity")
[ -z "$fields" ] && ok "no field differs ($(awk '$1=="fields_compared" {print $2}' "$T/parity") fields compared)" || fail "differing fields: $fields"
finish
