#!/bin/bash
# tests/cli/provision_unit.sh — the hardened unit: systemd-analyze security
# --offline=true scores it <= 1.5, systemd-analyze verify prints nothing
# about it, daemon_reload in --json, --reload refuses a non-/ root.
. "$(dirname "$0")/../lib.sh"

is_root || { skip provision_unit "needs root (chown)"; exit 0; }
command -v systemd-analyze >/dev/null ||
	{ skip provision_unit "systemd-analyze not installed"; exit 0; }

use_base


# score UNIT: the exposure number systemd-analyze prints.
score() {
	systemd-analyze security --offline=true "$1" 2>/dev/null |
		sed -n 's/.*Overall exposure level for .*: \([0-9.]*\) .*/\1/p'
}

UNIT=/etc/systemd/system/veza-backend-api.service
R=$(mkroot) || exit 1
expect_exit "provision" 0 "$ENVSEAL" provision --root "$R" --json
contains "first run: daemon_reload true" '"daemon_reload": true'
S=$(score "$R$UNIT")
check "default unit scores <= 1.5 (got ${S:-none})" \
	awk -v s="$S" 'BEGIN { exit !(s != "" && s + 0 <= 1.5) }'
echo "# exposure of the default unit: $S"
check "unit is root 0644" [ "$(stat -c '%a %u:%g' "$R$UNIT")" = "644 0:0" ]
expect_exit "rerun" 0 "$ENVSEAL" provision --root "$R" --json
contains "rerun: daemon_reload false" '"daemon_reload": false'
expect_exit "reload with --root" 0 "$ENVSEAL" provision --root "$R" --reload
case "$OUT" in *"daemon-reload not run"*) notok "unchanged: no reload message" ;;
*) ok "unchanged: no reload message" ;; esac

# verify: systemd checks ExecStart= exists on the host and resolves the
# unit's dependencies from the host, so the unit under test points at a
# real binary in the scratch dir (a host path) and is verified as a file.
# Nothing is filtered: the output must be empty.
verify_policy() { # NAME [SED_ARGS...]
	local r p bin out
	r=$(mkroot) || exit 1
	bin="$BASE/bin.$1/veza-api"
	mkdir -p "$(dirname "$bin")"
	cp /bin/true "$bin"
	p="$BASE/policy.$1.yml"
	"$ENVSEAL" policy show | sed -e "s|exec: .*|exec: $bin|" "${@:2}" >"$p"
	expect_exit "$1: provision" 0 "$ENVSEAL" provision --root "$r" --policy "$p"
	out=$(systemd-analyze verify "$r$UNIT" 2>&1)
	check "$1: systemd-analyze verify says nothing" [ -z "$out" ]
	[ -z "$out" ] || echo "   verify: $out"
	S=$(score "$r$UNIT")
	check "$1: score <= 1.5 (got ${S:-none})" \
		awk -v s="$S" 'BEGIN { exit !(s != "" && s + 0 <= 1.5) }'
	U=$r$UNIT
}
verify_policy default
check "default: ExecPaths names the binary" grep -qx "ExecPaths=$BASE/bin.default/veza-api /usr/lib" "$U"
verify_policy localhost-only -e 's|^\(  ip_allow:\).*|\1 [localhost]|'
check "localhost-only scores 0.9" [ "$S" = "0.9" ]
verify_policy port-443 -e 's|listen_port: 8080|listen_port: 443|'
check "port 443: one capability, no user namespace" \
	[ "$(grep -E '^(AmbientCapabilities|PrivateUsers)=' "$U")" = "AmbientCapabilities=CAP_NET_BIND_SERVICE" ]

# Bad directives would be reported: a control that verify is listening.
printf '[Service]\nExecStart=/bin/true\nProtectHostname=private\n' >"$BASE/bad.service"
OUT=$(systemd-analyze verify "$BASE/bad.service" 2>&1)
contains "control: verify reports a 252-rejected value" "Failed to parse"

# Unit drift is replaced and flagged for reload.
echo '# local edit' >>"$R$UNIT"
expect_exit "unit drift" 0 "$ENVSEAL" provision --root "$R" --json --reload
contains "drift: daemon_reload true" '"daemon_reload": true'
contains "drift: reload not run under --root" "daemon-reload not run: the root is not /"
check "drift: local edit gone" [ -z "$(grep -x '# local edit' "$R$UNIT")" ]
