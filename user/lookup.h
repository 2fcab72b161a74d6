/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SLUICE_LOOKUP_H
#define SLUICE_LOOKUP_H

#include <stdbool.h>
#include "parse.h"
#include "state.h"

struct sl_lookup_result {
	__u32 class_id;
	__u32 prefixlen;
	bool matched;
};

/* Classify one address with the live tables, through the datapath's code. */
int sl_probe_run(struct sl_ctx *ctx, const struct sl_pfx *a, struct sl_lookup_result *res);

#endif
