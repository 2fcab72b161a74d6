/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The per-packet core of every hook and the bodies of the XDP and TC entry
 * points: parse, classify the remote address, enforce the class policy,
 * count; XDP then leaves its verdict for TC ingress, TC sets the HTB class
 * of shaped packets. The entry points in sluice.bpf.c are thin wrappers;
 * the benchmark (bench.bpf.c) times this very code.
 */
#ifndef SLUICE_BPF_CORE_H
#define SLUICE_BPF_CORE_H

#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

#include "maps.h"
#include "parse.h"
#include "classify.h"
#include "count.h"
#include "police.h"

/*
 * Longest header sluice reads: Ethernet, two VLAN tags, IPv4 with options,
 * the first 14 bytes of TCP (ports and flags).
 */
#define SL_HDR_MAX (14 + 2 * 4 + 60 + 14)

/* Returns the action for the packet (*class_out set when classified). */
static __always_inline enum sl_action sl_process(void *data, void *data_end, __u64 len, __u32 segs,
						 int dir, int match_dst, __u32 *class_out)
{
	struct sl_addr a = {};
	__u32 plen = 0;
	int class_id;

	if (sl_parse(data, data_end, match_dst, &a)) {
		sl_count(&sl_misc, SL_MISC_NONIP(dir), SL_PASS, len, segs);
		return SL_ACT_PASS;
	}
	class_id = sl_classify(&a, &plen);
	if (class_id < 0)
		class_id = SL_CLASS_DEFAULT;
	*class_out = class_id;
	return sl_enforce(class_id, dir, len, segs, &a, match_dst);
}

/* ---- XDP ------------------------------------------------------------ */

/* Leave the verdict for the TC ingress hook (struct sl_xdp_meta). */
static __always_inline void sl_xdp_mark(struct xdp_md *ctx, __u32 class_id, int match_dst,
					enum sl_action action)
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
	m->flags =
		(match_dst ? SL_META_MATCH_DST : 0) | (action == SL_ACT_SHAPE ? SL_META_SHAPE : 0);
}

static __always_inline int sl_xdp(struct xdp_md *ctx, int match_dst)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u64 len = bpf_xdp_get_buff_len(ctx);
	__u32 class_id = SL_META_NOT_IP;
	enum sl_action action;

	/* XDP cannot queue: shaped classes pass here, to TC ingress's IFB. */
	action = sl_process(data, data_end, len, 1, SL_DIR_IN, match_dst, &class_id);
	if (action == SL_ACT_DROP)
		return XDP_DROP;
	sl_xdp_mark(ctx, class_id, match_dst, action);
	return XDP_PASS;
}

/* ---- TC ------------------------------------------------------------- */

/*
 * Shaping on ingress: hand the packet to the egress of the device's IFB,
 * whose HTB queues it; the IFB then gives it back to this device's ingress,
 * marked so that it is not classified twice.
 */
static __always_inline int sl_tc_shape_in(struct __sk_buff *skb)
{
	__u32 dev = skb->ifindex, *ifb = bpf_map_lookup_elem(&sl_ifb, &dev);

	if (!ifb || !*ifb)
		return TC_ACT_OK;
	return bpf_redirect(*ifb, 0);
}

/*
 * The bytes a packet takes on the wire. A GSO packet carries its headers
 * once for gso_segs segments; each segment will carry them again. With full
 * segments the headers are len - segs * gso_size (a short last segment makes
 * that an underestimate, never an overestimate).
 */
static __always_inline __u64 sl_wire_len(struct __sk_buff *skb)
{
	__u64 len = skb->len;
	__s64 hdr;

	if (skb->gso_segs > 1 && skb->gso_size) {
		hdr = (__s64)skb->len - (__s64)skb->gso_segs * skb->gso_size;
		if (hdr > 0 && hdr < 256)
			len += (__u64)(skb->gso_segs - 1) * hdr;
	}
	return len;
}

/*
 * TC ingress after sluice's XDP program on the same device, with the same
 * match: the packet was counted and policed there; only its class and
 * whether to shape it are taken over. 0 when XDP left no verdict.
 */
static __always_inline int sl_xdp_verdict(struct __sk_buff *skb, int match_dst,
					  enum sl_action *action, __u32 *class_id)
{
	struct sl_xdp_meta *m = (void *)(long)skb->data_meta;

	if ((void *)(m + 1) > (void *)(long)skb->data)
		return 0;
	if (m->magic != SL_XDP_META_MAGIC || m->ifindex != skb->ifindex ||
	    !(m->flags & SL_META_MATCH_DST) != !match_dst)
		return 0;
	*action = m->flags & SL_META_SHAPE ? SL_ACT_SHAPE : SL_ACT_PASS;
	*class_id = m->class_id;
	return 1;
}

static __always_inline int sl_tc(struct __sk_buff *skb, int dir, int match_dst)
{
	__u32 linear, class_id = 0;
	enum sl_action action;

	if (dir != SL_DIR_IN || !sl_xdp_verdict(skb, match_dst, &action, &class_id)) {
		linear = skb->data_end - skb->data;
		if (linear < SL_HDR_MAX && skb->len > linear)
			bpf_skb_pull_data(skb, skb->len < SL_HDR_MAX ? skb->len : SL_HDR_MAX);
		/* a GSO packet counts as the segments the wire will carry */
		action = sl_process((void *)(long)skb->data, (void *)(long)skb->data_end,
				    sl_wire_len(skb), skb->gso_segs > 1 ? skb->gso_segs : 1, dir,
				    match_dst, &class_id);
	}
	if (action == SL_ACT_DROP)
		return TC_ACT_SHOT;
	if (action == SL_ACT_SHAPE) {
		skb->priority = SL_HTB_MAJOR << 16 | class_id;
		if (dir == SL_DIR_IN)
			return sl_tc_shape_in(skb);
	}
	return TC_ACT_OK;
}

/* ---- lookup probe --------------------------------------------------- */

/*
 * The lookup probe, run by `sluice lookup` with BPF_PROG_TEST_RUN on a frame
 * addressed to the address in question: the same parse and classify code as
 * the hooks, with the answer written over the start of the frame.
 */
static __always_inline int sl_probe_xdp(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct sl_probe_result *r;
	struct sl_addr a = {};
	__u32 plen = 0;
	int class_id;

	if (sl_parse(data, data_end, 1, &a))
		return XDP_ABORTED;
	class_id = sl_classify(&a, &plen);

	r = data;
	if ((void *)(r + 1) > data_end)
		return XDP_ABORTED;
	r->magic = SL_PROBE_MAGIC;
	r->matched = class_id >= 0;
	r->class_id = class_id >= 0 ? class_id : SL_CLASS_DEFAULT;
	r->prefixlen = plen;
	return XDP_PASS;
}

#endif /* SLUICE_BPF_CORE_H */
