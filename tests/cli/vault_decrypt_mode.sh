#!/bin/bash
# tests/cli/vault_decrypt_mode.sh — `vault decrypt` writes plaintext 0600
# whatever the vault's mode was (ansible-vault does the same): in place the
# owner is kept and a 0644 vault becomes 0600; --output to a new or to an
# existing 0644 file gives 0600 too. Encrypt in place keeps the mode (the
# result is ciphertext). Run as uid 65534 in a directory it owns, so no
# audit record reaches the host's log (the vault commands audit as root).
. "$TOP/tests/lib.sh"
V=$VECTORS

is_root || { skip vault_decrypt_mode "needs root (setpriv to uid 65534)"; exit 0; }
use_base
# vault decrypt as root is audited: in a scratch log, never the host's.
audit_root "$BASE/audit"
D=$BASE/w
mkdir "$D"
chown 65534:65534 "$D"
chmod 0700 "$D"
cp "$V/pw_correct_horse.txt" "$D/pw"
chown 65534:65534 "$D/pw"
chmod 0600 "$D/pw"
as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
pw=(--vault-password-file "$D/pw")

# In place: a 0644 vault.
cp "$V/a_v11_mapping.vault.yml" "$D/v.yml"
chown 65534:65534 "$D/v.yml"
chmod 0644 "$D/v.yml"
expect_exit "decrypt in place exit 0" 0 as_nobody "$ENVSEAL" vault decrypt "${pw[@]}" "$D/v.yml"
check "decrypt in place gives the plaintext" cmp -s "$D/v.yml" "$V/a_plain.yml"
check "decrypt in place of a 0644 vault gives 0600" test "$(stat -c %a "$D/v.yml")" = 600
check "decrypt in place keeps the owner" test "$(stat -c %u:%g "$D/v.yml")" = 65534:65534
check "uid 65534's neighbours cannot read it (no other bits)" test "$(( $(stat -c 0%a "$D/v.yml") & 077 ))" -eq 0

# Encrypt in place keeps the mode: ciphertext.
chmod 0644 "$D/v.yml"
expect_exit "encrypt in place exit 0" 0 as_nobody "$ENVSEAL" vault encrypt "${pw[@]}" "$D/v.yml"
check "encrypt in place keeps 0644" test "$(stat -c %a "$D/v.yml")" = 644

# --output to a new file.
expect_exit "decrypt --output new exit 0" 0 as_nobody "$ENVSEAL" vault decrypt "${pw[@]}" --output "$D/new.yml" "$D/v.yml"
check "decrypt --output new file gives the plaintext" cmp -s "$D/new.yml" "$V/a_plain.yml"
check "decrypt --output new file is 0600" test "$(stat -c %a "$D/new.yml")" = 600

# --output over an existing 0644 file.
printf 'old\n' >"$D/old.yml"
chown 65534:65534 "$D/old.yml"
chmod 0644 "$D/old.yml"
expect_exit "decrypt --output existing exit 0" 0 as_nobody "$ENVSEAL" vault decrypt "${pw[@]}" --output "$D/old.yml" "$D/v.yml"
check "decrypt --output over a 0644 file gives 0600" test "$(stat -c %a "$D/old.yml")" = 600
check "no temp file left" test -z "$(find "$D" -name '.envseal-tmp.*')"
