/*
 * vault/edit.c — change one top-level key of a vault without touching the
 * rest (`envseal vault set/unset`), and re-seal an edited plaintext only
 * when it changed (`envseal vault edit/create`). See vault/vault.h.
 *
 * The edit is textual and minimal: the key's lines (its line at column 0
 * and every following line that is indented or blank, trailing blank
 * lines excluded) are replaced, removed or, for a new key, added after
 * the last key's lines; every other byte is copied. The result is then
 * parsed again and compared with the original, key by key: a document the
 * textual edit cannot change minimally (a flow mapping, a quoted or
 * complex key, an anchor another key aliases, a trailing "..." line) is
 * refused with ES_EUSAGE naming the key, never re-serialised. Pure:
 * memory only, runs in the worker.
 */
#include "vault/vault.h"
#include "vault/age.h"
#include "vault/ydoc_int.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* The indent of a new inline value's envelope lines: ansible's
 * encrypt_string writes 10 spaces (cli/vault.py). */
#define SET_INDENT "          "

/* Byte offset of the start of 1-based line n in t (len if past the end). */
static size_t
line_start(const unsigned char *t, size_t len, size_t n)
{
	size_t i = 0;

	while (n > 1 && i < len) {
		if (t[i++] == '\n')
			n--;
	}
	return i;
}

/* Offset just past the line that starts at i. */
static size_t
line_end(const unsigned char *t, size_t len, size_t i)
{
	while (i < len && t[i] != '\n')
		i++;
	return i < len ? i + 1 : i;
}

static int
line_blank(const unsigned char *t, size_t i, size_t e)
{
	for (; i < e; i++)
		if (t[i] != ' ' && t[i] != '\t' && t[i] != '\r' && t[i] != '\n')
			return 0;
	return 1;
}

/*
 * The span [*s, *e) of the key at 1-based line: that line, which must
 * start with key and ':' at column 0, and the indented or blank lines
 * after it, without trailing blank lines.
 */
static int
key_span_at(const unsigned char *t, size_t len, const char *key, size_t line,
    size_t i, size_t *s, size_t *e)
{
	size_t k = strlen(key), end, j;

	j = i + k;
	while (j < len && t[j] == ' ')
		j++;
	if (i + k > len || memcmp(t + i, key, k) != 0 || j >= len ||
	    t[j] != ':')
		return es_failf(ES_EUSAGE, "line %zu: key %s is not a plain key "
		    "at the start of its line: change it with vault edit",
		    line, key);
	*s = i;
	end = i = line_end(t, len, i);
	while (i < len) {
		j = line_end(t, len, i);
		if (t[i] != ' ' && t[i] != '\t' && !line_blank(t, i, j))
			break;
		if (!line_blank(t, i, j))
			end = j;
		i = j;
	}
	*e = end;
	return 0;
}

static int
key_span(const unsigned char *t, size_t len, const char *key, size_t line,
    size_t *s, size_t *e)
{
	return key_span_at(t, len, key, line, line_start(t, len, line), s, e);
}

/* Where a new key goes: after the last key's span, else at the end. */
static int
add_point(const unsigned char *t, size_t len, const struct es_ydoc *doc,
    size_t *at)
{
	size_t s;

	if (doc->n == 0) {
		*at = len;
		return 0;
	}
	return key_span(t, len, doc->e[doc->n - 1].key,
	    doc->e[doc->n - 1].line, &s, at);
}

static long
find_key(const struct es_ydoc *doc, const char *key)
{
	size_t i;

	for (i = 0; i < doc->n; i++)
		if (strcmp(doc->e[i].key, key) == 0)
			return (long)i;
	return -1;
}

/* Two entries that must be the same after the edit. */
static int
same_entry(const struct es_yentry *a, const struct es_yentry *b)
{
	if (strcmp(a->key, b->key) != 0 || a->kind != b->kind ||
	    a->vaulted != b->vaulted || a->style != b->style)
		return 0;
	if (a->kind != ES_Y_SCALAR)
		return 1;
	return a->vlen == b->vlen && memcmp(a->val, b->val, a->vlen) == 0;
}

/*
 * The edited text t parses, and holds the keys of old in order, each as it
 * was, but for key: gone (unset), or a scalar (vaulted when inline) whose
 * text is val (whole-file; inline values are checked by their envelope).
 */
static int
check_edit(const struct es_ydoc *old, const unsigned char *t, size_t len,
    const char *key, const unsigned char *val, size_t vlen, int inline_val)
{
	struct es_ydoc *nd = NULL;
	size_t i, j;
	int r, ok = 1;

	if ((r = es_ydoc_parse_yaml(t, len, &nd)) != 0) {
		r = r == -ENOMEM ? r : es_failf(ES_EUSAGE, "key %s: the edited "
		    "document does not parse: change it with vault edit", key);
		goto out;
	}
	for (i = 0, j = 0; i < old->n && ok; i++) {
		if (strcmp(old->e[i].key, key) == 0)
			continue;
		if (j < nd->n && strcmp(nd->e[j].key, key) == 0)
			j++;
		ok = j < nd->n && same_entry(&old->e[i], &nd->e[j]);
		j++;
	}
	if (ok && j < nd->n && strcmp(nd->e[j].key, key) == 0)
		j++;
	ok = ok && j == nd->n;
	if (ok && val != NULL) {
		long k = find_key(nd, key);

		ok = k >= 0 && nd->e[k].kind == ES_Y_SCALAR &&
		    nd->e[k].vaulted == inline_val && (inline_val ||
		    (nd->e[k].vlen == vlen && memcmp(nd->e[k].val, val,
		    vlen) == 0));
	} else if (ok) {
		ok = find_key(nd, key) < 0;
	}
	if (!ok)
		r = es_failf(ES_EUSAGE, "key %s: the document cannot be changed "
		    "minimally (an anchor, an alias or a flow mapping): change "
		    "it with vault edit", key);
out:
	if (nd != NULL)
		es_ydoc_free(nd);
	return r;
}

/* "key: " and the value: double-quoted (whole-file) or an envelope as a
 * literal block (inline), one line break after it. */
static int
put_entry(const char *key, const unsigned char *val, size_t vlen,
    const struct es_sbuf *env, struct es_sbuf *out)
{
	size_t i = 0, j;
	int r;

	if ((r = es_sbuf_append(out, key, strlen(key))) != 0 ||
	    (r = es_sbuf_append(out, ": ", 2)) != 0)
		return r;
	if (env == NULL) {
		if ((r = es_yaml_quote(val, vlen, out)) != 0)
			return r;
		return es_sbuf_putc(out, '\n');
	}
	if ((r = es_sbuf_append(out, "!vault |\n", 9)) != 0)
		return r;
	while (i < env->len) {
		for (j = i; j < env->len && env->p[j] != '\n'; j++)
			;
		if ((r = es_sbuf_append(out, SET_INDENT, sizeof SET_INDENT - 1))
		    != 0 || (r = es_sbuf_append(out, env->p + i, j - i)) != 0 ||
		    (r = es_sbuf_putc(out, '\n')) != 0)
			return r;
		i = j + 1;
	}
	return 0;
}

/*
 * The text t with key's lines replaced by its new entry (val, or env for
 * an inline value), removed (val and env NULL), or added; into out.
 */
static int
splice(const unsigned char *t, size_t len, const struct es_ydoc *doc,
    long k, const char *key, const unsigned char *val, size_t vlen,
    const struct es_sbuf *env, struct es_sbuf *out)
{
	size_t s, e;
	int r;

	if (k >= 0)
		r = key_span(t, len, key, doc->e[k].line, &s, &e);
	else
		r = add_point(t, len, doc, &s);
	if (r != 0)
		return r;
	if (k < 0)
		e = s;
	if ((r = es_sbuf_append(out, t, s)) != 0)
		return r;
	/* A last line without its break gets one before the new entry. */
	if (k < 0 && s > 0 && t[s - 1] != '\n' && (r = es_sbuf_putc(out, '\n'))
	    != 0)
		return r;
	if ((val != NULL || env != NULL) &&
	    (r = put_entry(key, val, vlen, env, out)) != 0)
		return r;
	/* A replaced last entry that had no final break keeps none. */
	if (k >= 0 && e == len && len > 0 && t[len - 1] != '\n' &&
	    out->len > 0 && (val != NULL || env != NULL))
		out->len--;
	return es_sbuf_append(out, t + e, len - e);
}

/* --- whole-file vault ----------------------------------------------------- */

static int
set_text(const unsigned char *t, size_t len, const char *key,
    const unsigned char *val, size_t vlen, struct es_sbuf *out,
    enum es_vset *how)
{
	struct es_ydoc *doc = NULL;
	long k;
	int r;

	if ((r = es_ydoc_parse_yaml(t, len, &doc)) != 0)
		return r;
	k = find_key(doc, key);
	if (val == NULL && k < 0) {
		*how = ES_VSET_UNCHANGED;
		goto out;
	}
	if (val != NULL && k >= 0 && doc->e[k].kind == ES_Y_SCALAR &&
	    !doc->e[k].vaulted && doc->e[k].vlen == vlen &&
	    memcmp(doc->e[k].val, val, vlen) == 0) {
		*how = ES_VSET_UNCHANGED;
		goto out;
	}
	*how = val == NULL ? ES_VSET_REMOVED : k < 0 ? ES_VSET_ADDED :
	    ES_VSET_CHANGED;
	if ((r = splice(t, len, doc, k, key, val, vlen, NULL, out)) == 0)
		r = check_edit(doc, out->p ? out->p : (const unsigned char *)"",
		    out->len, key, val, vlen, 0);
out:
	es_ydoc_free(doc);
	return r;
}

static int
set_whole(const unsigned char *in, size_t len, const struct es_secrets *sec,
    const char *key, const unsigned char *val, size_t vlen,
    struct es_sbuf *out, enum es_vset *how, int *used)
{
	struct es_sbuf pt = { 0 }, npt = { 0 };
	char label[ES_LABEL_MAX + 1];
	int r;

	if ((r = es_vault_open(in, len, sec, &pt, used)) != 0 ||
	    (r = es_vault_label(in, len, label, sizeof label)) != 0 ||
	    (r = set_text(pt.p ? pt.p : (const unsigned char *)"", pt.len, key,
	    val, vlen, &npt, how)) != 0)
		goto out;
	if (*how == ES_VSET_UNCHANGED)
		r = es_sbuf_append(out, in, len);
	else
		r = es_vault_seal(npt.p ? npt.p : (const unsigned char *)"",
		    npt.len, &sec->v[*used], label, out);
out:
	es_sbuf_free(&pt);
	es_sbuf_free(&npt);
	return r;
}

/* --- inline values ------------------------------------------------------------ */

/* Whether the vaulted entry e already holds val; its label and the index
 * of the secret that opened it. */
static int
inline_same(const struct es_yentry *e, const struct es_secrets *sec,
    const unsigned char *val, size_t vlen, char *label, int *u, int *same)
{
	struct es_sbuf pt = { 0 };
	int r;

	r = es_vault_open(e->val, e->vlen, sec, &pt, u);
	if (r == ES_ENOTVAULT)
		r = es_failf(ES_EFORMAT, "not an Ansible Vault envelope");
	if (r == 0)
		r = es_vault_label(e->val, e->vlen, label, ES_LABEL_MAX + 1);
	if (r == 0)
		*same = pt.len == vlen && (vlen == 0 ||
		    memcmp(pt.p, val, vlen) == 0);
	if (r != 0) {
		char d[ES_ERRDETAIL_MAX];

		snprintf(d, sizeof d, "%s", es_errdetail());
		r = es_failf(r, "line %zu: key %s: %s", e->line, e->key, d);
	}
	es_sbuf_free(&pt);
	return r;
}

static int
set_inline(const unsigned char *in, size_t len, const struct es_secrets *sec,
    const struct es_secret *enc, const char *enc_label, const char *key,
    const unsigned char *val, size_t vlen, struct es_sbuf *out,
    enum es_vset *how, int *used)
{
	struct es_ydoc *doc = NULL;
	struct es_sbuf env = { 0 };
	char label[ES_LABEL_MAX + 1];
	const struct es_secret *s = enc;
	int r, u = -1, same = 0;
	long k;

	if ((r = es_ydoc_parse_yaml(in, len, &doc)) != 0)
		return r;
	k = find_key(doc, key);
	snprintf(label, sizeof label, "%s", enc_label ? enc_label : "default");
	*how = val == NULL ? (k < 0 ? ES_VSET_UNCHANGED : ES_VSET_REMOVED) :
	    k < 0 ? ES_VSET_ADDED : ES_VSET_CHANGED;
	if (val != NULL && k >= 0 && doc->e[k].vaulted &&
	    doc->e[k].kind == ES_Y_SCALAR) {
		/* The value keeps its label and the secret that opened it. */
		if ((r = inline_same(&doc->e[k], sec, val, vlen, label, &u,
		    &same)) != 0)
			goto out;
		*used = u;
		s = &sec->v[u];
		if (same)
			*how = ES_VSET_UNCHANGED;
	}
	if (*how == ES_VSET_UNCHANGED) {
		r = es_sbuf_append(out, in, len);
		goto out;
	}
	if (val != NULL && (s == NULL || (r = es_vault_seal(val, vlen, s,
	    label, &env)) != 0)) {
		r = s == NULL ? es_failf(ES_EUSAGE, "key %s: a new value needs "
		    "the secret to encrypt it with: give --encrypt-vault-id",
		    key) : r;
		goto out;
	}
	if ((r = splice(in, len, doc, k, key, NULL, 0, val ? &env : NULL,
	    out)) == 0)
		r = check_edit(doc, out->p ? out->p : (const unsigned char *)"",
		    out->len, key, val, vlen, 1);
out:
	es_sbuf_free(&env);
	es_ydoc_free(doc);
	return r;
}

/* --- which keys an edit changed (for the audit record) ------------------------ */

/* Each entry's span [s[i], e[i]) in one pass (entries are in line
 * order); 1 when some key is not a plain key at the start of its line. */
static int
spans(const unsigned char *t, size_t len, const struct es_ydoc *d, size_t *s,
    size_t *e)
{
	size_t i, at = 0, line = 1;

	for (i = 0; i < d->n; i++) {
		while (line < d->e[i].line && at < len) {
			at = line_end(t, len, at);
			line++;
		}
		if (key_span_at(t, len, d->e[i].key, d->e[i].line, at, &s[i],
		    &e[i]) != 0)
			return 1;
	}
	es_errclear();
	return 0;
}

static int
strv_add(char ***v, size_t *n, const char *name)
{
	char **nv, *c;

	if (!es_vault_key_ok(name))
		return 0;   /* only names the audit record can carry */
	if ((c = strdup(name)) == NULL ||
	    (nv = realloc(*v, (*n + 1) * sizeof *nv)) == NULL) {
		free(c);
		return -ENOMEM;
	}
	nv[(*n)++] = c;
	*v = nv;
	return 0;
}

void
es_vkeydiff_free(struct es_vkeydiff *d)
{
	size_t i;

	for (i = 0; i < d->nadded; i++)
		free(d->added[i]);
	for (i = 0; i < d->nremoved; i++)
		free(d->removed[i]);
	for (i = 0; i < d->nchanged; i++)
		free(d->changed[i]);
	free(d->added);
	free(d->removed);
	free(d->changed);
	memset(d, 0, sizeof *d);
}

struct side {
	const unsigned char *t;
	size_t len;
	struct es_ydoc *d;
	size_t *s, *e;
	int nospan;
};

static int
side_open(struct side *x, const unsigned char *t, size_t len)
{
	int r;

	memset(x, 0, sizeof *x);
	x->t = t;
	x->len = len;
	if ((r = es_ydoc_parse_yaml(t, len, &x->d)) != 0)
		return r;
	x->s = calloc(x->d->n ? x->d->n : 1, sizeof *x->s);
	x->e = calloc(x->d->n ? x->d->n : 1, sizeof *x->e);
	if (x->s == NULL || x->e == NULL)
		return -ENOMEM;
	x->nospan = spans(t, len, x->d, x->s, x->e);
	return 0;
}

static void
side_close(struct side *x)
{
	if (x->d != NULL)
		es_ydoc_free(x->d);
	free(x->s);
	free(x->e);
}

/* Entry i of a and j of b hold the same value: the same model entry, and
 * (when both documents are block mappings) the same text. */
static int
side_same(const struct side *a, size_t i, const struct side *b, size_t j)
{
	if (!same_entry(&a->d->e[i], &b->d->e[j]))
		return 0;
	if (a->nospan || b->nospan)
		return 1;
	return a->e[i] - a->s[i] == b->e[j] - b->s[j] && memcmp(a->t + a->s[i],
	    b->t + b->s[j], a->e[i] - a->s[i]) == 0;
}

/* The matching: a scratch document holds a's keys, then b's; the
 * duplicate index es_ydoc_add_key reports is the key's entry in a. */
static int
diff_sides(const struct side *a, const struct side *b, struct es_vkeydiff *out)
{
	struct es_ydoc *m = es_ydoc_new();
	struct es_ykeys ks = { 0 };
	unsigned char *seen = calloc(a->d->n ? a->d->n : 1, 1);
	size_t i;
	long dup;
	int r = m && seen ? 0 : -ENOMEM;

	for (i = 0; r == 0 && i < a->d->n; i++)
		r = es_ydoc_add_key(m, &ks, a->d->e[i].key, i, &dup);
	for (i = 0; r == 0 && i < b->d->n; i++) {
		if ((r = es_ydoc_add_key(m, &ks, b->d->e[i].key, i, &dup)) != 0)
			break;
		if (dup < 0 || (size_t)dup >= a->d->n)
			r = strv_add(&out->added, &out->nadded, b->d->e[i].key);
		else {
			seen[dup] = 1;
			if (!side_same(a, (size_t)dup, b, i))
				r = strv_add(&out->changed, &out->nchanged,
				    b->d->e[i].key);
		}
	}
	for (i = 0; r == 0 && i < a->d->n; i++)
		if (!seen[i])
			r = strv_add(&out->removed, &out->nremoved,
			    a->d->e[i].key);
	es_ykeys_free(&ks);
	if (m != NULL)
		es_ydoc_free(m);
	free(seen);
	return r;
}

int
es_vault_key_diff(const unsigned char *a, size_t alen, const unsigned char *b,
    size_t blen, struct es_vkeydiff *out)
{
	struct side x, y;
	int r;

	memset(out, 0, sizeof *out);
	memset(&x, 0, sizeof x);
	memset(&y, 0, sizeof y);
	if ((r = side_open(&x, a, alen)) == 0 &&
	    (r = side_open(&y, b, blen)) == 0)
		r = diff_sides(&x, &y, out);
	side_close(&x);
	side_close(&y);
	if (r == -ENOMEM) {
		es_vkeydiff_free(out);
		return r;
	}
	if (r != 0) {
		/* Not YAML, or over a bound: no names, not an error. */
		es_vkeydiff_free(out);
		es_errclear();
		return 1;
	}
	return 0;
}

/* --- the two entry points ------------------------------------------------------- */

int
es_vault_set(const unsigned char *in, size_t len,
    const struct es_secrets *secrets, const struct es_secret *enc,
    const char *enc_label, const char *key, const unsigned char *val,
    size_t vlen, struct es_sbuf *out, enum es_vset *how, int *used)
{
	*used = -1;
	*how = ES_VSET_UNCHANGED;
	if (len > ES_VAULT_MAX)
		return es_failf(ES_ELIMIT, "vault larger than %zu bytes",
		    ES_VAULT_MAX);
	if (!es_vault_key_ok(key))
		return es_failf(ES_ENAME, "bad key name (letters, digits and "
		    "'_', not starting with a digit)");
	if (es_age_is_age(in, len))
		return es_failf(ES_EUSAGE, "an age file: set and unset are for "
		    "Ansible Vault");
	if (es_vault_is_envelope(in, len))
		return set_whole(in, len, secrets, key, val, vlen, out, how,
		    used);
	return set_inline(in, len, secrets, enc, enc_label, key, val, vlen,
	    out, how, used);
}

int
es_vault_reseal(const unsigned char *old, size_t oldlen,
    const struct es_secrets *secrets, const struct es_secret *enc,
    const char *enc_label, const unsigned char *pt, size_t ptlen,
    struct es_sbuf *out, int *changed, int *used, struct es_vkeydiff *diff)
{
	struct es_sbuf opt = { 0 };
	char label[ES_LABEL_MAX + 1];
	int r;

	*used = -1;
	*changed = 1;
	memset(diff, 0, sizeof *diff);
	if (oldlen == 0) {
		/* create: the secret picked to encrypt with. */
		if (enc == NULL)
			return es_failf(ES_EBUG, "no secret to encrypt with");
		if (es_vault_key_diff((const unsigned char *)"", 0, pt, ptlen,
		    diff) == -ENOMEM)
			return -ENOMEM;
		return es_vault_seal(pt, ptlen, enc, enc_label ? enc_label :
		    "default", out);
	}
	/* edit: the label of the header and the secret that opened it, as
	 * ansible's edit_file keeps them. */
	if ((r = es_vault_open(old, oldlen, secrets, &opt, used)) != 0 ||
	    (r = es_vault_label(old, oldlen, label, sizeof label)) != 0)
		goto out;
	if (opt.len == ptlen && (ptlen == 0 || memcmp(opt.p, pt, ptlen) == 0)) {
		*changed = 0;
		r = es_sbuf_append(out, old, oldlen);
	} else if ((r = es_vault_key_diff(opt.p ? opt.p :
	    (const unsigned char *)"", opt.len, pt, ptlen, diff)) >= 0) {
		r = es_vault_seal(pt, ptlen, &secrets->v[*used], label, out);
	}
out:
	es_sbuf_free(&opt);
	return r;
}

int
es_vault_key_ok(const char *key)
{
	size_t i;

	if (key == NULL || key[0] == '\0' || strlen(key) > ES_VAULT_KEY_MAX ||
	    (key[0] >= '0' && key[0] <= '9'))
		return 0;
	for (i = 0; key[i] != '\0'; i++)
		if (!((key[i] >= 'a' && key[i] <= 'z') ||
		    (key[i] >= 'A' && key[i] <= 'Z') ||
		    (key[i] >= '0' && key[i] <= '9') || key[i] == '_'))
			return 0;
	return 1;
}
