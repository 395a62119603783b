# shellcheck shell=bash
# lib_kafka.sh - helpers for the tests against the real Kafka broker that
# scripts/kafka.sh runs (sourced after ../integration/lib.sh). Each test uses
# its own topics and consumer group.
KAFKA_SH="$SRC/scripts/kafka.sh"
export SKRED_BUS=kafka
export SKRED_KAFKA_BROKERS=${SKRED_KAFKA_BROKERS:-127.0.0.1:${KAFKA_PORT:-9092}}
export SKRED_KAFKA_TOPIC_PARTITIONS=6
export SKRED_KAFKA_TOPIC_REPLICATION=1
ID="t$$$(date +%s)"
export SKRED_BUS_TOPIC_RAW="$ID.raw" SKRED_BUS_TOPIC_DLQ="$ID.dlq" SKRED_BUS_TOPIC_CLEAN="$ID.clean" SKRED_BUS_GROUP="$ID.g"

# The broker must be up: a test that cannot reach it fails (never skips).
if ! "$KAFKA_SH" status >/dev/null 2>&1; then
  echo "FAIL - Kafka is not running (scripts/kafka.sh start)"; echo "0 passed, 1 failed"; exit 1
fi

# kcount TOPIC: messages in a topic, read by kcat (an independent client).
kcount() { kcat -b "$SKRED_KAFKA_BROKERS" -C -t "$1" -e -q -f '%k\n' 2>/dev/null | grep -c . || true; }
# lagsum: total lag of the raw topic for our group, from `skred status`.
lagsum() { "$SKRED" status 2>/dev/null | awk -v t="$SKRED_BUS_TOPIC_RAW" '$1==t {s+=$5} END {print s+0}'; }
