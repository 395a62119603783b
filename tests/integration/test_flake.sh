#!/usr/bin/env bash
# flake.nix parses (nix-instantiate --parse, offline) and declares what the
# README promises: packages.default built with CMake and devShells.default.
# nixpkgs cannot be fetched here, so the flake is never evaluated or built.
set -euo pipefail
SRC=${SKRED_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
PASSED=0
FAILED=0
ok() { PASSED=$((PASSED + 1)); echo "ok - $*"; }
fail() { FAILED=$((FAILED + 1)); echo "FAIL - $*"; }

if ! command -v nix-instantiate >/dev/null; then
  echo "FAIL - nix-instantiate missing: scripts/install-deps.sh --test installs nix-bin"
  exit 1
fi
T=$(mktemp -d "${TMPDIR:-/tmp}/skred-flake.XXXXXX")
trap 'rm -rf "$T"' EXIT

# (nix warns on stderr when the nixbld group is missing: not an error)
if nix-instantiate --parse "$SRC/flake.nix" >"$T/ast" 2>"$T/err"; then
  ok "flake.nix parses"
else
  fail "flake.nix does not parse: $(cat "$T/err")"
fi
# The parsed form (normalised by nix) has the outputs the README names.
for want in 'packages = ' 'devShells = ' 'default = ((pkgs).stdenv.mkDerivation' \
            'default = ((pkgs).mkShell' 'cmake' 'pkg-config'; do
  if grep -qF -- "$want" "$T/ast"; then ok "flake has $want"; else fail "flake lacks $want"; fi
done
# A broken file is caught (the check can fail).
sed 's/outputs = {/outputs = {{/' "$SRC/flake.nix" >"$T/bad.nix"
if nix-instantiate --parse "$T/bad.nix" >/dev/null 2>&1; then
  fail "a syntax error was not caught"
else
  ok "a syntax error is caught"
fi
echo "$PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
