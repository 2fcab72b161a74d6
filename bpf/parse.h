/* SPDX-License-Identifier: GPL-2.0 */
/* sluice: header parsing with a cursor (Ethernet, 2 VLAN tags, IPv4, IPv6). */
#ifndef SLUICE_BPF_PARSE_H
#define SLUICE_BPF_PARSE_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/in.h>
#include <linux/in6.h>
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

/*
 * The remote address of a frame, as found by sl_parse(), and its IP header
 * (for sl_parse_flow(), which reads the rest only when a flow scope needs
 * it: branching on it before the classifier multiplies the verifier's work).
 */
struct sl_addr {
	int family; /* 4, 6, or 0 when the frame is not IP (or truncated) */
	const void *addr;
	void *l3;
	void *end;
};

/*
 * What the flow scopes need: the local address (the other side), the
 * protocol, and the ports (network order, 0 when absent or for fragments),
 * TCP flags or the ICMP type in l4_info.
 */
struct sl_pkt {
	const void *local;
	__u8 proto;
	__u8 l4_info;
	__u8 has_l4; /* ports and l4_info were read */
	__be16 rport;
	__be16 lport;
};

#define SL_TCP_FIN 0x01
#define SL_TCP_SYN 0x02
#define SL_TCP_RST 0x04
#define SL_TCP_ACK 0x10

/*
 * The transport header at pos: ports of TCP and UDP (and UDP-Lite, SCTP),
 * the flags of TCP, type and echo identifier of ICMP and ICMPv6. A missing
 * or truncated header leaves has_l4 0 (the packet is still classified).
 */
static __always_inline void sl_parse_l4(void *pos, void *end, int match_dst, struct sl_pkt *a)
{
	__be16 *p = pos;
	__u8 *b = pos;

	if (a->proto == IPPROTO_ICMP || a->proto == IPPROTO_ICMPV6) {
		if ((void *)(b + 8) > end)
			return;
		a->l4_info = b[0];
		/* echo request / reply: the identifier, as the local port */
		if (b[0] == 8 || b[0] == 0 || b[0] == 128 || b[0] == 129)
			a->lport = p[2];
		a->has_l4 = 1;
		return;
	}
	if (a->proto != IPPROTO_TCP && a->proto != IPPROTO_UDP && a->proto != IPPROTO_UDPLITE &&
	    a->proto != IPPROTO_SCTP)
		return;
	if ((void *)(b + 14) > end)
		return;
	a->rport = match_dst ? p[1] : p[0];
	a->lport = match_dst ? p[0] : p[1];
	a->l4_info = a->proto == IPPROTO_TCP ? b[13] : 0;
	a->has_l4 = 1;
}

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
		a->l3 = iph;
		a->end = c.end;
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
		a->l3 = ip6h;
		a->end = c.end;
		return 0;
	}
	return -1;
}

/*
 * The flow fields of a frame sl_parse() accepted. IPv4: any fragment has no
 * ports, so that all its pieces share one flow. IPv6: extension headers are
 * not walked, so a packet with one has no ports either. 0, or -1 when the
 * header is no longer there.
 */
static __always_inline int sl_parse_flow(const struct sl_addr *a, int match_dst, struct sl_pkt *p)
{
	if (a->family == 4) {
		struct iphdr *iph = a->l3;

		if ((void *)(iph + 1) > a->end)
			return -1;
		p->local = match_dst ? (void *)&iph->saddr : (void *)&iph->daddr;
		p->proto = iph->protocol;
		if (!(iph->frag_off & bpf_htons(0x3fff)))
			sl_parse_l4((void *)iph + iph->ihl * 4, a->end, match_dst, p);
		return 0;
	}
	if (a->family == 6) {
		struct ipv6hdr *ip6h = a->l3;

		if ((void *)(ip6h + 1) > a->end)
			return -1;
		p->local = match_dst ? (void *)&ip6h->saddr : (void *)&ip6h->daddr;
		p->proto = ip6h->nexthdr;
		sl_parse_l4(ip6h + 1, a->end, match_dst, p);
		return 0;
	}
	return -1;
}

#endif /* SLUICE_BPF_PARSE_H */
