/*
 * bench/limit.c — the physical limit of one render, as one process built
 * from the libraries envseal uses (nettle for the primitives, libsodium
 * for the constant-time compare and the wipe): read the vault file,
 * unhex its two layers, one PBKDF2-HMAC-SHA256 (10000 rounds, 80 bytes),
 * the HMAC check, AES-256-CTR, the env bytes (NAME="value" per top-level
 * `key: value` line, quotes taken off), and the atomic write: a temp file,
 * write, fsync, rename, fsync of the directory. No policy, no sandbox, no
 * worker, no audit, no old-file comparison, no YAML beyond one line split:
 * whatever envseal render costs above this is envseal's own. bench/render.sh
 * runs it in the same hyperfine batch as every render and reports ratios.
 * PBKDF2 is computed the fastest way envseal knows (crypto/av.c's rounds:
 * HMAC's keyed states reused, one pre-padded block per hash), not with
 * nettle's slower pbkdf2_hmac_sha256: a limit envseal beat would not be one.
 *
 *	limit VAULT PASSWORD_FILE OUT_FILE
 *
 * Exit 0, or 1 with one line on stderr. A benchmark, never installed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <nettle/aes.h>
#include <nettle/ctr.h>
#include <nettle/hmac.h>
#include <nettle/sha2.h>
#include <sodium.h>

/* Ansible Vault 1.1's constants (vault.py): rounds, derived key length
 * (AES key, HMAC key, counter), and the largest input the limit reads. */
#define LIMIT_ROUNDS 10000
#define LIMIT_DKLEN 80
#define LIMIT_FILE_MAX ((size_t)64 << 20)
#define LIMIT_SALT_MAX 256
#define WRITE_BE32(p, v) ((p)[0] = (unsigned char)((v) >> 24), \
	(p)[1] = (unsigned char)((v) >> 16), (p)[2] = (unsigned char)((v) >> 8), \
	(p)[3] = (unsigned char)(v))

static int
die(const char *what)
{
	fprintf(stderr, "limit: %s: %s\n", what, errno ? strerror(errno) :
	    "bad input");
	return 1;
}

/* The whole file into a malloc'd buffer (one fstat, one read loop). */
static int
read_all(const char *path, unsigned char **out, size_t *len)
{
	struct stat st;
	unsigned char *b;
	size_t n = 0;
	ssize_t k;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0)
		return -1;
	if (fstat(fd, &st) != 0 || (size_t)st.st_size > LIMIT_FILE_MAX ||
	    (b = malloc((size_t)st.st_size + 1)) == NULL) {
		close(fd);
		return -1;
	}
	while (n < (size_t)st.st_size &&
	    (k = read(fd, b + n, (size_t)st.st_size - n)) > 0)
		n += (size_t)k;
	close(fd);
	*out = b;
	*len = n;
	return 0;
}

/* Hex digits (newlines skipped) into out; the byte count, or -1. A table
 * per byte, as envseal's own decoder: libsodium's sodium_hex2bin is
 * constant-time and looks every byte up in the ignore set (strchr), half
 * of this program's time at 10,000 keys: a limit envseal beat at that
 * size would not be one. */
static long
unhex(const unsigned char *in, size_t n, unsigned char *out)
{
	static signed char val[256];
	size_t i, o = 0;
	int hi = -1, v;

	if (val[0] == 0) {
		memset(val, -1, sizeof val);
		for (v = 0; v < 10; v++)
			val['0' + v] = (signed char)v;
		for (v = 0; v < 6; v++)
			val['a' + v] = val['A' + v] = (signed char)(10 + v);
	}
	for (i = 0; i < n; i++) {
		if ((v = val[in[i]]) < 0) {
			if (in[i] == '\n')
				continue;
			return -1;
		}
		if (hi < 0)
			hi = v;
		else {
			out[o++] = (unsigned char)(hi << 4 | v);
			hi = -1;
		}
	}
	return hi < 0 ? (long)o : -1;
}

/* One PBKDF2-HMAC-SHA256 block, as crypto/av.c's pbkdf2_block. */
static void
pbkdf2_block(const unsigned char *pw, size_t pwlen, const unsigned char *salt,
    size_t saltlen, uint32_t idx, unsigned char out[32])
{
	struct hmac_sha256_ctx h;
	struct sha256_ctx c;
	unsigned char blk[64], be[4] = { idx >> 24, idx >> 16, idx >> 8, idx };
	unsigned i, k;

	hmac_sha256_set_key(&h, pwlen, pw);
	hmac_sha256_update(&h, saltlen, salt);
	hmac_sha256_update(&h, sizeof be, be);
	hmac_sha256_digest(&h, 32, blk);
	memcpy(out, blk, 32);
	memset(blk + 32, 0, 32);
	blk[32] = 0x80;
	blk[62] = 0x03;   /* 96 bytes hashed: 768 bits */
	for (i = 1; i < LIMIT_ROUNDS; i++) {
		c = h.inner;
		sha256_update(&c, sizeof blk, blk);
		for (k = 0; k < 8; k++)
			WRITE_BE32(blk + 4 * k, c.state[k]);
		c = h.outer;
		sha256_update(&c, sizeof blk, blk);
		for (k = 0; k < 8; k++)
			WRITE_BE32(blk + 4 * k, c.state[k]);
		for (k = 0; k < 32; k++)
			out[k] ^= blk[k];
	}
}

/* NAME="value" for each `key: value` line of pt into env; its length. */
static size_t
env_bytes(const unsigned char *pt, size_t n, unsigned char *env)
{
	const unsigned char *p = pt, *end = pt + n, *eol, *c, *v;
	size_t o = 0;

	for (; p < end; p = eol + 1) {
		if ((eol = memchr(p, '\n', (size_t)(end - p))) == NULL)
			eol = end;
		if ((c = memchr(p, ':', (size_t)(eol - p))) == NULL ||
		    c + 2 > eol)
			continue;
		for (v = p; v < c; v++)
			env[o++] = (unsigned char)(*v >= 'a' && *v <= 'z' ?
			    *v - 32 : *v);
		env[o++] = '=';
		env[o++] = '"';
		v = c + 2;
		if (eol - v >= 2 && (*v == '\'' || *v == '"')) {
			memcpy(env + o, v + 1, (size_t)(eol - v - 2));
			o += (size_t)(eol - v - 2);
		} else {
			memcpy(env + o, v, (size_t)(eol - v));
			o += (size_t)(eol - v);
		}
		env[o++] = '"';
		env[o++] = '\n';
	}
	return o;
}

/* Temp file, write, fsync, rename over path, fsync the directory. */
static int
atomic_write(const char *path, const unsigned char *b, size_t n)
{
	char tmp[4096], dir[4096], *slash;
	size_t o = 0;
	ssize_t k;
	int fd, dfd;

	if (snprintf(tmp, sizeof tmp, "%s.limit-tmp", path) >= (int)sizeof tmp ||
	    snprintf(dir, sizeof dir, "%s", path) >= (int)sizeof dir)
		return -1;
	if ((slash = strrchr(dir, '/')) == NULL)
		return -1;
	*slash = '\0';
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
	    0600);
	if (fd < 0)
		return -1;
	while (o < n && (k = write(fd, b + o, n - o)) > 0)
		o += (size_t)k;
	if (o != n || fsync(fd) != 0 || close(fd) != 0 ||
	    rename(tmp, path) != 0) {
		unlink(tmp);
		return -1;
	}
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return -1;
	k = fsync(dfd);
	close(dfd);
	return k == 0 ? 0 : -1;
}

int
main(int argc, char **argv)
{
	struct hmac_sha256_ctx h;
	struct aes256_ctx aes;
	unsigned char *in, *pw, *inner, *env, dk[LIMIT_DKLEN], mac[32],
	    calc[32], salt[LIMIT_SALT_MAX], ctr[16], dk3[32];
	const unsigned char *body, *nl1, *nl2;
	size_t len, pwlen, innerlen, ptlen, envlen;
	long saltlen, ctlen;

	if (argc != 4) {
		fprintf(stderr, "usage: limit VAULT PASSWORD_FILE OUT_FILE\n");
		return 2;
	}
	errno = 0;
	if (read_all(argv[1], &in, &len) != 0)
		return die(argv[1]);
	if (read_all(argv[2], &pw, &pwlen) != 0)
		return die(argv[2]);
	while (pwlen > 0 && (pw[pwlen - 1] == '\n' || pw[pwlen - 1] == '\r'))
		pwlen--;
	if ((body = memchr(in, '\n', len)) == NULL ||
	    (inner = malloc(len / 2 + 1)) == NULL)
		return die(argv[1]);
	body++;
	errno = 0;
	if ((ctlen = unhex(body, len - (size_t)(body - in), inner)) < 0)
		return die("outer hex");
	innerlen = (size_t)ctlen;
	if ((nl1 = memchr(inner, '\n', innerlen)) == NULL ||
	    (nl2 = memchr(nl1 + 1, '\n', innerlen - (size_t)(nl1 + 1 - inner)))
	    == NULL || (size_t)(nl1 - inner) / 2 > sizeof salt)
		return die("inner fields");
	if ((saltlen = unhex(inner, (size_t)(nl1 - inner), salt)) < 0 ||
	    unhex(nl1 + 1, (size_t)(nl2 - nl1 - 1), mac) != 32)
		return die("inner hex");
	/* The ciphertext's digits become bytes where they lie. */
	ctlen = unhex(nl2 + 1, innerlen - (size_t)(nl2 + 1 - inner), inner);
	if (ctlen <= 0 || ctlen % 16 != 0)
		return die("ciphertext");
	/* 80 bytes: blocks 1, 2 and the first half of 3. */
	pbkdf2_block(pw, pwlen, salt, (size_t)saltlen, 1, dk);
	pbkdf2_block(pw, pwlen, salt, (size_t)saltlen, 2, dk + 32);
	pbkdf2_block(pw, pwlen, salt, (size_t)saltlen, 3, dk3);
	memcpy(dk + 64, dk3, LIMIT_DKLEN - 64);
	hmac_sha256_set_key(&h, 32, dk + 32);
	hmac_sha256_update(&h, (size_t)ctlen, inner);
	hmac_sha256_digest(&h, sizeof calc, calc);
	if (sodium_memcmp(calc, mac, sizeof mac) != 0)
		return die("HMAC");
	memcpy(ctr, dk + 64, sizeof ctr);
	aes256_set_encrypt_key(&aes, dk);
	ctr_crypt(&aes, (nettle_cipher_func *)aes256_encrypt, AES_BLOCK_SIZE,
	    ctr, (size_t)ctlen, inner, inner);
	ptlen = (size_t)ctlen - inner[ctlen - 1];
	/* Each line grows by at most 4 bytes ("=", two quotes, the case). */
	if (inner[ctlen - 1] == 0 || inner[ctlen - 1] > 16 ||
	    (env = malloc(2 * ptlen + 16)) == NULL)
		return die("padding");
	envlen = env_bytes(inner, ptlen, env);
	errno = 0;
	if (atomic_write(argv[3], env, envlen) != 0)
		return die(argv[3]);
	sodium_memzero(dk, sizeof dk);
	sodium_memzero(dk3, sizeof dk3);
	sodium_memzero(inner, (size_t)ctlen);
	sodium_memzero(env, envlen);
	return 0;
}
