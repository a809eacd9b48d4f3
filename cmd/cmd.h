/*
 * cmd/cmd.h — the envseal command: one entry point per command group.
 * Only cmd/ prints messages and chooses exit statuses; each cmd_* returns
 * the process exit status (DESIGN.md "Exit status").
 */
#ifndef ENVSEAL_CMD_H
#define ENVSEAL_CMD_H

#include <getopt.h>

#include "crypto/keysrc.h"

int cmd_vault(int argc, char **argv);
int cmd_render(int argc, char **argv);
int cmd_provision(int argc, char **argv);
int cmd_apply(int argc, char **argv);
int cmd_audit(int argc, char **argv);
int cmd_policy(int argc, char **argv);

/* Print "envseal: <what>: <detail or strerror>" on stderr; return the exit
 * status for code. what may be NULL. */
int cmd_fail(const char *what, int code);
/* Print a usage error and return 2. */
int cmd_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Key-source long options shared by every decrypting command. */
enum {
	OPT_VAULT_ID = 1000,
	OPT_VAULT_PASSWORD_FILE,
	OPT_VAULT_PASSWORD_CREDENTIAL,
	OPT_NO_PROMPT,
	OPT_CMD_BASE = 1100,   /* commands number their own options from here */
};

#define CMD_KEYSRC_LONGOPTS                                                   \
	{ "vault-id", required_argument, NULL, OPT_VAULT_ID },                \
	{ "vault-password-file", required_argument, NULL,                     \
	    OPT_VAULT_PASSWORD_FILE },                                        \
	{ "vault-password-credential", required_argument, NULL,               \
	    OPT_VAULT_PASSWORD_CREDENTIAL },                                  \
	{ "no-prompt", no_argument, NULL, OPT_NO_PROMPT }

/* Consume a key-source option: 1 if it was one, 0 if not, or an exit
 * status > 1 never (a full list is a usage error and returns -1). */
int cmd_keysrc_option(struct es_keysrc_opts *o, int opt, const char *arg);

#endif
