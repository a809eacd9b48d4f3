/*
 * fs/dir.c — directories with tmpfiles "d" semantics: walk the path one
 * component at a time beneath the root (openat2, no symlinks), create what
 * is missing (parents root:root 0755), repair owner and mode of the final
 * directory without ever widening access, refuse anything else.
 */
#include "fs/fs_int.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Mode of parent directories we create, as tmpfiles and mkdir -p do. */
#define FS_PARENT_MODE 0755

/* es_ensure_dir's intent hook, right before a mkdir or a repair becomes
 * visible. Unset while it runs: the audit log's own directories, which it
 * may make, are infrastructure, not part of the item. */
static int
announce(struct es_root *root, enum es_action act)
{
	int (*fn)(void *, enum es_action) = root->dir_before;
	int r;

	if (fn == NULL)
		return 0;
	root->dir_before = NULL;
	r = fn(root->dir_before_ctx, act);
	root->dir_before = fn;
	return r;
}

/* Open one component of a directory walk: never a symlink, must be a dir. */
static int
open_component(int cur, const char *comp, const char *display, int *out)
{
	struct open_how how;
	struct stat st;
	int fd;

	memset(&how, 0, sizeof how);
	how.flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC;
	how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
	    RESOLVE_NO_MAGICLINKS;
	*out = -1;
	fd = (int)syscall(SYS_openat2, cur, comp, &how, sizeof how);
	if (fd >= 0) {
		*out = fd;
		return 0;
	}
	if (errno == ENOENT)
		return -ENOENT;
	if (errno == ENOSYS)
		return es_failf(ES_ENOSYS, "%s: the kernel has no openat2 "
		    "(Linux 5.6 or later is required; there is no fallback)",
		    display);
	if ((errno == ELOOP || errno == ENOTDIR) &&
	    fstatat(cur, comp, &st, AT_SYMLINK_NOFOLLOW) == 0)
		return es_failf(ES_EUNSAFE, "%s: \"%s\" is %s, not a directory; "
		    "refused", display, comp, fs_kind(st.st_mode));
	return es_failf(-errno, "%s: \"%s\": %s", display, comp,
	    strerror(errno));
}

/*
 * Create comp in cur with owner uid:gid and mode. mkdirat with only the
 * owner bits the final mode grants, so nobody has more access than the
 * final state gives even for an instant; then fchown, then fchmod.
 */
static int
make_dir(int cur, const char *comp, uid_t uid, gid_t gid, mode_t mode,
    const char *display, int *out)
{
	int fd, r;

	if (mkdirat(cur, comp, mode & 0700) != 0 && errno != EEXIST)
		return es_failf(-errno, "%s: mkdir \"%s\": %s", display, comp,
		    strerror(errno));
	if ((r = open_component(cur, comp, display, &fd)) != 0)
		return r == -ENOENT ? es_failf(r, "%s: \"%s\" vanished",
		    display, comp) : r;
	if (fchown(fd, uid, gid) != 0 || fchmod(fd, mode) != 0 ||
	    fsync(cur) != 0) {
		r = es_failf(-errno, "%s: set up \"%s\": %s", display, comp,
		    strerror(errno));
		close(fd);
		return r;
	}
	*out = fd;
	return 0;
}

/* The final directory: create, repair or leave it. cur is its parent. */
static int
final_dir(struct es_root *root, int cur, const char *name,
    const struct es_dir_spec *spec, enum es_action *act)
{
	struct stat st;
	int fd = -1, r;
	mode_t want = spec->mode & 07777;

	if ((r = fs_dir_trusted(cur, 0, spec->path)) != 0)
		return r;
	r = open_component(cur, name, spec->path, &fd);
	if (r == -ENOENT) {
		*act = ES_ACT_CREATED;
		if (es_root_checking(root))
			return 0;
		if ((r = announce(root, *act)) != 0)
			return r;
		r = make_dir(cur, name, spec->uid, spec->gid, want, spec->path,
		    &fd);
		goto out;
	}
	if (r != 0)
		return r;
	if (fstat(fd, &st) != 0) {
		r = es_failf(-errno, "%s: %s", spec->path, strerror(errno));
		goto out;
	}
	if (st.st_uid == spec->uid && st.st_gid == spec->gid &&
	    (st.st_mode & 07777) == want) {
		*act = ES_ACT_UNCHANGED;
	} else {
		*act = ES_ACT_METADATA;
		if (!es_root_checking(root) && (r = announce(root, *act)) == 0)
			r = fs_repair_meta(fd, &st, spec->uid, spec->gid,
			    spec->mode, spec->path);
	}
out:
	if (fd >= 0)
		close(fd);
	return r;
}

/* Walk dir ("a/b/c", relative) from the root, creating missing parents.
 * *cur is -1 with 0 returned when a parent is missing in check mode. */
static int
walk_parents(struct es_root *root, const char *dir, const char *display,
    int *cur)
{
	char comp[FS_COMPONENT_MAX + 1];
	const char *p = dir, *e;
	size_t n;
	int fd, next, r = 0;

	*cur = -1;
	fd = openat(root->fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return es_failf(-errno, "%s: open root: %s", display,
		    strerror(errno));
	while (strcmp(dir, ".") != 0 && *p != '\0') {
		e = strchr(p, '/');
		n = e != NULL ? (size_t)(e - p) : strlen(p);
		if (n >= sizeof comp)
			BUG("component longer than fs_path_split allows");
		memcpy(comp, p, n);
		comp[n] = '\0';
		p += n;
		while (*p == '/')
			p++;
		if (n == 0)
			continue;
		r = open_component(fd, comp, display, &next);
		if (r == -ENOENT) {
			if (es_root_checking(root)) {
				r = 0;
				close(fd);
				return 0;
			}
			/* A missing parent: the final directory is new. */
			if ((r = announce(root, ES_ACT_CREATED)) == 0)
				r = make_dir(fd, comp, 0, 0, FS_PARENT_MODE,
				    display, &next);
		}
		close(fd);
		if (r != 0)
			return r;
		fd = next;
	}
	*cur = fd;
	return 0;
}

static int
ensure(struct es_root *root, const struct es_dir_spec *spec,
    enum es_action *act)
{
	char dir[ES_PATH_MAX], name[FS_NAME_MAX + 1];
	int cur = -1, r;

	*act = ES_ACT_REFUSED;
	if ((r = fs_path_split(spec->path, dir, name)) != 0)
		return r;
	if ((r = walk_parents(root, dir, spec->path, &cur)) != 0)
		return r;
	if (cur < 0) {
		/* Check mode, a parent is missing: all of it is planned. */
		*act = ES_ACT_CREATED;
		return 0;
	}
	r = final_dir(root, cur, name, spec, act);
	close(cur);
	return r;
}

int
es_ensure_dir(struct es_root *root, const struct es_dir_spec *spec,
    enum es_action *action)
{
	struct fs_record rec;
	struct fs_intent in;
	enum es_action act;
	int r, ar;

	BUG_ON(root == NULL || spec == NULL || spec->path == NULL ||
	    action == NULL);
	memset(&rec, 0, sizeof rec);
	rec.kind = "dir";
	rec.path = spec->path;
	rec.owner_name = spec->owner_name;
	rec.group_name = spec->group_name;
	rec.uid = spec->uid;
	rec.gid = spec->gid;
	rec.mode = spec->mode & 07777;
	memset(&in, 0, sizeof in);
	in.root = root;
	in.rec = &rec;
	root->dir_before = fs_audit_intent;
	root->dir_before_ctx = &in;
	r = ensure(root, spec, &act);
	root->dir_before = NULL;
	root->dir_before_ctx = NULL;
	if (r != 0)
		act = ES_ACT_REFUSED;
	rec.action = act;
	rec.err = r;
	ar = fs_audit_record(root, &rec);
	if (r == 0)
		r = ar;
	*action = act;
	return r;
}

int
fs_infra_dir(struct es_root *root, const char *path, mode_t mode)
{
	struct es_dir_spec spec;
	enum es_action act;

	memset(&spec, 0, sizeof spec);
	spec.path = path;
	spec.uid = geteuid();
	spec.gid = getegid();
	spec.mode = mode;
	return ensure(root, &spec, &act);
}
