/*
 * render/sort.c — a stable merge sort of index arrays for the worker
 * (see render_int.h for why not qsort).
 */
#include "render/render_int.h"

#include <errno.h>
#include <stdint.h>
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

/* The first eight bytes of s (fewer: padded with zeros) as a big-endian
 * number: comparing two is comparing the names' first eight bytes as
 * strcmp does (unsigned, a shorter name first). */
static uint64_t
name_prefix(const char *s)
{
	uint64_t k = 0;
	size_t b;

	for (b = 0; b < 8 && s[b] != '\0'; b++)
		k = k << 8 | (unsigned char)s[b];
	for (; b < 8; b++)
		k <<= 8;
	return k;
}

/* strcmp(strv[a], strv[b]), from the prefixes, and strcmp past them only
 * when they are equal and neither name ended inside them. */
static int
name_cmp(size_t a, size_t b, const uint64_t *pre, char *const *strv)
{
	if (pre[a] != pre[b])
		return pre[a] < pre[b] ? -1 : 1;
	if ((pre[a] & 0xff) == 0)
		return 0;   /* both end within the same eight bytes */
	return strcmp(strv[a] + 8, strv[b] + 8);
}

int
render_sort_names(size_t *idx, size_t n, char *const *strv)
{
	size_t *tmp, *src = idx, *dst, *t, w, lo, mid, hi, i, j, k;
	uint64_t *pre;

	for (i = 0; i < n; i++)
		idx[i] = i;
	if (n < 2)
		return 0;
	tmp = malloc(n * sizeof *tmp);
	pre = malloc(n * sizeof *pre);
	if (tmp == NULL || pre == NULL) {
		free(tmp);
		free(pre);
		return -ENOMEM;
	}
	for (i = 0; i < n; i++)
		pre[i] = name_prefix(strv[i]);
	dst = tmp;
	for (w = 1; w < n; w *= 2) {
		for (lo = 0; lo < n; lo += 2 * w) {
			mid = lo + w < n ? lo + w : n;
			hi = lo + 2 * w < n ? lo + 2 * w : n;
			/* A run already in order: one comparison (merge()). */
			if (mid < hi &&
			    name_cmp(src[mid], src[mid - 1], pre, strv) >= 0) {
				memcpy(dst + lo, src + lo, (hi - lo) * sizeof *dst);
				continue;
			}
			i = lo;
			j = mid;
			k = lo;
			while (i < mid && j < hi)
				dst[k++] = name_cmp(src[j], src[i], pre, strv) < 0 ?
				    src[j++] : src[i++];
			while (i < mid)
				dst[k++] = src[i++];
			while (j < hi)
				dst[k++] = src[j++];
		}
		t = src;
		src = dst;
		dst = t;
	}
	if (src != idx)
		memcpy(idx, src, n * sizeof *idx);
	free(tmp);
	free(pre);
	return 0;
}
