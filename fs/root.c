/*
 * fs/root.c — the root directory every path resolves under, and the two
 * locks a run may hold there: the per-root run lock (flock) and the
 * passwd-family lock /etc/.pwd.lock (fcntl write lock, as lckpwdf()).
 */
#include "fs/fs_int.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>
#include <sodium.h>

/* Poll interval while waiting for a busy lock (milliseconds). */
#define FS_LOCK_POLL_MS 50

const char *
es_action_name(enum es_action a)
{
	switch (a) {
	case ES_ACT_CREATED: return "created";
	case ES_ACT_REPLACED: return "replaced";
	case ES_ACT_METADATA: return "metadata";
	case ES_ACT_UNCHANGED: return "unchanged";
	case ES_ACT_REFUSED: return "refused";
	}
	BUG("unknown action");
}

int
es_root_open(struct es_root **out, const char *rootdir, unsigned flags)
{
	struct es_root *root;
	int r;

	*out = NULL;
	if (rootdir == NULL)
		rootdir = "/";
	if (sodium_init() < 0)
		return es_failf(ES_EINTERNAL, "libsodium failed to initialise");
	if ((root = calloc(1, sizeof *root)) == NULL)
		return -ENOMEM;
	root->lockfd = root->pwlockfd = -1;
	root->flags = flags;
	root->fd = open(rootdir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root->fd < 0) {
		r = es_failf(-errno, "root %s: %s", rootdir, strerror(errno));
		free(root);
		return r;
	}
	*out = root;
	return 0;
}

void
es_root_close(struct es_root *root)
{
	if (root == NULL)
		return;
	if (root->pwlockfd >= 0)
		close(root->pwlockfd);
	if (root->lockfd >= 0)
		close(root->lockfd);
	if (root->key != NULL)
		sodium_free(root->key);
	close(root->fd);
	free(root);
}

int
es_root_checking(const struct es_root *root)
{
	return (root->flags & ES_ROOT_CHECK) != 0;
}

int
es_root_fd(const struct es_root *root)
{
	return root->fd;
}

void
es_root_set_lock_notice(struct es_root *root,
    void (*notice)(const char *lockpath, void *arg), void *arg)
{
	root->notice = notice;
	root->notice_arg = arg;
}

void
es_root_set_namer(struct es_root *root,
    int (*fn)(void *arg, int group, unsigned long id, char *out,
    size_t size), void *arg)
{
	root->namer = fn;
	root->namer_arg = arg;
}

/* Try the lock until it is ours or ES_LOCK_WAIT_SECONDS have passed.
 * try() returns 0 when locked, -EAGAIN when busy, another error else. */
static int
wait_lock(struct es_root *root, int fd, int (*try)(int), const char *path)
{
	struct timespec poll = { 0, FS_LOCK_POLL_MS * 1000000L };
	long long deadline = es_now_ms() + ES_LOCK_WAIT_SECONDS * 1000LL;
	int r, told = 0;

	while ((r = try(fd)) == -EAGAIN) {
		if (!told && root->notice != NULL)
			root->notice(path, root->notice_arg);
		told = 1;
		if (es_now_ms() >= deadline)
			return es_failf(ES_ELOCKED, "%s: still held by another "
			    "process after %d seconds", path,
			    ES_LOCK_WAIT_SECONDS);
		nanosleep(&poll, NULL);
	}
	if (r != 0)
		return es_failf(r, "%s: lock: %s", path, strerror(-r));
	return 0;
}

static int
try_flock(int fd)
{
	if (flock(fd, LOCK_EX | LOCK_NB) == 0)
		return 0;
	return errno == EWOULDBLOCK || errno == EINTR ? -EAGAIN : -errno;
}

int
fs_wait_flock(struct es_root *root, int fd, const char *path)
{
	return wait_lock(root, fd, try_flock, path);
}

/* The lckpwdf() lock: an fcntl write lock on the whole file. */
static int
try_fcntl(int fd)
{
	struct flock fl;

	memset(&fl, 0, sizeof fl);
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	if (fcntl(fd, F_SETLK, &fl) == 0)
		return 0;
	return errno == EAGAIN || errno == EACCES || errno == EINTR ?
	    -EAGAIN : -errno;
}

/*
 * Open the lock file path with oflags (creating it, except in check mode),
 * in a directory only root (or we) can write. *fd = -1 with 0 returned
 * when check mode found nothing to lock. Opening never truncates. An
 * existing lock file must be ours with no group/other access: anyone who
 * can open it can hold its lock (a read-only fcntl F_RDLCK blocks our
 * write lock) and make every run wait; and chmod would not close a
 * descriptor opened before. So it is refused, not repaired.
 */
static int
open_lockfile(struct es_root *root, const char *path, int oflags, int *fd)
{
	char dir[ES_PATH_MAX], name[FS_NAME_MAX + 1];
	struct stat st;
	int dfd = -1, r, check = es_root_checking(root), creat = 0;

	*fd = -1;
	if ((r = fs_path_split(path, dir, name)) != 0)
		return r;
	r = fs_open_dir(root->fd, dir, path, &dfd);
	if (r == -ENOENT && check) {
		es_errclear();
		return 0;
	}
	if (r != 0)
		return r;
	if ((r = fs_dir_trusted(dfd, geteuid(), path)) != 0)
		goto out;
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		if (!S_ISREG(st.st_mode)) {
			r = es_failf(ES_EUNSAFE, "%s: is %s; refused", path,
			    fs_kind(st.st_mode));
			goto out;
		}
	} else if (errno != ENOENT) {
		r = es_failf(-errno, "%s: %s", path, strerror(errno));
		goto out;
	} else if (check) {
		goto out;
	} else {
		creat = O_CREAT;
	}
	*fd = openat(dfd, name, oflags | creat | O_NOFOLLOW | O_CLOEXEC |
	    O_NONBLOCK | O_NOCTTY, 0600);
	if (*fd < 0) {
		r = es_failf(errno == ELOOP ? ES_EUNSAFE : -errno, "%s: %s",
		    path, errno == ELOOP ? "is a symlink; refused" :
		    strerror(errno));
		goto out;
	}
	if (fstat(*fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		r = es_failf(ES_EUNSAFE, "%s: not a regular file; refused",
		    path);
		close(*fd);
		*fd = -1;
	} else if (!creat && (st.st_uid != geteuid() ||
	    (st.st_mode & 077) != 0)) {
		r = es_failf(ES_EUNSAFE, "%s: owned by uid %lu with mode %04o: "
		    "a lock file must be owned by uid %lu with no group/other "
		    "access, or another user can hold it; refused", path,
		    (unsigned long)st.st_uid, (unsigned)(st.st_mode & 07777),
		    (unsigned long)geteuid());
		close(*fd);
		*fd = -1;
	} else if (creat && fchmod(*fd, 0600) != 0) {
		/* The umask narrowed it, or nothing did: 0600 either way. */
		r = es_failf(-errno, "%s: chmod: %s", path, strerror(errno));
		close(*fd);
		*fd = -1;
	}
out:
	if (dfd >= 0)
		close(dfd);
	return r;
}

int
es_root_lock(struct es_root *root)
{
	int fd, r;

	if (root->lockfd >= 0)
		return 0;
	if (!es_root_checking(root) &&
	    (r = fs_infra_dir(root, FS_STATE_DIR, 0700)) != 0)
		return r;
	if ((r = open_lockfile(root, FS_LOCK_PATH, O_RDONLY, &fd)) != 0)
		return r;
	if (fd < 0)
		return 0;
	if ((r = wait_lock(root, fd, try_flock, FS_LOCK_PATH)) != 0) {
		close(fd);
		return r;
	}
	root->lockfd = fd;
	return 0;
}

int
es_root_lock_passwd(struct es_root *root)
{
	int fd = -1, r;

	if (root->pwlockfd >= 0)
		return 0;
	/* An fcntl write lock needs a descriptor open for writing. */
	if ((r = open_lockfile(root, FS_PWLOCK_PATH, O_WRONLY, &fd)) != 0)
		return r;
	if (fd < 0)
		return 0;
	if ((r = wait_lock(root, fd, try_fcntl, FS_PWLOCK_PATH)) != 0) {
		close(fd);
		return r;
	}
	root->pwlockfd = fd;
	return 0;
}

void
es_root_unlock_passwd(struct es_root *root)
{
	if (root->pwlockfd >= 0)
		close(root->pwlockfd);
	root->pwlockfd = -1;
}
