// SPDX-License-Identifier: GPL-2.0
/*
 * Building the datapath's prefix tables (layout in include/sluice.h and
 * docs/architecture.md) from a sorted, unique list of prefixes with their
 * classes. A table is a fresh BPF array map, written through mmap, so that
 * building it costs memory bandwidth rather than one syscall per prefix.
 */
#include <errno.h>
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

static __u32 addr4(const struct sl_pfx *p)
{
	return (__u32)p->addr[0] << 24 | (__u32)p->addr[1] << 16 | (__u32)p->addr[2] << 8 |
	       p->addr[3];
}

static __u32 bits_for(size_t n)
{
	__u32 bits = 2;

	while (bits < 31 && ((size_t)1 << bits) < 2 * n)
		bits++;
	return bits;
}

/* Hosts: probe lengths for a table of 2^bits slots, or -1 when too long. */
static int plan_hash4(const struct sl_pfx *v, size_t n, __u32 bits, __u8 *used)
{
	__u32 mask = (1u << bits) - 1;
	int worst = 1;
	size_t i;

	memset(used, 0, (size_t)1 << bits);
	for (i = 0; i < n; i++) {
		__u32 h = sl_hash32(addr4(&v[i]), bits);
		int j;

		if (v[i].plen != 32)
			continue;
		for (j = 0; used[(h + j) & mask]; j++)
			if (j + 1 >= SL_MAX_PROBES)
				return -1;
		used[(h + j) & mask] = 1;
		if (j + 1 > worst)
			worst = j + 1;
	}
	return worst;
}

/*
 * Paint the /24 directory from the prefixes of length <= 24, sorted by
 * address then length (so a prefix comes before those nested in it): one
 * sweep with a stack of open prefixes writes each of the 2^24 entries once.
 */
static void fill_dir(__u32 *dir, const struct sl_pfx *v, size_t n)
{
	struct open {
		__u32 end, entry;
	} stack[33];
	__u32 pos = 0, s, e;
	int top = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if (v[i].plen > 24)
			continue;
		s = addr4(&v[i]) >> 8;
		e = s + ((1u << (24 - v[i].plen)) - 1);
		while (top && stack[top - 1].end < s) {
			top--;
			for (; pos <= stack[top].end; pos++)
				dir[pos] = stack[top].entry;
		}
		for (; pos < s; pos++)
			dir[pos] = top ? stack[top - 1].entry : 0;
		stack[top].end = e;
		stack[top].entry = SL_E_MAKE(v[i].class_id, v[i].plen);
		top++;
	}
	while (top) {
		top--;
		for (; pos <= stack[top].end && pos < SL_T4_DIR_SIZE; pos++)
			dir[pos] = stack[top].entry;
		if (stack[top].end == SL_T4_DIR_SIZE - 1)
			pos = SL_T4_DIR_SIZE;
	}
	for (; pos < SL_T4_DIR_SIZE; pos++)
		dir[pos] = 0;
}

int sl_build_v4(const struct sl_pfx *v, size_t n, struct sl_built *out)
{
	size_t i, nhosts = 0, nchunks = 0;
	__u32 bits = 0, words, hash_off, last24 = ~0u;
	__u32 *t, *dir;
	__u8 *used = NULL;
	int probes = 0, fd;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < n; i++) {
		if (v[i].plen == 32)
			nhosts++;
		else if (v[i].plen > 24 && addr4(&v[i]) >> 8 != last24) {
			last24 = addr4(&v[i]) >> 8;
			nchunks++;
		}
	}
	if (nhosts) {
		for (bits = bits_for(nhosts);; bits++) {
			free(used);
			used = malloc((size_t)1 << bits);
			if (!used)
				return -ENOMEM;
			probes = plan_hash4(v, n, bits, used);
			if (probes > 0)
				break;
			if (bits >= 30) {
				free(used);
				return -E2BIG;
			}
		}
		free(used);
	}
	/* even, so a hash slot is one array element (bpf/classify.h) */
	_Static_assert(SL_T4_CHUNK_OFF % 2 == 0, "chunks start on an element");
	hash_off = SL_T4_CHUNK_OFF + nchunks * 256;
	words = n ? hash_off + (nhosts ? 2u << bits : 0) : SL_T4_HDR;

	/* Two words per 8-byte element: the stride of mmap-able arrays. */
	fd = sl_table_map_create(sizeof(__u64), words / 2 + 1, (void **)&t);
	if (fd < 0)
		return fd;
	t[SL_T4_W_MAGIC] = SL_T4_MAGIC;
	t[SL_T4_W_HASH_OFF] = hash_off;
	t[SL_T4_W_HASH_BITS] = nhosts ? bits : 0;
	t[SL_T4_W_HASH_PROBES] = probes;
	if (!n)
		goto done;

	dir = t + SL_T4_DIR_OFF;
	fill_dir(dir, v, n);

	/* /25-/31: a chunk per /24, starting from that /24's directory entry. */
	last24 = ~0u;
	nchunks = 0;
	for (i = 0; i < n; i++) {
		__u32 a = addr4(&v[i]), *chunk, j, len;

		if (v[i].plen <= 24 || v[i].plen == 32)
			continue;
		chunk = t + SL_T4_CHUNK_OFF + (nchunks - (a >> 8 != last24 ? 0 : 1)) * 256;
		if (a >> 8 != last24) {
			__u32 base = dir[a >> 8];

			for (j = 0; j < 256; j++)
				chunk[j] = base;
			dir[a >> 8] = SL_E_CHUNK | nchunks;
			last24 = a >> 8;
			nchunks++;
		}
		len = 1u << (32 - v[i].plen);
		for (j = 0; j < len; j++)
			chunk[(a & 0xff) + j] = SL_E_MAKE(v[i].class_id, v[i].plen);
	}

	/* Hosts: into the hash, and flag their /24 so lookups probe it. */
	for (i = 0; i < n; i++) {
		__u32 a = addr4(&v[i]), h, mask = (1u << bits) - 1, *slot;

		if (v[i].plen != 32)
			continue;
		h = sl_hash32(a, bits);
		for (;; h++) {
			slot = t + hash_off + 2 * (h & mask);
			if (!(slot[1] & SL_E_VALID))
				break;
		}
		slot[0] = a;
		slot[1] = SL_E_MAKE(v[i].class_id, 32);
		dir[a >> 8] |= SL_E_HOSTS;
	}
done:
	munmap(t, map_bytes(sizeof(__u64), words / 2 + 1));
	out->fd = fd;
	out->bytes = ((__u64)words / 2 + 1) * sizeof(__u64);
	return 0;
}

static __u32 *block_word(struct sl_t6_elem *t, __u32 block, int word)
{
	return &t[SL_T6_DIR + block / 2].w[3 * (block % 2) + word];
}

static void dir_mark(struct sl_t6_elem *t, __u32 block, int group)
{
	if (group < 32)
		*block_word(t, block, SL_T6_B_MASK_LO) |= 1u << group;
	else
		*block_word(t, block, SL_T6_B_MASK_HI) |= 1u << (group - 32);
}

/*
 * Paint each directory block with the longest prefix shorter than dir_bits
 * that covers it: the sweep of fill_dir(), over 2^dir_bits blocks.
 */
static void fill_short6(struct sl_t6_elem *t, const struct sl_pfx *v, size_t n, __u32 dir_bits)
{
	struct open {
		__u32 end, entry;
	} stack[SL_T6_DIR_MAX_BITS + 1];
	__u32 nblocks = 1u << dir_bits, pos = 0, s, e, w0;
	int top = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if (v[i].plen >= dir_bits)
			continue;
		memcpy(&w0, v[i].addr, 4);
		s = ntohl(w0) >> (32 - dir_bits);
		e = s + ((1u << (dir_bits - v[i].plen)) - 1);
		while (top && stack[top - 1].end < s) {
			top--;
			for (; pos <= stack[top].end; pos++)
				*block_word(t, pos, SL_T6_B_SHORT) = stack[top].entry;
		}
		for (; pos < s; pos++)
			*block_word(t, pos, SL_T6_B_SHORT) = top ? stack[top - 1].entry : 0;
		stack[top].end = e;
		stack[top].entry = SL_E_MAKE(v[i].class_id, v[i].plen);
		top++;
	}
	while (top) {
		top--;
		for (; pos <= stack[top].end && pos < nblocks; pos++)
			*block_word(t, pos, SL_T6_B_SHORT) = stack[top].entry;
	}
}

/* Hash the prefixes of length len into 2^bits slots; worst probe or -1. */
static int plan_hash6(const struct sl_pfx *v, size_t n, int len, __u32 bits)
{
	__u32 mask = (1u << bits) - 1, w[4];
	__u8 *used = calloc((size_t)1 << bits, 1);
	int worst = 1, j;
	size_t i;

	if (!used)
		return -ENOMEM;
	for (i = 0; i < n && worst > 0; i++) {
		__u32 h;

		if (v[i].plen != len)
			continue;
		memcpy(w, v[i].addr, 16);
		h = sl_hash128(w, bits);
		for (j = 0; used[(h + j) & mask]; j++)
			if (j + 1 >= SL_MAX_PROBES)
				worst = -1;
		used[(h + j) & mask] = 1;
		if (worst > 0 && j + 1 > worst)
			worst = j + 1;
	}
	free(used);
	return worst;
}

int sl_build_v6(const struct sl_pfx *v, size_t n, struct sl_built *out)
{
	size_t count[129] = { 0 }, i;
	__u32 bits[129] = { 0 }, off[129] = { 0 }, nelem, nlens = 0, dir_bits = SL_T6_DIR_MIN_BITS;
	int probes[129] = { 0 }, desc[129], len, fd;
	struct sl_t6_elem *t;

	memset(out, 0, sizeof(*out));
	while (dir_bits < SL_T6_DIR_MAX_BITS && ((size_t)1 << (dir_bits - 6)) < n)
		dir_bits++;
	for (i = 0; i < n; i++)
		count[v[i].plen]++;
	nelem = SL_T6_DIR + ((1u << dir_bits) + 1) / 2;
	for (len = 128; len >= 0; len--) {
		desc[len] = -1;
		if (!count[len] || len < (int)dir_bits)
			continue;
		for (bits[len] = bits_for(count[len]);; bits[len]++) {
			probes[len] = plan_hash6(v, n, len, bits[len]);
			if (probes[len] == -ENOMEM)
				return -ENOMEM;
			if (probes[len] > 0)
				break;
			if (bits[len] >= 30)
				return -E2BIG;
		}
		desc[len] = nlens++;
		off[len] = nelem;
		nelem += 1u << bits[len];
	}

	fd = sl_table_map_create(sizeof(*t), nelem, (void **)&t);
	if (fd < 0)
		return fd;
	t[0].w[SL_T6_W_MAGIC] = SL_T6_MAGIC;
	t[0].w[SL_T6_W_NLENS] = nlens;
	t[0].w[SL_T6_W_DIR_BITS] = dir_bits;
	for (len = 128; len >= 0; len--) {
		struct sl_t6_elem *d;

		if (desc[len] < 0)
			continue;
		d = &t[SL_T6_DESC + desc[len]];
		d->w[SL_T6_D_LEN] = len;
		d->w[SL_T6_D_OFF] = off[len];
		d->w[SL_T6_D_BITS] = bits[len];
		d->w[SL_T6_D_PROBES] = probes[len];
	}
	fill_short6(t, v, n, dir_bits);
	for (i = 0; i < n; i++) {
		__u32 l = v[i].plen, mask, h, w[4];
		struct sl_t6_elem *slot;
		int group;

		if (desc[l] < 0)
			continue;
		mask = (1u << bits[l]) - 1;
		memcpy(w, v[i].addr, 16);
		for (h = sl_hash128(w, bits[l]);; h++) {
			slot = &t[off[l] + (h & mask)];
			if (!(slot->w[SL_T6_S_ENTRY] & SL_E_VALID))
				break;
		}
		memcpy(slot->w, w, sizeof(w));
		slot->w[SL_T6_S_ENTRY] = SL_E_MAKE(v[i].class_id, l);
		group = nlens > SL_T6_GROUPS ? desc[l] * SL_T6_GROUPS / (int)nlens : desc[l];
		dir_mark(t, ntohl(w[0]) >> (32 - dir_bits), group);
	}
	munmap(t, map_bytes(sizeof(*t), nelem));
	out->fd = fd;
	out->bytes = (__u64)nelem * sizeof(*t);
	return 0;
}
