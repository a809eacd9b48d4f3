/*
 * tests/unit/test_pbkdf2.c — crypto/av.c's PBKDF2-HMAC-SHA256 rounds
 * (HMAC's keyed states reused, one pre-padded block per hash) against
 * nettle's own pbkdf2_hmac_sha256, byte for byte: passwords around the
 * 64-byte block (a longer key is hashed first), salts from empty to
 * 255 bytes, and random ones; 80 bytes, 10000 rounds, as Ansible Vault
 * derives. (The g1-g4 vectors of test_crypto and test_vault hold both to
 * ansible-vault itself.) Then the same cases again with the helper thread
 * started (es_av_parallel_start: blocks 1 and 3 beside block 2), and
 * es_av_open through it: a wrong password (the helper cancelled) and the
 * right one after it, on random payloads sealed serially. Last, the
 * derived-key memo (es_av_memo_on, ES_JOB_ROTATE's): an open after a seal
 * of the same password and salt uses the seal's key and yields the
 * payload; another password or salt is never served from it (ES_EKEY, a
 * fresh derivation); es_av_memo_off forgets every entry.
 */
#include "crypto/crypto.h"
#include "t.h"

#include <string.h>
#include <nettle/pbkdf2.h>
#include <sodium.h>

/* Random cases per run: each costs two derivations of 10000 rounds. */
#define RANDOM_CASES 12
/* Derivations at most before the helper has computed a block. */
#define HELPER_TRIES 300

static int
same(const unsigned char *pw, size_t pwlen, const unsigned char *salt,
    size_t saltlen)
{
	unsigned char a[ES_AV_DKLEN], b[ES_AV_DKLEN];

	es_av_derive(pw, pwlen, salt, saltlen, a);
	pbkdf2_hmac_sha256(pwlen, pw, ES_AV_ROUNDS, saltlen, salt, sizeof b, b);
	return memcmp(a, b, sizeof a) == 0;
}

/* Seal a random payload with pw (serial or not), open it with a wrong
 * password (ES_EKEY, nothing appended) and with pw (the payload back). */
static int
open_cycle(const unsigned char *pw, size_t pwlen, const unsigned char *salt,
    size_t saltlen, size_t len)
{
	unsigned char msg[700], mac[ES_AV_MACLEN], bad[8];
	struct es_sbuf ct = { 0 }, pt = { 0 };
	int ok;

	randombytes_buf(msg, len);
	memcpy(bad, pw, pwlen < sizeof bad ? pwlen : sizeof bad);
	bad[0] ^= 1;
	ok = es_av_seal(pw, pwlen, salt, saltlen, msg, len, mac, &ct) == 0;
	ok &= es_av_open(bad, pwlen < sizeof bad ? pwlen : sizeof bad, salt,
	    saltlen, mac, ct.p, ct.len, &pt) == ES_EKEY && pt.len == 0;
	ok &= es_av_open(pw, pwlen, salt, saltlen, mac, ct.p, ct.len,
	    &pt) == 0 && pt.len == len && memcmp(pt.p, msg, len) == 0;
	es_sbuf_free(&ct);
	es_sbuf_free(&pt);
	return ok;
}

/* Everything above once more, derivations now split across two threads. */
static void
test_parallel(unsigned char *pw, unsigned char *salt)
{
	size_t i, ok;

	T_CHECK("helper thread: no block computed before it starts",
	    es_av_parallel_blocks() == 0);
	T_CHECK("helper thread starts", es_av_parallel_start() == 0);
	T_CHECK("helper thread: a second start is refused, the first kept",
	    es_av_parallel_start() != 0);
	for (i = 0, ok = 1; i < RANDOM_CASES; i++) {
		randombytes_buf(pw, 256);
		randombytes_buf(salt, ES_AV_SALT_MAX);
		ok &= same(pw, randombytes_uniform(256), salt,
		    randombytes_uniform(300));
	}
	T_CHECK("parallel pbkdf2 = nettle's, random cases", ok);
	T_CHECK("parallel pbkdf2 = nettle's, empty password and salt",
	    same((const unsigned char *)"", 0, (const unsigned char *)"", 0));
	for (i = 0, ok = 1; i < 6; i++)
		ok &= open_cycle(pw, 1 + randombytes_uniform(200), salt,
		    randombytes_uniform(64), randombytes_uniform(700));
	T_CHECK("parallel open: wrong password refused, right one opens", ok);
	/* The caller takes what the helper has not started: on a busy
	 * machine the helper may have computed none yet. More derivations
	 * (each checked) until it has. */
	for (i = 0, ok = 1; i < HELPER_TRIES && es_av_parallel_blocks() == 0;
	    i++)
		ok &= same(pw, 1 + randombytes_uniform(100), salt, 32);
	T_CHECK("helper thread: it computed blocks, every key nettle's",
	    ok && es_av_parallel_blocks() > 0);
}

/* The memo: hits only for the same password and salt, gone once off. */
static void
test_memo(const unsigned char *pw, const unsigned char *salt)
{
	unsigned char msg[100], mac[ES_AV_MACLEN], bad[40], salt2[32];
	struct es_sbuf ct = { 0 }, pt = { 0 };
	size_t h0;
	int ok;

	randombytes_buf(msg, sizeof msg);
	memcpy(bad, pw, sizeof bad);
	bad[39] ^= 0x80;
	memcpy(salt2, salt, sizeof salt2);
	salt2[31] ^= 1;
	h0 = es_av_memo_hits();
	ok = es_av_seal(pw, 40, salt, 32, msg, sizeof msg, mac, &ct) == 0;
	T_CHECK("memo off: a seal then an open derive afresh",
	    ok && es_av_open(pw, 40, salt, 32, mac, ct.p, ct.len, &pt) == 0 &&
	    es_av_memo_hits() == h0);
	es_sbuf_free(&ct);
	es_sbuf_free(&pt);
	es_av_memo_on();
	ok = es_av_seal(pw, 40, salt, 32, msg, sizeof msg, mac, &ct) == 0;
	T_CHECK("memo: the open after the seal uses its key, to the payload",
	    ok && es_av_open(pw, 40, salt, 32, mac, ct.p, ct.len, &pt) == 0 &&
	    pt.len == sizeof msg && memcmp(pt.p, msg, sizeof msg) == 0 &&
	    es_av_memo_hits() == h0 + 1);
	es_sbuf_free(&pt);
	T_CHECK("memo: another password (last bit) is refused, not served",
	    es_av_open(bad, 40, salt, 32, mac, ct.p, ct.len, &pt) == ES_EKEY &&
	    pt.len == 0 && es_av_memo_hits() == h0 + 1);
	T_CHECK("memo: a prefix of the password is refused, not served",
	    es_av_open(pw, 39, salt, 32, mac, ct.p, ct.len, &pt) == ES_EKEY &&
	    es_av_memo_hits() == h0 + 1);
	T_CHECK("memo: another salt is refused, not served",
	    es_av_open(pw, 40, salt2, 32, mac, ct.p, ct.len, &pt) == ES_EKEY &&
	    es_av_memo_hits() == h0 + 1);
	es_av_memo_off();
	T_CHECK("memo off again: the entry is gone, the open derives afresh",
	    es_av_open(pw, 40, salt, 32, mac, ct.p, ct.len, &pt) == 0 &&
	    pt.len == sizeof msg && es_av_memo_hits() == h0 + 1);
	es_sbuf_free(&ct);
	es_sbuf_free(&pt);
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
	T_CHECK("serial open: wrong password refused, right one opens",
	    open_cycle(pw, 40, salt, 32, 333));
	test_parallel(pw, salt);
	test_memo(pw, salt);
	return t_done();
}
