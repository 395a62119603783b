#!/usr/bin/env bash
# skred serve on a fake clock (SKRED_FAKE_NOW, SKRED_FAKE_SPEED): the daily
# schedule fires and records a run with counts and data checks; catch-up
# after downtime; retry then success; retries exhausted -> failed with the
# error; a 404 is not retried; a crash mid-run is found and retried after a
# restart; pause; SIGHUP reload keeps the old configuration when the new one
# is invalid; runs list/show/trigger/clear.
. "$(dirname "$0")/lib.sh"
export SKRED_FAKE_SPEED=60 SKRED_SCHED_RETRY_BASE_MS=60000 SKRED_SCHED_RETRY_CAP_MS=120000
export SKRED_HTTP_ADDR=""  # the HTTP API is tested in section 9
L() { sq "$SKRED_DATA_DIR/ledger.db" "$1"; }
# serve_until SQL EXPECTED [seconds]: run the daemon until the ledger query
# returns EXPECTED (or time runs out), then SIGTERM it; its exit code is kept.
serve_until() {
  "$SKRED" serve >>"$T/serve.log" 2>&1 &
  SERVE=$!
  for _ in $(seq $((${3:-30} * 10))); do
    [ "$(L "$1" 2>/dev/null)" = "$2" ] && break
    sleep 0.1
  done
  kill -TERM "$SERVE" 2>/dev/null; SERVE_RC=0; wait "$SERVE" || SERVE_RC=$?
}

# 1. The daily run at 17:00 Europe/Oslo (16:00Z in winter).
start_sim --seed 2
export SKRED_DATA_DIR="$T/daily" SKRED_FAKE_NOW=2024-01-10T15:58:00Z
serve_until "SELECT state FROM run WHERE id=1" success
check "SIGTERM: serve exits 0" 0 "$SERVE_RC"
check "one run at 16:00Z" "daily|2024-01-10T16:00:00.000Z|success" "$(L "SELECT job, logical_time, state FROM run")"
check "window: 7 days back, 2 ahead" "2024-01-03|2024-01-12" "$(L "SELECT window_from, window_to FROM run")"
check "counts recorded" "240|240|0" "$(L "SELECT fetched, stored, dead FROM run")"
check "five data checks (source_drift since issue 13), all ok" "5|5" "$(L "SELECT COUNT(*), SUM(ok) FROM check_result")"
check "warehouse filled" 240 "$(wh "SELECT COUNT(*) FROM avalanche_warning")"
"$SKRED" runs show 1 >"$T/show"
grep -q "tomorrow_published.*ok" "$T/show" && ok "runs show lists the checks" || fail "runs show: $(cat "$T/show")"

# 2. Catch-up: three days later, the missed days run (and only them).
export SKRED_FAKE_NOW=2024-01-13T16:30:00Z
serve_until "SELECT COUNT(*) FROM run WHERE state='success'" 4
check "three missed intervals caught up" "2024-01-11T16:00:00.000Z 2024-01-12T16:00:00.000Z 2024-01-13T16:00:00.000Z" \
  "$(L "SELECT logical_time FROM run WHERE id > 1 ORDER BY id" | tr '\n' ' ' | sed 's/ $//')"

# 3. Retry then success: the first attempt fails (one fetch attempt, the
# simulator fails every path once), the scheduled retry succeeds.
start_sim --seed 2 --fail-first 1:503
export SKRED_DATA_DIR="$T/retry" SKRED_FAKE_NOW=2024-01-10T15:59:00Z SKRED_FETCH_ATTEMPTS=1
serve_until "SELECT state FROM run WHERE id=1" success 60
check "retried, then success" "success|2" "$(L "SELECT state, attempts FROM run")"
check "attempt 1 failed with the error" "failed" "$(L "SELECT state FROM attempt WHERE attempt=1")"
L "SELECT error FROM attempt WHERE attempt=1" | grep -q "HTTP 503" && ok "attempt error names HTTP 503" || fail "error: $(L "SELECT error FROM attempt")"
unset SKRED_FETCH_ATTEMPTS

# 4. Retries exhausted: a region that always fails.
start_sim --seed 2 --fail-region 3011:500
export SKRED_DATA_DIR="$T/exhausted" SKRED_FETCH_ATTEMPTS=1 SKRED_SCHED_MAX_ATTEMPTS=3
serve_until "SELECT state FROM run WHERE id=1" failed 60
check "failed after 3 attempts" "failed|3" "$(L "SELECT state, attempts FROM run")"
L "SELECT error FROM run" | grep -q "region 3011" && ok "error recorded, naming the region" || fail "error: $(L "SELECT error FROM run")"
check "the other regions were still stored" 230 "$(wh "SELECT COUNT(*) FROM avalanche_warning")"

# 5. A 404 is fatal: no retry.
export SKRED_DATA_DIR="$T/fatal" SKRED_VARSOM_URL="$SIM_BASE/nowhere/api"
serve_until "SELECT state FROM run WHERE id=1" failed 30
check "404: failed at once" "failed|1" "$(L "SELECT state, attempts FROM run")"
unset SKRED_FETCH_ATTEMPTS SKRED_SCHED_MAX_ATTEMPTS
start_sim --seed 2

# 6. A crash in the middle of a run: found at start-up and retried.
start_sim --seed 2 --fault-rate 1.0 --fault-kinds slow --slow-ms 700
# A short lease: the restarted daemon takes the run over once the killed
# one's lease (real time) has run out.
export SKRED_DATA_DIR="$T/crash" SKRED_FAKE_NOW=2024-01-10T15:59:50Z SKRED_FETCH_CONCURRENCY=1 SKRED_SCHED_LEASE_MS=2000
"$SKRED" serve >>"$T/serve.log" 2>&1 &
s=$!
for _ in $(seq 100); do [ "$(L "SELECT state FROM run WHERE id=1" 2>/dev/null)" = running ] && break; sleep 0.1; done
sleep 1
kill -9 "$s"; wait "$s" 2>/dev/null || true
check "killed mid-run: the ledger says running" running "$(L "SELECT state FROM run WHERE id=1")"
start_sim --seed 2
serve_until "SELECT state FROM run WHERE id=1" success 30
check "after restart: retried and succeeded" "success|2" "$(L "SELECT state, attempts FROM run WHERE id=1")"
check "the cut-off attempt is recorded as interrupted" interrupted "$(L "SELECT state FROM attempt WHERE run_id=1 AND attempt=1")"
unset SKRED_FETCH_CONCURRENCY SKRED_SCHED_LEASE_MS

# 6b. SIGTERM in the middle of a run: the attempt is recorded as
# interrupted and the run queued again; the next start finishes it.
start_sim --seed 2 --fault-rate 1.0 --fault-kinds slow --slow-ms 700
export SKRED_DATA_DIR="$T/term" SKRED_FAKE_NOW=2024-01-10T15:59:50Z SKRED_FETCH_CONCURRENCY=1
"$SKRED" serve >>"$T/serve.log" 2>&1 &
s=$!
for _ in $(seq 100); do [ "$(L "SELECT state FROM run WHERE id=1" 2>/dev/null)" = running ] && break; sleep 0.1; done
sleep 1
kill -TERM "$s"; rc=0; wait "$s" || rc=$?
check "SIGTERM mid-run: clean exit" 0 "$rc"
check "the run is queued again, the attempt interrupted" "queued|interrupted" "$(L "SELECT r.state, a.state FROM run r JOIN attempt a ON a.run_id = r.id WHERE r.id=1")"
start_sim --seed 2
serve_until "SELECT state FROM run WHERE id=1" success 30
check "next start finishes it" success "$(L "SELECT state FROM run WHERE id=1")"
unset SKRED_FETCH_CONCURRENCY SKRED_SCHED_LEASE_MS

# 6c. A failed data check fails the run when configured to.
start_sim --seed 2 --bad-rate 0.5
export SKRED_DATA_DIR="$T/checks" SKRED_FAKE_NOW=2024-01-10T15:59:30Z SKRED_SCHED_CHECKS_FAIL_RUN=true
serve_until "SELECT state FROM run WHERE id=1" failed 30
check "a failed check fails the run (no retry)" "failed|1" "$(L "SELECT state, attempts FROM run")"
check "the failing check is recorded" 0 "$(L "SELECT ok FROM check_result WHERE name='tomorrow_published'")"
L "SELECT error FROM run" | grep -q "data check failed" && ok "run error says why" || fail "error: $(L "SELECT error FROM run")"
unset SKRED_SCHED_CHECKS_FAIL_RUN
start_sim --seed 2

# 7. Pause: fire times while paused are recorded as skipped; unpause runs on.
export SKRED_DATA_DIR="$T/pause" SKRED_FAKE_NOW=2024-01-10T15:59:00Z
"$SKRED" pause >/dev/null
serve_until "SELECT state FROM run WHERE id=1" skipped 20
check "paused: the run is skipped" "skipped|paused" "$(L "SELECT state, error FROM run")"
"$SKRED" unpause >/dev/null
"$SKRED" runs clear 1 >/dev/null
check "runs clear queues it again" queued "$(L "SELECT state FROM run WHERE id=1")"
serve_until "SELECT state FROM run WHERE id=1" success 20
check "unpaused: it runs" success "$(L "SELECT state FROM run WHERE id=1")"
"$SKRED" runs trigger --from 2024-01-01 --to 2024-01-02 >"$T/trig"
check "runs trigger queues a manual run" "manual|queued|2024-01-01|2024-01-02" "$(L "SELECT job, state, window_from, window_to FROM run WHERE job='manual'")"
check "runs list shows both" 3 "$("$SKRED" runs list | wc -l)"

# 8. SIGHUP: an invalid configuration is refused, the old one kept.
export SKRED_DATA_DIR="$T/hup" SKRED_FAKE_NOW=2024-01-10T12:00:00Z SKRED_FAKE_SPEED=1
printf 'sched.schedules = daily=0 17 * * *\n' >"$T/s.conf"
SKRED_LOG_LEVEL=info "$SKRED" serve --config "$T/s.conf" >"$T/hup.log" 2>&1 &
s=$!
waitlog() { for _ in $(seq 100); do grep -q "$1" "$T/hup.log" && return 0; sleep 0.1; done; return 1; }
waitlog "serving schedules"
printf 'sched.schedules = daily=0 25 * * *\n' >"$T/s.conf"
kill -HUP "$s"
waitlog "reload failed"
printf 'sched.schedules = daily=0 17 * * *;hourly=@hourly\n' >"$T/s.conf"
kill -HUP "$s"
waitlog "configuration reloaded" || true
kill -TERM "$s"; wait "$s" || true
grep -q "reload failed, keeping the running configuration.*hour 25" "$T/hup.log" && ok "bad reload refused, old config kept" || fail "hup: $(cat "$T/hup.log")"
grep -q "configuration reloaded: schedules=2" "$T/hup.log" && ok "good reload applied" || fail "hup: $(cat "$T/hup.log")"

# 9. The daemon's HTTP API: runs list/one/trigger/clear, pause; token.
export SKRED_DATA_DIR="$T/http" SKRED_FAKE_NOW=2024-01-10T12:00:00Z SKRED_FAKE_SPEED=1
port=$(free_port)
H="http://127.0.0.1:$port"
SKRED_HTTP_ADDR="127.0.0.1:$port" SKRED_HTTP_TOKEN=s3cret "$SKRED" pause >/dev/null
SKRED_HTTP_ADDR="127.0.0.1:$port" SKRED_HTTP_TOKEN=s3cret "$SKRED" serve >"$T/http.log" 2>&1 &
s=$!
for _ in $(seq 50); do curl -sf "$H/healthz" >/dev/null && break; sleep 0.1; done
check "healthz" '{"status":"ok"}' "$(curl -sf "$H/healthz")"
check "POST without the token: 401" 401 "$(curl -s -o /dev/null -w '%{http_code}' -X POST "$H/api/v1/runs")"
check "trigger: 201" 201 "$(curl -s -o "$T/t.json" -w '%{http_code}' -X POST -H 'Authorization: Bearer s3cret' "$H/api/v1/runs?from=2024-01-01&to=2024-01-02")"
id=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$T/t.json")
check "run list has it" "manual queued" "$(curl -sf "$H/api/v1/runs" | python3 -c 'import json,sys; r=json.load(sys.stdin)["runs"][0]; print(r["job"], r["state"])')"
check "one run with attempts and checks" "2024-01-01 [] []" "$(curl -sf "$H/api/v1/runs/$id" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["run"]["window_from"], d["attempts"], d["checks"])')"
check "bad state: 400" 400 "$(curl -s -o /dev/null -w '%{http_code}' "$H/api/v1/runs?state=bogus")"
check "unknown run: 404" 404 "$(curl -s -o /dev/null -w '%{http_code}' "$H/api/v1/runs/999")"
check "unknown path: 404" 404 "$(curl -s -o /dev/null -w '%{http_code}' "$H/api/v1/nope")"
check "bad date: 400" 400 "$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Authorization: Bearer s3cret' "$H/api/v1/runs?from=2024-02-30")"
check "unpause" '{"paused":false}' "$(curl -sf -X POST -H 'Authorization: Bearer s3cret' "$H/api/v1/unpause")"
check "paused flag cleared in the ledger" "" "$(L "SELECT value FROM meta WHERE key='paused'")"
for _ in $(seq 100); do [ "$(L "SELECT state FROM run WHERE id=$id")" = success ] && break; sleep 0.1; done
check "the daemon ran the triggered run" success "$(L "SELECT state FROM run WHERE id=$id")"
check "clear a finished run: 200" 200 "$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Authorization: Bearer s3cret' "$H/api/v1/runs/$id/clear")"
kill -TERM "$s"; wait "$s" || true
check "a non-loopback address without a token is refused" 2 "$(SKRED_HTTP_ADDR=0.0.0.0:$port "$SKRED" serve >/dev/null 2>&1; echo $?)"
finish
