#!/usr/bin/env bash
# A run's records stored by another consumer are credited to the run once
# each, whenever that consumer dies: `skred backfill` (one run) is killed
# before its first commit (its records stay on the bus, its attempt open); `skred process`
# then takes them over and is killed right before a commit (the batch was
# credited, its offsets not committed: the next one consumes it again)
# and right after one (credited and committed); a last `skred process`
# takes the rest. The attempt's counts are then exactly the warehouse's.
# (kill -9 at exact points: SKRED_CRASH_AT, core/signals.h.)
. "$(dirname "$0")/lib.sh"
L() { sq "$SKRED_DATA_DIR/ledger.db" "$1"; }
start_sim --seed 31
export SKRED_SCHED_BACKFILL_DAYS=30 # one run
W=(--regions "3011,3014,3022" --lang both --from 2024-01-01 --to 2024-01-09)

crash() { # point, command...: expect a SIGKILL at point
  local at=$1 rc=0
  shift
  SKRED_CRASH_AT=$at "$SKRED" "$@" >"$T/$1.$at.out" 2>"$T/$1.$at.err" || rc=$?
  check "killed at $at ($*)" 137 "$rc"
}
crash process.before_commit backfill "${W[@]}" -q
fetched=$(bus "SELECT COUNT(*) FROM message WHERE topic = 'avalanche_region_warning'")
[ "$fetched" -gt 20 ] && ok "the killed run left $fetched records on the bus" || fail "bus has $fetched records"
check "its attempt is open, nothing credited" "running|0|0" "$(L "SELECT state, stored, dead FROM attempt")"

crash process.before_commit process -q --batch-size 8
check "credited before the commit: the first batch" "8" "$(L "SELECT stored + dead FROM attempt")"
crash process.after_commit process -q --batch-size 8
check "the batch consumed again is not counted again" "8" "$(L "SELECT stored + dead FROM attempt")"
"$SKRED" process -q --batch-size 8 >"$T/rest.out" 2>"$T/rest.err" || fail "process: $(tail -2 "$T/rest.err")"

rows=$(wh "SELECT COUNT(*) FROM avalanche_warning")
dead=$(bus "SELECT COUNT(*) FROM message WHERE topic = 'avalanche_warning_dlq'")
check "stored + dead-lettered = the records the run fetched" "$fetched" "$(L "SELECT stored + dead FROM attempt")"
check "the attempt's stored count = the warehouse's rows" "$rows" "$(L "SELECT stored FROM attempt")"
check "and its dead count = the dead letters" "$dead" "$(L "SELECT dead FROM attempt")"
check "the run's counts are its attempt's" "$(L "SELECT stored || '|' || dead FROM attempt")" "$(L "SELECT stored || '|' || dead FROM run")"
finish
