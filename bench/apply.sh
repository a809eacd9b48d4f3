#!/bin/bash
# bench/apply.sh — an unchanged `envseal apply` (user, group, 3 dirs, unit,
# env file from an Ansible Vault) against `ansible-playbook` doing the same
# with the user/group/file/template modules, plus the unchanged
# `envseal render` alone. hyperfine, one run, medians.
#
# Ansible's user and group modules have no root prefix, so the playbook
# runs in a private mount namespace (unshare -m) where a scratch copy of
# the host's /etc is bind-mounted over /etc: useradd/groupmod see and edit
# only the copy. Its file and template tasks write under a scratch root,
# as envseal does under --root. envseal's root gets copies of the same
# passwd family. Both are primed once, so every timed run is "unchanged".
#
# Needs root, hyperfine, ansible-playbook. Usage: bench/apply.sh [RUNS]
set -eu
TOP=$(cd "$(dirname "$0")/.." && pwd)
ENVSEAL=${ENVSEAL:-$TOP/build/envseal}
RUNS=${1:-10}

for t in hyperfine ansible-playbook unshare; do
	command -v "$t" >/dev/null || { echo "bench: $t not installed" >&2; exit 1; }
done
[ "$(id -u)" -eq 0 ] || { echo "bench: needs root" >&2; exit 1; }

S=$(mktemp -d /tmp/envseal-bench.XXXXXX)
chmod 0755 "$S"
trap 'rm -rf "$S"' EXIT
ROOT=$S/root          # envseal --root
AROOT=$S/aroot        # ansible's file/template destinations
W=$S/work
mkdir -p "$ROOT/etc" "$AROOT/etc/systemd/system" "$W/group_vars"
for f in passwd group shadow gshadow login.defs; do
	cp -p "/etc/$f" "$ROOT/etc/$f"
done
cp -a /etc "$S/etc"   # ansible's /etc inside its mount namespace

printf 'bench-throwaway-password\n' >"$S/pw"
chmod 0600 "$S/pw"
cat >"$W/group_vars/backend_api.vault.yml" <<'EOF'
vault_database_url: "postgres://veza:FAKE-bench@10.0.0.5:5432/veza"
vault_jwt_secret: "FAKE-bench-jwt"
vault_redis_url: "redis://:FAKE-bench@10.0.0.6:6379/0"
EOF
"$ENVSEAL" vault encrypt --vault-password-file "$S/pw" --audit-root "$ROOT" \
	"$W/group_vars/backend_api.vault.yml" 2>/dev/null
cd "$W"
"$ENVSEAL" apply --root "$ROOT" --vault-password-file "$S/pw" >/dev/null 2>&1

# The same unit text and env file, as templates.
cp "$ROOT/etc/systemd/system/veza-backend-api.service" "$S/unit.j2"
cat >"$S/env.j2" <<'EOF'
# Managed by ansible
DATABASE_URL={{ vault_database_url }}
JWT_SECRET={{ vault_jwt_secret }}
REDIS_URL={{ vault_redis_url }}
PORT=8080
EOF
cat >"$S/play.yml" <<EOF
- hosts: localhost
  connection: local
  gather_facts: false
  vars:
    ansible_python_interpreter: /usr/bin/python3
  vars_files: [$W/group_vars/backend_api.vault.yml]
  tasks:
    - ansible.builtin.group: {name: veza-api, gid: 1001, system: true}
    - ansible.builtin.user:
        name: veza-api
        uid: 1001
        group: veza-api
        comment: Veza backend API
        home: /opt/veza/backend-api
        shell: /usr/sbin/nologin
        create_home: false
        system: true
    - ansible.builtin.file:
        path: "$AROOT{{ item.path }}"
        state: directory
        owner: "{{ item.owner }}"
        group: veza-api
        mode: "0750"
      loop:
        - {path: /opt/veza/backend-api, owner: root}
        - {path: /etc/veza, owner: root}
        - {path: /var/log/veza, owner: veza-api}
    - ansible.builtin.template:
        src: $S/unit.j2
        dest: $AROOT/etc/systemd/system/veza-backend-api.service
        owner: root
        group: root
        mode: "0644"
    - ansible.builtin.template:
        src: $S/env.j2
        dest: $AROOT/etc/veza/backend-api.env
        owner: root
        group: root
        mode: "0600"
EOF
ANSIBLE_CMD="unshare -m sh -c 'mount --bind $S/etc /etc && exec ansible-playbook -i localhost, --vault-password-file $S/pw $S/play.yml'"
eval "$ANSIBLE_CMD" >"$S/ansible-prime.out" 2>&1 ||
	{ cat "$S/ansible-prime.out"; echo "bench: ansible prime failed" >&2; exit 1; }
# Confirm both are unchanged before timing.
eval "$ANSIBLE_CMD" | grep -q 'changed=0' ||
	{ echo "bench: ansible rerun is not unchanged" >&2; exit 1; }
"$ENVSEAL" apply --root "$ROOT" --vault-password-file "$S/pw" --json |
	grep -q '"changed": false' ||
	{ echo "bench: envseal rerun is not unchanged" >&2; exit 1; }

hyperfine --warmup 2 --runs "$RUNS" --export-json "$S/apply.json" \
	-n "envseal apply (unchanged)" \
	"$ENVSEAL apply --root $ROOT --vault-password-file $S/pw" \
	-n "envseal render (unchanged)" \
	"$ENVSEAL render --root $ROOT --vault-password-file $S/pw" \
	-n "ansible-playbook group+user+file+template (unchanged)" \
	"$ANSIBLE_CMD"
# Medians and ratios to the fastest, as a Markdown table.
python3 - "$S/apply.json" <<'PY'
import json, sys
res = json.load(open(sys.argv[1]))["results"]
best = min(r["median"] for r in res)
print("| command | median | ratio |")
print("|:---|---:|---:|")
for r in res:
    print("| %s | %.1f ms | %.1f× |" % (r["command"], r["median"] * 1000,
                                       r["median"] / best))
PY
