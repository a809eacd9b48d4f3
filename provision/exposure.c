/*
 * provision/exposure.c — lint rule ES008 (provision/provision.h,
 * "Exposure"): the units provision would write, scored by the host's own
 * systemd-analyze in a private scratch root, each score held against the
 * threshold. The real tool rather than a port of its weights: the score
 * is then by definition the one `systemd-analyze security --offline=yes`
 * prints, on every systemd release, with no table here to drift.
 */
#include "provision/provision.h"
#include "common/envseal.h"
#include "fs/fs.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Found by this absolute path only (never $PATH), trusted as a password
 * script is (fs/read.c es_trust_open) and run from the descriptor judged. */
#define ANALYZE "/usr/bin/systemd-analyze"
/* What it may print for at most EXPOSURE_UNITS units: a table of some
 * eighty rows each; far more is not systemd-analyze. */
#define EXPOSURE_OUT_MAX ((size_t)1 << 20)
/* Its run on a few small units takes well under a second; a hung one is
 * killed after this. */
#define EXPOSURE_TIMEOUT_MS 60000
/* The service's unit and its env units. */
#define EXPOSURE_UNITS (1 + ES_ENV_UNIT_N)
/* Where the child first moves its descriptors, clear of 0..2. */
#define CHILD_FD_MIN 10
/* The scratch root's marker file (es_scratch_open makes one). */
#define EXPOSURE_MARK "envseal-lint-scratch"
#define EXPOSURE_LINE "Overall exposure level for "

struct unit {
	char path[ES_PATH_MAX];
	char *text;
	size_t len;
	int scored;   /* a service: systemd-analyze security judges it */
};

/* The units provision writes for p, as es_provision_plan renders them. */
static int
render_units(const struct es_policy *p, struct unit *u, size_t *n)
{
	static const int env_scored[ES_ENV_UNIT_N] = {
		[ES_ENV_UNIT_SERVICE] = 1, [ES_ENV_UNIT_REFRESH] = 1,
	};
	int r, w;

	*n = 0;
	if (snprintf(u[0].path, sizeof u[0].path, "%s", p->service->unit) >=
	    (int)sizeof u[0].path)
		return es_failf(ES_ELIMIT, "%s: unit path too long",
		    p->service->unit);
	if ((r = es_unit_render(p, &u[0].text, &u[0].len)) != 0)
		return r;
	u[0].scored = 1;
	*n = 1;
	for (w = 0; p->service->env_service && w < ES_ENV_UNIT_N; w++) {
		if ((r = es_env_unit_name(p, w, u[*n].path,
		    sizeof u[*n].path)) != 0 ||
		    (r = es_env_unit_render(p, w, &u[*n].text,
		    &u[*n].len)) != 0)
			return r;
		u[*n].scored = env_scored[w];
		(*n)++;
	}
	return 0;
}

/* Each unit at its path under the scratch root, through fs/. */
static int
write_units(const struct es_scratch *s, const struct unit *u, size_t n)
{
	size_t i;
	int r = 0;

	for (i = 0; r == 0 && i < n; i++)
		if (u[i].path[0] != '/')
			r = es_failf(ES_EPOLICY, "%s: unit path is not "
			    "absolute", u[i].path);
		else
			r = es_scratch_put(s, u[i].path + 1, u[i].text, u[i].len);
	return r;
}

/* In the child: stdout to the pipe, stdin and stderr to /dev/null, no
 * other descriptor of ours, an empty environment, then the judged file. */
__attribute__((noreturn)) static void
child_exec(int exefd, int wfd, char *const argv[])
{
	char *const envp[] = { NULL };
	int w, x, z;

	if ((w = fcntl(wfd, F_DUPFD_CLOEXEC, CHILD_FD_MIN)) < 0 ||
	    (x = fcntl(exefd, F_DUPFD_CLOEXEC, CHILD_FD_MIN)) < 0 ||
	    (z = open("/dev/null", O_RDWR | O_CLOEXEC)) < 0)
		_exit(127);
	if (dup2(z, STDIN_FILENO) < 0 || dup2(w, STDOUT_FILENO) < 0 ||
	    dup2(z, STDERR_FILENO) < 0)
		_exit(127);
	signal(SIGPIPE, SIG_DFL);
	execveat(x, "", argv, envp, AT_EMPTY_PATH);
	_exit(127);
}

/* The child's stdout, NUL-terminated, within the time and size bounds
 * (the clock started at t0). */
static int
collect(pid_t pid, int rfd, int64_t t0, char *buf, size_t cap,
    size_t *len)
{
	struct pollfd pfd = { .fd = rfd, .events = POLLIN };
	long left;
	ssize_t k;

	*len = 0;
	for (;;) {
		if ((left = EXPOSURE_TIMEOUT_MS - (long)(es_now_ms() - t0)) <= 0) {
			kill(pid, SIGKILL);
			return es_failf(ES_EINTERNAL, ANALYZE ": no answer "
			    "within %d ms, killed", EXPOSURE_TIMEOUT_MS);
		}
		if (poll(&pfd, 1, (int)left) < 0 && errno != EINTR)
			return -errno;
		if (!(pfd.revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		k = read(rfd, buf + *len, cap - 1 - *len);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return -errno;
		if (k == 0)
			break;
		*len += (size_t)k;
		if (*len == cap - 1) {
			kill(pid, SIGKILL);
			return es_failf(ES_ELIMIT, ANALYZE ": more than %zu "
			    "bytes of output", cap - 1);
		}
	}
	buf[*len] = '\0';
	return 0;
}

/* Wait for the child still within the time bound (it may close stdout
 * and linger): killed past it. 0 or an error. */
static int
reap(pid_t pid, int64_t t0, int *st)
{
	const struct timespec nap = { 0, 5 * 1000 * 1000 };
	int killed = 0;
	pid_t w;

	while ((w = waitpid(pid, st, killed ? 0 : WNOHANG)) <= 0) {
		if (w < 0 && errno != EINTR)
			return -errno;
		if (w == 0 && (long)(es_now_ms() - t0) >= EXPOSURE_TIMEOUT_MS) {
			kill(pid, SIGKILL);
			killed = 1;
		} else if (w == 0)
			nanosleep(&nap, NULL);
	}
	return killed ? es_failf(ES_EINTERNAL, ANALYZE ": did not exit "
	    "within %d ms, killed", EXPOSURE_TIMEOUT_MS) : 0;
}

/* systemd-analyze security --offline=yes --root=dir on the scored units;
 * its exit status is not judged (a unit it cannot load just has no
 * score line, which the caller reports). */
static int
analyze(int exefd, const char *dir, const struct unit *u, size_t n,
    char *out, size_t cap)
{
	char rootopt[ES_PATH_MAX + 8], *argv[6 + EXPOSURE_UNITS];
	size_t i, a = 0, len;
	int64_t t0;
	int p[2], st, r, k;
	pid_t pid;

	if (snprintf(rootopt, sizeof rootopt, "--root=%s", dir) >=
	    (int)sizeof rootopt)
		return es_failf(ES_ELIMIT, "%s: path too long", dir);
	argv[a++] = (char *)"systemd-analyze";
	argv[a++] = (char *)"security";
	argv[a++] = (char *)"--offline=yes";
	argv[a++] = (char *)"--no-pager";
	argv[a++] = rootopt;
	for (i = 0; i < n; i++)
		if (u[i].scored)
			argv[a++] = (char *)(strrchr(u[i].path, '/') + 1);
	argv[a] = NULL;
	if (pipe2(p, O_CLOEXEC) != 0)
		return es_failf(-errno, "pipe: %s", strerror(errno));
	if ((pid = fork()) < 0) {
		r = -errno;
		close(p[0]);
		close(p[1]);
		return es_failf(r, "fork: %s", strerror(-r));
	}
	if (pid == 0)
		child_exec(exefd, p[1], argv);
	close(p[1]);
	t0 = es_now_ms();
	r = collect(pid, p[0], t0, out, cap, &len);
	close(p[0]);
	if ((k = reap(pid, t0, &st)) != 0)
		return r != 0 ? r : k;
	if (r == 0 && WIFEXITED(st) && WEXITSTATUS(st) == 127 && len == 0)
		r = es_failf(ES_EINTERNAL, ANALYZE ": could not be run");
	return r;
}

/* The score systemd-analyze printed for name, or -1 when none. */
static double
score_of(const char *out, const char *name)
{
	size_t nl = strlen(name);
	const char *s = out;
	char *end;
	double v;

	while ((s = strstr(s, EXPOSURE_LINE)) != NULL) {
		s += strlen(EXPOSURE_LINE);
		if (strncmp(s, name, nl) || s[nl] != ':' || s[nl + 1] != ' ')
			continue;
		v = strtod(s + nl + 2, &end);
		return end != s + nl + 2 && v >= 0.0 ? v : -1.0;
	}
	return -1.0;
}

static int
judge(const struct es_policy *p, const char *out, const struct unit *u,
    size_t n, double max, struct es_lint *l)
{
	size_t i, line = p->service->key_line;
	const char *name;
	double v;
	int r = 0;

	for (i = 0; r == 0 && i < n; i++) {
		if (!u[i].scored)
			continue;
		name = strrchr(u[i].path, '/') + 1;
		if ((v = score_of(out, name)) < 0.0)
			r = es_lint_add(l, "ES008", ES_SEV_LOW, line, "service: "
			    "unknown: " ANALYZE " printed no exposure score for "
			    "%s; not scored", name);
		else if (v > max)
			r = es_lint_add(l, "ES008", ES_SEV_MEDIUM, line,
			    "service: unit %s scores exposure %.1f (systemd-"
			    "analyze security --offline=yes), over %.1f", name,
			    v, max);
	}
	return r;
}

int
es_lint_exposure(const struct es_policy *p, double max, struct es_lint *l)
{
	struct unit u[EXPOSURE_UNITS] = { 0 };
	struct es_scratch s;
	struct stat st;
	char *out = NULL;
	size_t n = 0, i;
	int fd = -1, r, scratch = 0;

	if (p->service == NULL)
		return 0;
	if ((r = es_trust_open(ANALYZE, "systemd-analyze", &fd, &st)) ==
	    -ENOENT)
		return es_lint_add(l, "ES008", ES_SEV_LOW, p->service->key_line,
		    "service: unknown: systemd-analyze is missing (" ANALYZE
		    "): unit exposure not scored");
	if (r != 0)
		return r;
	if ((r = render_units(p, u, &n)) != 0)
		goto out;
	if ((out = malloc(EXPOSURE_OUT_MAX)) == NULL) {
		r = -ENOMEM;
		goto out;
	}
	scratch = 1;   /* closed always, also after a failed open */
	if ((r = es_scratch_open(&s, EXPOSURE_MARK)) != 0 ||
	    (r = write_units(&s, u, n)) != 0 ||
	    (r = analyze(fd, s.dir, u, n, out, EXPOSURE_OUT_MAX)) != 0)
		goto out;
	r = judge(p, out, u, n, max, l);
out:
	if (scratch && (i = (size_t)es_scratch_close(&s)) != 0 && r == 0)
		r = (int)i;
	for (i = 0; i < EXPOSURE_UNITS; i++)
		free(u[i].text);
	free(out);
	close(fd);
	return r;
}
