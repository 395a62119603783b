#!/usr/bin/env bash
# Retry-After as an HTTP-date (the seconds form is in test_faults.sh): the
# simulator answers 429 with "Retry-After: <IMF-fixdate>", and the fetch
# waits until then (capped by fetch.retry_after_max_ms) instead of its short
# backoff (20-200 ms here).
. "$(dirname "$0")/lib.sh"

fetch_ms() { # prints the wall time of one small fetch in ms
  local t0 rc=0
  t0=$(date +%s%N)
  "$SKRED" fetch --regions 3011 --lang nb --from 2024-02-01 --to 2024-02-01 "$@" >"$T/fetch.out" 2>"$T/fetch.err" || rc=$?
  [ "$rc" -eq 0 ] || { echo "fetch failed ($rc): $(cat "$T/fetch.err")" >&2; echo -1; return; }
  echo $(( ($(date +%s%N) - t0) / 1000000 ))
}

# The date is now + 3 s, sent to the whole second: a wait of 2-3 s.
export SKRED_DATA_DIR="$T/date"
start_sim --fail-first 1:429 --retry-after 3 --retry-after-date
curl -si "$SIM_BASE/hydrology/forecast/avalanche/v6.3.0/api/AvalancheWarningByRegion/Detail/3012/1/2024-02-01/2024-02-01" >"$T/h"
grep -Eq '^Retry-After: [A-Z][a-z]{2}, [0-9]{2} [A-Z][a-z]{2} [0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2} GMT' "$T/h" && ok "simulator sends an IMF-fixdate" || fail "header: $(grep -i retry-after "$T/h")"
ms=$(fetch_ms --set fetch.retry_after_max_ms=10000)
[ "$ms" -ge 1900 ] && ok "HTTP-date Retry-After honoured (${ms} ms)" || fail "HTTP-date Retry-After ignored (${ms} ms)"
grep -q " 1 retries" "$T/fetch.out" && ok "one retry" || fail "retries: $(cat "$T/fetch.out")"

# Capped: a date 60 s away waits fetch.retry_after_max_ms (1 s), not 60 s.
export SKRED_DATA_DIR="$T/cap"
start_sim --fail-first 1:503 --retry-after 60 --retry-after-date
ms=$(fetch_ms --set fetch.retry_after_max_ms=1000)
[ "$ms" -ge 950 ] && ok "capped wait still waits (${ms} ms)" || fail "cap: no wait (${ms} ms)"
[ "$ms" -lt 30000 ] && ok "capped at fetch.retry_after_max_ms (${ms} ms)" || fail "cap ignored (${ms} ms)"

# Set through the simulator's control endpoint as well.
export SKRED_DATA_DIR="$T/control"
start_sim --fail-first 1:429
check "control: retry_after_date=1" 200 "$(curl -s -o "$T/c.json" -w '%{http_code}' "$SIM_BASE/_sim/config?retry_after=2&retry_after_date=1")"
grep -q '"retry_after_date":1' "$T/c.json" && ok "control reports the form" || fail "control: $(cat "$T/c.json")"
ms=$(fetch_ms --set fetch.retry_after_max_ms=10000)
[ "$ms" -ge 950 ] && ok "date set by control honoured (${ms} ms)" || fail "control date ignored (${ms} ms)"
finish
