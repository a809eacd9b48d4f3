#!/bin/bash
# tests/cli/apply_basic.sh — `envseal apply`: provision then render in one
# run; a rerun on an unchanged root touches nothing (inode, mtime, ctime of
# every file and directory outside envseal's own log and state); --check
# writes nothing at all; secrets appear only in the env file.
. "$(dirname "$0")/../lib.sh"

is_root || { skip apply_basic "needs root (chown)"; exit 0; }

use_base
audit_root "$BASE/audit"
SECRET1='FAKE-apply-db-pw-7f3a'
SECRET2='FAKE-apply-jwt-91c2'

snapshot() {
	local d=$1; shift
	local ex=()
	for e in "$@"; do ex+=(-path "./$e" -prune -o); done
	(cd "$d" && find . "${ex[@]}" -printf '%p %i %T@ %C@ %m %u %g %s\n' | sort &&
	 find . "${ex[@]}" -type f -print0 | sort -z | xargs -0 sha256sum)
}

W=$BASE/work
mkdir -p "$W/group_vars"
printf 'vault_database_url: "postgres://u:%s@db/veza"\nvault_jwt_secret: %s\n' \
	"$SECRET1" "$SECRET2" >"$W/group_vars/backend_api.vault.yml"
printf 'apply-test-password\n' >"$BASE/pw"
chmod 0600 "$BASE/pw"
"$ENVSEAL" vault encrypt --vault-password-file "$BASE/pw" \
	"$W/group_vars/backend_api.vault.yml" >/dev/null 2>&1
check "vault encrypted" grep -q '^\$ANSIBLE_VAULT;1.1;AES256' "$W/group_vars/backend_api.vault.yml"
cd "$W"

R=$(mkroot shadow) || exit 1
expect_exit "apply" 0 "$ENVSEAL" apply --root "$R" --vault-password-file "$BASE/pw"
ALL_OUT=$OUT
contains "apply: user provisioned" "replaced  /etc/passwd"
contains "apply: env file created" "created   /etc/veza/backend-api.env root:root 0600"
check "env file names" [ "$(sed -n 's/=.*//p' "$R/etc/veza/backend-api.env")" = "DATABASE_URL
JWT_SECRET
PORT" ]
check "user line" grep -qx 'veza-api:x:1001:1001:Veza backend API:/opt/veza/backend-api:/usr/sbin/nologin' "$R/etc/passwd"
check "unit written" [ -f "$R/etc/systemd/system/veza-backend-api.service" ]
check "one audit run: one begin, one end, command apply" [ "$(grep -c '"event":"begin"' "$R/var/log/envseal/audit.jsonl")" = 1 -a \
	"$(grep -c '"event":"end"' "$R/var/log/envseal/audit.jsonl")" = 1 -a \
	"$(grep -c '"event":"begin".*"command":"apply"' "$R/var/log/envseal/audit.jsonl")" = 1 ]
expect_exit "audit chain verifies" 0 "$ENVSEAL" audit verify --root "$R"

before=$(snapshot "$R" var/log/envseal var/lib/envseal)
expect_exit "rerun" 0 "$ENVSEAL" apply --root "$R" --vault-password-file "$BASE/pw" --json
ALL_OUT="$ALL_OUT$OUT"
contains "rerun: changed false" '"changed": false, "daemon_reload": false'
after=$(snapshot "$R" var/log/envseal var/lib/envseal)
check "rerun touches nothing (inode, mtime, ctime, content)" [ "$before" = "$after" ]

expect_exit "diff rerun" 0 "$ENVSEAL" apply --root "$R" --vault-password-file "$BASE/pw" --diff
ALL_OUT="$ALL_OUT$OUT"

R2=$(mkroot shadow) || exit 1
before=$(snapshot "$R2")
expect_exit "check on fresh root" 0 "$ENVSEAL" apply --root "$R2" --vault-password-file "$BASE/pw" --check --json
ALL_OUT="$ALL_OUT$OUT"
contains "check: changed true" '"changed": true'
after=$(snapshot "$R2")
check "check leaves the root identical" [ "$before" = "$after" ]

R3=$(mkroot shadow) || exit 1
printf 'wrong-password\n' >"$BASE/badpw"
chmod 0600 "$BASE/badpw"
expect_exit "wrong password: exit 3" 3 "$ENVSEAL" apply --root "$R3" --vault-password-file "$BASE/badpw"
ALL_OUT="$ALL_OUT$OUT"
check "wrong password: no env file" [ ! -e "$R3/etc/veza/backend-api.env" ]

printf '%s' "$ALL_OUT" >"$BASE/all.out"
no_secret "no secret in any output" "$SECRET1" "$BASE/all.out"
no_secret "no secret in the audit log" "$SECRET1" "$R/var/log/envseal" "$R/var/lib/envseal"
no_secret "no secret in passwd family or unit" "$SECRET2" "$R/etc/passwd" "$R/etc/shadow" \
	"$R/etc/systemd"
check "secret only in the env file" [ "$(grep -rlF "$SECRET1" "$R")" = "$R/etc/veza/backend-api.env" ]

printf 'envseal: 1\nenv_files: []\n' >"$BASE/nosvc.yml"
expect_exit "policy without service: exit 2" 2 "$ENVSEAL" apply --root "$R" --policy "$BASE/nosvc.yml"
contains "names the section" "no service section"
