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
#include "util.h"

static size_t store_bytes(size_t n)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t sz = (n ? n : 1) * sizeof(struct sl_pfx);

	return (sz + page - 1) / page * page;
}

int sl_store_read(struct sl_ctx *ctx, __u32 id, size_t n, struct sl_pfx_vec *out)
{
	char path[PATH_MAX];
	void *mem;
	int fd, err;

	if (!n)
		return 0;
	sl_pin_path(path, sizeof(path), ctx, "feeds/c%u", id);
	fd = bpf_obj_get(path);
	if (fd < 0) {
		sl_err("the prefix list of class %u is missing (%s)", id, path);
		return -EIO;
	}
	mem = mmap(NULL, store_bytes(n), PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	if (mem == MAP_FAILED)
		return -errno;
	err = sl_pfx_vec_append(out, mem, n);
	munmap(mem, store_bytes(n));
	return err;
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

/* Build a fresh table of one family from its sorted, unique entries. */
static int table_fill(struct sl_ctx *ctx, int family, const struct sl_pfx *p, size_t n)
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
	if (family == 4)
		ctx->st.bytes_v4 = b.bytes;
	else
		ctx->st.bytes_v6 = b.bytes;
	return b.fd;
}

static int swap_in(struct sl_ctx *ctx, int family, int fd)
{
	__u32 zero = 0;

	if (bpf_map_update_elem(family == 4 ? ctx->v4_fd : ctx->v6_fd, &zero, &fd, BPF_ANY))
		return -errno;
	return 0;
}

/* Everything except class `skip`, from the stored lists. */
static int gather(struct sl_ctx *ctx, __u32 skip, struct sl_pfx_vec *all)
{
	struct sl_class c;
	size_t start;
	__u32 id, i;
	int err;

	for (id = 1; id < ctx->st.max_classes; id++) {
		if (id == skip)
			continue;
		err = sl_class_get(ctx, id, &c);
		if (err)
			return err;
		if (!(c.flags & SL_CLASS_USED))
			continue;
		start = all->n;
		err = sl_store_read(ctx, id, (size_t)c.n_v4 + c.n_v6, all);
		if (err)
			return err;
		for (i = start; i < all->n; i++)
			all->v[i].class_id = id;
	}
	return 0;
}

/* Merge within the classes that asked for it (feed load --merge). */
static int merge_classes(struct sl_ctx *ctx, struct sl_pfx_vec *all)
{
	bool *mergeable = calloc(ctx->st.max_classes, sizeof(*mergeable)), any = false;
	struct sl_class c;
	__u32 id;

	if (!mergeable)
		return -ENOMEM;
	for (id = 1; id < ctx->st.max_classes; id++) {
		if (sl_class_get(ctx, id, &c))
			continue;
		mergeable[id] = (c.flags & SL_CLASS_USED) && (c.flags & SL_CLASS_MERGE);
		any |= mergeable[id];
	}
	if (any)
		sl_pfx_merge(all, mergeable, ctx->st.max_classes);
	free(mergeable);
	return 0;
}

int sl_tables_replace(struct sl_ctx *ctx, __u32 id, const struct sl_pfx *list, size_t n)
{
	struct sl_pfx_vec all = { 0 };
	struct sl_class c;
	size_t n4 = 0, i, split;
	int fd[2] = { -1, -1 };
	int err, f;

	err = sl_class_get(ctx, id, &c);
	if (err)
		return err;
	for (i = 0; i < n; i++)
		n4 += list[i].family == 4;

	err = gather(ctx, id, &all);
	if (!err)
		err = sl_pfx_vec_append(&all, list, n);
	if (err)
		goto cleanup;
	for (i = all.n - n; i < all.n; i++)
		all.v[i].class_id = id;
	sl_pfx_resolve(&all);
	err = merge_classes(ctx, &all);
	if (err)
		goto cleanup;

	for (split = 0; split < all.n && all.v[split].family == 4; split++)
		;
	/* Build whichever family this class had or will have prefixes in. */
	if (c.n_v4 || n4) {
		fd[0] = table_fill(ctx, 4, all.v, split);
		if (fd[0] < 0) {
			err = fd[0];
			goto cleanup;
		}
	}
	if (c.n_v6 || n - n4) {
		fd[1] = table_fill(ctx, 6, all.v + split, all.n - split);
		if (fd[1] < 0) {
			err = fd[1];
			goto cleanup;
		}
	}
	err = store_write_new(ctx, id, list, n);
	if (err)
		goto cleanup;

	/* The point of no return: swap each family in with one update. */
	for (f = 0; f < 2; f++) {
		if (fd[f] < 0)
			continue;
		err = swap_in(ctx, f ? 6 : 4, fd[f]);
		if (err) {
			sl_err("cannot swap in the new IPv%d table: %s", f ? 6 : 4, strerror(-err));
			goto cleanup;
		}
	}
	err = store_commit(ctx, id, n);
	if (err)
		goto cleanup;

	c.n_v4 = n4;
	c.n_v6 = n - n4;
	c.load_time = sl_now_realtime_ns();
	ctx->st.generation++;
	ctx->st.swap_time = c.load_time;
	ctx->st.n_v4 = split;
	ctx->st.n_v6 = all.n - split;
	c.feed_gen = ctx->st.generation;
	err = sl_class_put(ctx, id, &c);
	if (!err)
		err = sl_state_write(ctx);
cleanup:
	for (f = 0; f < 2; f++)
		if (fd[f] >= 0)
			close(fd[f]);
	sl_pfx_vec_free(&all);
	return err;
}
