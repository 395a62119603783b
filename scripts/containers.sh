#!/usr/bin/env bash
# containers.sh: build skred's container images with podman (no Docker
# engine or image registry needed) and run the compose stack (compose.yaml).
#
# Usage:
#   scripts/containers.sh base       the Debian bookworm base image
#                                    (debootstrap --variant=minbase, podman import),
#                                    cached as a tarball between runs
#   scripts/containers.sh images     base + every image compose.yaml uses:
#                                    skred, varsom-sim, Java, Kafka, Cassandra,
#                                    Apicurio registry, PostgreSQL
#   scripts/containers.sh compose [--offline] ARGS...
#                                    podman-compose (from PyPI, in a venv in the
#                                    cache) on compose.yaml with ARGS; --offline
#                                    adds compose.offline.yaml (varsom-sim as the API)
#   scripts/containers.sh env        print the environment the above use
#                                    (CONTAINERS_CONF), for eval
#
# The base image is made from the Debian mirror apt on this machine already
# uses (the first URIs: line of /etc/apt/sources.list.d/debian.sources, or
# the first deb line of /etc/apt/sources.list), so no host name is written
# here. Kafka, Cassandra and the registry are the same Maven Central
# artifacts scripts/kafka.sh, scripts/cassandra.sh and the registry tests
# use, from the same cache (resolved first if missing); each image's build
# context is a staging dir holding its Containerfile and those files.
#
# Environment (all optional):
#   SKRED_CACHE          cache root (default ~/.cache/skred): the base tarball,
#                        the jars, the podman-compose venv
#   SKRED_BASE_IMAGE     base image name (default localhost/skred-debian:bookworm)
#   SKRED_MIRROR         Debian mirror URL for debootstrap (default: apt's)
#   PODMAN_COMPOSE_VERSION  podman-compose from PyPI (default 1.6.0)
#   CONTAINERS_CONF      default: scripts/containers.conf (runc, cgroupfs,
#                        rlimits this sandbox allows)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src=$(cd "$here/.." && pwd)
cache=${SKRED_CACHE:-${HOME:-/tmp}/.cache/skred}
BASE=${SKRED_BASE_IMAGE:-localhost/skred-debian:bookworm}
PODMAN_COMPOSE_VERSION=${PODMAN_COMPOSE_VERSION:-1.6.0}
export CONTAINERS_CONF=${CONTAINERS_CONF:-$here/containers.conf}

KAFKA_VERSION=3.9.1
CASSANDRA_VERSION=5.0.9
APICURIO_VERSION=2.6.13.Final

say() { echo "containers: $*" >&2; }
die() { echo "containers: $*" >&2; exit 1; }

need() {
  local p missing=()
  for p in "$@"; do command -v "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  die "missing ${missing[*]}: run scripts/install-deps.sh --test (podman buildah runc debootstrap)"
}

mirror() { # the Debian mirror apt is configured with
  if [ -n "${SKRED_MIRROR:-}" ]; then echo "$SKRED_MIRROR"; return; fi
  local m=""
  if [ -f /etc/apt/sources.list.d/debian.sources ]; then
    m=$(awk '/^URIs:/ { for (i = 2; i <= NF; i++) if ($i !~ /security/) { print $i; exit } }' \
          /etc/apt/sources.list.d/debian.sources)
  fi
  if [ -z "$m" ] && [ -f /etc/apt/sources.list ]; then
    m=$(awk '$1 == "deb" && $0 !~ /security/ { for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) { print $i; exit } }' \
          /etc/apt/sources.list)
  fi
  [ -n "$m" ] || die "no Debian mirror in apt's sources: set SKRED_MIRROR"
  echo "$m"
}

have_image() { podman image exists "$1"; }

cmd_base() {
  need podman
  if have_image "$BASE"; then return 0; fi
  local tar=$cache/debian-bookworm-minbase.tar
  if [ ! -s "$tar" ]; then
    need debootstrap
    local root m
    m=$(mirror)
    mkdir -p "$cache"
    root=$(mktemp -d "${TMPDIR:-/tmp}/skred-debootstrap.XXXXXX")
    # shellcheck disable=SC2064  # expand now
    trap "rm -rf '$root'" EXIT
    say "debootstrap --variant=minbase bookworm from apt's mirror (~1 min)"
    debootstrap --variant=minbase bookworm "$root" "$m" >"$cache/debootstrap.log" 2>&1 ||
      { tail -20 "$cache/debootstrap.log" >&2; die "debootstrap failed (log $cache/debootstrap.log)"; }
    # Smaller: no apt lists or package cache in the base layer.
    rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin \
      "$root"/var/cache/apt/archives/*.deb
    tar -C "$root" -cf "$tar.tmp" . && mv "$tar.tmp" "$tar"
    rm -rf "$root"
    trap - EXIT
  fi
  say "podman import $tar as $BASE"
  podman import -q "$tar" "$BASE" >/dev/null
}

# stage NAME FILE...: a fresh build context $ctx (dir) with containers/NAME/*
# and FILEs hard-linked (or copied) in.
stage() {
  local name=$1; shift
  ctx=$cache/ctx/$name
  rm -rf "$ctx" && mkdir -p "$ctx"
  cp -r "$src/containers/$name/." "$ctx/"
  local f
  for f in "$@"; do cp -al "$f" "$ctx/" 2>/dev/null || cp -a "$f" "$ctx/"; done
}

build() { # IMAGE CONTEXT [podman build args]
  local image=$1 context=$2; shift 2
  say "building $image"
  # --network host: RUN apt-get reaches the mirror as the host does (on a
  # sandboxed machine the bridge's containers get no answer from the host's
  # resolver); only builds use it, the stack runs on its own network.
  podman build -q --network host --format docker --build-arg "BASE=$BASE" -t "$image" "$@" "$context" >/dev/null
}

cmd_images() {
  need podman buildah
  cmd_base
  local ctx
  # skred and the simulator: from the source tree (Containerfile at the top)
  build localhost/skred:latest "$src" -f "$src/Containerfile"
  build localhost/skred-varsom-sim:latest "$src" -f "$src/Containerfile" --target sim

  # one Java 17 runtime layer for Kafka, Cassandra and the registry
  build localhost/skred-java:17 "$src/containers/java"

  "$here/kafka.sh" fetch >/dev/null
  stage kafka "$cache/kafka-$KAFKA_VERSION/lib"
  build "localhost/skred-kafka:$KAFKA_VERSION" "$ctx"

  "$here/cassandra.sh" fetch >/dev/null
  stage cassandra "$cache/cassandra-$CASSANDRA_VERSION/lib"
  build "localhost/skred-cassandra:$CASSANDRA_VERSION" "$ctx"

  local reg_tar
  reg_tar=$(apicurio_tarball)
  stage registry "$reg_tar"
  build "localhost/skred-registry:$APICURIO_VERSION" "$ctx"

  build localhost/skred-postgres:15 "$src/containers/postgres"
  rm -rf "$cache/ctx"
}

# The registry's release tarball from Maven Central (through mvn, into its
# local repository, as the registry tests fetch it); prints its path.
apicurio_tarball() {
  local repo=${SKRED_MAVEN_REPO:-$HOME/.m2/repository}
  local f=$repo/io/apicurio/apicurio-registry-app/$APICURIO_VERSION/apicurio-registry-app-$APICURIO_VERSION-all.tar.gz
  if [ ! -s "$f" ]; then
    say "fetching io.apicurio:apicurio-registry-app:$APICURIO_VERSION (142 MB) with mvn"
    mvn -q -B dependency:get "-Dartifact=io.apicurio:apicurio-registry-app:$APICURIO_VERSION:tar.gz:all" \
      -Dtransitive=false ${SKRED_MAVEN_REPO:+"-Dmaven.repo.local=$SKRED_MAVEN_REPO"} >&2 ||
      die "mvn could not fetch the registry"
  fi
  echo "$f"
}

compose_bin() { # path of podman-compose, installed into a venv on first use
  local venv=$cache/podman-compose-venv
  if [ "$(cat "$venv/.skred-version" 2>/dev/null)" != "$PODMAN_COMPOSE_VERSION" ]; then
    say "pip install podman-compose==$PODMAN_COMPOSE_VERSION into $venv"
    rm -rf "$venv"
    python3 -m venv "$venv" >&2
    "$venv/bin/pip" install -q "podman-compose==$PODMAN_COMPOSE_VERSION" >&2 ||
      die "pip could not install podman-compose"
    echo "$PODMAN_COMPOSE_VERSION" >"$venv/.skred-version"
  fi
  echo "$venv/bin/podman-compose"
}

cmd_compose() {
  need podman
  local pc
  pc=$(compose_bin)
  local files=(-f "$src/compose.yaml")
  if [ "${1:-}" = --offline ]; then
    files+=(-f "$src/compose.offline.yaml")
    shift
  fi
  "$pc" "${files[@]}" "$@"
}

case ${1:-} in
  base) cmd_base ;;
  images) cmd_images ;;
  compose) shift; cmd_compose "$@" ;;
  env) echo "export CONTAINERS_CONF=$CONTAINERS_CONF" ;;
  *) sed -n '/^# Usage:/,/^# The base/p' "$0" | sed 's/^# \{0,1\}//;$d' >&2; exit 2 ;;
esac
