/*
 * verify/envfile.c — `envseal verify`'s env files and audit log
 * (verify/verify.h): each env file's type, owner, mode and ACL against
 * the policy, its names and keyed fingerprint against the last audit
 * record of a write to it; the audit chain, optionally anchored.
 *
 * The file's bytes are read (root only) into guarded memory, parsed for
 * names by render's systemd-grammar reader and fingerprinted; they are
 * wiped right after and no value reaches the report.
 */
#include "verify/verify_int.h"
#include "render/render.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

/* Hex digits of a SHA-256 or a fingerprint. */
#define VR_HEX 64

/* What the log last recorded for one env file. */
struct vr_last {
	int found;
	size_t line;
	char *vars;              /* names joined by ",", or NULL */
	long count;              /* vars_count when the list was hashed */
	char sha[VR_HEX + 1];    /* vars_sha256 then */
	char fp[VR_HEX + 1];     /* "" when the record has none */
};

struct vr_scan {
	const struct es_policy *p;
	int denied;              /* the log is not readable by the caller */
	struct vr_last *last;    /* one per env file */
};

static void
copy_hex(char *dst, const char *src)
{
	/* Cut on purpose: a record's hex fields are VR_HEX digits. */
	(void)snprintf(dst, VR_HEX + 1, "%s", src != NULL ? src : "");
}

/* Keep the newest successful write of each env file. */
static int
on_record(void *arg, const struct es_audit_rec *r)
{
	struct vr_scan *sc = arg;
	const char *ev = es_audit_rec_get(r, "event");
	const char *path = es_audit_rec_get(r, "path");
	const char *act = es_audit_rec_get(r, "action");
	const char *v, *c;
	struct vr_last *l;
	size_t i;

	if (ev == NULL || path == NULL || act == NULL || strcmp(ev, "file") ||
	    !strcmp(act, "refused") || es_audit_rec_get(r, "error") != NULL)
		return 0;
	for (i = 0; i < sc->p->nenv_files; i++) {
		if (strcmp(sc->p->env_files[i].path, path) != 0)
			continue;
		l = &sc->last[i];
		free(l->vars);
		memset(l, 0, sizeof *l);
		l->found = 1;
		l->line = es_audit_rec_line(r);
		if ((v = es_audit_rec_get(r, "vars")) != NULL &&
		    (l->vars = strdup(v)) == NULL)
			return -ENOMEM;
		c = es_audit_rec_get(r, "vars_count");
		l->count = c != NULL ? strtol(c, NULL, 10) : -1;
		copy_hex(l->sha, es_audit_rec_get(r, "vars_sha256"));
		copy_hex(l->fp, es_audit_rec_get(r, "fingerprint"));
	}
	return 0;
}

static int
by_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Names of a,b (each sorted) only in a, joined by "," into out. */
static void
only_in(char **a, size_t na, char **b, size_t nb, char *out, size_t size)
{
	size_t i, j = 0, o = 0;
	int c, n;

	out[0] = '\0';
	for (i = 0; i < na; i++) {
		while (j < nb && (c = strcmp(b[j], a[i])) < 0)
			j++;
		if (j < nb && !strcmp(b[j], a[i]))
			continue;
		n = snprintf(out + o, size - o, "%s%s", o ? "," : "", a[i]);
		if (n < 0 || (size_t)n >= size - o) {
			if (size > 4)
				memcpy(out + size - 4, "...", 4);
			return;
		}
		o += (size_t)n;
	}
}

/* The recorded names as a sorted vector (split at ","), malloc'd. */
static int
split_names(const char *list, char ***out, size_t *n)
{
	char *dup, *tok, *save = NULL, **v = NULL, **nv;
	size_t k = 0;

	*out = NULL;
	*n = 0;
	if ((dup = strdup(list)) == NULL)
		return -ENOMEM;
	for (tok = strtok_r(dup, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save)) {
		if ((nv = realloc(v, (k + 1) * sizeof *v)) == NULL)
			goto nomem;
		v = nv;
		if ((v[k] = strdup(tok)) == NULL)
			goto nomem;
		k++;
	}
	free(dup);
	if (k > 0)
		qsort(v, k, sizeof *v, by_str);
	*out = v;
	*n = k;
	return 0;
nomem:
	while (k > 0)
		free(v[--k]);
	free(v);
	free(dup);
	return -ENOMEM;
}

/* The names in file order, one a line, through SHA-256: how the log
 * hashes a list too long to record (one function for both). */
static void
names_sha256(char **names, size_t n, char *hex)
{
	es_audit_names_sha256((const char *const *)names, n, hex);
}

/* Where name's last assignment starts in the file (later wins, as in
 * the parser): the last "NAME=" at a line start. */
static size_t
raw_pos(const struct es_sbuf *data, const char *name)
{
	const unsigned char *p = data->p, *end = data->p + data->len, *hit;
	size_t n = strlen(name), best = 0;

	while (p < end && (hit = memmem(p, (size_t)(end - p), name, n))) {
		if ((hit == data->p || hit[-1] == '\n') && hit + n < end &&
		    hit[n] == '=')
			best = (size_t)(hit - data->p);
		p = hit + 1;
	}
	return best;
}

struct file_order {
	const struct es_env_parsed *ps;
	const struct es_sbuf *data;
};

/* The parser hands names sorted; their values were appended in file
 * order, so a value's offset is its line's rank. Empty values share an
 * offset with the next one: those are told apart by where the name's
 * line starts. */
static int
by_file_order(const void *a, const void *b, void *arg)
{
	const struct file_order *o = arg;
	size_t i = *(const size_t *)a, j = *(const size_t *)b;
	const struct es_env_parsed *ps = o->ps;
	size_t pi, pj;

	if (ps->off[i] != ps->off[j])
		return ps->off[i] < ps->off[j] ? -1 : 1;
	pi = raw_pos(o->data, ps->names[i]);
	pj = raw_pos(o->data, ps->names[j]);
	return pi < pj ? -1 : pi > pj;
}

/* The names in the file's order (as the record hashes them). */
static int
file_order(const struct es_env_parsed *ps, const struct es_sbuf *data,
    char ***out)
{
	struct file_order ctx = { ps, data };
	size_t *idx, i;
	char **v;

	*out = NULL;
	if (ps->n == 0)
		return 0;
	if ((idx = malloc(ps->n * sizeof *idx)) == NULL ||
	    (v = malloc(ps->n * sizeof *v)) == NULL) {
		free(idx);
		return -ENOMEM;
	}
	for (i = 0; i < ps->n; i++)
		idx[i] = i;
	/* Not the worker: glibc's qsort (and its sysinfo call) is fine. */
	qsort_r(idx, ps->n, sizeof *idx, by_file_order, &ctx);
	for (i = 0; i < ps->n; i++)
		v[i] = ps->names[idx[i]];
	free(idx);
	*out = v;
	return 0;
}

static int
check_names(const char *path, const struct vr_last *l,
    const struct es_env_parsed *ps, const struct es_sbuf *data,
    struct es_vreport *rep)
{
	char added[ES_VERIFY_TEXT_MAX], gone[ES_VERIFY_TEXT_MAX];
	char want[ES_VERIFY_TEXT_MAX], hex[VR_HEX + 1];
	char got[2 * ES_VERIFY_TEXT_MAX + 32];
	char **rec = NULL, **now = NULL;
	size_t nrec = 0, i;
	int r;

	if (l->vars == NULL) {
		if ((r = file_order(ps, data, &now)) != 0)
			return r;
		names_sha256(now, ps->n, hex);
		free(now);
		(void)snprintf(want, sizeof want, "%ld names, sha256 %s",
		    l->count, l->sha);
		return vr_addf(rep, "names", path, (long)ps->n == l->count &&
		    !strcmp(hex, l->sha) ? ES_V_OK : ES_V_DRIFT, want,
		    "%zu names, sha256 %s", ps->n, hex);
	}
	if ((r = split_names(l->vars, &rec, &nrec)) != 0)
		return r;
	if (ps->n > 0 && (now = malloc(ps->n * sizeof *now)) == NULL) {
		r = -ENOMEM;
		goto out;
	}
	for (i = 0; i < ps->n; i++)
		now[i] = ps->names[i];
	if (ps->n > 0)
		qsort(now, ps->n, sizeof *now, by_str);
	only_in(now, ps->n, rec, nrec, added, sizeof added);
	only_in(rec, nrec, now, ps->n, gone, sizeof gone);
	if (!*added && !*gone) {
		r = vr_add(rep, "names", path, ES_V_OK, l->vars, l->vars);
	} else {
		/* Cut on purpose: vr_add cuts at ES_VERIFY_TEXT_MAX anyway. */
		(void)snprintf(got, sizeof got, "%s%s%s%s%s", *added ?
		    "added by hand: " : "", added, *added && *gone ? "; " : "",
		    *gone ? "removed: " : "", gone);
		r = vr_add(rep, "names", path, ES_V_DRIFT, l->vars, got);
	}
out:
	for (i = 0; i < nrec; i++)
		free(rec[i]);
	free(rec);
	free(now);
	return r;
}

/* The content's keyed fingerprint against the last record's. */
static int
check_content(struct es_root *root, const char *path,
    const struct vr_last *l, const struct es_sbuf *data,
    struct es_vreport *rep)
{
	char fp[VR_HEX + 1];
	int have = 0, r;

	if (!*l->fp)
		return vr_add(rep, "content", path, ES_V_UNKNOWN,
		    "the fingerprint of the last render", "none recorded");
	if ((r = es_audit_fingerprint(root, data->p, data->len, fp, &have))
	    != 0)
		return r;
	if (!have)
		return vr_add(rep, "content", path, ES_V_UNKNOWN,
		    "the fingerprint of the last render",
		    "unknown: needs /var/lib/envseal/audit.key (root)");
	/* Fingerprints only: never a value. */
	return vr_add(rep, "content", path, !strcmp(fp, l->fp) ? ES_V_OK :
	    ES_V_DRIFT, "the fingerprint of the last render",
	    !strcmp(fp, l->fp) ? "the fingerprint of the last render" :
	    "another fingerprint: edited since the last render");
}

/* Type, links, owner, group, mode, ACL. 1 in *readable when the file is
 * there to be read. */
static int
check_meta(struct es_root *root, const struct es_env_file *e,
    const struct vr_db *db, struct es_vreport *rep, int *there)
{
	char want[VR_META_MAX + 32], got[VR_META_MAX];
	struct es_inspect in;
	uid_t uid;
	gid_t gid;
	int r, ok;

	*there = 0;
	(void)snprintf(want, sizeof want, "%s:%s %04o", e->owner, e->group,
	    (unsigned)e->mode);
	if ((r = es_inspect_path(root, e->path, &in)) != 0)
		return r;
	if (!in.exists)
		return vr_add(rep, "envfile", e->path, VR_ABSENT_ST(&in),
		    want, VR_ABSENT(&in));
	if (!S_ISREG(in.st.st_mode))
		return vr_addf(rep, "envfile", e->path, ES_V_DRIFT,
		    "a regular file", "%s", es_inspect_kind(in.st.st_mode));
	*there = 1;
	vr_meta(db, &in.st, got, sizeof got);
	if (in.st.st_nlink != 1)
		return vr_addf(rep, "envfile", e->path, ES_V_DRIFT,
		    "one link", "%s with %lu links", got,
		    (unsigned long)in.st.st_nlink);
	if (in.acl == 1)
		return vr_addf(rep, "envfile", e->path, ES_V_DRIFT, want,
		    "%s with a POSIX ACL", got);
	if (vr_ids(db, e->owner, e->group, &uid, &gid) != 0)
		return vr_add(rep, "envfile", e->path, ES_V_UNKNOWN, want, got);
	ok = in.st.st_uid == uid && in.st.st_gid == gid &&
	    (in.st.st_mode & 07777) == e->mode;
	return vr_add(rep, "envfile", e->path, ok ? ES_V_OK : ES_V_DRIFT,
	    want, got);
}

static int
check_env(struct es_root *root, const struct es_env_file *e,
    const struct vr_last *l, int log_denied, const struct vr_db *db,
    struct es_vreport *rep)
{
	struct es_env_parsed ps;
	struct es_sbuf data = { 0 };
	int exists = 0, there, r;

	memset(&ps, 0, sizeof ps);
	if ((r = check_meta(root, e, db, rep, &there)) != 0 || !there)
		return r;
	if (!l->found)
		return vr_add(rep, "names", e->path, ES_V_UNKNOWN,
		    "the names of the last render", log_denied ?
		    "the audit log is not readable by the caller" :
		    "no audit record of it");
	r = es_read_file_secure(root, e->path, ES_FILE_MAX, &data, NULL,
	    &exists);
	if (r == -EACCES || r == -EPERM) {
		es_errclear();
		return vr_add(rep, "names", e->path, ES_V_UNKNOWN,
		    "the names of the last render",
		    "unknown: the file is not readable by the caller");
	}
	if (r != 0 || !exists)
		goto out;
	if (es_env_parse(data.p, data.len, &ps) != 0) {
		es_errclear();
		r = vr_add(rep, "names", e->path, ES_V_DRIFT,
		    "an env file systemd reads", "a file that does not parse");
		goto out;
	}
	if ((r = check_names(e->path, l, &ps, &data, rep)) == 0)
		r = check_content(root, e->path, l, &data, rep);
out:
	es_env_parsed_free(&ps);
	es_sbuf_free(&data);
	return r;
}

int
vr_env_files(struct es_root *root, const struct es_policy *p,
    const struct vr_db *db, struct es_vreport *rep)
{
	struct vr_scan sc = { p, 0, NULL };
	size_t i;
	int r = 0;

	if (p->nenv_files == 0)
		return 0;
	if ((sc.last = calloc(p->nenv_files, sizeof *sc.last)) == NULL)
		return -ENOMEM;
	r = es_audit_each(root, on_record, &sc, NULL);
	if (r == -EACCES) {
		/* Not root: names and fingerprints are unknown, not failed. */
		es_errclear();
		sc.denied = 1;
		r = 0;
	}
	for (i = 0; r == 0 && i < p->nenv_files; i++)
		r = check_env(root, &p->env_files[i], &sc.last[i], sc.denied,
		    db, rep);
	for (i = 0; i < p->nenv_files; i++)
		free(sc.last[i].vars);
	free(sc.last);
	return r;
}

/* --- the audit log --- */

struct vr_anchor {
	const char *hash;
	size_t total;            /* records seen */
	size_t at;               /* the anchor's line, 0 until found */
};

static int
on_anchor(void *arg, const struct es_audit_rec *r)
{
	struct vr_anchor *a = arg;

	a->total++;
	if (a->at == 0 && a->hash != NULL &&
	    !strcmp(es_audit_rec_hash(r), a->hash))
		a->at = es_audit_rec_line(r);
	return 0;
}

/* The chain walk's findings as report items: the chain, then each run
 * left incomplete (an intent and no end record: a crash or a kill while
 * changing something) as drift. The first error adding one is kept. */
struct vr_walk {
	struct es_vreport *rep;
	const char *log;
	int r;
};

static void
on_intact(void *arg, size_t records, const char *last)
{
	struct vr_walk *w = arg;

	(void)last;
	if (w->r == 0)
		w->r = vr_addf(w->rep, "audit", w->log, ES_V_OK,
		    "an intact chain", "chain intact, %zu records", records);
}

static void
on_incomplete(void *arg, const struct es_audit_open_run *o)
{
	char items[ES_VERIFY_TEXT_MAX];
	struct vr_walk *w = arg;
	size_t i, off = 0;
	int n;

	items[0] = '\0';
	for (i = 0; i < o->nnamed && off < sizeof items; i++) {
		n = snprintf(items + off, sizeof items - off, "%s%s",
		    i > 0 ? ", " : "", o->named[i] != NULL ? o->named[i] : "?");
		if (n < 0)
			break;
		off += (size_t)n;
	}
	/* Cut on purpose: the report cuts texts at ES_VERIFY_TEXT_MAX. */
	if (w->r == 0)
		w->r = vr_addf(w->rep, "run", w->log, ES_V_DRIFT,
		    "an end record", "run %s (%s, %s, line %zu) has none; it "
		    "intended: %s%s", o->id, o->command, o->time, o->line, items,
		    o->nitems > o->nnamed ? ", and more" : "");
}

int
vr_audit(struct es_root *root, const struct es_verify_opts *o,
    struct es_vreport *rep)
{
	const char *log = "/var/log/envseal/audit.jsonl";
	struct vr_anchor a = { o != NULL ? o->expect_audit : NULL, 0, 0 };
	struct vr_walk vw = { rep, log, 0 };
	struct es_audit_walk w = { NULL, on_intact, on_incomplete, &vw, 0 };
	int r, none = 0;

	r = es_audit_verify(root, &w);
	if (r == 0 && vw.r != 0)
		return vw.r;
	if (r == -EACCES) {
		es_errclear();
		return vr_add(rep, "audit", log, ES_V_UNKNOWN, "an intact chain",
		    "not readable by the caller");
	}
	if (r == ES_EINTEGRITY) {
		rep->integrity = 1;
		r = vr_add(rep, "audit", log, ES_V_DRIFT, "an intact chain",
		    es_errdetail());
		es_errclear();
		return r;
	}
	if (r != 0)
		return r;
	if ((r = es_audit_each(root, on_anchor, &a, &none)) != 0)
		return r;
	if (none || w.none)
		return vr_add(rep, "audit", log, ES_V_MISSING, "an audit log",
		    "none");
	if (a.hash == NULL)
		return 0;
	if (a.at == 0)
		return vr_add(rep, "anchor", log, ES_V_DRIFT, a.hash,
		    "no record has that hash: records were cut off the end, "
		    "or this is another log");
	return vr_addf(rep, "anchor", log, ES_V_OK, a.hash,
	    "line %zu, %zu records after it", a.at, a.total - a.at);
}
