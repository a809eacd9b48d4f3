#!/bin/bash
# tests/cli/messages.sh — messages that used to mislead (issue 13): a
# missing option value is not an "unknown option"; a render-only policy's
# missing owner does not send the user to `envseal provision`; a relative
# vault path's error says it is relative to the working directory; mode
# "4640" is refused for its set-id bit, not as "not octal".
. "$(dirname "$0")/../lib.sh"
use_base

lacks() { # NAME NEEDLE : ok when $OUT does not contain NEEDLE
	case "$OUT" in *"$2"*) notok "$1" "output has '$2': $(printf '%s' "$OUT" | head -3)" ;; *) ok "$1" ;; esac
}

# 1. A missing option value, for each parser (runargs, vault, policy, audit).
for c in "render --policy" "apply --root" "provision --policy" \
	"vault view --output" "vault encrypt-string --name" "policy show --policy" \
	"audit verify --root"; do
	# shellcheck disable=SC2086
	expect_exit "missing value: $c: exit 2" 2 "$ENVSEAL" $c
	lacks "missing value: $c: not 'unknown option'" "unknown option"
	contains "missing value: $c: names the option and the rule" "option '${c##* }' needs a value"
done
expect_exit "an unknown option is still one" 2 "$ENVSEAL" render --nosuch
contains "an unknown option is still one: named" "render: unknown option '--nosuch'"

# 2. A render-only policy (no service section) whose owner is missing.
R=$(mkroot srv:0755) || exit 1
W=$BASE/work
mkdir -p "$W"
cp "$VECTORS/pw_correct_horse.txt" "$BASE/pw" && chmod 0600 "$BASE/pw"
cat >"$BASE/ro.yml" <<'P'
envseal: 1
env_files:
- {path: /srv/app.env, vault: vaults/app.vault.yml, owner: app, group: app, mode: "0600"}
P
cd "$W" || exit 1
expect_exit "render-only, owner missing: exit 2" 2 "$ENVSEAL" render --policy "$BASE/ro.yml" \
	--root "$R" --vault-password-file "$BASE/pw"
contains "render-only, owner missing: names user and file" "user app is not in /etc/passwd"
contains "render-only, owner missing: says it must exist" "must exist"
lacks "render-only, owner missing: no 'run envseal provision'" "run \`envseal provision\` first"
# The default policy's own service user is still sent to provision.
"$ENVSEAL" policy show | sed 's/^  owner: root$/  owner: veza-api/' >"$BASE/svc.yml"
grep -q '^  owner: veza-api$' "$BASE/svc.yml" || notok "service policy made"
expect_exit "service user missing: exit 2" 2 "$ENVSEAL" render --policy "$BASE/svc.yml" \
	--root "$R" --vault-password-file "$BASE/pw"
contains "service user missing: run provision" "run \`envseal provision\` first"

# 3. A relative vault path that does not exist.
sed -i 's/owner: app, group: app/owner: root, group: root/' "$BASE/ro.yml"
expect_exit "relative vault missing: exit 1" 1 "$ENVSEAL" render --policy "$BASE/ro.yml" \
	--root "$R" --vault-password-file "$BASE/pw"
contains "relative vault missing: relative to the working directory" \
	"vaults/app.vault.yml (relative to the working directory $W)"
contains "relative vault missing: the cause" "No such file or directory"
mkdir -p "$W/vaults"
expect_exit "absolute vault missing: exit 1" 1 "$ENVSEAL" render --policy "$BASE/ro.yml" \
	--root "$R" --vault-password-file "$BASE/pw" --vault "$W/vaults/none.yml"
lacks "absolute vault missing: no 'relative'" "relative to the working directory"

# 4. Modes with a set-id or sticky digit and no leading 0: an env file
# takes no such bit; a directory does, behind the leading 0.
for m in 4640 2640 1600; do
	printf 'envseal: 1\nenv_files:\n- {path: /a.env, vault: v, owner: root, group: root, mode: "%s"}\n' "$m" >"$BASE/m.yml"
	expect_exit "env mode $m: exit 2" 2 "$ENVSEAL" policy show --policy "$BASE/m.yml"
	lacks "env mode $m: not 'is not an octal mode'" "is not an octal mode"
	contains "env mode $m: says what is wrong" "env_files[0].mode: '$m': set-id and sticky bits are not allowed"
done
printf 'envseal: 1\ndirectories:\n- {path: /a, owner: root, group: root, mode: "2750"}\n' >"$BASE/m.yml"
expect_exit "dir mode 2750: exit 2" 2 "$ENVSEAL" policy show --policy "$BASE/m.yml"
lacks "dir mode 2750: not 'is not an octal mode'" "is not an octal mode"
contains "dir mode 2750: the rule and both fixes" "'2750' has no leading 0: write \"02750\" for the set-id/sticky digit 2, or \"0750\" without it"
printf 'envseal: 1\ndirectories:\n- {path: /a, owner: root, group: root, mode: "07x0"}\n' >"$BASE/m.yml"
expect_exit "mode 07x0: exit 2" 2 "$ENVSEAL" policy show --policy "$BASE/m.yml"
contains "mode 07x0: not octal" "is not an octal mode"
