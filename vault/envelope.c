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
	unsigned char *ct;          /* malloc'd; not secret */
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

/* Inner bytes handed from the outer decoder to the inner reader at a
 * time: a stack window instead of the whole inner text (half the vault:
 * 1.3 MB of fresh pages for a 2.6 MB vault). Even, and at least one of
 * the writer's lines (VAULT_COLUMNS / 2 bytes). */
#define OUTER_WINDOW 2048

/*
 * The inner layer read as it is decoded: hex(salt) \n hex(mac) \n hex(ct),
 * split(b"\n", 2). Salt and MAC digits are kept (bounded: a longer field
 * is only counted, its error comes later in parse_inner's order); the
 * ciphertext digits become bytes in ct at once. Nothing is refused here:
 * an error of the outer layer anywhere in the file comes first.
 */
struct inner_rd {
	int field;                   /* 0 salt, 1 MAC, 2 ciphertext */
	unsigned char sh[2 * ES_AV_SALT_MAX + 2];
	size_t slen;
	unsigned char mh[2 * ES_AV_MACLEN];
	size_t mlen;
	unsigned char *ct;           /* malloc'd; not secret */
	size_t clen, o;              /* ciphertext digits, bytes stored */
	unsigned hi;                 /* a digit carried (value + 1), or 0 */
	unsigned ok, bad;            /* pair mask; a bad digit seen */
};

/* Bytes q[0..k) of field f's digits before its line break: kept while
 * they fit in keep[cap], all counted in *len. Returns how many taken. */
static size_t
take_field(const unsigned char *q, size_t k, unsigned char *keep,
    size_t cap, size_t *len)
{
	const unsigned char *nl = memchr(q, '\n', k);
	size_t n = nl ? (size_t)(nl - q) : k, room;

	room = *len < cap ? cap - *len : 0;
	memcpy(keep + *len, q, n < room ? n : room);
	*len += n;
	return n;
}

/* Ciphertext digits -> bytes, a digit carried between calls. */
static void
take_ct(struct inner_rd *rd, const unsigned char *q, size_t k)
{
	size_t i = 0;
	unsigned w, lo;

	rd->clen += k;
	if (rd->hi != 0 && k > 0) {
		lo = hexv[q[i++]];
		rd->bad |= !lo;
		rd->ct[rd->o++] = (unsigned char)((rd->hi - 1) << 4 |
		    (lo ? lo - 1 : 0));
		rd->hi = 0;
	}
	for (; i + 1 < k; i += 2) {
		w = pair_at(q + i);
		rd->ok &= w;
		rd->ct[rd->o++] = (unsigned char)w;
	}
	if (i < k) {
		rd->hi = hexv[q[i]];
		rd->bad |= !rd->hi;
		if (rd->hi == 0)
			rd->hi = 1;   /* keeps the carry; the error stands */
	}
}

static void
inner_feed(struct inner_rd *rd, const unsigned char *q, size_t k)
{
	size_t t;

	while (k > 0 && rd->field < 2) {
		t = rd->field == 0 ?
		    take_field(q, k, rd->sh, sizeof rd->sh, &rd->slen) :
		    take_field(q, k, rd->mh, sizeof rd->mh, &rd->mlen);
		q += t;
		k -= t;
		if (k > 0) {            /* the field's '\n' */
			rd->field++;
			q++;
			k--;
		}
	}
	if (k > 0)
		take_ct(rd, q, k);
}

/* Outer hex (line breaks dropped, as b''.join(lines[1:])) -> the inner
 * reader, OUTER_WINDOW bytes at a time. Line by line, pairs within a line
 * without per-byte branches; a line of odd width (any width is allowed)
 * carries its last digit over. */
static int
decode_outer(const unsigned char *b, size_t n, struct inner_rd *rd)
{
	unsigned char out[OUTER_WINDOW];
	const unsigned char *p = b, *end = b + n, *eol, *cr;
	unsigned hi = 0, lo, bad = 0, ok = 0x100, w;
	size_t o = 0, i, k;
	int half = 0;

	while (p < end) {
		if (o + VAULT_COLUMNS / 2 > sizeof out) {
			inner_feed(rd, out, o);
			o = 0;
		}
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
		/* The window may be short of the line: what fits, then the
		 * loop comes back to the rest of it with an empty window. */
		k = (size_t)(eol - p) / 2;
		if (k > sizeof out - o)
			k = sizeof out - o;
		for (i = 0; i < k; i++, p += 2) {
			w = pair_at(p);
			ok &= w;
			out[o++] = (unsigned char)w;
		}
		if (p + 1 == eol) {
			hi = hexv[*p++];
			bad |= !hi;
			half = 1;
		}
	}
	inner_feed(rd, out, o);
	bad |= !ok;
	if (bad || half)
		return es_failf(ES_EFORMAT, bad ? "non-hexadecimal digit" :
		    "odd-length hex");
	return 0;
}

/* What the inner reader collected, judged in split(b"\n", 2)'s order:
 * three fields, the salt's and the MAC's sizes, then each field's hex. */
static int
parse_inner(const struct inner_rd *rd, struct envelope *env)
{
	int r;

	if (rd->field < 2)
		return es_failf(ES_EFORMAT, "vault payload lacks its 3 fields");
	if (rd->slen / 2 > ES_AV_SALT_MAX)
		return es_failf(ES_EFORMAT, "vault salt longer than %d bytes",
		    ES_AV_SALT_MAX);
	if (rd->mlen != 2 * ES_AV_MACLEN)
		return es_failf(ES_EFORMAT, "vault HMAC is not %d bytes",
		    ES_AV_MACLEN);
	if ((r = unhex(rd->sh, rd->slen, env->salt)) != 0 ||
	    (r = unhex(rd->mh, rd->mlen, env->mac)) != 0)
		return r;
	env->saltlen = rd->slen / 2;
	if (rd->clen % 2 != 0)
		return es_failf(ES_EFORMAT, "odd-length hex");
	if (rd->bad || (rd->clen > 0 && rd->ok == 0))
		return es_failf(ES_EFORMAT, "non-hexadecimal digit");
	env->ctlen = rd->clen / 2;
	return 0;
}

static int
parse_envelope(const unsigned char *in, size_t len, struct envelope *env)
{
	struct inner_rd rd;
	size_t hlen, brk;
	int r;

	memset(env, 0, sizeof *env);
	memset(&rd, 0, sizeof rd);
	rd.ok = 0x100;
	if (len > ES_VAULT_MAX)
		return es_failf(ES_ELIMIT, "vault larger than %zu bytes",
		    ES_VAULT_MAX);
	if (!es_vault_is_envelope(in, len))
		return es_failf(ES_ENOTVAULT, "not an Ansible Vault");
	hlen = first_line(in, len, &brk);
	if ((r = parse_header(in, hlen, env)) != 0)
		return r;
	if (!pairv_ready)
		pairv_build();
	/* Four outer digits per ciphertext byte at most; malloc'd pages
	 * past what is stored are never touched. */
	if ((rd.ct = malloc((len - hlen - brk) / 4 + 1)) == NULL)
		return -ENOMEM;
	env->ct = rd.ct;
	if ((r = decode_outer(in + hlen + brk, len - hlen - brk, &rd)) != 0)
		return r;
	return parse_inner(&rd, env);
}

static void
envelope_free(struct envelope *env)
{
	free(env->ct);
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
