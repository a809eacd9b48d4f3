/*
 * fs/inspect.c — read-only looks at paths under a root and the audit
 * key's fingerprint (fs/inspect.h). Nothing here opens for writing.
 */
#include "fs/fs_int.h"
#include "fs/inspect.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/xattr.h>
#include <unistd.h>
#include <sodium.h>

/* "/proc/self/fd/" and an int. */
#define FS_PROCFD_MAX 32

/* An ACL on what fd (O_PATH) names: through /proc/self/fd, since
 * fgetxattr refuses an O_PATH descriptor and opening the file to read it
 * could be refused to a caller that may still stat it. -1: not known. */
static int
acl_of(int fd, int is_dir)
{
	static const char *const names[] = { "system.posix_acl_access",
	    "system.posix_acl_default" };
	char p[FS_PROCFD_MAX];
	size_t i;
	int n = snprintf(p, sizeof p, "/proc/self/fd/%d", fd);

	if (n < 0 || (size_t)n >= sizeof p)
		BUG("proc fd path does not fit");
	for (i = 0; i < (is_dir ? 2u : 1u); i++) {
		if (getxattr(p, names[i], NULL, 0) >= 0)
			return 1;
		if (errno != ENODATA && errno != ENOTSUP)
			return -1;
	}
	return 0;
}

int
es_inspect_path(struct es_root *root, const char *path,
    struct es_inspect *out)
{
	char dir[ES_PATH_MAX], name[FS_NAME_MAX + 1];
	int dfd = -1, fd = -1, r;

	memset(out, 0, sizeof *out);
	out->acl = -1;
	if (!strcmp(path, "/")) {
		/* The root itself: what every path beneath it trusts. */
		if (fstat(root->fd, &out->st) != 0)
			return es_failf(-errno, "/: %s", strerror(errno));
		out->exists = 1;
		out->acl = acl_of(root->fd, 1);
		return 0;
	}
	if ((r = fs_path_split(path, dir, name)) != 0)
		return r;
	r = fs_open_dir(root->fd, dir, path, &dfd);
	if (r == -ENOENT || r == ES_EUNSAFE || r == -EACCES) {
		/* Reported, not failed: the auditor sees what is there. */
		out->on_way = r == ES_EUNSAFE;
		out->denied = r == -EACCES;
		es_errclear();
		return 0;
	}
	if (r != 0)
		return r;
	fd = openat(dfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		out->denied = errno == EACCES;
		r = errno == ENOENT || errno == EACCES ? 0 : es_failf(-errno,
		    "%s: %s", path, strerror(errno));
		goto out;
	}
	if (fstat(fd, &out->st) != 0) {
		r = es_failf(-errno, "%s: %s", path, strerror(errno));
		goto out;
	}
	out->exists = 1;
	if (S_ISREG(out->st.st_mode) || S_ISDIR(out->st.st_mode))
		out->acl = acl_of(fd, S_ISDIR(out->st.st_mode));
	else
		out->acl = 0;
out:
	if (fd >= 0)
		close(fd);
	close(dfd);
	return r;
}

const char *
es_inspect_kind(mode_t mode)
{
	return fs_kind(mode);
}

int
es_audit_fingerprint(struct es_root *root, const void *data, size_t len,
    char *hex, int *have_key)
{
	unsigned char fp[crypto_generichash_BYTES];
	struct es_sbuf key = { 0 };
	struct stat st;
	int exists = 0, r;

	*have_key = 0;
	hex[0] = '\0';
	r = es_read_file_secure(root, FS_KEY_PATH, FS_AUDIT_KEYLEN, &key, &st,
	    &exists);
	if (r == -EACCES || r == -EPERM || r == ES_ELIMIT ||
	    (r == 0 && !exists)) {
		/* Not ours to read (or not a key): the fingerprint is
		 * unknown, which the caller reports as such. */
		es_errclear();
		r = 0;
		goto out;
	}
	if (r != 0)
		goto out;
	if (st.st_uid != geteuid() || (st.st_mode & 07077) != 0 ||
	    key.len != FS_AUDIT_KEYLEN) {
		r = es_failf(ES_EUNSAFE, "%s: not a 0600 %d-byte key of uid "
		    "%lu; refused", FS_KEY_PATH, FS_AUDIT_KEYLEN,
		    (unsigned long)geteuid());
		goto out;
	}
	crypto_generichash(fp, sizeof fp, data, len, key.p, FS_AUDIT_KEYLEN);
	es_hex(hex, fp, sizeof fp);
	*have_key = 1;
out:
	es_sbuf_free(&key);
	return r;
}

static int
by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Names of dfd's entries ending in suffix, sorted; malloc'd. */
static int
dir_names(int dfd, const char *suffix, size_t max_files, const char *dir,
    char ***out, size_t *n)
{
	size_t sl = strlen(suffix), k = 0, len;
	struct dirent *de;
	char **v = NULL, **nv;
	DIR *d;
	int fd, r = 0;

	*out = NULL;
	*n = 0;
	if ((fd = dup(dfd)) < 0 || (d = fdopendir(fd)) == NULL) {
		r = es_failf(-errno, "%s: %s", dir, strerror(errno));
		if (fd >= 0)
			close(fd);
		return r;
	}
	while ((de = readdir(d)) != NULL) {
		len = strlen(de->d_name);
		if (len <= sl || strcmp(de->d_name + len - sl, suffix) != 0)
			continue;
		if (k == max_files) {
			r = es_failf(ES_ELIMIT, "%s: more than %zu %s files", dir,
			    max_files, suffix);
			break;
		}
		if ((nv = realloc(v, (k + 1) * sizeof *v)) == NULL ||
		    (nv[k] = strdup(de->d_name)) == NULL) {
			v = nv != NULL ? nv : v;
			r = -ENOMEM;
			break;
		}
		v = nv;
		k++;
	}
	closedir(d);
	if (r == 0 && k > 1)
		qsort(v, k, sizeof *v, by_name);
	if (r != 0) {
		while (k > 0)
			free(v[--k]);
		free(v);
		return r;
	}
	*out = v;
	*n = k;
	return 0;
}

/* Owned by root, no group/other write: what root may trust. */
static int
root_only(const struct stat *st, const char *what, const char *path,
    const char *name)
{
	if (st->st_uid == 0 && (st->st_mode & 022) == 0)
		return 0;
	return es_failf(ES_EUNSAFE, "%s %s%s%s: owned by uid %lu with mode "
	    "%04o: must be owned by root and writable by no one else; "
	    "refused", what, path, name ? "/" : "", name ? name : "",
	    (unsigned long)st->st_uid, (unsigned)(st->st_mode & 07777));
}

int
es_inspect_read_dir(struct es_root *root, const char *dir,
    const char *suffix, size_t max, size_t max_files,
    int (*fn)(void *arg, const char *name, const unsigned char *buf,
    size_t len), void *arg)
{
	struct es_sbuf b = { 0 };
	struct stat st;
	char **names = NULL;
	size_t n = 0, i;
	int dfd = -1, fd = -1, r;

	BUG_ON(dir[0] != '/');
	r = fs_open_dir(root->fd, dir + 1, dir, &dfd);
	if (r == -ENOENT) {
		es_errclear();
		return 0;
	}
	if (r != 0)
		return r;
	if (fstat(dfd, &st) != 0) {
		r = es_failf(-errno, "%s: %s", dir, strerror(errno));
		goto out;
	}
	if ((r = root_only(&st, "directory", dir, NULL)) != 0 ||
	    (r = dir_names(dfd, suffix, max_files, dir, &names, &n)) != 0)
		goto out;
	for (i = 0; r == 0 && i < n; i++) {
		if ((r = fs_open_target(dfd, names[i], dir, &fd, &st)) != 0)
			break;
		if (fd < 0)
			continue;   /* gone since the listing */
		if ((r = root_only(&st, "file", dir, names[i])) == 0 &&
		    (r = fs_read_all(fd, max, &b, dir)) == 0)
			r = fn(arg, names[i], b.p, b.len);
		es_sbuf_free(&b);
		close(fd);
		fd = -1;
	}
out:
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	if (dfd >= 0)
		close(dfd);
	return r;
}
