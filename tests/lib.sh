# shellcheck shell=bash
# tests/lib.sh — sourced by tests/cli/*.sh. Reports in the format
# tests/run.sh counts: "ok NAME", "not ok NAME", "skip NAME: REASON".
set -u
: "${TOP:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${ENVSEAL:=$TOP/build/envseal}"
# The test build (Makefile: cmd/ with ENVSEAL_TEST_HOOKS), for the tests
# that need a test-only option; never the binary a check is about.
: "${ENVSEAL_TEST:=$(dirname "$ENVSEAL")/envseal-test}"
: "${VECTORS:=$TOP/tests/vectors}"
: "${SDENV:=$TOP/build/tests/sdenv}"

ok() { echo "ok $1"; }
notok() { echo "not ok $1"; [ $# -gt 1 ] && echo "   $2"; return 0; }
skip() { echo "skip $1: $2"; }

# check NAME CMD... : ok when CMD succeeds.
check() {
	_n=$1; shift
	if "$@"; then ok "$_n"; else notok "$_n" "failed: $*"; fi
}

# expect_exit NAME STATUS CMD... : runs CMD, stdout+stderr in $OUT, status
# in $RC; ok when the status is STATUS.
expect_exit() {
	_n=$1; _want=$2; shift 2
	OUT=$("$@" 2>&1); RC=$?
	if [ "$RC" -eq "$_want" ]; then ok "$_n"
	else notok "$_n" "status $RC, wanted $_want: $(printf '%s' "$OUT" | head -3)"; fi
}

# contains NAME NEEDLE : ok when $OUT contains NEEDLE (fixed string).
contains() {
	case "$OUT" in *"$2"*) ok "$1" ;; *) notok "$1" "output lacks '$2': $(printf '%s' "$OUT" | head -3)" ;; esac
}

# scratch VAR : make a scratch directory (0755), store its path in VAR,
# remove it at exit. Not `$(scratch)`: the trap would fire in the subshell.
scratch() {
	_d=$(mktemp -d /tmp/envseal-test.XXXXXX) || exit 1
	chmod 0755 "$_d"
	SCRATCH_DIRS="${SCRATCH_DIRS:-} $_d"
	trap 'for _x in $SCRATCH_DIRS; do rm -rf "$_x"; done' EXIT
	eval "$1=\$_d"
}

# no_secret NAME SECRET PATH... : ok when SECRET occurs in none of the files
# under PATHs (fixed-string, binary-safe). A PATH that does not exist, no
# PATH at all, or a grep error (an unreadable file) is a failure: a search
# of nothing proves nothing.
no_secret() {
	local _n=$1 _s=$2 _p _rc _hits
	shift 2
	[ $# -gt 0 ] || { notok "$_n" "no_secret: no PATH given"; return 0; }
	for _p in "$@"; do
		[ -e "$_p" ] || { notok "$_n" "no_secret: $_p does not exist"; return 0; }
	done
	_hits=$(grep -r -a -F -l -e "$_s" -- "$@" 2>&1); _rc=$?
	case $_rc in
	0) notok "$_n" "secret found in: $(printf '%s\n' "$_hits" | head -3 | tr '\n' ' ')" ;;
	1) ok "$_n" ;;
	*) notok "$_n" "no_secret: grep failed ($_rc): $(printf '%s' "$_hits" | head -1)" ;;
	esac
}

# audit_root DIR : the vault commands, run as root, audit in DIR's log
# (DIR/var/log/envseal, key in DIR/var/lib/envseal) and not the host's;
# exported as ENVSEAL_AUDIT_ROOT, DIR made if missing. Every test that runs
# `envseal vault` calls it with a scratch DIR; tests/run.sh fails when the
# host's directories change.
audit_root() {
	mkdir -p "$1" || exit 1
	ENVSEAL_AUDIT_ROOT=$1
	export ENVSEAL_AUDIT_ROOT
}

is_root() { [ "$(id -u)" -eq 0 ]; }

# use_base : one scratch directory for the whole script, in $BASE (0755),
# removed at exit.
use_base() {
	BASE=$(mktemp -d /tmp/envseal-test.XXXXXX) || exit 1
	chmod 0755 "$BASE"
	trap 'rm -rf "$BASE"' EXIT
}

# mkroot [shadow] [DIR:MODE]... : a new root under $BASE whose passwd
# family holds only root's accounts ("shadow": also a shadow group, shadow
# files 0640), with /etc 0755 and each DIR (relative to the root) made with
# MODE; prints its path. Use as `R=$(mkroot) || exit 1`. Without a $BASE it
# fails, so a test's root can never end up being the host's /.
mkroot() {
	local r d shadow=
	[ -n "${BASE:-}" ] && [ -d "$BASE" ] || { echo "mkroot: no \$BASE" >&2; return 1; }
	[ "${1:-}" = shadow ] && { shadow=1; shift; }
	for d in "$@"; do
		case $d in
		/* | *..* | :* | *:*:*) ;;
		*:[0-7][0-7][0-7] | *:[0-7][0-7][0-7][0-7]) continue ;;
		esac
		echo "mkroot: bad DIR:MODE '$d' (a relative DIR, an octal MODE)" >&2
		return 1
	done
	r=$(mktemp -d "$BASE/root.XXXXXX") || return 1
	chmod 0755 "$r"
	mkdir -p "$r/etc"
	chmod 0755 "$r/etc"
	printf 'root:x:0:0:root:/root:/bin/bash\n' >"$r/etc/passwd"
	printf 'root:*:19000:0:99999:7:::\n' >"$r/etc/shadow"
	if [ -n "$shadow" ]; then
		printf 'root:x:0:\nshadow:x:42:\n' >"$r/etc/group"
		printf 'root:*::\nshadow:*::\n' >"$r/etc/gshadow"
		chmod 0640 "$r/etc/shadow" "$r/etc/gshadow"
	else
		printf 'root:x:0:\n' >"$r/etc/group"
		printf 'root:*::\n' >"$r/etc/gshadow"
	fi
	for d in "$@"; do
		mkdir -p "$r/${d%:*}" && chmod "${d##*:}" "$r/${d%:*}" || return 1
	done
	echo "$r"
}

# inline_policy FILE [ENV:key]... : a policy in FILE that renders
# /etc/veza/backend-api.env (root:root 0600) from the vector
# c_mixed_inline.yml (password pw_correct_horse.txt), one ENV: key line
# each pair (default DB_PASSWORD:db_password).
inline_policy() {
	local f=$1 v
	shift
	[ $# -gt 0 ] || set -- DB_PASSWORD:db_password
	{
		printf 'envseal: 1\nenv_files:\n  - path: /etc/veza/backend-api.env\n'
		printf '    vault: %s\n' "$VECTORS/c_mixed_inline.yml"
		printf '    owner: root\n    group: root\n    mode: "0600"\n    vars:\n'
		for v in "$@"; do printf '      %s: %s\n' "${v%%:*}" "${v#*:}"; done
	} >"$f"
}

# mkpwroot PASSWD GROUP SHADOW GSHADOW [DIR:MODE]... : `mkroot shadow`
# made clean enough for pwck/grpck (/root, /bin/bash and /usr/sbin/nologin
# exist), whose four passwd-family files hold exactly these texts (a final
# LF added; the shadow files group shadow, 0640), with the host's
# login.defs (else SYS_UID_MAX/SYS_GID_MAX 999); prints its path.
mkpwroot() {
	local r pw=$1 gr=$2 sh=$3 gs=$4
	shift 4
	r=$(mkroot shadow root:0755 bin:0755 usr/sbin:0755 "$@") || return 1
	cp /bin/bash "$r/bin/bash"
	cp /usr/sbin/nologin "$r/usr/sbin/nologin"
	printf '%s\n' "$pw" >"$r/etc/passwd"
	printf '%s\n' "$gr" >"$r/etc/group"
	printf '%s\n' "$sh" >"$r/etc/shadow"
	printf '%s\n' "$gs" >"$r/etc/gshadow"
	chmod 0644 "$r/etc/passwd" "$r/etc/group"
	chmod 0640 "$r/etc/shadow" "$r/etc/gshadow"
	chgrp 42 "$r/etc/shadow" "$r/etc/gshadow"
	if [ -f /etc/login.defs ]; then cp /etc/login.defs "$r/etc/login.defs"
	else printf 'SYS_UID_MAX 999\nSYS_GID_MAX 999\n' >"$r/etc/login.defs"; fi
	echo "$r"
}

# av_fixture : for the side-by-side tests against the real ansible-vault
# (tests/tools/avbatch.py). Skips the script (exit 0) when ansible-vault is
# missing; else a scratch $S (removed at exit, audited there), ansible's
# vault settings unset, and a fixture directory $F with pw ("correct
# horse"), plain.yml and v.yml (plain.yml encrypted under pw).
av_fixture() {
	command -v ansible-vault >/dev/null 2>&1 || {
		skip "$(basename "$0")" "ansible-vault not installed"; exit 0; }
	scratch S
	audit_root "$S/audit"
	export ANSIBLE_LOCAL_TEMP="$S/.ansible-tmp" ANSIBLE_NOCOLOR=1
	unset ANSIBLE_VAULT_PASSWORD_FILE ANSIBLE_VAULT_IDENTITY_LIST \
		ANSIBLE_VAULT_ENCRYPT_IDENTITY ANSIBLE_VAULT_ID_MATCH
	F=$S/fix
	mkdir "$F" || exit 1
	printf 'correct horse\n' >"$F/pw"
	printf 'db_password: hunter2\napi: x\n' >"$F/plain.yml"
	cp "$F/plain.yml" "$F/v.yml"
	"$ENVSEAL" vault encrypt --vault-password-file "$F/pw" "$F/v.yml" \
		2>/dev/null || exit 1
}

# av_batch CASES : every case of CASES (JSON lines, see avbatch.py)
# through both tools, in ansible-vault's own interpreter (its #! line).
av_batch() {
	local py
	py=$(sed -n '1s/^#! *//p' "$(command -v ansible-vault)")
	"$py" "$TOP/tests/tools/avbatch.py" "$ENVSEAL" "$F" "$1"
}
