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

# Why there is no exposure rule: the unit's hardening is fixed by
# provision/unit.c and a policy can change only the port (a privileged
# one adds the bind capability and drops PrivateUsers) and the peers; the
# worst case still scores under systemd-analyze's 2.0 line.
if is_root && command -v systemd-analyze >/dev/null; then
	for port in 8080 443; do
		"$ENVSEAL" policy show | sed "s/listen_port: 8080/listen_port: $port/" >"$P/port$port.yml"
		chmod 0644 "$P/port$port.yml"
		UR=$(mkroot) || exit 1
		"$ENVSEAL" provision --root "$UR" --policy "$P/port$port.yml" >/dev/null 2>&1
		score=$(systemd-analyze security --offline=yes --root="$UR" veza-backend-api.service 2>/dev/null |
			sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
		check "unit for listen_port $port scores $score <= 2.0 (systemd-analyze --offline)" \
			python3 -c 'import sys; sys.exit(not (sys.argv[1] and float(sys.argv[1]) <= 2.0))' "$score"
	done
else
	skip "unit exposure" "needs root and systemd-analyze"
fi
