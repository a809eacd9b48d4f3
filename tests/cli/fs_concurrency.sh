# tests/cli/fs_concurrency.sh — eight writers at once on one target, with
# and without the run lock, creating and replacing: every writer succeeds,
# the file is one writer's whole output with its owner and mode, and no
# temp file is left.
. "$TOP/tests/lib.sh"
. "$TOP/tests/tools/fslib.sh"

R=$(newroot)
T="$R/etc/veza/race.env"
sums=""
for i in 1 2 3 4 5 6 7 8; do
	# 64 KiB per writer, distinct.
	head -c 49152 /dev/urandom | base64 -w 0 >"$FS_AREA/w$i"
	sums="$sums $(sha256sum <"$FS_AREA/w$i" | cut -d' ' -f1)"
done

round() { # label extra-args...
	label=$1; shift
	pids=""
	for i in 1 2 3 4 5 6 7 8; do
		"$FSW" --root "$R" "$@" --uid 0 --gid 0 --mode 0640 \
		    --data-file "$FS_AREA/w$i" /etc/veza/race.env \
		    >"$FS_AREA/o$i" 2>&1 &
		pids="$pids $!"
	done
	fails=0 why=""
	i=0
	for p in $pids; do
		i=$((i + 1))
		wait "$p" || { fails=$((fails + 1)); why="$why $(head -1 "$FS_AREA/o$i")"; }
	done
	if [ "$fails" -eq 0 ]; then ok "$label: all eight writers succeeded"
	else notok "$label: all eight writers succeeded ($fails failed)" "$why"; fi
	got=$(sha256sum <"$T" | cut -d' ' -f1)
	case "$sums" in
	*"$got"*) ok "$label: the file is one writer's whole output" ;;
	*) notok "$label: the file is one writer's whole output" "size $(stat -c %s "$T")" ;;
	esac
	check "$label: owner and mode" test "$(stat -c '%u:%g %a' "$T")" = "0:0 640"
	check "$label: no strays" test -z "$(strays "$R")"
}

for n in 1 2 3; do
	rm -f "$T"
	round "create race $n"
	round "replace race $n"
	round "replace race $n with run lock" --lock
done
