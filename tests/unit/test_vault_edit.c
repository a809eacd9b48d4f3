/* tests/unit/test_vault_edit.c — vault/edit.c: es_vault_set on whole-file
 * plaintexts of every shape the minimal edit meets (last line without a
 * break, empty document, blocks with blank lines, comments, "---"/"...")
 * and the shapes it must refuse rather than re-serialise (flow mapping,
 * quoted key, aliased anchor); inline values; es_vault_reseal. */
#include "vault/vault.h"
#include "tests/unit/t.h"

#include <string.h>
#include <sodium.h>

static struct es_secrets sec;

/* pt sealed under sec.v[0] (label "default"), into env. */
static void
seal(const char *pt, struct es_sbuf *env)
{
	env->len = 0;
	if (es_vault_seal((const unsigned char *)pt, strlen(pt), &sec.v[0],
	    "default", env) != 0)
		printf("# seal failed\n");
}

/* es_vault_set on the whole-file vault of pt; the plaintext of the result
 * in got (NUL-terminated), *how; the return code. */
static int
set_whole(const char *pt, const char *key, const char *val, char *got,
    size_t gotsz, enum es_vset *how)
{
	struct es_sbuf env = { 0 }, out = { 0 }, back = { 0 };
	int r, used;

	seal(pt, &env);
	r = es_vault_set(env.p, env.len, &sec, &sec.v[0], "default", key,
	    (const unsigned char *)val, val ? strlen(val) : 0, &out, how, &used);
	got[0] = '\0';
	if (r == 0 && es_vault_open(out.p, out.len, &sec, &back, &used) == 0 &&
	    back.len < gotsz) {
		if (back.len)
			memcpy(got, back.p, back.len);
		got[back.len] = '\0';
	}
	if (r == 0 && *how == ES_VSET_UNCHANGED && (out.len != env.len ||
	    memcmp(out.p, env.p, env.len) != 0))
		r = -9999;   /* unchanged must give the input back */
	es_sbuf_free(&env);
	es_sbuf_free(&out);
	es_sbuf_free(&back);
	return r;
}

static int
is(const char *pt, const char *key, const char *val, const char *want,
    enum es_vset want_how)
{
	char got[4096];
	enum es_vset how;
	int r = set_whole(pt, key, val, got, sizeof got, &how);

	if (r != 0 || how != want_how || strcmp(got, want) != 0) {
		printf("# r=%d how=%d got:\n%s\n# want:\n%s\n", r, (int)how, got,
		    want);
		return 0;
	}
	return 1;
}

static int
refused(const char *pt, const char *key, const char *val, int code)
{
	char got[4096];
	enum es_vset how;

	return set_whole(pt, key, val, got, sizeof got, &how) == code;
}

static void
test_whole(void)
{
	T_CHECK("set: middle key replaced, the rest kept",
	    is("a: 1\nb: two\n# c\nc: 3\n", "b", "x", "a: 1\nb: \"x\"\n# c\nc: 3\n",
	    ES_VSET_CHANGED));
	T_CHECK("set: a block with a blank line inside replaced whole",
	    is("a: |\n  l1\n\n  l2\n\n# after\nb: 2\n", "a", "v",
	    "a: \"v\"\n\n# after\nb: 2\n", ES_VSET_CHANGED));
	T_CHECK("set: last key without a final break keeps none",
	    is("a: 1\nb: 2", "b", "3", "a: 1\nb: \"3\"", ES_VSET_CHANGED));
	T_CHECK("set: a key added to a text without a final break",
	    is("a: 1", "b", "x", "a: 1\nb: \"x\"\n", ES_VSET_ADDED));
	T_CHECK("set: a key added to an empty document",
	    is("", "b", "x", "b: \"x\"\n", ES_VSET_ADDED));
	T_CHECK("set: added after the last key, before '...'",
	    is("---\na: 1\n...\n", "b", "x", "---\na: 1\nb: \"x\"\n...\n",
	    ES_VSET_ADDED));
	T_CHECK("set: quotes, backslash and newline quoted and read back",
	    is("a: 1\n", "a", "q\"\\\nz", "a: \"q\\\"\\\\\\nz\"\n",
	    ES_VSET_CHANGED));
	T_CHECK("set: the same value is unchanged (the input back)",
	    is("a: 1\nb: same\n", "b", "same", "a: 1\nb: same\n",
	    ES_VSET_UNCHANGED));
	T_CHECK("unset: a nested key's lines removed, comments kept",
	    is("a: 1\nb:\n  - x\n  - y\n# c\nc: 3\n", "b", NULL,
	    "a: 1\n# c\nc: 3\n", ES_VSET_REMOVED));
	T_CHECK("unset: a key not there is unchanged",
	    is("a: 1\n", "zz", NULL, "a: 1\n", ES_VSET_UNCHANGED));
	T_CHECK("refused: a flow mapping",
	    refused("{a: 1, b: 2}\n", "a", "x", ES_EUSAGE));
	T_CHECK("refused: a quoted key",
	    refused("\"a\": 1\n", "a", "x", ES_EUSAGE));
	T_CHECK("refused: an anchor another key aliases",
	    refused("a: &x 1\nb: *x\n", "a", "2", ES_EUSAGE));
	T_CHECK("refused: a key that is not a variable name",
	    refused("a: 1\n", "a-b", "x", ES_ENAME));
	T_CHECK("refused: a value that is not UTF-8",
	    refused("a: 1\n", "a", "\xff", ES_EVALUE));
}

static void
test_inline(void)
{
	const char *doc = "plain: p\nlast: x\n";
	struct es_sbuf out = { 0 }, again = { 0 }, view = { 0 };
	enum es_vset how;
	int r, used;

	r = es_vault_set((const unsigned char *)doc, strlen(doc), &sec,
	    &sec.v[0], "default", "secret", (const unsigned char *)"s3", 2,
	    &out, &how, &used);
	T_CHECK("inline: a key added to plain YAML as !vault",
	    r == 0 && how == ES_VSET_ADDED && out.len > strlen(doc) &&
	    memcmp(out.p, doc, strlen(doc)) == 0 &&
	    memmem(out.p, out.len, "secret: !vault |\n          $ANSIBLE_VAULT;1.1;AES256\n", 53) != NULL);
	r = es_vault_set(out.p, out.len, &sec, &sec.v[0], "default", "secret",
	    (const unsigned char *)"s3", 2, &again, &how, &used);
	T_CHECK("inline: the same value gives the input back",
	    r == 0 && how == ES_VSET_UNCHANGED && again.len == out.len &&
	    memcmp(again.p, out.p, out.len) == 0);
	T_CHECK("inline: it opens to the value",
	    es_vault_decrypt_view(out.p, out.len, &sec, &view, &used) == 0 &&
	    memmem(view.p, view.len, "secret: \"s3\"", 12) != NULL);
	again.len = 0;
	r = es_vault_set(out.p, out.len, &sec, NULL, NULL, "secret",
	    (const unsigned char *)"s4", 2, &again, &how, &used);
	T_CHECK("inline: an existing value needs no secret picked (its own)",
	    r == 0 && how == ES_VSET_CHANGED);
	again.len = 0;
	r = es_vault_set((const unsigned char *)doc, strlen(doc), &sec, NULL,
	    NULL, "new", (const unsigned char *)"v", 1, &again, &how, &used);
	T_CHECK("inline: a new value with no secret picked: ES_EUSAGE",
	    r == ES_EUSAGE);
	es_sbuf_free(&out);
	es_sbuf_free(&again);
	es_sbuf_free(&view);
}

static void
test_reseal(void)
{
	struct es_sbuf env = { 0 }, out = { 0 }, pt = { 0 };
	struct es_vkeydiff d;
	int changed, used;

	seal("a: 1\n", &env);
	T_CHECK("reseal: the same plaintext gives the old file back",
	    es_vault_reseal(env.p, env.len, &sec, NULL, NULL,
	    (const unsigned char *)"a: 1\n", 5, &out, &changed, &used, &d) == 0 &&
	    !changed && out.len == env.len && !memcmp(out.p, env.p, env.len));
	out.len = 0;
	T_CHECK("reseal: a new plaintext sealed under the secret that opened it",
	    es_vault_reseal(env.p, env.len, &sec, NULL, NULL,
	    (const unsigned char *)"a: 2\n", 5, &out, &changed, &used, &d) == 0 &&
	    changed && used == 0 && es_vault_open(out.p, out.len, &sec, &pt,
	    &used) == 0 && pt.len == 5 && !memcmp(pt.p, "a: 2\n", 5));
	T_CHECK("reseal: the changed key named",
	    d.nchanged == 1 && !strcmp(d.changed[0], "a") && d.nadded == 0 &&
	    d.nremoved == 0);
	es_vkeydiff_free(&d);
	out.len = 0;
	T_CHECK("reseal: create seals with the secret given",
	    es_vault_reseal(NULL, 0, &sec, &sec.v[0], "prod",
	    (const unsigned char *)"k: v\n", 5, &out, &changed, &used, &d) == 0 &&
	    changed && out.len > 30 &&
	    !memcmp(out.p, "$ANSIBLE_VAULT;1.2;AES256;prod\n", 31));
	T_CHECK("reseal: create names every key added",
	    d.nadded == 1 && !strcmp(d.added[0], "k"));
	es_vkeydiff_free(&d);
	es_sbuf_free(&env);
	es_sbuf_free(&out);
	es_sbuf_free(&pt);
}

static int
diff_is(const char *a, const char *b, const char *want)
{
	struct es_vkeydiff d;
	char got[512] = "";
	size_t i;
	int r = es_vault_key_diff((const unsigned char *)a, strlen(a),
	    (const unsigned char *)b, strlen(b), &d);

	for (i = 0; i < d.nadded; i++)
		snprintf(got + strlen(got), sizeof got - strlen(got), "+%s ",
		    d.added[i]);
	for (i = 0; i < d.nremoved; i++)
		snprintf(got + strlen(got), sizeof got - strlen(got), "-%s ",
		    d.removed[i]);
	for (i = 0; i < d.nchanged; i++)
		snprintf(got + strlen(got), sizeof got - strlen(got), "~%s ",
		    d.changed[i]);
	es_vkeydiff_free(&d);
	if (r < 0 || strcmp(got, want) != 0) {
		printf("# r=%d got '%s' want '%s'\n", r, got, want);
		return 0;
	}
	return 1;
}

static void
test_key_diff(void)
{
	T_CHECK("key diff: added, removed, changed",
	    diff_is("a: 1\nb: 2\nc: 3\n", "a: 1\nc: 4\nd: 5\n", "+d -b ~c "));
	T_CHECK("key diff: a nested value's change is seen in its text",
	    diff_is("a:\n  x: 1\nb: 2\n", "a:\n  x: 9\nb: 2\n", "~a "));
	T_CHECK("key diff: a comment between keys changes no key",
	    diff_is("a: 1\nb: 2\n", "a: 1\n# note\nb: 2\n", ""));
	T_CHECK("key diff: not YAML gives no names, no error",
	    diff_is("a: 1\n", "a: [\n", ""));
	T_CHECK("key diff: a key that is not a variable name is left out",
	    diff_is("a: 1\n", "a: 1\nx-y: 2\n", ""));
}

int
main(void)
{
	T_CHECK("sodium_init", sodium_init() >= 0);
	es_salt_seed();
	es_secrets_add(&sec, "default", (const unsigned char *)"pw-edit", 7);
	test_whole();
	test_inline();
	test_reseal();
	test_key_diff();
	es_secrets_free(&sec);
	return t_done();
}
