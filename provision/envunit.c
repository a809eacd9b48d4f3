/*
 * provision/envunit.c — the env-file service (policy `env_service: true`):
 * three units next to the service's own, rendered from the policy.
 *
 *  <name>-env.service          oneshot, RemainAfterExit: renders the env
 *                              files at start; the service Requires= and
 *                              is After= it, so every boot renders first
 *                              and a failed render keeps the app down.
 *  <name>-env.path             watches the vaults, the credential and the
 *                              installed policy; a change starts
 *  <name>-env-refresh.service  the same render with --try-restart: the
 *                              service is restarted only when an env file
 *                              changed (a RemainAfterExit unit that is
 *                              active cannot be started again, hence a
 *                              second service).
 *
 * Both services run `envseal render --policy <installed copy>` with the
 * vault password from the systemd credential ES_ENV_CREDENTIAL_NAME
 * (LoadCredentialEncrypted=, or LoadCredential= for a plain file), as
 * root (chown) but with only the capabilities render uses, no network,
 * no home directories, and the file system read-only except envseal's own
 * state and log directories, the env files' directories and their /run
 * directories (RuntimeDirectory=, made at each start: tmpfs, so the
 * plaintext never reaches a persistent disk).
 *
 * Paths and names come from policy/, which restricts them to characters
 * that need no quoting in a unit file; '%' in a path is doubled anyway.
 */
#include "provision/provision.h"
#include "common/envseal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Where `make install` puts envseal (Makefile passes PREFIX/bin). */
#ifndef ENVSEAL_BINDIR
#define ENVSEAL_BINDIR "/usr/local/bin"
#endif

#define RUN_DIR "/run"

/* The render's own confinement comes on top of this: a seccomp-filtered
 * worker and a Landlock writer (sandbox/sandbox.h). Each line says what
 * render needs or what it never does. */
static const char *const env_hardening[] = {
	/* chown/chmod of the env files, the worker's per-run uid, locked
	 * secret pages; nothing else of root's. */
	"CapabilityBoundingSet=CAP_CHOWN CAP_FOWNER CAP_DAC_OVERRIDE "
	    "CAP_SETUID CAP_SETGID CAP_IPC_LOCK",
	"NoNewPrivileges=yes",
	"ProtectSystem=strict",
	"ProtectHome=yes",
	"PrivateTmp=yes",
	"PrivateDevices=yes",
	"PrivateNetwork=yes",
	"PrivateIPC=yes",
	"IPAddressDeny=any",
	/* AF_UNIX for the journal only. */
	"RestrictAddressFamilies=AF_UNIX",
	"ProtectKernelTunables=yes",
	"ProtectKernelModules=yes",
	"ProtectKernelLogs=yes",
	"ProtectControlGroups=yes",
	"ProtectClock=yes",
	"ProtectHostname=yes",
	"ProtectProc=invisible",
	"LockPersonality=yes",
	"MemoryDenyWriteExecute=yes",
	"RestrictRealtime=yes",
	/* No RestrictSUIDSGID=: systemd 252 answers openat2 with ENOSYS
	 * under it (it cannot inspect struct open_how), and fs/ resolves
	 * every path with openat2. fs/ sets every mode itself, never a
	 * set-id bit. */
	"RestrictNamespaces=yes",
	"KeyringMode=private",
	"RemoveIPC=yes",
	"UMask=0077",
	"SystemCallArchitectures=native",
	/* envseal installs its own seccomp filters and Landlock rules and
	 * resolves every path with openat2 (fs/): systemd 252's
	 * @system-service lacks those, and @setuid is the worker's drop. */
	"SystemCallFilter=@system-service @setuid @memlock seccomp openat2 "
	    "landlock_create_ruleset landlock_add_rule landlock_restrict_self",
	"SystemCallFilter=~@mount @module @reboot @swap @raw-io @cpu-emulation "
	    "@obsolete @debug",
	"SystemCallErrorNumber=EPERM",
	/* envseal's run lock, audit key and audit log. */
	"StateDirectory=envseal",
	"StateDirectoryMode=0700",
	"LogsDirectory=envseal",
	"LogsDirectoryMode=0700",
};

static int
path_in_run(const char *path)
{
	return !strncmp(path, RUN_DIR "/", sizeof RUN_DIR);
}

/* The directory of an env file (malloc'd). */
static char *
dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	return strndup(path, slash > path ? (size_t)(slash - path) : 1);
}

static void
put_path(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '%')
			fputc('%', f);
		fputc(*s, f);
	}
}

static void
put_kv_path(FILE *f, const char *key, const char *prefix, const char *path)
{
	fprintf(f, "%s=%s", key, prefix);
	put_path(f, path);
	fputc('\n', f);
}

/* 1 when dir is already among the first n env files' directories. */
static int
seen_dir(const struct es_policy *p, size_t n, const char *dir)
{
	size_t i;
	int hit = 0;

	for (i = 0; i < n && !hit; i++) {
		char *d = dir_of(p->env_files[i].path);

		hit = d != NULL && !strcmp(d, dir);
		free(d);
	}
	return hit;
}

/* Where render writes: each env file's directory once; under /run a
 * RuntimeDirectory= (made at start, kept after exit), elsewhere a
 * ReadWritePaths= (made by provision). */
static int
put_write_dirs(FILE *f, const struct es_policy *p)
{
	size_t i;

	for (i = 0; i < p->nenv_files; i++) {
		char *d = dir_of(p->env_files[i].path);

		if (d == NULL)
			return -ENOMEM;
		if (!seen_dir(p, i, d)) {
			if (path_in_run(d) && strcmp(d, RUN_DIR) != 0)
				put_kv_path(f, "RuntimeDirectory", "",
				    d + sizeof RUN_DIR);
			else
				/* '-': a missing directory is render's
				 * error to name, not a namespace failure. */
				put_kv_path(f, "ReadWritePaths", "-", d);
		}
		free(d);
	}
	/* The policy's other /run directories, which render makes too
	 * (es_runtime_dirs): /run is read-only under ProtectSystem=strict. */
	for (i = 0; i < p->ndirs; i++) {
		const char *d = p->dirs[i].path;

		if (path_in_run(d) && !seen_dir(p, p->nenv_files, d))
			put_kv_path(f, "RuntimeDirectory", "", d + sizeof RUN_DIR);
	}
	/* The policy's mode and owner are applied by render; systemd's is
	 * the narrowest until then. Kept after exit: it holds the file. */
	fputs("RuntimeDirectoryMode=0700\nRuntimeDirectoryPreserve=yes\n", f);
	return 0;
}

static void
put_credential(FILE *f, const struct es_service *s)
{
	fprintf(f, "%s=%s:", s->env_credential_plain ? "LoadCredential" :
	    "LoadCredentialEncrypted", ES_ENV_CREDENTIAL_NAME);
	put_path(f, s->env_credential);
	fputc('\n', f);
}

static void
put_exec(FILE *f, const struct es_service *s, int refresh)
{
	fprintf(f, "ExecStart=%s/envseal render --policy %s/%s.policy.yml "
	    "--vault-password-credential %s --no-prompt%s\n", ENVSEAL_BINDIR,
	    ES_POLICY_INSTALL_DIR, s->name, ES_ENV_CREDENTIAL_NAME,
	    refresh ? " --try-restart" : "");
}

static int
render_service(FILE *f, const struct es_policy *p, int refresh)
{
	const struct es_service *s = p->service;
	size_t i;
	int r;

	fprintf(f, "[Unit]\nDescription=%s the environment of %s.service "
	    "(envseal)\n", refresh ? "Re-render" : "Render", s->name);
	if (!refresh)
		fprintf(f, "Before=%s.service\n", s->name);
	/* A host without the credential is served the push way (`envseal
	 * apply` from a playbook): the unit is skipped, which Requires=
	 * does not count as a failure. A credential that is there but
	 * wrong fails the unit, and the service stays down. With the env
	 * file on /run, no credential means no file: the service's
	 * EnvironmentFile= fails it (closed). */
	put_kv_path(f, "ConditionPathExists", "", s->env_credential);
	fputs("\n[Service]\nType=oneshot\n", f);
	if (!refresh)
		fputs("RemainAfterExit=yes\n", f);
	/* A relative vault path is looked up here, next to the policy. */
	fprintf(f, "WorkingDirectory=%s\n", ES_POLICY_INSTALL_DIR);
	put_credential(f, s);
	put_exec(f, s, refresh);
	if ((r = put_write_dirs(f, p)) != 0)
		return r;
	for (i = 0; i < sizeof env_hardening / sizeof env_hardening[0]; i++)
		fprintf(f, "%s\n", env_hardening[i]);
	if (!refresh)
		fprintf(f, "\n[Install]\nWantedBy=%s.service\n", s->name);
	return 0;
}

/* The vault's absolute path: a relative one is under the policy's dir. */
static void
put_watch(FILE *f, const char *vault)
{
	if (vault[0] == '/')
		put_kv_path(f, "PathChanged", "", vault);
	else {
		fprintf(f, "PathChanged=%s/", ES_POLICY_INSTALL_DIR);
		put_path(f, vault);
		fputc('\n', f);
	}
}

static void
render_path(FILE *f, const struct es_policy *p)
{
	const struct es_service *s = p->service;
	size_t i;

	fprintf(f, "[Unit]\nDescription=Watch the inputs of %s.service's "
	    "environment (envseal)\n\n[Path]\n", s->name);
	for (i = 0; i < p->nenv_files; i++)
		put_watch(f, p->env_files[i].vault);
	put_kv_path(f, "PathChanged", "", s->env_credential);
	fprintf(f, "PathChanged=%s/%s.policy.yml\n", ES_POLICY_INSTALL_DIR,
	    s->name);
	fprintf(f, "Unit=%s-env-refresh.service\n\n[Install]\n"
	    "WantedBy=multi-user.target\n", s->name);
}

int
es_env_unit_render(const struct es_policy *p, enum es_env_unit which,
    char **out, size_t *len)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *f;
	int r = 0;

	*out = NULL;
	if (p->service == NULL || !p->service->env_service)
		BUG("env unit without env_service");
	if ((f = open_memstream(&buf, &n)) == NULL)
		return -ENOMEM;
	fputs("# Managed by envseal (`envseal provision`); local edits are "
	    "overwritten.\n", f);
	if (which == ES_ENV_UNIT_PATH)
		render_path(f, p);
	else
		r = render_service(f, p, which == ES_ENV_UNIT_REFRESH);
	if (ferror(f))
		r = r ? r : -ENOMEM;
	if (fclose(f) != 0)
		r = r ? r : -ENOMEM;
	if (r != 0) {
		free(buf);
		return r;
	}
	if (n > ES_UNIT_MAX) {
		free(buf);
		return es_failf(ES_ELIMIT, "env unit for %s larger than %zu "
		    "bytes", p->service->name, ES_UNIT_MAX);
	}
	*out = buf;
	*len = n;
	return 0;
}

int
es_env_unit_name(const struct es_policy *p, enum es_env_unit which,
    char *buf, size_t sz)
{
	static const char *const suffix[] = {
		[ES_ENV_UNIT_SERVICE] = "-env.service",
		[ES_ENV_UNIT_REFRESH] = "-env-refresh.service",
		[ES_ENV_UNIT_PATH] = "-env.path",
	};
	const char *unit = p->service->unit;
	int r = snprintf(buf, sz, "%.*s/%s%s",
	    (int)(strrchr(unit, '/') - unit), unit, p->service->name,
	    suffix[which]);

	if (r < 0 || (size_t)r >= sz)
		return es_failf(ES_ELIMIT, "%s: env unit path too long", unit);
	return 0;
}
