# tests/cli/fs_check.sh — check mode plans every action and writes nothing
# at all: the root is byte-identical afterwards (paths, types, modes,
# owners, sizes, inodes, mtimes and content hashes), with or without
# existing lock files and audit log.
. "$TOP/tests/lib.sh"
. "$TOP/tests/tools/fslib.sh"

R=$(newroot)
printf 'A=old' >"$R/etc/veza/changed.env"
printf 'A=same' >"$R/etc/veza/same.env"
printf 'A=meta' >"$R/etc/veza/meta.env"
chmod 0600 "$R/etc/veza/changed.env" "$R/etc/veza/same.env"
chmod 0644 "$R/etc/veza/meta.env"
# Make mtimes distinguishable from "now".
touch -d '2020-01-01 00:00:00' "$R/etc/veza"/*.env

plan() { # expected-action args...
	_want=$1; shift
	_got=$("$FSW" --root "$R" --check --lock --passwd --audit render "$@" 2>/dev/null)
	if [ "$_got" = "$_want" ]; then ok "check plans $_want: $*"
	else notok "check plans $_want: $*" "got: $_got"; fi
}

run_plans() {
	plan replaced --data 'A=new' /etc/veza/changed.env
	plan unchanged --data 'A=same' /etc/veza/same.env
	plan metadata --data 'A=meta' /etc/veza/meta.env
	plan created --data 'A=1' /etc/veza/new.env
	plan created --data 'A=1' /etc/missing/deeper/new.env
	plan created --dir --uid 0 --gid 1001 --mode 0750 /opt/veza/backend-api
	plan metadata --dir --uid 0 --gid 1001 --mode 0750 /etc/veza
	plan unchanged --dir --uid 0 --gid 0 --mode 0755 /etc/veza
	plan replaced --backup --mode 0644 --data 'x' /etc/veza/same.env
}

before=$(snap "$R")
run_plans
check "check mode: root byte-identical (fresh root)" test "$before" = "$(snap "$R")"
check "check mode: no lock file created" test ! -e "$R/var/lib/envseal/lock"
check "check mode: no pwd.lock created" test ! -e "$R/etc/.pwd.lock"
check "check mode: no audit log" test ! -e "$R/var/log/envseal"

# Now with the layer's own files present (a real run made them).
"$FSW" --root "$R" --lock --passwd --audit render --data 'A=x' /etc/veza/other.env >/dev/null
touch -d '2020-01-01 00:00:00' "$R/etc/veza/other.env"
before=$(snap "$R")
run_plans
plan refused --data 'A=1' /etc/veza
check "check mode: root byte-identical (lock, key and log present)" test "$before" = "$(snap "$R")"

# And verify/show, which always read in check mode.
"$ENVSEAL" audit verify --root "$R" >/dev/null 2>&1
"$ENVSEAL" audit show --root "$R" >/dev/null 2>&1
check "audit verify/show: root byte-identical" test "$before" = "$(snap "$R")"
