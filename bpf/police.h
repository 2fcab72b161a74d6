/* SPDX-License-Identifier: GPL-2.0 */
/* sluice: class policy and token bucket policer. */
#ifndef SLUICE_BPF_POLICE_H
#define SLUICE_BPF_POLICE_H

#include "maps.h"
#include "count.h"
#include "flow.h"
#include "sluice_bucket.h"

/*
 * What the hook does with a packet once its class policy is applied. Kept
 * apart from enum sl_verdict, which indexes the counters.
 */
enum sl_action {
	SL_ACT_PASS,
	SL_ACT_DROP,
	SL_ACT_SHAPE, /* pass, through the class's HTB class */
};

/*
 * Token bucket shared by all CPUs. Tokens are kept in bit-nanoseconds per
 * second: a byte is worth 8e9 and one nanosecond at R bit/s refills R, so
 * the arithmetic is exact. The bucket starts full and holds at most burst
 * bytes. A packet is admitted while the bucket holds any tokens, and its
 * whole length is taken, so the bucket may go into debt by up to one
 * packet: a 64 KiB GSO packet is never starved by a burst smaller than it,
 * and over any window the bytes admitted stay within
 * rate * time + burst + one packet. Returns the counters' SL_PASS or
 * SL_DROP.
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

/*
 * Apply the policy of class_id to a packet of len bytes going in dir (a:
 * its addresses and ports, for the host and flow scopes). Shaped packets
 * count as passed here: the queue's drops are the qdisc's.
 */
static __always_inline enum sl_action sl_enforce(__u32 class_id, int dir, __u64 len,
						 const struct sl_addr *a, int match_dst)
{
	__u32 key = class_id * SL_DIR_MAX + dir;
	enum sl_action action = SL_ACT_PASS;
	int verdict = SL_PASS;
	struct sl_class *cls;

	cls = bpf_map_lookup_elem(&sl_classes, &class_id);
	if (cls && (cls->flags & SL_CLASS_USED)) {
		switch (cls->policy) {
		case SL_POLICY_DROP:
			verdict = SL_DROP;
			action = SL_ACT_DROP;
			break;
		case SL_POLICY_POLICE:
			if (cls->scope == SL_SCOPE_CLASS && cls->initiator == SL_INIT_ANY)
				verdict = sl_police(key, cls->rate[dir & 1], cls->burst[dir & 1],
						    len);
			else
				verdict = sl_police_scoped(cls, class_id, key, dir, len, a,
							   match_dst);
			if (verdict == SL_DROP)
				action = SL_ACT_DROP;
			break;
		case SL_POLICY_SHAPE:
			if (cls->rate[dir & 1] && class_id <= SL_SHAPE_MAX_CLASS)
				action = SL_ACT_SHAPE;
			break;
		}
	}
	sl_count(&sl_stats, key, verdict, len);
	return action;
}

#endif /* SLUICE_BPF_POLICE_H */
