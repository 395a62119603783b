#!/usr/bin/env bash
# Real Cassandra 5: a batch written twice (or three times) leaves exactly the
# rows of one write, lists included. The processor is killed with SIGKILL
# right after a batch's writes were acknowledged and before its completion
# marks (SKRED_CRASH_AT=cassandra.before_mark), then run again, so the replay
# writes every row of the batch again with the same timestamps. And a
# keyspace of the old schema (a non-frozen `advices list<text>`, lists
# doubled by such replays) is migrated to the same content. Every column of
# every table is compared with an uninterrupted reference, through the
# Python driver (an independent client).
. "$(dirname "$0")/../integration/lib.sh"
. "$(dirname "$0")/lib_cassandra.sh"
KS0=$KS
# shellcheck disable=SC2154 # k is the trap's own loop variable
trap '[ "$FAILED" -eq 0 ] && for k in "$KS0" "${KS0}_r" "${KS0}_old"; do "$CASS_SH" cqlsh "DROP KEYSPACE IF EXISTS $k" >/dev/null 2>&1 || true; done; cleanup' EXIT
start_sim --seed 21
"$SKRED" fetch --regions all --lang both --from 2024-01-01 --to 2024-01-06 -q >/dev/null
total=$(bus "SELECT COUNT(*) FROM message")

# The reference: one uninterrupted process.
"$SKRED" process -q >/dev/null
cdump >"$T/ref"
lists=$("$CASS_SH" cqlsh "SELECT advice_list FROM $KS.warnings_by_region" | grep -c "', '" || true)
[ "$lists" -gt 0 ] && ok "the reference has $lists advice lists of two or more elements" || fail "no multi-element advice lists to compare"

# Killed twice between the writes and the marks of the first batch, then
# run to the end: the first batch is written three times.
export SKRED_CASSANDRA_KEYSPACE="${KS0}_r"; KS="${KS0}_r"
sqlite3 "$SKRED_DATA_DIR/bus.db" "DELETE FROM consumer_offset"
for i in 1 2; do
  rc=0; SKRED_CRASH_AT=cassandra.before_mark "$SKRED" process -q --batch-size 100 >/dev/null 2>"$T/crash$i.err" || rc=$?
  check "crash $i: killed by SIGKILL before the completion marks" 137 "$rc"
done
check "no offset committed by the crashed runs" 0 "$(bus "SELECT COALESCE(MAX(next_seq),0) FROM consumer_offset")"
written=$("$CASS_SH" cqlsh "SELECT region_id FROM $KS.warnings_by_date" | wc -l)
[ "$written" -gt 0 ] && [ "$written" -lt "$total" ] && ok "the crashed batch's rows were written ($written of $total)" || fail "rows written before the crash: $written of $total"
out=$("$SKRED" process 2>&1) || fail "process after the crashes: $out"
cdump >"$T/replay"
if cmp -s "$T/ref" "$T/replay"; then ok "replayed batch: every column of every row equals the reference"
else fail "replayed batch differs: $(diff "$T/ref" "$T/replay" | head -4 | cut -c1-300)"; fi

# A keyspace of the old schema: the reference's rows, with every other
# advice list doubled as a replay left it, written with their timestamps.
PY=$("$CASS_SH" venv)
"$PY" - "$KS0" "${KS0}_old" <<'EOF' || fail "could not build the old-schema keyspace"
import os, sys
from cassandra.auth import PlainTextAuthProvider
from cassandra.cluster import Cluster
src, dst = sys.argv[1], sys.argv[2]
# Protocol v4 as skred speaks it (the driver's v5 framing is not needed).
c = Cluster(["127.0.0.1"], port=int(os.environ.get("CASSANDRA_PORT", "9042")), protocol_version=4,
            auth_provider=PlainTextAuthProvider("skred", os.environ["SKRED_CASSANDRA_PASSWORD"]))
s = c.connect()
s.default_timeout = 60
s.execute(f"CREATE KEYSPACE {dst} WITH replication = {{'class': 'SimpleStrategy', 'replication_factor': 1}}")
meta = c.metadata.keyspaces[src]
for name, t in meta.tables.items():
    if name == "store_meta":
        continue
    ddl = t.export_as_string().split(";")[0].replace(f"{src}.", f"{dst}.")
    ddl = ddl.replace("advice_list frozen<list<text>>", "advices list<text>")
    s.execute(ddl)
    keys = [col.name for col in t.primary_key]
    regular = [n for n in t.columns if n not in keys]
    sel = ", ".join(keys + regular + [f"WRITETIME({n})" for n in regular])
    n = 0
    for row in s.execute(f"SELECT {sel} FROM {src}.{name}"):
        vals = list(row[: len(keys) + len(regular)])
        ts = max(x for x in row[len(keys) + len(regular):] if x is not None)
        cols = keys + regular
        if "advice_list" in cols:
            i = cols.index("advice_list")
            cols[i] = "advices"
            if vals[i] and n % 2 == 0:
                vals[i] = list(vals[i]) * 2
            n += 1
        s.execute(f"INSERT INTO {dst}.{name} ({', '.join(cols)}) VALUES ({', '.join(['%s'] * len(cols))}) USING TIMESTAMP {ts}", vals)
EOF
KS="${KS0}_old"
doubled=$("$CASS_SH" cqlsh "SELECT advices FROM $KS.warnings_by_region" | python3 -c '
import ast, sys
n = 0
for l in sys.stdin:
    l = l.strip()
    if l:
        v = ast.literal_eval(l); h = len(v) // 2
        n += len(v) > 1 and v[:h] == v[h:]
print(n)')
[ "$doubled" -gt 0 ] && ok "old keyspace: $doubled advice lists doubled by replays" || fail "old keyspace has no doubled lists"
export SKRED_CASSANDRA_KEYSPACE=$KS
out=$(SKRED_LOG_LEVEL=info "$SKRED" process 2>&1) || fail "process on the old keyspace: $out"
case "$out" in *"migrated to schema version 2"*) ok "the migration says what it did";; *) fail "no migration line: $out";; esac
check "old keyspace: advices dropped" "" "$(cq "SELECT column_name FROM system_schema.columns WHERE keyspace_name = '$KS' AND table_name = 'warnings_by_date' AND column_name = 'advices'")"
check "old keyspace: schema version 4 recorded" 4 "$(cq "SELECT value FROM $KS.store_meta WHERE key = 'schema_version'")"
cdump >"$T/old"
if cmp -s "$T/ref" "$T/old"; then ok "migrated keyspace: every column of every row equals the reference (doubled lists collapsed)"
else fail "migrated keyspace differs: $(diff "$T/ref" "$T/old" | head -4 | cut -c1-300)"; fi
out=$(SKRED_LOG_LEVEL=info "$SKRED" process 2>&1) || fail "second open: $out"
case "$out" in *"migrated"*) fail "migrated twice: $out";; *) ok "a migrated keyspace is not migrated again";; esac
finish
