/*
 * cmd/main.c — start-up hardening and dispatch. Holds no logic.
 */
#include "cmd/cmd.h"
#include "common/envseal.h"
#ifdef ENVSEAL_TEST_HOOKS
#include "sandbox/worker.h"
#endif

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <stdarg.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sodium.h>

/* Longest message before escaping: a detail, a command name and two
 * paths; longer is cut and marked, never overflows. */
#define CMD_MSG_MAX (ES_ERRDETAIL_MAX + 2 * 4096)

static const struct {
	const char *name;
	int (*fn)(int, char **);
	const char *help;
} commands[] = {
	{ "render", cmd_render, "render env files from vaults (the main job)" },
	{ "provision", cmd_provision, "create user, group, directories, unit" },
	{ "apply", cmd_apply, "provision, then render, in one run" },
	{ "vault", cmd_vault, "view, decrypt, encrypt, encrypt-string, rekey,\n"
	    "             migrate, reencrypt" },
	{ "rotate", cmd_rotate, "re-encrypt every vault under a new key, "
	    "resumable" },
	{ "audit", cmd_audit, "verify or show the audit log" },
	{ "policy", cmd_policy, "show, lint or sign the policy" },
	{ "credential", cmd_credential, "seal a vault password for the "
	    "env-file service" },
	{ "keygen", cmd_keygen, "make an age identity (-y: print its recipient)" },
	{ "verify", cmd_verify, "check the host against the policy (read-only)" },
};

static void
usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: envseal COMMAND [OPTIONS]\n\ncommands:\n");
	for (i = 0; i < sizeof commands / sizeof commands[0]; i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].help);
	fprintf(f, "\nexit status: 0 ok, 1 runtime, 2 usage or policy, 3 integrity, "
	    "4 sandbox,\n             5 the host differs from the policy (verify) "
	    "or a lint finding,\n             70 internal error (a bug in "
	    "envseal)\n");
	fprintf(f, "\n`envseal COMMAND --help` for a command's options; "
	    "man envseal for the rest.\n");
}

/* Make sure fds 0-2 exist, so nothing we open later lands on them. */
static int
ensure_std_fds(void)
{
	int fd;

	for (;;) {
		fd = open("/dev/null", O_RDWR | O_CLOEXEC);
		if (fd < 0)
			return -errno;
		if (fd > 2) {
			close(fd);
			return 0;
		}
		/* Landed on 0-2: keep it there without CLOEXEC. */
		if (fcntl(fd, F_SETFD, 0) < 0)
			return -errno;
	}
}

/* Most inherited descriptors an argument may name ("/dev/fd/N"). */
#define KEEP_FDS_MAX 16

/* N when arg is, or ends in "=" or "@" followed by, "/dev/fd/N" with
 * N >= 3 (a --vault-password-file or --vault-id source); else -1. */
static int
named_fd(const char *arg)
{
	const char *p = strstr(arg, "/dev/fd/");
	char *end;
	long n;

	if (p == NULL || (p != arg && p[-1] != '=' && p[-1] != '@'))
		return -1;
	if (p[8] < '0' || p[8] > '9')
		return -1;
	errno = 0;
	n = strtol(p + 8, &end, 10);
	if (*end != '\0' || errno != 0 || n < 3 || n > INT_MAX)
		return -1;
	return (int)n;
}

/* Close every descriptor from 3 up but those the arguments name (the
 * caller's pipes, `<(...)`: keys/keysrc.c judges them), which become
 * close-on-exec. */
static int
close_inherited(int argc, char **argv)
{
	int keep[KEEP_FDS_MAX], n = 0, i, j, t, fd;
	unsigned lo = 3;

	for (i = 1; i < argc && n < KEEP_FDS_MAX; i++)
		if ((fd = named_fd(argv[i])) >= 0 &&
		    fcntl(fd, F_SETFD, FD_CLOEXEC) == 0)
			keep[n++] = fd;
	for (i = 1; i < n; i++)
		for (j = i; j > 0 && keep[j - 1] > keep[j]; j--) {
			t = keep[j];
			keep[j] = keep[j - 1];
			keep[j - 1] = t;
		}
	for (i = 0; i < n; i++) {
		if ((unsigned)keep[i] > lo &&
		    close_range(lo, (unsigned)keep[i] - 1, 0) != 0)
			return -errno;
		if ((unsigned)keep[i] + 1 > lo)
			lo = (unsigned)keep[i] + 1;
	}
	return close_range(lo, ~0U, 0) != 0 ? -errno : 0;
}

/* Hardening every command gets before it parses a single option. */
static int
harden_process(int argc, char **argv)
{
	struct rlimit no_core = { 0, 0 };

	/* No core dump, no ptrace by peers of our uid: memory holds secrets. */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0)
		return -errno;
	if (setrlimit(RLIMIT_CORE, &no_core) != 0)
		return -errno;
	/* Nothing we create is ever wider than 0600 before its fchmod. */
	umask(077);
	/* Inherited descriptors could be anything; we own only 0-2 and
	 * those an argument names. */
	if (close_inherited(argc, argv) != 0)
		return -errno;
	if (ensure_std_fds() != 0)
		return -errno;
	if (sodium_init() < 0)
		return ES_EINTERNAL;
	return 0;
}

/* The first error line said, as on stderr (escaped), for --json's failure
 * object: each input byte escapes to at most 4 ("\xHH"). */
static char first_error[4 * CMD_MSG_MAX + sizeof "envseal: "];

const char *
cmd_first_error(void)
{
	return first_error;
}

/* Keep the line just said when it is the run's first error. */
static void
keep_first_error(const char *msg, size_t n)
{
	FILE *m;

	if (first_error[0] != '\0')
		return;
	/* Bounded by the size above; fmemopen keeps the NUL in it. */
	if ((m = fmemopen(first_error, sizeof first_error, "w")) == NULL)
		return;
	fputs("envseal: ", m);
	es_fput_esc(m, msg, n, 0);
	fclose(m);
}

/*
 * Every message of cmd/ on stderr: "envseal: " and the text, escaped
 * (common/envseal.h es_fput_esc), on one line. Details and arguments name
 * paths, vault keys and labels that came from input; a control or bidi
 * character in them must not act on the terminal or split the line.
 * An error (not a note) is also kept for --json (cmd_first_error).
 */
__attribute__((format(printf, 2, 0))) static void
vsay(int error, const char *fmt, va_list ap)
{
	char msg[CMD_MSG_MAX];
	int n = vsnprintf(msg, sizeof msg, fmt, ap);

	if (n < 0) {
		n = 0;
		msg[0] = '\0';
	} else if ((size_t)n >= sizeof msg) {
		/* Cut, and say so. */
		n = (int)sizeof msg - 1;
		memcpy(msg + n - 3, "...", 4);
	}
	fputs("envseal: ", stderr);
	es_fput_esc(stderr, msg, (size_t)n, 0);
	fputc('\n', stderr);
	if (error)
		keep_first_error(msg, (size_t)n);
}

__attribute__((format(printf, 1, 2))) static void
say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay(1, fmt, ap);
	va_end(ap);
}

int
cmd_fail(const char *what, int code)
{
	const char *d = es_errdetail();

	if (what != NULL && *d)
		say("%s: %s", what, d);
	else if (what != NULL)
		say("%s: %s", what, es_strerror(code));
	else if (*d)
		say("%s", d);
	else
		say("%s", es_strerror(code));
	return es_exit_status(code);
}

int
cmd_fail_file(const char *what, const char *file, int code)
{
	char w[ES_PATH_MAX + 64];
	const char *d = es_errdetail();
	size_t n = strlen(file);

	if (!strncmp(d, file, n) && d[n] == ':')
		snprintf(w, sizeof w, "%s", what);
	else
		snprintf(w, sizeof w, "%s: %s", what, file);
	return cmd_fail(w, code);
}

const char *
cmd_audit_root(const char *opt)
{
	const char *env;

	if (opt != NULL)
		return opt;
	env = secure_getenv("ENVSEAL_AUDIT_ROOT");
	return env != NULL && *env != '\0' ? env : "/";
}

int
cmd_usage(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay(1, fmt, ap);
	va_end(ap);
	return ES_EXIT_USAGE;
}

void
cmd_note(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay(0, fmt, ap);
	va_end(ap);
}

int
main(int argc, char **argv)
{
	size_t i;
	int r;

	if ((r = harden_process(argc, argv)) != 0)
		return cmd_fail("start-up hardening", r);
#ifdef ENVSEAL_TEST_HOOKS
	/* TEST BUILD ONLY: a worker that hits BUG() (tests/cli/worker_bug.sh). */
	if (getenv("ENVSEAL_TEST_WORKER_BUG") != NULL &&
	    !strcmp(getenv("ENVSEAL_TEST_WORKER_BUG"), "1"))
		es_worker_test_bug(1);
#endif
	if (argc < 2)
		return usage(stderr), ES_EXIT_USAGE;
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("envseal %s\n", ENVSEAL_VERSION);
		return 0;
	}
	for (i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (!strcmp(argv[1], commands[i].name))
			return cmd_json_finish(commands[i].fn(argc - 1,
			    argv + 1));
	usage(stderr);
	return cmd_usage("unknown command '%s'", argv[1]);
}
