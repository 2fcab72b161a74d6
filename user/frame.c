// SPDX-License-Identifier: GPL-2.0
/* sluice: test frame builder (see frame.h). */
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <linux/udp.h>

#include "frame.h"

static size_t l4_len(const struct sl_frame *f)
{
	if (!f->l4)
		return 0;
	return f->proto == IPPROTO_TCP ? sizeof(struct tcphdr) : sizeof(struct udphdr);
}

int sl_frame_hdr_len(const struct sl_frame *f)
{
	unsigned int ihl = f->ihl ? f->ihl : 5;
	size_t len = ETH_HLEN + 4 * f->ntags;

	if (f->ntags > SL_FRAME_MAX_TAGS || ihl < 5 || ihl > 15)
		return -EINVAL;
	if (f->l4 && (!f->family || (f->proto != IPPROTO_UDP && f->proto != IPPROTO_TCP)))
		return -EINVAL;
	if (f->family == 4)
		len += ihl * 4;
	else if (f->family == 6)
		len += sizeof(struct ipv6hdr);
	else if (f->family)
		return -EINVAL;
	return len + l4_len(f);
}

static void put_be16(__u8 *p, __u16 v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

/* One's complement sum of len bytes, folded, added to sum. */
static __u32 csum_add(__u32 sum, const __u8 *p, size_t len)
{
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += p[i] << 8 | p[i + 1];
	if (len & 1)
		sum += p[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return sum;
}

static __u16 csum_fold(__u32 sum)
{
	return ~sum & 0xffff;
}

/*
 * The headers are filled in on the stack and copied into the frame, which
 * need not be aligned for them.
 */

/* The L4 header at l4 (len bytes from it to the end of the frame). */
static void put_l4(const struct sl_frame *f, __u8 *l4, size_t len)
{
	size_t alen = f->family == 4 ? 4 : 16, check;
	__u8 pseudo[8] = { 0 };
	__u16 sum;
	__u32 s;

	if (f->proto == IPPROTO_TCP) {
		struct tcphdr t = { 0 };

		t.source = htons(f->sport);
		t.dest = htons(f->dport);
		t.doff = sizeof(t) / 4;
		t.window = htons(65535);
		memcpy(l4, &t, sizeof(t));
		l4[13] = f->tcp_flags;
		check = offsetof(struct tcphdr, check);
	} else {
		struct udphdr u = { 0 };

		u.source = htons(f->sport);
		u.dest = htons(f->dport);
		u.len = htons(len);
		memcpy(l4, &u, sizeof(u));
		check = offsetof(struct udphdr, check);
	}
	/* The pseudo-header: addresses, protocol, L4 length. */
	s = csum_add(0, f->src, alen);
	s = csum_add(s, f->dst, alen);
	pseudo[3] = f->proto;
	pseudo[4] = len >> 24;
	pseudo[5] = len >> 16;
	pseudo[6] = len >> 8;
	pseudo[7] = len;
	s = csum_add(s, pseudo, sizeof(pseudo));
	sum = csum_fold(csum_add(s, l4, len));
	if (!sum && f->proto == IPPROTO_UDP)
		sum = 0xffff;
	put_be16(l4 + check, sum);
}

static void put_ip4(const struct sl_frame *f, __u8 *l3, size_t len)
{
	unsigned int ihl = f->ihl ? f->ihl : 5;
	struct iphdr ip = { 0 };

	ip.version = 4;
	ip.ihl = ihl;
	ip.tot_len = htons(len);
	ip.ttl = f->ttl ? f->ttl : 64;
	ip.protocol = f->proto;
	memcpy(&ip.saddr, f->src, 4);
	memcpy(&ip.daddr, f->dst, 4);
	memcpy(l3, &ip, sizeof(ip));
	memset(l3 + sizeof(ip), 1 /* IPOPT_NOOP */, ihl * 4 - sizeof(ip));
	put_be16(l3 + offsetof(struct iphdr, check), csum_fold(csum_add(0, l3, ihl * 4)));
}

static void put_ip6(const struct sl_frame *f, __u8 *l3, size_t len)
{
	struct ipv6hdr ip6 = { 0 };

	ip6.version = 6;
	ip6.payload_len = htons(len - sizeof(ip6));
	ip6.nexthdr = f->proto;
	ip6.hop_limit = f->ttl ? f->ttl : 64;
	memcpy(&ip6.saddr, f->src, 16);
	memcpy(&ip6.daddr, f->dst, 16);
	memcpy(l3, &ip6, sizeof(ip6));
}

int sl_frame_build(const struct sl_frame *f, void *buf, size_t size)
{
	int hdr = sl_frame_hdr_len(f);
	size_t len, off = ETH_HLEN, l3;
	__u16 type;
	__u8 *p = buf;
	unsigned int i;

	if (hdr < 0)
		return hdr;
	len = hdr + f->payload;
	if (f->data_len > f->payload || len > size || len > 65535)
		return -EINVAL;
	type = f->ethertype;
	if (!type)
		type = f->family == 4 ? ETH_P_IP : f->family == 6 ? ETH_P_IPV6 : 0;

	memset(p, 0, len);
	memcpy(p, f->dmac, ETH_ALEN);
	memcpy(p + ETH_ALEN, f->smac, ETH_ALEN);
	put_be16(p + 2 * ETH_ALEN, f->ntags ? f->tags[0].tpid : type);
	for (i = 0; i < f->ntags; i++, off += 4) {
		put_be16(p + off, f->tags[i].tci);
		put_be16(p + off + 2, i + 1 < f->ntags ? f->tags[i + 1].tpid : type);
	}
	l3 = off;
	if (f->data_len)
		memcpy(p + hdr, f->data, f->data_len);
	if (f->family == 4)
		put_ip4(f, p + l3, len - l3);
	else if (f->family == 6)
		put_ip6(f, p + l3, len - l3);
	if (f->l4)
		put_l4(f, p + hdr - l4_len(f), len - (hdr - l4_len(f)));
	return len;
}

int sl_frame_addrs(struct sl_frame *f, const char *src, const char *dst)
{
	int af = strchr(src, ':') ? AF_INET6 : AF_INET;

	memset(f->src, 0, sizeof(f->src));
	memset(f->dst, 0, sizeof(f->dst));
	if (inet_pton(af, src, f->src) != 1 || inet_pton(af, dst, f->dst) != 1)
		return -EINVAL;
	f->family = af == AF_INET6 ? 6 : 4;
	return 0;
}
