/*
 * fs/fs_int.h — what the files of fs/ share with each other (and with
 * tests/unit/test_fs*.c, which check the pure helpers). Nothing outside fs/
 * and its tests includes this; the public contract is fs/fs.h.
 *
 * Split: path.c resolves paths and names (openat2, final component, temp
 * names), write.c replaces files, read.c reads them (and holds the trusted-
 * input rule), dir.c makes directories, root.c holds the root and its
 * locks, audit.c the hash-chained log, json.c the JSON bytes.
 *
 * Errors as in fs/fs.h: 0 or a negative code with an es_failf() detail
 * naming the path.
 */
#ifndef ENVSEAL_FS_INT_H
#define ENVSEAL_FS_INT_H

#include <stddef.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "common/envseal.h"
#include "fs/fs.h"

/* Longest final component: NAME_MAX (255) minus the temp name's extra
 * ".envseal-tmp." prefix and ".<16 hex>" suffix (30 bytes), so that the
 * temp name of any accepted target still fits in a directory entry. */
#define FS_NAME_MAX 225
/* Temp files: TMP_PREFIX <name> "." <FS_TMP_HEX hex digits>. */
#define FS_TMP_PREFIX ".envseal-tmp."
/* 8 random bytes: collisions between live writers are negligible and
 * O_EXCL catches the rest. */
#define FS_TMP_RAND 8
#define FS_TMP_HEX (2 * FS_TMP_RAND)
/* Room for a temp name: prefix, name, dot, hex, NUL. */
#define FS_TMPNAME_MAX (sizeof FS_TMP_PREFIX + FS_NAME_MAX + 1 + FS_TMP_HEX + 1)
/* How often a write looks again when another writer created or replaced
 * the target between our look and our rename or open (RENAME_NOREPLACE
 * said EEXIST, or the inode changed under us). Each retry means another
 * writer finished, so this bounds the concurrent writers we outlast. */
#define FS_COMMIT_TRIES 16
/* Fresh temp names a writer tries when a sweeper took its temp in the
 * instant between create and flock (write.c make_temp): each loss needs
 * another process's sweep to hit that instant, so this is never reached
 * in practice; it only keeps the loop bounded. */
#define FS_TEMP_TRIES 8
/* openat2 with RESOLVE_IN_ROOT may say EAGAIN when a rename raced the
 * walk; retried this many times before giving up. */
#define FS_RESOLVE_TRIES 8

/* Infrastructure paths under the root. */
#define FS_STATE_DIR "/var/lib/envseal"
#define FS_LOCK_PATH "/var/lib/envseal/lock"
#define FS_KEY_PATH "/var/lib/envseal/audit.key"
#define FS_LOG_DIR "/var/log/envseal"
#define FS_LOG_PATH "/var/log/envseal/audit.jsonl"
#define FS_PWLOCK_PATH "/etc/.pwd.lock"
/* The audit fingerprint key: 32 bytes, crypto_generichash's KEYBYTES. */
#define FS_AUDIT_KEYLEN 32
/* A run id: 16 random bytes (128 bits: unique across every run ever). */
#define FS_RUN_ID_BYTES 16
/* Longest command name recorded ("render", "provision", "vault rekey"). */
#define FS_COMMAND_MAX 64
/* A SHA-256 in bytes and in hex. */
#define FS_SHA256_BYTES 32
#define FS_SHA256_HEX (2 * FS_SHA256_BYTES)
/* Longest directory entry name the kernel accepts (NAME_MAX). */
#define FS_COMPONENT_MAX 255
/* Room added for read() when a guarded read buffer is full. */
#define FS_READ_CHUNK 16384
/* A minisign key id: 16 hex digits (crypto/minisign.h). */
#define FS_SIGNER_MAX 16
/* Longest host name recorded (HOST_NAME_MAX on Linux is 64). */
#define FS_HOST_MAX 64
/* Longest key of an audit record field that `audit show` keeps. */
#define FS_JKEY_MAX 32

/* Longest owner or group name recorded as a name; a longer one goes in as
 * its number (policy names are at most ES_NAME_MAX, 64 bytes). */
#define FS_AUDIT_OWNER_MAX 256
/* Longest error class recorded (es_strerror's texts are shorter; an
 * errno's strerror too). */
#define FS_FAIL_CLASS_MAX 64

struct es_root {
	int fd;                 /* O_PATH|O_DIRECTORY of the root */
	unsigned flags;         /* enum es_root_flags */
	int lockfd;             /* run lock, -1 when not held */
	int pwlockfd;           /* /etc/.pwd.lock, -1 when not held */
	void (*notice)(const char *lockpath, void *arg);
	void *notice_arg;
	/* es_root_set_namer: owner names for working-tree records. */
	int (*namer)(void *arg, int group, unsigned long id, char *out,
	    size_t size);
	void *namer_arg;
	/* audit run, set up by es_audit_begin */
	int audit_on;
	char run_id[2 * FS_RUN_ID_BYTES + 1];
	char command[FS_COMMAND_MAX];
	char policy_hex[FS_SHA256_HEX + 1]; /* "" when no policy hash given */
	char signer[FS_SIGNER_MAX + 1];     /* policy's signing key id or "" */
	/* es_audit_fail: the run's error class and one-line detail, for
	 * its end record ("" when it did not fail). */
	char fail_class[FS_FAIL_CLASS_MAX + 1];
	char fail_detail[ES_ERRDETAIL_MAX];
	unsigned char *key;     /* sodium_malloc'd FS_AUDIT_KEYLEN, or NULL */
	int in_audit;           /* writing infrastructure: no records */
	/* es_ensure_dir's intent hook while it runs (dir.c), else NULL. */
	int (*dir_before)(void *ctx, enum es_action act);
	void *dir_before_ctx;
	/* The chain tip this process last wrote (audit.c): the log's hash
	 * and its identity and size right after our append. Valid only
	 * while the log still has exactly that inode and size; anything
	 * else (another appender, rotation) falls back to reading the
	 * tail. */
	int tip_ok;
	dev_t tip_dev;
	ino_t tip_ino;
	off_t tip_size;
	char tip_hash[FS_SHA256_HEX + 1];
};

/* --- path.c --- */

/* Split an absolute policy path into its directory part (a string for
 * openat2, "." for the root itself) and its final component, validating
 * both. dir must hold ES_PATH_MAX bytes, name FS_NAME_MAX + 1. */
int fs_path_split(const char *path, char *dir, char *name);
/* A final component we accept: not empty, not "." or "..", no "/",
 * at most FS_NAME_MAX bytes. 1 or 0. */
int fs_name_ok(const char *name);
/* Open dir (from fs_path_split) beneath rootfd, O_RDONLY|O_DIRECTORY:
 * openat2 with RESOLVE_IN_ROOT|RESOLVE_NO_SYMLINKS|RESOLVE_NO_MAGICLINKS.
 * -ENOENT when a component is missing (detail set), ES_EUNSAFE for a
 * symlink or a non-directory (detail names the component). */
int fs_open_dir(int rootfd, const char *dir, const char *display, int *out);
/* Open the final component name in dirfd without following it (read-only,
 * non-blocking), requiring a regular file. *fd = -1 and 0 when absent.
 * ES_EUNSAFE names what was found instead (symlink, FIFO, directory...);
 * -EAGAIN when another regular file replaced it between look and open. */
int fs_open_target(int dirfd, const char *name, const char *display,
    int *fd, struct stat *st);
/* "a symlink", "a FIFO", "a directory", ... for an st_mode. */
const char *fs_kind(mode_t mode);
/* Directory write trust: refuse unless owned by root (or by `owner` when
 * owner != 0) with no group/other write bit. */
int fs_dir_trusted(int dirfd, uid_t owner, const char *display);
/* Fill buf (FS_TMPNAME_MAX) with a fresh temp name for name. */
int fs_tmpname(char *buf, size_t size, const char *name);
/* 1 when ent is a temp name of name (exact pattern, lowercase hex). */
int fs_tmpname_match(const char *ent, const char *name);
/* Remove stale temp files of name in dirfd: regular files only, never
 * followed, and only those whose flock no live writer holds (each writer
 * holds LOCK_EX on its own temp until its rename). Best effort. */
void fs_sweep_temps(int dirfd, const char *name);
/* Wait for flock(LOCK_EX) on fd, at most ES_LOCK_WAIT_SECONDS (then
 * ES_ELOCKED naming path), telling the root's lock notice once. */
int fs_wait_flock(struct es_root *root, int fd, const char *path);
/* read() all of fd into b (at most max bytes, else ES_ELIMIT), straight
 * into its guarded memory: reserve the expected size + 1 beforehand to
 * read it in one call. */
int fs_read_all(int fd, size_t max, struct es_sbuf *b, const char *display);
/* write() all of buf to fd, looping on short writes and EINTR. */
int fs_write_all(int fd, const void *buf, size_t len);
/* POSIX ACLs (write.c): 1 when fd has an access ACL (a directory: or a
 * default ACL), 0 when none or the filesystem has no ACLs, else an error.
 * fs_strip_acl removes them (none there is success). Everything envseal
 * writes carries no ACL: only its mode says who has access. */
int fs_has_acl(int fd, int is_dir, const char *display);
int fs_strip_acl(int fd, int is_dir, const char *display);
/* Owner, mode or ACL drifted on an open file or directory: remove the
 * ACLs, narrow to old∩new so no one gains access for an instant, then
 * chown, then the final mode (after chown: chown clears set-id bits),
 * then fsync. tmpfiles' order. The detail names display. */
int fs_repair_meta(int fd, const struct stat *st, uid_t uid, gid_t gid,
    mode_t mode, const char *display);

/* --- read.c: the trusted-input rule of fs/fs.h, as pure parts --- */

/* The largest valid uid: (uid_t)-1 means "no change" to chown(2). */
#define FS_UID_VALID_MAX 4294967294ULL
/* Room for the kind of input named in messages ("password file "). */
#define FS_TRUST_WHAT_MAX 64

/* Who may own a trusted input: root, the caller, $SUDO_UID under sudo. */
struct fs_trust {
	uid_t caller;           /* getuid() */
	int has_sudo;
	uid_t sudo;             /* $SUDO_UID, when has_sudo */
};
/* A $SUDO_UID value: decimal digits only, 0..FS_UID_VALID_MAX. 1 and
 * *out set, or 0 (anything else, NULL included). */
int fs_trust_sudo_uid(const char *s, uid_t *out);
/* From getuid() and, only when that is 0, $SUDO_UID. */
void fs_trust_init(struct fs_trust *t);
/* 1 when uid may own a trusted input. */
int fs_trust_owner_ok(const struct fs_trust *t, uid_t uid);
enum fs_trust_dir {
	FS_TRUST_DIR_OK,
	FS_TRUST_DIR_OWNER,     /* owned by neither root nor the file's owner */
	FS_TRUST_DIR_WORLD,     /* world-writable and not sticky root's */
	FS_TRUST_DIR_GROUP,     /* group-writable and not sticky root's */
};
/* A directory (owner duid, mode dmode) above a file owned by owner (a
 * trusted owner: checked first). */
enum fs_trust_dir fs_trust_dir_rule(uid_t duid, mode_t dmode, uid_t owner);

/* --- write.c --- */

/* Called right before the first change of one item becomes visible (its
 * rename, its owner/mode repair, its mkdir or a parent's) with the action
 * about to be taken, perhaps again when a retry decides another one;
 * nonzero stops the item there with nothing changed, and is its error.
 * audit.c records the intent through it (fs_audit_intent). */
typedef int (*fs_before_fn)(void *ctx, enum es_action act);

/* What one file should become, beside an open directory. */
struct fs_want {
	int dirfd;
	const char *name;
	const char *display;    /* the path as the user knows it */
	uid_t uid;
	gid_t gid;
	mode_t mode;
	const void *data;
	size_t len;
	int check;              /* plan only */
	int backup;             /* keep "<name>-" */
	int create_only;        /* an existing target is -EEXIST, untouched */
	fs_before_fn before;    /* NULL: nothing to do first */
	void *before_ctx;
};
/* Make the file what w says; *act says what was done (or would be). */
int fs_put(const struct fs_want *w, enum es_action *act);

/* --- dir.c --- */

/* Ensure a directory for the layer's own files (owned by the caller's
 * euid, final mode `mode`, missing parents root 0755), not audited. */
int fs_infra_dir(struct es_root *root, const char *path, mode_t mode);

/* --- audit.c --- */

/* Hex digits of a content fingerprint (keyed BLAKE2b-256). */
#define FS_FP_HEX 64

/* One action record (file or dir) for the running audit, if any. data/len
 * is the content to fingerprint, NULL for dirs and failed writes (fp_hex:
 * the fingerprint already made for the intent, or NULL); err is 0 or the
 * error the action failed with. The name lists are recorded in full while
 * the record stays under its bound, else counted and hashed (audit.c). */
struct fs_record {
	const char *kind;       /* "file", "dir" */
	const char *path;
	enum es_action action;
	const char *owner_name;
	const char *group_name;
	uid_t uid;
	gid_t gid;
	mode_t mode;
	const void *data;       /* NULL: no fingerprint */
	size_t len;
	const char *fp_hex;     /* NULL: made from data when needed */
	const char *const *varnames;
	size_t nvarnames;
	const char *const *added, *const *removed, *const *changed;
	size_t nadded, nremoved, nchanged;
	int err;
};
int fs_audit_record(struct es_root *root, const struct fs_record *rec);

/* Room for a working-tree path made absolute: a cwd and a path of at most
 * ES_PATH_MAX each. */
#define FS_USER_ABS_MAX (2 * ES_PATH_MAX + 2)
/* A working-tree path as its records give it: absolute against the
 * working directory (abs: FS_USER_ABS_MAX bytes), or path itself when it
 * is absolute or too long (write.c). */
const char *fs_user_abs(const char *path, char *abs);

/* The intent of one item, recorded (durably) once before its first visible
 * change: give fs_audit_intent and a pointer to this as the fs_before_fn
 * and its ctx. rec is what the item is to become (its action is ignored);
 * fp receives the fingerprint made for it, for the outcome record. */
struct fs_intent {
	struct es_root *root;
	const struct fs_record *rec;
	int done;                     /* an intent was recorded ... */
	enum es_action act;           /* ... for this action */
	char fp[FS_FP_HEX + 1];       /* "" until made */
};
int fs_audit_intent(void *ctx, enum es_action act);

/* --- json.c --- */

/* Append s as a JSON string (quoted, escaped; bytes that are not valid
 * UTF-8 become \ufffd) to b. */
int fs_json_str(struct es_sbuf *b, const char *s);
/* Append printf output to b (bounded by ES_SBUF_MAX). */
int fs_sbuf_printf(struct es_sbuf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* A parsed top-level field of one audit record (string values unescaped,
 * other scalars verbatim, arrays of strings joined by ","). */
struct fs_jfield {
	char key[FS_JKEY_MAX];
	char *val;              /* malloc'd */
	int is_str;
};
/* Parse one flat JSON object line into fields (at most max). Returns the
 * count or ES_EFORMAT. Free with fs_jfields_free. */
int fs_json_parse_flat(const char *line, size_t len, struct fs_jfield *f,
    size_t max);
void fs_jfields_free(struct fs_jfield *f, size_t n);

#endif
