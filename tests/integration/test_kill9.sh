#!/usr/bin/env bash
# kill -9 of `skred process` in the middle of a large batch, then a re-run:
# the warehouse equals a clean run's, the dead letters are the clean run's
# (each once), and the offsets end at the end.
. "$(dirname "$0")/lib.sh"
start_sim --seed 11 --revision 1 --bad-rate 0.02

# Fetch once; both warehouses are built from copies of the same bus log.
export SKRED_DATA_DIR="$T/clean"
"$SKRED" fetch --regions all --lang both --from 2023-12-01 --to 2024-02-29 -q >/dev/null
total=$(bus "SELECT COUNT(*) FROM message")
mkdir -p "$T/crash"
sqlite3 "$T/clean/bus.db" ".backup '$T/crash/bus.db'"

"$SKRED" process -q >/dev/null 2>&1
dead=$(bus "SELECT COUNT(*) FROM message WHERE topic='skred.dlq'")
check "clean run stored or dead-lettered every message" "$total" "$(( $(wh "SELECT COUNT(*) FROM avalanche_warning") + dead ))"
[ "$dead" -gt 0 ] && ok "clean run dead-lettered $dead bad records" || fail "no dead letters to compare"

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
"$SKRED" process -q >/dev/null 2>&1
check "offsets end at the end after the re-run" "$total" "$(bus "SELECT next_seq FROM consumer_offset")"
check "warehouse equals the clean run's" "$(dump_warehouse "$T/clean/warehouse.db" | sha256sum)" "$(dump_warehouse "$T/crash/warehouse.db" | sha256sum)"
# The dead-letter set: (key, reason, payload hash) of every dead letter.
dead_set() { "$SKRED" dlq --data-dir "$1" --format jsonl --limit 100000 | python3 -c '
import hashlib, json, sys
for l in sys.stdin:
    d = json.loads(l)
    h = hashlib.sha256(d["payload"].encode()).hexdigest()[:16]
    print(d["key"], h, d["reason"], sep="\t")' | sort; }
crash_n=$(bus "SELECT COUNT(*) FROM message WHERE topic='skred.dlq'")
crash_distinct=$(dead_set "$T/crash" | uniq | wc -l)
echo "# dead letters: reference $dead, after $kills kills $crash_n appended, $crash_distinct distinct, duplicated $((crash_n - crash_distinct))"
check "duplicated dead letters" 0 "$((crash_n - crash_distinct))"
check "dead-letter set equals the clean run's" "$(dead_set "$T/clean" | sha256sum)" "$(dead_set "$T/crash" | sha256sum)"

# The two states a kill between the steps leaves, made exactly: (a) after
# the dead-letter append, before the offset commit: the replay of every
# batch must append nothing; (b) after the warehouse commit, before the
# dead-letter append: the replay must append them all, once.
bus "UPDATE consumer_offset SET next_seq = 0"
"$SKRED" process -q >/dev/null 2>&1
check "replay after the dead-letter append: nothing appended twice" "$dead" "$(bus "SELECT COUNT(*) FROM message WHERE topic='skred.dlq'")"
bus "DELETE FROM message WHERE topic='skred.dlq'; DELETE FROM message_dedup; UPDATE consumer_offset SET next_seq = 0"
"$SKRED" process -q >/dev/null 2>&1
check "replay before the dead-letter append: every dead letter back, once" "$dead" "$(bus "SELECT COUNT(*) FROM message WHERE topic='skred.dlq'")"
check "... the clean run's" "$(dead_set "$T/clean" | sha256sum)" "$(dead_set "$T/crash" | sha256sum)"
check "... and the warehouse unchanged" "$(dump_warehouse "$T/clean/warehouse.db" | sha256sum)" "$(dump_warehouse "$T/crash/warehouse.db" | sha256sum)"

# Trials: kill -9 of a backfill at a random moment (fetching, processing,
# between the warehouse commit, the dead-letter append and the offset
# commit), then resume it: the killed run is fetched and processed again,
# so every bad record of it is dead-lettered again. Each trial must end
# with the reference's dead letters, each once. KILL9_TRIALS sets how many.
start_sim --seed 11 --bad-rate 0.02
# A short lease (as in test_backfill.sh): the resumed backfill takes over
# the killed one's run once its lease has run out, 2 s after the kill
# rather than the default 60 s.
export SKRED_SCHED_LEASE_MS=2000
BF=(--regions A --lang both --from 2023-12-01 --to 2024-03-31 --set sched.backfill_days=10 -q)
export SKRED_DATA_DIR="$T/bref"
t0=$(date +%s.%N)
"$SKRED" backfill "${BF[@]}" >/dev/null 2>&1
# Kill moments are drawn within the reference's own duration (a faster
# build must still be killed mid-backfill).
dur=$(python3 -c "print(max(0.2, $(date +%s.%N) - $t0))")
ref=$(dead_set "$T/bref" | sha256sum)
trials=${KILL9_TRIALS:-4}
killed=0 dup_trials=0 dup_total=0 differ=0
for i in $(seq "$trials"); do
  export SKRED_DATA_DIR="$T/trial$i"
  "$SKRED" backfill "${BF[@]}" >/dev/null 2>&1 &
  pid=$!
  sleep "$(python3 -c "import random; print(round(random.uniform(0.05, 0.9) * $dur, 3))")"
  if kill -9 "$pid" 2>/dev/null; then killed=$((killed + 1)); fi
  wait "$pid" 2>/dev/null || true
  "$SKRED" backfill "${BF[@]}" >/dev/null 2>&1 || true
  n=$(bus "SELECT COUNT(*) FROM message WHERE topic='skred.dlq'")
  d=$(dead_set "$SKRED_DATA_DIR" | uniq | wc -l)
  [ "$n" -gt "$d" ] && dup_trials=$((dup_trials + 1))
  dup_total=$((dup_total + n - d))
  [ "$(dead_set "$SKRED_DATA_DIR" | sha256sum)" = "$ref" ] || differ=$((differ + 1))
  rm -rf "$SKRED_DATA_DIR"
done
echo "# backfill trials: $trials, killed mid-backfill $killed, with duplicated dead letters $dup_trials, duplicated dead letters $dup_total, dead-letter set differs $differ"
[ "$killed" -gt 0 ] && ok "killed a backfill $killed times" || fail "never killed a backfill"
check "trials with duplicated dead letters" 0 "$dup_trials"
check "trials whose dead letters differ from the reference" 0 "$differ"
finish
