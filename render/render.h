/*
 * render/render.h — systemd EnvironmentFile= rendering: the encoder (the
 * grammar of systemd 252's env-file reader, as render/env.c says), the mapping
 * from a vault document to variables, a parser of the same grammar for
 * name-level diffs, and the render run that `envseal render` and
 * `envseal apply` drive.
 *
 * Two halves with different trust:
 *
 *  - Pure (runs in the sandboxed worker, see sandbox/worker.h): the
 *    encoder es_env_*, es_render_doc() and es_env_diff(). Buffers in,
 *    buffers out; no file, no process, memory syscalls only.
 *
 *	struct es_env env = { 0 };
 *	es_env_begin(&env, "group_vars/x.vault.yml");  // header comment
 *	es_env_put(&env, "PORT", "8080", 4);           // each variable
 *	... env.out (guarded), env.names[] ...
 *	es_env_free(&env);
 *
 *  - The run (parent, root): es_render_prepare() resolves owners, reads
 *    the vaults and old env files, loads keys and runs the worker;
 *    es_render_confine() confines the writer (sandbox/sandbox.h);
 *    es_render_commit() writes through fs/. es_render_run() chains them
 *    for `envseal render`; `envseal apply` puts provisioning around them.
 *    The parent never parses decrypted content.
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

/* ---- the run (parent) ---- */

struct es_root;
struct es_policy;
struct es_report;
struct es_keysrc_opts;

enum es_render_flags {
	ES_RENDER_CHECK = 1 << 0,     /* plan only: the root must be opened
	                                 with ES_ROOT_CHECK, else an error */
	ES_RENDER_NO_CONFINE = 1 << 1, /* caller confines the writer itself */
};

struct es_render_opts {
	const struct es_keysrc_opts *keys;  /* where passwords come from */
	const char *vault;                  /* --vault: override (one file) */
	const char *const *extra_dirs;      /* more writable dirs (apply) */
	size_t nextra_dirs;
	unsigned flags;                     /* enum es_render_flags */
	/* Owner resolver (apply: es_provision_resolve over the planned
	 * passwd and group, whose accounts may not exist yet); NULL: the
	 * root's /etc/passwd and /etc/group. */
	int (*resolve)(void *arg, const char *user, const char *group,
	    uid_t *uid, gid_t *gid);
	void *resolve_arg;
	/* Out: 1 when the kernel had no Landlock (cmd/ warns once). */
	int no_landlock;
};

struct es_render_plan;

/*
 * Render every env file of p under root, one report item each:
 * es_render_prepare, es_render_confine (unless ES_RENDER_NO_CONFINE),
 * es_render_commit, es_render_plan_free. Nothing is written unless every
 * file rendered. The caller holds the root lock and the audit run
 * (es_audit_begin/es_audit_end). Unless NO_CONFINE, the confinement
 * outlives the call: the process can no longer exec, open sockets, or
 * write outside those directories.
 */
int es_render_run(struct es_root *root, const struct es_policy *p,
    struct es_render_opts *o, struct es_report *rep);

/*
 * Everything before the first write, nothing written: resolve each file's
 * owner and group (o->resolve, else the root's /etc/passwd and /etc/group:
 * ES_EMISSING, suggesting `envseal provision` for the service's own
 * accounts and saying that any other must exist); read each vault (relative
 * paths against the cwd, at most ES_VAULT_MAX) and the old env file; load
 * the keys (scripts run here); run one sandboxed worker per file; wipe the
 * keys. *plan holds the rendered bytes (guarded), names and diffs; it
 * keeps root and p. On error *plan is NULL.
 */
int es_render_prepare(struct es_root *root, const struct es_policy *p,
    struct es_render_opts *o, struct es_render_plan **plan);

/*
 * The writer confinement (sandbox/sandbox.h) for p: Landlock beneath each
 * env file's directory, the unit's directory, the policy's directories,
 * /var/lib/envseal, /var/log/envseal and o->extra_dirs (apply adds /etc
 * for the passwd family), plus the writer seccomp filter. Irreversible.
 * Sets o->no_landlock.
 */
int es_render_confine(struct es_root *root, const struct es_policy *p,
    struct es_render_opts *o);

/* Write each env file through fs/ (ES_W_TRUSTED), one report item each;
 * the first error stops. Owners found in the root's files (no resolver)
 * are looked up again first: an id changed since the plan is ES_ECONFLICT
 * with nothing written. */
int es_render_commit(struct es_render_plan *plan, struct es_report *rep);

/* Wipes the rendered bytes and old files; NULL is a no-op. */
void es_render_plan_free(struct es_render_plan *plan);

#endif
