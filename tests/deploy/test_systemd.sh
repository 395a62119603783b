#!/usr/bin/env bash
# skred.service as installed (DESTDIR, prefix /usr as the .deb has it):
# `systemd-analyze verify` passes, `systemd-analyze security` scores its
# hardening under 2.0, and the daemon run the way the unit runs it - its
# ExecStart (the installed binary and configuration), its User (an
# unprivileged user: nobody, as root), NoNewPrivileges and an empty
# capability bounding set, its UMask and WorkingDirectory, the environment
# systemd gives (NOTIFY_SOCKET, WATCHDOG_USEC, nothing else but the
# simulator's URL) - tells a listening NOTIFY_SOCKET READY=1 when /readyz
# is ready, WATCHDOG=1 within every interval also during a long run,
# RELOADING=1 then READY=1 on SIGHUP (ExecReload), STOPPING=1 on SIGTERM.
. "$(dirname "$0")/../integration/lib.sh"
BUILD=${DEPLOY_BUILD:?DEPLOY_BUILD: the build directory}
ROOT="$T/root"
DESTDIR="$ROOT" cmake --install "$BUILD" --prefix /usr >"$T/install.log"
UNIT="$ROOT/lib/systemd/system/skred.service"
[ -f "$UNIT" ] && ok "installed $UNIT" || { fail "no unit in $ROOT"; finish; exit; }
# unit_key KEY: the value of KEY= in the installed unit (last one wins)
unit_key() { sed -n "s/^$1=//p" "$UNIT" | tail -1; }

# --- systemd-analyze verify: the unit as installed, its binary and man
# page found in the DESTDIR root.
mkdir -p "$T/verify"
sed "s|/usr/bin/skred|$ROOT/usr/bin/skred|" "$UNIT" >"$T/verify/skred.service"
if MANPATH="$ROOT/usr/share/man" systemd-analyze verify "$T/verify/skred.service" >"$T/verify.out" 2>&1; then
  ok "systemd-analyze verify passes"
else
  fail "systemd-analyze verify: $(cat "$T/verify.out")"
fi
[ ! -s "$T/verify.out" ] && ok "... without a warning" || fail "verify said: $(cat "$T/verify.out")"

# --- systemd-analyze security: the exposure score (0 best .. 10).
systemd-analyze security --offline=true "$T/verify/skred.service" >"$T/security.out" 2>&1 || true
score=$(sed -n 's/.*Overall exposure level for skred.service: \([0-9.]*\).*/\1/p' "$T/security.out")
echo "# systemd-analyze security: exposure $score"
grep '✗' "$T/security.out" | sed 's/^/#   /' || true
python3 -c "import sys; sys.exit(0 if 0 <= float('$score') < 2.0 else 1)" 2>/dev/null &&
  ok "security exposure $score < 2.0" || fail "security exposure '$score' (want < 2.0): $(tail -3 "$T/security.out")"
check "Type=notify" notify "$(unit_key Type)"
# shellcheck disable=SC2016 # $MAINPID is literal in the unit
check "ExecReload sends SIGHUP" '/bin/kill -HUP $MAINPID' "$(unit_key ExecReload)"
check "StateDirectory" skred "$(unit_key StateDirectory)"
check "User" skred "$(unit_key User)"

# --- the daemon as the unit runs it.
exec_start=$(unit_key ExecStart)
check "ExecStart" "/usr/bin/skred serve --config /etc/skred/skred.conf" "$exec_start"
start_sim --seed 5 --latency-ms 4000
port=$(free_port)
H="http://127.0.0.1:$port"
STATE="$T/state" # StateDirectory: /var/lib/skred
mkdir -p "$STATE"
CONF="$T/skred.conf" # the installed configuration, data_dir and port moved
sed -e "s|^data_dir = .*|data_dir = $STATE|" -e "s|^http.addr = .*|http.addr = 127.0.0.1:$port|" \
  -e "s|^regions = .*|regions = 3011,3012|" "$ROOT/etc/skred/skred.conf" >"$CONF"
argv=()
read -r -a argv <<<"$exec_start"
argv[0]="$ROOT${argv[0]}"
argv[3]="$CONF"
chmod 755 "$T" # the daemon's user reaches the socket, the binary and the config
NS="$T/notify.sock"
python3 "$(dirname "$0")/notify_listen.py" "$NS" "$T/notify.log" &
LISTEN_PID=$!
trap 'kill $LISTEN_PID 2>/dev/null || true; cleanup' EXIT
for _ in $(seq 100); do [ -S "$NS" ] && break; sleep 0.05; done
as_user=()
if [ "$(id -u)" -eq 0 ]; then
  chown nobody:nogroup "$STATE"
  as_user=(setpriv --reuid=nobody --regid=nogroup --clear-groups --no-new-privs --bounding-set=-all --inh-caps=-all)
  user=nobody
else
  user=$(id -un)
fi
umask_=$(unit_key UMask)
WD_USEC=2000000
(cd "$STATE" && umask "$umask_" && exec env -i PATH=/usr/bin:/bin LANG=C.UTF-8 \
  NOTIFY_SOCKET="$NS" WATCHDOG_USEC=$WD_USEC SKRED_VARSOM_URL="$SKRED_VARSOM_URL" \
  "${as_user[@]}" "${argv[@]}") >"$T/serve.log" 2>&1 &
SERVE_PID=$!
echo "# daemon as $user: ${argv[*]}"
msgs() { grep -c "$1" "$T/notify.log" 2>/dev/null || true; }
wait_msg() { # wait_msg PATTERN N: until N messages match
  for _ in $(seq 300); do [ "$(msgs "$1")" -ge "$2" ] && return 0; sleep 0.1; done
  return 1
}
if wait_msg 'READY=1' 1; then
  ok "READY=1 sent"
  check "/readyz is ready when READY=1 is sent" 200 "$(curl -s -o /dev/null -w '%{http_code}' "$H/readyz")"
else
  fail "no READY=1: $(cat "$T/notify.log" 2>/dev/null) $(tail -5 "$T/serve.log")"
fi
grep 'READY=1' "$T/notify.log" | head -1 | grep -q 'STATUS=serving 1 schedule(s): daily' &&
  ok "with STATUS naming the schedules" || fail "status: $(grep READY "$T/notify.log" | head -1)"
# A run against the simulator answering each request after 4 s: the
# scheduler loop waits for it, the lease heartbeat keeps the pings going.
id=$(curl -sf -X POST "$H/api/v1/runs?from=2024-01-09&to=2024-01-10" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
run_state() { sq "$STATE/ledger.db" "SELECT state FROM run WHERE id=$id" 2>/dev/null || true; }
for _ in $(seq 300); do [ "$(run_state)" = success ] && break; sleep 0.1; done
check "the triggered run succeeded (against varsom-sim)" success "$(run_state)"
[ "$(sq "$STATE/warehouse.db" "SELECT COUNT(*) FROM avalanche_warning")" -gt 0 ] &&
  ok "... and stored warnings in the state directory" || fail "no warnings in $STATE/warehouse.db"
owner=$(stat -c %U "$STATE/warehouse.db")
check "files are the unit user's" "$user" "$owner"
mode=$(stat -c %a "$STATE/warehouse.db")
check "... and private (UMask $umask_)" 600 "$mode"
dur=$(sq "$STATE/ledger.db" "SELECT end_ms - start_ms FROM run WHERE id=$id")
[ "${dur:-0}" -ge 4000 ] && ok "the run took ${dur} ms (longer than the watchdog interval)" || fail "run took ${dur:-?} ms"
n_wd=$(msgs 'WATCHDOG=1')
[ "$n_wd" -ge 4 ] && ok "WATCHDOG=1 sent ($n_wd times)" || fail "WATCHDOG=1 $n_wd times"
gap=$(awk '/WATCHDOG=1/ { if (last) { g = $1 - last; if (g > max) max = g } last = $1 } END { print max + 0 }' "$T/notify.log")
[ "$gap" -lt $((WD_USEC / 1000)) ] && ok "no watchdog gap reached the interval (longest ${gap} ms < $((WD_USEC / 1000)))" ||
  fail "a watchdog gap of ${gap} ms (interval $((WD_USEC / 1000)) ms)"

# ExecReload: SIGHUP.
r0=$(msgs 'READY=1')
kill -HUP "$SERVE_PID"
wait_msg 'RELOADING=1' 1 && ok "RELOADING=1 on SIGHUP" || fail "no RELOADING=1"
wait_msg 'READY=1' $((r0 + 1)) && ok "READY=1 after the reload" || fail "no READY=1 after the reload"
grep -q "configuration reloaded" "$T/serve.log" && ok "the configuration was reloaded" || fail "log: $(tail -3 "$T/serve.log")"

# SIGTERM: STOPPING=1 and exit 0.
kill -TERM "$SERVE_PID"
rc=0
wait "$SERVE_PID" || rc=$?
SERVE_PID=""
check "exit 0 after SIGTERM" 0 "$rc"
[ "$(msgs 'STOPPING=1')" -ge 1 ] && ok "STOPPING=1 sent" || fail "no STOPPING=1: $(tail -3 "$T/notify.log")"
last=$(tail -1 "$T/notify.log" | cut -d' ' -f2-)
case $last in STOPPING=1*) ok "STOPPING=1 is the last message" ;; *) fail "last message: $last" ;; esac
finish
