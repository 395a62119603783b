#!/usr/bin/env bash
# Every fault the simulator injects: the run retries, then succeeds or fails
# clearly; nothing already stored is lost; bad records are dead-lettered.
. "$(dirname "$0")/lib.sh"

# shellcheck disable=SC2054 # 3010,3011,3019 is one argument
RANGE=(--regions 3010,3011,3019 --lang both --from 2024-02-01 --to 2024-02-05)
EXPECT=30  # 3 regions x 2 languages x 5 days

run_case() { # name, sim flags...
  local name=$1; shift
  export SKRED_DATA_DIR="$T/$name"
  start_sim --seed 3 "$@"
  local rc=0
  "$SKRED" run "${RANGE[@]}" >"$T/$name.out" 2>"$T/$name.err" || rc=$?
  check "$name: run succeeds after retries" 0 "$rc"
  check "$name: every warning stored" "$EXPECT" "$(wh "SELECT COUNT(*) FROM avalanche_warning")"
  local retries
  retries=$(grep -o '[0-9]* retries' "$T/$name.out" | cut -d' ' -f1)
  [ "${retries:-0}" -gt 0 ] && ok "$name: retried ($retries)" || fail "$name: no retries seen: $(cat "$T/$name.out")"
}

run_case http500 --fail-first 2:500
run_case http503 --fail-first 2:503 --retry-after 1
run_case http429 --fail-first 1:429 --retry-after 1
run_case truncated --fail-first 2:truncate
run_case malformed --fail-first 2:malformed
run_case reset --fail-first 1:reset
run_case random --fault-rate 0.4 --fault-kinds 500,503,429,truncate,malformed,reset

# Retry-After is honoured: one 429 with Retry-After 1 s costs at least 1 s.
export SKRED_DATA_DIR="$T/retry_after"
start_sim --fail-first 1:429 --retry-after 1
t0=$(date +%s%N)
"$SKRED" fetch --regions 3011 --from 2024-02-01 --to 2024-02-01 >/dev/null
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
[ "$ms" -ge 950 ] && ok "Retry-After honoured (${ms} ms)" || fail "Retry-After ignored (${ms} ms)"

# A slow answer past the request timeout is retried.
export SKRED_DATA_DIR="$T/slow"
start_sim --fail-first 1:slow --slow-ms 3000
rc=0; "$SKRED" run "${RANGE[@]}" --set fetch.timeout_ms=800 >"$T/slow.out" 2>&1 || rc=$?
check "slow: run succeeds after a timeout" 0 "$rc"
check "slow: every warning stored" "$EXPECT" "$(wh "SELECT COUNT(*) FROM avalanche_warning")"

# Unknown fields are accepted.
export SKRED_DATA_DIR="$T/unknown"
start_sim --fault-rate 1.0 --fault-kinds unknown
check_cmd "unknown fields: run succeeds" "$SKRED" run "${RANGE[@]}" -q
check "unknown fields: every warning stored" "$EXPECT" "$(wh "SELECT COUNT(*) FROM avalanche_warning")"

# A region that keeps failing: the run fails naming it; the others and
# everything stored before stay.
export SKRED_DATA_DIR="$T/permanent"
start_sim --seed 3
"$SKRED" run "${RANGE[@]}" -q >/dev/null
before=$(wh "SELECT COUNT(*) FROM avalanche_warning WHERE region_id=3011")
start_sim --seed 3 --revision 1 --fail-region 3011:500
rc=0; "$SKRED" run "${RANGE[@]}" --set fetch.attempts=3 >"$T/perm.out" 2>"$T/perm.err" || rc=$?
check "permanent failure: exit 1" 1 "$rc"
grep -q "region 3011 lang 1 2024-02-01..2024-02-05" "$T/perm.err" && ok "error names region, language and dates" || fail "error message: $(cat "$T/perm.err")"
grep -q "after 3 attempts" "$T/perm.err" && ok "error says how often it tried" || fail "no attempt count: $(cat "$T/perm.err")"
check "permanent failure: region 3011 rows kept" "$before" "$(wh "SELECT COUNT(*) FROM avalanche_warning WHERE region_id=3011")"
upd=$(grep -o '[0-9]* updated' "$T/perm.out" | cut -d' ' -f1)
[ "${upd:-0}" -ge 0 ] && ok "other regions still processed" || fail "other regions not processed"
check "permanent failure: other regions complete" 20 "$(wh "SELECT COUNT(*) FROM avalanche_warning WHERE region_id<>3011")"

# A 4xx is not retried.
export SKRED_DATA_DIR="$T/notfound"
start_sim
rc=0; "$SKRED" fetch --regions 3011 --from 2024-02-01 --to 2024-02-01 --set varsom_url="$SIM_BASE/wrong/api" >"$T/nf.out" 2>"$T/nf.err" || rc=$?
check "404: exit 1" 1 "$rc"
grep -q "HTTP 404" "$T/nf.err" && ok "404 reported" || fail "404 message: $(cat "$T/nf.err")"
grep -q " 1 requests, 0 retries" "$T/nf.out" && ok "404 not retried" || fail "404 retried: $(cat "$T/nf.out")"

# No server at all: fails after retries with a clear message.
export SKRED_DATA_DIR="$T/refused"
stop_sim
rc=0; "$SKRED" fetch --regions 3011 --from 2024-02-01 --to 2024-02-01 --set fetch.attempts=2 --set varsom_url="http://127.0.0.1:9/api" >/dev/null 2>"$T/ref.err" || rc=$?
check "connection refused: exit 1" 1 "$rc"
grep -qi "connect" "$T/ref.err" && ok "connection failure reported" || fail "message: $(cat "$T/ref.err")"

# Bad records go to the dead-letter topic with the reason; the rest is stored.
export SKRED_DATA_DIR="$T/bad"
start_sim --seed 5 --bad-rate 0.2
rc=0; "$SKRED" run --regions all --lang nb --from 2024-01-01 --to 2024-01-10 >"$T/bad.out" 2>"$T/bad.err" || rc=$?
check "bad records: run still succeeds" 0 "$rc"
dead=$(bus "SELECT COUNT(*) FROM message WHERE topic='skred.dlq'")
stored=$(wh "SELECT COUNT(*) FROM avalanche_warning")
[ "$dead" -gt 20 ] && ok "bad records dead-lettered ($dead)" || fail "dead letters: $dead"
check "nothing vanished: stored + dead = fetched" 460 "$((dead + stored))"
grep -q "$dead dead-lettered" "$T/bad.out" && ok "dead-letter count reported" || fail "count not reported: $(cat "$T/bad.out")"
"$SKRED" dlq --limit 1000 >"$T/dlq.txt"
check "skred dlq lists them" "$dead" "$(wc -l <"$T/dlq.txt")"
grep -q "DangerLevel" "$T/dlq.txt" && ok "reasons name the field" || fail "reasons: $(head -3 "$T/dlq.txt")"
"$SKRED" dlq --format jsonl --limit 1 >"$T/dlq.jsonl"
python3 - "$T/dlq.jsonl" <<'PY' && ok "dead letter keeps payload, reason and source offset" || fail "dlq jsonl"
import json, sys
d = json.loads(open(sys.argv[1]).readline())
assert d["reason"] and d["payload"] and d["source_offset"].isdigit() and d["source_topic"] == "avalanche_region_warning", d
PY
finish
