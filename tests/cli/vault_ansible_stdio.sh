#!/bin/bash
# tests/cli/vault_ansible_stdio.sh — issue 15, stdin and stdout as
# ansible-vault 2.14 uses them, side by side with the real ansible-vault
# (tests/tools/avbatch.py: same arguments to both, one Python process).
. "$TOP/tests/lib.sh"
command -v ansible-vault >/dev/null 2>&1 || { skip "vault stdio" "ansible-vault not installed"; exit 0; }
S=$(mktemp -d /tmp/envseal-vault.XXXXXX)
trap 'rm -rf "$S"' EXIT
chmod 0755 "$S"
audit_root "$S/audit"
export ANSIBLE_LOCAL_TEMP="$S/.ansible-tmp" ANSIBLE_NOCOLOR=1
unset ANSIBLE_VAULT_PASSWORD_FILE ANSIBLE_VAULT_IDENTITY_LIST ANSIBLE_VAULT_ENCRYPT_IDENTITY ANSIBLE_VAULT_ID_MATCH
F=$S/fix; mkdir "$F"
printf 'correct horse\n' >"$F/pw"
printf 'db_password: hunter2\napi: x\n' >"$F/plain.yml"
cp "$F/plain.yml" "$F/v.yml"
"$ENVSEAL" vault encrypt --vault-password-file "$F/pw" "$F/v.yml" 2>/dev/null || exit 1
V=$(cat "$F/v.yml")
j() { python3 -c 'import json,sys; print(json.dumps(json.loads(sys.argv[1])))' "$1"; }
{
j '{"id":"decrypt, no FILE: stdin to stdout","args":["decrypt","--vault-password-file","pw"],"stdin":'"$(jq -Rs . <<<"$V")"',"cmp":["rc","out"]}'
j '{"id":"decrypt, no FILE, --output FILE","args":["decrypt","--vault-password-file","pw","--output","o.yml"],"stdin":'"$(jq -Rs . <<<"$V")"',"cmp":["rc","file:o.yml"]}'
j '{"id":"decrypt --output - FILE","args":["decrypt","--vault-password-file","pw","--output","-","v.yml"],"cmp":["rc","out","file:v.yml"]}'
j '{"id":"decrypt --output=- FILE","args":["decrypt","--vault-password-file","pw","--output=-","v.yml"],"cmp":["rc","out"]}'
j '{"id":"decrypt - (stdin named)","args":["decrypt","--vault-password-file","pw","-"],"stdin":'"$(jq -Rs . <<<"$V")"',"cmp":["rc","out"]}'
j '{"id":"encrypt, no FILE: stdin to stdout","args":["encrypt","--vault-password-file","pw"],"stdin":"a: 1\n","pw":["pw"],"cmp":["rc","outv"]}'
j '{"id":"encrypt, no FILE, --output FILE","args":["encrypt","--vault-password-file","pw","--output","n.yml"],"stdin":"a: 1\n","pw":["pw"],"cmp":["rc","filev:n.yml","out"]}'
j '{"id":"encrypt --output - FILE","args":["encrypt","--vault-password-file","pw","--output","-","plain.yml"],"pw":["pw"],"cmp":["rc","outv","file:plain.yml"]}'
j '{"id":"encrypt_string - --stdin-name","args":["encrypt_string","--vault-password-file","pw","--stdin-name","db","-"],"stdin":"s3cret","pw":["pw"],"cmp":["rc","outv"]}'
j '{"id":"encrypt_string --stdin-name and STRINGs: stdin first, then the strings","args":["encrypt_string","--vault-password-file","pw","--stdin-name","db","one","two"],"stdin":"s3cret\n","pw":["pw"],"cmp":["rc","outv","errline:# The encrypted version of variable (\"db\", the string #1 from stdin)."]}'
j '{"id":"encrypt_string --name without STRING: stdin, unnamed","args":["encrypt_string","--vault-password-file","pw","--name","db"],"stdin":"s3cret","pw":["pw"],"cmp":["rc","outv"]}'
j '{"id":"encrypt_string -n twice, two STRINGs","args":["encrypt_string","--vault-password-file","pw","--name","a","--name","b","one","two"],"pw":["pw"],"cmp":["rc","outv","errline:# The encrypted version of variable (\"b\", the string #2 from the command line args)."]}'
j '{"id":"encrypt_string fewer names than STRINGs","args":["encrypt_string","--vault-password-file","pw","--name","a","one","two"],"pw":["pw"],"cmp":["rc","outv","errline:The last named variable will be \"a\". The rest will not have names."]}'
j '{"id":"encrypt_string STRING - (stdin and a STRING)","args":["encrypt_string","--vault-password-file","pw","one","-"],"stdin":"s3cret","pw":["pw"],"cmp":["rc","outv"]}'
j '{"id":"encrypt_string --output FILE","args":["encrypt_string","--vault-password-file","pw","--output","es.yml","--name","k","one"],"pw":["pw"],"cmp":["rc","filev:es.yml","out"]}'
j '{"id":"encrypt_string empty stdin: an error","args":["encrypt_string","--vault-password-file","pw"],"stdin":"","cmp":["rc"]}'
j '{"id":"encrypt_string empty STRING: an error","args":["encrypt_string","--vault-password-file","pw",""],"cmp":["rc"]}'
j '{"id":"--output with two files: an error","args":["decrypt","--vault-password-file","pw","--output","o","v.yml","plain.yml"],"cmp":["rc"]}'
} >"$S/cases"
# ansible-vault's own interpreter (its #! line), which has ansible
PY=$(sed -n '1s/^#! *//p' "$(command -v ansible-vault)")
"$PY" "$TOP/tests/tools/avbatch.py" "$ENVSEAL" "$F" "$S/cases"
