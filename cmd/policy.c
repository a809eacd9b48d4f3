/* cmd/policy.c — `envseal policy`. Not yet built: see the open issues. */
#include "cmd/cmd.h"
#include "common/envseal.h"

int
cmd_policy(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return cmd_fail("policy", es_failf(ES_EINTERNAL, "policy: not implemented yet"));
}
