#!/bin/bash
# tests/cli/render_hang.sh — a worker that hangs (LD_PRELOAD shim: the
# worker spins forever inside the crypto) is killed at its deadline: exit
# 4, a detail naming the timeout, the target untouched, no worker left.
# ENVSEAL_TEST_WORKER_TIMEOUT (test only, see sandbox/worker.c) lowers the
# deadline from minutes to 2 s; `timeout 60` only guards the suite itself.
. "$TOP/tests/lib.sh"

is_root || { skip render_hang "needs root (chown)"; exit 0; }
command -v timeout >/dev/null || { skip render_hang "no timeout(1)"; exit 0; }
W=$(mktemp -d /tmp/envseal-hang.XXXXXX) && [ -d "$W" ] || exit 1
trap 'rm -rf "$W"' EXIT
chmod 0755 "$W"
R="$W/root"
mkdir -p "$R/etc/veza"
chmod 0755 "$R" "$R/etc" "$R/etc/veza"
printf 'root:x:0:0:root:/root:/bin/bash\n' >"$R/etc/passwd"
printf 'root:x:0:\n' >"$R/etc/group"
T=/etc/veza/backend-api.env
PRELOAD="$BUILD/tests/tools/hang_preload.so"
inline_policy "$W/p.yml"
PW=(--vault-password-file "$VECTORS/pw_correct_horse.txt")
[ -f "$PRELOAD" ] || { notok "hang shim built" "$PRELOAD missing"; exit 0; }

# The short deadline alone changes nothing for a healthy worker.
expect_exit "healthy worker under a 2 s deadline renders" 0 \
    env ENVSEAL_TEST_WORKER_TIMEOUT=2 timeout 60 "$ENVSEAL" render \
    --policy "$W/p.yml" --root "$R" "${PW[@]}"
printf 'DB_PASSWORD=old\n' >"$R$T"
before=$(sha256sum <"$R$T"; stat -c '%i %Y' "$R$T")

expect_exit "hung worker is killed: exit 4" 4 \
    env ENVSEAL_TEST_WORKER_TIMEOUT=2 LD_PRELOAD="$PRELOAD" timeout 60 \
    "$ENVSEAL" render --policy "$W/p.yml" --root "$R" "${PW[@]}"
contains "the error names the deadline" "worker gave no result within 2 s"
check "hung worker leaves the target untouched" \
    test "$(sha256sum <"$R$T"; stat -c '%i %Y' "$R$T")" = "$before"
check "no temp file left" sh -c "! ls -a '$R/etc/veza' | grep -q envseal-tmp"
# The worker is a fork: its command line is ours, with this test's paths
# (looked up by name, so the check itself is not counted).
left() {
	for _p in $(pgrep -x envseal); do
		grep -qaF -- "$W/p.yml" "/proc/$_p/cmdline" 2>/dev/null && echo "$_p"
	done
}
check "no worker left running" test -z "$(left)"
# A value above the built-in bound is ignored (it can only lower it):
# the healthy run still works, proving the variable is parsed safely.
expect_exit "a huge test deadline is harmless" 0 \
    env ENVSEAL_TEST_WORKER_TIMEOUT=999999999999 timeout 60 "$ENVSEAL" \
    render --policy "$W/p.yml" --root "$R" "${PW[@]}"
