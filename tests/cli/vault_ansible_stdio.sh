#!/bin/bash
# tests/cli/vault_ansible_stdio.sh — issue 15, stdin and stdout as
# ansible-vault 2.14 uses them, side by side with the real ansible-vault
# (tests/tools/avbatch.py: same arguments to both, one Python process).
. "$TOP/tests/lib.sh"
av_fixture
cat >"$S/cases" <<'EOF'
{"id":"decrypt, no FILE: stdin to stdout","args":["decrypt","--vault-password-file","pw"],"stdin_file":"v.yml","cmp":["rc","out"]}
{"id":"decrypt, no FILE, --output FILE","args":["decrypt","--vault-password-file","pw","--output","o.yml"],"stdin_file":"v.yml","cmp":["rc","file:o.yml"]}
{"id":"decrypt --output - FILE","args":["decrypt","--vault-password-file","pw","--output","-","v.yml"],"cmp":["rc","out","file:v.yml"]}
{"id":"decrypt --output=- FILE","args":["decrypt","--vault-password-file","pw","--output=-","v.yml"],"cmp":["rc","out"]}
{"id":"decrypt - (stdin named)","args":["decrypt","--vault-password-file","pw","-"],"stdin_file":"v.yml","cmp":["rc","out"]}
{"id":"encrypt, no FILE: stdin to stdout","args":["encrypt","--vault-password-file","pw"],"stdin":"a: 1\n","pw":["pw"],"cmp":["rc","outv"]}
{"id":"encrypt, no FILE, --output FILE","args":["encrypt","--vault-password-file","pw","--output","n.yml"],"stdin":"a: 1\n","pw":["pw"],"cmp":["rc","filev:n.yml","out"]}
{"id":"encrypt --output - FILE","args":["encrypt","--vault-password-file","pw","--output","-","plain.yml"],"pw":["pw"],"cmp":["rc","outv","file:plain.yml"]}
{"id":"encrypt_string - --stdin-name","args":["encrypt_string","--vault-password-file","pw","--stdin-name","db","-"],"stdin":"s3cret","pw":["pw"],"cmp":["rc","outv"]}
{"id":"encrypt_string --stdin-name and STRINGs: stdin first, then the strings","args":["encrypt_string","--vault-password-file","pw","--stdin-name","db","one","two"],"stdin":"s3cret\n","pw":["pw"],"cmp":["rc","outv","errline:# The encrypted version of variable (\"db\", the string #1 from stdin)."]}
{"id":"encrypt_string --name without STRING: stdin, unnamed","args":["encrypt_string","--vault-password-file","pw","--name","db"],"stdin":"s3cret","pw":["pw"],"cmp":["rc","outv"]}
{"id":"encrypt_string -n twice, two STRINGs","args":["encrypt_string","--vault-password-file","pw","--name","a","--name","b","one","two"],"pw":["pw"],"cmp":["rc","outv","errline:# The encrypted version of variable (\"b\", the string #2 from the command line args)."]}
{"id":"encrypt_string fewer names than STRINGs","args":["encrypt_string","--vault-password-file","pw","--name","a","one","two"],"pw":["pw"],"cmp":["rc","outv","errline:The last named variable will be \"a\". The rest will not have names."]}
{"id":"encrypt_string more names than STRINGs","args":["encrypt_string","--vault-password-file","pw","--name","foo1","--name","foo2","one"],"pw":["pw"],"cmp":["rc","outv"]}
{"id":"encrypt_string STRING - (stdin and a STRING)","args":["encrypt_string","--vault-password-file","pw","one","-"],"stdin":"s3cret","pw":["pw"],"cmp":["rc","outv"]}
{"id":"encrypt_string --output FILE","args":["encrypt_string","--vault-password-file","pw","--output","es.yml","--name","k","one"],"pw":["pw"],"cmp":["rc","filev:es.yml","out"]}
{"id":"encrypt_string empty stdin: an error","args":["encrypt_string","--vault-password-file","pw"],"stdin":"","cmp":["rc"]}
{"id":"encrypt_string empty STRING: an error","args":["encrypt_string","--vault-password-file","pw",""],"cmp":["rc"]}
{"id":"--output with two files: an error","args":["decrypt","--vault-password-file","pw","--output","o","v.yml","plain.yml"],"cmp":["rc"]}
EOF
av_batch "$S/cases"

# The names on those stderr lines are names from the command line: the
# terminal escaper writes an ESC in one as \x1b, never raw.
ERR=$("$ENVSEAL" vault encrypt-string --vault-password-file "$F/pw" -n "$(printf 'a\033[31mb')" x y 2>&1 >/dev/null)
check "a --name with ESC reaches stderr escaped" [ "$(printf '%s' "$ERR" | grep -c 'a\\x1b\[31mb')" = 2 ]
check "... and never raw" [ "$(printf '%s' "$ERR" | grep -c "$(printf '\033')")" = 0 ]
