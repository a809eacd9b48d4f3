/*
 * cmd/render.c — `envseal render`: options, the run lock and audit run
 * around es_render_run() (run/run.h), and the report. No logic.
 *
 * The policy's /run directories are made first (provision/provision.h
 * es_runtime_dirs: tmpfs, empty at boot). --try-restart (the env-file
 * service's refresh unit): a restarter is forked before any key is
 * loaded (the writer may not exec) and asked to `systemctl try-restart`
 * the service only when an env file was created, replaced or repaired.
 */
#include "cmd/cmd.h"
#include "common/envseal.h"
#include "fs/fs.h"
#include "report/report.h"
#include "policy/policy.h"
#include "provision/provision.h"
#include "render/render.h"
#include "run/run.h"

#include <string.h>

static void
usage(FILE *f)
{
	cmd_help("render", f);
}

/* An env file's content was created or replaced: what the service reads.
 * Owner or mode repaired, or a /run directory made again, is not a reason
 * to restart it. */
static int
env_changed(const struct es_report *rep)
{
	size_t i;

	for (i = 0; i < rep->n; i++)
		if (!strcmp(rep->items[i].kind, "env") &&
		    (rep->items[i].action == ES_ACT_CREATED ||
		    rep->items[i].action == ES_ACT_REPLACED))
			return 1;
	return 0;
}

/* The restarter reaped; what it did said. */
static int
finish_restart(struct es_reloader *rl, int want)
{
	const char *why = NULL;
	int ran = 0, r;

	if (rl->pid < 0)
		return 0;
	r = es_reloader_finish(rl, want, &ran, &why);
	if (r == 0 && want && ran)
		cmd_note("an env file changed: try-restart queued");
	else if (r == 0 && want)
		cmd_note("try-restart not run: %s", why);
	return r;
}

/* Locked, audited run; the exit status. */
static int
run(struct cmd_run_args *a, const struct es_policy *p)
{
	struct es_render_opts o;
	struct es_report rep;
	struct es_root *root = NULL;
	struct es_reloader rl = { .pid = -1, .fd = -1 };
	int r, rr;

	memset(&o, 0, sizeof o);
	memset(&rep, 0, sizeof rep);
	o.keys = &a->keys;
	o.vault = a->vault;
	o.flags = a->check ? ES_RENDER_CHECK : 0;
	if ((r = cmd_run_begin("render", a, p, &root)) != 0)
		return cmd_fail("render", r);
	if (a->try_restart && !a->check)
		r = es_restarter_start(a->root, p->service->name, &rl);
	if (r == 0)
		r = es_runtime_dirs(root, p, &rep);
	if (r == 0)
		r = es_render_run(root, p, &o, &rep);
	if (o.no_landlock)
		cmd_warn_no_landlock();
	rr = finish_restart(&rl, r == 0 && env_changed(&rep));
	r = cmd_run_end("render", root, r != 0 ? r : rr, a, &rep);
	es_report_free(&rep);
	return r;
}

/* --try-restart restarts the policy's service: it must have one. */
static int
need(const struct cmd_run_args *a, const struct es_policy *p)
{
	return a->try_restart ? es_policy_require(p, "service") : 0;
}

int
cmd_render(int argc, char **argv)
{
	return cmd_run_main("render", CMD_RUN_VAULT | CMD_RUN_KEYS |
	    CMD_RUN_RESTART, usage, need, run, argc, argv);
}
