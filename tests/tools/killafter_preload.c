/*
 * tests/tools/killafter_preload.c — LD_PRELOAD shim for the crash test
 * (tests/cli/audit_complete.sh): a process killed by SIGKILL right after
 * one of its changes became visible. renameat, renameat2 and mkdirat run
 * for real; when the call succeeded and its final component (the new name
 * of a rename, the directory made) equals $ENVSEAL_TEST_KILL_AFTER, the
 * process kills itself before the call returns, so nothing it would have
 * done next (fsync of the directory, the audit record, the end record)
 * happens. The name is read once at load: envseal may clear its
 * environment before it writes.
 */
#include <dlfcn.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* A final component is at most NAME_MAX bytes. */
#define KILL_NAME_MAX 256

static char target[KILL_NAME_MAX];

__attribute__((constructor)) static void
load_target(void)
{
	const char *s = getenv("ENVSEAL_TEST_KILL_AFTER");

	if (s != NULL && strlen(s) < sizeof target)
		memcpy(target, s, strlen(s) + 1);
}

static void
kill_if(int r, const char *path)
{
	const char *base;

	if (r != 0 || target[0] == '\0' || path == NULL)
		return;
	base = strrchr(path, '/');
	base = base != NULL ? base + 1 : path;
	if (strcmp(base, target) == 0)
		raise(SIGKILL);
}

int
renameat(int od, const char *op, int nd, const char *np)
{
	int (*real)(int, const char *, int, const char *) =
	    (int (*)(int, const char *, int, const char *))dlsym(RTLD_NEXT,
	    "renameat");
	int r = real(od, op, nd, np);

	kill_if(r, np);
	return r;
}

int
renameat2(int od, const char *op, int nd, const char *np, unsigned flags)
{
	int (*real)(int, const char *, int, const char *, unsigned) =
	    (int (*)(int, const char *, int, const char *, unsigned))dlsym(
	    RTLD_NEXT, "renameat2");
	int r = real(od, op, nd, np, flags);

	kill_if(r, np);
	return r;
}

int
mkdirat(int d, const char *path, mode_t mode)
{
	int (*real)(int, const char *, mode_t) =
	    (int (*)(int, const char *, mode_t))dlsym(RTLD_NEXT, "mkdirat");
	int r = real(d, path, mode);

	kill_if(r, path);
	return r;
}
