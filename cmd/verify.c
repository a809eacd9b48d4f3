/*
 * cmd/verify.c — `envseal verify [--policy FILE] [--root DIR] [--json]
 * [--expect-audit HASH]`: options, a read-only root, the report
 * (verify/verify.h), the exit status. No logic.
 */
#include "cmd/cmd.h"
#include "common/envseal.h"
#include "fs/fs.h"
#include "policy/policy.h"
#include "verify/verify.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

enum {
	OPT_POLICY = OPT_CMD_BASE,
	OPT_ROOT,
	OPT_JSON,
	OPT_EXPECT,
	OPT_HELP,
	OPT_TRUSTED_KEY,
};

static void
usage(FILE *f)
{
	cmd_help("verify", f);
}

static int
report(const struct es_vreport *rep, int json)
{
	FILE *out;
	int r = 0;

	/* Paths and names came from the policy and the host: escaped. */
	if ((out = es_esc_stream(stdout, ES_ESC_KEEP_NL)) == NULL)
		return cmd_fail("verify", -ENOMEM);
	if (json)
		es_vreport_print_json(rep, out);
	else
		es_vreport_print_text(rep, out);
	if (fclose(out) != 0 || fflush(stdout) != 0)
		return cmd_fail("verify", -EIO);
	if (rep->integrity)
		r = ES_EXIT_INTEGRITY;
	else if (!es_vreport_ok(rep))
		r = ES_EXIT_DRIFT;
	return r;
}

int
cmd_verify(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "policy", required_argument, NULL, OPT_POLICY },
		{ "root", required_argument, NULL, OPT_ROOT },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "expect-audit", required_argument, NULL, OPT_EXPECT },
		{ "help", no_argument, NULL, OPT_HELP },
		{ "trusted-key", required_argument, NULL, OPT_TRUSTED_KEY },
		{ NULL, 0, NULL, 0 },
	};
	struct es_verify_opts o = { NULL };
	struct es_vreport rep = { 0 };
	struct es_policy *p = NULL;
	struct es_root *root = NULL;
	const char *policy = NULL, *rootdir = "/", *trusted = NULL;
	char signer[17];
	int c, r, json = 0;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case OPT_POLICY: policy = optarg; break;
		case OPT_ROOT: rootdir = optarg; break;
		case OPT_JSON: json = 1; break;
		case OPT_EXPECT: o.expect_audit = optarg; break;
		case OPT_TRUSTED_KEY: trusted = optarg; break;
		case 'h':
		case OPT_HELP:
			return usage(stdout), 0;
		default:
			return usage(stderr), cmd_bad_option("verify", c,
			    argv[optind - 1]);
		}
	}
	if (optind != argc)
		return cmd_usage("verify: unexpected argument '%s'",
		    argv[optind]);
	if (o.expect_audit != NULL && !cmd_audit_hash_ok(o.expect_audit))
		return cmd_usage("verify: --expect-audit: not a record hash "
		    "(64 lowercase hex digits)");
	if ((r = cmd_policy_load_trusted_as(rootdir, policy, trusted, &p,
	    signer, 1)) != 0)
		return cmd_fail("verify", r);
	o.signer = signer;
	/* Check mode: no lock, nothing created, no audit record. */
	if ((r = es_root_open(&root, rootdir, ES_ROOT_CHECK)) != 0) {
		es_policy_free(p);
		return cmd_fail("verify", r);
	}
	r = es_verify_run(root, p, &o, &rep);
	es_root_close(root);
	es_policy_free(p);
	r = r != 0 ? cmd_fail("verify", r) : report(&rep, json);
	es_vreport_free(&rep);
	return r;
}
