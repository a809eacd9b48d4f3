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
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

/* One directory of the walk: its metadata and how long its path is. */
struct trust_dir {
	uid_t uid;
	gid_t gid;
	mode_t mode;
	size_t len;             /* canon[0..len) names it ("/" for 1) */
};

/* The file's own rule, then each directory's, from "/" down. */
static int
trust_judge(const char *who, const char *canon, const struct trust_dir *d,
    size_t nd, const struct stat *st)
{
	const struct trust_dir *x;
	struct fs_trust t;
	size_t i;

	fs_trust_init(&t);
	if (!fs_trust_owner_ok(&t, st->st_uid))
		return es_failf(ES_EUNSAFE, "%s: owned by uid %lu, not root or "
		    "the caller; refused", who, (unsigned long)st->st_uid);
	if (st->st_mode & S_IWOTH)
		return es_failf(ES_EUNSAFE, "%s: is world-writable; refused",
		    who);
	if (st->st_mode & S_IWGRP)
		return es_failf(ES_EUNSAFE, "%s: is group-writable; refused",
		    who);
	for (i = 0; i < nd; i++) {
		x = &d[i];
		switch (fs_trust_dir_rule(x->uid, x->mode, st->st_uid)) {
		case FS_TRUST_DIR_OK:
			continue;
		case FS_TRUST_DIR_OWNER:
			return es_failf(ES_EUNSAFE, "%s: directory %.*s is "
			    "writable by uid %lu; refused", who, (int)x->len,
			    canon, (unsigned long)x->uid);
		case FS_TRUST_DIR_WORLD:
			return es_failf(ES_EUNSAFE, "%s: directory %.*s is "
			    "world-writable; refused", who, (int)x->len, canon);
		case FS_TRUST_DIR_GROUP:
			return es_failf(ES_EUNSAFE, "%s: directory %.*s is "
			    "writable by group %lu; refused", who, (int)x->len,
			    canon, (unsigned long)x->gid);
		}
		BUG("fs_trust_dir_rule: unknown verdict");
	}
	return 0;
}

static int
trust_stat_dir(int fd, const char *who, size_t len, struct trust_dir *d)
{
	struct stat st;

	if (fstat(fd, &st) != 0)
		return es_failf(-errno, "%s: %s", who, strerror(errno));
	d->uid = st.st_uid;
	d->gid = st.st_gid;
	d->mode = st.st_mode;
	d->len = len;
	return 0;
}

/*
 * Open every directory of canon from "/" by descriptor, never following a
 * symlink (canon has none: realpath made it; one now is a swap), recording
 * each; *dfd is left on the last directory and *leaf points at the final
 * name in canon.
 */
static int
trust_walk(const char *who, const char *canon, struct trust_dir *d,
    size_t *nd, int *dfd, const char **leaf)
{
	char comp[FS_COMPONENT_MAX + 1];
	const char *p = canon + 1, *slash;
	size_t n;
	int fd, r;

	*nd = 0;
	if ((*dfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
		return es_failf(-errno, "%s: /: %s", who, strerror(errno));
	if ((r = trust_stat_dir(*dfd, who, 1, &d[(*nd)++])) != 0)
		return r;
	while ((slash = strchr(p, '/')) != NULL) {
		n = (size_t)(slash - p);
		if (n == 0 || n > FS_COMPONENT_MAX)
			return es_failf(ES_EUNSAFE, "%s: bad component in %s; "
			    "refused", who, canon);
		memcpy(comp, p, n);
		comp[n] = '\0';
		fd = openat(*dfd, comp, O_PATH | O_NOFOLLOW | O_DIRECTORY |
		    O_CLOEXEC);
		if (fd < 0 && (errno == ENOTDIR || errno == ELOOP ||
		    errno == ENOENT))
			return es_failf(ES_EUNSAFE, "%s: %.*s changed while it "
			    "was checked (a symlink or gone now); refused", who,
			    (int)(slash - canon), canon);
		if (fd < 0)
			return es_failf(-errno, "%s: %.*s: %s", who,
			    (int)(slash - canon), canon, strerror(errno));
		close(*dfd);
		*dfd = fd;
		if ((r = trust_stat_dir(fd, who, (size_t)(slash - canon),
		    &d[(*nd)++])) != 0)
			return r;
		p = slash + 1;
	}
	*leaf = p;
	return 0;
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

int
es_trust_open(const char *path, const char *what, int *out, struct stat *st)
{
	char who[ES_PATH_MAX + FS_TRUST_WHAT_MAX], *canon = NULL;
	struct trust_dir *d = NULL;
	const char *leaf = NULL;
	size_t nd = 0;
	int dfd = -1, fd = -1, r, tries = 0;

	*out = -1;
	if ((r = trust_who(who, sizeof who, what, path)) != 0)
		goto out;
	if (*path == '\0' || strlen(path) >= ES_PATH_MAX) {
		r = es_failf(ES_ELIMIT, "%s: empty or longer than %d bytes",
		    who, ES_PATH_MAX - 1);
		goto out;
	}
	/* Relative paths resolve against the working directory, so its
	 * ancestors are judged as well. */
	if ((canon = realpath(path, NULL)) == NULL) {
		r = es_failf(-errno, "%s: %s", who, strerror(errno));
		goto out;
	}
	if (strlen(canon) >= ES_PATH_MAX || strcmp(canon, "/") == 0) {
		r = es_failf(ES_EUNSAFE, "%s: resolves to %.64s, not a file "
		    "within %d bytes; refused", who, canon, ES_PATH_MAX - 1);
		goto out;
	}
	/* At most one directory per two bytes of the path, plus "/". */
	if ((d = calloc(strlen(canon) / 2 + 2, sizeof *d)) == NULL) {
		r = -ENOMEM;
		goto out;
	}
	if ((r = trust_walk(who, canon, d, &nd, &dfd, &leaf)) != 0)
		goto out;
	do
		r = fs_open_target(dfd, leaf, who, &fd, st);
	while (r == -EAGAIN && ++tries < FS_COMMIT_TRIES);
	if (r == 0 && fd < 0)
		r = es_failf(ES_EUNSAFE, "%s: removed while it was checked; "
		    "refused", who);
	if (r == 0)
		r = trust_judge(who, canon, d, nd, st);
	if (r == 0) {
		*out = fd;
		fd = -1;   /* transferred */
	}
out:
	if (fd >= 0)
		close(fd);
	if (dfd >= 0)
		close(dfd);
	free(d);
	free(canon);
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
