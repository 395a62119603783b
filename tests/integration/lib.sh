# shellcheck shell=bash
# lib.sh - shared helpers for the integration tests (sourced).
# Each test gets its own temp dir, a simulator on 127.0.0.1 and a data dir.
set -euo pipefail

SRC=${SKRED_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
SKRED=${SKRED:-$SRC/build/skred}
VARSOM_SIM=${VARSOM_SIM:-$SRC/build/varsom-sim}
T=$(mktemp -d "${TMPDIR:-/tmp}/skred-test.XXXXXX")
SIM_PID=""
PASSED=0
FAILED=0

SERVE_PID=""

cleanup() {
  [ -n "$SERVE_PID" ] && kill "$SERVE_PID" 2>/dev/null && wait "$SERVE_PID" 2>/dev/null || true
  [ -n "$SIM_PID" ] && kill "$SIM_PID" 2>/dev/null && wait "$SIM_PID" 2>/dev/null || true
  if [ "$FAILED" -eq 0 ]; then rm -rf "$T"; else echo "kept $T for inspection"; fi
}
trap cleanup EXIT

# Fast retries and no politeness delay against the local simulator.
export SKRED_DATA_DIR="$T/data"
export SKRED_FETCH_MIN_INTERVAL_MS=0
export SKRED_FETCH_BACKOFF_BASE_MS=20
export SKRED_FETCH_BACKOFF_CAP_MS=200
export SKRED_FETCH_RETRY_AFTER_MAX_MS=1000
export SKRED_LOG_LEVEL=${SKRED_LOG_LEVEL:-warn}
unset SKRED_CONFIG SKRED_REGIONS SKRED_LANG SKRED_BUS SKRED_STORE || true

# start_sim [sim flags...]: (re)start the simulator, export SKRED_VARSOM_URL.
start_sim() {
  stop_sim
  rm -f "$T/sim.port"
  "$VARSOM_SIM" --quiet --port 0 --port-file "$T/sim.port" "$@" >"$T/sim.out" 2>"$T/sim.err" &
  SIM_PID=$!
  for _ in $(seq 200); do [ -s "$T/sim.port" ] && break; sleep 0.05; done
  [ -s "$T/sim.port" ] || { echo "simulator did not start"; cat "$T/sim.err"; exit 1; }
  SIM_PORT=$(cat "$T/sim.port")
  SIM_BASE="http://127.0.0.1:$SIM_PORT"
  export SKRED_VARSOM_URL="$SIM_BASE/hydrology/forecast/avalanche/v6.3.0/api"
}

stop_sim() {
  if [ -n "$SIM_PID" ]; then
    kill "$SIM_PID" 2>/dev/null || true
    wait "$SIM_PID" 2>/dev/null || true
    SIM_PID=""
  fi
}

# free_port: an unused TCP port on 127.0.0.1.
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# start_serve [env assignments...]: `skred serve` with its HTTP API on a free
# loopback port (log in $T/serve.log); sets H (base URL) and SERVE_PID and
# waits for /healthz. stop_serve sends SIGTERM, waits, and checks exit 0.
start_serve() {
  local port
  port=$(free_port)
  H="http://127.0.0.1:$port"
  env SKRED_HTTP_ADDR="127.0.0.1:$port" "$@" "$SKRED" serve >>"$T/serve.log" 2>&1 &
  SERVE_PID=$!
  for _ in $(seq 100); do curl -sf "$H/healthz" >/dev/null && return 0; sleep 0.1; done
  echo "skred serve did not answer on $H"; tail -5 "$T/serve.log"; exit 1
}
stop_serve() {
  [ -n "$SERVE_PID" ] || return 0
  local rc=0
  kill -TERM "$SERVE_PID" 2>/dev/null || true
  wait "$SERVE_PID" 2>/dev/null || rc=$?
  SERVE_PID=""
  # 0 after SIGTERM; under ASan a leak or an error report is non-zero.
  [ "$rc" -eq 0 ] && ok "serve stopped cleanly" || fail "serve exited $rc: $(tail -5 "$T/serve.log")"
}

sim_get() { curl -sf "$SIM_BASE$1"; }

ok() { PASSED=$((PASSED + 1)); echo "ok - $*"; }
fail() { FAILED=$((FAILED + 1)); echo "FAIL - $*"; }

# check DESCRIPTION EXPECTED ACTUAL
check() {
  if [ "$2" = "$3" ]; then ok "$1"; else fail "$1: expected '$2', got '$3'"; fi
}

# check_cmd DESCRIPTION command...: the command must succeed.
check_cmd() {
  local d=$1; shift
  if "$@"; then ok "$d"; else fail "$d (exit $?)"; fi
}

# sq DB SQL: one value from an SQLite database.
sq() { sqlite3 -batch -noheader "$1" "$2"; }
wh() { sq "$SKRED_DATA_DIR/warehouse.db" "$1"; }
bus() { sq "$SKRED_DATA_DIR/bus.db" "$1"; }

# Canonical content of a warehouse, without volatile bookkeeping columns.
dump_warehouse() { python3 "$SRC/tests/integration/dump_warehouse.py" "$1"; }

finish() {
  echo "$PASSED passed, $FAILED failed"
  [ "$FAILED" -eq 0 ]
}
