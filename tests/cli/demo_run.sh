#!/bin/bash
# tests/cli/demo_run.sh — `make demo` (scripts/demo.sh) works and shows what
# it promises: names not values, the score, the audit chain, an unchanged
# second run.
. "$(dirname "$0")/../lib.sh"

is_root || { skip demo_run "needs root"; exit 0; }
expect_exit "demo runs" 0 sh "$TOP/scripts/demo.sh"
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
