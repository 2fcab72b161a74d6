/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SLUICE_PROBE_H
#define SLUICE_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include "prefix.h"
#include "state.h"

struct sl_lookup_result {
	__u32 class_id;
	__u32 prefixlen;
	bool matched;
};

/* The longest frame sl_probe_frame() builds: Ethernet and an IPv6 header. */
#define SL_PROBE_FRAME_MAX (14 + 40)

/* Build a frame to address a (the IP header alone); returns its length. */
size_t sl_probe_frame(__u8 *frame, const struct sl_pfx *a);
/* Classify one address with the live tables, through the datapath's code. */
int sl_probe_run(struct sl_ctx *ctx, const struct sl_pfx *a, struct sl_lookup_result *res);

#endif
