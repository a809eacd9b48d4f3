/*
 * fs/write.c — making one file what it should be: unchanged, repaired in
 * place (owner/mode only), or replaced through a temp file and a rename.
 * The readers are in read.c.
 */
#include "fs/fs_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/xattr.h>
#include <unistd.h>

/* Is the open target's content exactly w->data? */
static int
same_content(int fd, const struct stat *st, const struct fs_want *w,
    int *same)
{
	struct es_sbuf old = { 0 };
	int r;

	*same = 0;
	if ((size_t)st->st_size != w->len)
		return 0;
	if ((r = es_sbuf_reserve(&old, w->len + 1)) == 0)
		r = fs_read_all(fd, w->len, &old, w->display);
	if (r == ES_ELIMIT) {
		/* Grew while we looked: not the same. */
		es_errclear();
		r = 0;
	} else if (r == 0 && old.len == w->len) {
		*same = w->len == 0 || es_ct_equal(old.p, w->data, w->len);
	}
	es_sbuf_free(&old);
	return r;
}

static int
meta_same(const struct stat *st, const struct fs_want *w)
{
	return st->st_uid == w->uid && st->st_gid == w->gid &&
	    (st->st_mode & 07777) == (w->mode & 07777);
}

/* The xattrs that hold a POSIX ACL: every file's access ACL, and the
 * default ACL a directory hands to what is created in it. */
#define FS_ACL_ACCESS "system.posix_acl_access"
#define FS_ACL_DEFAULT "system.posix_acl_default"

/* 1 when the xattr is there, 0 when not or the filesystem has no ACLs. */
static int
has_xattr(int fd, const char *name)
{
	if (fgetxattr(fd, name, NULL, 0) >= 0)
		return 1;
	return errno == ENODATA || errno == ENOTSUP ? 0 : -errno;
}

int
fs_has_acl(int fd, int is_dir, const char *display)
{
	int r;

	if ((r = has_xattr(fd, FS_ACL_ACCESS)) == 0 && is_dir)
		r = has_xattr(fd, FS_ACL_DEFAULT);
	if (r < 0)
		return es_failf(r, "%s: read ACL: %s", display, strerror(-r));
	return r;
}

int
fs_strip_acl(int fd, int is_dir, const char *display)
{
	if (fremovexattr(fd, FS_ACL_ACCESS) != 0 && errno != ENODATA &&
	    errno != ENOTSUP)
		goto fail;
	if (is_dir && fremovexattr(fd, FS_ACL_DEFAULT) != 0 &&
	    errno != ENODATA && errno != ENOTSUP)
		goto fail;
	return 0;
fail:
	return es_failf(-errno, "%s: cannot remove its ACL: %s", display,
	    strerror(errno));
}

int
fs_repair_meta(int fd, const struct stat *st, uid_t uid, gid_t gid,
    mode_t mode, const char *display)
{
	mode_t old = st->st_mode & 07777, want = mode & 07777;
	int r;

	/* The ACL first: without it the mode alone says who has access,
	 * and removing it never grants anything the mode does not. */
	if ((r = fs_strip_acl(fd, S_ISDIR(st->st_mode), display)) != 0)
		return r;
	if ((old & want) != old && fchmod(fd, old & want) != 0)
		goto fail;
	if ((st->st_uid != uid || st->st_gid != gid) &&
	    fchown(fd, uid, gid) != 0)
		goto fail;
	if (fchmod(fd, want) != 0)
		goto fail;
	if (fsync(fd) != 0)
		goto fail;
	return 0;
fail:
	return es_failf(-errno, "%s: cannot repair owner/mode: %s", display,
	    strerror(errno));
}

static int
rename_error(const struct fs_want *w, int err)
{
	if (err == EXDEV || err == EBUSY)
		return es_failf(ES_EUNSAFE, "%s: the target is a mount point "
		    "(a bind-mounted file?): an atomic replace is impossible; "
		    "refused (%s)", w->display, strerror(err));
	if (err == EEXIST)
		return es_failf(-EEXIST, "%s: created by someone else while we "
		    "wrote it", w->display);
	return es_failf(-err, "%s: rename: %s", w->display, strerror(err));
}

/* 1 when name in dirfd is the inode open as fd, 0 when it is gone or
 * another inode, negative on error. */
static int
names_fd(int dirfd, const char *name, int fd)
{
	struct stat a, b;

	if (fstat(fd, &a) != 0)
		return -errno;
	if (fstatat(dirfd, name, &b, AT_SYMLINK_NOFOLLOW) != 0)
		return errno == ENOENT ? 0 : -errno;
	return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

/*
 * Keep the old inode as "<name>-", as shadow-utils and sysusers do: hard
 * link it to a temp name, then rename that over "<name>-". The link is a
 * temp name, so a sweeper (path.c) may see it: we flock it, and a sweeper
 * removes only what it can lock. If the lock is busy, someone else holds
 * the old inode's flock (a reader of a 0644 passwd may), and then no
 * sweeper can take it either. If a sweeper took it in the instant between
 * the link and our flock, the rename says ENOENT: link again.
 */
static int
keep_backup(const struct fs_want *w)
{
	char tmp[FS_TMPNAME_MAX], bak[FS_NAME_MAX + 2];
	int r = 0, n, lfd, tries;

	n = snprintf(bak, sizeof bak, "%s-", w->name);
	if (n < 0 || (size_t)n >= sizeof bak)
		return es_failf(ES_ELIMIT, "%s: backup name too long",
		    w->display);
	for (tries = 0; tries < FS_TEMP_TRIES; tries++) {
		if ((r = fs_tmpname(tmp, sizeof tmp, w->name)) != 0)
			return r;
		if (linkat(w->dirfd, w->name, w->dirfd, tmp, 0) != 0)
			return es_failf(-errno, "%s: backup link: %s",
			    w->display, strerror(errno));
		lfd = openat(w->dirfd, tmp, O_RDONLY | O_NOFOLLOW |
		    O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
		if (lfd >= 0)
			(void)flock(lfd, LOCK_EX | LOCK_NB);
		r = renameat(w->dirfd, tmp, w->dirfd, bak) == 0 ? 0 : -errno;
		/* When "<name>-" already is this inode (an earlier run failed
		 * after its backup), rename(2) does nothing and leaves tmp:
		 * remove it. */
		(void)unlinkat(w->dirfd, tmp, 0);
		if (lfd >= 0)
			close(lfd);
		if (r != -ENOENT)
			break;
	}
	if (r != 0)
		return es_failf(r, "%s: backup rename to %s: %s", w->display,
		    bak, strerror(-r));
	return 0;
}

/*
 * Create the temp file, 0600, O_EXCL, and take flock(LOCK_EX) on it, held
 * until the fd is closed after the rename: that lock is what tells a
 * sweeper (path.c fs_sweep_temps) this temp is live. Only root or we can
 * open a 0600 file of ours, so no other user can take or hold this lock
 * (the directory lock this replaces could be held by anyone able to open
 * the directory, forever). A sweeper may get the lock in the instant
 * between our create and our flock: then our flock is busy, or our name
 * is gone once we have it, and we start again under a fresh name.
 */
static int
make_temp(const struct fs_want *w, char *tmp, int *out)
{
	int fd, r, tries;

	*out = -1;
	for (tries = 0; tries < FS_TEMP_TRIES; tries++) {
		if ((r = fs_tmpname(tmp, FS_TMPNAME_MAX, w->name)) != 0)
			return r;
		fd = openat(w->dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL |
		    O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd < 0)
			return es_failf(-errno, "%s: cannot create temp file: "
			    "%s", w->display, strerror(errno));
		if (flock(fd, LOCK_EX | LOCK_NB) == 0)
			r = names_fd(w->dirfd, tmp, fd);
		else
			r = errno == EWOULDBLOCK ? 0 : -errno;
		if (r == 1) {
			*out = fd;
			return 0;
		}
		/* Lost to a sweeper, or failed: remove the name if it is
		 * still ours, and start again under a fresh one. */
		if (names_fd(w->dirfd, tmp, fd) == 1)
			(void)unlinkat(w->dirfd, tmp, 0);
		close(fd);
		if (r < 0)
			return es_failf(r, "%s: temp file lock: %s",
			    w->display, strerror(-r));
	}
	return es_failf(-EAGAIN, "%s: temp file removed by another writer %d "
	    "times", w->display, FS_TEMP_TRIES);
}

/*
 * The replace. The temp file is created 0600 by us, filled, then given its
 * owner and mode: write before fchown/fchmod because, without CAP_FSETID,
 * a write clears set-id bits; fchown before fchmod because chown clears
 * them too. fsync after, so data and metadata are durable before the name
 * points at them. A new target is committed with RENAME_NOREPLACE so a
 * racing creator is detected, never overwritten.
 */
static int
replace(const struct fs_want *w, int exists)
{
	char tmp[FS_TMPNAME_MAX];
	int fd = -1, r, made = 0;

	if ((r = make_temp(w, tmp, &fd)) != 0)
		goto out;
	made = 1;
	/* A default ACL on the directory became the temp's access ACL; its
	 * named entries would survive our fchmod (which only sets the mask)
	 * and grant more than the mode says. */
	if ((r = fs_strip_acl(fd, 0, w->display)) != 0)
		goto out;
	if ((r = fs_write_all(fd, w->data, w->len)) != 0) {
		r = es_failf(r, "%s: write: %s", w->display, strerror(-r));
		goto out;
	}
	if (fchown(fd, w->uid, w->gid) != 0 || fchmod(fd, w->mode & 07777) != 0 ||
	    fsync(fd) != 0) {
		r = es_failf(-errno, "%s: temp file: %s", w->display,
		    strerror(errno));
		goto out;
	}
	if (exists && w->backup && (r = keep_backup(w)) != 0)
		goto out;
	if (exists)
		r = renameat(w->dirfd, tmp, w->dirfd, w->name);
	else
		r = renameat2(w->dirfd, tmp, w->dirfd, w->name,
		    RENAME_NOREPLACE);
	if (r != 0) {
		r = rename_error(w, errno);
		goto out;
	}
	made = 0;
	/* The rename itself is durable only once the directory is. */
	if (fsync(w->dirfd) != 0)
		r = es_failf(-errno, "%s: fsync of its directory: %s",
		    w->display, strerror(errno));
out:
	if (fd >= 0)
		close(fd);
	if (made)
		(void)unlinkat(w->dirfd, tmp, 0);
	return r;
}

/* w's hook, if any, right before the first visible change. */
static int
before(const struct fs_want *w, enum es_action act)
{
	return w->before != NULL ? w->before(w->before_ctx, act) : 0;
}

static int
put_once(const struct fs_want *w, enum es_action *act)
{
	struct stat st;
	int fd = -1, r, same, acl;

	if ((r = fs_open_target(w->dirfd, w->name, w->display, &fd, &st)) != 0)
		goto out;
	if (fd < 0) {
		*act = ES_ACT_CREATED;
		if (!w->check && (r = before(w, *act)) == 0)
			r = replace(w, 0);
		goto out;
	}
	if (w->create_only) {
		r = -EEXIST;
		goto out;
	}
	if ((r = same_content(fd, &st, w, &same)) != 0)
		goto out;
	/* An ACL is access the mode does not show: drift like the mode. */
	if ((acl = fs_has_acl(fd, 0, w->display)) < 0) {
		r = acl;
		goto out;
	}
	if (same && meta_same(&st, w) && !acl) {
		*act = ES_ACT_UNCHANGED;
	} else if (same) {
		*act = ES_ACT_METADATA;
		/* A second name for the inode (a hard link) would get the
		 * new owner and mode too: give the target its own inode. */
		if (!w->check && (r = before(w, *act)) == 0)
			r = st.st_nlink == 1 ?
			    fs_repair_meta(fd, &st, w->uid, w->gid, w->mode,
			    w->display) : replace(w, 1);
	} else {
		*act = ES_ACT_REPLACED;
		if (!w->check && (r = before(w, *act)) == 0)
			r = replace(w, 1);
	}
out:
	if (fd >= 0)
		close(fd);
	return r;
}

int
fs_put(const struct fs_want *w, enum es_action *act)
{
	int r, tries = 0;

	*act = ES_ACT_REFUSED;
	if (w->len > ES_FILE_MAX)
		return es_failf(ES_ELIMIT, "%s: content larger than %zu bytes",
		    w->display, ES_FILE_MAX);
	/* Stale temps of killed runs; live writers' temps are locked. */
	if (!w->check)
		fs_sweep_temps(w->dirfd, w->name);
	do {
		r = put_once(w, act);
		/* Someone created or replaced the target between our look
		 * and our rename or open: look again and decide afresh. */
	} while (((r == -EEXIST && !w->create_only) || r == -EAGAIN) &&
	    ++tries < FS_COMMIT_TRIES);
	if (r != 0)
		*act = ES_ACT_REFUSED;
	return r;
}

/* What the audit records of spec's file say, but the action and error. */
static void
file_record(const struct es_file_spec *spec, struct fs_record *rec)
{
	memset(rec, 0, sizeof *rec);
	rec->kind = "file";
	rec->path = spec->path;
	rec->owner_name = spec->owner_name;
	rec->group_name = spec->group_name;
	rec->uid = spec->uid;
	rec->gid = spec->gid;
	rec->mode = spec->mode & 07777;
	rec->data = spec->data;
	rec->len = spec->len;
	rec->varnames = spec->varnames;
	rec->nvarnames = spec->nvarnames;
	rec->added = spec->added;
	rec->nadded = spec->nadded;
	rec->removed = spec->removed;
	rec->nremoved = spec->nremoved;
	rec->changed = spec->changed;
	rec->nchanged = spec->nchanged;
}

/* The outcome record of a file; in holds the fingerprint its intent made,
 * if it had one. */
static void
audit_file(struct es_root *root, const struct fs_record *base,
    const struct fs_intent *in, enum es_action act, int err, int *r)
{
	struct fs_record rec = *base;
	int ar;

	rec.action = act;
	rec.err = err;
	/* A failed write proves no content. */
	if (err != 0)
		rec.data = NULL;
	else if (in->fp[0] != '\0')
		rec.fp_hex = in->fp;
	ar = fs_audit_record(root, &rec);
	/* The action's own error wins; an audit failure fails a good run. */
	if (*r == 0)
		*r = ar;
}

int
es_write_file(struct es_root *root, const struct es_file_spec *spec,
    enum es_action *action)
{
	char dir[ES_PATH_MAX], name[FS_NAME_MAX + 1];
	struct fs_want w;
	struct fs_record rec;
	struct fs_intent in;
	enum es_action act = ES_ACT_REFUSED;
	int dfd = -1, r, audit;

	BUG_ON(root == NULL || spec == NULL || spec->path == NULL ||
	    action == NULL || (spec->data == NULL && spec->len > 0));
	audit = !(spec->flags & ES_W_NOAUDIT);
	file_record(spec, &rec);
	memset(&in, 0, sizeof in);
	in.root = root;
	in.rec = &rec;
	if ((r = fs_path_split(spec->path, dir, name)) != 0)
		goto out;
	r = fs_open_dir(root->fd, dir, spec->path, &dfd);
	if (r == -ENOENT && es_root_checking(root)) {
		/* The directory is planned too; the file would be new. */
		act = ES_ACT_CREATED;
		r = 0;
		goto out;
	}
	if (r != 0)
		goto out;
	if ((spec->flags & ES_W_TRUSTED) &&
	    (r = fs_dir_trusted(dfd, 0, spec->path)) != 0)
		goto out;
	memset(&w, 0, sizeof w);
	w.dirfd = dfd;
	w.name = name;
	w.display = spec->path;
	w.uid = spec->uid;
	w.gid = spec->gid;
	w.mode = spec->mode & 07777;
	w.data = spec->data;
	w.len = spec->len;
	w.check = es_root_checking(root);
	w.backup = (spec->flags & ES_W_BACKUP) != 0;
	if (audit) {
		w.before = fs_audit_intent;
		w.before_ctx = &in;
	}
	r = fs_put(&w, &act);
out:
	if (dfd >= 0)
		close(dfd);
	if (r != 0)
		act = ES_ACT_REFUSED;
	if (audit)
		audit_file(root, &rec, &in, act, r, &r);
	*action = act;
	return r;
}

/* Split a working-tree path into an opened directory and a final name. */
static int
user_open(const char *path, int *dfd, char *name)
{
	char dir[ES_PATH_MAX];
	const char *slash;
	size_t n = strlen(path);

	*dfd = -1;
	if (n == 0 || n >= ES_PATH_MAX)
		return es_failf(ES_ELIMIT, "%s: empty or overlong path", path);
	slash = strrchr(path, '/');
	if (slash == NULL) {
		strcpy(dir, ".");
		slash = path - 1;
	} else if (slash == path) {
		strcpy(dir, "/");
	} else {
		memcpy(dir, path, (size_t)(slash - path));
		dir[slash - path] = '\0';
	}
	if (!fs_name_ok(slash + 1))
		return es_failf(ES_EUNSAFE, "%s: no valid file name", path);
	strcpy(name, slash + 1);
	*dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (*dfd < 0)
		return es_failf(-errno, "%s: directory %s: %s", path, dir,
		    strerror(errno));
	return 0;
}

/* A working-tree path as its audit records name it: absolute when it is
 * relative and user_open would take it (a longer one is refused and
 * recorded as given; audit.c cuts a path over its own bound). */
const char *
fs_user_abs(const char *path, char *abs)
{
	char cwd[ES_PATH_MAX];
	int n;

	if (path[0] == '/' || strlen(path) >= ES_PATH_MAX ||
	    getcwd(cwd, sizeof cwd) == NULL)
		return path;
	n = snprintf(abs, FS_USER_ABS_MAX, "%s/%s", cwd, path);
	if (n < 0 || (size_t)n >= FS_USER_ABS_MAX)
		BUG("cwd and path longer than FS_USER_ABS_MAX");
	return abs;
}

int
es_user_write_file(struct es_root *audit_root, const char *path,
    const void *data, size_t len, mode_t new_mode, unsigned flags,
    enum es_action *action)
{
	char name[FS_NAME_MAX + 1], abs[FS_USER_ABS_MAX];
	char oname[FS_AUDIT_OWNER_MAX + 1], gname[FS_AUDIT_OWNER_MAX + 1];
	struct fs_want w;
	struct fs_record rec;
	struct fs_intent in;
	struct stat st;
	enum es_action act = ES_ACT_REFUSED;
	int dfd = -1, fd = -1, r;

	memset(&w, 0, sizeof w);
	memset(&rec, 0, sizeof rec);
	rec.kind = "file";
	rec.path = fs_user_abs(path, abs);
	rec.data = data;
	rec.len = len;
	memset(&in, 0, sizeof in);
	in.root = audit_root;
	in.rec = &rec;
	if ((r = user_open(path, &dfd, name)) != 0)
		goto out;
	if ((r = fs_dir_trusted(dfd, geteuid(), path)) != 0)
		goto out;
	if ((r = fs_open_target(dfd, name, path, &fd, &st)) != 0)
		goto out;
	w.dirfd = dfd;
	w.name = name;
	w.display = path;
	w.data = data;
	w.len = len;
	if (fd >= 0) {
		/* A vault file keeps the owner and mode it has. */
		w.uid = st.st_uid;
		w.gid = st.st_gid;
		w.mode = flags & ES_UW_PRIVATE ? 0600 : st.st_mode & 07777;
		close(fd);
	} else {
		w.uid = geteuid();
		w.gid = getegid();
		w.mode = flags & ES_UW_PRIVATE || new_mode == 0 ? 0600 :
		    new_mode & 07777;
	}
	rec.uid = w.uid;
	rec.gid = w.gid;
	rec.mode = w.mode;
	if (audit_root != NULL && audit_root->namer != NULL) {
		if (audit_root->namer(audit_root->namer_arg, 0, w.uid, oname,
		    sizeof oname) == 0)
			rec.owner_name = oname;
		if (audit_root->namer(audit_root->namer_arg, 1, w.gid, gname,
		    sizeof gname) == 0)
			rec.group_name = gname;
	}
	w.check = audit_root != NULL && es_root_checking(audit_root);
	if (audit_root != NULL) {
		w.before = fs_audit_intent;
		w.before_ctx = &in;
	}
	r = fs_put(&w, &act);
out:
	if (dfd >= 0)
		close(dfd);
	if (r != 0)
		act = ES_ACT_REFUSED;
	if (audit_root != NULL)
		audit_file(audit_root, &rec, &in, act, r, &r);
	*action = act;
	return r;
}

/* --- staged replaces (fs/fs.h es_user_stage_file) --- */

struct es_stage {
	int dirfd;
	int fd;                        /* the temp, flock'd until freed */
	dev_t dev;                     /* the target as staged against */
	ino_t ino;
	uid_t uid;
	gid_t gid;
	mode_t mode;
	int committed;
	char name[FS_NAME_MAX + 1];
	char tmp[FS_TMPNAME_MAX];
	char *path;                    /* as given, for details */
	char *abs;                     /* as the audit names it */
	unsigned char *data;           /* not secret (ciphertext): for the
	                                  audit fingerprint */
	size_t len;
};

void
es_stage_free(struct es_stage *s)
{
	if (s == NULL)
		return;
	/* Not committed: the temp goes, the target never changed. */
	if (!s->committed && s->fd >= 0 && names_fd(s->dirfd, s->tmp, s->fd) ==
	    1)
		(void)unlinkat(s->dirfd, s->tmp, 0);
	if (s->fd >= 0)
		close(s->fd);
	if (s->dirfd >= 0)
		close(s->dirfd);
	free(s->path);
	free(s->abs);
	free(s->data);
	free(s);
}

/* The temp of s filled with data, the target's owner and mode, durable. */
static int
stage_fill(struct es_stage *s, const struct fs_want *w)
{
	int r;

	if ((r = make_temp(w, s->tmp, &s->fd)) != 0)
		return r;
	if ((r = fs_strip_acl(s->fd, 0, w->display)) != 0)
		return r;
	if ((r = fs_write_all(s->fd, w->data, w->len)) != 0)
		return es_failf(r, "%s: write: %s", w->display, strerror(-r));
	/* As replace(): write, then fchown, then fchmod, then fsync. */
	if (fchown(s->fd, w->uid, w->gid) != 0 ||
	    fchmod(s->fd, w->mode & 07777) != 0 || fsync(s->fd) != 0)
		return es_failf(-errno, "%s: temp file: %s", w->display,
		    strerror(errno));
	return 0;
}

int
es_user_stage_file(const char *path, const void *data, size_t len,
    struct es_stage **out)
{
	char abs[FS_USER_ABS_MAX];
	struct es_stage *s;
	struct fs_want w;
	struct stat st;
	int fd = -1, r;

	*out = NULL;
	if (len > ES_FILE_MAX)
		return es_failf(ES_ELIMIT, "%s: content larger than %zu bytes",
		    path, ES_FILE_MAX);
	if ((s = calloc(1, sizeof *s)) == NULL)
		return -ENOMEM;
	s->dirfd = s->fd = -1;
	if ((s->path = strdup(path)) == NULL ||
	    (s->abs = strdup(fs_user_abs(path, abs))) == NULL ||
	    (s->data = malloc(len ? len : 1)) == NULL) {
		r = -ENOMEM;
		goto out;
	}
	memcpy(s->data, data, len);
	s->len = len;
	if ((r = user_open(path, &s->dirfd, s->name)) != 0 ||
	    (r = fs_dir_trusted(s->dirfd, geteuid(), path)) != 0 ||
	    (r = fs_open_target(s->dirfd, s->name, path, &fd, &st)) != 0)
		goto out;
	if (fd < 0) {
		r = es_failf(-ENOENT, "%s: gone before it was staged", path);
		goto out;
	}
	close(fd);
	s->dev = st.st_dev;
	s->ino = st.st_ino;
	s->uid = st.st_uid;
	s->gid = st.st_gid;
	s->mode = st.st_mode & 07777;
	fs_sweep_temps(s->dirfd, s->name);
	memset(&w, 0, sizeof w);
	w.dirfd = s->dirfd;
	w.name = s->name;
	w.display = path;
	w.uid = s->uid;
	w.gid = s->gid;
	w.mode = s->mode;
	w.data = data;
	w.len = len;
	r = stage_fill(s, &w);
out:
	if (r != 0) {
		es_stage_free(s);
		return r;
	}
	*out = s;   /* transferred */
	return 0;
}

/* 0 when the target is still the inode s was staged against. */
static int
stage_same_target(const struct es_stage *s)
{
	struct stat st;

	if (fstatat(s->dirfd, s->name, &st, AT_SYMLINK_NOFOLLOW) != 0)
		return es_failf(-errno, "%s: %s since it was staged", s->path,
		    strerror(errno));
	if (st.st_dev != s->dev || st.st_ino != s->ino)
		return es_failf(ES_ECONFLICT, "%s: replaced by someone else "
		    "since it was staged; not touched", s->path);
	return 0;
}

int
es_stage_commit(struct es_root *audit_root, struct es_stage *s,
    enum es_action *action)
{
	struct fs_record rec;
	struct fs_intent in;
	int r;

	BUG_ON(s == NULL || s->committed || s->fd < 0);
	memset(&rec, 0, sizeof rec);
	rec.kind = "file";
	rec.path = s->abs;
	rec.uid = s->uid;
	rec.gid = s->gid;
	rec.mode = s->mode;
	rec.data = s->data;
	rec.len = s->len;
	memset(&in, 0, sizeof in);
	in.root = audit_root;
	in.rec = &rec;
	*action = ES_ACT_REPLACED;
	if ((r = stage_same_target(s)) != 0)
		goto out;
	if (audit_root != NULL && (r = fs_audit_intent(&in, ES_ACT_REPLACED)) !=
	    0)
		goto out;
	if (renameat(s->dirfd, s->tmp, s->dirfd, s->name) != 0) {
		struct fs_want w = { .display = s->path };
		r = rename_error(&w, errno);
		goto out;
	}
	s->committed = 1;
	if (fsync(s->dirfd) != 0)
		r = es_failf(-errno, "%s: fsync of its directory: %s", s->path,
		    strerror(errno));
out:
	if (r != 0 && !s->committed)
		*action = ES_ACT_REFUSED;
	if (audit_root != NULL)
		audit_file(audit_root, &rec, &in, *action, r, &r);
	return r;
}
