/*
 * cmd/auditq.c — the auditor's questions to the log, beside cmd/audit.c:
 * `audit verify --expect HASH` (is the record I kept still in the chain,
 * and how many follow it?) and `audit show` with --json and the filters
 * --path, --run, --since, --command; and the words of `audit verify`
 * and of the plain `audit show`. Records come from fs/inspect.h's reader,
 * the chain check from fs/fs.h's es_audit_verify; nothing here writes.
 */
#include "cmd/cmd.h"
#include "common/envseal.h"
#include "fs/inspect.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* Run id prefix the text form prints (as `audit show` does). */
#define AQ_RUN_HEX 8
/* A record hash: 64 lowercase hex digits. */
#define AQ_HASH_HEX 64
/* Over-long lines `audit verify` writes a note for; the rest are
 * counted. */
#define AQ_NOTES_MAX 16
/* Longest field key show builds ("<list>_sha256"). */
#define AQ_KEY_MAX 32
/* Where the log is, for the words (fs/ keeps the path itself). */
#define AQ_LOG "/var/log/envseal/audit.jsonl"

int
cmd_audit_hash_ok(const char *h)
{
	size_t i;

	for (i = 0; h[i]; i++)
		if (!((h[i] >= '0' && h[i] <= '9') || (h[i] >= 'a' &&
		    h[i] <= 'f')))
			return 0;
	return i == AQ_HASH_HEX;
}

/* A --since value: the start of an RFC 3339 UTC time, compared as text
 * with the records' "2026-11-27T10:02:30Z" (the same fixed layout sorts
 * as time does). At least a date. */
int
cmd_audit_time_ok(const char *t)
{
	static const char layout[] = "dddd-dd-ddTdd:dd:ddZ";
	size_t i;

	for (i = 0; t[i]; i++) {
		if (i >= sizeof layout - 1)
			return 0;
		if (layout[i] == 'd' ? (t[i] < '0' || t[i] > '9') :
		    t[i] != layout[i])
			return 0;
	}
	return i >= sizeof "dddd-dd-dd" - 1;
}

struct expect_walk {
	const char *hash;
	size_t total, at;
};

static int
on_expect(void *arg, const struct es_audit_rec *r)
{
	struct expect_walk *w = arg;

	w->total++;
	if (w->at == 0 && !strcmp(es_audit_rec_hash(r), w->hash))
		w->at = es_audit_rec_line(r);
	return 0;
}

int
cmd_audit_expect(struct es_root *root, const char *hash, FILE *out)
{
	struct expect_walk w = { hash, 0, 0 };
	int r;

	if ((r = es_audit_each(root, on_expect, &w, NULL)) != 0)
		return r;
	if (w.at == 0)
		return es_failf(ES_EINTEGRITY, AQ_LOG ": "
		    "no record has the hash %s: records were cut off the end "
		    "since it was taken, or this is another log", hash);
	fprintf(out, "anchor %s: line %zu, %zu records after it\n", hash, w.at,
	    w.total - w.at);
	return 0;
}

/* Write a record's JSON as pure ASCII: every character past ASCII as
 * \uXXXX (a surrogate pair past U+FFFF), a byte that is not UTF-8 as
 * \ufffd, a raw control byte as \u00XX. Non-ASCII can only stand inside
 * a JSON string, so the line stays the same JSON value, and nothing in it
 * can act on a terminal. */
static void
put_ascii_json(FILE *out, const unsigned char *p, size_t n)
{
	size_t i = 0, k, len;
	unsigned long cp;

	while (i < n) {
		if (p[i] < 0x20 || p[i] == 0x7f) {
			fprintf(out, "\\u%04x", p[i++]);
			continue;
		}
		if (p[i] < 0x80) {
			fputc(p[i++], out);
			continue;
		}
		len = p[i] >= 0xf0 && p[i] <= 0xf4 ? 4 : p[i] >= 0xe0 ? 3 :
		    p[i] >= 0xc2 && p[i] < 0xe0 ? 2 : 0;
		cp = len == 4 ? p[i] & 0x07u : len == 3 ? p[i] & 0x0fu :
		    p[i] & 0x1fu;
		for (k = 1; len && k < len; k++) {
			if (i + k >= n || (p[i + k] & 0xc0) != 0x80) {
				len = 0;
				break;
			}
			cp = cp << 6 | (p[i + k] & 0x3fu);
		}
		if (len == 0 || (len == 3 && (cp < 0x800 || (cp >= 0xd800 &&
		    cp <= 0xdfff))) || (len == 4 && (cp < 0x10000 ||
		    cp > 0x10ffff))) {
			fputs("\\ufffd", out);
			i++;
			continue;
		}
		if (cp > 0xffff)
			fprintf(out, "\\u%04lx\\u%04lx", 0xd800 + ((cp - 0x10000)
			    >> 10), 0xdc00 + ((cp - 0x10000) & 0x3ff));
		else
			fprintf(out, "\\u%04lx", cp);
		i += len;
	}
	fputc('\n', out);
}

static const char *
get(const struct es_audit_rec *r, const char *key)
{
	const char *v = es_audit_rec_get(r, key);

	return v != NULL ? v : "-";
}

/* Longest "sha256 <64>  key <label>" line part: a label is at most
 * ES_LABEL_MAX (128) bytes, here with room to spare. */
#define AQ_VAULT_TEXT 512

/* A vault record's digest and key: "sha256 X" for ciphertext,
 * "fingerprint X" for a file that was not, "key none" when none opened
 * it. */
static const char *
vault_text(const struct es_audit_rec *r, char *buf, size_t size)
{
	const char *key = get(r, "key");

	/* Cut on purpose: the record's fields are bounded already. */
	(void)snprintf(buf, size, "%s %s  key %s",
	    es_audit_rec_get(r, "sha256") != NULL ? "sha256" : "fingerprint",
	    es_audit_rec_get(r, "sha256") != NULL ? get(r, "sha256") :
	    get(r, "fingerprint"), strcmp(key, "null") != 0 ? key : "none");
	return buf;
}

/* One line for humans, the fields an auditor filters on first. */
static void
put_text(FILE *out, const struct es_audit_rec *r)
{
	const char *ev = get(r, "event");
	static const char *const lists[] = { "added", "removed", "changed" };
	char buf[AQ_VAULT_TEXT];
	size_t i;

	fprintf(out, "%s  %.*s  %-6s %s", get(r, "time"), AQ_RUN_HEX,
	    get(r, "run"), ev, get(r, "command"));
	if (!strcmp(ev, "begin") && strcmp(get(r, "host"), "-") != 0)
		fprintf(out, "  host %s", get(r, "host"));
	if (!strcmp(ev, "begin"))
		fprintf(out, "  policy %s", get(r, "policy"));
	if (!strcmp(ev, "end"))
		fprintf(out, "  status %s", get(r, "status"));
	if (!strcmp(ev, "end") && es_audit_rec_get(r, "error_class") != NULL)
		fprintf(out, "  error: %s: %s", get(r, "error_class"),
		    get(r, "error"));
	if (!strcmp(ev, "vault")) {
		fprintf(out, "  %s  %s\n", get(r, "path"), vault_text(r, buf,
		    sizeof buf));
		return;
	}
	if (strcmp(get(r, "path"), "-") != 0)
		fprintf(out, "  %s %s  %s:%s %s", get(r, "action"),
		    get(r, "path"), get(r, "owner"), get(r, "group"),
		    get(r, "mode"));
	for (i = 0; i < sizeof lists / sizeof lists[0]; i++)
		if (es_audit_rec_get(r, lists[i]) != NULL)
			fprintf(out, "  %s %s", lists[i], get(r, lists[i]));
	if (es_audit_rec_get(r, "error") != NULL && strcmp(ev, "end") != 0)
		fprintf(out, "  error: %s", get(r, "error"));
	fputc('\n', out);
}

struct show_walk {
	const struct cmd_audit_filter *f;
	FILE *out;
};

static int
on_show(void *arg, const struct es_audit_rec *r)
{
	const struct show_walk *w = arg;
	const struct cmd_audit_filter *f = w->f;
	const char *v;
	size_t len;
	const char *raw = es_audit_rec_raw(r, &len);

	if (raw == NULL) {
		/* Over the record bound: its fields were not read. */
		if (f->path == NULL && f->run == NULL && f->since == NULL &&
		    f->command == NULL && !f->json)
			fprintf(w->out, "line %zu: a record over the bound; "
			    "not shown\n", es_audit_rec_line(r));
		return 0;
	}
	if ((f->path && (!(v = es_audit_rec_get(r, "path")) ||
	    strcmp(v, f->path))) ||
	    (f->run && (!(v = es_audit_rec_get(r, "run")) ||
	    strncmp(v, f->run, strlen(f->run)))) ||
	    (f->command && (!(v = es_audit_rec_get(r, "command")) ||
	    strcmp(v, f->command))) ||
	    (f->since && (!(v = es_audit_rec_get(r, "time")) ||
	    strcmp(v, f->since) < 0)))
		return 0;
	if (f->json)
		put_ascii_json(w->out, (const unsigned char *)raw, len);
	else
		put_text(w->out, r);
	return 0;
}

int
cmd_audit_show_filtered(struct es_root *root,
    const struct cmd_audit_filter *f, FILE *out)
{
	struct show_walk w = { f, out };
	int none = 0, r = es_audit_each(root, on_show, &w, &none);

	if (r == 0 && none && !f->json)
		fprintf(out, "%s: no audit log\n", AQ_LOG);
	return r;
}

/* --- audit verify: the chain walk's findings in words --- */

struct verify_words {
	FILE *out;
	size_t notes;
};

static void
on_over_bound(void *arg, size_t line, size_t bytes)
{
	struct verify_words *v = arg;

	if (++v->notes <= AQ_NOTES_MAX)
		fprintf(v->out, "%s:%zu: note: a record of %zu bytes, over the "
		    "%zu-byte bound (an older envseal listed every variable "
		    "name): its hash and link checked, its fields not read\n",
		    AQ_LOG, line, bytes, (size_t)ES_AUDIT_RECORD_MAX);
}

static void
on_intact(void *arg, size_t records, const char *last)
{
	struct verify_words *v = arg;

	if (v->notes > AQ_NOTES_MAX)
		fprintf(v->out, "%s: %zu more records over the bound, checked\n",
		    AQ_LOG, v->notes - AQ_NOTES_MAX);
	fprintf(v->out, "%s: %zu records, chain intact; last hash %s\n",
	    AQ_LOG, records, last);
}

static void
on_incomplete(void *arg, const struct es_audit_open_run *o)
{
	struct verify_words *v = arg;
	size_t i;

	fprintf(v->out, "incomplete run %s (%s, %s, line %zu): no end record; "
	    "it intended", o->id, o->command, o->time, o->line);
	for (i = 0; i < o->nnamed; i++)
		fprintf(v->out, "%s %s", i > 0 ? "," : ":",
		    o->named[i] != NULL ? o->named[i] : "?");
	if (o->nitems > o->nnamed)
		fprintf(v->out, " and %zu more", o->nitems - o->nnamed);
	fputc('\n', v->out);
}

int
cmd_audit_verify(struct es_root *root, FILE *out)
{
	struct verify_words v = { out, 0 };
	struct es_audit_walk w = { on_over_bound, on_intact, on_incomplete,
	    &v, 0 };
	int r = es_audit_verify(root, &w);

	if (r == 0 && w.none)
		fprintf(out, "%s: no audit log\n", AQ_LOG);
	return r;
}

/* --- audit show without filters: every record for humans --- */

/* A name list: in full, or its count and hash. */
static void
show_list(FILE *out, const struct es_audit_rec *r, const char *key)
{
	char ck[AQ_KEY_MAX], hk[AQ_KEY_MAX];

	if (es_audit_rec_get(r, key) != NULL) {
		fprintf(out, "  %s %s", key, get(r, key));
		return;
	}
	/* Cut on purpose: the keys are ours and short. */
	(void)snprintf(ck, sizeof ck, "%s_count", key);
	(void)snprintf(hk, sizeof hk, "%s_sha256", key);
	if (es_audit_rec_get(r, ck) != NULL)
		fprintf(out, "  %s [%s names, sha256 %s]", key, get(r, ck),
		    get(r, hk));
}

static void
show_item(FILE *out, const struct es_audit_rec *r, const char *ev)
{
	fprintf(out, "%-9s %s %s  %s:%s %s", get(r, "action"), ev,
	    get(r, "path"), get(r, "owner"), get(r, "group"), get(r, "mode"));
	show_list(out, r, "added");
	show_list(out, r, "removed");
	show_list(out, r, "changed");
	show_list(out, r, "vars");
	if (es_audit_rec_get(r, "error") != NULL)
		fprintf(out, "  error: %s", get(r, "error"));
	fputc('\n', out);
}

static void
show_line(FILE *out, const struct es_audit_rec *r)
{
	const char *ev = get(r, "event");
	char buf[AQ_VAULT_TEXT];

	fprintf(out, "%s  %.*s  ", get(r, "time"), AQ_RUN_HEX, get(r, "run"));
	if (!strcmp(ev, "begin")) {
		fprintf(out, "begin %s  uid %s", get(r, "command"),
		    get(r, "uid"));
		if (strcmp(get(r, "sudo_user"), "null") != 0)
			fprintf(out, " (sudo %s)", get(r, "sudo_user"));
		fprintf(out, "  policy %s\n", get(r, "policy"));
	} else if (!strcmp(ev, "end")) {
		fprintf(out, "end   status %s", get(r, "status"));
		if (es_audit_rec_get(r, "error_class") != NULL)
			fprintf(out, "  error: %s: %s", get(r, "error_class"),
			    get(r, "error"));
		fputc('\n', out);
	} else if (!strcmp(ev, "account")) {
		fprintf(out, "account   user %s uid %s  group %s gid %s  created "
		    "%s\n", get(r, "user"), get(r, "user_id"), get(r, "group"),
		    get(r, "group_id"), get(r, "created"));
	} else if (!strcmp(ev, "vault")) {
		fprintf(out, "vault     %s  %s\n", get(r, "path"), vault_text(r,
		    buf, sizeof buf));
	} else if (!strcmp(ev, "intent")) {
		fprintf(out, "intent    %s %s %s  %s:%s %s\n", get(r, "action"),
		    get(r, "kind"), get(r, "path"), get(r, "owner"),
		    get(r, "group"), get(r, "mode"));
	} else {
		show_item(out, r, ev);
	}
}

static int
on_show_all(void *arg, const struct es_audit_rec *r)
{
	FILE *out = arg;

	if (es_audit_rec_raw(r, &(size_t){ 0 }) == NULL)
		fprintf(out, "line %zu: a record of %zu bytes, over the bound; "
		    "not shown (audit verify checks it)\n",
		    es_audit_rec_line(r), es_audit_rec_size(r));
	else if (!es_audit_rec_parsed(r))
		fprintf(out, "line %zu: unreadable record\n",
		    es_audit_rec_line(r));
	else
		show_line(out, r);
	return 0;
}

int
cmd_audit_show(struct es_root *root, FILE *out)
{
	int none = 0, r = es_audit_each(root, on_show_all, out, &none);

	if (r == 0 && none)
		fprintf(out, "%s: no audit log\n", AQ_LOG);
	return r;
}
