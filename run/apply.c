/*
 * run/apply.c — es_apply_run(): the writes of `envseal apply`, provision
 * and render under one confinement. Both plans read everything first
 * (the passwd family, the unit, the vaults, the keys: scripts run, workers
 * done); then the writer is confined once, over what render confines plus
 * /etc for the passwd family; then provision's writes, then render's.
 */
#include "run/run.h"
#include "provision/provision.h"
#include "report/report.h"

#include <stddef.h>

int
es_apply_run(struct es_root *root, const struct es_policy *p,
    struct es_provision_opts *po, struct es_render_opts *ro,
    struct es_report *rep)
{
	/* The passwd family lives in /etc; the rest of what apply writes
	 * render's confinement already lists. */
	static const char *const etc[] = { "/etc" };
	struct es_provision_plan *pp = NULL;
	struct es_render_plan *rp = NULL;
	int r;

	ro->flags |= ES_RENDER_NO_CONFINE;
	ro->extra_dirs = etc;
	ro->nextra_dirs = 1;
	if ((r = es_provision_plan(root, p, po, &pp)) != 0)
		goto out;
	/* Env-file owners may be the accounts the plan is about to add. */
	ro->resolve = es_provision_resolve;
	ro->resolve_arg = pp;
	if ((r = es_render_prepare(root, p, ro, &rp)) != 0)
		goto out;
	/* Every input read, every key resolved and wiped: confine before
	 * the first write. */
	if ((r = es_render_confine(root, p, ro)) != 0)
		goto out;
	if ((r = es_provision_commit(pp, po, rep)) != 0)
		goto out;
	rep->has_daemon_reload = 1;
	rep->daemon_reload = po->unit_changed;
	r = es_render_commit(rp, rep);
out:
	es_render_plan_free(rp);
	es_provision_plan_free(pp);
	ro->resolve = NULL;
	ro->resolve_arg = NULL;
	return r;
}
