/*
 * sandbox/seccomp.c — the seccomp filters, as tables (STYLE.md: the
 * sandbox is data). The worker list was measured on Debian 12 (glibc 2.36,
 * libsodium 1.0.18, libyaml 0.2.5, nettle 3.8.1) with strace -f over
 * render, view and rekey jobs from empty vaults to 27 MB, 200,000-key
 * documents; see SECURITY.md. MADV_DONTNEED (glibc's trim of non-main
 * arenas) never showed up: the worker's one extra thread, the PBKDF2
 * helper, never calls malloc, so there is no second arena to trim.
 */
#include "sandbox/sandbox.h"
#include "common/envseal.h"

#include <errno.h>
#include <linux/futex.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <seccomp.h>

/* How a worker row pins its arguments. */
enum pin {
	PIN_NONE,
	PIN_IN_FD,        /* A0 == the job pipe */
	PIN_OUT_FD,       /* A0 == the result pipe */
	PIN_ANON_NOEXEC,  /* mmap: no PROT_EXEC, fd == -1 (anonymous) */
	PIN_NOEXEC,       /* mprotect: no PROT_EXEC */
	PIN_ADVICE,       /* madvise: A2 == advice */
	PIN_NULL_A0,      /* A0 == NULL (a query, changes nothing) */
	PIN_OP,           /* A1 == op (futex) */
};

struct worker_rule {
	enum pin pin;
	int arg;          /* PIN_ADVICE: the advice; PIN_OP: the op */
	struct es_seccomp_row row;
};

static const struct worker_rule worker_rules[] = {
	{ PIN_IN_FD, 0, { "read", "fd == job pipe", "allow",
	    "the job: secrets, labels, render spec (vault bytes: "
	    "inherited at fork)" } },
	{ PIN_OUT_FD, 0, { "write", "fd == result pipe", "allow",
	    "the framed result, nothing else" } },
	{ PIN_NONE, 0, { "exit_group", "", "allow",
	    "exit_group(0) after the result is written" } },
	{ PIN_NONE, 0, { "brk", "", "allow",
	    "glibc malloc grows the main heap (libyaml, names)" } },
	{ PIN_ANON_NOEXEC, 0, { "mmap", "prot & PROT_EXEC == 0, fd == -1",
	    "allow", "large mallocs and sodium_malloc's guarded pages; "
	    "anonymous only, never executable" } },
	{ PIN_NONE, 0, { "munmap", "", "allow",
	    "free of large blocks, sodium_free" } },
	{ PIN_NONE, 0, { "mremap", "", "allow",
	    "glibc realloc of mmapped blocks (cannot add PROT_EXEC)" } },
	{ PIN_NOEXEC, 0, { "mprotect", "prot & PROT_EXEC == 0", "allow",
	    "sodium_malloc guard pages (PROT_NONE) and unprotect on free" } },
	{ PIN_ADVICE, MADV_DONTDUMP, { "madvise", "advice == MADV_DONTDUMP",
	    "allow", "sodium_malloc keeps secrets out of core dumps" } },
	{ PIN_ADVICE, MADV_DODUMP, { "madvise", "advice == MADV_DODUMP",
	    "allow", "sodium_free undoes it before unmapping" } },
	{ PIN_NONE, 0, { "mlock", "", "allow",
	    "sodium_malloc pins secret pages out of swap" } },
	{ PIN_NONE, 0, { "munlock", "", "allow",
	    "sodium_free unpins them" } },
	{ PIN_OP, FUTEX_WAIT_PRIVATE, { "futex", "op == FUTEX_WAIT_PRIVATE",
	    "allow", "the PBKDF2 helper thread and the job wait for each "
	    "other (crypto/av.c; the thread exists before the filter)" } },
	{ PIN_OP, FUTEX_WAKE_PRIVATE, { "futex", "op == FUTEX_WAKE_PRIVATE",
	    "allow", "... and wake each other" } },
#if defined(__SANITIZE_ADDRESS__)
	/* Test builds only: ASan instruments every call of a noreturn
	 * function with __asan_handle_no_return, which queries the signal
	 * stack. Release builds never have this row. */
	{ PIN_NULL_A0, 0, { "sigaltstack", "ss == NULL (query)", "allow",
	    "ASan+UBSan test build only" } },
	{ PIN_ADVICE, MADV_NOHUGEPAGE, { "madvise",
	    "advice == MADV_NOHUGEPAGE", "allow",
	    "ASan shadow memory of large blocks; test build only" } },
#endif
};

static const struct es_seccomp_row writer_rows[] = {
	{ "execve", "", "kill", "the writer runs no program" },
	{ "execveat", "", "kill", "the writer runs no program" },
	{ "socket", "", "EPERM", "the writer talks to nobody; EPERM so a "
	    "stray libc lookup fails cleanly" },
	{ "socketpair", "", "EPERM", "no IPC either" },
	{ "connect", "", "EPERM", "no network" },
	{ "bind", "", "EPERM", "no network" },
	{ "listen", "", "EPERM", "no network" },
	{ "accept", "", "EPERM", "no network" },
	{ "accept4", "", "EPERM", "no network" },
#if !defined(__SANITIZE_ADDRESS__)
	/* Release builds only: LeakSanitizer's exit-time check ptraces this
	 * process from a CLONE_VM helper; killing that helper left the ASan
	 * test build spinning forever in exit. */
	{ "ptrace", "", "kill", "no inspecting other processes" },
#endif
	{ "process_vm_writev", "", "kill", "no writing other processes" },
	{ "process_vm_readv", "", "kill", "no reading other processes" },
	{ "mount", "", "kill", "no changing what paths mean" },
	{ "umount2", "", "kill", "no changing what paths mean" },
	{ "pivot_root", "", "kill", "no changing what paths mean" },
	{ "move_mount", "", "kill", "new mount API" },
	{ "fsopen", "", "kill", "new mount API" },
	{ "fsmount", "", "kill", "new mount API" },
	{ "open_tree", "", "kill", "new mount API" },
	{ "init_module", "", "kill", "no kernel code" },
	{ "finit_module", "", "kill", "no kernel code" },
	{ "delete_module", "", "kill", "no kernel code" },
	{ "kexec_load", "", "kill", "no kernel code" },
	{ "kexec_file_load", "", "kill", "no kernel code" },
	{ "bpf", "", "kill", "no kernel code" },
};

/* int arguments: only the low 32 bits are meaningful. */
#define LOW32 ((scmp_datum_t)0xffffffffU)

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

const struct es_seccomp_row *
es_seccomp_worker_table(size_t *n)
{
	static struct es_seccomp_row rows[NELEM(worker_rules)];
	size_t i;

	for (i = 0; i < NELEM(worker_rules); i++)
		rows[i] = worker_rules[i].row;
	*n = NELEM(worker_rules);
	return rows;
}

const struct es_seccomp_row *
es_seccomp_writer_table(size_t *n)
{
	*n = NELEM(writer_rows);
	return writer_rows;
}

static int
add_worker_rule(scmp_filter_ctx ctx, const struct worker_rule *w, int nr,
    int in_fd, int out_fd)
{
	switch (w->pin) {
	case PIN_IN_FD:
		return seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 1,
		    SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)in_fd));
	case PIN_OUT_FD:
		return seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 1,
		    SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)out_fd));
	case PIN_ANON_NOEXEC:
		/* fd is an int: glibc zero-extends -1, the ASan runtime
		 * sign-extends it; compare the low 32 bits only. */
		return seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 2,
		    SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0),
		    SCMP_A4(SCMP_CMP_MASKED_EQ, LOW32, LOW32));
	case PIN_NOEXEC:
		return seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 1,
		    SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0));
	case PIN_ADVICE:
		return seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 1,
		    SCMP_A2(SCMP_CMP_MASKED_EQ, LOW32, (scmp_datum_t)w->arg));
	case PIN_NULL_A0:
		return seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 1,
		    SCMP_A0(SCMP_CMP_EQ, 0));
	case PIN_OP:
		return seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 1,
		    SCMP_A1(SCMP_CMP_MASKED_EQ, LOW32, (scmp_datum_t)w->arg));
	default:
		return seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
	}
}

static int debug_out = -1;

/* Debug only: report the syscall number on the debug pipe (the parent
 * names it; nothing else is written), then die as KILL would have. */
static void
on_sigsys(int sig, siginfo_t *si, void *uctx)
{
	int32_t nr = si->si_syscall;

	(void)sig;
	(void)uctx;
	if (write(debug_out, &nr, sizeof nr) != (ssize_t)sizeof nr)
		syscall(SYS_exit_group, ES_WORKER_EXIT_TRAPPED);
	syscall(SYS_exit_group, ES_WORKER_EXIT_TRAPPED);
}

void
es_seccomp_syscall_name(int nr, char *buf, size_t size)
{
	char *name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr);

	if (snprintf(buf, size, "%s", name ? name : "unknown") < 0 && size)
		buf[0] = '\0';
	free(name);
}

static int
trap_handler(int debug_fd)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_sigsys;
	sa.sa_flags = SA_SIGINFO;
	debug_out = debug_fd;
	return sigaction(SIGSYS, &sa, NULL) == 0 ? 0 : -errno;
}

int
es_seccomp_worker(int in_fd, int out_fd, int debug, int debug_fd)
{
	scmp_filter_ctx ctx;
	size_t i;
	int nr, r;

	if (debug && (r = trap_handler(debug_fd)) != 0)
		return r;
	ctx = seccomp_init(debug ? SCMP_ACT_TRAP : SCMP_ACT_KILL_PROCESS);
	if (ctx == NULL)
		return es_failf(ES_ESANDBOX, "seccomp_init failed");
	r = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH,
	    SCMP_ACT_KILL_PROCESS);
	/* Every thread of the worker (the PBKDF2 helper) gets the filter,
	 * or the load fails: none runs unfiltered. */
	if (r == 0)
		r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1);
	for (i = 0; i < NELEM(worker_rules) && r == 0; i++) {
		nr = seccomp_syscall_resolve_name(worker_rules[i].row.name);
		r = nr == __NR_SCMP_ERROR ? -EINVAL :
		    add_worker_rule(ctx, &worker_rules[i], nr, in_fd, out_fd);
	}
	if (r == 0 && debug)
		r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(write), 1,
		    SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)debug_fd));
	if (r == 0)
		r = seccomp_load(ctx);
	seccomp_release(ctx);
	if (r != 0)
		return es_failf(ES_ESANDBOX, "worker seccomp filter: %s",
		    strerror(-r));
	return 0;
}

/* The writer filter: everything not in the table stays allowed. */
int
es_seccomp_writer(void)
{
	scmp_filter_ctx ctx;
	uint32_t act;
	size_t i;
	int nr, r;

	if ((ctx = seccomp_init(SCMP_ACT_ALLOW)) == NULL)
		return es_failf(ES_ESANDBOX, "seccomp_init failed");
	r = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH,
	    SCMP_ACT_KILL_PROCESS);
	for (i = 0; i < NELEM(writer_rows) && r == 0; i++) {
		nr = seccomp_syscall_resolve_name(writer_rows[i].name);
		if (nr == __NR_SCMP_ERROR)
			continue;   /* not on this architecture */
		act = !strcmp(writer_rows[i].action, "EPERM") ?
		    SCMP_ACT_ERRNO(EPERM) : SCMP_ACT_KILL_PROCESS;
		r = seccomp_rule_add(ctx, act, nr, 0);
	}
	if (r == 0)
		r = seccomp_load(ctx);
	seccomp_release(ctx);
	if (r != 0)
		return es_failf(ES_ESANDBOX, "writer seccomp filter: %s",
		    strerror(-r));
	return 0;
}
