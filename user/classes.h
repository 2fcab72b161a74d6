/* SPDX-License-Identifier: GPL-2.0 */
/* sluice: classes: define, differ and remove, on an open state. */
#ifndef SLUICE_CLASSES_H
#define SLUICE_CLASSES_H

#include <stdbool.h>
#include "state.h"

struct sl_class_spec {
	int policy;		   /* enum sl_policy */
	__u64 rate[SL_DIR_MAX];	   /* bit/s, 0: unlimited in that direction */
	__u64 burst;		   /* bytes, 0: the default for the rate */
	int scope;		   /* enum sl_scope: police per class, host or flow */
	int initiator;		   /* enum sl_initiator */
	__u64 idle_ns;		   /* host / flow state expiry, 0: SL_DEF_IDLE_NS */
};

/* Does spec add up (scopes and initiator are for police only)? -EINVAL said. */
int sl_class_spec_check(const char *name, const struct sl_class_spec *spec);

/*
 * Create or update class name (its shaping follows); returns its id, or
 * -errno with the reason recorded. *created and *changed (may be NULL)
 * say what happened.
 */
int sl_class_define(struct sl_ctx *ctx, const char *name, const struct sl_class_spec *spec,
		    bool *created, bool *changed);
/* Would sl_class_define change class name? (No change made.) */
bool sl_class_differs(struct sl_ctx *ctx, const char *name, const struct sl_class_spec *spec);
/* Take the class's prefixes out of the live tables, then the class. */
int sl_class_remove(struct sl_ctx *ctx, const char *name);

#endif
