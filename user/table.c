// SPDX-License-Identifier: GPL-2.0
/*
 * Prefix tables. Each class's normalised prefix list is kept in a pinned,
 * mmap-able array (feeds/c<ID>); the live datapath tables are built from the
 * union of those lists into fresh maps and swapped in with one map-in-map
 * update per address family. The kernel frees the old generation once the
 * last packet using it is done.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <bpf/bpf.h>

#include "prefix.h"
#include "state.h"
#include "table.h"
#include "table_build.h"
#include "diag.h"
#include "util.h"

static size_t store_bytes(size_t n)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t sz = (n ? n : 1) * sizeof(struct sl_pfx);

	return (sz + page - 1) / page * page;
}

/* Map a class's stored list read-only; -ENOENT when it has none (empty). */
static int store_map(struct sl_ctx *ctx, __u32 id, const struct sl_pfx **v, size_t *n)
{
	struct bpf_map_info info = { 0 };
	__u32 len = sizeof(info);
	char path[PATH_MAX];
	void *mem;
	int fd, err = 0;

	sl_pin_path(path, sizeof(path), ctx, "feeds/c%u", id);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return -errno;
	/* the list's own size: the array holds it exactly */
	if (bpf_obj_get_info_by_fd(fd, &info, &len) || !info.max_entries) {
		err = -EIO;
		goto out;
	}
	mem = mmap(NULL, store_bytes(info.max_entries), PROT_READ, MAP_SHARED, fd, 0);
	if (mem == MAP_FAILED) {
		err = -errno;
		goto out;
	}
	*v = mem;
	*n = info.max_entries;
out:
	close(fd);
	return err;
}

int sl_store_read(struct sl_ctx *ctx, __u32 id, struct sl_pfx_vec *out)
{
	const struct sl_pfx *v;
	size_t n;
	int err;

	err = store_map(ctx, id, &v, &n);
	if (err == -ENOENT)
		return 0;
	if (err) {
		sl_err("the prefix list of class %u cannot be read: %s", id, strerror(-err));
		return err;
	}
	err = sl_pfx_vec_append(out, v, n);
	munmap((void *)v, store_bytes(n));
	return err;
}

int sl_store_counts(struct sl_ctx *ctx, __u32 id, __u32 count[2])
{
	const struct sl_pfx *v;
	size_t n, split;
	int err;

	count[0] = count[1] = 0;
	err = store_map(ctx, id, &v, &n);
	if (err == -ENOENT)
		return 0;
	if (err)
		return err;
	split = sl_pfx_split(v, n);
	count[0] = split;
	count[1] = n - split;
	munmap((void *)v, store_bytes(n));
	return 0;
}

/* Write list into a new pinned array feeds/c<ID>_new. */
static int store_write_new(struct sl_ctx *ctx, __u32 id, const struct sl_pfx *p, size_t n)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = BPF_F_MMAPABLE);
	char path[PATH_MAX];
	void *mem;
	int fd, err = 0;

	fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "sl_feed", sizeof(__u32), sizeof(struct sl_pfx),
			    n ? n : 1, &opts);
	if (fd < 0)
		return -errno;
	mem = mmap(NULL, store_bytes(n), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (mem == MAP_FAILED) {
		err = -errno;
		goto cleanup;
	}
	if (n)
		memcpy(mem, p, n * sizeof(*p));
	munmap(mem, store_bytes(n));
	sl_pin_path(path, sizeof(path), ctx, "feeds/c%u_new", id);
	unlink(path);
	if (bpf_obj_pin(fd, path))
		err = -errno;
cleanup:
	close(fd);
	return err;
}

static int store_commit(struct sl_ctx *ctx, __u32 id, size_t n)
{
	char from[PATH_MAX], to[PATH_MAX];

	sl_pin_path(from, sizeof(from), ctx, "feeds/c%u_new", id);
	sl_pin_path(to, sizeof(to), ctx, "feeds/c%u", id);
	if (!n) {
		unlink(from);
		if (unlink(to) && errno != ENOENT)
			return -errno;
		return 0;
	}
	if (rename(from, to))
		return -errno;
	return 0;
}

/*
 * Build a fresh table of one family from its sorted, unique entries; its
 * kernel memory in *bytes.
 */
static int table_fill(struct sl_ctx *ctx, int family, const struct sl_pfx *p, size_t n,
		      __u64 *bytes)
{
	__u32 cap = family == 4 ? ctx->st.v4_entries : ctx->st.v6_entries;
	struct sl_built b;
	int err;

	if (n > cap) {
		sl_err("the IPv%d table is full: %zu prefixes, room for %u (sizes are set when sluice "
		       "is loaded: 'sluice detach --all', then 'sluice attach DEV --v%d-size N')",
		       family, n, cap, family);
		return -E2BIG;
	}
	err = family == 4 ? sl_build_v4(p, n, &b) : sl_build_v6(p, n, &b);
	if (err)
		return err;
	*bytes = b.bytes;
	return b.fd;
}

static int swap_in(struct sl_ctx *ctx, int family, int fd)
{
	__u32 zero = 0;

	if (bpf_map_update_elem(family == 4 ? ctx->v4_fd : ctx->v6_fd, &zero, &fd, BPF_ANY))
		return -errno;
	return 0;
}

static struct sl_batch_item *batch_find(const struct sl_batch *b, __u32 id)
{
	size_t i;

	for (i = 0; i < b->n; i++)
		if (b->items[i].id == id)
			return &b->items[i];
	return NULL;
}

struct sl_batch_item *sl_batch_item(struct sl_batch *b, __u32 id)
{
	struct sl_batch_item *it = batch_find(b, id);

	if (it) {
		sl_pfx_vec_free(&it->list);
	} else {
		if (b->n == b->cap) {
			size_t cap = b->cap ? 2 * b->cap : 8;
			void *p = realloc(b->items, cap * sizeof(*b->items));

			if (!p)
				return NULL;
			b->items = p;
			b->cap = cap;
		}
		it = &b->items[b->n++];
	}
	memset(it, 0, sizeof(*it));
	it->id = id;
	return it;
}

void sl_batch_free(struct sl_batch *b)
{
	size_t i;

	for (i = 0; i < b->n; i++)
		sl_pfx_vec_free(&b->items[i].list);
	free(b->items);
	memset(b, 0, sizeof(*b));
}

/* Every class's prefixes: the batch's lists, else the stored ones. */
static int gather(struct sl_ctx *ctx, const struct sl_classes *cs, const struct sl_batch *b,
		  struct sl_pfx_vec *all)
{
	struct sl_batch_item *it;
	size_t start, i;
	int id, err;

	sl_for_each_class(cs, id) {
		if (id == SL_CLASS_DEFAULT)
			continue;
		start = all->n;
		it = batch_find(b, id);
		if (it)
			err = sl_pfx_vec_append(all, it->list.v, it->list.n);
		else
			err = sl_store_read(ctx, id, all);
		if (err)
			return err;
		for (i = start; i < all->n; i++)
			all->v[i].class_id = id;
	}
	return 0;
}

/* Merge within the classes that asked for it (feed load --merge). */
static int merge_classes(const struct sl_classes *cs, const struct sl_batch *b,
			 struct sl_pfx_vec *all)
{
	bool *mergeable = calloc(cs->max, sizeof(*mergeable)), any = false;
	struct sl_batch_item *it;
	__u32 flags;
	int id;

	if (!mergeable)
		return -ENOMEM;
	sl_for_each_class(cs, id) {
		it = batch_find(b, id);
		flags = it ? it->flags : cs->slot[id].flags;
		mergeable[id] = id != SL_CLASS_DEFAULT && (flags & SL_CLASS_MERGE);
		any |= mergeable[id];
	}
	if (any)
		sl_pfx_merge(all, mergeable, cs->max);
	free(mergeable);
	return 0;
}

static int write_sources(struct sl_ctx *ctx, __u32 id, __u32 old_n, const struct sl_source *src,
			 __u32 n)
{
	struct sl_source_key k = { .class_id = id };
	int err = 0;

	for (k.index = 0; k.index < n; k.index++)
		if (bpf_map_update_elem(ctx->sources_fd, &k, &src[k.index], BPF_ANY))
			err = -errno;
	for (; k.index < old_n; k.index++)
		bpf_map_delete_elem(ctx->sources_fd, &k);
	return err;
}

/* After the swap: the item's list, counts and provenance become the class's. */
static int commit_item(struct sl_ctx *ctx, const struct sl_batch_item *it, __u64 now)
{
	struct sl_class c;
	__u32 old_nsrc;
	int err;

	err = it->unchanged ? 0 : store_commit(ctx, it->id, it->list.n);
	if (!err)
		err = sl_class_get(ctx, it->id, &c);
	if (err)
		return err;
	old_nsrc = c.n_sources;
	c.load_time = now;
	if (!it->unchanged)
		c.flags = it->flags;
	if (it->sources) {
		c.src_hash = it->src_hash;
		c.n_sources = it->nsrc;
	}
	err = sl_class_put(ctx, it->id, &c);
	if (!err && it->sources)
		err = write_sources(ctx, it->id, old_nsrc, it->src, it->nsrc);
	return err;
}

int sl_batch_commit(struct sl_ctx *ctx, struct sl_batch *b)
{
	struct sl_pfx_vec all = { 0 };
	struct sl_classes cs = { 0 };
	bool family[2] = { false, false };
	__u64 bytes[2] = { 0, 0 };
	int fd[2] = { -1, -1 };
	struct sl_class c;
	size_t i, n4, split = 0;
	__u32 old[2];
	int err = 0, f;
	__u64 now;

	/* Rebuild whichever family a class had or will have prefixes in. */
	for (i = 0; i < b->n; i++) {
		if (b->items[i].unchanged)
			continue;
		err = sl_class_get(ctx, b->items[i].id, &c);
		if (!err)
			err = sl_store_counts(ctx, b->items[i].id, old);
		if (err)
			return err;
		n4 = sl_pfx_split(b->items[i].list.v, b->items[i].list.n);
		family[0] |= old[0] || n4;
		family[1] |= old[1] || b->items[i].list.n - n4;
		/* toggling --merge changes the tables of unchanged prefixes */
		if ((c.flags ^ b->items[i].flags) & SL_CLASS_MERGE)
			family[0] = family[1] = true;
	}

	if (!family[0] && !family[1])
		goto commit; /* only provenance, or lists that stay empty */
	err = sl_classes_read(ctx, &cs);
	if (!err)
		err = gather(ctx, &cs, b, &all);
	if (err)
		goto cleanup;
	sl_pfx_resolve(&all);
	err = merge_classes(&cs, b, &all);
	if (err)
		goto cleanup;
	split = sl_pfx_split(all.v, all.n);
	for (f = 0; f < 2; f++) {
		if (!family[f])
			continue;
		fd[f] = f ? table_fill(ctx, 6, all.v + split, all.n - split, &bytes[f]) :
			    table_fill(ctx, 4, all.v, split, &bytes[f]);
		if (fd[f] < 0) {
			err = fd[f];
			goto cleanup;
		}
	}
	for (i = 0; i < b->n; i++) {
		if (b->items[i].unchanged)
			continue;
		err = store_write_new(ctx, b->items[i].id, b->items[i].list.v, b->items[i].list.n);
		if (err)
			goto cleanup;
	}

	/* The point of no return: swap each family in with one update. */
	for (f = 0; f < 2; f++) {
		if (fd[f] < 0)
			continue;
		err = swap_in(ctx, f ? 6 : 4, fd[f]);
		if (err) {
			sl_err("cannot swap in the new IPv%d table: %s", f ? 6 : 4, strerror(-err));
			goto cleanup;
		}
		if (f)
			ctx->st.bytes_v6 = bytes[f];
		else
			ctx->st.bytes_v4 = bytes[f];
	}
	now = sl_now_realtime_ns();
	ctx->st.generation++;
	ctx->st.swap_time = now;
	ctx->st.n_v4 = split;
	ctx->st.n_v6 = all.n - split;
	err = sl_state_write(ctx);
commit:
	now = sl_now_realtime_ns();
	for (i = 0; i < b->n && !err; i++)
		err = commit_item(ctx, &b->items[i], now);
cleanup:
	for (f = 0; f < 2; f++)
		if (fd[f] >= 0)
			close(fd[f]);
	sl_pfx_vec_free(&all);
	sl_classes_free(&cs);
	return err;
}

int sl_tables_replace(struct sl_ctx *ctx, __u32 id, const struct sl_pfx *list, size_t n)
{
	struct sl_batch b = { 0 };
	struct sl_batch_item *it;
	struct sl_class c;
	int err;

	err = sl_class_get(ctx, id, &c);
	if (err)
		return err;
	it = sl_batch_item(&b, id);
	if (!it)
		return -ENOMEM;
	it->flags = c.flags;
	err = sl_pfx_vec_append(&it->list, list, n);
	if (!err)
		err = sl_batch_commit(ctx, &b);
	sl_batch_free(&b);
	return err;
}
