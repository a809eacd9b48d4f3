#!/bin/bash
# tests/cli/verify_drift.sh — `envseal verify` on a scratch root after
# `apply`: all ok (exit 0); then each drift made by hand, one at a time
# (mode widened, owner changed, a value edited, a variable added, a unit
# hardening line removed, the binary chowned to the service user, a
# directory made group-writable, an audit record cut off the end with
# --expect-audit), each reported as exactly that item with exit 5, and
# reverting it gives 0 again. verify writes nothing (the whole root's
# stat and sha256 are unchanged) and works on a read-only bind mount; no
# planted secret appears in any of its output.
. "$(dirname "$0")/../lib.sh"

is_root || { skip verify_drift "needs root (chown, mount)"; exit 0; }

use_base
audit_root "$BASE/audit"
SECRET1='FAKE-verify-db-pw-5d1e'
SECRET2='FAKE-verify-jwt-a07b'
SECRET3='FAKE-verify-edited-33c9'

W=$BASE/work
mkdir -p "$W/group_vars"
printf 'vault_database_url: "postgres://u:%s@db/veza"\nvault_jwt_secret: %s\n' \
	"$SECRET1" "$SECRET2" >"$W/group_vars/backend_api.vault.yml"
printf 'verify-test-password\n' >"$BASE/pw"
chmod 0600 "$BASE/pw"
"$ENVSEAL" vault encrypt --vault-password-file "$BASE/pw" \
	"$W/group_vars/backend_api.vault.yml" >/dev/null 2>&1
cd "$W" || exit 1

R=$(mkroot shadow) || exit 1
expect_exit "apply" 0 "$ENVSEAL" apply --root "$R" --vault-password-file "$BASE/pw"
# The role pushes the binary; here it is put in place root 0755.
mkdir -p "$R/opt/veza/backend-api"
cp /bin/true "$R/opt/veza/backend-api/veza-api"
chmod 0755 "$R/opt" "$R/opt/veza" "$R/opt/veza/backend-api/veza-api"
ENV=$R/etc/veza/backend-api.env
UNIT=$R/etc/systemd/system/veza-backend-api.service
ALL=$BASE/all.out
: >"$ALL"

snapshot() {
	(cd "$1" && find . -printf '%p %i %T@ %C@ %m %u %g %s %n\n' | sort &&
	 find . -type f -print0 | sort -z | xargs -0 sha256sum)
}

# verify_is NAME STATUS [NEEDLE...]: verify exits STATUS; each NEEDLE is
# a line of its report that is not ok (fixed string, ^status kind path),
# and there is no other line that is not ok.
verify_is() {
	local n=$1 want=$2 bad needle miss=
	shift 2
	expect_exit "$n: exit $want" "$want" "$ENVSEAL" verify --root "$R" ${EXPECT:+--expect-audit "$EXPECT"} ${VPOLICY:+--policy "$VPOLICY"}
	printf '%s\n' "$OUT" >>"$ALL"
	bad=$(printf '%s\n' "$OUT" | grep -Ev '^(ok |verify: )')
	for needle in "$@"; do
		printf '%s\n' "$bad" | grep -qF -- "$needle" || miss="$miss [$needle]"
	done
	if [ -n "$miss" ]; then notok "$n: reports it" "missing$miss in: $bad"
	elif [ "$(printf '%s\n' "$bad" | grep -c .)" -ne $# ]; then
		notok "$n: reports only it" "$bad"
	else ok "$n: reports exactly it"; fi
}

verify_is "clean root" 0
cp -p "$ENV" "$BASE/env.orig"
cp -p "$UNIT" "$BASE/unit.orig"

chmod 0640 "$ENV"
verify_is "env mode widened" 5 "drift    envfile /etc/veza/backend-api.env  expected root:root 0600; found root:root 0640"
chmod 0600 "$ENV"
verify_is "env mode reverted" 0

chown 1001 "$ENV"
verify_is "env owner changed" 5 "drift    envfile /etc/veza/backend-api.env  expected root:root 0600; found veza-api:root 0600"
chown 0 "$ENV"
verify_is "env owner reverted" 0

sed "s/$SECRET2/$SECRET3/" "$BASE/env.orig" >"$BASE/env.edit"
cat "$BASE/env.edit" >"$ENV"
check "value edited in place" grep -qF "$SECRET3" "$ENV"
verify_is "value edited" 5 "drift    content /etc/veza/backend-api.env"
cat "$BASE/env.orig" >"$ENV"
verify_is "value reverted" 0

printf 'EXTRA_FLAG=%s\n' "$SECRET3" >>"$ENV"
verify_is "variable added by hand" 5 \
	"drift    names   /etc/veza/backend-api.env  expected DATABASE_URL,JWT_SECRET,PORT; found added by hand: EXTRA_FLAG" \
	"drift    content /etc/veza/backend-api.env"
cat "$BASE/env.orig" >"$ENV"
verify_is "variable removed again" 0

line=$(grep -n '^ProtectHome=yes$' "$UNIT" | cut -d: -f1)
grep -v '^ProtectHome=yes$' "$BASE/unit.orig" >"$BASE/unit.edit"
cat "$BASE/unit.edit" >"$UNIT"
verify_is "unit hardening line removed" 5 \
	"drift    unit    /etc/systemd/system/veza-backend-api.service  expected line $line: ProtectHome=yes; found line $line differs (hand-edited)"
cat "$BASE/unit.orig" >"$UNIT"
verify_is "unit reverted" 0
# A line planted in the unit is named by number, never quoted.
sed "s/^Type=exec\$/Environment=PLANTED=$SECRET3/" "$BASE/unit.orig" >"$BASE/unit.edit"
cat "$BASE/unit.edit" >"$UNIT"
line=$(grep -n '^Environment=PLANTED' "$UNIT" | cut -d: -f1)
verify_is "unit line replaced by a planted one" 5 \
	"drift    unit    /etc/systemd/system/veza-backend-api.service  expected line $line: Type=exec; found line $line differs (hand-edited)"
cat "$BASE/unit.orig" >"$UNIT"

chown 1001:1001 "$R/opt/veza/backend-api/veza-api"
verify_is "binary chowned to the service user" 5 \
	"drift    binary  /opt/veza/backend-api/veza-api  expected owned by root, not writable by the service; found veza-api:veza-api 0755"
chown 0:0 "$R/opt/veza/backend-api/veza-api"
verify_is "binary reverted" 0

chmod 0770 "$R/etc/veza"
verify_is "directory made group-writable" 5 \
	"drift    dir     /etc/veza  expected root:veza-api 0750; found root:veza-api 0770"
chmod 0750 "$R/etc/veza"
verify_is "directory reverted" 0

LOG=$R/var/log/envseal/audit.jsonl
cp -p "$LOG" "$BASE/log.orig"
EXPECT=$(tail -1 "$LOG" | sed 's/.*,"hash":"\([0-9a-f]*\)"}$/\1/')
verify_is "anchored on the last record" 0
sed '$d' "$BASE/log.orig" >"$BASE/log.cut"
cat "$BASE/log.cut" >"$LOG"
expect_exit "cut log: audit verify alone still says intact" 0 "$ENVSEAL" audit verify --root "$R"
# The end record cut off also leaves apply's run without its end.
verify_is "audit record deleted from the end" 5 \
	"drift    anchor  /var/log/envseal/audit.jsonl  expected $EXPECT; found no record has that hash" \
	"drift    run     /var/log/envseal/audit.jsonl  expected an end record; found run "
cat "$BASE/log.orig" >"$LOG"
verify_is "log restored" 0
EXPECT=

# A run cut off after its intent (a crash): an intent and no end record,
# chained as envseal chains (any writer of the log could append it).
python3 - "$LOG" <<'PY'
import hashlib, sys
log = sys.argv[1]
prev = open(log).read().rstrip("\n").split("\n")[-1].rsplit('"hash":"', 1)[1][:64]
body = ('{"time":"2026-12-01T10:00:00Z","run":"' + "ab" * 16 + '","event":"intent",'
        '"uid":0,"sudo_user":null,"command":"render","policy":null,"kind":"file",'
        '"path":"/etc/veza/backend-api.env","action":"replaced","owner":"root",'
        '"group":"root","mode":"0600","prev":"' + prev + '"')
h = hashlib.sha256(body.encode()).hexdigest()
open(log, "a").write(body + ',"hash":"' + h + '"}\n')
PY
expect_exit "crashed run: audit verify says intact" 0 "$ENVSEAL" audit verify --root "$R"
verify_is "crashed run: an incomplete run is drift" 5 \
	"drift    run     /var/log/envseal/audit.jsonl  expected an end record; found run $(printf 'ab%.0s' $(seq 16)) (render, 2026-12-01T10:00:00Z, line $(wc -l <"$LOG")) has none; it intended: replaced /etc/veza/backend-api.env"
cat "$BASE/log.orig" >"$LOG"
verify_is "crashed run: log restored" 0

# An edited record is an integrity failure (exit 3), not drift.
sed '2s/"uid":0/"uid":7/' "$BASE/log.orig" >"$BASE/log.edit"
cat "$BASE/log.edit" >"$LOG"
verify_is "audit record edited: exit 3" 3 "drift    audit   /var/log/envseal/audit.jsonl  expected an intact chain; found /var/log/envseal/audit.jsonl:2: hash mismatch"
cat "$BASE/log.orig" >"$LOG"

# An env file with more names than a record lists: its names are
# recorded as vars_count and vars_sha256 (in the file's order, which is
# not name order: the static PORT comes last, after SOME_...; every tenth
# value is empty, which the reader's value offsets alone cannot order),
# and verify checks them so.
B=$BASE/big
mkdir -p "$B/group_vars"
python3 -c '
for i in range(4000):
    print("vault_some_long_variable_name_%05d: \"%s\"" % (3999 - i, "" if i % 10 == 0 else "v%d" % i))' \
	>"$B/group_vars/backend_api.vault.yml"
"$ENVSEAL" vault encrypt --vault-password-file "$BASE/pw" "$B/group_vars/backend_api.vault.yml" >/dev/null 2>&1
RB=$(mkroot shadow) || exit 1
(cd "$B" && "$ENVSEAL" apply --root "$RB" --vault-password-file "$BASE/pw" >/dev/null 2>&1)
check "big file: its names were recorded as count and hash" \
	grep -q '"vars_count":4001,"vars_sha256":' "$RB/var/log/envseal/audit.jsonl"
expect_exit "big file: names ok" 5 "$ENVSEAL" verify --root "$RB"
contains "big file: names checked by count and hash" "ok       names   /etc/veza/backend-api.env  4001 names, sha256"
printf 'EXTRA_FLAG=1\n' >>"$RB/etc/veza/backend-api.env"
expect_exit "big file: a name added" 5 "$ENVSEAL" verify --root "$RB"
contains "big file: names drift" "drift    names   /etc/veza/backend-api.env  expected 4001 names, sha256"
contains "big file: the count says it" "found 4002 names"

# --json: names and metadata only.
expect_exit "json" 0 "$ENVSEAL" verify --root "$R" --json
printf '%s\n' "$OUT" >>"$ALL"
check "json parses, ok true, every check has the five keys" python3 -c '
import json, sys
d = json.loads(sys.argv[1])
assert d["ok"] is True and len(d["checks"]) > 10
for c in d["checks"]:
    assert set(c) == {"kind", "path", "status", "expected", "actual"}, c
    assert c["status"] == "ok", c
' "$OUT"

# Read-only: nothing written on a writable root ...
before=$(snapshot "$R")
expect_exit "verify again" 0 "$ENVSEAL" verify --root "$R"
after=$(snapshot "$R")
check "verify leaves the root identical (stat, content, no new file)" [ "$before" = "$after" ]
# ... and it works on a read-only bind mount.
expect_exit "verify on a read-only bind mount" 0 unshare -m sh -c \
	'mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" && touch "$1/x" 2>/dev/null && exit 9; "$2" verify --root "$1"' sh "$R" "$ENVSEAL"
printf '%s\n' "$OUT" >>"$ALL"
after=$(snapshot "$R")
check "read-only run leaves every stat unchanged" [ "$before" = "$after" ]

# Not root: what it may not see is unknown, never a failure or a value.
chmod 0755 "$BASE" "$W"
expect_exit "as nobody: exit 5 (unknowns)" 5 setpriv --reuid=65534 --regid=65534 --clear-groups "$ENVSEAL" verify --root "$R"
printf '%s\n' "$OUT" >>"$ALL"
contains "as nobody: env file unknown" "unknown  envfile /etc/veza/backend-api.env"
contains "as nobody: audit unknown" "unknown  audit   /var/log/envseal/audit.jsonl"

# A policy that pins no ids: the first allocated ones, as the audit log
# recorded them, are what verify expects; a uid or gid changed by hand
# since is drift (a fresh allocation would have taken the same ids).
grep -Ev '^  (uid|gid):' "$TOP/examples/default.yml" >"$BASE/noids.yml"
RN=$(mkroot shadow) || exit 1
expect_exit "no ids: apply" 0 "$ENVSEAL" apply --root "$RN" --policy "$BASE/noids.yml" --vault-password-file "$BASE/pw"
mkdir -p "$RN/opt/veza/backend-api"
cp /bin/true "$RN/opt/veza/backend-api/veza-api"
chmod 0755 "$RN/opt" "$RN/opt/veza" "$RN/opt/veza/backend-api/veza-api"
AU=$(awk -F: '$1 == "veza-api" {print $3}' "$RN/etc/passwd")
AG=$(awk -F: '$1 == "veza-api" {print $3}' "$RN/etc/group")
check "no ids: the account record holds the allocated ids" python3 - "$RN/var/log/envseal/audit.jsonl" "$AU" "$AG" <<'PY'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
a = [r for r in recs if r["event"] == "account"]
assert len(a) == 1 and a[0]["user"] == "veza-api" and a[0]["group"] == "veza-api", a
assert a[0]["user_id"] == int(sys.argv[2]) and a[0]["group_id"] == int(sys.argv[3]), a
assert sorted(a[0]["created"]) == ["group", "user"], a
PY
R_SAVE=$R
R=$RN
VPOLICY=$BASE/noids.yml
verify_is "no ids: clean" 0
cp -p "$RN/etc/passwd" "$BASE/passwd.orig"
cp -p "$RN/etc/group" "$BASE/group.orig"
NU=$((AU + 7))
sed -i "s/^veza-api:x:$AU:/veza-api:x:$NU:/" "$RN/etc/passwd"
# (The log directory, owned by the old uid, now shows it as a number.)
verify_is "no ids: uid changed by hand" 5 \
	"drift    user    veza-api  expected uid $AU gid $AG home /opt/veza/backend-api shell /usr/sbin/nologin; found uid $NU gid $AG" \
	"drift    dir     /var/log/veza  expected veza-api:veza-api 0750; found $AU:veza-api 0750"
cat "$BASE/passwd.orig" >"$RN/etc/passwd"
sed -i "s/^veza-api:x:$AG:/veza-api:x:$((AG + 7)):/" "$RN/etc/group"
sed -i "s/^\(veza-api:x:$AU:\)$AG:/\1$((AG + 7)):/" "$RN/etc/passwd"
# (Every directory of the group shows its old gid as a number: not
# listed here.)
expect_exit "no ids: gid changed by hand: exit 5" 5 "$ENVSEAL" verify --root "$RN" --policy "$VPOLICY"
printf '%s\n' "$OUT" >>"$ALL"
contains "no ids: gid changed: the user's gid is drift" "drift    user    veza-api  expected uid $AU gid $AG home"
contains "no ids: gid changed: the group's gid is drift" "drift    group   veza-api  expected gid $AG; found gid $((AG + 7))"
cat "$BASE/passwd.orig" >"$RN/etc/passwd"
cat "$BASE/group.orig" >"$RN/etc/group"
verify_is "no ids: reverted" 0
R=$R_SAVE
VPOLICY=

check "env file back to its rendered bytes" cmp -s "$ENV" "$BASE/env.orig"
no_secret "no secret in any verify output" "$SECRET1" "$ALL"
no_secret "no secret in any verify output (2)" "$SECRET2" "$ALL"
no_secret "no edited value in any verify output" "$SECRET3" "$ALL"
