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
#include <bpf/bpf.h>

#include "table_build.h"
#include "util.h"

static size_t map_bytes(__u32 words)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t sz = ((size_t)words / 2 + 1) * sizeof(__u64);

	return (sz + page - 1) / page * page;
}

int sl_table_map_create(__u32 words, __u32 **mem)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = BPF_F_INNER_MAP | BPF_F_MMAPABLE);
	void *m;
	int fd;

	/* Two words per 8-byte element: the stride of mmap-able arrays. */
	fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "sl_table", sizeof(__u32), sizeof(__u64),
			    words / 2 + 1, &opts);
	if (fd < 0)
		return -errno;
	if (!mem)
		return fd;
	m = mmap(NULL, map_bytes(words), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED) {
		int err = -errno;

		close(fd);
		return err;
	}
	*mem = m;
	return fd;
}

static void table_unmap(__u32 *mem, __u32 words)
{
	munmap(mem, map_bytes(words));
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
	__u32 bits = 0, words, chunk_off, hash_off, last24 = ~0u;
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
	chunk_off = SL_T4_DIR_OFF + SL_T4_DIR_SIZE;
	hash_off = chunk_off + nchunks * 256;
	words = n ? hash_off + (nhosts ? 2u << bits : 0) : SL_T4_HDR;

	fd = sl_table_map_create(words, &t);
	if (fd < 0)
		return fd;
	t[SL_T4_W_MAGIC] = SL_T4_MAGIC;
	t[SL_T4_W_CHUNK_OFF] = chunk_off;
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
		chunk = t + chunk_off + (nchunks - (a >> 8 != last24 ? 0 : 1)) * 256;
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
	table_unmap(t, words);
	out->fd = fd;
	out->words = words;
	return 0;
}

static void words6(const struct sl_pfx *p, __u32 w[4])
{
	memcpy(w, p->addr, 16);
}

int sl_build_v6(const struct sl_pfx *v, size_t n, struct sl_built *out)
{
	size_t count[129] = { 0 }, i;
	__u32 bits[129] = { 0 }, off[129] = { 0 }, words = SL_T6_HDR, nlens = 0;
	int probes[129] = { 0 };
	__u32 *t, w[4];
	int len, fd;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < n; i++)
		count[v[i].plen]++;
	for (len = 128; len >= 0; len--) {
		__u8 *used = NULL;

		if (!count[len])
			continue;
		for (bits[len] = bits_for(count[len]);; bits[len]++) {
			__u32 mask = (1u << bits[len]) - 1;
			int worst = 1, j;

			free(used);
			used = calloc((size_t)1 << bits[len], 1);
			if (!used)
				return -ENOMEM;
			for (i = 0; i < n && worst > 0; i++) {
				__u32 h;

				if (v[i].plen != len)
					continue;
				words6(&v[i], w);
				h = sl_hash128(w, bits[len]);
				for (j = 0; used[(h + j) & mask]; j++)
					if (j + 1 >= SL_MAX_PROBES)
						worst = -1;
				used[(h + j) & mask] = 1;
				if (worst > 0 && j + 1 > worst)
					worst = j + 1;
			}
			if (worst > 0) {
				probes[len] = worst;
				break;
			}
			if (bits[len] >= 30) {
				free(used);
				return -E2BIG;
			}
		}
		free(used);
		off[len] = words;
		words += SL_T6_SLOT << bits[len];
		nlens++;
	}

	fd = sl_table_map_create(words, &t);
	if (fd < 0)
		return fd;
	t[SL_T6_W_MAGIC] = SL_T6_MAGIC;
	t[SL_T6_W_NLENS] = nlens;
	nlens = 0;
	for (len = 128; len >= 0; len--) {
		__u32 *d = t + SL_T6_DESC + 4 * nlens;

		if (!count[len])
			continue;
		d[SL_T6_D_LEN] = len;
		d[SL_T6_D_OFF] = off[len];
		d[SL_T6_D_BITS] = bits[len];
		d[SL_T6_D_PROBES] = probes[len];
		nlens++;
	}
	for (i = 0; i < n; i++) {
		__u32 l = v[i].plen, mask = (1u << bits[l]) - 1, h, *slot;

		words6(&v[i], w);
		for (h = sl_hash128(w, bits[l]);; h++) {
			slot = t + off[l] + SL_T6_SLOT * (h & mask);
			if (!(slot[4] & SL_E_VALID))
				break;
		}
		memcpy(slot, w, sizeof(w));
		slot[4] = SL_E_MAKE(v[i].class_id, l);
	}
	table_unmap(t, words);
	out->fd = fd;
	out->words = words;
	return 0;
}

int sl_trie_build(int family, const struct sl_pfx *p, size_t n, __u32 max_entries)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = BPF_F_NO_PREALLOC);
	size_t ksz = family == 4 ? sizeof(struct sl_v4_key) : sizeof(struct sl_v6_key);
	size_t alen = family == 4 ? 4 : 16, i, done;
	struct sl_lpm_val *vals = NULL;
	char *keys = NULL;
	int fd, err = 0;

	fd = bpf_map_create(BPF_MAP_TYPE_LPM_TRIE, family == 4 ? "sl_ref_v4" : "sl_ref_v6", ksz,
			    sizeof(struct sl_lpm_val), max_entries, &opts);
	if (fd < 0)
		return -errno;
	keys = calloc(n + 1, ksz);
	vals = calloc(n + 1, sizeof(*vals));
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
	if (err) {
		close(fd);
		return err;
	}
	return fd;
}
