/*
 * verify/verify.c — `envseal verify`'s host checks against the policy:
 * the service's accounts, its directories, its unit and its binary
 * (verify/verify.h). Env files and the audit log: verify/envfile.c.
 */
#include "verify/verify_int.h"
#include "provision/accounts.h"
#include "provision/provision.h"
#include "common/id.h"
#include "fs/inspect.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Fields of a passwd line (name:x:uid:gid:gecos:home:shell). */
#define VR_PW_FIELDS 7
/* Longest account field compared (a home or a shell: a path). */
#define VR_FIELD_MAX ES_PATH_MAX

/* The line of db naming name, its fields cut at ':' into f (each at most
 * VR_FIELD_MAX bytes). 1 found, 0 not. */
static int
db_line(const unsigned char *buf, size_t len, const char *name,
    char f[][VR_FIELD_MAX + 1], size_t nf)
{
	const char *p = (const char *)buf, *end = p + len, *nl, *q;
	size_t k, n, nlen = strlen(name);

	for (; buf != NULL && p < end; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		if ((size_t)(nl - p) <= nlen || memcmp(p, name, nlen) != 0 ||
		    p[nlen] != ':')
			continue;
		for (k = 0, q = p; k < nf; k++) {
			const char *c = memchr(q, ':', (size_t)(nl - q));
			const char *e = c != NULL ? c : nl;

			n = (size_t)(e - q) < VR_FIELD_MAX ? (size_t)(e - q) :
			    VR_FIELD_MAX;
			memcpy(f[k], q, n);
			f[k][n] = '\0';
			q = c != NULL ? c + 1 : nl;
		}
		return 1;
	}
	return 0;
}

void
vr_meta(const struct vr_db *db, const struct stat *st, char *out,
    size_t size)
{
	char u[ES_NAME_MAX + 1], g[ES_NAME_MAX + 1];
	int n;

	if (db->passwd == NULL || es_pwbuf_name(db->passwd, db->passwd_len,
	    st->st_uid, u, sizeof u) != 0)
		(void)snprintf(u, sizeof u, "%lu", (unsigned long)st->st_uid);
	if (db->group == NULL || es_pwbuf_name(db->group, db->group_len,
	    st->st_gid, g, sizeof g) != 0)
		(void)snprintf(g, sizeof g, "%lu", (unsigned long)st->st_gid);
	n = snprintf(out, size, "%s:%s %04o", u, g,
	    (unsigned)(st->st_mode & 07777));
	if (n < 0 || (size_t)n >= size)
		BUG("metadata text does not fit");
}

int
vr_ids(const struct vr_db *db, const char *owner, const char *group,
    uid_t *uid, gid_t *gid)
{
	char *end;
	unsigned long v;

	/* A number is an id (as provision takes it), a name is looked up. */
	v = strtoul(owner, &end, 10);
	if (*owner >= '0' && *owner <= '9' && *end == '\0')
		*uid = (uid_t)v;
	else if (db->passwd == NULL || es_pwbuf_user("/etc/passwd",
	    db->passwd, db->passwd_len, owner, uid) != 0)
		return ES_EMISSING;
	v = strtoul(group, &end, 10);
	if (*group >= '0' && *group <= '9' && *end == '\0')
		*gid = (gid_t)v;
	else if (db->group == NULL || es_pwbuf_group("/etc/group", db->group,
	    db->group_len, group, gid) != 0)
		return ES_EMISSING;
	es_errclear();
	return 0;
}

/* The ids the service's accounts were first made with, as the audit log
 * recorded them ("account" records; -1: none recorded, or the log not
 * readable by the caller). A policy that pins no id is held to these. */
struct vr_first_ids {
	const char *user, *group;
	long uid, gid;
};

/* "user" or "group" among the joined "created" list. */
static int
created_has(const char *list, const char *what)
{
	size_t n = strlen(what);
	const char *p = list;

	while (p != NULL && *p) {
		if (!strncmp(p, what, n) && (p[n] == ',' || p[n] == '\0'))
			return 1;
		p = strchr(p, ',');
		p = p != NULL ? p + 1 : NULL;
	}
	return 0;
}

/* A recorded id: digits only, at most ES_ID_MAX; else -1. */
static long
recorded_id(const char *v)
{
	char *end;
	unsigned long n;

	if (v == NULL || *v < '0' || *v > '9')
		return -1;
	errno = 0;
	n = strtoul(v, &end, 10);
	return errno == 0 && *end == '\0' && n <= ES_ID_MAX ? (long)n : -1;
}

static int
on_account(void *arg, const struct es_audit_rec *r)
{
	struct vr_first_ids *f = arg;
	const char *ev = es_audit_rec_get(r, "event"), *v;
	const char *made = es_audit_rec_get(r, "created");

	if (ev == NULL || strcmp(ev, "account") != 0 || made == NULL)
		return 0;
	if (f->uid < 0 && (v = es_audit_rec_get(r, "user")) != NULL &&
	    !strcmp(v, f->user) && created_has(made, "user"))
		f->uid = recorded_id(es_audit_rec_get(r, "user_id"));
	if (f->gid < 0 && (v = es_audit_rec_get(r, "group")) != NULL &&
	    !strcmp(v, f->group) && created_has(made, "group"))
		f->gid = recorded_id(es_audit_rec_get(r, "group_id"));
	return 0;
}

static void
first_ids(struct es_root *root, const struct es_service *s,
    struct vr_first_ids *f)
{
	f->user = s->user;
	f->group = s->group;
	f->uid = f->gid = -1;
	/* Not readable (not root) or absent: nothing recorded to hold the
	 * accounts to; the audit item says why. */
	if (es_audit_each(root, on_account, f, NULL) != 0)
		es_errclear();
}

/* The user's passwd line: ids, home, shell. */
static int
check_user(const struct es_service *s, const struct vr_first_ids *first,
    const struct vr_db *db, struct es_vreport *rep)
{
	/* Room for two paths (home, shell) and two ids. */
	char f[VR_PW_FIELDS][VR_FIELD_MAX + 1], want[2 * VR_FIELD_MAX + 128];
	char got[2 * VR_FIELD_MAX + 128], uid[24], gid[24];
	char gf[4][VR_FIELD_MAX + 1];

	/* The group's id, when the policy leaves it to allocation: the one
	 * it was first made with, else what the group file says. */
	if (s->gid >= 0)
		(void)snprintf(gid, sizeof gid, "%ld", s->gid);
	else if (first->gid >= 0)
		(void)snprintf(gid, sizeof gid, "%ld", first->gid);
	else if (db_line(db->group, db->group_len, s->group, gf, 4))
		(void)snprintf(gid, sizeof gid, "%.20s", gf[2]);
	else
		(void)snprintf(gid, sizeof gid, "?");
	if (s->uid >= 0 || first->uid >= 0)
		(void)snprintf(uid, sizeof uid, "%ld", s->uid >= 0 ? s->uid :
		    first->uid);
	if (!db_line(db->passwd, db->passwd_len, s->user, f, VR_PW_FIELDS))
		return vr_add(rep, "user", s->user, ES_V_MISSING,
		    "an entry in /etc/passwd", "none");
	/* Cut on purpose: both texts are bounded reports. */
	(void)snprintf(got, sizeof got, "uid %.20s gid %.20s home %s shell %s",
	    f[2], f[3], f[5], f[6]);
	(void)snprintf(want, sizeof want, "uid %.20s gid %s home %s shell %s",
	    s->uid >= 0 || first->uid >= 0 ? uid : f[2], gid, s->home,
	    s->shell);
	return vr_add(rep, "user", s->user, strcmp(want, got) ? ES_V_DRIFT :
	    ES_V_OK, want, got);
}

static int
check_group(const struct es_service *s, const struct vr_first_ids *first,
    const struct vr_db *db, struct es_vreport *rep)
{
	char f[4][VR_FIELD_MAX + 1], want[64], got[64];

	if (!db_line(db->group, db->group_len, s->group, f, 4))
		return vr_add(rep, "group", s->group, ES_V_MISSING,
		    "an entry in /etc/group", "none");
	(void)snprintf(got, sizeof got, "gid %.20s", f[2]);
	if (s->gid < 0 && first->gid < 0)
		return vr_add(rep, "group", s->group, ES_V_OK, got, got);
	(void)snprintf(want, sizeof want, "gid %ld", s->gid >= 0 ? s->gid :
	    first->gid);
	return vr_add(rep, "group", s->group, strcmp(want, got) ? ES_V_DRIFT :
	    ES_V_OK, want, got);
}

/* The user's password is locked in /etc/shadow (root may read it). */
static int
check_shadow(struct es_root *root, const struct es_service *s,
    struct es_vreport *rep)
{
	char f[2][VR_FIELD_MAX + 1];
	unsigned char *buf = NULL;
	size_t len = 0;
	int exists = 0, r;

	r = es_read_file(root, "/etc/shadow", ES_ACCT_FILE_MAX, &buf, &len,
	    NULL, &exists);
	if (r == -EACCES || r == -EPERM) {
		es_errclear();
		return vr_add(rep, "shadow", s->user, ES_V_UNKNOWN,
		    "password locked", "/etc/shadow not readable by the caller");
	}
	if (r != 0)
		return r;
	if (!exists || !db_line(buf, len, s->user, f, 2)) {
		free(buf);
		return vr_add(rep, "shadow", s->user, ES_V_MISSING,
		    "password locked", "no entry in /etc/shadow");
	}
	free(buf);
	/* Never the field itself: it may be a hash. */
	return vr_add(rep, "shadow", s->user, f[1][0] == '!' ||
	    f[1][0] == '*' ? ES_V_OK : ES_V_DRIFT, "password locked",
	    f[1][0] == '!' || f[1][0] == '*' ? "password locked" :
	    "a usable password");
}

static int
check_dir(struct es_root *root, const struct es_dir_entry *d,
    const struct vr_db *db, struct es_vreport *rep)
{
	char want[VR_META_MAX + 32], got[VR_META_MAX];
	struct es_inspect in;
	uid_t uid;
	gid_t gid;
	int r;

	(void)snprintf(want, sizeof want, "%s:%s %04o", d->owner, d->group,
	    (unsigned)d->mode);
	if ((r = es_inspect_path(root, d->path, &in)) != 0)
		return r;
	if (!in.exists)
		return vr_add(rep, "dir", d->path, VR_ABSENT_ST(&in),
		    want, VR_ABSENT(&in));
	if (!S_ISDIR(in.st.st_mode))
		return vr_addf(rep, "dir", d->path, ES_V_DRIFT, want, "%s",
		    es_inspect_kind(in.st.st_mode));
	vr_meta(db, &in.st, got, sizeof got);
	if (vr_ids(db, d->owner, d->group, &uid, &gid) != 0)
		return vr_add(rep, "dir", d->path, ES_V_UNKNOWN, want, got);
	if (in.acl == 1)
		return vr_addf(rep, "dir", d->path, ES_V_DRIFT, want,
		    "%s with a POSIX ACL", got);
	return vr_add(rep, "dir", d->path, in.st.st_uid == uid &&
	    in.st.st_gid == gid && (in.st.st_mode & 07777) == d->mode ?
	    ES_V_OK : ES_V_DRIFT, want, got);
}

/* The first line where a and b differ, from 1. */
static size_t
first_diff_line(const char *a, size_t alen, const char *b, size_t blen)
{
	size_t i, line = 1;

	for (i = 0; i < alen && i < blen && a[i] == b[i]; i++)
		if (a[i] == '\n')
			line++;
	return line;
}

/* Line n of text (from 1) into out, without its newline: 1, or 0 when
 * the text has fewer lines. */
static int
nth_line(const char *t, size_t len, size_t n, char *out, size_t size)
{
	const char *p = t, *end = t + len, *nl;

	for (; n > 1 && p < end; n--)
		p = (nl = memchr(p, '\n', (size_t)(end - p))) ? nl + 1 : end;
	if (p >= end)
		return 0;
	nl = memchr(p, '\n', (size_t)(end - p));
	/* Cut on purpose: a report line, bounded. */
	(void)snprintf(out, size, "%.*s", (int)((nl ? nl : end) - p), p);
	return 1;
}

/* The unit: root 0644, bytes equal to what the policy renders today. A
 * hand-edit is named by its first differing line; the line found there
 * is not quoted (an edit could have put a secret in it). */
static int
check_unit(struct es_root *root, const struct es_policy *p,
    const struct vr_db *db, struct es_vreport *rep)
{
	const char *path = p->service->unit;
	char want_line[ES_VERIFY_TEXT_MAX], meta[VR_META_MAX];
	char want[ES_VERIFY_TEXT_MAX + 32];
	unsigned char *old = NULL;
	char *unit = NULL;
	struct stat st;
	size_t len, olen = 0, line;
	int exists = 0, r;

	if ((r = es_unit_render(p, &unit, &len)) != 0)
		return r;
	r = es_read_file(root, path, ES_UNIT_MAX, &old, &olen, &st, &exists);
	if (r == -EACCES) {
		r = vr_add(rep, "unit", path, ES_V_UNKNOWN, "the rendered unit",
		    "not readable by the caller");
		es_errclear();
		goto out;
	}
	if (r == ES_EUNSAFE) {
		r = vr_add(rep, "unit", path, ES_V_DRIFT, "a regular file",
		    es_errdetail());
		es_errclear();
		goto out;
	}
	if (r != 0)
		goto out;
	if (!exists) {
		r = vr_add(rep, "unit", path, ES_V_MISSING, "root:root 0644",
		    "none");
		goto out;
	}
	vr_meta(db, &st, meta, sizeof meta);
	r = vr_add(rep, "unit", path, st.st_uid == 0 && st.st_gid == 0 &&
	    (st.st_mode & 07777) == 0644 ? ES_V_OK : ES_V_DRIFT,
	    "root:root 0644", meta);
	if (r != 0)
		goto out;
	if (olen == len && memcmp(old, unit, len) == 0) {
		r = vr_add(rep, "unit", path, ES_V_OK, "the rendered unit",
		    "the rendered unit");
		goto out;
	}
	line = first_diff_line(unit, len, (const char *)old, olen);
	if (!nth_line(unit, len, line, want_line, sizeof want_line))
		(void)snprintf(want_line, sizeof want_line, "(end of file)");
	(void)snprintf(want, sizeof want, "line %zu: %s", line, want_line);
	r = vr_addf(rep, "unit", path, ES_V_DRIFT, want,
	    "line %zu differs (hand-edited)", line);
out:
	free(old);
	free(unit);
	return r;
}

/* The binary and each directory above it: owned by root, writable by
 * neither the service user nor its group (nor anyone else), or a
 * compromised service replaces its own code. */
static int
check_binary_one(struct es_root *root, const char *path, const char *kind,
    const struct vr_db *db, uid_t su, gid_t sg, int have_ids,
    struct es_vreport *rep)
{
	const char *want = "owned by root, not writable by the service";
	char meta[VR_META_MAX];
	struct es_inspect in;
	mode_t m;
	int r, bad;

	if ((r = es_inspect_path(root, path, &in)) != 0)
		return r;
	if (!in.exists)
		return vr_add(rep, kind, path, VR_ABSENT_ST(&in),
		    want, VR_ABSENT(&in));
	vr_meta(db, &in.st, meta, sizeof meta);
	m = in.st.st_mode;
	bad = in.st.st_uid != 0 || (m & S_IWOTH) ||
	    (have_ids && (m & S_IWGRP) && in.st.st_gid == sg) ||
	    (have_ids && in.st.st_uid == su) || S_ISLNK(m) || in.acl == 1;
	return vr_addf(rep, kind, path, bad ? ES_V_DRIFT : ES_V_OK, want,
	    "%s%s", meta, in.acl == 1 ? " with a POSIX ACL" : "");
}

static int
check_binary(struct es_root *root, const struct es_service *s,
    const struct vr_db *db, struct es_vreport *rep)
{
	char dir[ES_PATH_MAX];
	uid_t su = 0;
	gid_t sg = 0;
	size_t i, n = strlen(s->exec);
	int r, have = vr_ids(db, s->user, s->group, &su, &sg) == 0;

	if (n >= sizeof dir)
		return es_failf(ES_ELIMIT, "%s: path too long", s->exec);
	if ((r = check_binary_one(root, s->exec, "binary", db, su, sg, have,
	    rep)) != 0)
		return r;
	/* Every directory above it, the root included. */
	if ((r = check_binary_one(root, "/", "bindir", db, su, sg, have, rep))
	    != 0)
		return r;
	for (i = 1; i < n; i++) {
		if (s->exec[i] != '/')
			continue;
		memcpy(dir, s->exec, i);
		dir[i] = '\0';
		if ((r = check_binary_one(root, dir, "bindir", db, su, sg, have,
		    rep)) != 0)
			return r;
	}
	return 0;
}

static int
db_read(struct es_root *root, struct vr_db *db)
{
	int exists, r;

	if ((r = es_read_file(root, "/etc/passwd", ES_ACCT_FILE_MAX,
	    &db->passwd, &db->passwd_len, NULL, &exists)) != 0)
		return r;
	return es_read_file(root, "/etc/group", ES_ACCT_FILE_MAX, &db->group,
	    &db->group_len, NULL, &exists);
}

int
es_verify_run(struct es_root *root, const struct es_policy *p,
    const struct es_verify_opts *o, struct es_vreport *rep)
{
	const struct es_service *s = p->service;
	struct vr_first_ids first;
	struct vr_db db = { 0 };
	size_t i;
	int r;

	if ((r = es_policy_require(p, "service")) != 0)
		return r;
	/* The policy judged against: who signed it (cmd/ refused it already
	 * when the root trusts keys and none of them did). */
	if (o != NULL && o->signer != NULL && !strcmp(o->signer, "?"))
		r = vr_addf(rep, "policy", p->source, ES_V_UNKNOWN, "",
		    "signature not checked: the root's trusted keys are not "
		    "readable by the caller");
	else
		r = vr_addf(rep, "policy", p->source, ES_V_OK, "", "%s%s",
		    o != NULL && o->signer != NULL && *o->signer ?
		    "signed by key " : "not signed (the root trusts no "
		    "signing key)", o != NULL && o->signer != NULL ?
		    o->signer : "");
	if (r != 0)
		return r;
	first_ids(root, s, &first);
	if ((r = db_read(root, &db)) != 0 ||
	    (r = check_user(s, &first, &db, rep)) != 0 ||
	    (r = check_group(s, &first, &db, rep)) != 0 ||
	    (r = check_shadow(root, s, rep)) != 0)
		goto out;
	for (i = 0; i < p->ndirs; i++)
		if ((r = check_dir(root, &p->dirs[i], &db, rep)) != 0)
			goto out;
	if ((r = check_unit(root, p, &db, rep)) != 0 ||
	    (r = check_binary(root, s, &db, rep)) != 0 ||
	    (r = vr_env_files(root, p, &db, rep)) != 0)
		goto out;
	r = vr_audit(root, o, rep);
out:
	free(db.passwd);
	free(db.group);
	return r;
}
