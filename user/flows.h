/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sluice: the per host and per flow state of police classes (sl_flows):
 * read it, summarise it per class, and clear a class's entries.
 */
#ifndef SLUICE_FLOWS_H
#define SLUICE_FLOWS_H

#include "state.h"

/* One entry of sl_flows. */
struct sl_flow_entry {
	struct sl_flow_key k;
	struct sl_flow v;
};

struct sl_flow_vec {
	struct sl_flow_entry *e;
	size_t n;
};

/*
 * Every entry, read with batch lookups, handed to cb a batch at a time (a
 * snapshot: packets keep coming). cb returns 0 or -errno to stop.
 */
typedef int (*sl_flow_cb)(const struct sl_flow_entry *e, size_t n, void *arg);
int sl_flows_walk(struct sl_ctx *ctx, sl_flow_cb cb, void *arg);
/* The entries of class_id (-1: all) into v. */
int sl_flows_read(struct sl_ctx *ctx, int class_id, struct sl_flow_vec *v);
void sl_flows_free(struct sl_flow_vec *v);

/* Is entry e active: seen within its class's idle time of now (monotonic ns)? */
bool sl_flow_active(const struct sl_flow_entry *e, const struct sl_class *cl, __u64 now);

/* A flow or host with both its directions (the listing's rows). */
struct sl_flow_row {
	struct sl_flow_key k; /* dir 0 */
	__u64 first_ns, seen_ns;
	__u32 origin;
	__u64 packets[SL_DIR_MAX][SL_VERDICT_MAX];
	__u64 bytes[SL_DIR_MAX][SL_VERDICT_MAX];
};

enum sl_flow_sort {
	SL_FLOW_SORT_BYTES,
	SL_FLOW_SORT_DROPS,
	SL_FLOW_SORT_PACKETS,
	SL_FLOW_SORT_MAX,
};

/*
 * The active flows and hosts of class_id (-1: every class) in cs, one row
 * per key with both directions merged, sorted by how (largest first).
 * *rows is malloc'ed; returns how many, or -errno.
 */
int sl_flow_rows(struct sl_ctx *ctx, const struct sl_classes *cs, int class_id,
		 enum sl_flow_sort how, struct sl_flow_row **rows);

/* Per class: the flows or hosts active now, and the entries evicted. */
struct sl_flow_class {
	__u64 active;
	__u64 evictions;
};

/*
 * out[id] for every class id below cs->max (max entries). Evictions are
 * the entries the datapath created minus those still in the table, read in
 * that order, so a scrape never counts more than were evicted by its end.
 */
int sl_flows_per_class(struct sl_ctx *ctx, const struct sl_classes *cs,
		       struct sl_flow_class *out);

/* Delete every entry of class id and zero its creation counters. */
int sl_flows_purge(struct sl_ctx *ctx, __u32 id);
/* Start every bucket of the class's entries full (its rate or burst changed). */
int sl_flows_refill(struct sl_ctx *ctx, __u32 id);

/* Kernel memory of the flow table (its fdinfo memlock), or 0. */
__u64 sl_flows_memory(struct sl_ctx *ctx);


#endif
