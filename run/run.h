/*
 * run/run.h — the parent's side of a run: plan, confine, commit. Shared by
 * `envseal render` and `envseal apply` (and the coming verify and rotate);
 * sits above render/ (the pure encoder the worker runs), sandbox/ (the
 * worker and the writer's confinement), provision/ (owner lookups), keys/
 * (the key sources) and fs/ (the writes).
 *
 * es_render_prepare() resolves owners, reads the vaults and old env files,
 * loads keys and runs the worker; es_render_confine() confines the writer
 * (sandbox/sandbox.h); es_render_commit() writes through fs/.
 * es_render_run() chains them for `envseal render`; es_apply_run() puts
 * provisioning around them for `envseal apply`. The parent never parses
 * decrypted content.
 *
 *	struct es_render_opts o = { .keys = &keys };
 *	es_render_run(root, policy, &o, &report);
 *
 * Errors: 0 or a negative code with a detail naming paths and variables,
 * never values (render/render.h's contract for what the worker refuses).
 */
#ifndef ENVSEAL_RUN_H
#define ENVSEAL_RUN_H

#include <stddef.h>
#include <sys/types.h>

#include "common/envseal.h"

struct es_root;
struct es_policy;
struct es_report;
struct es_keysrc_opts;

enum es_render_flags {
	ES_RENDER_CHECK = 1 << 0,     /* plan only: the root must be opened
	                                 with ES_ROOT_CHECK, else an error */
	ES_RENDER_NO_CONFINE = 1 << 1, /* caller confines the writer itself */
};

struct es_render_opts {
	const struct es_keysrc_opts *keys;  /* where passwords come from */
	const char *vault;                  /* --vault: override (one file) */
	const char *const *extra_dirs;      /* more writable dirs (apply) */
	size_t nextra_dirs;
	unsigned flags;                     /* enum es_render_flags */
	/* Owner resolver (apply: es_provision_resolve over the planned
	 * passwd and group, whose accounts may not exist yet); NULL: the
	 * root's /etc/passwd and /etc/group. */
	int (*resolve)(void *arg, const char *user, const char *group,
	    uid_t *uid, gid_t *gid);
	void *resolve_arg;
	/* Out: 1 when the kernel had no Landlock (cmd/ warns once). */
	int no_landlock;
};

struct es_render_plan;

/*
 * Render every env file of p under root, one report item each:
 * es_render_prepare, es_render_confine (unless ES_RENDER_NO_CONFINE),
 * es_render_commit, es_render_plan_free. Nothing is written unless every
 * file rendered. The caller holds the root lock and the audit run
 * (es_audit_begin/es_audit_end). Unless NO_CONFINE, the confinement
 * outlives the call: the process can no longer exec, open sockets, or
 * write outside those directories.
 */
int es_render_run(struct es_root *root, const struct es_policy *p,
    struct es_render_opts *o, struct es_report *rep);

/*
 * Everything before the first write, nothing written: resolve each file's
 * owner and group (o->resolve, else the root's /etc/passwd and /etc/group:
 * ES_EMISSING, suggesting `envseal provision` for the service's own
 * accounts and saying that any other must exist); read each vault (relative
 * paths against the cwd, at most ES_VAULT_MAX) and the old env file; load
 * the keys (scripts run here); run one sandboxed worker per file; wipe the
 * keys. *plan holds the rendered bytes (guarded), names and diffs; it
 * keeps root and p. On error *plan is NULL.
 */
int es_render_prepare(struct es_root *root, const struct es_policy *p,
    struct es_render_opts *o, struct es_render_plan **plan);

/*
 * The writer confinement (sandbox/sandbox.h) for p: Landlock beneath each
 * env file's directory, the unit's directory, the policy's directories,
 * /var/lib/envseal, /var/log/envseal and o->extra_dirs (apply adds /etc
 * for the passwd family), plus the writer seccomp filter. Irreversible.
 * Sets o->no_landlock.
 */
int es_render_confine(struct es_root *root, const struct es_policy *p,
    struct es_render_opts *o);

/* Write each env file through fs/ (ES_W_TRUSTED), one report item each;
 * the first error stops. Owners found in the root's files (no resolver)
 * are looked up again first: an id changed since the plan is ES_ECONFLICT
 * with nothing written. */
int es_render_commit(struct es_render_plan *plan, struct es_report *rep);

/* Wipes the rendered bytes and old files; NULL is a no-op. */
void es_render_plan_free(struct es_render_plan *plan);

/* ---- apply (run/apply.c) ---- */

struct es_provision_opts;

/*
 * `envseal apply`'s writes, one report: es_provision_plan, then
 * es_render_prepare with owners resolved in that plan (accounts it is
 * about to add), one es_render_confine over render's directories plus
 * /etc, es_provision_commit (sets rep's daemon_reload from
 * po->unit_changed), es_render_commit. The first error stops; nothing is
 * written before the confinement. ro's keys, vault and ES_RENDER_CHECK
 * are the caller's; the rest of ro is set here. The caller holds the root
 * lock and the audit run; the confinement outlives the call.
 */
int es_apply_run(struct es_root *root, const struct es_policy *p,
    struct es_provision_opts *po, struct es_render_opts *ro,
    struct es_report *rep);

#endif
