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

/* A table map of nelem elements (mmapped into *mem when not NULL). */
int sl_table_map_create(__u32 value_size, __u32 nelem, void **mem);

#endif
