/*
 * vault/ydoc.c — the storage of the YAML document model: entries, the
 * duplicate-key set, the guarded value arena. See vault/ydoc_int.h.
 * Pure: memory only.
 */
#include "vault/ydoc_int.h"

#include <errno.h>
#include <string.h>

/*
 * Values live in guarded chunks: one sodium_malloc (mmap, mprotect for
 * the guard pages, mlock, madvise: ~9 syscalls and >= 3 extra pages) per
 * chunk instead of per value, which made a 10,000-key document cost
 * ~80 MiB and ~90,000 syscalls. Chunks grow geometrically from
 * ARENA_FIRST (a 10-key document locks one small chunk) up to ARENA_MAX
 * (larger steps would only lock memory ahead of need); a value larger
 * than that gets a chunk of its own size.
 */
#define ARENA_FIRST ((size_t)16 << 10)
#define ARENA_MAX ((size_t)1 << 20)
/* First size of the entry array and of the key set. */
#define YDOC_FIRST_KEYS 16
#define YKEYS_FIRST_SLOTS 64

struct chunk {
	struct chunk *next;
	unsigned char *p;          /* guarded */
	size_t len, cap;
};

struct es_yarena {
	struct chunk *head;        /* the chunk being filled */
};

/* --- the value arena ------------------------------------------------------ */

static void
arena_free(struct es_yarena *a)
{
	struct chunk *c, *next;

	if (a == NULL)
		return;
	for (c = a->head; c != NULL; c = next) {
		next = c->next;
		es_secure_free(c->p);   /* wipes */
		free(c);
	}
	free(a);
}

int
es_yarena_alloc(struct es_yarena *a, size_t n, unsigned char **out)
{
	struct chunk *c = a->head;
	size_t cap;

	if (n >= ES_VAULT_MAX)
		return es_failf(ES_ELIMIT, "value larger than %zu bytes",
		    ES_VAULT_MAX);
	if (c == NULL || c->cap - c->len < n + 1) {
		cap = c == NULL ? ARENA_FIRST : (c->cap < ARENA_MAX / 2 ?
		    c->cap * 2 : ARENA_MAX);
		if (cap < n + 1)
			cap = n + 1;
		if ((c = calloc(1, sizeof *c)) == NULL)
			return -ENOMEM;
		if ((c->p = es_secure_alloc(cap)) == NULL) {
			free(c);
			return -ENOMEM;
		}
		c->cap = cap;
		c->next = a->head;
		a->head = c;
	}
	c->p[c->len + n] = '\0';
	*out = c->p + c->len;
	c->len += n + 1;
	return 0;
}

int
es_yarena_reserve(struct es_yarena *a, size_t n)
{
	struct chunk *c;

	if (a->head != NULL || n <= ARENA_FIRST)
		return 0;
	if (n >= ES_VAULT_MAX)
		return es_failf(ES_ELIMIT, "value larger than %zu bytes",
		    ES_VAULT_MAX);
	if ((c = calloc(1, sizeof *c)) == NULL)
		return -ENOMEM;
	if ((c->p = es_secure_alloc(n)) == NULL) {
		free(c);
		return -ENOMEM;
	}
	c->cap = n;
	a->head = c;
	return 0;
}

int
es_yarena_put(struct es_yarena *a, const void *data, size_t n,
    const unsigned char **out)
{
	unsigned char *p;
	int r;

	if ((r = es_yarena_alloc(a, n, &p)) != 0)
		return r;
	if (n > 0)
		memcpy(p, data, n);
	*out = p;
	return 0;
}

/* --- duplicate keys ------------------------------------------------------ */

/* A key's hash: eight bytes per multiply, not one (FNV-1a's serial chain
 * cost more than the whole flat parse on a 10,000-key file). Not keyed:
 * the worst a hostile vault gets is slow probing, under the worker's
 * deadline. */
static uint64_t
key_hash(const char *s)
{
	size_t n = strlen(s), i;
	uint64_t h = 0x9e3779b97f4a7c15ULL ^ n, w;

	for (i = 0; i + sizeof w <= n; i += sizeof w) {
		memcpy(&w, s + i, sizeof w);
		h = (h ^ w) * 0xff51afd7ed558ccdULL;
		h ^= h >> 32;
	}
	w = 0;
	memcpy(&w, s + i, n - i);
	h = (h ^ w) * 0xc4ceb9fe1a85ec53ULL;
	return h ^ (h >> 29);
}

/* Room for nkeys keys at a load of at most one half. */
static int
keys_grow(struct es_ykeys *ks, const struct es_ydoc *doc, size_t nkeys)
{
	size_t ncap = ks->cap ? ks->cap : YKEYS_FIRST_SLOTS, i, j;
	size_t *ns;

	while (ncap < 2 * nkeys)
		ncap *= 2;
	if (ncap == ks->cap)
		return 0;
	if ((ns = calloc(ncap, sizeof *ns)) == NULL)
		return -ENOMEM;
	for (i = 0; i < ks->cap; i++) {
		if (ks->slot[i] == 0)
			continue;
		j = key_hash(doc->e[ks->slot[i] - 1].key) & (ncap - 1);
		while (ns[j] != 0)
			j = (j + 1) & (ncap - 1);
		ns[j] = ks->slot[i];
	}
	free(ks->slot);
	ks->slot = ns;
	ks->cap = ncap;
	return 0;
}

/* Add doc->e[idx].key; *dup = index of an earlier equal key or -1. */
static int
keys_add(struct es_ykeys *ks, const struct es_ydoc *doc, size_t idx,
    long *dup)
{
	size_t j;
	int r;

	*dup = -1;
	if (2 * (idx + 1) > ks->cap && (r = keys_grow(ks, doc, idx + 1)) != 0)
		return r;
	j = key_hash(doc->e[idx].key) & (ks->cap - 1);
	while (ks->slot[j] != 0) {
		if (strcmp(doc->e[ks->slot[j] - 1].key, doc->e[idx].key) == 0) {
			*dup = (long)(ks->slot[j] - 1);
			return 0;
		}
		j = (j + 1) & (ks->cap - 1);
	}
	ks->slot[j] = idx + 1;
	return 0;
}

void
es_ykeys_free(struct es_ykeys *ks)
{
	free(ks->slot);
	ks->slot = NULL;
	ks->cap = 0;
}

/* --- the document ---------------------------------------------------------- */

struct es_ydoc *
es_ydoc_new(void)
{
	struct es_ydoc *doc;

	if ((doc = calloc(1, sizeof *doc)) == NULL)
		return NULL;
	if ((doc->arena = calloc(1, sizeof *doc->arena)) == NULL) {
		free(doc);
		return NULL;
	}
	return doc;
}

int
es_ydoc_reserve(struct es_ydoc *doc, struct es_ykeys *ks, size_t nkeys)
{
	struct es_yentry *ne;

	if (nkeys > ES_VAULT_MAX_KEYS)
		nkeys = ES_VAULT_MAX_KEYS;
	if (nkeys > doc->cap) {
		if ((ne = realloc(doc->e, nkeys * sizeof *ne)) == NULL)
			return -ENOMEM;
		doc->e = ne;
		doc->cap = nkeys;
	}
	return keys_grow(ks, doc, nkeys);
}

int
es_ydoc_add_key(struct es_ydoc *doc, struct es_ykeys *ks, const char *key,
    size_t line, long *dup)
{
	struct es_yentry *ne;
	const unsigned char *k;
	int r;

	if (doc->n >= ES_VAULT_MAX_KEYS)
		return es_failf(ES_ELIMIT, "line %zu: more than %d top-level "
		    "keys", line, ES_VAULT_MAX_KEYS);
	if (doc->n == doc->cap) {
		size_t ncap = doc->cap ? doc->cap * 2 : YDOC_FIRST_KEYS;

		if ((ne = realloc(doc->e, ncap * sizeof *ne)) == NULL)
			return -ENOMEM;
		doc->e = ne;
		doc->cap = ncap;
	}
	memset(&doc->e[doc->n], 0, sizeof doc->e[doc->n]);
	if ((r = es_yarena_put(doc->arena, key, strlen(key), &k)) != 0)
		return r;
	doc->e[doc->n].key = (char *)k;
	doc->e[doc->n].line = line;
	doc->e[doc->n].kind = ES_Y_NULL;
	doc->e[doc->n].style = ES_YS_NONE;
	doc->n++;
	return keys_add(ks, doc, doc->n - 1, dup);
}

void
es_ydoc_free(struct es_ydoc *doc)
{
	if (doc == NULL)
		return;
	free(doc->e);
	arena_free(doc->arena);
	free(doc);
}

int
es_yplain_is_null(const unsigned char *text, size_t len)
{
	static const char *const words[] = { "~", "null", "Null", "NULL" };
	size_t i;

	if (len == 0)
		return 1;
	for (i = 0; i < sizeof words / sizeof words[0]; i++)
		if (strlen(words[i]) == len && memcmp(text, words[i], len) == 0)
			return 1;
	return 0;
}
