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

int sl_pfx_cmp(const struct sl_pfx *a, const struct sl_pfx *b)
{
	int r;

	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	r = memcmp(a->addr, b->addr, a->family == 4 ? 4 : 16);
	if (r)
		return r;
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

static void sort_unique(struct sl_pfx_vec *vec)
{
	size_t i, out = 0;

	if (vec->n < 2)
		return;
	qsort(vec->v, vec->n, sizeof(*vec->v), cmp_qsort);
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
