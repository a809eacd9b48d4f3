/*
 * tests/tools/hang_preload.c — LD_PRELOAD shim for the hung-worker test
 * (tests/cli/render_hang.sh). It overrides the nettle functions that only
 * the sandboxed worker calls during `envseal render` (HMAC-SHA256 keying,
 * PBKDF2, AES key setup, CTR; the same set as violate_preload.c) and makes
 * each spin forever without a system call: a worker stuck in computation,
 * which its seccomp filter cannot stop. The parent must kill it at its
 * deadline, exit 4 and write nothing.
 */
#include <stddef.h>
#include <stdint.h>

__attribute__((noreturn)) static void
spin(void)
{
	for (;;)
		__asm__ volatile("" ::: "memory");
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
	(void)ctx;
	(void)len;
	(void)key;
	spin();
}

void
nettle_pbkdf2_hmac_sha256(size_t klen, const uint8_t *key, unsigned it,
    size_t slen, const uint8_t *salt, size_t len, uint8_t *dst)
{
	(void)klen;
	(void)key;
	(void)it;
	(void)slen;
	(void)salt;
	(void)len;
	(void)dst;
	spin();
}

void
nettle_aes256_set_encrypt_key(void *ctx, const uint8_t *key)
{
	(void)ctx;
	(void)key;
	spin();
}

void
nettle_ctr_crypt(const void *ctx, void *f, size_t bs, uint8_t *ctr,
    size_t len, uint8_t *dst, const uint8_t *src)
{
	(void)ctx;
	(void)f;
	(void)bs;
	(void)ctr;
	(void)len;
	(void)dst;
	(void)src;
	spin();
}
