// SPDX-License-Identifier: GPL-2.0
/*
 * Lookup benchmark and differential checker (not part of the datapath).
 * One program loops with bpf_loop over an array of addresses and classifies
 * each with the method chosen by `mode`, as the kernel's own LPM trie
 * benchmark does; run with BPF_PROG_TEST_RUN from bench/ and tests/.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "maps.h"
#include "classify.h"
#include "count.h"
#include "core.h"
#include "sluice_bench.h"

char LICENSE[] SEC("license") = "GPL";


struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, BM_MAX_ADDRS);
	__type(key, __u32);
	__type(value, struct sl_v6_key); /* prefixlen unused; IPv4 in addr[0..3] */
} bm_addrs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 1);
	__uint(key_size, sizeof(struct sl_v4_key));
	__uint(value_size, sizeof(struct sl_lpm_val));
} bm_trie4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 1);
	__uint(key_size, sizeof(struct sl_v6_key));
	__uint(value_size, sizeof(struct sl_lpm_val));
} bm_trie6 SEC(".maps");

/*
 * The flow benchmark's floor (bm_xdp_touch): one 16-byte slot per flow,
 * sized by the benchmark before loading (nslots).
 */
struct bm_slot {
	__u64 tag;
	__u64 word;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct bm_slot);
} bm_slots SEC(".maps");

__u32 nslots; /* 0: bm_xdp_touch parses and hashes, and touches no slot */
__u32 mode;
__u32 count;	  /* addresses to visit */
__u32 start;	  /* first address index */
__u64 checksum;	  /* keeps the work from being optimised away */
__u64 mismatches; /* BM_DIFF*: disagreements */
__u32 first_bad;  /* BM_DIFF*: index of the first one */
__u32 bad_ours, bad_ref; /* its two answers (entry word / class<<8|plen) */

struct bm_ctx {
	void *tab4; /* BM_DIFF4's lookup through the directory alone */
	__u64 sum;
};

static __always_inline __u32 ref_entry(struct sl_lpm_val *v)
{
	return v ? SL_E_MAKE(v->class_id, v->prefixlen) : 0;
}

static long bm_step(__u32 i, void *data)
{
	struct bm_ctx *c = data;
	__u32 idx = start + i, e = 0, r = 0;
	struct sl_v6_key *a;

	a = bpf_map_lookup_elem(&bm_addrs, &idx);
	if (!a)
		return 1;
	/*
	 * sluice's lookups, one call site per family (each call site of
	 * sl_lookup6() is verified apart, and its bpf_loop callback with it).
	 */
	if (mode == BM_SLUICE6 || mode == BM_DIFF6) {
		e = sl_find6(a->addr);
	} else if (mode == BM_SLUICE4 || mode == BM_DIFF4) {
		__u32 be, h;

		__builtin_memcpy(&be, a->addr, 4);
		h = bpf_ntohl(be);
		e = sl_find4(h, mode == BM_DIFF4);
		/*
		 * the filter and the summary, and the directory alone, must agree
		 * (~0: never right)
		 */
		if (mode == BM_DIFF4 && sl_lookup4(c->tab4, h, 0) != e)
			e = ~0u;
	}
	if (mode == BM_SLUICE4 || mode == BM_SLUICE6) {
		c->sum += e;
		return 0;
	}
	switch (mode) {
	case BM_EMPTY:
		c->sum += a->addr[0];
		break;
	case BM_ARRAY: {
		__u32 k = a->addr[3];
		__u32 *w = bpf_map_lookup_elem(&sl_state, &k);

		c->sum += w ? 1 : 0;
		break;
	}
	case BM_TRIE4:
	case BM_TRIE6:
	case BM_DIFF4:
	case BM_DIFF6: {
		struct sl_v6_key k = { .prefixlen = 128 };
		struct sl_lpm_val *v;

		__builtin_memcpy(k.addr, a->addr, 16);
		if (mode == BM_TRIE4 || mode == BM_DIFF4) {
			k.prefixlen = 32;
			v = bpf_map_lookup_elem(&bm_trie4, &k);
		} else {
			v = bpf_map_lookup_elem(&bm_trie6, &k);
		}
		r = ref_entry(v);
		c->sum += r;
		if (mode == BM_TRIE4 || mode == BM_TRIE6)
			break;
		/* Compare class and prefix length, not the flag bits. */
		e &= SL_E_VALID | 0xffffff;
		if (e != r) {
			if (!mismatches) {
				first_bad = idx;
				bad_ours = e;
				bad_ref = r;
			}
			mismatches++;
		}
		break;
	}
	}
	return 0;
}

SEC("xdp")
int bm_run(struct xdp_md *ctx)
{
	struct bm_ctx c = {};
	__u32 zero = 0;

	(void)ctx;
	c.tab4 = bpf_map_lookup_elem(&sl_v4, &zero);
	if (!c.tab4 || !bpf_map_lookup_elem(&sl_v6, &zero))
		return XDP_ABORTED;
	bpf_loop(count, bm_step, &c, 0);
	checksum += c.sum;
	return XDP_PASS;
}

/*
 * Whole programs, per packet, run once per frame: sluice's XDP entry point
 * (the same code as sl_xdp_dst), the same program with the kernel LPM trie
 * in place of sluice's classifier or with no classifier, and an empty
 * program (the harness).
 */
SEC("xdp.frags")
int bm_xdp_sluice(struct xdp_md *ctx)
{
	return sl_xdp(ctx, 1);
}

/*
 * sluice's program with the kernel's LPM trie as classifier (trie), or with
 * none at all (every address in the default class): the least any
 * classifier could cost in this program.
 */
static __always_inline int bm_xdp_other(struct xdp_md *ctx, int trie)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u64 len = bpf_xdp_get_buff_len(ctx);
	struct sl_v6_key k = { .prefixlen = 128 };
	struct sl_lpm_val *v = NULL;
	struct sl_addr a = {};
	__u32 class_id = SL_CLASS_DEFAULT;
	enum sl_action action;

	if (sl_parse(data, data_end, 1, &a)) {
		sl_count(&sl_misc, SL_MISC_NONIP(SL_DIR_IN), SL_PASS, len, 1);
		return XDP_PASS;
	}
	if (trie && a.family == 4) {
		k.prefixlen = 32;
		__builtin_memcpy(k.addr, a.addr, 4);
		v = bpf_map_lookup_elem(&bm_trie4, &k);
	} else if (trie) {
		__builtin_memcpy(k.addr, a.addr, 16);
		v = bpf_map_lookup_elem(&bm_trie6, &k);
	}
	if (v)
		class_id = v->class_id;
	action = sl_enforce(class_id, SL_DIR_IN, len, 1, &a, 1);
	if (action == SL_ACT_DROP)
		return XDP_DROP;
	/* what sl_xdp() does after classifying, so that only that differs */
	sl_xdp_mark(ctx, class_id, 1, action);
	return XDP_PASS;
}

SEC("xdp.frags")
int bm_xdp_trie(struct xdp_md *ctx)
{
	return bm_xdp_other(ctx, 1);
}

SEC("xdp.frags")
int bm_xdp_floor(struct xdp_md *ctx)
{
	return bm_xdp_other(ctx, 0);
}

SEC("xdp")
int bm_xdp_pass(struct xdp_md *ctx)
{
	(void)ctx;
	return XDP_PASS;
}

/*
 * The least state a flow scope could keep: parse the frame as sluice's
 * program does, hash its addresses and ports, and compare-and-swap one word
 * of that flow's 16-byte slot, as a bucket update does. With nslots 0 the
 * same program skips the slot, so the difference of the two is the cost of
 * one flow's state alone (bench/flows.c).
 */
SEC("xdp")
int bm_xdp_touch(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct sl_addr a = {};
	struct sl_pkt p = {};
	struct bm_slot *s;
	__u32 remote, local, idx;
	__u64 h, e;

	if (sl_parse(data, data_end, 0, &a) || a.family != 4 || sl_parse_flow(&a, 0, &p))
		return XDP_PASS;
	__builtin_memcpy(&remote, a.addr, 4);
	__builtin_memcpy(&local, p.local, 4);
	h = ((__u64)remote << 32 | local) ^ ((__u64)p.rport << 16 | p.lport) * 0x9e3779b97f4a7c15ull;
	h = (h ^ (h >> 31)) * 0xbf58476d1ce4e5b9ull;
	h ^= h >> 29;
	if (!nslots)
		return h == 1 ? XDP_DROP : XDP_PASS;
	idx = (__u32)(((h & 0xffffffff) * nslots) >> 32);
	s = bpf_map_lookup_elem(&bm_slots, &idx);
	if (!s)
		return XDP_ABORTED;
	e = *(volatile __u64 *)&s->word;
	__sync_val_compare_and_swap(&s->word, e, e + 1);
	return s->tag == h ? XDP_DROP : XDP_PASS;
}
