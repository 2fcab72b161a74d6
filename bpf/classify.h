/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sluice: classify a remote address into a class (longest prefix wins).
 *
 * Both families first test the /16 filter (no prefix there: no match).
 * IPv4: the summary of the /16s (small tables), then the /16 directory; a
 * /16 holding longer prefixes or hosts leads to a compressed node for the
 * next 8 bits, and a /24 holding /25-/31 prefixes to one for the last 8; a
 * /24 flagged as holding hosts also probes the host hash. IPv6: the
 * summary, then a directory on the top 16-20 bits gives an entry, a list
 * of up to four longer prefixes to compare, or a block that says which
 * longer prefix lengths occur in it; their hashes are probed, longest
 * first, until one matches. The tables are built by
 * user/table_build.c.
 */
#ifndef SLUICE_BPF_CLASSIFY_H
#define SLUICE_BPF_CLASSIFY_H

#include "maps.h"
#include "parse.h"

/*
 * Word idx of an IPv4 table: each 64-byte element holds 16 words. A lookup
 * in an inner map is a helper call (the kernel does not inline it for maps
 * of varying size), so the code reads what it can from one element.
 */
static __always_inline __u32 sl_word(void *tab, __u32 idx)
{
	__u32 key = idx / SL_T4_ELEM_WORDS;
	struct sl_t4_elem *el = bpf_map_lookup_elem(tab, &key);

	return el ? el->w[idx % SL_T4_ELEM_WORDS] : 0;
}

/* Bits set in x (BPF has no popcount instruction). */
static __always_inline __u32 sl_popcount64(__u64 x)
{
	x = x - ((x >> 1) & 0x5555555555555555ull);
	x = (x & 0x3333333333333333ull) + ((x >> 2) & 0x3333333333333333ull);
	x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0full;
	return (x * 0x0101010101010101ull) >> 56;
}

/*
 * Slot i (0-255) of the IPv4 node that e points to: the leaf of rank
 * (bits set at positions <= i) in the node's run bitmap. No branches on the
 * address: the slot's bitmap word is selected by index and masked by a
 * shift. The node is one element; so are its leaves when they are inline.
 */
static __always_inline __u32 sl_node4(void *tab, __u32 e, __u32 i)
{
	__u32 key = SL_T4_NODE_OFF / SL_T4_ELEM_WORDS + SL_E_NODE_IDX(e), leaf, q = i >> 6;
	struct sl_t4_elem *n = bpf_map_lookup_elem(tab, &key);
	__u64 bm;

	if (!n)
		return 0;
	bm = n->w[SL_T4_N_BITMAP + 2 * q] | (__u64)n->w[SL_T4_N_BITMAP + 2 * q + 1] << 32;
	bm &= ~0ull >> (63 - (i & 63));
	leaf = n->w[SL_T4_N_LEAVES] + ((n->w[SL_T4_N_BASES] >> (q * 8)) & 0xff) +
	       sl_popcount64(bm) - 1;
	if (leaf / SL_T4_ELEM_WORDS == key)
		return n->w[leaf % SL_T4_ELEM_WORDS];
	return sl_word(tab, leaf);
}

/*
 * The /16 filter of family f (0: IPv4, 1: IPv6) for the /16 s (struct
 * sl_present): 0 when the live table holds no prefix for it, else 1 and in
 * *e the entry of its /8's top word or of its side word when that word is
 * in force (0: look it up). A static map's lookup is inlined, so none of
 * these answers costs a helper call.
 */
static __always_inline int sl_filter16(__u32 f, __u32 s, __u32 *e)
{
	struct sl_present *p = bpf_map_lookup_elem(&sl_present, &f);
	__u32 g;

	*e = 0;
	if (!p)
		return 0;
	/* gen 0: no word in force, none read */
	g = *(volatile __u32 *)&p->gen;
	if (g)
		*e = sl_side_entry(*(volatile __u32 *)&p->top[(s >> 8) % 256], g);
	if (*e)
		return 1;
	if (!(p->w[(s / 64) % SL_PRESENT_WORDS] >> (s % 64) & 1))
		return 0;
	if (g)
		*e = sl_side_entry(*(volatile __u32 *)&p->side[s % 65536], g);
	return 1;
}

/* Code r of a summary's run of code words (SL_SUM_*). */
static __always_inline __u32 sl_sum_code(const __u32 *codes, __u32 r)
{
	return (codes[r / 16] >> (r % 16 * 2)) & 3;
}

/*
 * The rank of code r (0-63) of an IPv4 summary element among its NEAR
 * codes: the NEAR codes (3, both bits set) before it.
 */
static __always_inline __u32 sl_sum4_rank(const struct sl_t4_elem *el, __u32 r)
{
	const __u64 low = 0x5555555555555555ull;
	__u64 lo = el->w[0] | (__u64)el->w[1] << 32, hi = el->w[2] | (__u64)el->w[3] << 32;

	lo &= (lo >> 1) & low;
	hi &= (hi >> 1) & low;
	if (r < 32)
		return sl_popcount64(lo & ((1ull << 2 * r) - 1));
	return sl_popcount64(lo) + sl_popcount64(hi & ((1ull << 2 * (r - 32)) - 1));
}

/*
 * Host-order address; returns an entry word (0: no match). sum: start at
 * the summary (small tables), else at the directory.
 */
static __always_inline __u32 sl_lookup4(void *tab, __u32 a, int sum)
{
	__u32 s = a >> 16, r = s % SL_T4_SUM_PER_ELEM, skey = SL_T4_SUM + s / SL_T4_SUM_PER_ELEM;
	__u32 e = 0, code, n, hosts = 0;
	struct sl_t4_elem *el;
	int i;

	/*
	 * The summary: nothing in this /16, its element's entry, or its
	 * directory word from the element (never 0). Else (e still 0) read the
	 * directory.
	 */
	if (sum) {
		el = bpf_map_lookup_elem(tab, &skey);
		if (!el)
			return 0;
		code = sl_sum_code(el->w, r);
		if (code == SL_SUM_NONE)
			return 0;
		if (code == SL_SUM_ENTRY)
			return el->w[SL_T4_SUM_ENTRY];
		if (code == SL_SUM_NEAR) {
			/* (a rank past the element: a builder never makes one) */
			n = sl_sum4_rank(el, r);
			if (n < SL_T4_SUM_NEAR_MAX)
				e = el->w[SL_T4_SUM_NEAR + n];
		}
	}
	if (!e)
		e = sl_word(tab, SL_T4_DIR_OFF + s);

	if (e & SL_E_NODE) {
		e = sl_node4(tab, e, (a >> 8) & 0xff);
		hosts = e & SL_E_HOSTS;
		if (e & SL_E_NODE)
			e = sl_node4(tab, e, a & 0xff);
	}
	if (hosts) {
		__u32 off, bits, probes, h, key = 0, cur = ~0u, w;

		el = bpf_map_lookup_elem(tab, &key);
		if (!el)
			return 0;
		off = el->w[SL_T4_W_HASH_OFF];
		bits = el->w[SL_T4_W_HASH_BITS];
		probes = el->w[SL_T4_W_HASH_PROBES];
		if (bits < 1 || bits > 31)
			return 0;
		h = sl_hash32(a, bits);
		el = NULL;
		for (i = 0; i < SL_MAX_PROBES; i++) {
			if (i >= (int)probes)
				break;
			/* a slot (address, entry) is two words of one element: off is even */
			w = off + 2 * ((h + i) & ((1u << bits) - 1));
			/* !el: the verifier cannot tell that cur starts unmatched */
			if (w / SL_T4_ELEM_WORDS != cur || !el) {
				cur = w / SL_T4_ELEM_WORDS;
				el = bpf_map_lookup_elem(tab, &cur);
				if (!el)
					break;
			}
			w %= SL_T4_ELEM_WORDS;
			if (w > SL_T4_ELEM_WORDS - 2 || !(el->w[w + 1] & SL_E_VALID))
				break;
			if (el->w[w] == a)
				return el->w[w + 1];
		}
	}
	return (e & (SL_E_VALID | SL_E_NODE)) == SL_E_VALID ? e : 0;
}

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

/*
 * Probe the hash of descriptor d; returns the entry word or 0. The slots
 * hold prefixes in order of home: a slot whose prefix's home lies past this
 * address's (its distance less than the probe's) ends the search.
 */
static __always_inline __u32 sl_probe6(void *tab, __u32 d, const __u32 w[4])
{
	struct sl_t6_elem *de, *slot;
	__u32 len, off, nslots, probes, s, m[4], idx, v, p;
	int j, k;

	idx = SL_T6_DESC + d;
	de = bpf_map_lookup_elem(tab, &idx);
	if (!de)
		return 0;
	len = de->w[SL_T6_D_LEN];
	off = de->w[SL_T6_D_OFF];
	nslots = de->w[SL_T6_D_NSLOTS];
	probes = de->w[SL_T6_D_PROBES];
#pragma unroll
	for (k = 0; k < 4; k++)
		m[k] = sl_mask_word(w[k], k, len);
	s = sl_home6(m, nslots);
	if (len <= SL_T6_NARROW_MAX) {
		for (j = 0; j < SL_T6_MAX_PROBES; j++) {
			if (j >= (int)probes)
				break;
			p = (s + j) & 1;
			idx = off + ((s + j) >> 1);
			slot = bpf_map_lookup_elem(tab, &idx);
			if (!slot)
				break;
			v = slot->w[SL_T6_P_ENTRY + p];
			if (!(v & SL_E_VALID) || SL_E_DIST(v) < (__u32)j)
				break;
			if (slot->w[SL_T6_P_KEY + 2 * p] == m[0] &&
			    slot->w[SL_T6_P_KEY + 2 * p + 1] == m[1])
				return v & SL_E_ENTRY_MASK;
		}
		return 0;
	}
	for (j = 0; j < SL_T6_MAX_PROBES; j++) {
		if (j >= (int)probes)
			break;
		idx = off + s + j;
		slot = bpf_map_lookup_elem(tab, &idx);
		if (!slot)
			break;
		v = slot->w[SL_T6_S_ENTRY];
		if (!(v & SL_E_VALID) || SL_E_DIST(v) < (__u32)j)
			break;
		if (slot->w[0] == m[0] && slot->w[1] == m[1] && slot->w[2] == m[2] &&
		    slot->w[3] == m[3])
			return v & SL_E_ENTRY_MASK;
	}
	return 0;
}

struct sl_l6_ctx {
	void *tab;
	__u32 w[4];
	__u64 mask;   /* groups still to probe */
	__u32 nlens;
	__u32 next, end; /* descriptors of the group at hand still to probe */
	__u32 result;    /* entry of the match, 0 while none */
};

/*
 * Count trailing zeros of a non-zero mask, without branches: the bits below
 * the lowest set one (clang 14 cannot lower ctz for BPF, and a branch per
 * step gives the verifier a path per step).
 */
static __always_inline __u32 sl_ctz64(__u64 x)
{
	return sl_popcount64((x & -x) - 1);
}

/*
 * One bpf_loop step per descriptor: when the group at hand is done, take
 * the lowest group left in the mask (its descriptors lo..hi-1, in order),
 * then probe the next descriptor. One sl_probe6() per step keeps the
 * verifier's work to one probe body per step (three per step, for groups
 * of up to three lengths, took it past a million instructions on 6.18.44).
 */
static long sl_probe_group6(__u32 i, void *data)
{
	struct sl_l6_ctx *c = data;
	__u32 g, e;

	(void)i;
	if (c->next >= c->end) {
		if (!c->mask)
			return 1;
		g = sl_ctz64(c->mask) & (SL_T6_GROUPS - 1);
		c->mask &= c->mask - 1;
		if (c->nlens > SL_T6_GROUPS) {
			c->next = (g * c->nlens + SL_T6_GROUPS - 1) / SL_T6_GROUPS;
			c->end = ((g + 1) * c->nlens + SL_T6_GROUPS - 1) / SL_T6_GROUPS;
		} else {
			c->next = g;
			c->end = g + 1;
		}
		if (c->next >= c->end)
			return 0;
	}
	e = sl_probe6(c->tab, c->next++, c->w);
	if (e) {
		c->result = e;
		return 1;
	}
	return 0;
}

/*
 * A list block (directory word e): its prefixes, longest first, each
 * compared with the address masked to its length; else the block's
 * short-prefix entry, which the first item carries.
 */
static __always_inline __u32 sl_list6(void *tab, __u32 e, const void *addr)
{
	__u32 w[4], n = SL_E_LIST_N(e), idx, v, len, fb = 0;
	struct sl_t6_elem *it;
	int j;

	__builtin_memcpy(w, addr, sizeof(w));
	for (j = 0; j < SL_T6_LIST_MAX; j++) {
		if (j >= (int)n)
			break;
		idx = SL_E_LIST_IDX(e) + j;
		it = bpf_map_lookup_elem(tab, &idx);
		if (!it)
			return 0;
		if (!j)
			fb = it->w[SL_T6_L_SHORT];
		v = it->w[SL_T6_S_ENTRY];
		len = SL_E_PLEN(v);
		if (sl_mask_word(w[0], 0, len) == it->w[0] &&
		    sl_mask_word(w[1], 1, len) == it->w[1] &&
		    sl_mask_word(w[2], 2, len) == it->w[2] &&
		    sl_mask_word(w[3], 3, len) == it->w[3])
			return v;
	}
	return fb & SL_E_VALID ? fb : 0;
}

static __always_inline __u32 sl_lookup6(void *tab, const void *addr)
{
	struct sl_l6_ctx c = { .tab = tab };
	struct sl_t6_elem *de;
	__u32 top, idx, e, w0, bit, dir_bits, blocks;

	__builtin_memcpy(&w0, addr, sizeof(w0));
	w0 = bpf_ntohl(w0);
	/* the summary: nothing in this /16, its one entry, or the header's words */
	bit = (w0 >> 16) % SL_T6_SUM_PER_ELEM;
	idx = SL_T6_SUM + (w0 >> 16) / SL_T6_SUM_PER_ELEM;
	de = bpf_map_lookup_elem(tab, &idx);
	if (!de)
		return 0;
	e = sl_sum_code(de->w + SL_T6_M_CODES, bit);
	if (e == SL_SUM_NONE)
		return 0;
	if (e == SL_SUM_ENTRY)
		return de->w[SL_T6_M_ENTRY];
	dir_bits = de->w[SL_T6_M_DIR_BITS];
	blocks = de->w[SL_T6_M_BLOCKS];
	c.nlens = de->w[SL_T6_M_NLENS];
	if (dir_bits < SL_T6_DIR_MIN_BITS || dir_bits > SL_T6_DIR_MAX_BITS)
		return 0;
	top = w0 >> (32 - dir_bits);
	idx = SL_T6_DIR_ELEM(top);
	top -= idx * SL_T6_DIR_PER_ELEM;
	idx += SL_T6_DIR;
	de = bpf_map_lookup_elem(tab, &idx);
	if (!de || top >= SL_T6_DIR_PER_ELEM)
		return 0;
	e = de->w[top];
	if (!(e & SL_E_NODE))
		return e & SL_E_VALID ? e : 0;
	if (e & SL_E_LIST)
		return sl_list6(tab, e, addr);
	/* a block with longer prefixes: probe the lengths it has, longest first */
	top = SL_E_NODE_IDX(e) & 1;
	idx = blocks + (SL_E_NODE_IDX(e) >> 1);
	de = bpf_map_lookup_elem(tab, &idx);
	if (!de)
		return 0;
	c.mask = de->w[SL_T6_P_KEY + 2 * top] | (__u64)de->w[SL_T6_P_KEY + 2 * top + 1] << 32;
	e = de->w[SL_T6_P_ENTRY + top];
	if (c.nlens > SL_T6_MAX_LENS)
		return 0;
	__builtin_memcpy(c.w, addr, sizeof(c.w));
	bpf_loop(SL_T6_GROUPS + SL_T6_MAX_LENS, sl_probe_group6, &c, 0);
	if (c.result)
		return c.result;
	return e & SL_E_VALID ? e : 0;
}

/* Whether IPv4 lookups start at the summary: the live table is small. */
static __always_inline int sl_v4_summary(void)
{
	__u32 zero = 0;
	struct sl_state *st = bpf_map_lookup_elem(&sl_state, &zero);

	return !st || st->n_v4 <= SL_T4_SUM_MAX;
}

/*
 * The entry of the longest prefix that holds IPv4 address a (host order)
 * or IPv6 address addr, or 0: the /16 filter first, and only when it does
 * not answer, the live table (sum: read the IPv4 summary whatever the
 * table's count). Most addresses stop at the filter, before the table.
 */
static __always_inline __u32 sl_find4(__u32 a, int sum)
{
	__u32 zero = 0, e;
	void *tab;

	if (!sl_filter16(0, a >> 16, &e) || e)
		return e;
	tab = bpf_map_lookup_elem(&sl_v4, &zero);
	return tab ? sl_lookup4(tab, a, sum || sl_v4_summary()) : 0;
}

static __always_inline __u32 sl_find6(const void *addr)
{
	__u32 zero = 0, w0, e;
	void *tab;

	__builtin_memcpy(&w0, addr, sizeof(w0));
	if (!sl_filter16(1, bpf_ntohl(w0) >> 16, &e) || e)
		return e;
	tab = bpf_map_lookup_elem(&sl_v6, &zero);
	return tab ? sl_lookup6(tab, addr) : 0;
}

/*
 * Returns the class of the longest prefix that holds the address, and its
 * length in *plen; or -1 when no prefix matches (the default class).
 */
static __always_inline int sl_classify(const struct sl_addr *a, __u32 *plen)
{
	__u32 e, be;

	if (a->family == 4) {
		__builtin_memcpy(&be, a->addr, sizeof(be));
		e = sl_find4(bpf_ntohl(be), 0);
	} else {
		e = sl_find6(a->addr);
	}
	if (!e)
		return -1;
	*plen = SL_E_PLEN(e);
	return SL_E_CLASS(e);
}

#endif /* SLUICE_BPF_CLASSIFY_H */
