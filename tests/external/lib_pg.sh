# shellcheck shell=bash
# lib_pg.sh - helpers for tests against the real PostgreSQL server that
# scripts/postgres.sh runs (sourced after ../integration/lib.sh): the ledger
# in a schema of its own (dropped at the end when the test passed), psql
# through the script (an independent client), and the HA scenario several
# daemons share the ledger in.
PG_SH="$SRC/scripts/postgres.sh"
if ! "$PG_SH" status >/dev/null 2>&1; then
  echo "FAIL - PostgreSQL is not running (scripts/postgres.sh start)"; echo "0 passed, 1 failed"; exit 1
fi
PGSCHEMA="t$$_$(date +%s)"
"$PG_SH" psql -c "CREATE SCHEMA $PGSCHEMA" >/dev/null
export SKRED_LEDGER=postgres
SKRED_LEDGER_POSTGRES_URL="$("$PG_SH" url)?options=-csearch_path%3D$PGSCHEMA"
export SKRED_LEDGER_POSTGRES_URL
# pq "SQL": rows of a query in the test's schema, '|'-separated.
pq() { "$PG_SH" psql -tA -c "SET search_path = $PGSCHEMA; $1"; }
pg_drop_schema() { [ "$FAILED" -eq 0 ] && "$PG_SH" psql -c "DROP SCHEMA $PGSCHEMA CASCADE" >/dev/null 2>&1 || true; }

# ---------------------------------------------------------------- HA
# ha_scenario DAEMONS KILLS: DAEMONS `skred serve` on separate data dirs
# share the ledger in PostgreSQL and the warehouse in Cassandra (and the
# bus when SKRED_BUS=kafka; else each has its own embedded bus, which a run
# only uses within itself). Intervals: catch-up of 26 daily fire times (the
# ledger's last fire set 26 days back) plus 4 triggered runs, each run one
# day of the A regions in Norwegian, so windows are disjoint. While runs
# remain, a daemon is killed with -9 (every other time the one holding a
# running run, so kills land mid-run) and restarted; KILLS at most; halfway
# the PostgreSQL server itself is restarted under them. Then
# the invariant is checked and the figures printed. Bounded: 300 s for the
# runs to finish.
HA_PIDS=()
ha_start() { # i
  local i=$1
  env SKRED_DATA_DIR="$T/d$i" SKRED_HTTP_ADDR="127.0.0.1:${HA_PORTS[i]}" \
    SKRED_LOG_LEVEL=info "$SKRED" serve >>"$T/d$i.log" 2>&1 &
  HA_PIDS[i]=$!
}
ha_stop_all() {
  local i rc
  for i in "${!HA_PIDS[@]}"; do
    [ -n "${HA_PIDS[$i]}" ] || continue
    kill -TERM "${HA_PIDS[$i]}" 2>/dev/null || true
  done
  for i in "${!HA_PIDS[@]}"; do
    [ -n "${HA_PIDS[$i]}" ] || continue
    rc=0; wait "${HA_PIDS[$i]}" 2>/dev/null || rc=$?
    HA_RCS[i]=$rc
    HA_PIDS[i]=""
  done
}
ha_cleanup() { ha_stop_all; }

ha_scenario() {
  local daemons=$1 max_kills=$2 i
  export SKRED_SCHED_SCHEDULES="daily=0 0 * * *" SKRED_SCHED_TIMEZONE=UTC
  export SKRED_SCHED_CATCHUP_MAX=40 SKRED_RUN_DAYS_BACK=0 SKRED_RUN_DAYS_AHEAD=0
  export SKRED_REGIONS=A SKRED_LANG=nb
  export SKRED_SCHED_LEASE_MS=6000 SKRED_SCHED_MAX_ATTEMPTS=20
  export SKRED_SCHED_RETRY_BASE_MS=200 SKRED_SCHED_RETRY_CAP_MS=1000
  export SKRED_FETCH_CONCURRENCY=4
  # Every request answered slowly (and 2 % of the records bad): a run takes
  # about two seconds, so kills land inside runs.
  start_sim --seed 11 --fault-rate 1.0 --fault-kinds slow --slow-ms 250 --bad-rate 0.02

  # The ledger's tables, then its last fire time 26 days back.
  "$SKRED" runs list >/dev/null 2>"$T/init.err" || fail "ledger init: $(cat "$T/init.err")"
  local day0=$(( $(date -u +%s) / 86400 ))
  pq "INSERT INTO meta(key, value) VALUES ('last_fire.daily', '$(( (day0 - 26) * 86400000 ))')" >/dev/null
  for i in 40 39 38 37; do
    "$SKRED" runs trigger --from "$(date -u -d "@$(( (day0 - i) * 86400 ))" +%F)" \
      --to "$(date -u -d "@$(( (day0 - i) * 86400 ))" +%F)" >/dev/null
  done

  HA_PORTS=()
  for i in $(seq 1 "$daemons"); do HA_PORTS[i]=$(free_port); ha_start "$i"; done
  trap 'ha_cleanup; cleanup' EXIT

  local kills=0 midrun=0 deadline=$((SECONDS + 300)) total=0 done_n=0 victim owner
  local last_done=-1 last_kill=$SECONDS pg_restarts=0
  while [ $SECONDS -lt $deadline ]; do
    total=$(pq "SELECT count(*) FROM run")
    done_n=$(pq "SELECT count(*) FROM run WHERE state = 'success'")
    [ "$total" -ge 30 ] && [ "$done_n" -eq "$total" ] && break
    # Halfway through the kills, the ledger's server restarts under all
    # the daemons (down a second or two, less than a lease: an outage
    # longer than the lease would rightly end the claims): they wait it
    # out.
    if [ "$kills" -eq $((max_kills / 2)) ] && [ "$pg_restarts" -eq 0 ]; then
      echo "  PostgreSQL restarted, $done_n/$total runs done"
      "$PG_SH" stop >/dev/null
      "$PG_SH" start >/dev/null
      pg_restarts=1
      for i in "${!HA_PIDS[@]}"; do
        kill -0 "${HA_PIDS[$i]}" 2>/dev/null || fail "daemon $i exited during the PostgreSQL restart"
      done
      continue
    fi
    # Spread the kills over the scenario: one after some progress (or a
    # few seconds without any), at a random moment.
    if [ "$kills" -ge "$max_kills" ] ||
       { [ "$done_n" -le "$last_done" ] && [ $((SECONDS - last_kill)) -lt 6 ]; }; then
      sleep 0.3; continue
    fi
    sleep "0.$((RANDOM % 9 + 1))"; sleep $((RANDOM % 2))
    victim=""
    if [ $((kills % 2)) -eq 0 ]; then
      # the daemon holding a running run ("host:pid:started")
      owner=$(pq "SELECT owner FROM run WHERE state = 'running' ORDER BY random() LIMIT 1")
      for i in "${!HA_PIDS[@]}"; do
        [ -n "$owner" ] && [ "${owner#*:}" != "$owner" ] &&
          [ "$(echo "$owner" | cut -d: -f2)" = "${HA_PIDS[$i]}" ] && victim=$i
      done
      [ -n "$victim" ] && midrun=$((midrun + 1))
    fi
    [ -n "$victim" ] || victim=$((RANDOM % daemons + 1))
    kill -9 "${HA_PIDS[$victim]}" 2>/dev/null || true
    wait "${HA_PIDS[$victim]}" 2>/dev/null || true
    kills=$((kills + 1)) last_done=$done_n last_kill=$SECONDS
    echo "  kill -9 daemon $victim (pid ${HA_PIDS[$victim]}), $done_n/$total runs done"
    sleep "0.$((RANDOM % 9 + 1))"
    ha_start "$victim"
  done
  total=$(pq "SELECT count(*) FROM run")
  done_n=$(pq "SELECT count(*) FROM run WHERE state = 'success'")
  check "all runs succeeded within 300 s" "$total" "$done_n"

  # The daemons that are alive, as /api/v1/status tells (each one serves it).
  # (A daemon just restarted may not have beaten yet, one just killed may
  # look alive until its lease runs out: wait up to 20 s for the count.)
  local alive
  for _ in $(seq 100); do
    alive=$(curl -sf "http://127.0.0.1:${HA_PORTS[1]}/api/v1/status" | python3 -c '
import json, sys
d = json.load(sys.stdin)
print(sum(1 for x in d.get("daemons", []) if x.get("alive") and x.get("role") == "serve"))' 2>/dev/null || echo "?")
    [ "$alive" = "$daemons" ] && break
    sleep 0.2
  done
  check "/api/v1/status lists $daemons live daemons" "$daemons" "$alive"
  ha_stop_all
  local clean=0
  for i in $(seq 1 "$daemons"); do [ "${HA_RCS[$i]:-1}" -eq 0 ] && clean=$((clean + 1)); done
  check "every daemon stopped cleanly on SIGTERM" "$daemons" "$clean"

  # ---- the invariant
  local intervals once not_once dup_success overlap dup_starts attempts interrupted
  intervals=$(pq "SELECT count(*) FROM run")
  [ "$intervals" -ge 20 ] && ok "$intervals intervals (>= 20)" || fail "only $intervals intervals"
  not_once=$(pq "SELECT count(*) FROM (SELECT job, logical_time, window_from FROM run GROUP BY 1, 2, 3 HAVING count(*) <> 1) x")
  check "each interval has exactly one run" 0 "$not_once"
  once=$(pq "SELECT count(*) FROM (SELECT run_id FROM attempt WHERE state = 'success' GROUP BY run_id HAVING count(*) = 1) x")
  dup_success=$(pq "SELECT count(*) FROM (SELECT run_id FROM attempt WHERE state = 'success' GROUP BY run_id HAVING count(*) > 1) x")
  check "each interval has exactly one successful attempt" "$intervals" "$once"
  # Two attempts of a run whose times overlap ran at once (all daemons on
  # one host, one clock); and no (run, attempt) started in two daemons.
  overlap=$(pq "SELECT count(*) FROM attempt a JOIN attempt b ON a.run_id = b.run_id AND a.attempt < b.attempt WHERE b.start_ms < a.end_ms OR a.end_ms = 0")
  dup_starts=$(cat "$T"/d*.log | sed -n 's/.* run=\([0-9]*\) job=[^ ]* attempt=\([0-9]*\)\/.*/\1:\2/p' | sort | uniq -d | wc -l)
  check "no two attempts of a run overlap" 0 "$overlap"
  check "no attempt started by two daemons (daemon logs)" 0 "$dup_starts"
  # A run taken over from a live daemon (its lease expired while it still
  # worked) shows as an outcome the ledger refused to that daemon.
  local refused
  refused=$(cat "$T"/d*.log | grep -c "outcome not recorded" || true)
  check "no daemon executed a run another had taken over (refused outcomes)" 0 "$refused"
  attempts=$(pq "SELECT count(*) FROM attempt")
  interrupted=$(pq "SELECT count(*) FROM attempt WHERE state = 'interrupted'")
  local owners
  owners=$(pq "SELECT count(DISTINCT split_part(owner, ':', 2)) FROM attempt WHERE state = 'success'")

  # Per-run counts: stored + dead = fetched; stored = the warehouse's rows of
  # the run's day; their sum = the warehouse's.
  local bad_counts=0 rows_total sum_stored sum_dead
  "$CASS_SH" cqlsh "SELECT valid_date FROM $KS.warnings_by_region" | sort | uniq -c | awk '{print $2 "|" $1}' >"$T/wh.days"
  pq "SELECT window_from || '|' || stored FROM run ORDER BY window_from" >"$T/runs.days"
  check "per run: stored = the warehouse's rows of its day" "$(cat "$T/wh.days")" "$(cat "$T/runs.days")"
  bad_counts=$(pq "SELECT count(*) FROM run WHERE stored + dead <> fetched")
  check "per run: stored + dead-lettered = fetched" 0 "$bad_counts"
  rows_total=$("$CASS_SH" cqlsh "SELECT region_id FROM $KS.warnings_by_region" | wc -l)
  sum_stored=$(pq "SELECT sum(stored) FROM run")
  sum_dead=$(pq "SELECT sum(dead) FROM run")
  check "per-run counts sum to the warehouse's" "$rows_total" "$sum_stored"

  # An uninterrupted reference: the same days by one `skred run` each range,
  # embedded ledger and bus, its own keyspace.
  local KSREF="${KS}_ref" d
  for d in "40 37" "25 0"; do
    # shellcheck disable=SC2086 # split "40 37" into $1 $2 on purpose
    set -- $d
    SKRED_LEDGER=sqlite SKRED_BUS=sqlite SKRED_DATA_DIR="$T/ref" SKRED_CASSANDRA_KEYSPACE=$KSREF \
      "$SKRED" run --from "$(date -u -d "@$(( (day0 - $1) * 86400 ))" +%F)" \
      --to "$(date -u -d "@$(( (day0 - $2) * 86400 ))" +%F)" >/dev/null 2>"$T/ref.err" ||
      fail "reference run: $(tail -3 "$T/ref.err")"
  done
  cdump >"$T/ha.dump"
  KS=$KSREF cdump >"$T/ref.dump"
  check "warehouse equals the uninterrupted reference ($(wc -l <"$T/ref.dump") lines)" \
    "$(sha256sum <"$T/ref.dump")" "$(sha256sum <"$T/ha.dump")"
  # Dead letters: every bad record once per fetch of its window (the
  # reference's), and how many were written more than once.
  local dl_ref dl_keys dl_all dl_dup
  dl_ref=$(sq "$T/ref/bus.db" "SELECT count(*) FROM message WHERE topic = '${SKRED_BUS_TOPIC_DLQ:-skred.dlq}'")
  if [ "${SKRED_BUS:-sqlite}" = kafka ]; then
    kcat -b "$SKRED_KAFKA_BROKERS" -C -t "$SKRED_BUS_TOPIC_DLQ" -e -q -f '%k\n' 2>/dev/null | grep . >"$T/dl.keys" || true
    dl_dup=$(sort "$T/dl.keys" | uniq -d | wc -l)
  else
    # Each daemon has its own bus: a record dead-lettered by two daemons
    # (a run taken over) is in two logs, but never twice in one.
    dl_dup=0
    for i in $(seq 1 "$daemons"); do
      sq "$T/d$i/bus.db" "SELECT CAST(key AS TEXT) FROM message WHERE topic = '${SKRED_BUS_TOPIC_DLQ:-skred.dlq}'" >"$T/dl.$i"
      dl_dup=$((dl_dup + $(sort "$T/dl.$i" | uniq -d | wc -l)))
    done
    cat "$T"/dl.[0-9]* >"$T/dl.keys"
  fi
  dl_all=$(wc -l <"$T/dl.keys")
  dl_keys=$(sort -u "$T/dl.keys" | wc -l)
  check "every bad record dead-lettered (distinct keys = the reference's)" "$dl_ref" "$dl_keys"
  check "no dead letter written twice to one bus" 0 "$dl_dup"
  "$CASS_SH" cqlsh "DROP KEYSPACE $KSREF" >/dev/null 2>&1 || true

  echo "FIGURES bus=${SKRED_BUS:-sqlite} store=cassandra ledger=postgres daemons=$daemons intervals=$intervals" \
    "kills=$kills (mid-run $midrun) pg_restarts=$pg_restarts successes_per_interval=1 (runs with !=1: $((intervals - once)))" \
    "duplicated_attempts=$((dup_success + overlap + dup_starts + refused)) attempts=$attempts interrupted=$interrupted" \
    "daemons_with_successes=$owners rows=$rows_total sum_stored=$sum_stored sum_dead=$sum_dead" \
    "dead_letters=$dl_all distinct=$dl_keys duplicated_dead_letters=$dl_dup"
}
