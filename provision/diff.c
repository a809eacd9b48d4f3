/*
 * provision/diff.c — a small unified line diff for --diff of units and the
 * passwd family (files of a few KiB): common prefix and suffix stripped,
 * LCS on the rest, hunks with 3 lines of context. In the passwd family
 * the password field is masked in every line shown (put_masked).
 */
#include "provision/provision.h"
#include "common/envseal.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Context lines around each change, as diff -u. */
#define CONTEXT 3
/* Largest LCS table (cells) before falling back to "all removed, all
 * added" for the changed middle: 4M cells = 16 MiB of uint32. */
#define LCS_CELLS_MAX ((size_t)4 << 20)

struct lines {
	const char **p;
	size_t *len;
	size_t n;
};

struct op {
	char tag;        /* ' ', '-', '+' */
	size_t a, b;     /* line index in old / new (the one that applies) */
};

static int
split_lines(const unsigned char *buf, size_t len, struct lines *l)
{
	size_t i, n = 0, start = 0;

	for (i = 0; i < len; i++)
		n += buf[i] == '\n';
	n += len > 0 && buf[len - 1] != '\n';
	l->n = 0;
	l->p = calloc(n + 1, sizeof *l->p);
	l->len = calloc(n + 1, sizeof *l->len);
	if (l->p == NULL || l->len == NULL)
		return -ENOMEM;
	for (i = 0; i <= len; i++) {
		if (i < len && buf[i] != '\n')
			continue;
		if (i == len && start == len)
			break;
		l->p[l->n] = (const char *)buf + start;
		l->len[l->n++] = i - start;
		start = i + 1;
	}
	return 0;
}

static int
eq(const struct lines *a, size_t i, const struct lines *b, size_t j)
{
	return a->len[i] == b->len[j] && !memcmp(a->p[i], b->p[j], a->len[i]);
}

/* The edit script of the middle a[lo..ha) vs b[lo..hb) by LCS. */
static int
lcs_ops(const struct lines *a, const struct lines *b, size_t lo, size_t ha,
    size_t hb, struct op *ops, size_t *nops)
{
	size_t n = ha - lo, m = hb - lo, i, j;
	uint32_t *t;

	if (n && m && (n + 1) > LCS_CELLS_MAX / (m + 1)) {
		for (i = lo; i < ha; i++)
			ops[(*nops)++] = (struct op){ '-', i, lo };
		for (j = lo; j < hb; j++)
			ops[(*nops)++] = (struct op){ '+', ha, j };
		return 0;
	}
	if ((t = calloc((n + 1) * (m + 1), sizeof *t)) == NULL)
		return -ENOMEM;
#define T(x, y) t[(x) * (m + 1) + (y)]
	for (i = n; i-- > 0;)
		for (j = m; j-- > 0;)
			T(i, j) = eq(a, lo + i, b, lo + j) ? T(i + 1, j + 1) + 1 :
			    (T(i + 1, j) >= T(i, j + 1) ? T(i + 1, j) :
			    T(i, j + 1));
	for (i = 0, j = 0; i < n || j < m;) {
		if (i < n && j < m && eq(a, lo + i, b, lo + j)) {
			ops[(*nops)++] = (struct op){ ' ', lo + i, lo + j };
			i++, j++;
		} else if (i < n && (j == m || T(i + 1, j) >= T(i, j + 1))) {
			ops[(*nops)++] = (struct op){ '-', lo + i, lo + j };
			i++;
		} else {
			ops[(*nops)++] = (struct op){ '+', lo + i, lo + j };
			j++;
		}
	}
#undef T
	free(t);
	return 0;
}

/*
 * A passwd-family line as the diff shows it. Field 2 is the password
 * field of all four files (passwd and group keep a hash there when shadow
 * is not used), so it is masked unless it is exactly "x", the placeholder
 * that says "see shadow" and carries nothing: "*", "!" and "!*" may be
 * prefixes of a locked hash ("!$6$..."), so no prefix rule is safe. The
 * field runs to the next ':' or to the end of the line, so a line with
 * fewer fields than usual is masked too, and a line with no ':' at all is
 * masked whole: nothing in it can be told apart from a hash.
 */
static void
put_masked(FILE *f, const char *s, size_t len)
{
	const char *c1 = memchr(s, ':', len), *c2, *end = s + len;

	if (c1 == NULL) {
		if (len > 0)
			fputs(ES_DIFF_MASK, f);
		return;
	}
	c2 = memchr(c1 + 1, ':', (size_t)(end - (c1 + 1)));
	if (c2 == NULL)
		c2 = end;
	fwrite(s, 1, (size_t)(c1 + 1 - s), f);
	if (c2 - (c1 + 1) == 1 && c1[1] == 'x')
		fputc('x', f);
	else
		fputs(ES_DIFF_MASK, f);
	fwrite(c2, 1, (size_t)(end - c2), f);
}

static void
put_line(FILE *f, char tag, const char *s, size_t len, int mask)
{
	fputc(tag, f);
	if (mask)
		put_masked(f, s, len);
	else
		fwrite(s, 1, len, f);
	fputc('\n', f);
}

/* Emit the hunk ops[s..e) with its header. */
static void
put_hunk(FILE *f, const struct op *ops, size_t s, size_t e,
    const struct lines *a, const struct lines *b, int mask)
{
	size_t k, na = 0, nb = 0, a0 = ops[s].a, b0 = ops[s].b;

	for (k = s; k < e; k++) {
		na += ops[k].tag != '+';
		nb += ops[k].tag != '-';
	}
	fprintf(f, "@@ -%zu,%zu +%zu,%zu @@\n", na ? a0 + 1 : a0, na,
	    nb ? b0 + 1 : b0, nb);
	for (k = s; k < e; k++) {
		if (ops[k].tag == '+')
			put_line(f, '+', b->p[ops[k].b], b->len[ops[k].b], mask);
		else
			put_line(f, ops[k].tag, a->p[ops[k].a],
			    a->len[ops[k].a], mask);
	}
}

static void
put_hunks(FILE *f, const struct op *ops, size_t nops, const struct lines *a,
    const struct lines *b, int mask)
{
	size_t k = 0, s, e, last;

	while (k < nops) {
		while (k < nops && ops[k].tag == ' ')
			k++;
		if (k == nops)
			break;
		s = k > CONTEXT ? k - CONTEXT : 0;
		/* Extend while the next change is within 2*CONTEXT lines. */
		for (last = k; k < nops; k++) {
			if (ops[k].tag != ' ')
				last = k;
			else if (k - last > 2 * CONTEXT)
				break;
		}
		e = last + 1 + CONTEXT < nops ? last + 1 + CONTEXT : nops;
		put_hunk(f, ops, s, e, a, b, mask);
		k = e;
	}
}

static int
build_ops(const struct lines *a, const struct lines *b, struct op **ops,
    size_t *nops)
{
	size_t pre = 0, suf = 0, i;
	int r;

	while (pre < a->n && pre < b->n && eq(a, pre, b, pre))
		pre++;
	while (suf < a->n - pre && suf < b->n - pre &&
	    eq(a, a->n - 1 - suf, b, b->n - 1 - suf))
		suf++;
	if ((*ops = calloc(a->n + b->n + 1, sizeof **ops)) == NULL)
		return -ENOMEM;
	*nops = 0;
	for (i = 0; i < pre; i++)
		(*ops)[(*nops)++] = (struct op){ ' ', i, i };
	if ((r = lcs_ops(a, b, pre, a->n - suf, b->n - suf, *ops, nops)) != 0)
		return r;
	for (i = suf; i > 0; i--)
		(*ops)[(*nops)++] = (struct op){ ' ', a->n - i, b->n - i };
	return 0;
}

int
es_line_diff(const char *path, const unsigned char *old, size_t old_len,
    const unsigned char *new, size_t new_len, int mask_password, char **out)
{
	struct lines a = { 0 }, b = { 0 };
	struct op *ops = NULL;
	size_t nops = 0, n = 0;
	char *buf = NULL;
	FILE *f = NULL;
	int r;

	*out = NULL;
	if ((r = split_lines(old, old_len, &a)) != 0 ||
	    (r = split_lines(new, new_len, &b)) != 0 ||
	    (r = build_ops(&a, &b, &ops, &nops)) != 0)
		goto out;
	if ((f = open_memstream(&buf, &n)) == NULL) {
		r = -ENOMEM;
		goto out;
	}
	if (old_len != new_len || (old_len && memcmp(old, new, old_len) != 0)) {
		fprintf(f, "--- a%s\n+++ b%s\n", path, path);
		put_hunks(f, ops, nops, &a, &b, mask_password);
	}
	if (ferror(f))
		r = -ENOMEM;
	fclose(f);
	if (r == 0) {
		*out = buf;
		buf = NULL; /* transferred */
	}
out:
	free(buf);
	free(ops);
	free(a.p);
	free(a.len);
	free(b.p);
	free(b.len);
	return r;
}
