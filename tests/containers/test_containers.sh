#!/usr/bin/env bash
# test_containers.sh (make test-containers): the images and the compose
# stack, for real, with podman.
#
#  1. scripts/containers.sh images: the debootstrapped Debian base (cached),
#     skred's multi-stage image, varsom-sim, Kafka, Cassandra, the registry,
#     PostgreSQL.
#  2. The image: skred runs as a non-root user, the data dir is a volume,
#     and `skred serve` on 0.0.0.0 without a token refuses to start.
#  2b. The host's .deb (make deb) installed by apt into the bare base:
#     --version, the user and data dir its postinst makes, a demo run.
#  3. compose.yaml + compose.offline.yaml (varsom-sim as the API) with the
#     "ha" profile: every healthcheck passes; a POST without the token is
#     refused; the daily run (POSTed with the token) lands in Cassandra
#     through Kafka with exactly the rows a reference run of the host's build
#     against the host's simulator (same seed, same window) stores in SQLite;
#     `skred show` inside the stack prints the table; both daemons share the
#     PostgreSQL ledger.
#  4. `down` then `up`: the data, the ledger and the table are still there.
#  5. A bigger run, and the skred container killed (SIGKILL) mid-run, then
#     `up`: the run is finished (by a daemon taking over the lease) and the
#     warehouse holds exactly the reference's rows: nothing lost, nothing
#     stored twice.
#  6. Reports the image size above the base layer, skred's idle RSS and the
#     stack's total RSS/PSS, and the time of each step.
# Everything it creates (containers, network, volumes) is removed at the end;
# the images stay cached. Published ports are on 127.0.0.1 only.
#
# Environment: SKRED (host build, default build/skred), VARSOM_SIM,
#   SKRED_CT_PROJECT (compose project, default skredct), SKRED_HTTP_PORT
#   (28080), SKRED_HTTP_PORT_2 (28082), REGISTRY_PORT (28081),
#   CASSANDRA_PORT (29042), POSTGRES_PORT (25432).
set -euo pipefail

SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
SKRED=${SKRED:-$SRC/build/skred}
VARSOM_SIM=${VARSOM_SIM:-$SRC/build/varsom-sim}
P=${SKRED_CT_PROJECT:-skredct}
export CONTAINERS_CONF=${CONTAINERS_CONF:-$SRC/scripts/containers.conf}
export SKRED_HTTP_PORT=${SKRED_HTTP_PORT:-28080}
export SKRED_HTTP_PORT_2=${SKRED_HTTP_PORT_2:-28082}
export REGISTRY_PORT=${REGISTRY_PORT:-28081}
export CASSANDRA_PORT=${CASSANDRA_PORT:-29042}
export POSTGRES_PORT=${POSTGRES_PORT:-25432}
SKRED_HTTP_TOKEN=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
export SKRED_HTTP_TOKEN
# a killed daemon's claim is taken over after this
export SKRED_SCHED_LEASE_MS=6000
export VARSOM_SIM_SEED=7
H="http://127.0.0.1:$SKRED_HTTP_PORT"
SERVICES=(kafka cassandra registry postgres varsom skred skred-2)

T=$(mktemp -d "${TMPDIR:-/tmp}/skred-containers.XXXXXX")
PASSED=0
FAILED=0
SIM_PID=""
T0=$SECONDS
ok() { PASSED=$((PASSED + 1)); echo "ok - $*"; }
fail() { FAILED=$((FAILED + 1)); echo "FAIL - $*"; }
check() { if [ "$2" = "$3" ]; then ok "$1"; else fail "$1: expected '$2', got '$3'"; fi; }
step() { echo "# [$((SECONDS - T0)) s] $*"; }
die() { fail "$*"; exit 1; }

compose() { "$SRC/scripts/containers.sh" compose --offline -p "$P" --profile ha "$@"; }
ctr() { echo "${P}_$1_1"; }

remove_all() { # containers, network and volumes of project $P
  compose down -v -t 20 >>"$T/compose.log" 2>&1 || true
  podman ps -aq --filter "label=io.podman.compose.project=$P" |
    xargs -r podman rm -f -t 5 >/dev/null 2>&1
  podman volume ls -q --filter "label=io.podman.compose.project=$P" |
    xargs -r podman volume rm -f >/dev/null 2>&1
  podman network exists "${P}_default" 2>/dev/null && podman network rm -f "${P}_default" >/dev/null 2>&1
  podman rm -f "${P}-probe" >/dev/null 2>&1 || true
  return 0
}

cleanup() {
  local rc=$?
  [ -n "$SIM_PID" ] && kill "$SIM_PID" 2>/dev/null && wait "$SIM_PID" 2>/dev/null
  if [ "$FAILED" -ne 0 ] || [ $rc -ne 0 ]; then
    for s in "${SERVICES[@]}"; do
      podman logs --tail 30 "$(ctr "$s")" >"$T/$s.log" 2>&1 || true
    done
    echo "logs of the containers kept in $T"
  fi
  remove_all
  [ "$FAILED" -eq 0 ] && [ $rc -eq 0 ] && rm -rf "$T"
  step "done (cleaned up)"
}
trap cleanup EXIT

for t in podman curl python3; do
  command -v "$t" >/dev/null || die "$t missing (scripts/install-deps.sh --test)"
done
[ -x "$SKRED" ] && [ -x "$VARSOM_SIM" ] || die "no host build at $SKRED (make build)"
for port in "$SKRED_HTTP_PORT" "$SKRED_HTTP_PORT_2" "$REGISTRY_PORT" "$CASSANDRA_PORT" "$POSTGRES_PORT"; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    die "127.0.0.1:$port is taken (a stale stack? scripts/containers.sh compose -p $P down -v)"
  fi
done
remove_all

# ---- 1. images --------------------------------------------------------------
step "building the base and the images"
t=$SECONDS
"$SRC/scripts/containers.sh" images >"$T/images.log" 2>&1 || { tail -30 "$T/images.log"; die "image build failed"; }
ok "images built ($((SECONDS - t)) s)"

size() { podman image inspect --format '{{.Size}}' "$1"; }
base_size=$(size localhost/skred-debian:bookworm)
skred_size=$(size localhost/skred:latest)
above=$(( (skred_size - base_size) / 1000000 ))
echo "# image localhost/skred: $((skred_size / 1000000)) MB, $above MB above the base layer ($((base_size / 1000000)) MB)"
if [ "$above" -le 60 ]; then ok "skred image is <= 60 MB above the base"; else fail "skred image is $above MB above the base"; fi

# ---- 2. the image alone -------------------------------------------------------
check "the image runs as the user skred" "skred" \
  "$(podman run --rm --entrypoint /usr/bin/id localhost/skred:latest -un 2>/dev/null)"
check "/var/lib/skred is a volume" "true" \
  "$(podman image inspect --format '{{json .Config.Volumes}}' localhost/skred:latest |
     python3 -c 'import json,sys; print(str("/var/lib/skred" in json.load(sys.stdin)).lower())')"
check "the default command is skred serve" '["/usr/local/bin/skred"] ["serve"]' \
  "$(podman image inspect --format '{{json .Config.Entrypoint}} {{json .Config.Cmd}}' localhost/skred:latest)"
# the libraries skred opens at run time (the build's dlopen-libs: libavro
# for bus.format=avro), which ldd did not see, are in the image too
dl_libs=$(cat "$(dirname "$SKRED")/dlopen-libs" 2>/dev/null || true)
img_libs=$(podman run --rm --entrypoint /sbin/ldconfig localhost/skred:latest -p 2>/dev/null | awk '{ print $1 }')
dl_missing=()
for lib in $dl_libs; do grep -qx -- "$lib" <<<"$img_libs" || dl_missing+=("$lib"); done
if [ -n "$dl_libs" ] && [ ${#dl_missing[@]} -eq 0 ]; then
  ok "the image has the libraries skred opens at run time (${dl_libs//$'\n'/ })"
elif [ -z "$dl_libs" ]; then
  fail "no $(dirname "$SKRED")/dlopen-libs (the build writes it)"
else
  fail "not in the image: ${dl_missing[*]}"
fi
rc=0
timeout 30 podman run --rm --name "${P}-probe" localhost/skred:latest >"$T/notoken.log" 2>&1 || rc=$?
if [ "$rc" -eq 2 ] && grep -q "http.token" "$T/notoken.log"; then
  ok "serve on 0.0.0.0 without http.token refuses to start (exit 2)"
else
  fail "serve without a token: exit $rc, $(tail -2 "$T/notoken.log")"
fi

# ---- 2b. the .deb on the bare base ---------------------------------------------
# The host build's package (make deb) installed by apt into the same Debian
# base the images use: its computed Depends resolve, postinst makes the user
# and /var/lib/skred, and a demo run against the packaged simulator stores
# and shows warnings.
step "the .deb in the base image"
t=$SECONDS
BUILD_DIR=$(dirname "$SKRED")
rm -f "$BUILD_DIR"/skred_*.deb
(cd "$BUILD_DIR" && cpack -G DEB >"$T/cpack.log" 2>&1) || die "cpack: $(tail -3 "$T/cpack.log")"
deb=$(ls "$BUILD_DIR"/skred_*.deb)
# --network host: apt reaches the mirror as the host does (a plain run's
# bridge has no resolver for it here; builds do); the simulator listens on
# 127.0.0.1 with a free port.
podman run --rm --network host --name "${P}-probe" -v "$deb:/tmp/skred.deb:ro" localhost/skred-debian:bookworm sh -ec '
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >/dev/null
  apt-get install -y -q --no-install-recommends /tmp/skred.deb >/tmp/apt.log 2>&1 || { tail -20 /tmp/apt.log; exit 1; }
  echo "version: $(skred --version)"
  echo "user: $(getent passwd skred | cut -d: -f1,6)"
  echo "state: $(stat -c %U:%a /var/lib/skred)"
  echo "conffile: $(dpkg-query -W -f="\${Conffiles}" skred | awk "{print \$1}")"
  /usr/libexec/skred/varsom-sim --quiet --port 0 --port-file /tmp/port --seed 7 &
  for i in $(seq 100); do [ -s /tmp/port ] && break; sleep 0.1; done
  export SKRED_VARSOM_URL="http://127.0.0.1:$(cat /tmp/port)/hydrology/forecast/avalanche/v6.3.0/api"
  export SKRED_DATA_DIR=/var/lib/skred SKRED_FETCH_MIN_INTERVAL_MS=0
  runuser -u skred -- skred run --regions 3011,3022 --lang both --from 2024-01-01 --to 2024-01-03 -q
  runuser -u skred -- skred show --regions 3011 --from 2024-01-01 --to 2024-01-03 | sed "s/^/show: /"
' >"$T/deb.log" 2>&1 || { tail -30 "$T/deb.log"; die "the .deb in the base failed"; }
grep -q "^version: skred " "$T/deb.log" && ok "the .deb installs with apt into the base and runs skred --version" || fail "deb: $(head -5 "$T/deb.log")"
check "its postinst made the skred user with home /var/lib/skred" "skred:/var/lib/skred" "$(sed -n 's/^user: //p' "$T/deb.log")"
check "and /var/lib/skred, owned by skred" "skred:700" "$(sed -n 's/^state: //p' "$T/deb.log")"
check "/etc/skred/skred.conf is a conffile" "/etc/skred/skred.conf" "$(sed -n 's/^conffile: //p' "$T/deb.log" | tr -d ' ')"
shown=$(grep -c "^show: .*3011" "$T/deb.log" || true)
[ "$shown" -ge 3 ] && ok "a demo run as the skred user stores warnings and skred show prints them ($shown rows, $((SECONDS - t)) s)" || fail "demo run in the base: $(tail -8 "$T/deb.log")"

# ---- the reference: the host's build against the host's simulator -----------
start_host_sim() {
  "$VARSOM_SIM" --quiet --port 0 --port-file "$T/sim.port" --seed "$VARSOM_SIM_SEED" >/dev/null 2>"$T/sim.err" &
  SIM_PID=$!
  for _ in $(seq 200); do [ -s "$T/sim.port" ] && break; sleep 0.05; done
  [ -s "$T/sim.port" ] || die "host simulator did not start"
}
# reference_run FROM TO REGIONS LANG: the same run into a host SQLite warehouse
reference_run() {
  env -u SKRED_CONFIG SKRED_DATA_DIR="$T/ref" SKRED_FETCH_MIN_INTERVAL_MS=0 \
    SKRED_VARSOM_URL="http://127.0.0.1:$(cat "$T/sim.port")/hydrology/forecast/avalanche/v6.3.0/api" \
    SKRED_BUS=sqlite SKRED_STORE=sqlite SKRED_LOG_LEVEL=warn \
    "$SKRED" run --from "$1" --to "$2" --regions "$3" --lang "$4" >>"$T/ref.log" 2>&1 ||
    die "reference run failed: $(tail -3 "$T/ref.log")"
}
ref_counts() {
  local w=$T/ref/warehouse.db
  printf '%s %s %s\n' \
    "$(sqlite3 "$w" 'SELECT count(*) FROM avalanche_warning')" \
    "$(sqlite3 "$w" 'SELECT count(*) FROM avalanche_problem')" \
    "$(sqlite3 "$w" 'SELECT count(*) FROM warning_revision')"
}
stack_counts() {
  curl -sf "$H/api/v1/warehouse" |
    python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["warnings"], d["problems"], d["revisions"])'
}
api() { curl -sf "$H$1"; }
post() { curl -s -o "$T/post.out" -w '%{http_code}' -X POST "$@"; }
jget() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

# ---- 3. the stack -------------------------------------------------------------
# wait_healthy SECONDS: every service's healthcheck passes. podman 4.3 runs
# healthchecks from systemd timers (none here) and podman-compose ignores
# depends_on: service_healthy before podman 4.6, so the test runs them; the
# skred daemons meanwhile wait out their backends' outage themselves.
wait_healthy() {
  local deadline=$((SECONDS + $1)) s pending
  while :; do
    pending=()
    for s in "${SERVICES[@]}"; do
      podman healthcheck run "$(ctr "$s")" >/dev/null 2>&1 || pending+=("$s")
    done
    [ ${#pending[@]} -eq 0 ] && return 0
    [ $SECONDS -ge $deadline ] && { echo "# not healthy: ${pending[*]}"; return 1; }
    sleep 3
  done
}
up() {
  local t=$SECONDS
  compose up -d >>"$T/compose.log" 2>&1 || { tail -20 "$T/compose.log"; die "compose up failed"; }
  if wait_healthy 400; then ok "$1: every service healthy ($((SECONDS - t)) s)"; else die "$1: not healthy"; fi
}

# wait_run ID SECONDS: until the run is success (or failed/timeout)
wait_run() {
  local deadline=$((SECONDS + $2)) st=""
  while [ $SECONDS -lt $deadline ]; do
    st=$(api "/api/v1/runs/$1" 2>/dev/null | jget 'd["run"]["state"]' 2>/dev/null || true)
    case $st in success|failed) break ;; esac
    sleep 1
  done
  echo "$st"
}

step "compose up (offline, profile ha)"
up "first up"
check "a POST without the token is refused" 401 "$(post "$H/api/v1/runs")"
t=$SECONDS
code=$(post -H "Authorization: Bearer $SKRED_HTTP_TOKEN" "$H/api/v1/runs")
check "the daily run is queued with the token" 201 "$code"
id1=$(jget 'd["id"]' <"$T/post.out")
from1=$(jget 'd["window_from"]' <"$T/post.out")
to1=$(jget 'd["window_to"]' <"$T/post.out")
check "the daily run succeeds" success "$(wait_run "$id1" 300)"
echo "# daily run $from1..$to1 took $((SECONDS - t)) s"
check "the warehouse is Cassandra" cassandra "$(api /api/v1/warehouse | jget 'd["backend"]')"
raw_end=$(api /api/v1/topics | python3 -c '
import json,sys
d=json.load(sys.stdin)
t=[x for x in d["topics"] if x["topic"]=="avalanche_region_warning"][0]
print(sum(p["end_offset"] for p in t["partitions"]))' 2>/dev/null || echo "?")
if [[ $raw_end =~ ^[0-9]+$ ]] && [ "$raw_end" -gt 0 ]; then
  ok "the raw warnings went through Kafka ($raw_end messages)"
else
  fail "no messages on the Kafka raw topic ($raw_end)"
fi
start_host_sim
reference_run "$from1" "$to1" A nb
ref1=$(ref_counts)
check "Cassandra holds the reference's warnings/problems/revisions" "$ref1" "$(stack_counts)"
podman exec "$(ctr skred)" skred show >"$T/show1" 2>&1 || true
nreg=$(grep -c '^20[0-9][0-9]-[0-9][0-9]-[0-9][0-9] ' "$T/show1" || true)
if head -1 "$T/show1" | grep -q 'region' && [ "$nreg" -ge 10 ]; then
  ok "skred show inside the stack prints the table ($nreg rows)"
else
  fail "skred show: $(head -3 "$T/show1")"
fi
alive=$(api /api/v1/status | jget 'sum(1 for x in d["daemons"] if x["alive"] and x["role"] == "serve")')
check "two daemons share the PostgreSQL ledger" 2 "$alive"
check "the registry answers its Confluent API" '[]' \
  "$(curl -sf "http://127.0.0.1:$REGISTRY_PORT/apis/ccompat/v7/subjects")"

# measured idle, before the bigger run
sleep 5
pid=$(podman inspect -f '{{.State.Pid}}' "$(ctr skred)")
echo "# skred container idle RSS: $(($(awk '/^VmRSS/ { print $2 }' "/proc/$pid/status") / 1024)) MiB"

# ---- 4. down, up ------------------------------------------------------------
step "down, then up again (the volumes stay)"
t=$SECONDS
compose down -t 30 >>"$T/compose.log" 2>&1 || die "compose down failed"
check "down removed the containers" "" "$(podman ps -aq --filter "label=io.podman.compose.project=$P")"
echo "# down took $((SECONDS - t)) s"
up "after down"
check "the warehouse kept its rows" "$ref1" "$(stack_counts)"
check "the ledger kept the run" success "$(api "/api/v1/runs/$id1" | jget 'd["run"]["state"]')"
podman exec "$(ctr skred)" skred show >"$T/show2" 2>&1 || true
check "skred show prints the same table" "$(md5sum <"$T/show1")" "$(md5sum <"$T/show2")"

# ---- 5. kill mid-run ----------------------------------------------------------
step "a bigger run, the skred container killed mid-run, then up"
to2=$(date -u +%F)
from2=$(date -u -d "$to2 - 60 days" +%F)
code=$(post -H "Authorization: Bearer $SKRED_HTTP_TOKEN" "$H/api/v1/runs?from=$from2&to=$to2&regions=all&lang=both")
check "the bigger run is queued" 201 "$code"
id2=$(jget 'd["id"]' <"$T/post.out")
# kill the daemon that claimed it, once it has fetched something
owner=""
for _ in $(seq 300); do
  read -r st owner < <(api "/api/v1/runs/$id2" | jget '" ".join([d["run"]["state"], d["run"]["owner"] or "-"])' || echo "? -")
  [ "$st" = running ] && break
  sleep 0.2
done
check "the bigger run is running" running "$st"
sleep 3
st=$(api "/api/v1/runs/$id2" | jget 'd["run"]["state"]')
victim=skred
host2=$(podman inspect -f '{{.Config.Hostname}}' "$(ctr skred-2)")
[[ $owner == "$host2":* ]] && victim=skred-2
if [ "$st" = running ]; then
  podman kill -s KILL "$(ctr "$victim")" >/dev/null
  ok "killed $victim (owner of the running run) mid-run"
else
  fail "the run was no longer running when killed ($st): make it bigger"
fi
up "after the kill"
check "the interrupted run finishes" success "$(wait_run "$id2" 600)"
attempts=$(api "/api/v1/runs/$id2" | jget 'len(d["attempts"])')
echo "# run $id2: $attempts attempts"
reference_run "$from2" "$to2" all both
ref2=$(ref_counts)
check "after the kill Cassandra holds exactly the reference's rows" "$ref2" "$(stack_counts)"

# ---- 6. measurements ------------------------------------------------------------
step "memory after the runs"
total_rss=0
total_pss=0
for s in "${SERVICES[@]}"; do
  rss=0
  pss=0
  for hp in $(podman top "$(ctr "$s")" hpid 2>/dev/null | tail -n +2); do
    r=$(awk '/^VmRSS/ { print $2 }' "/proc/$hp/status" 2>/dev/null || echo 0)
    q=$(awk '/^Pss:/ { print $2 }' "/proc/$hp/smaps_rollup" 2>/dev/null || echo 0)
    rss=$((rss + ${r:-0}))
    pss=$((pss + ${q:-0}))
  done
  printf '# %-10s RSS %5d MiB  PSS %5d MiB\n' "$s" $((rss / 1024)) $((pss / 1024))
  total_rss=$((total_rss + rss))
  total_pss=$((total_pss + pss))
done
echo "# stack total: RSS $((total_rss / 1024)) MiB, PSS $((total_pss / 1024)) MiB"
echo "# total time $((SECONDS - T0)) s"
echo "$PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
