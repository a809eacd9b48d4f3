#!/bin/sh
# bench/rotate.sh — `envseal rotate` of 100 whole-file vaults of 100 keys
# each against `ansible-vault rekey` of the same 100 files, old password to
# new, in the same hyperfine run; each run starts from the same pristine
# copies (--prepare). Prints the medians and the ratio. Needs root (the
# rotation's scratch root: lock, journal, audit log). Run by hand:
# sh bench/rotate.sh   (RUNS=N, default 5: each run rotates 100 files)
# ENVSEAL_BASE=/path/to/older/envseal adds that binary to the same run
# (a before/after measurement under the same load).
set -eu
TOP=$(cd "$(dirname "$0")/.." && pwd)
ENVSEAL=${ENVSEAL:-$TOP/build/envseal}
ENVSEAL_BASE=${ENVSEAL_BASE:-}
RUNS=${RUNS:-5}
NFILES=${NFILES:-100}
NKEYS=${NKEYS:-100}
for t in hyperfine ansible-vault "$ENVSEAL"; do
	command -v "$t" >/dev/null 2>&1 || { echo "bench/rotate.sh: $t missing" >&2; exit 2; }
done
[ "$(id -u)" -eq 0 ] || { echo "bench/rotate.sh: needs root" >&2; exit 2; }
W=$(mktemp -d /tmp/envseal-bench.XXXXXX)
trap 'rm -rf "$W"' EXIT
chmod 0755 "$W"
mkdir "$W/pristine" "$W/v" "$W/root"
printf 'old-bench-password\n' >"$W/old"; printf 'new-bench-password\n' >"$W/new"
chmod 0600 "$W/old" "$W/new"
f=0
while [ $f -lt "$NFILES" ]; do
	k=0
	while [ $k -lt "$NKEYS" ]; do
		printf 'key_%03d_%03d: value-%03d-%03d-abcdefghijklmnop\n' $f $k $f $k
		k=$((k + 1))
	done >"$W/pristine/v$f.yml"
	f=$((f + 1))
done
# Encrypted by ansible-vault itself: the files users have.
ansible-vault encrypt --vault-password-file "$W/old" "$W"/pristine/*.yml >/dev/null 2>&1
files=$(cd "$W/pristine" && ls)
reset="rm -rf $W/v && cp -a $W/pristine $W/v"
# Both tools must do the job, or the timing means nothing: after each,
# ansible-vault opens every file with the new password, to the plaintext.
sh -c "$reset"
(cd "$W/v" && "$ENVSEAL" rotate --root "$W/root" --vault-password-file "$W/old" --new-vault-password-file "$W/new" $files) >/dev/null
(cd "$W/v" && ansible-vault view --vault-password-file "$W/new" $files) >"$W/e.out" 2>/dev/null || :
sh -c "$reset"
(cd "$W/v" && ansible-vault rekey --vault-password-file "$W/old" --new-vault-password-file "$W/new" $files) >/dev/null 2>&1
(cd "$W/v" && ansible-vault view --vault-password-file "$W/new" $files) >"$W/a.out" 2>/dev/null || :
(cd "$W/pristine" && ansible-vault view --vault-password-file "$W/old" $files) >"$W/p.out" 2>/dev/null || :
[ -s "$W/e.out" ] && cmp -s "$W/e.out" "$W/a.out" && cmp -s "$W/e.out" "$W/p.out" || { echo "bench/rotate.sh: the two rotations differ" >&2; exit 1; }
echo "envseal $("$ENVSEAL" --version | cut -d' ' -f2), $(ansible-vault --version 2>/dev/null | sed -n 1p), $(nproc) CPUs, $NFILES files x $NKEYS keys"
# Absolute paths: --prepare replaces the directory, a cwd in it would go.
abs=$(for f in $files; do printf '%s/v/%s ' "$W" "$f"; done)
set --
[ -z "$ENVSEAL_BASE" ] || set -- -n "envseal rotate (base)" "$ENVSEAL_BASE rotate --root $W/root --vault-password-file $W/old --new-vault-password-file $W/new $abs"
hyperfine -N --runs "$RUNS" --style basic --prepare "sh -c '$reset'" \
	--export-json "$W/out.json" \
	-n "envseal rotate" "$ENVSEAL rotate --root $W/root --vault-password-file $W/old --new-vault-password-file $W/new $abs" \
	"$@" \
	-n "ansible-vault rekey" "ansible-vault rekey --vault-password-file $W/old --new-vault-password-file $W/new $abs" \
	>/dev/null
python3 - "$W/out.json" <<'PY'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
print("| command | median (ms) | min (ms) | max (ms) |")
print("|---|---:|---:|---:|")
for k, v in r.items():
    print("| %s | %.1f | %.1f | %.1f |" % (k, v["median"] * 1e3, v["min"] * 1e3, v["max"] * 1e3))
e, a = r["envseal rotate"]["median"], r["ansible-vault rekey"]["median"]
print("ratio (median): envseal rotate takes %.2fx the time of ansible-vault rekey (%s)" %
      (e / a, "faster" if e < a else "slower"))
if "envseal rotate (base)" in r:
    b = r["envseal rotate (base)"]["median"]
    print("ratio (median): envseal rotate (base) takes %.2fx the time of ansible-vault rekey; "
          "envseal rotate takes %.2fx the time of the base" % (b / a, e / b))
PY
