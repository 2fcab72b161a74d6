/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SLUICE_TABLE_H
#define SLUICE_TABLE_H

#include "prefix.h"
#include "state.h"

/* Append the stored list of class id (n entries) to out. */
int sl_store_read(struct sl_ctx *ctx, __u32 id, size_t n, struct sl_pfx_vec *out);

/*
 * Make list (normalised) the prefixes of class id, rebuild the live tables
 * and swap them in. On error nothing live has changed.
 */
int sl_tables_replace(struct sl_ctx *ctx, __u32 id, const struct sl_pfx *list, size_t n);

#endif
