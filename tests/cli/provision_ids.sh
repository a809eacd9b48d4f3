#!/bin/bash
# tests/cli/provision_ids.sh — issue 9 finding 7: an id outside
# 0..4294967294 is refused wherever envseal reads one (login.defs
# SYS_UID_MAX/SYS_GID_MAX/SYS_UID_MIN, passwd and group id fields, the
# policy's pins): non-zero exit, one line naming the file, the line and
# the value, nothing written, no veza-api line. Before, 4294968296 was
# cast to uid_t (1000) and provision created veza-api:x:1000:1000 next to
# the existing uid 1000.
. "$TOP/tests/lib.sh"

is_root || { skip provision_ids "needs root (chown)"; exit 0; }

PW0='root:x:0:0:root:/root:/bin/bash
alice:x:1000:1000:Alice:/root:/bin/bash'
GR0='root:x:0:
alice:x:1000:
shadow:x:42:'
SH0='root:*:19000:0:99999:7:::
alice:*:19000:0:99999:7:::'
GS0='root:*::
alice:*::
shadow:*::'

use_base
P=$BASE/policy.yml
"$ENVSEAL" policy show | sed -e '/^  uid:/d' -e '/^  gid:/d' >"$P"
# snapshot DIR: every file outside envseal's own log, state and the
# passwd lock (a refused run is audited), with inode, times, mode, owner,
# size and sha256; directories with mode and owner only (taking
# /etc/.pwd.lock changes /etc's times, which is not a write of ours).
snapshot() {
	(cd "$1" && find . \( -path ./var/log/envseal -o -path ./var/lib/envseal -o \
		-path ./etc/.pwd.lock \) -prune -o -type d -printf 'd %p %m %u %g\n' -o \
		-printf 'f %p %i %T@ %C@ %m %u %g %s\n' | sort &&
	find . \( -path ./var/log/envseal -o -path ./var/lib/envseal -o \
		-path ./etc/.pwd.lock \) -prune -o -type f -print0 | sort -z | xargs -0 -r sha256sum)
}

# defs ROOT TEXT: login.defs of ROOT without its SYS_* lines, plus TEXT.
defs() {
	sed -i -e '/^SYS_[UG]ID_M[AI][XN]/d' "$1/etc/login.defs"
	printf '%s\n' "$2" >>"$1/etc/login.defs"
}

# refused NAME ROOT NEEDLE [ARGS...]: provision fails, names NEEDLE (the
# file:line and the value), writes nothing, creates no veza-api.
refused() {
	local name=$1 r=$2 needle=$3 before
	shift 3
	mkdir -p "$r/var/lib" "$r/var/log"   # as on a host: not ours to make
	before=$(snapshot "$r")
	expect_exit "$name: exit 2" 2 "$ENVSEAL" provision --root "$r" --policy "$P" "$@"
	contains "$name: names the file, the line and the value" "$needle"
	check "$name: one line" test "$(printf '%s\n' "$OUT" | grep -c .)" -eq 1
	check "$name: nothing written" test "$(snapshot "$r")" = "$before"
	check "$name: no veza-api line" sh -c "! grep -q '^veza-api:' '$r/etc/passwd' '$r/etc/group'"
}

R=$(mkpwroot "$PW0" "$GR0" "$SH0" "$GS0") || exit 1
defs "$R" 'SYS_UID_MAX 4294968296
SYS_GID_MAX 4294968296'
n=$(grep -n '^SYS_UID_MAX' "$R/etc/login.defs" | cut -d: -f1)
refused "SYS_UID_MAX 4294968296 (2^32 + 1000)" "$R" "/etc/login.defs:$n: SYS_UID_MAX 4294968296"

R=$(mkpwroot "$PW0" "$GR0" "$SH0" "$GS0") || exit 1
defs "$R" 'SYS_UID_MAX 999
SYS_GID_MAX 4294967295'
n=$(grep -n '^SYS_GID_MAX' "$R/etc/login.defs" | cut -d: -f1)
refused "SYS_GID_MAX 4294967295 ((uid_t)-1)" "$R" "/etc/login.defs:$n: SYS_GID_MAX 4294967295"

R=$(mkpwroot "$PW0" "$GR0" "$SH0" "$GS0") || exit 1
defs "$R" 'SYS_UID_MIN -5
SYS_UID_MAX 999
SYS_GID_MAX 999'
n=$(grep -n '^SYS_UID_MIN' "$R/etc/login.defs" | cut -d: -f1)
refused "SYS_UID_MIN -5 (a sign)" "$R" "/etc/login.defs:$n: SYS_UID_MIN -5"

R=$(mkpwroot "$PW0" "$GR0" "$SH0" "$GS0") || exit 1
defs "$R" 'SYS_UID_MAX +999
SYS_GID_MAX 999'
n=$(grep -n '^SYS_UID_MAX' "$R/etc/login.defs" | cut -d: -f1)
refused "SYS_UID_MAX +999 (a sign)" "$R" "/etc/login.defs:$n: SYS_UID_MAX +999"

# A 10-digit id in passwd, on someone else's line: refused, not skipped.
R=$(mkpwroot "$PW0
mallory:x:4294968296:1000::/:/usr/sbin/nologin" "$GR0" "$SH0" "$GS0") || exit 1
refused "passwd uid 4294968296" "$R" "/etc/passwd:3: uid 4294968296"
R=$(mkpwroot "$PW0" "$GR0
mallory:x:4294968296:" "$SH0" "$GS0") || exit 1
refused "group gid 4294968296" "$R" "/etc/group:4: gid 4294968296"
R=$(mkpwroot "$PW0
mallory:x:1002:99999999999::/:/usr/sbin/nologin" "$GR0" "$SH0" "$GS0") || exit 1
refused "passwd primary gid of 11 digits" "$R" "/etc/passwd:3: gid 99999999999"
# veza-api itself with a wrapped uid: never adopted as uid 1000.
R=$(mkpwroot "$PW0
veza-api:x:4294968296:4294968296:Veza backend API:/opt/veza/backend-api:/usr/sbin/nologin" "$GR0
veza-api:x:4294968296:" "$SH0
veza-api:!*:1::::::" "$GS0
veza-api:!*::") || exit 1
mkdir -p "$R/var/lib" "$R/var/log"
before=$(snapshot "$R")
expect_exit "existing veza-api with uid 4294968296: exit 2" 2 "$ENVSEAL" provision --root "$R" --policy "$P"
contains "existing veza-api: names the line and the value" "/etc/passwd:3: uid 4294968296"
check "existing veza-api: nothing written" test "$(snapshot "$R")" = "$before"
# render looks owners up in the same files.
mkdir -p "$R/etc/veza"
printf 'envseal: 1\nenv_files:\n  - {path: /etc/veza/a.env, vault: %s, owner: veza-api, group: root, mode: "0600"}\n' \
	"$VECTORS/a_v11_mapping.vault.yml" >"$BASE/r.yml"
expect_exit "render, owner with uid 4294968296: exit 2" 2 "$ENVSEAL" render --policy "$BASE/r.yml" --root "$R" \
	--vault-password-file "$VECTORS/pw_correct_horse.txt"
contains "render: names the line and the value" "/etc/passwd:3: uid 4294968296"
check "render: no env file" test ! -e "$R/etc/veza/a.env"

# The policy's pins: beyond the range (and beyond the policy's own bound).
sed -e 's/^  user: veza-api/  user: veza-api\n  uid: 4294968296/' "$P" >"$BASE/pin.yml"
expect_exit "policy pin uid 4294968296: exit 2" 2 "$ENVSEAL" policy show --policy "$BASE/pin.yml"
contains "policy pin: names the key" "service.uid"

# The edges that are ids: 4294967294 is the largest, and is kept whole.
R=$(mkpwroot "$PW0" "$GR0" "$SH0" "$GS0") || exit 1
defs "$R" 'SYS_UID_MIN 4294967290
SYS_UID_MAX 4294967294
SYS_GID_MAX 4294967294'
expect_exit "SYS_UID_MAX 4294967294 is an id: exit 0" 0 "$ENVSEAL" provision --root "$R" --policy "$P"
check "the allocated id is not truncated" \
	test "$(grep '^veza-api:' "$R/etc/passwd" | cut -d: -f3,4)" = "4294967294:4294967294"
R=$(mkpwroot "$PW0" "$GR0" "$SH0" "$GS0") || exit 1
defs "$R" 'SYS_UID_MAX 999 # comment
SYS_GID_MAX	999'
expect_exit "a normal login.defs still provisions" 0 "$ENVSEAL" provision --root "$R" --policy "$P"
check "allocated 999:999 next to alice" test "$(grep '^veza-api:' "$R/etc/passwd" | cut -d: -f3,4)" = "999:999"
