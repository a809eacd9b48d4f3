/*
 * cmd/provision.c — `envseal provision [--policy FILE] [--root DIR]
 * [--check] [--diff] [--json] [--reload]`: the service's user, group,
 * directories and unit (provision/provision.h), one locked, audited run.
 */
#include "cmd/cmd.h"
#include "common/envseal.h"
#include "fs/fs.h"
#include "fs/report.h"
#include "policy/policy.h"
#include "provision/provision.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

enum {
	OPT_POLICY = OPT_CMD_BASE, OPT_ROOT, OPT_CHECK, OPT_DIFF, OPT_JSON,
	OPT_RELOAD, OPT_HELP,
};

struct prov_args {
	const char *policy;
	const char *root;
	int check, diff, json, reload;
};

static void
usage(FILE *f)
{
	fprintf(f, "usage: envseal provision [--policy FILE] [--root DIR] "
	    "[--check] [--diff] [--json] [--reload]\n"
	    "  Create or repair the service's user and group, its "
	    "directories and its\n  hardened unit. --check plans only; "
	    "--diff shows unit and passwd changes\n  (password fields "
	    "masked); --reload runs systemctl daemon-reload when the\n"
	    "  unit changed (root / with a running systemd only).\n");
}

static int
parse(int argc, char **argv, struct prov_args *a)
{
	static const struct option opts[] = {
		{ "policy", required_argument, NULL, OPT_POLICY },
		{ "root", required_argument, NULL, OPT_ROOT },
		{ "check", no_argument, NULL, OPT_CHECK },
		{ "diff", no_argument, NULL, OPT_DIFF },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "reload", no_argument, NULL, OPT_RELOAD },
		{ "help", no_argument, NULL, OPT_HELP },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case OPT_POLICY: a->policy = optarg; break;
		case OPT_ROOT: a->root = optarg; break;
		case OPT_CHECK: a->check = 1; break;
		case OPT_DIFF: a->diff = 1; break;
		case OPT_JSON: a->json = 1; break;
		case OPT_RELOAD: a->reload = 1; break;
		case OPT_HELP: usage(stdout); return 0;
		default: usage(stderr); return ES_EXIT_USAGE;
		}
	}
	if (optind != argc)
		return cmd_usage("provision: unexpected argument '%s'",
		    argv[optind]);
	return -1;
}

static void
lock_notice(const char *lockpath, void *arg)
{
	(void)arg;
	fprintf(stderr, "envseal: waiting for the lock %s\n", lockpath);
}

/* After a changed unit: reload when asked and possible, else say so. */
static int
maybe_reload(const struct prov_args *a, const struct es_report *rep)
{
	const char *why = NULL;
	int ran = 0, r;

	if (!rep->daemon_reload || a->check)
		return 0;
	if (!a->reload) {
		fprintf(stderr, "envseal: the unit changed; run `systemctl "
		    "daemon-reload` (or pass --reload)\n");
		return 0;
	}
	if ((r = es_systemd_reload(a->root, &ran, &why)) != 0)
		return r;
	if (!ran)
		fprintf(stderr, "envseal: daemon-reload not run: %s\n", why);
	return 0;
}

static int
run(const struct prov_args *a, const struct es_policy *p,
    struct es_report *rep)
{
	struct es_provision_opts o = { .diff = a->diff };
	struct es_root *root = NULL;
	int r, ar;

	if ((r = es_root_open(&root, a->root, a->check ? ES_ROOT_CHECK : 0))
	    != 0)
		return r;
	es_root_set_lock_notice(root, lock_notice, NULL);
	if ((r = es_root_lock(root)) != 0 ||
	    (r = es_audit_begin(root, "provision", p->sha256)) != 0)
		goto out;
	r = es_provision_run(root, p, &o, rep);
	rep->has_daemon_reload = 1;
	rep->daemon_reload = o.unit_changed;
	if (r == 0)
		r = maybe_reload(a, rep);
	/* The audit run ends with the status the command will have. */
	ar = es_audit_end(root, es_exit_status(r));
	if (r == 0)
		r = ar;
out:
	es_root_close(root);
	return r;
}

int
cmd_provision(int argc, char **argv)
{
	struct prov_args a = { 0 };
	struct es_report rep = { 0 };
	struct es_policy *p = NULL;
	int r;

	if ((r = parse(argc, argv, &a)) >= 0)
		return r;
	if ((r = es_policy_load(a.policy, &p)) != 0)
		return cmd_fail("provision", r);
	r = run(&a, p, &rep);
	if (a.json && r == 0)
		es_report_print_json(&rep, stdout);
	else if (r == 0 || rep.n > 0)
		es_report_print_text(&rep, r == 0 ? stdout : stderr, a.diff);
	es_report_free(&rep);
	es_policy_free(p);
	if (r != 0)
		return cmd_fail("provision", r);
	if (fflush(stdout) != 0)
		return cmd_fail("provision", -EIO);
	return 0;
}
