/*
 * tests/unit/test_render.c — the env-file encoder (grammar, UTF-8 rule,
 * bounds, refusals), the mapping, the parser and the diff.
 */
#include "render/render.h"
#include "vault/vault.h"
#include "tests/unit/t.h"

#include <string.h>
#include <sodium.h>

static int
enc1(const char *name, const char *v, size_t n, char *out, size_t outsz)
{
	struct es_env env;
	const char *body;
	int r;

	es_env_begin(&env, "v.yml");
	r = es_env_put(&env, name, (const unsigned char *)v, n);
	if (r == 0 && out) {
		body = memchr(env.out.p, '\n', env.out.len);
		body++;
		snprintf(out, outsz, "%.*s",
		    (int)(env.out.len - (size_t)(body - (char *)env.out.p)),
		    body);
	}
	es_env_free(&env);
	return r;
}

static void
test_grammar(void)
{
	char out[256];

	T_CHECK("bare plain", enc1("K", "hello", 5, out, sizeof out) == 0 &&
	    !strcmp(out, "K=hello\n"));
	T_CHECK("bare empty", enc1("K", "", 0, out, sizeof out) == 0 &&
	    !strcmp(out, "K=\n"));
	T_CHECK("bare set", enc1("K", "a_./:@%+,=-Z9", 13, out, sizeof out) == 0
	    && !strcmp(out, "K=a_./:@%+,=-Z9\n"));
	T_CHECK("leading =", enc1("K", "=x", 2, out, sizeof out) == 0 &&
	    !strcmp(out, "K==x\n"));
	T_CHECK("quoted space", enc1("K", "two words", 9, out, sizeof out) == 0
	    && !strcmp(out, "K=\"two words\"\n"));
	T_CHECK("escapes exactly 4", enc1("K", "\\\"`$'#;\n\t", 9, out,
	    sizeof out) == 0 && !strcmp(out, "K=\"\\\\\\\"\\`\\$'#;\n\t\"\n"));
	T_CHECK("backslash end", enc1("K", "ends\\", 5, out, sizeof out) == 0 &&
	    !strcmp(out, "K=\"ends\\\\\"\n"));
	T_CHECK("CR raw", enc1("K", "a\rb", 3, out, sizeof out) == 0 &&
	    !strcmp(out, "K=\"a\rb\"\n"));
}

static void
test_refusals(void)
{
	static const struct {
		const char *name, *bytes;
		size_t n;
		int ok;
	} u[] = {
		{ "U+FFFE refused", "\xef\xbf\xbe", 3, 0 },
		{ "U+FFFF refused", "\xef\xbf\xbf", 3, 0 },
		{ "U+10FFFF refused", "\xf4\x8f\xbf\xbf", 4, 0 },
		{ "surrogate refused", "\xed\xa0\x80", 3, 0 },
		{ "overlong NUL refused", "\xc0\x80", 2, 0 },
		{ "overlong 3-byte refused", "\xe0\x80\xaf", 3, 0 },
		{ "above U+10FFFF refused", "\xf4\x90\x80\x80", 4, 0 },
		{ "latin-1 refused", "caf\xe9", 4, 0 },
		{ "truncated refused", "\xe2\x9c", 2, 0 },
		{ "lone continuation refused", "\x80", 1, 0 },
		{ "U+FDD0 refused", "\xef\xb7\x90", 3, 0 },
		{ "U+FDEF refused", "\xef\xb7\xaf", 3, 0 },
		{ "U+1FFFE refused", "\xf0\x9f\xbf\xbe", 4, 0 },
		{ "NUL refused", "a\0b", 3, 0 },
		{ "emoji accepted", "\xf0\x9f\x98\x80", 4, 1 },
		{ "U+FDCF accepted", "\xef\xb7\x8f", 3, 1 },
		{ "U+FDF0 accepted", "\xef\xb7\xb0", 3, 1 },
		{ "U+FFFD accepted", "\xef\xbf\xbd", 3, 1 },
		{ "U+10FFFD accepted", "\xf4\x8f\xbf\xbd", 4, 1 },
		{ "check mark accepted", "\xe2\x9c\x93", 3, 1 },
	};
	size_t i;
	int r;
	unsigned char *big;

	for (i = 0; i < sizeof u / sizeof u[0]; i++) {
		es_errclear();
		r = enc1("SECRET_X", u[i].bytes, u[i].n, NULL, 0);
		T_CHECK(u[i].name, u[i].ok ? r == 0 :
		    (r == ES_EVALUE && strstr(es_errdetail(), "SECRET_X")));
	}
	T_CHECK("bad name 9A", enc1("9A", "x", 1, NULL, 0) == ES_ENAME);
	T_CHECK("bad name A-B", enc1("A-B", "x", 1, NULL, 0) == ES_ENAME);
	T_CHECK("bad name empty", enc1("", "x", 1, NULL, 0) == ES_ENAME);
	T_CHECK("bad name export", enc1("export A", "x", 1, NULL, 0) ==
	    ES_ENAME);
	big = calloc(1, ES_ENV_LINE_MAX + 1);
	memset(big, 'a', ES_ENV_LINE_MAX);
	/* "AB=" + 131068 = 131071: the limit exactly. */
	T_CHECK("line at limit", enc1("AB", (char *)big, ES_ENV_LINE_MAX - 3,
	    NULL, 0) == 0);
	es_errclear();
	T_CHECK("line over limit", enc1("AB", (char *)big, ES_ENV_LINE_MAX - 2,
	    NULL, 0) == ES_ELIMIT && strstr(es_errdetail(), "AB"));
	free(big);
}

static void
test_header(void)
{
	struct es_env env;

	es_env_begin(&env, "we\\ird\nname.yml");
	T_CHECK("header no backslash", memchr(env.out.p, '\\', env.out.len) ==
	    NULL);
	T_CHECK("header one line", memchr(env.out.p, '\n', env.out.len) ==
	    env.out.p + env.out.len - 1);
	T_CHECK("header text", !memcmp(env.out.p, "# Managed by envseal from "
	    "we_ird_name.yml; do not edit.\n", env.out.len));
	es_env_free(&env);
}

static void
test_file_limit(void)
{
	struct es_env env;
	unsigned char *v = malloc(ES_ENV_LINE_MAX);
	char name[32];
	int i, r = 0;

	memset(v, 'x', ES_ENV_LINE_MAX);
	es_env_begin(&env, "big");
	for (i = 0; i < 600 && r == 0; i++) {
		snprintf(name, sizeof name, "V%d", i);
		r = es_env_put(&env, name, v, 120000);
	}
	T_CHECK("file limit refused", r == ES_ELIMIT &&
	    strstr(es_errdetail(), "64 MiB"));
	T_CHECK("file under limit", env.out.len <= ES_ENV_FILE_MAX);
	es_env_free(&env);
	free(v);
}

/* A tiny document by hand: what es_vault_load_doc gives the mapper. */
static void
doc_set(struct es_yentry *e, const char *key, enum es_ykind k,
    const char *v)
{
	memset(e, 0, sizeof *e);
	e->key = strdup(key);
	e->kind = k;
	e->line = 1;
	if (v) {
		e->val = (const unsigned char *)v;
		e->vlen = strlen(v);
	}
}

static void
doc_reset(struct es_yentry *e, const char *key, enum es_ykind k,
    const char *v)
{
	free(e->key);
	doc_set(e, key, k, v);
}

static void
doc_free(struct es_ydoc *d)
{
	size_t i;

	for (i = 0; i < d->n; i++)
		free(d->e[i].key);
}

static void
test_mapping(void)
{
	struct es_yentry e[4];
	struct es_ydoc doc = { .e = e, .n = 4 };
	struct es_render_var vars[] = { { "DATABASE_URL", "vault_db" },
		{ "MODE", "mode" } };
	struct es_render_var statics[] = { { "PORT", "8080" } };
	struct es_render_spec s = { "v.yml", 1, vars, 2, statics, 1, NULL, 0,
		0 };
	struct es_env env;
	const char *want;

	doc_set(&e[0], "vault_db", ES_Y_SCALAR, "postgres://u:p@h/d");
	doc_set(&e[1], "mode", ES_Y_SCALAR, "0777");
	doc_set(&e[2], "flag", ES_Y_SCALAR, "yes");
	doc_set(&e[3], "nothing", ES_Y_NULL, NULL);
	T_CHECK("explicit ok", es_render_doc(&s, &doc, &env) == 0);
	want = "# Managed by envseal from v.yml; do not edit.\n"
	    "DATABASE_URL=postgres://u:p@h/d\nMODE=0777\nPORT=8080\n";
	T_CHECK("explicit bytes", env.out.len == strlen(want) &&
	    !memcmp(env.out.p, want, env.out.len));
	T_CHECK("explicit names", env.nnames == 3 &&
	    !strcmp(env.names[0], "DATABASE_URL") &&
	    !strcmp(env.names[2], "PORT"));
	es_env_free(&env);

	vars[1].value = "absent";
	es_errclear();
	T_CHECK("missing named", es_render_doc(&s, &doc, &env) == ES_EMISSING &&
	    strstr(es_errdetail(), "MODE") && strstr(es_errdetail(), "absent"));
	vars[1].value = "nothing";
	T_CHECK("null named", es_render_doc(&s, &doc, &env) == ES_EMISSING &&
	    strstr(es_errdetail(), "nothing"));
	vars[1].value = "mode";
	statics[0].name = "MODE";
	T_CHECK("twice refused", es_render_doc(&s, &doc, &env) == ES_ENAME &&
	    strstr(es_errdetail(), "MODE"));
	statics[0].name = "PORT";

	/* Default: every key, vault_ dropped, upper-cased; null fails. */
	s.explicit_vars = 0;
	doc.n = 3;
	T_CHECK("default ok", es_render_doc(&s, &doc, &env) == 0);
	want = "# Managed by envseal from v.yml; do not edit.\n"
	    "DB=postgres://u:p@h/d\nMODE=0777\nFLAG=yes\nPORT=8080\n";
	T_CHECK("default bytes (not re-typed)", env.out.len == strlen(want) &&
	    !memcmp(env.out.p, want, env.out.len));
	es_env_free(&env);
	doc.n = 4;
	T_CHECK("default null fails", es_render_doc(&s, &doc, &env) ==
	    ES_EMISSING && strstr(es_errdetail(), "nothing"));
	doc_reset(&e[3], "db", ES_Y_SCALAR, "x");
	T_CHECK("default collision", es_render_doc(&s, &doc, &env) ==
	    ES_ENAME && strstr(es_errdetail(), "DB"));
	doc_reset(&e[3], "bad-key", ES_Y_SCALAR, "x");
	T_CHECK("default bad key", es_render_doc(&s, &doc, &env) == ES_ENAME &&
	    strstr(es_errdetail(), "bad-key"));
	doc_reset(&e[3], "nest", ES_Y_MAPPING, NULL);
	T_CHECK("default nested fails", es_render_doc(&s, &doc, &env) ==
	    ES_EMISSING && strstr(es_errdetail(), "mapping"));
	doc_free(&doc);
}

static int
parsed_is(const char *text, const char *name, const char *value)
{
	struct es_env_parsed p;
	size_t i;
	int ok = 0;

	if (es_env_parse((const unsigned char *)text, strlen(text), &p) != 0)
		return 0;
	for (i = 0; i < p.n; i++)
		if (!strcmp(p.names[i], name))
			ok = p.len[i] == strlen(value) &&
			    !memcmp(p.val.p + p.off[i], value, p.len[i]);
	es_env_parsed_free(&p);
	return ok;
}

static void
test_parser(void)
{
	/* The rows of systemd.md 1.6 "opposite direction". */
	T_CHECK("parse trailing comment", parsed_is("A=val # not a comment\n",
	    "A", "val # not a comment"));
	T_CHECK("parse bare escapes", parsed_is("A=a\\ b\\\\c\\$d\\\"e\\n\n",
	    "A", "a b\\c$d\"en"));
	T_CHECK("parse dq escapes", parsed_is("A=\"1\\\"2\\\\3\\`4\\$5\\n6\"\n",
	    "A", "1\"2\\3`4$5\\n6"));
	T_CHECK("parse sq", parsed_is("A='a\\b\\'\n", "A", "a\\b\\"));
	T_CHECK("parse blanks", parsed_is("  A  =   v  w   \n", "A", "v  w"));
	T_CHECK("parse concat", parsed_is("A=\"a\"'b'c\"d\"\n", "A", "abc\"d\""));
	T_CHECK("parse last wins", parsed_is("A=1\nA=2\n", "A", "2"));
	T_CHECK("parse comment eats line", !parsed_is("# x \\\nA=1\n", "A",
	    "1"));
	T_CHECK("parse bad name dropped", !parsed_is("9A=1\n", "9A", "1"));
	T_CHECK("parse unterminated", parsed_is("A=\"abc", "A", "abc"));
	T_CHECK("parse CR line end", parsed_is("A=1\rB=2", "B", "2"));
}

static void
test_diff(void)
{
	const char *o = "# h\nA=1\nB=2\nC=3\n";
	const char *n = "# h\nA=1\nB=\"two\"\nD=4\n";
	struct es_env_diff d;

	T_CHECK("diff ok", es_env_diff((const unsigned char *)o, strlen(o),
	    (const unsigned char *)n, strlen(n), &d) == 0);
	T_CHECK("diff added", d.nadded == 1 && !strcmp(d.added[0], "D"));
	T_CHECK("diff removed", d.nremoved == 1 && !strcmp(d.removed[0], "C"));
	T_CHECK("diff changed", d.nchanged == 1 && !strcmp(d.changed[0], "B"));
	es_env_diff_free(&d);
	T_CHECK("diff no old", es_env_diff(NULL, 0, (const unsigned char *)n,
	    strlen(n), &d) == 0 && d.nadded == 3 && d.nremoved == 0);
	es_env_diff_free(&d);
	T_CHECK("diff unreadable old", es_env_diff((const unsigned char *)
	    "A=\xff\n", 4, (const unsigned char *)n, strlen(n), &d) == 0 &&
	    d.nadded == 3);
	es_env_diff_free(&d);
}

/* Whatever we encode, our parser (checked against systemd's by
 * test_render_sdenv) reads back. */
static void
test_roundtrip_random(void)
{
	unsigned char v[200];
	struct es_env env;
	struct es_env_parsed p;
	size_t n, k, bad = 0;
	int i;

	for (i = 0; i < 2000; i++) {
		n = randombytes_uniform(sizeof v);
		for (k = 0; k < n; k++)
			v[k] = (unsigned char)(1 + randombytes_uniform(127));
		es_env_begin(&env, "r");
		if (es_env_put(&env, "K", v, n) != 0 ||
		    es_env_parse(env.out.p, env.out.len, &p) != 0) {
			bad++;
			es_env_free(&env);
			continue;
		}
		if (p.n != 1 || p.len[0] != n ||
		    (n && memcmp(p.val.p + p.off[0], v, n)))
			bad++;
		es_env_parsed_free(&p);
		es_env_free(&env);
	}
	T_CHECK("random ASCII round-trips through our parser", bad == 0);
}

/* The byte-at-a-time rule es_env_utf8_valid had before its eight-byte
 * ASCII test: systemd's unichar_is_valid on each strictly decoded
 * sequence, no NUL. */
static int
utf8_ref(const unsigned char *s, size_t n)
{
	size_t i = 0, len, k;
	uint32_t c, min;

	while (i < n) {
		if (s[i] == 0)
			return 0;
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		len = (s[i] & 0xE0) == 0xC0 ? 2 : (s[i] & 0xF0) == 0xE0 ? 3 :
		    (s[i] & 0xF8) == 0xF0 ? 4 : 0;
		if (len == 0 || len > n - i)
			return 0;
		c = s[i] & (0x7F >> len);
		for (k = 1; k < len; k++) {
			if ((s[i + k] & 0xC0) != 0x80)
				return 0;
			c = c << 6 | (s[i + k] & 0x3F);
		}
		min = len == 2 ? 0x80 : len == 3 ? 0x800 : 0x10000;
		if (c < min || c >= 0x110000 || (c & 0xFFFFF800) == 0xD800 ||
		    (c >= 0xFDD0 && c <= 0xFDEF) || (c & 0xFFFE) == 0xFFFE)
			return 0;
		i += len;
	}
	return 1;
}

/* ASCII runs with one odd byte (NUL, 0x7F, 0x80, a lead, a whole
 * sequence, a truncated one) at every offset of every length up to 40:
 * where the eight-byte test stops and starts again. */
static void
test_utf8_words(void)
{
	static const char *const odd[] = { "\x00", "\x7f", "\x80", "\xc3",
		"\xc3\xa9", "\xe2\x9c\x93", "\xf0\x9f\x98\x80", "\xed\xa0\x80",
		"\xef\xbf\xbe", "\xc0\x80", "\xff", "\x01" };
	unsigned char b[64];
	size_t n, at, k, olen, cases = 0, bad = 0;

	for (n = 0; n <= 40; n++)
		for (at = 0; at <= n; at++)
			for (k = 0; k < sizeof odd / sizeof odd[0]; k++) {
				olen = k == 0 ? 1 : strlen(odd[k]);
				memset(b, 'a' + (int)(n % 26), sizeof b);
				memcpy(b + at, odd[k], olen);
				cases++;
				if (es_env_utf8_valid(b, n + olen) !=
				    utf8_ref(b, n + olen))
					bad++;
			}
	for (k = 0; k < 20000; k++) {
		n = randombytes_uniform(sizeof b);
		randombytes_buf(b, n);
		for (at = 0; at < n; at++)   /* mostly ASCII, some not */
			if (randombytes_uniform(8) != 0)
				b[at] &= 0x7F;
		cases++;
		if (es_env_utf8_valid(b, n) != utf8_ref(b, n))
			bad++;
	}
	T_CHECK("utf8: the eight-byte test agrees with the byte rule", bad == 0 &&
	    cases > 20000);
}

int
main(void)
{
	if (sodium_init() < 0)
		return 1;
	test_grammar();
	test_refusals();
	test_header();
	test_file_limit();
	test_mapping();
	test_parser();
	test_diff();
	test_roundtrip_random();
	test_utf8_words();
	return t_done();
}
