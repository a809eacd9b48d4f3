/*
 * crypto/minisign.h — minisign's signatures (jedisct1/minisign, the
 * format of `minisign -S`/`-V`), verified and made with libsodium's
 * Ed25519. Pure: text in, text out; no file, no terminal.
 *
 * Formats (base64 is the standard alphabet with padding):
 *   public key:  "untrusted comment: ...\n" base64(alg "Ed" | keynum[8] |
 *                pk[32]) "\n"
 *   signature:   "untrusted comment: ...\n" base64(alg | keynum[8] |
 *                sig[64]) "\n" "trusted comment: TEXT\n"
 *                base64(global[64]) "\n"
 *   secret key:  "untrusted comment: ...\n" base64(alg "Ed" | kdf "Sc" or
 *                0,0 | chk "B2" | salt[32] | opslimit[8 LE] |
 *                memlimit[8 LE] | keynum[8] | sk[64] | chk[32]) "\n";
 *                with kdf "Sc" the last 104 bytes are XORed with scrypt
 *                (crypto_pwhash_scryptsalsa208sha256) of the password;
 *                chk = BLAKE2b-256(alg | keynum | sk).
 * alg "ED" signs BLAKE2b-512(message) (the default of minisign >= 0.8),
 * "Ed" the message itself (legacy); both verify. global signs sig[64]
 * followed by TEXT, so the trusted comment cannot be changed either.
 *
 * Key ids are printed as minisign prints them: the 8 keynum bytes read
 * as a little-endian 64-bit number, 16 uppercase hex digits.
 *
 * Errors: ES_EFORMAT for text that is not such a file (the detail names
 * what), ES_EINTEGRITY for a signature that does not verify or a key id
 * that does not match, ES_EKEY for a wrong secret-key password, -ENOMEM.
 * The caller names the file; details here name the part.
 */
#ifndef ENVSEAL_CRYPTO_MINISIGN_H
#define ENVSEAL_CRYPTO_MINISIGN_H

#include <stddef.h>

#include "common/envseal.h"

#define ES_MS_KEYNUM 8
#define ES_MS_PK 32
#define ES_MS_SK 64
#define ES_MS_SIG 64
/* A key id as text: 16 hex digits. */
#define ES_MS_KEYID_HEX (2 * ES_MS_KEYNUM)
/* Longest trusted comment (minisign's TRUSTEDCOMMENTMAXBYTES) and
 * untrusted comment (COMMENTMAXBYTES). */
#define ES_MS_TRUSTED_MAX 8192
#define ES_MS_COMMENT_MAX 1024
/* Largest key or signature file read: both comments and two base64
 * lines with slack. */
#define ES_MS_FILE_MAX (ES_MS_TRUSTED_MAX + 2 * ES_MS_COMMENT_MAX + 1024)

struct es_ms_pubkey {
	unsigned char keynum[ES_MS_KEYNUM];
	unsigned char pk[ES_MS_PK];
};

struct es_ms_sig {
	unsigned char alg[2];               /* "ED" prehashed, "Ed" legacy */
	unsigned char keynum[ES_MS_KEYNUM];
	unsigned char sig[ES_MS_SIG];
	char trusted[ES_MS_TRUSTED_MAX + 1];
	unsigned char global[ES_MS_SIG];
};

/* The secret half, in guarded memory (es_secure_alloc). */
struct es_ms_seckey {
	unsigned char keynum[ES_MS_KEYNUM];
	unsigned char sk[ES_MS_SK];
};

int es_ms_pubkey_parse(const char *text, size_t len,
    struct es_ms_pubkey *out);
int es_ms_sig_parse(const char *text, size_t len, struct es_ms_sig *out);
/* 0 when sig is pk's valid signature of msg (and of its trusted
 * comment). */
int es_ms_verify(const struct es_ms_pubkey *pk, const struct es_ms_sig *sig,
    const unsigned char *msg, size_t len);
/* keynum as minisign prints it into hex (ES_MS_KEYID_HEX + 1 bytes). */
void es_ms_keyid(const unsigned char *keynum, char *hex);

/* Parse (and with a password, decrypt) a secret key into *out, a guarded
 * allocation freed with es_ms_seckey_free. password NULL: the key must be
 * unencrypted (minisign -G -W). */
int es_ms_seckey_parse(const char *text, size_t len,
    const unsigned char *password, size_t pwlen, struct es_ms_seckey **out);
void es_ms_seckey_free(struct es_ms_seckey *sk);
/* 1 when the secret key text is encrypted (needs a password). */
int es_ms_seckey_encrypted(const char *text, size_t len);
/* A prehashed ("ED") signature file of msg with the trusted comment
 * given (no newline in it), malloc'd NUL-terminated text in *out. */
int es_ms_sign(const struct es_ms_seckey *sk, const unsigned char *msg,
    size_t len, const char *trusted, char **out, size_t *outlen);

#endif
