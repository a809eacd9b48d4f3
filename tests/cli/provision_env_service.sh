#!/bin/bash
# tests/cli/provision_env_service.sh — `env_service: true` (the embedded
# default): provision writes <name>-env.service, -env-refresh.service and
# -env.path next to the app unit (root 0644), the policy's copy in
# /etc/envseal (dir root 0700, file root 0600, the policy's own bytes, read
# back by render under the trusted-input rule); the app unit Requires= and
# is After= the env unit; the env units run render with the credential,
# score <= 2.0 offline; without env_service none of it is written;
# env_credential_plain gives LoadCredential=; render --try-restart asks for
# nothing off the live root. The booted proof is tests/service/run.sh.
. "$(dirname "$0")/../lib.sh"

is_root || { skip provision_env_service "needs root (chown)"; exit 0; }
use_base
audit_root "$BASE/audit"
SD=/etc/systemd/system
SVC=veza-backend-api
score() {
	systemd-analyze security --offline=true "$1" 2>/dev/null |
		sed -n 's/.*Overall exposure level for .*: \([0-9.]*\) .*/\1/p'
}

R=$(mkroot) || exit 1
expect_exit "provision (default policy)" 0 "$ENVSEAL" provision --root "$R"
for u in $SVC-env.service $SVC-env-refresh.service $SVC-env.path; do
	check "$u written root 0644" [ "$(stat -c '%a %u:%g' "$R$SD/$u" 2>/dev/null)" = "644 0:0" ]
done
check "app unit Requires= the env unit" grep -qx "Requires=$SVC-env.service" "$R$SD/$SVC.service"
check "app unit After= the env unit" grep -qx "After=$SVC-env.service" "$R$SD/$SVC.service"
E=$R$SD/$SVC-env.service F=$R$SD/$SVC-env-refresh.service P=$R$SD/$SVC-env.path
check "env units: skipped on a host without the credential (push way)" sh -c \
	"grep -qx ConditionPathExists=/etc/envseal/$SVC.cred '$E' && grep -qx ConditionPathExists=/etc/envseal/$SVC.cred '$F'"
check "env unit: oneshot, RemainAfterExit" sh -c "grep -qx Type=oneshot '$E' && grep -qx RemainAfterExit=yes '$E'"
check "env unit: LoadCredentialEncrypted= the host's credential" grep -qx "LoadCredentialEncrypted=vault-password:/etc/envseal/$SVC.cred" "$E"
check "env unit: renders the installed policy with the credential" grep -qx \
	"ExecStart=/usr/local/bin/envseal render --policy /etc/envseal/$SVC.policy.yml --vault-password-credential vault-password --no-prompt" "$E"
check "refresh unit: the same render with --try-restart" grep -q -- "--no-prompt --try-restart$" "$F"
check "refresh unit: not RemainAfterExit (the path can start it again)" sh -c "! grep -q RemainAfterExit '$F'"
check "env unit: no network, no home" sh -c "grep -qx PrivateNetwork=yes '$E' && grep -qx ProtectHome=yes '$E' && grep -qx ProtectSystem=strict '$E'"
check "path unit: watches the vault, the credential, the policy" sh -c \
	"grep -qx PathChanged=/etc/envseal/group_vars/backend_api.vault.yml '$P' &&
	 grep -qx PathChanged=/etc/envseal/$SVC.cred '$P' &&
	 grep -qx PathChanged=/etc/envseal/$SVC.policy.yml '$P' &&
	 grep -qx Unit=$SVC-env-refresh.service '$P'"
check "/etc/envseal root 0700" [ "$(stat -c '%a %u:%g' "$R/etc/envseal")" = "700 0:0" ]
check "policy copy root 0600" [ "$(stat -c '%a %u:%g' "$R/etc/envseal/$SVC.policy.yml")" = "600 0:0" ]
"$ENVSEAL" policy show >"$BASE/shown" 2>&1
"$ENVSEAL" policy show --policy "$R/etc/envseal/$SVC.policy.yml" >"$BASE/copy" 2>&1
# policy show's first line names the source; the rest is the policy.
check "the copy passes the trusted-input rule and is the same policy" \
	sh -c "grep -q 'env_service: true' '$BASE/copy' && [ \"\$(grep -v '^#' '$BASE/shown')\" = \"\$(grep -v '^#' '$BASE/copy')\" ]"
for u in "$E" "$F"; do
	S=$(score "$u")
	echo "# exposure (offline) of $(basename "$u"): $S"
	check "$(basename "$u") scores <= 2.0 offline (got ${S:-none})" \
		awk -v s="$S" 'BEGIN { exit !(s != "" && s + 0 <= 2.0) }'
done
expect_exit "rerun: unchanged" 0 "$ENVSEAL" provision --root "$R" --json
contains "rerun: no daemon-reload" '"daemon_reload": false'

# Without env_service: no env unit, no copy, no Requires=.
"$ENVSEAL" policy show | sed '/env_service\|env_credential/d' >"$BASE/plain.yml"
R2=$(mkroot) || exit 1
expect_exit "provision without env_service" 0 "$ENVSEAL" provision --root "$R2" --policy "$BASE/plain.yml"
check "no env units, no copy" sh -c "! ls '$R2$SD' | grep -q -- -env && [ ! -e '$R2/etc/envseal' ]"
check "no Requires=" sh -c "! grep -q Requires= '$R2$SD/$SVC.service'"

# A plain credential file: LoadCredential=.
sed -e '/env_credential/d' -e 's|^  env_service: true|  env_service: true\n  env_credential: /etc/envseal/pw\n  env_credential_plain: true|' \
	"$BASE/shown" >"$BASE/plaincred.yml"
R3=$(mkroot) || exit 1
expect_exit "provision, env_credential_plain" 0 "$ENVSEAL" provision --root "$R3" --policy "$BASE/plaincred.yml"
check "LoadCredential= for a plain file" grep -qx "LoadCredential=vault-password:/etc/envseal/pw" "$R3$SD/$SVC-env.service"
check "the path unit watches it" grep -qx "PathChanged=/etc/envseal/pw" "$R3$SD/$SVC-env.path"
sed 's/env_service: true/env_service: yes/' "$BASE/shown" >"$BASE/yes.yml"
expect_exit "env_service: yes is refused (true or false only)" 2 "$ENVSEAL" policy show --policy "$BASE/yes.yml"
contains "refusal names the key" "service.env_service"

# render on /run: the policy's /run directory made at each render (tmpfs
# is empty at boot), --try-restart asks only when an env file changed,
# and never off the live root.
cat >"$BASE/run.yml" <<P
envseal: 1
service:
  name: $SVC
  user: veza-api
  group: veza-api
  home: /opt/veza/backend-api
  exec: /opt/veza/backend-api/veza-api
  env_service: true
directories:
  - {path: /run/veza, owner: root, group: veza-api, mode: "0750"}
env_files:
  - path: /run/veza/backend-api.env
    vault: $VECTORS/a_v11_mapping.vault.yml
    owner: root
    group: root
    mode: "0600"
P
printf 'correct horse\n' >"$BASE/pw"; chmod 0600 "$BASE/pw"
R4=$(mkroot) || exit 1
expect_exit "provision (/run policy)" 0 "$ENVSEAL" provision --root "$R4" --policy "$BASE/run.yml"
check "env unit: RuntimeDirectory=veza once for /run/veza (dir and env file)" \
	[ "$(grep -c '^RuntimeDirectory=' "$R4$SD/$SVC-env.service")" = 1 -a "$(grep -c '^RuntimeDirectory=veza$' "$R4$SD/$SVC-env.service")" = 1 ]
rm -rf "$R4/run"
expect_exit "render --try-restart (/run emptied)" 0 "$ENVSEAL" render --root "$R4" --policy "$BASE/run.yml" --vault-password-file "$BASE/pw" --try-restart
G=$(awk -F: '$1 == "veza-api" { print $3 }' "$R4/etc/group")
check "/run/veza made again as the policy says (0750 root:veza-api)" [ "$(stat -c '%a %u:%g' "$R4/run/veza")" = "750 0:$G" ]
check "env file rendered on /run" [ -s "$R4/run/veza/backend-api.env" ]
contains "changed: restart asked, not run off the live root" "try-restart not run: the root is not /"
expect_exit "render --try-restart, unchanged" 0 "$ENVSEAL" render --root "$R4" --policy "$BASE/run.yml" --vault-password-file "$BASE/pw" --try-restart
case "$OUT" in *try-restart*) notok "unchanged: no restart asked" "$OUT" ;; *) ok "unchanged: no restart asked" ;; esac
no_secret "no value in the unit files or the policy copy" "s3cr3t" "$R4$SD" "$R4/etc/envseal"
