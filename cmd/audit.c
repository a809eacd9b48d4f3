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

enum { OPT_ROOT = OPT_CMD_BASE, OPT_HELP };

static void
audit_usage(FILE *f)
{
	cmd_help("audit", f);
}

int
cmd_audit(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "root", required_argument, NULL, OPT_ROOT },
		{ "help", no_argument, NULL, OPT_HELP },
		{ NULL, 0, NULL, 0 },
	};
	struct es_root *root = NULL;
	const char *rootdir = "/", *sub;
	FILE *out;
	int opt, r;

	if (argc < 2)
		return audit_usage(stderr), ES_EXIT_USAGE;
	sub = argv[1];
	if (!strcmp(sub, "--help") || !strcmp(sub, "-h")) {
		audit_usage(stdout);
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
			audit_usage(stdout);
			return 0;
		default:
			audit_usage(stderr);
			return cmd_bad_option(!strcmp(sub, "verify") ?
			    "audit verify" : "audit show", opt, argv[optind]);
		}
	}
	if (optind != argc - 1)
		return cmd_usage("audit %s: unexpected argument '%s'", sub,
		    argv[optind + 1]);
	/* Check mode: reading the log must never create or lock anything. */
	if ((r = es_root_open(&root, rootdir, ES_ROOT_CHECK)) != 0)
		return cmd_fail("audit", r);
	/* Records hold paths and names from input: escaped on the way. */
	if ((out = es_esc_stream(stdout, ES_ESC_KEEP_NL)) == NULL)
		r = -ENOMEM;
	else if (!strcmp(sub, "verify"))
		r = es_audit_verify(root, out);
	else
		r = es_audit_show(root, out);
	if (out != NULL && fclose(out) != 0 && r == 0)
		r = -EIO;
	es_root_close(root);
	if (r != 0)
		return cmd_fail(!strcmp(sub, "verify") ? "audit verify" :
		    "audit show", r);
	return 0;
}
