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
#include <nettle/pbkdf2.h>

void
es_av_derive(const unsigned char *pw, size_t pwlen,
    const unsigned char *salt, size_t saltlen, unsigned char dk[ES_AV_DKLEN])
{
	/* nettle never reads the pointers for zero lengths, but make sure
	 * they are valid anyway. */
	static const unsigned char none;

	pbkdf2_hmac_sha256(pwlen, pw ? pw : &none, ES_AV_ROUNDS, saltlen,
	    salt ? salt : &none, ES_AV_DKLEN, dk);
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
	if ((dk = es_secure_alloc(ES_AV_DKLEN)) == NULL)
		return -ENOMEM;
	es_av_derive(pw, pwlen, salt, saltlen, dk);
	es_av_hmac(dk + ES_AV_KEYLEN, ct, ctlen, calc);
	/* Verify before decrypting anything, in constant time. */
	if (!es_ct_equal(calc, mac, ES_AV_MACLEN)) {
		r = ES_EKEY;
		goto out;
	}
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
