#!/bin/bash
# tests/cli/vault_ansible_options.sh — issue 15, option spellings: every
# option ansible-vault 2.14's parser has for view, decrypt, encrypt,
# encrypt_string and rekey (read from ansible's own argparse tree) is
# accepted by envseal's same subcommand; then the aliases side by side
# with the real ansible-vault (tests/tools/avbatch.py).
. "$TOP/tests/lib.sh"
av_fixture
PY=$(sed -n '1s/^#! *//p' "$(command -v ansible-vault)")

# SUB OPTION TAKES_ARG, one a line, from ansible's parser.
"$PY" - >"$S/opts" <<'PY'
import argparse
from ansible.cli.vault import VaultCLI
cli = VaultCLI(["ansible-vault", "view"])
cli.init_parser()
for a in cli.parser._actions:
    if isinstance(a, argparse._SubParsersAction):
        for sub, p in a.choices.items():
            if sub in ("create", "edit"):
                continue   # vault set/edit/create: another change
            for o in p._actions:
                for s in o.option_strings:
                    print(sub, s, 1 if o.nargs != 0 else 0)
PY
n=0 bad=""
while read -r sub opt arg; do
	n=$((n + 1))
	if [ "$arg" = 1 ]; then set -- "$opt" x; else set -- "$opt"; fi
	"$ENVSEAL" vault "$sub" "$@" --help >/dev/null 2>&1 </dev/null ||
		bad="$bad $sub:$opt"
done <"$S/opts"
check "ansible-vault's parser has options ($n)" [ "$n" -gt 40 ]
check "envseal accepts every option of ansible-vault's view/decrypt/encrypt/encrypt_string/rekey (missing:${bad:- none})" [ -z "$bad" ]

cat >"$S/cases" <<'EOF'
{"id":"--vault-pass-file","args":["view","--vault-pass-file","pw","v.yml"],"cmp":["rc","out"]}
{"id":"-v","args":["view","-v","--vault-password-file","pw","v.yml"],"cmp":["rc"],"mode":"A","why":"-v is accepted; ansible adds its config banner to stdout, envseal prints nothing more","rc":[0,0]}
{"id":"-vvv","args":["view","-vvv","--vault-password-file","pw","v.yml"],"cmp":["rc"],"mode":"A","why":"-v is accepted; ansible adds its config banner to stdout, envseal prints nothing more","rc":[0,0]}
{"id":"--verbose","args":["decrypt","--verbose","--vault-password-file","pw","--output","-","v.yml"],"cmp":["rc"],"mode":"A","why":"-v is accepted; ansible adds its config banner to stdout, envseal prints nothing more","rc":[0,0]}
{"id":"--out - (a prefix, as argparse takes it)","args":["decrypt","--vault-password-file","pw","--out","-","v.yml"],"cmp":["rc","out"]}
{"id":"--ask-vault-pass without a terminal reads stdin","setsid":true,"args":["view","--ask-vault-pass","v.yml"],"stdin":"correct horse\n","cmp":["rc","out"]}
{"id":"--ask-vault-password without a terminal reads stdin","setsid":true,"args":["decrypt","--ask-vault-password","--output","-","v.yml"],"stdin":"correct horse\n","cmp":["rc","out"]}
{"id":"--ask-vault-pass, wrong password","setsid":true,"args":["view","--ask-vault-pass","v.yml"],"stdin":"wrong\n","cmp":["rc"]}
{"id":"--ask-vault-pass, no input","setsid":true,"args":["view","--ask-vault-pass","v.yml"],"stdin":"","cmp":["rc"]}
{"id":"--ask-vault-pass, whitespace only","setsid":true,"args":["view","--ask-vault-pass","v.yml"],"stdin":"  \n","cmp":["rc"]}
{"id":"encrypt --ask-vault-pass asks twice","setsid":true,"args":["encrypt","--ask-vault-pass","--output","-","plain.yml"],"stdin":"correct horse\ncorrect horse\n","pw":["pw"],"cmp":["rc","outv"]}
{"id":"encrypt --ask-vault-pass, passwords differ","setsid":true,"args":["encrypt","--ask-vault-pass","--output","-","plain.yml"],"stdin":"correct horse\nbattery\n","cmp":["rc","file:plain.yml"]}
{"id":"encrypt_string --ask-vault-pass","setsid":true,"args":["encrypt_string","--ask-vault-pass","-n","k","one"],"stdin":"correct horse\ncorrect horse\n","pw":["pw"],"cmp":["rc","outv"]}
{"id":"--ask-vault-pass with --vault-password-file: refused","setsid":true,"args":["view","--ask-vault-pass","--vault-password-file","pw","v.yml"],"stdin":"correct horse\n","cmp":["rc"],"rc":[2,2]}
{"id":"-n twice, two STRINGs","args":["encrypt_string","--vault-password-file","pw","-n","a","-n","b","one","two"],"pw":["pw"],"cmp":["rc","outv"]}
{"id":"-p: name and string from the prompts","setsid":true,"args":["encrypt_string","--vault-password-file","pw","-p","two"],"stdin":"nm\none\n","pw":["pw"],"cmp":["rc","outv"]}
{"id":"--prompt --show-input, no name","setsid":true,"args":["encrypt_string","--vault-password-file","pw","--prompt","--show-input","two"],"stdin":"\none\n","pw":["pw"],"cmp":["rc","outv"]}
{"id":"--prompt, empty string: an error","setsid":true,"args":["encrypt_string","--vault-password-file","pw","--prompt","two"],"stdin":"nm\n\n","cmp":["rc"]}
{"id":"--prompt with stdin input: an error","args":["encrypt_string","--vault-password-file","pw","--prompt"],"cmp":["rc"]}
{"id":"--encrypt-vault-id with encrypt","args":["encrypt","--vault-id","prod@pw","--encrypt-vault-id","prod","--output","-","plain.yml"],"pw":["pw"],"cmp":["rc","outv"]}
{"id":"--encrypt-vault-id with encrypt_string","args":["encrypt_string","--vault-id","prod@pw","--vault-id","pw","--encrypt-vault-id","prod","one"],"pw":["pw"],"cmp":["rc","outv"]}
{"id":"--encrypt-vault-id with rekey","args":["rekey","--vault-password-file","pw","--new-vault-id","dev@pw","--encrypt-vault-id","dev","v.yml"],"pw":["pw"],"cmp":["rc","filev:v.yml"]}
{"id":"--encrypt-vault-id is not a decrypt option","args":["decrypt","--vault-password-file","pw","--encrypt-vault-id","x","v.yml"],"cmp":["rc","file:v.yml"]}
{"id":"--show-input is not a view option","args":["view","--vault-password-file","pw","--show-input","v.yml"],"cmp":["rc"]}
{"id":"-J","setsid":true,"args":["view","-J","v.yml"],"stdin":"correct horse\n","mode":"A","why":"envseal takes ansible-playbook's -J; ansible-vault 2.14 does not","rc":[2,0]}
EOF
av_batch "$S/cases"

# Nothing given, on a terminal: both tools ask for a new password twice
# to encrypt (ansible's create_new_password), on a pseudo-terminal.
cat >"$S/pty.py" <<'PY'
import os, select, sys, time
out, argv = sys.argv[1], sys.argv[2:]
pid, fd = os.forkpty()
if pid == 0:
    os.execvp(argv[0], argv + ["--output", out, "plain.yml"])
seen, asked, end = b"", 0, time.time() + 20
while time.time() < end:
    r, _, _ = select.select([fd], [], [], 0.2)
    if fd in r:
        try:
            d = os.read(fd, 1024)
        except OSError:
            break
        if not d:
            break
        seen += d
        if seen.count(b"password: ") > asked:
            asked += 1
            time.sleep(0.2)
            os.write(fd, b"correct horse\n")
_, st = os.waitpid(pid, 0)
print("asked=%d confirm=%d status=%d" % (asked, b"Confirm New Vault password" in seen, os.waitstatus_to_exitcode(st)))
PY
cd "$F" || exit 1
A=$("$PY" "$S/pty.py" "$S/a.yml" ansible-vault encrypt)
E=$("$PY" "$S/pty.py" "$S/e.yml" "$ENVSEAL" vault encrypt)
check "on a terminal, ansible-vault asks twice to encrypt ($A)" [ "$A" = "asked=2 confirm=1 status=0" ]
check "on a terminal, envseal asks twice to encrypt ($E)" [ "$E" = "asked=2 confirm=1 status=0" ]
check "envseal's vault opens with the password typed" cmp -s <("$ENVSEAL" vault view --vault-password-file pw "$S/e.yml" 2>/dev/null) plain.yml
