/* common/secmem.c — guarded memory for secrets (libsodium). */
#include "common/envseal.h"

#include <errno.h>
#include <string.h>
#include <sodium.h>

void *
es_secure_alloc(size_t n)
{
	/* sodium_malloc(0) is valid but returns a pointer we still free. */
	return sodium_malloc(n ? n : 1);
}

void
es_secure_free(void *p)
{
	/* sodium_free wipes the whole allocation before unmapping it. */
	if (p != NULL)
		sodium_free(p);
}

int
es_sbuf_reserve(struct es_sbuf *b, size_t extra)
{
	size_t need, cap;
	unsigned char *np;

	if (extra > ES_SBUF_MAX || b->len > ES_SBUF_MAX - extra)
		return es_failf(ES_ELIMIT, "secure buffer over %zu bytes",
		    (size_t)ES_SBUF_MAX);
	need = b->len + extra;
	if (need <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 256;
	while (cap < need)
		cap = cap > ES_SBUF_MAX / 2 ? ES_SBUF_MAX : cap * 2;
	/* No sodium_realloc: copy into a fresh guarded area, wipe the old. */
	if ((np = sodium_malloc(cap)) == NULL)
		return -ENOMEM;
	if (b->len)
		memcpy(np, b->p, b->len);
	if (b->p != NULL)
		sodium_free(b->p);
	b->p = np;
	b->cap = cap;
	return 0;
}

int
es_sbuf_append(struct es_sbuf *b, const void *data, size_t n)
{
	int r;

	if (n == 0)
		return 0;
	if ((r = es_sbuf_reserve(b, n)) != 0)
		return r;
	memcpy(b->p + b->len, data, n);
	b->len += n;
	return 0;
}

int
es_sbuf_putc(struct es_sbuf *b, unsigned char c)
{
	return es_sbuf_append(b, &c, 1);
}

void
es_sbuf_free(struct es_sbuf *b)
{
	if (b->p != NULL)
		sodium_free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}

int
es_ct_equal(const void *a, const void *b, size_t n)
{
	return sodium_memcmp(a, b, n) == 0;
}

void
es_wipe(void *p, size_t n)
{
	sodium_memzero(p, n);
}

void
es_hex(char *out, const unsigned char *in, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * n] = '\0';
}
