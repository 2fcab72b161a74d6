// SPDX-License-Identifier: GPL-2.0
/*
 * sluice flow benchmark (make bench): the per-packet cost of a per-flow
 * police class with 1M active flows, against a police class of class scope,
 * measured in the same run with the same method as the lookup benchmark's
 * whole-program rows (one BPF_PROG_TEST_RUN per frame, each frame once, to
 * random flows: cold), and the flow table's kernel memory per entry.
 *
 * It loads sluice's own programs into a private bpffs, like the datapath
 * tests, fills the table with NFLOWS entries through batch updates, and
 * sends frames of those flows to the XDP program (match src).
 *
 * The floor column is what any per-flow state costs on this machine: the
 * benchmark object's bm_xdp_touch reads and compare-and-swaps one 16-byte
 * slot per flow in an array as large as the flow table (20 MiB for 1.3M
 * slots), against the same program touching no slot, on the same frames.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <math.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mount.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <bpf/bpf.h>

#include "bm.h"
#include "classes.h"
#include "util.h"
#include "flows.h"
#include "frame.h"
#include "journal.h"
#include "parse.h"
#include "state.h"
#include "table.h"

#define NFLOWS (1u << 20)
#define NFRAMES 65536
#define ROUNDS 3
#define BATCH 8192

static struct sl_ctx ctx;
static struct bm *bm;

static int mk_class(const char *name, int scope, const char *pfx)
{
	struct sl_class_spec spec = { .policy = SL_POLICY_POLICE,
				      .rate = { 10000000000ull, 10000000000ull },
				      .scope = scope };
	struct sl_pfx p = { 0 };
	const char *why;
	bool created, masked;
	int id = sl_class_define(&ctx, name, &spec, &created, NULL);

	if (id < 0 || sl_parse_prefix(pfx, strlen(pfx), &p, &why, &masked))
		return -1;
	p.class_id = id;
	return sl_tables_replace(&ctx, id, &p, 1) ? -1 : id;
}

/* Flow i: remote 10.0.0.0/8 + i, port 1000 + i % 50000, to 192.168.0.1:5000. */
static void flow_addr(__u32 i, __u32 net, __u32 *remote, __u16 *rport)
{
	*remote = htonl(net | (i & 0xffffff));
	*rport = 1000 + i % 50000;
}

static int fill(int id, __u64 burst)
{
	struct sl_flow_key *k = calloc(BATCH, sizeof(*k));
	struct sl_flow *v = calloc(BATCH, sizeof(*v));
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	__u64 now = sl_now_mono_ns();
	__u32 i, j, n;

	(void)burst; /* a new entry's bucket (0) is full */
	int err = 0;

	for (i = 0; k && v && !err && i < NFLOWS; i += n) {
		n = NFLOWS - i < BATCH ? NFLOWS - i : BATCH;
		for (j = 0; j < n; j++) {
			__u16 rport;

			memset(&k[j], 0, sizeof(k[j]));
			k[j].class_id = id;
			k[j].dir = SL_DIR_IN;
			k[j].scope = SL_SCOPE_FLOW;
			k[j].family = 4;
			k[j].proto = IPPROTO_UDP;
			k[j].laddr[0] = htonl(0xc0a80001);
			k[j].lport = htons(5000);
			flow_addr(i + j, 0x0a000000, &k[j].raddr[0], &rport);
			k[j].rport = htons(rport);
			v[j] = (struct sl_flow){ .first_ns = now, .seen_ns = now };
		}
		if (bpf_map_update_batch(ctx.flows_fd, k, v, &n, &opts))
			err = -errno;
	}
	free(k);
	free(v);
	return k && v ? err : -ENOMEM;
}

/*
 * Mean ns per frame of prog over NFRAMES frames of random flows of net
 * among the first spread (best of ROUNDS).
 */
static double per_frame(int prog_fd, __u32 net, __u32 spread, unsigned int seed)
{
	__u8 buf[2 + SL_FRAME_HDR_MAX + 64] __attribute__((aligned(4)));
	double best = 1e18;
	int r, i;

	for (r = 0; r < ROUNDS; r++) {
		__u64 total = 0;

		srandom(seed + r);
		for (i = 0; i < NFRAMES; i++) {
			struct sl_frame f = { .family = 4, .proto = IPPROTO_UDP, .l4 = true,
					      .dport = 5000, .payload = 18 };
			LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = buf + 2, .repeat = 1);
			__u32 remote, local = htonl(0xc0a80001);
			int len;

			flow_addr(random() % spread, net, &remote, &f.sport);
			memcpy(f.src, &remote, 4);
			memcpy(f.dst, &local, 4);
			len = sl_frame_build(&f, buf + 2, sizeof(buf) - 2);
			opts.data_size_in = len;
			if (len < 0 || bpf_prog_test_run_opts(prog_fd, &opts) ||
			    opts.retval != XDP_PASS)
				return -1;
			total += opts.duration;
		}
		if ((double)total / NFRAMES < best)
			best = (double)total / NFRAMES;
	}
	return best;
}

static int run(FILE *md)
{
	struct sl_classes cs;
	static const __u32 spread[] = { 1, 1000, NFLOWS };
	struct sl_flow_class *fc;
	double flow_ns, class_ns, off_ns, on_ns;
	int xdp = ctx.prog_fd[SL_PROG_XDP_SRC];
	__u64 mem;
	int idf, idc, i;

	idf = mk_class("perflow", SL_SCOPE_FLOW, "10.0.0.0/8");
	idc = mk_class("perclass", SL_SCOPE_CLASS, "11.0.0.0/8");
	if (idf < 0 || idc < 0 || fill(idf, sl_default_burst(10000000000ull))) {
		fprintf(stderr, "bench: cannot set up the classes and flows\n");
		return -1;
	}
	fprintf(md, "\nPer-flow police against class scope, %u flows in the table (ns per "
		    "packet, one BPF_PROG_TEST_RUN per frame, %d frames, best of %d):\n\n"
		    "| frames spread over | class scope | flow scope | difference | floor: one "
		    "16-byte slot a flow |\n"
		    "|---:|---:|---:|---:|---:|\n", NFLOWS, NFRAMES, 2 * ROUNDS);
	printf("\nper-flow police against class scope, %u flows in the table; one "
	       "BPF_PROG_TEST_RUN per frame, %d frames to random flows (best of %d)\n",
	       NFLOWS, NFRAMES, 2 * ROUNDS);
	printf("%12s %12s %12s %8s %8s\n", "flows used", "class ns", "flow ns", "+ns", "floor");
	for (i = 0; i < 3; i++) {
		/* interleaved, so that other work on the machine hits both alike */
		class_ns = fmin(per_frame(xdp, 0x0b000000, spread[i], 1),
				per_frame(xdp, 0x0b000000, spread[i], 11));
		flow_ns = fmin(per_frame(xdp, 0x0a000000, spread[i], 1),
			       per_frame(xdp, 0x0a000000, spread[i], 11));
		off_ns = fmin(per_frame(bm_touch_prog(bm, false), 0x0a000000, spread[i], 1),
			      per_frame(bm_touch_prog(bm, false), 0x0a000000, spread[i], 11));
		on_ns = fmin(per_frame(bm_touch_prog(bm, true), 0x0a000000, spread[i], 1),
			     per_frame(bm_touch_prog(bm, true), 0x0a000000, spread[i], 11));
		if (flow_ns < 0 || class_ns < 0 || off_ns < 0 || on_ns < 0) {
			fprintf(stderr, "bench: test run of the XDP program failed\n");
			return -1;
		}
		printf("%12u %12.1f %12.1f %+8.1f %+8.1f\n", spread[i], class_ns, flow_ns,
		       flow_ns - class_ns, on_ns - off_ns);
		fprintf(md, "| %u | %.1f | %.1f | %+.1f | %+.1f |\n", spread[i], class_ns, flow_ns,
			flow_ns - class_ns, on_ns - off_ns);
	}
	fc = calloc(ctx.st.max_classes, sizeof(*fc));
	if (!fc || sl_classes_read(&ctx, &cs) || sl_flows_per_class(&ctx, &cs, fc))
		return -1;
	sl_classes_free(&cs);
	mem = sl_flows_memory(&ctx);
	printf("active flows %llu (%llu evicted); flow table %u entries, %llu bytes of kernel "
	       "memory, %.1f bytes per entry\n",
	       (unsigned long long)fc[idf].active, (unsigned long long)fc[idf].evictions,
	       ctx.st.max_flows, (unsigned long long)mem, (double)mem / ctx.st.max_flows);
	fprintf(md, "\nActive flows %llu; flow table %.1f bytes per entry.\n",
		(unsigned long long)fc[idf].active, (double)mem / ctx.st.max_flows);
	free(fc);
	return 0;
}

int main(int argc, char **argv)
{
	struct sl_sizes sizes = { 16, 4096, 4096, NFLOWS + NFLOWS / 4 };
	struct sl_pfx_vec none = { 0 };
	char dir[] = "/tmp/sluice-bench-flows.XXXXXX";
	FILE *md = fopen(argc > 1 ? argv[1] : ".output/bench-flows.md", "w");
	int err = -1;

	if (!unshare(CLONE_NEWNS))
		mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL);
	if (!md || !mkdtemp(dir) || mount("bpf", dir, "bpf", 0, NULL)) {
		perror("bench: bpffs");
		return EXIT_FAILURE;
	}
	sl_ctx_init(&ctx, dir);
	bm = bm_open_slots(&none, sizes.max_flows);
	if (!bm)
		fprintf(stderr, "bench: cannot load the benchmark program\n");
	else if (!sl_open(&ctx, SL_OPEN_CREATE | SL_OPEN_LOCK, &sizes))
		err = run(md);
	else
		fprintf(stderr, "bench: cannot load sluice (run as root)\n");
	bm_close(bm);
	sl_close(&ctx);
	sl_unload(&ctx);
	umount(dir);
	rmdir(dir);
	fclose(md);
	return err ? EXIT_FAILURE : EXIT_SUCCESS;
}
