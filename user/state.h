/* SPDX-License-Identifier: GPL-2.0 */
/* sluice: the pinned state under <bpffs>/sluice that every command shares. */
#ifndef SLUICE_STATE_H
#define SLUICE_STATE_H

#include <limits.h>
#include <stdbool.h>
#include <linux/types.h>
#include "sluice.h"

enum sl_prog {
	SL_PROG_XDP_SRC,
	SL_PROG_XDP_DST,
	SL_PROG_TCI_SRC,
	SL_PROG_TCI_DST,
	SL_PROG_TCE_SRC,
	SL_PROG_TCE_DST,
	SL_PROG_PROBE,
	SL_PROG_MAX,
};

extern const char *const sl_prog_names[SL_PROG_MAX];

/* Sizes given when the state is created (attach options, [global]). */
struct sl_sizes {
	__u32 max_classes;
	__u32 v4_entries;
	__u32 v6_entries;
	__u32 max_flows; /* entries of the flow and host table; 0: the default */
};

/* Longest bpffs path accepted (pins go below it). */
#define SL_DIR_LEN 512

struct sl_ctx {
	char bpffs[SL_DIR_LEN]; /* the bpffs mount, default /sys/fs/bpf */
	char dir[SL_DIR_LEN + 8]; /* <bpffs>/sluice */
	int lock_fd;
	int classes_fd, buckets_fd, stats_fd, misc_fd, v4_fd, v6_fd, state_fd, attach_fd;
	int sources_fd, ifb_fd, flows_fd, flowcnt_fd, present_fd;
	int prog_fd[SL_PROG_MAX];
	struct sl_state st;
	int ncpus;
};

#define SL_OPEN_CREATE (1u << 0) /* load and pin the programs if not there */
#define SL_OPEN_LOCK (1u << 1)	 /* serialise with other changing commands */

/* --bpffs (main sets it), else $SLUICE_BPFFS, else /sys/fs/bpf. */
extern const char *sl_bpffs_opt;
/* Defaults: bpffs NULL takes sl_bpffs_opt, $SLUICE_BPFFS, then /sys/fs/bpf. */
void sl_ctx_init(struct sl_ctx *ctx, const char *bpffs);
/*
 * Open the pinned state; with SL_OPEN_CREATE load and pin it first when
 * absent. Returns 0, -ENOENT when nothing is loaded, or another -errno
 * (with its reason recorded, diag.h). Commands use sl_open() (journal.h),
 * which also completes what an interrupted command left.
 */
int sl_state_open(struct sl_ctx *ctx, unsigned int flags, const struct sl_sizes *sizes);
/*
 * Take the exclusive lock (once): a flock on <bpffs>/sluice_lock, a
 * directory root owns with mode 0700, waiting at most sl_lock_wait seconds
 * (--wait; default SL_LOCK_WAIT) before failing with -ETIMEDOUT.
 */
#define SL_LOCK_WAIT 60
extern unsigned int sl_lock_wait;
int sl_state_lock(struct sl_ctx *ctx);
void sl_close(struct sl_ctx *ctx);
bool sl_loaded(struct sl_ctx *ctx);
/* Remove every pin (after the attachments are gone). */
int sl_unload(struct sl_ctx *ctx);

int sl_state_read(struct sl_ctx *ctx);
int sl_state_write(struct sl_ctx *ctx);
/*
 * The table sizes are soft caps (tables are built to their content): set
 * them on a live state. max_classes sizes the maps and stays until the
 * state is made again. Needs the lock.
 */
int sl_set_caps(struct sl_ctx *ctx, __u32 v4, __u32 v6, bool *changed);

/* Classes: one slot each in sl_classes. */
int sl_class_get(struct sl_ctx *ctx, __u32 id, struct sl_class *c);
int sl_class_put(struct sl_ctx *ctx, __u32 id, const struct sl_class *c);

/*
 * Every class slot, read with one batch lookup: the one walk over classes.
 * sl_for_each_class visits the slots in use, in id order.
 */
struct sl_classes {
	__u32 max;
	struct sl_class *slot; /* max slots, by id */
};

int sl_classes_read(struct sl_ctx *ctx, struct sl_classes *cs);
void sl_classes_free(struct sl_classes *cs);
/* The first class in use with an id of at least from, or -1. */
int sl_classes_next(const struct sl_classes *cs, __u32 from);
/* The id of the class called name, or -ENOENT. */
int sl_classes_find(const struct sl_classes *cs, const char *name);
/* The first unused id above the default class, or -ENOSPC. */
int sl_classes_free_id(const struct sl_classes *cs);
int sl_classes_used(const struct sl_classes *cs);

#define sl_for_each_class(cs, id) \
	for ((id) = sl_classes_next((cs), 0); (id) >= 0; (id) = sl_classes_next((cs), (id) + 1))

/* Returns the id of the class called name (its record in *c), or -errno. */
int sl_class_find(struct sl_ctx *ctx, const char *name, struct sl_class *c);

/*
 * Per-CPU counters summed over the CPUs: one key, or keys 0..n-1 with one
 * batch lookup.
 */
int sl_counters_read(struct sl_ctx *ctx, int fd, __u32 key, struct sl_counters *out);
int sl_counters_read_all(struct sl_ctx *ctx, int fd, __u32 n, struct sl_counters *out);
int sl_counters_reset(struct sl_ctx *ctx, int fd, __u32 key);

/* Fold the drops of every reason into SL_DROP, for views of two verdicts. */
static inline void sl_counters_fold(struct sl_counters *c, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		c[i].packets[SL_DROP] += c[i].packets[SL_CNT_DROP_POLICE];
		c[i].bytes[SL_DROP] += c[i].bytes[SL_CNT_DROP_POLICE];
		c[i].packets[SL_CNT_DROP_POLICE] = c[i].bytes[SL_CNT_DROP_POLICE] = 0;
	}
}

/* The kernel memory of a map (its fdinfo's memlock), in bytes; 0 when unknown. */
__u64 sl_map_memory(int fd);

/* The attach registry: one record per attachment (sl_attach). */
int sl_attach_get(struct sl_ctx *ctx, __u32 ifindex, enum sl_hook hook, struct sl_attach_val *v);
int sl_attach_put(struct sl_ctx *ctx, const struct sl_attach_key *k,
		  const struct sl_attach_val *v);
int sl_attach_del(struct sl_ctx *ctx, const struct sl_attach_key *k);
/* Every record (at most max); returns how many. */
int sl_attach_list(struct sl_ctx *ctx, struct sl_attach_key *keys, struct sl_attach_val *vals,
		   int max);

void sl_pin_path(char *buf, size_t len, struct sl_ctx *ctx, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#endif
