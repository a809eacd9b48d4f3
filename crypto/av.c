/*
 * crypto/av.c — the Ansible Vault AES256 payload: PBKDF2-HMAC-SHA256 key
 * derivation, HMAC-SHA256 and AES-256-CTR (nettle), PKCS#7 padding.
 * Pure: memory only. See crypto/crypto.h.
 */
#include "crypto/crypto.h"

#include <errno.h>
#include <linux/futex.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <nettle/aes.h>
#include <nettle/ctr.h>
#include <nettle/hmac.h>
#include <nettle/sha2.h>

/* The one block every HMAC-SHA256 round hashes, after the keyed state:
 * a 32-byte message, then SHA-256's padding for 64 + 32 = 96 bytes (0x80,
 * zeros, the length in bits big-endian: 768 = 0x0300). */
#define ROUND_MSG 32
#define ROUND_BITS_HI 62   /* block[62..63] = 0x03 0x00 */

/* Rounds between two looks at the helper's cancel flag (~30 us). */
#define CANCEL_EVERY 256

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
    size_t saltlen, uint32_t idx, unsigned char out[SHA256_DIGEST_SIZE],
    atomic_int *cancel)
{
	static const unsigned char none;
	struct hmac_sha256_ctx ctx;
	struct sha256_ctx c;
	unsigned char blk[SHA256_BLOCK_SIZE], be[4], acc[ROUND_MSG];
	unsigned i, k;

	be[0] = (unsigned char)(idx >> 24);
	be[1] = (unsigned char)(idx >> 16);
	be[2] = (unsigned char)(idx >> 8);
	be[3] = (unsigned char)idx;
	hmac_sha256_set_key(&ctx, pwlen, pw ? pw : &none);
	hmac_sha256_update(&ctx, saltlen, salt ? salt : &none);
	hmac_sha256_update(&ctx, sizeof be, be);
	hmac_sha256_digest(&ctx, ROUND_MSG, blk);
	/* The rounds XOR into acc, on this thread's stack, and out is
	 * written once: blocks 1 and 2 share a cache line of dk, and two
	 * threads writing it every round made the parallel derivation
	 * slower than the serial one (the line bounced between cores). */
	memcpy(acc, blk, ROUND_MSG);
	memset(blk + ROUND_MSG, 0, sizeof blk - ROUND_MSG);
	blk[ROUND_MSG] = 0x80;
	blk[ROUND_BITS_HI] = 0x03;
	for (i = 1; i < ES_AV_ROUNDS; i++) {
		/* The helper's blocks are dropped when block 2's MAC fails:
		 * stop within CANCEL_EVERY rounds, not 10000. */
		if (cancel != NULL && i % CANCEL_EVERY == 0 &&
		    atomic_load_explicit(cancel, memory_order_relaxed))
			break;
		c = ctx.inner;
		sha256_update(&c, sizeof blk, blk);
		state_out(&c, blk);
		c = ctx.outer;
		sha256_update(&c, sizeof blk, blk);
		state_out(&c, blk);
		for (k = 0; k < ROUND_MSG; k++)
			acc[k] ^= blk[k];
	}
	memcpy(out, acc, ROUND_MSG);
	es_wipe(acc, sizeof acc);
	es_wipe(blk, sizeof blk);
	es_wipe(&c, sizeof c);
	es_wipe(&ctx, sizeof ctx);
}

/*
 * The PBKDF2 helper: one thread, started by es_av_parallel_start() before
 * the worker's filter is loaded (the filter then covers it too: TSYNC).
 * Blocks 1 and 3 are offered to it while the caller computes block 2 and
 * checks the MAC; each of the two is claimed by whichever thread gets to
 * it first, so the caller, done with block 2, computes what the helper
 * has not started: with a free core a derivation costs two blocks of wall
 * time, not three, and with none (a loaded machine, the helper not yet
 * scheduled) it costs what the serial one does, not a wait for the
 * helper. It touches only the password, the salt and the caller's
 * guarded output, never malloc (no second arena, no new syscalls), and
 * talks through one futex word with FUTEX_WAIT_PRIVATE and
 * FUTEX_WAKE_PRIVATE only, the two futex rows of the worker's filter. It
 * never ends: exit_group takes it with the process.
 */
enum { H_NONE, H_IDLE, H_JOB, H_RUN, H_DONE };
/* The two blocks either thread may claim, as bits of helper.taken. */
#define TAKE_B1 1
#define TAKE_B3 2

static struct {
	atomic_int state;          /* the futex word: H_* */
	atomic_int cancel;         /* the caller's MAC failed: stop */
	atomic_int taken;          /* TAKE_*: claimed by one thread or other */
	const unsigned char *pw, *salt;
	size_t pwlen, saltlen;
	unsigned char *b1, *b3;    /* the caller's guarded memory */
	atomic_size_t blocks;      /* blocks the helper computed (tests) */
} helper;

/* Stack of the helper: PBKDF2's contexts and nettle's SHA-256, a few KiB
 * (glibc puts the thread's TLS there too); the sanitizers' test build
 * needs more. */
#if defined(__SANITIZE_ADDRESS__)
#define HELPER_STACK ((size_t)256 << 10)
#else
#define HELPER_STACK ((size_t)64 << 10)
#endif

static void
futex_wait(atomic_int *w, int val)
{
	/* EAGAIN (the word moved on) and EINTR: the caller looks again. */
	(void)syscall(SYS_futex, (int *)w, FUTEX_WAIT_PRIVATE, val, NULL,
	    NULL, 0);
}

static void
futex_wake(atomic_int *w)
{
	(void)syscall(SYS_futex, (int *)w, FUTEX_WAKE_PRIVATE, 1, NULL,
	    NULL, 0);
}

/* Block until the word leaves 'from'; the value it took. */
static int
wait_while(atomic_int *w, int from)
{
	int v;

	while ((v = atomic_load(w)) == from)
		futex_wait(w, from);
	return v;
}

/* Compute the blocks of the posted job that no thread has claimed yet;
 * how many this call computed. */
static size_t
take_blocks(atomic_int *cancel)
{
	size_t n = 0;

	if (!(atomic_fetch_or(&helper.taken, TAKE_B1) & TAKE_B1)) {
		pbkdf2_block(helper.pw, helper.pwlen, helper.salt,
		    helper.saltlen, 1, helper.b1, cancel);
		n++;
	}
	if (!(atomic_fetch_or(&helper.taken, TAKE_B3) & TAKE_B3)) {
		pbkdf2_block(helper.pw, helper.pwlen, helper.salt,
		    helper.saltlen, 3, helper.b3, cancel);
		n++;
	}
	return n;
}

static void *
helper_main(void *arg)
{
	int v;

	(void)arg;
	atomic_store(&helper.state, H_IDLE);
	futex_wake(&helper.state);
	for (;;) {
		/* H_DONE until the caller has collected, then H_IDLE. */
		while ((v = atomic_load(&helper.state)) != H_JOB)
			futex_wait(&helper.state, v);
		/* The job is ours only if the caller has not taken it back
		 * (it did everything itself): only then are its fields read. */
		v = H_JOB;
		if (!atomic_compare_exchange_strong(&helper.state, &v, H_RUN))
			continue;
		atomic_fetch_add(&helper.blocks, take_blocks(&helper.cancel));
		atomic_store(&helper.state, H_DONE);
		futex_wake(&helper.state);
	}
	return NULL;
}

int
es_av_parallel_start(void)
{
	pthread_attr_t attr;
	pthread_t t;
	sigset_t all, old;
	int r;

	if (atomic_load(&helper.state) != H_NONE)
		return -EALREADY;
	if ((r = pthread_attr_init(&attr)) != 0)
		return -r;
	/* Asynchronous signals stay with the main thread: the helper blocks
	 * them. Not the ones its own faults raise (a filter's SIGSYS in
	 * debug mode must reach its handler). */
	sigfillset(&all);
	sigdelset(&all, SIGSYS);
	sigdelset(&all, SIGSEGV);
	sigdelset(&all, SIGBUS);
	sigdelset(&all, SIGILL);
	sigdelset(&all, SIGFPE);
	sigdelset(&all, SIGABRT);
	if ((r = pthread_attr_setstacksize(&attr, HELPER_STACK)) == 0 &&
	    (r = pthread_attr_setdetachstate(&attr,
	    PTHREAD_CREATE_DETACHED)) == 0 &&
	    (r = pthread_sigmask(SIG_SETMASK, &all, &old)) == 0) {
		r = pthread_create(&t, &attr, helper_main, NULL);
		(void)pthread_sigmask(SIG_SETMASK, &old, NULL);
	}
	pthread_attr_destroy(&attr);
	if (r != 0)
		return -r;
	/* Its start-up syscalls (robust list, rseq, signal mask) are done
	 * before it says idle, hence before the caller loads a filter. */
	(void)wait_while(&helper.state, H_NONE);
	return 0;
}

size_t
es_av_parallel_blocks(void)
{
	return atomic_load(&helper.blocks);
}

/* Offer blocks 1 and 3 to the helper, when there is one: 1 if offered
 * (helper_collect must follow), 0 when the caller computes them. */
static int
helper_post(const unsigned char *pw, size_t pwlen, const unsigned char *salt,
    size_t saltlen, unsigned char *b1, unsigned char *b3)
{
	if (atomic_load(&helper.state) != H_IDLE)
		return 0;
	helper.pw = pw;
	helper.pwlen = pwlen;
	helper.salt = salt;
	helper.saltlen = saltlen;
	helper.b1 = b1;
	helper.b3 = b3;
	atomic_store(&helper.cancel, 0);
	atomic_store(&helper.taken, 0);
	atomic_store(&helper.state, H_JOB);   /* publishes the fields */
	futex_wake(&helper.state);
	return 1;
}

/* After block 2: compute what the helper has not claimed (cancel: the
 * MAC failed, none is wanted, the helper stops early), then wait for the
 * block the helper is in, if any; the helper is idle again afterwards. */
static void
helper_collect(int cancel)
{
	int v = H_JOB;

	if (cancel) {
		atomic_store(&helper.cancel, 1);
		atomic_fetch_or(&helper.taken, TAKE_B1 | TAKE_B3);
	} else
		(void)take_blocks(NULL);
	/* Not picked up yet: taken back, the helper never reads it. */
	if (!atomic_compare_exchange_strong(&helper.state, &v, H_IDLE)) {
		if (wait_while(&helper.state, H_RUN) != H_DONE)
			BUG("PBKDF2 helper: unexpected state");
		atomic_store(&helper.state, H_IDLE);
	}
	helper.pw = helper.salt = NULL;
	helper.b1 = helper.b3 = NULL;
}

void
es_av_derive(const unsigned char *pw, size_t pwlen,
    const unsigned char *salt, size_t saltlen, unsigned char dk[ES_AV_DKLEN])
{
	unsigned char last[SHA256_DIGEST_SIZE];
	int par = helper_post(pw, pwlen, salt, saltlen, dk, last);

	if (!par)
		pbkdf2_block(pw, pwlen, salt, saltlen, 1, dk, NULL);
	pbkdf2_block(pw, pwlen, salt, saltlen, 2, dk + 32, NULL);
	if (par)
		helper_collect(0);
	else
		pbkdf2_block(pw, pwlen, salt, saltlen, 3, last, NULL);
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

/*
 * The derived-key memo (crypto.h es_av_memo_on): (SHA-256 of the
 * password, salt) -> dk, each entry in its own guarded allocation, all
 * wiped by es_av_memo_off(). PBKDF2 is a function: an entry holds what a
 * fresh derivation of the same password and salt returns, so an open
 * through it checks the MAC and decrypts exactly as without it. Entries
 * are made only from a derivation that was completed (a seal, or an open
 * whose MAC held); a full memo or a failed allocation derives afresh.
 */
#define MEMO_MAX 1024
#define MEMO_SALT_MAX 64
struct memo_ent {
	unsigned char pwh[32];
	size_t saltlen;
	unsigned char salt[MEMO_SALT_MAX];
	unsigned char dk[ES_AV_DKLEN];
};
static struct {
	int on;
	size_t n;
	struct memo_ent *e[MEMO_MAX];
} memo;
static size_t memo_hits;

size_t
es_av_memo_hits(void)
{
	return memo_hits;
}

void
es_av_memo_on(void)
{
	memo.on = 1;
}

void
es_av_memo_off(void)
{
	size_t i;

	for (i = 0; i < memo.n; i++)
		es_secure_free(memo.e[i]);   /* wipes */
	memset(&memo, 0, sizeof memo);
}

static int
memo_find(const unsigned char *pw, size_t pwlen, const unsigned char *salt,
    size_t saltlen, unsigned char dk[ES_AV_DKLEN])
{
	unsigned char h[32];
	size_t i;
	int hit = 0;

	if (!memo.on || saltlen > MEMO_SALT_MAX)
		return 0;
	es_sha256(pw, pwlen, h);
	for (i = 0; i < memo.n && !hit; i++)
		if (memo.e[i]->saltlen == saltlen &&
		    memcmp(memo.e[i]->salt, salt, saltlen) == 0 &&
		    es_ct_equal(memo.e[i]->pwh, h, sizeof h)) {
			memcpy(dk, memo.e[i]->dk, ES_AV_DKLEN);
			hit = 1;
			memo_hits++;
		}
	es_wipe(h, sizeof h);
	return hit;
}

static void
memo_put(const unsigned char *pw, size_t pwlen, const unsigned char *salt,
    size_t saltlen, const unsigned char dk[ES_AV_DKLEN])
{
	struct memo_ent *m;

	if (!memo.on || saltlen > MEMO_SALT_MAX || memo.n == MEMO_MAX ||
	    (m = es_secure_alloc(sizeof *m)) == NULL)
		return;
	es_sha256(pw, pwlen, m->pwh);
	m->saltlen = saltlen;
	memcpy(m->salt, salt, saltlen);
	memcpy(m->dk, dk, ES_AV_DKLEN);
	memo.e[memo.n++] = m;
}

int
es_av_open(const unsigned char *pw, size_t pwlen, const unsigned char *salt,
    size_t saltlen, const unsigned char mac[ES_AV_MACLEN],
    const unsigned char *ct, size_t ctlen, struct es_sbuf *pt)
{
	unsigned char *dk = NULL, calc[ES_AV_MACLEN];
	size_t start = pt->len, pad;
	int r, par, hit;

	if (ctlen == 0 || ctlen % ES_AV_BLOCK != 0)
		return es_failf(ES_EFORMAT, "ciphertext is not whole AES blocks");
	if ((dk = es_secure_alloc(ES_AV_DKLEN + SHA256_DIGEST_SIZE)) == NULL)
		return -ENOMEM;
	/* Block 3 is 32 bytes; the counter is its first 16 (the spare room
	 * after dk holds the rest). With the helper, blocks 1 and 3 are
	 * computed meanwhile and used only if the MAC holds. */
	if ((hit = memo_find(pw, pwlen, salt, saltlen, dk))) {
		es_av_hmac(dk + ES_AV_KEYLEN, ct, ctlen, calc);
		if (!es_ct_equal(calc, mac, ES_AV_MACLEN)) {
			r = ES_EKEY;
			goto out;
		}
		goto keyed;
	}
	par = helper_post(pw, pwlen, salt, saltlen, dk, dk + 2 * ES_AV_KEYLEN);
	/* The HMAC key first: verify before deriving anything else. */
	pbkdf2_block(pw, pwlen, salt, saltlen, 2, dk + ES_AV_KEYLEN, NULL);
	es_av_hmac(dk + ES_AV_KEYLEN, ct, ctlen, calc);
	/* Verify before decrypting anything, in constant time. */
	if (!es_ct_equal(calc, mac, ES_AV_MACLEN)) {
		if (par)
			helper_collect(1);
		r = ES_EKEY;
		goto out;
	}
	if (par)
		helper_collect(0);
	else {
		pbkdf2_block(pw, pwlen, salt, saltlen, 1, dk, NULL);
		pbkdf2_block(pw, pwlen, salt, saltlen, 3,
		    dk + 2 * ES_AV_KEYLEN, NULL);
	}
	/* dk + 64 holds all of block 3; the first 16 bytes are dk's. */
	memo_put(pw, pwlen, salt, saltlen, dk);
keyed:
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
	if (!memo_find(pw, pwlen, salt, saltlen, dk)) {
		es_av_derive(pw, pwlen, salt, saltlen, dk);
		memo_put(pw, pwlen, salt, saltlen, dk);
	}
	es_av_ctr(dk, dk + 2 * ES_AV_KEYLEN, p, p, padded);
	es_av_hmac(dk + ES_AV_KEYLEN, p, padded, mac);
	ct->len = start + padded;
	es_secure_free(dk);
	return 0;
}
