#!/usr/bin/env bash
# HA on a shared PostgreSQL ledger: three `skred serve` daemons on separate
# data dirs (each its own embedded bus) share the ledger (PostgreSQL) and
# the warehouse (Cassandra); 30 intervals (26 caught up, 4 triggered) with
# random kill -9 and restarts of daemons, and a restart of PostgreSQL
# under them. Then: each interval exactly one
# successful run, no run executed by two daemons, per-run counts sum to the
# warehouse's, the warehouse equals an uninterrupted reference, every bad
# record dead-lettered. The figures are printed (FIGURES line).
. "$(dirname "$0")/../integration/lib.sh"
. "$(dirname "$0")/lib_cassandra.sh"
. "$(dirname "$0")/lib_pg.sh"
ha_scenario 3 10
"$CASS_SH" cqlsh "DROP KEYSPACE $KS" >/dev/null 2>&1 || true
pg_drop_schema
finish
