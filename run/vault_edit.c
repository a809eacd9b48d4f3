/*
 * run/vault_edit.c — the runs of `envseal vault set`, `unset`, `edit` and
 * `create` (run/vault.h): the vault read through fs/, decrypted, changed
 * and sealed again in the sandboxed worker (sandbox/worker.h), the
 * plaintext of an edit only in a private tmpfs scratch directory (fs/fs.h
 * Scratch) while $EDITOR runs, the result written through fs/ when it
 * changed and the file still holds what was read. Never parses decrypted
 * content; audited as root by file and key name.
 */
#include "run/vault.h"
#include "vault/age.h"
#include "vault/vault.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* Words of $EDITOR ("code --wait", "vim -n"): a command, not a script. */
#define EDITOR_WORDS_MAX 32
/* Bytes of $EDITOR. */
#define EDITOR_MAX 4096
/* Environment variables the editor does not get: the key sources' and
 * envseal's own (none carries a value today; a future one must not leak
 * into a program we did not write). */
static const char *const env_drop[] = { "ANSIBLE_VAULT", "ENVSEAL_" };

/*
 * FILE still holds the bytes it was read as (in, inlen; NULL: it did not
 * exist), checked again just before the write: an edit that took minutes
 * in an editor, or a rotation or another set meanwhile, must not be undone
 * by writing a result made from the old bytes (ES_ECONFLICT, nothing
 * written). The window left is the instant between this read and fs/'s
 * rename.
 */
static int
unchanged_since(const char *file, const unsigned char *in, size_t inlen)
{
	unsigned char *now = NULL;
	size_t len = 0;
	struct stat st;
	int r, same;

	if (in == NULL)
		return lstat(file, &st) == 0 ? es_failf(ES_ECONFLICT, "%s was "
		    "created while the editor ran: nothing written", file) : 0;
	if ((r = es_user_read_file(file, ES_VAULT_MAX, &now, &len)) != 0)
		return r;
	same = len == inlen && memcmp(now, in, len) == 0;
	free(now);
	return same ? 0 : es_failf(ES_ECONFLICT, "%s changed since it was read "
	    "(another edit, set or rotate): nothing written; run the command "
	    "again", file);
}

/* One job in the worker (es_vrun_job; the vault it opens on record): the
 * result's bytes into out, *how its count, the key names it changed into
 * names (when not NULL). */
static int
run_job(enum es_job_op op, const char *file, const unsigned char *in,
    size_t inlen, const struct es_vrun *v, const struct es_secret *enc,
    const char *key, const unsigned char *plain, size_t plen,
    struct es_sbuf *out, size_t *how, struct es_job_result *names)
{
	struct es_job job = {
		.op = op,
		.input_name = file,
		.input = in,
		.input_len = inlen,
		.new_secret = op == ES_JOB_DECRYPT ? NULL : enc,
		.key = key,
		.plain = plain,
		.plain_len = plen,
	};
	struct es_job_result res;
	int r;

	/* A seal has no vault opened to record (its old one was, by the
	 * decrypt before it); create has none at all. */
	if ((r = es_vrun_job(v, &job, op != ES_JOB_SEAL && in != NULL,
	    &res)) != 0)
		return r;
	*out = res.out;   /* transferred */
	memset(&res.out, 0, sizeof res.out);
	if (how != NULL)
		*how = res.nencrypted;
	if (names != NULL) {
		*names = res;   /* transferred: the key names */
		memset(&res, 0, sizeof res);
	}
	es_job_result_free(&res);
	return 0;
}

/* --- set, unset --------------------------------------------------------------------- */

/* The result of set to file, when it changed, with the key's name for
 * the audit record. */
static int
write_set(struct es_vrun *v, const char *file, const unsigned char *in,
    size_t inlen, const char *key, const struct es_sbuf *out, size_t how,
    enum es_action *act)
{
	const char *names[1] = { key };
	struct es_user_names nm;
	int r;

	memset(&nm, 0, sizeof nm);
	if (how == ES_VSET_ADDED)
		nm.added = names, nm.nadded = 1;
	else if (how == ES_VSET_REMOVED)
		nm.removed = names, nm.nremoved = 1;
	else if (how == ES_VSET_CHANGED)
		nm.changed = names, nm.nchanged = 1;
	r = how == ES_VSET_UNCHANGED ? 0 : unchanged_since(file, in, inlen);
	if (r == 0)
		r = es_user_write_file_names(v->audit, file, out->p, out->len, 0,
		    0, &nm, act);
	return r;
}

int
es_vrun_set(struct es_vrun *v, const struct es_secret *enc, const char *file,
    const char *key, const struct es_sbuf *value, size_t *how,
    enum es_action *act)
{
	struct es_sbuf out = { 0 };
	unsigned char *in = NULL;
	size_t inlen = 0;
	int r;

	*how = ES_VSET_UNCHANGED;
	*act = ES_ACT_REFUSED;
	if ((r = es_user_read_file(file, ES_VAULT_MAX, &in, &inlen)) == 0 &&
	    (r = run_job(ES_JOB_SET, file, in, inlen, v, enc, key,
	    value ? value->p : NULL, value ? value->len : 0, &out, how,
	    NULL)) == 0)
		r = write_set(v, file, in, inlen, key, &out, *how, act);
	es_sbuf_free(&out);
	free(in);
	return r;
}

/* --- edit, create -------------------------------------------------------------------- */

/* $EDITOR as shlex.split() cuts it (quotes and backslashes; no
 * expansion), the file appended: the editor's argv. buf holds the words. */
static int
editor_argv(const char *file, char *buf, char **argv)
{
	const char *e = getenv("EDITOR"), *p;
	size_t n = 0, b = 0;
	char q = 0;
	int inword = 0;

	if (e == NULL)
		e = "vi";
	if (strlen(e) >= EDITOR_MAX)
		return es_failf(ES_ELIMIT, "EDITOR longer than %d bytes",
		    EDITOR_MAX);
	for (p = e;; p++) {
		if (*p == '\0' || (!q && (*p == ' ' || *p == '\t' ||
		    *p == '\n'))) {
			if (q)
				return es_failf(ES_EUSAGE, "EDITOR: no closing "
				    "quotation");
			if (inword) {
				buf[b++] = '\0';
				inword = 0;
			}
			if (*p == '\0')
				break;
			continue;
		}
		if (!inword) {
			if (n >= EDITOR_WORDS_MAX)
				return es_failf(ES_ELIMIT, "EDITOR: more than %d "
				    "words", EDITOR_WORDS_MAX);
			argv[n++] = buf + b;
			inword = 1;
		}
		if (!q && (*p == '\'' || *p == '"'))
			q = *p;
		else if (q && *p == q)
			q = 0;
		else if (*p == '\\' && q != '\'' && p[1] != '\0')
			buf[b++] = *++p;
		else
			buf[b++] = *p;
	}
	if (n == 0)
		return es_failf(ES_EUSAGE, "EDITOR is empty");
	argv[n++] = (char *)file;
	argv[n] = NULL;
	return 0;
}

static int
env_dropped(const char *kv)
{
	size_t i;

	for (i = 0; i < sizeof env_drop / sizeof env_drop[0]; i++)
		if (!strncmp(kv, env_drop[i], strlen(env_drop[i])))
			return 1;
	return 0;
}

/* The child: our environment less env_drop, no fd but 0-2, exec. The
 * errno of a failed exec goes up the close-on-exec pipe. */
static void __attribute__((noreturn))
editor_child(char **argv, int errfd)
{
	extern char **environ;
	char **e, **k;
	int err;

	signal(SIGINT, SIG_DFL);
	signal(SIGQUIT, SIG_DFL);
	/* Compact environ in place, keeping the order of what stays. */
	for (e = k = environ; *e != NULL; e++)
		if (!env_dropped(*e))
			*k++ = *e;
	*k = NULL;
	for (err = 3; err < 1024; err++)
		if (err != errfd)
			close(err);
	execvp(argv[0], argv);
	err = errno;
	if (write(errfd, &err, sizeof err) < 0)
		_exit(127);
	_exit(127);
}

static volatile sig_atomic_t edit_signal;

static void
on_edit_signal(int sig)
{
	edit_signal = sig;
}

/*
 * Run the editor on path and wait for it. As system() does, SIGINT and
 * SIGQUIT are the editor's alone while it runs; SIGTERM and SIGHUP are
 * remembered, not obeyed, so that the scratch directory is still removed.
 * An editor that cannot start, or that a signal killed, saves nothing.
 */
static int
run_editor(const char *path)
{
	char buf[EDITOR_MAX + 1], *argv[EDITOR_WORDS_MAX + 2];
	struct sigaction ign, rec, old[4];
	static const int sigs[4] = { SIGINT, SIGQUIT, SIGTERM, SIGHUP };
	int p[2], st = 0, err = 0, r, i;
	pid_t pid;
	ssize_t k;

	if ((r = editor_argv(path, buf, argv)) != 0)
		return r;
	if (pipe2(p, O_CLOEXEC) != 0)
		return es_failf(-errno, "pipe: %s", strerror(errno));
	memset(&ign, 0, sizeof ign);
	ign.sa_handler = SIG_IGN;
	memset(&rec, 0, sizeof rec);
	rec.sa_handler = on_edit_signal;
	edit_signal = 0;
	for (i = 0; i < 4; i++)
		sigaction(sigs[i], i < 2 ? &ign : &rec, &old[i]);
	fflush(NULL);
	if ((pid = fork()) == 0)
		editor_child(argv, p[1]);
	close(p[1]);
	if (pid < 0) {
		r = es_failf(-errno, "fork: %s", strerror(errno));
		goto out;
	}
	while ((k = read(p[0], &err, sizeof err)) < 0 && errno == EINTR)
		;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (k == (ssize_t)sizeof err)
		r = es_failf(-err, "cannot run the editor '%s': %s", argv[0],
		    strerror(err));
	else if (WIFSIGNALED(st))
		r = es_failf(-ECANCELED, "the editor '%s' was killed by signal "
		    "%d: nothing saved", argv[0], WTERMSIG(st));
	else if (edit_signal)
		r = es_failf(-ECANCELED, "signal %d while editing: nothing "
		    "saved", (int)edit_signal);
out:
	close(p[0]);
	for (i = 0; i < 4; i++)
		sigaction(sigs[i], &old[i], NULL);
	return r;
}

/* The scratch file's name: the vault's own base name when it is plain
 * (an editor picks its syntax by the extension, as ansible keeps it),
 * else "vault". */
static void
scratch_name(const char *file, char *name, size_t size)
{
	const char *b = strrchr(file, '/');
	size_t i;

	b = b ? b + 1 : file;
	for (i = 0; b[i] != '\0'; i++)
		if (!((b[i] >= 'a' && b[i] <= 'z') || (b[i] >= 'A' &&
		    b[i] <= 'Z') || (b[i] >= '0' && b[i] <= '9') ||
		    b[i] == '.' || b[i] == '_' || b[i] == '-'))
			break;
	if (b[0] == '\0' || b[0] == '.' || b[i] != '\0' || i >= size)
		snprintf(name, size, "vault");
	else
		snprintf(name, size, "%s", b);
}

/* The plaintext through the editor in a scratch directory; what it saved
 * into edited. The directory is gone when this returns, error or not. */
static int
edit_plaintext(const char *file, const struct es_sbuf *pt,
    struct es_sbuf *edited)
{
	struct es_scratch s;
	char name[64];
	int r, rc;

	scratch_name(file, name, sizeof name);
	if ((r = es_scratch_open(&s, name)) == 0 && pt->len > 0)
		r = es_scratch_write(&s, pt->p, pt->len);
	if (r == 0)
		r = run_editor(s.file);
	if (r == 0)
		r = es_scratch_read(&s, ES_VAULT_MAX, edited);
	rc = es_scratch_close(&s);
	return r ? r : rc;
}

/* One file: decrypt (edit) in the worker, the editor, seal in the worker,
 * write when it changed. */
int
es_vrun_edit(struct es_vrun *v, const struct es_secret *enc, const char *file,
    int create, struct es_vedit *res)
{
	struct es_sbuf pt = { 0 }, edited = { 0 }, out = { 0 };
	struct es_job_result keys;
	struct es_user_names nm;
	unsigned char *in = NULL;
	size_t inlen = 0, changed = 0;
	int r;

	memset(res, 0, sizeof *res);
	res->act = ES_ACT_REFUSED;
	memset(&keys, 0, sizeof keys);
	if (!create) {
		if ((r = es_user_read_file(file, ES_VAULT_MAX, &in, &inlen)) != 0)
			goto out;
		if (!es_vault_is_envelope(in, inlen)) {
			r = es_failf(ES_ENOTVAULT, "not a whole-file Ansible Vault "
			    "(vault set changes one inline value)");
			goto out;
		}
		if ((r = run_job(ES_JOB_DECRYPT, file, in, inlen, v, enc, NULL,
		    NULL, 0, &pt, NULL, NULL)) != 0)
			goto out;
	}
	r = edit_plaintext(file, &pt, &edited);
	es_sbuf_free(&pt);
	if (r != 0 || (r = run_job(ES_JOB_SEAL, file, in, inlen, v, enc, NULL,
	    edited.p, edited.len, &out, &changed, &keys)) != 0)
		goto out;
	if (!changed) {
		res->act = ES_ACT_UNCHANGED;
		goto out;
	}
	res->changed = 1;
	nm.added = (const char *const *)keys.added;
	nm.nadded = res->nadded = keys.nadded;
	nm.removed = (const char *const *)keys.removed;
	nm.nremoved = res->nremoved = keys.nremoved;
	nm.changed = (const char *const *)keys.changed;
	nm.nchanged = res->nchanged = keys.nchanged;
	if ((r = unchanged_since(file, in, inlen)) != 0)
		goto out;
	r = es_user_write_file_names(v->audit, file, out.p, out.len, 0600, 0,
	    &nm, &res->act);
out:
	es_job_result_free(&keys);
	es_sbuf_free(&pt);
	es_sbuf_free(&edited);
	es_sbuf_free(&out);
	free(in);
	return r;
}
