// SPDX-License-Identifier: GPL-2.0
/* Token bucket arithmetic (include/sluice_bucket.h) and default bursts. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <cmocka.h>

#include "parse.h"
#include "sluice.h"
#include "sluice_bucket.h"

#define BYTE ((__s64)8 * (__s64)SL_NSEC) /* one byte in token units */

static void test_refill_exact_and_capped(void **state)
{
	__s64 cap = sl_bucket_cap(1000);

	(void)state;
	assert_int_equal(cap, 1000 * BYTE);
	/* 8 bit/s refills one byte per second, exactly */
	assert_int_equal(sl_bucket_refill(0, cap, SL_NSEC, 8), BYTE);
	assert_int_equal(sl_bucket_refill(0, cap, SL_NSEC / 2, 8), BYTE / 2);
	/* never above the cap, however long the wait */
	assert_int_equal(sl_bucket_refill(0, cap, 10 * SL_NSEC * 1000, 8), cap);
	assert_int_equal(sl_bucket_refill(cap - 1, cap, 1, 1000000), cap);
	/* a lowered burst clamps the tokens */
	assert_int_equal(sl_bucket_refill(cap * 2, cap, 0, 8), cap);
	/* debt is paid back by the refill */
	assert_int_equal(sl_bucket_refill(-5 * BYTE, cap, 5 * SL_NSEC, 8), 0);
}

static void test_refill_no_overflow(void **state)
{
	__s64 cap = sl_bucket_cap(SL_MAX_BURST);

	(void)state;
	assert_true(cap > 0);
	/* the largest rate, burst and wait: capped, not wrapped */
	assert_int_equal(sl_bucket_refill(0, cap, ~0ull, SL_MAX_RATE), cap);
	assert_int_equal(sl_bucket_refill(-cap, cap, ~0ull >> 1, SL_MAX_RATE), cap);
	assert_int_equal(sl_bucket_refill(0, cap, 1, SL_MAX_RATE), (__s64)SL_MAX_RATE);
}

static void test_take_debt_one_packet(void **state)
{
	__s64 t = sl_bucket_cap(1000);
	int i, admitted = 0;

	(void)state;
	/* exactly the burst, in 100-byte packets: 10 pass, then drops */
	for (i = 0; i < 20; i++)
		admitted += sl_bucket_take(&t, 100);
	assert_int_equal(admitted, 10);
	assert_int_equal(t, 0);
	/* a packet larger than what is left still goes, into debt */
	t = 10 * BYTE;
	assert_int_equal(sl_bucket_take(&t, 65536), 1);
	assert_int_equal(t, (10 - 65536) * BYTE);
	assert_int_equal(sl_bucket_take(&t, 64), 0);
	assert_int_equal(t, (10 - 65536) * BYTE);
}

/* Random arrivals: admitted bytes never exceed rate * time + burst + one packet. */
static void test_admitted_bound(void **state)
{
	const __u64 rate = 10000000, burst = 200000; /* 10 Mbit/s, 200 kB */
	__s64 cap = sl_bucket_cap(burst), t = cap;
	__u64 now = 0, admitted = 0, offered = 0, maxlen = 0;
	unsigned int seed = 1;
	int i;

	(void)state;
	for (i = 0; i < 1000000; i++) {
		__u64 len = 64 + rand_r(&seed) % 65472, gap = rand_r(&seed) % 20000;

		now += gap;
		t = sl_bucket_refill(t, cap, gap, rate);
		offered += len;
		if (sl_bucket_take(&t, len))
			admitted += len;
		if (len > maxlen)
			maxlen = len;
		assert_true(admitted * 8 * SL_NSEC <= rate * now + (burst + maxlen) * 8 * SL_NSEC);
	}
	/* offered far above the rate: the policer must admit close to it */
	assert_true(offered * 8 > 10 * rate * (now / SL_NSEC));
	assert_true(admitted * 8 * SL_NSEC >= rate * now * 99 / 100);
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
		cmocka_unit_test(test_refill_exact_and_capped),
		cmocka_unit_test(test_refill_no_overflow),
		cmocka_unit_test(test_take_debt_one_packet),
		cmocka_unit_test(test_admitted_bound),
		cmocka_unit_test(test_default_bursts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
