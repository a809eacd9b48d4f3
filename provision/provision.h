/*
 * provision/provision.h — the provisioning core of `envseal provision` and
 * `envseal apply`: the service's user and group (provision/accounts.h),
 * its directories (tmpfiles "d" through fs/es_ensure_dir) and its hardened
 * systemd unit, all written through fs/ and audited.
 *
 * Calling sequence (the caller owns the root, its run lock and the audit
 * run, as for render):
 *	es_root_open(&root, dir, check ? ES_ROOT_CHECK : 0);
 *	es_root_lock(root);
 *	es_audit_begin(root, "provision", p->sha256);
 *	struct es_provision_opts o = { .diff = 1 };
 *	es_provision_run(root, p, &o, &report);   // plan + commit + free
 *	... o.unit_changed -> report.daemon_reload ...
 *	es_audit_end(root, status);
 *
 * `envseal apply` uses the two halves, with render's prepare and the writer
 * confinement between them:
 *	es_provision_plan(root, p, &o, &plan);     // reads only, no write
 *	... es_render_prepare(..., resolve = es_provision_resolve, plan) ...
 *	... confine the writer ...
 *	es_provision_commit(plan, &o, &report);    // the writes
 *	es_provision_plan_free(plan);
 *
 * Plan: read group, gshadow, passwd, shadow and login.defs and compute
 * the new contents (for the lock, see /etc/.pwd.lock below);
 * resolve every directory's owner in the planned passwd and group (so
 * --check and apply work on a root without the user); render the unit
 * and, for --diff, read the unit on disk. Commit: the four files (each
 * with a "<name>-" backup, each keeping its owner and mode), then the
 * directories, then the unit's directory (root 0755) and the unit (root
 * 0644). The first error stops the commit; what was written before it
 * stays written (each write is atomic) and is in the report and the audit
 * log. A failed plan writes nothing.
 *
 * /etc/.pwd.lock: es_provision_run takes it before reading. Apply's plan
 * reads without it (taking it creates the file, a write) and the commit
 * takes it; if the four files changed in between, the commit plans the
 * accounts again from what is there, and fails with ES_ECONFLICT, writing
 * nothing, if the service's uid or gid would change, or if a directory's
 * or env file's owner:group would resolve to other ids (or not at all).
 * That failure leaves /etc/.pwd.lock (empty, 0600) behind, as useradd's
 * lock does.
 *
 * Errors: ES_EPOLICY (no service section), ES_ECONFLICT (an id held by
 * another account, an existing account with another uid or primary group),
 * ES_EUNSAFE and the rest of fs/'s errors, -ENOMEM.
 */
#ifndef ENVSEAL_PROVISION_H
#define ENVSEAL_PROVISION_H

#include <stddef.h>

#include "fs/fs.h"
#include "report/report.h"
#include "policy/lint.h"
#include "policy/policy.h"

/* Largest unit file we render: a policy has at most ES_POLICY_MAX_ITEMS
 * paths of at most ES_PATH_MAX bytes on a few lines; far more than that is
 * a bug. */
#define ES_UNIT_MAX ((size_t)1 << 20)
/* Masked password field in --diff output of passwd-family lines. */
#define ES_DIFF_MASK "<masked>"

struct es_provision_opts {
	int diff;              /* in: put unified diffs in the report items */
	int unit_changed;      /* out: the unit was created or replaced */
	uid_t uid;             /* out: the service user's uid */
	gid_t gid;             /* out: its group's gid */
};

struct es_provision_plan;

int es_provision_run(struct es_root *root, const struct es_policy *p,
    struct es_provision_opts *o, struct es_report *rep);
/* The halves of es_provision_run (see above); o->uid/gid are set by the
 * plan, o->unit_changed by the commit. The plan keeps root and p. */
int es_provision_plan(struct es_root *root, const struct es_policy *p,
    struct es_provision_opts *o, struct es_provision_plan **out);
int es_provision_commit(struct es_provision_plan *plan,
    struct es_provision_opts *o, struct es_report *rep);
/* NULL is a no-op. */
void es_provision_plan_free(struct es_provision_plan *plan);
/* Owner names in the planned passwd and group (numbers taken as ids): the
 * resolver render's prepare takes in apply (run/run.h). */
int es_provision_resolve(void *plan, const char *user, const char *group,
    uid_t *uid, gid_t *gid);

/* The unit text for p's service (malloc'd, NUL-terminated). Pure. With
 * env_service it Requires= and is After= <name>-env.service. */
int es_unit_render(const struct es_policy *p, char **out, size_t *len);

/*
 * The env-file service's units (provision/envunit.c; policy
 * `env_service: true` only): their text (malloc'd, pure) and their path,
 * next to the service's unit. Provision writes them root 0644 after the
 * service's unit, and the policy's bytes to
 * ES_POLICY_INSTALL_DIR/<name>.policy.yml (root 0600, the directory root
 * 0700), the copy the units render.
 */
enum es_env_unit {
	ES_ENV_UNIT_SERVICE,    /* <name>-env.service: render at start */
	ES_ENV_UNIT_REFRESH,    /* <name>-env-refresh.service: on change */
	ES_ENV_UNIT_PATH,       /* <name>-env.path: the watch */
	ES_ENV_UNIT_N,
};
int es_env_unit_render(const struct es_policy *p, enum es_env_unit which,
    char **out, size_t *len);
int es_env_unit_name(const struct es_policy *p, enum es_env_unit which,
    char *buf, size_t sz);

/*
 * Exposure (provision/exposure.c): lint rule ES008 (policy/lint.h). The
 * units provision would write for p (es_unit_render and, with
 * env_service, es_env_unit_render: the same bytes) are written through
 * fs/ into a private scratch root (es_scratch_open: a mkdtemp'd 0700
 * directory on a tmpfs, removed after, also on error; es_scratch_put for
 * each unit, so no root is needed) and scored by
 * /usr/bin/systemd-analyze security --offline=yes --root=SCRATCH on each
 * service unit (a .path unit has no score). The binary is judged by
 * es_trust_open and run from that descriptor (execveat): no shell, a
 * fixed argv, an empty environment, stderr to /dev/null. Each "Overall
 * exposure level for UNIT: N.N" over max is a medium finding at the
 * policy's `service:` line; a unit with no score line, or no
 * systemd-analyze at all, is one low "unknown" finding. No service
 * section: nothing. Errors: ES_EUNSAFE (an untrusted systemd-analyze),
 * fs/'s errors, ES_EINTERNAL (it hung or could not run), -ENOMEM.
 */
int es_lint_exposure(const struct es_policy *p, double max,
    struct es_lint *l);

/*
 * Render's directories on /run (tmpfs: gone at every boot): each policy
 * `directories` entry under /run is made or repaired (es_ensure_dir, owner
 * and group looked up in the root's files) and put in the report. Called
 * by `envseal render` before the render, under its lock and audit run.
 */
int es_runtime_dirs(struct es_root *root, const struct es_policy *p,
    struct es_report *rep);


/*
 * A unified diff of old -> new (one hunk per run of changes, 3 lines of
 * context), labelled a/path and b/path; "" when equal. mask_password:
 * a passwd-family file (any of the four): field 2 of every shown line
 * replaced by ES_DIFF_MASK unless it is exactly "x", however few fields
 * the line has; a non-empty line without ':' is ES_DIFF_MASK whole.
 * malloc'd into *out. Pure.
 */
int es_line_diff(const char *path, const unsigned char *old, size_t old_len,
    const unsigned char *new, size_t new_len, int mask_password, char **out);

/*
 * `--reload`: run `systemctl daemon-reload`, only when rootdir is the real
 * "/" (NULL counts as "/") and systemd is running (/run/systemd/system
 * exists). *ran = 1 when it ran and succeeded; otherwise *ran = 0 and *why
 * says why it was not run (0 returned), or an error when it ran and failed.
 * systemctl gets an empty environment but PATH; stdout/stderr are ours.
 */
int es_systemd_reload(const char *rootdir, int *ran, const char **why);

/*
 * The reloader of `envseal apply --reload`: the writer's seccomp filter
 * forbids exec, so a child is forked before the confinement (and before
 * any key is loaded: it holds no secret) and blocks on a pipe.
 *	struct es_reloader rl;
 *	es_reloader_start(rootdir, &rl);     // before keys and confinement
 *	... keys, confinement, writes ...
 *	es_reloader_finish(&rl, unit_changed, &ran, &why);
 * finish with want = 1 writes one byte (the child runs
 * es_systemd_reload() and exits with its outcome); with want = 0 it closes
 * the pipe (the child exits). Either way it reaps the child; *ran and *why
 * as for es_systemd_reload(). A reloader with pid -1 is a no-op.
 */
struct es_reloader {
	pid_t pid;
	int fd;            /* the pipe's write end */
};
int es_reloader_start(const char *rootdir, struct es_reloader *rl);
int es_reloader_finish(struct es_reloader *rl, int want, int *ran,
    const char **why);

/*
 * `envseal render --try-restart`: `systemctl --no-block try-restart
 * <name>.service` through a child forked before any key is loaded, as
 * the reloader below; only on the live root with systemd running.
 * --no-block: the env unit that runs us is a dependency of that service;
 * waiting for the restart would wait for ourselves.
 */
int es_restarter_start(const char *rootdir, const char *service,
    struct es_reloader *rl);

#endif
