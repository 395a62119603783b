#!/usr/bin/env bash
# HA on a shared PostgreSQL ledger with Kafka as the bus and Cassandra as
# the store, all shared by three `skred serve` daemons on separate data
# dirs: the scenario and checks of test_pg_ha.sh (tests/external/lib_pg.sh).
. "$(dirname "$0")/../integration/lib.sh"
. "$(dirname "$0")/lib_kafka.sh"
. "$(dirname "$0")/lib_cassandra.sh"
. "$(dirname "$0")/lib_pg.sh"
# A consumer killed with -9 holds its partitions until its session times
# out (default 45 s): shorten it, or the group stalls after every kill.
export SKRED_KAFKA_SESSION_TIMEOUT_MS=6000 SKRED_KAFKA_HEARTBEAT_INTERVAL_MS=1000
ha_scenario 3 10
"$CASS_SH" cqlsh "DROP KEYSPACE $KS" >/dev/null 2>&1 || true
pg_drop_schema
finish
