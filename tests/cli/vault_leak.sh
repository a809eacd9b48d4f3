#!/bin/bash
# tests/cli/vault_leak.sh — plant secrets (passwords and plaintext
# values), run every envseal vault command including failing ones, and
# search every stdout, stderr, leftover file and the audit log for them.
# Only the plaintext a command was asked for (view, decrypt) may hold a
# value, and only where it was asked to go.
. "$TOP/tests/lib.sh"
S=$(mktemp -d /tmp/envseal-vault.XXXXXX)
trap 'rm -rf "$S"' EXIT
audit_root "$S/audit"
L="$S/logs"; W="$S/work"; mkdir "$L" "$W"
PW=PwLeakMarker5b1e
WPW=WrongPwMarker77a2
VAL=ValueLeakMarkerc0d9
printf '%s\n' "$PW" >"$W/pw"
printf '%s\n' "$WPW" >"$W/wrong"
printf 'new%s\n' "$PW" >"$W/newpw"
printf '#!/bin/sh\necho %s\nexit 9\n' "$PW" >"$W/bad.sh"; chmod 755 "$W/bad.sh"
printf 'db_password: %s\nport: 1\n' "$VAL" >"$W/whole.yml"
run() { # NAME CMD... : stdout -> $L/NAME.out, stderr -> $L/NAME.err
	_n=$1; shift
	(cd "$W" && "$@") >"$L/$_n.out" 2>"$L/$_n.err"
	echo $? >"$L/$_n.rc"
}
E=$ENVSEAL
run enc $E vault encrypt --vault-password-file pw whole.yml
{ echo "plain: x"; printf '%s' "$VAL" | $E vault encrypt-string --vault-password-file "$W/pw" --stdin-name inline_secret; echo; } >"$W/inline.yml" 2>"$L/es.err"
run es2 $E vault encrypt-string --vault-password-file pw --name n "$VAL-arg"
cp "$W/whole.yml" "$W/whole2.yml"; cp "$W/inline.yml" "$W/inline2.yml"
run view $E vault view --vault-password-file pw whole.yml inline.yml
run decout $E vault decrypt --vault-password-file pw --output - whole.yml
run wrong $E vault view --vault-password-file wrong whole.yml inline.yml
run wrong_inline $E vault decrypt --vault-password-file wrong inline2.yml
run badscript $E vault view --vault-password-file bad.sh whole.yml
run rekey $E vault rekey --vault-password-file pw --new-vault-password-file newpw whole2.yml inline2.yml
run rekey_wrong $E vault rekey --vault-password-file wrong --new-vault-password-file newpw whole2.yml
run decin $E vault decrypt --vault-password-file newpw whole2.yml
run enc_again $E vault encrypt --vault-password-file pw inline.yml
run nosecret $E vault view --no-prompt whole.yml
# a non-UTF-8 inline value cannot be written as YAML: error, no value
printf '%s\377' "$VAL" >"$W/raw"
{ echo "a: 1"; $E vault encrypt-string --vault-password-file "$W/pw" --stdin-name bin <"$W/raw"; echo; } >"$W/bin.yml" 2>/dev/null
run nonutf8 $E vault decrypt --vault-password-file pw --output - bin.yml
# a truncated inline envelope
head -n 4 "$W/inline.yml" >"$W/trunc.yml"
run trunc $E vault view --vault-password-file pw trunc.yml

check "view succeeded" [ "$(cat "$L/view.rc")" = 0 ]
check "view printed the value (the user's request)" grep -q "$VAL" "$L/view.out"
check "wrong key: status 3" [ "$(cat "$L/wrong.rc")" = 3 ]
check "failing script: status 1" [ "$(cat "$L/badscript.rc")" = 1 ]
check "rekey with wrong key: status 3" [ "$(cat "$L/rekey_wrong.rc")" = 3 ]
check "non-UTF-8 inline: refused" [ "$(cat "$L/nonutf8.rc")" != 0 ]
check "decrypt of the rekeyed file worked" grep -q "$VAL" "$W/whole2.yml"
rm -f "$W/whole2.yml"   # the one file we asked to hold plaintext

# Legit plaintext destinations: view.out, decout.out. Everything else:
legit="$L/view.out $L/decout.out"
# (the password files and the raw input are where we planted them)
others=$(ls "$L"/* "$W"/* | grep -v -x -F -e "$L/view.out" -e "$L/decout.out" \
	-e "$W/raw" -e "$W/pw" -e "$W/wrong" -e "$W/newpw" -e "$W/bad.sh")
for s in "$PW" "$WPW" "$VAL"; do
	no_secret "no '$s' in other outputs or files" "$s" $others
	no_secret "no '$s' in stderr of plaintext commands" "$s" "$L/view.err" "$L/decout.err"
done
no_secret "password not in plaintext outputs" "$PW" $legit
check "no temp files left" [ "$(ls -A "$W" | grep -c '^\.envseal-tmp')" = 0 ]
# The audit log is the scratch one (audit_root above), never the host's.
if is_root; then
	for s in "$PW" "$WPW" "$VAL"; do
		no_secret "no '$s' in the audit log" "$s" "$ENVSEAL_AUDIT_ROOT/var/log/envseal/audit.jsonl"
	done
else skip "audit log leak check" "no audit log (not root)"; fi
