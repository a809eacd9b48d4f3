#!/bin/bash
# tests/cli/rotate_kill.sh — a 5-file `envseal rotate` killed (SIGKILL,
# strace -e inject=SYSCALL:signal=KILL:when=N) at every rename and every
# fsync it makes, one run per invocation; after each kill every file still
# opens with the old or the new key to its plaintext, and the same command
# run again ends with all five under the new key alone, identical
# plaintexts, no temp file left. The injection counts are taken from an
# unkilled traced run on a fresh root, so a new fsync or rename in the run
# gets its own kill point without editing this test.
. "$TOP/tests/lib.sh"
is_root || { skip rotate_kill "needs root (strace, the state directory)"; exit 0; }
command -v strace >/dev/null 2>&1 || { skip rotate_kill "strace not installed"; exit 0; }
use_base
audit_root "$BASE/audit"
E=$ENVSEAL
W=$BASE/w; mkdir -p "$W/pristine"
printf 'OldKillPw\n' >"$W/old"; printf 'NewKillPw\n' >"$W/new"; chmod 0600 "$W/old" "$W/new"
OLD=(--vault-password-file "$W/old"); NEW=(--new-vault-password-file "$W/new")
FILES=(a.yml b.yml c.yml d.yml e.yml)
for f in a b c; do
	printf 'key_%s: value %s\nport: 1\n' "$f" "$f" >"$W/pristine/$f.yml"
	"$E" vault encrypt "${OLD[@]}" "$W/pristine/$f.yml" 2>/dev/null
done
for f in d e; do
	{ printf 'plain_%s: 1\n' "$f"; printf 'inline %s' "$f" | "$E" vault encrypt-string "${OLD[@]}" --stdin-name "secret_$f" 2>/dev/null; echo; } >"$W/pristine/$f.yml"
done
chmod 0640 "$W/pristine/b.yml"
(cd "$W/pristine" && "$E" vault view "${OLD[@]}" "${FILES[@]}") >"$W/plain" 2>/dev/null
check "the five vaults open with the old key" [ -s "$W/plain" ]
SYSCALLS="rename renameat renameat2 fsync fdatasync"
fresh() { # a new root and the pristine vaults in $W/v
	rm -rf "$W/v" "$W/root"; mkdir -p "$W/root"; chmod 0755 "$W/root"
	cp -a "$W/pristine" "$W/v"
}
rot() { (cd "$W/v" && "$E" rotate --root "$W/root" "${OLD[@]}" "${NEW[@]}" "${FILES[@]}") >"$W/out" 2>&1; }
views() { # KEYARGS... : the five as vault view shows them with these keys
	(cd "$W/v" && "$E" vault view --no-prompt "$@" "${FILES[@]}") 2>/dev/null
}

# The invocations of each syscall in one unkilled run.
fresh
(cd "$W/v" && strace -f -qq -o "$W/trace" -e trace="${SYSCALLS// /,}" \
    "$E" rotate --root "$W/root" "${OLD[@]}" "${NEW[@]}" "${FILES[@]}") >/dev/null 2>&1
total=0
declare -A count
for sc in $SYSCALLS; do
	count[$sc]=$(grep -c -E "^[0-9]+ +$sc\(" "$W/trace")
	total=$((total + count[$sc]))
done
check "the traced run makes renames and fsyncs ($total)" [ "${count[fsync]}" -ge 10 ] && [ $((count[renameat] + count[renameat2] + count[rename])) -ge 5 ]

killed=0; neither=0; unfinished=0; leftover=0; points=0; resumed=0
for sc in $SYSCALLS; do
	for ((n = 1; n <= count[$sc]; n++)); do
		points=$((points + 1))
		fresh
		# (The group's 2>/dev/null also takes bash's "Killed" note.)
		{ (cd "$W/v" && strace -f -qq -o /dev/null -e trace="$sc" \
		    -e inject="$sc:signal=KILL:when=$n" \
		    "$E" rotate --root "$W/root" "${OLD[@]}" "${NEW[@]}" "${FILES[@]}") >/dev/null 2>&1; } 2>/dev/null
		[ $? -eq 137 ] && killed=$((killed + 1))
		# Each file opens with one of the keys, to its plaintext.
		if ! views "${OLD[@]}" --vault-password-file "$W/new" | cmp -s - "$W/plain"; then
			neither=$((neither + 1)); echo "   $sc #$n: a file opens with neither key" >&2
		fi
		if ! rot || ! views --vault-password-file "$W/new" | cmp -s - "$W/plain" ||
		    views "${OLD[@]}" | grep -q .; then
			unfinished=$((unfinished + 1)); echo "   $sc #$n: the rerun did not finish: $(head -2 "$W/out")" >&2
		fi
		grep -q 'an unfinished rotation finished' "$W/out" && resumed=$((resumed + 1))
		if [ -n "$(ls -A "$W/v" | grep -v '\.yml$')" ]; then
			leftover=$((leftover + 1)); echo "   $sc #$n: left $(ls -A "$W/v" | grep -v '\.yml$' | head -1)" >&2
		fi
	done
done
check "every one of the $points kill points killed the run" [ "$points" -gt 0 ] && [ "$killed" = "$points" ]
check "after every kill each file opens with the old or the new key" [ "$points" -gt 0 ] && [ "$neither" = 0 ]
check "after every kill the rerun ends with all five under the new key alone, same plaintexts" [ "$points" -gt 0 ] && [ "$unfinished" = 0 ]
check "some kills fell after the journal said staged, and the rerun resumed ($resumed)" [ "$resumed" -ge 5 ]
check "after every rerun no temp file is left beside the vaults" [ "$points" -gt 0 ] && [ "$leftover" = 0 ]
check "the last rerun kept b.yml's mode" [ "$(stat -c %a "$W/v/b.yml")" = 640 ]
exit 0
