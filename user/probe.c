// SPDX-License-Identifier: GPL-2.0
/*
 * The lookup probe: classify an address with the live tables by running the
 * datapath's own parse and classify code (the sl_probe program) on a crafted
 * frame, through BPF_PROG_TEST_RUN.
 */
#include <errno.h>
#include <string.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <arpa/inet.h>
#include <bpf/bpf.h>

#include "probe.h"

_Static_assert(SL_PROBE_FRAME_MAX == sizeof(struct ethhdr) + sizeof(struct ipv6hdr),
	       "the longest probe frame");

size_t sl_probe_frame(__u8 *frame, const struct sl_pfx *a)
{
	struct ethhdr *eth = (struct ethhdr *)frame;
	struct ipv6hdr *ip6;

	memset(frame, 0, SL_PROBE_FRAME_MAX);
	if (a->family == 4) {
		struct iphdr *ip = (struct iphdr *)(eth + 1);

		eth->h_proto = htons(ETH_P_IP);
		ip->version = 4;
		ip->ihl = 5;
		ip->ttl = 64;
		ip->tot_len = htons(sizeof(*ip));
		memcpy(&ip->daddr, a->addr, 4);
		return sizeof(*eth) + sizeof(*ip);
	}
	ip6 = (struct ipv6hdr *)(eth + 1);
	eth->h_proto = htons(ETH_P_IPV6);
	ip6->version = 6;
	ip6->hop_limit = 64;
	memcpy(&ip6->daddr, a->addr, 16);
	return sizeof(*eth) + sizeof(*ip6);
}

int sl_probe_run(struct sl_ctx *ctx, const struct sl_pfx *a, struct sl_lookup_result *res)
{
	/* Two bytes in, so that the IP header is 4-byte aligned. */
	__u8 buf[2 + SL_PROBE_FRAME_MAX] __attribute__((aligned(4)));
	__u8 *frame = buf + 2, out[sizeof(buf)];
	struct sl_probe_result r;
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame, .data_out = out,
		    .data_size_out = sizeof(out), .repeat = 1);

	opts.data_size_in = sl_probe_frame(frame, a);
	if (bpf_prog_test_run_opts(ctx->prog_fd[SL_PROG_PROBE], &opts))
		return -errno;
	memcpy(&r, out, sizeof(r));
	if (opts.retval != XDP_PASS || r.magic != SL_PROBE_MAGIC)
		return -EIO;
	res->class_id = r.class_id;
	res->prefixlen = r.prefixlen;
	res->matched = r.matched;
	return 0;
}

