/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SLUICE_ATTACH_H
#define SLUICE_ATTACH_H

#include <stdbool.h>
#include "state.h"

struct sl_attach_opts {
	enum sl_hook hook;
	enum sl_match match;
	bool xdp_native;  /* --xdp-mode native: fail without driver support */
	bool xdp_generic; /* --xdp-mode generic */
	bool force;	  /* --force: may replace a foreign root qdisc (shaping) */
};

/* Whether the hook of ifindex is attached as o asks (sl_attach: a no-op). */
bool sl_attach_current(struct sl_ctx *ctx, __u32 ifindex, const struct sl_attach_opts *o);
/* The mode of the XDP program on ifindex: 0 native, 1 generic, -1 none or other. */
int sl_xdp_live_mode(__u32 ifindex);
/* Attach (or re-attach with another match); *noop when already so. */
int sl_attach(struct sl_ctx *ctx, const char *dev, const struct sl_attach_opts *o, bool *noop);
/* Detach what matches (ifindex 0: any device; hook -1: any hook). */
int sl_detach(struct sl_ctx *ctx, __u32 ifindex, int hook, int *count);

/*
 * detach --all: every attachment, then every pin, under the lock; also a
 * broken or older state (open_err -EIO, from sl_open). Returns 0, 1 when
 * nothing was loaded, or -errno.
 */
int sl_detach_all(struct sl_ctx *ctx, int open_err, int *count);

#endif
