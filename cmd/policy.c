/*
 * cmd/policy.c — `envseal policy show [--policy FILE]`: load, validate and
 * print the effective policy (the embedded default without --policy).
 */
#include "cmd/cmd.h"
#include "common/envseal.h"
#include "policy/policy.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

enum { OPT_POLICY = OPT_CMD_BASE, OPT_HELP };

static void
usage(FILE *f)
{
	cmd_help("policy", f);
}

int
cmd_policy(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "policy", required_argument, NULL, OPT_POLICY },
		{ "help", no_argument, NULL, OPT_HELP },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = NULL;
	struct es_policy *p;
	FILE *out;
	int c, r;

	if (argc >= 2 && !strcmp(argv[1], "lint"))
		return cmd_policy_lint(argc - 1, argv + 1);
	if (argc >= 2 && !strcmp(argv[1], "sign"))
		return cmd_policy_sign(argc - 1, argv + 1);
	if (argc < 2 || (strcmp(argv[1], "show") != 0 &&
	    strcmp(argv[1], "--help") != 0))
		return usage(stderr), cmd_usage("policy: expected 'show', 'lint' or "
		    "'sign'");
	if (!strcmp(argv[1], "--help"))
		return usage(stdout), 0;
	argc--;
	argv++;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		if (c == OPT_POLICY)
			path = optarg;
		else if (c == OPT_HELP)
			return cmd_help("policy show", stdout), 0;
		else
			return cmd_help("policy show", stderr), cmd_bad_option("policy show", c,
			    argv[optind - 1]);
	}
	if (optind != argc)
		return cmd_usage("policy show: unexpected argument '%s'",
		    argv[optind]);
	if ((r = es_policy_load(path, &p)) != 0)
		return cmd_fail("policy", r);
	/* The source path came from the command line: escaped on the way. */
	if ((out = es_esc_stream(stdout, ES_ESC_KEEP_NL)) == NULL) {
		r = -ENOMEM;
	} else {
		r = es_policy_print(p, out);
		if (fclose(out) != 0 && r == 0)
			r = -EIO;
	}
	es_policy_free(p);
	if (r != 0)
		return cmd_fail("policy show", r);
	if (fflush(stdout) != 0)
		return cmd_fail("policy show", -EIO);
	return 0;
}
