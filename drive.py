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
res["asked"] = until(b"New value for b: ")
res["echo_off_at_prompt"] = not echo_on()
if mode == "term":
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
