#!/bin/bash
# tests/cli/render_basic.sh — `envseal render` end to end on scratch roots:
# whole-file and inline vaults, explicit and default mappings, statics,
# missing/null/nested variables, refused values, bad policies and owners,
# --check, --diff, --json, idempotence; systemd's parser reads back values.
. "$TOP/tests/lib.sh"

is_root || { skip render_basic "needs root (chown)"; exit 0; }

use_base
W=$BASE
vroot() { # lib.sh's root plus /etc/veza and the veza-api account
	local r
	r=$(mkroot etc/veza:0755) || return 1
	printf 'veza-api:x:1001:1001::/opt/veza/backend-api:/usr/sbin/nologin\n' >>"$r/etc/passwd"
	printf 'veza-api:x:1001:\n' >>"$r/etc/group"
	echo "$r"
}
policy() { # policy FILE VAULT OWNER GROUP MODE [extra yaml lines...]
	_f=$1 _v=$2 _o=$3 _g=$4 _m=$5; shift 5
	{
		printf 'envseal: 1\nenv_files:\n  - path: /etc/veza/backend-api.env\n'
		printf '    vault: %s\n    owner: %s\n    group: %s\n    mode: "%s"\n' "$_v" "$_o" "$_g" "$_m"
		for l in "$@"; do printf '    %s\n' "$l"; done
	} >"$_f"
}
# A private copy of the oracle: a concurrent `make check` rebuilds it.
[ -x "$SDENV" ] && cp "$SDENV" "$W/sdenv" && SDENV="$W/sdenv"
# sdenv_has NAME FILE ENVFILE: systemd's parser gives NAME=<bytes of FILE>.
sdenv_has() {
	[ -x "$SDENV" ] || return 2
	_want=$( { printf '%s=' "$1"; cat "$2"; } | od -An -v -tx1 | tr -d ' \n')
	"$SDENV" "$3" hex 2>/dev/null | grep -qx "$_want"
}
T=/etc/veza/backend-api.env
PW=(--vault-password-file "$VECTORS/pw_correct_horse.txt")
PWPROD=(--vault-password-file "$VECTORS/pw_prod.txt")

# 1. Whole-file vault 1.1, default mapping (every key, upper-cased).
R=$(vroot) || exit 1
policy "$W/p1.yml" "$VECTORS/a_v11_mapping.vault.yml" root root 0600
expect_exit "whole-file default mapping exit 0" 0 "$ENVSEAL" render --policy "$W/p1.yml" --root "$R" "${PW[@]}"
contains "whole-file default reports created" "created"
want="# Managed by envseal from $VECTORS/a_v11_mapping.vault.yml; do not edit.
DB_USER=admin
DB_PASS=s3cr3t
PORT=5432"
check "whole-file default content exact" test "$(cat "$R$T")" = "$want"
check "env file mode 0600 root:root" test "$(stat -c '%a %u %g' "$R$T")" = "600 0 0"
printf 's3cr3t' >"$W/v_pass"
if sdenv_has DB_PASS "$W/v_pass" "$R$T"; then ok "sdenv reads DB_PASS"; else notok "sdenv reads DB_PASS"; fi

# 2. Idempotent rerun: unchanged, same inode, --json changed false.
ino=$(stat -c %i "$R$T")
expect_exit "rerun exit 0" 0 "$ENVSEAL" render --policy "$W/p1.yml" --root "$R" "${PW[@]}" --json
contains "rerun json changed false" '"changed": false'
contains "rerun json unchanged" '"action": "unchanged"'
check "rerun leaves the inode" test "$(stat -c %i "$R$T")" = "$ino"

# 3. Whole-file 1.2 with label, explicit vars + static, owner veza-api.
policy "$W/p2.yml" "$VECTORS/b_v12_prod.vault.yml" root veza-api 0640 \
	'vars:' '  API_TOKEN: api_token' '  REGION: region' 'static:' '  PORT: "8080"'
expect_exit "explicit vars --diff exit 0" 0 "$ENVSEAL" render --policy "$W/p2.yml" --root "$R" "${PWPROD[@]}" --diff
contains "diff lists + API_TOKEN" "+ API_TOKEN"
contains "diff lists - DB_PASS" "- DB_PASS"
contains "diff lists - PORT? no: PORT is changed" "~ PORT"
want="# Managed by envseal from $VECTORS/b_v12_prod.vault.yml; do not edit.
API_TOKEN=tok_live_9f8e7d
REGION=eu-west-1
PORT=8080"
check "explicit content exact and in order" test "$(cat "$R$T")" = "$want"
check "group veza-api 0640" test "$(stat -c '%a %u %g' "$R$T")" = "640 0 1001"
expect_exit "json after replace exit 0" 0 "$ENVSEAL" render --policy "$W/p2.yml" --root "$R" "${PWPROD[@]}" --json
contains "json lists no changes on rerun" '"added": []'

# 4. Inline !vault values, explicit mapping; value needs quoting.
policy "$W/p3.yml" "$VECTORS/c_mixed_inline.yml" root root 0600 \
	'vars:' '  DB_PASSWORD: db_password' '  LOG_LEVEL: log_level'
expect_exit "inline vault exit 0" 0 "$ENVSEAL" render --policy "$W/p3.yml" --root "$R" "${PW[@]}" --json
contains "inline json changed true" '"changed": true'
contains "inline json replaced" '"action": "replaced"'
check "inline quoted value" grep -qx 'DB_PASSWORD="Tr0ub4dor&3"' "$R$T"
printf 'Tr0ub4dor&3' >"$W/v_db"
if sdenv_has DB_PASSWORD "$W/v_db" "$R$T"; then ok "sdenv reads inline value"; else notok "sdenv reads inline value"; fi

# 5. The special value (LF, quotes, $, backslashes, UTF-8, TAB) round-trips.
policy "$W/p4.yml" "$VECTORS/f_special_inline.yml" root root 0600 \
	'vars:' '  SPECIAL: special_value' '  PLAIN: plain_key'
expect_exit "special inline exit 0" 0 "$ENVSEAL" render --policy "$W/p4.yml" --root "$R" --vault-password-file "$VECTORS/pw_f.txt"
if sdenv_has SPECIAL "$VECTORS/f_raw_value.bin" "$R$T"; then ok "sdenv reads the special value byte for byte"; else notok "sdenv reads the special value byte for byte"; fi
check "header comment has no backslash" sh -c "head -1 '$R$T' | grep -qv '\\\\'"

# 6. Decrypted text is never re-typed (inline 1.2 '42').
policy "$W/p5.yml" "$VECTORS/h_inline_v12_prod_numeric.yml" root root 0600 \
	'vars:' '  PORT_SECRET: port_secret'
expect_exit "numeric inline exit 0" 0 "$ENVSEAL" render --policy "$W/p5.yml" --root "$R" "${PWPROD[@]}"
check "numeric stays 42" grep -qx 'PORT_SECRET=42' "$R$T"

# 7. Plain YAML (allow_plaintext: true), no key source at all: renders;
# yes/0777 not re-typed. The plain fixtures below opt in the same way
# (tests/cli/render_downgrade.sh: without it they are refused).
printf 'flag: yes\nmode: 0777\nvault_token: "a b"\n' >"$W/plain.yml"
policy "$W/p6.yml" "$W/plain.yml" root root 0600 'allow_plaintext: true'
expect_exit "plain yaml without keys exit 0" 0 "$ENVSEAL" render --policy "$W/p6.yml" --root "$R" --no-prompt
check "plain yes stays yes" grep -qx 'FLAG=yes' "$R$T"
check "plain 0777 stays 0777" grep -qx 'MODE=0777' "$R$T"
check "vault_ dropped" grep -qx 'TOKEN="a b"' "$R$T"

# --- errors: each with status and message, target unchanged ---
before=$(sha256sum <"$R$T")
unchanged() { check "$1: target unchanged" test "$(sha256sum <"$R$T")" = "$before"; }

policy "$W/e1.yml" "$VECTORS/b_v12_prod.vault.yml" root root 0600 'vars:' '  X: no_such_key'
expect_exit "missing variable exit 2" 2 "$ENVSEAL" render --policy "$W/e1.yml" --root "$R" "${PWPROD[@]}"
contains "missing names env and vault var" "X: vault variable 'no_such_key' is missing"
unchanged "missing variable"

printf 'a: 1\nempty:\nnest:\n  x: 1\nlist: [1, 2]\n' >"$W/shapes.yml"
policy "$W/e2.yml" "$W/shapes.yml" root root 0600 'allow_plaintext: true' 'vars:' '  E: empty'
expect_exit "null variable exit 2" 2 "$ENVSEAL" render --policy "$W/e2.yml" --root "$R" --no-prompt
contains "null variable named" "E: vault variable 'empty'"
contains "null variable says null" "null"
policy "$W/e3.yml" "$W/shapes.yml" root root 0600 'allow_plaintext: true' 'vars:' '  N: nest'
expect_exit "nested variable exit 2" 2 "$ENVSEAL" render --policy "$W/e3.yml" --root "$R" --no-prompt
contains "nested variable named" "'nest'"
contains "nested says mapping" "mapping"
policy "$W/e4.yml" "$W/shapes.yml" root root 0600 'allow_plaintext: true' 'vars:' '  L: list'
expect_exit "sequence variable exit 2" 2 "$ENVSEAL" render --policy "$W/e4.yml" --root "$R" --no-prompt
contains "sequence says sequence" "sequence"
policy "$W/e5.yml" "$W/shapes.yml" root root 0600 'allow_plaintext: true'
expect_exit "default mapping with null key exit 2" 2 "$ENVSEAL" render --policy "$W/e5.yml" --root "$R" --no-prompt
contains "default mapping names the null key" "'empty'"
unchanged "null/nested"

printf 'good: ok\nbad: "x\\uFFFEy"\n' >"$W/fffe.yml"
policy "$W/e6.yml" "$W/fffe.yml" root root 0600 'allow_plaintext: true'
expect_exit "U+FFFE value refused exit 2" 2 "$ENVSEAL" render --policy "$W/e6.yml" --root "$R" --no-prompt
contains "U+FFFE refusal names BAD" "BAD: value is not valid UTF-8"
printf 'good: ok\nbad: "n\\0ul"\n' >"$W/nul.yml"
policy "$W/e7.yml" "$W/nul.yml" root root 0600 'allow_plaintext: true'
expect_exit "NUL value refused exit 2" 2 "$ENVSEAL" render --policy "$W/e7.yml" --root "$R" --no-prompt
contains "NUL refusal names BAD" "BAD: value contains a NUL"
printf 'bad-key: x\n' >"$W/badkey.yml"
policy "$W/e8.yml" "$W/badkey.yml" root root 0600 'allow_plaintext: true'
expect_exit "bad default name exit 2" 2 "$ENVSEAL" render --policy "$W/e8.yml" --root "$R" --no-prompt
contains "bad name named" "'bad-key'"
unchanged "refused values"

R2=$(vroot) || exit 1
expect_exit "refused value on absent target exit 2" 2 "$ENVSEAL" render --policy "$W/e6.yml" --root "$R2" --no-prompt
check "refused value leaves no target" test ! -e "$R2$T"
check "refused value leaves no temp file" test -z "$(ls -A "$R2/etc/veza")"

expect_exit "wrong password exit 3" 3 "$ENVSEAL" render --policy "$W/p1.yml" --root "$R" --vault-password-file "$VECTORS/pw_prod.txt"
unchanged "wrong password"
expect_exit "encrypted without key source exit 1" 1 "$ENVSEAL" render --policy "$W/p1.yml" --root "$R" --no-prompt
contains "no key source message" "no vault secret was given"

policy "$W/e9.yml" "$VECTORS/b_v12_prod.vault.yml" nobody-here root 0600
expect_exit "unknown owner exit 2" 2 "$ENVSEAL" render --policy "$W/e9.yml" --root "$R" "${PWPROD[@]}"
contains "unknown owner (render-only policy): must exist, not provision" "the user and group must exist before render"
unchanged "unknown owner"

printf 'envseal: 1\nbogus: 1\n' >"$W/bad1.yml"
expect_exit "unknown policy key exit 2" 2 "$ENVSEAL" render --policy "$W/bad1.yml" --root "$R" --no-prompt
contains "bad policy names key" "bogus"
policy "$W/bad2.yml" "$W/plain.yml" root root 0604 'allow_plaintext: true'
expect_exit "world-readable env file policy exit 2" 2 "$ENVSEAL" render --policy "$W/bad2.yml" --root "$R" --no-prompt
printf 'envseal: 1\nenv_files:\n  - {path: /etc/veza/a.env, vault: x.yml, owner: root, group: root, mode: "0600"}\n  - {path: /etc/veza/b.env, vault: y.yml, owner: root, group: root, mode: "0600"}\n' >"$W/two.yml"
expect_exit "--vault with two env files exit 2" 2 "$ENVSEAL" render --policy "$W/two.yml" --vault "$W/plain.yml" --root "$R" --no-prompt
contains "--vault message" "--vault needs a policy with one env file"
expect_exit "missing vault file exit 1" 1 "$ENVSEAL" render --policy "$W/p6.yml" --vault "$W/nope.yml" --root "$R" --no-prompt
contains "missing vault named" "nope.yml"
expect_exit "unknown option exit 2" 2 "$ENVSEAL" render --frobnicate
unchanged "bad policies"

# --vault override of the single env file (the entry's allow_plaintext
# still rules the file given).
policy "$W/p1a.yml" "$VECTORS/a_v11_mapping.vault.yml" root root 0600 'allow_plaintext: true'
expect_exit "--vault override exit 0" 0 "$ENVSEAL" render --policy "$W/p1a.yml" --vault "$W/plain.yml" --root "$R" --no-prompt
check "--vault override used" grep -qx 'FLAG=yes' "$R$T"

# --check: plans, writes nothing (no target, no audit log, no lock).
R3=$(vroot) || exit 1
expect_exit "--check exit 0" 0 "$ENVSEAL" render --policy "$W/p1.yml" --root "$R3" "${PW[@]}" --check --json
contains "--check plans created" '"action": "created"'
check "--check writes no target" test ! -e "$R3$T"
check "--check writes no audit log" test ! -e "$R3/var/log/envseal"

# Two env files: both rendered before either is written; one bad file
# means neither is written.
R4=$(vroot) || exit 1
mkdir -p "$R4/etc/other" && chmod 0755 "$R4/etc/other"
two() { # two FILE VAULT2
	printf 'envseal: 1\nenv_files:\n' >"$1"
	printf '  - {path: /etc/veza/a.env, vault: %s, owner: root, group: root, mode: "0600", allow_plaintext: true}\n' "$W/plain.yml" >>"$1"
	printf '  - {path: /etc/other/b.env, vault: %s, owner: root, group: veza-api, mode: "0640", allow_plaintext: true}\n' "$2" >>"$1"
}
two "$W/two-bad.yml" "$W/fffe.yml"
expect_exit "two files, second refused: exit 2" 2 "$ENVSEAL" render --policy "$W/two-bad.yml" --root "$R4" --no-prompt
check "two files, second refused: first not written either" test ! -e "$R4/etc/veza/a.env" -a ! -e "$R4/etc/other/b.env"
two "$W/two.yml" "$W/shapes.yml"
sed -i 's|vault: '"$W"'/shapes.yml, owner|vault: '"$W"'/plain.yml, owner|' "$W/two.yml"
expect_exit "two files render: exit 0" 0 "$ENVSEAL" render --policy "$W/two.yml" --root "$R4" --no-prompt --json
contains "two files: first created" '"path": "/etc/veza/a.env"'
contains "two files: second created" '"path": "/etc/other/b.env"'
check "two files: second has its group" test "$(stat -c '%a %g' "$R4/etc/other/b.env")" = "640 1001"
