/*
 * tests/unit/test_pbkdf2.c — crypto/av.c's PBKDF2-HMAC-SHA256 rounds
 * (HMAC's keyed states reused, one pre-padded block per hash) against
 * nettle's own pbkdf2_hmac_sha256, byte for byte: passwords around the
 * 64-byte block (a longer key is hashed first), salts from empty to
 * 255 bytes, and random ones; 80 bytes, 10000 rounds, as Ansible Vault
 * derives. (The g1-g4 vectors of test_crypto and test_vault hold both to
 * ansible-vault itself.)
 */
#include "crypto/crypto.h"
#include "t.h"

#include <string.h>
#include <nettle/pbkdf2.h>
#include <sodium.h>

/* Random cases per run: each costs two derivations of 10000 rounds. */
#define RANDOM_CASES 12

static int
same(const unsigned char *pw, size_t pwlen, const unsigned char *salt,
    size_t saltlen)
{
	unsigned char a[ES_AV_DKLEN], b[ES_AV_DKLEN];

	es_av_derive(pw, pwlen, salt, saltlen, a);
	pbkdf2_hmac_sha256(pwlen, pw, ES_AV_ROUNDS, saltlen, salt, sizeof b, b);
	return memcmp(a, b, sizeof a) == 0;
}

int
main(void)
{
	static const size_t pwlens[] = { 0, 1, 13, 55, 56, 63, 64, 65, 128,
		200 };
	static const size_t saltlens[] = { 0, 1, 32, 64, 255 };
	unsigned char pw[256], salt[ES_AV_SALT_MAX];
	char name[96];
	size_t i, k, ok;

	if (sodium_init() < 0)
		return 1;
	randombytes_buf(pw, sizeof pw);
	randombytes_buf(salt, sizeof salt);
	for (i = 0, ok = 1; i < sizeof pwlens / sizeof pwlens[0]; i++)
		ok &= same(pw, pwlens[i], salt, 32);
	T_CHECK("pbkdf2 = nettle's, passwords of 0..200 bytes", ok);
	for (k = 0, ok = 1; k < sizeof saltlens / sizeof saltlens[0]; k++)
		ok &= same(pw, 13, salt, saltlens[k] < sizeof salt ?
		    saltlens[k] : sizeof salt);
	T_CHECK("pbkdf2 = nettle's, salts of 0..255 bytes", ok);
	for (i = 0, ok = 1; i < RANDOM_CASES; i++) {
		randombytes_buf(pw, sizeof pw);
		randombytes_buf(salt, sizeof salt);
		ok &= same(pw, randombytes_uniform(sizeof pw), salt,
		    randombytes_uniform(64));
	}
	snprintf(name, sizeof name, "pbkdf2 = nettle's, %d random cases",
	    RANDOM_CASES);
	T_CHECK(name, ok);
	T_CHECK("pbkdf2 empty password and salt",
	    same((const unsigned char *)"", 0, (const unsigned char *)"", 0));
	return t_done();
}
