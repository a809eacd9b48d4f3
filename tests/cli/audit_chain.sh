# tests/cli/audit_chain.sh — the audit log: well-formed JSON lines whose
# hashes a standard tool reproduces, fingerprints that are keyed BLAKE2b,
# escaped actor names, no secret value anywhere, and `envseal audit
# verify` catching an edited, deleted, swapped, re-hashed or torn record
# (exit 3, naming the line) without any key.
. "$TOP/tests/lib.sh"
. "$TOP/tests/tools/fslib.sh"

SECRET='S3cr3t-planted-VALUE-9f8e7d'
R=$(newroot)
L="$R/var/log/envseal/audit.jsonl"
ln -s /etc/passwd "$R/etc/veza/evil.env"

(
	export SUDO_USER='al"ice\
x'
	"$FSW" --root "$R" --audit render --policy-hash --dir --uid 0 --gid 0 --mode 0750 /etc/veza/sub
	"$FSW" --root "$R" --audit render --vars DATABASE_URL,API_KEY \
	    --owner root --group veza-api --data "DATABASE_URL=$SECRET" /etc/veza/app.env
	"$FSW" --root "$R" --audit render --vars DATABASE_URL \
	    --data "DATABASE_URL=$SECRET" /etc/veza/app.env
	"$FSW" --root "$R" --audit render --data "X=$SECRET" /etc/veza/evil.env
) >/dev/null 2>&1

check "audit: log exists, root 0600" test "$(stat -c '%u:%g %a' "$L")" = "0:0 600"
check "audit: log dir root 0700" test "$(stat -c '%u:%g %a' "$R/var/log/envseal")" = "0:0 700"
check "audit: key root 0600, 32 bytes" test "$(statof "$R/var/lib/envseal/audit.key")" = "0:0 600 32"
# Lines: 1-4 begin, intent, dir, end; 5-8 begin, intent, app.env created,
# end; 9-11 begin, app.env unchanged (no intent), end; 12-14 begin, evil.env
# refused (no intent), end.
check "audit: 14 records (4 runs of begin, action, end; 2 intents)" test "$(wc -l <"$L")" -eq 14
no_secret "audit: no planted secret in the log or key" "$SECRET" "$R/var"
# And not base64- or hex-encoded either.
no_secret "audit: no base64 of the secret" "$(printf '%s' "$SECRET" | base64)" "$R/var"
no_secret "audit: no hex of the secret" "$(printf '%s' "$SECRET" | od -An -tx1 | tr -d ' \n')" "$R/var"

# Every line is JSON; fields as documented; the actor escaped correctly;
# every hash reproducible with sed + sha256sum; every fingerprint keyed
# BLAKE2b-256 of the content with audit.key.
python3 - "$L" "$R/var/lib/envseal/audit.key" "DATABASE_URL=$SECRET" >"$FS_AREA/py" 2>&1 <<'EOF'
import hashlib, json, sys
log, keyf, content = sys.argv[1], sys.argv[2], sys.argv[3].encode()
key = open(keyf, 'rb').read()
prev = '0' * 64
fp_want = hashlib.blake2b(content, digest_size=32, key=key).hexdigest()
for n, line in enumerate(open(log, 'rb').read().split(b'\n')[:-1], 1):
    rec = json.loads(line)
    body = line[:line.rindex(b',"hash":"')]
    assert hashlib.sha256(body).hexdigest() == rec['hash'], f'line {n}: hash'
    assert rec['prev'] == prev, f'line {n}: prev'
    prev = rec['hash']
    assert rec['sudo_user'] == 'al"ice\\\nx', f'line {n}: sudo_user {rec["sudo_user"]!r}'
    assert rec['uid'] == 0 and rec['command'] == 'render'
    assert len(rec['run']) == 32 and rec['time'].endswith('Z')
    if rec['event'] == 'file' and rec['path'] == '/etc/veza/app.env':
        assert rec['fingerprint'] == fp_want, f'line {n}: fingerprint'
        assert rec['action'] in ('created', 'unchanged'), rec['action']
        assert rec['owner'] in ('root', '0') and rec['mode'] == '0600'
        assert 'DATABASE_URL' in rec['vars']
    if rec['event'] == 'file' and rec['path'] == '/etc/veza/evil.env':
        assert rec['action'] == 'refused' and 'error' in rec
        assert 'fingerprint' not in rec
    if rec['event'] == 'dir':
        assert rec['action'] == 'created' and rec['mode'] == '0750'
print('python checks passed')
EOF
if grep -q 'python checks passed' "$FS_AREA/py"; then ok "audit: JSON, hashes, prev chain, fingerprints, escaping"
else notok "audit: JSON, hashes, prev chain, fingerprints, escaping" "$(tail -3 "$FS_AREA/py")"; fi
OUT=$(sed -n 1p "$L" | sed 's/,"hash":"[0-9a-f]*"}$//' | tr -d '\n' | sha256sum)
contains "audit: documented sed|sha256sum reproduces line 1's hash" "$(sed -n 1p "$L" | sed 's/.*"hash":"\([0-9a-f]*\)".*/\1/')"

expect_exit "verify: intact chain" 0 "$ENVSEAL" audit verify --root "$R"
contains "verify: counts records" "14 records, chain intact"
expect_exit "show: prints records" 0 "$ENVSEAL" audit show --root "$R"
contains "show: the replaced/created file" "/etc/veza/app.env"
contains "show: the refusal" "refused"
contains "show: variable names" "DATABASE_URL,API_KEY"
case "$OUT" in *"$SECRET"*) notok "show: no secret" ;; *) ok "show: no secret" ;; esac

# Verify needs no audit key.
mv "$R/var/lib/envseal/audit.key" "$FS_AREA/key.saved"
expect_exit "verify: works without audit.key" 0 "$ENVSEAL" audit verify --root "$R"
mv "$FS_AREA/key.saved" "$R/var/lib/envseal/audit.key"

tamper() { # name want-line sed-or-command...
	_name=$1 _line=$2; shift 2
	T=$(newroot)
	mkdir -p "$T/var/log/envseal"
	chmod 0700 "$T/var/log/envseal"
	"$@" <"$L" >"$T/var/log/envseal/audit.jsonl"
	expect_exit "verify catches $_name (exit 3)" 3 "$ENVSEAL" audit verify --root "$T"
	contains "verify names line $_line for $_name" "audit.jsonl:$_line:"
}
tamper "an edited record" 7 sed '7s/"mode":"0600"/"mode":"0644"/'
tamper "an edited intent" 6 sed '6s/"action":"created"/"action":"unchanged"/'
tamper "an edited variable list" 7 sed '7s/API_KEY/API_KEZ/'
tamper "a deleted record" 5 sed '5d'
tamper "a deleted first record" 1 sed '1d'
tamper "swapped records" 4 awk 'NR == 4 { h = $0; next } NR == 5 { print; print h; next } 1'
tamper "a record truncated in the middle" 6 sed '6s/\(.\{40\}\).*/\1/'
tamper "a torn last record" 14 head -c -10
tamper "a NUL byte in a record" 3 sed '3s/"event"/"ev\x00nt"/'
# show survives garbage and says which line it could not read.
G=$(newroot)
mkdir -p "$G/var/log/envseal"
{ sed -n 1p "$L"; echo 'not json at all'; printf '{"a":"\033[31m"}\n'; } >"$G/var/log/envseal/audit.jsonl"
expect_exit "show: garbage lines do not stop it" 0 "$ENVSEAL" audit show --root "$G"
contains "show: names the unreadable line" "line 2: unreadable record"
case "$OUT" in *"$(printf '\033')"*) notok "show: no raw escape bytes reach the terminal" ;;
*) ok "show: no raw escape bytes reach the terminal" ;; esac
# An attacker who edits a record and recomputes its hash breaks the next
# record's prev.
rehash() {
	python3 -c '
import hashlib, sys
lines = sys.stdin.buffer.read().split(b"\n")[:-1]
l = lines[6].replace(b"\"mode\":\"0600\"", b"\"mode\":\"0644\"")
assert l != lines[6]
body = l[:l.rindex(b",\"hash\":\"")]
lines[6] = body + b",\"hash\":\"" + hashlib.sha256(body).hexdigest().encode() + b"\"}"
sys.stdout.buffer.write(b"\n".join(lines) + b"\n")'
}
tamper "an edited record with its hash recomputed" 8 rehash

check "audit: a refusal records why" grep -q '"error":"/etc/veza/evil.env: is a symlink' "$L"

# A torn last line (a crash mid-append) stays visible: the next run starts
# a fresh line and verify still names the torn one, not the new records.
TR=$(newroot)
mkdir -p "$TR/var/log/envseal"
chmod 0700 "$TR/var/log/envseal"
head -c -10 "$L" >"$TR/var/log/envseal/audit.jsonl"
chmod 0600 "$TR/var/log/envseal/audit.jsonl"   # a log wider than 0600 is refused
"$FSW" --root "$TR" --audit render --data 'x' /etc/veza/t.env >/dev/null 2>&1
check "torn log: the next run appends on a fresh line" test "$(wc -l <"$TR/var/log/envseal/audit.jsonl")" -eq 18
expect_exit "torn log: verify still fails" 3 "$ENVSEAL" audit verify --root "$TR"
contains "torn log: verify names the torn line" "audit.jsonl:14:"

# ES_W_NOAUDIT (the layer's own files): begin and end only, no action.
N=$(newroot)
"$FSW" --root "$N" --audit render --noaudit --data 'x' /etc/veza/n.env >/dev/null 2>&1
check "noaudit: only begin and end recorded" test "$(grep -c '"event":"\(file\|intent\)"' "$N/var/log/envseal/audit.jsonl")" -eq 0
check "noaudit: the file was written" test -f "$N/etc/veza/n.env"
# No run begun: the API writes and logs nothing.
"$FSW" --root "$N" --data 'y' /etc/veza/m.env >/dev/null 2>&1
check "no audit run: nothing logged" test "$(wc -l <"$N/var/log/envseal/audit.jsonl")" -eq 2

# A later run keeps chaining after the earlier ones.
"$FSW" --root "$R" --audit render --data "DATABASE_URL=other" /etc/veza/app.env >/dev/null 2>&1
expect_exit "verify: chain continues across runs" 0 "$ENVSEAL" audit verify --root "$R"
contains "verify: 18 records after another run (begin, intent, file, end)" "18 records"
expect_exit "verify: no log is not an error" 0 "$ENVSEAL" audit verify --root "$(newroot)"
expect_exit "audit: unknown subcommand is a usage error" 2 "$ENVSEAL" audit frobnicate
expect_exit "audit: stray argument is a usage error" 2 "$ENVSEAL" audit verify extra

# Two processes appending at once (fswrite takes no run lock): each keeps
# its own chain tip between its records, and must fall back to the log's
# tail whenever the other appended in between. The chain stays whole.
C=$(newroot)
for w in a b; do
	(for i in 1 2 3 4 5 6 7 8 9 10; do
		"$FSW" --root "$C" --audit render --vars K \
		    --data "K=$w$i" "/etc/veza/$w.env" >/dev/null 2>&1
	done) &
done
wait
expect_exit "concurrent appenders: verify passes" 0 "$ENVSEAL" audit verify --root "$C"
contains "concurrent appenders: all 80 records (20 runs, each with an intent)" "80 records, chain intact"
case "$OUT" in *incomplete*) notok "concurrent appenders: no run left incomplete" ;;
*) ok "concurrent appenders: no run left incomplete" ;; esac

# Two first runs on a fresh root at once: each creates var/, var/log/ and
# var/log/envseal/ or finds them made by the other; the one that made a
# directory must accept the subdirectory the other created in it before
# its fchmod (not "swapped?"). 30 fresh roots, both runs succeed on each.
bad=0
for i in $(seq 1 30); do
	F=$(newroot)
	"$FSW" --root "$F" --audit render --vars K --data K=a /etc/veza/a.env >/dev/null 2>"$F.a.err" &
	pa=$!
	"$FSW" --root "$F" --audit render --vars K --data K=b /etc/veza/b.env >/dev/null 2>"$F.b.err" &
	pb=$!
	wait "$pa" || { bad=$((bad + 1)); sed 's/^/# /' "$F.a.err"; }
	wait "$pb" || { bad=$((bad + 1)); sed 's/^/# /' "$F.b.err"; }
done
check "concurrent first runs: 60 of 60 succeed ($bad failed)" [ "$bad" = 0 ]

# Variable names are copied whole when they need no escaping and escaped
# otherwise; either way the record is JSON with the names as given.
Q=$(newroot)
"$FSW" --root "$Q" --audit render --vars "$(printf 'PLAIN_1,A"B,X\\Y,caf\303\251,T\tAB')" \
    --data 'x' /etc/veza/q.env >/dev/null 2>&1
if python3 - "$Q/var/log/envseal/audit.jsonl" <<'EOF2'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1], 'rb').read().split(b'\n')[:-1]]
v = [r for r in recs if r['event'] == 'file'][0]['vars']
assert v == ['PLAIN_1', 'A"B', 'X\\Y', 'caf\u00e9', 'T\tAB'], v
EOF2
then ok "audit: names plain and escaped read back as given"
else notok "audit: names plain and escaped read back as given"; fi
expect_exit "audit: verify after escaped names" 0 "$ENVSEAL" audit verify --root "$Q"
