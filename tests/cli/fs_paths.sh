# tests/cli/fs_paths.sh — hostile paths under a root: symlinks (target,
# parent, "..", absolute), FIFO/directory/device at the target, unsafe
# directories, bad names. Each refusal must name the problem and leave
# everything (inside and outside the root) untouched.
. "$TOP/tests/lib.sh"
. "$TOP/tests/tools/fslib.sh"

R=$(newroot)
VICTIM="$FS_AREA/victim"
printf 'victim\n' >"$VICTIM"
chmod 0644 "$VICTIM"

# Symlinked target (absolute, pointing outside the root).
ln -s "$VICTIM" "$R/etc/veza/link.env"
expect_exit "symlinked target refused" 1 "$FSW" --root "$R" --data 'A=1' /etc/veza/link.env
contains "symlinked target: error says symlink" "symlink"
contains "symlinked target: error names the path" "/etc/veza/link.env"
check "symlinked target: victim untouched" grep -qx victim "$VICTIM"
check "symlinked target: link still a link" test -L "$R/etc/veza/link.env"

# Symlinked parent directory.
mkdir -p "$R/real"
chmod 0755 "$R/real"
ln -s real "$R/etc/linked"
expect_exit "symlinked parent refused" 1 "$FSW" --root "$R" --data 'A=1' /etc/linked/x.env
contains "symlinked parent: names the component" "/etc/linked is a symlink"
check "symlinked parent: nothing written through it" test ! -e "$R/real/x.env"

# A symlink whose target uses ".." to climb out of the root.
ln -s ../../../../../../.. "$R/etc/up"
expect_exit "dotdot symlink refused" 1 "$FSW" --root "$R" --data 'A=1' "/etc/up$FS_AREA/escaped"
check "dotdot symlink: nothing outside" test ! -e "$FS_AREA/escaped"
# An absolute directory symlink pointing at the host's /etc.
ln -s /etc "$R/etc/hostetc"
expect_exit "absolute dir symlink refused" 1 "$FSW" --root "$R" --data 'A=1' /etc/hostetc/envseal-test-escape
check "absolute dir symlink: host /etc untouched" test ! -e /etc/envseal-test-escape
# ".." written in the policy path itself.
expect_exit "dotdot in path refused" 1 "$FSW" --root "$R" --data 'A=1' /etc/../../escaped2
contains "dotdot in path: says so" '".."'
check "dotdot in path: nothing outside" test ! -e "$FS_AREA/escaped2"
# Reading through a symlink is refused as well.
expect_exit "read through symlink refused" 1 "$FSW" --root "$R" --read /etc/veza/link.env
# A relative path is not a policy path.
expect_exit "relative path refused" 1 "$FSW" --root "$R" --data 'A=1' etc/veza/x.env

# FIFO at the target: refused at once (no hang), named as a FIFO.
mkfifo "$R/etc/veza/fifo.env"
expect_exit "FIFO refused" 1 timeout 10 "$FSW" --root "$R" --data 'A=1' /etc/veza/fifo.env
contains "FIFO: named as a FIFO" "a FIFO"
check "FIFO: still a FIFO" test -p "$R/etc/veza/fifo.env"
# Directory at the target.
mkdir "$R/etc/veza/dir.env"
expect_exit "directory at target refused" 1 "$FSW" --root "$R" --data 'A=1' /etc/veza/dir.env
contains "directory at target: named" "a directory"
# Character device at the target (root can mknod).
if mknod "$R/etc/veza/dev.env" c 1 3 2>/dev/null; then
	expect_exit "device at target refused" 1 "$FSW" --root "$R" --data 'A=1' /etc/veza/dev.env
	contains "device: named" "a character device"
else
	skip "device at target refused" "mknod not permitted here"
fi
# Socket at the target.
if python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])' \
    "$R/etc/veza/sock.env" 2>/dev/null; then
	expect_exit "socket at target refused" 1 "$FSW" --root "$R" --data 'A=1' /etc/veza/sock.env
	contains "socket: named" "a socket"
else
	skip "socket at target refused" "cannot bind a unix socket here"
fi
# A regular file where a directory belongs.
printf 'x' >"$R/etc/notadir"
expect_exit "file as parent refused" 1 "$FSW" --root "$R" --data 'A=1' /etc/notadir/x.env
contains "file as parent: named" "/etc/notadir is a regular file"

# Unsafe directories for trusted targets.
mkdir -p "$R/etc/gw" "$R/etc/ow"
chmod 0775 "$R/etc/gw"
chown 1234:0 "$R/etc/ow"
chmod 0755 "$R/etc/ow"
expect_exit "group-writable parent refused" 1 "$FSW" --root "$R" --data 'A=1' /etc/gw/x.env
contains "group-writable parent: says why" "group- or world-writable"
check "group-writable parent: nothing written" test ! -e "$R/etc/gw/x.env"
chmod 1777 "$R/etc/gw"
expect_exit "sticky world-writable parent refused" 1 "$FSW" --root "$R" --data 'A=1' /etc/gw/x.env
expect_exit "non-root-owned parent refused" 1 "$FSW" --root "$R" --data 'A=1' /etc/ow/x.env
contains "non-root-owned parent: names the owner" "uid 1234"
check "no strays after refusals" test -z "$(strays "$R")"

# Bad final names.
expect_exit "trailing /. refused" 1 "$FSW" --root "$R" --data 'A=1' /etc/veza/.
expect_exit "root itself refused" 1 "$FSW" --root "$R" --data 'A=1' /
LONG=$(printf 'n%.0s' $(seq 1 240))
expect_exit "overlong name refused" 2 "$FSW" --root "$R" --data 'A=1' "/etc/veza/$LONG"

# Missing directory: a clear error, nothing created.
expect_exit "missing directory refused" 1 "$FSW" --root "$R" --data 'A=1' /etc/nope/x.env
contains "missing directory: named" "/etc/nope does not exist"
check "missing directory: not created" test ! -e "$R/etc/nope"

# A kernel without openat2: a clear error, never a fallback.
if command -v strace >/dev/null &&
    strace -qq -e trace=none -e inject=openat2:error=ENOSYS true 2>/dev/null; then
	expect_exit "no openat2: refused" 1 strace -f -qq -o /dev/null -e trace=openat2 \
	    -e inject=openat2:error=ENOSYS "$FSW" --root "$R" --data 'A=1' /etc/veza/nosys.env
	contains "no openat2: says so" "no openat2"
	check "no openat2: nothing written (no fallback)" test ! -e "$R/etc/veza/nosys.env"
else
	skip "no openat2: refused" "strace cannot inject here"
fi
