#!/bin/bash
# tests/cli/demo_run.sh — `make demo` (scripts/demo.sh) works and shows what
# it promises: names not values, the score, the audit chain, an unchanged
# second run, and the host's own envseal directories untouched.
. "$(dirname "$0")/../lib.sh"

is_root || { skip demo_run "needs root"; exit 0; }
before=$(sh "$TOP/scripts/host_state.sh")
expect_exit "demo runs" 0 sh "$TOP/scripts/demo.sh"
after=$(sh "$TOP/scripts/host_state.sh")
check "demo: host's /var/log/envseal and /var/lib/envseal untouched" [ "$before" = "$after" ]
contains "demo: its own host guard passed" "host untouched: /var/log/envseal /var/lib/envseal"
contains "demo: the vault encrypt run is in the scratch root's audit log" "begin vault encrypt"
contains "demo: env names" "DATABASE_URL"
contains "demo: audit chain" "chain intact"
contains "demo: second run unchanged" '{"changed": false, "daemon_reload": false}'
contains "demo: env file unchanged" "unchanged /etc/veza/backend-api.env root:root 0600"
if command -v systemd-analyze >/dev/null; then
	contains "demo: exposure shown" "Overall exposure level for veza-backend-api.service"
else
	skip "demo: exposure shown" "systemd-analyze not installed"
fi
case "$OUT" in
*FAKE-demo-only*|*FAKE-jwt-secret*|*FAKE-redis*) notok "demo: no value printed" ;;
*) ok "demo: no value printed" ;;
esac
