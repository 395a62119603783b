#!/usr/bin/env bash
# HA on a shared PostgreSQL ledger with Kafka as the bus and Cassandra as
# the store, all shared by three `skred serve` daemons on separate data
# dirs: the scenario and checks of test_pg_ha.sh (tests/external/lib_pg.sh).
. "$(dirname "$0")/../integration/lib.sh"
. "$(dirname "$0")/lib_kafka.sh"
. "$(dirname "$0")/lib_cassandra.sh"
. "$(dirname "$0")/lib_pg.sh"
ha_scenario 3 10
"$CASS_SH" cqlsh "DROP KEYSPACE $KS" >/dev/null 2>&1 || true
pg_drop_schema
finish
