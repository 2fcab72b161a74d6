/* SPDX-License-Identifier: GPL-2.0 */
/* sluice: reading feed files (plain or gzip-compressed, or "-" for stdin). */
#ifndef SLUICE_FEED_H
#define SLUICE_FEED_H

#include "prefix.h"

#define SL_FEED_MAX_LINE 4096

/*
 * Append the prefixes of one feed file to out. The first invalid line is
 * reported as FILE:LINE: reason and fails the read with -EINVAL.
 */
int sl_feed_read(const char *path, struct sl_pfx_vec *out);

#endif
