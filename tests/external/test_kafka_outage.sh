#!/usr/bin/env bash
# Real Kafka stopped for KAFKA_OUTAGE_S seconds (default 25) while
# `skred process --follow` works through a
# backlog (so batches are in hand when the broker goes) and fetches keep
# adding records (before; during, when they fail and are fetched again; and
# after): the processor waits the outage out, `skred serve`'s /readyz says
# not ready with the reason, /metrics shows the bus down, and afterwards the
# warehouse equals an uninterrupted reference (no loss, no duplicates).
. "$(dirname "$0")/../integration/lib.sh"
. "$(dirname "$0")/lib_kafka.sh"
FP=""
trap '[ -n "$FP" ] && kill "$FP" 2>/dev/null; "$KAFKA_SH" start >/dev/null 2>&1 || true; cleanup' EXIT
export SKRED_OUTAGE_BACKOFF_BASE_MS=200 SKRED_OUTAGE_BACKOFF_CAP_MS=3000
# The outage outlasts every client timeout in play (consumer session 10 s,
# flush 10 s, requests 5 s) and several capped retries (3 s): 25 s.
OUTAGE=${KAFKA_OUTAGE_S:-25}
# A fetch during the outage fails within 10 s instead of a minute.
export SKRED_KAFKA_FLUSH_TIMEOUT_MS=10000 SKRED_KAFKA_REQUEST_TIMEOUT_MS=5000
start_sim --seed 32
win() { "$SKRED" fetch --regions all --lang both --from "$1" --to "$2" -q >/dev/null 2>&1; }
win 2023-12-01 2024-02-29 || fail "first fetch"
SKRED_LOG_LEVEL=info "$SKRED" process --follow --batch-size 20 >"$T/follow.out" 2>"$T/follow.err" &
FP=$!
start_serve SKRED_SCHED_SCHEDULES="never=0 3 1 1 *"
caught_up() { for _ in $(seq "$1"); do [ "$(lagsum)" -eq 0 ] && [ "$(kcount "$SKRED_BUS_TOPIC_RAW")" -ge "$2" ] && return 0; sleep 1; done; return 1; }
check "/readyz ready before the outage" 200 "$(curl -s -o /dev/null -w '%{http_code}' -m 60 "$H/readyz")"
# Once it is under way (messages fetched ahead into the client), the
# processor is paused while the broker stops, so that it holds batches
# the broker is gone for: their clean records and offsets must wait.
for _ in $(seq 60); do [ "$(lagsum)" -lt 8172 ] && break; sleep 0.5; done
kill -STOP "$FP"
lag=$(lagsum)
[ "$lag" -gt 0 ] && ok "the processor is busy when the broker stops (lag $lag)" || fail "no backlog left to test with"
"$KAFKA_SH" stop >/dev/null
kill -CONT "$FP"
t0=$(date +%s)
win 2024-03-01 2024-03-03 && late=0 || late=1   # the bus is down: may fail
code=$(curl -s -o "$T/ready.json" -w '%{http_code}' -m 60 "$H/readyz")
check "/readyz not ready while Kafka is down" 503 "$code"
grep -q "bus (kafka)" "$T/ready.json" && ok "/readyz names the bus: $(cut -c1-120 "$T/ready.json")" || fail "/readyz reason: $(cat "$T/ready.json")"
grep -q '^skred_backend_up{backend="kafka",role="bus"} 0' <<<"$(curl -s -m 30 "$H/metrics")" && ok "/metrics: skred_backend_up kafka 0" || fail "/metrics: $(curl -s -m 30 "$H/metrics" | grep backend_up)"
s=$((OUTAGE - ($(date +%s) - t0))); [ "$s" -gt 0 ] && sleep "$s"
kill -0 "$FP" 2>/dev/null && ok "process --follow still running after a $OUTAGE s outage" || fail "process --follow exited: $(tail -3 "$T/follow.err")"
"$KAFKA_SH" start >/dev/null
[ "$late" -eq 1 ] && { win 2024-03-01 2024-03-03 || fail "fetch after the outage"; }
win 2024-03-04 2024-03-05 || fail "fetch after the outage"
n=$(kcount "$SKRED_BUS_TOPIC_RAW")
echo "# $n messages in the raw topic (the fetch during the outage $([ "$late" -eq 1 ] && echo failed and was repeated || echo succeeded))"
caught_up 180 8832 && ok "after the outage the group has no lag" || fail "lag after the outage: $(lagsum)"
check "/readyz ready after the outage" 200 "$(curl -s -o /dev/null -w '%{http_code}' -m 60 "$H/readyz")"
grep -q '^skred_backend_up{backend="kafka",role="bus"} 1' <<<"$(curl -s -m 30 "$H/metrics")" && ok "/metrics: skred_backend_up kafka 1" || fail "/metrics after"
kill -TERM "$FP"; rc=0; wait "$FP" || rc=$?; FP=""
check "process --follow stops cleanly on SIGTERM" 0 "$rc"
starts=$(grep -c 'outage: bus (kafka) unavailable' "$T/follow.err" || true)
ends=$(grep -c 'outage: bus (kafka) available again' "$T/follow.err" || true)
[ "$starts" -ge 1 ] && ok "the processor saw the outage ($starts start line(s))" || fail "no outage logged by the processor"
check "one end line per start line, not one per retry" "$starts" "$ends"
{ grep 'outage:' "$T/follow.err" || true; } | cut -c1-200 | sed 's/^/# /'
stop_serve

# The reference: the same topic read from the start by a new group.
SKRED_DATA_DIR="$T/ref" SKRED_BUS_GROUP="$ID.ref" "$SKRED" process -q >/dev/null
check "reference holds every warning" 8832 "$(sq "$T/ref/warehouse.db" "SELECT COUNT(*) FROM avalanche_warning")"
check "no loss, no duplicates: warehouse equals the reference" \
  "$(dump_warehouse "$T/ref/warehouse.db" | sha256sum)" "$(dump_warehouse "$SKRED_DATA_DIR/warehouse.db" | sha256sum)"
finish
