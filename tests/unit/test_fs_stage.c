/*
 * tests/unit/test_fs_stage.c — fs/'s staged replaces (fs/fs.h
 * es_user_stage_file, es_stage_commit, es_stage_free), which envseal rotate
 * builds on: a stage leaves the target alone and its temp durable with the
 * target's mode; a commit renames it in; a free without a commit removes
 * it; a target replaced since the stage is not overwritten.
 */
#include "fs/fs.h"
#include "common/envseal.h"
#include "tests/unit/t.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[64];

static void
put(const char *name, const char *text, mode_t mode)
{
	char p[256];
	FILE *f;

	snprintf(p, sizeof p, "%s/%s", dir, name);
	if ((f = fopen(p, "w")) == NULL || fputs(text, f) < 0 || fclose(f))
		abort();
	chmod(p, mode);
}

static int
has(const char *name, const char *text)
{
	char p[256], buf[256];
	FILE *f;
	size_t n;

	snprintf(p, sizeof p, "%s/%s", dir, name);
	if ((f = fopen(p, "r")) == NULL)
		return 0;
	n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	return strcmp(buf, text) == 0;
}

/* The temp files beside the targets: their number, the last one's name. */
static int
temps(char *last, size_t n)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int k = 0;

	while (d != NULL && (e = readdir(d)) != NULL)
		if (strncmp(e->d_name, ".envseal-tmp.", 13) == 0) {
			k++;
			if (last != NULL)
				snprintf(last, n, "%s/%s", dir, e->d_name);
		}
	if (d != NULL)
		closedir(d);
	return k;
}

static ino_t
ino(const char *name)
{
	char p[256];
	struct stat st;

	snprintf(p, sizeof p, "%s/%s", dir, name);
	return stat(p, &st) == 0 ? st.st_ino : 0;
}

static void
test_stage_commit(void)
{
	struct es_stage *s = NULL;
	enum es_action act;
	char p[256], tmp[512];
	struct stat st;
	ino_t before;

	put("v.yml", "old", 0640);
	before = ino("v.yml");
	snprintf(p, sizeof p, "%s/v.yml", dir);
	T_CHECK("stage: ok", es_user_stage_file(p, "new", 3, &s) == 0 &&
	    s != NULL);
	T_CHECK("stage: the target is untouched", has("v.yml", "old") &&
	    ino("v.yml") == before);
	T_CHECK("stage: one temp beside it", temps(tmp, sizeof tmp) == 1);
	T_CHECK("stage: the temp has the target's mode and the new bytes",
	    stat(tmp, &st) == 0 && (st.st_mode & 07777) == 0640 &&
	    st.st_size == 3);
	T_CHECK("commit: ok", es_stage_commit(NULL, s, &act) == 0 &&
	    act == ES_ACT_REPLACED);
	T_CHECK("commit: the new bytes, the mode kept", has("v.yml", "new") &&
	    stat(p, &st) == 0 && (st.st_mode & 07777) == 0640);
	T_CHECK("commit: a new inode, no temp left", ino("v.yml") != before &&
	    temps(NULL, 0) == 0);
	es_stage_free(s);
	T_CHECK("free after commit: the file stays", has("v.yml", "new"));
}

static void
test_stage_free(void)
{
	struct es_stage *s = NULL;
	char p[256];

	put("w.yml", "keep", 0600);
	snprintf(p, sizeof p, "%s/w.yml", dir);
	T_CHECK("stage w: ok", es_user_stage_file(p, "gone", 4, &s) == 0);
	es_stage_free(s);
	T_CHECK("free without commit: the temp goes, the target stays",
	    temps(NULL, 0) == 0 && has("w.yml", "keep"));
	es_stage_free(NULL);
}

static void
test_stage_conflict(void)
{
	struct es_stage *s = NULL;
	enum es_action act;
	char p[256], q[256];

	put("x.yml", "mine", 0600);
	put("other", "theirs", 0600);
	snprintf(p, sizeof p, "%s/x.yml", dir);
	snprintf(q, sizeof q, "%s/other", dir);
	T_CHECK("stage x: ok", es_user_stage_file(p, "rotated", 7, &s) == 0);
	T_CHECK("someone replaces the target", rename(q, p) == 0);
	T_CHECK("commit refuses a target replaced since the stage",
	    es_stage_commit(NULL, s, &act) == ES_ECONFLICT &&
	    act == ES_ACT_REFUSED);
	T_CHECK("their file is left as it is", has("x.yml", "theirs"));
	es_stage_free(s);
	T_CHECK("and the temp goes", temps(NULL, 0) == 0);
}

static void
test_stage_refused(void)
{
	struct es_stage *s = NULL;
	char p[256], l[256];

	snprintf(p, sizeof p, "%s/missing.yml", dir);
	T_CHECK("stage of a missing file fails", es_user_stage_file(p, "x", 1,
	    &s) != 0 && s == NULL);
	put("real", "r", 0600);
	snprintf(l, sizeof l, "%s/real", dir);
	snprintf(p, sizeof p, "%s/link.yml", dir);
	T_CHECK("a symlink", symlink(l, p) == 0);
	T_CHECK("stage of a symlink is refused", es_user_stage_file(p, "x", 1,
	    &s) != 0 && s == NULL && has("real", "r"));
	T_CHECK("no temp after the refusals", temps(NULL, 0) == 0);
}

int
main(void)
{
	snprintf(dir, sizeof dir, "/tmp/envseal-stage.XXXXXX");
	if (mkdtemp(dir) == NULL)
		return 2;
	test_stage_commit();
	test_stage_free();
	test_stage_conflict();
	test_stage_refused();
	{
		char cmd[128];
		snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			return 2;
	}
	return t_done();
}
