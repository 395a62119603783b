#!/usr/bin/env bash
# skred serve waits out an outage of its PostgreSQL ledger: the server is
# stopped in the middle of a run for PG_OUTAGE_S seconds (default 25) and
# started again. Meanwhile the daemon keeps running, /healthz answers and
# /readyz says 503 and /metrics skred_ledger_up 0; afterwards it logs that
# the ledger is back, the run (which finished during the outage) has
# exactly one successful attempt, its counts are the warehouse's, the
# warehouse equals an uninterrupted reference, and a new triggered run
# succeeds. SIGTERM still exits 0. Then a daemon started while the server
# is down waits for it, and runs what is triggered once it is back.
. "$(dirname "$0")/../integration/lib.sh"
. "$(dirname "$0")/lib_pg.sh"
# The outage outlasts the lease (3 s), the connect timeout (5 s), several
# capped retries (3 s) and the run itself (it finishes during it): 25 s.
OUTAGE=${PG_OUTAGE_S:-25}
export SKRED_REGIONS=A SKRED_LANG=nb SKRED_FETCH_CONCURRENCY=1
export SKRED_SCHED_LEASE_MS=3000 SKRED_OUTAGE_BACKOFF_BASE_MS=200 SKRED_OUTAGE_BACKOFF_CAP_MS=3000
export SKRED_LOG_LEVEL=info
start_sim --seed 4 --fault-rate 1.0 --fault-kinds slow --slow-ms 300
"$SKRED" runs trigger --from 2024-01-15 --to 2024-01-15 >/dev/null || fail "trigger"
# Whatever happens, leave the server running for the next test.
trap '"$PG_SH" status >/dev/null 2>&1 || "$PG_SH" start >/dev/null 2>&1; cleanup' EXIT
start_serve
for _ in $(seq 200); do [ "$(pq "SELECT state FROM run WHERE id = 1")" = running ] && break; sleep 0.1; done
check "the run is running" running "$(pq "SELECT state FROM run WHERE id = 1")"
sleep 1
"$PG_SH" stop >/dev/null
t0=$SECONDS
sleep 3
kill -0 "$SERVE_PID" 2>/dev/null && ok "serve keeps running while the ledger is down" || fail "serve exited: $(tail -5 "$T/serve.log")"
check "/healthz answers" 200 "$(curl -s -o /dev/null -w '%{http_code}' "$H/healthz")"
check "/readyz says not ready" 503 "$(curl -s -o /dev/null -w '%{http_code}' "$H/readyz")"
check "/metrics: the ledger is down" "skred_ledger_up 0" "$(curl -sf "$H/metrics" | grep '^skred_ledger_up ')"
sleep $((OUTAGE - (SECONDS - t0) > 0 ? OUTAGE - (SECONDS - t0) : 0))
kill -0 "$SERVE_PID" 2>/dev/null && ok "serve still running after a ${OUTAGE}s outage" || fail "serve exited: $(tail -5 "$T/serve.log")"
grep -q "ledger (postgres) unavailable, waiting for it" "$T/serve.log" && ok "the outage is logged" || fail "no outage in the log: $(tail -5 "$T/serve.log")"
# shellcheck disable=SC2001 # a capture group, beyond ${var//}
pw=$(echo "$SKRED_LEDGER_POSTGRES_URL" | sed 's|^[^:]*://[^:@]*:\([^@]*\)@.*|\1|')
[ -n "$pw" ] && ! grep -qF -- "$pw" "$T/serve.log" && ok "no password in the log" || fail "password in the log (or none in the URL)"
"$PG_SH" start >/dev/null
for _ in $(seq 600); do [ "$(pq "SELECT state FROM run WHERE id = 1" 2>/dev/null)" = success ] && break; sleep 0.2; done
check "after the outage the run succeeds" success "$(pq "SELECT state FROM run WHERE id = 1")"
grep -q "ledger (postgres) available again" "$T/serve.log" && ok "the recovery is logged" || fail "no recovery in the log"
check "exactly one successful attempt" 1 "$(pq "SELECT count(*) FROM attempt WHERE run_id = 1 AND state = 'success'")"
check "per-run counts are the warehouse's" "$(wh "SELECT COUNT(*) FROM avalanche_warning")" "$(pq "SELECT stored FROM run WHERE id = 1")"
check "/readyz ready again" 200 "$(curl -s -o /dev/null -w '%{http_code}' "$H/readyz")"
check "/metrics: the ledger is up" "skred_ledger_up 1" "$(curl -sf "$H/metrics" | grep '^skred_ledger_up ')"
"$SKRED" runs trigger --from 2024-01-16 --to 2024-01-16 >/dev/null || fail "trigger after the outage"
for _ in $(seq 300); do [ "$(pq "SELECT state FROM run WHERE id = 2" 2>/dev/null)" = success ] && break; sleep 0.2; done
check "a run triggered after the outage succeeds" success "$(pq "SELECT state FROM run WHERE id = 2")"
stop_serve
SKRED_LEDGER=sqlite SKRED_DATA_DIR="$T/ref" "$SKRED" run --from 2024-01-15 --to 2024-01-16 >/dev/null 2>"$T/ref.err" || fail "reference: $(cat "$T/ref.err")"
check "warehouse equals the uninterrupted reference" "$(dump_warehouse "$T/ref/warehouse.db" | sha256sum)" "$(dump_warehouse "$SKRED_DATA_DIR/warehouse.db" | sha256sum)"

# Started while the server is down: serve waits for it instead of exiting,
# its API answers 503 for the ledger's endpoints until the server is back.
"$PG_SH" stop >/dev/null
start_serve
sleep 3
kill -0 "$SERVE_PID" 2>/dev/null && ok "serve started during an outage keeps running" || fail "serve exited: $(tail -5 "$T/serve.log")"
check "/api/v1/status: 503 while the ledger is down" 503 "$(curl -s -o /dev/null -w '%{http_code}' "$H/api/v1/status")"
"$PG_SH" start >/dev/null
check "/api/v1/status answers when it is back" 200 "$(curl -s -o /dev/null -w '%{http_code}' "$H/api/v1/status")"
"$SKRED" runs trigger --from 2024-01-17 --to 2024-01-17 >/dev/null || fail "trigger"
for _ in $(seq 300); do [ "$(pq "SELECT state FROM run WHERE window_from = '2024-01-17'" 2>/dev/null)" = success ] && break; sleep 0.2; done
check "and it runs what is triggered" success "$(pq "SELECT state FROM run WHERE window_from = '2024-01-17'")"
stop_serve
echo "FIGURES outage=${OUTAGE}s attempts=$(pq "SELECT count(*) FROM attempt WHERE run_id = 1") states=$(pq "SELECT string_agg(state, ',' ORDER BY attempt) FROM attempt WHERE run_id = 1")"
pg_drop_schema
finish
