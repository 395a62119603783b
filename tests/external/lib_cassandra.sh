# shellcheck shell=bash
# lib_cassandra.sh - helpers for tests against the real Cassandra node that
# scripts/cassandra.sh runs (sourced after ../integration/lib.sh). Each test
# uses its own keyspace; what skred wrote is checked with the Python
# cassandra-driver (an independent client) through `scripts/cassandra.sh cqlsh`.
CASS_SH="$SRC/scripts/cassandra.sh"
export SKRED_STORE=cassandra
export SKRED_CASSANDRA_HOSTS=${SKRED_CASSANDRA_HOSTS:-127.0.0.1:${CASSANDRA_PORT:-9042}}
export SKRED_CASSANDRA_USERNAME=skred
export SKRED_CASSANDRA_PASSWORD=${CASSANDRA_SKRED_PASSWORD:-skred-test-pw}
KS="ks$$_$(date +%s)"
export SKRED_CASSANDRA_KEYSPACE=$KS
if ! "$CASS_SH" status >/dev/null 2>&1; then
  echo "FAIL - Cassandra is not running (scripts/cassandra.sh start)"; echo "0 passed, 1 failed"; exit 1
fi
# cq "CQL": one value (first column of the first row) via the Python driver.
cq() { "$CASS_SH" cqlsh "$1" | head -1 | cut -f1; }
# A canonical dump of the keyspace: every column of every row of every table
# (lists included; SELECT * lists the columns in a fixed order), through the
# Python driver, an independent client. store_meta's last_write (a clock
# reading) is left out.
CTABLES="warnings_by_region warnings_by_date problems_by_warning weather_by_warning advices_by_warning warning_revisions"
cdump() {
  local t
  for t in $CTABLES; do
    echo "== $t"
    "$CASS_SH" cqlsh --header "SELECT * FROM $KS.$t" | { IFS= read -r h; echo "$h"; LC_ALL=C sort; }
  done
  echo "== store_meta"
  "$CASS_SH" cqlsh "SELECT key, value FROM $KS.store_meta WHERE key = 'schema_version'"
}
