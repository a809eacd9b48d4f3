#!/bin/bash
# tests/cli/policy_collide.sh — an env file may not be written over
# envseal's own files (anything under /var/log/envseal, /var/lib/envseal),
# the passwd family with its lock and backups, "/", a directory on the way
# to one of those, the service's unit or a directories entry; nor may a
# directories entry take over envseal's own directories. Each is refused
# at policy validation: exit 2, one line naming the entry, for every
# command that loads the policy.
. "$(dirname "$0")/../lib.sh"
use_base

POL=$BASE/p.yml
SVC=$'service:\n  name: veza\n  user: veza\n  group: veza\n  home: /srv/veza\n  exec: /usr/bin/true\n'
env_at() { # PATH [EXTRA-YAML]: a policy whose one env file is at PATH
	printf 'envseal: 1\n%senv_files:\n  - path: %s\n    vault: v.yml\n    owner: root\n    group: root\n    mode: "0600"\n' \
		"${2:-}" "$1" >"$POL"
}
refused() { # NAME PATH NEEDLE [EXTRA-YAML]
	env_at "$2" "${4:-}"
	expect_exit "$1: exit 2" 2 "$ENVSEAL" policy show --policy "$POL"
	contains "$1: names the entry and the rule" "$POL:$((3 + $(printf '%s' "${4:-}" | grep -c ''))): env_files[0].path: $2 $3"
	check "$1: one line" [ "$(printf '%s\n' "$OUT" | wc -l)" = 1 ]
}
OWN="is envseal's own"
PWF="is a passwd-family file envseal writes itself"
for p in /var/log/envseal/audit.jsonl /var/log/envseal /var/log/envseal/x.env \
	/var/lib/envseal/audit.key /var/lib/envseal/lock /var/lib/envseal; do
	refused "envseal's own $p" "$p" "$OWN"
done
for f in passwd shadow group gshadow; do
	refused "passwd family /etc/$f" "/etc/$f" "$PWF"
	refused "passwd family backup /etc/$f-" "/etc/$f-" "$PWF"
done
refused "passwd lock /etc/.pwd.lock" /etc/.pwd.lock "$PWF"
refused "the root itself" / "is the root directory"
refused "a directory on the way to the audit log" /var/log "is a directory on the way to /var/log/envseal"
refused "a directory on the way to /etc/passwd" /etc "is a directory on the way to /etc/passwd"
refused "the service's unit" /etc/systemd/system/veza.service "is the service's unit" \
	"$SVC"
refused "a directory on the way to the unit" /etc/systemd/system "is a directory on the way to /etc/systemd/system/veza.service" \
	"$SVC"
refused "a directories entry" /etc/veza "is also directories[0]" \
	$'directories:\n  - {path: /etc/veza, owner: root, group: root, mode: "0750"}\n'
refused "a directory on the way to a directories entry" /srv "is a directory on the way to directories[0] /srv/app" \
	$'directories:\n  - {path: /srv/app, owner: root, group: root, mode: "0750"}\n'

# Near misses are fine: a sibling with a longer name is not inside.
for p in /var/log/envseal2/a.env /etc/passwd.env /etc/veza/backend-api.env /var/lib/envseal-x; do
	env_at "$p"
	expect_exit "near miss $p: accepted" 0 "$ENVSEAL" policy show --policy "$POL"
done

# A directories entry over envseal's own directories is refused too.
printf 'envseal: 1\ndirectories:\n  - {path: /var/log/envseal, owner: root, group: root, mode: "0777"}\n' >"$POL"
expect_exit "directories entry /var/log/envseal: exit 2" 2 "$ENVSEAL" policy show --policy "$POL"
contains "directories entry /var/log/envseal: named" "$POL:3: directories[0].path: /var/log/envseal $OWN"

# Every command loads the same validation: apply refuses before any work.
if is_root; then
	R=$(mkroot) || exit 1
	env_at /etc/shadow "$SVC"
	expect_exit "apply --check refuses it: exit 2" 2 "$ENVSEAL" apply --check --root "$R" --policy "$POL" --no-prompt
	contains "apply --check: names the entry" "env_files[0].path: /etc/shadow $PWF"
fi
