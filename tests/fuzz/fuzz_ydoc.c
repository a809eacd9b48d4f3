/* tests/fuzz/fuzz_ydoc.c — libFuzzer target: the YAML document model
 * (es_vault_load_doc on plain YAML): keys, kinds, styles, lines, aliases,
 * bounds. Checks the model's own invariants on success, and holds the flat
 * fast path (vault/yflat.c) to libyaml's walk: whatever the fast path
 * takes, libyaml must parse to the same model. */
#include "vault/vault.h"
#include "vault/ydoc_int.h"
#include "tests/unit/ydoc_cmp.h"

#include <stdlib.h>
#include <string.h>
#include <sodium.h>

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (sodium_init() < 0)
		abort();
	return 0;
}

/* The fast path against the walk. */
static void
differential(const unsigned char *data, size_t size)
{
	struct es_ydoc *f = NULL, *y = NULL;
	int rf, ry;

	rf = es_ydoc_parse_flat(data, size, &f);
	if (rf == 1) {
		if (f != NULL)
			abort();
		return;
	}
	if (rf != 0)
		abort();   /* the fast path reports no error of its own */
	ry = es_ydoc_parse_yaml(data, size, &y);
	if (ry != 0 || ydoc_cmp(f, y) != (size_t)-1)
		abort();
	es_ydoc_free(f);
	es_ydoc_free(y);
}

/* The same bytes with every ' made ", so that the single-quoted corpus
 * also drives the double-quoted escapes (vault/yflat.c's dq_escape). */
static void
differential_dq(const unsigned char *data, size_t size)
{
	unsigned char *b;
	size_t i;

	if (size == 0 || memchr(data, '\'', size) == NULL ||
	    (b = malloc(size)) == NULL)
		return;
	for (i = 0; i < size; i++)
		b[i] = data[i] == '\'' ? '"' : data[i];
	differential(b, size);
	free(b);
}

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	struct es_secrets none = { .n = 0 };
	struct es_ydoc *doc = NULL;
	size_t i;
	int used, r;

	r = es_vault_load_doc(data, size, &none, &doc, &used);
	if (r == 0) {
		if (doc == NULL || doc->n > ES_VAULT_MAX_KEYS || used != -1)
			abort();
		for (i = 0; i < doc->n; i++) {
			if (doc->e[i].key == NULL || doc->e[i].line == 0 ||
			    doc->e[i].vaulted)
				abort();   /* no secret: nothing decrypted */
			if (doc->e[i].kind == ES_Y_SCALAR &&
			    (doc->e[i].val == NULL ||
			    doc->e[i].val[doc->e[i].vlen] != '\0'))
				abort();
		}
	} else if (doc != NULL)
		abort();
	es_ydoc_free(doc);
	differential(data, size);
	differential_dq(data, size);
	return 0;
}
