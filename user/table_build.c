// SPDX-License-Identifier: GPL-2.0
/*
 * Building the datapath's prefix tables (layout in include/sluice.h and
 * docs/architecture.md) from a sorted, unique list of prefixes with their
 * classes. A table is a fresh BPF array map, written through mmap, so that
 * building it costs memory bandwidth rather than one syscall per prefix.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <arpa/inet.h>
#include <bpf/bpf.h>

#include "table_build.h"
#include "util.h"

static size_t map_bytes(__u32 value_size, __u32 nelem)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t sz = (size_t)nelem * ((value_size + 7) & ~7u);

	return (sz + page - 1) / page * page;
}

int sl_table_map_create(__u32 value_size, __u32 nelem, void **mem)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = BPF_F_INNER_MAP | BPF_F_MMAPABLE);
	void *m;
	int fd;

	fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "sl_table", sizeof(__u32), value_size,
			    nelem ? nelem : 1, &opts);
	if (fd < 0)
		return -errno;
	if (!mem)
		return fd;
	m = mmap(NULL, map_bytes(value_size, nelem ? nelem : 1), PROT_READ | PROT_WRITE,
		 MAP_SHARED, fd, 0);
	if (m == MAP_FAILED) {
		int err = -errno;

		close(fd);
		return err;
	}
	*mem = m;
	return fd;
}

static __u32 bits_for(size_t n)
{
	__u32 bits = 2;

	while (bits < 31 && ((size_t)1 << bits) < 2 * n)
		bits++;
	return bits;
}

/*
 * The host hash: slots of two words (address, entry), built in a buffer of
 * its own so that it can be built beside the nodes, by a second thread,
 * then copied into the table. 1/4 to 1/2 full: a miss in a /24 with hosts
 * probes 1.4-2.5 slots, 8 to a cache line, and the hash takes 8-16 bytes a
 * host. Grown until no host is more than SL_MAX_PROBES slots from home.
 */
struct hash4 {
	const struct sl_pfx *v;
	size_t n, nhosts;
	__u32 bits, *slots; /* 2 << bits words */
	int probes, err;
	struct sl_spare *spare; /* a map made ahead: the hash is first tried at its end */
	bool in_spare;		/* slots lie there, not in a buffer of their own */
};

/* A host as the hash holds it, and how many bits of its home order the inserts. */
struct host4 {
	__u32 a, e;
};

#define HASH4_PART_BITS 8

/*
 * Insert the hosts into 2^bits slots: the longest probe, or -1. They are
 * put in order of the top bits of their home first (in list order among
 * equal ones), so that the inserts fill the hash a 1/256 of it after the
 * other, in cache, instead of at random over all of it: a cache miss a host
 * took 17-70 ms for 850K hosts. Linear probing finds a host from its home
 * whatever the order of the inserts; in order of home, fewer hosts are far
 * from it. The last 1/256 goes first: the hosts that run past the end into
 * the first slots are then nearer their home than those homed there.
 */
static int fill_hash4(struct hash4 *hs, struct host4 *by, bool zeroed)
{
	__u32 pbits = hs->bits < HASH4_PART_BITS ? hs->bits : HASH4_PART_BITS;
	__u32 mask = (1u << hs->bits) - 1, h, *slot, start[1u << HASH4_PART_BITS] = { 0 };
	__u32 k, sum = 0;
	int worst = 1, j;
	size_t i;

	for (i = 0; i < hs->n; i++)
		if (hs->v[i].plen == 32)
			start[sl_hash32(sl_pfx_addr4(&hs->v[i]), pbits)]++;
	for (k = 0; k < 1u << pbits; k++) {
		__u32 b = (k + (1u << pbits) - 1) & ((1u << pbits) - 1), c = start[b];

		start[b] = sum;
		sum += c;
	}
	for (i = 0; i < hs->n; i++) {
		const struct sl_pfx *p = &hs->v[i];
		__u32 a = sl_pfx_addr4(p);

		if (p->plen == 32)
			by[start[sl_hash32(a, pbits)]++] = (struct host4){ a, SL_E_MAKE(p->class_id, 32) };
	}
	if (!zeroed)
		memset(hs->slots, 0, (size_t)8 << hs->bits);
	for (i = 0; i < hs->nhosts; i++) {
		h = sl_hash32(by[i].a, hs->bits);
		for (j = 0;; j++) {
			slot = hs->slots + 2 * ((h + j) & mask);
			if (!(slot[1] & SL_E_VALID))
				break;
			if (j + 1 >= SL_MAX_PROBES)
				return -1;
		}
		slot[0] = by[i].a;
		slot[1] = by[i].e;
		if (j + 1 > worst)
			worst = j + 1;
	}
	return worst;
}

static bool spare_wait(struct sl_spare *s);

/*
 * The hash at the end of the map made ahead, which the kernel zeroed while
 * the lists were stored: no buffer to fault in, zero and copy (16 MiB for
 * 850K hosts). The build takes it there if the nodes end before it; else
 * it copies it from there. A hash that has to grow goes to a buffer.
 */
static bool hash4_in_spare(struct hash4 *hs, struct host4 *by)
{
	struct sl_spare *sp = hs->spare;
	size_t words = (size_t)2 << hs->bits;

	if (!sp || !spare_wait(sp) || (size_t)sp->nelem * SL_T4_ELEM_WORDS < SL_T4_NODE_OFF + words)
		return false;
	hs->slots = (__u32 *)sp->mem + (size_t)sp->nelem * SL_T4_ELEM_WORDS - words;
	hs->in_spare = true;
	hs->probes = fill_hash4(hs, by, true);
	if (hs->probes > 0)
		return true;
	/* the spare may yet hold the table: zeroed again */
	memset(hs->slots, 0, words * sizeof(__u32));
	hs->slots = NULL;
	hs->in_spare = false;
	hs->bits++;
	return false;
}

static void *hash4_run(void *arg)
{
	struct hash4 *hs = arg;
	struct host4 *by = sl_big_alloc(hs->nhosts * sizeof(*by));

	if (!by) {
		hs->err = -ENOMEM;
		return NULL;
	}
	hs->bits = bits_for(hs->nhosts);
	if (hash4_in_spare(hs, by)) {
		free(by);
		return NULL;
	}
	for (;; hs->bits++) {
		free(hs->slots);
		hs->slots = sl_big_alloc((size_t)8 << hs->bits);
		if (!hs->slots) {
			hs->err = -ENOMEM;
			break;
		}
		hs->probes = fill_hash4(hs, by, false);
		if (hs->probes > 0)
			break;
		if (hs->bits >= 30) {
			hs->err = -E2BIG;
			break;
		}
	}
	free(by);
	return NULL;
}

/*
 * IPv4 levels: the directory resolves lengths 0-16 on bits 31-16, nodes of
 * the second level 17-24 on bits 15-8, of the third 25-31 on bits 7-0.
 * Prefixes come sorted by address then length, so a prefix is painted
 * before the ones nested in it and each later one overwrites its share.
 */
static void paint4(__u32 *slots, const struct sl_pfx *p, int level_end)
{
	__u32 first = sl_pfx_addr4(p) >> (32 - level_end) & ((1u << (level_end == 16 ? 16 : 8)) - 1);
	__u32 count = 1u << (level_end - p->plen), j;

	for (j = 0; j < count; j++)
		slots[first + j] = SL_E_MAKE(p->class_id, p->plen);
}

/*
 * The slots of a node where a run may start: a bit for each. Only these
 * change what the slot before holds, so a node is compressed from them
 * rather than from a pass over its 256 slots.
 */
struct v4_starts {
	__u64 bm[4];
};

static void start_at(struct v4_starts *st, __u32 pos)
{
	if (pos < 256)
		st->bm[pos / 64] |= 1ull << (pos % 64);
}

/* paint4() within a node, and the two slots where the paint may start or end a run. */
static void paint_node(__u32 *slots, struct v4_starts *st, const struct sl_pfx *p, int level_end)
{
	__u32 first = sl_pfx_addr4(p) >> (32 - level_end) & 0xff;

	paint4(slots, p, level_end);
	start_at(st, first);
	start_at(st, first + (1u << (level_end - p->plen)));
}

/* A slot that was changed on its own. */
static void start_one(struct v4_starts *st, __u32 pos)
{
	start_at(st, pos);
	start_at(st, pos + 1);
}

struct v4_nodes {
	__u32 *w;	/* SL_T4_NODE_WORDS a node */
	size_t n, cap;
	__u32 *leaves;	/* leaves of nodes with more than SL_T4_N_INLINE_MAX runs */
	size_t nleaves, leaves_cap;
};

/* Out-of-line leaf indexes are relative to the leaf area until it is placed. */
#define LEAF_REL (1u << 31)

static int grow(void **v, size_t *cap, size_t need, size_t size)
{
	size_t ncap = *cap ? *cap : 1024;
	void *nv;

	if (need <= *cap)
		return 0;
	while (ncap < need)
		ncap *= 2;
	nv = sl_big_grow(*v, *cap * size, ncap * size);
	if (!nv)
		return -ENOMEM;
	*v = nv;
	*cap = ncap;
	return 0;
}

/* A node's 256 slots as runs: a bit where each starts, and its entry. */
struct v4_runs {
	__u64 bm[4];
	__u32 run[256];
	__u32 n;
};

/* Slot pos starts a run of val, unless the run before has the same entry. */
static void run_at(struct v4_runs *r, __u32 pos, __u32 val)
{
	if (r->n && r->run[r->n - 1] == val)
		return;
	r->bm[pos / 64] |= 1ull << (pos % 64);
	r->run[r->n++] = val;
}

/* Store runs as a new node; returns SL_E_NODE | index, or 0. */
static __u32 node_put(struct v4_nodes *nd, const struct v4_runs *r)
{
	__u32 *w, bases = 0, i, idx;

	for (i = 1; i < 4; i++)
		bases |= ((bases >> (8 * (i - 1)) & 0xff) + __builtin_popcountll(r->bm[i - 1]))
			 << (8 * i);
	if (nd->n >= SL_E_NODE_IDX(~0u) ||
	    grow((void **)&nd->w, &nd->cap, (nd->n + 1) * SL_T4_NODE_WORDS, sizeof(__u32)))
		return 0;
	idx = nd->n++;
	w = nd->w + (size_t)idx * SL_T4_NODE_WORDS;
	memset(w, 0, SL_T4_NODE_WORDS * sizeof(*w));
	w[SL_T4_N_BASES] = bases;
	memcpy(w + SL_T4_N_BITMAP, r->bm, sizeof(r->bm));
	if (r->n <= SL_T4_N_INLINE_MAX) {
		w[SL_T4_N_LEAVES] = SL_T4_NODE_OFF + idx * SL_T4_NODE_WORDS + SL_T4_N_INLINE;
		memcpy(w + SL_T4_N_INLINE, r->run, r->n * sizeof(*r->run));
	} else {
		if (grow((void **)&nd->leaves, &nd->leaves_cap, nd->nleaves + r->n,
			 sizeof(__u32)))
			return 0;
		w[SL_T4_N_LEAVES] = LEAF_REL | nd->nleaves;
		memcpy(nd->leaves + nd->nleaves, r->run, r->n * sizeof(*r->run));
		nd->nleaves += r->n;
	}
	return SL_E_NODE | idx;
}

/*
 * Compress 256 slots into a new node, given every slot after the first
 * where a run may start; returns SL_E_NODE | index, or 0.
 */
static __u32 node_add(struct v4_nodes *nd, const __u32 slots[256], const struct v4_starts *st)
{
	struct v4_runs r;
	__u32 w, pos;

	memset(r.bm, 0, sizeof(r.bm));
	r.n = 0;
	for (w = 0; w < 4; w++)
		for (__u64 m = st->bm[w] | !w; m; m &= m - 1) {
			pos = w * 64 + __builtin_ctzll(m);
			run_at(&r, pos, slots[pos]);
		}
	return node_put(nd, &r);
}

/*
 * The node of a /16 that holds hosts only (most of a large feed's): base
 * everywhere, the host flag on their /24s, built from the hosts without
 * painting 256 slots.
 */
static __u32 node_hosts(struct v4_nodes *nd, __u32 base, const struct sl_pfx *v, size_t n)
{
	__u32 pos = 0, s;
	struct v4_runs r;
	size_t i;

	memset(r.bm, 0, sizeof(r.bm));
	r.n = 0;
	for (i = 0; i < n; i++) {
		s = sl_pfx_addr4(&v[i]) >> 8 & 0xff;
		if (s < pos)
			continue; /* another host of the same /24 */
		if (s > pos)
			run_at(&r, pos, base);
		run_at(&r, s, base | SL_E_HOSTS);
		pos = s + 1;
	}
	if (pos < 256)
		run_at(&r, pos, base);
	return node_put(nd, &r);
}

/*
 * The node of one /16's longer prefixes, v[0..n) (all of length 17-32):
 * /17-/24 painted over the /16's own entry, a third-level node for each /24
 * with /25-/31 prefixes, and the host flag on each /24 with hosts.
 */
static __u32 node16(struct v4_nodes *nd, __u32 base, const struct sl_pfx *v, size_t n)
{
	struct v4_starts s2 = { { 0 } }, s3;
	__u32 l2[256], l3[256], j;
	size_t i, k, m;
	int longer;

	for (i = 0; i < n && v[i].plen == 32; i++)
		;
	if (i == n)
		return node_hosts(nd, base, v, n);

	for (j = 0; j < 256; j++)
		l2[j] = base;
	for (i = 0; i < n; i++)
		if (v[i].plen <= 24)
			paint_node(l2, &s2, &v[i], 24);
	/* a /24's prefixes are contiguous (sorted by address) */
	for (i = 0; i < n; i = k) {
		__u32 s24 = sl_pfx_addr4(&v[i]) >> 8 & 0xff;

		longer = 0;
		for (k = i; k < n && (sl_pfx_addr4(&v[k]) >> 8 & 0xff) == s24; k++)
			longer |= v[k].plen > 24 && v[k].plen < 32;
		/* most /24s hold hosts only: no third level to fill */
		if (longer) {
			for (j = 0; j < 256; j++)
				l3[j] = l2[s24];
			s3 = (struct v4_starts){ { 0 } };
			for (m = i; m < k; m++)
				if (v[m].plen > 24 && v[m].plen < 32)
					paint_node(l3, &s3, &v[m], 32);
			l2[s24] = node_add(nd, l3, &s3);
			if (!l2[s24])
				return 0;
			start_one(&s2, s24);
		}
	}
	for (i = 0; i < n; i++)
		if (v[i].plen == 32) {
			l2[sl_pfx_addr4(&v[i]) >> 8 & 0xff] |= SL_E_HOSTS;
			start_one(&s2, sl_pfx_addr4(&v[i]) >> 8 & 0xff);
		}
	return node_add(nd, l2, &s2);
}

/* The directory, and the nodes of every /16 with longer prefixes or hosts. */
static int build_nodes4(__u32 *dir, struct v4_nodes *nd, const struct sl_pfx *v, size_t n)
{
	size_t i, k;

	memset(dir, 0, SL_T4_DIR_SIZE * sizeof(*dir));
	for (i = 0; i < n; i++)
		if (v[i].plen <= 16)
			paint4(dir, &v[i], 16);
	for (i = 0; i < n; i = k) {
		__u32 s16 = sl_pfx_addr4(&v[i]) >> 16;

		if (v[i].plen <= 16) {
			k = i + 1;
			continue;
		}
		/* a /16's longer prefixes are contiguous: shorter ones sort first */
		for (k = i; k < n && sl_pfx_addr4(&v[k]) >> 16 == s16; k++)
			;
		dir[s16] = node16(nd, dir[s16], v + i, k - i);
		if (!dir[s16])
			return -ENOMEM;
	}
	return 0;
}

/* Summaries of the /16s (both families): set code k of a run of code words. */
static void summary_code(__u32 *codes, __u32 k, __u32 code)
{
	codes[k / 16] |= code << (k % 16 * 2);
}

/*
 * A summary element's entry: the majority vote (Boyer-Moore, one pass) of
 * the entries e[0..n) its /16s could answer with (0: none). That is the
 * commonest when one holds most of them, as long runs of one short prefix
 * do; any choice is correct, a common one saves directory reads.
 */
static __u32 summary_entry(const __u32 *e, __u32 n)
{
	__u32 k, best = 0, votes = 0;

	for (k = 0; k < n; k++) {
		if (!e[k])
			continue;
		if (!votes)
			best = e[k];
		votes += e[k] == best ? 1 : -1;
	}
	return best;
}

/*
 * The IPv4 summary, from the directory: SL_SUM_NONE where its word is 0;
 * SL_SUM_ENTRY for a word that is the element's entry; SL_SUM_NEAR, with
 * the word kept in the element, for the first SL_T4_SUM_NEAR_MAX others;
 * SL_SUM_DIR for the rest.
 */
static void fill_summary4(__u32 *t, const __u32 *dir)
{
	__u32 j, k, best, near, code, e[SL_T4_SUM_PER_ELEM], *el;

	for (j = 0; j < SL_T4_SUM_ELEMS; j++) {
		const __u32 *d = dir + j * SL_T4_SUM_PER_ELEM;

		el = t + (SL_T4_SUM + j) * SL_T4_ELEM_WORDS;
		for (k = 0; k < SL_T4_SUM_PER_ELEM; k++)
			e[k] = d[k] & SL_E_NODE ? 0 : d[k];
		best = el[SL_T4_SUM_ENTRY] = summary_entry(e, SL_T4_SUM_PER_ELEM);
		for (near = 0, k = 0; k < SL_T4_SUM_PER_ELEM; k++) {
			if (!d[k])
				continue;
			if (d[k] == best) {
				code = SL_SUM_ENTRY;
			} else if (near < SL_T4_SUM_NEAR_MAX) {
				el[SL_T4_SUM_NEAR + near++] = d[k];
				code = SL_SUM_NEAR;
			} else {
				code = SL_SUM_DIR;
			}
			summary_code(el, k, code);
		}
	}
}

static void *spare_run(void *arg)
{
	struct sl_spare *s = arg;

	s->fd = sl_table_map_create(sizeof(struct sl_t4_elem), s->nelem, &s->mem);
	return NULL;
}

void sl_spare_start(struct sl_spare *s, __u32 nelem)
{
	memset(s, 0, sizeof(*s));
	s->nelem = nelem;
	s->running = !sl_thread_start(&s->thr, spare_run, s);
}

void sl_spare_drop(struct sl_spare *s)
{
	if (s->running)
		pthread_join(s->thr, NULL);
	s->running = false;
	if (s->mem) {
		munmap(s->mem, map_bytes(sizeof(struct sl_t4_elem), s->nelem));
		close(s->fd);
	}
	s->mem = NULL;
}

/* Wait for the spare map: true when there is one. */
static bool spare_wait(struct sl_spare *s)
{
	if (s->running)
		pthread_join(s->thr, NULL);
	s->running = false;
	return s->mem;
}

/* The spare map, mapped in *mem, when *nelem fit in it: its fd; else -ENOENT. */
static int spare_take(struct sl_spare *s, __u32 *nelem, void **mem)
{
	int fd;

	/* it fits, with at most 1/16 left */
	if (!s || !spare_wait(s) || s->nelem < *nelem || s->nelem - *nelem > s->nelem / 16)
		return -ENOENT;
	fd = s->fd;
	*nelem = s->nelem;
	*mem = s->mem;
	s->mem = NULL;
	return fd;
}

int sl_build_v4(const struct sl_pfx *v, size_t n, struct sl_built *out)
{
	return sl_build_v4_spare(v, n, NULL, out);
}

int sl_build_v4_spare(const struct sl_pfx *v, size_t n, struct sl_spare *spare,
		      struct sl_built *out)
{
	struct hash4 hs = { .v = v, .n = n, .spare = spare };
	struct v4_nodes nd = { 0 };
	__u32 words, nelem, content, leaf_off = 0, hash_off = 0, at, *t, *dir = NULL;
	size_t i;
	int fd, err;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < n; i++)
		hs.nhosts += v[i].plen == 32;
	words = SL_T4_HDR;
	if (n) {
		/* the hosts' hash beside the nodes (inline when no thread can start) */
		pthread_t thr;
		bool threaded = hs.nhosts && !sl_thread_start(&thr, hash4_run, &hs);

		dir = malloc(SL_T4_DIR_SIZE * sizeof(*dir));
		err = dir ? build_nodes4(dir, &nd, v, n) : -ENOMEM;
		if (threaded)
			pthread_join(thr, NULL);
		else if (hs.nhosts)
			hash4_run(&hs);
		if (!err)
			err = hs.err;
		if (err)
			goto out;
		_Static_assert(SL_T4_NODE_OFF % 16 == 0, "nodes are cache lines");
		if (SL_T4_NODE_OFF + nd.n * SL_T4_NODE_WORDS + nd.nleaves + ((size_t)2 << hs.bits) >
		    1u << 30) {
			err = -E2BIG;
			goto out;
		}
		leaf_off = SL_T4_NODE_OFF + nd.n * SL_T4_NODE_WORDS;
		/* even, so that a hash slot lies in one element (bpf/classify.h) */
		hash_off = (leaf_off + nd.nleaves + 1) & ~1u;
		words = hash_off + (hs.nhosts ? 2u << hs.bits : 0);
	}

	/* 16 words per 64-byte element (struct sl_t4_elem) */
	nelem = content = (words + SL_T4_ELEM_WORDS - 1) / SL_T4_ELEM_WORDS;
	/* a hash built at the spare's end stays there, if the nodes end before it */
	at = hs.in_spare ? hs.slots - (__u32 *)spare->mem : 0;
	fd = hs.in_spare && leaf_off + nd.nleaves > at ? -ENOENT :
							  spare_take(spare, &nelem, (void **)&t);
	if (fd >= 0 && hs.in_spare)
		hash_off = at;
	if (fd < 0)
		fd = sl_table_map_create(sizeof(struct sl_t4_elem), nelem, (void **)&t);
	if (fd < 0) {
		err = fd;
		goto out;
	}
	t[SL_T4_W_MAGIC] = SL_T4_MAGIC;
	t[SL_T4_W_USED] = content;
	if (n) {
		t[SL_T4_W_HASH_OFF] = hash_off;
		t[SL_T4_W_HASH_BITS] = hs.bits; /* 0: no hosts */
		t[SL_T4_W_HASH_PROBES] = hs.probes;
		memcpy(t + SL_T4_DIR_OFF, dir, SL_T4_DIR_SIZE * sizeof(*dir));
		fill_summary4(t, dir);
		for (i = 0; i < nd.n; i++) {
			__u32 *w = nd.w + i * SL_T4_NODE_WORDS;

			if (w[SL_T4_N_LEAVES] & LEAF_REL)
				w[SL_T4_N_LEAVES] = leaf_off + (w[SL_T4_N_LEAVES] & ~LEAF_REL);
		}
		if (nd.n)
			memcpy(t + SL_T4_NODE_OFF, nd.w, nd.n * SL_T4_NODE_WORDS * sizeof(__u32));
		if (nd.nleaves)
			memcpy(t + leaf_off, nd.leaves, nd.nleaves * sizeof(__u32));
	}
	/* the hosts (their /24s are flagged in the nodes), unless built in place */
	if (hs.nhosts && t + hash_off != hs.slots)
		memcpy(t + hash_off, hs.slots, (size_t)8 << hs.bits);
	munmap(t, map_bytes(sizeof(struct sl_t4_elem), nelem));
	out->fd = fd;
	out->bytes = (__u64)nelem * sizeof(struct sl_t4_elem);
	err = 0;
out:
	if (!hs.in_spare)
		free(hs.slots);
	free(dir);
	free(nd.w);
	free(nd.leaves);
	return err;
}

/*
 * Paint the 2^dir_bits directory words with the longest prefix shorter than
 * dir_bits that covers each: prefixes sorted by address then length, so each later
 * one overwrites its share of the one it is nested in.
 */
static void fill_short6(__u32 *dir, const struct sl_pfx *v, size_t n, __u32 dir_bits)
{
	__u32 s, count, j, w0;
	size_t i;

	for (i = 0; i < n; i++) {
		if (v[i].plen >= dir_bits)
			continue;
		memcpy(&w0, v[i].addr, 4);
		s = ntohl(w0) >> (32 - dir_bits);
		count = 1u << (dir_bits - v[i].plen);
		for (j = 0; j < count; j++)
			dir[s + j] = SL_E_MAKE(v[i].class_id, v[i].plen);
	}
}

/*
 * The summary: in each element the header's words and a code per /16. A
 * /16 that no prefix covers or lies in is SL_SUM_NONE. One that only
 * prefixes shorter than /16 cover answers alike for all its addresses:
 * SL_SUM_ENTRY when its entry is the element's (summary_entry() of such
 * entries among the element's /16s), else SL_SUM_DIR like every other /16.
 * dir: the directory words painted with the prefixes shorter than dir_bits.
 */
static int fill_summary6(struct sl_t6_elem *t6, const struct sl_pfx *v, size_t n,
			 const __u32 *dir, __u32 dir_bits, __u32 blocks, __u32 nlens)
{
	__u8 *st = n ? calloc(1u << 16, 1) : NULL; /* 1: covered, 2: holds prefixes */
	__u32 j, k, t, s, w0, e[SL_T6_SUM_PER_ELEM], best;
	size_t i;

	if (n && !st)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		memcpy(&w0, v[i].addr, 4);
		s = ntohl(w0) >> 16;
		if (v[i].plen >= 16)
			st[s] |= 2;
		for (j = 0; v[i].plen < 16 && j < 1u << (16 - v[i].plen); j++)
			st[s + j] |= 1;
	}
	for (j = 0; j < SL_T6_SUM_ELEMS; j++) {
		struct sl_t6_elem *el = &t6[SL_T6_SUM + j];

		el->w[SL_T6_M_DIR_BITS] = dir_bits;
		el->w[SL_T6_M_BLOCKS] = blocks;
		el->w[SL_T6_M_NLENS] = nlens;
		if (!n)
			continue;
		/* the entries of the /16s that only short prefixes cover (0: none) */
		for (k = 0; k < SL_T6_SUM_PER_ELEM; k++) {
			t = j * SL_T6_SUM_PER_ELEM + k;
			e[k] = st[t] == 1 ? dir[t << (dir_bits - 16)] : 0;
		}
		best = el->w[SL_T6_M_ENTRY] = summary_entry(e, SL_T6_SUM_PER_ELEM);
		for (k = 0; k < SL_T6_SUM_PER_ELEM; k++) {
			t = j * SL_T6_SUM_PER_ELEM + k;
			if (st[t])
				summary_code(el->w + SL_T6_M_CODES, k,
					     e[k] && e[k] == best ? SL_SUM_ENTRY : SL_SUM_DIR);
		}
	}
	free(st);
	return 0;
}

/*
 * IPv6 hashes have this many home slots per 100 prefixes: about 70% full.
 * Their slots hold the prefixes in order of home, so that a miss stops at
 * the first slot whose prefix's home lies past its own.
 */
#define T6_SLOTS_PCT 143

struct hash6 {
	__u32 off;    /* element of slot 0 */
	__u32 nslots; /* home slots */
	__u32 span;   /* slots used, home and overflow */
	__u32 probes; /* longest distance from home + 1 */
};

/*
 * Place the k prefixes of one length, v[idx[0..k)], in a hash of h->nslots
 * home slots in order of home (a counting sort keeps the order of v among
 * equal homes): pos[idx[i]] gets the slot. Returns 0, 1 when a distance
 * would reach SL_T6_MAX_PROBES, or -ENOMEM.
 */
static int place6(const struct sl_pfx *v, const __u32 *idx, size_t k, struct hash6 *h,
		  __u32 *home, __u32 *pos)
{
	__u32 *first = calloc((size_t)h->nslots + 1, sizeof(*first)), *order, next = 0, w[4];
	size_t i;

	order = malloc(k * sizeof(*order));
	if (!first || !order) {
		free(first);
		free(order);
		return -ENOMEM;
	}
	for (i = 0; i < k; i++) {
		memcpy(w, v[idx[i]].addr, 16);
		home[i] = sl_home6(w, h->nslots);
		first[home[i] + 1]++;
	}
	for (i = 0; i < h->nslots; i++)
		first[i + 1] += first[i];
	for (i = 0; i < k; i++)
		order[first[home[i]]++] = (__u32)i;
	h->probes = 1;
	for (i = 0; i < k; i++) {
		__u32 hm = home[order[i]], p = next > hm ? next : hm;

		if (p - hm + 1 > SL_T6_MAX_PROBES)
			break;
		if (p - hm + 1 > h->probes)
			h->probes = p - hm + 1;
		pos[idx[order[i]]] = p;
		next = p + 1;
	}
	h->span = next;
	free(first);
	free(order);
	return i < k;
}

/* The group of the mask that descriptor d belongs to. */
static int group6(int d, __u32 nlens)
{
	return nlens > SL_T6_GROUPS ? d * SL_T6_GROUPS / (int)nlens : d;
}

/* Elements of hash h's slots: narrow slots are two an element. */
static __u32 hash6_elems(const struct hash6 *h, int len)
{
	return len <= SL_T6_NARROW_MAX ? (h->span + 1) / 2 : h->span;
}

/* The directory word of prefix p: its top dir_bits bits. */
static __u32 top6(const struct sl_pfx *p, __u32 dir_bits)
{
	__u32 w0;

	memcpy(&w0, p->addr, 4);
	return ntohl(w0) >> (32 - dir_bits);
}

/* Whether prefix p is in a hash: longer than dir_bits, in no list block. */
static bool hashed6(const struct sl_pfx *p, const __u8 *nlong, __u32 dir_bits)
{
	return p->plen >= dir_bits && nlong[top6(p, dir_bits)] > SL_T6_LIST_MAX;
}

/*
 * Put an item in a list block (first: its first element), keeping the
 * items placed so far (those with an entry) longest first.
 */
static void list_put6(struct sl_t6_elem *first, const __u32 w[4], __u32 e)
{
	__u32 k = 0;

	while (first[k].w[SL_T6_S_ENTRY] & SL_E_VALID)
		k++;
	for (; k && SL_E_PLEN(first[k - 1].w[SL_T6_S_ENTRY]) < SL_E_PLEN(e); k--)
		first[k] = first[k - 1];
	memcpy(first[k].w, w, 16);
	first[k].w[SL_T6_S_ENTRY] = e;
}

int sl_build_v6(const struct sl_pfx *v, size_t n, struct sl_built *out)
{
	size_t count[129] = { 0 }, start[130] = { 0 }, i;
	__u32 nelem, nlens = 0, nblocks = 0, nitems = 0, items = 0, top;
	__u32 dir_bits = SL_T6_DIR_MIN_BITS, blocks = 0;
	__u32 *dir = NULL, *block = NULL, *byl = NULL, *home = NULL, *pos = NULL;
	struct hash6 hash[129] = { 0 };
	__u8 *nlong = NULL;
	__u64 *mask = NULL;
	int desc[129], len, fd, err;
	struct sl_t6_elem *t;

	memset(out, 0, sizeof(*out));
	/* at least four blocks a prefix: most addresses meet no longer prefix */
	while (dir_bits < SL_T6_DIR_MAX_BITS && ((size_t)1 << (dir_bits - 2)) < n)
		dir_bits++;
	nelem = SL_T6_DIR;
	err = -ENOMEM;
	if (n) {
		/*
		 * block[top]: 1 + the block of that directory word, or of a
		 * list block 1 + its first item after the blocks; 0 when none.
		 * nlong[top]: its longer prefixes, up to SL_T6_LIST_MAX + 1.
		 */
		dir = calloc(1u << dir_bits, sizeof(*dir));
		block = calloc(1u << dir_bits, sizeof(*block));
		mask = calloc(1u << dir_bits, sizeof(*mask));
		nlong = calloc(1u << dir_bits, 1);
		/* byl: the prefixes in hashes grouped by length, in the order of v */
		byl = malloc(n * sizeof(*byl));
		home = malloc(n * sizeof(*home));
		pos = malloc(n * sizeof(*pos));
		if (!dir || !block || !mask || !nlong || !byl || !home || !pos)
			goto out;
		fill_short6(dir, v, n, dir_bits);
		for (i = 0; i < n; i++) {
			top = top6(&v[i], dir_bits);
			if (v[i].plen >= dir_bits && nlong[top] <= SL_T6_LIST_MAX)
				nlong[top]++;
		}
		for (i = 0; i < n; i++) {
			if (!hashed6(&v[i], nlong, dir_bits))
				continue;
			count[v[i].plen]++;
			top = top6(&v[i], dir_bits);
			if (!block[top])
				block[top] = ++nblocks;
		}
		for (top = 0; top < 1u << dir_bits; top++) {
			if (nlong[top] && nlong[top] <= SL_T6_LIST_MAX) {
				block[top] = nitems + 1;
				nitems += nlong[top];
			}
		}
		blocks = SL_T6_DIR + SL_T6_DIR_ELEMS(dir_bits);
		items = blocks + (nblocks + 1) / 2;
		nelem = items + nitems;
		err = -E2BIG;
		if (nelem > 1u << SL_E_LIST_SHIFT)
			goto out;
		for (len = 0; len <= 128; len++)
			start[len + 1] = start[len] + count[len];
		for (i = 0; i < n; i++) {
			if (hashed6(&v[i], nlong, dir_bits))
				byl[start[v[i].plen]++] = (__u32)i;
		}
		for (len = 128; len >= 0; len--)
			start[len + 1] = start[len];
		start[0] = 0;
	}
	for (len = 128; len >= 0; len--) {
		struct hash6 *h = &hash[len];

		desc[len] = -1;
		if (!count[len] || len < (int)dir_bits)
			continue;
		h->nslots = count[len] * T6_SLOTS_PCT / 100 + 1;
		for (;;) {
			err = place6(v, byl + start[len], count[len], h, home, pos);
			if (err <= 0)
				break;
			err = -E2BIG;
			if (h->nslots > 1u << 30)
				goto out;
			h->nslots += h->nslots / 8 + 1;
		}
		if (err)
			goto out;
		desc[len] = nlens++;
		h->off = nelem;
		nelem += hash6_elems(h, len);
	}

	fd = sl_table_map_create(sizeof(*t), nelem, (void **)&t);
	err = fd;
	if (fd < 0)
		goto out;
	t[0].w[SL_T6_W_MAGIC] = SL_T6_MAGIC;
	t[0].w[SL_T6_W_NLENS] = nlens;
	t[0].w[SL_T6_W_DIR_BITS] = dir_bits;
	t[0].w[SL_T6_W_BLOCKS] = blocks;
	err = fill_summary6(t, v, n, dir, dir_bits, blocks, nlens);
	if (err) {
		munmap(t, map_bytes(sizeof(*t), nelem));
		close(fd);
		goto out;
	}
	for (len = 128; len >= 0; len--) {
		struct sl_t6_elem *d;

		if (desc[len] < 0)
			continue;
		d = &t[SL_T6_DESC + desc[len]];
		d->w[SL_T6_D_LEN] = len;
		d->w[SL_T6_D_OFF] = hash[len].off;
		d->w[SL_T6_D_NSLOTS] = hash[len].nslots;
		d->w[SL_T6_D_PROBES] = hash[len].probes;
	}
	for (i = 0; i < n; i++) {
		__u32 l = v[i].plen, w[4], dist, e;
		struct sl_t6_elem *slot;

		if (l < dir_bits)
			continue;
		memcpy(w, v[i].addr, 16);
		top = top6(&v[i], dir_bits);
		if (nlong[top] <= SL_T6_LIST_MAX) {
			list_put6(&t[items + block[top] - 1], w, SL_E_MAKE(v[i].class_id, l));
			continue;
		}
		dist = pos[i] - sl_home6(w, hash[l].nslots);
		e = SL_E_MAKE(v[i].class_id, l) | dist << SL_E_DIST_SHIFT;
		if (l <= SL_T6_NARROW_MAX) {
			slot = &t[hash[l].off + pos[i] / 2];
			memcpy(&slot->w[SL_T6_P_KEY + 2 * (pos[i] & 1)], w, 8);
			slot->w[SL_T6_P_ENTRY + (pos[i] & 1)] = e;
		} else {
			slot = &t[hash[l].off + pos[i]];
			memcpy(slot->w, w, sizeof(w));
			slot->w[SL_T6_S_ENTRY] = e;
		}
		mask[top] |= 1ull << group6(desc[l], nlens);
	}
	for (top = 0; n && top < 1u << dir_bits; top++) {
		struct sl_t6_elem *d = &t[SL_T6_DIR + SL_T6_DIR_ELEM(top)], *b;
		__u32 p;

		if (!block[top]) {
			d->w[top % SL_T6_DIR_PER_ELEM] = dir[top];
			continue;
		}
		if (nlong[top] <= SL_T6_LIST_MAX) {
			p = items + block[top] - 1;
			d->w[top % SL_T6_DIR_PER_ELEM] = SL_E_NODE | SL_E_LIST |
							 (nlong[top] - 1u) << SL_E_LIST_SHIFT | p;
			t[p].w[SL_T6_L_SHORT] = dir[top];
			continue;
		}
		d->w[top % SL_T6_DIR_PER_ELEM] = SL_E_NODE | (block[top] - 1);
		b = &t[blocks + (block[top] - 1) / 2];
		p = (block[top] - 1) & 1;
		b->w[SL_T6_P_KEY + 2 * p] = (__u32)mask[top];
		b->w[SL_T6_P_KEY + 2 * p + 1] = mask[top] >> 32;
		b->w[SL_T6_P_ENTRY + p] = dir[top];
	}
	munmap(t, map_bytes(sizeof(*t), nelem));
	out->fd = fd;
	out->bytes = (__u64)nelem * sizeof(*t);
	err = 0;
out:
	free(dir);
	free(block);
	free(mask);
	free(nlong);
	free(byl);
	free(home);
	free(pos);
	return err;
}

/*
 * The top word of /8 t: the entry of its 256 /16s' side words when they are
 * all one entry, else 0.
 */
static __u32 top_word(const __u32 *side, __u32 t)
{
	__u32 i, e = side[t * 256];

	for (i = 1; e && i < 256; i++)
		if (side[t * 256 + i] != e)
			return 0;
	return e;
}

/* A /16's side word, from the summary code of table t (words): its entry or 0. */
static __u32 side_word(const __u32 *t, const __u32 *el, int family, __u32 code, __u32 s)
{
	__u32 e;

	if (code == SL_SUM_ENTRY)
		e = el[family == 4 ? SL_T4_SUM_ENTRY : SL_T6_M_ENTRY];
	else if (family == 4)
		e = t[SL_T4_DIR_OFF + s]; /* a word of no node: the /16's answer */
	else
		return 0;
	if ((e & (SL_E_VALID | SL_E_NODE | SL_E_HOSTS)) != SL_E_VALID)
		return 0;
	return e & SL_E_ENTRY_MASK;
}

int sl_table_present(int fd, int family, __u64 *words, __u32 *side, bool *use_side)
{
	struct bpf_map_info info = { 0 };
	__u32 len = sizeof(info), j, r, per, elems, first, stride, code, s, e;
	size_t bytes, nside = 0, nlook = 0;
	const __u32 *t, *el;
	void *m;

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -errno;
	per = family == 4 ? SL_T4_SUM_PER_ELEM : SL_T6_SUM_PER_ELEM;
	elems = 65536 / per;
	first = family == 4 ? SL_T4_SUM : SL_T6_SUM;
	stride = info.value_size / sizeof(__u32);
	if (info.value_size != (family == 4 ? sizeof(struct sl_t4_elem) : sizeof(struct sl_t6_elem)))
		return -EINVAL;
	memset(words, 0, SL_PRESENT_WORDS * sizeof(*words));
	memset(side, 0, 65536 * sizeof(*side));
	*use_side = false;
	/* an empty table (one element) has no summary: nothing is present */
	if (info.max_entries < first + elems)
		return 0;
	if (family == 4 && (size_t)info.max_entries * stride < SL_T4_DIR_OFF + 65536)
		return -EINVAL;
	bytes = map_bytes(info.value_size, info.max_entries);
	m = mmap(NULL, bytes, PROT_READ, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED)
		return -errno;
	t = m;
	for (j = 0; j < elems; j++) {
		el = t + (size_t)(first + j) * stride;
		for (r = 0; r < per; r++) {
			code = (el[(family == 4 ? 0 : SL_T6_M_CODES) + r / 16] >> (r % 16 * 2)) & 3;
			if (code == SL_SUM_NONE)
				continue;
			s = j * per + r;
			words[s / 64] |= 1ull << (s % 64);
			e = side_word(t, el, family, code, s);
			side[s] = e;
			if (e)
				nside++;
			else
				nlook++;
		}
	}
	munmap(m, bytes);
	/* the side words pay when they answer at least half the /16s in use */
	*use_side = nside && nside >= nlook;
	return 0;
}

int sl_table_install(int outer, int present, int family, int fd)
{
	size_t bytes = map_bytes(sizeof(struct sl_present), 2);
	__u32 zero = 0, i, tag, *side = malloc(65536 * sizeof(*side));
	__u64 *next = malloc(SL_PRESENT_WORDS * sizeof(*next));
	struct sl_present *p;
	bool use_side;
	void *m = MAP_FAILED;
	int err;

	err = !side || !next ? -ENOMEM : sl_table_present(fd, family, next, side, &use_side);
	if (err)
		goto out;
	m = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, present, 0);
	if (m == MAP_FAILED) {
		err = -errno;
		goto out;
	}
	p = (struct sl_present *)m + (family == 6); /* its size is a multiple of 8 */
	/* the old table's /16s and the new one's; no side word in force */
	for (i = 0; i < SL_PRESENT_WORDS; i++)
		__atomic_store_n(&p->w[i], p->w[i] | next[i], __ATOMIC_RELAXED);
	__atomic_store_n(&p->gen, 0, __ATOMIC_SEQ_CST);
	tag = p->last % SL_SIDE_TAG_MAX + 1;
	p->last = tag;
	for (i = 0; i < 65536; i++)
		__atomic_store_n(&p->side[i], tag << SL_SIDE_TAG_SHIFT | side[i], __ATOMIC_RELAXED);
	for (i = 0; i < 256; i++)
		__atomic_store_n(&p->top[i], tag << SL_SIDE_TAG_SHIFT | top_word(side, i),
				 __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	sl_crash_point("filter");
	if (bpf_map_update_elem(outer, &zero, &fd, BPF_ANY)) {
		err = -errno;
		goto out;
	}
	sl_crash_point("filtered");
	for (i = 0; i < SL_PRESENT_WORDS; i++)
		__atomic_store_n(&p->w[i], next[i], __ATOMIC_RELAXED);
	if (use_side)
		__atomic_store_n(&p->gen, tag, __ATOMIC_SEQ_CST);
out:
	if (m != MAP_FAILED)
		munmap(m, bytes);
	free(side);
	free(next);
	return err;
}
