/*
 * crypto/av.c — the Ansible Vault AES256 payload: PBKDF2-HMAC-SHA256 key
 * derivation, HMAC-SHA256 and AES-256-CTR (nettle), PKCS#7 padding.
 * Pure: memory only. See crypto/crypto.h.
 */
#include "crypto/crypto.h"

#include <errno.h>
#include <string.h>
#include <nettle/aes.h>
#include <nettle/ctr.h>
#include <nettle/hmac.h>
#include <nettle/sha2.h>

/* The one block every HMAC-SHA256 round hashes, after the keyed state:
 * a 32-byte message, then SHA-256's padding for 64 + 32 = 96 bytes (0x80,
 * zeros, the length in bits big-endian: 768 = 0x0300). */
#define ROUND_MSG 32
#define ROUND_BITS_HI 62   /* block[62..63] = 0x03 0x00 */

/* The SHA-256 state words, big-endian: the digest of a finished hash. */
static void
state_out(const struct sha256_ctx *c, unsigned char out[SHA256_DIGEST_SIZE])
{
	unsigned i;

	for (i = 0; i < SHA256_DIGEST_SIZE / 4; i++) {
		out[4 * i] = (unsigned char)(c->state[i] >> 24);
		out[4 * i + 1] = (unsigned char)(c->state[i] >> 16);
		out[4 * i + 2] = (unsigned char)(c->state[i] >> 8);
		out[4 * i + 3] = (unsigned char)c->state[i];
	}
}

/*
 * One 32-byte block of PBKDF2-HMAC-SHA256 (RFC 8018 F(P, S, c, i)): the
 * blocks are independent, so the HMAC key (block 2) is derived and checked
 * before the AES key and counter (blocks 1 and 3): a wrong secret costs
 * one block, not three.
 *
 * Rounds 2..c hash U(i-1) under the same key. nettle's hmac_sha256_digest
 * pads, writes out and re-copies three contexts each time (a quarter of
 * the time besides the compression); here each round copies the keyed
 * inner and outer states nettle's hmac_sha256_set_key made and feeds
 * sha256_update() one whole pre-padded block, which (index 0, 64 bytes)
 * is exactly one compression, then reads the state words (struct
 * sha256_ctx's public fields). SHA-256 is still nettle's (SHA-NI where
 * the CPU has it); tests/unit/test_pbkdf2.c holds this to nettle's own
 * pbkdf2_hmac_sha256, and a wrong key would fail every MAC: closed.
 */
static void
pbkdf2_block(const unsigned char *pw, size_t pwlen, const unsigned char *salt,
    size_t saltlen, uint32_t idx, unsigned char out[SHA256_DIGEST_SIZE])
{
	static const unsigned char none;
	struct hmac_sha256_ctx ctx;
	struct sha256_ctx c;
	unsigned char blk[SHA256_BLOCK_SIZE], be[4];
	unsigned i, k;

	be[0] = (unsigned char)(idx >> 24);
	be[1] = (unsigned char)(idx >> 16);
	be[2] = (unsigned char)(idx >> 8);
	be[3] = (unsigned char)idx;
	hmac_sha256_set_key(&ctx, pwlen, pw ? pw : &none);
	hmac_sha256_update(&ctx, saltlen, salt ? salt : &none);
	hmac_sha256_update(&ctx, sizeof be, be);
	hmac_sha256_digest(&ctx, ROUND_MSG, blk);
	memcpy(out, blk, ROUND_MSG);
	memset(blk + ROUND_MSG, 0, sizeof blk - ROUND_MSG);
	blk[ROUND_MSG] = 0x80;
	blk[ROUND_BITS_HI] = 0x03;
	for (i = 1; i < ES_AV_ROUNDS; i++) {
		c = ctx.inner;
		sha256_update(&c, sizeof blk, blk);
		state_out(&c, blk);
		c = ctx.outer;
		sha256_update(&c, sizeof blk, blk);
		state_out(&c, blk);
		for (k = 0; k < ROUND_MSG; k++)
			out[k] ^= blk[k];
	}
	es_wipe(blk, sizeof blk);
	es_wipe(&c, sizeof c);
	es_wipe(&ctx, sizeof ctx);
}

void
es_av_derive(const unsigned char *pw, size_t pwlen,
    const unsigned char *salt, size_t saltlen, unsigned char dk[ES_AV_DKLEN])
{
	unsigned char last[SHA256_DIGEST_SIZE];

	pbkdf2_block(pw, pwlen, salt, saltlen, 1, dk);
	pbkdf2_block(pw, pwlen, salt, saltlen, 2, dk + 32);
	pbkdf2_block(pw, pwlen, salt, saltlen, 3, last);
	memcpy(dk + 64, last, ES_AV_DKLEN - 64);
	es_wipe(last, sizeof last);
}

void
es_av_hmac(const unsigned char key[ES_AV_KEYLEN], const unsigned char *msg,
    size_t len, unsigned char mac[ES_AV_MACLEN])
{
	struct hmac_sha256_ctx ctx;

	hmac_sha256_set_key(&ctx, ES_AV_KEYLEN, key);
	hmac_sha256_update(&ctx, len, msg);
	hmac_sha256_digest(&ctx, ES_AV_MACLEN, mac);
	es_wipe(&ctx, sizeof ctx);
}

void
es_av_ctr(const unsigned char key[ES_AV_KEYLEN],
    const unsigned char iv[ES_AV_IVLEN], unsigned char *dst,
    const unsigned char *src, size_t len)
{
	struct aes256_ctx ctx;
	unsigned char ctr[ES_AV_IVLEN];

	/* nettle's ctr_crypt increments the whole block as one big-endian
	 * number, exactly as cryptography's modes.CTR(iv) does. */
	memcpy(ctr, iv, sizeof ctr);
	aes256_set_encrypt_key(&ctx, key);
	ctr_crypt(&ctx, (nettle_cipher_func *)aes256_encrypt, AES_BLOCK_SIZE,
	    ctr, len, dst, src);
	es_wipe(&ctx, sizeof ctx);
	es_wipe(ctr, sizeof ctr);
}

void
es_sha256(const void *msg, size_t len, unsigned char out[32])
{
	struct es_sha256_state st;

	es_sha256_init(&st);
	es_sha256_update(&st, msg, len);
	es_sha256_final(&st, out);
}

_Static_assert(sizeof(struct sha256_ctx) <= ES_SHA256_STATE_BYTES,
    "ES_SHA256_STATE_BYTES holds nettle's sha256_ctx");
_Static_assert(_Alignof(struct sha256_ctx) <= 8,
    "es_sha256_state is aligned for nettle's sha256_ctx");

void
es_sha256_init(struct es_sha256_state *st)
{
	sha256_init((struct sha256_ctx *)st->opaque);
}

void
es_sha256_update(struct es_sha256_state *st, const void *msg, size_t len)
{
	sha256_update((struct sha256_ctx *)st->opaque, len, msg);
}

void
es_sha256_final(struct es_sha256_state *st, unsigned char out[32])
{
	sha256_digest((struct sha256_ctx *)st->opaque, SHA256_DIGEST_SIZE, out);
}

/* Length of strict PKCS#7 padding at the end of p, or 0 when invalid. */
static size_t
pkcs7_padlen(const unsigned char *p, size_t len)
{
	unsigned char n, bad;
	size_t i;

	if (len == 0 || len % ES_AV_BLOCK != 0)
		return 0;
	n = p[len - 1];
	if (n == 0 || n > ES_AV_BLOCK)
		return 0;
	bad = 0;
	for (i = 0; i < n; i++)
		bad |= p[len - 1 - i] ^ n;
	return bad ? 0 : n;
}

int
es_av_open(const unsigned char *pw, size_t pwlen, const unsigned char *salt,
    size_t saltlen, const unsigned char mac[ES_AV_MACLEN],
    const unsigned char *ct, size_t ctlen, struct es_sbuf *pt)
{
	unsigned char *dk = NULL, calc[ES_AV_MACLEN];
	size_t start = pt->len, pad;
	int r;

	if (ctlen == 0 || ctlen % ES_AV_BLOCK != 0)
		return es_failf(ES_EFORMAT, "ciphertext is not whole AES blocks");
	if ((dk = es_secure_alloc(ES_AV_DKLEN + SHA256_DIGEST_SIZE)) == NULL)
		return -ENOMEM;
	/* The HMAC key first: verify before deriving anything else. */
	pbkdf2_block(pw, pwlen, salt, saltlen, 2, dk + ES_AV_KEYLEN);
	es_av_hmac(dk + ES_AV_KEYLEN, ct, ctlen, calc);
	/* Verify before decrypting anything, in constant time. */
	if (!es_ct_equal(calc, mac, ES_AV_MACLEN)) {
		r = ES_EKEY;
		goto out;
	}
	pbkdf2_block(pw, pwlen, salt, saltlen, 1, dk);
	/* Block 3 is 32 bytes; the counter is its first 16 (the spare room
	 * after dk holds the rest). */
	pbkdf2_block(pw, pwlen, salt, saltlen, 3, dk + 2 * ES_AV_KEYLEN);
	if ((r = es_sbuf_reserve(pt, ctlen)) != 0)
		goto out;
	es_av_ctr(dk, dk + 2 * ES_AV_KEYLEN, pt->p + start, ct, ctlen);
	if ((pad = pkcs7_padlen(pt->p + start, ctlen)) == 0) {
		es_wipe(pt->p + start, ctlen);
		r = es_failf(ES_EFORMAT, "bad PKCS#7 padding behind a valid MAC");
		goto out;
	}
	/* The padding bytes stay in reserved, wiped-on-free memory. */
	pt->len = start + ctlen - pad;
	r = 0;
out:
	es_wipe(calc, sizeof calc);
	es_secure_free(dk);
	return r;
}

int
es_av_seal(const unsigned char *pw, size_t pwlen, const unsigned char *salt,
    size_t saltlen, const unsigned char *pt, size_t ptlen,
    unsigned char mac[ES_AV_MACLEN], struct es_sbuf *ct)
{
	unsigned char *dk = NULL, *p;
	size_t start = ct->len, pad, padded;
	int r;

	pad = ES_AV_BLOCK - ptlen % ES_AV_BLOCK;
	if (ptlen > ES_SBUF_MAX - pad)
		return es_failf(ES_ELIMIT, "plaintext too large");
	padded = ptlen + pad;
	if ((r = es_sbuf_reserve(ct, padded)) != 0)
		return r;
	if ((dk = es_secure_alloc(ES_AV_DKLEN)) == NULL)
		return -ENOMEM;
	p = ct->p + start;
	if (ptlen)
		memcpy(p, pt, ptlen);
	memset(p + ptlen, (int)pad, pad);
	es_av_derive(pw, pwlen, salt, saltlen, dk);
	es_av_ctr(dk, dk + 2 * ES_AV_KEYLEN, p, p, padded);
	es_av_hmac(dk + ES_AV_KEYLEN, p, padded, mac);
	ct->len = start + padded;
	es_secure_free(dk);
	return 0;
}
