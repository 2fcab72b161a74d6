/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SLUICE_TABLE_BUILD_H
#define SLUICE_TABLE_BUILD_H

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

/* A table map of nelem elements (mmapped into *mem when not NULL). */
int sl_table_map_create(__u32 value_size, __u32 nelem, void **mem);

#endif
