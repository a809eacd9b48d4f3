#!/bin/bash
# tests/cli/provision_diff_mask.sh — `provision --diff` masks every password
# field of the passwd family: shadow and gshadow field 2 whatever the line's
# field count, passwd and group field 2 unless it is the "x" placeholder,
# and a line with no ':' whole (no field can be told from a hash). Planted
# hashes sit in the lines the diff shows (context and changed lines), with
# --check and without; each planted string must be absent from the output.
. "$(dirname "$0")/../lib.sh"

is_root || { skip provision_diff_mask "needs root (chown)"; exit 0; }
use_base

# Each hash is distinct, so a leak names the line it came from.
H_PW='$6$saltsalt$PLANTEDPASSWDHASH'
H_PWD='$6$saltsalt$PLANTEDDRIFTHASH'
H_GR='$1$saltsalt$PLANTEDGROUPHASH'
H_SH2='$6$saltsalt$PLANTEDSHADOWTWOFIELDS'
H_SH1='$6$saltsalt$PLANTEDSHADOWNOCOLON'
H_SHL='!$6$saltsalt$PLANTEDSHADOWLOCKED'
H_GS2='$6$saltsalt$PLANTEDGSHADOWTWOFIELDS'
H_GS3='$6$saltsalt$PLANTEDGSHADOWTHREEFIELDS'
ALL="$H_PW $H_PWD $H_GR $H_SH2 $H_SH1 $H_SHL $H_GS2 $H_GS3"

# The planted lines are the last of each file, so that they are context
# (within 3 lines) of the lines provision appends; veza-api's passwd line
# has drifted (gecos), so its old and new lines are both in the diff.
PW="root:x:0:0:root:/root:/bin/bash
alice:$H_PW:1000:1000:Alice:/root:/bin/bash
veza-api:$H_PWD:1001:1001:drifted:/opt/veza/backend-api:/usr/sbin/nologin"
GR="root:x:0:
shadow:x:42:
alice:$H_GR:1000:"
SH="root:*:19000:0:99999:7:::
alice:$H_SH2
$H_SH1
carol:$H_SHL:19000:0:99999:7:::"
GS="root:*::
shadow:*::
alice:$H_GS2
bob:$H_GS3:"

leaks() { # NAME: ok when none of the planted hashes is in $OUT
	local h bad=
	for h in $ALL; do
		case "$OUT" in *"$h"* | *"${h#\$*\$*\$}"*) bad="$bad $h" ;; esac
	done
	if [ -z "$bad" ]; then ok "$1"; else notok "$1" "printed:$bad"; fi
}

for mode in "--check --diff" "--diff"; do
	R=$(mkpwroot "$PW" "$GR" "$SH" "$GS") || exit 1
	# shellcheck disable=SC2086
	expect_exit "provision $mode: exit 0" 0 "$ENVSEAL" provision --root "$R" $mode
	contains "provision $mode: diff of passwd shown" "+++ b/etc/passwd"
	contains "provision $mode: diff of shadow shown" "+++ b/etc/shadow"
	contains "provision $mode: diff of gshadow shown" "+++ b/etc/gshadow"
	contains "provision $mode: diff of group shown" "+++ b/etc/group"
	leaks "provision $mode: no planted hash printed"
	contains "provision $mode: passwd hash masked" " alice:<masked>:1000:1000:Alice:"
	contains "provision $mode: drifted passwd line masked (old)" "-veza-api:<masked>:1001:1001:drifted:"
	contains "provision $mode: drifted passwd line masked (new)" "+veza-api:<masked>:1001:1001:Veza backend API:"
	contains "provision $mode: group hash masked" " alice:<masked>:1000:"
	contains "provision $mode: two-field shadow line masked" " alice:<masked>
"
	contains "provision $mode: shadow line without ':' masked whole" "
 <masked>
"
	contains "provision $mode: locked shadow hash masked" " carol:<masked>:19000:"
	contains "provision $mode: two-field gshadow line masked" " alice:<masked>
"
	contains "provision $mode: three-field gshadow line masked" " bob:<masked>:"
	contains "provision $mode: placeholder x kept" " root:x:0:0:root:"
	case $mode in
	--check*) check "provision $mode: writes no audit log" [ ! -e "$R/var/log/envseal" ] ;;
	*) no_secret "provision $mode: no hash in the audit log" PLANTED "$R/var/log/envseal" ;;
	esac
done
