/*
 * cmd/agecrypt.h — age options of `envseal vault encrypt` (cmd/agecrypt.c).
 * cmd_age_option() consumes -r, -R, -a/--armor, --age-passphrase (1 taken,
 * 0 not one of them, -1 over a bound); cmd_age_check() says whether the
 * combination makes sense (-1 yes, else the usage exit status);
 * cmd_age_recipients() decodes them all; cmd_age_seal() encrypts one
 * plaintext (the caller seeded es_salt_seed()); cmd_age_reencrypt_one()
 * runs vault reencrypt for one policy entry.
 */
#ifndef ENVSEAL_CMD_AGECRYPT_H
#define ENVSEAL_CMD_AGECRYPT_H

#include "common/envseal.h"
#include "crypto/crypto.h"
#include "vault/age.h"

#define CMD_AGE_FILES_MAX 64
#define OPT_AGE_PASSPHRASE (OPT_CMD_BASE + 90)

#define CMD_AGE_LONGOPTS                                                      \
	{ "recipient", required_argument, NULL, 'r' },                        \
	{ "recipients-file", required_argument, NULL, 'R' },                  \
	{ "armor", no_argument, NULL, 'a' },                                  \
	{ "age-passphrase", no_argument, NULL, OPT_AGE_PASSPHRASE }

struct cmd_age_opts {
	const char *recipients[ES_AGE_RECIPIENTS_MAX];
	size_t nrecipients;
	const char *files[CMD_AGE_FILES_MAX];
	size_t nfiles;
	int armor, passphrase;
};

int cmd_age_option(struct cmd_age_opts *a, int opt, const char *arg);
int cmd_age_wanted(const struct cmd_age_opts *a);
int cmd_age_check(const struct cmd_age_opts *a, const char *what);
int cmd_age_recipients(const struct cmd_age_opts *a, unsigned char *pk,
    size_t *n);
int cmd_age_seal(const struct cmd_age_opts *a, const unsigned char *pk,
    size_t npk, const struct es_secret *pw, const unsigned char *pt, size_t len,
    struct es_sbuf *out);

/* vault reencrypt, one env_files entry: its vault (read under the trusted-
 * input rule into *raw, heap) made to the entry's recipients in the
 * worker; *out the new file, *note what was done, for the user. */
struct es_env_file;
int cmd_age_reencrypt_one(const struct es_env_file *f,
    const struct es_secrets *secrets, unsigned char **raw, size_t *rawlen,
    struct es_sbuf *out, const char **note);

#endif
