/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sluice: classify a remote address into a class (longest prefix wins).
 *
 * IPv4: one look at the /24 directory; a /24 flagged as holding hosts also
 * probes the host hash, and one flagged as holding /25-/31 prefixes reads
 * its 256-entry chunk. IPv6: the hash of each prefix length present, longest
 * first, until one matches. The tables are built by user/table_build.c.
 */
#ifndef SLUICE_BPF_CLASSIFY_H
#define SLUICE_BPF_CLASSIFY_H

#include "maps.h"
#include "parse.h"

/*
 * Word idx of a table. Array elements are 8 bytes (the kernel's mmap-able
 * arrays have an 8-byte stride), each holding two consecutive words.
 */
static __always_inline __u32 sl_word(void *tab, __u32 idx)
{
	__u32 key = idx >> 1;
	__u64 *w = bpf_map_lookup_elem(tab, &key);

	if (!w)
		return 0;
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	return idx & 1 ? *w >> 32 : (__u32)*w;
#else
	return idx & 1 ? (__u32)*w : *w >> 32;
#endif
}

/* Host-order address; returns an entry word (0: no match). */
static __always_inline __u32 sl_lookup4(void *tab, __u32 a)
{
	__u32 e = sl_word(tab, SL_T4_DIR_OFF + (a >> 8));
	int i;

	if (e & SL_E_HOSTS) {
		__u32 off = sl_word(tab, SL_T4_W_HASH_OFF);
		__u32 bits = sl_word(tab, SL_T4_W_HASH_BITS);
		__u32 probes = sl_word(tab, SL_T4_W_HASH_PROBES);
		__u32 h, slot, v;

		if (bits < 1 || bits > 31)
			return 0;
		h = sl_hash32(a, bits);
		for (i = 0; i < SL_MAX_PROBES; i++) {
			if (i >= (int)probes)
				break;
			slot = off + 2 * ((h + i) & ((1u << bits) - 1));
			v = sl_word(tab, slot + 1);
			if (!(v & SL_E_VALID))
				break;
			if (sl_word(tab, slot) == a)
				return v;
		}
	}
	if (e & SL_E_CHUNK)
		e = sl_word(tab, sl_word(tab, SL_T4_W_CHUNK_OFF) + SL_E_CHUNK_IDX(e) * 256 +
				      (a & 0xff));
	return e & SL_E_VALID ? e : 0;
}

struct sl_l6_ctx {
	void *tab;
	__u32 w[4];   /* the address, four words in memory order */
	__u32 nlens;
	__u32 result; /* entry word of the match, 0 while none */
};

/* Mask the address words to len bits (words are in network byte order). */
static __always_inline __u32 sl_mask_word(__u32 w, int k, __u32 len)
{
	__u32 lo = k * 32;

	if (len >= lo + 32)
		return w;
	if (len <= lo)
		return 0;
	return w & bpf_htonl(~0u << (32 - (len - lo)));
}

static long sl_probe_len6(__u32 i, void *data)
{
	struct sl_l6_ctx *c = data;
	__u32 d = SL_T6_DESC + 4 * (i < SL_T6_MAX_LENS ? i : 0);
	__u32 len, off, bits, probes, h, slot, v, m[4];
	int j, k;

	if (i >= c->nlens)
		return 1;
	len = sl_word(c->tab, d + SL_T6_D_LEN);
	off = sl_word(c->tab, d + SL_T6_D_OFF);
	bits = sl_word(c->tab, d + SL_T6_D_BITS);
	probes = sl_word(c->tab, d + SL_T6_D_PROBES);
	if (bits < 1 || bits > 31)
		return 1;
#pragma unroll
	for (k = 0; k < 4; k++)
		m[k] = sl_mask_word(c->w[k], k, len);
	h = sl_hash128(m, bits);
	for (j = 0; j < SL_MAX_PROBES; j++) {
		if (j >= (int)probes)
			break;
		slot = off + SL_T6_SLOT * ((h + j) & ((1u << bits) - 1));
		v = sl_word(c->tab, slot + 4);
		if (!(v & SL_E_VALID))
			break;
		if (sl_word(c->tab, slot) == m[0] && sl_word(c->tab, slot + 1) == m[1] &&
		    sl_word(c->tab, slot + 2) == m[2] && sl_word(c->tab, slot + 3) == m[3]) {
			c->result = v;
			return 1;
		}
	}
	return 0;
}

static __always_inline __u32 sl_lookup6(void *tab, const void *addr)
{
	struct sl_l6_ctx c = { .tab = tab };

	__builtin_memcpy(c.w, addr, sizeof(c.w));
	c.nlens = sl_word(tab, SL_T6_W_NLENS);
	if (!c.nlens)
		return 0;
	bpf_loop(c.nlens < SL_T6_MAX_LENS ? c.nlens : SL_T6_MAX_LENS, sl_probe_len6, &c, 0);
	return c.result;
}

/*
 * Returns the class of the longest prefix that holds the address, and its
 * length in *plen; or -1 when no prefix matches (the default class).
 */
static __always_inline int sl_classify(const struct sl_addr *a, __u32 *plen)
{
	__u32 zero = 0, e = 0;
	void *tab;

	if (a->family == 4) {
		__u32 be;

		__builtin_memcpy(&be, a->addr, sizeof(be));
		tab = bpf_map_lookup_elem(&sl_v4, &zero);
		if (tab)
			e = sl_lookup4(tab, bpf_ntohl(be));
	} else {
		tab = bpf_map_lookup_elem(&sl_v6, &zero);
		if (tab)
			e = sl_lookup6(tab, a->addr);
	}
	if (!e)
		return -1;
	*plen = SL_E_PLEN(e);
	return SL_E_CLASS(e);
}

#endif /* SLUICE_BPF_CLASSIFY_H */
