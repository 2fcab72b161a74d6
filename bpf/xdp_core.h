/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The per-packet core of every hook, and the XDP entry point's body: parse,
 * classify the remote address, enforce the class policy, count; XDP then
 * leaves its verdict for TC ingress. Shared by sluice.bpf.c and the
 * benchmark (bench.bpf.c), which times this very code.
 */
#ifndef SLUICE_BPF_XDP_CORE_H
#define SLUICE_BPF_XDP_CORE_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "maps.h"
#include "parse.h"
#include "classify.h"
#include "police.h"

/* Returns SL_PASS, SL_DROP or SL_SHAPE (*class_out set when classified). */
static __always_inline int sl_process(void *data, void *data_end, __u64 len, int dir,
				      int match_dst, __u32 *class_out)
{
	struct sl_addr a = {};
	__u32 plen = 0;
	int class_id;

	if (sl_parse(data, data_end, match_dst, &a)) {
		sl_count(&sl_misc, SL_MISC_NONIP(dir), SL_PASS, len);
		return SL_PASS;
	}
	class_id = sl_classify(&a, &plen);
	if (class_id < 0)
		class_id = SL_CLASS_DEFAULT;
	*class_out = class_id;
	return sl_enforce(class_id, dir, len);
}

/* Leave the verdict for the TC ingress hook (struct sl_xdp_meta). */
static __always_inline void sl_xdp_mark(struct xdp_md *ctx, __u32 class_id, int match_dst,
					int action)
{
	struct sl_xdp_meta *m;

	if (bpf_xdp_adjust_meta(ctx, -(int)sizeof(*m)))
		return;
	m = (void *)(long)ctx->data_meta;
	if ((void *)(m + 1) > (void *)(long)ctx->data)
		return;
	m->magic = SL_XDP_META_MAGIC;
	m->ifindex = ctx->ingress_ifindex;
	m->class_id = class_id;
	m->flags = (match_dst ? SL_META_MATCH_DST : 0) | (action == SL_SHAPE ? SL_META_SHAPE : 0);
}

static __always_inline int sl_xdp(struct xdp_md *ctx, int match_dst)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u64 len = bpf_xdp_get_buff_len(ctx);
	__u32 class_id = SL_META_NOT_IP;
	int action;

	/* XDP cannot queue: shaped classes pass here, to TC ingress's IFB. */
	action = sl_process(data, data_end, len, SL_DIR_IN, match_dst, &class_id);
	if (action == SL_DROP)
		return XDP_DROP;
	sl_xdp_mark(ctx, class_id, match_dst, action);
	return XDP_PASS;
}

#endif /* SLUICE_BPF_XDP_CORE_H */
