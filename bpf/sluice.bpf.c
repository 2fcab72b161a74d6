// SPDX-License-Identifier: GPL-2.0
/*
 * sluice datapath: entry points for XDP and TC (clsact ingress and egress),
 * thin wrappers around the bodies in core.h (parse, classify the remote
 * address, enforce the class policy, count). Each hook comes in two
 * variants, matching on the source or on the destination address, so the
 * choice costs nothing per packet.
 */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

#include "core.h"

char LICENSE[] SEC("license") = "GPL";

SEC("xdp.frags")
int sl_xdp_src(struct xdp_md *ctx)
{
	return sl_xdp(ctx, 0);
}

SEC("xdp.frags")
int sl_xdp_dst(struct xdp_md *ctx)
{
	return sl_xdp(ctx, 1);
}

SEC("tc")
int sl_tci_src(struct __sk_buff *skb)
{
	return sl_tc(skb, SL_DIR_IN, 0);
}

SEC("tc")
int sl_tci_dst(struct __sk_buff *skb)
{
	return sl_tc(skb, SL_DIR_IN, 1);
}

SEC("tc")
int sl_tce_src(struct __sk_buff *skb)
{
	return sl_tc(skb, SL_DIR_OUT, 0);
}

SEC("tc")
int sl_tce_dst(struct __sk_buff *skb)
{
	return sl_tc(skb, SL_DIR_OUT, 1);
}

/*
 * Lookup probe, run by `sluice lookup` with BPF_PROG_TEST_RUN on a frame
 * addressed to the address in question (see sl_probe_xdp()).
 */
SEC("xdp")
int sl_probe(struct xdp_md *ctx)
{
	return sl_probe_xdp(ctx);
}
