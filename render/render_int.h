/*
 * render/render_int.h — helpers shared inside render/ only.
 */
#ifndef ENVSEAL_RENDER_INT_H
#define ENVSEAL_RENDER_INT_H

#include <stddef.h>

/*
 * Stable sort of an index array with cmp(a, b, ctx). Not qsort(): glibc's
 * qsort asks sysinfo() for the memory size on large arrays, a syscall the
 * worker's filter does not allow. Bottom-up merge sort, O(n log n),
 * -ENOMEM when the scratch array cannot be had.
 */
int render_sort(size_t *idx, size_t n,
    int (*cmp)(size_t a, size_t b, const void *ctx), const void *ctx);
/*
 * idx[0..n-1] := 0..n-1 sorted by strcmp() of strv[0..n-1], stably:
 * each name's first eight bytes are taken once as a big-endian number,
 * so most comparisons are one of two integers in a compact array and
 * strcmp() is called only on ties (names sharing eight bytes). The order
 * is exactly strcmp's, stable; -ENOMEM as render_sort.
 */
int render_sort_names(size_t *idx, size_t n, char *const *strv);

#endif
