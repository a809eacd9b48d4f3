/*
 * policy/policy.h — policy v1 (every key: man/envseal-policy.5): load,
 * validate, and the embedded default (the backend_api role).
 *
 * Calling sequence:
 *	struct es_policy *p;
 *	es_policy_load(path_or_NULL, &p);   // NULL: the embedded default
 *	... p->service, p->dirs, p->env_files ...
 *	es_policy_print(p, stdout);          // `envseal policy show`
 *	es_policy_free(p);
 *
 * Errors: ES_EPOLICY with a detail "FILE:LINE: KEY.PATH: what is wrong"
 * for unknown keys, wrong types, relative paths where absolute ones belong,
 * and modes that break the hard invariants. A command that needs a missing
 * section says so (es_policy_require()).
 *
 * The policy holds no secret. Strings are plain malloc'd and owned by the
 * policy.
 */
#ifndef ENVSEAL_POLICY_H
#define ENVSEAL_POLICY_H

#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

/* Bounds on a policy: it is small, trusted, root-owned configuration. */
#define ES_POLICY_MAX_BYTES ((size_t)1 << 20)
#define ES_POLICY_MAX_ITEMS 256          /* dirs, env files, vars, ... */
#define ES_NAME_MAX 64                   /* user, group, unit names */
/* Where provision installs the policy the env unit renders (root 0700),
 * and the credential's default file there. */
#define ES_POLICY_INSTALL_DIR "/etc/envseal"
/* The credential's name in the env units (LoadCredential*=NAME:FILE),
 * the name `envseal credential seal --name` must be given. */
#define ES_ENV_CREDENTIAL_NAME "vault-password"

struct es_service {
	char *name;              /* unit name without ".service" */
	char *user;
	char *group;
	long uid;                /* -1: allocate */
	long gid;                /* -1: allocate */
	char *gecos;             /* default "Veza backend API"-style text */
	char *home;
	char *shell;             /* default /usr/sbin/nologin */
	char *exec;
	unsigned listen_port;    /* 0: none */
	char **ip_allow;
	size_t n_ip_allow;
	char **read_write_paths;
	size_t n_read_write_paths;
	char *unit;              /* absolute unit path under the root */
	/* env_service: provision also writes <name>-env.service (renders at
	 * start, before the service), <name>-env-refresh.service and
	 * <name>-env.path (re-render on change, restart when an env file
	 * changed) and the policy's copy under ES_POLICY_INSTALL_DIR. */
	int env_service;
	char *env_credential;    /* the vault password credential's file */
	int env_credential_plain; /* LoadCredential= instead of ...Encrypted= */
	size_t line;             /* where the section starts */
	size_t key_line;         /* the `service:` key's own line */
};

struct es_dir_entry {
	char *path;
	char *owner;
	char *group;
	mode_t mode;
	size_t line;
};

struct es_env_var {          /* ENV_NAME -> vault variable, or static */
	char *name;
	char *value;             /* vault variable name, or the static value */
	size_t line;
};

struct es_env_file {
	char *path;
	char *vault;             /* as written; relative = against the cwd */
	char *owner;
	char *group;
	mode_t mode;
	int explicit_vars;       /* 0: every top-level key, vault_ dropped */
	/* allow_plaintext: true lets render take a vault that holds no
	 * encrypted content (no envelope, no top-level !vault value). Default
	 * 0: whoever can write the vault path could otherwise choose the
	 * service's environment (LD_PRELOAD included) with no key at all. */
	int allow_plaintext;
	/* recipients: age1... strings or files of them (relative = against
	 * the cwd), as written; checked and decoded by `vault reencrypt`,
	 * which makes the age vault's recipients these. */
	char **recipients;
	size_t nrecipients;
	struct es_env_var *vars;
	size_t nvars;
	struct es_env_var *statics;
	size_t nstatics;
	size_t line;
};

struct es_policy {
	char *source;                    /* file name, or "<embedded>" */
	unsigned char sha256[32];        /* of the policy bytes */
	unsigned char *raw;              /* the policy bytes (installed copy) */
	size_t raw_len;
	struct es_service *service;      /* NULL when absent */
	struct es_dir_entry *dirs;
	size_t ndirs;
	struct es_env_file *env_files;
	size_t nenv_files;
};

int es_policy_load(const char *path, struct es_policy **out);
int es_policy_load_buf(const char *name, const unsigned char *buf,
    size_t len, struct es_policy **out);
void es_policy_free(struct es_policy *p);
/* ES_EPOLICY naming the section when p lacks it ("service",
 * "directories", "env_files"). */
int es_policy_require(const struct es_policy *p, const char *section);
/* Print the effective policy as YAML (no secrets in a policy). */
int es_policy_print(const struct es_policy *p, FILE *out);
/* The embedded default policy text. */
extern const char es_policy_default_yaml[];

#endif
