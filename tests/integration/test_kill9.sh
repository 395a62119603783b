#!/usr/bin/env bash
# kill -9 of `skred process` in the middle of a large batch, then a re-run:
# the warehouse equals a clean run's, and the offsets end at the end.
. "$(dirname "$0")/lib.sh"
start_sim --seed 11 --revision 1

# Fetch once; both warehouses are built from copies of the same bus log.
export SKRED_DATA_DIR="$T/clean"
"$SKRED" fetch --regions all --lang both --from 2023-12-01 --to 2024-02-29 -q >/dev/null
total=$(bus "SELECT COUNT(*) FROM message")
mkdir -p "$T/crash"
sqlite3 "$T/clean/bus.db" ".backup '$T/crash/bus.db'"

"$SKRED" process -q >/dev/null
check "clean run stored every message" "$total" "$(wh "SELECT COUNT(*) FROM avalanche_warning")"

export SKRED_DATA_DIR="$T/crash"
kills=0
for delay in 0.4 0.9 1.5; do
  "$SKRED" process -q --batch-size 2000 >/dev/null 2>&1 &
  pid=$!
  sleep "$delay"
  if kill -9 "$pid" 2>/dev/null; then kills=$((kills + 1)); fi
  wait "$pid" 2>/dev/null || true
done
partial=$(wh "SELECT COUNT(*) FROM avalanche_warning" 2>/dev/null || echo 0)
committed=$(bus "SELECT COALESCE(MAX(next_seq),0) FROM consumer_offset")
[ "$kills" -gt 0 ] && ok "killed skred process $kills times mid-run (warehouse rows=$partial, committed offset=$committed of $total)" || fail "process finished before it could be killed"
"$SKRED" process -q >/dev/null
check "offsets end at the end after the re-run" "$total" "$(bus "SELECT next_seq FROM consumer_offset")"
check "warehouse equals the clean run's" "$(dump_warehouse "$T/clean/warehouse.db" | sha256sum)" "$(dump_warehouse "$T/crash/warehouse.db" | sha256sum)"
finish
