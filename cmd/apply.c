/* cmd/apply.c — `envseal apply`. Not yet built: see the open issues. */
#include "cmd/cmd.h"
#include "common/envseal.h"

int
cmd_apply(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return cmd_fail("apply", es_failf(ES_EINTERNAL, "apply: not implemented yet"));
}
