/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sluice: the commit record. A change to the tables is staged (the new
 * tables pinned as staged_v4 / staged_v6, each changed class's new list as
 * feeds/c<ID>_new), then committed by ONE record: the journal, pinned
 * under a temporary name and renamed into place. From then on it is applied
 * (swap, stored lists, class records, the state record) from the pins
 * alone, so that a process killed at any point leaves either nothing
 * committed (the next writer removes the staging) or a journal that the
 * next command of any kind completes before it does anything else.
 */
#ifndef SLUICE_JOURNAL_H
#define SLUICE_JOURNAL_H

#include <stdbool.h>
#include "state.h"

/* One class's part of a commit. */
struct sl_journal_item {
	__u32 id;
	__u32 flags;	  /* the class's flags once committed */
	__u32 unchanged;  /* the same prefixes: the stored list stays */
	__u32 sources;	  /* the provenance below replaces the class's */
	__u32 list_n;	  /* prefixes in the new list */
	__u32 nsrc;
	__u64 src_hash;
	struct sl_source src[SL_MAX_SOURCES];
};

struct sl_commit {
	bool table[2];	     /* [0] IPv4, [1] IPv6: a staged table to swap in */
	__u32 n_v4, n_v6;    /* prefixes in the new tables */
	__u64 bytes[2];
	size_t n;
	struct sl_journal_item *items;
};

/* Pin paths of a class's lists: "c" (live), "c_new" (staged), "p" (previous), "p_src". */
void sl_store_path(char *buf, size_t len, struct sl_ctx *ctx, const char *kind, __u32 id);

/*
 * Commit what is staged (tables pinned with sl_journal_stage_table, lists
 * as c_new): write the journal, then apply it. On error before the journal
 * is in place nothing live has changed and the staging is removed.
 */
int sl_journal_stage_table(struct sl_ctx *ctx, int family, int fd);
int sl_journal_commit(struct sl_ctx *ctx, const struct sl_commit *c);

/*
 * What a killed command left: complete a committed journal, or remove an
 * uncommitted staging (tables and lists). Needs the lock. 0 or -errno.
 */
int sl_journal_recover(struct sl_ctx *ctx);
/* Is there a journal or staging that sl_journal_recover must see to? */
bool sl_journal_pending(struct sl_ctx *ctx);

/*
 * Open the state for a command (state.h's sl_state_open), then complete or
 * undo what an interrupted command left: writers (SL_OPEN_LOCK) always,
 * readers when a journal or staging is there (they wait for the lock).
 */
int sl_open(struct sl_ctx *ctx, unsigned int flags, const struct sl_sizes *sizes);
/* sl_ctx_init and sl_open for a command on a loaded state (-ENOENT said). */
int sl_open_existing(struct sl_ctx *ctx, unsigned int flags);
/* Take the lock of an open state (after reading feeds), recover, read it afresh. */
int sl_lock(struct sl_ctx *ctx);

/* The previous list of a class, and its provenance (feed rollback). */
struct sl_prev_src {
	__u64 src_hash;
	__u64 load_time;
	__u32 nsrc;
	__u32 flags;
	struct sl_source src[SL_MAX_SOURCES];
};

int sl_prev_read(struct sl_ctx *ctx, __u32 id, struct sl_prev_src *ps);
/* Forget a class's previous list (class deleted, or a slot reused). */
void sl_prev_drop(struct sl_ctx *ctx, __u32 id);

#endif
