/* cmd/render.c — `envseal render`. Not yet built: see the open issues. */
#include "cmd/cmd.h"
#include "common/envseal.h"

int
cmd_render(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return cmd_fail("render", es_failf(ES_EINTERNAL, "render: not implemented yet"));
}
