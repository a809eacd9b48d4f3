#!/bin/bash
# tests/cli/vault_pipe_key.sh — the vault password from a pipe, as
# ansible-vault takes it: --vault-password-file /dev/stdin and /dev/fd/N
# (a `<(...)` or an inherited descriptor), --vault-id LABEL@/dev/fd/N. The
# trusted-input rule is for files: a pipe is taken, a descriptor open on a
# regular file is refused naming the rule; --stdin-name with a stdin
# password is a usage error (both cannot be stdin).
. "$TOP/tests/lib.sh"
V=$VECTORS
scratch S
audit_root "$S/audit"
VAULT=$V/a_v11_mapping.vault.yml
PW='correct horse'

expect_exit "/dev/stdin (pipe)" 0 sh -c 'printf "%s\n" "$1" | "$2" vault view --vault-password-file /dev/stdin "$3"' sh "$PW" "$ENVSEAL" "$VAULT"
contains "/dev/stdin opens the vault" "db_pass: s3cr3t"
expect_exit "/dev/fd/N from <(...)" 0 bash -c '"$2" vault view --vault-password-file <(printf "%s\n" "$1") "$3"' sh "$PW" "$ENVSEAL" "$VAULT"
contains "<(...) opens the vault" "db_pass: s3cr3t"
expect_exit "--vault-id LABEL@/dev/fd/7 (inherited pipe)" 0 bash -c '"$2" vault view --vault-id dev@/dev/fd/7 "$3" 7< <(printf "%s\n" "$1")' sh "$PW" "$ENVSEAL" "$VAULT"
contains "inherited pipe opens the vault" "db_pass: s3cr3t"
expect_exit "--vault-password-file=/dev/fd/7" 0 bash -c '"$2" vault view --vault-password-file=/dev/fd/7 "$3" 7< <(printf "%s\n" "$1")' sh "$PW" "$ENVSEAL" "$VAULT"

# A regular file behind the descriptor: the rule judges files by name.
printf '%s\n' "$PW" >"$S/pw"; chmod 0644 "$S/pw"
expect_exit "/dev/stdin on a regular file: refused" 1 sh -c '"$1" vault view --vault-password-file /dev/stdin "$2" <"$3"' sh "$ENVSEAL" "$VAULT" "$S/pw"
contains "refusal names the path and the rule" "/dev/stdin: not a pipe"
not_contains() { case "$OUT" in *"$2"*) notok "$1" ;; *) ok "$1" ;; esac; }
not_contains "refusal: no plaintext" "s3cr3t"
expect_exit "/dev/fd/9 not open: refused" 1 "$ENVSEAL" vault view --vault-password-file /dev/fd/9 "$VAULT"
contains "not open: named" "/dev/fd/9"

# encrypt-string --stdin-name reads the value from stdin: not the password too
before=$(find "$S" -type f | sort | xargs -r sha256sum)
expect_exit "--stdin-name with /dev/stdin password: usage" 2 sh -c 'printf x | "$1" vault encrypt-string --vault-password-file /dev/stdin --stdin-name v' sh "$ENVSEAL"
contains "usage error names both" "cannot both be read from stdin"
expect_exit "--stdin-name with --vault-id L@/dev/stdin: usage" 2 sh -c 'printf x | "$1" vault encrypt-string --vault-id l@/dev/stdin --stdin-name v' sh "$ENVSEAL"
check "usage errors wrote nothing" [ "$(find "$S" -type f | sort | xargs -r sha256sum)" = "$before" ]

# "-" and /dev/stdin are one input: read once.
expect_exit "- and /dev/stdin together: usage" 2 sh -c 'printf "%s\n" "$3" | "$1" vault view --vault-password-file - --vault-password-file /dev/stdin "$2"' sh "$ENVSEAL" "$VAULT" "$PW"
contains "read-once refusal names /dev/stdin" "/dev/stdin: stdin is read once"
