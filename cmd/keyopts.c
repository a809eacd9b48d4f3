/* cmd/keyopts.c — the key-source options every decrypting command takes,
 * and the other options the vault commands share. */
#include "cmd/cmd.h"
#include "crypto/crypto.h"

#include <stdio.h>
#include <string.h>

int
cmd_keysrc_option(struct es_keysrc_opts *o, int opt, const char *arg)
{
	switch (opt) {
	case OPT_VAULT_ID:
		if (o->n_vault_ids >= ES_SECRETS_MAX)
			return -1;
		o->vault_ids[o->n_vault_ids++] = arg;
		return 1;
	case OPT_VAULT_PASSWORD_FILE:
		if (o->n_password_files >= ES_SECRETS_MAX)
			return -1;
		o->password_files[o->n_password_files++] = arg;
		return 1;
	case OPT_VAULT_PASSWORD_CREDENTIAL:
		if (o->n_credentials >= ES_SECRETS_MAX)
			return -1;
		o->credentials[o->n_credentials++] = arg;
		return 1;
	case 'i':   /* -i/--identity: an age identity file */
		if (o->n_identities >= ES_SECRETS_MAX)
			return -1;
		o->identities[o->n_identities++] = arg;
		return 1;
	case OPT_IDENTITY_CREDENTIAL:
		if (o->n_identity_credentials >= ES_SECRETS_MAX)
			return -1;
		o->identity_credentials[o->n_identity_credentials++] = arg;
		return 1;
	case OPT_NO_PROMPT:
		o->no_prompt = 1;
		return 1;
	default:
		return 0;
	}
}

int
cmd_keysrc_or_help(struct es_keysrc_opts *o, int opt, const char *arg,
    const char *what)
{
	switch (cmd_keysrc_option(o, opt, arg)) {
	case 1:
		return 0;
	case -1:
		return cmd_usage("too many key-source options");
	default:
		cmd_help(what, stderr);
		return ES_EXIT_USAGE;
	}
}

int
cmd_audit_root_opt(const char *what, const char *arg, const char **out)
{
	if (*arg == '\0')
		return cmd_usage("%s: --audit-root: empty DIR", what);
	*out = arg;
	return 0;
}

#ifdef ENVSEAL_TEST_HOOKS
int
cmd_test_fixed_salt(const char *what, const char *hex)
{
	unsigned char salt[ES_AV_SALT_MAX];
	size_t n = strlen(hex), i;
	unsigned int b;

	if (n == 0 || n % 2 || n / 2 > sizeof salt)
		return cmd_usage("--test-fixed-salt: bad hex");
	for (i = 0; i < n / 2; i++) {
		if (sscanf(hex + 2 * i, "%2x", &b) != 1)
			return cmd_usage("--test-fixed-salt: bad hex");
		salt[i] = (unsigned char)b;
	}
	return es_salt_fixed(salt, n / 2) ? cmd_fail(what, ES_EUSAGE) : 0;
}
#endif
