/*
 * bench/fs_bare.c — in-process timing of one file write, built and run by
 * bench/fs.sh. Three cases, each reporting the median, min and max of N
 * iterations in microseconds (bare and replace interleaved, so both see
 * the same disk and load):
 *
 *   bare       open(tmp, O_CREAT|O_EXCL) write fsync rename open(dir)
 *              fsync(dir) close: the physical limit of a durable replace
 *   replace    es_write_file with content that differs every iteration
 *   unchanged  es_write_file with the content already there
 *
 * usage: fs_bare ROOT N SIZE [bare]  (ROOT gets /etc/bench/{bare,layer}.env)
 * With "bare", only the bare loop runs, silently: one process of it is
 * the baseline for the whole-process comparison.
 */
#include "common/envseal.h"
#include "fs/fs.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static double
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int
cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double
report(const char *name, double *t, int n)
{
	qsort(t, (size_t)n, sizeof *t, cmp);
	printf("%-10s median %8.1f us  min %8.1f  max %8.1f  (n=%d)\n", name,
	    t[n / 2], t[0], t[n - 1], n);
	return t[n / 2];
}

static int bare_once(const char *, const char *, const char *,
    const char *, size_t);

/* One bare write, timed into *t. */
static int
bare_time(const char *dir, const char *tmp, const char *dst,
    const char *buf, size_t len, double *t)
{
	double t0 = now_us();

	if (bare_once(dir, tmp, dst, buf, len) != 0)
		return -1;
	*t = now_us() - t0;
	return 0;
}

static int
bare_once(const char *dir, const char *tmp, const char *dst,
    const char *buf, size_t len)
{
	int fd, dfd;

	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, buf, len) != (ssize_t)len || fsync(fd) != 0)
		return -1;
	close(fd);
	if (rename(tmp, dst) != 0)
		return -1;
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || fsync(dfd) != 0)
		return -1;
	close(dfd);
	return 0;
}

int
main(int argc, char **argv)
{
	char dir[4096], tmp[4200], dst[4200];
	struct es_root *root;
	struct es_file_spec spec;
	enum es_action act;
	double *t, *t2, t0, mb, mr, mu;
	char *buf;
	size_t size;
	int i, n;

	if (argc != 4 && argc != 5)
		return fprintf(stderr, "usage: fs_bare ROOT N SIZE [bare]\n"), 2;
	n = atoi(argv[2]);
	size = (size_t)atol(argv[3]);
	if (n < 1 || size < 1 || (t = calloc((size_t)n, sizeof *t)) == NULL ||
	    (t2 = calloc((size_t)n, sizeof *t2)) == NULL ||
	    (buf = malloc(size)) == NULL)
		return 2;
	memset(buf, 'x', size);
	snprintf(dir, sizeof dir, "%s/etc/bench", argv[1]);
	snprintf(tmp, sizeof tmp, "%s/.bare.tmp", dir);
	snprintf(dst, sizeof dst, "%s/bare.env", dir);
	if (argc == 5) {
		for (i = 0; i < n; i++)
			if (bare_once(dir, tmp, dst, buf, size) != 0)
				return perror("bare"), 1;
		return 0;
	}
	if (es_root_open(&root, argv[1], 0) != 0)
		return fprintf(stderr, "root: %s\n", es_errdetail()), 1;
	memset(&spec, 0, sizeof spec);
	spec.path = "/etc/bench/layer.env";
	spec.mode = 0600;
	spec.data = buf;
	spec.len = size;
	spec.flags = ES_W_TRUSTED;
	/* Bare and layer interleaved, alternating which goes first, so both
	 * see the same disk and load (fsync latency drifts over a run). */
	for (i = 0; i < n; i++) {
		buf[0] = (char)('a' + i % 26);
		if (i % 2 == 0 && bare_time(dir, tmp, dst, buf, size, &t[i]))
			return perror("bare"), 1;
		t0 = now_us();
		if (es_write_file(root, &spec, &act) != 0 ||
		    (act != ES_ACT_REPLACED && act != ES_ACT_CREATED))
			return fprintf(stderr, "replace: %s\n",
			    es_errdetail()), 1;
		t2[i] = now_us() - t0;
		if (i % 2 == 1 && bare_time(dir, tmp, dst, buf, size, &t[i]))
			return perror("bare"), 1;
	}
	mb = report("bare", t, n);
	mr = report("replace", t2, n);
	for (i = 0; i < n; i++) {
		t0 = now_us();
		if (es_write_file(root, &spec, &act) != 0 ||
		    act != ES_ACT_UNCHANGED)
			return fprintf(stderr, "unchanged: %s\n",
			    es_errdetail()), 1;
		t[i] = now_us() - t0;
	}
	mu = report("unchanged", t, n);
	printf("ratio to bare: replace x%.2f, unchanged x%.2f\n", mr / mb,
	    mu / mb);
	es_root_close(root);
	free(buf);
	free(t);
	free(t2);
	return 0;
}
