/*
 * render/env.c — the env-file encoder: systemd 252's EnvironmentFile=
 * grammar: NAME=VALUE lines, a value bare when it is [A-Za-z0-9_./:@%+,=-]
 * only, else double-quoted with \ " ` $ escaped, the same format as
 * systemd's own write_env_var().
 * Pure; runs in the worker.
 */
#include "render/render.h"
#include "render/render_int.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>

/* Growth step of the names array. */
#define ENV_NAMES_STEP 64
/* Each byte of a 64-bit word: 0x01, and its top bit. */
#define ASCII_ONES 0x0101010101010101ULL
#define ASCII_HIGHS 0x8080808080808080ULL

int
es_env_name_valid(const char *name)
{
	size_t i;

	if (name == NULL || name[0] == '\0')
		return 0;
	if (!(name[0] == '_' || (name[0] >= 'A' && name[0] <= 'Z') ||
	    (name[0] >= 'a' && name[0] <= 'z')))
		return 0;
	for (i = 1; name[i] != '\0'; i++) {
		if (i >= ES_ENV_NAME_MAX)
			return 0;
		if (!(name[i] == '_' || (name[i] >= 'A' && name[i] <= 'Z') ||
		    (name[i] >= 'a' && name[i] <= 'z') ||
		    (name[i] >= '0' && name[i] <= '9')))
			return 0;
	}
	return 1;
}

/* systemd utf8.c unichar_is_valid(): stricter than Unicode. */
static int
unichar_ok(uint32_t c)
{
	if (c >= 0x110000)
		return 0;
	if ((c & 0xFFFFF800) == 0xD800)    /* surrogates */
		return 0;
	if (c >= 0xFDD0 && c <= 0xFDEF)    /* non-characters */
		return 0;
	if ((c & 0xFFFE) == 0xFFFE)        /* U+xxFFFE, U+xxFFFF */
		return 0;
	return 1;
}

/* Length of the sequence led by b, 0 for a continuation or invalid lead. */
static size_t
utf8_seq_len(unsigned char b)
{
	if (b < 0x80)
		return 1;
	if ((b & 0xE0) == 0xC0)
		return 2;
	if ((b & 0xF0) == 0xE0)
		return 3;
	if ((b & 0xF8) == 0xF0)
		return 4;
	return 0;   /* 5- and 6-byte forms are above U+10FFFF anyway */
}

/* Shortest encoding length of c, to refuse overlong forms. */
static size_t
utf8_min_len(uint32_t c)
{
	if (c < 0x80)
		return 1;
	if (c < 0x800)
		return 2;
	if (c < 0x10000)
		return 3;
	return 4;
}

int
es_env_utf8_valid(const unsigned char *s, size_t n)
{
	static const unsigned char lead_mask[5] = { 0, 0x7F, 0x1F, 0x0F, 0x07 };
	size_t i, k, len;
	uint64_t w;
	uint32_t c;

	for (i = 0; i < n; i += len) {
		/* Eight bytes of ASCII other than NUL, the bulk of every
		 * value: one test. A byte of 0 borrows (b - 1 has its top
		 * bit), one of 0x80 or more has its top bit; with no 0 there
		 * is no borrow between bytes, so the test is exact. */
		if (n - i >= 8) {
			memcpy(&w, s + i, 8);
			if ((((w - ASCII_ONES) | w) & ASCII_HIGHS) == 0) {
				len = 8;
				continue;
			}
		}
		/* One byte of ASCII other than NUL: one test. */
		if (s[i] - 1u < 0x7Fu) {
			len = 1;
			continue;
		}
		if (s[i] == 0)
			return 0;
		if ((len = utf8_seq_len(s[i])) == 0 || len > n - i)
			return 0;
		c = s[i] & lead_mask[len];
		for (k = 1; k < len; k++) {
			if ((s[i + k] & 0xC0) != 0x80)
				return 0;
			c = (c << 6) | (s[i + k] & 0x3F);
		}
		if (utf8_min_len(c) != len || !unichar_ok(c))
			return 0;
	}
	return 1;
}

/* Tested for every byte of every value: comparisons and a switch the
 * compiler turns into a bit test, not a strchr() per byte. */
static int
bare_byte(unsigned char c)
{
	if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9'))
		return 1;
	switch (c) {
	case '_': case '.': case '/': case ':': case '@': case '%': case '+':
	case ',': case '=': case '-':
		return 1;
	default:
		return 0;
	}
}

int
es_env_value_bare(const unsigned char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!bare_byte(s[i]))
			return 0;
	return 1;
}

/* The header comment must hold no backslash (systemd 252 lets it escape
 * the newline and swallow the next line) and no control byte. */
static int
put_header(struct es_sbuf *out, const char *source)
{
	static const char pre[] = "# Managed by envseal from ";
	static const char post[] = "; do not edit.\n";
	size_t i;
	unsigned char c;
	int r;

	if ((r = es_sbuf_append(out, pre, sizeof pre - 1)) != 0)
		return r;
	for (i = 0; source[i] != '\0' && i < ES_ENV_SOURCE_MAX; i++) {
		c = (unsigned char)source[i];
		if (c == '\\' || c < 0x20 || c == 0x7F)
			c = '_';
		if ((r = es_sbuf_putc(out, c)) != 0)
			return r;
	}
	if (source[i] != '\0' && (r = es_sbuf_append(out, "...", 3)) != 0)
		return r;
	return es_sbuf_append(out, post, sizeof post - 1);
}

int
es_env_begin(struct es_env *env, const char *source)
{
	memset(env, 0, sizeof *env);
	return put_header(&env->out, source ? source : "(unnamed)");
}

/* Record name and where its encoded value lies in env->out. */
static int
add_name(struct es_env *env, const char *name, size_t voff, size_t vlen,
    int quoted)
{
	size_t ncap;
	void *np;

	if (env->nnames >= ES_ENV_VARS_MAX)
		return es_failf(ES_ELIMIT, "%s: more than %d variables", name,
		    ES_ENV_VARS_MAX);
	if (env->nnames == env->cap) {
		ncap = env->cap + ENV_NAMES_STEP + env->cap / 2;
		if ((np = realloc(env->names, ncap * sizeof *env->names)) == NULL)
			return -ENOMEM;
		env->names = np;
		if ((np = realloc(env->voff, ncap * sizeof *env->voff)) == NULL)
			return -ENOMEM;
		env->voff = np;
		if ((np = realloc(env->vlen, ncap * sizeof *env->vlen)) == NULL)
			return -ENOMEM;
		env->vlen = np;
		if ((np = realloc(env->quoted, ncap)) == NULL)
			return -ENOMEM;
		env->quoted = np;
		env->cap = ncap;
	}
	if ((env->names[env->nnames] = strdup(name)) == NULL)
		return -ENOMEM;
	env->voff[env->nnames] = voff;
	env->vlen[env->nnames] = vlen;
	env->quoted[env->nnames] = (unsigned char)quoted;
	env->nnames++;
	return 0;
}

static int
check_var(const char *name, const unsigned char *value, size_t len)
{
	size_t nlen;

	if (!es_env_name_valid(name))
		return es_failf(ES_ENAME, "'%.64s': not a valid variable name "
		    "([A-Za-z_][A-Za-z0-9_]*)", name);
	nlen = strlen(name);
	if (len > ES_ENV_LINE_MAX || nlen + 1 + len > ES_ENV_LINE_MAX)
		return es_failf(ES_ELIMIT, "%s: NAME=VALUE is longer than %d "
		    "bytes (the kernel's limit per variable)", name,
		    ES_ENV_LINE_MAX);
	if (memchr(value, 0, len) != NULL)
		return es_failf(ES_EVALUE, "%s: value contains a NUL byte",
		    name);
	if (!es_env_utf8_valid(value, len))
		return es_failf(ES_EVALUE, "%s: value is not valid UTF-8 as "
		    "systemd reads it (binary data? base64 it)", name);
	return 0;
}

/* Bytes escaped inside "...": exactly \\ " ` $ (a table: every byte of
 * every value is looked up, twice). */
static const unsigned char esc_tab[256] = {
	['\\'] = 1, ['"'] = 1, ['`'] = 1, ['$'] = 1,
};

/* How many bytes of v need a backslash in the quoted form. */
static size_t
count_escapes(const unsigned char *v, size_t len)
{
	size_t i, n = 0;

	for (i = 0; i < len; i++)
		n += esc_tab[v[i]];
	return n;
}

/* NAME=VALUE LF or NAME="VALUE" LF into out, which has room for the
 * whole line (es_env_put reserved it): plain stores, no call per byte.
 * *voff is where the value's encoded bytes start. */
static void
put_line(struct es_sbuf *out, const char *name, size_t nlen,
    const unsigned char *v, size_t len, size_t nesc, int quoted,
    size_t *voff)
{
	unsigned char *o = out->p + out->len;
	size_t i;

	memcpy(o, name, nlen);
	o += nlen;
	*o++ = '=';
	if (quoted)
		*o++ = '"';
	*voff = (size_t)(o - out->p);
	if (nesc == 0) {
		if (len > 0)
			memcpy(o, v, len);
		o += len;
	} else {
		for (i = 0; i < len; i++) {
			if (esc_tab[v[i]])
				*o++ = '\\';
			*o++ = v[i];
		}
	}
	if (quoted)
		*o++ = '"';
	*o++ = '\n';
	out->len = (size_t)(o - out->p);
}

int
es_env_put(struct es_env *env, const char *name, const unsigned char *value,
    size_t len)
{
	size_t before = env->out.len, voff, nlen, nesc = 0, line;
	int r, quoted;

	if ((r = check_var(name, value, len)) != 0)
		return r;
	free(env->byname);   /* a new name: the index is stale */
	env->byname = NULL;
	nlen = strlen(name);
	quoted = !es_env_value_bare(value, len);
	if (quoted)
		nesc = count_escapes(value, len);
	/* NAME = ["] value-with-escapes ["] LF */
	line = nlen + 1 + len + nesc + (quoted ? 3 : 1);
	if (before + line > ES_ENV_FILE_MAX)
		return es_failf(ES_ELIMIT, "%s: the env file would reach 64 MiB "
		    "(systemd's limit)", name);
	if ((r = es_sbuf_reserve(&env->out, line)) != 0)
		return r;
	put_line(&env->out, name, nlen, value, len, nesc, quoted, &voff);
	/* The value ends before the closing '"' (if any) and the LF. */
	r = add_name(env, name, voff, env->out.len - (quoted ? 2 : 1) - voff,
	    quoted);
	if (r != 0) {
		/* Leave no partial line (it holds the value). */
		es_wipe(env->out.p + before, env->out.len - before);
		env->out.len = before;
	}
	return r;
}

void
es_strv_free(char **v, size_t n)
{
	size_t i;

	if (v == NULL)
		return;
	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void
es_env_free(struct es_env *env)
{
	es_sbuf_free(&env->out);
	es_strv_free(env->names, env->nnames);
	free(env->voff);
	free(env->vlen);
	free(env->quoted);
	free(env->byname);
	memset(env, 0, sizeof *env);
}

int
es_env_index(struct es_env *env)
{
	size_t *idx, i;
	int r = 0;

	free(env->byname);
	env->byname = NULL;
	if (env->nnames == 0)
		return 0;
	if ((idx = malloc(env->nnames * sizeof *idx)) == NULL)
		return -ENOMEM;
	if (render_sort_names(idx, env->nnames, env->names) != 0) {
		free(idx);
		return -ENOMEM;
	}
	for (i = 0; i + 1 < env->nnames && r == 0; i++)
		if (!strcmp(env->names[idx[i]], env->names[idx[i + 1]]))
			r = es_failf(ES_ENAME, "%s: variable given twice",
			    env->names[idx[i]]);
	if (r != 0) {
		free(idx);
		return r;
	}
	env->byname = idx;
	return 0;
}
