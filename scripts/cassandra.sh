#!/usr/bin/env bash
# cassandra.sh: a real single-node Apache Cassandra 5.0 on 127.0.0.1, with
# password authentication, for skred's integration tests, CI and local
# development. The jars come from Maven Central through Maven
# (scripts/lib-maven.sh); CQL is run with the Python cassandra-driver from
# PyPI, installed into a venv in the cache (scripts/cassandra/cql.py).
#
# Usage:
#   scripts/cassandra.sh [--dir DIR] start          start in the background (no-op
#                                                   if already running), wait until ready
#   scripts/cassandra.sh [--dir DIR] stop [--clean] SIGTERM, SIGKILL after 60 s;
#                                                   --clean also deletes the data
#   scripts/cassandra.sh [--dir DIR] status         exit 0 and print pid/port when up
#   scripts/cassandra.sh [--dir DIR] wait           wait until the running node is ready
#   scripts/cassandra.sh [--dir DIR] cqlsh [-u USER] [-p PASSWORD] [-k KEYSPACE]
#                                   [--header] ["CQL; CQL..." ...]
#                                                   run statements (';'-separated; none
#                                                   or '-' = read stdin) as USER (default
#                                                   skred), print rows tab-separated
#   scripts/cassandra.sh fetch                      only resolve the jars and the venv
#   scripts/cassandra.sh venv                       make the venv, print its python path
#
#   Ready means: the JVM is alive, 127.0.0.1:$CASSANDRA_PORT accepts CQL
#   connections, a login as cassandra/cassandra works, the role skred exists
#   (LOGIN SUPERUSER, password $CASSANDRA_SKRED_PASSWORD; created or updated
#   by start/wait) and a login as skred works. start and wait then print
#   "cassandra ready on 127.0.0.1:9042 (user skred)"; on timeout they print
#   the last 60 log lines and exit 1.
#
#   cqlsh prints one line per row, columns separated by tabs, no header unless
#   --header; NULL is an empty field; text escapes \ tab CR LF as \\ \t \r \n;
#   blobs are 0x-hex; timestamps "YYYY-MM-DD HH:MM:SS.mmmZ" (UTC). Exit status:
#   0 ok, 1 a statement failed (message on stderr, later statements are not
#   run), 2 usage, 3 cannot connect or log in. -p defaults to the skred
#   password for skred and to "cassandra" for cassandra.
#
# Environment (all optional):
#   CASSANDRA_DIR            run dir (default ${TMPDIR:-/tmp}/skred-cassandra; --dir
#                            wins): cassandra.yaml, logback.xml, cassandra.pid,
#                            cassandra.log, and the data: data/ commitlog/
#                            saved_caches/ hints/ (cdc_raw/ logs/ if ever used)
#   CASSANDRA_PORT           CQL port (default 9042)
#   CASSANDRA_STORAGE_PORT   internode port (default 7000), also on 127.0.0.1
#                            (both read by start; the other commands take the
#                            ports from the run dir's cassandra.yaml)
#   CASSANDRA_JMX_PORT       enable JMX on 127.0.0.1:PORT (default: no JMX)
#   CASSANDRA_SKRED_PASSWORD password of the skred role (default skred-test-pw)
#   CASSANDRA_START_TIMEOUT  seconds to wait for readiness (default 240)
#   CASSANDRA_STOP_TIMEOUT   seconds between SIGTERM and SIGKILL (default 60)
#   CASSANDRA_CLEAN=1        same as stop --clean
#   CASSANDRA_HEAP           default "-Xms512m -Xmx1g"
#   CASSANDRA_JVM_OPTS       extra JVM options
#   CASSANDRA_LOG_LEVEL      level of org.apache.cassandra in cassandra.log
#                            (default INFO; everything else logs at WARN)
#   CASSANDRA_CQL_TIMEOUT    cqlsh per-request timeout in seconds (default 60)
#   CASSANDRA_COMMITLOG_SYNC periodic (default: writes are acked before the
#                            commit log is synced, every 100 ms, so a kill -9
#                            can lose the last ~100 ms of acked writes), group
#                            (acked after a sync, grouped over 10 ms: acked
#                            writes survive kill -9) or batch (sync per write)
#   CASSANDRA_VERSION        org.apache.cassandra:cassandra-all version (default 5.0.9)
#   CASSANDRA_LIB            jar dir (default ${SKRED_CACHE:-$HOME/.cache/skred}/cassandra-$CASSANDRA_VERSION/lib)
#   CASSANDRA_DRIVER_VERSION PyPI cassandra-driver version (default 3.30.1)
#   CASSANDRA_VENV           venv dir (default ${SKRED_CACHE:-$HOME/.cache/skred}/cassandra-venv)
#   CASSANDRA_PYTHON         python used to make the venv (default python3)
#   CASSANDRA_JAVA           java binary (default: java if it is Java 17,
#                            else /usr/lib/jvm/java-17-openjdk-*/bin/java)
#   SKRED_CACHE              cache root (default ~/.cache/skred)
#   SKRED_MAVEN_REPO, SKRED_MAVEN_OPTS   see scripts/lib-maven.sh
#
# Examples:
#   scripts/cassandra.sh start
#   scripts/cassandra.sh cqlsh "CREATE KEYSPACE IF NOT EXISTS k WITH replication =
#       {'class': 'SimpleStrategy', 'replication_factor': 1}; SELECT * FROM system.local"
#   scripts/cassandra.sh cqlsh -k k --header < schema.cql
#   "$(scripts/cassandra.sh venv)" my_test.py     # the driver, for tests
#   CASSANDRA_PORT=19042 CASSANDRA_STORAGE_PORT=17000 scripts/cassandra.sh --dir /tmp/c2 start
#   scripts/cassandra.sh stop --clean
#
# Needs java 17 (exactly: Cassandra 5.0 installs a SecurityManager, which
# JDK 18+ refuses), mvn and python3 with venv; installs openjdk-17, maven and
# python3-venv with apt-get when missing (sudo only when not root). Runs fine
# as root (only upstream's bin/cassandra refuses root; the daemon does not).
# The data survives stop/start; a node killed with -9 replays its commit log
# on the next start (its stale pid file is ignored), but with the default
# periodic commit log it may lack the writes acked in its last ~100 ms.
# Measured on 2 cores (Cassandra 5.0.9): first fetch ~13 s (jars ~6 s, 67 MB;
# venv ~6 s, 40 MB), start to ready ~7-8 s (first and later starts alike),
# stop ~4 s, each cqlsh call ~0.4 s; the JVM's RSS ~0.45 GiB after start,
# ~0.9 GiB after 200k small writes (heap 512 MiB initial, 1 GiB max).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck disable=SC2034  # read by lib-maven.sh
MAVEN_LOG_PREFIX=cassandra
# shellcheck source-path=SCRIPTDIR source=lib-maven.sh disable=SC1091
. "$here/lib-maven.sh"
# shellcheck source-path=SCRIPTDIR source=lib-service.sh disable=SC1091
. "$here/lib-service.sh"

cache=${SKRED_CACHE:-${HOME:-/tmp}/.cache/skred}
CASSANDRA_VERSION=${CASSANDRA_VERSION:-5.0.9}
CASSANDRA_LIB=${CASSANDRA_LIB:-$cache/cassandra-$CASSANDRA_VERSION/lib}
CASSANDRA_DRIVER_VERSION=${CASSANDRA_DRIVER_VERSION:-3.30.1}
CASSANDRA_VENV=${CASSANDRA_VENV:-$cache/cassandra-venv}
CASSANDRA_PYTHON=${CASSANDRA_PYTHON:-python3}
CASSANDRA_PORT=${CASSANDRA_PORT:-9042}
CASSANDRA_STORAGE_PORT=${CASSANDRA_STORAGE_PORT:-7000}
CASSANDRA_JMX_PORT=${CASSANDRA_JMX_PORT:-}
CASSANDRA_SKRED_PASSWORD=${CASSANDRA_SKRED_PASSWORD:-skred-test-pw}
CASSANDRA_START_TIMEOUT=${CASSANDRA_START_TIMEOUT:-240}
CASSANDRA_STOP_TIMEOUT=${CASSANDRA_STOP_TIMEOUT:-60}
CASSANDRA_HEAP=${CASSANDRA_HEAP:--Xms512m -Xmx1g}
CASSANDRA_JVM_OPTS=${CASSANDRA_JVM_OPTS:-}
CASSANDRA_LOG_LEVEL=${CASSANDRA_LOG_LEVEL:-INFO}
CASSANDRA_CQL_TIMEOUT=${CASSANDRA_CQL_TIMEOUT:-60}
CASSANDRA_COMMITLOG_SYNC=${CASSANDRA_COMMITLOG_SYNC:-periodic}
HOST=127.0.0.1
ROLE=skred
MAIN=org.apache.cassandra.service.CassandraDaemon

# cassandra-all's POM brings everything at runtime scope, including jamm
# (javaagent below) and logback-classic; nothing needs adding by hand.
CASSANDRA_COORDS=("org.apache.cassandra:cassandra-all:$CASSANDRA_VERSION")

say() { echo "cassandra: $*"; }
die() { echo "cassandra: $*" >&2; exit 1; }

usage() {
  sed -n '/^# Usage:/,/^#   Ready/p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//;$d' >&2
  exit 2
}

# ---- arguments ------------------------------------------------------------
cmd=""
clean=${CASSANDRA_CLEAN:-0}
dir=${CASSANDRA_DIR:-${TMPDIR:-/tmp}/skred-cassandra}
cql_args=()
clean_flag=0
while [ $# -gt 0 ]; do
  case $1 in
    --dir) [ $# -ge 2 ] || usage; dir=$2; shift 2 ;;
    --dir=*) dir=${1#--dir=}; shift ;;
    --clean) clean=1; clean_flag=1; shift ;;
    -h|--help|help) usage ;;
    cqlsh)
      [ -z "$cmd" ] || usage; cmd=$1; shift
      cql_args=("$@"); break ;;   # the rest belongs to cqlsh
    start|stop|status|wait|fetch|venv)
      [ -z "$cmd" ] || usage; cmd=$1; shift ;;
    *) echo "cassandra: unknown argument '$1'" >&2; usage ;;
  esac
done
[ -n "$cmd" ] || usage
[ "$clean_flag" = 1 ] && [ "$cmd" != stop ] && die "--clean only goes with stop"
[ "$cmd" = stop ] || clean=0   # CASSANDRA_CLEAN=1 in the environment only affects stop
for p in CASSANDRA_PORT CASSANDRA_STORAGE_PORT CASSANDRA_START_TIMEOUT CASSANDRA_STOP_TIMEOUT; do
  [[ ${!p} =~ ^[0-9]+$ ]] || die "$p must be a number, not '${!p}'"
done
[ -z "$CASSANDRA_JMX_PORT" ] || [[ $CASSANDRA_JMX_PORT =~ ^[0-9]+$ ]] \
  || die "CASSANDRA_JMX_PORT must be a number, not '$CASSANDRA_JMX_PORT'"
case $CASSANDRA_COMMITLOG_SYNC in periodic|group|batch) ;;
  *) die "CASSANDRA_COMMITLOG_SYNC must be periodic, group or batch, not '$CASSANDRA_COMMITLOG_SYNC'" ;;
esac
[ "$CASSANDRA_PORT" != "$CASSANDRA_STORAGE_PORT" ] || die "CASSANDRA_PORT and CASSANDRA_STORAGE_PORT must differ"

mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
pidfile=$dir/cassandra.pid
logfile=$dir/cassandra.log
yaml=$dir/cassandra.yaml
logback=$dir/logback.xml
datadirs=("$dir/data" "$dir/commitlog" "$dir/saved_caches" "$dir/hints" "$dir/cdc_raw" "$dir/logs")
cqlpy=$here/cassandra/cql.py
py=$CASSANDRA_VENV/bin/python

# ---- helpers ----------------------------------------------------------------
config_ports() { # take the ports from the run dir's cassandra.yaml
  local v
  [ -f "$yaml" ] || return 0
  v=$(sed -n 's/^native_transport_port: *\([0-9]*\).*/\1/p' "$yaml")
  [ -n "$v" ] && CASSANDRA_PORT=$v
  v=$(sed -n 's/^storage_port: *\([0-9]*\).*/\1/p' "$yaml")
  [ -n "$v" ] && CASSANDRA_STORAGE_PORT=$v
  return 0
}

is_our_node() { # pid: true if pid is a live CassandraDaemon JVM using our config
  local pid=$1 cmdline
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  cmdline=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) || return 1
  [[ $cmdline == *" -Dcassandra.config=file://$yaml "*" $MAIN"* ]]
}

node_pid() { # print the pid of our running node, if any
  local pid="" p
  [ -f "$pidfile" ] && pid=$(cat "$pidfile" 2>/dev/null || true)
  if is_our_node "$pid"; then echo "$pid"; return 0; fi
  # No (valid) pid file: look for a JVM started with this run dir's config.
  for p in /proc/[0-9]*; do
    p=${p#/proc/}
    if is_our_node "$p"; then echo "$p" >"$pidfile"; echo "$p"; return 0; fi
  done
  return 1
}

log_tail() {
  echo "---- last 60 lines of $logfile ----" >&2
  tail -n 60 "$logfile" >&2 2>/dev/null || true
  echo "----" >&2
}

ensure_python() { # python3 with a working venv module (Debian: python3-venv)
  if command -v "$CASSANDRA_PYTHON" >/dev/null 2>&1 \
     && "$CASSANDRA_PYTHON" -c 'import ensurepip, venv' 2>/dev/null; then
    return 0
  fi
  command -v apt-get >/dev/null 2>&1 || die "need $CASSANDRA_PYTHON with the venv module (python3-venv)"
  local sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    say "installing python3 python3-venv with sudo (apt-get needs root)" >&2
    sudo=(sudo)
  else
    say "installing python3 python3-venv with apt-get" >&2
  fi
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get update -q >&2
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -q --no-install-recommends python3 python3-venv >&2
  "$CASSANDRA_PYTHON" -c 'import ensurepip, venv' || die "$CASSANDRA_PYTHON still has no working venv module"
}

venv_stamp() { # what the venv must have been made from
  printf 'cassandra-driver==%s\n%s\n' "$CASSANDRA_DRIVER_VERSION" \
    "$("$CASSANDRA_PYTHON" -c 'import sys; print(sys.executable, sys.version.split()[0])')"
}

ensure_venv() { # make $CASSANDRA_VENV with cassandra-driver, once (stamp file)
  local stamp=$CASSANDRA_VENV/.skred-venv-stamp want
  if [ -f "$stamp" ] && [ -x "$py" ]; then
    # fast path: no python start when the stamp names our driver version
    [ "$(head -n 1 "$stamp")" = "cassandra-driver==$CASSANDRA_DRIVER_VERSION" ] && return 0
  fi
  ensure_python
  want=$(venv_stamp)
  mkdir -p "$(dirname "$CASSANDRA_VENV")"
  (
    exec 9>"$CASSANDRA_VENV.lock"
    flock 9
    [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -x "$py" ] && exit 0
    rm -rf "$CASSANDRA_VENV"
    say "making $CASSANDRA_VENV with cassandra-driver==$CASSANDRA_DRIVER_VERSION" >&2
    "$CASSANDRA_PYTHON" -m venv "$CASSANDRA_VENV" >&2 || exit 1
    # Wheels first (no compiler needed); else the pure-Python build.
    if ! "$py" -m pip install -q --disable-pip-version-check --only-binary :all: \
          "cassandra-driver==$CASSANDRA_DRIVER_VERSION" >&2; then
      say "no wheel for this python: building cassandra-driver without Cython/C extensions" >&2
      CASS_DRIVER_NO_CYTHON=1 CASS_DRIVER_NO_EXTENSIONS=1 "$py" -m pip install -q \
        --disable-pip-version-check "cassandra-driver==$CASSANDRA_DRIVER_VERSION" >&2 || exit 1
    fi
    "$py" -c 'import cassandra.cluster' || exit 1
    printf '%s\n' "$want" >"$stamp"
  ) || die "could not make the venv $CASSANDRA_VENV"
}

commitlog_config() {
  case $CASSANDRA_COMMITLOG_SYNC in
    # acks before the fsync: a kill -9 loses what was acked in the last ~100 ms
    periodic) printf 'commitlog_sync: periodic\ncommitlog_sync_period: 100ms' ;;
    # acks after the fsync, writes grouped over 10 ms
    group) printf 'commitlog_sync: group\ncommitlog_sync_group_window: 10ms' ;;
    batch) printf 'commitlog_sync: batch' ;;
  esac
}

write_config() {
  mkdir -p "${datadirs[@]:0:4}" "$dir/triggers"
  cat >"$yaml" <<EOF
# written by skred scripts/cassandra.sh; rewritten on every start
# One node on loopback, Cassandra 5.0 setting names, sized for 2 cores.
cluster_name: skred
num_tokens: 1
initial_token: 0
partitioner: org.apache.cassandra.dht.Murmur3Partitioner
endpoint_snitch: SimpleSnitch
seed_provider:
  - class_name: org.apache.cassandra.locator.SimpleSeedProvider
    parameters:
      - seeds: "$HOST:$CASSANDRA_STORAGE_PORT"
listen_address: $HOST
rpc_address: $HOST
storage_port: $CASSANDRA_STORAGE_PORT
start_native_transport: true
native_transport_port: $CASSANDRA_PORT

data_file_directories:
  - $dir/data
commitlog_directory: $dir/commitlog
saved_caches_directory: $dir/saved_caches
hints_directory: $dir/hints
cdc_raw_directory: $dir/cdc_raw

# password logins; the default superuser is cassandra/cassandra and
# cassandra.sh adds the role skred
authenticator: PasswordAuthenticator
authorizer: CassandraAuthorizer
role_manager: CassandraRoleManager

# a throwaway test node: fast, small, no safety copies
$(commitlog_config)
commitlog_segment_size: 16MiB
auto_snapshot: false
snapshot_before_compaction: false
hinted_handoff_enabled: false
# a busy 2-core CI box (Kafka, Spark, tests) can stall a write past the 2 s default
write_request_timeout: 5000ms
concurrent_reads: 4
concurrent_writes: 4
concurrent_counter_writes: 2
concurrent_materialized_view_writes: 2
concurrent_compactors: 1
memtable_flush_writers: 1
EOF
  cat >"$logback" <<EOF
<!-- written by skred scripts/cassandra.sh; everything goes to stdout = cassandra.log -->
<configuration scan="false">
  <appender name="STDOUT" class="ch.qos.logback.core.ConsoleAppender">
    <encoder><pattern>%-5level %date{ISO8601} [%thread] %logger{0} - %msg%n</pattern></encoder>
  </appender>
  <logger name="org.apache.cassandra" level="$CASSANDRA_LOG_LEVEL"/>
  <root level="WARN"><appender-ref ref="STDOUT"/></root>
</configuration>
EOF
}

java_major() { # java binary: print its feature version (8 -> 1.8, 17, 21...)
  "$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = //p'
}

find_java() { # set java to a Java 17: what this script is made and tested for
  local c v
  command -v java >/dev/null 2>&1 || maven_ensure_tools || die "no java (install openjdk-17-jre-headless)"
  for c in ${CASSANDRA_JAVA:+"$CASSANDRA_JAVA"} java /usr/lib/jvm/java-17-openjdk-*/bin/java; do
    [ -x "$(command -v "$c" 2>/dev/null)" ] || continue
    v=$(java_major "$c")
    [ "$v" = 17 ] && { java=$c; return 0; }
    [ -n "${CASSANDRA_JAVA:-}" ] && [ "$c" = "$CASSANDRA_JAVA" ] && say "CASSANDRA_JAVA=$c is Java $v, not 17" >&2
  done
  die "Cassandra 5.0 needs Java 17 here; 'java' is Java ${v:-?} (set CASSANDRA_JAVA, or apt-get install openjdk-17-jre-headless)"
}

jvm_options() { # fill the array jvm with the daemon's JVM options
  local jamm
  jamm=$(compgen -G "$CASSANDRA_LIB/jamm-*.jar" | head -n 1) || die "no jamm jar in $CASSANDRA_LIB"
  # shellcheck disable=SC2206  # heap/JVM options are word lists
  jvm=($CASSANDRA_HEAP -Xss256k -XX:+UseG1GC -XX:+ParallelRefProcEnabled
       -XX:MaxGCPauseMillis=300 -XX:+ExitOnOutOfMemoryError -XX:+PerfDisableSharedMem
       -Djava.awt.headless=true -Djava.net.preferIPv4Stack=true
       -Dchronicle.analytics.disable=true -Dchronicle.announcer.disable=true
       # Java 17 module access, as in Cassandra 5.0's conf/jvm17-server.options
       -Djdk.attach.allowAttachSelf=true)
  local m
  for m in java.base/jdk.internal.misc java.management.rmi/com.sun.jmx.remote.internal.rmi \
           java.management/com.sun.jmx.remote.security java.rmi/sun.rmi.registry \
           java.rmi/sun.rmi.server java.sql/java.sql java.base/java.lang.ref \
           jdk.unsupported/sun.misc jdk.compiler/com.sun.tools.javac.file \
           jdk.attach/sun.tools.attach; do
    jvm+=(--add-exports "$m=ALL-UNNAMED")
  done
  for m in java.base/java.lang.module java.base/jdk.internal.loader java.base/jdk.internal.ref \
           java.base/jdk.internal.reflect java.base/jdk.internal.math java.base/jdk.internal.module \
           java.base/jdk.internal.util.jar jdk.management/com.sun.management.internal \
           java.base/sun.nio.ch java.base/java.io java.base/java.lang.reflect \
           jdk.compiler/com.sun.tools.javac java.base/java.lang java.base/java.util \
           java.base/java.nio; do
    jvm+=(--add-opens "$m=ALL-UNNAMED")
  done
  jvm+=(-Dio.netty.tryReflectionSetAccessible=true
        -Dio.netty.allocator.useCacheForAllThreads=true -Dio.netty.allocator.maxOrder=11
        "-javaagent:$jamm"
        "-Dcassandra.config=file://$yaml" "-Dcassandra.storagedir=$dir"
        "-Dcassandra.logdir=$dir/logs" "-Dlogback.configurationFile=$logback"
        "-Dcassandra.triggers_dir=$dir/triggers"   # empty; stops a warning
        -Dcassandra-foreground=yes
        # one node: no gossip settling, no 10 s wait before the default superuser
        -Dcassandra.skip_wait_for_gossip_to_settle=0 -Dcassandra.superuser_setup_delay_ms=0
        # and no 2 s pause on stop to tell (absent) peers
        -Dcassandra.shutdown_announce_in_ms=0)
  [ -n "$CASSANDRA_JMX_PORT" ] && jvm+=("-Dcassandra.jmx.local.port=$CASSANDRA_JMX_PORT")
  # shellcheck disable=SC2206
  jvm+=($CASSANDRA_JVM_OPTS)
}

wait_ready() { # pid: wait until ready or timeout; die with the log tail on failure
  local pid=$1 deadline=$((SECONDS + CASSANDRA_START_TIMEOUT)) left rc
  ensure_venv
  while :; do
    if ! kill -0 "$pid" 2>/dev/null; then
      log_tail
      rm -f "$pidfile"
      die "node (pid $pid) exited before it was ready"
    fi
    if port_open "$CASSANDRA_PORT"; then
      left=$((deadline - SECONDS)); [ $left -ge 1 ] || left=1
      rc=0
      # the password goes through the environment, not the command line
      CASSANDRA_SKRED_PASSWORD=$CASSANDRA_SKRED_PASSWORD \
      "$py" "$cqlpy" --port "$CASSANDRA_PORT" --timeout 20 ensure-role \
        --admin-user cassandra --admin-password cassandra --role "$ROLE" \
        --pid "$pid" --wait "$left" >"$dir/.release_version" || rc=$?
      if [ $rc -eq 0 ]; then
        echo "cassandra ready on $HOST:$CASSANDRA_PORT (user $ROLE)"
        return 0
      fi
      [ $rc -eq 4 ] && continue   # the JVM died: reported above
      log_tail
      die "no CQL login as $ROLE within ${CASSANDRA_START_TIMEOUT}s (pid $pid still running; 'scripts/cassandra.sh stop' to end it)"
    fi
    if [ $SECONDS -ge $deadline ]; then
      log_tail
      die "not ready after ${CASSANDRA_START_TIMEOUT}s (pid $pid still running; 'scripts/cassandra.sh stop' to end it)"
    fi
    sleep 0.5
  done
}

# ---- commands ---------------------------------------------------------------
cmd_fetch() {
  maven_fetch "$CASSANDRA_LIB" "${CASSANDRA_COORDS[@]}" || die "could not resolve the Cassandra jars"
  ensure_venv
}

cmd_venv() {
  ensure_venv
  echo "$py"
}

cmd_start() {
  # One start at a time per run dir.
  exec 8>"$dir/.lock"
  flock 8
  local pid
  if pid=$(node_pid); then
    config_ports   # the running node's ports, not the environment's
    say "already running (pid $pid)"
    wait_ready "$pid"
    return
  fi
  rm -f "$pidfile"
  for p in "$CASSANDRA_PORT" "$CASSANDRA_STORAGE_PORT" ${CASSANDRA_JMX_PORT:+"$CASSANDRA_JMX_PORT"}; do
    port_open "$p" && die "port $HOST:$p is taken by another process (set CASSANDRA_PORT / CASSANDRA_STORAGE_PORT)"
  done

  cmd_fetch
  write_config
  local jvm java
  find_java
  jvm_options

  # Cassandra mlockall()s its memory at startup; as root (CAP_IPC_LOCK)
  # that always works and pins the whole committed heap in RAM. Drop the
  # capability so root behaves like a normal user (a logged warning).
  local nolock=()
  if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null 2>&1; then
    nolock=(setpriv --bounding-set -ipc_lock)
  fi

  pid=$(spawn "$pidfile" "$logfile" "${nolock[@]}" "$java" "${jvm[@]}" -cp "$CASSANDRA_LIB/*" "$MAIN")
  [ -n "$pid" ] || die "node did not start (no pid file)"
  say "started pid $pid (dir $dir, log $logfile); waiting up to ${CASSANDRA_START_TIMEOUT}s"
  wait_ready "$pid"
}

cmd_stop() {
  local pid
  if pid=$(node_pid); then
    stop_pid "$pid" "$CASSANDRA_STOP_TIMEOUT"
  else
    say "not running"
  fi
  rm -f "$pidfile"
  if [ "$clean" = 1 ]; then
    rm -rf "${datadirs[@]}" "$dir/.release_version"
    say "deleted the data in $dir"
  fi
}

cmd_status() {
  local pid
  if ! pid=$(node_pid); then
    [ -f "$pidfile" ] && say "stale pid file $pidfile (process $(cat "$pidfile") is gone)"
    say "not running"
    return 1
  fi
  if port_open "$CASSANDRA_PORT"; then
    say "running: pid $pid, CQL $HOST:$CASSANDRA_PORT (storage $CASSANDRA_STORAGE_PORT), dir $dir"
    return 0
  fi
  say "pid $pid is alive but $HOST:$CASSANDRA_PORT does not accept connections (starting, stopping or stuck)"
  return 1
}

cmd_wait() {
  local pid
  pid=$(node_pid) || die "not running (start it with scripts/cassandra.sh start)"
  wait_ready "$pid"
}

cmd_cqlsh() {
  ensure_venv
  local user=$ROLE pass="" ks="" header=() stmts=()
  while [ ${#cql_args[@]} -gt 0 ]; do
    case ${cql_args[0]} in
      -u) [ ${#cql_args[@]} -ge 2 ] || usage; user=${cql_args[1]}; cql_args=("${cql_args[@]:2}") ;;
      -p) [ ${#cql_args[@]} -ge 2 ] || usage; pass=${cql_args[1]}; cql_args=("${cql_args[@]:2}") ;;
      -k) [ ${#cql_args[@]} -ge 2 ] || usage; ks=${cql_args[1]}; cql_args=("${cql_args[@]:2}") ;;
      --header) header=(--header); cql_args=("${cql_args[@]:1}") ;;
      --) stmts+=("${cql_args[@]:1}"); cql_args=() ;;
      *) stmts+=("${cql_args[0]}"); cql_args=("${cql_args[@]:1}") ;;
    esac
  done
  local conn=(--port "$CASSANDRA_PORT" --timeout "$CASSANDRA_CQL_TIMEOUT" -u "$user")
  [ -n "$pass" ] && conn+=(-p "$pass")
  local run=(run "${header[@]}")
  [ -n "$ks" ] && run+=(-k "$ks")
  CASSANDRA_SKRED_PASSWORD=$CASSANDRA_SKRED_PASSWORD exec "$py" "$cqlpy" "${conn[@]}" "${run[@]}" -- "${stmts[@]}"
}

# Only start decides the ports; the others follow the running node's config.
case $cmd in start|fetch|venv) ;; *) config_ports ;; esac
"cmd_$cmd"
