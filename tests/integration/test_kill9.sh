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
committed() { bus "SELECT COALESCE(MAX(next_seq),0) FROM consumer_offset" 2>/dev/null || echo 0; }
kills=0
midway=0
for pause in 0.05 0.2 0.35; do
  start=$(committed)
  [ "$start" -ge "$total" ] && break
  "$SKRED" process -q --batch-size 1500 >/dev/null 2>&1 &
  pid=$!
  # Wait for the first committed batch of this run, then kill inside the next.
  for _ in $(seq 400); do
    [ "$(committed)" -gt "$start" ] && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.01
  done
  sleep "$pause"
  if kill -9 "$pid" 2>/dev/null; then
    kills=$((kills + 1))
    wait "$pid" 2>/dev/null || true
    c=$(committed)
    echo "# killed after ${pause}s past a commit: committed offset $c of $total"
    [ "$c" -lt "$total" ] && midway=$((midway + 1))
  else
    wait "$pid" 2>/dev/null || true
  fi
done
[ "$midway" -gt 0 ] && ok "killed skred process mid-run $midway times" || fail "never killed mid-run (kills=$kills)"
"$SKRED" process -q >/dev/null
check "offsets end at the end after the re-run" "$total" "$(bus "SELECT next_seq FROM consumer_offset")"
check "warehouse equals the clean run's" "$(dump_warehouse "$T/clean/warehouse.db" | sha256sum)" "$(dump_warehouse "$T/crash/warehouse.db" | sha256sum)"
finish
