/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sluice: the operations behind the commands, on an open state, shared by
 * the commands themselves and by `sluice apply`.
 */
#ifndef SLUICE_OPS_H
#define SLUICE_OPS_H

#include <stdbool.h>
#include "feed.h"
#include "state.h"

struct sl_class_spec {
	int policy;		   /* enum sl_policy */
	__u64 rate[SL_DIR_MAX];	   /* bit/s, 0: unlimited in that direction */
	__u64 burst;		   /* bytes, 0: the default for the rate */
};

/* Create or update class name; returns its id or -errno (reported). */
int sl_class_define(struct sl_ctx *ctx, const char *name, const struct sl_class_spec *spec,
		    bool *created, bool *changed);
bool sl_class_differs(struct sl_ctx *ctx, const char *name, const struct sl_class_spec *spec);
int sl_class_remove(struct sl_ctx *ctx, const char *name);

struct sl_batch;

struct sl_feed_args {
	struct sl_feed_opts fo;
	double max_invalid; /* percent of data lines */
	double max_churn;   /* percent of live entries; < 0: no limit */
	bool allow_empty;
	bool merge;	    /* merge covered and adjacent prefixes in the table */
	bool dry_run;
	bool force;
	bool quiet;	    /* no plan output (apply prints its own) */
	const char *cls;
	char **files;
	int nfiles;
	struct sl_batch *batch; /* NULL: swap the tables now; else add to it */
};

struct sl_feed_result {
	bool unchanged_sources; /* same bytes and options: nothing read */
	bool changes;		/* the prefixes differ */
	bool applied;
	size_t prefixes[2], added[2], removed[2]; /* [0] IPv4, [1] IPv6 */
};

void sl_feed_args_init(struct sl_feed_args *a);
/* Load (or with dry_run, plan) a class's feeds; prints the plan. */
int sl_feed_update(struct sl_ctx *ctx, const struct sl_feed_args *a, struct sl_feed_result *r);

#endif
