#!/usr/bin/env bash
# Install the Debian/Ubuntu packages skred needs to build and test, if any
# are missing. Uses sudo only when not root, and says so first.
set -euo pipefail

pkgs=(build-essential cmake pkg-config libcurl4-openssl-dev libjansson-dev
      libsqlite3-dev sqlite3 librdkafka-dev libssl-dev libmicrohttpd-dev tzdata curl python3 ca-certificates)
if [ "${1:-}" = "--test" ]; then
  # Tests also use clang (libFuzzer targets) and its sanitizer runtime.
  pkgs+=(clang libclang-rt-14-dev kcat openjdk-17-jre-headless maven time python3-venv)
fi

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

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
