# tests/cli/fs_user.sh — working-tree files (es_user_write_file, used by
# `envseal vault`): owner and mode of an existing file kept, new files
# 0600, the last component never a symlink, the directory writable by no
# other user; same replace rules; optional audit record.
. "$TOP/tests/lib.sh"
. "$TOP/tests/tools/fslib.sh"

W="$FS_AREA/tree"
mkdir -p "$W"
chmod 0755 "$W"

expect_exit "user: new file" 0 "$FSW" --user --data 'v1' "$W/new.vault.yml"
contains "user: new file created" "created"
check "user: new file 0600 by the caller" test "$(statof "$W/new.vault.yml")" = "0:0 600 2"

printf 'old' >"$W/kept.yml"
chown 1:1 "$W/kept.yml"
chmod 0640 "$W/kept.yml"
expect_exit "user: rewrite" 0 "$FSW" --user --data 'new!' "$W/kept.yml"
contains "user: rewrite replaced" "replaced"
check "user: owner and mode kept" test "$(statof "$W/kept.yml")" = "1:1 640 4"
expect_exit "user: rewrite same" 0 "$FSW" --user --data 'new!' "$W/kept.yml"
contains "user: same content unchanged" "unchanged"

# Relative path from the working directory.
(cd "$W" && "$FSW" --user --data 'rel' rel.yml >/dev/null)
check "user: relative path" test "$(cat "$W/rel.yml")" = "rel"

printf 'victim\n' >"$FS_AREA/victim"
ln -s "$FS_AREA/victim" "$W/link.yml"
expect_exit "user: symlink refused" 1 "$FSW" --user --data 'x' "$W/link.yml"
contains "user: symlink named" "symlink"
check "user: symlink victim untouched" grep -qx victim "$FS_AREA/victim"

mkdir -p "$FS_AREA/gw"
chmod 0775 "$FS_AREA/gw"
expect_exit "user: group-writable directory refused" 1 "$FSW" --user --data 'x' "$FS_AREA/gw/a.yml"
mkdir -p "$FS_AREA/other"
chown 4321 "$FS_AREA/other"
chmod 0755 "$FS_AREA/other"
expect_exit "user: directory of another user refused" 1 "$FSW" --user --data 'x' "$FS_AREA/other/a.yml"
contains "user: names the owner" "uid 4321"
check "user: no strays" test -z "$(strays "$FS_AREA")"

# With an audit root: one record, no content.
R=$(newroot)
"$FSW" --user --root "$R" --audit vault --data 'ENC' "$W/new.vault.yml" >/dev/null
check "user: audited" grep -q "\"path\":\"$W/new.vault.yml\",\"action\":\"replaced\"" "$R/var/log/envseal/audit.jsonl"
