#!/usr/bin/env bash
# test_metrics.sh - /metrics of a live daemon after a run passes `promtool
# check metrics` (Debian's prometheus package: every family has HELP and
# TYPE, names follow the conventions), and holds skred_build_info, the
# duration histograms of fetch, process and HTTP requests (counting what
# happened) and the process_* families (matching /proc of the daemon).
source "$(dirname "$0")/lib.sh"
command -v promtool >/dev/null || { fail "promtool is not installed (apt-get install prometheus: scripts/install-deps.sh --test)"; finish; exit 1; }

start_sim
export SKRED_FAKE_NOW=2024-01-10T12:00:00Z
before=$(date +%s)
start_serve
id=$(curl -sf -X POST "$H/api/v1/runs?from=2024-01-01&to=2024-01-02&regions=3011,3012&lang=nb" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
state=""
for _ in $(seq 300); do
  state=$(curl -sf "$H/api/v1/runs/$id" | python3 -c 'import json,sys; print(json.load(sys.stdin)["run"]["state"])')
  [ "$state" = success ] || [ "$state" = failed ] && break
  sleep 0.1
done
check "the daemon's run succeeded" success "$state"
for p in /healthz /api/v1/status /nonexistent; do curl -s -o /dev/null "$H$p"; done

curl -sf "$H/metrics" >"$T/m"
promtool check metrics <"$T/m" >"$T/promtool.out" 2>&1 && ok "promtool check metrics: clean" ||
  fail "promtool check metrics: $(head -20 "$T/promtool.out")"
# every sample's family has a HELP line (promtool only warns on some)
python3 - "$T/m" <<'PY' && ok "every family has HELP and TYPE" || fail "HELP/TYPE missing"
import re, sys
helps, types, fams = set(), set(), set()
for line in open(sys.argv[1]):
    if line.startswith("# HELP "):
        helps.add(line.split()[2])
    elif line.startswith("# TYPE "):
        types.add(line.split()[2])
    elif line.strip():
        name = re.match(r"[a-zA-Z_:][a-zA-Z0-9_:]*", line).group(0)
        fams.add(re.sub(r"_(bucket|sum|count)$", "", name) if re.sub(r"_(bucket|sum|count)$", "", name) in types else name)
missing = sorted(f for f in fams if f not in helps or f not in types)
assert not missing, missing
PY

val() { sed -n "s/^$1 //p" "$T/m"; }
check "skred_build_info names the version" 1 "$(grep -c "^skred_build_info{version=\"$("$SKRED" --version | grep -o '[0-9][0-9.]*' | head -1)\"} 1$" "$T/m")"
check "one fetch observed" 1 "$(val skred_fetch_duration_seconds_count)"
check "one process pass observed" 1 "$(val skred_process_duration_seconds_count)"
check "fetch histogram: +Inf bucket = count" 1 "$(val 'skred_fetch_duration_seconds_bucket{le="+Inf"}')"
n=$(val skred_http_request_duration_seconds_count)
[ "${n:-0}" -ge 5 ] && ok "HTTP requests observed ($n)" || fail "HTTP request count '$n'"
python3 - "$T/m" <<'PY' && ok "histogram buckets cumulative, sums positive" || fail "histogram shape"
import re, sys
b = {}
for line in open(sys.argv[1]):
    m = re.match(r'(\w+)_bucket\{le="([^"]+)"\} (\d+)$', line)
    if m:
        b.setdefault(m.group(1), []).append(int(m.group(3)))
assert set(b) >= {"skred_fetch_duration_seconds", "skred_process_duration_seconds", "skred_http_request_duration_seconds"}, b
for name, counts in b.items():
    assert counts == sorted(counts), (name, counts)
text = open(sys.argv[1]).read()
for name in ("skred_fetch_duration_seconds", "skred_http_request_duration_seconds"):
    assert float(re.search(r"^%s_sum (\S+)$" % name, text, re.M).group(1)) > 0, name
PY

# process_* against the daemon's /proc.
rss=$(val process_resident_memory_bytes)
proc_rss=$(($(awk '$1 == "VmRSS:" {print $2}' "/proc/$SERVE_PID/status") * 1024))
[ "$rss" -gt 1000000 ] && [ "$((rss - proc_rss))" -lt 8000000 ] && [ "$((proc_rss - rss))" -lt 8000000 ] &&
  ok "process_resident_memory_bytes $rss (/proc: $proc_rss)" || fail "rss $rss vs $proc_rss"
fds=$(val process_open_fds) proc_fds=$(find "/proc/$SERVE_PID/fd" -mindepth 1 | wc -l)
[ "$fds" -gt 3 ] && [ "$((fds - proc_fds))" -le 3 ] && [ "$((proc_fds - fds))" -le 3 ] &&
  ok "process_open_fds $fds (/proc: $proc_fds)" || fail "fds $fds vs $proc_fds"
start=$(val process_start_time_seconds | cut -d. -f1)
[ "$start" -ge "$((before - 2))" ] && [ "$start" -le "$(($(date +%s) + 2))" ] &&
  ok "process_start_time_seconds is when serve started" || fail "start $start, launched at $before"
grep -q '^process_cpu_seconds_total [0-9.]*$' "$T/m" && ok "process_cpu_seconds_total" || fail "no cpu seconds"
stop_serve
finish
