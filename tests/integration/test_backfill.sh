#!/usr/bin/env bash
# skred backfill: a whole season, all regions, both languages, against
# varsom-sim with injected faults, interrupted with kill -9 and resumed,
# ends with exactly the warehouse of an uninterrupted backfill; dry run;
# modes; progress lines when not a terminal.
. "$(dirname "$0")/lib.sh"
export SKRED_SCHED_RETRY_BASE_MS=100 SKRED_SCHED_RETRY_CAP_MS=500
SEASON=(--regions all --lang both --from 2023-12-01 --to 2024-05-31)
L() { sq "$SKRED_DATA_DIR/ledger.db" "$1"; }

# Reference: uninterrupted, no faults.
start_sim --seed 17
export SKRED_DATA_DIR="$T/ref"
"$SKRED" backfill "${SEASON[@]}" --concurrency 2 >"$T/ref.out" 2>"$T/ref.err"
cat "$T/ref.out"
check "reference: 7 runs, all succeeded" "7|7" "$(L "SELECT COUNT(*), SUM(state='success') FROM run")"
check "reference: a season of every region and language" $((46 * 2 * 183)) "$(wh "SELECT COUNT(*) FROM avalanche_warning")"
grep -q "backfill: 7/7 run" "$T/ref.err" && ok "plain progress lines when not a terminal" || fail "progress: $(head -3 "$T/ref.err")"

# Dry run: the plan, nothing recorded.
export SKRED_DATA_DIR="$T/dry"
"$SKRED" backfill "${SEASON[@]}" --dry-run >"$T/dry.out"
check "dry run plans 7 runs" "backfill plan: 7 run(s) to do, 0 skipped (mode missing)" "$(tail -1 "$T/dry.out")"
[ ! -e "$T/dry/warehouse.db" ] && ok "dry run fetches nothing" || fail "dry run wrote a warehouse"

# With faults, killed mid-way, resumed.
start_sim --seed 17 --fault-rate 0.2 --fault-kinds 500,503,429,truncate,malformed
export SKRED_DATA_DIR="$T/crash"
# A short lease: the killed backfill's claims expire soon after the kill.
export SKRED_SCHED_LEASE_MS=2000
"$SKRED" backfill "${SEASON[@]}" --concurrency 2 >/dev/null 2>"$T/c1.err" &
b=$!
for _ in $(seq 300); do [ "$(L "SELECT COUNT(*) FROM run WHERE state='success'" 2>/dev/null || echo 0)" -ge 2 ] && break; sleep 0.1; done
kill -9 "$b"; wait "$b" 2>/dev/null || true
sleep 2.5 # until its leases have run out
done1=$(L "SELECT COUNT(*) FROM run WHERE state='success'")
[ "$done1" -lt 7 ] && ok "killed mid-backfill ($done1 of 7 runs done)" || fail "backfill finished before the kill"
"$SKRED" backfill "${SEASON[@]}" --concurrency 2 >"$T/c2.out" 2>"$T/c2.err" || fail "resume failed: $(tail -2 "$T/c2.err")"
cat "$T/c2.out"
grep -q "already done" "$T/c2.err" && ok "resume skips what was done" || fail "$(head -2 "$T/c2.err")"
check "resumed: all 7 runs succeeded" 7 "$(L "SELECT COUNT(*) FROM run WHERE state='success'")"
retried=$(L "SELECT COUNT(*) FROM attempt WHERE state <> 'success'")
echo "# attempts that did not succeed (faults, the kill): $retried"
check "exactly the reference warehouse" "$(dump_warehouse "$T/ref/warehouse.db" | sha256sum)" "$(dump_warehouse "$T/crash/warehouse.db" | sha256sum)"

# Modes: nothing missing now; --mode all does everything again, changing nothing.
"$SKRED" backfill "${SEASON[@]}" >"$T/m.out" 2>&1
grep -q "0 run(s): 0 succeeded" "$T/m.out" && ok "mode missing: nothing left to do" || fail "$(cat "$T/m.out")"
start_sim --seed 17
"$SKRED" backfill --regions 3011 --lang nb --from 2024-01-01 --to 2024-01-31 --mode all >"$T/a.out" 2>&1
grep -q "2 run(s): 2 succeeded" "$T/a.out" && ok "mode all reruns" || fail "$(cat "$T/a.out")"
check "and the warehouse is unchanged" "$(dump_warehouse "$T/ref/warehouse.db" | sha256sum)" "$(dump_warehouse "$T/crash/warehouse.db" | sha256sum)"

# On a terminal: a progress bar with done/total, rate and ETA.
export SKRED_DATA_DIR="$T/tty"
if command -v script >/dev/null; then
  script -qec "\"$SKRED\" backfill --regions 3011 --lang nb --from 2024-01-01 --to 2024-03-31" /dev/null >"$T/tty.out" 2>&1 || true
  grep -q '\[#*\.*\] 4/4 runs .*runs/min  ETA' "$T/tty.out" && ok "progress bar on a terminal" || fail "tty: $(tr '\r' '\n' <"$T/tty.out" | tail -3)"
else
  fail "script(1) missing: cannot test the terminal progress bar"
fi
finish
