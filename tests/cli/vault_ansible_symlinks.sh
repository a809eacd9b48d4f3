#!/bin/bash
# tests/cli/vault_ansible_symlinks.sh — issue 15, symlinks on the read
# side: a vault or password file reached through a symlink (a symlinked
# group_vars, a chain, a relative link) is read as ansible-vault 2.14
# reads it, the trusted-input rule judging each link and the file it
# resolves to; a dangling link fails on both; writes never go through a
# symlink (a documented difference: ansible replaces the link with a
# regular file). Side by side with the real ansible-vault (avbatch.py).
. "$TOP/tests/lib.sh"
av_fixture
mkdir -p "$F/shared/group_vars" "$F/inv"
cp "$F/v.yml" "$F/shared/group_vars/all.yml"
cp "$F/pw" "$F/shared/pw"
ln -s ../shared/group_vars "$F/inv/group_vars"
ln -s v.yml "$F/lv.yml"
ln -s lv.yml "$F/llv.yml"
ln -s shared/pw "$F/lpw"
ln -s nowhere "$F/dangling"
cp "$F/v.yml" "$F/ww.yml"; chmod 0666 "$F/ww.yml"; ln -s ww.yml "$F/lww.yml"
cat >"$S/cases" <<'EOF'
{"id":"view a symlinked vault","args":["view","--vault-password-file","pw","lv.yml"],"cmp":["rc","out"]}
{"id":"view through a chain of two links","args":["view","--vault-password-file","pw","llv.yml"],"cmp":["rc","out"]}
{"id":"view through a symlinked group_vars","args":["view","--vault-password-file","pw","inv/group_vars/all.yml"],"cmp":["rc","out"]}
{"id":"a symlinked password file","args":["view","--vault-password-file","lpw","v.yml"],"cmp":["rc","out"]}
{"id":"--vault-id LABEL@symlinked file","args":["view","--vault-id","dev@lpw","lv.yml"],"cmp":["rc","out"]}
{"id":"decrypt --output - of a symlinked vault","args":["decrypt","--vault-password-file","lpw","--output","-","inv/group_vars/all.yml"],"cmp":["rc","out"]}
{"id":"rekey reads through a link to a password file","args":["rekey","--vault-password-file","lpw","--new-vault-password-file","lpw","v.yml"],"cmp":["rc","out"]}
{"id":"a dangling link: both fail","args":["view","--vault-password-file","pw","dangling"],"cmp":["rc"]}
{"id":"a dangling password link: both fail","args":["view","--vault-password-file","dangling","v.yml"],"cmp":["rc"]}
{"id":"a link to a world-writable vault","args":["view","--vault-password-file","pw","lww.yml"],"mode":"A","why":"the trusted-input rule judges the file a link resolves to","rc":[0,1]}
{"id":"decrypt in place through a link","args":["decrypt","--vault-password-file","pw","lv.yml"],"mode":"A","why":"no write through a symlink; ansible replaces the link with a regular file","rc":[0,1]}
EOF
av_batch "$S/cases"
