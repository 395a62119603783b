#!/usr/bin/env bash
# `cmake --install` into a DESTDIR with the default prefix /usr/local: the
# files land under the prefix (binary, simulator, man page, completion,
# example configuration, unit, sysusers, docs); the unit and the man page
# name the prefix's paths; a second install keeps an edited configuration;
# the installed binary runs: --version, and a demo run (run, show) against
# the installed varsom-sim on loopback with the installed configuration.
. "$(dirname "$0")/../integration/lib.sh"
BUILD=${DEPLOY_BUILD:?DEPLOY_BUILD: the build directory}
R="$T/root"
P=/usr/local
DESTDIR="$R" cmake --install "$BUILD" --prefix "$P" >"$T/install.log" 2>&1 && ok "cmake --install with DESTDIR" ||
  { fail "install: $(tail -5 "$T/install.log")"; finish; exit; }
for f in bin/skred libexec/skred/varsom-sim share/man/man1/skred.1.gz \
  share/bash-completion/completions/skred etc/skred/skred.conf \
  lib/systemd/system/skred.service lib/sysusers.d/skred.conf \
  share/doc/skred/README.md share/doc/skred/CONFIGURATION.md share/doc/skred/copyright; do
  [ -s "$R$P/$f" ] && ok "installed $P/$f" || fail "missing $P/$f"
done
out=$(find "$R" -type f | grep -v "^$R$P/" || true)
check "nothing outside the prefix" "" "$out"
check "the unit runs the prefix's binary with the prefix's configuration" \
  "ExecStart=$P/bin/skred serve --config $P/etc/skred/skred.conf" "$(grep '^ExecStart=' "$R$P/lib/systemd/system/skred.service")"
zcat "$R$P/share/man/man1/skred.1.gz" | grep -q "^\.TH SKRED 1 .* \"skred $("$SKRED" --version | cut -d' ' -f2)\"" &&
  ok "skred(1) carries the version" || fail "man .TH: $(zcat "$R$P/share/man/man1/skred.1.gz" | grep '^\.TH')"
zcat "$R$P/share/man/man1/skred.1.gz" | grep -q "^\.I $P/etc/skred/skred.conf" && ok "skred(1) names the prefix's configuration" || fail "FILES in skred(1)"
cmp -s "$R$P/share/bash-completion/completions/skred" <("$SKRED" completion bash) &&
  ok "the installed completion is skred completion bash" || fail "installed completion differs"
check "the installed binary: --version" "$("$SKRED" --version)" "$("$R$P/bin/skred" --version)"
# A second install keeps the admin's edits of the configuration.
printf "# edited\nlog_level = info\n" >>"$R$P/etc/skred/skred.conf"
DESTDIR="$R" cmake --install "$BUILD" --prefix "$P" >"$T/install2.log" 2>&1
grep -q "# edited" "$R$P/etc/skred/skred.conf" && ok "reinstall keeps the edited configuration" || fail "configuration replaced"
grep -q "Kept: $R$P/etc/skred/skred.conf" "$T/install2.log" && ok "... and says so" || fail "$(cat "$T/install2.log")"

# The demo: the installed simulator, the installed configuration (data
# elsewhere), the installed binary.
VARSOM_SIM="$R$P/libexec/skred/varsom-sim"
start_sim --seed 7
"$R$P/bin/skred" config --check "$R$P/etc/skred/skred.conf" >/dev/null && ok "the installed configuration is valid" || fail "config --check"
D="$T/data"
"$R$P/bin/skred" run --config "$R$P/etc/skred/skred.conf" --data-dir "$D" --regions 3011,3012 --from 2024-01-08 --to 2024-01-10 >"$T/run.out" 2>&1 &&
  ok "installed skred run against the installed varsom-sim" || fail "run: $(tail -3 "$T/run.out")"
n=$(sq "$D/warehouse.db" "SELECT COUNT(*) FROM avalanche_warning")
check "6 warnings stored (2 regions x 3 days)" 6 "$n"
"$R$P/bin/skred" show --config "$R$P/etc/skred/skred.conf" --data-dir "$D" --regions 3011 --from 2024-01-10 --to 2024-01-10 >"$T/show.out" 2>&1
grep -q "3011" "$T/show.out" && ok "installed skred show prints the table" || fail "show: $(cat "$T/show.out")"
finish
