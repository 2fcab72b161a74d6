// SPDX-License-Identifier: GPL-2.0
/* Prefix vectors, their order, normalisation and resolution (user/prefix.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "parse.h"
#include "prefix.h"

static struct sl_pfx pfx(const char *s, __u32 class_id)
{
	struct sl_pfx p;
	const char *why = NULL;
	bool masked;

	if (sl_parse_prefix(s, strlen(s), &p, &why, &masked))
		fail_msg("bad test prefix \"%s\": %s", s, why);
	p.class_id = class_id;
	return p;
}

/* Expect vec to hold exactly the prefixes and classes listed. */
static void check_vec(const struct sl_pfx_vec *vec, const char *const *want,
		      const __u32 *want_class, size_t n)
{
	char b[SL_PFX_STRLEN];
	size_t i;

	assert_int_equal(vec->n, n);
	for (i = 0; i < n; i++) {
		sl_fmt_pfx(b, sizeof(b), &vec->v[i]);
		assert_string_equal(b, want[i]);
		assert_int_equal(vec->v[i].class_id, want_class[i]);
	}
}

/* A distinct IPv4 /32 (even i) or IPv6 /128 (odd i) for index i. */
static struct sl_pfx nth(size_t i)
{
	struct sl_pfx p = { 0 };

	p.family = i % 2 ? 6 : 4;
	p.plen = i % 2 ? 128 : 32;
	p.addr[0] = i % 2 ? 0x20 : 10;
	p.addr[1] = i >> 16;
	p.addr[2] = i >> 8;
	p.addr[3] = i;
	p.class_id = i % 1000;
	return p;
}

static void test_vec_push_growth(void **state)
{
	struct sl_pfx_vec vec = { 0 };
	size_t i;

	(void)state;
	for (i = 0; i < 5000; i++) {
		struct sl_pfx p = nth(i);

		assert_int_equal(sl_pfx_vec_push(&vec, &p), 0);
		assert_int_equal(vec.n, i + 1);
		assert_true(vec.cap >= vec.n);
		assert_non_null(vec.v);
	}
	/* growth keeps every element */
	for (i = 0; i < 5000; i++) {
		struct sl_pfx p = nth(i);

		assert_memory_equal(&vec.v[i], &p, sizeof(p));
	}
	sl_pfx_vec_free(&vec);
	assert_null(vec.v);
	assert_int_equal(vec.n, 0);
	assert_int_equal(vec.cap, 0);
	/* a freed vector is empty and usable again */
	{
		struct sl_pfx p = nth(3);

		assert_int_equal(sl_pfx_vec_push(&vec, &p), 0);
		assert_int_equal(vec.n, 1);
		assert_memory_equal(&vec.v[0], &p, sizeof(p));
	}
	sl_pfx_vec_free(&vec);
}

static void test_vec_append(void **state)
{
	struct sl_pfx_vec vec = { 0 };
	struct sl_pfx *many;
	size_t i;

	(void)state;
	/* appending nothing to an empty vector is a no-op */
	assert_int_equal(sl_pfx_vec_append(&vec, NULL, 0), 0);
	assert_int_equal(vec.n, 0);

	for (i = 0; i < 10; i++) {
		struct sl_pfx p = nth(i);

		assert_int_equal(sl_pfx_vec_push(&vec, &p), 0);
	}
	many = calloc(9000, sizeof(*many));
	assert_non_null(many);
	for (i = 0; i < 9000; i++)
		many[i] = nth(10 + i);
	/* one append far past the capacity */
	assert_int_equal(sl_pfx_vec_append(&vec, many, 9000), 0);
	assert_int_equal(vec.n, 9010);
	assert_true(vec.cap >= 9010);
	for (i = 0; i < 9010; i++) {
		struct sl_pfx p = nth(i);

		assert_memory_equal(&vec.v[i], &p, sizeof(p));
	}
	assert_int_equal(sl_pfx_vec_append(&vec, many, 0), 0);
	assert_int_equal(vec.n, 9010);
	/* appending a vector's own elements to another */
	{
		struct sl_pfx_vec copy = { 0 };

		assert_int_equal(sl_pfx_vec_append(&copy, vec.v, vec.n), 0);
		assert_int_equal(copy.n, vec.n);
		assert_memory_equal(copy.v, vec.v, vec.n * sizeof(*vec.v));
		sl_pfx_vec_free(&copy);
	}
	free(many);
	sl_pfx_vec_free(&vec);
}

/* a < b, and the comparison is antisymmetric. */
static void check_less(const struct sl_pfx a, const struct sl_pfx b)
{
	char x[SL_PFX_STRLEN], y[SL_PFX_STRLEN];

	if (sl_pfx_cmp(&a, &b) >= 0 || sl_pfx_cmp(&b, &a) <= 0) {
		sl_fmt_pfx(x, sizeof(x), &a);
		sl_fmt_pfx(y, sizeof(y), &b);
		fail_msg("expected %s (class %u) < %s (class %u)", x, a.class_id, y, b.class_id);
	}
	assert_int_equal(sl_pfx_cmp(&a, &a), 0);
	assert_int_equal(sl_pfx_cmp(&b, &b), 0);
}

static void test_cmp_order(void **state)
{
	struct sl_pfx a, b;

	(void)state;
	/* IPv4 before IPv6, whatever the addresses */
	check_less(pfx("255.255.255.255/32", 9), pfx("::/0", 0));
	check_less(pfx("0.0.0.0/0", 0), pfx("::/0", 0));
	check_less(pfx("255.255.255.255/32", 0), pfx("::ffff:0.0.0.0/96", 0));
	/* then the address, as an unsigned big-endian number */
	check_less(pfx("10.0.0.0/32", 0), pfx("10.0.0.1/32", 0));
	check_less(pfx("10.0.0.255/32", 0), pfx("10.0.1.0/32", 0));
	check_less(pfx("127.255.255.255/32", 0), pfx("128.0.0.0/32", 0));
	check_less(pfx("10.0.0.0/32", 5), pfx("192.0.2.0/24", 1));
	check_less(pfx("10.0.0.0/32", 0), pfx("10.0.0.128/25", 0));
	check_less(pfx("2001:db8::/32", 0), pfx("2001:db9::/32", 0));
	check_less(pfx("7fff::/16", 0), pfx("8000::/16", 0));
	/* the low 64 bits of an IPv6 address count too */
	check_less(pfx("2001:db8::1/128", 0), pfx("2001:db8::2/128", 0));
	check_less(pfx("2001:db8::ffff:ffff:ffff:ffff/128", 0), pfx("2001:db8:0:1::/128", 0));
	check_less(pfx("::7fff:ffff:ffff:ffff/128", 0), pfx("::8000:0:0:0/128", 0));
	/* then the prefix length, shorter first */
	check_less(pfx("10.0.0.0/8", 9), pfx("10.0.0.0/16", 0));
	check_less(pfx("10.0.0.0/16", 0), pfx("10.0.0.0/32", 0));
	check_less(pfx("0.0.0.0/0", 0), pfx("0.0.0.0/1", 0));
	check_less(pfx("2001:db8::/32", 7), pfx("2001:db8::/48", 1));
	/* then the class */
	check_less(pfx("10.0.0.0/8", 1), pfx("10.0.0.0/8", 2));
	check_less(pfx("10.0.0.0/8", 2), pfx("10.0.0.0/8", 65535));
	check_less(pfx("2001:db8::/32", 3), pfx("2001:db8::/32", 4));
	/* equal */
	a = pfx("192.0.2.0/24", 3);
	b = pfx("192.0.2.0/24", 3);
	assert_int_equal(sl_pfx_cmp(&a, &b), 0);
	a = pfx("2001:db8::1/128", 3);
	b = pfx("2001:db8::1/128", 3);
	assert_int_equal(sl_pfx_cmp(&a, &b), 0);
}

static void test_normalise_small(void **state)
{
	static const char *const in[] = {
		"192.0.2.0/24", "10.0.0.0/8",	 "2001:db8::/32", "10.0.0.0/16", "10.0.0.0/8",
		"10.1.0.0/16",	"2001:db8::/48", "192.0.2.0/24",  "10.0.0.0/8",	 "::/0",
		"10.0.0.1/32",	"2001:db8::/32", "0.0.0.0/0",
	};
	static const char *const want[] = {
		"0.0.0.0/0",   "10.0.0.0/8",	"10.0.0.0/16",	 "10.0.0.1/32",	  "10.1.0.0/16",
		"192.0.2.0/24", "::/0",		"2001:db8::/32", "2001:db8::/48",
	};
	static const __u32 cls[9] = { 1, 1, 1, 1, 1, 1, 1, 1, 1 };
	struct sl_pfx_vec vec = { 0 };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		struct sl_pfx p = pfx(in[i], 1);

		assert_int_equal(sl_pfx_vec_push(&vec, &p), 0);
	}
	sl_pfx_normalise(&vec);
	/* sorted, exact duplicates gone, nested prefixes kept */
	check_vec(&vec, want, cls, sizeof(want) / sizeof(want[0]));
	/* idempotent */
	sl_pfx_normalise(&vec);
	check_vec(&vec, want, cls, sizeof(want) / sizeof(want[0]));
	sl_pfx_vec_free(&vec);
}

static void test_normalise_trivial(void **state)
{
	struct sl_pfx_vec vec = { 0 };
	struct sl_pfx p = pfx("192.0.2.0/24", 1);

	(void)state;
	sl_pfx_normalise(&vec);
	assert_int_equal(vec.n, 0);
	sl_pfx_resolve(&vec);
	assert_int_equal(vec.n, 0);
	assert_int_equal(sl_pfx_vec_push(&vec, &p), 0);
	sl_pfx_normalise(&vec);
	assert_int_equal(vec.n, 1);
	assert_int_equal(sl_pfx_cmp(&vec.v[0], &p), 0);
	assert_int_equal(sl_pfx_vec_push(&vec, &p), 0);
	sl_pfx_normalise(&vec);
	assert_int_equal(vec.n, 1);
	assert_int_equal(sl_pfx_cmp(&vec.v[0], &p), 0);
	sl_pfx_vec_free(&vec);
}

/* Lists sorted but for one pair, at the start or the end. */
static void test_normalise_one_swap(void **state)
{
	static const char *const want2[] = { "10.0.0.0/32", "10.0.0.1/32" };
	static const __u32 cls2[] = { 1, 1 };
	struct sl_pfx_vec vec = { 0 };
	struct sl_pfx p;
	size_t n, i;

	(void)state;
	p = pfx("10.0.0.1", 1);
	assert_int_equal(sl_pfx_vec_push(&vec, &p), 0);
	p = pfx("10.0.0.0", 1);
	assert_int_equal(sl_pfx_vec_push(&vec, &p), 0);
	sl_pfx_normalise(&vec);
	check_vec(&vec, want2, cls2, 2);
	sl_pfx_vec_free(&vec);

	for (n = 3; n < 200; n += 49) {
		size_t last;

		for (last = 0; last < 2; last++) {
			for (i = 0; i < n; i++) {
				p = nth(2 * i); /* IPv4 10.0.x.y/32, ascending */
				assert_int_equal(sl_pfx_vec_push(&vec, &p), 0);
			}
			/* swap the first two or the last two */
			i = last ? n - 2 : 0;
			p = vec.v[i];
			vec.v[i] = vec.v[i + 1];
			vec.v[i + 1] = p;
			sl_pfx_normalise(&vec);
			assert_int_equal(vec.n, n);
			for (i = 1; i < n; i++)
				assert_true(sl_pfx_cmp(&vec.v[i - 1], &vec.v[i]) < 0);
			sl_pfx_vec_free(&vec);
		}
	}
}

static int cmp_qsort(const void *a, const void *b)
{
	return sl_pfx_cmp(a, b);
}

/* Reference: qsort, then keep the first of each run of the same prefix. */
static void reference(struct sl_pfx_vec *ref)
{
	size_t i, out = 0;

	qsort(ref->v, ref->n, sizeof(*ref->v), cmp_qsort);
	for (i = 1; i < ref->n; i++) {
		struct sl_pfx *a = &ref->v[out], *b = &ref->v[i];

		if (a->family != b->family || a->plen != b->plen ||
		    memcmp(a->addr, b->addr, sizeof(a->addr)))
			ref->v[++out] = *b;
	}
	if (ref->n)
		ref->n = out + 1;
}

static void check_same(const struct sl_pfx_vec *got, const struct sl_pfx_vec *ref)
{
	size_t i;

	assert_int_equal(got->n, ref->n);
	for (i = 0; i < got->n; i++) {
		if (sl_pfx_cmp(&got->v[i], &ref->v[i])) {
			char x[SL_PFX_STRLEN], y[SL_PFX_STRLEN];

			sl_fmt_pfx(x, sizeof(x), &got->v[i]);
			sl_fmt_pfx(y, sizeof(y), &ref->v[i]);
			fail_msg("at %zu: %s class %u, expected %s class %u", i, x,
				 got->v[i].class_id, y, ref->v[i].class_id);
		}
		if (i)
			assert_true(sl_pfx_cmp(&got->v[i - 1], &got->v[i]) < 0);
	}
}

static struct sl_pfx rand_pfx(unsigned int *seed, int family, __u32 class_id)
{
	struct sl_pfx p = { .family = family, .class_id = class_id };
	int i;

	for (i = 0; i < (family == 4 ? 4 : 16); i++)
		p.addr[i] = rand_r(seed) % 3; /* few values: many duplicates */
	p.plen = rand_r(seed) % (family == 4 ? 33 : 129);
	sl_pfx_mask(&p);
	return p;
}

/*
 * Large unsorted lists with duplicates, in the mixes that take each sort
 * path: few IPv4 (comparison sorts), many IPv4 (radix), IPv6 only.
 */
static void test_normalise_large(void **state)
{
	static const int v4_percent[] = { 0, 2, 50, 100 };
	unsigned int seed = 3;
	size_t k, i;

	(void)state;
	for (k = 0; k < sizeof(v4_percent) / sizeof(v4_percent[0]); k++) {
		struct sl_pfx_vec vec = { 0 }, ref = { 0 };

		for (i = 0; i < 3000; i++) {
			int fam = (int)(rand_r(&seed) % 100) < v4_percent[k] ? 4 : 6;
			struct sl_pfx p = rand_pfx(&seed, fam, 7);

			assert_int_equal(sl_pfx_vec_push(&vec, &p), 0);
		}
		assert_int_equal(sl_pfx_vec_append(&ref, vec.v, vec.n), 0);
		reference(&ref);
		sl_pfx_normalise(&vec);
		assert_true(vec.n < 3000); /* there were duplicates */
		check_same(&vec, &ref);
		for (i = 0; i < vec.n; i++) {
			assert_int_equal(vec.v[i].class_id, 7);
			assert_int_equal(vec.v[i].nomatch, 0);
		}
		sl_pfx_vec_free(&vec);
		sl_pfx_vec_free(&ref);
	}
}

static void test_resolve_small(void **state)
{
	static const char *const in[] = {
		"10.0.0.0/8",	 "10.0.0.0/16",	  "2001:db8::/32", "192.0.2.0/24",
		"10.0.0.0/8",	 "2001:db8::/32", "10.0.0.0/8",	   "2001:db8::/48",
		"198.51.100.7/32",
	};
	static const __u32 in_cls[] = { 3, 2, 5, 4, 1, 4, 2, 5, 9 };
	static const char *const want[] = {
		"10.0.0.0/8",	 "10.0.0.0/16",	  "192.0.2.0/24", "198.51.100.7/32",
		"2001:db8::/32", "2001:db8::/48",
	};
	static const __u32 want_cls[] = { 1, 2, 4, 9, 4, 5 };
	struct sl_pfx_vec vec = { 0 };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		struct sl_pfx p = pfx(in[i], in_cls[i]);

		assert_int_equal(sl_pfx_vec_push(&vec, &p), 0);
	}
	sl_pfx_resolve(&vec);
	check_vec(&vec, want, want_cls, sizeof(want) / sizeof(want[0]));
	sl_pfx_vec_free(&vec);
}

/*
 * The union of classes as the CLI builds it: each class's normalised list,
 * concatenated in an order unrelated to the class ids. The same prefixes in
 * several classes go to the lowest id; covered prefixes stay.
 */
static void test_resolve_union(void **state)
{
	static const __u32 order[] = { 3, 1, 2, 6, 5 };
	struct sl_pfx_vec all = { 0 }, ref = { 0 };
	unsigned int seed = 5;
	size_t c, i, n4 = 0, n6 = 0;

	(void)state;
	for (c = 0; c < sizeof(order) / sizeof(order[0]); c++) {
		struct sl_pfx_vec one = { 0 };
		unsigned int shared = 99;

		for (i = 0; i < 400; i++) {
			/* the same 200 prefixes in every class, and 200 random ones */
			struct sl_pfx p = rand_pfx(i < 200 ? &shared : &seed, i % 3 ? 4 : 6,
						   order[c]);

			assert_int_equal(sl_pfx_vec_push(&one, &p), 0);
		}
		sl_pfx_normalise(&one);
		assert_int_equal(sl_pfx_vec_append(&all, one.v, one.n), 0);
		sl_pfx_vec_free(&one);
	}
	assert_int_equal(sl_pfx_vec_append(&ref, all.v, all.n), 0);
	reference(&ref);
	sl_pfx_resolve(&all);
	check_same(&all, &ref);
	/* the shared prefixes went to class 1, the lowest */
	{
		unsigned int shared = 99;

		for (i = 0; i < 200; i++) {
			struct sl_pfx p = rand_pfx(&shared, i % 3 ? 4 : 6, 1);
			struct sl_pfx *hit = bsearch(&p, all.v, all.n, sizeof(p), cmp_qsort);

			assert_non_null(hit);
			assert_int_equal(hit->class_id, 1);
		}
	}
	for (i = 0; i < all.n; i++) {
		n4 += all.v[i].family == 4;
		n6 += all.v[i].family == 6;
	}
	assert_true(n4 > 64 && n6 > 0);
	sl_pfx_vec_free(&all);
	sl_pfx_vec_free(&ref);
}

/* Class ids use all 16 bits, on the IPv4 radix path and the IPv6 one alike. */
static void test_resolve_wide_class_ids(void **state)
{
	static const __u32 ids[] = { 65535, 256, 4096, 257, 1000 };
	struct sl_pfx_vec all = { 0 }, ref = { 0 };
	size_t c, i;

	(void)state;
	for (c = 0; c < sizeof(ids) / sizeof(ids[0]); c++) {
		for (i = 0; i < 300; i++) {
			/* class c holds prefixes c..c+299 of each family */
			struct sl_pfx p = nth(2 * (i + c) + (i % 4 == 0));

			p.class_id = ids[c];
			assert_int_equal(sl_pfx_vec_push(&all, &p), 0);
		}
	}
	assert_int_equal(sl_pfx_vec_append(&ref, all.v, all.n), 0);
	reference(&ref);
	sl_pfx_resolve(&all);
	check_same(&all, &ref);
	for (i = 0; i < all.n; i++) {
		size_t k = (all.v[i].addr[1] << 16 | all.v[i].addr[2] << 8 | all.v[i].addr[3]) / 2;
		__u32 want = ~0u;

		/* class c holds k as IPv6 when (k - c) % 4 == 0, else as IPv4 */
		for (c = 0; c < sizeof(ids) / sizeof(ids[0]); c++)
			if (k >= c && k < c + 300 && ((k - c) % 4 == 0) == (all.v[i].family == 6) &&
			    ids[c] < want)
				want = ids[c];
		assert_int_equal(all.v[i].class_id, want);
	}
	sl_pfx_vec_free(&all);
	sl_pfx_vec_free(&ref);
}

/*
 * Enough IPv6 entries and few runs: the run-merging path, with ties. Class
 * order[c] holds 2001:0:0:X::/64 for X = k * (c + 1), k < 500.
 */
static void test_resolve_merge_runs(void **state)
{
	static const __u32 order[] = { 4, 2, 3, 1 };
	struct sl_pfx_vec all = { 0 }, ref = { 0 };
	size_t c, i;

	(void)state;
	for (c = 0; c < 4; c++) {
		for (i = 0; i < 500; i++) {
			struct sl_pfx p = { .family = 6, .plen = 64, .class_id = order[c] };

			p.addr[0] = 0x20;
			p.addr[1] = 0x01;
			p.addr[6] = (i * (c + 1)) >> 8;
			p.addr[7] = i * (c + 1);
			assert_int_equal(sl_pfx_vec_push(&all, &p), 0);
		}
	}
	assert_int_equal(sl_pfx_vec_append(&ref, all.v, all.n), 0);
	reference(&ref);
	sl_pfx_resolve(&all);
	check_same(&all, &ref);
	for (i = 0; i < all.n; i++) {
		unsigned int x = all.v[i].addr[6] << 8 | all.v[i].addr[7];
		__u32 want = ~0u;

		for (c = 0; c < 4; c++)
			if (x % (c + 1) == 0 && x / (c + 1) < 500 && order[c] < want)
				want = order[c];
		assert_int_equal(all.v[i].class_id, want);
	}
	sl_pfx_vec_free(&all);
	sl_pfx_vec_free(&ref);
}

/* Host-order IPv4 address a is in p. */
static bool in4(const struct sl_pfx *p, uint32_t a)
{
	uint32_t net = (uint32_t)p->addr[0] << 24 | p->addr[1] << 16 | p->addr[2] << 8 | p->addr[3];
	uint32_t mask = p->plen ? ~0u << (32 - p->plen) : 0;

	return p->family == 4 && (a & mask) == net;
}

/*
 * ipset "nomatch" exceptions: on random nested sets inside 10.0.0.0/16,
 * every one of its addresses is in the normalised list exactly when the
 * longest entry holding it is a match (where the same prefix is both, from
 * two files, say, the exception wins).
 */
static void test_normalise_exceptions(void **state)
{
	unsigned int seed, i, a;

	(void)state;
	srandom(7);
	for (seed = 0; seed < 40; seed++) {
		struct sl_pfx_vec vec = { 0 }, orig = { 0 };
		unsigned int n = 1 + random() % 40;

		for (i = 0; i < n; i++) {
			struct sl_pfx p = { .family = 4, .class_id = 1 };
			uint32_t addr = 0x0a000000u | (random() & 0xffff);

			p.plen = 14 + random() % 19;
			addr &= p.plen ? ~0u << (32 - p.plen) : 0;
			p.addr[0] = addr >> 24;
			p.addr[1] = addr >> 16;
			p.addr[2] = addr >> 8;
			p.addr[3] = addr;
			p.nomatch = random() % 3 == 0;
			assert_int_equal(sl_pfx_vec_push(&vec, &p), 0);
		}
		assert_int_equal(sl_pfx_vec_append(&orig, vec.v, vec.n), 0);
		assert_int_equal(sl_pfx_normalise(&vec), 0);
		for (i = 0; i < vec.n; i++)
			assert_int_equal(vec.v[i].nomatch, 0);
		for (a = 0x0a000000u; a < 0x0a010000u; a++) {
			int best = -1, best_match = 0;
			bool want, got = false;

			for (i = 0; i < orig.n; i++) {
				bool m = !orig.v[i].nomatch;

				if (!in4(&orig.v[i], a) || orig.v[i].plen < best)
					continue;
				if (orig.v[i].plen > best)
					best_match = m;
				else
					best_match &= m;
				best = orig.v[i].plen;
			}
			want = best >= 0 && best_match;
			for (i = 0; i < vec.n && !got; i++)
				got = in4(&vec.v[i], a);
			if (want != got)
				fail_msg("set %u, address %08x: want %d, got %d", seed, a, want, got);
		}
		sl_pfx_vec_free(&vec);
		sl_pfx_vec_free(&orig);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vec_push_growth),
		cmocka_unit_test(test_vec_append),
		cmocka_unit_test(test_cmp_order),
		cmocka_unit_test(test_normalise_small),
		cmocka_unit_test(test_normalise_trivial),
		cmocka_unit_test(test_normalise_one_swap),
		cmocka_unit_test(test_normalise_large),
		cmocka_unit_test(test_normalise_exceptions),
		cmocka_unit_test(test_resolve_small),
		cmocka_unit_test(test_resolve_union),
		cmocka_unit_test(test_resolve_wide_class_ids),
		cmocka_unit_test(test_resolve_merge_runs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
