/*
 * sandbox/sandbox.h — the two confinements of envseal, as data.
 *
 *  - The worker filter (es_seccomp_worker): default KILL_PROCESS, foreign
 *    architectures killed, and an allow-list of the memory syscalls a
 *    pipe-reading, allocating, pipe-writing process needs, with read and
 *    write pinned to the two pipe fds and no PROT_EXEC mapping. Installed
 *    by the forked worker (sandbox/worker.h) before it reads a byte.
 *
 *  - The writer confinement (es_sandbox_writer): applied by the parent
 *    after every input is read and every key resolved, before the first
 *    write. Landlock allows writing only beneath the listed directories
 *    (resolved under the root fd); a seccomp filter (default allow) forbids
 *    exec, sockets, ptrace, mount, module loading, kexec and bpf.
 *
 * Calling sequence (parent):
 *	const char *dirs[] = { "/etc/veza", "/var/lib/envseal", ... };
 *	int no_ll;
 *	es_sandbox_writer(es_root_fd(root), dirs, n, &no_ll);
 *	if (no_ll) warn once: "kernel without Landlock"
 *
 * Both are irreversible for the calling process. The tables behind them
 * are es_seccomp_worker_table() and es_seccomp_writer_table(), shown by
 * tests and documented in SECURITY.md.
 *
 * Errors: 0 or a negative code; ES_ESANDBOX with a detail when a filter
 * cannot be built or loaded (the caller must not go on unconfined).
 * A kernel without Landlock is not an error: *no_landlock says so.
 */
#ifndef ENVSEAL_SANDBOX_H
#define ENVSEAL_SANDBOX_H

#include <stddef.h>

/* Most directories a writer may be allowed beneath: policy dirs, env-file
 * dirs, unit dir, /etc and envseal's own two, with room to spare. */
#define ES_SANDBOX_DIRS_MAX 512

/* Environment variable that turns the worker's KILL into TRAP: the
 * worker's SIGSYS handler sends the syscall number (4 bytes, nothing else)
 * on a dedicated debug pipe, the parent names it in the error detail
 * (debugging a new libc; the worker still dies and the run still fails).
 * The worker never gets stderr, debug or not. */
#define ES_SANDBOX_DEBUG_ENV "ENVSEAL_SANDBOX_DEBUG"
/* Exit status of a worker that trapped in debug mode. */
#define ES_WORKER_EXIT_TRAPPED 125
/* Exit status of a worker that hit BUG(): it sent an ES_EBUG result
 * naming the location first (sandbox/worker.c worker_bug). */
#define ES_WORKER_EXIT_BUG 124

/* One row of a filter table: a syscall and why it is there. */
struct es_seccomp_row {
	const char *name;     /* syscall name (libseccomp spelling) */
	const char *args;     /* argument pins, human readable ("" none) */
	const char *action;   /* "allow", "kill", "EPERM" */
	const char *why;
};

/* The worker allow-list (rows in order) and the writer deny-list. */
const struct es_seccomp_row *es_seccomp_worker_table(size_t *n);
const struct es_seccomp_row *es_seccomp_writer_table(size_t *n);

/* Install the worker filter: read only from in_fd, write only to out_fd
 * (and to debug_fd when debug, for the trapped syscall's number). */
int es_seccomp_worker(int in_fd, int out_fd, int debug, int debug_fd);

/* The name of syscall nr on this architecture ("unknown" if none). */
void es_seccomp_syscall_name(int nr, char *buf, size_t size);

/* The writer seccomp filter alone (default allow, the writer table). */
int es_seccomp_writer(void);

/* Landlock + writer seccomp for the calling process. dirs are absolute
 * paths under the root fd; one that does not exist yet is replaced by its
 * nearest existing ancestor (a wider grant, but fs/ creates it later and
 * Landlock rules need an open directory). */
int es_sandbox_writer(int rootfd, const char *const *dirs, size_t ndirs,
    int *no_landlock);

/* The Landlock ABI of this kernel (0 when absent or disabled). */
int es_landlock_abi(void);

#endif
