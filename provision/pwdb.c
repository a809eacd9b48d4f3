/*
 * provision/pwdb.c — the pure half of provision/accounts.h: find entries in
 * passwd-format buffers and plan the new contents of group, gshadow,
 * passwd and shadow. No file is touched here.
 */
#include "provision/accounts.h"
#include "common/envseal.h"
#include "common/id.h"
#include "policy/policy.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Most fields in a passwd-family line (passwd 7, shadow 9, group 4). */
#define MAX_FIELDS 9
/* Longest line we build: name, gecos, home, shell and numbers, with room. */
#define LINE_MAX_BUILD (ES_PATH_MAX * 2 + 512)

const char *const es_acct_paths[ES_DB_N] = {
	"/etc/group", "/etc/gshadow", "/etc/passwd", "/etc/shadow",
};

struct line {
	const char *p;        /* start of the line */
	size_t len;           /* without the newline */
	size_t off;           /* offset in the buffer */
	size_t no;            /* 1-based line number */
	const char *f[MAX_FIELDS];
	size_t flen[MAX_FIELDS];
	size_t nf;
};

static void
split(struct line *l)
{
	const char *p = l->p, *end = l->p + l->len, *c;

	l->nf = 0;
	while (l->nf < MAX_FIELDS) {
		c = memchr(p, ':', (size_t)(end - p));
		l->f[l->nf] = p;
		l->flen[l->nf] = c ? (size_t)(c - p) : (size_t)(end - p);
		l->nf++;
		if (c == NULL)
			break;
		p = c + 1;
	}
}

/* Iterate: *pos is the offset of the next line; 1 while there is one. */
static int
next_line(const unsigned char *buf, size_t len, size_t *pos, struct line *l)
{
	const unsigned char *nl;

	if (buf == NULL || *pos >= len)
		return 0;
	l->p = (const char *)buf + *pos;
	l->off = *pos;
	nl = memchr(buf + *pos, '\n', len - *pos);
	l->len = nl ? (size_t)(nl - (buf + *pos)) : len - *pos;
	*pos += l->len + (nl != NULL);
	l->no++;
	split(l);
	return 1;
}

static int
field_is(const struct line *l, size_t i, const char *s)
{
	return i < l->nf && l->flen[i] == strlen(s) &&
	    memcmp(l->f[i], s, l->flen[i]) == 0;
}

/* The numeric field i (common/id.h: digits only, at most ES_ID_MAX), or
 * -1 when it is not an id. Never a value cast down: 4294968296 is not
 * uid 1000. */
static long
field_id(const struct line *l, size_t i)
{
	uint32_t v;

	if (i >= l->nf || es_id_parse(l->f[i], l->flen[i], &v) != 0)
		return -1;
	return (long)v;
}

static int
is_nis(const struct line *l)
{
	return l->len > 0 && (l->p[0] == '+' || l->p[0] == '-');
}

/* Longest piece of a bad field echoed in a message. */
#define SHOW_MAX 32

/* Field i of l for a message: at most SHOW_MAX bytes, anything but
 * printable ASCII shown as '?' (the field may hold any byte but ':'). */
static const char *
show_field(const struct line *l, size_t i, char out[SHOW_MAX + 4])
{
	size_t k, n = l->flen[i] < SHOW_MAX ? l->flen[i] : SHOW_MAX;

	for (k = 0; k < n; k++)
		out[k] = l->f[i][k] > 0x20 && l->f[i][k] < 0x7f ?
		    l->f[i][k] : '?';
	if (l->flen[i] > SHOW_MAX)
		memcpy(out + n, "...", 4);
	else
		out[n] = '\0';
	return out;
}

/* ES_EPOLICY naming file:line, which id and its value. */
static int
bad_id(const char *file, const struct line *l, size_t i, const char *what)
{
	char v[SHOW_MAX + 4];

	return es_failf(ES_EPOLICY, "%s:%zu: %s %s is not an id from 0 to "
	    "%lu", file, l->no, what, show_field(l, i, v), ES_ID_MAX);
}

/*
 * Every id field of every entry in buf (passwd: uid and gid, group: gid)
 * must be an id: a line the planner skipped as "not holding this id"
 * because its field did not parse may hold one for another reader (a
 * strtoul and a cast to uid_t read 4294968296 as 1000 and "+1000" as
 * 1000), and an account would then be created on top of it.
 */
static int
check_ids(const char *file, const unsigned char *buf, size_t len,
    int passwd)
{
	struct line l = { .no = 0 };
	size_t pos = 0;

	while (next_line(buf, len, &pos, &l)) {
		if (l.len == 0 || is_nis(&l))
			continue;
		if (l.nf > 2 && field_id(&l, 2) < 0)
			return bad_id(file, &l, 2, passwd ? "uid" : "gid");
		if (passwd && l.nf > 3 && field_id(&l, 3) < 0)
			return bad_id(file, &l, 3, "gid");
	}
	return 0;
}

/* Find the entry named name: 1 and *out, or 0. */
static int
find_name(const unsigned char *buf, size_t len, const char *name,
    struct line *out)
{
	size_t pos = 0;

	out->no = 0;
	while (next_line(buf, len, &pos, out))
		if (!is_nis(out) && field_is(out, 0, name))
			return 1;
	return 0;
}

/* Find an entry other than name holding id in field 2: 1 and *out, or 0. */
static int
find_id(const unsigned char *buf, size_t len, long id, struct line *out)
{
	size_t pos = 0;

	out->no = 0;
	while (next_line(buf, len, &pos, out))
		if (!is_nis(out) && field_id(out, 2) == id)
			return 1;
	return 0;
}

static int
lookup_id(const char *file, const unsigned char *buf, size_t len,
    const char *name, size_t nfields, const char *what, long *id)
{
	struct line l;

	if (!find_name(buf, len, name, &l))
		return es_failf(ES_EMISSING, "%s %s is not in %s", what, name,
		    file);
	if (l.nf != nfields)
		return es_failf(ES_EPOLICY, "%s:%zu: malformed entry for %s %s",
		    file, l.no, what, name);
	if ((*id = field_id(&l, 2)) < 0)
		return bad_id(file, &l, 2, nfields == 7 ? "uid" : "gid");
	return 0;
}

int
es_pwbuf_user(const char *file, const unsigned char *buf, size_t len,
    const char *name, uid_t *uid)
{
	long id = -1;
	int r;

	if ((r = lookup_id(file, buf, len, name, 7, "user", &id)) == 0)
		*uid = (uid_t)id;
	return r;
}

int
es_pwbuf_group(const char *file, const unsigned char *buf, size_t len,
    const char *name, gid_t *gid)
{
	long id = -1;
	int r;

	if ((r = lookup_id(file, buf, len, name, 4, "group", &id)) == 0)
		*gid = (gid_t)id;
	return r;
}

int
es_pwbuf_name(const unsigned char *buf, size_t len, unsigned long id,
    char *out, size_t sz)
{
	struct line l;

	if (id > 2147483647UL || !find_id(buf, len, (long)id, &l) ||
	    l.flen[0] >= sz)
		return ES_EMISSING;
	memcpy(out, l.f[0], l.flen[0]);
	out[l.flen[0]] = '\0';
	return 0;
}

int
es_logindefs_get(const unsigned char *buf, size_t len, const char *key,
    long def, long *out)
{
	size_t pos = 0, kl = strlen(key), n;
	struct line l = { .no = 0 };
	char show[SHOW_MAX + 4];
	uint32_t v;

	*out = def;
	while (next_line(buf, len, &pos, &l)) {
		const char *p = l.p, *e = l.p + l.len;

		while (p < e && (*p == ' ' || *p == '\t'))
			p++;
		if ((size_t)(e - p) <= kl || memcmp(p, key, kl) != 0 ||
		    (p[kl] != ' ' && p[kl] != '\t'))
			continue;
		for (p += kl; p < e && (*p == ' ' || *p == '\t'); p++)
			;
		/* The value: up to a blank or a '#' comment. */
		for (n = 0; p + n < e && p[n] != ' ' && p[n] != '\t' &&
		    p[n] != '#'; n++)
			;
		if (n == 0)
			continue;   /* no value: the default, as shadow-utils */
		if (es_id_parse(p, n, &v) != 0) {
			l.f[0] = p;   /* show the value, not the whole line */
			l.flen[0] = n;
			return es_failf(ES_EPOLICY, "/etc/login.defs:%zu: %s %s "
			    "is not an id from 0 to %lu", l.no, key,
			    show_field(&l, 0, show), ES_ID_MAX);
		}
		*out = (long)v;   /* the last one wins, as in shadow-utils */
	}
	return 0;
}

/* --- the planner --------------------------------------------------------- */

static int
taken(const unsigned char *buf, size_t len, long id)
{
	struct line l;

	return find_id(buf, len, id, &l);
}

/* Highest id in [min, max] free in a (and in b when b is given). */
static long
highest_free(const unsigned char *a, size_t al, const unsigned char *b,
    size_t bl, long min, long max, int use_b)
{
	long id = -1;

	for (id = max; id >= min && id > 0; id--) {
		/* Never one of the worker's ids (common/id.h). */
		if (ES_ID_IS_WORKER(id)) {
			id = (long)ES_WORKER_ID_BASE;
			continue;
		}
		if (!taken(a, al, id) && (!use_b || !taken(b, bl, id)))
			return id;
	}
	return -1;
}

static int
name_of(const struct line *l, char *out, size_t sz)
{
	size_t n = l->flen[0] < sz - 1 ? l->flen[0] : sz - 1;

	memcpy(out, l->f[0], n);
	out[n] = '\0';
	return 0;
}

/* The group: reuse it, or choose its gid. */
static int
plan_gid(const struct es_acct_bufs *in, const struct es_acct_want *w,
    const struct line *ul, int have_user, long *gid, int *create)
{
	const unsigned char *g = in->buf[ES_DB_GROUP];
	size_t gl = in->len[ES_DB_GROUP];
	struct line l;
	char who[ES_NAME_MAX + 1];

	if (find_name(g, gl, w->group, &l)) {
		if (l.nf != 4 || (*gid = field_id(&l, 2)) < 0)
			return es_failf(ES_EPOLICY, "/etc/group:%zu: malformed "
			    "entry for group %s", l.no, w->group);
		if (w->gid >= 0 && *gid != w->gid)
			return es_failf(ES_ECONFLICT, "group %s exists with gid "
			    "%ld, the policy pins %ld; envseal never "
			    "renumbers", w->group, *gid, w->gid);
		*create = 0;
		return 0;
	}
	*create = 1;
	if (w->gid >= 0)
		*gid = w->gid;
	else if (have_user)
		*gid = field_id(ul, 3);
	else if (w->uid >= 0 && !taken(g, gl, w->uid))
		*gid = w->uid;
	else
		*gid = highest_free(g, gl, in->buf[ES_DB_PASSWD],
		    in->len[ES_DB_PASSWD], w->sys_min,
		    w->sys_gid_max < w->sys_uid_max ? w->sys_gid_max :
		    w->sys_uid_max, w->uid < 0);
	if (*gid < 0 && w->uid < 0)
		*gid = highest_free(g, gl, NULL, 0, w->sys_min, w->sys_gid_max,
		    0);
	if (*gid < 0)
		return es_failf(ES_ECONFLICT, "no free system gid in %ld..%ld "
		    "for group %s", w->sys_min, w->sys_gid_max, w->group);
	if (find_id(g, gl, *gid, &l)) {
		name_of(&l, who, sizeof who);
		return es_failf(ES_ECONFLICT, "gid %ld for group %s is held by "
		    "group %s", *gid, w->group, who);
	}
	return 0;
}

static int
plan_uid(const struct es_acct_bufs *in, const struct es_acct_want *w,
    long gid, long *uid)
{
	const unsigned char *p = in->buf[ES_DB_PASSWD];
	size_t pl = in->len[ES_DB_PASSWD];
	char who[ES_NAME_MAX + 1];
	struct line l;

	if (w->uid >= 0)
		*uid = w->uid;
	else if (!taken(p, pl, gid) && gid >= w->sys_min &&
	    gid <= w->sys_uid_max)
		*uid = gid;   /* as sysusers: uid = gid when that is free */
	else
		*uid = highest_free(p, pl, NULL, 0, w->sys_min, w->sys_uid_max,
		    0);
	if (*uid < 0)
		return es_failf(ES_ECONFLICT, "no free system uid in %ld..%ld "
		    "for user %s", w->sys_min, w->sys_uid_max, w->user);
	if (find_id(p, pl, *uid, &l)) {
		name_of(&l, who, sizeof who);
		return es_failf(ES_ECONFLICT, "uid %ld for user %s is held by "
		    "user %s", *uid, w->user, who);
	}
	return 0;
}

/* The existing user must match: same uid (if pinned), same primary gid. */
static int
check_user(const struct line *ul, const struct es_acct_want *w, long gid)
{
	long uid = field_id(ul, 2), ugid = field_id(ul, 3);

	if (ul->nf != 7 || uid < 0 || ugid < 0)
		return es_failf(ES_EPOLICY, "/etc/passwd:%zu: malformed entry "
		    "for user %s", ul->no, w->user);
	if (w->uid >= 0 && uid != w->uid)
		return es_failf(ES_ECONFLICT, "user %s exists with uid %ld, the "
		    "policy pins %ld; envseal never renumbers", w->user, uid,
		    w->uid);
	if (ugid != gid)
		return es_failf(ES_ECONFLICT, "user %s has primary gid %ld, not "
		    "group %s (gid %ld); envseal never changes it", w->user,
		    ugid, w->group, gid);
	return 0;
}

/* Insert line (with its newline) before the first NIS entry, else at the
 * end; a last line without a newline gets one first. */
static int
insert_line(const unsigned char *buf, size_t len, const char *add,
    unsigned char **out, size_t *outlen)
{
	size_t pos = 0, at = len, al = strlen(add), nl = 0;
	struct line l = { .no = 0 };

	while (next_line(buf, len, &pos, &l))
		if (is_nis(&l)) {
			at = l.off;
			break;
		}
	if (at == len && len > 0 && buf[len - 1] != '\n')
		nl = 1;
	if ((*out = malloc(len + nl + al + 1)) == NULL)
		return -ENOMEM;
	if (at)
		memcpy(*out, buf, at);
	if (nl)
		(*out)[at] = '\n';
	memcpy(*out + at + nl, add, al);
	if (len > at)
		memcpy(*out + at + nl + al, buf + at, len - at);
	*outlen = len + nl + al;
	return 0;
}

/* Replace line l of buf with repl (no newline). */
static int
replace_line(const unsigned char *buf, size_t len, const struct line *l,
    const char *repl, unsigned char **out, size_t *outlen)
{
	size_t rl = strlen(repl), tail = len - l->off - l->len;

	if ((*out = malloc(len - l->len + rl + 1)) == NULL)
		return -ENOMEM;
	memcpy(*out, buf, l->off);
	memcpy(*out + l->off, repl, rl);
	memcpy(*out + l->off + rl, buf + l->off + l->len, tail);
	*outlen = len - l->len + rl;
	return 0;
}

static int
copy_buf(const unsigned char *buf, size_t len, unsigned char **out,
    size_t *outlen)
{
	if ((*out = malloc(len + 1)) == NULL)
		return -ENOMEM;
	if (len)
		memcpy(*out, buf, len);
	*outlen = len;
	return 0;
}

static int
fmt_line(char *out, size_t sz, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
fmt_line(char *out, size_t sz, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vsnprintf(out, sz, fmt, ap);
	va_end(ap);
	if (r < 0 || (size_t)r >= sz)
		return es_failf(ES_ELIMIT, "passwd line longer than %zu bytes",
		    sz);
	return 0;
}

/* Add line to file db unless an entry called name is there already. */
static int
ensure_entry(const struct es_acct_bufs *in, struct es_acct_bufs *out,
    enum es_acct_db db, const char *name, const char *line)
{
	struct line l;

	if (find_name(in->buf[db], in->len[db], name, &l))
		return copy_buf(in->buf[db], in->len[db], &out->buf[db],
		    &out->len[db]);
	return insert_line(in->buf[db], in->len[db], line, &out->buf[db],
	    &out->len[db]);
}

static int
plan_passwd(const struct es_acct_bufs *in, const struct es_acct_want *w,
    struct es_acct_plan *plan, const struct line *ul, int have_user)
{
	char line[LINE_MAX_BUILD];
	int r;

	if (!have_user) {
		if ((r = fmt_line(line, sizeof line, "%s:x:%lu:%lu:%s:%s:%s\n",
		    w->user, (unsigned long)plan->uid,
		    (unsigned long)plan->gid, w->gecos, w->home,
		    w->shell)) != 0)
			return r;
		plan->user_created = 1;
		return insert_line(in->buf[ES_DB_PASSWD], in->len[ES_DB_PASSWD],
		    line, &plan->out.buf[ES_DB_PASSWD],
		    &plan->out.len[ES_DB_PASSWD]);
	}
	if (field_is(ul, 4, w->gecos) && field_is(ul, 5, w->home) &&
	    field_is(ul, 6, w->shell))
		return copy_buf(in->buf[ES_DB_PASSWD], in->len[ES_DB_PASSWD],
		    &plan->out.buf[ES_DB_PASSWD], &plan->out.len[ES_DB_PASSWD]);
	/* Drift: keep name, password field, uid and gid as they are. */
	if ((r = fmt_line(line, sizeof line, "%.*s:%s:%s:%s",
	    (int)(ul->f[4] - ul->p - 1), ul->p, w->gecos, w->home,
	    w->shell)) != 0)
		return r;
	plan->user_repaired = 1;
	return replace_line(in->buf[ES_DB_PASSWD], in->len[ES_DB_PASSWD], ul,
	    line, &plan->out.buf[ES_DB_PASSWD], &plan->out.len[ES_DB_PASSWD]);
}

static int
plan_lines(const struct es_acct_bufs *in, const struct es_acct_want *w,
    struct es_acct_plan *plan, const struct line *ul, int have_user)
{
	char line[LINE_MAX_BUILD];
	int r;

	if ((r = fmt_line(line, sizeof line, "%s:x:%lu:\n", w->group,
	    (unsigned long)plan->gid)) != 0 ||
	    (r = ensure_entry(in, &plan->out, ES_DB_GROUP, w->group,
	    line)) != 0)
		return r;
	if ((r = fmt_line(line, sizeof line, "%s:!*::\n", w->group)) != 0 ||
	    (r = ensure_entry(in, &plan->out, ES_DB_GSHADOW, w->group,
	    line)) != 0)
		return r;
	if ((r = plan_passwd(in, w, plan, ul, have_user)) != 0)
		return r;
	if ((r = fmt_line(line, sizeof line, "%s:!*:%ld::::::\n", w->user,
	    w->days)) != 0)
		return r;
	return ensure_entry(in, &plan->out, ES_DB_SHADOW, w->user, line);
}

static int
bad_field(const char *s)
{
	for (; *s; s++)
		if (*s == ':' || (unsigned char)*s < 0x20 || *s == 0x7f)
			return 1;
	return 0;
}

int
es_accounts_plan(const struct es_acct_bufs *in, const struct es_acct_want *w,
    struct es_acct_plan *plan)
{
	struct line ul;
	long gid = -1, uid = -1;
	int have_user, create_group, r;

	memset(plan, 0, sizeof *plan);
	/* The policy loader refuses these already; the planner is public. */
	if (bad_field(w->user) || bad_field(w->group) || bad_field(w->gecos) ||
	    bad_field(w->home) || bad_field(w->shell))
		return es_failf(ES_EPOLICY, "account field with ':' or a "
		    "control character for user %s", w->user);
	if ((r = check_ids("/etc/passwd", in->buf[ES_DB_PASSWD],
	    in->len[ES_DB_PASSWD], 1)) != 0 ||
	    (r = check_ids("/etc/group", in->buf[ES_DB_GROUP],
	    in->len[ES_DB_GROUP], 0)) != 0)
		return r;
	/* The planner is public: pins and ranges are ids too. */
	if (w->uid > (long)ES_ID_MAX || w->gid > (long)ES_ID_MAX ||
	    w->sys_min < 0 || w->sys_min > (long)ES_ID_MAX ||
	    w->sys_uid_max < 0 || w->sys_uid_max > (long)ES_ID_MAX ||
	    w->sys_gid_max < 0 || w->sys_gid_max > (long)ES_ID_MAX)
		return es_failf(ES_EPOLICY, "an id or id range for user %s is "
		    "not from 0 to %lu", w->user, ES_ID_MAX);
	have_user = find_name(in->buf[ES_DB_PASSWD], in->len[ES_DB_PASSWD],
	    w->user, &ul);
	if (have_user && (ul.nf != 7 || field_id(&ul, 3) < 0))
		return es_failf(ES_EPOLICY, "/etc/passwd:%zu: malformed entry "
		    "for user %s", ul.no, w->user);
	if ((r = plan_gid(in, w, &ul, have_user, &gid, &create_group)) != 0)
		goto out;
	if (have_user) {
		if ((r = check_user(&ul, w, gid)) != 0)
			goto out;
		uid = field_id(&ul, 2);
	} else if ((r = plan_uid(in, w, gid, &uid)) != 0)
		goto out;
	plan->uid = (uid_t)uid;
	plan->gid = (gid_t)gid;
	plan->group_created = create_group;
	r = plan_lines(in, w, plan, &ul, have_user);
out:
	if (r != 0)
		es_acct_bufs_free(&plan->out);
	return r;
}

void
es_acct_bufs_free(struct es_acct_bufs *b)
{
	size_t i;

	for (i = 0; i < ES_DB_N; i++) {
		free(b->buf[i]);
		b->buf[i] = NULL;
		b->len[i] = 0;
	}
}
