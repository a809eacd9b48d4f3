/*
 * common/secmem.c — guarded memory for secrets (libsodium).
 *
 * Every sodium_malloc costs about ten system calls (mmap, three mprotects,
 * mlock, madvise; munlock, madvise, mprotect, munmap to free: ~25 us a
 * pair here), and a render made ten of them for one-page secrets in each
 * of its two processes. So small secrets (at most SECMEM_SMALL_MAX bytes:
 * derived keys, MACs, passwords, short buffers) share one arena: a single
 * sodium_malloc of SECMEM_ARENA bytes made on first use — guard pages
 * around it, locked, out of core dumps like any other — handed out by
 * bumping an offset. What a block loses is a guard page of its own right
 * behind it; instead each block is fenced: from its last byte to the next
 * block's header, the bytes are the process's random fence, checked in
 * constant time when the block is freed (a write past the end is a BUG,
 * as sodium_free's canary check is), then the whole block is wiped. When
 * the last live block goes, the arena starts again from its beginning
 * (the freed blocks are already wiped); the block freed last is given
 * back at once. A full arena, or a larger request, is a sodium_malloc of
 * its own as before. Not thread-safe: envseal's processes are single
 * threaded.
 */
#include "common/envseal.h"

#include <errno.h>
#include <string.h>
#include <sodium.h>

/* Largest request the arena serves; larger ones get their own guarded
 * mapping (the guard page right behind them matters more as they grow). */
#define SECMEM_SMALL_MAX 2048
/* The arena: 16 pages, room for the ~10 small secrets of a render plus
 * the growth of a few small buffers, at one mapping. */
#define SECMEM_ARENA ((size_t)64 << 10)
/* Block alignment, header size, and the fence after each block's data
 * (SECMEM_ALIGN - 1 bytes of padding at most, plus a full SECMEM_ALIGN). */
#define SECMEM_ALIGN 16
#define SECMEM_FENCE_MAX (2 * SECMEM_ALIGN)

struct arena_hdr {
	uint64_t n;        /* bytes asked for */
	uint64_t start;    /* the offset of this header, for the LIFO give-back */
};

static unsigned char *arena;           /* sodium_malloc'd, or NULL */
static size_t arena_top, arena_live;
static unsigned char arena_fence[SECMEM_FENCE_MAX];

static size_t
round_up(size_t n)
{
	return (n + SECMEM_ALIGN - 1) & ~(size_t)(SECMEM_ALIGN - 1);
}

/* A block of n bytes from the arena, or NULL (full, or no arena). */
static void *
arena_alloc(size_t n)
{
	struct arena_hdr h;
	size_t need = sizeof h + round_up(n) + SECMEM_ALIGN;
	unsigned char *p;

	if (arena == NULL) {
		/* A multiple of the page size: sodium_malloc then returns a
		 * page-aligned pointer, so every block is 16-aligned. */
		if ((arena = sodium_malloc(SECMEM_ARENA)) == NULL)
			return NULL;
		randombytes_buf(arena_fence, sizeof arena_fence);
		arena_top = arena_live = 0;
	}
	if (need > SECMEM_ARENA - arena_top)
		return NULL;
	h.n = n;
	h.start = arena_top;
	memcpy(arena + arena_top, &h, sizeof h);
	p = arena + arena_top + sizeof h;
	memcpy(p + n, arena_fence, need - sizeof h - n);
	arena_top += need;
	arena_live++;
	return p;
}

static int
in_arena(const unsigned char *p)
{
	return arena != NULL && p >= arena && p < arena + SECMEM_ARENA;
}

static void
arena_free(unsigned char *p)
{
	struct arena_hdr h;
	size_t fence, end;

	memcpy(&h, p - sizeof h, sizeof h);
	BUG_ON(h.n > SECMEM_SMALL_MAX || h.start + sizeof h !=
	    (size_t)(p - arena) || arena_live == 0);
	fence = round_up(h.n) + SECMEM_ALIGN - h.n;
	end = (size_t)(p - arena) + h.n + fence;
	/* A write past the block's end: memory is corrupt, do not go on. */
	if (sodium_memcmp(p + h.n, arena_fence, fence) != 0)
		BUG("write past the end of a secure block");
	sodium_memzero(arena + h.start, end - h.start);
	if (end == arena_top)
		arena_top = h.start;   /* the last block: give it back */
	if (--arena_live == 0)
		arena_top = 0;         /* everything freed, and wiped */
}

void *
es_secure_alloc(size_t n)
{
	void *p;

	if (n <= SECMEM_SMALL_MAX && (p = arena_alloc(n)) != NULL)
		return p;
	/* sodium_malloc(0) is valid but returns a pointer we still free. */
	return sodium_malloc(n ? n : 1);
}

void
es_secure_free(void *p)
{
	if (p == NULL)
		return;
	if (in_arena(p))
		arena_free(p);
	else
		sodium_free(p);   /* wipes the whole allocation, then unmaps */
}

int
es_sbuf_reserve(struct es_sbuf *b, size_t extra)
{
	size_t need, cap;
	unsigned char *np;

	if (extra > ES_SBUF_MAX || b->len > ES_SBUF_MAX - extra)
		return es_failf(ES_ELIMIT, "secure buffer over %zu bytes",
		    (size_t)ES_SBUF_MAX);
	need = b->len + extra;
	if (need <= b->cap)
		return 0;
	/* Doubling for appends; a reservation past double is taken at its
	 * size: a caller that knows it (a plaintext, a whole env file) gets
	 * one guarded area of that size, not the next power of two (each
	 * page of it is locked and filled: up to twice the pages). */
	cap = b->cap == 0 ? 256 : b->cap > ES_SBUF_MAX / 2 ? ES_SBUF_MAX :
	    b->cap * 2;
	if (cap < need)
		cap = need;
	/* No sodium_realloc: copy into a fresh guarded area, wipe the old. */
	if ((np = es_secure_alloc(cap)) == NULL)
		return -ENOMEM;
	if (b->len)
		memcpy(np, b->p, b->len);
	es_secure_free(b->p);
	b->p = np;
	b->cap = cap;
	return 0;
}

int
es_sbuf_append(struct es_sbuf *b, const void *data, size_t n)
{
	int r;

	if (n == 0)
		return 0;
	if ((r = es_sbuf_reserve(b, n)) != 0)
		return r;
	memcpy(b->p + b->len, data, n);
	b->len += n;
	return 0;
}

int
es_sbuf_putc(struct es_sbuf *b, unsigned char c)
{
	return es_sbuf_append(b, &c, 1);
}

void
es_sbuf_free(struct es_sbuf *b)
{
	es_secure_free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}

int
es_ct_equal(const void *a, const void *b, size_t n)
{
	return sodium_memcmp(a, b, n) == 0;
}

void
es_wipe(void *p, size_t n)
{
	sodium_memzero(p, n);
}

void
es_hex(char *out, const unsigned char *in, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * n] = '\0';
}
