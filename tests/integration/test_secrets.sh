#!/usr/bin/env bash
# Secrets are never shown: `skred config` hides secret keys and URL
# credentials; --set of a secret warns; key=@FILE and the environment keep
# secrets out of argv (an unreadable file is exit 2); a URL with credentials
# leaves no password in errors, logs, the ledger or bus headers.
. "$(dirname "$0")/lib.sh"

PEM='-----BEGIN PRIVATE KEY-----MIIEvQIBADANBgkqhkiG9w0BAQEFAASC'
OAUTH='principal=admin clientSecret=XYZ-cl13nt-s3cret scope=all'
URLPW='Url-pa55word'

# 1. skred config prints none of the secrets, whatever layer set them.
printf 'cassandra.password = file-pa55word\n' >"$T/skred.conf"
rc=0
SKRED_HTTP_TOKEN=env-t0ken-value SKRED_KAFKA_SSL_KEY_PASSWORD=env-key-pa55 \
  "$SKRED" config --config "$T/skred.conf" \
  --set kafka.ssl.key.pem="$PEM" \
  --set kafka.sasl.oauthbearer.config="$OAUTH" \
  --set varsom_url="https://u:$URLPW@127.0.0.1:1/" \
  --set cassandra.keyspace=ks1 >"$T/cfg.out" 2>"$T/cfg.err" || rc=$?
check "config with secrets: exit 0" 0 "$rc"
for s in MIIEvQ XYZ-cl13nt "$URLPW" file-pa55word env-t0ken-value env-key-pa55; do
  grep -q -- "$s" "$T/cfg.out" && fail "config printed secret $s" || ok "config hides $s"
  grep -q -- "$s" "$T/cfg.err" && fail "stderr has secret $s" || ok "stderr hides $s"
done
for k in kafka.ssl.key.pem kafka.sasl.oauthbearer.config cassandra.password http.token kafka.ssl.key.password; do
  check "$k shown redacted" "$k = (redacted)" "$(grep "^$k = " "$T/cfg.out")"
done
check "URL shown with the password masked" "varsom_url = https://u:***@127.0.0.1:1/" "$(grep '^varsom_url = ' "$T/cfg.out")"
check "a key named key... that is no secret is shown" "cassandra.keyspace = ks1" "$(grep '^cassandra.keyspace = ' "$T/cfg.out")"
check "an unset secret shows as unset" "kafka.sasl.password = " "$("$SKRED" config --set kafka.sasl.password= 2>/dev/null | grep '^kafka.sasl.password = ')"

# 2. --set of a secret warns on stderr and names the alternatives.
grep -q "warning: --set kafka.ssl.key.pem puts a secret on the command line" "$T/cfg.err" && ok "--set of a secret warns" || fail "no warning: $(cat "$T/cfg.err")"
grep -q "kafka.ssl.key.pem=@FILE or SKRED_KAFKA_SSL_KEY_PEM" "$T/cfg.err" && ok "warning names @FILE and the environment" || fail "warning text: $(cat "$T/cfg.err")"
grep -q "warning: --set kafka.sasl.oauthbearer.config" "$T/cfg.err" && ok "oauthbearer config warns" || fail "no oauthbearer warning"
grep -q "warning: --set varsom_url puts URL credentials" "$T/cfg.err" && ok "URL credentials on --set warn" || fail "no URL warning"
grep -q "cassandra.keyspace" "$T/cfg.err" && fail "non-secret key warned" || ok "non-secret key: no warning"
printf 'pem-from-file\n' >"$T/pem"
"$SKRED" config --set kafka.ssl.key.pem=@"$T/pem" >/dev/null 2>"$T/at.err"
check "--set key=@FILE: no warning" "" "$(cat "$T/at.err")"

# 3. key=@FILE: the file's content is the value (trailing newline stripped),
# in every layer; an unreadable file is a configuration error (exit 2).
printf 'Tok-from-file\n' >"$T/token"
chmod 600 "$T/token"
code() { local rc=0; "$@" >/dev/null 2>"$T/err" || rc=$?; echo "$rc"; }
check "missing secret file: exit 2" 2 "$(code "$SKRED" config --set http.token=@"$T/none")"
grep -q "http.token: cannot read secret file $T/none" "$T/err" && ok "error names key and file" || fail "$(cat "$T/err")"
check "secret file is a directory: exit 2" 2 "$(code "$SKRED" config --set http.token=@"$T")"
check "env @file missing: exit 2" 2 "$(SKRED_CASSANDRA_PASSWORD=@"$T/none" code "$SKRED" config)"
grep -q "SKRED_CASSANDRA_PASSWORD" "$T/err" && ok "env error names the variable" || fail "$(cat "$T/err")"
printf 'http.token = @%s\n' "$T/none" >"$T/badref.conf"
check "config file @file missing: exit 2" 2 "$(code "$SKRED" config --config "$T/badref.conf")"
grep -q "badref.conf:1" "$T/err" && ok "file error names file and line" || fail "$(cat "$T/err")"
if [ "$(id -u)" != 0 ]; then
  printf 'x\n' >"$T/unreadable"; chmod 000 "$T/unreadable"
  check "unreadable secret file: exit 2" 2 "$(code "$SKRED" config --set http.token=@"$T/unreadable")"
  grep -q "Permission denied" "$T/err" && ok "unreadable: the reason is given" || fail "$(cat "$T/err")"
fi
check "a non-secret key takes @ literally" "sched.schedules = @hourly" "$("$SKRED" config --set sched.schedules=@hourly | grep '^sched.schedules = ')"

# The token read from the file guards the daemon: a POST needs exactly the
# file's content without its newline (the comparison is exact) as the
# bearer token.
start_sim
export SKRED_DATA_DIR="$T/serve"
start_serve SKRED_HTTP_TOKEN=@"$T/token" SKRED_FAKE_NOW=2024-01-10T12:00:00Z
post() { curl -s -o /dev/null -w '%{http_code}' -X POST -H "Origin: $H" "$@"; }
check "POST without the token: 401" 401 "$(post "$H/api/v1/pause")"
check "POST with the file's token: 200" 200 "$(post -H "Authorization: Bearer Tok-from-file" "$H/api/v1/pause")"
check "POST with a literal '@path' token: 401" 401 "$(post -H "Authorization: Bearer @$T/token" "$H/api/v1/unpause")"
curl -sf "$H/api/v1/status" >"$T/status.json" || true
grep -q "Tok-from-file" "$T/status.json" && fail "status shows the token" || ok "status does not show the token"
stop_serve
grep -q "Tok-from-file" "$T/serve.log" && fail "serve log shows the token" || ok "serve log does not show the token"

# A literal secret given with --set anyway: warned about, then blanked in
# argv (so /proc/PID/cmdline and ps no longer show it), and still in effect
# after a reload (SIGHUP rebuilds the configuration from the saved layers).
port=$(free_port)
H="http://127.0.0.1:$port"
SKRED_LOG_LEVEL=info SKRED_HTTP_ADDR="127.0.0.1:$port" SKRED_FAKE_NOW=2024-01-10T12:00:00Z \
  "$SKRED" serve --set http.token=Lit3ral-t0ken >>"$T/serve2.log" 2>&1 &
SERVE_PID=$!
for _ in $(seq 100); do curl -sf "$H/healthz" >/dev/null && break; sleep 0.1; done
tr '\0' ' ' <"/proc/$SERVE_PID/cmdline" >"$T/cmdline"
grep -q "Lit3ral-t0ken" "$T/cmdline" && fail "argv still shows the secret: $(cat "$T/cmdline")" || ok "argv no longer shows the secret"
grep -q "http.token=\*\*\*" "$T/cmdline" && ok "argv shows the key, value blanked" || fail "cmdline: $(cat "$T/cmdline")"
grep -q "warning: --set http.token puts a secret on the command line" "$T/serve2.log" && ok "serve warned once about it" || fail "no warning: $(head -3 "$T/serve2.log")"
check "the literal token works" 200 "$(post -H "Authorization: Bearer Lit3ral-t0ken" "$H/api/v1/pause")"
kill -HUP "$SERVE_PID"
for _ in $(seq 100); do grep -q "configuration reloaded" "$T/serve2.log" && break; sleep 0.1; done
grep -q "configuration reloaded" "$T/serve2.log" && ok "SIGHUP reloaded the configuration" || fail "no reload: $(tail -3 "$T/serve2.log")"
check "after SIGHUP the token still works" 200 "$(post -H "Authorization: Bearer Lit3ral-t0ken" "$H/api/v1/unpause")"
check "after SIGHUP a wrong token fails" 401 "$(post -H "Authorization: Bearer ***" "$H/api/v1/pause")"
stop_serve
check "warned once, not per reload" 1 "$(grep -c "warning: --set http.token" "$T/serve2.log")"
grep -q "Lit3ral-t0ken" "$T/serve2.log" && fail "serve log shows the literal token" || ok "serve log hides the literal token"

# 4. A URL with credentials: fetched headers, errors, logs and the ledger
# carry it masked.
export SKRED_DATA_DIR="$T/fetch"
authed=${SKRED_VARSOM_URL/http:\/\//http://u:$URLPW@}
SKRED_VARSOM_URL=$authed "$SKRED" fetch --regions 3011 --lang nb --from 2024-02-01 --to 2024-02-02 -q >/dev/null 2>"$T/fetch.err"
n=$(bus "SELECT COUNT(*) FROM message WHERE topic='avalanche_region_warning'")
[ "$n" -gt 0 ] && ok "fetched through a URL with credentials ($n)" || fail "nothing fetched: $(cat "$T/fetch.err")"
check "no bus header holds the password" 0 "$(bus "SELECT COUNT(*) FROM message WHERE instr(CAST(headers AS TEXT), '$URLPW') > 0")"
check "the url header is kept, masked" "$n" "$(bus "SELECT COUNT(*) FROM message WHERE instr(CAST(headers AS TEXT), 'u:***@127.0.0.1') > 0")"

# Retries log the URL; a failing run records its log and error in the
# ledger: the password is in neither.
export SKRED_DATA_DIR="$T/ledger"
start_sim --fail-first 1:503 --retry-after 0
authed=${SKRED_VARSOM_URL/http:\/\//http://u:$URLPW@}
SKRED_VARSOM_URL=$authed "$SKRED" fetch -v --regions 3011 --lang nb --from 2024-02-01 --to 2024-02-01 >/dev/null 2>"$T/retry.err" || true
grep -q "retry url=http://u:\*\*\*@127.0.0.1" "$T/retry.err" && ok "retry log masks the URL" || fail "retry log: $(grep retry "$T/retry.err" | head -2)"
grep -q -- "$URLPW" "$T/retry.err" && fail "log shows the URL password" || ok "log hides the URL password"
stop_sim
rc=0
"$SKRED" backfill --regions 3011 --lang nb --from 2024-02-01 --to 2024-02-01 \
  --set varsom_url="http://u:$URLPW@127.0.0.1:9/api" --set fetch.attempts=1 \
  --set sched.max_attempts=1 >"$T/bf.out" 2>"$T/bf.err" || rc=$?
check "backfill against a dead URL: exit 1" 1 "$rc"
L() { sq "$SKRED_DATA_DIR/ledger.db" "$1"; }
check "the run failed" failed "$(L "SELECT state FROM run")"
[ -n "$(L "SELECT log_excerpt FROM attempt")" ] && ok "the attempt kept a log excerpt" || fail "no log excerpt"
check "the ledger's excerpt names the URL, masked" 1 "$(L "SELECT COUNT(*) FROM attempt WHERE instr(log_excerpt, 'url=http://u:***@127.0.0.1:9/api') > 0")"
check "no ledger text holds the password" 0 "$(L "SELECT COUNT(*) FROM run JOIN attempt ON attempt.run_id = run.id WHERE instr(run.error || run.log_excerpt || attempt.error || attempt.log_excerpt, '$URLPW') > 0")"
"$SKRED" runs show 1 >"$T/show.out" 2>&1 || true
grep -q -- "$URLPW" "$T/show.out" && fail "runs show prints the password" || ok "runs show hides the password"
grep -q -- "$URLPW" "$T/bf.err" "$T/bf.out" && fail "backfill output has the password" || ok "backfill output hides the password"

# An error that echoes the value (a bad varsom_url) masks it too.
check "bad URL with credentials: exit 2" 2 "$(code "$SKRED" fetch --set varsom_url="ftp://u:$URLPW@127.0.0.1/x")"
grep -q "ftp://u:\*\*\*@127.0.0.1/x" "$T/err" && ok "the error shows the URL masked" || fail "$(cat "$T/err")"
grep -q -- "$URLPW" "$T/err" && fail "error shows the password" || ok "error hides the password"
finish
