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
# A canonical dump of the keyspace's warnings, through the Python driver.
cdump() {
  "$CASS_SH" cqlsh "SELECT region_id, lang_key, valid_date, reg_id, danger_level, publish_time, content_hash, main_text FROM $KS.warnings_by_region" | sort
  "$CASS_SH" cqlsh "SELECT region_id, lang_key, valid_date, problem_id, problem_type_id, valid_expositions FROM $KS.problems_by_warning" | sort
  "$CASS_SH" cqlsh "SELECT region_id, lang_key, valid_date, publish_time, content_hash FROM $KS.warning_revisions" | sort
}
