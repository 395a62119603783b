#!/usr/bin/env bash
# The web UI in headless Chromium (tests/browser/ui_test.mjs, playwright-core):
# the runs grid and a run's details; a failed run's error and tasks, cleared
# from the page and run again; trigger, pause/unpause; the map of
# today's danger levels and the table against the warehouse (with markup in
# a stored text shown as text, never run); a region's
# season timeline; a warning in detail; topics, dead letters, warehouse;
# the token form against a second daemon that wants a token for POSTs;
# after a SIGHUP the pipeline page shows the new schedules and the key that
# needs a restart; the runs x tasks grid and its durations against the
# ledger, upstream_failed after a failed fetch, a run's Gantt, the filters,
# the error shown once, the log search, a backfill previewed (dry run) and
# queued from the page, at desktop and phone widths; a page of another origin (another loopback port) has its
# POSTs refused 403, and the daemon under another name (DNS rebinding,
# Chromium's --host-resolver-rules) answers 421.
# Screenshots of every page go to $SKRED_ARTIFACTS/web-ui/.
# Needs node, tests/browser/node_modules (npm ci there) and Chromium: their
# absence fails the test, it is never skipped.
. "$(dirname "$0")/lib.sh"
B="$SRC/tests/browser"
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
SHOTS="${SKRED_ARTIFACTS:-$SRC/build/artifacts}/web-ui"
command -v node >/dev/null || { fail "node is not installed (apt-get install nodejs npm)"; finish; exit 1; }
[ -d "$B/node_modules/playwright-core" ] || { fail "playwright-core missing: run 'npm ci' in $B"; finish; exit 1; }
[ -x "$CHROMIUM" ] || { fail "Chromium not found at $CHROMIUM (apt-get install chromium, or set CHROMIUM)"; finish; exit 1; }
export CHROMIUM

# A season so far on a fake clock: 2023-12-01 .. tomorrow; the daemon's
# clock runs 20 times faster so the run it is given below finishes quickly.
start_sim --seed 6 --bad-rate 0.05
TODAY=2024-01-10 TOMORROW=2024-01-11 LANG_KEY=2
export SKRED_DATA_DIR="$T/d" SKRED_FAKE_NOW=${TODAY}T09:00:00Z SKRED_FAKE_SPEED=20
"$SKRED" run --regions all --lang both --from 2023-12-01 --to $TOMORROW -q >"$T/run.log" 2>&1
# Runs in the ledger for the grid: three successful backfill runs, and one
# that failed for good (the source was down, one attempt allowed).
SKRED_SCHED_BACKFILL_DAYS=10 "$SKRED" backfill --regions A --lang en --from 2023-12-11 --to 2024-01-09 >"$T/bf.log" 2>&1 || fail "backfill: $(tail -3 "$T/bf.log")"
stop_sim
# A failed run whose fetch failed, for the grid's upstream_failed (before
# the one the run-detail steps clear, which is then the newest failed).
SKRED_SCHED_MAX_ATTEMPTS=1 "$SKRED" backfill --regions 3012 --lang en --from $TODAY --to $TODAY >"$T/bf3.log" 2>&1 || true
rc=0; SKRED_SCHED_MAX_ATTEMPTS=1 "$SKRED" backfill --regions 3011 --lang en --from $TODAY --to $TODAY >"$T/bf2.log" 2>&1 || rc=$?
[ "$rc" -ne 0 ] && ok "a backfill with the source down fails" || fail "backfill with no source: exit 0"
start_sim --seed 6 --bad-rate 0.05
# The `skred run` above is a ledger run too (origin cli), beside the backfill's,
# with its fetch chunks (region x language x fetch.chunk_days) recorded.
check "the CLI run's chunks in the ledger: as many as it fetched, every one with its timing" \
  "$(sed -n 's/^fetch: .* in \([0-9]*\) chunks.*/\1/p' "$T/run.log") 0" \
  "$(sqlite3 "$SKRED_DATA_DIR/ledger.db" "SELECT COUNT(*) || ' ' || SUM(start_ms <= 0 OR end_ms < start_ms) FROM chunk WHERE run_id = 1")"
check "runs in the ledger: 4 succeeded (the CLI run, three backfill runs), 2 failed" "failed|2 success|4" "$(sqlite3 "$SKRED_DATA_DIR/ledger.db" "SELECT state, COUNT(*) FROM run GROUP BY state ORDER BY state" | tr '\n' ' ' | sed 's/ $//')"
check "origins: the CLI's" "backfill|cli|5 manual|cli|1" "$(sqlite3 "$SKRED_DATA_DIR/ledger.db" "SELECT job, origin, COUNT(*) FROM run GROUP BY job, origin ORDER BY job" | tr '\n' ' ' | sed 's/ $//')"
# Markup in stored text must come out as text: one of today's main texts.
XSS='<img src=x onerror="window.__xss=1"><b id="xss">&amp; bold</b>'
wh "UPDATE avalanche_warning SET main_text='$XSS' WHERE region_id=3037 AND lang_key=$LANG_KEY AND valid_date='$TODAY'"
check "markup planted in a stored main text" 1 "$(wh "SELECT COUNT(*) FROM avalanche_warning WHERE main_text LIKE '<img%'")"
# An older season for the season picker: region 3011's first fortnight of
# 2023/24 (both languages, problems too) copied a year back, as a backfill
# of 2022/23 would store it.
python3 - "$SKRED_DATA_DIR/warehouse.db" <<'PY'
import datetime, sqlite3, sys
c = sqlite3.connect(sys.argv[1])
back = lambda d: (datetime.date.fromisoformat(d) - datetime.timedelta(days=365)).isoformat()
for t in ("avalanche_warning", "avalanche_problem"):
    cur = c.execute(f"SELECT * FROM {t} WHERE region_id=3011 AND valid_date BETWEEN '2023-12-01' AND '2023-12-15'")
    cols = [d[0] for d in cur.description]
    for row in cur.fetchall():
        r = dict(zip(cols, row))
        r["valid_date"] = back(r["valid_date"])
        c.execute(f"INSERT INTO {t} ({','.join(cols)}) VALUES ({','.join('?' * len(cols))})", [r[k] for k in cols])
c.commit()
PY
old=$(wh "SELECT COUNT(*) FROM avalanche_warning WHERE valid_date < '2023-01-01'")
[ "$old" -ge 20 ] && ok "an older season stored (3011, 2022/23: $old warnings)" || fail "older season: $old warnings copied"
# A dead letter whose cause has since been fixed (it failed for a reason
# that no longer holds): a good record of 3011 (en) on 2023-12-20 that is
# not in the warehouse, on the dead-letter topic. A replay must store it.
RK=3011:2:2023-12-20 RREASON="store: database is locked (fixed since)"
sim_get "/hydrology/forecast/avalanche/v6.3.0/api/AvalancheWarningByRegion/Detail/3011/2/2023-12-20/2023-12-20" >"$T/fixable.json"
for t in avalanche_problem avalanche_advice mountain_weather_packed avalanche_warning; do
  wh "DELETE FROM $t WHERE region_id=3011 AND lang_key=2 AND valid_date='2023-12-20'"
done
python3 - "$SKRED_DATA_DIR/bus.db" "$T/fixable.json" "$RK" "$RREASON" >"$T/replay.json" <<'PY'
import json, sqlite3, sys, time
db, src, key, reason = sys.argv[1:]
rec = json.load(open(src))[0]
value = json.dumps(rec, ensure_ascii=False, separators=(",", ":")).encode()
hdr = lambda k, v: f"{len(k.encode())}:{k}{len(v.encode())}:{v}"
headers = (hdr("reason", reason) + hdr("error", "store")).encode()
c = sqlite3.connect(db)
seq = c.execute("SELECT COALESCE(MAX(seq) + 1, 0) FROM message WHERE topic = 'skred.dlq'").fetchone()[0]
c.execute("INSERT INTO message(topic, seq, ts_ms, key, value, headers) VALUES ('skred.dlq', ?, ?, ?, ?, ?)",
          (seq, int(time.time() * 1000), key.encode(), value, headers))
c.commit()
json.dump({"key": key, "offset": seq, "reason": reason, "region": 3011, "date": "2023-12-20",
           "level": int(rec["DangerLevel"])}, sys.stdout)
PY
check "the fixable record is not in the warehouse" 0 "$(wh "SELECT COUNT(*) FROM avalanche_warning WHERE region_id=3011 AND lang_key=2 AND valid_date='2023-12-20'")"
# A configuration file the browser test rewrites before a SIGHUP.
printf 'sched.schedules = daily=0 17 * * *\n' >"$T/ui.conf"
start_serve SKRED_CONFIG="$T/ui.conf"
# Another origin: a page on another loopback port that POSTs to the daemon.
mkdir -p "$T/evil" && cp "$B/cross_site.html" "$T/evil/"
eport=$(free_port)
python3 -m http.server --bind 127.0.0.1 --directory "$T/evil" "$eport" >"$T/evil.log" 2>&1 &
epid=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$eport/cross_site.html" >/dev/null && break; sleep 0.1; done
check "the daemon serves the UI at /" 200 "$(curl -s -o "$T/index.html" -w '%{http_code}' "$H/")"
grep -q '/ui/app.js' "$T/index.html" && ok "index.html loads /ui/app.js" || fail "index.html: $(head -c 300 "$T/index.html")"
check "app.js as JavaScript" "200 text/javascript" "$(curl -s -o /dev/null -w '%{http_code} %{content_type}' "$H/ui/app.js" | sed 's/;.*//')"

# A finished run for the run-detail page: a manual run over two days.
curl -sf -X POST "$H/api/v1/runs?from=$TODAY&to=$TOMORROW" >/dev/null || fail "trigger a run"
for _ in $(seq 300); do
  [ "$(curl -sf "$H/api/v1/runs?limit=1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["runs"][0]["state"])')" = success ] && break
  sleep 0.2
done
check "the daemon ran the run" success "$(curl -sf "$H/api/v1/runs?limit=1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["runs"][0]["state"])')"
check "a run queued with curl (no Origin) has origin api" api "$(curl -sf "$H/api/v1/runs?limit=1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["runs"][0]["origin"])')"
check "the fetch-failed run: fetch failed, process and checks upstream_failed" "fetch:failed process:upstream_failed checks:upstream_failed" \
  "$(sqlite3 "$SKRED_DATA_DIR/ledger.db" "SELECT group_concat(name || ':' || state, ' ') FROM (SELECT t.name, t.state FROM task t JOIN run r ON r.id = t.run_id WHERE r.regions = '3012' AND r.state = 'failed' ORDER BY t.seq)")"

# What the pages must show, from the warehouse (en), as JSON files.
R=3011 WD=2024-01-05
E="$T/exp"; mkdir -p "$E"
at() { echo "region_id=$R AND lang_key=$LANG_KEY AND valid_date='$WD'"; }
for d in $TODAY $TOMORROW; do
  wh "SELECT json_group_object(region_id, danger_level) FROM avalanche_warning WHERE lang_key=$LANG_KEY AND valid_date='$d'" >"$E/levels-$d.json"
done
wh "SELECT json_group_object(region_id, main_text) FROM avalanche_warning WHERE lang_key=$LANG_KEY AND valid_date='$TODAY'" >"$E/texts.json"
wh "SELECT json_group_object(valid_date, danger_level) FROM avalanche_warning WHERE region_id=$R AND lang_key=$LANG_KEY AND valid_date >= '2023-12-01'" >"$E/season.json"
wh "SELECT json_object('main_text', main_text, 'level', danger_level) FROM avalanche_warning WHERE $(at)" >"$E/warning.json"
wh "SELECT json_group_array(valid_expositions) FROM (SELECT valid_expositions FROM avalanche_problem WHERE $(at) ORDER BY problem_id)" >"$E/problems.json"
wh "SELECT json_object('warnings', (SELECT COUNT(*) FROM avalanche_warning), 'problems', (SELECT COUNT(*) FROM avalanche_problem))" >"$E/warehouse.json"
curl -sf "$H/api/v1/regions" >"$E/regions.json"
wh "SELECT json_group_object(valid_date, danger_level) FROM avalanche_warning WHERE region_id=$R AND lang_key=$LANG_KEY AND valid_date < '2023-06-01'" >"$E/season-old.json"
wh "SELECT json_group_object(valid_date, danger_level) FROM avalanche_warning WHERE region_id=3012 AND lang_key=$LANG_KEY AND valid_date >= '2023-12-01'" >"$E/season-3012.json"
# Emergency warnings (nb): one whose value is the normal "Ikke gitt", one given.
wh "SELECT json_object('none', (SELECT json_object('region', region_id, 'date', valid_date) FROM avalanche_warning WHERE lang_key=1 AND emergency_warning='Ikke gitt' AND valid_date >= '2023-12-01' ORDER BY valid_date, region_id LIMIT 1), 'given', (SELECT json_object('region', region_id, 'date', valid_date, 'text', emergency_warning) FROM avalanche_warning WHERE lang_key=1 AND emergency_warning NOT IN ('', 'Ikke gitt') AND valid_date >= '2023-12-01' ORDER BY valid_date, region_id LIMIT 1))" >"$E/emergency.json"
cp "$T/replay.json" "$E/replay.json"
python3 - "$E" "$T/expected.json" "$TODAY" "$TOMORROW" "$R" "$WD" "$SKRED_DATA_DIR/ledger.db" <<'PY'
import json, sqlite3, sys
E, out, today, tomorrow, region, wd, ledger = sys.argv[1:]
# The ledger as the browser test starts: each run's state, attempts,
# duration and the tasks of its current attempt (state, duration).
db = sqlite3.connect(ledger)
runs = {str(i): {"state": st, "attempts": a, "duration_ms": (e - s) if s and e > s else 0, "tasks": {}, "chunks": k}
        for i, st, a, s, e, k in db.execute("SELECT id, state, attempts, start_ms, end_ms, "
                                            "(SELECT COUNT(*) FROM chunk WHERE run_id = run.id) FROM run")}
for i, name, st, d in db.execute("SELECT t.run_id, t.name, t.state, t.end_ms - t.start_ms FROM task t "
                                 "JOIN run r ON r.id = t.run_id AND t.attempt = r.attempts"):
    runs[str(i)]["tasks"][name] = [st, max(d, 0)]
j = lambda n: json.load(open(f"{E}/{n}.json"))
regions = [r["id"] for r in j("regions")["regions"]]
full = lambda lv: {str(r): lv.get(str(r), "") for r in regions}  # "" = nothing stored
w = j("warning")
json.dump({
    "today": today, "tomorrow": tomorrow, "lang": "en",
    "trigger_from": "2024-01-08", "trigger_to": "2024-01-09",
    "map": full(j("levels-" + today)), "map_tomorrow": full(j("levels-" + tomorrow)),
    "main_texts": j("texts"),
    "timeline": {"region": int(region), "from": "2023-12-01", "to": "2024-05-31", "levels": j("season")},
    "warning": {"region": int(region), "date": wd, "main_text": w["main_text"], "level": w["level"],
                "problems": j("problems")},
    "warehouse": j("warehouse"),
    "season_old": {"region": int(region), "season": 2022, "from": "2022-12-01", "to": "2023-05-31", "levels": j("season-old")},
    "season_3012": {"region": 3012, "season": 2023, "levels": j("season-3012")},
    "emergency": {k: json.loads(v) if isinstance(v, str) else v for k, v in j("emergency").items()},
    "replay": j("replay"),
    "ledger": runs,
}, open(out, "w"), ensure_ascii=False, indent=1)
PY
[ "$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["warning"]["problems"]))' "$T/expected.json")" -gt 0 ] \
  && ok "the chosen warning has problems" || fail "no problems stored for $R $WD"

# A second daemon (own data dir) that wants a token for every POST.
tport=$(free_port)
SKRED_DATA_DIR="$T/tok" SKRED_HTTP_ADDR="127.0.0.1:$tport" SKRED_HTTP_TOKEN=ui-s3cret "$SKRED" serve >"$T/tok.log" 2>&1 &
tpid=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$tport/healthz" >/dev/null && break; sleep 0.1; done

# The browser test; its ok/FAIL lines count here.
rc=0
SKRED_UI_TOKEN_BASE="http://127.0.0.1:$tport" SKRED_UI_TOKEN=ui-s3cret \
SKRED_UI_CONF="$T/ui.conf" SKRED_UI_PID="$SERVE_PID" SKRED_UI_REBIND=1 \
SKRED_UI_EVIL="http://127.0.0.1:$eport/cross_site.html" \
  node "$B/ui_test.mjs" "$H" "$T/expected.json" "$SHOTS" >"$T/ui.out" 2>&1 || rc=$?
kill -TERM "$tpid" "$epid" 2>/dev/null || true
wait "$tpid" "$epid" 2>/dev/null || true
cat "$T/ui.out"
grep -q '^ok - ' "$T/ui.out" || fail "the browser test ran no assertion"
PASSED=$((PASSED + $(grep -c '^ok - ' "$T/ui.out" || true)))
FAILED=$((FAILED + $(grep -c '^FAIL - ' "$T/ui.out" || true)))
[ "$rc" -eq 0 ] || grep -q '^FAIL - ' "$T/ui.out" || fail "ui_test.mjs exited $rc"
# shellcheck disable=SC2012 # names for a human to read
echo "screenshots: $(ls "$SHOTS" 2>/dev/null | tr '\n' ' ')"
stop_serve
finish
