#!/usr/bin/python3
"""tests/tools/avbatch.py — run the same `vault` command lines through the
real ansible-vault (ansible-core 2.14) and through envseal, and compare.

    python3 avbatch.py ENVSEAL FIXTURE CASES

ansible is imported once; each case forks and calls ansible's own
VaultCLI.cli_executor in the child, so one case costs a fork, not the
~0.5 s of an ansible-vault start. A case with "env" runs the real
ansible-vault binary instead (ansible reads its settings at import).

CASES is JSON lines, one case a line:
  id       the name printed in "ok"/"not ok"
  args     the argv after `ansible-vault` / `envseal vault`
  stdin    text for standard input (default: empty)
  stdin_file  a fixture file for standard input instead
  env      extra environment for both tools (optional)
  cmp      what must agree, a list of:
             "rc"        success on both or failure on both
             "out"       stdout byte for byte
             "outv"      stdout with each vault envelope replaced by its
                         header and the digest of its plaintext
             "file:P"    the file P (in the case's directory) byte for byte
             "filev:P"   the file P, envelopes normalised as for outv
             "errline:S" both tools' stderr contain S (fixed string)
  pw       password files (relative) that open the envelopes for outv/filev
  rc       optional [ansible_status, envseal_status]: exact statuses
  setsid   true: both tools run in a new session, with no controlling
           terminal (ansible's prompts then read stdin, as in runme.sh)
  mode     "A" for a case expected to differ (documented in README), with
           "why"; the case then checks only the statuses in rc.

Each tool runs in its own fresh copy of FIXTURE, so file results compare.
Prints "ok ID" / "not ok ID" lines in tests/run.sh's format; never prints
a file's content beyond 200 bytes of a differing stdout.
"""
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

from ansible.cli.vault import VaultCLI
from ansible.parsing.vault import VaultLib, VaultSecret

ENVELOPE = re.compile(
    rb"(?m)^([ ]*)(\$ANSIBLE_VAULT;[^\n]*)\n((?:\1[0-9a-f]+\n?)+)")


def run_ansible_fork(args, cwd, stdin_path, out_path, err_path, setsid):
    pid = os.fork()
    if pid == 0:
        code = 70
        try:
            if setsid:
                os.setsid()
            os.chdir(cwd)
            for fd, path, flags in ((0, stdin_path, os.O_RDONLY),
                                    (1, out_path, os.O_WRONLY | os.O_CREAT),
                                    (2, err_path, os.O_WRONLY | os.O_CREAT)):
                f = os.open(path, flags, 0o600)
                os.dup2(f, fd)
                os.close(f)
            try:
                VaultCLI.cli_executor(["ansible-vault"] + args)
                code = 0
            except SystemExit as e:
                # sys.exit(None) is success, as in the interpreter
                code = 0 if e.code is None else (
                    e.code if isinstance(e.code, int) else 1)
        finally:
            try:
                sys.stdout.flush()
                sys.stderr.flush()
            except Exception:
                pass
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status)


def run_tool(argv, cwd, stdin_path, out_path, err_path, env, setsid):
    with open(stdin_path, "rb") as i, open(out_path, "wb") as o, \
            open(err_path, "wb") as e:
        full = dict(os.environ)
        full.update(env)
        return subprocess.run(argv, cwd=cwd, stdin=i, stdout=o, stderr=e,
                              env=full, timeout=120,
                              start_new_session=setsid).returncode


def normalise(data, secrets):
    """Each envelope -> its header and a digest of its plaintext (or
    UNOPENED), keeping the indent and the text around it."""
    vault = VaultLib(secrets)

    def one(m):
        indent, header, body = m.group(1), m.group(2), m.group(3)
        text = header + b"\n" + b"".join(
            line.strip() + b"\n" for line in body.splitlines())
        try:
            pt = vault.decrypt(text)
            tag = hashlib.sha256(pt).hexdigest()[:16].encode()
        except Exception:
            tag = b"UNOPENED"
        return indent + header + b" <" + tag + b">\n"
    return ENVELOPE.sub(one, data)


def secrets_of(case, cwd):
    out = []
    for p in case.get("pw", []):
        with open(os.path.join(cwd, p), "rb") as f:
            out.append(("default", VaultSecret(f.read().strip())))
    return out


def read(path):
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError as e:
        return ("<%s>" % e.strerror).encode()


def show(b):
    return repr(b[:200])


def main():
    envseal, fixture, cases = sys.argv[1:4]
    work = tempfile.mkdtemp(prefix="envseal-avbatch.")
    os.chmod(work, 0o755)
    try:
        with open(cases) as f:
            lines = [ln for ln in f if ln.strip() and not ln.startswith("#")]
        for n, line in enumerate(lines):
            case = json.loads(line)
            one_case(envseal, fixture, work, n, case)
    finally:
        shutil.rmtree(work)


def one_case(envseal, fixture, work, n, case):
    cid = case["id"]
    res = {}
    for tool in ("a", "e"):
        cwd = os.path.join(work, "%d%s" % (n, tool))
        shutil.copytree(fixture, cwd, symlinks=True)
        stdin = os.path.join(work, "%d.in" % n)
        with open(stdin, "wb") as f:
            if "stdin_file" in case:
                f.write(read(os.path.join(fixture, case["stdin_file"])))
            else:
                f.write(case.get("stdin", "").encode())
        out, err = cwd + ".out", cwd + ".err"
        env = case.get("env", {})
        ss = bool(case.get("setsid"))
        if tool == "a" and env:
            rc = run_tool(["ansible-vault"] + case["args"], cwd, stdin, out,
                          err, env, ss)
        elif tool == "a":
            rc = run_ansible_fork(case["args"], cwd, stdin, out, err, ss)
        else:
            rc = run_tool([envseal, "vault"] + case["args"], cwd, stdin, out,
                          err, env, ss)
        res[tool] = (rc, read(out), read(err), cwd)
    (arc, aout, aerr, acwd), (erc, eout, eerr, ecwd) = res["a"], res["e"]
    bad = []
    want = case.get("rc")
    if want is not None and [arc, erc] != want:
        bad.append("statuses ansible %d envseal %d, wanted %s" % (arc, erc,
                                                                  want))
    if case.get("mode") == "A":
        report(cid + " (documented difference: " + case["why"] + ")", bad)
        return
    for c in case.get("cmp", ["rc"]):
        if c == "rc" and (arc == 0) != (erc == 0):
            bad.append("ansible exit %d, envseal exit %d; envseal said %s"
                       % (arc, erc, show(eerr)))
        elif c == "out" and aout != eout:
            bad.append("stdout differs: ansible %s envseal %s"
                       % (show(aout), show(eout)))
        elif c == "outv":
            na = normalise(aout, secrets_of(case, acwd))
            ne = normalise(eout, secrets_of(case, ecwd))
            if na != ne or b"UNOPENED" in na:
                bad.append("stdout differs: ansible %s envseal %s"
                           % (show(na), show(ne)))
        elif c.startswith("file:") or c.startswith("filev:"):
            p = c.split(":", 1)[1]
            fa, fe = read(os.path.join(acwd, p)), read(os.path.join(ecwd, p))
            if c.startswith("filev:"):
                fa = normalise(fa, secrets_of(case, acwd))
                fe = normalise(fe, secrets_of(case, ecwd))
            if fa != fe or b"UNOPENED" in fa:
                bad.append("%s differs: ansible %s envseal %s"
                           % (p, show(fa), show(fe)))
        elif c.startswith("errline:"):
            s = c.split(":", 1)[1].encode()
            if s not in aerr or s not in eerr:
                bad.append("stderr lacks %r: ansible %s envseal %s"
                           % (s, show(aerr), show(eerr)))
    report(cid, bad)


def report(cid, bad):
    if bad:
        print("not ok " + cid)
        for b in bad:
            print("   " + b)
    else:
        print("ok " + cid)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
