/*
 * vault/age_bech32.c — Bech32 (BIP 173) and age's key strings on it:
 * recipients "age1..." and identities "AGE-SECRET-KEY-1...", and the
 * identity and recipient files that hold them. Pure.
 */
#include "vault/age.h"

#include <ctype.h>
#include <errno.h>
#include <sodium.h>
#include <string.h>

static const char b32[] = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";

#define AGE_HRP_RECIPIENT "age"
#define AGE_HRP_IDENTITY "age-secret-key-"
/* Most identity or recipient lines read from one file. */
#define AGE_KEYFILE_LINES 100000

static uint32_t
polymod_step(uint32_t c, unsigned v)
{
	static const uint32_t g[5] = { 0x3b6a57b2, 0x26508e6d, 0x1ea119fa,
	    0x3d4233dd, 0x2a1462b3 };
	uint32_t b = c >> 25;
	int i;

	c = ((c & 0x1ffffff) << 5) ^ v;
	for (i = 0; i < 5; i++)
		if ((b >> i) & 1)
			c ^= g[i];
	return c;
}

static uint32_t
hrp_polymod(const char *hrp, size_t n)
{
	uint32_t c = 1;
	size_t i;

	for (i = 0; i < n; i++)
		c = polymod_step(c, (unsigned char)tolower((unsigned char)hrp[i]) >> 5);
	c = polymod_step(c, 0);
	for (i = 0; i < n; i++)
		c = polymod_step(c, (unsigned char)tolower((unsigned char)hrp[i]) & 31);
	return c;
}

/* 8-bit bytes to 5-bit groups, zero-padded. */
static size_t
to5(const unsigned char *d, size_t len, unsigned char *o)
{
	uint32_t acc = 0;
	unsigned bits = 0;
	size_t i, n = 0;

	for (i = 0; i < len; i++) {
		acc = (acc << 8) | d[i];
		bits += 8;
		while (bits >= 5) {
			bits -= 5;
			o[n++] = (acc >> bits) & 31;
		}
	}
	if (bits > 0)
		o[n++] = (acc << (5 - bits)) & 31;
	return n;
}

int
es_bech32_encode(const char *hrp, const unsigned char *data, size_t len,
    int upper, char *buf, size_t size)
{
	unsigned char g[ES_AGE_BECH32_MAX];
	size_t hl = strlen(hrp), n, i, k = 0;
	uint32_t c;

	if ((len * 8 + 4) / 5 > sizeof g || hl + 1 + (len * 8 + 4) / 5 + 6 + 1
	    > size)
		return es_failf(ES_ELIMIT, "bech32: string too long");
	n = to5(data, len, g);
	c = hrp_polymod(hrp, hl);
	for (i = 0; i < hl; i++)
		buf[k++] = upper ? (char)toupper((unsigned char)hrp[i]) :
		    (char)tolower((unsigned char)hrp[i]);
	buf[k++] = '1';
	for (i = 0; i < n; i++) {
		c = polymod_step(c, g[i]);
		buf[k++] = b32[g[i]];
	}
	for (i = 0; i < 6; i++)
		c = polymod_step(c, 0);
	c ^= 1;
	for (i = 0; i < 6; i++)
		buf[k++] = b32[(c >> (5 * (5 - i))) & 31];
	buf[k] = '\0';
	if (upper)
		for (i = hl; i < k; i++)
			buf[i] = (char)toupper((unsigned char)buf[i]);
	sodium_memzero(g, sizeof g);
	return 0;
}

static int
b32_value(int ch)
{
	const char *p = ch ? strchr(b32, ch) : NULL;

	return p ? (int)(p - b32) : -1;
}

int
es_bech32_decode(const char *s, size_t slen, char *hrp, size_t hrpsz,
    unsigned char *data, size_t datasz, size_t *len)
{
	int lower = 0, upper = 0, v;
	size_t i, sep = 0, n = 0;
	uint32_t c, acc = 0;
	unsigned bits = 0;

	if (slen > ES_AGE_BECH32_MAX)
		return es_failf(ES_EAGE, "bech32: longer than %d characters",
		    ES_AGE_BECH32_MAX);
	for (i = 0; i < slen; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch < 33 || ch > 126)
			return es_failf(ES_EAGE, "bech32: invalid character");
		lower |= islower(ch) != 0;
		upper |= isupper(ch) != 0;
		if (ch == '1')
			sep = i;
	}
	if (lower && upper)
		return es_failf(ES_EAGE, "bech32: mixed case");
	if (sep == 0 || sep + 7 > slen || sep + 1 > hrpsz)
		return es_failf(ES_EAGE, "bech32: no separator or checksum");
	for (i = 0; i < sep; i++)
		hrp[i] = (char)tolower((unsigned char)s[i]);
	hrp[sep] = '\0';
	c = hrp_polymod(hrp, sep);
	for (i = sep + 1; i < slen; i++) {
		if ((v = b32_value(tolower((unsigned char)s[i]))) < 0)
			return es_failf(ES_EAGE, "bech32: invalid character");
		c = polymod_step(c, (unsigned)v);
		if (i + 6 >= slen)
			continue;   /* checksum characters */
		acc = (acc << 5) | (unsigned)v;
		bits += 5;
		if (bits >= 8) {
			bits -= 8;
			if (n >= datasz)
				return es_failf(ES_EAGE, "bech32: too long");
			data[n++] = (acc >> bits) & 0xff;
		}
	}
	if (c != 1)
		return es_failf(ES_EAGE, "bech32: bad checksum");
	/* Padding: fewer than 5 bits, all zero (BIP 173's convertbits). */
	if (bits >= 5 || (acc & ((1u << bits) - 1)) != 0)
		return es_failf(ES_EAGE, "bech32: non-zero padding");
	*len = n;
	return 0;
}

int
es_age_recipient_decode(const char *s, unsigned char pk[ES_AGE_KEY])
{
	char hrp[ES_AGE_BECH32_MAX + 1];
	size_t n;
	int r;

	if ((r = es_bech32_decode(s, strlen(s), hrp, sizeof hrp, pk,
	    ES_AGE_KEY, &n)) != 0)
		return r;
	if (strcmp(hrp, AGE_HRP_RECIPIENT) != 0 || n != ES_AGE_KEY)
		return es_failf(ES_EAGE, "not an age X25519 recipient (age1...)");
	for (n = 0; s[n] != '\0'; n++)
		if (isupper((unsigned char)s[n]))
			return es_failf(ES_EAGE, "an age recipient is lower case");
	return 0;
}

int
es_age_recipient_encode(const unsigned char pk[ES_AGE_KEY], char *buf,
    size_t size)
{
	return es_bech32_encode(AGE_HRP_RECIPIENT, pk, ES_AGE_KEY, 0, buf, size);
}

int
es_age_identity_decode(const char *s, size_t len, unsigned char sk[ES_AGE_KEY])
{
	char hrp[ES_AGE_BECH32_MAX + 1];
	size_t n;
	int r;

	if ((r = es_bech32_decode(s, len, hrp, sizeof hrp, sk, ES_AGE_KEY,
	    &n)) != 0)
		return r;
	if (strcmp(hrp, AGE_HRP_IDENTITY) != 0 || n != ES_AGE_KEY) {
		sodium_memzero(sk, ES_AGE_KEY);
		return es_failf(ES_EAGE, "not an age X25519 identity "
		    "(AGE-SECRET-KEY-1...): unsupported type");
	}
	return 0;
}

int
es_age_identity_encode(const unsigned char sk[ES_AGE_KEY], char *buf,
    size_t size)
{
	return es_bech32_encode(AGE_HRP_IDENTITY, sk, ES_AGE_KEY, 1, buf, size);
}

int
es_age_public(const unsigned char sk[ES_AGE_KEY], unsigned char pk[ES_AGE_KEY])
{
	if (crypto_scalarmult_base(pk, sk) != 0)
		return es_failf(ES_EAGE, "identity has no public key");
	return 0;
}

/* Next line of text: [*s, *e) without its LF (and a CR before it). */
static int
next_line(const unsigned char *text, size_t len, size_t *pos, size_t *s,
    size_t *e)
{
	const unsigned char *nl;

	if (*pos >= len)
		return 0;
	*s = *pos;
	nl = memchr(text + *pos, '\n', len - *pos);
	*e = nl ? (size_t)(nl - text) : len;
	*pos = nl ? *e + 1 : len;
	if (*e > *s && text[*e - 1] == '\r')
		(*e)--;
	return 1;
}

/* The decoder's detail, prefixed with the file and line (a copy first:
 * es_failf() overwrites the detail it would read). */
static int
again(const char *name, size_t line)
{
	char d[ES_ERRDETAIL_MAX];

	snprintf(d, sizeof d, "%s", es_errdetail());
	return es_failf(ES_EAGE, "%s:%zu: %s", name, line, d);
}

static int
blank_or_comment(const unsigned char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n && (p[i] == ' ' || p[i] == '\t'); i++)
		;
	return i == n || p[i] == '#';
}

int
es_age_identities_parse(const unsigned char *text, size_t len,
    const char *name, const char *label, struct es_secrets *out)
{
	unsigned char sk[ES_AGE_KEY];
	size_t pos = 0, s, e, line = 0, found = 0;
	int r = 0;

	while (r == 0 && next_line(text, len, &pos, &s, &e)) {
		if (++line > AGE_KEYFILE_LINES)
			return es_failf(ES_ELIMIT, "%s: more than %d lines",
			    name, AGE_KEYFILE_LINES);
		if (blank_or_comment(text + s, e - s))
			continue;
		if (es_age_identity_decode((const char *)text + s, e - s,
		    sk) != 0)
			return again(name, line);
		r = es_secrets_add(out, label, sk, sizeof sk);
		sodium_memzero(sk, sizeof sk);
		found++;
	}
	if (r == 0 && found == 0)
		return es_failf(ES_EAGE, "%s: no AGE-SECRET-KEY-1 identity", name);
	return r;
}

int
es_age_recipients_parse(const unsigned char *text, size_t len,
    const char *name, unsigned char *pk, size_t max, size_t *n)
{
	char str[ES_AGE_BECH32_MAX + 1];
	size_t pos = 0, s, e, line = 0;

	while (next_line(text, len, &pos, &s, &e)) {
		if (++line > AGE_KEYFILE_LINES)
			return es_failf(ES_ELIMIT, "%s: more than %d lines",
			    name, AGE_KEYFILE_LINES);
		if (blank_or_comment(text + s, e - s))
			continue;
		if (e - s > ES_AGE_BECH32_MAX)
			return es_failf(ES_EAGE, "%s:%zu: not an age1 "
			    "recipient", name, line);
		if (*n >= max)
			return es_failf(ES_ELIMIT, "more than %zu recipients",
			    max);
		memcpy(str, text + s, e - s);
		str[e - s] = '\0';
		if (es_age_recipient_decode(str, pk + *n * ES_AGE_KEY) != 0)
			return again(name, line);
		(*n)++;
	}
	return 0;
}
