#!/bin/bash
# tests/cli/policy_lint.sh — `envseal policy lint`: a table of policies,
# each with the rule ids it must raise (and no others) and the exit
# status under the default --fail-on high; json and SARIF 2.1.0 forms
# checked for structure and against the vendored SARIF 2.1.0 schema
# (python3-jsonschema; missing either fails); a static secret's value never
# appears in any output.
. "$(dirname "$0")/../lib.sh"

use_base
P=$BASE/p
mkdir -p "$P"
chmod 0755 "$P"
STATIC_SECRET='Qm7xK2pLz9RtV4bN8wYc'
ALL=$BASE/all.out
: >"$ALL"

# A sound policy; each case below changes one thing.
clean() {
	cat <<'Y'
envseal: 1
service:
  name: app
  user: app
  group: app
  uid: 1201
  gid: 1201
  home: /srv/app
  exec: /usr/local/bin/app
  listen_port: 8080
  ip_allow: [localhost, 10.0.0.0/8, 192.168.1.0/24, fd00::/8]
  read_write_paths: [/var/lib/app]
  unit: /etc/systemd/system/app.service
directories:
  - {path: /srv/app, owner: root, group: app, mode: "0750"}
  - {path: /var/lib/app, owner: app, group: app, mode: "0750"}
  - {path: /etc/app, owner: root, group: root, mode: "0755"}
env_files:
  - path: /etc/app/app.env
    vault: /srv/deploy/app.vault.yml
    owner: root
    group: root
    mode: "0600"
    static:
      PORT: "8080"
      API_URL: https://api.internal.example/v1
Y
}

# case NAME STATUS "IDS" SED-EXPR...: the clean policy edited by each
# sed expression must lint with exactly the rule ids IDS (space-separated,
# sorted, unique) and exit STATUS.
case_() {
	local n=$1 want=$2 ids=$3 f got
	shift 3
	f=$P/$n.yml
	if [ $# -gt 0 ]; then
		local args=()
		for e in "$@"; do args+=(-e "$e"); done
		clean | sed "${args[@]}" >"$f"
	else clean >"$f"; fi
	expect_exit "$n: exit $want" "$want" "$ENVSEAL" policy lint --policy "$f" --format json
	printf '%s\n' "$OUT" >>"$ALL"
	got=$(printf '%s' "$OUT" | python3 -c '
import json, sys
d = json.load(sys.stdin)
print(" ".join(sorted({f["rule"] for f in d["findings"]})))' 2>&1)
	if [ "$got" = "$ids" ]; then ok "$n: rules [$ids]"
	else notok "$n: rules [$ids]" "got [$got]"; fi
}

case_ clean 0 ""
case_ exec-dir-owned-by-service 5 "ES001" \
	's|exec: /usr/local/bin/app|exec: /srv/app/app|' \
	's|{path: /srv/app, owner: root|{path: /srv/app, owner: app|'
case_ exec-dir-group-writable 5 "ES001" \
	's|exec: /usr/local/bin/app|exec: /srv/app/app|' \
	's|{path: /srv/app, owner: root, group: app, mode: "0750"}|{path: /srv/app, owner: root, group: app, mode: "0770"}|'
case_ exec-in-rw-path 5 "ES001" \
	's|exec: /usr/local/bin/app|exec: /var/lib/app/app|'
case_ env-group-readable-by-service 5 "ES002" \
	's|    group: root|    group: app|' 's|    mode: "0600"|    mode: "0640"|'
case_ env-owner-not-root 0 "ES002" 's|    owner: root|    owner: app|'
case_ relative-vault 0 "ES003" 's|vault: /srv/deploy/app.vault.yml|vault: group_vars/app.vault.yml|'
case_ static-secret-by-name 5 "ES004" 's|      PORT: "8080"|      PORT: "8080"\n      DB_PASSWORD: hunter2|'
case_ static-secret-by-value 5 "ES004" "s|      PORT: \"8080\"|      PORT: \"8080\"\n      SESSION_SEED: $STATIC_SECRET|"
case_ static-hex-key 5 "ES004" 's|      PORT: "8080"|      PORT: "8080"\n      SEED: 0123456789abcdef0123456789abcdef|'
case_ rw-path-outside-dirs 0 "ES005" 's|read_write_paths: \[/var/lib/app\]|read_write_paths: [/var/lib/app, /var/cache/app]|'
case_ allow-plaintext 5 "ES006" 's|    mode: "0600"|    mode: "0600"\n    allow_plaintext: true|'
case_ ip-allow-any 5 "ES007" 's|ip_allow: \[|ip_allow: [any, |'
case_ ip-allow-public 0 "ES007" 's|ip_allow: \[|ip_allow: [8.8.8.0/24, 172.15.0.0/16, 10.0.0.0/7, |'
case_ several 5 "ES003 ES004 ES006" \
	's|vault: /srv/deploy/app.vault.yml|vault: v.yml|' \
	's|    mode: "0600"|    mode: "0600"\n    allow_plaintext: true|' \
	's|      PORT: "8080"|      PORT: "8080"\n      API_TOKEN: x|'

# Lines and text form.
expect_exit "text form" 5 "$ENVSEAL" policy lint --policy "$P/static-secret-by-name.yml"
printf '%s\n' "$OUT" >>"$ALL"
line=$(grep -n 'DB_PASSWORD' "$P/static-secret-by-name.yml" | cut -d: -f1)
contains "text: FILE:LINE severity rule" "$P/static-secret-by-name.yml:$line: high ES004: env_files[0].static.DB_PASSWORD"
contains "text: count" "policy lint: 1 finding"
expect_exit "fail-on medium: a medium finding fails" 5 "$ENVSEAL" policy lint --policy "$P/relative-vault.yml" --fail-on medium
expect_exit "fail-on high: a medium finding passes" 0 "$ENVSEAL" policy lint --policy "$P/relative-vault.yml" --fail-on high
expect_exit "the embedded default: exit 0 (one medium: its relative vault)" 0 "$ENVSEAL" policy lint
contains "the embedded default: ES003" "<embedded>:"
expect_exit "bad --fail-on: exit 2" 2 "$ENVSEAL" policy lint --fail-on severe
expect_exit "bad --format: exit 2" 2 "$ENVSEAL" policy lint --format xml
printf 'envseal: 1\nbogus: 1\n' >"$P/invalid.yml"
expect_exit "invalid policy: exit 2" 2 "$ENVSEAL" policy lint --policy "$P/invalid.yml"

# SARIF 2.1.0.
expect_exit "sarif" 5 "$ENVSEAL" policy lint --policy "$P/several.yml" --format sarif
printf '%s\n' "$OUT" >>"$ALL"
printf '%s\n' "$OUT" >"$BASE/out.sarif"
check "sarif: the required structure of SARIF 2.1.0" python3 - "$BASE/out.sarif" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["version"] == "2.1.0" and "sarif-2.1.0" in d["$schema"]
assert isinstance(d["runs"], list) and len(d["runs"]) == 1
run = d["runs"][0]
drv = run["tool"]["driver"]
assert isinstance(drv["name"], str) and drv["name"]
ids = [r["id"] for r in drv["rules"]]
assert ids == sorted(set(ids)) and len(ids) >= 7
for r in drv["rules"]:
    assert r["defaultConfiguration"]["level"] in ("none", "note", "warning", "error")
    assert isinstance(r["shortDescription"]["text"], str)
assert len(run["results"]) == 3
for res in run["results"]:
    assert res["ruleId"] in ids
    assert res["level"] in ("none", "note", "warning", "error")
    assert isinstance(res["message"]["text"], str) and res["message"]["text"]
    loc = res["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"]["uri"].endswith("several.yml")
    assert isinstance(loc["region"]["startLine"], int) and loc["region"]["startLine"] >= 1
PY
# The SARIF 2.1.0 schema is vendored (tests/vectors/sarif/README.md says
# from where); python3-jsonschema (scripts/deps.sh) validates. A missing
# schema or validator fails the check: it is never skipped. A copy made
# invalid on purpose must be refused, so the validator is known to judge.
SARIF_SCHEMA=$TOP/tests/vectors/sarif/sarif-schema-2.1.0.json
sarif_valid() { # schema sarif
	python3 -c '
import json, sys, jsonschema
s = json.load(open(sys.argv[1]))
try:
    jsonschema.validators.validator_for(s)(s).validate(json.load(open(sys.argv[2])))
except jsonschema.ValidationError as e:
    print("invalid SARIF:", e.message, file=sys.stderr)
    sys.exit(3)
' "$1" "$2"
}
check "sarif: the schema is vendored" test -s "$SARIF_SCHEMA"
check "sarif: python3-jsonschema is installed" python3 -c 'import jsonschema'
check "sarif: valid against the SARIF 2.1.0 schema" sarif_valid "$SARIF_SCHEMA" "$BASE/out.sarif"
python3 - "$BASE/out.sarif" "$BASE/bad.sarif" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["runs"][0]["results"][0]["level"] = "fatal"
json.dump(d, open(sys.argv[2], "w"))
PY
# Refused as invalid (status 3), not for a missing file or module.
sarif_refused() { sarif_valid "$@" 2>/dev/null; [ $? -eq 3 ]; }
check "sarif: a result with level 'fatal' is refused by the schema" \
	sarif_refused "$SARIF_SCHEMA" "$BASE/bad.sarif"

no_secret "no static secret value in any lint output" "$STATIC_SECRET" "$ALL"
no_secret "no static password in any lint output" "hunter2" "$ALL"

# ES008 unit-exposure: lint renders the units provision writes and the
# host's /usr/bin/systemd-analyze scores them in lint's own scratch root;
# each score must be the one systemd-analyze prints for the same units
# written by `provision` into a root. Needs root (provision into a root,
# the namespaces below) and systemd-analyze: a missing one fails.
check "exposure: /usr/bin/systemd-analyze is installed" test -x /usr/bin/systemd-analyze
check "exposure: run as root" is_root
# es008 FILE : "UNIT SCORE" for each ES008 finding of the json in FILE.
es008() {
	python3 -c '
import json, re, sys
for f in json.load(open(sys.argv[1]))["findings"]:
    if f["rule"] == "ES008":
        m = re.match(r"service: unit (\S+) scores exposure ([0-9.]+) ", f["message"])
        print(m.group(1) + " " + m.group(2) if m else "? " + f["severity"] + " " + f["message"])' "$1"
}
# analyzed POLICY UNIT... : "UNIT SCORE" as systemd-analyze scores each
# unit `provision` writes for POLICY into a fresh root.
analyzed() {
	local pol=$1 u r
	shift
	r=$(mkroot) || return 1
	"$ENVSEAL" provision --root "$r" --policy "$pol" >/dev/null 2>&1 || { echo "provision failed"; return 1; }
	for u in "$@"; do
		printf '%s %s\n' "$u" "$(/usr/bin/systemd-analyze security --offline=yes --root="$r" "$u" 2>/dev/null |
			sed -n "s/.*Overall exposure level for $u: \([0-9.]*\).*/\1/p")"
	done
}
# The clean policy (no env_service): one unit.
expect_exit "exposure: clean policy, default --max-exposure: exit 0" 0 "$ENVSEAL" policy lint --policy "$P/clean.yml" --format json
printf '%s\n' "$OUT" >"$BASE/e0.json"
check "exposure: clean policy at 2.0: no ES008" test -z "$(es008 "$BASE/e0.json")"
expect_exit "exposure: clean policy, --max-exposure 0.5: exit 0 (medium)" 0 "$ENVSEAL" policy lint --policy "$P/clean.yml" --format json --max-exposure 0.5
printf '%s\n' "$OUT" >>"$ALL"
printf '%s\n' "$OUT" >"$BASE/e1.json"
got=$(es008 "$BASE/e1.json")
want=$(analyzed "$P/clean.yml" app.service)
case $want in "app.service "[0-9]*) ok "exposure: systemd-analyze scores the provisioned app.service ($want)" ;;
*) notok "exposure: systemd-analyze scores the provisioned app.service" "got [$want]" ;; esac
if [ "$got" = "$want" ]; then ok "exposure: at 0.5 one ES008, app.service with systemd-analyze's score [$got]"
else notok "exposure: at 0.5 one ES008, app.service with systemd-analyze's score" "lint [$got], systemd-analyze [$want]"; fi
line=$(grep -n '^service:' "$P/clean.yml" | cut -d: -f1)
check "exposure: the finding is at the line of service: ($line), medium" python3 -c '
import json, sys
f = [f for f in json.load(open(sys.argv[1]))["findings"] if f["rule"] == "ES008"]
sys.exit(not (len(f) == 1 and f[0]["line"] == int(sys.argv[2]) and f[0]["severity"] == "medium"))' "$BASE/e1.json" "$line"
expect_exit "exposure: --fail-on medium fails on it" 5 "$ENVSEAL" policy lint --policy "$P/clean.yml" --max-exposure 0.5 --fail-on medium
expect_exit "exposure: --max-exposure 10: exit 0" 0 "$ENVSEAL" policy lint --policy "$P/clean.yml" --max-exposure 10 --fail-on medium
# With env_service (the embedded default has it): the env services too.
"$ENVSEAL" policy show >"$P/default.yml"
chmod 0644 "$P/default.yml"
check "exposure: the default policy has env_service" grep -q '^  env_service: true' "$P/default.yml"
expect_exit "exposure: default policy at 2.0: exit 0" 0 "$ENVSEAL" policy lint --policy "$P/default.yml" --format json
printf '%s\n' "$OUT" >"$BASE/e2.json"
check "exposure: default policy at 2.0: no ES008" test -z "$(es008 "$BASE/e2.json")"
expect_exit "exposure: default policy at 0.5" 0 "$ENVSEAL" policy lint --policy "$P/default.yml" --format json --max-exposure 0.5
printf '%s\n' "$OUT" >>"$ALL"
printf '%s\n' "$OUT" >"$BASE/e3.json"
got=$(es008 "$BASE/e3.json")
want=$(analyzed "$P/default.yml" veza-backend-api.service veza-backend-api-env.service veza-backend-api-env-refresh.service)
if [ "$got" = "$want" ] && [ "$(printf '%s\n' "$got" | grep -c ' [0-9]')" = 3 ]; then
	ok "exposure: env_service: the service and both env services scored as systemd-analyze does"
else notok "exposure: env_service: the service and both env services scored as systemd-analyze does" "lint [$got], systemd-analyze [$want]"; fi
# Bad thresholds are usage errors.
for bad in 11 10.1 -1 -0.5 abc 1x nan inf "" " 1"; do
	expect_exit "exposure: --max-exposure '$bad': exit 2" 2 "$ENVSEAL" policy lint --policy "$P/clean.yml" --max-exposure "$bad"
done
expect_exit "exposure: --max-exposure 0.0 is in range" 0 "$ENVSEAL" policy lint --policy "$P/clean.yml" --max-exposure 0.0
# The three forms carry the rule.
expect_exit "exposure: text" 0 "$ENVSEAL" policy lint --policy "$P/clean.yml" --max-exposure 0.5
printf '%s\n' "$OUT" >>"$ALL"
contains "exposure: text: FILE:LINE medium ES008 naming the unit" "$P/clean.yml:$line: medium ES008: service: unit app.service scores exposure"
expect_exit "exposure: sarif" 0 "$ENVSEAL" policy lint --policy "$P/default.yml" --max-exposure 0.5 --format sarif
printf '%s\n' "$OUT" >>"$ALL"
printf '%s\n' "$OUT" >"$BASE/e.sarif"
check "exposure: sarif: ES008 unit-exposure among the rules and the results" python3 -c '
import json, sys
run = json.load(open(sys.argv[1]))["runs"][0]
r = [r for r in run["tool"]["driver"]["rules"] if r["id"] == "ES008"]
assert len(r) == 1 and r[0]["name"] == "unit-exposure", r
assert len([x for x in run["results"] if x["ruleId"] == "ES008"]) == 3' "$BASE/e.sarif"
check "exposure: sarif: valid against the SARIF 2.1.0 schema" sarif_valid "$SARIF_SCHEMA" "$BASE/e.sarif"
# Lint leaves nothing behind and writes nowhere else: in a mount namespace
# of its own with empty tmpfs on /tmp and /dev/shm, from an empty
# directory, both tmpfs and the directory are empty after it.
left() {
	unshare -m bash -c '
pol=$(cat "$3") || exit 9
mount --make-rprivate / && mount -t tmpfs tmpfs /tmp && mount -t tmpfs tmpfs /dev/shm || exit 9
mkdir -m 0755 "$1" && cd "$1" && printf "%s\n" "$pol" >p.yml && chmod 0644 p.yml || exit 9
out=$(XDG_RUNTIME_DIR= "$2" policy lint --policy p.yml --max-exposure 0.5 --format json 2>&1)
echo "rc=$?"; case $out in *ES008*) echo ES008 ;; esac
find /tmp /dev/shm -mindepth 1 ! -path "$1" ! -path "$1/p.yml"; grep -c " /dev/shm/envseal" /proc/self/mounts' _ /tmp/cwd "$LEFT_EXE" "$P/default.yml"
}
# The binary runs from /run: a checkout under /tmp (CI may clone there)
# is hidden by the tmpfs the check mounts on /tmp.
LEFT_EXE=$(mktemp /run/envseal-lint-test.XXXXXX) && cp "$ENVSEAL" "$LEFT_EXE" && chmod 0755 "$LEFT_EXE"
got=$(left 2>&1 | tr '\n' ' ')
rm -f "$LEFT_EXE"
if [ "$got" = "rc=0 ES008 0 " ]; then ok "exposure: nothing left in /tmp, /dev/shm or the working directory, no mount"
else notok "exposure: nothing left in /tmp, /dev/shm or the working directory, no mount" "got [$got]"; fi
# Lint needs no root: as nobody, the same scores (scratch under /dev/shm).
OUT=$(cd / && setpriv --reuid=65534 --regid=65534 --clear-groups env -i "$ENVSEAL" policy lint --policy "$P/default.yml" --max-exposure 0.5 --format json 2>&1)
printf '%s\n' "$OUT" >"$BASE/e5.json"
if [ "$(es008 "$BASE/e5.json" 2>&1)" = "$(es008 "$BASE/e3.json")" ]; then ok "exposure: as nobody: the same ES008 scores"
else notok "exposure: as nobody: the same ES008 scores" "$(printf '%s' "$OUT" | head -3)"; fi
# No systemd-analyze: one low "unknown" note saying so, not a pass.
missing() {
	unshare -m bash -c 'mount --make-rprivate / && mount -t tmpfs tmpfs /usr/bin || exit 9
exec "$1" policy lint --policy "$2" --max-exposure 0.5 --format json' _ "$ENVSEAL" "$P/clean.yml"
}
expect_exit "exposure: no systemd-analyze: exit 0 (low)" 0 missing
printf '%s\n' "$OUT" >"$BASE/e4.json"
check "exposure: no systemd-analyze: one low ES008 saying it is missing" python3 -c '
import json, sys
f = [f for f in json.load(open(sys.argv[1]))["findings"] if f["rule"] == "ES008"]
assert len(f) == 1 and f[0]["severity"] == "low", f
assert "unknown: systemd-analyze is missing" in f[0]["message"], f' "$BASE/e4.json"
# A systemd-analyze someone else could have written is refused, not run.
cp /usr/bin/systemd-analyze "$BASE/sa"
chmod 0775 "$BASE/sa"
untrusted() {
	unshare -m bash -c 'mount --make-rprivate / && mount --bind "$3" /usr/bin/systemd-analyze || exit 9
exec "$1" policy lint --policy "$2" --max-exposure 0.5' _ "$ENVSEAL" "$P/clean.yml" "$BASE/sa"
}
OUT=$(untrusted 2>&1); RC=$?
if [ $RC -ne 0 ] && [ $RC -ne 9 ] && [ $RC -ne 5 ]; then ok "exposure: a group-writable systemd-analyze: refused (exit $RC)"
else notok "exposure: a group-writable systemd-analyze: refused" "exit $RC: $OUT"; fi
contains "exposure: the refusal names it" "/usr/bin/systemd-analyze"
# A static secret in a policy scored for exposure stays out of the output.
clean | sed "s|      PORT: \"8080\"|      PORT: \"8080\"\n      SESSION_SEED: $STATIC_SECRET|" >"$P/secret.yml"
for f in text json sarif; do
	OUT=$("$ENVSEAL" policy lint --policy "$P/secret.yml" --max-exposure 0.5 --format $f 2>&1)
	printf '%s\n' "$OUT" >>"$ALL"
done
no_secret "exposure: no static secret in ES008 runs" "$STATIC_SECRET" "$ALL"
