/* SPDX-License-Identifier: GPL-2.0 */
/* sluice: the ABI of the lookup benchmark program (bpf/bench.bpf.c). */
#ifndef SLUICE_BENCH_H
#define SLUICE_BENCH_H

#include <linux/types.h>

enum bm_mode {
	BM_EMPTY = 0, /* the loop alone */
	BM_ARRAY,     /* one array lookup */
	BM_TRIE4,     /* kernel LPM trie, IPv4 */
	BM_SLUICE4,   /* sluice's classifier, IPv4 */
	BM_TRIE6,
	BM_SLUICE6,
	BM_DIFF4,     /* both, count disagreements */
	BM_DIFF6,
};

#define BM_MAX_ADDRS (1u << 22)

/* Reference tables (kernel LPM tries), used by the tests and benchmarks. */
struct sl_v4_key {
	__u32 prefixlen;
	__u8 addr[4];
};

struct sl_v6_key {
	__u32 prefixlen;
	__u8 addr[16];
};

struct sl_lpm_val {
	__u32 class_id;
	__u32 prefixlen;
};

#endif
