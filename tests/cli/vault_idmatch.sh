#!/bin/bash
# tests/cli/vault_idmatch.sh — ANSIBLE_VAULT_ID_MATCH and
# ANSIBLE_VAULT_ENCRYPT_IDENTITY (and --encrypt-vault-id) against the real
# ansible-vault on the same inputs: vaults ansible-vault encrypted with
# labels, several --vault-id sources, the match on and off, matching and
# non-matching labels, the encrypt identity set and unset. Each case: both
# tools succeed or both fail; on success the same plaintext, or the same
# label in the new envelope's header and a body only the chosen key opens.
# envseal's failures are exit 3 (wrong key) or 2 (no such vault-id). No
# planted password appears in any output.
. "$TOP/tests/lib.sh"

command -v ansible-vault >/dev/null || { skip vault_idmatch "ansible-vault not installed"; exit 0; }

use_base
audit_root "$BASE/audit"
S=$BASE
# Only the settings under test, and no ansible.cfg from the cwd or $HOME.
unset ANSIBLE_VAULT_ID_MATCH ANSIBLE_VAULT_ENCRYPT_IDENTITY ANSIBLE_VAULT_IDENTITY \
	ANSIBLE_VAULT_IDENTITY_LIST ANSIBLE_VAULT_PASSWORD_FILE
: >"$S/ansible.cfg"
export ANSIBLE_CONFIG="$S/ansible.cfg"
export ANSIBLE_LOCAL_TEMP="$S/atmp" HOME="$S"
mkdir -p "$S/out"

# Planted passwords: none may appear in any output.
SP='Idm-prod-Q7x!k2' SD='Idm-dev-Z3k#m8' SF='Idm-def-W9p%r4' SN='Idm-new-H5t&v1'
printf '%s\n' "$SP" >"$S/pp"; printf '%s\n' "$SD" >"$S/pd"
printf '%s\n' "$SF" >"$S/pf"; printf '%s\n' "$SN" >"$S/pn"
chmod 0600 "$S/pp" "$S/pd" "$S/pf" "$S/pn"
printf 'db_user: admin\ndb_pass: s3cr3t-idm\n' >"$S/plain.yml"

mk() { # mk NAME VAULT-ID-ARGS... : ansible-vault encrypts plain.yml
	_f=$1; shift
	cp "$S/plain.yml" "$S/$_f"
	ansible-vault encrypt "$@" "$S/$_f" >/dev/null 2>&1
}
mk vp --vault-id "prod@$S/pp"           # 1.2;prod under pp
mk vd --vault-id "dev@$S/pd"            # 1.2;dev under pd
mk v11 --vault-password-file "$S/pf"    # 1.1 (default) under pf
mk vmis --vault-id "prod@$S/pd"         # labelled prod, but pd's key
check "ansible-vault made the labelled vaults" [ "$(head -1 "$S/vp")" = '$ANSIBLE_VAULT;1.2;AES256;prod' ] \
	&& [ "$(head -1 "$S/v11")" = '$ANSIBLE_VAULT;1.1;AES256' ] && [ "$(head -1 "$S/vmis")" = '$ANSIBLE_VAULT;1.2;AES256;prod' ]

n=0
# same NAME WANT MATCH -- ARGS... : `vault view ARGS` by both tools with
# ANSIBLE_VAULT_ID_MATCH=MATCH ("-": unset). WANT ok|fail is ansible's
# result, checked too, so a case that stops testing what it says fails.
same() {
	local name=$1 want=$2 m=$3 ra re; shift 4
	n=$((n + 1))
	if [ "$m" = - ]; then
		env -u ANSIBLE_VAULT_ID_MATCH ansible-vault view "$@" >"$S/out/a$n" 2>"$S/out/a$n.err"; ra=$?
		env -u ANSIBLE_VAULT_ID_MATCH "$ENVSEAL" vault view "$@" >"$S/out/e$n" 2>"$S/out/e$n.err"; re=$?
	else
		ANSIBLE_VAULT_ID_MATCH=$m ansible-vault view "$@" >"$S/out/a$n" 2>"$S/out/a$n.err"; ra=$?
		ANSIBLE_VAULT_ID_MATCH=$m "$ENVSEAL" vault view "$@" >"$S/out/e$n" 2>"$S/out/e$n.err"; re=$?
	fi
	if [ "$want" = ok ] && [ $ra -eq 0 ] && [ $re -eq 0 ] && cmp -s "$S/out/a$n" "$S/out/e$n" \
		&& grep -q 's3cr3t-idm' "$S/out/e$n"; then ok "$name: both open it, same plaintext"
	elif [ "$want" = fail ] && [ $ra -ne 0 ] && [ $re -eq 3 ] && [ ! -s "$S/out/e$n" ]; then
		ok "$name: both refuse (envseal exit 3)"
	else notok "$name" "want $want; ansible-vault $ra, envseal $re: $(head -2 "$S/out/e$n.err")"; fi
}

# -- ANSIBLE_VAULT_ID_MATCH off: every secret is a candidate
same "off: label listed second" ok - -- --vault-id "dev@$S/pd" --vault-id "prod@$S/pp" "$S/vp"
same "off: right key, wrong label" ok - -- --vault-id "dev@$S/pp" "$S/vp"
same "off: mislabelled vault" ok - -- --vault-id "prod@$S/pp" --vault-id "dev@$S/pd" "$S/vmis"
same "off: 1.1 vault, labelled secret" ok - -- --vault-id "prod@$S/pf" "$S/v11"
same "off: wrong key" fail - -- --vault-id "prod@$S/pd" "$S/vp"
# -- on: only secrets of the vault's own label
same "on: label listed second" ok 1 -- --vault-id "dev@$S/pd" --vault-id "prod@$S/pp" "$S/vp"
same "on: right key, wrong label" fail 1 -- --vault-id "dev@$S/pp" "$S/vp"
same "on: mislabelled vault (dev's key not tried)" fail 1 -- --vault-id "prod@$S/pp" --vault-id "dev@$S/pd" "$S/vmis"
same "on: 1.1 vault, labelled secret" fail 1 -- --vault-id "prod@$S/pf" "$S/v11"
same "on: 1.1 vault, --vault-password-file (default)" ok 1 -- --vault-id "prod@$S/pp" --vault-password-file "$S/pf" "$S/v11"
same "on: 1.1 vault, unlabelled --vault-id (default)" ok 1 -- --vault-id "$S/pf" "$S/v11"
same "on: two secrets of the label, second right" ok 1 -- --vault-id "prod@$S/pd" --vault-id "prod@$S/pp" "$S/vp"
ANSIBLE_VAULT_IDENTITY_LIST="prod@$S/pp,dev@$S/pd" same "on: ANSIBLE_VAULT_IDENTITY_LIST" ok 1 -- "$S/vd"
ANSIBLE_VAULT_IDENTITY_LIST="prod@$S/pd" same "on: ANSIBLE_VAULT_IDENTITY_LIST, no dev" fail 1 -- "$S/vd"
# -- ansible's reading of the value: any non-empty string after unquoting
same "'false' turns it on" fail false -- --vault-id "dev@$S/pp" "$S/vp"
same "'0' turns it on" fail 0 -- --vault-id "dev@$S/pp" "$S/vp"
same "'no' turns it on" fail no -- --vault-id "dev@$S/pp" "$S/vp"
same "' ' turns it on" fail ' ' -- --vault-id "dev@$S/pp" "$S/vp"
same "empty is off" ok '' -- --vault-id "dev@$S/pp" "$S/vp"
same "'\"\"' (unquoted: empty) is off" ok '""' -- --vault-id "dev@$S/pp" "$S/vp"
same "\"''\" (unquoted: empty) is off" ok "''" -- --vault-id "dev@$S/pp" "$S/vp"

# -- decrypt to a file and rekey: the same rule, nothing written on refusal
cp "$S/vp" "$S/vp.copy"
expect_exit "on: decrypt refused, exit 3" 3 env ANSIBLE_VAULT_ID_MATCH=1 "$ENVSEAL" vault decrypt --vault-id "dev@$S/pp" "$S/vp.copy"
contains "refusal names the vault's label and the loaded labels" "vault label prod; tried: none); ANSIBLE_VAULT_ID_MATCH is set: only secrets of the vault's label are tried (loaded: dev)"
check "on: decrypt refused, file unchanged" cmp -s "$S/vp" "$S/vp.copy"
cp "$S/vp" "$S/vp.copy"
expect_exit "on: rekey refused, exit 3" 3 env ANSIBLE_VAULT_ID_MATCH=yes "$ENVSEAL" vault rekey --vault-id "dev@$S/pp" --new-vault-password-file "$S/pn" "$S/vp.copy"
check "on: rekey refused, file unchanged" cmp -s "$S/vp" "$S/vp.copy"
expect_exit "ansible refuses the same rekey" 1 env ANSIBLE_VAULT_ID_MATCH=yes ansible-vault rekey --vault-id "dev@$S/pp" --new-vault-password-file "$S/pn" "$S/vp.copy"
expect_exit "on: rekey with the label" 0 env ANSIBLE_VAULT_ID_MATCH=yes "$ENVSEAL" vault rekey --vault-id "dev@$S/pd" --vault-id "prod@$S/pp" --new-vault-password-file "$S/pn" "$S/vp.copy"
expect_exit "ansible opens the rekeyed file with the new key" 0 ansible-vault view --vault-password-file "$S/pn" "$S/vp.copy"
# A vaulted password file is opened under the same rule, as ansible's loader.
cp "$S/pf" "$S/pfv"; ansible-vault encrypt --vault-id "prod@$S/pp" "$S/pfv" >/dev/null 2>&1
same "on: vaulted password file opened by its label" ok 1 -- --vault-id "prod@$S/pp" --vault-password-file "$S/pfv" "$S/v11"

# -- inline !vault values: envseal's view against ansible's DataLoader
APY=$(head -1 "$(command -v ansible-vault)" | sed 's/^#! *//; s/ .*//')
{ echo "plain: 1"; "$ENVSEAL" vault encrypt-string --vault-id "prod@$S/pp" --name tok 'inline-idm'; } >"$S/inl.yml" 2>/dev/null
# inl NAME WANT MATCH LABEL@FILE... : ansible's DataLoader (with
# ANSIBLE_VAULT_ID_MATCH=MATCH, "-" unset) and envseal's view read tok.
inl() {
	local name=$1 want=$2 m=$3 ra re a e spec; shift 3
	local ids=() ; for spec in "$@"; do ids+=(--vault-id "$spec"); done
	n=$((n + 1))
	a=$( { [ "$m" = - ] && unset ANSIBLE_VAULT_ID_MATCH || export ANSIBLE_VAULT_ID_MATCH=$m
		"$APY" - "$S/inl.yml" "$@" <<'PY'
import sys
from ansible.parsing.dataloader import DataLoader
from ansible.parsing.vault import VaultSecret
l = DataLoader()
l.set_vault_secrets([(s.split("@")[0], VaultSecret(open(s.split("@", 1)[1], "rb").read().strip())) for s in sys.argv[2:]])
sys.stdout.write(str(l.load_from_file(sys.argv[1])["tok"]))
PY
	} 2>"$S/out/a$n.err"); ra=$?
	e=$( { [ "$m" = - ] && unset ANSIBLE_VAULT_ID_MATCH || export ANSIBLE_VAULT_ID_MATCH=$m
		"$ENVSEAL" vault view "${ids[@]}" "$S/inl.yml"; } 2>"$S/out/e$n.err"); re=$?
	printf '%s' "$a" >"$S/out/a$n"; printf '%s' "$e" >"$S/out/e$n"
	if [ "$want" = ok ] && [ $ra -eq 0 ] && [ $re -eq 0 ] && [ "$a" = inline-idm ] && [ "$e" = 'plain: 1
tok: "inline-idm"' ]; then ok "$name: both read the value"
	elif [ "$want" = fail ] && [ $ra -ne 0 ] && [ $re -eq 3 ] && [ -z "$e" ]; then ok "$name: both refuse (envseal exit 3)"
	else notok "$name" "want $want; ansible $ra '$a', envseal $re: $(head -2 "$S/out/e$n.err")"; fi
}
inl "inline, off: right key, wrong label" ok - "dev@$S/pp"
inl "inline, on: right key, wrong label" fail 1 "dev@$S/pp"
inl "inline, on: the label's secret second" ok 1 "dev@$S/pd" "prod@$S/pp"

# -- render: the worker gets the flag
if is_root; then
	R=$(mkroot etc/app:0755) || exit 1
	printf 'envseal: 1\nenv_files:\n  - path: /etc/app/app.env\n    vault: %s\n    owner: root\n    group: root\n    mode: "0600"\n' "$S/vp" >"$S/pol.yml"
	expect_exit "render, off: right key under another label" 0 "$ENVSEAL" render --policy "$S/pol.yml" --root "$R" --vault-id "dev@$S/pp"
	check "render wrote the value" grep -q '^DB_PASS=s3cr3t-idm$' "$R/etc/app/app.env"
	rm -f "$R/etc/app/app.env"
	expect_exit "render, on: same key refused, exit 3" 3 env ANSIBLE_VAULT_ID_MATCH=1 "$ENVSEAL" render --policy "$S/pol.yml" --root "$R" --vault-id "dev@$S/pp"
	contains "render refusal names the label and the loaded labels" "vault label prod; tried: none); ANSIBLE_VAULT_ID_MATCH is set: only secrets of the vault's label are tried (loaded: dev)"
	check "render, on: nothing written" [ ! -e "$R/etc/app/app.env" ]
	expect_exit "render, on: the label's secret" 0 env ANSIBLE_VAULT_ID_MATCH=1 "$ENVSEAL" render --policy "$S/pol.yml" --root "$R" --vault-id "dev@$S/pd" --vault-id "prod@$S/pp"
else skip "render with ANSIBLE_VAULT_ID_MATCH" "needs root (chown)"; fi

# -- encrypt: which secret (ansible's match_encrypt_secret)
# enc NAME WANT EID KEY -- ARGS... : `vault encrypt ARGS` of plain.yml by
# both tools with ANSIBLE_VAULT_ENCRYPT_IDENTITY=EID ("-": unset). ok: the
# same header line, and KEY alone opens both outputs to the plaintext.
enc() {
	local name=$1 want=$2 eid=$3 key=$4 ra re ha he; shift 5
	n=$((n + 1))
	rm -f "$S/out/ea$n" "$S/out/ee$n"
	if [ "$eid" = - ]; then
		env -u ANSIBLE_VAULT_ENCRYPT_IDENTITY ansible-vault encrypt "$@" --output "$S/out/ea$n" "$S/plain.yml" >"$S/out/a$n" 2>&1; ra=$?
		env -u ANSIBLE_VAULT_ENCRYPT_IDENTITY "$ENVSEAL" vault encrypt "$@" --output "$S/out/ee$n" "$S/plain.yml" >"$S/out/e$n" 2>&1; re=$?
	else
		ANSIBLE_VAULT_ENCRYPT_IDENTITY=$eid ansible-vault encrypt "$@" --output "$S/out/ea$n" "$S/plain.yml" >"$S/out/a$n" 2>&1; ra=$?
		ANSIBLE_VAULT_ENCRYPT_IDENTITY=$eid "$ENVSEAL" vault encrypt "$@" --output "$S/out/ee$n" "$S/plain.yml" >"$S/out/e$n" 2>&1; re=$?
	fi
	if [ "$want" = ok ] && [ $ra -eq 0 ] && [ $re -eq 0 ]; then
		ha=$(head -1 "$S/out/ea$n"); he=$(head -1 "$S/out/ee$n")
		if [ "$ha" = "$he" ] && opens "$key" "$S/out/ea$n" && opens "$key" "$S/out/ee$n"
		then ok "$name: both encrypt, header '${he#\$ANSIBLE_VAULT;}', the same key"
		else notok "$name" "headers '$ha' / '$he', or $key does not open both"; fi
	elif [ "$want" = fail ] && [ $ra -ne 0 ] && [ $re -eq 2 ] && [ ! -e "$S/out/ee$n" ]; then
		ok "$name: both refuse (envseal exit 2)"
	else notok "$name" "want $want; ansible-vault $ra, envseal $re: $(head -2 "$S/out/e$n")"; fi
}
opens() { # opens KEYFILE VAULT : KEYFILE alone opens VAULT to plain.yml
	ansible-vault view --vault-password-file "$1" "$2" 2>/dev/null | cmp -s - "$S/plain.yml"
}
TWO=(--vault-id "prod@$S/pp" --vault-id "dev@$S/pd")
enc "one secret, nothing chosen" ok - "$S/pp" -- --vault-id "prod@$S/pp"
enc "two secrets, nothing chosen" fail - - -- "${TWO[@]}"
enc "two secrets, identity dev" ok dev "$S/pd" -- "${TWO[@]}"
enc "two secrets, identity prod" ok prod "$S/pp" -- "${TWO[@]}"
enc "--encrypt-vault-id beats the identity" ok dev "$S/pp" -- "${TWO[@]}" --encrypt-vault-id prod
enc "empty --encrypt-vault-id: the identity" ok dev "$S/pd" -- "${TWO[@]}" --encrypt-vault-id ''
enc "identity unquoted" ok '"dev"' "$S/pd" -- "${TWO[@]}"
enc "empty identity: unset" fail '' - -- "${TWO[@]}"
enc "empty identity, one secret" ok '' "$S/pd" -- --vault-id "dev@$S/pd"
enc "one secret, identity names another" fail stage - -- --vault-id "prod@$S/pp"
enc "two secrets, identity names neither" fail stage - -- "${TWO[@]}"
enc "identity default: 1.1 header" ok default "$S/pf" -- --vault-id "prod@$S/pp" --vault-password-file "$S/pf"
enc "two of one label: the first" ok prod "$S/pd" -- --vault-id "prod@$S/pd" --vault-id "prod@$S/pp"
enc "two of one label, nothing chosen" fail - - -- --vault-id "prod@$S/pd" --vault-id "prod@$S/pp"
enc "three secrets, identity dev" ok dev "$S/pd" -- --vault-id "prod@$S/pp" --vault-id "dev@$S/pd" --vault-password-file "$S/pf"
ANSIBLE_VAULT_IDENTITY_LIST="prod@$S/pp,dev@$S/pd" ANSIBLE_VAULT_PASSWORD_FILE="$S/pf" \
	enc "secrets from both env vars, identity default" ok default "$S/pf" --
expect_exit "refusal names the loaded labels" 2 env ANSIBLE_VAULT_ENCRYPT_IDENTITY=stage "$ENVSEAL" vault encrypt "${TWO[@]}" --output - "$S/plain.yml"
contains "refusal names the chosen and loaded labels" "no vault secret has the vault-id stage chosen to encrypt with (--encrypt-vault-id or ANSIBLE_VAULT_ENCRYPT_IDENTITY); loaded: prod, dev"
expect_exit "several and none chosen: named" 2 "$ENVSEAL" vault encrypt "${TWO[@]}" --output - "$S/plain.yml"
contains "several and none chosen: the labels" "the vault-ids prod, dev are available to encrypt"

# encrypt-string: the header inside the !vault block
for eid in dev prod; do
	ANSIBLE_VAULT_ENCRYPT_IDENTITY=$eid ansible-vault encrypt_string "${TWO[@]}" --name k 'v-idm' >"$S/out/esa" 2>/dev/null
	ANSIBLE_VAULT_ENCRYPT_IDENTITY=$eid "$ENVSEAL" vault encrypt-string "${TWO[@]}" --name k 'v-idm' >"$S/out/ese" 2>/dev/null
	check "encrypt-string, identity $eid: same header" [ "$(sed -n 2p "$S/out/esa")" = "$(sed -n 2p "$S/out/ese")" ] \
		&& [ "$(sed -n 2p "$S/out/ese")" = "          \$ANSIBLE_VAULT;1.2;AES256;$eid" ]
done

# -- rekey: ansible picks the new secret by the identity among
# ANSIBLE_VAULT_IDENTITY_LIST, --new-*, ANSIBLE_VAULT_PASSWORD_FILE
# rk NAME WANT EID KEY -- ARGS... : `vault rekey ARGS` of a copy of vp.
rk() {
	local name=$1 want=$2 eid=$3 key=$4 ra re ha he; shift 5
	n=$((n + 1))
	cp "$S/vp" "$S/out/ra$n"; cp "$S/vp" "$S/out/re$n"
	if [ "$eid" = - ]; then
		env -u ANSIBLE_VAULT_ENCRYPT_IDENTITY ansible-vault rekey "$@" "$S/out/ra$n" >"$S/out/a$n" 2>&1; ra=$?
		env -u ANSIBLE_VAULT_ENCRYPT_IDENTITY "$ENVSEAL" vault rekey "$@" "$S/out/re$n" >"$S/out/e$n" 2>&1; re=$?
	else
		ANSIBLE_VAULT_ENCRYPT_IDENTITY=$eid ansible-vault rekey "$@" "$S/out/ra$n" >"$S/out/a$n" 2>&1; ra=$?
		ANSIBLE_VAULT_ENCRYPT_IDENTITY=$eid "$ENVSEAL" vault rekey "$@" "$S/out/re$n" >"$S/out/e$n" 2>&1; re=$?
	fi
	if [ "$want" = ok ] && [ $ra -eq 0 ] && [ $re -eq 0 ]; then
		ha=$(head -1 "$S/out/ra$n"); he=$(head -1 "$S/out/re$n")
		if [ "$ha" = "$he" ] && opens "$key" "$S/out/ra$n" && opens "$key" "$S/out/re$n"
		then ok "$name: both rekey, header '${he#\$ANSIBLE_VAULT;}', the same key"
		else notok "$name" "headers '$ha' / '$he', or $key does not open both"; fi
	elif [ "$want" = fail ] && [ $ra -ne 0 ] && [ $re -eq 2 ] && cmp -s "$S/vp" "$S/out/re$n"; then
		ok "$name: both refuse (envseal exit 2, file unchanged)"
	else notok "$name" "want $want; ansible-vault $ra, envseal $re: $(head -2 "$S/out/e$n")"; fi
}
rk "rekey, identity names no new secret" fail prod - -- --vault-id "prod@$S/pp" --new-vault-password-file "$S/pn"
rk "rekey, identity default" ok default "$S/pn" -- --vault-id "prod@$S/pp" --new-vault-password-file "$S/pn"
rk "rekey, identity = --new-vault-id's label" ok stage "$S/pn" -- --vault-id "prod@$S/pp" --new-vault-id "stage@$S/pn"
rk "rekey, --encrypt-vault-id" ok - "$S/pn" -- --vault-id "prod@$S/pp" --new-vault-id "stage@$S/pn" --encrypt-vault-id stage
rk "rekey, --encrypt-vault-id names none" fail - - -- --vault-id "prod@$S/pp" --new-vault-id "stage@$S/pn" --encrypt-vault-id prod
ANSIBLE_VAULT_IDENTITY_LIST="x@$S/pd,prod@$S/pp" rk "rekey, identity from ANSIBLE_VAULT_IDENTITY_LIST" ok x "$S/pd" -- --new-vault-password-file "$S/pn"
ANSIBLE_VAULT_PASSWORD_FILE="$S/pf" rk "rekey, identity default from ANSIBLE_VAULT_PASSWORD_FILE" ok default "$S/pf" -- --vault-id "prod@$S/pp" --new-vault-id "stage@$S/pn"

# -- no planted password in any output
no_secret "prod's password in no output" "$SP" "$S/out"
no_secret "dev's password in no output" "$SD" "$S/out"
no_secret "default's password in no output" "$SF" "$S/out"
no_secret "the new password in no output" "$SN" "$S/out"
