#!/bin/bash
# tests/cli/credential_seal.sh — `envseal credential seal`: the secret goes
# to systemd-creds on its stdin only (not argv, not the environment),
# systemd-creds' output lands in OUT (0600, through fs/, audited), a
# failed seal writes nothing, bad options are usage errors. systemd-creds
# is replaced by a recorder, bind-mounted over /usr/bin/systemd-creds in a
# private mount namespace (the real one, with the host key bound to a
# machine id, runs in tests/service/run.sh).
. "$(dirname "$0")/../lib.sh"

is_root || { skip credential_seal "needs root (mount namespace)"; exit 0; }
[ -x /usr/bin/systemd-creds ] || { skip credential_seal "no /usr/bin/systemd-creds"; exit 0; }
command -v unshare >/dev/null || { skip credential_seal "no unshare"; exit 0; }
use_base
audit_root "$BASE/audit"
SECRET="pw-$$-seal"
mkdir -m 0700 "$BASE/rec"
cat >"$BASE/fake" <<FAKE
#!/bin/sh
# records what it was given; "sealed" = a marker and the input's hash
printf '%s\n' "\$@" >$BASE/rec/argv
env >$BASE/rec/env
h=\$(sha256sum | cut -d' ' -f1)
[ -e $BASE/rec/fail ] && { echo "fake: refusing" >&2; exit 1; }
printf 'SEALED %s\n' "\$h"
FAKE
chmod 0755 "$BASE/fake"
seal() { # ARGS... : envseal credential seal under the fake
	unshare --mount --propagation private sh -c 'mount --bind "$1" /usr/bin/systemd-creds && shift && exec "$@"' \
		sh "$BASE/fake" "$ENVSEAL" credential seal "$@"
}
want=$(printf '%s' "$SECRET" | sha256sum | cut -d' ' -f1)

OUT=$(printf '%s\n' "$SECRET" | seal --name vault-password --with-key host "$BASE/out.cred" 2>&1); RC=$?
check "seal from stdin: exit 0" [ $RC -eq 0 ]
check "systemd-creds got the secret on stdin (newline dropped)" grep -qx "SEALED $want" "$BASE/out.cred"
check "OUT is 0600 root" [ "$(stat -c '%a %u' "$BASE/out.cred")" = "600 0" ]
check "argv: encrypt --name=vault-password --with-key=host - -" \
	[ "$(tr '\n' ' ' <"$BASE/rec/argv")" = "encrypt --name=vault-password --with-key=host - - " ]
check "environment: PATH alone" [ "$(cut -d= -f1 "$BASE/rec/env" | grep -v -x -E 'PWD|SHLVL|_' | tr '\n' ' ')" = "PATH " ]
no_secret "the secret is in no argv, env, output or audit record" "$SECRET" "$BASE/rec" "$BASE/out.cred" "$BASE/audit"
case "$OUT" in *"$SECRET"*) notok "the secret is not in the messages" ;; *) ok "the secret is not in the messages" ;; esac
check "audited: a credential seal run" grep -q 'credential seal' "$BASE/audit/var/log/envseal/audit.jsonl"

before=$(sha256sum <"$BASE/out.cred")
touch "$BASE/rec/fail"
OUT=$(printf 'other\n' | seal --name vault-password "$BASE/out.cred" 2>&1); RC=$?
check "systemd-creds fails: non-zero exit" [ $RC -ne 0 ]
contains "the error says systemd-creds failed" "systemd-creds encrypt failed"
check "systemd-creds fails: OUT untouched" [ "$(sha256sum <"$BASE/out.cred")" = "$before" ]
rm -f "$BASE/rec/fail"
OUT=$(printf '\n' | seal --name vault-password "$BASE/new.cred" 2>&1); RC=$?
check "empty secret: refused, nothing written" [ $RC -ne 0 -a ! -e "$BASE/new.cred" ]

expect_exit "no --name: usage" 2 "$ENVSEAL" credential seal "$BASE/x"
expect_exit "bad name: usage" 2 "$ENVSEAL" credential seal --name 'a/b' "$BASE/x"
expect_exit "bad key: usage" 2 "$ENVSEAL" credential seal --name n --with-key null "$BASE/x"
expect_exit "OUT '-': usage" 2 "$ENVSEAL" credential seal --name n -
expect_exit "no subcommand: usage" 2 "$ENVSEAL" credential
check "usage errors wrote nothing" [ ! -e "$BASE/x" ]
