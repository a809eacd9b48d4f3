/*
 * fs/read.c — every file envseal reads whose content matters: under the
 * root (es_read_file, es_read_file_secure: env files, the passwd family),
 * and on the host through the trusted-input rule of fs/fs.h (es_trust_open
 * and the readers built on it: password files, credentials, vaults in a
 * working tree, policies). One bounded read of an open descriptor serves
 * them all; write.c is only the writer.
 */
#include "fs/fs_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* Linux 5.14's MADV_POPULATE_WRITE, for older headers. */
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif
/* From this size on, a plain buffer's pages are made present in one call
 * before the read fills them (fs_populate). */
#define FS_POPULATE_MIN ((size_t)256 << 10)

/*
 * The pages of a fresh buffer about to be filled, made present in one
 * madvise() instead of one page fault each as read() first touches them:
 * for a 2.6 MB vault about a third less time on a VM, where every fault
 * is a trap out of the guest. Only speed: an older kernel (EINVAL) or any
 * other failure leaves the faults to happen as before.
 */
static void
fs_populate(void *p, size_t n)
{
	uintptr_t lo = ((uintptr_t)p + 4095) & ~(uintptr_t)4095;
	uintptr_t hi = ((uintptr_t)p + n) & ~(uintptr_t)4095;

	if (n >= FS_POPULATE_MIN && hi > lo)
		(void)madvise((void *)lo, hi - lo, MADV_POPULATE_WRITE);
}

/*
 * A file that is not secret, read at its fstat size into one plain
 * allocation (no guarded pages, no mlock, no doubling): vault files as they
 * are on disk, policies, passwd-family files, units. A vault on disk is
 * ciphertext, or YAML with encrypted inline values; a whole-file plain YAML
 * "vault" is possible, but it lies on disk in plain already, so plain
 * memory adds no exposure. Secrets (password files, old env files) go
 * through es_read_file_secure() instead.
 *
 * One byte more than st->st_size is asked for: a file that grew since the
 * fstat is noticed (got > size) without writing past the buffer, as is one
 * that shrank (got < size). Both are -EAGAIN: the caller opens and reads
 * again, at most FS_COMMIT_TRIES times. The buffer ends with a NUL that is
 * not counted in *len.
 */
/* Where read_plain() puts what it read. */
struct plain_out {
	unsigned char **buf;
	size_t *len;
};

static int
read_plain(int fd, const struct stat *st, size_t max, const char *display,
    void *ctx)
{
	struct plain_out *o = ctx;
	unsigned char *p;
	size_t size, got = 0;
	ssize_t n;

	if (st->st_size < 0 || (unsigned long long)st->st_size > max)
		return es_failf(ES_ELIMIT, "%s: larger than %zu bytes",
		    display, max);
	size = (size_t)st->st_size;
	if ((p = malloc(size + 2)) == NULL)
		return -ENOMEM;
	fs_populate(p, size + 2);
	while (got < size + 1) {
		n = read(fd, p + got, size + 1 - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			free(p);
			return es_failf(-errno, "%s: read: %s", display,
			    strerror(errno));
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	if (got != size) {
		free(p);
		return es_failf(-EAGAIN, "%s: its size changed while it was "
		    "read", display);
	}
	p[got] = '\0';
	*o->buf = p;
	*o->len = got;
	return 0;
}

/* Open path's directory and final component under the root; *fd = -1
 * (and 0) when either is absent. */
static int
root_open(struct es_root *root, const char *path, int *dfd, int *fd,
    struct stat *st)
{
	char dir[ES_PATH_MAX], name[FS_NAME_MAX + 1];
	int r, tries = 0;

	*dfd = *fd = -1;
	if ((r = fs_path_split(path, dir, name)) != 0)
		return r;
	r = fs_open_dir(root->fd, dir, path, dfd);
	if (r == -ENOENT) {
		es_errclear();
		return 0;
	}
	if (r != 0)
		return r;
	do
		r = fs_open_target(*dfd, name, path, fd, st);
	while (r == -EAGAIN && ++tries < FS_COMMIT_TRIES);
	return r;
}

/* How one reader fills its buffer from the open fd; -EAGAIN when the
 * file changed size while it was read (the frame opens it again). */
typedef int (*read_fn)(int fd, const struct stat *st, size_t max,
    const char *path, void *ctx);

/* The frame both readers share: open path under the root (absent: 0 with
 * *exists 0), read it through fn, retry from the open on -EAGAIN. */
static int
read_under_root(struct es_root *root, const char *path, size_t max,
    read_fn fn, void *ctx, struct stat *st, int *exists)
{
	struct stat sb;
	int dfd = -1, fd = -1, r, tries = 0;

	*exists = 0;
	do {
		if (fd >= 0)
			close(fd);
		if (dfd >= 0)
			close(dfd);
		if ((r = root_open(root, path, &dfd, &fd, &sb)) != 0 ||
		    fd < 0)
			goto out;
		r = fn(fd, &sb, max, path, ctx);
	} while (r == -EAGAIN && ++tries < FS_COMMIT_TRIES);
	if (r != 0)
		goto out;
	if (st != NULL)
		*st = sb;
	*exists = 1;
out:
	if (fd >= 0)
		close(fd);
	if (dfd >= 0)
		close(dfd);
	return r;
}

/* Into guarded memory: room for the size fstat gave and the byte that
 * shows the end, in one allocation (one read(), no doubling per size); a
 * file that grows meanwhile still grows the buffer, bounded by max. */
static int
read_secure(int fd, const struct stat *st, size_t max, const char *path,
    void *ctx)
{
	struct es_sbuf *out = ctx;
	int r;

	if ((unsigned long long)st->st_size > max)
		return es_failf(ES_ELIMIT, "%s: larger than %zu bytes", path,
		    max);
	if ((r = es_sbuf_reserve(out, (size_t)st->st_size + 1)) != 0 ||
	    (r = fs_read_all(fd, max, out, path)) != 0)
		es_sbuf_free(out);
	return r;
}

int
es_read_file_secure(struct es_root *root, const char *path, size_t max,
    struct es_sbuf *out, struct stat *st, int *exists)
{
	BUG_ON(out->len != 0);
	return read_under_root(root, path, max, read_secure, out, st, exists);
}

int
es_read_file(struct es_root *root, const char *path, size_t max,
    unsigned char **buf, size_t *len, struct stat *st, int *exists)
{
	struct plain_out o = { buf, len };

	*buf = NULL;
	*len = 0;
	return read_under_root(root, path, max, read_plain, &o, st, exists);
}

/* --- trusted inputs on the host ------------------------------------------ */

int
fs_trust_sudo_uid(const char *s, uid_t *out)
{
	unsigned long long v;
	char *end;

	/* Digits only: strtoull would take "-1", " 1" and "+1". */
	if (s == NULL || *s < '0' || *s > '9')
		return 0;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || v > FS_UID_VALID_MAX)
		return 0;
	*out = (uid_t)v;
	return 1;
}

void
fs_trust_init(struct fs_trust *t)
{
	t->caller = getuid();
	/* Only root can have been made by sudo; anyone else could set
	 * SUDO_UID to make another user's files theirs. */
	t->has_sudo = t->caller == 0 &&
	    fs_trust_sudo_uid(getenv("SUDO_UID"), &t->sudo);
}

int
fs_trust_owner_ok(const struct fs_trust *t, uid_t uid)
{
	return uid == 0 || uid == t->caller || (t->has_sudo && uid == t->sudo);
}

enum fs_trust_dir
fs_trust_dir_rule(uid_t duid, mode_t dmode, uid_t owner)
{
	/* Sticky and root's: others may create names but not rename or
	 * remove ours, and the file's owner is already trusted (/tmp). */
	int sticky_root = (dmode & S_ISVTX) && duid == 0;

	if (duid != 0 && duid != owner)
		return FS_TRUST_DIR_OWNER;
	if ((dmode & S_IWOTH) && !sticky_root)
		return FS_TRUST_DIR_WORLD;
	if ((dmode & S_IWGRP) && !sticky_root)
		return FS_TRUST_DIR_GROUP;
	return FS_TRUST_DIR_OK;
}

/* Directories one walk may pass through (each component, each "..", each
 * directory a symlink leads to): far more than any real path holds. */
#define TRUST_DIRS_MAX 4096
/* Symlinks one walk follows before it gives up: the kernel's MAXSYMLINKS. */
#define TRUST_LINKS_MAX 40
/* Room for what is left of a path while symlink targets are spliced in. */
#define TRUST_REST_MAX (2 * ES_PATH_MAX)

/* One directory the walk passed through, judged once the file's owner is
 * known. */
struct trust_dir {
	uid_t uid;
	gid_t gid;
	mode_t mode;
	char *path;             /* for the message */
};

/* The state of one walk. */
struct trust_walk {
	const char *who;        /* "WHAT PATH" for messages */
	struct fs_trust t;
	int dfd;                /* the directory reached, O_PATH */
	char cur[ES_PATH_MAX];  /* its path */
	char rest[TRUST_REST_MAX];
	char leaf[FS_COMPONENT_MAX + 1];
	struct trust_dir *d;
	size_t nd;
	unsigned links;
};

/* The file's own rule, then each directory's, in the order walked. */
static int
trust_judge(const struct trust_walk *w, const struct stat *st)
{
	const struct trust_dir *x;
	size_t i;

	if (!fs_trust_owner_ok(&w->t, st->st_uid))
		return es_failf(ES_EUNSAFE, "%s: owned by uid %lu, not root or "
		    "the caller; refused", w->who, (unsigned long)st->st_uid);
	if (st->st_mode & S_IWOTH)
		return es_failf(ES_EUNSAFE, "%s: is world-writable; refused",
		    w->who);
	if (st->st_mode & S_IWGRP)
		return es_failf(ES_EUNSAFE, "%s: is group-writable; refused",
		    w->who);
	for (i = 0; i < w->nd; i++) {
		x = &w->d[i];
		switch (fs_trust_dir_rule(x->uid, x->mode, st->st_uid)) {
		case FS_TRUST_DIR_OK:
			continue;
		case FS_TRUST_DIR_OWNER:
			return es_failf(ES_EUNSAFE, "%s: directory %s is "
			    "writable by uid %lu; refused", w->who, x->path,
			    (unsigned long)x->uid);
		case FS_TRUST_DIR_WORLD:
			return es_failf(ES_EUNSAFE, "%s: directory %s is "
			    "world-writable; refused", w->who, x->path);
		case FS_TRUST_DIR_GROUP:
			return es_failf(ES_EUNSAFE, "%s: directory %s is "
			    "writable by group %lu; refused", w->who, x->path,
			    (unsigned long)x->gid);
		}
		BUG("fs_trust_dir_rule: unknown verdict");
	}
	return 0;
}

/* Move to directory fd (now w->cur) and remember it for the judgement. */
static int
trust_enter(struct trust_walk *w, int fd)
{
	struct trust_dir *x;
	struct stat st;

	if (w->dfd >= 0)
		close(w->dfd);
	w->dfd = fd;
	if (fstat(fd, &st) != 0)
		return es_failf(-errno, "%s: %s: %s", w->who, w->cur,
		    strerror(errno));
	if (!S_ISDIR(st.st_mode))
		BUG("trust_enter: not a directory");
	if (w->nd == TRUST_DIRS_MAX)
		return es_failf(ES_ELIMIT, "%s: more than %d directories on "
		    "the way; refused", w->who, TRUST_DIRS_MAX);
	x = &w->d[w->nd];
	if ((x->path = strdup(w->cur)) == NULL)
		return -ENOMEM;
	x->uid = st.st_uid;
	x->gid = st.st_gid;
	x->mode = st.st_mode;
	w->nd++;
	return 0;
}

static int
trust_root(struct trust_walk *w)
{
	int fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return es_failf(-errno, "%s: /: %s", w->who, strerror(errno));
	strcpy(w->cur, "/");
	return trust_enter(w, fd);
}

/* Into the child directory fd called name, or ("..") up to the parent. */
static int
trust_step(struct trust_walk *w, int fd, const char *name)
{
	size_t n = strlen(w->cur);
	char *slash;

	if (strcmp(name, "..") == 0) {
		if ((slash = strrchr(w->cur, '/')) != NULL)
			slash[slash == w->cur] = '\0';
	} else if (n + 1 + strlen(name) >= sizeof w->cur) {
		close(fd);
		return es_failf(ES_ELIMIT, "%s: path longer than %d bytes",
		    w->who, ES_PATH_MAX - 1);
	} else {
		snprintf(w->cur + n, sizeof w->cur - n, "%s%s",
		    n > 1 ? "/" : "", name);
	}
	return trust_enter(w, fd);
}

/* A symlink: its owner must be trusted (in a sticky /tmp anyone could
 * have made it); its target replaces it in what is left to walk. */
static int
trust_follow(struct trust_walk *w, int lfd, const struct stat *lst,
    const char *name, const char *after)
{
	char target[ES_PATH_MAX], tmp[TRUST_REST_MAX];
	ssize_t n;
	int k;

	if (!fs_trust_owner_ok(&w->t, lst->st_uid))
		return es_failf(ES_EUNSAFE, "%s: symlink %s%s%s is owned by "
		    "uid %lu, not root or the caller; refused", w->who, w->cur,
		    strcmp(w->cur, "/") ? "/" : "", name,
		    (unsigned long)lst->st_uid);
	if (++w->links > TRUST_LINKS_MAX)
		return es_failf(ES_EUNSAFE, "%s: more than %d symlinks; "
		    "refused", w->who, TRUST_LINKS_MAX);
	/* From the O_PATH descriptor of the link itself: the one judged. */
	n = readlinkat(lfd, "", target, sizeof target);
	if (n < 0)
		return es_failf(-errno, "%s: symlink %s: %s", w->who, name,
		    strerror(errno));
	if (n == 0 || (size_t)n >= sizeof target)
		return es_failf(ES_EUNSAFE, "%s: symlink %s: empty or too "
		    "long a target; refused", w->who, name);
	target[n] = '\0';
	k = snprintf(tmp, sizeof tmp, "%s/%s", target, after);
	if (k < 0 || (size_t)k >= sizeof tmp)
		return es_failf(ES_ELIMIT, "%s: path longer than %zu bytes "
		    "with its symlinks", w->who, sizeof tmp - 1);
	memcpy(w->rest, tmp, (size_t)k + 1);
	return target[0] == '/' ? trust_root(w) : 0;
}

/*
 * The walk: component by component from "/", each opened O_PATH|
 * O_NOFOLLOW from the directory before it and fstat()ed, so what is judged
 * is what was opened, and no name is looked up twice. Symlinks are
 * followed here, not by the kernel, so the directory each one sits in is
 * judged too (a symlink in a deploy user's directory could otherwise point
 * root at any root-owned program). Leaves w->dfd on the file's directory
 * and its name in w->leaf.
 */
static int
trust_walk(struct trust_walk *w)
{
	char comp[FS_COMPONENT_MAX + 1];
	const char *p = w->rest, *e;
	struct stat st;
	size_t n;
	int fd, r, last;

	if ((r = trust_root(w)) != 0)
		return r;
	for (;;) {
		while (*p == '/')
			p++;
		if (*p == '\0')
			return es_failf(ES_EUNSAFE, "%s: is a directory, not a "
			    "regular file; refused", w->who);
		e = strchrnul(p, '/');
		if ((n = (size_t)(e - p)) > FS_COMPONENT_MAX)
			return es_failf(ES_ELIMIT, "%s: a name longer than %d "
			    "bytes", w->who, FS_COMPONENT_MAX);
		memcpy(comp, p, n);
		comp[n] = '\0';
		last = e[strspn(e, "/")] == '\0';
		p = e;
		if (strcmp(comp, ".") == 0)
			continue;
		fd = openat(w->dfd, comp, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0 && errno == ENOENT)
			return es_failf(-ENOENT, "%s: %s", w->who,
			    strerror(ENOENT));
		if (fd < 0)
			return es_failf(-errno, "%s: %s%s%s: %s", w->who, w->cur,
			    strcmp(w->cur, "/") ? "/" : "", comp,
			    strerror(errno));
		if (fstat(fd, &st) != 0) {
			r = es_failf(-errno, "%s: %s", w->who, strerror(errno));
			close(fd);
			return r;
		}
		if (S_ISDIR(st.st_mode)) {
			if ((r = trust_step(w, fd, comp)) != 0)
				return r;
			continue;
		}
		if (S_ISLNK(st.st_mode)) {
			r = trust_follow(w, fd, &st, comp, e);
			close(fd);
			if (r != 0)
				return r;
			p = w->rest;
			continue;
		}
		close(fd);
		if (!last)
			return es_failf(ES_EUNSAFE, "%s: %s%s%s is not a "
			    "directory; refused", w->who, w->cur,
			    strcmp(w->cur, "/") ? "/" : "", comp);
		memcpy(w->leaf, comp, n + 1);
		return 0;
	}
}

/* "WHAT PATH" (or "PATH" when what is NULL) for every message. */
static int
trust_who(char *who, size_t size, const char *what, const char *path)
{
	int n = snprintf(who, size, "%s%s%s", what ? what : "", what ? " " :
	    "", path);

	if (n < 0 || (size_t)n >= size)
		return es_failf(ES_ELIMIT, "%.64s...: path longer than %d "
		    "bytes", path, ES_PATH_MAX - 1);
	return 0;
}

/* What is left to walk: path, after the working directory when relative
 * (getcwd: its ancestors are judged with it). */
static int
trust_start(struct trust_walk *w, const char *path)
{
	char cwd[ES_PATH_MAX];
	int n;

	if (*path == '\0' || strlen(path) >= ES_PATH_MAX)
		return es_failf(ES_ELIMIT, "%s: empty or longer than %d bytes",
		    w->who, ES_PATH_MAX - 1);
	if (path[0] == '/') {
		strcpy(w->rest, path);
		return 0;
	}
	if (getcwd(cwd, sizeof cwd) == NULL)
		return es_failf(-errno, "%s: the working directory: %s",
		    w->who, strerror(errno));
	n = snprintf(w->rest, sizeof w->rest, "%s/%s", cwd, path);
	if (n < 0 || (size_t)n >= sizeof w->rest)
		return es_failf(ES_ELIMIT, "%s: path longer than %zu bytes",
		    w->who, sizeof w->rest - 1);
	return 0;
}

int
es_trust_open(const char *path, const char *what, int *out, struct stat *st)
{
	char who[ES_PATH_MAX + FS_TRUST_WHAT_MAX];
	struct trust_walk *w;
	size_t i;
	int fd = -1, r, tries = 0;

	*out = -1;
	if ((r = trust_who(who, sizeof who, what, path)) != 0)
		return r;
	if ((w = calloc(1, sizeof *w)) == NULL ||
	    (w->d = calloc(TRUST_DIRS_MAX, sizeof *w->d)) == NULL) {
		free(w);
		return -ENOMEM;
	}
	w->who = who;
	w->dfd = -1;
	fs_trust_init(&w->t);
	if ((r = trust_start(w, path)) != 0 || (r = trust_walk(w)) != 0)
		goto out;
	/* The last name: looked at, opened O_NOFOLLOW and compared (a
	 * symlink or FIFO swapped in now is refused, never followed). */
	do
		r = fs_open_target(w->dfd, w->leaf, who, &fd, st);
	while (r == -EAGAIN && ++tries < FS_COMMIT_TRIES);
	if (r == 0 && fd < 0)
		r = es_failf(-ENOENT, "%s: removed while it was checked", who);
	if (r == 0)
		r = trust_judge(w, st);
	if (r == 0) {
		*out = fd;
		fd = -1;   /* transferred */
	}
out:
	if (fd >= 0)
		close(fd);
	if (w->dfd >= 0)
		close(w->dfd);
	for (i = 0; i < w->nd; i++)
		free(w->d[i].path);
	free(w->d);
	free(w);
	return r;
}

int
es_trust_read(const char *path, const char *what, size_t max,
    unsigned char **buf, size_t *len)
{
	struct plain_out o = { buf, len };
	struct stat st;
	int fd, r, tries = 0;

	*buf = NULL;
	*len = 0;
	do {
		if ((r = es_trust_open(path, what, &fd, &st)) != 0)
			return r;
		r = read_plain(fd, &st, max, path, &o);
		close(fd);
		/* It changed size while read: look at it afresh. */
	} while (r == -EAGAIN && ++tries < FS_COMMIT_TRIES);
	return r;
}

int
es_trust_read_secure(const char *path, const char *what, size_t max,
    struct es_sbuf *out)
{
	struct stat st;
	int fd, r;

	BUG_ON(out->len != 0);
	if ((r = es_trust_open(path, what, &fd, &st)) != 0)
		return r;
	r = read_secure(fd, &st, max, path, out);
	close(fd);
	return r;
}

int
es_read_fd_secure(int fd, size_t max, struct es_sbuf *out,
    const char *display)
{
	int r;

	BUG_ON(out->len != 0);
	/* A first chunk, so an empty input still has a buffer. */
	if ((r = es_sbuf_reserve(out, FS_READ_CHUNK)) != 0 ||
	    (r = fs_read_all(fd, max, out, display)) != 0)
		es_sbuf_free(out);
	return r;
}

int
es_user_read_file(const char *path, size_t max, unsigned char **buf,
    size_t *len)
{
	/* Working-tree files are vaults as on disk: plain memory. */
	return es_trust_read(path, NULL, max, buf, len);
}
