/*
 * cmd/vault_edit.c — `envseal vault set`, `unset`, `edit`, `create`:
 * change a secret with nothing on a persistent disk.
 *
 *  set FILE NAME    the value from the terminal (no echo, asked twice),
 *                   from stdin, or --generate N (libsodium randombytes,
 *                   printed only with --print); one key changed in the
 *                   worker (vault/vault.h es_vault_set), every other byte
 *                   of the file kept; an unchanged value keeps the file.
 *  unset FILE NAME  the key removed the same way.
 *  edit FILE...     as ansible-vault 2.14 edit_file: the plaintext to
 *  create FILE      $EDITOR (default vi, split as shlex does, VISUAL not
 *                   read) on a file in a private tmpfs directory (fs/fs.h
 *                   Scratch); sealed again only when it changed.
 *
 * Decryption and sealing run in the sandboxed worker (sandbox/worker.h):
 * this file moves bytes between the worker, the scratch file and fs/, and
 * never parses decrypted content. Audited as root by file and key name.
 */
#include "cmd/cmd.h"
#include "common/envseal.h"
#include "keys/keysrc.h"
#include "fs/fs.h"
#include "sandbox/worker.h"
#include "vault/age.h"
#include "vault/vault.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sodium.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

/* Longest --generate value: far beyond any password, one env line. */
#define GEN_MAX 4096
/* Longest value read from stdin or the terminal for set. */
#define SET_VALUE_MAX ((size_t)1 << 20)
/* Words of $EDITOR ("code --wait", "vim -n"): a command, not a script. */
#define EDITOR_WORDS_MAX 32
/* Bytes of $EDITOR. */
#define EDITOR_MAX 4096
/* Where root's writes are audited when --audit-root is not given (as in
 * cmd/vault.c). */
/* Environment variables the editor does not get: the key sources' and
 * envseal's own (none carries a value today; a future one must not leak
 * into a program we did not write). */
static const char *const env_drop[] = { "ANSIBLE_VAULT", "ENVSEAL_" };

enum esub { ES_SET, ES_UNSET, ES_EDIT, ES_CREATE };

enum {
	OPT_ENCRYPT_VAULT_ID = OPT_CMD_BASE,
	OPT_AUDIT_ROOT,
	OPT_GENERATE,
	OPT_CHARSET,
	OPT_PRINT,
	OPT_TEST_FIXED_SALT,
	OPT_HELP,
};

static const struct option edit_longopts[] = {
	CMD_KEYSRC_LONGOPTS,
	{ "encrypt-vault-id", required_argument, NULL, OPT_ENCRYPT_VAULT_ID },
	{ "audit-root", required_argument, NULL, OPT_AUDIT_ROOT },
	{ "generate", required_argument, NULL, OPT_GENERATE },
	{ "charset", required_argument, NULL, OPT_CHARSET },
	{ "print", no_argument, NULL, OPT_PRINT },
#ifdef ENVSEAL_TEST_HOOKS
	/* TEST BUILD ONLY: as in cmd/vault.c. */
	{ "test-fixed-salt", required_argument, NULL, OPT_TEST_FIXED_SALT },
#endif
	{ "help", no_argument, NULL, OPT_HELP },
	{ NULL, 0, NULL, 0 },
};

static const struct {
	const char *name;
	const char *chars;
} charsets[] = {
	{ "alnum", "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789" },
	{ "hex", "0123456789abcdef" },
	{ "base64", "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789+/" },
	{ "urlsafe", "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789-_" },
};

struct eopts {
	enum esub sub;
	char what[32];
	struct es_keysrc_opts ks;
	const char *encrypt_id;
	const char *audit_root;
	size_t generate;            /* 0: read the value */
	const char *charset;
	int print;
	int test_salt;
	char **args;
	size_t nargs;
};

struct erun {
	struct es_secrets secrets;
	const struct es_secret *enc;   /* new values and files; may be NULL */
	struct es_root *audit;
	struct cmd_host_names names;   /* owner names for its records */
	int fixed_salt;                /* --test-fixed-salt (test builds) */
};

/* --- small helpers ----------------------------------------------------------- */

static const char *
audit_root_of(const struct eopts *o)
{
	return cmd_audit_root(o->audit_root);
}

static int
audit_open(struct erun *v, const struct eopts *o)
{
	int r;

	if (geteuid() != 0 || v->audit != NULL)
		return 0;
	if ((r = es_root_open(&v->audit, audit_root_of(o), 0)) != 0)
		return r;
	es_root_set_namer(v->audit, cmd_host_name, &v->names);
	return es_audit_begin(v->audit, o->what, NULL);
}

static int
fail_file(const struct eopts *o, const char *file, int code)
{
	return cmd_fail_file(o->what, file, code);
}

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

/* One job in the worker; the result's bytes into out, *how its count. */
static int
run_job(enum es_job_op op, const char *file, const unsigned char *in,
    size_t inlen, const struct erun *v, const char *key,
    const unsigned char *plain, size_t plen, struct es_sbuf *out,
    size_t *how, struct es_job_result *names)
{
	struct es_job job = {
		.op = op,
		.input_name = file,
		.input = in ? in : (const unsigned char *)"",
		.input_len = inlen,
		.secrets = &v->secrets,
		.new_secret = op == ES_JOB_DECRYPT ? NULL : v->enc,
		.key = key,
		.plain = plain,
		.plain_len = plen,
	};
	struct es_job_result res;
	int r;

	/* The worker cannot reach getrandom(): it inherits a fresh seed,
	 * drawn for each job since the parent's generator does not advance
	 * with the worker's (unless --test-fixed-salt fixed the salt). */
	if (op != ES_JOB_DECRYPT && !v->fixed_salt && (r = es_salt_seed()) != 0)
		return r;
	r = es_worker_run(&job, &res);
	/* The vault a job opens goes on record (path, ciphertext sha256 or
	 * keyed fingerprint, the key that opened it), opened or not. */
	if (op != ES_JOB_SEAL && in != NULL) {
		int ar = es_audit_vault(v->audit, file, in, inlen,
		    es_vault_is_ciphertext(in, inlen), r == 0 &&
		    res.used >= 0 && (size_t)res.used < v->secrets.n ?
		    v->secrets.v[res.used].label : NULL);

		if (r == 0)
			r = ar;
	}
	if (r != 0) {
		es_job_result_free(&res);
		return r;
	}
	*out = res.out;   /* transferred */
	memset(&res.out, 0, sizeof res.out);
	if (how != NULL)
		*how = res.nencrypted;
	if (names != NULL) {
		*names = res;   /* transferred: the key names */
		memset(&res, 0, sizeof res);
	}
	es_job_result_free(&res);
	return out->p == NULL ? es_sbuf_reserve(out, 1) : 0;
}

/* The secrets, and the one that seals a new value or file: the label
 * --encrypt-vault-id names, or the only one. Several and none named is
 * fine until a new value needs one (the worker then says so). */
static int
load_secrets(const struct eopts *o, struct erun *v)
{
	char buf[ES_LABEL_MAX + 2];
	const char *id = es_keysrc_encrypt_id(o->encrypt_id, buf, sizeof buf);
	size_t k;
	int r;

	if ((r = es_keysrc_load(&o->ks, &v->secrets)) != 0)
		return cmd_fail(o->what, r);
	if (es_keysrc_pick(&v->secrets, id, &k) == 0)
		v->enc = &v->secrets.v[k];
	else if (id != NULL || o->sub == ES_CREATE)
		return cmd_fail(o->what, es_keysrc_pick(&v->secrets, id, &k));
	es_errclear();
	return -1;
}

/* --- the value of set ----------------------------------------------------------- */

static int
generate(const struct eopts *o, struct es_sbuf *val)
{
	const char *cs = charsets[0].chars;
	size_t i, n;
	int r;

	for (i = 0; o->charset && i < sizeof charsets / sizeof charsets[0]; i++)
		if (!strcmp(o->charset, charsets[i].name))
			cs = charsets[i].chars;
	n = strlen(cs);
	if ((r = es_sbuf_reserve(val, o->generate)) != 0)
		return r;
	for (i = 0; i < o->generate; i++)
		val->p[val->len++] = (unsigned char)cs[randombytes_uniform(
		    (uint32_t)n)];
	return 0;
}

/* The terminal as it was before a prompt turned echo off, for the signal
 * handler: a signal during the prompt must not leave echo off. */
static struct termios tty_saved;
static volatile sig_atomic_t tty_fd = -1;
static const int prompt_sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
#define N_PROMPT_SIGS (sizeof prompt_sigs / sizeof prompt_sigs[0])

static void
on_prompt_signal(int sig)
{
	if (tty_fd >= 0)
		tcsetattr(tty_fd, TCSANOW, &tty_saved);
	signal(sig, SIG_DFL);
	raise(sig);
}

/* One line from the terminal on fd with echo off; the newline dropped. */
static int
read_quiet(int fd, const char *prompt, struct es_sbuf *out)
{
	struct termios quiet;
	struct sigaction sa, old[N_PROMPT_SIGS];
	unsigned char c;
	ssize_t k;
	size_t i;
	int r = 0;

	if (tcgetattr(fd, &tty_saved) != 0)
		return es_failf(-errno, "terminal: %s", strerror(errno));
	quiet = tty_saved;
	quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHOE | ECHOK | ECHONL);
	quiet.c_lflag |= ICANON;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_prompt_signal;
	for (i = 0; i < N_PROMPT_SIGS; i++)
		sigaction(prompt_sigs[i], &sa, &old[i]);
	tty_fd = fd;
	/* Echo off before the prompt shows: what is typed after it must
	 * neither echo nor be flushed away by the change. */
	if (tcsetattr(fd, TCSAFLUSH, &quiet) != 0)
		r = es_failf(-errno, "terminal: %s", strerror(errno));
	fputs(prompt, stderr);
	fflush(stderr);
	while (r == 0) {
		k = read(fd, &c, 1);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0 || c == '\n')
			break;
		if (out->len >= SET_VALUE_MAX)
			r = es_failf(ES_ELIMIT, "value longer than %zu bytes",
			    SET_VALUE_MAX);
		else
			r = es_sbuf_putc(out, c);
	}
	c = 0;
	tcsetattr(fd, TCSANOW, &tty_saved);
	tty_fd = -1;
	for (i = 0; i < N_PROMPT_SIGS; i++)
		sigaction(prompt_sigs[i], &old[i], NULL);
	fputc('\n', stderr);
	return r;
}

static int
read_value_tty(const struct eopts *o, struct es_sbuf *val)
{
	struct es_sbuf again = { 0 };
	char prompt[ES_VAULT_KEY_MAX + 32];
	int r;

	snprintf(prompt, sizeof prompt, "New value for %s: ", o->args[1]);
	if ((r = read_quiet(STDIN_FILENO, prompt, val)) != 0)
		return r;
	snprintf(prompt, sizeof prompt, "Confirm new value for %s: ",
	    o->args[1]);
	if ((r = read_quiet(STDIN_FILENO, prompt, &again)) == 0 &&
	    (again.len != val->len || (val->len && sodium_memcmp(again.p,
	    val->p, val->len) != 0)))
		r = es_failf(ES_EUSAGE, "the two values differ");
	es_sbuf_free(&again);
	return r;
}

/* The value: --generate, the terminal, or all of stdin less one final
 * newline (as `echo VALUE |` gives it). */
static int
read_value(const struct eopts *o, struct es_sbuf *val)
{
	int r;

	if (o->generate)
		r = generate(o, val);
	else if (isatty(STDIN_FILENO))
		r = read_value_tty(o, val);
	else if ((r = es_keysrc_take_stdin("the value")) == 0 &&
	    (r = es_read_fd_secure(STDIN_FILENO, SET_VALUE_MAX, val,
	    "standard input")) == 0) {
		if (val->len && val->p[val->len - 1] == '\n')
			val->len--;
		if (val->len && val->p[val->len - 1] == '\r')
			val->len--;
	}
	if (r == 0 && val->len == 0)
		r = es_failf(ES_EUSAGE, "empty value (unset removes a key)");
	return r;
}

/* --- set, unset ------------------------------------------------------------------- */

static const char *
how_name(size_t how)
{
	static const char *const n[] = { "unchanged", "changed", "added",
		"removed" };

	return how < sizeof n / sizeof n[0] ? n[how] : "?";
}

static int
write_set(const struct eopts *o, struct erun *v, const char *file,
    const unsigned char *in, size_t inlen, const char *key,
    const struct es_sbuf *out, size_t how)
{
	const char *names[1] = { key };
	struct es_user_names nm;
	enum es_action act;
	int r;

	memset(&nm, 0, sizeof nm);
	if (how == ES_VSET_ADDED)
		nm.added = names, nm.nadded = 1;
	else if (how == ES_VSET_REMOVED)
		nm.removed = names, nm.nremoved = 1;
	else if (how == ES_VSET_CHANGED)
		nm.changed = names, nm.nchanged = 1;
	if ((r = audit_open(v, o)) != 0)
		return cmd_fail(o->what, r);
	r = how == ES_VSET_UNCHANGED ? 0 : unchanged_since(file, in, inlen);
	if (r == 0)
		r = es_user_write_file_names(v->audit, file, out->p, out->len, 0,
		    0, &nm, &act);
	if (r != 0) {
		if (v->audit != NULL)
			es_audit_fail(v->audit, r);
		r = fail_file(o, file, r);
	} else
		cmd_note("%s: %s: %s %s (%s)", o->what, file, key, how_name(how),
		    es_action_name(act));
	if (v->audit != NULL)
		es_audit_end(v->audit, r);
	return r;
}

static int
cmd_set(const struct eopts *o, struct erun *v)
{
	const char *file = o->args[0], *key = o->args[1];
	struct es_sbuf val = { 0 }, out = { 0 };
	unsigned char *in = NULL;
	size_t inlen = 0, how = 0;
	int r;

	if ((r = load_secrets(o, v)) >= 0)
		return r;
	if (o->sub == ES_SET && (r = read_value(o, &val)) != 0) {
		r = cmd_fail(o->what, r);
		goto out;
	}
	/* As root the run is audited from its vault on. */
	if ((r = audit_open(v, o)) != 0) {
		r = cmd_fail(o->what, r);
		goto out;
	}
	if ((r = es_user_read_file(file, ES_VAULT_MAX, &in, &inlen)) != 0 ||
	    (r = run_job(ES_JOB_SET, file, in, inlen, v, key,
	    o->sub == ES_SET ? val.p : NULL, val.len, &out, &how, NULL)) != 0) {
		if (v->audit != NULL)
			es_audit_fail(v->audit, r);
		r = fail_file(o, file, r);
		if (v->audit != NULL)
			es_audit_end(v->audit, r);
		goto out;
	}
	/* Printed only once it is in the file: a failed write prints no
	 * value that was never stored. */
	if ((r = write_set(o, v, file, in, inlen, key, &out, how)) == 0 &&
	    o->print &&
	    (fwrite(val.p, 1, val.len, stdout) != val.len ||
	    fputc('\n', stdout) == EOF || fflush(stdout) != 0))
		r = cmd_fail(o->what, -EIO);
out:
	es_sbuf_free(&val);
	es_sbuf_free(&out);
	free(in);
	return r;
}

/* --- the editor ------------------------------------------------------------------- */

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
static int
edit_one(const struct eopts *o, struct erun *v, const char *file)
{
	struct es_sbuf pt = { 0 }, edited = { 0 }, out = { 0 };
	struct es_job_result keys;
	struct es_user_names nm;
	unsigned char *in = NULL;
	size_t inlen = 0, changed = 0;
	enum es_action act;
	int r;

	memset(&keys, 0, sizeof keys);
	if (o->sub == ES_EDIT) {
		if ((r = es_user_read_file(file, ES_VAULT_MAX, &in, &inlen)) != 0)
			goto out;
		if (!es_vault_is_envelope(in, inlen)) {
			r = es_failf(ES_ENOTVAULT, "not a whole-file Ansible Vault "
			    "(vault set changes one inline value)");
			goto out;
		}
		if ((r = run_job(ES_JOB_DECRYPT, file, in, inlen, v, NULL, NULL,
		    0, &pt, NULL, NULL)) != 0)
			goto out;
	}
	r = edit_plaintext(file, &pt, &edited);
	es_sbuf_free(&pt);
	if (r != 0 || (r = run_job(ES_JOB_SEAL, file, in, inlen, v, NULL,
	    edited.p, edited.len, &out, &changed, &keys)) != 0)
		goto out;
	if (!changed) {
		cmd_note("%s: %s: unchanged", o->what, file);
		goto out;
	}
	nm.added = (const char *const *)keys.added;
	nm.nadded = keys.nadded;
	nm.removed = (const char *const *)keys.removed;
	nm.nremoved = keys.nremoved;
	nm.changed = (const char *const *)keys.changed;
	nm.nchanged = keys.nchanged;
	if ((r = unchanged_since(file, in, inlen)) != 0)
		goto out;
	r = es_user_write_file_names(v->audit, file, out.p, out.len, 0600, 0,
	    &nm, &act);
	if (r == 0)
		cmd_note("%s: %s: %s (keys: %zu added, %zu removed, %zu "
		    "changed)", o->what, file, es_action_name(act), nm.nadded,
		    nm.nremoved, nm.nchanged);
out:
	es_job_result_free(&keys);
	es_sbuf_free(&pt);
	es_sbuf_free(&edited);
	es_sbuf_free(&out);
	free(in);
	return r;
}

static int
cmd_edit(const struct eopts *o, struct erun *v)
{
	struct stat st;
	size_t i;
	int r;

	if (o->sub == ES_CREATE && lstat(o->args[0], &st) == 0)
		return cmd_fail(o->what, es_failf(-EEXIST, "%s exists, please "
		    "use 'edit' instead", o->args[0]));
	if ((r = load_secrets(o, v)) >= 0)
		return r;
	/* Our memory holds the plaintext while the editor runs: no core
	 * dump and no ptrace by another process of this uid meanwhile. */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	if ((r = audit_open(v, o)) != 0)
		return cmd_fail(o->what, r);
	for (i = 0, r = 0; i < o->nargs && r == 0; i++)
		if ((r = edit_one(o, v, o->args[i])) != 0) {
			if (v->audit != NULL)
				es_audit_fail(v->audit, r);
			r = fail_file(o, o->args[i], r);
		}
	if (v->audit != NULL)
		es_audit_end(v->audit, r);
	return r;
}

/* --- options ------------------------------------------------------------------------ */

static int
take_opt(struct eopts *o, int c, const char *arg)
{
	char *end;
	unsigned long n;

	switch (c) {
	case OPT_ENCRYPT_VAULT_ID:
		o->encrypt_id = arg;
		return 0;
	case OPT_AUDIT_ROOT:
		if (*arg == '\0')
			return cmd_usage("%s: --audit-root: empty DIR", o->what);
		o->audit_root = arg;
		return 0;
	case OPT_GENERATE:
		errno = 0;
		n = strtoul(arg, &end, 10);
		if (errno || *end != '\0' || arg[0] < '1' || arg[0] > '9' ||
		    n > GEN_MAX)
			return cmd_usage("%s: --generate: N must be 1..%d", o->what,
			    GEN_MAX);
		o->generate = n;
		return 0;
	case OPT_CHARSET:
		o->charset = arg;
		return 0;
	case OPT_PRINT:
		o->print = 1;
		return 0;
#ifdef ENVSEAL_TEST_HOOKS
	case OPT_TEST_FIXED_SALT: {
		unsigned char salt[ES_AV_SALT_MAX];
		size_t len = strlen(arg), i;
		unsigned int b;

		if (len == 0 || len % 2 || len / 2 > sizeof salt)
			return cmd_usage("--test-fixed-salt: bad hex");
		for (i = 0; i < len / 2; i++) {
			if (sscanf(arg + 2 * i, "%2x", &b) != 1)
				return cmd_usage("--test-fixed-salt: bad hex");
			salt[i] = (unsigned char)b;
		}
		o->test_salt = 1;
		return es_salt_fixed(salt, len / 2) ? cmd_fail(o->what,
		    ES_EUSAGE) : 0;
	}
#endif
	case OPT_HELP:
		cmd_help(o->what, stdout);
		return -2;
	default:
		switch (cmd_keysrc_option(&o->ks, c, arg)) {
		case 1:
			return 0;
		case -1:
			return cmd_usage("too many key-source options");
		default:
			cmd_help(o->what, stderr);
			return ES_EXIT_USAGE;
		}
	}
}

static int
check_charset(const struct eopts *o)
{
	size_t i;

	for (i = 0; i < sizeof charsets / sizeof charsets[0]; i++)
		if (!strcmp(o->charset, charsets[i].name))
			return -1;
	return cmd_usage("%s: --charset: one of alnum, hex, base64, urlsafe",
	    o->what);
}

static int
check_opts(const struct eopts *o)
{
	int kv = o->sub == ES_SET || o->sub == ES_UNSET;

	if ((o->generate || o->charset || o->print) && o->sub != ES_SET)
		return cmd_usage("%s: --generate, --charset and --print are for "
		    "set", o->what);
	if ((o->charset || o->print) && !o->generate)
		return cmd_usage("%s: --charset and --print go with --generate",
		    o->what);
	if (o->charset && check_charset(o) >= 0)
		return ES_EXIT_USAGE;
	if (o->ks.n_identities || o->ks.n_identity_credentials)
		return cmd_usage("%s: -i/--identity and --identity-credential "
		    "are for view, decrypt and reencrypt", o->what);
	if (kv && o->nargs != 2)
		return cmd_usage("%s: give FILE and NAME", o->what);
	if (kv && !es_vault_key_ok(o->args[1]))
		return cmd_usage("%s: NAME must be a variable name (letters, "
		    "digits and '_', not starting with a digit, at most %d "
		    "bytes)", o->what, ES_VAULT_KEY_MAX);
	if (o->sub == ES_SET && !o->generate && !isatty(STDIN_FILENO) &&
	    es_keysrc_reads_stdin(&o->ks))
		return cmd_usage("%s: the value and the vault password cannot "
		    "both be read from stdin", o->what);
	if (o->sub == ES_CREATE && o->nargs != 1)
		return cmd_usage("%s: create takes exactly one FILE", o->what);
	if (o->nargs == 0)
		return cmd_usage("%s: no FILE given", o->what);
	for (size_t i = 0; !kv && i < o->nargs; i++)
		if (!strcmp(o->args[i], "-"))
			return cmd_usage("%s: '-' (stdin) cannot be edited",
			    o->what);
	return -1;
}

static int
parse_opts(int argc, char **argv, struct eopts *o)
{
	int c, r;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":hi:", edit_longopts, NULL)) !=
	    -1) {
		if (c == 'h')
			c = OPT_HELP;
		if (c == '?' || c == ':')
			return cmd_help(o->what, stderr), cmd_bad_option(o->what,
			    c, argv[optind - 1]);
		if ((r = take_opt(o, c, optarg)) != 0)
			return r == -2 ? 0 : r;
	}
	o->args = argv + optind;
	o->nargs = (size_t)(argc - optind);
	return check_opts(o);
}

int
cmd_vault_edit(int argc, char **argv)
{
	static const char *const names[] = { "set", "unset", "edit", "create" };
	struct eopts o;
	struct erun v;
	size_t i;
	int r;

	memset(&o, 0, sizeof o);
	memset(&v, 0, sizeof v);
	for (i = 0; i < sizeof names / sizeof names[0]; i++)
		if (!strcmp(argv[1], names[i]))
			break;
	if (i == sizeof names / sizeof names[0])
		BUG("cmd_vault_edit: not one of its subcommands");
	o.sub = (enum esub)i;
	snprintf(o.what, sizeof o.what, "vault %s", names[i]);
	if ((r = parse_opts(argc - 1, argv + 1, &o)) >= 0)
		return r;
	v.fixed_salt = o.test_salt;
	if (o.sub == ES_SET || o.sub == ES_UNSET)
		r = cmd_set(&o, &v);
	else
		r = cmd_edit(&o, &v);
	es_secrets_free(&v.secrets);
	es_root_close(v.audit);
	cmd_host_names_free(&v.names);
	return r;
}
