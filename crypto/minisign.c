/*
 * crypto/minisign.c — minisign signatures (crypto/minisign.h): parse keys
 * and signatures, verify, sign. The layout follows jedisct1/minisign's
 * src/minisign.h structs byte for byte.
 */
#include "crypto/minisign.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

/* Bytes of the decoded lines. */
#define MS_PK_BYTES (2 + ES_MS_KEYNUM + ES_MS_PK)
#define MS_SIG_BYTES (2 + ES_MS_KEYNUM + ES_MS_SIG)
#define MS_CHK 32
#define MS_SALT 32
/* keynum_sk: keynum, sk, chk — the part the scrypt stream covers. */
#define MS_KEYNUM_SK (ES_MS_KEYNUM + ES_MS_SK + MS_CHK)
#define MS_SK_BYTES (2 + 2 + 2 + MS_SALT + 8 + 8 + MS_KEYNUM_SK)
/* Longest base64 line: the secret key's, with slack. */
#define MS_B64_MAX 512
/* The lines of a key or signature file are read from text up to its
 * bound; the trusted comment line may be up to ES_MS_TRUSTED_MAX. */
/* The base64 text of the longest decoded line, and its NUL. */
#define MS_B64_OUT (sodium_base64_ENCODED_LEN(MS_SK_BYTES, \
    sodium_base64_VARIANT_ORIGINAL))
#define MS_UNTRUSTED "untrusted comment: "
#define MS_TRUSTED "trusted comment: "
/* scrypt limits accepted from a secret key: minisign writes
 * opslimit 33554432 and memlimit 1073741824 ("sensitive"); more would be
 * a file asking us to spend unbounded memory. */
#define MS_OPSLIMIT_MAX 33554432ULL
#define MS_MEMLIMIT_MAX 1073741824ULL

/* Line i (from 0) of text: its start and length (no CR/LF). */
static int
line_at(const char *text, size_t len, size_t i, const char **s, size_t *n)
{
	const char *p = text, *end = text + len, *nl;

	for (;;) {
		if (p >= end)
			return 0;
		nl = memchr(p, '\n', (size_t)(end - p));
		if (i-- == 0) {
			*s = p;
			*n = (size_t)((nl ? nl : end) - p);
			if (*n > 0 && p[*n - 1] == '\r')
				(*n)--;
			return 1;
		}
		if (nl == NULL)
			return 0;
		p = nl + 1;
	}
}

/* Decode the base64 line i into exactly want bytes. */
static int
b64_line(const char *text, size_t len, size_t i, unsigned char *out,
    size_t want, const char *what)
{
	const char *s;
	size_t n, got = 0;

	if (!line_at(text, len, i, &s, &n) || n == 0 || n > MS_B64_MAX)
		return es_failf(ES_EFORMAT, "%s: line %zu missing or too long",
		    what, i + 1);
	if (sodium_base642bin(out, want, s, n, NULL, &got, NULL,
	    sodium_base64_VARIANT_ORIGINAL) != 0 || got != want)
		return es_failf(ES_EFORMAT, "%s: line %zu is not base64 of %zu "
		    "bytes", what, i + 1, want);
	return 0;
}

static int
untrusted_first(const char *text, size_t len, const char *what)
{
	const char *s;
	size_t n;

	if (!line_at(text, len, 0, &s, &n) || n < sizeof MS_UNTRUSTED - 1 ||
	    memcmp(s, MS_UNTRUSTED, sizeof MS_UNTRUSTED - 1) != 0)
		return es_failf(ES_EFORMAT, "%s: does not start with \"%s\"",
		    what, MS_UNTRUSTED);
	return 0;
}

void
es_ms_keyid(const unsigned char *keynum, char *hex)
{
	size_t i;

	/* minisign prints le64_load(keynum) with %016llX. */
	for (i = 0; i < ES_MS_KEYNUM; i++)
		(void)snprintf(hex + 2 * i, 3, "%02X",
		    keynum[ES_MS_KEYNUM - 1 - i]);
}

int
es_ms_pubkey_parse(const char *text, size_t len, struct es_ms_pubkey *out)
{
	unsigned char b[MS_PK_BYTES];
	int r;

	if ((r = untrusted_first(text, len, "public key")) != 0 ||
	    (r = b64_line(text, len, 1, b, sizeof b, "public key")) != 0)
		return r;
	if (b[0] != 'E' || b[1] != 'd')
		return es_failf(ES_EFORMAT, "public key: not an Ed25519 key");
	memcpy(out->keynum, b + 2, ES_MS_KEYNUM);
	memcpy(out->pk, b + 2 + ES_MS_KEYNUM, ES_MS_PK);
	return 0;
}

int
es_ms_sig_parse(const char *text, size_t len, struct es_ms_sig *out)
{
	unsigned char b[MS_SIG_BYTES];
	const char *s;
	size_t n;
	int r;

	if ((r = untrusted_first(text, len, "signature")) != 0 ||
	    (r = b64_line(text, len, 1, b, sizeof b, "signature")) != 0)
		return r;
	if (b[0] != 'E' || (b[1] != 'D' && b[1] != 'd'))
		return es_failf(ES_EFORMAT, "signature: unknown algorithm");
	memcpy(out->alg, b, 2);
	memcpy(out->keynum, b + 2, ES_MS_KEYNUM);
	memcpy(out->sig, b + 2 + ES_MS_KEYNUM, ES_MS_SIG);
	if (!line_at(text, len, 2, &s, &n) || n < sizeof MS_TRUSTED - 1 ||
	    memcmp(s, MS_TRUSTED, sizeof MS_TRUSTED - 1) != 0)
		return es_failf(ES_EFORMAT, "signature: line 3 is not \"%s\"",
		    MS_TRUSTED);
	n -= sizeof MS_TRUSTED - 1;
	if (n > ES_MS_TRUSTED_MAX)
		return es_failf(ES_EFORMAT, "signature: trusted comment over "
		    "%d bytes", ES_MS_TRUSTED_MAX);
	memcpy(out->trusted, s + sizeof MS_TRUSTED - 1, n);
	out->trusted[n] = '\0';
	return b64_line(text, len, 3, out->global, ES_MS_SIG, "signature");
}

int
es_ms_verify(const struct es_ms_pubkey *pk, const struct es_ms_sig *sig,
    const unsigned char *msg, size_t len)
{
	unsigned char h[crypto_generichash_BYTES_MAX];
	unsigned char g[ES_MS_SIG + ES_MS_TRUSTED_MAX];
	size_t tlen = strlen(sig->trusted);
	char want[ES_MS_KEYID_HEX + 1], got[ES_MS_KEYID_HEX + 1];
	int bad;

	if (memcmp(pk->keynum, sig->keynum, ES_MS_KEYNUM) != 0) {
		es_ms_keyid(pk->keynum, want);
		es_ms_keyid(sig->keynum, got);
		return es_failf(ES_EINTEGRITY, "signed by key %s, not %s", got,
		    want);
	}
	if (sig->alg[1] == 'D') {
		crypto_generichash(h, sizeof h, msg, len, NULL, 0);
		bad = crypto_sign_verify_detached(sig->sig, h, sizeof h,
		    pk->pk);
	} else {
		bad = crypto_sign_verify_detached(sig->sig, msg, len, pk->pk);
	}
	es_ms_keyid(pk->keynum, want);
	if (bad)
		return es_failf(ES_EINTEGRITY, "signature by key %s does not "
		    "verify", want);
	memcpy(g, sig->sig, ES_MS_SIG);
	memcpy(g + ES_MS_SIG, sig->trusted, tlen);
	if (crypto_sign_verify_detached(sig->global, g, ES_MS_SIG + tlen,
	    pk->pk) != 0)
		return es_failf(ES_EINTEGRITY, "the trusted comment's "
		    "signature by key %s does not verify", want);
	return 0;
}

int
es_ms_seckey_encrypted(const char *text, size_t len)
{
	unsigned char *b = es_secure_alloc(MS_SK_BYTES);
	int enc = 1;

	if (b == NULL)
		return 1;
	if (b64_line(text, len, 1, b, MS_SK_BYTES, "secret key") == 0)
		enc = !(b[2] == 0 && b[3] == 0);
	es_errclear();
	es_secure_free(b);
	return enc;
}

static unsigned long long
le64(const unsigned char *p)
{
	unsigned long long v = 0;
	int i;

	for (i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

/* XOR the keynum_sk part with scrypt of the password (as minisign). */
static int
sk_decrypt(unsigned char *b, const unsigned char *pw, size_t pwlen)
{
	unsigned long long ops = le64(b + 6 + MS_SALT);
	unsigned long long mem = le64(b + 6 + MS_SALT + 8);
	unsigned char *stream;
	size_t i;

	if (ops > MS_OPSLIMIT_MAX || mem > MS_MEMLIMIT_MAX)
		return es_failf(ES_EFORMAT, "secret key: scrypt limits too "
		    "large");
	if ((stream = es_secure_alloc(MS_KEYNUM_SK)) == NULL)
		return -ENOMEM;
	if (crypto_pwhash_scryptsalsa208sha256(stream, MS_KEYNUM_SK,
	    (const char *)pw, pwlen, b + 6, ops, (size_t)mem) != 0) {
		es_secure_free(stream);
		return -ENOMEM;
	}
	for (i = 0; i < MS_KEYNUM_SK; i++)
		b[MS_SK_BYTES - MS_KEYNUM_SK + i] ^= stream[i];
	es_secure_free(stream);
	return 0;
}

/* An Ed25519 secret key (seed | pk) whose pk is its seed's. */
static int
sk_consistent(const unsigned char *sk)
{
	unsigned char pk[crypto_sign_PUBLICKEYBYTES], *full;
	int ok;

	if ((full = es_secure_alloc(crypto_sign_SECRETKEYBYTES)) == NULL)
		return -ENOMEM;
	crypto_sign_seed_keypair(pk, full, sk);
	ok = sodium_memcmp(full, sk, crypto_sign_SECRETKEYBYTES) == 0;
	es_secure_free(full);
	return ok ? 0 : es_failf(ES_EKEY, "secret key: damaged (its public "
	    "half does not match its seed)");
}

int
es_ms_seckey_parse(const char *text, size_t len,
    const unsigned char *password, size_t pwlen, struct es_ms_seckey **out)
{
	unsigned char chk[MS_CHK];
	unsigned char *b = NULL, *ks;
	struct es_ms_seckey *sk = NULL;
	crypto_generichash_state st;
	int r, enc;

	*out = NULL;
	if ((b = es_secure_alloc(MS_SK_BYTES)) == NULL ||
	    (sk = es_secure_alloc(sizeof *sk)) == NULL) {
		r = -ENOMEM;
		goto out;
	}
	if ((r = untrusted_first(text, len, "secret key")) != 0 ||
	    (r = b64_line(text, len, 1, b, MS_SK_BYTES, "secret key")) != 0)
		goto out;
	enc = !(b[2] == 0 && b[3] == 0);
	if (b[0] != 'E' || b[1] != 'd' || (enc && (b[2] != 'S' ||
	    b[3] != 'c')) || b[4] != 'B' || b[5] != '2') {
		r = es_failf(ES_EFORMAT, "secret key: not an Ed25519 key with "
		    "a BLAKE2b check");
		goto out;
	}
	if (enc && password == NULL) {
		r = es_failf(ES_EKEY, "secret key: encrypted, and no password "
		    "given");
		goto out;
	}
	if (enc && (r = sk_decrypt(b, password, pwlen)) != 0)
		goto out;
	ks = b + MS_SK_BYTES - MS_KEYNUM_SK;
	/* minisign computes chk only when it encrypts (generate() leaves it
	 * zero with -W); an encrypted key's chk tells a wrong password. */
	crypto_generichash_init(&st, NULL, 0, sizeof chk);
	crypto_generichash_update(&st, b, 2);
	crypto_generichash_update(&st, ks, ES_MS_KEYNUM + ES_MS_SK);
	crypto_generichash_final(&st, chk, sizeof chk);
	if (enc && sodium_memcmp(chk, ks + ES_MS_KEYNUM + ES_MS_SK, MS_CHK)
	    != 0) {
		r = es_failf(ES_EKEY, "secret key: wrong password (or a "
		    "damaged key)");
		goto out;
	}
	/* Either way the key must be whole: its second half is the public
	 * key its seed derives. */
	if ((r = sk_consistent(ks + ES_MS_KEYNUM)) != 0)
		goto out;
	memcpy(sk->keynum, ks, ES_MS_KEYNUM);
	memcpy(sk->sk, ks + ES_MS_KEYNUM, ES_MS_SK);
	*out = sk;
	sk = NULL; /* transferred */
out:
	es_secure_free(sk);
	es_secure_free(b);
	return r;
}

void
es_ms_seckey_free(struct es_ms_seckey *sk)
{
	es_secure_free(sk);
}

int
es_ms_sign(const struct es_ms_seckey *sk, const unsigned char *msg,
    size_t len, const char *trusted, char **out, size_t *outlen)
{
	unsigned char h[crypto_generichash_BYTES_MAX];
	unsigned char sig[MS_SIG_BYTES], global[ES_MS_SIG];
	unsigned char g[ES_MS_SIG + ES_MS_TRUSTED_MAX];
	char b1[MS_B64_OUT], b2[MS_B64_OUT], id[ES_MS_KEYID_HEX + 1];
	size_t tlen = strlen(trusted);
	char *text = NULL;
	int n;

	*out = NULL;
	if (tlen > ES_MS_TRUSTED_MAX || strchr(trusted, '\n') != NULL ||
	    strchr(trusted, '\r') != NULL)
		return es_failf(ES_EFORMAT, "trusted comment: over %d bytes or "
		    "holds a newline", ES_MS_TRUSTED_MAX);
	sig[0] = 'E';
	sig[1] = 'D';
	memcpy(sig + 2, sk->keynum, ES_MS_KEYNUM);
	crypto_generichash(h, sizeof h, msg, len, NULL, 0);
	crypto_sign_detached(sig + 2 + ES_MS_KEYNUM, NULL, h, sizeof h, sk->sk);
	memcpy(g, sig + 2 + ES_MS_KEYNUM, ES_MS_SIG);
	memcpy(g + ES_MS_SIG, trusted, tlen);
	crypto_sign_detached(global, NULL, g, ES_MS_SIG + tlen, sk->sk);
	sodium_bin2base64(b1, sizeof b1, sig, sizeof sig,
	    sodium_base64_VARIANT_ORIGINAL);
	sodium_bin2base64(b2, sizeof b2, global, sizeof global,
	    sodium_base64_VARIANT_ORIGINAL);
	es_ms_keyid(sk->keynum, id);
	n = asprintf(&text, "%ssignature from envseal secret key %s\n%s\n%s%s"
	    "\n%s\n", MS_UNTRUSTED, id, b1, MS_TRUSTED, trusted, b2);
	if (n < 0)
		return -ENOMEM;
	*out = text;
	*outlen = (size_t)n;
	return 0;
}
