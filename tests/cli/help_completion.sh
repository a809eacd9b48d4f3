#!/bin/bash
# tests/cli/help_completion.sh — `--help` per command and per vault
# subcommand describes every option that command takes (--output, --name,
# --stdin-name included), each vault subcommand has its own text, every
# option its help names is one the command accepts, and the bash
# completion (completion/envseal) offers exactly the options of the help.
. "$(dirname "$0")/../lib.sh"
use_base

COMPLETION=${COMPLETION:-$TOP/completion/envseal}
CMDS=("render" "provision" "apply" "vault view" "vault decrypt" "vault encrypt"
	"vault encrypt-string" "vault rekey" "vault migrate" "vault reencrypt"
	"audit verify" "audit show" "policy show" "policy lint" "policy sign"
	"verify" "keygen" "credential seal" "rotate")

# The long options a help text describes: the option column of its lines
# ("  --root DIR", "  -i, --identity FILE"; a short-only option such as
# keygen's -y has no long form to complete).
help_opts() {
	sed -n -E 's/^  (-[a-zA-Z], )?(--[a-z-]+).*/\2/p' | sort -u
}

# The candidates completion gives for WORDS... (the last is the current).
complete_words() {
	(
		# shellcheck disable=SC1090
		. "$COMPLETION" || exit 1
		COMP_WORDS=("$@")
		COMP_CWORD=$(($# - 1))
		_envseal
		printf '%s\n' "${COMPREPLY[@]}"
	) | sort -u
}

for c in "${CMDS[@]}"; do
	# shellcheck disable=SC2086
	expect_exit "$c --help: exit 0" 0 "$ENVSEAL" $c --help
	HELP=$OUT
	case "$(printf '%s\n' "$HELP" | head -3)" in *"envseal $c "*) ok "$c --help: its own usage line" ;;
	*) notok "$c --help: its own usage line" "$(printf '%s' "$HELP" | head -1)" ;; esac
	opts=$(printf '%s\n' "$HELP" | help_opts)
	[ -n "$opts" ] || notok "$c --help: lists options"
	# Every option the help names is accepted: it parses, and getopt
	# stops at the unknown word after it (nothing runs).
	bad=
	for o in $opts; do
		[ "$o" = --help ] && continue
		# shellcheck disable=SC2086
		m=$("$ENVSEAL" $c "$o" x --no-such-option 2>&1)
		case "$m" in *"unknown option '$o'"* | *"option '$o' needs"*) bad="$bad $o" ;; esac
	done
	check "$c: every option of its help is accepted${bad:+ (not:$bad)}" [ -z "$bad" ]
	# shellcheck disable=SC2086
	comp=$(complete_words envseal $c --)
	check "$c: completion offers exactly the help's options" [ "$comp" = "$opts" ]
	[ "$comp" = "$opts" ] || diff <(echo "$comp") <(echo "$opts") | head -5
done

# The vault subcommands each describe their own options.
for pair in "vault decrypt:--output" "vault encrypt:--output" "vault encrypt-string:--name" \
	"vault encrypt-string:--stdin-name" "vault rekey:--new-vault-id" "vault rekey:--new-vault-password-file" \
	"vault encrypt:--recipient" "vault encrypt:--age-passphrase" "vault migrate:--recipients-file" \
	"vault view:--identity" "vault reencrypt:--policy" "render:--try-restart" "render:--trusted-key" \
	"audit show:--since" "audit verify:--expect" "verify:--expect-audit" "policy lint:--fail-on"; do
	c=${pair%%:*} o=${pair#*:}
	# shellcheck disable=SC2086
	OUT=$("$ENVSEAL" $c --help 2>&1)
	check "$c --help describes $o" grep -qE "^  (-[a-zA-Z], )?$o ([A-Za-z]|  )" <<<"$OUT"
done
n=$(for s in view decrypt encrypt encrypt-string rekey migrate reencrypt; do "$ENVSEAL" vault $s --help | md5sum; done | sort -u | wc -l)
check "seven vault subcommands, seven help texts" [ "$n" -eq 7 ]
OUT=$("$ENVSEAL" vault view --help)
case "$OUT" in *--output* | *--stdin-name* | *--new-vault-id*) notok "vault view --help: no other subcommand's options" ;;
*) ok "vault view --help: no other subcommand's options" ;; esac

# Completion of commands, subcommands and option values.
check "completion: commands" [ "$(complete_words envseal "")" = "$(printf '%s\n' --help --version apply audit credential keygen policy provision render rotate vault verify | sort -u)" ]
check "completion: 're' completes render" [ "$(complete_words envseal re)" = render ]
check "completion: vault subcommands" [ "$(complete_words envseal vault e)" = "$(printf 'encrypt\nencrypt-string')" ]
check "completion: audit subcommands" [ "$(complete_words envseal audit "")" = "$(printf '%s\n' --help show verify | sort)" ]
mkdir -p "$BASE/c/dir1" && : >"$BASE/c/pol.yml"
check "completion: --policy takes a file" [ "$(complete_words envseal render --policy "$BASE/c/p")" = "$BASE/c/pol.yml" ]
check "completion: --root takes a directory" [ "$(complete_words envseal apply --root "$BASE/c/")" = "$BASE/c/dir1" ]
check "completion: --vault-id takes no file" [ -z "$(complete_words envseal render --vault-id "$BASE/c/")" ]
check "completion: render --ch" [ "$(complete_words envseal render --ch)" = --check ]
check "completion: policy subcommands" [ "$(complete_words envseal policy "")" = "$(printf '%s\n' --help lint show sign | sort)" ]
check "completion: vault subcommands m/r" [ "$(complete_words envseal vault m) $(complete_words envseal vault ree)" = "migrate reencrypt" ]
check "completion: credential seal" [ "$(complete_words envseal credential "")" = "$(printf '%s\n' --help seal | sort)" ]
check "completion: lint --format values" [ "$(complete_words envseal policy lint --format "")" = "$(printf '%s\n' json sarif text)" ]
check "completion: -i takes a file" [ "$(complete_words envseal vault view -i "$BASE/c/p")" = "$BASE/c/pol.yml" ]
# The commands `envseal --help` lists are the ones completion offers, and
# each has a --help of its own (exit 0).
expect_exit "envseal --help" 0 "$ENVSEAL" --help
listed=$(printf '%s\n' "$OUT" | sed -n -E 's/^  ([a-z]+) .*/\1/p' | sort -u)
offered=$(complete_words envseal "" | grep -v '^--')
check "envseal --help lists exactly the commands completion offers" [ "$listed" = "$offered" ]
[ "$listed" = "$offered" ] || diff <(echo "$listed") <(echo "$offered") | head -5
for c in $listed; do
	expect_exit "$c --help: exit 0" 0 "$ENVSEAL" "$c" --help
done
# A missing value is named as such by every parser (cmd_bad_option).
for c in "verify --root" "keygen --output" "policy lint --format" "policy sign --key" "credential seal --name" "audit show --since"; do
	# shellcheck disable=SC2086
	m=$("$ENVSEAL" $c 2>&1)
	case "$m" in *"option '${c##* }' needs a value"*) ok "$c: 'needs a value'" ;;
	*) notok "$c: 'needs a value'" "$(printf '%s' "$m" | tail -1)" ;; esac
done
