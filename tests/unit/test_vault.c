/* tests/unit/test_vault.c — the envelope, the YAML document model and the
 * inline rewrites, against the vectors of tests/vectors (ansible-core
 * 2.14's own output). */
#include "vault/vault.h"
#include "tests/unit/t.h"

#include <errno.h>
#include <string.h>
#include <sodium.h>
#include <yaml.h>

static char vdir[4096];

static unsigned char *
slurp(const char *name, size_t *len)
{
	char path[8192];
	unsigned char *buf;
	FILE *f;
	long n;

	snprintf(path, sizeof path, "%s/%s", vdir, name);
	if ((f = fopen(path, "rb")) == NULL) {
		printf("# cannot open %s\n", path);
		return NULL;
	}
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	*len = fread(buf, 1, (size_t)n, f);
	fclose(f);
	return buf;
}

/* A password file as ansible reads it: surrounding whitespace stripped. */
static void
add_pw(struct es_secrets *s, const char *label, const char *file)
{
	size_t n, b = 0;
	unsigned char *p = slurp(file, &n);

	while (n > b && strchr(" \t\r\n\v\f", p[n - 1]))
		n--;
	while (b < n && strchr(" \t\r\n\v\f", p[b]))
		b++;
	es_secrets_add(s, label, p + b, n - b);
	free(p);
}

static int
same_as_file(const struct es_sbuf *b, const char *file)
{
	size_t n;
	unsigned char *p = slurp(file, &n);
	int eq = p && n == b->len && (n == 0 || memcmp(p, b->p, n) == 0);

	free(p);
	return eq;
}

static void
test_whole_file(struct es_secrets *all)
{
	static const struct { const char *v, *plain; } vec[] = {
		{ "a_v11_mapping.vault.yml", "a_plain.yml" },
		{ "b_v12_prod.vault.yml", "b_plain.yml" },
		{ "d_empty.vault", "d_plain_empty.txt" },
		{ "e1_pwfile_newline.vault", "e_plain.yml" },
		{ "e2_pwfile_nonewline.vault", "e_plain.yml" },
		{ "f_special_wholefile.vault", "f_raw_value.bin" },
		{ "g1_fixed_salt_v11.vault", "a_plain.yml" },
		{ "g2_fixed_salt_v12_prod.vault", "b_plain.yml" },
		{ "g3_fixed_salt_empty.vault", "d_plain_empty.txt" },
		{ "g4_fixed_salt_16byte_plain.vault", "g4_plain_16.txt" },
	};
	struct es_sbuf pt = { 0 };
	char name[256];
	size_t i, n;
	int used;

	for (i = 0; i < sizeof vec / sizeof vec[0]; i++) {
		unsigned char *in = slurp(vec[i].v, &n);

		snprintf(name, sizeof name, "decrypt %s", vec[i].v);
		T_CHECK(name, in && es_vault_open(in, n, all, &pt, &used) == 0 &&
		    same_as_file(&pt, vec[i].plain) && used >= 0);
		es_sbuf_free(&pt);
		snprintf(name, sizeof name, "view %s", vec[i].v);
		T_CHECK(name, in && es_vault_decrypt_view(in, n, all, &pt,
		    &used) == 0 && same_as_file(&pt, vec[i].plain));
		es_sbuf_free(&pt);
		free(in);
	}
}

/* Encrypting with the fixed salts reproduces ansible's bytes. */
static void
test_fixed_salt(void)
{
	static const struct {
		const char *v, *plain, *pw, *label;
		int salt;
	} vec[] = {
		{ "g1_fixed_salt_v11.vault", "a_plain.yml", "correct horse",
		    NULL, 0 },
		{ "g2_fixed_salt_v12_prod.vault", "b_plain.yml",
		    "prod-Pa55w0rd!", "prod", 1 },
		{ "g3_fixed_salt_empty.vault", "d_plain_empty.txt",
		    "correct horse", "default", 0 },
		{ "g4_fixed_salt_16byte_plain.vault", "g4_plain_16.txt",
		    "correct horse", NULL, 0 },
	};
	unsigned char salt[32];
	struct es_secrets s = { .n = 0 };
	struct es_sbuf out = { 0 };
	char name[256];
	size_t i, j, n;

	for (i = 0; i < sizeof vec / sizeof vec[0]; i++) {
		unsigned char *pt = slurp(vec[i].plain, &n);

		/* g2's salt is ff ee dd .. 00 twice; the others 00 .. 1f. */
		for (j = 0; j < 32; j++)
			salt[j] = vec[i].salt ? (unsigned char)(0xff -
			    (j % 16) * 0x11) : (unsigned char)j;
		es_salt_fixed(salt, 32);
		es_secrets_add(&s, vec[i].label, (const unsigned char *)
		    vec[i].pw, strlen(vec[i].pw));
		snprintf(name, sizeof name, "encrypt byte-exact %s", vec[i].v);
		T_CHECK(name, es_vault_seal(pt, n, &s.v[0], vec[i].label,
		    &out) == 0 && same_as_file(&out, vec[i].v));
		es_sbuf_free(&out);
		es_secrets_free(&s);
		free(pt);
	}
	es_salt_seed();
}

static const struct es_yentry *
find(const struct es_ydoc *d, const char *k)
{
	size_t i;

	for (i = 0; i < d->n; i++)
		if (!strcmp(d->e[i].key, k))
			return &d->e[i];
	return NULL;
}

static int
val_is(const struct es_yentry *e, const char *v)
{
	return e && e->kind == ES_Y_SCALAR && e->vlen == strlen(v) &&
	    memcmp(e->val, v, e->vlen) == 0;
}

static void
test_load_doc(struct es_secrets *all)
{
	struct es_ydoc *d = NULL;
	const struct es_yentry *e;
	unsigned char *in, *raw;
	size_t n, rn;
	int used;

	in = slurp("a_v11_mapping.vault.yml", &n);
	T_CHECK("doc a loads", es_vault_load_doc(in, n, all, &d, &used) == 0);
	T_CHECK("doc a keys", d && d->n == 3 && val_is(find(d, "db_pass"),
	    "s3cr3t") && val_is(find(d, "port"), "5432") &&
	    find(d, "port")->line == 3 && find(d, "port")->style == ES_YS_PLAIN);
	es_ydoc_free(d);
	free(in);

	in = slurp("c_mixed_inline.yml", &n);
	T_CHECK("doc c loads", es_vault_load_doc(in, n, all, &d, &used) == 0);
	T_CHECK("doc c inline value", d && val_is(find(d, "db_password"),
	    "Tr0ub4dor&3") && find(d, "db_password")->vaulted &&
	    val_is(find(d, "app_name"), "renderer") &&
	    find(d, "nested")->kind == ES_Y_MAPPING && used >= 0);
	es_ydoc_free(d);
	free(in);

	in = slurp("h_inline_v12_prod_numeric.yml", &n);
	T_CHECK("doc h: 42 stays a string", es_vault_load_doc(in, n, all, &d,
	    &used) == 0 && val_is(find(d, "port_secret"), "42") &&
	    !strcmp(all->v[used].label, "prod"));
	es_ydoc_free(d);
	free(in);

	in = slurp("f_special_inline.yml", &n);
	raw = slurp("f_raw_value.bin", &rn);
	T_CHECK("doc f special value", es_vault_load_doc(in, n, all, &d,
	    &used) == 0 && (e = find(d, "special_value")) && e->vlen == rn &&
	    memcmp(e->val, raw, rn) == 0);
	es_ydoc_free(d);
	free(in);
	free(raw);
}

static int
doc_err(const char *y, int want, const char *needle)
{
	struct es_secrets none = { .n = 0 };
	struct es_ydoc *d = NULL;
	int used, r;

	r = es_vault_load_doc((const unsigned char *)y, strlen(y), &none, &d,
	    &used);
	es_ydoc_free(d);
	if (r != want || (needle && !strstr(es_errdetail(), needle)))
		printf("# got %d '%s'\n", r, es_errdetail());
	return r == want && (!needle || strstr(es_errdetail(), needle));
}

static void
test_doc_errors(void)
{
	struct es_secrets none = { .n = 0 };
	struct es_ydoc *d = NULL;
	int used;
	char big[4096];
	size_t i;

	T_CHECK("empty doc: zero keys", es_vault_load_doc((const unsigned char *)
	    "", 0, &none, &d, &used) == 0 && d->n == 0);
	es_ydoc_free(d);
	T_CHECK("comment-only doc: zero keys", es_vault_load_doc(
	    (const unsigned char *)"# x\n", 4, &none, &d, &used) == 0 &&
	    d->n == 0);
	es_ydoc_free(d);
	T_CHECK("null kinds", es_vault_load_doc((const unsigned char *)
	    "a:\nb: ~\nc: null\nd: 'null'\ne: [1]\n", 32, &none, &d,
	    &used) == 0 && d->n == 5 && d->e[0].kind == ES_Y_NULL &&
	    d->e[1].kind == ES_Y_NULL && d->e[2].kind == ES_Y_NULL &&
	    d->e[3].kind == ES_Y_SCALAR && d->e[4].kind == ES_Y_SEQUENCE &&
	    d->e[3].style == ES_YS_SINGLE);
	es_ydoc_free(d);
	T_CHECK("alias resolves", es_vault_load_doc((const unsigned char *)
	    "a: &x hello\nb: *x\n", 18, &none, &d, &used) == 0 &&
	    val_is(find(d, "b"), "hello"));
	es_ydoc_free(d);
	T_CHECK("duplicate key", doc_err("a: 1\nb: 2\na: 3\n", ES_EYAML,
	    "line 3: duplicate key a (first at line 1)"));
	T_CHECK("top-level list", doc_err("- a\n- b\n", ES_EYAML,
	    "not a mapping"));
	T_CHECK("top-level scalar", doc_err("hello\n", ES_EYAML,
	    "not a mapping"));
	T_CHECK("two documents", doc_err("a: 1\n---\nb: 2\n", ES_EYAML,
	    "line 2: more than one YAML document"));
	T_CHECK("merge key", doc_err("<<: {a: 1}\n", ES_EYAML, "merge"));
	T_CHECK("bad yaml has line", doc_err("a: 1\nb: [\n", ES_EYAML,
	    "line "));
	T_CHECK("undefined alias", doc_err("a: *nope\n", ES_EYAML, NULL));
	memcpy(big, "a: ", 3);
	for (i = 3; i < 100; i++)
		big[i] = '[';
	big[100] = 0;
	T_CHECK("nesting bound", doc_err(big, ES_EYAML, "nested deeper"));
	big[0] = 0;
	for (i = 0; i < 300; i++)
		snprintf(big + strlen(big), sizeof big - strlen(big),
		    "k%zu: &a%zu x\n", i, i);
	T_CHECK("anchor bound", doc_err(big, ES_EYAML, "anchors and aliases"));
	T_CHECK("wrong key inline", doc_err("a: !vault |\n  $ANSIBLE_VAULT;"
	    "1.1;AES256\n  6162\n", ES_EFORMAT, "line 1: key a:"));
}

/* The inline rewrite: each !vault scalar replaced, nothing else moved;
 * the result must read back (libyaml) as the plaintext. */
static void
test_inline_view(struct es_secrets *all)
{
	struct es_sbuf out = { 0 };
	struct es_ydoc *d = NULL;
	unsigned char *in, *raw;
	size_t n, rn;
	int used;
	const char *want = "app_name: renderer\ndb_password: \"Tr0ub4dor&3\"\n"
	    "log_level: info\nnested:\n  inner_plain: \"x\"\n";

	in = slurp("c_mixed_inline.yml", &n);
	T_CHECK("inline view c", es_vault_decrypt_view(in, n, all, &out,
	    &used) == 0 && out.len == strlen(want) &&
	    memcmp(out.p, want, out.len) == 0);
	es_sbuf_free(&out);
	free(in);

	in = slurp("f_special_inline.yml", &n);
	raw = slurp("f_raw_value.bin", &rn);
	T_CHECK("inline view f", es_vault_decrypt_view(in, n, all, &out,
	    &used) == 0);
	T_CHECK("inline view f reads back", es_vault_load_doc(out.p, out.len,
	    all, &d, &used) == 0 && find(d, "special_value") &&
	    find(d, "special_value")->vlen == rn &&
	    !memcmp(find(d, "special_value")->val, raw, rn) &&
	    !find(d, "special_value")->vaulted);
	es_ydoc_free(d);
	es_sbuf_free(&out);
	free(in);
	free(raw);
}

static void
app(struct es_sbuf *b, const char *s)
{
	es_sbuf_append(b, s, strlen(s));
}

/* Byte offsets survive CRLF and multi-byte UTF-8 before the value; values
 * in a list and in a flow mapping, with an anchor and an alias. */
static void
test_inline_shapes(struct es_secrets *all)
{
	struct es_sbuf in = { 0 }, out = { 0 };
	unsigned char *c;
	size_t n, i, l;
	int used;
	const char *want1 = "caf\xc3\xa9: \"\xe2\x9c\x93\"\r\napp_name: renderer\r\n"
	    "db_password: \"Tr0ub4dor&3\"\r\nlog_level: info\r\n";
	const char *want2 = "list:\n  - \"Tr0ub4dor&3\"\n  - plain\n"
	    "flow: {a: &an \"Tr0ub4dor&3\", b: *an}\n";

	c = slurp("c_mixed_inline.yml", &n);
	app(&in, "caf\xc3\xa9: \"\xe2\x9c\x93\"\r\n");
	for (i = 0; i < n; i++) {
		if (c[i] == '\n')
			es_sbuf_putc(&in, '\r');
		es_sbuf_putc(&in, c[i]);
	}
	T_CHECK("inline view: CRLF and UTF-8 before the value",
	    es_vault_decrypt_view(in.p, in.len, all, &out, &used) == 0 &&
	    out.len > strlen(want1) && !memcmp(out.p, want1, strlen(want1)));
	es_sbuf_free(&in);
	es_sbuf_free(&out);
	/* The envelope's 6 lines (3..8 of c) as a list item and as a
	 * double-quoted flow value. */
	app(&in, "list:\n  - !vault |\n");
	for (i = 0, l = 1; i < n; i++) {
		if (l >= 3 && l <= 8 && (i == 0 || c[i - 1] == '\n'))
			i += 6;   /* 10 spaces -> 4 */
		if (l >= 3 && l <= 8)
			es_sbuf_putc(&in, c[i]);
		if (c[i] == '\n')
			l++;
	}
	app(&in, "  - plain\nflow: {a: &an !vault-encrypted \"");
	for (i = 0, l = 1; i < n; i++) {
		if (c[i] == '\n' && l >= 3 && l <= 8)
			app(&in, "\\n");
		else if (l >= 3 && l <= 8 && c[i] != ' ')
			es_sbuf_putc(&in, c[i]);
		if (c[i] == '\n')
			l++;
	}
	app(&in, "\", b: *an}\n");
	T_CHECK("inline view: list item, flow value, anchor, alias",
	    es_vault_decrypt_view(in.p, in.len, all, &out, &used) == 0 &&
	    out.len == strlen(want2) && !memcmp(out.p, want2, out.len));
	if (out.len != strlen(want2))
		printf("# %.*s\n", (int)out.len, (char *)out.p);
	es_sbuf_free(&in);
	es_sbuf_free(&out);
	/* A document that is only a list of values: fine for the rewrite,
	 * not a mapping for the model. */
	app(&in, "- !vault |\n");
	for (i = 0, l = 1; i < n; i++) {
		if (l >= 3 && l <= 8 && (i == 0 || c[i - 1] == '\n'))
			i += 8;   /* 10 spaces -> 2 */
		if (l >= 3 && l <= 8)
			es_sbuf_putc(&in, c[i]);
		if (c[i] == '\n')
			l++;
	}
	T_CHECK("inline view: top-level list", es_vault_decrypt_view(in.p,
	    in.len, all, &out, &used) == 0 && out.len == 16 &&
	    !memcmp(out.p, "- \"Tr0ub4dor&3\"\n", 16));
	es_sbuf_putc(&in, '\0');
	T_CHECK("model: top-level list refused", doc_err((const char *)in.p,
	    ES_EYAML, "not a mapping"));
	es_sbuf_free(&in);
	es_sbuf_free(&out);
	free(c);
}

static void
test_rekey(struct es_secrets *all)
{
	const char *pre = "service: api\nport_secret: !vault |\n          "
	    "$ANSIBLE_VAULT;1.2;AES256;prod\n";
	struct es_secrets nw = { .n = 0 };
	struct es_sbuf out = { 0 }, pt = { 0 };
	struct es_ydoc *d = NULL;
	unsigned char *in;
	size_t n;
	int used;

	es_secrets_add(&nw, "new", (const unsigned char *)"n3w", 3);
	in = slurp("b_v12_prod.vault.yml", &n);
	T_CHECK("rekey whole file", es_vault_rekey(in, n, all, &nw.v[0], NULL,
	    &out, &used) == 0 && !memcmp(out.p, "$ANSIBLE_VAULT;1.2;AES256;prod\n",
	    31));
	T_CHECK("rekeyed opens with new", es_vault_open(out.p, out.len, &nw,
	    &pt, &used) == 0 && same_as_file(&pt, "b_plain.yml"));
	es_sbuf_free(&pt);
	T_CHECK("rekeyed does not open with old", es_vault_open(out.p, out.len,
	    all, &pt, &used) == ES_EKEY);
	es_sbuf_free(&out);
	T_CHECK("rekey new label", es_vault_rekey(in, n, all, &nw.v[0], "new",
	    &out, &used) == 0 && !memcmp(out.p, "$ANSIBLE_VAULT;1.2;AES256;new\n",
	    30));
	es_sbuf_free(&out);
	T_CHECK("rekey default label -> 1.1", es_vault_rekey(in, n, all,
	    &nw.v[0], "default", &out, &used) == 0 &&
	    !memcmp(out.p, "$ANSIBLE_VAULT;1.1;AES256\n", 26));
	es_sbuf_free(&out);
	T_CHECK("rekey bad label", es_vault_rekey(in, n, all, &nw.v[0], "a;b",
	    &out, &used) == ES_EUSAGE);
	es_sbuf_free(&out);
	free(in);

	in = slurp("h_inline_v12_prod_numeric.yml", &n);
	T_CHECK("rekey inline", es_vault_rekey(in, n, all, &nw.v[0], NULL, &out,
	    &used) == 0);
	T_CHECK("rekey inline keeps other lines", out.len > strlen(pre) &&
	    !memcmp(out.p, pre, strlen(pre)) &&
	    out.p[out.len - 1] == '\n' && out.p[out.len - 2] != '\n');
	T_CHECK("rekeyed inline opens with new", es_vault_load_doc(out.p,
	    out.len, &nw, &d, &used) == 0 && val_is(find(d, "port_secret"),
	    "42"));
	es_ydoc_free(d);
	T_CHECK("rekeyed inline refuses old", es_vault_load_doc(out.p, out.len,
	    all, &d, &used) == ES_EKEY);
	es_sbuf_free(&out);
	free(in);
	es_secrets_free(&nw);
}

/* The vault's body digits re-wrapped at width, uppercase when upper;
 * when cr_at > 0 the first line holds a lone CR after cr_at digits and
 * one digit less, so it is still 80 bytes before its LF. */
static void
rewrap(const unsigned char *in, size_t n, size_t width, int upper,
    size_t cr_at, struct es_sbuf *x)
{
	size_t i, col = 0, lim = cr_at ? width - 1 : width;

	es_sbuf_append(x, in, 26);  /* "$ANSIBLE_VAULT;1.1;AES256\n" */
	for (i = 26; i < n; i++) {
		if (in[i] == '\n')
			continue;
		if (cr_at && col == cr_at && lim == width - 1)
			es_sbuf_putc(x, '\r');
		es_sbuf_putc(x, (unsigned char)(upper && in[i] >= 'a' &&
		    in[i] <= 'f' ? in[i] - 32 : in[i]));
		if (++col == lim) {
			es_sbuf_putc(x, '\n');
			col = 0;
			lim = width;
		}
	}
}

/* Widths around the writer's 80 columns, where the reader's fast path
 * for whole 80-digit lines hands anything unusual to the general one. */
static void
test_envelope_widths(struct es_secrets *all)
{
	static const struct { size_t width; int upper; size_t cr_at; } c[] = {
		{ 80, 0, 0 }, { 80, 1, 0 }, { 79, 0, 0 }, { 81, 1, 0 },
		{ 160, 0, 0 }, { 80, 0, 37 }, { 80, 1, 1 }, { 80, 0, 78 },
	};
	struct es_sbuf pt = { 0 }, x = { 0 };
	unsigned char *in;
	char name[96];
	size_t n, i;
	int used;

	in = slurp("a_v11_mapping.vault.yml", &n);
	for (i = 0; in != NULL && i < sizeof c / sizeof c[0]; i++) {
		rewrap(in, n, c[i].width, c[i].upper, c[i].cr_at, &x);
		snprintf(name, sizeof name, "width %zu%s%s", c[i].width,
		    c[i].upper ? ", uppercase" : "", c[i].cr_at ?
		    ", a CR inside an 80-byte line" : "");
		T_CHECK(name, es_vault_open(x.p, x.len, all, &pt, &used) == 0 &&
		    same_as_file(&pt, "a_plain.yml"));
		es_sbuf_free(&pt);
		/* The same with one digit of the second line made bad. */
		x.p[26 + c[i].width + 5] = 'x';
		snprintf(name, sizeof name, "width %zu: bad digit refused",
		    c[i].width);
		T_CHECK(name, es_vault_open(x.p, x.len, all, &pt, &used) ==
		    ES_EFORMAT);
		es_sbuf_free(&pt);
		es_sbuf_free(&x);
	}
	T_CHECK("widths: vector read", in != NULL);
	free(in);
}

/* body digits of in (after its header line) re-wrapped every width
 * digits with brk after each line; appended to x after the header. */
static void
rewrap_brk(const struct es_sbuf *in, size_t width, const char *brk,
    struct es_sbuf *x)
{
	size_t i = 0, col = 0;

	while (i < in->len && in->p[i] != '\n')
		i++;
	es_sbuf_append(x, in->p, ++i);
	for (; i < in->len; i++) {
		if (in->p[i] == '\n')
			continue;
		es_sbuf_putc(x, in->p[i]);
		if (++col == width) {
			es_sbuf_append(x, brk, strlen(brk));
			col = 0;
		}
	}
}

/* An envelope around inner (hex-encoded once more), plus tail digits
 * after it; 1 when es_vault_open gives want with needle in the detail. */
static int
inner_err(const char *inner, const char *tail, int want, const char *needle)
{
	struct es_secrets none = { .n = 0 };
	struct es_sbuf x = { 0 }, pt = { 0 };
	char h[3];
	size_t i;
	int used, r;

	es_sbuf_append(&x, "$ANSIBLE_VAULT;1.1;AES256\n", 26);
	for (i = 0; inner[i]; i++) {
		snprintf(h, sizeof h, "%02x", (unsigned char)inner[i]);
		es_sbuf_append(&x, h, 2);
		if (i % 40 == 39)
			es_sbuf_putc(&x, '\n');
	}
	es_sbuf_append(&x, tail, strlen(tail));
	r = es_vault_open(x.p, x.len, &none, &pt, &used);
	if (r != want || !strstr(es_errdetail(), needle))
		printf("# got %d '%s'\n", r, es_errdetail());
	r = r == want && strstr(es_errdetail(), needle) != NULL;
	es_sbuf_free(&pt);
	es_sbuf_free(&x);
	return r;
}

/* The envelope read in one pass (outer digits -> inner reader): a vault
 * larger than the reader's window at widths that split digit pairs and
 * inner digit pairs across lines, one line, CRLF and lone CR; each error
 * of the inner layer with its message, and an outer error anywhere
 * before any inner one (written after the change; the same on the
 * two-pass reader before it). */
static void
test_envelope_stream(struct es_secrets *all)
{
	static const size_t width[] = { 1, 3, 79, 81, 4095, 1 << 20 };
	static const char *const brk[] = { "\n", "\r\n", "\r" };
	static unsigned char plain[20000];
	struct es_sbuf v = { 0 }, x = { 0 }, pt = { 0 };
	static char salt[2 * ES_AV_SALT_MAX + 3], in[sizeof salt + 128];
	char mac[65];
	size_t i, k, bad = 0;
	int used;

	for (i = 0; i < sizeof plain; i++)
		plain[i] = (unsigned char)('a' + i % 26);
	T_CHECK("stream: seal", es_vault_seal(plain, sizeof plain, &all->v[1],
	    NULL, &v) == 0);
	for (i = 0; i < sizeof width / sizeof width[0]; i++)
		for (k = 0; k < sizeof brk / sizeof brk[0]; k++) {
			rewrap_brk(&v, width[i], brk[k], &x);
			if (es_vault_open(x.p, x.len, all, &pt, &used) != 0 ||
			    pt.len != sizeof plain ||
			    memcmp(pt.p, plain, sizeof plain) != 0)
				bad++;
			es_sbuf_free(&pt);
			es_sbuf_free(&x);
		}
	T_CHECK("stream: every width and line break opens", bad == 0);
	es_sbuf_free(&v);
	memset(mac, 'b', 64);
	mac[64] = '\0';
	memset(salt, 'a', sizeof salt - 1);
	salt[sizeof salt - 1] = '\0';
	T_CHECK("stream: two fields", inner_err("aa\nbb", "", ES_EFORMAT,
	    "lacks its 3 fields"));
	snprintf(in, sizeof in, "%s\n%s\nabc", "aa", mac);
	T_CHECK("stream: odd ciphertext", inner_err(in, "", ES_EFORMAT,
	    "odd-length hex"));
	snprintf(in, sizeof in, "%s\n%s\nab\nc", "aa", mac);
	T_CHECK("stream: LF in the ciphertext", inner_err(in, "", ES_EFORMAT,
	    "non-hexadecimal digit"));
	snprintf(in, sizeof in, "%s\n%s\n00", salt, mac);
	T_CHECK("stream: salt too long", inner_err(in, "", ES_EFORMAT,
	    "salt longer than"));
	snprintf(in, sizeof in, "%s\n%.62s\n00", "aa", mac);
	T_CHECK("stream: short HMAC", inner_err(in, "", ES_EFORMAT,
	    "HMAC is not 32 bytes"));
	snprintf(in, sizeof in, "%s\n%s\n00", "aaa", mac);
	T_CHECK("stream: odd salt", inner_err(in, "", ES_EFORMAT,
	    "odd-length hex"));
	snprintf(in, sizeof in, "%s\n%s\n0g", "aa", mac);
	T_CHECK("stream: bad ciphertext digit", inner_err(in, "", ES_EFORMAT,
	    "non-hexadecimal digit"));
	snprintf(in, sizeof in, "%s\n%s\n00", "aa", mac);
	T_CHECK("stream: not whole blocks", inner_err(in, "", ES_EFORMAT,
	    "not whole AES blocks"));
	T_CHECK("stream: outer bad digit last, before missing fields",
	    inner_err("aa\nbb", "\n0z\n", ES_EFORMAT, "non-hexadecimal"));
	T_CHECK("stream: outer odd last, before missing fields",
	    inner_err("aa\nbb", "a", ES_EFORMAT, "odd-length hex"));
	snprintf(in, sizeof in, "%s\n%s\n00", salt, mac);
	T_CHECK("stream: outer bad digit last, before a long salt",
	    inner_err(in, "x0", ES_EFORMAT, "non-hexadecimal"));
}

static void
test_envelope_edges(struct es_secrets *all)
{
	struct es_sbuf pt = { 0 }, x = { 0 };
	unsigned char *in;
	size_t n, i, j;
	int used, r, bad = 0;

	in = slurp("a_v11_mapping.vault.yml", &n);
	/* CRLF, uppercase, one long line, no final newline, spaces. */
	es_sbuf_append(&x, "$ANSIBLE_VAULT ; 1.1 ; AES256 ;  default \r\n", 43);
	for (i = 26; i < n; i++)
		if (in[i] != '\n')
			es_sbuf_putc(&x, (unsigned char)(in[i] >= 'a' &&
			    in[i] <= 'f' ? in[i] - 32 : in[i]));
	T_CHECK("tolerant reader", es_vault_open(x.p, x.len, all, &pt,
	    &used) == 0 && same_as_file(&pt, "a_plain.yml"));
	es_sbuf_free(&pt);
	es_sbuf_append(&x, "\r\n\r\n\n", 5);
	T_CHECK("trailing blank lines", es_vault_open(x.p, x.len, all, &pt,
	    &used) == 0);
	es_sbuf_free(&pt);
	es_sbuf_free(&x);
	es_sbuf_append(&x, "\xef\xbb\xbf", 3);
	es_sbuf_append(&x, in, n);
	T_CHECK("BOM: not a vault", es_vault_open(x.p, x.len, all, &pt,
	    &used) == ES_ENOTVAULT);
	es_sbuf_free(&x);
	es_sbuf_append(&x, " ", 1);
	es_sbuf_append(&x, in, n);
	T_CHECK("leading space: not a vault", es_vault_open(x.p, x.len, all,
	    &pt, &used) == ES_ENOTVAULT);
	es_sbuf_free(&x);
	es_sbuf_append(&x, in, n);
	x.p[40] = 'g';
	T_CHECK("bad hex: format", es_vault_open(x.p, x.len, all, &pt,
	    &used) == ES_EFORMAT);
	x.p[40] = 0xc3;
	T_CHECK("non-ASCII: not a vault", es_vault_open(x.p, x.len, all, &pt,
	    &used) == ES_ENOTVAULT);
	memcpy(x.p + 19, "AES128", 6);
	x.p[40] = in[40];
	T_CHECK("other cipher: format", es_vault_open(x.p, x.len, all, &pt,
	    &used) == ES_EFORMAT);
	es_sbuf_free(&x);
	T_CHECK("empty: not a vault", es_vault_open((const unsigned char *)"",
	    0, all, &pt, &used) == ES_ENOTVAULT);
	/* Every truncation fails closed: 2 (none) or 3, never plaintext. */
	for (i = 0; i < n; i++) {
		r = es_vault_open(in, i, all, &pt, &used);
		/* Only the final newline may go: ansible reads that too. */
		if (r != ES_ENOTVAULT && r != ES_EFORMAT && r != ES_EKEY &&
		    !(r == 0 && i == n - 1))
			bad++;
		es_sbuf_free(&pt);
	}
	T_CHECK("every truncation refused", bad == 0);
	/* A flipped bit anywhere in the body: refused. */
	for (i = 26, bad = 0; i < n; i += 7) {
		if (in[i] == '\n')
			continue;
		es_sbuf_append(&x, in, n);
		for (j = 0; j < 1; j++)
			x.p[i] = x.p[i] == '0' ? '1' : '0';
		r = es_vault_open(x.p, x.len, all, &pt, &used);
		if (r != ES_EFORMAT && r != ES_EKEY)
			bad++;
		es_sbuf_free(&pt);
		es_sbuf_free(&x);
	}
	T_CHECK("every flipped digit refused", bad == 0);
	free(in);
}

static void
test_quote(void)
{
	static const char *cases[] = {
		"", "42", "a\"b\\c", "line1\nline2\n", "tab\there", "\x01\x7f",
		"caf\xc3\xa9 \xf0\x9f\x94\x91", "\xc2\x85\xe2\x80\xa8\xef\xbb\xbf",
		" lead", "trail ", "# not a comment", "- x", "null", "{a: b}",
	};
	struct es_sbuf q = { 0 };
	yaml_parser_t p;
	yaml_event_t ev;
	size_t i;
	int good = 1, k;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		q.len = 0;
		es_yaml_quote((const unsigned char *)cases[i], strlen(cases[i]), &q);
		yaml_parser_initialize(&p);
		yaml_parser_set_input_string(&p, q.p, q.len);
		for (k = 0; k < 4; k++) {
			if (!yaml_parser_parse(&p, &ev)) {
				good = 0;
				break;
			}
			if (ev.type == YAML_SCALAR_EVENT)
				good &= ev.data.scalar.length == strlen(cases[i]) &&
				    !memcmp(ev.data.scalar.value, cases[i],
				    strlen(cases[i]));
			yaml_event_delete(&ev);
		}
		yaml_parser_delete(&p);
	}
	T_CHECK("quoted scalars read back exactly", good);
	q.len = 0;
	T_CHECK("invalid UTF-8 refused", es_yaml_quote((const unsigned char *)
	    "\xff", 1, &q) == ES_EVALUE);
	es_sbuf_free(&q);
}

int
main(void)
{
	struct es_secrets all = { .n = 0 };
	const char *v = getenv("VECTORS");

	snprintf(vdir, sizeof vdir, "%s", v ? v : "tests/vectors");
	T_CHECK("sodium_init", sodium_init() >= 0);
	es_salt_seed();
	/* Deliberately wrong ones first, labelled, to exercise ordering. */
	es_secrets_add(&all, "dev", (const unsigned char *)"nope", 4);
	add_pw(&all, "default", "pw_correct_horse.txt");
	add_pw(&all, "prod", "pw_prod.txt");
	add_pw(&all, "e", "pw_e_whitespace.txt");
	add_pw(&all, "f", "pw_f.txt");
	test_whole_file(&all);
	test_fixed_salt();
	test_load_doc(&all);
	test_doc_errors();
	test_inline_view(&all);
	test_inline_shapes(&all);
	test_rekey(&all);
	test_envelope_edges(&all);
	test_envelope_widths(&all);
	test_envelope_stream(&all);
	test_quote();
	es_secrets_free(&all);
	return t_done();
}
