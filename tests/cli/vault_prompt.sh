#!/bin/bash
# tests/cli/vault_prompt.sh — the no-echo terminal prompt gives the terminal
# back. `envseal vault view` runs on a pseudo-terminal (python3's os.openpty;
# the test keeps the slave open, so its termios are not reset by the
# kernel on last close) and waits at "Vault password: " with ECHO off. Then:
#   enter     the password and Enter: the vault opens, nothing is echoed,
#             ECHO is back on
#   ctrl-c    a typed ^C (the line discipline sends SIGINT)
#   int, term, hup, quit
#             that signal sent to envseal with kill()
#             -> envseal dies of the signal, ECHO is back on, the half-typed
#             password was never echoed
#   tstp      SIGTSTP: ECHO is on while envseal is stopped, off again after
#             SIGCONT, and the password typed then still opens the vault
. "$TOP/tests/lib.sh"
V=$VECTORS
S=$(mktemp -d /tmp/envseal-prompt.XXXXXX)
trap 'rm -rf "$S"' EXIT
audit_root "$S/audit"

command -v python3 >/dev/null 2>&1 || { skip "vault_prompt" "python3 not installed"; exit 0; }

cat >"$S/drive.py" <<'PY'
import os, select, signal, sys, termios, time

envseal, vault, mode = sys.argv[1], sys.argv[2], sys.argv[3]
PW = b"correct horse"
# Liveness bounds only (a hung envseal fails instead of hanging the run).
WAIT = 10.0

master, slave = os.openpty()
if not termios.tcgetattr(slave)[3] & termios.ECHO:
    print("precondition: a new pty has ECHO off"); sys.exit(10)
# envseal runs in its own process group, the terminal's foreground one, in
# a session whose leader is a small relay process: so the group is not
# orphaned and SIGTSTP really stops it. The relay reports envseal's pid and
# every wait status (stopped or gone) on a pipe.
rp, wp = os.pipe()
relay = os.fork()
if relay == 0:
    os.close(rp)
    os.setsid()
    fd = os.open(os.ttyname(slave), os.O_RDWR)  # the leader's first tty: the ctty
    child = os.fork()
    if child == 0:
        os.setpgid(0, 0)
        for i in (0, 1, 2):
            os.dup2(fd, i)
        os.closerange(3, 256)
        for v in ("ANSIBLE_VAULT_PASSWORD_FILE", "ANSIBLE_VAULT_IDENTITY_LIST"):
            os.environ.pop(v, None)
        os.execv(envseal, [envseal, "vault", "view", vault])
    try:
        os.setpgid(child, child)
    except OSError:
        pass  # the child did it first
    os.tcsetpgrp(fd, child)
    os.write(wp, b"%d\n" % child)
    while True:
        _, st = os.waitpid(child, os.WUNTRACED)
        os.write(wp, b"%d\n" % st)
        if not os.WIFSTOPPED(st):
            os._exit(0)
os.close(wp)
statuses = b""

def next_line(t):
    global statuses
    end = time.time() + t
    while b"\n" not in statuses and time.time() < end:
        r, _, _ = select.select([rp, master], [], [], 0.1)
        if rp in r:
            d = os.read(rp, 64)
            if not d:
                break
            statuses += d
        if master in r:
            drain(0.01)
    if b"\n" not in statuses:
        return None
    line, statuses = statuses.split(b"\n", 1)
    return int(line)

buf = b""
def read_until(needle, t=WAIT):
    global buf
    end = time.time() + t
    while needle not in buf and time.time() < end:
        r, _, _ = select.select([master], [], [], 0.1)
        if r:
            try:
                d = os.read(master, 4096)
            except OSError:
                return False
            if not d:
                return False
            buf += d
    return needle in buf

def drain(t=0.5):
    read_until(b"\0never\0", t)

def echo_on():
    return bool(termios.tcgetattr(slave)[3] & termios.ECHO)

def wait_child(t=WAIT):
    st = next_line(t)
    if st is None:
        kill_all()
        print("envseal did not stop or exit within", t, "s"); sys.exit(11)
    drain(0.05)
    return st

def kill_all():
    try:
        os.kill(pid, signal.SIGKILL)
    except OSError:
        pass
    os.waitpid(relay, 0)

def fail(code, msg):
    kill_all()
    print(msg, "| output:", buf); sys.exit(code)

pid = next_line(WAIT)
if pid is None:
    print("relay gave no pid"); sys.exit(12)
if not read_until(b"Vault password: "):
    fail(2, "no prompt seen")
if echo_on():
    fail(3, "ECHO is on at the prompt")
buf = b""

if mode == "enter":
    os.write(master, b"  " + PW + b" \n")
    st = wait_child()
    drain()
    if PW in buf:
        fail(4, "password echoed")
    if not (os.WIFEXITED(st) and os.WEXITSTATUS(st) == 0):
        fail(5, "status %r" % st)
    if b"db_pass: s3cr3t" not in buf:
        fail(6, "vault not opened")
    if not echo_on():
        fail(7, "ECHO still off after the prompt")
    sys.exit(0)

if mode == "tstp":
    os.write(master, b"corr")
    drain(0.3)
    os.kill(pid, signal.SIGTSTP)
    st = wait_child()
    if not os.WIFSTOPPED(st):
        fail(20, "not stopped: status %r" % st)
    if not echo_on():
        fail(21, "ECHO off while envseal is stopped")
    os.kill(pid, signal.SIGCONT)
    end = time.time() + WAIT
    while echo_on() and time.time() < end:
        drain(0.05)
    if echo_on():
        fail(22, "ECHO not off again after SIGCONT")
    os.write(master, PW + b"\n")
    st = wait_child()
    drain()
    if b"corr" in buf:
        fail(23, "password echoed")
    if not (os.WIFEXITED(st) and os.WEXITSTATUS(st) == 0):
        fail(24, "status %r after SIGCONT" % st)
    if b"db_pass: s3cr3t" not in buf:
        fail(25, "vault not opened after SIGCONT")
    if not echo_on():
        fail(26, "ECHO still off after the prompt")
    sys.exit(0)

# A half-typed password, then the signal.
sig = {"ctrl-c": signal.SIGINT, "int": signal.SIGINT, "term": signal.SIGTERM,
       "hup": signal.SIGHUP, "quit": signal.SIGQUIT}[mode]
os.write(master, b"corr")
drain(0.3)
if mode == "ctrl-c":
    os.write(master, b"\x03")
else:
    os.kill(pid, sig)
st = wait_child()
drain()
if b"corr" in buf:
    fail(30, "half-typed password echoed")
if os.WIFEXITED(st) and os.WEXITSTATUS(st) == 0:
    fail(31, "exit status 0 after signal %d" % sig)
if os.WIFSIGNALED(st) and os.WTERMSIG(st) != sig:
    fail(32, "died of signal %d, not %d" % (os.WTERMSIG(st), sig))
if not echo_on():
    fail(33, "ECHO left off after signal %d" % sig)
sys.exit(0)
PY

for m in enter ctrl-c int term hup quit tstp; do
	if python3 "$S/drive.py" "$ENVSEAL" "$V/a_v11_mapping.vault.yml" "$m" >"$S/out" 2>&1; then
		ok "prompt $m: terminal restored, nothing echoed"
	else
		notok "prompt $m: terminal restored, nothing echoed" "$(cat "$S/out")"
	fi
done
