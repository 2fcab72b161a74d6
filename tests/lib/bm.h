/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sluice: lookup benchmark and differential-test harness (bpf/bench.bpf.c),
 * shared by bench/ and tests/.
 */
#ifndef SLUICE_BM_H
#define SLUICE_BM_H

#include <stdbool.h>
#include <stddef.h>
#include "prefix.h"
#include "sluice.h"

#include "sluice_bench.h"

enum bm_mix {
	BM_MIX_REALISTIC, /* 85% IPv4 hosts, 10% IPv4 /8-/31, 5% IPv6 */
	BM_MIX_WORST,	  /* every prefix length, IPv4 and IPv6 */
};

struct bm;

/* Random prefixes of a mix, classes 1..nclasses, resolved (sorted, unique). */
int bm_gen(enum bm_mix mix, size_t n, unsigned int nclasses, unsigned int seed,
	   struct sl_pfx_vec *out);
/* Load the benchmark object with these prefixes in sluice's tables and in tries. */
struct bm *bm_open(const struct sl_pfx_vec *pfx);
/* The same, with a table of nslots 16-byte slots for bm_xdp_touch. */
struct bm *bm_open_slots(const struct sl_pfx_vec *pfx, __u32 nslots);
/* bm_xdp_touch (the flow benchmark's floor): its fd; on: touch a slot. */
int bm_touch_prog(struct bm *b, bool on);
void bm_close(struct bm *b);
/* Swap in sluice's tables of another set (the tries stay as they are). */
int bm_swap_tables(struct bm *b, const struct sl_pfx_vec *pfx);
/* Put addresses (struct sl_pfx, family 4 or 6) in the address array. */
int bm_set_addrs(struct bm *b, const struct sl_pfx *a, size_t n);
/* Run mode over count addresses from start; *ns: mean ns per run. */
int bm_run(struct bm *b, enum bm_mode mode, __u32 start, __u32 count, __u32 repeat, double *ns);
/* Whole XDP programs, run once per frame (bpf/bench.bpf.c). */
enum bm_prog {
	BM_PROG_PASS,	/* returns XDP_PASS: the harness alone */
	BM_PROG_TRIE,	/* sluice's program with the kernel LPM trie as classifier */
	BM_PROG_SLUICE, /* sluice's XDP program (match dst) */
	BM_PROG_FLOOR,	/* sluice's program with no classifier: its fixed cost */
	BM_PROG_N,
};
/* Run prog once on a frame to each address; *ns: mean ns per frame. */
int bm_run_frames(struct bm *b, enum bm_prog prog, const struct sl_pfx *addrs, size_t n,
		  double *ns);
/* Run prog on one frame to addr, repeat times (hot); *ns: mean ns per frame. */
int bm_run_hot(struct bm *b, enum bm_prog prog, const struct sl_pfx *addr, __u32 repeat,
	       double *ns);
/* Write class id's record (both directions) and reset its buckets. */
int bm_set_class(struct bm *b, __u32 id, __u32 policy, __u64 rate, __u64 burst);
/* After BM_DIFF*: disagreements, and the first one. */
__u64 bm_mismatches(struct bm *b, __u32 *first, __u32 *ours, __u32 *ref);
/* The datapath's /16 filter of family (4 or 6), its bits and side words. */
int bm_present(struct bm *b, int family, struct sl_present *out);
/* Bytes of kernel memory of sluice's tables and of the tries. */
void bm_memory(struct bm *b, __u64 *sluice4, __u64 *sluice6, __u64 *trie4, __u64 *trie6);

#endif
