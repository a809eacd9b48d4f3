#!/bin/bash
# bench/verify.sh — `envseal verify` against an unchanged `envseal render`
# of the same policy on the same root, in one hyperfine run (medians).
# verify needs no key and no PBKDF2; it reads the accounts, stats the
# policy's paths, renders the unit in memory, parses and fingerprints the
# env file and walks the audit log (three times: chain, last record,
# anchor count), so its cost grows with the log; render runs add two
# records each. Run as root, after `make`:
#	bash bench/verify.sh [path/to/envseal] [runs]
# Target (issue 11): verify takes at most half the time of the render.
set -eu
TOP=$(cd "$(dirname "$0")/.." && pwd)
ENVSEAL=${1:-$TOP/build/envseal}
RUNS=${2:-50}
W=$(mktemp -d /tmp/envseal-bench.XXXXXX)
trap 'rm -rf "$W"' EXIT
chmod 0755 "$W"
export ENVSEAL_AUDIT_ROOT=$W/audit
mkdir -p "$ENVSEAL_AUDIT_ROOT"
R=$W/root
mkdir -p "$R/etc" "$R/opt/veza/backend-api"
chmod 0755 "$R" "$R/etc" "$R/opt" "$R/opt/veza"
printf 'root:x:0:0:root:/root:/bin/bash\n' >"$R/etc/passwd"
printf 'root:*:19000:0:99999:7:::\n' >"$R/etc/shadow"
printf 'root:x:0:\n' >"$R/etc/group"
printf 'root:*::\n' >"$R/etc/gshadow"
printf 'bench-Pa55w0rd!\n' >"$W/pw"
chmod 0600 "$W/pw"
printf 'vault_database_url: "postgres://u:bench@db/veza"\nvault_jwt_secret: bench-jwt\n' >"$W/v.yml"
"$ENVSEAL" vault encrypt --vault-password-file "$W/pw" "$W/v.yml" >/dev/null 2>&1
"$ENVSEAL" policy show | sed "s|vault: group_vars/backend_api.vault.yml|vault: $W/v.yml|" >"$W/p.yml"
"$ENVSEAL" apply --root "$R" --policy "$W/p.yml" --vault-password-file "$W/pw" >/dev/null 2>&1
cp /bin/true "$R/opt/veza/backend-api/veza-api"
chmod 0755 "$R/opt/veza/backend-api/veza-api"
"$ENVSEAL" verify --root "$R" --policy "$W/p.yml" >/dev/null

verify="$ENVSEAL verify --root $R --policy $W/p.yml"
render="$ENVSEAL render --root $R --policy $W/p.yml --vault-password-file $W/pw"
hyperfine -N --warmup 3 --runs "$RUNS" --export-json "$W/h.json" \
    -n "envseal verify" "$verify" -n "envseal render (unchanged)" "$render" \
    >"$W/h.txt"
records=$(wc -l <"$R/var/log/envseal/audit.jsonl")

python3 - "$W/h.json" "$records" <<'PY'
import json, sys
rows = {r["command"]: r["median"] * 1000 for r in json.load(open(sys.argv[1]))["results"]}
v, r = rows["envseal verify"], rows["envseal render (unchanged)"]
print("| measurement | median | ratio | target |")
print("|---|---|---|---|")
print(f"| envseal render, unchanged (key, PBKDF2, worker) | {r:.2f} ms | 1 | |")
print(f"| envseal verify (no key), log of {sys.argv[2]} records at the end | {v:.2f} ms | {v/r:.2f} of render | <= 0.50 |")
PY
