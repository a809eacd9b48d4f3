#!/bin/bash
# tests/cli/audit_evidence.sh — the audit log as evidence: `audit verify
# --expect HASH` catches records cut off the end (which the chain alone
# cannot), and `audit show --json` and its filters (--path, --run,
# --since, --command) give an auditor the records they ask for, as JSON
# that parses and holds nothing that acts on a terminal.
. "$(dirname "$0")/../lib.sh"

is_root || { skip audit_evidence "needs root (apply)"; exit 0; }

use_base
audit_root "$BASE/audit"
SECRET1='FAKE-evidence-db-pw-81e2'
W=$BASE/work
mkdir -p "$W/group_vars"
printf 'vault_database_url: "postgres://u:%s@db/veza"\n' "$SECRET1" \
	>"$W/group_vars/backend_api.vault.yml"
printf 'evidence-test-password\n' >"$BASE/pw"
chmod 0600 "$BASE/pw"
"$ENVSEAL" vault encrypt --vault-password-file "$BASE/pw" \
	"$W/group_vars/backend_api.vault.yml" >/dev/null 2>&1
cd "$W" || exit 1
R=$(mkroot shadow) || exit 1
expect_exit "apply" 0 "$ENVSEAL" apply --root "$R" --vault-password-file "$BASE/pw"
LOG=$R/var/log/envseal/audit.jsonl
ALL=$BASE/all.out
printf '%s\n' "$OUT" >"$ALL"
hash_of() { sed -n "${1}p" "$LOG" | sed 's/.*,"hash":"\([0-9a-f]*\)"}$/\1/'; }
N=$(wc -l <"$LOG")
LAST=$(hash_of "$N")
THIRD=$(hash_of 3)

expect_exit "expect the last hash" 0 "$ENVSEAL" audit verify --root "$R" --expect "$LAST"
contains "expect: names the line, none after" "anchor $LAST: line $N, 0 records after it"
expect_exit "expect an earlier hash" 0 "$ENVSEAL" audit verify --root "$R" --expect "$THIRD"
contains "expect: counts the records after it" "line 3, $((N - 3)) records after it"
cp -p "$LOG" "$BASE/log.orig"
sed '$d' "$BASE/log.orig" >"$BASE/log.cut"
cat "$BASE/log.cut" >"$LOG"
expect_exit "cut end: the chain alone is intact" 0 "$ENVSEAL" audit verify --root "$R"
expect_exit "cut end: --expect the old last hash: exit 3" 3 "$ENVSEAL" audit verify --root "$R" --expect "$LAST"
contains "cut end: says why" "no record has the hash $LAST: records were cut off the end"
cat "$BASE/log.orig" >"$LOG"
expect_exit "expect: not a hash: exit 2" 2 "$ENVSEAL" audit verify --root "$R" --expect abc
expect_exit "expect: with show: exit 2" 2 "$ENVSEAL" audit show --root "$R" --expect "$LAST"

# A working-tree file with a bidi override in its name, audited too.
printf 'plain: 1\n' >"$W/x$(printf '\342\200\256')y.yml"
"$ENVSEAL" vault encrypt --vault-password-file "$BASE/pw" --audit-root "$R" \
	"$W/x$(printf '\342\200\256')y.yml" >/dev/null 2>&1

expect_exit "show --json" 0 "$ENVSEAL" audit show --root "$R" --json
printf '%s\n' "$OUT" >>"$ALL"
check "show --json: one JSON object per record, ASCII only, same fields" python3 -c '
import json, sys
lines = sys.argv[1].splitlines()
recs = [l.rstrip("\n") for l in open(sys.argv[2], encoding="utf-8")]
assert len(lines) == len(recs), (len(lines), len(recs))
for out, rec in zip(lines, recs):
    out.encode("ascii")
    assert json.loads(out) == json.loads(rec)
assert any("\u202e" in json.loads(l).get("path", "") for l in lines)
' "$OUT" "$LOG"

expect_exit "show --path" 0 "$ENVSEAL" audit show --root "$R" --json --path /etc/veza/backend-api.env
check "show --path: only that path (intent and outcome)" python3 -c '
import json, sys
r = [json.loads(l) for l in sys.argv[1].splitlines()]
assert len(r) == 2 and all(x["path"] == "/etc/veza/backend-api.env" for x in r), r
assert [x["event"] for x in r] == ["intent", "file"]
' "$OUT"
RUN=$(sed -n 1p "$LOG" | sed 's/.*"run":"\([0-9a-f]*\)".*/\1/')
expect_exit "show --run prefix" 0 "$ENVSEAL" audit show --root "$R" --json --run "${RUN:0:8}"
check "show --run: exactly the apply run" [ "$(printf '%s\n' "$OUT" | grep -c .)" = "$(grep -c "\"run\":\"$RUN\"" "$LOG")" ]
expect_exit "show --command" 0 "$ENVSEAL" audit show --root "$R" --command "vault encrypt"
check "show --command: the vault run" [ -n "$OUT" ]
check "show --command: no apply record" sh -c '! printf "%s\n" "$1" | grep -q " apply "' sh "$OUT"
contains "show text: the bidi control is escaped" 'x\u202ey.yml'
expect_exit "show --since the future: nothing" 0 "$ENVSEAL" audit show --root "$R" --since 2999-01-01
check "show --since: empty" [ -z "$OUT" ]
expect_exit "show --since the past: everything" 0 "$ENVSEAL" audit show --root "$R" --json --since 2000-01-01T00:00:00Z
check "show --since: all records" [ "$(printf '%s\n' "$OUT" | grep -c .)" = "$(wc -l <"$LOG")" ]
expect_exit "show --since garbage: exit 2" 2 "$ENVSEAL" audit show --root "$R" --since yesterday
contains "show --since garbage: says the rule" "not an RFC 3339 UTC time"
expect_exit "verify --json: exit 2" 2 "$ENVSEAL" audit verify --root "$R" --json
printf '%s\n' "$OUT" >>"$ALL"

# What a run opened: each vault's path, the sha256 of its ciphertext (not
# secret) and the label of the key that opened it, one "vault" record
# per vault.
V=$W/group_vars/backend_api.vault.yml
VSHA=$(sha256sum <"$V" | cut -d' ' -f1)
check "apply: a vault record (path, ciphertext sha256, key label)" python3 - "$LOG" "$RUN" "$V" "$VSHA" <<'PY'
import json, sys
log, run, path, sha = sys.argv[1:5]
v = [r for r in map(json.loads, open(log)) if r["run"] == run and r["event"] == "vault"]
assert len(v) == 1, v
assert v[0]["path"] == path and v[0]["sha256"] == sha and v[0]["key"] == "default", v[0]
PY
# A failed run: its end record says the error class and the one-line
# message; the vault it could not open is recorded with no key.
printf 'not-the-password\n' >"$BASE/badpw"
chmod 0600 "$BASE/badpw"
expect_exit "render with a wrong password: exit 3" 3 "$ENVSEAL" render --root "$R" --vault-password-file "$BASE/badpw"
printf '%s\n' "$OUT" >>"$ALL"
check "failed run: the end gives the error class and message, the vault no key" python3 - "$LOG" "$V" "$VSHA" <<'PY'
import json, sys
log, path, sha = sys.argv[1:4]
recs = [json.loads(l) for l in open(log)]
end = recs[-1]
assert end["event"] == "end" and end["status"] == 3, end
assert end.get("error_class") == "no vault secret could decrypt", end
assert "backend_api.vault.yml" in end.get("error", "") and "\n" not in end["error"], end
v = [r for r in recs if r["run"] == end["run"] and r["event"] == "vault"]
assert len(v) == 1 and v[0]["path"] == path and v[0]["sha256"] == sha and v[0]["key"] is None, v
PY
expect_exit "show: the vault record in words" 0 "$ENVSEAL" audit show --root "$R"
contains "show: vault path, sha256 and key" "vault     $V  sha256 $VSHA  key default"
contains "show: the failed run's error class" "status 3  error: no vault secret could decrypt: "
# The vault commands record what they open too.
expect_exit "vault view: exit 0" 0 "$ENVSEAL" vault view --vault-password-file "$BASE/pw" --audit-root "$R" "$V"
check "vault view: a vault record" python3 - "$LOG" "$V" "$VSHA" <<'PY'
import json, sys
log, path, sha = sys.argv[1:4]
recs = [json.loads(l) for l in open(log)]
run = recs[-1]["run"]
v = [r for r in recs if r["run"] == run and r["event"] == "vault"]
assert len(v) == 1 and v[0]["path"] == path and v[0]["sha256"] == sha and v[0]["key"] == "default", v
PY
# A vault that is not ciphertext as a whole (plain YAML with inline
# !vault values, or a plaintext vault) holds readable bytes: the log gets
# their keyed fingerprint, never a plain sha256 a reader could brute-force.
cp "$VECTORS/c_mixed_inline.yml" "$W/inline.yml"
expect_exit "vault view of inline values: exit 0" 0 "$ENVSEAL" vault view --vault-password-file "$VECTORS/pw_correct_horse.txt" --audit-root "$R" "$W/inline.yml"
check "inline vault: a keyed fingerprint, no sha256" python3 - "$LOG" "$W/inline.yml" <<'PY'
import json, re, sys
log, path = sys.argv[1:3]
recs = [json.loads(l) for l in open(log)]
v = [r for r in recs if r["event"] == "vault" and r["path"] == path]
assert len(v) == 1 and "sha256" not in v[0], v
assert re.fullmatch("[0-9a-f]{64}", v[0].get("fingerprint", "")), v
PY
expect_exit "show: after the inline view" 0 "$ENVSEAL" audit show --root "$R"
contains "show: a vault record that is not ciphertext names its fingerprint" "vault     $W/inline.yml  fingerprint "
contains "show: apply's account record in words" "account   user veza-api uid 1001  group veza-api gid 1001  created user,group"
# Vault-command records give owners as names, like render's.
check "vault commands: owner and group as names" python3 - "$LOG" <<'PY'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
f = [r for r in recs if r["command"] == "vault encrypt" and r["event"] == "file"]
assert f and all(r["owner"] == "root" and r["group"] == "root" for r in f), f
PY
no_secret "no secret in any output" "$SECRET1" "$ALL"
no_secret "no secret in the log" "$SECRET1" "$LOG"
