/*
 * vault/envelope.c — the Ansible Vault text envelope, byte for byte as
 * ansible-core 2.14 reads and writes it (vault.py 86-233):
 *
 *	$ANSIBLE_VAULT;1.1;AES256[;LABEL]\n
 *	hex( hex(salt) \n hex(hmac) \n hex(ciphertext) ), 80 columns, LF each
 *
 * Reader tolerance is ansible's: CRLF or CR, any width, either hex case,
 * no final newline, trailing blank lines, spaces around ';', fields after
 * the fourth ignored, the version never checked. Pure: memory only.
 */
#include "vault/vault.h"

#include <errno.h>
#include <string.h>

#define VAULT_MAGIC "$ANSIBLE_VAULT"
#define VAULT_MAGIC_LEN (sizeof VAULT_MAGIC - 1)
/* The writer's line width (vault.py 213). */
#define VAULT_COLUMNS 80
/* Header fields kept; ansible ignores everything after the fourth. */
#define VAULT_FIELDS 4

struct envelope {
	char label[ES_LABEL_MAX + 1];
	unsigned char salt[ES_AV_SALT_MAX];
	size_t saltlen;
	unsigned char mac[ES_AV_MACLEN];
	unsigned char *inner;       /* malloc'd inner text; not secret */
	unsigned char *ct;          /* decoded in place inside inner */
	size_t ctlen;
};

/* Hex digit value + 1; 0 for anything else. A table: the outer layer of
 * a 64 MiB vault is 64 million digits. */
static const unsigned char hexv[256] = {
	['0'] = 1, ['1'] = 2, ['2'] = 3, ['3'] = 4, ['4'] = 5, ['5'] = 6,
	['6'] = 7, ['7'] = 8, ['8'] = 9, ['9'] = 10,
	['a'] = 11, ['b'] = 12, ['c'] = 13, ['d'] = 14, ['e'] = 15, ['f'] = 16,
	['A'] = 11, ['B'] = 12, ['C'] = 13, ['D'] = 14, ['E'] = 15, ['F'] = 16,
};

/* Two hex digits (as a little-endian 16-bit load) -> 0x100 | byte, or 0
 * when either is not a hex digit: one lookup per output byte. Built on
 * first use (memory only, so also inside the worker). */
static uint16_t pairv[65536];
static int pairv_ready;

static void
pairv_build(void)
{
	/* Only the 22 x 22 digit pairs: every other entry stays 0 ("not
	 * hex") as the zeroed table has it; 484 stores, not 65536 tests. */
	static const char digits[] = "0123456789abcdefABCDEF";
	unsigned i, k;
	unsigned char a, b;

	for (i = 0; i < sizeof digits - 1; i++)
		for (k = 0; k < sizeof digits - 1; k++) {
			a = (unsigned char)digits[i];
			b = (unsigned char)digits[k];
			pairv[a | b << 8] = (uint16_t)(0x100 |
			    (hexv[a] - 1) << 4 | (hexv[b] - 1));
		}
	pairv_ready = 1;
}

static inline unsigned
pair_at(const unsigned char *p)
{
	return pairv[p[0] | (unsigned)p[1] << 8];
}

/* Strict unhexlify (binascii): even length, hex digits only. out may be
 * in itself: byte i is written after digits 2i and 2i+1 are read. */
static int
unhex(const unsigned char *in, size_t n, unsigned char *out)
{
	size_t i;
	unsigned v, w;

	if (n % 2 != 0)
		return es_failf(ES_EFORMAT, "odd-length hex");
	if (!pairv_ready)
		pairv_build();
	for (i = 0, v = 0x100; i < n / 2; i++) {
		w = pair_at(in + 2 * i);
		v &= w;
		out[i] = (unsigned char)w;
	}
	if (n > 0 && v == 0)
		return es_failf(ES_EFORMAT, "non-hexadecimal digit");
	return 0;
}

static int
is_ws(unsigned char c)
{
	/* bytes.strip(): space, \t, \n, \v, \f, \r. */
	return c == ' ' || (c >= '\t' && c <= '\r');
}

int
es_vault_is_envelope(const unsigned char *in, size_t len)
{
	size_t i;

	uint64_t w, acc = 0;

	if (len < VAULT_MAGIC_LEN || memcmp(in, VAULT_MAGIC, VAULT_MAGIC_LEN))
		return 0;
	/* Eight bytes at a time: a 64 MiB vault is read more than once. */
	for (i = 0; i + 8 <= len; i += 8) {
		memcpy(&w, in + i, 8);
		acc |= w;
	}
	for (; i < len; i++)
		acc |= in[i];
	return (acc & 0x8080808080808080ULL) == 0;
}

int
es_vault_label_ok(const char *label)
{
	size_t i, n = strlen(label);

	if (n == 0 || n > ES_LABEL_MAX || label[0] == ' ' ||
	    label[n - 1] == ' ')
		return 0;
	for (i = 0; i < n; i++)
		if (label[i] < 0x20 || label[i] > 0x7e || label[i] == ';')
			return 0;
	return 1;
}

/* Length of the first line (without its break) and of its break. */
static size_t
first_line(const unsigned char *in, size_t len, size_t *brk)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (in[i] == '\n') {
			*brk = 1;
			return i;
		}
		if (in[i] == '\r') {
			*brk = (i + 1 < len && in[i + 1] == '\n') ? 2 : 1;
			return i;
		}
	}
	*brk = 0;
	return len;
}

/* Split the header into stripped fields; return their count (capped). */
static size_t
header_fields(const unsigned char *h, size_t n, const unsigned char **f,
    size_t *flen)
{
	size_t i = 0, nf = 0, s, e;

	for (;;) {
		s = i;
		while (i < n && h[i] != ';')
			i++;
		e = i;
		while (s < e && is_ws(h[s]))
			s++;
		while (e > s && is_ws(h[e - 1]))
			e--;
		if (nf < VAULT_FIELDS) {
			f[nf] = h + s;
			flen[nf] = e - s;
		}
		nf++;
		if (i >= n)
			break;
		i++;
	}
	return nf;
}

static int
parse_header(const unsigned char *h, size_t n, struct envelope *env)
{
	const unsigned char *f[VAULT_FIELDS];
	size_t flen[VAULT_FIELDS], nf;

	nf = header_fields(h, n, f, flen);
	if (nf < 3)
		return es_failf(ES_EFORMAT, "vault header has fewer than "
		    "3 fields");
	if (flen[2] != 6 || memcmp(f[2], "AES256", 6) != 0)
		return es_failf(ES_EFORMAT, "vault cipher is not AES256");
	if (nf < 4) {
		memcpy(env->label, "default", sizeof "default");
		return 0;
	}
	if (flen[3] > ES_LABEL_MAX)
		return es_failf(ES_EFORMAT, "vault label longer than %d bytes",
		    ES_LABEL_MAX);
	memcpy(env->label, f[3], flen[3]);
	env->label[flen[3]] = '\0';
	return 0;
}

/* Outer hex (line breaks dropped, as b''.join(lines[1:])) -> inner.
 * Line by line, pairs within a line without per-byte branches; a line of
 * odd width (any width is allowed) carries its last digit over. */
static int
decode_outer(const unsigned char *b, size_t n, unsigned char **inner,
    size_t *innerlen)
{
	unsigned char *out;
	const unsigned char *p = b, *end = b + n, *eol, *cr;
	unsigned hi = 0, lo, bad = 0, ok = 0x100, w;
	size_t o = 0, i;
	int half = 0;

	if (!pairv_ready)
		pairv_build();
	if ((out = malloc(n / 2 + 1)) == NULL)
		return -ENOMEM;
	while (p < end) {
		/* The writer's line (80 digits, LF) with nothing carried: the
		 * pairs without searching for the line's end. Any pair that is
		 * not two digits (a CR inside, a bad digit) sends the line to
		 * the general path below, which overwrites what was stored. */
		if (!half && (size_t)(end - p) > VAULT_COLUMNS &&
		    p[VAULT_COLUMNS] == '\n') {
			for (i = 0, w = 0x100; i < VAULT_COLUMNS / 2; i++) {
				lo = pair_at(p + 2 * i);
				w &= lo;
				out[o + i] = (unsigned char)lo;
			}
			if (w != 0) {
				o += VAULT_COLUMNS / 2;
				p += VAULT_COLUMNS + 1;
				continue;
			}
		}
		if (*p == '\n' || *p == '\r') {
			p++;
			continue;
		}
		/* A line ends at LF, CR LF or a lone CR (splitlines). */
		if ((eol = memchr(p, '\n', (size_t)(end - p))) == NULL)
			eol = end;
		if ((cr = memchr(p, '\r', (size_t)(eol - p))) != NULL)
			eol = cr;
		if (half && p < eol) {
			lo = hexv[*p++];
			bad |= !lo;
			out[o++] = (unsigned char)((hi - 1) << 4 | (lo - 1));
			half = 0;
		}
		for (; p + 1 < eol; p += 2) {
			w = pair_at(p);
			ok &= w;
			out[o++] = (unsigned char)w;
		}
		if (p < eol) {
			hi = hexv[*p++];
			bad |= !hi;
			half = 1;
		}
	}
	bad |= !ok;
	if (bad || half) {
		free(out);
		return es_failf(ES_EFORMAT, bad ? "non-hexadecimal digit" :
		    "odd-length hex");
	}
	*inner = out;
	*innerlen = o;
	return 0;
}

/* inner = hex(salt) \n hex(mac) \n hex(ct): split(b"\n", 2). The
 * ciphertext is decoded in place, so in must be env->inner. */
static int
parse_inner(unsigned char *in, size_t n, struct envelope *env)
{
	const unsigned char *nl1, *nl2, *m;
	unsigned char *c;
	size_t slen, mlen, clen;
	int r;

	if ((nl1 = memchr(in, '\n', n)) == NULL ||
	    (nl2 = memchr(nl1 + 1, '\n', n - (size_t)(nl1 + 1 - in))) == NULL)
		return es_failf(ES_EFORMAT, "vault payload lacks its 3 fields");
	slen = (size_t)(nl1 - in);
	m = nl1 + 1;
	mlen = (size_t)(nl2 - m);
	c = in + (nl2 + 1 - in);
	clen = n - (size_t)(c - in);
	if (slen / 2 > ES_AV_SALT_MAX)
		return es_failf(ES_EFORMAT, "vault salt longer than %d bytes",
		    ES_AV_SALT_MAX);
	if (mlen != 2 * ES_AV_MACLEN)
		return es_failf(ES_EFORMAT, "vault HMAC is not %d bytes",
		    ES_AV_MACLEN);
	if ((r = unhex(in, slen, env->salt)) != 0 ||
	    (r = unhex(m, mlen, env->mac)) != 0)
		return r;
	env->saltlen = slen / 2;
	/* The ciphertext digits become bytes where they lie: no copy. */
	env->ct = c;
	if ((r = unhex(c, clen, env->ct)) != 0)
		return r;
	env->ctlen = clen / 2;
	return 0;
}

static int
parse_envelope(const unsigned char *in, size_t len, struct envelope *env)
{
	unsigned char *inner = NULL;
	size_t hlen, brk, innerlen = 0;
	int r;

	memset(env, 0, sizeof *env);
	if (len > ES_VAULT_MAX)
		return es_failf(ES_ELIMIT, "vault larger than %zu bytes",
		    ES_VAULT_MAX);
	if (!es_vault_is_envelope(in, len))
		return es_failf(ES_ENOTVAULT, "not an Ansible Vault");
	hlen = first_line(in, len, &brk);
	if ((r = parse_header(in, hlen, env)) != 0)
		return r;
	r = decode_outer(in + hlen + brk, len - hlen - brk, &inner,
	    &innerlen);
	if (r != 0)
		return r;
	env->inner = inner;
	return parse_inner(inner, innerlen, env);
}

static void
envelope_free(struct envelope *env)
{
	free(env->inner);
	env->inner = NULL;
	env->ct = NULL;
}

int
es_vault_label(const unsigned char *in, size_t len, char *buf, size_t bufsz)
{
	struct envelope env;
	size_t hlen, brk;
	int r;

	memset(&env, 0, sizeof env);
	if (!es_vault_is_envelope(in, len))
		return es_failf(ES_ENOTVAULT, "not an Ansible Vault");
	hlen = first_line(in, len, &brk);
	if ((r = parse_header(in, hlen, &env)) != 0)
		return r;
	if (strlen(env.label) >= bufsz)
		return es_failf(ES_ELIMIT, "vault label too long");
	memcpy(buf, env.label, strlen(env.label) + 1);
	return 0;
}

size_t
es_vault_try_order(const struct es_secrets *secrets, const char *label,
    size_t order[ES_SECRETS_MAX])
{
	size_t i, n = 0;

	/* Unlike ansible, the secret named by the vault's label goes first:
	 * the common case costs one PBKDF2, not one per listed secret. With
	 * id_match (ANSIBLE_VAULT_ID_MATCH) only those, as ansible
	 * (decrypt_and_get_vault_id adds no other vault-id): none is then
	 * ES_EKEY with "tried: none". An empty label matches no secret. */
	/* age identities (ES_AGE_ID_LABEL) are no passwords: never tried. */
	for (i = 0; i < secrets->n; i++)
		if (strcmp(secrets->v[i].label, label) == 0 &&
		    strcmp(label, ES_AGE_ID_LABEL) != 0)
			order[n++] = i;
	for (i = 0; i < secrets->n && !secrets->id_match; i++)
		if (strcmp(secrets->v[i].label, label) != 0 &&
		    strcmp(secrets->v[i].label, ES_AGE_ID_LABEL) != 0)
			order[n++] = i;
	return n;
}

/* "a, b, c" of the labels tried, printable characters only. */
static void
labels_tried(const struct es_secrets *secrets, const size_t *order, size_t n,
    char *buf, size_t bufsz)
{
	size_t i, o = 0;
	const char *l;

	buf[0] = '\0';
	for (i = 0; i < n && o + 4 < bufsz; i++) {
		if (i > 0) {
			buf[o++] = ',';
			buf[o++] = ' ';
		}
		for (l = secrets->v[order[i]].label; *l && o + 4 < bufsz; l++)
			buf[o++] = (*l >= 0x20 && *l < 0x7f) ? *l : '?';
	}
	buf[o] = '\0';
}

static void
printable(char *dst, const char *src, size_t dstsz)
{
	size_t i;

	for (i = 0; src[i] && i + 1 < dstsz; i++)
		dst[i] = (src[i] >= 0x20 && src[i] < 0x7f) ? src[i] : '?';
	dst[i] = '\0';
}

/* ES_EKEY naming the vault's label and the labels tried; under
 * ANSIBLE_VAULT_ID_MATCH also why the others were not, and their labels
 * (never a secret). */
static int
no_secret_opened(const struct es_secrets *secrets, const size_t *order,
    size_t n, const char *label)
{
	char tried[ES_ERRDETAIL_MAX / 4], loaded[ES_ERRDETAIL_MAX / 4];
	char lab[ES_LABEL_MAX + 1];
	size_t all[ES_SECRETS_MAX] = { 0 }, i;

	labels_tried(secrets, order, n, tried, sizeof tried);
	printable(lab, label, sizeof lab);
	if (!secrets->id_match)
		return es_failf(ES_EKEY, "no vault secret opened it (vault "
		    "label %s; tried: %s)", lab, n ? tried : "none");
	for (i = 0; i < secrets->n; i++)
		all[i] = i;
	labels_tried(secrets, all, secrets->n, loaded, sizeof loaded);
	return es_failf(ES_EKEY, "no vault secret opened it (vault label %s; "
	    "tried: %s); ANSIBLE_VAULT_ID_MATCH is set: only secrets of the "
	    "vault's label are tried (loaded: %s)", lab, n ? tried : "none",
	    secrets->n ? loaded : "none");
}

int
es_vault_open(const unsigned char *in, size_t len,
    const struct es_secrets *secrets, struct es_sbuf *pt, int *used)
{
	struct envelope env;
	size_t order[ES_SECRETS_MAX], n, i;
	const struct es_secret *s;
	int r;

	*used = -1;
	if ((r = parse_envelope(in, len, &env)) != 0)
		goto out;
	if (env.ctlen == 0 || env.ctlen % ES_AV_BLOCK != 0) {
		r = es_failf(ES_EFORMAT, "vault ciphertext is not whole AES "
		    "blocks");
		goto out;
	}
	n = es_vault_try_order(secrets, env.label, order);
	r = ES_EKEY;
	for (i = 0; i < n && r == ES_EKEY; i++) {
		s = &secrets->v[order[i]];
		r = es_av_open(s->bytes, s->len, env.salt, env.saltlen, env.mac,
		    env.ct, env.ctlen, pt);
		if (r == 0)
			*used = (int)order[i];
	}
	if (r == ES_EKEY)
		r = no_secret_opened(secrets, order, n, env.label);
out:
	envelope_free(&env);
	return r;
}

static int
put_hex_wrapped(struct es_sbuf *out, const unsigned char *inner, size_t n)
{
	static const char dig[] = "0123456789abcdef";
	size_t i, col = 0;
	int r;

	/* Each inner byte is two outer hex digits; wrap at 80 columns. */
	if ((r = es_sbuf_reserve(out, 2 * n + 2 * n / VAULT_COLUMNS + 2)) != 0)
		return r;
	for (i = 0; i < n; i++) {
		out->p[out->len++] = (unsigned char)dig[inner[i] >> 4];
		out->p[out->len++] = (unsigned char)dig[inner[i] & 15];
		col += 2;
		if (col == VAULT_COLUMNS) {
			out->p[out->len++] = '\n';
			col = 0;
		}
	}
	if (col != 0)
		out->p[out->len++] = '\n';
	return 0;
}

static int
put_lhex(struct es_sbuf *b, const unsigned char *p, size_t n)
{
	static const char dig[] = "0123456789abcdef";
	size_t i;
	int r;

	if ((r = es_sbuf_reserve(b, 2 * n)) != 0)
		return r;
	for (i = 0; i < n; i++) {
		b->p[b->len++] = (unsigned char)dig[p[i] >> 4];
		b->p[b->len++] = (unsigned char)dig[p[i] & 15];
	}
	return 0;
}

static int
put_header(struct es_sbuf *out, const char *label)
{
	int r;

	if (label == NULL || strcmp(label, "default") == 0)
		return es_sbuf_append(out, VAULT_MAGIC ";1.1;AES256\n",
		    VAULT_MAGIC_LEN + 12);
	if (!es_vault_label_ok(label))
		return es_failf(ES_EUSAGE, "vault-id label must be printable "
		    "ASCII without ';'");
	if ((r = es_sbuf_append(out, VAULT_MAGIC ";1.2;AES256;",
	    VAULT_MAGIC_LEN + 12)) != 0 ||
	    (r = es_sbuf_append(out, label, strlen(label))) != 0)
		return r;
	return es_sbuf_putc(out, '\n');
}

int
es_vault_seal(const unsigned char *pt, size_t len,
    const struct es_secret *secret, const char *label, struct es_sbuf *out)
{
	unsigned char salt[ES_AV_SALTLEN], mac[ES_AV_MACLEN];
	struct es_sbuf ct = { 0 }, inner = { 0 };
	int r;

	if (len >= VAULT_MAGIC_LEN && memcmp(pt, VAULT_MAGIC,
	    VAULT_MAGIC_LEN) == 0) {
		r = es_failf(ES_EUSAGE, "input is already a vault");
		goto out;
	}
	if (len > ES_VAULT_MAX) {
		r = es_failf(ES_ELIMIT, "plaintext larger than %zu bytes",
		    ES_VAULT_MAX);
		goto out;
	}
	if ((r = es_salt_next(salt, sizeof salt)) != 0 ||
	    (r = es_av_seal(secret->bytes, secret->len, salt, sizeof salt, pt,
	    len, mac, &ct)) != 0)
		goto out;
	if ((r = put_lhex(&inner, salt, sizeof salt)) != 0 ||
	    (r = es_sbuf_putc(&inner, '\n')) != 0 ||
	    (r = put_lhex(&inner, mac, sizeof mac)) != 0 ||
	    (r = es_sbuf_putc(&inner, '\n')) != 0 ||
	    (r = put_lhex(&inner, ct.p, ct.len)) != 0)
		goto out;
	if ((r = put_header(out, label)) != 0)
		goto out;
	r = put_hex_wrapped(out, inner.p, inner.len);
out:
	es_sbuf_free(&ct);
	es_sbuf_free(&inner);
	return r;
}
