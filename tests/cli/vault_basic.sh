#!/bin/bash
# tests/cli/vault_basic.sh — envseal vault against the vectors: every
# vector decrypts, g1-g4 encrypt byte-exact, in-place writes keep owner
# (and mode, except decrypt's plaintext: 0600), bad input fails with the right status and writes nothing.
. "$TOP/tests/lib.sh"
V=$VECTORS
# lib.sh's scratch() sets its trap inside the $(...) subshell, which
# removes the directory at once; make our own.
S=$(mktemp -d /tmp/envseal-vault.XXXXXX)
trap 'rm -rf "$S"' EXIT
audit_root "$S/audit"
pwc="--vault-password-file $V/pw_correct_horse.txt"
pwp="--vault-password-file $V/pw_prod.txt"

# -- every vector decrypts to its plaintext
dec() { # NAME VAULT PLAIN ARGS...
	n=$1 v=$2 p=$3; shift 3
	if "$ENVSEAL" vault decrypt --output - "$@" "$V/$v" >"$S/out" 2>"$S/err" &&
	    cmp -s "$S/out" "$V/$p"; then ok "$n"; else notok "$n" "$(cat "$S/err")"; fi
}
dec "decrypt a (1.1)" a_v11_mapping.vault.yml a_plain.yml $pwc
dec "decrypt b (1.2 prod)" b_v12_prod.vault.yml b_plain.yml $pwp
dec "decrypt d (empty)" d_empty.vault d_plain_empty.txt $pwc
dec "decrypt e1 (pw with newline)" e1_pwfile_newline.vault e_plain.yml --vault-password-file "$V/pw_e_newline.txt"
dec "decrypt e2 (pw without newline)" e2_pwfile_nonewline.vault e_plain.yml --vault-password-file "$V/pw_e_nonewline.txt"
dec "decrypt e1 (pw with odd whitespace)" e1_pwfile_newline.vault e_plain.yml --vault-password-file "$V/pw_e_whitespace.txt"
dec "decrypt e2 (pw with odd whitespace)" e2_pwfile_nonewline.vault e_plain.yml --vault-password-file "$V/pw_e_whitespace.txt"
dec "decrypt f (special bytes)" f_special_wholefile.vault f_raw_value.bin --vault-password-file "$V/pw_f.txt"
dec "decrypt g1" g1_fixed_salt_v11.vault a_plain.yml $pwc
dec "decrypt g2" g2_fixed_salt_v12_prod.vault b_plain.yml $pwp
dec "decrypt g3" g3_fixed_salt_empty.vault d_plain_empty.txt $pwc
dec "decrypt g4" g4_fixed_salt_16byte_plain.vault g4_plain_16.txt $pwc
dec "decrypt b with a wrong secret listed first" b_v12_prod.vault.yml b_plain.yml $pwc $pwp

# -- inline values: same YAML, each !vault replaced by a quoted scalar
expect_exit "view c (inline)" 0 "$ENVSEAL" vault view $pwc "$V/c_mixed_inline.yml"
contains "view c: value quoted" 'db_password: "Tr0ub4dor&3"'
contains "view c: other lines untouched" 'nested:
  inner_plain: "x"'
expect_exit "view h (inline 1.2)" 0 "$ENVSEAL" vault view $pwp "$V/h_inline_v12_prod_numeric.yml"
contains "view h: 42 stays a string" 'port_secret: "42"'
"$ENVSEAL" vault view --vault-password-file "$V/pw_f.txt" "$V/f_special_inline.yml" >"$S/f.yml" 2>/dev/null
if python3 -c '
import sys, yaml
d = yaml.safe_load(open(sys.argv[1], "rb"))
sys.exit(0 if d["special_value"].encode() == open(sys.argv[2], "rb").read() else 1)' "$S/f.yml" "$V/f_raw_value.bin"
then ok "view f inline: PyYAML reads the exact value back"; else notok "view f inline: PyYAML reads the exact value back"; fi

# -- g1-g4 encrypt byte for byte with the fixed salt of the test build
# (build/envseal-test); the release binary has no such option.
s0=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
s2=ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100
enc() { # NAME PLAIN EXPECT SALT ARGS...
	n=$1 p=$2 e=$3 s=$4; shift 4
	if "$ENVSEAL_TEST" vault encrypt --test-fixed-salt "$s" --output - "$@" "$V/$p" >"$S/out" 2>"$S/err" &&
	    cmp -s "$S/out" "$V/$e"; then ok "$n"; else notok "$n" "$(cat "$S/err")"; fi
}
enc "encrypt g1 byte-exact" a_plain.yml g1_fixed_salt_v11.vault $s0 $pwc
enc "encrypt g2 byte-exact (label prod)" b_plain.yml g2_fixed_salt_v12_prod.vault $s2 --vault-id "prod@$V/pw_prod.txt"
enc "encrypt g3 byte-exact (empty)" d_plain_empty.txt g3_fixed_salt_empty.vault $s0 $pwc
enc "encrypt g4 byte-exact (16 bytes)" g4_plain_16.txt g4_fixed_salt_16byte_plain.vault $s0 $pwc
"$ENVSEAL" vault --help >"$S/help" 2>&1
if grep -q test-fixed-salt "$S/help"; then notok "--help hides the test salt"; else ok "--help hides the test salt"; fi
expect_exit "release binary: --test-fixed-salt is unknown (exit 2)" 2 \
	"$ENVSEAL" vault encrypt --test-fixed-salt $s0 --output - $pwc "$V/a_plain.yml"
contains "release binary: --test-fixed-salt is unknown (message)" "unknown option '--test-fixed-salt'"
case "$OUT" in *'$ANSIBLE_VAULT'*) notok "release binary: --test-fixed-salt encrypts nothing" ;;
*) ok "release binary: --test-fixed-salt encrypts nothing" ;; esac
check "release binary holds no test-fixed-salt string" \
	sh -c "! grep -a -q test-fixed-salt '$ENVSEAL'"

# -- in place: owner and mode kept, atomic, round trip
cp "$V/a_plain.yml" "$S/w.yml"
chmod 0640 "$S/w.yml"
# Another user's file: root uses it as that user's sudo (the trusted-input
# rule of fs/fs.h refuses it otherwise).
if is_root; then chown 1234:2345 "$S/w.yml"; export SUDO_UID=1234; fi
expect_exit "encrypt in place" 0 "$ENVSEAL" vault encrypt $pwc "$S/w.yml"
check "encrypted file is a vault" grep -q '^\$ANSIBLE_VAULT;1.1;AES256$' "$S/w.yml"
check "encrypt keeps mode 0640" [ "$(stat -c %a "$S/w.yml")" = 640 ]
if is_root; then check "encrypt keeps owner" [ "$(stat -c %u:%g "$S/w.yml")" = 1234:2345 ]
else skip "encrypt keeps owner" "needs root"; fi
cp "$S/w.yml" "$S/w.before"
expect_exit "encrypt refuses a vault" 2 "$ENVSEAL" vault encrypt $pwc "$S/w.yml"
contains "encrypt refusal names the file" "w.yml"
check "refused encrypt wrote nothing" cmp -s "$S/w.yml" "$S/w.before"
expect_exit "decrypt in place" 0 "$ENVSEAL" vault decrypt $pwc "$S/w.yml"
check "decrypt in place gives the plaintext" cmp -s "$S/w.yml" "$V/a_plain.yml"
check "decrypt makes it 0600 (plaintext)" [ "$(stat -c %a "$S/w.yml")" = 600 ]
if is_root; then check "decrypt keeps owner" [ "$(stat -c %u:%g "$S/w.yml")" = 1234:2345 ]
else skip "decrypt keeps owner" "needs root"; fi
check "no temp file left" [ "$(ls -A "$S" | grep -c envseal-tmp)" = 0 ]
unset SUDO_UID

# inline file decrypted in place
cp "$V/c_mixed_inline.yml" "$S/c.yml"
expect_exit "decrypt inline in place" 0 "$ENVSEAL" vault decrypt $pwc "$S/c.yml"
check "inline decrypt result" grep -qx 'db_password: "Tr0ub4dor&3"' "$S/c.yml"

# -- labels: refused when not ASCII or with ';'
expect_exit "encrypt refuses ';' label" 2 "$ENVSEAL" vault encrypt --vault-id "a;b@$V/pw_prod.txt" --output - "$V/a_plain.yml"
expect_exit "encrypt refuses non-ASCII label" 2 "$ENVSEAL" vault encrypt --vault-id "prød@$V/pw_prod.txt" --output - "$V/a_plain.yml"
expect_exit "two secrets need --encrypt-vault-id" 2 "$ENVSEAL" vault encrypt $pwc --vault-id "prod@$V/pw_prod.txt" --output - "$V/a_plain.yml"
expect_exit "--encrypt-vault-id picks" 0 "$ENVSEAL" vault encrypt $pwc --vault-id "prod@$V/pw_prod.txt" --encrypt-vault-id prod --output - "$V/a_plain.yml"
contains "--encrypt-vault-id label in header" '$ANSIBLE_VAULT;1.2;AES256;prod'

# -- encrypt-string: ansible's format
printf 'Tr0ub4dor&3' >"$S/pt"
expect_exit "encrypt-string --stdin-name" 0 sh -c "'$ENVSEAL' vault encrypt-string $pwc --stdin-name db_password <'$S/pt' >'$S/es.yml'"
check "encrypt-string header line" [ "$(head -1 "$S/es.yml")" = "db_password: !vault |" ]
check "encrypt-string 10-space indent" [ "$(sed -n 2p "$S/es.yml")" = '          $ANSIBLE_VAULT;1.1;AES256' ]
expect_exit "encrypt-string output reads back" 0 "$ENVSEAL" vault view $pwc "$S/es.yml"
contains "encrypt-string value" 'db_password: "Tr0ub4dor&3"'
expect_exit "encrypt-string --name with argument" 0 "$ENVSEAL" vault encrypt-string $pwc --name k1 v1
contains "encrypt-string --name" 'k1: !vault |'
expect_exit "encrypt-string refuses empty" 2 "$ENVSEAL" vault encrypt-string $pwc --name k1 ''

# -- bad input: right status, nothing written
bad() { # NAME STATUS FILE
	cp "$3" "$S/bad.before"
	expect_exit "$1" "$2" "$ENVSEAL" vault decrypt ${BADPW:-$pwc} "$3"
	if cmp -s "$3" "$S/bad.before"; then ok "$1: file unchanged"; else notok "$1: file unchanged"; fi
}
cp "$V/a_v11_mapping.vault.yml" "$S/v"
BADPW="--vault-password-file $V/pw_prod.txt" bad "wrong password" 3 "$S/v"
expect_exit "wrong password names labels tried" 3 "$ENVSEAL" vault decrypt --vault-password-file "$V/pw_prod.txt" "$S/v"
contains "error names the file and labels" "v: no vault secret opened it (vault label default; tried: default)"
flip() { # OFFSET -> $S/flip
	cp "$V/a_v11_mapping.vault.yml" "$S/flip"
	c=$(dd if="$S/flip" bs=1 skip="$1" count=1 2>/dev/null)
	if [ "$c" = 0 ]; then n=1; else n=0; fi
	printf '%s' "$n" | dd of="$S/flip" bs=1 seek="$1" conv=notrunc 2>/dev/null
}
flip 30; bad "flipped bit in salt" 3 "$S/flip"
# inner: 64 salt hex + LF = 65 bytes -> outer 130 chars; the MAC follows
flip 170; bad "flipped bit in MAC" 3 "$S/flip"
flip 450; bad "flipped bit in ciphertext" 3 "$S/flip"
lines=$(wc -l <"$V/a_v11_mapping.vault.yml")
tbad=0
for i in $(seq 1 $((lines - 1))); do
	head -n "$i" "$V/a_v11_mapping.vault.yml" >"$S/t"
	cp "$S/t" "$S/t.before"
	"$ENVSEAL" vault decrypt $pwc "$S/t" >/dev/null 2>&1
	rc=$?
	if [ $rc -ne 3 ] || ! cmp -s "$S/t" "$S/t.before"; then tbad=$((tbad + 1)); fi
done
check "truncation at every line: status 3, unchanged" [ "$tbad" = 0 ]
sed '2s/^./g/' "$V/a_v11_mapping.vault.yml" >"$S/hex"; bad "bad hex" 3 "$S/hex"
: >"$S/empty"; bad "empty file" 2 "$S/empty"
printf '\357\273\277' | cat - "$V/a_v11_mapping.vault.yml" >"$S/bom"; bad "BOM" 2 "$S/bom"
printf ' ' | cat - "$V/a_v11_mapping.vault.yml" >"$S/lead"; bad "leading space" 2 "$S/lead"
sed 's/AES256/AES128/' "$V/a_v11_mapping.vault.yml" >"$S/ciph"; bad "other cipher" 3 "$S/ciph"
# A valid MAC over bad padding: hand-made with python's cryptography.
if python3 - "$S/pad" <<'PY' 2>/dev/null
import sys, hmac, hashlib, binascii
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
pw, salt = b"correct horse", bytes(range(32))
dk = hashlib.pbkdf2_hmac("sha256", pw, salt, 10000, 80)
pt = b"A" * 13 + b"\x02\x02\x03"
e = Cipher(algorithms.AES(dk[:32]), modes.CTR(dk[64:])).encryptor()
ct = e.update(pt) + e.finalize()
mac = hmac.new(dk[32:64], ct, hashlib.sha256).digest()
inner = b"\n".join(binascii.hexlify(x) for x in (salt, mac, ct))
outer = binascii.hexlify(inner)
body = b"\n".join(outer[i:i + 80] for i in range(0, len(outer), 80))
open(sys.argv[1], "wb").write(b"$ANSIBLE_VAULT;1.1;AES256\n" + body + b"\n")
PY
then bad "bad padding behind a valid MAC" 3 "$S/pad"
else skip "bad padding behind a valid MAC" "python3 cryptography missing"; fi
# > 64 MiB: a size-limit error, status 2, nothing written
head -c $((64 * 1024 * 1024 + 10)) /dev/zero | tr '\0' 'a' >"$S/huge"
sed -i '1s/^/$ANSIBLE_VAULT;1.1;AES256\n/' "$S/huge"
sz=$(stat -c %s "$S/huge")
expect_exit "huge file refused" 2 "$ENVSEAL" vault decrypt $pwc "$S/huge"
contains "huge file: limit error" "bytes"
check "huge file unchanged" [ "$(stat -c %s "$S/huge")" = "$sz" ]
rm -f "$S/huge"

# multi-file decrypt is all-or-nothing
cp "$V/a_v11_mapping.vault.yml" "$S/m1"; cp "$V/b_v12_prod.vault.yml" "$S/m2"
expect_exit "multi-file decrypt with one bad key" 3 "$ENVSEAL" vault decrypt $pwc "$S/m1" "$S/m2"
check "first file untouched when the second fails" cmp -s "$S/m1" "$V/a_v11_mapping.vault.yml"
expect_exit "usage: no file" 2 "$ENVSEAL" vault decrypt $pwc
expect_exit "usage: unknown subcommand" 2 "$ENVSEAL" vault frobnicate
expect_exit "usage: --output with two files" 2 "$ENVSEAL" vault decrypt $pwc --output - "$S/m1" "$S/m2"

# -- the same paths once more under ASan+UBSan (leaks too)
if [ -x "${ENVSEAL_ASAN:-}" ]; then
	cp "$V/c_mixed_inline.yml" "$S/asan.yml"; cp "$V/a_plain.yml" "$S/asan2.yml"
	expect_exit "asan: view inline" 0 "$ENVSEAL_ASAN" vault view $pwc "$S/asan.yml"
	expect_exit "asan: rekey inline" 0 "$ENVSEAL_ASAN" vault rekey $pwc --new-vault-password-file "$V/pw_prod.txt" "$S/asan.yml"
	expect_exit "asan: encrypt" 0 "$ENVSEAL_ASAN" vault encrypt $pwp "$S/asan2.yml"
	expect_exit "asan: decrypt" 0 "$ENVSEAL_ASAN" vault decrypt $pwp --output - "$S/asan2.yml"
	expect_exit "asan: wrong key" 3 "$ENVSEAL_ASAN" vault decrypt $pwc "$S/asan2.yml"
	expect_exit "asan: encrypt-string" 0 "$ENVSEAL_ASAN" vault encrypt-string $pwc --name a b
else skip "asan CLI runs" "build-asan/envseal not built"; fi
