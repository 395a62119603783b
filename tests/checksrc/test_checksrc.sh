#!/usr/bin/env bash
# scripts/checksrc can fail: run it over tests/checksrc/fixture, which breaks
# each rule once, and assert every violation is reported and the exit is 1;
# then the clean cases (a comment, a string literal, static and sk_ symbols)
# are not reported.
set -euo pipefail
SRC=${SKRED_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
FIX="$SRC/tests/checksrc/fixture"
T=$(mktemp -d "${TMPDIR:-/tmp}/skred-checksrc.XXXXXX")
trap 'rm -rf "$T"' EXIT
FAILED=0
ok() { echo "ok - $1"; }
fail() { echo "FAIL - $1"; FAILED=$((FAILED + 1)); }

cc -c -o "$T/sym.o" "$FIX/sym.c"
ar rcs "$T/libfixture.a" "$T/sym.o"

rc=0
python3 "$SRC/scripts/checksrc" --root "$FIX" --lib "$T/libfixture.a" \
  --check-format >"$T/out" 2>"$T/err" || rc=$?
cat "$T/out"
[ "$rc" -eq 1 ] && ok "exit status 1" || fail "exit status $rc, expected 1"

expect() { # rule pattern description
  if grep -q -- "$2" "$T/out"; then ok "$1: $3"; else fail "$1: $3 not reported"; fi
}
expect banned 'src/core/bad.c:14: \[banned\] strcpy() is banned: .*; use ' "strcpy with reason and replacement"
expect banned 'src/core/bad.c:15: \[banned\] sprintf()' "sprintf"
expect banned 'src/core/bad.c:16: \[banned\] atoi()' "atoi"
expect buffer 'src/core/bad.c:22: \[buffer\] struct sk_buf without its cap' "a buffer without its cap"
expect include 'src/core/bad.c:4: \[include\] <weird/unknown.h> is neither' "unknown system header"
expect include 'src/core/bad.c:5: \[include\] <jansson.h> belongs to src/model/json.c' "third-party header outside its module"
expect include 'src/core/bad.c:6: \[include\] core/ may not include "web/web.h": web is above core' "include upwards"
expect include 'src/core/bad.c:7: \[include\] "bus/bus_int.h" is internal to bus/' "another module's _int.h"
expect include 'src/model/peer.c:3: \[include\] model/ may not include "cql/cql.h": cql is at the same layer' "include of a peer"
expect prefix 'sym.o:0: \[prefix\] external symbol leaky_helper does not begin with sk_' "symbol without sk_"
expect shell 'scripts/bad.sh:4:.*SC2086' "shellcheck warning"
expect shell 'scripts/lib_nosheb.sh:1:.*SC2148' "sourced library without a shell directive"
expect format 'src/core/ugly.c:1: \[format\]' "clang-format would change a file"

n=$(grep -c '\[banned\]' "$T/out" || true)
[ "$n" -eq 3 ] && ok "the comment and the string literal are not reported" || fail "$n banned reports, expected 3"
grep -q 'sk_fixture\|quiet' "$T/out" && fail "a static or sk_ symbol was reported" || ok "static and sk_ symbols pass"
n=$(grep -c '\[include\]' "$T/out" || true)
[ "$n" -eq 5 ] && ok "5 include reports (core.h and stdio.h are fine)" || fail "$n include reports, expected 5"

# With --no-check-format the
# format rule is off; without a library the prefix rule fails, not skips.
rc=0
python3 "$SRC/scripts/checksrc" --root "$FIX" --no-shellcheck --no-check-format >"$T/out2" 2>&1 || rc=$?
grep -q '\[format\]' "$T/out2" && fail "format checked with --no-check-format" || ok "--no-check-format"
grep -q '\[prefix\] the static library is missing' "$T/out2" && ok "missing library is an error" || fail "missing library not reported"
grep -q '\[shell\]' "$T/out2" && fail "--no-shellcheck ran shellcheck" || ok "--no-shellcheck"

echo "$FAILED failed"
[ "$FAILED" -eq 0 ]
