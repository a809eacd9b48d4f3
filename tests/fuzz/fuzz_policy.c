/* tests/fuzz/fuzz_policy.c — libFuzzer target: the policy loader
 * (es_policy_load_buf). On success, checks with its own code the rules a
 * loaded policy must keep whatever the input (man/envseal-policy.5 and its
 * hard invariants) and that `policy show` output loads back to the same
 * policy; on failure, that no policy came back and a detail was set. */
#include "policy/policy.h"
#include "common/envseal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

/* The loader's own bounds, restated (policy/policy.c). */
#define ACCOUNT_MAX 31
#define ENVNAME_MAX 255
#define ID_MAX 2147483646L

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (sodium_init() < 0)
		abort();
	return 0;
}

static void
need(int cond)
{
	if (!cond)
		abort();
}

static int
only(const char *s, const char *set)
{
	return strspn(s, set) == strlen(s);
}

#define ALNUM "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

/* Absolute, no "//", no trailing '/', no "." or ".." component, and only
 * characters that are safe in unit files and passwd lines. */
static void
need_abspath(const char *s)
{
	const char *c;
	size_t n;

	need(s != NULL && s[0] == '/' && strlen(s) < ES_PATH_MAX);
	need(only(s, ALNUM "_.@+,=/-"));
	need(strstr(s, "//") == NULL);
	need(strlen(s) == 1 || s[strlen(s) - 1] != '/');
	for (c = s + 1; *c; c += n + (c[n] == '/')) {
		n = strcspn(c, "/");
		need(!(n == 1 && c[0] == '.'));
		need(!(n == 2 && c[0] == '.' && c[1] == '.'));
	}
}

static void
need_account(const char *s)
{
	need(s != NULL && *s && strlen(s) <= ACCOUNT_MAX);
	need(only(s, ALNUM "_.-") && s[0] != '-' && s[0] != '.');
}

static void
need_text(const char *s)
{
	const unsigned char *c;

	need(s != NULL);
	for (c = (const unsigned char *)s; *c; c++)
		need(*c >= 0x20 && *c != 0x7f);
}

static void
need_envname(const char *s)
{
	need(s != NULL && *s && strlen(s) <= ENVNAME_MAX);
	need(only(s, ALNUM "_") && !(s[0] >= '0' && s[0] <= '9'));
}

static void
check_service(const struct es_service *s)
{
	size_t i;

	need(s->name && *s->name && strlen(s->name) <= ES_NAME_MAX);
	need(only(s->name, ALNUM "_.-") && s->name[0] != '-' &&
	    s->name[0] != '.');
	need_account(s->user);
	need_account(s->group);
	/* The service's own account is created by name. */
	need(!only(s->user, "0123456789") && !only(s->group, "0123456789"));
	need(s->uid == -1 || (s->uid >= 1 && s->uid <= ID_MAX &&
	    s->uid != 65534));
	need(s->gid == -1 || (s->gid >= 1 && s->gid <= ID_MAX &&
	    s->gid != 65534));
	need_text(s->gecos);
	need(strchr(s->gecos, ':') == NULL && strchr(s->gecos, '\\') == NULL);
	need_abspath(s->home);
	need_abspath(s->shell);
	need_abspath(s->exec);
	need_abspath(s->unit);
	need(strlen(s->unit) > 8 &&
	    !strcmp(s->unit + strlen(s->unit) - 8, ".service"));
	need(s->listen_port <= 65535);
	need(s->n_ip_allow <= ES_POLICY_MAX_ITEMS &&
	    s->n_read_write_paths <= ES_POLICY_MAX_ITEMS);
	for (i = 0; i < s->n_ip_allow; i++)
		need(s->ip_allow[i] != NULL && *s->ip_allow[i]);
	for (i = 0; i < s->n_read_write_paths; i++)
		need_abspath(s->read_write_paths[i]);
	need(s->line > 0);
}

static void
check_dirs(const struct es_policy *p)
{
	size_t i, j;

	need(p->ndirs <= ES_POLICY_MAX_ITEMS);
	for (i = 0; i < p->ndirs; i++) {
		need_abspath(p->dirs[i].path);
		need_account(p->dirs[i].owner);
		need_account(p->dirs[i].group);
		need((p->dirs[i].mode & ~(mode_t)07777) == 0);
		need(p->dirs[i].line > 0);
		for (j = 0; j < i; j++)
			need(strcmp(p->dirs[i].path, p->dirs[j].path) != 0);
	}
}

/* The directory entry that holds path, if the policy lists one. */
static const struct es_dir_entry *
holder(const struct es_policy *p, const char *path)
{
	size_t i, dl = (size_t)(strrchr(path, '/') - path);

	if (dl == 0)
		dl = 1;
	for (i = 0; i < p->ndirs; i++)
		if (strlen(p->dirs[i].path) == dl &&
		    !strncmp(p->dirs[i].path, path, dl))
			return &p->dirs[i];
	return NULL;
}

static void
check_vars(const struct es_env_file *f)
{
	size_t i, j, n = f->nvars + f->nstatics;

	need(f->nvars <= ES_POLICY_MAX_ITEMS &&
	    f->nstatics <= ES_POLICY_MAX_ITEMS);
	need(f->explicit_vars || f->nvars == 0);
	for (i = 0; i < n; i++) {
		const struct es_env_var *a = i < f->nvars ? &f->vars[i] :
		    &f->statics[i - f->nvars];

		need_envname(a->name);
		need(a->value != NULL && a->line > 0);
		if (i < f->nvars)
			need(*a->value && (need_text(a->value), 1));
		for (j = 0; j < i; j++)
			need(strcmp(a->name, j < f->nvars ? f->vars[j].name :
			    f->statics[j - f->nvars].name) != 0);
	}
}

static void
check_env_files(const struct es_policy *p)
{
	const struct es_dir_entry *d;
	size_t i, j;

	need(p->nenv_files <= ES_POLICY_MAX_ITEMS);
	for (i = 0; i < p->nenv_files; i++) {
		const struct es_env_file *f = &p->env_files[i];

		/* Never group- or world-writable, nor world-readable; no
		 * set-id or sticky bit. */
		need((f->mode & (07000 | 0027)) == 0);
		need_abspath(f->path);
		need_text(f->vault);
		need(*f->vault && strlen(f->vault) < ES_PATH_MAX);
		need_account(f->owner);
		need_account(f->group);
		need(f->line > 0);
		for (j = 0; j < i; j++)
			need(strcmp(f->path, p->env_files[j].path) != 0);
		/* Its directory is writable by root only. */
		if ((d = holder(p, f->path)) != NULL)
			need((!strcmp(d->owner, "root") ||
			    !strcmp(d->owner, "0")) && !(d->mode & 0022));
		check_vars(f);
	}
}

/* `policy show` text from the "envseal:" line on (the comment lines above
 * it name the source and hash, which differ between the two loads). */
static char *
show(const struct es_policy *p)
{
	char *text = NULL, *body;
	size_t len = 0;
	FILE *f;

	need((f = open_memstream(&text, &len)) != NULL);
	need(es_policy_print(p, f) == 0);
	need(fclose(f) == 0);
	need((body = strstr(text, "\nenvseal:")) != NULL);
	memmove(text, body + 1, strlen(body + 1) + 1);
	return text;
}

/* What policy show prints loads back to a policy that prints the same. */
static void
check_roundtrip(const struct es_policy *p)
{
	struct es_policy *q = NULL;
	char *a = show(p), *b;

	if (es_policy_load_buf("show", (const unsigned char *)a, strlen(a),
	    &q) != 0) {
		fprintf(stderr, "policy show output does not load: %s\n%s\n",
		    es_errdetail(), a);
		abort();
	}
	b = show(q);
	if (strcmp(a, b) != 0) {
		fprintf(stderr, "policy show differs after a reload:\n%s\n---\n"
		    "%s\n", a, b);
		abort();
	}
	need((p->service == NULL) == (q->service == NULL) &&
	    p->ndirs == q->ndirs && p->nenv_files == q->nenv_files);
	free(a);
	free(b);
	es_policy_free(q);
}

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	struct es_policy *p = (struct es_policy *)&p;   /* must be reset */
	unsigned char h[32];
	int r;

	es_errclear();
	r = es_policy_load_buf("fuzz", data, size, &p);
	if (r != 0) {
		need(p == NULL && r < 0 && *es_errdetail());
		return 0;
	}
	need(p != NULL && !strcmp(p->source, "fuzz"));
	crypto_hash_sha256(h, data, size);
	need(memcmp(h, p->sha256, sizeof h) == 0);
	if (p->service)
		check_service(p->service);
	check_dirs(p);
	check_env_files(p);
	check_roundtrip(p);
	es_policy_free(p);
	return 0;
}
