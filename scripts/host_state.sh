#!/bin/sh
# scripts/host_state.sh — prints the state of the host's envseal
# directories (/var/log/envseal, /var/lib/envseal): each entry's name,
# mode, owner, size and mtime (ls, full ISO times) and each file's sha256,
# or "absent". tests/run.sh and scripts/demo.sh compare it before and after
# so that a test or the demo that writes the host's audit log is caught.
set -u
for d in /var/log/envseal /var/lib/envseal; do
	if [ -e "$d" ] || [ -L "$d" ]; then
		echo "== $d"
		# The directory itself and everything beneath it; never "..",
		# whose times change whenever anything else is made in /var/lib.
		find "$d" -exec ls -ld --time-style=full-iso {} + 2>&1 | sort -k9
		find "$d" -type f -exec sha256sum {} + 2>&1 | sort
	else
		echo "== $d absent"
	fi
done
