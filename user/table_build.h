/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SLUICE_TABLE_BUILD_H
#define SLUICE_TABLE_BUILD_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include "parse.h"
#include "sluice.h"

struct sl_built {
	int fd;		/* the new table (an inner map), owned by the caller */
	__u64 bytes;	/* its size */
};

/*
 * Build a table from a sorted, unique list of one family's prefixes, each
 * with its class id. Returns 0 or a negative errno.
 */
int sl_build_v4(const struct sl_pfx *v, size_t n, struct sl_built *out);
int sl_build_v6(const struct sl_pfx *v, size_t n, struct sl_built *out);

/*
 * An IPv4 table map made ahead of its build by a thread, sized from the
 * live table's content: the kernel zeroes a new map as it creates it (tens
 * of milliseconds for a 1M-prefix table), which then overlaps the build.
 * sl_build_v4_spare() takes it when the content fits with at most 1/16 of
 * it to spare, else makes a map of its own; sl_spare_drop() waits for the
 * thread and frees what was not taken.
 */
struct sl_spare {
	pthread_t thr;
	bool running;
	__u32 nelem;	/* 64-byte elements */
	int fd;
	void *mem;	/* its mapping; NULL: no map (a zeroed spare holds none) */
};
void sl_spare_start(struct sl_spare *s, __u32 nelem);
void sl_spare_drop(struct sl_spare *s);
int sl_build_v4_spare(const struct sl_pfx *v, size_t n, struct sl_spare *spare,
		      struct sl_built *out);

/*
 * The /16s where table fd of family (4 or 6) has prefixes, read from its
 * summary: SL_PRESENT_WORDS words of the datapath's /16 filter, and each
 * /16's side word (65536; the entry that answers the whole /16, else 0,
 * untagged); *use_side: whether the side words answer enough /16s to pay.
 */
int sl_table_present(int fd, int family, __u64 *words, __u32 *side, bool *use_side);

/*
 * Swap table fd into slot 0 of the outer map of its family, keeping the
 * /16 filter (map present) a superset of the live table's /16s at every
 * moment: first the union of the old table's bits and the new one's, no
 * side or top word in force and every one written with a new tag, then
 * the swap, then the new table's bits alone and the new tag in force. A kill
 * in between leaves a superset and no side word in force, which only
 * costs lookups a helper call. Returns 0 or -errno.
 */
int sl_table_install(int outer, int present, int family, int fd);

/* A table map of nelem elements (mmapped into *mem when not NULL). */
int sl_table_map_create(__u32 value_size, __u32 nelem, void **mem);

#endif
