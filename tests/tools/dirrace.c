/*
 * tests/tools/dirrace.c — the attacker of tests/cli/fs_dir_race.sh: a
 * local user who owns (or only can see) a directory envseal creates in,
 * and tries to make envseal adopt a tree it prepared, keeping a
 * descriptor on the prepared audit log.
 *
 *   dirrace MODE PARENT NAME PREPDIR
 *
 * Makes PREPDIR/prep/envseal/audit.jsonl (its own, 0600) and keeps the
 * three open. Then, the moment PARENT/NAME appears, swaps its prepared
 * "prep" in for it with renameat2(RENAME_EXCHANGE), once: MODE "inotify"
 * waits for IN_CREATE of NAME in PARENT, as an attacker with inotifywait
 * would; MODE "spin" tries the exchange in a loop (the fastest attacker).
 * Prints "ready" when armed; on SIGTERM prints
 *   swapped=<0|1> tries=<n> denied=<n> adopted=<n> seen=<bytes>
 * adopted: how many of the three held objects are now owned by root
 * (only envseal's chown can do that); seen: bytes the held log
 * descriptor can read (records the attacker sees).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

/* One inotify read: room for several events with their names. */
#define DR_EVBUF (16 * (sizeof(struct inotify_event) + NAME_MAX + 1))

/* Seconds before SIGALRM ends an attacker the test failed to stop. */
#define DR_LIFETIME 60

static volatile sig_atomic_t stop;

static void
on_term(int sig)
{
	(void)sig;
	stop = 1;
}

static int
prepare(const char *prepdir, int held[3])
{
	int pfd;

	if ((pfd = open(prepdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return -1;
	if (mkdirat(pfd, "prep", 0755) != 0 ||
	    mkdirat(pfd, "prep/envseal", 0755) != 0)
		return -1;
	held[0] = openat(pfd, "prep", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	held[1] = openat(pfd, "prep/envseal", O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC);
	held[2] = openat(pfd, "prep/envseal/audit.jsonl", O_RDWR | O_CREAT |
	    O_EXCL | O_CLOEXEC, 0600);
	return held[0] < 0 || held[1] < 0 || held[2] < 0 ? -1 : pfd;
}

/* 1 swapped, 0 not yet (the name is absent), -1 denied. */
static int
exchange(int pfd, int parent, const char *name, long *denied)
{
	if (renameat2(pfd, "prep", parent, name, RENAME_EXCHANGE) == 0)
		return 1;
	if (errno == ENOENT)
		return 0;
	(*denied)++;
	return -1;
}

static void
report(int swapped, long tries, long denied, const int held[3])
{
	struct stat st;
	char buf[4096];
	long seen = 0;
	ssize_t n;
	int i, adopted = 0;

	for (i = 0; i < 3; i++)
		if (fstat(held[i], &st) == 0 && st.st_uid == 0)
			adopted++;
	while ((n = pread(held[2], buf, sizeof buf, seen)) > 0)
		seen += n;
	printf("swapped=%d tries=%ld denied=%ld adopted=%d seen=%ld\n",
	    swapped, tries, denied, adopted, seen);
	fflush(stdout);
}

int
main(int argc, char **argv)
{
	struct sigaction sa;
	char ev[DR_EVBUF] __attribute__((aligned(8)));
	const struct inotify_event *e;
	int held[3] = { -1, -1, -1 }, pfd, parent, in = -1, swapped = 0, spin;
	long tries = 0, denied = 0;
	ssize_t n;
	char *p;

	if (argc != 5 || (strcmp(argv[1], "inotify") && strcmp(argv[1], "spin"))) {
		fprintf(stderr, "usage: dirrace inotify|spin PARENT NAME PREPDIR\n");
		return 2;
	}
	spin = !strcmp(argv[1], "spin");
	/* Whatever happens to the test, never outlive it by much. */
	alarm(DR_LIFETIME);
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_term;    /* no SA_RESTART: read() returns EINTR */
	sigaction(SIGTERM, &sa, NULL);
	if ((pfd = prepare(argv[4], held)) < 0 ||
	    (parent = open(argv[2], O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		perror("dirrace: prepare");
		return 1;
	}
	if (!spin && ((in = inotify_init1(IN_CLOEXEC)) < 0 ||
	    inotify_add_watch(in, argv[2], IN_CREATE | IN_MOVED_TO) < 0)) {
		perror("dirrace: inotify");
		return 1;
	}
	printf("ready\n");
	fflush(stdout);
	while (!stop && !swapped) {
		if (spin) {
			tries++;
			swapped = exchange(pfd, parent, argv[3], &denied) == 1;
			continue;
		}
		if ((n = read(in, ev, sizeof ev)) <= 0)
			continue;
		for (p = ev; p < ev + n && !swapped;
		    p += sizeof *e + e->len) {
			e = (const struct inotify_event *)p;
			if (e->len == 0 || strcmp(e->name, argv[3]) != 0)
				continue;
			tries++;
			swapped = exchange(pfd, parent, argv[3], &denied) == 1;
		}
	}
	while (!stop)
		usleep(10000);
	report(swapped, tries, denied, held);
	return 0;
}
