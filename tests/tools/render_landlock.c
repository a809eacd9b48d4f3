/*
 * tests/tools/render_landlock.c — confines itself exactly as the render
 * writer does (es_sandbox_writer) under ROOT with the writable directories
 * given, then tries a few things and prints one line each:
 *	create <path>: ok|EACCES|...
 *	exec: killed|ran        socket: EPERM|ok
 * usage: render_landlock ROOT DIR... -- PATH...   (PATHs are host paths)
 */
#include "sandbox/sandbox.h"
#include "common/envseal.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *
err_name(int e)
{
	switch (e) {
	case 0: return "ok";
	case EACCES: return "EACCES";
	case EPERM: return "EPERM";
	case ENOENT: return "ENOENT";
	default: return strerror(e);
	}
}

int
main(int argc, char **argv)
{
	const char *dirs[64];
	size_t n = 0;
	int i, rootfd, fd, nol = 0, st, r;
	pid_t pid;

	if (argc < 3)
		return 2;
	if ((rootfd = open(argv[1], O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
		return 2;
	for (i = 2; i < argc && strcmp(argv[i], "--") && n < 64; i++)
		dirs[n++] = argv[i];
	if ((r = es_sandbox_writer(rootfd, dirs, n, &nol)) != 0) {
		printf("confine: failed: %s\n", es_errdetail());
		return 1;
	}
	printf("landlock: %s (ABI %d)\n", nol ? "absent" : "on",
	    es_landlock_abi());
	for (i++; i < argc; i++) {
		fd = open(argv[i], O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
		    0600);
		printf("create %s: %s\n", argv[i], err_name(fd < 0 ? errno :
		    0));
		if (fd >= 0)
			close(fd);
	}
	fd = socket(AF_INET, SOCK_STREAM, 0);
	printf("socket: %s\n", err_name(fd < 0 ? errno : 0));
	fflush(stdout);
	if ((pid = fork()) == 0) {
		execl("/bin/true", "true", (char *)NULL);
		_exit(126);
	}
	waitpid(pid, &st, 0);
	printf("exec: %s\n", WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS ?
	    "killed" : "ran");
	return 0;
}
