/* SPDX-License-Identifier: GPL-2.0 */
/* sluice: header parsing with a cursor (Ethernet, 2 VLAN tags, IPv4, IPv6). */
#ifndef SLUICE_BPF_PARSE_H
#define SLUICE_BPF_PARSE_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <bpf/bpf_endian.h>

#ifndef ETH_P_8021AD
#define ETH_P_8021AD 0x88A8
#endif

struct sl_cursor {
	void *pos;
	void *end;
};

struct sl_vlan_hdr {
	__be16 tci;
	__be16 proto;
};

/* The remote address of a frame, as found by sl_parse(). */
struct sl_addr {
	int family; /* 4, 6, or 0 when the frame is not IP (or truncated) */
	const void *addr;
};

static __always_inline int sl_parse_eth(struct sl_cursor *c, __u16 *proto)
{
	struct ethhdr *eth = c->pos;
	struct sl_vlan_hdr *vh;
	__u16 p;
	int i;

	if ((void *)(eth + 1) > c->end)
		return -1;
	c->pos = eth + 1;
	p = eth->h_proto;

#pragma unroll
	for (i = 0; i < 2; i++) {
		if (p != bpf_htons(ETH_P_8021Q) && p != bpf_htons(ETH_P_8021AD))
			break;
		vh = c->pos;
		if ((void *)(vh + 1) > c->end)
			return -1;
		c->pos = vh + 1;
		p = vh->proto;
	}
	*proto = p;
	return 0;
}

/*
 * Find the remote address: the source when match_dst is 0, else the
 * destination. Returns 0 with a->family set, or -1 for frames that are not
 * classified (non-IP, more than two VLAN tags, truncated headers).
 */
static __always_inline int sl_parse(void *data, void *data_end, int match_dst,
				    struct sl_addr *a)
{
	struct sl_cursor c = { .pos = data, .end = data_end };
	__u16 proto;

	if (sl_parse_eth(&c, &proto))
		return -1;

	if (proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *iph = c.pos;

		if ((void *)(iph + 1) > c.end)
			return -1;
		if (iph->version != 4 || iph->ihl < 5)
			return -1;
		if (c.pos + iph->ihl * 4 > c.end)
			return -1;
		a->family = 4;
		a->addr = match_dst ? (void *)&iph->daddr : (void *)&iph->saddr;
		return 0;
	}
	if (proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6h = c.pos;

		if ((void *)(ip6h + 1) > c.end)
			return -1;
		if (ip6h->version != 6)
			return -1;
		a->family = 6;
		a->addr = match_dst ? (void *)&ip6h->daddr : (void *)&ip6h->saddr;
		return 0;
	}
	return -1;
}

#endif /* SLUICE_BPF_PARSE_H */
