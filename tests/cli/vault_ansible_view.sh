#!/bin/bash
# tests/cli/vault_ansible_view.sh — issue 15, `view` prints what
# ansible-vault 2.14's pager-less view prints (the plaintext as text:
# each byte that is not part of valid UTF-8 as '?', and a final newline
# when there is none), while `decrypt` stays byte-exact; side by side
# with the real ansible-vault (tests/tools/avbatch.py).
. "$TOP/tests/lib.sh"
av_fixture
i=0
for p in 'abc' '' 'a\r\nb' 'two\n\n' 'caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\n' \
	'a\xff\xfeb\n' '\xe2\x82\xe2\x82\xac' '\xc0\xaf|\xed\xa0\x80|\xf4\x90\x80\x80|\xe2\x82' \
	'\x80\xbf' 'x\x00y' '\xf0\x9f\x98' 'end\xc3'; do
	i=$((i + 1))
	printf "$p" >"$F/t$i"
	"$ENVSEAL" vault encrypt --vault-password-file "$F/pw" "$F/t$i" 2>/dev/null || exit 1
done
{
	for n in $(seq 1 "$i"); do
		printf '{"id":"view t%s","args":["view","--vault-password-file","pw","t%s"],"cmp":["rc","out"]}\n' "$n" "$n"
		printf '{"id":"decrypt --output - t%s stays byte-exact","args":["decrypt","--vault-password-file","pw","--output","-","t%s"],"cmp":["rc","out"]}\n' "$n" "$n"
	done
	echo '{"id":"view of two files","args":["view","--vault-password-file","pw","t1","t6"],"cmp":["rc","out"]}'
	echo '{"id":"view - (stdin)","args":["view","--vault-password-file","pw","-"],"stdin_file":"t1","cmp":["rc","out"]}'
} >"$S/cases"
av_batch "$S/cases"
