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
