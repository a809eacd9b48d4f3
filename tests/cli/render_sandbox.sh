#!/bin/bash
# tests/cli/render_sandbox.sh — the sandbox of `envseal render`, observed
# from outside: what the worker does after its filter (strace -f), what
# happens when it breaks the rules (LD_PRELOAD shim: exit 4, nothing
# written), and that the writer is Landlocked before its first write.
. "$TOP/tests/lib.sh"

is_root || { skip render_sandbox "needs root (chown)"; exit 0; }
use_base
W=$BASE
vroot() { mkroot etc/veza:0755; }   # lib.sh's root plus /etc/veza
T=/etc/veza/backend-api.env
PRELOAD="$BUILD/tests/tools/violate_preload.so"
LLTOOL="$BUILD/tests/tools/render_landlock"
inline_policy "$W/p.yml" DB_PASSWORD:db_password LOG_LEVEL:log_level
PW=(--vault-password-file "$VECTORS/pw_correct_horse.txt")
ALLOWED="read write exit_group brk mmap munmap mremap mprotect madvise mlock munlock futex"

# --- strace: the worker after its filter ---
if command -v strace >/dev/null; then
	R=$(vroot) || exit 1
	strace -f -qq -o "$W/st" "$ENVSEAL" render --policy "$W/p.yml" --root "$R" "${PW[@]}" >/dev/null 2>&1
	check "strace: render succeeded" test -s "$R$T"
	main=$(head -1 "$W/st" | awk '{print $1}')
	# The worker: a child pid that installed a filter.
	# (strace may split the line: "seccomp(... <unfinished ...>".)
	# Its filter is loaded with TSYNC (every thread gets it), hence
	# the flags in the pattern; libseccomp's probes pass NULL.
	wfilter='seccomp\(SECCOMP_SET_MODE_FILTER, [A-Z_|0-9]+, \{len='
	worker=$(awk -v m="$main" -v re="$wfilter" '$1 != m && $0 ~ re {print $1; exit}' "$W/st")
	check "strace: found the worker and its filter" test -n "$worker"
	check "strace: the worker's filter is loaded with TSYNC" sh -c \
		"grep '^$worker ' '$W/st' | grep -Eq 'SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC[|A-Z_]*, \{len='"
	# Its PBKDF2 helper thread (crypto/av.c): created before the filter.
	# (The call's line may be split: its result on "<... clone3 resumed>".)
	helper=$(awk -v w="$worker" '$1 == w && /clone3?\(.*CLONE_THREAD/ {t = 1}
		$1 == w && t && match($0, /= [0-9]+$/) {print substr($0, RSTART + 2); exit}' "$W/st")
	check "strace: the worker starts its PBKDF2 helper thread" test -n "$helper"
	hline=$(grep -n "^$worker .*CLONE_THREAD" "$W/st" | head -1 | cut -d: -f1)
	fline=$(grep -En "^$worker .*$wfilter" "$W/st" | head -1 | cut -d: -f1)
	check "strace: ... before the filter" test -n "$hline" -a -n "$fline" -a "${hline:-0}" -lt "${fline:-0}"
	awk -v h="$helper" -v f="${fline:-0}" 'NR > f && $1 == h {sub(/^[0-9]+ +/, ""); sub(/\(.*/, ""); print}' "$W/st" |
		grep -v '^<\.\.\.' | grep -v '^+++' | sort -u >"$W/helper_after"
	check "strace: the helper thread makes only futex calls after the filter (saw: $(tr '\n' ' ' <"$W/helper_after"))" \
		test "$(tr '\n' ' ' <"$W/helper_after")" = "futex "
	# ... to a per-run id of its reserved block (common/id.h), not nobody.
	wid=$(grep "^$worker " "$W/st" | sed -En "1,/$wfilter/p" |
		sed -n 's/.*setresuid(\([0-9]*\), \1, \1.*/\1/p' | head -1)
	check "strace: the worker gives up root before its filter (to ${wid:-nothing})" \
		test -n "$wid" -a "${wid:-0}" -ge $((0x7E5E0000)) -a "${wid:-0}" -lt $((0x7E5E0000 + 65536))
	check "strace: the worker drops its groups and takes the same gid first" sh -c \
		"grep '^$worker ' '$W/st' | sed -n '1,/setresuid(/p' | grep -q 'setgroups(0, NULL' &&
		grep '^$worker ' '$W/st' | sed -n '1,/setresuid(/p' | grep -q 'setresgid($wid, $wid, $wid'"
	check "strace: the worker cannot open new fds (RLIMIT_NOFILE 0)" sh -c "grep '^$worker ' '$W/st' | grep -q 'RLIMIT_NOFILE, {rlim_cur=0, rlim_max=0}'"
	awk -v w="$worker" -v h="$helper" -v f="${fline:-0}" 'NR > f && ($1 == w || $1 == h) {sub(/^[0-9]+ +/, ""); sub(/\(.*/, ""); print}' "$W/st" |
		grep -v '^<\.\.\.' | grep -v '^+++' | sort -u >"$W/after"
	check "strace: the worker read its job after the filter" grep -qx read "$W/after"
	check "strace: the worker wrote its result" grep -qx write "$W/after"
	bad=$(grep -v -x -F -f <(tr ' ' '\n' <<<"$ALLOWED") "$W/after" | tr '\n' ' ')
	check "strace: worker syscalls after the filter within the allow-list (saw: $(tr '\n' ' ' <"$W/after"))" test -z "$bad"
	forbidden=$(grep -E -x 'open|openat|openat2|execve|execveat|socket|connect' "$W/after" | tr '\n' ' ')
	check "strace: no open/openat/execve/socket/connect after the filter" test -z "$forbidden"
	# The writer: Landlock and its seccomp filter before the first temp file.
	ll=$(grep -n "^$main .*landlock_restrict_self(.*= 0" "$W/st" | head -1 | cut -d: -f1)
	tmp=$(grep -n "^$main .*\.envseal-tmp\." "$W/st" | head -1 | cut -d: -f1)
	if ! grep -q "^$main .*LANDLOCK_CREATE_RULESET_VERSION) = [1-9]" "$W/st"; then
		skip "strace: Landlock before the first write" "kernel without Landlock"
	else
		check "strace: Landlock restricts the writer before the first write" test -n "$ll" -a -n "$tmp" -a "${ll:-0}" -lt "${tmp:-0}"
	fi
	wsec=$(awk -v m="$main" '$1 == m && /seccomp\(SECCOMP_SET_MODE_FILTER, 0,/ {print NR; exit}' "$W/st")
	check "strace: writer seccomp filter before the first write" test -n "$wsec" -a -n "$tmp" -a "${wsec:-0}" -lt "${tmp:-0}"
	check "strace: no execve by envseal itself after start" test "$(grep -c "execve(" "$W/st")" -le 1
else
	skip "strace checks" "strace not installed"
fi

# --- the violation: a worker-only function opens a socket ---
R=$(vroot) || exit 1
expect_exit "violation on a new target exits 4" 4 env LD_PRELOAD="$PRELOAD" "$ENVSEAL" render --policy "$W/p.yml" --root "$R" "${PW[@]}"
contains "violation message names SIGSYS" "SIGSYS"
check "violation leaves no target" test ! -e "$R$T"
check "violation leaves no temp file" test -z "$(ls -A "$R/etc/veza")"
"$ENVSEAL" render --policy "$W/p.yml" --root "$R" "${PW[@]}" >/dev/null 2>&1
before=$(sha256sum <"$R$T"; stat -c '%i %Y' "$R$T")
printf 'db_password: changed\nlog_level: debug\n' >"$W/other.yml"
expect_exit "violation on an existing target exits 4" 4 env LD_PRELOAD="$PRELOAD" "$ENVSEAL" render --policy "$W/p.yml" --root "$R" "${PW[@]}"
check "violation leaves the target untouched" test "$(sha256sum <"$R$T"; stat -c '%i %Y' "$R$T")" = "$before"
expect_exit "violation (open) exits 4" 4 env ENVSEAL_VIOLATE=open LD_PRELOAD="$PRELOAD" "$ENVSEAL" render --policy "$W/p.yml" --root "$R" "${PW[@]}" --json
# The one JSON object of a failed run (failed, rc 4), and no file in it.
contains "violation: the JSON says failed" '"failed": true'
check "violation: the JSON names no file" sh -c "! printf '%s' \"\$1\" | grep -q '\"action\"'" _ "$OUT"
expect_exit "debug mode names the syscall" 4 env ENVSEAL_SANDBOX_DEBUG=1 ENVSEAL_VIOLATE=open LD_PRELOAD="$PRELOAD" "$ENVSEAL" render --policy "$W/p.yml" --root "$R" "${PW[@]}"
contains "debug mode says openat" "forbidden syscall: openat"
check "audit log records the failed run" grep -q '"status":4' "$R/var/log/envseal/audit.jsonl"
expect_exit "worker leaving early with status 0 exits 4" 4 env ENVSEAL_VIOLATE=exit0 LD_PRELOAD="$PRELOAD" "$ENVSEAL" render --policy "$W/p.yml" --root "$R" "${PW[@]}"
contains "early exit is a protocol break" "worker broke the protocol"
expect_exit "worker exiting 1 exits 4" 4 env ENVSEAL_VIOLATE=exit1 LD_PRELOAD="$PRELOAD" "$ENVSEAL" render --policy "$W/p.yml" --root "$R" "${PW[@]}"
contains "non-zero worker exit named" "worker exited with status 1"
check "early exits leave the target untouched" test "$(sha256sum <"$R$T"; stat -c '%i %Y' "$R$T")" = "$before"

# --- the writer's confinement, probed directly ---
if [ -x "$LLTOOL" ]; then
	L=$(vroot) || exit 1
	mkdir -p "$L/other" "$L/var"
	OUT=$("$LLTOOL" "$L" /etc/veza /var/lib/envseal/deeper -- "$L/etc/veza/ok" "$L/other/no" "$L/etc/no" "$L/var/ancestor" "$W/outside" 2>&1)
	if printf '%s' "$OUT" | grep -q 'landlock: on'; then
		contains "landlock: create beneath an allowed dir" "create $L/etc/veza/ok: ok"
		contains "landlock: create in another dir refused" "create $L/other/no: EACCES"
		contains "landlock: create in the parent refused" "create $L/etc/no: EACCES"
		contains "landlock: missing dir grants its nearest ancestor" "create $L/var/ancestor: ok"
		contains "landlock: outside the root refused" "create $W/outside: EACCES"
		check "landlock: nothing created where refused" test ! -e "$L/other/no" -a ! -e "$W/outside"
	else
		skip "landlock probes" "kernel without Landlock"
	fi
	contains "writer seccomp: socket is EPERM" "socket: EPERM"
	contains "writer seccomp: exec is killed" "exec: killed"
else
	notok "landlock tool built" "$LLTOOL missing"
fi

# --- a large document: the worker's libc paths change with size (glibc's
# qsort asks sysinfo() for large arrays; malloc switches to mmap/mremap) ---
R=$(vroot) || exit 1
python3 -c '
for i in range(20000): print("vault_key_%05d: \"v%d \\u00e9 $x\"" % (i, i))' >"$W/big.yml"
cat >"$W/pbig.yml" <<EOF2
envseal: 1
env_files:
  - {path: $T, vault: $W/big.yml, owner: root, group: root, mode: "0600",
      allow_plaintext: true}
EOF2
expect_exit "20,000-key document renders in the sandbox" 0 "$ENVSEAL" render --policy "$W/pbig.yml" --root "$R" --no-prompt --diff
check "20,000 variables written" test "$(grep -c '^KEY_' "$R$T")" -eq 20000
sed -i 's/^vault_key_12345: .*/vault_key_12345: changed/' "$W/big.yml"
expect_exit "20,000-key rerun with one change" 0 "$ENVSEAL" render --policy "$W/pbig.yml" --root "$R" --no-prompt --diff
contains "diff of 20,000 names finds the one change" "~ KEY_12345"
check "diff of 20,000 names lists only that one" test "$(printf '%s\n' "$OUT" | grep -c '^  [-+~] ')" -eq 1
