#!/bin/bash
# tests/cli/render_owner_race.sh — `envseal render` looks the env file's
# owner and group up in the root's /etc/passwd and /etc/group before it
# loads the keys, and again right before it writes. A password script (run
# in between, as an executable --vault-password-file) that renumbers the
# owner must stop the run: exit 1 (ES_ECONFLICT), the message names the
# file and the ids, nothing written; one that leaves the owner alone, or
# changes an unrelated account, must not.
. "$TOP/tests/lib.sh"

is_root || { skip render_owner_race "needs root (chown)"; exit 0; }

use_base
W=$BASE
T=/etc/veza/backend-api.env
SECRET=s3cr3t   # DB_PASS of a_v11_mapping.vault.yml
vroot() {
	local r
	r=$(mkroot etc/veza:0755) || return 1
	printf 'veza-api:x:1001:1001::/opt/veza/backend-api:/usr/sbin/nologin\n' >>"$r/etc/passwd"
	printf 'veza-api:x:1001:\n' >>"$r/etc/group"
	echo "$r"
}
cat >"$W/p.yml" <<EOP
envseal: 1
env_files:
  - path: $T
    vault: $VECTORS/a_v11_mapping.vault.yml
    owner: veza-api
    group: veza-api
    mode: "0640"
EOP
# pwscript NAME ROOT SED-EXPR: a password script that edits ROOT's passwd
# and group with SED-EXPR (empty: leaves them), then prints the password.
pwscript() {
	cat >"$W/$1" <<EOS
#!/bin/sh
[ -n '$3' ] && sed -i '$3' '$2/etc/passwd' '$2/etc/group'
cat '$VECTORS/pw_correct_horse.txt'
EOS
	chmod 0700 "$W/$1"
}

# 1. Nothing changes: written, owned by 1001:1001.
R=$(vroot) || exit 1
pwscript same.sh "$R" ""
expect_exit "owner unchanged: exit 0" 0 "$ENVSEAL" render --policy "$W/p.yml" --root "$R" --vault-password-file "$W/same.sh"
check "owner unchanged: env file 1001:1001 0640" test "$(stat -c '%u %g %a' "$R$T" 2>/dev/null)" = "1001 1001 640"

# 2. An unrelated account added meanwhile: still written.
R=$(vroot) || exit 1
pwscript other.sh "$R" '$a\other:x:1500:1500::/:/usr/sbin/nologin'
expect_exit "unrelated account added: exit 0" 0 "$ENVSEAL" render --policy "$W/p.yml" --root "$R" --vault-password-file "$W/other.sh"
check "unrelated account added: env file 1001:1001" test "$(stat -c '%u %g' "$R$T" 2>/dev/null)" = "1001 1001"

# 3. The owner renumbered (1001 -> 1002) while the script ran: refused,
#    nothing written (uid 1001 may be someone else's now).
R=$(vroot) || exit 1
pwscript renum.sh "$R" 's/^veza-api:x:1001:1001:/veza-api:x:1002:1002:/; s/^veza-api:x:1001:$/veza-api:x:1002:/'
before=$(cd "$R" && find . -path ./var -prune -o -print | sort)
expect_exit "owner renumbered: exit 1" 1 "$ENVSEAL" render --policy "$W/p.yml" --root "$R" --vault-password-file "$W/renum.sh"
contains "owner renumbered: names the file" "$T"
contains "owner renumbered: says the ids changed" "changed ids while render ran (1001:1001, now 1002:1002)"
check "owner renumbered: one line" test "$(printf '%s\n' "$OUT" | wc -l)" -eq 1
check "owner renumbered: no env file" test ! -e "$R$T"
check "owner renumbered: nothing else written" test "$(cd "$R" && find . -path ./var -prune -o -print | sort)" = "$before"
printf '%s' "$OUT" >"$W/out3"
no_secret "owner renumbered: no secret in output or audit log" "$SECRET" "$W/out3" "$R/var"

# 4. The group removed meanwhile: refused with the lookup's error.
R=$(vroot) || exit 1
pwscript nogroup.sh "$R" '/^veza-api:x:1001:$/d'
expect_exit "group removed: exit status of a missing group" 2 "$ENVSEAL" render --policy "$W/p.yml" --root "$R" --vault-password-file "$W/nogroup.sh"
contains "group removed: names the group" "veza-api"
check "group removed: no env file" test ! -e "$R$T"

# 5. An existing file is left as it was when the owner is renumbered.
R=$(vroot) || exit 1
pwscript same2.sh "$R" ""
"$ENVSEAL" render --policy "$W/p.yml" --root "$R" --vault-password-file "$W/same2.sh" >/dev/null 2>&1
printf '# edited\n' >>"$R$T"   # so the run would replace it
sum=$(stat -c '%i %u %g %a' "$R$T"; sha256sum <"$R$T")
pwscript renum2.sh "$R" 's/^veza-api:x:1001:1001:/veza-api:x:1003:1001:/'
expect_exit "existing file, owner renumbered: exit 1" 1 "$ENVSEAL" render --policy "$W/p.yml" --root "$R" --vault-password-file "$W/renum2.sh"
check "existing file left byte for byte, same inode and owner" test "$(stat -c '%i %u %g %a' "$R$T"; sha256sum <"$R$T")" = "$sum"
