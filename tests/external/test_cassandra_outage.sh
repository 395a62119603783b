#!/usr/bin/env bash
# Real Cassandra 5 stopped for CASSANDRA_OUTAGE_S seconds (default 25)
# while `skred process --follow` runs and
# fetches keep adding records: the processor waits the outage out (one log
# line when it starts, one when it ends), `skred serve`'s /readyz says not
# ready with the reason and /metrics shows the backend down, and afterwards
# the warehouse equals an uninterrupted reference (no loss, no duplicates).
. "$(dirname "$0")/../integration/lib.sh"
. "$(dirname "$0")/lib_cassandra.sh"
KS0=$KS
FP=""
# shellcheck disable=SC2154 # k is the trap's own loop variable
trap '[ -n "$FP" ] && kill "$FP" 2>/dev/null; "$CASS_SH" start >/dev/null 2>&1 || true; [ "$FAILED" -eq 0 ] && for k in "$KS0" "${KS0}_ref"; do "$CASS_SH" cqlsh "DROP KEYSPACE IF EXISTS $k" >/dev/null 2>&1 || true; done; cleanup' EXIT
# Quick retries: the outage is real, the wait after it short.
export SKRED_OUTAGE_BACKOFF_BASE_MS=200 SKRED_OUTAGE_BACKOFF_CAP_MS=3000
# The outage outlasts every client timeout in play (requests 12 s, connect
# 5 s) and several capped retries (3 s): 25 s.
OUTAGE=${CASSANDRA_OUTAGE_S:-25}
start_sim --seed 31
win() { "$SKRED" fetch --regions all --lang both --from "$1" --to "$2" -q >/dev/null; }
win 2024-01-01 2024-01-03
SKRED_LOG_LEVEL=info "$SKRED" process --follow --batch-size 100 >"$T/follow.out" 2>"$T/follow.err" &
FP=$!
# The daemon consumes as its own group (it shares the warehouse).
start_serve SKRED_SCHED_SCHEDULES="never=0 3 1 1 *" SKRED_BUS_GROUP=serve
committed() { bus "SELECT COALESCE(MAX(next_seq),0) FROM consumer_offset"; }
total() { bus "SELECT COUNT(*) FROM message"; }
caught_up() { # seconds: wait until every message is committed
  for _ in $(seq "$1"); do [ "$(committed)" -eq "$(total)" ] && return 0; sleep 1; done; return 1; }
caught_up 60 && ok "follow caught up before the outage ($(total))" || fail "not caught up: $(committed) of $(total)"
check "/readyz ready before the outage" 200 "$(curl -s -o /dev/null -w '%{http_code}' -m 60 "$H/readyz")"

"$CASS_SH" stop >/dev/null
t0=$(date +%s)
win 2024-01-04 2024-01-06   # the fetch goes on: the bus is up
code=$(curl -s -o "$T/ready.json" -w '%{http_code}' -m 60 "$H/readyz")
check "/readyz not ready while Cassandra is down" 503 "$code"
grep -q "warehouse (cassandra)" "$T/ready.json" && ok "/readyz names the warehouse: $(cut -c1-120 "$T/ready.json")" || fail "/readyz reason: $(cat "$T/ready.json")"
grep -q '^skred_backend_up{backend="cassandra",role="store"} 0' <<<"$(curl -s -m 30 "$H/metrics")" && ok "/metrics: skred_backend_up cassandra 0" || fail "/metrics: $(curl -s -m 30 "$H/metrics" | grep backend_up)"
win 2024-01-07 2024-01-08
# A run queued during the outage waits for the warehouse: it starts after.
"$SKRED" runs trigger --regions all --lang both --from 2024-01-09 --to 2024-01-10 -q >/dev/null
s=$((OUTAGE - ($(date +%s) - t0))); [ "$s" -gt 0 ] && sleep "$s"
kill -0 "$FP" 2>/dev/null && ok "process --follow still running after a $OUTAGE s outage" || fail "process --follow exited: $(tail -3 "$T/follow.err")"
"$CASS_SH" start >/dev/null
runs() { "$SKRED" runs list 2>/dev/null; }
for _ in $(seq 150); do runs | grep -q success && break; sleep 1; done
runs | sed 's/^/# /'
runs | grep -q success && ok "the run queued during the outage succeeded after it" || fail "run: $(runs)"
runs | grep -Eq "failed|retry" && fail "a run failed or retried during the outage" || ok "no attempt spent on the outage"
caught_up 120 && ok "after the outage every message is processed ($(total))" || fail "not caught up: $(committed) of $(total)"
check "/readyz ready after the outage" 200 "$(curl -s -o /dev/null -w '%{http_code}' -m 60 "$H/readyz")"
grep -q '^skred_backend_up{backend="cassandra",role="store"} 1' <<<"$(curl -s -m 30 "$H/metrics")" && ok "/metrics: skred_backend_up cassandra 1" || fail "/metrics after"
grep -q '^skred_backend_outage_retries_total{backend="cassandra",role="store"} [1-9]' <<<"$(curl -s -m 30 "$H/metrics")" && ok "/metrics counts outage retries" || fail "/metrics: no retries counted"
kill -TERM "$FP"; rc=0; wait "$FP" || rc=$?; FP=""
check "process --follow stops cleanly on SIGTERM" 0 "$rc"
check "one log line when the outage started" 1 "$(grep -c 'outage: store (cassandra) unavailable' "$T/follow.err" || true)"
check "one log line when it ended" 1 "$(grep -c 'outage: store (cassandra) available again' "$T/follow.err" || true)"
{ grep 'outage:' "$T/follow.err" || true; } | cut -c1-200 | sed 's/^/# /'
stop_serve

# The reference: the same bus processed from the start, uninterrupted.
cdump >"$T/got"
export SKRED_CASSANDRA_KEYSPACE="${KS0}_ref"; KS="${KS0}_ref"
SKRED_BUS_GROUP=ref "$SKRED" process -q >/dev/null
cdump >"$T/ref"
check "reference rows" "$(total)" "$("$CASS_SH" cqlsh "SELECT region_id FROM $KS.warnings_by_region" | wc -l)"
if cmp -s "$T/ref" "$T/got"; then ok "no loss, no duplicates: every column of every row equals the reference"
else fail "warehouse differs from the reference: $(diff "$T/ref" "$T/got" | head -4 | cut -c1-300)"; fi
finish
