// SPDX-License-Identifier: GPL-2.0
/*
 * sluice apply [-c FILE] [--dry-run]: bring the live state to the
 * configuration. Classes are created and updated first, then their feeds
 * (only those whose bytes or options changed), then the attachments; what
 * the file no longer names is detached and deleted last. Every step is
 * atomic on its own, so a run killed midway leaves a working state, and the
 * next run finishes the job. The bpffs lock serialises concurrent runs.
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
#include "netns.h"
#include "diag.h"
#include "journal.h"
#include "names.h"
#include "pipeline.h"
#include "print.h"

struct run {
	struct sl_ctx *ctx;
	bool dry_run;
	int changes;
	struct sl_feed_input *in; /* per class of the file: its feeds, read */
	int *in_err;		  /* and why they were refused, or 0 */
};

/* Print one action (into the open "actions" array). */
static void action(struct run *r, const char *what, const char *obj, const char *detail)
{
	r->changes++;
	print_open_object(NULL);
	print_text("%s", r->dry_run ? "would " : "");
	print_string(PRINT_ANY, "action", "%s", what);
	print_string(PRINT_ANY, "object", " %s", obj);
	if (detail)
		print_string(PRINT_ANY, "detail", ": %s", detail);
	print_text("\n");
	print_close_object();
}

static int apply_classes(struct run *r, struct sl_cfg *cfg)
{
	int i, id;

	for (i = 0; i < cfg->nclasses; i++) {
		struct sl_cfg_class *c = &cfg->classes[i];
		struct sl_class old;
		bool created, changed;
		bool exists = sl_class_find(r->ctx, c->name, &old) >= 0;

		if (exists && !sl_class_differs(r->ctx, c->name, &c->spec))
			continue;
		if (r->dry_run) {
			action(r, exists ? "update class" : "create class", c->name,
			       sl_policy_name(c->spec.policy));
			continue;
		}
		id = sl_class_define(r->ctx, c->name, &c->spec, &created, &changed);
		if (id < 0)
			return id;
		if (changed)
			action(r, created ? "create class" : "update class", c->name,
			       sl_policy_name(c->spec.policy));
	}
	return 0;
}

/*
 * Every class's feeds are read and checked first; the accepted ones go live
 * together, with one table build and one swap. A feed refused by its gates
 * keeps its class's prefixes and fails the run, but does not hold back the
 * other classes' feeds.
 */
static void feed_args(const struct run *r, const struct sl_cfg_class *c, struct sl_feed_args *a)
{
	*a = c->fa;
	a->cls = c->name;
	a->files = (char **)c->feeds;
	a->nfiles = c->nfeeds;
	a->dry_run = r->dry_run;
}

/*
 * Read, gate and normalise every class's feeds before the lock is taken: a
 * slow or stalled source holds back no other sluice command.
 */
static int prepare_feeds(struct run *r, const struct sl_cfg *cfg)
{
	struct sl_feed_cache cache = { 0 };
	struct sl_feed_args a;
	struct sl_class old;
	int i;

	r->in = calloc(cfg->nclasses + 1, sizeof(*r->in));
	r->in_err = calloc(cfg->nclasses + 1, sizeof(*r->in_err));
	if (!r->in || !r->in_err)
		return -ENOMEM;
	for (i = 0; i < cfg->nclasses; i++) {
		if (!cfg->classes[i].nfeeds)
			continue; /* prefixes managed with `sluice feed load` */
		feed_args(r, &cfg->classes[i], &a);
		/* a class the file adds: nothing loaded to compare with */
		r->in_err[i] = sl_feed_prepare_cached(r->ctx && sl_class_find(r->ctx, a.cls, &old) > 0 ?
							      r->ctx : NULL,
						      &a, &r->in[i], &cache);
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
}

/* A dry run's plan for a class the file adds: all of its feeds are new. */
static void plan_new_class(struct run *r, const struct sl_cfg_class *c,
			   const struct sl_feed_input *in)
{
	size_t n4 = sl_pfx_split(in->vec.v, in->vec.n);
	char detail[160];

	snprintf(detail, sizeof(detail), "%zu IPv4 and %zu IPv6 prefixes (a new class)", n4,
		 in->vec.n - n4);
	action(r, "load feeds of", c->name, detail);
}

/*
 * Every class's feeds were read and checked first; the accepted ones go
 * live together, with one table build and one swap. A feed refused by its
 * gates keeps its class's prefixes and fails the run, but does not hold
 * back the other classes' feeds.
 */
static int apply_feeds(struct run *r, struct sl_cfg *cfg)
{
	struct sl_batch batch = { 0 };
	char (*detail)[160] = calloc(cfg->nclasses ? cfg->nclasses : 1, sizeof(*detail));
	int i, err, first_err = 0;

	if (!detail)
		return -ENOMEM;
	for (i = 0; i < cfg->nclasses; i++) {
		struct sl_cfg_class *c = &cfg->classes[i];
		struct sl_feed_args a;
		struct sl_plan res;
		struct sl_class old;

		if (!c->nfeeds)
			continue;
		feed_args(r, c, &a);
		a.batch = &batch;
		err = r->in_err[i];
		if (!err && r->dry_run && sl_class_find(r->ctx, c->name, &old) < 0) {
			plan_new_class(r, c, &r->in[i]);
			continue;
		}
		if (!err)
			err = sl_feed_update(r->ctx, &a, &r->in[i], &res);
		if (err) {
			first_err = first_err ? first_err : err;
			continue;
		}
		if (res.unchanged_sources || !res.changes)
			continue;
		snprintf(detail[i], sizeof(detail[i]),
			 "%zu IPv4 and %zu IPv6 prefixes (+%zu -%zu IPv4, +%zu -%zu IPv6)",
			 res.prefixes[0], res.prefixes[1], res.added[0], res.removed[0],
			 res.added[1], res.removed[1]);
	}
	/* All or nothing: a table too small for the lot refuses the batch. */
	err = r->dry_run ? 0 : sl_batch_commit(r->ctx, &batch);
	if (err && err != -E2BIG && err != -ENOSPC)
		sl_err("cannot load the feeds' prefixes: %s", strerror(-err));
	for (i = 0; i < cfg->nclasses && !err; i++)
		if (detail[i][0])
			action(r, "load feeds of", cfg->classes[i].name, detail[i]);
	sl_batch_free(&batch);
	free(detail);
	return first_err ? first_err : err;
}

static int apply_attach(struct run *r, struct sl_cfg *cfg)
{
	int i, err;

	for (i = 0; i < cfg->nattach; i++) {
		struct sl_cfg_attach *a = &cfg->attach[i];
		struct sl_attach_opts o = { .hook = a->hook, .force = a->force };
		__u32 ifindex = if_nametoindex(a->dev);
		char obj[64];
		bool noop;

		o.match = a->match >= 0 ? a->match :
			  a->hook == SL_HOOK_TC_OUT ? SL_MATCH_DST : SL_MATCH_SRC;
		o.xdp_native = a->xdp_mode == 0;
		o.xdp_generic = a->xdp_mode == 1;
		snprintf(obj, sizeof(obj), "%s %s", a->dev, sl_hook_names[a->hook]);
		if (!ifindex) {
			sl_err("%s:%d: unknown device %s", sl_q(cfg->path), a->line, sl_q(a->dev));
			return -ENODEV;
		}
		if (r->dry_run) {
			if (!sl_attach_current(r->ctx, ifindex, &o))
				action(r, "attach", obj, o.match ? "match dst" : "match src");
			continue;
		}
		err = sl_attach(r->ctx, a->dev, &o, &noop);
		if (err)
			return err;
		if (!noop)
			action(r, "attach", obj, o.match ? "match dst" : "match src");
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
		action(r, "delete class", name, NULL);
	}
	sl_classes_free(&cs);
	return err;
}

static int remove_extra(struct run *r, struct sl_cfg *cfg)
{
	struct sl_attach_key keys[SL_MAX_ATTACH];
	struct sl_attach_val vals[SL_MAX_ATTACH];
	int n, i, count, err;
	char obj[64];

	n = sl_attach_list(r->ctx, keys, vals, SL_MAX_ATTACH);
	for (i = 0; i < n; i++) {
		/* the configuration names devices of this namespace only */
		if (keys[i].netns != sl_netns_cookie() ||
		    wanted_attach(cfg, keys[i].ifindex, keys[i].hook))
			continue;
		snprintf(obj, sizeof(obj), "%.16s %.16s", vals[i].ifname, sl_hook_names[keys[i].hook]);
		if (!r->dry_run) {
			err = sl_detach(r->ctx, keys[i].ifindex, keys[i].hook, &count);
			if (err)
				return err;
		}
		action(r, "detach", obj, NULL);
	}
	return remove_classes(r, cfg);
}

/* A dry run with nothing loaded: all of the file is to do. */
static int plan_fresh(struct run *r, const struct sl_cfg *cfg, const char *dir)
{
	int i, err = 0;
	char obj[64];

	action(r, "load", "sluice", dir);
	for (i = 0; i < cfg->nclasses; i++) {
		action(r, "create class", cfg->classes[i].name,
		       sl_policy_name(cfg->classes[i].spec.policy));
		if (!cfg->classes[i].nfeeds)
			continue;
		if (r->in_err[i])
			err = err ? err : r->in_err[i];
		else
			plan_new_class(r, &cfg->classes[i], &r->in[i]);
	}
	for (i = 0; i < cfg->nattach; i++) {
		snprintf(obj, sizeof(obj), "%.16s %.16s", cfg->attach[i].dev,
			 sl_hook_names[cfg->attach[i].hook]);
		action(r, "attach", obj, NULL);
	}
	return err;
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
	snprintf(detail, sizeof(detail), "IPv4 %u, IPv6 %u", s->v4_entries, s->v6_entries);
	if (!r->dry_run) {
		err = sl_set_caps(r->ctx, s->v4_entries, s->v6_entries, &changed);
		if (err)
			return err;
	}
	action(r, "set", "table sizes", detail);
	return 0;
}

static int apply_all(struct run *r, struct sl_cfg *cfg, const char *path)
{
	struct sl_ctx *ctx = r->ctx;
	int err, feed_err = 0;

	if (ctx->st.max_classes != cfg->sizes.max_classes)
		sl_warn("%s: max_classes applies when sluice is loaded; the live %u stay until "
			"'sluice detach --all'", path, ctx->st.max_classes);
	if (ctx->st.max_flows != cfg->sizes.max_flows)
		sl_warn("%s: max_flows applies when sluice is loaded; the live %u stay until "
			"'sluice detach --all'", path, ctx->st.max_flows);
	err = apply_caps(r, cfg);
	if (!err)
		err = apply_classes(r, cfg);
	/*
	 * A refused feed leaves its class as it was and fails the run, but
	 * holds back neither the other feeds nor the attachments and removals.
	 */
	if (!err)
		feed_err = apply_feeds(r, cfg);
	if (!err)
		err = apply_attach(r, cfg);
	if (!err)
		err = remove_extra(r, cfg);
	return err ? err : feed_err;
}

static void report(const struct run *r, const char *path, const struct timespec *t0, int err)
{
	struct timespec t1;
	double secs;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (t1.tv_sec - t0->tv_sec) + (t1.tv_nsec - t0->tv_nsec) / 1e9;
	print_uint(PRINT_JSON, "changes", NULL, r->changes);
	print_float(PRINT_JSON, "seconds", NULL, secs);
	if (err)
		return;
	if (!r->changes)
		print_text("%s: nothing to do, the live state matches (%.3f s)\n", path, secs);
	else
		print_text("%s: %d change%s %s (%.3f s)\n", path, r->changes,
			   r->changes == 1 ? "" : "s", r->dry_run ? "planned" : "applied", secs);
}

int cmd_apply(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "dry-run", no_argument, NULL, 'n' },
		{}
	};
	const char *path = sl_default_config();
	struct run r = { 0 };
	struct timespec t0;
	bool fresh = false;
	struct sl_cfg cfg;
	struct sl_ctx ctx;
	int c, err;

	while ((c = getopt_long(argc, argv, "c:n", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			path = optarg;
			break;
		case 'n':
			r.dry_run = true;
			break;
		default:
			return -EINVAL;
		}
	}
	if (optind != argc) {
		sl_err("usage: sluice apply [-c FILE] [--dry-run]");
		return -EINVAL;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	err = sl_config_load(path, &cfg);
	if (err)
		return err;
	sl_ctx_init(&ctx, NULL);
	err = sl_open(&ctx, 0, &cfg.sizes);
	/* the first run loads sluice (under the lock); a dry run plans it */
	if (err == -ENOENT && !r.dry_run)
		err = sl_open(&ctx, SL_OPEN_CREATE | SL_OPEN_LOCK, &cfg.sizes);
	if (err && !(err == -ENOENT && r.dry_run))
		goto out;
	r.ctx = err ? NULL : &ctx;
	fresh = err == -ENOENT;
	err = prepare_feeds(&r, &cfg);
	if (!err && !r.dry_run)
		err = sl_lock(&ctx);
	if (err)
		goto out;
	print_open_object(NULL);
	print_string(PRINT_JSON, "config", NULL, path);
	print_bool(PRINT_JSON, "dry_run", NULL, r.dry_run);
	print_open_array("actions");
	if (fresh) {
		err = plan_fresh(&r, &cfg, ctx.dir);
	} else {
		err = apply_all(&r, &cfg, path);
	}
	print_close_array();
	report(&r, path, &t0, err);
	print_close_object();
out:
	free_inputs(&r, &cfg);
	sl_close(&ctx);
	sl_config_free(&cfg);
	if (!err && r.dry_run && r.changes)
		return SL_EXIT_CHANGES;
	return err;
}
