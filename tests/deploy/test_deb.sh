#!/usr/bin/env bash
# The .deb (`make deb`: CPack, cmake/deb.cmake), built from this build into
# the test's directory and inspected: control fields, Depends computed by
# dpkg-shlibdeps (every library the binary links is there by its package),
# adduser for postinst, /etc/skred/skred.conf a conffile, the files a
# package must have, a stripped binary that runs, maintainer scripts that
# parse and add the skred system user; and lintian finds no error.
. "$(dirname "$0")/../integration/lib.sh"
BUILD=${DEPLOY_BUILD:?DEPLOY_BUILD: the build directory}
cpack --config "$BUILD/CPackConfig.cmake" -B "$T/pkg" >"$T/cpack.log" 2>&1 && ok "cpack built a package" ||
  { fail "cpack: $(tail -5 "$T/cpack.log")"; finish; exit; }
ver=$("$SKRED" --version | cut -d' ' -f2)
arch=$(dpkg --print-architecture)
DEB="$T/pkg/skred_${ver}_${arch}.deb"
[ -s "$DEB" ] && ok "named skred_<version>_<arch>.deb" || { fail "no $DEB: $(ls "$T/pkg")"; finish; exit; }
field() { dpkg-deb -f "$DEB" "$1"; }
check "Package" skred "$(field Package)"
check "Version" "$ver" "$(field Version)"
check "Architecture" "$arch" "$(field Architecture)"
deps=$(field Depends)
echo "# Depends: $deps"
# every shared library skred needs, by the package that has it
dpkg-deb -x "$DEB" "$T/x"
missing=()
for lib in $(objdump -p "$T/x/usr/bin/skred" | awk '/NEEDED/ { print $2 }'); do
  path=$(ldconfig -p | awk -v l="$lib" '$1 == l && !n++ { print $NF }')
  # usrmerge: dpkg knows the file by one of its two names
  pkg=$( (dpkg -S "$path" || dpkg -S "$(readlink -f "$path")") 2>/dev/null | head -1 | cut -d: -f1 || true)
  grep -q "\(^\|, \)$pkg\( (\|,\|$\)" <<<"$deps" || missing+=("$lib($pkg)")
done
[ ${#missing[@]} -eq 0 ] && ok "Depends has the package of every linked library" || fail "not in Depends: ${missing[*]}"
# ... and of every library it opens at run time (dlopen: libavro), which
# dpkg-shlibdeps cannot see; the build lists them in dlopen-libs
missing=()
while read -r lib; do
  [ -n "$lib" ] || continue
  path=$(ldconfig -p | awk -v l="$lib" '$1 == l && !n++ { print $NF }')
  pkg=$( (dpkg -S "$path" || dpkg -S "$(readlink -f "$path")") 2>/dev/null | head -1 | cut -d: -f1 || true)
  [ -n "$pkg" ] && grep -q "\(^\|, \)$pkg\( (\|,\|$\)" <<<"$deps" || missing+=("$lib(${pkg:-no package})")
done <"$BUILD/dlopen-libs"
[ -s "$BUILD/dlopen-libs" ] && [ ${#missing[@]} -eq 0 ] && ok "Depends has the package of every library opened at run time ($(paste -sd' ' "$BUILD/dlopen-libs"))" ||
  fail "dlopen'd libraries not in Depends: ${missing[*]} (list: $(cat "$BUILD/dlopen-libs" 2>/dev/null))"
grep -q "\(^\|, \)adduser\(,\|$\)" <<<"$deps" && ok "Depends has adduser (postinst)" || fail "no adduser"
grep -q "libc6 (>= " <<<"$deps" && ok "versions from dpkg-shlibdeps (libc6 (>= ...))" || fail "Depends not computed: $deps"
dpkg-deb -e "$DEB" "$T/ctl"
check "conffiles" "/etc/skred/skred.conf" "$(cat "$T/ctl/conffiles")"
for f in ./usr/bin/skred ./usr/libexec/skred/varsom-sim ./etc/skred/skred.conf ./lib/systemd/system/skred.service \
  ./usr/share/man/man1/skred.1.gz ./usr/share/bash-completion/completions/skred ./usr/lib/sysusers.d/skred.conf \
  ./usr/share/doc/skred/copyright ./usr/share/doc/skred/changelog.gz; do
  dpkg-deb -c "$DEB" | awk '{ print $NF }' | grep -qx -- "$f" && ok "contains $f" || fail "no $f"
done
dpkg-deb -c "$DEB" | awk '$2 != "root/root" { bad = 1 } END { exit bad }' && ok "every file root/root" || fail "owners: $(dpkg-deb -c "$DEB" | awk '$2 != "root/root"' | head -3)"
file "$T/x/usr/bin/skred" | grep -q ", stripped" && ok "the binary is stripped" || fail "$(file "$T/x/usr/bin/skred")"
check "the packaged binary runs" "skred $ver" "$("$T/x/usr/bin/skred" --version)"
grep -q '^ExecStart=/usr/bin/skred serve --config /etc/skred/skred.conf$' "$T/x/lib/systemd/system/skred.service" &&
  ok "the unit names /usr/bin/skred and /etc/skred/skred.conf" || fail "ExecStart: $(grep ExecStart "$T/x/lib/systemd/system/skred.service")"
grep -q '^data_dir = /var/lib/skred$' "$T/x/etc/skred/skred.conf" && ok "data in /var/lib/skred" || fail "data_dir"
for s in postinst prerm postrm; do
  [ -x "$T/ctl/$s" ] && sh -n "$T/ctl/$s" && ok "$s: executable, parses" || fail "$s"
done
grep -q 'adduser --system --group --home /var/lib/skred' "$T/ctl/postinst" && ok "postinst adds the skred system user" || fail "postinst: no adduser --system"
grep -q "deb-systemd-invoke" "$T/ctl/postinst" && ok "postinst starts the service as debhelper does" || fail "postinst: no deb-systemd-invoke"
# lintian: no error (warnings and infos listed; README "Install" says why
# those that remain do).
lintian --info --display-info "$DEB" >"$T/lintian.out" 2>&1 || true
grep -v '^N:\|running with root privileges' "$T/lintian.out" | grep '^[EWI]:' | sort -u | sed 's/^/# lintian /' || true
errors=$(grep -c '^E:' "$T/lintian.out" || true)
warnings=$(grep -c '^W:' "$T/lintian.out" || true)
check "lintian: no error" 0 "$errors"
check "lintian: no warning" 0 "$warnings"
finish
