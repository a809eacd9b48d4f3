#!/bin/bash
# tests/cli/lib_selftest.sh — every checking helper of tests/lib.sh can
# fail: each runs in a subshell on a case that must fail (and on one that
# must pass), its output captured, never printed raw (the runner counts
# lines that begin "not ok"), and this script asserts what it printed.
# Also tests/run.sh itself: its host guard and its "exited non-zero"
# rule, on a fake tree, so that neither can be a check that never fails.
. "$(dirname "$0")/../lib.sh"
use_base

# sub CMD... : run CMD (lib.sh helpers) in a subshell that sources lib.sh
# afresh; its stdout+stderr in $SUB.
sub() { SUB=$( ( . "$TOP/tests/lib.sh"; "$@" ) 2>&1 ); }
# says NAME VERDICT : ok when $SUB's first line is "VERDICT <something>"
# ("ok" or "not ok"); on a mismatch, $SUB indented (never a raw "not ok").
says() {
	case "$(printf '%s\n' "$SUB" | head -n 1)" in
	"$2 "*) ok "$1" ;;
	*) notok "$1" "wanted '$2', got:
$(printf '%s\n' "$SUB" | sed 's/^/      /')" ;;
	esac
}

sub check "c" false;                     says "check: a failing command is not ok" "not ok"
sub check "c" true;                      says "check: a passing command is ok" "ok"
sub expect_exit "e" 0 sh -c 'exit 3';    says "expect_exit: another status is not ok" "not ok"
sub expect_exit "e" 3 sh -c 'exit 3';    says "expect_exit: the status is ok" "ok"
sub eval 'OUT=abc; contains "c" xyz';    says "contains: a missing needle is not ok" "not ok"
sub eval 'OUT=abc; contains "c" b';      says "contains: a needle present is ok" "ok"

printf 'xx SECRET-MARK yy\n' >"$BASE/leak"
printf 'clean\n' >"$BASE/clean"
sub no_secret "n" SECRET-MARK "$BASE/leak";        says "no_secret: a file holding the secret is not ok" "not ok"
sub no_secret "n" SECRET-MARK "$BASE";             says "no_secret: a directory holding it is not ok" "not ok"
sub no_secret "n" SECRET-MARK "$BASE/missing";     says "no_secret: a missing path is not ok" "not ok"
sub no_secret "n" SECRET-MARK "$BASE/clean" "$BASE/missing"
says "no_secret: a missing path among clean ones is not ok" "not ok"
sub no_secret "n" SECRET-MARK;                     says "no_secret: no path at all is not ok" "not ok"
sub no_secret "n" SECRET-MARK "$BASE/clean";       says "no_secret: a clean file is ok" "ok"
if is_root; then
	# root reads anything: an unreadable file needs another uid.
	mkdir -p "$BASE/unr" && printf 'x\n' >"$BASE/unr/f" && chmod 0 "$BASE/unr/f" && chmod 0755 "$BASE/unr"
	SUB=$(setpriv --reuid=65534 --regid=65534 --clear-groups bash -c \
		'. "$1/tests/lib.sh"; no_secret n SECRET-MARK "$2"' sh "$TOP" "$BASE/unr" 2>&1)
	says "no_secret: a grep error (unreadable file) is not ok" "not ok"
fi
sub notok "n";                           says "notok prints not ok" "not ok"
sub skip "n" "why";                      says "skip prints skip" "skip"
SUB=$( ( unset BASE; . "$TOP/tests/lib.sh"; mkroot ) 2>&1 ); rc=$?
check "mkroot: without \$BASE it fails (status $rc)" [ "$rc" -ne 0 ]
SUB=$( ( . "$TOP/tests/lib.sh"; mkroot /abs:0755 ) 2>&1 ); rc=$?
check "mkroot: a bad DIR:MODE fails (status $rc)" [ "$rc" -ne 0 ]

# tests/run.sh on a fake tree: its oracle build, host guard and test
# lists stubbed. host_state.sh prints a counter, so "before" and "after"
# differ unless HOST_STABLE is set.
fake_tree() { # DIR CLI-TEST-BODY
	mkdir -p "$1/tests/cli" "$1/tests/oracles" "$1/scripts" "$1/build/tests" "$1/build-asan/tests"
	cp "$TOP/tests/run.sh" "$1/tests/run.sh"
	cp "$TOP/tests/lib.sh" "$1/tests/lib.sh"
	printf '#!/bin/sh\nexit 0\n' >"$1/tests/oracles/build.sh"
	cat >"$1/scripts/host_state.sh" <<'EOS'
#!/bin/sh
c=$(cat "$(dirname "$0")/n" 2>/dev/null || echo 0)
[ -n "${HOST_STABLE:-}" ] || { c=$((c + 1)); echo "$c" >"$(dirname "$0")/n"; }
echo "state $c"
EOS
	printf '%s\n' "$2" >"$1/tests/cli/one.sh"
}
fake_tree "$BASE/t1" 'echo "ok fine"'
SUB=$(BUILD="$BASE/t1/build" ASAN_BUILD="$BASE/t1/build-asan" sh "$BASE/t1/tests/run.sh" 2>&1); rc=$?
check "run.sh: a changed host state fails the run (status $rc)" [ "$rc" -ne 0 ]
if printf '%s\n' "$SUB" | grep -q '^not ok host untouched'; then ok "run.sh: says not ok host untouched"
else notok "run.sh: says not ok host untouched" "$(printf '%s\n' "$SUB" | sed 's/^/      /' | tail -5)"; fi
SUB=$(HOST_STABLE=1 BUILD="$BASE/t1/build" ASAN_BUILD="$BASE/t1/build-asan" sh "$BASE/t1/tests/run.sh" 2>&1); rc=$?
check "run.sh: an unchanged host state passes (status $rc)" [ "$rc" -eq 0 ]
if printf '%s\n' "$SUB" | grep -q '^ok host untouched$'; then ok "run.sh: says ok host untouched"
else notok "run.sh: says ok host untouched" "$(printf '%s\n' "$SUB" | sed 's/^/      /' | tail -5)"; fi
fake_tree "$BASE/t2" 'echo "ok fine"; exit 5'
SUB=$(HOST_STABLE=1 BUILD="$BASE/t2/build" ASAN_BUILD="$BASE/t2/build-asan" sh "$BASE/t2/tests/run.sh" 2>&1); rc=$?
check "run.sh: a test exiting non-zero with only ok lines fails (status $rc)" [ "$rc" -ne 0 ]
fake_tree "$BASE/t3" 'echo "not ok bad"'
SUB=$(HOST_STABLE=1 BUILD="$BASE/t3/build" ASAN_BUILD="$BASE/t3/build-asan" sh "$BASE/t3/tests/run.sh" 2>&1); rc=$?
check "run.sh: a not ok line fails the run (status $rc)" [ "$rc" -ne 0 ]
