/*
 * cmd/cmd.h — the envseal command: one entry point per command group.
 * Only cmd/ prints messages and chooses exit statuses; each cmd_* returns
 * the process exit status (common/envseal.h ES_EXIT_*, envseal(1) EXIT
 * STATUS).
 */
#ifndef ENVSEAL_CMD_H
#define ENVSEAL_CMD_H

#include <getopt.h>
#include <stdio.h>

#include "keys/keysrc.h"

int cmd_vault(int argc, char **argv);
/* `vault set|unset|edit|create` (cmd/vault_edit.c), dispatched by
 * cmd_vault: argv[1] is the subcommand. */
int cmd_vault_edit(int argc, char **argv);
int cmd_render(int argc, char **argv);
int cmd_provision(int argc, char **argv);
int cmd_apply(int argc, char **argv);
int cmd_audit(int argc, char **argv);
int cmd_policy(int argc, char **argv);
int cmd_credential(int argc, char **argv);
int cmd_keygen(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_rotate(int argc, char **argv);
/* `policy lint` (cmd/lint.c), dispatched by cmd_policy. */
int cmd_policy_lint(int argc, char **argv);
/* `policy sign` (cmd/sign.c), dispatched by cmd_policy. */
int cmd_policy_sign(int argc, char **argv);

/* Load the policy at path (NULL: the embedded default), refusing it
 * (ES_EINTEGRITY, naming the trusted key ids) unless path.minisig is a
 * valid minisign signature of it by a key in rootdir's
 * /etc/envseal/trusted-keys/NAME.pub or extra_key (either may be NULL);
 * with no trusted key at all, es_policy_load(). signer (17 bytes) gets
 * the signing key id, or "" (cmd/trust.c). */
struct es_policy;
/* es_failf(code, "PREFIX: <the detail recorded last>; refused"). */
int cmd_fail_prefix(int code, const char *prefix);
int cmd_policy_load_trusted(const char *rootdir, const char *path,
    const char *extra_key, struct es_policy **out, char *signer);
/* The same; with unseen_ok, trusted keys the caller may not read (EACCES)
 * load the policy unchecked and set signer to "?" (verify: unknown). */
int cmd_policy_load_trusted_as(const char *rootdir, const char *path,
    const char *extra_key, struct es_policy **out, char *signer,
    int unseen_ok);

/* --- the auditor's questions to the log (cmd/auditq.c) --- */
struct es_root;
/* 1 when h is a record hash (64 lowercase hex digits). */
int cmd_audit_hash_ok(const char *h);
/* 1 when t is the start of a record time (at least YYYY-MM-DD). */
int cmd_audit_time_ok(const char *t);
/* ES_EINTEGRITY unless hash is a record's hash; prints its line and how
 * many records follow it. Call after es_audit_verify succeeded. */
int cmd_audit_expect(struct es_root *root, const char *hash, FILE *out);
/* `audit verify`'s words for fs/'s chain walk: the summary, notes for
 * records over the bound, one line per incomplete run. */
int cmd_audit_verify(struct es_root *root, FILE *out);
/* Plain `audit show`: every record, one line each. */
int cmd_audit_show(struct es_root *root, FILE *out);

/* Owner names for working-tree writes' audit records (cmd/hostnames.c):
 * es_root_set_namer(audit, cmd_host_name, &names); free after the run. */
struct cmd_host_names {
	int read;
	unsigned char *buf[2];     /* host's /etc/passwd, /etc/group; NULL */
	size_t len[2];
};
int cmd_host_name(void *arg, int group, unsigned long id, char *out,
    size_t size);
void cmd_host_names_free(struct cmd_host_names *h);
struct cmd_audit_filter {
	const char *path, *run, *since, *command;   /* NULL: any */
	int json;        /* JSON lines, ASCII-only, instead of text */
};
/* The records that pass f, to out (an escaping stream). */
int cmd_audit_show_filtered(struct es_root *root,
    const struct cmd_audit_filter *f, FILE *out);

/* Print "envseal: <what>: <detail or strerror>" on stderr; return the exit
 * status for code. what may be NULL. */
int cmd_fail(const char *what, int code);
/* cmd_fail for a file: "<what>: <file>: <detail>", or "<what>: <detail>"
 * when the detail already starts with "<file>:". */
int cmd_fail_file(const char *what, const char *file, int code);
/* The root whose audit log records root's working-tree writes (vault
 * commands, policy sign, credential seal): opt (--audit-root) when given,
 * else $ENVSEAL_AUDIT_ROOT when set and not empty, else the host's "/". A
 * scratch root keeps tests and demos off the host's log. */
const char *cmd_audit_root(const char *opt);
/* 1 when --json is among argv[1..] before "--" (seen before the options
 * are parsed, so a usage error gets its JSON object too); getopt_long
 * takes any unambiguous prefix, so "--j" counts. */
int cmd_scan_json(int argc, char **argv);
/* Print a usage error and return 2. */
int cmd_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The first error line cmd_fail or cmd_usage said ("envseal: ...", as
 * escaped on stderr), or "". */
const char *cmd_first_error(void);
/* Print the --help text of what ("render", "vault", "vault rekey", ...:
 * a command, or "vault " and a subcommand) on f (cmd/help.c). */
void cmd_help(const char *what, FILE *f);
/* getopt_long (optstring beginning with ':', opterr 0) returned c, not an
 * option: say "WHAT: option 'ARG' needs a value" for ':' (a missing
 * value is not an unknown option), else "WHAT: unknown option 'ARG'";
 * arg is the word getopt stopped at (argv[optind - 1]). Returns 2. */
int cmd_bad_option(const char *what, int c, const char *arg);
/* Print "envseal: <text>" on stderr (a progress note, not an error). */
void cmd_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* cmd_fail, cmd_usage and cmd_note escape control and bidi characters
 * (common/envseal.h es_fput_esc); the report, audit and policy printers
 * write through es_esc_stream(stdout, ES_ESC_KEEP_NL). Nothing else of
 * cmd/ prints a name from input. */

/* Key-source long options shared by every decrypting command. */
enum {
	OPT_VAULT_ID = 1000,
	OPT_VAULT_PASSWORD_FILE,
	OPT_VAULT_PASSWORD_CREDENTIAL,
	OPT_NO_PROMPT,
	OPT_IDENTITY_CREDENTIAL,
	OPT_CMD_BASE = 1100,   /* commands number their own options from here */
};

#define CMD_KEYSRC_LONGOPTS                                                   \
	{ "vault-id", required_argument, NULL, OPT_VAULT_ID },                \
	{ "vault-password-file", required_argument, NULL,                     \
	    OPT_VAULT_PASSWORD_FILE },                                        \
	{ "vault-password-credential", required_argument, NULL,               \
	    OPT_VAULT_PASSWORD_CREDENTIAL },                                  \
	{ "no-prompt", no_argument, NULL, OPT_NO_PROMPT },                    \
	{ "identity", required_argument, NULL, 'i' },                         \
	{ "identity-credential", required_argument, NULL,                     \
	    OPT_IDENTITY_CREDENTIAL }

/* Consume a key-source option: 1 if it was one, 0 if not, or an exit
 * status > 1 never (a full list is a usage error and returns -1). */
int cmd_keysrc_option(struct es_keysrc_opts *o, int opt, const char *arg);
/* An option no table of the command took: a key-source option (0), one
 * too many (a usage error, 2), or none: WHAT's help on stderr, 2. */
int cmd_keysrc_or_help(struct es_keysrc_opts *o, int opt, const char *arg,
    const char *what);
/* --audit-root DIR into *out: 0, or 2 after the usage error of an empty
 * DIR. */
int cmd_audit_root_opt(const char *what, const char *arg, const char **out);
#ifdef ENVSEAL_TEST_HOOKS
/* TEST BUILD ONLY: --test-fixed-salt HEX, every new salt those bytes
 * (crypto/crypto.h es_salt_fixed): 0, or 2 after a message. */
int cmd_test_fixed_salt(const char *what, const char *hex);
#endif

/* --- render, provision and apply (cmd/runargs.c) --- */
struct es_root;
struct es_policy;
struct es_report;

enum cmd_run_allowed {
	CMD_RUN_VAULT = 1 << 0,    /* --vault FILE */
	CMD_RUN_KEYS = 1 << 1,     /* the key-source options */
	CMD_RUN_RELOAD = 1 << 2,   /* --reload */
	CMD_RUN_RESTART = 1 << 3,  /* --try-restart */
};
/* Most long options a run command takes (the table is built per command). */
#define CMD_RUN_MAX_OPTS 16

struct cmd_run_args {
	const char *policy;
	const char *vault;
	const char *root;
	int check, diff, json, reload, try_restart;
	struct es_keysrc_opts keys;
	const char *trusted_key;   /* --trusted-key FILE, or NULL */
	char signer[17];           /* the policy's signing key id, or "" */
};

/* 0 parsed; -1 help printed (exit 0); otherwise the usage exit status. */
int cmd_run_parse(const char *name, unsigned allowed, void (*usage)(FILE *),
    int argc, char **argv, struct cmd_run_args *a);
/*
 * The shell every run command shares: cmd_run_parse(name, allowed), the
 * policy loaded under the root's trust (cmd_policy_load_trusted), need(a,
 * p) (NULL: nothing more; else 0 or the code of what the policy lacks for
 * these options), then run(a, p), which returns the exit status. The
 * policy is freed; the exit status.
 */
int cmd_run_main(const char *name, unsigned allowed, void (*usage)(FILE *),
    int (*need)(const struct cmd_run_args *, const struct es_policy *),
    int (*run)(struct cmd_run_args *, const struct es_policy *),
    int argc, char **argv);
/* Open the root (check mode with --check), take its run lock (saying so
 * while waiting) and begin the audit run. */
int cmd_run_begin(const char *command, const struct cmd_run_args *a,
    const struct es_policy *p, struct es_root **root);
/* Say the error (r) or print the report, end the audit run with the exit
 * status, close the root; the exit status. */
int cmd_run_end(const char *command, struct es_root *root, int r,
    const struct cmd_run_args *a, const struct es_report *rep);
/* With --json a failed run prints one JSON object on stdout too, so that
 * `changed_when: (r.stdout | from_json).changed` never errors: cmd_run_end
 * prints it with what was done; for a failure before (a usage error, a
 * policy that does not load, a lock or audit begin that fails) main passes
 * every command's status through cmd_json_finish, which prints
 * {"changed": false, "failed": true, "rc": N, "msg": LINE, "files": []}
 * when --json was asked for and nothing was printed. Returns status. */
int cmd_json_finish(int status);
void cmd_warn_no_landlock(void);
/* After a changed unit: tell how to reload, or why --reload did not. */
int cmd_reload_hint(int ran, const char *why, int asked);

#endif
