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

static void
usage(FILE *f)
{
	cmd_help("render", f);
}

/* Locked, audited run; the exit status. */
static int
run(struct cmd_run_args *a, const struct es_policy *p)
{
	struct es_render_opts o;
	struct es_report rep;
	struct es_root *root = NULL;
	int r;

	memset(&o, 0, sizeof o);
	memset(&rep, 0, sizeof rep);
	o.keys = &a->keys;
	o.vault = a->vault;
	o.flags = a->check ? ES_RENDER_CHECK : 0;
	if ((r = cmd_run_begin("render", a, p, &root)) != 0)
		return cmd_fail("render", r);
	r = es_render_run(root, p, &o, &rep);
	if (o.no_landlock)
		cmd_warn_no_landlock();
	r = cmd_run_end("render", root, r, a, &rep);
	es_report_free(&rep);
	return r;
}

int
cmd_render(int argc, char **argv)
{
	struct cmd_run_args a;
	struct es_policy *p = NULL;
	int r;

	if ((r = cmd_run_parse("render", CMD_RUN_VAULT | CMD_RUN_KEYS, usage,
	    argc, argv, &a)) != 0)
		return r < 0 ? 0 : r;
	if ((r = es_policy_load(a.policy, &p)) != 0)
		return cmd_fail("render", r);
	r = run(&a, p);
	es_policy_free(p);
	return r;
}
