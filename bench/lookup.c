// SPDX-License-Identifier: GPL-2.0
/*
 * sluice lookup benchmark (make bench): per-lookup cost inside the kernel of
 * an empty loop, one array lookup, the kernel LPM trie and sluice's
 * classifier, over random addresses, at several table sizes and two prefix
 * mixes; plus the memory per prefix; then whole XDP programs per packet:
 * sluice's, the same with the LPM trie, and an empty one. Ratios are against
 * the trie measured in the same run.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/libbpf.h>

#include "bm.h"
#include "parse.h"
#include "sluice.h"

#define NADDR 65536
#define REPEAT 20

static void rand_addrs(struct sl_pfx *a, size_t n, int family, unsigned int seed)
{
	size_t i, j;

	srandom(seed);
	for (i = 0; i < n; i++) {
		memset(&a[i], 0, sizeof(a[i]));
		a[i].family = family;
		a[i].plen = family == 4 ? 32 : 128;
		for (j = 0; j < (family == 4 ? 4u : 16u); j++)
			a[i].addr[j] = random();
	}
}

static double per_lookup(struct bm *b, enum bm_mode m)
{
	double ns = 0, best = 1e18;
	int i;

	/* Best of five runs of REPEAT passes: the machine is noisy. */
	for (i = 0; i < 5; i++) {
		if (bm_run(b, m, 0, NADDR, REPEAT, &ns))
			return -1;
		if (ns < best)
			best = ns;
	}
	return best / NADDR;
}

/*
 * Whole XDP programs per packet: each program once per frame, a frame to
 * each of the random addresses; best of three passes. The empty program is
 * the harness's own cost (timer, context set-up), in the other two as well.
 */
struct pkt_row {
	const char *mix;
	size_t n;
	double ns[2][BM_PROG_N];  /* [IPv4, IPv6][enum bm_prog]: each frame run once */
	double hot[2][BM_PROG_N]; /* each frame run HOT_FRAME_REPEAT times */
};

/*
 * Hot: the first HOT_FRAMES addresses, each frame repeated (caches warm).
 * Few frames, many repeats: a test run with repeat > 1 costs the kernel two
 * RCU grace periods (it switches the XDP dispatcher), tens of ms.
 */
#define HOT_FRAMES 16
#define HOT_FRAME_REPEAT 4096

static struct pkt_row pkt_rows[8];
static size_t n_pkt_rows;

static int per_packet(struct bm *b, const struct sl_pfx *addrs, double out[BM_PROG_N],
		      double hot[BM_PROG_N])
{
	double ns, sum;
	size_t k;
	int p, i;

	for (p = 0; p < BM_PROG_N; p++)
		out[p] = hot[p] = 1e18;
	/* interleaved, so that a slow spell of the VM hits every program alike */
	for (i = 0; i < 3; i++) {
		for (p = 0; p < BM_PROG_N; p++) {
			if (bm_run_frames(b, p, addrs, NADDR, &ns))
				return -1;
			if (ns < out[p])
				out[p] = ns;
			for (sum = 0, k = 0; k < HOT_FRAMES; k++) {
				if (bm_run_hot(b, p, &addrs[k], HOT_FRAME_REPEAT, &ns))
					return -1;
				sum += ns;
			}
			if (sum / HOT_FRAMES < hot[p])
				hot[p] = sum / HOT_FRAMES;
		}
	}
	return 0;
}

/* Program p against the trie program, both net of the empty one. */
static double net_ratio(const double *ns, int p)
{
	return (ns[p] - ns[BM_PROG_PASS]) / (ns[BM_PROG_TRIE] - ns[BM_PROG_PASS]);
}

static void print_packets(FILE *md)
{
	const struct pkt_row *r;
	size_t i;
	int f;

	printf("\nwhole XDP program per packet, one BPF_PROG_TEST_RUN per frame to each of %d "
	       "random addresses (cold; best of 3);\nhot: the first %d of them, each frame run %d "
	       "times; net = less the empty program; ratio = sluice/trie program, net;\n"
	       "floor: the program with no classifier against the trie program (cold, hot), "
	       "the least any classifier could reach\n",
	       NADDR, HOT_FRAMES, HOT_FRAME_REPEAT);
	printf("%-9s %8s | %6s %7s %7s %5s %5s %5s %5s | %6s %7s %7s %5s %5s %5s %5s\n", "mix",
	       "prefixes", "empty", "trie4", "sluice4", "cold", "hot", "flr-c", "flr-h", "empty",
	       "trie6", "sluice6", "cold", "hot", "flr-c", "flr-h");
	fprintf(md, "\nWhole XDP program per packet (ns; cold: one BPF_PROG_TEST_RUN per frame, "
		    "%d frames to random addresses; hot: %d of them, each frame run %d times; "
		    "best of 3; ratios net of the empty program; floor: the program with no "
		    "classifier against the trie program, cold and hot):\n\n"
		    "| mix | prefixes | empty | trie v4 | sluice v4 | v4 cold | v4 hot | v4 floor "
		    "cold | v4 floor hot | empty | trie v6 | sluice v6 | v6 cold | v6 hot | "
		    "v6 floor cold | v6 floor hot |\n"
		    "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
		    "---:|\n",
		    NADDR, HOT_FRAMES, HOT_FRAME_REPEAT);
	for (i = 0; i < n_pkt_rows; i++) {
		r = &pkt_rows[i];
		printf("%-9s %8zu", r->mix, r->n);
		fprintf(md, "| %s | %zu", r->mix, r->n);
		for (f = 0; f < 2; f++) {
			const double *ns = r->ns[f], *hot = r->hot[f];

			printf(" | %6.1f %7.1f %7.1f %5.2f %5.2f %5.2f %5.2f", ns[BM_PROG_PASS],
			       ns[BM_PROG_TRIE], ns[BM_PROG_SLUICE], net_ratio(ns, BM_PROG_SLUICE),
			       net_ratio(hot, BM_PROG_SLUICE), net_ratio(ns, BM_PROG_FLOOR),
			       net_ratio(hot, BM_PROG_FLOOR));
			fprintf(md, " | %.1f | %.1f | %.1f | %.2f | %.2f | %.2f | %.2f",
				ns[BM_PROG_PASS], ns[BM_PROG_TRIE], ns[BM_PROG_SLUICE],
				net_ratio(ns, BM_PROG_SLUICE), net_ratio(hot, BM_PROG_SLUICE),
				net_ratio(ns, BM_PROG_FLOOR), net_ratio(hot, BM_PROG_FLOOR));
		}
		printf("\n");
		fprintf(md, " |\n");
	}
}

static int bench_one(FILE *md, const char *mixname, enum bm_mix mix, size_t n,
		     double *sl4_out)
{
	struct sl_pfx_vec pfx = { 0 };
	struct sl_pfx *addrs4, *addrs6;
	double empty, array, t4, s4, t6, s6;
	__u64 m4, m6, mt4, mt6;
	size_t n4 = 0, i;
	struct bm *b;

	if (bm_gen(mix, n, 100, 7, &pfx))
		return -1;
	for (i = 0; i < pfx.n; i++)
		n4 += pfx.v[i].family == 4;
	b = bm_open(&pfx);
	if (!b) {
		fprintf(stderr, "bench: cannot load the benchmark object (run as root)\n");
		return -1;
	}
	addrs4 = calloc(NADDR, sizeof(*addrs4));
	addrs6 = calloc(NADDR, sizeof(*addrs6));
	rand_addrs(addrs4, NADDR, 4, 1);
	rand_addrs(addrs6, NADDR, 6, 2);

	bm_set_addrs(b, addrs4, NADDR);
	empty = per_lookup(b, BM_EMPTY);
	array = per_lookup(b, BM_ARRAY);
	t4 = per_lookup(b, BM_TRIE4);
	s4 = per_lookup(b, BM_SLUICE4);
	bm_set_addrs(b, addrs6, NADDR);
	t6 = per_lookup(b, BM_TRIE6);
	s6 = per_lookup(b, BM_SLUICE6);
	bm_memory(b, &m4, &m6, &mt4, &mt6);
	if (n_pkt_rows < sizeof(pkt_rows) / sizeof(pkt_rows[0])) {
		struct pkt_row *r = &pkt_rows[n_pkt_rows++];

		r->mix = mixname;
		r->n = n;
		if (per_packet(b, addrs4, r->ns[0], r->hot[0]) ||
		    per_packet(b, addrs6, r->ns[1], r->hot[1])) {
			fprintf(stderr, "bench: test run of the XDP programs failed\n");
			return -1;
		}
	}

	printf("%-9s %8zu  %6.1f %6.1f | %7.1f %7.1f %5.2fx | %7.1f %7.1f %5.2fx | %6.1f %6.1f %6.1f %6.1f\n",
	       mixname, n, empty, array, t4, s4, s4 / t4, t6, s6, s6 / t6,
	       n4 ? (double)mt4 / n4 : 0, n4 ? (double)m4 / n4 : 0,
	       pfx.n - n4 ? (double)mt6 / (pfx.n - n4) : 0,
	       pfx.n - n4 ? (double)m6 / (pfx.n - n4) : 0);
	fprintf(md, "| %s | %zu | %.1f | %.1f | %.1f | %.1f | %.2f | %.1f | %.1f | %.2f | %.0f | %.0f | %.0f | %.0f |\n",
		mixname, n, empty, array, t4, s4, s4 / t4, t6, s6, s6 / t6,
		n4 ? (double)mt4 / n4 : 0, n4 ? (double)m4 / n4 : 0,
		pfx.n - n4 ? (double)mt6 / (pfx.n - n4) : 0,
		pfx.n - n4 ? (double)m6 / (pfx.n - n4) : 0);
	if (sl4_out)
		*sl4_out = s4;
	free(addrs4);
	free(addrs6);
	bm_close(b);
	sl_pfx_vec_free(&pfx);
	return 0;
}

/*
 * The flatness check (cost at 1M against cost at 1K) compares two runs, so
 * it is measured again with both tables loaded and the runs interleaved,
 * ROUNDS times, keeping the best of each: a burst of other work on this
 * shared machine then hits both sides alike.
 */
#define ROUNDS 9

static int flatness(FILE *md)
{
	struct sl_pfx_vec small = { 0 }, big = { 0 };
	struct sl_pfx *addrs = calloc(NADDR, sizeof(*addrs));
	struct bm *bs = NULL, *bb = NULL;
	double best_s = 1e18, best_b = 1e18, ns;
	int i, err = -1;

	if (!addrs || bm_gen(BM_MIX_REALISTIC, 1000, 100, 7, &small) ||
	    bm_gen(BM_MIX_REALISTIC, 1000000, 100, 7, &big))
		goto out;
	bs = bm_open(&small);
	bb = bm_open(&big);
	if (!bs || !bb)
		goto out;
	rand_addrs(addrs, NADDR, 4, 1);
	bm_set_addrs(bs, addrs, NADDR);
	bm_set_addrs(bb, addrs, NADDR);
	for (i = 0; i < ROUNDS; i++) {
		if (bm_run(bs, BM_SLUICE4, 0, NADDR, REPEAT, &ns))
			goto out;
		if (ns < best_s)
			best_s = ns;
		if (bm_run(bb, BM_SLUICE4, 0, NADDR, REPEAT, &ns))
			goto out;
		if (ns < best_b)
			best_b = ns;
	}
	printf("realistic IPv4, interleaved best of %d: sluice %.1f ns at 1K, %.1f ns at 1M: %.2fx\n",
	       ROUNDS, best_s / NADDR, best_b / NADDR, best_b / best_s);
	fprintf(md, "\nRealistic IPv4, interleaved best of %d: sluice %.1f ns at 1K, %.1f ns at 1M "
		    "(%.2fx).\n", ROUNDS, best_s / NADDR, best_b / NADDR, best_b / best_s);
	err = 0;
out:
	bm_close(bs);
	bm_close(bb);
	sl_pfx_vec_free(&small);
	sl_pfx_vec_free(&big);
	free(addrs);
	return err;
}

/*
 * Policing per packet: one hot frame (repeated) to a pass class and to a
 * police class, on one CPU, then from CPUs 0 and 1 at once on the same
 * bucket. The police class either admits every frame, at 10 Gbit/s with
 * the default burst (250 ms) or at 100 Gbit/s with a 1.3 ms burst (too short
 * for the tick clock of bpf/police.h), most frames from this CPU's lease
 * (a compare-and-swap per lease), or is far over its rate (drops, which
 * read the tick clock and the bucket).
 */
#define HOT_REPEAT 2000000

struct hot_run {
	pthread_t tid;
	struct bm *b;
	const struct sl_pfx *addr;
	int cpu;
	double ns;
	int err;
};

static void *hot_thread(void *arg)
{
	struct hot_run *r = arg;
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(r->cpu, &set);
	r->err = pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	if (!r->err)
		r->err = bm_run_hot(r->b, BM_PROG_SLUICE, r->addr, HOT_REPEAT, &r->ns);
	return NULL;
}

/* ns per frame on each of ncpu CPUs running at once, best of five. */
static int hot_cpus(struct bm *b, const struct sl_pfx *addr, int ncpu, double *ns)
{
	struct hot_run r[2];
	int i, k, err = 0;

	for (i = 0; i < ncpu; i++)
		ns[i] = 1e18;
	for (k = 0; k < 5 && !err; k++) {
		for (i = 0; i < ncpu; i++) {
			r[i] = (struct hot_run){ .b = b, .addr = addr, .cpu = i };
			if (pthread_create(&r[i].tid, NULL, hot_thread, &r[i]))
				return -1;
		}
		for (i = 0; i < ncpu; i++) {
			pthread_join(r[i].tid, NULL);
			err = err ? err : r[i].err;
			if (r[i].ns < ns[i])
				ns[i] = r[i].ns;
		}
	}
	return err;
}

/* The first IPv4 prefix of a class other than not, or NULL. */
static const struct sl_pfx *pick_v4(const struct sl_pfx_vec *pfx, __u32 not)
{
	size_t i;

	for (i = 0; i < pfx->n; i++)
		if (pfx->v[i].family == 4 && pfx->v[i].class_id != not)
			return &pfx->v[i];
	return NULL;
}

static void police_row(FILE *md, const char *what, const double *one, const double *two,
		       double pass)
{
	printf("%-22s %7.1f %+7.1f | %7.1f %7.1f %6.2f %6.2f | %5.2fx\n", what, one[0],
	       one[0] - pass, two[0], two[1], 1e3 / two[0], 1e3 / two[1],
	       (two[0] + two[1]) / 2 / one[0]);
	fprintf(md, "| %s | %.1f | %+.1f | %.1f | %.1f | %.2f | %.2f | %.2f |\n", what, one[0],
		one[0] - pass, two[0], two[1], 1e3 / two[0], 1e3 / two[1],
		(two[0] + two[1]) / 2 / one[0]);
}

static int bench_police(FILE *md)
{
	static const char *const what[] = { "unclassified", "pass class", "police, admitting",
					    "police, admit, 1.3ms", "police, over rate" };
	static const __u64 rate[] = { 0, 0, 10000000000ull, 100000000000ull, 8000 };
	struct sl_pfx_vec pfx = { 0 };
	const struct sl_pfx *pa, *pp;
	struct sl_pfx none = { .family = 4, .plen = 32, .addr = { 0, 0, 0, 1 } };
	double one[5][2], two[5][2];
	int ncpu = sysconf(_SC_NPROCESSORS_ONLN) >= 2 ? 2 : 1, i, err = -1;
	struct bm *b = NULL;

	if (bm_gen(BM_MIX_REALISTIC, 1000, 100, 7, &pfx))
		return -1;
	pa = pick_v4(&pfx, 0);
	pp = pa ? pick_v4(&pfx, pa->class_id) : NULL;
	b = pp ? bm_open(&pfx) : NULL;
	if (!b || bm_set_class(b, pa->class_id, SL_POLICY_PASS, 0, 0))
		goto out;
	for (i = 0; i < 5; i++) {
		const struct sl_pfx *a = i == 0 ? &none : i == 1 ? pa : pp;

		/* 10 and 100 Gbit/s: every frame admitted; 8 kbit/s: nearly all dropped */
		if (i >= 2 && bm_set_class(b, pp->class_id, SL_POLICY_POLICE, rate[i],
					   i == 2 ? sl_default_burst(rate[i]) : SL_MAX_BURST / 64))
			goto out;
		if (hot_cpus(b, a, 1, one[i]) || hot_cpus(b, a, ncpu, two[i]))
			goto out;
		if (ncpu < 2)
			two[i][1] = two[i][0];
	}
	printf("\npolicing per packet: one hot frame repeated %d times (best of 5), XDP program; "
	       "2 CPUs: CPUs 0 and 1 at once on the same class\n", HOT_REPEAT);
	printf("%-22s %7s %7s | %7s %7s %6s %6s | %6s\n", "class", "1 CPU", "vs pass", "cpu0",
	       "cpu1", "Mpps0", "Mpps1", "2/1");
	fprintf(md, "\nPolicing per packet (ns; one hot frame repeated %d times, best of 5; "
		    "2 CPUs: both at once on the same class; 2/1: ns per frame on 2 CPUs over "
		    "1 CPU):\n\n| class | 1 CPU | vs pass | 2 CPUs: cpu0 | cpu1 | Mpps cpu0 | "
		    "Mpps cpu1 | 2/1 |\n|---|---:|---:|---:|---:|---:|---:|---:|\n", HOT_REPEAT);
	for (i = 0; i < 5; i++)
		police_row(md, what[i], one[i], two[i], one[1][0]);
	err = 0;
out:
	if (err)
		fprintf(stderr, "bench: police runs failed\n");
	bm_close(b);
	sl_pfx_vec_free(&pfx);
	return err;
}

int main(int argc, char **argv)
{
	static const size_t sizes[] = { 1000, 10000, 100000, 1000000 };
	const char *out = argc > 1 ? argv[1] : ".output/bench-lookup.md";
	/* BENCH_SIZE=N: only that table size, for a quick look (no flatness). */
	const char *only = getenv("BENCH_SIZE");
	double s_small = 0, s_big = 0;
	FILE *md = fopen(out, "w");
	size_t i;
	int mix;

	if (!md) {
		perror(out);
		return EXIT_FAILURE;
	}
	/* BENCH_POLICE=1: only the policing runs. */
	if (getenv("BENCH_POLICE"))
		return bench_police(md) ? EXIT_FAILURE : EXIT_SUCCESS;
	fprintf(md, "| mix | prefixes | empty loop ns | array ns | trie v4 ns | sluice v4 ns | "
		    "v4 ratio | trie v6 ns | sluice v6 ns | v6 ratio | trie v4 B/prefix | "
		    "sluice v4 B/prefix | trie v6 B/prefix | sluice v6 B/prefix |\n");
	fprintf(md, "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
	printf("ns per lookup over %d random addresses (best of 5 x %d passes); ratio = sluice/trie\n",
	       NADDR, REPEAT);
	printf("%-9s %8s  %6s %6s | %7s %7s %6s | %7s %7s %6s | %6s %6s %6s %6s\n", "mix",
	       "prefixes", "empty", "array", "trie4", "sluice4", "ratio", "trie6", "sluice6",
	       "ratio", "B/p t4", "B/p s4", "B/p t6", "B/p s6");
	for (mix = 0; mix < 2; mix++) {
		for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
			double s4 = 0;

			if (only && strtoul(only, NULL, 10) != sizes[i])
				continue;

			if (bench_one(md, mix ? "worst" : "realistic", mix, sizes[i], &s4))
				return EXIT_FAILURE;
			if (!mix && i == 0)
				s_small = s4;
			if (!mix && i == 3)
				s_big = s4;
		}
	}
	print_packets(md);
	if (bench_police(md))
		return EXIT_FAILURE;
	if (only) {
		fclose(md);
		return EXIT_SUCCESS;
	}
	printf("realistic IPv4: sluice at 1M costs %.2fx its cost at 1K (in the table's runs)\n",
	       s_big / s_small);
	if (flatness(md))
		return EXIT_FAILURE;
	fclose(md);
	printf("table written to %s\n", out);
	return EXIT_SUCCESS;
}
