#!/bin/bash
# tests/cli/stdin_json.sh — what the Ansible modules need of envseal:
# `--vault-password-file -` (and `--vault-id LABEL@-`) read the password
# from stdin, bounded and stripped as a password file is, once per run;
# with --json a failed run prints one JSON object on stdout (changed,
# failed, rc, msg = the stderr line) and --diff puts the masked unit and
# passwd diffs into the JSON items. The password and the vault's values
# appear in no output, no argv, no environment and no file but the env file.
. "$(dirname "$0")/../lib.sh"

is_root || { skip stdin_json "needs root (chown)"; exit 0; }

use_base
audit_root "$BASE/audit"
PW='FAKE-stdin-vault-pw-5be1'
SECRET='FAKE-stdin-db-secret-c04d'
W=$BASE/work
mkdir -p "$W/group_vars"
printf 'vault_database_url: "postgres://u:%s@db/veza"\n' "$SECRET" \
	>"$W/group_vars/backend_api.vault.yml"
printf '%s\n' "$PW" >"$BASE/pw"
chmod 0600 "$BASE/pw"
"$ENVSEAL" vault encrypt --vault-password-file "$BASE/pw" \
	"$W/group_vars/backend_api.vault.yml" >/dev/null 2>&1
check "vault encrypted" grep -q '^\$ANSIBLE_VAULT;1.1;AES256' "$W/group_vars/backend_api.vault.yml"
cd "$W" || exit 1
ALL=$BASE/all.out
: >"$ALL"
keep() { printf '%s\n' "$OUT" >>"$ALL"; }

# json_get FILE EXPR: python3 evaluates EXPR on j = the one JSON object
# FILE holds (nothing else on its stdout); prints the result, exit 1 when
# the file is not exactly one object.
json_get() {
	python3 - "$1" "$2" 2>/dev/null <<'PY'
import json, sys
t = open(sys.argv[1]).read()
j = json.loads(t)
assert isinstance(j, dict) and t.count("\n") == 1, "not one object on one line"
print(eval(sys.argv[2]))
PY
}

# -- the password from stdin ------------------------------------------------
R=$(mkroot shadow etc/veza:0750) || exit 1
expect_exit "render --vault-password-file -" 0 \
	sh -c 'printf "%s\n\n" "$1" | "$2" render --root "$3" --vault-password-file - --json' \
	sh "$PW" "$ENVSEAL" "$R"
keep
check "stdin password: env file rendered" grep -qF "$SECRET" "$R/etc/veza/backend-api.env"
expect_exit "stdin password, labelled: --vault-id default@-" 0 \
	sh -c 'printf "  %s  " "$1" | "$2" render --root "$3" --vault-id default@- --json' \
	sh "$PW" "$ENVSEAL" "$R"
keep
contains "stdin password (stripped as a file): unchanged rerun" '"changed": false'
expect_exit "wrong stdin password: exit 3" 3 \
	sh -c 'printf "nope\n" | "$1" render --root "$2" --vault-password-file -' sh "$ENVSEAL" "$R"
keep
expect_exit "stdin twice: usage error" 2 \
	sh -c 'printf "%s\n" "$1" | "$2" render --root "$3" --vault-password-file - --vault-id x@-' \
	sh "$PW" "$ENVSEAL" "$R"
keep
contains "stdin twice: says so" "stdin"
expect_exit "empty stdin: exit 1" 1 \
	sh -c '"$1" render --root "$2" --vault-password-file - </dev/null' sh "$ENVSEAL" "$R"
keep
contains "empty stdin: names stdin" "stdin"
head -c 70000 /dev/zero | tr '\0' a >"$BASE/long"
expect_exit "stdin over the password bound: exit 1" 1 \
	sh -c '"$1" render --root "$2" --vault-password-file - <"$3"' sh "$ENVSEAL" "$R" "$BASE/long"
keep
expect_exit "vault view: the password and the file both on stdin refused" 2 \
	sh -c 'printf "%s\n" "$1" | "$2" vault view --vault-password-file - -' sh "$PW" "$ENVSEAL"
keep
contains "password and file on stdin: says so" "stdin"

# argv and environment of the running envseal (and of the password script
# it runs): the script sleeps while the stdin password is already read (the
# order keysrc loads in). Processes found by this run's script path.
cat >"$BASE/slow.sh" <<'EOF'
#!/bin/sh
sleep 2
echo other-password
EOF
chmod 0700 "$BASE/slow.sh"
(printf '%s\n' "$PW" | "$ENVSEAL" render --root "$R" --vault-password-file - \
	--vault-password-file "$BASE/slow.sh" >/dev/null 2>&1) &
: >"$BASE/proc"
for _i in $(seq 30); do
	sleep 0.1
	pids=$(pgrep -f -- "$BASE/slow.sh") && break
done
for p in ${pids:-}; do
	{ tr '\0' '\n' <"/proc/$p/cmdline" && tr '\0' '\n' <"/proc/$p/environ"; } >>"$BASE/proc" 2>/dev/null
done
wait
check "a running envseal was seen" grep -q -- '--vault-password-file' "$BASE/proc"
no_secret "stdin password: not in argv or environment" "$PW" "$BASE/proc"

# -- --json on failure: one object on stdout ------------------------------
"$ENVSEAL" render --root "$R" --vault-password-file "$BASE/long" --json \
	>"$BASE/j.out" 2>"$BASE/j.err"
RC=$?
check "json failure: exit 1" [ "$RC" = 1 ]
check "json failure: stdout is one object, failed true" [ "$(json_get "$BASE/j.out" 'j["failed"]')" = True ]
check "json failure: changed false" [ "$(json_get "$BASE/j.out" 'j["changed"]')" = False ]
check "json failure: rc is the exit status" [ "$(json_get "$BASE/j.out" 'j["rc"]')" = 1 ]
check "json failure: msg is the stderr line" [ "$(json_get "$BASE/j.out" 'j["msg"]')" = "$(cat "$BASE/j.err")" ]
cat "$BASE/j.out" "$BASE/j.err" >>"$ALL"

printf '%s\n' "$PW" >"$BASE/badpw"
sed -i 's/^FAKE/WRONG/' "$BASE/badpw"
chmod 0600 "$BASE/badpw"
"$ENVSEAL" apply --root "$R" --vault-password-file "$BASE/badpw" --json \
	>"$BASE/j.out" 2>"$BASE/j.err"
RC=$?
check "json wrong password (apply): exit 3, rc 3" [ "$RC" = 3 -a "$(json_get "$BASE/j.out" 'j["rc"]')" = 3 ]
check "json wrong password: msg is envseal's line" [ "$(json_get "$BASE/j.out" 'j["msg"]')" = "$(cat "$BASE/j.err")" ]
cat "$BASE/j.out" "$BASE/j.err" >>"$ALL"

"$ENVSEAL" render --root "$R" --json --no-such-option >"$BASE/j.out" 2>"$BASE/j.err"
RC=$?
check "json usage error: exit 2, rc 2" [ "$RC" = 2 -a "$(json_get "$BASE/j.out" 'j["rc"]')" = 2 ]
"$ENVSEAL" render --policy "$BASE/none.yml" --json >"$BASE/j.out" 2>"$BASE/j.err"
RC=$?
check "json missing policy: one object with the status" [ "$(json_get "$BASE/j.out" 'j["rc"]')" = "$RC" -a "$RC" != 0 ]
check "json missing policy: msg names the file" grep -qF "$BASE/none.yml" "$BASE/j.out"

# -- --json --diff: the masked diffs of unit and passwd in the items -------
R2=$(mkroot shadow) || exit 1
printf '%s\n' "$PW" | "$ENVSEAL" apply --root "$R2" --vault-password-file - --json --diff \
	>"$BASE/j.out" 2>"$BASE/j.err"
check "apply --json --diff: exit 0" [ $? = 0 ]
check "apply --json --diff: the unit item has its diff" [ "$(json_get "$BASE/j.out" \
	'[f for f in j["files"] if f["kind"] == "unit"][0]["diff"].count("+ExecStart=")')" = 1 ]
check "apply --json --diff: env item names only, no diff" [ "$(json_get "$BASE/j.out" \
	'[f for f in j["files"] if f["kind"] == "env"][0]["added"]')" = "['DATABASE_URL', 'PORT']" ]
cat "$BASE/j.out" "$BASE/j.err" >>"$ALL"

no_secret "no password in any output" "$PW" "$ALL"
no_secret "no vault value in any output" "$SECRET" "$ALL"
no_secret "no password in the roots or the audit log" "$PW" "$R" "$R2" "$BASE/audit"
check "vault value only in the env files" [ "$(grep -rlF "$SECRET" "$R" "$R2" | sort | tr '\n' ' ')" = \
	"$(printf '%s\n' "$R/etc/veza/backend-api.env" "$R2/etc/veza/backend-api.env" | sort | tr '\n' ' ')" ]
