#!/bin/bash
# tests/cli/render_worker_uid.sh — issue 9 finding 8: the sandboxed worker
# runs under a per-run uid and gid of envseal's reserved block (see
# sandbox/worker.h), never the shared nobody (65534): a process of uid
# 65534 cannot stop or kill it (EPERM), and the render it was doing
# succeeds. The worker is kept busy by tests/tools/slow_preload.so (its
# AES key setup computes ~3 s first); the worker is the only child of the
# envseal process, found through /proc.
. "$TOP/tests/lib.sh"

is_root || { skip render_worker_uid "needs root (setresuid, chown)"; exit 0; }
command -v setpriv >/dev/null || { skip render_worker_uid "no setpriv(1)"; exit 0; }
PRELOAD="$BUILD/tests/tools/slow_preload.so"
[ -f "$PRELOAD" ] || { notok "slow shim built" "$PRELOAD missing"; exit 0; }

# The reserved block: ES_WORKER_ID_BASE and ES_WORKER_ID_COUNT.
BASE_ID=$((0x7E5E0000)) COUNT_ID=65536

use_base
T=/etc/veza/backend-api.env
cat >"$BASE/p.yml" <<EOT
envseal: 1
env_files:
  - path: $T
    vault: $VECTORS/a_v11_mapping.vault.yml
    owner: root
    group: root
    mode: "0600"
EOT
PW=(--vault-password-file "$VECTORS/pw_correct_horse.txt")

# worker_of PID: the pid of PID's child once it has dropped root, else "".
worker_of() {
	local c i
	for i in $(seq 1 200); do
		for c in $(cat /proc/"$1"/task/*/children 2>/dev/null); do
			if [ "$(awk '/^Uid:/ {print $2}' /proc/"$c"/status 2>/dev/null)" != 0 ] &&
				[ -n "$(awk '/^Uid:/ {print $2}' /proc/"$c"/status 2>/dev/null)" ]; then
				echo "$c"; return 0
			fi
		done
		sleep 0.02
	done
}

# one RUN: a render under the shim; checks while its worker computes.
one() {
	local run=$1 R pid w uids gids
	R=$(mkroot etc/veza:0755) || exit 1
	env ENVSEAL_TEST_WORKER_TIMEOUT=60 ENVSEAL_SLOW_SECONDS=3 LD_PRELOAD="$PRELOAD" \
		"$ENVSEAL" render --policy "$BASE/p.yml" --root "$R" "${PW[@]}" >"$BASE/out$run" 2>&1 &
	pid=$!
	w=$(worker_of "$pid")
	if [ -z "$w" ]; then
		notok "$run: the worker was seen running" "no child of $pid left root"
		wait "$pid"
		return
	fi
	ok "$run: the worker was seen running"
	uids=$(awk '/^Uid:/ {print $2, $3, $4, $5}' /proc/"$w"/status)
	gids=$(awk '/^Gid:/ {print $2, $3, $4, $5}' /proc/"$w"/status)
	set -- $uids
	check "$run: worker uid is not nobody (65534) ($1)" test "$1" != 65534
	check "$run: worker uid is in the reserved block ($1)" \
		test "$1" -ge "$BASE_ID" -a "$1" -lt $((BASE_ID + COUNT_ID))
	check "$run: real, effective, saved and fs uid all the same" test "$uids" = "$1 $1 $1 $1"
	check "$run: gid is the same per-run id ($gids)" test "$gids" = "$1 $1 $1 $1"
	check "$run: no supplementary groups" test -z "$(awk '/^Groups:/ {print $2}' /proc/"$w"/status)"
	echo "$1" >>"$BASE/uids"
	# As nobody: SIGSTOP and SIGKILL must both be refused.
	if setpriv --reuid=65534 --regid=65534 --clear-groups kill -STOP "$w" 2>"$BASE/err$run"; then
		notok "$run: uid 65534 cannot SIGSTOP the worker" "kill -STOP succeeded"
		kill -CONT "$w" 2>/dev/null
	else
		check "$run: uid 65534 cannot SIGSTOP the worker (EPERM)" grep -qi 'not permitted' "$BASE/err$run"
	fi
	if setpriv --reuid=65534 --regid=65534 --clear-groups kill -KILL "$w" 2>"$BASE/err$run"; then
		notok "$run: uid 65534 cannot SIGKILL the worker" "kill -KILL succeeded"
	else
		check "$run: uid 65534 cannot SIGKILL the worker (EPERM)" grep -qi 'not permitted' "$BASE/err$run"
	fi
	wait "$pid"
	rc=$?
	check "$run: the render succeeds (exit $rc: $(head -1 "$BASE/out$run"))" test "$rc" -eq 0
	check "$run: the env file is written" grep -qx 'DB_PASS=s3cr3t' "$R$T"
}

one "run 1"
one "run 2"
# Per run: two runs pick their ids at random from 65,536 (a collision here
# is a 1 in 65,536 chance, not a defect: the worker still owns nothing).
check "the two runs had ids of their own" test "$(sort -u "$BASE/uids" | wc -l)" -eq 2
