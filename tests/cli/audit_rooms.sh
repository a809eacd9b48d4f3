#!/bin/bash
# tests/cli/audit_rooms.sh — issue 10's move 4 stays made: the audit log's
# files in fs/ keep the record walk and the chain check and print nothing
# (`audit verify` and `audit show` word their findings in cmd/, `envseal
# verify` in verify/), and the chain and the name-list hashes are made and
# checked by one SHA-256, crypto/'s es_sha256 (nettle), never libsodium's.
. "$(dirname "$0")/../lib.sh"

# printers FILE... : the lines of FILE that write to a stream.
printers() {
	grep -nE '\b(f?printf|fputs|fputc|putc|puts|fwrite|putchar)\(' "$@"
}
# other_sha FILE... : the lines that call a SHA-256 other than crypto/'s.
other_sha() {
	grep -nE '\bcrypto_hash_sha256(_init|_update|_final)?\(|\bsha256_(init|update|digest)\(' "$@"
}

for f in fs/audit.c fs/auditread.c; do
	check "$f exists" test -f "$TOP/$f"
	out=$(printers "$TOP/$f")
	if [ -z "$out" ]; then ok "$f prints nothing"
	else notok "$f prints nothing" "$(printf '%s' "$out" | head -3)"; fi
done
out=$(other_sha "$TOP"/fs/*.c "$TOP"/verify/*.c)
if [ -z "$out" ]; then ok "fs/ and verify/ hash with crypto/'s SHA-256 only"
else notok "fs/ and verify/ hash with crypto/'s SHA-256 only" "$(printf '%s' "$out" | head -3)"; fi
# The checks can fail: each finds its target in a planted file.
scratch T
printf 'x() { fprintf(out, "y"); crypto_hash_sha256(h, p, n); }\n' >"$T/planted.c"
found() { "$@" >/dev/null; }
check "self-test: a printer is found" found printers "$T/planted.c"
check "self-test: libsodium's SHA-256 is found" found other_sha "$T/planted.c"
exit 0
