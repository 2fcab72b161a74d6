/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sluice: token bucket arithmetic, shared by the datapath (bpf/police.h),
 * the class writer (user/state.c) and the unit tests.
 *
 * The bucket is a virtual time (GCRA): e, the time at which it runs empty.
 * It holds now - e worth of tokens, at most tau (the burst). A packet is
 * admitted while the bucket holds any tokens (now > e) and takes its whole
 * length: e += cost, so the bucket may go into debt by up to one packet.
 * Over any window the bytes admitted stay within rate * time + burst + one
 * packet (plus one packet per other CPU racing on the same word).
 *
 * Time is counted in units of 1/16 ns (SL_BUCKET_SHIFT): a 64-bit clock in
 * these units wraps after 36 years of uptime. A packet's cost is rounded up
 * to the next unit and the burst down, so rounding only ever admits less:
 * at most 1/16 ns per packet, 0.1% for 64-byte frames at 100 Gbit/s.
 */
#ifndef SLUICE_BUCKET_H
#define SLUICE_BUCKET_H

#include <linux/types.h>
#include "sluice.h"

#define SL_NSEC 1000000000ull
#define SL_BUCKET_SHIFT 4
/* Time units per second at one bit per second, per byte: 8 * 16 * 1e9. */
#define SL_BUCKET_UNITS (8ull * SL_NSEC << SL_BUCKET_SHIFT)
/* Longest packet costed exactly: (len * mult) stays below 2^63. */
#define SL_BUCKET_MAX_LEN (1ull << 20)
/* mult is kept in [2^42, 2^43) by its shift, the burst below 2^62 units. */
#define SL_BUCKET_MULT_BITS 43
#define SL_BUCKET_MAX_TAU (1ull << 62)

/* The clock in bucket units. */
static inline __u64 sl_bucket_time(__u64 ns)
{
	return ns << SL_BUCKET_SHIFT;
}

/* What len bytes cost in time units, rounded up (len <= SL_BUCKET_MAX_LEN). */
static inline __u64 sl_bucket_cost(const struct sl_police_param *p, __u64 len)
{
	return (len * p->mult + ((1ull << p->shift) - 1)) >> p->shift;
}

/*
 * The units a packet of len bytes costs under p, in *cost. Returns -1 to
 * police it, else the verdict it gets without a bucket: SL_PASS when p
 * polices nothing, SL_DROP when the packet is too long to cost.
 */
static inline int sl_police_cost(const struct sl_police_param *p, __u64 len, __u64 *cost)
{
	if (!p->mult)
		return SL_PASS;
	if (len > SL_BUCKET_MAX_LEN)
		return SL_DROP;
	*cost = sl_bucket_cost(p, len);
	return -1;
}

/*
 * The bucket's next state when a packet costing cost arrives at now, or 0
 * when the packet is dropped (a state never 0 otherwise: 0 is a new,
 * full bucket). A bucket idle for longer than tau is full; differences are
 * taken signed, so the clock may start below tau.
 */
static inline __u64 sl_bucket_admit(__u64 e, __u64 now, __u64 tau, __u64 cost)
{
	__u64 full = now - tau;

	if (!e || (__s64)(e - full) < 0)
		e = full;
	if ((__s64)(now - e) <= 0)
		return 0;
	e += cost;
	return e ? e : 1;
}

/*
 * The same decision from a clock c that lags the true time by less than
 * lag (a time read earlier in this CPU's current tick: bpf/police.h), so
 * that most packets need no clock read of their own. Returns the next
 * state, 0 to drop, or SL_BUCKET_EXACT when only the true time can tell:
 * a new bucket, or c within lag of the state. Whatever it returns, the
 * true time would have admitted (a next state) or dropped (0) the packet
 * too, with one exception that only ever admits less: a bucket that may be
 * full is taken as full lag later than c, so it holds up to lag less than
 * its burst. Needs tau > lag.
 */
#define SL_BUCKET_EXACT (~0ull)

static inline __u64 sl_bucket_admit_lagged(__u64 e, __u64 c, __u64 lag, __u64 tau, __u64 cost)
{
	__u64 full = c + lag - tau;

	if (!e)
		return SL_BUCKET_EXACT;
	if ((__s64)(e - full) < 0)
		e = full; /* full by the latest the true time can be */
	else if ((__s64)(e - (c + lag)) >= 0)
		return 0; /* empty even at the latest true time */
	if ((__s64)(c - e) <= 0)
		return SL_BUCKET_EXACT;
	e += cost;
	return e && e != SL_BUCKET_EXACT ? e : 1;
}

/*
 * Lend a CPU part of what the bucket holds: next is the state after an
 * admitted packet decided at time now (a lagged time too: what the bucket
 * holds at an earlier time, it holds later), lease the most a CPU takes.
 * Returns the state with the lease taken out as well, *got its units: never
 * more than the bucket holds at now, so a lease never goes into debt.
 */
static inline __u64 sl_bucket_take(__u64 next, __u64 now, __u64 lease, __u64 *got)
{
	__s64 held = (__s64)(now - next);

	*got = 0;
	if (held <= 0 || !lease)
		return next;
	*got = (__u64)held < lease ? (__u64)held : lease;
	next += *got;
	return next && next != SL_BUCKET_EXACT ? next : 1;
}

/* The cost function a lease's units are in (struct sl_lease's tag, never 0). */
static inline __u64 sl_bucket_lease_tag(const struct sl_police_param *p)
{
	return p->mult << 6 | p->shift;
}

/*
 * Leases: at most 1/SL_LEASE_SHARE of the burst is lent to the CPUs, and
 * only in leases of at least SL_LEASE_MIN bytes (smaller ones would save
 * few compare-and-swaps).
 */
#define SL_LEASE_SHARE 8
#define SL_LEASE_MIN 4096

#ifndef __bpf__
/*
 * The leases of a class bucket of burst bytes shared by ncpu CPUs (the
 * possible CPUs; 0 or less: not known, no leases): lease and ltau of
 * struct sl_police_param, ltau + ncpu * lease <= tau. Without leases ltau
 * is tau.
 */
static inline void sl_bucket_lease_param(struct sl_police_param *p, __u64 burst, int ncpu)
{
	p->ltau = p->tau;
	p->lease = 0;
	if (!p->mult || ncpu <= 0 || burst / SL_LEASE_SHARE / ncpu < SL_LEASE_MIN)
		return;
	p->lease = p->tau / SL_LEASE_SHARE / ncpu;
	p->ltau = p->tau - p->lease * ncpu;
}

/*
 * The parameters of a bucket of rate bit/s and burst bytes (0 rate:
 * unlimited, all zero). Userspace only: it divides, in 128 bits.
 */
static inline void sl_bucket_param(__u64 rate, __u64 burst, struct sl_police_param *p)
{
	unsigned __int128 m, tau;
	__u32 shift = 0;

	*p = (struct sl_police_param){ 0 };
	if (!rate)
		return;
	if (rate > SL_MAX_RATE)
		rate = SL_MAX_RATE;
	/* the largest shift that keeps mult below 2^43 */
	while (shift < 63 && (((unsigned __int128)SL_BUCKET_UNITS << (shift + 1)) + rate - 1) /
				     rate < (1ull << SL_BUCKET_MULT_BITS))
		shift++;
	m = (((unsigned __int128)SL_BUCKET_UNITS << shift) + rate - 1) / rate;
	tau = (unsigned __int128)burst * SL_BUCKET_UNITS / rate;
	p->mult = (__u64)m;
	p->shift = shift;
	p->tau = tau > SL_BUCKET_MAX_TAU ? SL_BUCKET_MAX_TAU : (__u64)tau;
	p->ltau = p->tau;
}
#endif

#endif
