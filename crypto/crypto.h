/*
 * crypto/crypto.h — secrets and the Ansible Vault primitives. Pure: buffers
 * in, buffers out; no file, no process, no terminal. Runs inside the
 * sandboxed worker (see sandbox/worker.h), so it must make no syscall other
 * than memory management.
 *
 * A vault secret is a label plus password bytes in guarded memory.
 * es_secrets is the ordered candidate list built by keys/keysrc.h.
 *
 * Errors: 0 or a negative code (common/envseal.h).
 */
#ifndef ENVSEAL_CRYPTO_H
#define ENVSEAL_CRYPTO_H

#include <stddef.h>

#include "common/envseal.h"

/* Vault-id labels: ASCII, no ';', bounded. */
#define ES_LABEL_MAX 128
/* Longest password accepted from any source. */
#define ES_SECRET_MAX 65536
/* The label of an age X25519 identity in a candidate list (its bytes are
 * the 32-byte scalar). It holds a space, which no vault-id label may
 * (keysrc.c label_ok), so no password is ever taken for an identity nor
 * an identity for a password: es_vault_try_order() skips these and the
 * age reader (vault/age.h) uses only these as identities. */
#define ES_AGE_ID_LABEL "age identity"

/* Most candidate secrets in one run. */
#define ES_SECRETS_MAX 64

struct es_secret {
	char label[ES_LABEL_MAX + 1];   /* "default" when none */
	unsigned char *bytes;           /* es_secure_alloc'd */
	size_t len;
};

struct es_secrets {
	struct es_secret v[ES_SECRETS_MAX];
	size_t n;
	/* ANSIBLE_VAULT_ID_MATCH (set by es_keysrc_load): an envelope is
	 * tried only with the secrets whose label equals its own. */
	int id_match;
};

/* Append a copy of (label, bytes) to list. */
int es_secrets_add(struct es_secrets *list, const char *label,
    const unsigned char *bytes, size_t len);
/* Wipe and free every secret; the list is empty afterwards. */
void es_secrets_free(struct es_secrets *list);

/* --- Ansible Vault 1.1/1.2 primitives (VaultAES256, vault.py 1152-1243) --- */

/* PBKDF2-HMAC-SHA256 rounds and output: AES key, HMAC key, CTR block. */
#define ES_AV_ROUNDS 10000
#define ES_AV_KEYLEN 32
#define ES_AV_IVLEN 16
#define ES_AV_DKLEN (2 * ES_AV_KEYLEN + ES_AV_IVLEN)
#define ES_AV_MACLEN 32
#define ES_AV_BLOCK 16
/* Salt length writers use (os.urandom(32)); readers accept any length. */
#define ES_AV_SALTLEN 32
/* Longest salt a reader accepts: ansible 2.15's configurable salt is any
 * string; anything past this is hostile, not a setting. */
#define ES_AV_SALT_MAX 4096

/*
 * Start the PBKDF2 helper thread: from then on es_av_derive and es_av_open
 * offer blocks 1 and 3 to it while the caller computes block 2 (and
 * checks the MAC), and compute themselves what it has not started. For the sandbox worker: call it single-threaded,
 * before RLIMIT_NPROC 0 and before the seccomp filter, which must then be
 * loaded with TSYNC and allow futex(FUTEX_WAIT_PRIVATE, FUTEX_WAKE_PRIVATE).
 * 0, or -errno (-EALREADY when started before): without it every
 * derivation stays serial, with the same result. Derivations then come
 * from one thread only (the worker's main thread): the helper serves one
 * at a time.
 */
int es_av_parallel_start(void);
/* How many PBKDF2 blocks the helper has computed so far (tests). */
size_t es_av_parallel_blocks(void);
/*
 * The derived-key memo, for one worker job that opens, seals and opens
 * again under the same keys (ES_JOB_ROTATE): between es_av_memo_on() and
 * es_av_memo_off() es_av_open and es_av_seal remember each (password,
 * salt) they derived in full (guarded memory, the password as its
 * SHA-256) and use it again for the same password and salt instead of
 * deriving it again: the same key, the same MAC check. Salts are never
 * reused (each envelope and value draws its own): the memo only saves
 * the repeat derivations of one file's own salts. Off by default; off
 * wipes every entry. Single-threaded callers (the worker's main thread).
 */
void es_av_memo_on(void);
void es_av_memo_off(void);
/* How many derivations the memo has saved so far (tests). */
size_t es_av_memo_hits(void);
/* dk = PBKDF2-HMAC-SHA256(password, salt, 10000, 80). */
void es_av_derive(const unsigned char *pw, size_t pwlen,
    const unsigned char *salt, size_t saltlen,
    unsigned char dk[ES_AV_DKLEN]);
/* mac = HMAC-SHA256(key, msg). */
void es_av_hmac(const unsigned char key[ES_AV_KEYLEN],
    const unsigned char *msg, size_t len, unsigned char mac[ES_AV_MACLEN]);
/* AES-256-CTR, the 16-byte counter incremented as one 128-bit big-endian
 * number; dst may equal src. */
void es_av_ctr(const unsigned char key[ES_AV_KEYLEN],
    const unsigned char iv[ES_AV_IVLEN], unsigned char *dst,
    const unsigned char *src, size_t len);

/* out = SHA-256(msg), nettle's (SHA-NI where the CPU has it; libsodium's
 * crypto_hash_sha256 is portable C, ~4x slower on a 100 KB audit
 * record). Not for secrets' comparison; a plain digest. */
void es_sha256(const void *msg, size_t len, unsigned char out[32]);
/* The same digest over bytes that arrive in pieces (an audit line longer
 * than a reader's buffer): init, update any number of times, final. One
 * implementation hashes the audit chain both when it is written and when
 * it is checked. The state is opaque; its size holds nettle's sha256_ctx
 * (crypto/av.c checks that at compile time). */
#define ES_SHA256_STATE_BYTES 128
struct es_sha256_state {
	_Alignas(8) unsigned char opaque[ES_SHA256_STATE_BYTES];
};
void es_sha256_init(struct es_sha256_state *st);
void es_sha256_update(struct es_sha256_state *st, const void *msg,
    size_t len);
void es_sha256_final(struct es_sha256_state *st, unsigned char out[32]);

/*
 * Open a payload: MAC checked in constant time first, then CTR, then
 * strict PKCS#7. ES_EKEY when the MAC does not match (try the next
 * secret), ES_EFORMAT for a ciphertext that is not whole blocks or bad
 * padding behind a valid MAC. pt is appended to.
 */
int es_av_open(const unsigned char *pw, size_t pwlen,
    const unsigned char *salt, size_t saltlen,
    const unsigned char mac[ES_AV_MACLEN], const unsigned char *ct,
    size_t ctlen, struct es_sbuf *pt);
/* Seal: PKCS#7 pad, CTR, HMAC. ct (appended to) gets the ciphertext. */
int es_av_seal(const unsigned char *pw, size_t pwlen,
    const unsigned char *salt, size_t saltlen, const unsigned char *pt,
    size_t ptlen, unsigned char mac[ES_AV_MACLEN], struct es_sbuf *ct);

/*
 * Salts for new envelopes. The sandboxed worker may not call getrandom(),
 * so the parent seeds a generator (es_salt_seed(), fresh randomness from
 * libsodium) right before it forks a worker that will encrypt; pure code
 * then draws salts with es_salt_next() (ChaCha20 keyed by the seed,
 * randombytes_buf_deterministic, a counter per draw). Drawing from an
 * unseeded generator is ES_EBUG (a caller bug), never a predictable salt.
 *
 * es_salt_fixed() makes every salt equal to the given bytes. TEST ONLY:
 * it exists so the byte-exact vectors g1-g4 can be reproduced; the CLI
 * reaches it only through the undocumented ENVSEAL_TEST_SALT_HEX.
 */
int es_salt_seed(void);
int es_salt_fixed(const unsigned char *salt, size_t len);
int es_salt_next(unsigned char *out, size_t len);

#endif
