#!/usr/bin/env bash
# kafka.sh: a real single-node Apache Kafka broker (KRaft mode, no ZooKeeper)
# on 127.0.0.1, for skred's integration tests, CI and local development.
# The jars come from Maven Central through Maven (scripts/lib-maven.sh).
#
# Usage:
#   scripts/kafka.sh [--dir DIR] start          start in the background (no-op if
#                                               already running), wait until ready
#   scripts/kafka.sh [--dir DIR] stop [--clean] SIGTERM, SIGKILL after 30 s;
#                                               --clean also deletes the data
#   scripts/kafka.sh [--dir DIR] status         exit 0 and print pid/port when up
#   scripts/kafka.sh [--dir DIR] wait           wait until the running broker is ready
#   scripts/kafka.sh fetch                      only resolve the jars
#
#   Ready means: the JVM is alive, 127.0.0.1:$KAFKA_PORT accepts connections
#   and the log says "Kafka Server started". start and wait then print
#   "kafka ready on 127.0.0.1:9092"; on timeout they print the last 50 log
#   lines and exit 1.
#
# Environment (all optional):
#   KAFKA_DIR              run dir (default ${TMPDIR:-/tmp}/skred-kafka; --dir wins):
#                          server.properties, log4j.properties, data/, kafka.pid, kafka.log
#   KAFKA_PORT             client listener port (default 9092)
#   KAFKA_CONTROLLER_PORT  KRaft controller listener port (default 9093)
#                          (read by start; the other commands take the ports
#                          from the run dir's server.properties)
#   KAFKA_START_TIMEOUT    seconds to wait for readiness (default 120)
#   KAFKA_STOP_TIMEOUT     seconds between SIGTERM and SIGKILL (default 30)
#   KAFKA_CLEAN=1          same as stop --clean
#   KAFKA_AUTO_CREATE_TOPICS  auto.create.topics.enable (default false: clients
#                          must create their topics)
#   KAFKA_LOG_LEVEL        root log level in kafka.log (default WARN; the
#                          "Kafka Server started" line is always logged)
#   KAFKA_HEAP_OPTS        default "-Xms256m -Xmx512m"
#   KAFKA_JVM_OPTS         extra JVM options
#   KAFKA_CLUSTER_ID       KRaft cluster id used to format a new data dir
#                          (default: a fixed one)
#   KAFKA_VERSION          org.apache.kafka:kafka_2.13 version (default 3.9.1)
#   KAFKA_LIB              jar dir (default ${SKRED_CACHE:-$HOME/.cache/skred}/kafka-$KAFKA_VERSION/lib)
#   SKRED_CACHE            cache root for downloaded jars (default ~/.cache/skred)
#   SKRED_MAVEN_REPO, SKRED_MAVEN_OPTS   see scripts/lib-maven.sh
#
# Examples:
#   scripts/kafka.sh start && kcat -L -b 127.0.0.1:9092
#   KAFKA_PORT=19092 KAFKA_CONTROLLER_PORT=19093 scripts/kafka.sh --dir /tmp/k2 start
#   scripts/kafka.sh stop --clean
#
# Needs java (17) and mvn; installs them with apt-get when missing (sudo only
# when not root). The data survives stop/start; a broker killed with -9 is
# recovered on the next start (its stale pid file is ignored; that start takes
# ~5 s longer while the controller expires the dead broker's session).
# A cold start takes ~5 s on 2 cores, the first jar fetch ~10 s, and the idle
# broker's RSS is ~320 MiB.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck disable=SC2034  # read by lib-maven.sh
MAVEN_LOG_PREFIX=kafka
# shellcheck source-path=SCRIPTDIR source=lib-maven.sh disable=SC1091
. "$here/lib-maven.sh"
# shellcheck source-path=SCRIPTDIR source=lib-service.sh disable=SC1091
. "$here/lib-service.sh"

KAFKA_VERSION=${KAFKA_VERSION:-3.9.1}
KAFKA_LIB=${KAFKA_LIB:-${SKRED_CACHE:-${HOME:-/tmp}/.cache/skred}/kafka-$KAFKA_VERSION/lib}
KAFKA_PORT=${KAFKA_PORT:-9092}
KAFKA_CONTROLLER_PORT=${KAFKA_CONTROLLER_PORT:-9093}
KAFKA_START_TIMEOUT=${KAFKA_START_TIMEOUT:-120}
KAFKA_STOP_TIMEOUT=${KAFKA_STOP_TIMEOUT:-30}
KAFKA_HEAP_OPTS=${KAFKA_HEAP_OPTS:--Xms256m -Xmx512m}
KAFKA_JVM_OPTS=${KAFKA_JVM_OPTS:-}
KAFKA_LOG_LEVEL=${KAFKA_LOG_LEVEL:-WARN}
KAFKA_AUTO_CREATE_TOPICS=${KAFKA_AUTO_CREATE_TOPICS:-false}
# A fixed, valid KRaft cluster id (22 chars of URL-safe base64 = 16 bytes).
KAFKA_CLUSTER_ID=${KAFKA_CLUSTER_ID:-c2tyZWQtdGVzdC1rYWZrYQ}
HOST=127.0.0.1
READY_LINE='Kafka Server started'

KAFKA_COORDS=(
  "org.apache.kafka:kafka_2.13:$KAFKA_VERSION"
  # The broker's POM carries only slf4j-api: add a logging backend.
  org.slf4j:slf4j-reload4j:1.7.36
  ch.qos.reload4j:reload4j:1.2.25
)

say() { echo "kafka: $*"; }
die() { echo "kafka: $*" >&2; exit 1; }

usage() {
  sed -n '/^# Usage:/,/^#   Ready/p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//;$d' >&2
  exit 2
}

# ---- arguments ------------------------------------------------------------
cmd=""
clean=${KAFKA_CLEAN:-0}
dir=${KAFKA_DIR:-${TMPDIR:-/tmp}/skred-kafka}
while [ $# -gt 0 ]; do
  case $1 in
    --dir) [ $# -ge 2 ] || usage; dir=$2; shift 2 ;;
    --dir=*) dir=${1#--dir=}; shift ;;
    --clean) clean=1; shift ;;
    -h|--help|help) usage ;;
    start|stop|status|wait|fetch)
      [ -z "$cmd" ] || usage; cmd=$1; shift ;;
    *) echo "kafka: unknown argument '$1'" >&2; usage ;;
  esac
done
[ -n "$cmd" ] || usage
[ "$clean" = 1 ] && [ "$cmd" != stop ] && die "--clean only goes with stop"
for p in KAFKA_PORT KAFKA_CONTROLLER_PORT KAFKA_START_TIMEOUT KAFKA_STOP_TIMEOUT; do
  [[ ${!p} =~ ^[0-9]+$ ]] || die "$p must be a number, not '${!p}'"
done
[ "$KAFKA_PORT" != "$KAFKA_CONTROLLER_PORT" ] || die "KAFKA_PORT and KAFKA_CONTROLLER_PORT must differ"

mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
data=$dir/data
pidfile=$dir/kafka.pid
logfile=$dir/kafka.log
props=$dir/server.properties
log4j=$dir/log4j.properties

# ---- helpers ----------------------------------------------------------------
config_ports() { # take the ports from the run dir's server.properties
  local l
  [ -f "$props" ] || return 0
  l=$(sed -n 's/^listeners=//p' "$props")
  if [[ $l =~ PLAINTEXT://[^,]*:([0-9]+) ]]; then KAFKA_PORT=${BASH_REMATCH[1]}; fi
  if [[ $l =~ CONTROLLER://[^,]*:([0-9]+) ]]; then KAFKA_CONTROLLER_PORT=${BASH_REMATCH[1]}; fi
}

is_our_broker() { # pid: true if pid is a live kafka.Kafka JVM using our config
  local pid=$1 cmdline
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  cmdline=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) || return 1
  [[ $cmdline == *" kafka.Kafka $props"* ]]
}

broker_pid() { # print the pid of our running broker, if any
  local pid="" p
  [ -f "$pidfile" ] && pid=$(cat "$pidfile" 2>/dev/null || true)
  if is_our_broker "$pid"; then echo "$pid"; return 0; fi
  # No (valid) pid file: look for a JVM started with this run dir's config.
  for p in /proc/[0-9]*; do
    p=${p#/proc/}
    if is_our_broker "$p"; then echo "$p" >"$pidfile"; echo "$p"; return 0; fi
  done
  return 1
}

log_tail() {
  echo "---- last 50 lines of $logfile ----" >&2
  tail -n 50 "$logfile" >&2 2>/dev/null || true
  echo "----" >&2
}

write_config() {
  cat >"$props" <<EOF
# written by skred scripts/kafka.sh; rewritten on every start
# one JVM is both broker and KRaft controller; everything on loopback
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@$HOST:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://$HOST:$KAFKA_PORT,CONTROLLER://$HOST:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://$HOST:$KAFKA_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$data

# a single broker: internal topics need replication factor 1
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
default.replication.factor=1
min.insync.replicas=1
# fast tests: few internal partitions, no delay before the first rebalance
offsets.topic.num.partitions=1
transaction.state.log.num.partitions=1
group.initial.rebalance.delay.ms=0
num.partitions=1
# After a kill -9 the restarted broker cannot register until the controller
# expires its previous session (default 9 s of a 2 s heartbeat): shorten both.
broker.session.timeout.ms=4000
broker.heartbeat.interval.ms=1000
# 2-core machines
num.network.threads=2
num.io.threads=2
num.recovery.threads.per.data.dir=1
background.threads=2
# skred creates its own topics
auto.create.topics.enable=$KAFKA_AUTO_CREATE_TOPICS
EOF
  cat >"$log4j" <<EOF
# written by skred scripts/kafka.sh; everything goes to stdout = kafka.log
log4j.rootLogger=$KAFKA_LOG_LEVEL, stdout
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n
# the "Kafka Server started" / shutdown lines that kafka.sh waits for
log4j.logger.kafka.server.KafkaRaftServer=INFO
EOF
}

wait_ready() { # pid: wait until ready or timeout; die with the log tail on failure
  local pid=$1 deadline=$((SECONDS + KAFKA_START_TIMEOUT))
  while :; do
    if ! kill -0 "$pid" 2>/dev/null; then
      log_tail
      rm -f "$pidfile"
      die "broker (pid $pid) exited before it was ready"
    fi
    if grep -q "$READY_LINE" "$logfile" 2>/dev/null && port_open "$KAFKA_PORT"; then
      echo "kafka ready on $HOST:$KAFKA_PORT"
      return 0
    fi
    if [ $SECONDS -ge $deadline ]; then
      log_tail
      die "not ready after ${KAFKA_START_TIMEOUT}s (pid $pid still running; 'scripts/kafka.sh stop' to end it)"
    fi
    sleep 0.25
  done
}

# ---- commands ---------------------------------------------------------------
cmd_fetch() {
  maven_fetch "$KAFKA_LIB" "${KAFKA_COORDS[@]}" || die "could not resolve the Kafka jars"
}

cmd_start() {
  # One start at a time per run dir.
  exec 8>"$dir/.lock"
  flock 8
  local pid
  if pid=$(broker_pid); then
    config_ports   # the running broker's ports, not the environment's
    if grep -q "$READY_LINE" "$logfile" 2>/dev/null && port_open "$KAFKA_PORT"; then
      say "already running (pid $pid)"
      echo "kafka ready on $HOST:$KAFKA_PORT"
      return 0
    fi
    say "already starting (pid $pid); waiting"
    wait_ready "$pid"
    return
  fi
  rm -f "$pidfile"
  for p in "$KAFKA_PORT" "$KAFKA_CONTROLLER_PORT"; do
    port_open "$p" && die "port $HOST:$p is taken by another process (set KAFKA_PORT / KAFKA_CONTROLLER_PORT)"
  done

  cmd_fetch
  write_config
  local cp="$KAFKA_LIB/*"
  # shellcheck disable=SC2206  # heap/JVM options are word lists
  local jvm=($KAFKA_HEAP_OPTS -XX:+UseG1GC -XX:MaxGCPauseMillis=20
             -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent
             -Djava.awt.headless=true -Djava.net.preferIPv4Stack=true "-Dlog4j.configuration=file:$log4j" $KAFKA_JVM_OPTS)

  if [ ! -f "$data/meta.properties" ]; then
    mkdir -p "$data"
    if ! java "${jvm[@]}" -cp "$cp" kafka.tools.StorageTool format \
          -t "$KAFKA_CLUSTER_ID" -c "$props" -g >"$dir/format.log" 2>&1; then
      cat "$dir/format.log" >&2
      die "formatting $data failed"
    fi
  fi

  pid=$(spawn "$pidfile" "$logfile" java "${jvm[@]}" -cp "$cp" kafka.Kafka "$props")
  [ -n "$pid" ] || die "broker did not start (no pid file)"
  say "started pid $pid (dir $dir, log $logfile); waiting up to ${KAFKA_START_TIMEOUT}s"
  wait_ready "$pid"
}

cmd_stop() {
  local pid
  if pid=$(broker_pid); then
    stop_pid "$pid" "$KAFKA_STOP_TIMEOUT"
  else
    say "not running"
  fi
  rm -f "$pidfile"
  if [ "$clean" = 1 ]; then
    rm -rf "$data" "$dir/format.log"
    say "deleted $data"
  fi
}

cmd_status() {
  local pid
  if ! pid=$(broker_pid); then
    [ -f "$pidfile" ] && say "stale pid file $pidfile (process $(cat "$pidfile") is gone)"
    say "not running"
    return 1
  fi
  if port_open "$KAFKA_PORT"; then
    say "running: pid $pid, $HOST:$KAFKA_PORT (controller $KAFKA_CONTROLLER_PORT), dir $dir"
    return 0
  fi
  say "pid $pid is alive but $HOST:$KAFKA_PORT does not accept connections (starting, stopping or stuck)"
  return 1
}

cmd_wait() {
  local pid
  pid=$(broker_pid) || die "not running (start it with scripts/kafka.sh start)"
  wait_ready "$pid"
}

# Only start decides the ports; the others follow the running broker's config.
case $cmd in start|fetch) ;; *) config_ports ;; esac
"cmd_$cmd"
