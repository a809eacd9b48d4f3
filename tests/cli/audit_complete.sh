#!/bin/bash
# tests/cli/audit_complete.sh — audit completeness: every record envseal
# writes stays under the record bound whatever the vault (100,000 names:
# counted and hashed, the changed names listed first) and `audit verify`
# reads it; an older, unbounded record is still checked and the walk goes
# on; the intent of a change is durable before the change is visible, so a
# SIGKILL right after the rename (or the mkdir) leaves an intent that
# verify reports as an incomplete run naming the path; a log that cannot
# take the intent (a full filesystem, a failing fsync) means nothing is
# changed; an unchanged rerun makes one fsync (the end record).
. "$TOP/tests/lib.sh"
: "${BUILD:=$TOP/build}"

is_root || { skip audit_complete "needs root (chown, mount)"; exit 0; }

use_base
W=$BASE
LOG=var/log/envseal/audit.jsonl
PWF=$VECTORS/pw_correct_horse.txt
T=/etc/veza/backend-api.env
KILL_SO=$BUILD/tests/tools/killafter_preload.so
FAIL_SO=$BUILD/tests/tools/logfail_preload.so
FSW=$BUILD/tests/tools/fswrite
for f in "$KILL_SO" "$FAIL_SO" "$FSW"; do
	[ -e "$f" ] || { notok "audit_complete: $f built"; exit 1; }
done

vroot() { # lib.sh's root plus /etc/veza
	mkroot etc/veza:0755
}
policy() { # policy FILE VAULT [extra yaml lines...]
	_f=$1 _v=$2; shift 2
	{
		printf 'envseal: 1\nenv_files:\n  - path: %s\n' "$T"
		printf '    vault: %s\n    owner: root\n    group: root\n    mode: "0600"\n' "$_v"
		for l in "$@"; do printf '    %s\n' "$l"; done
	} >"$_f"
}
render() { # render ROOT POLICY [more args]: envseal render, keys given
	_r=$1 _p=$2; shift 2
	"$ENVSEAL" render --policy "$_p" --root "$_r" --vault-password-file "$PWF" "$@"
}
# encrypt PLAIN OUT: `envseal vault encrypt` as nobody, to stdout: as root
# the vault commands would audit to the host's log.
encrypt() {
	chmod 0644 "$1"
	setpriv --reuid=65534 --regid=65534 --clear-groups \
	    "$ENVSEAL" vault encrypt --vault-password-file "$PWF" --output - "$1" >"$2"
}
# longest LOG: the longest line of LOG in bytes, its newline counted.
longest() { LC_ALL=C awk '{ if (length($0) + 1 > m) m = length($0) + 1 } END { print m + 0 }' "$1"; }
# field LOG EVENT PATH KEY: KEY of the last EVENT record for PATH.
field() {
	python3 - "$@" <<'EOF'
import json, sys
log, ev, path, key = sys.argv[1:5]
v = None
for line in open(log, 'rb').read().split(b'\n'):
    if len(line) > 65536 or not line:
        continue
    r = json.loads(line)
    if r.get('event') == ev and r.get('path') == path:
        v = r.get(key)
print('' if v is None else (json.dumps(v) if isinstance(v, list) else v))
EOF
}

# --- (a) a 100,000-key vault: bounded records, verify passes -------------
python3 - "$W/big.yml" <<'EOF'
import sys
with open(sys.argv[1], 'w') as f:
    for i in range(100000):
        f.write('k_%06d_abcdefghijklmnop: v%d\n' % (i, i))
EOF
encrypt "$W/big.yml" "$W/big.vault"
RA=$(vroot) || exit 1
policy "$W/pa.yml" "$W/big.vault"
expect_exit "100k: render exit 0" 0 render "$RA" "$W/pa.yml"
check "100k: the env file holds 100,000 names" test "$(grep -c '^K_' "$RA$T")" -eq 100000
expect_exit "100k: audit verify exit 0" 0 "$ENVSEAL" audit verify --root "$RA"
contains "100k: verify says the chain is intact" "chain intact"
check "100k: no record is longer than 65536 bytes" test "$(longest "$RA/$LOG")" -le 65536
check "100k: the record counts the names" test "$(field "$RA/$LOG" file "$T" vars_count)" = 100000
# The documented by-hand reproduction of the list hash.
want=$(sed -n 's/^\([A-Za-z_][A-Za-z0-9_]*\)=.*/\1/p' "$RA$T" | sha256sum | cut -d' ' -f1)
check "100k: vars_sha256 is sha256sum of the names, one a line, in file order" \
    test "$(field "$RA/$LOG" file "$T" vars_sha256)" = "$want"
want=$(sed -n 's/^\([A-Za-z_][A-Za-z0-9_]*\)=.*/\1/p' "$RA$T" | LC_ALL=C sort | sha256sum | cut -d' ' -f1)
check "100k: a first render: all 100,000 added, counted and hashed (sorted)" \
    test "$(field "$RA/$LOG" file "$T" added_count):$(field "$RA/$LOG" file "$T" added_sha256)" = "100000:$want"
check "100k: the full list is not inlined" test -z "$(field "$RA/$LOG" file "$T" vars)"

# A change of a few names: those are listed in full, the rest hashed.
python3 - "$W/big.yml" <<'EOF'
import sys
p = sys.argv[1]
lines = open(p).read().split('\n')[:-1]
lines[5] = 'k_000005_abcdefghijklmnop: changed5'
lines[7] = 'k_000007_abcdefghijklmnop: changed7'
del lines[9]
lines.append('k_extra: new')
open(p, 'w').write('\n'.join(lines) + '\n')
EOF
encrypt "$W/big.yml" "$W/big.vault"
expect_exit "100k: a rerun with 2 changed, 1 removed, 1 added: exit 0" 0 render "$RA" "$W/pa.yml"
check "100k: the changed names are listed" \
    test "$(field "$RA/$LOG" file "$T" changed)" = '["K_000005_ABCDEFGHIJKLMNOP", "K_000007_ABCDEFGHIJKLMNOP"]'
check "100k: the added name is listed" test "$(field "$RA/$LOG" file "$T" added)" = '["K_EXTRA"]'
check "100k: the removed name is listed" test "$(field "$RA/$LOG" file "$T" removed)" = '["K_000009_ABCDEFGHIJKLMNOP"]'
check "100k: the whole list is counted" test "$(field "$RA/$LOG" file "$T" vars_count)" = 100000
check "100k: still no record over 65536 bytes" test "$(longest "$RA/$LOG")" -le 65536
expect_exit "100k: verify after the rerun exit 0" 0 "$ENVSEAL" audit verify --root "$RA"
expect_exit "100k: audit show reads it" 0 "$ENVSEAL" audit show --root "$RA"
contains "100k: show gives the count" "vars [100000 names, sha256 "
contains "100k: show lists the changed names" "K_000005_ABCDEFGHIJKLMNOP"

# An older envseal wrote unbounded records: verify still checks such a
# line (its hash and link) and goes on past it.
python3 - "$W/old.jsonl" <<'EOF'
import hashlib, sys
prev = '0' * 64
out = []
def rec(fields):
    global prev
    body = '{' + fields + ',"prev":"' + prev + '"'
    h = hashlib.sha256(body.encode()).hexdigest()
    prev = h
    out.append(body + ',"hash":"' + h + '"}\n')
head = '"time":"2026-11-27T10:02:30Z","run":"%s","event":"%s","uid":0,"sudo_user":null,"command":"render","policy":null'
run = 'ab' * 16
rec(head % (run, 'begin'))
names = ','.join('"K_%06d_ABCDEFGHIJKLMNOP"' % i for i in range(100000))
rec(head % (run, 'file') + ',"path":"/etc/veza/x.env","action":"created","owner":"root","group":"root","mode":"0600","vars":[' + names + ']')
rec(head % (run, 'end') + ',"status":0')
open(sys.argv[1], 'w').write(''.join(out))
EOF
oldroot() { # oldroot SED-EXPR: a root whose log is the old log, edited
	_r=$(vroot) || return 1
	mkdir -p "$_r/var/log/envseal" && chmod 0700 "$_r/var/log/envseal"
	sed "$1" "$W/old.jsonl" >"$_r/$LOG"
	echo "$_r"
}
RO=$(oldroot '') || exit 1
check "old log: its file record is over 2 MB" test "$(longest "$RO/$LOG")" -gt 2000000
expect_exit "old log: verify accepts an older unbounded record (exit 0)" 0 "$ENVSEAL" audit verify --root "$RO"
contains "old log: all 3 records checked" "3 records, chain intact"
contains "old log: the long line is reported" "audit.jsonl:2: note: a record of"
RO=$(oldroot '2s/K_050000_/K_050001_/') || exit 1
expect_exit "old log: an edit inside the long record is caught (exit 3)" 3 "$ENVSEAL" audit verify --root "$RO"
contains "old log: verify names the long line" "audit.jsonl:2: hash mismatch"
RO=$(oldroot '3s/"status":0/"status":1/') || exit 1
expect_exit "old log: an edit after the long record is caught (exit 3)" 3 "$ENVSEAL" audit verify --root "$RO"
contains "old log: the walk went on past the long line" "audit.jsonl:3: hash mismatch"

# --- (b) SIGKILL right after the change became visible -------------------
RB=$(vroot) || exit 1
policy "$W/pb1.yml" "$VECTORS/a_v11_mapping.vault.yml"
policy "$W/pb2.yml" "$VECTORS/a_v11_mapping.vault.yml" 'static:' '  EXTRA: "1"'
render "$RB" "$W/pb1.yml" >/dev/null 2>&1
expect_exit "crash: the first render completes" 0 "$ENVSEAL" audit verify --root "$RB"
OUT=$(env LD_PRELOAD="$KILL_SO" ENVSEAL_TEST_KILL_AFTER=backend-api.env \
    "$ENVSEAL" render --policy "$W/pb2.yml" --root "$RB" --vault-password-file "$PWF" 2>&1); RC=$?
check "crash: render was killed (status 137)" test "$RC" -eq 137
check "crash: the new content is in place" grep -qx 'EXTRA=1' "$RB$T"
check "crash: the log holds an intent record for the path" \
    test "$(field "$RB/$LOG" intent "$T" action)" = replaced
crun=$(field "$RB/$LOG" intent "$T" run)
check "crash: the intent fingerprints the content now on disk" python3 - "$RB/$LOG" \
    "$RB/var/lib/envseal/audit.key" "$RB$T" "$T" <<'EOF'
import hashlib, json, sys
log, keyf, envf, path = sys.argv[1:5]
key = open(keyf, 'rb').read()
want = hashlib.blake2b(open(envf, 'rb').read(), digest_size=32, key=key).hexdigest()
recs = [json.loads(l) for l in open(log, 'rb').read().split(b'\n') if l]
i = [r for r in recs if r['event'] == 'intent' and r['path'] == path][-1]
sys.exit(0 if i['fingerprint'] == want and i['kind'] == 'file' and i['mode'] == '0600' and i['owner'] == 'root' else 1)
EOF
expect_exit "crash: verify exit 0 (the chain is intact)" 0 "$ENVSEAL" audit verify --root "$RB"
contains "crash: verify reports the run as incomplete" "incomplete run ${crun:-NONE}"
contains "crash: verify names the path it intended" "replaced $T"
# The crash stays visible after later, complete runs.
render "$RB" "$W/pb1.yml" >/dev/null 2>&1
expect_exit "crash: verify after a later run exit 0" 0 "$ENVSEAL" audit verify --root "$RB"
contains "crash: the killed run is still reported" "incomplete run ${crun:-NONE}"
check "crash: only the killed run is incomplete" test "$(printf '%s\n' "$OUT" | grep -c 'incomplete run')" -eq 1

# A directory made by a run killed right after its mkdir.
RD=$(vroot) || exit 1
OUT=$(env LD_PRELOAD="$KILL_SO" ENVSEAL_TEST_KILL_AFTER=newdir \
    "$FSW" --root "$RD" --audit provision --dir --mode 0750 /etc/veza/newdir 2>&1); RC=$?
check "crash dir: killed after the mkdir" test "$RC" -eq 137 -a -d "$RD/etc/veza/newdir"
check "crash dir: the intent to create it is in the log" \
    test "$(field "$RD/$LOG" intent /etc/veza/newdir action)" = created
expect_exit "crash dir: verify exit 0" 0 "$ENVSEAL" audit verify --root "$RD"
contains "crash dir: reported incomplete, naming the directory" "created /etc/veza/newdir"
# A working-tree file (the vault commands' es_user_write_file).
mkdir -p "$W/wt" && chmod 0700 "$W/wt"
OUT=$(env LD_PRELOAD="$KILL_SO" ENVSEAL_TEST_KILL_AFTER=v.yml \
    "$FSW" --root "$RD" --audit "vault encrypt" --user --data 'x' "$W/wt/v.yml" 2>&1); RC=$?
check "crash user file: killed after the rename" test "$RC" -eq 137 -a -f "$W/wt/v.yml"
check "crash user file: the intent is in the log" \
    test "$(field "$RD/$LOG" intent "$W/wt/v.yml" action)" = created
expect_exit "crash user file: verify exit 0" 0 "$ENVSEAL" audit verify --root "$RD"
contains "crash user file: reported incomplete" "created $W/wt/v.yml"

# --- (c) the log cannot take the intent: nothing is changed -------------
RC3=$(vroot) || exit 1
render "$RC3" "$W/pb1.yml" >/dev/null 2>&1
before=$(stat -c '%i %s %Y %a %u:%g' "$RC3$T")$(sha256sum <"$RC3$T")
# The begin and the vault record (same lengths in the next run: the same
# vault, a run id and time of fixed width).
blen=$(head -2 "$RC3/$LOG" | wc -c)
check "full log: the run's second record is its vault's" \
    test "$(sed -n 2p "$RC3/$LOG" | grep -c '"event":"vault"')" -eq 1
# A tmpfs log directory with room for one more begin and vault record but
# not for the intent after them: the last page of the log has blen+20
# bytes free, a filler takes every other page.
cat >"$W/full.sh" <<'EOF'
set -e
d=$1/var/log/envseal blen=$2
mount -t tmpfs -o size=64k,mode=0700 tmpfs "$d"
n=$((4096 - blen - 20))
{ head -c $((n - 1)) /dev/zero | tr '\0' x; echo; } >"$d/audit.jsonl"
chmod 0600 "$d/audit.jsonl"
dd if=/dev/zero of="$d/filler" bs=4096 >/dev/null 2>&1 || true
shift 2
set +e
"$@"
echo "status $?"
tail -c 1 "$d/audit.jsonl" | od -An -c | tr -d ' '
wc -l <"$d/audit.jsonl"
EOF
OUT=$(unshare -m --propagation private bash "$W/full.sh" "$RC3" "$blen" \
    "$ENVSEAL" render --policy "$W/pb2.yml" --root "$RC3" --vault-password-file "$PWF" 2>&1)
case "$OUT" in *"status 0"*|*"not mount"*|*"ermission denied"*) r=1 ;; *"status "*) r=0 ;; *) r=1 ;; esac
check "full log: render exits non-zero" test "$r" -eq 0
check "full log: the env file is untouched (inode, size, mtime, mode, owner, bytes)" \
    test "$(stat -c '%i %s %Y %a %u:%g' "$RC3$T")$(sha256sum <"$RC3$T")" = "$before"
contains "full log: the message says the change was not made" "not changed"
last=$(printf '%s\n' "$OUT" | tail -2 | tr '\n' ' ')
check "full log: no torn record left, only the begin and vault records went in ($last)" test "$last" = '\n 3 '
check "full log: no temp file left" test -z "$(find "$RC3/etc/veza" -name '.envseal-tmp.*')"

# An fsync of the log that fails: the intent is not durable, so nothing.
RF=$(vroot) || exit 1
render "$RF" "$W/pb1.yml" >/dev/null 2>&1
before=$(stat -c '%i %s %Y %a %u:%g' "$RF$T")$(sha256sum <"$RF$T")
expect_exit "failing fsync: render exits 1" 1 env LD_PRELOAD="$FAIL_SO" ENVSEAL_TEST_FAIL_FSYNC=audit.jsonl \
    "$ENVSEAL" render --policy "$W/pb2.yml" --root "$RF" --vault-password-file "$PWF"
contains "failing fsync: the message names the log" "audit.jsonl"
check "failing fsync: the env file is untouched" \
    test "$(stat -c '%i %s %Y %a %u:%g' "$RF$T")$(sha256sum <"$RF$T")" = "$before"

# --- (d) an unchanged rerun makes one fsync: the end record -------------
RU=$(vroot) || exit 1
render "$RU" "$W/pb1.yml" >/dev/null 2>&1
fsyncs() { # fsyncs ROOT POLICY: fsync+fdatasync calls of one render
	strace -f -qq -c -o "$W/strace.out" -e trace=fsync,fdatasync \
	    "$ENVSEAL" render --policy "$2" --root "$1" --vault-password-file "$PWF" >/dev/null 2>&1
	awk '$NF == "fsync" || $NF == "fdatasync" { n += $4 } END { print n + 0 }' "$W/strace.out"
}
n=$(fsyncs "$RU" "$W/pb1.yml")
check "unchanged rerun: one fsync (was $n)" test "$n" -eq 1
check "unchanged rerun: the env file is unchanged" grep -q '"action":"unchanged"' "$RU/$LOG"
expect_exit "unchanged rerun: verify exit 0, nothing incomplete" 0 "$ENVSEAL" audit verify --root "$RU"
case "$OUT" in *incomplete*) notok "unchanged rerun: no incomplete run" ;; *) ok "unchanged rerun: no incomplete run" ;; esac
n=$(fsyncs "$RU" "$W/pb2.yml")
echo "# a changed render: $n fsyncs"
