#!/bin/sh
# bench/fs.sh — cost of the fs/ layer against the physical limit.
#  1. in-process (bench/fs_bare.c): median of N iterations of a bare
#     open/write/fsync/rename/fsync-dir loop, of es_write_file replacing,
#     and of es_write_file finding the file unchanged;
#  2. whole processes (hyperfine): the fswrite test tool replacing and
#     finding unchanged, against fs_bare's bare loop run once per process.
# Run from the top of the tree after `make tests`:  sh bench/fs.sh [N] [SIZE]
# The scratch root lives under /var/tmp (a disk, so fsync costs what it
# costs; /tmp may be tmpfs elsewhere).
set -eu
TOP=$(cd "$(dirname "$0")/.." && pwd)
N=${1:-200}
SIZE=${2:-4096}
BUILD=${BUILD:-$TOP/build}
FSW="$BUILD/tests/tools/fswrite"
BIN="$BUILD/bench/fs_bare"
[ -x "$FSW" ] || { echo "build first: make tests" >&2; exit 2; }
mkdir -p "$BUILD/bench"
cc -std=c11 -O2 -D_GNU_SOURCE -I"$TOP" -o "$BIN" "$TOP/bench/fs_bare.c" \
    "$BUILD/libenvseal.a" $(pkg-config --libs libsodium yaml-0.1 libseccomp nettle)

R=$(mktemp -d /var/tmp/envseal-bench.XXXXXX)
trap 'rm -rf "$R"' EXIT
chmod 0755 "$R"
mkdir -p "$R/etc/bench"
chmod 0755 "$R/etc" "$R/etc/bench"
head -c "$SIZE" /dev/zero | tr '\0' x >"$R/data"

echo "== in-process, $N iterations, $SIZE-byte file, $(df -T "$R" | awk 'NR==2 {print $2}') on $(uname -r)"
"$BIN" "$R" "$N" "$SIZE"

if command -v hyperfine >/dev/null; then
	echo "== whole processes (hyperfine, $N runs each)"
	P=/etc/bench/p.env
	"$FSW" --root "$R" --data-file "$R/data" "$P" >/dev/null
	# The replace run gets a differing target each time: the prepare step
	# truncates it to one byte (outside the timing).
	hyperfine -N --warmup 5 --runs "$N" --style none --export-json "$R/h.json" \
	    -p true -n bare-loop "$BIN $R 1 $SIZE bare" \
	    -p true -n fswrite-unchanged "$FSW --root $R --data-file $R/data $P" \
	    -p "truncate -s 1 $R$P" -n fswrite-replace "$FSW --root $R --data-file $R/data $P" \
	    >/dev/null 2>&1
	python3 -c '
import json, sys
res = {r["command"]: r["median"] * 1e3 for r in json.load(open(sys.argv[1]))["results"]}
base = res["bare-loop"]
for name, ms in res.items():
    print(f"{name:18s} median {ms:7.3f} ms   x{ms / base:5.2f} of bare-loop")
' "$R/h.json"
fi
