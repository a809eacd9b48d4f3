#!/bin/bash
# tests/service/run.sh — the env-file service proven by the systemd that
# reads it: a real systemd boots as PID 1 of a systemd-nspawn container on
# a Debian 12 rootfs (mmdebstrap, from this machine's apt sources), with
# envseal installed, and checks (issue 12):
#   1. at boot the env unit renders before the app; the app's environ holds
#      exactly the vault's values (and systemd's parser agrees on the file);
#      the vault password came through LoadCredentialEncrypted= (host key);
#      the app has no CREDENTIALS_DIRECTORY
#   2. a changed vault re-renders and restarts the app (new PID, new value);
#      a touched, unchanged vault re-renders without a restart
#   3. a wrong credential: the env unit fails, the app does not start, the
#      old env file is intact, the journal says why in a line with no value
#   4. both units' systemd-analyze security scores are at most the README's;
#      no unit failed but the one broken on purpose
# Prints ok/not ok/skip lines (tests/lib.sh). `make check-service` runs it
# alone, tests/run.sh runs it in `make check`.
#
# The rootfs is built once and cached in $ENVSEAL_SERVICE_CACHE
# (/var/tmp/envseal-service); every run boots a throw-away overlay of it
# in a private mount namespace, in its own cgroup, removed at exit.
# Host specifics (this CI's PID 1 is not systemd: no machined, no system
# bus, cgroup v1 hybrid): --register=no --keep-unit, a tmpfs on
# /run/systemd/nspawn, the container on cgroup v2, --system-call-filter=bpf
# so that IPAddressDeny= loads. The credential host key is bound to the
# rootfs's /etc/machine-id, so credentials are sealed in a chroot of it.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=${TOP:-$(cd "$HERE/../.." && pwd)}
BUILD=${BUILD:-$TOP/build}
ENVSEAL=${ENVSEAL:-$BUILD/envseal}
SDENV=${SDENV:-$BUILD/tests/sdenv}
. "$HERE/../lib.sh"

# The scores README.md keeps (systemd 252, systemd-analyze security).
APP_SCORE_MAX=1.5
ENV_SCORE_MAX=2.0

is_root || { skip service "skipped: not root"; exit 0; }
for t in systemd-nspawn mmdebstrap ansible-vault; do
	command -v $t >/dev/null || { skip service "skipped: no $t"; exit 0; }
done
[ -d /sys/fs/cgroup/unified ] || [ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ] ||
	{ skip service "skipped: no cgroup v2 hierarchy"; exit 0; }
[ -x "$ENVSEAL" ] || { notok service "no $ENVSEAL (make all)"; exit 1; }

T0=$(date +%s%N)
ms() { echo $((($(date +%s%N) - $1) / 1000000)); }
note() { echo "# [$(ms "$T0") ms] $*"; }

CACHE=${ENVSEAL_SERVICE_CACHE:-/var/tmp/envseal-service}
ROOTFS=$CACHE/rootfs
# What the cached rootfs holds; another stamp rebuilds it.
STAMP="1 bookworm minbase systemd systemd-sysv dbus libsodium23 libyaml-0-2 libseccomp2 libnettle8"
scratch W
OVL=$W/ovl
CG=envseal-service-$$
SVC=veza-backend-api
NSPAWN_PID= LEADER=

kill_cgroup() {
	local h u=/sys/fs/cgroup/unified/$CG
	[ -d /sys/fs/cgroup/unified ] || u=/sys/fs/cgroup/$CG
	if [ -d "$u" ]; then
		[ -e "$u/cgroup.kill" ] && echo 1 >"$u/cgroup.kill" 2>/dev/null
		for _ in $(seq 50); do
			[ -z "$(find "$u" -name cgroup.procs -exec cat {} + 2>/dev/null)" ] && break
			find "$u" -name cgroup.procs -exec cat {} + 2>/dev/null | xargs -r kill -KILL 2>/dev/null
			sleep 0.1
		done
	fi
	for h in systemd unified; do
		[ -d /sys/fs/cgroup/$h/$CG ] &&
			find /sys/fs/cgroup/$h/$CG -depth -type d -exec rmdir {} \; 2>/dev/null
	done
	return 0
}
cleanup() {
	set +e
	if [ -n "$NSPAWN_PID" ] && kill -0 "$NSPAWN_PID" 2>/dev/null; then
		kill -TERM "$NSPAWN_PID"
		for _ in $(seq 100); do kill -0 "$NSPAWN_PID" 2>/dev/null || break; sleep 0.1; done
		kill -0 "$NSPAWN_PID" 2>/dev/null && kill -KILL "$NSPAWN_PID"
		wait "$NSPAWN_PID" 2>/dev/null
	fi
	kill_cgroup
	rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 143' TERM INT HUP

# ------------------------------------------------------------- rootfs --
build_rootfs() {
	local sources=/etc/apt/sources.list.d/debian.sources t
	t=$(date +%s%N)
	[ -r "$sources" ] || sources="deb http://deb.debian.org/debian bookworm main"
	rm -rf "$ROOTFS.new"
	mmdebstrap --quiet --variant=minbase --mode=root \
		--include=systemd,systemd-sysv,dbus,libsodium23,libyaml-0-2,libseccomp2,libnettle8 \
		--dpkgopt='path-exclude=/usr/share/doc/*' \
		--dpkgopt='path-exclude=/usr/share/man/*' \
		--dpkgopt='path-exclude=/usr/share/locale/*' \
		bookworm "$ROOTFS.new" "$sources" >"$CACHE/mmdebstrap.log" 2>&1 || return 1
	# A fixed machine id: the credential host key is bound to it.
	systemd-id128 new >"$ROOTFS.new/etc/machine-id"
	echo envseal-test >"$ROOTFS.new/etc/hostname"
	echo "$STAMP" >"$ROOTFS.new/.envseal-stamp"
	rm -rf "$ROOTFS" && mv "$ROOTFS.new" "$ROOTFS"
	note "rootfs built in $(ms "$t") ms ($(du -sh "$ROOTFS" | cut -f1))"
}
mkdir -p "$CACHE" && chmod 0700 "$CACHE"
exec 9>"$CACHE/lock"
flock 9
if [ "$(cat "$ROOTFS/.envseal-stamp" 2>/dev/null)" != "$STAMP" ]; then
	build_rootfs || { notok service "rootfs: mmdebstrap failed: $(tail -3 "$CACHE/mmdebstrap.log")"; exit 1; }
else
	note "rootfs reused ($ROOTFS)"
fi

# ---------------------------------------------------------- scenario --
# The vault values; the test looks for them where they must not be.
V1_DB=db-pass-$$-one V2_DB=db-pass-$$-two TOKEN=tok-$$-api
PW=vault-pw-$$ WRONG=wrong-pw-$$
mkdir -p "$OVL"/{upper,work,merged} "$W/host"
cc -static -O2 -o "$W/host/veza-api" "$HERE/app.c" || { notok service "cannot build the app"; exit 1; }
vault() { # DB_VALUE OUT: an ansible-vault encrypted vault
	printf 'DB_PASSWORD: "%s"\nAPI_TOKEN: "%s"\n' "$1" "$TOKEN" >"$W/host/plain"
	printf '%s\n' "$PW" >"$W/host/pw"
	ansible-vault encrypt --vault-password-file "$W/host/pw" --output "$2" "$W/host/plain" >/dev/null 2>&1
	rm -f "$W/host/plain"
}
vault "$V1_DB" "$W/host/vault1.yml" && vault "$V2_DB" "$W/host/vault2.yml" ||
	{ notok service "ansible-vault encrypt failed"; exit 1; }
cat >"$W/host/policy.yml" <<EOF
envseal: 1
service:
  name: $SVC
  user: veza-api
  group: veza-api
  home: /opt/veza/backend-api
  exec: /opt/veza/backend-api/veza-api
  listen_port: 8080
  ip_allow: [localhost]
  env_service: true
directories:
  - {path: /opt/veza/backend-api, owner: root, group: veza-api, mode: "0750"}
  - {path: /run/veza, owner: root, group: root, mode: "0700"}
env_files:
  - path: /run/veza/backend-api.env
    vault: /etc/envseal/vault.yml
    owner: root
    group: root
    mode: "0600"
    static:
      PORT: "8080"
EOF
cat >"$W/host/setup.sh" <<EOF
#!/bin/sh
# Run in a chroot of the rootfs overlay: the operator's steps.
set -e
umask 077
mkdir -p /etc/envseal && chmod 0700 /etc/envseal
cp /envseal-setup/vault1.yml /etc/envseal/vault.yml
envseal provision --policy /envseal-setup/policy.yml >/dev/null
install -m 0755 /envseal-setup/veza-api /opt/veza/backend-api/veza-api
systemd-creds setup >/dev/null 2>&1
# stdin, not the terminal: the way a playbook installs the credential
envseal credential seal --name vault-password --with-key host \
	/etc/envseal/$SVC.cred </envseal-setup/pw
rm -f /envseal-setup/pw
systemctl enable $SVC.service $SVC-env.service $SVC-env.path >/dev/null 2>&1
EOF
chmod 755 "$W/host/setup.sh"

# in_overlay CMD...: CMD in a private mount namespace with the overlay
# mounted on $OVL/merged (gone with the namespace).
in_overlay() {
	unshare --mount --propagation private sh -c '
		mount -t overlay overlay -o "lowerdir=$1,upperdir=$2/upper,workdir=$2/work" "$2/merged" &&
		shift 2 && exec "$@"' sh "$ROOTFS" "$OVL" "$@"
}
t=$(date +%s%N)
out=$(in_overlay sh -c '
	m=$1/merged
	install -m 0755 "$2" "$m/usr/local/bin/envseal" &&
	install -m 0755 "$3" "$m/usr/local/bin/sdenv" &&
	mkdir -m 0700 "$m/envseal-setup" && cp -a "$4"/. "$m/envseal-setup/" &&
	chroot "$m" /envseal-setup/setup.sh' sh "$OVL" "$ENVSEAL" "$SDENV" "$W/host" 2>&1)
check "setup: provision, credential seal, enable (in a chroot)" [ $? -eq 0 ]
[ -n "$out" ] && echo "$out" | sed 's/^/#   /'
note "scenario installed in $(ms "$t") ms"

# --------------------------------------------------------------- boot --
created_nspawn_dir=
[ -d /run/systemd/nspawn ] || { mkdir -p /run/systemd/nspawn; created_nspawn_dir=1; }
run_nspawn() {
	for h in systemd unified; do
		[ -d /sys/fs/cgroup/$h ] || continue
		mkdir -p /sys/fs/cgroup/$h/$CG && echo $BASHPID >/sys/fs/cgroup/$h/$CG/cgroup.procs
	done
	SYSTEMD_NSPAWN_UNIFIED_HIERARCHY=1 exec unshare --mount --propagation private sh -c '
		mount -t tmpfs -o mode=0755 tmpfs /run/systemd/nspawn &&
		mount -t overlay overlay -o "lowerdir=$1,upperdir=$2/upper,workdir=$2/work" "$2/merged" &&
		shift 2 && exec systemd-nspawn "$@"' sh "$ROOTFS" "$OVL" \
		-D "$OVL/merged" -M envseal-test --boot --register=no --keep-unit \
		--private-network --console=read-only --system-call-filter=bpf
}
t=$(date +%s%N)
run_nspawn </dev/null >"$W/console.log" 2>&1 &
NSPAWN_PID=$!
cgdir=/sys/fs/cgroup/unified/$CG/payload/init.scope
for _ in $(seq 600); do
	kill -0 $NSPAWN_PID 2>/dev/null || break
	LEADER=$(head -n1 "$cgdir/cgroup.procs" 2>/dev/null || true)
	[ -n "$LEADER" ] && [ -S /proc/$LEADER/root/run/systemd/private ] && break
	LEADER=
	sleep 0.05
done
if [ -z "$LEADER" ]; then
	notok service "the container did not boot"
	tail -20 "$W/console.log" | sed 's/^/#   /'
	exit 1
fi
in_ct() (
	for h in systemd unified; do
		[ -d /sys/fs/cgroup/$h/$CG ] && echo $BASHPID >/sys/fs/cgroup/$h/$CG/cgroup.procs
	done
	exec nsenter -t "$LEADER" -m -u -i -n -p -C "$@"
)
state=$(in_ct timeout 60 systemctl is-system-running --wait 2>/dev/null)
note "booted in $(ms "$t") ms, state '$state'"

# --------------------------------------------------------------- checks --
in_ct /usr/bin/bash -s "$SVC" "$V1_DB" "$V2_DB" "$TOKEN" "$PW" "$WRONG" \
	"$APP_SCORE_MAX" "$ENV_SCORE_MAX" <"$HERE/checks.sh" 3<"$W/host/vault2.yml"
rc=$?
[ $rc -eq 0 ] || in_ct journalctl -b --no-pager -n 60 2>/dev/null | sed 's/^/#   /'

t=$(date +%s%N)
in_ct systemctl poweroff 2>/dev/null || kill -TERM $NSPAWN_PID
for _ in $(seq 300); do kill -0 $NSPAWN_PID 2>/dev/null || break; sleep 0.1; done
wait $NSPAWN_PID 2>/dev/null
NSPAWN_PID=
[ -n "$created_nspawn_dir" ] && rmdir /run/systemd/nspawn 2>/dev/null
note "shut down in $(ms "$t") ms; whole run $(ms "$T0") ms"
exit 0
