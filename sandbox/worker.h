/*
 * sandbox/worker.h — the privilege-separated worker. Everything that
 * touches ciphertext or plaintext runs here: MAC check, decrypt, YAML
 * parse, variable mapping, env-file encoding, re-encryption.
 *
 * Calling sequence (parent):
 *	struct es_job job = { .op = ES_JOB_RENDER, .input = bytes, ... };
 *	struct es_job_result res = { 0 };
 *	r = es_worker_run(&job, &res);     // fork, sandbox, framed pipe
 *	... use res.out (guarded memory), res.names, res.used ...
 *	es_job_result_free(&res);
 *
 * The worker is forked, made non-dumpable with RLIMIT_CORE 0, closes every
 * other fd and installs a KILL_PROCESS seccomp filter before it reads its
 * first byte. Parent and worker speak typed, length-prefixed records with
 * hard size limits; the parent accepts only the records it expects, in
 * order. A worker killed by a signal or sending anything unexpected gives
 * ES_ESANDBOX (exit 4). A worker that reports a domain error (wrong key,
 * bad YAML, value not renderable) returns that code and its detail (names
 * only). A BUG() inside the worker is a bug, not a violation: the worker
 * sends an ES_EBUG result naming the location and exits
 * ES_WORKER_EXIT_BUG; the parent returns ES_EBUG (exit 70), "internal
 * error: BUG at FILE:LINE: MSG (in the worker)".
 *
 * es_job_execute() is the pure part, the same code the worker runs after
 * its filter is in; tests and fuzzers call it directly.
 */
#ifndef ENVSEAL_WORKER_H
#define ENVSEAL_WORKER_H

#include "common/envseal.h"
#include "common/id.h"
#include "crypto/crypto.h"

struct es_render_spec;   /* render/render.h */

enum es_job_op {
	ES_JOB_RENDER = 1,   /* vault -> env file bytes + names */
	ES_JOB_DECRYPT,      /* vault -> plaintext (whole file) or YAML with
	                        inline values decrypted in place */
	ES_JOB_REKEY,        /* vault -> same vault under new_secret */
	ES_JOB_AGE_RECIPIENTS, /* age file -> the same file to the recipients
	                        in new_secret (n * 32 bytes, label
	                        ES_AGE_RECIPIENTS_LABEL); res.nencrypted says
	                        how (vault/age.h enum es_age_reencrypted) */
	ES_JOB_SET,          /* vault -> the same vault with key set to plain
	                        (unset when plain is NULL), every other byte
	                        kept (vault/vault.h es_vault_set);
	                        res.nencrypted is the enum es_vset */
	ES_JOB_SEAL,         /* vault (or nothing: create) + edited plaintext
	                        -> the vault to write (es_vault_reseal);
	                        res.nencrypted 1 when it changed */
	ES_JOB_ROTATE,       /* `envseal rotate` of one vault, in one job:
	                        open with secrets (the old keys, then the
	                        new); opened by new_secret (an inline file:
	                        opened by new_secret alone) -> "already",
	                        res.out empty; else rekey to new_secret and
	                        open the result with new_secret alone to the
	                        same plaintext (else ES_EINTEGRITY) -> res.out
	                        the new vault. res.nencrypted: enum
	                        es_job_rotated; res.used: the key that opened
	                        the input. Derived keys are memoized for the
	                        job (crypto.h es_av_memo_on). */
};

/* ES_JOB_ROTATE's verdict (res.nencrypted). */
enum es_job_rotated {
	ES_JROT_REKEYED = 1,
	ES_JROT_ALREADY = 2,
};

/* The label of the recipients carried as new_secret (public keys: the
 * wire's secret record only carries them; a space: no vault-id label). */
#define ES_AGE_RECIPIENTS_LABEL "age recipients"

struct es_job {
	enum es_job_op op;
	const char *input_name;               /* file name, for details */
	const unsigned char *input;
	size_t input_len;
	const struct es_secrets *secrets;     /* candidates, in order */
	const struct es_secret *new_secret;   /* REKEY */
	const char *new_label;                /* REKEY; NULL keeps label */
	const struct es_render_spec *render;  /* RENDER */
	/* RENDER: 0 refuses a vault that holds no encrypted content (no
	 * whole-file envelope and no top-level !vault value) with
	 * ES_EINTEGRITY, decided by the worker on what it opened; 1 renders
	 * it (the policy's allow_plaintext). */
	int allow_plaintext;
	/* SET: the key; SET: its new value (NULL: unset); SEAL: the edited
	 * plaintext. Like input, read by the worker from the memory it
	 * inherits at fork (guarded memory: never on the pipe). new_secret
	 * and new_label: the secret a new value or file is sealed with. */
	const char *key;
	const unsigned char *plain;
	size_t plain_len;
	/* The parent's own work while the worker computes: called once in
	 * the parent, after the job is sent and before the result is read
	 * (the result pipe holds what the worker writes meanwhile), so it
	 * runs on the other core. Pure computation on the caller's memory,
	 * nothing visible; NULL: none. */
	void (*meanwhile)(void *ctx);
	void *meanwhile_ctx;
};

struct es_job_result {
	struct es_sbuf out;    /* env file, plaintext, or new vault */
	char **names;          /* RENDER: variable names in file order */
	size_t nnames;
	int used;              /* index in secrets that opened it; -1 none */
	/* RENDER: encrypted parts the worker opened: 1 for a whole-file
	 * envelope, else the number of top-level !vault values decrypted;
	 * 0 for plain YAML (only with allow_plaintext). */
	size_t nencrypted;
	/* RENDER, added: name lists against render->old, sorted by name
	 * (no old file: every name added). */
	char **added, **removed, **changed;
	size_t nadded, nremoved, nchanged;
};

/*
 * Wire bounds (added). Every record is a 4-byte type and a 4-byte length
 * followed by that many bytes; each type has its own ceiling and the
 * reader refuses a record over it before allocating.
 */
/* Vault bytes in: ES_VAULT_MAX (vault/vault.h). Env/plaintext/vault out:
 * ES_WIRE_OUT_MAX, the largest guarded buffer. */
#define ES_WIRE_OUT_MAX ES_SBUF_MAX
/* File names and vault names carried for details and the header. */
#define ES_WIRE_NAME_MAX 4096
/* A static value or vault variable name of a spec: one env line at most. */
#define ES_WIRE_VALUE_MAX 131071
/* The fixed-size job and status records. */
#define ES_WIRE_FIXED_MAX 64

/*
 * The ids a worker started as root switches to before it reads a byte:
 * one id, as uid and gid, drawn at random per run (randombytes, in the
 * parent before the fork) from ES_WORKER_ID_BASE .. +ES_WORKER_ID_COUNT-1
 * (common/id.h: 0x7E5E0000..0x7E5EFFFF, outside every range systemd
 * assigns), no supplementary groups. Not the shared nobody (65534): any
 * process of that uid could kill, stop or (were the worker dumpable)
 * ptrace it, since Linux lets a process signal another of its own uid.
 * An id of the block owns no file, no other process runs under it, and
 * two concurrent workers that drew the same one still cannot signal each
 * other: the filter allows no kill or ptrace. Numeric: no NSS lookup.
 */

/*
 * REKEY (added): the worker cannot call getrandom(). The caller seeds the
 * salt generator (crypto.h es_salt_seed(), or es_salt_fixed() in tests)
 * before es_worker_run(); the forked worker inherits it.
 */

int es_worker_run(const struct es_job *job, struct es_job_result *res);
/* TEST ONLY: the test build's cmd/main.c (ENVSEAL_TEST_HOOKS) calls this
 * when ENVSEAL_TEST_WORKER_BUG=1, and every later worker hits BUG() right
 * after its filter, before it runs the job (tests/cli/worker_bug.sh). The
 * release binary never calls it. */
void es_worker_test_bug(int on);
int es_job_execute(const struct es_job *job, struct es_job_result *res);
void es_job_result_free(struct es_job_result *res);

#endif
