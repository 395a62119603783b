#!/usr/bin/env bash
# The Pipeline page's API on the embedded bus (browse.c): the message
# browser's parameters and answers against the log's own rows (sqlite3),
# the rates sampled in memory, members (none here), and the replay's
# guards (token, cross-site Origin, method), selection and dry run; the
# season range of /api/v1/warehouse and the configured language in
# /api/v1/status.
. "$(dirname "$0")/lib.sh"
start_sim --seed 3 --bad-rate 0.1
"$SKRED" run --regions A --lang en --from 2024-01-01 --to 2024-01-05 -q >"$T/run.log" 2>&1 || true
stop_sim
start_serve SKRED_HTTP_TOKEN=s3cret SKRED_LANG=en
code() { curl -s -o "$T/body" -w '%{http_code}' "$@"; }
j() { python3 -c "import json,sys; d=json.load(open('$T/body')); $1"; }

check "status: the configured language" en "$(curl -sf "$H/api/v1/status" | python3 -c 'import json,sys; print(json.load(sys.stdin)["lang"])')"
check "warehouse: the stored date range" "2024-01-01 2024-01-05" "$(curl -sf "$H/api/v1/warehouse" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["first_date"], d["last_date"])')"

# Browser: what the log holds, by offset, by key, by time.
check "messages: 5 from offset 2" 200 "$(code "$H/api/v1/messages?topic=raw&offset=2&limit=5")"
check "messages: the log's rows 2..6" "$(bus "SELECT group_concat(seq || ' ' || CAST(key AS TEXT), ',') FROM (SELECT seq, key FROM message WHERE topic='avalanche_region_warning' AND seq >= 2 ORDER BY seq LIMIT 5)")" \
  "$(j 'print(",".join("%d %s" % (m["offset"], m["key"]) for m in d["messages"]))')"
check "messages: next_offset after the last" 7 "$(j 'print(d["next_offset"])')"
K=3011:2:2024-01-03
code "$H/api/v1/messages?topic=raw&key=$K" >/dev/null
check "messages by key: the log's rows with that key" "$(bus "SELECT COUNT(*) FROM message WHERE topic='avalanche_region_warning' AND CAST(key AS TEXT) LIKE '%$K%'")" "$(j 'print(sum(1 for m in d["messages"] if "'$K'" in m["key"]))')"
check "messages by key: nothing else" 0 "$(j 'print(sum(1 for m in d["messages"] if "'$K'" not in m["key"]))')"
code "$H/api/v1/messages?topic=dlq&from=2000-01-01T00:00:00.000Z&limit=500" >/dev/null
check "messages from a time: every dead letter" "$(bus "SELECT COUNT(*) FROM message WHERE topic='skred.dlq'")" "$(j 'print(d["count"])')"
check "messages: the clean topic by its alias (empty here)" 200 "$(code "$H/api/v1/messages?topic=clean")"
check "messages: by its configured name too" 200 "$(code "$H/api/v1/messages?topic=avalanche_region_warning&limit=1")"
check "messages: an unknown topic is 404" 404 "$(code "$H/api/v1/messages?topic=secret")"
for bad in "" "topic=raw&offset=-1" "topic=raw&offset=1&from=2024-01-01T00:00:00.000Z" "topic=raw&from=yesterday" \
           "topic=raw&partition=x" "topic=raw&limit=0" "topic=raw&limit=501" "topic=raw&other=1"; do
  check "messages?$bad: 400" 400 "$(code "$H/api/v1/messages?$bad")"
done

# Rates: sampled at start and every 5 s; members: none on the embedded bus.
check "rates: at least one sample" 1 "$(curl -sf "$H/api/v1/rates" | python3 -c 'import json,sys; print(min(1, len(json.load(sys.stdin)["samples"])))')"
check "rates: the raw topic's end offset as the log has it" "$(bus "SELECT MAX(seq) + 1 FROM message WHERE topic='avalanche_region_warning'")" \
  "$(curl -sf "$H/api/v1/rates" | python3 -c 'import json,sys; print(json.load(sys.stdin)["samples"][-1]["raw_end"])')"
check "members: null on the embedded bus" None "$(curl -sf "$H/api/v1/members" | python3 -c 'import json,sys; print(json.load(sys.stdin)["members"])')"

# Replay: guarded like every POST, and its parameters.
D=$(curl -sf "$H/api/v1/dlq?limit=1" | python3 -c 'import json,sys; x=json.load(sys.stdin)["dead_letters"][0]; print("%d:%d" % (x["partition"], x["offset"]))')
check "replay without the token: 401" 401 "$(code -X POST "$H/api/v1/dlq/replay?offsets=$D&dry_run=1")"
A=(-H "Authorization: Bearer s3cret")
check "replay from another site: 403" 403 "$(code -X POST "${A[@]}" -H 'Origin: https://evil.example' "$H/api/v1/dlq/replay?offsets=$D")"
check "replay by GET: 405" 405 "$(code "$H/api/v1/dlq/replay?offsets=$D")"
for bad in "" "offsets=1&reason=x" "offsets=" "offsets=1,,2" "offsets=a" "offsets=1:2:3" "offsets=,1" "offsets=1&dry_run=yes"; do
  check "replay?$bad: 400" 400 "$(code -X POST "${A[@]}" "$H/api/v1/dlq/replay?$bad")"
done
check "replay of a letter that is not there: 404" 404 "$(code -X POST "${A[@]}" "$H/api/v1/dlq/replay?offsets=0:999999")"
runs0=$(sq "$SKRED_DATA_DIR/ledger.db" "SELECT COUNT(*) FROM run")
check "dry run: 200" 200 "$(code -X POST "${A[@]}" "$H/api/v1/dlq/replay?offsets=$D&dry_run=1")"
check "dry run: the simulator's bad record is still dead, with the reason" "dead 1" "$(j 'x=d["letters"][0]; print(x["outcome"], int(bool(x["detail"])))')"
check "dry run: no run recorded" "$runs0" "$(sq "$SKRED_DATA_DIR/ledger.db" "SELECT COUNT(*) FROM run")"
dl0=$(bus "SELECT COUNT(*) FROM message WHERE topic='skred.dlq'")
check "replay: 201" 201 "$(code -X POST "${A[@]}" "$H/api/v1/dlq/replay?offsets=$D")"
check "replay: dead again, not marked replayed" "dead" "$(j 'print(d["letters"][0]["outcome"])')"
check "replay: a run of job replay in the ledger with its counts" "replay|success|1|0|1" "$(sq "$SKRED_DATA_DIR/ledger.db" "SELECT job, state, fetched, stored, dead FROM run ORDER BY id DESC LIMIT 1")"
check "replay: the dead letter is not written twice" "$dl0" "$(bus "SELECT COUNT(*) FROM message WHERE topic='skred.dlq'")"
check "replay: no replayed mark for a letter still dead" 0 "$(sq "$SKRED_DATA_DIR/ledger.db" "SELECT COUNT(*) FROM meta WHERE key LIKE 'dlq.replayed.%'")"
stop_serve
finish
