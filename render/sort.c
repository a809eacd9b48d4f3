/*
 * render/sort.c — a stable merge sort of index arrays for the worker
 * (see render_int.h for why not qsort).
 */
#include "render/render_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static void
merge(const size_t *src, size_t *dst, size_t lo, size_t mid, size_t hi,
    int (*cmp)(size_t, size_t, const void *), const void *ctx)
{
	size_t i = lo, j = mid, k = lo;

	/* Runs already in order (names from a generated or sorted vault,
	 * an env file we wrote): one comparison and a copy, so sorted input
	 * costs n comparisons, not n log n. Stable: equal keys keep order. */
	if (mid < hi && cmp(src[mid], src[mid - 1], ctx) >= 0) {
		memcpy(dst + lo, src + lo, (hi - lo) * sizeof *dst);
		return;
	}
	while (i < mid && j < hi)
		dst[k++] = cmp(src[j], src[i], ctx) < 0 ? src[j++] : src[i++];
	while (i < mid)
		dst[k++] = src[i++];
	while (j < hi)
		dst[k++] = src[j++];
}

int
render_sort(size_t *idx, size_t n,
    int (*cmp)(size_t a, size_t b, const void *ctx), const void *ctx)
{
	size_t *tmp, *src = idx, *dst, *t, w, lo, mid, hi;

	if (n < 2)
		return 0;
	if ((tmp = malloc(n * sizeof *tmp)) == NULL)
		return -ENOMEM;
	dst = tmp;
	for (w = 1; w < n; w *= 2) {
		for (lo = 0; lo < n; lo += 2 * w) {
			mid = lo + w < n ? lo + w : n;
			hi = lo + 2 * w < n ? lo + 2 * w : n;
			merge(src, dst, lo, mid, hi, cmp, ctx);
		}
		t = src;
		src = dst;
		dst = t;
	}
	if (src != idx)
		memcpy(idx, src, n * sizeof *idx);
	free(tmp);
	return 0;
}
