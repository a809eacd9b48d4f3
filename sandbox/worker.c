/*
 * sandbox/worker.c — es_worker_run(): fork, confine, and talk to the worker
 * over two pipes in typed, length-prefixed records.
 *
 * Order of the conversation (no deadlock: the worker reads the whole job
 * before it writes a byte, and the parent writes the whole job before it
 * reads):
 *	parent -> worker: JOB, INPUT_NAME, (LABEL SECRET)*, [NEW_LABEL],
 *	    [NEWSEC_LABEL NEWSEC], [SOURCE (VAR_NAME VAR_VALUE)*
 *	    (STATIC_NAME STATIC_VALUE)*], END
 *	worker -> parent: STATUS, DETAIL, and when ok: OUT, NAME*, ADDED*,
 *	    REMOVED*, CHANGED*; then END and EOF.
 * The two large inputs are not sent: the worker is a fork and holds the
 * parent's bytes already, in copy-on-write pages that no one writes, so
 * no copy is made at all. The input (a vault as on disk, not secret, up
 * to 64 MiB) is in plain memory; a render's old env file (secret) is in
 * the parent's guarded memory, and inheriting it makes no new copy of it
 * (sending it made three: the parent's record buffer, the pipe, the
 * worker's buffer). Their lengths are checked on both sides of the fork.
 * In debug mode (ES_SANDBOX_DEBUG_ENV) a third pipe carries only the
 * number of a trapped syscall, 4 bytes.
 * The parent's pipe ends are non-blocking and every wait on them polls
 * against one deadline (ES_WORKER_TIMEOUT_SECONDS): a worker that hangs
 * is killed and reaped, and the run fails with ES_ESANDBOX.
 */
#include "sandbox/worker.h"
#include "sandbox/sandbox.h"
#include "crypto/crypto.h"
#include "render/render.h"
#include "vault/vault.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <grp.h>
#include <sys/resource.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <sodium.h>

enum wire_type {
	W_JOB = 0x4a4f4201,     /* the record types are spelled so that a */
	W_INPUT_NAME,           /* stray byte stream never matches one */
	W_LABEL,
	W_SECRET,
	W_NEW_LABEL,
	W_NEWSEC_LABEL,
	W_NEWSEC,
	W_SOURCE,
	W_VAR_NAME,
	W_VAR_VALUE,
	W_STATIC_NAME,
	W_STATIC_VALUE,
	W_END,
	W_STATUS = 0x52455301,
	W_DETAIL,
	W_OUT,
	W_NAME,
	W_ADDED,
	W_REMOVED,
	W_CHANGED,
	W_RES_END,
};

enum job_flags {
	JF_EXPLICIT = 1 << 0,
	JF_HAVE_OLD = 1 << 1,
	JF_NEWSEC = 1 << 2,
	JF_NEW_LABEL = 1 << 3,
	JF_SPEC = 1 << 4,
	JF_ALLOW_PLAIN = 1 << 5,
};

struct wire_job {
	uint32_t op, nsecrets, nvars, nstatics, flags;
};

struct wire_status {
	int32_t code, used;
	uint32_t nnames, nadded, nremoved, nchanged;
	uint32_t nencrypted;
};

/* Read-ahead of one pipe end: fewer syscalls than one read per record
 * header (a 10,000-name result is 20,000 records). */
#define WIO_BUF 65536

/* One pipe end: small records are assembled in out and sent by flush();
 * reads go through the in buffer. Both live in guarded memory (they carry
 * secrets) and are wiped when done. The large record (the result out)
 * bypasses both: put_big() writes it straight from the worker's buffer
 * and rd() reads it straight into its destination, so a megabyte crosses
 * the pipe without a guarded copy on either side. */
struct wio {
	int fd;
	struct es_sbuf out;
	unsigned char *in;
	size_t pos, len;
	int64_t deadline;      /* parent: CLOCK_MONOTONIC ms; 0 none */
};

/*
 * How long the parent waits for a worker. The worker only computes (no
 * I/O but its two pipes, no waiting on anything), so a worker past this
 * is hung or looping on hostile input; it is killed and the run fails
 * (ES_ESANDBOX) instead of hanging the deploy. The base covers the key
 * derivations (up to ES_SECRETS_MAX PBKDF2 runs of ~4 ms) and a 64 MiB
 * whole-file vault (a 2 MiB, 10,000-key one renders in ~25 ms here) many
 * times over; the per-MiB share covers inline values, one PBKDF2 each,
 * up to ~2,900 per MiB at ~360 bytes apiece (~12 s per MiB at 4 ms each,
 * more on a CPU without SHA instructions).
 */
#define ES_WORKER_TIMEOUT_SECONDS 120
#define ES_WORKER_TIMEOUT_PER_MIB 30
/*
 * TEST ONLY: tests/cli/render_hang.sh sets this to a few seconds so the
 * hung-worker test does not take two minutes. It can only lower the
 * bound, never raise it; it is deliberately not in --help or the man page.
 */
#define ES_WORKER_TIMEOUT_TEST_ENV "ENVSEAL_TEST_WORKER_TIMEOUT"

static int
wio_open(struct wio *io, int fd, int reading)
{
	memset(io, 0, sizeof *io);
	io->fd = fd;
	if (reading && (io->in = es_secure_alloc(WIO_BUF)) == NULL)
		return -ENOMEM;
	return 0;
}

static void
wio_close(struct wio *io)
{
	es_sbuf_free(&io->out);
	es_secure_free(io->in);   /* wipes */
	if (io->fd >= 0)
		close(io->fd);
	memset(io, 0, sizeof *io);
	io->fd = -1;
}

/* Pipe capacity asked for, best effort: with the default 64 KiB a
 * megabyte vault or result crosses in ~16 rounds of write, wake, read,
 * wake; 1 MiB is what an unprivileged process may ask for by default
 * (fs.pipe-max-size). The pages are only allocated as data arrives. */
#define WORKER_PIPE_SIZE (1 << 20)

/* Exit status of a worker that could not even report (pipe broken). */
#define WORKER_EXIT_BROKEN 3

/* The worker leaves with exit_group itself: _exit() may be intercepted
 * (the sanitizers' _exit runs leak checks and sigaltstack, which the
 * filter kills). */
__attribute__((noreturn)) static void
worker_exit(int status)
{
	syscall(SYS_exit_group, status);
	abort();   /* not reached: exit_group does not return */
}

/* ---- raw I/O ---- */

/*
 * Wait until fd is ready for events or the deadline passes (-ETIMEDOUT).
 * Reached only by the parent, whose pipe ends are non-blocking: the
 * worker's ends block, so it never gets EAGAIN and never calls poll,
 * which its filter does not allow.
 */
static int
wait_ready(int fd, short events, int64_t deadline)
{
	struct pollfd pfd = { .fd = fd, .events = events };
	int64_t left;
	int n;

	for (;;) {
		if (deadline == 0)
			left = -1;
		else if ((left = deadline - es_now_ms()) <= 0)
			return -ETIMEDOUT;
		n = poll(&pfd, 1, left > INT_MAX ? INT_MAX : (int)left);
		if (n > 0)
			return 0;   /* ready, or POLLHUP/POLLERR: the call says */
		if (n < 0 && errno != EINTR)
			return -errno;
	}
}

/* One read: bytes read, 0 at EOF, or a negative code. */
static ssize_t
read_some(int fd, void *buf, size_t n, int64_t deadline)
{
	ssize_t r;
	int w;

	for (;;) {
		if ((r = read(fd, buf, n)) >= 0)
			return r;
		if (errno == EAGAIN) {
			if ((w = wait_ready(fd, POLLIN, deadline)) != 0)
				return w;
		} else if (errno != EINTR)
			return -errno;
	}
}

static int
write_all(int fd, const void *buf, size_t n, int64_t deadline)
{
	const unsigned char *p = buf;
	ssize_t w;
	int r;

	while (n > 0) {
		if ((w = write(fd, p, n)) < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				return -errno;
			if ((r = wait_ready(fd, POLLOUT, deadline)) != 0)
				return r;
			continue;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* 0, or 1 at a clean EOF before the first byte, or -errno / -EPIPE. */
static int
read_all(int fd, void *buf, size_t n, int64_t deadline)
{
	unsigned char *p = buf;
	size_t got = 0;
	ssize_t r;

	while (got < n) {
		if ((r = read_some(fd, p + got, n - got, deadline)) < 0)
			return (int)r;
		if (r == 0)
			return got == 0 ? 1 : -EPIPE;
		got += (size_t)r;
	}
	return 0;
}

static int
put_hdr(struct wio *io, uint32_t type, size_t len)
{
	uint32_t hdr[2] = { type, (uint32_t)len };

	BUG_ON(len > UINT32_MAX);
	return es_sbuf_append(&io->out, hdr, sizeof hdr);
}

static int
put_rec(struct wio *io, uint32_t type, const void *data, size_t len)
{
	int r;

	if ((r = put_hdr(io, type, len)) != 0)
		return r;
	return es_sbuf_append(&io->out, data, len);
}

/* Send everything put so far in one go, then wipe it (the buffer is
 * kept for the next records; wio_close frees it). */
static int
flush(struct wio *io)
{
	int r = write_all(io->fd, io->out.p, io->out.len, io->deadline);

	if (io->out.len > 0)
		es_wipe(io->out.p, io->out.len);
	io->out.len = 0;
	return r;
}

/* A large record: its header after what is pending, then the bytes
 * written from where they are. */
static int
put_big(struct wio *io, uint32_t type, const void *data, size_t len)
{
	int r;

	if ((r = put_hdr(io, type, len)) != 0 || (r = flush(io)) != 0)
		return r;
	return len ? write_all(io->fd, data, len, io->deadline) : 0;
}

static int
put_str(struct wio *io, uint32_t type, const char *s)
{
	return put_rec(io, type, s, strlen(s));
}

/* Buffered read of exactly n bytes: 0, 1 at a clean EOF before the
 * first byte, or a negative code. */
static int
rd(struct wio *io, void *buf, size_t n)
{
	unsigned char *p = buf;
	size_t take, got = 0;
	ssize_t r;

	while (got < n) {
		if (io->pos == io->len) {
			if (n - got >= WIO_BUF) {
				r = read_all(io->fd, p + got, n - got,
				    io->deadline);
				return r == 0 ? 0 : (r == 1 && got == 0 ? 1 :
				    (r < 0 ? (int)r : -EPIPE));
			}
			r = read_some(io->fd, io->in, WIO_BUF, io->deadline);
			if (r < 0)
				return (int)r;
			if (r == 0)
				return got == 0 ? 1 : -EPIPE;
			io->pos = 0;
			io->len = (size_t)r;
		}
		take = io->len - io->pos < n - got ? io->len - io->pos : n - got;
		memcpy(p + got, io->in + io->pos, take);
		io->pos += take;
		got += take;
	}
	return 0;
}

/* Read the header of a record that must be of type want, at most max. */
static int
get_hdr(struct wio *io, uint32_t want, size_t max, size_t *len)
{
	uint32_t hdr[2];
	int r;

	if ((r = rd(io, hdr, sizeof hdr)) != 0)
		return r < 0 ? r : -EPIPE;
	if (hdr[0] != want || hdr[1] > max)
		return -EPROTO;
	*len = hdr[1];
	return 0;
}

/* A record into guarded memory allocated at its exact size (b is
 * empty, or reused when large enough). */
static int
get_secure(struct wio *io, uint32_t want, size_t max, struct es_sbuf *b)
{
	size_t len;
	int r;

	if ((r = get_hdr(io, want, max, &len)) != 0)
		return r;
	b->len = 0;
	if (b->cap < (len ? len : 1)) {
		es_sbuf_free(b);
		if ((b->p = es_secure_alloc(len)) == NULL)
			return -ENOMEM;
		b->cap = len ? len : 1;
	}
	if ((r = rd(io, b->p, len)) != 0)
		return r < 0 ? r : -EPIPE;
	b->len = len;
	return 0;
}

/* A record into a malloc'd NUL-terminated string without NUL inside. */
static int
get_str(struct wio *io, uint32_t want, size_t max, char **out)
{
	size_t len;
	char *s;
	int r;

	if ((r = get_hdr(io, want, max, &len)) != 0)
		return r;
	if ((s = malloc(len + 1)) == NULL)
		return -ENOMEM;
	if ((r = rd(io, s, len)) != 0) {
		free(s);
		return r < 0 ? r : -EPIPE;
	}
	s[len] = '\0';
	if (strlen(s) != len) {
		free(s);
		return -EPROTO;
	}
	*out = s;
	return 0;
}

static int
get_fixed(struct wio *io, uint32_t want, void *buf, size_t size)
{
	size_t len;
	int r;

	if ((r = get_hdr(io, want, ES_WIRE_FIXED_MAX, &len)) != 0)
		return r;
	if (len != size)
		return -EPROTO;
	r = rd(io, buf, size);
	return r == 0 ? 0 : (r < 0 ? r : -EPIPE);
}

/* ---- parent side: send the job ---- */

static int
send_pairs(struct wio *io, uint32_t tn, uint32_t tv, const struct es_render_var *v,
    size_t n)
{
	size_t i;
	int r = 0;

	for (i = 0; i < n && r == 0; i++)
		if ((r = put_str(io, tn, v[i].name)) == 0)
			r = put_str(io, tv, v[i].value);
	return r;
}

static int
send_spec(struct wio *io, const struct es_render_spec *s)
{
	int r;

	if ((r = put_str(io, W_SOURCE, s->source ? s->source : "")) != 0 ||
	    (r = send_pairs(io, W_VAR_NAME, W_VAR_VALUE, s->vars,
	    s->explicit_vars ? s->nvars : 0)) != 0)
		return r;
	return send_pairs(io, W_STATIC_NAME, W_STATIC_VALUE, s->statics,
	    s->nstatics);
}

static int
send_job(struct wio *io, const struct es_job *job)
{
	const struct es_render_spec *s = job->render;
	struct wire_job wj = { 0 };
	size_t i;
	int r;

	wj.op = (uint32_t)job->op;
	wj.nsecrets = job->secrets ? (uint32_t)job->secrets->n : 0;
	if (s != NULL) {
		wj.flags |= JF_SPEC | (s->explicit_vars ? JF_EXPLICIT : 0) |
		    (s->have_old ? JF_HAVE_OLD : 0);
		wj.nvars = s->explicit_vars ? (uint32_t)s->nvars : 0;
		wj.nstatics = (uint32_t)s->nstatics;
	}
	wj.flags |= (job->new_secret ? JF_NEWSEC : 0) |
	    (job->new_label ? JF_NEW_LABEL : 0) |
	    (job->allow_plaintext ? JF_ALLOW_PLAIN : 0);
	if ((r = put_rec(io, W_JOB, &wj, sizeof wj)) != 0 ||
	    (r = put_str(io, W_INPUT_NAME, job->input_name ?
	    job->input_name : "")) != 0)
		return r;
	for (i = 0; i < wj.nsecrets && r == 0; i++)
		if ((r = put_str(io, W_LABEL, job->secrets->v[i].label)) == 0)
			r = put_rec(io, W_SECRET, job->secrets->v[i].bytes,
			    job->secrets->v[i].len);
	if (r == 0 && job->new_label)
		r = put_str(io, W_NEW_LABEL, job->new_label);
	if (r == 0 && job->new_secret &&
	    (r = put_str(io, W_NEWSEC_LABEL, job->new_secret->label)) == 0)
		r = put_rec(io, W_NEWSEC, job->new_secret->bytes,
		    job->new_secret->len);
	if (r == 0 && s != NULL)
		r = send_spec(io, s);
	return r ? r : put_rec(io, W_END, NULL, 0);
}

/* Bounds a job must meet before it is sent: the worker checks them too. */
static int
check_job(const struct es_job *job)
{
	const struct es_render_spec *s = job->render;

	if (job->input_len > ES_VAULT_MAX)
		return es_failf(ES_ELIMIT, "%s: larger than %zu bytes",
		    job->input_name ? job->input_name : "input",
		    (size_t)ES_VAULT_MAX);
	if (job->op == ES_JOB_RENDER && s == NULL)
		return es_failf(ES_EBUG, "render job without a spec");
	if (job->plain_len > ES_VAULT_MAX)
		return es_failf(ES_ELIMIT, "%s: plaintext larger than %zu bytes",
		    job->input_name ? job->input_name : "input",
		    (size_t)ES_VAULT_MAX);
	if (job->op == ES_JOB_SET && (job->key == NULL ||
	    strlen(job->key) > ES_VAULT_KEY_MAX))
		return es_failf(ES_EBUG, "set job without a key");
	if (s != NULL && ((s->explicit_vars && s->nvars > ES_ENV_VARS_MAX) ||
	    s->nstatics > ES_ENV_VARS_MAX || s->old_len > ES_ENV_FILE_MAX))
		return es_failf(ES_ELIMIT, "render spec over its bounds");
	return 0;
}

/* ---- worker side: receive the job ---- */

struct wjob {
	struct es_job job;
	struct es_secrets secrets;
	struct es_secret newsec;
	struct es_sbuf tmp;
	char *input_name, *new_label, *source;
	struct es_render_var *vars, *statics;
	size_t nvars, nstatics;
	struct es_render_spec spec;
};

static int
recv_secret(struct wio *io, uint32_t tl, uint32_t ts, struct es_secret *sec,
    struct es_sbuf *tmp)
{
	char *label = NULL;
	int r;

	if ((r = get_str(io, tl, ES_LABEL_MAX, &label)) != 0)
		return r;
	memcpy(sec->label, label, strlen(label) + 1);
	free(label);
	if ((r = get_secure(io, ts, ES_SECRET_MAX, tmp)) != 0)
		return r;
	if ((sec->bytes = es_secure_alloc(tmp->len)) == NULL)
		return -ENOMEM;
	memcpy(sec->bytes, tmp->p, tmp->len);
	sec->len = tmp->len;
	es_wipe(tmp->p, tmp->len);
	return 0;
}

static int
recv_pairs(struct wio *io, uint32_t tn, uint32_t tv, size_t n,
    struct es_render_var **out)
{
	struct es_render_var *v;
	size_t i;
	int r = 0;

	if ((v = calloc(n ? n : 1, sizeof *v)) == NULL)
		return -ENOMEM;
	*out = v;
	for (i = 0; i < n && r == 0; i++)
		if ((r = get_str(io, tn, ES_ENV_NAME_MAX, (char **)&v[i].name))
		    == 0)
			r = get_str(io, tv, ES_WIRE_VALUE_MAX,
			    (char **)&v[i].value);
	return r;
}

static int
recv_spec(struct wio *io, const struct wire_job *wj,
    const struct es_render_spec *parent, struct wjob *w)
{
	int r;

	/* The old env file is the parent's (see the top of this file). */
	if (parent == NULL || parent->old_len > ES_ENV_FILE_MAX ||
	    !parent->have_old != !(wj->flags & JF_HAVE_OLD) ||
	    (parent->have_old && parent->old == NULL && parent->old_len > 0))
		return -EPROTO;

	if ((r = get_str(io, W_SOURCE, ES_WIRE_NAME_MAX, &w->source)) != 0 ||
	    (r = recv_pairs(io, W_VAR_NAME, W_VAR_VALUE, wj->nvars,
	    &w->vars)) != 0)
		return r;
	w->nvars = wj->nvars;
	if ((r = recv_pairs(io, W_STATIC_NAME, W_STATIC_VALUE, wj->nstatics,
	    &w->statics)) != 0)
		return r;
	w->nstatics = wj->nstatics;
	w->spec.source = w->source;
	w->spec.explicit_vars = !!(wj->flags & JF_EXPLICIT);
	w->spec.vars = w->vars;
	w->spec.nvars = w->nvars;
	w->spec.statics = w->statics;
	w->spec.nstatics = w->nstatics;
	w->spec.have_old = !!(wj->flags & JF_HAVE_OLD);
	w->spec.old = parent->have_old ? parent->old : NULL;
	w->spec.old_len = parent->have_old ? parent->old_len : 0;
	w->job.render = &w->spec;
	return 0;
}

/* The job from the pipe; the input from the parent's memory, which the
 * worker inherited at fork (see the top of this file). */
static int
recv_job(struct wio *io, const struct es_job *parent, struct wjob *w)
{
	struct wire_job wj;
	size_t i;
	int r;

	if ((r = get_fixed(io, W_JOB, &wj, sizeof wj)) != 0)
		return r;
	if (wj.nsecrets > ES_SECRETS_MAX || wj.nvars > ES_ENV_VARS_MAX ||
	    wj.nstatics > ES_ENV_VARS_MAX)
		return -EPROTO;
	w->job.op = (enum es_job_op)wj.op;
	if (parent->input_len > ES_VAULT_MAX)
		return -EPROTO;
	if ((r = get_str(io, W_INPUT_NAME, ES_WIRE_NAME_MAX,
	    &w->input_name)) != 0)
		return r;
	for (i = 0; i < wj.nsecrets && r == 0; i++, w->secrets.n++)
		r = recv_secret(io, W_LABEL, W_SECRET, &w->secrets.v[i],
		    &w->tmp);
	if (r == 0 && (wj.flags & JF_NEW_LABEL))
		r = get_str(io, W_NEW_LABEL, ES_LABEL_MAX, &w->new_label);
	if (r == 0 && (wj.flags & JF_NEWSEC) &&
	    (r = recv_secret(io, W_NEWSEC_LABEL, W_NEWSEC, &w->newsec,
	    &w->tmp)) == 0)
		w->job.new_secret = &w->newsec;
	if (r == 0 && (wj.flags & JF_SPEC))
		r = recv_spec(io, &wj, parent->render, w);
	if (r == 0)
		r = get_hdr(io, W_END, 0, &i);
	w->job.input_name = w->input_name;
	w->job.input = parent->input;
	w->job.input_len = parent->input_len;
	w->job.secrets = &w->secrets;
	/* ANSIBLE_VAULT_ID_MATCH: a flag, inherited like the input. */
	w->secrets.id_match = parent->secrets ? parent->secrets->id_match : 0;
	w->job.new_label = w->new_label;
	/* SET and SEAL: the key and the value or plaintext, inherited. */
	w->job.key = parent->key;
	w->job.plain = parent->plain;
	w->job.plain_len = parent->plain_len;
	w->job.allow_plaintext = !!(wj.flags & JF_ALLOW_PLAIN);
	return r;
}

/* ---- worker side: send the result ---- */

static int
send_names(struct wio *io, uint32_t type, char **v, size_t n)
{
	size_t i, need = 0;
	int r = 0;

	/* One guarded allocation for the whole list, not log2(n) doublings. */
	for (i = 0; i < n; i++)
		need += 8 + strlen(v[i]);
	if ((r = es_sbuf_reserve(&io->out, need)) != 0)
		return r;

	for (i = 0; i < n && r == 0; i++)
		r = put_str(io, type, v[i]);
	return r;
}

static int
send_result(struct wio *io, int code, const struct es_job_result *res)
{
	struct wire_status st = { 0 };
	int r;

	st.code = code;
	st.used = res->used;
	if (code == 0) {
		st.nnames = (uint32_t)res->nnames;
		st.nadded = (uint32_t)res->nadded;
		st.nremoved = (uint32_t)res->nremoved;
		st.nchanged = (uint32_t)res->nchanged;
		st.nencrypted = res->nencrypted > ES_VAULT_MAX_INLINE ?
		    ES_VAULT_MAX_INLINE : (uint32_t)res->nencrypted;
	}
	if ((r = put_rec(io, W_STATUS, &st, sizeof st)) != 0 ||
	    (r = put_str(io, W_DETAIL, code ? es_errdetail() : "")) != 0)
		return r;
	if (code == 0 &&
	    ((r = put_big(io, W_OUT, res->out.p, res->out.len)) != 0 ||
	    (r = send_names(io, W_NAME, res->names, res->nnames)) != 0 ||
	    (r = send_names(io, W_ADDED, res->added, res->nadded)) != 0 ||
	    (r = send_names(io, W_REMOVED, res->removed, res->nremoved)) != 0 ||
	    (r = send_names(io, W_CHANGED, res->changed, res->nchanged)) != 0))
		return r;
	return put_rec(io, W_RES_END, NULL, 0);
}

static int
by_fd(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

/* Close every descriptor but the n in keep (stdin/out/err included). */
static int
close_others(int *keep, size_t n)
{
	unsigned lo = 0;
	size_t i;

	qsort(keep, n, sizeof *keep, by_fd);   /* before the filter */
	for (i = 0; i < n; i++) {
		if ((unsigned)keep[i] > lo &&
		    close_range(lo, (unsigned)keep[i] - 1, 0) != 0)
			return -errno;
		lo = (unsigned)keep[i] + 1;
	}
	return close_range(lo, ~0U, 0) != 0 ? -errno : 0;
}

/*
 * A worker started by root gives root up, to the per-run id the parent
 * drew (worker.h): should the filter ever fail, the code that parses
 * hostile input still holds no privilege, and no other process shares its
 * uid to signal it. The lock limit is raised first (rlimits survive
 * setuid) so that sodium_malloc can still keep secret pages out of swap.
 * Without CAP_SYS_RESOURCE (some containers) the raise fails and we go
 * on: sodium_malloc ignores a failed mlock, so pages past the inherited
 * limit (8 MiB on Debian) are then swappable; giving up root is worth
 * more.
 */
static int
drop_root(uid_t id)
{
	struct rlimit inf = { RLIM_INFINITY, RLIM_INFINITY };
	uid_t ru, eu, su;
	gid_t rg, eg, sg;

	if (geteuid() != 0)
		return 0;
	if (!ES_ID_IS_WORKER(id))
		return ES_EBUG;
	(void)setrlimit(RLIMIT_MEMLOCK, &inf);   /* best effort, see above */
	/* Groups first: once the uid is gone, so is the right to drop them. */
	if (setgroups(0, NULL) != 0 || setresgid(id, id, id) != 0 ||
	    setresuid(id, id, id) != 0)
		return -errno;
	/* Checked, not assumed: every id is the new one, no group is left,
	 * and getting root back fails. */
	if (getresuid(&ru, &eu, &su) != 0 || getresgid(&rg, &eg, &sg) != 0 ||
	    ru != id || eu != id || su != id || rg != id || eg != id ||
	    sg != id || getgroups(0, NULL) != 0)
		return ES_EINTERNAL;
	return setresuid(0, 0, 0) == 0 ? ES_EINTERNAL : 0;
}

/* The worker's id for this run: uniform over the reserved block. Drawn
 * in the parent: the worker's filter allows no getrandom(). */
static uid_t
worker_id(void)
{
	return (uid_t)(ES_WORKER_ID_BASE +
	    randombytes_uniform((uint32_t)ES_WORKER_ID_COUNT));
}

/* OpenSSH's belt and braces: no new files, no writes to files, no
 * processes, whatever the filter allows. */
static int
limit_resources(void)
{
	static const int res[] = { RLIMIT_NOFILE, RLIMIT_FSIZE, RLIMIT_NPROC };
	struct rlimit zero = { 0, 0 };
	size_t i;

	for (i = 0; i < sizeof res / sizeof res[0]; i++)
		if (setrlimit(res[i], &zero) != 0)
			return -errno;
	return 0;
}

static int test_bug;   /* es_worker_test_bug(), inherited by the fork */

void
es_worker_test_bug(int on)
{
	test_bug = on;
}

/* The worker's result pipe, for worker_bug(). */
static int bug_fd = -1;

/*
 * BUG() inside the worker (es_bug_set_handler): the default handler's
 * stderr is closed here and its abort() is not in the filter (SIGSYS: the
 * user would read "sandbox violation"). Instead the worker sends, straight
 * to the fd and past whatever it had buffered, a complete failure result
 * (STATUS ES_EBUG, DETAIL "internal error: BUG at FILE:LINE: MSG", END)
 * and exits ES_WORKER_EXIT_BUG; the parent takes the two together as
 * ES_EBUG (child_status). BUG messages are fixed strings and a location,
 * never data. Only write and exit_group: both in the filter.
 */
__attribute__((noreturn)) static void
worker_bug(const char *file, int line, const char *msg)
{
	static unsigned char rec[ES_ERRDETAIL_MAX + 64];
	struct wire_status st = { .code = ES_EBUG, .used = -1 };
	uint32_t hdr[2];
	size_t n = 0;
	int len;

	hdr[0] = W_STATUS;
	hdr[1] = sizeof st;
	memcpy(rec + n, hdr, sizeof hdr);
	memcpy(rec + n + sizeof hdr, &st, sizeof st);
	n += sizeof hdr + sizeof st;
	len = snprintf((char *)rec + n + sizeof hdr, ES_ERRDETAIL_MAX,
	    "internal error: BUG at %s:%d: %s (in the worker)", file, line,
	    msg);
	if (len < 0)
		len = 0;
	else if (len >= ES_ERRDETAIL_MAX)
		len = ES_ERRDETAIL_MAX - 1;
	hdr[0] = W_DETAIL;
	hdr[1] = (uint32_t)len;
	memcpy(rec + n, hdr, sizeof hdr);
	n += sizeof hdr + (size_t)len;
	hdr[0] = W_RES_END;
	hdr[1] = 0;
	memcpy(rec + n, hdr, sizeof hdr);
	n += sizeof hdr;
	if (bug_fd >= 0)
		(void)write_all(bug_fd, rec, n, 0);
	worker_exit(ES_WORKER_EXIT_BUG);
}

__attribute__((noreturn)) static void
worker_main(int in_fd, int out_fd, int debug_fd, const struct es_job *job,
    uid_t id)
{
	int keep[3] = { in_fd, out_fd, debug_fd };
	static struct wjob w;   /* static: keeps the stack small */
	struct es_job_result res;
	struct rlimit no_core = { 0, 0 };
	struct wio in, out;
	int r;

	/* From here a BUG() is reported to the parent (worker_bug). */
	bug_fd = out_fd;
	es_bug_set_handler(worker_bug);
	/* Before a single byte: no root, no core, no ptrace peers, no other
	 * fds, then the filter. The PBKDF2 helper thread (crypto.h) starts
	 * after root is gone (setresuid would otherwise signal it) and
	 * before RLIMIT_NPROC 0 forbids it; the filter, loaded with TSYNC,
	 * covers it. Without it (no thread to be had) the worker derives
	 * serially. */
	if (drop_root(id) != 0 ||
	    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0 ||
	    setrlimit(RLIMIT_CORE, &no_core) != 0)
		worker_exit(WORKER_EXIT_BROKEN);
	(void)es_av_parallel_start();   /* best effort: serial without it */
	if (limit_resources() != 0 ||
	    close_others(keep, debug_fd >= 0 ? 3 : 2) != 0 ||
	    es_seccomp_worker(in_fd, out_fd, debug_fd >= 0, debug_fd) != 0)
		worker_exit(WORKER_EXIT_BROKEN);
	memset(&res, 0, sizeof res);
	res.used = -1;
	es_errclear();
	if (wio_open(&in, in_fd, 1) != 0 || wio_open(&out, out_fd, 0) != 0 ||
	    recv_job(&in, job, &w) != 0)
		worker_exit(WORKER_EXIT_BROKEN);
	if (test_bug)
		BUG("test hook ENVSEAL_TEST_WORKER_BUG");
	r = es_job_execute(&w.job, &res);
	if (send_result(&out, r, &res) != 0 || flush(&out) != 0)
		worker_exit(WORKER_EXIT_BROKEN);
	/* No cleanup: the process image dies now, and nothing is dumped. */
	worker_exit(0);
}

/* ---- parent side: receive the result ---- */

/* n names into *out; *count is set first, so a failure halfway leaves
 * NULL slots that es_strv_free() skips. */
static int
recv_names(struct wio *io, uint32_t type, size_t n, char ***out, size_t *count)
{
	char **v;
	size_t i;
	int r = 0;

	if (n > ES_ENV_VARS_MAX)
		return -EPROTO;
	if ((v = calloc(n ? n : 1, sizeof *v)) == NULL)
		return -ENOMEM;
	*out = v;
	*count = n;
	for (i = 0; i < n && r == 0; i++)
		if ((r = get_str(io, type, ES_ENV_NAME_MAX, &v[i])) == 0 &&
		    !es_env_name_valid(v[i]))
			r = -EPROTO;
	return r;
}

/* A domain code or -errno the worker may legitimately report. */
static int
code_ok(int code)
{
	return code == 0 || (code >= ES_EUSAGE && code <= ES_ECODE_LAST &&
	    code != ES_ESANDBOX) || (code < 0 && code > -4096);
}

/* The detail is the worker's words: keep printable ASCII and UTF-8. */
static void
relay_detail(int code, char *d)
{
	size_t i;

	for (i = 0; d[i] != '\0'; i++)
		if ((unsigned char)d[i] < 0x20 || d[i] == 0x7f)
			d[i] = '?';
	if (*d)
		es_failf(code, "%s", d);
	else
		es_errclear();
}

static int
recv_result(struct wio *io, const struct es_job *job, struct es_job_result *res,
    int *code)
{
	struct wire_status st;
	char *detail = NULL;
	size_t max = job->op == ES_JOB_RENDER ? ES_ENV_FILE_MAX :
	    ES_WIRE_OUT_MAX;
	int r;

	if ((r = get_fixed(io, W_STATUS, &st, sizeof st)) != 0 ||
	    (r = get_str(io, W_DETAIL, ES_ERRDETAIL_MAX, &detail)) != 0)
		goto out;
	if (!code_ok(st.code) || st.used < -1 ||
	    st.used >= (job->secrets ? (int)job->secrets->n : 0)) {
		r = -EPROTO;
		goto out;
	}
	*code = st.code;
	res->used = st.used;
	if (st.code != 0) {
		relay_detail(st.code, detail);
		goto end;
	}
	/* AGE_RECIPIENTS: nencrypted is how (0..2, vault/age.h). */
	/* SEAL: the key names an edit changed, for the audit record. */
	if ((job->op != ES_JOB_RENDER && (st.nnames || ((st.nadded ||
	    st.nremoved || st.nchanged) && job->op != ES_JOB_SEAL) ||
	    (st.nencrypted &&
	    job->op != ES_JOB_AGE_RECIPIENTS && job->op != ES_JOB_SET &&
	    job->op != ES_JOB_SEAL && job->op != ES_JOB_ROTATE))) ||
	    (job->op == ES_JOB_ROTATE && (st.nencrypted < ES_JROT_REKEYED ||
	    st.nencrypted > ES_JROT_ALREADY)) ||
	    (job->op == ES_JOB_SET && st.nencrypted > ES_VSET_REMOVED) ||
	    (job->op == ES_JOB_SEAL && st.nencrypted > 1) ||
	    st.nencrypted > ES_VAULT_MAX_INLINE ||
	    (job->op == ES_JOB_AGE_RECIPIENTS && st.nencrypted > 2)) {
		r = -EPROTO;
		goto out;
	}
	res->nencrypted = st.nencrypted;
	if ((r = get_secure(io, W_OUT, max, &res->out)) != 0 ||
	    (r = recv_names(io, W_NAME, st.nnames, &res->names,
	    &res->nnames)) != 0 ||
	    (r = recv_names(io, W_ADDED, st.nadded, &res->added,
	    &res->nadded)) != 0 ||
	    (r = recv_names(io, W_REMOVED, st.nremoved, &res->removed,
	    &res->nremoved)) != 0 ||
	    (r = recv_names(io, W_CHANGED, st.nchanged, &res->changed,
	    &res->nchanged)) != 0)
		goto out;
end:
	r = get_hdr(io, W_RES_END, 0, &max);
out:
	free(detail);
	return r;
}

/* Debug mode: the trapped syscall's number, named. */
static int
trapped(int dbg)
{
	char name[64];
	int32_t nr;

	if (dbg < 0 || read_all(dbg, &nr, sizeof nr, 0) != 0)
		return es_failf(ES_ESANDBOX, "worker trapped (debug mode)");
	es_seccomp_syscall_name(nr, name, sizeof name);
	return es_failf(ES_ESANDBOX, "worker made a forbidden syscall: %s "
	    "(#%d)", name, (int)nr);
}

/* How the worker ended. code: what its result said (ES_EBUG with the BUG's
 * location in the detail, when it reported one). */
static int
child_status(pid_t pid, int dbg, int code)
{
	int st;

	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return es_failf(ES_ESANDBOX, "worker lost: %s",
			    strerror(errno));
	if (WIFSIGNALED(st))
		return es_failf(ES_ESANDBOX, "worker killed by signal %d%s",
		    WTERMSIG(st), WTERMSIG(st) == SIGSYS ?
		    " (SIGSYS: a forbidden syscall)" : "");
	if (WIFEXITED(st) && WEXITSTATUS(st) == ES_WORKER_EXIT_TRAPPED)
		return trapped(dbg);
	if (WIFEXITED(st) && WEXITSTATUS(st) == ES_WORKER_EXIT_BUG)
		return code == ES_EBUG ? ES_EBUG : es_failf(ES_EBUG,
		    "internal error: BUG in the worker (its report was lost)");
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		return es_failf(ES_ESANDBOX, "worker exited with status %d",
		    WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	return 0;
}

/* Seconds the worker gets for this job (see ES_WORKER_TIMEOUT_SECONDS). */
static long
worker_timeout(const struct es_job *job)
{
	long t = ES_WORKER_TIMEOUT_SECONDS + ES_WORKER_TIMEOUT_PER_MIB *
	    (long)(job->input_len >> 20), v;
	const char *e = getenv(ES_WORKER_TIMEOUT_TEST_ENV);
	char *end;

	if (e != NULL && *e != '\0') {
		errno = 0;
		v = strtol(e, &end, 10);
		if (errno == 0 && *end == '\0' && v > 0 && v < t)
			t = v;   /* test only: lower, never higher */
	}
	return t;
}

/* The parent's ends poll with the deadline; the worker's stay blocking. */
static int
set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) != 0)
		return -errno;
	return 0;
}

/* A worker past its deadline: kill it, reap it, name the cause. */
static int
hung(pid_t pid, long secs)
{
	int st;

	(void)kill(pid, SIGKILL);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	return es_failf(ES_ESANDBOX, "worker gave no result within %ld s; "
	    "killed it", secs);
}

/* The parent's half of one run, with the pipes set up. */
static int
converse(pid_t pid, int to, int from, int dbg, const struct es_job *job,
    struct es_job_result *res)
{
	struct sigaction ign, old;
	struct wio out, in;
	unsigned char eof;
	long secs = worker_timeout(job);
	int r, code = 0, st;

	/* A dead worker must give EPIPE, not kill us with SIGPIPE. */
	memset(&ign, 0, sizeof ign);
	ign.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &ign, &old);
	wio_open(&out, to, 0);
	if ((r = wio_open(&in, from, 1)) == 0 &&
	    (r = set_nonblock(to)) == 0 && (r = set_nonblock(from)) == 0) {
		out.deadline = in.deadline = es_now_ms() + (int64_t)secs * 1000;
		if ((r = send_job(&out, job)) == 0)
			r = flush(&out);
	}
	wio_close(&out);   /* the worker sees EOF after the job */
	if (r == 0 && job->meanwhile != NULL)
		job->meanwhile(job->meanwhile_ctx);
	if (r == 0)
		r = recv_result(&in, job, res, &code);
	if (r == 0 && (st = rd(&in, &eof, 1)) != 1)
		r = st == -ETIMEDOUT ? st : -EPROTO;   /* bytes after the end */
	sigaction(SIGPIPE, &old, NULL);
	wio_close(&in);
	if (r == -ETIMEDOUT)
		return hung(pid, secs);
	st = child_status(pid, dbg, r == 0 ? code : 0);
	if (st != 0)
		return st;
	if (r != 0)
		return es_failf(ES_ESANDBOX, "worker broke the protocol (%s)",
		    r == -EPROTO ? "unexpected record" : strerror(-r));
	return code;
}

static int
debug_enabled(void)
{
	const char *e = getenv(ES_SANDBOX_DEBUG_ENV);

	return e != NULL && e[0] == '1';
}

static void
close_all(int *fd, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (fd[i] >= 0)
			close(fd[i]);
}

int
es_worker_run(const struct es_job *job, struct es_job_result *res)
{
	/* job pipe, result pipe, debug pipe (debug mode only) */
	int fd[6] = { -1, -1, -1, -1, -1, -1 }, r;
	pid_t pid;
	uid_t id;

	memset(res, 0, sizeof *res);
	res->used = -1;
	if ((r = check_job(job)) != 0)
		return r;
	/* Libraries initialise in the parent: the worker could not read
	 * /dev/urandom or call getrandom() (idempotent when done already;
	 * nettle and libyaml need nothing). */
	if (sodium_init() < 0)
		return es_failf(ES_EINTERNAL, "libsodium failed to initialise");
	id = worker_id();
	if (pipe2(fd, O_CLOEXEC) != 0 || pipe2(fd + 2, O_CLOEXEC) != 0 ||
	    (debug_enabled() && pipe2(fd + 4, O_CLOEXEC) != 0)) {
		r = -errno;
		close_all(fd, 6);
		return r;
	}
	/* Best effort (a per-user pipe quota may refuse): only speed. */
	(void)fcntl(fd[1], F_SETPIPE_SZ, WORKER_PIPE_SIZE);
	(void)fcntl(fd[3], F_SETPIPE_SZ, WORKER_PIPE_SIZE);
	/* Nothing buffered may be flushed twice, by us and by the child. */
	fflush(NULL);
	if ((pid = fork()) < 0) {
		r = -errno;
		close_all(fd, 6);
		return r;
	}
	if (pid == 0)
		worker_main(fd[0], fd[3], fd[5], job, id);   /* closes the rest */
	close(fd[0]);
	close(fd[3]);
	if (fd[5] >= 0)
		close(fd[5]);
	r = converse(pid, fd[1], fd[2], fd[4], job, res);
	if (fd[4] >= 0)
		close(fd[4]);
	if (r != 0)
		es_job_result_free(res);
	return r;
}
