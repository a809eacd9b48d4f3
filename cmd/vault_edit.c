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
 * Options, the value of set, messages and exit statuses; the runs
 * (decryption and sealing in the sandboxed worker, the editor on a tmpfs
 * scratch file, the writes through fs/) are run/vault_edit.c's.
 */
#include "cmd/cmd.h"
#include "common/envseal.h"
#include "keys/keysrc.h"
#include "fs/fs.h"
#include "run/vault.h"
#include "vault/vault.h"

#include <errno.h>
#include <sodium.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

/* Longest --generate value: far beyond any password, one env line. */
#define GEN_MAX 4096
/* Longest value read from stdin for set (one typed on the terminal is
 * keys/'s prompt's, ES_SECRET_MAX). */
#define SET_VALUE_MAX ((size_t)1 << 20)

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
	char **args;
	size_t nargs;
};

struct erun {
	struct es_vrun run;            /* secrets, the audit run */
	const struct es_secret *enc;   /* new values and files; may be NULL */
	struct cmd_host_names names;   /* owner names for its records */
};

/* --- small helpers ----------------------------------------------------------- */

static const char *
audit_root_of(const struct eopts *o)
{
	return cmd_audit_root(o->audit_root);
}

/* As root, the run's audit (once; owner names from the host's passwd
 * files for its records). */
static int
audit_open(struct erun *v, const struct eopts *o)
{
	int r = es_vrun_audit_open(&v->run, o->what, audit_root_of(o));

	if (r == 0 && v->run.audit != NULL)
		es_root_set_namer(v->run.audit, cmd_host_name, &v->names);
	return r;
}

static int
fail_file(const struct eopts *o, const char *file, int code)
{
	return cmd_fail_file(o->what, file, code);
}

/* A failure of the run: recorded (class and one-line detail) and the run
 * ended with the exit status, which is returned. */
static int
run_fail(const struct eopts *o, struct erun *v, const char *file, int code)
{
	int status;

	if (v->run.audit != NULL)
		es_audit_fail(v->run.audit, code);
	status = fail_file(o, file, code);
	if (v->run.audit != NULL)
		es_audit_end(v->run.audit, status);
	return status;
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

	if ((r = es_keysrc_load(&o->ks, &v->run.secrets)) != 0)
		return cmd_fail(o->what, r);
	if (es_keysrc_pick(&v->run.secrets, id, &k) == 0)
		v->enc = &v->run.secrets.v[k];
	else if (id != NULL || o->sub == ES_CREATE)
		return cmd_fail(o->what, es_keysrc_pick(&v->run.secrets, id,
		    &k));
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

static int
read_value_tty(const struct eopts *o, struct es_sbuf *val)
{
	struct es_sbuf again = { 0 };
	char prompt[ES_VAULT_KEY_MAX + 32];
	int r;

	/* keys/'s prompt: no echo, and the terminal given back as it was
	 * on a signal or a stop. */
	snprintf(prompt, sizeof prompt, "New value for %s: ", o->args[1]);
	if ((r = es_keysrc_prompt_tty(prompt, 0, val)) != 0)
		return r;
	snprintf(prompt, sizeof prompt, "Confirm new value for %s: ",
	    o->args[1]);
	if ((r = es_keysrc_prompt_tty(prompt, 0, &again)) == 0 &&
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
cmd_set(const struct eopts *o, struct erun *v)
{
	const char *file = o->args[0], *key = o->args[1];
	struct es_sbuf val = { 0 };
	enum es_action act;
	size_t how = 0;
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
	if ((r = es_vrun_set(&v->run, v->enc, file, key, o->sub == ES_SET ?
	    &val : NULL, &how, &act)) != 0) {
		r = run_fail(o, v, file, r);
		goto out;
	}
	cmd_note("%s: %s: %s %s (%s)", o->what, file, key, how_name(how),
	    es_action_name(act));
	if (v->run.audit != NULL)
		es_audit_end(v->run.audit, 0);
	/* Printed only once it is in the file: a failed write prints no
	 * value that was never stored. */
	if (o->print &&
	    (fwrite(val.p, 1, val.len, stdout) != val.len ||
	    fputc('\n', stdout) == EOF || fflush(stdout) != 0))
		r = cmd_fail(o->what, -EIO);
out:
	es_sbuf_free(&val);
	return r;
}

/* --- edit, create ---------------------------------------------------------------- */

static int
cmd_edit(const struct eopts *o, struct erun *v)
{
	struct es_vedit res;
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
	for (i = 0; i < o->nargs; i++) {
		if ((r = es_vrun_edit(&v->run, v->enc, o->args[i],
		    o->sub == ES_CREATE, &res)) != 0)
			return run_fail(o, v, o->args[i], r);
		if (!res.changed)
			cmd_note("%s: %s: unchanged", o->what, o->args[i]);
		else
			cmd_note("%s: %s: %s (keys: %zu added, %zu removed, %zu "
			    "changed)", o->what, o->args[i],
			    es_action_name(res.act), res.nadded, res.nremoved,
			    res.nchanged);
	}
	if (v->run.audit != NULL)
		es_audit_end(v->run.audit, 0);
	return 0;
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
		return cmd_audit_root_opt(o->what, arg, &o->audit_root);
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
	case OPT_TEST_FIXED_SALT:
		return cmd_test_fixed_salt(o->what, arg);
#endif
	case OPT_HELP:
		cmd_help(o->what, stdout);
		return -2;
	default:
		return cmd_keysrc_or_help(&o->ks, c, arg, o->what);
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
	if (o.sub == ES_SET || o.sub == ES_UNSET)
		r = cmd_set(&o, &v);
	else
		r = cmd_edit(&o, &v);
	es_vrun_free(&v.run);
	cmd_host_names_free(&v.names);
	return r;
}
