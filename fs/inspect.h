/*
 * fs/inspect.h — read-only looks at a root, for the auditor's commands
 * (`envseal verify`, `audit verify --expect`, `audit show` filters): the
 * type, owner, mode and ACL of a path, the audit log's records one by
 * one, and the keyed fingerprint of some bytes with the audit key as it
 * is on disk. Nothing here writes, creates, locks or appends: every call
 * works on a read-only root and on a root opened with ES_ROOT_CHECK.
 *
 * Calling sequence:
 *	es_root_open(&root, dir, ES_ROOT_CHECK);
 *	es_inspect_path(root, "/etc/veza", &in);      // lstat-like, no follow
 *	es_audit_each(root, on_record, ctx);          // every record in order
 *	es_audit_fingerprint(root, buf, len, hex, &have_key);
 *	es_root_close(root);
 *
 * Paths resolve as fs/fs.h says (openat2 beneath the root, no symlink on
 * the way). A symlink or missing component on the way is not an error:
 * it is reported through es_inspect (what an auditor wants to see).
 *
 * Errors: 0 or a negative code with an es_failf() detail naming the path.
 */
#ifndef ENVSEAL_FS_INSPECT_H
#define ENVSEAL_FS_INSPECT_H

#include <stddef.h>
#include <sys/stat.h>

#include "fs/fs.h"

/* What is at a path. */
struct es_inspect {
	int exists;       /* 0: nothing there (or a component missing) */
	int on_way;       /* 1: a symlink or non-directory on the way */
	int denied;       /* 1: the caller may not look (EACCES) */
	struct stat st;   /* lstat of the last component, when exists */
	int acl;          /* 1 access (or a dir's default) ACL, 0 none,
	                   * -1 not known (not readable by the caller) */
};
int es_inspect_path(struct es_root *root, const char *path,
    struct es_inspect *out);

/* "a regular file", "a directory", "a symlink", ... for an st_mode. */
const char *es_inspect_kind(mode_t mode);

/* Every regular file of directory dir (a policy path under the root)
 * whose name ends in suffix, in name order, read whole (at most max
 * bytes each, at most max_files files) and handed to fn; fn's nonzero
 * return stops the walk and is returned. The directory and each file
 * decide what root trusts, so each must be owned by root with no group
 * or other write bit (and no symlink anywhere): else ES_EUNSAFE naming
 * it. A missing directory is no files (0). */
int es_inspect_read_dir(struct es_root *root, const char *dir,
    const char *suffix, size_t max, size_t max_files,
    int (*fn)(void *arg, const char *name, const unsigned char *buf,
    size_t len), void *arg);

/* One audit record as es_audit_each hands it over. */
struct es_audit_rec;
/* The record's line number (from 1). */
size_t es_audit_rec_line(const struct es_audit_rec *r);
/* The record's bytes as stored (no newline); NULL for a line over the
 * record bound (read, not kept). */
const char *es_audit_rec_raw(const struct es_audit_rec *r, size_t *len);
/* Its bytes, the newline counted (a line over the bound too). */
size_t es_audit_rec_size(const struct es_audit_rec *r);
/* 1 when its fields were read (kept and parsed), 0 when not. */
int es_audit_rec_parsed(const struct es_audit_rec *r);
/* Its "hash" field (64 hex), or "" when it has none or was not kept. */
const char *es_audit_rec_hash(const struct es_audit_rec *r);
/* A top-level field (strings unescaped, arrays joined by ","), or NULL
 * when absent or the line did not parse. */
const char *es_audit_rec_get(const struct es_audit_rec *r, const char *key);

/* Call fn for every line of the log in order; a nonzero return from fn
 * stops the walk and is returned. No log: 0 and *none = 1 (none may be
 * NULL); a log the caller may not read: -EACCES. The chain is not checked here: es_audit_verify does that. */
int es_audit_each(struct es_root *root,
    int (*fn)(void *arg, const struct es_audit_rec *r), void *arg,
    int *none);

/* The "<list>_sha256" the log records for a name list too long to list:
 * SHA-256 of the names, each followed by a newline, in the order given,
 * in lower hex (64 digits and a NUL). */
void es_audit_names_sha256(const char *const *names, size_t n,
    char hex[65]);

/* The keyed BLAKE2b-256 the audit log records for data, with the key in
 * /var/lib/envseal/audit.key as it is (never made here). *have_key = 0
 * and 0 returned when there is no key or the caller cannot read it (not
 * root): the fingerprint is then unknown. A key that is not the caller's
 * 0600 32-byte file is ES_EUNSAFE, as for the writer. hex: 65 bytes. */
int es_audit_fingerprint(struct es_root *root, const void *data,
    size_t len, char *hex, int *have_key);

#endif
