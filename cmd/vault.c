/* cmd/vault.c — `envseal vault`. Not yet built: see the open issues. */
#include "cmd/cmd.h"
#include "common/envseal.h"

int
cmd_vault(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return cmd_fail("vault", es_failf(ES_EINTERNAL, "vault: not implemented yet"));
}
