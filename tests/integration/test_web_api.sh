#!/usr/bin/env bash
# The daemon's data, pipeline and operations endpoints over HTTP:
# warnings (filters, validation), regions, topics with lag, dead letters,
# /metrics in Prometheus text format, /readyz; escaping of stored text;
# Host/Origin/Referer checks (DNS rebinding, cross-site POSTs) and request
# bodies over the cap refused from Content-Length.
. "$(dirname "$0")/lib.sh"
start_sim --seed 6 --bad-rate 0.05
export SKRED_DATA_DIR="$T/d" SKRED_FAKE_NOW=2024-01-10T12:00:00Z
"$SKRED" run --regions all --lang both --from 2024-01-01 --to 2024-01-10 -q >/dev/null
start_serve
j() { curl -sf "$H$1" | python3 -c "import json,sys; d=json.load(sys.stdin); print($2)"; }
stored=$(wh "SELECT COUNT(*) FROM avalanche_warning WHERE valid_date='2024-01-05'")
check "warnings for a day: every stored row" "$stored" "$(j '/api/v1/warnings?from=2024-01-05' 'd["count"]')"
check "filter by region and language" "3011 1 10" "$(j '/api/v1/warnings?region=3011&lang=nb&from=2024-01-01&to=2024-01-10' '" ".join(map(str,[d["warnings"][0]["region_id"], d["warnings"][0]["lang_key"], d["count"]]))')"
lvl=$(wh "SELECT danger_level FROM avalanche_warning WHERE region_id=3011 AND lang_key=1 AND valid_date='2024-01-05'")
check "the level matches the warehouse" "$lvl" "$(j '/api/v1/warnings?region=3011&lang=nb&from=2024-01-05' 'd["warnings"][0]["danger_level"]')"
check "detail=1 includes problems" True "$(j '/api/v1/warnings?region=3011&lang=en&from=2024-01-05&detail=1' '"problems" in d["warnings"][0]')"
check "default: today (fake clock) all regions" "$(wh "SELECT COUNT(*) FROM avalanche_warning WHERE valid_date='2024-01-10'")" "$(j '/api/v1/warnings' 'd["count"]')"
for bad in 'region=9999' 'lang=de' 'from=2024-13-01' 'from=2024-01-10&to=2024-01-01' 'from=2020-01-01&to=2024-01-01'; do
  check "400 for $bad" 400 "$(curl -s -o "$T/e" -w '%{http_code}' "$H/api/v1/warnings?$bad")"
done
python3 -c 'import json,sys; assert json.load(open(sys.argv[1]))["error"]' "$T/e" && ok "400 carries a JSON error" || fail "error body: $(cat "$T/e")"
check "regions: 46, 24 active A" "46 24" "$(j /api/v1/regions 'str(len(d["regions"]))+" "+str(sum(1 for r in d["regions"] if r["type"]=="A" and r["active"]))')"
check "Norwegian names survive" "Østfold" "$(j /api/v1/regions '[r["name"] for r in d["regions"] if r["id"]==3046][0]')"
check "topics: raw end offset" 920 "$(j /api/v1/topics '[t for t in d["topics"] if t["topic"]=="avalanche_region_warning"][0]["partitions"][0]["end_offset"]')"
check "topics: no lag" 0 "$(j /api/v1/topics '[t for t in d["topics"] if t["topic"]=="avalanche_region_warning"][0]["partitions"][0]["lag"]')"
dead=$(bus "SELECT COUNT(*) FROM message WHERE topic='skred.dlq'")
check "dlq: every dead letter" "$dead" "$(j '/api/v1/dlq?limit=1000' 'd["count"]')"
check "dlq: reason and payload" True "$(j '/api/v1/dlq?limit=1' 'bool(d["dead_letters"][0]["headers"]["reason"]) and d["dead_letters"][0]["payload"].startswith("{")')"
check "dlq: bad limit 400" 400 "$(curl -s -o /dev/null -w '%{http_code}' "$H/api/v1/dlq?limit=0")"
curl -sf "$H/metrics" >"$T/m"
grep -q '^skred_runs{state="success"} ' "$T/m" && ok "metrics: runs by state" || fail "metrics: $(head -5 "$T/m")"
grep -q '^skred_bus_lag{topic="avalanche_region_warning",partition="0"} 0$' "$T/m" && ok "metrics: bus lag" || fail "lag metric"
grep -q '^skred_http_requests_total{code="400"} [1-9]' "$T/m" && ok "metrics: HTTP requests by code" || fail "http metric"
python3 - "$T/m" <<'PY' && ok "metrics: valid exposition lines" || fail "metrics format"
import re, sys
for line in open(sys.argv[1]):
    line = line.rstrip("\n")
    if not line or line.startswith("#"):
        continue
    assert re.match(r'^[a-z_]+(\{[a-z_]+="[^"]*"(,[a-z_]+="[^"]*")*\})? -?[0-9.e+]+$', line), line
PY
check "readyz" '{"status":"ready"}' "$(curl -sf "$H/readyz")"
check "path traversal is just a 404" 404 "$(curl -s -o /dev/null -w '%{http_code}' --path-as-is "$H/api/v1/../../etc/passwd")"
check "body too large: 413" 413 "$(head -c 100000 /dev/zero | curl -s -o /dev/null -w '%{http_code}' -X POST --data-binary @- "$H/api/v1/pause")"
# Request parsing: unknown, repeated and badly escaped parameters; limits.
for bad in 'foo=1' 'lang=en&lang=nb' 'lang=%zz' 'a%00=1' 'detail=yes'; do
  check "400 for warnings?$bad" 400 "$(curl -s -o "$T/e" -w '%{http_code}' "$H/api/v1/warnings?$bad")"
done
grep -q "unknown query parameter 'foo'" <(curl -s "$H/api/v1/warnings?foo=1") && ok "the 400 names the parameter" || fail "unknown parameter message"
check "414 for a huge request target" 414 "$(curl -s -o /dev/null -w '%{http_code}' "$H/api/v1/warnings?region=$(head -c 5000 /dev/zero | tr '\0' 'A')")"
check "405 for DELETE" 405 "$(curl -s -o /dev/null -w '%{http_code}' -X DELETE "$H/api/v1/runs")"
check "405 for GET on a POST endpoint" 405 "$(curl -s -o /dev/null -w '%{http_code}' "$H/api/v1/pause")"
check "percent-escaped values" 2 "$(j '/api/v1/warnings?region=3011%2C3012&lang=en&from=2024-01-05' 'd["count"]')"
# Status, warehouse, UI files.
check "status: today on the daemon's clock" "2024-01-10 2024-01-11 False" "$(j /api/v1/status 'd["today"]+" "+d["tomorrow"]+" "+str(d["paused"])')"
check "status: schedule with next fire" "daily 2024-01-10T16:00:00.000Z" "$(j /api/v1/status 'd["schedules"][0]["job"]+" "+d["schedules"][0]["next"]')"
check "warehouse: row count" "$(wh 'SELECT COUNT(*) FROM avalanche_warning')" "$(j /api/v1/warehouse 'd["warnings"]')"
check "warehouse: backend and last write" "sqlite True" "$(j /api/v1/warehouse 'd["backend"]+" "+str(d["last_write"].endswith("Z"))')"
curl -s -D "$T/h" -o "$T/index.html" "$H/"
grep -qi '^content-type: text/html' "$T/h" && grep -qi '^content-security-policy:' "$T/h" && grep -q '/ui/app.js' "$T/index.html" && ok "/ serves the UI with a CSP" || fail "index: $(cat "$T/h")"
check "/ui/app.js is JavaScript" "200 text/javascript; charset=utf-8" "$(curl -s -o /dev/null -w '%{http_code} %{content_type}' "$H/ui/app.js")"
check "no traversal out of the UI" 404 "$(curl -s -o /dev/null -w '%{http_code}' --path-as-is "$H/ui/../../etc/passwd")"
check "HEAD answers without a body" "200 0" "$(curl -s -I -o /dev/null -w '%{http_code} %{size_download}' "$H/healthz")"
# A run queued over HTTP starts within a second or two, with its tasks.
id=$(curl -sf -X POST "$H/api/v1/runs?from=2024-01-10&to=2024-01-10" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
for _ in $(seq 100); do [ "$(j "/api/v1/runs/$id" 'd["run"]["state"]')" = success ] && break; sleep 0.1; done
check "triggered run succeeded" success "$(j "/api/v1/runs/$id" 'd["run"]["state"]')"
check "its tasks in order" "fetch:success process:success checks:success" "$(j "/api/v1/runs/$id" '" ".join(t["task"]+":"+t["state"] for t in d["tasks"])')"
check "fetch task count = run fetched" True "$(j "/api/v1/runs/$id" 'd["tasks"][0]["count"]==d["run"]["fetched"] and d["tasks"][0]["count"]>0')"
check "checks task count = checks passed" True "$(j "/api/v1/runs/$id" 'd["tasks"][2]["count"]==sum(c["ok"] for c in d["checks"])')"
# A manual run for chosen regions and languages.
check "trigger with regions and lang" "201 3011,3012 en" "$(curl -s -o "$T/r" -w '%{http_code}' -X POST "$H/api/v1/runs?from=2024-01-09&to=2024-01-09&regions=3011,3012&lang=en") $(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["regions"], d["langs"])' "$T/r")"
check "trigger: lang both" both "$(curl -s -X POST "$H/api/v1/runs?from=2024-01-08&to=2024-01-08&regions=A&lang=both" | python3 -c 'import json,sys; print(json.load(sys.stdin)["langs"])')"
for bad in 'regions=9999' 'lang=de' 'regions=' "regions=$(printf '3011,%.0s' $(seq 60))3011"; do
  check "trigger: 400 for $(echo "$bad" | cut -c1-30)" 400 "$(curl -s -o /dev/null -w '%{http_code}' -X POST "$H/api/v1/runs?$bad")"
done
# Cross-site writes and DNS rebinding: Host must name the daemon; a POST's
# Origin (or Referer) must be its own page; curl sends neither and passes.
port=${H##*:}
paused() { j /api/v1/status 'd["paused"]'; }
code() { curl -s -o "$T/e" -w '%{http_code}' "$@"; }
check "POST from another origin (a page on another loopback port): 403" 403 "$(code -X POST -H "Origin: http://127.0.0.1:$((port + 1))" "$H/api/v1/pause")"
grep -q "cross-site request refused" "$T/e" && ok "the 403 says why" || fail "403 body: $(cat "$T/e")"
check "... and the daemon is not paused" False "$(paused)"
check "POST with Origin null: 403" 403 "$(code -X POST -H 'Origin: null' "$H/api/v1/pause")"
check "POST with another site's Referer and no Origin: 403" 403 "$(code -X POST -H 'Referer: http://evil.example/page' "$H/api/v1/pause")"
check "POST from http://127.0.0.1 (port 80, another origin): 403" 403 "$(code -X POST -H 'Origin: http://127.0.0.1' "$H/api/v1/runs/1/clear")"
check "a cross-site trigger: 403" 403 "$(code -X POST -H 'Origin: https://evil.example' "$H/api/v1/runs?from=2024-01-07&to=2024-01-07")"
check "... and no run was queued" 0 "$(sq "$SKRED_DATA_DIR/ledger.db" "SELECT COUNT(*) FROM run WHERE window_from='2024-01-07'")"
check "still not paused" False "$(paused)"
check "POST from the daemon's own origin: 200" 200 "$(code -X POST -H "Origin: $H" "$H/api/v1/pause")"
check "... it paused" True "$(paused)"
check "POST from http://localhost:PORT: 200" 200 "$(code -X POST -H "Origin: http://localhost:$port" "$H/api/v1/unpause")"
check "POST with the daemon's page as Referer, no Origin: 200" 200 "$(code -X POST -H "Referer: $H/#/runs" "$H/api/v1/unpause")"
check "POST without Origin or Referer (curl): 200" 200 "$(code -X POST "$H/api/v1/unpause")"
check "a GET from another origin is answered (reads are not writes)" 200 "$(code -H 'Origin: http://evil.example' "$H/api/v1/status")"
check "DNS rebinding: Host evil.example:PORT gets 421" 421 "$(code -H "Host: evil.example:$port" "$H/api/v1/status")"
grep -q "not this daemon's address" "$T/e" && ok "the 421 says why" || fail "421 body: $(cat "$T/e")"
check "rebinding a POST: 421, nothing changes" "421 False" "$(code -X POST -H "Host: evil.example:$port" -H "Origin: http://evil.example:$port" "$H/api/v1/pause") $(paused)"
check "rebinding the UI: 421" 421 "$(code -H "Host: evil.example:$port" "$H/")"
check "Host localhost:PORT: 200" 200 "$(code -H "Host: localhost:$port" "$H/healthz")"
check "Host [::1]:PORT: 200" 200 "$(code -H "Host: [::1]:$port" "$H/healthz")"
check "Host LOCALHOST:PORT (case): 200" 200 "$(code -H "Host: LOCALHOST:$port" "$H/healthz")"
check "Host 127.0.0.1 with another port: 421" 421 "$(code -H "Host: 127.0.0.1:$((port + 1))" "$H/healthz")"
check "Host without a port (port 80): 421" 421 "$(code -H 'Host: 127.0.0.1' "$H/healthz")"
check "Host with userinfo: 421" 421 "$(code -H "Host: a@127.0.0.1:$port" "$H/healthz")"
check "no Host at all (HTTP/1.0): 421" 421 "$(code --http1.0 -H 'Host:' "$H/healthz")"
# Request bodies over the cap: refused from Content-Length, none of it read.
check "Content-Length 500 MB, no body sent: 413 at once" 413 "$(code --max-time 20 -X POST -H 'Content-Length: 500000000' "$H/api/v1/pause")"
truncate -s 500M "$T/big"
check "a 500 MB upload: 413 before the body (curl sent none of it)" "413 0" "$(curl -s --max-time 20 -o /dev/null -w '%{http_code} %{size_upload}' -X POST -T "$T/big" "$H/api/v1/pause")"
rm -f "$T/big"
check "bad Content-Length: 400" 400 "$(code -X POST -H 'Content-Length: 12x' "$H/api/v1/pause")"
check "after all that, not paused" False "$(paused)"
# POST /api/v1/backfill: guarded like every POST; a dry run lists, a real
# one queues for the daemon (origin api: curl sends no Origin).
nruns() { j "/api/v1/runs?limit=10000" 'len(d["runs"])'; }
n0=$(nruns)
check "a cross-site backfill: 403, nothing queued" "403 $n0" "$(code -X POST -H 'Origin: https://evil.example' "$H/api/v1/backfill?from=2024-01-01&to=2024-01-20") $(nruns)"
check "backfill without to: 400" 400 "$(code -X POST "$H/api/v1/backfill?from=2024-01-01")"
check "backfill with a bad mode: 400" 400 "$(code -X POST "$H/api/v1/backfill?from=2024-01-01&to=2024-01-02&mode=some")"
check "backfill as GET: 405" 405 "$(code "$H/api/v1/backfill?from=2024-01-01&to=2024-01-02")"
check "backfill dry run: 200, two runs of 30 days it would queue, nothing queued" "200 True 2 [True, True] 0 $n0" \
  "$(code -X POST "$H/api/v1/backfill?from=2023-11-01&to=2023-12-20&regions=3011&lang=en&dry_run=1") $(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["dry_run"], len(d["runs"]), [r["want"] for r in d["runs"]], d["queued"])' "$T/e") $(nruns)"
check "backfill: 202, two runs queued with origin api" "202 2 $((n0 + 2)) ['api', 'api']" \
  "$(code -X POST "$H/api/v1/backfill?from=2023-11-01&to=2023-12-20&regions=3011&lang=en") $(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["queued"])' "$T/e") $(nruns) $(j "/api/v1/runs?limit=2" '[r["origin"] for r in d["runs"]]')"
for _ in $(seq 300); do
  [ "$(j "/api/v1/runs?limit=2" '" ".join(r["state"] for r in d["runs"])')" = "success success" ] && break
  sleep 0.2
done
check "the daemon executed the backfill's runs" "success success" "$(j "/api/v1/runs?limit=2" '" ".join(r["state"] for r in d["runs"])')"
check "the same backfill again (mode missing): nothing to queue, 200" "200 0 2" \
  "$(code -X POST "$H/api/v1/backfill?from=2023-11-01&to=2023-12-20&regions=3011&lang=en") $(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["queued"], d["skipped"])' "$T/e")"
stop_serve
finish
