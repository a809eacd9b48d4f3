/* tests/fuzz/fuzz_ydoc.c — libFuzzer target: the YAML document model
 * (es_vault_load_doc on plain YAML): keys, kinds, styles, lines, aliases,
 * bounds. Checks the model's own invariants on success. */
#include "vault/vault.h"

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
	return 0;
}
