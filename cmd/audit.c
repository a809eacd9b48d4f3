/* cmd/audit.c — `envseal audit`. Not yet built: see the open issues. */
#include "cmd/cmd.h"
#include "common/envseal.h"

int
cmd_audit(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return cmd_fail("audit", es_failf(ES_EINTERNAL, "audit: not implemented yet"));
}
