/*
 * render/parse.c — systemd 252's EnvironmentFile= reader (env-file.c
 * parse_env_file_internal() plus the validation of load_env_file() and
 * strv_env_clean()), re-implemented to compute name-level diffs in the
 * worker. Pure; runs in the worker.
 */
#include "render/render.h"
#include "render/render_int.h"

#include <errno.h>
#include <string.h>

#define NONE ((size_t)-1)

enum pstate {
	PRE_KEY, KEY, PRE_VALUE, VALUE, VALUE_ESCAPE, SQ, DQ, DQ_ESCAPE,
	COMMENT, COMMENT_ESCAPE,
};

struct parser {
	struct es_env_parsed *out;
	size_t cap;
	struct es_sbuf key;      /* names are not secret, but keep it simple */
	size_t val_start;        /* where the current value starts in out->val */
	size_t key_ws, val_ws;   /* systemd's last_*_whitespace markers */
	int have_val;
	int invalid;             /* a value systemd would refuse: whole file */
	/* Streaming (es_env_diff_env): each variable goes to sink instead
	 * of out's arrays, and its bytes in out->val are reused. */
	int (*sink)(void *ctx, const char *name, const unsigned char *v,
	    size_t vlen);
	void *sink_ctx;
	/* At a line start in PRE_KEY: the bytes of a whole line whose
	 * variable the sink has already taken (see on_old_line), or 0. */
	size_t (*fast)(void *ctx, const unsigned char *b, size_t n);
};

/* Byte classes of the state machine, one table lookup per byte instead
 * of a strchr() per test (the old file of a large vault is parsed whole). */
enum { C_WS = 1, C_NL = 2, C_COMMENT = 4, C_ESC = 8 };

static const unsigned char cls[256] = {
	[' '] = C_WS, ['\t'] = C_WS, ['\n'] = C_WS | C_NL, ['\r'] = C_WS | C_NL,
	['#'] = C_COMMENT, [';'] = C_COMMENT,
	['"'] = C_ESC, ['\\'] = C_ESC, ['`'] = C_ESC, ['$'] = C_ESC,
};

static int
in(unsigned char set, unsigned char c)
{
	return (cls[c] & set) != 0;
}

/* Append one byte: a plain store while there is room (es_env_parse
 * reserves the whole value buffer up front), es_sbuf_putc() otherwise. */
static int
put1(struct es_sbuf *b, unsigned char c)
{
	if (b->len < b->cap) {
		b->p[b->len++] = c;
		return 0;
	}
	return es_sbuf_putc(b, c);
}

static int
push(struct parser *ps, int chomp)
{
	struct es_env_parsed *o = ps->out;
	size_t klen = ps->key.len, vlen = o->val.len - ps->val_start;
	void *np;
	int r;

	if (chomp && ps->val_ws != NONE)
		vlen = ps->val_ws - ps->val_start;
	if (ps->key_ws != NONE)
		klen = ps->key_ws;
	o->val.len = ps->val_start + vlen;
	if ((r = es_sbuf_putc(&ps->key, 0)) != 0)
		return r;
	ps->key.p[klen] = 0;
	/* val.p is NULL until the first value byte: no arithmetic on it. */
	if (!es_env_utf8_valid(ps->key.p, klen) || (vlen > 0 &&
	    !es_env_utf8_valid(o->val.p + ps->val_start, vlen)))
		ps->invalid = 1;
	/* strv_env_clean(): bad names and over-long strings are dropped. */
	if (!es_env_name_valid((char *)ps->key.p) ||
	    klen + 1 + vlen > ES_ENV_LINE_MAX) {
		o->val.len = ps->val_start;
		goto out;
	}
	if (ps->sink != NULL) {
		r = ps->sink(ps->sink_ctx, (char *)ps->key.p, vlen > 0 ?
		    o->val.p + ps->val_start : NULL, vlen);
		o->val.len = ps->val_start;
		if (r != 0)
			return r;
		goto out;
	}
	if (o->n == ps->cap) {
		ps->cap = ps->cap ? ps->cap * 2 : 64;
		if ((np = realloc(o->names, ps->cap * sizeof *o->names)) == NULL)
			return -ENOMEM;
		o->names = np;
		if ((np = realloc(o->off, ps->cap * sizeof *o->off)) == NULL)
			return -ENOMEM;
		o->off = np;
		if ((np = realloc(o->len, ps->cap * sizeof *o->len)) == NULL)
			return -ENOMEM;
		o->len = np;
	}
	if ((o->names[o->n] = strdup((char *)ps->key.p)) == NULL)
		return -ENOMEM;
	o->off[o->n] = ps->val_start;
	o->len[o->n] = vlen;
	o->n++;
out:
	ps->key.len = 0;
	ps->val_start = o->val.len;
	return 0;
}

static int
addv(struct parser *ps, unsigned char c)
{
	return put1(&ps->out->val, c);
}

/* One byte of input; *st is the state. */
static int
step(struct parser *ps, enum pstate *st, unsigned char c)
{
	struct es_sbuf *v = &ps->out->val;
	int r = 0;

	switch (*st) {
	case PRE_KEY:
		if (in(C_COMMENT, c))
			*st = COMMENT;
		else if (!in(C_WS, c)) {
			*st = KEY;
			ps->key_ws = NONE;
			r = put1(&ps->key, c);
		}
		break;
	case KEY:
		if (in(C_NL, c)) {
			*st = PRE_KEY;
			ps->key.len = 0;
		} else if (c == '=') {
			*st = PRE_VALUE;
			ps->val_ws = NONE;
		} else {
			if (!in(C_WS, c))
				ps->key_ws = NONE;
			else if (ps->key_ws == NONE)
				ps->key_ws = ps->key.len;
			r = put1(&ps->key, c);
		}
		break;
	case PRE_VALUE:
		if (in(C_NL, c)) {
			*st = PRE_KEY;
			r = push(ps, 0);
		} else if (c == '\'')
			*st = SQ;
		else if (c == '"')
			*st = DQ;
		else if (c == '\\')
			*st = VALUE_ESCAPE;
		else if (!in(C_WS, c)) {
			*st = VALUE;
			r = addv(ps, c);
		}
		break;
	case VALUE:
		if (in(C_NL, c)) {
			*st = PRE_KEY;
			r = push(ps, 1);
		} else if (c == '\\') {
			*st = VALUE_ESCAPE;
			ps->val_ws = NONE;
		} else {
			if (!in(C_WS, c))
				ps->val_ws = NONE;
			else if (ps->val_ws == NONE)
				ps->val_ws = v->len;
			r = addv(ps, c);
		}
		break;
	case VALUE_ESCAPE:
		*st = VALUE;
		if (!in(C_NL, c))
			r = addv(ps, c);
		break;
	case SQ:
		if (c == '\'')
			*st = PRE_VALUE;
		else
			r = addv(ps, c);
		break;
	case DQ:
		if (c == '"')
			*st = PRE_VALUE;
		else if (c == '\\')
			*st = DQ_ESCAPE;
		else
			r = addv(ps, c);
		break;
	case DQ_ESCAPE:
		*st = DQ;
		if (in(C_ESC, c))
			r = addv(ps, c);
		else if (c != '\n' && (r = addv(ps, '\\')) == 0)
			r = addv(ps, c);
		break;
	case COMMENT:
		if (c == '\\')
			*st = COMMENT_ESCAPE;
		else if (in(C_NL, c))
			*st = PRE_KEY;
		break;
	case COMMENT_ESCAPE:
		*st = COMMENT;
		break;
	}
	return r;
}

/* DQ: the bytes before the next '"' or '\\' are value bytes as they
 * are: appended at once. Returns how many were taken. */
static size_t
dq_run(struct parser *ps, const unsigned char *b, size_t n)
{
	struct es_sbuf *v = &ps->out->val;
	size_t k;

	for (k = 0; k < n && b[k] != '"' && b[k] != '\\'; k++)
		;
	if (k == 0)
		return 0;
	if (k > v->cap - v->len && es_sbuf_reserve(v, k) != 0)
		return 0;   /* step() takes it byte by byte, and fails */
	memcpy(v->p + v->len, b, k);
	v->len += k;
	return k;
}

/* KEY and VALUE: a run of bytes that step() would only append (no line
 * break, no whitespace, not '=' in a key, no backslash in a value), and
 * which clear the whitespace marker (key_ws, val_ws) as step() does for
 * each: appended at once. Returns how many were taken. */
static size_t
plain_run(struct parser *ps, enum pstate st, const unsigned char *b,
    size_t n)
{
	struct es_sbuf *d = st == KEY ? &ps->key : &ps->out->val;
	unsigned char stop = st == KEY ? '=' : '\\';
	size_t k;

	for (k = 0; k < n && !in(C_WS, b[k]) && b[k] != stop; k++)
		;
	if (k == 0)
		return 0;
	if (k > d->cap - d->len && es_sbuf_reserve(d, k) != 0)
		return 0;   /* step() takes it byte by byte, and fails */
	memcpy(d->p + d->len, b, k);
	d->len += k;
	if (st == KEY)
		ps->key_ws = NONE;
	else
		ps->val_ws = NONE;
	return k;
}

/* COMMENT: bytes before the next backslash or line break change nothing. */
static size_t
comment_run(const unsigned char *b, size_t n)
{
	size_t k;

	for (k = 0; k < n && b[k] != '\\' && !in(C_NL, b[k]); k++)
		;
	return k;
}

/* Sort by name and keep the last of each duplicate (later wins). */
static int
dedupe(struct es_env_parsed *o)
{
	size_t *idx, i, k = 0, j;
	char **names;
	size_t *off, *len;
	int r = -ENOMEM;

	if (o->n == 0)
		return 0;
	idx = calloc(o->n, sizeof *idx);
	names = calloc(o->n, sizeof *names);
	off = calloc(o->n, sizeof *off);
	len = calloc(o->n, sizeof *len);
	if (!idx || !names || !off || !len)
		goto out;
	/* Stable: duplicates stay in file order, the last one wins. */
	if (render_sort_names(idx, o->n, o->names) != 0)
		goto out;
	for (i = 0; i < o->n; i++) {
		j = idx[i];
		if (i + 1 < o->n && !strcmp(o->names[j], o->names[idx[i + 1]])) {
			free(o->names[j]);
			continue;
		}
		names[k] = o->names[j];
		off[k] = o->off[j];
		len[k] = o->len[j];
		k++;
	}
	free(o->names);
	free(o->off);
	free(o->len);
	o->names = names;
	o->off = off;
	o->len = len;
	o->n = k;
	names = NULL;
	off = len = NULL;   /* transferred */
	r = 0;
out:
	free(idx);
	free(names);
	free(off);
	free(len);
	return r;
}

/* Feed buf[0..n) through the state machine; ps->invalid tells whether
 * systemd would refuse the file. */
static int
run_parser(struct parser *ps, const unsigned char *buf, size_t n)
{
	enum pstate st = PRE_KEY;
	size_t i, k;
	int r = 0;

	ps->key_ws = ps->val_ws = NONE;
	if (n > ES_ENV_FILE_MAX || memchr(buf, 0, n) != NULL)
		return es_failf(ES_EVALUE, "env file is not readable by "
		    "systemd (NUL byte or too large)");
	for (i = 0; i < n && r == 0; i++) {
		/* PRE_KEY is a clean state (no key, no value pending): a line
		 * the fast hook recognises leaves the machine as it found it. */
		if (st == PRE_KEY && ps->fast != NULL &&
		    (k = ps->fast(ps->sink_ctx, buf + i, n - i)) > 0) {
			i += k - 1;
			continue;
		}
		/* Inside "..." and comments most bytes change nothing but the
		 * value: take the run up to the next byte that matters in one
		 * copy (the old file of a large vault is parsed whole). */
		if (st == DQ)
			i += dq_run(ps, buf + i, n - i);
		else if (st == COMMENT)
			i += comment_run(buf + i, n - i);
		else if (st == KEY || st == VALUE)
			i += plain_run(ps, st, buf + i, n - i);
		if (i < n)
			r = step(ps, &st, buf[i]);
	}
	if (r == 0 && st != PRE_KEY && st != KEY && st != COMMENT &&
	    st != COMMENT_ESCAPE)
		r = push(ps, st == VALUE);
	return r;
}

int
es_env_parse(const unsigned char *buf, size_t n, struct es_env_parsed *out)
{
	struct parser ps;
	int r = 0;

	memset(out, 0, sizeof *out);
	memset(&ps, 0, sizeof ps);
	ps.out = out;
	/* Values never outgrow the input (an escape pair gives at most two
	 * bytes): one guarded allocation instead of a doubling per size. */
	if (n > 0 && n <= ES_ENV_FILE_MAX &&
	    (r = es_sbuf_reserve(&out->val, n)) != 0)
		goto out;
	r = run_parser(&ps, buf, n);
	if (r == 0 && ps.invalid)
		r = es_failf(ES_EVALUE, "env file holds bytes systemd's UTF-8 "
		    "check rejects");
	if (r == 0)
		r = dedupe(out);
out:
	es_sbuf_free(&ps.key);
	if (r != 0)
		es_env_parsed_free(out);
	return r;
}

void
es_env_parsed_free(struct es_env_parsed *p)
{
	es_strv_free(p->names, p->n);
	free(p->off);
	free(p->len);
	es_sbuf_free(&p->val);
	memset(p, 0, sizeof *p);
}

static int
list_add(char ***v, size_t *n, const char *name)
{
	char **nv;

	if ((nv = realloc(*v, (*n + 1) * sizeof *nv)) == NULL)
		return -ENOMEM;
	*v = nv;
	if ((nv[*n] = strdup(name)) == NULL)
		return -ENOMEM;
	(*n)++;
	return 0;
}

static int
same_value(const struct es_env_parsed *a, size_t i,
    const struct es_env_parsed *b, size_t j)
{
	return a->len[i] == b->len[j] &&
	    (a->len[i] == 0 ||
	    memcmp(a->val.p + a->off[i], b->val.p + b->off[j], a->len[i]) == 0);
}

/* Merge walk over two name-sorted lists. */
static int
walk(const struct es_env_parsed *o, const struct es_env_parsed *nw,
    struct es_env_diff *d)
{
	size_t i = 0, j = 0;
	int c, r = 0;

	while (r == 0 && (i < o->n || j < nw->n)) {
		if (i == o->n)
			c = 1;
		else if (j == nw->n)
			c = -1;
		else
			c = strcmp(o->names[i], nw->names[j]);
		if (c < 0)
			r = list_add(&d->removed, &d->nremoved, o->names[i++]);
		else if (c > 0)
			r = list_add(&d->added, &d->nadded, nw->names[j++]);
		else {
			if (!same_value(o, i, nw, j))
				r = list_add(&d->changed, &d->nchanged,
				    nw->names[j]);
			i++;
			j++;
		}
	}
	return r;
}

int
es_env_diff(const unsigned char *old, size_t old_len,
    const unsigned char *new, size_t new_len, struct es_env_diff *d)
{
	struct es_env_parsed po, pn;
	int r;

	memset(d, 0, sizeof *d);
	memset(&po, 0, sizeof po);
	if ((r = es_env_parse(new, new_len, &pn)) != 0)
		return r;
	/* An old file systemd could not read counts as empty: every new
	 * name is "added". */
	if (old != NULL && es_env_parse(old, old_len, &po) != 0)
		memset(&po, 0, sizeof po);
	es_errclear();
	r = walk(&po, &pn, d);
	es_env_parsed_free(&po);
	es_env_parsed_free(&pn);
	if (r != 0)
		es_env_diff_free(d);
	return r;
}

/* The new side of es_env_diff_env(): env's variables sorted by name, the
 * last of equal names kept (as the reader keeps it). */
struct env_side {
	size_t *idx;
	size_t n;
	int borrowed;            /* idx is env->byname: not ours to free */
};

static int
env_side(const struct es_env *env, struct env_side *s)
{
	size_t i, k = 0;

	s->idx = NULL;
	s->n = 0;
	s->borrowed = 0;
	if (env->nnames == 0)
		return 0;
	/* es_env_index sorted them already (no name twice): used as is. */
	if (env->byname != NULL) {
		s->idx = env->byname;
		s->n = env->nnames;
		s->borrowed = 1;
		return 0;
	}
	if ((s->idx = malloc(env->nnames * sizeof *s->idx)) == NULL)
		return -ENOMEM;
	/* Stable: of equal names the last in the file comes last. */
	if (render_sort_names(s->idx, env->nnames, env->names) != 0)
		return -ENOMEM;
	for (i = 0; i < env->nnames; i++) {
		if (i + 1 < env->nnames && !strcmp(env->names[s->idx[i]],
		    env->names[s->idx[i + 1]]))
			continue;
		s->idx[k++] = s->idx[i];
	}
	s->n = k;
	return 0;
}

/* Old value a[0..alen) against env's value j with its quoting undone:
 * inside "..." the encoder escapes exactly \\ " ` $ with a backslash
 * (env.c put_line()), so a backslash always has a byte after it. */
static int
same_env_value(const unsigned char *a, size_t alen, const struct es_env *env,
    size_t j)
{
	const unsigned char *b = env->out.p + env->voff[j];
	size_t blen = env->vlen[j], k = 0, m;

	if (!env->quoted[j])
		return alen == blen && (alen == 0 || memcmp(a, b, alen) == 0);
	for (m = 0; m < blen; m++, k++) {
		if (b[m] == '\\') {
			m++;
			BUG_ON(m >= blen);
		}
		if (k >= alen || a[k] != b[m])
			return 0;
	}
	return k == alen;
}

/*
 * The old file streamed against the new side: each old variable, as the
 * reader yields it, is looked up among env's names and compared at once.
 * No old value is kept, and only the names env lacks are copied and
 * sorted (for a large file, copying and sorting it whole cost more than
 * the comparison).
 */
enum { OLD_ABSENT, OLD_SAME, OLD_CHANGED };

struct sdiff {
	const struct es_env *env;
	const struct env_side *nw;
	size_t *rank;            /* env index -> index in nw; NONE: shadowed */
	unsigned char *old;      /* per nw index: OLD_*, the last one wins */
	size_t cursor;           /* env index the next old name likely is */
	char **gone;             /* old names env lacks (repeats possible) */
	size_t ngone;
};

/* Index in nw of name, or NONE. An old file we wrote has env's order:
 * the cursor guesses right without a search. */
static size_t
find_new(struct sdiff *sd, const char *name)
{
	const struct es_env *env = sd->env;
	size_t c = sd->cursor, lo = 0, hi = sd->nw->n, mid;
	int cmp;

	if (c < env->nnames && sd->rank[c] != NONE &&
	    strcmp(env->names[c], name) == 0) {
		sd->cursor = c + 1;
		return sd->rank[c];
	}
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		cmp = strcmp(env->names[sd->nw->idx[mid]], name);
		if (cmp == 0) {
			sd->cursor = sd->nw->idx[mid] + 1;
			return mid;
		}
		if (cmp < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NONE;
}

static int
on_old_var(void *ctx, const char *name, const unsigned char *v, size_t vlen)
{
	struct sdiff *sd = ctx;
	size_t j = find_new(sd, name);

	if (j != NONE) {
		sd->old[j] = same_env_value(v, vlen, sd->env, sd->nw->idx[j]) ?
		    OLD_SAME : OLD_CHANGED;
		return 0;
	}
	return list_add(&sd->gone, &sd->ngone, name);
}

/*
 * The fast hook: an old line byte for byte the encoder's line of the
 * variable at the cursor (an old file we wrote, up to what changed). From
 * PRE_KEY the reader would yield exactly that variable with that value
 * (the encoder and the reader agree, test_render_sdenv), and on_old_var
 * would find it at the cursor: the same mark, without parsing it. Only
 * with env->byname (no name twice: every rank is set).
 */
static size_t
on_old_line(void *ctx, const unsigned char *b, size_t n)
{
	struct sdiff *sd = ctx;
	const struct es_env *env = sd->env;
	size_t c = sd->cursor, start, end;

	if (c >= env->nnames)
		return 0;
	start = env->voff[c] - env->quoted[c] - 1 - strlen(env->names[c]);
	end = env->voff[c] + env->vlen[c] + env->quoted[c] + 1;
	if (end - start > n || b[0] != env->out.p[start] ||
	    memcmp(b, env->out.p + start, end - start) != 0)
		return 0;
	sd->old[sd->rank[c]] = OLD_SAME;
	sd->cursor = c + 1;
	return end - start;
}

static int
by_gone(size_t i, size_t j, const void *ctx)
{
	const struct sdiff *sd = ctx;

	return strcmp(sd->gone[i], sd->gone[j]);
}

/* The three lists, each sorted by name: added and changed in nw's order,
 * removed from the gone names, sorted, each once. */
static int
sdiff_lists(const struct sdiff *sd, struct es_env_diff *d)
{
	const struct es_env *env = sd->env;
	size_t *idx = NULL, i;
	int r = 0;

	for (i = 0; i < sd->nw->n && r == 0; i++) {
		if (sd->old[i] == OLD_ABSENT)
			r = list_add(&d->added, &d->nadded,
			    env->names[sd->nw->idx[i]]);
		else if (sd->old[i] == OLD_CHANGED)
			r = list_add(&d->changed, &d->nchanged,
			    env->names[sd->nw->idx[i]]);
	}
	if (r != 0 || sd->ngone == 0)
		return r;
	if ((idx = malloc(sd->ngone * sizeof *idx)) == NULL)
		return -ENOMEM;
	for (i = 0; i < sd->ngone; i++)
		idx[i] = i;
	if (render_sort(idx, sd->ngone, by_gone, sd) != 0)
		r = -ENOMEM;
	for (i = 0; i < sd->ngone && r == 0; i++)
		if (i == 0 || strcmp(sd->gone[idx[i]], sd->gone[idx[i - 1]]))
			r = list_add(&d->removed, &d->nremoved,
			    sd->gone[idx[i]]);
	free(idx);
	return r;
}

/* Stream old through the reader into sd. An old file systemd could not
 * read counts as empty, as in es_env_diff(): every new name is added. */
static int
sdiff_old(struct sdiff *sd, const unsigned char *old, size_t old_len)
{
	struct es_env_parsed scratch;
	struct parser ps;
	int r;

	memset(&scratch, 0, sizeof scratch);
	memset(&ps, 0, sizeof ps);
	ps.out = &scratch;
	ps.sink = on_old_var;
	ps.sink_ctx = sd;
	if (sd->env->byname != NULL)
		ps.fast = on_old_line;
	r = run_parser(&ps, old, old_len);
	es_sbuf_free(&ps.key);
	es_sbuf_free(&scratch.val);
	if (r == -ENOMEM)
		return r;
	if (r != 0 || ps.invalid) {
		es_errclear();
		memset(sd->old, OLD_ABSENT, sd->nw->n);
		es_strv_free(sd->gone, sd->ngone);
		sd->gone = NULL;
		sd->ngone = 0;
	}
	return 0;
}

int
es_env_diff_env(const unsigned char *old, size_t old_len,
    const struct es_env *env, struct es_env_diff *d)
{
	struct env_side nw = { NULL, 0, 0 };
	struct sdiff sd;
	size_t i;
	int r;

	memset(d, 0, sizeof *d);
	memset(&sd, 0, sizeof sd);
	/* An unchanged rerun: the old file is the encoder's bytes, which
	 * read back as env's own variables (test_render_sdenv holds the
	 * encoder to systemd's reader), each once (es_env_index): nothing
	 * added, removed or changed, and nothing to parse. */
	if (env->byname != NULL && old != NULL && old_len == env->out.len &&
	    (old_len == 0 || memcmp(old, env->out.p, old_len) == 0))
		return 0;
	if ((r = env_side(env, &nw)) != 0)
		goto out;
	sd.env = env;
	sd.nw = &nw;
	if ((sd.rank = malloc((env->nnames + 1) * sizeof *sd.rank)) == NULL ||
	    (sd.old = calloc(nw.n + 1, 1)) == NULL) {
		r = -ENOMEM;
		goto out;
	}
	for (i = 0; i < env->nnames; i++)
		sd.rank[i] = NONE;
	for (i = 0; i < nw.n; i++)
		sd.rank[nw.idx[i]] = i;
	if (old != NULL && (r = sdiff_old(&sd, old, old_len)) != 0)
		goto out;
	r = sdiff_lists(&sd, d);
out:
	if (!nw.borrowed)
		free(nw.idx);
	free(sd.rank);
	free(sd.old);
	es_strv_free(sd.gone, sd.ngone);
	if (r != 0)
		es_env_diff_free(d);
	return r;
}

void
es_env_diff_free(struct es_env_diff *d)
{
	es_strv_free(d->added, d->nadded);
	es_strv_free(d->removed, d->nremoved);
	es_strv_free(d->changed, d->nchanged);
	memset(d, 0, sizeof *d);
}
