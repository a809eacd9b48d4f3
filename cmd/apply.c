/*
 * cmd/apply.c — `envseal apply`: provision (provision/provision.h), then
 * render (render/render.h), under one run lock and one audit run, with one
 * report. Options are provision's plus render's (--vault, key sources).
 * --reload runs before the render, because the render confines the
 * process (Landlock + a seccomp filter without exec) before it writes.
 */
#include "cmd/cmd.h"
#include "common/envseal.h"
#include "fs/fs.h"
#include "fs/report.h"
#include "policy/policy.h"
#include "provision/provision.h"
#include "render/render.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

enum {
	OPT_POLICY = OPT_CMD_BASE, OPT_VAULT, OPT_ROOT, OPT_CHECK, OPT_DIFF,
	OPT_JSON, OPT_RELOAD, OPT_HELP,
};

struct apply_args {
	const char *policy;
	const char *vault;
	const char *root;
	int check, diff, json, reload;
	struct es_keysrc_opts keys;
};

static void
usage(FILE *f)
{
	fprintf(f, "usage: envseal apply [--policy FILE] [--vault FILE] "
	    "[--root DIR]\n"
	    "           [--vault-id [LABEL@]SOURCE]... "
	    "[--vault-password-file FILE]...\n"
	    "           [--vault-password-credential NAME]... [--no-prompt]\n"
	    "           [--check] [--diff] [--json] [--reload]\n"
	    "  `envseal provision` then `envseal render`, one locked, audited "
	    "run.\n");
}

static int
parse(int argc, char **argv, struct apply_args *a)
{
	static const struct option longopts[] = {
		{ "policy", required_argument, NULL, OPT_POLICY },
		{ "vault", required_argument, NULL, OPT_VAULT },
		{ "root", required_argument, NULL, OPT_ROOT },
		{ "check", no_argument, NULL, OPT_CHECK },
		{ "diff", no_argument, NULL, OPT_DIFF },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "reload", no_argument, NULL, OPT_RELOAD },
		{ "help", no_argument, NULL, OPT_HELP },
		CMD_KEYSRC_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	int c, k;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if ((k = cmd_keysrc_option(&a->keys, c, optarg)) == 1)
			continue;
		if (k < 0)
			return cmd_usage("apply: too many key sources");
		switch (c) {
		case OPT_POLICY: a->policy = optarg; break;
		case OPT_VAULT: a->vault = optarg; break;
		case OPT_ROOT: a->root = optarg; break;
		case OPT_CHECK: a->check = 1; break;
		case OPT_DIFF: a->diff = 1; break;
		case OPT_JSON: a->json = 1; break;
		case OPT_RELOAD: a->reload = 1; break;
		case 'h':
		case OPT_HELP:
			usage(stdout);
			return -1;
		default:
			usage(stderr);
			return cmd_usage("apply: unknown option '%s'",
			    argv[optind - 1]);
		}
	}
	if (optind != argc)
		return cmd_usage("apply: unexpected argument '%s'",
		    argv[optind]);
	return 0;
}

static void
lock_notice(const char *lockpath, void *arg)
{
	(void)arg;
	fprintf(stderr, "envseal: waiting for the lock %s\n", lockpath);
}

static int
maybe_reload(const struct apply_args *a, int unit_changed)
{
	const char *why = NULL;
	int ran = 0, r;

	if (!unit_changed || a->check)
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

/* Provision, reload, render; the first error stops the run. */
static int
steps(struct apply_args *a, struct es_root *root, const struct es_policy *p,
    struct es_report *rep, int *no_landlock)
{
	struct es_provision_opts po = { .diff = a->diff };
	struct es_render_opts ro;
	int r;

	memset(&ro, 0, sizeof ro);
	ro.keys = &a->keys;
	ro.vault = a->vault;
	ro.flags = a->check ? ES_RENDER_CHECK : 0;
	if ((r = es_provision_run(root, p, &po, rep)) != 0)
		return r;
	rep->has_daemon_reload = 1;
	rep->daemon_reload = po.unit_changed;
	if ((r = maybe_reload(a, po.unit_changed)) != 0)
		return r;
	r = es_render_run(root, p, &ro, rep);
	*no_landlock = ro.no_landlock;
	return r;
}

static int
run(struct apply_args *a, const struct es_policy *p)
{
	struct es_report rep;
	struct es_root *root = NULL;
	int r, status, no_landlock = 0;

	memset(&rep, 0, sizeof rep);
	if ((r = es_root_open(&root, a->root, a->check ? ES_ROOT_CHECK : 0))
	    != 0)
		return cmd_fail("apply", r);
	es_root_set_lock_notice(root, lock_notice, NULL);
	if ((r = es_root_lock(root)) != 0 ||
	    (r = es_audit_begin(root, "apply", p->sha256)) != 0) {
		es_root_close(root);
		return cmd_fail("apply", r);
	}
	r = steps(a, root, p, &rep, &no_landlock);
	if (no_landlock)
		fprintf(stderr, "envseal: warning: this kernel has no "
		    "Landlock; the writer runs without it\n");
	status = r == 0 ? 0 : cmd_fail("apply", r);
	if (r == 0 && a->json)
		es_report_print_json(&rep, stdout);
	else
		es_report_print_text(&rep, r == 0 ? stdout : stderr, a->diff);
	if ((r = es_audit_end(root, status)) != 0 && status == 0)
		status = cmd_fail("apply: audit log", r);
	es_report_free(&rep);
	es_root_close(root);
	if (status == 0 && fflush(stdout) != 0)
		status = cmd_fail("apply", -EIO);
	return status;
}

int
cmd_apply(int argc, char **argv)
{
	struct apply_args a;
	struct es_policy *p = NULL;
	int r;

	memset(&a, 0, sizeof a);
	if ((r = parse(argc, argv, &a)) != 0)
		return r < 0 ? 0 : r;
	if ((r = es_policy_load(a.policy, &p)) != 0)
		return cmd_fail("apply", r);
	if ((r = es_policy_require(p, "service")) != 0 ||
	    (r = es_policy_require(p, "env_files")) != 0) {
		es_policy_free(p);
		return cmd_fail("apply", r);
	}
	r = run(&a, p);
	es_policy_free(p);
	return r;
}
