#!/bin/bash
# tests/cli/vault_set_prompt.sh — `envseal vault set` on a terminal: it asks
# "New value for NAME: " and "Confirm new value for NAME: " with ECHO off
# (python3's os.openpty), the value never shows on the terminal, ECHO is on
# again afterwards, ansible-vault reads the value; two different answers
# are exit 2 with the file unchanged; SIGTERM during the prompt gives the
# terminal back with ECHO on. With no controlling terminal (the pty is
# only standard input, as here), the vault password is asked on standard
# input with ECHO off too, as Python's getpass does (keys/ prompt_tty_as).
. "$TOP/tests/lib.sh"
scratch S
audit_root "$S/audit"
command -v python3 >/dev/null 2>&1 || { skip "vault_set_prompt" "python3 not installed"; exit 0; }
command -v ansible-vault >/dev/null || { skip "vault_set_prompt" "no ansible-vault (scripts/deps.sh)"; exit 0; }
cd "$S" || exit 1
VAL=PromptValueMarker6b3e
printf 'pw-prompt\n' >pw
printf 'a: 1\nb: 2\n' >pt
ansible-vault encrypt --vault-password-file pw --output v.yml pt 2>/dev/null

cat >drive.py <<'PY'
import os, select, signal, sys, termios, time
envseal, mode, first, second = sys.argv[1:5]
WAIT = 10.0
master, slave = os.openpty()
pid = os.fork()
if pid == 0:
    os.setsid()
    os.close(master)
    for fd in (0, 1, 2):
        os.dup2(slave, fd)
    if mode == "askpass":
        os.execv(envseal, [envseal, "vault", "view", "--ask-vault-pass", "v.yml"])
    os.execv(envseal, [envseal, "vault", "set", "--vault-password-file", "pw", "v.yml", "b"])
seen = b""
def until(needle):
    global seen
    end = time.time() + WAIT
    while needle not in seen and time.time() < end:
        r, _, _ = select.select([master], [], [], 0.1)
        if r:
            try:
                seen += os.read(master, 4096)
            except OSError:
                break
    return needle in seen
def echo_on():
    return bool(termios.tcgetattr(slave)[3] & termios.ECHO)
res = {}
res["asked"] = until(b"Vault password: " if mode == "askpass" else b"New value for b: ")
res["echo_off_at_prompt"] = not echo_on()
if mode == "askpass":
    os.write(master, first.encode() + b"\n")
    res["opened"] = until(b"a: 1")
elif mode == "term":
    os.kill(pid, signal.SIGTERM)
else:
    os.write(master, first.encode() + b"\n")
    res["confirm"] = until(b"Confirm new value for b: ")
    os.write(master, second.encode() + b"\n")
_, st = os.waitpid(pid, 0)
time.sleep(0.1)
try:
    while select.select([master], [], [], 0.1)[0]:
        seen += os.read(master, 4096)
except OSError:
    pass
res["echo_on_after"] = echo_on()
res["status"] = os.WEXITSTATUS(st) if os.WIFEXITED(st) else -os.WTERMSIG(st)
res["value_shown"] = first.encode() in seen
for k, v in res.items():
    print("%s=%s" % (k, v))
PY

python3 drive.py "$ENVSEAL" same "$VAL" "$VAL" >same.out 2>&1
check "prompt: asked for the value" grep -qx 'asked=True' same.out
check "prompt: echo off while asking" grep -qx 'echo_off_at_prompt=True' same.out
check "prompt: asked to confirm" grep -qx 'confirm=True' same.out
check "prompt: exit 0" grep -qx 'status=0' same.out
check "prompt: echo on again" grep -qx 'echo_on_after=True' same.out
check "prompt: the value never shown on the terminal" grep -qx 'value_shown=False' same.out
check "prompt: ansible-vault reads the value" \
	[ "$(ansible-vault view --vault-password-file pw v.yml 2>/dev/null)" = "$(printf 'a: 1\nb: "%s"' "$VAL")" ]

cp v.yml v.before
python3 drive.py "$ENVSEAL" differ "${VAL}x" "${VAL}y" >differ.out 2>&1
check "prompt, two different answers: exit 2" grep -qx 'status=2' differ.out
check "prompt, two different answers: file unchanged" cmp -s v.before v.yml
check "prompt, two different answers: echo on again" grep -qx 'echo_on_after=True' differ.out

python3 drive.py "$ENVSEAL" term "$VAL" "$VAL" >term.out 2>&1
check "prompt, SIGTERM: envseal dies of it" grep -qx "status=-15" term.out
check "prompt, SIGTERM: echo on again" grep -qx 'echo_on_after=True' term.out
check "prompt, SIGTERM: file unchanged" cmp -s v.before v.yml
python3 drive.py "$ENVSEAL" askpass pw-prompt - >ask.out 2>&1
check "password prompt, no controlling terminal: asked on stdin" grep -qx 'asked=True' ask.out
check "password prompt, no controlling terminal: echo off while asking" grep -qx 'echo_off_at_prompt=True' ask.out
check "password prompt, no controlling terminal: the vault opens" grep -qx 'opened=True' ask.out
check "password prompt, no controlling terminal: exit 0" grep -qx 'status=0' ask.out
check "password prompt, no controlling terminal: the password never shown" grep -qx 'value_shown=False' ask.out
check "password prompt, no controlling terminal: echo on again" grep -qx 'echo_on_after=True' ask.out
exit 0
