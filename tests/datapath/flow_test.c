// SPDX-License-Identifier: GPL-2.0
/*
 * sluice datapath tests of the per host and per flow scopes: the real BPF
 * programs, loaded and pinned by the CLI library on a private bpffs, run
 * with BPF_PROG_TEST_RUN on crafted frames. Verdicts, class counters and
 * the flow table's entries are checked.
 *
 * Rates are tiny (8 bit/s: one byte a second) and bursts a little short of
 * a whole number of packets, so that the admitted bytes are exact whatever
 * the test's own timing: a bucket of 950 bytes admits ten 100-byte frames
 * (the tenth takes it 50 bytes into debt), and refills nothing worth a
 * frame for 50 seconds.
 *
 * Needs root. Each test starts from a freshly created state.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mount.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf.h>
#include <cmocka.h>

#include "classes.h"
#include "util.h"
#include "flows.h"
#include "frame.h"
#include "journal.h"
#include "parse.h"
#include "prefix.h"
#include "state.h"
#include "table.h"

#ifndef ETH_P_8021AD
#define ETH_P_8021AD 0x88A8
#endif

#define NSEC 1000000000ull
#define LEN 100
#define RATE 8	   /* bit/s */
#define BURST 950  /* bytes: ten frames of LEN */
#define ADMIT 10

static const struct sl_sizes sizes = {
	.max_classes = 16,
	.v4_entries = 4096,
	.v6_entries = 4096,
	.max_flows = 1024,
};

static char bpffs_dir[] = "/tmp/sluice-flow.XXXXXX";
static bool bpffs_mounted;
static struct sl_ctx ctx;

/* ---- frames and hooks ------------------------------------------------- */

struct frame {
	__u8 b[512];
	__u32 len;
};

/* XDP and TC ingress match the source (the remote side), TC egress the destination. */
enum { H_XDP, H_TCI, H_TCE };
static const struct {
	int prog, pass_rc;
} hooks[] = {
	[H_XDP] = { SL_PROG_XDP_SRC, XDP_PASS },
	[H_TCI] = { SL_PROG_TCI_SRC, TC_ACT_OK },
	[H_TCE] = { SL_PROG_TCE_DST, TC_ACT_OK },
};

/* Packets are written positionally, trailing fields left out (zero). */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

struct pkt {
	const char *src, *dst;
	__u8 proto;
	__u16 sport, dport;
	__u8 flags;
	int ntags;
};

static void mk(struct frame *f, const struct pkt *p)
{
	struct sl_frame s = { .proto = p->proto, .l4 = p->proto != IPPROTO_ICMP,
			      .sport = p->sport, .dport = p->dport, .tcp_flags = p->flags };
	int i, hdr, n;

	for (i = 0; i < p->ntags; i++) {
		s.tags[i].tpid = i ? ETH_P_8021Q : ETH_P_8021AD;
		s.tags[i].tci = 100 + i;
	}
	s.ntags = p->ntags;
	assert_int_equal(sl_frame_addrs(&s, p->src, p->dst), 0);
	hdr = sl_frame_hdr_len(&s);
	assert_true(hdr > 0 && hdr <= LEN);
	s.payload = LEN - hdr;
	memset(f, 0, sizeof(*f));
	n = sl_frame_build(&s, f->b, sizeof(f->b));
	assert_int_equal(n, LEN);
	f->len = n;
}

static int run(int hook, const struct frame *f)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = f->b, .data_size_in = f->len,
		    .repeat = 1);

	if (bpf_prog_test_run_opts(ctx.prog_fd[hooks[hook].prog], &opts))
		fail_msg("test run: %s", strerror(errno));
	return (int)opts.retval;
}

/* Send p n times at hook; returns how many passed. */
static int send_n(int hook, const struct pkt *p, int n)
{
	struct frame f;
	int i, passed = 0;

	mk(&f, p);
	for (i = 0; i < n; i++)
		passed += run(hook, &f) == hooks[hook].pass_rc;
	return passed;
}

/* ---- classes ---------------------------------------------------------- */

static const char *const pol_list[] = { "203.0.113.0/24", "2001:db8:5::/48" };

static int police_class(const char *name, int scope, int initiator, __u64 idle_ns,
			__u64 rate)
{
	struct sl_class_spec spec = { .policy = SL_POLICY_POLICE, .rate = { rate, rate },
				      .burst = BURST, .scope = scope, .initiator = initiator,
				      .idle_ns = idle_ns };
	bool created;
	int id = sl_class_define(&ctx, name, &spec, &created, NULL);

	assert_true(id > 0);
	return id;
}

static void load(int id)
{
	struct sl_pfx p[2];
	const char *why;
	bool masked;
	size_t i;

	memset(p, 0, sizeof(p));
	for (i = 0; i < 2; i++) {
		assert_int_equal(sl_parse_prefix(pol_list[i], strlen(pol_list[i]), &p[i], &why,
						 &masked), 0);
		p[i].class_id = id;
	}
	assert_int_equal(sl_tables_replace(&ctx, id, p, 2), 0);
}

static int flow_class(const char *name, int scope, int initiator, __u64 idle_ns)
{
	int id = police_class(name, scope, initiator, idle_ns, RATE);

	load(id);
	return id;
}

/* The class counters of id in dir. */
static struct sl_counters class_cnt(int id, int dir)
{
	struct sl_counters c;

	assert_int_equal(sl_counters_read(&ctx, ctx.stats_fd, id * SL_DIR_MAX + dir, &c), 0);
	return c;
}

/* The active rows of class id (-1: all); *rows freed by the caller. */
static int rows_of(int id, struct sl_flow_row **rows)
{
	struct sl_classes cs;
	int n;

	assert_int_equal(sl_classes_read(&ctx, &cs), 0);
	n = sl_flow_rows(&ctx, &cs, id, SL_FLOW_SORT_BYTES, rows);
	sl_classes_free(&cs);
	assert_true(n >= 0);
	return n;
}

/* Entries of class id in the table, active or not. */
static size_t entries_of(int id)
{
	struct sl_flow_vec v;
	size_t n;

	assert_int_equal(sl_flows_read(&ctx, id, &v), 0);
	n = v.n;
	sl_flows_free(&v);
	return n;
}

/* ---- fixtures --------------------------------------------------------- */

static int group_setup(void **state)
{
	(void)state;
	if (!unshare(CLONE_NEWNS))
		mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL);
	if (!mkdtemp(bpffs_dir) || mount("bpf", bpffs_dir, "bpf", 0, NULL)) {
		print_error("bpffs on %s: %s\n", bpffs_dir, strerror(errno));
		return -1;
	}
	bpffs_mounted = true;
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	if (bpffs_mounted && umount(bpffs_dir))
		print_error("umount %s: %s\n", bpffs_dir, strerror(errno));
	rmdir(bpffs_dir);
	return 0;
}

static int setup(void **state)
{
	int err;

	(void)state;
	sl_ctx_init(&ctx, bpffs_dir);
	err = sl_open(&ctx, SL_OPEN_CREATE | SL_OPEN_LOCK, &sizes);
	if (err) {
		print_error("sl_open: %s\n", strerror(-err));
		sl_close(&ctx);
		sl_unload(&ctx);
		return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	sl_close(&ctx);
	sl_unload(&ctx);
	return 0;
}

/* ---- tests ------------------------------------------------------------ */

#define REMOTE "203.0.113.9"
#define REMOTE6 "2001:db8:5::9"

/* Per flow: two connections of one class each get their own bucket. */
static void test_two_flows(void **state)
{
	struct pkt a = { REMOTE, "10.0.0.1", IPPROTO_TCP, 80, 40000, TH_ACK };
	struct pkt b = { REMOTE, "10.0.0.1", IPPROTO_TCP, 80, 40001, TH_ACK };
	struct sl_flow_row *r;
	struct sl_counters c;
	int id, i, pa = 0, pb = 0;

	(void)state;
	id = flow_class("perflow", SL_SCOPE_FLOW, SL_INIT_ANY, 0);
	for (i = 0; i < 30; i++) {
		pa += send_n(H_XDP, &a, 1);
		pb += send_n(H_XDP, &b, 1);
	}
	assert_int_equal(pa, ADMIT);
	assert_int_equal(pb, ADMIT);
	c = class_cnt(id, SL_DIR_IN);
	assert_int_equal(c.bytes[SL_PASS], 2 * ADMIT * LEN);
	assert_int_equal(c.packets[SL_CNT_DROP_POLICE], 60 - 2 * ADMIT);

	assert_int_equal(rows_of(id, &r), 2);
	for (i = 0; i < 2; i++) {
		assert_int_equal(r[i].k.scope, SL_SCOPE_FLOW);
		assert_int_equal(r[i].k.proto, IPPROTO_TCP);
		assert_int_equal(r[i].bytes[SL_DIR_IN][SL_PASS], ADMIT * LEN);
		assert_int_equal(r[i].packets[SL_DIR_IN][SL_DROP], 30 - ADMIT);
		assert_int_equal(r[i].packets[SL_DIR_OUT][SL_PASS], 0);
		assert_int_equal(ntohs(r[i].k.rport), 80);
	}
	free(r);

	/* The same class per class: one bucket for both. */
	police_class("perflow", SL_SCOPE_CLASS, SL_INIT_ANY, 0, RATE);
	assert_int_equal(entries_of(id), 0); /* a new scope starts afresh */
	id = police_class("perclass", SL_SCOPE_CLASS, SL_INIT_ANY, 0, RATE);
	load(id);
	pa = pb = 0;
	for (i = 0; i < 30; i++) {
		pa += send_n(H_XDP, &a, 1);
		pb += send_n(H_XDP, &b, 1);
	}
	assert_int_equal(pa + pb, ADMIT);
	assert_int_equal(entries_of(id), 0);
}

/* Per host: each local address gets the rate, whatever its connections. */
static void test_two_hosts(void **state)
{
	struct sl_flow_row *r;
	int id, i, p1 = 0, p2 = 0;

	(void)state;
	id = flow_class("perhost", SL_SCOPE_HOST, SL_INIT_ANY, 0);
	for (i = 0; i < 30; i++) {
		struct pkt h1 = { REMOTE, "10.0.0.1", IPPROTO_UDP, 53, 1000 + i % 3 };
		struct pkt h2 = { REMOTE, "10.0.0.2", IPPROTO_TCP, 443, 2000 + i % 5, TH_ACK };

		p1 += send_n(H_TCI, &h1, 1);
		p2 += send_n(H_TCI, &h2, 1);
	}
	assert_int_equal(p1, ADMIT);
	assert_int_equal(p2, ADMIT);
	assert_int_equal(rows_of(id, &r), 2);
	for (i = 0; i < 2; i++) {
		assert_int_equal(r[i].k.scope, SL_SCOPE_HOST);
		assert_int_equal(r[i].k.proto, 0);
		assert_int_equal(r[i].k.raddr[0], 0);
		assert_int_equal(r[i].bytes[SL_DIR_IN][SL_PASS], ADMIT * LEN);
	}
	free(r);
	/* A host's traffic out has a bucket of its own. */
	{
		struct pkt o = { "10.0.0.1", REMOTE, IPPROTO_UDP, 1000, 53 };

		assert_int_equal(send_n(H_TCE, &o, 30), ADMIT);
	}
}

static __u32 origin_of(int id, __u16 lport)
{
	struct sl_flow_row *r;
	__u32 o = 99;
	int n = rows_of(id, &r), i;

	for (i = 0; i < n; i++)
		if (ntohs(r[i].k.lport) == lport)
			o = r[i].origin;
	free(r);
	return o;
}

/*
 * --initiator local on ingress (XDP sees remote -> local only): a SYN-ACK
 * from the remote side marks a locally opened connection, which is policed;
 * a SYN from the remote side, or a connection whose opening was not seen,
 * passes.
 */
static void test_initiator(void **state)
{
	struct pkt synack = { REMOTE, "10.0.0.1", IPPROTO_TCP, 80, 41000, TH_SYN | TH_ACK };
	struct pkt data = { REMOTE, "10.0.0.1", IPPROTO_TCP, 80, 41000, TH_ACK };
	struct pkt syn = { REMOTE, "10.0.0.1", IPPROTO_TCP, 5000, 22, TH_SYN };
	struct pkt rdata = { REMOTE, "10.0.0.1", IPPROTO_TCP, 5000, 22, TH_ACK };
	struct pkt mid = { REMOTE, "10.0.0.1", IPPROTO_TCP, 80, 41001, TH_ACK };
	struct sl_counters c;
	int id;

	(void)state;
	id = flow_class("init", SL_SCOPE_FLOW, SL_INIT_LOCAL, 0);
	assert_int_equal(send_n(H_XDP, &synack, 1) + send_n(H_XDP, &data, 29), ADMIT);
	assert_int_equal(origin_of(id, 41000), SL_ORIGIN_LOCAL);
	assert_int_equal(send_n(H_XDP, &syn, 1) + send_n(H_XDP, &rdata, 29), 30);
	assert_int_equal(origin_of(id, 22), SL_ORIGIN_REMOTE);
	assert_int_equal(send_n(H_XDP, &mid, 30), 30);
	assert_int_equal(origin_of(id, 41001), SL_ORIGIN_UNKNOWN);
	/* a SYN seen later decides a flow of unknown origin */
	mid.flags = TH_SYN | TH_ACK;
	assert_int_equal(send_n(H_XDP, &mid, 30), ADMIT);
	assert_int_equal(origin_of(id, 41001), SL_ORIGIN_LOCAL);
	c = class_cnt(id, SL_DIR_IN);
	assert_int_equal(c.packets[SL_PASS], ADMIT + 30 + 30 + ADMIT);
	assert_int_equal(c.packets[SL_CNT_DROP_POLICE], 120 - c.packets[SL_PASS]);
}

/*
 * Both directions hooked: the egress hook sees the local SYN; the ingress
 * entry of the same connection takes its origin from the egress entry.
 * UDP: the sender of the first packet seen opened the flow.
 */
static void test_initiator_both_dirs(void **state)
{
	struct pkt syn = { "10.0.0.1", REMOTE, IPPROTO_TCP, 42000, 80, TH_SYN };
	struct pkt back = { REMOTE, "10.0.0.1", IPPROTO_TCP, 80, 42000, TH_ACK };
	struct pkt rsyn_ack = { "10.0.0.1", REMOTE, IPPROTO_TCP, 22, 5001, TH_SYN | TH_ACK };
	struct pkt u_out = { "10.0.0.1", REMOTE, IPPROTO_UDP, 43000, 53 };
	struct pkt u_in = { REMOTE, "10.0.0.2", IPPROTO_UDP, 53, 43001 };
	int id;

	(void)state;
	id = flow_class("both", SL_SCOPE_FLOW, SL_INIT_LOCAL, 0);
	assert_int_equal(send_n(H_TCE, &syn, 1), 1);
	assert_int_equal(send_n(H_TCI, &back, 30), ADMIT);
	assert_int_equal(origin_of(id, 42000), SL_ORIGIN_LOCAL);
	/* a SYN-ACK sent by the local side: the remote side opened it */
	assert_int_equal(send_n(H_TCE, &rsyn_ack, 30), 30);
	assert_int_equal(origin_of(id, 22), SL_ORIGIN_REMOTE);
	assert_int_equal(send_n(H_TCE, &u_out, 30), ADMIT);
	assert_int_equal(origin_of(id, 43000), SL_ORIGIN_LOCAL);
	assert_int_equal(send_n(H_TCI, &u_in, 30), 30);
	assert_int_equal(origin_of(id, 43001), SL_ORIGIN_REMOTE);
}

/* A flow idle for longer than idle starts again with a full bucket. */
static void test_idle(void **state)
{
	struct pkt a = { REMOTE, "10.0.0.1", IPPROTO_UDP, 53, 44000 };
	struct sl_flow_row *r;
	/* idle 500 ms, slept 750: a stalled vCPU must not expire it early */
	struct timespec ts = { 0, 750 * 1000 * 1000 };
	__u64 age;
	int id;

	(void)state;
	id = flow_class("idle", SL_SCOPE_FLOW, SL_INIT_ANY, 500 * 1000 * 1000ull);
	assert_int_equal(send_n(H_XDP, &a, 20), ADMIT);
	assert_int_equal(rows_of(id, &r), 1);
	age = r[0].first_ns;
	free(r);
	nanosleep(&ts, NULL);
	/* idle: not listed, though still in the table */
	assert_int_equal(rows_of(id, &r), 0);
	free(r);
	assert_int_equal(entries_of(id), 1);
	assert_int_equal(send_n(H_XDP, &a, 20), ADMIT);
	assert_int_equal(rows_of(id, &r), 1);
	assert_true(r[0].first_ns > age);
	assert_int_equal(r[0].packets[SL_DIR_IN][SL_PASS], ADMIT); /* counts start again */
	free(r);
	/* within the idle time the state stays */
	assert_int_equal(send_n(H_XDP, &a, 5), 0);
}

/* IPv6 through two VLAN tags (XDP and TC), beside IPv4 through one. */
static void test_ipv6_vlan(void **state)
{
	struct pkt a = { REMOTE6, "2001:db8:1::1", IPPROTO_TCP, 80, 45000, TH_ACK, 2 };
	struct pkt b = { REMOTE6, "2001:db8:1::1", IPPROTO_TCP, 80, 45001, TH_ACK, 2 };
	struct pkt v4 = { REMOTE, "10.0.0.1", IPPROTO_UDP, 53, 45002, 0, 1 };
	struct sl_flow_row *r;
	int id, n, i, v6 = 0;

	(void)state;
	id = flow_class("v6", SL_SCOPE_FLOW, SL_INIT_ANY, 0);
	assert_int_equal(send_n(H_XDP, &a, 30), ADMIT);
	assert_int_equal(send_n(H_TCI, &b, 30), ADMIT);
	assert_int_equal(send_n(H_XDP, &v4, 30), ADMIT);
	n = rows_of(id, &r);
	assert_int_equal(n, 3);
	for (i = 0; i < n; i++)
		v6 += r[i].k.family == 6;
	assert_int_equal(v6, 2);
	free(r);
}

/* The per class gauge and eviction counter; a full table still classifies. */
static void test_counters_evictions(void **state)
{
	struct sl_flow_class fc[16];
	struct sl_classes cs;
	struct sl_counters c;
	int id, i, n = 1500, passed = 0;

	(void)state;
	id = police_class("many", SL_SCOPE_FLOW, SL_INIT_ANY, 0, 1000000000ull);
	load(id);
	for (i = 0; i < n; i++) {
		struct pkt p = { REMOTE, "10.0.0.1", IPPROTO_UDP, 53, (__u16)(1024 + i) };

		passed += send_n(H_XDP, &p, 1);
	}
	assert_int_equal(passed, n);
	c = class_cnt(id, SL_DIR_IN);
	assert_int_equal(c.packets[SL_PASS], n);
	assert_int_equal(sl_classes_read(&ctx, &cs), 0);
	assert_int_equal(sl_flows_per_class(&ctx, &cs, fc), 0);
	sl_classes_free(&cs);
	print_message("%d flows into 1024 entries: %llu active, %llu evicted\n", n,
		      (unsigned long long)fc[id].active, (unsigned long long)fc[id].evictions);
	assert_true(fc[id].active <= sizes.max_flows);
	assert_true(fc[id].evictions >= n - sizes.max_flows);
	assert_int_equal(fc[id].active + fc[id].evictions, n);
	assert_int_equal(fc[SL_CLASS_DEFAULT].active, 0);
}

/* class del leaves no flow of the class behind; the id's next class starts clean. */
static void test_class_del(void **state)
{
	struct pkt a = { REMOTE, "10.0.0.1", IPPROTO_UDP, 53, 46000 };
	struct sl_flow_row *r;
	int id, id2;

	(void)state;
	id = flow_class("gone", SL_SCOPE_FLOW, SL_INIT_ANY, 0);
	assert_int_equal(send_n(H_XDP, &a, 30), ADMIT);
	assert_int_equal(entries_of(id), 1);
	assert_int_equal(sl_class_remove(&ctx, "gone"), 0);
	assert_int_equal(entries_of(id), 0);
	assert_int_equal(rows_of(-1, &r), 0);
	free(r);
	id2 = flow_class("again", SL_SCOPE_FLOW, SL_INIT_ANY, 0);
	assert_int_equal(id2, id);
	assert_int_equal(send_n(H_XDP, &a, 30), ADMIT);
}

/* A rate change applies to existing flows at once. */
static void test_rate_change(void **state)
{
	struct pkt a = { REMOTE, "10.0.0.1", IPPROTO_UDP, 53, 47000 };
	struct timespec ts = { 0, 2 * 1000 * 1000 };
	int id;

	(void)state;
	id = flow_class("rc", SL_SCOPE_FLOW, SL_INIT_ANY, 0);
	assert_int_equal(send_n(H_XDP, &a, 30), ADMIT);
	/* 8 Gbit/s: 2 ms refill 2 MB, capped at the burst */
	police_class("rc", SL_SCOPE_FLOW, SL_INIT_ANY, 0, 8000000000ull);
	assert_int_equal(entries_of(id), 1); /* the flow is still there */
	nanosleep(&ts, NULL);
	assert_int_equal(send_n(H_XDP, &a, 1), 1);
}

/* ---- two CPUs ---------------------------------------------------------- */

struct mc_thread {
	pthread_t tid;
	int cpu;
	__u64 deadline, runs;
	struct frame f;
	int err;
};

static __u64 now_ns(void)
{
	return sl_now_mono_ns();
}

static void *mc_run(void *arg)
{
	struct mc_thread *t = arg;
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(t->cpu, &set);
	t->err = pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	while (!t->err && now_ns() < t->deadline) {
		/* many frames a call: an XDP test run may wait for its dispatcher */
		LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = t->f.b, .data_size_in = t->f.len,
			    .repeat = 100000);

		if (sched_getcpu() != t->cpu)
			t->err = EXDEV;
		else if (bpf_prog_test_run_opts(ctx.prog_fd[SL_PROG_XDP_SRC], &opts))
			t->err = errno;
		else
			t->runs += 100000;
	}
	return NULL;
}

/* One flow's packets on both CPUs: admitted <= rate * time + burst + one packet. */
static void test_flow_multicpu(void **state)
{
	const __u64 rate = 80000, burst = 10000;
	struct pkt a = { REMOTE, "10.0.0.1", IPPROTO_UDP, 53, 48000 };
	struct sl_class_spec spec = { .policy = SL_POLICY_POLICE, .rate = { rate, rate },
				      .burst = burst, .scope = SL_SCOPE_FLOW };
	struct mc_thread t[2] = {};
	struct sl_flow_row *r;
	__u64 t0, t1, limit;
	cpu_set_t set;
	bool created;
	int id, i;

	(void)state;
	if (sysconf(_SC_NPROCESSORS_ONLN) < 2 || sched_getaffinity(0, sizeof(set), &set) ||
	    !CPU_ISSET(0, &set) || !CPU_ISSET(1, &set)) {
		print_message("CPUs 0 and 1 are not both available: skipped\n");
		skip();
	}
	id = sl_class_define(&ctx, "mc", &spec, &created, NULL);
	assert_true(id > 0);
	load(id);
	t0 = now_ns();
	for (i = 0; i < 2; i++) {
		mk(&t[i].f, &a);
		t[i].cpu = i;
		t[i].deadline = t0 + NSEC;
		assert_int_equal(pthread_create(&t[i].tid, NULL, mc_run, &t[i]), 0);
	}
	for (i = 0; i < 2; i++)
		pthread_join(t[i].tid, NULL);
	t1 = now_ns();
	for (i = 0; i < 2; i++) {
		if (t[i].err)
			fail_msg("thread on CPU %d: %s", i, strerror(t[i].err));
		assert_true(t[i].runs > 0);
	}
	if (rows_of(id, &r) != 1) {
		free(r);
		fail_msg("not one flow");
	}
	limit = rate * (t1 - t0) / 8 / NSEC + burst + LEN;
	print_message("%llu frames in %.3f s: %llu bytes passed (limit %llu)\n",
		      (unsigned long long)(t[0].runs + t[1].runs), (t1 - t0) / 1e9,
		      (unsigned long long)r[0].bytes[SL_DIR_IN][SL_PASS],
		      (unsigned long long)limit);
	assert_int_equal(r[0].packets[SL_DIR_IN][SL_PASS] + r[0].packets[SL_DIR_IN][SL_DROP],
			 t[0].runs + t[1].runs);
	assert_true(r[0].bytes[SL_DIR_IN][SL_PASS] >= burst);
	assert_true(r[0].bytes[SL_DIR_IN][SL_PASS] <= limit);
	/* and nearly the rate: at least half of it over the second */
	assert_true(r[0].bytes[SL_DIR_IN][SL_PASS] >= burst + rate / 8 / 2);
	free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_two_flows, setup, teardown),
		cmocka_unit_test_setup_teardown(test_two_hosts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_initiator, setup, teardown),
		cmocka_unit_test_setup_teardown(test_initiator_both_dirs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_idle, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ipv6_vlan, setup, teardown),
		cmocka_unit_test_setup_teardown(test_counters_evictions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_class_del, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rate_change, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flow_multicpu, setup, teardown),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
