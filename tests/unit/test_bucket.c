// SPDX-License-Identifier: GPL-2.0
/* Token bucket arithmetic (include/sluice_bucket.h) and default bursts. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "parse.h"
#include "sluice.h"
#include "sluice_bucket.h"

/* Time units in one second. */
#define SEC ((__u64)SL_NSEC << SL_BUCKET_SHIFT)

/* The exact cost of len bytes at rate r, in units, is exact_num(len) / r. */
static unsigned __int128 exact_num(__u64 len)
{
	return (unsigned __int128)len * SL_BUCKET_UNITS;
}

static void test_param_exact(void **state)
{
	struct sl_police_param p;

	(void)state;
	/* 8 bit/s: a byte costs one second exactly, the burst 1000 seconds */
	sl_bucket_param(8, 1000, &p);
	assert_int_equal(sl_bucket_cost(&p, 1), SEC);
	assert_int_equal(sl_bucket_cost(&p, 1500), 1500 * SEC);
	assert_int_equal(p.tau, 1000 * SEC);
	assert_true(p.mult >= 1ull << 42 && p.mult < 1ull << 43);
	/* 1 Gbit/s: 8 ns a byte */
	sl_bucket_param(1000000000, 125000, &p);
	assert_int_equal(sl_bucket_cost(&p, 1500), 1500 * 8 << SL_BUCKET_SHIFT);
	assert_int_equal(p.tau, 1000000ull << SL_BUCKET_SHIFT); /* 1 ms */
	/* unlimited */
	sl_bucket_param(0, 1000, &p);
	assert_int_equal(p.mult, 0);
	assert_int_equal(p.tau, 0);
}

/* Costs are rounded up by less than one unit and a relative 2^-42. */
static void test_param_rounding(void **state)
{
	static const __u64 rates[] = { 8, 3, 7777777, 999999937, 12345678901ull,
				       100000000000ull, SL_MAX_RATE };
	static const __u64 lens[] = { 1, 64, 1514, 65535, SL_BUCKET_MAX_LEN };
	struct sl_police_param p;
	size_t i, j;

	(void)state;
	for (i = 0; i < sizeof(rates) / sizeof(rates[0]); i++) {
		sl_bucket_param(rates[i], SL_MAX_BURST, &p);
		assert_true(p.mult < 1ull << 43);
		assert_true(p.tau <= SL_BUCKET_MAX_TAU);
		for (j = 0; j < sizeof(lens) / sizeof(lens[0]); j++) {
			unsigned __int128 num = exact_num(lens[j]);
			unsigned __int128 c = sl_bucket_cost(&p, lens[j]);

			/* never below the exact cost */
			assert_true(c * rates[i] >= num);
			/* at most one unit plus 2^-42 above it */
			assert_true((c - 1) * rates[i] <= num + (num >> 42) + rates[i]);
		}
		/* the burst is rounded down, or capped */
		assert_true((unsigned __int128)p.tau * rates[i] <=
			    (unsigned __int128)SL_MAX_BURST * SL_BUCKET_UNITS);
	}
}

static void test_admit_debt_one_packet(void **state)
{
	struct sl_police_param p;
	__u64 e = 0, now = 5000 * SEC, next;
	int i, admitted = 0;

	(void)state;
	sl_bucket_param(8, 1000, &p);
	/* a new bucket is full: exactly the burst in 100-byte packets, then debt */
	for (i = 0; i < 20; i++) {
		next = sl_bucket_admit(e, now, p.tau, sl_bucket_cost(&p, 100));
		if (next) {
			e = next;
			admitted++;
		}
	}
	assert_int_equal(admitted, 10);
	assert_int_equal(e, now);
	/* one unit later the bucket holds a sliver: a 64 KiB packet goes, into debt */
	next = sl_bucket_admit(e, now + 1, p.tau, sl_bucket_cost(&p, 65536));
	assert_int_equal(next, now + 65536 * SEC);
	/* in debt, nothing passes until it is paid back */
	assert_int_equal(sl_bucket_admit(next, now + 65535 * SEC, p.tau, 1), 0);
	assert_true(sl_bucket_admit(next, now + 65536 * SEC + 1, p.tau, 1) != 0);
}

static void test_admit_refill_and_burst(void **state)
{
	const __u64 t0 = 100000 * SEC, c = 100 * SEC;
	__u64 e;

	(void)state;
	/* emptied at t0, refilled by 250 bytes 250 seconds later */
	e = t0;
	assert_int_equal(sl_bucket_admit(e, t0 + 250 * SEC, 1000 * SEC, c), t0 + 100 * SEC);
	/* an idle bucket is full, never more: 1000 bytes after a long wait */
	e = sl_bucket_admit(t0, t0 + 100000 * SEC, 1000 * SEC, c);
	assert_int_equal(e, t0 + 99000 * SEC + c);
	/* a lower burst caps at once */
	assert_int_equal(sl_bucket_admit(t0, t0 + 900 * SEC, 250 * SEC, c),
			 t0 + 650 * SEC + c);
	/* a higher one adds no tokens: 10 left stay 10 */
	assert_int_equal(sl_bucket_admit(t0, t0 + 10 * SEC, 2000 * SEC, c), t0 + c);
	/* a zero burst drops everything */
	assert_int_equal(sl_bucket_admit(0, t0, 0, c), 0);
	/* a clock still below the burst (a young machine): the new bucket is full */
	assert_int_equal(sl_bucket_admit(0, 5 * SEC, 1000 * SEC, c), 5 * SEC - 1000 * SEC + c);
	/* a state that would be 0 is 1: 0 means a new bucket */
	assert_int_equal(sl_bucket_admit((__u64)0 - c, 0, 2000 * SEC, c), 1);
}

/*
 * Random arrivals on ncpu CPUs: each reads the clock, then wins its
 * compare-and-swap some time later, after others did (a stale clock).
 * Admitted bytes never exceed rate * time + burst + one packet, and come
 * close to it when the offered load is far above the rate.
 */
static void bound_run(int ncpu, __u64 rate, __u64 burst)
{
	struct sl_police_param p;
	__u64 now = 1000 * SEC, seen[8], e = 0, admitted = 0, maxlen = 0, next;
	unsigned int seed = 1 + ncpu;
	int i, cpu;

	sl_bucket_param(rate, burst, &p);
	for (cpu = 0; cpu < ncpu; cpu++)
		seen[cpu] = now;
	for (i = 0; i < 1000000; i++) {
		__u64 len = 64 + rand_r(&seed) % 65472;

		now += rand_r(&seed) % 20000;
		cpu = rand_r(&seed) % ncpu;
		next = sl_bucket_admit(e, seen[cpu], p.tau, sl_bucket_cost(&p, len));
		if (next) {
			e = next;
			admitted += len;
		}
		seen[cpu] = now; /* this CPU's next packet read the clock now */
		if (len > maxlen)
			maxlen = len;
		assert_true((unsigned __int128)admitted * SL_BUCKET_UNITS <=
			    (unsigned __int128)rate * (now - 1000 * SEC) +
				    (unsigned __int128)(burst + maxlen) * SL_BUCKET_UNITS);
	}
	assert_true((unsigned __int128)admitted * SL_BUCKET_UNITS >=
		    (unsigned __int128)rate * (now - 1000 * SEC) * 99 / 100);
}

static void test_admitted_bound(void **state)
{
	(void)state;
	bound_run(1, 10000000, 200000);	/* 10 Mbit/s, 200 kB */
	bound_run(2, 10000000, 200000);
	bound_run(8, 999999937, 1514);	/* an awkward rate, a one-frame burst */
}

/*
 * The lagged decision (sl_bucket_admit_lagged) against the exact one at
 * every true time the lagged clock allows: where it decides, the exact one
 * decides the same, and an admitted packet leaves the bucket no fuller than
 * the exact one would.
 */
static void test_lagged_agrees(void **state)
{
	const __u64 lag = 16000000ull << SL_BUCKET_SHIFT, tau = 250000000ull << SL_BUCKET_SHIFT;
	__u64 c0 = 1000 * SEC, e, c, now, cost, lg, ex;
	unsigned int seed = 3;
	int i, decided = 0, exact = 0;

	(void)state;
	for (i = 0; i < 2000000; i++) {
		c = c0 + (__u64)rand_r(&seed) * 1000;
		now = c + (__u64)rand_r(&seed) % lag; /* the true time: within lag of c */
		/* states around every boundary: full, nearly full, empty, in debt, new */
		switch (rand_r(&seed) % 5) {
		case 0:
			e = c - tau - (__u64)rand_r(&seed) % (2 * lag);
			break;
		case 1:
			e = c - tau + (__u64)rand_r(&seed) % (2 * lag);
			break;
		case 2:
			e = c - lag + (__u64)rand_r(&seed) % (3 * lag);
			break;
		case 3:
			e = c + (__u64)rand_r(&seed) * 64;
			break;
		default:
			e = 0;
		}
		cost = 1 + (__u64)rand_r(&seed) % (tau / 4);
		lg = sl_bucket_admit_lagged(e, c, lag, tau, cost);
		ex = sl_bucket_admit(e, now, tau, cost);
		if (lg == SL_BUCKET_EXACT) {
			exact++;
			continue;
		}
		decided++;
		if (!lg != !ex)
			fail_msg("e %llu c %llu now %llu: lagged %llu, exact %llu",
				 (unsigned long long)e, (unsigned long long)c,
				 (unsigned long long)now, (unsigned long long)lg,
				 (unsigned long long)ex);
		if (lg)
			assert_true((__s64)(lg - ex) >= 0);
	}
	/* both kinds of answer occur */
	assert_true(decided > 1000000);
	assert_true(exact > 100000);
}

/*
 * Random arrivals on ncpu CPUs, each policing against the time it read at
 * its first packet of the current tick (ticks of 4 ms, jiffies seen up to a
 * tick late), reading the clock only when sl_bucket_admit_lagged() asks:
 * the bytes admitted stay within rate * time + burst + one packet per CPU,
 * and reach 99% of the rate when the offered load is far above it. Below
 * the rate, the clock is read about once a tick per CPU; far above it,
 * only packets within a lag of the bucket's edge read it.
 * Returns the clock reads.
 */
static int lagged_bound_run(int ncpu, __u64 rate, __u64 burst)
{
	const __u64 tick = 4000000ull << SL_BUCKET_SHIFT, lag = 4 * tick;
	__u64 now = 1000 * SEC, t0 = now, e = 0, admitted = 0, total = 0, maxlen = 0, next;
	__u64 tick_of[8], cached[8], jiffies = now / tick, jiffies_at = (jiffies + 1) * tick;
	unsigned int seed = 5 + ncpu;
	struct sl_police_param p;
	int i, cpu, reads = 0;

	sl_bucket_param(rate, burst, &p);
	assert_true(p.tau >= 4 * lag);
	for (cpu = 0; cpu < ncpu; cpu++)
		tick_of[cpu] = ~0ull;
	for (i = 0; i < 1000000; i++) {
		__u64 len = 64 + rand_r(&seed) % 1450, seen_tick;

		total += len;
		now += rand_r(&seed) % 20000;
		cpu = rand_r(&seed) % ncpu;
		/* jiffies: the tick of now, each tick counted up to a tick late */
		while (now >= jiffies_at) {
			jiffies++;
			jiffies_at = (jiffies + 1) * tick + rand_r(&seed) % tick;
		}
		seen_tick = jiffies;
		if (tick_of[cpu] != seen_tick) {
			tick_of[cpu] = seen_tick;
			cached[cpu] = now;
			reads++;
		}
		next = sl_bucket_admit_lagged(e, cached[cpu], lag, p.tau, sl_bucket_cost(&p, len));
		if (next == SL_BUCKET_EXACT) {
			cached[cpu] = now;
			reads++;
			next = sl_bucket_admit(e, now, p.tau, sl_bucket_cost(&p, len));
		}
		if (next) {
			e = next;
			admitted += len;
		}
		if (len > maxlen)
			maxlen = len;
		assert_true((unsigned __int128)admitted * SL_BUCKET_UNITS <=
			    (unsigned __int128)rate * (now - t0) +
				    (unsigned __int128)(burst + maxlen) * SL_BUCKET_UNITS);
	}
	/* far above the rate it gets it; below, everything */
	if ((unsigned __int128)rate * (now - t0) < (unsigned __int128)admitted * SL_BUCKET_UNITS * 2)
		assert_true((unsigned __int128)admitted * SL_BUCKET_UNITS >=
			    (unsigned __int128)rate * (now - t0) * 99 / 100);
	else
		assert_int_equal(admitted, total);
	return reads;
}

static void test_lagged_bound(void **state)
{
	int reads;

	(void)state;
	lagged_bound_run(1, 10000000, 1000000);	 /* 10 Mbit/s, 800 ms of burst */
	lagged_bound_run(2, 10000000, 1000000);
	lagged_bound_run(8, 999999937, 10000000); /* an awkward rate, 80 ms */
	/* 100 Gbit/s, 1 GB: all admitted; 1M packets over 0.6 s, 160 ticks a CPU */
	reads = lagged_bound_run(2, 100000000000ull, 1000000000);
	print_message("100 Gbit/s: %d clock reads for 1000000 packets\n", reads);
	assert_true(reads < 2 * 170);
}

/*
 * Per-CPU leases: sl_police() of bpf/police.h step by step. Each CPU
 * spends its lease without the shared word and takes a new one with the
 * packet that the lease no longer covers; the shared word holds at most
 * ltau and is policed with the tick clock as in lagged_bound_run.
 */
struct lease_sim {
	struct sl_police_param p;
	__u64 lag, tick, now, jiffies, jiffies_at, e, admitted, total, maxlen;
	__u64 tick_of[8], cached[8];
	struct sl_lease ls[8];
	unsigned int seed;
	int takes;
};

static void lease_sim_init(struct lease_sim *m, int ncpu, __u64 rate, __u64 burst)
{
	int cpu;

	memset(m, 0, sizeof(*m));
	m->tick = 4000000ull << SL_BUCKET_SHIFT;
	m->lag = 4 * m->tick;
	m->now = 1000 * SEC;
	m->jiffies = m->now / m->tick;
	m->jiffies_at = (m->jiffies + 1) * m->tick;
	m->seed = 9 + ncpu;
	sl_bucket_param(rate, burst, &m->p);
	sl_bucket_lease_param(&m->p, burst, ncpu);
	assert_true(m->p.lease > 0);
	assert_true(m->p.ltau + ncpu * m->p.lease <= m->p.tau);
	assert_true(m->p.ltau >= 4 * m->lag);
	for (cpu = 0; cpu < ncpu; cpu++)
		m->tick_of[cpu] = ~0ull;
}

/* A packet of len bytes on cpu at m->now (jiffies up to a tick late). */
static void lease_sim_packet(struct lease_sim *m, int cpu, __u64 len)
{
	const struct sl_police_param *p = &m->p;
	__u64 cost = sl_bucket_cost(p, len), have = 0, c, next, got;
	struct sl_lease *ls = &m->ls[cpu];

	m->total += len;
	if (len > m->maxlen)
		m->maxlen = len;
	while (m->now >= m->jiffies_at) {
		m->jiffies++;
		m->jiffies_at = (m->jiffies + 1) * m->tick + rand_r(&m->seed) % m->tick;
	}
	if (ls->tag == sl_bucket_lease_tag(p))
		have = ls->left < p->lease ? ls->left : p->lease;
	if (have >= cost) {
		ls->left = have - cost;
		m->admitted += len;
		return;
	}
	if (m->tick_of[cpu] != m->jiffies) {
		m->tick_of[cpu] = m->jiffies;
		m->cached[cpu] = m->now;
	}
	c = m->cached[cpu];
	next = sl_bucket_admit_lagged(m->e, c, m->lag, p->ltau, cost - have);
	if (next == SL_BUCKET_EXACT) {
		c = m->cached[cpu] = m->now;
		next = sl_bucket_admit(m->e, c, p->ltau, cost - have);
	}
	if (!next)
		return;
	m->e = sl_bucket_take(next, c, p->lease, &got);
	assert_true(!got || (__s64)(c - m->e) >= 0);
	ls->tag = sl_bucket_lease_tag(p);
	ls->left = got;
	m->admitted += len;
	m->takes++;
}

/*
 * Random arrivals on ncpu CPUs. Every 100000 packets the CPUs idle for
 * twice the burst's time, each sends one packet (which takes a full lease
 * when what is left of its lease does not cover it, as over the rate), and
 * they idle again, so that the shared word is full while every CPU holds a
 * lease; then a window starts (and one every 20000 packets). Not covered
 * here: lost compare-and-swaps (the datapath tests race two CPUs).
 * Over every window the bytes admitted stay within rate * time + burst +
 * one packet; far above the rate they reach 98% of it, and below it every
 * packet passes with a lease taken about once per lease's worth of bytes.
 * Returns the leases taken.
 */
#define LEASE_WINDOWS 64

static int lease_bound_run(int ncpu, __u64 rate, __u64 burst)
{
	__u64 win_t[LEASE_WINDOWS], win_a[LEASE_WINDOWS], t0, idle = 0, busy;
	struct lease_sim m;
	int i, w, nwin = 0, cpu;

	lease_sim_init(&m, ncpu, rate, burst);
	t0 = m.now;
	for (i = 0; i < 1000000; i++) {
		if (i % 100000 == 99999) {
			m.now += 2 * m.p.tau;
			for (cpu = 0; cpu < ncpu; cpu++)
				lease_sim_packet(&m, cpu, 64);
			m.now += 2 * m.p.tau;
			idle += 4 * m.p.tau;
		}
		if ((i % 20000 == 0 || i % 100000 == 99999) && nwin < LEASE_WINDOWS) {
			win_t[nwin] = m.now;
			win_a[nwin++] = m.admitted;
		}
		m.now += rand_r(&m.seed) % 2000;
		lease_sim_packet(&m, rand_r(&m.seed) % ncpu, 64 + rand_r(&m.seed) % 1450);
		for (w = 0; w < nwin; w++)
			assert_true((unsigned __int128)(m.admitted - win_a[w]) * SL_BUCKET_UNITS <=
				    (unsigned __int128)rate * (m.now - win_t[w]) +
					    (unsigned __int128)(burst + m.maxlen) * SL_BUCKET_UNITS);
	}
	busy = m.now - t0 - idle;
	if ((unsigned __int128)rate * busy < (unsigned __int128)m.admitted * SL_BUCKET_UNITS * 2)
		assert_true((unsigned __int128)m.admitted * SL_BUCKET_UNITS >=
			    (unsigned __int128)rate * busy * 98 / 100);
	else
		assert_int_equal(m.admitted, m.total);
	print_message("%d CPU(s), %llu bit/s: %d leases taken for %llu bytes (a lease %llu bytes)\n",
		      ncpu, (unsigned long long)rate, m.takes, (unsigned long long)m.admitted,
		      (unsigned long long)((unsigned __int128)m.p.lease * rate / SL_BUCKET_UNITS));
	return m.takes;
}

static void test_lease_bound(void **state)
{
	struct sl_police_param p;
	int takes;

	(void)state;
	/* bursts of a second: the leases (1/8 of it) are longer than the lag */
	lease_bound_run(1, 100000000, 12500000); /* 100 Mbit/s */
	lease_bound_run(2, 100000000, 12500000);
	lease_bound_run(8, 999999937, 125000000); /* an awkward rate */
	/* below the rate: about 790 MB over 2 CPUs in leases of 62.5 MB */
	takes = lease_bound_run(2, 100000000000ull, 1000000000);
	assert_true(takes <= 2 * 790 / 62 + 2 * 10);
	/* no leases below SL_LEASE_MIN a CPU: the bucket is the whole burst */
	sl_bucket_param(8000000, 128 * 1024, &p);
	sl_bucket_lease_param(&p, 128 * 1024, 64);
	assert_int_equal(p.lease, 0);
	assert_int_equal(p.ltau, p.tau);
	sl_bucket_lease_param(&p, 128 * 1024, 4);
	assert_int_equal(p.lease, p.tau / 32);
	assert_int_equal(p.ltau, p.tau - 4 * (p.tau / 32));
	/* a lease is never more than the bucket holds */
	assert_int_equal(sl_bucket_take(1000, 1500, 10000, &p.lease), 1500);
	assert_int_equal(p.lease, 500);
	assert_int_equal(sl_bucket_take(2000, 1500, 10000, &p.lease), 2000);
	assert_int_equal(p.lease, 0);
}

static void test_default_bursts(void **state)
{
	(void)state;
	/* police: 250 ms at the rate, at least 128 KiB, at most 1 GiB */
	assert_int_equal(sl_default_burst(100000000), 3125000);
	assert_int_equal(sl_default_burst(1000000), 128 * 1024);
	assert_int_equal(sl_default_burst(SL_MAX_RATE), SL_MAX_BURST);
	/* shape: 2 ms at the rate, at least a GSO packet and a frame */
	assert_int_equal(sl_default_shape_burst(10000000), 64 * 1024 + 1514);
	assert_int_equal(sl_default_shape_burst(10000000000ull), 2500000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_param_exact),
		cmocka_unit_test(test_param_rounding),
		cmocka_unit_test(test_admit_debt_one_packet),
		cmocka_unit_test(test_admit_refill_and_burst),
		cmocka_unit_test(test_admitted_bound),
		cmocka_unit_test(test_lagged_agrees),
		cmocka_unit_test(test_lagged_bound),
		cmocka_unit_test(test_lease_bound),
		cmocka_unit_test(test_default_bursts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
