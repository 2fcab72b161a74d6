/* SPDX-License-Identifier: GPL-2.0 */
/* sluice: prefix vectors and their normalisation. */
#ifndef SLUICE_PREFIX_H
#define SLUICE_PREFIX_H

#include <stddef.h>
#include "parse.h"

struct sl_pfx_vec {
	struct sl_pfx *v;
	size_t n;
	size_t cap;
};

int sl_pfx_vec_push(struct sl_pfx_vec *vec, const struct sl_pfx *p);
int sl_pfx_vec_append(struct sl_pfx_vec *vec, const struct sl_pfx *p, size_t n);
void sl_pfx_vec_free(struct sl_pfx_vec *vec);

/* Order: IPv4 before IPv6, then address, then prefix length, then class. */
int sl_pfx_cmp(const struct sl_pfx *a, const struct sl_pfx *b);

/*
 * One class's list: take out the exceptions (SL_PFX_NOMATCH entries: as in
 * ipset, an address whose longest matching entry is an exception is not in
 * the list), sort and drop exact duplicates. 0 or -ENOMEM.
 */
int sl_pfx_normalise(struct sl_pfx_vec *vec);

/*
 * The union of all classes: sort, and where the same exact prefix is in
 * several classes keep the one with the lowest class id (the class created
 * first). Longest-prefix-wins across different prefixes is the table's job.
 */
void sl_pfx_resolve(struct sl_pfx_vec *vec);

/*
 * Within the classes marked mergeable, drop prefixes that the nearest
 * enclosing prefix already gives to the same class, and join sibling
 * prefixes of a class into their parent, until nothing changes. Every
 * address keeps its class; lookups then report the merged prefixes. The
 * vector must be resolved (sorted, unique). Returns the prefixes removed.
 */
size_t sl_pfx_merge(struct sl_pfx_vec *vec, const bool *mergeable, size_t nclasses);

#endif
