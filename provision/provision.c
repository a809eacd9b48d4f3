/*
 * provision/provision.c — es_provision_run (provision/provision.h):
 * accounts, directories, unit, in that order, through fs/.
 */
#include "provision/provision.h"
#include "provision/accounts.h"
#include "common/envseal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

/* Room for an account name (or a decimal id) in a report item. */
#define IDNAME_MAX (ES_NAME_MAX + 1)
/* Largest login.defs read (Debian's is ~13 KiB). */
#define LOGINDEFS_MAX ((size_t)1 << 20)
/* Highest numeric owner accepted: below (uid_t)-1 and the 16-bit
 * overflow ids, as policy/ checks. */
#define ES_ID_MAX 2147483646UL
/* Seconds per day, for the shadow "last changed" field. */
#define SECONDS_PER_DAY 86400L

/* What the passwd family files are made with when the root has none:
 * passwd and group 0644 root:root (as sysusers and shadow-utils make
 * them); shadow and gshadow 0640 root:shadow when the root has a shadow
 * group (Debian), else 0600 root:root. */
#define PW_NEW_MODE 0644
#define SHADOW_NEW_MODE 0640
#define SHADOW_NEW_MODE_NOGROUP 0600

/* A file provision writes whole from text: an env unit or the policy. */
struct pfile {
	char path[ES_PATH_MAX];
	const char *kind;            /* report kind */
	mode_t mode;
	char *text;
	size_t len;
	int owned;                   /* text is malloc'd */
	unsigned char *old;          /* on disk (for --diff) */
	size_t old_len;
};

struct acct_ctx {
	struct es_acct_bufs in;
	struct stat st[ES_DB_N];
	int exists[ES_DB_N];
	struct es_acct_plan plan;
};

static const char *const db_kind[ES_DB_N] = {
	"group", "gshadow", "passwd", "shadow",
};

/* The name of id in the planned passwd or group file, else the number. */
static void
id_name(const struct es_acct_bufs *db, int which, char *out, size_t sz,
    unsigned long id)
{
	int r;

	if (es_pwbuf_name(db->buf[which], db->len[which], id, out, sz) == 0)
		return;
	r = snprintf(out, sz, "%lu", id);
	if (r < 0 || (size_t)r >= sz)
		BUG("id does not fit IDNAME_MAX");
}

/* SOURCE_DATE_EPOCH (reproducible builds) or now, in days. */
static long
shadow_days(void)
{
	const char *sde = getenv("SOURCE_DATE_EPOCH");
	char *end;
	long long v;

	if (sde != NULL && *sde) {
		errno = 0;
		v = strtoll(sde, &end, 10);
		if (errno == 0 && *end == '\0' && v >= 0)
			return (long)(v / SECONDS_PER_DAY);
	}
	return (long)(time(NULL) / SECONDS_PER_DAY);
}

static int
read_accounts(struct es_root *root, struct acct_ctx *c)
{
	int i, r;

	for (i = 0; i < ES_DB_N; i++) {
		r = es_read_file(root, es_acct_paths[i], ES_ACCT_FILE_MAX,
		    &c->in.buf[i], &c->in.len[i], &c->st[i], &c->exists[i]);
		if (r != 0)
			return r;
	}
	return 0;
}

static int
fill_want(struct es_root *root, const struct es_service *s,
    struct es_acct_want *w)
{
	unsigned char *defs = NULL;
	size_t len = 0;
	int exists = 0, r;

	r = es_read_file(root, "/etc/login.defs", LOGINDEFS_MAX, &defs, &len,
	    NULL, &exists);
	if (r != 0)
		return r;
	w->user = s->user;
	w->group = s->group;
	w->gecos = s->gecos;
	w->home = s->home;
	w->shell = s->shell;
	w->uid = s->uid;
	w->gid = s->gid;
	if ((r = es_logindefs_get(defs, len, "SYS_UID_MIN",
	    ES_SYS_ID_MIN_DEFAULT, &w->sys_min)) == 0 &&
	    (r = es_logindefs_get(defs, len, "SYS_UID_MAX",
	    ES_SYS_ID_MAX_DEFAULT, &w->sys_uid_max)) == 0)
		r = es_logindefs_get(defs, len, "SYS_GID_MAX",
		    ES_SYS_ID_MAX_DEFAULT, &w->sys_gid_max);
	w->days = shadow_days();
	free(defs);
	return r;
}

/* Owner and mode: the existing file's, or the defaults above. */
static void
file_meta(const struct acct_ctx *c, int db, uid_t *uid, gid_t *gid,
    mode_t *mode)
{
	gid_t shadow_gid;

	if (c->exists[db]) {
		*uid = c->st[db].st_uid;
		*gid = c->st[db].st_gid;
		*mode = c->st[db].st_mode & 07777;
		return;
	}
	*uid = 0;
	*gid = 0;
	*mode = PW_NEW_MODE;
	if (db != ES_DB_SHADOW && db != ES_DB_GSHADOW)
		return;
	*mode = SHADOW_NEW_MODE_NOGROUP;
	if (es_pwbuf_group("/etc/group", c->plan.out.buf[ES_DB_GROUP],
	    c->plan.out.len[ES_DB_GROUP], "shadow", &shadow_gid) == 0) {
		*gid = shadow_gid;
		*mode = SHADOW_NEW_MODE;
	}
	es_errclear();
}

static int
write_db(struct es_root *root, struct acct_ctx *c, int db,
    const struct es_provision_opts *o, struct es_report *rep)
{
	char owner[IDNAME_MAX], group[IDNAME_MAX];
	struct es_file_spec fs = { 0 };
	struct es_report_item it = { 0 };
	enum es_action act;
	char *diff = NULL;
	int r;

	file_meta(c, db, &fs.uid, &fs.gid, &fs.mode);
	id_name(&c->plan.out, ES_DB_PASSWD, owner, sizeof owner, fs.uid);
	id_name(&c->plan.out, ES_DB_GROUP, group, sizeof group, fs.gid);
	fs.path = es_acct_paths[db];
	fs.data = c->plan.out.buf[db];
	fs.len = c->plan.out.len[db];
	fs.flags = ES_W_TRUSTED | ES_W_BACKUP;
	fs.owner_name = owner;
	fs.group_name = group;
	if ((r = es_write_file(root, &fs, &act)) != 0)
		return r;
	if (o->diff && (r = es_line_diff(fs.path, c->in.buf[db], c->in.len[db],
	    fs.data, fs.len, 1, &diff)) != 0)
		return r;
	it.path = fs.path;
	it.kind = db_kind[db];
	it.action = act;
	it.owner = owner;
	it.group = group;
	it.mode = fs.mode;
	it.diff = diff && *diff ? diff : NULL;
	r = es_report_add(rep, &it);
	free(diff);
	return r;
}

static int resolve(const struct es_acct_bufs *db, const char *user,
    const char *group, uid_t *uid, gid_t *gid);

/* The whole plan: everything read and computed before the first write,
 * so that apply can load keys and confine the writer in between. */
struct es_provision_plan {
	struct es_root *root;
	const struct es_policy *p;
	int locked;                  /* holds /etc/.pwd.lock (commit) */
	struct acct_ctx acct;
	struct es_acct_want want;
	uid_t *dir_uid;              /* p->dirs[i]'s owner, resolved */
	gid_t *dir_gid;
	char unit_dir[ES_PATH_MAX];
	char *unit;                  /* rendered unit text */
	size_t unit_len;
	unsigned char *unit_old;     /* the unit on disk (for --diff) */
	size_t unit_old_len;
	/* env_service: the env units, then the installed policy. */
	struct pfile extra[ES_ENV_UNIT_N + 1];
	size_t nextra;
};

static int
same_files(const struct acct_ctx *a, const struct acct_ctx *b)
{
	int i;

	for (i = 0; i < ES_DB_N; i++)
		if (a->exists[i] != b->exists[i] ||
		    a->in.len[i] != b->in.len[i] || (a->in.len[i] &&
		    memcmp(a->in.buf[i], b->in.buf[i], a->in.len[i]) != 0))
			return 0;
	return 1;
}

/* user:group resolved in the old plan must resolve the same in the new
 * one (an owner renumbered or removed meanwhile). */
static int
same_owner(const struct es_acct_bufs *old, const struct es_acct_bufs *now,
    const char *user, const char *group, const char *path)
{
	uid_t u0, u1;
	gid_t g0, g1;
	int r0, r1;

	r0 = resolve(old, user, group, &u0, &g0);
	r1 = resolve(now, user, group, &u1, &g1);
	es_errclear();
	if (r0 == 0 && (r1 != 0 || u0 != u1 || g0 != g1))
		return es_failf(ES_ECONFLICT, "the passwd files changed while "
		    "apply ran and %s:%s, the owner of %s, would be other ids; "
		    "run it again", user, group, path);
	return 0;
}

/* Every owner the old plan handed out: the directories', and (through
 * es_provision_resolve) the env files'. */
static int
owners_hold(const struct es_provision_plan *pl, const struct es_acct_bufs *old)
{
	const struct es_policy *p = pl->p;
	size_t i;
	int r;

	for (i = 0; i < p->ndirs; i++)
		if ((r = same_owner(old, &pl->acct.plan.out, p->dirs[i].owner,
		    p->dirs[i].group, p->dirs[i].path)) != 0)
			return r;
	for (i = 0; i < p->nenv_files; i++)
		if ((r = same_owner(old, &pl->acct.plan.out,
		    p->env_files[i].owner, p->env_files[i].group,
		    p->env_files[i].path)) != 0)
			return r;
	return 0;
}

/* The files changed between an unlocked plan and the lock (someone ran
 * useradd): plan again from what is there now, as a run that had waited
 * for the lock would. The ids already handed out (the service's, dir and
 * env-file owners) must not move; if they would, nothing is written. */
static int
replan_accounts(struct es_provision_plan *pl, struct acct_ctx *now)
{
	struct es_acct_bufs old = pl->acct.plan.out;
	uid_t uid = pl->acct.plan.uid;
	gid_t gid = pl->acct.plan.gid;
	int r;

	memset(&pl->acct.plan.out, 0, sizeof pl->acct.plan.out); /* in old */
	es_acct_bufs_free(&pl->acct.in);
	pl->acct.in = now->in;
	memset(&now->in, 0, sizeof now->in); /* transferred */
	memcpy(pl->acct.st, now->st, sizeof pl->acct.st);
	memcpy(pl->acct.exists, now->exists, sizeof pl->acct.exists);
	if ((r = es_accounts_plan(&pl->acct.in, &pl->want, &pl->acct.plan))
	    != 0)
		goto out;
	if (pl->acct.plan.uid != uid || pl->acct.plan.gid != gid)
		r = es_failf(ES_ECONFLICT, "the passwd files changed while "
		    "apply ran and %s would get other ids; run it again",
		    pl->want.user);
	else
		r = owners_hold(pl, &old);
out:
	es_acct_bufs_free(&old);
	return r;
}

/* Under /etc/.pwd.lock (taken here unless the plan took it): group,
 * gshadow, passwd, shadow: a group exists before a user names it, an
 * entry before its shadow entry. */
static int
write_accounts(struct es_provision_plan *pl,
    const struct es_provision_opts *o, struct es_report *rep)
{
	struct acct_ctx now;
	int i, r = 0;

	memset(&now, 0, sizeof now);
	if (!pl->locked) {
		if ((r = es_root_lock_passwd(pl->root)) != 0)
			return r;
		pl->locked = 1;
		if ((r = read_accounts(pl->root, &now)) == 0 &&
		    !same_files(&now, &pl->acct))
			r = replan_accounts(pl, &now);
	}
	for (i = 0; i < ES_DB_N && r == 0; i++)
		r = write_db(pl->root, &pl->acct, i, o, rep);
	/* The ids an account was made with go on record once: verify holds
	 * a policy that pins none to these (a uid changed since is drift). */
	if (r == 0 && (pl->acct.plan.user_created ||
	    pl->acct.plan.group_created))
		r = es_audit_account(pl->root, pl->want.user, pl->acct.plan.uid,
		    pl->want.group, pl->acct.plan.gid,
		    pl->acct.plan.user_created, pl->acct.plan.group_created);
	es_acct_bufs_free(&now.in);
	es_root_unlock_passwd(pl->root);
	pl->locked = 0;
	return r;
}

/* Read the four files and plan their new contents. The lock is taken here
 * only when asked (provision); apply takes it at the commit, because
 * taking /etc/.pwd.lock creates it, a write. */
static int
plan_accounts(struct es_provision_plan *pl, const struct es_service *s,
    struct es_provision_opts *o, int lock)
{
	int r;

	if (lock) {
		if ((r = es_root_lock_passwd(pl->root)) != 0)
			return r;
		pl->locked = 1;
	}
	if ((r = read_accounts(pl->root, &pl->acct)) != 0 ||
	    (r = fill_want(pl->root, s, &pl->want)) != 0 ||
	    (r = es_accounts_plan(&pl->acct.in, &pl->want, &pl->acct.plan))
	    != 0)
		return r;
	o->uid = pl->acct.plan.uid;
	o->gid = pl->acct.plan.gid;
	return 0;
}

/* A numeric owner ("0", "1001"); (uid_t)-1 would mean "leave it" to
 * chown, so the range is checked even though policy/ checked it too. */
static int
numeric_id(const char *s, unsigned *id)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || v > ES_ID_MAX)
		return es_failf(ES_EPOLICY, "numeric id '%s' out of range", s);
	*id = (unsigned)v;
	return 0;
}

/* Owner names resolve in the accounts just written (or, in check mode,
 * just planned): never through NSS. */
static int
resolve(const struct es_acct_bufs *db, const char *user, const char *group,
    uid_t *uid, gid_t *gid)
{
	int r;

	if (*user >= '0' && *user <= '9')
		r = numeric_id(user, uid);
	else
		r = es_pwbuf_user("/etc/passwd", db->buf[ES_DB_PASSWD],
		    db->len[ES_DB_PASSWD], user, uid);
	if (r != 0)
		return r;
	if (*group >= '0' && *group <= '9')
		return numeric_id(group, gid);
	return es_pwbuf_group("/etc/group", db->buf[ES_DB_GROUP],
	    db->len[ES_DB_GROUP], group, gid);
}

static int
ensure_one_dir(struct es_root *root, const char *path, uid_t uid, gid_t gid,
    mode_t mode, const char *owner, const char *group,
    struct es_report *rep)
{
	struct es_dir_spec d = {
		.path = path, .uid = uid, .gid = gid, .mode = mode,
		.owner_name = owner, .group_name = group,
	};
	struct es_report_item it = {
		.path = path, .kind = "dir", .owner = owner, .group = group,
		.mode = mode,
	};
	enum es_action act;
	int r;

	if ((r = es_ensure_dir(root, &d, &act)) != 0)
		return r;
	it.action = act;
	return es_report_add(rep, &it);
}

static int
plan_dirs(struct es_provision_plan *pl)
{
	const struct es_policy *p = pl->p;
	size_t i;
	int r;

	pl->dir_uid = calloc(p->ndirs ? p->ndirs : 1, sizeof *pl->dir_uid);
	pl->dir_gid = calloc(p->ndirs ? p->ndirs : 1, sizeof *pl->dir_gid);
	if (pl->dir_uid == NULL || pl->dir_gid == NULL)
		return -ENOMEM;
	for (i = 0; i < p->ndirs; i++)
		if ((r = resolve(&pl->acct.plan.out, p->dirs[i].owner,
		    p->dirs[i].group, &pl->dir_uid[i], &pl->dir_gid[i])) != 0)
			return r;
	return 0;
}

static int
write_dirs(struct es_provision_plan *pl, struct es_report *rep)
{
	const struct es_policy *p = pl->p;
	size_t i;
	int r;

	for (i = 0; i < p->ndirs; i++) {
		const struct es_dir_entry *d = &p->dirs[i];

		if ((r = ensure_one_dir(pl->root, d->path, pl->dir_uid[i],
		    pl->dir_gid[i], d->mode, d->owner, d->group, rep)) != 0)
			return r;
	}
	return 0;
}

/* The unit's text, its directory and (for --diff) the unit on disk. */
static int
plan_unit(struct es_provision_plan *pl, const struct es_provision_opts *o)
{
	const char *path = pl->p->service->unit;
	int exists = 0, r;

	r = snprintf(pl->unit_dir, sizeof pl->unit_dir, "%.*s",
	    (int)(strrchr(path, '/') - path), path);
	if (r < 0 || (size_t)r >= sizeof pl->unit_dir)
		return es_failf(ES_ELIMIT, "%s: path too long", path);
	if ((r = es_unit_render(pl->p, &pl->unit, &pl->unit_len)) != 0)
		return r;
	if (o->diff)
		return es_read_file(pl->root, path, ES_UNIT_MAX,
		    &pl->unit_old, &pl->unit_old_len, NULL, &exists);
	return 0;
}

/* One root-owned file from text, reported (with --diff, its diff). */
static int
write_text(struct es_provision_plan *pl, const struct es_provision_opts *o,
    const struct pfile *pf, int *changed, struct es_report *rep)
{
	char *diff = NULL;
	struct es_file_spec fs = { 0 };
	struct es_report_item it = { 0 };
	enum es_action act;
	int r;

	fs.path = pf->path;
	fs.uid = 0;
	fs.gid = 0;
	fs.mode = pf->mode;
	fs.data = pf->text;
	fs.len = pf->len;
	fs.flags = ES_W_TRUSTED;
	fs.owner_name = "root";
	fs.group_name = "root";
	if ((r = es_write_file(pl->root, &fs, &act)) != 0)
		return r;
	*changed = act == ES_ACT_CREATED || act == ES_ACT_REPLACED;
	if (o->diff && (r = es_line_diff(pf->path, pf->old, pf->old_len,
	    (const unsigned char *)pf->text, pf->len, 0, &diff)) != 0)
		return r;
	it.path = pf->path;
	it.kind = pf->kind;
	it.action = act;
	it.owner = "root";
	it.group = "root";
	it.mode = pf->mode;
	it.diff = diff && *diff ? diff : NULL;
	r = es_report_add(rep, &it);
	free(diff);
	return r;
}

/* The unit's directory (root 0755, as systemd ships it), the unit, then
 * the env units and the policy's directory (root 0700) and copy. */
static int
write_unit(struct es_provision_plan *pl, struct es_provision_opts *o,
    struct es_report *rep)
{
	struct pfile unit = { .kind = "unit", .mode = 0644 };
	size_t i;
	int r, changed = 0;

	if (*pl->unit_dir && (r = ensure_one_dir(pl->root, pl->unit_dir, 0, 0,
	    0755, "root", "root", rep)) != 0)
		return r;
	r = snprintf(unit.path, sizeof unit.path, "%s", pl->p->service->unit);
	if (r < 0 || (size_t)r >= sizeof unit.path)
		return es_failf(ES_ELIMIT, "unit path too long");
	unit.text = pl->unit;
	unit.len = pl->unit_len;
	unit.old = pl->unit_old;
	unit.old_len = pl->unit_old_len;
	if ((r = write_text(pl, o, &unit, &changed, rep)) != 0)
		return r;
	o->unit_changed = changed;
	for (i = 0; i < pl->nextra; i++) {
		if (i == ES_ENV_UNIT_N && (r = ensure_one_dir(pl->root,
		    ES_POLICY_INSTALL_DIR, 0, 0, 0700, "root", "root", rep)) != 0)
			return r;
		if ((r = write_text(pl, o, &pl->extra[i], &changed, rep)) != 0)
			return r;
		if (i < ES_ENV_UNIT_N)
			o->unit_changed |= changed;
	}
	return 0;
}

/* env_service: the three units and the policy's installed copy. */
static int
plan_env_service(struct es_provision_plan *pl, const struct es_provision_opts *o)
{
	const struct es_policy *p = pl->p;
	struct pfile *pf;
	int exists, r, i;

	if (!p->service->env_service)
		return 0;
	for (i = 0; i < ES_ENV_UNIT_N; i++) {
		pf = &pl->extra[pl->nextra++];
		pf->kind = "unit";
		pf->mode = 0644;
		pf->owned = 1;
		if ((r = es_env_unit_name(p, i, pf->path, sizeof pf->path)) != 0 ||
		    (r = es_env_unit_render(p, i, &pf->text, &pf->len)) != 0)
			return r;
	}
	pf = &pl->extra[pl->nextra++];
	pf->kind = "policy";
	/* It is read under the trusted-input rule, and says what root runs. */
	pf->mode = 0600;
	r = snprintf(pf->path, sizeof pf->path, "%s/%s.policy.yml",
	    ES_POLICY_INSTALL_DIR, p->service->name);
	if (r < 0 || (size_t)r >= sizeof pf->path)
		return es_failf(ES_ELIMIT, "policy copy path too long");
	pf->text = (char *)p->raw;
	pf->len = p->raw_len;
	for (i = 0; o->diff && (size_t)i < pl->nextra; i++) {
		pf = &pl->extra[i];
		if ((r = es_read_file(pl->root, pf->path, ES_UNIT_MAX,
		    &pf->old, &pf->old_len, NULL, &exists)) != 0)
			return r;
	}
	return 0;
}

static int
plan(struct es_root *root, const struct es_policy *p,
    struct es_provision_opts *o, int lock, struct es_provision_plan **out)
{
	struct es_provision_plan *pl;
	int r;

	*out = NULL;
	o->unit_changed = 0;
	if ((r = es_policy_require(p, "service")) != 0)
		return r;
	if ((pl = calloc(1, sizeof *pl)) == NULL)
		return -ENOMEM;
	pl->root = root;
	pl->p = p;
	if ((r = plan_accounts(pl, p->service, o, lock)) != 0 ||
	    (r = plan_dirs(pl)) != 0 ||
	    (r = plan_unit(pl, o)) != 0 ||
	    (r = plan_env_service(pl, o)) != 0) {
		es_provision_plan_free(pl);
		return r;
	}
	*out = pl;
	return 0;
}

int
es_provision_plan(struct es_root *root, const struct es_policy *p,
    struct es_provision_opts *o, struct es_provision_plan **out)
{
	return plan(root, p, o, 0, out);
}

int
es_provision_commit(struct es_provision_plan *pl,
    struct es_provision_opts *o, struct es_report *rep)
{
	int r;

	o->unit_changed = 0;
	if ((r = write_accounts(pl, o, rep)) != 0 ||
	    (r = write_dirs(pl, rep)) != 0)
		return r;
	return write_unit(pl, o, rep);
}

int
es_provision_resolve(void *plan, const char *user, const char *group,
    uid_t *uid, gid_t *gid)
{
	const struct es_provision_plan *pl = plan;

	return resolve(&pl->acct.plan.out, user, group, uid, gid);
}

void
es_provision_plan_free(struct es_provision_plan *pl)
{
	size_t i;

	if (pl == NULL)
		return;
	if (pl->locked)
		es_root_unlock_passwd(pl->root);
	es_acct_bufs_free(&pl->acct.plan.out);
	es_acct_bufs_free(&pl->acct.in);
	free(pl->dir_uid);
	free(pl->dir_gid);
	free(pl->unit);
	free(pl->unit_old);
	for (i = 0; i < pl->nextra; i++) {
		if (pl->extra[i].owned)
			free(pl->extra[i].text);
		free(pl->extra[i].old);
	}
	free(pl);
}

int
es_provision_run(struct es_root *root, const struct es_policy *p,
    struct es_provision_opts *o, struct es_report *rep)
{
	struct es_provision_plan *pl = NULL;
	int r;

	/* provision alone reads under the lock: concurrent runs serialise
	 * on /etc/.pwd.lock as useradd does. */
	if ((r = plan(root, p, o, 1, &pl)) != 0)
		return r;
	r = es_provision_commit(pl, o, rep);
	es_provision_plan_free(pl);
	return r;
}
