/*
 * run/render.c — es_render_prepare/confine/commit and es_render_run(): the
 * parent's side of `envseal render` and the render half of `envseal
 * apply`.
 * Inputs first (owners, vaults, old files, keys), then one sandboxed worker
 * per env file, then the writer confinement, then the writes. The parent
 * never parses decrypted content: it checks the worker's result (size and
 * names) and hands the bytes to fs/.
 */
#include "render/render.h"
#include "run/run.h"
#include "sandbox/sandbox.h"
#include "sandbox/worker.h"
#include "keys/keysrc.h"
#include "fs/fs.h"
#include "report/report.h"
#include "policy/policy.h"
#include "provision/accounts.h"
#include "vault/age.h"
#include "vault/vault.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Everything one env file needs between the phases. */
struct rfile {
	const struct es_env_file *ef;
	const char *vault;                 /* policy's or --vault */
	uid_t uid;
	gid_t gid;
	unsigned char *in;                 /* the vault as on disk: plain */
	size_t in_len;
	struct es_sbuf old;                /* old env file: secret, guarded */
	int have_old;
	struct es_render_var *vars, *statics;
	struct es_render_spec spec;
	struct es_job_result res;
	/* The label of the key that opened the vault ("" none), kept for its
	 * audit record: the keys die at the end of the plan. */
	char label[ES_LABEL_MAX + 1];
	/* The sha256 of a vault that is ciphertext as a whole, for its
	 * record, computed while the worker runs (hash_vault). */
	unsigned char sha256[32];
	int have_sha256;
};

/* Prefix the recorded detail with what (a path), keeping the code. */
static int
context(int r, const char *what)
{
	char d[ES_ERRDETAIL_MAX];

	/* The detail is at most ES_ERRDETAIL_MAX: it always fits. */
	if (snprintf(d, sizeof d, "%s", es_errdetail()) < 0)
		d[0] = '\0';
	if (*d && strncmp(d, what, strlen(what)) != 0)
		es_failf(r, "%s: %s", what, d);
	else if (!*d)
		es_failf(r, "%s: %s", what, es_strerror(r));
	return r;
}

/* An owner not in the root's files: what to do depends on who makes
 * accounts. envseal makes only the policy's service user and group
 * (provision, apply); a render-only policy's owners must exist already,
 * and sending its user to `envseal provision` would send them nowhere. */
static int
missing_owner(int r, const struct es_policy *p, const struct es_env_file *ef)
{
	char d[ES_ERRDETAIL_MAX];
	const struct es_service *s = p->service;

	if (r != ES_EMISSING)
		return r;
	if (snprintf(d, sizeof d, "%s", es_errdetail()) < 0)
		d[0] = '\0';
	if (s != NULL && (!strcmp(ef->owner, s->user) ||
	    !strcmp(ef->group, s->group)))
		return es_failf(r, "%s; run `envseal provision` first (it "
		    "creates the service's user and group)", d);
	if (s == NULL)
		return es_failf(r, "%s; the policy has no service section, so "
		    "envseal creates no account: the user and group must "
		    "exist before render (useradd, groupadd)", d);
	return es_failf(r, "%s; envseal creates only the service's user and "
	    "group (%s:%s): this one must exist before render", d, s->user,
	    s->group);
}

/* In the caller's resolver (apply: the planned accounts), else in the
 * root's /etc/passwd and /etc/group. */
static int
resolve_owner(struct es_root *root, const struct es_policy *p,
    const struct es_render_opts *o, struct rfile *f)
{
	int r;

	if (o->resolve != NULL)
		r = o->resolve(o->resolve_arg, f->ef->owner, f->ef->group,
		    &f->uid, &f->gid);
	else if ((r = es_lookup_user(root, f->ef->owner, &f->uid)) == 0)
		r = es_lookup_group(root, f->ef->group, &f->gid);
	if (r != 0)
		return context(missing_owner(r, p, f->ef), f->ef->path);
	return 0;
}

static int
copy_vars(const struct es_env_var *in, size_t n, struct es_render_var **out)
{
	struct es_render_var *v;
	size_t i;

	if ((v = calloc(n ? n : 1, sizeof *v)) == NULL)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		v[i].name = in[i].name;
		v[i].value = in[i].value;
	}
	*out = v;
	return 0;
}

/* A relative vault path is read against the working directory, which
 * is not where the policy is: say so, or "vaults/x: No such file" sends
 * the user looking beside the policy or under --root. */
static int
vault_context(int r, const char *vault)
{
	char d[ES_ERRDETAIL_MAX], cwd[ES_PATH_MAX];
	size_t n = strlen(vault);

	r = context(r, vault);
	if (vault[0] == '/' || getcwd(cwd, sizeof cwd) == NULL)
		return r;
	if (snprintf(d, sizeof d, "%s", es_errdetail()) < 0 ||
	    strncmp(d, vault, n) != 0)
		return r;
	return es_failf(r, "%s (relative to the working directory %s)%s",
	    vault, cwd, d + n);
}

/* Read the vault (cwd-relative, through fs/) and the current env file. */
static int
read_inputs(struct es_root *root, struct rfile *f)
{
	int r;

	if ((r = es_user_read_file(f->vault, ES_VAULT_MAX, &f->in,
	    &f->in_len)) != 0)
		return vault_context(r, f->vault);
	r = es_read_file_secure(root, f->ef->path, ES_ENV_FILE_MAX, &f->old,
	    NULL, &f->have_old);
	if (r != 0)
		return context(r, f->ef->path);
	return 0;
}

static int
build_spec(struct rfile *f)
{
	const struct es_env_file *ef = f->ef;
	int r;

	if ((r = copy_vars(ef->vars, ef->nvars, &f->vars)) != 0 ||
	    (r = copy_vars(ef->statics, ef->nstatics, &f->statics)) != 0)
		return r;
	f->spec.source = f->vault;
	f->spec.explicit_vars = ef->explicit_vars;
	f->spec.vars = f->vars;
	f->spec.nvars = ef->nvars;
	f->spec.statics = f->statics;
	f->spec.nstatics = ef->nstatics;
	f->spec.old = f->old.p;
	f->spec.old_len = f->old.len;
	f->spec.have_old = f->have_old;
	return 0;
}

/* The worker's answer is checked again: bounds and names (the worker
 * checked too, but the parent trusts nothing it sent). */
static int
check_result(const struct rfile *f)
{
	const struct es_job_result *res = &f->res;
	size_t i;

	if (res->out.len > ES_ENV_FILE_MAX || res->nnames > ES_ENV_VARS_MAX)
		return es_failf(ES_ESANDBOX, "%s: worker result over bounds",
		    f->ef->path);
	for (i = 0; i < res->nnames; i++)
		if (!es_env_name_valid(res->names[i]))
			return es_failf(ES_ESANDBOX, "%s: worker returned an "
			    "invalid name", f->ef->path);
	return 0;
}

/*
 * What the run opened goes on record whether or not it opened: the
 * vault's path, its ciphertext's sha256 (or the keyed fingerprint of a
 * file that is not ciphertext as a whole), the label of the key that
 * opened it. A vault that opened is recorded at the commit, after the
 * writer is confined (a fingerprint may need the audit key made, a
 * write); one that did not is recorded here, as the run fails with it.
 */
static int
vault_record(struct es_root *root, const struct rfile *f)
{
	if (f->have_sha256)
		return es_audit_vault_sha256(root, f->vault, f->sha256,
		    f->label[0] != '\0' ? f->label : NULL);
	return es_audit_vault(root, f->vault, f->in, f->in_len,
	    es_vault_is_ciphertext(f->in, f->in_len), f->label[0] != '\0' ?
	    f->label : NULL);
}

/* The worker's meanwhile: a 2.6 MB vault's sha256 is ~1.7 ms here. */
static void
hash_vault(void *ctx)
{
	struct rfile *f = ctx;

	if (es_vault_is_ciphertext(f->in, f->in_len)) {
		es_sha256(f->in, f->in_len, f->sha256);
		f->have_sha256 = 1;
	}
}

static int
render_one(struct es_root *root, struct rfile *f,
    const struct es_secrets *secrets, int no_keys)
{
	struct es_job job;
	int r;

	memset(&job, 0, sizeof job);
	job.op = ES_JOB_RENDER;
	job.input_name = f->vault;
	job.input = f->in;
	job.input_len = f->in_len;
	job.secrets = secrets;
	job.render = &f->spec;
	job.allow_plaintext = f->ef->allow_plaintext;
	job.meanwhile = hash_vault;
	job.meanwhile_ctx = f;
	r = es_worker_run(&job, &f->res);
	/* Cut on purpose: a label is at most ES_LABEL_MAX bytes. */
	if (r == 0 && f->res.used >= 0 && (size_t)f->res.used < secrets->n)
		(void)snprintf(f->label, sizeof f->label, "%s",
		    secrets->v[f->res.used].label);
	if (r != 0) {
		char why[ES_ERRDETAIL_MAX];

		/* The run fails with the worker's error, whatever the record
		 * does: its detail is the one reported (whole: both hold
		 * ES_ERRDETAIL_MAX bytes). */
		(void)snprintf(why, sizeof why, "%s", es_errdetail());
		(void)vault_record(root, f);
		(void)es_failf(r, "%s", why);
	}
	if (r == ES_EKEY && no_keys)
		return es_failf(ES_EKEYSRC, "%s is encrypted and no vault "
		    "secret was given (use --vault-password-file, --vault-id "
		    "or --vault-password-credential)", f->vault);
	if (r != 0)
		return context(r, f->vault);
	/* The worker refused already; this is the parent holding it to the
	 * count it reported, so the two can never disagree silently. */
	if (f->res.nencrypted == 0 && !f->ef->allow_plaintext)
		return es_failf(ES_EINTEGRITY, "%s is not encrypted; refused "
		    "(allow_plaintext: true in the policy's env_files entry "
		    "allows it)", f->vault);
	return check_result(f);
}

static int
add_dir_of(const char **dirs, size_t *ndirs, char *buf, const char *path)
{
	char *slash;
	int n;

	if (*ndirs >= ES_SANDBOX_DIRS_MAX)
		return es_failf(ES_ELIMIT, "too many writable directories");
	n = snprintf(buf, ES_PATH_MAX, "%s", path);
	if (n < 0 || (size_t)n >= ES_PATH_MAX)
		return es_failf(ES_EPOLICY, "%.64s...: path too long", path);
	slash = strrchr(buf, '/');
	if (slash == NULL)
		return es_failf(ES_EPOLICY, "%s: not an absolute path", path);
	slash[slash == buf ? 1 : 0] = '\0';
	dirs[(*ndirs)++] = buf;
	return 0;
}

/* Landlock beneath: each env file's directory, the unit's directory, the
 * policy's directories, envseal's own, and the caller's extras. */
int
es_render_confine(struct es_root *root, const struct es_policy *p,
    struct es_render_opts *o)
{
	const char *const *own;
	const char **dirs;
	char *bufs;
	size_t n = 0, nb = 0, i, nown, max;
	int r = 0;

	own = es_state_dirs(&nown);   /* fs/'s lock, key and audit log */
	max = p->nenv_files + 1 + p->ndirs + nown + o->nextra_dirs;

	dirs = calloc(max, sizeof *dirs);
	bufs = calloc(p->nenv_files + 1, ES_PATH_MAX);
	if (dirs == NULL || bufs == NULL) {
		r = -ENOMEM;
		goto out;
	}
	for (i = 0; i < p->nenv_files && r == 0; i++)
		r = add_dir_of(dirs, &n, bufs + ES_PATH_MAX * nb++,
		    p->env_files[i].path);
	if (r == 0 && p->service && p->service->unit)
		r = add_dir_of(dirs, &n, bufs + ES_PATH_MAX * nb++,
		    p->service->unit);
	for (i = 0; i < p->ndirs && r == 0; i++)
		dirs[n++] = p->dirs[i].path;
	for (i = 0; i < nown && r == 0; i++)
		dirs[n++] = own[i];
	for (i = 0; i < o->nextra_dirs && r == 0; i++)
		dirs[n++] = o->extra_dirs[i];
	if (r == 0 && n > ES_SANDBOX_DIRS_MAX)
		r = es_failf(ES_ELIMIT, "too many writable directories");
	if (r == 0)
		r = es_sandbox_writer(es_root_fd(root), dirs, n,
		    &o->no_landlock);
out:
	free(dirs);
	free(bufs);
	return r;
}

static int
write_one(struct es_root *root, struct rfile *f, struct es_report *rep)
{
	const struct es_env_file *ef = f->ef;
	struct es_file_spec spec;
	struct es_report_item it;
	enum es_action act = ES_ACT_REFUSED;
	int r;

	memset(&spec, 0, sizeof spec);
	spec.path = ef->path;
	spec.uid = f->uid;
	spec.gid = f->gid;
	spec.mode = ef->mode;
	spec.data = f->res.out.p ? f->res.out.p : (unsigned char *)"";
	spec.len = f->res.out.len;
	spec.flags = ES_W_TRUSTED;
	spec.owner_name = ef->owner;
	spec.group_name = ef->group;
	spec.varnames = (const char *const *)f->res.names;
	spec.nvarnames = f->res.nnames;
	spec.added = (const char *const *)f->res.added;
	spec.nadded = f->res.nadded;
	spec.removed = (const char *const *)f->res.removed;
	spec.nremoved = f->res.nremoved;
	spec.changed = (const char *const *)f->res.changed;
	spec.nchanged = f->res.nchanged;
	r = es_write_file(root, &spec, &act);
	memset(&it, 0, sizeof it);
	it.path = ef->path;
	it.kind = "env";
	it.action = act;
	it.owner = ef->owner;
	it.group = ef->group;
	it.mode = ef->mode;
	if (act != ES_ACT_UNCHANGED && act != ES_ACT_METADATA) {
		it.added = (const char *const *)f->res.added;
		it.nadded = f->res.nadded;
		it.removed = (const char *const *)f->res.removed;
		it.nremoved = f->res.nremoved;
		it.changed = (const char *const *)f->res.changed;
		it.nchanged = f->res.nchanged;
	}
	if (rep != NULL && es_report_add(rep, &it) != 0 && r == 0)
		r = -ENOMEM;
	return r;
}

static void
rfiles_free(struct rfile *fs, size_t n)
{
	size_t i;

	for (i = 0; fs != NULL && i < n; i++) {
		/* The vault as on disk is not secret (fs/fs.h,
		 * es_user_read_file): freed, not wiped; wiping 2 MiB took
		 * ~0.9 ms of a 10,000-key render. */
		free(fs[i].in);
		es_sbuf_free(&fs[i].old);   /* wipes */
		free(fs[i].vars);
		free(fs[i].statics);
		es_job_result_free(&fs[i].res);
	}
	free(fs);
}

/* Keys: a run with no key source at all still goes on (keysrc's
 * none_ok flag, not the text of its error): a vault with allow_plaintext
 * renders, an encrypted one then fails naming the missing source, and a
 * plain one without allow_plaintext is refused by the worker. */
static int
load_keys(const struct es_render_opts *o, struct es_secrets *s,
    int *no_keys)
{
	struct es_keysrc_opts k;
	int r;

	memset(&k, 0, sizeof k);
	if (o->keys != NULL)
		k = *o->keys;
	else
		k.no_prompt = 1;
	k.none_ok = 1;
	r = es_keysrc_load(&k, s);
	*no_keys = r == 0 && s->n == 0;
	return r;
}

static int
read_all(struct es_root *root, const struct es_policy *p,
    const struct es_render_opts *o, struct rfile *fs)
{
	size_t i;
	int r = 0;

	for (i = 0; i < p->nenv_files && r == 0; i++) {
		fs[i].ef = &p->env_files[i];
		fs[i].vault = o->vault ? o->vault : p->env_files[i].vault;
		fs[i].res.used = -1;
		if (fs[i].vault == NULL)
			r = es_failf(ES_EPOLICY, "%s: no vault given",
			    fs[i].ef->path);
		if (r == 0 && (r = resolve_owner(root, p, o, &fs[i])) == 0 &&
		    (r = read_inputs(root, &fs[i])) == 0)
			r = build_spec(&fs[i]);
	}
	return r;
}

/* Everything between the phases: the files, rendered and checked. */
struct es_render_plan {
	struct es_root *root;
	const struct es_policy *p;
	struct rfile *fs;
	size_t n;
	int own_lookup;        /* owners from the root's files, not o->resolve */
};

void
es_render_plan_free(struct es_render_plan *pl)
{
	if (pl == NULL)
		return;
	rfiles_free(pl->fs, pl->n);      /* wipes the rendered bytes */
	free(pl);
}

static int
check_call(struct es_root *root, const struct es_policy *p,
    const struct es_render_opts *o)
{
	int r;

	if ((r = es_policy_require(p, "env_files")) != 0)
		return r;
	/* A caller that asked for a plan must never get writes. */
	if ((o->flags & ES_RENDER_CHECK) && !es_root_checking(root))
		return es_failf(ES_EBUG, "check mode asked on a root "
		    "opened for writing");
	if (o->vault != NULL && p->nenv_files != 1)
		return es_failf(ES_EUSAGE, "--vault needs a policy with one "
		    "env file; %s has %zu", p->source, p->nenv_files);
	return 0;
}

int
es_render_prepare(struct es_root *root, const struct es_policy *p,
    struct es_render_opts *o, struct es_render_plan **out)
{
	struct es_secrets secrets;
	struct es_render_plan *pl = NULL;
	size_t i;
	int r, no_keys = 0;

	*out = NULL;
	memset(&secrets, 0, sizeof secrets);
	o->no_landlock = 0;
	if ((r = check_call(root, p, o)) != 0)
		return r;
	if ((pl = calloc(1, sizeof *pl)) == NULL ||
	    (pl->fs = calloc(p->nenv_files, sizeof *pl->fs)) == NULL) {
		free(pl);
		return -ENOMEM;
	}
	pl->root = root;
	pl->p = p;
	pl->n = p->nenv_files;
	pl->own_lookup = o->resolve == NULL;
	if ((r = read_all(root, p, o, pl->fs)) != 0 ||
	    (r = load_keys(o, &secrets, &no_keys)) != 0)
		goto out;
	for (i = 0; i < pl->n && r == 0; i++)
		r = render_one(root, &pl->fs[i], &secrets, no_keys);
out:
	/* Every file rendered (or the run failed): the keys die here. */
	es_secrets_free(&secrets);
	if (r != 0) {
		es_render_plan_free(pl);
		return r;
	}
	*out = pl;
	return 0;
}

/*
 * The owners were looked up before the keys were loaded: password scripts
 * have run since, and any root process may have renumbered an account.
 * Look them up again right before the first write; a different id is an
 * error and nothing is written (the secrets never go to whoever holds the
 * old id now). Apply's owners come from its plan, which provision's
 * replan checks the same way under /etc/.pwd.lock.
 */
static int
owners_hold(const struct es_render_plan *pl)
{
	const struct rfile *f;
	uid_t uid;
	gid_t gid;
	size_t i;
	int r;

	for (i = 0; i < pl->n; i++) {
		f = &pl->fs[i];
		if ((r = es_lookup_user(pl->root, f->ef->owner, &uid)) != 0 ||
		    (r = es_lookup_group(pl->root, f->ef->group, &gid)) != 0)
			return context(missing_owner(r, pl->p, f->ef),
			    f->ef->path);
		if (uid != f->uid || gid != f->gid)
			return es_failf(ES_ECONFLICT, "%s: %s:%s changed ids "
			    "while render ran (%u:%u, now %u:%u); run it "
			    "again", f->ef->path, f->ef->owner, f->ef->group,
			    (unsigned)f->uid, (unsigned)f->gid, (unsigned)uid,
			    (unsigned)gid);
	}
	return 0;
}

int
es_render_commit(struct es_render_plan *pl, struct es_report *rep)
{
	size_t i;
	int r = 0;

	if (pl->own_lookup && (r = owners_hold(pl)) != 0)
		return r;
	/* Every vault on record before the first file changes. */
	for (i = 0; i < pl->n && r == 0; i++)
		r = vault_record(pl->root, &pl->fs[i]);
	for (i = 0; i < pl->n && r == 0; i++)
		r = write_one(pl->root, &pl->fs[i], rep);
	return r;
}

int
es_render_run(struct es_root *root, const struct es_policy *p,
    struct es_render_opts *o, struct es_report *rep)
{
	struct es_render_plan *pl = NULL;
	int r;

	if ((r = es_render_prepare(root, p, o, &pl)) != 0)
		return r;
	/* Every key resolved and every file rendered: confine before the
	 * first write. */
	if (!(o->flags & ES_RENDER_NO_CONFINE))
		r = es_render_confine(root, p, o);
	if (r == 0)
		r = es_render_commit(pl, rep);
	es_render_plan_free(pl);
	return r;
}
