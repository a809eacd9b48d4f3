#!/bin/sh
# scripts/deps.sh — check what envseal needs to build and test; on Debian
# as root, install what is missing with apt-get; elsewhere print the exact
# install line and stop.
set -u
PKGS="build-essential pkg-config libsodium-dev libyaml-dev libseccomp-dev nettle-dev
ansible-core ansible-lint strace clang libclang-rt-14-dev systemd passwd util-linux
hyperfine time acl systemd-container mmdebstrap age zlib1g-dev minisign python3-yaml
python3-jsonschema dpkg-dev debhelper lintian groff-base"

missing=""
need() { # package test...
	pkg=$1; shift
	if ! "$@" >/dev/null 2>&1; then missing="$missing $pkg"; fi
}
need build-essential command -v cc
need build-essential command -v make
need pkg-config command -v pkg-config
need libsodium-dev pkg-config --exists libsodium
need libyaml-dev pkg-config --exists yaml-0.1
need libseccomp-dev pkg-config --exists libseccomp
need nettle-dev pkg-config --exists nettle
need ansible-core command -v ansible-vault
need ansible-core command -v ansible-playbook
need ansible-lint command -v ansible-lint
need python3-yaml python3 -c 'import yaml'
need python3-jsonschema python3 -c 'import jsonschema'
need strace command -v strace
need clang command -v clang
need libclang-rt-14-dev sh -c 'ls /usr/lib/llvm-14/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a'
need systemd command -v systemd-analyze
need passwd command -v pwck
need util-linux command -v unshare
need hyperfine command -v hyperfine
need time test -x /usr/bin/time
need acl command -v setfacl
need systemd-container command -v systemd-nspawn
need mmdebstrap command -v mmdebstrap
need age command -v age-keygen
need zlib1g-dev test -f /usr/include/zlib.h
need minisign command -v minisign
need dpkg-dev command -v dpkg-buildpackage
need debhelper command -v dh
need lintian command -v lintian
need groff-base command -v groff

[ -z "$missing" ] && exit 0
missing=$(echo $missing | tr ' ' '\n' | sort -u | tr '\n' ' ')
line="apt-get update && apt-get install -y $missing"
if [ "$(id -u)" -eq 0 ] && [ -f /etc/debian_version ] && command -v apt-get >/dev/null; then
	echo "envseal: installing missing dependencies: $missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq && apt-get install -y -qq --no-install-recommends $missing ||
		{ echo "envseal: dependency install failed; run: $line" >&2; exit 1; }
	exit 0
fi
echo "envseal: missing dependencies: $missing" >&2
echo "envseal: install them with: $line" >&2
exit 1
