/*
 * vault/age.c — age v1 (C2SP age): header parser, X25519 and scrypt
 * stanzas, header MAC, STREAM payload, armor. Pure; see vault/age.h.
 *
 * Order of the checks, and why: the armor is undone first (strictly: a
 * lax PEM reader makes armored files malleable), then the whole header
 * is parsed and every stanza of a type envseal knows is checked for its
 * shape before any key is tried (a malformed stanza is a header failure,
 * never a silent "no match"), then the file key is unwrapped, the header
 * MAC verified in constant time, and only then the payload opened, to
 * its last chunk, into a buffer the caller sees only if all of it
 * verified.
 */
#include "vault/age.h"

#include <errno.h>
#include <sodium.h>
#include <string.h>

#define INFO_X25519 "age-encryption.org/v1/X25519"
#define INFO_SCRYPT "age-encryption.org/v1/scrypt"
#define ENC_CHUNK (ES_AGE_CHUNK + ES_AGE_TAG)
/* A stanza body carries a wrapped 16-byte file key: 32 bytes. */
#define WRAPPED (ES_AGE_FILE_KEY + ES_AGE_TAG)
/* Base64 of a 32-byte value without padding. */
#define B64_32 43

struct stanza {
	const unsigned char *arg[ES_AGE_ARGS_MAX];
	size_t arglen[ES_AGE_ARGS_MAX];
	size_t nargs;
	unsigned char body[WRAPPED];   /* only for the native types */
	size_t bodylen;
	unsigned char *xbody;          /* the whole body of a record stanza */
	size_t xcap;
};

struct header {
	struct stanza *st;
	size_t n;
	size_t mac_at;       /* offset just past "---" */
	size_t len;          /* header length with the MAC line */
	unsigned char mac[32];
};

static int
fail(enum es_age_class *cls, enum es_age_class c, int code, const char *what)
{
	if (cls)
		*cls = c;
	return es_failf(code, "%s", what);
}

#define HDR_FAIL(cls, what) fail((cls), ES_AGE_HEADER, ES_EAGE, (what))

/* ---- base64 ---- */

static int
b64v(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* Canonical unpadded base64 (RFC 4648 3.5): no '=', no length of 1 mod
 * 4, unused trailing bits zero. -1 on any violation or when the result
 * would exceed cap. */
static int
b64_decode(const unsigned char *s, size_t n, unsigned char *out, size_t cap,
    size_t *outlen)
{
	uint32_t acc = 0;
	unsigned bits = 0;
	size_t i, k = 0;
	int v;

	if (n % 4 == 1 || (n / 4) * 3 + (n % 4 ? n % 4 - 1 : 0) > cap)
		return -1;
	for (i = 0; i < n; i++) {
		if ((v = b64v(s[i])) < 0)
			return -1;
		acc = (acc << 6) | (unsigned)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[k++] = (acc >> bits) & 0xff;
		}
	}
	if ((acc & ((1u << bits) - 1)) != 0)
		return -1;
	*outlen = k;
	return 0;
}

static const char b64c[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Append base64 of in (pad: with '=' as the armor wants). */
static int
b64_append(struct es_sbuf *o, const unsigned char *in, size_t n, int pad)
{
	size_t i;
	char q[4];
	int r;

	for (i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16;
		size_t m = n - i < 3 ? n - i : 3;
		if (m > 1)
			v |= (uint32_t)in[i + 1] << 8;
		if (m > 2)
			v |= in[i + 2];
		q[0] = b64c[(v >> 18) & 63];
		q[1] = b64c[(v >> 12) & 63];
		q[2] = m > 1 ? b64c[(v >> 6) & 63] : '=';
		q[3] = m > 2 ? b64c[v & 63] : '=';
		if ((r = es_sbuf_append(o, q, pad ? 4 : m + 1)) != 0)
			return r;
	}
	return 0;
}

/* ---- HKDF-SHA-256 (RFC 5869) from HMAC, 32 bytes of output ---- */

static void
hkdf(const unsigned char *ikm, size_t ikmlen, const unsigned char *salt,
    size_t saltlen, const char *info, unsigned char out[32])
{
	static const unsigned char empty[1];
	crypto_auth_hmacsha256_state st;
	unsigned char prk[32], one = 1;

	/* libsodium declares the key non-NULL, even of length 0. */
	crypto_auth_hmacsha256_init(&st, salt ? salt : empty, saltlen);
	crypto_auth_hmacsha256_update(&st, ikm, ikmlen);
	crypto_auth_hmacsha256_final(&st, prk);
	crypto_auth_hmacsha256_init(&st, prk, sizeof prk);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)info,
	    strlen(info));
	crypto_auth_hmacsha256_update(&st, &one, 1);
	crypto_auth_hmacsha256_final(&st, out);
	sodium_memzero(prk, sizeof prk);
	sodium_memzero(&st, sizeof st);
}

/* ---- header ---- */

static int
eq(const unsigned char *a, size_t n, const char *s)
{
	return n == strlen(s) && memcmp(a, s, n) == 0;
}

/* The line at *pos: [*pos, nl) and nl past it; -1 when no LF. */
static int
line_at(const unsigned char *in, size_t len, size_t pos, size_t *end)
{
	const unsigned char *nl = memchr(in + pos, '\n', len - pos);

	if (nl == NULL)
		return -1;
	*end = (size_t)(nl - in);
	return 0;
}

static int
parse_args(const unsigned char *p, size_t n, struct stanza *s,
    enum es_age_class *cls)
{
	size_t i = 0, a;

	s->nargs = 0;
	while (i < n) {
		if (s->nargs >= ES_AGE_ARGS_MAX)
			return HDR_FAIL(cls, "age header: stanza with too many "
			    "arguments");
		a = i;
		while (i < n && p[i] != ' ') {
			if (p[i] < 0x21 || p[i] > 0x7e)
				return HDR_FAIL(cls, "age header: stanza argument "
				    "with a character outside VCHAR");
			i++;
		}
		if (i == a)
			return HDR_FAIL(cls, "age header: empty stanza argument");
		s->arg[s->nargs] = p + a;
		s->arglen[s->nargs++] = i - a;
		if (i < n && ++i == n)
			return HDR_FAIL(cls, "age header: empty stanza argument");
	}
	if (s->nargs == 0)
		return HDR_FAIL(cls, "age header: stanza without arguments");
	return 0;
}

/* envseal's record of the recipients (see age.h): a stanza age skips. */
static int
is_record(const struct stanza *s)
{
	return s->nargs == 1 && s->arglen[0] == sizeof ES_AGE_RECORD_TYPE - 1 &&
	    memcmp(s->arg[0], ES_AGE_RECORD_TYPE, s->arglen[0]) == 0;
}

/* Body lines from *pos: full 64-column lines, then one shorter line
 * (possibly empty). Native bodies are kept (they must be 32 bytes);
 * others are checked and dropped. */
static int
parse_body(const unsigned char *in, size_t len, size_t *pos, struct stanza *s,
    enum es_age_class *cls)
{
	unsigned char tmp[48];
	size_t end, n, got;

	s->bodylen = 0;
	for (;;) {
		if (line_at(in, len, *pos, &end) != 0)
			return HDR_FAIL(cls, "age header: stanza body without "
			    "its final short line");
		n = end - *pos;
		if (n > ES_AGE_COLUMNS)
			return HDR_FAIL(cls, "age header: stanza body line over "
			    "64 columns");
		/* A full line is 16 whole base64 groups (48 bytes), so each
		 * line decodes on its own. */
		if (b64_decode(in + *pos, n, tmp, sizeof tmp, &got) != 0)
			return HDR_FAIL(cls, "age header: stanza body is not "
			    "canonical base64");
		if (s->bodylen + got <= sizeof s->body)
			memcpy(s->body + s->bodylen, tmp, got);
		if (is_record(s) && got > 0) {
			if (s->bodylen + got > s->xcap) {
				size_t cap = s->xcap ? s->xcap * 2 : 4096;
				unsigned char *x = realloc(s->xbody, cap);
				if (x == NULL)
					return -ENOMEM;
				s->xbody = x;
				s->xcap = cap;
			}
			memcpy(s->xbody + s->bodylen, tmp, got);
		}
		/* Past 32 bytes the length is all that is still needed. */
		s->bodylen += got;
		if (s->bodylen > ES_AGE_HEADER_MAX)
			return HDR_FAIL(cls, "age header: stanza body too long");
		*pos = end + 1;
		if (n < ES_AGE_COLUMNS)
			break;
	}
	sodium_memzero(tmp, sizeof tmp);
	return 0;
}

static int
parse_mac(const unsigned char *in, size_t len, size_t pos, struct header *h,
    enum es_age_class *cls)
{
	size_t end, got;

	if (line_at(in, len, pos, &end) != 0)
		return HDR_FAIL(cls, "age header: MAC line without LF");
	if (end - pos != 4 + B64_32 || memcmp(in + pos, "--- ", 4) != 0 ||
	    b64_decode(in + pos + 4, B64_32, h->mac, sizeof h->mac, &got) != 0 ||
	    got != 32)
		return HDR_FAIL(cls, "age header: malformed MAC line");
	h->mac_at = pos + 3;
	h->len = end + 1;
	return 0;
}

/* The scrypt work factor, %x31-39 *DIGIT, or -1 (also over the limit). */
static int
work_factor(const struct stanza *s)
{
	size_t i;
	int v = 0;

	if (s->arglen[2] < 1 || s->arg[2][0] == '0')
		return -1;
	for (i = 0; i < s->arglen[2]; i++) {
		if (s->arg[2][i] < '0' || s->arg[2][i] > '9')
			return -1;
		v = v * 10 + (s->arg[2][i] - '0');
		if (v > ES_AGE_SCRYPT_WF_MAX)
			return -1;
	}
	return v;
}

/* Check the shape of a stanza of a type envseal implements. */
static int
check_native(const struct stanza *s, size_t nstanzas, enum es_age_class *cls)
{
	unsigned char tmp[32];
	size_t got;

	if (eq(s->arg[0], s->arglen[0], "X25519")) {
		if (s->nargs != 2 || b64_decode(s->arg[1], s->arglen[1], tmp,
		    sizeof tmp, &got) != 0 || got != ES_AGE_KEY)
			return HDR_FAIL(cls, "age header: X25519 stanza needs "
			    "one canonical base64 32-byte share");
	} else if (eq(s->arg[0], s->arglen[0], "scrypt")) {
		if (nstanzas != 1)
			return HDR_FAIL(cls, "age header: an scrypt stanza must "
			    "be the only stanza");
		if (s->nargs != 3 || b64_decode(s->arg[1], s->arglen[1], tmp,
		    sizeof tmp, &got) != 0 || got != 16)
			return HDR_FAIL(cls, "age header: scrypt stanza needs a "
			    "canonical base64 16-byte salt and a work factor");
		if (work_factor(s) < 0)
			return HDR_FAIL(cls, "age header: scrypt work factor is "
			    "not a decimal 1..22 without leading zeros (22: "
			    "age's limit)");
	} else {
		return 0;
	}
	if (s->bodylen != WRAPPED)
		return HDR_FAIL(cls, "age header: stanza body is not a 16-byte "
		    "wrapped file key");
	return 0;
}

static void
header_free(struct header *h)
{
	size_t i;

	for (i = 0; h->st != NULL && i < h->n; i++)
		free(h->st[i].xbody);
	if (h->st != NULL) {
		sodium_memzero(h->st, h->n * sizeof *h->st);
		free(h->st);
	}
	memset(h, 0, sizeof *h);
}

static int
parse_header(const unsigned char *in, size_t len, struct header *h,
    enum es_age_class *cls)
{
	size_t pos, end, cap = 0, i;
	struct stanza *s;
	int r;

	memset(h, 0, sizeof *h);
	if (len == 0 || line_at(in, len, 0, &end) != 0 || !eq(in, end, ES_AGE_V1))
		return HDR_FAIL(cls, "age header: not an age-encryption.org/v1 "
		    "version line");
	pos = end + 1;
	for (;;) {
		if (pos > ES_AGE_HEADER_MAX)
			return fail(cls, ES_AGE_HEADER, ES_ELIMIT, "age header "
			    "larger than its bound");
		if (len - pos >= 3 && memcmp(in + pos, "---", 3) == 0)
			break;
		if (len - pos < 3 || memcmp(in + pos, "-> ", 3) != 0)
			return HDR_FAIL(cls, "age header: line is neither a "
			    "stanza (-> ) nor the MAC (--- )");
		if (h->n >= ES_AGE_STANZAS_MAX)
			return fail(cls, ES_AGE_HEADER, ES_ELIMIT, "age header: "
			    "more stanzas than its bound");
		if (h->n == cap) {
			cap = cap ? cap * 2 : 8;
			if ((s = realloc(h->st, cap * sizeof *s)) == NULL)
				return -ENOMEM;
			h->st = s;
		}
		s = &h->st[h->n++];
		s->xbody = NULL;
		s->xcap = 0;
		if (line_at(in, len, pos, &end) != 0)
			return HDR_FAIL(cls, "age header: stanza line without LF");
		if ((r = parse_args(in + pos + 3, end - pos - 3, s, cls)) != 0)
			return r;
		pos = end + 1;
		if ((r = parse_body(in, len, &pos, s, cls)) != 0)
			return r;
	}
	if (h->n == 0)
		return HDR_FAIL(cls, "age header: no recipient stanza");
	if ((r = parse_mac(in, len, pos, h, cls)) != 0)
		return r;
	for (i = 0; i < h->n; i++)
		if ((r = check_native(&h->st[i], h->n, cls)) != 0)
			return r;
	return 0;
}

int
es_age_header_check(const unsigned char *in, size_t len, size_t *hdr_len)
{
	struct header h;
	int r = parse_header(in, len, &h, NULL);

	*hdr_len = r == 0 ? h.len : 0;
	header_free(&h);
	return r;
}

/* ---- unwrapping the file key ---- */

static int
unwrap(const unsigned char key[32], const struct stanza *s,
    unsigned char fk[ES_AGE_FILE_KEY])
{
	static const unsigned char zero_nonce[12];
	unsigned long long n;

	return crypto_aead_chacha20poly1305_ietf_decrypt(fk, &n, NULL, s->body,
	    WRAPPED, NULL, 0, zero_nonce, key) == 0 && n == ES_AGE_FILE_KEY ?
	    0 : -1;
}

static int
try_x25519(const struct stanza *s, const struct es_secrets *ids,
    unsigned char fk[ES_AGE_FILE_KEY], struct es_age_result *ar)
{
	unsigned char share[32], pk[32], shared[32], salt[64], key[32];
	size_t got, i;
	int r = 1;

	(void)b64_decode(s->arg[1], s->arglen[1], share, sizeof share, &got);
	for (i = 0; ids != NULL && i < ids->n && r == 1; i++) {
		if (ids->v[i].len != ES_AGE_KEY)
			continue;
		if (crypto_scalarmult(shared, ids->v[i].bytes, share) != 0) {
			/* An all-zero shared secret: a low-order share. */
			r = fail(&ar->cls, ES_AGE_HEADER, ES_EAGE, "age header: "
			    "X25519 share is a low-order point");
			break;
		}
		crypto_scalarmult_base(pk, ids->v[i].bytes);
		memcpy(salt, share, 32);
		memcpy(salt + 32, pk, 32);
		hkdf(shared, 32, salt, 64, INFO_X25519, key);
		if (unwrap(key, s, fk) == 0) {
			ar->ident = (int)i;
			r = 0;
		}
	}
	sodium_memzero(shared, sizeof shared);
	sodium_memzero(key, sizeof key);
	return r;
}

static int
try_scrypt(const struct stanza *s, const struct es_secrets *pw,
    unsigned char fk[ES_AGE_FILE_KEY], struct es_age_result *ar)
{
	unsigned char salt[sizeof INFO_SCRYPT - 1 + 16], key[32];
	size_t got, i, pre = sizeof INFO_SCRYPT - 1;
	int wf = work_factor(s), r = 1;

	memcpy(salt, INFO_SCRYPT, pre);
	(void)b64_decode(s->arg[1], s->arglen[1], salt + pre, 16, &got);
	for (i = 0; pw != NULL && i < pw->n && r == 1; i++) {
		if (crypto_pwhash_scryptsalsa208sha256_ll(pw->v[i].bytes,
		    pw->v[i].len, salt, sizeof salt, (uint64_t)1 << wf, 8, 1,
		    key, sizeof key) != 0) {
			r = fail(&ar->cls, ES_AGE_HEADER, -ENOMEM,
			    "age: scrypt could not run (memory)");
			break;
		}
		if (unwrap(key, s, fk) == 0) {
			ar->used = (int)i;
			r = 0;
		}
	}
	sodium_memzero(key, sizeof key);
	return r;
}

static int
file_key(const struct header *h, const struct es_secrets *ids,
    const struct es_secrets *pw, unsigned char fk[ES_AGE_FILE_KEY],
    struct es_age_result *ar)
{
	size_t i;
	int r;

	for (i = 0; i < h->n; i++) {
		const struct stanza *s = &h->st[i];
		if (eq(s->arg[0], s->arglen[0], "X25519"))
			r = try_x25519(s, ids, fk, ar);
		else if (eq(s->arg[0], s->arglen[0], "scrypt"))
			r = try_scrypt(s, pw, fk, ar);
		else
			continue;   /* unknown or unsupported (ML-KEM): skip */
		if (r <= 0)
			return r;
	}
	return fail(&ar->cls, ES_AGE_NOMATCH, ES_EKEY, "age: no identity or "
	    "passphrase matches a recipient of the file");
}

static int
check_mac(const unsigned char *in, const struct header *h,
    const unsigned char fk[ES_AGE_FILE_KEY], struct es_age_result *ar)
{
	unsigned char key[32], mac[32];
	int ok;

	hkdf(fk, ES_AGE_FILE_KEY, NULL, 0, "header", key);
	crypto_auth_hmacsha256(mac, in, h->mac_at, key);
	ok = crypto_verify_32(mac, h->mac) == 0;
	sodium_memzero(key, sizeof key);
	if (!ok)
		return fail(&ar->cls, ES_AGE_HMAC, ES_EINTEGRITY, "age: header "
		    "MAC does not verify");
	return 0;
}

/* ---- payload ---- */

static void
chunk_nonce(unsigned char n[12], uint64_t counter, int last)
{
	int i;

	memset(n, 0, 12);
	for (i = 0; i < 8; i++)
		n[10 - i] = (unsigned char)(counter >> (8 * i));
	n[11] = last ? 1 : 0;
}

static int
open_chunk(const unsigned char key[32], uint64_t ctr, int last,
    const unsigned char *c, size_t clen, unsigned char *out)
{
	unsigned char nonce[12];
	unsigned long long n;

	chunk_nonce(nonce, ctr, last);
	return crypto_aead_chacha20poly1305_ietf_decrypt(out, &n, NULL, c, clen,
	    NULL, 0, nonce, key);
}

static int
payload_fail(struct es_age_result *ar, const char *what)
{
	return fail(&ar->cls, ES_AGE_PAYLOAD, ES_EINTEGRITY, what);
}

/*
 * Open the chunk at pos into pt; *last says whether it was the final one.
 * A chunk that ends the file should be final, one with data behind it
 * should not; each is tried the other way too, so that a stream ended
 * early or carrying data after its final chunk fails with a precise
 * detail, and so that "released" counts what age's reader releases
 * (CCTV `payload:`). Either way the call fails: the flag is authenticated.
 */
static int
open_one(const unsigned char key[32], uint64_t ctr, const unsigned char *c,
    size_t n, int at_end, struct es_sbuf *pt, int *last,
    struct es_age_result *ar)
{
	unsigned char *o = pt->p + pt->len;

	*last = at_end;
	if (open_chunk(key, ctr, at_end, c, n, o) == 0)
		return 0;
	if ((at_end && n != ENC_CHUNK) ||
	    open_chunk(key, ctr, !at_end, c, n, o) != 0) {
		sodium_memzero(o, n - ES_AGE_TAG);
		return payload_fail(ar, "age payload: chunk does not "
		    "authenticate");
	}
	*last = !at_end;
	return 1;   /* authentic, but in the wrong place */
}

/* Every chunk into pt; the last one marked last, nothing after it. */
static int
open_payload(const unsigned char *p, size_t len,
    const unsigned char fk[ES_AGE_FILE_KEY], struct es_sbuf *pt,
    struct es_age_result *ar, crypto_hash_sha256_state *rel)
{
	unsigned char key[32];
	uint64_t ctr = 0;
	size_t pos = ES_AGE_NONCE, n;
	int r = 0, last = 0, misplaced;

	hkdf(fk, ES_AGE_FILE_KEY, p, ES_AGE_NONCE, "payload", key);
	if (pos == len)
		r = payload_fail(ar, "age payload: no chunk");
	/* The whole plaintext at once (at most the payload less one tag a
	 * chunk): growing a guarded buffer by doubling costs a fresh
	 * sodium_malloc, a copy and a wipe each time. */
	n = (len - pos + ENC_CHUNK - 1) / ENC_CHUNK;
	if (r == 0 && (r = es_sbuf_reserve(pt, len - pos - (n ? n - 1 : 0) *
	    ES_AGE_TAG)) != 0)
		goto out;
	while (r == 0 && !last) {
		n = len - pos > ENC_CHUNK ? ENC_CHUNK : len - pos;
		if (n < ES_AGE_TAG) {
			r = payload_fail(ar, "age payload: chunk shorter than "
			    "its tag");
			break;
		}
		/* Reserved above, one tag to spare: pt->p is never NULL. */
		if ((r = es_sbuf_reserve(pt, n - ES_AGE_TAG)) != 0)
			break;
		misplaced = open_one(key, ctr, p + pos, n, pos + n == len, pt,
		    &last, ar);
		if (misplaced < 0) {
			r = misplaced;
			break;
		}
		if (last && n == ES_AGE_TAG && ctr > 0) {
			r = payload_fail(ar, "age payload: empty final chunk "
			    "after others");
			break;
		}
		if (rel != NULL)
			crypto_hash_sha256_update(rel, pt->p + pt->len,
			    n - ES_AGE_TAG);
		pt->len += n - ES_AGE_TAG;
		pos += n;
		ctr++;
		if (misplaced)
			r = payload_fail(ar, last ? "age payload: data after "
			    "the final chunk" : "age payload: no final chunk");
	}
out:
	sodium_memzero(key, sizeof key);
	return r;
}

/* ---- armor ---- */

static int
ws(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static int
armor_fail(enum es_age_class *cls, const char *what)
{
	return fail(cls, ES_AGE_ARMOR, ES_EAGE, what);
}

/* The line at pos up to LF or CRLF; -1 without an end of line unless
 * at_eof_ok and the text ends there. */
static int
armor_line(const unsigned char *in, size_t len, size_t pos, size_t *e,
    size_t *next)
{
	const unsigned char *nl = memchr(in + pos, '\n', len - pos);

	if (nl == NULL) {
		*e = len;
		*next = len;
		return 1;   /* last line, no end of line */
	}
	*e = (size_t)(nl - in);
	*next = *e + 1;
	if (*e > pos && in[*e - 1] == '\r')
		(*e)--;
	return 0;
}

static int
dearmor(const unsigned char *in, size_t len, struct es_sbuf *out,
    enum es_age_class *cls)
{
	size_t pos = 0, e, next, n, i;
	unsigned char q[3];
	int v[4], r, noeol, pads = 0, lastline = 0;

	while (pos < len && ws(in[pos]))
		pos++;
	noeol = armor_line(in, len, pos, &e, &next);
	if (noeol || !eq(in + pos, e - pos, ES_AGE_ARMOR_BEGIN))
		return armor_fail(cls, "age armor: no BEGIN AGE ENCRYPTED "
		    "FILE line");
	for (pos = next;;) {
		if (pos >= len)
			return armor_fail(cls, "age armor: no END line");
		noeol = armor_line(in, len, pos, &e, &next);
		if (eq(in + pos, e - pos, ES_AGE_ARMOR_END))
			break;
		n = e - pos;
		if (lastline || n == 0 || n > ES_AGE_COLUMNS || n % 4 != 0 ||
		    noeol)
			return armor_fail(cls, "age armor: base64 lines are 64 "
			    "columns, the last one shorter, none empty");
		if (n < ES_AGE_COLUMNS)
			lastline = 1;
		for (i = 0; i < n; i += 4) {
			int k;
			if (pads)
				return armor_fail(cls, "age armor: data after "
				    "padding");
			for (k = 0; k < 4; k++) {
				unsigned char c = in[pos + i + k];
				if (c == '=' && k >= 2) {
					v[k] = 0;
					pads++;
				} else if (pads || (v[k] = b64v(c)) < 0) {
					return armor_fail(cls, "age armor: not "
					    "base64");
				}
			}
			if (pads == 1 && in[pos + i + 2] == '=')
				return armor_fail(cls, "age armor: bad padding");
			q[0] = (unsigned char)(v[0] << 2 | v[1] >> 4);
			q[1] = (unsigned char)((v[1] & 15) << 4 | v[2] >> 2);
			q[2] = (unsigned char)((v[2] & 3) << 6 | v[3]);
			if ((pads == 2 && (v[1] & 15)) || (pads == 1 && (v[2] & 3)))
				return armor_fail(cls, "age armor: base64 is "
				    "not canonical");
			if ((r = es_sbuf_append(out, q, 3 - (size_t)pads)) != 0)
				return r;
		}
		if (pads)
			lastline = 1;
		pos = next;
	}
	for (pos = next; pos < len; pos++)
		if (!ws(in[pos]))
			return armor_fail(cls, "age armor: data after the END "
			    "line");
	return 0;
}

int
es_age_dearmor(const unsigned char *in, size_t len, struct es_sbuf *out)
{
	return dearmor(in, len, out, NULL);
}

int
es_age_is_armored(const unsigned char *in, size_t len)
{
	size_t i = 0, n = sizeof ES_AGE_ARMOR_BEGIN - 1;

	while (i < len && ws(in[i]))
		i++;
	/* Any PEM BEGIN line: a wrong label is an armor failure, not a
	 * file of another kind. */
	(void)n;
	return len - i >= 10 && memcmp(in + i, "-----BEGIN", 10) == 0;
}

int
es_age_is_age(const unsigned char *in, size_t len)
{
	size_t n = sizeof ES_AGE_MAGIC - 1;

	return (len >= n && memcmp(in, ES_AGE_MAGIC, n) == 0) ||
	    es_age_is_armored(in, len);
}

/* ---- decrypt ---- */

static int
decrypt_binary(const unsigned char *in, size_t len,
    const struct es_secrets *ids, const struct es_secrets *pw,
    struct es_sbuf *pt, struct es_age_result *ar)
{
	unsigned char fk[ES_AGE_FILE_KEY];
	crypto_hash_sha256_state rel;
	struct header h;
	int r;

	crypto_hash_sha256_init(&rel);
	if ((r = parse_header(in, len, &h, &ar->cls)) != 0)
		goto out;
	if (len - h.len < ES_AGE_NONCE) {
		r = HDR_FAIL(&ar->cls, "age: file ends before the payload "
		    "nonce");
		goto out;
	}
	if ((r = file_key(&h, ids, pw, fk, ar)) != 0)
		goto out;
	if ((r = check_mac(in, &h, fk, ar)) != 0)
		goto out;
	r = open_payload(in + h.len, len - h.len, fk, pt, ar,
	    ar->want_released ? &rel : NULL);
out:
	if (ar->want_released)
		crypto_hash_sha256_final(&rel, ar->released_sha256);
	sodium_memzero(fk, sizeof fk);
	header_free(&h);
	return r;
}

int
es_age_decrypt(const unsigned char *in, size_t len,
    const struct es_secrets *identities, const struct es_secrets *passphrases,
    struct es_sbuf *pt, struct es_age_result *ar)
{
	struct es_sbuf bin = { 0 };
	int r;

	ar->cls = ES_AGE_OK;
	ar->used = -1;
	ar->ident = -1;
	if (es_age_is_armored(in, len)) {
		if ((r = dearmor(in, len, &bin, &ar->cls)) != 0)
			goto out;
		in = bin.p;
		len = bin.len;
	}
	r = decrypt_binary(in, len, identities, passphrases, pt, ar);
out:
	if (r != 0) {
		if (ar->cls == ES_AGE_OK)
			ar->cls = ES_AGE_HEADER;
		es_sbuf_free(pt);
		ar->used = -1;
	}
	es_sbuf_free(&bin);
	return r;
}

/* ---- encrypt ---- */

static int
wrap(const unsigned char key[32], const unsigned char fk[ES_AGE_FILE_KEY],
    unsigned char body[WRAPPED])
{
	static const unsigned char zero_nonce[12];
	unsigned long long n;

	return crypto_aead_chacha20poly1305_ietf_encrypt(body, &n, fk,
	    ES_AGE_FILE_KEY, NULL, 0, NULL, zero_nonce, key) == 0 ? 0 :
	    es_failf(ES_EINTERNAL, "age: wrap failed");
}

/* "-> args\n" then the body, base64 wrapped at 64 columns; a 32-byte
 * body is one 43-column line, which is also its final short line. */
static int
put_stanza(struct es_sbuf *o, const char *args, const unsigned char *b1,
    size_t b1len, const char *arg2, const unsigned char body[WRAPPED])
{
	int r;

	if ((r = es_sbuf_append(o, "-> ", 3)) != 0 ||
	    (r = es_sbuf_append(o, args, strlen(args))) != 0 ||
	    (r = b64_append(o, b1, b1len, 0)) != 0 ||
	    (r = es_sbuf_append(o, arg2, strlen(arg2))) != 0 ||
	    (r = es_sbuf_putc(o, '\n')) != 0 ||
	    (r = b64_append(o, body, WRAPPED, 0)) != 0)
		return r;
	return es_sbuf_putc(o, '\n');
}

static int
stanza_x25519(struct es_sbuf *o, const unsigned char pk[32],
    const unsigned char fk[ES_AGE_FILE_KEY])
{
	unsigned char esk[32], share[32], shared[32], salt[64], key[32];
	unsigned char body[WRAPPED];
	int r;

	if ((r = es_salt_next(esk, sizeof esk)) != 0)
		return r;
	crypto_scalarmult_base(share, esk);
	if (crypto_scalarmult(shared, esk, pk) != 0) {
		r = es_failf(ES_EAGE, "age recipient is a low-order point");
		goto out;
	}
	memcpy(salt, share, 32);
	memcpy(salt + 32, pk, 32);
	hkdf(shared, 32, salt, 64, INFO_X25519, key);
	if ((r = wrap(key, fk, body)) == 0)
		r = put_stanza(o, "X25519 ", share, 32, "", body);
out:
	sodium_memzero(esk, sizeof esk);
	sodium_memzero(shared, sizeof shared);
	sodium_memzero(key, sizeof key);
	return r;
}

static int
stanza_scrypt(struct es_sbuf *o, const struct es_secret *pw, int wf,
    const unsigned char fk[ES_AGE_FILE_KEY])
{
	unsigned char salt[sizeof INFO_SCRYPT - 1 + 16], key[32];
	unsigned char body[WRAPPED];
	size_t pre = sizeof INFO_SCRYPT - 1;
	char arg2[8];
	int r;

	if (wf < 1 || wf > ES_AGE_SCRYPT_WF_MAX)
		return es_failf(ES_EUSAGE, "scrypt work factor out of 1..22");
	memcpy(salt, INFO_SCRYPT, pre);
	if ((r = es_salt_next(salt + pre, 16)) != 0)
		return r;
	if (crypto_pwhash_scryptsalsa208sha256_ll(pw->bytes, pw->len, salt,
	    sizeof salt, (uint64_t)1 << wf, 8, 1, key, sizeof key) != 0)
		return es_failf(-ENOMEM, "age: scrypt could not run (memory)");
	snprintf(arg2, sizeof arg2, " %d", wf);
	if ((r = wrap(key, fk, body)) == 0)
		r = put_stanza(o, "scrypt ", salt + pre, 16, arg2, body);
	sodium_memzero(key, sizeof key);
	return r;
}

static int
seal_payload(struct es_sbuf *o, const unsigned char *pt, size_t len,
    const unsigned char fk[ES_AGE_FILE_KEY])
{
	unsigned char nonce[ES_AGE_NONCE], key[32], cn[12];
	unsigned long long cl;
	size_t pos = 0, n;
	uint64_t ctr = 0;
	int r, last;

	if ((r = es_salt_next(nonce, sizeof nonce)) != 0 ||
	    (r = es_sbuf_append(o, nonce, sizeof nonce)) != 0)
		return r;
	hkdf(fk, ES_AGE_FILE_KEY, nonce, sizeof nonce, "payload", key);
	do {
		n = len - pos > ES_AGE_CHUNK ? ES_AGE_CHUNK : len - pos;
		last = pos + n == len;
		if ((r = es_sbuf_reserve(o, n + ES_AGE_TAG)) != 0)
			break;
		chunk_nonce(cn, ctr++, last);
		crypto_aead_chacha20poly1305_ietf_encrypt(o->p + o->len, &cl,
		    pt + pos, n, NULL, 0, NULL, cn, key);
		o->len += (size_t)cl;
		pos += n;
	} while (!last);
	sodium_memzero(key, sizeof key);
	return r;
}

static int
armor_out(const struct es_sbuf *bin, struct es_sbuf *out)
{
	size_t i, n;
	int r;

	if ((r = es_sbuf_append(out, ES_AGE_ARMOR_BEGIN "\n",
	    sizeof ES_AGE_ARMOR_BEGIN)) != 0)
		return r;
	/* 48 bytes make one 64-column line. */
	for (i = 0; i < bin->len; i += 48) {
		n = bin->len - i > 48 ? 48 : bin->len - i;
		if ((r = b64_append(out, bin->p + i, n, 1)) != 0 ||
		    (r = es_sbuf_putc(out, '\n')) != 0)
			return r;
	}
	return es_sbuf_append(out, ES_AGE_ARMOR_END "\n",
	    sizeof ES_AGE_ARMOR_END);
}

/* A stanza body wrapped at 64 columns; a body of whole lines (or none)
 * ends with an empty final line, as the spec requires. */
static int
put_body(struct es_sbuf *o, const unsigned char *d, size_t n)
{
	size_t i, m;
	int r;

	for (i = 0; i < n; i += m) {
		m = n - i > 48 ? 48 : n - i;
		if ((r = b64_append(o, d + i, m, 0)) != 0 ||
		    (r = es_sbuf_putc(o, '\n')) != 0)
			return r;
	}
	return n % 48 == 0 ? es_sbuf_putc(o, '\n') : 0;
}

static void
record_hash(const unsigned char pk[ES_AGE_KEY], unsigned char h[ES_AGE_RECORD_HASH])
{
	unsigned char full[32];

	crypto_hash_sha256(full, pk, ES_AGE_KEY);
	memcpy(h, full, ES_AGE_RECORD_HASH);
}

/* "-> envseal.org/recipients" and the truncated hashes of the recipients. */
static int
put_record(struct es_sbuf *o, const unsigned char *pk, size_t npk)
{
	unsigned char h[ES_AGE_RECIPIENTS_MAX * ES_AGE_RECORD_HASH];
	size_t i;
	int r;

	for (i = 0; i < npk; i++)
		record_hash(pk + i * ES_AGE_KEY, h + i * ES_AGE_RECORD_HASH);
	if ((r = es_sbuf_append(o, "-> " ES_AGE_RECORD_TYPE "\n",
	    sizeof ES_AGE_RECORD_TYPE + 3)) != 0)
		return r;
	return put_body(o, h, npk * ES_AGE_RECORD_HASH);
}

/* Version line, stanzas, the record (recipients only), MAC line. */
static int
seal_header(struct es_sbuf *o, const unsigned char fk[ES_AGE_FILE_KEY],
    const unsigned char *pk, size_t npk, const struct es_secret *pw, int wf)
{
	unsigned char key[32], mac[32];
	size_t i, start = o->len;
	int r;

	if ((r = es_sbuf_append(o, ES_AGE_V1 "\n", sizeof ES_AGE_V1)) != 0)
		return r;
	if (pw != NULL)
		r = stanza_scrypt(o, pw, wf, fk);
	for (i = 0; i < npk && r == 0; i++)
		r = stanza_x25519(o, pk + i * ES_AGE_KEY, fk);
	if (r == 0 && npk > 0)
		r = put_record(o, pk, npk);
	if (r != 0 || (r = es_sbuf_append(o, "---", 3)) != 0)
		return r;
	hkdf(fk, ES_AGE_FILE_KEY, NULL, 0, "header", key);
	crypto_auth_hmacsha256(mac, o->p + start, o->len - start, key);
	sodium_memzero(key, sizeof key);
	if ((r = es_sbuf_putc(o, ' ')) != 0 ||
	    (r = b64_append(o, mac, sizeof mac, 0)) != 0)
		return r;
	return es_sbuf_putc(o, '\n');
}

static int
seal(const unsigned char *pt, size_t len, const unsigned char *pk, size_t npk,
    const struct es_secret *pw, int wf, struct es_sbuf *o)
{
	unsigned char fk[ES_AGE_FILE_KEY];
	int r;

	if ((r = es_salt_next(fk, sizeof fk)) != 0)
		return r;
	/* Header (~120 bytes a stanza), nonce, the chunks and their tags. */
	if ((r = es_sbuf_reserve(o, 256 + 150 * npk + ES_AGE_NONCE + len +
	    (len / ES_AGE_CHUNK + 1) * ES_AGE_TAG)) == 0 &&
	    (r = seal_header(o, fk, pk, npk, pw, wf)) == 0)
		r = seal_payload(o, pt, len, fk);
	sodium_memzero(fk, sizeof fk);
	return r;
}

int
es_age_encrypt(const unsigned char *pt, size_t len, const unsigned char *pk,
    size_t npk, const struct es_secret *passphrase, int wf, int armor,
    struct es_sbuf *out)
{
	struct es_sbuf bin = { 0 };
	int r;

	if ((passphrase != NULL) == (npk > 0) || npk > ES_AGE_RECIPIENTS_MAX)
		return es_failf(ES_EUSAGE, "age: either recipients (at most "
		    "%d) or one passphrase", ES_AGE_RECIPIENTS_MAX);
	if (len > ES_SBUF_MAX / 2)
		return es_failf(ES_ELIMIT, "age: plaintext too large");
	if (pt == NULL)
		pt = (const unsigned char *)"";   /* no NULL + 0 below */
	if (!armor)
		return seal(pt, len, pk, npk, passphrase, wf, out);
	if ((r = seal(pt, len, pk, npk, passphrase, wf, &bin)) == 0)
		r = armor_out(&bin, out);
	es_sbuf_free(&bin);
	return r;
}

/* ---- reencrypt ---- */

/* 1 when every recipient the record names is among pk (nothing removed);
 * *same when the two sets are equal. No record: 0 (not known). */
static int
only_added(const struct header *h, const unsigned char *pk, size_t npk,
    int *same)
{
	unsigned char hh[ES_AGE_RECORD_HASH];
	const struct stanza *rec = NULL;
	size_t i, j, nold, found = 0;

	*same = 0;
	for (i = 0; i < h->n; i++)
		if (is_record(&h->st[i]))
			rec = &h->st[i];
	if (rec == NULL || rec->bodylen % ES_AGE_RECORD_HASH != 0)
		return 0;
	nold = rec->bodylen / ES_AGE_RECORD_HASH;
	for (i = 0; i < nold; i++) {
		for (j = 0; j < npk; j++) {
			record_hash(pk + j * ES_AGE_KEY, hh);
			if (memcmp(hh, rec->xbody + i * ES_AGE_RECORD_HASH,
			    sizeof hh) == 0)
				break;
		}
		if (j == npk)
			return 0;
		found++;
	}
	/* Each new recipient once in the old record: the same set. */
	*same = found == npk && nold == npk;
	return 1;
}

static int
reencrypt_binary(const unsigned char *in, size_t len,
    const struct es_secrets *ids, const unsigned char *pk, size_t npk,
    struct es_sbuf *out, enum es_age_reencrypted *how)
{
	unsigned char fk[ES_AGE_FILE_KEY];
	struct es_age_result ar;
	struct es_sbuf pt = { 0 };
	struct header h;
	int r, same;

	memset(&ar, 0, sizeof ar);
	if ((r = parse_header(in, len, &h, &ar.cls)) != 0)
		goto out;
	if (len - h.len < ES_AGE_NONCE) {
		r = HDR_FAIL(&ar.cls, "age: file ends before the payload nonce");
		goto out;
	}
	if ((r = file_key(&h, ids, NULL, fk, &ar)) != 0 ||
	    (r = check_mac(in, &h, fk, &ar)) != 0 ||
	    (r = open_payload(in + h.len, len - h.len, fk, &pt, &ar, NULL)) != 0)
		goto out;
	/* The whole file authenticated: now its record may be believed. */
	if (only_added(&h, pk, npk, &same)) {
		*how = same ? ES_AGE_UNCHANGED : ES_AGE_REWRAPPED;
		if (same)
			r = es_sbuf_append(out, in, len);
		else if ((r = seal_header(out, fk, pk, npk, NULL, 0)) == 0)
			r = es_sbuf_append(out, in + h.len, len - h.len);
	} else {
		*how = ES_AGE_NEW_KEY;
		r = es_age_encrypt(pt.p, pt.len, pk, npk, NULL, 0, 0, out);
	}
out:
	sodium_memzero(fk, sizeof fk);
	es_sbuf_free(&pt);
	header_free(&h);
	return r;
}

int
es_age_reencrypt(const unsigned char *in, size_t len,
    const struct es_secrets *identities, const unsigned char *pk, size_t npk,
    struct es_sbuf *out, enum es_age_reencrypted *how)
{
	struct es_sbuf bin = { 0 }, tmp = { 0 };
	int r, armored = es_age_is_armored(in, len);

	if (npk == 0 || npk > ES_AGE_RECIPIENTS_MAX)
		return es_failf(ES_EUSAGE, "age: 1 to %d recipients",
		    ES_AGE_RECIPIENTS_MAX);
	if (armored) {
		if ((r = es_age_dearmor(in, len, &bin)) != 0)
			goto out;
		in = bin.p;
		len = bin.len;
	}
	if ((r = reencrypt_binary(in, len, identities, pk, npk,
	    armored ? &tmp : out, how)) == 0 && armored)
		r = armor_out(&tmp, out);
out:
	if (r != 0)
		es_sbuf_free(out);
	es_sbuf_free(&tmp);
	es_sbuf_free(&bin);
	return r;
}
