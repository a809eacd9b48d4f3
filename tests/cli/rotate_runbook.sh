#!/bin/bash
# tests/cli/rotate_runbook.sh — README's "Rotating keys, step by step" on
# two scratch hosts, step by step: (1) each host gets the new key as a
# credential beside the old and renders with both; (2) the vaults are
# rotated where they are kept; (3) every host renders with the new key
# alone and each env file is unchanged (same inode); (4) the old key is
# removed and opens nothing. Then `rotate --render` on one host: rotation
# and render in one audit run, the env file unchanged. Credentials are
# plain files in $CREDENTIALS_DIRECTORY, what LoadCredential(Encrypted)=
# hands the service (sealing them is credential_seal.sh's business).
. "$TOP/tests/lib.sh"
is_root || { skip rotate_runbook "needs root"; exit 0; }
use_base
audit_root "$BASE/audit"
E=$ENVSEAL
W=$BASE/w; mkdir -p "$W/repo"
OLDPW=RunbookOldPw41; NEWPW=RunbookNewPw52; VAL=RunbookValue63
printf '%s\n' "$OLDPW" >"$W/old.pw"; printf '%s\n' "$NEWPW" >"$W/new.pw"
chmod 0600 "$W/old.pw" "$W/new.pw"
# The repo: two vaults (whole-file and inline) and a policy with two env files.
printf 'db_password: %s\nport: 5432\n' "$VAL" >"$W/repo/api.vault.yml"
"$E" vault encrypt --vault-password-file "$W/old.pw" "$W/repo/api.vault.yml" 2>/dev/null
{ printf 'region: eu\n'; printf '%s-2' "$VAL" | "$E" vault encrypt-string --vault-password-file "$W/old.pw" --stdin-name token 2>/dev/null; echo; } >"$W/repo/worker.yml"
cat >"$W/repo/policy.yml" <<YML
envseal: 1
env_files:
  - path: /etc/app/api.env
    vault: $W/repo/api.vault.yml
    owner: root
    group: root
    mode: "0600"
  - path: /etc/app/worker.env
    vault: $W/repo/worker.yml
    owner: root
    group: root
    mode: "0600"
YML
P=$W/repo/policy.yml
H1=$(mkroot etc/app:0755) || exit 1
H2=$(mkroot etc/app:0755) || exit 1
for h in "$H1" "$H2"; do mkdir -p "$h/creds"; chmod 0700 "$h/creds"; cp "$W/old.pw" "$h/creds/vault-password"; done
render() { # HOST CREDENTIAL... : render on HOST with these credentials
	local h=$1 c args=()
	shift
	for c in "$@"; do args+=(--vault-password-credential "$c"); done
	env CREDENTIALS_DIRECTORY="$h/creds" "$E" render --policy "$P" --root "$h" --no-prompt "${args[@]}" --json
}
inodes() { stat -c %i "$1/etc/app/api.env" "$1/etc/app/worker.env" | tr '\n' ' '; }
expect_exit "before: host 1 renders with the old key" 0 render "$H1" vault-password
expect_exit "before: host 2 renders with the old key" 0 render "$H2" vault-password
i1=$(inodes "$H1"); i2=$(inodes "$H2"); env1=$(cat "$H1/etc/app/api.env")

# 1. Every host: the new key as a credential beside the old; renders take both.
for h in "$H1" "$H2"; do cp "$W/new.pw" "$h/creds/vault-password-next"; chmod 0600 "$h/creds/"*; done
expect_exit "step 1: host 1 renders with both keys" 0 render "$H1" vault-password vault-password-next
contains "step 1: host 1 unchanged" '"changed": false'
expect_exit "step 1: host 2 renders with both keys" 0 render "$H2" vault-password vault-password-next

# 2. Where the vaults are kept: --check, then the rotation.
mkdir -p "$W/deploy"
expect_exit "step 2: rotate --check" 0 sh -c "cd '$W/repo' && '$E' rotate --policy '$P' --root '$W/deploy' --vault-password-file '$W/old.pw' --new-vault-password-file '$W/new.pw' --check"
contains "step 2: --check names both vaults" "would rotate $W/repo/worker.yml"
expect_exit "step 2: rotate" 0 "$E" rotate --policy "$P" --root "$W/deploy" --vault-password-file "$W/old.pw" --new-vault-password-file "$W/new.pw"
contains "step 2: both rotated" "rotate: 2 rotated"
# During the move a host still holding the old vaults renders with both keys too.
expect_exit "step 2: a host renders the rotated vaults with both keys" 0 render "$H2" vault-password vault-password-next

# 3. Render everywhere with the new key alone: unchanged, same inodes.
expect_exit "step 3: host 1 renders with the new key alone" 0 render "$H1" vault-password-next
contains "step 3: host 1 unchanged" '"changed": false'
expect_exit "step 3: host 2 renders with the new key alone" 0 render "$H2" vault-password-next
check "step 3: every env file kept its inode" [ "$(inodes "$H1")|$(inodes "$H2")" = "$i1|$i2" ]
check "step 3: same content" [ "$(cat "$H1/etc/app/api.env")" = "$env1" ]

# 4. Remove the old key: it opens nothing any more; the new key renders.
for h in "$H1" "$H2"; do rm "$h/creds/vault-password"; done
expect_exit "step 4: the old key opens no vault" 3 "$E" vault view --vault-password-file "$W/old.pw" "$W/repo/api.vault.yml"
expect_exit "step 4: the old key opens no inline value" 3 "$E" vault view --vault-password-file "$W/old.pw" "$W/repo/worker.yml"
expect_exit "step 4: host 1 renders without the old key" 0 render "$H1" vault-password-next
contains "step 4: unchanged" '"changed": false'

# rotate --render on one host: one audit run, env files unchanged.
printf 'ThirdRunbookPw\n' >"$W/third.pw"; chmod 0600 "$W/third.pw"
i1=$(inodes "$H1")
expect_exit "rotate --render exit 0" 0 "$E" rotate --policy "$P" --root "$H1" --vault-password-file "$W/new.pw" --new-vault-password-file "$W/third.pw" --render --json
check "rotate --render: two rotated, both env files unchanged" python3 -c '
import json, sys
j = json.loads(sys.argv[1])
assert len(j["rotated"]) == 2, j
assert [f["action"] for f in j["files"]] == ["unchanged", "unchanged"], j' "$OUT"
check "rotate --render: same inodes" [ "$(inodes "$H1")" = "$i1" ]
"$E" audit show --root "$H1" >"$W/audit.txt" 2>&1
run=$(grep 'begin rotate' "$W/audit.txt" | tail -1 | awk '{print $2}')
check "rotate --render: the vaults and the env files in the one rotate run" [ -n "$run" ] && [ "$(grep -c "  $run  .*replaced  file $W/repo/" "$W/audit.txt")" = 2 ] && [ "$(grep -c "  $run  .*unchanged .*/etc/app/" "$W/audit.txt")" = 2 ]
for s in "$OLDPW" "$NEWPW" "$VAL"; do
	no_secret "no $s in the hosts' logs, state or env-file names" "$s" "$H1/var" "$H2/var" "$W/deploy/var"
done
exit 0
