// SPDX-License-Identifier: GPL-2.0
/*
 * The flow and host table of police classes with a host or flow scope (or
 * --initiator local): an LRU hash the datapath fills; the CLI reads it with
 * batch lookups, counts it per class and clears the entries of a class.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>

#include "diag.h"
#include "util.h"
#include "flows.h"

#define BATCH 4096

static int grow(struct sl_flow_vec *v, size_t *cap, size_t need)
{
	struct sl_flow_entry *e;

	if (need <= *cap)
		return 0;
	*cap = need * 2;
	e = realloc(v->e, *cap * sizeof(*e));
	if (!e)
		return -ENOMEM;
	v->e = e;
	return 0;
}

int sl_flows_walk(struct sl_ctx *ctx, sl_flow_cb cb, void *arg)
{
	/* heap, not static: the exporter scrapes on several threads */
	struct sl_flow_entry *e = malloc(BATCH * sizeof(*e));
	struct sl_flow_key *keys = malloc(BATCH * sizeof(*keys));
	struct sl_flow *vals = malloc(BATCH * sizeof(*vals));
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	__u32 batch = 0, count, i;
	bool first = true;
	int r, err = 0;

	while (e && keys && vals) {
		count = BATCH;
		r = bpf_map_lookup_batch(ctx->flows_fd, first ? NULL : &batch, &batch, keys, vals,
					 &count, &opts);
		if (r && errno != ENOENT) {
			err = -errno;
			break;
		}
		first = false;
		for (i = 0; i < count; i++) {
			e[i].k = keys[i];
			e[i].v = vals[i];
		}
		err = count ? cb(e, count, arg) : 0;
		if (err || r || !count)
			break;
	}
	if (!e || !keys || !vals)
		err = -ENOMEM;
	free(e);
	free(keys);
	free(vals);
	if (err)
		sl_err("cannot read the flow table: %s", strerror(-err));
	return err;
}

struct read_arg {
	struct sl_flow_vec *v;
	size_t cap;
	int class_id;
};

static int read_cb(const struct sl_flow_entry *e, size_t n, void *arg)
{
	struct read_arg *a = arg;
	size_t i;
	int err;

	for (i = 0; i < n; i++) {
		if (a->class_id >= 0 && e[i].k.class_id != (__u32)a->class_id)
			continue;
		err = grow(a->v, &a->cap, a->v->n + 1);
		if (err)
			return err;
		a->v->e[a->v->n++] = e[i];
	}
	return 0;
}

int sl_flows_read(struct sl_ctx *ctx, int class_id, struct sl_flow_vec *v)
{
	struct read_arg a = { .v = v, .class_id = class_id };
	int err;

	memset(v, 0, sizeof(*v));
	err = sl_flows_walk(ctx, read_cb, &a);
	if (err)
		sl_flows_free(v);
	return err;
}

void sl_flows_free(struct sl_flow_vec *v)
{
	free(v->e);
	v->e = NULL;
	v->n = 0;
}

bool sl_flow_active(const struct sl_flow_entry *e, const struct sl_class *cl, __u64 now)
{
	__u64 idle = cl->idle_ns ? cl->idle_ns : SL_DEF_IDLE_NS;

	return now < e->v.seen_ns || now - e->v.seen_ns <= idle;
}

/* Per class: entries created, summed over the CPUs. */
static int created_read(struct sl_ctx *ctx, __u32 id, __u64 *created)
{
	struct sl_flow_counts *pc = calloc(ctx->ncpus, sizeof(*pc));
	int i, err = 0;

	*created = 0;
	if (!pc)
		return -ENOMEM;
	if (bpf_map_lookup_elem(ctx->flowcnt_fd, &id, pc))
		err = -errno;
	for (i = 0; !err && i < ctx->ncpus; i++)
		*created += pc[i].created;
	free(pc);
	return err;
}

struct count_arg {
	const struct sl_classes *cs;
	struct sl_flow_class *out;
	__u64 *present;
	__u64 now;
};

static int count_cb(const struct sl_flow_entry *e, size_t n, void *arg)
{
	struct count_arg *a = arg;
	__u32 id;
	size_t i;

	for (i = 0; i < n; i++) {
		id = e[i].k.class_id;
		if (id >= a->cs->max)
			continue;
		a->present[id]++;
		if ((a->cs->slot[id].flags & SL_CLASS_USED) &&
		    sl_flow_active(&e[i], &a->cs->slot[id], a->now))
			a->out[id].active++;
	}
	return 0;
}

int sl_flows_per_class(struct sl_ctx *ctx, const struct sl_classes *cs,
		       struct sl_flow_class *out)
{
	struct count_arg a = { .cs = cs, .out = out, .now = sl_now_mono_ns() };
	__u64 created;
	int id, err;

	memset(out, 0, cs->max * sizeof(*out));
	a.present = calloc(cs->max ? cs->max : 1, sizeof(*a.present));
	if (!a.present)
		return -ENOMEM;
	err = sl_flows_walk(ctx, count_cb, &a);
	sl_for_each_class(cs, id) {
		if (err)
			break;
		err = created_read(ctx, id, &created);
		if (err)
			sl_err("cannot read the flow counters: %s", strerror(-err));
		out[id].evictions = created > a.present[id] ? created - a.present[id] : 0;
	}
	free(a.present);
	return err;
}

int sl_flows_purge(struct sl_ctx *ctx, __u32 id)
{
	struct sl_flow_counts *pc = calloc(ctx->ncpus, sizeof(*pc));
	struct sl_flow_vec v;
	int err;
	size_t i;

	if (!pc)
		return -ENOMEM;
	err = sl_flows_read(ctx, id, &v);
	for (i = 0; !err && i < v.n; i++)
		if (bpf_map_delete_elem(ctx->flows_fd, &v.e[i].k) &&
		    errno != ENOENT)
			err = -errno;
	sl_flows_free(&v);
	if (!err && bpf_map_update_elem(ctx->flowcnt_fd, &id, pc, BPF_ANY))
		err = -errno;
	free(pc);
	if (err)
		sl_err("cannot clear the flows of class %u: %s", id, strerror(-err));
	return err;
}

int sl_flows_refill(struct sl_ctx *ctx, __u32 id)
{
	struct sl_flow_vec v;
	struct sl_flow f;
	size_t i;
	int err;

	err = sl_flows_read(ctx, id, &v);
	for (i = 0; !err && i < v.n; i++) {
		if (bpf_map_lookup_elem(ctx->flows_fd, &v.e[i].k, &f))
			continue; /* gone meanwhile */
		f.bucket.empty = 0; /* full */
		if (bpf_map_update_elem(ctx->flows_fd, &v.e[i].k, &f, BPF_EXIST) && errno != ENOENT)
			err = -errno;
	}
	sl_flows_free(&v);
	if (err)
		sl_err("cannot reset the flow buckets of class %u: %s", id, strerror(-err));
	return err;
}

__u64 sl_flows_memory(struct sl_ctx *ctx)
{
	return sl_map_memory(ctx->flows_fd);
}

static int key_cmp(const void *a, const void *b)
{
	struct sl_flow_key x = ((const struct sl_flow_entry *)a)->k;
	struct sl_flow_key y = ((const struct sl_flow_entry *)b)->k;

	x.dir = y.dir = 0;
	return memcmp(&x, &y, sizeof(x));
}

static __u64 row_metric(const struct sl_flow_row *r, enum sl_flow_sort how)
{
	__u64 v = 0;
	int d;

	for (d = 0; d < SL_DIR_MAX; d++) {
		if (how == SL_FLOW_SORT_BYTES)
			v += r->bytes[d][SL_PASS] + r->bytes[d][SL_DROP];
		else if (how == SL_FLOW_SORT_DROPS)
			v += r->packets[d][SL_DROP];
		else
			v += r->packets[d][SL_PASS] + r->packets[d][SL_DROP];
	}
	return v;
}

static int row_cmp(const void *a, const void *b, void *how)
{
	const struct sl_flow_row *p = a, *q = b;
	__u64 x = row_metric(p, *(enum sl_flow_sort *)how);
	__u64 y = row_metric(q, *(enum sl_flow_sort *)how);

	return x < y ? 1 : x > y ? -1 : memcmp(&p->k, &q->k, sizeof(p->k));
}

/* Does e (any direction) belong to row r? */
static bool row_of(const struct sl_flow_row *r, const struct sl_flow_entry *e)
{
	struct sl_flow_key k = e->k;

	k.dir = 0;
	return !memcmp(&k, &r->k, sizeof(k));
}

/* Add entry e (one direction) to row r. */
static void row_add(struct sl_flow_row *r, const struct sl_flow_entry *e)
{
	int d = e->k.dir & 1, v;

	if (!r->first_ns || e->v.first_ns < r->first_ns)
		r->first_ns = e->v.first_ns;
	if (e->v.seen_ns > r->seen_ns)
		r->seen_ns = e->v.seen_ns;
	if (!r->origin)
		r->origin = e->v.origin;
	for (v = 0; v < SL_VERDICT_MAX; v++) {
		r->packets[d][v] += e->v.packets[v];
		r->bytes[d][v] += e->v.bytes[v];
	}
}

int sl_flow_rows(struct sl_ctx *ctx, const struct sl_classes *cs, int class_id,
		 enum sl_flow_sort how, struct sl_flow_row **rows)
{
	__u64 now = sl_now_mono_ns();
	struct sl_flow_row *r;
	struct sl_flow_vec v;
	size_t i, n = 0;
	int err;

	*rows = NULL;
	err = sl_flows_read(ctx, class_id, &v);
	if (err)
		return err;
	if (v.n)
		qsort(v.e, v.n, sizeof(*v.e), key_cmp);
	r = calloc(v.n ? v.n : 1, sizeof(*r));
	for (i = 0; r && i < v.n; i++) {
		const struct sl_flow_entry *e = &v.e[i];

		if (e->k.class_id >= cs->max || !(cs->slot[e->k.class_id].flags & SL_CLASS_USED) ||
		    !sl_flow_active(e, &cs->slot[e->k.class_id], now))
			continue;
		if (!n || !row_of(&r[n - 1], e)) {
			r[n].k = e->k;
			r[n++].k.dir = 0;
		}
		row_add(&r[n - 1], e);
	}
	sl_flows_free(&v);
	if (!r)
		return -ENOMEM;
	if (n)
		qsort_r(r, n, sizeof(*r), row_cmp, &how);
	*rows = r;
	return (int)n;
}
