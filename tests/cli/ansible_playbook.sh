#!/bin/bash
# tests/cli/ansible_playbook.sh — the collection (envseal.envseal) and its
# playbook, with the real ansible-playbook: ansible/playbooks/backend_api.yml
# over an inventory of three hosts, each its own scratch root with its own
# passwd family (ansible_connection=local, a per-host envseal_root):
# (1) a first run changes every host, a second changes none;
# (2) --check --diff after a vault change names the changed variable and
#     writes nothing; (3) the run after it changes exactly the env files and
#     the handler's stand-in restart records itself once per host, in host
#     order; (4) a wrong password on host 2 stops the roll after host 2
#     (host 3 untouched) with envseal's message, and no value is anywhere in
#     the -vvv log; (5) without pipelining vault_password is refused.
. "$(dirname "$0")/../lib.sh"

is_root || { skip ansible_playbook "needs root (chown)"; exit 0; }
command -v ansible-playbook >/dev/null ||
	{ skip ansible_playbook "ansible-playbook not installed (scripts/deps.sh)"; exit 0; }

use_base
audit_root "$BASE/audit"
PW='FAKE-play-vault-pw-d81e'
BADPW='FAKE-play-wrong-pw-33a0'
S1='FAKE-play-db-one-6c1f'
S2='FAKE-play-db-two-9e07'
S3='FAKE-play-db-three-2ab4'
JWT='FAKE-play-jwt-5d22'

# Ansible's own state stays in the scratch directory: no ~/.ansible, no
# ansible.cfg from the working directory, module temporaries in $BASE.
mkdir -p "$BASE/ahome" "$BASE/tmp" "$BASE/ctl" "$BASE/inv/group_vars" "$BASE/inv/host_vars"
chmod 0700 "$BASE/tmp"
: >"$BASE/ansible.cfg"
export ANSIBLE_CONFIG=$BASE/ansible.cfg ANSIBLE_HOME=$BASE/ahome \
	ANSIBLE_LOCAL_TEMP=$BASE/ahome/tmp ANSIBLE_REMOTE_TEMP=$BASE/ahome/rtmp \
	ANSIBLE_COLLECTIONS_PATH=$TOP/ansible ANSIBLE_NOCOLOR=1 \
	ANSIBLE_FORCE_COLOR=0 ANSIBLE_RETRY_FILES_ENABLED=0 TMPDIR=$BASE/tmp
PLAYBOOK=$TOP/ansible/playbooks/backend_api.yml

# vault VALUE: the controller's vault, encrypted by envseal.
vault() {
	printf 'vault_database_url: "postgres://u:%s@db/veza"\nvault_jwt_secret: %s\n' \
		"$1" "$JWT" >"$BASE/ctl/backend_api.vault.yml"
	"$ENVSEAL" vault encrypt --vault-password-file "$BASE/pw" \
		"$BASE/ctl/backend_api.vault.yml" >/dev/null 2>&1
}
printf '%s\n' "$PW" >"$BASE/pw"
chmod 0600 "$BASE/pw"
vault "$S1"
check "vault encrypted" grep -q '^\$ANSIBLE_VAULT;1.1;AES256' "$BASE/ctl/backend_api.vault.yml"

R1=$(mkroot shadow) && R2=$(mkroot shadow) && R3=$(mkroot shadow) || exit 1
cat >"$BASE/inv/hosts.ini" <<EOF
[backend_api]
h1 envseal_root=$R1
h2 envseal_root=$R2
h3 envseal_root=$R3
EOF
cat >"$BASE/restart.sh" <<EOF
#!/bin/sh
echo "\$*" >>"$BASE/restart.log"
EOF
chmod 0755 "$BASE/restart.sh"
cat >"$BASE/inv/group_vars/backend_api.yml" <<EOF
ansible_connection: local
ansible_python_interpreter: /usr/bin/python3
ansible_pipelining: true
envseal_bin: $ENVSEAL
backend_api_vault_src: $BASE/ctl/backend_api.vault.yml
backend_api_vault_password: $PW
backend_api_restart_command: ["$BASE/restart.sh", "{{ inventory_hostname }}"]
EOF
ALL_LOG=$BASE/all.log
: >"$ALL_LOG"

# play NAME ARGS...: ansible-playbook, its output in $OUT (and the log of
# every run), its status in $RC.
play() {
	local n=$1; shift
	OUT=$(cd "$BASE" && ansible-playbook -i "$BASE/inv/hosts.ini" "$@" "$PLAYBOOK" 2>&1); RC=$?
	printf '== %s\n%s\n' "$n" "$OUT" >>"$ALL_LOG"
}
# recap HOST: the host's PLAY RECAP counters ("ok=5 changed=0 ...").
recap() { printf '%s\n' "$OUT" | sed -n "s/^$1 *: //p" | tr -s ' '; }
changed_of() { recap "$1" | sed -n 's/.*changed=\([0-9]*\).*/\1/p'; }
# snapshot ROOT: every path with its type, inode, times, mode, owner and
# size, then every file's content hash ("PATH sha HASH").
snapshot() {
	(cd "$1" && find . -printf '%p %y %i %T@ %C@ %m %u %g %s\n' | sort &&
	 find . -type f -print0 | sort -z | xargs -0 sha256sum | awk '{print $2, "sha", $1}')
}
# changed_paths ROOT BEFORE: the files (not directories: a rename changes
# its directory's times) whose lines differ from BEFORE, outside envseal's
# own log and state.
changed_paths() {
	diff <(printf '%s\n' "$2") <(snapshot "$1") | sed -n 's/^[<>] //p' | awk '$2 != "d" {print $1}' |
		grep -v -e '^\./var/log/envseal' -e '^\./var/lib/envseal' | sort -u | tr '\n' ' '
}
# same ROOT BEFORE: the whole tree as it was, directories included.
same() { [ "$(snapshot "$1")" = "$2" ]; }
nolog() { grep -v -e '^\./var/log/envseal' -e '^\./var/lib/envseal'; }
env_has() { grep -qF "$2" "$1/etc/veza/backend-api.env"; }

# -- (0) --check on hosts never set up: what would be created, nothing written
B1=$(snapshot "$R1"); B2=$(snapshot "$R2"); B3=$(snapshot "$R3")
play fresh-check --check --diff
check "check on new hosts: exit 0" [ "$RC" = 0 ]
[ "$RC" = 0 ] || printf '%s\n' "$OUT" | grep -A12 'fatal:' | head -20
for h in 1 2 3; do
	eval "R=\$R$h; B=\$B$h"
	check "check on new hosts: h$h would change" [ "$(changed_of h$h)" -ge 1 ] 2>/dev/null
	check "check on new hosts: h$h nothing written" same "$R" "$B"
done
contains "check on new hosts: the unit's diff" "+ExecStart=/opt/veza/backend-api/veza-api"
contains "check on new hosts: the env file's names" "+DATABASE_URL"
check "check on new hosts: no restart" [ ! -s "$BASE/restart.log" ]

# -- (1) first run changes every host; second run changes none ---------
play first
check "first run: exit 0" [ "$RC" = 0 ]
[ "$RC" = 0 ] || printf '%s\n' "$OUT" | tail -20
for h in 1 2 3; do
	eval "R=\$R$h"
	check "first run: h$h changed" [ "$(changed_of h$h)" -ge 1 ] 2>/dev/null
	check "first run: h$h env file holds the value" env_has "$R" "$S1"
	check "first run: h$h user provisioned" grep -q '^veza-api:x:1001:1001:' "$R/etc/passwd"
	check "first run: h$h unit written" [ -f "$R/etc/systemd/system/veza-backend-api.service" ]
	check "first run: h$h policy root-owned 0600" [ "$(stat -c '%U %a' "$R/etc/envseal/backend_api.policy.yml")" = "root 600" ]
done
check "first run: handler restarted each host once, in order" [ "$(cat "$BASE/restart.log" 2>/dev/null)" = "h1 veza-backend-api.service
h2 veza-backend-api.service
h3 veza-backend-api.service" ]
: >"$BASE/restart.log"
B1=$(snapshot "$R1"); B2=$(snapshot "$R2"); B3=$(snapshot "$R3")
play second
check "second run: exit 0" [ "$RC" = 0 ]
for h in 1 2 3; do
	check "second run: h$h changed=0" [ "$(changed_of h$h)" = 0 ]
done
for h in 1 2 3; do
	eval "R=\$R$h; B=\$B$h"
	check "second run: h$h untouched (inode, times, content; log aside)" \
		[ "$(snapshot "$R" | nolog)" = "$(printf '%s\n' "$B" | nolog)" ]
done
B1=$(snapshot "$R1"); B2=$(snapshot "$R2"); B3=$(snapshot "$R3")
check "second run: no restart" [ ! -s "$BASE/restart.log" ]

# -- (2) --check --diff after a vault change -----------------------------
vault "$S2"
play check --check --diff
check "check --diff: exit 0" [ "$RC" = 0 ]
contains "check --diff: the changed name, no value" "+DATABASE_URL=<new value>"
check "check --diff: one such line per host" [ "$(printf '%s\n' "$OUT" | grep -c '^+DATABASE_URL=<new value>')" = 3 ]
check "check --diff: an unchanged name is not listed" [ "$(printf '%s\n' "$OUT" | grep -c 'JWT_SECRET')" = 0 ]
for h in 1 2 3; do
	eval "R=\$R$h; B=\$B$h"
	check "check --diff: h$h: nothing written, audit log included" same "$R" "$B"
done
check "check --diff: no restart" [ ! -s "$BASE/restart.log" ]

# -- (3) the run after a vault change --------------------------------------
play vault-change
check "vault change: exit 0" [ "$RC" = 0 ]
for h in 1 2 3; do
	eval "R=\$R$h; B=\$B$h"
	check "vault change: h$h only the env file (and the vault copy) changed" \
		[ "$(changed_paths "$R" "$B")" = "./etc/envseal/backend_api.vault.yml ./etc/veza/backend-api.env " ]
	check "vault change: h$h env file holds the new value" env_has "$R" "$S2"
done
check "vault change: the restart ran once per host, in host order" [ "$(cat "$BASE/restart.log")" = "h1 veza-backend-api.service
h2 veza-backend-api.service
h3 veza-backend-api.service" ]

# -- (4) host 2 with a wrong password: the roll stops after it ---------------
: >"$BASE/restart.log"
vault "$S3"
printf 'backend_api_vault_password: %s\n' "$BADPW" >"$BASE/inv/host_vars/h2.yml"
B2=$(snapshot "$R2"); B3=$(snapshot "$R3")
play wrong-password -vvv
printf '%s\n' "$OUT" >"$BASE/vvv.log"
[ -n "${KEEP_VVV:-}" ] && cp "$ALL_LOG" "$KEEP_VVV"
check "wrong password: the play fails" [ "$RC" != 0 ]
check "wrong password: h1 done" env_has "$R1" "$S3"
check "wrong password: h2's env file as it was" env_has "$R2" "$S2"
check "wrong password: h2's service files untouched" [ "$(changed_paths "$R2" "$B2")" = "./etc/envseal/backend_api.vault.yml " ]
check "wrong password: h3 untouched" [ "$(changed_paths "$R3" "$B3")" = "" ]
check "wrong password: no task ran on h3" [ "$(grep -c '\[h3\]' "$BASE/vvv.log")" = 0 ]
contains "wrong password: envseal's message" "envseal: apply: "
contains "wrong password: ... that no secret opened the vault" "no vault secret opened it"
contains "wrong password: envseal's exit status" '"rc": 3'
check "wrong password: no traceback" [ "$(grep -c Traceback "$BASE/vvv.log")" = 0 ]
check "wrong password: h1 restarted, nobody else" [ "$(cat "$BASE/restart.log")" = "h1 veza-backend-api.service" ]
rm -f "$BASE/inv/host_vars/h2.yml"

# -- (5) no pipelining: vault_password refused before the module runs ------
B1=$(snapshot "$R1")
play no-pipelining --limit h1 -e ansible_pipelining=false
check "no pipelining: refused" [ "$RC" != 0 ]
contains "no pipelining: says why" "vault_password needs pipelining"
check "no pipelining: h1 untouched" [ "$(changed_paths "$R1" "$B1")" = "" ]

# -- the render module alone, ad hoc: restart only when the env file changed
S4='FAKE-play-db-four-71c9'
vault "$S4"
cp "$BASE/ctl/backend_api.vault.yml" "$R1/etc/envseal/backend_api.vault.yml"
: >"$BASE/restart.log"
RARGS='{"envseal_bin": "{{ envseal_bin }}", "root": "{{ envseal_root }}",
 "policy": "{{ envseal_root }}/etc/envseal/backend_api.policy.yml",
 "vault_password": "{{ backend_api_vault_password }}",
 "restart": ["render.service"], "restart_command": {{ backend_api_restart_command | to_json }}}'
adhoc() {
	OUT=$(cd "$BASE" && ansible -i "$BASE/inv/hosts.ini" h1 -m envseal.envseal.render -a "$RARGS" "$@" 2>&1); RC=$?
	printf '== adhoc\n%s\n' "$OUT" >>"$ALL_LOG"
}
adhoc --check --diff
check "render --check --diff: exit 0" [ "$RC" = 0 ]
contains "render --check --diff: the changed name" "+DATABASE_URL=<new value>"
check "render --check: no restart" [ ! -s "$BASE/restart.log" ]
adhoc
check "render: exit 0" [ "$RC" = 0 ]
contains "render: changed" '"changed": true'
contains "render: restarted" '"restarted": ['
check "render: env file holds the new value" env_has "$R1" "$S4"
check "render: the restart ran once" [ "$(cat "$BASE/restart.log")" = "h1 render.service" ]
adhoc
contains "render again: unchanged" '"changed": false'
check "render again: no restart" [ "$(cat "$BASE/restart.log")" = "h1 render.service" ]

# vault_src that holds no ciphertext: refused on the controller, nothing
# sent (the action plugin reads the file raw, so it never decrypts either).
PLAIN='FAKE-play-plain-0b3d'
printf 'vault_database_url: %s\n' "$PLAIN" >"$BASE/ctl/plain.yml"
RARGS='{"envseal_bin": "{{ envseal_bin }}", "root": "{{ envseal_root }}",
 "policy": "{{ envseal_root }}/etc/envseal/backend_api.policy.yml",
 "vault": "{{ envseal_root }}/etc/envseal/backend_api.vault.yml",
 "vault_src": "'"$BASE/ctl/plain.yml"'", "vault_password": "{{ backend_api_vault_password }}"}'
adhoc -vvv
check "plain vault_src: refused" [ "$RC" != 0 ]
contains "plain vault_src: says it is not encrypted" "not encrypted"
no_secret "plain vault_src: its content never sent or shown" "$PLAIN" "$ALL_LOG" "$R1" "$BASE/tmp"

for s in "$PW" "$BADPW" "$S1" "$S2" "$S3" "$S4" "$JWT"; do
	no_secret "no secret in any ansible output (-vvv included): ${s%-*}" "$s" "$ALL_LOG"
	no_secret "no secret left in Ansible's or the modules' temporaries: ${s%-*}" "$s" \
		"$BASE/ahome" "$BASE/tmp"
done
no_secret "no password on any host's disk" "$PW" "$R1" "$R2" "$R3"
check "module temporaries removed" [ -z "$(ls -A "$BASE/tmp")" ]

# -- linters, offline -----------------------------------------------------
# ansible-lint (production profile) on the playbook and the role.
if command -v ansible-lint >/dev/null; then
	OUT=$(cd "$TOP/ansible" && HOME=$BASE/ahome ansible-lint --offline --nocolor \
		playbooks/backend_api.yml ansible_collections/envseal/envseal/roles/backend_api 2>&1); RC=$?
	check "ansible-lint: no violation" [ "$RC" = 0 ]
	contains "ansible-lint: production profile" "Passed with production profile"
else
	skip "ansible-lint" "not installed (scripts/deps.sh)"
fi
# ansible-test sanity: the tests that need no network. ansible-doc,
# import, pep8, pylint, runtime-metadata, validate-modules and yamllint
# build a venv with requirements from PyPI and cannot run offline.
if command -v ansible-test >/dev/null; then
	mkdir -p "$BASE/at/ansible_collections/envseal"
	cp -a "$TOP/ansible/ansible_collections/envseal/envseal" "$BASE/at/ansible_collections/envseal/"
	set --
	for t in action-plugin-docs changelog compile ignores empty-init future-import-boilerplate \
		line-endings metaclass-boilerplate no-assert no-basestring no-dict-iteritems \
		no-dict-iterkeys no-dict-itervalues no-get-exception no-illegal-filenames \
		no-main-display no-smart-quotes no-unicode-literals replace-urlopen shebang \
		shellcheck symlinks use-argspec-type-path use-compat-six; do
		set -- "$@" --test "$t"
	done
	OUT=$(cd "$BASE/at/ansible_collections/envseal/envseal" &&
		HOME=$BASE/ahome ansible-test sanity --python "$(/usr/bin/python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])')" "$@" 2>&1); RC=$?
	check "ansible-test sanity (offline tests): pass" [ "$RC" = 0 ]
	[ "$RC" = 0 ] || printf '%s\n' "$OUT" | grep -v WARNING | tail -5
else
	skip "ansible-test sanity" "ansible-test not installed"
fi
