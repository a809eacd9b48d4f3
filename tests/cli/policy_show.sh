#!/bin/bash
# tests/cli/policy_show.sh — `envseal policy show`: the default prints,
# the output loads again and prints the same, bad policies exit 2 with
# FILE:LINE: KEY, a policy others can write is refused.
. "$(dirname "$0")/../lib.sh"

BASE=$(mktemp -d /tmp/envseal-test.XXXXXX)
chmod 0755 "$BASE"
trap 'rm -rf "$BASE"' EXIT

expect_exit "show default" 0 "$ENVSEAL" policy show
contains "default: source" "# effective policy from <embedded>"
contains "default: user" "user: veza-api"
contains "default: static PORT" 'PORT: "8080"'
contains "default: ip_allow" "ip_allow: [localhost, 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16]"
case "$OUT" in *"vars:"*) notok "default has no vars" ;; *) ok "default has no vars" ;; esac

"$ENVSEAL" policy show >"$BASE/p1.yml"
expect_exit "show its own output" 0 "$ENVSEAL" policy show --policy "$BASE/p1.yml"
check "round trip is identical (after the two comment lines)" \
	[ "$(tail -n +3 "$BASE/p1.yml")" = "$(printf '%s\n' "$OUT" | tail -n +3)" ]
contains "source named" "# effective policy from $BASE/p1.yml"

bad() { # NAME TEXT NEEDLE
	printf '%s' "$2" >"$BASE/bad.yml"
	expect_exit "$1: exit 2" 2 "$ENVSEAL" policy show --policy "$BASE/bad.yml"
	contains "$1: message" "$3"
}
bad "unknown key" $'envseal: 1\nservice:\n  nmae: x\n' "$BASE/bad.yml:3: service.nmae: unknown key"
bad "relative path" $'envseal: 1\ndirectories:\n  - {path: var/x, owner: root, group: root, mode: "0750"}\n' \
	"$BASE/bad.yml:3: directories[0].path: 'var/x' is relative"
bad "world-readable env file" $'envseal: 1\nenv_files:\n  - {path: /etc/a.env, vault: v, owner: root, group: root, mode: "0644"}\n' \
	"$BASE/bad.yml:3: env_files[0].mode: 0644 would make the env file"
bad "duplicate key" $'envseal: 1\nenvseal: 1\n' "$BASE/bad.yml:2: envseal: duplicate key"
bad "yaml error" $'envseal: [1\n' "$BASE/bad.yml:"

printf 'envseal: 1\n' >"$BASE/ww.yml"
chmod 0666 "$BASE/ww.yml"
expect_exit "group/world-writable policy refused" 2 "$ENVSEAL" policy show --policy "$BASE/ww.yml"
contains "refusal says why" "policy $BASE/ww.yml: is world-writable; refused"
expect_exit "missing policy file" 1 "$ENVSEAL" policy show --policy "$BASE/none.yml"
expect_exit "usage" 2 "$ENVSEAL" policy
expect_exit "unknown option" 2 "$ENVSEAL" policy show --bogus
