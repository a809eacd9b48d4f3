/*
 * vault/yaml.c — the YAML side of Ansible Vault: the document model
 * (top-level keys, their scalar text as written, style and line), inline
 * `!vault` / `!vault-encrypted` scalars anywhere in a document, and the
 * two rewrites `envseal vault` needs (decrypt in place, rekey), which
 * splice the source bytes so every line outside a vaulted scalar stays
 * as it was. libyaml's event parser; aliases are never expanded.
 * Pure: memory only. See vault/vault.h.
 */
#include "vault/vault.h"
#include "vault/ydoc_int.h"

#include <errno.h>
#include <string.h>
#include <yaml.h>

#define TAG_VAULT "!vault"
#define TAG_VAULT_ENC "!vault-encrypted"
#define TAG_NULL "tag:yaml.org,2002:null"
/* Keys and labels quoted in error details are cut to this many bytes. */
#define DETAIL_NAME_MAX 64

enum { LVL_MAP, LVL_SEQ };

/* A vaulted scalar found anywhere in the document. */
struct yval {
	size_t start;      /* byte offset of the node (anchor, tag) */
	size_t tag_at;     /* byte offset of the tag's '!' */
	size_t end;        /* byte offset just past the scalar's text */
	size_t line;       /* 1-based */
	int literal;       /* literal block style */
	size_t indent;     /* literal: indentation of its first content line */
	unsigned char *text;   /* the envelope text (ciphertext, not secret) */
	size_t len;
};

struct anchor {
	char *name;
	enum es_ykind kind;
	enum es_ystyle style;
	int vaulted;
	const unsigned char *val;   /* in the document's arena */
	size_t vlen;
};

struct walk {
	const unsigned char *in;
	size_t len;
	yaml_parser_t parser;
	/* what the caller wants */
	struct es_ydoc *doc;           /* model, or NULL */
	int want_vals;
	/* vaulted scalars */
	struct yval *v;
	size_t nv, capv;
	/* anchors and alias count */
	struct anchor *a;
	size_t na, capa, nalias;
	struct es_ykeys keys;
	/* nesting: levels[0] is the root collection */
	unsigned char lvl[ES_YDOC_MAX_DEPTH];
	size_t nkeys_in_lvl[ES_YDOC_MAX_DEPTH];
	size_t depth;
	size_t ndocs;
	/* character index -> byte offset cursor (libyaml counts chars) */
	size_t cur_char, cur_byte, base;
};

/* --- small helpers ---------------------------------------------------- */

/* A key or anchor name made safe for an error detail. */
static const char *
safe_name(const char *s, char buf[DETAIL_NAME_MAX + 4])
{
	size_t i;

	for (i = 0; s[i] && i < DETAIL_NAME_MAX; i++)
		buf[i] = ((unsigned char)s[i] >= 0x20 &&
		    (unsigned char)s[i] < 0x7f) ? s[i] : '?';
	if (s[i]) {
		memcpy(buf + i, "...", 3);
		i += 3;
	}
	buf[i] = '\0';
	return buf;
}

static size_t
ev_line(const yaml_event_t *ev)
{
	return ev->start_mark.line + 1;
}

static enum es_ystyle
map_style(yaml_scalar_style_t s)
{
	switch (s) {
	case YAML_SINGLE_QUOTED_SCALAR_STYLE:
		return ES_YS_SINGLE;
	case YAML_DOUBLE_QUOTED_SCALAR_STYLE:
		return ES_YS_DOUBLE;
	case YAML_LITERAL_SCALAR_STYLE:
		return ES_YS_LITERAL;
	case YAML_FOLDED_SCALAR_STYLE:
		return ES_YS_FOLDED;
	default:
		return ES_YS_PLAIN;
	}
}

static int
is_vault_tag(const yaml_char_t *tag)
{
	return tag != NULL && (strcmp((const char *)tag, TAG_VAULT) == 0 ||
	    strcmp((const char *)tag, TAG_VAULT_ENC) == 0);
}

/* YAML 1.1 null as PyYAML resolves it: untagged plain "", ~, null. */
static int
is_null_scalar(const yaml_event_t *ev)
{
	const char *v = (const char *)ev->data.scalar.value;
	const char *tag = (const char *)ev->data.scalar.tag;

	if (tag != NULL)
		return strcmp(tag, TAG_NULL) == 0;
	if (ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return 0;
	return es_yplain_is_null((const unsigned char *)v,
	    ev->data.scalar.length);
}

/* libyaml's marks count characters; turn one into a byte offset. Marks
 * are asked for in increasing order, so a forward cursor is enough. */
static size_t
byte_at(struct walk *w, size_t ch)
{
	BUG_ON(ch < w->cur_char);
	while (w->cur_char < ch && w->cur_byte < w->len) {
		w->cur_byte++;
		while (w->cur_byte < w->len &&
		    (w->in[w->cur_byte] & 0xc0) == 0x80)
			w->cur_byte++;
		w->cur_char++;
	}
	return w->cur_byte;
}

static int
doc_add_key(struct walk *w, const yaml_event_t *ev)
{
	const char *k = (const char *)ev->data.scalar.value;
	char nb[DETAIL_NAME_MAX + 4];
	long dup;
	int r;

	if (strlen(k) != ev->data.scalar.length)
		return es_failf(ES_EYAML, "line %zu: key contains a NUL byte",
		    ev_line(ev));
	if (ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
	    ev->data.scalar.tag == NULL && strcmp(k, "<<") == 0)
		return es_failf(ES_EYAML, "line %zu: merge keys (<<) are not "
		    "supported", ev_line(ev));
	if (is_vault_tag(ev->data.scalar.tag))
		return es_failf(ES_EYAML, "line %zu: a key may not be "
		    "!vault-encrypted", ev_line(ev));
	if ((r = es_ydoc_add_key(w->doc, &w->keys, k, ev_line(ev), &dup)) != 0)
		return r;
	if (dup >= 0)
		return es_failf(ES_EYAML, "line %zu: duplicate key %s (first "
		    "at line %zu)", ev_line(ev), safe_name(k, nb),
		    w->doc->e[dup].line);
	return 0;
}

/* Kind, style and (for a scalar) the text of ev into e, the text into
 * the arena a. */
static int
set_scalar(struct es_yarena *a, struct es_yentry *e, const yaml_event_t *ev)
{
	e->style = map_style(ev->data.scalar.style);
	e->vaulted = is_vault_tag(ev->data.scalar.tag);
	if (!e->vaulted && is_null_scalar(ev)) {
		e->kind = ES_Y_NULL;
		return 0;
	}
	e->kind = ES_Y_SCALAR;
	e->vlen = ev->data.scalar.length;
	return es_yarena_put(a, ev->data.scalar.value, e->vlen, &e->val);
}

/* --- anchors and aliases --------------------------------------------------- */

static int
count_alias(struct walk *w, const yaml_event_t *ev)
{
	if (++w->nalias > ES_YDOC_MAX_ALIASES)
		return es_failf(ES_EYAML, "line %zu: more than %d anchors and "
		    "aliases", ev_line(ev), ES_YDOC_MAX_ALIASES);
	return 0;
}

static int
add_anchor(struct walk *w, const yaml_event_t *ev, const yaml_char_t *name)
{
	struct anchor *na, *a;
	int r;

	if (name == NULL)
		return 0;
	if ((r = count_alias(w, ev)) != 0)
		return r;
	if (w->na == w->capa) {
		size_t ncap = w->capa ? w->capa * 2 : 8;

		if ((na = realloc(w->a, ncap * sizeof *na)) == NULL)
			return -ENOMEM;
		w->a = na;
		w->capa = ncap;
	}
	a = &w->a[w->na];
	memset(a, 0, sizeof *a);
	if ((a->name = strdup((const char *)name)) == NULL)
		return -ENOMEM;
	w->na++;
	a->style = ES_YS_NONE;
	if (ev->type == YAML_MAPPING_START_EVENT)
		a->kind = ES_Y_MAPPING;
	else if (ev->type == YAML_SEQUENCE_START_EVENT)
		a->kind = ES_Y_SEQUENCE;
	else if (w->doc != NULL) {
		/* Only the model resolves aliases; the rewrites need no text. */
		struct es_yentry tmp = { 0 };

		if ((r = set_scalar(w->doc->arena, &tmp, ev)) != 0)
			return r;
		a->kind = tmp.kind;
		a->style = tmp.style;
		a->vaulted = tmp.vaulted;
		a->val = tmp.val;
		a->vlen = tmp.vlen;
	}
	return 0;
}

/* The most recent anchor of that name (YAML lets anchors be redefined). */
static const struct anchor *
find_anchor(const struct walk *w, const char *name)
{
	size_t i;

	for (i = w->na; i > 0; i--)
		if (strcmp(w->a[i - 1].name, name) == 0)
			return &w->a[i - 1];
	return NULL;
}

static int
top_alias(struct walk *w, const yaml_event_t *ev, struct es_yentry *e)
{
	const struct anchor *a;
	char nb[DETAIL_NAME_MAX + 4];

	a = find_anchor(w, (const char *)ev->data.alias.anchor);
	if (a == NULL)
		return es_failf(ES_EYAML, "line %zu: undefined alias %s",
		    ev_line(ev), safe_name((const char *)ev->data.alias.anchor,
		    nb));
	e->kind = a->kind;
	e->style = a->style;
	e->vaulted = a->vaulted;
	/* The anchor's text stays put in the arena: share it. A vaulted one
	 * is decrypted per entry, into a copy of its own. */
	e->val = a->val;
	e->vlen = a->vlen;
	return 0;
}

/* --- vaulted scalars anywhere ----------------------------------------------- */

/* Indentation of the first non-empty line after the header line at pos. */
static size_t
literal_indent(const struct walk *w, size_t pos, size_t end)
{
	size_t i = pos, n;

	while (i < end && w->in[i] != '\n' && w->in[i] != '\r')
		i++;
	for (;;) {
		while (i < end && (w->in[i] == '\n' || w->in[i] == '\r'))
			i++;
		for (n = 0; i + n < end && w->in[i + n] == ' '; n++)
			;
		if (i + n >= end || (w->in[i + n] != '\n' &&
		    w->in[i + n] != '\r'))
			return n;
		i += n;
	}
}

static int
add_val(struct walk *w, const yaml_event_t *ev)
{
	struct yval *nv, *v;
	size_t s, e;

	if (w->nv >= ES_VAULT_MAX_INLINE)
		return es_failf(ES_ELIMIT, "line %zu: more than %d !vault "
		    "values", ev_line(ev), ES_VAULT_MAX_INLINE);
	if (w->nv == w->capv) {
		size_t ncap = w->capv ? w->capv * 2 : 16;

		if ((nv = realloc(w->v, ncap * sizeof *nv)) == NULL)
			return -ENOMEM;
		w->v = nv;
		w->capv = ncap;
	}
	v = &w->v[w->nv];
	memset(v, 0, sizeof *v);
	s = byte_at(w, ev->start_mark.index) + w->base;
	e = byte_at(w, ev->end_mark.index) + w->base;
	BUG_ON(e > w->len || s > e);
	/* Keep an anchor that precedes the tag; replace from the '!'. */
	v->start = s;
	v->tag_at = s;
	while (v->tag_at < e && w->in[v->tag_at] != '!')
		v->tag_at++;
	/* The scalar's text ends at its last non-blank byte: trailing line
	 * breaks a block scalar swallowed stay as they were. */
	while (e > v->tag_at && (w->in[e - 1] == '\n' || w->in[e - 1] == '\r' ||
	    w->in[e - 1] == ' ' || w->in[e - 1] == '\t'))
		e--;
	v->end = e;
	v->line = ev_line(ev);
	v->literal = ev->data.scalar.style == YAML_LITERAL_SCALAR_STYLE;
	if (v->literal)
		v->indent = literal_indent(w, v->tag_at, e);
	if ((v->text = malloc(ev->data.scalar.length + 1)) == NULL)
		return -ENOMEM;
	memcpy(v->text, ev->data.scalar.value, ev->data.scalar.length);
	v->len = ev->data.scalar.length;
	w->nv++;
	return 0;
}

/* --- the event walk ----------------------------------------------------------- */

static int
yaml_error(const struct walk *w)
{
	const char *p = w->parser.problem ? w->parser.problem : "parse error";

	if (w->parser.error == YAML_MEMORY_ERROR)
		return -ENOMEM;
	/* libyaml's problems are fixed strings: they never quote input. */
	return es_failf(ES_EYAML, "line %zu: %s",
	    w->parser.problem_mark.line + 1, p);
}

/* A node at depth 1 in key position of the root mapping. */
static int
on_top_key(struct walk *w, const yaml_event_t *ev)
{
	if (ev->type != YAML_SCALAR_EVENT)
		return es_failf(ES_EYAML, "line %zu: a top-level key must be "
		    "a scalar", ev_line(ev));
	return w->doc ? doc_add_key(w, ev) : 0;
}

/* A node at depth 1 in value position of the root mapping. */
static int
on_top_value(struct walk *w, const yaml_event_t *ev)
{
	struct es_yentry *e;

	if (w->doc == NULL)
		return 0;
	e = &w->doc->e[w->doc->n - 1];
	switch (ev->type) {
	case YAML_SCALAR_EVENT:
		return set_scalar(w->doc->arena, e, ev);
	case YAML_MAPPING_START_EVENT:
		e->kind = ES_Y_MAPPING;
		return 0;
	case YAML_SEQUENCE_START_EVENT:
		e->kind = ES_Y_SEQUENCE;
		return 0;
	case YAML_ALIAS_EVENT:
		return top_alias(w, ev, e);
	default:
		BUG("unexpected top-level event");
	}
}

/* Route a node event by where it sits. */
static int
on_node(struct walk *w, const yaml_event_t *ev)
{
	int r;

	if (w->depth == 0) {
		/* The root node: a mapping for the model; the rewrites take
		 * any document (a list of !vault values is fine there). */
		if (ev->type == YAML_MAPPING_START_EVENT || w->doc == NULL)
			return 0;
		if (ev->type == YAML_SCALAR_EVENT && is_null_scalar(ev))
			return 0;   /* empty document: zero keys */
		return es_failf(ES_EYAML, "line %zu: the top level is not a "
		    "mapping", ev_line(ev));
	}
	if (w->depth == 1 && w->lvl[0] == LVL_MAP) {
		r = (w->nkeys_in_lvl[0] % 2 == 0) ? on_top_key(w, ev) :
		    on_top_value(w, ev);
		if (r != 0)
			return r;
	}
	if (w->lvl[w->depth - 1] == LVL_MAP)
		w->nkeys_in_lvl[w->depth - 1]++;
	return 0;
}

static int
push(struct walk *w, const yaml_event_t *ev, int kind)
{
	if (w->depth >= ES_YDOC_MAX_DEPTH)
		return es_failf(ES_EYAML, "line %zu: nested deeper than %d",
		    ev_line(ev), ES_YDOC_MAX_DEPTH);
	w->lvl[w->depth] = (unsigned char)kind;
	w->nkeys_in_lvl[w->depth] = 0;
	w->depth++;
	return 0;
}

static int
on_event(struct walk *w, const yaml_event_t *ev)
{
	int r = 0;

	switch (ev->type) {
	case YAML_DOCUMENT_START_EVENT:
		if (++w->ndocs > 1)
			return es_failf(ES_EYAML, "line %zu: more than one YAML "
			    "document", ev_line(ev));
		return 0;
	case YAML_SCALAR_EVENT:
		if ((r = on_node(w, ev)) != 0 ||
		    (r = add_anchor(w, ev, ev->data.scalar.anchor)) != 0)
			return r;
		if (w->want_vals && is_vault_tag(ev->data.scalar.tag))
			r = add_val(w, ev);
		return r;
	case YAML_ALIAS_EVENT:
		if ((r = count_alias(w, ev)) != 0)
			return r;
		return on_node(w, ev);
	case YAML_MAPPING_START_EVENT:
	case YAML_SEQUENCE_START_EVENT:
		if ((r = on_node(w, ev)) != 0 ||
		    (r = add_anchor(w, ev, ev->type == YAML_MAPPING_START_EVENT ?
		    ev->data.mapping_start.anchor :
		    ev->data.sequence_start.anchor)) != 0)
			return r;
		return push(w, ev, ev->type == YAML_MAPPING_START_EVENT ?
		    LVL_MAP : LVL_SEQ);
	case YAML_MAPPING_END_EVENT:
	case YAML_SEQUENCE_END_EVENT:
		BUG_ON(w->depth == 0);
		w->depth--;
		return 0;
	default:
		return 0;
	}
}

/*
 * libyaml's own copies of the text: each scalar event's value, the
 * tokens still queued, and the input buffers (raw and decoded, 16 KiB
 * windows at most). Wiped before libyaml frees them. What it cannot let
 * us reach (scanner scratch strings, freed mid-scan) stays in ordinary
 * heap until the worker, short-lived and non-dumpable, exits.
 */
static void
event_delete(yaml_event_t *ev)
{
	if (ev->type == YAML_SCALAR_EVENT && ev->data.scalar.value != NULL)
		es_wipe(ev->data.scalar.value, ev->data.scalar.length);
	yaml_event_delete(ev);
}

static void
parser_delete(yaml_parser_t *p)
{
	yaml_token_t *t;

	for (t = p->tokens.head; t != NULL && t != p->tokens.tail; t++)
		if (t->type == YAML_SCALAR_TOKEN && t->data.scalar.value)
			es_wipe(t->data.scalar.value, t->data.scalar.length);
	if (p->buffer.start != NULL)
		es_wipe(p->buffer.start, (size_t)(p->buffer.end -
		    p->buffer.start));
	if (p->raw_buffer.start != NULL)
		es_wipe(p->raw_buffer.start, (size_t)(p->raw_buffer.end -
		    p->raw_buffer.start));
	yaml_parser_delete(p);
}

static void
walk_free(struct walk *w)
{
	size_t i;

	for (i = 0; i < w->nv; i++)
		free(w->v[i].text);
	free(w->v);
	for (i = 0; i < w->na; i++)
		free(w->a[i].name);
	free(w->a);
	es_ykeys_free(&w->keys);
	parser_delete(&w->parser);
}

/* Parse in; fill w->doc (when set) and w->v (when w->want_vals). */
static int
walk_run(struct walk *w, const unsigned char *in, size_t len)
{
	yaml_event_t ev;
	int r = 0, done = 0;

	w->in = in;
	w->len = len;
	if (len > ES_VAULT_MAX)
		return es_failf(ES_ELIMIT, "file larger than %zu bytes",
		    ES_VAULT_MAX);
	/* libyaml turns UTF-16 into UTF-8, and its marks would no longer
	 * be byte offsets into in; vars files are UTF-8. */
	if (len >= 2 && ((in[0] == 0xff && in[1] == 0xfe) ||
	    (in[0] == 0xfe && in[1] == 0xff)))
		return es_failf(ES_EYAML, "line 1: UTF-16 YAML is not "
		    "supported");
	/* libyaml skips a UTF-8 BOM without counting it. */
	if (len >= 3 && in[0] == 0xef && in[1] == 0xbb && in[2] == 0xbf)
		w->base = 3;
	if (!yaml_parser_initialize(&w->parser))
		return -ENOMEM;
	yaml_parser_set_input_string(&w->parser, in + w->base, len - w->base);
	while (!done && r == 0) {
		if (!yaml_parser_parse(&w->parser, &ev))
			return yaml_error(w);
		done = ev.type == YAML_STREAM_END_EVENT;
		r = on_event(w, &ev);
		event_delete(&ev);
	}
	return r;
}

/* --- es_vault_load_doc ----------------------------------------------------------- */

/* Replace each vaulted top-level value by its plaintext, in the arena.
 * One guarded scratch buffer serves every value (es_vault_open appends),
 * wiped after each. */
static int
decrypt_entries(struct es_ydoc *doc, const struct es_secrets *secrets,
    int *used)
{
	struct es_sbuf pt = { 0 };
	char nb[DETAIL_NAME_MAX + 4], d[ES_ERRDETAIL_MAX];
	size_t i;
	int r = 0, u;

	for (i = 0; i < doc->n && r == 0; i++) {
		struct es_yentry *e = &doc->e[i];

		if (!e->vaulted || e->kind != ES_Y_SCALAR)
			continue;
		pt.len = 0;
		r = es_vault_open(e->val, e->vlen, secrets, &pt, &u);
		if (r == ES_ENOTVAULT)
			r = es_failf(ES_EFORMAT, "not an Ansible Vault envelope");
		if (r != 0) {
			snprintf(d, sizeof d, "%s", es_errdetail());
			r = es_failf(r, "line %zu: key %s: %s", e->line,
			    safe_name(e->key, nb), d);
			break;
		}
		if (*used < 0)
			*used = u;
		e->vlen = pt.len;
		r = es_yarena_put(doc->arena, pt.p, pt.len, &e->val);
		if (pt.len > 0)
			es_wipe(pt.p, pt.len);
	}
	es_sbuf_free(&pt);
	return r;
}

int
es_ydoc_parse_yaml(const unsigned char *in, size_t len, struct es_ydoc **out)
{
	struct walk w;
	int r;

	*out = NULL;
	memset(&w, 0, sizeof w);
	if ((w.doc = es_ydoc_new()) == NULL)
		return -ENOMEM;
	r = walk_run(&w, in, len);
	if (r == 0) {
		*out = w.doc;
		w.doc = NULL;   /* transferred */
	}
	es_ydoc_free(w.doc);
	walk_free(&w);
	return r;
}

/* The flat fast path when the document has its shape, else libyaml. */
static int
parse_doc(const unsigned char *in, size_t len, struct es_ydoc **out)
{
	int r;

	if ((r = es_ydoc_parse_flat(in, len, out)) <= 0)
		return r;
	return es_ydoc_parse_yaml(in, len, out);
}

int
es_vault_load_doc(const unsigned char *in, size_t len,
    const struct es_secrets *secrets, struct es_ydoc **doc, int *used)
{
	struct es_sbuf pt = { 0 };
	struct es_ydoc *d = NULL;
	int r, env;

	*doc = NULL;
	*used = -1;
	if (len > ES_VAULT_MAX)
		return es_failf(ES_ELIMIT, "vault larger than %zu bytes",
		    ES_VAULT_MAX);
	if ((env = es_vault_is_envelope(in, len)) != 0) {
		if ((r = es_vault_open(in, len, secrets, &pt, used)) != 0)
			goto out;
		in = pt.p;
		len = pt.len;
	}
	if ((r = parse_doc(in ? in : (const unsigned char *)"", len, &d)) != 0 ||
	    (r = decrypt_entries(d, secrets, used)) != 0)
		goto out;
	/* Said here, once: the caller need not scan the input again. */
	d->enveloped = env;
	*doc = d;
	d = NULL;   /* transferred */
out:
	es_ydoc_free(d);
	es_sbuf_free(&pt);
	return r;
}

/* --- quoting ----------------------------------------------------------------------- */

/* Decode one UTF-8 sequence strictly; its length, or 0 when invalid. */
static size_t
utf8_next(const unsigned char *p, size_t n, uint32_t *cp)
{
	size_t len, i;
	uint32_t c;

	if (p[0] < 0x80) {
		*cp = p[0];
		return 1;
	}
	if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		len = 2;
		c = p[0] & 0x1f;
	} else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		len = 3;
		c = p[0] & 0x0f;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		len = 4;
		c = p[0] & 0x07;
	} else
		return 0;
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (p[i] & 0x3f);
	}
	/* Overlong forms, surrogates and beyond U+10FFFF are invalid. */
	if ((len == 3 && c < 0x800) || (len == 4 && c < 0x10000) ||
	    (c >= 0xd800 && c <= 0xdfff) || c > 0x10ffff)
		return 0;
	*cp = c;
	return len;
}

/* YAML's c-printable minus the line breaks it would fold (NEL, LS, PS)
 * and the BOM, which we escape to keep the scalar on one line. */
static int
yaml_raw_ok(uint32_t c)
{
	return (c >= 0x20 && c <= 0x7e) || (c >= 0xa0 && c <= 0xd7ff &&
	    c != 0x2028 && c != 0x2029) || (c >= 0xe000 && c <= 0xfffd &&
	    c != 0xfeff) || (c >= 0x10000 && c <= 0x10ffff);
}

static int
put_escape(struct es_sbuf *out, uint32_t c)
{
	char buf[16];
	int n;

	switch (c) {
	case '\\': n = snprintf(buf, sizeof buf, "\\\\"); break;
	case '"': n = snprintf(buf, sizeof buf, "\\\""); break;
	case '\n': n = snprintf(buf, sizeof buf, "\\n"); break;
	case '\t': n = snprintf(buf, sizeof buf, "\\t"); break;
	case '\r': n = snprintf(buf, sizeof buf, "\\r"); break;
	case 0: n = snprintf(buf, sizeof buf, "\\0"); break;
	default:
		if (c < 0x100)
			n = snprintf(buf, sizeof buf, "\\x%02X", (unsigned)c);
		else if (c < 0x10000)
			n = snprintf(buf, sizeof buf, "\\u%04X", (unsigned)c);
		else
			n = snprintf(buf, sizeof buf, "\\U%08X", (unsigned)c);
	}
	if (n < 0 || (size_t)n >= sizeof buf)
		BUG("escape does not fit");
	return es_sbuf_append(out, buf, (size_t)n);
}

int
es_yaml_quote(const unsigned char *value, size_t len, struct es_sbuf *out)
{
	size_t i = 0, n;
	uint32_t c;
	int r;

	if ((r = es_sbuf_putc(out, '"')) != 0)
		return r;
	while (i < len) {
		if ((n = utf8_next(value + i, len - i, &c)) == 0)
			return es_failf(ES_EVALUE, "value is not UTF-8, so it "
			    "cannot be written as YAML");
		if (c != '"' && c != '\\' && yaml_raw_ok(c))
			r = es_sbuf_append(out, value + i, n);
		else
			r = put_escape(out, c);
		if (r != 0)
			return r;
		i += n;
	}
	return es_sbuf_putc(out, '"');
}

/* --- rewrites: decrypt in place, rekey ------------------------------------------- */

struct rewrite {
	const struct es_secrets *secrets;
	const struct es_secret *new_secret;   /* NULL: decrypt */
	const char *new_label;
	int *used;
};

/* Length of the tag as written at p (up to a blank or line break). */
static size_t
tag_len(const unsigned char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n && p[i] != ' ' && p[i] != '\t' && p[i] != '\n' &&
	    p[i] != '\r'; i++)
		;
	return i;
}

/* The envelope as a literal block at the original indentation, without
 * the final line break (the source's own break follows). */
static int
put_literal(const unsigned char *env, size_t n, size_t indent,
    struct es_sbuf *out)
{
	size_t i = 0, j, k;
	int r;

	if ((r = es_sbuf_append(out, " |", 2)) != 0)
		return r;
	while (i < n) {
		for (j = i; j < n && env[j] != '\n'; j++)
			;
		if ((r = es_sbuf_putc(out, '\n')) != 0)
			return r;
		for (k = 0; k < indent; k++)
			if ((r = es_sbuf_putc(out, ' ')) != 0)
				return r;
		if ((r = es_sbuf_append(out, env + i, j - i)) != 0)
			return r;
		i = j + 1;
	}
	return 0;
}

/* Re-encrypt pt as the replacement of v, in v's own style: a literal
 * block stays one at its indentation, anything else becomes a
 * double-quoted scalar (valid in flow and block context alike). */
static int
put_reencrypted(const struct rewrite *rw, const struct yval *v,
    const unsigned char *tag, size_t taglen, const struct es_sbuf *pt,
    struct es_sbuf *out)
{
	struct es_sbuf env = { 0 };
	char label[ES_LABEL_MAX + 1];
	int r;

	if (rw->new_label)
		r = snprintf(label, sizeof label, "%s", rw->new_label) >=
		    (int)sizeof label ? es_failf(ES_ELIMIT, "label too long") : 0;
	else
		r = es_vault_label(v->text, v->len, label, sizeof label);
	if (r != 0 || (r = es_vault_seal(pt->p, pt->len, rw->new_secret, label,
	    &env)) != 0 || (r = es_sbuf_append(out, tag, taglen)) != 0)
		goto out;
	if (v->literal && v->indent > 0)
		r = put_literal(env.p, env.len, v->indent, out);
	else if ((r = es_sbuf_putc(out, ' ')) == 0)
		r = es_yaml_quote(env.p, env.len - 1, out);  /* no final LF */
out:
	es_sbuf_free(&env);
	return r;
}

/* The replacement text for one vaulted scalar. */
static int
rewrite_one(const struct rewrite *rw, const unsigned char *in,
    const struct yval *v, struct es_sbuf *out)
{
	struct es_sbuf pt = { 0 };
	char d[ES_ERRDETAIL_MAX];
	int r, u;

	r = es_vault_open(v->text, v->len, rw->secrets, &pt, &u);
	if (r == ES_ENOTVAULT)
		r = es_failf(ES_EFORMAT, "not an Ansible Vault envelope");
	if (r == 0 && *rw->used < 0)
		*rw->used = u;
	if (r == 0 && rw->new_secret == NULL)
		r = es_yaml_quote(pt.p, pt.len, out);
	else if (r == 0)
		r = put_reencrypted(rw, v, in + v->tag_at, tag_len(in + v->tag_at,
		    v->end - v->tag_at), &pt, out);
	if (r != 0) {
		snprintf(d, sizeof d, "%s", es_errdetail());
		r = es_failf(r, "line %zu: %s", v->line, d);
	}
	es_sbuf_free(&pt);
	return r;
}

/* Splice: source bytes outside the vaulted scalars, each one rewritten. */
static int
rewrite_inline(const unsigned char *in, size_t len, const struct rewrite *rw,
    struct es_sbuf *out)
{
	struct walk w;
	size_t i, at = 0;
	int r;

	memset(&w, 0, sizeof w);
	w.want_vals = 1;
	if ((r = walk_run(&w, in, len)) != 0) {
		char d[ES_ERRDETAIL_MAX];

		snprintf(d, sizeof d, "%s", es_errdetail());
		r = r == -ENOMEM ? r : es_failf(ES_ENOTVAULT, "not an Ansible "
		    "Vault, nor YAML (%s)", d);
		goto out;
	}
	if (w.nv == 0) {
		r = es_failf(ES_ENOTVAULT, "not an Ansible Vault, and no "
		    "!vault values in it");
		goto out;
	}
	for (i = 0; i < w.nv && r == 0; i++) {
		r = es_sbuf_append(out, in + at, w.v[i].tag_at - at);
		if (r == 0)
			r = rewrite_one(rw, in, &w.v[i], out);
		at = w.v[i].end;
	}
	if (r == 0)
		r = es_sbuf_append(out, in + at, len - at);
out:
	walk_free(&w);
	return r;
}

int
es_vault_decrypt_view(const unsigned char *in, size_t len,
    const struct es_secrets *secrets, struct es_sbuf *out, int *used)
{
	struct rewrite rw = { secrets, NULL, NULL, used };

	*used = -1;
	if (len > ES_VAULT_MAX)
		return es_failf(ES_ELIMIT, "vault larger than %zu bytes",
		    ES_VAULT_MAX);
	if (es_vault_is_envelope(in, len))
		return es_vault_open(in, len, secrets, out, used);
	return rewrite_inline(in, len, &rw, out);
}

int
es_vault_rekey(const unsigned char *in, size_t len,
    const struct es_secrets *secrets, const struct es_secret *new_secret,
    const char *new_label, struct es_sbuf *out, int *used)
{
	struct rewrite rw = { secrets, new_secret, new_label, used };
	struct es_sbuf pt = { 0 };
	char label[ES_LABEL_MAX + 1];
	int r;

	*used = -1;
	if (len > ES_VAULT_MAX)
		return es_failf(ES_ELIMIT, "vault larger than %zu bytes",
		    ES_VAULT_MAX);
	if (new_label != NULL && strcmp(new_label, "default") != 0 &&
	    !es_vault_label_ok(new_label))
		return es_failf(ES_EUSAGE, "vault-id label must be printable "
		    "ASCII without ';'");
	if (!es_vault_is_envelope(in, len))
		return rewrite_inline(in, len, &rw, out);
	if ((r = es_vault_open(in, len, secrets, &pt, used)) != 0 ||
	    (r = es_vault_label(in, len, label, sizeof label)) != 0)
		goto out;
	r = es_vault_seal(pt.p, pt.len, new_secret, new_label ? new_label :
	    label, out);
out:
	es_sbuf_free(&pt);
	return r;
}
