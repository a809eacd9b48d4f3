/*
 * fs/dir.c — directories with tmpfiles "d" semantics: walk the path one
 * component at a time beneath the root (openat2, no symlinks), create what
 * is missing (parents root:root 0755), repair owner and mode of the final
 * directory without ever widening access, refuse anything else.
 *
 * Trust: every directory on the way, the root included, must be owned by
 * root with no group/other write before we look beneath it or create in
 * it, so no other user can swap a name between our steps; what mkdirat
 * made is checked to be what we opened. The layer's own directories
 * (fs_infra_dir) must moreover be ours when they exist: never chowned to
 * us from someone else.
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
 * Create comp in cur (a directory that passed fs_dir_trusted) with owner
 * uid:gid and mode. mkdirat with only the owner bits the final mode
 * grants, so nobody has more access than the final state gives even for
 * an instant; then fchown, then fchmod.
 *
 * What we open after mkdirat must be what mkdirat made: a directory of
 * our euid, no group/other bit, no special bit; anything else is a
 * refusal. It may already hold entries: a concurrent root run that finds
 * it (root's, 0700: trusted) goes on to create the next component in it
 * before we fchmod, so a link count above 2 is not a swap. EEXIST is returned as -EEXIST: in a parent
 * that passed the trusted check only root can have made the name since we
 * looked (a concurrent envseal run), so the caller looks at it again as a
 * directory that existed, with every check an existing one gets; it is
 * never opened and used as if we had made it.
 */
static int
make_dir(int cur, const char *comp, uid_t uid, gid_t gid, mode_t mode,
    const char *display, int *out)
{
	struct stat st;
	int fd, r;

	*out = -1;
	if (mkdirat(cur, comp, mode & 0700) != 0) {
		if (errno == EEXIST)
			return es_failf(-EEXIST, "%s: \"%s\" appeared while "
			    "we created it", display, comp);
		return es_failf(-errno, "%s: mkdir \"%s\": %s", display, comp,
		    strerror(errno));
	}
	if ((r = open_component(cur, comp, display, &fd)) != 0)
		return r == -ENOENT ? es_failf(ES_EUNSAFE, "%s: \"%s\" vanished "
		    "while we created it; refused", display, comp) : r;
	if (fstat(fd, &st) != 0 || st.st_uid != geteuid() ||
	    (st.st_mode & 07077) != 0) {
		close(fd);
		return es_failf(ES_EUNSAFE, "%s: \"%s\" is not the directory "
		    "we just made (swapped?); refused", display, comp);
	}
	/* Inherited from a default ACL on cur: both ours to drop before
	 * the final owner and mode make the named entries effective. */
	if ((r = fs_strip_acl(fd, 1, display)) != 0) {
		close(fd);
		return r;
	}
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

/* The final directory: create, repair or leave it. cur is its parent.
 * infra: the layer's own directory (fs_infra_dir): an existing one that
 * is not ours is refused, never chowned to us (whoever made it may keep
 * files and descriptors in it). */
static int
final_dir(struct es_root *root, int cur, const char *name,
    const struct es_dir_spec *spec, int infra, enum es_action *act)
{
	struct stat st;
	int fd = -1, r, acl;
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
		if (r != -EEXIST)
			goto out;
		/* Made by a concurrent root run: judge it as existing. */
		es_errclear();
		r = open_component(cur, name, spec->path, &fd);
	}
	if (r != 0)
		return r == -ENOENT ? es_failf(ES_EUNSAFE, "%s: appeared and "
		    "vanished while we created it; refused", spec->path) : r;
	if (fstat(fd, &st) != 0) {
		r = es_failf(-errno, "%s: %s", spec->path, strerror(errno));
		goto out;
	}
	if (infra && st.st_uid != spec->uid) {
		r = es_failf(ES_EUNSAFE, "%s: owned by uid %lu, not %lu: not "
		    "made by envseal; refused", spec->path,
		    (unsigned long)st.st_uid, (unsigned long)spec->uid);
		goto out;
	}
	if ((acl = fs_has_acl(fd, 1, spec->path)) < 0) {
		r = acl;
		goto out;
	}
	if (st.st_uid == spec->uid && st.st_gid == spec->gid &&
	    (st.st_mode & 07777) == want && !acl) {
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

/* fs_dir_trusted for a directory of the walk, naming it: the first n
 * bytes of dir ("var/", "" for the root itself). */
static int
walk_trusted(int fd, const char *dir, size_t n, const char *display)
{
	struct stat st;

	while (n > 0 && dir[n - 1] == '/')
		n--;
	if (fstat(fd, &st) != 0)
		return es_failf(-errno, "%s: %s", display, strerror(errno));
	if (st.st_uid == 0 && !(st.st_mode & (S_IWGRP | S_IWOTH)))
		return 0;
	return es_failf(ES_EUNSAFE, "%s: /%.*s is owned by uid %lu with mode "
	    "%04o: a directory is created only beneath directories owned by "
	    "root with no group/other write; refused", display, (int)n, dir,
	    (unsigned long)st.st_uid, (unsigned)(st.st_mode & 07777));
}

/* Walk dir ("a/b/c", relative) from the root, creating missing parents.
 * *cur is -1 with 0 returned when a parent is missing in check mode.
 * Every directory on the way, the root included, must pass
 * fs_dir_trusted before we look further into it or create in it: whoever
 * else can write one can swap what lies beneath between our steps. */
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
		if ((r = walk_trusted(fd, dir, (size_t)(p - dir), display))
		    != 0) {
			close(fd);
			return r;
		}
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
			/* Made by a concurrent root run meanwhile: an existing
			 * parent, checked as such on the next step. */
			if (r == -EEXIST) {
				es_errclear();
				r = open_component(fd, comp, display, &next);
			}
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
ensure(struct es_root *root, const struct es_dir_spec *spec, int infra,
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
	r = final_dir(root, cur, name, spec, infra, act);
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
	r = ensure(root, spec, 0, &act);
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
	return ensure(root, &spec, 1, &act);
}
