// SPDX-License-Identifier: GPL-2.0
/*
 * sluice datapath tests: the real BPF programs, loaded and pinned by the CLI
 * library on a private bpffs, run with BPF_PROG_TEST_RUN on crafted frames.
 * Every frame's verdict is checked, and after every frame all class and
 * not-classified counters are compared with a model of what they must be.
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
#include <arpa/inet.h>
#include <netinet/in.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf.h>
#include <cmocka.h>

#include "frame.h"
#include "journal.h"
#include "parse.h"
#include "prefix.h"
#include "probe.h"
#include "sluice_bucket.h"
#include "state.h"
#include "table.h"

#ifndef ETH_P_8021AD
#define ETH_P_8021AD 0x88A8
#endif

#define NSEC 1000000000ull

/* Classes the tests use (and whose counters are checked): 0..NCLS-1. */
#define NCLS 8

static const struct sl_sizes sizes = {
	.max_classes = 64,
	.v4_entries = 4096,
	.v6_entries = 4096,
	.max_flows = SL_MIN_MAX_FLOWS,
};

static char bpffs_dir[] = "/tmp/sluice-dp.XXXXXX";
static bool bpffs_mounted;
static struct sl_ctx ctx;

/* ---- hooks ---------------------------------------------------------- */

struct hook {
	const char *name;
	int prog[2]; /* by enum sl_match */
	int dir;
	int pass_rc;
	int drop_rc;
	bool xdp;
};

enum { H_XDP, H_TCI, H_TCE, H_MAX };

static const struct hook hooks[H_MAX] = {
	[H_XDP] = { "xdp", { SL_PROG_XDP_SRC, SL_PROG_XDP_DST }, SL_DIR_IN, XDP_PASS, XDP_DROP,
		    true },
	[H_TCI] = { "tc-in", { SL_PROG_TCI_SRC, SL_PROG_TCI_DST }, SL_DIR_IN, TC_ACT_OK,
		    TC_ACT_SHOT, false },
	[H_TCE] = { "tc-out", { SL_PROG_TCE_SRC, SL_PROG_TCE_DST }, SL_DIR_OUT, TC_ACT_OK,
		    TC_ACT_SHOT, false },
};

/* ---- frames --------------------------------------------------------- */

#define FRAME_MAX 9216

struct frame {
	__u8 b[FRAME_MAX];
	__u32 len;
};

static const __u16 tags_q[] = { ETH_P_8021Q };
static const __u16 tags_qinq[] = { ETH_P_8021AD, ETH_P_8021Q };
static const __u16 tags_qq[] = { ETH_P_8021Q, ETH_P_8021Q };
static const __u16 tags_3[] = { ETH_P_8021AD, ETH_P_8021Q, ETH_P_8021Q };

/* Ethernet addresses and VLAN tags (VLAN 100, 101, ...) of every test frame. */
static void frame_l2(struct sl_frame *s, const __u16 *tpid, int ntags)
{
	static const __u8 dmac[ETH_ALEN] = { 0x02, 0x00, 0x5e, 0x00, 0x00, 0x01 };
	static const __u8 smac[ETH_ALEN] = { 0x02, 0x00, 0x5e, 0x00, 0x00, 0x02 };
	int i;

	memcpy(s->dmac, dmac, ETH_ALEN);
	memcpy(s->smac, smac, ETH_ALEN);
	assert_true(ntags <= SL_FRAME_MAX_TAGS);
	s->ntags = ntags;
	for (i = 0; i < ntags; i++) {
		s->tags[i].tpid = tpid[i];
		s->tags[i].tci = 100 + i;
	}
}

/* Build s into f as a frame of len bytes (headers, then zeros). */
static void frame_put(struct frame *f, struct sl_frame *s, size_t len)
{
	int hdr = sl_frame_hdr_len(s), n;

	assert_true(hdr > 0 && (size_t)hdr <= len && len <= FRAME_MAX);
	s->payload = len - hdr;
	memset(f, 0, sizeof(*f));
	n = sl_frame_build(s, f->b, sizeof(f->b));
	assert_int_equal(n, len);
	f->len = n;
}

/* A UDP/IPv4 frame of len bytes with ihl * 4 bytes of header (NOP options). */
static void mk_v4_opt(struct frame *f, const char *src, const char *dst, const __u16 *tpid,
		      int ntags, int ihl, size_t len)
{
	struct sl_frame s = { .proto = IPPROTO_UDP, .ihl = ihl };

	frame_l2(&s, tpid, ntags);
	assert_int_equal(sl_frame_addrs(&s, src, dst), 0);
	assert_int_equal(s.family, 4);
	frame_put(f, &s, len);
}

static void mk_v4(struct frame *f, const char *src, const char *dst, size_t len)
{
	mk_v4_opt(f, src, dst, NULL, 0, 5, len);
}

static void mk_v6_tag(struct frame *f, const char *src, const char *dst, const __u16 *tpid,
		      int ntags, size_t len)
{
	struct sl_frame s = { .proto = IPPROTO_UDP };

	frame_l2(&s, tpid, ntags);
	assert_int_equal(sl_frame_addrs(&s, src, dst), 0);
	assert_int_equal(s.family, 6);
	frame_put(f, &s, len);
}

static void mk_v6(struct frame *f, const char *src, const char *dst, size_t len)
{
	mk_v6_tag(f, src, dst, NULL, 0, len);
}

/* An address frame with the remote address at the side the program matches. */
static void mk_remote(struct frame *f, int match, const char *remote, const char *local,
		      size_t len)
{
	bool v6 = strchr(remote, ':') != NULL;
	const char *src = match == SL_MATCH_SRC ? remote : local;
	const char *dst = match == SL_MATCH_SRC ? local : remote;

	if (v6)
		mk_v6(f, src, dst, len);
	else
		mk_v4(f, src, dst, len);
}

/* ARP request, padded to len (42 or more). */
static void mk_arp(struct frame *f, size_t len)
{
	static const __u8 arp[28] = {
		0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01, /* Ethernet/IPv4, request */
		0x02, 0x00, 0x5e, 0x00, 0x00, 0x02, 192,  0,	/* sender MAC, IP */
		2,    1,    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* target MAC */
		192,  0,    2,	  2,
	};
	struct sl_frame s = { .ethertype = ETH_P_ARP, .data = arp, .data_len = sizeof(arp) };

	frame_l2(&s, NULL, 0);
	frame_put(f, &s, len);
}

/* A UDP/IPv4 frame of len bytes behind EtherType type. */
static void mk_v4_type(struct frame *f, __u16 type, const char *src, const char *dst,
		       size_t len)
{
	struct sl_frame s = { .ethertype = type, .proto = IPPROTO_UDP };

	frame_l2(&s, NULL, 0);
	assert_int_equal(sl_frame_addrs(&s, src, dst), 0);
	frame_put(f, &s, len);
}

/* ---- running programs and checking counters -------------------------- */

static int run_prog(int prog, const struct frame *f)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = f->b, .data_size_in = f->len,
		    .repeat = 1);
	int err;

	err = bpf_prog_test_run_opts(ctx.prog_fd[prog], &opts);
	if (err)
		fail_msg("test run of %s (%u bytes): %s", sl_prog_names[prog], f->len,
			 strerror(errno));
	return (int)opts.retval;
}

/* What the counters must say. */
static struct {
	struct sl_counters cls[NCLS][SL_DIR_MAX];
	struct sl_counters misc[SL_DIR_MAX];
	__u32 policy[NCLS]; /* as class_set() made them */
} model;

static void cmp_counters(const char *what, unsigned int key, const struct sl_counters *want,
			 int fd, int *bad)
{
	struct sl_counters got;
	int v;

	assert_int_equal(sl_counters_read(&ctx, fd, key, &got), 0);
	for (v = 0; v < SL_CNT_MAX; v++) {
		if (got.packets[v] == want->packets[v] && got.bytes[v] == want->bytes[v])
			continue;
		print_error("%s key %u %s: %llu packets %llu bytes, expected %llu / %llu\n",
			    what, key, v == SL_PASS ? "passed" : v == SL_DROP ? "dropped" : "policed",
			    (unsigned long long)got.packets[v], (unsigned long long)got.bytes[v],
			    (unsigned long long)want->packets[v],
			    (unsigned long long)want->bytes[v]);
		(*bad)++;
	}
}

/* The line of the test that sent the last frame, for failure messages. */
static int at_line;

static void check_counters(void)
{
	int id, d, bad = 0;

	for (id = 0; id < NCLS; id++)
		for (d = 0; d < SL_DIR_MAX; d++)
			cmp_counters("sl_stats", id * SL_DIR_MAX + d, &model.cls[id][d],
				     ctx.stats_fd, &bad);
	for (d = 0; d < SL_DIR_MAX; d++)
		cmp_counters("sl_misc", SL_MISC_NONIP(d), &model.misc[d], ctx.misc_fd, &bad);
	if (bad)
		fail_msg("%d counter(s) differ from the model after the frame of line %d", bad,
			 at_line);
}

/*
 * Run the src or dst program of hook h on f once, expect verdict, and the
 * frame counted in class cls (-1: not classified); then check all counters.
 */
static void xmit_at(int line, const struct hook *h, int match, const struct frame *f, int cls,
		    int verdict)
{
	struct sl_counters *c;
	int rc, want, slot;

	at_line = line;
	assert_true(cls < NCLS);
	rc = run_prog(h->prog[match], f);
	want = verdict == SL_DROP ? h->drop_rc : h->pass_rc;
	if (rc != want)
		fail_msg("line %d: %s: %u-byte frame returned %d, expected %d (%s, class %d)",
			 line, sl_prog_names[h->prog[match]], f->len, rc, want,
			 verdict == SL_DROP ? "drop" : "pass", cls);
	c = cls < 0 ? &model.misc[h->dir] : &model.cls[cls][h->dir];
	/* the police bucket's drops have a slot of their own */
	slot = verdict == SL_DROP && cls >= 0 && model.policy[cls] == SL_POLICY_POLICE ?
		       SL_CNT_DROP_POLICE : verdict;
	c->packets[slot]++;
	c->bytes[slot] += f->len;
	check_counters();
}

#define xmit(...) xmit_at(__LINE__, __VA_ARGS__)

/* ---- classes and prefixes -------------------------------------------- */

static void class_set(__u32 id, const char *name, __u32 policy, __u64 rate, __u64 burst)
{
	struct sl_class c;
	int d;

	assert_int_equal(sl_class_get(&ctx, id, &c), 0);
	snprintf(c.name, sizeof(c.name), "%s", name);
	c.flags = SL_CLASS_USED;
	c.policy = policy;
	if (id < NCLS)
		model.policy[id] = policy;
	for (d = 0; d < SL_DIR_MAX; d++) {
		c.rate[d] = rate;
		c.burst[d] = burst;
	}
	assert_int_equal(sl_class_put(&ctx, id, &c), 0);
}

/* Make p[0..n) the prefix list of class id (normalised on the way). */
static void load_pfx(__u32 id, const struct sl_pfx *p, size_t n)
{
	struct sl_pfx_vec vec = { 0 };
	int err;

	err = sl_pfx_vec_append(&vec, p, n);
	if (!err) {
		size_t i;

		for (i = 0; i < vec.n; i++)
			vec.v[i].class_id = id;
		sl_pfx_normalise(&vec);
		err = sl_tables_replace(&ctx, id, vec.v, vec.n);
	}
	sl_pfx_vec_free(&vec);
	assert_int_equal(err, 0);
}

static void parse_pfx(const char *s, struct sl_pfx *p)
{
	const char *why = NULL;
	bool masked;

	memset(p, 0, sizeof(*p));
	if (sl_parse_prefix(s, strlen(s), p, &why, &masked))
		fail_msg("bad prefix %s: %s", s, why);
}

/* Make the NULL-terminated list of prefixes the list of class id. */
static void load(__u32 id, const char *const *list)
{
	struct sl_pfx p[32];
	size_t n;

	for (n = 0; list[n]; n++) {
		assert_true(n < sizeof(p) / sizeof(p[0]));
		parse_pfx(list[n], &p[n]);
	}
	load_pfx(id, p, n);
}

static __u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * NSEC + ts.tv_nsec;
}

/*
 * A new class's buckets are new (0): full at the first packet, whatever the
 * uptime, so the tests need not fill them.
 */
static void assert_buckets_new(__u32 id)
{
	struct sl_bucket_line l;
	int d;

	for (d = 0; d < SL_DIR_MAX; d++) {
		__u32 key = id * SL_DIR_MAX + d;

		assert_int_equal(bpf_map_lookup_elem(ctx.buckets_fd, &key, &l), 0);
		assert_int_equal(l.b.empty, 0);
	}
}

static void probe(const char *addr, __u32 cls, __u32 plen, bool matched)
{
	struct sl_lookup_result r;
	struct sl_pfx a;

	memset(&a, 0, sizeof(a));
	assert_int_equal(sl_parse_addr(addr, &a), 0);
	assert_int_equal(sl_probe_run(&ctx, &a, &r), 0);
	if (r.class_id != cls || r.prefixlen != plen || r.matched != matched)
		fail_msg("probe %s: class %u /%u matched %d, expected class %u /%u matched %d",
			 addr, r.class_id, r.prefixlen, r.matched, cls, plen, matched);
}

/* ---- fixtures --------------------------------------------------------- */

static int group_setup(void **state)
{
	(void)state;
	/* Keep the mount out of the host's namespace if we can. */
	if (!unshare(CLONE_NEWNS))
		mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL);
	if (!mkdtemp(bpffs_dir)) {
		print_error("mkdtemp: %s\n", strerror(errno));
		return -1;
	}
	if (mount("bpf", bpffs_dir, "bpf", 0, NULL)) {
		print_error("mount bpffs on %s: %s\n", bpffs_dir, strerror(errno));
		rmdir(bpffs_dir);
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
	memset(&model, 0, sizeof(model));
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
	if (sl_unload(&ctx))
		print_error("sl_unload: %s\n", strerror(errno));
	return 0;
}

/* ---- tests ------------------------------------------------------------ */

enum { C_DEF = SL_CLASS_DEFAULT, C_BLOCK = 1, C_ALLOW = 2 };

static const char *const block_list[] = { "192.0.2.0/24", "2001:db8:bad::/48", NULL };
static const char *const allow_list[] = { "198.51.100.0/24", "2001:db8:600d::/48", NULL };

static void two_classes(void)
{
	class_set(C_BLOCK, "block", SL_POLICY_DROP, 0, 0);
	class_set(C_ALLOW, "allow", SL_POLICY_PASS, 0, 0);
	load(C_BLOCK, block_list);
	load(C_ALLOW, allow_list);
}

/*
 * IPv4 and IPv6, src and dst programs: the remote address decides; the
 * local one (in another class on purpose) does not.
 */
static void test_verdicts(void **state)
{
	const struct hook *h = *state;
	struct frame f;
	int m;

	two_classes();
	for (m = SL_MATCH_SRC; m <= SL_MATCH_DST; m++) {
		mk_remote(&f, m, "192.0.2.77", "198.51.100.1", 60);
		xmit(h, m, &f, C_BLOCK, SL_DROP);
		mk_remote(&f, m, "198.51.100.9", "192.0.2.1", 98);
		xmit(h, m, &f, C_ALLOW, SL_PASS);
		mk_remote(&f, m, "203.0.113.5", "192.0.2.1", 1514);
		xmit(h, m, &f, C_DEF, SL_PASS);
		mk_remote(&f, m, "0.0.0.0", "192.0.2.1", 64);
		xmit(h, m, &f, C_DEF, SL_PASS);

		mk_remote(&f, m, "2001:db8:bad:1::2", "2001:db8:600d::1", 78);
		xmit(h, m, &f, C_BLOCK, SL_DROP);
		mk_remote(&f, m, "2001:db8:600d:ffff::1", "2001:db8:bad::1", 1514);
		xmit(h, m, &f, C_ALLOW, SL_PASS);
		mk_remote(&f, m, "2001:db8:bae::1", "2001:db8:bad::1", 86);
		xmit(h, m, &f, C_DEF, SL_PASS);
		mk_remote(&f, m, "::ffff:192.0.2.1", "2001:db8:bad::1", 86);
		xmit(h, m, &f, C_DEF, SL_PASS);
	}
	/* Nothing matched: the probe says so. */
	probe("203.0.113.5", C_DEF, 0, false);
	probe("2001:db8:bae::1", C_DEF, 0, false);
	probe("192.0.2.77", C_BLOCK, 24, true);
	probe("2001:db8:600d:ffff::1", C_ALLOW, 48, true);
}

/* VLAN tags (up to two, either TPID) and IPv4 options. */
static void test_vlan_options(void **state)
{
	const struct hook *h = *state;
	struct frame f;

	two_classes();
	mk_v4_opt(&f, "192.0.2.1", "198.51.100.1", tags_q, 1, 5, 64);
	xmit(h, SL_MATCH_SRC, &f, C_BLOCK, SL_DROP);
	mk_v4_opt(&f, "192.0.2.1", "198.51.100.1", tags_q, 1, 5, 64);
	xmit(h, SL_MATCH_DST, &f, C_ALLOW, SL_PASS);
	mk_v6_tag(&f, "2001:db8:600d::1", "2001:db8:bad::1", tags_q, 1, 82);
	xmit(h, SL_MATCH_SRC, &f, C_ALLOW, SL_PASS);
	mk_v6_tag(&f, "2001:db8:600d::1", "2001:db8:bad::1", tags_q, 1, 82);
	xmit(h, SL_MATCH_DST, &f, C_BLOCK, SL_DROP);

	/* 802.1ad outer, 802.1Q inner. */
	mk_v4_opt(&f, "192.0.2.1", "10.0.0.1", tags_qinq, 2, 5, 68);
	xmit(h, SL_MATCH_SRC, &f, C_BLOCK, SL_DROP);
	mk_v4_opt(&f, "10.0.0.1", "192.0.2.1", tags_qinq, 2, 5, 68);
	xmit(h, SL_MATCH_SRC, &f, C_DEF, SL_PASS);
	mk_v6_tag(&f, "2001:db8:bad::1", "2001:db8:1::1", tags_qinq, 2, 86);
	xmit(h, SL_MATCH_SRC, &f, C_BLOCK, SL_DROP);
	mk_v6_tag(&f, "2001:db8:bad::1", "2001:db8:600d::1", tags_qinq, 2, 86);
	xmit(h, SL_MATCH_DST, &f, C_ALLOW, SL_PASS);
	/* Two 802.1Q tags. */
	mk_v4_opt(&f, "192.0.2.1", "10.0.0.1", tags_qq, 2, 5, 68);
	xmit(h, SL_MATCH_SRC, &f, C_BLOCK, SL_DROP);

	/* Three tags: not classified, passed untouched. */
	mk_v4_opt(&f, "192.0.2.1", "192.0.2.2", tags_3, 3, 5, 72);
	xmit(h, SL_MATCH_SRC, &f, -1, SL_PASS);
	xmit(h, SL_MATCH_DST, &f, -1, SL_PASS);
	mk_v6_tag(&f, "2001:db8:bad::1", "2001:db8:bad::2", tags_3, 3, 90);
	xmit(h, SL_MATCH_SRC, &f, -1, SL_PASS);

	/* IPv4 options, up to the longest header (ihl 15), also behind two tags. */
	mk_v4_opt(&f, "192.0.2.1", "198.51.100.1", NULL, 0, 6, 60);
	xmit(h, SL_MATCH_SRC, &f, C_BLOCK, SL_DROP);
	xmit(h, SL_MATCH_DST, &f, C_ALLOW, SL_PASS);
	mk_v4_opt(&f, "192.0.2.1", "198.51.100.1", NULL, 0, 15, 14 + 60);
	xmit(h, SL_MATCH_SRC, &f, C_BLOCK, SL_DROP);
	xmit(h, SL_MATCH_DST, &f, C_ALLOW, SL_PASS);
	mk_v4_opt(&f, "198.51.100.1", "192.0.2.1", tags_qinq, 2, 15, 14 + 8 + 60 + 8);
	xmit(h, SL_MATCH_SRC, &f, C_ALLOW, SL_PASS);
	xmit(h, SL_MATCH_DST, &f, C_BLOCK, SL_DROP);
}

/*
 * Truncated IPv4 and IPv6 headers, with ntags VLAN tags in front. The
 * addresses that are there are in the drop class.
 */
static void cut_ip(const struct hook *h, int m, const __u16 *tags, int ntags)
{
	size_t l2 = ETH_HLEN + 4 * ntags;
	struct frame f;

	/* EtherType IPv4 or IPv6, nothing after. */
	mk_v4_opt(&f, "192.0.2.1", "192.0.2.2", tags, ntags, 5, 80);
	f.len = l2;
	xmit(h, m, &f, -1, SL_PASS);
	mk_v6_tag(&f, "2001:db8:bad::1", "2001:db8:bad::2", tags, ntags, 80);
	f.len = l2;
	xmit(h, m, &f, -1, SL_PASS);
	/* Partial IPv4 header: the addresses are there, not all of it. */
	mk_v4_opt(&f, "192.0.2.1", "192.0.2.2", tags, ntags, 5, 80);
	f.len = l2 + sizeof(struct iphdr) - 1;
	xmit(h, m, &f, -1, SL_PASS);
	/* IPv4 options cut. */
	mk_v4_opt(&f, "192.0.2.1", "192.0.2.2", tags, ntags, 15, 100);
	f.len = l2 + 15 * 4 - 1;
	xmit(h, m, &f, -1, SL_PASS);
	mk_v4_opt(&f, "192.0.2.1", "192.0.2.2", tags, ntags, 6, 100);
	f.len = l2 + 6 * 4 - 2;
	xmit(h, m, &f, -1, SL_PASS);
	/* Partial IPv6 header (source complete, destination cut). */
	mk_v6_tag(&f, "2001:db8:bad::1", "2001:db8:bad::2", tags, ntags, 80);
	f.len = l2 + sizeof(struct ipv6hdr) - 1;
	xmit(h, m, &f, -1, SL_PASS);
}

/*
 * Truncated, malformed and non-IP frames: passed, counted as not
 * classified, no class counter touched.
 *
 * Frames shorter than Ethernet cannot be tested: BPF_PROG_TEST_RUN refuses
 * them for XDP and TC alike (even behind XDP metadata). For TC it also
 * refuses untagged frames whose EtherType is IPv4 or IPv6 but whose IP
 * header is incomplete, so TC gets those behind a VLAN tag only.
 */
static void test_not_classified(void **state)
{
	const struct hook *h = *state;
	struct frame f;
	int m;

	two_classes();
	for (m = SL_MATCH_SRC; m <= SL_MATCH_DST; m++) {
		if (h->xdp)
			cut_ip(h, m, NULL, 0);
		cut_ip(h, m, tags_q, 1);
		cut_ip(h, m, tags_qinq, 2);

		/* Bad IPv4 header length and version; IPv6 EtherType, version 4. */
		mk_v4(&f, "192.0.2.1", "192.0.2.2", 60);
		f.b[ETH_HLEN] = 0x44;
		xmit(h, m, &f, -1, SL_PASS);
		f.b[ETH_HLEN] = 0x40;
		xmit(h, m, &f, -1, SL_PASS);
		f.b[ETH_HLEN] = 0x65;
		xmit(h, m, &f, -1, SL_PASS);
		mk_v6(&f, "2001:db8:bad::1", "2001:db8:bad::2", 80);
		f.b[ETH_HLEN] = 0x40;
		xmit(h, m, &f, -1, SL_PASS);

		/* VLAN tag cut, second tag cut. */
		mk_v4_opt(&f, "192.0.2.1", "192.0.2.2", tags_q, 1, 5, 64);
		f.len = ETH_HLEN;
		xmit(h, m, &f, -1, SL_PASS);
		f.len = ETH_HLEN + 2;
		xmit(h, m, &f, -1, SL_PASS);
		f.len = ETH_HLEN + 3;
		xmit(h, m, &f, -1, SL_PASS);
		mk_v4_opt(&f, "192.0.2.1", "192.0.2.2", tags_qinq, 2, 5, 64);
		f.len = ETH_HLEN + 4 + 3;
		xmit(h, m, &f, -1, SL_PASS);

		/* ARP, bare and padded; an unknown EtherType. */
		mk_arp(&f, 42);
		xmit(h, m, &f, -1, SL_PASS);
		mk_arp(&f, 60);
		xmit(h, m, &f, -1, SL_PASS);
		mk_v4_type(&f, 0x88b5, "192.0.2.1", "192.0.2.2", 60);
		xmit(h, m, &f, -1, SL_PASS);
	}
}

enum { C_A = 1, C_B = 2, C_C = 3 };

static const char *const lpm_a[] = {
	"10.0.0.0/8", "10.1.1.0/24", "172.16.5.0/24", "2001:db8::/32", "2001:db8:1:2::5/128", NULL,
};

static const char *const lpm_b[] = {
	"10.1.0.0/16",	   "10.1.1.128/32",	   "172.16.0.0/12", "172.16.5.0/24",
	"2001:db8:1:2::/64", "2001:db8:77::/48", NULL,
};

static const char *const lpm_c[] = {
	"0.0.0.0/0",	   "10.1.1.1/32", "172.16.0.0/12", "2001:db8:1:2::/64", "::/0",
	"2001:db8:77::/48", NULL,
};

struct lpm_case {
	const char *addr;
	int cls;
	int plen;
};

static const struct lpm_case lpm_cases[] = {
	{ "10.2.3.4", C_A, 8 },
	{ "10.1.2.3", C_B, 16 },
	{ "10.1.1.5", C_A, 24 },
	{ "10.1.1.1", C_C, 32 },
	{ "10.1.1.128", C_B, 32 },
	{ "10.1.1.129", C_A, 24 },
	{ "11.0.0.1", C_C, 0 },
	{ "0.0.0.0", C_C, 0 },
	{ "255.255.255.255", C_C, 0 },
	{ "172.16.9.9", C_B, 12 },  /* same /12 in B and C: B, the lower id */
	{ "172.31.255.255", C_B, 12 },
	{ "172.16.5.1", C_A, 24 },  /* same /24 in A and B: A */
	{ "172.32.0.1", C_C, 0 },
	{ "2001:db8:ffff::1", C_A, 32 },
	{ "2001:db8:1:2::1", C_B, 64 }, /* same /64 in B and C: B */
	{ "2001:db8:1:2::5", C_A, 128 },
	{ "2001:db8:1:2::4", C_B, 64 },
	{ "2001:db8:1:3::1", C_A, 32 },
	{ "2001:db8:77:1::1", C_B, 48 },
	{ "2001:db9::1", C_C, 0 },
	{ "::1", C_C, 0 },
	{ "::", C_C, 0 },
	{ "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", C_C, 0 },
};

static void lpm_check(const struct hook *h)
{
	struct frame f;
	size_t i;
	int m, v;

	for (i = 0; i < sizeof(lpm_cases) / sizeof(lpm_cases[0]); i++) {
		const struct lpm_case *t = &lpm_cases[i];
		bool v6 = strchr(t->addr, ':') != NULL;

		v = t->cls == C_A ? SL_DROP : SL_PASS;
		for (m = SL_MATCH_SRC; m <= SL_MATCH_DST; m++) {
			mk_remote(&f, m, t->addr, v6 ? "2001:db8:1:2::5" : "10.1.1.5", 100 + i);
			xmit(h, m, &f, t->cls, v);
		}
		probe(t->addr, t->cls, t->plen, true);
	}
}

/* Longest prefix wins across classes; equal prefixes go to the lowest id. */
static void test_lpm(void **state)
{
	const struct hook *h = *state;

	class_set(C_A, "a", SL_POLICY_DROP, 0, 0);
	class_set(C_B, "b", SL_POLICY_PASS, 0, 0);
	class_set(C_C, "c", SL_POLICY_PASS, 0, 0);
	/* Highest id first, so the lowest wins by id and not by order. */
	load(C_C, lpm_c);
	load(C_B, lpm_b);
	load(C_A, lpm_a);
	lpm_check(h);
	/* Reloading the highest id last changes nothing. */
	load(C_C, lpm_c);
	lpm_check(h);
	assert_int_equal(ctx.st.n_v4, 8);
	assert_int_equal(ctx.st.n_v6, 5);
}

static void flip_bit(__u8 *addr, int bit)
{
	addr[bit / 8] ^= 0x80 >> (bit % 8);
}

static void fmt_addr(char *buf, size_t len, int family, const __u8 *addr)
{
	assert_non_null(inet_ntop(family == 4 ? AF_INET : AF_INET6, addr, buf, len));
}

/*
 * Prefixes of many lengths nested on one address, in rotating classes: an
 * address that leaves each prefix's next longer one on its first bit lands
 * in exactly that prefix. Covers the IPv4 directory (/0-/24), its chunks
 * (/25-/31) and host hash (/32), and IPv6 lengths around word boundaries.
 */
static void lengths_check(const struct hook *h, int family, const char *base,
			  const int *plens, int n)
{
	struct sl_pfx p[C_C][24], a;
	size_t np[C_C] = { 0 };
	char buf[INET6_ADDRSTRLEN + 8];
	struct frame f;
	int i, cls, m;

	assert_true(n <= 24);
	for (i = 0; i < n; i++) {
		cls = i % 3;
		snprintf(buf, sizeof(buf), "%s/%d", base, plens[i]);
		parse_pfx(buf, &p[cls][np[cls]++]);
	}
	for (cls = 0; cls < C_C; cls++)
		load_pfx(cls + 1, p[cls], np[cls]);

	for (i = 0; i < n; i++) {
		memset(&a, 0, sizeof(a));
		assert_int_equal(sl_parse_addr(base, &a), 0);
		if (i + 1 < n)
			flip_bit(a.addr, plens[i + 1] - 1);
		fmt_addr(buf, sizeof(buf), family, a.addr);
		cls = i % 3 + 1;
		m = i % 2 ? SL_MATCH_DST : SL_MATCH_SRC;
		mk_remote(&f, m, buf, family == 4 ? "192.0.2.1" : "2001:db8:bad::1", 90);
		xmit(h, m, &f, cls, cls == C_A ? SL_DROP : SL_PASS);
		probe(buf, cls, plens[i], true);
	}
}

static void test_lpm_lengths(void **state)
{
	static const int v4[] = { 0, 1, 7, 8, 9, 15, 16, 17, 23, 24, 25, 26, 29, 30, 31, 32 };
	const struct hook *h = *state;

	class_set(C_A, "a", SL_POLICY_DROP, 0, 0);
	class_set(C_B, "b", SL_POLICY_PASS, 0, 0);
	class_set(C_C, "c", SL_POLICY_PASS, 0, 0);
	lengths_check(h, 4, "10.20.30.41", v4, sizeof(v4) / sizeof(v4[0]));
	lengths_check(h, 4, "203.0.113.255", v4, sizeof(v4) / sizeof(v4[0]));
}

static void test_lpm_lengths6(void **state)
{
	static const int v6[] = { 0,  1,  16, 31, 32,  33,  47,	 48,  63, 64,
				  65, 95, 96, 97, 112, 120, 126, 127, 128 };
	const struct hook *h = *state;

	class_set(C_A, "a", SL_POLICY_DROP, 0, 0);
	class_set(C_B, "b", SL_POLICY_PASS, 0, 0);
	class_set(C_C, "c", SL_POLICY_PASS, 0, 0);
	lengths_check(h, 6, "2001:db8:aaaa:bbbb:cccc:dddd:eeee:ffff", v6,
		      sizeof(v6) / sizeof(v6[0]));
}

/* ---- random prefixes against a reference ------------------------------ */

#define RND_CLASSES 4
#define RND_V4 1500
#define RND_V6 500

static bool pfx_holds(const struct sl_pfx *p, const __u8 *addr)
{
	int full = p->plen / 8, rest = p->plen % 8;

	if (memcmp(p->addr, addr, full))
		return false;
	return !rest || !((p->addr[full] ^ addr[full]) & (0xff00 >> rest));
}

/* Longest prefix, then lowest class; -1 when none holds addr. */
static int ref_lookup(const struct sl_pfx *all, size_t n, int family, const __u8 *addr,
		      int *plen)
{
	int best = -1, blen = -1;
	size_t i;

	for (i = 0; i < n; i++) {
		const struct sl_pfx *p = &all[i];

		if (p->family != family || !pfx_holds(p, addr))
			continue;
		if (p->plen > blen || (p->plen == blen && (int)p->class_id < best)) {
			best = p->class_id;
			blen = p->plen;
		}
	}
	*plen = blen < 0 ? 0 : blen;
	return best;
}

static void rnd_bytes(unsigned int *seed, __u8 *b, size_t n)
{
	while (n--)
		*b++ = rand_r(seed);
}

static void rnd_pfx(unsigned int *seed, int family, struct sl_pfx *p)
{
	static const __u8 len4[] = { 1,	 8,  12, 16, 20, 22, 23, 24, 24, 24, 25, 26,
				     27, 28, 29, 30, 31, 31, 32, 32, 32, 32 };
	static const __u8 len6[] = { 0,	 16, 32, 40, 44, 48, 56, 60, 63,  64,
				     64, 65, 72, 96, 100, 112, 127, 128, 128 };

	memset(p, 0, sizeof(*p));
	p->family = family;
	rnd_bytes(seed, p->addr, family == 4 ? 4 : 16);
	if (family == 4) {
		/* Mostly inside 10.0.0.0/18 so that prefixes nest and collide. */
		if (rand_r(seed) % 8) {
			p->addr[0] = 10;
			p->addr[1] = 0;
			p->addr[2] &= 0x3f;
		}
		p->plen = len4[rand_r(seed) % sizeof(len4)];
	} else {
		if (rand_r(seed) % 8) {
			static const __u8 pre[] = { 0x20, 0x01, 0x0d, 0xb8, 0x00 };

			memcpy(p->addr, pre, sizeof(pre));
			p->addr[5] &= 0x03;
			p->addr[6] = p->addr[7] = 0;
			if (rand_r(seed) % 2)
				memset(p->addr + 8, 0, 6);
		}
		p->plen = len6[rand_r(seed) % sizeof(len6)];
	}
	sl_pfx_mask(p);
}

/* An address inside p: its prefix bits, random host bits. */
static void rnd_addr_in(unsigned int *seed, const struct sl_pfx *p, __u8 *addr)
{
	size_t alen = p->family == 4 ? 4 : 16, i;
	__u8 r[16];

	rnd_bytes(seed, r, alen);
	for (i = 0; i < alen; i++) {
		int bits = (int)p->plen - 8 * (int)i;
		__u8 mask = bits >= 8 ? 0xff : bits <= 0 ? 0 : (__u8)(0xff00 >> bits);

		addr[i] = (p->addr[i] & mask) | (r[i] & ~mask);
	}
}

static void rnd_check(const struct sl_pfx *all, size_t n, int family, const __u8 *addr,
		      bool frame)
{
	char buf[INET6_ADDRSTRLEN];
	struct frame f;
	int cls, plen;

	cls = ref_lookup(all, n, family, addr, &plen);
	fmt_addr(buf, sizeof(buf), family, addr);
	probe(buf, cls < 0 ? C_DEF : cls, plen, cls >= 0);
	if (!frame)
		return;
	mk_remote(&f, SL_MATCH_DST, buf, family == 4 ? "192.0.2.1" : "2001:db8:bad::1", 70);
	xmit(&hooks[H_XDP], SL_MATCH_DST, &f, cls < 0 ? C_DEF : cls,
	     cls == 1 ? SL_DROP : SL_PASS);
}

/*
 * Random prefixes (fixed seed; DP_SEED overrides) in four classes, checked
 * against a brute-force longest-prefix match: an address in every prefix
 * and random ones nearby, through the probe and, for some, through XDP.
 */
static void test_lpm_random(void **state)
{
	unsigned int seed = 20240601, s;
	struct sl_pfx *all, *cls[RND_CLASSES + 1];
	size_t ncls[RND_CLASSES + 1] = { 0 };
	size_t n = RND_V4 + RND_V6, i;
	const char *env = getenv("DP_SEED");
	__u8 addr[16];
	int c;

	(void)state;
	if (env)
		seed = strtoul(env, NULL, 0);
	print_message("seed %u\n", seed);
	s = seed;
	all = calloc(n, sizeof(*all));
	assert_non_null(all);
	for (c = 1; c <= RND_CLASSES; c++) {
		cls[c] = calloc(n, sizeof(*all));
		assert_non_null(cls[c]);
		class_set(c, c == 1 ? "r1" : c == 2 ? "r2" : c == 3 ? "r3" : "r4",
			  c == 1 ? SL_POLICY_DROP : SL_POLICY_PASS, 0, 0);
	}
	for (i = 0; i < n; i++) {
		rnd_pfx(&s, i < RND_V4 ? 4 : 6, &all[i]);
		all[i].class_id = 1 + rand_r(&s) % RND_CLASSES;
		cls[all[i].class_id][ncls[all[i].class_id]++] = all[i];
	}
	/* Load in a random order of classes, one swap each. */
	for (c = RND_CLASSES; c >= 1; c--)
		load_pfx(c, cls[c], ncls[c]);

	for (i = 0; i < n; i++) {
		rnd_addr_in(&s, &all[i], addr);
		rnd_check(all, n, all[i].family, addr, i % 16 == 0);
		memcpy(addr, all[i].addr, sizeof(addr));
		rnd_check(all, n, all[i].family, addr, i % 16 == 1);
	}
	for (i = 0; i < 500; i++) {
		struct sl_pfx wide = all[i % n];

		wide.plen = wide.family == 4 ? 16 : 40;
		sl_pfx_mask(&wide);
		rnd_addr_in(&s, &wide, addr);
		rnd_check(all, n, wide.family, addr, i % 16 == 0);
	}

	/* Reload one class with half its list: the rest still agrees. */
	ncls[2] /= 2;
	load_pfx(2, cls[2], ncls[2]);
	n = 0;
	for (c = 1; c <= RND_CLASSES; c++)
		for (i = 0; i < ncls[c]; i++)
			all[n++] = cls[c][i];
	for (i = 0; i < n; i++) {
		rnd_addr_in(&s, &all[i], addr);
		rnd_check(all, n, all[i].family, addr, false);
	}

	for (c = 1; c <= RND_CLASSES; c++)
		free(cls[c]);
	free(all);
}

enum { C_POL = 1 };

static const char *const pol_list[] = { "203.0.113.0/24", "2001:db8:5::/48", NULL };

/* 1 byte/s: no measurable refill while a test runs. */
#define SLOW_RATE 8

/*
 * The policer's admission rule (include/sluice_bucket.h): a frame passes
 * while the bucket holds any tokens and may take it into debt by up to one
 * frame. Between frames the bucket refills by a sliver (at 1 byte/s, far
 * below a byte), so a bucket emptied exactly still admits one more frame.
 * (false: a frame passes when the bucket holds its whole length.)
 */
#define POLICE_DEBT true

/* The bucket of one class and direction, in bytes, without the sliver. */
struct bucket_model {
	long long tokens;
	long long cap;
};

static void model_fill(struct bucket_model *b, long long burst)
{
	b->tokens = b->cap = burst;
}

/* A new burst: a lower one caps the tokens at once, a higher one adds none. */
static void model_burst(struct bucket_model *b, long long burst)
{
	b->cap = burst;
	if (b->tokens > burst)
		b->tokens = burst;
}

static int model_admit(struct bucket_model *b, long long len)
{
	if (POLICE_DEBT ? b->tokens >= 0 : b->tokens >= len) {
		b->tokens -= len;
		return SL_PASS;
	}
	return SL_DROP;
}

/* n frames of class cls through h's src program, verdicts from the model. */
static void police_n_at(int line, const struct hook *h, const struct frame *f, __u32 cls,
			struct bucket_model *b, int n)
{
	while (n--)
		xmit_at(line, h, SL_MATCH_SRC, f, cls, model_admit(b, f->len));
}

#define police_n(...) police_n_at(__LINE__, __VA_ARGS__)

/* As police_n, the policer out of play (every frame must pass). */
static void pass_n(const struct hook *h, const struct frame *f, int n)
{
	while (n--)
		xmit(h, SL_MATCH_SRC, f, C_POL, SL_PASS);
}

/*
 * 20 frames of 100 bytes against a 1000-byte burst: the first 10 pass, the
 * other 10 drop (11 and 9 in debt mode), then IPv6 of the same class finds
 * the same empty bucket.
 */
static void test_police(void **state)
{
	const struct hook *h = *state;
	const int passed = POLICE_DEBT ? 11 : 10;
	struct bucket_model b;
	struct sl_counters c;
	struct frame f;
	int i;

	class_set(C_POL, "pol", SL_POLICY_POLICE, SLOW_RATE, 1000);
	load(C_POL, pol_list);
	assert_buckets_new(C_POL);
	model_fill(&b, 1000);
	mk_v4(&f, "203.0.113.9", "10.0.0.1", 100);
	for (i = 0; i < 20; i++)
		xmit(h, SL_MATCH_SRC, &f, C_POL, i < passed ? SL_PASS : SL_DROP);
	mk_v6(&f, "2001:db8:5::1", "2001:db8::1", 100);
	xmit(h, SL_MATCH_SRC, &f, C_POL, SL_DROP);
	xmit(h, SL_MATCH_SRC, &f, C_POL, SL_DROP);

	assert_int_equal(sl_counters_read(&ctx, ctx.stats_fd, C_POL * SL_DIR_MAX + h->dir, &c), 0);
	assert_int_equal(c.packets[SL_PASS], passed);
	assert_int_equal(c.bytes[SL_PASS], passed * 100);
	assert_int_equal(c.packets[SL_CNT_DROP_POLICE], 22 - passed);
	assert_int_equal(c.bytes[SL_CNT_DROP_POLICE], (22 - passed) * 100);
	assert_int_equal(c.packets[SL_CNT_DROP_POLICY], 0);
	/* The other direction's bucket was not touched. */
	assert_int_equal(sl_counters_read(&ctx, ctx.stats_fd, C_POL * SL_DIR_MAX + !h->dir, &c),
			 0);
	assert_int_equal(c.packets[SL_PASS] + c.packets[SL_DROP], 0);
}

/*
 * One bucket per direction with its own rate and burst; XDP and TC ingress
 * share the ingress bucket.
 */
static void test_police_dirs(void **state)
{
	struct bucket_model in, out;
	struct sl_class c;
	struct frame f;

	(void)state;
	class_set(C_POL, "pol", SL_POLICY_POLICE, SLOW_RATE, 1000);
	assert_int_equal(sl_class_get(&ctx, C_POL, &c), 0);
	c.burst[SL_DIR_OUT] = 550;
	assert_int_equal(sl_class_put(&ctx, C_POL, &c), 0);
	load(C_POL, pol_list);
	assert_buckets_new(C_POL);
	model_fill(&in, 1000);
	model_fill(&out, 550);

	mk_v4(&f, "203.0.113.9", "10.0.0.1", 100);
	police_n(&hooks[H_TCI], &f, C_POL, &in, 20);
	police_n(&hooks[H_TCE], &f, C_POL, &out, 10);
	police_n(&hooks[H_XDP], &f, C_POL, &in, 3);
	police_n(&hooks[H_TCE], &f, C_POL, &out, 2);
	assert_true(model.cls[C_POL][SL_DIR_IN].packets[SL_PASS] >= 10);
	assert_true(model.cls[C_POL][SL_DIR_OUT].packets[SL_PASS] >= 5);
	assert_true(model.cls[C_POL][SL_DIR_OUT].packets[SL_PASS] <= 6);
}

/* A lower burst caps the bucket at once; a higher one does not refill it. */
static void test_police_burst_change(void **state)
{
	const struct hook *h = *state;
	struct bucket_model b;
	struct frame f;

	class_set(C_POL, "pol", SL_POLICY_POLICE, SLOW_RATE, 1000);
	load(C_POL, pol_list);
	assert_buckets_new(C_POL);
	model_fill(&b, 1000);
	mk_v4(&f, "203.0.113.9", "10.0.0.1", 100);
	police_n(h, &f, C_POL, &b, 5);
	class_set(C_POL, "pol", SL_POLICY_POLICE, SLOW_RATE, 250);
	model_burst(&b, 250);
	police_n(h, &f, C_POL, &b, 6);
	assert_int_equal(model.cls[C_POL][h->dir].packets[SL_PASS], POLICE_DEBT ? 8 : 7);
	class_set(C_POL, "pol", SL_POLICY_POLICE, SLOW_RATE, 2000);
	model_burst(&b, 2000);
	police_n(h, &f, C_POL, &b, 3);
	/* Unlimited (rate 0) passes everything; the bucket is left alone. */
	class_set(C_POL, "pol", SL_POLICY_POLICE, 0, 2000);
	pass_n(h, &f, 3);
	class_set(C_POL, "pol", SL_POLICY_POLICE, SLOW_RATE, 2000);
	police_n(h, &f, C_POL, &b, 2);
	assert_int_equal(model.cls[C_POL][h->dir].packets[SL_PASS], POLICE_DEBT ? 11 : 10);
}

enum { C_JUMBO = 3 };

/*
 * XDP frames larger than a page reach the program in fragments (xdp.frags):
 * classified on the linear part, counted and policed at their full length.
 */
static void test_xdp_frags(void **state)
{
	const struct hook *h = &hooks[H_XDP];
	struct bucket_model b;
	struct frame f;

	(void)state;
	two_classes();
	class_set(C_JUMBO, "pol", SL_POLICY_POLICE, SLOW_RATE, 20000);
	load(C_JUMBO, pol_list);
	assert_buckets_new(C_JUMBO);
	model_fill(&b, 20000);

	mk_v4(&f, "192.0.2.1", "10.0.0.1", 9000);
	xmit(h, SL_MATCH_SRC, &f, C_BLOCK, SL_DROP);
	xmit(h, SL_MATCH_DST, &f, C_DEF, SL_PASS);
	mk_v6(&f, "2001:db8:600d::1", "2001:db8:bad::1", 9000);
	xmit(h, SL_MATCH_SRC, &f, C_ALLOW, SL_PASS);
	xmit(h, SL_MATCH_DST, &f, C_BLOCK, SL_DROP);
	/* 9000-byte frames cost 9000 bytes of a 20000-byte burst. */
	mk_v4(&f, "203.0.113.1", "10.0.0.1", 9000);
	police_n(h, &f, C_JUMBO, &b, 2);
	assert_int_equal(model.cls[C_JUMBO][SL_DIR_IN].bytes[SL_PASS], 18000);
	police_n(h, &f, C_JUMBO, &b, 2);
	mk_v4(&f, "203.0.113.1", "10.0.0.1", 2000);
	police_n(h, &f, C_JUMBO, &b, 2);
	assert_int_equal(model.cls[C_JUMBO][SL_DIR_IN].bytes[SL_PASS], POLICE_DEBT ? 27000 : 20000);
}

struct mc_thread {
	pthread_t tid;
	int cpu;
	__u64 deadline;
	__u64 runs;
	int err;
};

/*
 * Frames a BPF_PROG_TEST_RUN call: an XDP call may add the program to the
 * kernel's XDP dispatcher and take it out again, each waiting for a grace
 * period (a call of 2000 frames took about 18 ms on one CPU here), so a
 * call runs many frames.
 */
#define MC_REPEAT 100000

static void *mc_run(void *arg)
{
	struct mc_thread *t = arg;
	struct sl_frame spec = { .proto = IPPROTO_UDP, .payload = 100 - 14 - 20 };
	struct frame f;
	cpu_set_t set;
	int n;

	CPU_ZERO(&set);
	CPU_SET(t->cpu, &set);
	t->err = pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	if (t->err)
		return NULL;
	/* No mk_v4(): cmocka asserts belong to the main thread. */
	memset(&f, 0, sizeof(f));
	n = sl_frame_addrs(&spec, "203.0.113.9", "10.0.0.1");
	if (!n)
		n = sl_frame_build(&spec, f.b, sizeof(f.b));
	if (n < 0) {
		t->err = -n;
		return NULL;
	}
	f.len = n;
	while (now_ns() < t->deadline) {
		LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = f.b, .data_size_in = f.len,
			    .repeat = MC_REPEAT);

		if (sched_getcpu() != t->cpu) {
			t->err = EXDEV;
			return NULL;
		}
		if (bpf_prog_test_run_opts(ctx.prog_fd[SL_PROG_XDP_SRC], &opts)) {
			t->err = errno;
			return NULL;
		}
		t->runs += MC_REPEAT;
	}
	return NULL;
}

static bool cpus_available(int n)
{
	cpu_set_t set;
	int i;

	if (sysconf(_SC_NPROCESSORS_ONLN) < n || sched_getaffinity(0, sizeof(set), &set))
		return false;
	for (i = 0; i < n; i++)
		if (!CPU_ISSET(i, &set))
			return false;
	return true;
}

/* ncpu threads, pinned to CPUs 0.., offer frames for a second; the window. */
static __u64 police_cpus(struct mc_thread *t, int ncpu, __u64 *total)
{
	__u64 t0;
	int i;

	t0 = now_ns();
	for (i = 0; i < ncpu; i++) {
		t[i].cpu = i;
		t[i].deadline = t0 + NSEC;
		assert_int_equal(pthread_create(&t[i].tid, NULL, mc_run, &t[i]), 0);
	}
	for (i = 0; i < ncpu; i++)
		pthread_join(t[i].tid, NULL);
	for (i = 0; i < ncpu; i++) {
		if (t[i].err)
			fail_msg("thread on CPU %d: %s", t[i].cpu, strerror(t[i].err));
		assert_true(t[i].runs > 0);
		*total += t[i].runs;
	}
	return now_ns() - t0;
}

/*
 * ncpu CPUs hammering one bucket get what rate and burst allow: never more
 * than rate * time + burst + one frame, and (offered far above the rate,
 * the burst covering a scheduling gap of a quarter second) at least the
 * burst and 90% of the rate. A burst of 25000 bytes has no per-CPU leases
 * (less than SL_LEASE_MIN a CPU): one compare-and-swap per admitted frame.
 * A larger one has per-CPU leases (1/8 of it over the possible CPUs), each
 * spent by its CPU on its own, and the same bound.
 */
static void police_bound(int ncpu, __u64 rate, __u64 burst)
{
	const __u64 len = 100;
	struct mc_thread t[2] = {};
	struct sl_counters c, *pc;
	__u64 el, limit, total = 0;
	__u32 key = C_POL * SL_DIR_MAX + SL_DIR_IN;
	int i, err;

	class_set(C_POL, "pol", SL_POLICY_POLICE, rate, burst);
	load(C_POL, pol_list);
	assert_buckets_new(C_POL);
	el = police_cpus(t, ncpu, &total);

	assert_int_equal(sl_counters_read(&ctx, ctx.stats_fd, key, &c), 0);
	limit = rate * el / 8 / NSEC + burst + len;
	print_message("%d CPU(s), burst %llu: %llu frames in %.3f s: %llu bytes passed (limit %llu)\n",
		      ncpu, (unsigned long long)burst, (unsigned long long)total, el / 1e9,
		      (unsigned long long)c.bytes[SL_PASS], (unsigned long long)limit);
	assert_int_equal(c.packets[SL_PASS] + c.packets[SL_CNT_DROP_POLICE], total);
	assert_int_equal(c.bytes[SL_PASS] + c.bytes[SL_CNT_DROP_POLICE], total * len);
	assert_true(c.bytes[SL_PASS] <= limit);
	assert_true(c.bytes[SL_PASS] >= burst + rate * el / 8 / NSEC * 9 / 10 - burst / 2);
	assert_true(c.bytes[SL_PASS] >= burst);
	if (ncpu < 2)
		return;

	/* Both CPUs did count (per-CPU slots). */
	pc = calloc(ctx.ncpus, sizeof(*pc));
	assert_non_null(pc);
	err = bpf_map_lookup_elem(ctx.stats_fd, &key, pc);
	for (i = 0; i < 2 && !err; i++)
		if (pc[i].packets[SL_PASS] + pc[i].packets[SL_CNT_DROP_POLICE] != t[i].runs)
			err = -1;
	free(pc);
	assert_int_equal(err, 0);
}

/* The class's per-CPU leases of direction in, from the pinned sl_lease. */
static void leases_read(struct sl_lease *ls)
{
	__u32 key = C_POL * SL_DIR_MAX + SL_DIR_IN;
	char path[PATH_MAX];
	int fd;

	sl_pin_path(path, sizeof(path), &ctx, "sl_lease");
	fd = bpf_obj_get(path);
	assert_true(fd >= 0);
	assert_int_equal(bpf_map_lookup_elem(fd, &key, ls), 0);
	close(fd);
}

static void test_police_onecpu(void **state)
{
	(void)state;
	if (!cpus_available(1))
		skip();
	police_bound(1, 800000, 25000);
}

/* Skip the test unless CPUs 0 and 1 can both run its threads. */
static void need_two_cpus(void)
{
	if (!cpus_available(2)) {
		print_message("CPUs 0 and 1 are not both available: skipped\n");
		skip();
	}
}

/* Two CPUs on one bucket: the same bound (one compare-and-swap per frame). */
static void test_police_multicpu(void **state)
{
	(void)state;
	need_two_cpus();
	police_bound(2, 800000, 25000);
}

/*
 * Two CPUs on a bucket with leases (a burst of at least 1 MB and 64 KiB a
 * possible CPU, so that every CPU's lease is twice SL_LEASE_MIN): the same
 * bound, and both CPUs took leases (the tag is set by a lease taken; what
 * is left of it is never more than one lease).
 */
static void test_police_leases(void **state)
{
	__u64 burst = ctx.ncpus * 65536ull > 1000000 ? ctx.ncpus * 65536ull : 1000000;
	struct sl_lease *ls;
	struct sl_class c;
	int i;

	(void)state;
	need_two_cpus();
	police_bound(2, 8000000, burst);
	assert_int_equal(sl_class_get(&ctx, C_POL, &c), 0);
	assert_true(c.police[SL_DIR_IN].lease > 0);
	assert_true(c.police[SL_DIR_IN].ltau + ctx.ncpus * c.police[SL_DIR_IN].lease <=
		    c.police[SL_DIR_IN].tau);
	ls = calloc(ctx.ncpus, sizeof(*ls));
	assert_non_null(ls);
	leases_read(ls);
	for (i = 0; i < 2; i++) {
		assert_int_equal(ls[i].tag, sl_bucket_lease_tag(&c.police[SL_DIR_IN]));
		assert_true(ls[i].left <= c.police[SL_DIR_IN].lease);
	}
	free(ls);
	/* a small burst: no leases, the bucket holds it all */
	class_set(C_POL, "pol", SL_POLICY_POLICE, 8000000, 25000);
	assert_int_equal(sl_class_get(&ctx, C_POL, &c), 0);
	assert_int_equal(c.police[SL_DIR_IN].lease, 0);
	assert_int_equal(c.police[SL_DIR_IN].ltau, c.police[SL_DIR_IN].tau);
}

/* Replacing a class's list swaps the live tables; other classes stay. */
static void test_swap(void **state)
{
	static const char *const v4_only[] = { "198.51.100.0/24", NULL };
	static const char *const none[] = { NULL };
	const struct hook *h = *state;
	__u64 gen = ctx.st.generation;
	struct sl_class c;
	struct frame f;
	__u32 n[2];

	class_set(C_BLOCK, "block", SL_POLICY_DROP, 0, 0);
	load(C_BLOCK, block_list);
	assert_true(ctx.st.generation > gen);
	gen = ctx.st.generation;
	mk_v4(&f, "192.0.2.1", "10.0.0.1", 60);
	xmit(h, SL_MATCH_SRC, &f, C_BLOCK, SL_DROP);
	mk_v6(&f, "2001:db8:bad::1", "2001:db8::1", 80);
	xmit(h, SL_MATCH_SRC, &f, C_BLOCK, SL_DROP);

	load(C_BLOCK, v4_only);
	assert_true(ctx.st.generation > gen);
	gen = ctx.st.generation;
	assert_int_equal(sl_class_get(&ctx, C_BLOCK, &c), 0);
	assert_int_equal(sl_store_counts(&ctx, C_BLOCK, n), 0);
	assert_int_equal(n[0], 1);
	assert_int_equal(n[1], 0);
	mk_v4(&f, "192.0.2.1", "10.0.0.1", 60);
	xmit(h, SL_MATCH_SRC, &f, C_DEF, SL_PASS);
	mk_v4(&f, "198.51.100.1", "10.0.0.1", 60);
	xmit(h, SL_MATCH_SRC, &f, C_BLOCK, SL_DROP);
	mk_v6(&f, "2001:db8:bad::1", "2001:db8::1", 80);
	xmit(h, SL_MATCH_SRC, &f, C_DEF, SL_PASS);
	probe("192.0.2.1", C_DEF, 0, false);
	probe("198.51.100.1", C_BLOCK, 24, true);

	/* Another class's load keeps this one's prefixes. */
	class_set(C_ALLOW, "allow", SL_POLICY_PASS, 0, 0);
	load(C_ALLOW, block_list);
	assert_true(ctx.st.generation > gen);
	gen = ctx.st.generation;
	mk_v4(&f, "192.0.2.1", "10.0.0.1", 60);
	xmit(h, SL_MATCH_SRC, &f, C_ALLOW, SL_PASS);
	mk_v4(&f, "198.51.100.1", "10.0.0.1", 60);
	xmit(h, SL_MATCH_SRC, &f, C_BLOCK, SL_DROP);

	/* Policy changes act at once, without a swap. */
	class_set(C_BLOCK, "block", SL_POLICY_PASS, 0, 0);
	xmit(h, SL_MATCH_SRC, &f, C_BLOCK, SL_PASS);
	class_set(C_BLOCK, "block", SL_POLICY_DROP, 0, 0);
	xmit(h, SL_MATCH_SRC, &f, C_BLOCK, SL_DROP);

	/* An empty list takes the class out of the tables. */
	load(C_BLOCK, none);
	assert_true(ctx.st.generation > gen);
	xmit(h, SL_MATCH_SRC, &f, C_DEF, SL_PASS);
	mk_v6(&f, "2001:db8:bad::1", "2001:db8::1", 80);
	xmit(h, SL_MATCH_SRC, &f, C_ALLOW, SL_PASS);

	/* The pinned state record agrees with what the loads reported. */
	gen = ctx.st.generation;
	memset(&ctx.st, 0, sizeof(ctx.st));
	assert_int_equal(sl_state_read(&ctx), 0);
	assert_int_equal(ctx.st.generation, gen);
	assert_int_equal(ctx.st.n_v4, 1);
	assert_int_equal(ctx.st.n_v6, 1);
}

/* ---- the XDP to TC ingress hand-off ----------------------------------- */

enum { C_SHAPED = 3 };

/*
 * Run an XDP program on f; expect it to pass f with a struct sl_xdp_meta in
 * front (BPF_PROG_TEST_RUN returns the frame from the metadata on). No
 * ctx_out: given one, this kernel ran the program as if on no IP header.
 */
static void xdp_meta_at(int line, int prog, const struct frame *f, __u32 cls, __u32 flags)
{
	struct frame out;
	struct sl_xdp_meta m;
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = f->b, .data_size_in = f->len,
		    .data_out = out.b, .data_size_out = sizeof(out.b), .repeat = 1);

	if (bpf_prog_test_run_opts(ctx.prog_fd[prog], &opts))
		fail_msg("line %d: test run of %s: %s", line, sl_prog_names[prog], strerror(errno));
	if (opts.retval != XDP_PASS)
		fail_msg("line %d: %s returned %u, expected XDP_PASS", line, sl_prog_names[prog],
			 opts.retval);
	if (opts.data_size_out != f->len + sizeof(m))
		fail_msg("line %d: %u bytes out, expected the %u-byte frame after %zu of metadata",
			 line, opts.data_size_out, f->len, sizeof(m));
	memcpy(&m, out.b, sizeof(m));
	assert_int_equal(m.magic, SL_XDP_META_MAGIC);
	assert_int_equal(m.ifindex, 1); /* test runs see loopback */
	if (m.class_id != cls || m.flags != flags)
		fail_msg("line %d: metadata class %u flags %u, expected class %u flags %u", line,
			 m.class_id, m.flags, cls, flags);
	assert_memory_equal(out.b + sizeof(m), f->b, f->len);
}

#define xdp_meta(...) xdp_meta_at(__LINE__, __VA_ARGS__)

/*
 * XDP leaves its verdict in the packet's metadata for the TC ingress hook:
 * the class, the match, and whether the class shapes inbound traffic; a
 * frame it cannot classify is marked as such. (TC ingress reading it is
 * tested end to end: BPF_PROG_TEST_RUN cannot hand a TC program metadata.)
 */
static void test_xdp_meta(void **state)
{
	const struct hook *h = &hooks[H_XDP];
	struct frame f;
	int m;

	(void)state;
	two_classes();
	class_set(C_SHAPED, "shaped", SL_POLICY_SHAPE, 1000000, 100000);
	load(C_SHAPED, (const char *const[]){ "203.0.113.0/24", NULL });
	for (m = SL_MATCH_SRC; m <= SL_MATCH_DST; m++) {
		__u32 mf = m == SL_MATCH_DST ? SL_META_MATCH_DST : 0;

		mk_remote(&f, m, "198.51.100.9", "192.0.2.1", 98);
		xdp_meta(h->prog[m], &f, C_ALLOW, mf);
		mk_remote(&f, m, "2001:db8:600d::9", "2001:db8:bad::1", 98);
		xdp_meta(h->prog[m], &f, C_ALLOW, mf);
		mk_remote(&f, m, "10.1.2.3", "192.0.2.1", 98);
		xdp_meta(h->prog[m], &f, C_DEF, mf);
		mk_remote(&f, m, "203.0.113.7", "192.0.2.1", 98);
		xdp_meta(h->prog[m], &f, C_SHAPED, mf | SL_META_SHAPE);
		mk_arp(&f, 60);
		xdp_meta(h->prog[m], &f, SL_META_NOT_IP, mf);
		/* Dropped frames carry nothing further. */
		mk_remote(&f, m, "192.0.2.77", "198.51.100.1", 60);
		assert_int_equal(run_prog(h->prog[m], &f), XDP_DROP);
	}
}

#define HOOK_TEST(fn, h, hname)                                                             \
	{                                                                                   \
		.name = #fn "/" hname, .test_func = fn, .setup_func = setup,                \
		.teardown_func = teardown, .initial_state = (void *)&hooks[h],               \
	}

#define ALL_HOOKS(fn)                                                                       \
	HOOK_TEST(fn, H_XDP, "xdp"), HOOK_TEST(fn, H_TCI, "tc-in"), HOOK_TEST(fn, H_TCE, "tc-out")

int main(void)
{
	const struct CMUnitTest tests[] = {
		ALL_HOOKS(test_verdicts),
		ALL_HOOKS(test_vlan_options),
		ALL_HOOKS(test_not_classified),
		ALL_HOOKS(test_lpm),
		ALL_HOOKS(test_lpm_lengths),
		ALL_HOOKS(test_lpm_lengths6),
		cmocka_unit_test_setup_teardown(test_lpm_random, setup, teardown),
		cmocka_unit_test_setup_teardown(test_xdp_frags, setup, teardown),
		ALL_HOOKS(test_police),
		cmocka_unit_test_setup_teardown(test_police_dirs, setup, teardown),
		ALL_HOOKS(test_police_burst_change),
		cmocka_unit_test_setup_teardown(test_police_onecpu, setup, teardown),
		cmocka_unit_test_setup_teardown(test_police_multicpu, setup, teardown),
		cmocka_unit_test_setup_teardown(test_police_leases, setup, teardown),
		ALL_HOOKS(test_swap),
		cmocka_unit_test_setup_teardown(test_xdp_meta, setup, teardown),
	};

	return cmocka_run_group_tests_name("datapath", tests, group_setup, group_teardown);
}
