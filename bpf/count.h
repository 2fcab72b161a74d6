/* SPDX-License-Identifier: GPL-2.0 */
/* sluice: per-CPU packet and byte counters, indexed by enum sl_count_slot. */
#ifndef SLUICE_BPF_COUNT_H
#define SLUICE_BPF_COUNT_H

#include <bpf/bpf_helpers.h>

#include "sluice.h"

/*
 * Count a packet of len bytes under key of map (sl_stats or sl_misc) in
 * slot: segs packets, as the wire sees a GSO packet (1 at XDP).
 */
static __always_inline void sl_count(void *map, __u32 key, int slot, __u64 len, __u32 segs)
{
	struct sl_counters *c = bpf_map_lookup_elem(map, &key);

	if (!c)
		return;
	if (slot < 0 || slot >= SL_CNT_MAX)
		slot = SL_CNT_DROP_POLICY;
	c->packets[slot] += segs;
	c->bytes[slot] += len;
}

#endif /* SLUICE_BPF_COUNT_H */
