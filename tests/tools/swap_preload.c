/*
 * tests/tools/swap_preload.c — LD_PRELOAD shim for tests/cli/trust_inputs.sh:
 * the attacker's move between envseal's realpath() and its walk of the
 * result. Right after the real realpath() returns, the directory
 * $ENVSEAL_TEST_SWAP_DIR is renamed aside and a symlink to
 * $ENVSEAL_TEST_SWAP_TARGET takes its name (once per process). A walk that
 * followed the new symlink would read whatever the target holds; the
 * trusted open must refuse instead.
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* Room for the renamed directory's name. */
#define SWAP_PATH_MAX 4096

static void
swap_once(void)
{
	static int done;
	const char *d = getenv("ENVSEAL_TEST_SWAP_DIR");
	const char *t = getenv("ENVSEAL_TEST_SWAP_TARGET");
	char moved[SWAP_PATH_MAX];
	int n;

	if (done || d == NULL || t == NULL)
		return;
	done = 1;
	n = snprintf(moved, sizeof moved, "%s.moved", d);
	if (n < 0 || (size_t)n >= sizeof moved)
		return;
	if (rename(d, moved) == 0 && symlink(t, d) != 0)
		(void)rename(moved, d);
}

char *
realpath(const char *path, char *resolved)
{
	char *(*real)(const char *, char *);
	char *r;

	*(void **)(&real) = dlsym(RTLD_NEXT, "realpath");
	r = real(path, resolved);
	swap_once();
	return r;
}

char *__realpath_chk(const char *path, char *resolved, size_t len);

char *
__realpath_chk(const char *path, char *resolved, size_t len)
{
	char *(*real)(const char *, char *, size_t);
	char *r;

	*(void **)(&real) = dlsym(RTLD_NEXT, "__realpath_chk");
	r = real(path, resolved, len);
	swap_once();
	return r;
}
