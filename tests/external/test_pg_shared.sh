#!/usr/bin/env bash
# Two `skred serve` daemons (separate data dirs) on one PostgreSQL ledger:
# pause, trigger, unpause and clear act for both whichever daemon's API (or
# the CLI) is used; both list both daemons alive in /api/v1/status; a
# daemon stopped with SIGTERM leaves the list; `skred runs show` and the API
# name the daemon that executed each attempt.
. "$(dirname "$0")/../integration/lib.sh"
. "$(dirname "$0")/lib_pg.sh"
export SKRED_REGIONS=A SKRED_LANG=nb SKRED_LOG_LEVEL=info
export SKRED_SCHED_LEASE_MS=3000
start_sim --seed 6
P1=$(free_port) P2=$(free_port)
H1="http://127.0.0.1:$P1" H2="http://127.0.0.1:$P2"
SKRED_DATA_DIR="$T/d1" SKRED_HTTP_ADDR="127.0.0.1:$P1" "$SKRED" serve >>"$T/d1.log" 2>&1 &
S1=$!
SKRED_DATA_DIR="$T/d2" SKRED_HTTP_ADDR="127.0.0.1:$P2" "$SKRED" serve >>"$T/d2.log" 2>&1 &
S2=$!
trap 'kill $S1 $S2 2>/dev/null || true; cleanup' EXIT
for _ in $(seq 100); do curl -sf "$H1/healthz" >/dev/null && curl -sf "$H2/healthz" >/dev/null && break; sleep 0.1; done
alive() { curl -sf "$1/api/v1/status" | python3 -c 'import json,sys; print(sum(1 for d in json.load(sys.stdin)["daemons"] if d["alive"] and d["role"] == "serve"))'; }
for _ in $(seq 50); do [ "$(alive "$H2")" = 2 ] && break; sleep 0.1; done
check "daemon 1 lists both daemons alive" 2 "$(alive "$H1")"
check "daemon 2 lists both daemons alive" 2 "$(alive "$H2")"
check "status names the ledger" postgres "$(curl -sf "$H1/api/v1/status" | python3 -c 'import json,sys; print(json.load(sys.stdin)["ledger"])')"

# Paused through daemon 1; a run triggered through daemon 2 waits.
check "pause through daemon 1" '{"paused":true}' "$(curl -sf -X POST "$H1/api/v1/pause")"
check "daemon 2 sees the pause" true "$(curl -sf "$H2/api/v1/status" | python3 -c 'import json,sys; print(str(json.load(sys.stdin)["paused"]).lower())')"
check "trigger through daemon 2: 201" 201 "$(curl -s -o "$T/t.json" -w '%{http_code}' -X POST "$H2/api/v1/runs?from=2024-01-20&to=2024-01-20")"
id=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$T/t.json")
sleep 3
check "paused: neither daemon runs it" queued "$(pq "SELECT state FROM run WHERE id = $id")"
"$SKRED" unpause >/dev/null
for _ in $(seq 150); do [ "$(pq "SELECT state FROM run WHERE id = $id")" = success ] && break; sleep 0.1; done
check "unpaused from the CLI: it runs once" "success|1" "$(pq "SELECT state, attempts FROM run WHERE id = $id")"
owner=$(pq "SELECT owner FROM attempt WHERE run_id = $id AND attempt = 1")
pid=$(echo "$owner" | cut -d: -f2)
{ [ "$pid" = "$S1" ] || [ "$pid" = "$S2" ]; } && ok "the attempt's owner is one of the daemons ($owner)" || fail "owner '$owner' is neither $S1 nor $S2"
"$SKRED" runs show "$id" | grep -qF "$owner" && ok "runs show names the owner" || fail "runs show: $("$SKRED" runs show "$id")"
check "the API names the owner" "$owner" "$(curl -sf "$H1/api/v1/runs/$id" | python3 -c 'import json,sys; print(json.load(sys.stdin)["attempts"][0]["owner"])')"

# Cleared through the other daemon: runs again, attempt 1 again (attempts start over).
check "clear through daemon 2: 200" 200 "$(curl -s -o /dev/null -w '%{http_code}' -X POST "$H2/api/v1/runs/$id/clear")"
for _ in $(seq 150); do [ "$(pq "SELECT state FROM run WHERE id = $id")" = success ] && break; sleep 0.1; done
check "the cleared run ran again" success "$(pq "SELECT state FROM run WHERE id = $id")"

# Daemon 2 stops cleanly: it leaves the list; daemon 1 goes on.
kill -TERM "$S2"; rc=0; wait "$S2" || rc=$?
check "daemon 2 exits 0 on SIGTERM" 0 "$rc"
check "daemon 1 lists one daemon" 1 "$(alive "$H1")"
kill -TERM "$S1"; rc=0; wait "$S1" || rc=$?
check "daemon 1 exits 0 on SIGTERM" 0 "$rc"
check "no daemon left in the ledger" 0 "$(pq "SELECT count(*) FROM daemon")"
pg_drop_schema
finish
