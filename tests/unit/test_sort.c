// SPDX-License-Identifier: GPL-2.0
/* The run-merging sort behind sl_pfx_resolve, checked against qsort. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "parse.h"
#include "prefix.h"

static struct sl_pfx rand_pfx(unsigned int *seed, __u32 class_id)
{
	struct sl_pfx p = { .class_id = class_id };
	int i;

	p.family = rand_r(seed) % 4 ? 4 : 6;
	for (i = 0; i < (p.family == 4 ? 4 : 16); i++)
		p.addr[i] = rand_r(seed) % 4; /* few values: many ties */
	p.plen = rand_r(seed) % (p.family == 4 ? 33 : 129);
	sl_pfx_mask(&p);
	return p;
}

static int cmp(const void *a, const void *b)
{
	return sl_pfx_cmp(a, b);
}

/* Several classes, each sorted: the merge path must equal a full sort. */
static void test_resolve_merges_runs(void **state)
{
	struct sl_pfx_vec vec = { 0 }, ref = { 0 };
	unsigned int seed = 42;
	size_t i, j, out;
	__u32 c;

	(void)state;
	for (c = 1; c <= 5; c++) {
		struct sl_pfx_vec one = { 0 };

		for (i = 0; i < 3000; i++) {
			struct sl_pfx p = rand_pfx(&seed, c);

			assert_int_equal(sl_pfx_vec_push(&one, &p), 0);
		}
		sl_pfx_normalise(&one);
		for (i = 0; i < one.n; i++)
			one.v[i].class_id = c;
		assert_int_equal(sl_pfx_vec_append(&vec, one.v, one.n), 0);
		sl_pfx_vec_free(&one);
	}
	assert_int_equal(sl_pfx_vec_append(&ref, vec.v, vec.n), 0);
	qsort(ref.v, ref.n, sizeof(*ref.v), cmp);
	/* Reference dedupe: first of each equal prefix (lowest class). */
	for (i = 1, out = 0; i < ref.n; i++) {
		struct sl_pfx *a = &ref.v[out], *b = &ref.v[i];

		if (a->family != b->family || a->plen != b->plen ||
		    memcmp(a->addr, b->addr, 16))
			ref.v[++out] = *b;
	}
	ref.n = out + 1;

	sl_pfx_resolve(&vec);
	assert_int_equal(vec.n, ref.n);
	for (j = 0; j < vec.n; j++)
		assert_int_equal(sl_pfx_cmp(&vec.v[j], &ref.v[j]), 0);
	sl_pfx_vec_free(&vec);
	sl_pfx_vec_free(&ref);
}

/*
 * Addresses, lengths and classes over their whole ranges, in no order: the
 * IPv4 radix sort's digits straddle the key's fields and bytes, and every
 * one of them varies. Each prefix comes twice or more, in several classes:
 * the lowest class is kept.
 */
static void resolve_radix(unsigned int nclasses)
{
	struct sl_pfx_vec vec = { 0 }, ref = { 0 };
	unsigned int seed = 7;
	size_t i, out;

	for (i = 0; i < 200000; i++) {
		struct sl_pfx p = { .family = rand_r(&seed) % 8 ? 4 : 6 };
		int b;

		for (b = 0; b < (p.family == 4 ? 4 : 16); b++)
			p.addr[b] = rand_r(&seed);
		if (i % 3 == 0)
			p.addr[0] = p.addr[1] = 0; /* ties in the high digits */
		p.plen = rand_r(&seed) % (p.family == 4 ? 33 : 129);
		sl_pfx_mask(&p);
		p.class_id = 1 + rand_r(&seed) % nclasses;
		assert_int_equal(sl_pfx_vec_push(&vec, &p), 0);
		if (i % 4 == 0) {
			p.class_id = 1 + rand_r(&seed) % nclasses;
			assert_int_equal(sl_pfx_vec_push(&vec, &p), 0);
		}
	}
	assert_int_equal(sl_pfx_vec_append(&ref, vec.v, vec.n), 0);
	qsort(ref.v, ref.n, sizeof(*ref.v), cmp);
	for (i = 1, out = 0; i < ref.n; i++) {
		struct sl_pfx *a = &ref.v[out], *b = &ref.v[i];

		if (a->family != b->family || a->plen != b->plen || memcmp(a->addr, b->addr, 16))
			ref.v[++out] = *b;
		else
			assert_true(a->class_id <= b->class_id);
	}
	ref.n = out + 1;

	sl_pfx_resolve(&vec);
	assert_int_equal(vec.n, ref.n);
	for (i = 0; i < vec.n; i++) {
		assert_memory_equal(&vec.v[i], &ref.v[i], sizeof(vec.v[i]));
	}
	sl_pfx_vec_free(&vec);
	sl_pfx_vec_free(&ref);
}

/*
 * Classes 1-1023: keys differ in all their bits; one class: in address and
 * length only, and the radix sort skips the class's digit
 * (user/prefix.c, radix_sort64).
 */
static void test_resolve_radix(void **state)
{
	(void)state;
	resolve_radix(1023);
	resolve_radix(1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_resolve_merges_runs),
		cmocka_unit_test(test_resolve_radix),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
