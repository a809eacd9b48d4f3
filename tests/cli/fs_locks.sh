#!/bin/bash
# tests/cli/fs_locks.sh — no lock envseal waits for can be held by another
# user, and every wait is bounded. Uid 65534 holds flock(LOCK_EX) on the
# directories envseal writes into (<root>/etc, the unit's directory,
# which any user can open, and /etc/veza, which the service's group can): apply, provision and render still
# complete promptly. A stuck root process holding the audit log's flock
# makes a run fail after ES_LOCK_WAIT_SECONDS (30 s) naming the log,
# instead of hanging.
. "$TOP/tests/lib.sh"

is_root || { skip fs_locks "needs root (setpriv, chown)"; exit 0; }
command -v flock >/dev/null || { skip fs_locks "needs flock(1)"; exit 0; }
use_base
HOLDERS=""
trap 'for p in $HOLDERS; do kill "$p" 2>/dev/null; done; rm -rf "$BASE"' EXIT

# The vault, encrypted as uid 65534 (a non-root vault command writes no
# audit record, so the host's log is never touched).
E=$BASE/enc
mkdir -p "$E" "$BASE/work/group_vars"
chown 65534:65534 "$E"
printf 'lock-test-password\n' >"$E/pw"
printf 'vault_database_url: "postgres://u:FAKE-lock-pw@db/veza"\nvault_jwt_secret: FAKE-lock-jwt\n' >"$E/v.yml"
chown 65534:65534 "$E/pw" "$E/v.yml"
chmod 0600 "$E/pw" "$E/v.yml"
setpriv --reuid=65534 --regid=65534 --clear-groups "$ENVSEAL" vault encrypt \
    --vault-password-file "$E/pw" "$E/v.yml" >/dev/null 2>&1
cp "$E/v.yml" "$BASE/work/group_vars/backend_api.vault.yml"
cp "$E/pw" "$BASE/pw"
chmod 0600 "$BASE/pw"
check "vault encrypted" grep -q '^\$ANSIBLE_VAULT;1.1;AES256' "$BASE/work/group_vars/backend_api.vault.yml"
cd "$BASE/work" || exit 1
PW=(--vault-password-file "$BASE/pw")

# hold WHO PATH: WHO holds flock(LOCK_EX) on PATH until the test ends;
# returns once the lock is held. WHO: "nobody" (uid 65534), "member"
# (uid 65534 in PATH's group: the service account, for the 0750 /etc/veza)
# or "root" (a stuck root process).
hold() {
	local who=$1 path=$2 f groups=--clear-groups
	f=$(mktemp "$BASE/held.XXXXXX")
	chown 65534:65534 "$f"
	[ "$who" = member ] && groups=--groups=$(stat -c %g "$path")
	if [ "$who" != root ]; then
		setpriv --reuid=65534 --regid=65534 "$groups" bash -c \
		    'exec 9<"$1" && flock -x 9 && echo held >"$2" && exec sleep 300' \
		    _ "$path" "$f" 2>/dev/null &
	else
		bash -c 'exec 9<"$1" && flock -x 9 && echo held >"$2" && exec sleep 300' \
		    _ "$path" "$f" 2>/dev/null &
	fi
	HOLDERS="$HOLDERS $!"
	for _ in $(seq 100); do [ -s "$f" ] && return 0; sleep 0.05; done
	return 1
}
# timed NAME SECS CMD...: run CMD with a timeout; $RC, $OUT, $SECS set.
timed() {
	local n=$1 t=$2 s
	shift 2
	s=$(date +%s)
	OUT=$(timeout "$t" "$@" 2>&1); RC=$?
	SECS=$(( $(date +%s) - s ))
	if [ "$RC" -eq 124 ]; then notok "$n" "still waiting after $t s (timeout)"
	else ok "$n"; fi
}

R=$(mkroot shadow) || exit 1
check "uid 65534 holds <root>/etc" hold nobody "$R/etc"
timed "apply with <root>/etc locked by uid 65534: no hang" 20 \
    "$ENVSEAL" apply --root "$R" "${PW[@]}"
check "apply with <root>/etc locked: exit 0 ($RC)" test "$RC" -eq 0
check "apply wrote the env file" test -f "$R/etc/veza/backend-api.env"

# Everything again, now with every target directory held.
check "uid 65534 in group veza-api holds /etc/veza (0750)" hold member "$R/etc/veza"
check "uid 65534 holds the unit directory" hold nobody "$R/etc/systemd/system"
echo 'JUNK=1' >>"$R/etc/veza/backend-api.env"
timed "render with /etc/veza locked by uid 65534: no hang" 20 \
    "$ENVSEAL" render --root "$R" "${PW[@]}"
check "render with /etc/veza locked: exit 0 ($RC)" test "$RC" -eq 0
contains "render replaced the drifted env file" "replaced"
rm -f "$R/etc/systemd/system/veza-backend-api.service"
sed -i '/^veza-api:/d' "$R/etc/passwd"
timed "provision with /etc and the unit directory locked: no hang" 20 \
    "$ENVSEAL" provision --root "$R"
check "provision with target directories locked: exit 0 ($RC)" test "$RC" -eq 0
check "provision wrote the unit" test -f "$R/etc/systemd/system/veza-backend-api.service"
check "provision restored the user" grep -q '^veza-api:' "$R/etc/passwd"
echo 'JUNK=2' >>"$R/etc/veza/backend-api.env"
timed "apply with every target directory locked: no hang" 20 \
    "$ENVSEAL" apply --root "$R" "${PW[@]}"
check "apply with every target directory locked: exit 0 ($RC)" test "$RC" -eq 0
check "no temp file left" test -z "$(find "$R" -name '.envseal-tmp.*')"
expect_exit "audit chain verifies" 0 "$ENVSEAL" audit verify --root "$R"

# The audit log's flock, held by a stuck root process: bounded wait.
check "root holds the audit log" hold root "$R/var/log/envseal/audit.jsonl"
echo 'JUNK=3' >>"$R/etc/veza/backend-api.env"
timed "render with the audit log locked: gives up, no hang" 40 \
    "$ENVSEAL" render --root "$R" "${PW[@]}"
check "render with the audit log locked: exit 1 ($RC)" test "$RC" -eq 1
contains "the refusal names the log" "/var/log/envseal/audit.jsonl"
check "gave up after the 30 s bound, not before ($SECS s)" test "$RC" -ne 124 -a "$SECS" -ge 29 -a "$SECS" -le 38
