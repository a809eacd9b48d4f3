#!/bin/bash
# tests/cli/apply_replan.sh — `envseal apply` plans the accounts without
# /etc/.pwd.lock, loads the keys (password scripts run), then takes the
# lock, re-reads the passwd family and, when it changed, plans again
# (provision/provision.c replan_accounts). The password script here is the
# "someone ran useradd meanwhile": it edits the scratch root's passwd
# family, then prints the password.
#  1. an unrelated account (real groupadd/useradd --root when present):
#     apply succeeds with the ids it planned, both accounts in the files,
#     pwck/grpck clean, directory and env-file owners the planned ids;
#  2. an account taking the ids apply had handed out: exit 1, "would get
#     other ids", nothing of the service written (the passwd family is
#     byte for byte what the script left), for uid and gid together, gid
#     alone, uid alone; with pinned ids the planner's own conflict;
#  3. the script creates the service user and group itself with the
#     planned ids: apply succeeds, one line each, gecos repaired in place;
#     the service group with another gid, or the user with a primary group
#     another group holds: exit 1, nothing written;
#  4. an env-file or directory owner (an existing account) renumbered or
#     removed: exit 1, nothing written; left alone: the owner applies.
# No vault value in any output or in the audit log.
. "$(dirname "$0")/../lib.sh"

is_root || { skip apply_replan "needs root (chown)"; exit 0; }

use_base
audit_root "$BASE/audit"
SECRET='FAKE-replan-db-pw-3c9d'
PASSWORD='replan-test-password'
OWN=(var/log/envseal var/lib/envseal etc/.pwd.lock)

# snap.sh DIR [EXCLUDE...]: every file with inode, mtime, ctime, mode,
# owner, size and sha256; directories with mode and owner only (taking
# /etc/.pwd.lock changes /etc's times, which is not a service write).
cat >"$BASE/snap.sh" <<'SH'
d=$1; shift
ex=()
for e in "$@"; do ex+=(-path "./$e" -prune -o); done
cd "$d" || exit 1
find . "${ex[@]}" -type d -printf 'd %p %m %u %g\n' -o -printf 'f %p %i %T@ %C@ %m %u %g %s\n' | sort
find . "${ex[@]}" -type f -print0 | sort -z | xargs -0 -r sha256sum
SH
snap() { bash "$BASE/snap.sh" "$@"; }
quiet() { "$@" >/dev/null 2>&1; }
same_snap() { [ "$(snap "$1" "${OWN[@]}")" = "$(cat "$2")" ]; } # ROOT SNAPFILE

# A root clean enough for pwck/grpck (homes and shells exist), with a
# daemon account, shadow files group shadow, the host's login.defs, and
# envseal's own dirs.
pwroot() {
	mkpwroot $'root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin' \
	    $'root:x:0:\ndaemon:x:1:\nshadow:x:42:' \
	    $'root:*:19000:0:99999:7:::\ndaemon:*:19000:0:99999:7:::' \
	    $'root:*::\ndaemon:*::\nshadow:*::' var/log/envseal:0700 var/lib/envseal:0700
}

# pwscript NAME ROOT BODY: $BASE/NAME.sh, an executable password source
# that runs BODY (shell; $ROOT is the root; its output goes to stderr, not
# into the password), snapshots the root as it leaves it into NAME.left,
# copies the passwd family into NAME.left.d, then prints the password.
pwscript() {
	cat >"$BASE/$1.sh" <<EOF
#!/bin/bash
set -e
ROOT='$2'
{
$3
} >&2
bash '$BASE/snap.sh' "\$ROOT" ${OWN[*]} >'$BASE/$1.left'
mkdir -p '$BASE/$1.left.d'
cp "\$ROOT"/etc/passwd "\$ROOT"/etc/group "\$ROOT"/etc/shadow "\$ROOT"/etc/gshadow '$BASE/$1.left.d/'
printf '%s\n' '$PASSWORD'
EOF
	chmod 0700 "$BASE/$1.sh"
}

# addacct NAME UID GID: the four lines useradd would add, appended.
addacct() {
	printf 'printf "%%s\\n" "%s:x:%s:%s::/:/usr/sbin/nologin" >>"$ROOT/etc/passwd"\n' "$1" "$2" "$3"
	printf 'printf "%%s\\n" "%s:!*:20000::::::" >>"$ROOT/etc/shadow"\n' "$1"
}
addgroup() { # NAME GID
	printf 'printf "%%s\\n" "%s:x:%s:" >>"$ROOT/etc/group"\n' "$1" "$2"
	printf 'printf "%%s\\n" "%s:!::" >>"$ROOT/etc/gshadow"\n' "$1"
}

W=$BASE/work
mkdir -p "$W/group_vars"
printf 'vault_database_url: "postgres://u:%s@db/veza"\n' "$SECRET" \
	>"$W/group_vars/backend_api.vault.yml"
printf '%s\n' "$PASSWORD" >"$BASE/pw"
chmod 0600 "$BASE/pw"
"$ENVSEAL" vault encrypt --vault-password-file "$BASE/pw" \
	"$W/group_vars/backend_api.vault.yml" >/dev/null 2>&1
check "vault encrypted" grep -q '^\$ANSIBLE_VAULT;1.1;AES256' "$W/group_vars/backend_api.vault.yml"
cd "$W" || exit 1

# Policies: the embedded one with the env file readable by the service
# group (so its owner is resolved in the plan), ids allocated (ALLOC),
# only the uid pinned (PINU), only the gid pinned (PING), both pinned (PIN).
"$ENVSEAL" policy show | sed 's/^  group: root$/  group: veza-api/; s/^  mode: "0600"$/  mode: "0640"/' \
	>"$BASE/pin.yml"
sed '/^  uid:/d; /^  gid:/d' "$BASE/pin.yml" >"$BASE/alloc.yml"
sed '/^  gid:/d' "$BASE/pin.yml" >"$BASE/pinu.yml"
sed '/^  uid:/d' "$BASE/pin.yml" >"$BASE/ping.yml"
check "policies: env group is the service's; ids dropped as meant" \
	[ "$(grep -c '^  group: veza-api' "$BASE/pin.yml")" = 2 -a \
	"$(grep -c '^  [ug]id:' "$BASE/alloc.yml")" = 0 -a \
	"$(grep -c '^  uid:' "$BASE/pinu.yml")$(grep -c '^  gid:' "$BASE/pinu.yml")" = 10 -a \
	"$(grep -c '^  uid:' "$BASE/ping.yml")$(grep -c '^  gid:' "$BASE/ping.yml")" = 01 ]

# planned POLICY: "UID GID" that apply plans for veza-api on a fresh root
# (--check --diff shows the passwd line it would add).
planned() {
	local r
	r=$(pwroot) || return 1
	"$ENVSEAL" apply --root "$r" --policy "$1" --vault-password-file "$BASE/pw" --check --diff 2>&1 |
		sed -n 's/^+veza-api:x:\([0-9]*\):\([0-9]*\):.*/\1 \2/p'
}
read -r AU AG <<<"$(planned "$BASE/alloc.yml")"
read -r PUU PUG <<<"$(planned "$BASE/pinu.yml")"
read -r PGU PGG <<<"$(planned "$BASE/ping.yml")"
read -r PU PG <<<"$(planned "$BASE/pin.yml")"
check "planned ids known (alloc $AU:$AG, uid pinned $PUU:$PUG, gid pinned $PGU:$PGG, pinned $PU:$PG)" \
	[ -n "$AU" -a -n "$AG" -a -n "$PUU" -a -n "$PUG" -a -n "$PGU" -a -n "$PGG" -a "$PU:$PG" = 1001:1001 ]
# The cases below need the allocated ids away from 500 (the unrelated
# account) and the pinned half of each half-pinned plan to be 1001.
check "planned ids fit the cases" [ "$AU" != 500 -a "$AG" != 500 -a "$PUU" = 1001 -a "$PGG" = 1001 ]

ALL_OUT=
AUDITS=()

# run_apply NAME ROOT POLICY [ENVSEAL [ARG...]]: apply with NAME.sh as
# the password source; $OUT and $RC set, the output kept for no_secret.
run_apply() {
	local n=$1 r=$2 p=$3 e=${4:-$ENVSEAL}
	shift 3; [ $# -gt 0 ] && shift
	OUT=$(timeout 120 "$e" apply --root "$r" --policy "$p" --vault-password-file "$BASE/$n.sh" "$@" 2>&1)
	RC=$?
	ALL_OUT="$ALL_OUT$OUT"
	AUDITS+=("$r/var/log/envseal" "$r/var/lib/envseal")
}
status() { # NAME WANT: ok when $RC is WANT
	if [ "$RC" -eq "$2" ]; then ok "$1"
	else notok "$1" "status $RC, wanted $2: $(printf '%s' "$OUT" | head -3)"; fi
}
# nothing_written TAG ROOT SCRIPT: the root is what the script left.
nothing_written() {
	local t=$1 r=$2 s=$3 f
	check "$t: the script ran" [ -s "$BASE/$s.left" ]
	for f in passwd group shadow gshadow; do
		check "$t: /etc/$f byte for byte what the script left" cmp -s "$r/etc/$f" "$BASE/$s.left.d/$f"
	done
	check "$t: no service dir, unit, env file or backup" \
		[ ! -e "$r/etc/veza" -a ! -e "$r/opt/veza" -a ! -e "$r/var/log/veza" -a \
		! -e "$r/etc/systemd" -a ! -e "$r/etc/passwd-" -a ! -e "$r/etc/shadow-" ]
	check "$t: root identical to what the script left (inodes, times, bytes)" \
		same_snap "$r" "$BASE/$s.left"
	check "$t: no temporary file left" [ -z "$(find "$r" -name '.envseal-tmp*')" ]
	check "$t: /etc/.pwd.lock, if taken, is empty" [ ! -s "$r/etc/.pwd.lock" ]
	check "$t: audit run ended with status 1" \
		grep -q '"event":"end".*"command":"apply".*"status":1' "$r/var/log/envseal/audit.jsonl"
}
pwck_clean() { # TAG ROOT
	local o rc
	o=$(pwck -r -R "$2" 2>&1); rc=$?
	check "$1: pwck finds nothing wrong" [ "$rc" -eq 0 -a -z "$o" ]
	[ "$rc" -eq 0 ] && [ -z "$o" ] || echo "   pwck: $o"
	o=$(grpck -r -R "$2" 2>&1); rc=$?
	check "$1: grpck finds nothing wrong" [ "$rc" -eq 0 -a -z "$o" ]
	[ "$rc" -eq 0 ] && [ -z "$o" ] || echo "   grpck: $o"
}
one_line_each() { # TAG ROOT NAME
	local f n bad=
	for f in passwd group shadow gshadow; do
		n=$(grep -c "^$3:" "$2/etc/$f")
		[ "$n" = 1 ] || bad="$bad $f:$n"
	done
	check "$1: exactly one $3 line in each of the four files" [ -z "$bad" ]
	[ -z "$bad" ] || echo "   counts:$bad"
}
# service_ok TAG ROOT UID GID: accounts, dirs, env file with those ids.
service_ok() {
	local t=$1 r=$2 u=$3 g=$4
	check "$t: service user with the planned ids" \
		grep -qx "veza-api:x:$u:$g:Veza backend API:/opt/veza/backend-api:/usr/sbin/nologin" "$r/etc/passwd"
	check "$t: service group with the planned gid" grep -qx "veza-api:x:$g:" "$r/etc/group"
	check "$t: dirs owned by the planned ids" \
		[ "$(stat -c '%n %u:%g %a' "$r"/opt/veza/backend-api "$r"/etc/veza "$r"/var/log/veza | sed "s|$r||")" = \
"/opt/veza/backend-api 0:$g 750
/etc/veza 0:$g 750
/var/log/veza $u:$g 750" ]
	check "$t: env file root:<planned gid> 0640" \
		[ "$(stat -c '%u:%g %a' "$r/etc/veza/backend-api.env")" = "0:$g 640" ]
	check "$t: env file has the variable" grep -q '^DATABASE_URL=' "$r/etc/veza/backend-api.env"
	check "$t: unit written" [ -f "$r/etc/systemd/system/veza-backend-api.service" ]
	check "$t: audit chain verifies" quiet "$ENVSEAL" audit verify --root "$r"
}

# -- 1. an unrelated system account added while apply loads its keys
R=$(pwroot) || exit 1
if command -v useradd >/dev/null && command -v groupadd >/dev/null; then
	# Real tools: they take /etc/.pwd.lock under the root themselves, so
	# this also shows apply does not hold it while the script runs (they
	# would wait 15 s for it and fail).
	pwscript s1 "$R" "groupadd --root \"\$ROOT\" -g 500 other
useradd --root \"\$ROOT\" -r -u 500 -g 500 -M -d / -s /usr/sbin/nologin -c other other"
	OTHER_PW='other:x:500:500:other:/:/usr/sbin/nologin'
	OTHER_GR='other:x:500:'
else
	skip "unrelated account via useradd" "no useradd/groupadd: lines added by hand"
	pwscript s1 "$R" "$(addgroup other 500; addacct other 500 500)"
	OTHER_PW='other:x:500:500::/:/usr/sbin/nologin'
	OTHER_GR='other:x:500:'
fi
run_apply s1 "$R" "$BASE/alloc.yml" "$ENVSEAL" --diff
status "unrelated account: apply succeeds" 0
contains "unrelated account: --diff adds the service" "+veza-api:x:$AU:$AG:"
case $OUT in
*+other:*) notok "unrelated account: --diff is against the files as they are now (other not added by apply)" ;;
*) ok "unrelated account: --diff is against the files as they are now (other not added by apply)" ;;
esac
check "unrelated account: the script ran before the writes" [ -s "$BASE/s1.left" ]
check "unrelated account: the root had no service when it ran" \
	[ "$(grep -c '^veza-api:' "$BASE/s1.left.d/passwd")" = 0 ]
check "unrelated account: its passwd line kept" grep -qx "$OTHER_PW" "$R/etc/passwd"
check "unrelated account: its group line kept" grep -qx "$OTHER_GR" "$R/etc/group"
check "unrelated account: its shadow and gshadow lines kept" \
	[ "$(grep -c '^other:' "$R/etc/shadow")$(grep -c '^other:' "$R/etc/gshadow")" = 11 ]
check "unrelated account: every line the script left is still there, in order" \
	[ "$(head -n "$(wc -l <"$BASE/s1.left.d/passwd")" "$R/etc/passwd")" = "$(cat "$BASE/s1.left.d/passwd")" -a \
	"$(head -n "$(wc -l <"$BASE/s1.left.d/group")" "$R/etc/group")" = "$(cat "$BASE/s1.left.d/group")" ]
service_ok "unrelated account" "$R" "$AU" "$AG"
one_line_each "unrelated account" "$R" veza-api
one_line_each "unrelated account" "$R" other
pwck_clean "unrelated account" "$R"

# -- 2. an account takes the ids apply had handed out
# uid and gid: a user and group at the allocated ids
R=$(pwroot) || exit 1
pwscript s2 "$R" "$(addgroup intruder "$AG"; addacct intruder "$AU" "$AG")"
run_apply s2 "$R" "$BASE/alloc.yml"
status "ids taken: exit 1" 1
contains "ids taken: the replan message" \
	"envseal: apply: the passwd files changed while apply ran and veza-api would get other ids; run it again"
nothing_written "ids taken" "$R" s2

# the gid alone (uid pinned, gid allocated): a group at the planned gid
R=$(pwroot) || exit 1
pwscript s2g "$R" "$(addgroup intruder "$PUG")"
run_apply s2g "$R" "$BASE/pinu.yml"
status "gid taken: exit 1" 1
contains "gid taken: the replan message" "veza-api would get other ids; run it again"
nothing_written "gid taken" "$R" s2g

# the uid alone (gid pinned, uid allocated): a user at the planned uid
R=$(pwroot) || exit 1
pwscript s2u "$R" "$(addacct intruder "$PGU" 1)"
run_apply s2u "$R" "$BASE/ping.yml"
status "uid taken: exit 1" 1
contains "uid taken: the replan message" "veza-api would get other ids; run it again"
nothing_written "uid taken" "$R" s2u

# pinned ids: the replan meets the planner's own conflict
R=$(pwroot) || exit 1
pwscript s2p "$R" "$(addacct intruder 1001 1)"
run_apply s2p "$R" "$BASE/pin.yml"
status "pinned uid taken: exit 1" 1
contains "pinned uid taken: names the holder" "uid 1001 for user veza-api is held by user intruder"
nothing_written "pinned uid taken" "$R" s2p

# the same conflict through the ASan+UBSan build (the replan moves the
# read buffers into the plan and frees the old ones)
if [ -x "${ENVSEAL_ASAN:-}" ]; then
	R=$(pwroot) || exit 1
	pwscript s2a "$R" "$(addgroup intruder "$AG"; addacct intruder "$AU" "$AG")"
	run_apply s2a "$R" "$BASE/alloc.yml" "$ENVSEAL_ASAN"
	status "asan: ids taken: exit 1" 1
	contains "asan: ids taken: the replan message" "veza-api would get other ids"
	nothing_written "asan: ids taken" "$R" s2a
	R=$(pwroot) || exit 1
	pwscript s1a "$R" "$(addgroup other 500; addacct other 500 500)"
	run_apply s1a "$R" "$BASE/alloc.yml" "$ENVSEAL_ASAN"
	status "asan: unrelated account: apply succeeds" 0
	service_ok "asan: unrelated account" "$R" "$AU" "$AG"
else
	skip "asan: replan" "no ASan build (ENVSEAL_ASAN)"
fi

# -- 3. the script creates the service user and group itself, with the
# ids apply planned (and another gecos, no shadow lines): the replan
# finds them, keeps their ids, repairs the gecos in place, adds the
# shadow lines; one line each.
R=$(pwroot) || exit 1
pwscript s3 "$R" "printf '%s\n' 'veza-api:x:$AU:$AG:made by a script:/opt/veza/backend-api:/usr/sbin/nologin' >>\"\$ROOT/etc/passwd\"
printf '%s\n' 'veza-api:x:$AG:' >>\"\$ROOT/etc/group\""
run_apply s3 "$R" "$BASE/alloc.yml"
status "service made by the script: apply succeeds" 0
check "service made by the script: it was there before the writes" \
	grep -q '^veza-api:.*:made by a script:' "$BASE/s3.left.d/passwd"
service_ok "service made by the script" "$R" "$AU" "$AG"
one_line_each "service made by the script" "$R" veza-api
check "service made by the script: the gecos repaired in place (same line number)" \
	[ "$(grep -n '^veza-api:' "$R/etc/passwd" | cut -d: -f1)" = "$(grep -n '^veza-api:' "$BASE/s3.left.d/passwd" | cut -d: -f1)" ]
check "service made by the script: its group line kept byte for byte" \
	[ "$(cat "$R/etc/group")" = "$(cat "$BASE/s3.left.d/group")" ]
pwck_clean "service made by the script" "$R"

# The script makes the service group with another gid: the replan would
# reuse it, a gid other than the one handed out; nothing written.
R=$(pwroot) || exit 1
pwscript s3g "$R" "$(addgroup veza-api 500)"
run_apply s3g "$R" "$BASE/alloc.yml"
status "service group made with another gid: exit 1" 1
contains "service group made with another gid: the replan message" "veza-api would get other ids; run it again"
nothing_written "service group made with another gid" "$R" s3g

# The script makes the service user with the planned uid but daemon's
# group as its primary: the replan would make group veza-api with gid 1,
# daemon's; the planner refuses, nothing written.
R=$(pwroot) || exit 1
pwscript s3u "$R" "printf '%s\n' 'veza-api:x:$AU:1:x:/:/usr/sbin/nologin' >>\"\$ROOT/etc/passwd\""
run_apply s3u "$R" "$BASE/alloc.yml"
status "service user made with daemon's group: exit 1" 1
contains "service user made with daemon's group: names the holder" "gid 1 for group veza-api is held by group daemon"
nothing_written "service user made with daemon's group" "$R" s3u

# -- 4. an owner apply already resolved (env file, directory) is
# renumbered or removed meanwhile: the replan refuses, nothing written
# (else the file or directory would go to whoever holds the old id).
sed 's/^  owner: root$/  owner: daemon/' "$BASE/alloc.yml" >"$BASE/envown.yml"
sed '/^directories:$/a - {path: /var/lib/veza, owner: daemon, group: daemon, mode: "0750"}' \
	"$BASE/alloc.yml" >"$BASE/dirown.yml"
check "owner policies: env file daemon:veza-api; a dir daemon:daemon" \
	[ "$(grep -c '^  owner: daemon$' "$BASE/envown.yml")" = 1 -a \
	"$(grep -c '/var/lib/veza, owner: daemon, group: daemon' "$BASE/dirown.yml")" = 1 ]
RENUMBER="sed -i 's/^daemon:x:1:1:/daemon:x:2:2:/' \"\$ROOT/etc/passwd\"
sed -i 's/^daemon:x:1:/daemon:x:2:/' \"\$ROOT/etc/group\"
$(addgroup evil 1; addacct evil 1 1)"
R=$(pwroot) || exit 1
pwscript s4e "$R" "$RENUMBER"
run_apply s4e "$R" "$BASE/envown.yml"
status "env-file owner renumbered: exit 1" 1
contains "env-file owner renumbered: names the owner and the file" \
	"the passwd files changed while apply ran and daemon:veza-api, the owner of /etc/veza/backend-api.env, would be other ids; run it again"
nothing_written "env-file owner renumbered" "$R" s4e
check "env-file owner renumbered: evil holds the old id" grep -qx 'evil:x:1:1::/:/usr/sbin/nologin' "$R/etc/passwd"

R=$(pwroot) || exit 1
pwscript s4d "$R" "sed -i '/^daemon:/d' \"\$ROOT/etc/passwd\" \"\$ROOT/etc/group\" \"\$ROOT/etc/shadow\" \"\$ROOT/etc/gshadow\""
run_apply s4d "$R" "$BASE/dirown.yml"
status "dir owner removed: exit 1" 1
contains "dir owner removed: names the owner and the dir" \
	"daemon:daemon, the owner of /var/lib/veza, would be other ids"
nothing_written "dir owner removed" "$R" s4d
check "dir owner removed: no /var/lib/veza" [ ! -e "$R/var/lib/veza" ]

# The same owners left alone: both policies apply on a fresh root.
R=$(pwroot) || exit 1
pwscript s4ok "$R" "$(addgroup other 500; addacct other 500 500)"
run_apply s4ok "$R" "$BASE/envown.yml"
status "env-file owner unchanged: apply succeeds" 0
check "env-file owner unchanged: env file daemon:<planned gid>" \
	[ "$(stat -c '%u:%g %a' "$R/etc/veza/backend-api.env")" = "1:$AG 640" ]
R=$(pwroot) || exit 1
pwscript s4ok2 "$R" "$(addgroup other 500; addacct other 500 500)"
run_apply s4ok2 "$R" "$BASE/dirown.yml"
status "dir owner unchanged: apply succeeds" 0
check "dir owner unchanged: /var/lib/veza daemon:daemon" \
	[ "$(stat -c '%u:%g %a' "$R/var/lib/veza")" = "1:1 750" ]

printf '%s' "$ALL_OUT" >"$BASE/all.out"
no_secret "no secret in any output" "$SECRET" "$BASE/all.out"
no_secret "no secret in any audit log or envseal state" "$SECRET" "${AUDITS[@]}"
no_secret "no secret in any passwd family file or unit" "$SECRET" "$BASE"/root.*/etc/passwd \
	"$BASE"/root.*/etc/group "$BASE"/root.*/etc/shadow "$BASE"/root.*/etc/gshadow
