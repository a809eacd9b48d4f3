#!/bin/bash
# tests/cli/age_interop.sh — age v1 against the real age (1.1.1, Debian's
# `age`): age -r / -a / -p files open in envseal (vault view, decrypt,
# render); envseal's files (-r, -R, --armor, --age-passphrase) open with
# age -d; age-keygen identities work in envseal and envseal keygen's in
# age; payload sizes 0, 1, 65535, 65536, 65537, 1 MiB and one random size;
# several recipients, each able to decrypt. Then the failure rules: exit
# 2/3, nothing published by render, trusted identity files, no secret in
# any output. Peer calls are batched: one file per size, one loop.
. "$TOP/tests/lib.sh"

is_root || { skip age_interop "needs root (chown, render)"; exit 0; }
command -v age >/dev/null && command -v age-keygen >/dev/null ||
	{ skip age_interop "age not installed (scripts/deps.sh installs it)"; exit 0; }

use_base
W=$BASE
audit_root "$W/audit"
E=$ENVSEAL
cd "$W" || exit 1

age-keygen -o "$W/ak1" 2>/dev/null && age-keygen -o "$W/ak2" 2>/dev/null
"$E" keygen -o "$W/ek1" 2>"$W/keygen.err"
AR1=$(age-keygen -y "$W/ak1") AR2=$(age-keygen -y "$W/ak2")
ER1=$("$E" keygen -y "$W/ek1")

# --- keygen -------------------------------------------------------------
check "keygen -o: mode 0600" test "$(stat -c %a "$W/ek1")" = 600
check "keygen file: age-keygen's three lines" test \
	"$(sed -n '1s/^# created: 20[0-9-]*T[0-9:]*\(Z\|[-+][0-9:]*\)$/C/p;2s/^# public key: age1[a-z0-9]*$/P/p;3s/^AGE-SECRET-KEY-1[A-Z0-9]*$/S/p' "$W/ek1" | tr -d '\n')" = CPS
check "keygen -y equals the file's public key and age-keygen -y" test \
	"$ER1" = "$(age-keygen -y "$W/ek1")" -a "# public key: $ER1" = "$(sed -n 2p "$W/ek1")"
check "keygen -o: Public key on stderr" grep -qx "Public key: $ER1" "$W/keygen.err"
cp "$W/ek1" "$W/ek1.before"
expect_exit "keygen -o over an existing file refused" 1 "$E" keygen -o "$W/ek1"
check "keygen refused: the key is untouched" cmp -s "$W/ek1" "$W/ek1.before"
check "keygen -y of age-keygen's file equals age-keygen -y" test "$("$E" keygen -y "$W/ak1")" = "$AR1"

# --- sizes, both directions, X25519 ----------------------------------------
RND=$(( (RANDOM << 5 ^ RANDOM) % 300000 + 2 ))
echo "# random size this run: $RND"
for n in 0 1 65535 65536 65537 1048576 $RND; do
	head -c "$n" /dev/urandom >"$W/pt.$n"
	age -r "$AR1" -r "$ER1" -o "$W/a.$n" "$W/pt.$n"
	"$E" vault encrypt -r "$AR1" -r "$ER1" -r "$AR2" --output "$W/e.$n" "$W/pt.$n" 2>/dev/null
done
bad_a=; bad_e=; bad_k=
for n in 0 1 65535 65536 65537 1048576 $RND; do
	"$E" vault decrypt -i "$W/ak1" --output - "$W/a.$n" 2>/dev/null | cmp -s - "$W/pt.$n" || bad_a="$bad_a $n"
	"$E" vault decrypt -i "$W/ek1" --output - "$W/a.$n" 2>/dev/null | cmp -s - "$W/pt.$n" || bad_k="$bad_k $n"
	for k in ak1 ak2 ek1; do
		age -d -i "$W/$k" "$W/e.$n" 2>/dev/null | cmp -s - "$W/pt.$n" || bad_e="$bad_e $n/$k"
	done
done
check "age -r files decrypt in envseal (age-keygen identity), 7 sizes" test -z "$bad_a"
check "age -r files decrypt in envseal (envseal keygen identity)" test -z "$bad_k"
check "envseal -r files (3 recipients) decrypt with age -d -i, each key" test -z "$bad_e"
bad=
for k in ak1 ak2 ek1; do
	"$E" vault decrypt -i "$W/$k" --output - "$W/e.65537" 2>/dev/null | cmp -s - "$W/pt.65537" || bad="$bad $k"
done
check "envseal -r file: each of 3 recipients decrypts in envseal" test -z "$bad"
check "envseal's file: 3 X25519 stanzas" test "$(grep -ac '^-> X25519 ' "$W/e.1")" = 3

# --- armor ----------------------------------------------------------------
printf 'DB_PASS: "armor-secret-41"\nPORT: 5432\n' >"$W/vars.yml"
age -a -r "$AR2" -o "$W/arm.age" "$W/vars.yml"
expect_exit "age -a file: vault view -i exit 0" 0 "$E" vault view -i "$W/ak2" "$W/arm.age"
check "age -a file: plaintext exact" test "$OUT" = "$(cat "$W/vars.yml")"
cp "$W/vars.yml" "$W/arm2.yml"
printf '# fleet\n%s\n\n%s\n' "$AR1" "$ER1" >"$W/fleet.txt"
expect_exit "encrypt --armor -R FILE: exit 0" 0 "$E" vault encrypt --armor -R "$W/fleet.txt" "$W/arm2.yml"
check "encrypt --armor -R: PEM file" test "$(head -1 "$W/arm2.yml")" = "-----BEGIN AGE ENCRYPTED FILE-----"
check "envseal --armor file decrypts with age -d" cmp -s <(age -d -i "$W/ak1" "$W/arm2.yml") "$W/vars.yml"

# --- scrypt (age -p needs a terminal: script(1) gives it one) ------------
printf 'pass-age-77\n' >"$W/pw"; chmod 600 "$W/pw"
printf 'pass-age-77\npass-age-77\n' | script -qec "age -p -o $W/p.age $W/vars.yml" /dev/null >/dev/null 2>&1
check "age -p made an scrypt file" grep -aq '^-> scrypt ' "$W/p.age"
expect_exit "age -p file: vault view --vault-password-file exit 0" 0 "$E" vault view --vault-password-file "$W/pw" "$W/p.age"
check "age -p file: plaintext exact" test "$OUT" = "$(cat "$W/vars.yml")"
cp "$W/vars.yml" "$W/s.yml"
"$E" vault encrypt --age-passphrase --vault-password-file "$W/pw" "$W/s.yml" 2>/dev/null
check "--age-passphrase: one scrypt stanza, work factor 18" test "$(grep -a '^-> ' "$W/s.yml" | sed 's/^-> scrypt [A-Za-z0-9+/]* //')" = 18
# age redraws its prompt line (ESC [F ESC [K) before the plaintext.
got=$(printf 'pass-age-77\n' | script -qec "age -d $W/s.yml" /dev/null 2>/dev/null | tr -d '\r' | grep -a -o -e 'DB_PASS: .*' -e 'PORT: .*')
check "--age-passphrase file decrypts with age -d" test "$got" = "$(cat "$W/vars.yml")"
printf 'wrong\n' >"$W/pwbad"; chmod 600 "$W/pwbad"
expect_exit "scrypt file, wrong passphrase: exit 3" 3 "$E" vault view --vault-password-file "$W/pwbad" "$W/s.yml"

# --- credentials and the trusted-input rule ---------------------------------
mkdir -m 0700 "$W/creds"; cp "$W/ak2" "$W/creds/age-id"
expect_exit "--identity-credential opens the file" 0 env CREDENTIALS_DIRECTORY="$W/creds" "$E" vault view --identity-credential age-id "$W/arm.age"
expect_exit "--identity-credential without \$CREDENTIALS_DIRECTORY: exit 1" 1 env -u CREDENTIALS_DIRECTORY "$E" vault view --identity-credential age-id "$W/arm.age"
cp "$W/ak2" "$W/gw"; chmod 0620 "$W/gw"
expect_exit "group-writable identity file refused (exit 1)" 1 "$E" vault view -i "$W/gw" "$W/arm.age"
contains "refusal names the file and the rule" "$W/gw"
cp "$W/ak2" "$W/nob"; chown 65534 "$W/nob"
expect_exit "identity file owned by nobody refused" 1 "$E" vault view -i "$W/nob" "$W/arm.age"
grep -v AGE-SECRET "$W/ak2" >"$W/notid"; echo "AGE-SECRET-KEY-PQ-1HZLGZUPT4ETPKDEV8HSGFDCYZ4E522W0A7PU2LHT8EH9W6YLNC3SW78XKG" >>"$W/notid"
expect_exit "post-quantum identity: exit 2, unsupported, line named" 2 "$E" vault view -i "$W/notid" "$W/arm.age"
contains "post-quantum identity detail" "notid:3"

# --- failures: exit codes, nothing used -----------------------------------
expect_exit "no matching identity: exit 3" 3 "$E" vault view -i "$W/ak1" "$W/arm.age"
printf 'age-encryption.org/v1\n-> X25519 bad\nAAAA\n--- AAAA\n' >"$W/hdr.age"
expect_exit "malformed header: exit 2" 2 "$E" vault view -i "$W/ak1" "$W/hdr.age"
contains "malformed header detail names the file" "hdr.age"
sed 's/^-----BEGIN AGE ENCRYPTED FILE-----$/-----BEGIN AGE ENCRYPTED MESSAGE-----/' "$W/arm.age" >"$W/armbad.age"
expect_exit "wrong armor label: exit 2" 2 "$E" vault view -i "$W/ak2" "$W/armbad.age"
contains "wrong armor label: the armor rule is named" "age armor"
cp "$W/a.1048576" "$W/tail.age"
printf '\001' | dd of="$W/tail.age" bs=1 seek=$(( $(stat -c %s "$W/tail.age") - 1 )) conv=notrunc 2>/dev/null
expect_exit "last chunk tampered: exit 3" 3 "$E" vault decrypt -i "$W/ak1" --output "$W/tail.out" "$W/tail.age"
check "last chunk tampered: no output file" test ! -e "$W/tail.out"
contains "last chunk tampered: the payload rule is named" "age payload"
expect_exit "rekey of an age file: refused, exit 2" 2 "$E" vault rekey --vault-password-file "$W/pw" --new-vault-password-file "$W/pw" "$W/s.yml"
contains "rekey refusal says why" "an age file"
expect_exit "-i with encrypt refused (exit 2)" 2 "$E" vault encrypt -i "$W/ak1" -r "$AR1" "$W/pt.1"
contains "-i refusal names the option" "-i/--identity"
expect_exit "--age-passphrase with -r refused (exit 2)" 2 "$E" vault encrypt --age-passphrase -r "$AR1" "$W/pt.1"
contains "passphrase+recipient refusal says why" "exclude each other"
expect_exit "bad recipient: exit 2" 2 "$E" vault encrypt -r age1notarecipient --output - "$W/pt.1"
contains "bad recipient named" "age1notarecipient"
cp "$W/a.1" "$W/again.age"
expect_exit "encrypting an age file again refused" 2 "$E" vault encrypt -r "$AR1" "$W/again.age"
contains "already-age refusal says so" "already an age file"
expect_exit "an age file into Ansible Vault refused" 2 "$E" vault encrypt --vault-password-file "$W/pw" "$W/again.age"
contains "age into Ansible Vault: says already an age file" "already an age file"
check "refused: the age file untouched" cmp -s "$W/again.age" "$W/a.1"
expect_exit "age file, no key at all: exit 1" 1 "$E" vault view --no-prompt "$W/a.1"
contains "no key: the message names -i" "-i/--identity"

# --- render and apply take -i; a bad age vault publishes nothing -----------
R=$(mkroot etc/veza:0755) || exit 1
age -r "$AR1" -o "$W/v.age" "$W/vars.yml"
printf 'envseal: 1\nenv_files:\n  - path: /etc/veza/app.env\n    vault: %s\n    owner: root\n    group: root\n    mode: "0600"\n' "$W/v.age" >"$W/pol.yml"
expect_exit "render with an age vault and -i: exit 0" 0 "$E" render --policy "$W/pol.yml" --root "$R" -i "$W/ak1"
check "render: env file holds the age vault's values" grep -qx 'DB_PASS=armor-secret-41' "$R/etc/veza/app.env"
cp "$R/etc/veza/app.env" "$W/env.before"
printf 'DB_PASS: "armor-secret-42"\n' >"$W/vars2.yml"
age -r "$AR1" -o "$W/v2.age" "$W/vars2.yml"
head -c -1 "$W/v2.age" >"$W/v.age"   # one byte short: the last chunk fails
expect_exit "render, truncated age vault: exit 3" 3 "$E" render --policy "$W/pol.yml" --root "$R" -i "$W/ak1"
check "render, truncated age vault: env file untouched" cmp -s "$R/etc/veza/app.env" "$W/env.before"
age -r "$AR2" -o "$W/v.age" "$W/vars2.yml"
expect_exit "render, age vault for another host: exit 3" 3 "$E" render --policy "$W/pol.yml" --root "$R" -i "$W/ak1"
check "render, no match: env file untouched" cmp -s "$R/etc/veza/app.env" "$W/env.before"
expect_exit "render --identity-credential: exit 0" 0 env CREDENTIALS_DIRECTORY="$W/creds" "$E" render --policy "$W/pol.yml" --root "$R" --identity-credential age-id
check "render --identity-credential: new value" grep -qx 'DB_PASS=armor-secret-42' "$R/etc/veza/app.env"

# No secret in anything the commands printed or left beside the inputs.
"$E" vault view -i "$W/ak1" "$W/hdr.age" >"$W/o1" 2>&1
"$E" vault view -i "$W/ak1" "$W/arm.age" >"$W/o2" 2>&1
"$E" render --policy "$W/pol.yml" --root "$R" -i "$W/ak1" >"$W/o3" 2>&1
no_secret "no secret value in any output or the audit log" armor-secret-4 "$W/o1" "$W/o2" "$W/o3" "$W/audit" "$R/var"
no_secret "no identity in any output" "$(sed -n 3p "$W/ak1")" "$W/o1" "$W/o2" "$W/o3" "$W/audit"

# --- migrate: Ansible Vault (whole-file, inline) -> age, same plaintext -----
cp "$VECTORS/a_v11_mapping.vault.yml" "$W/m1.yml"
cp "$VECTORS/c_mixed_inline.yml" "$W/m2.yml"
"$E" vault view --vault-password-file "$VECTORS/pw_correct_horse.txt" "$W/m1.yml" >"$W/m1.want" 2>/dev/null
"$E" vault view --vault-password-file "$VECTORS/pw_correct_horse.txt" "$W/m2.yml" >"$W/m2.want" 2>/dev/null
chmod 0640 "$W/m1.yml"
expect_exit "migrate two vaults to two recipients: exit 0" 0 "$E" vault migrate --vault-password-file "$VECTORS/pw_correct_horse.txt" -r "$AR1" -r "$ER1" "$W/m1.yml" "$W/m2.yml"
check "migrate: whole-file vault is now age" test "$(head -1 "$W/m1.yml")" = "age-encryption.org/v1"
check "migrate: whole-file plaintext unchanged (age -d)" cmp -s <(age -d -i "$W/ak1" "$W/m1.yml") "$W/m1.want"
check "migrate: inline-value file, values kept (age -d = vault view)" cmp -s <(age -d -i "$W/ak1" "$W/m2.yml") "$W/m2.want"
check "migrate: mode kept (and the file is age)" test "$(stat -c %a "$W/m1.yml")" = 640 -a "$(head -c 21 "$W/m1.yml")" = age-encryption.org/v1
check "migrate: the other recipient opens it in envseal" cmp -s <("$E" vault view -i "$W/ek1" "$W/m1.yml" 2>/dev/null) "$W/m1.want"
cp "$VECTORS/a_v11_mapping.vault.yml" "$W/m3.yml"
expect_exit "migrate with the wrong password: exit 3" 3 "$E" vault migrate --vault-password-file "$VECTORS/pw_prod.txt" -r "$AR1" "$W/m3.yml"
check "migrate failed: file untouched" cmp -s "$W/m3.yml" "$VECTORS/a_v11_mapping.vault.yml"
expect_exit "migrate without -r: exit 2" 2 "$E" vault migrate --vault-password-file "$VECTORS/pw_correct_horse.txt" "$W/m3.yml"
contains "migrate without -r says what it takes" "migrate takes -r"

# --- recipients in the policy, vault reencrypt --policy ----------------------
# payload FILE: the bytes after the header (the MAC line is "--- " + 43 + LF).
payload() { tail -c +$(( $(grep -abo -- '^--- ' "$1" | head -1 | cut -d: -f1) + 49 )) "$1"; }
cp "$W/vars.yml" "$W/rv.yml"
"$E" vault encrypt -r "$AR1" -r "$ER1" "$W/rv.yml" 2>/dev/null
pol() { # the recipients list, as YAML flow items
	printf 'envseal: 1\nenv_files:\n  - path: /etc/veza/app.env\n    vault: %s\n    owner: root\n    group: root\n    mode: "0600"\n    recipients: [%s]\n' "$W/rv.yml" "$1" >"$W/rpol.yml"
}
pol "$AR1, $ER1"
cp "$W/rv.yml" "$W/rv.0"
expect_exit "reencrypt, same recipients: exit 0" 0 "$E" vault reencrypt --policy "$W/rpol.yml" -i "$W/ak1"
contains "reencrypt, same recipients: says unchanged" "recipients unchanged"
check "reencrypt, same recipients: file byte for byte" cmp -s "$W/rv.yml" "$W/rv.0"
printf '# the new host\n%s\n' "$AR2" >"$W/new-host.txt"
pol "$AR1, $ER1, $W/new-host.txt"
expect_exit "reencrypt, a recipient added (from a file): exit 0" 0 "$E" vault reencrypt --policy "$W/rpol.yml" -i "$W/ek1"
contains "reencrypt, added: says re-wrapped, payload kept" "payload kept byte for byte"
check "reencrypt, added: payload byte for byte" cmp -s <(payload "$W/rv.0") <(payload "$W/rv.yml")
check "reencrypt, added: the new host decrypts with age -d" cmp -s <(age -d -i "$W/ak2" "$W/rv.yml") "$W/vars.yml"
check "reencrypt, added: an old host still decrypts in envseal" cmp -s <("$E" vault view -i "$W/ak1" "$W/rv.yml" 2>/dev/null) "$W/vars.yml"
cp "$W/rv.yml" "$W/rv.1"
pol "$AR1, $W/new-host.txt"
expect_exit "reencrypt, a recipient removed: exit 0" 0 "$E" vault reencrypt --policy "$W/rpol.yml" -i "$W/ak1"
contains "reencrypt, removed: says rotate the secrets" "rotate the secrets themselves"
check "reencrypt, removed: a new payload" test "$(payload "$W/rv.1" | sha256sum)" != "$(payload "$W/rv.yml" | sha256sum)"
expect_exit "reencrypt, removed: the removed host is refused (exit 3)" 3 "$E" vault view -i "$W/ek1" "$W/rv.yml"
check "reencrypt, removed: the others decrypt with age -d" cmp -s <(age -d -i "$W/ak2" "$W/rv.yml") "$W/vars.yml"
age -r "$AR1" -o "$W/rv.yml" "$W/vars.yml"
expect_exit "reencrypt of age's own file (no record): exit 0" 0 "$E" vault reencrypt --policy "$W/rpol.yml" -i "$W/ak1"
contains "reencrypt, no record: new key, says so" "records none"
check "reencrypt, no record: both recipients decrypt (age -d)" cmp -s <(age -d -i "$W/ak2" "$W/rv.yml") "$W/vars.yml"
cp "$W/rv.yml" "$W/rv.2"
pol "$AR1, $ER1"
expect_exit "reencrypt without a matching identity: exit 3" 3 "$E" vault reencrypt --policy "$W/rpol.yml" -i "$W/ek1"
check "reencrypt refused: file untouched" cmp -s "$W/rv.yml" "$W/rv.2"
pol "$AR1, age1nope"
expect_exit "reencrypt, bad recipient in the policy: exit 2" 2 "$E" vault reencrypt --policy "$W/rpol.yml" -i "$W/ak1"
contains "bad policy recipient named" "recipients[1]"
check "bad policy recipient: file untouched" cmp -s "$W/rv.yml" "$W/rv.2"

# The test build's fixed salt would fix an age file's key, shares and nonce.
if [ -x "$ENVSEAL_TEST" ]; then
	expect_exit "test build: --test-fixed-salt with -r refused" 2 "$ENVSEAL_TEST" vault encrypt --test-fixed-salt 00112233445566778899aabbccddeeff -r "$AR1" --output - "$W/pt.1"
	contains "fixed salt refusal says why" "for Ansible Vault"
else
	skip "test build: --test-fixed-salt with -r refused" "build/envseal-test not built"
fi
