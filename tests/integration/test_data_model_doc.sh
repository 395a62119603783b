#!/usr/bin/env bash
# docs/DATA_MODEL.md's column lists are the ones `skred schema --doc`
# generates from the record field tables, and the check notices when not.
set -euo pipefail
SRC=${SKRED_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
SKRED=${SKRED:-$SRC/build/skred}
T=$(mktemp -d "${TMPDIR:-/tmp}/skred-test.XXXXXX")
trap 'rm -rf "$T"' EXIT
fails=0

if "$SRC/scripts/data-model-doc.sh" --check "$SKRED" "$SRC/docs/DATA_MODEL.md"; then
  echo "ok: docs/DATA_MODEL.md column lists are up to date"
else
  echo "FAIL: docs/DATA_MODEL.md differs from skred schema --doc"; fails=$((fails + 1))
fi

# A stale row, a missing block: the check fails on each.
sed 's/^\(| .snow_surface. |\) TEXT |/\1 INTEGER |/' \
  "$SRC/docs/DATA_MODEL.md" >"$T/stale.md"
if ! "$SRC/scripts/data-model-doc.sh" --check "$SKRED" "$T/stale.md" >/dev/null 2>&1; then
  echo "ok: a stale row is noticed"
else
  echo "FAIL: a stale row passed"; fails=$((fails + 1))
fi
grep -v 'schema --doc.: avalanche_advice' "$SRC/docs/DATA_MODEL.md" >"$T/missing.md"
if ! "$SRC/scripts/data-model-doc.sh" --check "$SKRED" "$T/missing.md" >/dev/null 2>&1; then
  echo "ok: a missing block is noticed"
else
  echo "FAIL: a missing block passed"; fails=$((fails + 1))
fi
[ "$fails" -eq 0 ]
