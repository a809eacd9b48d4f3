/*
 * crypto/secrets.c — the ordered list of candidate vault secrets, and the
 * salt generator for new envelopes. See crypto/crypto.h.
 */
#include "crypto/crypto.h"

#include <errno.h>
#include <string.h>
#include <sodium.h>

int
es_secrets_add(struct es_secrets *list, const char *label,
    const unsigned char *bytes, size_t len)
{
	struct es_secret *s;
	size_t llen;

	if (label == NULL || *label == '\0')
		label = "default";
	llen = strlen(label);
	if (llen > ES_LABEL_MAX)
		return es_failf(ES_ELIMIT, "vault-id label longer than %d bytes",
		    ES_LABEL_MAX);
	if (len > ES_SECRET_MAX)
		return es_failf(ES_ELIMIT, "vault secret of label %s longer "
		    "than %d bytes", label, ES_SECRET_MAX);
	if (list->n >= ES_SECRETS_MAX)
		return es_failf(ES_ELIMIT, "more than %d vault secrets",
		    ES_SECRETS_MAX);
	s = &list->v[list->n];
	if ((s->bytes = es_secure_alloc(len)) == NULL)
		return -ENOMEM;
	if (len)
		memcpy(s->bytes, bytes, len);
	memcpy(s->label, label, llen + 1);
	s->len = len;
	list->n++;
	return 0;
}

void
es_secrets_free(struct es_secrets *list)
{
	size_t i;

	for (i = 0; i < list->n; i++) {
		es_secure_free(list->v[i].bytes);
		list->v[i].bytes = NULL;
		list->v[i].len = 0;
	}
	list->n = 0;
}

/*
 * Salt generator state. Not secret (salts are public), but a repeated
 * salt under one password repeats key and counter, so the generator
 * refuses to run unseeded.
 */
static struct {
	int mode;                   /* 0 unseeded, 1 seeded, 2 fixed (tests) */
	unsigned char seed[randombytes_SEEDBYTES];
	uint64_t counter;
	unsigned char fixed[ES_AV_SALT_MAX];
	size_t fixed_len;
} salt_gen;

int
es_salt_seed(void)
{
	if (salt_gen.mode == 2)
		return 0;
	randombytes_buf(salt_gen.seed, sizeof salt_gen.seed);
	salt_gen.counter = 0;
	salt_gen.mode = 1;
	return 0;
}

int
es_salt_fixed(const unsigned char *salt, size_t len)
{
	if (len == 0 || len > sizeof salt_gen.fixed)
		return es_failf(ES_EUSAGE, "test salt must be 1-%d bytes",
		    ES_AV_SALT_MAX);
	memcpy(salt_gen.fixed, salt, len);
	salt_gen.fixed_len = len;
	salt_gen.mode = 2;
	return 0;
}

int
es_salt_next(unsigned char *out, size_t len)
{
	unsigned char seed[randombytes_SEEDBYTES];
	size_t i;

	if (salt_gen.mode == 2) {
		if (len != salt_gen.fixed_len)
			return es_failf(ES_EBUG, "test salt has the wrong "
			    "length");
		memcpy(out, salt_gen.fixed, len);
		return 0;
	}
	if (salt_gen.mode != 1)
		return es_failf(ES_EBUG, "salt generator not seeded");
	/* One derived seed per draw: seed XOR counter, so no draw repeats. */
	memcpy(seed, salt_gen.seed, sizeof seed);
	for (i = 0; i < sizeof salt_gen.counter; i++)
		seed[i] ^= (unsigned char)(salt_gen.counter >> (8 * i));
	salt_gen.counter++;
	randombytes_buf_deterministic(out, len, seed);
	es_wipe(seed, sizeof seed);
	return 0;
}
