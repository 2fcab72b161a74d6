/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sluice: build test frames (Ethernet, VLAN tags, IPv4 or IPv6, UDP or TCP)
 * for BPF_PROG_TEST_RUN: the lookup probe, the datapath and feed tests and
 * the benchmark. Pure C: no libbpf, no printing.
 */
#ifndef SLUICE_FRAME_H
#define SLUICE_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

/* VLAN tags a frame may carry (the datapath reads two; tests send more). */
#define SL_FRAME_MAX_TAGS 4
/* Longest headers: Ethernet, the tags, IPv4 with 40 bytes of options, TCP. */
#define SL_FRAME_HDR_MAX (14 + 4 * SL_FRAME_MAX_TAGS + 60 + 20)

struct sl_frame_tag {
	__u16 tpid; /* ETH_P_8021Q or ETH_P_8021AD */
	__u16 tci;  /* priority, DEI and VLAN id */
};

/*
 * What to build; zero fields take the defaults named. The frame is the
 * headers, then payload bytes (data first, then zeros). Its IP and L4
 * lengths describe the whole frame: sending only its first bytes makes a
 * truncated frame.
 */
struct sl_frame {
	__u8 dmac[6], smac[6];
	struct sl_frame_tag tags[SL_FRAME_MAX_TAGS]; /* outermost first */
	unsigned int ntags;
	__u16 ethertype;  /* after the tags; 0: IPv4 or IPv6 by family */
	int family;	  /* 4, 6, or 0: no IP header (data follows Ethernet) */
	__u8 src[16];	  /* network order; IPv4 in the first four bytes */
	__u8 dst[16];
	__u8 proto;	  /* IPv4 protocol, IPv6 next header */
	__u8 ttl;	  /* TTL or hop limit; 0: 64 */
	unsigned int ihl; /* IPv4 header in 32-bit words, 5-15 (NOP options); 0: 5 */
	bool l4;	  /* write a UDP or TCP header (by proto) after the IP header */
	__u16 sport;	  /* L4 ports, host order */
	__u16 dport;
	__u8 tcp_flags;	  /* TH_SYN, TH_ACK, ... of <netinet/tcp.h> */
	size_t payload;	  /* bytes after the headers */
	const void *data; /* the payload's first data_len bytes (NULL: zeros) */
	size_t data_len;
};

/* Length of the headers f describes, or a negative errno if f is invalid. */
int sl_frame_hdr_len(const struct sl_frame *f);
/* Build f into buf (size bytes); returns the frame's length or a negative errno. */
int sl_frame_build(const struct sl_frame *f, void *buf, size_t size);
/* Set f's family and addresses from text (both IPv4 or both IPv6); 0 or -EINVAL. */
int sl_frame_addrs(struct sl_frame *f, const char *src, const char *dst);

#endif
