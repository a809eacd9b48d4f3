#!/bin/bash
# bench/render_phases.sh — one render worker's job, phase by phase, in
# process (bench/render_phases.c: minimum of 30 iterations each), for a
# 10-key and a 10,000-key vault made by ansible-vault like bench/render.sh's,
# each against an old env file it rendered before. No fork, no sandbox, no
# pipe, no write: where the worker's own time goes. Run as root:
#	bash bench/render_phases.sh
set -eu
TOP=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$TOP/build}
make -C "$TOP" --no-print-directory "$BUILD/envseal" >/dev/null
BIN="$BUILD/bench/render_phases"
mkdir -p "$BUILD/bench"
# shellcheck disable=SC2046
cc -std=c11 -O2 -D_GNU_SOURCE -I"$TOP" -o "$BIN" "$TOP/bench/render_phases.c" \
    "$BUILD/libenvseal.a" $(pkg-config --libs libsodium yaml-0.1 libseccomp nettle)
W=$(mktemp -d /tmp/envseal-bench.XXXXXX)
trap 'rm -rf "$W"' EXIT
chmod 0755 "$W"
printf 'bench-Pa55w0rd!\n' >"$W/pw"
for n in 10 10000; do
	python3 - "$n" >"$W/plain.yml" <<'PY'
import secrets, string, sys
alpha = string.ascii_letters + string.digits + "!#$%&()*+,-./:;<=>?@[]^_{|}~ "
for i in range(int(sys.argv[1])):
    v = "".join(secrets.choice(alpha) for _ in range(32)).replace("'", "")
    print("vault_key_%05d: '%s'" % (i, v))
PY
	ansible-vault encrypt --vault-password-file "$W/pw" --output "$W/v$n.yml" \
	    "$W/plain.yml" >/dev/null
	rm -f "$W/plain.yml"
	R="$W/root$n"
	mkdir -p "$R/etc"
	chmod 0755 "$R" "$R/etc"
	printf 'root:x:0:0:root:/root:/bin/bash\n' >"$R/etc/passwd"
	printf 'root:x:0:\n' >"$R/etc/group"
	printf 'envseal: 1\nenv_files:\n  - {path: /etc/app.env, vault: %s, owner: root, group: root, mode: "0600"}\n' \
	    "$W/v$n.yml" >"$W/p$n.yml"
	"$BUILD/envseal" render --root "$R" --policy "$W/p$n.yml" \
	    --vault-password-file "$W/pw" >/dev/null
	printf '# x\n' >>"$R/etc/app.env"   # the old file differs, as in render.sh
	printf '%6s keys: ' "$n"
	"$BIN" "$W/v$n.yml" "$W/pw" "$R/etc/app.env"
done
