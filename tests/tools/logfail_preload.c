/*
 * tests/tools/logfail_preload.c — LD_PRELOAD shim for the failing-log test
 * (tests/cli/audit_complete.sh): fsync() of a file whose final component
 * equals $ENVSEAL_TEST_FAIL_FSYNC fails with EIO without syncing (a disk
 * that lost the write). Every other fsync runs for real. The name is read
 * once at load: envseal may clear its environment before it writes.
 */
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A final component is at most NAME_MAX bytes; a path at most PATH_MAX. */
#define FAIL_NAME_MAX 256
#define FAIL_PATH_MAX 4096

static char target[FAIL_NAME_MAX];

__attribute__((constructor)) static void
load_target(void)
{
	const char *s = getenv("ENVSEAL_TEST_FAIL_FSYNC");

	if (s != NULL && strlen(s) < sizeof target)
		memcpy(target, s, strlen(s) + 1);
}

int
fsync(int fd)
{
	int (*real)(int) = (int (*)(int))dlsym(RTLD_NEXT, "fsync");
	char link[64], path[FAIL_PATH_MAX];
	const char *base;
	ssize_t n;

	if (target[0] != '\0' &&
	    snprintf(link, sizeof link, "/proc/self/fd/%d", fd) > 0 &&
	    (n = readlink(link, path, sizeof path - 1)) > 0) {
		path[n] = '\0';
		base = strrchr(path, '/');
		if (base != NULL && strcmp(base + 1, target) == 0) {
			errno = EIO;
			return -1;
		}
	}
	return real(fd);
}
