#!/bin/bash
# tests/cli/worker_bug.sh — a BUG() inside the sandboxed worker is an
# internal error, not a sandbox violation: exit 70 (EX_SOFTWARE), one
# "internal error" line naming BUG and the location, nothing written, the
# audit run ends failed with that status, and no secret anywhere. The
# worker is made to hit a BUG by ENVSEAL_TEST_WORKER_BUG=1, which only the
# test build (ENVSEAL_TEST_HOOKS) honours: the release binary ignores it.
. "$TOP/tests/lib.sh"

is_root || { skip worker_bug "needs root (chown)"; exit 0; }
use_base
W=$BASE
T=/etc/veza/backend-api.env
SECRET='Tr0ub4dor&3'     # db_password of c_mixed_inline.yml
LOG=var/log/envseal/audit.jsonl
inline_policy "$W/p.yml"
PW=(--vault-password-file "$VECTORS/pw_correct_horse.txt")

# The release binary has no such hook: the variable changes nothing.
R=$(mkroot etc/veza:0755) || exit 1
expect_exit "release build ignores ENVSEAL_TEST_WORKER_BUG" 0 \
	env ENVSEAL_TEST_WORKER_BUG=1 "$ENVSEAL" render --policy "$W/p.yml" --root "$R" "${PW[@]}"
check "release build rendered the file" grep -qF "DB_PASSWORD=" "$R$T"

# The test build with the hook: the worker hits BUG().
R=$(mkroot etc/veza:0755) || exit 1
OUT=$(env ENVSEAL_TEST_WORKER_BUG=1 "$ENVSEAL_TEST" render --policy "$W/p.yml" \
	--root "$R" "${PW[@]}" 2>"$W/err" >"$W/out"); RC=$?
OUT=$(cat "$W/err")
check "worker BUG exits 70 (EX_SOFTWARE), not 4 (got $RC)" test "$RC" -eq 70
contains "message says internal error" "internal error"
contains "message names BUG" "BUG at "
check "message names the location (file.c:line)" \
	grep -qE 'BUG at [a-z]+/[a-z_]+\.c:[0-9]+' "$W/err"
check "message is one line (got $(wc -l <"$W/err"))" test "$(wc -l <"$W/err")" -eq 1
check "no 'sandbox violation' or SIGSYS" sh -c "! grep -qiE 'sandbox violation|SIGSYS|signal' '$W/err'"
check "nothing on stdout" test ! -s "$W/out"
check "no target written" test ! -e "$R$T"
check "no temp file left" test -z "$(ls -A "$R/etc/veza")"
end=$(grep '"event":"end"' "$R/$LOG" 2>/dev/null | tail -1)
check "audit: the run's end record has status 70" \
	sh -c "printf '%s' '$end' | grep -q '\"status\":70'"
check "audit: the end record's error class says internal error" \
	sh -c "printf '%s' '$end' | grep -q '\"error_class\":\"internal error'"
check "audit: the end record's error names BUG and the location" \
	sh -c "printf '%s' '$end' | grep -qE 'BUG at [a-z]+/[a-z_]+\.c:[0-9]+'"
check "audit: no file record for the target" sh -c "! grep -q '\"event\":\"file\"' '$R/$LOG'"
expect_exit "audit verify: the chain still holds" 0 "$ENVSEAL" audit verify --root "$R"
no_secret "no secret in stdout, stderr or the root" "$SECRET" "$W/out" "$W/err" "$R"

# --json: the failure object carries the same line.
R=$(mkroot etc/veza:0755) || exit 1
OUT=$(env ENVSEAL_TEST_WORKER_BUG=1 "$ENVSEAL_TEST" render --json --policy "$W/p.yml" \
	--root "$R" "${PW[@]}" 2>/dev/null); RC=$?
check "--json: exit 70 (got $RC)" test "$RC" -eq 70
contains "--json: failure names BUG" "BUG at "
contains "--json: rc 70" '"rc": 70'

# The vault subcommands run the same worker: `vault view` says the same.
audit_root "$W/auditroot"
OUT=$(env ENVSEAL_TEST_WORKER_BUG=1 "$ENVSEAL_TEST" vault view "${PW[@]}" \
	"$VECTORS/c_mixed_inline.yml" 2>&1); RC=$?
check "vault view: exit 70 (got $RC)" test "$RC" -eq 70
contains "vault view: names BUG" "internal error: BUG at "
no_secret "vault view: no secret in its output" "$SECRET" <(printf '%s' "$OUT")

# Without the variable the test build renders as usual.
R=$(mkroot etc/veza:0755) || exit 1
expect_exit "test build without the hook renders" 0 \
	"$ENVSEAL_TEST" render --policy "$W/p.yml" --root "$R" "${PW[@]}"
exit 0
