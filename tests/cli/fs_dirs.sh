# tests/cli/fs_dirs.sh — es_ensure_dir (tmpfiles "d"): create with missing
# parents root 0755, repair drift without ever widening access (the order
# of the syscalls is checked with strace), refuse what is not a directory.
. "$TOP/tests/lib.sh"
. "$TOP/tests/tools/fslib.sh"

R=$(newroot)
D="$R/opt/veza/backend-api"

expect_exit "dir created with parents" 0 "$FSW" --root "$R" --dir --uid 0 --gid 1001 --mode 0750 /opt/veza/backend-api
contains "dir: action created" "created"
check "dir: owner and mode" test "$(stat -c '%u:%g %a' "$D")" = "0:1001 750"
check "dir: parent /opt root 0755" test "$(stat -c '%u:%g %a' "$R/opt")" = "0:0 755"
check "dir: parent /opt/veza root 0755" test "$(stat -c '%u:%g %a' "$R/opt/veza")" = "0:0 755"
expect_exit "dir rerun" 0 "$FSW" --root "$R" --dir --uid 0 --gid 1001 --mode 0750 /opt/veza/backend-api
contains "dir rerun: unchanged" "unchanged"

# Creation never exceeds the final access: mkdir with owner bits only,
# then chown, then chmod.
if command -v strace >/dev/null; then
	strace -f -qq -o "$FS_AREA/t1" -e trace=mkdirat,mkdir,fchown,fchmod \
	    "$FSW" --root "$R" --dir --uid 1001 --gid 1001 --mode 0750 /var/log/veza >/dev/null
	seq1=$(grep -E 'mkdirat\(.*"veza"|fchown|fchmod' "$FS_AREA/t1" | sed 's/^[0-9]* *//' | tail -3 | tr '\n' ';')
	case "$seq1" in
	mkdirat*'"veza", 0700)'*';fchown('*', 1001, 1001)'*';fchmod('*', 0750)'*) ok "dir create order: mkdir 0700, fchown, fchmod" ;;
	*) notok "dir create order: mkdir 0700, fchown, fchmod" "$seq1" ;;
	esac
	# Drift: 0755 root:root -> 0770 root:1001. Narrow to 0750 first,
	# then chown, then 0770: never group-writable while the group is 0.
	mkdir -p "$R/srv/data"
	chmod 0755 "$R/srv" "$R/srv/data"
	strace -f -qq -o "$FS_AREA/t2" -e trace=fchown,fchmod \
	    "$FSW" --root "$R" --dir --uid 0 --gid 1001 --mode 0770 /srv/data >"$FS_AREA/o2"
	seq2=$(grep -E 'fchown|fchmod' "$FS_AREA/t2" | sed 's/^[0-9]* *//' | tr '\n' ';')
	case "$seq2" in
	'fchmod('*', 0750)'*';fchown('*', 0, 1001)'*';fchmod('*', 0770)'*) ok "dir repair order: narrow, chown, widen" ;;
	*) notok "dir repair order: narrow, chown, widen" "$seq2" ;;
	esac
	check "dir repair: action metadata" grep -qx metadata "$FS_AREA/o2"
else
	skip "dir create/repair order" "strace not installed"
fi
check "dir repair: result" test "$(stat -c '%u:%g %a' "$R/srv/data")" = "0:1001 770"

# Refusals: symlink, file, symlinked parent, unsafe parent.
ln -s /tmp "$R/srv/link"
expect_exit "dir: symlink refused" 1 "$FSW" --root "$R" --dir --mode 0755 /srv/link
contains "dir: symlink named" "is a symlink"
printf 'x' >"$R/srv/file"
expect_exit "dir: file refused" 1 "$FSW" --root "$R" --dir --mode 0755 /srv/file
contains "dir: file named" "is a regular file"
expect_exit "dir: symlinked parent refused" 1 "$FSW" --root "$R" --dir --mode 0755 /srv/link/sub
check "dir: nothing made through the symlink" test ! -e /tmp/sub
mkdir -p "$R/gw"
chmod 0777 "$R/gw"
expect_exit "dir: world-writable parent refused" 1 "$FSW" --root "$R" --dir --mode 0755 /gw/sub
check "dir: nothing made under unsafe parent" test ! -e "$R/gw/sub"
expect_exit "dir: dotdot refused" 1 "$FSW" --root "$R" --dir --mode 0755 /srv/../../x
