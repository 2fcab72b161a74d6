// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "prefix.h"

int sl_pfx_vec_append(struct sl_pfx_vec *vec, const struct sl_pfx *p, size_t n)
{
	if (vec->n + n > vec->cap) {
		size_t cap = vec->cap ? vec->cap : 1024;
		struct sl_pfx *v;

		while (cap < vec->n + n)
			cap *= 2;
		v = realloc(vec->v, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		vec->v = v;
		vec->cap = cap;
	}
	if (n)
		memcpy(vec->v + vec->n, p, n * sizeof(*p));
	vec->n += n;
	return 0;
}

int sl_pfx_vec_push(struct sl_pfx_vec *vec, const struct sl_pfx *p)
{
	return sl_pfx_vec_append(vec, p, 1);
}

void sl_pfx_vec_free(struct sl_pfx_vec *vec)
{
	free(vec->v);
	memset(vec, 0, sizeof(*vec));
}

static inline __u64 be64_at(const __u8 *p)
{
	__u64 v;

	memcpy(&v, p, sizeof(v));
	return __builtin_bswap64(v);
}

int sl_pfx_cmp(const struct sl_pfx *a, const struct sl_pfx *b)
{
	__u64 x, y;

	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	x = be64_at(a->addr);
	y = be64_at(b->addr);
	if (x == y && a->family == 6) {
		x = be64_at(a->addr + 8);
		y = be64_at(b->addr + 8);
	}
	if (x != y)
		return x < y ? -1 : 1;
	if (a->plen != b->plen)
		return a->plen < b->plen ? -1 : 1;
	if (a->class_id != b->class_id)
		return a->class_id < b->class_id ? -1 : 1;
	return 0;
}

static int cmp_qsort(const void *a, const void *b)
{
	return sl_pfx_cmp(a, b);
}

static bool same_prefix(const struct sl_pfx *a, const struct sl_pfx *b)
{
	return a->family == b->family && a->plen == b->plen &&
	       !memcmp(a->addr, b->addr, a->family == 4 ? 4 : 16);
}

/*
 * Sort by merging the sorted runs already in the vector: the union of
 * classes is a concatenation of sorted lists, so this is O(n log runs), and
 * a fresh feed (one run per element at worst) falls back to qsort.
 */
static void sort_runs(struct sl_pfx_vec *vec)
{
	struct sl_pfx *a = vec->v, *tmp;
	size_t n = vec->n, runs = 1, i, width;
	size_t *starts;

	for (i = 1; i < n; i++)
		runs += sl_pfx_cmp(&a[i - 1], &a[i]) > 0;
	if (runs == 1)
		return;
	tmp = malloc(n * sizeof(*a));
	starts = malloc((runs + 1) * sizeof(*starts));
	if (!tmp || !starts || runs > n / 8) {
		free(tmp);
		free(starts);
		qsort(a, n, sizeof(*a), cmp_qsort);
		return;
	}
	starts[0] = 0;
	for (i = 1, runs = 1; i < n; i++)
		if (sl_pfx_cmp(&a[i - 1], &a[i]) > 0)
			starts[runs++] = i;
	starts[runs] = n;
	for (width = 1; width < runs; width *= 2) {
		size_t r, o = 0;

		for (r = 0; r < runs; r += 2 * width) {
			size_t lo = starts[r], mid = starts[r + width < runs ? r + width : runs];
			size_t hi = starts[r + 2 * width < runs ? r + 2 * width : runs];
			size_t x = lo, y = mid;

			while (x < mid && y < hi)
				tmp[o++] = sl_pfx_cmp(&a[y], &a[x]) < 0 ? a[y++] : a[x++];
			while (x < mid)
				tmp[o++] = a[x++];
			while (y < hi)
				tmp[o++] = a[y++];
		}
		memcpy(a, tmp, n * sizeof(*a));
	}
	free(tmp);
	free(starts);
}

static void sort_unique(struct sl_pfx_vec *vec)
{
	size_t i, out = 0;

	if (vec->n < 2)
		return;
	sort_runs(vec);
	for (i = 1; i < vec->n; i++) {
		if (!same_prefix(&vec->v[out], &vec->v[i]))
			vec->v[++out] = vec->v[i];
	}
	vec->n = out + 1;
}

void sl_pfx_normalise(struct sl_pfx_vec *vec)
{
	size_t i;

	for (i = 0; i < vec->n; i++)
		memset(&vec->v[i].pad, 0, sizeof(vec->v[i].pad));
	sort_unique(vec);
}

void sl_pfx_resolve(struct sl_pfx_vec *vec)
{
	/* Sorting puts the lowest class id first among equal prefixes. */
	sort_unique(vec);
}
