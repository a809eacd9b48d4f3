/*
 * cmd/render.c — `envseal render`: options, the run lock and audit run
 * around es_render_run() (render/render.h), and the report. No logic.
 */
#include "cmd/cmd.h"
#include "common/envseal.h"
#include "fs/fs.h"
#include "fs/report.h"
#include "policy/policy.h"
#include "render/render.h"

#include <string.h>

enum {
	OPT_POLICY = OPT_CMD_BASE,
	OPT_VAULT,
	OPT_ROOT,
	OPT_CHECK,
	OPT_DIFF,
	OPT_JSON,
	OPT_HELP,
};

struct render_args {
	const char *policy;
	const char *vault;
	const char *root;
	int check, diff, json;
	struct es_keysrc_opts keys;
};

static void
usage(FILE *f)
{
	fprintf(f, "usage: envseal render [--policy FILE] [--vault FILE] "
	    "[--root DIR]\n"
	    "           [--vault-id [LABEL@]SOURCE]... "
	    "[--vault-password-file FILE]...\n"
	    "           [--vault-password-credential NAME]... [--no-prompt]\n"
	    "           [--check] [--diff] [--json]\n");
}

static int
parse(int argc, char **argv, struct render_args *a)
{
	static const struct option longopts[] = {
		{ "policy", required_argument, NULL, OPT_POLICY },
		{ "vault", required_argument, NULL, OPT_VAULT },
		{ "root", required_argument, NULL, OPT_ROOT },
		{ "check", no_argument, NULL, OPT_CHECK },
		{ "diff", no_argument, NULL, OPT_DIFF },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "help", no_argument, NULL, OPT_HELP },
		CMD_KEYSRC_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	int c, k;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if ((k = cmd_keysrc_option(&a->keys, c, optarg)) == 1)
			continue;
		if (k < 0)
			return cmd_usage("render: too many key sources");
		switch (c) {
		case OPT_POLICY: a->policy = optarg; break;
		case OPT_VAULT: a->vault = optarg; break;
		case OPT_ROOT: a->root = optarg; break;
		case OPT_CHECK: a->check = 1; break;
		case OPT_DIFF: a->diff = 1; break;
		case OPT_JSON: a->json = 1; break;
		case 'h':
		case OPT_HELP:
			usage(stdout);
			return -1;
		default:
			usage(stderr);
			return cmd_usage("render: unknown option '%s'",
			    argv[optind - 1]);
		}
	}
	if (optind != argc)
		return cmd_usage("render: unexpected argument '%s'",
		    argv[optind]);
	return 0;
}

static void
lock_notice(const char *lockpath, void *arg)
{
	(void)arg;
	fprintf(stderr, "envseal: waiting for the lock %s\n", lockpath);
}

/* Locked, audited run; the exit status. */
static int
run(struct render_args *a, const struct es_policy *p)
{
	struct es_render_opts o;
	struct es_report rep;
	struct es_root *root = NULL;
	int r, status;

	memset(&o, 0, sizeof o);
	memset(&rep, 0, sizeof rep);
	o.keys = &a->keys;
	o.vault = a->vault;
	o.flags = a->check ? ES_RENDER_CHECK : 0;
	if ((r = es_root_open(&root, a->root, a->check ? ES_ROOT_CHECK : 0))
	    != 0)
		return cmd_fail("render", r);
	es_root_set_lock_notice(root, lock_notice, NULL);
	if ((r = es_root_lock(root)) != 0 ||
	    (r = es_audit_begin(root, "render", p->sha256)) != 0) {
		es_root_close(root);
		return cmd_fail("render", r);
	}
	r = es_render_run(root, p, &o, &rep);
	if (o.no_landlock)
		fprintf(stderr, "envseal: warning: this kernel has no "
		    "Landlock; the writer runs without it\n");
	status = r == 0 ? 0 : cmd_fail("render", r);
	if (r == 0 && a->json)
		es_report_print_json(&rep, stdout);
	else if (r == 0)
		es_report_print_text(&rep, stdout, a->diff);
	if ((r = es_audit_end(root, status)) != 0 && status == 0)
		status = cmd_fail("render: audit log", r);
	es_report_free(&rep);
	es_root_close(root);
	return status;
}

int
cmd_render(int argc, char **argv)
{
	struct render_args a;
	struct es_policy *p = NULL;
	int r;

	memset(&a, 0, sizeof a);
	if ((r = parse(argc, argv, &a)) != 0)
		return r < 0 ? 0 : r;
	if ((r = es_policy_load(a.policy, &p)) != 0)
		return cmd_fail("render", r);
	r = run(&a, p);
	es_policy_free(p);
	return r;
}
