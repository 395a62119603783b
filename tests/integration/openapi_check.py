"""openapi_check.py SPEC BASE_URL - docs/openapi.yaml against a live daemon.

1. The spec is valid OpenAPI 3.0 (openapi-spec-validator).
2. Every object schema in it is typed: `properties` with `required`, or
   `additionalProperties` (a map); every JSON response has a schema; every
   path parameter has an `example` to call it with.
3. Every GET path is called: once without query parameters and once with
   every query parameter that has an `example`; the status must be one the
   spec lists, the Content-Type its content's, and a JSON body must validate
   against the response schema (OpenAPI 3.0 semantics, `nullable`
   included: openapi-schema-validator's OAS30Validator, a jsonschema
   validator).

Prints one "ok - ..." or "FAIL - ..." line per check (the shell test counts
them); exits 1 on any failure.
"""
import importlib.metadata
import json
import sys
import urllib.error
import urllib.parse
import urllib.request

from openapi_schema_validator import OAS30Validator
from openapi_spec_validator import validate as validate_spec
from openapi_spec_validator.readers import read_from_filename

failed = 0


def ok(msg):
    print("ok - " + msg)


def fail(msg):
    global failed
    failed += 1
    print("FAIL - " + msg)


def lint(node, where, problems):
    """Untyped objects anywhere under node (a schema or a part of the spec)."""
    if isinstance(node, dict):
        if node.get("type") == "object":
            has_props = "properties" in node
            if has_props and "required" not in node:
                problems.append(where + ": properties without required")
            if not has_props and "additionalProperties" not in node:
                problems.append(where + ": an object without properties")
            for name in node.get("required", []):
                if has_props and name not in node["properties"]:
                    problems.append("%s: required %s is not a property" % (where, name))
        for k, v in node.items():
            lint(v, where + "/" + str(k), problems)
    elif isinstance(node, list):
        for i, v in enumerate(node):
            lint(v, "%s/%d" % (where, i), problems)


def call(base, path):
    req = urllib.request.Request(base + path, headers={"Accept": "*/*"})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.headers.get("Content-Type", ""), r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type", ""), e.read()


def main():
    spec_file, base = sys.argv[1], sys.argv[2].rstrip("/")
    spec, _ = read_from_filename(spec_file)
    try:
        validate_spec(spec)
        ok("the spec is valid OpenAPI %s" % spec["openapi"])
    except Exception as e:  # the validator's own error types vary
        fail("the spec is not valid: %s" % e)
        return 1

    problems = []
    lint(spec.get("components", {}).get("schemas", {}), "components/schemas", problems)
    for path, item in spec["paths"].items():
        for method, op in item.items():
            lint(op, "%s %s" % (method.upper(), path), problems)
            for p in op.get("parameters", []):
                if p.get("in") == "path" and "example" not in p:
                    problems.append("%s %s: path parameter %s has no example" % (method.upper(), path, p["name"]))
            for code, resp in op.get("responses", {}).items():
                resp = deref(spec, resp)
                for ctype, media in resp.get("content", {}).items():
                    if ctype == "application/json" and "schema" not in media:
                        problems.append("%s %s %s: JSON without a schema" % (method.upper(), path, code))
            if method == "get" and not any(
                "content" in deref(spec, r) for c, r in op.get("responses", {}).items() if c.startswith("2")
            ):
                problems.append("GET %s: no 2xx response with content" % path)
    if problems:
        fail("the spec types every object:\n  " + "\n  ".join(problems))
    else:
        ok("every object schema has properties and required, every path parameter an example")

    walked = 0
    for path, item in spec["paths"].items():
        op = item.get("get")
        if not op:
            continue
        params = item.get("parameters", []) + op.get("parameters", [])
        target = path
        for p in params:
            if p.get("in") == "path":
                target = target.replace("{%s}" % p["name"], urllib.parse.quote(str(p.get("example", "")), safe=""))
        query = {p["name"]: p["example"] for p in params if p.get("in") == "query" and "example" in p}
        targets = [target]
        if query:
            targets.append(target + "?" + urllib.parse.urlencode(query))
        for t in targets:
            walked += 1
            check_answer(spec, path, op, t, *call(base, t))
    if walked < 10:
        fail("only %d GET calls made" % walked)
    return 1 if failed else 0


def check_answer(spec, path, op, target, status, ctype, body):
    responses = op.get("responses", {})
    code = str(status)
    if code not in responses and "default" not in responses:
        fail("GET %s: status %s is not in the spec (%s): %s" % (target, code, ", ".join(responses), body[:200]))
        return
    resp = deref(spec, responses.get(code, responses.get("default")))
    content = resp.get("content", {})
    if not content:
        ok("GET %s: %s (no body specified)" % (target, code))
        return
    media = ctype.split(";")[0].strip()
    if media not in content:
        fail("GET %s: Content-Type %s, the spec says %s" % (target, ctype, ", ".join(content)))
        return
    if media != "application/json":
        ok("GET %s: %s %s" % (target, code, media))
        return
    try:
        doc = json.loads(body)
    except ValueError as e:
        fail("GET %s: not JSON: %s" % (target, e))
        return
    # the schema with the spec's components beside it, for its $refs
    root = {"components": spec.get("components", {}), "allOf": [content[media].get("schema", {})]}
    try:
        errors = sorted(OAS30Validator(root).iter_errors(doc), key=lambda e: list(e.absolute_path))
    except Exception as e:  # a broken $ref: name it, not the whole spec
        fail("GET %s: the schema cannot be used: %s" % (target, str(e)[:300]))
        return
    if errors:
        fail("GET %s: %d schema error(s): %s" % (
            target, len(errors),
            "; ".join("%s: %s" % ("/".join(map(str, e.absolute_path)), e.message[:200]) for e in errors[:5])))
    else:
        ok("GET %s: %s, valid against the spec%s" % (target, code, size(doc)))


def size(doc):
    for k, v in doc.items() if isinstance(doc, dict) else []:
        if isinstance(v, list):
            return " (%d %s)" % (len(v), k)
    return ""


def deref(spec, node):
    while isinstance(node, dict) and "$ref" in node:
        ref = node["$ref"]
        assert ref.startswith("#/"), ref
        node = spec
        for part in ref[2:].split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


if __name__ == "__main__":
    print("# jsonschema %s" % importlib.metadata.version("jsonschema"))
    sys.exit(main())
