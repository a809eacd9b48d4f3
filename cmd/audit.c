/*
 * cmd/audit.c — `envseal audit verify|show [--root DIR]`: check the hash
 * chain of the audit log, or print its records for humans. Neither needs a
 * vault key nor the audit fingerprint key, and neither writes anything.
 */
#include "cmd/cmd.h"
#include "common/envseal.h"
#include "fs/fs.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

enum {
	OPT_ROOT = OPT_CMD_BASE,
	OPT_HELP,
	OPT_EXPECT,
	OPT_JSON,
	OPT_PATH,
	OPT_RUN,
	OPT_SINCE,
	OPT_COMMAND,
};

/* sub: "verify" or "show" for its own text, NULL for both. */
static void
audit_usage(const char *sub, FILE *f)
{
	if (sub == NULL)
		cmd_help("audit", f);
	else
		cmd_help(!strcmp(sub, "verify") ? "audit verify" : "audit show",
		    f);
}

/* The chain, then (when given) the anchor an auditor kept. */
static int
verify_anchored(struct es_root *root, const char *expect, FILE *out)
{
	int r = cmd_audit_verify(root, out);

	return r == 0 && expect != NULL ? cmd_audit_expect(root, expect, out) :
	    r;
}

int
cmd_audit(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "root", required_argument, NULL, OPT_ROOT },
		{ "help", no_argument, NULL, OPT_HELP },
		{ "expect", required_argument, NULL, OPT_EXPECT },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "path", required_argument, NULL, OPT_PATH },
		{ "run", required_argument, NULL, OPT_RUN },
		{ "since", required_argument, NULL, OPT_SINCE },
		{ "command", required_argument, NULL, OPT_COMMAND },
		{ NULL, 0, NULL, 0 },
	};
	struct cmd_audit_filter flt = { NULL, NULL, NULL, NULL, 0 };
	const char *expect = NULL;
	int filtered = 0;
	struct es_root *root = NULL;
	const char *rootdir = "/", *sub;
	FILE *out;
	int opt, r;

	if (argc < 2)
		return audit_usage(NULL, stderr), ES_EXIT_USAGE;
	sub = argv[1];
	if (!strcmp(sub, "--help") || !strcmp(sub, "-h")) {
		audit_usage(NULL, stdout);
		return 0;
	}
	if (strcmp(sub, "verify") != 0 && strcmp(sub, "show") != 0)
		return cmd_usage("audit: unknown subcommand '%s' (verify, show)",
		    sub);
	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc - 1, argv + 1, ":", longopts,
	    NULL)) != -1) {
		switch (opt) {
		case OPT_ROOT:
			rootdir = optarg;
			break;
		case OPT_HELP:
			audit_usage(sub, stdout);
			return 0;
		case OPT_EXPECT: expect = optarg; break;
		case OPT_JSON: flt.json = filtered = 1; break;
		case OPT_PATH: flt.path = optarg; filtered = 1; break;
		case OPT_RUN: flt.run = optarg; filtered = 1; break;
		case OPT_SINCE: flt.since = optarg; filtered = 1; break;
		case OPT_COMMAND: flt.command = optarg; filtered = 1; break;
		default:
			audit_usage(sub, stderr);
			return cmd_bad_option(!strcmp(sub, "verify") ?
			    "audit verify" : "audit show", opt, argv[optind]);
		}
	}
	if (optind != argc - 1)
		return cmd_usage("audit %s: unexpected argument '%s'", sub,
		    argv[optind + 1]);
	if (expect != NULL && (strcmp(sub, "verify") != 0 ||
	    !cmd_audit_hash_ok(expect)))
		return cmd_usage("audit: --expect takes a record hash (64 "
		    "lowercase hex digits), with verify");
	if (filtered && strcmp(sub, "show") != 0)
		return cmd_usage("audit verify: --json and the filters are "
		    "for show");
	if (flt.since != NULL && !cmd_audit_time_ok(flt.since))
		return cmd_usage("audit show: --since '%s': not an RFC 3339 "
		    "UTC time (2026-11-27 or 2026-11-27T10:02:30Z)", flt.since);
	/* Check mode: reading the log must never create or lock anything. */
	if ((r = es_root_open(&root, rootdir, ES_ROOT_CHECK)) != 0)
		return cmd_fail("audit", r);
	/* Records hold paths and names from input: escaped on the way. */
	if ((out = es_esc_stream(stdout, ES_ESC_KEEP_NL)) == NULL)
		r = -ENOMEM;
	else if (!strcmp(sub, "verify"))
		r = verify_anchored(root, expect, out);
	else if (filtered)
		r = cmd_audit_show_filtered(root, &flt, out);
	else
		r = cmd_audit_show(root, out);
	if (out != NULL && fclose(out) != 0 && r == 0)
		r = -EIO;
	es_root_close(root);
	if (r != 0)
		return cmd_fail(!strcmp(sub, "verify") ? "audit verify" :
		    "audit show", r);
	return 0;
}
