/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SLUICE_SHAPE_H
#define SLUICE_SHAPE_H

#include <stdbool.h>
#include "state.h"

/*
 * Make the HTB qdiscs and classes (and IFB devices) sluice owns match the
 * shaped classes on every TC attachment. Returns 0 or -errno (reported).
 */
int sl_shape_sync(struct sl_ctx *ctx);
/*
 * HTB counts rates in whole bytes per second: the lowest shaping rate is
 * 8 bit/s, and a rate is rounded down to a multiple of 8 bit/s.
 */
#define SL_SHAPE_MIN_RATE 8ull
/* -EBUSY (reported) when dev has a root qdisc that is not sluice's, unless force. */
int sl_shape_check_root(int ifindex, const char *dev, bool force);
/* Is any class shaped in direction dir? */
bool sl_shape_any(struct sl_ctx *ctx, int dir);
/* Remove sluice's HTB root from a device, and a device's IFB. */
int sl_shape_remove_root(__u32 ifindex);
int sl_shape_ifb_delete(__u32 ifindex);

#endif
