#!/bin/bash
# tests/cli/output_escape.sh — names from input that hold bidi (U+202E)
# or C1/ESC controls reach the terminal escaped ("\u202e", "\x1b"), never
# as raw bytes: a vault key in render's error, a path on the command line
# in vault's errors and notes, a path in `audit show`, a gecos in `policy
# show`, the unit of `provision --diff`.
. "$(dirname "$0")/../lib.sh"
use_base
audit_root "$BASE/audit"
RLO=$'\xe2\x80\xae'          # U+202E RIGHT-TO-LEFT OVERRIDE
CSI=$'\xc2\x9b'              # U+009B, C1 CSI
ESC=$'\x1b'
PW=(--vault-password-file "$VECTORS/pw_correct_horse.txt")

# raw NAME : ok when $OUT holds none of the raw bytes (RLO, CSI, ESC).
raw() {
	case "$OUT" in
	*"$RLO"* | *"$CSI"* | *"$ESC"*) notok "$1" "raw control bytes in: $(printf '%s' "$OUT" | od -c | head -3)" ;;
	*) ok "$1" ;;
	esac
}

# A path on the command line: vault's error names it, escaped.
expect_exit "vault view missing bidi path: exit 1" 1 "$ENVSEAL" vault view "${PW[@]}" "$BASE/a${RLO}b.yml"
contains "vault view: path escaped" "$BASE/a\\u202eb.yml"
raw "vault view: no raw control bytes"
expect_exit "vault view missing ESC path: exit 1" 1 "$ENVSEAL" vault view "${PW[@]}" "$BASE/e${ESC}[2Jx.yml"
contains "vault view: ESC escaped" "$BASE/e\\x1b[2Jx.yml"
raw "vault view ESC: no raw control bytes"
expect_exit "vault: unknown subcommand with C1: exit 2" 2 "$ENVSEAL" vault "x${CSI}y"
contains "vault: subcommand escaped" "x\\u009by"
raw "vault subcommand: no raw control bytes"

# A vault key with U+202E: render refuses the name and names it escaped.
printf 'good: 1\n"A%sB": 2\n' "$RLO" >"$BASE/plain.yml"
"$ENVSEAL" vault encrypt "${PW[@]}" --output "$BASE/bidi.vault.yml" "$BASE/plain.yml" >/dev/null 2>&1
check "bidi-key vault encrypted" grep -q '^\$ANSIBLE_VAULT' "$BASE/bidi.vault.yml"
if is_root; then
	R=$(mkroot etc/veza:0755) || exit 1
	printf 'envseal: 1\nenv_files:\n  - path: /etc/veza/a.env\n    vault: %s\n    owner: root\n    group: root\n    mode: "0600"\n' \
		"$BASE/bidi.vault.yml" >"$BASE/p.yml"
	OUT=$("$ENVSEAL" render --root "$R" --policy "$BASE/p.yml" "${PW[@]}" 2>&1); RC=$?
	check "render bidi key: refused (status $RC)" [ "$RC" -ne 0 ]
	contains "render bidi key: name escaped" "A\\u202eB"
	raw "render bidi key: no raw control bytes"

	# In place as root: the note and `audit show` print the path escaped.
	cp "$VECTORS/a_plain.yml" "$BASE/w${RLO}x.yml"
	expect_exit "vault encrypt bidi path in place: exit 0" 0 "$ENVSEAL" vault encrypt "${PW[@]}" "$BASE/w${RLO}x.yml"
	contains "vault encrypt note: path escaped" "w\\u202ex.yml: replaced"
	raw "vault encrypt note: no raw control bytes"
	expect_exit "audit show: exit 0" 0 "$ENVSEAL" audit show --root "$ENVSEAL_AUDIT_ROOT"
	contains "audit show: path escaped" "w\\u202ex.yml"
	raw "audit show: no raw control bytes"
fi

# policy show: a gecos with U+202E is printed escaped (and the
# output still loads as the same policy).
# (libyaml refuses C1 in a policy, so only U+202E here.)
printf 'envseal: 1\nservice:\n  name: veza\n  user: veza\n  group: veza\n  home: /srv/veza\n  exec: /usr/bin/true\n  gecos: "Ad%sminx"\n' \
	"$RLO" >"$BASE/g.yml"
expect_exit "policy show bidi gecos: exit 0" 0 "$ENVSEAL" policy show --policy "$BASE/g.yml"
raw "policy show: no raw control bytes"
contains "policy show: gecos escaped (YAML's escape)" 'Ad\u202Eminx'
printf '%s\n' "$OUT" >"$BASE/g2.yml"
expect_exit "policy show output loads again" 0 "$ENVSEAL" policy show --policy "$BASE/g2.yml"
if is_root; then
	R=$(mkroot) || exit 1
	OUT=$("$ENVSEAL" provision --check --diff --root "$R" --policy "$BASE/g.yml" 2>&1); RC=$?
	check "provision --check --diff bidi gecos: exit 0 (status $RC)" [ "$RC" -eq 0 ]
	raw "provision --diff: no raw control bytes"
	contains "provision --diff: gecos escaped in the passwd diff" 'Ad\u202eminx'
fi
# The policy's own path, as the source comment and in errors.
cp "$BASE/g.yml" "$BASE/g${RLO}.yml"
expect_exit "policy show bidi path: exit 0" 0 "$ENVSEAL" policy show --policy "$BASE/g${RLO}.yml"
contains "policy show: source path escaped" "# effective policy from $BASE/g\\u202e.yml"
raw "policy show bidi path: no raw control bytes"
