/*
 * tests/unit/test_age.c — vault/age.c against the C2SP CCTV age vectors
 * ($TOP/../shared/vectors/age-cctv, or $AGE_CCTV): every vector gives its
 * expected class, and for success and payload failure the SHA-256 of the
 * plaintext released equals `payload:`. Then Bech32, round trips and the
 * wipe-on-failure rule.
 */
#include "tests/unit/t.h"
#include "vault/age.h"
#include "vault/vault.h"

#include <dirent.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

/* The largest vector inflated (stream_258_chunks: ~16.5 MiB). */
#define VEC_MAX ((size_t)64 << 20)

static const char *class_names[] = { "success", "no match", "HMAC failure",
	"header failure", "payload failure", "armor failure" };

struct vec {
	char expect[32], payload[65];
	int compressed, hybrid, unknown, armored;
	struct es_secrets ids, pws;
	unsigned char *body;
	size_t blen;
};

static unsigned char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *b;
	long n;

	if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0 || (b = malloc((size_t)n + 1)) == NULL) {
		if (f)
			fclose(f);
		return NULL;
	}
	*len = fread(b, 1, (size_t)n, f);
	fclose(f);
	return b;
}

static int
inflate_all(const unsigned char *in, size_t len, unsigned char **out,
    size_t *olen)
{
	z_stream z;
	unsigned char *b = malloc(VEC_MAX);
	int r;

	memset(&z, 0, sizeof z);
	if (b == NULL || inflateInit(&z) != Z_OK)
		return free(b), -1;
	z.next_in = (unsigned char *)in;
	z.avail_in = (uInt)len;
	z.next_out = b;
	z.avail_out = (uInt)VEC_MAX;
	r = inflate(&z, Z_FINISH);
	*olen = z.total_out;
	inflateEnd(&z);
	if (r != Z_STREAM_END)
		return free(b), -1;
	*out = b;
	return 0;
}

static void
header_line(struct vec *v, const char *k, const char *val)
{
	unsigned char sk[ES_AGE_KEY];

	if (!strcmp(k, "expect"))
		snprintf(v->expect, sizeof v->expect, "%s", val);
	else if (!strcmp(k, "payload"))
		snprintf(v->payload, sizeof v->payload, "%s", val);
	else if (!strcmp(k, "armored"))
		v->armored = !strcmp(val, "yes");
	else if (!strcmp(k, "compressed"))
		v->compressed = 1;
	else if (!strcmp(k, "passphrase"))
		es_secrets_add(&v->pws, "pw", (const unsigned char *)val,
		    strlen(val));
	else if (!strcmp(k, "identity")) {
		if (es_age_identity_decode(val, strlen(val), sk) == 0)
			es_secrets_add(&v->ids, "id", sk, sizeof sk);
		else
			v->hybrid = 1;   /* a post-quantum identity */
	} else if (strcmp(k, "file key") && strcmp(k, "armored") &&
	    strcmp(k, "comment"))
		v->unknown = 1;
}

static int
load(const char *path, struct vec *v)
{
	size_t len, i = 0, e;
	unsigned char *f = slurp(path, &len);
	char line[512], *colon;

	if (f == NULL)
		return -1;
	for (;;) {
		for (e = i; e < len && f[e] != '\n'; e++)
			;
		if (e >= len || e == i)
			break;
		snprintf(line, sizeof line, "%.*s", (int)(e - i), f + i);
		if ((colon = strstr(line, ": ")) != NULL) {
			*colon = '\0';
			header_line(v, line, colon + 2);
		}
		i = e + 1;
	}
	i = e + 1;
	if (v->compressed) {
		if (inflate_all(f + i, len - i, &v->body, &v->blen) != 0)
			return free(f), -1;
		free(f);
	} else {
		v->blen = len - i;
		v->body = malloc(v->blen + 1);
		memcpy(v->body, f + i, v->blen);
		free(f);
	}
	return 0;
}

static int
run_vector(const char *dir, const char *name, int *skipped)
{
	char path[8192 + 512], hex[65];
	struct vec v;
	struct es_sbuf pt = { 0 };
	struct es_age_result ar;
	int r, ok;
	const char *got;

	memset(&v, 0, sizeof v);
	memset(&ar, 0, sizeof ar);
	snprintf(path, sizeof path, "%s/%s", dir, name);
	if (load(path, &v) != 0) {
		printf("not ok cctv %s: cannot read\n", name);
		return 0;
	}
	if (v.unknown) {
		printf("skip cctv %s: unknown header key\n", name);
		(*skipped)++;
		ok = 1;
		goto out;
	}
	if (strncmp(name, "hybrid", 6) == 0 || strstr(name, "_hybrid"))
		v.hybrid = 1;
	ar.want_released = 1;
	/* An armored vector goes through the strict decoder first (as
	 * age -d does when told the file is armored), then the whole file
	 * through es_age_decrypt(), which must recognise it as armored. */
	r = 0;
	if (v.armored) {
		r = es_age_dearmor(v.body, v.blen, &pt);
		es_sbuf_free(&pt);
		if (r != 0)
			ar.cls = ES_AGE_ARMOR;
		else if (!es_age_is_armored(v.body, v.blen))
			r = ES_EINTERNAL;
	}
	if (r == 0)
		r = es_age_decrypt(v.body, v.blen, &v.ids, &v.pws, &pt, &ar);
	else
		crypto_hash_sha256(ar.released_sha256,
		    (const unsigned char *)"", 0);
	got = class_names[ar.cls];
	sodium_bin2hex(hex, sizeof hex, ar.released_sha256, 32);
	ok = !strcmp(got, v.expect) && (r == 0) == (ar.cls == ES_AGE_OK);
	/* Unsupported post-quantum recipients: "no match", never success. */
	if (v.hybrid && !ok)
		ok = ar.cls == ES_AGE_NOMATCH && r == ES_EKEY;
	if (ok && !v.hybrid && (ar.cls == ES_AGE_OK || ar.cls == ES_AGE_PAYLOAD))
		ok = strcmp(hex, v.payload) == 0;
	/* Nothing released on a failure (the payload rule). */
	if (ok && r != 0)
		ok = pt.len == 0 && pt.p == NULL;
	if (ok && r == 0) {
		unsigned char h[32];
		crypto_hash_sha256(h, pt.p ? pt.p : (const unsigned char *)"",
		    pt.len);
		ok = memcmp(h, ar.released_sha256, 32) == 0;
	}
	printf("%s cctv %s (expect %s, got %s)\n", ok ? "ok" : "not ok",
	    name, v.expect, got);
	if (!ok)
		printf("  detail: %s; released %s, payload: %s\n",
		    es_errdetail(), hex, v.payload);
out:
	es_sbuf_free(&pt);
	es_secrets_free(&v.ids);
	es_secrets_free(&v.pws);
	free(v.body);
	if (!ok)
		t_failed++;
	return ok;
}

static int
by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
test_cctv(void)
{
	const char *top = getenv("TOP"), *env = getenv("AGE_CCTV");
	char dir[4096], *names[512];
	struct dirent *d;
	size_t n = 0, i, pass = 0;
	int skipped = 0;
	DIR *dp;

	if (env != NULL)
		snprintf(dir, sizeof dir, "%s", env);
	else
		snprintf(dir, sizeof dir, "%s/../shared/vectors/age-cctv",
		    top ? top : ".");
	if ((dp = opendir(dir)) == NULL) {
		T_SKIP("cctv", "age-cctv vectors absent (../shared/vectors/age-cctv)");
		return;
	}
	while ((d = readdir(dp)) != NULL && n < 512)
		if (d->d_name[0] != '.' && strcmp(d->d_name, "README.md"))
			names[n++] = strdup(d->d_name);
	closedir(dp);
	qsort(names, n, sizeof *names, by_name);
	for (i = 0; i < n; i++) {
		pass += (size_t)run_vector(dir, names[i], &skipped);
		free(names[i]);
	}
	/* The summary (worded apart from run.sh's closing line). */
	printf("# cctv summary: %zu vectors; %zu gave their expected class "
	    "and payload, %zu did not, %d skipped\n", n,
	    pass - (size_t)skipped, n - pass, skipped);
	T_CHECK("cctv every vector run (143)", n == 143);
}

static void
test_keys(void)
{
	unsigned char sk[32], pk[32], pk2[32];
	char rs[ES_AGE_BECH32_MAX + 1], is[ES_AGE_BECH32_MAX + 1];
	struct es_secrets ids = { 0 };
	const char *file = "# created: 2026-01-01T00:00:00Z\n"
	    "# public key: age1...\n\nAGE-SECRET-KEY-1EGTZVFFV20835NWYV6270"
	    "LXYVK2VKNX2MMDKWYKLMGR48UAWX40Q2P2LM0\n";
	const char *pq = "AGE-SECRET-KEY-PQ-1HZLGZUPT4ETPKDEV8HSGFDCYZ4E522W0A7"
	    "PU2LHT8EH9W6YLNC3SW78XKG\n";

	randombytes_buf(sk, sizeof sk);
	T_CHECK("identity encodes", es_age_identity_encode(sk, is, sizeof is)
	    == 0 && strncmp(is, "AGE-SECRET-KEY-1", 16) == 0);
	T_CHECK("identity decodes back", es_age_identity_decode(is,
	    strlen(is), pk2) == 0 && memcmp(pk2, sk, 32) == 0);
	es_age_public(sk, pk);
	T_CHECK("recipient encodes", es_age_recipient_encode(pk, rs, sizeof rs)
	    == 0 && strncmp(rs, "age1", 4) == 0 && strlen(rs) == 62);
	T_CHECK("recipient decodes back", es_age_recipient_decode(rs, pk2) == 0
	    && memcmp(pk, pk2, 32) == 0);
	rs[10] = rs[10] == 'q' ? 'p' : 'q';
	T_CHECK("recipient with a bad checksum refused",
	    es_age_recipient_decode(rs, pk2) == ES_EAGE);
	rs[10] = rs[10] == 'q' ? 'p' : 'q';
	rs[5] = (char)(rs[5] >= 'a' && rs[5] <= 'z' ? rs[5] - 32 : rs[5]);
	T_CHECK("mixed-case recipient refused",
	    es_age_recipient_decode(rs, pk2) == ES_EAGE || rs[5] < 'A');
	T_CHECK("identity as recipient refused",
	    es_age_recipient_decode(is, pk2) == ES_EAGE);
	T_CHECK("identity file parsed (comments, blank line)",
	    es_age_identities_parse((const unsigned char *)file, strlen(file),
	    "id.txt", ES_AGE_ID_LABEL, &ids) == 0 && ids.n == 1 && ids.v[0].len == 32);
	T_CHECK("post-quantum identity: unsupported, named",
	    es_age_identities_parse((const unsigned char *)pq, strlen(pq),
	    "pq.txt", ES_AGE_ID_LABEL, &ids) == ES_EAGE && strstr(es_errdetail(), "pq.txt:1")
	    && strstr(es_errdetail(), "unsupported"));
	es_secrets_free(&ids);
	sodium_memzero(sk, sizeof sk);
}

static int
roundtrip(size_t size, size_t nrec, int armor, const char *name)
{
	unsigned char sk[4][32], pk[4 * 32], *pt = malloc(size + 1);
	struct es_sbuf ct = { 0 }, out = { 0 };
	struct es_age_result ar;
	size_t i;
	int ok = 1;

	randombytes_buf(pt, size);
	for (i = 0; i < nrec; i++) {
		randombytes_buf(sk[i], 32);
		es_age_public(sk[i], pk + 32 * i);
	}
	ok = es_age_encrypt(pt, size, pk, nrec, NULL, 0, armor, &ct) == 0;
	for (i = 0; ok && i < nrec; i++) {
		struct es_secrets ids = { 0 };
		memset(&ar, 0, sizeof ar);
		es_secrets_add(&ids, "id", sk[i], 32);
		ok = es_age_decrypt(ct.p, ct.len, &ids, NULL, &out, &ar) == 0 &&
		    out.len == size && memcmp(out.p, pt, size) == 0 &&
		    ar.ident == 0;
		es_sbuf_free(&out);
		es_secrets_free(&ids);
	}
	T_CHECK(name, ok);
	es_sbuf_free(&ct);
	free(pt);
	return ok;
}

static void
test_roundtrip(void)
{
	static const size_t sizes[] = { 0, 1, 65535, 65536, 65537, 1 << 20 };
	struct es_secrets pw = { 0 }, ids = { 0 };
	struct es_sbuf ct = { 0 }, out = { 0 };
	struct es_age_result ar;
	unsigned char sk[32], pk[32];
	char name[64];
	size_t i;

	es_salt_seed();
	for (i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		snprintf(name, sizeof name, "round trip %zu bytes, 3 "
		    "recipients", sizes[i]);
		roundtrip(sizes[i], 3, 0, name);
	}
	roundtrip(100000, 2, 1, "round trip armored, 2 recipients");

	es_secrets_add(&pw, "default", (const unsigned char *)"hunter2", 7);
	T_CHECK("scrypt encrypt (work factor 10)", es_age_encrypt(
	    (const unsigned char *)"A=1\n", 4, NULL, 0, &pw.v[0], 10, 0, &ct)
	    == 0 && memmem(ct.p, ct.len, "-> scrypt ", 10) != NULL);
	memset(&ar, 0, sizeof ar);
	T_CHECK("scrypt decrypt", es_age_decrypt(ct.p, ct.len, NULL, &pw, &out,
	    &ar) == 0 && out.len == 4 && ar.used == 0);
	es_sbuf_free(&out);

	/* A flipped byte in the last chunk: nothing of the file comes out. */
	ct.p[ct.len - 1] ^= 1;
	T_CHECK("payload tamper: ES_EINTEGRITY, class payload, pt empty",
	    es_age_decrypt(ct.p, ct.len, NULL, &pw, &out, &ar) ==
	    ES_EINTEGRITY && ar.cls == ES_AGE_PAYLOAD && out.p == NULL &&
	    out.len == 0);
	es_sbuf_free(&ct);

	randombytes_buf(sk, 32);
	es_age_public(sk, pk);
	es_age_encrypt((const unsigned char *)"x", 1, pk, 1, NULL, 0, 0, &ct);
	es_secrets_add(&ids, "other", (const unsigned char *)
	    "0123456789abcdef0123456789abcdef", 32);
	T_CHECK("wrong identity: ES_EKEY, no match", es_age_decrypt(ct.p,
	    ct.len, &ids, &pw, &out, &ar) == ES_EKEY && ar.cls ==
	    ES_AGE_NOMATCH);
	T_CHECK("recipients and passphrase together refused", es_age_encrypt(
	    (const unsigned char *)"x", 1, pk, 1, &pw.v[0], 10, 0, &ct) ==
	    ES_EUSAGE);
	es_sbuf_free(&ct);
	es_secrets_free(&pw);
	es_secrets_free(&ids);
}

/* Re-wrap keeps the payload; a removal or a file without record gets a
 * new file key and payload; the removed identity no longer opens it. */
static void
test_reencrypt(void)
{
	unsigned char sk[3][32], pk[3 * 32];
	struct es_secrets id0 = { 0 }, id1 = { 0 };
	struct es_sbuf a = { 0 }, b = { 0 }, c = { 0 }, d = { 0 }, pt = { 0 };
	struct es_age_result ar;
	enum es_age_reencrypted how;
	size_t i, ha, hb;

	es_salt_seed();
	for (i = 0; i < 3; i++) {
		randombytes_buf(sk[i], 32);
		es_age_public(sk[i], pk + 32 * i);
	}
	es_secrets_add(&id0, ES_AGE_ID_LABEL, sk[0], 32);
	es_secrets_add(&id1, ES_AGE_ID_LABEL, sk[1], 32);
	es_age_encrypt((const unsigned char *)"K: v\n", 5, pk, 2, NULL, 0, 0, &a);
	T_CHECK("reencrypt: same set is unchanged, byte for byte",
	    es_age_reencrypt(a.p, a.len, &id0, pk, 2, &b, &how) == 0 &&
	    how == ES_AGE_UNCHANGED && b.len == a.len &&
	    memcmp(a.p, b.p, a.len) == 0);
	es_sbuf_free(&b);
	T_CHECK("reencrypt: an addition re-wraps", es_age_reencrypt(a.p, a.len,
	    &id0, pk, 3, &b, &how) == 0 && how == ES_AGE_REWRAPPED);
	es_age_header_check(a.p, a.len, &ha);
	es_age_header_check(b.p, b.len, &hb);
	T_CHECK("reencrypt: re-wrapped payload byte for byte", a.len - ha ==
	    b.len - hb && memcmp(a.p + ha, b.p + hb, a.len - ha) == 0);
	/* Drop recipient 1 (keep 0 and 2): pk[0], pk[2] */
	memcpy(pk + 32, pk + 64, 32);
	T_CHECK("reencrypt: a removal makes a new key", es_age_reencrypt(b.p,
	    b.len, &id0, pk, 2, &c, &how) == 0 && how == ES_AGE_NEW_KEY);
	es_age_header_check(c.p, c.len, &hb);
	T_CHECK("reencrypt: removal: new payload", c.len - hb != a.len - ha ||
	    memcmp(a.p + ha, c.p + hb, a.len - ha) != 0);
	memset(&ar, 0, sizeof ar);
	T_CHECK("reencrypt: removed identity refused", es_age_decrypt(c.p,
	    c.len, &id1, NULL, &pt, &ar) == ES_EKEY);
	T_CHECK("reencrypt: kept identity opens it", es_age_decrypt(c.p,
	    c.len, &id0, NULL, &pt, &ar) == 0 && pt.len == 5);
	es_sbuf_free(&pt);
	T_CHECK("reencrypt: wrong identity fails, nothing out",
	    es_age_reencrypt(c.p, c.len, &id1, pk, 2, &d, &how) == ES_EKEY &&
	    d.p == NULL);
	es_sbuf_free(&a);
	es_sbuf_free(&b);
	es_sbuf_free(&c);
	es_secrets_free(&id0);
	es_secrets_free(&id1);
}

/* An identity is never tried as an Ansible Vault password: not first by
 * label (an envelope labelled "age identity"), not among the rest. */
static void
test_kinds_apart(void)
{
	struct es_secrets s = { 0 };
	size_t order[ES_SECRETS_MAX], n;

	es_secrets_add(&s, ES_AGE_ID_LABEL, (const unsigned char *)
	    "0123456789abcdef0123456789abcdef", 32);
	es_secrets_add(&s, "default", (const unsigned char *)"pw", 2);
	n = es_vault_try_order(&s, "default", order);
	T_CHECK("try order: identity skipped", n == 1 && order[0] == 1);
	n = es_vault_try_order(&s, ES_AGE_ID_LABEL, order);
	T_CHECK("try order: an envelope labelled 'age identity' gets no "
	    "identity", n == 1 && order[0] == 1);
	es_secrets_free(&s);
}

int
main(void)
{
	if (sodium_init() < 0)
		return 1;
	test_cctv();
	test_keys();
	test_roundtrip();
	test_reencrypt();
	test_kinds_apart();
	return t_done();
}
