#!/bin/sh
# scripts/demo.sh — `make demo`: envseal's main job on its embedded default,
# against a scratch root. Encrypts a sample vault (obviously fake values)
# with a throw-away password, runs `envseal apply --root`, shows the tree,
# the env file's variable names (never values), the unit's exposure score,
# the audit records, then a second run that changes nothing. Every audit
# record goes to the scratch root (vault: --audit-root); the host's own
# /var/log/envseal and /var/lib/envseal are compared before and after
# (scripts/host_state.sh) and a change fails the demo.
set -eu
TOP=$(cd "$(dirname "$0")/.." && pwd)
ENVSEAL=${ENVSEAL:-$TOP/build/envseal}

if [ "$(id -u)" -ne 0 ]; then
	echo "demo: needs root (envseal sets owners under the scratch root)" >&2
	exit 1
fi
HOST_BEFORE=$(sh "$TOP/scripts/host_state.sh")
S=$(mktemp -d /tmp/envseal-demo.XXXXXX)
chmod 0755 "$S"
KEEP=${KEEP:-0}
[ "$KEEP" = 1 ] || trap 'rm -rf "$S"' EXIT
ROOT=$S/root
WORK=$S/work
mkdir -p "$ROOT/etc" "$WORK/group_vars"

step() { printf '\n== %s\n' "$*"; }

step "a scratch root with a minimal passwd family"
printf 'root:x:0:0:root:/root:/bin/bash\n' >"$ROOT/etc/passwd"
printf 'root:x:0:\nshadow:x:42:\n' >"$ROOT/etc/group"
printf 'root:*:19000:0:99999:7:::\n' >"$ROOT/etc/shadow"
printf 'root:*::\nshadow:*::\n' >"$ROOT/etc/gshadow"
chmod 0640 "$ROOT/etc/shadow" "$ROOT/etc/gshadow"
chgrp 42 "$ROOT/etc/shadow" "$ROOT/etc/gshadow"
echo "$ROOT"

step "a sample vault (fake values) encrypted with a throw-away password"
# The password is random and dies with the scratch dir.
head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$S/demo-password"
chmod 0600 "$S/demo-password"
cat >"$WORK/group_vars/backend_api.vault.yml" <<'EOF'
vault_database_url: "postgres://veza:FAKE-demo-only@10.0.0.5:5432/veza"
vault_jwt_secret: "FAKE-jwt-secret-for-the-demo"
vault_redis_url: "redis://:FAKE-redis@10.0.0.6:6379/0"
EOF
"$ENVSEAL" vault encrypt --vault-password-file "$S/demo-password" \
	--audit-root "$ROOT" "$WORK/group_vars/backend_api.vault.yml"
head -n 1 "$WORK/group_vars/backend_api.vault.yml"

step "envseal apply --root $ROOT (embedded default policy)"
cd "$WORK"
"$ENVSEAL" apply --root "$ROOT" --vault-password-file "$S/demo-password"

step "the tree (mode owner:group; ids as in ROOT/etc/passwd)"
echo "veza-api is $(grep '^veza-api:' "$ROOT/etc/passwd" | cut -d: -f3,4) in ROOT"
(cd "$ROOT" && find opt etc/veza var/log/veza etc/systemd etc/passwd \
	etc/group etc/shadow etc/gshadow -printf '%m %u:%g %p\n' | sort -k3)

step "the env file's variable names (values never shown)"
sed -n 's/^\([A-Za-z_][A-Za-z0-9_]*\)=.*/\1/p' "$ROOT/etc/veza/backend-api.env"

step "the unit's exposure (systemd-analyze security --offline=true)"
UNIT=$ROOT/etc/systemd/system/veza-backend-api.service
if command -v systemd-analyze >/dev/null; then
	systemd-analyze security --offline=true "$UNIT" 2>/dev/null | tail -n 1
else
	echo "(systemd-analyze not installed)"
fi

step "the audit log (envseal audit show)"
"$ENVSEAL" audit show --root "$ROOT"
"$ENVSEAL" audit verify --root "$ROOT"

step "a second run: nothing changes"
"$ENVSEAL" apply --root "$ROOT" --vault-password-file "$S/demo-password" --json |
	sed 's/, "files".*/}/'
"$ENVSEAL" apply --root "$ROOT" --vault-password-file "$S/demo-password"

step "the host's own envseal directories"
if [ "$(sh "$TOP/scripts/host_state.sh")" = "$HOST_BEFORE" ]; then
	echo "host untouched: /var/log/envseal /var/lib/envseal"
else
	echo "demo: the host's /var/log/envseal or /var/lib/envseal changed" >&2
	exit 1
fi
