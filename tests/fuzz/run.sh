#!/bin/sh
# tests/fuzz/run.sh — libFuzzer targets for every parser of vault/:
#   fuzz_envelope  the Ansible Vault envelope reader
#   fuzz_inline    the inline !vault scanner/splicer and the YAML quoter
#   fuzz_ydoc      the YAML document model
#   fuzz_vault_set the one-key edit of vault set/unset and the key diff of
#                  vault edit (vault/edit.c)
#   fuzz_envparse  render/parse.c, the EnvironmentFile= reader behind the
#                  name diff (and its agreement with the encoder)
#   fuzz_policy    the policy loader: a loaded policy keeps its hard
#                  invariants and `policy show` of it loads back the same
#   fuzz_age_header the age v1 reader: header, stanzas, MAC, payload
#   fuzz_age_armor  the age armor (strict PEM) decoder
#   fuzz_minisign  minisign public keys, signatures and secret keys
# Each is built with clang -fsanitize=fuzzer,address,undefined together
# with the pure sources it needs, and seeded from tests/vectors (plus
# tests/fuzz/seeds when present, and tests/fuzz/seeds-NAME for NAME only).
#   run.sh brief   ~10 s each, a fresh corpus (make check)
#   run.sh long    FUZZ_SECONDS (default 300) each, corpus kept in
#                  $BUILD/fuzz/corpus-NAME (make fuzz)
# FUZZ_TARGETS="fuzz_x ..." runs only those.
# Prints "ok fuzz-NAME", "not ok fuzz-NAME" or "skip fuzz: REASON".
set -u
mode=${1:-brief}
TOP=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-$TOP/build}
OUT=$BUILD/fuzz
CC_FUZZ=${CC_FUZZ:-clang}
case $mode in
brief) secs=10 ;;
long) secs=${FUZZ_SECONDS:-300} ;;
*) echo "usage: run.sh brief|long" >&2; exit 2 ;;
esac
targets="${FUZZ_TARGETS:-fuzz_envelope fuzz_inline fuzz_ydoc fuzz_vault_set fuzz_envparse fuzz_policy fuzz_age_header fuzz_age_armor fuzz_minisign}"
# The sources the targets exercise: the pure modules, plus the trusted
# reader the policy loader links against (fs/read.c, fs/path.c; the targets
# parse buffers and never call it); no sandbox, no processes.
srcs="common/err.c common/secmem.c common/id.c common/escape.c fs/read.c fs/path.c crypto/av.c crypto/secrets.c crypto/minisign.c vault/envelope.c vault/edit.c vault/age.c vault/age_bech32.c vault/yaml.c vault/ydoc.c vault/yflat.c render/env.c render/parse.c render/sort.c policy/policy.c policy/print.c policy/default.c"
# The age targets link only the age reader and what it stands on.
age_srcs="common/err.c common/secmem.c crypto/av.c crypto/secrets.c vault/age.c vault/age_bech32.c"

if ! command -v "$CC_FUZZ" >/dev/null 2>&1; then
	echo "skip fuzz: $CC_FUZZ not installed"
	exit 0
fi
mkdir -p "$OUT"
probe="$OUT/probe.c"
printf 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n)\n{ (void)d; (void)n; return 0; }\n' >"$probe"
if ! "$CC_FUZZ" -fsanitize=fuzzer,address,undefined -o "$OUT/probe" "$probe" \
    >"$OUT/probe.log" 2>&1; then
	echo "skip fuzz: $CC_FUZZ has no libFuzzer runtime ($(tail -1 "$OUT/probe.log"))"
	exit 0
fi
PKG=$(pkg-config --cflags --libs libsodium yaml-0.1 nettle)
export ASAN_OPTIONS="${ASAN_OPTIONS:-}:detect_leaks=1:abort_on_error=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
fails=0
for t in $targets; do
	bin="$OUT/$t"
	src=""
	case $t in fuzz_age_*) tsrcs=$age_srcs ;; *) tsrcs=$srcs ;; esac
	for s in $tsrcs; do src="$src $TOP/$s"; done
	# shellcheck disable=SC2086
	if ! "$CC_FUZZ" -std=c11 -g -O1 -D_GNU_SOURCE -I"$TOP" \
	    -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	    -o "$bin" "$TOP/tests/fuzz/$t.c" $src $PKG >"$OUT/$t.build.log" 2>&1; then
		echo "not ok fuzz-${t#fuzz_}: build failed"
		sed 's/^/   /' "$OUT/$t.build.log" | tail -20
		fails=$((fails + 1))
		continue
	fi
	if [ "$mode" = long ]; then corpus="$OUT/corpus-$t"; else corpus="$OUT/brief-$t"; rm -rf "$corpus"; fi
	mkdir -p "$corpus" "$OUT/artifacts"
	cp "$TOP"/tests/vectors/* "$corpus"/ 2>/dev/null
	[ -d "$TOP/tests/fuzz/seeds" ] && cp "$TOP"/tests/fuzz/seeds/* "$corpus"/ 2>/dev/null
	[ -d "$TOP/tests/fuzz/seeds-${t#fuzz_}" ] && cp "$TOP/tests/fuzz/seeds-${t#fuzz_}"/* "$corpus"/ 2>/dev/null
	if "$bin" -max_total_time="$secs" -max_len=65536 -timeout=20 \
	    -rss_limit_mb=2048 -print_final_stats=1 \
	    -artifact_prefix="$OUT/artifacts/$t-" "$corpus" >"$OUT/$t.log" 2>&1; then
		echo "ok fuzz-${t#fuzz_} ($(grep -a -m1 'stat::number_of_executed_units' "$OUT/$t.log" | awk '{print $2}') runs)"
	else
		echo "not ok fuzz-${t#fuzz_}"
		grep -a -E 'ERROR|SUMMARY|artifact' "$OUT/$t.log" | head -10 | sed 's/^/   /'
		fails=$((fails + 1))
	fi
	[ "$mode" = long ] || rm -rf "$corpus"
done
[ "$fails" -eq 0 ]
