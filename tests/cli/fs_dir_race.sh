#!/bin/bash
# tests/cli/fs_dir_race.sh — envseal creates a directory only beneath
# directories owned by root with no group/other write, never adopts a name
# it did not create, and never adopts an audit log, key or lock file that
# is not its own. The attacker is uid 65534 (tests/tools/dirrace.c): it
# owns <root>/var, prepares var/log/envseal/audit.jsonl of its own (kept
# open) and swaps it in (renameat2 RENAME_EXCHANGE) the moment envseal
# creates var/log, woken by inotify or spinning, for many rounds; then the
# same attacker against a root-owned var, where it can only be denied.
. "$TOP/tests/lib.sh"
. "$TOP/tests/tools/fslib.sh"

RACE="$BUILD/tests/tools/dirrace"
[ -x "$RACE" ] || { notok "dirrace tool built ($RACE missing)"; exit 1; }
ROUNDS=${DIRRACE_ROUNDS:-200}

# raceroot VAROWNER: a root with /etc/veza, var owned by VAROWNER (0755)
# and att, a directory of uid 65534's own on the same filesystem.
raceroot() {
	_r=$(newroot)
	mkdir "$_r/var" "$_r/att"
	chown "$1" "$_r/var"
	chmod 0755 "$_r/var"
	chown 65534:65534 "$_r/att"
	chmod 0700 "$_r/att"
	echo "$_r"
}

# -- A. an untrusted directory on the way: refused, nothing created
R=$(raceroot 65534:65534)
expect_exit "audited write below a uid-65534 /var: refused" 1 \
    "$FSW" --root "$R" --audit render --data 'A=1' /etc/veza/a.env
contains "the refusal names /var" "/var is owned by uid 65534"
check "nothing created under the untrusted /var" test -z "$(ls -A "$R/var")"
check "the env file was not written" test ! -e "$R/etc/veza/a.env"
expect_exit "policy directory below a uid-65534 /var: refused" 1 \
    "$FSW" --root "$R" --dir --uid 0 --gid 0 --mode 0750 /var/lib/veza
contains "the directory refusal names /var" "/var is owned by uid 65534"
check "no policy directory created" test -z "$(ls -A "$R/var")"
BASE=$FS_AREA
R=$(mkroot shadow) || R=
if [ -n "$R" ]; then
	mkdir "$R/var"
	chown 65534:65534 "$R/var"
	before=$(snap "$R")
	expect_exit "provision with a uid-65534 /var: refused" 1 "$ENVSEAL" provision --root "$R"
	contains "provision's refusal names /var" "/var is owned by uid 65534"
	check "provision changed nothing" test "$(snap "$R")" = "$before"
fi

# A pre-made tree under a root-owned /var (made while the attacker owned
# it, or chowned since): never adopted.
R=$(raceroot 0:0)
mkdir -p "$R/var/log/envseal"
chown 65534:65534 "$R/var/log/envseal"
chmod 0700 "$R/var/log/envseal"
expect_exit "a log directory owned by uid 65534: refused" 1 \
    "$FSW" --root "$R" --audit render --data 'A=1' /etc/veza/a.env
check "... still owned by uid 65534" test "$(stat -c %u "$R/var/log/envseal")" = 65534
check "... no env file written" test ! -e "$R/etc/veza/a.env"
chown 0:0 "$R/var/log/envseal"
: >"$R/var/log/envseal/audit.jsonl"
chown 65534:65534 "$R/var/log/envseal/audit.jsonl"
chmod 0600 "$R/var/log/envseal/audit.jsonl"
expect_exit "an audit log owned by uid 65534: refused" 1 \
    "$FSW" --root "$R" --audit render --data 'A=1' /etc/veza/a.env
contains "... the refusal names the log" "/var/log/envseal/audit.jsonl"
check "... the log still belongs to uid 65534, empty" test "$(statof "$R/var/log/envseal/audit.jsonl")" = "65534:65534 600 0"
chown 0:0 "$R/var/log/envseal/audit.jsonl"
chmod 0644 "$R/var/log/envseal/audit.jsonl"
expect_exit "a root-owned 0644 audit log: refused, not narrowed" 1 \
    "$FSW" --root "$R" --audit render --data 'A=1' /etc/veza/a.env
check "... mode left as it was, empty" test "$(statof "$R/var/log/envseal/audit.jsonl")" = "0:0 644 0"
chmod 0600 "$R/var/log/envseal/audit.jsonl"
mkdir -p "$R/var/lib/envseal"
chmod 0700 "$R/var/lib/envseal"
: >"$R/var/lib/envseal/lock"
chmod 0644 "$R/var/lib/envseal/lock"
expect_exit "a 0644 run lock file: refused" 1 \
    "$FSW" --root "$R" --lock --data 'A=1' /etc/veza/a.env
contains "... the refusal names the lock file" "/var/lib/envseal/lock"
chmod 0600 "$R/var/lib/envseal/lock"
: >"$R/etc/.pwd.lock"
chmod 0644 "$R/etc/.pwd.lock"
expect_exit "a 0644 /etc/.pwd.lock: refused" 1 \
    "$FSW" --root "$R" --passwd --data 'A=1' /etc/veza/a.env
contains "... the refusal names the lock file" "/etc/.pwd.lock"
rm -f "$R/etc/.pwd.lock"
expect_exit "all ours again: the write goes through" 0 \
    "$FSW" --root "$R" --audit render --lock --passwd --data 'A=1' /etc/veza/a.env

# -- B. the race, many rounds. One round: a fresh root, the attacker
# armed, one audited write (which makes var/lib/envseal and
# var/log/envseal), then the attacker's report.
race() { # LABEL MODE VAROWNER
	local label=$1 mode=$2 owner=$3 i r out rc prep rep pid swaps=0 adopt=0 okadopt=0 seen=0 ran=0 okruns=0 denied=0
	for i in $(seq "$ROUNDS"); do
		r=$(raceroot "$owner")
		out="$r/att.out"
		# The attacker's tree lies beside the name when it may write
		# there: an exchange within one directory needs no write
		# permission on the two directories exchanged.
		prep=$r/att
		[ "$owner" = 0:0 ] || prep=$r/var
		# setpriv itself, not a shell function: $! must be the
		# attacker (setpriv execs it), or kill misses it.
		setpriv --reuid=65534 --regid=65534 --clear-groups \
		    "$RACE" "$mode" "$r/var" log "$prep" >"$out" 2>&1 &
		pid=$!
		for _ in $(seq 200); do grep -q ready "$out" 2>/dev/null && break; sleep 0.01; done
		"$FSW" --root "$r" --audit render --data 'SECRET_RACE=FAKE-race-value' \
		    /etc/veza/a.env >"$r/fsw.out" 2>&1
		rc=$?
		kill "$pid" 2>/dev/null
		wait "$pid"
		ran=$((ran + 1))
		[ "$rc" -eq 0 ] && okruns=$((okruns + 1))
		rep=$(grep '^swapped=' "$out")
		[ -n "$rep" ] || rep="no report: $(head -c 200 "$out")"
		[ -n "${DIRRACE_DEBUG:-}" ] && echo "   round $i: rc $rc $rep: $(head -c 300 "$r/fsw.out")"
		case $rep in *swapped=1*) swaps=$((swaps + 1)) ;; esac
		case $rep in *denied=0*) ;; *) denied=$((denied + 1)) ;; esac
		case $rep in *adopted=0*) ;; *) adopt=$((adopt + 1)); [ "$rc" -eq 0 ] && okadopt=$((okadopt + 1)) ;; esac
		case $rep in *seen=0*) ;; *) seen=$((seen + 1)) ;; esac
		rm -rf "$r"
	done
	echo "   $label: $ran rounds, $okruns runs succeeded, attacker swapped in $swaps, denied in $denied, adopted in $adopt ($okadopt reported success), read the log in $seen"
	check "$label: no attacker-made file or directory owned by root ($adopt rounds)" test "$adopt" -eq 0
	check "$label: no run reported success having adopted the attacker's tree ($okadopt)" test "$okadopt" -eq 0
	check "$label: the attacker read no record ($seen rounds)" test "$seen" -eq 0
	RACE_OK=$okruns RACE_SWAPS=$swaps RACE_DENIED=$denied
}
race "untrusted /var, inotify attacker" inotify 65534:65534
check "untrusted /var: every run refused ($RACE_OK succeeded)" test "$RACE_OK" -eq 0
race "untrusted /var, spinning attacker" spin 65534:65534
check "untrusted /var: every run refused ($RACE_OK succeeded)" test "$RACE_OK" -eq 0
# A root-owned var: the attacker can watch it but not rename in it.
race "root-owned /var, inotify attacker" inotify 0:0
check "root-owned /var: every run succeeded ($RACE_OK of $ROUNDS)" test "$RACE_OK" -eq "$ROUNDS"
check "root-owned /var: the attacker never swapped ($RACE_SWAPS)" test "$RACE_SWAPS" -eq 0
race "root-owned /var, spinning attacker" spin 0:0
check "root-owned /var: every run succeeded ($RACE_OK of $ROUNDS)" test "$RACE_OK" -eq "$ROUNDS"
check "root-owned /var: the attacker never swapped ($RACE_SWAPS)" test "$RACE_SWAPS" -eq 0
check "root-owned /var: the spinning attacker was denied ($RACE_DENIED rounds)" test "$RACE_DENIED" -gt 0
