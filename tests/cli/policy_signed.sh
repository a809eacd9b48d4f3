#!/bin/bash
# tests/cli/policy_signed.sh — signed policies against the real minisign,
# both ways: a signature made by `minisign -Sm` (prehashed and legacy)
# verifies in envseal, and one made by `envseal policy sign` (plain and
# password-protected keys) passes `minisign -Vm`. A root holding
# /etc/envseal/trusted-keys/*.pub makes render, apply, provision and
# verify refuse (exit 3, naming the trusted key ids) an unsigned policy,
# the embedded default, a policy or trusted comment changed by one byte,
# and a signature by a key it does not trust; --trusted-key adds a key
# for one run; the begin record names the signer.
. "$(dirname "$0")/../lib.sh"

is_root || { skip policy_signed "needs root (apply)"; exit 0; }
command -v minisign >/dev/null || { skip policy_signed "minisign not installed (scripts/deps.sh)"; exit 0; }

use_base
audit_root "$BASE/audit"
W=$BASE/work
K=$BASE/keys
mkdir -p "$W/group_vars" "$K"
chmod 0700 "$K"
printf 'vault_database_url: "postgres://u:FAKE-signed-pw-19af@db/veza"\n' \
	>"$W/group_vars/backend_api.vault.yml"
printf 'signed-test-password\n' >"$BASE/pw"
chmod 0600 "$BASE/pw"
"$ENVSEAL" vault encrypt --vault-password-file "$BASE/pw" \
	"$W/group_vars/backend_api.vault.yml" >/dev/null 2>&1
cd "$W" || exit 1

minisign -G -W -p "$K/ops.pub" -s "$K/ops.key" >/dev/null 2>&1
minisign -G -W -p "$K/other.pub" -s "$K/other.key" >/dev/null 2>&1
printf 'key-pw-4471\nkey-pw-4471\n' | minisign -G -p "$K/enc.pub" -s "$K/enc.key" >/dev/null 2>&1
printf 'key-pw-4471\n' >"$K/enc.pw"
chmod 0600 "$K/enc.pw"
check "keys made" [ -s "$K/ops.key" -a -s "$K/enc.key" ]
# A key id as envseal prints it: 16 hex digits. Debian 12's minisign (0.11)
# writes the .pub comment with %PRIX64, dropping leading zeros (newer
# minisign pads to 16), so a key whose id starts with 0 would not match.
keyid() { # PUBFILE
	id=$(sed -n '1s/.*minisign public key //p' "$1")
	while [ "${#id}" -lt 16 ]; do id=0$id; done
	printf '%s\n' "$id"
}
OPS=$(keyid "$K/ops.pub")
OTHER=$(keyid "$K/other.pub")

"$ENVSEAL" policy show >"$W/policy.yml"
chmod 0644 "$W/policy.yml"
P=$W/policy.yml

R=$(mkroot shadow) || exit 1
mkdir -p "$R/etc/envseal/trusted-keys"
chmod 0755 "$R/etc/envseal" "$R/etc/envseal/trusted-keys"
cp "$K/ops.pub" "$R/etc/envseal/trusted-keys/ops.pub"
chmod 0644 "$R/etc/envseal/trusted-keys/ops.pub"

# minisign signs, envseal verifies.
minisign -Sm "$P" -s "$K/ops.key" >/dev/null 2>&1
check "minisign made a prehashed signature" grep -q 'hashed$' "$P.minisig"
expect_exit "apply with a policy minisign signed" 0 "$ENVSEAL" apply --root "$R" --policy "$P" --vault-password-file "$BASE/pw"
check "the begin record names the signer and the host" \
	grep -q "\"event\":\"begin\".*\"host\":\"$(hostname)\",\"signer\":\"$OPS\"" "$R/var/log/envseal/audit.jsonl"
expect_exit "render with it" 0 "$ENVSEAL" render --root "$R" --policy "$P" --vault-password-file "$BASE/pw"
expect_exit "provision with it" 0 "$ENVSEAL" provision --root "$R" --policy "$P"
expect_exit "verify with it (exit 5: no binary on this root)" 5 "$ENVSEAL" verify --root "$R" --policy "$P"
contains "verify names the signer" "ok       policy  $P  signed by key $OPS"

cp -p "$P" "$BASE/policy.orig"
cp -p "$P.minisig" "$BASE/sig.orig"
printf '#' >>"$P"
for c in render provision verify; do
	expect_exit "one byte added to the policy: $c exit 3" 3 "$ENVSEAL" $c --root "$R" --policy "$P"
done
contains "names the key" "signature by key $OPS does not verify"
expect_exit "one byte added to the policy: apply exit 3" 3 "$ENVSEAL" apply --root "$R" --policy "$P" --vault-password-file "$BASE/pw"
cp -p "$BASE/policy.orig" "$P"
sed '3s/hashed$/hashee/' "$BASE/sig.orig" >"$P.minisig"
expect_exit "one byte of the trusted comment changed: exit 3" 3 "$ENVSEAL" verify --root "$R" --policy "$P"
contains "says the trusted comment" "the trusted comment's signature by key $OPS does not verify"
sed '2s/^\(.\{30\}\)./\1A/' "$BASE/sig.orig" >"$P.minisig"
cmp -s "$P.minisig" "$BASE/sig.orig" && sed -i '2s/^\(.\{30\}\)./\1B/' "$P.minisig"
expect_exit "one byte of the signature changed: exit 3" 3 "$ENVSEAL" render --root "$R" --policy "$P"
rm -f "$P.minisig"
expect_exit "unsigned policy: exit 3" 3 "$ENVSEAL" render --root "$R" --policy "$P"
contains "unsigned: names the trusted key ids" "no signature $P.minisig; this root trusts only policies signed by $OPS; refused"
expect_exit "embedded default: exit 3" 3 "$ENVSEAL" render --root "$R"
contains "embedded: names the trusted key ids" "the embedded default policy has no signature; this root trusts only policies signed by $OPS"
minisign -Sm "$P" -s "$K/other.key" >/dev/null 2>&1
expect_exit "signed by a key the root does not trust: exit 3" 3 "$ENVSEAL" provision --root "$R" --policy "$P"
contains "names both keys" "signed by key $OTHER, which this root does not trust (it trusts $OPS)"
expect_exit "--trusted-key adds one for a run" 0 "$ENVSEAL" provision --root "$R" --policy "$P" --trusted-key "$K/other.pub"
minisign -Sl -m "$P" -s "$K/ops.key" >/dev/null 2>&1
check "minisign made a legacy signature" sh -c '! grep -q "hashed$" "$1"' sh "$P.minisig"
expect_exit "a legacy signature verifies" 0 "$ENVSEAL" render --root "$R" --policy "$P" --vault-password-file "$BASE/pw"

# envseal signs, minisign verifies.
rm -f "$P.minisig"
expect_exit "envseal policy sign (plain key)" 0 "$ENVSEAL" policy sign --key "$K/ops.key" --policy "$P"
expect_exit "minisign -Vm accepts it" 0 minisign -Vm "$P" -p "$K/ops.pub"
expect_exit "and envseal does" 0 "$ENVSEAL" render --root "$R" --policy "$P" --vault-password-file "$BASE/pw"
cp -p "$P" "$BASE/policy.orig"
printf '\n' >>"$P"
expect_exit "one byte added: minisign refuses too" 1 minisign -Vm "$P" -p "$K/ops.pub"
cp -p "$BASE/policy.orig" "$P"
# policy sign is audited (as root, in the audit root's log): a run whose
# begin names the signing key and the policy's sha256, and the signature
# file's record; a refused signing (bad key password) ends non-zero.
ALOG=$ENVSEAL_AUDIT_ROOT/var/log/envseal/audit.jsonl
check "policy sign: audited in the audit root's log" python3 - "$ALOG" "$OPS" \
	"$(sha256sum <"$P" | cut -d' ' -f1)" "$(cd "$(dirname "$P")" && pwd)/$(basename "$P").minisig" <<'PY'
import json, sys
log, keyid, sha, sig = sys.argv[1:5]
recs = [json.loads(l) for l in open(log) if l.strip()]
runs = [r["run"] for r in recs if r["event"] == "begin" and r["command"] == "policy sign"]
assert runs, "no policy sign run"
run = [r for r in recs if r["run"] == runs[-1]]
b = run[0]
assert b.get("signer") == keyid, ("signer", b.get("signer"), keyid)
assert b["policy"] == sha, ("policy", b["policy"], sha)
f = [r for r in run if r["event"] == "file"]
assert len(f) == 1 and f[0]["path"] == sig and f[0]["action"] in ("created", "replaced"), f
assert run[-1]["event"] == "end" and run[-1]["status"] == 0, run[-1]
PY
expect_exit "envseal policy sign (encrypted key)" 0 "$ENVSEAL" policy sign --key "$K/enc.key" --key-password-file "$K/enc.pw" --policy "$P" --trusted-comment "release 7"
expect_exit "minisign -Vm accepts it" 0 minisign -Vm "$P" -p "$K/enc.pub"
contains "minisign shows our trusted comment" "Trusted comment: release 7"
printf 'wrong\n' >"$K/bad.pw"
chmod 0600 "$K/bad.pw"
expect_exit "wrong key password: exit 3" 3 "$ENVSEAL" policy sign --key "$K/enc.key" --key-password-file "$K/bad.pw" --policy "$P"
contains "says wrong password" "wrong password"
expect_exit "encrypted key without password: exit 3" 3 "$ENVSEAL" policy sign --key "$K/enc.key" --policy "$P"
printf 'envseal: 1\nbogus: 1\n' >"$W/bad.yml"
expect_exit "sign refuses an invalid policy: exit 2" 2 "$ENVSEAL" policy sign --key "$K/ops.key" --policy "$W/bad.yml"
check "nothing written for it" [ ! -e "$W/bad.yml.minisig" ]

# A key another user could write is no key root trusts.
chmod 0664 "$R/etc/envseal/trusted-keys/ops.pub"
expect_exit "group-writable trusted key: refused, exit 1" 1 "$ENVSEAL" verify --root "$R" --policy "$P"
contains "names it" "/etc/envseal/trusted-keys/ops.pub: owned by uid 0 with mode 0664"
chmod 0644 "$R/etc/envseal/trusted-keys/ops.pub"

# No trusted key: unsigned policies work as before.
R2=$(mkroot shadow) || exit 1
expect_exit "a root that trusts no key takes an unsigned policy" 0 "$ENVSEAL" provision --root "$R2"
