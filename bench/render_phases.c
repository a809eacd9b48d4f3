/*
 * bench/render_phases.c — where one render worker's job goes, in process:
 * the minimum over N iterations of each phase of what the worker does for
 * one env file (es_vault_open: envelope, PBKDF2, MAC, AES; the YAML
 * document model; mapping and encoding; the name diff against the old
 * file; freeing). No fork, no sandbox, no pipe: the job's own cost. Run
 * by bench/render_phases.sh, which makes the vaults and old files.
 *
 *	render_phases VAULT PASSWORD_FILE OLD_ENV_FILE [N]
 *
 * Prints one line: "open X yaml X render X diff X free X total X" (ms).
 * PBKDF2 runs on the helper thread as in the worker (crypto.h
 * es_av_parallel_start); PHASES_SERIAL=1 keeps it on one thread.
 */
#include "common/envseal.h"
#include "crypto/crypto.h"
#include "fs/fs.h"
#include "render/render.h"
#include "vault/vault.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sodium.h>

/* Iterations when N is not given, and the phases measured. */
#define PHASE_RUNS 30
enum { P_OPEN, P_YAML, P_RENDER, P_DIFF, P_FREE, P_TOTAL, P_N };

static double
now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

/* One job's phases into t[]; 0 or the first error. */
static int
one_run(const unsigned char *in, size_t len, const struct es_secrets *s,
    const unsigned char *old, size_t old_len, double t[P_N])
{
	struct es_sbuf pt = { 0 };
	struct es_ydoc *doc = NULL;
	struct es_render_spec spec;
	struct es_env env;
	struct es_env_diff d;
	double t0, t1, t2, t3, t4, t5;
	int used, r;

	memset(&spec, 0, sizeof spec);
	memset(&env, 0, sizeof env);
	spec.source = "bench";
	spec.old = old;
	spec.old_len = old_len;
	spec.have_old = 1;
	t0 = now_ms();
	if ((r = es_vault_open(in, len, s, &pt, &used)) != 0)
		return r;
	t1 = now_ms();
	if ((r = es_vault_load_doc(pt.p, pt.len, s, &doc, &used)) != 0)
		goto out;
	t2 = now_ms();
	if ((r = es_render_doc(&spec, doc, &env)) != 0)
		goto out;
	t3 = now_ms();
	if ((r = es_env_diff_env(old, old_len, &env, &d)) != 0)
		goto out;
	t4 = now_ms();
	es_env_diff_free(&d);
	es_env_free(&env);
	es_ydoc_free(doc);
	doc = NULL;
	es_sbuf_free(&pt);
	t5 = now_ms();
	t[P_OPEN] = t1 - t0;
	t[P_YAML] = t2 - t1;
	t[P_RENDER] = t3 - t2;
	t[P_DIFF] = t4 - t3;
	t[P_FREE] = t5 - t4;
	t[P_TOTAL] = t5 - t0;
out:
	es_env_free(&env);
	es_ydoc_free(doc);
	es_sbuf_free(&pt);
	return r;
}

int
main(int argc, char **argv)
{
	static const char *const name[P_N] = { "open", "yaml", "render",
		"diff", "free", "total" };
	struct es_secrets s;
	unsigned char *in = NULL, *pw = NULL, *old = NULL;
	size_t len, pwlen, old_len, i, k, runs = PHASE_RUNS;
	double t[P_N], best[P_N];
	int r, par;

	if (argc < 4 || argc > 5) {
		fprintf(stderr, "usage: render_phases VAULT PASSWORD_FILE "
		    "OLD_ENV_FILE [N]\n");
		return 2;
	}
	if (argc == 5 && (runs = strtoul(argv[4], NULL, 10)) == 0)
		runs = PHASE_RUNS;
	if (sodium_init() < 0)
		return 1;
	/* As the worker: PBKDF2's blocks 1 and 3 on the helper thread,
	 * unless PHASES_SERIAL is set (the one-thread job). */
	par = getenv("PHASES_SERIAL") == NULL && es_av_parallel_start() == 0;
	memset(&s, 0, sizeof s);
	if (es_user_read_file(argv[1], ES_VAULT_MAX, &in, &len) != 0 ||
	    es_user_read_file(argv[2], ES_SECRET_MAX, &pw, &pwlen) != 0 ||
	    es_user_read_file(argv[3], ES_VAULT_MAX, &old, &old_len) != 0) {
		fprintf(stderr, "render_phases: %s\n", es_errdetail());
		return 1;
	}
	while (pwlen > 0 && (pw[pwlen - 1] == '\n' || pw[pwlen - 1] == '\r'))
		pwlen--;
	if (es_secrets_add(&s, "default", pw, pwlen) != 0)
		return 1;
	for (k = 0; k < P_N; k++)
		best[k] = 1e300;
	for (i = 0; i < runs; i++) {
		if ((r = one_run(in, len, &s, old, old_len, t)) != 0) {
			fprintf(stderr, "render_phases: %s\n", es_errdetail());
			return 1;
		}
		for (k = 0; k < P_N; k++)
			if (t[k] < best[k])
				best[k] = t[k];
	}
	for (k = 0; k < P_N; k++)
		printf("%s%s %.2f", k ? " " : "", name[k], best[k]);
	printf("  (ms, minimum of %zu; PBKDF2 on %s)\n", runs,
	    par ? "two threads" : "one thread");
	es_secrets_free(&s);
	es_wipe(pw, pwlen);
	free(pw);
	free(in);
	free(old);
	return 0;
}
