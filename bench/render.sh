#!/bin/bash
# bench/render.sh — `envseal render` as a ratio to bench/limit (the
# one-process physical limit of a render: read, unhex, one PBKDF2, HMAC,
# AES-CTR, the env bytes, an atomic write), the limit in the same
# hyperfine batch as every render; an unchanged rerun and its fsyncs
# (strace -c); a 10,000-key vault against the 10-key one; peak RSS
# (/usr/bin/time -v). Run as root:
#	bash bench/render.sh [path/to/envseal] [path/to/limit]
#	BEFORE=path/to/older/envseal bash bench/render.sh   # adds both builds, one batch
# The vaults are not of one tuned shape: every one mixes double-quoted
# values with escapes (\" \\ \t, 40% of lines), single-quoted ones with '',
# plain ones, long values (1-4 KiB, 1 line in 100) and short keys; the
# "block" vault adds literal and folded block scalars (1 key in 10).
# Prints a markdown table. Targets (issue #10): 10 keys <= 1.2x the limit;
# 10,000 keys < 2x the 10-key render; an unchanged rerun at most one fsync;
# peak RSS no higher than before.
set -eu
TOP=$(cd "$(dirname "$0")/.." && pwd)
ENVSEAL=${1:-$TOP/build/envseal}
LIMIT=${2:-$TOP/build/bench/limit}
RUNS=${RUNS:-40}
[ -x "$LIMIT" ] || make -C "$TOP" --no-print-directory build/bench/limit >/dev/null
W=$(mktemp -d /tmp/envseal-bench.XXXXXX)
trap 'rm -rf "$W"' EXIT
chmod 0755 "$W"
printf 'bench-Pa55w0rd!\n' >"$W/pw"

mkvault() { # mkvault N SHAPE OUT: N keys, encrypted by ansible-vault
	python3 - "$1" "$2" >"$W/plain.yml" <<'EOF'
import random, string, sys
n, shape = int(sys.argv[1]), sys.argv[2]
rnd = random.Random(n * 7 + len(shape))
alpha = string.ascii_letters + string.digits + "!#$%&()*+,-./:;<=>?@[]^_{|}~ "
def text(k):
    return "".join(rnd.choice(alpha) for _ in range(k))
for i in range(n):
    key = "k%d" % i if i % 3 == 0 else "vault_key_%05d" % i
    r = rnd.random()
    if i % 100 == 7:
        print("%s: '%s'" % (key, text(rnd.randint(1024, 4096)).replace("'", "''")))
    elif shape == "block" and i % 10 == 3:
        print("%s: %s" % (key, rnd.choice(["|", "|-", ">"])))
        for _ in range(rnd.randint(1, 3)):
            print("  " + text(rnd.randint(8, 40)).strip())
    elif r < 0.4:
        v = text(rnd.randint(8, 40))
        v = v[:5] + '\\"' + v[5:12] + "\\\\" + v[12:] + '\\"'
        if rnd.random() < 0.2:
            v += "\\t"
        print('%s: "%s"' % (key, v))
    elif r < 0.7:
        print("%s: '%s'" % (key, text(rnd.randint(8, 40)).replace("'", "''")))
    elif r < 0.85:
        print("%s: %s" % (key, rnd.choice(["8080", "true", "db.internal",
            "user@example.org", "a-b_c.d"])))
    else:
        print('%s: "%s"' % (key, text(rnd.randint(8, 40)).replace('"', "").replace("\\", "")))
EOF
	ansible-vault encrypt --vault-password-file "$W/pw" --output "$3" \
	    "$W/plain.yml" >/dev/null
	rm -f "$W/plain.yml"
}
mkroot() { # mkroot NAME SIZE SHAPE: a root, a vault and a policy
	local R="$W/$1"
	mkdir -p "$R/etc"
	chmod 0755 "$R" "$R/etc"
	printf 'root:x:0:0:root:/root:/bin/bash\n' >"$R/etc/passwd"
	printf 'root:x:0:\n' >"$R/etc/group"
	mkvault "$2" "$3" "$W/$1.vault"
	printf 'envseal: 1\nenv_files:\n  - {path: /etc/app.env, vault: %s, owner: root, group: root, mode: "0600"}\n' \
	    "$W/$1.vault" >"$W/$1.policy"
	# The limit writes its own copy, next to the render's.
	mkdir -p "$W/lim-$1"
}
mkroot r10 10 mixed
mkroot r10k 10000 mixed
mkroot b10k 10000 block
render() { echo "${2:-$ENVSEAL} render --root $W/$1 --policy $W/$1.policy --vault-password-file $W/pw"; }
limit() { echo "$LIMIT $W/$1.vault $W/pw $W/lim-$1/app.env"; }
# Change the env file's content before each run, so every run replaces it.
touch_env() { echo "sh -c \"printf '# x\\\\n' >> $W/$1/etc/app.env\""; }
for r in r10 r10k b10k; do $(render $r) >/dev/null; done

hf() { # hf NAME ARGS...: one hyperfine batch, its JSON in $W/NAME.json
	local name=$1
	shift
	hyperfine -N --warmup 3 --runs "$RUNS" --export-json "$W/$name.json" "$@" \
	    >/dev/null
}
hf h1 -n "limit 10" "$(limit r10)" \
    --prepare "$(touch_env r10)" -n "replace 10" "$(render r10)"
hf h2 -n "limit 10" "$(limit r10)" -n "unchanged 10" "$(render r10)"
hf h3 --prepare true -n "limit 10" "$(limit r10)" \
    --prepare true -n "limit 10k" "$(limit r10k)" \
    --prepare "$(touch_env r10)" -n "replace 10" "$(render r10)" \
    --prepare "$(touch_env r10k)" -n "replace 10k" "$(render r10k)" \
    --prepare "$(touch_env b10k)" -n "replace 10k block" "$(render b10k)"
# BEFORE=path/to/an/older/envseal: both builds in one batch, each on roots
# of its own (o-NAME for the older one) rendering the same vaults.
if [ -n "${BEFORE:-}" ]; then
	args=()
	for r in r10 r10k b10k; do
		mkdir -p "$W/o-$r/etc"
		chmod 0755 "$W/o-$r" "$W/o-$r/etc"
		cp "$W/$r/etc/passwd" "$W/$r/etc/group" "$W/o-$r/etc/"
		cp "$W/$r.policy" "$W/o-$r.policy"   # the same vault
		$(render "o-$r" "$BEFORE") >/dev/null
		args+=(--prepare "$(touch_env "o-$r")" -n "before $r" "$(render "o-$r" "$BEFORE")"
		    --prepare "$(touch_env "$r")" -n "after $r" "$(render "$r")")
	done
	hf h4 "${args[@]}"
	/usr/bin/time -v $(render o-r10k "$BEFORE") 2>"$W/rss0.txt" >/dev/null
fi
# fsyncs of one unchanged rerun, the worker's and the writer's together.
$(render r10) >/dev/null
strace -f -c -o "$W/strace.txt" -e trace=fsync,fdatasync,sync_file_range \
    $(render r10) >/dev/null
fsyncs=$(awk '$NF ~ /^(fsync|fdatasync|sync_file_range)$/ { n += $4 } END { print n + 0 }' "$W/strace.txt")
/usr/bin/time -v $(render r10k) 2>"$W/rss.txt" >/dev/null
rss_kb=$(awk -F: '/Maximum resident set size/ {gsub(/ /, "", $2); print $2}' "$W/rss.txt")
vsize=$(stat -c %s "$W/r10k.vault")

python3 - "$W" "$rss_kb" "$vsize" "$fsyncs" <<'EOF'
import json, sys
w, rss_kb, vsize, fsyncs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
def batch(f):
    # wall: the median; CPU: user + system (the worker's too: it is
    # reaped by envseal, so its rusage is in envseal's), means.
    return {r["command"]: (r["median"] * 1000, (r["user"] + r["system"]) * 1000)
            for r in json.load(open(f"{w}/{f}.json"))["results"]}
h1, h2, h3 = batch("h1"), batch("h2"), batch("h3")
def row(what, b, name, ref, refname, target):
    (t, c), (rt, rc) = b[name], b[ref]
    print(f"| {what} | {t:.2f} ms | {t/rt:.2f}x {refname} ({rt:.2f} ms) | {c:.2f} ms | {c/rc:.2f}x ({rc:.2f} ms) | {target} |")
print("| measurement | wall, median | wall ratio | CPU (user+sys) | CPU ratio | target |")
print("|---|---|---|---|---|---|")
row("render, replaces the file (10 keys)", h1, "replace 10", "limit 10", "the limit", "<= 1.2x the limit")
row("render, unchanged rerun (10 keys)", h2, "unchanged 10", "limit 10", "the limit", f"<= 1 fsync: {fsyncs} (strace -f -c)")
row(f"render, replaces (10,000 keys, {vsize/1048576:.2f} MiB vault)", h3, "replace 10k", "replace 10", "the 10-key render", "< 2x the 10-key render")
row("render, replaces (10,000 keys, 1 in 10 a block scalar)", h3, "replace 10k block", "replace 10", "the 10-key render", "< 2x the 10-key render")
row("bench/limit (10 keys), same batch", h3, "limit 10", "replace 10", "the 10-key render", "")
row("bench/limit (10,000 keys), same batch", h3, "limit 10k", "limit 10", "the limit's 10 keys", "the scale of the work itself")
row("render, replaces (10,000 keys), to the limit's own 10,000", h3, "replace 10k", "limit 10k", "the limit (10,000 keys)", "")
print(f"| peak RSS, render of 10,000 keys (/usr/bin/time -v) | {rss_kb/1024:.1f} MiB | | | | no higher than before |")
EOF
[ -n "${BEFORE:-}" ] || exit 0
rss0_kb=$(awk -F: '/Maximum resident set size/ {gsub(/ /, "", $2); print $2}' "$W/rss0.txt")
python3 - "$W" "$rss0_kb" "$rss_kb" <<'EOF'
import json, sys
w, rss0, rss1 = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
b = {r["command"]: (r["median"] * 1000, (r["user"] + r["system"]) * 1000)
     for r in json.load(open(f"{w}/h4.json"))["results"]}
print()
print("| replace, same batch | before: wall | after: wall | before: CPU | after: CPU |")
print("|---|---|---|---|---|")
for r, what in (("r10", "10 keys"), ("r10k", "10,000 keys"), ("b10k", "10,000 keys, block scalars")):
    (t0, c0), (t1, c1) = b[f"before {r}"], b[f"after {r}"]
    print(f"| {what} | {t0:.2f} ms | {t1:.2f} ms ({t1/t0:.2f}x) | {c0:.2f} ms | {c1:.2f} ms ({c1/c0:.2f}x) |")
for r in ("r10k", "b10k"):
    print(f"| {r} / r10 ratio | {b['before '+r][0]/b['before r10'][0]:.2f}x | {b['after '+r][0]/b['after r10'][0]:.2f}x | {b['before '+r][1]/b['before r10'][1]:.2f}x | {b['after '+r][1]/b['after r10'][1]:.2f}x |")
print(f"| peak RSS, 10,000 keys | {rss0/1024:.1f} MiB | {rss1/1024:.1f} MiB | | |")
EOF
