#!/bin/sh
# bench/age.sh — `envseal vault decrypt --output -` of an age file against
# `age -d` of the same file, in one hyperfine run: 1 KiB and 10 MiB, to an
# X25519 recipient and with an scrypt passphrase (work factor 18, what
# both write). age -d reads a passphrase only from a terminal, so the
# scrypt rows run both tools under script(1) (a pty), the same wrapper for
# each; its own cost is measured too ("script only"). Prints a markdown
# table of medians and the ratios. Run by hand: sh bench/age.sh
set -eu
TOP=$(cd "$(dirname "$0")/.." && pwd)
ENVSEAL=${ENVSEAL:-$TOP/build/envseal}
RUNS=${RUNS:-10}
for t in hyperfine age age-keygen script python3 "$ENVSEAL"; do
	command -v "$t" >/dev/null 2>&1 || { echo "bench/age.sh: $t missing" >&2; exit 2; }
done
W=$(mktemp -d /tmp/envseal-bench.XXXXXX)
trap 'rm -rf "$W"' EXIT
# As root, vault commands are audited: in a scratch log, not the host's.
mkdir -p "$W/audit"
export ENVSEAL_AUDIT_ROOT=$W/audit
age-keygen -o "$W/id" 2>/dev/null
printf 'bench-passphrase\n' >"$W/pw"
head -c 1024 /dev/urandom >"$W/1k"
head -c 10485760 /dev/urandom >"$W/10m"
for s in 1k 10m; do
	# Encrypted by age itself: the files users have.
	age -r "$(age-keygen -y "$W/id")" -o "$W/$s.x.age" "$W/$s"
	printf 'bench-passphrase\nbench-passphrase\n' |
	    script -qec "age -p -o $W/$s.s.age $W/$s" /dev/null >/dev/null 2>&1
	# Same output from both, or the timing means nothing.
	"$ENVSEAL" vault decrypt -i "$W/id" --output - "$W/$s.x.age" | cmp -s - "$W/$s" ||
	    { echo "bench/age.sh: envseal output differs on $s" >&2; exit 1; }
	age -d -i "$W/id" "$W/$s.x.age" | cmp -s - "$W/$s" ||
	    { echo "bench/age.sh: age output differs on $s" >&2; exit 1; }
	"$ENVSEAL" vault decrypt --vault-password-file "$W/pw" --output - "$W/$s.s.age" | cmp -s - "$W/$s" ||
	    { echo "bench/age.sh: envseal scrypt output differs on $s" >&2; exit 1; }
done
cat >"$W/pty.py" <<'EOS'
# pty.py PASSPHRASE CMD...: run CMD on a new pty, type PASSPHRASE and a
# newline when it asks, drain its output; exit with its status.
import os, sys
pid, fd = os.forkpty()
if pid == 0:
    os.execvp(sys.argv[2], sys.argv[2:])
sent = False
while True:
    try:
        b = os.read(fd, 65536)
    except OSError:
        break
    if not b:
        break
    if not sent and b"assphrase" in b:
        os.write(fd, sys.argv[1].encode() + b"\n")
        sent = True
sys.exit(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))
EOS
python3 "$W/pty.py" bench-passphrase age -d -o "$W/chk" "$W/1k.s.age" && cmp -s "$W/chk" "$W/1k" ||
    { echo "bench/age.sh: the pty driver does not work" >&2; exit 1; }
echo "envseal $("$ENVSEAL" --version | cut -d' ' -f2), age $(age --version), $(nproc) CPUs"
hyperfine -N --warmup 1 --runs "$RUNS" --style basic \
	--export-json "$W/out.json" \
	-n "envseal X25519 1 KiB" "$ENVSEAL vault decrypt -i $W/id --output - $W/1k.x.age" \
	-n "age X25519 1 KiB" "age -d -i $W/id -o /dev/null $W/1k.x.age" \
	-n "envseal X25519 10 MiB" "$ENVSEAL vault decrypt -i $W/id --output - $W/10m.x.age" \
	-n "age X25519 10 MiB" "age -d -i $W/id -o /dev/null $W/10m.x.age" \
	-n "envseal scrypt 1 KiB" "$ENVSEAL vault decrypt --vault-password-file $W/pw --output - $W/1k.s.age" \
	-n "age scrypt 1 KiB" "python3 $W/pty.py bench-passphrase age -d -o /dev/null $W/1k.s.age" \
	-n "envseal scrypt 10 MiB" "$ENVSEAL vault decrypt --vault-password-file $W/pw --output - $W/10m.s.age" \
	-n "age scrypt 10 MiB" "python3 $W/pty.py bench-passphrase age -d -o /dev/null $W/10m.s.age" \
	-n "pty driver only" "python3 $W/pty.py x true" \
	>/dev/null
python3 - "$W/out.json" <<'PY'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
drv = r["pty driver only"]["median"]
print("| command | median (ms) | min (ms) | max (ms) |")
print("|---|---:|---:|---:|")
for k, v in r.items():
    print("| %s | %.1f | %.1f | %.1f |" % (k, v["median"] * 1e3, v["min"] * 1e3, v["max"] * 1e3))
for n in ("X25519 1 KiB", "X25519 10 MiB", "scrypt 1 KiB", "scrypt 10 MiB"):
    e, a = r["envseal " + n]["median"], r["age " + n]["median"]
    if n.startswith("scrypt"):
        a -= drv   # the pty driver's own start-up, not age's
    print("ratio (median), %s: age/envseal = %.2f (%s)" % (n, a / e,
          "envseal faster" if a > e else "age faster"))
PY
