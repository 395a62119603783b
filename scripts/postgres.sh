#!/usr/bin/env bash
# postgres.sh: a real PostgreSQL 15 server (Debian's postgresql package) on
# 127.0.0.1, for skred's PostgreSQL ledger tests, CI and local development.
# No system service: initdb into its own directory, pg_ctl start/stop, as an
# unprivileged user (initdb refuses root).
#
# Usage:
#   scripts/postgres.sh [--dir DIR] start          initdb if needed, start in the
#                                                  background (no-op if running),
#                                                  wait until ready
#   scripts/postgres.sh [--dir DIR] stop [--clean] fast shutdown, immediate after
#                                                  PG_STOP_TIMEOUT; --clean also
#                                                  deletes the data
#   scripts/postgres.sh [--dir DIR] status         exit 0 and print pid/port when up
#   scripts/postgres.sh [--dir DIR] wait           wait until the running server is ready
#   scripts/postgres.sh [--dir DIR] url            print the test connection URL
#   scripts/postgres.sh [--dir DIR] psql [ARGS...] psql as the test user on the test
#                                                  database (-X -q -v ON_ERROR_STOP=1)
#
#   Ready means: the postmaster is alive, 127.0.0.1:$PG_PORT accepts
#   connections (pg_isready), the role skred (LOGIN, password
#   $PG_SKRED_PASSWORD) and the database skred owned by it exist (created by
#   start/wait), and a password login as skred over TCP works. start and wait
#   then print "postgres ready on 127.0.0.1:5432 (user skred, database
#   skred)"; on timeout they print the last 50 log lines and exit 1.
#
# Environment (all optional):
#   PG_DIR              run dir (default ${TMPDIR:-/tmp}/skred-postgres; --dir wins):
#                       data/ (the cluster), the unix socket, postgres.log
#   PG_PORT             TCP port on 127.0.0.1 (default 5432, or the port the run
#                       dir's cluster last had; read by start, the other
#                       commands take it from the run dir's port file)
#   PG_SKRED_PASSWORD   password of the role skred (default skred-test-pw)
#   PG_USER             OS user that owns and runs the cluster when started as
#                       root (default postgres if it exists, else skred-pg,
#                       created as a system user); not root: the caller
#   PG_BIN              directory of initdb/pg_ctl/psql (default: pg_config
#                       --bindir, else the newest /usr/lib/postgresql/*/bin)
#   PG_START_TIMEOUT    seconds to wait for readiness (default 60)
#   PG_STOP_TIMEOUT     seconds of fast shutdown before immediate (default 30)
#   PG_CLEAN=1          same as stop --clean
#   PG_FSYNC            fsync setting (default on; off makes tests faster but a
#                       crash of the machine could lose the cluster)
#
# Examples:
#   scripts/postgres.sh start && psql "$(scripts/postgres.sh url)" -c 'SELECT 1'
#   PG_PORT=15432 scripts/postgres.sh --dir /tmp/pg2 start
#   scripts/postgres.sh psql -c 'SELECT id, state FROM run'
#   scripts/postgres.sh stop --clean
#
# Needs the postgresql package (installs it with apt-get when missing; sudo
# only when not root). The data survives stop/start; a server killed with -9
# is recovered on the next start (crash recovery from its WAL). A cold start
# (initdb) takes ~3 s on 2 cores, a warm one under 1 s; RSS ~30 MiB.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR source=lib-service.sh disable=SC1091
. "$here/lib-service.sh"

pg_port_given=${PG_PORT:+1}
PG_PORT=${PG_PORT:-5432}
PG_SKRED_PASSWORD=${PG_SKRED_PASSWORD:-skred-test-pw}
PG_START_TIMEOUT=${PG_START_TIMEOUT:-60}
PG_STOP_TIMEOUT=${PG_STOP_TIMEOUT:-30}
PG_FSYNC=${PG_FSYNC:-on}
HOST=127.0.0.1

say() { echo "postgres: $*"; }
die() { echo "postgres: $*" >&2; exit 1; }

usage() {
  sed -n '/^# Usage:/,/^#   Ready/p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//;$d' >&2
  exit 2
}

# ---- arguments ------------------------------------------------------------
cmd=""
clean=${PG_CLEAN:-0}
dir=${PG_DIR:-${TMPDIR:-/tmp}/skred-postgres}
args=()
while [ $# -gt 0 ]; do
  if [ "$cmd" = psql ]; then args+=("$1"); shift; continue; fi
  case $1 in
    --dir) [ $# -ge 2 ] || usage; dir=$2; shift 2 ;;
    --dir=*) dir=${1#--dir=}; shift ;;
    --clean) clean=1; shift ;;
    -h|--help|help) usage ;;
    start|stop|status|wait|url|psql)
      [ -z "$cmd" ] || usage; cmd=$1; shift ;;
    *) echo "postgres: unknown argument '$1'" >&2; usage ;;
  esac
done
[ -n "$cmd" ] || usage
[ "$clean" = 1 ] && [ "$cmd" != stop ] && die "--clean only goes with stop"
for p in PG_PORT PG_START_TIMEOUT PG_STOP_TIMEOUT; do
  [[ ${!p} =~ ^[0-9]+$ ]] || die "$p must be a number, not '${!p}'"
done
[[ $PG_SKRED_PASSWORD != *"'"* ]] || die "PG_SKRED_PASSWORD must not contain a quote"

mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
data=$dir/data
logfile=$dir/postgres.log
portfile=$dir/port

# ---- helpers ----------------------------------------------------------------
find_bin() {
  if [ -n "${PG_BIN:-}" ]; then return 0; fi
  local b
  b=$(pg_config --bindir 2>/dev/null || true)
  if [ -n "$b" ] && [ -x "$b/initdb" ]; then PG_BIN=$b; return 0; fi
  # shellcheck disable=SC2012  # version directories, newest last
  b=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
  if [ -n "$b" ] && [ -x "$b/initdb" ]; then PG_BIN=$b; return 0; fi
  return 1
}

ensure_installed() {
  find_bin && return 0
  command -v apt-get >/dev/null || die "PostgreSQL not found and no apt-get: install postgresql by hand"
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then say "installing postgresql with sudo"; sudo=sudo; fi
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends postgresql >&2
  find_bin || die "postgresql installed but initdb not found (set PG_BIN)"
}

# The OS user the cluster runs as: root cannot run initdb/postgres.
run_user() {
  if [ "$(id -u)" -ne 0 ]; then id -un; return; fi
  if [ -n "${PG_USER:-}" ]; then echo "$PG_USER"; return; fi
  if id postgres >/dev/null 2>&1; then echo postgres; return; fi
  if ! id skred-pg >/dev/null 2>&1; then
    useradd --system --no-create-home --shell /usr/sbin/nologin skred-pg >&2 ||
      die "could not create the system user skred-pg (set PG_USER)"
  fi
  echo skred-pg
}

as_user() { # run a command as the cluster's OS user
  if [ "$(id -u)" -ne 0 ]; then "$@"; else runuser -u "$user" -- "$@"; fi
}

config_port() { # the running cluster's port, not the environment's
  if [ -s "$portfile" ]; then PG_PORT=$(cat "$portfile"); fi
}

server_pid() { # print the postmaster's pid if it is alive
  local pid
  [ -f "$data/postmaster.pid" ] || return 1
  pid=$(head -1 "$data/postmaster.pid" 2>/dev/null || true)
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  [ "$(readlink "/proc/$pid/exe" 2>/dev/null || true)" = "$(readlink -f "$PG_BIN/postgres")" ] || return 1
  echo "$pid"
}

# After a kill -9 of the postmaster its children take a moment to notice and
# exit (and a zombie may linger until reaped); a new postmaster refuses to
# start while any of them still holds the old lock file or shared memory.
wait_old_gone() {
  local deadline=$((SECONDS + 20)) p busy
  while :; do
    busy=""
    for p in /proc/[0-9]*; do
      [ "$(readlink "$p/cwd" 2>/dev/null || true)" = "$data" ] && { busy=${p#/proc/}; break; }
    done
    if [ -z "$busy" ] && [ -f "$data/postmaster.pid" ]; then
      p=$(head -1 "$data/postmaster.pid" 2>/dev/null || true)
      [[ $p =~ ^[0-9]+$ ]] && kill -0 "$p" 2>/dev/null && busy=$p
    fi
    [ -z "$busy" ] && return 0
    [ $SECONDS -ge $deadline ] && die "process $busy of a previous server still runs in $data"
    sleep 0.2
  done
}

log_tail() {
  echo "---- last 50 lines of $logfile ----" >&2
  tail -n 50 "$logfile" >&2 2>/dev/null || true
  echo "----" >&2
}

# psql as the superuser over the unix socket in the run dir (trust).
su_psql() {
  as_user "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$dir" -p "$PG_PORT" -U postgres -d postgres "$@"
}

url() { echo "postgresql://skred:$PG_SKRED_PASSWORD@$HOST:$PG_PORT/skred"; }

# The role and the database for tests; idempotent.
ensure_role() {
  su_psql -tA <<EOF >/dev/null
SELECT 'ok';
DO \$\$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'skred') THEN
    CREATE ROLE skred LOGIN PASSWORD '$PG_SKRED_PASSWORD';
  ELSE
    ALTER ROLE skred LOGIN PASSWORD '$PG_SKRED_PASSWORD';
  END IF;
END \$\$;
EOF
  if [ "$(su_psql -tA -c "SELECT 1 FROM pg_database WHERE datname = 'skred'")" != 1 ]; then
    su_psql -c "CREATE DATABASE skred OWNER skred" >/dev/null
  fi
}

wait_ready() { # wait until ready or timeout; die with the log tail on failure
  local deadline=$((SECONDS + PG_START_TIMEOUT))
  while :; do
    if ! server_pid >/dev/null; then
      log_tail
      die "server exited before it was ready"
    fi
    if "$PG_BIN/pg_isready" -q -h "$HOST" -p "$PG_PORT" -t 2 &&
       ensure_role 2>/dev/null &&
       PGPASSWORD=$PG_SKRED_PASSWORD PGCONNECT_TIMEOUT=5 "$PG_BIN/psql" -X -q -tA -h "$HOST" -p "$PG_PORT" -U skred -d skred -c 'SELECT 1' >/dev/null 2>&1; then
      echo "postgres ready on $HOST:$PG_PORT (user skred, database skred)"
      return 0
    fi
    if [ $SECONDS -ge $deadline ]; then
      log_tail
      die "not ready after ${PG_START_TIMEOUT}s ('scripts/postgres.sh stop' to end it)"
    fi
    sleep 0.25
  done
}

init_cluster() {
  mkdir -p "$data"
  chown "$user" "$dir" "$data"
  chmod 700 "$data"
  local pwfile
  pwfile=$(mktemp)
  # The superuser gets a random password it never uses: only the unix socket
  # in the run dir (trust, its owner only) logs it in.
  head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$pwfile"
  chown "$user" "$pwfile"
  if ! as_user "$PG_BIN/initdb" -D "$data" -U postgres --pwfile="$pwfile" \
        --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 \
        >"$dir/initdb.log" 2>&1; then
    rm -f "$pwfile"
    cat "$dir/initdb.log" >&2
    die "initdb into $data failed"
  fi
  rm -f "$pwfile"
  # Loopback only; the socket lives in the run dir, readable by its owner.
  cat >"$data/pg_hba.conf" <<EOF
# written by skred scripts/postgres.sh
local all postgres trust
local all all scram-sha-256
host all all 127.0.0.1/32 scram-sha-256
EOF
  chown "$user" "$data/pg_hba.conf"
}

# ---- commands ---------------------------------------------------------------
cmd_start() {
  exec 8>"$dir/.lock"
  flock 8
  local pid
  if pid=$(server_pid); then
    config_port
    say "already running (pid $pid)"
    wait_ready
    return
  fi
  # A restart without PG_PORT keeps the port the cluster had.
  [ -z "$pg_port_given" ] && config_port
  port_open "$PG_PORT" && die "port $HOST:$PG_PORT is taken by another process (set PG_PORT)"
  [ -f "$data/PG_VERSION" ] || init_cluster
  wait_old_gone
  echo "$PG_PORT" >"$portfile"
  chown "$user" "$dir"
  [ -f "$logfile" ] && mv -f "$logfile" "$logfile.old"
  touch "$logfile"
  chown "$user" "$logfile"
  # pg_ctl daemonizes the postmaster; fd 8 (the start lock) is not passed on.
  if ! as_user "$PG_BIN/pg_ctl" -D "$data" -l "$logfile" -s -w -t "$PG_START_TIMEOUT" \
        -o "-c listen_addresses=$HOST -p $PG_PORT -k $dir -c unix_socket_permissions=0700 -c fsync=$PG_FSYNC -c max_connections=100 -c shared_buffers=32MB" \
        start 8>&-; then
    log_tail
    die "pg_ctl start failed"
  fi
  pid=$(server_pid) || { log_tail; die "started but no live postmaster"; }
  say "started pid $pid (dir $dir, log $logfile)"
  wait_ready
}

cmd_stop() {
  local pid
  if pid=$(server_pid); then
    say "stopping pid $pid"
    if ! as_user "$PG_BIN/pg_ctl" -D "$data" -s -m fast -w -t "$PG_STOP_TIMEOUT" stop; then
      say "still running after ${PG_STOP_TIMEOUT}s: immediate shutdown"
      as_user "$PG_BIN/pg_ctl" -D "$data" -s -m immediate -w stop || stop_pid "$pid" 10
    fi
    say "stopped"
  else
    say "not running"
  fi
  if [ "$clean" = 1 ]; then
    rm -rf "$data" "$dir/initdb.log" "$portfile"
    say "deleted $data"
  fi
}

cmd_status() {
  local pid
  if ! pid=$(server_pid); then
    say "not running"
    return 1
  fi
  if "$PG_BIN/pg_isready" -q -h "$HOST" -p "$PG_PORT" -t 2; then
    say "running: pid $pid, $HOST:$PG_PORT, dir $dir"
    return 0
  fi
  say "pid $pid is alive but $HOST:$PG_PORT does not accept connections (starting, stopping or stuck)"
  return 1
}

cmd_wait() {
  server_pid >/dev/null || die "not running (start it with scripts/postgres.sh start)"
  wait_ready
}

cmd_url() { url; }

cmd_psql() {
  PGPASSWORD=$PG_SKRED_PASSWORD exec "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 \
    -h "$HOST" -p "$PG_PORT" -U skred -d skred "${args[@]}"
}

case $cmd in start) ensure_installed ;; *) find_bin || die "PostgreSQL not found (set PG_BIN)" ;; esac
user=$(run_user)
case $cmd in start) ;; *) config_port ;; esac
"cmd_$cmd"
