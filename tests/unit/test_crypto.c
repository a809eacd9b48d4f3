/* tests/unit/test_crypto.c — Ansible Vault primitives: known answers of
 * vector g1, the 128-bit CTR carry, PKCS#7, MAC-before-decrypt, secrets
 * list and salt generator. */
#include "crypto/crypto.h"
#include "tests/unit/t.h"

#include <string.h>
#include <sodium.h>
#include <nettle/aes.h>

static int
eq_hex(const unsigned char *p, size_t n, const char *h)
{
	char buf[1024];

	es_hex(buf, p, n);
	return strcmp(buf, h) == 0;
}

static void
test_g1_kat(void)
{
	static const char pt[] = "db_user: admin\ndb_pass: s3cr3t\nport: 5432\n";
	unsigned char salt[32], dk[ES_AV_DKLEN], mac[32], ct[48];
	struct es_sbuf c = { 0 }, p = { 0 };
	size_t i;

	for (i = 0; i < 32; i++)
		salt[i] = (unsigned char)i;
	es_av_derive((const unsigned char *)"correct horse", 13, salt, 32, dk);
	T_CHECK("g1 key1", eq_hex(dk, 32, "2aaf07f4784f63a278ed37cf759d4595"
	    "412c3ca0ffe44a8a05ce440eed65efed"));
	T_CHECK("g1 key2", eq_hex(dk + 32, 32, "c0dc0ec7ae5a0140caf9d4e8944c"
	    "8531c8e9810a70ce2583aa2e19936948807e"));
	T_CHECK("g1 iv", eq_hex(dk + 64, 16, "398e1e4c902e99d13fd51742f845f78f"));
	T_CHECK("g1 seal", es_av_seal((const unsigned char *)"correct horse",
	    13, salt, 32, (const unsigned char *)pt, strlen(pt), mac, &c) == 0);
	T_CHECK("g1 plaintext is 42 bytes", strlen(pt) == 42);
	T_CHECK("g1 hmac", eq_hex(mac, 32, "933c1aa1bff913e748baf64479b139f9"
	    "c39677305faebed49716b8f67a4b038b"));
	T_CHECK("g1 ciphertext", c.len == 48 && eq_hex(c.p, 48,
	    "aff14a7dad69bb646095472cb0c71738216993e9c2fbfb66a27ef17783a1778"
	    "239c3a0bd70edc37fbc6082b9be4ffa2a"));
	T_CHECK("g1 open", es_av_open((const unsigned char *)"correct horse",
	    13, salt, 32, mac, c.p, c.len, &p) == 0 && p.len == 42 &&
	    memcmp(p.p, pt, 42) == 0);
	memcpy(ct, c.p, 48);
	ct[47] ^= 1;
	es_sbuf_free(&p);
	T_CHECK("g1 flipped ct: MAC fails", es_av_open((const unsigned char *)
	    "correct horse", 13, salt, 32, mac, ct, 48, &p) == ES_EKEY &&
	    p.len == 0);
	T_CHECK("g1 wrong password: MAC fails", es_av_open((const unsigned
	    char *)"correct horsf", 13, salt, 32, mac, c.p, 48, &p) == ES_EKEY);
	T_CHECK("partial block refused", es_av_open((const unsigned char *)
	    "correct horse", 13, salt, 32, mac, c.p, 47, &p) == ES_EFORMAT);
	T_CHECK("empty ct refused", es_av_open((const unsigned char *)
	    "correct horse", 13, salt, 32, mac, c.p, 0, &p) == ES_EFORMAT);
	es_sbuf_free(&c);
	es_sbuf_free(&p);
}

/* The counter is one 128-bit big-endian number: carries cross byte 8. */
static void
test_ctr_carry(void)
{
	unsigned char key[32] = { 1 }, iv[16], zero[48] = { 0 }, ks[48];
	unsigned char blk[16], ctr[16];
	struct aes256_ctx aes;
	int i, good = 1;

	memset(iv, 0, 8);
	memset(iv + 8, 0xff, 8);
	iv[7] = 0x41;
	es_av_ctr(key, iv, ks, zero, sizeof ks);
	aes256_set_encrypt_key(&aes, key);
	memcpy(ctr, iv, 16);
	for (i = 0; i < 3; i++) {
		aes256_encrypt(&aes, 16, blk, ctr);
		good &= memcmp(blk, ks + 16 * i, 16) == 0;
		/* ...41 ff*8 -> ...42 00*8 -> ...42 00*7 01 */
		if (i == 0) {
			memset(ctr + 8, 0, 8);
			ctr[7] = 0x42;
		} else
			ctr[15]++;
	}
	T_CHECK("ctr carries into byte 7", good);
	memset(iv, 0xff, 16);
	es_av_ctr(key, iv, ks, zero, 32);
	memset(ctr, 0, 16);
	aes256_encrypt(&aes, 16, blk, ctr);
	T_CHECK("ctr wraps ff..ff to 00..00", memcmp(blk, ks + 16, 16) == 0);
}

/* A valid MAC over bad padding: a writer bug, refused strictly. */
static void
test_bad_padding(void)
{
	unsigned char salt[4] = { 9, 9, 9, 9 }, dk[ES_AV_DKLEN], mac[32];
	unsigned char pad[32], ct[32];
	struct es_sbuf p = { 0 };
	const unsigned char pw[] = "pw";

	es_av_derive(pw, 2, salt, 4, dk);
	memset(pad, 'a', 32);
	pad[31] = 3;
	pad[30] = 3;
	pad[29] = 4;    /* claims 3 bytes of padding, one is wrong */
	es_av_ctr(dk, dk + 64, ct, pad, 32);
	es_av_hmac(dk + 32, ct, 32, mac);
	T_CHECK("bad padding refused", es_av_open(pw, 2, salt, 4, mac, ct, 32,
	    &p) == ES_EFORMAT && p.len == 0);
	pad[31] = 0;
	es_av_ctr(dk, dk + 64, ct, pad, 32);
	es_av_hmac(dk + 32, ct, 32, mac);
	T_CHECK("zero padding byte refused", es_av_open(pw, 2, salt, 4, mac,
	    ct, 32, &p) == ES_EFORMAT);
	pad[31] = 17;
	es_av_ctr(dk, dk + 64, ct, pad, 32);
	es_av_hmac(dk + 32, ct, 32, mac);
	T_CHECK("padding > 16 refused", es_av_open(pw, 2, salt, 4, mac, ct, 32,
	    &p) == ES_EFORMAT);
	memset(pad + 16, 16, 16);
	es_av_ctr(dk, dk + 64, ct, pad, 32);
	es_av_hmac(dk + 32, ct, 32, mac);
	T_CHECK("full padding block accepted", es_av_open(pw, 2, salt, 4, mac,
	    ct, 32, &p) == 0 && p.len == 16);
	es_sbuf_free(&p);
}

static void
test_secrets_and_salts(void)
{
	struct es_secrets s = { .n = 0 };
	unsigned char a[32], b[32], f[3] = { 1, 2, 3 };
	char label[ES_LABEL_MAX + 2];

	T_CHECK("secret add", es_secrets_add(&s, NULL, (const unsigned char *)
	    "x", 1) == 0 && s.n == 1 && !strcmp(s.v[0].label, "default"));
	memset(label, 'l', sizeof label - 1);
	label[sizeof label - 1] = 0;
	T_CHECK("overlong label refused", es_secrets_add(&s, label,
	    (const unsigned char *)"x", 1) == ES_ELIMIT && s.n == 1);
	es_secrets_free(&s);
	T_CHECK("secrets freed", s.n == 0);
	T_CHECK("unseeded salt refused", es_salt_next(a, 32) == ES_EBUG);
	es_salt_seed();
	T_CHECK("salt draws differ", es_salt_next(a, 32) == 0 &&
	    es_salt_next(b, 32) == 0 && memcmp(a, b, 32) != 0);
	es_salt_fixed(f, 3);
	T_CHECK("fixed salt", es_salt_next(a, 3) == 0 && !memcmp(a, f, 3));
	T_CHECK("fixed salt wrong length", es_salt_next(a, 32) != 0);
}

/* es_sha256 (nettle) against FIPS 180-2's "abc" and libsodium's digest
 * of a 100 KB buffer: the audit chain must not change with the library. */
static void
test_sha256(void)
{
	static const unsigned char abc[32] = {
		0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41,
		0x40, 0xde, 0x5d, 0xae, 0x22, 0x23, 0xb0, 0x03, 0x61, 0xa3,
		0x96, 0x17, 0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00,
		0x15, 0xad,
	};
	unsigned char h[32], want[32], *big;
	size_t i, n = 100003;

	es_sha256("abc", 3, h);
	T_CHECK("sha256 abc", memcmp(h, abc, 32) == 0);
	if ((big = malloc(n)) == NULL) {
		T_CHECK("sha256 buffer", 0);
		return;
	}
	for (i = 0; i < n; i++)
		big[i] = (unsigned char)(i * 131 + 7);
	es_sha256(big, n, h);
	crypto_hash_sha256(want, big, n);
	T_CHECK("sha256 equals libsodium's on 100 KB", memcmp(h, want, 32) == 0);
	es_sha256("", 0, h);
	crypto_hash_sha256(want, (const unsigned char *)"", 0);
	T_CHECK("sha256 of nothing", memcmp(h, want, 32) == 0);
	free(big);
}

/* The streamed digest (an audit line read in pieces) equals the one-shot
 * digest whatever the cut, across 64-byte block edges. */
static void
test_sha256_stream(void)
{
	static const size_t cuts[] = { 0, 1, 63, 64, 65, 4096, 99999 };
	unsigned char h[32], want[32], *big;
	struct es_sha256_state st;
	size_t i, n = 100000;
	int good = 1;

	if ((big = malloc(n)) == NULL) {
		T_CHECK("sha256 stream buffer", 0);
		return;
	}
	for (i = 0; i < n; i++)
		big[i] = (unsigned char)(i * 37 + 11);
	es_sha256(big, n, want);
	for (i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
		es_sha256_init(&st);
		es_sha256_update(&st, big, cuts[i]);
		es_sha256_update(&st, big + cuts[i], n - cuts[i]);
		es_sha256_final(&st, h);
		good &= memcmp(h, want, 32) == 0;
	}
	T_CHECK("sha256 streamed in two pieces equals one-shot at every cut",
	    good);
	es_sha256_init(&st);
	es_sha256_update(&st, "abc", 3);
	es_sha256_final(&st, h);
	T_CHECK("sha256 streamed: FIPS 180-2 'abc'", eq_hex(h, 32,
	    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
	free(big);
}

int
main(void)
{
	T_CHECK("sodium_init", sodium_init() >= 0);
	test_g1_kat();
	test_ctr_carry();
	test_bad_padding();
	test_secrets_and_salts();
	test_sha256();
	test_sha256_stream();
	return t_done();
}
