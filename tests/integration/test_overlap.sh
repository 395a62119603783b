#!/usr/bin/env bash
# Fetch and processing overlapped: `skred run` stores warnings while its
# fetch is still asking for more; a backfill fetches run N+1 while run N is
# processed, and never further ahead; both end with the warehouse of a
# plain fetch followed by a process; a backfill killed -9 while one run is
# processed and the next fetched, then resumed, ends with it too.
. "$(dirname "$0")/lib.sh"
export SKRED_FETCH_MIN_INTERVAL_MS=0
L() { sq "$SKRED_DATA_DIR/ledger.db" "$1"; }
requests() { sim_get /_sim/stats | python3 -c 'import json,sys; print(json.load(sys.stdin)["requests"])'; }

# Reference: fetch, then process, of the whole range.
start_sim --seed 5
export SKRED_DATA_DIR="$T/ref"
"$SKRED" fetch --regions all --lang nb --from 2024-01-01 --to 2024-03-10 -q >/dev/null
"$SKRED" process -q >/dev/null
ref=$(dump_warehouse "$T/ref/warehouse.db" | sha256sum)

# 1. skred run: one request at a time, each answered after 100 ms, so the
# fetch of 46 chunks takes seconds; rows must appear before it has asked
# for them all.
start_sim --seed 5 --latency-ms 100
export SKRED_DATA_DIR="$T/run"
"$SKRED" run --regions all --lang nb --from 2024-01-01 --to 2024-01-10 --set fetch.concurrency=1 >"$T/run.out" 2>"$T/run.err" &
pid=$!
early=""
while kill -0 "$pid" 2>/dev/null; do
  n=$(requests)
  rows=$(wh "SELECT COUNT(*) FROM avalanche_warning" 2>/dev/null || echo 0)
  if [ "${rows:-0}" -gt 0 ] && [ "$n" -lt 46 ]; then early="$rows rows stored after $n of 46 requests"; break; fi
  sleep 0.05
done
wait "$pid" && ok "run exits 0" || fail "run failed: $(tail -2 "$T/run.err")"
[ -n "$early" ] && ok "run processes while it fetches ($early)" || fail "nothing stored before the fetch ended"
cat "$T/run.out"
grep -q "^fetch: 460 warnings" "$T/run.out" && grep -q "^process: 460 messages: 460 inserted" "$T/run.out" \
  && ok "run prints the fetch, then the process" || fail "output: $(cat "$T/run.out")"
check "run: every warning stored" 460 "$(wh "SELECT COUNT(*) FROM avalanche_warning")"
check "run: offsets committed to the end" 460 "$(bus "SELECT next_seq FROM consumer_offset")"

# 2. backfill: 7 runs of 10 days; each fetch takes about half a second.
start_sim --seed 5 --latency-ms 40
export SKRED_DATA_DIR="$T/bf"
BF=(--regions all --lang nb --from 2024-01-01 --to 2024-03-10 --set sched.backfill_days=10)
"$SKRED" backfill "${BF[@]}" >"$T/bf.out" 2>"$T/bf.err" || fail "backfill failed: $(tail -2 "$T/bf.err")"
check "backfill: 7 runs, each succeeded at its first attempt" "7|7|7" "$(L "SELECT COUNT(*), SUM(state='success'), SUM(attempts=1) FROM run")"
check "backfill: exactly the reference warehouse" "$ref" "$(dump_warehouse "$T/bf/warehouse.db" | sha256sum)"
check "backfill: runs' stored counts sum to the warehouse's rows" "$(wh "SELECT COUNT(*) FROM avalanche_warning")" "$(L "SELECT SUM(stored) FROM run")"
# The runs in the order their fetches started (two threads claim runs at
# once, so that need not be the order of their ids): k, fetch start and
# end, process start and end, attempt end (scheduler clock, ms).
L "SELECT f.start_ms, f.end_ms, p.start_ms, p.end_ms, a.end_ms FROM task f JOIN task p ON p.run_id = f.run_id AND p.name = 'process' JOIN attempt a ON a.run_id = f.run_id WHERE f.name = 'fetch' ORDER BY f.start_ms, f.run_id" | tr '|' ' ' >"$T/order"
read -r fs1 fe1 ps1 _ <"$T/order"
[ "$ps1" -lt "$fe1" ] && ok "the first run is processed while it is fetched" || fail "first run: process started $ps1, fetch ended $fe1 (fetch started $fs1)"
mapfile -t R <"$T/order"
ahead=0 beyond=0 late=0
for k in 0 1 2 3 4 5 6; do
  read -r _ _ _ pe ae <<<"${R[$k]}"
  [ "$ae" -ge "$pe" ] || late=$((late + 1))
  [ "$k" -le 5 ] && { read -r fs _ <<<"${R[$((k + 1))]}"; [ "$fs" -lt "$pe" ] && ahead=$((ahead + 1)); }
  [ "$k" -le 4 ] && { read -r fs _ <<<"${R[$((k + 2))]}"; [ "$fs" -lt "$pe" ] && beyond=$((beyond + 1)); }
done
echo "# runs whose successor was fetched while they were processed: $ahead of 6"
[ "$ahead" -gt 0 ] && ok "run N+1 fetched while run N is processed ($ahead of 6)" || fail "no fetch overlapped the processing before it"
check "no run fetched while the run two before it was processed" 0 "$beyond"
check "no run ended before its processing" 0 "$late"
check "tasks of every run: fetch, process, checks, all success" 7 "$(L "SELECT COUNT(*) FROM (SELECT run_id, group_concat(name || ':' || state, ' ') AS t FROM (SELECT * FROM task ORDER BY run_id, seq) GROUP BY run_id) WHERE t = 'fetch:success process:success checks:success'")"

# 3. kill -9 while one run is processed and the next fetched, then resume.
export SKRED_DATA_DIR="$T/crash" SKRED_SCHED_LEASE_MS=2000
"$SKRED" backfill "${BF[@]}" >/dev/null 2>"$T/c1.err" &
pid=$!
two=0
for _ in $(seq 400); do
  [ "$(L "SELECT COUNT(*) FROM run WHERE state='running'" 2>/dev/null || echo 0)" -ge 2 ] && [ "$(L "SELECT COUNT(*) FROM run WHERE state='success'" 2>/dev/null || echo 0)" -ge 1 ] && { two=1; break; }
  sleep 0.02
done
kill -9 "$pid"; wait "$pid" 2>/dev/null || true
[ "$two" = 1 ] && ok "killed with two runs in flight" || fail "never saw two runs in flight"
cut=$(L "SELECT COUNT(*) FROM run WHERE state='running'")
sleep 2.5 # until its leases have run out
"$SKRED" backfill "${BF[@]}" >"$T/c2.out" 2>"$T/c2.err" || fail "resume failed: $(tail -2 "$T/c2.err")"
check "resumed: all 7 runs succeeded" 7 "$(L "SELECT COUNT(*) FROM run WHERE state='success'")"
check "resumed: the $cut cut-off attempts recorded as interrupted" "$cut" "$(L "SELECT COUNT(*) FROM attempt WHERE state='interrupted'")"
check "resumed: exactly the reference warehouse" "$ref" "$(dump_warehouse "$T/crash/warehouse.db" | sha256sum)"
check "resumed: offsets committed to the end" "$(bus "SELECT COUNT(*) FROM message WHERE topic='avalanche_region_warning'")" "$(bus "SELECT next_seq FROM consumer_offset")"
finish
