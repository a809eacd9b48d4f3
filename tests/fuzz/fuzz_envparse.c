/* tests/fuzz/fuzz_envparse.c — libFuzzer target: the EnvironmentFile=
 * reader of render/parse.c (systemd 252's state machine, used for the
 * name-level diff). On success it checks the parse's own invariants (valid
 * unique names, values inside the value buffer, no NUL, valid UTF-8), that
 * a file diffed against itself shows no change, and that the encoder and
 * the reader agree: writing the parsed variables with es_env_put() and
 * reading that back gives the same names and values. */
#include "render/render.h"

#include <string.h>
#include <sodium.h>

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (sodium_init() < 0)
		abort();
	return 0;
}

/* Value i (val.p is NULL while every value is empty). */
static const unsigned char *
val(const struct es_env_parsed *p, size_t i)
{
	return p->val.p ? p->val.p + p->off[i] : (const unsigned char *)"";
}

static void
check_parsed(const struct es_env_parsed *p)
{
	size_t i, j;

	for (i = 0; i < p->n; i++) {
		if (!es_env_name_valid(p->names[i]) || p->off[i] > p->val.len ||
		    p->len[i] > p->val.len - p->off[i] ||
		    !es_env_utf8_valid(val(p, i), p->len[i]))
			abort();
		for (j = 0; j < i; j++)
			if (strcmp(p->names[i], p->names[j]) == 0)
				abort();   /* later duplicates replace earlier */
	}
}

/* Encode p's variables and read them back: the same pairs, in order. */
static void
roundtrip(const struct es_env_parsed *p)
{
	struct es_env env;
	struct es_env_parsed q;
	size_t i;

	memset(&env, 0, sizeof env);
	if (es_env_begin(&env, "fuzz") != 0)
		abort();
	for (i = 0; i < p->n; i++)
		if (es_env_put(&env, p->names[i], val(p, i), p->len[i]) != 0)
			goto out;   /* a refusal names the variable: fine */
	if (es_env_parse(env.out.p, env.out.len, &q) != 0)
		abort();   /* the reader refuses what the encoder wrote */
	if (q.n != p->n)
		abort();
	for (i = 0; i < q.n; i++)
		if (strcmp(q.names[i], p->names[i]) != 0 ||
		    q.len[i] != p->len[i] ||
		    memcmp(val(&q, i), val(p, i), p->len[i]) != 0)
			abort();
	es_env_parsed_free(&q);
out:
	es_env_free(&env);
}

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	struct es_env_parsed p;
	struct es_env_diff d;

	if (es_env_parse(data, size, &p) != 0)
		return 0;
	check_parsed(&p);
	roundtrip(&p);
	if (es_env_diff(data, size, data, size, &d) != 0)
		abort();
	if (d.nadded || d.nremoved || d.nchanged)
		abort();
	es_env_diff_free(&d);
	es_env_parsed_free(&p);
	return 0;
}
