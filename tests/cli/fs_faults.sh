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

count_calls() { # syscall mode
	if [ "$2" = create ]; then rm -f "$T"; else reset_old; fi
	strace -f -qq -o "$FS_AREA/count" -e trace="$1" "$FSW" --root "$R" \
	    --uid 0 --gid 0 --mode 0600 --data-file "$NEW" /etc/veza/app.env \
	    >/dev/null 2>&1
	grep -c "^[0-9]* *$1(" "$FS_AREA/count"
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
