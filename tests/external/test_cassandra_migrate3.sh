#!/usr/bin/env bash
# Real Cassandra 5: a keyspace of schema 2 (content_hash was FNV-1a over
# the record's JSON; no advices_by_warning, so no image URLs; no
# has_weather, no exposed_height_fill; negative integers written as NULL)
# is migrated to the current schema
# when opened, and a new run of the same bus then reports nothing inserted
# or updated and writes no revision: every current row was rewritten from
# its revision's raw message, every revision moved to store.c's hash. The
# migrated keyspace equals one written by this version from the start,
# every column of every row (through the Python driver, an independent
# client). The schema 2 keyspace is made from that reference the way
# schema 2 wrote it: other hashes, the new table and column dropped, the
# negative integers NULL, each row written with its write time.
. "$(dirname "$0")/../integration/lib.sh"
. "$(dirname "$0")/lib_cassandra.sh"
KS0=$KS
V=4 # the current schema version
drop_keyspaces() {
  local k
  [ "$FAILED" -eq 0 ] || return 0
  for k in "$KS0" "${KS0}_v2"; do "$CASS_SH" cqlsh "DROP KEYSPACE IF EXISTS $k" >/dev/null 2>&1 || true; done
}
trap 'drop_keyspaces; cleanup' EXIT
start_sim --seed 9
"$SKRED" fetch --regions all --lang both --from 2024-01-01 --to 2024-01-08 -q >/dev/null
start_sim --seed 9 --revision 1
"$SKRED" fetch --regions all --lang both --from 2024-01-01 --to 2024-01-08 -q >/dev/null
stop_sim
"$SKRED" process -q >/dev/null
cdump >"$T/ref"
neg=$(cq "SELECT COUNT(*) FROM $KS.warnings_by_region WHERE utm_east < 0 ALLOW FILTERING")
[ "$neg" -gt 0 ] && ok "the reference has $neg rows with a negative integer" || fail "no negative integer in the reference"
check "the reference is schema $V" $V "$(cq "SELECT value FROM $KS.store_meta WHERE key = 'schema_version'")"

PY=$("$CASS_SH" venv)
"$PY" - "$KS0" "${KS0}_v2" <<'PYEOF' || fail "could not build the schema 2 keyspace"
import hashlib, os, sys
from cassandra.auth import PlainTextAuthProvider
from cassandra.cluster import Cluster
src, dst = sys.argv[1], sys.argv[2]
c = Cluster(["127.0.0.1"], port=int(os.environ.get("CASSANDRA_PORT", "9042")), protocol_version=4,
            auth_provider=PlainTextAuthProvider("skred", os.environ["SKRED_CASSANDRA_PASSWORD"]))
s = c.connect()
s.default_timeout = 60
s.execute(f"CREATE KEYSPACE {dst} WITH replication = {{'class': 'SimpleStrategy', 'replication_factor': 1}}")
def old_hash(h):  # another function of the content, as the JSON hash was
    return hashlib.sha256(("v2:" + h).encode()).hexdigest()[:16]
INTS = ("utm_east", "utm_north", "utm_zone", "region_type_id", "cloud_cover_id",
        "previous_warning_reg_id", "exposed_height_1", "exposed_height_2",
        "exposed_height_fill")
NEW = ("has_weather boolean", "exposed_height_fill int")  # added since schema 2
meta = c.metadata.keyspaces[src]
for name, t in meta.tables.items():
    if name in ("store_meta", "advices_by_warning"):
        continue
    ddl = t.export_as_string().split(";")[0].replace(f"{src}.", f"{dst}.")
    for col in NEW:
        ddl = ddl.replace(f"    {col},\n", "")
    s.execute(ddl)
    keys = [col.name for col in t.primary_key]
    regular = [n for n in t.columns if n not in keys and n not in [c.split()[0] for c in NEW]]
    sel = ", ".join(keys + regular + [f"WRITETIME({n})" for n in regular])
    for row in s.execute(f"SELECT {sel} FROM {src}.{name}"):
        cols = keys + regular
        vals = list(row[: len(cols)])
        ts = max(x for x in row[len(cols):] if x is not None)
        for i, n in enumerate(cols):
            if n == "content_hash" and vals[i]:
                vals[i] = old_hash(vals[i])
            if n in INTS and vals[i] is not None and vals[i] < 0:
                vals[i] = None
        s.execute(f"INSERT INTO {dst}.{name} ({', '.join(cols)}) VALUES ({', '.join(['%s'] * len(cols))}) USING TIMESTAMP {ts}", vals)
s.execute(f"CREATE TABLE {dst}.store_meta (key text PRIMARY KEY, value bigint)")
s.execute(f"INSERT INTO {dst}.store_meta (key, value) VALUES ('schema_version', 2)")
PYEOF
KS="${KS0}_v2"
check "schema 2 keyspace: no negative integers" 0 "$(cq "SELECT COUNT(*) FROM $KS.warnings_by_region WHERE utm_east < 0 ALLOW FILTERING")"
revs=$("$CASS_SH" cqlsh "SELECT region_id FROM $KS.warning_revisions" | wc -l)
export SKRED_CASSANDRA_KEYSPACE=$KS
sqlite3 "$SKRED_DATA_DIR/bus.db" "DELETE FROM consumer_offset"
out=$(SKRED_LOG_LEVEL=info "$SKRED" process 2>&1) || fail "process on the schema 2 keyspace: $out"
case "$out" in *"migrated to schema version $V: "*" rows rewritten"*) ok "the migration says what it did";; *) fail "no migration line: $out";; esac
case "$out" in *" 0 inserted, 0 updated, "*) ok "the same input after the migration: nothing inserted or updated";; *) fail "after the migration: $out";; esac
check "no revision added" "$revs" "$("$CASS_SH" cqlsh "SELECT region_id FROM $KS.warning_revisions" | wc -l)"
check "schema version $V recorded" $V "$(cq "SELECT value FROM $KS.store_meta WHERE key = 'schema_version'")"
cdump >"$T/migrated"
if cmp -s "$T/ref" "$T/migrated"; then ok "migrated keyspace: every column of every row equals the reference"
else fail "migrated keyspace differs: $(diff "$T/ref" "$T/migrated" | head -4 | cut -c1-300)"; fi
out=$(SKRED_LOG_LEVEL=info "$SKRED" process 2>&1) || fail "second open: $out"
case "$out" in *"migrated"*) fail "migrated twice: $out";; *) ok "a migrated keyspace is not migrated again";; esac
finish
