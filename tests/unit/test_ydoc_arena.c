/*
 * tests/unit/test_ydoc_arena.c — the document model's value arena
 * (vault/yaml.c): values stored in a few guarded chunks must come back
 * byte for byte, NUL-terminated, across chunk boundaries, for a value
 * larger than a chunk, for empty values, for aliases, and for inline !vault values (decrypted into the arena,
 * a vaulted anchor decrypted once per alias).
 */
#include "vault/vault.h"
#include "t.h"

#include <string.h>
#include <sodium.h>

/* Values over several chunks (16 KiB doubling to 1 MiB) and one larger
 * than the largest chunk. */
#define NKEYS 3000
#define BIG ((size_t)3 << 20)

static char *
value_of(size_t i, size_t *len)
{
	size_t n = i == 1500 ? BIG : (i % 7 == 0 ? 0 : 1 + (i * 37) % 900);
	char *v = malloc(n + 1);
	size_t j;

	for (j = 0; j < n; j++)
		v[j] = (char)('a' + (i + j) % 26);
	v[n] = '\0';
	*len = n;
	return v;
}

static void
append(char **buf, size_t *len, size_t *cap, const char *s, size_t n)
{
	if (*len + n + 1 > *cap) {
		*cap = (*len + n + 1) * 2;
		*buf = realloc(*buf, *cap);
	}
	memcpy(*buf + *len, s, n);
	*len += n;
	(*buf)[*len] = '\0';
}

static int
values_intact(const struct es_ydoc *d)
{
	char key[32], *v;
	size_t i, n;
	int good = d->n == NKEYS;

	for (i = 0; good && i < NKEYS; i++) {
		v = value_of(i, &n);
		snprintf(key, sizeof key, "k%05zu", i);
		good = strcmp(d->e[i].key, key) == 0 &&
		    d->e[i].kind == ES_Y_SCALAR && d->e[i].val != NULL &&
		    d->e[i].vlen == n && memcmp(d->e[i].val, v, n) == 0 &&
		    d->e[i].val[n] == '\0';
		free(v);
	}
	return good;
}

static void
test_many_values(void)
{
	struct es_secrets none = { .n = 0 };
	struct es_ydoc *d = NULL;
	char *doc = NULL, line[64], *v;
	size_t len = 0, cap = 0, i, n;
	int used, k;

	for (i = 0; i < NKEYS; i++) {
		v = value_of(i, &n);
		k = snprintf(line, sizeof line, "k%05zu: \"", i);
		append(&doc, &len, &cap, line, (size_t)k);
		append(&doc, &len, &cap, v, n);
		append(&doc, &len, &cap, "\"\n", 2);
		free(v);
	}
	T_CHECK("arena: 3000 values, one of 3 MiB, parse",
	    es_vault_load_doc((unsigned char *)doc, len, &none, &d,
	    &used) == 0 && d != NULL);
	T_CHECK("arena: every value byte for byte and NUL-terminated",
	    d != NULL && values_intact(d));
	es_ydoc_free(d);
	free(doc);
}

static void
test_aliases(void)
{
	static const char doc[] =
	    "a: &x shared text\n"
	    "b: *x\n"
	    "c: &e ''\n"
	    "d: *e\n"
	    "m: &m {k: v}\n"
	    "n: *m\n";
	struct es_secrets none = { .n = 0 };
	struct es_ydoc *d = NULL;
	int used;

	T_CHECK("arena: aliases parse",
	    es_vault_load_doc((const unsigned char *)doc, sizeof doc - 1,
	    &none, &d, &used) == 0 && d != NULL && d->n == 6);
	if (d == NULL || d->n != 6)
		return;
	T_CHECK("arena: an alias has its anchor's text",
	    d->e[0].vlen == 11 && !memcmp(d->e[0].val, "shared text", 11) &&
	    d->e[1].vlen == 11 && !memcmp(d->e[1].val, "shared text", 11) &&
	    d->e[1].val[11] == '\0');
	T_CHECK("arena: an empty quoted value is a scalar with text \"\"",
	    d->e[2].kind == ES_Y_SCALAR && d->e[2].vlen == 0 &&
	    d->e[2].val != NULL && d->e[2].val[0] == '\0' &&
	    d->e[3].kind == ES_Y_SCALAR && d->e[3].vlen == 0);
	T_CHECK("arena: an alias of a mapping is a mapping without text",
	    d->e[5].kind == ES_Y_MAPPING && d->e[5].val == NULL);
	es_ydoc_free(d);
}

/* An inline vaulted anchor and its alias: each entry gets the plaintext. */
static void
test_inline_vaulted_alias(void)
{
	static const unsigned char salt[32] = { 1, 2, 3 };
	struct es_secrets s = { .n = 0 };
	struct es_sbuf env = { 0 };
	struct es_ydoc *d = NULL;
	char *doc = NULL;
	size_t len = 0, cap = 0, i;
	int used, r;

	es_secrets_add(&s, "default", (const unsigned char *)"pw", 2);
	es_salt_fixed(salt, sizeof salt);
	r = es_vault_seal((const unsigned char *)"s3cret value", 12, &s.v[0],
	    "default", &env);
	T_CHECK("arena: sealed a test value", r == 0);
	if (r != 0)
		goto out;
	append(&doc, &len, &cap, "p: &v !vault |\n", 15);
	for (i = 0; i < env.len;) {
		size_t j = i;

		while (j < env.len && env.p[j] != '\n')
			j++;
		append(&doc, &len, &cap, "  ", 2);
		append(&doc, &len, &cap, (char *)env.p + i, j - i + 1);
		i = j + 1;
	}
	append(&doc, &len, &cap, "q: *v\nplain: x\n", 15);
	r = es_vault_load_doc((unsigned char *)doc, len, &s, &d, &used);
	T_CHECK("arena: inline vaulted anchor and alias load", r == 0 &&
	    d != NULL && d->n == 3 && used == 0);
	if (r == 0 && d != NULL && d->n == 3) {
		T_CHECK("arena: the vaulted anchor decrypts",
		    d->e[0].vlen == 12 && !memcmp(d->e[0].val, "s3cret value",
		    12) && d->e[0].val[12] == '\0');
		T_CHECK("arena: its alias decrypts to the same plaintext",
		    d->e[1].vlen == 12 && !memcmp(d->e[1].val, "s3cret value",
		    12));
		T_CHECK("arena: a plain value next to them is intact",
		    d->e[2].vlen == 1 && d->e[2].val[0] == 'x');
	}
out:
	es_ydoc_free(d);
	es_sbuf_free(&env);
	es_secrets_free(&s);
	free(doc);
}

int
main(void)
{
	T_CHECK("sodium_init", sodium_init() >= 0);
	test_many_values();
	test_aliases();
	test_inline_vaulted_alias();
	return t_done();
}
