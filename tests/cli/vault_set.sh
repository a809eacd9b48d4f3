#!/bin/bash
# tests/cli/vault_set.sh — `envseal vault set/unset`: exactly one value
# changes, as ansible reads it (ansible-vault view for whole-file vaults,
# ansible's own DataLoader for inline values); every other byte of an
# inline file stays; a value set to what it was keeps the file byte for
# byte (same inode); bad input changes nothing; the value never shows in
# output or the audit log, which names the key.
. "$TOP/tests/lib.sh"
scratch S
audit_root "$S/audit"
W="$S/w"; L="$S/logs"; mkdir "$W" "$L"
cd "$W" || exit 1
E=$ENVSEAL
PW=SetPwMarker4c1d
NEWVAL=SetNewValueMarker9e2a
GEN_LOG="$L/gen.out"
printf '%s\n' "$PW" >pw
command -v ansible-vault >/dev/null || { skip "vault set" "no ansible-vault (scripts/deps.sh)"; exit 0; }
# ansible's own Python (its #! line): the one that has its modules.
PY=$(sed -n '1s/^#! *//p' "$(command -v ansible-vault)")

# ansible_vals FILE : KEY=VALUE per top-level key, as ansible loads FILE
# (vault-encrypted file or inline !vault values), into $L/vals.
ansible_vals() {
	$PY - "$W/pw" "$1" >"$L/vals" 2>"$L/vals.err" <<'EOF'
import sys
from ansible.parsing.dataloader import DataLoader
from ansible.parsing.vault import VaultSecret
dl = DataLoader()
dl.set_vault_secrets([("default", VaultSecret(open(sys.argv[1], "rb").read().strip()))])
for k, v in dl.load_from_file(sys.argv[2]).items():
    print("%s=%s" % (k, v))
EOF
}
not() { ! "$@"; }
# without KEY FILE : FILE without KEY's lines (its line and the indented
# ones after it), to compare everything else byte for byte.
without() {
	awk -v k="$1:" '/^[^ ]/ { skip = (index($0, k) == 1) } !skip' "$2"
}

# --- inline values ---------------------------------------------------------
{
	echo "# vars of the api"
	echo "plain: hello"
	ansible-vault encrypt_string --vault-password-file pw 'OldOne' --name one 2>/dev/null; echo
	echo "# between"
	ansible-vault encrypt_string --vault-password-file pw 'OldTwo' --name two 2>/dev/null; echo
	echo "list:"
	echo "  - a"
	echo "last: x"
} >inline.yml
cp inline.yml inline.orig
printf '%s\n' "$NEWVAL" | $E vault set --vault-password-file pw inline.yml one >"$L/set1.out" 2>"$L/set1.err"
check "inline set: exit 0" [ $? -eq 0 ]
ansible_vals inline.yml
check "inline set: ansible reads the new value" grep -qx "one=$NEWVAL" "$L/vals"
check "inline set: ansible reads the other value unchanged" grep -qx "two=OldTwo" "$L/vals"
check "inline set: ansible reads plain and last unchanged" grep -qx -e "plain=hello" "$L/vals"
check "inline set: every byte outside one's lines unchanged" \
	cmp -s <(without one inline.orig) <(without one inline.yml)
check "inline set: one's lines did change" not cmp -s inline.orig inline.yml
check "inline set: the new value is a !vault literal block" grep -q '^one: !vault |$' inline.yml

cp inline.yml inline.before
ino=$(stat -c %i inline.yml)
printf '%s\n' "$NEWVAL" | $E vault set --vault-password-file pw inline.yml one >"$L/same.out" 2>"$L/same.err"
check "inline set, same value: exit 0" [ $? -eq 0 ]
check "inline set, same value: file byte for byte" cmp -s inline.before inline.yml
check "inline set, same value: same inode (not rewritten)" [ "$(stat -c %i inline.yml)" = "$ino" ]

$E vault set --vault-password-file pw --generate 32 --charset hex inline.yml three >"$GEN_LOG" 2>"$L/gen.err"
check "generate: exit 0" [ $? -eq 0 ]
check "generate: nothing on stdout without --print" [ ! -s "$GEN_LOG" ]
ansible_vals inline.yml
check "generate: ansible reads 32 hex characters" grep -qxE 'three=[0-9a-f]{32}' "$L/vals"
check "generate: added after the last key, the rest unchanged" \
	cmp -s <(without three inline.yml) inline.before
$E vault set --vault-password-file pw --generate 24 --charset urlsafe --print inline.yml four >"$L/print.out" 2>"$L/print.err"
ansible_vals inline.yml
check "generate --print: stdout is the value ansible reads" \
	grep -qx "four=$(cat "$L/print.out")" "$L/vals"

cp inline.yml inline.before
$E vault unset --vault-password-file pw inline.yml two >"$L/unset.out" 2>"$L/unset.err"
check "inline unset: exit 0" [ $? -eq 0 ]
ansible_vals inline.yml
check "inline unset: ansible has no two" not grep -q '^two=' "$L/vals"
check "inline unset: everything else byte for byte" \
	cmp -s <(without two inline.before) inline.yml
cp inline.yml inline.before
$E vault unset --vault-password-file pw inline.yml two >"$L/unset2.out" 2>"$L/unset2.err"
check "unset of a key not there: exit 0, file unchanged" \
	[ $? -eq 0 ] && cmp -s inline.before inline.yml

# --- whole-file vault ------------------------------------------------------
printf 'a: 1\nb: "two"\nc:\n  - x\n  - y\n# a comment\nd: four\n' >whole.pt
ansible-vault encrypt --vault-password-file pw --output whole.yml whole.pt 2>/dev/null
printf '%s' "$NEWVAL" | $E vault set --vault-password-file pw whole.yml b >"$L/w1.out" 2>"$L/w1.err"
check "whole-file set: exit 0" [ $? -eq 0 ]
ansible-vault view --vault-password-file pw whole.yml >"$L/w1.view" 2>&1
check "whole-file set: ansible-vault view shows exactly b changed" \
	diff <(sed "s/^b: .*/b: \"$NEWVAL\"/" whole.pt) "$L/w1.view"
check "whole-file set: still a 1.1 envelope" [ "$(head -1 whole.yml)" = '$ANSIBLE_VAULT;1.1;AES256' ]
cp whole.yml whole.before
ino=$(stat -c %i whole.yml)
printf '%s' "$NEWVAL" | $E vault set --vault-password-file pw whole.yml b >"$L/w2.out" 2>"$L/w2.err"
check "whole-file set, same value: file byte for byte, same inode" \
	cmp -s whole.before whole.yml && [ "$(stat -c %i whole.yml)" = "$ino" ]
$E vault unset --vault-password-file pw whole.yml c >"$L/w3.out" 2>"$L/w3.err"
ansible-vault view --vault-password-file pw whole.yml >"$L/w3.view" 2>&1
check "whole-file unset: c's lines gone, the rest as it was" \
	diff <(sed "s/^b: .*/b: \"$NEWVAL\"/; /^c:/d; /^  - /d" whole.pt) "$L/w3.view"

# labelled vault: the label is kept
printf 'k: v\n' >lab.pt
ansible-vault encrypt --vault-id prod@pw --output lab.yml lab.pt 2>/dev/null
printf 'v2' | $E vault set --vault-id prod@pw lab.yml k >"$L/lab.out" 2>"$L/lab.err"
check "labelled vault: label kept" [ "$(head -1 lab.yml)" = '$ANSIBLE_VAULT;1.2;AES256;prod' ]
check "labelled vault: ansible-vault reads k: \"v2\"" \
	[ "$(ansible-vault view --vault-id prod@pw lab.yml 2>/dev/null)" = 'k: "v2"' ]

# --- bad input: a clear error, nothing written ------------------------------
cp whole.yml whole.before; cp inline.yml inline.before
expect_exit "bad NAME: exit 2" 2 $E vault set --vault-password-file pw --generate 8 whole.yml 'a-b'
contains "bad NAME: says what is wrong" "NAME must be a variable name"
printf 'Wrong\n' >wrong
expect_exit "wrong password: exit 3" 3 $E vault set --vault-password-file wrong --generate 8 whole.yml b
printf '{a: 1, b: 2}\n' >flow.pt
ansible-vault encrypt --vault-password-file pw --output flow.yml flow.pt 2>/dev/null
cp flow.yml flow.before
expect_exit "flow mapping: exit 2" 2 $E vault set --vault-password-file pw --generate 8 flow.yml a
contains "flow mapping: names the key and the way out" "key a"
expect_exit "empty value: exit 2" 2 $E vault set --vault-password-file pw whole.yml b </dev/null
contains "empty value: says so" "empty value"
expect_exit "password and value both on stdin: exit 2" 2 $E vault set --vault-password-file - whole.yml b </dev/null
contains "password and value both on stdin: says so" "cannot both be read from stdin"
check "bad input: no file changed" cmp -s whole.before whole.yml && cmp -s inline.before inline.yml && cmp -s flow.before flow.yml
check "no temp file left beside the vaults" [ -z "$(ls -A "$W" | grep envseal-tmp)" ]

# --- secrets never in output; the audit log names the key --------------------
# legit: the values we asked for (--print, ansible's view of the files)
rm -f "$GEN_LOG" "$L/print.out" "$L/vals" "$L"/*.view
no_secret "value in no output" "$NEWVAL" "$L"
no_secret "password in no output" "$PW" "$L"
if is_root; then
	A="$S/audit/var/log/envseal/audit.jsonl"
	check "audit: the set of one recorded by key name" grep -q '"changed":\["one"\]' "$A"
	check "audit: the generated key recorded as added" grep -q '"added":\["three"\]' "$A"
	check "audit: the unset recorded as removed" grep -q '"removed":\["two"\]' "$A"
	no_secret "value not in the audit log" "$NEWVAL" "$S/audit"
	no_secret "password not in the audit log" "$PW" "$S/audit"
else
	skip "audit: key names" "not root: vault writes are not audited"
fi
exit 0
