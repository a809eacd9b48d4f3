/*
 * cmd/apply.c — `envseal apply`: provision (provision/provision.h), then
 * render (run/run.h es_apply_run), under one run lock and one audit run,
 * with one report. Options are provision's plus render's (--vault, key
 * sources); the run itself is run/apply.c's.
 *
 * Order: the reloader is forked (--reload, before any key exists); the
 * provisioning plan and render's prepare (keys loaded, scripts run,
 * workers done) read everything; then the writer is confined (Landlock
 * over /etc and every directory apply writes, seccomp without exec); then
 * provision's writes, render's writes, and the reload through the
 * reloader. A failure before the confinement writes nothing but the audit
 * run's begin and end records.
 */
#include "cmd/cmd.h"
#include "common/envseal.h"
#include "fs/fs.h"
#include "report/report.h"
#include "policy/policy.h"
#include "provision/provision.h"
#include "run/run.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

static void
usage(FILE *f)
{
	cmd_help("apply", f);
}

/* The reloader reaped; its outcome said. want: the unit changed. */
static int
finish_reload(const struct cmd_run_args *a, struct es_reloader *rl, int want)
{
	const char *why = NULL;
	int ran = 0, r;

	r = es_reloader_finish(rl, want && a->reload, &ran, &why);
	if (!want || a->check || r != 0)
		return r;
	return cmd_reload_hint(ran, why, a->reload);
}

static int
steps(struct cmd_run_args *a, struct es_root *root, const struct es_policy *p,
    struct es_report *rep, int *no_landlock)
{
	struct es_provision_opts po = { .diff = a->diff };
	struct es_reloader rl = { .pid = -1, .fd = -1 };
	struct es_render_opts ro;
	int r, rr;

	memset(&ro, 0, sizeof ro);
	ro.keys = &a->keys;
	ro.vault = a->vault;
	ro.flags = a->check ? ES_RENDER_CHECK : 0;
	if (a->reload && !a->check &&
	    (r = es_reloader_start(a->root, &rl)) != 0)
		return r;
	r = es_apply_run(root, p, &po, &ro, rep);
	*no_landlock = ro.no_landlock;
	/* A unit written is a unit systemd should reload, even when a later
	 * write failed. */
	rr = finish_reload(a, &rl, po.unit_changed);
	return r != 0 ? r : rr;
}

static int
run(struct cmd_run_args *a, const struct es_policy *p)
{
	struct es_report rep;
	struct es_root *root = NULL;
	int r, no_landlock = 0;

	memset(&rep, 0, sizeof rep);
	if ((r = cmd_run_begin("apply", a, p, &root)) != 0)
		return cmd_fail("apply", r);
	r = steps(a, root, p, &rep, &no_landlock);
	if (no_landlock)
		cmd_warn_no_landlock();
	r = cmd_run_end("apply", root, r, a, &rep);
	es_report_free(&rep);
	return r;
}

static int
need(const struct cmd_run_args *a, const struct es_policy *p)
{
	int r;

	(void)a;
	if ((r = es_policy_require(p, "service")) != 0)
		return r;
	return es_policy_require(p, "env_files");
}

int
cmd_apply(int argc, char **argv)
{
	return cmd_run_main("apply", CMD_RUN_VAULT | CMD_RUN_KEYS |
	    CMD_RUN_RELOAD, usage, need, run, argc, argv);
}
