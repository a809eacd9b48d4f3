#!/bin/bash
# tests/cli/vault_quiet.sh — issue 14's quiet diffs for `vault encrypt`
# and `vault rekey` (issue 15's brief): re-encrypting an unchanged
# plaintext under the same key and label keeps the file byte for byte
# (and its inode); any change of plaintext, key or label rewrites it. The
# real ansible-vault reads every result (tests/tools/avbatch.py).
. "$TOP/tests/lib.sh"
av_fixture
pw=(--vault-password-file "$F/pw")
printf 'battery staple\n' >"$F/pw2"
same() { cmp -s "$1" "$2"; }
differs() { ! cmp -s "$1" "$2"; }
ino() { stat -c %i "$1"; }

# encrypt --output onto a vault of the same plaintext
cp "$F/v.yml" "$S/v.before"; i0=$(ino "$F/v.yml")
expect_exit "encrypt --output onto the same plaintext, same key" 0 "$ENVSEAL" vault encrypt "${pw[@]}" --output "$F/v.yml" "$F/plain.yml"
check "... keeps the file byte for byte" same "$F/v.yml" "$S/v.before"
check "... and its inode" [ "$(ino "$F/v.yml")" = "$i0" ]
contains "... and says unchanged" "unchanged"
printf 'db_password: hunter3\napi: x\n' >"$S/plain2"
cp "$F/v.yml" "$F/w.yml"
expect_exit "encrypt --output, another plaintext" 0 "$ENVSEAL" vault encrypt "${pw[@]}" --output "$F/w.yml" "$S/plain2"
check "... rewrites it" differs "$F/w.yml" "$S/v.before"
cp "$S/v.before" "$F/k.yml"
expect_exit "encrypt --output, same plaintext, another key" 0 "$ENVSEAL" vault encrypt --vault-password-file "$F/pw2" --output "$F/k.yml" "$F/plain.yml"
check "... rewrites it" differs "$F/k.yml" "$S/v.before"
cp "$S/v.before" "$F/l.yml"
expect_exit "encrypt --output, same plaintext and key, a label" 0 "$ENVSEAL" vault encrypt --vault-id "prod@$F/pw" --output "$F/l.yml" "$F/plain.yml"
check "... rewrites it (1.2 header)" [ "$(head -1 "$F/l.yml")" = '$ANSIBLE_VAULT;1.2;AES256;prod' ]

# rekey to the same key
cp "$S/v.before" "$F/r.yml"
expect_exit "rekey to the same password" 0 "$ENVSEAL" vault rekey "${pw[@]}" --new-vault-password-file "$F/pw" "$F/r.yml"
check "... keeps the file byte for byte" same "$F/r.yml" "$S/v.before"
cp "$F/l.yml" "$F/rl.yml"; cp "$F/l.yml" "$S/l.before"
expect_exit "rekey a labelled vault to the same id" 0 "$ENVSEAL" vault rekey --vault-id "prod@$F/pw" --new-vault-id "prod@$F/pw" "$F/rl.yml"
check "... keeps the file byte for byte" same "$F/rl.yml" "$S/l.before"
cp "$S/v.before" "$F/r2.yml"
expect_exit "rekey to another password" 0 "$ENVSEAL" vault rekey "${pw[@]}" --new-vault-password-file "$F/pw2" "$F/r2.yml"
check "... rewrites it" differs "$F/r2.yml" "$S/v.before"
cp "$S/v.before" "$F/r3.yml"
expect_exit "rekey to the same password under a new label" 0 "$ENVSEAL" vault rekey "${pw[@]}" --new-vault-id "dev@$F/pw" "$F/r3.yml"
check "... rewrites it (the label)" [ "$(head -1 "$F/r3.yml")" = '$ANSIBLE_VAULT;1.2;AES256;dev' ]

cat >"$S/cases" <<'EOF'
{"id":"ansible-vault reads the kept encrypt --output","args":["view","--vault-password-file","pw","v.yml"],"cmp":["rc","out"],"rc":[0,0]}
{"id":"ansible-vault reads the rewritten encrypt --output","args":["view","--vault-password-file","pw","w.yml"],"cmp":["rc","out"],"rc":[0,0]}
{"id":"ansible-vault reads the kept rekey","args":["view","--vault-password-file","pw","r.yml"],"cmp":["rc","out"],"rc":[0,0]}
{"id":"ansible-vault reads the kept labelled rekey","args":["view","--vault-id","prod@pw","rl.yml"],"cmp":["rc","out"],"rc":[0,0]}
{"id":"ansible-vault reads the rekey to another password","args":["view","--vault-password-file","pw2","r2.yml"],"cmp":["rc","out"],"rc":[0,0]}
EOF
av_batch "$S/cases"
