/*
 * provision/reload.c — `systemctl daemon-reload` after a unit changed, only
 * on the live host (root "/") with a running systemd.
 */
#include "provision/provision.h"
#include "common/envseal.h"

#include <errno.h>
#include <limits.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define SYSTEMCTL "/usr/bin/systemctl"

static int
is_live_root(const char *rootdir)
{
	char real[PATH_MAX];

	if (rootdir == NULL)
		return 1;
	if (realpath(rootdir, real) == NULL)
		return 0;
	return !strcmp(real, "/");
}

int
es_systemd_reload(const char *rootdir, int *ran, const char **why)
{
	char *const argv[] = { (char *)SYSTEMCTL, (char *)"daemon-reload",
		NULL };
	/* No inherited variable reaches the child: nothing secret can. */
	char *const envp[] = { (char *)"PATH=/usr/sbin:/usr/bin:/sbin:/bin",
		NULL };
	struct stat st;
	pid_t pid;
	int status, r;

	*ran = 0;
	*why = NULL;
	if (!is_live_root(rootdir)) {
		*why = "the root is not /";
		return 0;
	}
	if (stat("/run/systemd/system", &st) != 0 || !S_ISDIR(st.st_mode)) {
		*why = "systemd is not running (no /run/systemd/system)";
		return 0;
	}
	if ((r = posix_spawn(&pid, SYSTEMCTL, NULL, NULL, argv, envp)) != 0)
		return es_failf(-r, "%s: %s", SYSTEMCTL, strerror(r));
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return es_failf(-errno, "waitpid: %s", strerror(errno));
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return es_failf(ES_EINTERNAL, "systemctl daemon-reload failed "
		    "(status %d)", WIFEXITED(status) ? WEXITSTATUS(status) :
		    128 + WTERMSIG(status));
	*ran = 1;
	return 0;
}
