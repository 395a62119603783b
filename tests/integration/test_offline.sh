#!/usr/bin/env bash
# test_offline.sh - a first run without a network (issue 15 item 4): an API
# that cannot be reached (connection refused, a name that does not resolve)
# costs the first chunk's retries and ends with one summary line naming the
# URL, the reason, the chunks and `make demo`, exit 1, instead of a retry
# line per attempt of every chunk. Transient errors once the API answers are
# retried as before.
source "$(dirname "$0")/lib.sh"

# A loopback port with nothing listening: connection refused at once.
closed=$(free_port)
rc=0
SKRED_LOG_LEVEL=info "$SKRED" run --regions A --lang nb --set fetch.attempts=3 \
  --set varsom_url="http://127.0.0.1:$closed/api" >"$T/refused.out" 2>"$T/refused.err" || rc=$?
check "connection refused: exit 1" 1 "$rc"
check "one summary line" 1 "$(grep -c "cannot reach the API at http://127.0.0.1:$closed/api (after 3 attempts: Couldn't connect to server): 24 of 24 chunk(s) failed, 23 not tried; no network? try \`make demo\`" "$T/refused.err")"
check "one chunk tried: 2 retry lines" 2 "$(grep -c "source: retry" "$T/refused.err")"
check "one chunk failure logged" 1 "$(grep -c "chunk failed" "$T/refused.err")"
grep -q " 3 requests, 2 retries, 24 failed chunks" "$T/refused.out" && ok "3 requests made, 24 chunks failed" || fail "stats: $(cat "$T/refused.out")"
# At info: the run's start and outcome lines (skred run is a ledger run),
# the first chunk's 2 retries, its failure, the summary.
lines=$(grep -vc "schema: subject" "$T/refused.err")
[ "$lines" -le 6 ] && ok "stderr is short ($lines lines)" || fail "stderr has $lines lines: $(head -20 "$T/refused.err")"

# `fetch` alone, both languages: the count covers every chunk.
rc=0
"$SKRED" fetch --regions A --lang both --set fetch.attempts=2 \
  --set varsom_url="http://127.0.0.1:$closed/api" >"$T/fetch.out" 2>"$T/fetch.err" || rc=$?
check "fetch, connection refused: exit 1" 1 "$rc"
grep -q "48 of 48 chunk(s) failed, 47 not tried" "$T/fetch.err" && ok "both languages: 48 chunks counted" || fail "fetch: $(cat "$T/fetch.err")"

# A name that cannot resolve (.invalid, RFC 6761: fails without a network).
rc=0
"$SKRED" fetch --regions A --lang nb --set fetch.attempts=2 \
  --set varsom_url="http://varsom.invalid/api" >"$T/nx.out" 2>"$T/nx.err" || rc=$?
check "unresolvable host: exit 1" 1 "$rc"
grep -q "cannot reach the API at http://varsom.invalid/api (after 2 attempts: Couldn't resolve host name): 24 of 24 chunk(s) failed, 23 not tried; no network?" "$T/nx.err" \
  && ok "resolve failure summarised" || fail "resolve: $(cat "$T/nx.err")"
check "one chunk failure logged" 1 "$(grep -c "chunk failed" "$T/nx.err")"

# Credentials in the URL stay masked in the summary.
rc=0
SKRED_VARSOM_URL="http://u:sekrit@127.0.0.1:$closed/api" "$SKRED" fetch \
  --regions 3011,3012 --lang nb --set fetch.attempts=1 >/dev/null 2>"$T/pw.err" || rc=$?
grep -q "cannot reach the API at http://u:\*\*\*@127.0.0.1:$closed/api" "$T/pw.err" && ok "summary masks the URL's password" || fail "masking: $(cat "$T/pw.err")"
grep -q sekrit "$T/pw.err" && fail "password shown" || ok "password not shown"

# Once the API answers, a transient failure is retried as before: every
# path's first attempt is reset, every chunk then succeeds (the first
# chunk's reset reaches the server: it is no reason to stop).
start_sim --fail-first 1:reset
rc=0
"$SKRED" fetch --regions A --lang nb --from 2024-02-01 --to 2024-02-10 >"$T/reset.out" 2>"$T/reset.err" || rc=$?
check "resets after the API answered: exit 0" 0 "$rc"
# (curl itself resends a request reset on a reused connection: the
# retries counted here are 24 or fewer)
grep -Eq " 240 warnings .* [1-9][0-9]* retries, 0 failed chunks" "$T/reset.out" && ok "chunks retried, all fetched" || fail "reset: $(cat "$T/reset.out") $(tail -3 "$T/reset.err")"

# Many chunks failing on an API that answers: the error lists those that
# fit whole and counts the rest (it was cut mid-word at 512 bytes).
rc=0
"$SKRED" fetch --regions A --lang nb --set varsom_url="$SIM_BASE/wrong/api" >/dev/null 2>"$T/nf.err" || rc=$?
check "24 chunks answered 404: exit 1" 1 "$rc"
line=$(grep "^skred fetch: 24 of 24 chunk(s) failed: region 3003 lang 1 .*: HTTP 404; .*; and [0-9]* more$" "$T/nf.err" || true)
[ -n "$line" ] && ok "failures listed whole, the rest counted" || fail "404 list: $(cat "$T/nf.err")"
listed=$(grep -o "HTTP 404" <<<"$line" | wc -l)
more=${line##*; and }
more=${more% more}
check "listed + counted = 24" 24 "$((listed + more))"
[ "${#line}" -lt 540 ] && ok "the line fits an error message (${#line} bytes)" || fail "line of ${#line} bytes"

finish
