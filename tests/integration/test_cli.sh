#!/usr/bin/env bash
# The command line: help, exit codes, configuration layering and errors.
. "$(dirname "$0")/lib.sh"

for c in fetch process run regions show dlq status config; do
  "$SKRED" "$c" --help >"$T/help" && grep -q "usage: skred $c" "$T/help" && ok "$c --help" || fail "$c --help"
done
check_cmd "skred --help" "$SKRED" --help
code() { local rc=0; "$@" >/dev/null 2>"$T/err" || rc=$?; echo "$rc"; }
check "no command: exit 2" 2 "$(code "$SKRED")"
check "unknown command: exit 2" 2 "$(code "$SKRED" frobnicate)"
check "unknown option: exit 2" 2 "$(code "$SKRED" fetch --nope)"
check "option of another command: exit 2" 2 "$(code "$SKRED" regions --follow)"
check "bad date: exit 2" 2 "$(code "$SKRED" fetch --from 2024-02-30)"
check "from after to: exit 2" 2 "$(code "$SKRED" fetch --from 2024-02-03 --to 2024-02-01)"
check "unknown region: exit 2" 2 "$(code "$SKRED" fetch --regions 9999)"
grep -q "unknown region id 9999" "$T/err" && ok "unknown region named" || fail "$(cat "$T/err")"
check "bad lang: exit 2" 2 "$(code "$SKRED" fetch --lang de)"
check "unknown --set key: exit 2" 2 "$(code "$SKRED" config --set nope=1)"
check "out-of-range value: exit 2" 2 "$(code "$SKRED" config --set fetch.concurrency=0)"
check "bad env value: exit 2" 2 "$(SKRED_FETCH_ATTEMPTS=many code "$SKRED" config)"
grep -q "SKRED_FETCH_ATTEMPTS" "$T/err" && ok "bad env var named" || fail "$(cat "$T/err")"
printf 'fetch.attempts = 3\nbogus.key = 1\n' >"$T/bad.conf"
check "unknown key in config file: exit 2" 2 "$(code "$SKRED" config --config "$T/bad.conf")"
grep -q "bad.conf:2" "$T/err" && ok "config error names file and line" || fail "$(cat "$T/err")"
check "missing config file: exit 2" 2 "$(code "$SKRED" config --config "$T/none.conf")"
check "unknown bus backend: exit 2" 2 "$(code "$SKRED" status --set bus=carrier-pigeon)"

# Layering: file < environment < command line.
printf '# test\nfetch.attempts = 3\nregions = "3011"\n' >"$T/good.conf"
check "file value applies" "fetch.attempts = 3" "$("$SKRED" config --config "$T/good.conf" | grep '^fetch.attempts')"
check "env beats file" "fetch.attempts = 4" "$(SKRED_FETCH_ATTEMPTS=4 "$SKRED" config --config "$T/good.conf" | grep '^fetch.attempts')"
check "flag beats env" "fetch.attempts = 5" "$(SKRED_FETCH_ATTEMPTS=4 "$SKRED" config --config "$T/good.conf" --set fetch.attempts=5 | grep '^fetch.attempts')"
check "SKRED_DATA_DIR applies" "data_dir = /x/y" "$(SKRED_DATA_DIR=/x/y "$SKRED" config | grep '^data_dir')"
check "--data-dir beats env" "data_dir = /a" "$(SKRED_DATA_DIR=/x/y "$SKRED" config --data-dir /a | grep '^data_dir')"
"$SKRED" config --doc >"$T/doc.md"
# shellcheck disable=SC2016 # literal backquotes of the Markdown table
grep -q '| `varsom_url` | `SKRED_VARSOM_URL` |' "$T/doc.md" && ok "config --doc lists keys with env names" || fail "config --doc"

# librdkafka properties pass through as kafka.<property>; secrets redacted.
out=$(SKRED_KAFKA_SECURITY_PROTOCOL=plaintext "$SKRED" config --set kafka.sasl.password=hunter2)
echo "$out" | grep -q '^kafka.security.protocol = plaintext$' && ok "SKRED_KAFKA_* passes a librdkafka property" || fail "passthrough: $out"
echo "$out" | grep -q '^kafka.sasl.password = (redacted)$' && ok "kafka password redacted" || fail "password shown"
echo "$out" | grep -q hunter2 && fail "secret leaked" || ok "secret never printed"
check "SKRED_KAFKA_BROKERS is our key" "kafka.brokers = h:1" "$(SKRED_KAFKA_BROKERS=h:1 "$SKRED" config | grep '^kafka.brokers')"
check "bad librdkafka property: exit 2" 2 "$(code "$SKRED" status --set bus=kafka --set kafka.no.such=1)"
grep -q "no.such" "$T/err" && ok "bad property named" || fail "$(cat "$T/err")"

check "regions: 46 + header" 47 "$("$SKRED" regions | wc -l)"
check "regions csv: 24 active A regions" 24 "$("$SKRED" regions --format csv | grep -c ',A,yes,')"

# A data dir that cannot be created is a clear error, not a crash.
touch "$T/file"
check "data dir is a file: exit 1" 1 "$(code "$SKRED" status --data-dir "$T/file/sub")"
grep -q "$T/file" "$T/err" && ok "data dir error names the path" || fail "$(cat "$T/err")"
finish
