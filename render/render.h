/*
 * render/render.h — systemd EnvironmentFile= rendering: the encoder (the
 * grammar of systemd 252's env-file reader, as render/env.c says), the mapping
 * from a vault document to variables, and a parser of the same grammar for
 * name-level diffs. The parent-side run that drives them (plan, confine,
 * commit) is run/run.h.
 *
 * Pure (runs in the sandboxed worker, see sandbox/worker.h): the encoder
 * es_env_*, es_render_doc() and es_env_diff(). Buffers in, buffers out; no
 * file, no process, memory syscalls only.
 *
 *	struct es_env env = { 0 };
 *	es_env_begin(&env, "group_vars/x.vault.yml");  // header comment
 *	es_env_put(&env, "PORT", "8080", 4);           // each variable
 *	... env.out (guarded), env.names[] ...
 *	es_env_free(&env);
 *
 * Errors: 0 or a negative code. Every refusal names the variable and never
 * carries its value: ES_EVALUE (NUL, bytes systemd's UTF-8 check rejects),
 * ES_ENAME (name not [A-Za-z_][A-Za-z0-9_]*, or given twice), ES_ELIMIT
 * (NAME=VALUE over ES_ENV_LINE_MAX, file at ES_ENV_FILE_MAX),
 * ES_EMISSING (a vault variable missing, null, a mapping or a sequence).
 */
#ifndef ENVSEAL_RENDER_H
#define ENVSEAL_RENDER_H

#include <stddef.h>
#include <sys/types.h>

#include "common/envseal.h"

/* Longest NAME=VALUE: the kernel's MAX_ARG_STRLEN (131072) minus the NUL;
 * a longer string makes execve fail with E2BIG (systemd 203/EXEC). */
#define ES_ENV_LINE_MAX 131071
/* systemd reads at most 64 MiB - 1 (READ_FULL_BYTES_MAX); a file that
 * large or larger is rejected whole. */
#define ES_ENV_FILE_MAX (((size_t)64 << 20) - 1)
/* Longest variable name we emit or accept from the worker: no real name
 * comes near it, and it bounds pipe records and audit records. */
#define ES_ENV_NAME_MAX 1024
/* Most variables in one env file: a vault holds at most ES_VAULT_MAX_KEYS
 * keys, plus the policy's static values (ES_POLICY_MAX_ITEMS). */
#define ES_ENV_VARS_MAX 100512
/* Longest vault name echoed in the header comment. */
#define ES_ENV_SOURCE_MAX 1024

/* One ENV_NAME -> vault variable (or static value) pair of a spec. */
struct es_render_var {
	const char *name;     /* env name */
	const char *value;    /* vault variable name, or the static value */
};

/* What the worker renders for one env file. */
struct es_render_spec {
	const char *source;              /* vault name for the header */
	int explicit_vars;               /* 0: every top-level key */
	const struct es_render_var *vars;
	size_t nvars;
	const struct es_render_var *statics;
	size_t nstatics;
	const unsigned char *old;        /* old env file, for the diff */
	size_t old_len;
	int have_old;                    /* 0: no old file (all added) */
};

/* An env file being built: guarded bytes plus the names, in order, and
 * where each value lies in out as encoded (for es_env_diff_env(): no
 * second parse of what the encoder just wrote). */
struct es_env {
	struct es_sbuf out;
	char **names;                    /* malloc'd; names are not secret */
	size_t *voff, *vlen;             /* value i: out.p[voff[i]..+vlen[i]) */
	unsigned char *quoted;           /* 1: in "...", \ " ` $ escaped */
	size_t nnames;
	size_t cap;
	size_t *byname;                  /* es_env_index's order, or NULL */
};

/* 1 when name matches [A-Za-z_][A-Za-z0-9_]* and fits ES_ENV_NAME_MAX. */
int es_env_name_valid(const char *name);
/* 1 when s[0..n) passes systemd 252's UTF-8 rule (no NUL, no surrogate,
 * no overlong form, nothing above U+10FFFF, no U+FDD0..U+FDEF, no code
 * point ending in FFFE/FFFF). */
int es_env_utf8_valid(const unsigned char *s, size_t n);
/* 1 when the value can be written bare (only [A-Za-z0-9_./:@%+,=-]). */
int es_env_value_bare(const unsigned char *s, size_t n);

/* Start a file with the header comment naming source (sanitised: no
 * backslash, no control byte). */
int es_env_begin(struct es_env *env, const char *source);
/* Append one variable; refusals name it (see the error contract). */
int es_env_put(struct es_env *env, const char *name,
    const unsigned char *value, size_t len);
void es_env_free(struct es_env *env);
/* Sort the names once (a stable index in env->byname, which the next
 * es_env_put drops): es_env_diff_env then sorts nothing. ES_ENAME naming
 * a variable given twice (the index is then not kept), -ENOMEM. */
int es_env_index(struct es_env *env);

/* Map a vault document to an env file per spec (vars in order, else every
 * top-level key with "vault_" dropped and upper-cased; statics after). */
struct es_ydoc;
int es_render_doc(const struct es_render_spec *spec,
    const struct es_ydoc *doc, struct es_env *env);

/* A parsed env file: systemd 252's state machine (env-file.c), names and
 * values in order, later duplicates replacing earlier ones. Values live in
 * one guarded buffer. */
struct es_env_parsed {
	char **names;
	size_t *off;          /* value i is val.p[off[i] .. off[i]+len[i]) */
	size_t *len;
	size_t n;
	struct es_sbuf val;
};
int es_env_parse(const unsigned char *in, size_t len,
    struct es_env_parsed *out);
void es_env_parsed_free(struct es_env_parsed *p);

/* Name lists of a diff, each sorted by name; malloc'd strings. */
struct es_env_diff {
	char **added, **removed, **changed;
	size_t nadded, nremoved, nchanged;
};
/* Compare the old file (parsed) with the new one (parsed too: the same
 * judge for both sides). */
int es_env_diff(const unsigned char *old, size_t old_len,
    const unsigned char *new, size_t new_len, struct es_env_diff *d);
/* The same diff, the new side taken from what the encoder recorded in env
 * (names, value spans) instead of parsing env->out again: the worker's
 * path. Equal to es_env_diff(old, old_len, env->out.p, env->out.len) for
 * any env built with es_env_put() (the encoder and the reader agree:
 * tests/fuzz/fuzz_envparse.c, tests/unit/test_render_diff.c). */
int es_env_diff_env(const unsigned char *old, size_t old_len,
    const struct es_env *env, struct es_env_diff *d);
void es_env_diff_free(struct es_env_diff *d);

/* Free a NULL-or-malloc'd array of n malloc'd strings. */
void es_strv_free(char **v, size_t n);

#endif
