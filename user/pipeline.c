// SPDX-License-Identifier: GPL-2.0
/*
 * The feed pipeline: a class's sources go through the stages in order,
 *
 *   stage_read       hash each source, parse it (feed.c)
 *   gate_invalid     the share of invalid lines (--max-invalid)
 *   stage_normalise  exceptions, sort, dedupe (prefix.c); the empty gate
 *   plan_churn       the change against the live list; --max-churn
 *   stage_batch      the list and its provenance into a batch (table.c)
 *   commit           one table build and swap for the whole batch
 *
 * and the result is a plan. Nothing here prints.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "diag.h"
#include "journal.h"
#include "pipeline.h"
#include "source.h"
#include "util.h"

void sl_feed_args_init(struct sl_feed_args *a)
{
	memset(a, 0, sizeof(*a));
	a->max_invalid = 1.0;
	a->max_churn = -1;
}

static void close_sources(struct sl_feed_input *in)
{
	int i;

	for (i = 0; i < in->nopen; i++)
		sl_source_close(&in->fd[i]);
	in->nopen = 0;
}

void sl_feed_input_free(struct sl_feed_input *in)
{
	close_sources(in);
	sl_pfx_vec_free(&in->vec);
}

/*
 * The parsers' version: bump it when the same bytes come to mean other
 * prefixes (2: ipset nomatch entries are exceptions; 3: registry CSV lines
 * of any length), so that unchanged files are read again after an upgrade.
 */
#define SL_PARSER_VERSION 3

/* One hash over every source and the options that shape the result. */
static int combined_hash(const struct sl_feed_args *a, const struct sl_source *src, __u64 *out)
{
	XXH3_state_t *h = XXH3_createState();
	const __u32 version = SL_PARSER_VERSION;
	__u64 v;
	int i;

	if (!h)
		return -ENOMEM;
	XXH3_64bits_reset(h);
	XXH3_64bits_update(h, &version, sizeof(version));
	XXH3_64bits_update(h, &a->fo.format, sizeof(a->fo.format));
	XXH3_64bits_update(h, &a->fo.strict, sizeof(a->fo.strict));
	XXH3_64bits_update(h, &a->merge, sizeof(a->merge));
	if (a->fo.has_cc) /* the same file for another country is another source */
		XXH3_64bits_update(h, a->fo.cc, sizeof(a->fo.cc));
	for (i = 0; i < a->nfiles; i++) {
		XXH3_64bits_update(h, src[i].path, strlen(src[i].path));
		XXH3_64bits_update(h, &src[i].hash, sizeof(src[i].hash));
		XXH3_64bits_update(h, &src[i].size, sizeof(src[i].size));
	}
	v = XXH3_64bits_digest(h);
	XXH3_freeState(h);
	*out = v ? v : 1;
	return 0;
}

typedef sl_u128 u128;

static u128 pfx_span(const struct sl_pfx *p)
{
	int bits = (p->family == 4 ? 32 : 128) - p->plen;

	return bits >= 128 ? ~(u128)0 : ((u128)1 << bits) - 1;
}

/*
 * The address intervals of one family's part of a sorted list, one at a
 * time: nested and overlapping prefixes make one interval, as adjacent
 * ones may not (the count is the same either way).
 */
struct spans {
	const struct sl_pfx *v, *end;
	u128 lo, hi;
};

static bool span_next(struct spans *s)
{
	u128 a, b;

	if (s->v == s->end)
		return false;
	s->lo = sl_pfx_to_u128(s->v);
	s->hi = s->lo + pfx_span(s->v);
	for (s->v++; s->v < s->end; s->v++) {
		a = sl_pfx_to_u128(s->v);
		if (a > s->hi)
			break;
		b = a + pfx_span(s->v);
		if (b > s->hi)
			s->hi = b;
	}
	return true;
}

/*
 * Addresses of x[0..nx) that no prefix of y[0..ny) covers (the IPv6 parts
 * of sorted lists; a double, as 2^128 does not fit). A y interval that
 * reaches past the end of an x interval is kept for the next one; those
 * that end before it cannot reach it.
 */
static double only_in(const struct sl_pfx *x, size_t nx, const struct sl_pfx *y, size_t ny)
{
	struct spans xs = { .v = x, .end = x + nx }, ys = { .v = y, .end = y + ny };
	bool have_y = span_next(&ys);
	double total = 0;
	u128 a, b;

	while (span_next(&xs)) {
		a = xs.lo;
		b = xs.hi;
		while (have_y && ys.hi < a)
			have_y = span_next(&ys);
		for (; have_y && ys.lo <= b; have_y = span_next(&ys)) {
			if (ys.lo > a)
				total += (double)(ys.lo - a);
			if (ys.hi >= b)
				goto next;
			a = ys.hi + 1;
		}
		total += (double)(b - a) + 1;
next:;
	}
	return total;
}

/*
 * IPv4 addresses only in x and only in y, in one pass over both: each
 * list's addresses less those both cover (the overlaps of their intervals),
 * exact (IPv4 counts fit in 64 bits; IPv6's can be 2^128: only_in()).
 */
struct change4 {
	const struct sl_pfx *x, *y;
	size_t nx, ny;
	double only_x, only_y;
};

static void *change4_run(void *arg)
{
	struct change4 *c = arg;
	struct spans xs = { .v = c->x, .end = c->x + c->nx };
	struct spans ys = { .v = c->y, .end = c->y + c->ny };
	bool hx = span_next(&xs), hy = span_next(&ys);
	u128 nx = 0, ny = 0, both = 0, lo, hi;

	if (hx)
		nx += xs.hi - xs.lo + 1;
	if (hy)
		ny += ys.hi - ys.lo + 1;
	while (hx && hy) {
		lo = xs.lo > ys.lo ? xs.lo : ys.lo;
		hi = xs.hi < ys.hi ? xs.hi : ys.hi;
		if (lo <= hi)
			both += hi - lo + 1;
		/* the interval that ends first can overlap no later one */
		if (xs.hi < ys.hi) {
			hx = span_next(&xs);
			if (hx)
				nx += xs.hi - xs.lo + 1;
		} else {
			hy = span_next(&ys);
			if (hy)
				ny += ys.hi - ys.lo + 1;
		}
	}
	while (hx && (hx = span_next(&xs)))
		nx += xs.hi - xs.lo + 1;
	while (hy && (hy = span_next(&ys)))
		ny += ys.hi - ys.lo + 1;
	c->only_x = (double)(nx - both);
	c->only_y = (double)(ny - both);
	return NULL;
}

/* An IPv4 entry's address and length: in sl_pfx_cmp() order, before its class. */
static inline __u64 key4(const struct sl_pfx *p)
{
	return (__u64)sl_pfx_addr4(p) << 8 | p->plen;
}

/*
 * The IPv4 parts of two sorted lists merged without a branch on the
 * order: two feeds differ at random, and a branch on it was mispredicted
 * half the time (20 ms for two lists of 1M). Stops at the end of either;
 * *io and *jo say where.
 */
static void merge4(const struct sl_pfx *o, size_t no, const struct sl_pfx *n, size_t nn,
		   struct sl_plan *p, size_t kept[2], size_t *io, size_t *jo)
{
	size_t i = 0, j = 0, removed = 0, added = 0, same = 0;

	while (i < no && j < nn) {
		__u64 x = key4(&o[i]), y = key4(&n[j]);
		__u32 cx = o[i].class_id, cy = n[j].class_id;
		size_t lt = (x < y) | ((x == y) & (cx < cy));
		size_t gt = (x > y) | ((x == y) & (cx > cy));
		size_t eq = !(lt | gt);

		removed += lt;
		added += gt;
		same += eq;
		i += lt | eq;
		j += gt | eq;
	}
	p->removed[0] += removed;
	p->added[0] += added;
	kept[0] += same;
	*io = i;
	*jo = j;
}

/*
 * Entries and addresses added and removed. IPv4's addresses are counted by
 * a second thread while this one merges the lists and counts IPv6's (inline
 * when no thread can be started).
 */
static void make_plan(const struct sl_pfx_vec *old, const struct sl_pfx_vec *new,
		      struct sl_plan *p, size_t kept[2])
{
	size_t i = 0, j = 0, so, sn;
	struct change4 v4;
	pthread_t thr;
	bool threaded;

	/* both lists sorted: IPv4 first, then IPv6 */
	so = sl_pfx_split(old->v, old->n);
	sn = sl_pfx_split(new->v, new->n);
	v4 = (struct change4){ .x = new->v, .nx = sn, .y = old->v, .ny = so };
	threaded = !sl_thread_start(&thr, change4_run, &v4);
	merge4(old->v, so, new->v, sn, p, kept, &i, &j);
	while (i < old->n || j < new->n) {
		int c = i == old->n ? 1 : j == new->n ? -1 : sl_pfx_cmp(&old->v[i], &new->v[j]);

		if (c < 0) {
			p->removed[old->v[i++].family == 6]++;
		} else if (c > 0) {
			p->added[new->v[j++].family == 6]++;
		} else {
			kept[new->v[j].family == 6]++;
			i++;
			j++;
		}
	}
	p->addr_added[1] = only_in(new->v + sn, new->n - sn, old->v + so, old->n - so);
	p->addr_removed[1] = only_in(old->v + so, old->n - so, new->v + sn, new->n - sn);
	if (threaded)
		pthread_join(thr, NULL);
	else
		change4_run(&v4);
	p->addr_added[0] = v4.only_x;
	p->addr_removed[0] = v4.only_y;
}

static bool plan_changes(const struct sl_plan *p)
{
	return p->added[0] || p->added[1] || p->removed[0] || p->removed[1];
}

/* The feeds' files in an error message. */
static const char *feeds_name(const struct sl_feed_args *a)
{
	return a->nfiles == 1 ? a->files[0] : "feeds";
}

/* Open every source once and hash it (source.c). */
static int stage_open(const struct sl_feed_args *a, struct sl_feed_input *in)
{
	int i, err;

	in->hashed = true;
	for (i = 0; i < a->nfiles; i++) {
		err = sl_source_open(a->files[i], &in->src[i], &in->fd[i]);
		if (err)
			return err;
		in->nopen = i + 1;
		in->hashed &= in->fd[i].comparable;
	}
	return in->hashed ? combined_hash(a, in->src, &in->hash) : 0;
}

static int stage_read(const struct sl_feed_args *a, struct sl_feed_input *in)
{
	struct sl_feed_stats *st = &in->st;
	int i, err;

	for (i = 0; i < a->nfiles; i++) {
		unsigned long e0 = st->entries, i0 = st->invalid;

		err = sl_feed_read_fd(in->fd[i].fd, in->fd[i].name, &a->fo, &in->vec, st);
		if (err)
			return err;
		in->src[i].entries = st->entries - e0;
		in->src[i].invalid = st->invalid - i0;
	}
	in->parsed = true;
	close_sources(in);
	return 0;
}

static int gate_invalid(const struct sl_feed_args *a, const struct sl_feed_stats *st)
{
	if (st->invalid && 100.0 * st->invalid / (st->invalid + st->entries) > a->max_invalid) {
		sl_err("%s: %lu of %lu lines invalid (more than %s %g%%); class %s unchanged",
		       feeds_name(a), st->invalid, st->invalid + st->entries,
		       a->where ? "max_invalid" : "--max-invalid", a->max_invalid, a->cls);
		return -EINVAL;
	}
	return 0;
}

static int stage_normalise(const struct sl_feed_args *a, struct sl_feed_input *in)
{
	int err = sl_pfx_normalise(&in->vec);

	if (err)
		return err;
	if (!in->vec.n && !a->allow_empty) {
		sl_err("%s%s%s: no prefixes; refusing to empty class %s (use %s)",
		       a->where ? a->where : "", a->where ? ": " : "", feeds_name(a), a->cls,
		       a->where ? "allow_empty = yes" : "--allow-empty");
		return -ENODATA;
	}
	return 0;
}

/* Same bytes, same options as the class's last load: nothing to read. */
static bool sources_unchanged(const struct sl_feed_args *a, const struct sl_feed_input *in,
			      const struct sl_class *cl)
{
	return in->hashed && !a->force && cl->src_hash == in->hash;
}

static int find_class(struct sl_ctx *ctx, const char *name, struct sl_class *cl)
{
	int id = sl_class_find(ctx, name, cl);

	if (id == -ENOENT || id == SL_CLASS_DEFAULT) {
		sl_err(id == SL_CLASS_DEFAULT ? "the default class takes no prefixes" :
						"unknown class %s", name);
		return -ENOENT;
	}
	return id;
}

/* ------------------------------------------------- one parse, many countries */

struct sl_feed_cache_entry {
	int nfiles;
	char path[SL_MAX_SOURCES][SL_SOURCE_PATH_LEN];
	__u64 hash[SL_MAX_SOURCES];
	enum sl_format format;
	bool strict;
	int err;		/* the read failed: the same again */
	struct sl_pfx_vec vec;	/* every country, tagged */
	struct sl_feed_stats st;
	struct sl_source src[SL_MAX_SOURCES];
};

static bool cache_match(const struct sl_feed_cache_entry *e, const struct sl_feed_args *a,
			const struct sl_feed_input *in)
{
	int i;

	if (e->nfiles != a->nfiles || e->format != a->fo.format || e->strict != a->fo.strict)
		return false;
	for (i = 0; i < a->nfiles; i++)
		if (strcmp(e->path[i], in->src[i].path) || e->hash[i] != in->src[i].hash)
			return false;
	return true;
}

/* The tagged read of these sources: found, or made now. */
static struct sl_feed_cache_entry *cache_get(struct sl_feed_cache *c, const struct sl_feed_args *a,
					     struct sl_feed_input *in)
{
	struct sl_feed_args all = *a;
	struct sl_feed_cache_entry *e;
	size_t i;
	int f;

	for (i = 0; i < c->n; i++)
		if (cache_match(&c->e[i], a, in))
			return &c->e[i];
	e = realloc(c->e, (c->n + 1) * sizeof(*c->e));
	if (!e)
		return NULL;
	c->e = e;
	e = &c->e[c->n++];
	memset(e, 0, sizeof(*e));
	e->nfiles = a->nfiles;
	e->format = a->fo.format;
	e->strict = a->fo.strict;
	for (f = 0; f < a->nfiles; f++) {
		snprintf(e->path[f], sizeof(e->path[f]), "%s", in->src[f].path);
		e->hash[f] = in->src[f].hash;
	}
	all.fo.tag_cc = true;
	e->err = stage_read(&all, in);
	e->vec = in->vec;
	in->vec = (struct sl_pfx_vec){ 0 };
	e->st = in->st;
	memcpy(e->src, in->src, sizeof(e->src));
	return e;
}

/* A class's countries out of a cached read of its sources. */
static int stage_read_cached(struct sl_feed_cache *c, const struct sl_feed_args *a,
			     struct sl_feed_input *in)
{
	struct sl_feed_cache_entry *e = cache_get(c, a, in);
	int i, err;

	if (!e)
		return -ENOMEM;
	if (e->err)
		return e->err;
	close_sources(in);
	err = sl_pfx_vec_append(&in->vec, e->vec.v, e->vec.n);
	if (err)
		return err;
	in->st = e->st;
	in->st.entries = sl_feed_select_cc(&in->vec, &a->fo);
	for (i = 0; i < a->nfiles; i++) {
		in->src[i].entries = e->src[i].entries;
		in->src[i].invalid = e->src[i].invalid;
	}
	in->parsed = true;
	return 0;
}

void sl_feed_cache_free(struct sl_feed_cache *c)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		sl_pfx_vec_free(&c->e[i].vec);
	free(c->e);
	c->e = NULL;
	c->n = 0;
}

int sl_feed_prepare(struct sl_ctx *ctx, const struct sl_feed_args *a, struct sl_feed_input *in)
{
	return sl_feed_prepare_cached(ctx, a, in, NULL);
}

int sl_feed_prepare_cached(struct sl_ctx *ctx, const struct sl_feed_args *a,
			   struct sl_feed_input *in, struct sl_feed_cache *cache)
{
	struct sl_class cl;
	int err;

	__u64 t0 = sl_now_mono_ns(), t1;

	memset(in, 0, sizeof(*in));
	err = stage_open(a, in);
	in->read_ns = sl_now_mono_ns() - t0;
	if (err)
		return err;
	if (ctx) {
		err = find_class(ctx, a->cls, &cl);
		if (err < 0)
			return err;
		if (sources_unchanged(a, in, &cl))
			return 0;
	}
	/* classes of countries of the same RIR file: one parse for all */
	t0 = sl_now_mono_ns();
	if (cache && a->fo.has_cc)
		err = stage_read_cached(cache, a, in);
	else
		err = stage_read(a, in);
	if (!err)
		err = gate_invalid(a, &in->st);
	t1 = sl_now_mono_ns();
	in->parse_ns = t1 - t0;
	if (!err)
		err = stage_normalise(a, in);
	in->normalise_ns = sl_now_mono_ns() - t1;
	return err;
}

/* The change against the class's live list, and the churn gate. */
static int plan_churn(struct sl_ctx *ctx, const struct sl_feed_args *a, __u32 id,
		      const struct sl_class *cl, const struct sl_pfx_vec *vec, struct sl_plan *p)
{
	struct sl_pfx_vec old = { 0 };
	size_t kept[2] = { 0, 0 };
	int i, err;

	err = sl_store_view(ctx, id, &old);
	if (err)
		goto out;
	make_plan(&old, vec, p, kept);
	for (i = 0; i < 2; i++)
		p->prefixes[i] = kept[i] + p->added[i];
	p->changes = plan_changes(p);
	/* Turning merging on or off rebuilds the tables, prefixes unchanged. */
	if (!(cl->flags & SL_CLASS_MERGE) != !a->merge)
		p->changes = true;
	if (a->max_churn >= 0 && old.n) {
		size_t n = p->added[0] + p->added[1] + p->removed[0] + p->removed[1];
		double churn = 100.0 * n / old.n;

		if (churn > a->max_churn) {
			sl_err("%s%sthe change to class %s adds %zu and removes %zu of %zu prefixes "
			       "(%.1f%%, more than %s %g%%); class unchanged",
			       a->where ? a->where : "", a->where ? ": " : "", a->cls,
			       p->added[0] + p->added[1], p->removed[0] + p->removed[1], old.n, churn,
			       a->where ? "max_churn" : "--max-churn", a->max_churn);
			err = -EDQUOT;
		}
	}
out:
	sl_store_unview(&old);
	return err;
}

/*
 * The new list and its provenance go into a batch. Same prefixes from
 * different bytes: an item too, which records the new provenance only.
 */
static int stage_batch(struct sl_batch *b, __u32 id, const struct sl_class *cl,
		       const struct sl_feed_args *a, struct sl_feed_input *in,
		       const struct sl_plan *p)
{
	struct sl_batch_item *it = sl_batch_item(b, id);

	if (!it)
		return -ENOMEM;
	it->flags = a->merge ? cl->flags | SL_CLASS_MERGE : cl->flags & ~SL_CLASS_MERGE;
	it->list = in->vec;
	in->vec = (struct sl_pfx_vec){ 0 };
	it->sources = true;
	it->src_hash = in->hash;
	it->nsrc = a->nfiles;
	memcpy(it->src, in->src, a->nfiles * sizeof(in->src[0]));
	it->unchanged = !p->changes;
	return 0;
}

int sl_feed_update(struct sl_ctx *ctx, const struct sl_feed_args *a, struct sl_feed_input *in,
		   struct sl_plan *p)
{
	__u64 t0;
	struct sl_batch one = { 0 };
	struct sl_class cl;
	int id, err;

	memset(p, 0, sizeof(*p));
	id = find_class(ctx, a->cls, &cl);
	if (id < 0)
		return id;
	if (sources_unchanged(a, in, &cl)) {
		__u32 n[2];

		err = sl_store_counts(ctx, id, n);
		p->unchanged_sources = true;
		p->prefixes[0] = n[0];
		p->prefixes[1] = n[1];
		return err;
	}
	/* changed since sl_feed_prepare looked (another writer): read now */
	if (!in->parsed) {
		sl_feed_input_free(in);
		err = sl_feed_prepare(NULL, a, in);
		if (err)
			return err;
	}
	p->st = in->st;
	p->ns.read = in->read_ns;
	p->ns.parse = in->parse_ns;
	p->ns.normalise = in->normalise_ns;
	t0 = sl_now_mono_ns();
	err = plan_churn(ctx, a, id, &cl, &in->vec, p);
	p->ns.plan = sl_now_mono_ns() - t0;
	if (err || a->dry_run)
		return err;
	err = stage_batch(a->batch ? a->batch : &one, id, &cl, a, in, p);
	if (!err && !a->batch) {
		err = sl_batch_commit(ctx, &one);
		p->ns.build = one.build_ns;
		p->ns.swap = one.swap_ns;
		if (err && err != -E2BIG && err != -ENOSPC)
			sl_err("cannot load the prefixes of class %s: %s", a->cls, strerror(-err));
	}
	sl_batch_free(&one);
	p->applied = !err;
	return err;
}

int sl_feed_load(struct sl_ctx *ctx, const struct sl_feed_args *a, struct sl_plan *p)
{
	struct sl_feed_input in;
	int err;

	err = sl_feed_prepare(ctx, a, &in);
	if (!err)
		err = sl_feed_update(ctx, a, &in, p);
	sl_feed_input_free(&in);
	return err;
}

/* A batch of one, now: the class's previous list and provenance. */
static int stage_rollback(struct sl_ctx *ctx, __u32 id, const struct sl_class *cl,
			  const struct sl_prev_src *ps, struct sl_pfx_vec *vec)
{
	struct sl_batch b = { 0 };
	struct sl_batch_item *it = sl_batch_item(&b, id);
	int err;

	if (!it)
		return -ENOMEM;
	it->flags = (cl->flags & ~SL_CLASS_MERGE) | (ps->flags & SL_CLASS_MERGE);
	it->list = *vec;
	*vec = (struct sl_pfx_vec){ 0 };
	it->sources = true;
	it->src_hash = ps->src_hash;
	it->nsrc = ps->nsrc < SL_MAX_SOURCES ? ps->nsrc : SL_MAX_SOURCES;
	memcpy(it->src, ps->src, sizeof(it->src));
	err = sl_batch_commit(ctx, &b);
	sl_batch_free(&b);
	return err;
}

int sl_feed_rollback(struct sl_ctx *ctx, const char *cls, struct sl_plan *p)
{
	struct sl_pfx_vec prev = { 0 }, live = { 0 };
	struct sl_prev_src *ps = calloc(1, sizeof(*ps));
	size_t kept[2] = { 0, 0 };
	struct sl_class cl;
	int id, err;

	memset(p, 0, sizeof(*p));
	if (!ps)
		return -ENOMEM;
	id = find_class(ctx, cls, &cl);
	err = id < 0 ? id : sl_prev_read(ctx, id, ps);
	if (err == -ENOENT && id >= 0)
		sl_err("class %s has no previous list to go back to", cls);
	if (!err)
		err = sl_store_read_kind(ctx, "p", id, &prev);
	if (!err)
		err = sl_store_read(ctx, id, &live);
	if (!err)
		make_plan(&live, &prev, p, kept);
	p->prefixes[0] = kept[0] + p->added[0];
	p->prefixes[1] = kept[1] + p->added[1];
	p->changes = true;
	if (!err)
		err = stage_rollback(ctx, id, &cl, ps, &prev);
	p->applied = !err;
	sl_pfx_vec_free(&prev);
	sl_pfx_vec_free(&live);
	free(ps);
	return err;
}
