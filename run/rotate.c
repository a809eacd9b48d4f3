/*
 * run/rotate.c — es_rotate_run() (run/rotate.h): decide, re-encrypt and
 * check each vault in the worker, stage every file, journal, commit.
 */
#include "run/rotate.h"
#include "common/envseal.h"
#include "fs/fs.h"
#include "sandbox/worker.h"
#include "vault/age.h"
#include "vault/vault.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define JOURNAL_HEAD "envseal rotate journal 1\n"
/* An absolute path: the cwd and a path of at most ES_PATH_MAX each. */
#define ABS_MAX (2 * ES_PATH_MAX + 2)

/* Per file, while the run lives: the bytes on disk, the new bytes and
 * their stage. Ciphertext only (vault files as on disk are not secret). */
struct work {
	unsigned char *in;
	size_t inlen;
	struct es_sbuf out;
	struct es_stage *stage;
};

/* One journal line as read back. */
struct jline {
	char state[16];
	char before[65], after[65];
	char *path;
};

struct journal {
	int staged;          /* an unfinished run */
	struct jline *l;
	size_t n;
};

const char *
es_rotate_state_name(enum es_rotate_state s)
{
	switch (s) {
	case ES_ROT_ROTATE: return "rotate";
	case ES_ROT_ALREADY: return "already";
	case ES_ROT_FAILED: return "failed";
	default: return "pending";
	}
}

static void
sha_hex(const unsigned char *p, size_t n, char hex[65])
{
	unsigned char d[32];

	es_sha256(p, n, d);
	sodium_bin2hex(hex, 65, d, sizeof d);
}

static int
make_abs(const char *path, char **out)
{
	char cwd[ES_PATH_MAX], buf[ABS_MAX];
	int n;

	if (strchr(path, '\n') != NULL)
		return es_failf(ES_EUSAGE, "a vault path holds a newline; "
		    "refused");
	if (path[0] == '/')
		n = snprintf(buf, sizeof buf, "%s", path);
	else if (getcwd(cwd, sizeof cwd) == NULL)
		return es_failf(-errno, "%s: cannot name the working "
		    "directory: %s", path, strerror(errno));
	else
		n = snprintf(buf, sizeof buf, "%s/%s", cwd, path);
	if (n < 0 || (size_t)n >= sizeof buf)
		return es_failf(ES_ELIMIT, "%s: path too long", path);
	if ((*out = strdup(buf)) == NULL)
		return -ENOMEM;
	return 0;
}

/* --- the worker ------------------------------------------------------------- */

/* The new key alone, and the old keys followed by the new (shallow views
 * of the caller's secrets, never freed here). */
static void
key_list(const struct es_rotate_keys *k, struct es_secrets *all)
{
	size_t i;

	memset(all, 0, sizeof *all);
	for (i = 0; i < k->old->n && all->n < ES_SECRETS_MAX; i++)
		all->v[all->n++] = k->old->v[i];
	if (all->n < ES_SECRETS_MAX)
		all->v[all->n++] = *k->new_secret;
	all->id_match = k->old->id_match;
}

/* The vault as opened goes on record (fs/'s es_audit_vault, as render's
 * and the vault commands'): path, digest, the label of the key that
 * opened it (none when none did); a failure's detail is kept. */
static int
vault_record(struct es_root *root, const struct es_rotate_file *f,
    const struct work *w, const struct es_secrets *all, int used, int r)
{
	char why[ES_ERRDETAIL_MAX];
	int ar;

	/* Whole: both hold ES_ERRDETAIL_MAX bytes. */
	(void)snprintf(why, sizeof why, "%s", es_errdetail());
	ar = es_audit_vault(root, f->path, w->in, w->inlen,
	    es_vault_is_ciphertext(w->in, w->inlen), r == 0 && used >= 0 &&
	    (size_t)used < all->n ? all->v[used].label : NULL);
	if (r != 0)
		return es_failf(r, "%s", why);
	return ar;
}

/*
 * Decide and (unless already) re-encrypt file f, as read into w: one
 * ES_JOB_ROTATE job in the sandboxed worker (sandbox/worker.h) opens it
 * with the old keys then the new, skips it when the new key opened it
 * (an inline file: the new key alone), else rekeys it and opens the result
 * with the new key alone to the same plaintext, compared there (constant
 * time, guarded memory, wiped): a mismatch is ES_EINTEGRITY. The parent
 * gets the new ciphertext and the verdict, never the plaintext.
 */
static int
prepare_one(struct es_root *root, struct es_rotate_file *f, struct work *w,
    const struct es_rotate_keys *k)
{
	struct es_secrets all;
	struct es_job j;
	struct es_job_result res;
	int r;

	key_list(k, &all);
	sha_hex(w->in, w->inlen, f->before);
	if (es_age_is_age(w->in, w->inlen))
		return es_failf(ES_EUSAGE, "%s: an age file: rotate is for "
		    "Ansible Vault (vault reencrypt re-wraps an age file); "
		    "nothing replaced", f->path);
	memset(&j, 0, sizeof j);
	j.op = ES_JOB_ROTATE;
	j.input_name = f->path;
	j.input = w->in;
	j.input_len = w->inlen;
	j.secrets = &all;
	j.new_secret = k->new_secret;
	j.new_label = k->new_label;
	/* The worker cannot reach getrandom(): it inherits a fresh seed. */
	if ((r = es_salt_seed()) != 0)
		return r;
	r = es_worker_run(&j, &res);
	if ((r = vault_record(root, f, w, &all, r == 0 ? res.used : -1, r))
	    != 0) {
		es_job_result_free(&res);
		return r;
	}
	if (res.nencrypted == ES_JROT_ALREADY) {
		f->state = ES_ROT_ALREADY;
		memcpy(f->after, f->before, sizeof f->after);
	} else {
		f->state = ES_ROT_ROTATE;
		w->out = res.out;   /* transferred */
		memset(&res.out, 0, sizeof res.out);
		sha_hex(w->out.p, w->out.len, f->after);
	}
	es_job_result_free(&res);
	return 0;
}

/* --- the journal ---------------------------------------------------------- */

static void
journal_free(struct journal *j)
{
	size_t i;

	for (i = 0; i < j->n; i++)
		free(j->l[i].path);
	free(j->l);
	memset(j, 0, sizeof *j);
}

/* One "file STATE BEFORE AFTER PATH" line (NUL-terminated, no newline). */
static int
journal_line(char *s, struct jline *l)
{
	char *p;

	if (strncmp(s, "file ", 5) != 0)
		return -1;
	s += 5;
	if ((p = strchr(s, ' ')) == NULL || (size_t)(p - s) >= sizeof l->state)
		return -1;
	memcpy(l->state, s, (size_t)(p - s));
	l->state[p - s] = '\0';
	s = p + 1;
	if (strlen(s) < 130 || s[64] != ' ' || s[129] != ' ')
		return -1;
	memcpy(l->before, s, 64);
	l->before[64] = '\0';
	memcpy(l->after, s + 65, 64);
	l->after[64] = '\0';
	if (s[130] != '/' || (l->path = strdup(s + 130)) == NULL)
		return -1;
	return 0;
}

static int
journal_parse(char *buf, struct journal *j)
{
	char *line, *next;
	size_t cap = 0;

	if (strncmp(buf, JOURNAL_HEAD, strlen(JOURNAL_HEAD)) != 0)
		return -1;
	line = buf + strlen(JOURNAL_HEAD);
	if (strncmp(line, "state staged\n", 13) == 0)
		j->staged = 1;
	else if (strncmp(line, "state done\n", 11) != 0)
		return -1;
	line = strchr(line, '\n') + 1;
	for (; *line != '\0'; line = next + 1) {
		if ((next = strchr(line, '\n')) == NULL)
			return -1;
		*next = '\0';
		if (j->n == cap) {
			struct jline *nl;
			cap = cap ? 2 * cap : 16;
			if (cap > ES_ROTATE_MAX_FILES ||
			    (nl = realloc(j->l, cap * sizeof *nl)) == NULL)
				return -1;
			j->l = nl;
		}
		memset(&j->l[j->n], 0, sizeof j->l[j->n]);
		if (journal_line(line, &j->l[j->n]) != 0)
			return -1;
		j->n++;
	}
	return 0;
}

/* The journal under root, or an empty one; ES_EUNSAFE when someone else
 * could have written it, ES_EINTEGRITY when it does not parse. */
static int
journal_read(struct es_root *root, struct journal *j)
{
	unsigned char *buf = NULL;
	size_t len;
	struct stat st;
	int exists, r;

	memset(j, 0, sizeof *j);
	if ((r = es_read_file(root, ES_ROTATE_JOURNAL, ES_ROTATE_JOURNAL_MAX,
	    &buf, &len, &st, &exists)) != 0 || !exists)
		goto out;
	if (st.st_uid != geteuid() || (st.st_mode & 077) != 0) {
		r = es_failf(ES_EUNSAFE, "%s: not the caller's 0600 file; "
		    "refused", ES_ROTATE_JOURNAL);
		goto out;
	}
	if (journal_parse((char *)buf, j) != 0) {
		journal_free(j);
		r = es_failf(ES_EINTEGRITY, "%s: not a rotation journal "
		    "(remove it if no rotation is unfinished); nothing replaced",
		    ES_ROTATE_JOURNAL);
	}
out:
	free(buf);
	return r;
}

static const struct jline *
journal_find(const struct journal *j, const char *abs)
{
	size_t i;

	for (i = 0; i < j->n; i++)
		if (strcmp(j->l[i].path, abs) == 0)
			return &j->l[i];
	return NULL;
}

/* An unfinished journal must be this run's: the same files, each holding
 * the ciphertext it had or the one it was given. */
static int
journal_match(const struct journal *j, struct es_rotate *rot,
    struct work *w)
{
	const struct jline *l;
	char now[65];
	size_t i;

	if (!j->staged)
		return 0;
	if (j->n != rot->n)
		return es_failf(ES_EINTEGRITY, "%s: an unfinished rotation of "
		    "%zu files, not these %zu: run it again with the same "
		    "files (or remove the journal); nothing replaced",
		    ES_ROTATE_JOURNAL, j->n, rot->n);
	for (i = 0; i < rot->n; i++) {
		if ((l = journal_find(j, rot->f[i].abs)) == NULL) {
			rot->failed = (long)i;
			return es_failf(ES_EINTEGRITY, "%s: not in the "
			    "unfinished rotation of %s: run it again with the "
			    "same files; nothing replaced", rot->f[i].path,
			    ES_ROTATE_JOURNAL);
		}
		sha_hex(w[i].in, w[i].inlen, now);
		if (strcmp(now, l->before) != 0 && strcmp(now, l->after) != 0) {
			rot->failed = (long)i;
			return es_failf(ES_EINTEGRITY, "%s: changed since the "
			    "unfinished rotation (neither the ciphertext it had "
			    "nor the one it was given, %s); nothing replaced",
			    rot->f[i].path, ES_ROTATE_JOURNAL);
		}
	}
	rot->resumed = 1;
	return 0;
}

static const char *
line_state(const struct es_rotate_file *f, int done)
{
	if (f->state == ES_ROT_ALREADY)
		return "already";
	return done ? "done" : "rotate";
}

/* Write the journal through fs/ (temp, fsync, rename, fsync dir). */
static int
journal_write(struct es_root *root, const struct es_rotate *rot, int done)
{
	struct es_sbuf b = { 0 };
	struct es_file_spec spec;
	enum es_action act;
	char line[ABS_MAX + 200];
	size_t i;
	int r, n;

	if ((r = es_sbuf_append(&b, JOURNAL_HEAD, strlen(JOURNAL_HEAD))) != 0)
		goto out;
	n = snprintf(line, sizeof line, "state %s\n", done ? "done" : "staged");
	if ((r = es_sbuf_append(&b, line, (size_t)n)) != 0)
		goto out;
	for (i = 0; i < rot->n; i++) {
		const struct es_rotate_file *f = &rot->f[i];
		n = snprintf(line, sizeof line, "file %s %s %s %s\n",
		    line_state(f, done), f->before, f->after, f->abs);
		if (n < 0 || (size_t)n >= sizeof line)
			BUG("journal line longer than a path and two hashes");
		if ((r = es_sbuf_append(&b, line, (size_t)n)) != 0)
			goto out;
	}
	memset(&spec, 0, sizeof spec);
	spec.path = ES_ROTATE_JOURNAL;
	spec.uid = geteuid();
	spec.gid = getegid();
	spec.mode = 0600;
	spec.data = b.p;
	spec.len = b.len;
	/* envseal's own state, as the run lock: the vaults it names are
	 * audited, the journal is not. */
	spec.flags = ES_W_TRUSTED | ES_W_NOAUDIT;
	r = es_write_file(root, &spec, &act);
out:
	es_sbuf_free(&b);
	return r;
}

/* --- the run -------------------------------------------------------------- */

static void
work_free(struct work *w, size_t n)
{
	size_t i;

	for (i = 0; w != NULL && i < n; i++) {
		free(w[i].in);
		es_sbuf_free(&w[i].out);
		es_stage_free(w[i].stage);
	}
	free(w);
}

static int
fail_at(struct es_rotate *rot, size_t i, int r)
{
	rot->failed = (long)i;
	rot->f[i].state = ES_ROT_FAILED;
	return r;
}

static int
rot_alloc(struct es_rotate *rot, const char *const *paths, size_t n)
{
	size_t i;
	int r;

	memset(rot, 0, sizeof *rot);
	rot->failed = -1;
	if (n == 0)
		return es_failf(ES_EUSAGE, "no vault to rotate");
	if (n > ES_ROTATE_MAX_FILES)
		return es_failf(ES_ELIMIT, "more than %d vaults in one "
		    "rotation", ES_ROTATE_MAX_FILES);
	if ((rot->f = calloc(n, sizeof *rot->f)) == NULL)
		return -ENOMEM;
	rot->n = n;
	for (i = 0; i < n; i++) {
		rot->f[i].path = paths[i];
		if ((r = make_abs(paths[i], &rot->f[i].abs)) != 0)
			return fail_at(rot, i, r);
	}
	for (i = 0; i < n; i++)
		for (size_t j = 0; j < i; j++)
			if (strcmp(rot->f[i].abs, rot->f[j].abs) == 0)
				return fail_at(rot, i, es_failf(ES_EUSAGE,
				    "%s: named twice", paths[i]));
	return 0;
}

/* The file still holds the ciphertext it was decided on: the staging of
 * many files takes time, and an edit meanwhile must not be lost under the
 * rename (the commit checks the inode; this, the bytes). */
static int
still_before(const struct es_rotate_file *f)
{
	unsigned char *buf = NULL;
	size_t len;
	char now[65];
	int r;

	if ((r = es_user_read_file(f->path, ES_VAULT_MAX, &buf, &len)) != 0)
		return r;
	sha_hex(buf, len, now);
	free(buf);
	if (strcmp(now, f->before) != 0)
		return es_failf(ES_ECONFLICT, "%s: changed while the rotation "
		    "ran; not replaced (run it again)", f->path);
	return 0;
}

/* Steps 3 to 6 of run/rotate.h. */
static int
commit_all(struct es_root *root, struct es_rotate *rot, struct work *w)
{
	enum es_action act;
	size_t i;
	int r;

	for (i = 0; i < rot->n; i++)
		if (rot->f[i].state == ES_ROT_ROTATE &&
		    (r = es_user_stage_file(rot->f[i].path, w[i].out.p,
		    w[i].out.len, &w[i].stage)) != 0)
			return fail_at(rot, i, r);
	if ((r = journal_write(root, rot, 0)) != 0)
		return r;
	for (i = 0; i < rot->n; i++) {
		if (w[i].stage == NULL)
			continue;
		if ((r = still_before(&rot->f[i])) != 0 ||
		    (r = es_stage_commit(root, w[i].stage, &act)) != 0)
			return fail_at(rot, i, r);
		rot->f[i].replaced = 1;
	}
	return journal_write(root, rot, 1);
}

int
es_rotate_run(struct es_root *root, const char *const *paths, size_t n,
    const struct es_rotate_keys *keys, struct es_rotate *rot)
{
	struct journal j;
	struct work *w = NULL;
	size_t i;
	int r;

	BUG_ON(root == NULL || keys == NULL || keys->old == NULL ||
	    keys->new_secret == NULL);
	memset(&j, 0, sizeof j);
	if ((r = rot_alloc(rot, paths, n)) != 0)
		goto out;
	if ((w = calloc(n, sizeof *w)) == NULL) {
		r = -ENOMEM;
		goto out;
	}
	if ((r = journal_read(root, &j)) != 0)
		goto out;
	for (i = 0; i < n; i++)
		if ((r = es_user_read_file(paths[i], ES_VAULT_MAX, &w[i].in,
		    &w[i].inlen)) != 0) {
			r = fail_at(rot, i, r);
			goto out;
		}
	if ((r = journal_match(&j, rot, w)) != 0)
		goto out;
	for (i = 0; i < n; i++) {
		if ((r = prepare_one(root, &rot->f[i], &w[i], keys)) != 0) {
			r = fail_at(rot, i, r);
			goto out;
		}
	}
	if (!es_root_checking(root))
		r = commit_all(root, rot, w);
out:
	journal_free(&j);
	work_free(w, n);
	return r;
}

void
es_rotate_free(struct es_rotate *rot)
{
	size_t i;

	for (i = 0; rot->f != NULL && i < rot->n; i++)
		free(rot->f[i].abs);
	free(rot->f);
	memset(rot, 0, sizeof *rot);
	rot->failed = -1;
}
