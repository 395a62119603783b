#!/usr/bin/env bash
# SIGHUP is a whole reload: the new schedules show in /api/v1/status at
# once, as do settings applied live (http.allowed_hosts); keys read only at
# start (http.addr, data_dir) keep their running value and are named in the
# log and in restart_required; a bad configuration changes nothing, in the
# scheduler or in the API.
. "$(dirname "$0")/lib.sh"
export SKRED_FAKE_NOW=2024-01-10T12:00:00Z
unset SKRED_DATA_DIR SKRED_LOG_LEVEL # from the file
start_sim --seed 3
port=$(free_port) other=$(free_port)
H="http://127.0.0.1:$port"
C="$T/skred.conf"
conf() {
  printf 'data_dir = %s\nhttp.addr = 127.0.0.1:%s\nsched.schedules = %s\nlog_level = info\n%s' "$1" "$2" "$3" "${4:-}" >"$C"
}
conf "$T/d1" "$port" 'daily=0 17 * * *'
"$SKRED" serve --config "$C" >"$T/serve.log" 2>&1 &
SERVE_PID=$!
for _ in $(seq 100); do curl -sf "$H/healthz" >/dev/null && break; sleep 0.1; done
st() { curl -sf "$H/api/v1/status" | python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
jobs='" ".join(s["job"]+"="+s["cron"] for s in d["schedules"])'
check "status: the start-up schedule" "daily=0 17 * * *" "$(st "$jobs")"
check "status: nothing needs a restart" "[]" "$(st 'd["restart_required"]')"
check "Host skred.example.org is not allowed yet" 421 "$(curl -s -o /dev/null -w '%{http_code}' -H 'Host: skred.example.org' "$H/healthz")"
reloads() { grep -c "configuration reloaded" "$T/serve.log" || true; }
hup() { # hup PATTERN: SIGHUP, wait for PATTERN to appear once more in the log
  local n; n=$(grep -c "$1" "$T/serve.log" || true)
  kill -HUP "$SERVE_PID"
  for _ in $(seq 100); do [ "$(grep -c "$1" "$T/serve.log" || true)" -gt "$n" ] && return 0; sleep 0.1; done
  fail "no '$1' in the log after SIGHUP: $(tail -3 "$T/serve.log")"
}

# New schedules, a new address and data dir, an allowed host.
conf "$T/d2" "$other" 'daily=0 17 * * *;hourly=5 * * * *' 'http.allowed_hosts = skred.example.org
http.token = t0ken
'
hup "configuration reloaded"
check "status: the new schedules at once" "daily=0 17 * * * hourly=5 * * * *" "$(st "$jobs")"
check "status: next fire of the new one" "2024-01-10T12:05:00.000Z" "$(st '[s["next"] for s in d["schedules"] if s["job"]=="hourly"][0]')"
check "status: restart_required names http.addr and data_dir" "data_dir http.addr" "$(st '" ".join(sorted(d["restart_required"]))')"
grep -q "reload: http.addr changed; it needs a restart" "$T/serve.log" && ok "the log names http.addr" || fail "log: $(tail -5 "$T/serve.log")"
grep -q "reload: data_dir changed; it needs a restart" "$T/serve.log" && ok "the log names data_dir" || fail "log: $(tail -5 "$T/serve.log")"
check "still served on the running address" 200 "$(curl -s -o /dev/null -w '%{http_code}' "$H/healthz")"
check "nothing on the new address until a restart" 000 "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$other/healthz" || true)"
check "http.allowed_hosts applied at once" 200 "$(curl -s -o /dev/null -w '%{http_code}' -H 'Host: skred.example.org' "$H/healthz")"
check "http.token applied at once: a POST without it 401" 401 "$(curl -s -o /dev/null -w '%{http_code}' -X POST "$H/api/v1/pause")"
check "... with it 200" 200 "$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Authorization: Bearer t0ken' "$H/api/v1/unpause")"
# The running data dir is kept: a triggered run runs and lands there.
id=$(curl -sf -X POST -H 'Authorization: Bearer t0ken' "$H/api/v1/runs?from=2024-01-09&to=2024-01-09" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
for _ in $(seq 150); do [ "$(sq "$T/d1/ledger.db" "SELECT state FROM run WHERE id=$id")" = success ] && break; sleep 0.2; done
check "the triggered run ran, in the running data dir's ledger" success "$(sq "$T/d1/ledger.db" "SELECT state FROM run WHERE id=$id")"
[ "$(sq "$T/d1/warehouse.db" "SELECT COUNT(*) FROM avalanche_warning")" -gt 0 ] && ok "... and its warehouse" || fail "no rows in $T/d1/warehouse.db"
[ ! -e "$T/d2" ] && ok "the new data dir is not used before a restart" || fail "$T/d2 used: $(ls "$T/d2")"

# A bad schedule: refused whole; status keeps what runs.
conf "$T/d2" "$other" 'daily=0 25 * * *' 'http.allowed_hosts = other.example
'
hup "reload failed"
grep -q "reload failed, keeping the running configuration.*hour 25" "$T/serve.log" && ok "bad reload refused" || fail "log: $(tail -3 "$T/serve.log")"
check "status: still the running schedules" "daily=0 17 * * * hourly=5 * * * *" "$(st "$jobs")"
check "... and the running allowed hosts" "200 421" "$(curl -s -o /dev/null -w '%{http_code}' -H 'Host: skred.example.org' "$H/healthz") $(curl -s -o /dev/null -w '%{http_code}' -H 'Host: other.example' "$H/healthz")"

# A bad http.allowed_hosts entry: refused whole too (the schedules stay).
conf "$T/d2" "$other" 'weekly=@weekly' 'http.allowed_hosts = bad/host
'
hup "reload failed"
grep -q "reload failed, keeping the running configuration.*bad/host" "$T/serve.log" && ok "bad allowed host refused" || fail "log: $(tail -3 "$T/serve.log")"
check "status: still the running schedules" "daily=0 17 * * * hourly=5 * * * *" "$(st "$jobs")"

# A bad value (an enum outside its set) or a misspelt key: refused whole,
# the error logged with the key, the value and the allowed set.
conf "$T/d2" "$other" 'weekly=@weekly' 'bus.publish_clean = maybe
'
hup "reload failed"
grep -q "reload failed, keeping the running configuration.*bus.publish_clean must be yes, no or auto, got 'maybe'" "$T/serve.log" && ok "bad enum value refused, named" || fail "log: $(tail -3 "$T/serve.log")"
check "status: still the running schedules" "daily=0 17 * * * hourly=5 * * * *" "$(st "$jobs")"
conf "$T/d2" "$other" 'weekly=@weekly' 'fetch.concurency = 2
'
hup "reload failed"
grep -q "reload failed, keeping the running configuration.*unknown configuration key 'fetch.concurency' (did you mean 'fetch.concurrency'?)" "$T/serve.log" && ok "misspelt key refused, nearest named" || fail "log: $(tail -3 "$T/serve.log")"
check "status: still the running schedules" "daily=0 17 * * * hourly=5 * * * *" "$(st "$jobs")"
conf "$T/d2" "$other" 'weekly=@weekly;weekly=@daily'
hup "reload failed"
grep -q "reload failed, keeping the running configuration.*two schedules named 'weekly'" "$T/serve.log" && ok "duplicate schedule names refused" || fail "log: $(tail -3 "$T/serve.log")"
check "status: still the running schedules" "daily=0 17 * * * hourly=5 * * * *" "$(st "$jobs")"
check "the daemon still answers" 200 "$(curl -s -o /dev/null -w '%{http_code}' "$H/healthz")"

# Back to the start-up address and dir: nothing needs a restart any more.
conf "$T/d1" "$port" 'weekly=@weekly'
hup "configuration reloaded"
check "status: the schedule of the last reload" "weekly=@weekly" "$(st "$jobs")"
check "status: restart_required empty again" "[]" "$(st 'd["restart_required"]')"
stop_serve
finish
