// SPDX-License-Identifier: GPL-2.0
/*
 * sluice apply [-c FILE] [--dry-run | --check] [--allow-empty]: bring the
 * live state to the configuration. Classes are created and updated first, then their feeds
 * (only those whose bytes or options changed), then the attachments; what
 * the file no longer names is detached and deleted last. Every step is
 * atomic on its own, so a run killed midway leaves a working state, and the
 * next run finishes the job. The bpffs lock serialises concurrent runs.
 * A dry run and a check change nothing and read every feed, those of new
 * classes too; a check goes on after a problem, to report them all.
 */
#include <errno.h>
#include <getopt.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "attach.h"
#include "classes.h"
#include "cmd.h"
#include "config.h"
#include "diag.h"
#include "journal.h"
#include "names.h"
#include "netns.h"
#include "pipeline.h"
#include "prefix.h"
#include "print.h"

struct run {
	struct sl_ctx *ctx;   /* NULL: nothing loaded (dry run and check only) */
	struct sl_cfg *cfg;
	bool dry_run;	      /* also set by check */
	bool check;
	bool fresh;	      /* this run loads sluice */
	int changes;
	int problems;	      /* check: the errors found so far */
	__u64 prefixes[2];    /* what the classes of the file will hold */
	struct sl_feed_input *in; /* per class of the file: its feeds, read */
	int *in_err;		  /* and why they were refused, or 0 */
	char (*where)[300];	  /* "FILE:LINE" of each class, for the gates' messages */
};

/* A problem: the run stops, unless it is a check, which notes it and goes on. */
static int problem(struct run *r, int err)
{
	if (!err || !r->check)
		return err;
	r->problems++;
	return 0;
}

/* How an object reads in a text line after the verb. */
static const char *object_text(const char *object)
{
	if (!strcmp(object, "feeds"))
		return " feeds of";
	if (!strcmp(object, "attachment"))
		return "";
	return !strcmp(object, "tables") ? " table sizes" : !strcmp(object, "class") ? " class" :
									          " sluice";
}

/*
 * Open one action in the "actions" array: {"verb", "object", "name", and
 * the numbers the caller adds}; action_end() closes it.
 */
static void action_begin(struct run *r, const char *verb, const char *object, const char *name)
{
	r->changes++;
	print_open_object(NULL);
	print_text("%s", r->dry_run ? "would " : "");
	print_string(PRINT_ANY, "verb", "%s", verb);
	print_string(PRINT_JSON, "object", NULL, object);
	print_text("%s", object_text(object));
	print_string(PRINT_ANY, "name", name[0] ? " %s" : "%s", name);
}

static void action_end(const char *detail)
{
	if (detail && detail[0])
		print_text(": %s", detail);
	print_text("\n");
	print_close_object();
}

static void act_class(struct run *r, const char *verb, const char *name,
		      const struct sl_class_spec *spec)
{
	action_begin(r, verb, "class", name);
	if (spec) {
		print_string(PRINT_JSON, "policy", NULL, sl_policy_name(spec->policy));
		print_uint(PRINT_JSON, "rate_in_bps", NULL, spec->rate[SL_DIR_IN]);
		print_uint(PRINT_JSON, "rate_out_bps", NULL, spec->rate[SL_DIR_OUT]);
		print_uint(PRINT_JSON, "burst_bytes", NULL, spec->burst);
	}
	action_end(spec ? sl_policy_name(spec->policy) : NULL);
}

/* A class's feeds: its prefix counts after the load, and the change. */
static void act_feeds(struct run *r, const char *name, const struct sl_plan *p)
{
	static const char *const key[2][3] = {
		{ "prefixes_v4", "added_v4", "removed_v4" },
		{ "prefixes_v6", "added_v6", "removed_v6" },
	};
	char detail[160];
	int f;

	action_begin(r, "load", "feeds", name);
	for (f = 0; f < 2; f++) {
		print_uint(PRINT_JSON, key[f][0], NULL, p->prefixes[f]);
		print_uint(PRINT_JSON, key[f][1], NULL, p->added[f]);
		print_uint(PRINT_JSON, key[f][2], NULL, p->removed[f]);
	}
	snprintf(detail, sizeof(detail),
		 "%zu IPv4 and %zu IPv6 prefixes (+%zu -%zu IPv4, +%zu -%zu IPv6)", p->prefixes[0],
		 p->prefixes[1], p->added[0], p->removed[0], p->added[1], p->removed[1]);
	action_end(detail);
}

static void act_attach(struct run *r, const char *verb, const char *dev, int hook, int match)
{
	char name[40];

	snprintf(name, sizeof(name), "%.16s %s", dev, sl_hook_names[hook]);
	action_begin(r, verb, "attachment", name);
	print_string(PRINT_JSON, "dev", NULL, dev);
	print_string(PRINT_JSON, "hook", NULL, sl_hook_names[hook]);
	if (match >= 0)
		print_string(PRINT_JSON, "match", NULL, sl_match_names[match]);
	action_end(match < 0 ? NULL : match ? "match dst" : "match src");
}

/* The id of a live class, or -ENOENT (also with nothing loaded). */
static int live_class(struct run *r, const char *name)
{
	struct sl_class cl;

	return r->ctx ? sl_class_find(r->ctx, name, &cl) : -ENOENT;
}

static int apply_classes(struct run *r, struct sl_cfg *cfg)
{
	int i, id;

	for (i = 0; i < cfg->nclasses; i++) {
		struct sl_cfg_class *c = &cfg->classes[i];
		bool exists = live_class(r, c->name) >= 0;
		bool created, changed;

		if (exists && !sl_class_differs(r->ctx, c->name, &c->spec))
			continue;
		if (r->dry_run) {
			act_class(r, exists ? "update" : "create", c->name, &c->spec);
			continue;
		}
		id = sl_class_define(r->ctx, c->name, &c->spec, &created, &changed);
		if (id < 0)
			return id;
		if (changed)
			act_class(r, created ? "create" : "update", c->name, &c->spec);
	}
	return 0;
}

static void feed_args(const struct run *r, const struct sl_cfg_class *c, int i,
		      struct sl_feed_args *a)
{
	*a = c->fa;
	a->cls = c->name;
	a->files = (char **)c->feeds;
	a->nfiles = c->nfeeds;
	a->dry_run = r->dry_run;
	a->where = r->where[i];
}

/*
 * Read, gate and normalise every class's feeds before the lock is taken: a
 * slow or stalled source holds back no other sluice command.
 */
static int prepare_feeds(struct run *r, const struct sl_cfg *cfg)
{
	struct sl_feed_cache cache = { 0 };
	struct sl_feed_args a;
	int i;

	r->in = calloc(cfg->nclasses + 1, sizeof(*r->in));
	r->in_err = calloc(cfg->nclasses + 1, sizeof(*r->in_err));
	r->where = calloc(cfg->nclasses + 1, sizeof(*r->where));
	if (!r->in || !r->in_err || !r->where)
		return -ENOMEM;
	for (i = 0; i < cfg->nclasses; i++) {
		snprintf(r->where[i], sizeof(r->where[i]), "%s:%d", cfg->path,
			 cfg->classes[i].line);
		if (!cfg->classes[i].nfeeds)
			continue; /* prefixes managed with `sluice feed load` */
		feed_args(r, &cfg->classes[i], i, &a);
		/* a class the file adds: nothing loaded to compare with */
		r->in_err[i] = sl_feed_prepare_cached(live_class(r, a.cls) > 0 ? r->ctx : NULL, &a,
						      &r->in[i], &cache);
	}
	sl_feed_cache_free(&cache);
	return 0;
}

static void free_inputs(struct run *r, const struct sl_cfg *cfg)
{
	int i;

	for (i = 0; r->in && i < cfg->nclasses; i++)
		sl_feed_input_free(&r->in[i]);
	free(r->in);
	free(r->in_err);
	free(r->where);
}

/* One class's feeds, read: planned, and staged in batch unless a dry run. */
static int class_feeds(struct run *r, int i, struct sl_batch *batch, struct sl_plan *p)
{
	struct sl_cfg_class *c = &r->cfg->classes[i];
	const struct sl_feed_input *in = &r->in[i];
	struct sl_feed_args a;
	__u32 n[2];
	int id = live_class(r, c->name);

	memset(p, 0, sizeof(*p));
	if (!c->nfeeds) {
		/* prefixes managed with `sluice feed load`: they stay */
		if (id >= 0 && !sl_store_counts(r->ctx, id, n)) {
			p->prefixes[0] = n[0];
			p->prefixes[1] = n[1];
		}
		return 0;
	}
	if (r->in_err[i])
		return r->in_err[i];
	if (id < 0 && r->dry_run) {
		/* a class the file adds: all of its feeds are new */
		p->prefixes[0] = p->added[0] = sl_pfx_split(in->vec.v, in->vec.n);
		p->prefixes[1] = p->added[1] = in->vec.n - p->prefixes[0];
		p->changes = in->vec.n > 0;
		return 0;
	}
	feed_args(r, c, i, &a);
	a.batch = batch;
	return sl_feed_update(r->ctx, &a, &r->in[i], p);
}

/*
 * Every class's feeds are read and checked first; the accepted ones go live
 * together, with one table build and one swap. A feed refused by its gates
 * keeps its class's prefixes and fails the run, but does not hold back the
 * other classes' feeds.
 */
static int apply_feeds(struct run *r, struct sl_cfg *cfg)
{
	struct sl_plan *plan = calloc(cfg->nclasses ? cfg->nclasses : 1, sizeof(*plan));
	struct sl_batch batch = { 0 };
	int i, err, first_err = 0;

	if (!plan)
		return -ENOMEM;
	for (i = 0; i < cfg->nclasses; i++) {
		err = class_feeds(r, i, &batch, &plan[i]);
		if (err) {
			r->problems++;
			first_err = first_err ? first_err : err;
			if (r->check)
				sl_err("%s:%d: the feeds of class %s are refused (the reason above)",
				       cfg->path, cfg->classes[i].line, cfg->classes[i].name);
			memset(&plan[i], 0, sizeof(plan[i]));
		}
		r->prefixes[0] += plan[i].prefixes[0];
		r->prefixes[1] += plan[i].prefixes[1];
	}
	/* All or nothing: a table too small for the lot refuses the batch. */
	err = r->dry_run ? 0 : sl_batch_commit(r->ctx, &batch);
	if (err && err != -E2BIG && err != -ENOSPC)
		sl_err("cannot load the feeds' prefixes: %s", strerror(-err));
	for (i = 0; i < cfg->nclasses && !err; i++)
		if (cfg->classes[i].nfeeds && !plan[i].unchanged_sources && plan[i].changes)
			act_feeds(r, cfg->classes[i].name, &plan[i]);
	sl_batch_free(&batch);
	free(plan);
	return first_err ? first_err : err;
}

/* The sizes the file asks for hold what its classes will hold (check). */
static int check_sizes(struct run *r, const struct sl_cfg *cfg)
{
	const __u32 cap[2] = { cfg->sizes.v4_entries, cfg->sizes.v6_entries };
	int f, err = 0;

	for (f = 0; f < 2; f++) {
		if (r->prefixes[f] <= cap[f])
			continue;
		sl_err("%s: the classes would hold %llu IPv%d prefixes, more than v%d_size %u",
		       cfg->path, (unsigned long long)r->prefixes[f], f ? 6 : 4, f ? 6 : 4, cap[f]);
		err = problem(r, -ENOSPC);
	}
	return err;
}

static void attach_opts(const struct sl_cfg_attach *a, struct sl_attach_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->hook = a->hook;
	o->force = a->force;
	o->match = a->match >= 0 ? a->match :
		   a->hook == SL_HOOK_TC_OUT ? SL_MATCH_DST : SL_MATCH_SRC;
	o->xdp_native = a->xdp_mode == 0;
	o->xdp_generic = a->xdp_mode == 1;
}

/* An xdp_mode the live program does not have: said, as apply keeps the live one. */
static void check_xdp_mode(struct run *r, const struct sl_cfg_attach *a, __u32 ifindex,
			   const struct sl_attach_opts *o)
{
	int live;

	if (!r->ctx || a->hook != SL_HOOK_XDP || a->xdp_mode < 0 ||
	    !sl_attach_current(r->ctx, ifindex, o))
		return;
	live = sl_xdp_live_mode(ifindex);
	if (live >= 0 && live != a->xdp_mode)
		sl_warn("%s:%d: xdp_mode %s, but %s runs XDP in %s mode, which apply keeps; "
			"'sluice detach %s --hook xdp' and apply again to change it", r->cfg->path,
			a->line, sl_xdp_mode_names[a->xdp_mode], a->dev, sl_xdp_mode_names[live],
			a->dev);
}

static int apply_attach(struct run *r, struct sl_cfg *cfg)
{
	int i, err;

	for (i = 0; i < cfg->nattach; i++) {
		struct sl_cfg_attach *a = &cfg->attach[i];
		__u32 ifindex = if_nametoindex(a->dev);
		struct sl_attach_opts o;
		bool noop;

		attach_opts(a, &o);
		if (!ifindex) {
			sl_err("%s:%d: unknown device %s", sl_q(cfg->path), a->line, sl_q(a->dev));
			err = problem(r, -ENODEV);
			if (err)
				return err;
			continue;
		}
		check_xdp_mode(r, a, ifindex, &o);
		if (r->dry_run) {
			if (!r->ctx || !sl_attach_current(r->ctx, ifindex, &o))
				act_attach(r, "attach", a->dev, a->hook, o.match);
			continue;
		}
		err = sl_attach(r->ctx, a->dev, &o, &noop);
		if (err)
			return err;
		if (!noop)
			act_attach(r, "attach", a->dev, a->hook, o.match);
	}
	return 0;
}

static bool wanted_attach(struct sl_cfg *cfg, __u32 ifindex, __u32 hook)
{
	int i;

	for (i = 0; i < cfg->nattach; i++)
		if (cfg->attach[i].hook == (int)hook && if_nametoindex(cfg->attach[i].dev) == ifindex)
			return true;
	return false;
}

static bool wanted_class(const struct sl_cfg *cfg, const char *name)
{
	int j;

	for (j = 0; j < cfg->nclasses; j++)
		if (!strcmp(cfg->classes[j].name, name))
			return true;
	return false;
}

static int remove_classes(struct run *r, struct sl_cfg *cfg)
{
	struct sl_classes cs;
	int id, err;

	err = sl_classes_read(r->ctx, &cs);
	if (err)
		return err;
	sl_for_each_class(&cs, id) {
		const char *name = cs.slot[id].name;

		if (id == SL_CLASS_DEFAULT || wanted_class(cfg, name))
			continue;
		if (!r->dry_run) {
			err = sl_class_remove(r->ctx, name);
			if (err)
				break;
		}
		act_class(r, "delete", name, NULL);
	}
	sl_classes_free(&cs);
	return err;
}

static int remove_extra(struct run *r, struct sl_cfg *cfg)
{
	struct sl_attach_key keys[SL_MAX_ATTACH];
	struct sl_attach_val vals[SL_MAX_ATTACH];
	int n, i, count, err;
	char dev[IF_NAMESIZE];

	if (!r->ctx)
		return 0;
	n = sl_attach_list(r->ctx, keys, vals, SL_MAX_ATTACH);
	for (i = 0; i < n; i++) {
		/* the configuration names devices of this namespace only */
		if (keys[i].netns != sl_netns_cookie() ||
		    wanted_attach(cfg, keys[i].ifindex, keys[i].hook))
			continue;
		snprintf(dev, sizeof(dev), "%.15s", vals[i].ifname);
		if (!r->dry_run) {
			err = sl_detach(r->ctx, keys[i].ifindex, keys[i].hook, &count);
			if (err)
				return err;
		}
		act_attach(r, "detach", dev, keys[i].hook, -1);
	}
	return remove_classes(r, cfg);
}

/* The table sizes: soft caps, changed live. */
static int apply_caps(struct run *r, struct sl_cfg *cfg)
{
	const struct sl_sizes *s = &cfg->sizes;
	char detail[64];
	bool changed;
	int err;

	if (s->v4_entries == r->ctx->st.v4_entries && s->v6_entries == r->ctx->st.v6_entries)
		return 0;
	if (!r->dry_run) {
		err = sl_set_caps(r->ctx, s->v4_entries, s->v6_entries, &changed);
		if (err)
			return err;
	}
	snprintf(detail, sizeof(detail), "IPv4 %u (was %u), IPv6 %u (was %u)", s->v4_entries,
		 r->ctx->st.v4_entries, s->v6_entries, r->ctx->st.v6_entries);
	action_begin(r, "set", "tables", "");
	print_uint(PRINT_JSON, "capacity_v4", NULL, s->v4_entries);
	print_uint(PRINT_JSON, "capacity_v6", NULL, s->v6_entries);
	action_end(detail);
	return 0;
}

/* With nothing loaded (a dry run or a check), the load comes first. */
static void plan_load(struct run *r, const char *dir)
{
	action_begin(r, "load", "sluice", dir);
	action_end(NULL);
}

static int apply_all(struct run *r, struct sl_cfg *cfg, const char *dir)
{
	struct sl_ctx *ctx = r->ctx;
	int err = 0, feed_err;

	if (!ctx || r->fresh)
		plan_load(r, dir);
	else if (ctx->st.max_classes != cfg->sizes.max_classes)
		sl_warn("%s: max_classes %u applies when sluice is loaded; the live %u stay until "
			"'sluice detach --all'", cfg->path, cfg->sizes.max_classes,
			ctx->st.max_classes);
	if (ctx && !r->fresh && ctx->st.max_flows != cfg->sizes.max_flows)
		sl_warn("%s: max_flows %u applies when sluice is loaded; the live %u stay until "
			"'sluice detach --all'", cfg->path, cfg->sizes.max_flows, ctx->st.max_flows);
	if (ctx && !r->fresh)
		err = apply_caps(r, cfg);
	if (!err)
		err = apply_classes(r, cfg);
	/*
	 * A refused feed leaves its class as it was and fails the run, but
	 * holds back neither the other feeds nor the attachments and removals.
	 */
	feed_err = err ? 0 : apply_feeds(r, cfg);
	if (!err && r->check)
		err = check_sizes(r, cfg);
	if (!err)
		err = apply_attach(r, cfg);
	if (!err)
		err = remove_extra(r, cfg);
	return err ? err : feed_err;
}

static void report(const struct run *r, const char *path, const struct timespec *t0, int err)
{
	struct timespec t1;
	__u64 ns;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	ns = (t1.tv_sec - t0->tv_sec) * 1000000000ull + t1.tv_nsec - t0->tv_nsec;
	print_uint(PRINT_JSON, "changes", NULL, r->changes);
	print_bool(PRINT_JSON, "changed", NULL, r->changes && !r->dry_run);
	if (r->check)
		print_uint(PRINT_JSON, "problems", NULL, r->problems);
	print_uint(PRINT_JSON, "duration_ns", NULL, ns);
	if (r->check)
		print_text("%s: %s (%d problem%s)\n", path, err ? "would fail" : "would apply",
			   r->problems, r->problems == 1 ? "" : "s");
	else if (err)
		return;
	else if (!r->changes)
		print_text("%s: nothing to do, the live state matches (%.3f s)\n", path, ns / 1e9);
	else
		print_text("%s: %d change%s %s (%.3f s)\n", path, r->changes,
			   r->changes == 1 ? "" : "s", r->dry_run ? "planned" : "applied", ns / 1e9);
}

static const char apply_usage[] =
	"usage: sluice apply [-c FILE] [--dry-run | --check] [--allow-empty]";

static int parse_apply(int argc, char **argv, struct run *r, const char **path,
		       bool *allow_empty)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "check", no_argument, NULL, 'C' },
		{ "allow-empty", no_argument, NULL, 'E' },
		{}
	};
	int c;

	while ((c = getopt_long(argc, argv, "c:n", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			*path = optarg;
			break;
		case 'n':
			r->dry_run = true;
			break;
		case 'C':
			r->check = r->dry_run = true;
			break;
		case 'E':
			*allow_empty = true;
			break;
		default:
			sl_err("%s", apply_usage);
			return -EINVAL;
		}
	}
	if (optind != argc) {
		sl_err("%s", apply_usage);
		return -EINVAL;
	}
	return 0;
}

/* Read the file; one that names nothing would remove everything. */
static int load_config(const char *path, bool allow_empty, struct sl_cfg *cfg)
{
	int err = sl_config_load(path, cfg);

	if (err)
		return err;
	if (!cfg->nclasses && !cfg->nattach && !allow_empty) {
		sl_err("%s names no class and no attachment, and applying it would remove "
		       "everything (--allow-empty to do that)", path);
		sl_config_free(cfg);
		return -EINVAL;
	}
	return 0;
}

int cmd_apply(int argc, char **argv)
{
	const char *path = sl_default_config();
	bool allow_empty = false;
	struct run r = { 0 };
	struct timespec t0;
	struct sl_cfg cfg;
	struct sl_ctx ctx;
	int err;

	err = parse_apply(argc, argv, &r, &path, &allow_empty);
	if (err)
		return err;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	err = load_config(path, allow_empty, &cfg);
	if (err)
		return err;
	r.cfg = &cfg;
	sl_ctx_init(&ctx, NULL);
	err = sl_open(&ctx, 0, &cfg.sizes);
	/* the first run loads sluice (under the lock); a dry run plans it */
	r.fresh = err == -ENOENT && !r.dry_run;
	if (r.fresh)
		err = sl_open(&ctx, SL_OPEN_CREATE | SL_OPEN_LOCK, &cfg.sizes);
	if (err && !(err == -ENOENT && r.dry_run))
		goto out;
	r.ctx = err ? NULL : &ctx;
	err = prepare_feeds(&r, &cfg);
	if (!err && !r.dry_run)
		err = sl_lock(&ctx);
	if (err)
		goto out;
	print_open_object(NULL);
	print_string(PRINT_JSON, "config", NULL, path);
	print_bool(PRINT_JSON, "dry_run", NULL, r.dry_run);
	print_bool(PRINT_JSON, "check", NULL, r.check);
	print_open_array("actions");
	err = apply_all(&r, &cfg, ctx.dir);
	print_close_array();
	report(&r, path, &t0, err || r.problems);
	print_close_object();
out:
	free_inputs(&r, &cfg);
	sl_close(&ctx);
	sl_config_free(&cfg);
	if (r.check)
		return err || r.problems ? SL_EXIT_FAIL : 0;
	if (!err && r.dry_run && r.changes)
		return SL_EXIT_CHANGES;
	return err;
}
