/*
 * vault/age.h — the age v1 file format (C2SP age, "age-encryption.org/v1")
 * on libsodium: X25519 and scrypt recipients, the STREAM payload, the
 * ASCII armor, and the Bech32 encodings of recipients (age1...) and
 * identities (AGE-SECRET-KEY-1...). Pure: buffers in, buffers out, no
 * file, no process, no clock; decryption runs inside the sandboxed worker
 * (sandbox/job.c), encryption wherever the caller seeded es_salt_seed().
 *
 * Calling sequence (decrypt, in the worker):
 *	if (es_age_is_age(in, len)) {
 *		struct es_age_result ar;
 *		struct es_sbuf pt = { 0 };
 *		r = es_age_decrypt(in, len, identities, passphrases, &pt, &ar);
 *		... pt is the whole, authenticated plaintext ...
 *		es_sbuf_free(&pt);
 *	}
 * Calling sequence (encrypt, in the parent):
 *	es_salt_seed();                        // file key, shares, nonce
 *	es_age_encrypt(pt, len, pks, npks, NULL, 0, armor, &out);
 *
 * identities: es_secrets whose bytes are 32-byte X25519 scalars (parsed
 * in the parent by es_age_identities_parse()); passphrases: the ordinary
 * vault secrets, tried on an scrypt stanza. Both may be NULL.
 *
 * The payload is verified to its last chunk before es_age_decrypt()
 * returns 0: on any failure pt is wiped and empty, so no caller can use a
 * byte of a file that does not authenticate whole.
 *
 * Errors (ar->cls says which CCTV class): ES_EAGE (exit 2) for a
 * malformed header or armor (ES_AGE_HEADER, ES_AGE_ARMOR); ES_EKEY for no
 * matching identity or passphrase (ES_AGE_NOMATCH; a post-quantum stanza
 * counts as no match: unsupported); ES_EINTEGRITY for a header MAC that
 * does not verify (ES_AGE_HMAC) or a payload chunk that does not
 * (ES_AGE_PAYLOAD); ES_ELIMIT over a bound; -ENOMEM. Details name the
 * rule broken, never a key.
 */
#ifndef ENVSEAL_AGE_H
#define ENVSEAL_AGE_H

#include <stddef.h>

#include "common/envseal.h"
#include "crypto/crypto.h"

#define ES_AGE_MAGIC "age-encryption.org/"
#define ES_AGE_V1 "age-encryption.org/v1"
#define ES_AGE_ARMOR_BEGIN "-----BEGIN AGE ENCRYPTED FILE-----"
#define ES_AGE_ARMOR_END "-----END AGE ENCRYPTED FILE-----"

#define ES_AGE_FILE_KEY 16       /* spec: 128-bit file key */
#define ES_AGE_KEY 32            /* X25519 scalars and points */
#define ES_AGE_NONCE 16          /* payload nonce */
#define ES_AGE_CHUNK 65536       /* STREAM plaintext chunk */
#define ES_AGE_TAG 16            /* Poly1305 */
/* Body and MAC lines wrap at 64 columns (spec). */
#define ES_AGE_COLUMNS 64
/* Most stanzas one header may carry: a fleet is tens of hosts; past this
 * a header is hostile, not a fleet. */
#define ES_AGE_STANZAS_MAX 1024
/* Most arguments of one stanza: the native types use 3 at most. */
#define ES_AGE_ARGS_MAX 16
/* Largest header: ES_AGE_STANZAS_MAX native stanzas take ~150 KiB; the
 * ML-KEM ones ~1.6 KiB each. Bounds the parser's work before the MAC. */
#define ES_AGE_HEADER_MAX ((size_t)4 << 20)
/* Largest scrypt work factor (log2 N) read: age's own default limit, so
 * every file age reads, envseal reads; 22 is 4 GiB and ~15 s, the worst a
 * hostile scrypt stanza can cost per passphrase. */
#define ES_AGE_SCRYPT_WF_MAX 22
/* The work factor envseal writes: age's (-p) default. */
#define ES_AGE_SCRYPT_WF 18
/* Longest recipient or identity string, in Bech32 characters. */
#define ES_AGE_BECH32_MAX 128
/* Most recipients one encryption takes. */
#define ES_AGE_RECIPIENTS_MAX 256

/*
 * envseal's record of the recipients: an extra stanza, which age and
 * every other reader skip (unknown types MUST be ignored), whose body is
 * the first ES_AGE_RECORD_HASH bytes of SHA-256 of each recipient. X25519
 * stanzas name no recipient, so without it nothing could tell, later,
 * whether a recipient was removed. It is under the header MAC, and only
 * believed after the whole file authenticated. It makes envseal's files
 * linkable to their recipients' public keys (age's are anonymous).
 */
#define ES_AGE_RECORD_TYPE "envseal.org/recipients"
#define ES_AGE_RECORD_HASH 16

/* The CCTV classes (tests/vectors/age-cctv README). */
enum es_age_class {
	ES_AGE_OK = 0,
	ES_AGE_NOMATCH,
	ES_AGE_HMAC,
	ES_AGE_HEADER,
	ES_AGE_PAYLOAD,
	ES_AGE_ARMOR,
};

struct es_age_result {
	enum es_age_class cls;
	/* -1 an X25519 identity (ident says which) or none; else the index
	 * of the passphrase that opened an scrypt stanza. */
	int used;
	int ident;
	/* When want_released: SHA-256 of the plaintext of the chunks that
	 * verified before a failure (CCTV `payload:`), all of it on success.
	 * Tests only; the plaintext itself is never handed out on failure. */
	int want_released;
	unsigned char released_sha256[32];
};

/* 1 when in starts with the age version line's "age-encryption.org/" or
 * (after whitespace) the armor's BEGIN line. */
int es_age_is_age(const unsigned char *in, size_t len);
/* 1 when the file is armored (the caller decides nothing else on it). */
int es_age_is_armored(const unsigned char *in, size_t len);

/* 1 when the file is ciphertext as a whole: an Ansible Vault envelope or
 * an age file (binary or armored). Its bytes reveal nothing of the
 * plaintext, so the audit log may record their plain SHA-256; anything
 * else (plain YAML with inline !vault values, a plaintext vault) gets a
 * keyed fingerprint instead. Inline, so that a program linking only one
 * of the two readers (the fuzz targets) links. */
int es_vault_is_envelope(const unsigned char *in, size_t len);
static inline int
es_vault_is_ciphertext(const unsigned char *in, size_t len)
{
	return es_vault_is_envelope(in, len) || es_age_is_age(in, len);
}

int es_age_decrypt(const unsigned char *in, size_t len,
    const struct es_secrets *identities, const struct es_secrets *passphrases,
    struct es_sbuf *pt, struct es_age_result *ar);

/*
 * Encrypt pt to npk X25519 recipients (pk: npk * 32 bytes) or, when
 * passphrase is not NULL, to one scrypt stanza (work factor wf; only
 * alone: npk must be 0). File key, ephemeral secrets, salt and nonce
 * come from es_salt_next(). armor: the PEM form. out is appended to.
 */
int es_age_encrypt(const unsigned char *pt, size_t len,
    const unsigned char *pk, size_t npk, const struct es_secret *passphrase,
    int wf, int armor, struct es_sbuf *out);

/*
 * Make a file's recipients pk (npk * 32 bytes), opening it with an
 * identity first (the whole file authenticated). When its record says no
 * recipient is removed, the file key is re-wrapped and the payload kept
 * byte for byte (ES_AGE_REWRAPPED; ES_AGE_UNCHANGED and out = in when the
 * set is the same); otherwise, a removed recipient knowing the old file
 * key, a new file key and payload (ES_AGE_NEW_KEY). Armor is kept.
 * Randomness from es_salt_next(). Errors as es_age_decrypt().
 */
enum es_age_reencrypted { ES_AGE_UNCHANGED, ES_AGE_REWRAPPED, ES_AGE_NEW_KEY };
int es_age_reencrypt(const unsigned char *in, size_t len,
    const struct es_secrets *identities, const unsigned char *pk, size_t npk,
    struct es_sbuf *out, enum es_age_reencrypted *how);

/* The two parsers on their own, for the fuzzers: the armor decoder (out
 * gets the binary file) and the header parser (0 when the header is well
 * formed; *hdr_len its length with the MAC line). */
int es_age_dearmor(const unsigned char *in, size_t len, struct es_sbuf *out);
int es_age_header_check(const unsigned char *in, size_t len, size_t *hdr_len);

/*
 * Keys. A recipient is "age1" + Bech32 of the 32-byte X25519 point
 * (lower case); an identity is "AGE-SECRET-KEY-1" + Bech32 of the scalar
 * (upper case). es_age_identities_parse() reads an identity file as
 * age-keygen writes it (# comments, blank lines, one key a line) and
 * appends each scalar to out labelled label; ES_EAGE naming name:line for
 * anything else (an AGE-PLUGIN- or post-quantum key: unsupported).
 * es_age_recipients_parse() reads -R files the same way (age1 keys).
 */
int es_age_recipient_decode(const char *s, unsigned char pk[ES_AGE_KEY]);
int es_age_recipient_encode(const unsigned char pk[ES_AGE_KEY], char *buf,
    size_t size);
int es_age_identity_decode(const char *s, size_t len,
    unsigned char sk[ES_AGE_KEY]);
int es_age_identity_encode(const unsigned char sk[ES_AGE_KEY], char *buf,
    size_t size);
int es_age_public(const unsigned char sk[ES_AGE_KEY],
    unsigned char pk[ES_AGE_KEY]);
int es_age_identities_parse(const unsigned char *text, size_t len,
    const char *name, const char *label, struct es_secrets *out);
/* Appends to pk (room for max keys, *n in and out). */
int es_age_recipients_parse(const unsigned char *text, size_t len,
    const char *name, unsigned char *pk, size_t max, size_t *n);

/* Bech32 (BIP 173, without its 90-character limit, as age): data bytes
 * in 5-bit groups, the checksum over hrp. decode lowers the case (mixed
 * case is refused) and writes the hrp lowered. */
int es_bech32_encode(const char *hrp, const unsigned char *data, size_t len,
    int upper, char *buf, size_t size);
int es_bech32_decode(const char *s, size_t slen, char *hrp, size_t hrpsz,
    unsigned char *data, size_t datasz, size_t *len);

#endif
