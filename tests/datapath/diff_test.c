// SPDX-License-Identifier: GPL-2.0
/*
 * Differential test: sluice's classifier (bpf/classify.h, tables built by
 * user/table_build.c) against the kernel's LPM trie, both run in the kernel
 * by bpf/bench.bpf.c over the same addresses: every prefix's first and last
 * address and their neighbours, and at least a million random addresses per
 * family, on random prefix sets with nesting, overlaps across classes, /0,
 * /32, /128 and adjacent prefixes. Needs root.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <cmocka.h>

#include "bm.h"
#include "parse.h"
#include "sluice.h"
#include "table_build.h"

#define RANDOM_PROBES (1u << 20)

static __u64 rng(unsigned long long *s)
{
	__u64 z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static void set_bits(struct sl_pfx *p, __u64 hi, __u64 lo)
{
	int i;

	for (i = 0; i < 8; i++) {
		p->addr[i] = hi >> (56 - 8 * i);
		p->addr[8 + i] = lo >> (56 - 8 * i);
	}
	if (p->family == 4)
		memset(p->addr + 4, 0, 12);
}

/*
 * Chains of nested prefixes around random points, siblings (adjacent
 * prefixes), hosts, /0, and duplicates across classes; a few clustered
 * bases so that chains of different families and classes interleave.
 */
static void gen_structured(unsigned long long *s, int family, size_t chains,
			   struct sl_pfx_vec *out)
{
	int width = family == 4 ? 32 : 128;
	size_t c;

	for (c = 0; c < chains; c++) {
		__u64 hi = rng(s), lo = rng(s);
		int len = rng(s) % 3 == 0 ? 0 : (int)(rng(s) % (width + 1)), step;
		struct sl_pfx p = { .family = family };

		if (rng(s) % 2) /* cluster: share the top bits with a few bases */
			hi = (hi & 0x0000ffffffffffffull) | (rng(s) % 4) << 60;
		if (family == 4)
			hi &= 0xffffffff00000000ull;
		while (len <= width) {
			set_bits(&p, hi, lo);
			p.plen = len;
			sl_pfx_mask(&p);
			p.class_id = 1 + rng(s) % 6;
			sl_pfx_vec_push(out, &p);
			if (rng(s) % 4 == 0) { /* the same prefix in another class */
				p.class_id = 1 + rng(s) % 6;
				sl_pfx_vec_push(out, &p);
			}
			if (len && rng(s) % 3 == 0) { /* its sibling: adjacent */
				struct sl_pfx q = p;
				int bit = len - 1;

				q.addr[bit / 8] ^= 0x80 >> (bit % 8);
				q.class_id = 1 + rng(s) % 6;
				sl_pfx_vec_push(out, &q);
			}
			step = 1 + rng(s) % (family == 4 ? 6 : 20);
			if (len < width && len + step > width)
				len = width; /* always end some chains with a host */
			else
				len += step;
		}
	}
}

/* Add a, unless it wraps around the address space. */
static void push_addr(struct sl_pfx_vec *v, const struct sl_pfx *p, int delta)
{
	struct sl_pfx a = *p;
	int i, n = p->family == 4 ? 4 : 16;

	a.plen = p->family == 4 ? 32 : 128;
	for (i = n - 1; i >= 0 && delta; i--) {
		int x = a.addr[i] + delta;

		if (x < 0) {
			a.addr[i] = 0xff;
			delta = -1;
		} else if (x > 0xff) {
			a.addr[i] = 0;
			delta = 1;
		} else {
			a.addr[i] = x;
			delta = 0;
		}
	}
	if (delta)
		return;
	sl_pfx_vec_push(v, &a);
}

static void last_addr(struct sl_pfx *p)
{
	int width = p->family == 4 ? 32 : 128, b;

	for (b = p->plen; b < width; b++)
		p->addr[b / 8] |= 0x80 >> (b % 8);
}

static void check_family(struct bm *b, const struct sl_pfx_vec *pfx, int family,
			 unsigned long long *s)
{
	struct sl_pfx_vec addrs = { 0 };
	size_t i, done;
	__u64 bad = 0;
	__u32 first, ours, ref;

	for (i = 0; i < pfx->n; i++) {
		struct sl_pfx p = pfx->v[i];

		if (p.family != family)
			continue;
		push_addr(&addrs, &p, 0);
		push_addr(&addrs, &p, -1);
		last_addr(&p);
		push_addr(&addrs, &p, 0);
		push_addr(&addrs, &p, 1);
	}
	for (i = 0; i < RANDOM_PROBES; i++) {
		struct sl_pfx p = { .family = family };
		__u64 hi = rng(s);

		/* Half of them near the prefixes: same top bits as one of them. */
		if (i % 2 && pfx->n) {
			const struct sl_pfx *near = &pfx->v[rng(s) % pfx->n];

			if (near->family == family)
				memcpy(&hi, near->addr, 8), hi = __builtin_bswap64(hi) ^
							       (rng(s) >> (8 + rng(s) % 40));
		}
		set_bits(&p, hi, rng(s));
		push_addr(&addrs, &p, 0);
	}
	assert_true(addrs.n >= RANDOM_PROBES);
	for (done = 0; done < addrs.n; done += BM_MAX_ADDRS) {
		size_t n = addrs.n - done < BM_MAX_ADDRS ? addrs.n - done : BM_MAX_ADDRS;

		assert_int_equal(bm_set_addrs(b, addrs.v + done, n), 0);
		assert_int_equal(bm_run(b, family == 4 ? BM_DIFF4 : BM_DIFF6, 0, n, 1, NULL), 0);
		bad += bm_mismatches(b, &first, &ours, &ref);
		if (bad) {
			char buf[SL_PFX_STRLEN];

			sl_fmt_addr(buf, sizeof(buf), &addrs.v[done + first]);
			fprintf(stderr, "IPv%d %s: sluice class %u /%u, trie class %u /%u\n", family,
				buf, SL_E_CLASS(ours), SL_E_PLEN(ours), SL_E_CLASS(ref),
				SL_E_PLEN(ref));
			break;
		}
	}
	printf("# IPv%d: %zu prefixes, %zu addresses, %llu disagreements\n", family, pfx->n,
	       addrs.n, (unsigned long long)bad);
	assert_int_equal(bad, 0);
	sl_pfx_vec_free(&addrs);
}

static void run_set(struct sl_pfx_vec *pfx, unsigned int seed)
{
	unsigned long long s = seed;
	struct bm *b;

	sl_pfx_resolve(pfx);
	b = bm_open(pfx);
	assert_non_null(b);
	check_family(b, pfx, 4, &s);
	check_family(b, pfx, 6, &s);
	bm_close(b);
}

/* A table's bytes, mapped read-only. */
static const __u8 *map_table(const struct sl_built *b)
{
	void *m = mmap(NULL, b->bytes, PROT_READ, MAP_SHARED, b->fd, 0);

	assert_true(m != MAP_FAILED);
	return m;
}

/*
 * The IPv6 directory words of pfx's table by shape, printed: lists[k] list
 * blocks of k prefixes, *hashed blocks whose prefixes are in hashes.
 */
static void v6_shapes(const struct sl_pfx_vec *pfx, __u32 lists[SL_T6_LIST_MAX + 1],
		      __u32 *hashed)
{
	struct sl_pfx_vec v6 = { 0 };
	const struct sl_t6_elem *t;
	struct sl_built b;
	__u32 top, e, bits;
	size_t i;

	for (i = 0; i < pfx->n; i++) {
		if (pfx->v[i].family == 6)
			assert_int_equal(sl_pfx_vec_push(&v6, &pfx->v[i]), 0);
	}
	assert_int_equal(sl_build_v6(v6.v, v6.n, &b), 0);
	t = (const struct sl_t6_elem *)map_table(&b);
	bits = t[0].w[SL_T6_W_DIR_BITS];
	memset(lists, 0, (SL_T6_LIST_MAX + 1) * sizeof(*lists));
	*hashed = 0;
	for (top = 0; top < 1u << bits; top++) {
		e = t[SL_T6_DIR + top / SL_T6_DIR_PER_ELEM].w[top % SL_T6_DIR_PER_ELEM];
		if (!(e & SL_E_NODE))
			continue;
		if (e & SL_E_LIST)
			lists[SL_E_LIST_N(e)]++;
		else
			(*hashed)++;
	}
	printf("# IPv6 blocks: lists of 1-4: %u %u %u %u, hashed %u\n", lists[1], lists[2],
	       lists[3], lists[4], *hashed);
	munmap((void *)t, b.bytes);
	close(b.fd);
	sl_pfx_vec_free(&v6);
}

static void test_structured(void **state)
{
	unsigned int seed;

	(void)state;
	for (seed = 1; seed <= 3; seed++) {
		struct sl_pfx_vec pfx = { 0 };
		unsigned long long s = seed * 7919;

		gen_structured(&s, 4, 3000, &pfx);
		gen_structured(&s, 6, 1500, &pfx);
		run_set(&pfx, seed);
		sl_pfx_vec_free(&pfx);
	}
}

static void test_realistic_mix(void **state)
{
	__u32 lists[SL_T6_LIST_MAX + 1], hashed;
	struct sl_pfx_vec pfx = { 0 };

	(void)state;
	assert_int_equal(bm_gen(BM_MIX_REALISTIC, 200000, 50, 11, &pfx), 0);
	/* its 10K IPv6 prefixes: lists of one to three */
	v6_shapes(&pfx, lists, &hashed);
	assert_true(lists[1] && lists[2] && lists[3]);
	run_set(&pfx, 11);
	sl_pfx_vec_free(&pfx);
}

static void test_worst_mix(void **state)
{
	__u32 lists[SL_T6_LIST_MAX + 1], hashed;
	struct sl_pfx_vec pfx = { 0 };

	(void)state;
	assert_int_equal(bm_gen(BM_MIX_WORST, 100000, 50, 12, &pfx), 0);
	/* its IPv6 prefixes are spread: every block a list, most of one */
	v6_shapes(&pfx, lists, &hashed);
	assert_true(lists[1] > lists[2] && lists[2] > lists[3] && lists[3]);
	run_set(&pfx, 12);
	sl_pfx_vec_free(&pfx);
}

/* Push the prefix of family at (hi, lo)/plen, masked, for class_id. */
static void push(struct sl_pfx_vec *out, int family, __u64 hi, __u64 lo, int plen,
		 __u32 class_id)
{
	struct sl_pfx p = { .family = family, .plen = plen, .class_id = class_id };

	set_bits(&p, hi, lo);
	sl_pfx_mask(&p);
	assert_int_equal(sl_pfx_vec_push(out, &p), 0);
}

/*
 * Dense IPv4: every length from /17 to /32 packed into two /16s (nodes with
 * many runs, leaves outside the node, /24s with both /25-/31 prefixes and
 * hosts), beside a few short prefixes over them.
 */
static void gen_dense4(unsigned long long *s, size_t n, struct sl_pfx_vec *out)
{
	size_t i;

	for (i = 0; i < n; i++) {
		__u64 net = rng(s) & 1, host = rng(s) & 0xffff;
		int plen = 17 + rng(s) % 16;

		push(out, 4, (0x0a010000ull | net << 17 | host) << 32, 0, plen, 1 + rng(s) % 20);
	}
	push(out, 4, 0x0a000000ull << 32, 0, 8, 21);
	push(out, 4, 0x0a010000ull << 32, 0, 16, 22);
}

/*
 * Dense IPv6: every length from /16 to /128 in two /16s (directory blocks
 * that flag many lengths), a /8 over them, and a few random prefixes.
 */
static void gen_dense6(unsigned long long *s, size_t n, struct sl_pfx_vec *out)
{
	size_t i;

	for (i = 0; i < n; i++) {
		__u64 net = rng(s) & 1, hi = (0x2001ull | net << 8) << 48;
		__u64 lo = rng(s);
		int plen;

		hi |= rng(s) & 0xffffffffffffull;
		if (i % 100 == 0)
			hi = rng(s);
		plen = 16 + rng(s) % 113;
		push(out, 6, hi, lo, plen, 1 + rng(s) % 20);
	}
	push(out, 6, 0x2000ull << 48, 0, 8, 23);
}

static void test_dense(void **state)
{
	__u32 lists[SL_T6_LIST_MAX + 1], hashed;
	struct sl_pfx_vec pfx = { 0 };
	unsigned long long s = 31;

	(void)state;
	gen_dense4(&s, 20000, &pfx);
	gen_dense6(&s, 20000, &pfx);
	sl_pfx_resolve(&pfx);
	/* the two dense /16s (at least: 2001::/16 and 2101::/16) are hashed */
	v6_shapes(&pfx, lists, &hashed);
	assert_true(hashed >= 2 && lists[1]);
	run_set(&pfx, 31);
	sl_pfx_vec_free(&pfx);
}

/*
 * Swaps between sizes: each set's tables are swapped out for sets of other
 * sizes and back in the same loaded object, then checked against the trie.
 */
static void test_swaps_between_sizes(void **state)
{
	struct sl_pfx_vec set[3] = { { 0 } };
	unsigned long long s = 41;
	int i, j;

	(void)state;
	assert_int_equal(bm_gen(BM_MIX_REALISTIC, 1000, 50, 41, &set[0]), 0);
	assert_int_equal(bm_gen(BM_MIX_WORST, 100000, 50, 42, &set[1]), 0);
	gen_dense4(&s, 5000, &set[2]);
	gen_dense6(&s, 5000, &set[2]);
	sl_pfx_resolve(&set[2]);
	for (i = 0; i < 3; i++) {
		struct bm *b = bm_open(&set[i]);

		assert_non_null(b);
		for (j = 0; j < 3; j++)
			assert_int_equal(bm_swap_tables(b, &set[(i + j + 1) % 3]), 0);
		/* the last swap put set i back */
		check_family(b, &set[i], 4, &s);
		check_family(b, &set[i], 6, &s);
		bm_close(b);
	}
	for (i = 0; i < 3; i++)
		sl_pfx_vec_free(&set[i]);
}

/* The /16s (first..last, inclusive, of family f) the filter of b has: set bits only there. */
static void check_present(struct bm *b, int f, const __u32 (*ranges)[2], size_t n)
{
	static __u64 want[SL_PRESENT_WORDS];
	static struct sl_present got;
	__u32 s;
	size_t i;

	memset(want, 0, sizeof(want));
	for (i = 0; i < n; i++)
		for (s = ranges[i][0]; s <= ranges[i][1]; s++)
			want[s / 64] |= 1ull << (s % 64);
	assert_int_equal(bm_present(b, f, &got), 0);
	for (s = 0; s < SL_PRESENT_WORDS; s++)
		if (got.w[s] != want[s])
			fail_msg("IPv%d filter word %u: %#llx, want %#llx", f, s,
				 (unsigned long long)got.w[s], (unsigned long long)want[s]);
}

/* The entry that want (n ranges: first /16, last /16, class, prefix length) gives /16 s, or 0. */
static __u32 want_side(const __u32 (*want)[4], size_t n, __u32 s)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s >= want[i][0] && s <= want[i][1])
			return SL_E_MAKE(want[i][2], want[i][3]);
	return 0;
}

/*
 * The side and top words of family f in force: exactly the /16s of want,
 * each answered with its range's entry, and the /8s that one range covers
 * whole.
 */
static void check_side(struct bm *b, int f, const __u32 (*want)[4], size_t n)
{
	static struct sl_present got;
	__u32 s, e, t, top;
	size_t in_force = 0, want_n = 0, i;

	assert_int_equal(bm_present(b, f, &got), 0);
	for (i = 0; i < n; i++)
		want_n += want[i][1] - want[i][0] + 1;
	for (s = 0; s < 65536; s++) {
		e = sl_side_entry(got.side[s], got.gen);
		if (!e)
			continue;
		in_force++;
		if (e != want_side(want, n, s))
			fail_msg("IPv%d /16 %#x: side entry %#x in force, want %#x", f, s, e,
				 want_side(want, n, s));
	}
	if (in_force != want_n)
		fail_msg("IPv%d: %zu side entries in force, want %zu", f, in_force, want_n);
	for (t = 0; t < 256; t++) {
		e = sl_side_entry(got.top[t], got.gen);
		for (i = 0; i < n && !(want[i][0] <= t * 256 && want[i][1] >= t * 256 + 255); i++)
			;
		top = i < n ? SL_E_MAKE(want[i][2], want[i][3]) : 0;
		if (e != top)
			fail_msg("IPv%d /8 %#x: top entry %#x in force, want %#x", f, t, e, top);
	}
}

/* Swap b's tables to v in a child killed at point (SLUICE_CRASH_AT) on the way. */
static void crash_swap(struct bm *b, const struct sl_pfx_vec *v, const char *point)
{
	pid_t pid = fork();
	int st;

	assert_true(pid >= 0);
	if (!pid) {
		setenv("SLUICE_CRASH_AT", point, 1);
		bm_swap_tables(b, v);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	if (!WIFSIGNALED(st) || WTERMSIG(st) != SIGKILL)
		fail_msg("a swap to be killed at %s: status %#x", point, st);
}

static void push_text(struct sl_pfx_vec *v, const char *text, __u32 class_id)
{
	struct sl_pfx p;
	const char *why;
	bool masked;

	assert_int_equal(sl_parse_prefix(text, strlen(text), &p, &why, &masked), 0);
	p.class_id = class_id;
	sl_pfx_vec_push(v, &p);
}

/* The IPv4 /16s of test_filter()'s first set. */
static const __u32 big4[][2] = {
	{ 0x0800, 0x0801 }, { 0x0a01, 0x0a02 }, { 0x2c00, 0x2cff }, { 0xc0a8, 0xc0a8 }
};

/* test_filter()'s first set, live in b: its /16s, its side words, its lookups. */
static void check_big(struct bm *b, const struct sl_pfx_vec *big, unsigned long long *s)
{
	static const __u32 big6[][2] = {
		{ 0x2001, 0x2001 }, { 0x2400, 0x2403 }, { 0x3000, 0x33ff }, { 0xfe80, 0xfe80 }
	};
	/* the /16s that one entry answers whole: /15, /16, /8 (one /8's top word) */
	static const __u32 side4[][4] = {
		{ 0x0800, 0x0801, 1, 15 }, { 0x0a01, 0x0a01, 2, 16 }, { 0x2c00, 0x2cff, 8, 8 }
	};
	/* /14, /6 (four top words) */
	static const __u32 side6[][4] = { { 0x2400, 0x2403, 6, 14 }, { 0x3000, 0x33ff, 9, 6 } };

	check_present(b, 4, big4, 4);
	check_present(b, 6, big6, 4);
	check_side(b, 4, side4, 3);
	check_side(b, 6, side6, 2);
	check_family(b, big, 4, s);
	check_family(b, big, 6, s);
}

/*
 * After a swap from test_filter()'s first set towards another killed at
 * point, before (filter) or after (filtered) the IPv4 swap: the union of
 * the bits (the other set's one /16 is among the first's) and no IPv4 side
 * word in force, though the new ones are written (the other set's would
 * answer 192.168.7.7 with its /16).
 */
static void check_killed_swap(struct bm *b, const struct sl_pfx_vec *big,
			      const struct sl_pfx_vec *other, const char *point,
			      unsigned long long *s)
{
	crash_swap(b, other, point);
	check_present(b, 4, big4, 4);
	check_side(b, 4, NULL, 0);
	if (!strcmp(point, "filter"))
		check_family(b, big, 4, s); /* the first set is still live */
}

/*
 * The /16 filter in front of the tables holds exactly the /16s that a
 * prefix covers or lies in, and a swap to a smaller set clears the rest:
 * an address there answers "no match" from the filter, so the lookups
 * that follow (against the tries, which hold the first set) check that
 * nothing was cleared that a prefix needs.
 */
static void test_filter(void **state)
{
	static const __u32 small4[][2] = { { 0xc0a8, 0xc0a8 } }, small6[][2] = { { 0x2a00, 0x2a00 } };
	static const __u32 small_side4[][4] = { { 0xc0a8, 0xc0a8, 1, 16 } };
	struct sl_pfx_vec big = { 0 }, small = { 0 }, none = { 0 };
	unsigned long long s = 61;
	struct bm *b;

	(void)state;
	push_text(&big, "8.0.0.0/15", 1);
	push_text(&big, "10.1.0.0/16", 2);
	push_text(&big, "10.2.3.0/24", 3);
	push_text(&big, "44.0.0.0/8", 8);
	push_text(&big, "192.168.7.7/32", 4);
	push_text(&big, "2001:db8::/32", 5);
	push_text(&big, "2400::/14", 6);
	push_text(&big, "3000::/6", 9);
	push_text(&big, "fe80::1/128", 7);
	sl_pfx_resolve(&big);
	push_text(&small, "192.168.0.0/16", 1);
	push_text(&small, "2a00:1:2::/48", 2);
	sl_pfx_resolve(&small);

	b = bm_open(&big);
	assert_non_null(b);
	check_big(b, &big, &s);
	check_killed_swap(b, &big, &small, "filter", &s);
	check_killed_swap(b, &big, &small, "filtered", &s);
	assert_int_equal(bm_swap_tables(b, &small), 0);
	check_present(b, 4, small4, 1);
	check_present(b, 6, small6, 1);
	check_side(b, 4, small_side4, 1);
	check_side(b, 6, NULL, 0); /* its one /16 needs the table: no side words */
	assert_int_equal(bm_swap_tables(b, &none), 0);
	check_present(b, 4, NULL, 0);
	check_present(b, 6, NULL, 0);
	check_side(b, 4, NULL, 0);
	check_side(b, 6, NULL, 0);
	/* back to the set the reference tries hold: its bits set again */
	assert_int_equal(bm_swap_tables(b, &big), 0);
	check_big(b, &big, &s);
	bm_close(b);
	sl_pfx_vec_free(&big);
	sl_pfx_vec_free(&small);
}

static void test_empty_and_default_route(void **state)
{
	struct sl_pfx_vec pfx = { 0 };
	struct sl_pfx p = { .family = 4, .plen = 0, .class_id = 3 };

	(void)state;
	run_set(&pfx, 21); /* empty tables: everything is unmatched */
	sl_pfx_vec_push(&pfx, &p);
	p.family = 6;
	p.class_id = 4;
	sl_pfx_vec_push(&pfx, &p);
	run_set(&pfx, 22);
	sl_pfx_vec_free(&pfx);
}

/* The size of the host hash sl_build_v4() makes for an IPv4 list (2^bits slots). */
static __u32 v4_hash_bits(const struct sl_pfx_vec *pfx)
{
	struct sl_built b;
	const __u32 *t;
	__u32 bits;

	assert_int_equal(sl_build_v4(pfx->v, pfx->n, &b), 0);
	t = (const __u32 *)map_table(&b);
	bits = t[SL_T4_W_HASH_BITS];
	munmap((void *)t, b.bytes);
	close(b.fd);
	return bits;
}

/*
 * The IPv4 host hash wraps: hosts homed in its last slots run past the end
 * into the first ones, and hosts homed there probe past them. 800
 * hosts make a hash of 2^11 slots (user/table_build.c, 1/4 to 1/2 full):
 * 24 of them are homed in the last 8 slots, 12 in the first 4.
 */
static void test_host_hash_wrap(void **state)
{
	struct sl_pfx_vec pfx = { 0 };
	unsigned long long s = 51;
	size_t end = 0, start = 0, other = 0;
	__u32 a = 0x0a000000;

	(void)state;
	while (end + start + other < 800) {
		__u32 h = sl_hash32(++a, 11);
		struct sl_pfx p = { .family = 4, .plen = 32, .class_id = 1 + a % 3 };

		if (h >= 2040 && end < 24)
			end++;
		else if (h < 4 && start < 12)
			start++;
		else if (h >= 4 && h < 2040 && other < 764 && rng(&s) % 64 == 0)
			other++;
		else
			continue;
		p.addr[0] = a >> 24, p.addr[1] = a >> 16, p.addr[2] = a >> 8, p.addr[3] = a;
		assert_int_equal(sl_pfx_vec_push(&pfx, &p), 0);
	}
	push(&pfx, 4, 0x0a000000ull << 32, 0, 16, 5);
	sl_pfx_resolve(&pfx);
	assert_int_equal(v4_hash_bits(&pfx), 11);
	run_set(&pfx, 51);
	sl_pfx_vec_free(&pfx);
}

/*
 * A spare map made ahead (table_build.h) holds the same table as a map of
 * the table's own size, but for the host hash, which was built at its end
 * (the header says where), and zeros between; one with more than 1/16 to
 * spare, or too small, is not taken, and the table is the exact one.
 */
static void test_spare(void **state)
{
	struct sl_pfx_vec pfx = { 0 };
	struct sl_built exact, b;
	struct sl_spare sp;
	const __u8 *e, *m;
	__u32 nelem, more[3], i;
	size_t n4, k, hoff, hlen, at;

	(void)state;
	assert_int_equal(bm_gen(BM_MIX_REALISTIC, 200000, 50, 12, &pfx), 0);
	n4 = sl_pfx_split(pfx.v, pfx.n);
	assert_int_equal(sl_build_v4(pfx.v, n4, &exact), 0);
	nelem = exact.bytes / sizeof(struct sl_t4_elem);
	e = map_table(&exact);
	assert_int_equal(((const __u32 *)e)[SL_T4_W_USED], nelem);
	more[0] = nelem / 32;	  /* taken */
	more[1] = nelem / 8;	  /* too much to spare */
	more[2] = (__u32)-1;	  /* one element short */
	hoff = ((const __u32 *)e)[SL_T4_W_HASH_OFF] * 4;
	hlen = (size_t)8 << ((const __u32 *)e)[SL_T4_W_HASH_BITS];
	assert_true(hlen > 0 && hoff + hlen <= exact.bytes);
	for (i = 0; i < 3; i++) {
		sl_spare_start(&sp, nelem + more[i]);
		assert_int_equal(sl_build_v4_spare(pfx.v, n4, &sp, &b), 0);
		sl_spare_drop(&sp);
		assert_int_equal(b.bytes / sizeof(struct sl_t4_elem), i ? nelem : nelem + more[0]);
		m = map_table(&b);
		/* taken: the hash where it was built, at the spare's end; else where it follows */
		at = ((const __u32 *)m)[SL_T4_W_HASH_OFF] * 4;
		assert_int_equal(at, i ? hoff : b.bytes - hlen);
		for (k = 0; k < b.bytes; k++) {
			__u8 want = k < hoff ? e[k] : 0;

			if (k >= at && k < at + hlen)
				want = e[hoff + k - at];
			else if (k / 4 == SL_T4_W_HASH_OFF)
				continue;
			if (m[k] != want)
				fail_msg("spare %u: byte %zu is %u, not %u", i, k, m[k], want);
		}
		munmap((void *)m, b.bytes);
		close(b.fd);
	}
	munmap((void *)e, exact.bytes);
	close(exact.fd);
	sl_pfx_vec_free(&pfx);
}

/*
 * IPv6 list blocks, /16s with one to four longer prefixes: nested ones
 * (longest first), one as long as the directory's bits, a host, four of
 * one length, with and without a shorter prefix over the block; beside a
 * block of five, hashed, and random chains.
 */
static void test_list_blocks(void **state)
{
	static const struct {
		__u64 hi, lo;
		int plen;
	} p[] = {
		{ 0x2400000000000000ull, 0, 48 },
		{ 0x2401000000000000ull, 0, 32 },
		{ 0x2401000000010000ull, 0, 48 }, /* in the /32 */
		{ 0x2402000000000000ull, 0, 16 },
		{ 0x24020abc00000000ull, 0, 64 },
		{ 0x24020abc00000000ull, 0x1234ull, 128 },
		{ 0x2403000000000000ull, 0, 20 },
		{ 0x2403000100000000ull, 0, 40 },
		{ 0x2403000100000000ull, 0, 64 },
		{ 0x2403000100000001ull, 0, 64 }, /* its sibling */
		{ 0x2404000000000000ull, 0, 24 },
		{ 0x2404001000000000ull, 0, 36 },
		{ 0x2404001000000000ull, 0, 52 },
		{ 0x2404001000000000ull, 0, 80 },
		{ 0x2404001000000000ull, 0x8000000000000000ull, 96 },
		{ 0x2405000100000000ull, 0, 48 },
		{ 0x2405000200000000ull, 0, 48 },
		{ 0x2405000300000000ull, 0, 48 },
		{ 0x2405000400000000ull, 0, 48 },
		{ 0x2402000000000000ull, 0, 15 }, /* over 2402::/16 and 2403::/16 */
		{ 0x2404000000000000ull, 0, 14 }, /* over 2404-2407::/16 */
	};
	struct sl_pfx_vec pfx = { 0 };
	unsigned long long s = 61;
	__u32 lists[SL_T6_LIST_MAX + 1], hashed, k;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(p) / sizeof(p[0]); i++)
		push(&pfx, 6, p[i].hi, p[i].lo, p[i].plen, 1 + i % 7);
	gen_structured(&s, 6, 300, &pfx);
	sl_pfx_resolve(&pfx);
	v6_shapes(&pfx, lists, &hashed);
	for (k = 1; k <= SL_T6_LIST_MAX; k++)
		assert_true(lists[k] >= 1);
	assert_true(hashed >= 1);
	run_set(&pfx, 61);
	sl_pfx_vec_free(&pfx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty_and_default_route),
		cmocka_unit_test(test_structured),
		cmocka_unit_test(test_realistic_mix),
		cmocka_unit_test(test_worst_mix),
		cmocka_unit_test(test_dense),
		cmocka_unit_test(test_list_blocks),
		cmocka_unit_test(test_filter),
		cmocka_unit_test(test_swaps_between_sizes),
		cmocka_unit_test(test_host_hash_wrap),
		cmocka_unit_test(test_spare),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
