# tests/cli/fs_faults.sh — fault injection from outside (strace -e inject)
# on every call of every syscall of the replace and create paths, with
# ENOSPC, EIO, EPERM and SIGKILL. After each: the target is the old file
# byte for byte with its owner and mode, or the new one whole with its
# owner and mode (or absent, for a create); after the next clean run, the
# target is the new file and no temp file is left.
. "$TOP/tests/lib.sh"
. "$TOP/tests/tools/fslib.sh"

if ! command -v strace >/dev/null; then
	skip "fault injection" "strace not installed"
	exit 0
fi
if ! strace -qq -e trace=none -e inject=fsync:error=EIO:when=1 true 2>/dev/null; then
	skip "fault injection" "strace cannot inject here (ptrace refused?)"
	exit 0
fi

# The run lock's bounded wait (30 s) runs in the background meanwhile:
# one run holds the lock, another must give up with exit 1, writing nothing.
LR=$(newroot)
"$FSW" --root "$LR" --hold 45 >"$FS_AREA/holder.out" 2>&1 &
HOLDER=$!
i=0
while [ "$i" -lt 50 ] && ! grep -q locked "$FS_AREA/holder.out"; do sleep 0.1; i=$((i + 1)); done
( "$FSW" --root "$LR" --lock --data 'x' /etc/veza/late.env >"$FS_AREA/waiter.out" 2>&1
  echo "rc=$?" >>"$FS_AREA/waiter.out" ) &
WAITER=$!

R=$(newroot)
T="$R/etc/veza/app.env"
NEW="$FS_AREA/new.data"
# 200 KiB so a torn or short write would show.
head -c 204800 /dev/urandom | base64 -w 76 >"$NEW"
NEWSUM=$(sha256sum <"$NEW" | cut -d' ' -f1)
NEWSIZE=$(stat -c %s "$NEW")

reset_old() {
	rm -f "$T"
	printf 'OLD\n' >"$T"
	chown 7:7 "$T"
	chmod 0640 "$T"
}

writer() { # extra strace args...
	strace -f -qq -o /dev/null "$@" "$FSW" --root "$R" --uid 0 --gid 0 \
	    --mode 0600 --data-file "$NEW" /etc/veza/app.env >/dev/null 2>&1
}

# state: "old", "new", "absent" or "bad: ..."
state() {
	if [ ! -e "$T" ]; then echo absent; return; fi
	if [ "$(cat "$T")" = "OLD" ] && [ "$(statof "$T")" = "7:7 640 4" ]; then
		echo old; return; fi
	if [ "$(sha256sum <"$T" | cut -d' ' -f1)" = "$NEWSUM" ] &&
	    [ "$(statof "$T")" = "0:0 600 $NEWSIZE" ]; then
		echo new; return; fi
	echo "bad: $(statof "$T")"
}

count_calls() { # syscall mode [fswrite options...]
	_sc=$1 _mode=$2
	shift 2
	if [ "$_mode" = create ]; then rm -f "$T"; else reset_old; fi
	strace -f -qq -o "$FS_AREA/count" -e trace="$_sc" "$FSW" "$@" --root "$R" \
	    --uid 0 --gid 0 --mode 0600 --data-file "$NEW" /etc/veza/app.env \
	    >/dev/null 2>&1
	grep -c "^[0-9]* *$_sc(" "$FS_AREA/count"
}

inject_all() { # syscall mode
	sc=$1 mode=$2
	n=$(count_calls "$sc" "$mode")
	if [ "$n" -eq 0 ]; then
		notok "inject $sc ($mode): the syscall is used" "no $sc calls seen"
		return
	fi
	for fault in error=ENOSPC error=EIO error=EPERM signal=KILL; do
		bad="" hits=0 w=1
		while [ "$w" -le "$n" ]; do
			if [ "$mode" = create ]; then rm -f "$T"; else reset_old; fi
			# (bash reports "Killed" on stderr; not of interest)
			if ! { writer -e trace="$sc" -e inject="$sc:$fault:when=$w"; } 2>/dev/null; then
				hits=$((hits + 1))
			fi
			s=$(state)
			case "$mode:$s" in
			replace:old|replace:new|create:absent|create:new) ;;
			*) bad="$bad [call $w: $s]" ;;
			esac
			# The next clean run completes the job and sweeps.
			"$FSW" --root "$R" --uid 0 --gid 0 --mode 0600 \
			    --data-file "$NEW" /etc/veza/app.env >/dev/null 2>&1 ||
			    bad="$bad [call $w: next run failed]"
			[ "$(state)" = new ] || bad="$bad [call $w: next run: $(state)]"
			st=$(strays "$R")
			[ -z "$st" ] || bad="$bad [call $w: strays: $st]"
			w=$((w + 1))
		done
		if [ -n "$bad" ]; then
			notok "inject $sc $fault ($mode, $n calls)" "$bad"
		elif [ "$hits" -eq 0 ]; then
			notok "inject $sc $fault ($mode, $n calls)" "no injection made the writer fail"
		else
			ok "inject $sc $fault ($mode, $n calls, $hits failed runs): old or new whole, no strays"
		fi
	done
}

for sc in openat openat2 read write fchown fchmod fsync renameat flock; do
	inject_all "$sc" replace
done
for sc in openat openat2 write fchown fchmod fsync renameat2; do
	inject_all "$sc" create
done

# The sweep of a stale temp is best effort: a failing unlinkat there must
# not fail the write, and the next run still removes the stale file.
reset_old
printf 'stale' >"$R/etc/veza/.envseal-tmp.app.env.0123456789abcdef"
if { writer -e trace=unlinkat -e inject=unlinkat:error=EIO; } 2>/dev/null &&
    [ "$(state)" = new ]; then
	ok "inject unlinkat in sweep: write still succeeds"
else
	notok "inject unlinkat in sweep: write still succeeds" "state $(state)"
fi
reset_old
"$FSW" --root "$R" --uid 0 --gid 0 --mode 0600 --data-file "$NEW" /etc/veza/app.env >/dev/null 2>&1
check "inject unlinkat in sweep: next run sweeps" test -z "$(strays "$R")"

# Backup mode (passwd family): faults in the link/rename of the old inode.
# The target is old or new whole; "<name>-", when present, is a whole
# earlier version, never a torn one.
OLDSUM=$(printf 'OLD\n' | sha256sum | cut -d' ' -f1)
for sc in linkat renameat fsync; do
	bad="" hits=0
	for fault in error=ENOSPC error=EIO error=EPERM signal=KILL; do
		n=$(count_calls "$sc" replace --backup)
		w=1
		while [ "$w" -le "$n" ]; do
			reset_old
			{ strace -f -qq -o /dev/null -e trace="$sc" -e inject="$sc:$fault:when=$w" \
			    "$FSW" --root "$R" --backup --uid 0 --gid 0 --mode 0600 \
			    --data-file "$NEW" /etc/veza/app.env >/dev/null 2>&1; } 2>/dev/null ||
			    hits=$((hits + 1))
			case $(state) in old|new) ;; *) bad="$bad [$fault call $w: $(state)]" ;; esac
			if [ -e "$T-" ]; then
				b=$(sha256sum <"$T-" | cut -d' ' -f1)
				[ "$b" = "$OLDSUM" ] || [ "$b" = "$NEWSUM" ] ||
				    bad="$bad [$fault call $w: torn backup]"
			fi
			"$FSW" --root "$R" --backup --uid 0 --gid 0 --mode 0600 \
			    --data-file "$NEW" /etc/veza/app.env >/dev/null 2>&1 ||
			    bad="$bad [$fault call $w: next run failed]"
			[ -z "$(strays "$R")" ] || bad="$bad [$fault call $w: strays]"
			w=$((w + 1))
		done
	done
	if [ -n "$bad" ]; then notok "inject $sc (backup mode)" "$bad"
	elif [ "$hits" -eq 0 ]; then notok "inject $sc (backup mode)" "no injection failed the writer"
	else ok "inject $sc (backup mode, $hits failed runs): old or new whole, backup whole, no strays"; fi
done

# Directory creation: a failure at any step never leaves the directory
# more open than its final owner and mode; the next run completes it.
for sc in mkdirat fchown fchmod fsync; do
	bad="" hits=0
	for fault in error=ENOSPC error=EIO error=EPERM signal=KILL; do
		w=1
		while [ "$w" -le 4 ]; do
			rm -rf "$R/opt"
			{ strace -f -qq -o /dev/null -e trace="$sc" -e inject="$sc:$fault:when=$w" \
			    "$FSW" --root "$R" --dir --uid 0 --gid 1001 --mode 0750 \
			    /opt/veza/api >/dev/null 2>&1; } 2>/dev/null || hits=$((hits + 1))
			for d in "$R/opt" "$R/opt/veza" "$R/opt/veza/api"; do
				[ -e "$d" ] || continue
				m=$(stat -c %a "$d")
				g=$(stat -c %g "$d")
				lim=755
				[ "$d" = "$R/opt/veza/api" ] && lim=750
				[ $((0$m & ~0$lim)) -eq 0 ] || bad="$bad [$fault call $w: $d mode $m]"
				[ "$g" = 0 ] || { [ "$g" = 1001 ] && [ "$d" = "$R/opt/veza/api" ]; } ||
				    bad="$bad [$fault call $w: $d group $g]"
			done
			"$FSW" --root "$R" --dir --uid 0 --gid 1001 --mode 0750 /opt/veza/api >/dev/null 2>&1 ||
			    bad="$bad [$fault call $w: next run failed]"
			[ "$(stat -c '%u:%g %a' "$R/opt/veza/api" 2>/dev/null)" = "0:1001 750" ] ||
			    bad="$bad [$fault call $w: not completed]"
			w=$((w + 1))
		done
	done
	if [ -n "$bad" ]; then notok "inject $sc (directory creation)" "$bad"
	elif [ "$hits" -eq 0 ]; then notok "inject $sc (directory creation)" "no injection failed the run"
	else ok "inject $sc (directory creation, $hits failed runs): never wider than final, next run completes"; fi
done

wait "$WAITER"
kill "$HOLDER" 2>/dev/null
wait "$HOLDER" 2>/dev/null
OUT=$(cat "$FS_AREA/waiter.out")
contains "lock wait is bounded: exit 1" "rc=1"
contains "lock wait is bounded: one waiting notice" "waiting for lock /var/lib/envseal/lock"
contains "lock wait is bounded: says so" "still held by another process after 30 seconds"
check "lock wait is bounded: nothing written" test ! -e "$LR/etc/veza/late.env"
check "lock wait is bounded: notice printed once" test "$(grep -c 'waiting for lock' "$FS_AREA/waiter.out")" -eq 1
