/*
 * tests/unit/test_sandbox.c — the worker filter kills what it must and
 * allows what the job needs; es_worker_run renders the vectors, relays
 * domain errors and turns a misbehaving worker into ES_ESANDBOX.
 */
#include "sandbox/sandbox.h"
#include "sandbox/worker.h"
#include "render/render.h"
#include "crypto/crypto.h"
#include "tests/unit/t.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <sodium.h>
#include <nettle/pbkdf2.h>

enum probe { P_NOTHING, P_OPEN, P_SOCKET, P_EXEC_MAP, P_MPROTECT_EXEC,
	P_WRITE_OTHER, P_MALLOC_BIG, P_GETPID, P_FUTEX_PRIVATE,
	P_FUTEX_SHARED, P_THREAD_GETPID, P_HELPER_DERIVE };

/* A thread started before the filter: it waits for go, then makes a
 * syscall the filter forbids (TSYNC must have filtered it too). */
static atomic_int probe_go, probe_done;

static void *
probe_thread(void *arg)
{
	(void)arg;
	while (!atomic_load(&probe_go))
		;
	syscall(SYS_getpid);
	atomic_store(&probe_done, 1);
	return NULL;
}

/* Derivations a test makes at most before the helper has computed a
 * block (the caller takes what the helper has not started, so on a busy
 * machine the first ones may all be the caller's). */
#define HELPER_TRIES 300

/* The PBKDF2 helper under the filter: it computes blocks (futex and all)
 * and every key is nettle's. */
static int
helper_derive_ok(void)
{
	unsigned char a[ES_AV_DKLEN], b[ES_AV_DKLEN];
	size_t before = es_av_parallel_blocks(), i;
	int ok = 1;

	pbkdf2_hmac_sha256(2, (const uint8_t *)"pw", ES_AV_ROUNDS, 4,
	    (const uint8_t *)"salt", sizeof b, b);
	for (i = 0; i < HELPER_TRIES && es_av_parallel_blocks() == before;
	    i++) {
		es_av_derive((const unsigned char *)"pw", 2,
		    (const unsigned char *)"salt", 4, a);
		ok &= memcmp(a, b, sizeof a) == 0;
	}
	return ok && es_av_parallel_blocks() > before;
}

/* Fork, install the worker filter, do one thing; the wait status. */
static int
run_probe(enum probe what)
{
	int p[2], st;
	pid_t pid;
	void *m;

	if (pipe(p) != 0)
		return -1;
	if ((pid = fork()) == 0) {
		pthread_t t;

		if (what == P_THREAD_GETPID &&
		    pthread_create(&t, NULL, probe_thread, NULL) != 0)
			syscall(SYS_exit_group, 96);
		if (what == P_HELPER_DERIVE && es_av_parallel_start() != 0)
			syscall(SYS_exit_group, 96);
		if (es_seccomp_worker(p[0], p[1], 0, -1) != 0)
			syscall(SYS_exit_group, 99);
		switch (what) {
		case P_OPEN:
			open("/etc/hostname", O_RDONLY);
			break;
		case P_SOCKET:
			socket(AF_INET, SOCK_STREAM, 0);
			break;
		case P_EXEC_MAP:
			mmap(NULL, 4096, PROT_READ | PROT_EXEC,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			break;
		case P_MPROTECT_EXEC:
			m = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE |
			    MAP_ANONYMOUS, -1, 0);
			mprotect(m, 4096, PROT_READ | PROT_EXEC);
			break;
		case P_WRITE_OTHER:
			if (write(2, "x", 0) < 0)
				syscall(SYS_exit_group, 98);
			break;
		case P_MALLOC_BIG:
			m = malloc(8 << 20);
			memset(m, 1, 8 << 20);
			free(m);
			m = es_secure_alloc(100000);
			es_secure_free(m);
			if (write(p[1], "ok", 2) != 2)
				syscall(SYS_exit_group, 97);
			break;
		case P_GETPID:
			syscall(SYS_getpid);
			break;
		case P_FUTEX_PRIVATE:
			syscall(SYS_futex, &p[0], FUTEX_WAKE_PRIVATE, 1, NULL,
			    NULL, 0);
			break;
		case P_FUTEX_SHARED:
			syscall(SYS_futex, &p[0], FUTEX_WAKE, 1, NULL, NULL, 0);
			break;
		case P_THREAD_GETPID:
			atomic_store(&probe_go, 1);
			while (!atomic_load(&probe_done))
				;
			break;
		case P_HELPER_DERIVE:
			if (!helper_derive_ok())
				syscall(SYS_exit_group, 95);
			break;
		default:
			break;
		}
		/* Not _exit(): the sanitizers intercept it. */
		syscall(SYS_exit_group, 0);
	}
	close(p[0]);
	close(p[1]);
	if (pid < 0 || waitpid(pid, &st, 0) != pid)
		return -1;
	return st;
}

static int
killed_by_sigsys(int st)
{
	return st != -1 && WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS;
}

static void
test_filter(void)
{
	int st;

	st = run_probe(P_NOTHING);
	T_CHECK("filter: exit allowed", WIFEXITED(st) && WEXITSTATUS(st) == 0);
	T_CHECK("filter: open killed", killed_by_sigsys(run_probe(P_OPEN)));
	T_CHECK("filter: socket killed",
	    killed_by_sigsys(run_probe(P_SOCKET)));
	T_CHECK("filter: PROT_EXEC mmap killed",
	    killed_by_sigsys(run_probe(P_EXEC_MAP)));
	T_CHECK("filter: mprotect to exec killed",
	    killed_by_sigsys(run_probe(P_MPROTECT_EXEC)));
	T_CHECK("filter: write to another fd killed",
	    killed_by_sigsys(run_probe(P_WRITE_OTHER)));
	T_CHECK("filter: getpid killed",
	    killed_by_sigsys(run_probe(P_GETPID)));
	st = run_probe(P_FUTEX_PRIVATE);
	T_CHECK("filter: futex(FUTEX_WAKE_PRIVATE) allowed", WIFEXITED(st) &&
	    WEXITSTATUS(st) == 0);
	T_CHECK("filter: futex(FUTEX_WAKE), not private, killed",
	    killed_by_sigsys(run_probe(P_FUTEX_SHARED)));
	T_CHECK("filter: a thread started before it is filtered too (TSYNC)",
	    killed_by_sigsys(run_probe(P_THREAD_GETPID)));
	st = run_probe(P_HELPER_DERIVE);
	T_CHECK("filter: the PBKDF2 helper thread derives nettle's key under it",
	    WIFEXITED(st) && WEXITSTATUS(st) == 0);
	st = run_probe(P_MALLOC_BIG);
	T_CHECK("filter: malloc/sodium_malloc/write allowed", WIFEXITED(st) &&
	    WEXITSTATUS(st) == 0);
}

static void
test_tables(void)
{
	const struct es_seccomp_row *t;
	size_t n, i, ok = 1;

	t = es_seccomp_worker_table(&n);
	for (i = 0; i < n; i++)
		ok &= t[i].why && *t[i].why && !strcmp(t[i].action, "allow");
#if defined(__SANITIZE_ADDRESS__)
	T_CHECK("worker table: a reason per row", ok && n == 16);
#else
	T_CHECK("worker table: a reason per row", ok && n == 14);
#endif
	t = es_seccomp_writer_table(&n);
	for (ok = 1, i = 0; i < n; i++)
		ok &= t[i].why && *t[i].why;
	T_CHECK("writer table: a reason per row", ok && n > 10);
}

static unsigned char *
slurp(const char *name, size_t *len)
{
	char path[1024];
	const char *dir = getenv("VECTORS");
	unsigned char *buf;
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", dir ? dir : "tests/vectors",
	    name);
	if ((f = fopen(path, "rb")) == NULL)
		return NULL;
	buf = malloc(1 << 20);
	*len = fread(buf, 1, 1 << 20, f);
	fclose(f);
	return buf;
}

static void
test_worker_render(void)
{
	struct es_secrets secs;
	struct es_render_var statics[] = { { "PORT", "8080" } };
	struct es_render_spec spec = { "a.vault.yml", 0, NULL, 0, statics, 1,
		(const unsigned char *)"# x\nDB_USER=admin\nGONE=1\nPORT=9\n",
		32, 1 };
	struct es_job job = { 0 };
	struct es_job_result res;
	const char *want;
	unsigned char *in;
	size_t len;
	int r;

	memset(&secs, 0, sizeof secs);
	es_secrets_add(&secs, "default", (const unsigned char *)"wrong", 5);
	es_secrets_add(&secs, "default",
	    (const unsigned char *)"correct horse", 13);
	if ((in = slurp("a_v11_mapping.vault.yml", &len)) == NULL) {
		T_SKIP("worker render", "tests/vectors not found");
		return;
	}
	job.op = ES_JOB_RENDER;
	job.input_name = "a.vault.yml";
	job.input = in;
	job.input_len = len;
	job.secrets = &secs;
	job.render = &spec;
	/* PORT from the vault and the static PORT collide: an error. */
	r = es_worker_run(&job, &res);
	T_CHECK("worker relays a domain error", r == ES_ENAME &&
	    strstr(es_errdetail(), "PORT"));
	statics[0].name = "LISTEN";
	want = "# Managed by envseal from a.vault.yml; do not edit.\n"
	    "DB_USER=admin\nDB_PASS=s3cr3t\nPORT=5432\nLISTEN=8080\n";
	r = es_worker_run(&job, &res);
	T_CHECK("worker renders", r == 0 && res.out.len == strlen(want) &&
	    !memcmp(res.out.p, want, res.out.len));
	T_CHECK("worker names", r == 0 && res.nnames == 4 &&
	    !strcmp(res.names[3], "LISTEN"));
	T_CHECK("worker used index", res.used == 1);
	T_CHECK("worker counts the envelope it opened", res.nencrypted == 1);
	T_CHECK("worker diff", r == 0 && res.nadded == 2 && res.nremoved == 1
	    && !strcmp(res.removed[0], "GONE") && res.nchanged == 1 &&
	    !strcmp(res.changed[0], "PORT"));
	es_job_result_free(&res);

	es_secrets_free(&secs);
	es_secrets_add(&secs, "default", (const unsigned char *)"nope", 4);
	r = es_worker_run(&job, &res);
	T_CHECK("worker wrong key is ES_EKEY", r == ES_EKEY);

	/* A BUG() in the worker: ES_EBUG naming the location, not SIGSYS. */
	es_worker_test_bug(1);
	r = es_worker_run(&job, &res);
	es_worker_test_bug(0);
	T_CHECK("worker BUG is ES_EBUG", r == ES_EBUG);
	T_CHECK("worker BUG names the location",
	    strstr(es_errdetail(), "BUG at sandbox/worker.c:") != NULL &&
	    strstr(es_errdetail(), "(in the worker)") != NULL);
	T_CHECK("worker BUG gives no result", res.out.len == 0 &&
	    res.nnames == 0);
	r = es_worker_run(&job, &res);
	T_CHECK("a worker after the BUG one runs as before", r == ES_EKEY);
	free(in);
	es_secrets_free(&secs);
}

/* Issue 9 finding 2: plain YAML where a vault belongs is refused by the
 * worker on what it opened (ES_EINTEGRITY), unless allow_plaintext; an
 * inline file counts its decrypted !vault values. */
static void
test_worker_plaintext(void)
{
	struct es_secrets secs;
	struct es_render_var vars[] = { { "DB_PASSWORD", "db_password" } };
	struct es_render_spec spec = { "x.yml", 0, NULL, 0, NULL, 0, NULL, 0,
		0 };
	struct es_job job = { 0 };
	struct es_job_result res;
	unsigned char *plain, *inl;
	size_t plen, ilen;
	int r;

	memset(&secs, 0, sizeof secs);
	es_secrets_add(&secs, "default",
	    (const unsigned char *)"correct horse", 13);
	plain = slurp("a_plain.yml", &plen);
	inl = slurp("c_mixed_inline.yml", &ilen);
	if (plain == NULL || inl == NULL) {
		T_SKIP("worker plaintext", "tests/vectors not found");
		free(plain);
		free(inl);
		return;
	}
	job.op = ES_JOB_RENDER;
	job.input_name = "x.yml";
	job.input = plain;
	job.input_len = plen;
	job.secrets = &secs;
	job.render = &spec;
	r = es_worker_run(&job, &res);
	T_CHECK("plain yaml refused with a key: ES_EINTEGRITY",
	    r == ES_EINTEGRITY && strstr(es_errdetail(), "x.yml is not "
	    "encrypted") && res.out.len == 0);
	job.secrets = NULL;
	r = es_job_execute(&job, &res);
	T_CHECK("plain yaml refused with no key (in process too)",
	    r == ES_EINTEGRITY);
	job.allow_plaintext = 1;
	r = es_worker_run(&job, &res);
	T_CHECK("allow_plaintext renders it, nothing encrypted", r == 0 &&
	    res.nencrypted == 0 && res.nnames == 3);
	es_job_result_free(&res);
	job.allow_plaintext = 0;
	job.secrets = &secs;
	spec.explicit_vars = 1;   /* the file also holds a nested mapping */
	spec.vars = vars;
	spec.nvars = 1;
	job.input = inl;
	job.input_len = ilen;
	r = es_worker_run(&job, &res);
	T_CHECK("inline file: one !vault value decrypted and counted",
	    r == 0 && res.nencrypted == 1);
	es_job_result_free(&res);
	free(plain);
	free(inl);
	es_secrets_free(&secs);
}

static void
test_worker_decrypt(void)
{
	struct es_secrets secs;
	struct es_job job = { 0 };
	struct es_job_result res;
	unsigned char *in, *plain;
	size_t len, plen;
	int r;

	memset(&secs, 0, sizeof secs);
	es_secrets_add(&secs, "prod", (const unsigned char *)"prod-Pa55w0rd!",
	    14);
	in = slurp("b_v12_prod.vault.yml", &len);
	plain = slurp("b_plain.yml", &plen);
	if (in == NULL || plain == NULL) {
		T_SKIP("worker decrypt", "tests/vectors not found");
		return;
	}
	job.op = ES_JOB_DECRYPT;
	job.input_name = "b";
	job.input = in;
	job.input_len = len;
	job.secrets = &secs;
	r = es_worker_run(&job, &res);
	T_CHECK("worker decrypts", r == 0 && res.out.len == plen &&
	    !memcmp(res.out.p, plain, plen) && res.used == 0 &&
	    res.nnames == 0);
	es_job_result_free(&res);
	free(in);
	free(plain);
	es_secrets_free(&secs);
}

int
main(void)
{
	if (sodium_init() < 0)
		return 1;
	test_tables();
	test_filter();
	test_worker_render();
	test_worker_plaintext();
	test_worker_decrypt();
	return t_done();
}
