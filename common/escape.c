/*
 * common/escape.c — terminal-safe text (common/envseal.h). A name that came
 * from input (a vault key, a label, a path on the command line) may hold
 * bytes a terminal acts on: ESC sequences, C1 controls, or the bidi
 * controls that reorder what is shown ("Trojan Source"), so that an error
 * line reads as something else. Each such character is written as an
 * escape; the one decision of what is unsafe is made in unit() below.
 */
#include "common/envseal.h"

#include <errno.h>
#include <string.h>

/* Longest output of one unit: "\u202e" or "\xHH" is at most 6 bytes;
 * a UTF-8 sequence passed through is at most 4. */
#define UNIT_OUT_MAX 8
/* Longest UTF-8 sequence: a partial one is carried across stream writes. */
#define UTF8_MAX 4

/* Code points above U+009F that are written escaped: the bidi controls
 * and the two separators some terminals take as line breaks. */
static int
unsafe_cp(unsigned cp)
{
	return cp == 0x061c || cp == 0x200e || cp == 0x200f ||
	    (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069) ||
	    cp == 0x2028 || cp == 0x2029;
}

/*
 * The length of the strict UTF-8 sequence at s[0..n) (RFC 3629: no
 * overlong forms, no surrogates, nothing above U+10FFFF) and its code
 * point; 0 when s[0] does not start one; -1 when s is a valid prefix cut
 * at n (a stream waits for more).
 */
static int
utf8_seq(const unsigned char *s, size_t n, unsigned *cp)
{
	unsigned char lo = 0x80, hi = 0xbf;
	int len, i;

	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4;
	else
		return 0;
	/* The second byte's range closes off overlongs and surrogates. */
	if (s[0] == 0xe0)
		lo = 0xa0;
	else if (s[0] == 0xed)
		hi = 0x9f;
	else if (s[0] == 0xf0)
		lo = 0x90;
	else if (s[0] == 0xf4)
		hi = 0x8f;
	*cp = s[0] & (0xff >> (len + 1));
	for (i = 1; i < len; i++) {
		if ((size_t)i >= n)
			return -1;
		if (s[i] < (i == 1 ? lo : 0x80) || s[i] > (i == 1 ? hi : 0xbf))
			return 0;
		*cp = (*cp << 6) | (s[i] & 0x3f);
	}
	return len;
}

size_t
es_utf8_len(const unsigned char *s, size_t n)
{
	unsigned cp;
	int k;

	if (n == 0)
		return 0;
	if (s[0] < 0x80)
		return 1;
	k = utf8_seq(s, n, &cp);
	return k > 0 ? (size_t)k : 0;
}

/*
 * One unit of s[0..n): its output in out (*outlen bytes) and the number of
 * input bytes it took; 0 when more input is needed (final: never).
 */
static size_t
unit(const unsigned char *s, size_t n, unsigned flags, int final,
    char out[UNIT_OUT_MAX], size_t *outlen)
{
	static const char hex[] = "0123456789abcdef";
	unsigned cp = 0;
	int len;

	if (s[0] >= 0x20 && s[0] < 0x7f) {
		out[0] = (char)s[0];
		*outlen = 1;
		return 1;
	}
	if (s[0] == '\n' && (flags & ES_ESC_KEEP_NL)) {
		out[0] = '\n';
		*outlen = 1;
		return 1;
	}
	if (s[0] == '\n' || s[0] == '\t' || s[0] == '\r') {
		out[0] = '\\';
		out[1] = s[0] == '\n' ? 'n' : s[0] == '\t' ? 't' : 'r';
		*outlen = 2;
		return 1;
	}
	len = s[0] >= 0x80 ? utf8_seq(s, n, &cp) : 0;
	if (len < 0 && !final)
		return 0;
	if (len > 0 && cp > 0x9f && !unsafe_cp(cp)) {
		memcpy(out, s, (size_t)len);
		*outlen = (size_t)len;
		return (size_t)len;
	}
	if (len > 0) {
		/* C1 or a bidi control: name the code point. */
		(void)snprintf(out, UNIT_OUT_MAX, "\\u%04x", cp);
		*outlen = 6;
		return (size_t)len;
	}
	/* C0, DEL, or a byte that is not valid UTF-8 here. */
	out[0] = '\\';
	out[1] = 'x';
	out[2] = hex[s[0] >> 4];
	out[3] = hex[s[0] & 0xf];
	*outlen = 4;
	return 1;
}

int
es_text_safe(const char *s, size_t len, unsigned flags)
{
	const unsigned char *p = (const unsigned char *)s;
	char out[UNIT_OUT_MAX];
	size_t i = 0, k, olen;

	while (i < len) {
		k = unit(p + i, len - i, flags, 1, out, &olen);
		if (olen != k || memcmp(out, p + i, k) != 0)
			return 0;
		i += k;
	}
	return 1;
}

void
es_fput_esc(FILE *f, const char *s, size_t len, unsigned flags)
{
	const unsigned char *p = (const unsigned char *)s;
	char out[UNIT_OUT_MAX];
	size_t i = 0, olen;

	while (i < len) {
		i += unit(p + i, len - i, flags, 1, out, &olen);
		fwrite(out, 1, olen, f);
	}
}

/* --- the escaping stream ------------------------------------------------ */

struct esc_cookie {
	FILE *under;
	unsigned flags;
	unsigned char pend[UTF8_MAX];   /* a sequence cut by the last write */
	size_t npend;
};

static ssize_t
esc_write(void *c, const char *buf, size_t size)
{
	struct esc_cookie *e = c;
	const unsigned char *p = (const unsigned char *)buf;
	char out[UNIT_OUT_MAX];
	size_t i = 0, k, olen;

	/* First the bytes a previous write left (a cut UTF-8 prefix), fed
	 * one more byte at a time until they make a unit: a valid prefix is
	 * shorter than UTF8_MAX, so pend never overflows. */
	while (e->npend > 0) {
		k = unit(e->pend, e->npend, e->flags, 0, out, &olen);
		if (k == 0) {
			if (i == size)
				return (ssize_t)size;
			e->pend[e->npend++] = p[i++];
			continue;
		}
		fwrite(out, 1, olen, e->under);
		memmove(e->pend, e->pend + k, e->npend - k);
		e->npend -= k;
	}
	while (i < size) {
		k = unit(p + i, size - i, e->flags, 0, out, &olen);
		if (k == 0) {
			memcpy(e->pend, p + i, size - i);
			e->npend = size - i;
			break;
		}
		fwrite(out, 1, olen, e->under);
		i += k;
	}
	return ferror(e->under) ? -1 : (ssize_t)size;
}

static int
esc_close(void *c)
{
	struct esc_cookie *e = c;
	int r;

	/* A sequence still cut at the end is not UTF-8: escape its bytes. */
	es_fput_esc(e->under, (const char *)e->pend, e->npend, e->flags);
	r = fflush(e->under) == 0 && !ferror(e->under) ? 0 : -1;
	free(e);
	return r;
}

FILE *
es_esc_stream(FILE *under, unsigned flags)
{
	static const cookie_io_functions_t io = {
		.write = esc_write,
		.close = esc_close,
	};
	struct esc_cookie *e;
	FILE *f;

	if ((e = calloc(1, sizeof *e)) == NULL)
		return NULL;
	e->under = under;
	e->flags = flags;
	if ((f = fopencookie(e, "w", io)) == NULL) {
		free(e);
		return NULL;
	}
	return f;
}

void
es_fput_json_str(FILE *out, const char *s)
{
	const unsigned char *p;

	fputc('"', out);
	for (p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(out, "\\%c", *p);
		else if (*p < 0x20 || *p == 0x7f)
			fprintf(out, "\\u%04x", *p);
		else
			fputc(*p, out);
	}
	fputc('"', out);
}
