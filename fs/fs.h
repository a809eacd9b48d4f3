/*
 * fs/fs.h — the audited file-write layer. Every byte envseal puts on disk
 * goes through here: env files, passwd-family files, units, directories,
 * vault files in a working tree, and the audit log itself.
 *
 * Calling sequence (a run against a root):
 *
 *	struct es_root *root;
 *	es_root_open(&root, "/", flags);          // root dirfd; check mode?
 *	es_root_lock(root);                       // one run per root
 *	es_audit_begin(root, "render", policy_sha256);
 *	es_audit_vault(root, path, bytes, len, ciphertext, label); // each vault
 *	es_ensure_dir(root, &dirspec, &action);   // each directory
 *	es_write_file(root, &filespec, &action);  // each file: audited
 *	es_audit_fail(root, code);                // when the run failed
 *	es_audit_end(root, status);
 *	es_root_close(root);                      // unlocks
 *
 * Paths given to the layer are absolute policy paths ("/etc/veza/x.env").
 * They are resolved beneath the root fd with openat2(RESOLVE_IN_ROOT |
 * RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS): a symlink anywhere in the
 * path is refused, as is anything but a regular file where a file belongs
 * or anything but a directory where a directory belongs. A kernel without
 * openat2 gets ES_ENOSYS, never a fallback.
 *
 * Targets (ES_W_TRUSTED) may only be written into directories owned by
 * root with no group or other write bit. Working-tree files (es_user_*)
 * need only a directory no other user can write.
 *
 * Replace: temp ".envseal-tmp.<name>.<16 hex>" beside the target, O_EXCL|
 * O_NOFOLLOW|O_CLOEXEC mode 0600, write all, fchown, fchmod (writes and
 * chown both clear set-id bits, so the mode comes last), fsync, renameat
 * (renameat2 RENAME_NOREPLACE for a new file), fsync(dir). EXDEV/EBUSY
 * (a bind-mounted target) is ES_EUNSAFE, never a non-atomic fallback.
 * Unchanged content+owner+mode: nothing is touched.
 * Only metadata drifted: fixed in place (fchown/fchmod on an O_NOFOLLOW fd).
 * Any failure leaves the old file as it was and removes the temp file.
 * Stale temp files of killed runs are removed by the next write beside them:
 * each writer holds flock(LOCK_EX) on its own temp until the rename, and a
 * temp is removed only when that lock is free. No lock is ever taken on a
 * target's directory (any user who can open it could hold it forever).
 *
 * Check mode (ES_ROOT_CHECK): every action is planned and reported; nothing
 * at all is written (no temp, no lock file creation, no audit record).
 *
 * Audit: es_write_file, es_ensure_dir and es_user_write_file (with an
 * audit_root) record each item while a run is open (between es_audit_begin
 * and es_audit_end); with no run begun they log nothing, so the API also
 * works without a lock or an audit run. An item that is to change (not
 * "unchanged", not refused) first gets an intent record (path, planned
 * action, owner, group, mode, fingerprint of the new content), appended
 * and fsync'd before its rename, owner/mode repair or mkdir: if that
 * record cannot be made durable the item is not touched and the call
 * fails. After the action its outcome record is appended (not fsync'd: it
 * becomes durable with the next intent or the end record, which is
 * fsync'd). So a run killed after a change shows an intent and no end,
 * which es_audit_verify hands to its caller; an unchanged run costs one
 * fsync. Reading the log (es_audit_verify here, es_audit_each in
 * fs/inspect.h) prints nothing: cmd/ and verify/ say what was found.
 *
 * Errors: 0 or a negative code (common/envseal.h) with a detail naming the
 * path. A refused write reports ES_ACT_REFUSED through *action as well as
 * returning the error, and is audited as "refused" when not in check mode.
 */
#ifndef ENVSEAL_FS_H
#define ENVSEAL_FS_H

#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

#include "common/envseal.h"

/* Largest file the layer reads back for comparison (env files are < 64MiB). */
#define ES_FILE_MAX ((size_t)64 << 20)
/* Bounded wait for the per-root run lock and /etc/.pwd.lock, in seconds. */
#define ES_LOCK_WAIT_SECONDS 30

enum es_root_flags {
	ES_ROOT_CHECK = 1 << 0,    /* plan only; write nothing at all */
};

enum es_action {
	ES_ACT_CREATED,
	ES_ACT_REPLACED,
	ES_ACT_METADATA,
	ES_ACT_UNCHANGED,
	ES_ACT_REFUSED,
};

/* "created", "replaced", "metadata", "unchanged", "refused". */
const char *es_action_name(enum es_action a);

struct es_root;

/* Open rootdir (NULL = "/") as the root of every later path. */
int es_root_open(struct es_root **out, const char *rootdir, unsigned flags);
/* Release locks, close fds, free. NULL is fine. */
void es_root_close(struct es_root *root);
/* Nonzero in check mode. */
int es_root_checking(const struct es_root *root);
/* The root directory fd (O_PATH|O_DIRECTORY), for Landlock rules. */
int es_root_fd(const struct es_root *root);
/* envseal's own directories under a root, which this layer writes (run
 * lock and audit key in the first, the audit log in the second): for the
 * writer's Landlock rules (run/) and the paths no policy may name
 * (policy/). *n is set to their count (2). */
const char *const *es_state_dirs(size_t *n);

/* Take the per-root run lock (/var/lib/envseal/lock), waiting at most
 * ES_LOCK_WAIT_SECONDS (then ES_ELOCKED). The library never prints: when
 * the lock is busy it calls the notice set below once, and cmd/ prints
 * "waiting for lock ..." there. In check mode the lock file is never
 * created: an existing one is locked, a missing one means no lock. */
int es_root_lock(struct es_root *root);
/* Called once per wait (run lock or /etc/.pwd.lock) with the lock's path
 * under the root; NULL (the default) is silent. */
void es_root_set_lock_notice(struct es_root *root,
    void (*notice)(const char *lockpath, void *arg), void *arg);
/* Names for the owner and group of working-tree files in this root's
 * audit records (es_user_write_file: the vault commands' writes), as
 * render's records give its policy's names: fn puts the name of uid
 * (group 0) or gid (group 1) in out (size bytes) and returns 0, or
 * returns non-zero when it has none (the number is recorded then). fs/
 * reads no account database for this itself. */
void es_root_set_namer(struct es_root *root,
    int (*fn)(void *arg, int group, unsigned long id, char *out,
    size_t size), void *arg);
/* Hold /etc/.pwd.lock (fcntl write lock, as lckpwdf) until unlock/close. */
int es_root_lock_passwd(struct es_root *root);
void es_root_unlock_passwd(struct es_root *root);

enum es_write_flags {
	ES_W_TRUSTED = 1 << 0,   /* directory must be root-only writable */
	ES_W_BACKUP = 1 << 1,    /* keep the old file as "<name>-" (passwd) */
	ES_W_NOAUDIT = 1 << 2,   /* the audit log itself */
};

struct es_file_spec {
	const char *path;            /* absolute, resolved under the root */
	uid_t uid;
	gid_t gid;
	mode_t mode;                 /* permission bits incl. set-id */
	const void *data;            /* new content (may be secret) */
	size_t len;
	unsigned flags;              /* enum es_write_flags */
	/* For the audit record; names only, never values. */
	const char *owner_name;      /* NULL: the number is recorded */
	const char *group_name;
	const char *const *varnames; /* env files: variable names, or NULL */
	size_t nvarnames;
	/* Env files: names added, removed and whose value changed against
	 * the old file (NULL/0: none). Recorded before varnames: when the
	 * names do not all fit a record, these stay listed longest. */
	const char *const *added, *const *removed, *const *changed;
	size_t nadded, nremoved, nchanged;
};

/* Create, replace, repair or leave the file; audited (unless NOAUDIT). */
int es_write_file(struct es_root *root, const struct es_file_spec *spec,
    enum es_action *action);

struct es_dir_spec {
	const char *path;            /* absolute, resolved under the root */
	uid_t uid;
	gid_t gid;
	mode_t mode;
	const char *owner_name;
	const char *group_name;
};

/* tmpfiles "d": create (parents root 0755) or repair owner and mode,
 * never widening access even for an instant; refuse anything else. Every
 * directory on the path, the root included, must be owned by root with no
 * group/other write (ES_EUNSAFE naming the first that is not): whoever
 * else can write one could swap what lies beneath it. */
int es_ensure_dir(struct es_root *root, const struct es_dir_spec *spec,
    enum es_action *action);

/* Read an existing regular file under the root (no symlinks), at most max
 * bytes. *exists = 0 and 0 returned when it is absent. The content is
 * read at its fstat size into plain memory, NUL-terminated (not counted
 * in *len); a file whose size changes while it is read is read again, at
 * most FS_COMMIT_TRIES times, then -EAGAIN. The caller frees *buf with
 * free(); for secret content use es_read_file_secure(). */
struct stat;
int es_read_file(struct es_root *root, const char *path, size_t max,
    unsigned char **buf, size_t *len, struct stat *st, int *exists);
/* The same into guarded memory: out (empty on entry) receives the
 * content; release it with es_sbuf_free(), which wipes it. */
struct es_sbuf;
int es_read_file_secure(struct es_root *root, const char *path, size_t max,
    struct es_sbuf *out, struct stat *st, int *exists);

/*
 * Trusted inputs. A password file or script, a systemd credential, a vault
 * and a policy decide what root runs and writes, so each is used only when
 * nobody but root and the caller could have written it (the rule OpenSSH's
 * StrictModes applies to ~/.ssh):
 *  - it is a regular file owned by root, by the caller (getuid()) or, when
 *    the caller is root and $SUDO_UID holds a valid uid, by $SUDO_UID;
 *  - it has no group or other write bit;
 *  - every directory from "/" down to it is owned by root or by the file's
 *    owner and has no group or other write bit, except that a sticky
 *    directory owned by root (/tmp) may be writable by all: the sticky bit
 *    keeps others from renaming or removing a file they do not own, and
 *    the file's owner is one of those above.
 * A relative path is walked after the working directory (getcwd), whose
 * ancestors are judged with it. The walk goes from "/" by descriptors:
 * each component is opened O_PATH|O_NOFOLLOW from the directory before it
 * and fstat()ed, so what is judged is what was opened and no name is
 * looked up twice; the final name is opened O_NOFOLLOW from the last
 * directory (a symlink or FIFO swapped in there is refused, not followed).
 * Symlinks on the way are followed by the walk itself (at most 40, the
 * kernel's bound), never by the kernel: a symlink must be owned by root,
 * the caller or $SUDO_UID, and the directory it sits in is judged like
 * every other directory passed through (realpath() would judge only where
 * it leads, so a link in a deploy user's directory could point root at any
 * root-owned program). ".." is walked too, by descriptor.
 * The descriptor returned is the file that was judged: read it or execute
 * it (execveat), never open the name again.
 *
 * Errors: ES_EUNSAFE with one line "WHAT PATH: RULE; refused" (what NULL:
 * "PATH: RULE; refused"), e.g. "password file /home/d/pw: owned by uid
 * 1000, not root or the caller; refused", "... is group-writable; refused",
 * "... directory /srv/repo is writable by uid 1000; refused", "... symlink
 * /tmp/x is owned by uid 1000, not root or the caller; refused"; -errno
 * with the path named when it cannot be walked (-ENOENT: missing);
 * ES_ELIMIT for a path longer than ES_PATH_MAX. Callers that must exit 2
 * (a policy) map ES_EUNSAFE.
 */
int es_trust_open(const char *path, const char *what, int *fd,
    struct stat *st);
/* The whole of a trusted input, at most max bytes (ES_ELIMIT beyond), in
 * one plain allocation at its fstat size, NUL-terminated (not counted in
 * *len): vaults as on disk, policies. A file that changes size while it is
 * read is opened and judged again, at most FS_COMMIT_TRIES times. The
 * caller frees *buf with free(). */
int es_trust_read(const char *path, const char *what, size_t max,
    unsigned char **buf, size_t *len);
/* The same into guarded memory: out (empty on entry) receives it; release
 * it with es_sbuf_free(). For secrets (systemd credentials). */
int es_trust_read_secure(const char *path, const char *what, size_t max,
    struct es_sbuf *out);
/* Read an open descriptor (one from es_trust_open(), standard input) to
 * its end into guarded memory out (empty on entry), at most max bytes:
 * ES_ELIMIT beyond, the detail naming display. On error out is wiped. */
int es_read_fd_secure(int fd, size_t max, struct es_sbuf *out,
    const char *display);

/*
 * Working-tree files (envseal vault): path is a plain path relative to the
 * working directory or absolute on the host; the final component must not
 * be a symlink and its directory must not be writable by another user.
 * Owner and mode are kept from the existing file; a new file gets mode
 * (0600 when 0). With ES_UW_PRIVATE the result is 0600 whatever mode the
 * existing file had (its owner is kept): for plaintext, which must not
 * inherit the mode a vault could afford as ciphertext. The same replace
 * rules apply. audit_root may be NULL (no audit log reachable, e.g. not
 * root); otherwise one record per file.
 */
#define ES_UW_PRIVATE 0x1u
int es_user_write_file(struct es_root *audit_root, const char *path,
    const void *data, size_t len, mode_t new_mode, unsigned flags,
    enum es_action *action);
/* The same, with the key names a `vault set/unset/edit` added, removed or
 * changed in the file's audit records (names, never values; NULL: none). */
struct es_user_names {
	const char *const *added, *const *removed, *const *changed;
	size_t nadded, nremoved, nchanged;
};
int es_user_write_file_names(struct es_root *audit_root, const char *path,
    const void *data, size_t len, mode_t new_mode, unsigned flags,
    const struct es_user_names *names, enum es_action *action);
/* Read a working-tree file (a vault as on disk, or what `vault encrypt`
 * is given) as es_trust_read() with no WHAT: the trusted-input rule
 * holds, the detail starts with the path. */
int es_user_read_file(const char *path, size_t max, unsigned char **buf,
    size_t *len);

/*
 * Scratch (fs/scratch.c): the private tmpfs directory that holds the
 * plaintext of `envseal vault edit/create` while an editor has it.
 *
 *	struct es_scratch s;
 *	es_scratch_open(&s, "vault.yml");   // dir 0700, empty file 0600
 *	es_scratch_write(&s, pt, len);      // the plaintext to edit
 *	... the editor runs on s.file ...
 *	es_scratch_read(&s, max, &sbuf);    // what it saved (by name)
 *	es_scratch_close(&s);               // always, also after an error
 *
 * As root the process enters a mount namespace of its own and mounts a
 * fresh tmpfs (0700, size-bounded, noswap where the kernel has it) on a
 * mkdtemp directory of /dev/shm: the plaintext lives only in that mount,
 * which dies with the last process of the namespace, crash or SIGKILL
 * included (an empty directory is all that can remain). Otherwise (not
 * root, or unshare refused) the mkdtemp directory under $XDG_RUNTIME_DIR
 * (when it is ours, 0700 and a tmpfs) or /dev/shm; a directory that is
 * not on a tmpfs is refused (ES_EUNSAFE). Close zeroes every regular file
 * beneath the directory (the editor's swap files and backups too), removes
 * it all, unmounts, and removes the directory. Errors: 0 or a negative
 * code with a detail naming the path.
 */
struct es_scratch {
	char dir[ES_PATH_MAX];
	char file[ES_PATH_MAX];     /* dir/name: what the editor is given */
	char name[256];
	int dirfd;
	int made, mounted;
};
int es_scratch_open(struct es_scratch *s, const char *name);
int es_scratch_write(const struct es_scratch *s, const void *data,
    size_t len);
int es_scratch_read(const struct es_scratch *s, size_t max,
    struct es_sbuf *out);
/* A new file at rel beneath the scratch directory (a relative path of
 * plain components, at most SCRATCH_DEPTH_MAX - 1 directories deep so that
 * close removes it), its missing directories made 0755, the file 0644,
 * owned by the caller; no symlink is followed and an existing file is
 * refused (-EEXIST). For a tree a tool reads with the scratch as its root
 * (policy lint's units for systemd-analyze --root). Not for secrets. */
int es_scratch_put(const struct es_scratch *s, const char *rel,
    const void *data, size_t len);
int es_scratch_close(struct es_scratch *s);

/*
 * Staged replaces of working-tree files, for a run that must replace
 * several files as one (envseal rotate, run/rotate.h): stage every file
 * first, then commit each. es_user_stage_file() checks path as
 * es_user_write_file() does (an existing regular file, no symlink, a
 * directory no other user can write), sweeps stale temps beside it, and
 * leaves data in a temp ".envseal-tmp.<name>.<16 hex>" beside it with the
 * target's owner and mode, written and fsync'd, flock'd while the stage
 * lives (so no sweeper takes it). The target is not touched.
 * es_stage_commit() checks the target is still the inode it was staged
 * against (else ES_ECONFLICT, nothing renamed), records the intent in
 * audit_root's open run (NULL: none), renames the temp over the target
 * and fsyncs the directory, then records the outcome. es_stage_free()
 * removes an uncommitted temp and frees; NULL is fine. A process killed
 * with stages alive leaves temps that the next write beside them sweeps.
 * data is ciphertext (kept for the audit fingerprint), never plaintext.
 */
struct es_stage;
int es_user_stage_file(const char *path, const void *data, size_t len,
    struct es_stage **out);
int es_stage_commit(struct es_root *audit_root, struct es_stage *s,
    enum es_action *action);
void es_stage_free(struct es_stage *s);

/* --- audit log: /var/log/envseal/audit.jsonl under the root --- */

/* Longest record line envseal writes, its newline included (fs/audit.c
 * says why 64 KiB); readers hold one in a buffer of this size. */
#define ES_AUDIT_RECORD_MAX ((size_t)64 << 10)

/* Start a run: record command and policy hash (32 bytes or NULL). */
int es_audit_begin(struct es_root *root, const char *command,
    const unsigned char *policy_sha256);
/* The key id (16 hex) that signed the run's policy, recorded in its
 * begin record as "signer"; "" or NULL: none. Call before
 * es_audit_begin. */
void es_audit_set_signer(struct es_root *root, const char *keyid);
/* A vault the run opened or tried to: its path (a relative one made
 * absolute against the working directory, as working-tree files are),
 * what its bytes as read were, and the label of the key that opened it
 * (NULL: none did, or nothing in it was encrypted). ciphertext (the
 * caller's es_vault_is_ciphertext()): the file is ciphertext as a whole,
 * recorded as "sha256" of its bytes (not secret); else its bytes hold
 * plaintext and are recorded as a keyed "fingerprint", as env files are.
 * One "vault" record; none outside a run, in check mode, or with root
 * NULL. The error detail is kept. */
int es_audit_vault(struct es_root *root, const char *path, const void *bytes,
    size_t len, int ciphertext, const char *key_label);
/* The same record of a vault that is ciphertext as a whole, from the
 * sha256 of its bytes the caller computed already (a render hashes it
 * while the worker runs). */
int es_audit_vault_sha256(struct es_root *root, const char *path,
    const unsigned char sha256[32], const char *key_label);
/* Accounts a run created: the user and group with the ids they were
 * made with (allocated, or the policy's), and which of the two it made.
 * One "account" record, after the passwd family is written; none outside
 * a run or in check mode. verify takes the first such record of a user
 * (or group) as its expected ids when the policy pins none. */
int es_audit_account(struct es_root *root, const char *user,
    unsigned long uid, const char *group, unsigned long gid,
    int user_created, int group_created);
/* The run failed with code: its end record gives the error class
 * (es_strerror(code)) and the one-line detail as it is now (it names
 * things, never a value). Call before es_audit_end. */
void es_audit_fail(struct es_root *root, int code);
/* End the run with the exit status it will have (appended and fsync'd). */
int es_audit_end(struct es_root *root, int exit_status);
/*
 * Walk the log and check its chain: each line's hash over its bytes and
 * its link to the line before. The wording is the caller's (cmd/ for
 * `audit verify`, verify/ for `envseal verify`): the walk hands over what
 * it finds through w's callbacks, any of which may be NULL, in log order:
 *   over_bound  a line over the record bound (an older envseal's record:
 *               its hash and link are checked, its fields are not read);
 *   intact      the chain is whole: how many records, the last hash;
 *   incomplete  after intact (or, past FS_VERIFY_RUNS_MAX runs open at
 *               once, during the walk): a run that recorded an intent
 *               and has no end record (a crash, a kill, a full disk),
 *               with the items it intended.
 * No log: 0, w->none = 1, no callback. A break: ES_EINTEGRITY with a
 * detail naming the first bad record (line number), no intact call.
 */
struct es_audit_open_run {
	const char *id, *command, *time;
	size_t line;                 /* its first intent */
	size_t nitems;               /* intents recorded */
	const char *const *named;    /* "<action> <path>" of the first ones */
	size_t nnamed;               /* at most nitems; NULL entries: unknown */
};
struct es_audit_walk {
	void (*over_bound)(void *arg, size_t line, size_t bytes);
	void (*intact)(void *arg, size_t records, const char *last_hash);
	void (*incomplete)(void *arg, const struct es_audit_open_run *o);
	void *arg;
	int none;                    /* out: there is no log */
};
int es_audit_verify(struct es_root *root, struct es_audit_walk *w);

#endif
