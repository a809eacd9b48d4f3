#!/bin/bash
# bench/render.sh — `envseal render` against `ansible-vault decrypt` alone
# (hyperfine, same run, medians), an unchanged rerun, a 10,000-key vault
# against the 10-key one, and peak RSS (/usr/bin/time -v). Run as root:
#	bash bench/render.sh [path/to/envseal]
# Prints a markdown table. Targets (issue #4): replace >= 20x faster than
# ansible-vault decrypt; 10k keys < 3x the 10-key time; peak RSS < 4x the
# vault size + 8 MiB.
set -eu
TOP=$(cd "$(dirname "$0")/.." && pwd)
ENVSEAL=${1:-$TOP/build/envseal}
W=$(mktemp -d /tmp/envseal-bench.XXXXXX)
trap 'rm -rf "$W"' EXIT
chmod 0755 "$W"
R="$W/root"
mkdir -p "$R/etc/veza"
chmod 0755 "$R" "$R/etc" "$R/etc/veza"
printf 'root:x:0:0:root:/root:/bin/bash\n' >"$R/etc/passwd"
printf 'root:x:0:\n' >"$R/etc/group"
T=/etc/veza/backend-api.env
printf 'bench-Pa55w0rd!\n' >"$W/pw"

mkvault() { # mkvault N OUT: N keys of 32 random characters, encrypted
	python3 - "$1" >"$W/plain.yml" <<'EOF'
import secrets, string, sys
alpha = string.ascii_letters + string.digits + "!#$%&()*+,-./:;<=>?@[]^_{|}~ "
for i in range(int(sys.argv[1])):
    v = "".join(secrets.choice(alpha) for _ in range(32)).replace("'", "")
    print("vault_key_%05d: '%s'" % (i, v))
EOF
	ansible-vault encrypt --vault-password-file "$W/pw" --output "$2" \
	    "$W/plain.yml" >/dev/null
	rm -f "$W/plain.yml"
}
mkvault 10 "$W/v10.yml"
mkvault 10000 "$W/v10k.yml"
for n in 10 10k; do
	cat >"$W/p$n.yml" <<EOF
envseal: 1
env_files:
  - {path: $T, vault: $W/v$n.yml, owner: root, group: root, mode: "0600"}
EOF
done
render() { echo "$ENVSEAL render --root $R --policy $W/p$1.yml --vault-password-file $W/pw"; }
# Touch the env file's content before each run, so every run replaces it.
touch_env="printf '# x\\n' >> $R$T"
$(render 10) >/dev/null

hyperfine -N --warmup 3 --runs 30 --export-json "$W/h1.json" \
    --prepare "sh -c \"$touch_env\"" -n "envseal render (replace, 10 keys)" "$(render 10)" \
    -n "ansible-vault decrypt (10 keys)" "ansible-vault decrypt --vault-password-file $W/pw --output - $W/v10.yml" \
    >"$W/h1.txt"
$(render 10) >/dev/null
hyperfine -N --warmup 3 --runs 50 --export-json "$W/h2.json" \
    -n "envseal render (unchanged, 10 keys)" "$(render 10)" >"$W/h2.txt"
$(render 10k) >/dev/null
hyperfine -N --warmup 3 --runs 40 --export-json "$W/h3.json" \
    --prepare "sh -c \"$touch_env\"" -n "envseal render (replace, 10,000 keys)" "$(render 10k)" \
    -n "envseal render (replace, 10 keys) " "$(render 10)" \
    >"$W/h3.txt"
/usr/bin/time -v $(render 10k) 2>"$W/rss.txt" >/dev/null
rss_kb=$(awk -F: '/Maximum resident set size/ {gsub(/ /, "", $2); print $2}' "$W/rss.txt")
vsize=$(stat -c %s "$W/v10k.yml")

python3 - "$W" "$rss_kb" "$vsize" <<'EOF'
import json, sys
w, rss_kb, vsize = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rows = {}
for f in ("h1", "h2", "h3"):
    for r in json.load(open(f"{w}/{f}.json"))["results"]:
        rows[r["command"].strip()] = r["median"] * 1000
rep = rows["envseal render (replace, 10 keys)"]
dec = rows["ansible-vault decrypt (10 keys)"]
unch = rows["envseal render (unchanged, 10 keys)"]
big = rows["envseal render (replace, 10,000 keys)"]
small = rows["envseal render (replace, 10 keys)"]
print("| measurement | median | ratio | target |")
print("|---|---|---|---|")
print(f"| ansible-vault decrypt (10 keys) | {dec:.1f} ms | 1 | |")
print(f"| envseal render, replaces the file (10 keys) | {rep:.1f} ms | {dec/rep:.1f}x faster | >= 20x |")
print(f"| envseal render, unchanged rerun (10 keys) | {unch:.1f} ms | {dec/unch:.1f}x faster | |")
print(f"| envseal render, replaces (10,000 keys, {vsize/1048576:.2f} MiB vault) | {big:.1f} ms | {big/small:.2f}x the 10-key run ({small:.1f} ms, same batch) | < 3x |")
lim = 4 * vsize + 8 * 1048576
print(f"| peak RSS, 10,000 keys (/usr/bin/time -v) | {rss_kb/1024:.1f} MiB | limit {lim/1048576:.1f} MiB | < 4x vault + 8 MiB |")
EOF
