#!/usr/bin/env bash
# openapi-venv.sh - the venv of the OpenAPI check (tests/integration/
# test_openapi.sh): openapi-spec-validator and jsonschema from PyPI, pinned,
# made once per version set (a stamp file) under ${SKRED_CACHE:-~/.cache/skred}
# and shared by concurrent callers (flock). Prints the venv's python.
#
#   scripts/openapi-venv.sh     make it if needed, print its python
#
# Environment: OPENAPI_VENV (default ${SKRED_CACHE:-~/.cache/skred}/openapi-venv)
set -euo pipefail

OPENAPI_VENV=${OPENAPI_VENV:-${SKRED_CACHE:-${HOME:-/tmp}/.cache/skred}/openapi-venv}
want="openapi-spec-validator==0.9.0 jsonschema==4.26.0"
py=$OPENAPI_VENV/bin/python stamp=$OPENAPI_VENV/.skred-venv-stamp

if ! { [ -x "$py" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; }; then
  mkdir -p "$(dirname "$OPENAPI_VENV")"
  (
    exec 9>"$OPENAPI_VENV.lock"
    flock 9
    [ -x "$py" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ] && exit 0
    rm -rf "$OPENAPI_VENV"
    echo "openapi-venv: making $OPENAPI_VENV with $want" >&2
    python3 -m venv "$OPENAPI_VENV" >&2 || exit 1
    # shellcheck disable=SC2086 # two pinned requirements
    "$py" -m pip install -q --disable-pip-version-check --only-binary :all: $want >&2 || exit 1
    "$py" -c 'import openapi_spec_validator, openapi_schema_validator, jsonschema' || exit 1
    printf '%s\n' "$want" >"$stamp"
  ) || { echo "openapi-venv: could not make the venv $OPENAPI_VENV" >&2; exit 1; }
fi
echo "$py"
