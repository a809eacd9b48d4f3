#!/bin/bash
# tests/cli/provision_concurrency.sh — `envseal provision` racing
# `useradd --root` and `systemd-sysusers --root` on one scratch root loses
# no line: all three take /etc/.pwd.lock (fcntl, as lckpwdf) around their
# read-modify-rename. Each round every tool adds a new account, so every
# round writes. (useradd --prefix is not used: it skips lckpwdf and takes
# only its per-file .lock files, which envseal does not take.)
# The race window is small; the test can fail only when the lock is
# missing and the writers interleave, so it is a detector, not a proof.
. "$(dirname "$0")/../lib.sh"

is_root || { skip provision_concurrency "needs root"; exit 0; }
command -v useradd >/dev/null || { skip provision_concurrency "no useradd"; exit 0; }

BASE=$(mktemp -d /tmp/envseal-test.XXXXXX)
chmod 0755 "$BASE"
trap 'rm -rf "$BASE"' EXIT
R=$BASE/root
mkdir -p "$R/etc" "$R/root" "$R/bin" "$R/usr/sbin"
cp /bin/bash "$R/bin/bash"
cp /usr/sbin/nologin "$R/usr/sbin/nologin"
printf 'root:x:0:0:root:/root:/bin/bash\n' >"$R/etc/passwd"
printf 'root:x:0:\nshadow:x:42:\n' >"$R/etc/group"
printf 'root:*:19000:0:99999:7:::\n' >"$R/etc/shadow"
printf 'root:*::\nshadow:*::\n' >"$R/etc/gshadow"
chmod 0640 "$R/etc/shadow" "$R/etc/gshadow"
cp /etc/login.defs "$R/etc/login.defs" 2>/dev/null ||
	printf 'SYS_UID_MAX 999\nSYS_GID_MAX 999\n' >"$R/etc/login.defs"

policy() { # N: a service svcN with no pinned ids and no directories
	cat <<EOF
envseal: 1
service:
  name: svc$1
  user: svc$1
  group: svc$1
  home: /
  exec: /usr/sbin/nologin
EOF
}

ROUNDS=8
fails=0
for i in $(seq 1 $ROUNDS); do
	policy "$i" >"$BASE/p$i.yml"
	"$ENVSEAL" provision --root "$R" --policy "$BASE/p$i.yml" >"$BASE/e$i.out" 2>&1 &
	pe=$!
	useradd --root "$R" --system -M -s /usr/sbin/nologin -d / "ua$i" >"$BASE/u$i.out" 2>&1 &
	pu=$!
	if command -v systemd-sysusers >/dev/null; then
		systemd-sysusers --root="$R" --inline "u sy$i - \"sysusers $i\"" >"$BASE/s$i.out" 2>&1 &
		ps=$!
		wait $ps || fails=$((fails + 1))
	fi
	wait $pe || { fails=$((fails + 1)); cat "$BASE/e$i.out"; }
	wait $pu || { fails=$((fails + 1)); cat "$BASE/u$i.out"; }
done
check "every concurrent run succeeded" [ "$fails" -eq 0 ]

missing=""
for i in $(seq 1 $ROUNDS); do
	for u in "svc$i" "ua$i" $(command -v systemd-sysusers >/dev/null && echo "sy$i"); do
		for f in passwd shadow group gshadow; do
			grep -q "^$u:" "$R/etc/$f" || missing="$missing $f:$u"
		done
	done
done
check "no line lost ($ROUNDS rounds, 3 writers)" [ -z "$missing" ]
[ -z "$missing" ] || echo "   missing:$missing"
OUT=$(pwck -r -R "$R" 2>&1); RC=$?
check "pwck clean after the race" [ "$RC" -eq 0 ]
[ "$RC" -eq 0 ] || echo "   pwck: $OUT"
OUT=$(grpck -r -R "$R" 2>&1); RC=$?
check "grpck clean after the race" [ "$RC" -eq 0 ]
[ "$RC" -eq 0 ] || echo "   grpck: $OUT"
