// SPDX-License-Identifier: GPL-2.0
/*
 * Classes: a record per class id in sl_classes (the datapath reads policy,
 * rate and burst), with its shaping kept in step by sl_shape_sync().
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <bpf/bpf.h>

#include "classes.h"
#include "diag.h"
#include "flows.h"
#include "journal.h"
#include "parse.h"
#include "shape.h"
#include "util.h"
#include "state.h"
#include "table.h"

static int reset_class_runtime(struct sl_ctx *ctx, __u32 id)
{
	struct sl_bucket_line b = {};
	int d, err = 0;

	for (d = 0; d < SL_DIR_MAX && !err; d++) {
		__u32 key = id * SL_DIR_MAX + d;

		if (bpf_map_update_elem(ctx->buckets_fd, &key, &b, BPF_ANY))
			err = -errno;
		if (!err)
			err = sl_counters_reset(ctx, ctx->stats_fd, key);
	}
	return err ? err : sl_flows_purge(ctx, id);
}

int sl_class_spec_check(const char *name, const struct sl_class_spec *spec)
{
	bool scoped = spec->scope != SL_SCOPE_CLASS || spec->initiator != SL_INIT_ANY;

	if (scoped && spec->policy == SL_POLICY_SHAPE) {
		sl_err("class %s: shape works per class only; per host, per flow and "
		       "--initiator local need the police policy (shaping each flow needs EDT "
		       "pacing with sch_fq, which this kernel does not have)", name);
		return -EINVAL;
	}
	if ((scoped || spec->idle_ns) && spec->policy != SL_POLICY_POLICE) {
		sl_err("class %s: per, initiator and idle apply to a police class (a rate)", name);
		return -EINVAL;
	}
	return 0;
}

static int refill(struct sl_ctx *ctx, __u32 id)
{
	struct sl_bucket_line b = {};
	__u32 key;
	int d;

	for (d = 0; d < SL_DIR_MAX; d++) {
		key = id * SL_DIR_MAX + d;
		if (bpf_map_update_elem(ctx->buckets_fd, &key, &b, BPF_ANY))
			return -errno;
	}
	return sl_flows_refill(ctx, id);
}

/* The class record a spec gives, on top of the old one (prefixes kept). */
static void class_from_spec(struct sl_class *cl, const char *name,
			    const struct sl_class_spec *spec)
{
	int d;

	snprintf(cl->name, sizeof(cl->name), "%s", name);
	cl->flags |= SL_CLASS_USED;
	cl->policy = spec->policy;
	for (d = 0; d < SL_DIR_MAX; d++) {
		__u64 r = spec->policy == SL_POLICY_POLICE || spec->policy == SL_POLICY_SHAPE ?
				  spec->rate[d] : 0;

		cl->rate[d] = r;
		cl->scope = spec->policy == SL_POLICY_POLICE ? spec->scope : SL_SCOPE_CLASS;
		cl->initiator = spec->policy == SL_POLICY_POLICE ? spec->initiator : SL_INIT_ANY;
		cl->idle_ns = spec->policy == SL_POLICY_POLICE && spec->idle_ns ? spec->idle_ns :
			      spec->policy == SL_POLICY_POLICE ? SL_DEF_IDLE_NS : 0;
		/* defaults derived from the rate: the bucket, or HTB's burst */
		cl->burst[d] = !r ? 0 : spec->burst ? spec->burst :
			       spec->policy == SL_POLICY_POLICE ? sl_default_burst(r) :
								   sl_default_shape_burst(r);
	}
}

/* What HTB cannot express is refused before anything changes. */
static int check_shape_rate(const char *name, const struct sl_class_spec *spec)
{
	int d;

	if (spec->policy != SL_POLICY_SHAPE)
		return 0;
	for (d = 0; d < SL_DIR_MAX; d++) {
		if (spec->rate[d] && spec->rate[d] < SL_SHAPE_MIN_RATE) {
			sl_err("class %s: %llu bit/s is below the lowest shaping rate, %llu bit/s "
			       "(HTB counts whole bytes per second)", sl_q(name),
			       (unsigned long long)spec->rate[d], SL_SHAPE_MIN_RATE);
			return -ERANGE;
		}
	}
	return 0;
}

int sl_class_define(struct sl_ctx *ctx, const char *name, const struct sl_class_spec *spec,
		    bool *created, bool *changed)
{
	struct sl_class cl, old = { 0 };
	struct sl_classes cs;
	int id, err;

	*created = false;
	err = sl_class_spec_check(name, spec);
	if (!err)
		err = check_shape_rate(name, spec);
	if (err)
		return err;
	err = sl_classes_read(ctx, &cs);
	if (err)
		return err;
	id = sl_classes_find(&cs, name);
	if (id >= 0)
		old = cs.slot[id];
	else
		id = sl_classes_free_id(&cs);
	sl_classes_free(&cs);
	if (id == -ENOSPC) {
		sl_err("no free class: all %u are in use", ctx->st.max_classes - 1);
		return -ENOSPC;
	}
	if (!(old.flags & SL_CLASS_USED)) {
		*created = true;
		/*
		 * A reused slot starts with fresh counters, buckets and no old
		 * list. CPUs' leases of a former class stay: they count only
		 * in its cost function and clipped to the new lease, within
		 * the burst (bpf/police.h).
		 */
		err = reset_class_runtime(ctx, id);
		if (err)
			return err;
		sl_prev_drop(ctx, id);
	}
	if (spec->policy == SL_POLICY_SHAPE && id > (int)SL_SHAPE_MAX_CLASS) {
		sl_err("class %s: shaping is limited to the first %u classes", sl_q(name),
		       SL_SHAPE_MAX_CLASS);
		return -ENOSPC;
	}
	cl = old;
	class_from_spec(&cl, name, spec);
	if (changed)
		*changed = *created || memcmp(&cl, &old, sizeof(cl)) != 0;
	if (!*created && !memcmp(&cl, &old, sizeof(cl)))
		return id;
	err = sl_class_put(ctx, id, &cl);
	if (err) {
		sl_err("cannot write class %s: %s", sl_q(name), strerror(-err));
		return err;
	}
	/* A new scope starts from fresh state (the old entries would linger). */
	if (!*created && (cl.scope != old.scope || cl.initiator != old.initiator))
		err = sl_flows_purge(ctx, id);
	/*
	 * A bucket keeps the time at which it runs empty, reckoned at the old
	 * rate: a new rate or burst starts the buckets full, so that it
	 * applies at once (a debt at 8 bit/s would otherwise last for minutes).
	 */
	else if (!*created && (memcmp(cl.rate, old.rate, sizeof(cl.rate)) ||
			       memcmp(cl.burst, old.burst, sizeof(cl.burst))))
		err = refill(ctx, id);
	sl_crash_point("class-set");
	if (!err)
		err = sl_shape_sync(ctx);
	if (err) {
		/* Leave things as they were. */
		sl_class_put(ctx, id, *created ? &(struct sl_class){ 0 } : &old);
		sl_shape_sync(ctx);
		return err;
	}
	return id;
}

/* Would applying spec change class name? (For plans; no change made.) */
bool sl_class_differs(struct sl_ctx *ctx, const char *name, const struct sl_class_spec *spec)
{
	struct sl_class cl, old;

	if (sl_class_find(ctx, name, &old) < 0)
		return true;
	cl = old;
	class_from_spec(&cl, name, spec);
	return memcmp(&cl, &old, sizeof(cl)) != 0;
}

int sl_class_remove(struct sl_ctx *ctx, const char *name)
{
	struct sl_class cl;
	__u32 n[2];
	int id, err;

	id = sl_class_find(ctx, name, &cl);
	if (id < 0) {
		sl_err("unknown class %s", sl_q(name));
		return id;
	}
	if (id == SL_CLASS_DEFAULT) {
		sl_err("the default class cannot be deleted");
		return -EINVAL;
	}
	/* First take its prefixes out of the live tables, then the class. */
	err = sl_store_counts(ctx, id, n);
	if (!err && n[0] + n[1])
		err = sl_tables_replace(ctx, id, NULL, 0);
	if (err)
		return err;
	sl_crash_point("class-del");
	memset(&cl, 0, sizeof(cl));
	err = sl_class_put(ctx, id, &cl);
	sl_prev_drop(ctx, id);
	if (!err)
		err = reset_class_runtime(ctx, id);
	if (!err)
		err = sl_shape_sync(ctx);
	return err;
}

