/*
 * tests/unit/test_render_diff.c — es_env_diff_env() (the worker's diff,
 * new side from the encoder's record) gives exactly what es_env_diff()
 * (both sides parsed) gives: fixed cases for each list, quoting and
 * escapes, empty values, duplicate names, an unreadable old file, and
 * random values and old files. Also render_sort() (stable, with its
 * shortcut for runs already in order) against an insertion sort.
 */
#include "render/render.h"
#include "render/render_int.h"
#include "t.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

/* Most variables of a random case. */
#define RAND_VARS 12
/* Longest random value. */
#define RAND_VAL 40
/* Random cases. */
#define RAND_CASES 3000

static int
same_list(char **a, size_t na, char **b, size_t nb)
{
	size_t i;

	if (na != nb)
		return 0;
	for (i = 0; i < na; i++)
		if (strcmp(a[i], b[i]) != 0)
			return 0;
	return 1;
}

/* Both diffs of old against env agree; 1 when they do. */
static int
agree(const char *old, size_t old_len, const struct es_env *env)
{
	struct es_env_diff a, b;
	const unsigned char *o = (const unsigned char *)old;
	int ra, rb, ok;

	ra = es_env_diff(o, old_len, env->out.p, env->out.len, &a);
	rb = es_env_diff_env(o, old_len, env, &b);
	ok = ra == 0 && rb == 0 &&
	    same_list(a.added, a.nadded, b.added, b.nadded) &&
	    same_list(a.removed, a.nremoved, b.removed, b.nremoved) &&
	    same_list(a.changed, a.nchanged, b.changed, b.nchanged);
	es_env_diff_free(&a);
	es_env_diff_free(&b);
	return ok;
}

static int
put(struct es_env *env, const char *name, const char *value)
{
	return es_env_put(env, name, (const unsigned char *)value,
	    strlen(value));
}

static void
test_fixed(void)
{
	const char *old = "# h\nA=1\nB=2\nC=3\nQ=\"a\\\"b$c\"\nE=\nS=x\\\\y\n";
	struct es_env env;
	struct es_env_diff d;

	T_CHECK("begin", es_env_begin(&env, "t") == 0);
	T_CHECK("put", put(&env, "A", "1") == 0 && put(&env, "B", "two") == 0 &&
	    put(&env, "D", "4") == 0 && put(&env, "Q", "a\"b$c") == 0 &&
	    put(&env, "E", "") == 0 && put(&env, "S", "x\\y") == 0);
	T_CHECK("diff_env ok", es_env_diff_env((const unsigned char *)old,
	    strlen(old), &env, &d) == 0);
	T_CHECK("diff_env added", d.nadded == 1 && !strcmp(d.added[0], "D"));
	T_CHECK("diff_env removed", d.nremoved == 1 &&
	    !strcmp(d.removed[0], "C"));
	/* Q and S are equal once unquoted and unescaped; E empty on both. */
	T_CHECK("diff_env changed", d.nchanged == 1 &&
	    !strcmp(d.changed[0], "B"));
	es_env_diff_free(&d);
	T_CHECK("diff_env no old", es_env_diff_env(NULL, 0, &env, &d) == 0 &&
	    d.nadded == 6 && d.nremoved == 0 && d.nchanged == 0);
	es_env_diff_free(&d);
	T_CHECK("diff_env unreadable old", es_env_diff_env((const unsigned
	    char *)"A=\xff\n", 4, &env, &d) == 0 && d.nadded == 6);
	es_env_diff_free(&d);
	T_CHECK("fixed agrees", agree(old, strlen(old), &env));
	/* A name given twice: the reader keeps the later value. */
	T_CHECK("dup put", put(&env, "A", "9") == 0);
	T_CHECK("dup changed", es_env_diff_env((const unsigned char *)old,
	    strlen(old), &env, &d) == 0 && d.nchanged == 2 &&
	    !strcmp(d.changed[0], "A"));
	es_env_diff_free(&d);
	T_CHECK("dup agrees", agree(old, strlen(old), &env));
	es_env_free(&env);
	T_CHECK("empty env", es_env_begin(&env, "t") == 0 &&
	    es_env_diff_env((const unsigned char *)old, strlen(old), &env,
	    &d) == 0 && d.nremoved == 6 && d.nadded == 0);
	es_env_diff_free(&d);
	es_env_free(&env);
}

/* A random value over an alphabet rich in what quoting must handle. */
static size_t
rand_value(char *v)
{
	static const char *const bits[] = { "a", "Z", "0", "_", "\\", "\"",
		"`", "$", "'", " ", "\t", "\n", "#", "=", "\xc3\xa9", ";" };
	size_t n = randombytes_uniform(RAND_VAL), i, len = 0, k;

	for (i = 0; i < n; i++) {
		k = randombytes_uniform(sizeof bits / sizeof bits[0]);
		memcpy(v + len, bits[k], strlen(bits[k]));
		len += strlen(bits[k]);
	}
	v[len] = '\0';
	return len;
}

static void
test_random(void)
{
	static const char *const names[] = { "A", "B", "C", "D", "E", "F" };
	char v[2 * RAND_VAL + 1] = "", old[8192];
	struct es_env env, prev;
	size_t c, i, n, bad = 0, bad_index = 0, indexed = 0, olen;
	const char *name;
	int r;

	for (c = 0; c < RAND_CASES; c++) {
		/* The old file: an earlier render, or the same bytes with
		 * a value or two edited by hand (unquoted, so parsed). */
		if (es_env_begin(&prev, "p") != 0 || es_env_begin(&env, "t") != 0)
			abort();
		n = randombytes_uniform(RAND_VARS);
		for (i = 0; i < n; i++) {
			name = names[randombytes_uniform(6)];
			rand_value(v);
			(void)put(&prev, name, v);
		}
		n = randombytes_uniform(RAND_VARS);
		for (i = 0; i < n; i++) {
			name = names[randombytes_uniform(6)];
			if (randombytes_uniform(2) == 0)
				rand_value(v);
			(void)put(&env, name, v);
		}
		olen = prev.out.len;   /* < 8 KiB: at most 12 short lines */
		BUG_ON(olen > sizeof old - 16);
		memcpy(old, prev.out.p, olen);
		if (randombytes_uniform(3) == 0) {
			memcpy(old + olen, "B=x y \\\n z\n", 11);
			olen += 11;
		}
		if (!agree(old, olen, &env))
			bad++;
		/* The same env with its names indexed once (es_render_doc
		 * does this): the diff uses the index and still agrees; a
		 * name given twice is refused and leaves no index. */
		r = es_env_index(&env);
		if (r == 0 ? env.nnames > 0 && env.byname == NULL :
		    r != ES_ENAME || env.byname != NULL)
			bad_index++;
		if (r == 0) {
			indexed++;
			if (!agree(old, olen, &env))
				bad_index++;
			/* An unchanged rerun (its shortcut: no parse). */
			if (!agree((const char *)env.out.p, env.out.len, &env))
				bad_index++;
		}
		es_env_free(&prev);
		es_env_free(&env);
	}
	T_CHECK("random cases agree", bad == 0);
	T_CHECK("random cases agree with the names indexed once",
	    bad_index == 0 && indexed > RAND_CASES / 10);
}

/* Variables of the fast-path cases. */
#define FAST_VARS 40
/* Random edits of the fast-path cases. */
#define FAST_CASES 2000

/* env's line of variable i (name to LF): where it starts and its length. */
static void
line_of(const struct es_env *env, size_t i, size_t *start, size_t *len)
{
	*start = env->voff[i] - env->quoted[i] - 1 - strlen(env->names[i]);
	*len = env->voff[i] + env->vlen[i] + env->quoted[i] + 1 - *start;
}

/* One edit of an old file that was env's bytes, at variable i's line:
 * the reader must judge what follows as it would without the shortcut
 * for lines equal to the encoder's (parse.c on_old_line). */
static size_t
edit_old(const struct es_env *env, size_t i, unsigned how, char *old)
{
	static const char *const junk[] = { "X=\xff\n", "A_7=other\n",
		"  # c \\\n", "\"\n", "A_3=\"a\n", "\n\n", "=1\n",
		"\xff=1\n", "A_5=1\\\n" };
	size_t s, l, o, k;
	const char *j = junk[how % (sizeof junk / sizeof junk[0])];

	line_of(env, i, &s, &l);
	o = s;
	memcpy(old, env->out.p, s);
	switch (how % 4) {
	case 0:                     /* line dropped */
		break;
	case 1:                     /* line doubled */
		memcpy(old + o, env->out.p + s, l);
		memcpy(old + o + l, env->out.p + s, l);
		o += 2 * l;
		break;
	case 2:                     /* junk before the line */
		memcpy(old + o, j, strlen(j));
		o += strlen(j);
		memcpy(old + o, env->out.p + s, l);
		o += l;
		break;
	default:                    /* value edited: one byte more */
		memcpy(old + o, env->out.p + s, l - 1);
		o += l - 1;
		old[o++] = 'q';
		old[o++] = '\n';
		break;
	}
	k = env->out.len - s - l;
	memcpy(old + o, env->out.p + s + l, k);
	return o + k;
}

/* Old files that are env's bytes but for one edit (the worker's usual
 * case, with the shortcut for equal lines), written after the shortcut. */
static void
test_fast_lines(void)
{
	static char old[FAST_VARS * (4 * RAND_VAL + 64) + 4096];
	char v[2 * RAND_VAL + 1], name[16];
	struct es_env env, dup;
	struct es_env_diff d;
	size_t c, i, olen, bad = 0;

	for (c = 0; c < FAST_CASES; c++) {
		if (es_env_begin(&env, "t") != 0)
			abort();
		for (i = 0; i < FAST_VARS; i++) {
			snprintf(name, sizeof name, "A_%zu", i);
			rand_value(v);
			(void)put(&env, name, v);
		}
		if (es_env_index(&env) != 0)
			abort();
		olen = edit_old(&env, randombytes_uniform(FAST_VARS),
		    randombytes_uniform(36), old);
		if (!agree(old, olen, &env))
			bad++;
		es_env_free(&env);
	}
	T_CHECK("fast lines: one edit agrees", bad == 0);
	T_CHECK("fast begin", es_env_begin(&env, "t") == 0 &&
	    put(&env, "A", "1") == 0 && put(&env, "B", "x y") == 0 &&
	    put(&env, "C", "3") == 0 && es_env_index(&env) == 0);
	/* Equal lines, then a byte systemd refuses: the old file is
	 * unreadable, so every name is added. */
	olen = env.out.len;
	memcpy(old, env.out.p, olen);
	memcpy(old + olen, "D=\xff\n", 4);
	T_CHECK("fast lines then an invalid byte", es_env_diff_env(
	    (const unsigned char *)old, olen + 4, &env, &d) == 0 &&
	    d.nadded == 3 && d.nchanged == 0 && agree(old, olen + 4, &env));
	es_env_diff_free(&d);
	/* Equal lines, then a later B (the reader keeps the last). */
	memcpy(old + olen, "B=z\n# x\n", 8);
	T_CHECK("fast line overridden later", es_env_diff_env(
	    (const unsigned char *)old, olen + 8, &env, &d) == 0 &&
	    d.nchanged == 1 && !strcmp(d.changed[0], "B") && d.nadded == 0 &&
	    d.nremoved == 0 && agree(old, olen + 8, &env));
	es_env_diff_free(&d);
	/* An equal line inside an open quote is a value, not a line. */
	T_CHECK("dup begin", es_env_begin(&dup, "t") == 0);
	olen = (size_t)snprintf(old, sizeof old, "%.*sZ=\"\nA=1\n\"\n",
	    (int)(env.voff[0] - 2), (const char *)env.out.p);
	T_CHECK("fast line inside quotes", agree(old, olen, &env) &&
	    es_env_diff_env((const unsigned char *)old, olen, &env, &d) == 0 &&
	    d.nadded == 3 && d.nremoved == 1);
	es_env_diff_free(&d);
	es_env_free(&dup);
	es_env_free(&env);
}

/* Longest random array sorted. */
#define SORT_MAX 300

static int
by_key(size_t a, size_t b, const void *ctx)
{
	const unsigned *k = ctx;

	return k[a] < k[b] ? -1 : k[a] > k[b];
}

/* Random arrays, sorted, reversed, nearly sorted; few distinct keys so
 * that stability matters. */
static void
test_sort(void)
{
	unsigned key[SORT_MAX];
	size_t idx[SORT_MAX], ref[SORT_MAX], n, i, j, t, c, bad = 0;

	for (c = 0; c < 2000; c++) {
		n = randombytes_uniform(SORT_MAX + 1);
		for (i = 0; i < n; i++) {
			switch (c % 4) {
			case 0:
				key[i] = randombytes_uniform(8);
				break;
			case 1:
				key[i] = (unsigned)i / 3;
				break;
			case 2:
				key[i] = (unsigned)(n - i) / 2;
				break;
			default:
				key[i] = (unsigned)i + (randombytes_uniform(
				    10) == 0 ? randombytes_uniform(50) : 0);
			}
			idx[i] = ref[i] = i;
		}
		for (i = 1; i < n; i++)   /* insertion sort: stable */
			for (j = i; j > 0 && by_key(ref[j], ref[j - 1],
			    key) < 0; j--) {
				t = ref[j];
				ref[j] = ref[j - 1];
				ref[j - 1] = t;
			}
		if (render_sort(idx, n, by_key, key) != 0 ||
		    (n > 0 && memcmp(idx, ref, n * sizeof *idx) != 0))
			bad++;
	}
	T_CHECK("render_sort stable and sorted", bad == 0);
}

static int
by_str(size_t a, size_t b, const void *ctx)
{
	char *const *v = ctx;

	return strcmp(v[a], v[b]);
}

/* render_sort_names against render_sort with strcmp, on names that share
 * prefixes of every length around its eight-byte key (shorter than eight,
 * exactly eight, longer; equal names, so stability shows), bytes >= 0x80
 * included (strcmp compares unsigned). */
static void
test_sort_names(void)
{
	static const char *const stem[] = { "", "A", "KEY_", "KEY_000",
	    "KEY_0000", "KEY_00000", "VAULT_KEY_0", "\xc3\xa9t\xc3\xa9" };
	char buf[SORT_MAX][24], *v[SORT_MAX];
	size_t idx[SORT_MAX], ref[SORT_MAX], n, i, c, bad = 0;

	for (c = 0; c < 2000; c++) {
		n = randombytes_uniform(SORT_MAX + 1);
		for (i = 0; i < n; i++) {
			size_t k = randombytes_uniform(c % 3 == 0 ? 3 : 12);

			snprintf(buf[i], sizeof buf[i], "%s%.*s",
			    stem[randombytes_uniform(8)], (int)k,
			    "0123456789AB" + randombytes_uniform(2));
			if (buf[i][0] == '\0')
				snprintf(buf[i], sizeof buf[i], "Z");
			v[i] = buf[i];
			ref[i] = i;
		}
		if (render_sort(ref, n, by_str, v) != 0 ||
		    render_sort_names(idx, n, v) != 0 ||
		    (n > 0 && memcmp(idx, ref, n * sizeof *idx) != 0))
			bad++;
	}
	T_CHECK("render_sort_names: strcmp's order, stable", bad == 0);
}

int
main(void)
{
	if (sodium_init() < 0)
		return 1;
	test_fixed();
	test_random();
	test_fast_lines();
	test_sort();
	test_sort_names();
	return t_done();
}
