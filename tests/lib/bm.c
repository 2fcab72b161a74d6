// SPDX-License-Identifier: GPL-2.0
/* sluice: lookup benchmark and differential-test harness. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bm.h"
#include "frame.h"
#include "probe.h"
#include "state.h"
#include "sluice_bucket.h"
#include "table_build.h"
#include "bench.skel.h"

struct bm {
	struct bench_bpf *skel;
	int tmpl[2];
	__u64 bytes[2];
	__u32 nslots;
};

static __u64 rnd64(unsigned long long *s)
{
	/* splitmix64: fast, seedable, good enough for test data */
	__u64 z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static void rand_pfx(unsigned long long *s, int family, int plen, struct sl_pfx *p)
{
	__u64 a = rnd64(s), b = rnd64(s);

	memset(p, 0, sizeof(*p));
	p->family = family;
	p->plen = plen;
	memcpy(p->addr, &a, 8);
	memcpy(p->addr + 8, &b, 8);
	if (family == 4)
		memset(p->addr + 4, 0, 12);
	sl_pfx_mask(p);
}

int bm_gen(enum bm_mix mix, size_t n, unsigned int nclasses, unsigned int seed,
	   struct sl_pfx_vec *out)
{
	static const int v6_lens[] = { 32, 48, 48, 56, 64, 64, 64, 128, 128, 128 };
	unsigned long long s = seed * 0x2545f4914f6cdd1dull + 1;
	struct sl_pfx p;
	size_t i;
	int err;

	for (i = 0; i < n; i++) {
		__u64 r = rnd64(&s) % 1000;

		if (mix == BM_MIX_REALISTIC) {
			if (r < 850)
				rand_pfx(&s, 4, 32, &p);
			else if (r < 950)
				rand_pfx(&s, 4, 8 + rnd64(&s) % 24, &p);
			else
				rand_pfx(&s, 6, v6_lens[rnd64(&s) % 10], &p);
		} else {
			if (r < 800)
				rand_pfx(&s, 4, rnd64(&s) % 33, &p);
			else
				rand_pfx(&s, 6, rnd64(&s) % 129, &p);
		}
		p.class_id = 1 + rnd64(&s) % nclasses;
		err = sl_pfx_vec_push(out, &p);
		if (err)
			return err;
	}
	sl_pfx_resolve(out);
	return 0;
}

/* Fill a kernel LPM trie (the reference) with one family's prefixes. */
static int trie_fill(int fd, int family, const struct sl_pfx *p, size_t n)
{
	size_t ksz = family == 4 ? sizeof(struct sl_v4_key) : sizeof(struct sl_v6_key);
	size_t alen = family == 4 ? 4 : 16, i, done;
	struct sl_lpm_val *vals = calloc(n + 1, sizeof(*vals));
	char *keys = calloc(n + 1, ksz);
	int err = 0;

	if (!keys || !vals) {
		err = -ENOMEM;
		goto cleanup;
	}
	for (i = 0; i < n; i++) {
		struct sl_v6_key *k = (struct sl_v6_key *)(keys + i * ksz);

		k->prefixlen = p[i].plen;
		memcpy(k->addr, p[i].addr, alen);
		vals[i].class_id = p[i].class_id;
		vals[i].prefixlen = p[i].plen;
	}
	for (done = 0; done < n;) {
		__u32 count = n - done > 65536 ? 65536 : n - done;

		if (bpf_map_update_batch(fd, keys + done * ksz, vals + done, &count, NULL)) {
			err = -errno;
			goto cleanup;
		}
		done += count;
	}
cleanup:
	free(keys);
	free(vals);
	return err;
}

static int swap_tables(struct bm *b, const struct sl_pfx_vec *pfx, size_t *split_out)
{
	struct sl_built built[2] = { { -1, 0 }, { -1, 0 } };
	size_t split = 0;
	__u32 zero = 0;
	int f, err = 0;

	while (split < pfx->n && pfx->v[split].family == 4)
		split++;
	err = sl_build_v4(pfx->v, split, &built[0]);
	if (!err)
		err = sl_build_v6(pfx->v + split, pfx->n - split, &built[1]);
	if (!err) {
		/* the counts the datapath reads, as a swap by the CLI leaves them */
		struct sl_state st = { .n_v4 = split, .n_v6 = pfx->n - split };

		if (bpf_map_update_elem(bpf_map__fd(b->skel->maps.sl_state), &zero, &st, BPF_ANY))
			err = -errno;
	}
	for (f = 0; f < 2 && !err; f++) {
		int outer = bpf_map__fd(f ? b->skel->maps.sl_v6 : b->skel->maps.sl_v4);

		err = sl_table_install(outer, bpf_map__fd(b->skel->maps.sl_present), f ? 6 : 4,
				       built[f].fd);
		b->bytes[f] = built[f].bytes;
	}
	for (f = 0; f < 2; f++)
		if (built[f].fd >= 0)
			close(built[f].fd);
	*split_out = split;
	return err;
}

int bm_swap_tables(struct bm *b, const struct sl_pfx_vec *pfx)
{
	size_t split;

	return swap_tables(b, pfx, &split);
}

static int load_tables(struct bm *b, const struct sl_pfx_vec *pfx)
{
	size_t split;
	int f, err, trie;

	err = swap_tables(b, pfx, &split);
	if (err)
		return err;

	/* The reference tries, filled with batch updates. */
	for (f = 0; f < 2 && !err; f++) {
		trie = bpf_map__fd(f ? b->skel->maps.bm_trie6 : b->skel->maps.bm_trie4);
		err = f ? trie_fill(trie, 6, pfx->v + split, pfx->n - split) :
			  trie_fill(trie, 4, pfx->v, split);
	}
	return err;
}

struct bm *bm_open(const struct sl_pfx_vec *pfx)
{
	return bm_open_slots(pfx, 1);
}

struct bm *bm_open_slots(const struct sl_pfx_vec *pfx, __u32 nslots)
{
	struct bm *b = calloc(1, sizeof(*b));
	size_t n4 = 0, i;
	struct sl_built e;

	if (!b)
		return NULL;
	b->tmpl[0] = b->tmpl[1] = -1;
	for (i = 0; i < pfx->n; i++)
		n4 += pfx->v[i].family == 4;
	b->skel = bench_bpf__open();
	if (!b->skel)
		goto fail;
	bpf_map__set_max_entries(b->skel->maps.bm_trie4, n4 + 1);
	bpf_map__set_max_entries(b->skel->maps.bm_trie6, pfx->n - n4 + 1);
	bpf_map__set_max_entries(b->skel->maps.bm_slots, nslots ? nslots : 1);
	b->nslots = nslots ? nslots : 1;
	for (i = 0; i < 2; i++) {
		if ((i ? sl_build_v6(NULL, 0, &e) : sl_build_v4(NULL, 0, &e)))
			goto fail;
		b->tmpl[i] = e.fd;
	}
	bpf_map__set_inner_map_fd(b->skel->maps.sl_v4, b->tmpl[0]);
	bpf_map__set_inner_map_fd(b->skel->maps.sl_v6, b->tmpl[1]);
	if (bench_bpf__load(b->skel))
		goto fail;
	if (load_tables(b, pfx))
		goto fail;
	return b;
fail:
	bm_close(b);
	return NULL;
}

int bm_touch_prog(struct bm *b, bool on)
{
	b->skel->bss->nslots = on ? b->nslots : 0;
	return bpf_program__fd(b->skel->progs.bm_xdp_touch);
}

void bm_close(struct bm *b)
{
	if (!b)
		return;
	bench_bpf__destroy(b->skel);
	if (b->tmpl[0] >= 0)
		close(b->tmpl[0]);
	if (b->tmpl[1] >= 0)
		close(b->tmpl[1]);
	free(b);
}

int bm_set_addrs(struct bm *b, const struct sl_pfx *a, size_t n)
{
	int fd = bpf_map__fd(b->skel->maps.bm_addrs);
	struct sl_v6_key *vals;
	__u32 *keys, c;
	size_t i;
	int err = 0;

	if (n > BM_MAX_ADDRS)
		return -E2BIG;
	keys = calloc(n + 1, sizeof(*keys));
	vals = calloc(n + 1, sizeof(*vals));
	if (!keys || !vals) {
		err = -ENOMEM;
		goto out;
	}
	for (i = 0; i < n; i++) {
		keys[i] = i;
		memcpy(vals[i].addr, a[i].addr, 16);
	}
	c = n;
	if (n && bpf_map_update_batch(fd, keys, vals, &c, NULL))
		err = -errno;
out:
	free(keys);
	free(vals);
	return err;
}

int bm_run(struct bm *b, enum bm_mode mode, __u32 start, __u32 count, __u32 repeat, double *ns)
{
	unsigned char frame[64] = {};
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame, .data_size_in = sizeof(frame),
		    .repeat = repeat);

	b->skel->bss->mode = mode;
	b->skel->bss->start = start;
	b->skel->bss->count = count;
	b->skel->bss->mismatches = 0;
	if (bpf_prog_test_run_opts(bpf_program__fd(b->skel->progs.bm_run), &opts))
		return -errno;
	if (opts.retval != XDP_PASS)
		return -EIO;
	if (ns)
		*ns = opts.duration;
	return 0;
}

static int prog_fd(struct bm *b, enum bm_prog prog)
{
	struct bpf_program *progs[] = {
		[BM_PROG_PASS] = b->skel->progs.bm_xdp_pass,
		[BM_PROG_TRIE] = b->skel->progs.bm_xdp_trie,
		[BM_PROG_SLUICE] = b->skel->progs.bm_xdp_sluice,
		[BM_PROG_FLOOR] = b->skel->progs.bm_xdp_floor,
	};

	return bpf_program__fd(progs[prog]);
}

/* Run fd on a frame to addr, repeat times; *ns: the kernel's mean per run. */
static int run_frame(int fd, const struct sl_pfx *addr, __u32 repeat, __u32 *ns)
{
	/* As `sluice lookup` frames them: two bytes in, an aligned IP header. */
	__u8 buf[2 + SL_FRAME_HDR_MAX] __attribute__((aligned(4)));
	struct sl_frame f = { .family = addr->family };
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = buf + 2, .repeat = repeat);
	int len;

	memcpy(f.dst, addr->addr, sizeof(f.dst));
	len = sl_frame_build(&f, buf + 2, sizeof(buf) - 2);
	if (len < 0)
		return len;
	opts.data_size_in = len;
	if (bpf_prog_test_run_opts(fd, &opts))
		return -errno;
	if (opts.retval != XDP_PASS && opts.retval != XDP_DROP)
		return -EIO;
	*ns = opts.duration;
	return 0;
}

int bm_run_frames(struct bm *b, enum bm_prog prog, const struct sl_pfx *addrs, size_t n,
		  double *ns)
{
	int fd = prog_fd(b, prog);
	__u64 total = 0;
	size_t i;
	__u32 d;
	int err;

	for (i = 0; i < n; i++) {
		err = run_frame(fd, &addrs[i], 1, &d);
		if (err)
			return err;
		total += d;
	}
	*ns = n ? (double)total / n : 0;
	return 0;
}

int bm_run_hot(struct bm *b, enum bm_prog prog, const struct sl_pfx *addr, __u32 repeat,
	       double *ns)
{
	__u32 d;
	int err = run_frame(prog_fd(b, prog), addr, repeat, &d);

	*ns = d;
	return err;
}

int bm_set_class(struct bm *b, __u32 id, __u32 policy, __u64 rate, __u64 burst)
{
	struct sl_class c = { .flags = SL_CLASS_USED, .policy = policy };
	struct sl_bucket_line l = {};
	int d, ncpu = libbpf_num_possible_cpus();
	__u32 key;

	for (d = 0; d < SL_DIR_MAX; d++) {
		c.rate[d] = rate;
		c.burst[d] = burst;
		sl_bucket_param(policy == SL_POLICY_POLICE ? rate : 0, burst, &c.police[d]);
		sl_bucket_lease_param(&c.police[d], burst, ncpu);
		key = id * SL_DIR_MAX + d;
		if (bpf_map_update_elem(bpf_map__fd(b->skel->maps.sl_buckets), &key, &l, BPF_ANY))
			return -errno;
	}
	if (bpf_map_update_elem(bpf_map__fd(b->skel->maps.sl_classes), &id, &c, BPF_ANY))
		return -errno;
	return 0;
}

__u64 bm_mismatches(struct bm *b, __u32 *first, __u32 *ours, __u32 *ref)
{
	*first = b->skel->bss->first_bad;
	*ours = b->skel->bss->bad_ours;
	*ref = b->skel->bss->bad_ref;
	return b->skel->bss->mismatches;
}

int bm_present(struct bm *b, int family, struct sl_present *out)
{
	__u32 key = family == 6;

	return bpf_map_lookup_elem(bpf_map__fd(b->skel->maps.sl_present), &key, out) ? -errno : 0;
}

void bm_memory(struct bm *b, __u64 *sluice4, __u64 *sluice6, __u64 *trie4, __u64 *trie6)
{
	*sluice4 = b->bytes[0];
	*sluice6 = b->bytes[1];
	*trie4 = sl_map_memory(bpf_map__fd(b->skel->maps.bm_trie4));
	*trie6 = sl_map_memory(bpf_map__fd(b->skel->maps.bm_trie6));
}
