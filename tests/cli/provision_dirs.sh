#!/bin/bash
# tests/cli/provision_dirs.sh — hostile objects where provision writes: a
# symlink or a file where a directory belongs, a symlinked /etc/passwd, a
# symlinked unit directory. Each is refused (exit 1) and its target is left
# as it was (tmpfiles only logs and exits 0; envseal fails).
. "$(dirname "$0")/../lib.sh"

is_root || { skip provision_dirs "needs root"; exit 0; }
use_base

VICTIM=$BASE/victim
mkdir -p "$VICTIM"
chmod 0700 "$VICTIM"
echo keep >"$VICTIM/file"
vstate() { stat -c '%a %u:%g %i %Y' "$VICTIM" "$VICTIM/file"; cat "$VICTIM/file"; }
V0=$(vstate)

R=$(mkroot) || exit 1
mkdir -p "$R/var/log"
ln -s "$VICTIM" "$R/var/log/veza"
expect_exit "symlink at a directory: exit 1" 1 "$ENVSEAL" provision --root "$R"
contains "symlink: names the path" "/var/log/veza"
check "symlink: target untouched" [ "$(vstate)" = "$V0" ]
check "symlink: still a symlink" [ -L "$R/var/log/veza" ]

R=$(mkroot) || exit 1
mkdir -p "$R/etc"
echo file >"$R/etc/veza"
expect_exit "file at a directory: exit 1" 1 "$ENVSEAL" provision --root "$R"
contains "file: names the path" "/etc/veza"
check "file: left as it was" [ "$(cat "$R/etc/veza")" = file ]

R=$(mkroot) || exit 1
# Its own victim directory: adding a file to $VICTIM would change the
# mtime that the last check compares.
PWV=$BASE/victim-passwd
mkdir -p "$PWV"
cp "$R/etc/passwd" "$PWV/passwd"
rm "$R/etc/passwd"
ln -s "$PWV/passwd" "$R/etc/passwd"
V1=$(stat -c '%i %Y' "$PWV/passwd"; cat "$PWV/passwd")
expect_exit "symlinked /etc/passwd: exit 1" 1 "$ENVSEAL" provision --root "$R"
contains "symlinked passwd: names it" "/etc/passwd"
check "symlinked passwd: target untouched" [ "$(stat -c '%i %Y' "$PWV/passwd"; cat "$PWV/passwd")" = "$V1" ]

R=$(mkroot) || exit 1
mkdir -p "$R/etc/systemd"
ln -s "$VICTIM" "$R/etc/systemd/system"
expect_exit "symlinked unit dir: exit 1" 1 "$ENVSEAL" provision --root "$R"
check "symlinked unit dir: no unit in the target" [ ! -e "$VICTIM/veza-backend-api.service" ]
check "victim untouched at the end" [ "$(vstate)" = "$V0" ]
