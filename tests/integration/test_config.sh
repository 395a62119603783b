#!/usr/bin/env bash
# Configuration checked at load, before any work: bad values name the key,
# the value and the allowed set or bounds (exit 2) in every subcommand,
# `skred config` included; `skred run` with a bad value leaves the bus
# empty; `config --check FILE` lists every error; unknown keys and SKRED_*
# variables get a "did you mean"; --config DIR, --concurrency 0 and two
# schedules of one name are refused; --doc shows enums and bounds.
. "$(dirname "$0")/lib.sh"
code() { local rc=0; "$@" >"$T/out" 2>"$T/err" || rc=$?; echo "$rc"; }
has() { grep -qF -- "$2" "$T/err" && ok "$1" || fail "$1: $(cat "$T/err")"; }

# Enums and bounds, in `skred config` too (it used to exit 0 here).
check "config: bad enum values exit 2" 2 "$(code "$SKRED" config --set bus.publish_clean=maybe --set cassandra.consistency=SOMETIMES)"
has "... naming key, value and the allowed set" "bus.publish_clean must be yes, no or auto, got 'maybe'"
check "config: cassandra.consistency alone" 2 "$(code "$SKRED" config --set cassandra.consistency=SOMETIMES)"
has "... its allowed set" "cassandra.consistency must be ONE, TWO, THREE, QUORUM, ALL, LOCAL_QUORUM, EACH_QUORUM or LOCAL_ONE, got 'SOMETIMES'"
check "consistency in any case, as before" "cassandra.consistency = ONE" "$("$SKRED" config --set cassandra.consistency=one | grep '^cassandra.consistency')"
check "store=postgres: exit 2" 2 "$(code "$SKRED" status --set store=postgres)"
has "... names the backends" "store must be sqlite or cassandra, got 'postgres'"
check "log_level=loud: exit 2" 2 "$(code "$SKRED" regions --set log_level=loud)"
has "... names the levels" "log_level must be error, warn, info or debug, got 'loud'"
check "bad env enum: exit 2" 2 "$(SKRED_BUS=pigeon code "$SKRED" config)"
has "... names the variable" "environment SKRED_BUS: bus must be sqlite or kafka, got 'pigeon'"
check "int bounds: exit 2" 2 "$(code "$SKRED" config --set sched.publish_hour=24)"
has "... names the bounds" "sched.publish_hour must be between 0 and 23, got 24"
check "bool: exit 2" 2 "$(code "$SKRED" config --set sched.catchup=perhaps)"
has "... names the forms" "sched.catchup must be true or false, got 'perhaps'"
check "bad regions in config: exit 2" 2 "$(code "$SKRED" config --set regions=9999)"
check "bad lang in config: exit 2" 2 "$(code "$SKRED" config --set lang=de)"
check "ledger=mysql, a backend this build lacks: exit 2" 2 "$(code "$SKRED" status --set ledger=mysql)"
has "... names the built ones" "ledger: unknown backend 'mysql' (this skred has: sqlite"
if "$SKRED" config --set ledger=postgres --set ledger.postgres_url=x >/dev/null 2>&1; then # a build with libpq
  check "ledger=postgres without its URL: exit 2" 2 "$(code "$SKRED" config --set ledger=postgres)"
  has "... names the key" "ledger = postgres needs ledger.postgres_url"
fi

# `skred run` refuses before fetching: the bus stays empty.
start_sim --seed 5
sim_requests() { sim_get /_sim/stats | python3 -c 'import json,sys; print(json.load(sys.stdin)["requests"])'; }
for bad in store=postgres bus.publish_clean=maybe; do
  rm -rf "$SKRED_DATA_DIR"
  check "run --set $bad: exit 2" 2 "$(code "$SKRED" run --regions 3011 --from 2024-01-01 --to 2024-01-02 --set "$bad")"
  if [ -e "$SKRED_DATA_DIR/bus.db" ]; then
    check "run --set $bad: nothing on the bus" 0 "$(bus "SELECT COUNT(*) FROM message")"
  else
    ok "run --set $bad: no bus even created"
  fi
  check "run --set $bad: no request reached the API" 0 "$(sim_requests)"
done
# The same run with good values does write (the checks above can fail).
check "run with good values: exit 0" 0 "$(code "$SKRED" run --regions 3011 --from 2024-01-01 --to 2024-01-02)"
[ "$(bus "SELECT COUNT(*) FROM message")" -gt 0 ] && ok "run with good values: the bus has messages" || fail "empty bus after a good run"
[ "$(sim_requests)" -gt 0 ] && ok "run with good values: the API was asked" || fail "no request counted"

# Did you mean: keys and environment variables.
check "misspelt --set key: exit 2" 2 "$(code "$SKRED" config --set fetch.concurency=3)"
has "... nearest key suggested" "unknown configuration key 'fetch.concurency' (did you mean 'fetch.concurrency'?)"
check "misspelt SKRED_ variable: a warning, exit 0" 0 "$(SKRED_FETCH_CONCURENCY=3 code "$SKRED" config)"
has "... with the nearest variable" "warning: environment SKRED_FETCH_CONCURENCY is not a configuration variable (did you mean SKRED_FETCH_CONCURRENCY?)"
check "the misspelt variable changes nothing" "fetch.concurrency = 4" "$(SKRED_FETCH_CONCURENCY=3 "$SKRED" config 2>/dev/null | grep '^fetch.concurrency')"
SKRED_FAKE_NOW=2024-01-10T12:00:00Z SKRED_FAKE_SPEED=1 SKRED_CRASH_AT=nowhere SKRED_ZONEINFO=/usr/share/zoneinfo \
  SKRED_KAFKA_SOCKET_TIMEOUT_MS=1000 "$SKRED" config >/dev/null 2>"$T/err"
[ ! -s "$T/err" ] && ok "test hooks and kafka.* pass-throughs are not warned about" || fail "warned: $(cat "$T/err")"

# --config naming a directory; --concurrency 0; two schedules of one name.
mkdir -p "$T/confdir"
check "--config DIR: exit 2" 2 "$(code "$SKRED" config --config "$T/confdir")"
has "... says so" "config file $T/confdir is a directory"
check "--concurrency 0: exit 2" 2 "$(code "$SKRED" backfill --concurrency 0 --dry-run --from 2024-01-01 --to 2024-01-02)"
has "... says so" "--concurrency must be at least 1"
check "two schedules named daily in serve: exit 2" 2 "$(code timeout 20 "$SKRED" serve --set http.addr= --set 'sched.schedules=daily=0 17 * * *;daily=@hourly')"
has "... names it" "two schedules named 'daily'"

# config --check FILE: exit 0 when good, 2 with every error listed.
printf '# good\nfetch.attempts = 3\nbus = kafka\ncassandra.consistency = quorum\n' >"$T/good.conf"
check "--check good file: exit 0" 0 "$(code "$SKRED" config --check "$T/good.conf")"
grep -q "good.conf: ok" "$T/out" && ok "--check says ok" || fail "$(cat "$T/out")"
printf 'bus.publish_clean = maybe\nfetch.attempts = 3\nfetch.concurency = 2\nstore = postgres\nnot a line\nfetch.attempts = 0\n' >"$T/bad.conf"
check "--check bad file: exit 2" 2 "$(code "$SKRED" config --check "$T/bad.conf")"
has "--check lists line 1" "bad.conf:1: bus.publish_clean must be yes, no or auto, got 'maybe'"
has "--check lists line 3" "bad.conf:3: unknown configuration key 'fetch.concurency' (did you mean 'fetch.concurrency'?)"
has "--check lists line 4" "bad.conf:4: store must be sqlite or cassandra, got 'postgres'"
has "--check lists line 5" "bad.conf:5: expected 'key = value'"
has "--check lists line 6" "bad.conf:6: fetch.attempts must be between 1 and 100, got 0"
has "--check counts them" "bad.conf: 5 errors"
check "--check: an unknown SKRED_ variable is an error" 2 "$(SKRED_FETCH_CONCURENCY=3 code "$SKRED" config --check "$T/good.conf")"
has "... with the suggestion" "SKRED_FETCH_CONCURENCY is not a configuration variable (did you mean SKRED_FETCH_CONCURRENCY?)"
printf 'sched.schedules = a=@daily;a=@hourly\n' >"$T/dup.conf"
check "--check: duplicate schedule names" 2 "$(code "$SKRED" config --check "$T/dup.conf")"
has "... named" "two schedules named 'a'"
printf 'sched.schedules = daily=0 25 * * *\n' >"$T/cron.conf"
check "--check: a bad cron expression" 2 "$(code "$SKRED" config --check "$T/cron.conf")"
check "--check DIR: exit 2" 2 "$(code "$SKRED" config --check "$T/confdir")"
check "--check missing file: exit 2" 2 "$(code "$SKRED" config --check "$T/none.conf")"
check "--check applies to config only" 2 "$(code "$SKRED" status --check "$T/good.conf")"

# Secrets are still redacted and still read from @file.
printf 's3cret-pw\n' >"$T/pw"
out=$("$SKRED" config --set "cassandra.password=@$T/pw" --set kafka.sasl.password=hunter22)
case "$out" in *s3cret-pw*|*hunter22*) fail "a secret shown: $out";; *) ok "secrets not shown";; esac
grep -q '^cassandra.password = (redacted)' <<<"$out" && ok "cassandra.password redacted" || fail "$out"
grep -q '^kafka.sasl.password = (redacted)' <<<"$out" && ok "kafka.* secret redacted" || fail "$out"

# --doc shows the allowed values and bounds.
"$SKRED" config --doc >"$T/doc.md"
# shellcheck disable=SC2016 # literal backquotes of the Markdown table
grep -qF '| `bus.publish_clean` | `SKRED_BUS_PUBLISH_CLEAN` | one of `yes`, `no`, `auto` |' "$T/doc.md" && ok "--doc: an enum's values" || fail "--doc enum"
# shellcheck disable=SC2016 # literal backquotes of the Markdown table
grep -qF '| `fetch.concurrency` | `SKRED_FETCH_CONCURRENCY` | integer 1..64 |' "$T/doc.md" && ok "--doc: an integer's bounds" || fail "--doc bounds"
cmp -s "$T/doc.md" "$SRC/docs/CONFIGURATION.md" && ok "docs/CONFIGURATION.md is what config --doc generates" || fail "docs/CONFIGURATION.md is stale: build/skred config --doc > docs/CONFIGURATION.md ($(diff "$T/doc.md" "$SRC/docs/CONFIGURATION.md" | head -5))"
finish
