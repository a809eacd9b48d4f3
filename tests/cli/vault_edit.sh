#!/bin/bash
# tests/cli/vault_edit.sh — `envseal vault edit/create` with a scripted
# EDITOR: the plaintext sits only in a private 0700 tmpfs directory (a
# mount of its own as root), file 0600; the editor's argv is its command
# and the file, its environment holds no secret; its leftovers (swap,
# backup files) go with the directory; nothing lands under the working
# directory or /tmp, also when the editor (or, as root, envseal itself)
# is SIGKILLed; ansible-vault reads the result, an unchanged edit keeps
# the file byte for byte, and the planted values appear in no output, no
# argv, no environment and not in the audit log. Not root (setpriv to
# 65534): a mkdtemp directory of /dev/shm, an XDG_RUNTIME_DIR on a disk
# passed over, and a /dev/shm bind-mounted from a disk refused (exit 1,
# the editor never runs, nothing left on that disk).
. "$TOP/tests/lib.sh"
scratch S
audit_root "$S/audit"
W="$S/w"; L="$S/logs"; ED="$S/ed"; mkdir "$W" "$L" "$ED"
cd "$W" || exit 1
E=$ENVSEAL
PW=EditPwMarker31f0
OLDVAL=EditOldValueMarker7d4b
NEWVAL=EditNewValueMarker0a6e
printf '%s\n' "$PW" >pw
command -v ansible-vault >/dev/null || { skip "vault edit" "no ansible-vault (scripts/deps.sh)"; exit 0; }
not() { ! "$@"; }
# gone LOG : the directory LOG names (written by the editor of this run)
# no longer exists; a missing LOG (no editor ran) fails.
gone() { [ -s "$1" ] && [ ! -e "$(cat "$1")" ]; }
# none_in FILE GREP-ARGS... : FILE exists (the editor wrote it) and holds
# no match.
none_in() { _f=$1; shift; [ -s "$_f" ] && ! grep -q "$@" "$_f"; }
touch "$S/start"

# The editor: records what it was given (argv and environment from /proc,
# where it lives, modes, file system type) in $ED_LOG, replaces OLDVAL by
# NEWVAL, leaves a vim-like swap file, a ~ backup and a directory. With
# ED_SLEEP it then waits to be killed, its pid in $ED_LOG/pid.
cat >"$ED/ed.sh" <<'EOF'
#!/bin/sh
f=$1; [ "$f" = --flag ] && f=$2
d=$(dirname "$f")
tr '\0' '\n' </proc/$$/cmdline >"$ED_LOG/cmdline"
tr '\0' '\n' </proc/$$/environ >"$ED_LOG/environ"
echo "$d" >"$ED_LOG/dir"
stat -c %a "$d" >"$ED_LOG/dirmode"
stat -c %a "$f" >"$ED_LOG/filemode"
stat -f -c %T "$d" >"$ED_LOG/fstype"
awk -v d="$d" '$5 == d { print $9 }' /proc/self/mountinfo >"$ED_LOG/mount"
sed "$(cat "$ED_LOG/../ed/sed")" "$f" >"$f.new" && cat "$f.new" >"$f" && rm -f "$f.new"
cp "$f" "$d/.$(basename "$f").swp"; cp "$f" "$f~"; mkdir "$d/sub"; cp "$f" "$d/sub/x"
if [ -f "$ED_LOG/hook" ]; then sh "$ED_LOG/hook"; fi
if [ -n "$ED_SLEEP" ]; then echo $$ >"$ED_LOG/pid"; sleep 60; fi
exit 0
EOF
chmod 755 "$ED/ed.sh"
export ED_LOG=$L
# What the editor changes, in a file: in its environment it would be a
# planted value there.
printf 's/%s/%s/' "$OLDVAL" "$NEWVAL" >"$ED/sed"

printf 'db_password: %s\nport: 5432\n' "$OLDVAL" >plain.txt
ansible-vault encrypt --vault-id prod@pw --output vault.yml plain.txt 2>/dev/null
rm -f plain.txt
ls -A "$W" >"$S/cwd.before"

# --- edit ---------------------------------------------------------------------
EDITOR="$ED/ed.sh" $E vault edit --vault-id prod@pw vault.yml >"$L/edit.out" 2>"$L/edit.err"
check "edit: exit 0" [ $? -eq 0 ]
check "edit: ansible-vault view shows the edit" \
	[ "$(ansible-vault view --vault-id prod@pw vault.yml 2>/dev/null)" = "$(printf 'db_password: %s\nport: 5432' "$NEWVAL")" ]
check "edit: the label is kept" [ "$(head -1 vault.yml)" = '$ANSIBLE_VAULT;1.2;AES256;prod' ]
check "edit: the editor's argv is its command and the file only" \
	[ "$(cat "$L/cmdline")" = "$(printf '/bin/sh\n%s\n%s' "$ED/ed.sh" "$(cat "$L/dir")/vault.yml")" ]
check "edit: the directory was 0700" [ "$(cat "$L/dirmode")" = 700 ]
check "edit: the file was 0600" [ "$(cat "$L/filemode")" = 600 ]
check "edit: the directory was on a tmpfs" [ "$(cat "$L/fstype")" = tmpfs ]
case $(cat "$L/dir" 2>/dev/null) in
"" | /tmp/* | "$W"/*) notok "edit: the directory is not under /tmp or the working directory" "$(cat "$L/dir")" ;;
*) ok "edit: the directory is not under /tmp or the working directory" ;;
esac
if is_root; then
	check "edit as root: a tmpfs mounted for the edit alone" [ "$(cat "$L/mount")" = envseal-edit ]
else
	skip "edit as root: a tmpfs mounted for the edit alone" "not root"
fi
check "edit: the directory and the editor's leftovers are gone" gone "$L/dir"
check "edit: nothing new in the working directory" cmp -s "$S/cwd.before" <(ls -A "$W")
check "edit: no file under /tmp holds the plaintext" \
	[ -z "$(find /tmp -newer "$S/start" -type f -not -path "$S/*" -exec grep -l -F -e "$NEWVAL" -e "$OLDVAL" {} + 2>/dev/null)" ]
check "edit: the editor's environment holds no planted value" \
	none_in "$L/environ" -F -e "$PW" -e "$OLDVAL" -e "$NEWVAL" "$L/environ"
check "edit: the editor gets no ENVSEAL_ variable" none_in "$L/environ" '^ENVSEAL_' 

cp vault.yml vault.before
ino=$(stat -c %i vault.yml)
EDITOR=true $E vault edit --vault-id prod@pw vault.yml >"$L/same.out" 2>"$L/same.err"
check "edit, nothing changed: exit 0, byte for byte, same inode" \
	[ $? -eq 0 ] && cmp -s vault.before vault.yml && [ "$(stat -c %i vault.yml)" = "$ino" ]

# EDITOR is split as shlex does: its words, then the file
printf 's/port:/port2:/' >"$ED/sed"
EDITOR="'$ED/ed.sh' --flag" $E vault edit --vault-id prod@pw vault.yml >"$L/flag.out" 2>"$L/flag.err"
check "EDITOR with an argument: the editor got it before the file" \
	[ "$(sed -n 3p "$L/cmdline")" = --flag ]

# --- the vault changed while the editor ran: not overwritten -----------------
cp vault.yml vault.before
printf 's/5432/5999/' >"$ED/sed"
printf 'printf "\\n" >>"%s"\n' "$W/vault.yml" >"$L/hook"
EDITOR="$ED/ed.sh" $E vault edit --vault-id prod@pw vault.yml >"$L/race.out" 2>"$L/race.err"
rc=$?
rm -f "$L/hook"
check "vault changed during the edit: exit 1" [ $rc -eq 1 ]
check "vault changed during the edit: says so" grep -q "vault.yml changed since it was read" "$L/race.err"
check "vault changed during the edit: the other change kept, not overwritten" \
	cmp -s <(cat vault.before; printf '\n') vault.yml
cp vault.yml vault.before
printf 'printf "x" >"%s"\n' "$W/late.yml" >"$L/hook"
EDITOR="$ED/ed.sh" $E vault create --vault-password-file pw late.yml >"$L/race2.out" 2>"$L/race2.err"
rc=$?
rm -f "$L/hook"
check "file created during create: exit 1, kept" [ $rc -eq 1 ] && [ "$(cat late.yml)" = x ]
rm -f late.yml

# --- the editor killed: nothing saved, nothing left -------------------------
cp vault.yml vault.before
rm -f "$L/pid" "$L/dir"
EDITOR="$ED/ed.sh" ED_SLEEP=1 $E vault edit --vault-id prod@pw vault.yml >"$L/kill.out" 2>"$L/kill.err" &
es=$!
for _ in $(seq 100); do [ -s "$L/pid" ] && break; sleep 0.1; done
kill -KILL "$(cat "$L/pid")"
wait $es; rc=$?
check "editor SIGKILLed: exit 1" [ $rc -eq 1 ]
check "editor SIGKILLed: says nothing was saved" grep -q "killed by signal 9: nothing saved" "$L/kill.err"
check "editor SIGKILLed: the vault unchanged" cmp -s vault.before vault.yml
check "editor SIGKILLed: the directory is gone" gone "$L/dir"

# --- envseal itself SIGKILLed while the editor runs (root: own mount) --------
if is_root; then
	rm -f "$L/pid" "$L/dir"
	EDITOR="$ED/ed.sh" ED_SLEEP=1 $E vault edit --vault-id prod@pw vault.yml >"$L/kill2.out" 2>"$L/kill2.err" &
	es=$!
	for _ in $(seq 100); do [ -s "$L/pid" ] && break; sleep 0.1; done
	kill -KILL $es; kill -KILL "$(cat "$L/pid")"; wait $es 2>/dev/null
	sleep 0.2
	d=$(cat "$L/dir" 2>/dev/null)
	check "envseal SIGKILLed: the editor had started" [ -n "$d" ]
	check "envseal SIGKILLed: the vault unchanged" cmp -s vault.before vault.yml
	check "envseal SIGKILLed: at most an empty directory remains" \
		[ -n "$d" ] && [ -z "$(ls -A "$d" 2>/dev/null)" ]
	no_secret "envseal SIGKILLed: no plaintext in /dev/shm" "$NEWVAL" /dev/shm
	rmdir "$d" 2>/dev/null
else
	skip "envseal SIGKILLed" "not root: the private mount needs root"
fi

# --- not root: a mkdtemp directory of /dev/shm, checked to be a tmpfs ---------
if is_root && command -v setpriv >/dev/null && command -v unshare >/dev/null; then
	U="$S/u"; mkdir -p "$U/log" "$U/ed" "$U/xdg" "$S/disk"
	cp pw vault.yml "$U/"; printf "s/^port2: .*/&0/" >"$U/ed/sed"
	chown -R 65534:65534 "$U"; chmod 0700 "$U" "$U/xdg"; chmod 1777 "$S/disk"
	cp "$U/vault.yml" "$S/u.before"
	asnobody() { # [unshare-prefix...] -- envseal args: as uid/gid 65534 in $U
		(cd "$U" && env -u XDG_RUNTIME_DIR HOME="$U" EDITOR="$ED/ed.sh" ED_LOG="$U/log" \
			setpriv --reuid=65534 --regid=65534 --clear-groups "$@")
	}
	asnobody "$E" vault edit --vault-id prod@pw vault.yml >"$L/u.out" 2>"$L/u.err"
	check "not root: exit 0" [ $? -eq 0 ]
	case $(cat "$U/log/dir" 2>/dev/null) in
	/dev/shm/envseal-edit.*) ok "not root: the directory is a mkdtemp one of /dev/shm" ;;
	*) notok "not root: the directory is a mkdtemp one of /dev/shm" "$(cat "$U/log/dir" 2>/dev/null)" ;;
	esac
	check "not root: the directory was 0700 on a tmpfs" \
		[ "$(cat "$U/log/dirmode" 2>/dev/null) $(cat "$U/log/fstype" 2>/dev/null)" = "700 tmpfs" ]
	check "not root: the directory and leftovers are gone" gone "$U/log/dir"
	check "not root: the edit was saved" not cmp -s "$S/u.before" "$U/vault.yml"
	rm -f "$U/log/dir"
	(cd "$U" && env XDG_RUNTIME_DIR="$U/xdg" HOME="$U" EDITOR="$ED/ed.sh" ED_LOG="$U/log" \
		setpriv --reuid=65534 --regid=65534 --clear-groups "$E" vault edit --vault-id prod@pw vault.yml) >"$L/xdg.out" 2>"$L/xdg.err"
	case $(cat "$U/log/dir" 2>/dev/null) in
	/dev/shm/envseal-edit.*) ok "not root: an XDG_RUNTIME_DIR on a disk is passed over for /dev/shm" ;;
	*) notok "not root: an XDG_RUNTIME_DIR on a disk is passed over for /dev/shm" "$(cat "$U/log/dir" 2>/dev/null)" ;;
	esac
	cp "$U/vault.yml" "$S/u.before"; rm -f "$U/log/dir"
	unshare -m bash -c 'mount --bind "$1" /dev/shm && shift && cd "$0" && exec env -u XDG_RUNTIME_DIR HOME="$0" EDITOR="$1" ED_LOG="$0/log" setpriv --reuid=65534 --regid=65534 --clear-groups "$2" vault edit --vault-id prod@pw vault.yml' \
		"$U" "$S/disk" "$ED/ed.sh" "$E" >"$L/disk.out" 2>"$L/disk.err"
	rc=$?
	check "not root, /dev/shm on a disk: refused, exit 1" [ $rc -eq 1 ]
	check "not root, /dev/shm on a disk: says so" grep -q "is not on a tmpfs: refusing to put plaintext on a persistent disk" "$L/disk.err"
	check "not root, /dev/shm on a disk: the editor never ran" [ ! -e "$U/log/dir" ]
	check "not root, /dev/shm on a disk: nothing left on the disk" [ -z "$(ls -A "$S/disk")" ]
	check "not root, /dev/shm on a disk: the vault unchanged" cmp -s "$S/u.before" "$U/vault.yml"
else
	skip "not root: /dev/shm scratch" "needs root (setpriv to uid 65534), setpriv and unshare"
fi

# --- create -------------------------------------------------------------------
printf 'new_key: %s\n' "$OLDVAL" >"$S/new.txt"
EDITOR="cp $S/new.txt" $E vault create --vault-password-file pw new.yml >"$L/create.out" 2>"$L/create.err"
check "create: exit 0" [ $? -eq 0 ]
check "create: ansible-vault view reads it" \
	[ "$(ansible-vault view --vault-password-file pw new.yml 2>/dev/null)" = "new_key: $OLDVAL" ]
check "create: mode 0600" [ "$(stat -c %a new.yml)" = 600 ]
cp new.yml new.before
expect_exit "create over an existing file: exit 1" 1 env EDITOR=true $E vault create --vault-password-file pw new.yml
contains "create over an existing file: as ansible says it" "new.yml exists, please use 'edit' instead"
check "create over an existing file: unchanged" cmp -s new.before new.yml
expect_exit "create takes one FILE: exit 2" 2 env EDITOR=true $E vault create --vault-password-file pw a.yml b.yml
contains "create takes one FILE: says so" "create takes exactly one FILE"

# --- errors: nothing written -----------------------------------------------------
expect_exit "editor that does not exist: exit 1" 1 env EDITOR="$ED/nope" $E vault edit --vault-id prod@pw vault.yml
contains "editor that does not exist: names it" "cannot run the editor '$ED/nope'"
printf 'a: 1\n' >plain.yml
expect_exit "a plain file: refused" 2 env EDITOR="$ED/ed.sh" $E vault edit --vault-password-file pw plain.yml
contains "a plain file: says why" "not a whole-file Ansible Vault"
printf 'Wrong\n' >wrong
expect_exit "wrong password: exit 3" 3 env EDITOR="$ED/ed.sh" $E vault edit --vault-password-file wrong vault.yml
check "errors: the vault unchanged" cmp -s vault.before vault.yml
check "errors: plain.yml unchanged" [ "$(cat plain.yml)" = "a: 1" ]

# --- planted values: in no output, argv, environment or audit record -----------
rm -f "$S/new.txt"
no_secret "old value in no output, argv or environment" "$OLDVAL" "$L"
no_secret "new value in no output, argv or environment" "$NEWVAL" "$L"
no_secret "password in no output, argv or environment" "$PW" "$L"
if is_root; then
	no_secret "values not in the audit log" "$NEWVAL" "$S/audit"
	no_secret "old value not in the audit log" "$OLDVAL" "$S/audit"
	check "audit: the edit recorded by file" grep -q '"command":"vault edit".*"path":"[^"]*/vault.yml"' "$S/audit/var/log/envseal/audit.jsonl"
	check "audit: the edit names the key it changed" grep -q '"command":"vault edit".*"path":"[^"]*/vault.yml".*"changed":\["db_password"\]' "$S/audit/var/log/envseal/audit.jsonl"
	check "audit: create names the key it added" grep -q '"command":"vault create".*"path":"[^"]*/new.yml".*"added":\["new_key"\]' "$S/audit/var/log/envseal/audit.jsonl"
else
	skip "audit" "not root: vault writes are not audited"
fi
exit 0
