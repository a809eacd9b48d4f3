# tests/service/checks.sh — run by tests/service/run.sh INSIDE the booted
# container (bash -s), as root. Arguments: SERVICE V1_DB V2_DB TOKEN PW
# WRONG APP_SCORE_MAX ENV_SCORE_MAX; fd 3: the vault re-encrypted with
# V2_DB. Prints ok/not ok lines; the values never appear in its output.
set -u
SVC=$1 V1=$2 V2=$3 TOKEN=$4 PW=$5 WRONG=$6 APP_MAX=$7 ENV_MAX=$8
APP=$SVC.service ENVU=$SVC-env.service REFRESH=$SVC-env-refresh.service
ENVF=/run/veza/backend-api.env
ok() { echo "ok $1"; }
notok() { echo "not ok $1"; [ $# -gt 1 ] && echo "   $2"; return 0; }
check() { local n=$1; shift; if "$@" >/dev/null 2>&1; then ok "$n"; else notok "$n"; fi; }
prop() { systemctl show -p "$2" --value "$1"; }
environ() { tr '\0' '\n' <"/proc/$1/environ" | sort; }
# wait_for SECONDS CMD...: poll every 0.1 s
wait_for() {
	local n=$(($1 * 10)); shift
	while [ $n -gt 0 ]; do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; n=$((n - 1)); done
	return 1
}
active() { [ "$(systemctl is-active "$1")" = active ]; }
wait_for 30 active "$APP"

# ---- 1. boot: render before the app, the exact environment --------------
check "boot: $ENVU active (oneshot, RemainAfterExit)" active "$ENVU"
check "boot: $APP active" active "$APP"
check "boot: $SVC-env.path active" active "$SVC-env.path"
env_done=$(prop "$ENVU" ExecMainExitTimestampMonotonic)
app_start=$(prop "$APP" ExecMainStartTimestampMonotonic)
check "boot: the render finished before the app started" \
	[ "${env_done:-0}" -gt 0 -a "$env_done" -le "${app_start:-0}" ]
P=$(prop "$APP" MainPID)
want=$(printf 'API_TOKEN=%s\nDB_PASSWORD=%s\nPORT=8080\n' "$TOKEN" "$V1" | sort)
got=$(environ "$P" | grep -E '^(API_TOKEN|DB_PASSWORD|PORT)=')
check "boot: the app's environ holds the vault's values" [ "$got" = "$want" ]
# Every variable the app has is systemd's own or the file's: nothing else.
extra=$(environ "$P" | cut -d= -f1 | grep -v -x -E \
	'API_TOKEN|DB_PASSWORD|PORT|PATH|LANG|USER|LOGNAME|HOME|SHELL|INVOCATION_ID|JOURNAL_STREAM|SYSTEMD_EXEC_PID')
check "boot: no other variable in the app's environ (${extra:-none})" [ -z "$extra" ]
# sdenv (tests/oracles): systemd's own load_env_file(), hex per variable
hex() { while IFS= read -r l; do printf '%s' "$l" | od -An -tx1 | tr -d ' \n'; echo; done; }
sd=$(sdenv "$ENVF" x 2>/dev/null | sort)
check "boot: systemd's parser reads the env file as the vault says" \
	[ -n "$sd" -a "$sd" = "$(printf '%s\n' "$want" | hex | sort)" ]
check "boot: env file root 0600 on /run (tmpfs)" \
	[ "$(stat -c '%a %U:%G' $ENVF)" = "600 root:root" -a "$(stat -fc %T /run/veza)" = tmpfs ]
check "boot: the password came through LoadCredentialEncrypted=" \
	grep -qx "LoadCredentialEncrypted=vault-password:/etc/envseal/$SVC.cred" \
	"/etc/systemd/system/$ENVU"
check "boot: the credential file is sealed, not the password" \
	sh -c "! grep -qF -e '$PW' /etc/envseal/$SVC.cred && grep -q . /etc/envseal/$SVC.cred"
check "boot: the app has no CREDENTIALS_DIRECTORY" \
	sh -c "! tr '\\0' '\\n' </proc/$P/environ | grep -q ^CREDENTIALS_DIRECTORY="
# RemainAfterExit=yes keeps the unit, and so its credential, until it
# stops: systemd's ramfs (never swapped), root-only.
check "boot: the env unit's credential is on ramfs, root 0400 in a root 0500 dir" \
	[ "$(stat -fc %T /run/credentials/$ENVU)" = ramfs -a \
	"$(stat -c '%a %U' /run/credentials/$ENVU/vault-password)" = "400 root" -a \
	"$(stat -c '%a %U' /run/credentials/$ENVU)" = "500 root" ]

# ---- 2. change -> re-render + restart; touch -> no restart ----------------
cat <&3 >/etc/envseal/vault.yml.new && mv /etc/envseal/vault.yml.new /etc/envseal/vault.yml
new_value() {
	local q
	q=$(prop "$APP" MainPID)
	[ "$q" != 0 ] && [ "$q" != "$P" ] && tr '\0' '\n' <"/proc/$q/environ" | grep -qx "DB_PASSWORD=$V2"
}
check "change: the app restarted with the new value (new PID)" wait_for 30 new_value
P2=$(prop "$APP" MainPID)
runs=$(prop "$REFRESH" InvocationID)
touch /etc/envseal/vault.yml
refreshed() { [ "$(prop "$REFRESH" InvocationID)" != "$runs" ] && [ "$(systemctl is-active "$REFRESH")" != activating ]; }
check "touch: the path unit re-ran the render" wait_for 30 refreshed
sleep 1
check "touch: unchanged env file, no restart (same PID)" [ "$(prop "$APP" MainPID)" = "$P2" ]
check "touch: the refresh run succeeded" [ "$(prop "$REFRESH" Result)" = success ]

# ---- 3. a wrong credential: fail closed ---------------------------------
systemctl stop "$SVC-env.path" "$APP"
sum=$(sha256sum <$ENVF 2>/dev/null)
printf '%s\n' "$WRONG" | envseal credential seal --name vault-password --with-key host \
	/etc/envseal/$SVC.cred >/dev/null 2>&1
check "wrong credential: sealed over the good one" [ $? -eq 0 ]
systemctl restart "$ENVU" >/dev/null 2>&1
check "wrong credential: the env unit fails" [ "$(systemctl is-failed "$ENVU")" = failed ]
systemctl start "$APP" >/dev/null 2>&1
check "wrong credential: the app does not start" [ "$(systemctl is-active "$APP")" != active ]
check "wrong credential: the old env file is intact" \
	[ -s $ENVF -a "$(sha256sum <$ENVF)" = "$sum" ]
why=$(journalctl -b -u "$ENVU" --no-pager -o cat | grep '^envseal: ' | grep -v 'warning: ' | tail -1)
echo "# journal: $why"
check "wrong credential: the journal names the cause in one line" \
	sh -c "printf '%s' \"\$1\" | grep -qiE 'vault secret|password|decrypt'" sh "$why"
hits=$(journalctl -b --no-pager -o cat | grep -cF -e "$V1" -e "$V2" -e "$TOKEN" -e "$PW" -e "$WRONG")
check "no value in the journal ($hits lines)" [ "$hits" = 0 ]

# ---- 4. scores, failed units ----------------------------------------------
score() { systemd-analyze security --no-pager "$1" 2>/dev/null |
	sed -n 's/.*Overall exposure level for .*: \([0-9.]*\) .*/\1/p'; }
sa=$(score "$APP") se=$(score "$ENVU") sr=$(score "$REFRESH")
echo "# exposure: $APP $sa, $ENVU $se, $REFRESH $sr"
check "score: $APP $sa <= $APP_MAX" awk -v s="$sa" -v m="$APP_MAX" 'BEGIN { exit !(s != "" && s + 0 <= m) }'
check "score: $ENVU $se <= $ENV_MAX" awk -v s="$se" -v m="$ENV_MAX" 'BEGIN { exit !(s != "" && s + 0 <= m) }'
check "score: $REFRESH $sr <= $ENV_MAX" awk -v s="$sr" -v m="$ENV_MAX" 'BEGIN { exit !(s != "" && s + 0 <= m) }'
failed=$(systemctl list-units --failed --no-legend --plain | awk '{print $1}' | tr '\n' ' ')
check "failed units: only $ENVU (${failed:-none})" [ "$failed" = "$ENVU " ]
exit 0
