/*
 * sandbox/landlock.c — the writer's confinement: Landlock (raw syscalls;
 * Debian 12's uapi header stops at ABI 2, so the rights we use are defined
 * here and masked by the running kernel's ABI) and then the writer seccomp
 * filter.
 */
#include "sandbox/sandbox.h"
#include "common/envseal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/openat2.h>

/* Filesystem rights (uapi linux/landlock.h), with the ABI that added them. */
#define LL_FS_EXECUTE      (1ULL << 0)
#define LL_FS_WRITE_FILE   (1ULL << 1)
#define LL_FS_REMOVE_DIR   (1ULL << 4)
#define LL_FS_REMOVE_FILE  (1ULL << 5)
#define LL_FS_MAKE_CHAR    (1ULL << 6)
#define LL_FS_MAKE_DIR     (1ULL << 7)
#define LL_FS_MAKE_REG     (1ULL << 8)
#define LL_FS_MAKE_SOCK    (1ULL << 9)
#define LL_FS_MAKE_FIFO    (1ULL << 10)
#define LL_FS_MAKE_BLOCK   (1ULL << 11)
#define LL_FS_MAKE_SYM     (1ULL << 12)
#define LL_FS_REFER        (1ULL << 13)   /* ABI 2 */
#define LL_FS_TRUNCATE     (1ULL << 14)   /* ABI 3 */
#define LL_NET_BIND_TCP    (1ULL << 0)    /* ABI 4 */
#define LL_NET_CONNECT_TCP (1ULL << 1)    /* ABI 4 */
#define LL_SCOPE_ABSTRACT_UNIX (1ULL << 0) /* ABI 6 */
#define LL_SCOPE_SIGNAL    (1ULL << 1)    /* ABI 6 */
#define LL_CREATE_RULESET_VERSION (1U << 0)
#define LL_RULE_PATH_BENEATH 1

/* Everything that changes the filesystem; reads are not handled, so the
 * writer still reads anywhere (it must compare old files). */
#define LL_WRITE_RIGHTS (LL_FS_WRITE_FILE | LL_FS_REMOVE_DIR | \
	LL_FS_REMOVE_FILE | LL_FS_MAKE_CHAR | LL_FS_MAKE_DIR | LL_FS_MAKE_REG | \
	LL_FS_MAKE_SOCK | LL_FS_MAKE_FIFO | LL_FS_MAKE_BLOCK | LL_FS_MAKE_SYM | \
	LL_FS_REFER | LL_FS_TRUNCATE)

/* The uapi struct grew by ABI; we pass only the size the kernel knows. */
struct ll_ruleset_attr {
	uint64_t handled_access_fs;
	uint64_t handled_access_net;   /* ABI 4 */
	uint64_t scoped;               /* ABI 6 */
};

struct ll_path_beneath {
	uint64_t allowed_access;
	int32_t parent_fd;
} __attribute__((packed));

int
es_landlock_abi(void)
{
	long abi = syscall(SYS_landlock_create_ruleset, NULL, 0,
	    LL_CREATE_RULESET_VERSION);

	return abi < 1 ? 0 : (int)abi;
}

static uint64_t
fs_rights(int abi)
{
	uint64_t r = LL_WRITE_RIGHTS | LL_FS_EXECUTE;

	if (abi < 2)
		r &= ~LL_FS_REFER;
	if (abi < 3)
		r &= ~LL_FS_TRUNCATE;
	return r;
}

/* An O_PATH fd of dir under the root, or of its nearest existing ancestor:
 * Landlock needs an open directory, and fs/ may create the missing part
 * later (the grant is then wider than the policy's directory). */
static int
open_dir_or_ancestor(int rootfd, const char *dir)
{
	struct open_how how;
	char path[4096];
	char *slash;
	long fd;
	int n;

	n = snprintf(path, sizeof path, "%s", dir);
	if (n < 0 || (size_t)n >= sizeof path || path[0] != '/')
		return es_failf(ES_EBUG, "%.64s: not an absolute path "
		    "under %zu bytes", dir, sizeof path);
	memset(&how, 0, sizeof how);
	how.flags = O_PATH | O_DIRECTORY | O_CLOEXEC;
	how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS |
	    RESOLVE_NO_MAGICLINKS;
	for (;;) {
		fd = syscall(SYS_openat2, rootfd, path[1] ? path + 1 : ".",
		    &how, sizeof how);
		if (fd >= 0)
			return (int)fd;
		if (errno != ENOENT && errno != ENOTDIR && errno != ELOOP)
			return es_failf(-errno, "Landlock rule for %s: %s",
			    dir, strerror(errno));
		if (path[1] == '\0')
			return es_failf(-errno, "Landlock: root not a "
			    "directory");
		slash = strrchr(path, '/');
		slash[slash == path ? 1 : 0] = '\0';
	}
}

static int
add_dir(int ruleset, int rootfd, const char *dir, uint64_t rights)
{
	struct ll_path_beneath pb;
	int fd, r = 0;

	if ((fd = open_dir_or_ancestor(rootfd, dir)) < 0)
		return fd;
	memset(&pb, 0, sizeof pb);
	pb.allowed_access = rights;
	pb.parent_fd = fd;
	if (syscall(SYS_landlock_add_rule, ruleset, LL_RULE_PATH_BENEATH, &pb,
	    0) != 0)
		r = es_failf(-errno, "Landlock rule for %s: %s", dir,
		    strerror(errno));
	close(fd);
	return r;
}

static int
landlock_apply(int abi, int rootfd, const char *const *dirs, size_t ndirs)
{
	struct ll_ruleset_attr attr;
	size_t i, size;
	int rs, r = 0;

	memset(&attr, 0, sizeof attr);
	attr.handled_access_fs = fs_rights(abi);
	size = sizeof attr.handled_access_fs;
	if (abi >= 4) {
		/* No rule grants TCP: the writer binds and connects nowhere. */
		attr.handled_access_net = LL_NET_BIND_TCP | LL_NET_CONNECT_TCP;
		size += sizeof attr.handled_access_net;
	}
	if (abi >= 6) {
		attr.scoped = LL_SCOPE_ABSTRACT_UNIX | LL_SCOPE_SIGNAL;
		size += sizeof attr.scoped;
	}
	rs = (int)syscall(SYS_landlock_create_ruleset, &attr, size, 0);
	if (rs < 0)
		return es_failf(ES_ESANDBOX, "Landlock ruleset: %s",
		    strerror(errno));
	for (i = 0; i < ndirs && r == 0; i++)
		r = add_dir(rs, rootfd, dirs[i],
		    fs_rights(abi) & ~LL_FS_EXECUTE);
	/* landlock_restrict_self needs no_new_privs for an unprivileged
	 * caller; we set it anyway (seccomp needs it too). */
	if (r == 0 && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
		r = es_failf(ES_ESANDBOX, "no_new_privs: %s", strerror(errno));
	if (r == 0 && syscall(SYS_landlock_restrict_self, rs, 0) != 0)
		r = es_failf(ES_ESANDBOX, "Landlock restrict: %s",
		    strerror(errno));
	close(rs);
	return r;
}

int
es_sandbox_writer(int rootfd, const char *const *dirs, size_t ndirs,
    int *no_landlock)
{
	int abi, r;

	if (ndirs > ES_SANDBOX_DIRS_MAX)
		return es_failf(ES_ELIMIT, "more than %d writable directories",
		    ES_SANDBOX_DIRS_MAX);
	abi = es_landlock_abi();
	*no_landlock = abi == 0;
	if (abi > 0 && (r = landlock_apply(abi, rootfd, dirs, ndirs)) != 0)
		return r;
	return es_seccomp_writer();
}
