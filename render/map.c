/*
 * render/map.c — vault document to env variables: explicit `vars` in
 * order, or every top-level key ("vault_" dropped, upper-cased), then the
 * static values. Fails closed: a variable that is missing, null, a mapping
 * or a sequence is an error naming it. Pure; runs in the worker.
 */
#include "render/render.h"
#include "render/render_int.h"
#include "vault/vault.h"

#include <errno.h>
#include <string.h>

#define VAULT_PREFIX "vault_"

static const char *
kind_text(enum es_ykind k)
{
	switch (k) {
	case ES_Y_NULL:
		return "null (no value)";
	case ES_Y_MAPPING:
		return "a mapping, not a string";
	case ES_Y_SEQUENCE:
		return "a sequence, not a string";
	default:
		return "not a string";
	}
}

static int
by_key(size_t i, size_t j, const void *ctx)
{
	const struct es_ydoc *doc = ctx;

	return strcmp(doc->e[i].key, doc->e[j].key);
}

/* Index of doc's entries sorted by key, for explicit lookups. */
static int
key_index(const struct es_ydoc *doc, size_t **out)
{
	size_t *idx, i;

	if ((idx = calloc(doc->n ? doc->n : 1, sizeof *idx)) == NULL)
		return -ENOMEM;
	for (i = 0; i < doc->n; i++)
		idx[i] = i;
	/* Stable: equal keys stay in file order. */
	if (render_sort(idx, doc->n, by_key, doc) != 0) {
		free(idx);
		return -ENOMEM;
	}
	*out = idx;
	return 0;
}

static const struct es_yentry *
lookup(const struct es_ydoc *doc, const size_t *idx, const char *key)
{
	size_t lo = 0, hi = doc->n, mid;
	int c;

	/* Upper bound: the last of equal keys is the last in the file,
	 * the one YAML loaders keep. */
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		c = strcmp(doc->e[idx[mid]].key, key);
		if (c <= 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo > 0 && !strcmp(doc->e[idx[lo - 1]].key, key))
		return &doc->e[idx[lo - 1]];
	return NULL;
}

static int
put_entry(struct es_env *env, const char *name, const struct es_yentry *e,
    const char *source)
{
	if (e->kind != ES_Y_SCALAR)
		return es_failf(ES_EMISSING, "%s: vault variable '%.128s' "
		    "(%s line %zu) is %s", name, e->key, source, e->line,
		    kind_text(e->kind));
	return es_env_put(env, name, e->val ? e->val :
	    (const unsigned char *)"", e->vlen);
}

static int
map_explicit(const struct es_render_spec *s, const struct es_ydoc *doc,
    struct es_env *env)
{
	const struct es_yentry *e;
	size_t *idx = NULL, i;
	int r;

	if ((r = key_index(doc, &idx)) != 0)
		return r;
	for (i = 0; i < s->nvars && r == 0; i++) {
		if ((e = lookup(doc, idx, s->vars[i].value)) == NULL)
			r = es_failf(ES_EMISSING, "%s: vault variable '%.128s' "
			    "is missing from %s", s->vars[i].name,
			    s->vars[i].value, s->source);
		else
			r = put_entry(env, s->vars[i].name, e, s->source);
	}
	free(idx);
	return r;
}

/* "vault_db_password" -> "DB_PASSWORD". */
static int
default_name(const char *key, char *name, size_t size)
{
	size_t i;

	if (!strncmp(key, VAULT_PREFIX, strlen(VAULT_PREFIX)) &&
	    key[strlen(VAULT_PREFIX)] != '\0')
		key += strlen(VAULT_PREFIX);
	for (i = 0; key[i] != '\0'; i++) {
		if (i + 1 >= size)
			return -1;
		name[i] = (key[i] >= 'a' && key[i] <= 'z') ?
		    (char)(key[i] - 'a' + 'A') : key[i];
	}
	name[i] = '\0';
	return 0;
}

/* Room for every key's line at once: one guarded allocation instead of
 * a dozen doublings (each a fresh mlock'd area and a copy) for a large
 * vault. Quoting may add escapes: an eighth more, and the buffer still
 * grows if that is short. */
static int
reserve_lines(const struct es_ydoc *doc, struct es_env *env)
{
	size_t i, est = 0;

	for (i = 0; i < doc->n && est < ES_ENV_FILE_MAX; i++)
		est += strlen(doc->e[i].key) + doc->e[i].vlen +
		    doc->e[i].vlen / 8 + 4;   /* = "" LF */
	return es_sbuf_reserve(&env->out, est < ES_ENV_FILE_MAX ? est :
	    ES_ENV_FILE_MAX);
}

static int
map_default(const struct es_render_spec *s, const struct es_ydoc *doc,
    struct es_env *env)
{
	char name[ES_ENV_NAME_MAX + 1];
	size_t i;
	int r;

	if ((r = reserve_lines(doc, env)) != 0)
		return r;

	for (i = 0; i < doc->n && r == 0; i++) {
		if (default_name(doc->e[i].key, name, sizeof name) != 0 ||
		    !es_env_name_valid(name))
			r = es_failf(ES_ENAME, "vault key '%.128s' (%s line %zu)"
			    " does not give a valid variable name; map it "
			    "with vars", doc->e[i].key, s->source,
			    doc->e[i].line);
		else
			r = put_entry(env, name, &doc->e[i], s->source);
	}
	return r;
}

int
es_render_doc(const struct es_render_spec *s, const struct es_ydoc *doc,
    struct es_env *env)
{
	size_t i;
	int r;

	if ((r = es_env_begin(env, s->source)) != 0)
		goto out;
	r = s->explicit_vars ? map_explicit(s, doc, env) :
	    map_default(s, doc, env);
	for (i = 0; i < s->nstatics && r == 0; i++)
		r = es_env_put(env, s->statics[i].name,
		    (const unsigned char *)s->statics[i].value,
		    strlen(s->statics[i].value));
	/* A name given twice (vars, statics, or two keys mapping to one
	 * name) is refused; the sorted index is kept for the diff. */
	if (r == 0)
		r = es_env_index(env);
out:
	if (r != 0)
		es_env_free(env);
	return r;
}
