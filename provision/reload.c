/*
 * provision/reload.c — `systemctl daemon-reload` after a unit changed, only
 * on the live host (root "/") with a running systemd; and the pre-forked
 * reloader apply uses, because its writer may no longer exec.
 */
#include "provision/provision.h"
#include "common/envseal.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define SYSTEMCTL "/usr/bin/systemctl"

static const char why_not_root[] = "the root is not /";
static const char why_no_systemd[] =
    "systemd is not running (no /run/systemd/system)";

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

/* SYSTEMCTL argv on the live root with systemd running: *ran says
 * whether it ran, *why why not; a failure to run or a non-zero status is
 * an error naming what (the verb). No inherited variable reaches the
 * child: nothing secret can. */
static int
systemctl(const char *rootdir, char *const argv[], const char *what,
    int *ran, const char **why)
{
	char *const envp[] = { (char *)"PATH=/usr/sbin:/usr/bin:/sbin:/bin",
		NULL };
	struct stat st;
	pid_t pid;
	int status, r;

	*ran = 0;
	*why = NULL;
	if (!is_live_root(rootdir)) {
		*why = why_not_root;
		return 0;
	}
	if (stat("/run/systemd/system", &st) != 0 || !S_ISDIR(st.st_mode)) {
		*why = why_no_systemd;
		return 0;
	}
	if ((r = posix_spawn(&pid, SYSTEMCTL, NULL, NULL, argv, envp)) != 0)
		return es_failf(-r, "%s: %s", SYSTEMCTL, strerror(r));
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return es_failf(-errno, "waitpid: %s", strerror(errno));
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return es_failf(ES_EINTERNAL, "systemctl %s failed (status %d)",
		    what, WIFEXITED(status) ? WEXITSTATUS(status) :
		    128 + WTERMSIG(status));
	*ran = 1;
	return 0;
}

int
es_systemd_reload(const char *rootdir, int *ran, const char **why)
{
	char *const argv[] = { (char *)SYSTEMCTL, (char *)"daemon-reload",
		NULL };

	return systemctl(rootdir, argv, "daemon-reload", ran, why);
}

/* The reloader child's exit statuses: what happened, for the parent. */
#define RL_OK 0             /* ran and succeeded, or not asked */
#define RL_NOT_ROOT 10      /* not run: the root is not / */
#define RL_NO_SYSTEMD 11    /* not run: systemd is not running */
#define RL_FAILED 12        /* ran and failed */

/* `systemctl --no-block try-restart SERVICE.service`, on the live root
 * with systemd running; the outcome as es_systemd_reload's. */
static int
try_restart(const char *rootdir, const char *unit, int *ran,
    const char **why)
{
	char *const argv[] = { (char *)SYSTEMCTL, (char *)"--no-block",
		(char *)"try-restart", (char *)unit, NULL };

	return systemctl(rootdir, argv, "try-restart", ran, why);
}

/* The child: wait for one byte (act) or end of file (exit). unit NULL:
 * daemon-reload, else try-restart unit. */
static void
reloader_child(const char *rootdir, const char *unit, int fd)
{
	const char *why = NULL;
	unsigned char b;
	ssize_t n;
	int ran = 0;

	while ((n = read(fd, &b, 1)) < 0 && errno == EINTR)
		;
	if (n != 1)
		_exit(RL_OK);
	if ((unit == NULL ? es_systemd_reload(rootdir, &ran, &why) :
	    try_restart(rootdir, unit, &ran, &why)) != 0)
		_exit(RL_FAILED);
	if (ran)
		_exit(RL_OK);
	_exit(why == why_not_root ?
	    RL_NOT_ROOT : RL_NO_SYSTEMD);
}

static int
start(const char *rootdir, const char *unit, struct es_reloader *rl)
{
	int p[2];
	pid_t pid;

	rl->pid = -1;
	rl->fd = -1;
	/* O_CLOEXEC: systemctl, spawned by the child, gets neither end. */
	if (pipe2(p, O_CLOEXEC) != 0)
		return es_failf(-errno, "pipe: %s", strerror(errno));
	if ((pid = fork()) < 0) {
		int e = errno;

		close(p[0]);
		close(p[1]);
		return es_failf(-e, "fork: %s", strerror(e));
	}
	if (pid == 0) {
		close(p[1]);
		reloader_child(rootdir, unit, p[0]);
	}
	close(p[0]);
	rl->pid = pid;
	rl->fd = p[1];
	return 0;
}

int
es_reloader_start(const char *rootdir, struct es_reloader *rl)
{
	return start(rootdir, NULL, rl);
}

/* The unit name is built before the fork: the child copies it. */
#define RESTART_UNIT_MAX (ES_NAME_MAX + sizeof ".service")

int
es_restarter_start(const char *rootdir, const char *service,
    struct es_reloader *rl)
{
	char unit[RESTART_UNIT_MAX];
	int n = snprintf(unit, sizeof unit, "%s.service", service);

	rl->pid = -1;
	rl->fd = -1;
	if (n < 0 || (size_t)n >= sizeof unit)
		return es_failf(ES_ELIMIT, "service name too long");
	return start(rootdir, unit, rl);
}

/* One byte down the pipe; a dead child must not kill us with SIGPIPE. */
static int
ask(int fd)
{
	struct sigaction ign, old;
	unsigned char b = 1;
	ssize_t n;
	int e;

	memset(&ign, 0, sizeof ign);
	ign.sa_handler = SIG_IGN;
	sigemptyset(&ign.sa_mask);
	if (sigaction(SIGPIPE, &ign, &old) != 0)
		return -errno;
	while ((n = write(fd, &b, 1)) < 0 && errno == EINTR)
		;
	e = n == 1 ? 0 : -errno;
	sigaction(SIGPIPE, &old, NULL);
	return e;
}

int
es_reloader_finish(struct es_reloader *rl, int want, int *ran,
    const char **why)
{
	int status, r = 0;

	*ran = 0;
	*why = NULL;
	if (rl->pid < 0)
		return 0;
	if (want && (r = ask(rl->fd)) != 0)
		r = es_failf(r, "reloader: %s", strerror(-r));
	close(rl->fd);
	rl->fd = -1;
	while (waitpid(rl->pid, &status, 0) < 0)
		if (errno != EINTR) {
			rl->pid = -1;
			return es_failf(-errno, "waitpid: %s", strerror(errno));
		}
	rl->pid = -1;
	if (r != 0 || !want)
		return r;
	if (!WIFEXITED(status) || WEXITSTATUS(status) == RL_FAILED)
		return es_failf(ES_EINTERNAL, "systemctl failed");
	switch (WEXITSTATUS(status)) {
	case RL_OK:
		*ran = 1;
		return 0;
	case RL_NOT_ROOT:
		*why = why_not_root;
		return 0;
	case RL_NO_SYSTEMD:
		*why = why_no_systemd;
		return 0;
	}
	return es_failf(ES_EINTERNAL, "reloader exited with status %d",
	    WEXITSTATUS(status));
}
