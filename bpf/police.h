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

/* Compare-and-swap attempts on a bucket before a packet is dropped. */
#define SL_BUCKET_TRIES 4

extern unsigned int CONFIG_HZ __kconfig __weak;

/*
 * How far the tick clock may lag: four ticks, 0 (not used) when the
 * kernel's HZ is not known. A busy CPU's tick runs every tick, and an idle
 * CPU brings jiffies up to date when an interrupt wakes it.
 */
static __always_inline __u64 sl_tick_lag_ns(void)
{
	switch (CONFIG_HZ) {
	case 100:
		return 40000000;
	case 250:
		return 16000000;
	case 300:
		return 13333333;
	case 1000:
		return 4000000;
	}
	return 0;
}

/* Read the clock, and keep it as this CPU's for tick j. */
static __always_inline __u64 sl_tick_read(struct sl_tick_clock *t, __u64 j)
{
	__u64 now = bpf_ktime_get_ns();

	t->jiffies = j;
	t->ns = now;
	return now;
}

/*
 * The time to police buckets of burst tau with. A burst at least 4 lags
 * long takes the time this CPU read at its first policed packet of the
 * current tick (*t set, jiffies in *j; read now when the tick is new): no
 * clock read of its own, which is most of a police class's cost. Otherwise
 * (*t NULL) the clock, read now.
 */
static __always_inline __u64 sl_police_time(__u64 tau, struct sl_tick_clock **t, __u64 *j)
{
	__u64 lag = sl_bucket_time(sl_tick_lag_ns());
	__u32 zero = 0;

	*t = NULL;
	if (!lag || tau < 4 * lag)
		return bpf_ktime_get_ns();
	*t = bpf_map_lookup_elem(&sl_tick, &zero);
	if (!*t)
		return bpf_ktime_get_ns();
	*j = bpf_jiffies64();
	if ((*t)->jiffies != *j)
		return sl_tick_read(*t, *j);
	return (*t)->ns;
}

/*
 * Police a packet that needs cost units (sl_police_cost()) from bucket b of
 * burst tau with parameters p (the class's, or a per-flow bucket's) at time
 * now_ns from sl_police_time(): the GCRA of include/sluice_bucket.h, one
 * compare-and-swap, no lock and no division. Dropped packets only read the
 * bucket. With the tick's time (t set) the decision is
 * sl_bucket_admit_lagged()'s; where it cannot tell, the clock is read and
 * the decision is exact, so the bound stays rate * time + burst + one
 * packet as long as jiffies lag the clock by less than sl_tick_lag_ns(). A
 * CAS lost to another CPU is retried with the state that CPU wrote; after
 * SL_BUCKET_TRIES lost races the packet is dropped (which only ever admits
 * less). With a lease (ls set: a class bucket; cost is what this CPU's
 * lease did not cover, in the units of tag) the CPU takes a new lease with
 * the same compare-and-swap. Returns the counters' SL_PASS or SL_DROP.
 */
static __always_inline int sl_bucket_police(struct sl_bucket *b, const struct sl_police_param *p,
					    __u64 tau, struct sl_lease *ls, __u64 tag, __u64 cost,
					    struct sl_tick_clock *t, __u64 j, __u64 now_ns)
{
	__u64 lag = t ? sl_bucket_time(sl_tick_lag_ns()) : 0, now, e, next, seen, got = 0;
	int i, lost = 0;

	now = sl_bucket_time(now_ns);
	e = *(volatile __u64 *)&b->empty;
	/* one more round than tries: the one that reads the clock */
	for (i = 0; i <= SL_BUCKET_TRIES; i++) {
		next = lag ? sl_bucket_admit_lagged(e, now, lag, tau, cost) :
			     sl_bucket_admit(e, now, tau, cost);
		if (lag && next == SL_BUCKET_EXACT) {
			now = sl_bucket_time(t ? sl_tick_read(t, j) : bpf_ktime_get_ns());
			lag = 0;
			e = *(volatile __u64 *)&b->empty;
			continue;
		}
		if (!next)
			return SL_DROP;
		if (ls)
			next = sl_bucket_take(next, now, p->lease, &got);
		seen = __sync_val_compare_and_swap(&b->empty, e, next);
		if (seen == e) {
			if (ls) {
				ls->tag = tag;
				ls->left = got;
			}
			return SL_PASS;
		}
		e = seen;
		if (++lost == SL_BUCKET_TRIES)
			break;
	}
	return SL_DROP;
}

/*
 * Police against the shared bucket of a class and direction (key). With
 * leases (p->lease) a packet that this CPU's lease covers passes without
 * the clock or the shared word; the others go to the bucket, whose burst
 * is then ltau (the leases hold the rest of tau), for what the lease did
 * not cover, and take a new lease. The tag is read with the cost, so a
 * class record rewritten meanwhile cannot label old units with a new tag.
 */
static __always_inline int sl_police(__u32 key, const struct sl_police_param *p, __u64 len)
{
	struct sl_lease *ls = NULL;
	struct sl_tick_clock *t;
	struct sl_bucket_line *l;
	__u64 j = 0, now, have = 0, cost = 0, tag = 0;
	int verdict = sl_police_cost(p, len, &cost);

	if (verdict >= 0)
		return verdict;
	l = bpf_map_lookup_elem(&sl_buckets, &key);
	if (!l)
		return SL_PASS;
	if (p->lease) {
		ls = bpf_map_lookup_elem(&sl_lease, &key);
		if (ls) {
			tag = sl_bucket_lease_tag(p);
			if (ls->tag == tag)
				have = ls->left < p->lease ? ls->left : p->lease;
			if (have >= cost) {
				ls->left = have - cost;
				return SL_PASS;
			}
			cost -= have;
		}
	}
	now = sl_police_time(p->ltau, &t, &j);
	return sl_bucket_police(&l->b, p, p->ltau, ls, tag, cost, t, j, now);
}

/*
 * Apply the policy of class_id to a packet of len bytes going in dir (a:
 * its addresses and ports, for the host and flow scopes). Shaped packets
 * count as passed here: the queue's drops are the qdisc's.
 */
static __always_inline enum sl_action sl_enforce(__u32 class_id, int dir, __u64 len, __u32 segs,
						 const struct sl_addr *a, int match_dst)
{
	__u32 key = class_id * SL_DIR_MAX + dir;
	enum sl_action action = SL_ACT_PASS;
	int verdict = SL_PASS, slot = SL_CNT_PASS;
	struct sl_class *cls;

	cls = bpf_map_lookup_elem(&sl_classes, &class_id);
	if (cls && (cls->flags & SL_CLASS_USED)) {
		switch (cls->policy) {
		case SL_POLICY_DROP:
			slot = SL_CNT_DROP_POLICY;
			action = SL_ACT_DROP;
			break;
		case SL_POLICY_POLICE:
			if (cls->scope == SL_SCOPE_CLASS && cls->initiator == SL_INIT_ANY)
				verdict = sl_police(key, &cls->police[dir & 1], len);
			else
				verdict = sl_police_scoped(cls, class_id, key, dir, len, a,
							   match_dst);
			if (verdict == SL_DROP) {
				slot = SL_CNT_DROP_POLICE; /* counted apart from a drop policy's */
				action = SL_ACT_DROP;
			}
			break;
		case SL_POLICY_SHAPE:
			if (cls->rate[dir & 1] && class_id <= SL_SHAPE_MAX_CLASS)
				action = SL_ACT_SHAPE;
			break;
		}
	}
	sl_count(&sl_stats, key, slot, len, segs);
	return action;
}

#endif /* SLUICE_BPF_POLICE_H */
