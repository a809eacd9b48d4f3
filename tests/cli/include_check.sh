#!/bin/bash
# tests/cli/include_check.sh — the rooms of ARCHITECTURE.md, checked on the
# #include lines: a module may include only the modules its row allows.
# Known debts (a file that still includes across a wall, to be moved) are
# listed by file, so a NEW crossing anywhere fails, and a debt that has
# been paid (the include is gone) fails too until it is struck off here.
. "$(dirname "$0")/../lib.sh"

declare -A allow=(
	[common]=""
	[crypto]="common"
	[vault]="common crypto"
	[policy]="common fs"
	[render]="common crypto vault"
	[sandbox]="common crypto vault render"
	[fs]="common crypto"
	[provision]="common fs policy"
	[verify]="common fs policy provision render"
	[run]="common crypto vault sandbox fs"
	[cmd]="common crypto vault policy render sandbox fs provision verify run"
)
# file -> modules it includes against its room's row (issue 10 moves them).
declare -A debt=(
	[crypto/keysrc.c]="fs vault"
	[render/run.c]="fs policy provision sandbox"
)

# includes FILE : the project modules FILE includes, sorted, one per line.
includes() {
	sed -n 's|^#include "\([a-z]*\)/.*|\1|p' "$1" | sort -u
}

# crossings FILE MODULE ALLOWED : prints each module FILE includes that
# ALLOWED (and its own module) lacks.
crossings() {
	local f=$1 m=$2 inc ok
	ok=" $m $3 "
	for inc in $(includes "$f"); do
		case "$ok" in *" $inc "*) ;; *) echo "$inc" ;; esac
	done
}

selftest() {
	local t
	t=$(mktemp /tmp/envseal-test.XXXXXX) || exit 1
	printf '#include "fs/fs.h"\n#include "vault/vault.h"\n' >"$t"
	[ "$(crossings "$t" crypto "common" | tr '\n' ' ')" = "fs vault " ]
	local rc=$?
	rm -f "$t"
	return $rc
}
check "include check: a crossing is found (self-test)" selftest

bad=0
for m in "${!allow[@]}"; do
	for f in "$TOP/$m"/*.[ch]; do
		[ -f "$f" ] || continue
		rel=${f#"$TOP"/}
		got=$(crossings "$f" "$m" "${allow[$m]}" | tr '\n' ' ')
		want=${debt[$rel]:-}
		want=$(printf '%s\n' $want | sort -u | tr '\n' ' ')
		[ -z "${debt[$rel]:-}" ] && want=""
		if [ "$got" != "$want" ]; then
			bad=1
			notok "include check: $rel" "includes across its room: '${got}'; known debt: '${want}'"
		fi
	done
done
for rel in "${!debt[@]}"; do
	[ -f "$TOP/$rel" ] || { bad=1; notok "include check: debt $rel" "file is gone: strike it off"; }
done
[ "$bad" -eq 0 ] && ok "include check: every module includes only what its room allows"
exit 0
