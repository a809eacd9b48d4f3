/*
 * tests/unit/test_secmem.c — guarded memory (common/secmem.c): small
 * secrets share one guarded, locked arena instead of a sodium_malloc
 * (mmap, three mprotects, mlock, madvise, and as many calls to free) each;
 * blocks are aligned, wiped when freed, fenced by a canary that a write
 * past the end breaks (BUG at free), and large ones still sit against
 * their own guard page.
 */
#include "common/envseal.h"
#include "t.h"

#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <sodium.h>

/* Small allocations a render makes per process (strace: ten of one page). */
#define SMALL_N 10
#define SMALL_SIZE 100

/* Lines of /proc/self/maps: one per mapping. */
static int
mappings(void)
{
	FILE *f = fopen("/proc/self/maps", "r");
	int c, n = 0;

	if (f == NULL)
		return -1;
	while ((c = getc(f)) != EOF)
		n += c == '\n';
	fclose(f);
	return n;
}

static void
test_one_arena(void)
{
	void *p[SMALL_N];
	int before, after, i, aligned = 1, distinct = 1;

	before = mappings();
	for (i = 0; i < SMALL_N; i++) {
		p[i] = es_secure_alloc(SMALL_SIZE);
		if (p[i] == NULL)
			return (void)T_CHECK("secmem small allocations", 0);
		memset(p[i], 0x5a, SMALL_SIZE);
		aligned &= ((uintptr_t)p[i] % 16) == 0;
		if (i > 0)
			distinct &= p[i] != p[i - 1];
	}
	after = mappings();
	T_CHECK("secmem ten small secrets add at most 4 mappings (one arena)",
	    before > 0 && after - before <= 4);
	T_CHECK("secmem small blocks 16-byte aligned", aligned);
	T_CHECK("secmem small blocks distinct", distinct);
	for (i = 0; i < SMALL_N; i++)
		es_secure_free(p[i]);
}

/* Freed blocks are wiped: the arena hands the same bytes out again. */
static void
test_wiped(void)
{
	unsigned char *a, *b;
	size_t i, zero = 1;

	a = es_secure_alloc(SMALL_SIZE);
	if (a == NULL)
		return (void)T_CHECK("secmem wipe", 0);
	memset(a, 0xa5, SMALL_SIZE);
	es_secure_free(a);
	b = es_secure_alloc(SMALL_SIZE);
	if (b == NULL)
		return (void)T_CHECK("secmem wipe", 0);
	for (i = 0; i < SMALL_SIZE; i++)
		zero &= b[i] == 0;
	T_CHECK("secmem a freed small block comes back wiped", b == a && zero);
	es_secure_free(b);
}

/* A child that exited non-zero: ASan's SEGV handler reports, then exits. */
#define DIED_OTHERWISE 1000

/* How a child that writes n bytes past an m-byte block ends: the signal
 * that killed it, DIED_OTHERWISE, or 0 when it lived. */
static int
overrun(size_t m, size_t n)
{
	unsigned char *p;
	pid_t pid;
	int st;

	fflush(stdout);
	if ((pid = fork()) == 0) {
		(void)!freopen("/dev/null", "w", stderr);
		p = es_secure_alloc(m);
		memset(p, 1, m + n);
		es_secure_free(p);
		_exit(0);
	}
	if (pid < 0 || waitpid(pid, &st, 0) != pid)
		return -1;
	if (WIFSIGNALED(st))
		return WTERMSIG(st);
	return WEXITSTATUS(st) ? DIED_OTHERWISE : 0;
}

static void
test_fences(void)
{
	T_CHECK("secmem a write past a small block is a BUG at free (SIGABRT)",
	    overrun(SMALL_SIZE, 1) == SIGABRT);
#if defined(__SANITIZE_ADDRESS__)
	T_CHECK("secmem a write past a large block hits its guard page",
	    overrun(64 * 1024, 4096) == DIED_OTHERWISE);
#else
	T_CHECK("secmem a write past a large block hits its guard page",
	    overrun(64 * 1024, 4096) == SIGSEGV);
#endif
}

/* More small blocks than the arena holds: the rest are sodium_malloc'd. */
static void
test_spill(void)
{
	enum { MANY = 400 };
	static void *p[MANY];
	int i, ok = 1;

	for (i = 0; i < MANY; i++) {
		if ((p[i] = es_secure_alloc(1000)) == NULL) {
			ok = 0;
			break;
		}
		memset(p[i], i, 1000);
	}
	for (i = 0; i < MANY && ok; i++)
		ok &= ((unsigned char *)p[i])[999] == (unsigned char)i;
	for (i = 0; i < MANY && p[i] != NULL; i++)
		es_secure_free(p[i]);
	T_CHECK("secmem past the arena: still guarded allocations", ok);
}

int
main(void)
{
	if (sodium_init() < 0)
		return 1;
	test_one_arena();
	test_wiped();
	test_fences();
	test_spill();
	es_secure_free(NULL);
	return t_done();
}
