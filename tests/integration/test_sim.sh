#!/usr/bin/env bash
# test_sim.sh - integration test of tools/varsom-sim, the local imitation of
# NVE's varsom API: data shape and determinism, revisions, not-assessed
# records, bad records, every fault kind, control endpoints, HTTP handling.
# Run by CTest with VARSOM_SIM=<binary>; uses only curl and python3.
set -euo pipefail

SIM=${VARSOM_SIM:-/work/main/build-sim/varsom-sim}
[[ -x $SIM ]] || { echo "varsom-sim not found at $SIM" >&2; exit 1; }
command -v curl >/dev/null || { echo "curl missing" >&2; exit 1; }
command -v python3 >/dev/null || { echo "python3 missing" >&2; exit 1; }

TMP=$(mktemp -d)
PIDS=()
cleanup() {
	local p
	for p in "${PIDS[@]}"; do
		kill "$p" 2>/dev/null || true
	done
	for p in "${PIDS[@]}"; do
		wait "$p" 2>/dev/null || true
	done
	rm -rf "$TMP"
}
trap cleanup EXIT

PASS=0
FAIL=0
# check NAME COMMAND...: runs the command, counts and reports the outcome.
check() {
	local name=$1
	shift
	if "$@" >"$TMP/check.out" 2>&1; then
		PASS=$((PASS + 1))
		echo "ok   - $name"
	else
		FAIL=$((FAIL + 1))
		echo "FAIL - $name"
		sed 's/^/       /' "$TMP/check.out" | head -20
	fi
}

# start_sim NAME ARGS...: starts a simulator on an ephemeral port and sets
# PORT and PID (the port file is written atomically by the simulator).
start_sim() {
	local name=$1
	shift
	"$SIM" --port 0 --port-file "$TMP/$name.port" "$@" \
		>"$TMP/$name.out" 2>"$TMP/$name.log" &
	PID=$!
	PIDS+=("$PID")
	for _ in $(seq 1 200); do
		[[ -s $TMP/$name.port ]] && break
		kill -0 "$PID" 2>/dev/null || { echo "sim $name died" >&2; exit 1; }
		sleep 0.05
	done
	[[ -s $TMP/$name.port ]] || { echo "sim $name: no port file" >&2; exit 1; }
	PORT=$(cat "$TMP/$name.port")
}

api() { echo "http://127.0.0.1:$1/hydrology/forecast/avalanche/v6.3.0/api"; }

# fetch URL FILE: body to FILE, prints the HTTP status (000 on failure).
fetch() {
	curl -s -o "$2" -w '%{http_code}' "$1" || true
}

# ------------------------------------------------------- python checks
cat >"$TMP/checks.py" <<'PY'
import json, re, sys, datetime

SIMPLE = ["RegId", "RegionId", "RegionName", "RegionTypeId", "RegionTypeName",
          "DangerLevel", "ValidFrom", "ValidTo", "NextWarningTime",
          "PublishTime", "DangerIncreaseTime", "DangerDecreaseTime",
          "MainText", "LangKey"]
DETAIL = ["CountyList", "MunicipalityList", "PreviousWarningRegId",
          "DangerLevelName", "UtmZone", "UtmEast", "UtmNorth", "Author",
          "AvalancheDanger", "EmergencyWarning", "SnowSurface",
          "CurrentWeaklayers", "LatestAvalancheActivity", "LatestObservations",
          "ExposedHeightFill", "ExposedHeight1", "MountainWeather",
          "AvalancheProblems", "AvalancheAdvices", "ExtremWeatherId",
          "ExtremWeatherName", "IsTendency"] + SIMPLE
PROBLEM = ["AvalancheProblemId", "AvalancheExtId", "AvalancheExtName",
           "AvalCauseId", "AvalCauseName", "AvalProbabilityId",
           "AvalProbabilityName", "AvalTriggerSimpleId",
           "AvalTriggerSimpleName", "AvalTriggerSensitivityId",
           "AvalTriggerSensitivityName", "DestructiveSizeExtId",
           "DestructiveSizeExtName", "AvalPropagationId",
           "AvalPropagationName", "AvalancheTypeId", "AvalancheTypeName",
           "AvalancheProblemTypeId", "AvalancheProblemTypeName",
           "ValidExpositions", "ExposedHeight1", "ExposedHeight2",
           "ExposedHeightFill",
           "TriggerSenitivityPropagationDestuctiveSizeText", "DangerLevel",
           "DangerLevelName"]
DT = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,3})?$")


def fail(msg):
    print(msg)
    sys.exit(1)


def load(path):
    with open(path, "rb") as f:
        return json.loads(f.read().decode("utf-8"))


def is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def parse_dt(s):
    return datetime.datetime.strptime(s.split(".")[0], "%Y-%m-%dT%H:%M:%S")


def strict_problems(w):
    """Reasons why a strict client must reject this warning ([] = fine)."""
    why = []
    dl = w.get("DangerLevel")
    if not (isinstance(dl, str) and dl in ("0", "1", "2", "3", "4", "5")):
        why.append("DangerLevel %r" % (dl,))
    vf = w.get("ValidFrom")
    try:
        parse_dt(vf)
    except Exception:
        why.append("ValidFrom %r" % (vf,))
    if not is_int(w.get("RegionId")):
        why.append("RegionId %r" % (w.get("RegionId"),))
    if w.get("LangKey") not in (1, 2):
        why.append("LangKey %r" % (w.get("LangKey"),))
    for p in w.get("AvalancheProblems") or []:
        ve = p.get("ValidExpositions")
        if not (isinstance(ve, str) and re.fullmatch("[01]{8}", ve)):
            why.append("ValidExpositions %r" % (ve,))
    return why


def check_simple_types(w):
    for k in ("RegId", "RegionId", "RegionTypeId", "LangKey"):
        if not is_int(w[k]):
            fail("%s not int: %r" % (k, w[k]))
    if not isinstance(w["DangerLevel"], str):
        fail("DangerLevel not a string")
    for k in ("ValidFrom", "ValidTo", "NextWarningTime", "PublishTime"):
        if not DT.match(w[k]):
            fail("%s badly formatted: %r" % (k, w[k]))
    for k in ("DangerIncreaseTime", "DangerDecreaseTime"):
        if w[k] is not None and not DT.match(w[k]):
            fail("%s badly formatted: %r" % (k, w[k]))


def cmd_detail(path, n, region, lang, start):
    arr = load(path)
    n, region, lang = int(n), int(region), int(lang)
    if not isinstance(arr, list) or len(arr) != n:
        fail("expected %d elements, got %r" % (n, len(arr)))
    day = datetime.date.fromisoformat(start)
    real = 0
    for w in arr:
        if list(w.keys()) != DETAIL:
            fail("Detail keys/order differ: %r" % list(w.keys()))
        check_simple_types(w)
        if strict_problems(w):
            fail("strict check failed: %r" % strict_problems(w))
        if w["RegionId"] != region or w["LangKey"] != lang:
            fail("wrong region/lang")
        if w["ValidFrom"] != day.isoformat() + "T00:00:00":
            fail("ValidFrom %s, expected %s" % (w["ValidFrom"], day))
        if w["ValidTo"] != day.isoformat() + "T23:59:59":
            fail("ValidTo %s" % w["ValidTo"])
        day += datetime.timedelta(days=1)
        for c in w["CountyList"] + w["MunicipalityList"]:
            if not isinstance(c["Id"], str) or not isinstance(c["Name"], str):
                fail("County/Municipality Id must be a string: %r" % c)
        for k in ("UtmZone", "UtmEast", "UtmNorth", "ExposedHeightFill",
                  "ExposedHeight1"):
            if not is_int(w[k]):
                fail("%s not int" % k)
        if w["IsTendency"] is not False:
            fail("IsTendency")
        if w["RegId"] == 0:
            continue
        real += 1
        if w["RegId"] <= 0:
            fail("RegId")
        lvl = int(w["DangerLevel"])
        if not 1 <= lvl <= 5 or not w["DangerLevelName"].startswith(str(lvl)):
            fail("level %r / %r" % (w["DangerLevel"], w["DangerLevelName"]))
        probs = w["AvalancheProblems"]
        if not isinstance(probs, list) or not 1 <= len(probs) <= 3:
            fail("1-3 problems expected")
        for p in probs:
            if list(p.keys()) != PROBLEM:
                fail("problem keys/order differ: %r" % list(p.keys()))
            if not is_int(p["DangerLevel"]):
                fail("problem DangerLevel must be an int: %r" % p["DangerLevel"])
            ve = p["ValidExpositions"]
            if not isinstance(ve, str) or len(ve) != 8:
                fail("ValidExpositions must be an 8-char string: %r" % ve)
        mw = w["MountainWeather"]
        if list(mw.keys()) != ["LastSavedTime", "CloudCoverId",
                               "CloudCoverName", "Comment",
                               "MeasurementTypes", "MeasurementTexts"]:
            fail("MountainWeather keys %r" % list(mw.keys()))
        ids = [t["Id"] for t in mw["MeasurementTypes"]]
        if ids != [10, 20, 30, 40, 50, 55]:
            fail("MeasurementTypes ids %r" % ids)
        for t in mw["MeasurementTypes"]:
            for s in t["MeasurementSubTypes"]:
                if s["Value"] is not None and not isinstance(s["Value"], str):
                    fail("weather Value must be string or null")
        adv = w["AvalancheAdvices"]
        if not adv or [a["AdviceID"] for a in adv] != list(range(len(adv))):
            fail("AvalancheAdvices ids")
        if not all(a["Text"].endswith(" ") for a in adv):
            fail("advice Text trailing space")
    if real == 0:
        fail("no real forecasts in an A region in season")


def cmd_simple(path, n):
    arr = load(path)
    if len(arr) != int(n):
        fail("expected %s elements" % n)
    for w in arr:
        if list(w.keys()) != SIMPLE:
            fail("Simple keys/order differ: %r" % list(w.keys()))
        check_simple_types(w)


def cmd_langs(nb_path, en_path):
    nb, en = load(nb_path), load(en_path)
    if len(nb) != len(en):
        fail("lengths differ")
    for a, b in zip(nb, en):
        for k in ("RegId", "DangerLevel", "PublishTime", "ValidFrom",
                  "AvalancheDanger", "SnowSurface", "CurrentWeaklayers"):
            if a[k] != b[k]:
                fail("%s differs between languages: %r / %r" % (k, a[k], b[k]))
        pa = [(p["AvalancheProblemTypeId"], p["DangerLevel"])
              for p in a["AvalancheProblems"] or []]
        pb = [(p["AvalancheProblemTypeId"], p["DangerLevel"])
              for p in b["AvalancheProblems"] or []]
        if pa != pb:
            fail("problems differ between languages")
        if a["RegId"] and a["MainText"] == b["MainText"]:
            fail("MainText not translated")
    if not any(re.search("[æøå]", w["AvalancheDanger"] or "") for w in en):
        fail("AvalancheDanger should stay Norwegian (æøå) in English")


def cmd_revision(r0_path, r1_path):
    """Compares revision 0 and 1 Detail responses on the fields that a
    republication changes (the rest must be equal)."""
    keys = SIMPLE + ["PreviousWarningRegId", "DangerLevelName"]
    r0 = [{k: w.get(k) for k in keys} for w in load(r0_path)]
    r1 = [{k: w.get(k) for k in keys} for w in load(r1_path)]
    if len(r0) != len(r1) or not r0:
        fail("lengths differ or empty")
    changed = 0
    for a, b in zip(r0, r1):
        if a == b:
            continue
        changed += 1
        if a["RegId"] == 0:
            fail("a not-assessed record was republished")
        day = a["ValidFrom"][:10]
        if b["PublishTime"] != day + "T09:12:14.2":
            fail("republished PublishTime %r" % b["PublishTime"])
        if int(b["DangerLevel"]) != min(5, int(a["DangerLevel"]) + 1):
            fail("level not raised: %s -> %s" % (a["DangerLevel"],
                                                 b["DangerLevel"]))
        if b["RegId"] != a["RegId"] + 1000000:
            fail("RegId %r -> %r" % (a["RegId"], b["RegId"]))
        if b["PreviousWarningRegId"] != a["RegId"]:
            fail("PreviousWarningRegId should be the original RegId")
        if not b["MainText"].startswith("Oppdatert: "):
            fail("MainText prefix")
        if not b["DangerLevelName"].startswith(b["DangerLevel"] + " "):
            fail("DangerLevelName not raised")
    if not 0.03 * len(r0) <= changed <= 0.25 * len(r0):
        fail("expected ~10%% republished, got %d of %d" % (changed, len(r0)))


def cmd_not_assessed(path, lang, detail, min_count):
    arr = load(path)
    lang, detail = int(lang), detail == "1"
    seen, probs = 0, set()
    for w in arr:
        if w["RegId"] != 0:
            if w["DangerLevel"] not in ("4", "5") or w["RegionTypeId"] != 20:
                fail("real B-region warning must be level 4 (5 if republished)")
            continue
        seen += 1
        vf = parse_dt(w["ValidFrom"])
        want = {"DangerLevel": "0", "RegionTypeId": 20, "RegionTypeName": "B",
                "MainText": "Ikke vurdert" if lang == 1 else "Not assessed",
                "PublishTime": w["ValidFrom"],
                "NextWarningTime": (vf - datetime.timedelta(days=1))
                .strftime("%Y-%m-%dT17:00:00"),
                "DangerIncreaseTime": None, "DangerDecreaseTime": None}
        if detail:
            want.update({"AvalancheAdvices": [], "MountainWeather": None,
                         "AvalancheDanger": None, "SnowSurface": None})
        for k, v in want.items():
            if w[k] != v:
                fail("not assessed %s: %r, want %r" % (k, w[k], v))
        if detail:
            if w["AvalancheProblems"] not in ([], None):
                fail("AvalancheProblems must be [] or null")
            probs.add(json.dumps(w["AvalancheProblems"]))
    if seen < int(min_count):
        fail("only %d not-assessed records" % seen)
    if detail and probs != {"[]", "null"}:
        fail("AvalancheProblems should alternate [] / null: %r" % probs)


def cmd_all_bad(path, n):
    arr = load(path)
    if len(arr) != int(n):
        fail("expected %s elements" % n)
    kinds = set()
    for w in arr:
        why = strict_problems(w)
        if not why:
            fail("a valid record in a --bad-rate 1.0 response: %r" % w)
        kinds.add(why[0].split()[0] + ("7" if w.get("DangerLevel") == "7" else ""))
    if len(kinds) < 5:
        fail("too few kinds of bad records: %r" % kinds)


def cmd_invalid_json(path):
    try:
        load(path)
    except Exception:
        return
    fail("body is valid JSON")


def cmd_unknown(path, n):
    arr = load(path)
    if len(arr) != int(n):
        fail("count")
    for w in arr:
        extra = [k for k in w if k not in DETAIL]
        if not extra or w.get("NewField2027") != {"x": [1, 2]}:
            fail("no unknown fields: %r" % list(w.keys()))
        if [k for k in w if k in DETAIL] != DETAIL:
            fail("known fields missing or reordered")
        check_simple_types(w)


def cmd_json_eq(path, *pairs):
    d = load(path)
    for pair in pairs:
        key, val = pair.split("=", 1)
        cur = d
        for part in key.split("."):
            cur = cur[part]
        if json.dumps(cur) != val:
            fail("%s = %s, expected %s" % (key, json.dumps(cur), val))


def cmd_regions(path):
    arr = load(path)
    if len(arr) != 46 or [r["Id"] for r in arr] != list(range(3001, 3047)):
        fail("expected the 46 regions 3001..3046")
    if sum(r["TypeId"] == 10 for r in arr) != 24:
        fail("expected 24 A regions")
    for r in arr:
        if list(r.keys()) != ["Id", "Name", "TypeId", "TypeName",
                              "ValidFrom", "ValidTo"]:
            fail("Region keys %r" % list(r.keys()))
        if r["TypeName"] != ("A" if r["TypeId"] == 10 else "B"):
            fail("TypeName")


def cmd_error_json(path):
    d = load(path)
    if not isinstance(d, dict) or "error" not in d:
        fail("error body %r" % d)


globals()["cmd_" + sys.argv[1]](*sys.argv[2:])
PY
py() { python3 "$TMP/checks.py" "$@"; }

# grep_q PATTERN FILE (wrapper so check gets one command)
has_line() { grep -qiE "$1" "$2"; }

# --------------------------------------------------------- command line
check "--help exits 0 with usage" \
	bash -c "'$SIM' --help | grep -q -- '--fail-first'"
check "unknown flag exits 2" \
	bash -c "'$SIM' --no-such-flag 2>/dev/null; test \$? -eq 2"
check "bad --fail-first exits 2" \
	bash -c "'$SIM' --fail-first 2:teapot 2>/dev/null; test \$? -eq 2"
check "bad --fault-rate exits 2" \
	bash -c "'$SIM' --fault-rate 1.5 2>/dev/null; test \$? -eq 2"

# ---------------------------------------------------------- main server
start_sim main --seed 7
MAIN=$PORT
MAIN_PID=$PID
B=$(api "$MAIN")
check "prints exactly 'listening on 127.0.0.1:PORT'" \
	bash -c "[[ \$(cat '$TMP/main.out') == 'listening on 127.0.0.1:$MAIN' ]]"
check "port file holds only the port" \
	bash -c "[[ \$(cat '$TMP/main.port') =~ ^[0-9]+\$ ]]"

st=$(fetch "$B/AvalancheWarningByRegion/Detail/3022/1/2023-02-01/2023-02-10" "$TMP/d1.json")
check "Detail 10 days: HTTP 200" test "$st" = 200
check "Detail 10 days: 10 valid elements, keys, order and types" \
	py detail "$TMP/d1.json" 10 3022 1 2023-02-01
fetch "$B/AvalancheWarningByRegion/Detail/3022/1/2023-02-01/2023-02-10" "$TMP/d2.json" >/dev/null
check "identical requests give identical bytes" cmp "$TMP/d1.json" "$TMP/d2.json"
fetch "$B/AvalancheWarningByRegion/Detail/3022/2/2023-02-01/2023-02-10" "$TMP/d1en.json" >/dev/null
check "English Detail: valid" py detail "$TMP/d1en.json" 10 3022 2 2023-02-01
check "same forecast in both languages; prose stays Norwegian" \
	py langs "$TMP/d1.json" "$TMP/d1en.json"
fetch "$B/AvalancheWarningByRegion/Detail/3011/2/2022-12-01/2023-05-31" "$TMP/season.json" >/dev/null
check "a whole season (182 days) in one Detail request" \
	py detail "$TMP/season.json" 182 3011 2 2022-12-01

fetch "$B/AvalancheWarningByRegion/Simple/3022/1/2023-02-01/2023-02-10" "$TMP/s1.json" >/dev/null
check "Simple: only the Simple fields, in order" py simple "$TMP/s1.json" 10

fetch "$B/AvalancheWarningByRegion/Detail/3045/1/2023-01-01/2023-01-20" "$TMP/b.json" >/dev/null
check "B region in season: not-assessed records as specified" \
	py not_assessed "$TMP/b.json" 1 1 10
fetch "$B/AvalancheWarningByRegion/Detail/3011/2/2023-07-01/2023-07-10" "$TMP/july.json" >/dev/null
check "A region in July: all not assessed (English)" \
	py not_assessed "$TMP/july.json" 2 1 10
fetch "$B/AvalancheWarningByRegion/Simple/3011/1/2023-07-01/2023-07-10" "$TMP/julys.json" >/dev/null
check "July, Simple: not assessed" py not_assessed "$TMP/julys.json" 1 0 10

fetch "$B/Region" "$TMP/regions.json" >/dev/null
check "Region: 46 regions, 24 A" py regions "$TMP/regions.json"
fetch "$B/Region/" "$TMP/regions2.json" >/dev/null
check "Region/ same as Region" cmp "$TMP/regions.json" "$TMP/regions2.json"

st=$(fetch "$B/AvalancheWarningByRegion/Simple/3099/1/2023-01-01/2023-01-02" "$TMP/e1.json")
check "unknown region -> 400" test "$st" = 400
check "unknown region -> JSON error body" py error_json "$TMP/e1.json"
st=$(fetch "$B/AvalancheWarningByRegion/Simple/3011/3/2023-01-01/2023-01-02" "$TMP/e.json")
check "langKey 3 -> 400" test "$st" = 400
st=$(fetch "$B/AvalancheWarningByRegion/Simple/3011/1/2023-02-29/2023-03-02" "$TMP/e.json")
check "impossible date -> 400" test "$st" = 400
st=$(fetch "$B/AvalancheWarningByRegion/Simple/3011/1/2023-03-02/2023-03-01" "$TMP/e.json")
check "end before start -> 400" test "$st" = 400
st=$(fetch "$B/AvalancheWarningByRegion/Simple/3011/1/2023-01-01/2024-02-05" "$TMP/e.json")
check "401 days -> 400" test "$st" = 400
st=$(fetch "$B/AvalancheWarningByRegion/Simple/3011/1/2023-01-01/2024-02-04" "$TMP/e.json")
check "400 days -> 200" test "$st" = 200
st=$(fetch "http://127.0.0.1:$MAIN/nothing/here" "$TMP/e.json")
check "unknown path -> 404 JSON" bash -c "test $st = 404 && python3 '$TMP/checks.py' error_json '$TMP/e.json'"
st=$(curl -s -o /dev/null -w '%{http_code}' -X POST "$B/Region" || true)
check "POST -> 405" test "$st" = 405

# keep-alive: curl reuses the connection for a second URL
conns=$(curl -s -o /dev/null -o /dev/null -w '%{num_connects} ' \
	"$B/Region" "$B/Region" || true)
check "keep-alive: second request reuses the connection" test "$conns" = "1 0 "

# malformed and oversized requests get 400/431 and the server survives
cat >"$TMP/raw.py" <<'PY'
import socket, sys
port, data = int(sys.argv[1]), sys.argv[2]
payload = {"garbage": b"\x01\x02 nonsense\r\n\r\n",
           "badline": b"GET\r\n\r\n",
           "badheader": b"GET / HTTP/1.1\r\nno colon here\r\n\r\n",
           "huge": b"GET / HTTP/1.1\r\nX-Big: " + b"a" * 20000 + b"\r\n\r\n"}[data]
s = socket.create_connection(("127.0.0.1", port), timeout=5)
s.sendall(payload)
out = b""
while True:
    b = s.recv(4096)
    if not b:
        break
    out += b
print(out.split(b"\r\n")[0].decode())
PY
check "garbage request -> 400" \
	bash -c "python3 '$TMP/raw.py' $MAIN garbage | grep -q ' 400 '"
check "bad request line -> 400" \
	bash -c "python3 '$TMP/raw.py' $MAIN badline | grep -q ' 400 '"
check "bad header -> 400" \
	bash -c "python3 '$TMP/raw.py' $MAIN badheader | grep -q ' 400 '"
check "head over 16 KiB -> 431" \
	bash -c "python3 '$TMP/raw.py' $MAIN huge | grep -q ' 431 '"
st=$(fetch "$B/Region" "$TMP/e.json")
check "server still answers after bad requests" test "$st" = 200

# ---------------------------------------------------------- revisions
start_sim rev --seed 7 --revision 1 --quiet
fetch "$B/AvalancheWarningByRegion/Detail/3011/1/2022-12-01/2023-05-31" "$TMP/r0.json" >/dev/null
fetch "$(api "$PORT")/AvalancheWarningByRegion/Detail/3011/1/2022-12-01/2023-05-31" "$TMP/r1.json" >/dev/null
check "--revision 1 republishes ~10%: PublishTime, RegId, level, MainText" \
	py revision "$TMP/r0.json" "$TMP/r1.json"

# ---------------------------------------------------------- bad records
start_sim bad --seed 7 --bad-rate 1.0 --quiet
BB=$(api "$PORT")
fetch "$BB/AvalancheWarningByRegion/Detail/3011/1/2023-01-01/2023-01-21" "$TMP/bad.json" >/dev/null
check "--bad-rate 1.0: valid JSON, every record invalid, kinds vary" \
	py all_bad "$TMP/bad.json" 21
fetch "$BB/AvalancheWarningByRegion/Simple/3045/2/2023-07-01/2023-07-14" "$TMP/bads.json" >/dev/null
check "--bad-rate 1.0, Simple out of season: every record invalid" \
	py all_bad "$TMP/bads.json" 14
fetch "$BB/AvalancheWarningByRegion/Detail/3011/1/2023-01-01/2023-01-21" "$TMP/bad2.json" >/dev/null
check "bad records are deterministic" cmp "$TMP/bad.json" "$TMP/bad2.json"

# ------------------------------------------------------------ faults
start_sim faults --seed 7 --fail-first 2:503 --retry-after 3 \
	--fail-region 3011:429 --slow-ms 300
FP=$PORT
FB=$(api "$FP")
U="$FB/AvalancheWarningByRegion/Simple/3022/1/2023-01-01/2023-01-10"
curl -s -D "$TMP/h1" -o /dev/null "$U" || true
curl -s -D "$TMP/h2" -o /dev/null "$U" || true
st=$(fetch "$U" "$TMP/ff3.json")
check "--fail-first 2:503: attempt 1 is 503" has_line '^HTTP/1.1 503' "$TMP/h1"
check "--fail-first 2:503: 503 carries Retry-After: 3" has_line '^Retry-After: 3' "$TMP/h1"
check "--fail-first 2:503: attempt 2 is 503" has_line '^HTTP/1.1 503' "$TMP/h2"
check "--fail-first 2:503: attempt 3 succeeds" \
	bash -c "test $st = 200 && python3 '$TMP/checks.py' simple '$TMP/ff3.json' 10"
st=$(fetch "$FB/AvalancheWarningByRegion/Simple/3022/1/2023-01-01/2023-01-11" "$TMP/e.json")
check "--fail-first counts per path (new path fails again)" test "$st" = 503

curl -s -D "$TMP/h429" -o "$TMP/e429.json" \
	"$FB/AvalancheWarningByRegion/Detail/3011/1/2023-01-01/2023-01-03" || true
check "--fail-region 3011:429 -> 429" has_line '^HTTP/1.1 429' "$TMP/h429"
check "429 carries Retry-After" has_line '^Retry-After: 3' "$TMP/h429"
check "429 has a JSON body" py error_json "$TMP/e429.json"

cfg() { curl -s -o "$TMP/cfg.json" -w '%{http_code}' "http://127.0.0.1:$FP/_sim/config?$1" || true; }
st=$(cfg "fail_first=none&fail_region=3012:malformed")
check "/_sim/config sets fail_region" \
	bash -c "test $st = 200 && python3 '$TMP/checks.py' json_eq '$TMP/cfg.json' 'fail_region.id=3012' 'fail_region.kind=\"malformed\"' 'fail_first=null'"
st=$(fetch "$FB/AvalancheWarningByRegion/Detail/3012/1/2023-01-01/2023-01-05" "$TMP/mal.json")
check "malformed: HTTP 200" test "$st" = 200
check "malformed: body is not valid JSON" py invalid_json "$TMP/mal.json"

cfg "fail_region=3013:truncate" >/dev/null
rc=0
curl -s -o /dev/null "$FB/AvalancheWarningByRegion/Detail/3013/1/2023-01-01/2023-01-05" || rc=$?
check "truncate: curl exit 18 (partial body)" test "$rc" = 18

cfg "fail_region=3014:reset" >/dev/null
rc=0
curl -s -o /dev/null "$FB/AvalancheWarningByRegion/Simple/3014/1/2023-01-01/2023-01-05" || rc=$?
check "reset: connection dropped without an answer (curl 52/56)" \
	bash -c "test $rc = 52 || test $rc = 56"

cfg "fail_region=3015:unknown" >/dev/null
st=$(fetch "$FB/AvalancheWarningByRegion/Detail/3015/1/2023-01-01/2023-01-05" "$TMP/unk.json")
check "unknown: HTTP 200, valid, extra fields on every element" \
	bash -c "test $st = 200 && python3 '$TMP/checks.py' unknown '$TMP/unk.json' 5"

cfg "fail_region=3016:slow&slow_ms=300" >/dev/null
t=$(curl -s -o "$TMP/slow.json" -w '%{time_total}' \
	"$FB/AvalancheWarningByRegion/Simple/3016/1/2023-01-01/2023-01-05" || true)
check "slow: answers after --slow-ms, normally" \
	bash -c "python3 -c 'import sys; sys.exit(0 if float(sys.argv[1]) >= 0.29 else 1)' '$t' && python3 '$TMP/checks.py' simple '$TMP/slow.json' 5"

st=$(cfg "fail_region=none&fault_rate=2")
check "/_sim/config rejects fault_rate 2 with 400" test "$st" = 400
st=$(cfg "nonsense=1")
check "/_sim/config rejects unknown keys" test "$st" = 400
st=$(cfg "fail_region=none&fault_rate=1&fault_kinds=500")
check "/_sim/config fault_rate/fault_kinds" \
	bash -c "test $st = 200 && python3 '$TMP/checks.py' json_eq '$TMP/cfg.json' 'fault_rate=1' 'fault_kinds=[\"500\"]' 'fail_region=null'"
st=$(fetch "$FB/AvalancheWarningByRegion/Simple/3020/1/2023-01-01/2023-01-05" "$TMP/e.json")
check "fault_rate 1 with kind 500 -> 500" test "$st" = 500
st=$(fetch "http://127.0.0.1:$FP/_sim/stats" "$TMP/e.json")
check "control endpoints never fault" test "$st" = 200

# stats: reset, then a known sequence
cfg "fault_rate=0&fail_first=2:503&fail_region=3011:429" >/dev/null
curl -s "http://127.0.0.1:$FP/_sim/reset" -o /dev/null
U2="$FB/AvalancheWarningByRegion/Simple/3022/1/2023-01-01/2023-01-10"
for _ in 1 2 3; do curl -s -o /dev/null "$U2" || true; done
curl -s -o /dev/null "$FB/AvalancheWarningByRegion/Simple/3011/1/2023-01-01/2023-01-02" || true
curl -s -o "$TMP/stats.json" "http://127.0.0.1:$FP/_sim/stats" || true
check "/_sim/stats counts requests, warnings and faults by kind" \
	py json_eq "$TMP/stats.json" requests=4 warnings=10 faults=3 \
	by_kind.503=2 by_kind.429=1 by_kind.500=0
curl -s "http://127.0.0.1:$FP/_sim/reset" -o /dev/null
curl -s -o "$TMP/stats.json" "http://127.0.0.1:$FP/_sim/stats" || true
check "/_sim/reset zeroes the counters" \
	py json_eq "$TMP/stats.json" requests=0 warnings=0 faults=0
st=$(fetch "$U2" "$TMP/e.json")
check "/_sim/reset zeroes per-path attempts (fails again)" test "$st" = 503

# ------------------------------------------------------------- latency
# --latency-ms delays every API answer; 4 requests at once (4 connections)
# each wait at least that long. Lower bounds only: no timing ceiling.
start_sim lat --latency-ms 300 --quiet
LB=$(api "$PORT")
LP=$PORT
CURLS=()
for i in 1 2 3 4; do
	curl -s -o "$TMP/lat$i.json" -w '%{time_total}' \
		"$LB/AvalancheWarningByRegion/Simple/300$i/1/2023-01-01/2023-01-02" \
		>"$TMP/lat$i.t" &
	CURLS+=($!)
done
wait_ok=0
for p in "${CURLS[@]}"; do
	wait "$p" || wait_ok=1
done
check "--latency-ms 300: 4 requests in flight all answer" test "$wait_ok" = 0
check "--latency-ms 300: each of 4 concurrent answers took >= 0.29 s" \
	python3 -c 'import sys; t=[float(open(f).read()) for f in sys.argv[1:]]; print(t); sys.exit(0 if len(t)==4 and min(t)>=0.29 else 1)' \
	"$TMP/lat1.t" "$TMP/lat2.t" "$TMP/lat3.t" "$TMP/lat4.t"
check "--latency-ms: answers are normal warnings" py simple "$TMP/lat4.json" 2
curl -s -o "$TMP/latcfg.json" "http://127.0.0.1:$LP/_sim/config?latency_ms=450" || true
check "/_sim/config sets latency_ms" py json_eq "$TMP/latcfg.json" latency_ms=450
t=$(curl -s -o /dev/null -w '%{time_total}' "$LB/Region" || true)
check "latency_ms=450 delays the next answer (>= 0.44 s)" \
	python3 -c 'import sys; sys.exit(0 if float(sys.argv[1]) >= 0.44 else 1)' "$t"
st=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$LP/_sim/config?latency_ms=-1" || true)
check "/_sim/config rejects latency_ms -1 with 400" test "$st" = 400
check "bad --latency-ms exits 2" \
	bash -c "'$SIM' --latency-ms x >/dev/null 2>&1; test \$? = 2"
check "bad --host exits 2" \
	bash -c "'$SIM' --host nowhere >/dev/null 2>&1; test \$? = 2"

# --host: another address (0.0.0.0 in a container; 127.0.0.2 here, so the
# test stays on loopback): served there, and not on 127.0.0.1.
start_sim host --host 127.0.0.2
HOST_PID=$PID
check "--host: says where it listens" grep -qx "listening on 127.0.0.2:$PORT" "$TMP/host.out"
check "--host: answers on that address" \
	test "$(fetch "http://127.0.0.2:$PORT/_sim/stats" "$TMP/host.stats")" = 200
check "--host: not on 127.0.0.1" \
	test "$(fetch "http://127.0.0.1:$PORT/_sim/stats" "$TMP/host.none")" = 000
kill "$HOST_PID" 2>/dev/null || true

# ------------------------------------------------------------ shutdown
kill -TERM "$MAIN_PID"
rc=0
for _ in $(seq 1 100); do
	kill -0 "$MAIN_PID" 2>/dev/null || break
	sleep 0.05
done
wait "$MAIN_PID" || rc=$?
check "SIGTERM: exits 0 promptly" test "$rc" = 0

echo "$PASS passed, $FAIL failed"
[[ $FAIL -eq 0 ]]
