/* cmd/keyopts.c — the key-source options every decrypting command takes. */
#include "cmd/cmd.h"

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
