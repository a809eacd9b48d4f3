#!/bin/bash
# bench/playbook.sh — the push step as a playbook, side by side in one
# hyperfine batch: ansible/playbooks/backend_api.yml (the role
# envseal.envseal.backend_api: policy template, vault copy, one
# envseal.envseal.apply) against the same roll written as the seed role
# has it (ansible.builtin.group + user + file + template, the vault
# decrypted by ansible), over three hosts with serial: 1 and a handler.
# Each is timed on a first run (fresh hosts: hyperfine --prepare resets
# them) and on an unchanged run; per host is the median over 3.
#
# Hosts are ansible_connection=local, each with its own scratch root.
# Ansible's user and group modules have no root prefix, so the seed-style
# playbook runs in a private mount namespace (unshare -m) with a scratch
# copy of /etc bind-mounted over /etc, one account per host
# (veza-api-h1..3), its files under the host's root.
#
# Needs root, hyperfine, ansible-playbook, unshare.
# Usage: bench/playbook.sh [RUNS]   (default 3)
set -eu
TOP=$(cd "$(dirname "$0")/.." && pwd)
ENVSEAL=${ENVSEAL:-$TOP/build/envseal}
RUNS=${1:-3}

for t in hyperfine ansible-playbook unshare; do
	command -v "$t" >/dev/null || { echo "bench: $t not installed" >&2; exit 1; }
done
[ "$(id -u)" -eq 0 ] || { echo "bench: needs root" >&2; exit 1; }

S=$(mktemp -d /tmp/envseal-bench.XXXXXX)
chmod 0755 "$S"
trap 'rm -rf "$S"' EXIT
mkdir -p "$S/ctl" "$S/inv/group_vars" "$S/ahome" "$S/tmp"
chmod 0700 "$S/tmp"
: >"$S/ansible.cfg"
export ANSIBLE_CONFIG=$S/ansible.cfg ANSIBLE_HOME=$S/ahome \
	ANSIBLE_LOCAL_TEMP=$S/ahome/tmp ANSIBLE_REMOTE_TEMP=$S/ahome/rtmp \
	ANSIBLE_COLLECTIONS_PATH=$TOP/ansible ANSIBLE_NOCOLOR=1 TMPDIR=$S/tmp

printf 'bench-throwaway-password\n' >"$S/pw"
chmod 0600 "$S/pw"
cat >"$S/ctl/backend_api.vault.yml" <<'EOF'
vault_database_url: "postgres://veza:FAKE-bench@10.0.0.5:5432/veza"
vault_jwt_secret: "FAKE-bench-jwt"
vault_redis_url: "redis://:FAKE-bench@10.0.0.6:6379/0"
EOF
mkdir -p "$S/audit"
"$ENVSEAL" vault encrypt --vault-password-file "$S/pw" --audit-root "$S/audit" \
	"$S/ctl/backend_api.vault.yml" 2>/dev/null
printf '#!/bin/sh\necho "$*" >>%s/restart.log\n' "$S" >"$S/restart.sh"
chmod 0755 "$S/restart.sh"

# Three fresh roots per side, each with only root's accounts.
cat >"$S/reset.sh" <<EOF
#!/bin/sh
set -e
for side in e a; do
	for h in 1 2 3; do
		r=$S/\$side\$h
		rm -rf "\$r"
		mkdir -p "\$r/etc/systemd/system"
		chmod 0755 "\$r" "\$r/etc"
		printf 'root:x:0:0:root:/root:/bin/bash\n' >"\$r/etc/passwd"
		printf 'root:*:19000:0:99999:7:::\n' >"\$r/etc/shadow"
		printf 'root:x:0:\n' >"\$r/etc/group"
		printf 'root:*::\n' >"\$r/etc/gshadow"
	done
done
rm -rf "$S/etc"
cp -a "$S/etc.pristine" "$S/etc"
EOF
chmod 0755 "$S/reset.sh"
cp -a /etc "$S/etc.pristine"
"$S/reset.sh"

# The envseal side: the collection's playbook as it is.
cat >"$S/inv/hosts.ini" <<EOF
[backend_api]
h1 envseal_root=$S/e1 seed_root=$S/a1 seed_uid=1001
h2 envseal_root=$S/e2 seed_root=$S/a2 seed_uid=1002
h3 envseal_root=$S/e3 seed_root=$S/a3 seed_uid=1003
EOF
cat >"$S/inv/group_vars/backend_api.yml" <<EOF
ansible_connection: local
ansible_python_interpreter: /usr/bin/python3
ansible_pipelining: true
envseal_bin: $ENVSEAL
backend_api_vault_src: $S/ctl/backend_api.vault.yml
backend_api_vault_password: bench-throwaway-password
backend_api_restart_command: ["$S/restart.sh", "{{ inventory_hostname }}"]
EOF

# The seed side: the same unit and env file as templates, the same roll.
"$ENVSEAL" apply --root "$S/e1" --vault "$S/ctl/backend_api.vault.yml" \
	--vault-password-file "$S/pw" >/dev/null 2>&1
sed 's/^# Managed by envseal.*/# {{ ansible_managed }}/' \
	"$S/e1/etc/systemd/system/veza-backend-api.service" >"$S/unit.j2"
"$S/reset.sh"
cat >"$S/env.j2" <<'EOF'
# {{ ansible_managed }}
DATABASE_URL={{ vault_database_url }}
JWT_SECRET={{ vault_jwt_secret }}
REDIS_URL={{ vault_redis_url }}
PORT=8080
EOF
cat >"$S/seed.yml" <<EOF
- name: The seed's backend_api role
  hosts: backend_api
  serial: 1
  max_fail_percentage: 0
  gather_facts: false
  vars_files: [$S/ctl/backend_api.vault.yml]
  vars:
    user: "veza-api-{{ inventory_hostname }}"
  tasks:
    - ansible.builtin.group: {name: "{{ user }}", gid: "{{ seed_uid }}", system: true}
    - ansible.builtin.user:
        name: "{{ user }}"
        uid: "{{ seed_uid }}"
        group: "{{ user }}"
        comment: Veza backend API
        home: /opt/veza/backend-api
        shell: /usr/sbin/nologin
        create_home: false
        system: true
    - ansible.builtin.file:
        path: "{{ seed_root }}{{ item.path }}"
        state: directory
        owner: "{{ item.owner }}"
        group: "{{ user }}"
        mode: "0750"
      loop:
        - {path: /opt/veza/backend-api, owner: root}
        - {path: /etc/veza, owner: root}
        - {path: /var/log/veza, owner: "{{ user }}"}
    - ansible.builtin.template:
        src: $S/unit.j2
        dest: "{{ seed_root }}/etc/systemd/system/veza-backend-api.service"
        owner: root
        group: root
        mode: "0644"
      notify: restart
    - ansible.builtin.template:
        src: $S/env.j2
        dest: "{{ seed_root }}/etc/veza/backend-api.env"
        owner: root
        group: root
        mode: "0600"
      no_log: true
      notify: restart
  handlers:
    - name: restart
      ansible.builtin.command:
        argv: ["$S/restart.sh", "{{ inventory_hostname }}", veza-backend-api.service]
EOF

ENVSEAL_PLAY="ansible-playbook -i $S/inv/hosts.ini $TOP/ansible/playbooks/backend_api.yml"
SEED_PLAY="unshare -m sh -c 'mount --bind $S/etc /etc && exec ansible-playbook -i $S/inv/hosts.ini --vault-password-file $S/pw $S/seed.yml'"

# Both sides work and are idempotent before anything is timed.
for side in ENVSEAL_PLAY SEED_PLAY; do
	eval "${!side}" >"$S/first.out" 2>&1 || { tail -30 "$S/first.out"; echo "bench: $side failed" >&2; exit 1; }
	eval "${!side}" >"$S/second.out" 2>&1
	[ "$(grep -c 'changed=0 ' "$S/second.out")" = 3 ] ||
		{ tail -8 "$S/second.out"; echo "bench: $side rerun is not unchanged" >&2; exit 1; }
done

hyperfine --runs "$RUNS" --export-json "$S/play.json" \
	--prepare "$S/reset.sh" \
	-n "envseal role, first run (3 hosts)" "$ENVSEAL_PLAY" \
	-n "seed role (template+user+file), first run (3 hosts)" "$SEED_PLAY" \
	>"$S/hf1.out"
# Unchanged: prime each side once after the reset, then time reruns.
"$S/reset.sh"
eval "$ENVSEAL_PLAY" >/dev/null 2>&1
eval "$SEED_PLAY" >/dev/null 2>&1
hyperfine --runs "$RUNS" --export-json "$S/play2.json" \
	-n "envseal role, unchanged run (3 hosts)" "$ENVSEAL_PLAY" \
	-n "seed role (template+user+file), unchanged run (3 hosts)" "$SEED_PLAY" \
	>"$S/hf2.out"
python3 - "$S/play.json" "$S/play2.json" "$RUNS" <<'PY'
import json, sys
rows = []
for f in sys.argv[1:3]:
    rows += json.load(open(f))["results"]
print("runs per line: %s (medians)" % sys.argv[3])
print("| playbook | median | per host | ratio (seed / envseal) |")
print("|:---|---:|---:|---:|")
for i in range(0, len(rows), 2):
    e, s = rows[i], rows[i + 1]
    for r in (e, s):
        print("| %s | %.2f s | %.2f s | %s |" % (
            r["command"], r["median"], r["median"] / 3,
            "%.2f×" % (s["median"] / e["median"]) if r is s else ""))
PY
