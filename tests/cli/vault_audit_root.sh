#!/bin/bash
# tests/cli/vault_audit_root.sh — where root's vault writes are audited:
# --audit-root DIR, else $ENVSEAL_AUDIT_ROOT, else the host's / (checked
# inside a private mount namespace with tmpfs over the host's two envseal
# directories, so the host's real log is never written). The host's
# /var/log/envseal and /var/lib/envseal are unchanged by the option runs.
. "$(dirname "$0")/../lib.sh"

is_root || { skip vault_audit_root "needs root (the vault commands audit only as root)"; exit 0; }
use_base
unset ENVSEAL_AUDIT_ROOT
pw="--vault-password-file $VECTORS/pw_correct_horse.txt"
host_state() { sh "$TOP/scripts/host_state.sh"; }
log_of() { echo "$1/var/log/envseal/audit.jsonl"; }

before=$(host_state)
R=$(mkroot) || exit 1
cp "$VECTORS/a_plain.yml" "$BASE/w1.yml"
expect_exit "--audit-root: encrypt in place" 0 "$ENVSEAL" vault encrypt $pw --audit-root "$R" "$BASE/w1.yml"
check "--audit-root: the run is in DIR's log" grep -q '"command":"vault encrypt"' "$(log_of "$R")"
check "--audit-root: the file record names the file" grep -q "\"path\":\"$BASE/w1.yml\"" "$(log_of "$R")"
expect_exit "--audit-root: DIR's chain verifies" 0 "$ENVSEAL" audit verify --root "$R"

R2=$(mkroot) || exit 1
expect_exit "ENVSEAL_AUDIT_ROOT: decrypt in place" 0 env ENVSEAL_AUDIT_ROOT="$R2" "$ENVSEAL" vault decrypt $pw "$BASE/w1.yml"
check "ENVSEAL_AUDIT_ROOT: the run is in its log" grep -q '"command":"vault decrypt"' "$(log_of "$R2")"

R3=$(mkroot) || exit 1
cp "$VECTORS/a_plain.yml" "$BASE/w3.yml"
expect_exit "--audit-root wins over ENVSEAL_AUDIT_ROOT" 0 env ENVSEAL_AUDIT_ROOT="$R2" "$ENVSEAL" vault encrypt $pw --audit-root "$R3" "$BASE/w3.yml"
check "--audit-root wins: the run is in DIR's log" grep -q '"command":"vault encrypt"' "$(log_of "$R3")"
check "--audit-root wins: not in ENVSEAL_AUDIT_ROOT's log" [ "$(grep -c '"command":"vault encrypt"' "$(log_of "$R2")")" = 0 ]

expect_exit "--audit-root '': usage error" 2 "$ENVSEAL" vault encrypt $pw --audit-root "" "$BASE/w3.yml"
expect_exit "--audit-root missing DIR: runtime error" 1 "$ENVSEAL" vault decrypt $pw --audit-root "$BASE/nonexistent" "$BASE/w3.yml"
check "--audit-root missing DIR: file left as it was" grep -q '^\$ANSIBLE_VAULT' "$BASE/w3.yml"
after=$(host_state)
check "host's /var/log/envseal and /var/lib/envseal untouched" [ "$before" = "$after" ]
[ "$before" = "$after" ] || diff <(echo "$before") <(echo "$after") | head -5 | sed 's/^/   /'

# Default: the host's /. Run in a private mount namespace whose
# /var/log/envseal and /var/lib/envseal are fresh tmpfs (0700), so the
# record lands there and the host's log is not touched. A directory the
# host lacks is not made (mkdir would make it on the host): a fresh tmpfs
# (0755) over its parent, in the namespace only, holds it.
if unshare -m --propagation private true 2>/dev/null; then
	cp "$VECTORS/a_plain.yml" "$BASE/w4.yml"
	OUT=$(unshare -m --propagation private sh -c '
		for d in /var/log/envseal /var/lib/envseal; do
			if [ ! -d "$d" ]; then
				mount -t tmpfs -o mode=0755 none "${d%/envseal}" &&
				mkdir "$d" || exit 99
			fi
			mount -t tmpfs -o mode=0700 none "$d" || exit 99
		done
		"$1" vault encrypt --vault-password-file "$2" "$3" 2>/dev/null || exit 98
		grep -c "\"event\":\"begin\".*\"command\":\"vault encrypt\"" \
			/var/log/envseal/audit.jsonl
	' sh "$ENVSEAL" "$VECTORS/pw_correct_horse.txt" "$BASE/w4.yml" 2>&1); RC=$?
	check "no option, no env: the run is audited under / (status $RC, $OUT runs)" [ "$RC" -eq 0 -a "$OUT" = 1 ]
	after=$(host_state)
	check "host untouched after the namespace run" [ "$before" = "$after" ]
else
	skip "no option, no env: the run is audited under /" "unshare -m not permitted"
fi
