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

/* Sizes chosen when the state is created (attach options). */
struct sl_sizes {
	__u32 max_classes;
	__u32 v4_entries;
	__u32 v6_entries;
};

/* Longest bpffs path accepted (pins go below it). */
#define SL_DIR_LEN 512

struct sl_ctx {
	char bpffs[SL_DIR_LEN]; /* the bpffs mount, default /sys/fs/bpf */
	char dir[SL_DIR_LEN + 8]; /* <bpffs>/sluice */
	int lock_fd;
	int classes_fd, buckets_fd, stats_fd, misc_fd, v4_fd, v6_fd, state_fd, attach_fd;
	int sources_fd;
	int prog_fd[SL_PROG_MAX];
	struct sl_state st;
	int ncpus;
};

#define SL_OPEN_CREATE (1u << 0) /* load and pin the programs if not there */
#define SL_OPEN_LOCK (1u << 1)	 /* serialise with other changing commands */

/* Defaults: SLUICE_BPFFS from the environment, else /sys/fs/bpf. */
void sl_ctx_init(struct sl_ctx *ctx, const char *bpffs);
/*
 * Open the pinned state; with SL_OPEN_CREATE load and pin it first when
 * absent. Returns 0, -ENOENT when nothing is loaded, or another -errno
 * (after printing the reason).
 */
int sl_open(struct sl_ctx *ctx, unsigned int flags, const struct sl_sizes *sizes);
void sl_close(struct sl_ctx *ctx);
bool sl_loaded(struct sl_ctx *ctx);
/* Remove every pin (after the attachments are gone). */
int sl_unload(struct sl_ctx *ctx);

int sl_state_read(struct sl_ctx *ctx);
int sl_state_write(struct sl_ctx *ctx);

/* Classes. */
int sl_class_get(struct sl_ctx *ctx, __u32 id, struct sl_class *c);
int sl_class_put(struct sl_ctx *ctx, __u32 id, const struct sl_class *c);
/* Returns the id of the class called name, or -ENOENT. */
int sl_class_find(struct sl_ctx *ctx, const char *name, struct sl_class *c);
/* Sum the per-CPU counters of (class, dir). */
int sl_counters_read(struct sl_ctx *ctx, int fd, __u32 key, struct sl_counters *out);
int sl_counters_reset(struct sl_ctx *ctx, int fd, __u32 key);

/* Prefix tables: create an empty inner table for family 4 or 6. */
int sl_table_new(struct sl_ctx *ctx, int family);

void sl_pin_path(char *buf, size_t len, struct sl_ctx *ctx, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#endif
