#!/bin/bash
# tests/cli/rotate.sh — `envseal rotate` against the real ansible-vault:
# five vaults (whole-file 1.1 and 1.2;prod, inline, owners and modes of
# their own) rotated to a new password that ansible-vault opens and the old
# does not, same plaintexts; --check writes nothing; a rerun skips what is
# already under the new key; --new-vault-id relabels; a bad new key source,
# an unopenable vault and a journal of other files replace nothing; --json;
# planted passwords and values appear in no output, journal or audit log.
# The README "Rotating keys" runbook is rotate_runbook.sh.
. "$TOP/tests/lib.sh"
is_root || { skip rotate "needs root (owners, the state directory)"; exit 0; }
command -v ansible-vault >/dev/null 2>&1 || { skip rotate "ansible-vault not installed"; exit 0; }
use_base
audit_root "$BASE/audit"
export ANSIBLE_LOCAL_TEMP="$BASE/.ansible-tmp" ANSIBLE_NOCOLOR=1
unset ANSIBLE_VAULT_PASSWORD_FILE ANSIBLE_VAULT_IDENTITY_LIST ANSIBLE_VAULT_ID_MATCH
E=$ENVSEAL
W=$BASE/w; L=$BASE/logs; mkdir -p "$W/plain" "$L"
R=$(mkroot) || exit 1
OLDPW=OldPwMarker3c1a
NEWPW=NewPwMarker9e2b
VAL=ValueMarker7f40
printf '%s\n' "$OLDPW" >"$W/old"; printf '%s\n' "$NEWPW" >"$W/new"
chmod 0600 "$W/old" "$W/new"
OLD=(--vault-password-file "$W/old")
NEW=(--new-vault-password-file "$W/new")

# The five vaults and their plaintexts (what ansible-vault view shows).
mk() { # mk
	local i
	rm -rf "$W/v"; mkdir -p "$W/v"
	for i in 1 2 3; do
		printf 'db_password: %s-%s\nport: %s\n' "$VAL" "$i" "$i" >"$W/v/whole$i.yml"
	done
	ansible-vault encrypt --vault-password-file "$W/old" "$W/v/whole1.yml" "$W/v/whole2.yml" >/dev/null 2>&1
	ansible-vault encrypt --vault-id "prod@$W/old" "$W/v/whole3.yml" >/dev/null 2>&1
	for i in 4 5; do
		{ printf 'app: demo%s\n' "$i"
		  ansible-vault encrypt_string --vault-password-file "$W/old" "$VAL-inline$i" --name secret 2>/dev/null; echo
		  printf 'other: plain\n'; } >"$W/v/inline$i.yml"
	done
	chown 0:2345 "$W/v/whole2.yml"; chmod 0640 "$W/v/whole2.yml"
	chmod 0600 "$W/v/whole1.yml"; chmod 0644 "$W/v/inline4.yml"
}
FILES=(whole1.yml whole2.yml whole3.yml inline4.yml inline5.yml)
mk
# ansible's own reader (its interpreter, from ansible-vault's shebang):
# aload PWFILE FILE... prints, per FILE, its name and the document ansible's
# DataLoader gives with that password (whole-file or inline !vault values),
# as JSON, or "FAIL": ansible-vault view reads whole-file vaults only.
APY=$(head -1 "$(command -v ansible-vault)" | sed 's/^#! *//; s/ .*//')
aload() {
	"$APY" - "$@" <<'PY'
import json, sys
from ansible.parsing.dataloader import DataLoader
from ansible.parsing.vault import VaultSecret
pw = open(sys.argv[1], "rb").read().strip()
for f in sys.argv[2:]:
    l = DataLoader()
    l.set_vault_secrets([("default", VaultSecret(pw))])
    try:
        d = l.load_from_file(f, cache=False)
        d = {k: str(v) for k, v in d.items()}
        print(f.rsplit("/", 1)[-1], json.dumps(d, sort_keys=True))
    except Exception:
        print(f.rsplit("/", 1)[-1], "FAIL")
PY
}
(cd "$W/v" && aload "$W/old" "${FILES[@]}") >"$W/plain/all"
check "ansible reads the five with the old password" [ "$(grep -c FAIL "$W/plain/all")" = 0 ] && grep -q "$VAL-inline4" "$W/plain/all"
sums() { (cd "$W/v" && sha256sum "${FILES[@]}"); }
meta() { (cd "$W/v" && stat -c '%n %u %g %a' "${FILES[@]}"); }
run() { # NAME CMD... : in $W/v; stdout $L/NAME.out, stderr $L/NAME.err, $RC
	local n=$1; shift
	(cd "$W/v" && "$@") >"$L/$n.out" 2>"$L/$n.err"; RC=$?
	OUT=$(cat "$L/$n.out" "$L/$n.err")
}
J=$R/var/lib/envseal/rotate.journal

# 1. --check: what would be rotated, nothing written.
before=$(sums); meta0=$(meta)
run check "$E" rotate --root "$R" "${OLD[@]}" "${NEW[@]}" --check "${FILES[@]}"
check "--check exit 0" [ "$RC" = 0 ]
check "--check names five files to rotate" [ "$(grep -c '^would rotate ' "$L/check.out")" = 5 ]
check "--check changes no vault" [ "$(sums)" = "$before" ]
check "--check writes no journal" [ ! -e "$J" ]
check "--check leaves no temp file" [ -z "$(ls -A "$W/v" | grep -v '\.yml$')" ]

# 2. The rotation.
run rot "$E" rotate --root "$R" "${OLD[@]}" "${NEW[@]}" "${FILES[@]}"
check "rotate exit 0" [ "$RC" = 0 ]
check "rotate says five rotated" grep -q '^rotate: 5 rotated, 0 already' "$L/rot.out"
check "ansible opens all five with the new password, same plaintexts" cmp -s <(cd "$W/v" && aload "$W/new" "${FILES[@]}") "$W/plain/all"
check "ansible opens none with the old password" [ "$(cd "$W/v" && aload "$W/old" "${FILES[@]}" | grep -c ' FAIL$')" = 5 ]
check "ansible-vault view shows the rotated whole-file vault" cmp -s <(ansible-vault view --vault-password-file "$W/new" "$W/v/whole2.yml" 2>/dev/null) <(printf 'db_password: %s-2\nport: 2\n' "$VAL")
check "owners and modes kept" [ "$(meta)" = "$meta0" ]
check "the prod label is kept" [ "$(head -1 "$W/v/whole3.yml")" = '$ANSIBLE_VAULT;1.2;AES256;prod' ]
check "an inline file keeps its plain lines" grep -q '^other: plain$' "$W/v/inline4.yml"
check "the journal is root 0600 in a 0700 directory" [ "$(stat -c '%u %a' "$J") $(stat -c '%a' "$(dirname "$J")")" = "0 600 700" ]
check "the journal says done, five files" [ "$(sed -n 2p "$J")" = "state done" ] && [ "$(grep -c '^file done ' "$J")" = 5 ]
"$E" audit show --root "$R" >"$L/audit.txt" 2>&1
check "the audit run names each vault" [ "$(grep -c 'replaced  file .*/v/' "$L/audit.txt")" = 5 ]
check "the audit chain is intact" "$E" audit verify --root "$R" >/dev/null
# Each vault it opened: one vault record in the rotate run, opened by the
# old key (label default); whole-file vaults by the sha256 of what was
# read, inline ones by their keyed fingerprint.
check "rotate: a vault record per file, opened by the old key" python3 - "$R/var/log/envseal/audit.jsonl" <<'PY'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
run = [r for r in recs if r["command"] == "rotate"][-1]["run"]
v = [r for r in recs if r["run"] == run and r["event"] == "vault"]
assert len(v) == 5 and all(r["key"] == "default" for r in v), v
assert all(("sha256" in r) == ("whole" in r["path"]) for r in v), v
PY
check "no temp file left" [ -z "$(ls -A "$W/v" | grep -v '\.yml$')" ]

# 3. The rerun: everything already under the new key, nothing touched.
after=$(sums)
run again "$E" rotate --root "$R" "${OLD[@]}" "${NEW[@]}" --json "${FILES[@]}"
check "rerun exit 0" [ "$RC" = 0 ]
check "rerun: all five already, nothing changed" python3 -c '
import json, sys
j = json.load(open(sys.argv[1]))
assert j["changed"] is False and len(j["already"]) == 5 and j["rotated"] == [], j' "$L/again.out"
check "rerun leaves every byte" [ "$(sums)" = "$after" ]

# 3b. The new key among the old sources too (a rerun given both): still
# skipped, not rewritten.
run both "$E" rotate --root "$R" "${OLD[@]}" --vault-password-file "$W/new" "${NEW[@]}" "${FILES[@]}"
check "new key also as an old source: all already, no byte changed" grep -q '^rotate: 0 rotated, 5 already' "$L/both.out" && [ "$(sums)" = "$after" ]
# 3c. An inline file half rotated (one value under each key) is rotated.
{ printf 'a: 1\n'; ansible-vault encrypt_string --vault-password-file "$W/new" "$VAL-half1" --name s1 2>/dev/null; echo
  ansible-vault encrypt_string --vault-password-file "$W/old" "$VAL-half2" --name s2 2>/dev/null; echo; } >"$W/v/half.yml"
run half "$E" rotate --root "$R" "${OLD[@]}" "${NEW[@]}" half.yml
check "a half-rotated inline file is rotated" grep -q '^rotated half.yml' "$L/half.out"
check "ansible reads both its values with the new key" [ "$(cd "$W/v" && aload "$W/new" half.yml)" = "half.yml {\"a\": \"1\", \"s1\": \"$VAL-half1\", \"s2\": \"$VAL-half2\"}" ]
rm -f "$W/v/half.yml"

# 4. A new label: --new-vault-id LABEL@SOURCE relabels every value.
printf 'ThirdPw\n' >"$W/third"; chmod 0600 "$W/third"
run relabel "$E" rotate --root "$R" --vault-password-file "$W/new" --new-vault-id "fleet@$W/third" whole1.yml whole3.yml
check "relabel exit 0" [ "$RC" = 0 ]
check "relabelled whole1 and whole3 (was prod)" [ "$(head -1 "$W/v/whole1.yml") $(head -1 "$W/v/whole3.yml")" = '$ANSIBLE_VAULT;1.2;AES256;fleet $ANSIBLE_VAULT;1.2;AES256;fleet' ]
check "ansible-vault opens the relabelled file" cmp -s <(ansible-vault view --vault-id "fleet@$W/third" "$W/v/whole3.yml" 2>/dev/null) <(printf 'db_password: %s-3\nport: 3\n' "$VAL")

# 5. A bad new key source: one line, nothing replaced, no journal change.
mk; before=$(sums); jbefore=$(sha256sum <"$J")
run badnew "$E" rotate --root "$R" "${OLD[@]}" --new-vault-password-file "$W/missing" "${FILES[@]}"
check "bad new key source: exit 1" [ "$RC" = 1 ]
check "bad new key source: one line naming it" [ "$(wc -l <"$L/badnew.err")" = 1 ] && grep -q "new key: .*$W/missing" "$L/badnew.err"
check "bad new key source: nothing replaced" [ "$(sums)" = "$before" ]
check "bad new key source: the journal untouched" [ "$(sha256sum <"$J")" = "$jbefore" ]

# 6. A vault that does not open (the fifth under another key): nothing
# replaced, not even the four that would.
printf 'other: x\n' >"$W/o.yml"; ansible-vault encrypt --vault-password-file "$W/third" "$W/o.yml" >/dev/null 2>&1
cp "$W/o.yml" "$W/v/inline5.yml"; before=$(sums)
run unopen "$E" rotate --root "$R" "${OLD[@]}" "${NEW[@]}" --json "${FILES[@]}"
check "unopenable vault: exit 3" [ "$RC" = 3 ]
check "unopenable vault: one error line naming it" [ "$(wc -l <"$L/unopen.err")" = 1 ] && grep -q 'inline5.yml' "$L/unopen.err"
check "unopenable vault: nothing replaced" [ "$(sums)" = "$before" ]
check "unopenable vault: --json names it failed" python3 -c '
import json, sys
j = json.load(open(sys.argv[1]))
assert j["failed"] is True and j["rc"] == 3 and j["failed_files"] == ["inline5.yml"] and j["rotated"] == [], j' "$L/unopen.out"
check "unopenable vault: no temp file left" [ -z "$(ls -A "$W/v" | grep -v '\.yml$')" ]

# 7. An unfinished journal of other files: nothing replaced.
mk; before=$(sums)
{ printf 'envseal rotate journal 1\nstate staged\n'
  printf 'file rotate %064d %064d /srv/elsewhere.yml\n' 0 0; } >"$J"
chmod 0600 "$J"
run other "$E" rotate --root "$R" "${OLD[@]}" "${NEW[@]}" "${FILES[@]}"
check "journal of other files: exit 3" [ "$RC" = 3 ]
check "journal of other files: one line naming the journal" [ "$(wc -l <"$L/other.err")" = 1 ] && grep -q 'rotate.journal' "$L/other.err"
check "journal of other files: nothing replaced" [ "$(sums)" = "$before" ]
# The same files, one changed since the journal was written.
run mk_j "$E" rotate --root "$R" "${OLD[@]}" "${NEW[@]}" --check "${FILES[@]}"
{ printf 'envseal rotate journal 1\nstate staged\n'
  for f in "${FILES[@]}"; do printf 'file rotate %064d %064d %s\n' 0 0 "$W/v/$f"; done; } >"$J"
run changed "$E" rotate --root "$R" "${OLD[@]}" "${NEW[@]}" "${FILES[@]}"
check "journal whose files changed: exit 3" [ "$RC" = 3 ]
check "journal whose files changed: names the first file" grep -q 'whole1.yml: changed since the unfinished rotation' "$L/changed.err"
check "journal whose files changed: nothing replaced" [ "$(sums)" = "$before" ]
rm -f "$J"

# 7b. --check on an unfinished journal: says it would resume, writes nothing.
{ printf 'envseal rotate journal 1\nstate staged\n'
  for f in "${FILES[@]}"; do printf 'file rotate %s %064d %s\n' "$(sha256sum <"$W/v/$f" | cut -c1-64)" 0 "$W/v/$f"; done; } >"$J"
chmod 0600 "$J"; jbefore=$(sha256sum <"$J")
run checkres "$E" rotate --root "$R" "${OLD[@]}" "${NEW[@]}" --check --json "${FILES[@]}"
check "--check on an unfinished journal: resumed, five would rotate" python3 -c '
import json, sys
j = json.load(open(sys.argv[1]))
assert j["resumed"] is True and len(j["would_rotate"]) == 5 and j["changed"] is False, j' "$L/checkres.out"
check "--check on an unfinished journal: journal and vaults untouched" [ "$(sha256sum <"$J")" = "$jbefore" ] && [ "$(sums)" = "$before" ]
# A journal someone else could have written is refused.
chmod 0644 "$J"
run wide "$E" rotate --root "$R" "${OLD[@]}" "${NEW[@]}" "${FILES[@]}"
check "a 0644 journal: refused, nothing replaced" [ "$RC" != 0 ] && grep -q 'rotate.journal: not the caller.s 0600 file; refused' "$L/wide.err" && [ "$(sums)" = "$before" ]
rm -f "$J"

# 8. Usage: no new key, both new keys, a missing vault.
run nonew "$E" rotate --root "$R" "${OLD[@]}" "${FILES[@]}"
check "no new key: exit 2" [ "$RC" = 2 ]
run bothnew "$E" rotate --root "$R" "${OLD[@]}" "${NEW[@]}" --new-vault-id "x@$W/new" "${FILES[@]}"
check "two new keys: exit 2" [ "$RC" = 2 ]
run stdinrender "$E" rotate --root "$R" "${OLD[@]}" --new-vault-password-file - --render
check "--render with the new key on stdin: exit 2, says why" [ "$RC" = 2 ] && grep -q 'not on stdin' "$L/stdinrender.err"
run missing "$E" rotate --root "$R" "${OLD[@]}" "${NEW[@]}" whole1.yml nothere.yml
check "a missing vault: exit 1, nothing replaced" [ "$RC" = 1 ] && [ "$(sums)" = "$before" ]

# An age file is refused (vault reencrypt is its tool), nothing replaced.
"$E" keygen -o "$W/age.id" 2>/dev/null
printf 'a: 1\n' >"$W/v/age.yml"
"$E" vault encrypt -r "$("$E" keygen -y "$W/age.id")" "$W/v/age.yml" 2>/dev/null
run age "$E" rotate --root "$R" "${OLD[@]}" -i "$W/age.id" "${NEW[@]}" whole1.yml age.yml
check "an age file: exit 2, named, nothing replaced" [ "$RC" = 2 ] && grep -q 'age.yml: an age file' "$L/age.err" && [ "$(sums)" = "$before" ]
rm -f "$W/v/age.yml"

# 9. Nothing secret anywhere.
for s in "$OLDPW" "$NEWPW" "$VAL"; do
	no_secret "no $s in outputs" "$s" "$L"
	no_secret "no $s in the state directory or the audit log" "$s" "$R/var"
done
exit 0
