/*
 * tests/unit/t.h — the unit-test harness: each check prints "ok NAME" or
 * "not ok NAME (file:line)"; t_done() returns the exit status. A test
 * binary that crashes is counted as failed by tests/run.sh.
 */
#ifndef ENVSEAL_T_H
#define ENVSEAL_T_H

#include <stdio.h>

static int t_failed;

#define T_CHECK(name, cond) t_report(!!(cond), (name), __FILE__, __LINE__)
#define T_SKIP(name, reason) printf("skip %s: %s\n", (name), (reason))

static inline void
t_report(int okay, const char *name, const char *file, int line)
{
	if (okay) {
		printf("ok %s\n", name);
	} else {
		printf("not ok %s (%s:%d)\n", name, file, line);
		t_failed++;
	}
	fflush(stdout);
}

static inline int
t_done(void)
{
	return t_failed ? 1 : 0;
}

#endif
