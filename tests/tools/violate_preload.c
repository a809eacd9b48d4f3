/*
 * tests/tools/violate_preload.c — LD_PRELOAD shim for the sandbox
 * violation test. It overrides nettle functions that only the sandboxed
 * worker calls during `envseal render` (key derivation, MAC check and
 * decryption: HMAC-SHA256 keying, PBKDF2, AES key setup, CTR) and makes
 * each open a socket first (ENVSEAL_VIOLATE=open: open a file instead;
 * =exit0 / =exit1: leave at once without a result).
 * The worker's seccomp filter must kill it, and the run must end with
 * exit 4 and nothing written. Several symbols are hooked so the test
 * does not depend on which of them crypto/ happens to use.
 */
#include <dlfcn.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

static void
violate(void)
{
	const char *how = getenv("ENVSEAL_VIOLATE");
	int fd;

	/* A worker that leaves without a result, cleanly or not: the
	 * parent must fail the run just the same. */
	if (how != NULL && !strcmp(how, "exit0"))
		syscall(SYS_exit_group, 0);
	if (how != NULL && !strcmp(how, "exit1"))
		syscall(SYS_exit_group, 1);
	if (how != NULL && !strcmp(how, "open"))
		fd = open("/etc/hostname", O_RDONLY);
	else
		fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd >= 0)
		close(fd);
}

static void *
next(const char *name)
{
	void *f = dlsym(RTLD_NEXT, name);

	if (f == NULL)
		abort();
	return f;
}

void nettle_hmac_sha256_set_key(void *ctx, size_t len, const uint8_t *key);
void nettle_pbkdf2_hmac_sha256(size_t klen, const uint8_t *key, unsigned it,
    size_t slen, const uint8_t *salt, size_t len, uint8_t *dst);
void nettle_aes256_set_encrypt_key(void *ctx, const uint8_t *key);
void nettle_ctr_crypt(const void *ctx, void *f, size_t bs, uint8_t *ctr,
    size_t len, uint8_t *dst, const uint8_t *src);

void
nettle_hmac_sha256_set_key(void *ctx, size_t len, const uint8_t *key)
{
	void (*f)(void *, size_t, const uint8_t *);

	violate();
	*(void **)&f = next("nettle_hmac_sha256_set_key");
	f(ctx, len, key);
}

void
nettle_pbkdf2_hmac_sha256(size_t klen, const uint8_t *key, unsigned it,
    size_t slen, const uint8_t *salt, size_t len, uint8_t *dst)
{
	void (*f)(size_t, const uint8_t *, unsigned, size_t, const uint8_t *,
	    size_t, uint8_t *);

	violate();
	*(void **)&f = next("nettle_pbkdf2_hmac_sha256");
	f(klen, key, it, slen, salt, len, dst);
}

void
nettle_aes256_set_encrypt_key(void *ctx, const uint8_t *key)
{
	void (*f)(void *, const uint8_t *);

	violate();
	*(void **)&f = next("nettle_aes256_set_encrypt_key");
	f(ctx, key);
}

void
nettle_ctr_crypt(const void *ctx, void *fn, size_t bs, uint8_t *ctr,
    size_t len, uint8_t *dst, const uint8_t *src)
{
	void (*f)(const void *, void *, size_t, uint8_t *, size_t, uint8_t *,
	    const uint8_t *);

	violate();
	*(void **)&f = next("nettle_ctr_crypt");
	f(ctx, fn, bs, ctr, len, dst, src);
}
