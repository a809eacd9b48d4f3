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

#endif
