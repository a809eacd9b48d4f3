/*
 * keys/keysrc.c — vault passwords from files, scripts, vault-id client
 * scripts, systemd credentials and the terminal, with ansible's stripping
 * rules (vault.py 351-515, cli/__init__.py 190-317). Runs in the parent,
 * before any sandbox. See keys/keysrc.h.
 *
 * Where this differs from ansible, on purpose:
 * - A missing or unreadable password file is an error (ansible warns and
 *   skips it): a deploy that silently lost a key source is worse.
 * - "~/" is expanded, $VARS in paths are not.
 * - Scripts get a short allow-listed environment and a time and size
 *   bound; their stderr is inherited (they may prompt), their stdout is
 *   the secret and is never shown.
 */
#include "keys/keysrc.h"
#include "fs/fs.h"
#include "vault/age.h"
#include "vault/vault.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define ENV_IDENTITY_LIST "ANSIBLE_VAULT_IDENTITY_LIST"
#define ENV_PASSWORD_FILE "ANSIBLE_VAULT_PASSWORD_FILE"
#define ENV_CREDENTIALS "CREDENTIALS_DIRECTORY"
#define ENV_ID_MATCH "ANSIBLE_VAULT_ID_MATCH"
#define ENV_ENCRYPT_IDENTITY "ANSIBLE_VAULT_ENCRYPT_IDENTITY"
/* Paths built here (home + path, credentials dir + name). */
#define KEYSRC_PATH_MAX 4096
/* Environment variables passed to a password script, and their count. */
#define SCRIPT_ENV_MAX 16
/* The script's own descriptor in the child: execveat runs it from there,
 * and a "#!" script's interpreter opens it again as /dev/fd/3. */
#define SCRIPT_FD 3
/* Where the child first moves its descriptors, clear of 0..SCRIPT_FD. */
#define CHILD_FD_MIN 10

/* What a password script may see: enough to find a keyring or an agent,
 * nothing of ours. */
static const char *const script_env_keep[] = {
	"PATH", "HOME", "USER", "LOGNAME", "LANG", "LC_ALL", "LC_CTYPE",
	"TERM", "TMPDIR", "XDG_RUNTIME_DIR", "DBUS_SESSION_BUS_ADDRESS",
	"GNUPGHOME", "SSH_AUTH_SOCK", "GPG_TTY",
};

static unsigned script_timeout_ms = ES_KEYSRC_SCRIPT_TIMEOUT_MS;

void
es_keysrc_set_timeout_ms(unsigned ms)
{
	script_timeout_ms = ms ? ms : ES_KEYSRC_SCRIPT_TIMEOUT_MS;
}

/* --- stripping ------------------------------------------------------------ */

static int
is_ascii_ws(unsigned char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

/* bytes.strip() (ws != 0) or bytes.strip(b'\r\n') (ws == 0), in place. */
static void
strip(struct es_sbuf *b, int ws)
{
	size_t s = 0, e = b->len;

	while (s < e && (ws ? is_ascii_ws(b->p[s]) : (b->p[s] == '\r' ||
	    b->p[s] == '\n')))
		s++;
	while (e > s && (ws ? is_ascii_ws(b->p[e - 1]) : (b->p[e - 1] == '\r' ||
	    b->p[e - 1] == '\n')))
		e--;
	if (s > 0)
		memmove(b->p, b->p + s, e - s);
	b->len = e - s;
}

/* --- reading -------------------------------------------------------------- */

/* A key source could not be opened or read: keep fs/'s detail (it names
 * the file), as a key source error (a too-long password, a missing file).
 * A trusted-input refusal stays ES_EUNSAFE: someone else could write it. */
static int
keysrc_error(int r)
{
	if (r == ES_ELIMIT)
		return ES_EKEYSRC;
	/* Domain codes run from ES_EUSAGE up to ES_ECODE_LAST. */
	if (r >= ES_EUSAGE && r <= ES_ECODE_LAST)
		return r;
	return r < 0 ? ES_EKEYSRC : r;   /* -errno */
}

/* "~/x" -> "$HOME/x"; anything else as given. */
static int
expand_path(const char *in, char *out, size_t outsz)
{
	const char *home = getenv("HOME");
	int n;

	if (in[0] == '~' && in[1] == '/' && home != NULL)
		n = snprintf(out, outsz, "%s%s", home, in + 1);
	else
		n = snprintf(out, outsz, "%s", in);
	if (n < 0 || (size_t)n >= outsz)
		return es_failf(ES_EKEYSRC, "password file path too long");
	return 0;
}

/* A plain password file: strip(), maybe a vault itself, strip(b'\r\n').
 * *skip = 1 for a vaulted file no earlier secret opens (ansible skips
 * it while another secret is usable). */
static int
load_file(int fd, const char *path, const struct es_secrets *earlier,
    struct es_sbuf *out, int *skip)
{
	struct es_sbuf pt = { 0 };
	int r, used;

	if ((r = es_read_fd_secure(fd, ES_SECRET_MAX, out, path)) != 0)
		return keysrc_error(r);
	strip(out, 1);
	if (es_vault_is_envelope(out->p, out->len)) {
		/* A vaulted password file: opened with the secrets loaded
		 * before it, as ansible does (vault.py 414). */
		r = es_vault_open(out->p, out->len, earlier, &pt, &used);
		*skip = r == ES_EKEY;
		if (r != 0)
			return es_failf(r == ES_EKEY ? ES_EKEY : ES_EKEYSRC,
			    "%s: vaulted password file: %s", path,
			    r == ES_EKEY ? "no earlier secret opens it" :
			    "malformed");
		es_sbuf_free(out);
		*out = pt;   /* transferred */
		strip(out, 0);
	}
	return 0;
}

/* --- scripts ---------------------------------------------------------------- */

/* basename minus extension ends in "-client" (script_is_client). */
static int
is_client(const char *path)
{
	const char *b = strrchr(path, '/'), *dot;
	size_t n;

	b = b ? b + 1 : path;
	dot = strrchr(b, '.');
	n = dot && dot != b ? (size_t)(dot - b) : strlen(b);
	return n >= 7 && memcmp(b + n - 7, "-client", 7) == 0;
}

static void
build_env(char **envp)
{
	size_t i, n = 0;
	const char *v;

	for (i = 0; i < sizeof script_env_keep / sizeof script_env_keep[0] &&
	    n + 1 < SCRIPT_ENV_MAX; i++) {
		/* environ's own "NAME=value" string, found by name. */
		extern char **environ;
		size_t k, len = strlen(script_env_keep[i]);

		if ((v = getenv(script_env_keep[i])) == NULL)
			continue;
		for (k = 0; environ[k]; k++)
			if (!strncmp(environ[k], script_env_keep[i], len) &&
			    environ[k][len] == '=') {
				envp[n++] = environ[k];
				break;
			}
	}
	envp[n] = NULL;
}

/*
 * In the child: stdout to the pipe, the checked file at SCRIPT_FD, nothing
 * else of ours, then exec that descriptor. Both are first moved above
 * CHILD_FD_MIN: either might sit at 1 or SCRIPT_FD and be overwritten by
 * the other's dup2. A "#!" script's SCRIPT_FD stays open across the exec
 * (the kernel names it /dev/fd/3 to the interpreter, and with close-on-
 * exec set execveat fails with ENOENT); a binary's does not.
 */
__attribute__((noreturn)) static void
child_exec(int exefd, int shebang, char *const argv[], int wfd)
{
	char *envp[SCRIPT_ENV_MAX];
	int w, x;

	build_env(envp);
	if ((w = fcntl(wfd, F_DUPFD_CLOEXEC, CHILD_FD_MIN)) < 0 ||
	    (x = fcntl(exefd, F_DUPFD_CLOEXEC, CHILD_FD_MIN)) < 0)
		_exit(127);
	if (dup2(w, STDOUT_FILENO) < 0 ||
	    dup3(x, SCRIPT_FD, shebang ? 0 : O_CLOEXEC) < 0)
		_exit(127);
	close_range(SCRIPT_FD + 1, ~0U, 0);
	signal(SIGPIPE, SIG_DFL);
	execveat(SCRIPT_FD, "", argv, envp, AT_EMPTY_PATH);
	_exit(127);
}

/* Does the open file start with "#!"? Read at offset 0 without moving. */
static int
is_shebang(int fd)
{
	char m[2];

	return pread(fd, m, sizeof m, 0) == (ssize_t)sizeof m &&
	    m[0] == '#' && m[1] == '!';
}

/* Collect the child's stdout within the time and size bounds. */
static int
collect(pid_t pid, int rfd, const char *path, int64_t t0,
    struct es_sbuf *out)
{
	struct pollfd pfd = { .fd = rfd, .events = POLLIN };
	long left;
	ssize_t n;
	int r;

	for (;;) {
		left = (long)script_timeout_ms - (long)(es_now_ms() - t0);
		if (left <= 0) {
			kill(pid, SIGKILL);
			return es_failf(ES_EKEYSRC, "password script %s: no "
			    "answer within %u ms, killed", path,
			    script_timeout_ms);
		}
		if (poll(&pfd, 1, (int)left) < 0 && errno != EINTR)
			return -errno;
		if (!(pfd.revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		if ((r = es_sbuf_reserve(out, 4096)) != 0)
			return r;
		n = read(rfd, out->p + out->len, out->cap - out->len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : 0;
		out->len += (size_t)n;
		if (out->len > ES_SECRET_MAX) {
			kill(pid, SIGKILL);
			return es_failf(ES_EKEYSRC, "password script %s: output "
			    "longer than %d bytes", path, ES_SECRET_MAX);
		}
	}
}

/* Wait for the script, still within its time bound (it may close stdout
 * and linger). */
static int
reap(pid_t pid, const char *path, int client, const char *label,
    int64_t t0)
{
	const struct timespec nap = { 0, 5 * 1000 * 1000 };
	int st, killed = 0;
	pid_t w;

	while ((w = waitpid(pid, &st, killed ? 0 : WNOHANG)) <= 0) {
		if (w < 0 && errno != EINTR)
			return -errno;
		if (w == 0 && (long)(es_now_ms() - t0) >= (long)script_timeout_ms) {
			kill(pid, SIGKILL);
			killed = 1;
		} else if (w == 0)
			nanosleep(&nap, NULL);
	}
	if (killed)
		return es_failf(ES_EKEYSRC, "password script %s: did not exit "
		    "within %u ms, killed", path, script_timeout_ms);
	if (WIFSIGNALED(st))
		return es_failf(ES_EKEYSRC, "password script %s: killed by "
		    "signal %d", path, WTERMSIG(st));
	if (WEXITSTATUS(st) == 0)
		return 0;
	if (client && WEXITSTATUS(st) == 2)
		return es_failf(ES_EKEYSRC, "vault-id client %s has no secret "
		    "for vault-id %s", path, label);
	if (WEXITSTATUS(st) == 127)
		return es_failf(ES_EKEYSRC, "password script %s: could not be "
		    "run", path);
	return es_failf(ES_EKEYSRC, "password script %s: exited with status "
	    "%d", path, WEXITSTATUS(st));
}

/* Run an executable password source from its checked descriptor fd
 * (path names it in argv[0] and messages only); stdout is the secret. */
static int
run_script(int fd, const char *path, const char *label, int pass_label,
    struct es_sbuf *out)
{
	char *argv[4];
	int p[2], r, client = is_client(path), shebang = is_shebang(fd);
	int64_t t0;
	pid_t pid;

	argv[0] = (char *)path;
	argv[1] = NULL;
	if (client && pass_label) {
		argv[1] = (char *)"--vault-id";
		argv[2] = (char *)label;
		argv[3] = NULL;
	}
	if (pipe2(p, O_CLOEXEC) != 0)
		return -errno;
	fflush(NULL);
	if ((pid = fork()) < 0) {
		r = -errno;
		close(p[0]);
		close(p[1]);
		return r;
	}
	if (pid == 0)
		child_exec(fd, shebang, argv, p[1]);
	close(p[1]);
	t0 = es_now_ms();
	r = collect(pid, p[0], path, t0, out);
	close(p[0]);
	if (r != 0) {
		/* Reap, but keep the first failure's detail. */
		char d[ES_ERRDETAIL_MAX];

		snprintf(d, sizeof d, "%s", es_errdetail());
		reap(pid, path, client, label, t0);
		return es_failf(r, "%s", d);
	}
	r = reap(pid, path, client, label, t0);
	if (r != 0)
		return r;
	strip(out, 0);
	return 0;
}

/* --- the terminal ------------------------------------------------------------- */

/*
 * While the prompt waits with echo off, these signals would leave the
 * user's terminal without echo: a handler puts the saved settings back
 * first. SIGTSTP stops us with the terminal restored and turns echo off
 * again (and re-prints the prompt) on SIGCONT.
 */
static const int prompt_sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT,
    SIGTSTP };
#define N_PROMPT_SIGS (sizeof prompt_sigs / sizeof prompt_sigs[0])

/* What the handler needs, set before it is installed and only read by it. */
static struct {
	int fd, say;               /* the terminal read; where the question goes */
	struct termios old, quiet;
	const char *msg;
	size_t msglen;
	struct sigaction prev[N_PROMPT_SIGS];
	unsigned char installed[N_PROMPT_SIGS];
} tty;

static void
prompt_sigset(sigset_t *set)
{
	size_t i;

	sigemptyset(set);
	for (i = 0; i < N_PROMPT_SIGS; i++)
		sigaddset(set, prompt_sigs[i]);
}

/* Stop with the terminal as we found it; on SIGCONT, quiet it again.
 * Only async-signal-safe calls. */
static void
stop_restored(int sig)
{
	struct sigaction dfl, self;
	sigset_t one;

	memset(&dfl, 0, sizeof dfl);
	dfl.sa_handler = SIG_DFL;
	sigaction(sig, &dfl, &self);
	raise(sig);
	sigemptyset(&one);
	sigaddset(&one, sig);
	/* The pending stop takes effect here; we return on SIGCONT. */
	sigprocmask(SIG_UNBLOCK, &one, NULL);
	sigprocmask(SIG_BLOCK, &one, NULL);
	sigaction(sig, &self, NULL);
	tcsetattr(tty.fd, TCSAFLUSH, &tty.quiet);
	(void)!write(tty.say, tty.msg, tty.msglen);
}

static void
on_prompt_signal(int sig)
{
	struct sigaction dfl;
	int saved = errno;

	/* TCSAFLUSH: a half-typed password must not reach the shell. */
	tcsetattr(tty.fd, TCSAFLUSH, &tty.old);
	if (sig == SIGTSTP) {
		stop_restored(sig);
		errno = saved;
		return;
	}
	/* Die of it with the default action (a caller's handler that
	 * returned would let the prompt go on with echo on). The signal is
	 * blocked in here: it is delivered as we return. */
	memset(&dfl, 0, sizeof dfl);
	dfl.sa_handler = SIG_DFL;
	sigaction(sig, &dfl, NULL);
	raise(sig);
	errno = saved;
}

/* Install the handlers (not over an ignored signal) with the guarded
 * signals blocked, which the caller keeps until the terminal is quiet. */
static void
guard_install(sigset_t *saved)
{
	struct sigaction sa;
	sigset_t set;
	size_t i;

	prompt_sigset(&set);
	sigprocmask(SIG_BLOCK, &set, saved);
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_prompt_signal;
	sa.sa_mask = set;
	/* The read goes on after a stop and continue. */
	sa.sa_flags = SA_RESTART;
	for (i = 0; i < N_PROMPT_SIGS; i++) {
		tty.installed[i] = 0;
		if (sigaction(prompt_sigs[i], NULL, &tty.prev[i]) != 0 ||
		    tty.prev[i].sa_handler == SIG_IGN)
			continue;
		if (sigaction(prompt_sigs[i], &sa, NULL) == 0)
			tty.installed[i] = 1;
	}
}

/* Restore the terminal and the previous handlers with the guarded signals
 * blocked, so a stop cannot come between and quiet the terminal again;
 * signals that came meanwhile go to the previous handlers at the end. */
static void
guard_remove(const sigset_t *saved)
{
	sigset_t set;
	size_t i;

	prompt_sigset(&set);
	sigprocmask(SIG_BLOCK, &set, NULL);
	tcsetattr(tty.fd, TCSAFLUSH, &tty.old);
	for (i = 0; i < N_PROMPT_SIGS; i++)
		if (tty.installed[i])
			sigaction(prompt_sigs[i], &tty.prev[i], NULL);
	sigprocmask(SIG_SETMASK, saved, NULL);
}

/* The prompt for label ("Vault password (LABEL): "), or ask's text when
 * not NULL; the line typed (no echo), stripped, into out. */
static int
prompt_tty_as(const char *label, const char *ask, int ws,
    struct es_sbuf *out)
{
	char msg[ES_LABEL_MAX + 32];
	sigset_t saved;
	unsigned char c;
	int fd, say, own = 0, r = 0, n;
	ssize_t k;

	/* Python's getpass: the controlling terminal, else a standard input
	 * that is a terminal (a process in a session of its own has none),
	 * the question then on stderr. */
	if ((fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC)) >= 0) {
		own = 1;
		say = fd;
	} else if (isatty(STDIN_FILENO)) {
		fd = STDIN_FILENO;
		say = STDERR_FILENO;
	} else {
		return es_failf(ES_EKEYSRC, "cannot prompt: no terminal");
	}
	if (tcgetattr(fd, &tty.old) != 0) {
		if (own)
			close(fd);
		return es_failf(ES_EKEYSRC, "cannot prompt: not a terminal");
	}
	tty.quiet = tty.old;
	tty.quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
	tty.quiet.c_lflag |= ICANON;
	n = strcmp(label, "default") ? snprintf(msg, sizeof msg,
	    "Vault password (%s): ", label) : snprintf(msg, sizeof msg,
	    "Vault password: ");
	if (ask != NULL)
		n = snprintf(msg, sizeof msg, "%s", ask);
	if (n < 0 || (size_t)n >= sizeof msg)
		n = snprintf(msg, sizeof msg, "Vault password: ");
	tty.fd = fd;
	tty.say = say;
	tty.msg = msg;
	tty.msglen = (size_t)n;
	guard_install(&saved);
	tcsetattr(fd, TCSAFLUSH, &tty.quiet);
	sigprocmask(SIG_SETMASK, &saved, NULL);
	if (write(say, msg, (size_t)n) < 0)
		r = -errno;
	while (r == 0 && (k = read(fd, &c, 1)) == 1 && c != '\n') {
		if (out->len >= ES_SECRET_MAX)
			r = es_failf(ES_EKEYSRC, "%s longer than %d bytes",
			    ask ? "answer" : "password", ES_SECRET_MAX);
		else
			r = es_sbuf_putc(out, c);
	}
	es_wipe(&c, sizeof c);
	guard_remove(&saved);
	if (write(say, "\n", 1) < 0 && r == 0)
		r = -errno;
	if (own)
		close(fd);
	if (r == 0)
		strip(out, ws);
	return r;
}

static int
prompt_tty(const char *label, struct es_sbuf *out)
{
	return prompt_tty_as(label, NULL, 1, out);
}

int
es_keysrc_prompt_tty(const char *ask, int ws, struct es_sbuf *out)
{
	return prompt_tty_as("default", ask, ws, out);
}

/*
 * One line of stdin for --ask-vault-pass without a terminal, as Python's
 * getpass falls back to reading it: the prompt on stderr, then the bytes
 * up to the first newline, read one at a time so nothing after it is
 * consumed; end of input before a byte is an error, as ansible's EOFError.
 */
int
es_keysrc_ask_line(const char *ask, struct es_sbuf *out)
{
	unsigned char c;
	ssize_t k;
	int r = 0, got = 0;

	if (ask != NULL) {
		fprintf(stderr, "%s", ask);
		fflush(stderr);
	}
	while ((k = read(STDIN_FILENO, &c, 1)) == 1 || (k < 0 && errno == EINTR)) {
		if (k < 0)
			continue;
		got = 1;
		if (c == '\n')
			break;
		if (out->len >= ES_SECRET_MAX) {
			r = es_failf(ES_EKEYSRC, "--ask-vault-pass: password "
			    "longer than %d bytes", ES_SECRET_MAX);
			break;
		}
		if ((r = es_sbuf_putc(out, c)) != 0)
			break;
	}
	es_wipe(&c, sizeof c);
	if (ask != NULL)
		fprintf(stderr, "\n");
	if (r == 0 && k < 0)
		r = es_failf(ES_EKEYSRC, "--ask-vault-pass: stdin: %s",
		    strerror(errno));
	if (r == 0 && !got)
		r = es_failf(ES_EKEYSRC, "--ask-vault-pass: end of input (ctrl-d) "
		    "on the prompt");
	return r;
}

/*
 * --ask-vault-pass: ansible's "default@prompt_ask_vault_pass". On the
 * terminal (/dev/tty, else a stdin that is one; no echo), else one line of stdin
 * per question (ansible reads a pipe then, runme.sh's setsid cases); with
 * twice, a second question must give the same password (encrypt: a new
 * password). Stripped as ansible strips it; empty is an error.
 */
static int
ask_pass(struct es_secrets *out, int twice)
{
	static const char *const asks[2][2] = {
		{ "Vault password: ", NULL },
		{ "New Vault password: ", "Confirm New Vault password: " },
	};
	struct es_sbuf pw[2] = { { 0 }, { 0 } };
	int fd, on_tty, r = 0, i;

	if ((fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC)) >= 0)
		close(fd);
	/* No controlling terminal but a terminal on stdin: asked there,
	 * still without echo (prompt_tty_as, as getpass falls back). */
	on_tty = fd >= 0 || isatty(STDIN_FILENO);
	if (fd < 0 && (r = es_keysrc_take_stdin("--ask-vault-pass")) != 0)
		return r;
	for (i = 0; i < 1 + !!twice && r == 0; i++) {
		const char *ask = asks[!!twice][i];

		r = on_tty ? prompt_tty_as("default", ask, 1, &pw[i]) :
		    es_keysrc_ask_line(ask, &pw[i]);
		if (r == 0)
			strip(&pw[i], 1);
		if (r == 0 && pw[i].len == 0)
			r = es_failf(ES_EKEYSRC, "--ask-vault-pass: invalid vault "
			    "password was provided (empty)");
	}
	if (r == 0 && twice && (pw[0].len != pw[1].len ||
	    !es_ct_equal(pw[0].p, pw[1].p, pw[0].len)))
		r = es_failf(ES_EKEYSRC, "--ask-vault-pass: passwords do not "
		    "match");
	if (r == 0)
		r = es_secrets_add(out, "default", pw[0].p, pw[0].len);
	es_sbuf_free(&pw[0]);
	es_sbuf_free(&pw[1]);
	return r;
}

/* --- stdin ----------------------------------------------------------------------- */

/* Whether something of this process has read stdin already: it holds one
 * input, and a second reader would get the rest or nothing. */
static int stdin_taken;

int
es_keysrc_take_stdin(const char *who)
{
	if (stdin_taken)
		return es_failf(ES_EUSAGE, "%s: stdin is read once and already "
		    "holds another input (a password or a file given as -)",
		    who);
	stdin_taken = 1;
	return 0;
}

/* "-": the password on stdin, as a caller (the Ansible modules) pipes it,
 * so that it is on no disk, in no argv and in no environment. Bounded
 * and stripped as a password file is; a terminal is refused, since
 * reading it would echo the password (--vault-id prompt does not). */
static int
load_stdin(struct es_sbuf *out)
{
	int r;

	if ((r = es_keysrc_take_stdin("password file -")) != 0)
		return r;
	if (isatty(STDIN_FILENO))
		return es_failf(ES_EKEYSRC, "password file -: stdin is a "
		    "terminal (use --vault-id prompt to type a password)");
	if ((r = es_read_fd_secure(STDIN_FILENO, ES_SECRET_MAX, out,
	    "password file - (stdin)")) != 0)
		return keysrc_error(r);
	strip(out, 1);
	if (out->len == 0)
		return es_failf(ES_EKEYSRC, "password file - (stdin): empty "
		    "password");
	return 0;
}

/* --- one source --------------------------------------------------------------- */

/*
 * A vault-id label as ansible writes and reads it back (issue 15): a
 * header label (vault.h es_vault_label_ok: printable ASCII, no ';', a
 * space inside but none around, since ansible strips it on reading),
 * and not ES_AGE_ID_LABEL, which names an age identity in a candidate
 * list and must not be given to a password.
 */
static int
label_ok(const char *l)
{
	return es_vault_label_ok(l) && strcmp(l, ES_AGE_ID_LABEL) != 0;
}

#define LABEL_RULE "vault-id label must be printable ASCII without ';', " \
	"with no space at either end, and not \"" ES_AGE_ID_LABEL "\""

/*
 * "/dev/stdin" and "/dev/fd/N", as ansible-vault takes them: the
 * descriptor the caller handed us (cmd/main.c keeps an inherited N open
 * when an argument names it). 1 and *fd set when path names one, 0 when
 * it is a path like any other. Only a pipe or FIFO is taken as is: it is
 * the caller's own channel, with no file anyone else could have written,
 * so the trusted-input rule, which is about files, does not apply. A
 * descriptor open on anything else is refused: name the file itself, and
 * the rule judges it.
 */
static int
caller_fd(const char *path, int *fd)
{
	struct stat st;
	char *end;
	long n;

	if (!strcmp(path, "/dev/stdin"))
		n = STDIN_FILENO;
	else if (!strncmp(path, "/dev/fd/", 8) && path[8] >= '0' &&
	    path[8] <= '9') {
		errno = 0;
		n = strtol(path + 8, &end, 10);
		if (*end != '\0' || errno != 0 || n > INT_MAX)
			return 0;
	} else
		return 0;
	if (fstat((int)n, &st) != 0)
		return es_failf(ES_EKEYSRC, "%s: descriptor %ld is not open",
		    path, n);
	if (!S_ISFIFO(st.st_mode))
		return es_failf(ES_EUNSAFE, "%s: not a pipe; name the password "
		    "file itself (the trusted-input rule judges files)", path);
	*fd = (int)n;
	return 1;
}

static int
load_path(const char *spec, const char *label, int pass_label, int *skip,
    const struct es_secrets *earlier, struct es_sbuf *pw)
{
	char path[KEYSRC_PATH_MAX];
	struct stat st;
	int fd, r;

	if ((r = expand_path(spec, path, sizeof path)) != 0)
		return r;
	if ((r = caller_fd(path, &fd)) < 0)
		return keysrc_error(r);
	if (r == 1) {
		/* Read once, to its end: a second name for it reads EOF.
		 * stdin by this name is the same one input as "-". */
		if (fd == STDIN_FILENO && (r = es_keysrc_take_stdin(path)) != 0)
			return r;
		r = load_file(fd, path, earlier, pw, skip);
		if (fd != STDIN_FILENO)
			close(fd);
		if (r == 0 && pw->len == 0)
			r = es_failf(ES_EKEYSRC, "password source %s: empty "
			    "password", path);
		return r;
	}
	/* Opened once, under the trusted-input rule (fs/fs.h): whoever
	 * else could write it would choose root's password or, with an x
	 * bit, run code as root. The descriptor judged is the one read or
	 * executed, and "executable" is its fstat's, not a name's. */
	if ((r = es_trust_open(path, "password file", &fd, &st)) != 0)
		return keysrc_error(r);
	/* Any x bit means "run it" (module_utils is_executable). */
	if (st.st_mode & (S_IXUSR | S_IXGRP | S_IXOTH))
		r = run_script(fd, path, label, pass_label, pw);
	else
		r = load_file(fd, path, earlier, pw, skip);
	close(fd);
	/* An empty file (not a script's output): skippable, as ansible. */
	if (r == 0 && pw->len == 0) {
		*skip = !(st.st_mode & (S_IXUSR | S_IXGRP | S_IXOTH));
		r = es_failf(ES_EKEYSRC, "password source %s: empty password",
		    path);
	}
	return r;
}

/* es_keysrc_add(); *skip = 1 when the failure is one ansible skips. */
static int
add_source(struct es_secrets *out, const char *spec, int vault_id,
    const struct es_secrets *earlier, int *skip)
{
	char label[ES_LABEL_MAX + 1];
	const char *src = spec, *at;
	struct es_sbuf pw = { 0 };
	int r, pass_label = 1;

	snprintf(label, sizeof label, "default");
	if (vault_id && (at = strchr(spec, '@')) != NULL) {
		if ((size_t)(at - spec) > ES_LABEL_MAX)
			return es_failf(ES_EUSAGE, "vault-id label longer than "
			    "%d bytes", ES_LABEL_MAX);
		if (at > spec) {
			memcpy(label, spec, (size_t)(at - spec));
			label[at - spec] = '\0';
		}
		src = at + 1;
	} else if (vault_id)
		pass_label = 0;   /* bare --vault-id SCRIPT: no arguments */
	if (!label_ok(label))
		return es_failf(ES_EUSAGE, LABEL_RULE);
	if (*src == '\0')
		return es_failf(ES_EUSAGE, "empty password source");
	if (vault_id && strcmp(src, "prompt") == 0)
		r = prompt_tty(label, &pw);
	else if (strcmp(src, "-") == 0)
		r = load_stdin(&pw);
	else
		r = load_path(src, label, pass_label, skip, earlier ? earlier : out,
		    &pw);
	if (r == 0 && pw.len == 0)
		r = es_failf(ES_EKEYSRC, "empty vault password");
	if (r == 0)
		r = es_secrets_add(out, label, pw.p, pw.len);
	es_sbuf_free(&pw);
	return r;
}

int
es_keysrc_add(struct es_secrets *out, const char *spec, int vault_id,
    const struct es_secrets *earlier)
{
	int skip = 0;

	return add_source(out, spec, vault_id, earlier, &skip);
}

/* The first skipped source's error, kept to be the run's error when no
 * source is left. */
struct skips {
	int code;
	char detail[ES_ERRDETAIL_MAX];
};

/*
 * One source of es_keysrc_load(): with o->skipped set, a source ansible
 * skips (an empty password file, a vaulted one nothing earlier opens;
 * cli/__init__.py setup_vault_secrets warns and goes on) is reported to
 * it and dropped, its error kept in *sk; any other failure is the error.
 */
static int
load_one(const struct es_keysrc_opts *o, struct es_secrets *out,
    const char *spec, int vault_id, struct skips *sk)
{
	int skip = 0, r = add_source(out, spec, vault_id, NULL, &skip);

	if (r == 0 || !skip || o->skipped == NULL)
		return r;
	if (sk->code == 0) {
		sk->code = r;
		snprintf(sk->detail, sizeof sk->detail, "%s", es_errdetail());
	}
	o->skipped(es_errdetail());
	es_errclear();
	return 0;
}

/* --- the whole list ------------------------------------------------------------- */

static int
load_credential(struct es_secrets *out, const char *spec)
{
	const char *dir = getenv(ENV_CREDENTIALS), *name = spec, *at;
	char path[KEYSRC_PATH_MAX], label[ES_LABEL_MAX + 1] = "default";
	struct es_sbuf pw = { 0 };
	int r, n;

	if ((at = strchr(spec, '@')) != NULL) {
		if (at == spec || (size_t)(at - spec) > ES_LABEL_MAX)
			return es_failf(ES_EUSAGE, "bad credential label");
		memcpy(label, spec, (size_t)(at - spec));
		label[at - spec] = '\0';
		name = at + 1;
	}
	if (!label_ok(label))
		return es_failf(ES_EUSAGE, LABEL_RULE);
	if (dir == NULL || *dir == '\0')
		return es_failf(ES_EKEYSRC, "credential %s: $%s is not set "
		    "(LoadCredential= in the unit)", name, ENV_CREDENTIALS);
	if (*name == '\0' || strchr(name, '/') || !strcmp(name, ".") ||
	    !strcmp(name, ".."))
		return es_failf(ES_EUSAGE, "bad credential name");
	n = snprintf(path, sizeof path, "%s/%s", dir, name);
	if (n < 0 || (size_t)n >= sizeof path)
		return es_failf(ES_EKEYSRC, "credential path too long");
	/* systemd makes the directory root's; the same rule holds. */
	r = keysrc_error(es_trust_read_secure(path, "credential",
	    ES_SECRET_MAX, &pw));
	if (r == 0)
		strip(&pw, 1);
	if (r == 0 && pw.len == 0)
		r = es_failf(ES_EKEYSRC, "credential %s: empty", name);
	if (r == 0)
		r = es_secrets_add(out, label, pw.p, pw.len);
	es_sbuf_free(&pw);
	return r;
}

/* ANSIBLE_VAULT_IDENTITY_LIST: comma-separated [LABEL@]SOURCE. */
int
es_keysrc_add_identity_list(struct es_secrets *out,
    const struct es_secrets *earlier)
{
	const char *v = getenv(ENV_IDENTITY_LIST), *s, *e;
	char one[KEYSRC_PATH_MAX];
	int r;

	for (s = v; s != NULL && *s; s = *e ? e + 1 : e) {
		e = strchr(s, ',');
		e = e ? e : s + strlen(s);
		while (s < e && *s == ' ')
			s++;
		if (e == s)
			continue;
		if ((size_t)(e - s) >= sizeof one)
			return es_failf(ES_EUSAGE, "%s entry too long",
			    ENV_IDENTITY_LIST);
		memcpy(one, s, (size_t)(e - s));
		one[e - s] = '\0';
		if ((r = es_keysrc_add(out, one, 1, earlier)) != 0)
			return r;
	}
	return 0;
}

/* --- ansible's untyped settings ------------------------------------------------ */

/*
 * ansible's config manager keeps a setting without a type as a string,
 * minus one pair of surrounding quotes (parsing/quoting.py unquote: same
 * quote both ends, the one before the last not a backslash). Returns the
 * start and sets *len.
 */
static const char *
unquote(const char *v, size_t *len)
{
	size_t n = strlen(v);

	if (n > 1 && v[0] == v[n - 1] && (v[0] == '"' || v[0] == '\'') &&
	    v[n - 2] != '\\') {
		*len = n - 2;
		return v + 1;
	}
	*len = n;
	return v;
}

int
es_keysrc_id_match_value(const char *v)
{
	size_t n;

	if (v == NULL)
		return 0;
	(void)unquote(v, &n);
	return n > 0;
}

int
es_keysrc_id_match(void)
{
	return es_keysrc_id_match_value(getenv(ENV_ID_MATCH));
}

const char *
es_keysrc_encrypt_id(const char *cli, char *buf, size_t bufsz)
{
	const char *v;
	size_t n;

	/* `--encrypt-vault-id X or C.DEFAULT_VAULT_ENCRYPT_IDENTITY`:
	 * an empty option falls through to the setting. */
	if (cli != NULL && *cli != '\0')
		return cli;
	if ((v = getenv(ENV_ENCRYPT_IDENTITY)) == NULL)
		return NULL;
	v = unquote(v, &n);
	if (n == 0)
		return NULL;
	if (n >= bufsz)
		n = bufsz - 1;   /* longer than any label: matches none */
	memcpy(buf, v, n);
	buf[n] = '\0';
	return buf;
}

int
es_keysrc_pick(const struct es_secrets *s, const char *encrypt_id,
    size_t *idx)
{
	char have[ES_ERRDETAIL_MAX / 2];
	size_t i, o = 0;
	int n;

	for (i = 0; encrypt_id != NULL && i < s->n; i++)
		if (strcmp(s->v[i].label, encrypt_id) == 0) {
			*idx = i;
			return 0;
		}
	if (encrypt_id == NULL && s->n == 1) {
		*idx = 0;
		return 0;
	}
	/* The loaded labels (checked printable when loaded), as ansible
	 * lists them; never a secret. */
	have[0] = '\0';
	for (i = 0; i < s->n && o < sizeof have; i++) {
		n = snprintf(have + o, sizeof have - o, "%s%s", i ? ", " : "",
		    s->v[i].label);
		if (n < 0)
			break;
		o += (size_t)n;
	}
	if (encrypt_id == NULL)
		return es_failf(ES_EUSAGE, "the vault-ids %s are available to "
		    "encrypt; choose one with --encrypt-vault-id or %s", have,
		    ENV_ENCRYPT_IDENTITY);
	return es_failf(ES_EUSAGE, "no vault secret has the vault-id %s "
	    "chosen to encrypt with (--encrypt-vault-id or %s); loaded: %s",
	    es_vault_label_ok(encrypt_id) ? encrypt_id : "(not a label)",
	    ENV_ENCRYPT_IDENTITY, s->n ? have : "none");
}

int
es_keysrc_add_password_env(struct es_secrets *out,
    const struct es_secrets *earlier)
{
	const char *envfile = getenv(ENV_PASSWORD_FILE);

	if (envfile == NULL || *envfile == '\0')
		return 0;
	return es_keysrc_add(out, envfile, 0, earlier);
}

int
es_keysrc_load(const struct es_keysrc_opts *o, struct es_secrets *out)
{
	const char *envfile = getenv(ENV_PASSWORD_FILE);
	struct skips sk = { 0, "" };
	size_t i;
	int r = 0;

	/* Before any source: a vaulted password file is opened under it. */
	out->id_match = es_keysrc_id_match();
	if ((r = es_keysrc_add_age_identities(o, out)) != 0 ||
	    (r = es_keysrc_add_identity_list(out, NULL)) != 0)
		goto out;
	for (i = 0; i < o->n_vault_ids && r == 0; i++)
		r = load_one(o, out, o->vault_ids[i], 1, &sk);
	/* ansible appends its prompt after the --vault-id list. */
	if (r == 0 && o->ask)
		r = ask_pass(out, o->ask_twice);
	for (i = 0; i < o->n_password_files && r == 0; i++)
		r = load_one(o, out, o->password_files[i], 0, &sk);
	if (r == 0 && envfile != NULL && *envfile)
		r = load_one(o, out, envfile, 0, &sk);
	for (i = 0; i < o->n_credentials && r == 0; i++)
		r = load_credential(out, o->credentials[i]);
	/* Everything given was skipped: the first skip is the error. */
	if (r == 0 && out->n == 0 && sk.code != 0)
		r = es_failf(sk.code, "%s", sk.detail);
	if (r != 0 || out->n > 0)
		goto out;
	/* Nothing given, a terminal: ansible prompts, twice for a new
	 * password (encrypt: create_new_password). */
	if (!o->no_prompt && isatty(STDIN_FILENO))
		r = o->ask_twice ? ask_pass(out, 1) :
		    es_keysrc_add(out, "prompt", 1, NULL);
	else if (!o->none_ok)
		r = es_failf(ES_EKEYSRC, "no vault secret given (use "
		    "--vault-password-file, --vault-id or "
		    "--vault-password-credential; for age files "
		    "-i/--identity or --identity-credential)");
out:
	if (r != 0)
		es_secrets_free(out);
	return r;
}

/* vault_id: spec is [LABEL@]SOURCE. */
static int
is_stdin_name(const char *spec, int vault_id)
{
	const char *at = vault_id ? strchr(spec, '@') : NULL;

	if (at != NULL)
		spec = at + 1;
	return !strcmp(spec, "-") || !strcmp(spec, "/dev/stdin") ||
	    !strcmp(spec, "/dev/fd/0");
}

int
es_keysrc_reads_stdin(const struct es_keysrc_opts *o)
{
	size_t i;

	for (i = 0; i < o->n_password_files; i++)
		if (is_stdin_name(o->password_files[i], 0))
			return 1;
	for (i = 0; i < o->n_vault_ids; i++)
		if (is_stdin_name(o->vault_ids[i], 1))
			return 1;
	return 0;
}

/* --- age identities (-i/--identity, --identity-credential) ------------------------
 * The same trusted-input rule as password files (es_trust_read_secure);
 * each X25519 scalar goes into the candidate list labelled
 * ES_AGE_ID_LABEL, in guarded memory, wiped with the list. */

/* An identity file: age-keygen writes ~190 bytes; a file of many keys,
 * with comments, stays far below this. */
#define AGE_IDENTITY_FILE_MAX 65536

static int
age_add_file(struct es_secrets *out, const char *path, const char *what)
{
	struct es_sbuf b = { 0 };
	int r;

	r = es_trust_read_secure(path, what, AGE_IDENTITY_FILE_MAX, &b);
	if (r == ES_EUNSAFE || r == ES_ELIMIT)
		goto out;
	if (r != 0) {
		r = es_failf(ES_EKEYSRC, "%s %s: %s", what, path,
		    es_strerror(r));
		goto out;
	}
	/* The label names the kind, not the file (the file is named in
	 * the detail of any failure): job.c tells identities by it. */
	r = es_age_identities_parse(b.p, b.len, path, ES_AGE_ID_LABEL, out);
out:
	es_sbuf_free(&b);
	return r;
}

static int
age_add_credential(struct es_secrets *out, const char *name)
{
	const char *dir = getenv(ENV_CREDENTIALS);
	char path[KEYSRC_PATH_MAX];
	int n;

	if (dir == NULL || *dir == '\0')
		return es_failf(ES_EKEYSRC, "identity credential %s: "
		    "$CREDENTIALS_DIRECTORY is not set (LoadCredential= in the "
		    "unit)", name);
	if (*name == '\0' || strchr(name, '/') || !strcmp(name, ".") ||
	    !strcmp(name, ".."))
		return es_failf(ES_EUSAGE, "bad identity credential name");
	n = snprintf(path, sizeof path, "%s/%s", dir, name);
	if (n < 0 || (size_t)n >= sizeof path)
		return es_failf(ES_EKEYSRC, "identity credential path too long");
	return age_add_file(out, path, "identity credential");
}

int
es_keysrc_add_age_identities(const struct es_keysrc_opts *o,
    struct es_secrets *out)
{
	size_t i;
	int r = 0;

	for (i = 0; i < o->n_identities && r == 0; i++)
		r = age_add_file(out, o->identities[i], "identity file");
	for (i = 0; i < o->n_identity_credentials && r == 0; i++)
		r = age_add_credential(out, o->identity_credentials[i]);
	return r;
}
