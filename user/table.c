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
#include "journal.h"
#include "util.h"

static size_t store_bytes(size_t n)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t sz = (n ? n : 1) * sizeof(struct sl_pfx);

	return (sz + page - 1) / page * page;
}

/* Map a stored list read-only ("c": live, "p": previous); -ENOENT: none (empty). */
static int store_map(struct sl_ctx *ctx, const char *kind, __u32 id, const struct sl_pfx **v,
		     size_t *n)
{
	struct bpf_map_info info = { 0 };
	__u32 len = sizeof(info);
	char path[PATH_MAX];
	void *mem;
	int fd, err = 0;

	sl_store_path(path, sizeof(path), ctx, kind, id);
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

int sl_store_read_kind(struct sl_ctx *ctx, const char *kind, __u32 id, struct sl_pfx_vec *out)
{
	const struct sl_pfx *v;
	size_t n;
	int err;

	err = store_map(ctx, kind, id, &v, &n);
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

int sl_store_view(struct sl_ctx *ctx, __u32 id, struct sl_pfx_vec *view)
{
	const struct sl_pfx *v;
	size_t n;
	int err;

	memset(view, 0, sizeof(*view));
	err = store_map(ctx, "c", id, &v, &n);
	if (err == -ENOENT)
		return 0;
	if (err) {
		sl_err("the prefix list of class %u cannot be read: %s", id, strerror(-err));
		return err;
	}
	view->v = (struct sl_pfx *)v; /* mapped read-only: never written */
	view->n = view->cap = n;
	return 0;
}

void sl_store_unview(struct sl_pfx_vec *view)
{
	if (view->v)
		munmap(view->v, store_bytes(view->n));
	memset(view, 0, sizeof(*view));
}

int sl_store_read(struct sl_ctx *ctx, __u32 id, struct sl_pfx_vec *out)
{
	return sl_store_read_kind(ctx, "c", id, out);
}

int sl_store_counts_kind(struct sl_ctx *ctx, const char *kind, __u32 id, __u32 count[2])
{
	const struct sl_pfx *v;
	size_t n, split;
	int err;

	count[0] = count[1] = 0;
	err = store_map(ctx, kind, id, &v, &n);
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

int sl_store_counts(struct sl_ctx *ctx, __u32 id, __u32 count[2])
{
	return sl_store_counts_kind(ctx, "c", id, count);
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
	sl_store_path(path, sizeof(path), ctx, "c_new", id);
	unlink(path);
	if (bpf_obj_pin(fd, path))
		err = -errno;
cleanup:
	close(fd);
	return err;
}

/*
 * Build a fresh table of one family from its sorted, unique entries; its
 * kernel memory in *bytes.
 */
static int table_fill(struct sl_ctx *ctx, int family, const struct sl_pfx *p, size_t n,
		      struct sl_spare *spare, __u64 *bytes)
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
	err = family == 4 ? sl_build_v4_spare(p, n, spare, &b) : sl_build_v6(p, n, &b);
	if (err)
		return err;
	*bytes = b.bytes;
	return b.fd;
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

/*
 * Every class's prefixes: the batch's lists, else the stored ones. The
 * first batch list is taken over rather than copied (stage_items() has
 * stored it already): with one class, the common case, nothing is copied.
 * *lists: how many classes have prefixes. Each list is sorted and unique
 * (a feed's is normalised, sl_tables_replace() resolves its own), so one
 * alone needs no sl_pfx_resolve().
 */
static int gather(struct sl_ctx *ctx, const struct sl_classes *cs, struct sl_batch *b,
		  struct sl_pfx_vec *all, int *lists)
{
	struct sl_batch_item *it;
	size_t start, i;
	int id, err;

	*lists = 0;
	sl_for_each_class(cs, id) {
		if (id == SL_CLASS_DEFAULT)
			continue;
		start = all->n;
		it = batch_find(b, id);
		if (it && !all->cap) {
			*all = it->list;
			it->list = (struct sl_pfx_vec){ 0 };
			err = 0;
		} else if (it) {
			err = sl_pfx_vec_append(all, it->list.v, it->list.n);
		} else {
			err = sl_store_read(ctx, id, all);
		}
		if (err)
			return err;
		*lists += all->n > start;
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

/* Which families to rebuild: those a changed class had or will have prefixes in. */
static int families(struct sl_ctx *ctx, const struct sl_batch *b, bool family[2])
{
	const struct sl_batch_item *it;
	struct sl_class c;
	__u32 old[2];
	size_t i, n4;
	int err;

	for (i = 0; i < b->n; i++) {
		it = &b->items[i];
		if (it->unchanged)
			continue;
		err = sl_class_get(ctx, it->id, &c);
		if (!err)
			err = sl_store_counts(ctx, it->id, old);
		if (err)
			return err;
		n4 = sl_pfx_split(it->list.v, it->list.n);
		family[0] |= old[0] || n4;
		family[1] |= old[1] || it->list.n - n4;
		/* toggling --merge changes the tables of unchanged prefixes */
		if ((c.flags ^ it->flags) & SL_CLASS_MERGE)
			family[0] = family[1] = true;
	}
	return 0;
}

/*
 * Build the new tables of the families asked for, and pin them as staged;
 * after stage_items(), as the batch's lists are taken over.
 */
static int stage_tables(struct sl_ctx *ctx, struct sl_batch *b, const bool family[2],
			struct sl_spare *spare, struct sl_commit *cm)
{
	struct sl_pfx_vec all = { 0 };
	struct sl_classes cs = { 0 };
	size_t split;
	int err, f, fd, lists;

	err = sl_classes_read(ctx, &cs);
	if (!err)
		err = gather(ctx, &cs, b, &all, &lists);
	if (!err) {
		if (lists > 1)
			sl_pfx_resolve(&all);
		err = merge_classes(&cs, b, &all);
	}
	split = sl_pfx_split(all.v, all.n);
	cm->n_v4 = split;
	cm->n_v6 = all.n - split;
	for (f = 0; f < 2 && !err; f++) {
		if (!family[f])
			continue;
		fd = f ? table_fill(ctx, 6, all.v + split, all.n - split, NULL, &cm->bytes[f]) :
			 table_fill(ctx, 4, all.v, split, spare, &cm->bytes[f]);
		err = fd < 0 ? fd : sl_journal_stage_table(ctx, f ? 6 : 4, fd);
		if (fd >= 0)
			close(fd);
		cm->table[f] = !err;
	}
	sl_pfx_vec_free(&all);
	sl_classes_free(&cs);
	return err;
}

/* The batch's items as journal items; their new lists staged as c<ID>_new. */
static int stage_items(struct sl_ctx *ctx, const struct sl_batch *b, struct sl_commit *cm)
{
	size_t i;
	int err;

	cm->items = calloc(b->n + 1, sizeof(*cm->items));
	if (!cm->items)
		return -ENOMEM;
	cm->n = b->n;
	for (i = 0; i < b->n; i++) {
		const struct sl_batch_item *it = &b->items[i];
		struct sl_journal_item *j = &cm->items[i];

		j->id = it->id;
		j->flags = it->flags;
		j->unchanged = it->unchanged;
		j->sources = it->sources;
		j->list_n = it->list.n;
		j->nsrc = it->nsrc;
		j->src_hash = it->src_hash;
		memcpy(j->src, it->src, sizeof(j->src));
		if (it->unchanged)
			continue;
		err = store_write_new(ctx, it->id, it->list.v, it->list.n);
		if (err)
			return err;
	}
	return 0;
}

/* Elements the content of the live IPv4 table takes (its header); 0 when unknown. */
static __u32 live_v4_used(struct sl_ctx *ctx)
{
	struct sl_t4_elem h;
	__u32 zero = 0, id;
	int fd;

	if (bpf_map_lookup_elem(ctx->v4_fd, &zero, &id))
		return 0;
	fd = bpf_map_get_fd_by_id(id);
	if (fd < 0)
		return 0;
	if (bpf_map_lookup_elem(fd, &zero, &h))
		h.w[SL_T4_W_USED] = 0;
	close(fd);
	return h.w[SL_T4_W_USED];
}

/* Tables smaller than this (64-byte elements, 4 MiB) are made without a spare. */
#define SPARE_MIN (1u << 16)

int sl_batch_commit(struct sl_ctx *ctx, struct sl_batch *b)
{
	struct sl_spare spare = { 0 };
	struct sl_commit cm = { 0 };
	bool family[2] = { false, false };
	__u64 t0 = sl_now_mono_ns(), t1;
	__u32 used;
	int err;

	err = families(ctx, b, family);
	/* a reload is most often about the size of what it replaces */
	used = !err && family[0] ? live_v4_used(ctx) : 0;
	if (used >= SPARE_MIN)
		sl_spare_start(&spare, used + used / 32);
	if (!err)
		err = stage_items(ctx, b, &cm);
	sl_crash_point("lists");
	/* only provenance, or lists that stay empty: no table to build */
	if (!err && (family[0] || family[1]))
		err = stage_tables(ctx, b, family, &spare, &cm);
	sl_spare_drop(&spare);
	t1 = sl_now_mono_ns();
	b->build_ns = t1 - t0;
	if (!err)
		err = sl_journal_commit(ctx, &cm);
	else
		sl_journal_recover(ctx); /* nothing committed: unstage */
	b->swap_ns = sl_now_mono_ns() - t1;
	free(cm.items);
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
	/* sorted and unique, as a normalised feed (gather()) */
	if (!err) {
		sl_pfx_resolve(&it->list);
		err = sl_batch_commit(ctx, &b);
	}
	sl_batch_free(&b);
	return err;
}
