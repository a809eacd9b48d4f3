/*
 * fs/scratch.c — the one place plaintext may sit in a file for a while:
 * the private tmpfs directory `envseal vault edit/create` hands an editor
 * (fs/fs.h, "Scratch"). Never a persistent disk, never a name someone
 * else can reach, and removed with everything the editor left beside it.
 */
#include "fs/fs_int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

/* statfs f_type of tmpfs (linux/magic.h TMPFS_MAGIC). */
#define SCRATCH_TMPFS_MAGIC 0x01021994
/* Where an unprivileged run makes its directory when $XDG_RUNTIME_DIR is
 * not a usable tmpfs: the distributions' tmpfs for everyone. */
#define SCRATCH_SHM "/dev/shm"
#define SCRATCH_TEMPLATE "envseal-edit.XXXXXX"
/* The private tmpfs of a root run: 0700 and a size bound so an editor
 * cannot fill RAM (the file is at most ES_SCRATCH_MAX, leftovers alike).
 * noswap (Linux 6.4) keeps its pages off a swap disk; an older kernel
 * refuses the option and gets the mount without it. */
#define SCRATCH_MOUNT_OPTS "mode=0700,size=256m,noswap"
#define SCRATCH_MOUNT_OPTS_OLD "mode=0700,size=256m"
/* Depth of directories an editor may leave that the cleanup descends. */
#define SCRATCH_DEPTH_MAX 8

static int
is_tmpfs(int fd)
{
	struct statfs sf;

	return fstatfs(fd, &sf) == 0 && sf.f_type == SCRATCH_TMPFS_MAGIC;
}

/* $XDG_RUNTIME_DIR when it is ours, 0700 and a tmpfs; else /dev/shm. */
static const char *
scratch_base(void)
{
	const char *x = secure_getenv("XDG_RUNTIME_DIR");
	struct stat st;
	int fd, ok = 0;

	if (x != NULL && x[0] == '/' && strlen(x) < ES_PATH_MAX - 64 &&
	    (fd = open(x, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
		ok = fstat(fd, &st) == 0 && st.st_uid == geteuid() &&
		    (st.st_mode & 077) == 0 && is_tmpfs(fd);
		close(fd);
	}
	return ok ? x : SCRATCH_SHM;
}

/* As root: a mount namespace of our own and a fresh tmpfs on dir, so that
 * the plaintext dies with the last process of the namespace (us and the
 * editor), crash or not. 1 mounted, 0 not possible here (a container
 * without CAP_SYS_ADMIN: the directory stays as made, already tmpfs). */
static int
private_mount(const char *dir)
{
	if (geteuid() != 0 || unshare(CLONE_NEWNS) != 0)
		return 0;
	/* Nothing we mount may propagate back to the host's namespace. */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0)
		return 0;
	if (mount("envseal-edit", dir, "tmpfs", MS_NOSUID | MS_NODEV |
	    MS_NOEXEC, SCRATCH_MOUNT_OPTS) == 0 ||
	    mount("envseal-edit", dir, "tmpfs", MS_NOSUID | MS_NODEV |
	    MS_NOEXEC, SCRATCH_MOUNT_OPTS_OLD) == 0)
		return 1;
	return 0;
}

int
es_scratch_open(struct es_scratch *s, const char *name)
{
	struct stat st;
	int n, fd;

	memset(s, 0, sizeof *s);
	s->dirfd = -1;
	if (strchr(name, '/') != NULL || name[0] == '.' ||
	    strlen(name) > FS_NAME_MAX)
		return es_failf(ES_EBUG, "scratch name");
	n = snprintf(s->dir, sizeof s->dir, "%s/" SCRATCH_TEMPLATE,
	    scratch_base());
	if (n < 0 || (size_t)n >= sizeof s->dir)
		return es_failf(ES_ELIMIT, "scratch directory path too long");
	if (mkdtemp(s->dir) == NULL)
		return es_failf(-errno, "%s: cannot make a private directory: "
		    "%s", s->dir, strerror(errno));
	s->made = 1;
	s->mounted = private_mount(s->dir);
	if ((s->dirfd = open(s->dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) < 0)
		return es_failf(-errno, "%s: %s", s->dir, strerror(errno));
	if (fstat(s->dirfd, &st) != 0 || st.st_uid != geteuid() ||
	    (st.st_mode & 07777) != 0700)
		return es_failf(ES_EUNSAFE, "%s: not a private directory",
		    s->dir);
	if (!is_tmpfs(s->dirfd))
		return es_failf(ES_EUNSAFE, "%s is not on a tmpfs: refusing to "
		    "put plaintext on a persistent disk (set XDG_RUNTIME_DIR to "
		    "a tmpfs directory of yours, or mount /dev/shm)", s->dir);
	n = snprintf(s->file, sizeof s->file, "%s/%s", s->dir, name);
	if (n < 0 || (size_t)n >= sizeof s->file)
		return es_failf(ES_ELIMIT, "scratch file path too long");
	snprintf(s->name, sizeof s->name, "%s", name);
	fd = openat(s->dirfd, s->name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0600);
	if (fd < 0)
		return es_failf(-errno, "%s: %s", s->file, strerror(errno));
	close(fd);
	return 0;
}

int
es_scratch_write(const struct es_scratch *s, const void *data, size_t len)
{
	const unsigned char *p = data;
	ssize_t k;
	int fd, r = 0;

	fd = openat(s->dirfd, s->name, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return es_failf(-errno, "%s: %s", s->file, strerror(errno));
	while (len > 0 && r == 0) {
		k = write(fd, p, len);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			r = es_failf(-errno, "%s: %s", s->file, strerror(errno));
		else {
			p += k;
			len -= (size_t)k;
		}
	}
	close(fd);
	return r;
}

/* All of data to fd; 0 or -errno. */
static int
write_all(int fd, const unsigned char *p, size_t len)
{
	ssize_t k;

	while (len > 0) {
		if ((k = write(fd, p, len)) < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return -errno;
		p += k;
		len -= (size_t)k;
	}
	return 0;
}

/* The directory rel's component at dfd, made 0755 when missing (never
 * followed through a symlink); a new descriptor, or -errno. */
static int
sub_dir(int dfd, const char *name)
{
	int fd;

	fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT) {
		if (mkdirat(dfd, name, 0755) != 0 && errno != EEXIST)
			return -errno;
		fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
		    O_CLOEXEC);
	}
	return fd < 0 ? -errno : fd;
}

int
es_scratch_put(const struct es_scratch *s, const char *rel, const void *data,
    size_t len)
{
	char buf[ES_PATH_MAX], *name, *slash;
	int dfd, nfd, fd, depth = 0, r = 0;

	if (strlen(rel) >= sizeof buf)
		return es_failf(ES_ELIMIT, "%s/%s: path too long", s->dir, rel);
	strcpy(buf, rel);
	if ((dfd = dup(s->dirfd)) < 0)
		return es_failf(-errno, "%s: %s", s->dir, strerror(errno));
	for (name = buf; r == 0 && (slash = strchr(name, '/')) != NULL;
	    name = slash + 1) {
		*slash = '\0';
		/* The cleanup descends SCRATCH_DEPTH_MAX levels: no deeper. */
		if (++depth >= SCRATCH_DEPTH_MAX)
			r = es_failf(ES_ELIMIT, "%s/%s: deeper than %d "
			    "directories", s->dir, rel, SCRATCH_DEPTH_MAX - 1);
		else if (!*name || !strcmp(name, ".") || !strcmp(name, ".."))
			r = es_failf(ES_EUSAGE, "%s: not a plain relative path",
			    rel);
		else if ((nfd = sub_dir(dfd, name)) < 0)
			r = es_failf(nfd, "%s/%s: %s", s->dir, rel,
			    strerror(-nfd));
		else {
			close(dfd);
			dfd = nfd;
		}
	}
	if (r == 0 && (!*name || !strcmp(name, ".") || !strcmp(name, "..")))
		r = es_failf(ES_EUSAGE, "%s: not a plain relative path", rel);
	if (r == 0 && (fd = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL |
	    O_NOFOLLOW | O_CLOEXEC, 0644)) < 0)
		r = es_failf(-errno, "%s/%s: %s", s->dir, rel, strerror(errno));
	else if (r == 0) {
		/* fchmod: the umask must not decide what the tool may read. */
		if ((r = write_all(fd, data, len)) == 0 && fchmod(fd, 0644) != 0)
			r = -errno;
		if (r != 0)
			r = es_failf(r, "%s/%s: %s", s->dir, rel, strerror(-r));
		close(fd);
	}
	close(dfd);
	return r;
}

int
es_scratch_read(const struct es_scratch *s, size_t max, struct es_sbuf *out)
{
	struct stat st;
	int fd, r;

	/* By name: editors save by writing a new file and renaming it. */
	fd = openat(s->dirfd, s->name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC);
	if (fd < 0)
		return es_failf(-errno, "%s: the editor left no file: %s",
		    s->file, strerror(errno));
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
	    st.st_uid != geteuid())
		r = es_failf(ES_EUNSAFE, "%s: not a regular file of ours",
		    s->file);
	else
		r = es_read_fd_secure(fd, max, out, s->file);
	close(fd);
	return r;
}

/* Overwrite a regular file's bytes with zeros before it goes: tmpfs frees
 * its pages on unlink without clearing them. */
static void
zero_file(int dfd, const char *name)
{
	static const unsigned char z[4096];
	struct stat st;
	off_t left;
	ssize_t k;
	int fd;

	fd = openat(dfd, name, O_WRONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
		for (left = st.st_size; left > 0; left -= k)
			if ((k = write(fd, z, left < (off_t)sizeof z ?
			    (size_t)left : sizeof z)) <= 0)
				break;
	close(fd);
}

/* Everything beneath dfd (the file, swap files, backups, whatever else
 * the editor made), removed. */
static void
empty_dir(int dfd, int depth)
{
	struct dirent *de;
	DIR *d;
	int fd, sub;

	if ((fd = dup(dfd)) < 0)
		return;
	if ((d = fdopendir(fd)) == NULL) {
		close(fd);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (unlinkat(dfd, de->d_name, AT_REMOVEDIR) == 0)
			continue;
		sub = openat(dfd, de->d_name, O_RDONLY | O_DIRECTORY |
		    O_NOFOLLOW | O_CLOEXEC);
		if (sub >= 0) {
			if (depth < SCRATCH_DEPTH_MAX)
				empty_dir(sub, depth + 1);
			close(sub);
			unlinkat(dfd, de->d_name, AT_REMOVEDIR);
			continue;
		}
		zero_file(dfd, de->d_name);
		unlinkat(dfd, de->d_name, 0);
	}
	closedir(d);
}

int
es_scratch_close(struct es_scratch *s)
{
	int r = 0;

	if (s->dirfd >= 0) {
		empty_dir(s->dirfd, 0);
		close(s->dirfd);
		s->dirfd = -1;
	}
	if (s->mounted && umount2(s->dir, MNT_DETACH) != 0)
		r = es_failf(-errno, "%s: cannot unmount: %s", s->dir,
		    strerror(errno));
	s->mounted = 0;
	if (s->made && rmdir(s->dir) != 0 && r == 0)
		r = es_failf(-errno, "%s: cannot remove: %s", s->dir,
		    strerror(errno));
	s->made = 0;
	return r;
}
