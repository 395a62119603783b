#!/usr/bin/env bash
# A run's records stored by another consumer are credited to the run once
# each, whenever that consumer dies: `skred backfill` (one run) is killed
# before its first commit (its records stay on the bus, its attempt open); `skred process`
# then takes them over and is killed right before a commit (the batch was
# credited, its offsets not committed: the next one consumes it again)
# and right after one (credited and committed); a last `skred process`
# takes the rest, once the ledger has refused its credits (the batch is
# not committed) and `process --follow` has waited that outage out. The
# attempt's counts are then exactly the warehouse's. (kill -9 and
# failures at exact points: SKRED_CRASH_AT, SKRED_FAIL_AT, core/signals.h.)
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
# The ledger refuses a credit (SKRED_FAIL_AT=ledger.credit: as if it were
# down): the batch fails, its offsets stay uncommitted, nothing is lost.
committed() { bus "SELECT COALESCE(MAX(next_seq), 0) FROM consumer_offset"; }
before=$(committed)
rc=0
SKRED_FAIL_AT=ledger.credit "$SKRED" process -q --batch-size 8 >"$T/refused.out" 2>"$T/refused.err" || rc=$?
check "a credit the ledger refuses fails process (exit 1)" 1 "$rc"
grep -q "crediting 8 stored records to their runs" "$T/refused.err" && ok "and says so" || fail "refused: $(tail -3 "$T/refused.err")"
check "the batch's offsets are not committed" "$before" "$(committed)"
check "nothing more credited" "8" "$(L "SELECT stored + dead FROM attempt")"
# A ledger that cannot be opened: nothing is consumed without it (a
# single pass fails; --follow waits, here until outage.max_wait_ms).
rc=0
SKRED_FAIL_AT=ledger.open "$SKRED" process -q >"$T/noledger.out" 2>"$T/noledger.err" || rc=$?
check "no ledger: process fails (exit 1)" 1 "$rc"
grep -q "ledger (sqlite): cannot open the ledger" "$T/noledger.err" && ok "and names the ledger" || fail "no ledger: $(tail -3 "$T/noledger.err")"
rc=0
SKRED_FAIL_AT=ledger.open SKRED_OUTAGE_BACKOFF_BASE_MS=50 SKRED_OUTAGE_MAX_WAIT_MS=400 "$SKRED" process --follow >"$T/noledger.out" 2>"$T/noledger.err" || rc=$?
check "no ledger: process --follow waits, then gives up at outage.max_wait_ms (exit 1)" 1 "$rc"
grep -q "outage: ledger (sqlite) unavailable, waiting for it" "$T/noledger.err" && grep -q "gave up after outage.max_wait_ms=400" "$T/noledger.err" && ok "it waited for the ledger" || fail "no ledger, follow: $(tail -3 "$T/noledger.err")"
check "no ledger: nothing consumed" "$before" "$(committed)"
check "no ledger: nothing credited" "8" "$(L "SELECT stored + dead FROM attempt")"
# process --follow waits the ledger's outage out (outage.*), then credits
# and commits the batch it holds.
SKRED_FAIL_AT=ledger.credit:2 SKRED_OUTAGE_BACKOFF_BASE_MS=50 "$SKRED" process --follow --batch-size 8 >"$T/follow.out" 2>"$T/follow.err" &
fpid=$!
for _ in $(seq 300); do
  [ "$(L "SELECT stored + dead FROM attempt")" = "$fetched" ] && break
  sleep 0.1
done
kill -TERM "$fpid"
wait "$fpid" || fail "process --follow: $(tail -3 "$T/follow.err")"
check "process --follow failed twice at the credit" 2 "$(grep -c "SKRED_FAIL_AT=ledger.credit:2: failing here" "$T/follow.err")"
grep -q "outage: ledger (sqlite) unavailable, waiting for it" "$T/follow.err" && ok "it waited the ledger's outage out" || fail "follow: $(tail -5 "$T/follow.err")"

rows=$(wh "SELECT COUNT(*) FROM avalanche_warning")
dead=$(bus "SELECT COUNT(*) FROM message WHERE topic = 'avalanche_warning_dlq'")
check "stored + dead-lettered = the records the run fetched" "$fetched" "$(L "SELECT stored + dead FROM attempt")"
check "the attempt's stored count = the warehouse's rows" "$rows" "$(L "SELECT stored FROM attempt")"
check "and its dead count = the dead letters" "$dead" "$(L "SELECT dead FROM attempt")"
check "the run's counts are its attempt's" "$(L "SELECT stored || '|' || dead FROM attempt")" "$(L "SELECT stored || '|' || dead FROM run")"
finish
