#!/bin/bash
# tests/cli/apply_atomic.sh — `envseal apply` reads everything, loads the
# keys (password scripts run) and renders before its first write, then
# confines the writer, then writes: a failed apply (wrong password, failing
# script, bad vault, unrenderable value) leaves the root byte-identical but
# for envseal's own audit log and lock; env-file owners resolve in the
# planned accounts (a group that only provisioning creates); --check on a
# bare root; an unchanged rerun changes nothing; --reload through the
# pre-forked reloader.
. "$(dirname "$0")/../lib.sh"

is_root || { skip apply_atomic "needs root (chown)"; exit 0; }

use_base
audit_root "$BASE/audit"
SECRET='FAKE-atomic-db-pw-5e21'

# A bare root (lib.sh's, with a shadow group): only root's accounts.
# envseal's own dirs exist so that the audit run's first records do not
# change /var's listing.
bareroot() { mkroot shadow var/log/envseal:0700 var/lib/envseal:0700; }
# Every path with inode, mtime, ctime, mode, owner, size; every file's
# sha256. Pruned paths (relative) are left out.
snapshot() {
	local d=$1; shift
	local ex=()
	for e in "$@"; do ex+=(-path "./$e" -prune -o); done
	(cd "$d" && find . "${ex[@]}" -printf '%p %i %T@ %C@ %m %u %g %s\n' | sort &&
	 find . "${ex[@]}" -type f -print0 | sort -z | xargs -0 -r sha256sum)
}
OWN=(var/log/envseal var/lib/envseal)

W=$BASE/work
mkdir -p "$W/group_vars"
printf 'vault_database_url: "postgres://u:%s@db/veza"\n' "$SECRET" \
	>"$W/group_vars/backend_api.vault.yml"
printf 'atomic-test-password\n' >"$BASE/pw"
printf 'wrong-password\n' >"$BASE/badpw"
chmod 0600 "$BASE/pw" "$BASE/badpw"
"$ENVSEAL" vault encrypt --vault-password-file "$BASE/pw" \
	"$W/group_vars/backend_api.vault.yml" >/dev/null 2>&1
check "vault encrypted" grep -q '^\$ANSIBLE_VAULT;1.1;AES256' "$W/group_vars/backend_api.vault.yml"
cd "$W"
# The embedded policy with the env file readable by the service's group,
# which exists only once provisioning has run.
"$ENVSEAL" policy show | sed 's/^  group: root$/  group: veza-api/; s/^  mode: "0600"$/  mode: "0640"/' \
	>"$BASE/custom.yml"
check "custom policy: env file group is the service group" \
	grep -qx '  group: veza-api' "$BASE/custom.yml"
ALL_OUT=

# -- wrong password: exit 3, nothing written outside envseal's own dirs
R=$(bareroot)
before=$(snapshot "$R" "${OWN[@]}")
expect_exit "wrong password: exit 3" 3 "$ENVSEAL" apply --root "$R" --vault-password-file "$BASE/badpw"
ALL_OUT="$ALL_OUT$OUT"
contains "wrong password: names the vault" "backend_api.vault.yml"
after=$(snapshot "$R" "${OWN[@]}")
check "wrong password: root byte-identical (no account, dir, unit, lock file)" [ "$before" = "$after" ]
check "wrong password: audit run recorded (begin and end)" [ "$(grep -c '"event":"end"' "$R/var/log/envseal/audit.jsonl")" = 1 ]

# -- a failing password script: its error, nothing written
cat >"$BASE/pwfail.sh" <<SH
#!/bin/sh
: >"$BASE/script-ran"
exit 7
SH
chmod 0700 "$BASE/pwfail.sh"
R=$(bareroot)
before=$(snapshot "$R" "${OWN[@]}")
"$ENVSEAL" apply --root "$R" --vault-password-file "$BASE/pwfail.sh" >"$BASE/o" 2>&1
rc=$?
OUT=$(cat "$BASE/o")
ALL_OUT="$ALL_OUT$OUT"
check "failing script: non-zero exit" [ "$rc" -ne 0 ]
check "failing script: it ran" [ -e "$BASE/script-ran" ]
contains "failing script: names it" "pwfail.sh"
after=$(snapshot "$R" "${OWN[@]}")
check "failing script: root byte-identical" [ "$before" = "$after" ]

# -- a vault that does not verify (MAC): exit 3, nothing written
# The last hex digit of the ciphertext flipped between 0 and 1.
sed '$ { s/0$/X/; s/[1-9a-f]$/0/; s/X$/1/; }' \
	"$W/group_vars/backend_api.vault.yml" >"$BASE/tampered.vault.yml"
check "tampered vault differs in one byte" [ "$(cmp -l "$BASE/tampered.vault.yml" "$W/group_vars/backend_api.vault.yml" | wc -l)" = 1 ]
R=$(bareroot)
before=$(snapshot "$R" "${OWN[@]}")
expect_exit "tampered vault: exit 3" 3 "$ENVSEAL" apply --root "$R" --vault "$BASE/tampered.vault.yml" --vault-password-file "$BASE/pw"
after=$(snapshot "$R" "${OWN[@]}")
check "tampered vault: root byte-identical" [ "$before" = "$after" ]

# -- a value the env-file grammar cannot carry (NUL): exit 2, nothing written
# (the default policy with allow_plaintext: a plain vault is refused
# otherwise, render_downgrade.sh)
printf 'vault_bad: "a\\0b"\n' >"$BASE/nul.vault.yml"
"$ENVSEAL" policy show | sed 's/allow_plaintext: false/allow_plaintext: true/' >"$BASE/plainok.yml"
R=$(bareroot)
before=$(snapshot "$R" "${OWN[@]}")
expect_exit "unrenderable value: exit 2" 2 "$ENVSEAL" apply --root "$R" --policy "$BASE/plainok.yml" --vault "$BASE/nul.vault.yml"
contains "unrenderable value: names the variable" "BAD"
after=$(snapshot "$R" "${OWN[@]}")
check "unrenderable value: root byte-identical" [ "$before" = "$after" ]

# -- the custom policy on a bare root: --check, then the real run
R=$(bareroot)
expect_exit "render alone on a bare root still needs provision" 2 "$ENVSEAL" render --root "$R" --policy "$BASE/custom.yml" --vault-password-file "$BASE/pw"
contains "render alone: suggests provision" "envseal provision"
before=$(snapshot "$R")
expect_exit "custom policy --check on a bare root" 0 "$ENVSEAL" apply --root "$R" --policy "$BASE/custom.yml" --vault-password-file "$BASE/pw" --check
ALL_OUT="$ALL_OUT$OUT"
contains "check: env file planned with the service group" "created   /etc/veza/backend-api.env root:veza-api 0640"
after=$(snapshot "$R")
check "check: root identical (nothing at all written)" [ "$before" = "$after" ]

expect_exit "custom policy applies on a bare root" 0 "$ENVSEAL" apply --root "$R" --policy "$BASE/custom.yml" --vault-password-file "$BASE/pw"
ALL_OUT="$ALL_OUT$OUT"
contains "apply: env file with the service group" "created   /etc/veza/backend-api.env root:veza-api 0640"
check "env file gid is the service's (1001)" [ "$(stat -c '%u:%g %a' "$R/etc/veza/backend-api.env")" = "0:1001 640" ]
check "group line written" grep -qx 'veza-api:x:1001:' "$R/etc/group"
check "no temporary file left" [ -z "$(find "$R" -name '.envseal-tmp*')" ]

# -- an unchanged second apply changes nothing
before=$(snapshot "$R" "${OWN[@]}")
expect_exit "rerun" 0 "$ENVSEAL" apply --root "$R" --policy "$BASE/custom.yml" --vault-password-file "$BASE/pw" --json
ALL_OUT="$ALL_OUT$OUT"
contains "rerun: changed false" '"changed": false, "daemon_reload": false'
after=$(snapshot "$R" "${OWN[@]}")
check "rerun: inodes, mtimes, ctimes, contents unchanged" [ "$before" = "$after" ]

# -- --reload: the reloader is forked before confinement; this root is not
# "/", so it says it did not run; an unchanged unit asks nothing.
R=$(bareroot)
expect_exit "--reload on a new root" 0 "$ENVSEAL" apply --root "$R" --vault-password-file "$BASE/pw" --reload
ALL_OUT="$ALL_OUT$OUT"
contains "--reload: says it did not run" "daemon-reload not run: the root is not /"
check "--reload: unit written" [ -f "$R/etc/systemd/system/veza-backend-api.service" ]
expect_exit "--reload, unchanged unit" 0 "$ENVSEAL" apply --root "$R" --vault-password-file "$BASE/pw" --reload
ALL_OUT="$ALL_OUT$OUT"
if printf '%s' "$OUT" | grep -q 'daemon-reload'; then
	notok "--reload, unchanged unit: no reload message" "$OUT"
else
	ok "--reload, unchanged unit: no reload message"
fi
expect_exit "unit changed without --reload: hint" 0 "$ENVSEAL" apply --root "$(bareroot)" --vault-password-file "$BASE/pw"
contains "hint names --reload" "or pass --reload"

# -- the order, seen by strace: in the main process, no write outside
# envseal's own dirs before the writer's seccomp filter (and Landlock)
if command -v strace >/dev/null 2>&1; then
	R=$(bareroot)
	strace -f -o "$BASE/st.log" -e trace=execve,landlock_restrict_self,seccomp,renameat,renameat2,rename,mkdirat,mkdir,openat \
		"$ENVSEAL" apply --root "$R" --vault-password-file "$BASE/pw" >/dev/null 2>&1
	check "strace: apply succeeded" [ -f "$R/etc/veza/backend-api.env" ]
	main=$(awk 'NR==1 {print $1}' "$BASE/st.log")
	awk -v m="$main" '$1 == m' "$BASE/st.log" >"$BASE/st.main"
	filt=$(grep -n 'seccomp(SECCOMP_SET_MODE_FILTER, 0, {' "$BASE/st.main" | head -1 | cut -d: -f1)
	check "strace: the writer filter was loaded" [ -n "$filt" ]
	early=$(head -n "$((filt - 1))" "$BASE/st.main" |
		grep -E 'renameat|rename\(|mkdir|O_CREAT' |
		grep -vE '"(var|lib|log|envseal|lock|audit[^"]*|\.envseal-tmp\.audit[^"]*)"' || true)
	check "strace: no write before the confinement but envseal's own" [ -z "$early" ]
	check "strace: the passwd family written after it" \
		sh -c "tail -n +$filt '$BASE/st.main' | grep -q 'renameat.*\"group\"'"
	if grep -q 'landlock_restrict_self(.*= 0' "$BASE/st.main"; then
		ll=$(grep -n 'landlock_restrict_self' "$BASE/st.main" | head -1 | cut -d: -f1)
		check "strace: Landlock before the writer filter" [ "$ll" -lt "$filt" ]
	else
		skip "strace: Landlock order" "this kernel has no Landlock"
	fi
else
	skip "strace order" "strace not installed"
fi

printf '%s' "$ALL_OUT" >"$BASE/all.out"
no_secret "no secret in any output" "$SECRET" "$BASE/all.out"
