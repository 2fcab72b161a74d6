// SPDX-License-Identifier: GPL-2.0
/*
 * The commit record (journal.h). Order of a commit:
 *
 *   stage    lists as c<ID>_new, new tables pinned (staged_v4, staged_v6)
 *   journal  the record of what is staged, pinned as journal_tmp
 *   COMMIT   journal_tmp renamed to journal: from here on, done
 *   apply    swap each table in; c<ID> -> p<ID> (the previous list),
 *            c<ID>_new -> c<ID>; class records and provenance; state
 *   clear    unlink journal, then the staged tables
 *
 * Every step of apply is idempotent and reads only the pins, so the next
 * command redoes it all after a kill.
 */
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "diag.h"
#include "journal.h"
#include "table_build.h"
#include "util.h"

#define JOURNAL_MAGIC 0x51c10a01u

struct jhead {
	__u32 magic;
	__u32 n;
	__u32 table[2];
	__u32 n_v4, n_v6;
	__u64 bytes[2];
	__u64 now;
	__u64 generation;
};

struct jitem {
	struct sl_journal_item it;
	struct sl_prev_src old; /* the class's provenance before the commit */
};

union jrec {
	struct jhead h;
	struct jitem i;
};

void sl_store_path(char *buf, size_t len, struct sl_ctx *ctx, const char *kind, __u32 id)
{
	if (!strcmp(kind, "c_new"))
		sl_pin_path(buf, len, ctx, "feeds/c%u_new", id);
	else if (!strcmp(kind, "p_src"))
		sl_pin_path(buf, len, ctx, "feeds/p%u_src", id);
	else
		sl_pin_path(buf, len, ctx, "feeds/%s%u", kind, id);
}

static void staged_path(char *buf, size_t len, struct sl_ctx *ctx, int f)
{
	sl_pin_path(buf, len, ctx, "staged_v%d", f ? 6 : 4);
}

static bool exists(const char *path)
{
	return access(path, F_OK) == 0;
}

int sl_journal_stage_table(struct sl_ctx *ctx, int family, int fd)
{
	char path[PATH_MAX];

	staged_path(path, sizeof(path), ctx, family == 6);
	unlink(path);
	return bpf_obj_pin(fd, path) ? -errno : 0;
}

/* ---------------------------------------------------------------- apply */

/* Swap in family f's staged table, if any: 0 or -errno (no message). */
static int swap_one(struct sl_ctx *ctx, int f)
{
	char path[PATH_MAX];
	int fd, err;

	staged_path(path, sizeof(path), ctx, f);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	err = sl_table_install(f ? ctx->v6_fd : ctx->v4_fd, ctx->present_fd, f ? 6 : 4, fd);
	close(fd);
	return err;
}

struct swap_job {
	struct sl_ctx *ctx;
	int err;
};

static void *swap_v6(void *arg)
{
	struct swap_job *j = arg;

	j->err = swap_one(j->ctx, 1);
	return NULL;
}

/*
 * Swap in the staged tables of the families in table[]. Each update of a
 * map-in-map waits for a grace period in the kernel (8-11 ms here), so the
 * IPv6 one runs in a second thread beside the IPv4 one and the two wait
 * together. Replay after a crash swaps again whatever is still staged.
 */
static int swap_staged(struct sl_ctx *ctx, const __u32 table[2])
{
	struct swap_job j = { ctx, 0 };
	pthread_t thr;
	bool threaded = false;
	int err[2] = { 0, 0 }, f;

	if (table[0] && table[1])
		threaded = !sl_thread_start(&thr, swap_v6, &j);
	if (table[0])
		err[0] = swap_one(ctx, 0);
	if (threaded) {
		pthread_join(thr, NULL);
		err[1] = j.err;
	} else if (table[1]) {
		err[1] = swap_one(ctx, 1);
	}
	for (f = 0; f < 2; f++) {
		if (err[f]) {
			sl_err("cannot swap in the new IPv%d table: %s", f ? 6 : 4,
			       strerror(-err[f]));
			return err[f];
		}
	}
	return 0;
}

static int write_prev_src(struct sl_ctx *ctx, __u32 id, const struct sl_prev_src *ps)
{
	char path[PATH_MAX];
	__u32 zero = 0;
	int fd, err = 0;

	fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "sl_prev", sizeof(__u32), sizeof(*ps), 1, NULL);
	if (fd < 0)
		return -errno;
	sl_store_path(path, sizeof(path), ctx, "p_src", id);
	unlink(path);
	if (bpf_map_update_elem(fd, &zero, ps, BPF_ANY) || bpf_obj_pin(fd, path))
		err = -errno;
	close(fd);
	return err;
}

/* c<ID> becomes the previous list p<ID>, c<ID>_new the live one. */
static int rotate_store(struct sl_ctx *ctx, const struct jitem *j)
{
	char c[PATH_MAX], cn[PATH_MAX], p[PATH_MAX];
	__u32 id = j->it.id;
	int err;

	if (j->it.unchanged)
		return 0;
	sl_store_path(cn, sizeof(cn), ctx, "c_new", id);
	if (!exists(cn))
		return 0; /* done already */
	sl_store_path(c, sizeof(c), ctx, "c", id);
	sl_store_path(p, sizeof(p), ctx, "p", id);
	if (exists(c)) {
		err = write_prev_src(ctx, id, &j->old);
		if (!err && rename(c, p))
			err = -errno;
		if (err)
			return err;
	}
	if (j->it.list_n)
		return rename(cn, c) ? -errno : 0;
	return unlink(cn) && errno != ENOENT ? -errno : 0;
}

static int write_record(struct sl_ctx *ctx, const struct sl_journal_item *it, __u64 now)
{
	struct sl_source_key k = { .class_id = it->id };
	struct sl_class c;
	int err;

	err = sl_class_get(ctx, it->id, &c);
	if (err)
		return err;
	c.load_time = now;
	if (!it->unchanged)
		c.flags = it->flags;
	if (it->sources) {
		c.src_hash = it->src_hash;
		c.n_sources = it->nsrc;
	}
	err = sl_class_put(ctx, it->id, &c);
	for (k.index = 0; !err && it->sources && k.index < SL_MAX_SOURCES; k.index++) {
		if (k.index >= it->nsrc)
			bpf_map_delete_elem(ctx->sources_fd, &k);
		else if (bpf_map_update_elem(ctx->sources_fd, &k, &it->src[k.index], BPF_ANY))
			err = -errno;
	}
	return err;
}

static int apply(struct sl_ctx *ctx, const struct jhead *h, const struct jitem *items)
{
	__u32 i;
	int f, err;

	err = swap_staged(ctx, h->table);
	sl_crash_point("swap");
	for (i = 0; i < h->n && !err; i++)
		err = rotate_store(ctx, &items[i]);
	sl_crash_point("rotate");
	for (i = 0; i < h->n && !err; i++)
		err = write_record(ctx, &items[i].it, h->now);
	sl_crash_point("records");
	if (err || (!h->table[0] && !h->table[1]))
		return err;
	ctx->st.generation = h->generation;
	ctx->st.swap_time = h->now;
	ctx->st.n_v4 = h->n_v4;
	ctx->st.n_v6 = h->n_v6;
	for (f = 0; f < 2; f++)
		if (h->table[f])
			*(f ? &ctx->st.bytes_v6 : &ctx->st.bytes_v4) = h->bytes[f];
	return sl_state_write(ctx);
}

/* ---------------------------------------------------------------- write */

static void journal_path(char *buf, size_t len, struct sl_ctx *ctx, bool tmp)
{
	sl_pin_path(buf, len, ctx, "%s", tmp ? "journal_tmp" : "journal");
}

/* The class's provenance now: what becomes its previous list's. */
static void read_old(struct sl_ctx *ctx, __u32 id, struct sl_prev_src *ps)
{
	struct sl_source_key k = { .class_id = id };
	struct sl_class c;

	memset(ps, 0, sizeof(*ps));
	if (sl_class_get(ctx, id, &c))
		return;
	ps->src_hash = c.src_hash;
	ps->load_time = c.load_time;
	ps->flags = c.flags;
	for (k.index = 0; k.index < c.n_sources && k.index < SL_MAX_SOURCES; k.index++)
		if (!bpf_map_lookup_elem(ctx->sources_fd, &k, &ps->src[ps->nsrc]))
			ps->nsrc++;
}

static int journal_fill(struct sl_ctx *ctx, int fd, const struct sl_commit *c, union jrec *r)
{
	__u32 key;

	memset(r, 0, sizeof(*r));
	r->h.magic = JOURNAL_MAGIC;
	r->h.n = c->n;
	r->h.table[0] = c->table[0];
	r->h.table[1] = c->table[1];
	r->h.n_v4 = c->n_v4;
	r->h.n_v6 = c->n_v6;
	r->h.bytes[0] = c->bytes[0];
	r->h.bytes[1] = c->bytes[1];
	r->h.now = sl_now_realtime_ns();
	r->h.generation = ctx->st.generation + 1;
	key = 0;
	if (bpf_map_update_elem(fd, &key, r, BPF_ANY))
		return -errno;
	for (key = 1; key <= c->n; key++) {
		memset(r, 0, sizeof(*r));
		r->i.it = c->items[key - 1];
		read_old(ctx, r->i.it.id, &r->i.old);
		if (bpf_map_update_elem(fd, &key, r, BPF_ANY))
			return -errno;
	}
	return 0;
}

static int journal_write(struct sl_ctx *ctx, const struct sl_commit *c)
{
	char tmp[PATH_MAX], path[PATH_MAX];
	union jrec *r = malloc(sizeof(*r));
	int fd, err;

	if (!r)
		return -ENOMEM;
	fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "sl_journal", sizeof(__u32), sizeof(*r), c->n + 1,
			    NULL);
	err = fd < 0 ? -errno : journal_fill(ctx, fd, c, r);
	journal_path(tmp, sizeof(tmp), ctx, true);
	journal_path(path, sizeof(path), ctx, false);
	unlink(tmp);
	if (!err && bpf_obj_pin(fd, tmp))
		err = -errno;
	if (fd >= 0)
		close(fd);
	free(r);
	sl_crash_point("journal");
	/* the commit point */
	if (!err && rename(tmp, path))
		err = -errno;
	return err;
}

/* Read a pinned journal whole; *items to free. */
static int journal_read(int fd, struct jhead *h, struct jitem **items)
{
	union jrec *r = malloc(sizeof(*r));
	__u32 key = 0;
	int err = 0;

	*items = NULL;
	if (!r)
		return -ENOMEM;
	if (bpf_map_lookup_elem(fd, &key, r) || r->h.magic != JOURNAL_MAGIC) {
		err = -EIO;
		goto out;
	}
	*h = r->h;
	*items = calloc(h->n + 1, sizeof(**items));
	if (!*items) {
		err = -ENOMEM;
		goto out;
	}
	for (key = 1; key <= h->n && !err; key++) {
		if (bpf_map_lookup_elem(fd, &key, r))
			err = -EIO;
		else
			(*items)[key - 1] = r->i;
	}
out:
	free(r);
	return err;
}

/* ---------------------------------------------------------------- clear */

static void unlink_staging(struct sl_ctx *ctx)
{
	char path[PATH_MAX];
	int f;

	journal_path(path, sizeof(path), ctx, true);
	unlink(path);
	for (f = 0; f < 2; f++) {
		staged_path(path, sizeof(path), ctx, f);
		unlink(path);
	}
}

/*
 * Staged lists (feeds/c<ID>_new): whether there are any; with drop, once no
 * journal is left to commit them, unlinked.
 */
static bool staged_lists(struct sl_ctx *ctx, bool drop)
{
	char dir[PATH_MAX], path[PATH_MAX + 256];
	struct dirent *de;
	bool any = false;
	size_t n;
	DIR *d;

	sl_pin_path(dir, sizeof(dir), ctx, "feeds");
	d = opendir(dir);
	if (!d)
		return false;
	while ((de = readdir(d)) && (drop || !any)) {
		n = strlen(de->d_name);
		if (n > 4 && !strcmp(de->d_name + n - 4, "_new")) {
			any = true;
			snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
			if (drop)
				unlink(path);
		}
	}
	closedir(d);
	return any;
}

static void journal_clear(struct sl_ctx *ctx)
{
	char path[PATH_MAX];

	journal_path(path, sizeof(path), ctx, false);
	unlink(path);
	unlink_staging(ctx);
}

int sl_journal_commit(struct sl_ctx *ctx, const struct sl_commit *c)
{
	struct jitem *items = NULL;
	char path[PATH_MAX];
	struct jhead h;
	int fd, err;

	sl_crash_point("stage");
	err = journal_write(ctx, c);
	if (err) {
		unlink_staging(ctx);
		staged_lists(ctx, true);
		return err;
	}
	sl_crash_point("commit");
	/* apply what the pinned journal says, as a recovery would */
	journal_path(path, sizeof(path), ctx, false);
	fd = bpf_obj_get(path);
	err = fd < 0 ? -errno : journal_read(fd, &h, &items);
	if (fd >= 0)
		close(fd);
	if (!err)
		err = apply(ctx, &h, items);
	free(items);
	sl_crash_point("done");
	if (!err)
		journal_clear(ctx);
	return err;
}

bool sl_journal_pending(struct sl_ctx *ctx)
{
	char path[PATH_MAX];
	int f;

	journal_path(path, sizeof(path), ctx, false);
	if (exists(path))
		return true;
	journal_path(path, sizeof(path), ctx, true);
	if (exists(path))
		return true;
	for (f = 0; f < 2; f++) {
		staged_path(path, sizeof(path), ctx, f);
		if (exists(path))
			return true;
	}
	/* a writer killed after staging its lists, before its tables */
	return staged_lists(ctx, false);
}

int sl_journal_recover(struct sl_ctx *ctx)
{
	struct jitem *items = NULL;
	char path[PATH_MAX];
	struct jhead h;
	int fd, err = 0;

	journal_path(path, sizeof(path), ctx, false);
	fd = bpf_obj_get(path);
	if (fd >= 0) {
		err = journal_read(fd, &h, &items);
		close(fd);
		if (!err)
			err = apply(ctx, &h, items);
		free(items);
		if (err) {
			sl_err("cannot complete the change an interrupted sluice left in %s: %s "
			       "('sluice detach --all' clears the state)", ctx->dir, strerror(-err));
			return err;
		}
		journal_clear(ctx);
	} else {
		unlink_staging(ctx);
	}
	staged_lists(ctx, true);
	return 0;
}

int sl_prev_read(struct sl_ctx *ctx, __u32 id, struct sl_prev_src *ps)
{
	char path[PATH_MAX];
	__u32 zero = 0;
	int fd, err = 0;

	sl_store_path(path, sizeof(path), ctx, "p_src", id);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return -errno;
	if (bpf_map_lookup_elem(fd, &zero, ps))
		err = -errno;
	close(fd);
	return err;
}

void sl_prev_drop(struct sl_ctx *ctx, __u32 id)
{
	char path[PATH_MAX];

	sl_store_path(path, sizeof(path), ctx, "p", id);
	unlink(path);
	sl_store_path(path, sizeof(path), ctx, "p_src", id);
	unlink(path);
}

/* A reader takes the lock only to see a pending journal through. */
static int recover(struct sl_ctx *ctx, bool writer)
{
	bool borrowed = ctx->lock_fd < 0;
	int err;

	if (!writer && !sl_journal_pending(ctx))
		return 0;
	if (borrowed) {
		err = sl_state_lock(ctx);
		if (err)
			return err;
	}
	err = sl_state_read(ctx);
	if (!err)
		err = sl_journal_recover(ctx);
	if (!err)
		err = sl_state_read(ctx);
	if (borrowed && !writer) {
		close(ctx->lock_fd);
		ctx->lock_fd = -1;
	}
	return err;
}

int sl_open(struct sl_ctx *ctx, unsigned int flags, const struct sl_sizes *sizes)
{
	int err = sl_state_open(ctx, flags, sizes);

	return err ? err : recover(ctx, flags & SL_OPEN_LOCK);
}

int sl_open_existing(struct sl_ctx *ctx, unsigned int flags)
{
	int err;

	sl_ctx_init(ctx, NULL);
	err = sl_open(ctx, flags, NULL);
	if (err == -ENOENT)
		sl_err("nothing attached: sluice is not loaded (see 'sluice attach')");
	return err;
}

int sl_lock(struct sl_ctx *ctx)
{
	int err = sl_state_lock(ctx);

	return err ? err : recover(ctx, true);
}
