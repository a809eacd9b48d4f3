#!/bin/bash
# tests/cli/vault_keysrc.sh — key sources end to end: systemd credentials,
# the no-echo terminal prompt (driven through a pty), the no-secret error
# without a terminal, and a vaulted password file.
. "$TOP/tests/lib.sh"
V=$VECTORS
S=$(mktemp -d /tmp/envseal-vault.XXXXXX)
trap 'rm -rf "$S"' EXIT
audit_root "$S/audit"

# -- systemd credentials ($CREDENTIALS_DIRECTORY/NAME, stripped like a file)
mkdir "$S/creds"; printf 'correct horse\n\n' >"$S/creds/vaultpw"; chmod 0400 "$S/creds/vaultpw"
expect_exit "credential" 0 env CREDENTIALS_DIRECTORY="$S/creds" "$ENVSEAL" vault view --vault-password-credential vaultpw "$V/a_v11_mapping.vault.yml"
contains "credential opens the vault" "db_pass: s3cr3t"
expect_exit "labelled credential" 0 env CREDENTIALS_DIRECTORY="$S/creds" "$ENVSEAL" vault view --vault-password-credential prod@vaultpw "$V/a_v11_mapping.vault.yml"
expect_exit "credential without CREDENTIALS_DIRECTORY" 1 env -u CREDENTIALS_DIRECTORY "$ENVSEAL" vault view --vault-password-credential vaultpw "$V/a_v11_mapping.vault.yml"
contains "credential error names the variable" "CREDENTIALS_DIRECTORY"

# -- nothing given and no terminal: a clear error, no prompt
expect_exit "no secret, no tty" 1 env -u ANSIBLE_VAULT_PASSWORD_FILE -u ANSIBLE_VAULT_IDENTITY_LIST "$ENVSEAL" vault view "$V/a_v11_mapping.vault.yml" </dev/null
contains "no secret error" "no vault secret given"

# -- the prompt: on the terminal, no echo, whitespace stripped
if python3 - "$ENVSEAL" "$V/a_v11_mapping.vault.yml" >"$S/pty.out" 2>&1 <<'PY'
import os, pty, sys, time, select
pid, fd = pty.fork()
if pid == 0:
    os.environ.pop("ANSIBLE_VAULT_PASSWORD_FILE", None)
    os.environ.pop("ANSIBLE_VAULT_IDENTITY_LIST", None)
    os.execv(sys.argv[1], [sys.argv[1], "vault", "view", sys.argv[2]])
buf = b""
def readsome(t):
    global buf
    end = time.time() + t
    while time.time() < end:
        r, _, _ = select.select([fd], [], [], 0.1)
        if r:
            try:
                d = os.read(fd, 4096)
            except OSError:
                return
            if not d:
                return
            buf += d
readsome(0.5)
if b"Vault password: " not in buf:
    print("no prompt seen:", buf); sys.exit(2)
buf = b""
os.write(fd, b"  correct horse \n")
readsome(2)
os.waitpid(pid, 0)
if b"correct horse" in buf:
    print("password echoed"); sys.exit(3)
if b"db_pass: s3cr3t" not in buf:
    print("no plaintext:", buf); sys.exit(4)
PY
then ok "prompt: no echo, stripped, opens the vault"
else notok "prompt: no echo, stripped, opens the vault" "$(cat "$S/pty.out")"; fi

# -- a password file that is itself a vault, opened by an earlier secret
printf 'correct horse' | "$ENVSEAL" vault encrypt --vault-password-file "$V/pw_prod.txt" --output "$S/vaulted_pw" - 2>/dev/null
expect_exit "vaulted password file" 0 "$ENVSEAL" vault view --vault-password-file "$V/pw_prod.txt" --vault-password-file "$S/vaulted_pw" "$V/a_v11_mapping.vault.yml"
contains "vaulted password file opens the vault" "db_pass: s3cr3t"
expect_exit "missing password file is an error" 1 "$ENVSEAL" vault view --vault-password-file "$S/nope" --vault-password-file "$V/pw_correct_horse.txt" "$V/a_v11_mapping.vault.yml"
contains "missing password file named" "$S/nope"
