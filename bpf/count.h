/* SPDX-License-Identifier: GPL-2.0 */
/* sluice: per-CPU packet and byte counters, indexed by enum sl_verdict. */
#ifndef SLUICE_BPF_COUNT_H
#define SLUICE_BPF_COUNT_H

#include <bpf/bpf_helpers.h>

#include "sluice.h"

/* Count a packet of len bytes under key of map (sl_stats or sl_misc). */
static __always_inline void sl_count(void *map, __u32 key, int verdict, __u64 len)
{
	struct sl_counters *c = bpf_map_lookup_elem(map, &key);

	if (!c)
		return;
	if (verdict != SL_PASS)
		verdict = SL_DROP;
	c->packets[verdict]++;
	c->bytes[verdict] += len;
}

#endif /* SLUICE_BPF_COUNT_H */
