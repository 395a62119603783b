#!/usr/bin/env bash
# `skred schema show` (Avro and JSON Schema, generated from the field
# tables) and the configuration of bus.format=avro without servers: the
# output parses, the registry's password never shows, a missing registry
# URL is a configuration error (exit 2) before anything is fetched.
. "$(dirname "$0")/lib.sh"

"$SKRED" schema show >"$T/a.avsc" || fail "schema show"
python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); assert s["type"]=="record" and s["name"]=="avalanche_warning" and s["namespace"]=="no.skred"' "$T/a.avsc" \
  && ok "schema show: an Avro record schema" || fail "avro: $(head -3 "$T/a.avsc")"
"$SKRED" schema show --format json-schema >"$T/a.json" || fail "json-schema"
# shellcheck disable=SC2016  # "$schema" is a JSON key, for python
python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); assert s["type"]=="object" and "problems" in s["properties"] and s["$schema"].startswith("https://json-schema.org/")' "$T/a.json" \
  && ok "schema show --format json-schema: a JSON Schema" || fail "json-schema: $(head -3 "$T/a.json")"
"$SKRED" schema show dead_letter | python3 -c 'import json,sys; s=json.load(sys.stdin); assert s["name"]=="dead_letter" and any(f["name"]=="reason" for f in s["fields"])' \
  && ok "schema show dead_letter: the envelope" || fail "dead_letter"
# exit_of CMD...: the command's exit status.
exit_of() { local rc=0; "$@" >/dev/null 2>&1 || rc=$?; echo "$rc"; }
check "schema show: unknown schema is a usage error" 2 "$(exit_of "$SKRED" schema show nope)"
check "--format avro does not apply to show" 2 "$(exit_of "$SKRED" show --format avro)"
check "--format table does not apply to schema show" 2 "$(exit_of "$SKRED" schema show --format table)"

# Avro needs the registry only where clean records are published.
start_sim --seed 3
check "bus.format=avro on sqlite without publishing: no registry needed" 0 \
  "$(exit_of env SKRED_BUS_FORMAT=avro "$SKRED" run --regions 3011 --from 2024-01-01 --to 2024-01-02)"
rc=0; SKRED_BUS_FORMAT=avro SKRED_BUS_PUBLISH_CLEAN=yes "$SKRED" run --regions 3011 --from 2024-01-03 --to 2024-01-04 >/dev/null 2>"$T/err" || rc=$?
check "published Avro without schema_registry.url: exit 2" 2 "$rc"
grep -q "schema_registry.url" "$T/err" && ok "the error names schema_registry.url" || fail "error: $(cat "$T/err")"
check "nothing fetched for it" 0 "$(bus "SELECT COUNT(*) FROM message WHERE key LIKE '3011:1:2024-01-03'")"

# Secrets: the password is redacted, in `skred config` and in errors.
out=$(SKRED_SCHEMA_REGISTRY_PASSWORD=s3cr3t-pw "$SKRED" config 2>&1)
case "$out" in *s3cr3t-pw*) fail "skred config shows the registry password";; *"schema_registry.password"*"(redacted)"*) ok "skred config redacts schema_registry.password";; *) fail "no schema_registry.password row";; esac
rc=0; SKRED_BUS_FORMAT=avro SKRED_BUS_PUBLISH_CLEAN=yes SKRED_SCHEMA_REGISTRY_ATTEMPTS=1 \
  SKRED_SCHEMA_REGISTRY_PASSWORD=s3cr3t-pw SKRED_SCHEMA_REGISTRY_USERNAME=u \
  SKRED_SCHEMA_REGISTRY_URL="http://u:s3cr3t-pw@127.0.0.1:$(free_port)" "$SKRED" process >/dev/null 2>"$T/err2" || rc=$?
check "registry unreachable: exit 1" 1 "$rc"
grep -q "s3cr3t-pw" "$T/err2" && fail "the error shows the password: $(cat "$T/err2")" || ok "errors never show the password"
grep -q "Couldn't connect" "$T/err2" && ok "the error says why" || fail "error: $(cat "$T/err2")"

# Embedded mode keeps the record shapes it used: an upgrade that changes the
# record (here a schema file standing in for new code) is a new version,
# listed, diffed field by field, and served by /api/v1/schemas.
"$SKRED" schema list >"$T/list1" 2>/dev/null || fail "schema list"
check "the shapes of this run are version 1" 2 "$(grep -c ' 1  ' "$T/list1")"
python3 - "$T/a.avsc" "$T/v2.avsc" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
s["fields"] = [f for f in s["fields"] if f["name"] != "author"]
for f in s["fields"]:
    if f["name"] == "utm_zone":
        f["type"] = ["null", "long"]
    if f["name"] == "mountain_weather":
        f["type"][1]["fields"].append({"name": "wind", "type": ["null", "int"], "default": None})
s["fields"].append({"name": "x_new", "type": ["null", "string"], "default": None})
json.dump(s, open(sys.argv[2], "w"))
PY
SKRED_BUS_AVRO_SCHEMA_FILE="$T/v2.avsc" "$SKRED" process >/dev/null 2>&1 || fail "process with the new shape"
check "a changed shape is version 2" 1 "$("$SKRED" schema list 2>/dev/null | grep -c 'avalanche_warning_clean-value *2 ')"
"$SKRED" schema diff >"$T/diff" 2>/dev/null || fail "schema diff"
grep -q '^avalanche_warning_clean-value: version 1 -> 2$' "$T/diff" && ok "diff names the versions" || fail "diff: $(cat "$T/diff")"
grep -q '^- author: \["null","string"\]$' "$T/diff" && ok "diff: a dropped field" || fail "diff: $(cat "$T/diff")"
grep -q '^+ x_new: \["null","string"\]$' "$T/diff" && ok "diff: an added field" || fail "diff: $(cat "$T/diff")"
grep -q '^~ utm_zone: \["null","int"\] -> \["null","long"\]$' "$T/diff" && ok "diff: a retyped field" || fail "diff: $(cat "$T/diff")"
grep -q '^+ mountain_weather.wind: ' "$T/diff" && ok "diff: a field of a nested record" || fail "diff: $(cat "$T/diff")"
check "the same shape again adds no version" 3 "$("$SKRED" schema list 2>/dev/null | grep -c value)"
"$SKRED" schema show clean 2 2>/dev/null | python3 -c 'import json,sys; s=json.load(sys.stdin); assert s["fields"][-1]["name"]=="x_new"' \
  && ok "schema show SUBJECT 2: the kept version" || fail "schema show clean 2"
start_serve
curl -sf "$H/api/v1/schemas" >"$T/api.json" || fail "GET /api/v1/schemas"
python3 - "$T/api.json" <<'PY' && ok "/api/v1/schemas: subjects, versions, schemas and changes" || fail "api: $(head -c 300 "$T/api.json")"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["kept"] is True and d["count"] == 3, d["count"]
v = [s for s in d["schemas"] if s["subject"] == "avalanche_warning_clean-value"]
assert [s["version"] for s in v] == [1, 2]
assert v[0]["changes"] is None and "+ x_new" in v[1]["changes"], v[1]["changes"]
assert json.loads(v[1]["schema"])["name"] == "avalanche_warning"
PY
# The diff between two chosen versions, as `skred schema diff` gives it.
curl -sf "$H/api/v1/schemas/diff?subject=avalanche_warning_clean-value&from=1&to=2" >"$T/d12.json" || fail "GET /api/v1/schemas/diff"
python3 - "$T/d12.json" "$T/diff" <<'PY' && ok "/api/v1/schemas/diff: the CLI's changes" || fail "api diff: $(head -c 300 "$T/d12.json")"
import json, sys
d = json.load(open(sys.argv[1]))
cli = [l for l in open(sys.argv[2]).read().splitlines()[1:]]
assert d["subject"] == "avalanche_warning_clean-value" and (d["from"], d["to"]) == (1, 2)
assert d["changes"] == cli and d["count"] == len(cli) > 0, (d["changes"], cli)
PY
check "schemas/diff: the same version has no changes" 0 "$(curl -sf "$H/api/v1/schemas/diff?subject=avalanche_warning_clean-value&from=2&to=2" | python3 -c 'import json,sys; print(json.load(sys.stdin)["count"])')"
check "schemas/diff: a version not kept is 404" 404 "$(curl -s -o /dev/null -w '%{http_code}' "$H/api/v1/schemas/diff?subject=avalanche_warning_clean-value&from=1&to=9")"
check "schemas/diff: subject required" 400 "$(curl -s -o /dev/null -w '%{http_code}' "$H/api/v1/schemas/diff?from=1&to=2")"
check "schemas/diff: versions are numbers" 400 "$(curl -s -o /dev/null -w '%{http_code}' "$H/api/v1/schemas/diff?subject=x&from=a&to=2")"
stop_serve
finish
