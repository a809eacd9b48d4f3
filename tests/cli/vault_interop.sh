#!/bin/bash
# tests/cli/vault_interop.sh — envseal vault against the real ansible-vault
# (ansible-core 2.14): 200 random plaintexts both ways, labels, password
# files with odd whitespace, scripts and -client scripts, both environment
# variables, rekey, and inline values read by ansible's own DataLoader.
# ansible-vault costs ~250 ms a call, so files go to it in batches.
. "$TOP/tests/lib.sh"
V=$VECTORS
if ! command -v ansible-vault >/dev/null 2>&1; then
	skip "vault interop" "ansible-vault not installed"
	exit 0
fi
S=$(mktemp -d /tmp/envseal-vault.XXXXXX)
trap 'rm -rf "$S"' EXIT
audit_root "$S/audit"
export ANSIBLE_LOCAL_TEMP="$S/.ansible-tmp" ANSIBLE_NOCOLOR=1
unset ANSIBLE_VAULT_PASSWORD_FILE ANSIBLE_VAULT_IDENTITY_LIST
printf '  s3cret pass \t\r\n\n' >"$S/pw"        # strips to "s3cret pass"
printf 'other-key\n' >"$S/pw2"

# -- 200 random plaintexts: block edges, 0, every byte value
mkdir "$S/a" "$S/b" "$S/orig"
python3 - "$S/orig" <<'PY'
import os, random, sys
d = sys.argv[1]
lengths = [0, 1, 15, 16, 17, 31, 32, 33, 47, 48, 63, 64, 65, 255, 256, 4095, 4096, 5000]
rng = random.Random(int.from_bytes(os.urandom(8), "big"))
while len(lengths) < 200:
    lengths.append(rng.randint(0, 5000))
for i, n in enumerate(lengths):
    b = bytes(rng.getrandbits(8) for _ in range(n))
    if i == 2:
        b = bytes(range(256)) * 2    # every byte value, twice
    # ansible refuses plaintext that starts with the vault magic
    open(os.path.join(d, "p%03d" % i), "wb").write(b)
PY
cp "$S"/orig/* "$S/a/"; cp "$S"/orig/* "$S/b/"
files_a=$(ls "$S"/a/p* | sort); files_b=$(ls "$S"/b/p* | sort)

# ours -> ansible
expect_exit "envseal encrypts 200 files" 0 "$ENVSEAL" vault encrypt --vault-password-file "$S/pw" $files_a
expect_exit "ansible-vault decrypts all 200" 0 ansible-vault decrypt --vault-password-file "$S/pw" $files_a
bad=0; for f in $files_a; do cmp -s "$f" "$S/orig/$(basename "$f")" || bad=$((bad + 1)); done
check "ours -> ansible: 200 round trips byte-exact" [ "$bad" = 0 ]

# ansible -> ours
expect_exit "ansible-vault encrypts 200 files" 0 ansible-vault encrypt --vault-password-file "$S/pw" $files_b
expect_exit "envseal decrypts all 200" 0 "$ENVSEAL" vault decrypt --vault-password-file "$S/pw" $files_b
bad=0; for f in $files_b; do cmp -s "$f" "$S/orig/$(basename "$f")" || bad=$((bad + 1)); done
check "ansible -> ours: 200 round trips byte-exact" [ "$bad" = 0 ]

# -- labels both ways
cp "$V/b_plain.yml" "$S/l1"; cp "$V/b_plain.yml" "$S/l2"
"$ENVSEAL" vault encrypt --vault-id "prod@$S/pw" "$S/l1" 2>/dev/null
check "envseal writes 1.2;prod" [ "$(head -1 "$S/l1")" = '$ANSIBLE_VAULT;1.2;AES256;prod' ]
ansible-vault encrypt --vault-id "prod@$S/pw" "$S/l2" >/dev/null 2>&1
check "both tools agree on the header" [ "$(head -1 "$S/l1")" = "$(head -1 "$S/l2")" ]
expect_exit "ansible reads our labelled vault" 0 ansible-vault view --vault-id "prod@$S/pw" "$S/l1"
expect_exit "we read ansible's labelled vault" 0 "$ENVSEAL" vault view --vault-id "dev@$S/pw2" --vault-id "prod@$S/pw" "$S/l2"
check "labelled plaintext" cmp -s <("$ENVSEAL" vault view --vault-id "prod@$S/pw" "$S/l2" 2>/dev/null) "$V/b_plain.yml"

# -- password scripts: stdout, trailing CR/LF stripped only
cat >"$S/pwscript.sh" <<'SH'
#!/bin/sh
printf 's3cret pass\r\n'
SH
chmod 755 "$S/pwscript.sh"
cp "$V/e_plain.yml" "$S/sc"
"$ENVSEAL" vault encrypt --vault-password-file "$S/pwscript.sh" "$S/sc" 2>/dev/null
expect_exit "ansible opens a script-keyed vault with the same script" 0 ansible-vault view --vault-password-file "$S/pwscript.sh" "$S/sc"
expect_exit "script secret equals the stripped file secret" 0 "$ENVSEAL" vault view --vault-password-file "$S/pw" "$S/sc"
cat >"$S/spaces.sh" <<'SH'
#!/bin/sh
printf 's3cret pass  \n'
SH
chmod 755 "$S/spaces.sh"
expect_exit "script output keeps trailing spaces (not the same key)" 3 "$ENVSEAL" vault view --vault-password-file "$S/spaces.sh" "$S/sc"
expect_exit "ansible agrees" 1 ansible-vault view --vault-password-file "$S/spaces.sh" "$S/sc"
cat >"$S/fail.sh" <<'SH'
#!/bin/sh
echo "do-not-print-me"
exit 7
SH
chmod 755 "$S/fail.sh"
expect_exit "failing script: error" 1 "$ENVSEAL" vault view --vault-password-file "$S/fail.sh" "$S/sc"
contains "failing script named" "fail.sh: exited with status 7"
case "$OUT" in *do-not-print-me*) notok "failing script output not shown" ;; *) ok "failing script output not shown" ;; esac

# -- -client scripts: run as SCRIPT --vault-id LABEL; exit 2 = unknown id
cat >"$S/keys-client.py" <<SH
#!/bin/sh
echo "\$*" >>"$S/client.log"
if [ "\$2" = prod ] || [ "\$2" = default ]; then printf 's3cret pass\n'; exit 0; fi
if [ \$# -eq 0 ]; then printf 's3cret pass\n'; exit 0; fi
exit 2
SH
chmod 755 "$S/keys-client.py"
: >"$S/client.log"
expect_exit "client script with label" 0 "$ENVSEAL" vault view --vault-id "prod@$S/keys-client.py" "$S/l1"
expect_exit "client script via --vault-password-file" 0 "$ENVSEAL" vault view --vault-password-file "$S/keys-client.py" "$S/sc"
expect_exit "bare client script" 0 "$ENVSEAL" vault view --vault-id "$S/keys-client.py" "$S/sc"
check "client argv: --vault-id prod, --vault-id default, none" [ "$(cat "$S/client.log" | tr '\n' '|')" = "--vault-id prod|--vault-id default||" ]
expect_exit "client exit 2: unknown id" 1 "$ENVSEAL" vault view --vault-id "nope@$S/keys-client.py" "$S/sc"
contains "client exit 2 message" "has no secret for vault-id nope"
expect_exit "ansible accepts the same client" 0 ansible-vault view --vault-id "prod@$S/keys-client.py" "$S/l1"

# -- environment variables, ansible's order
expect_exit "ANSIBLE_VAULT_PASSWORD_FILE" 0 env ANSIBLE_VAULT_PASSWORD_FILE="$S/pw" "$ENVSEAL" vault view "$S/sc"
expect_exit "ANSIBLE_VAULT_IDENTITY_LIST" 0 env ANSIBLE_VAULT_IDENTITY_LIST="dev@$S/pw2,prod@$S/pw" "$ENVSEAL" vault view "$S/l1"
expect_exit "ansible reads the same env list" 0 env ANSIBLE_VAULT_IDENTITY_LIST="dev@$S/pw2,prod@$S/pw" ansible-vault view "$S/l1"

# -- rekey: opens with the new key in ansible, not with the old
cp "$S/l1" "$S/rk"; chmod 0604 "$S/rk"
printf 'brand-new\n' >"$S/pwnew"
expect_exit "rekey" 0 "$ENVSEAL" vault rekey --vault-id "prod@$S/pw" --new-vault-password-file "$S/pwnew" "$S/rk"
check "rekey keeps the label" [ "$(head -1 "$S/rk")" = '$ANSIBLE_VAULT;1.2;AES256;prod' ]
check "rekey keeps the mode" [ "$(stat -c %a "$S/rk")" = 604 ]
expect_exit "ansible opens the rekeyed file with the new key" 0 ansible-vault view --vault-password-file "$S/pwnew" "$S/rk"
expect_exit "ansible refuses the old key" 1 ansible-vault view --vault-password-file "$S/pw" "$S/rk"
expect_exit "rekey to a new label" 0 "$ENVSEAL" vault rekey --vault-password-file "$S/pwnew" --new-vault-id "stage@$S/pw2" "$S/rk"
check "rekey new label" [ "$(head -1 "$S/rk")" = '$ANSIBLE_VAULT;1.2;AES256;stage' ]
expect_exit "ansible opens with the new id" 0 ansible-vault view --vault-id "stage@$S/pw2" "$S/rk"

# -- inline: our encrypt-string and our inline rekey, read by ansible
# ansible's own interpreter (its shebang), not whatever python3 is first.
APY=$(head -1 "$(command -v ansible-vault)" | sed 's/^#! *//; s/ .*//')
python_load() { # FILE KEY PW -> prints the value ansible's DataLoader gives
	"$APY" - "$@" <<'PY'
import sys
from ansible.parsing.dataloader import DataLoader
from ansible.parsing.vault import VaultSecret
l = DataLoader()
l.set_vault_secrets([("default", VaultSecret(open(sys.argv[3], "rb").read().strip()))])
d = l.load_from_file(sys.argv[1])
sys.stdout.write(str(d[sys.argv[2]]))
PY
}
{ echo "plain: 1"; printf 'v a l\n"q"' | "$ENVSEAL" vault encrypt-string --vault-password-file "$S/pw" --stdin-name secret; echo "after: 2"; } >"$S/in.yml" 2>/dev/null
check "ansible reads our encrypt-string" [ "$(python_load "$S/in.yml" secret "$S/pw")" = "$(printf 'v a l\n"q"')" ]
cp "$V/c_mixed_inline.yml" "$S/c.yml"
expect_exit "rekey an inline file" 0 "$ENVSEAL" vault rekey --vault-password-file "$V/pw_correct_horse.txt" --new-vault-password-file "$S/pw" "$S/c.yml"
check "ansible reads the rekeyed inline value" [ "$(python_load "$S/c.yml" db_password "$S/pw")" = 'Tr0ub4dor&3' ]
check "inline rekey leaves other lines" [ "$(grep -v '^          ' "$S/c.yml")" = "$(grep -v '^          ' "$V/c_mixed_inline.yml")" ]
