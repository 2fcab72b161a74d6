/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sluice: per host and per flow policing. A police class with --per host or
 * --per flow has a token bucket per local address or per connection and
 * direction, kept in the LRU hash sl_flows; with --initiator local only
 * flows opened from the local side are policed. See docs/architecture.md.
 */
#ifndef SLUICE_BPF_FLOW_H
#define SLUICE_BPF_FLOW_H

#include <bpf/bpf_helpers.h>

#include "maps.h"
#include "parse.h"
#include "sluice_bucket.h"

/* The class bucket and the time to police with (police.h). */
static __always_inline int sl_police(__u32 key, const struct sl_police_param *p, __u64 len);
static __always_inline __u64 sl_police_time(__u64 tau, struct sl_tick_clock **t, __u64 *j);
static __always_inline int sl_bucket_police(struct sl_bucket *b, const struct sl_police_param *p,
					    __u64 tau, struct sl_lease *ls, __u64 tag, __u64 cost,
					    struct sl_tick_clock *t, __u64 j, __u64 now_ns);

#define SL_READ(x) (*(volatile typeof(x) *)&(x))

/*
 * Was an entry last seen at seen within idle ns of now? Another CPU may
 * have stamped it with a clock read later than this one's now.
 */
static __always_inline int sl_flow_live(__u64 seen, __u64 now, __u64 idle)
{
	return seen >= now || now - seen <= idle;
}

/* The key of a packet's flow (scope SL_SCOPE_FLOW) or local host. */
static __always_inline void sl_flow_key_make(struct sl_flow_key *k, __u32 class_id, int dir,
					     int scope, const struct sl_addr *r, const struct sl_pkt *a)
{
	__builtin_memset(k, 0, sizeof(*k));
	k->class_id = class_id;
	k->dir = dir;
	k->scope = scope;
	k->family = r->family;
	if (r->family == 4)
		k->laddr[0] = *(const __u32 *)a->local;
	else
		__builtin_memcpy(k->laddr, a->local, 16);
	if (scope != SL_SCOPE_FLOW)
		return;
	k->proto = a->proto;
	k->lport = a->lport;
	k->rport = a->rport;
	if (r->family == 4)
		k->raddr[0] = *(const __u32 *)r->addr;
	else
		__builtin_memcpy(k->raddr, r->addr, 16);
}

/*
 * Who opened the flow, from this packet. The packet comes from the local
 * side when the attachment matches its destination. TCP: a SYN opens the
 * connection from its sender, a SYN-ACK from its receiver; other segments
 * say nothing. ICMP echo: the request's sender. Anything else: the sender
 * of the first packet seen (first set only when the entry is created).
 */
static __always_inline __u32 sl_origin(const struct sl_pkt *a, int match_dst, int creating)
{
	__u32 sender = match_dst ? SL_ORIGIN_LOCAL : SL_ORIGIN_REMOTE;
	__u32 receiver = match_dst ? SL_ORIGIN_REMOTE : SL_ORIGIN_LOCAL;
	__u8 t = a->l4_info;

	if (a->proto == IPPROTO_TCP && a->has_l4) {
		if (!(t & SL_TCP_SYN) || (t & SL_TCP_RST))
			return SL_ORIGIN_UNKNOWN;
		return t & SL_TCP_ACK ? receiver : sender;
	}
	if ((a->proto == IPPROTO_ICMP || a->proto == IPPROTO_ICMPV6) && a->has_l4) {
		if (t == 8 || t == 128)
			return sender;
		if (t == 0 || t == 129)
			return receiver;
	}
	return creating ? sender : SL_ORIGIN_UNKNOWN;
}

static __always_inline void sl_flow_created(__u32 class_id, int reset)
{
	struct sl_flow_counts *c = bpf_map_lookup_elem(&sl_flowcnt, &class_id);

	if (!c)
		return;
	if (reset)
		c->reset++;
	else
		c->created++;
}

/* A new entry's origin: this packet's, else the other direction's. */
static __always_inline __u32 sl_flow_origin_new(struct sl_flow_key *k, const struct sl_pkt *a,
						int match_dst, __u64 now, __u64 idle)
{
	__u32 o = sl_origin(a, match_dst, a->proto != IPPROTO_TCP);
	struct sl_flow *peer;

	if (k->scope != SL_SCOPE_FLOW)
		return SL_ORIGIN_UNKNOWN;
	k->dir ^= 1;
	peer = bpf_map_lookup_elem(&sl_flows, k);
	k->dir ^= 1;
	if (peer && sl_flow_live(SL_READ(peer->seen_ns), now, idle) &&
	    peer->origin != SL_ORIGIN_UNKNOWN)
		return peer->origin;
	return o;
}

/*
 * The entry of key k, created (or started again after idle ns without a
 * packet) with a full bucket. NULL only when the map cannot take it.
 */
static __always_inline struct sl_flow *sl_flow_get(struct sl_flow_key *k, const struct sl_pkt *a,
						   int match_dst, __u64 now, __u64 idle)
{
	struct sl_flow *f = bpf_map_lookup_elem(&sl_flows, k);
	struct sl_flow v = {};
	__u32 o;

	if (f && sl_flow_live(SL_READ(f->seen_ns), now, idle)) {
		if (SL_READ(f->seen_ns) < now)
			f->seen_ns = now;
		if (f->origin == SL_ORIGIN_UNKNOWN && k->scope == SL_SCOPE_FLOW) {
			o = sl_origin(a, match_dst, 0);
			if (o != SL_ORIGIN_UNKNOWN)
				f->origin = o;
		}
		return f;
	}
	v.first_ns = now;
	v.seen_ns = now;
	v.origin = sl_flow_origin_new(k, a, match_dst, now, idle);
	if (!bpf_map_update_elem(&sl_flows, k, &v, f ? BPF_ANY : BPF_NOEXIST))
		sl_flow_created(k->class_id, f != NULL);
	return bpf_map_lookup_elem(&sl_flows, k);
}

static __always_inline void sl_flow_count(struct sl_flow *f, int verdict, __u64 len)
{
	if (verdict == SL_PASS) {
		__sync_fetch_and_add(&f->packets[SL_PASS], 1);
		__sync_fetch_and_add(&f->bytes[SL_PASS], len);
	} else {
		__sync_fetch_and_add(&f->packets[SL_DROP], 1);
		__sync_fetch_and_add(&f->bytes[SL_DROP], len);
	}
}

/*
 * Police a packet of a class with a host or flow scope, or with
 * --initiator local (then the flow's entry says who opened it; a flow not
 * known to be opened locally passes). class_key indexes the class bucket.
 */
static __always_inline int sl_police_scoped(const struct sl_class *cls, __u32 class_id,
					    __u32 class_key, int dir, __u64 len,
					    const struct sl_addr *r, int match_dst)
{
	const struct sl_police_param *p = &cls->police[dir & 1];
	__u64 rate = cls->rate[dir & 1], idle = cls->idle_ns, now, j = 0, cost = 0;
	struct sl_flow *f = NULL, *b;
	struct sl_tick_clock *t;
	struct sl_flow_key k;
	struct sl_pkt a = {};
	int verdict;

	if (!rate)
		return SL_PASS;
	if (sl_parse_flow(r, match_dst, &a))
		return sl_police(class_key, p, len);
	/* the tick's time, mostly: entries' times are good to a tick */
	now = sl_police_time(p->tau, &t, &j);
	if (!idle)
		idle = SL_DEF_IDLE_NS;
	if (cls->scope == SL_SCOPE_FLOW || cls->initiator == SL_INIT_LOCAL) {
		sl_flow_key_make(&k, class_id, dir, SL_SCOPE_FLOW, r, &a);
		f = sl_flow_get(&k, &a, match_dst, now, idle);
		if (f && cls->initiator == SL_INIT_LOCAL && f->origin != SL_ORIGIN_LOCAL) {
			sl_flow_count(f, SL_PASS, len);
			return SL_PASS;
		}
	}
	if (cls->scope == SL_SCOPE_CLASS) {
		verdict = sl_police(class_key, p, len);
	} else {
		b = f;
		if (cls->scope == SL_SCOPE_HOST) {
			sl_flow_key_make(&k, class_id, dir, SL_SCOPE_HOST, r, &a);
			b = sl_flow_get(&k, &a, match_dst, now, idle);
		}
		/* the table could not take the entry: pass, never misclassify */
		if (!b)
			return SL_PASS;
		verdict = sl_police_cost(p, len, &cost);
		if (verdict < 0)
			verdict = sl_bucket_police(&b->bucket, p, p->tau, NULL, 0, cost, t, j, now);
		if (b != f)
			sl_flow_count(b, verdict, len);
	}
	if (f)
		sl_flow_count(f, verdict, len);
	return verdict;
}

#endif /* SLUICE_BPF_FLOW_H */
