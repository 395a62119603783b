#!/usr/bin/env bash
# skred(1) (docs/skred.1.in) agrees with `skred --help` and each
# subcommand's --help (tests/deploy/test_manpage.py), renders without a
# groff warning, and fails when a flag is added to --help only (a mutated
# copy of the page, with one flag removed, must be refused).
. "$(dirname "$0")/../integration/lib.sh"
MAN="$SRC/docs/skred.1.in"
python3 "$SRC/tests/deploy/test_manpage.py" "$SKRED" "$MAN" >"$T/check.out" && ok "skred(1) agrees with --help" ||
  fail "skred(1) disagrees: $(grep FAIL "$T/check.out")"
sed 's/^/# /' "$T/check.out" | grep -v '^# ok' || true
# The check can fail: without --batch-size, or without the serve section.
sed 's/^\.BI \\-\\-batch\\-size " N"$/.BI \\-\\-batch_sz " N"/' "$MAN" >"$T/no-flag.1"
! cmp -s "$MAN" "$T/no-flag.1" && ok "mutant without --batch-size made" || fail "mutation did not apply"
python3 "$SRC/tests/deploy/test_manpage.py" "$SKRED" "$T/no-flag.1" >"$T/m1.out" && fail "a flag missing from skred(1) was not noticed" ||
  { grep -q "skred process --help has --batch-size, skred(1) does not" "$T/m1.out" && ok "a missing flag is noticed" || fail "m1: $(grep FAIL "$T/m1.out")"; }
sed 's/^\.SS serve$/.SS served/' "$MAN" >"$T/no-cmd.1"
python3 "$SRC/tests/deploy/test_manpage.py" "$SKRED" "$T/no-cmd.1" >"$T/m2.out" && fail "a missing subcommand was not noticed" ||
  { grep -q "subcommands without a section in skred(1): serve" "$T/m2.out" && ok "a missing subcommand is noticed" || fail "m2: $(grep FAIL "$T/m2.out")"; }
# Rendered: no groff warnings (the installed page is this one, configured).
sed -e 's/@[A-Z_]*@/X/g' "$MAN" >"$T/skred.1"
groff -man -ww -z -Tutf8 "$T/skred.1" >"$T/groff.out" 2>&1 && [ ! -s "$T/groff.out" ] && ok "groff renders it without a warning" ||
  fail "groff: $(head -5 "$T/groff.out")"
MANWIDTH=80 man -l "$T/skred.1" 2>/dev/null | grep -q "skred completion bash" && ok "man -l shows it" || fail "man -l"
finish
