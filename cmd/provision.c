/*
 * cmd/provision.c — `envseal provision [--policy FILE] [--root DIR]
 * [--check] [--diff] [--json] [--reload]`: the service's user, group,
 * directories and unit (provision/provision.h), one locked, audited run.
 */
#include "cmd/cmd.h"
#include "common/envseal.h"
#include "fs/fs.h"
#include "report/report.h"
#include "policy/policy.h"
#include "provision/provision.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

static void
usage(FILE *f)
{
	cmd_help("provision", f);
}

/* After a changed unit: reload when asked and possible, else say so. */
static int
maybe_reload(const struct cmd_run_args *a, const struct es_report *rep)
{
	const char *why = NULL;
	int ran = 0, r;

	if (!rep->daemon_reload || a->check)
		return 0;
	if (a->reload && (r = es_systemd_reload(a->root, &ran, &why)) != 0)
		return r;
	return cmd_reload_hint(ran, why, a->reload);
}

static int
run(const struct cmd_run_args *a, const struct es_policy *p)
{
	struct es_provision_opts o = { .diff = a->diff };
	struct es_report rep = { 0 };
	struct es_root *root = NULL;
	int r;

	if ((r = cmd_run_begin("provision", a, p, &root)) != 0)
		return cmd_fail("provision", r);
	r = es_provision_run(root, p, &o, &rep);
	rep.has_daemon_reload = 1;
	rep.daemon_reload = o.unit_changed;
	if (r == 0)
		r = maybe_reload(a, &rep);
	r = cmd_run_end("provision", root, r, a, &rep);
	es_report_free(&rep);
	return r;
}

int
cmd_provision(int argc, char **argv)
{
	struct cmd_run_args a;
	struct es_policy *p = NULL;
	int r;

	if ((r = cmd_run_parse("provision", CMD_RUN_RELOAD, usage, argc, argv,
	    &a)) != 0)
		return r < 0 ? 0 : r;
	if ((r = cmd_policy_load_trusted(a.root, a.policy,
	    a.trusted_key, &p, a.signer)) != 0)
		return cmd_fail("provision", r);
	r = run(&a, p);
	es_policy_free(p);
	return r;
}
