/*
 * cmd/agecrypt.c — the age options of `envseal vault encrypt`:
 * -r/--recipient age1..., -R/--recipients-file FILE, -a/--armor and
 * --age-passphrase, and the encryption they ask for (vault/age.h).
 *
 * Encryption runs in the parent, as Ansible Vault sealing already does:
 * it is ciphertext-only work on bytes read from the caller's own file (no
 * parsing of plaintext, no key material but public keys or the caller's
 * own passphrase), so the worker's confinement buys nothing here. The
 * file key, ephemeral secrets, salt and nonce come from es_salt_next(),
 * seeded from libsodium's randombytes right before (es_salt_seed()).
 */
#include "cmd/cmd.h"
#include "cmd/agecrypt.h"
#include "fs/fs.h"
#include "vault/age.h"

#include <stdlib.h>
#include <string.h>

/* A recipients file: one age1 line each (~63 bytes) for a large fleet. */
#define AGE_RECIPIENTS_FILE_MAX ((size_t)1 << 20)

int
cmd_age_option(struct cmd_age_opts *a, int opt, const char *arg)
{
	switch (opt) {
	case 'r':
		if (a->nrecipients >= ES_AGE_RECIPIENTS_MAX)
			return -1;
		a->recipients[a->nrecipients++] = arg;
		return 1;
	case 'R':
		if (a->nfiles >= CMD_AGE_FILES_MAX)
			return -1;
		a->files[a->nfiles++] = arg;
		return 1;
	case 'a':
		a->armor = 1;
		return 1;
	case OPT_AGE_PASSPHRASE:
		a->passphrase = 1;
		return 1;
	default:
		return 0;
	}
}

int
cmd_age_wanted(const struct cmd_age_opts *a)
{
	return a->nrecipients || a->nfiles || a->armor || a->passphrase;
}

int
cmd_age_check(const struct cmd_age_opts *a, const char *what)
{
	int have = a->nrecipients || a->nfiles;

	if (a->passphrase && have)
		return cmd_usage("%s: --age-passphrase and -r/-R exclude each "
		    "other (an scrypt stanza must be alone, age spec)", what);
	if (!a->passphrase && !have)
		return cmd_usage("%s: --armor needs -r, -R or --age-passphrase",
		    what);
	return -1;
}

/* Every -r and -R recipient into pk (room for ES_AGE_RECIPIENTS_MAX). */
int
cmd_age_recipients(const struct cmd_age_opts *a, unsigned char *pk, size_t *n)
{
	unsigned char *buf;
	size_t i, len;
	int r;

	*n = 0;
	for (i = 0; i < a->nrecipients; i++) {
		if ((r = es_age_recipient_decode(a->recipients[i],
		    pk + *n * ES_AGE_KEY)) != 0)
			return es_failf(r, "-r %s: %s", a->recipients[i],
			    "not an age X25519 recipient (age1...)");
		(*n)++;
	}
	for (i = 0; i < a->nfiles; i++) {
		if ((r = es_user_read_file(a->files[i], AGE_RECIPIENTS_FILE_MAX,
		    &buf, &len)) != 0)
			return r;
		r = es_age_recipients_parse(buf, len, a->files[i], pk,
		    ES_AGE_RECIPIENTS_MAX, n);
		free(buf);
		if (r != 0)
			return r;
	}
	if (*n == 0)
		return es_failf(ES_EUSAGE, "no recipient in the -R files");
	return 0;
}

int
cmd_age_seal(const struct cmd_age_opts *a, const unsigned char *pk, size_t npk,
    const struct es_secret *pw, const unsigned char *pt, size_t len,
    struct es_sbuf *out)
{
	if (es_age_is_age(pt, len))
		return es_failf(ES_EUSAGE, "already an age file");
	return es_age_encrypt(pt, len, a->passphrase ? NULL : pk,
	    a->passphrase ? 0 : npk, a->passphrase ? pw : NULL,
	    ES_AGE_SCRYPT_WF, a->armor, out);
}
