/* tests/service/app.c — the stand-in service of the container test: it
 * only waits, so that its /proc/PID/environ is what systemd gave it. */
#include <unistd.h>

int
main(void)
{
	for (;;)
		pause();
}
