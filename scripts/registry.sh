#!/usr/bin/env bash
# registry.sh: a real Confluent-compatible Schema Registry on 127.0.0.1 for
# skred's tests (bus.format=avro): Apicurio Registry 2.6 (Confluent's is not
# on Maven Central), whose Confluent API is under /apis/ccompat/v7. The app
# comes from Maven Central through Maven (scripts/lib-maven.sh), cached.
#
# Usage:
#   scripts/registry.sh [--dir DIR] start   start in the background (no-op if
#                                           already running), wait until ready
#   scripts/registry.sh [--dir DIR] stop    SIGTERM, SIGKILL after 20 s
#   scripts/registry.sh [--dir DIR] status  exit 0 and print pid/port when up
#   scripts/registry.sh [--dir DIR] wait    wait until the running one is ready
#   scripts/registry.sh fetch               only download and unpack the app
#   scripts/registry.sh url                 print the Confluent-compatible URL
#   scripts/registry.sh venv                make the test client venv
#                                           (confluent-kafka[avro,schemaregistry]
#                                           from PyPI), print its python path
#
#   Ready means: the JVM is alive and GET /health/ready answers 200. start and
#   wait then print "registry ready on http://127.0.0.1:8081/apis/ccompat/v7";
#   on timeout they print the last 50 log lines and exit 1.
#
# Environment (all optional):
#   REGISTRY_DIR            run dir (default ${TMPDIR:-/tmp}/skred-registry; --dir
#                           wins): registry.pid, registry.log, port
#   REGISTRY_PORT           HTTP port (default 8081, the Confluent registry's);
#                           read by start, the others use the run dir's
#   REGISTRY_START_TIMEOUT  seconds to wait for readiness (default 120)
#   REGISTRY_HEAP_OPTS      default "-Xmx384m"
#   REGISTRY_VERSION        io.apicurio:apicurio-registry-app version
#                           (default 2.6.13.Final; Java 17)
#   REGISTRY_HOME           unpacked app (default
#                           ${SKRED_CACHE:-~/.cache/skred}/apicurio-registry-$REGISTRY_VERSION)
#   REGISTRY_VENV           the client venv (default
#                           ${SKRED_CACHE:-~/.cache/skred}/registry-venv)
#   CONFLUENT_KAFKA_VERSION its confluent-kafka (default 2.16.1)
#   SKRED_MAVEN_REPO, SKRED_MAVEN_OPTS   see scripts/lib-maven.sh
#
# Storage is in memory: a restart forgets every subject. Cold start ~10-20 s
# on 2 cores, RSS ~250 MiB; the first fetch downloads 142 MB.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck disable=SC2034  # read by lib-maven.sh
MAVEN_LOG_PREFIX=registry
# shellcheck source-path=SCRIPTDIR source=lib-maven.sh disable=SC1091
. "$here/lib-maven.sh"
# shellcheck source-path=SCRIPTDIR source=lib-service.sh disable=SC1091
. "$here/lib-service.sh"

REGISTRY_VERSION=${REGISTRY_VERSION:-2.6.13.Final}
REGISTRY_HOME=${REGISTRY_HOME:-${SKRED_CACHE:-${HOME:-/tmp}/.cache/skred}/apicurio-registry-$REGISTRY_VERSION}
REGISTRY_PORT=${REGISTRY_PORT:-8081}
REGISTRY_START_TIMEOUT=${REGISTRY_START_TIMEOUT:-120}
REGISTRY_HEAP_OPTS=${REGISTRY_HEAP_OPTS:--Xmx384m}
REGISTRY_VENV=${REGISTRY_VENV:-${SKRED_CACHE:-${HOME:-/tmp}/.cache/skred}/registry-venv}
CONFLUENT_KAFKA_VERSION=${CONFLUENT_KAFKA_VERSION:-2.16.1}
HOST=127.0.0.1
COORD="io.apicurio:apicurio-registry-app:$REGISTRY_VERSION:tar.gz:all"
RUNNER="apicurio-registry-app-$REGISTRY_VERSION-runner.jar"

say() { echo "registry: $*"; }
die() { echo "registry: $*" >&2; exit 1; }
usage() {
  sed -n '/^# Usage:/,/^#   Ready/p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//;$d' >&2
  exit 2
}

cmd=""
dir=${REGISTRY_DIR:-${TMPDIR:-/tmp}/skred-registry}
while [ $# -gt 0 ]; do
  case $1 in
    --dir) [ $# -ge 2 ] || usage; dir=$2; shift 2 ;;
    --dir=*) dir=${1#--dir=}; shift ;;
    -h|--help|help) usage ;;
    start|stop|status|wait|fetch|url|venv) [ -z "$cmd" ] || usage; cmd=$1; shift ;;
    *) echo "registry: unknown argument '$1'" >&2; usage ;;
  esac
done
[ -n "$cmd" ] || usage
[[ $REGISTRY_PORT =~ ^[0-9]+$ ]] || die "REGISTRY_PORT must be a number, not '$REGISTRY_PORT'"

mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
pidfile=$dir/registry.pid
logfile=$dir/registry.log
portfile=$dir/port

config_port() { [ -s "$portfile" ] && REGISTRY_PORT=$(cat "$portfile"); return 0; }

is_ours() { # pid: a live JVM running the app with our run dir
  local pid=$1 cmdline
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  cmdline=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) || return 1
  [[ $cmdline == *"-Dskred.registry.dir=$dir "* ]]
}

registry_pid() {
  local pid=""
  [ -f "$pidfile" ] && pid=$(cat "$pidfile" 2>/dev/null || true)
  if is_ours "$pid"; then echo "$pid"; return 0; fi
  return 1
}

ready() { curl -fsS -o /dev/null --max-time 2 "http://$HOST:$REGISTRY_PORT/health/ready" 2>/dev/null; }

url() { echo "http://$HOST:$REGISTRY_PORT/apis/ccompat/v7"; }

log_tail() {
  echo "---- last 50 lines of $logfile ----" >&2
  tail -n 50 "$logfile" >&2 2>/dev/null || true
  echo "----" >&2
}

wait_ready() {
  local pid=$1 deadline=$((SECONDS + REGISTRY_START_TIMEOUT))
  while :; do
    if ! kill -0 "$pid" 2>/dev/null; then
      log_tail; rm -f "$pidfile"
      die "registry (pid $pid) exited before it was ready"
    fi
    if ready; then echo "registry ready on $(url)"; return 0; fi
    if [ $SECONDS -ge $deadline ]; then
      log_tail
      die "not ready after ${REGISTRY_START_TIMEOUT}s (pid $pid still running; 'scripts/registry.sh stop' to end it)"
    fi
    sleep 0.25
  done
}

cmd_fetch() {
  maven_fetch_archive "$REGISTRY_HOME" "$COORD" || die "could not fetch $COORD"
  [ -f "$REGISTRY_HOME/$RUNNER" ] || die "no $RUNNER in $REGISTRY_HOME"
}

cmd_start() {
  exec 8>"$dir/.lock"
  flock 8
  local pid
  if pid=$(registry_pid); then
    config_port
    say "already running (pid $pid)"
    wait_ready "$pid"
    return
  fi
  rm -f "$pidfile"
  port_open "$REGISTRY_PORT" && die "port $HOST:$REGISTRY_PORT is taken by another process (set REGISTRY_PORT)"
  cmd_fetch
  echo "$REGISTRY_PORT" >"$portfile"
  # shellcheck disable=SC2206  # heap options are a word list
  local jvm=($REGISTRY_HEAP_OPTS -XX:+UseSerialGC -XX:TieredStopAtLevel=1
             "-Dskred.registry.dir=$dir" -Dquarkus.http.host=$HOST
             "-Dquarkus.http.port=$REGISTRY_PORT" -Dquarkus.log.level=WARN
             -Dquarkus.log.category.io.apicurio.level=WARN)
  pid=$(cd "$REGISTRY_HOME" && spawn "$pidfile" "$logfile" java "${jvm[@]}" -jar "$RUNNER")
  [ -n "$pid" ] || die "registry did not start (no pid file)"
  say "started pid $pid (dir $dir, log $logfile); waiting up to ${REGISTRY_START_TIMEOUT}s"
  wait_ready "$pid"
}

cmd_stop() {
  local pid
  config_port
  if pid=$(registry_pid); then stop_pid "$pid" 20; else say "not running"; fi
  rm -f "$pidfile"
}

cmd_status() {
  local pid
  config_port
  pid=$(registry_pid) || { say "not running"; return 1; }
  if ready; then say "running: pid $pid, $(url), dir $dir"; return 0; fi
  say "pid $pid is alive but not ready (starting, stopping or stuck)"
  return 1
}

cmd_wait() {
  local pid
  config_port
  pid=$(registry_pid) || die "not running (start it with scripts/registry.sh start)"
  wait_ready "$pid"
}

cmd_url() { config_port; url; }

# The independent Avro consumer of the tests: Confluent's Python client with
# its Avro deserializer and registry client, once per version (stamp file).
cmd_venv() {
  local py=$REGISTRY_VENV/bin/python stamp=$REGISTRY_VENV/.skred-venv-stamp
  local want="confluent-kafka[avro,schemaregistry]==$CONFLUENT_KAFKA_VERSION"
  if ! { [ -x "$py" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; }; then
    mkdir -p "$(dirname "$REGISTRY_VENV")"
    (
      exec 9>"$REGISTRY_VENV.lock"
      flock 9
      [ -x "$py" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ] && exit 0
      rm -rf "$REGISTRY_VENV"
      say "making $REGISTRY_VENV with $want" >&2
      python3 -m venv "$REGISTRY_VENV" >&2 || exit 1
      "$py" -m pip install -q --disable-pip-version-check --only-binary :all: "$want" >&2 || exit 1
      "$py" -c 'import confluent_kafka.schema_registry.avro' || exit 1
      printf '%s\n' "$want" >"$stamp"
    ) || die "could not make the venv $REGISTRY_VENV"
  fi
  echo "$py"
}

"cmd_$cmd"
