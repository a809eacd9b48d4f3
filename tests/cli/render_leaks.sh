#!/bin/bash
# tests/cli/render_leaks.sh — plant secrets (values and the vault password),
# run `envseal render` with every flag and through its error paths, then
# search all stdout/stderr, the audit log and the whole scratch root
# (everything but the env file itself) for them.
. "$TOP/tests/lib.sh"

is_root || { skip render_leaks "needs root (chown)"; exit 0; }
W=$(mktemp -d /tmp/envseal-rleak.XXXXXX) && [ -d "$W" ] || exit 1
trap 'rm -rf "$W"' EXIT
audit_root "$W/audit"
chmod 0755 "$W"
R="$W/root"
mkdir -p "$R/etc/veza" && chmod 0755 "$R" "$R/etc" "$R/etc/veza" || exit 1
printf 'root:x:0:0:root:/root:/bin/bash\n' >"$R/etc/passwd"
printf 'root:x:0:\n' >"$R/etc/group"
T=/etc/veza/backend-api.env

tag=$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')
S1="CanaryOne_$tag"
S2="canary two \$\`\"\\ $tag"
S3="CanaryThree_$tag"
PWD_SECRET="PwCanary_$tag"
mkdir -p "$W/work"
printf '%s\n' "$PWD_SECRET" >"$W/work/pw.txt"
{
	printf 'vault_db_password: "%s"\n' "$S1"
	printf "vault_api_token: '%s'\n" "$S2"
	printf 'vault_other: %s\n' "$S3"
} >"$W/work/plain.yml"
if ! ansible-vault encrypt --vault-password-file "$W/work/pw.txt" \
    --output "$W/work/vault.yml" "$W/work/plain.yml" >/dev/null 2>&1; then
	skip render_leaks "ansible-vault could not encrypt"
	exit 0
fi
rm -f "$W/work/plain.yml"
pol() { # pol FILE [yaml lines for the env file...]
	_f=$1; shift
	{
		printf 'envseal: 1\nenv_files:\n  - path: %s\n    vault: %s\n' "$T" "$W/work/vault.yml"
		printf '    owner: root\n    group: root\n    mode: "0600"\n'
		for l in "$@"; do printf '    %s\n' "$l"; done
	} >"$_f"
}
pol "$W/work/p.yml"
pol "$W/work/missing.yml" 'vars:' '  X: no_such'
pol "$W/work/dup.yml" 'static:' '  DB_PASSWORD: "x"'
LOG="$W/work/all-output.txt"
PW=(--vault-password-file "$W/work/pw.txt")
run() { "$ENVSEAL" render --root "$R" "$@" >>"$LOG" 2>&1; echo "rc=$?" >>"$LOG"; }

run --policy "$W/work/p.yml" "${PW[@]}" --check --diff
run --policy "$W/work/p.yml" "${PW[@]}" --diff
run --policy "$W/work/p.yml" "${PW[@]}" --json
run --policy "$W/work/p.yml" "${PW[@]}"
run --policy "$W/work/p.yml" "${PW[@]}" --check --json
run --policy "$W/work/missing.yml" "${PW[@]}" --diff
run --policy "$W/work/dup.yml" "${PW[@]}" --json
run --policy "$W/work/p.yml" --vault-password-file "$VECTORS/pw_prod.txt"
run --policy "$W/work/p.yml" --no-prompt
env ENVSEAL_SANDBOX_DEBUG=1 LD_PRELOAD="$BUILD/tests/tools/violate_preload.so" \
	"$ENVSEAL" render --root "$R" --policy "$W/work/p.yml" "${PW[@]}" --diff >>"$LOG" 2>&1
# A changed secret: --diff and --json name it, never show it.
printf 'vault_db_password: "%s-new"\nvault_api_token: x\n' "$S1" >"$W/work/plain2.yml"
ansible-vault encrypt --vault-password-file "$W/work/pw.txt" --output "$W/work/vault2.yml" "$W/work/plain2.yml" >/dev/null 2>&1
rm -f "$W/work/plain2.yml"
"$ENVSEAL" render --root "$R" --policy "$W/work/p.yml" --vault "$W/work/vault2.yml" "${PW[@]}" --diff >"$W/work/diff.txt" 2>&1
cat "$W/work/diff.txt" >>"$LOG"
run --policy "$W/work/p.yml" "${PW[@]}" --json

check "leaks: the runs happened (rc=0 and rc!=0 both seen)" sh -c "grep -q 'rc=0' '$LOG' && grep -q 'rc=2' '$LOG' && grep -q 'rc=3' '$LOG'"
check "leaks: --diff names the changed variable" grep -q '~ DB_PASSWORD' "$W/work/diff.txt"
check "leaks: the env file holds the secret (the search can find it)" grep -q -F "$S1" "$R$T"
mv "$R$T" "$W/envfile.moved"
for s in "$S1" "$S2" "$S3" "$PWD_SECRET" "$tag"; do
	no_secret "leaks: '${s:0:12}...' absent from stdout/stderr" "$s" "$LOG"
	no_secret "leaks: '${s:0:12}...' absent from the root (audit log, temp files)" "$s" "$R"
done
check "leaks: audit log exists and was searched" test -s "$R/var/log/envseal/audit.jsonl"
check "leaks: no temp file left" test -z "$(find "$R" -name '.envseal-tmp*')"
