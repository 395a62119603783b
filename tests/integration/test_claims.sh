#!/usr/bin/env bash
# Every run exactly once on an embedded ledger: `skred backfill` beside a
# live `skred serve` on the same data dir (the daemon claims some of the
# backfill's runs, the backfill the rest; nothing runs twice; per-run
# counts sum to the warehouse; the warehouse equals a reference made
# without the daemon); a second `skred serve` on that dir exits 2 naming
# the first's pid; two `skred process` at once store each message once;
# kill -9 of a daemon mid-run: the restarted daemon takes the run over
# once the lease has run out, and it succeeds once.
. "$(dirname "$0")/lib.sh"
L() { sq "$SKRED_DATA_DIR/ledger.db" "$1"; }
# A schedule that never fires: the daemon only executes what it claims
# from the ledger.
export SKRED_SCHED_SCHEDULES="idle=0 0 30 2 *"
export SKRED_SCHED_BACKFILL_DAYS=10
RANGE=(--regions A --lang both --from 2024-01-01 --to 2024-02-29)

# Reference: the same backfill, no daemon. Slow answers (every request
# 150 ms late) make each run take a few seconds, so the daemon below has
# time to claim some of them.
start_sim --seed 23 --fault-rate 1.0 --fault-kinds slow --slow-ms 150
export SKRED_DATA_DIR="$T/ref"
"$SKRED" backfill "${RANGE[@]}" --concurrency 2 >"$T/ref.out" 2>"$T/ref.err" || fail "reference backfill: $(tail -2 "$T/ref.err")"
got=$(L "SELECT COUNT(*), SUM(state='success'), (SELECT COUNT(*) FROM attempt) FROM run")
check "reference: 6 runs, all succeeded once" "6|6|6" "$got"
if [ "$got" != "6|6|6" ]; then # say why a run ran again
  L "SELECT run_id, attempt, state, owner, start_ms, end_ms, error FROM attempt ORDER BY run_id, attempt" | sed 's/^/# attempt: /'
  grep -v '^backfill:' "$T/ref.err" | tail -20 | sed 's/^/# ref.err: /'
fi
ref_rows=$(wh "SELECT COUNT(*) FROM avalanche_warning")
check "reference: per-run stored counts sum to the warehouse" "$ref_rows" "$(L "SELECT SUM(stored) FROM run")"

# (a) The same backfill beside a live daemon on one data dir.
export SKRED_DATA_DIR="$T/shared"
start_serve
"$SKRED" backfill "${RANGE[@]}" --concurrency 2 >"$T/bf.out" 2>"$T/bf.err" || fail "backfill beside serve: $(tail -2 "$T/bf.err")"
cat "$T/bf.out"
check "beside serve: 6 runs, all succeeded" "6|6" "$(L "SELECT COUNT(*), SUM(state='success') FROM run")"
check "no run executed twice (attempts per run)" "" "$(L "SELECT run_id, COUNT(*) FROM attempt GROUP BY run_id HAVING COUNT(*) <> 1")"
owners=$(L "SELECT COUNT(DISTINCT owner) FROM attempt")
daemon_runs=$(L "SELECT COUNT(*) FROM attempt WHERE owner LIKE '%:$SERVE_PID:%'")
echo "# runs executed by the daemon: $daemon_runs of 6; owners: $owners"
[ "$daemon_runs" -ge 1 ] && [ "$owners" -eq 2 ] && ok "the daemon and the backfill each executed some runs" || fail "owners: $(L "SELECT run_id, owner FROM attempt")"
rows=$(wh "SELECT COUNT(*) FROM avalanche_warning")
check "per-run stored counts sum to the warehouse's rows" "$rows" "$(L "SELECT SUM(stored) FROM run")"
check "per-run fetched counts sum to the bus" "$(bus "SELECT COUNT(*) FROM message WHERE topic='avalanche_region_warning'")" "$(L "SELECT SUM(fetched) FROM run")"
check "every run's counts are its own (the reference's, run by run)" \
  "$(sq "$T/ref/ledger.db" "SELECT group_concat(window_from || ':' || fetched || ':' || stored, ' ') FROM (SELECT * FROM run ORDER BY window_from)")" \
  "$(L "SELECT group_concat(window_from || ':' || fetched || ':' || stored, ' ') FROM (SELECT * FROM run ORDER BY window_from)")"
check "the warehouse equals the reference" "$(dump_warehouse "$T/ref/warehouse.db" | sha256sum)" "$(dump_warehouse "$T/shared/warehouse.db" | sha256sum)"
grep -q "backfill: 6 run(s): 6 succeeded, 0 failed, 0 not done; [0-9]* warnings fetched, $rows processed" "$T/bf.out" && ok "the backfill's summary counts the daemon's runs too" || fail "summary: $(cat "$T/bf.out")"
d=$(L "SELECT run_id FROM attempt WHERE owner LIKE '%:$SERVE_PID:%' LIMIT 1")
if [ -n "$d" ]; then
  "$SKRED" runs show "$d" >"$T/show.out"
  grep -q "attempt 1  success .* by [^ ]*:$SERVE_PID:" "$T/show.out" && ok "runs show names the daemon as the attempt's owner" || fail "runs show: $(cat "$T/show.out")"
  curl -sf "$H/api/v1/runs/$d" | python3 -c "import json,sys; d=json.load(sys.stdin); a=d['attempts'][0]; sys.exit(0 if ':$SERVE_PID:' in a['owner'] and d['run']['owner'] == a['owner'] else 1)" && ok "GET /api/v1/runs/{id}: the attempt's owner" || fail "API run owner"
fi
curl -sf "$H/api/v1/status" | python3 -c "import json,sys; d=json.load(sys.stdin); s=[x for x in d['daemons'] if x['pid']==$SERVE_PID]; sys.exit(0 if d['ledger']=='sqlite' and len(s)==1 and s[0]['alive'] and s[0]['role']=='serve' else 1)" && ok "/api/v1/status lists the live daemon" || fail "status daemons: $(curl -s "$H/api/v1/status")"
check "the finished backfill left the daemon table" "serve" "$(L "SELECT group_concat(role) FROM daemon")"

# (b) A second daemon on the same data dir exits 2 naming the first.
rc=0
SKRED_HTTP_ADDR="127.0.0.1:$(free_port)" "$SKRED" serve >"$T/second.out" 2>"$T/second.err" || rc=$?
check "a second skred serve on the data dir exits 2" 2 "$rc"
grep -q "in use by skred serve pid $SERVE_PID" "$T/second.err" && ok "it names the pid holding the lock" || fail "second serve said: $(cat "$T/second.err")"
check "the lock file holds the daemon's pid" "$SERVE_PID" "$(tr -d '\n' <"$SKRED_DATA_DIR/serve.lock")"
stop_serve

# Two `skred process` at once on one embedded bus: each message once.
start_sim --seed 29
export SKRED_DATA_DIR="$T/proc2"
"$SKRED" fetch --regions all --lang both --from 2024-01-01 --to 2024-01-31 -q >/dev/null
total=$(bus "SELECT COUNT(*) FROM message")
"$SKRED" process -q --batch-size 100 >"$T/p1.out" 2>&1 &
p1=$!
"$SKRED" process -q --batch-size 100 >"$T/p2.out" 2>&1 &
p2=$!
wait "$p1" || fail "first process: $(cat "$T/p1.out")"
wait "$p2" || fail "second process: $(cat "$T/p2.out")"
n1=$(sed -n 's/^process: \([0-9]*\) messages.*/\1/p' "$T/p1.out")
n2=$(sed -n 's/^process: \([0-9]*\) messages.*/\1/p' "$T/p2.out")
echo "# two processors consumed $n1 + $n2 of $total messages"
check "two processors together consumed each message once" "$total" "$((n1 + n2))"
check "and stored every one" "$total" "$(wh "SELECT COUNT(*) FROM avalanche_warning")"

# (d) kill -9 of a daemon mid-run; after its lease runs out the restarted
# daemon takes the run over, and the run succeeds exactly once.
start_sim --seed 23 --fault-rate 1.0 --fault-kinds slow --slow-ms 400
export SKRED_DATA_DIR="$T/takeover" SKRED_SCHED_LEASE_MS=6000 SKRED_FETCH_CONCURRENCY=1
"$SKRED" runs trigger --regions A --lang both --from 2024-01-01 --to 2024-01-10 >/dev/null
start_serve
first=$SERVE_PID
for _ in $(seq 100); do [ "$(L "SELECT state FROM run WHERE id=1")" = running ] && break; sleep 0.1; done
sleep 1
kill -9 "$first"; wait "$first" 2>/dev/null || true
SERVE_PID=""
check "killed mid-run: the run is still running (its lease lives on)" "running|1" "$(L "SELECT state, attempts FROM run WHERE id=1")"
start_sim --seed 23
start_serve
second=$SERVE_PID
for _ in $(seq 600); do [ "$(L "SELECT state FROM run WHERE id=1")" = success ] && break; sleep 0.1; done
check "taken over after the lease ran out: success at attempt 2" "success|2" "$(L "SELECT state, attempts FROM run WHERE id=1")"
check "attempt 1 is the killed daemon's, interrupted" "interrupted|1" "$(L "SELECT state, owner LIKE '%:$first:%' FROM attempt WHERE run_id=1 AND attempt=1")"
check "attempt 2 is the new daemon's" "success|1" "$(L "SELECT state, owner LIKE '%:$second:%' FROM attempt WHERE run_id=1 AND attempt=2")"
check "exactly one successful attempt" 1 "$(L "SELECT COUNT(*) FROM attempt WHERE run_id=1 AND state='success'")"
grep -q "lease of [^ ]*:$first:[0-9]* expired" <(L "SELECT error FROM attempt WHERE run_id=1 AND attempt=1") && ok "the cut-off attempt names the owner whose lease expired" || fail "error: $(L "SELECT error FROM attempt WHERE run_id=1 AND attempt=1")"
stop_serve
unset SKRED_SCHED_LEASE_MS SKRED_FETCH_CONCURRENCY

finish
