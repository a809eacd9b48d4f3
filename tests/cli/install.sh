#!/bin/bash
# tests/cli/install.sh — `make install` into a DESTDIR puts exactly the
# binary, both man pages, the bash completion, the example policies and
# the docs there; the installed pieces work (the binary runs, the examples
# load and default.yml is the embedded default, the completion completes in
# bash, the man pages render without a warning, envseal.1 has EXAMPLES and
# no alternating macro that runs a sentence together); `make uninstall`
# removes exactly those files and leaves a foreign file alone.
. "$(dirname "$0")/../lib.sh"
use_base
: "${BUILD:=$TOP/build}"

D=$BASE/dest
mkdir -p "$D/usr/bin"
echo foreign >"$D/usr/bin/other-tool"
mk() { make -s -C "$TOP" --no-print-directory BUILD="$BUILD" PREFIX=/usr DESTDIR="$D" "$@"; }

check "make install exits 0" mk install
units=$(cd "$TOP" && ls provision/*.service provision/*.service.in 2>/dev/null | sed 's|^provision/|usr/share/envseal/units/|')
want=$(printf '%s\n' usr/bin/envseal usr/bin/other-tool \
	usr/share/man/man1/envseal.1 usr/share/man/man5/envseal-policy.5 \
	usr/share/bash-completion/completions/envseal \
	usr/share/doc/envseal/README.md usr/share/doc/envseal/SECURITY.md \
	usr/share/doc/envseal/ARCHITECTURE.md usr/share/doc/envseal/CHANGELOG.md \
	usr/share/doc/envseal/LICENSE \
	usr/share/doc/envseal/examples/default.yml usr/share/doc/envseal/examples/full.yml \
	usr/share/doc/envseal/examples/render-only.yml $units | sed '/^$/d' | sort)
got=$(cd "$D" && find . -type f | sed 's|^\./||' | sort)
check "installed files are exactly the list" [ "$got" = "$want" ]
[ "$got" = "$want" ] || diff <(echo "$want") <(echo "$got") | head
check "binary 0755" [ "$(stat -c %a "$D/usr/bin/envseal")" = 755 ]
check "man page 0644" [ "$(stat -c %a "$D/usr/share/man/man5/envseal-policy.5")" = 644 ]

E=$D/usr/bin/envseal
expect_exit "installed binary runs" 0 "$E" --version
contains "installed binary: version" "envseal "
X=$D/usr/share/doc/envseal/examples
for f in default full render-only; do
	expect_exit "example $f.yml loads" 0 "$E" policy show --policy "$X/$f.yml"
done
check "default.yml is the embedded default" \
	[ "$("$E" policy show | tail -n +3)" = "$("$E" policy show --policy "$X/default.yml" | tail -n +3)" ]
# The commented example in envseal-policy(5) is examples/full.yml.
man_ex=$(sed -n '/^A full policy/,/^\.fi/p' "$TOP/man/envseal-policy.5" | sed -n '/^\.ft CR/,/^\.ft$/p' | sed '1d;$d' | sed 's/\\-/-/g')
check "envseal-policy(5)'s example is examples/full.yml" [ "$man_ex" = "$(cat "$TOP/examples/full.yml")" ]

# The installed completion, in a bash that sourced it.
comp() { bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _envseal; printf "%s\n" "${COMPREPLY[@]}"' _ \
	"$D/usr/share/bash-completion/completions/envseal" "$@" | sort | tr '\n' ' '; }
check "completion: envseal pro" [ "$(comp envseal pro)" = "provision " ]
check "completion: envseal vault re" [ "$(comp envseal vault re)" = "reencrypt rekey " ]
check "completion: envseal apply --re" [ "$(comp envseal apply --re)" = "--reload " ]
check "completion: vault encrypt-string --stdin" [ "$(comp envseal vault encrypt-string --stdin)" = "--stdin-name " ]
check "completion: registered for envseal" bash -c '. "$1"; complete -p envseal | grep -q _envseal' _ "$D/usr/share/bash-completion/completions/envseal"

# alt_runs FILE : the .BR/.IR/... lines where two bare words follow each
# other (the macro joins its arguments: ".BR X ). Every file" renders
# "Everyfile"); quoted arguments and punctuation between them are fine.
alt_runs() {
	awk '/^\.(BR|RB|IR|RI|BI|IB) / {
		line = substr($0, 5); n = 0; prev = ""; pq = 1
		while (length(line) > 0) {
			sub(/^ +/, "", line)
			if (line == "") break
			if (substr(line, 1, 1) == "\"") {
				q = 1; i = index(substr(line, 2), "\""); if (i == 0) i = length(line)
				tok = substr(line, 2, i - 1); line = substr(line, i + 2)
			} else {
				q = 0; i = index(line, " "); if (i == 0) i = length(line) + 1
				tok = substr(line, 1, i - 1); line = substr(line, i + 1)
			}
			if (n > 0 && !q && !pq && prev ~ /[A-Za-z0-9]$/ && tok ~ /^[A-Za-z0-9]/) { print NR ": " $0; break }
			prev = tok; pq = q; n++
		}
	}' "$1"
}

# The man pages render without a warning; envseal.1 has EXAMPLES; no
# .BR/.IR/... line carries a sentence (words after the second argument
# run together when rendered).
for m in "$D/usr/share/man/man1/envseal.1" "$D/usr/share/man/man5/envseal-policy.5"; do
	w=$(groff -man -ww -z "$m" 2>&1)
	check "$(basename "$m") renders without warnings" [ -z "$w" ]
	runs=$(alt_runs "$m")
	check "$(basename "$m"): no alternating macro runs words together${runs:+: $runs}" [ -z "$runs" ]
done
check "envseal.1 has EXAMPLES" grep -q '^\.SH EXAMPLES' "$D/usr/share/man/man1/envseal.1"

check "make uninstall exits 0" mk uninstall
left=$(cd "$D" && find . -type f | sed 's|^\./||')
check "uninstall leaves only the foreign file" [ "$left" = usr/bin/other-tool ]
check "uninstall removes our doc and examples dirs" [ ! -e "$D/usr/share/doc/envseal" ]
