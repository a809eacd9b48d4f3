/* cmd/provision.c — `envseal provision`. Not yet built: see the open issues. */
#include "cmd/cmd.h"
#include "common/envseal.h"

int
cmd_provision(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return cmd_fail("provision", es_failf(ES_EINTERNAL, "provision: not implemented yet"));
}
