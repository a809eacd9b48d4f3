/*
 * cmd/runargs.c — what render, provision and apply share: their options,
 * the locked and audited run around them, and how they print the report.
 */
#include "cmd/cmd.h"
#include "common/envseal.h"
#include "fs/fs.h"
#include "report/report.h"
#include "policy/policy.h"

#include <errno.h>
#include <string.h>

enum {
	OPT_POLICY = OPT_CMD_BASE,
	OPT_VAULT,
	OPT_ROOT,
	OPT_CHECK,
	OPT_DIFF,
	OPT_JSON,
	OPT_RELOAD,
	OPT_TRY_RESTART,
	OPT_HELP,
	OPT_TRUSTED_KEY,
};

/* --json asked for (seen before any option is parsed, so a usage error
 * gets its object too); a JSON object printed on stdout. */
static int json_wanted, json_printed;

int
cmd_scan_json(int argc, char **argv)
{
	size_t n;
	int i;

	for (i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
		n = strlen(argv[i]);
		if (n >= 3 && strncmp(argv[i], "--json", n) == 0)
			return 1;
	}
	return 0;
}

/* The failure object: what was done (rep, may be empty), the status and
 * the first error line, through the escaping stream every report takes. */
static void
print_json_failure(const struct es_report *rep, int status)
{
	struct es_report r = *rep;
	FILE *out;

	r.failed = 1;
	r.rc = status;
	r.msg = cmd_first_error();
	if ((out = es_esc_stream(stdout, ES_ESC_KEEP_NL)) == NULL)
		return;
	es_report_print_json(&r, out);
	fclose(out);
	fflush(stdout);
	json_printed = 1;
}

int
cmd_json_finish(int status)
{
	struct es_report empty;

	if (status == 0 || !json_wanted || json_printed)
		return status;
	memset(&empty, 0, sizeof empty);
	print_json_failure(&empty, status);
	return status;
}

/* The option table with the options of `allowed` only. */
static size_t
build_longopts(unsigned allowed, struct option *lo)
{
	static const struct option common[] = {
		{ "policy", required_argument, NULL, OPT_POLICY },
		{ "root", required_argument, NULL, OPT_ROOT },
		{ "check", no_argument, NULL, OPT_CHECK },
		{ "diff", no_argument, NULL, OPT_DIFF },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "help", no_argument, NULL, OPT_HELP },
		{ "trusted-key", required_argument, NULL, OPT_TRUSTED_KEY },
	};
	static const struct option keys[] = { CMD_KEYSRC_LONGOPTS };
	static const struct option vault = { "vault", required_argument,
	    NULL, OPT_VAULT };
	static const struct option reload = { "reload", no_argument, NULL,
	    OPT_RELOAD };
	static const struct option restart = { "try-restart", no_argument,
	    NULL, OPT_TRY_RESTART };
	size_t n = 0, i;

	for (i = 0; i < sizeof common / sizeof common[0]; i++)
		lo[n++] = common[i];
	if (allowed & CMD_RUN_VAULT)
		lo[n++] = vault;
	if (allowed & CMD_RUN_RELOAD)
		lo[n++] = reload;
	if (allowed & CMD_RUN_RESTART)
		lo[n++] = restart;
	if (allowed & CMD_RUN_KEYS)
		for (i = 0; i < sizeof keys / sizeof keys[0]; i++)
			lo[n++] = keys[i];
	memset(&lo[n], 0, sizeof lo[n]);
	return n;
}

int
cmd_run_parse(const char *name, unsigned allowed, void (*usage)(FILE *),
    int argc, char **argv, struct cmd_run_args *a)
{
	struct option lo[CMD_RUN_MAX_OPTS + 1];
	int c, k;

	BUG_ON(build_longopts(allowed, lo) > CMD_RUN_MAX_OPTS);
	memset(a, 0, sizeof *a);
	json_wanted = cmd_scan_json(argc, argv);
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, allowed & CMD_RUN_KEYS ? ":hi:" :
	    ":h", lo, NULL)) != -1) {
		if ((k = cmd_keysrc_option(&a->keys, c, optarg)) == 1)
			continue;
		if (k < 0)
			return cmd_usage("%s: too many key sources", name);
		switch (c) {
		case OPT_POLICY: a->policy = optarg; break;
		case OPT_VAULT: a->vault = optarg; break;
		case OPT_ROOT: a->root = optarg; break;
		case OPT_CHECK: a->check = 1; break;
		case OPT_DIFF: a->diff = 1; break;
		case OPT_JSON: a->json = 1; break;
		case OPT_RELOAD: a->reload = 1; break;
		case OPT_TRY_RESTART: a->try_restart = 1; break;
		case OPT_TRUSTED_KEY: a->trusted_key = optarg; break;
		case 'h':
		case OPT_HELP:
			usage(stdout);
			return -1;
		default:
			usage(stderr);
			return cmd_bad_option(name, c, argv[optind - 1]);
		}
	}
	if (optind != argc)
		return cmd_usage("%s: unexpected argument '%s'", name,
		    argv[optind]);
	return 0;
}

/* The library never prints; this is what a waiting command says. */
static void
lock_notice(const char *lockpath, void *arg)
{
	(void)arg;
	cmd_note("waiting for the lock %s", lockpath);
}

int
cmd_run_begin(const char *command, const struct cmd_run_args *a,
    const struct es_policy *p, struct es_root **out)
{
	struct es_root *root = NULL;
	int r;

	*out = NULL;
	if ((r = es_root_open(&root, a->root, a->check ? ES_ROOT_CHECK : 0))
	    != 0)
		return r;
	es_root_set_lock_notice(root, lock_notice, NULL);
	es_audit_set_signer(root, a->signer);
	if ((r = es_root_lock(root)) != 0 ||
	    (r = es_audit_begin(root, command, p->sha256)) != 0) {
		es_root_close(root);
		return r;
	}
	*out = root;
	return 0;
}

int
cmd_run_main(const char *name, unsigned allowed, void (*usage)(FILE *),
    int (*need)(const struct cmd_run_args *, const struct es_policy *),
    int (*run)(struct cmd_run_args *, const struct es_policy *),
    int argc, char **argv)
{
	struct cmd_run_args a;
	struct es_policy *p = NULL;
	int r;

	if ((r = cmd_run_parse(name, allowed, usage, argc, argv, &a)) != 0)
		return r < 0 ? 0 : r;
	if ((r = cmd_policy_load_trusted(a.root, a.policy, a.trusted_key, &p,
	    a.signer)) != 0)
		return cmd_fail(name, r);
	if (need != NULL && (r = need(&a, p)) != 0)
		r = cmd_fail(name, r);
	else
		r = run(&a, p);
	es_policy_free(p);
	return r;
}

int
cmd_run_end(const char *command, struct es_root *root, int r,
    const struct cmd_run_args *a, const struct es_report *rep)
{
	FILE *out;
	int status, ar;

	/* The end record says why the run failed, as the user is told. */
	if (r != 0)
		es_audit_fail(root, r);
	status = r == 0 ? 0 : cmd_fail(command, r);
	/* Paths, names and diff lines came from input: escaped on the way. */
	out = es_esc_stream(r == 0 ? stdout : stderr, ES_ESC_KEEP_NL);
	if (out == NULL)
		status = status ? status : cmd_fail(command, -ENOMEM);
	else if (r == 0 && a->json) {
		es_report_print_json(rep, out);
		json_printed = 1;
	} else if (r == 0 || rep->n > 0)
		/* What was done before a failure still goes on record. */
		es_report_print_text(rep, out, a->diff);
	if (out != NULL && fclose(out) != 0 && status == 0)
		status = cmd_fail(command, -EIO);
	/* The audit run ends with the status the command will have. */
	if ((ar = es_audit_end(root, status)) != 0 && status == 0)
		status = cmd_fail(command, ar);
	es_root_close(root);
	if (status == 0 && fflush(stdout) != 0)
		status = cmd_fail(command, -EIO);
	if (status != 0 && a->json && !json_printed)
		print_json_failure(rep, status);
	return status;
}

void
cmd_warn_no_landlock(void)
{
	fprintf(stderr, "envseal: warning: this kernel has no Landlock; the "
	    "writer runs without it\n");
}

int
cmd_reload_hint(int ran, const char *why, int asked)
{
	if (!asked)
		fprintf(stderr, "envseal: the unit changed; run `systemctl "
		    "daemon-reload` (or pass --reload)\n");
	else if (!ran)
		cmd_note("daemon-reload not run: %s", why);
	return 0;
}
