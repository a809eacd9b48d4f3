#!/bin/bash
# tests/cli/include_check.sh — the rooms of ARCHITECTURE.md, checked on the
# #include lines: a file may include only the rooms its room's row allows
# (its own always). Every .c and .h of the tree must stand in a folder
# that has a row: a new top-level folder fails until ARCHITECTURE.md and
# this table say what it may include. No known debts are left (issue 10
# moved the last crossings); a new crossing anywhere fails.
. "$(dirname "$0")/../lib.sh"

# room -> the rooms it may include; "*": any (tests and benchmarks drive
# the library from outside and are no room of it).
declare -A allow=(
	[common]=""
	[crypto]="common"
	[vault]="common crypto"
	[render]="common crypto vault"
	[sandbox]="common crypto vault render"
	[fs]="common crypto"
	[keys]="common crypto vault fs"
	[policy]="common fs"
	[report]="common fs"
	[provision]="common fs policy report"
	[run]="common crypto keys vault policy render sandbox fs report provision"
	[verify]="common fs policy provision render"
	[cmd]="common crypto keys vault policy render sandbox fs report provision run verify"
	[tests]="*"
	[bench]="*"
)

# includes FILE : the project rooms FILE includes, sorted, one per line.
includes() {
	sed -n 's|^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([a-z_]*\)/.*|\1|p' "$1" | sort -u
}

# crossings FILE ROOM ALLOWED : prints each room FILE includes that
# ALLOWED (and its own room) lacks.
crossings() {
	local f=$1 m=$2 inc ok
	[ "$3" = "*" ] && return 0
	ok=" $m $3 "
	for inc in $(includes "$f"); do
		case "$ok" in *" $inc "*) ;; *) echo "$inc" ;; esac
	done
}

# room REL : the room of a path relative to the top (its first folder;
# "" for a file at the top).
room() {
	case $1 in */*) echo "${1%%/*}" ;; *) echo "" ;; esac
}

# unplaced REL... : prints each path whose room has no row.
unplaced() {
	local rel m
	for rel in "$@"; do
		m=$(room "$rel")
		if [ -z "$m" ] || [ -z "${allow[$m]+set}" ]; then echo "$rel"; fi
	done
}

# sources : every .c and .h under the top, relative, one per line; not
# build output, git's own or the Debian package's staging tree.
sources() {
	(cd "$TOP" && find . \( -path ./.git -o -path './build*' -o \
	    -path ./debian/envseal -o -path ./debian/.debhelper \) -prune -o \
	    -type f \( -name '*.c' -o -name '*.h' \) -print | sed 's|^\./||' | sort)
}

selftest_crossing() {
	local t rc
	t=$(mktemp /tmp/envseal-test.XXXXXX) || exit 1
	printf '#include "fs/fs.h"\n#include "vault/vault.h"\n# include "common/envseal.h"\n' >"$t"
	[ "$(crossings "$t" crypto "common" | tr '\n' ' ')" = "fs vault " ]
	rc=$?
	rm -f "$t"
	return $rc
}
check "include check: a crossing is found (self-test)" selftest_crossing
selftest_unplaced() {
	[ "$(unplaced newroom/x.c top.c fs/x.c tests/unit/t.c | tr '\n' ' ')" = "newroom/x.c top.c " ]
}
check "include check: a file outside every row is found (self-test)" selftest_unplaced

mapfile -t files < <(sources)
check "include check: found the tree's sources (${#files[@]})" test "${#files[@]}" -gt 100

bad=0
for rel in $(unplaced "${files[@]}"); do
	bad=1
	notok "include check: $rel" "in a folder with no row: give it a row here and in ARCHITECTURE.md"
done
[ "$bad" -eq 0 ] && ok "include check: every source file is in a room with a row"

bad=0
for rel in "${files[@]}"; do
	m=$(room "$rel")
	[ -n "$m" ] && [ -n "${allow[$m]+set}" ] || continue
	got=$(crossings "$TOP/$rel" "$m" "${allow[$m]}" | tr '\n' ' ')
	if [ -n "$got" ]; then
		bad=1
		notok "include check: $rel" "includes across its room: '${got}' (room $m may include: ${allow[$m]:-nothing})"
	fi
done
[ "$bad" -eq 0 ] && ok "include check: every file includes only what its room allows"
exit 0
