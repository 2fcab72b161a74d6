/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sluice: the feed pipeline, in stages:
 *
 *   read -> gate invalid lines -> normalise      sl_feed_prepare (no lock)
 *   -> plan and churn gate -> stage -> commit    sl_feed_update (the lock)
 *
 * Nothing prints: the result is a plan, or -errno with the reason recorded
 * (diag.h).
 */
#ifndef SLUICE_PIPELINE_H
#define SLUICE_PIPELINE_H

#include <stdbool.h>
#include "feed.h"
#include "source.h"
#include "state.h"
#include "table.h"

struct sl_feed_args {
	struct sl_feed_opts fo;
	double max_invalid; /* percent of data lines */
	double max_churn;   /* percent of live entries; < 0: no limit */
	bool allow_empty;
	bool merge;	    /* merge covered and adjacent prefixes in the table */
	bool dry_run;
	bool force;
	const char *cls;
	char **files;
	int nfiles;
	struct sl_batch *batch; /* NULL: swap the tables now; else add to it */
	const char *where;	/* "FILE:LINE" of a config's class, NULL on the command line */
};

void sl_feed_args_init(struct sl_feed_args *a);

/* What a class's feeds hold, read and normalised (sl_feed_prepare). */
struct sl_feed_input {
	struct sl_source src[SL_MAX_SOURCES];
	struct sl_src fd[SL_MAX_SOURCES]; /* open until parsed */
	int nopen;
	bool hashed;	      /* every source hashed (not standard input) */
	__u64 hash;	      /* over the sources and options, when hashed */
	bool parsed;	      /* vec and st hold the sources' prefixes */
	__u64 read_ns, parse_ns, normalise_ns; /* what each stage took */
	struct sl_pfx_vec vec; /* normalised */
	struct sl_feed_stats st;
};

void sl_feed_input_free(struct sl_feed_input *in);

/* The plan of a load, and whether it went live. */
struct sl_plan {
	bool unchanged_sources; /* same bytes and options: nothing read */
	bool changes;		/* the prefixes (or merging) differ */
	bool applied;
	size_t prefixes[2], added[2], removed[2]; /* [0] IPv4, [1] IPv6 */
	double addr_added[2], addr_removed[2];
	struct sl_feed_stats st;
	struct sl_stage_ns {
		__u64 read, parse, normalise, plan, build, swap; /* make bench-feeds */
	} ns;
};

/*
 * Read, gate and normalise a class's feeds. With ctx (an open state, no
 * lock needed) sources whose bytes and options are those the class last
 * loaded are not parsed.
 */
int sl_feed_prepare(struct sl_ctx *ctx, const struct sl_feed_args *a, struct sl_feed_input *in);

/*
 * The same, with the reads of RIR delegated files kept in cache for the
 * next class that selects other countries of the same bytes (apply).
 */
struct sl_feed_cache_entry;
struct sl_feed_cache {
	size_t n;
	struct sl_feed_cache_entry *e;
};

int sl_feed_prepare_cached(struct sl_ctx *ctx, const struct sl_feed_args *a,
			   struct sl_feed_input *in, struct sl_feed_cache *cache);
void sl_feed_cache_free(struct sl_feed_cache *c);

/*
 * Plan the change against the class's live list, gate its churn, and with
 * a->dry_run stop there; else stage it in a->batch (or a batch of its own,
 * committed now). Takes in's prefixes. Needs the lock unless dry_run.
 */
int sl_feed_update(struct sl_ctx *ctx, const struct sl_feed_args *a, struct sl_feed_input *in,
		   struct sl_plan *p);

/*
 * Put back the class's previous list and its provenance, as one more
 * commit (the list it replaces becomes the previous one). Needs the lock.
 */
int sl_feed_rollback(struct sl_ctx *ctx, const char *cls, struct sl_plan *p);

/* sl_feed_prepare and sl_feed_update in one. */
int sl_feed_load(struct sl_ctx *ctx, const struct sl_feed_args *a, struct sl_plan *p);

#endif
