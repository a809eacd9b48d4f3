#!/bin/bash
# tests/cli/trust_inputs.sh — the trusted-input rule (fs/fs.h, "Trusted
# inputs"): a password file or script, a vault and a policy are used only
# when owned by root, the caller or $SUDO_UID, not group/world-writable, in
# directories no one else can write (a sticky root-owned one like /tmp is
# fine). The attacker is uid 65534: it owns the files or the directories
# (chown), or a symlink on the way. Each refusal: the status (1; 2 for a
# policy), one line naming the path and the rule, the script never run,
# nothing written. Then the good cases: own files, root's files, scripts
# run from the descriptor checked, as a non-root caller its own files.
. "$TOP/tests/lib.sh"

is_root || { skip trust_inputs "needs root (chown)"; exit 0; }
command -v setpriv >/dev/null || { skip trust_inputs "needs setpriv"; exit 0; }

use_base
# vault view as root is audited: in a scratch log, never the host's.
audit_root "$BASE/audit"
B=$BASE
V=$VECTORS/a_v11_mapping.vault.yml
NOBODY=65534
MARK=$B/marker

# pwfile PATH OWNER MODE : the vault's password, owned and moded so.
pwfile() {
	printf 'correct horse\n' >"$1" && chown "$2:$2" "$1" && chmod "$3" "$1"
}
# pwscript PATH OWNER MODE : a script that leaves $MARK (with its $0) and
# prints the password.
pwscript() {
	printf '#!/bin/sh\necho "$0" >%s\necho "correct horse"\n' "$MARK" >"$1" &&
		chown "$2:$2" "$1" && chmod "$3" "$1"
}
# mkd PATH OWNER MODE : a directory owned and moded so.
mkd() { mkdir -p "$1" && chown "$2:$2" "$1" && chmod "$3" "$1"; }
# one_line NAME : $OUT is exactly one line.
one_line() {
	if [ "$(printf '%s\n' "$OUT" | wc -l)" -eq 1 ]; then ok "$1"
	else notok "$1" "$(printf '%s' "$OUT" | head -4)"; fi
}
# refused NAME STATUS NEEDLE CMD... : status, the rule named, one line.
refused() {
	_rn=$1 _rs=$2 _rneedle=$3; shift 3
	expect_exit "$_rn: exit $_rs" "$_rs" "$@"
	contains "$_rn: names the rule" "$_rneedle"
	one_line "$_rn: one line"
	case "$OUT" in *s3cr3t*) notok "$_rn: no plaintext" ;; *) ok "$_rn: no plaintext" ;; esac
}
view() { "$ENVSEAL" vault view --vault-password-file "$1" "${2:-$V}"; }

mkd "$B/d0" 0 0755                   # root's directory
mkd "$B/u" $NOBODY 0755              # the attacker's directory
mkd "$B/g" 0 0775; chgrp $NOBODY "$B/g"   # writable by the attacker's group
mkd "$B/w" 0 0777                    # world-writable, not sticky
mkd "$B/st" 0 1777                   # like /tmp
mkd "$B/stu" $NOBODY 1777            # sticky, but the attacker owns it

# -- password files (vault view) ----------------------------------------------
pwfile "$B/d0/pw" 0 0600
expect_exit "root 0600 file in root dir: accepted" 0 view "$B/d0/pw"
contains "root 0600 file opens the vault" "db_pass: s3cr3t"

pwfile "$B/d0/pw_nobody" $NOBODY 0600
refused "password file owned by 65534" 1 \
	"password file $B/d0/pw_nobody: owned by uid $NOBODY, not root or the caller; refused" \
	view "$B/d0/pw_nobody"

rm -f "$MARK"
pwscript "$B/d0/pw_nobody_x" $NOBODY 0700
refused "password script owned by 65534" 1 \
	"password file $B/d0/pw_nobody_x: owned by uid $NOBODY, not root or the caller; refused" \
	view "$B/d0/pw_nobody_x"
check "script owned by 65534 never ran" test ! -e "$MARK"

pwfile "$B/d0/pw_g" 0 0620
refused "group-writable password file" 1 "password file $B/d0/pw_g: is group-writable; refused" \
	view "$B/d0/pw_g"
rm -f "$MARK"
pwscript "$B/d0/pw_wx" 0 0757
refused "world-writable password script" 1 "password file $B/d0/pw_wx: is world-writable; refused" \
	view "$B/d0/pw_wx"
check "world-writable script never ran" test ! -e "$MARK"

pwfile "$B/u/pw" 0 0600
refused "root's file in a 65534-owned dir" 1 \
	"password file $B/u/pw: directory $B/u is writable by uid $NOBODY; refused" view "$B/u/pw"
pwfile "$B/g/pw" 0 0600
refused "file in a dir writable by 65534's group" 1 \
	"password file $B/g/pw: directory $B/g is writable by group $NOBODY; refused" view "$B/g/pw"
pwfile "$B/w/pw" 0 0600
refused "file in a world-writable dir" 1 \
	"password file $B/w/pw: directory $B/w is world-writable; refused" view "$B/w/pw"
mkd "$B/u/sub" 0 0755
pwfile "$B/u/sub/pw" 0 0600
refused "a 65534-owned ancestor" 1 \
	"password file $B/u/sub/pw: directory $B/u is writable by uid $NOBODY; refused" view "$B/u/sub/pw"

pwfile "$B/stu/pw" 0 0600
refused "sticky world-writable dir owned by 65534" 1 \
	"password file $B/stu/pw: directory $B/stu is writable by uid $NOBODY; refused" view "$B/stu/pw"
pwfile "$B/st/pw" 0 0600
expect_exit "root's file in a sticky root-owned dir: accepted" 0 view "$B/st/pw"
pwfile "$B/st/pw_nobody" $NOBODY 0600
refused "65534's file in a sticky root-owned dir" 1 \
	"password file $B/st/pw_nobody: owned by uid $NOBODY, not root or the caller; refused" \
	view "$B/st/pw_nobody"

# A relative path is judged with the working directory's ancestors.
expect_exit "relative path, cwd owned by 65534: exit 1" 1 \
	sh -c 'cd "$1" && exec "$2" vault view --vault-password-file pw "$3"' _ "$B/u/sub" "$ENVSEAL" "$V"
contains "relative path: names the cwd's ancestor" \
	"password file pw: directory $B/u is writable by uid $NOBODY; refused"
one_line "relative path: one line"
expect_exit "relative path in root's dir: accepted" 0 \
	sh -c 'cd "$1" && exec "$2" vault view --vault-password-file pw "$3"' _ "$B/d0" "$ENVSEAL" "$V"

# Symlinks: the target is judged, and its directories.
ln -s "$B/d0/pw_nobody" "$B/d0/link_nobody"
refused "symlink to 65534's file" 1 "owned by uid $NOBODY, not root or the caller; refused" \
	view "$B/d0/link_nobody"
ln -s "$B/u" "$B/d0/link_u"
refused "symlink to 65534's dir" 1 "directory $B/u is writable by uid $NOBODY; refused" \
	view "$B/d0/link_u/pw"
# A symlink is followed by the walk, not the kernel: the directory it sits
# in is judged too. The deploy user's own directory holding a link to a
# root-owned script would otherwise make root run any root-owned program.
rm -f "$MARK"
pwscript "$B/d0/root.sh" 0 0700
ln -s "$B/d0/root.sh" "$B/u/pw_link"
refused "symlink in a 65534-owned dir to root's script" 1 \
	"password file $B/u/pw_link: directory $B/u is writable by uid $NOBODY; refused" view "$B/u/pw_link"
check "root's script behind 65534's symlink never ran" test ! -e "$MARK"
# In a sticky directory anyone may plant a link: its owner must be trusted.
ln -s "$B/d0/pw" "$B/st/link_planted" && chown -h $NOBODY:$NOBODY "$B/st/link_planted"
refused "65534's symlink in a sticky dir" 1 \
	"password file $B/st/link_planted: symlink $B/st/link_planted is owned by uid $NOBODY, not root or the caller; refused" \
	view "$B/st/link_planted"
ln -s ../d0/pw "$B/st/link_root"
expect_exit "root's relative symlink to root's file: accepted" 0 view "$B/st/link_root"
# ".." is walked by descriptor from the directory reached: no shortcut.
expect_exit "'..' through root's dirs: accepted" 0 view "$B/d0/../d0/pw"
refused "'..' through a 65534-owned dir" 1 "directory $B/u is writable by uid $NOBODY; refused" \
	view "$B/u/../d0/pw"
mkfifo "$B/d0/fifo"
refused "a FIFO" 1 "password file $B/d0/fifo: is a FIFO, not a regular file; refused" \
	timeout 10 "$ENVSEAL" vault view --vault-password-file "$B/d0/fifo" "$V"

# $CREDENTIALS_DIRECTORY goes through the same rule.
mkd "$B/u/creds" $NOBODY 0700; pwfile "$B/u/creds/vaultpw" $NOBODY 0400
refused "credential in a 65534-owned dir" 1 "refused" \
	env CREDENTIALS_DIRECTORY="$B/u/creds" "$ENVSEAL" vault view --vault-password-credential vaultpw "$V"
mkd "$B/d0/creds" 0 0500; pwfile "$B/d0/creds/vaultpw" 0 0400
expect_exit "credential in a root dir: accepted" 0 \
	env CREDENTIALS_DIRECTORY="$B/d0/creds" "$ENVSEAL" vault view --vault-password-credential vaultpw "$V"

# -- good scripts: run from the descriptor checked -----------------------------
rm -f "$MARK"
pwscript "$B/d0/pw.sh" 0 0700
expect_exit "#!/bin/sh script, --vault-id label@script: accepted" 0 \
	"$ENVSEAL" vault view --vault-id "dev@$B/d0/pw.sh" "$V"
contains "script's password opens the vault" "db_pass: s3cr3t"
# The kernel hands a script run by execveat(fd) to its interpreter as
# /dev/fd/N: the file run is the one opened and checked, not a name.
case "$(cat "$MARK" 2>/dev/null)" in
/dev/fd/*) ok "script ran from its descriptor" ;;
*) notok "script ran from its descriptor" "\$0 was '$(cat "$MARK" 2>/dev/null)'" ;;
esac
printf '#!/bin/sh\n[ "$1 $2" = "--vault-id dev" ] || exit 3\necho "correct horse"\n' >"$B/d0/keys-client.sh"
chmod 0700 "$B/d0/keys-client.sh"
expect_exit "-client script gets --vault-id LABEL" 0 \
	"$ENVSEAL" vault view --vault-id "dev@$B/d0/keys-client.sh" "$V"

# -- vault files (vault view, render --vault) ----------------------------------
cp "$V" "$B/u/vault.yml"
refused "vault view: vault in a 65534-owned dir" 1 \
	"$B/u/vault.yml: directory $B/u is writable by uid $NOBODY; refused" view "$B/d0/pw" "$B/u/vault.yml"
cp "$V" "$B/d0/vault_nobody.yml"; chown $NOBODY "$B/d0/vault_nobody.yml"
refused "vault view: vault owned by 65534" 1 "owned by uid $NOBODY, not root or the caller; refused" \
	view "$B/d0/pw" "$B/d0/vault_nobody.yml"
cp "$V" "$B/d0/vault_g.yml"; chmod 0664 "$B/d0/vault_g.yml"
refused "vault view: group-writable vault" 1 "is group-writable; refused" \
	view "$B/d0/pw" "$B/d0/vault_g.yml"
cp "$V" "$B/u/sub/vault.yml"
expect_exit "vault view: relative vault, cwd owned by 65534: exit 1" 1 \
	sh -c 'cd "$1" && exec "$2" vault view --vault-password-file "$3" vault.yml' _ "$B/u/sub" "$ENVSEAL" "$B/d0/pw"
contains "relative vault: names the ancestor" "directory $B/u is writable by uid $NOBODY; refused"
one_line "relative vault: one line"

R=$(mkroot etc/veza:0755) || exit 1
T=$R/etc/veza/backend-api.env
cat >"$B/d0/policy.yml" <<EOF
envseal: 1
env_files:
  - path: /etc/veza/backend-api.env
    vault: $V
    owner: root
    group: root
    mode: "0600"
EOF
render() { "$ENVSEAL" render --root "$R" --policy "$@"; }
refused "render --vault in a 65534-owned dir" 1 \
	"$B/u/vault.yml: directory $B/u is writable by uid $NOBODY; refused" \
	render "$B/d0/policy.yml" --vault "$B/u/vault.yml" --vault-password-file "$B/d0/pw"
check "render refused: nothing written" test ! -e "$T"
refused "render --vault owned by 65534" 1 "owned by uid $NOBODY, not root or the caller; refused" \
	render "$B/d0/policy.yml" --vault "$B/d0/vault_nobody.yml" --vault-password-file "$B/d0/pw"
check "render refused (owner): nothing written" test ! -e "$T"
rm -f "$MARK"
refused "render with a 65534-owned password script" 1 "owned by uid $NOBODY, not root or the caller; refused" \
	render "$B/d0/policy.yml" --vault-password-file "$B/d0/pw_nobody_x"
check "render: the script never ran" test ! -e "$MARK"
check "render refused (script): nothing written" test ! -e "$T"

# -- policies: exit 2 -----------------------------------------------------------
cp "$B/d0/policy.yml" "$B/u/policy.yml"
refused "policy in a 65534-owned dir" 2 \
	"policy $B/u/policy.yml: directory $B/u is writable by uid $NOBODY; refused" \
	"$ENVSEAL" policy show --policy "$B/u/policy.yml"
cp "$B/d0/policy.yml" "$B/d0/policy_nobody.yml"; chown $NOBODY "$B/d0/policy_nobody.yml"
refused "policy owned by 65534" 2 \
	"policy $B/d0/policy_nobody.yml: owned by uid $NOBODY, not root or the caller; refused" \
	"$ENVSEAL" policy show --policy "$B/d0/policy_nobody.yml"
refused "render --policy in a 65534-owned dir" 2 "directory $B/u is writable by uid $NOBODY; refused" \
	render "$B/u/policy.yml" --vault-password-file "$B/d0/pw"
check "render refused (policy): nothing written" test ! -e "$T"
expect_exit "render: trusted policy, vault, password: exit 0" 0 \
	render "$B/d0/policy.yml" --vault-password-file "$B/d0/pw"
check "render wrote the env file" test -f "$T"

# -- sudo: $SUDO_UID's own files are trusted; garbage in it is not ------------
mkd "$B/s" $NOBODY 0755; pwfile "$B/s/pw" $NOBODY 0600
expect_exit "SUDO_UID=65534: its own file in its dir: accepted" 0 env SUDO_UID=$NOBODY "$ENVSEAL" vault view --vault-password-file "$B/s/pw" "$V"
refused "SUDO_UID not a number" 1 "owned by uid $NOBODY, not root or the caller; refused" \
	env SUDO_UID=65534x "$ENVSEAL" vault view --vault-password-file "$B/s/pw" "$V"

# -- a non-root caller: its own files in its own directory ---------------------
as_nobody() { setpriv --reuid=$NOBODY --regid=$NOBODY --clear-groups "$@"; }
cp "$V" "$B/s/vault.yml"; chown $NOBODY "$B/s/vault.yml"
expect_exit "as 65534: own password file and vault in own dir: accepted" 0 \
	as_nobody "$ENVSEAL" vault view --vault-password-file "$B/s/pw" "$B/s/vault.yml"
contains "as 65534: the vault opens" "db_pass: s3cr3t"
pwfile "$B/d0/pw_r" 0 0644
expect_exit "as 65534: root's file in root's dir: accepted" 0 \
	as_nobody "$ENVSEAL" vault view --vault-password-file "$B/d0/pw_r" "$V"
pwfile "$B/s/pw_daemon" 1 0644
refused "as 65534: a file owned by uid 1" 1 "owned by uid 1, not root or the caller; refused" \
	as_nobody "$ENVSEAL" vault view --vault-password-file "$B/s/pw_daemon" "$V"
