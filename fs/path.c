/*
 * fs/path.c — path resolution beneath the root and the naming rules of the
 * layer: openat2 for directories, O_NOFOLLOW for the final component, the
 * temp-file name pattern and the sweep of stale temp files.
 */
#include "fs/fs_int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/file.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <sodium.h>

int
fs_name_ok(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > FS_NAME_MAX || strchr(name, '/') != NULL)
		return 0;
	return strcmp(name, ".") != 0 && strcmp(name, "..") != 0;
}

/* Every component of an absolute path: no "." or "..", bounded length.
 * Empty components (a doubled slash) are harmless and skipped. */
static int
components_ok(const char *path)
{
	const char *p = path, *e;
	size_t n;

	while (*p != '\0') {
		while (*p == '/')
			p++;
		if (*p == '\0')
			break;
		e = strchr(p, '/');
		n = e != NULL ? (size_t)(e - p) : strlen(p);
		if (n > FS_COMPONENT_MAX || (n == 1 && p[0] == '.') ||
		    (n == 2 && p[0] == '.' && p[1] == '.'))
			return 0;
		p += n;
	}
	return 1;
}

int
fs_path_split(const char *path, char *dir, char *name)
{
	const char *slash;
	size_t n;

	if (path == NULL || path[0] != '/')
		return es_failf(ES_EUNSAFE, "%s: not an absolute path",
		    path != NULL ? path : "(null)");
	n = strlen(path);
	if (n >= ES_PATH_MAX)
		return es_failf(ES_ELIMIT, "%.64s...: path longer than %d bytes",
		    path, ES_PATH_MAX - 1);
	if (!components_ok(path))
		return es_failf(ES_EUNSAFE, "%s: \".\" or \"..\" component or "
		    "overlong name refused", path);
	while (n > 1 && path[n - 1] == '/')
		n--;
	slash = path + n;
	while (slash > path && slash[-1] != '/')
		slash--;
	if ((size_t)(path + n - slash) > FS_NAME_MAX)
		return es_failf(ES_ELIMIT, "%s: final name longer than %d bytes",
		    path, FS_NAME_MAX);
	memcpy(name, slash, (size_t)(path + n - slash));
	name[path + n - slash] = '\0';
	if (!fs_name_ok(name))
		return es_failf(ES_EUNSAFE, "%s: no file name", path);
	/* The directory part, relative to the root ("." for the root). */
	while (slash > path && slash[-1] == '/')
		slash--;
	while (*path == '/' && path < slash)
		path++;
	if (slash == path) {
		strcpy(dir, ".");
	} else {
		memcpy(dir, path, (size_t)(slash - path));
		dir[slash - path] = '\0';
	}
	return 0;
}

const char *
fs_kind(mode_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFREG: return "a regular file";
	case S_IFDIR: return "a directory";
	case S_IFLNK: return "a symlink";
	case S_IFIFO: return "a FIFO";
	case S_IFSOCK: return "a socket";
	case S_IFCHR: return "a character device";
	case S_IFBLK: return "a block device";
	}
	return "an unknown file type";
}

static int
openat2_dir(int dfd, const char *path, unsigned long long resolve)
{
	struct open_how how;
	int fd, tries = 0;

	memset(&how, 0, sizeof how);
	how.flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC;
	how.resolve = resolve;
	do
		fd = (int)syscall(SYS_openat2, dfd, path, &how, sizeof how);
	while (fd < 0 && errno == EAGAIN && ++tries < FS_RESOLVE_TRIES);
	return fd < 0 ? -errno : fd;
}

/*
 * After a refused walk, find which component was the symlink or the
 * non-directory so the error can name it. Only the message depends on
 * this string walk; the refusal was the kernel's.
 */
static int
explain_walk(int rootfd, const char *dir, const char *display, int err)
{
	char prefix[ES_PATH_MAX];
	struct stat st;
	size_t i, n = strlen(dir);

	for (i = 0; i <= n; i++) {
		if (i == 0 || (dir[i] != '/' && dir[i] != '\0'))
			continue;
		memcpy(prefix, dir, i);
		prefix[i] = '\0';
		if (fstatat(rootfd, prefix, &st, AT_SYMLINK_NOFOLLOW) != 0)
			break;
		if (!S_ISDIR(st.st_mode))
			return es_failf(ES_EUNSAFE, "%s: /%s is %s, refused",
			    display, prefix, fs_kind(st.st_mode));
	}
	if (err == -ELOOP)
		return es_failf(ES_EUNSAFE, "%s: a symlink in the path, refused",
		    display);
	return es_failf(ES_EUNSAFE, "%s: a component of the directory is not "
	    "a directory, refused", display);
}

int
fs_open_dir(int rootfd, const char *dir, const char *display, int *out)
{
	int fd;

	*out = -1;
	fd = openat2_dir(rootfd, dir, RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS |
	    RESOLVE_NO_MAGICLINKS);
	if (fd >= 0) {
		*out = fd;
		return 0;
	}
	switch (fd) {
	case -ENOSYS:
		return es_failf(ES_ENOSYS, "%s: the kernel has no openat2 "
		    "(Linux 5.6 or later is required; there is no fallback)",
		    display);
	case -ELOOP:
	case -ENOTDIR:
		/* explain_walk is given the prefix of dir, relative. */
		return explain_walk(rootfd, dir, display, fd);
	case -EXDEV:
		return es_failf(ES_EUNSAFE, "%s: path escapes the root, refused",
		    display);
	case -ENOENT:
		return es_failf(-ENOENT, "%s: directory /%s does not exist",
		    display, dir);
	}
	return es_failf(fd, "%s: cannot open directory: %s", display,
	    strerror(-fd));
}

int
fs_open_target(int dirfd, const char *name, const char *display, int *fd,
    struct stat *st)
{
	struct stat st2;
	int f;

	*fd = -1;
	/* Look before opening: opening a device can have side effects. */
	if (fstatat(dirfd, name, st, AT_SYMLINK_NOFOLLOW) != 0) {
		if (errno == ENOENT)
			return 0;
		return es_failf(-errno, "%s: %s", display, strerror(errno));
	}
	if (!S_ISREG(st->st_mode))
		return es_failf(ES_EUNSAFE, "%s: is %s, not a regular file; "
		    "refused", display, fs_kind(st->st_mode));
	/* O_NONBLOCK: a FIFO swapped in after the look must not hang us. */
	f = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC | O_NOCTTY);
	if (f < 0) {
		if (errno == ELOOP)
			return es_failf(ES_EUNSAFE, "%s: is a symlink; refused",
			    display);
		if (errno == ENOENT)
			return 0;
		return es_failf(-errno, "%s: %s", display, strerror(errno));
	}
	if (fstat(f, &st2) != 0 || !S_ISREG(st2.st_mode)) {
		close(f);
		return es_failf(ES_EUNSAFE, "%s: changed while being opened; "
		    "refused", display);
	}
	if (st2.st_ino != st->st_ino || st2.st_dev != st->st_dev) {
		/* Another regular file was renamed over it meanwhile (a
		 * concurrent writer): the caller may look again. */
		close(f);
		return es_failf(-EAGAIN, "%s: replaced while being opened",
		    display);
	}
	*st = st2;
	*fd = f;
	return 0;
}

int
fs_dir_trusted(int dirfd, uid_t owner, const char *display)
{
	struct stat st;

	if (fstat(dirfd, &st) != 0)
		return es_failf(-errno, "%s: %s", display, strerror(errno));
	if (st.st_uid != 0 && st.st_uid != owner)
		return es_failf(ES_EUNSAFE, "%s: its directory is owned by uid "
		    "%lu, not root: whoever can write it can swap the file; "
		    "refused", display, (unsigned long)st.st_uid);
	if (st.st_mode & (S_IWGRP | S_IWOTH))
		return es_failf(ES_EUNSAFE, "%s: its directory is group- or "
		    "world-writable (mode %04o): whoever can write it can swap "
		    "the file; refused", display,
		    (unsigned)(st.st_mode & 07777));
	return 0;
}

int
fs_tmpname(char *buf, size_t size, const char *name)
{
	unsigned char rnd[FS_TMP_RAND];
	char hex[FS_TMP_HEX + 1];
	int n;

	randombytes_buf(rnd, sizeof rnd);
	es_hex(hex, rnd, sizeof rnd);
	n = snprintf(buf, size, "%s%s.%s", FS_TMP_PREFIX, name, hex);
	if (n < 0 || (size_t)n >= size)
		return es_failf(ES_ELIMIT, "%s: temp name too long", name);
	return 0;
}

int
fs_tmpname_match(const char *ent, const char *name)
{
	size_t pl = strlen(FS_TMP_PREFIX), nl = strlen(name), i;

	if (strncmp(ent, FS_TMP_PREFIX, pl) != 0 ||
	    strncmp(ent + pl, name, nl) != 0 || ent[pl + nl] != '.')
		return 0;
	ent += pl + nl + 1;
	for (i = 0; i < FS_TMP_HEX; i++)
		if (!((ent[i] >= '0' && ent[i] <= '9') ||
		    (ent[i] >= 'a' && ent[i] <= 'f')))
			return 0;
	return ent[FS_TMP_HEX] == '\0';
}

/*
 * One temp name: remove it only when no live writer holds it. Every writer
 * holds flock(LOCK_EX) on its own temp from creation to rename (write.c
 * take_temp), so a lock we get without waiting means its writer is dead.
 * Only then, and only while we hold that lock, is the name unlinked, and
 * only when it still names the inode we locked. A writer that loses the
 * instant between its O_EXCL create and its flock to us sees that (its
 * flock fails, or its name is gone) and starts again with a fresh name,
 * so no age threshold is needed and a killed run's temp goes at once.
 */
static void
sweep_one(int dirfd, const char *ent)
{
	struct stat st, st2;
	int fd;

	/* Only regular files; O_NOFOLLOW and O_NONBLOCK: a symlink or a
	 * FIFO planted under a temp name is never followed nor waited on. */
	fd = openat(dirfd, ent, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
	    flock(fd, LOCK_EX | LOCK_NB) == 0 &&
	    fstatat(dirfd, ent, &st2, AT_SYMLINK_NOFOLLOW) == 0 &&
	    st2.st_dev == st.st_dev && st2.st_ino == st.st_ino)
		(void)unlinkat(dirfd, ent, 0);
	close(fd);
}

void
fs_sweep_temps(int dirfd, const char *name)
{
	struct dirent *de;
	DIR *d;
	int fd;

	fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return;
	if ((d = fdopendir(fd)) == NULL) {
		close(fd);
		return;
	}
	while ((de = readdir(d)) != NULL)
		if (fs_tmpname_match(de->d_name, name))
			sweep_one(dirfd, de->d_name);
	closedir(d);
}

int
fs_read_all(int fd, size_t max, struct es_sbuf *b, const char *display)
{
	ssize_t n;
	int r;

	for (;;) {
		/* Straight into the guarded buffer (no copy through the
		 * stack); one more chunk of room whenever it is full. */
		if (b->len == b->cap &&
		    (r = es_sbuf_reserve(b, FS_READ_CHUNK)) != 0)
			return r;
		n = read(fd, b->p + b->len, b->cap - b->len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return es_failf(-errno, "%s: read: %s", display,
			    strerror(errno));
		if (n == 0)
			return 0;
		if (b->len + (size_t)n > max)
			return es_failf(ES_ELIMIT, "%s: larger than %zu bytes",
			    display, max);
		b->len += (size_t)n;
	}
}

int
fs_write_all(int fd, const void *buf, size_t len)
{
	const unsigned char *p = buf;
	ssize_t n;

	while (len > 0) {
		n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static const char *const state_dirs[] = { FS_STATE_DIR, FS_LOG_DIR };

const char *const *
es_state_dirs(size_t *n)
{
	*n = sizeof state_dirs / sizeof state_dirs[0];
	return state_dirs;
}
