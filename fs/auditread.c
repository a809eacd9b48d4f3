/*
 * fs/auditread.c — the audit log's records one by one, for the readers
 * that look at what was recorded rather than at the chain (verify's last
 * render of a path, `audit verify --expect`, `audit show` filters and
 * --json). The chain itself is checked by es_audit_verify (audit.c).
 */
#include "fs/fs_int.h"
#include "fs/inspect.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Longest line held and parsed: the bound audit.c writes records under
 * (FS_AUDIT_RECORD_MAX, 64 KiB). A longer line (an older envseal's) is
 * read through and handed over without its bytes or fields. */
#define FS_AREAD_LINE_MAX ES_AUDIT_RECORD_MAX
/* Fields of a record kept (audit.c's readers keep as many). */
#define FS_AREAD_FIELDS 32
/* The line's end: ,"hash":"<64 hex>"} */
#define FS_AREAD_TAIL (sizeof ",\"hash\":\"" - 1 + FS_SHA256_HEX + 2)

struct es_audit_rec {
	size_t line;
	const char *raw;           /* NULL: over the bound */
	size_t len;
	size_t size;               /* the line's bytes, its newline counted */
	char hash[FS_SHA256_HEX + 1];
	struct fs_jfield f[FS_AREAD_FIELDS];
	int nf;                    /* < 0: did not parse */
};

size_t
es_audit_rec_line(const struct es_audit_rec *r)
{
	return r->line;
}

const char *
es_audit_rec_raw(const struct es_audit_rec *r, size_t *len)
{
	*len = r->raw != NULL ? r->len : 0;
	return r->raw;
}

size_t
es_audit_rec_size(const struct es_audit_rec *r)
{
	return r->size;
}

int
es_audit_rec_parsed(const struct es_audit_rec *r)
{
	return r->nf >= 0;
}

const char *
es_audit_rec_hash(const struct es_audit_rec *r)
{
	return r->hash;
}

const char *
es_audit_rec_get(const struct es_audit_rec *r, const char *key)
{
	int i;

	for (i = 0; i < r->nf; i++)
		if (!strcmp(r->f[i].key, key))
			return r->f[i].val;
	return NULL;
}

/* The hash at the line's end, when it has the shape audit.c writes. */
static void
take_hash(struct es_audit_rec *r)
{
	const char *t;
	size_t i;

	r->hash[0] = '\0';
	if (r->raw == NULL || r->len < FS_AREAD_TAIL)
		return;
	t = r->raw + r->len - FS_AREAD_TAIL;
	if (memcmp(t, ",\"hash\":\"", 9) != 0 ||
	    memcmp(t + 9 + FS_SHA256_HEX, "\"}", 2) != 0)
		return;
	for (i = 0; i < FS_SHA256_HEX; i++) {
		char c = t[9 + i];

		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return;
	}
	memcpy(r->hash, t + 9, FS_SHA256_HEX);
	r->hash[FS_SHA256_HEX] = '\0';
}

/* The next line into buf (FS_AREAD_LINE_MAX bytes, NUL-terminated):
 * 1 (with *over when it is longer than the record bound, its newline
 * counted, and *size its bytes so counted), 0 at the end, or -EIO. */
static int
next_line(FILE *f, char *buf, size_t *len, size_t *size, int *over)
{
	int c, any = 0;

	*len = *size = 0;
	*over = 0;
	while ((c = getc_unlocked(f)) != EOF) {
		any = 1;
		if (c == '\n')
			break;
		++*size;
		if (*len == FS_AREAD_LINE_MAX - 1)
			*over = 1;
		else
			buf[(*len)++] = (char)c;
	}
	if (ferror(f))
		return es_failf(-EIO, "%s: read error", FS_LOG_PATH);
	buf[*len] = '\0';
	++*size;
	return any;
}

int
es_audit_each(struct es_root *root,
    int (*fn)(void *arg, const struct es_audit_rec *r), void *arg,
    int *none)
{
	struct es_audit_rec *rec = NULL;
	struct stat st;
	char *buf = NULL;
	FILE *f = NULL;
	int dfd = -1, fd = -1, r, got, over;
	size_t len;

	if (none != NULL)
		*none = 0;
	r = fs_open_dir(root->fd, FS_LOG_DIR + 1, FS_LOG_PATH, &dfd);
	if (r == -ENOENT) {
		es_errclear();
		if (none != NULL)
			*none = 1;
		return 0;
	}
	if (r != 0)
		return r;
	r = fs_open_target(dfd, "audit.jsonl", FS_LOG_PATH, &fd, &st);
	close(dfd);
	if (r != 0)
		return r;
	if (fd < 0) {
		if (none != NULL)
			*none = 1;
		return 0;
	}
	if ((f = fdopen(fd, "r")) == NULL) {
		r = es_failf(-errno, "%s: %s", FS_LOG_PATH, strerror(errno));
		close(fd);
		return r;
	}
	if ((buf = malloc(FS_AREAD_LINE_MAX)) == NULL ||
	    (rec = calloc(1, sizeof *rec)) == NULL) {
		r = -ENOMEM;
		goto out;
	}
	while ((got = next_line(f, buf, &len, &rec->size, &over)) > 0) {
		rec->line++;
		rec->raw = over ? NULL : buf;
		rec->len = len;
		take_hash(rec);
		rec->nf = over || memchr(buf, '\0', len) != NULL ? -1 :
		    fs_json_parse_flat(buf, len, rec->f, FS_AREAD_FIELDS);
		r = fn(arg, rec);
		if (rec->nf > 0)
			fs_jfields_free(rec->f, (size_t)rec->nf);
		rec->nf = 0;
		if (r != 0)
			goto out;
	}
	r = got;
out:
	free(rec);
	free(buf);
	fclose(f);
	return r;
}
