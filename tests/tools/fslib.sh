# tests/tools/fslib.sh — sourced by tests/cli/fs_*.sh and audit_*.sh after
# tests/lib.sh. One scratch area per script (removed at exit), fresh roots
# inside it, and a snapshot of a tree to compare before/after.
: "${BUILD:=$TOP/build}"
# The layer sets owners (chown), makes devices and bind mounts: root only.
if [ "$(id -u)" -ne 0 ]; then
	skip "$(basename "$0" .sh)" "needs root (chown, mknod, mount)"
	exit 0
fi
FSW="$BUILD/tests/tools/fswrite"
[ -x "$FSW" ] || { echo "not ok fswrite tool built ($FSW missing)"; exit 1; }
# Not lib.sh's scratch(): called as $(scratch) its EXIT trap runs in the
# command substitution's subshell and removes the directory at once.
FS_AREA=$(mktemp -d /tmp/envseal-fs.XXXXXX)
chmod 0755 "$FS_AREA"
trap 'rm -rf "$FS_AREA"' EXIT

# newroot: a fresh root with /etc/veza (root 0755) in it; prints its path.
newroot() {
	# mktemp, not a counter: newroot runs in $(...) subshells.
	_r=$(mktemp -d "$FS_AREA/root.XXXXXX")
	mkdir -p "$_r/etc/veza"
	chmod 0755 "$_r" "$_r/etc" "$_r/etc/veza"
	echo "$_r"
}

# snap DIR: every entry's path, type, mode, owner, size, inode, mtime and
# every regular file's sha256 — equal snapshots mean an untouched tree.
snap() {
	(cd "$1" && find . -printf '%p %y %m %U:%G %s %i %T@ %C@\n' | sort &&
	    find . -type f -exec sha256sum {} + | sort)
}

# statof FILE: "uid:gid mode size" of FILE.
statof() { stat -c '%u:%g %a %s' "$1"; }

# strays DIR: temp files of the layer left in DIR (prints them).
strays() { find "$1" -name '.envseal-tmp.*' 2>/dev/null; }
