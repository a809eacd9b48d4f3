/*
 * tests/tools/slow_preload.c — LD_PRELOAD shim for the worker-identity
 * test (tests/cli/render_worker_uid.sh). It wraps nettle's AES key setup,
 * which during `envseal render` only the sandboxed worker calls (once per
 * envelope it decrypts), and makes it compute for about
 * ENVSEAL_SLOW_SECONDS (default 3) before calling the real function: a
 * worker that lives long enough for another process to try to signal it,
 * then finishes and renders. The wait is a calibrated busy loop, not a
 * clock: the worker's seccomp filter allows no clock syscall. The loop is
 * calibrated once in the parent, at load time, before the fork.
 */
#include <dlfcn.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

typedef void (*set_key_fn)(void *ctx, const uint8_t *key);

static set_key_fn real_set_key;
static unsigned long long spins;   /* loop rounds for the whole wait */

/* Calibration: rounds of this many iterations until 20 ms have passed. */
#define CAL_CHUNK 100000ULL
#define CAL_NS 20000000LL

static void
burn(unsigned long long n)
{
	volatile unsigned long long i;

	for (i = 0; i < n; i++)
		;
}

static long long
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

__attribute__((constructor)) static void
slow_init(void)
{
	const char *e = getenv("ENVSEAL_SLOW_SECONDS");
	long secs = e != NULL ? strtol(e, NULL, 10) : 3;
	unsigned long long rounds = 0;
	long long t0;

	real_set_key = (set_key_fn)(uintptr_t)dlsym(RTLD_NEXT,
	    "nettle_aes256_set_encrypt_key");
	if (secs < 0 || secs > 60)
		secs = 3;
	t0 = now_ns();
	while (now_ns() - t0 < CAL_NS) {
		burn(CAL_CHUNK);
		rounds++;
	}
	spins = rounds * CAL_CHUNK * (unsigned long long)secs *
	    (1000000000ULL / (unsigned long long)CAL_NS);
}

void nettle_aes256_set_encrypt_key(void *ctx, const uint8_t *key);

void
nettle_aes256_set_encrypt_key(void *ctx, const uint8_t *key)
{
	burn(spins);
	if (real_set_key == NULL)
		abort();
	real_set_key(ctx, key);
}
