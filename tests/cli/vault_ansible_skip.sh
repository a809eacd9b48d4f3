#!/bin/bash
# tests/cli/vault_ansible_skip.sh — issue 15, the secrets ansible-vault
# 2.14 skips: an empty password file, or a vaulted password file that no
# earlier secret opens, is skipped with a warning while another secret is
# usable; an error only when nothing usable is left. A missing password
# file stays an error (a deliberate difference, README). Side by side
# with the real ansible-vault (tests/tools/avbatch.py).
. "$TOP/tests/lib.sh"
av_fixture
: >"$F/empty"
printf '  \n\t\n' >"$F/blank"
printf 'inner pw\n' >"$F/vpw"
printf 'k\n' >"$F/kk"
"$ENVSEAL" vault encrypt --vault-password-file "$F/kk" "$F/vpw" 2>/dev/null || exit 1
cat >"$S/cases" <<'EOF'
{"id":"empty file, then the right one","args":["view","--vault-password-file","empty","--vault-password-file","pw","v.yml"],"cmp":["rc","out","errline:empty"]}
{"id":"the right one, then an empty file","args":["view","--vault-password-file","pw","--vault-password-file","empty","v.yml"],"cmp":["rc","out"]}
{"id":"whitespace-only file, then the right one","args":["view","--vault-id","b@blank","--vault-id","pw","v.yml"],"cmp":["rc","out"]}
{"id":"only an empty file: an error","args":["view","--vault-password-file","empty","v.yml"],"cmp":["rc"],"rc":[1,1]}
{"id":"two empty files: an error","args":["view","--vault-id","e@empty","--vault-password-file","empty","v.yml"],"cmp":["rc"],"rc":[1,1]}
{"id":"vaulted password file nothing opens, then the right one","args":["view","--vault-password-file","vpw","--vault-password-file","pw","v.yml"],"cmp":["rc","out"]}
{"id":"the right one, then a vaulted file it does not open","args":["view","--vault-password-file","pw","--vault-password-file","vpw","v.yml"],"cmp":["rc","out"]}
{"id":"only a vaulted file nothing opens: an error","args":["view","--vault-password-file","vpw","v.yml"],"cmp":["rc"]}
{"id":"encrypt with an empty file skipped","args":["encrypt","--vault-password-file","empty","--vault-password-file","pw","--output","-","plain.yml"],"pw":["pw"],"cmp":["rc","outv"]}
{"id":"decrypt with an empty file skipped","args":["decrypt","--vault-password-file","empty","--vault-password-file","pw","v.yml"],"cmp":["rc","file:v.yml"]}
{"id":"ANSIBLE_VAULT_PASSWORD_FILE empty, --vault-password-file right","env":{"ANSIBLE_VAULT_PASSWORD_FILE":"empty"},"args":["view","--vault-password-file","pw","v.yml"],"cmp":["rc","out"]}
{"id":"a missing password file","args":["view","--vault-password-file","missing","--vault-password-file","pw","v.yml"],"mode":"A","why":"a missing file is a typo or a missing mount; envseal stops","rc":[0,1]}
EOF
av_batch "$S/cases"
