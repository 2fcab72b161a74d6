/* SPDX-License-Identifier: GPL-2.0 */
/* sluice: class policy, token bucket policer and counters. */
#ifndef SLUICE_BPF_POLICE_H
#define SLUICE_BPF_POLICE_H

#include "maps.h"
#include "sluice_bucket.h"

/*
 * Token bucket shared by all CPUs. Tokens are kept in bit-nanoseconds per
 * second: a byte is worth 8e9 and one nanosecond at R bit/s refills R, so
 * the arithmetic is exact. The bucket starts full and holds at most burst
 * bytes. A packet is admitted while the bucket holds any tokens, and its
 * whole length is taken, so the bucket may go into debt by up to one
 * packet: a 64 KiB GSO packet is never starved by a burst smaller than it,
 * and over any window the bytes admitted stay within
 * rate * time + burst + one packet.
 */
static __always_inline int sl_police(__u32 key, __u64 rate, __u64 burst, __u64 len)
{
	struct sl_bucket *b;
	__s64 cap;
	__u64 now;
	int verdict;

	if (!rate)
		return SL_PASS;
	b = bpf_map_lookup_elem(&sl_buckets, &key);
	if (!b)
		return SL_PASS;

	now = bpf_ktime_get_ns();
	cap = sl_bucket_cap(burst);

	bpf_spin_lock(&b->lock);
	if (!b->last_ns) {
		/* a new or reset bucket starts full, however long the uptime */
		b->tokens = cap;
		b->last_ns = now;
	}
	/* CPUs may read the clock in one order and take the lock in another */
	if (now > b->last_ns) {
		b->tokens = sl_bucket_refill(b->tokens, cap, now - b->last_ns, rate);
		b->last_ns = now;
	} else if (b->tokens > cap) {
		b->tokens = cap; /* the burst was lowered */
	}
	verdict = sl_bucket_take(&b->tokens, len) ? SL_PASS : SL_DROP;
	bpf_spin_unlock(&b->lock);
	return verdict;
}

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

/* sl_enforce() result: SL_PASS, SL_DROP, or pass through the shaper. */
#define SL_SHAPE 2

/*
 * Apply the policy of class_id to a packet of len bytes going in dir.
 * Shaped packets count as passed here: the queue's drops are the qdisc's.
 */
static __always_inline int sl_enforce(__u32 class_id, int dir, __u64 len)
{
	__u32 key = class_id * SL_DIR_MAX + dir;
	int verdict = SL_PASS, action = SL_PASS;
	struct sl_class *cls;

	cls = bpf_map_lookup_elem(&sl_classes, &class_id);
	if (cls && (cls->flags & SL_CLASS_USED)) {
		switch (cls->policy) {
		case SL_POLICY_DROP:
			verdict = action = SL_DROP;
			break;
		case SL_POLICY_POLICE:
			verdict = action = sl_police(key, cls->rate[dir & 1], cls->burst[dir & 1], len);
			break;
		case SL_POLICY_SHAPE:
			if (cls->rate[dir & 1] && class_id <= SL_SHAPE_MAX_CLASS)
				action = SL_SHAPE;
			break;
		}
	}
	sl_count(&sl_stats, key, verdict, len);
	return action;
}

#endif /* SLUICE_BPF_POLICE_H */
