# tests/cli/fs_replace.sh — the replace path: create, replace, unchanged
# (no write syscalls, same inode and mtime), metadata repaired in place,
# set-id bits and umask independence, backups, the sweep of stale temp
# files, bind-mounted targets, and the locks.
. "$TOP/tests/lib.sh"
. "$TOP/tests/tools/fslib.sh"

R=$(newroot)
T="$R/etc/veza/app.env"

expect_exit "create" 0 "$FSW" --root "$R" --uid 0 --gid 0 --mode 0640 --data 'A=1' /etc/veza/app.env
contains "create: action created" "created"
check "create: content" test "$(cat "$T")" = "A=1"
check "create: owner and mode" test "$(statof "$T")" = "0:0 640 3"

# Unchanged rerun: same inode and mtime, and not one write-side syscall.
before=$(stat -c '%i %Y.%y' "$T")
if command -v strace >/dev/null; then
	strace -f -qq -o "$FS_AREA/trace" -e trace=write,openat,openat2,renameat,renameat2,fsync,fchmod,fchown,unlinkat,linkat \
	    "$FSW" --root "$R" --uid 0 --gid 0 --mode 0640 --data 'A=1' /etc/veza/app.env >"$FS_AREA/out" 2>&1
	check "unchanged: action unchanged" grep -qx unchanged "$FS_AREA/out"
	# The tool's own stdout write of "unchanged\n" is the only write.
	n=$(grep -cE '^[0-9]+ +(write\([^1]|rename|fsync|fchmod|fchown|unlinkat|linkat)' "$FS_AREA/trace")
	check "unchanged: no write/rename/fsync/chmod/chown/unlink syscalls ($n)" test "$n" -eq 0
	n=$(grep -E 'openat2?\(' "$FS_AREA/trace" | grep -cE 'O_CREAT|O_WRONLY|O_RDWR|O_TRUNC')
	check "unchanged: no open for writing ($n)" test "$n" -eq 0
else
	skip "unchanged: syscall count" "strace not installed"
fi
check "unchanged: inode and mtime equal" test "$before" = "$(stat -c '%i %Y.%y' "$T")"

# Metadata drift alone: fixed in place (same inode).
chmod 0644 "$T"
chown 5:5 "$T"
ino=$(stat -c %i "$T")
expect_exit "metadata drift repaired" 0 "$FSW" --root "$R" --uid 0 --gid 0 --mode 0640 --data 'A=1' /etc/veza/app.env
contains "metadata: action metadata" "metadata"
check "metadata: owner and mode back" test "$(statof "$T")" = "0:0 640 3"
check "metadata: same inode" test "$ino" = "$(stat -c %i "$T")"

# Metadata drift on a hard-linked inode: the other name must not change,
# so the target gets its own inode instead of an in-place chmod.
ln "$T" "$FS_AREA/hardlink"
chmod 0644 "$T"
expect_exit "metadata drift, hard-linked" 0 "$FSW" --root "$R" --uid 0 --gid 0 --mode 0640 --data 'A=1' /etc/veza/app.env
contains "metadata hard-linked: action metadata" "metadata"
check "metadata hard-linked: target repaired" test "$(statof "$T")" = "0:0 640 3"
check "metadata hard-linked: other name untouched" test "$(statof "$FS_AREA/hardlink")" = "0:0 644 3"
rm -f "$FS_AREA/hardlink"
ino=$(stat -c %i "$T")

# Content change: replaced with a new inode, never truncated in place.
expect_exit "replace" 0 "$FSW" --root "$R" --uid 0 --gid 0 --mode 0640 --data 'A=22' /etc/veza/app.env
contains "replace: action replaced" "replaced"
check "replace: new inode" test "$ino" != "$(stat -c %i "$T")"
check "replace: content" test "$(cat "$T")" = "A=22"
check "replace: no strays" test -z "$(strays "$R")"

# Set-id bits survive (fchown before fchmod) whatever the umask.
for um in 000 077 022; do
	rm -f "$R/etc/veza/suid"
	(umask $um && "$FSW" --root "$R" --uid 1 --gid 1 --mode 04755 --data 'bin' /etc/veza/suid >/dev/null)
	check "set-id kept under umask $um (created)" test "$(statof "$R/etc/veza/suid")" = "1:1 4755 3"
	(umask $um && "$FSW" --root "$R" --uid 1 --gid 1 --mode 04755 --data 'bin2' /etc/veza/suid >/dev/null)
	check "set-id kept under umask $um (replaced)" test "$(statof "$R/etc/veza/suid")" = "1:1 4755 4"
	(umask $um && "$FSW" --root "$R" --uid 0 --gid 0 --mode 0664 --data 'g' /etc/veza/g.txt >/dev/null)
	check "mode 0664 exact under umask $um" test "$(statof "$R/etc/veza/g.txt")" = "0:0 664 1"
	rm -f "$R/etc/veza/g.txt"
done
# Set-gid added by a metadata repair to another owner.
chmod 0755 "$R/etc/veza/suid"
chown 0:0 "$R/etc/veza/suid"
"$FSW" --root "$R" --uid 1 --gid 1 --mode 02755 --data 'bin2' /etc/veza/suid >/dev/null
check "set-gid after metadata repair with chown" test "$(statof "$R/etc/veza/suid")" = "1:1 2755 4"

# Backup (passwd family): the old inode becomes "<name>-".
printf 'root:x:0:0::/root:/bin/sh\n' >"$R/etc/passwd"
chmod 0644 "$R/etc/passwd"
old_ino=$(stat -c %i "$R/etc/passwd")
expect_exit "backup write" 0 "$FSW" --root "$R" --backup --mode 0644 --data 'root:x:0:0::/root:/bin/bash
' /etc/passwd
check "backup: passwd- is the old inode" test "$(stat -c %i "$R/etc/passwd-")" = "$old_ino"
check "backup: passwd- has the old content" grep -q '/bin/sh' "$R/etc/passwd-"
check "backup: passwd has the new content" grep -q '/bin/bash' "$R/etc/passwd"
check "backup: no strays" test -z "$(strays "$R")"
# "<name>-" already the same inode (a run that failed after its backup):
# rename(2) of one hard link over another does nothing; no temp may stay.
rm -f "$R/etc/passwd-"
ln "$R/etc/passwd" "$R/etc/passwd-"
"$FSW" --root "$R" --backup --mode 0644 --data 'root:x:0:0::/root:/bin/zsh
' /etc/passwd >/dev/null
check "backup over its own hard link: no strays" test -z "$(strays "$R")"
check "backup over its own hard link: passwd- has the previous content" grep -q '/bin/bash' "$R/etc/passwd-"

# Stale temp files of a killed run: swept by the next write beside them,
# only regular files of the exact pattern, never through a symlink.
S1="$R/etc/veza/.envseal-tmp.app.env.0123456789abcdef"
S2="$R/etc/veza/.envseal-tmp.app.env.notarandomsuffix"
S3="$R/etc/veza/.envseal-tmp.app.env.fedcba9876543210"
S4="$R/etc/veza/.envseal-tmp.other.env.0123456789abcdef"
printf 'stale' >"$S1"; printf 'keep' >"$S2"; printf 'keep' >"$S4"
printf 'victim\n' >"$FS_AREA/victim2"
ln -s "$FS_AREA/victim2" "$S3"
"$FSW" --root "$R" --uid 0 --gid 0 --mode 0640 --data 'A=22' /etc/veza/app.env >/dev/null
check "sweep: stale temp removed (even on an unchanged run)" test ! -e "$S1"
check "sweep: other suffix kept" test -e "$S2"
check "sweep: other target's temp kept" test -e "$S4"
check "sweep: symlink not followed" grep -qx victim "$FS_AREA/victim2"
check "sweep: symlink left alone" test -L "$S3"
rm -f "$S2" "$S3" "$S4"

# Bind-mounted target: rename cannot replace it; a clear error, no change.
if is_root && command -v unshare >/dev/null; then
	printf 'bound\n' >"$FS_AREA/bindsrc"
	printf 'A=1\n' >"$R/etc/veza/bound.env"
	out=$(unshare -m sh -c 'mount --bind "$1" "$2" || { echo mount-failed; exit 0; }
	    "$3" --root "$4" --data "A=2" /etc/veza/bound.env; echo "rc=$?"' \
	    sh "$FS_AREA/bindsrc" "$R/etc/veza/bound.env" "$FSW" "$R" 2>&1)
	case "$out" in
	*mount-failed*) skip "bind-mounted target refused" "mount --bind failed: $out" ;;
	*rc=*)
		OUT=$out
		contains "bind-mounted target refused (exit 1)" "rc=1"
		contains "bind-mounted target: says mount point" "mount point"
		check "bind-mounted target: source untouched" grep -qx bound "$FS_AREA/bindsrc"
		check "bind-mounted target: file untouched" grep -qx 'A=1' "$R/etc/veza/bound.env"
		check "bind-mounted target: no strays" test -z "$(strays "$R")"
		;;
	*) skip "bind-mounted target refused" "unshare -m failed: $out" ;;
	esac
else
	skip "bind-mounted target refused" "needs root and unshare"
fi

# The run lock: a second run waits (one notice) and then proceeds.
"$FSW" --root "$R" --hold 2 >"$FS_AREA/hold" &
hp=$!
i=0
while [ "$i" -lt 50 ] && ! grep -q locked "$FS_AREA/hold"; do sleep 0.1; i=$((i + 1)); done
expect_exit "run lock: second run waits then succeeds" 0 "$FSW" --root "$R" --lock --data 'A=3' /etc/veza/app.env
contains "run lock: waiting notice" "waiting for lock /var/lib/envseal/lock"
wait "$hp"
check "run lock: lock file root 0600" test "$(statof "$R/var/lib/envseal/lock")" = "0:0 600 0"
check "run lock: state dir root 0700" test "$(stat -c '%u:%g %a' "$R/var/lib/envseal")" = "0:0 700"

# /etc/.pwd.lock is an fcntl write lock, as lckpwdf() takes it.
# lockf_try PATH: 0 the lock was free (taken and dropped), 3 it is held
# by another process; anything else (python3 missing, a bad path) is an
# error of the test itself and must never read as "held".
lockf_try() {
	python3 -c 'import errno,fcntl,sys
f = open(sys.argv[1], "a")
try:
    fcntl.lockf(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
except OSError as e:
    sys.exit(3 if e.errno in (errno.EACCES, errno.EAGAIN) else 1)' "$1"
}
"$FSW" --root "$R" --passwd --hold 3 >"$FS_AREA/hold2" &
hp=$!
i=0
while [ "$i" -lt 50 ] && ! grep -q locked "$FS_AREA/hold2"; do sleep 0.1; i=$((i + 1)); done
check "pwd.lock: the holder took it" grep -q locked "$FS_AREA/hold2"
lockf_try "$R/etc/.pwd.lock"; rc=$?
check "pwd.lock: held against an lckpwdf-style locker (status $rc, want 3)" [ "$rc" -eq 3 ]
wait "$hp"
lockf_try "$R/etc/.pwd.lock"; rc=$?
check "pwd.lock: released at exit (status $rc, want 0)" [ "$rc" -eq 0 ]
check "no strays at the end" test -z "$(strays "$R")"
