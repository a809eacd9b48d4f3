/*
 * cmd/credential.c — `envseal credential seal --name NAME [--with-key
 * host|tpm2|auto] OUT`: the way to install a host's vault password for the
 * env-file service (provision/envunit.c, LoadCredentialEncrypted=).
 *
 * The secret is read from the terminal with echo off (the keysrc prompt)
 * or, when stdin is no terminal, from stdin to its end (one trailing
 * newline dropped, as a password file's). It goes to `systemd-creds
 * encrypt --name=NAME --with-key=KEY - -` on a pipe, never in argv or the
 * environment (the child's environment is PATH alone); the sealed output
 * is collected from a second pipe and written to OUT through fs/
 * (es_user_write_file, 0600, audited as root like the vault commands).
 * No plaintext copy touches a disk. A failure writes nothing.
 */
#include "cmd/cmd.h"
#include "common/envseal.h"
#include "crypto/crypto.h"
#include "keys/keysrc.h"
#include "fs/fs.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define SYSTEMD_CREDS "/usr/bin/systemd-creds"
/* A sealed credential is the secret plus a header, a tag and base64;
 * systemd caps credentials at 1 MiB, a password is far less. */
#define CRED_OUT_MAX ((size_t)4 << 20)
/* The credential name: what LoadCredentialEncrypted=NAME:... asks for. */
#define CRED_NAME_MAX 255

enum {
	OPT_NAME = OPT_CMD_BASE,
	OPT_WITH_KEY,
	OPT_HELP,
};

static void
usage(FILE *f)
{
	cmd_help("credential seal", f);
}

/* A credential name systemd takes and a unit file needs no quoting for. */
static int
name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > CRED_NAME_MAX || !strcmp(s, ".") || !strcmp(s, ".."))
		return 0;
	return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789._-") == n;
}

/* The secret: the no-echo prompt on a terminal, else stdin. */
static int
read_secret(struct es_secrets *s)
{
	struct es_sbuf b = { 0 };
	int r;

	if (isatty(STDIN_FILENO))
		return es_keysrc_add(s, "prompt", 1, NULL);
	if ((r = es_read_fd_secure(STDIN_FILENO, ES_SECRET_MAX, &b, "stdin"))
	    != 0)
		return r;
	if (b.len > 0 && b.p[b.len - 1] == '\n')
		b.len--;
	if (b.len > 0 && b.p[b.len - 1] == '\r')
		b.len--;
	r = b.len == 0 ? es_failf(ES_EKEYSRC, "stdin: empty secret") :
	    es_secrets_add(s, "default", b.p, b.len);
	es_sbuf_free(&b);
	return r;
}

/* Write all of buf to fd, then close it (systemd-creds reads to EOF). */
static int
feed(int fd, const unsigned char *buf, size_t len)
{
	ssize_t n;

	while (len > 0) {
		if ((n = write(fd, buf, len)) < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			close(fd);
			return -EPIPE;
		}
		buf += n;
		len -= (size_t)n;
	}
	return close(fd) == 0 ? 0 : -errno;
}

static int
collect(int fd, struct es_sbuf *out)
{
	unsigned char chunk[4096];
	ssize_t n;
	int r;

	for (;;) {
		if ((n = read(fd, chunk, sizeof chunk)) < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return 0;
		if (out->len + (size_t)n > CRED_OUT_MAX)
			return es_failf(ES_ELIMIT, "systemd-creds output larger "
			    "than %zu bytes", CRED_OUT_MAX);
		if ((r = es_sbuf_append(out, chunk, (size_t)n)) != 0)
			return r;
	}
}

/* systemd-creds encrypt, secret on stdin, sealed text from stdout. */
static int
seal(const char *name, const char *key, const struct es_secret *sec,
    struct es_sbuf *out)
{
	char namearg[sizeof "--name=" + CRED_NAME_MAX];
	char keyarg[sizeof "--with-key=auto-initrd"];
	char *const envp[] = { (char *)"PATH=/usr/sbin:/usr/bin:/sbin:/bin",
		NULL };
	char *argv[] = { (char *)SYSTEMD_CREDS, (char *)"encrypt", namearg,
		keyarg, (char *)"-", (char *)"-", NULL };
	posix_spawn_file_actions_t fa;
	struct sigaction ign, old;
	int in[2] = { -1, -1 }, outp[2] = { -1, -1 }, status, r, rc;
	pid_t pid;

	/* Both checked by parse(): a name of at most CRED_NAME_MAX, a key
	 * of the three. */
	BUG_ON((size_t)snprintf(namearg, sizeof namearg, "--name=%s", name) >=
	    sizeof namearg);
	BUG_ON((size_t)snprintf(keyarg, sizeof keyarg, "--with-key=%s", key) >=
	    sizeof keyarg);
	if (pipe2(in, O_CLOEXEC) != 0 || pipe2(outp, O_CLOEXEC) != 0) {
		r = es_failf(-errno, "pipe: %s", strerror(errno));
		goto out;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, in[0], STDIN_FILENO);
	posix_spawn_file_actions_adddup2(&fa, outp[1], STDOUT_FILENO);
	r = posix_spawn(&pid, SYSTEMD_CREDS, &fa, NULL, argv, envp);
	posix_spawn_file_actions_destroy(&fa);
	close(in[0]);
	close(outp[1]);
	in[0] = outp[1] = -1;
	if (r != 0) {
		r = es_failf(-r, "%s: %s", SYSTEMD_CREDS, strerror(r));
		goto out;
	}
	/* A secret of at most ES_SECRET_MAX fits the pipe buffer (64 KiB)
	 * only just; a child that dies early must not kill us by SIGPIPE. */
	memset(&ign, 0, sizeof ign);
	ign.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &ign, &old);
	r = feed(in[1], sec->bytes, sec->len);
	in[1] = -1;
	sigaction(SIGPIPE, &old, NULL);
	rc = collect(outp[0], out);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (r == 0)
		r = rc;
	if (r == 0 && (!WIFEXITED(status) || WEXITSTATUS(status) != 0))
		r = es_failf(ES_EKEYSRC, "systemd-creds encrypt failed "
		    "(status %d; its message is above)", WIFEXITED(status) ?
		    WEXITSTATUS(status) : 128 + WTERMSIG(status));
	if (r == 0 && out->len == 0)
		r = es_failf(ES_EKEYSRC, "systemd-creds encrypt wrote nothing");
out:
	for (int i = 0; i < 2; i++) {
		if (in[i] >= 0)
			close(in[i]);
		if (outp[i] >= 0)
			close(outp[i]);
	}
	return r;
}

/* OUT through fs/, audited as the vault commands' writes are. */
static int
write_out(const char *path, const struct es_sbuf *data)
{
	struct cmd_host_names names = { 0, { NULL, NULL }, { 0, 0 } };
	struct es_root *audit = NULL;
	enum es_action act;
	int r, w;

	if (geteuid() == 0) {
		if ((r = es_root_open(&audit, cmd_audit_root(NULL), 0)) != 0)
			return r;
		es_root_set_namer(audit, cmd_host_name, &names);
		if ((r = es_audit_begin(audit, "credential seal", NULL)) != 0) {
			es_root_close(audit);
			return r;
		}
	}
	w = es_user_write_file(audit, path, data->p, data->len, 0600,
	    ES_UW_PRIVATE, &act);
	if (audit != NULL) {
		if (w != 0)
			es_audit_fail(audit, w);
		r = es_audit_end(audit, w == 0 ? 0 : es_exit_status(w));
		es_root_close(audit);
		cmd_host_names_free(&names);
		if (w == 0)
			w = r;
	}
	if (w == 0)
		cmd_note("credential seal: %s: %s", path, es_action_name(act));
	return w;
}

static int
parse(int argc, char **argv, const char **name, const char **key)
{
	static const struct option lo[] = {
		{ "name", required_argument, NULL, OPT_NAME },
		{ "with-key", required_argument, NULL, OPT_WITH_KEY },
		{ "help", no_argument, NULL, OPT_HELP },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":h", lo, NULL)) != -1) {
		switch (c) {
		case OPT_NAME: *name = optarg; break;
		case OPT_WITH_KEY: *key = optarg; break;
		case 'h':
		case OPT_HELP: usage(stdout); return -1;
		default:
			usage(stderr);
			return cmd_bad_option("credential seal", c,
			    argv[optind - 1]);
		}
	}
	if (*name == NULL)
		return cmd_usage("credential seal: --name NAME is required");
	if (!name_ok(*name))
		return cmd_usage("credential seal: --name '%s': letters, "
		    "digits, '.', '_' and '-' only, at most %d", *name,
		    CRED_NAME_MAX);
	if (strcmp(*key, "host") && strcmp(*key, "tpm2") &&
	    strcmp(*key, "auto"))
		return cmd_usage("credential seal: --with-key '%s': host, "
		    "tpm2 or auto", *key);
	if (optind + 1 != argc)
		return cmd_usage("credential seal: one OUT file expected");
	if (!strcmp(argv[optind], "-"))
		return cmd_usage("credential seal: OUT must be a file");
	return 0;
}

int
cmd_credential(int argc, char **argv)
{
	struct es_secrets s = { 0 };
	struct es_sbuf sealed = { 0 };
	const char *name = NULL, *key = "auto";
	int r;

	if (argc < 2 || strcmp(argv[1], "seal") != 0) {
		if (argc >= 2 && (!strcmp(argv[1], "--help") ||
		    !strcmp(argv[1], "-h")))
			return usage(stdout), 0;
		usage(stderr);
		return cmd_usage("credential: the subcommand is seal");
	}
	if ((r = parse(argc - 1, argv + 1, &name, &key)) != 0)
		return r < 0 ? 0 : r;
	if ((r = read_secret(&s)) == 0 &&
	    (r = seal(name, key, &s.v[0], &sealed)) == 0)
		r = write_out(argv[argc - 1], &sealed);
	es_secrets_free(&s);
	es_sbuf_free(&sealed);
	return r == 0 ? 0 : cmd_fail("credential seal", r);
}
