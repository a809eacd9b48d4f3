#!/bin/bash
# tests/cli/render_downgrade.sh — issue 9 finding 2: a plain YAML file put
# where the policy's encrypted vault belongs is refused by render and apply
# (exit 3, one line naming the vault, the old env file byte for byte, no
# audit "file" record), with a key given, with ANSIBLE_VAULT_ID_MATCH set,
# and with no key at all; so is an inline-values file without one !vault
# value. `allow_plaintext: true` in the env_files entry renders it as
# before; an encrypted vault and an inline file with one !vault value still
# render.
. "$TOP/tests/lib.sh"

is_root || { skip render_downgrade "needs root (chown)"; exit 0; }

use_base
W=$BASE
unset ANSIBLE_VAULT_ID_MATCH ANSIBLE_VAULT_IDENTITY_LIST ANSIBLE_VAULT_PASSWORD_FILE
T=/etc/veza/backend-api.env
PW=(--vault-password-file "$VECTORS/pw_correct_horse.txt")
# policy FILE VAULT [extra env_files lines...]
policy() {
	_f=$1 _v=$2; shift 2
	{
		printf 'envseal: 1\nenv_files:\n  - path: %s\n' "$T"
		printf '    vault: %s\n    owner: root\n    group: root\n    mode: "0600"\n' "$_v"
		for l in "$@"; do printf '    %s\n' "$l"; done
	} >"$_f"
}
# The attacker's file: the default mapping would render LD_PRELOAD.
printf 'LD_PRELOAD: /tmp/evil.so\ndb_password: attacker-chosen\n' >"$W/plain.yml"
# Inline values, none of them !vault.
printf 'db_password: "attacker-chosen"\nlog_level: info\n' >"$W/inline0.yml"
policy "$W/p.yml" "$W/plain.yml"
policy "$W/pi.yml" "$W/inline0.yml"
policy "$W/pa.yml" "$W/plain.yml" 'allow_plaintext: true'
policy "$W/pv.yml" "$VECTORS/a_v11_mapping.vault.yml"
policy "$W/pm.yml" "$VECTORS/c_mixed_inline.yml" 'vars:' '  DB_PASSWORD: db_password'
OLD='# old
DB_PASSWORD=the-old-one
'

# refused NAME POLICY ENV... -- ARGS... : render refused with exit 3, the
# vault named, the old env file and the audit log's file records untouched.
refused() {
	local name=$1 pol=$2 R before envs=()
	shift 2
	while [ "$1" != -- ]; do envs+=("$1"); shift; done
	shift
	R=$(mkroot etc/veza:0755) || exit 1
	printf '%s' "$OLD" >"$R$T"
	chmod 0600 "$R$T"
	before=$(sha256sum <"$R$T"; stat -c '%i %Y %a' "$R$T")
	expect_exit "$name: exit 3" 3 env "${envs[@]}" "$ENVSEAL" render --policy "$pol" --root "$R" "$@"
	contains "$name: names the vault and the rule" "is not encrypted"
	check "$name: one line" test "$(printf '%s\n' "$OUT" | grep -c .)" -eq 1
	check "$name: old env file byte for byte" test "$(sha256sum <"$R$T"; stat -c '%i %Y %a' "$R$T")" = "$before"
	check "$name: no LD_PRELOAD anywhere under the root" sh -c "! grep -rqa LD_PRELOAD '$R'"
	check "$name: no audit file record" sh -c "! grep -qs '\"event\":\"file\"' '$R/var/log/envseal/audit.jsonl'"
}

refused "plain, key given" "$W/p.yml" -- "${PW[@]}"
refused "plain, ANSIBLE_VAULT_ID_MATCH=1" "$W/p.yml" ANSIBLE_VAULT_ID_MATCH=1 -- "${PW[@]}"
refused "plain, no key" "$W/p.yml" -- --no-prompt
refused "inline file without a !vault value, key given" "$W/pi.yml" -- "${PW[@]}"
refused "inline file without a !vault value, no key" "$W/pi.yml" -- --no-prompt
# --vault overrides the file, not the rule.
refused "--vault plain over an encrypted policy vault" "$W/pv.yml" -- --vault "$W/plain.yml" "${PW[@]}"

# --check plans through the same worker: the same refusal.
R=$(mkroot etc/veza:0755) || exit 1
expect_exit "plain, --check: exit 3" 3 "$ENVSEAL" render --policy "$W/p.yml" --root "$R" "${PW[@]}" --check
contains "plain, --check: names the rule" "is not encrypted"

# A new env file is not created either.
R=$(mkroot etc/veza:0755) || exit 1
expect_exit "plain, no old env file: exit 3" 3 "$ENVSEAL" render --policy "$W/p.yml" --root "$R" "${PW[@]}"
check "plain, no old env file: none created" test ! -e "$R$T"

# The opt-out renders a plain file, with no key, as before.
R=$(mkroot etc/veza:0755) || exit 1
expect_exit "allow_plaintext: true renders plain, no key" 0 "$ENVSEAL" render --policy "$W/pa.yml" --root "$R" --no-prompt
check "allow_plaintext: content rendered" grep -qx 'DB_PASSWORD=attacker-chosen' "$R$T"
expect_exit "allow_plaintext: true renders plain, key given" 0 "$ENVSEAL" render --policy "$W/pa.yml" --root "$R" "${PW[@]}"
expect_exit "policy show prints allow_plaintext" 0 "$ENVSEAL" policy show --policy "$W/pa.yml"
contains "policy show: allow_plaintext: true" "allow_plaintext: true"
expect_exit "policy show of the default" 0 "$ENVSEAL" policy show
contains "the embedded default keeps allow_plaintext false" "allow_plaintext: false"
policy "$W/pbad.yml" "$W/plain.yml" 'allow_plaintext: "yes"'
expect_exit "allow_plaintext must be a boolean" 2 "$ENVSEAL" render --policy "$W/pbad.yml" --root "$R" --no-prompt
contains "the policy error names the key" "allow_plaintext"

# Encrypted content still renders.
R=$(mkroot etc/veza:0755) || exit 1
expect_exit "whole-file vault renders" 0 "$ENVSEAL" render --policy "$W/pv.yml" --root "$R" "${PW[@]}"
check "whole-file vault: content" grep -qx 'DB_PASS=s3cr3t' "$R$T"
R=$(mkroot etc/veza:0755) || exit 1
expect_exit "inline file with one !vault value renders" 0 "$ENVSEAL" render --policy "$W/pm.yml" --root "$R" "${PW[@]}"
check "inline file: the value decrypted" grep -q '^DB_PASSWORD=' "$R$T"
R=$(mkroot etc/veza:0755) || exit 1
expect_exit "whole-file vault, ANSIBLE_VAULT_ID_MATCH=1 renders" 0 env ANSIBLE_VAULT_ID_MATCH=1 "$ENVSEAL" render --policy "$W/pv.yml" --root "$R" "${PW[@]}"
# An encrypted vault with no key still says which source is missing.
R=$(mkroot etc/veza:0755) || exit 1
expect_exit "encrypted vault, no key: exit 1" 1 "$ENVSEAL" render --policy "$W/pv.yml" --root "$R" --no-prompt
contains "encrypted vault, no key: names the missing source" "no vault secret was given"

# apply (embedded default policy, relative vault path in the cwd).
mkdir -p "$W/work/group_vars"
cp "$W/plain.yml" "$W/work/group_vars/backend_api.vault.yml"
R=$(mkroot shadow) || exit 1
mkdir -p "$R/etc/veza"
printf '%s' "$OLD" >"$R$T"
chmod 0600 "$R$T"
before=$(sha256sum <"$R$T"; stat -c '%i %Y %a' "$R$T")
expect_exit "apply, plain default vault: exit 3" 3 sh -c 'cd "$1" && shift && exec "$@"' sh "$W/work" \
	"$ENVSEAL" apply --root "$R" "${PW[@]}"
contains "apply: names the vault" "group_vars/backend_api.vault.yml is not encrypted"
check "apply: old env file byte for byte" test "$(sha256sum <"$R$T"; stat -c '%i %Y %a' "$R$T")" = "$before"
check "apply: no audit file record for the env file" \
	sh -c "! grep -s '\"event\":\"file\"' '$R/var/log/envseal/audit.jsonl' | grep -q backend-api.env"
check "apply: no LD_PRELOAD under the root" sh -c "! grep -rqa LD_PRELOAD '$R'"
# An encrypted vault from the vectors (not `vault encrypt`: as root the
# vault commands audit to the host's /var/log/envseal).
cp "$VECTORS/e1_pwfile_newline.vault" "$W/work/group_vars/backend_api.vault.yml"
expect_exit "apply, encrypted default vault renders" 0 sh -c 'cd "$1" && shift && exec "$@"' sh "$W/work" \
	"$ENVSEAL" apply --root "$R" --vault-password-file "$VECTORS/pw_e_newline.txt"
check "apply, encrypted: the value rendered" grep -qx 'SECRET=value-e' "$R$T"
