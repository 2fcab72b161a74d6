// SPDX-License-Identifier: GPL-2.0
/*
 * Feeds end to end, through the CLI's own code (parse, normalise, build,
 * swap) and the datapath's classification (the probe program):
 *  - random feeds in every format, with ranges, duplicates, host bits and
 *    the same prefixes in several classes, agree with a naive reference on
 *    every entry boundary, its neighbours and random addresses;
 *  - while one thread swaps a class between two feeds as fast as it can,
 *    lookups and the XDP program never see an address classified into a
 *    class that neither generation gives it.
 * Needs root (BPF and a private bpffs mount).
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mount.h>
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <cmocka.h>
#include <zlib.h>

#include "diag.h"
#include "feed.h"
#include "frame.h"
#include "journal.h"
#include "parse.h"
#include "prefix.h"
#include "probe.h"
#include "state.h"
#include "table.h"
#include "util.h"

#define NCLASSES 5

typedef unsigned __int128 u128;

/* One raw feed entry: an address range of a family, in a class. */
struct raw {
	int family;
	u128 lo, hi;
	__u32 class_id;
};

struct env {
	char dir[64];
	struct sl_ctx ctx;
};

static unsigned long long seed_state;

static __u64 rng(void)
{
	__u64 z = (seed_state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static int setup(void **state)
{
	struct sl_sizes sizes = { 64, 1u << 20, 1u << 18, SL_MIN_MAX_FLOWS };
	struct env *e = calloc(1, sizeof(*e));
	__u32 id;

	/* the mount goes with the process, even if it dies */
	if (!unshare(CLONE_NEWNS))
		mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL);
	snprintf(e->dir, sizeof(e->dir), "/tmp/sluice-feed-test.XXXXXX");
	if (!mkdtemp(e->dir) || mount("bpf", e->dir, "bpf", 0, NULL))
		return -1;
	sl_ctx_init(&e->ctx, e->dir);
	if (sl_open(&e->ctx, SL_OPEN_CREATE, &sizes))
		return -1;
	for (id = 1; id <= NCLASSES; id++) {
		struct sl_class c = { .flags = SL_CLASS_USED, .policy = SL_POLICY_PASS };

		snprintf(c.name, sizeof(c.name), "c%u", id);
		if (id == 1)
			c.policy = SL_POLICY_DROP;
		if (sl_class_put(&e->ctx, id, &c))
			return -1;
	}
	*state = e;
	return 0;
}

static int teardown(void **state)
{
	struct env *e = *state;

	sl_close(&e->ctx);
	sl_unload(&e->ctx);
	umount(e->dir);
	rmdir(e->dir);
	free(e);
	return 0;
}

static void from_int(int family, u128 v, struct sl_pfx *p)
{
	int i, n = family == 4 ? 4 : 16;

	memset(p, 0, sizeof(*p));
	p->family = family;
	p->plen = family == 4 ? 32 : 128;
	for (i = n - 1; i >= 0; i--, v >>= 8)
		p->addr[i] = (__u8)v;
}

static void fmt(int family, u128 v, char *buf, size_t len)
{
	struct sl_pfx p;

	from_int(family, v, &p);
	sl_fmt_addr(buf, len, &p);
}

static u128 max_of(int family)
{
	return family == 4 ? (u128)0xffffffffu : ~(u128)0;
}

/* A random entry: a host, a prefix (maybe with host bits set) or a range. */
static void random_entry(int family, __u32 class_id, struct raw *r, char *text, size_t len,
			 bool allow_range)
{
	int width = family == 4 ? 32 : 128, plen;
	u128 base = ((u128)rng() << 64 | rng()) & max_of(family), span;
	char a[64], b[64];

	/* Cluster: a few bases, so entries overlap and nest. */
	base &= ~(max_of(family) >> 6);
	base |= (u128)(rng() % 4096) << (width - 6 - 12);
	r->family = family;
	r->class_id = class_id;
	switch (rng() % (allow_range ? 4 : 3)) {
	case 0:
		r->lo = r->hi = base;
		fmt(family, base, text, len);
		break;
	case 1:
	case 2:
		plen = rng() % 3 ? (int)(width - 1 - rng() % 20) : (int)(rng() % (width + 1));
		span = plen == 0 ? max_of(family) : (max_of(family) >> plen);
		fmt(family, base, a, sizeof(a)); /* host bits may be set: masked */
		snprintf(text, len, "%s/%d", a, plen);
		r->lo = base & ~span;
		r->hi = r->lo | span;
		break;
	default:
		span = rng() % 5000;
		r->lo = base;
		r->hi = base + span > max_of(family) ? max_of(family) : base + span;
		fmt(family, r->lo, a, sizeof(a));
		fmt(family, r->hi, b, sizeof(b));
		snprintf(text, len, "%s-%s", a, b);
	}
}

/* Naive reference: the longest aligned block inside some entry. */
static int reference(const struct raw *r, size_t n, int family, u128 a, int *plen)
{
	int width = family == 4 ? 32 : 128, best = -1, best_len = -1;
	size_t i;

	for (i = 0; i < n; i++) {
		int k;

		if (r[i].family != family || a < r[i].lo || a > r[i].hi)
			continue;
		/* Largest aligned block holding a inside [lo, hi]: its length. */
		for (k = 0; k <= width; k++) {
			u128 mask = k == 128 ? ~(u128)0 : (((u128)1 << k) - 1);
			u128 lo = a & ~mask, hi = lo | mask;

			if (lo < r[i].lo || hi > r[i].hi)
				break;
		}
		k = width - (k - 1);
		if (k > best_len || (k == best_len && r[i].class_id < (__u32)best)) {
			best_len = k;
			best = r[i].class_id;
		}
	}
	*plen = best_len;
	return best;
}

static void write_feed(const char *path, int format, char **lines, size_t n, bool gz)
{
	gzFile f = gzopen(path, gz ? "wb" : "wbT");
	size_t i;

	assert_non_null(f);
	if (format == SL_FMT_CSV)
		gzprintf(f, "Updated: 2026-11-28 12:00:00\n");
	if (format == SL_FMT_IPSET)
		gzprintf(f, "create s hash:net family inet6\n");
	for (i = 0; i < n; i++) {
		switch (format) {
		case SL_FMT_IPSET:
			gzprintf(f, "add s %s\n", lines[i]);
			break;
		case SL_FMT_CSV:
			if (i + 1 < n && rng() % 2) {
				gzprintf(f, "%s | %s;Example Org;\xe9t\xe9;2026\n", lines[i],
					 lines[i + 1]);
				i++;
			} else {
				gzprintf(f, "%s;x;;\n", lines[i]);
			}
			break;
		default:
			if (rng() % 5 == 0)
				gzprintf(f, "# comment\r\n");
			gzprintf(f, "%s%s\r\n", lines[i], rng() % 3 ? "" : " ; trailing");
		}
	}
	gzclose(f);
}

static int load_class(struct env *e, __u32 id, const char *path)
{
	struct sl_feed_opts o = { .format = SL_FMT_AUTO, .max_report = 1 };
	struct sl_feed_stats st = { 0 };
	struct sl_pfx_vec v = { 0 };
	int err;

	err = sl_feed_read_opts(path, &o, &v, &st);
	sl_diag_clear(); /* reported lines: not shown */
	if (!err && st.invalid)
		err = -EINVAL;
	if (!err) {
		sl_pfx_normalise(&v);
		err = sl_tables_replace(&e->ctx, id, v.v, v.n);
	}
	sl_pfx_vec_free(&v);
	return err;
}

static void check_addr(struct env *e, const struct raw *raw, size_t n, int family, u128 a,
		       size_t *checked)
{
	struct sl_lookup_result res;
	int exp_len, exp;
	struct sl_pfx p;
	char buf[64];

	from_int(family, a, &p);
	exp = reference(raw, n, family, a, &exp_len);
	assert_int_equal(sl_probe_run(&e->ctx, &p, &res), 0);
	if ((exp < 0 && res.matched) || (exp >= 0 && (!res.matched || res.class_id != (__u32)exp ||
						      res.prefixlen != (__u32)exp_len))) {
		fmt(family, a, buf, sizeof(buf));
		fail_msg("%s: sluice says class %u /%u (matched %d), reference class %d /%d", buf,
			 res.class_id, res.prefixlen, res.matched, exp, exp_len);
	}
	(*checked)++;
}

static void test_formats_against_reference(void **state)
{
	struct env *e = *state;
	static const int formats[] = { SL_FMT_PLAIN, SL_FMT_IPSET, SL_FMT_CSV, SL_FMT_PLAIN };
	struct raw *raw = calloc(NCLASSES * 400, sizeof(*raw));
	size_t nraw = 0, i, checked = 0;
	char path[128];
	__u32 id;
	int round;

	assert_non_null(raw);
	for (round = 0; round < 3; round++) {
		seed_state = 1000 + round;
		nraw = 0;
		for (id = 1; id <= NCLASSES; id++) {
			int format = formats[rng() % 4];
			size_t n = 50 + rng() % 300, k;
			char **lines = calloc(n, sizeof(*lines));

			for (k = 0; k < n; k++) {
				int family = rng() % 3 ? 4 : 6;

				lines[k] = malloc(128);
				/* registry dumps and ipset hold no ranges here */
				random_entry(family, id, &raw[nraw++], lines[k], 128,
					     format == SL_FMT_PLAIN);
				if (rng() % 10 == 0 && k + 1 < n) { /* a duplicate line */
					raw[nraw] = raw[nraw - 1];
					nraw++;
					lines[k + 1] = strdup(lines[k]);
					k++;
				}
			}
			snprintf(path, sizeof(path), "%s-c%u.feed", e->dir, id);
			write_feed(path, format, lines, n, rng() % 2);
			assert_int_equal(load_class(e, id, path), 0);
			unlink(path);
			for (k = 0; k < n; k++)
				free(lines[k]);
			free(lines);
		}
		for (i = 0; i < nraw; i++) {
			u128 lo = raw[i].lo, hi = raw[i].hi;
			int f = raw[i].family;

			check_addr(e, raw, nraw, f, lo, &checked);
			check_addr(e, raw, nraw, f, hi, &checked);
			if (lo > 0)
				check_addr(e, raw, nraw, f, lo - 1, &checked);
			if (hi < max_of(f))
				check_addr(e, raw, nraw, f, hi + 1, &checked);
		}
		for (i = 0; i < 5000; i++) {
			const struct raw *near = &raw[rng() % nraw];
			u128 a = near->lo ^ (((u128)rng() << 64 | rng()) >> (rng() % 128));

			check_addr(e, raw, nraw, near->family, a & max_of(near->family), &checked);
		}
	}
	printf("# %zu addresses agree with the reference\n", checked);
	free(raw);
}

/* ---- atomicity under load ---- */

struct swapper {
	struct env *e;
	struct sl_pfx_vec gen[2];
	volatile bool stop;
	unsigned long swaps;
	int err;
};

static void *swap_loop(void *arg)
{
	struct swapper *s = arg;
	struct sl_ctx ctx;

	sl_ctx_init(&ctx, s->e->dir);
	s->err = sl_open(&ctx, 0, NULL);
	while (!s->err && !s->stop) {
		const struct sl_pfx_vec *g = &s->gen[s->swaps % 2];

		s->err = sl_tables_replace(&ctx, 1, g->v, g->n);
		s->swaps++;
	}
	sl_close(&ctx);
	return NULL;
}

static void gen_set(int which, struct sl_pfx_vec *v)
{
	int i;

	for (i = 0; i < 256; i++) {
		struct sl_pfx p;
		const char *why;
		bool masked;
		char text[64];

		/* 10.0.i.0/24 in generation 0 for even i, in 1 for i % 3 == 0 */
		if (which == 0 ? i % 2 : i % 3)
			continue;
		snprintf(text, sizeof(text), "10.0.%d.0/24", i);
		assert_int_equal(sl_parse_prefix(text, strlen(text), &p, &why, &masked), 0);
		sl_pfx_vec_push(v, &p);
	}
	sl_pfx_normalise(v);
}

static int xdp_verdict(struct env *e, __u32 addr)
{
	/* Two bytes in, so that the IP header is 4-byte aligned. */
	__u8 buf[66] __attribute__((aligned(4))) = {};
	__u8 *frame = buf + 2;
	struct sl_frame f = { .family = 4, .payload = 64 - 14 - 20 };
	__u32 be = htonl(addr);
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame, .repeat = 1);

	memcpy(f.dst, &be, 4);
	opts.data_size_in = sl_frame_build(&f, frame, 64);
	assert_int_equal(opts.data_size_in, 64);
	assert_int_equal(bpf_prog_test_run_opts(e->ctx.prog_fd[SL_PROG_XDP_DST], &opts), 0);
	return opts.retval;
}

static void test_swap_atomic_under_load(void **state)
{
	struct env *e = *state;
	struct swapper s = { .e = e };
	unsigned long checks = 0, wrong = 0;
	struct timespec t0, t;
	pthread_t th;
	int i;

	gen_set(0, &s.gen[0]);
	gen_set(1, &s.gen[1]);
	/* class 2 (pass) owns 10.0.0.0/16 around them: the fallback */
	{
		struct sl_pfx p;
		const char *why;
		bool masked;

		assert_int_equal(sl_parse_prefix("10.0.0.0/16", 11, &p, &why, &masked), 0);
		assert_int_equal(sl_tables_replace(&e->ctx, 2, &p, 1), 0);
	}
	/* Generation 0 is live before the checks start. */
	assert_int_equal(sl_tables_replace(&e->ctx, 1, s.gen[0].v, s.gen[0].n), 0);
	s.swaps = 1;
	assert_int_equal(pthread_create(&th, NULL, swap_loop, &s), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		for (i = 0; i < 256; i++) {
			bool in0 = i % 2 == 0, in1 = i % 3 == 0;
			struct sl_lookup_result res;
			struct sl_pfx p;
			__u32 addr = 0x0a000000 | i << 8 | 7;
			int v;

			from_int(4, addr, &p);
			assert_int_equal(sl_probe_run(&e->ctx, &p, &res), 0);
			/* allowed: class 1 if either generation has it, class 2 if either lacks it */
			if (!((res.class_id == 1 && (in0 || in1)) ||
			      (res.class_id == 2 && (!in0 || !in1))))
				wrong++;
			v = xdp_verdict(e, addr);
			if ((in0 && in1 && v != 1 /* XDP_DROP */) ||
			    (!in0 && !in1 && v != 2 /* XDP_PASS */))
				wrong++;
			checks += 2;
		}
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while (t.tv_sec - t0.tv_sec < 3);
	s.stop = true;
	pthread_join(th, NULL);
	printf("# %lu swaps, %lu checks, %lu inconsistent\n", s.swaps, checks, wrong);
	assert_int_equal(s.err, 0);
	assert_true(s.swaps > 5);
	assert_int_equal(wrong, 0);
	sl_pfx_vec_free(&s.gen[0]);
	sl_pfx_vec_free(&s.gen[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_formats_against_reference, setup, teardown),
		cmocka_unit_test_setup_teardown(test_swap_atomic_under_load, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
