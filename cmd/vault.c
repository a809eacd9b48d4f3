/*
 * cmd/vault.c — `envseal vault`: view, decrypt, encrypt, encrypt-string,
 * rekey, migrate, reencrypt. Options, the calls into the run
 * (run/vault.h: inputs, the sandboxed worker, outputs through fs/),
 * messages and exit statuses; nothing else.
 */
#include "cmd/cmd.h"
#include "cmd/agecrypt.h"
#include "common/envseal.h"
#include "keys/keysrc.h"
#include "policy/policy.h"
#include "run/vault.h"
#include "vault/vault.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Most --name options of one encrypt-string (ansible has no bound; one
 * per value is a lot already). */
#define VAULT_NAMES_MAX 64
/* Most files on one command line. */
#define VAULT_FILES_MAX 4096
/* Where root's vault writes are audited when --audit-root is not given
 * (read with secure_getenv); unset or empty: the host's log under "/". */

enum {
	OPT_OUTPUT = OPT_CMD_BASE,
	OPT_ENCRYPT_VAULT_ID,
	OPT_NAME,
	OPT_STDIN_NAME,
	OPT_NEW_PASSWORD_FILE,
	OPT_NEW_VAULT_ID,
	OPT_AUDIT_ROOT,
	OPT_POLICY,
	OPT_TEST_FIXED_SALT,
	OPT_HELP,
	OPT_ASK_VAULT_PASS,
	OPT_VERBOSE,
	OPT_PROMPT,
	OPT_SHOW_INPUT,
};

static const struct option vault_longopts[] = {
	CMD_KEYSRC_LONGOPTS,
	CMD_AGE_LONGOPTS,
	{ "output", required_argument, NULL, OPT_OUTPUT },
	{ "encrypt-vault-id", required_argument, NULL, OPT_ENCRYPT_VAULT_ID },
	{ "name", required_argument, NULL, OPT_NAME },
	{ "stdin-name", required_argument, NULL, OPT_STDIN_NAME },
	{ "new-vault-password-file", required_argument, NULL,
	    OPT_NEW_PASSWORD_FILE },
	{ "new-vault-id", required_argument, NULL, OPT_NEW_VAULT_ID },
	{ "audit-root", required_argument, NULL, OPT_AUDIT_ROOT },
	{ "policy", required_argument, NULL, OPT_POLICY },
#ifdef ENVSEAL_TEST_HOOKS
	/* TEST BUILD ONLY (build/envseal-test, `make tests`): fixes the salt
	 * of every new envelope so tests can reproduce ansible's byte-exact
	 * vectors (g1-g4). A fixed salt repeats keystreams under one
	 * password, so the release binary does not have the option at all. */
	{ "test-fixed-salt", required_argument, NULL, OPT_TEST_FIXED_SALT },
#endif
	{ "help", no_argument, NULL, OPT_HELP },
	/* ansible-vault 2.14's other spellings (cli/arguments/option_helpers.py
	 * add_vault_options, add_verbosity_options; cli/vault.py). */
	{ "vault-pass-file", required_argument, NULL, OPT_VAULT_PASSWORD_FILE },
	{ "ask-vault-pass", no_argument, NULL, OPT_ASK_VAULT_PASS },
	{ "ask-vault-password", no_argument, NULL, OPT_ASK_VAULT_PASS },
	{ "verbose", no_argument, NULL, OPT_VERBOSE },
	{ "prompt", no_argument, NULL, OPT_PROMPT },
	{ "show-input", no_argument, NULL, OPT_SHOW_INPUT },
	{ NULL, 0, NULL, 0 },
};
/* -J: --ask-vault-pass as ansible-playbook spells it; -v: --verbose;
 * -n: --name; -p: --prompt (encrypt-string). */
#define VAULT_SHORTOPTS ":hi:r:R:aJvn:p"

enum sub { SUB_VIEW, SUB_DECRYPT, SUB_ENCRYPT, SUB_ENCRYPT_STRING, SUB_REKEY,
	SUB_MIGRATE, SUB_REENCRYPT };

static const char *const sub_names[] = {
	"view", "decrypt", "encrypt", "encrypt-string", "rekey", "migrate",
	"reencrypt",
};

struct vopts {
	enum sub sub;
	char what[64];                     /* "vault decrypt" */
	struct cmd_host_names *hnames;     /* owner names for audit records */
	struct es_keysrc_opts ks;
	struct cmd_age_opts age;           /* encrypt to age (cmd/agecrypt.c) */
	char *output;                      /* --output, else NULL */
	const char *encrypt_id;
	const char *names[VAULT_NAMES_MAX];
	size_t nnames;
	const char *stdin_name;
	const char *new_pwfile;
	const char *new_vault_id;
	const char *audit_root;            /* --audit-root, else NULL */
	const char *policy;                /* reencrypt --policy */
	const char *test_salt;
	int prompt;                        /* encrypt-string -p/--prompt */
	int show_input;                    /* ... --show-input */
	char **args;
	size_t nargs;
};

static void
usage(FILE *f)
{
	cmd_help("vault", f);
}

/* "envseal: vault decrypt: FILE: detail", without repeating FILE when the
 * detail starts with it already. */
static int
fail_file(const struct vopts *o, const char *file, int code)
{
	return cmd_fail_file(o->what, file, code);
}

/* The root whose audit log records root's vault writes: --audit-root,
 * else $ENVSEAL_AUDIT_ROOT when set and not empty, else the host's "/". A
 * scratch root keeps tests and demos off the host's log. */
static const char *
audit_root_of(const struct vopts *o)
{
	return cmd_audit_root(o->audit_root);
}

/* Where each input goes: --output (one input), or the file itself. */
static char *const *
dests_of(const struct vopts *o)
{
	return o->output != NULL ? &o->output : o->args;
}

/* As root, the run's audit (once; owner names from the host's passwd
 * files for its records). */
static int
audit_open(const struct vopts *o, struct es_vrun *v)
{
	int r = es_vrun_audit_open(v, o->what, audit_root_of(o));

	if (r == 0 && v->audit != NULL && o->hnames != NULL)
		es_root_set_namer(v->audit, cmd_host_name, o->hnames);
	return r;
}

/* A failure with file: recorded in the open run (class and one-line
 * detail), which ends with the exit status; then reported. */
static int
vfail(const struct vopts *o, struct es_vrun *v, const char *file, int code)
{
	int status;

	if (v->audit != NULL)
		es_audit_fail(v->audit, code);
	status = fail_file(o, file, code);
	if (v->audit != NULL)
		es_audit_end(v->audit, status);
	return status;
}

/* Every result to its destination, audited as root, one note per file
 * written; the exit status. */
static int
write_all(const struct vopts *o, struct es_vrun *v)
{
	char *const *dests = dests_of(o);
	size_t i, bad;
	int r;

	/* Plaintext is 0600 (as ansible-vault writes it), never the mode
	 * the vault had as ciphertext; encrypt and rekey keep the mode. */
	if ((r = audit_open(o, v)) != 0)
		return cmd_fail(o->what, r);
	r = es_vrun_write_all(v, dests, o->sub == SUB_DECRYPT ?
	    ES_UW_PRIVATE : 0, &bad);
	for (i = 0; i < bad; i++)
		if (strcmp(dests[i], "-") != 0)
			cmd_note("%s: %s: %s", o->what, dests[i],
			    es_action_name(v->act[i]));
	if (r != 0)
		return vfail(o, v, dests[bad], r);
	if (v->audit != NULL)
		es_audit_end(v->audit, 0);
	return 0;
}

/* --- secrets ------------------------------------------------------------------ */

/* keys' skipped sources (ansible's "[WARNING]: Error in vault password
 * file loading"): a name and a reason, never a value. */
static void
warn_skipped(const char *detail)
{
	fprintf(stderr, "envseal: warning: %s; skipped\n", detail);
}

static int
load_secrets(const struct vopts *o, struct es_vrun *v)
{
	int r;

	if ((r = es_keysrc_load(&o->ks, &v->secrets)) != 0)
		return cmd_fail(o->what, r);
	return -1;
}

/* The secret that encrypts (ansible's match_encrypt_secret): the first
 * of the label --encrypt-vault-id or ANSIBLE_VAULT_ENCRYPT_IDENTITY names,
 * else the only one; several and none chosen is an error naming them. */
static int
pick_secret(const struct vopts *o, const struct es_vrun *v, size_t *idx)
{
	char buf[ES_LABEL_MAX + 2];
	const char *id = es_keysrc_encrypt_id(o->encrypt_id, buf, sizeof buf);
	int r;

	if ((r = es_keysrc_pick(&v->secrets, id, idx)) != 0)
		return cmd_fail(o->what, r);
	if (!es_vault_label_ok(v->secrets.v[*idx].label) &&
	    strcmp(v->secrets.v[*idx].label, "default") != 0)
		return cmd_usage("%s: label must be printable ASCII without "
		    "';'", o->what);
	return -1;
}

/* Every input through the worker (decrypt, or rekey to new_label): -1
 * when all went through, else the exit status, reported with its file. */
static int
decrypt_all(const struct vopts *o, struct es_vrun *v, enum es_job_op op,
    const char *new_label)
{
	size_t bad;
	int r;

	/* As root the run is audited from its first vault on. */
	if ((r = audit_open(o, v)) != 0)
		return cmd_fail(o->what, r);
	if ((r = es_vrun_decrypt_all(v, o->args, op, new_label, &bad)) != 0)
		return vfail(o, v, o->args[bad], r);
	return -1;
}

/* --- view, decrypt ---------------------------------------------------------------- */

static int
cmd_view_decrypt(const struct vopts *o, struct es_vrun *v)
{
	size_t i;
	int r;

	if ((r = load_secrets(o, v)) >= 0 ||
	    (r = decrypt_all(o, v, ES_JOB_DECRYPT, NULL)) >= 0)
		return r;
	if (o->sub == SUB_VIEW || (o->output && !strcmp(o->output, "-"))) {
		for (i = 0; i < v->n; i++) {
			struct es_sbuf text = { 0 }, *b = &v->out[i];

			r = 0;
			if (o->sub == SUB_VIEW &&
			    (r = es_vrun_view_text(&v->out[i], &text)) == 0)
				b = &text;
			if (r == 0)
				r = es_vrun_write_fd(STDOUT_FILENO, b->p, b->len);
			es_sbuf_free(&text);
			if (r != 0)
				return cmd_fail(o->what, r);
		}
		return 0;
	}
	return write_all(o, v);
}

/* --- encrypt ------------------------------------------------------------------------- */

/* What both encrypt commands do first: load the secrets, pick the one
 * that encrypts, seed the salt generator (unless --test-fixed-salt fixed
 * the salt). >= 0: the exit status to return; -1: go on. */
static int
encrypt_setup(const struct vopts *o, struct es_vrun *v, size_t *k)
{
	int r;

	if ((r = load_secrets(o, v)) >= 0 || (r = pick_secret(o, v, k)) >= 0)
		return r;
	if (o->test_salt == NULL)
		es_salt_seed();
	return -1;
}

/* -r/-R: no secret is loaded (public keys only); --age-passphrase: the
 * key sources give it, picked as for Ansible Vault. */
static int
cmd_encrypt_age(const struct vopts *o, struct es_vrun *v)
{
	static unsigned char pk[ES_AGE_RECIPIENTS_MAX * ES_AGE_KEY];
	const struct es_secret *pw = NULL;
	size_t i, k, npk = 0;
	int r;

	if (o->age.passphrase) {
		if ((r = encrypt_setup(o, v, &k)) >= 0)
			return r;
		pw = &v->secrets.v[k];
	} else if ((r = cmd_age_recipients(&o->age, pk, &npk)) != 0) {
		return cmd_fail(o->what, r);
	} else if (o->test_salt == NULL) {
		es_salt_seed();
	}
	for (i = 0; i < v->n; i++) {
		if ((r = es_vrun_read_input(o->args[i], &v->in[i])) != 0 ||
		    (r = cmd_age_seal(&o->age, pk, npk, pw, v->in[i].p,
		    v->in[i].len, &v->out[i])) != 0)
			return fail_file(o, o->args[i], r);
		es_sbuf_free(&v->in[i]);
	}
	return write_all(o, v);
}

static int
cmd_encrypt(const struct vopts *o, struct es_vrun *v)
{
	size_t k, bad;
	int r;

	if (cmd_age_wanted(&o->age))
		return cmd_encrypt_age(o, v);
	if ((r = encrypt_setup(o, v, &k)) >= 0)
		return r;
	if ((r = es_vrun_encrypt_all(v, o->args, dests_of(o), k, &bad)) != 0)
		return fail_file(o, o->args[bad], r);
	return write_all(o, v);
}

/* --- migrate ------------------------------------------------------------------------ */

/*
 * Ansible Vault -> age: each file is decrypted in the worker as `decrypt`
 * does (a whole-file vault: its plaintext; inline values: the same YAML
 * with each value as a double-quoted scalar, so every key keeps its
 * value), then sealed to the recipients. Every file is converted in
 * memory before the first is replaced, as rekey does.
 */
static int
cmd_migrate(const struct vopts *o, struct es_vrun *v)
{
	static unsigned char pk[ES_AGE_RECIPIENTS_MAX * ES_AGE_KEY];
	struct es_sbuf ct;
	size_t i, npk = 0;
	int r;

	if ((r = cmd_age_recipients(&o->age, pk, &npk)) != 0)
		return cmd_fail(o->what, r);
	if ((r = load_secrets(o, v)) >= 0 ||
	    (r = decrypt_all(o, v, ES_JOB_DECRYPT, NULL)) >= 0)
		return r;
	if (o->test_salt == NULL)
		es_salt_seed();
	for (i = 0; i < v->n; i++) {
		memset(&ct, 0, sizeof ct);
		if ((r = cmd_age_seal(&o->age, pk, npk, NULL, v->out[i].p,
		    v->out[i].len, &ct)) != 0) {
			es_sbuf_free(&ct);
			return fail_file(o, o->args[i], r);
		}
		es_sbuf_free(&v->out[i]);
		v->out[i] = ct;   /* transferred */
	}
	return write_all(o, v);
}

/* --- reencrypt ---------------------------------------------------------------------- */

/*
 * Every env_files entry with recipients: its age vault made to those
 * recipients in the worker, all in memory before the first is written.
 */
static int
cmd_reencrypt(struct vopts *o, struct es_vrun *v)
{
	struct es_policy *p = NULL;
	const char *notes[VAULT_FILES_MAX];
	char *paths[VAULT_FILES_MAX];
	size_t i, n = 0;
	int r;

	if ((r = es_policy_load(o->policy, &p)) != 0)
		return cmd_fail(o->what, r);
	for (i = 0; i < p->nenv_files && n < VAULT_FILES_MAX; i++)
		if (p->env_files[i].nrecipients)
			paths[n++] = p->env_files[i].vault;
	es_vrun_free(v);
	if (n == 0 || es_vrun_alloc(v, n) != 0) {
		r = n ? cmd_fail(o->what, -ENOMEM) : cmd_usage("%s: %s: no "
		    "env_files entry has recipients", o->what, o->policy);
		goto out;
	}
	o->args = paths;
	o->nargs = n;
	if ((r = load_secrets(o, v)) >= 0)
		goto out;
	for (i = 0, n = 0; i < p->nenv_files; i++) {
		if (!p->env_files[i].nrecipients)
			continue;
		if ((r = cmd_age_reencrypt_one(&p->env_files[i], &v->secrets,
		    &v->raw[n], &v->rawlen[n], &v->out[n], &notes[n])) != 0) {
			r = fail_file(o, paths[n], r);
			goto out;
		}
		n++;
	}
	for (i = 0; i < n; i++)
		cmd_note("%s: %s", paths[i], notes[i]);
	r = write_all(o, v);
out:
	es_policy_free(p);
	return r;
}

/* --- encrypt-string ---------------------------------------------------------------- */

static int
seal_string(const struct vopts *o, struct es_vrun *v, size_t k,
    const char *name, const struct es_sbuf *pt, struct es_sbuf *out)
{
	int r = es_vrun_seal_string(v, k, name, pt, out);

	if (r == ES_EUSAGE)
		return cmd_usage("%s: %s", o->what, es_errdetail());
	return r ? cmd_fail(o->what, r) : -1;
}

/* ansible's words for where a string came from (cli/vault.py FROM_*), in
 * the stderr line that tells several outputs apart. */
#define FROM_STDIN "stdin"
#define FROM_ARGS "the command line args"

/*
 * One string sealed as a "NAME: !vault |" block onto out; with several
 * (of n), first the stderr line ansible prints to tell them apart (names
 * and positions only, never text). >= 0: exit status; -1: go on.
 */
static int
seal_one(const struct vopts *o, struct es_vrun *v, size_t k, size_t idx,
    size_t n, const char *src, const char *name, const struct es_sbuf *pt,
    struct es_sbuf *out)
{
	/* Names came from the command line or a prompt: escaped for the
	 * terminal (common/envseal.h es_fput_esc), as every name cmd/
	 * prints. */
	if (n > 1 && name != NULL) {
		fprintf(stderr, "# The encrypted version of variable (\"");
		es_fput_esc(stderr, name, strlen(name), 0);
		fprintf(stderr, "\", the string #%zu from %s).\n", idx, src);
	} else if (n > 1)
		fprintf(stderr, "# The encrypted version of the string #%zu "
		    "from %s.)\n", idx, src);
	/* Blocks are joined by a newline, as ansible joins them; each
	 * ends with its own (ansible 2.15 ends the last one too). */
	return seal_string(o, v, k, name, pt, out);
}

#define FROM_PROMPT "the interactive prompt"

/*
 * -p/--prompt, ansible's two questions (utils/display.py prompt): the
 * name with input() (the question on stdout, a line of stdin), then the
 * string with getpass (on the terminal without echo; with none, a line
 * of stdin, the question on stderr), or input() with --show-input.
 * >= 0: exit status; -1: go on.
 */
static int
ask_string(const struct vopts *o, struct es_sbuf *name, struct es_sbuf *pt)
{
	int r;

	if ((r = es_keysrc_take_stdin("--prompt")) != 0)
		return cmd_fail(o->what, r);
	printf("Variable name (enter for no name): ");
	fflush(stdout);
	if ((r = es_keysrc_ask_line(NULL, name)) != 0)
		return cmd_fail(o->what, r);
	if (o->show_input) {
		printf("String to encrypt:");
		fflush(stdout);
		r = es_keysrc_ask_line(NULL, pt);
	} else if (isatty(STDIN_FILENO)) {
		r = es_keysrc_prompt_tty("String to encrypt (hidden): ", 0, pt);
	} else {
		r = es_keysrc_ask_line("String to encrypt (hidden): ", pt);
	}
	if (r != 0)
		return cmd_fail(o->what, r);
	if (pt->len == 0)
		return cmd_usage("%s: the plaintext provided from the prompt "
		    "was empty, not encrypting", o->what);
	/* A name is printed: it is a name, not a value. */
	return es_sbuf_putc(name, '\0') ? cmd_fail(o->what, -ENOMEM) : -1;
}

/* STRING arguments other than "-" (which means stdin) into strs. */
static size_t
strings_of(const struct vopts *o, const char **strs)
{
	size_t i, n = 0;

	for (i = 0; i < o->nargs; i++)
		if (strcmp(o->args[i], "-") != 0)
			strs[n++] = o->args[i];
	return n;
}

/*
 * ansible's execute_encrypt_string: stdin (when there is no STRING, a
 * lone "-", or --stdin-name; named by --stdin-name only) first, then each
 * STRING, the first ones named by the --name options in order. Every
 * input is checked before anything is printed.
 */
static int
cmd_encrypt_string(const struct vopts *o, struct es_vrun *v)
{
	struct es_sbuf pt = { 0 }, name = { 0 }, *out = &v->out[0];
	const char *strs[VAULT_FILES_MAX];
	size_t i, k, nstr = strings_of(o, strs), n, first;
	int from_stdin = o->stdin_name || nstr < o->nargs || o->nargs == 0, r;

	if (o->prompt && from_stdin)
		return cmd_usage("%s: the --prompt option is not supported if "
		    "also reading input from stdin", o->what);
	if ((r = encrypt_setup(o, v, &k)) >= 0)
		return r;
	first = (size_t)from_stdin + (size_t)o->prompt;
	n = first + nstr;
	for (i = 0; i < nstr; i++)
		if (*strs[i] == '\0')
			return cmd_usage("%s: the plaintext provided from the "
			    "command line args was empty, not encrypting",
			    o->what);
	if (o->nnames && nstr > o->nnames) {
		fprintf(stderr, "The number of --name options do not match the "
		    "number of args.\nThe last named variable will be \"");
		es_fput_esc(stderr, o->names[o->nnames - 1],
		    strlen(o->names[o->nnames - 1]), 0);
		fprintf(stderr, "\". The rest will not have names.\n");
	}
	r = -1;
	if (o->prompt && (r = ask_string(o, &name, &pt)) < 0)
		r = seal_one(o, v, k, 1, n, FROM_PROMPT, name.len > 1 ?
		    (const char *)name.p : NULL, &pt, out);
	es_sbuf_free(&name);
	if (from_stdin) {
		/* ansible asks when stdout is a terminal (cli/vault.py). */
		if (isatty(STDOUT_FILENO))
			fprintf(stderr, "Reading plaintext input from stdin. "
			    "(ctrl-d to end input, twice if your content does "
			    "not already have a newline)\n");
		/* All of stdin, as is: ansible keeps a trailing newline. */
		if ((r = es_vrun_read_stdin(&pt)) != 0)
			r = cmd_fail(o->what, r);
		else if (pt.len == 0)
			r = cmd_usage("%s: stdin was empty, not encrypting",
			    o->what);
		else
			r = seal_one(o, v, k, 1, n, FROM_STDIN, o->stdin_name,
			    &pt, out);
	}
	for (i = 0; i < nstr && r < 0; i++) {
		pt.len = 0;
		if (es_sbuf_append(&pt, strs[i], strlen(strs[i])) != 0)
			r = cmd_fail(o->what, -ENOMEM);
		else
			r = seal_one(o, v, k, i + 1 + first, n,
			    FROM_ARGS, i < o->nnames ? o->names[i] : NULL, &pt,
			    out);
	}
	es_sbuf_free(&pt);
	if (r >= 0)
		return r;
	if (o->output == NULL || !strcmp(o->output, "-"))
		return (r = es_vrun_write_fd(STDOUT_FILENO, out->p, out->len)) ?
		    cmd_fail(o->what, r) : 0;
	return write_all(o, v);
}

/* --- rekey --------------------------------------------------------------------------- */

/* The new secret (run/vault.h es_vrun_new_secret): -1 to go on, else
 * the exit status. */
static int
load_new_secret(const struct vopts *o, struct es_vrun *v, const char **label)
{
	int r = es_vrun_new_secret(v, o->new_vault_id, o->new_pwfile,
	    o->encrypt_id, label);

	if (r == ES_EUSAGE)
		return cmd_usage("%s: %s", o->what, es_errdetail());
	return r ? cmd_fail(o->what, r) : -1;
}

static int
cmd_rekey(const struct vopts *o, struct es_vrun *v)
{
	const char *label = NULL;
	int r;

	/* No --output with rekey (check_opts): each file is rewritten. */
	if ((r = load_secrets(o, v)) >= 0 || (r = load_new_secret(o, v,
	    &label)) >= 0 || (r = decrypt_all(o, v, ES_JOB_REKEY, label)) >= 0)
		return r;
	return write_all(o, v);
}

/* --- options ------------------------------------------------------------------------- */

static int
take_opt(struct vopts *o, int c, char *arg)
{
	int r;

	switch (c) {
	case OPT_OUTPUT:
		o->output = arg;
		return 0;
	case OPT_ENCRYPT_VAULT_ID:
		o->encrypt_id = arg;
		return 0;
	case OPT_NAME:
		if (o->nnames >= VAULT_NAMES_MAX)
			return cmd_usage("too many --name options");
		o->names[o->nnames++] = arg;
		return 0;
	case OPT_STDIN_NAME:
		o->stdin_name = arg;
		return 0;
	case OPT_NEW_PASSWORD_FILE:
		o->new_pwfile = arg;
		return 0;
	case OPT_NEW_VAULT_ID:
		o->new_vault_id = arg;
		return 0;
	case OPT_POLICY:
		o->policy = arg;
		return 0;
	case OPT_AUDIT_ROOT:
		return cmd_audit_root_opt(o->what, arg, &o->audit_root);
#ifdef ENVSEAL_TEST_HOOKS
	case OPT_TEST_FIXED_SALT:
		o->test_salt = arg;
		return cmd_test_fixed_salt(o->what, arg);
#endif
	case OPT_HELP:
		cmd_help(o->what, stdout);
		return -2;
	case OPT_ASK_VAULT_PASS:
		o->ks.ask = 1;
		return 0;
	case OPT_VERBOSE:
		/* Accepted as ansible accepts it; envseal's messages do not
		 * change with it. */
		return 0;
	case OPT_PROMPT:
		o->prompt = 1;
		return 0;
	case OPT_SHOW_INPUT:
		o->show_input = 1;
		return 0;
	default:
		if ((r = cmd_age_option(&o->age, c, arg)) != 0)
			return r > 0 ? 0 : cmd_usage("too many recipients");
		return cmd_keysrc_or_help(&o->ks, c, arg, o->what);
	}
}

/* Options that make no sense for the subcommand are errors, not ignored. */
static int
check_opts(const struct vopts *o)
{
	int es = o->sub == SUB_ENCRYPT_STRING, rk = o->sub == SUB_REKEY, r;

	if (o->output && o->sub != SUB_DECRYPT && o->sub != SUB_ENCRYPT &&
	    o->sub != SUB_MIGRATE && !es)
		return cmd_usage("%s: --output is for decrypt, encrypt, "
		    "encrypt-string and migrate", o->what);
	if (o->output && o->nargs > 1 && !es)
		return cmd_usage("%s: --output takes one input file", o->what);
	if (o->encrypt_id && o->sub != SUB_ENCRYPT && !es && !rk)
		return cmd_usage("%s: --encrypt-vault-id is for encrypt and "
		    "rekey", o->what);
	if ((o->nnames || o->stdin_name || o->prompt || o->show_input) && !es)
		return cmd_usage("%s: --name/--stdin-name/--prompt/--show-input "
		    "are for encrypt-string", o->what);
	/* ansible's argparse group: one or the other (its exit 2). */
	if (o->ks.ask && o->ks.n_password_files)
		return cmd_usage("%s: --ask-vault-pass: not allowed with "
		    "--vault-password-file", o->what);
	if (o->stdin_name && es_keysrc_reads_stdin(&o->ks))
		return cmd_usage("%s: --stdin-name and the vault password "
		    "cannot both be read from stdin", o->what);
	if ((o->new_pwfile || o->new_vault_id) && !rk)
		return cmd_usage("%s: --new-* options are for rekey", o->what);
	if (rk && !!o->new_pwfile == !!o->new_vault_id)
		return cmd_usage("%s: give exactly one of "
		    "--new-vault-password-file, --new-vault-id", o->what);
	if (cmd_age_wanted(&o->age) && o->sub != SUB_ENCRYPT &&
	    o->sub != SUB_MIGRATE)
		return cmd_usage("%s: -r, -R, --armor and --age-passphrase are "
		    "for encrypt and migrate", o->what);
	if (o->sub == SUB_MIGRATE && (o->age.passphrase ||
	    !(o->age.nrecipients || o->age.nfiles)))
		return cmd_usage("%s: migrate takes -r or -R (age recipients)",
		    o->what);
	if (cmd_age_wanted(&o->age) && (r = cmd_age_check(&o->age, o->what))
	    >= 0)
		return r;
	if ((o->ks.n_identities || o->ks.n_identity_credentials) &&
	    o->sub != SUB_VIEW && o->sub != SUB_DECRYPT &&
	    o->sub != SUB_REENCRYPT)
		return cmd_usage("%s: -i/--identity and --identity-credential "
		    "are for view, decrypt and reencrypt", o->what);
	if (!!o->policy != (o->sub == SUB_REENCRYPT))
		return cmd_usage("%s: --policy is for reencrypt, which needs "
		    "it", o->what);
	if (o->sub == SUB_REENCRYPT)
		return o->nargs ? cmd_usage("%s: the files are the policy's "
		    "vaults: no FILE", o->what) : -1;
#ifdef ENVSEAL_TEST_HOOKS
	/* A fixed salt would fix the file key, ephemeral keys and nonce. */
	if (o->test_salt && cmd_age_wanted(&o->age))
		return cmd_usage("%s: --test-fixed-salt is for Ansible Vault",
		    o->what);
#endif
	if (o->test_salt && o->sub != SUB_ENCRYPT && !es && !rk)
		return cmd_usage("%s: unknown option", o->what);
	/* decrypt and encrypt with no FILE read stdin, as ansible's do;
	 * view and rekey of no file are a mistake (ansible does nothing). */
	if (!es && o->nargs == 0 && o->sub != SUB_DECRYPT &&
	    o->sub != SUB_ENCRYPT)
		return cmd_usage("%s: no FILE given", o->what);
	if (o->nargs > VAULT_FILES_MAX)
		return cmd_usage("%s: more than %d files", o->what,
		    VAULT_FILES_MAX);
	return -1;
}

/* The FILE list of decrypt and encrypt given none: standard input. */
static char stdin_arg[] = "-";
static char *stdin_args[] = { stdin_arg, NULL };

static int
parse_opts(int argc, char **argv, struct vopts *o)
{
	int c, r;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, VAULT_SHORTOPTS, vault_longopts,
	    NULL)) != -1) {
		c = c == 'h' ? OPT_HELP : c == 'J' ? OPT_ASK_VAULT_PASS :
		    c == 'v' ? OPT_VERBOSE : c == 'n' ? OPT_NAME :
		    c == 'p' ? OPT_PROMPT : c;
		if (c == '?' || c == ':')
			return cmd_help(o->what, stderr), cmd_bad_option(o->what, c,
			    argv[optind - 1]);
		if ((r = take_opt(o, c, optarg)) != 0)
			return r == -2 ? 0 : r;
	}
	o->args = argv + optind;
	o->nargs = (size_t)(argc - optind);
	if ((r = check_opts(o)) >= 0)
		return r;
	if (o->nargs == 0 && (o->sub == SUB_DECRYPT || o->sub == SUB_ENCRYPT)) {
		if (isatty(STDIN_FILENO))
			fprintf(stderr, "Reading %s input from stdin\n",
			    o->sub == SUB_DECRYPT ? "ciphertext" : "plaintext");
		o->args = stdin_args;
		o->nargs = 1;
	}
	return -1;
}

int
cmd_vault(int argc, char **argv)
{
	struct cmd_host_names names = { 0 };
	struct vopts o;
	struct es_vrun v;
	size_t i;
	int r;

	memset(&o, 0, sizeof o);
	memset(&v, 0, sizeof v);
	o.hnames = &names;
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? ES_EXIT_USAGE : 0;
	}
	/* Change one secret, nothing on disk: cmd/vault_edit.c. */
	if (!strcmp(argv[1], "set") || !strcmp(argv[1], "unset") ||
	    !strcmp(argv[1], "edit") || !strcmp(argv[1], "create"))
		return cmd_vault_edit(argc, argv);
	for (i = 0; i < sizeof sub_names / sizeof sub_names[0]; i++)
		if (!strcmp(argv[1], sub_names[i]))
			break;
	/* ansible spells it encrypt_string. */
	if (!strcmp(argv[1], "encrypt_string"))
		i = SUB_ENCRYPT_STRING;
	if (i == sizeof sub_names / sizeof sub_names[0])
		return usage(stderr), cmd_usage("vault: unknown subcommand '%s'",
		    argv[1]);
	o.sub = (enum sub)i;
	/* Encrypting asks for a new password twice, as ansible does. */
	o.ks.ask_twice = o.sub == SUB_ENCRYPT || o.sub == SUB_ENCRYPT_STRING;
	o.ks.skipped = warn_skipped;
	snprintf(o.what, sizeof o.what, "vault %s", sub_names[i]);
	if ((r = parse_opts(argc - 1, argv + 1, &o)) >= 0)
		return r;
	if (es_vrun_alloc(&v, o.sub == SUB_ENCRYPT_STRING ? 1 : o.nargs) != 0)
		r = cmd_fail(o.what, -ENOMEM);
	else if (o.sub == SUB_VIEW || o.sub == SUB_DECRYPT)
		r = cmd_view_decrypt(&o, &v);
	else if (o.sub == SUB_ENCRYPT)
		r = cmd_encrypt(&o, &v);
	else if (o.sub == SUB_ENCRYPT_STRING)
		r = cmd_encrypt_string(&o, &v);
	else if (o.sub == SUB_MIGRATE)
		r = cmd_migrate(&o, &v);
	else if (o.sub == SUB_REENCRYPT)
		r = cmd_reencrypt(&o, &v);
	else
		r = cmd_rekey(&o, &v);
	/* A run that stopped between its vaults and its writes ends here
	 * (an ended run is not ended twice). */
	if (v.audit != NULL)
		es_audit_end(v.audit, r);
	es_vrun_free(&v);
	cmd_host_names_free(&names);
	return r;
}
