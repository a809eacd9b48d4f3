/*
 * fs/inspect.c — read-only looks at paths under a root and the audit
 * key's fingerprint (fs/inspect.h). Nothing here opens for writing.
 */
#include "fs/fs_int.h"
#include "fs/inspect.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
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
