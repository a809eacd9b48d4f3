/*
 * provision/accounts.h — the root's passwd family, read and written
 * directly (never through NSS): lookups for render, and the user/group
 * creation of `envseal provision`.
 *
 * Lookups read ROOT/etc/passwd and ROOT/etc/group through fs/ (no symlinks).
 * Errors: ES_EMISSING with a detail naming the file when the name is not
 * there (render adds what to do: it knows the policy); ES_EPOLICY for a malformed file line.
 *
 * The planner (es_accounts_plan) is pure: the four files' bytes in, their
 * new bytes out, every line that is not ours kept byte for byte. Lines are
 * written as systemd-sysusers writes them:
 *	group    NAME:x:GID:
 *	gshadow  NAME:!*::
 *	passwd   NAME:x:UID:GID:GECOS:HOME:SHELL
 *	shadow   NAME:!*:DAYS::::::
 * New lines go before any NIS "+"/"-" entry, else at the end. An existing
 * user keeps its uid and primary group (a difference is ES_ECONFLICT,
 * never a renumbering); home, shell and gecos drift is repaired in place.
 * A pinned id another account holds is ES_ECONFLICT naming the account.
 * An id field of any passwd or group entry that is not an id from 0 to
 * ES_ID_MAX (common/id.h) is ES_EPOLICY naming FILE:LINE and the value.
 */
#ifndef ENVSEAL_ACCOUNTS_H
#define ENVSEAL_ACCOUNTS_H

#include <stddef.h>
#include <sys/types.h>

#include "fs/fs.h"

/* Largest passwd-family file read: far above any real host (a line is
 * ~100 bytes), small enough to hold four in memory. */
#define ES_ACCT_FILE_MAX ((size_t)16 << 20)
/* Defaults when login.defs lacks them (shadow-utils' and Debian's). */
#define ES_SYS_ID_MAX_DEFAULT 999
#define ES_SYS_ID_MIN_DEFAULT 100

/* Numeric names ("0", "1001") are taken as ids without a lookup. */
int es_lookup_user(struct es_root *root, const char *name, uid_t *uid);
int es_lookup_group(struct es_root *root, const char *name, gid_t *gid);

/* Pure lookups on a passwd- or group-format buffer; file names the file in
 * messages. 0 and *id set, ES_EMISSING, or ES_EPOLICY (malformed line). */
int es_pwbuf_user(const char *file, const unsigned char *buf, size_t len,
    const char *name, uid_t *uid);
int es_pwbuf_group(const char *file, const unsigned char *buf, size_t len,
    const char *name, gid_t *gid);

/* The name of the entry holding id (field 2) into out (size sz);
 * 0, or ES_EMISSING when no entry has it. */
int es_pwbuf_name(const unsigned char *buf, size_t len, unsigned long id,
    char *out, size_t sz);

/* A numeric key of login.defs (e.g. "SYS_UID_MAX") into *out, def when
 * absent or without a value; the last line wins. A value that is not an
 * id (common/id.h: digits only, at most ES_ID_MAX) is ES_EPOLICY naming
 * /etc/login.defs:LINE, the key and the value, never cast or ignored. */
int es_logindefs_get(const unsigned char *buf, size_t len, const char *key,
    long def, long *out);

/* The four files, in the order they are written. */
enum es_acct_db {
	ES_DB_GROUP,
	ES_DB_GSHADOW,
	ES_DB_PASSWD,
	ES_DB_SHADOW,
	ES_DB_N,
};
extern const char *const es_acct_paths[ES_DB_N];  /* "/etc/group", ... */

struct es_acct_bufs {
	unsigned char *buf[ES_DB_N];    /* malloc'd; NULL when absent */
	size_t len[ES_DB_N];
};

struct es_acct_want {
	const char *user;
	const char *group;
	const char *gecos;
	const char *home;
	const char *shell;
	long uid;                       /* -1: allocate */
	long gid;                       /* -1: allocate */
	long sys_min;                   /* allocation range */
	long sys_uid_max;
	long sys_gid_max;
	long days;                      /* shadow lastchg for a new user */
};

struct es_acct_plan {
	struct es_acct_bufs out;        /* new contents of all four files */
	uid_t uid;
	gid_t gid;
	int user_created;
	int group_created;
	int user_repaired;              /* gecos/home/shell rewritten */
};

int es_accounts_plan(const struct es_acct_bufs *in,
    const struct es_acct_want *w, struct es_acct_plan *plan);
void es_acct_bufs_free(struct es_acct_bufs *b);

#endif
