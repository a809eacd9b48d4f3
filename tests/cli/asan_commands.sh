#!/bin/bash
# The main commands end to end under ASan+UBSan (with LeakSanitizer's exit
# check): apply, render with every report flag, a wrong key, provision
# --check, audit verify. The unit tests cover the library; this covers the
# command paths (worker, confined writer, reports) in the sanitizer build.
. "$(dirname "$0")/../lib.sh"
E=${ENVSEAL_ASAN:-$TOP/build-asan/envseal}
if [ ! -x "$E" ]; then skip asan-commands "no ASan build at $E"; exit 0; fi
if ! is_root; then skip asan-commands "needs root (chown in a scratch root)"; exit 0; fi

scratch S
audit_root "$S/audit"
R=$S/root W=$S/work
mkdir -p "$R/etc" "$W/group_vars"
[ -n "$R" ] && [ "$R" != / ] || exit 1
printf 'root:x:0:0:root:/root:/bin/sh\n' >"$R/etc/passwd"
printf 'root:x:0:\nshadow:x:42:\n' >"$R/etc/group"
printf 'root:*:19000:0:99999:7:::\n' >"$R/etc/shadow"
printf 'root:*::\nshadow:*::\n' >"$R/etc/gshadow"
chmod 0640 "$R/etc/shadow" "$R/etc/gshadow"
printf 'asan-pass\n' >"$W/pw"; printf 'wrong\n' >"$W/bad"
printf 'vault_database_url: "postgres://u:AsanSecret1@db/x"\nvault_jwt_secret: AsanSecret2\n' \
	>"$W/group_vars/backend_api.vault.yml"
cd "$W" || exit 1
# Sanitizer reports go to stderr; any of them fails the run (halt_on_error).
san() { timeout 120 "$E" "$@"; }

expect_exit "asan: vault encrypt" 0 san vault encrypt --vault-password-file pw group_vars/backend_api.vault.yml
expect_exit "asan: apply" 0 san apply --root "$R" --vault-password-file pw --json
contains "asan: apply reports changed" '"changed": true'
expect_exit "asan: render unchanged --diff" 0 san render --root "$R" --vault-password-file pw --diff
contains "asan: render unchanged" "unchanged /etc/veza/backend-api.env"
expect_exit "asan: render --check --json" 0 san render --root "$R" --vault-password-file pw --check --json
expect_exit "asan: render wrong key exits 3" 3 san render --root "$R" --vault-password-file bad
expect_exit "asan: provision --check" 0 san provision --root "$R" --check
expect_exit "asan: audit verify" 0 san audit verify --root "$R"
last=$(tail -1 "$R/var/log/envseal/audit.jsonl" | sed 's/.*,"hash":"\([0-9a-f]*\)"}$/\1/')
expect_exit "asan: audit verify --expect" 0 san audit verify --root "$R" --expect "$last"
expect_exit "asan: audit show --json --path" 0 san audit show --root "$R" --json --path /etc/veza/backend-api.env
expect_exit "asan: verify (drift: no binary) exits 5" 5 san verify --root "$R" --json
expect_exit "asan: policy lint --format sarif" 0 san policy lint --format sarif
expect_exit "asan: vault view" 0 san vault view --vault-password-file pw group_vars/backend_api.vault.yml
contains "asan: vault view shows plaintext" "vault_jwt_secret"
# vault set/unset/edit/create (cmd/vault_edit.c, vault/edit.c, fs/scratch.c)
printf 'AsanSetValue\n' >"$W/val"
expect_exit "asan: vault set (stdin)" 0 san vault set --vault-password-file pw group_vars/backend_api.vault.yml vault_jwt_secret <"$W/val"
expect_exit "asan: vault set --generate" 0 san vault set --vault-password-file pw --generate 40 --charset base64 group_vars/backend_api.vault.yml vault_extra
expect_exit "asan: vault unset" 0 san vault unset --vault-password-file pw group_vars/backend_api.vault.yml vault_extra
printf '#!/bin/sh\nprintf "added: 1\\n" >>"$1"; touch "$1~"\n' >"$W/ed.sh"; chmod 755 "$W/ed.sh"
expect_exit "asan: vault edit" 0 env EDITOR="$W/ed.sh" timeout 120 "$E" vault edit --vault-password-file pw group_vars/backend_api.vault.yml
expect_exit "asan: vault create" 0 env EDITOR="$W/ed.sh" timeout 120 "$E" vault create --vault-password-file pw created.yml
contains "asan: vault edit/create said what they did" "created"
no_secret "asan: no secret outside the env file and the vault view" AsanSecret2 \
	"$R/etc/passwd" "$R/etc/group" "$R/etc/systemd" "$R/var"
