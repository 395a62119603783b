# shellcheck shell=bash
# lib-service.sh - what scripts/kafka.sh and scripts/cassandra.sh share for
# the server processes they run (sourced; they define HOST and say()).

port_open() { # port: true if something accepts TCP connections on $HOST:port
  # shellcheck disable=SC2016  # expanded by the inner shell
  timeout 2 bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$HOST" "$1" 2>/dev/null
}

stop_pid() { # pid timeout-seconds: SIGTERM, then SIGKILL after the timeout
  local pid=$1 timeout=$2
  say "stopping pid $pid"
  kill -TERM "$pid" 2>/dev/null || true
  local deadline=$((SECONDS + timeout))
  while kill -0 "$pid" 2>/dev/null && [ $SECONDS -lt "$deadline" ]; do sleep 0.2; done
  if kill -0 "$pid" 2>/dev/null; then
    say "still running after ${timeout}s: SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
  fi
  say "stopped"
}

# spawn PIDFILE LOGFILE CMD...: start a server detached and print its pid
# (empty if it did not start). setsid + nohup: it outlives the calling shell
# and its terminal. The inner shell records its own pid and then becomes
# CMD (exec). Output goes to LOGFILE (the previous one kept as .old). fd 8
# (the start lock) is not passed on, or the server would hold it.
spawn() {
  local pidfile=$1 logfile=$2
  shift 2
  [ -f "$logfile" ] && mv -f "$logfile" "$logfile.old"
  # shellcheck disable=SC2016  # expanded by the inner shell
  setsid nohup bash -c 'echo $$ >"$0"; exec "$@"' "$pidfile" "$@" \
    >"$logfile" 2>&1 </dev/null 8>&- &
  for _ in $(seq 100); do [ -s "$pidfile" ] && break; sleep 0.05; done
  cat "$pidfile" 2>/dev/null || true
}
