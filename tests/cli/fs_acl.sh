#!/bin/bash
# tests/cli/fs_acl.sh — files and directories envseal writes carry no POSIX
# ACL granting more than their mode. A default ACL on the env file's
# directory (d:u:nobody:rw) would be inherited by the temp file and, once
# it is chmod 0640, let uid 65534 read the secrets; an access ACL added to
# an existing env file is drift (metadata), reported by --check and
# removed by the next render; policy directories lose access and default
# ACLs alike. The render runs for real: the writer's seccomp filter and
# Landlock must let the ACL be removed.
. "$TOP/tests/lib.sh"

is_root || { skip fs_acl "needs root (chown, setpriv)"; exit 0; }
command -v setfacl >/dev/null && command -v getfacl >/dev/null ||
    { skip fs_acl "needs setfacl/getfacl (package acl)"; exit 0; }
FSW="$BUILD/tests/tools/fswrite"
use_base
R=$(mkroot etc/veza:0755) || exit 1
setfacl -m d:u:nobody:rw "$R/etc/veza" 2>/dev/null ||
    { skip fs_acl "the scratch filesystem has no POSIX ACLs"; exit 0; }
as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
# extended FILE: the ACL entries beyond the mode, empty when none.
extended() { getfacl -s -p "$1" 2>/dev/null; }
T=/etc/veza/backend-api.env
{
	printf 'envseal: 1\nenv_files:\n  - path: %s\n' "$T"
	printf '    vault: %s\n    owner: root\n    group: root\n    mode: "0640"\n' "$VECTORS/a_v11_mapping.vault.yml"
} >"$BASE/p.yml"
PW=(--vault-password-file "$VECTORS/pw_correct_horse.txt")
render() { "$ENVSEAL" render --policy "$BASE/p.yml" --root "$R" "${PW[@]}" "$@"; }

# 1. A default ACL on the directory.
expect_exit "render below a default ACL: exit 0" 0 render
contains "render below a default ACL: created" "created"
check "the env file has no extended ACL" test -z "$(extended "$R$T")"
check "the env file is 0640 root:root" test "$(stat -c '%a %u:%g' "$R$T")" = "640 0:0"
if as_nobody cat "$R$T" >/dev/null 2>&1; then notok "uid 65534 cannot read the env file"
else ok "uid 65534 cannot read the env file"; fi
check "no temp file left" test -z "$(find "$R" -name '.envseal-tmp.*')"
expect_exit "rerun: exit 0" 0 render
contains "rerun: unchanged" "unchanged"

# 2. An access ACL added to the existing env file.
# -n: keep the mask (and so the mode) as it is: only the ACL drifted.
setfacl -n -m u:nobody:r "$R$T"
check "(setup) the mode is still 0640" test "$(stat -c %a "$R$T")" = 640
if as_nobody cat "$R$T" >/dev/null 2>&1; then ok "(setup) uid 65534 can read through the ACL"
else notok "(setup) uid 65534 can read through the ACL"; fi
ino=$(stat -c %i "$R$T")
expect_exit "--check with an access ACL: exit 0" 0 render --check
contains "--check reports the ACL as metadata" "metadata"
check "--check left the ACL" test -n "$(extended "$R$T")"
expect_exit "render with an access ACL: exit 0" 0 render
contains "render reports metadata" "metadata"
check "render removed the ACL" test -z "$(extended "$R$T")"
check "repaired in place (same inode)" test "$(stat -c %i "$R$T")" = "$ino"
if as_nobody cat "$R$T" >/dev/null 2>&1; then notok "uid 65534 cannot read it any more"
else ok "uid 65534 cannot read it any more"; fi
expect_exit "next render: exit 0" 0 render
contains "next render: unchanged" "unchanged"

# 3. Directories: one created below a default ACL, and an existing policy
# directory with access and default ACLs.
mkdir -p "$R/opt"
chmod 0755 "$R/opt"
setfacl -m d:u:nobody:rwx "$R/opt"
expect_exit "directory below a default ACL: exit 0" 0 "$FSW" --root "$R" --dir --uid 0 --gid 0 --mode 0750 /opt/app
check "the new directory has no ACL (access or default)" test -z "$(extended "$R/opt/app")"
check "the new directory is 0750" test "$(stat -c %a "$R/opt/app")" = 750
setfacl -n -m u:nobody:rx -m d:u:nobody:rwx "$R/opt/app"
check "(setup) the directory's mode is still 0750" test "$(stat -c %a "$R/opt/app")" = 750
expect_exit "directory with ACLs, --check: exit 0" 0 "$FSW" --root "$R" --check --dir --uid 0 --gid 0 --mode 0750 /opt/app
contains "--check reports metadata" "metadata"
check "--check left the ACLs" test -n "$(extended "$R/opt/app")"
expect_exit "directory with ACLs: exit 0" 0 "$FSW" --root "$R" --dir --uid 0 --gid 0 --mode 0750 /opt/app
contains "reported as metadata" "metadata"
check "both ACLs removed" test -z "$(extended "$R/opt/app")"
expect_exit "directory again: unchanged" 0 "$FSW" --root "$R" --dir --uid 0 --gid 0 --mode 0750 /opt/app
contains "directory again: unchanged" "unchanged"
