#!/bin/bash
# tests/cli/deb_package.sh — the Debian package: built with
# `dpkg-buildpackage -us -uc -b` from a copy of the tree in a scratch dir
# (it writes ../*.deb: never beside the real tree), lintian without an
# error, the .deb holding exactly the files `make install` puts under /usr
# (man pages compressed, the licence in debian/copyright), and its binary,
# unpacked into a scratch root, running the demo (apply on a scratch root).
# About 15 s on 2 cores (one make job: the machine is shared). HOME is the scratch dir: nothing lands in ~.
. "$(dirname "$0")/../lib.sh"
use_base

for t in dpkg-buildpackage dh lintian dpkg-deb; do
	command -v "$t" >/dev/null || { skip "deb package" "$t not installed (scripts/deps.sh)"; exit 0; }
done
is_root || { skip "deb package" "the demo needs root"; exit 0; }

S=$BASE/src/envseal
mkdir -p "$S"
if git -C "$TOP" rev-parse --git-dir >/dev/null 2>&1; then
	(cd "$TOP" && git ls-files -co --exclude-standard -z | grep -zv -e '^build/' -e '^build-asan/' |
		tar --null -cf - -T -) | tar -xf - -C "$S"
else
	(cd "$TOP" && tar --exclude=./build --exclude=./build-asan --exclude=./.git -cf - .) | tar -xf - -C "$S"
fi
check "tree copied" [ -f "$S/debian/control" ] && [ -f "$S/Makefile" ]

# Not the suite's BUILD, ENVSEAL...: the copy builds in itself.
(cd "$S" && env -u BUILD -u ASAN_BUILD -u TOP HOME=$BASE DEB_BUILD_OPTIONS=parallel=1 dpkg-buildpackage -us -uc -b) >"$BASE/build.log" 2>&1
rc=$?
check "dpkg-buildpackage -us -uc -b exits 0" [ "$rc" -eq 0 ]
[ "$rc" -eq 0 ] || { tail -n 20 "$BASE/build.log"; exit 0; }
DEB=$(ls "$BASE"/src/envseal_*_*.deb 2>/dev/null | grep -v dbgsym | head -1)
check "the .deb is beside the copy, not the tree" [ -f "$DEB" ]
check "the copy built in itself" [ -x "$S/build/envseal" ]
check "nothing written beside the real tree" [ -z "$(ls "$TOP"/../envseal_*.deb "$TOP"/../envseal_*.changes 2>/dev/null)" ]

L=$(HOME=$BASE lintian --pedantic -I -E "$DEB" "$BASE"/src/envseal_*.changes 2>&1 | grep -v 'running with root privileges')
errors=$(printf '%s\n' "$L" | grep -c '^E: ')
check "lintian: no error${L:+ ($(printf '%s' "$L" | head -3 | tr '\n' ' '))}" [ "$errors" -eq 0 ]
warnings=$(printf '%s\n' "$L" | grep -c '^W: ')
echo "# lintian: $errors errors, $warnings warnings"

got=$(dpkg-deb -c "$DEB" | awk '$1 !~ /^d/ { print $6 }' | sed 's|^\./||' | sort)
want=$(printf '%s\n' usr/bin/envseal usr/share/man/man1/envseal.1.gz \
	usr/share/man/man5/envseal-policy.5.gz usr/share/bash-completion/completions/envseal \
	usr/share/doc/envseal/README.md.gz usr/share/doc/envseal/SECURITY.md.gz \
	usr/share/doc/envseal/ARCHITECTURE.md.gz usr/share/doc/envseal/changelog.gz \
	usr/share/doc/envseal/changelog.Debian.gz usr/share/doc/envseal/copyright \
	usr/share/doc/envseal/examples/default.yml usr/share/doc/envseal/examples/full.yml \
	usr/share/doc/envseal/examples/render-only.yml \
	$(cd "$S" && ls provision/*.service provision/*.service.in 2>/dev/null | sed 's|^provision/|usr/share/envseal/units/|') |
	sed '/^$/d' | sort)
check "dpkg-deb -c: exactly the installed files" [ "$got" = "$want" ]
[ "$got" = "$want" ] || diff <(echo "$want") <(echo "$got") | head
check "control: Depends has the shared libraries" sh -c "dpkg-deb -f '$DEB' Depends | grep -q libsodium"

X=$BASE/unpacked
dpkg-deb -x "$DEB" "$X"
expect_exit "packaged binary runs" 0 "$X/usr/bin/envseal" --version
V=$(dpkg-parsechangelog -l "$S/debian/changelog" -S Version)
contains "packaged binary: the version of debian/changelog ($V)" "envseal $V"
expect_exit "packaged binary: the packaged default.yml loads" 0 "$X/usr/bin/envseal" policy show \
	--policy "$X/usr/share/doc/envseal/examples/default.yml"
OUT=$(ENVSEAL=$X/usr/bin/envseal sh "$TOP/scripts/demo.sh" 2>&1); RC=$?
check "packaged binary runs the demo" [ "$RC" -eq 0 ]
contains "demo: the second run changes nothing" '{"changed": false'
contains "demo: host untouched" "host untouched"
