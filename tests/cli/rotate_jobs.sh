#!/bin/bash
# tests/cli/rotate_jobs.sh — `envseal rotate` runs one worker job (one
# forked process) per vault: open, rekey and the check that the result
# opens with the new key alone to the same plaintext all happen in that
# job (sandbox/worker.h ES_JOB_ROTATE), for whole-file and inline vaults,
# and a rerun that finds them all under the new key forks one per vault
# too. Process creations are counted with strace -f (clone/clone3 without
# CLONE_THREAD, fork, vfork): the PBKDF2 helper threads are not processes.
. "$TOP/tests/lib.sh"
is_root || { skip rotate_jobs "needs root (the state directory)"; exit 0; }
command -v strace >/dev/null 2>&1 || { skip rotate_jobs "strace not installed"; exit 0; }
use_base
audit_root "$BASE/audit"
E=$ENVSEAL
W=$BASE/w; mkdir -p "$W/v" "$W/root"; chmod 0755 "$W/root"
printf 'OldJobsPw\n' >"$W/old"; printf 'NewJobsPw\n' >"$W/new"; chmod 0600 "$W/old" "$W/new"
OLD=(--vault-password-file "$W/old"); NEW=(--new-vault-password-file "$W/new")
FILES=(a.yml b.yml c.yml d.yml e.yml)
for f in a b c; do
	printf 'key_%s: value %s\nport: 1\n' "$f" "$f" >"$W/v/$f.yml"
	"$E" vault encrypt "${OLD[@]}" "$W/v/$f.yml" 2>/dev/null
done
for f in d e; do
	{ printf 'plain_%s: 1\n' "$f"; printf 'inline %s' "$f" | "$E" vault encrypt-string "${OLD[@]}" --stdin-name "secret_$f" 2>/dev/null; echo; } >"$W/v/$f.yml"
done
(cd "$W/v" && "$E" vault view "${OLD[@]}" "${FILES[@]}") >"$W/plain" 2>/dev/null
check "the five vaults open with the old key" [ -s "$W/plain" ]
forks() { # the processes the traced command created
	grep -E '^[0-9]+ +(clone|clone3|fork|vfork)\(' "$W/trace" | grep -vc 'CLONE_THREAD'
}
traced() {
	(cd "$W/v" && strace -f -qq -o "$W/trace" -e trace=clone,clone3,fork,vfork \
	    "$E" rotate --root "$W/root" "${OLD[@]}" "${NEW[@]}" "${FILES[@]}") >"$W/out" 2>&1
}
traced; rc=$?
check "the rotation succeeds" [ $rc -eq 0 ]
check "it rotated all five" grep -q '5 rotated' "$W/out"
n=$(forks)
check "one worker process per vault, five in all ($n)" [ "$n" = 5 ]
check "the five open with the new key to the same plaintexts" \
    cmp -s "$W/plain" <(cd "$W/v" && "$E" vault view --vault-password-file "$W/new" "${FILES[@]}" 2>/dev/null)
check "and not with the old one" \
    bash -c '! (cd "$1" && "$2" vault view --no-prompt --vault-password-file "$3" d.yml a.yml 2>/dev/null | grep -q .)' _ "$W/v" "$E" "$W/old"
traced; rc=$?
check "the rerun succeeds" [ $rc -eq 0 ]
check "the rerun finds all five already under the new key" grep -q '0 rotated, 5 already' "$W/out"
n=$(forks)
check "the rerun: one worker process per vault ($n)" [ "$n" = 5 ]
exit 0
