#!/bin/bash
# tests/cli/provision_accounts.sh — `envseal provision` on scratch roots:
# exact sysusers lines, pwck/grpck/sysusers agree, other lines untouched,
# owners and modes kept, backups, idempotence (inodes, mtimes, ctimes),
# --check writes nothing, every conflict, drift repair, id allocation.
. "$(dirname "$0")/../lib.sh"

is_root || { skip provision_accounts "needs root (chown)"; exit 0; }

PW0='root:x:0:0:root:/root:/bin/bash
daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin'
GR0='root:x:0:
daemon:x:1:
shadow:x:42:'
SH0='root:$6$fakesalt$fakehashfakehashfakehash:19000:0:99999:7:::
daemon:*:19000:0:99999:7:::'
GS0='root:*::
daemon:*::
shadow:*::'

use_base

# pwroot: lib.sh's guarded root made clean enough for pwck/grpck (homes
# and shells exist), with a passwd family of its own (a daemon account, a
# hashed root password, shadow files group shadow) and login.defs; prints
# its path.
pwroot() { mkpwroot "$PW0" "$GR0" "$SH0" "$GS0"; }

# snapshot DIR [EXCLUDE...]: every path with inode, mtime, ctime, mode,
# owner, size, plus the sha256 of every file.
snapshot() {
	local d=$1; shift
	local ex=()
	for e in "$@"; do ex+=(-path "./$e" -prune -o); done
	(cd "$d" && find . "${ex[@]}" -printf '%p %i %T@ %C@ %m %u %g %s\n' | sort &&
	 find . "${ex[@]}" -type f -print0 | sort -z | xargs -0 sha256sum)
}

LINE_PW='veza-api:x:1001:1001:Veza backend API:/opt/veza/backend-api:/usr/sbin/nologin'
export SOURCE_DATE_EPOCH=1795737600   # 2026-11-27: day 20784
DAYS=$((SOURCE_DATE_EPOCH / 86400))

R=$(pwroot)
expect_exit "provision fresh root" 0 "$ENVSEAL" provision --root "$R"
check "passwd line exact" [ "$(tail -n 1 "$R/etc/passwd")" = "$LINE_PW" ]
check "group line exact" [ "$(tail -n 1 "$R/etc/group")" = "veza-api:x:1001:" ]
check "shadow line exact (SOURCE_DATE_EPOCH)" \
	[ "$(tail -n 1 "$R/etc/shadow")" = "veza-api:!*:$DAYS::::::" ]
check "gshadow line exact" [ "$(tail -n 1 "$R/etc/gshadow")" = "veza-api:!*::" ]
check "other passwd lines byte for byte" [ "$(head -n -1 "$R/etc/passwd")" = "$PW0" ]
check "other group lines byte for byte" [ "$(head -n -1 "$R/etc/group")" = "$GR0" ]
check "other shadow lines byte for byte" [ "$(head -n -1 "$R/etc/shadow")" = "$SH0" ]
check "other gshadow lines byte for byte" [ "$(head -n -1 "$R/etc/gshadow")" = "$GS0" ]
check "owners and modes kept" [ "$(stat -c '%n %a %u:%g' "$R"/etc/{passwd,group,shadow,gshadow} | sed "s|$R||")" = \
"/etc/passwd 644 0:0
/etc/group 644 0:0
/etc/shadow 640 0:42
/etc/gshadow 640 0:42" ]
check "backups are the old files" [ "$(cat "$R/etc/passwd-")" = "$PW0" -a "$(cat "$R/etc/shadow-")" = "$SH0" ]
check "shadow backup keeps mode" [ "$(stat -c '%a %g' "$R/etc/shadow-")" = "640 42" ]
check "directories created" [ "$(stat -c '%n %a %u %g' "$R"/opt/veza/backend-api "$R"/etc/veza "$R"/var/log/veza | sed "s|$R||")" = \
"/opt/veza/backend-api 750 0 1001
/etc/veza 750 0 1001
/var/log/veza 750 1001 1001" ]

OUT=$(pwck -r -R "$R" 2>&1); RC=$?
check "pwck finds nothing wrong" [ "$RC" -eq 0 -a -z "$OUT" ]
[ "$RC" -eq 0 ] || echo "   pwck: $OUT"
OUT=$(grpck -r -R "$R" 2>&1); RC=$?
check "grpck finds nothing wrong" [ "$RC" -eq 0 -a -z "$OUT" ]
[ "$RC" -eq 0 ] || echo "   grpck: $OUT"
if command -v systemd-sysusers >/dev/null; then
	OUT=$(systemd-sysusers --root="$R" --dry-run --inline \
		'u veza-api 1001 "Veza backend API" /opt/veza/backend-api /usr/sbin/nologin' 2>&1); RC=$?
	check "sysusers would create nothing" [ "$RC" -eq 0 -a -z "$OUT" ]
	[ -z "$OUT" ] || echo "   sysusers: $OUT"
	# Control: on the pristine root it would create both.
	R0=$(pwroot)
	OUT=$(systemd-sysusers --root="$R0" --dry-run --inline \
		'u veza-api 1001 "Veza backend API" /opt/veza/backend-api /usr/sbin/nologin' 2>&1)
	contains "sysusers control would create" "Creating user 'veza-api'"
else
	skip "sysusers would create nothing" "systemd-sysusers not installed"
fi

# Idempotence: nothing outside envseal's own state/log gets a new inode,
# mtime or ctime; --json says unchanged.
before=$(snapshot "$R" var/log/envseal var/lib/envseal)
expect_exit "rerun" 0 "$ENVSEAL" provision --root "$R" --json
contains "rerun json unchanged" '"changed": false, "daemon_reload": false'
after=$(snapshot "$R" var/log/envseal var/lib/envseal)
check "rerun touches nothing (inode, mtime, ctime, content)" [ "$before" = "$after" ]

# --check: the whole root byte-identical, audit log and lock included.
R2=$(pwroot)
before=$(snapshot "$R2")
expect_exit "check on fresh root" 0 "$ENVSEAL" provision --root "$R2" --check --json
contains "check reports changes" '"changed": true, "daemon_reload": true'
after=$(snapshot "$R2")
check "check leaves the root identical" [ "$before" = "$after" ]
before=$(snapshot "$R")
expect_exit "check on provisioned root" 0 "$ENVSEAL" provision --root "$R" --check
after=$(snapshot "$R")
check "check on provisioned root identical (audit log too)" [ "$before" = "$after" ]

# --diff: unified diff, shadow password fields masked, no hash printed.
R3=$(pwroot)
expect_exit "diff run" 0 "$ENVSEAL" provision --root "$R3" --diff
contains "diff shows passwd line" "+$LINE_PW"
contains "diff masks shadow" "+veza-api:<masked>:$DAYS::::::"
contains "diff masks context lines" " root:<masked>:19000:0:99999:7:::"
case "$OUT" in *fakehash*) notok "diff never prints a hash" ;; *) ok "diff never prints a hash" ;; esac
no_secret "no hash in audit log" fakehash "$R3/var/log/envseal"

# The passwd family (stat + sha256) and whether anything else was made.
# A failed run still leaves its lock files and its audit record.
accounts_state() {
	(cd "$1" && stat -c '%n %i %Y %Z %a %u:%g %s' etc/passwd* etc/group* \
		etc/shadow* etc/gshadow* && sha256sum etc/passwd* etc/group* \
		etc/shadow* etc/gshadow* && ls -d opt etc/systemd 2>&1)
}

# Conflicts: exit 1, naming the other account, nothing written.
conflict() { # NAME PASSWD_EXTRA GROUP_EXTRA NEEDLE
	local r b a
	r=$(pwroot)
	[ -n "$2" ] && printf '%s\n' "$2" >>"$r/etc/passwd"
	[ -n "$3" ] && printf '%s\n' "$3" >>"$r/etc/group"
	b=$(accounts_state "$r")
	expect_exit "$1: exit 1" 1 "$ENVSEAL" provision --root "$r"
	contains "$1: names it" "$4"
	a=$(accounts_state "$r")
	check "$1: nothing written" [ "$b" = "$a" ]
}
conflict "pinned uid held" 'alice:x:1001:1:Alice:/root:/bin/bash' '' \
	"uid 1001 for user veza-api is held by user alice"
conflict "pinned gid held" '' 'staff2:x:1001:' \
	"gid 1001 for group veza-api is held by group staff2"
conflict "existing user, other uid" \
	'veza-api:x:1002:1001:Veza backend API:/opt/veza/backend-api:/usr/sbin/nologin' \
	'veza-api:x:1001:' "user veza-api exists with uid 1002"
conflict "existing user, other group" \
	'veza-api:x:1001:1:Veza backend API:/opt/veza/backend-api:/usr/sbin/nologin' \
	'veza-api:x:1001:' "user veza-api has primary gid 1"

# Drift: gecos/home/shell of the user, owner and mode of a directory.
sed -i 's|^veza-api:.*|veza-api:x:1001:1001:old:/srv:/bin/bash|' "$R/etc/passwd"
chmod 0777 "$R/var/log/veza"
chown 0:0 "$R/var/log/veza"
expect_exit "drift repair" 0 "$ENVSEAL" provision --root "$R"
contains "drift: passwd replaced" "replaced  /etc/passwd"
check "drift: passwd line restored" [ "$(grep '^veza-api:' "$R/etc/passwd")" = "$LINE_PW" ]
check "drift: dir repaired" [ "$(stat -c '%a %u:%g' "$R/var/log/veza")" = "750 1001:1001" ]
check "drift: other lines kept" [ "$(head -n 2 "$R/etc/passwd")" = "$PW0" ]

# Allocation without pinned ids: highest id free as uid and gid.
R4=$(pwroot)
P=$BASE/policy.yml
"$ENVSEAL" policy show | sed -e '/^  uid:/d' -e '/^  gid:/d' >"$P"
printf 'x:x:999:999::/:/bin/bash\n' >>"$R4/etc/passwd"
printf 'x:x:999:\n' >>"$R4/etc/group"
expect_exit "allocate" 0 "$ENVSEAL" provision --root "$R4" --policy "$P"
check "allocated 998:998" [ "$(grep '^veza-api:' "$R4/etc/passwd" | cut -d: -f3,4)" = "998:998" ]
R5=$(pwroot)
sed -i -e 's/^SYS_UID_MAX.*//' -e 's/^SYS_GID_MAX.*//' "$R5/etc/login.defs"
printf 'SYS_UID_MAX 500\nSYS_GID_MAX 500\n' >>"$R5/etc/login.defs"
expect_exit "allocate under login.defs" 0 "$ENVSEAL" provision --root "$R5" --policy "$P"
check "allocated 500 from login.defs" [ "$(grep '^veza-api:' "$R5/etc/passwd" | cut -d: -f3,4)" = "500:500" ]

# A group that exists without the user is reused.
R6=$(pwroot)
printf 'veza-api:x:1001:\n' >>"$R6/etc/group"
expect_exit "existing group" 0 "$ENVSEAL" provision --root "$R6"
check "existing group reused once" [ "$(grep -c '^veza-api:' "$R6/etc/group")" = 1 ]
check "gshadow entry added for it" [ "$(tail -n 1 "$R6/etc/gshadow")" = "veza-api:!*::" ]

# Missing shadow files are created (0640 root:shadow with a shadow group).
R7=$(pwroot)
rm "$R7/etc/shadow" "$R7/etc/gshadow"
expect_exit "missing shadow files" 0 "$ENVSEAL" provision --root "$R7"
check "new shadow 0640 root:shadow" [ "$(stat -c '%a %u:%g' "$R7/etc/shadow" "$R7/etc/gshadow")" = "640 0:42
640 0:42" ]

# Byte for byte what systemd-sysusers writes: the same four files from the
# same starting root (SOURCE_DATE_EPOCH pins the shadow day for both).
if command -v systemd-sysusers >/dev/null; then
	RS=$(pwroot); RE=$(pwroot)
	systemd-sysusers --root="$RS" --inline \
		'u veza-api 1001 "Veza backend API" /opt/veza/backend-api /usr/sbin/nologin' >/dev/null 2>&1
	"$ENVSEAL" provision --root "$RE" >/dev/null 2>&1
	for f in passwd group shadow gshadow; do
		check "identical to sysusers: /etc/$f" cmp -s "$RS/etc/$f" "$RE/etc/$f"
		check "backup identical to sysusers': /etc/$f-" cmp -s "$RS/etc/$f-" "$RE/etc/$f-"
		check "owner and mode as sysusers: /etc/$f" [ "$(stat -c '%a %u:%g' "$RS/etc/$f")" = "$(stat -c '%a %u:%g' "$RE/etc/$f")" ]
	done
else
	skip "identical to sysusers" "systemd-sysusers not installed"
fi

# Usage.
expect_exit "provision --help" 0 "$ENVSEAL" provision --help
contains "help lists --check" "--check"
expect_exit "provision unknown option" 2 "$ENVSEAL" provision --bogus
expect_exit "provision extra argument" 2 "$ENVSEAL" provision extra
expect_exit "apply --help" 0 "$ENVSEAL" apply --help
expect_exit "apply unknown option" 2 "$ENVSEAL" apply --bogus
printf 'envseal: 1\n' >"$BASE/nosvc.yml"
expect_exit "provision without service: exit 2" 2 "$ENVSEAL" provision --root "$R" --policy "$BASE/nosvc.yml"
contains "names the missing section" "policy has no service section"
