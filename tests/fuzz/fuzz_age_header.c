/* tests/fuzz/fuzz_age_header.c — libFuzzer target: the age v1 reader
 * (vault/age.c): header parser, stanza checks, X25519 unwrap with a fixed
 * identity, header MAC, STREAM payload. No passphrase is offered (an
 * scrypt stanza is parsed and checked, never run: work factors up to 22
 * would make the fuzzer a scrypt benchmark). Invariants: a failure
 * releases nothing; the header check and the full reader agree on what
 * is a well-formed header; a file reencrypt accepts opened and opens
 * after; any input encrypts and decrypts back. */
#include "vault/age.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

static struct es_secrets ids;
static unsigned char pk[ES_AGE_KEY];

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	unsigned char sk[ES_AGE_KEY];

	(void)argc;
	(void)argv;
	if (sodium_init() < 0)
		abort();
	es_salt_seed();
	memset(sk, 0x42, sizeof sk);
	es_age_public(sk, pk);
	es_secrets_add(&ids, ES_AGE_ID_LABEL, sk, sizeof sk);
	return 0;
}

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	struct es_sbuf pt = { 0 }, ct = { 0 };
	struct es_age_result ar;
	size_t hl;
	int r, h;

	memset(&ar, 0, sizeof ar);
	h = es_age_header_check(data, size, &hl);
	r = es_age_decrypt(data, size, &ids, NULL, &pt, &ar);
	if (r != 0 && (pt.len != 0 || pt.p != NULL))
		abort();
	/* A binary file whose header checks cannot fail as malformed. */
	if (h == 0 && !es_age_is_armored(data, size) && r != 0 &&
	    ar.cls == ES_AGE_HEADER && hl + ES_AGE_NONCE <= size)
		abort();
	es_sbuf_free(&pt);
	/* reencrypt reads the record stanza: to the same key, a file that
	 * opened must come out opening to the same plaintext. */
	{
		enum es_age_reencrypted how;
		struct es_sbuf re = { 0 }, p2 = { 0 };
		if (es_age_reencrypt(data, size, &ids, pk, 1, &re, &how) == 0) {
			if (r != 0 || es_age_decrypt(re.p, re.len, &ids, NULL,
			    &p2, &ar) != 0)
				abort();
		}
		es_sbuf_free(&re);
		es_sbuf_free(&p2);
	}
	if (es_age_encrypt(data, size, pk, 1, NULL, 0, size & 1, &ct) != 0 ||
	    es_age_decrypt(ct.p, ct.len, &ids, NULL, &pt, &ar) != 0 ||
	    pt.len != size || (size && memcmp(pt.p, data, size) != 0))
		abort();
	es_sbuf_free(&pt);
	es_sbuf_free(&ct);
	return 0;
}
