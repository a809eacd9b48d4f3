/*
 * vault/yflat.c — the flat fast path of the YAML document model. A vars
 * file that is nothing but top-level `key: value` lines of the commonest
 * shapes (what `ansible-vault create` users write, and what a whole-file
 * vault decrypts to) is read here in one pass, ~20x faster than libyaml's
 * event parser and without libyaml's unwiped scratch copies of the values.
 * Anything else, and anything doubtful, is left to libyaml (vault/yaml.c):
 * this reader never reports a YAML error of its own, it only says "not
 * flat". The shape it accepts, byte for byte:
 *
 *	doc   := ["---" LF] line*          at least one entry
 *	line  := LF | "#" P* LF | key ": " value LF     (last LF optional)
 *	key   := [A-Za-z_][A-Za-z0-9_]*    at most FLAT_KEY_MAX bytes
 *	value := "'" (P minus "'" | "''")* "'"          single-quoted
 *	       | '"' (P minus '"' and '\' | esc)* '"'  double-quoted
 *	       | [A-Za-z0-9_][A-Za-z0-9_./@%+,=-]*      plain
 *	       | ("|" | ">") ["-"] LF (SP{n} Q P* LF)+  block, n >= 1 fixed
 *	esc   := '\' one of  0 a b t n v f r e SP " \
 *	Q     := P minus SP
 *	P     := printable ASCII, 0x20..0x7e
 *
 * The escapes taken are the one-byte ones that libyaml 0.2.5 and PyYAML
 * (ansible's reader) both decode, to the same byte. \x \u \U (code
 * points, UTF-8 out), \N \_ \L \P (multi-byte), \/ and \' (not in every
 * libyaml or PyYAML), an escaped line break and any other escape are left
 * to libyaml, which decodes or refuses them.
 *
 * For every document it accepts, the model is the one libyaml's walk
 * builds (keys, lines, kinds, styles, texts): tests/unit/test_yflat.c and
 * tests/fuzz/fuzz_ydoc.c compare the two. A duplicate key is "not flat"
 * too, so the error comes from the one place that words it.
 * Pure: memory only.
 */
#include "vault/ydoc_int.h"

#include <errno.h>
#include <string.h>

/* Longest key taken here: far below libyaml's 1024-character bound on
 * an implicit key, and longer than any variable name in practice. */
#define FLAT_KEY_MAX 255
/* The document-start marker the fast path allows on the first line. */
#define FLAT_DOC_START "---\n"

/* Returned by parse_flat() (positive: not an error) for "use libyaml". */
#define NOT_FLAT 1

/* The double-quoted escapes taken here: the byte each decodes to, with
 * 0x80 set so that \0 (NUL) differs from "not taken" (0). libyaml's
 * scanner.c and PyYAML's scanner.py ESCAPE_REPLACEMENTS agree on each. */
static const unsigned char dq_escape[256] = {
	['0'] = 0x80 | 0x00, ['a'] = 0x80 | 0x07, ['b'] = 0x80 | 0x08,
	['t'] = 0x80 | 0x09, ['n'] = 0x80 | 0x0a, ['v'] = 0x80 | 0x0b,
	['f'] = 0x80 | 0x0c, ['r'] = 0x80 | 0x0d, ['e'] = 0x80 | 0x1b,
	[' '] = 0x80 | ' ', ['"'] = 0x80 | '"', ['\\'] = 0x80 | '\\',
};

static int
printable(unsigned char c)
{
	return c >= 0x20 && c <= 0x7e;
}

static int
key_first(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

static int
key_byte(unsigned char c)
{
	return key_first(c) || (c >= '0' && c <= '9');
}

static int
plain_first(unsigned char c)
{
	return key_byte(c);
}

static int
plain_byte(unsigned char c)
{
	if (key_byte(c))
		return 1;
	switch (c) {
	case '.': case '/': case '@': case '%': case '+': case ',': case '=':
	case '-':
		return 1;
	default:
		return 0;
	}
}

/* The end of the line must follow a value: LF or the end of input. */
static int
at_eol(const unsigned char *in, size_t len, size_t i)
{
	return i == len || in[i] == '\n';
}

/* One "key: value" entry at in[pos], checked: where its parts are. */
struct line {
	size_t key_end;            /* the key is in[pos..key_end) */
	size_t val;                /* the value starts here ... */
	size_t end;                /* ... and ends here (at the LF or end) */
	size_t tlen;               /* its text's length */
	enum es_ystyle style;
	/* Block scalars only: */
	size_t indent;             /* spaces before each content line */
	size_t lines;              /* content lines (LFs past the key's) */
	size_t body;               /* the first content line starts here */
	int strip;                 /* "-": no final line break */
};

/*
 * A block scalar at in[v]: "|" or ">", optionally "-", then LF, then one
 * or more content lines, each of exactly l->indent (>= 1) spaces, a
 * printable byte other than space, printable bytes and LF. The block ends
 * before the first line that does not start with a space (or at the end
 * of the input); a line that starts with a space and is not such a line
 * (more or less indented, blank inside, spaces only) is NOT_FLAT. With
 * no more-indented and no blank lines inside, libyaml's folding is one
 * space per line break, and clipping adds one LF: the text is the lines
 * joined by LF (literal) or space (folded), plus LF unless stripped.
 * Keep ("+"), an indentation indicator, a comment or space after the
 * header are left to libyaml.
 */
static int
scan_block(const unsigned char *in, size_t len, size_t v, struct line *l)
{
	size_t i = v + 1, w, text = 0;

	l->style = in[v] == '|' ? ES_YS_LITERAL : ES_YS_FOLDED;
	l->strip = i < len && in[i] == '-';
	i += (size_t)l->strip;
	if (i >= len || in[i] != '\n')
		return NOT_FLAT;
	l->body = ++i;
	for (w = 0; i + w < len && in[i + w] == ' '; w++)
		;
	if (w == 0)
		return NOT_FLAT;   /* no content line: libyaml decides */
	l->indent = w;
	l->lines = 0;
	while (i < len && in[i] == ' ') {
		for (w = 0; w < l->indent; w++)
			if (i + w >= len || in[i + w] != ' ')
				return NOT_FLAT;
		i += w;
		if (i >= len || in[i] == ' ' || !printable(in[i]))
			return NOT_FLAT;
		for (; i < len && in[i] != '\n'; i++, text++)
			if (!printable(in[i]))
				return NOT_FLAT;
		if (i >= len)
			return NOT_FLAT;   /* a last line without its LF */
		l->lines++;
		i++;
	}
	l->end = i - 1;            /* at the last content line's LF */
	l->tlen = text + (l->lines - 1) + (l->strip ? 0 : 1);
	return 0;
}

/*
 * The value starting at in[v]: its style, the offset past it (*end), the
 * length of its text (*tlen: quotes removed, '' counted once). NOT_FLAT
 * when it is not one of the three shapes or anything follows it.
 */
static int
scan_value(const unsigned char *in, size_t len, size_t v,
    enum es_ystyle *style, size_t *end, size_t *tlen)
{
	size_t i, pairs = 0;

	if (v >= len)
		return NOT_FLAT;
	if (in[v] == '\'') {
		for (i = v + 1; i < len; i++) {
			if (in[i] == '\'') {
				if (i + 1 < len && in[i + 1] == '\'') {
					pairs++;
					i++;
					continue;
				}
				break;
			}
			if (!printable(in[i]))
				return NOT_FLAT;
		}
		if (i >= len || !at_eol(in, len, i + 1))
			return NOT_FLAT;
		*style = ES_YS_SINGLE;
		*end = i + 1;
		*tlen = i - (v + 1) - pairs;
		return 0;
	}
	if (in[v] == '"') {
		for (i = v + 1; i < len && in[i] != '"'; i++) {
			if (!printable(in[i]))
				return NOT_FLAT;
			if (in[i] == '\\') {
				if (i + 1 >= len || dq_escape[in[i + 1]] == 0)
					return NOT_FLAT;
				pairs++;
				i++;
			}
		}
		if (i >= len || !at_eol(in, len, i + 1))
			return NOT_FLAT;
		*style = ES_YS_DOUBLE;
		*end = i + 1;
		*tlen = i - (v + 1) - pairs;
		return 0;
	}
	if (!plain_first(in[v]))
		return NOT_FLAT;
	for (i = v + 1; i < len && plain_byte(in[i]); i++)
		;
	if (!at_eol(in, len, i))
		return NOT_FLAT;
	*style = ES_YS_PLAIN;
	*end = i;
	*tlen = i - v;
	return 0;
}

/* The text of the value at in[v..end) into the arena, for e. */
static int
put_value(struct es_ydoc *doc, struct es_yentry *e, const unsigned char *in,
    size_t v, size_t end, enum es_ystyle style, size_t tlen)
{
	const unsigned char *q;
	unsigned char *p, mark;
	size_t i, o, n;
	int r;

	e->style = style;
	if (style == ES_YS_PLAIN) {
		/* Only the null words matter: the text is never re-typed. */
		if (es_yplain_is_null(in + v, tlen)) {
			e->kind = ES_Y_NULL;
			return 0;
		}
		e->kind = ES_Y_SCALAR;
		e->vlen = tlen;
		return es_yarena_put(doc->arena, in + v, tlen, &e->val);
	}
	e->kind = ES_Y_SCALAR;
	e->vlen = tlen;
	if ((r = es_yarena_alloc(doc->arena, tlen, &p)) != 0)
		return r;
	/* Between the quotes, a run at a time up to the next '' (one quote
	 * in single-quoted style) or escape (checked by scan_value; one byte
	 * in double-quoted style). */
	mark = style == ES_YS_SINGLE ? '\'' : '\\';
	for (i = v + 1, o = 0; i < end - 1; i += 2) {
		q = memchr(in + i, mark, end - 1 - i);
		n = q == NULL ? end - 1 - i : (size_t)(q - (in + i));
		memcpy(p + o, in + i, n);
		o += n;
		i += n;
		if (q == NULL)
			break;
		p[o++] = style == ES_YS_SINGLE ? '\'' : dq_escape[in[i + 1]] & 0x7f;
	}
	BUG_ON(o != tlen);
	e->val = p;
	return 0;
}


static int
scan_line(const unsigned char *in, size_t len, size_t pos, struct line *l)
{
	size_t i;

	for (i = pos + 1; i < len && key_byte(in[i]); i++)
		if (i - pos >= FLAT_KEY_MAX)
			return NOT_FLAT;
	if (len - i < 2 || in[i] != ':' || in[i + 1] != ' ')
		return NOT_FLAT;
	l->key_end = i;
	l->val = i + 2;
	l->lines = 0;
	l->strip = 0;
	if (l->val < len && (in[l->val] == '|' || in[l->val] == '>'))
		return scan_block(in, len, l->val, l);
	return scan_value(in, len, l->val, &l->style, &l->end, &l->tlen);
}

/* The text of the block scalar checked by scan_block() into the arena. */
static int
put_block(struct es_ydoc *doc, struct es_yentry *e, const unsigned char *in,
    const struct line *l)
{
	unsigned char *p;
	size_t i = l->body, k, o = 0, n;
	int r;

	e->style = l->style;
	e->kind = ES_Y_SCALAR;
	e->vlen = l->tlen;
	if ((r = es_yarena_alloc(doc->arena, l->tlen, &p)) != 0)
		return r;
	for (k = 0; k < l->lines; k++) {
		i += l->indent;
		n = (size_t)((const unsigned char *)memchr(in + i, '\n',
		    l->end + 1 - i) - (in + i));
		memcpy(p + o, in + i, n);
		o += n;
		i += n + 1;
		if (k + 1 < l->lines)
			p[o++] = l->style == ES_YS_LITERAL ? '\n' : ' ';
	}
	if (!l->strip)
		p[o++] = '\n';
	BUG_ON(o != l->tlen);
	e->val = p;
	return 0;
}

/* The checked line l at in[pos] into doc. */
static int
add_line(struct es_ydoc *doc, struct es_ykeys *ks, const unsigned char *in,
    size_t pos, const struct line *l, size_t lineno)
{
	char key[FLAT_KEY_MAX + 1];
	long dup;
	int r;

	memcpy(key, in + pos, l->key_end - pos);
	key[l->key_end - pos] = '\0';
	if ((r = es_ydoc_add_key(doc, ks, key, lineno, &dup)) != 0)
		return r == -ENOMEM ? r : NOT_FLAT;
	if (dup >= 0)
		return NOT_FLAT;   /* libyaml's walk words the error */
	if (l->style == ES_YS_LITERAL || l->style == ES_YS_FOLDED)
		return put_block(doc, &doc->e[doc->n - 1], in, l);
	return put_value(doc, &doc->e[doc->n - 1], in, l->val, l->end,
	    l->style, l->tlen);
}

/* Room for the whole document at once, once its first line is known to
 * be flat: the LFs bound the keys, the length bounds the arena (a line
 * holds its key, its value and a byte for each NUL). */
static int
reserve(struct es_ydoc *doc, struct es_ykeys *ks, const unsigned char *in,
    size_t len, size_t pos)
{
	const unsigned char *p = in + pos, *end = in + len;
	size_t nl = 0;
	int r;

	while ((p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		nl++;
		p++;
	}
	if ((r = es_ydoc_reserve(doc, ks, nl + 1)) != 0)
		return r;
	return es_yarena_reserve(doc->arena, len + 1);
}

static int
parse_flat(const unsigned char *in, size_t len, struct es_ydoc *doc)
{
	struct es_ykeys ks = { 0 };
	struct line l;
	size_t pos = 0, lineno = 1;
	int r = 0;

	if (len + 1 >= ES_VAULT_MAX)
		return NOT_FLAT;   /* the walk words the limit */
	if (len >= sizeof FLAT_DOC_START - 1 &&
	    memcmp(in, FLAT_DOC_START, sizeof FLAT_DOC_START - 1) == 0) {
		pos = sizeof FLAT_DOC_START - 1;
		lineno = 2;
	}
	while (pos < len && r == 0) {
		if (in[pos] == '\n') {
			pos++;
			lineno++;
		} else if (in[pos] == '#') {
			while (++pos < len && in[pos] != '\n' && r == 0)
				if (!printable(in[pos]))
					r = NOT_FLAT;
		} else if (!key_first(in[pos]))
			r = NOT_FLAT;
		else if ((r = scan_line(in, len, pos, &l)) == 0 &&
		    (doc->n > 0 || (r = reserve(doc, &ks, in, len, pos)) == 0) &&
		    (r = add_line(doc, &ks, in, pos, &l, lineno)) == 0) {
			pos = l.end;
			lineno += l.lines;   /* the block's own LFs */
		}
	}
	if (r == 0 && doc->n == 0)
		r = NOT_FLAT;   /* empty or comments only: libyaml decides */
	es_ykeys_free(&ks);
	return r;
}

int
es_ydoc_parse_flat(const unsigned char *in, size_t len, struct es_ydoc **out)
{
	struct es_ydoc *doc;
	int r;

	*out = NULL;
	if ((doc = es_ydoc_new()) == NULL)
		return -ENOMEM;
	if ((r = parse_flat(in, len, doc)) == 0) {
		*out = doc;
		return 0;
	}
	es_ydoc_free(doc);
	return r;
}
