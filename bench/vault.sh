#!/bin/sh
# bench/vault.sh — `envseal vault decrypt --output -` against
# `ansible-vault decrypt --output -` in the same hyperfine run, on a 1-key
# and a 10,000-key whole-file vault. Prints hyperfine's markdown table
# (medians) and the ratios. Run by hand: sh bench/vault.sh
set -eu
TOP=$(cd "$(dirname "$0")/.." && pwd)
ENVSEAL=${ENVSEAL:-$TOP/build/envseal}
RUNS=${RUNS:-40}
for t in hyperfine ansible-vault "$ENVSEAL"; do
	command -v "$t" >/dev/null 2>&1 || { echo "bench/vault.sh: $t missing" >&2; exit 2; }
done
W=$(mktemp -d /tmp/envseal-bench.XXXXXX)
trap 'rm -rf "$W"' EXIT
# As root, vault commands are audited: in a scratch log, not the host's.
mkdir -p "$W/audit"
export ENVSEAL_AUDIT_ROOT=$W/audit
printf 'bench-password\n' >"$W/pw"
printf 'db_password: s3cr3t-value\n' >"$W/one.yml"
i=0
while [ $i -lt 10000 ]; do
	printf 'key_%05d: value-%05d-abcdefghijklmnop\n' $i $i
	i=$((i + 1))
done >"$W/tenk.yml"
# Encrypted by ansible-vault itself: the files users have.
ansible-vault encrypt --vault-password-file "$W/pw" "$W/one.yml" "$W/tenk.yml" >/dev/null 2>&1
# Same output from both, or the timing means nothing.
for f in one tenk; do
	"$ENVSEAL" vault decrypt --vault-password-file "$W/pw" --output - "$W/$f.yml" >"$W/$f.e"
	ansible-vault decrypt --vault-password-file "$W/pw" --output - "$W/$f.yml" >"$W/$f.a" 2>/dev/null
	cmp -s "$W/$f.e" "$W/$f.a" || { echo "bench/vault.sh: outputs differ on $f" >&2; exit 1; }
done
echo "envseal $("$ENVSEAL" --version | cut -d' ' -f2), $(ansible-vault --version 2>/dev/null | sed -n 1p), $(nproc) CPUs"
hyperfine -N --warmup 3 --runs "$RUNS" --style basic \
	--export-markdown "$W/table.md" --export-json "$W/out.json" \
	-n "envseal 1 key" "$ENVSEAL vault decrypt --vault-password-file $W/pw --output - $W/one.yml" \
	-n "ansible-vault 1 key" "ansible-vault decrypt --vault-password-file $W/pw --output - $W/one.yml" \
	-n "envseal 10000 keys" "$ENVSEAL vault decrypt --vault-password-file $W/pw --output - $W/tenk.yml" \
	-n "ansible-vault 10000 keys" "ansible-vault decrypt --vault-password-file $W/pw --output - $W/tenk.yml" \
	>/dev/null
python3 - "$W/out.json" <<'PY'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
print("| command | median (ms) | min (ms) | max (ms) |")
print("|---|---:|---:|---:|")
for k, v in r.items():
    print("| %s | %.1f | %.1f | %.1f |" % (k, v["median"] * 1e3, v["min"] * 1e3, v["max"] * 1e3))
for n in ("1 key", "10000 keys"):
    e, a = r["envseal " + n]["median"], r["ansible-vault " + n]["median"]
    print("ratio (median), %s: envseal is %.1fx faster" % (n, a / e))
PY
