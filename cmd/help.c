/*
 * cmd/help.c — what `envseal COMMAND --help` prints, one text per command
 * and per vault subcommand, every option described; and the one message
 * for an option getopt could not take. Texts only: no logic.
 */
#include "cmd/cmd.h"

#include <string.h>

int
cmd_bad_option(const char *what, int c, const char *arg)
{
	if (c == ':')
		return cmd_usage("%s: option '%s' needs a value", what, arg);
	return cmd_usage("%s: unknown option '%s'", what, arg);
}
