#!/usr/bin/env bash
# The daemon's HTTP server under slow and greedy clients: 200 connections
# trickling one byte a second (in the headers, in the body, or silent) do
# not starve /healthz or the API, and each is closed after
# http.header_timeout_ms (slow_clients.py; bounded: 200 connections,
# < 30 s); the per-address connection limit; a chunked body
# over the cap drops the connection; http.allowed_hosts names accepted in
# Host and Origin (a reverse proxy's), others still refused.
. "$(dirname "$0")/lib.sh"
export SKRED_FAKE_NOW=2024-01-10T12:00:00Z
# The defaults (http.header_timeout_ms 10 s, 1024 connections, 512 each).
start_serve SKRED_LOG_LEVEL=info
port=${H##*:}
rc=0
python3 "$SRC/tests/integration/slow_clients.py" "$port" 200 10 >"$T/slow.out" 2>&1 || rc=$?
cat "$T/slow.out"
PASSED=$((PASSED + $(grep -c '^ok - ' "$T/slow.out" || true)))
FAILED=$((FAILED + $(grep -c '^FAIL - ' "$T/slow.out" || true)))
grep -q '^ok - ' "$T/slow.out" || fail "slow_clients.py asserted nothing (exit $rc)"
grep -q "closed [0-9]* connection(s) that sent no whole request within http.header_timeout_ms=10000" "$T/serve.log" \
  && ok "the log names the closed slow connections" || fail "no log line: $(tail -3 "$T/serve.log")"
slow=$(curl -sf "$H/metrics" | sed -n 's/^skred_http_slow_closed_total //p')
[ "${slow:-0}" -ge 200 ] && ok "metrics: skred_http_slow_closed_total $slow" || fail "slow-closed metric: '$slow'"
# A keep-alive connection that answered stays usable for its next request.
check "keep-alive: two requests on one connection" "200 200" "$(curl -s -o /dev/null -o /dev/null -w '%{http_code} ' "$H/healthz" "$H/api/v1/status" | sed 's/ $//')"
# A chunked body (no Content-Length) over the cap: the connection is dropped.
rc=0; head -c 200000 /dev/zero | curl -s -o /dev/null -H 'Transfer-Encoding: chunked' -X POST --data-binary @- "$H/api/v1/pause" || rc=$?
[ "$rc" -ne 0 ] && ok "chunked body over the cap: connection dropped (curl exit $rc)" || fail "chunked body over the cap was accepted"
check "... nothing paused" False "$(curl -sf "$H/api/v1/status" | python3 -c 'import json,sys; print(json.load(sys.stdin)["paused"])')"
stop_serve

# Per client address: with a limit of 5, the 6th.. connections are closed at
# once, the first five stay open; once they are gone, requests work again.
start_serve SKRED_HTTP_MAX_CONNECTIONS_PER_IP=5 SKRED_HTTP_HEADER_TIMEOUT_MS=60000
python3 - "${H##*:}" <<'PY' && ok "per-address limit: 5 kept, 3 closed at once" || fail "per-address limit"
import socket, sys, time
port = int(sys.argv[1])
socks = [socket.create_connection(("127.0.0.1", port), timeout=10) for _ in range(8)]
time.sleep(1)
closed = []
for s in socks:
    s.setblocking(False)
    try:
        closed.append(s.recv(1) == b"")
    except BlockingIOError:
        closed.append(False)
    except OSError:
        closed.append(True)
print("closed:", closed)
for s in socks:
    s.close()
sys.exit(0 if closed.count(True) == 3 and closed.count(False) == 5 else 1)
PY
for _ in $(seq 50); do curl -sf "$H/healthz" >/dev/null && break; sleep 0.1; done
check "after they close, requests are answered" 200 "$(curl -s -o /dev/null -w '%{http_code}' "$H/healthz")"
stop_serve

# http.allowed_hosts: a reverse proxy's names, with or without a port.
start_serve SKRED_HTTP_ALLOWED_HOSTS="skred.example.org, proxy.example:8443"
port=${H##*:}
code() { curl -s -o /dev/null -w '%{http_code}' "$@"; }
check "allowed host without a port: 200" 200 "$(code -H 'Host: skred.example.org' "$H/healthz")"
check "allowed host with the bound port: 200" 200 "$(code -H "Host: skred.example.org:$port" "$H/healthz")"
check "allowed host with another port: 421" 421 "$(code -H 'Host: skred.example.org:9' "$H/healthz")"
check "allowed host:port: 200" 200 "$(code -H 'Host: proxy.example:8443' "$H/healthz")"
check "allowed host:port without its port: 421" 421 "$(code -H 'Host: proxy.example' "$H/healthz")"
check "other hosts still 421" 421 "$(code -H 'Host: evil.example' "$H/healthz")"
check "POST from https://skred.example.org: 200" 200 "$(code -X POST -H 'Host: skred.example.org' -H 'Origin: https://skred.example.org' "$H/api/v1/unpause")"
check "POST from https://proxy.example:8443: 200" 200 "$(code -X POST -H 'Origin: https://proxy.example:8443' "$H/api/v1/unpause")"
check "POST from https://proxy.example (port 443): 403" 403 "$(code -X POST -H 'Origin: https://proxy.example' "$H/api/v1/unpause")"
check "POST from a subdomain: 403" 403 "$(code -X POST -H 'Origin: https://evil.skred.example.org' "$H/api/v1/unpause")"
stop_serve
rc=0; SKRED_HTTP_ADDR="127.0.0.1:$(free_port)" SKRED_HTTP_ALLOWED_HOSTS="bad/host" "$SKRED" serve >"$T/bad.log" 2>&1 || rc=$?
check "a bad http.allowed_hosts entry: exit 2" 2 "$rc"
grep -q "http.allowed_hosts: 'bad/host' is not a host or host:port" "$T/bad.log" && ok "... naming it" || fail "bad host message: $(cat "$T/bad.log")"
finish
