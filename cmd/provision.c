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
run(struct cmd_run_args *a, const struct es_policy *p)
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
	return cmd_run_main("provision", CMD_RUN_RELOAD, usage, NULL, run,
	    argc, argv);
}
