/*
 * tests/unit/ydoc_cmp.h — compare two YAML document models entry by entry
 * (used by tests/unit/test_yflat.c and tests/fuzz/fuzz_ydoc.c to hold the
 * flat fast path to libyaml's walk). Returns the index of the first entry
 * that differs, doc count mismatch as (size_t)-2, or (size_t)-1 when the
 * two are the same.
 */
#ifndef ENVSEAL_TEST_YDOC_CMP_H
#define ENVSEAL_TEST_YDOC_CMP_H

#include "vault/vault.h"

#include <string.h>

static inline size_t
ydoc_cmp(const struct es_ydoc *a, const struct es_ydoc *b)
{
	size_t i;

	if (a->n != b->n)
		return (size_t)-2;
	for (i = 0; i < a->n; i++) {
		const struct es_yentry *x = &a->e[i], *y = &b->e[i];

		if (strcmp(x->key, y->key) != 0 || x->line != y->line ||
		    x->kind != y->kind || x->style != y->style ||
		    x->vaulted != y->vaulted)
			return i;
		if (x->kind == ES_Y_SCALAR && (x->vlen != y->vlen ||
		    x->val == NULL || y->val == NULL ||
		    memcmp(x->val, y->val, x->vlen) != 0 ||
		    x->val[x->vlen] != '\0' || y->val[y->vlen] != '\0'))
			return i;
	}
	return (size_t)-1;
}

#endif
