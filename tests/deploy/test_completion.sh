#!/usr/bin/env bash
# The bash completion (`skred completion bash`, installed as
# share/bash-completion/completions/skred), driven in bash: it completes
# every subcommand of `skred --help`; for each subcommand every flag of its
# --help, and only flags it accepts; region ids as `skred regions` lists
# them (also after a comma); the values of --lang, --format, --state,
# --mode; the runs verbs and the schema tables.
. "$(dirname "$0")/../integration/lib.sh"
"$SKRED" completion bash >"$T/skred.bash" && ok "skred completion bash" || fail "skred completion bash failed"
bash -n "$T/skred.bash" && ok "it is valid bash" || fail "bash -n"
check "any other shell is a usage error" 2 "$("$SKRED" completion zsh >/dev/null 2>&1; echo $?)"
# comp WORDS...: the completions of the last word (may be empty), sorted.
comp() {
  bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _skred; printf "%s\n" "${COMPREPLY[@]}" | sort' \
    _ "$T/skred.bash" skred "$@"
}
has_all() { # has_all DESC "WANTED" "GOT": every word of WANTED is in GOT
  local miss=() w
  for w in $2; do grep -qx -- "$w" <<<"$3" || miss+=("$w"); done
  [ ${#miss[@]} -eq 0 ] && ok "$1" || fail "$1: missing ${miss[*]}"
}
bash -c ". '$T/skred.bash'; complete -p skred" | grep -q -- '-F _skred skred' && ok "registered for skred" || fail "complete -p"

cmds=$("$SKRED" --help | sed -n '/^commands:/,/^$/p' | sed -n 's/^  \([a-z]*\) .*/\1/p')
has_all "subcommands: every one of skred --help" "$cmds" "$(comp '')"
check "subcommands: prefix" "schema
serve
show
status" "$(comp s)"
for c in $cmds; do
  [ "$c" = version ] || [ "$c" = completion ] && continue
  help=$("$SKRED" "$c" --help | grep -o -- '--[a-z][a-z-]*' | sort -u)
  got=$(comp "$c" --)
  has_all "$c: every flag of --help" "$help" "$got"
  bad=()
  for f in $got; do
    err=$("$SKRED" "$c" "$f=1" --help 2>&1 >/dev/null || true)
    case $f in --follow | --simple | --doc | --dry-run | --verbose | --quiet | --help) err=$("$SKRED" "$c" "$f" --help 2>&1 >/dev/null || true) ;; esac
    grep -q "unknown option\|does not apply" <<<"$err" && bad+=("$f")
  done
  [ ${#bad[@]} -eq 0 ] && ok "$c: every completed flag is accepted" || fail "$c: completed but refused: ${bad[*]}"
done
ids=$("$SKRED" regions --format csv | tail -n +2 | cut -d, -f1)
has_all "--regions: all, A, B and every region id" "all A B $ids" "$(comp fetch --regions '')"
check "--regions: after a comma, ids with the prefix kept" "3011,3010
3011,3011
3011,3012" "$(comp show --regions 3011,301 | grep -v '^3011,301[3-9]')"
check "--regions=: after '='" "A" "$(comp fetch --regions = A)"
check "--lang" "both
en
nb" "$(comp run --lang '')"
check "--format" "csv
jsonl
table" "$(comp show --format '')"
check "--mode" "all
failed
missing" "$(comp backfill --mode '')"
has_all "--state: every run state" "queued running success failed up_for_retry skipped" "$(comp runs list --state '')"
check "runs: the verbs" "clear
list
show
trigger" "$(comp runs '' | grep -v -- '^-')"
has_all "schema: its verbs" "show list diff drift" "$(comp schema '')"
has_all "schema: the stored tables" "avalanche_warning avalanche_problem avalanche_advice mountain_weather" "$(comp schema '')"
check "--from takes a date: nothing offered" "" "$(comp fetch --from '')"
check "completion: bash" "bash" "$(comp completion '')"
finish
