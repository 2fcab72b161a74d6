// SPDX-License-Identifier: GPL-2.0
/* sl_pfx_merge: smaller tables, and every address keeps its class. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "parse.h"
#include "prefix.h"

static struct sl_pfx pfx(const char *s, __u32 class_id)
{
	struct sl_pfx p;
	const char *why;
	bool masked;

	assert_int_equal(sl_parse_prefix(s, strlen(s), &p, &why, &masked), 0);
	p.class_id = class_id;
	return p;
}

/* The class of the longest prefix holding a (0: none), by brute force. */
static __u32 classify(const struct sl_pfx_vec *v, const struct sl_pfx *a)
{
	int best = -1;
	__u32 c = 0;
	size_t i;

	for (i = 0; i < v->n; i++) {
		struct sl_pfx m = *a;

		if (v->v[i].family != a->family || v->v[i].plen <= best)
			continue;
		m.plen = v->v[i].plen;
		sl_pfx_mask(&m);
		if (!memcmp(m.addr, v->v[i].addr, 16)) {
			best = v->v[i].plen;
			c = v->v[i].class_id;
		}
	}
	return c;
}

static void test_merge_examples(void **state)
{
	bool mergeable[4] = { false, true, true, false };
	struct sl_pfx_vec v = { 0 };
	struct sl_pfx p;
	char buf[SL_PFX_STRLEN];

	(void)state;
	/* siblings of a class join; then the parent is covered by the /16 */
	p = pfx("10.0.0.0/25", 1), sl_pfx_vec_push(&v, &p);
	p = pfx("10.0.0.128/25", 1), sl_pfx_vec_push(&v, &p);
	p = pfx("10.0.0.0/16", 1), sl_pfx_vec_push(&v, &p);
	/* another class in between keeps the inner prefix */
	p = pfx("10.2.0.0/16", 1), sl_pfx_vec_push(&v, &p);
	p = pfx("10.2.0.0/20", 3), sl_pfx_vec_push(&v, &p);
	p = pfx("10.2.1.0/24", 1), sl_pfx_vec_push(&v, &p);
	/* a class that did not ask keeps its siblings */
	p = pfx("192.0.2.0/25", 3), sl_pfx_vec_push(&v, &p);
	p = pfx("192.0.2.128/25", 3), sl_pfx_vec_push(&v, &p);
	/* siblings of different classes stay */
	p = pfx("2001:db8::/33", 1), sl_pfx_vec_push(&v, &p);
	p = pfx("2001:db8:8000::/33", 2), sl_pfx_vec_push(&v, &p);
	sl_pfx_resolve(&v);
	assert_int_equal(sl_pfx_merge(&v, mergeable, 4), 2);
	assert_int_equal(v.n, 8);
	sl_fmt_pfx(buf, sizeof(buf), &v.v[0]);
	assert_string_equal(buf, "10.0.0.0/16");
	sl_fmt_pfx(buf, sizeof(buf), &v.v[3]);
	assert_string_equal(buf, "10.2.1.0/24");
	sl_pfx_vec_free(&v);
}

static void test_merge_keeps_classes(void **state)
{
	bool mergeable[5] = { false, true, true, false, true };
	unsigned int seed = 7;
	int round;

	(void)state;
	for (round = 0; round < 20; round++) {
		struct sl_pfx_vec v = { 0 }, m = { 0 };
		size_t i;
		int k;

		/* clustered prefixes, many siblings and nestings */
		for (i = 0; i < 400; i++) {
			struct sl_pfx p = { .family = rand_r(&seed) % 4 ? 4 : 6 };

			p.addr[0] = 10;
			p.addr[1] = rand_r(&seed) % 2;
			p.addr[2] = rand_r(&seed) % 4;
			p.addr[3] = rand_r(&seed) % 256;
			p.plen = p.family == 4 ? 12 + rand_r(&seed) % 21 : 12 + rand_r(&seed) % 117;
			p.class_id = 1 + rand_r(&seed) % 4;
			sl_pfx_mask(&p);
			sl_pfx_vec_push(&v, &p);
		}
		sl_pfx_resolve(&v);
		sl_pfx_vec_append(&m, v.v, v.n);
		sl_pfx_merge(&m, mergeable, 5);
		assert_true(m.n < v.n);
		for (i = 0; i < v.n; i++) { /* every boundary and neighbour */
			for (k = -1; k <= 1; k++) {
				struct sl_pfx a = v.v[i];

				a.plen = a.family == 4 ? 32 : 128;
				a.addr[a.family == 4 ? 3 : 15] += k;
				assert_int_equal(classify(&v, &a), classify(&m, &a));
			}
		}
		for (i = 0; i < 20000; i++) {
			struct sl_pfx a = { .family = 4, .plen = 32 };

			a.addr[0] = 10;
			a.addr[1] = rand_r(&seed) % 2;
			a.addr[2] = rand_r(&seed) % 4;
			a.addr[3] = rand_r(&seed) % 256;
			assert_int_equal(classify(&v, &a), classify(&m, &a));
		}
		sl_pfx_vec_free(&v);
		sl_pfx_vec_free(&m);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_merge_examples),
		cmocka_unit_test(test_merge_keeps_classes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
