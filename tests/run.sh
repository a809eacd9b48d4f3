#!/bin/sh
# tests/run.sh — runs every test of `make check` and ends with one line:
# "N passed, N failed" (plus ", N skipped"). Each test program prints lines
#   ok NAME | not ok NAME | skip NAME: REASON
# and anything else freely; a program that exits non-zero without having
# reported a failure counts as one failure, so a crash never passes.
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
export TOP
export BUILD="${BUILD:-$TOP/build}"
export ASAN_BUILD="${ASAN_BUILD:-$TOP/build-asan}"
export ENVSEAL="$BUILD/envseal"
export ENVSEAL_TEST="$BUILD/envseal-test"
export ENVSEAL_ASAN="$ASAN_BUILD/envseal"
export VECTORS="$TOP/tests/vectors"
export SDENV="$BUILD/tests/sdenv"
# UBSan/ASan: fail loudly; LeakSanitizer is on (the default) for unit tests.
export ASAN_OPTIONS="${ASAN_OPTIONS:-abort_on_error=0:detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

log=$(mktemp -d /tmp/envseal-check.XXXXXX)
trap 'rm -rf "$log"' EXIT

# systemd's own env-file parser, the judge of the env-file grammar.
if sh "$TOP/tests/oracles/build.sh" "$SDENV" >"$log/sdenv.out" 2>&1; then :
else echo "note: sdenv oracle not built: $(tail -1 "$log/sdenv.out")"; fi

pass=0 fail=0 skipn=0

# The tests hand envseal password files, vaults and policies from this tree,
# and envseal uses such an input only when no one but root or the caller
# can write it or a directory above it (SECURITY.md "Trusted inputs"). A
# checkout made under umask 002 would make every such test fail for the
# checkout's sake: take group/other write off the fixtures, and say so when
# a directory above the tree breaks the rule (nothing here can fix that).
chmod go-w "$TOP" 2>/dev/null
find "$TOP/tests" -perm /022 ! -type l -exec chmod go-w {} + 2>/dev/null
d=$TOP
while [ "$d" != / ]; do
	d=$(dirname "$d")
	if [ -n "$(find "$d" -maxdepth 0 -perm /022 ! -perm -1000 2>/dev/null)" ]; then
		echo "note: $d is group- or world-writable: the tests that read fixtures from this tree will be refused by the trusted-input rule"
	fi
done

# The host's own envseal directories, compared after the run: no test may
# write the host's audit log or key (tests audit under scratch roots).
sh "$TOP/scripts/host_state.sh" >"$log/host.before" 2>&1

run_one() { # label command...
	label=$1; shift
	out="$log/out"
	printf '== %s\n' "$label"
	"$@" >"$out" 2>&1
	rc=$?
	p=$(grep -c '^ok ' "$out")
	f=$(grep -c '^not ok ' "$out")
	s=$(grep -c '^skip ' "$out")
	grep -E '^(not ok |skip )' "$out" | sed "s|^|   [$label] |"
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "   [$label] not ok: exited with status $rc; last output:"
		tail -n 15 "$out" | sed 's/^/      /'
		f=$((f + 1))
	elif [ "$f" -gt 0 ]; then
		grep -v -E '^(ok |skip )' "$out" | tail -n 30 | sed 's/^/      /'
	fi
	if [ "$p" -eq 0 ] && [ "$f" -eq 0 ] && [ "$s" -eq 0 ]; then
		echo "   [$label] not ok: reported no result"
		f=1
	fi
	pass=$((pass + p)); fail=$((fail + f)); skipn=$((skipn + s))
}

for t in "$BUILD"/tests/test_*; do
	[ -x "$t" ] || continue
	run_one "unit $(basename "$t")" "$t"
done
for t in "$ASAN_BUILD"/tests/test_*; do
	[ -x "$t" ] || continue
	run_one "asan $(basename "$t")" "$t"
done
for t in "$TOP"/tests/cli/*.sh; do
	[ -f "$t" ] || continue
	run_one "cli $(basename "$t" .sh)" bash "$t"
done
# The env-file service in a booted systemd (skips where nspawn cannot run).
if [ -f "$TOP/tests/service/run.sh" ]; then
	run_one "service (systemd-nspawn)" bash "$TOP/tests/service/run.sh"
fi
if [ -f "$TOP/tests/fuzz/run.sh" ]; then
	run_one "fuzz (brief, ASan+UBSan)" sh "$TOP/tests/fuzz/run.sh" brief
fi

printf '== host\n'
sh "$TOP/scripts/host_state.sh" >"$log/host.after" 2>&1
if cmp -s "$log/host.before" "$log/host.after"; then
	echo "ok host untouched"
	pass=$((pass + 1))
else
	echo "not ok host untouched: /var/log/envseal or /var/lib/envseal changed"
	diff "$log/host.before" "$log/host.after" | head -n 10 | sed 's/^/      /'
	fail=$((fail + 1))
fi

if [ "$skipn" -gt 0 ]; then
	echo "$pass passed, $fail failed, $skipn skipped"
else
	echo "$pass passed, $fail failed"
fi
[ "$fail" -eq 0 ]
