/*
 * tests/tools/violate_preload.c — LD_PRELOAD shim for the sandbox
 * violation test. It overrides nettle_pbkdf2_hmac_sha256, which only the
 * sandboxed worker calls (the vault key derivation), and makes it open a
 * socket first: the worker's seccomp filter must kill it, and the run must
 * end with exit 4 and nothing written. ENVSEAL_VIOLATE=open makes it open
 * a file instead.
 */
#include <dlfcn.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

typedef void (*pbkdf2_fn)(size_t, const uint8_t *, unsigned, size_t,
    const uint8_t *, size_t, uint8_t *);

void nettle_pbkdf2_hmac_sha256(size_t key_length, const uint8_t *key,
    unsigned iterations, size_t salt_length, const uint8_t *salt,
    size_t length, uint8_t *dst);

void
nettle_pbkdf2_hmac_sha256(size_t key_length, const uint8_t *key,
    unsigned iterations, size_t salt_length, const uint8_t *salt,
    size_t length, uint8_t *dst)
{
	const char *how = getenv("ENVSEAL_VIOLATE");
	pbkdf2_fn real;
	int fd;

	if (how != NULL && !strcmp(how, "open"))
		fd = open("/etc/hostname", O_RDONLY);
	else
		fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd >= 0)
		close(fd);
	real = (pbkdf2_fn)(uintptr_t)dlsym(RTLD_NEXT,
	    "nettle_pbkdf2_hmac_sha256");
	if (real != NULL)
		real(key_length, key, iterations, salt_length, salt, length,
		    dst);
}
