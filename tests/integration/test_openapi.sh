#!/usr/bin/env bash
# test_openapi.sh - docs/openapi.yaml against a live daemon with data: the
# spec is valid OpenAPI, every object in it is typed (properties with
# required), and every GET path in it, with and without its example query
# parameters, answers a status the spec lists with a body that validates
# against the response schema (tests/integration/openapi_check.py, with
# openapi-spec-validator and jsonschema from PyPI in the venv of
# scripts/openapi-venv.sh). An endpoint documented later is walked too.
source "$(dirname "$0")/lib.sh"
PY=$("$SRC/scripts/openapi-venv.sh") || { fail "no venv for the OpenAPI check (scripts/openapi-venv.sh)"; finish; exit 1; }

start_sim --seed 6 --bad-rate 0.05
export SKRED_FAKE_NOW=2024-01-10T12:00:00Z
"$SKRED" run --regions 3011,3012,3013 --lang both --from 2024-01-01 --to 2024-01-10 -q >/dev/null 2>"$T/run.err"
start_serve
# a daemon run, with attempts, tasks, checks; run 1 is the spec's example
# id (this one, or the CLI's run above where the ledger records those)
id=$(curl -sf -X POST "$H/api/v1/runs?from=2024-01-09&to=2024-01-10&regions=3011&lang=nb" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
state=""
for _ in $(seq 300); do
  state=$(curl -sf "$H/api/v1/runs/$id" | python3 -c 'import json,sys; print(json.load(sys.stdin)["run"]["state"])')
  [ "$state" = success ] || [ "$state" = failed ] && break
  sleep 0.1
done
check "the daemon's run ended" success "$state"
check "run 1 exists" 200 "$(curl -s -o /dev/null -w '%{http_code}' "$H/api/v1/runs/1")"

"$PY" "$SRC/tests/integration/openapi_check.py" "$SRC/docs/openapi.yaml" "$H" >"$T/check.out" 2>&1 || true
cat "$T/check.out"
PASSED=$((PASSED + $(grep -c '^ok - ' "$T/check.out" || true)))
FAILED=$((FAILED + $(grep -c '^FAIL - ' "$T/check.out" || true)))
grep -q '^ok - the spec is valid' "$T/check.out" || fail "the checker did not run: $(tail -5 "$T/check.out")"
# the walk saw data, not only empty lists and 404s
grep -q '^ok - GET /api/v1/runs/1: 200, valid' "$T/check.out" && ok "run detail validated" || fail "run 1 not validated"
grep -Eq '^ok - GET /api/v1/dlq\?.*\(([1-9][0-9]*) dead_letters\)' "$T/check.out" && ok "dead letters validated" || fail "no dead letters in the walk"
grep -Eq '^ok - GET /api/v1/warnings\?.*detail=1: 200, valid against the spec \(([1-9][0-9]*) warnings\)' "$T/check.out" && ok "detailed warnings validated" || fail "no detailed warnings in the walk"

# The check can fail: a spec whose Region.id is a string is refused.
sed 's/^        id: {type: integer, minimum: 3001, maximum: 3046}$/        id: {type: string}/' "$SRC/docs/openapi.yaml" >"$T/bad.yaml"
cmp -s "$SRC/docs/openapi.yaml" "$T/bad.yaml" && fail "the bad spec is not different"
rc=0; "$PY" "$SRC/tests/integration/openapi_check.py" "$T/bad.yaml" "$H" >"$T/bad.out" 2>&1 || rc=$?
check "a wrong schema fails the check" 1 "$rc"
grep -q "^FAIL - GET /api/v1/regions: 46 schema error" "$T/bad.out" && ok "... naming the endpoint" || fail "bad spec: $(grep FAIL "$T/bad.out" | head -3)"
# and an untyped object
sed 's/^      required: \[position, text\]$//' "$SRC/docs/openapi.yaml" >"$T/untyped.yaml"
rc=0; "$PY" "$SRC/tests/integration/openapi_check.py" "$T/untyped.yaml" "$H" >"$T/untyped.out" 2>&1 || rc=$?
grep -q "components/schemas/Advice: properties without required" "$T/untyped.out" && ok "an object without required is refused" || fail "untyped: $(grep FAIL "$T/untyped.out" | head -3)"
stop_serve
finish
