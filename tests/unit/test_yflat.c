/*
 * tests/unit/test_yflat.c — the flat fast path of the document model
 * (vault/yflat.c) against libyaml's walk (vault/yaml.c): a table of
 * documents, each either taken by the fast path with exactly the model the
 * walk builds, or left to the walk; then random flat documents with random
 * damage, where whatever the fast path takes must parse the same way
 * through libyaml. RENDER_TEST_SEED=0x... replays a run.
 */
#include "vault/ydoc_int.h"
#include "t.h"
#include "ydoc_cmp.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

/* Random documents per run, and lines in each. */
#define RANDOM_DOCS 4000
#define RANDOM_LINES_MAX 12

struct tcase {
	const char *name;
	const char *doc;
	int flat;                 /* 1: the fast path takes it */
};

static const struct tcase cases[] = {
	{ "plain", "a: b\n", 1 },
	{ "doc start", "---\nvault_x: 'it''s'\n", 1 },
	{ "double", "x: \"a b $ # ' `\"\n", 1 },
	{ "null words", "a: null\nb: Null\nc: NULL\nd: nulL\n", 1 },
	{ "typed text kept", "a: yes\nb: 0777\nc: 1.5e3\nd: true\n", 1 },
	{ "plain punctuation", "x: a,b=c@d%e+f/g.h-i_j\n", 1 },
	{ "empty quoted", "a: ''\nb: \"\"\n", 1 },
	{ "comments and blanks", "# c\n\n#x: 1 \\\nx: 1\n\n", 1 },
	{ "no final LF", "x: 1\ny: '2'", 1 },
	{ "quotes only", "x: ''''\n", 1 },
	{ "spaces inside quotes", "x: '  a  b  '\n", 1 },
	{ "underscore key", "_: a\n_1: b\n", 1 },
	{ "tilde", "x: ~\n", 0 },
	{ "empty value", "x:\n", 0 },
	{ "trailing blanks", "x: 'a'  \n", 0 },
	{ "trailing comment", "x: 'a' # c\n", 0 },
	{ "space in plain", "x: a b\n", 0 },
	{ "colon in plain", "x: a:b\n", 0 },
	{ "dash first", "x: -a\n", 0 },
	{ "multi-line single", "x: 'a\n  b'\n", 0 },
	{ "multi-line plain", "x: a\n  b\n", 0 },
	{ "CRLF", "x: a\r\n", 0 },
	{ "escape tab", "x: \"a\\tb\"\n", 1 },
	{ "escaped quote", "x: \"a\\\"b\\\"\"\n", 1 },
	{ "escaped backslash last", "x: \"a\\\\\"\ny: 1\n", 1 },
	{ "one-byte escapes", "x: \"\\0\\a\\b\\t\\n\\v\\f\\r\\e\\ \\\"\\\\\"\n", 1 },
	{ "escape only", "x: \"\\\"\"\n", 1 },
	{ "escaped quote unclosed", "x: \"a\\\"\n", 0 },
	{ "escape at end of input", "x: \"a\\", 0 },
	{ "unknown escape", "x: \"a\\qb\"\n", 0 },
	{ "escape x", "x: \"\\x41\"\n", 0 },
	{ "escape u", "x: \"\\u00e9\"\n", 0 },
	{ "escape N", "x: \"\\N\"\n", 0 },
	{ "escape slash", "x: \"\\/\"\n", 0 },
	{ "escape single quote", "x: \"\\'\"\n", 0 },
	{ "escaped line break", "x: \"a\\\n  b\"\n", 0 },
	{ "backslash in single", "x: 'a\\b'\n", 1 },
	{ "UTF-8", "x: '\xc3\xa9'\n", 0 },
	{ "duplicate", "x: a\nx: b\n", 0 },
	{ "doc start only", "---\n", 0 },
	{ "doc start blank", "--- \nx: 1\n", 0 },
	{ "indented", " x: 1\n", 0 },
	{ "space before colon", "x : 1\n", 0 },
	{ "two spaces", "x:  1\n", 0 },
	{ "tab", "x:\t1\n", 0 },
	{ "vault tag", "x: !vault |\n  $ANSIBLE_VAULT;1.1;AES256\n", 0 },
	{ "anchor", "x: &a 1\ny: *a\n", 0 },
	{ "flow", "x: [1]\n", 0 },
	{ "block", "x: |\n  a\n", 1 },
	{ "literal lines", "x: |\n  a b\n  c: d # e\ny: 1\n", 1 },
	{ "literal strip", "x: |-\n    a\n    b\n", 1 },
	{ "folded", "x: >\n  a\n  b\n\ny: 'z'\n", 1 },
	{ "folded strip", "x: >-\n a\n b\n# c\n", 1 },
	{ "block then blank lines", "x: |\n  a\n\n\n", 1 },
	{ "block keep", "x: |+\n  a\n\n", 0 },
	{ "folded keep", "x: >+\n  a\n", 0 },
	{ "block indent indicator", "x: |2\n  a\n", 0 },
	{ "block header comment", "x: | # c\n  a\n", 0 },
	{ "block header space", "x: | \n  a\n", 0 },
	{ "block empty", "x: |\ny: 1\n", 0 },
	{ "block at end", "x: |", 0 },
	{ "block blank inside", "x: |\n  a\n\n  b\n", 0 },
	{ "block more indented", "x: >\n  a\n    b\n  c\n", 0 },
	{ "block less indented", "x: |\n    a\n  b\n", 0 },
	{ "block no final LF", "x: |\n  a", 0 },
	{ "block spaces-only line", "x: |\n  a\n  \n", 0 },
	{ "block tab", "x: |\n  a\tb\n", 0 },
	{ "block trailing spaces", "x: >\n  a  \n  b\n", 1 },
	{ "block then indented key", "x: |\n  a\n y: 1\n", 0 },
	{ "sequence", "- a\n", 0 },
	{ "second document", "x: 1\n---\ny: 2\n", 0 },
	{ "doc end", "x: 1\n...\n", 0 },
	{ "NUL", "x: 'a\0b'\n", 0 },
	{ "unclosed", "x: 'a\n", 0 },
	{ "comment with control", "#\x01\nx: 1\n", 0 },
};

/* Both readers on doc; 1 when the test holds. */
static int
check_doc(const char *doc, size_t len, int want_flat, int *took)
{
	struct es_ydoc *f = NULL, *y = NULL;
	int rf, ry, ok;

	rf = es_ydoc_parse_flat((const unsigned char *)doc, len, &f);
	ry = es_ydoc_parse_yaml((const unsigned char *)doc, len, &y);
	es_errclear();
	*took = rf == 0;
	if (rf == 0)
		/* Taken: libyaml must agree, entry for entry. */
		ok = ry == 0 && ydoc_cmp(f, y) == (size_t)-1;
	else
		ok = rf == 1 && f == NULL;
	if (want_flat >= 0 && *took != want_flat)
		ok = 0;
	es_ydoc_free(f);
	es_ydoc_free(y);
	return ok;
}

static void
test_table(void)
{
	char name[128];
	size_t i, len;
	int took;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		len = strlen(cases[i].doc);
		if (strcmp(cases[i].name, "NUL") == 0)
			len = 10;
		snprintf(name, sizeof name, "yflat %s (%s)", cases[i].name,
		    cases[i].flat ? "fast path" : "libyaml");
		T_CHECK(name, check_doc(cases[i].doc, len, cases[i].flat,
		    &took));
	}
}

/* Keys: 255 bytes is the fast path's longest; 256 goes to libyaml. */
static void
test_key_length(void)
{
	char doc[300];
	int took;

	memset(doc, 'k', 255);
	memcpy(doc + 255, ": v\n", 5);
	T_CHECK("yflat 255-byte key", check_doc(doc, strlen(doc), 1, &took));
	memset(doc, 'k', 256);
	memcpy(doc + 256, ": v\n", 5);
	T_CHECK("yflat 256-byte key left to libyaml",
	    check_doc(doc, strlen(doc), 0, &took));
}

/* The escapes decoded by hand, not only "as libyaml". */
static void
test_escapes(void)
{
	static const char doc[] = "a: \"q\\\"b\\\\c\\td\\0e\"\n";
	static const unsigned char want[] = "q\"b\\c\td\0e";
	struct es_ydoc *d = NULL;
	int r;

	r = es_ydoc_parse_flat((const unsigned char *)doc, sizeof doc - 1, &d);
	T_CHECK("yflat escapes parsed", r == 0 && d != NULL && d->n == 1);
	if (r == 0 && d != NULL && d->n == 1)
		T_CHECK("yflat escapes decoded", d->e[0].vlen == sizeof want - 1
		    && memcmp(d->e[0].val, want, sizeof want) == 0 &&
		    d->e[0].style == ES_YS_DOUBLE);
	es_ydoc_free(d);
}

/* Block scalars decoded by hand, with the lines after them. */
static void
test_blocks(void)
{
	static const char doc[] = "a: |\n  x y\n  z\nb: >-\n   p\n   q\n"
	    "c: 1\n";
	struct es_ydoc *d = NULL;
	int r;

	r = es_ydoc_parse_flat((const unsigned char *)doc, sizeof doc - 1, &d);
	T_CHECK("yflat blocks parsed", r == 0 && d != NULL && d->n == 3);
	if (r == 0 && d != NULL && d->n == 3) {
		T_CHECK("yflat literal", d->e[0].vlen == 6 &&
		    memcmp(d->e[0].val, "x y\nz\n", 7) == 0 &&
		    d->e[0].style == ES_YS_LITERAL && d->e[0].line == 1);
		T_CHECK("yflat folded strip", d->e[1].vlen == 3 &&
		    memcmp(d->e[1].val, "p q", 4) == 0 &&
		    d->e[1].style == ES_YS_FOLDED && d->e[1].line == 4);
		T_CHECK("yflat line after blocks", d->e[2].line == 7);
	}
	es_ydoc_free(d);
}

/* The values the fast path gives, by hand (not only "as libyaml"). */
static void
test_values(void)
{
	static const char doc[] = "---\na: 'it''s'\nb: \"x $y\"\nc: null\n"
	    "d: ''\n# z\ne: 0777";
	struct es_ydoc *d = NULL;
	int r;

	r = es_ydoc_parse_flat((const unsigned char *)doc, sizeof doc - 1, &d);
	T_CHECK("yflat values parsed", r == 0 && d != NULL && d->n == 5);
	if (r != 0 || d == NULL || d->n != 5) {
		es_ydoc_free(d);
		return;
	}
	T_CHECK("yflat '' unescaped", d->e[0].vlen == 4 &&
	    memcmp(d->e[0].val, "it's", 5) == 0 && d->e[0].line == 2 &&
	    d->e[0].style == ES_YS_SINGLE);
	T_CHECK("yflat double", d->e[1].vlen == 4 &&
	    memcmp(d->e[1].val, "x $y", 5) == 0 && d->e[1].style == ES_YS_DOUBLE);
	T_CHECK("yflat null", d->e[2].kind == ES_Y_NULL &&
	    d->e[2].style == ES_YS_PLAIN);
	T_CHECK("yflat empty", d->e[3].kind == ES_Y_SCALAR && d->e[3].vlen == 0
	    && d->e[3].val != NULL && d->e[3].val[0] == '\0');
	T_CHECK("yflat plain text, line", d->e[4].vlen == 4 &&
	    memcmp(d->e[4].val, "0777", 5) == 0 && d->e[4].line == 7);
	es_ydoc_free(d);
}

static uint64_t rng;

static uint64_t
next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void
add(char *buf, size_t *n, size_t cap, const char *s)
{
	size_t l = strlen(s);

	if (*n + l < cap) {
		memcpy(buf + *n, s, l);
		*n += l;
	}
}

/* A block scalar entry: a header, then lines at one indentation, now and
 * then one that is more or less indented, blank or spaces only. */
static void
random_block(char *buf, size_t *n, size_t cap)
{
	static const char *const hdr[] = { "|", "|-", ">", ">-", "|+", ">+",
		"|2", "| ", "" };
	static const char *const body[] = { "a b", "c: d", "# e", "'f'",
		"g  ", "-h", "\"i\\\"", "", " j", "k\tl" };
	char ind[8];
	size_t i, k = next() % 4, w = 1 + next() % 3;

	add(buf, n, cap, next() % 2 ? "bk: " : "b_1: ");
	add(buf, n, cap, hdr[next() % (sizeof hdr / sizeof hdr[0])]);
	add(buf, n, cap, "\n");
	for (i = 0; i < k; i++) {
		memset(ind, ' ', w);
		ind[w] = '\0';
		if (next() % 10 == 0)
			ind[next() % 2 ? w - 1 : 0] = '\0';
		add(buf, n, cap, ind);
		add(buf, n, cap, body[next() % (next() % 3 ? 6 :
		    sizeof body / sizeof body[0])]);
		add(buf, n, cap, "\n");
	}
}

/* A flat-looking line: key, then one of the value shapes, its bytes
 * mostly ones that shape allows, now and then one that matters to YAML. */
static void
random_line(char *buf, size_t *n, size_t cap)
{
	static const char pick[] = "aZ0_ .,:;#'\"\\-?!&*|>%@`=+/~[]{}\t";
	static const char plain[] = "abcXYZ019_./@%+,=-";
	static const char quoted[] = "abc 019 #$`!&*:;-_";
	/* Taken and refused escapes alike, so both readers see them. */
	static const char *const escapes[] = { "\\\"", "\\\\", "\\t",
		"\\n", "\\0", "\\e", "\\ ", "\\x41", "\\u00e9", "\\N",
		"\\/", "\\'", "\\q", "\\", "\\\\\\\"" };
	char tmp[64];
	size_t i, k = 1 + next() % 6;
	int style = (int)(next() % 3);   /* 0 single, 1 double, 2 plain */

	switch (next() % 8) {
	case 0:
		add(buf, n, cap, "# c\n");
		return;
	case 1:
		add(buf, n, cap, "\n");
		return;
	case 2:
		if (next() % 2 == 0) {
			random_block(buf, n, cap);
			return;
		}
		break;
	default:
		break;
	}
	for (i = 0; i < k; i++)
		tmp[i] = "abcXYZ_019"[next() % (i ? 10 : 7)];
	tmp[k] = '\0';
	add(buf, n, cap, tmp);
	add(buf, n, cap, ": ");
	add(buf, n, cap, style == 0 ? "'" : style == 1 ? "\"" : "");
	k = next() % 10;
	for (i = 0; i < k; i++) {
		if (next() % 12 == 0)
			tmp[i] = pick[next() % (sizeof pick - 1)];
		else if (style == 2)
			tmp[i] = plain[next() % (sizeof plain - 1)];
		else
			tmp[i] = quoted[next() % (sizeof quoted - 1)];
	}
	if (style == 2 && k > 0 && next() % 4 != 0)
		tmp[0] = 'v';   /* a plain scalar's first byte is stricter */
	if (style == 0 && k > 1 && next() % 4 == 0)
		tmp[0] = tmp[1] = '\'';
	tmp[k] = '\0';
	add(buf, n, cap, tmp);
	if (style == 1 && next() % 2 == 0)
		add(buf, n, cap, escapes[next() % (sizeof escapes /
		    sizeof escapes[0])]);
	add(buf, n, cap, style == 0 ? "'" : style == 1 ? "\"" : "");
	add(buf, n, cap, "\n");
}

static void
test_random(void)
{
	static const char damage[] = " \t\n\r'\"\\#:-\0\x80\xc3";
	char buf[1024], name[96];
	size_t i, j, n, lines, bad = 0, taken = 0;
	int took;

	for (i = 0; i < RANDOM_DOCS; i++) {
		n = 0;
		if (next() % 4 == 0)
			add(buf, &n, sizeof buf, "---\n");
		lines = 1 + next() % RANDOM_LINES_MAX;
		if (next() % 2 == 0)
			lines = 1 + next() % 3;
		for (j = 0; j < lines; j++)
			random_line(buf, &n, sizeof buf);
		if (next() % 5 == 0 && n > 0)
			buf[next() % n] = damage[next() % (sizeof damage - 1)];
		if (!check_doc(buf, n, -1, &took)) {
			if (bad++ < 3) {
				snprintf(name, sizeof name, "yflat random doc "
				    "%zu agrees with libyaml", i);
				T_CHECK(name, 0);
				fwrite(buf, 1, n, stdout);
				printf("\n# ---\n");
			}
		}
		taken += took;
	}
	printf("# %d random documents, %zu taken by the fast path, %zu "
	    "disagreements\n", RANDOM_DOCS, taken, bad);
	T_CHECK("yflat random documents agree with libyaml", bad == 0);
	/* The generator must exercise both readers, or it proves nothing. */
	T_CHECK("yflat random documents reach both readers",
	    taken > RANDOM_DOCS / 10 && taken < RANDOM_DOCS);
}

int
main(void)
{
	const char *seed = getenv("RENDER_TEST_SEED");

	if (sodium_init() < 0)
		return 1;
	if (seed != NULL)
		rng = strtoull(seed, NULL, 0);
	else
		randombytes_buf(&rng, sizeof rng);
	if (rng == 0)
		rng = 1;
	printf("# random seed: RENDER_TEST_SEED=0x%016" PRIx64 "\n", rng);
	test_table();
	test_key_length();
	test_values();
	test_escapes();
	test_blocks();
	test_random();
	return t_done();
}
