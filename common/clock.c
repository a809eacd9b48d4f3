/*
 * common/clock.c — the one monotonic clock every bounded wait reads
 * (the worker's deadline, lock waits, key scripts, systemd-analyze).
 */
#include "common/envseal.h"

#include <time.h>

int64_t
es_now_ms(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
		BUG("CLOCK_MONOTONIC unavailable");
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
