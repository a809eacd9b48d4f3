/*
 * fs/json.c — the JSON bytes of the audit log: a string escaper (the
 * writer) and a parser for the flat objects the log holds (the reader for
 * `envseal audit show`). Only what the log needs; not a general library.
 */
#include "fs/fs_int.h"

#include <errno.h>
#include <stdarg.h>
#include <string.h>

/* Longest formatted fragment fs_sbuf_printf appends at once. */
#define FS_PRINTF_MAX 1024

/* Length of the valid UTF-8 sequence at p (n bytes left), or 0. */
static size_t
utf8_len(const unsigned char *p, size_t n)
{
	size_t len, i;
	unsigned char lo = 0x80, hi = 0xbf;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		len = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		len = 3;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		len = 4;
	else
		return 0;
	if (n < len)
		return 0;
	/* Overlong forms, surrogates and code points past U+10FFFF. */
	if (p[0] == 0xe0)
		lo = 0xa0;
	else if (p[0] == 0xed)
		hi = 0x9f;
	else if (p[0] == 0xf0)
		lo = 0x90;
	else if (p[0] == 0xf4)
		hi = 0x8f;
	if (p[1] < lo || p[1] > hi)
		return 0;
	for (i = 2; i < len; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return len;
}

int
fs_json_str(struct es_sbuf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), k;
	char esc[sizeof "\\u0000"];   /* the longest escape we write */
	int r = es_sbuf_putc(b, '"');

	while (r == 0 && n > 0) {
		if (*p == '"' || *p == '\\') {
			esc[0] = '\\';
			esc[1] = (char)*p;
			r = es_sbuf_append(b, esc, 2);
			k = 1;
		} else if (*p < 0x20 || *p == 0x7f) {
			/* *p < 0x80: always six characters, always fits. */
			(void)snprintf(esc, sizeof esc, "\\u%04x", *p);
			r = es_sbuf_append(b, esc, 6);
			k = 1;
		} else if ((k = utf8_len(p, n)) == 0) {
			r = es_sbuf_append(b, "\\ufffd", 6);
			k = 1;
		} else {
			r = es_sbuf_append(b, p, k);
		}
		p += k;
		n -= k;
	}
	return r != 0 ? r : es_sbuf_putc(b, '"');
}

int
fs_sbuf_printf(struct es_sbuf *b, const char *fmt, ...)
{
	char tmp[FS_PRINTF_MAX];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof tmp)
		return es_failf(ES_ELIMIT, "audit record field too long");
	return es_sbuf_append(b, tmp, (size_t)n);
}

/* --- the reader --- */

struct cursor {
	const char *p;
	const char *end;
};

static void
skip_ws(struct cursor *c)
{
	while (c->p < c->end && (*c->p == ' ' || *c->p == '\t'))
		c->p++;
}

static int
hex4(const char *p, unsigned *v)
{
	unsigned i, d;

	*v = 0;
	for (i = 0; i < 4; i++) {
		if (p[i] >= '0' && p[i] <= '9')
			d = (unsigned)(p[i] - '0');
		else if (p[i] >= 'a' && p[i] <= 'f')
			d = (unsigned)(p[i] - 'a' + 10);
		else if (p[i] >= 'A' && p[i] <= 'F')
			d = (unsigned)(p[i] - 'A' + 10);
		else
			return -1;
		*v = *v << 4 | d;
	}
	return 0;
}

/* Append code point v as UTF-8 ('?' for what cannot be shown). */
static void
put_cp(char *out, size_t *o, unsigned v)
{
	if (v >= 0xd800 && v <= 0xdfff)
		v = '?';
	if (v < 0x80) {
		out[(*o)++] = (char)v;
	} else if (v < 0x800) {
		out[(*o)++] = (char)(0xc0 | v >> 6);
		out[(*o)++] = (char)(0x80 | (v & 0x3f));
	} else {
		out[(*o)++] = (char)(0xe0 | v >> 12);
		out[(*o)++] = (char)(0x80 | ((v >> 6) & 0x3f));
		out[(*o)++] = (char)(0x80 | (v & 0x3f));
	}
}

/* Parse a JSON string at c into a malloc'd NUL-terminated copy. Control
 * characters come out as '?' so a record cannot drive a terminal. */
static int
parse_str(struct cursor *c, char **out)
{
	const char *s;
	char *buf;
	size_t o = 0;
	unsigned v;

	if (c->p >= c->end || *c->p != '"')
		return ES_EFORMAT;
	s = ++c->p;
	/* Escapes never grow: \uXXXX (6) becomes at most 3 bytes. */
	if ((buf = malloc((size_t)(c->end - s) + 1)) == NULL)
		return -ENOMEM;
	while (c->p < c->end && *c->p != '"') {
		if (*c->p != '\\') {
			buf[o++] = (unsigned char)*c->p < 0x20 ? '?' : *c->p;
			c->p++;
			continue;
		}
		if (++c->p >= c->end)
			break;
		switch (*c->p) {
		case '"': case '\\': case '/': buf[o++] = *c->p; break;
		case 'b': case 'f': case 'n': case 'r': case 't':
			buf[o++] = '?';
			break;
		case 'u':
			if (c->end - c->p < 5 || hex4(c->p + 1, &v) != 0)
				goto bad;
			put_cp(buf, &o, v < 0x20 || v == 0x7f ? '?' : v);
			c->p += 4;
			break;
		default:
			goto bad;
		}
		c->p++;
	}
	if (c->p >= c->end)
		goto bad;
	c->p++;
	buf[o] = '\0';
	*out = buf;
	return 0;
bad:
	free(buf);
	return ES_EFORMAT;
}

/* A scalar that is not a string: number, true, false, null. */
static int
parse_scalar(struct cursor *c, char **out)
{
	const char *s = c->p;
	size_t n;

	while (c->p < c->end && ((*c->p >= '0' && *c->p <= '9') ||
	    (*c->p >= 'a' && *c->p <= 'z') || *c->p == '-' || *c->p == '.'))
		c->p++;
	n = (size_t)(c->p - s);
	if (n == 0)
		return ES_EFORMAT;
	if ((*out = strndup(s, n)) == NULL)
		return -ENOMEM;
	return 0;
}

/* An array of strings, joined by ",". */
static int
parse_array(struct cursor *c, char **out)
{
	char *acc = NULL, *item, *grown;
	size_t len = 0, n;
	int r = 0;

	c->p++;
	skip_ws(c);
	while (c->p < c->end && *c->p != ']') {
		if ((r = parse_str(c, &item)) != 0)
			break;
		n = strlen(item);
		grown = realloc(acc, len + n + 2);
		if (grown == NULL) {
			free(item);
			r = -ENOMEM;
			break;
		}
		acc = grown;
		if (len > 0)
			acc[len++] = ',';
		memcpy(acc + len, item, n + 1);
		len += n;
		free(item);
		skip_ws(c);
		if (c->p < c->end && *c->p == ',')
			c->p++;
		skip_ws(c);
	}
	if (r == 0 && (c->p >= c->end || *c->p != ']'))
		r = ES_EFORMAT;
	if (r != 0) {
		free(acc);
		return r;
	}
	c->p++;
	*out = acc != NULL ? acc : strdup("");
	return *out != NULL ? 0 : -ENOMEM;
}

void
fs_jfields_free(struct fs_jfield *f, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(f[i].val);
}

int
fs_json_parse_flat(const char *line, size_t len, struct fs_jfield *f,
    size_t max)
{
	struct cursor c = { line, line + len };
	char *key;
	size_t n = 0;
	int r = 0;

	skip_ws(&c);
	if (c.p >= c.end || *c.p++ != '{')
		return ES_EFORMAT;
	for (;;) {
		skip_ws(&c);
		if (c.p < c.end && *c.p == '}' && n == 0)
			break;
		if (n == max || (r = parse_str(&c, &key)) != 0)
			goto bad;
		if (strlen(key) >= sizeof f[n].key) {
			/* No field of ours has a key this long. */
			free(key);
			goto bad;
		}
		memcpy(f[n].key, key, strlen(key) + 1);
		free(key);
		skip_ws(&c);
		if (c.p >= c.end || *c.p++ != ':')
			goto bad;
		skip_ws(&c);
		f[n].is_str = c.p < c.end && *c.p == '"';
		if (c.p < c.end && *c.p == '"')
			r = parse_str(&c, &f[n].val);
		else if (c.p < c.end && *c.p == '[')
			r = parse_array(&c, &f[n].val);
		else
			r = parse_scalar(&c, &f[n].val);
		if (r != 0)
			goto bad;
		n++;
		skip_ws(&c);
		if (c.p < c.end && *c.p == ',') {
			c.p++;
			continue;
		}
		if (c.p < c.end && *c.p == '}')
			break;
		goto bad;
	}
	c.p++;
	skip_ws(&c);
	if (c.p != c.end)
		goto bad;
	return (int)n;
bad:
	fs_jfields_free(f, n);
	return r == -ENOMEM ? r : ES_EFORMAT;
}
