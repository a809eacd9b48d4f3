#!/bin/bash
# tests/cli/render_shapes.sh — the value shapes vault/yflat.c reads without
# libyaml (double-quoted escapes, literal and folded block scalars, with
# single-quoted, plain and long values around them), end to end against
# the real peers: ansible-vault encrypts, PyYAML (ansible's reader) says
# what each value is, systemd's parser (the sdenv oracle) reads the env
# file back; and the same document forced through libyaml (one anchor
# makes it not flat) renders to the same variables.
. "$TOP/tests/lib.sh"

is_root || { skip render_shapes "needs root (chown)"; exit 0; }
command -v ansible-vault >/dev/null 2>&1 || { skip render_shapes "ansible-vault not installed"; exit 0; }
python3 -c 'import yaml' 2>/dev/null || { skip render_shapes "python3-yaml not installed"; exit 0; }
[ -x "$SDENV" ] || { skip render_shapes "no sdenv oracle (tests/oracles/build.sh)"; exit 0; }

use_base
W=$BASE
cp "$SDENV" "$W/sdenv"   # a private copy: a concurrent build replaces it
printf 'shapes-pw\n' >"$W/pw"
long=$(printf 'L%.0s' $(seq 3000))
cat >"$W/flat.yml" <<EOF
---
esc_quote: "say \\"hi\\" now"
esc_all: "a\\tb\\\\c\\ d\\e\\"e"
esc_only: "\\\\"
lit: |
  first line: with # and 'quotes'
  second "line"
lit_strip: |-
    deep
    deeper
fold: >
  folded one
  folded two  
fold_strip: >-
 x
 y

single: 'it''s \\n not an escape'
plain: db.internal
long_value: '$long'
# a comment between
short: "k"
EOF
# The same document, not flat: an anchor sends it all to libyaml.
{ cat "$W/flat.yml"; printf 'zz_anchor: &a anchored\n'; } >"$W/walk.yml"
cp "$W/flat.yml" "$W/flat.vault"
cp "$W/walk.yml" "$W/walk.vault"
ansible-vault encrypt --vault-password-file "$W/pw" "$W/flat.vault" "$W/walk.vault" >/dev/null 2>&1 ||
	{ notok "render_shapes ansible-vault encrypts"; exit 0; }

# What ansible reads: NAME=hex(value) per key, upper-cased, sorted.
python3 - "$W/flat.yml" >"$W/want.hex" <<'EOF'
import sys, yaml
d = yaml.safe_load(open(sys.argv[1]))
for k in sorted(d):
    print((k.upper() + "=" + str(d[k])).encode().hex())
EOF

render() { # render NAME: a root, a policy, one render; sdenv's hex out
	local R
	R=$(mkroot etc:0755) || exit 1
	printf 'envseal: 1\nenv_files:\n  - {path: /etc/app.env, vault: %s, owner: root, group: root, mode: "0600"}\n' \
	    "$W/$1.vault" >"$W/$1.policy"
	expect_exit "render_shapes $1 renders" 0 "$ENVSEAL" render --root "$R" \
	    --policy "$W/$1.policy" --vault-password-file "$W/pw"
	"$W/sdenv" "$R/etc/app.env" hex 2>/dev/null | sort >"$W/$1.hex"
}
render flat
render walk
check "render_shapes fast path: systemd reads what ansible reads" \
    cmp -s "$W/want.hex" "$W/flat.hex"
grep -v "^$(printf 'ZZ_ANCHOR=' | od -An -v -tx1 | tr -d ' \n')" "$W/walk.hex" >"$W/walk.less"
check "render_shapes libyaml walk: the same variables" \
    cmp -s "$W/flat.hex" "$W/walk.less"
check "render_shapes every key rendered" \
    test "$(wc -l <"$W/flat.hex")" -eq 11
