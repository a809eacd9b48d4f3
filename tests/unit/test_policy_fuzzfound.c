/*
 * tests/unit/test_policy_fuzzfound.c — policy inputs tests/fuzz/fuzz_policy
 * found wrong, kept as regressions.
 *
 * 1. A directory mode with a set-id or sticky bit (01750, which the loader
 *    accepts) was printed by `policy show` as "1750", which the loader
 *    refuses: the output of show did not load back.
 */
#include "common/envseal.h"
#include "policy/policy.h"
#include "tests/unit/t.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

static int
load(const char *text, struct es_policy **p)
{
	es_errclear();
	return es_policy_load_buf("t.yml", (const unsigned char *)text,
	    strlen(text), p);
}

/* `policy show` text of p, from the "envseal:" line on; NULL on failure. */
static char *
show(const struct es_policy *p)
{
	char *text = NULL, *body;
	size_t len = 0;
	FILE *f;

	if ((f = open_memstream(&text, &len)) == NULL)
		return NULL;
	if (es_policy_print(p, f) != 0) {
		fclose(f);
		free(text);
		return NULL;
	}
	fclose(f);
	if ((body = strstr(text, "\nenvseal:")) == NULL) {
		free(text);
		return NULL;
	}
	memmove(text, body + 1, strlen(body + 1) + 1);
	return text;
}

static void
test_mode_with_high_bits(void)
{
	const char *text = "envseal: 1\ndirectories:\n"
	    "  - {path: /etc/app, owner: root, group: app, mode: 01750}\n"
	    "  - {path: /srv, owner: root, group: root, mode: \"02755\"}\n"
	    "  - {path: /x, owner: root, group: root, mode: \"0007\"}\n"
	    "env_files:\n  - {path: /etc/app/a.env, vault: a.yml, "
	    "owner: root, group: app, mode: \"0400\"}\n";
	struct es_policy *p = NULL, *q = NULL;
	char *a = NULL, *b = NULL;
	int r;

	r = load(text, &p);
	T_CHECK("fuzzfound: policy with 01750 loads", r == 0 && p != NULL &&
	    p->ndirs == 3 && p->dirs[0].mode == 01750 &&
	    p->dirs[1].mode == 02755 && p->dirs[2].mode == 07);
	if (p != NULL)
		a = show(p);
	T_CHECK("fuzzfound: show prints every mode as the loader reads it",
	    a != NULL && strstr(a, "mode: \"01750\"") &&
	    strstr(a, "mode: \"02755\"") && strstr(a, "mode: \"0007\"") &&
	    strstr(a, "mode: \"0400\""));
	r = a != NULL ? load(a, &q) : -1;
	if (r != 0)
		printf("#  reload: %s\n#  %s\n", es_errdetail(), a ? a : "");
	T_CHECK("fuzzfound: show output of 01750 loads back", r == 0 &&
	    q != NULL && q->ndirs == 3 && q->dirs[0].mode == 01750 &&
	    q->dirs[1].mode == 02755 && q->dirs[2].mode == 07 &&
	    q->nenv_files == 1 && q->env_files[0].mode == 0400);
	if (q != NULL)
		b = show(q);
	T_CHECK("fuzzfound: show is stable across a reload", a != NULL &&
	    b != NULL && !strcmp(a, b));
	free(a);
	free(b);
	es_policy_free(p);
	es_policy_free(q);
}

int
main(void)
{
	if (sodium_init() < 0)
		return 1;
	test_mode_with_high_bits();
	return t_done();
}
