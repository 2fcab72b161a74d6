/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SLUICE_TABLE_H
#define SLUICE_TABLE_H

#include "prefix.h"
#include "state.h"

/* Append the stored list of class id to out (none: an empty list). */
int sl_store_read(struct sl_ctx *ctx, __u32 id, struct sl_pfx_vec *out);
/* The live list of class id mapped read-only, without a copy; empty: none. */
int sl_store_view(struct sl_ctx *ctx, __u32 id, struct sl_pfx_vec *view);
void sl_store_unview(struct sl_pfx_vec *view);
/* The prefixes in the stored list of class id: [0] IPv4, [1] IPv6. */
int sl_store_counts(struct sl_ctx *ctx, __u32 id, __u32 count[2]);
/* The same for a kind of list: "c" (live) or "p" (the previous one, journal.h). */
int sl_store_read_kind(struct sl_ctx *ctx, const char *kind, __u32 id, struct sl_pfx_vec *out);
int sl_store_counts_kind(struct sl_ctx *ctx, const char *kind, __u32 id, __u32 count[2]);

/*
 * A batch of new prefix lists for classes, built into one table generation
 * and swapped in together: `sluice apply` loads any number of feeds with one
 * build and one swap per address family.
 */
struct sl_batch_item {
	__u32 id;
	__u32 flags;		/* the class's flags once committed (SL_CLASS_MERGE) */
	struct sl_pfx_vec list; /* normalised; owned by the batch */
	bool unchanged;		/* the same prefixes: only the provenance changes */
	bool sources;		/* the provenance below replaces the class's */
	__u64 src_hash;
	__u32 nsrc;
	struct sl_source src[SL_MAX_SOURCES];
};

struct sl_batch {
	struct sl_batch_item *items;
	size_t n, cap;
	__u64 build_ns, swap_ns; /* what sl_batch_commit took: the tables, the commit */
};

/* The (zeroed) item of class id, added if new; NULL when out of memory. */
struct sl_batch_item *sl_batch_item(struct sl_batch *b, __u32 id);
/*
 * Rebuild the live tables with the batch's lists in place of the classes'
 * stored ones and commit them with the class records (journal.h): on an
 * error or a kill before the commit point nothing live has changed; after
 * it, the change completes (now, or in the next sluice command). The
 * items' lists are used up (stored, then taken over for the tables): only
 * sl_batch_free() is left to call.
 */
int sl_batch_commit(struct sl_ctx *ctx, struct sl_batch *b);
void sl_batch_free(struct sl_batch *b);

/* A batch of one: list becomes the prefixes of class id, now. */
int sl_tables_replace(struct sl_ctx *ctx, __u32 id, const struct sl_pfx *list, size_t n);

#endif
