/*
 * vault/ydoc_int.h — inside vault/ only: the storage of the YAML document
 * model (struct es_ydoc, vault/vault.h) shared by its two readers, the
 * libyaml event walk (vault/yaml.c) and the flat fast path (vault/yflat.c):
 * the guarded value arena, the duplicate-key set, appending a top-level key,
 * YAML 1.1's plain null, and the two readers themselves.
 *
 *	doc = es_ydoc_new();
 *	es_ydoc_add_key(doc, &keys, key, line, &dup);   -> doc->e[doc->n - 1]
 *	es_yarena_put(doc->arena, text, n, &e->val);    (or es_yarena_alloc)
 *	es_ykeys_free(&keys);  ...  es_ydoc_free(doc);
 *
 * Errors: -ENOMEM; es_yarena_* ES_ELIMIT for a value of ES_VAULT_MAX or
 * more; es_ydoc_add_key ES_ELIMIT past ES_VAULT_MAX_KEYS.
 */
#ifndef ENVSEAL_VAULT_YDOC_INT_H
#define ENVSEAL_VAULT_YDOC_INT_H

#include "vault/vault.h"

/* Open-addressing set of top-level keys, for duplicate detection. */
struct es_ykeys {
	size_t *slot;      /* entry index + 1; 0 empty */
	size_t cap;
};

/* An empty document with its arena; NULL when out of memory. */
struct es_ydoc *es_ydoc_new(void);

/* Room for nkeys entries and keys (at most ES_VAULT_MAX_KEYS) before
 * the first es_ydoc_add_key, when the reader knows a bound. */
int es_ydoc_reserve(struct es_ydoc *doc, struct es_ykeys *ks, size_t nkeys);
/* Append key (copied into the arena) at line; *dup = index of an earlier equal key (the
 * entry is added all the same) or -1. The entry starts as ES_Y_NULL with
 * style ES_YS_NONE. */
int es_ydoc_add_key(struct es_ydoc *doc, struct es_ykeys *ks, const char *key,
    size_t line, long *dup);
void es_ykeys_free(struct es_ykeys *ks);

/* Before the first value: one chunk of n bytes when a reader knows the
 * total (keys, values and their NULs) instead of the geometric chunks. */
int es_yarena_reserve(struct es_yarena *a, size_t n);
/* n bytes plus a NUL in the arena, uninitialised but for the NUL. */
int es_yarena_alloc(struct es_yarena *a, size_t n, unsigned char **out);
/* A copy of data[0..n) plus a NUL in the arena. */
int es_yarena_put(struct es_yarena *a, const void *data, size_t n,
    const unsigned char **out);

/* 1 when an untagged plain scalar of this text is null as PyYAML resolves
 * it: "", ~, null, Null, NULL. */
int es_yplain_is_null(const unsigned char *text, size_t len);

/*
 * The two readers of a plain YAML document into the model (no decryption:
 * es_vault_load_doc() does that). es_ydoc_parse_yaml: libyaml's event
 * walk, any YAML; ES_EYAML/ES_ELIMIT with "line N: ..." details.
 * es_ydoc_parse_flat: the flat fast path (vault/yflat.c); 1 when the
 * document is not of its shape (nothing returned: use the walk), else 0
 * or -ENOMEM. For a document both accept, both build the same model.
 */
int es_ydoc_parse_yaml(const unsigned char *in, size_t len,
    struct es_ydoc **out);
int es_ydoc_parse_flat(const unsigned char *in, size_t len,
    struct es_ydoc **out);

#endif
