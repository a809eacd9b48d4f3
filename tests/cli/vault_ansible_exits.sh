#!/bin/bash
# tests/cli/vault_ansible_exits.sh — issue 15, exit statuses: where both
# ansible-vault 2.14 and envseal fail, each class of failure against
# README's exit-status table (ansible's status, envseal's), side by side
# with the real ansible-vault (tests/tools/avbatch.py); where one succeeds
# and the other fails, the documented differences.
. "$TOP/tests/lib.sh"
av_fixture
printf 'wrong\n' >"$F/wrong"
printf '$ANSIBLE_VAULT;1.1;AES256\nzz\n' >"$F/bad.yml"
cat >"$S/cases" <<'EOF'
{"id":"wrong password","args":["view","--vault-password-file","wrong","v.yml"],"rc":[1,3]}
{"id":"malformed envelope","args":["view","--vault-password-file","pw","bad.yml"],"rc":[1,3]}
{"id":"not a vault","args":["view","--vault-password-file","pw","plain.yml"],"rc":[1,2]}
{"id":"missing vault file","args":["view","--vault-password-file","pw","nope.yml"],"rc":[1,1]}
{"id":"missing password file (alone)","args":["view","--vault-password-file","nope","v.yml"],"rc":[1,1]}
{"id":"encrypt a vault again","args":["encrypt","--vault-password-file","pw","v.yml"],"rc":[1,2],"cmp":["rc","file:v.yml"]}
{"id":"unknown option","args":["view","--no-such-option","v.yml"],"rc":[2,2]}
{"id":"unknown subcommand","args":["frobnicate","v.yml"],"rc":[2,2]}
{"id":"--new-vault-id with --new-vault-password-file","args":["rekey","--vault-password-file","pw","--new-vault-id","x@pw","--new-vault-password-file","pw","v.yml"],"rc":[2,2]}
{"id":"several secrets, no --encrypt-vault-id","args":["encrypt","--vault-id","a@pw","--vault-id","b@pw","--output","-","plain.yml"],"rc":[5,2]}
{"id":"--encrypt-vault-id of no secret","args":["encrypt","--vault-password-file","pw","--encrypt-vault-id","nope","--output","-","plain.yml"],"rc":[1,2]}
{"id":"--output with two inputs","args":["decrypt","--vault-password-file","pw","--output","o","v.yml","v.yml"],"rc":[5,2]}
{"id":"encrypt_string of empty stdin","args":["encrypt_string","--vault-password-file","pw"],"rc":[5,2]}
{"id":"encrypt_string of an empty STRING","args":["encrypt_string","--vault-password-file","pw",""],"rc":[5,2]}
{"id":"no secret at all, no terminal","setsid":true,"args":["view","v.yml"],"rc":[1,1]}
{"id":"encrypt, no secret at all, no terminal","setsid":true,"args":["encrypt","--output","-","plain.yml"],"rc":[1,1]}
{"id":"view of no FILE","args":["view","--vault-password-file","pw"],"mode":"A","why":"a view of nothing is a mistake; ansible prints nothing","rc":[0,2]}
{"id":"rekey of no FILE","args":["rekey","--vault-password-file","pw","--new-vault-password-file","pw"],"mode":"A","why":"a rekey of nothing is a mistake; ansible says Rekey successful","rc":[0,2]}
EOF
av_batch "$S/cases"
