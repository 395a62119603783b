#!/usr/bin/env bash
# Install the Debian/Ubuntu packages skred needs to build and test, if any
# are missing. Uses sudo only when not root, and says so first.
set -euo pipefail

pkgs=(build-essential cmake pkg-config libcurl4-openssl-dev libjansson-dev
      libsqlite3-dev sqlite3 librdkafka-dev libssl-dev libmicrohttpd-dev tzdata curl python3 ca-certificates)
# The PostgreSQL ledger (src/sched/ledger_pg.c) links libpq.
pkgs+=(libpq-dev)
# bench/parse_bench compares model/'s JSON scanner with these parsers
# (simdjson is C++: g++ comes with build-essential).
pkgs+=(libcjson-dev libjson-c-dev libsimdjson-dev)
# zstd for the stored raw JSON (src/sqldb/zblob.c): headers and the runtime.
pkgs+=(libzstd-dev libzstd1)
# libavro (avro-c) for bus.format=avro (src/model/avro.c; opened at run
# time, cmake/avro.cmake reads its soname with objdump).
pkgs+=(libavro-dev)
test=false
if [ "${1:-}" = "--test" ]; then
  test=true
  # Tests also use clang (libFuzzer targets) and its sanitizer runtime,
  # headless Chromium driven by playwright-core from npm (the web UI test),
  # and wrk (the web benchmark).
  pkgs+=(clang libclang-rt-14-dev kcat openjdk-17-jre-headless maven time python3-venv
         chromium fonts-dejavu-core wrk)
  # A real PostgreSQL server for the PostgreSQL ledger tests (scripts/postgres.sh).
  pkgs+=(postgresql)
  # scripts/checksrc: shellcheck over the shell scripts, clang-format for
  # the layout of the C files.
  pkgs+=(shellcheck clang-format)
  # scripts/bus_values.py (tests and benchmarks reading bus.db values).
  pkgs+=(python3-zstandard)
  # promtool (tests/integration/test_metrics.sh checks /metrics with it);
  # Debian ships it only in the prometheus package.
  pkgs+=(prometheus)
  # tests/deploy/: the .deb (dpkg-dev's dpkg-shlibdeps for CPack, lintian,
  # file), the unit (systemd-analyze), the man page (groff, man).
  pkgs+=(dpkg-dev lintian file systemd groff-base man-db)
  # make test-containers: podman with runc, netavark/aardvark-dns (service
  # names on the compose network), debootstrap for the base image
  # (scripts/containers.sh); nix-instantiate parses flake.nix.
  pkgs+=(podman buildah runc netavark aardvark-dns debootstrap nix-bin)
  # what podman recommends (tested with them; --no-install-recommends skips them)
  pkgs+=(uidmap slirp4netns fuse-overlayfs)
  command -v npm >/dev/null || pkgs+=(nodejs npm)
fi

# The browser test's npm packages (tests/browser/package-lock.json), into
# tests/browser/node_modules; again only when the lock file changed.
npm_deps() {
  $test || return 0
  local dir
  dir="$(cd "$(dirname "$0")/../tests/browser" && pwd)"
  if ! cmp -s "$dir/package-lock.json" "$dir/node_modules/.skred-lock"; then
    echo "skred: npm ci in tests/browser (playwright-core)" >&2
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error &&
       cp package-lock.json node_modules/.skred-lock)
  fi
}

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  npm_deps
  exit 0
fi

if ! command -v apt-get >/dev/null; then
  echo "skred: missing packages (${missing[*]}) and no apt-get: install them by hand" >&2
  exit 1
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  echo "skred: installing system packages with sudo (apt-get needs root): ${missing[*]}" >&2
  SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
npm_deps
