// SPDX-License-Identifier: GPL-2.0
/* sluice class set / del / list, and sluice stats */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <bpf/bpf.h>
#include <json-c/json.h>

#include "cmd.h"
#include "ops.h"
#include "parse.h"
#include "state.h"
#include "shape.h"
#include "table.h"
#include "util.h"

static void add_rates_json(struct json_object *o, const struct sl_class *cl)
{
	int d;

	/* rate_bps / burst_bytes: the outbound values (compatibility) */
	json_object_object_add(o, "rate_bps", json_object_new_int64(cl->rate[SL_DIR_OUT]));
	json_object_object_add(o, "burst_bytes", json_object_new_int64(cl->burst[SL_DIR_OUT]));
	for (d = 0; d < SL_DIR_MAX; d++) {
		char key[32];

		snprintf(key, sizeof(key), "rate_%s_bps", sl_dir_names[d]);
		json_object_object_add(o, key, json_object_new_int64(cl->rate[d]));
		snprintf(key, sizeof(key), "burst_%s_bytes", sl_dir_names[d]);
		json_object_object_add(o, key, json_object_new_int64(cl->burst[d]));
	}
}

/* "police 10Mbit burst 128KiB", "shape in 5Mbit, out 20Mbit", "drop" */
static void class_policy_text(const struct sl_class *cl)
{
	char r[32], b[32];
	int d;

	printf("%s", sl_policy_names[cl->policy]);
	if (cl->policy != SL_POLICY_POLICE && cl->policy != SL_POLICY_SHAPE)
		return;
	if (cl->rate[0] == cl->rate[1] && cl->burst[0] == cl->burst[1]) {
		sl_fmt_rate(r, sizeof(r), cl->rate[0]);
		sl_fmt_size(b, sizeof(b), cl->burst[0]);
		printf(" %s burst %s", r, cl->burst[0] ? b : "auto");
		return;
	}
	for (d = 0; d < SL_DIR_MAX; d++) {
		sl_fmt_rate(r, sizeof(r), cl->rate[d]);
		sl_fmt_size(b, sizeof(b), cl->burst[d]);
		printf("%s %s %s", d ? "," : "", sl_dir_names[d], cl->rate[d] ? r : "unlimited");
		if (cl->rate[d])
			printf(" burst %s", cl->burst[d] ? b : "auto");
	}
}

static int reset_class_runtime(struct sl_ctx *ctx, __u32 id)
{
	struct sl_bucket b = {};
	int d, err = 0;

	for (d = 0; d < SL_DIR_MAX && !err; d++) {
		__u32 key = id * SL_DIR_MAX + d;

		if (bpf_map_update_elem(ctx->buckets_fd, &key, &b, BPF_F_LOCK))
			err = -errno;
		if (!err)
			err = sl_counters_reset(ctx, ctx->stats_fd, key);
	}
	return err;
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
		/* defaults derived from the rate: the bucket, or HTB's burst */
		cl->burst[d] = !r ? 0 : spec->burst ? spec->burst :
			       spec->policy == SL_POLICY_POLICE ? sl_default_burst(r) :
								   sl_default_shape_burst(r);
	}
}

int sl_class_define(struct sl_ctx *ctx, const char *name, const struct sl_class_spec *spec,
		    bool *created, bool *changed)
{
	struct sl_class cl, old;
	int id, err;

	*created = false;
	id = sl_class_find(ctx, name, &old);
	if (id == -ENOENT) {
		for (id = 1; id < (int)ctx->st.max_classes; id++) {
			err = sl_class_get(ctx, id, &old);
			if (err)
				return err;
			if (!(old.flags & SL_CLASS_USED))
				break;
		}
		if (id == (int)ctx->st.max_classes) {
			sl_err("no free class: all %u are in use", ctx->st.max_classes - 1);
			return -ENOSPC;
		}
		memset(&old, 0, sizeof(old));
		*created = true;
		/* A reused slot starts with fresh counters and buckets. */
		err = reset_class_runtime(ctx, id);
		if (err)
			return err;
	} else if (id < 0) {
		return id;
	}
	if (spec->policy == SL_POLICY_SHAPE && id > (int)SL_SHAPE_MAX_CLASS) {
		sl_err("class %s: shaping is limited to the first %u classes", name,
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
		sl_err("cannot write class %s: %s", name, strerror(-err));
		return err;
	}
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
	int id, err;

	id = sl_class_find(ctx, name, &cl);
	if (id < 0) {
		sl_err("unknown class %s", name);
		return id;
	}
	if (id == SL_CLASS_DEFAULT) {
		sl_err("the default class cannot be deleted");
		return -EINVAL;
	}
	/* First take its prefixes out of the live tables, then the class. */
	if (cl.n_v4 + cl.n_v6) {
		err = sl_tables_replace(ctx, id, NULL, 0);
		if (err)
			return err;
	}
	memset(&cl, 0, sizeof(cl));
	err = sl_class_put(ctx, id, &cl);
	if (!err)
		err = reset_class_runtime(ctx, id);
	if (!err)
		err = sl_shape_sync(ctx);
	return err;
}

static int parse_rate_opt(const char *opt, const char *s, __u64 *out)
{
	int err = sl_parse_rate(s, out);

	if (err)
		sl_err("bad %s '%s' (%s)", opt, s,
		       err == -ERANGE ? "1 bit/s to 10 Tbit/s" : "expected e.g. 128kbit, 10mbit, 1gbit");
	return err ? -EINVAL : 0;
}

static int class_set(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "pass", no_argument, NULL, 'P' },
		{ "drop", no_argument, NULL, 'D' },
		{ "rate", required_argument, NULL, 'r' },
		{ "rate-in", required_argument, NULL, 'i' },
		{ "rate-out", required_argument, NULL, 'o' },
		{ "burst", required_argument, NULL, 'b' },
		{ "mode", required_argument, NULL, 'm' },
		{}
	};
	static const char *const modes[] = { "police", "shape" };
	__u64 rate[SL_DIR_MAX] = { 0 }, burst = 0;
	int policy = -1, mode = -1, c, id, err;
	bool created = false, any_rate = false;
	struct sl_class_spec spec;
	struct sl_class cl;
	struct sl_ctx ctx;
	const char *name;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'P':
		case 'D':
			if (policy >= 0) {
				sl_err("choose one of --pass and --drop");
				return -EINVAL;
			}
			policy = c == 'P' ? SL_POLICY_PASS : SL_POLICY_DROP;
			break;
		case 'r':
			if (parse_rate_opt("rate", optarg, &rate[SL_DIR_IN]))
				return -EINVAL;
			rate[SL_DIR_OUT] = rate[SL_DIR_IN];
			any_rate = true;
			break;
		case 'i':
		case 'o':
			if (parse_rate_opt(c == 'i' ? "--rate-in" : "--rate-out", optarg,
					   &rate[c == 'i' ? SL_DIR_IN : SL_DIR_OUT]))
				return -EINVAL;
			any_rate = true;
			break;
		case 'b':
			err = sl_parse_size(optarg, &burst);
			if (err) {
				sl_err("bad burst '%s' (%s)", optarg,
				       err == -ERANGE ? "1 byte to 1 GiB" :
				       "expected e.g. 1500, 64k, 1m");
				return -EINVAL;
			}
			break;
		case 'm':
			mode = sl_match_word(optarg, modes, 2);
			if (mode < 0) {
				sl_err("bad mode '%s' (expected police or shape)", optarg);
				return -EINVAL;
			}
			break;
		default:
			return -EINVAL;
		}
	}
	if (optind + 1 != argc || (policy < 0) == !any_rate) {
		sl_err("usage: sluice class set NAME (--pass | --drop | --rate RATE [--rate-in RATE] "
		       "[--rate-out RATE] [--burst SIZE] [--mode police|shape])");
		return -EINVAL;
	}
	if ((burst || mode >= 0) && !any_rate) {
		sl_err("%s needs a rate", burst ? "--burst" : "--mode");
		return -EINVAL;
	}
	if (any_rate)
		policy = mode == 1 ? SL_POLICY_SHAPE : SL_POLICY_POLICE;
	name = argv[optind];
	if (!sl_valid_class_name(name)) {
		sl_err("bad class name '%s' (1-31 characters: letters, digits, '_', '.', '-')",
		       name);
		return -EINVAL;
	}
	if (!strcmp(name, "default")) {
		sl_err("the default class always passes and cannot be changed");
		return -EINVAL;
	}

	spec.policy = policy;
	spec.rate[SL_DIR_IN] = rate[SL_DIR_IN];
	spec.rate[SL_DIR_OUT] = rate[SL_DIR_OUT];
	spec.burst = burst;
	sl_ctx_init(&ctx, sl_bpffs());
	err = sl_open(&ctx, SL_OPEN_CREATE | SL_OPEN_LOCK, NULL);
	if (err)
		goto out;
	id = sl_class_define(&ctx, name, &spec, &created, NULL);
	if (id < 0) {
		err = id;
		goto out;
	}
	err = sl_class_get(&ctx, id, &cl);
	if (err)
		goto out;
	if (sl_json) {
		struct json_object *j = json_object_new_object();

		json_object_object_add(j, "class", json_object_new_string(name));
		json_object_object_add(j, "id", json_object_new_int(id));
		json_object_object_add(j, "created", json_object_new_boolean(created));
		json_object_object_add(j, "policy", json_object_new_string(sl_policy_names[policy]));
		add_rates_json(j, &cl);
		sl_json_print(j);
	} else {
		printf("class %s %s: ", name, created ? "created" : "updated");
		class_policy_text(&cl);
		printf("\n");
	}
out:
	sl_close(&ctx);
	return err;
}

static int class_del(int argc, char **argv)
{
	struct sl_ctx ctx;
	int err;

	if (argc != 2) {
		sl_err("usage: sluice class del NAME");
		return -EINVAL;
	}
	if (!strcmp(argv[1], "default")) {
		sl_err("the default class cannot be deleted");
		return -EINVAL;
	}
	err = sl_open_existing(&ctx, SL_OPEN_LOCK);
	if (!err)
		err = sl_class_remove(&ctx, argv[1]);
	if (!err) {
		if (sl_json) {
			struct json_object *j = json_object_new_object();

			json_object_object_add(j, "deleted", json_object_new_string(argv[1]));
			sl_json_print(j);
		} else {
			printf("class %s deleted\n", argv[1]);
		}
	}
	sl_close(&ctx);
	return err;
}

static struct json_object *counters_json(const struct sl_counters *c)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "passed_packets", json_object_new_int64(c->packets[SL_PASS]));
	json_object_object_add(o, "passed_bytes", json_object_new_int64(c->bytes[SL_PASS]));
	json_object_object_add(o, "dropped_packets", json_object_new_int64(c->packets[SL_DROP]));
	json_object_object_add(o, "dropped_bytes", json_object_new_int64(c->bytes[SL_DROP]));
	return o;
}

static void counters_text(const char *dir, const struct sl_counters *c)
{
	char pp[16], pb[16], dp[16], db[16];

	sl_fmt_count(pp, sizeof(pp), c->packets[SL_PASS]);
	sl_fmt_size(pb, sizeof(pb), c->bytes[SL_PASS]);
	sl_fmt_count(dp, sizeof(dp), c->packets[SL_DROP]);
	sl_fmt_size(db, sizeof(db), c->bytes[SL_DROP]);
	printf("    %-4s passed %8s pkts %10s   dropped %8s pkts %10s\n", dir, pp, pb, dp, db);
}

static struct json_object *class_json(__u32 id, const struct sl_class *cl)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "id", json_object_new_int(id));
	json_object_object_add(o, "name", json_object_new_string(cl->name));
	json_object_object_add(o, "policy", json_object_new_string(sl_policy_names[cl->policy]));
	add_rates_json(o, cl);
	json_object_object_add(o, "prefixes_v4", json_object_new_int64(cl->n_v4));
	json_object_object_add(o, "prefixes_v6", json_object_new_int64(cl->n_v6));
	json_object_object_add(o, "loaded_ns", json_object_new_int64(cl->load_time));
	return o;
}

static void class_text(const struct sl_class *cl)
{
	printf("%-20s ", cl->name);
	class_policy_text(cl);
	printf("; %u IPv4, %u IPv6 prefixes\n", cl->n_v4, cl->n_v6);
}

/* class list (with_counters false) and stats (true). */
static int show_classes(bool with_counters)
{
	struct json_object *j = NULL, *arr = NULL;
	struct sl_counters cnt[SL_DIR_MAX];
	struct sl_class cl;
	struct sl_ctx ctx;
	int err, d;
	__u32 id;

	err = sl_open_existing(&ctx, 0);
	if (err)
		goto out;
	if (sl_json) {
		j = json_object_new_object();
		arr = json_object_new_array();
	} else if (!with_counters) {
		printf("%-20s %s\n", "CLASS", "POLICY; PREFIXES");
	}
	for (id = 0; id < ctx.st.max_classes; id++) {
		err = sl_class_get(&ctx, id, &cl);
		if (err)
			goto out;
		if (!(cl.flags & SL_CLASS_USED))
			continue;
		for (d = 0; with_counters && d < SL_DIR_MAX; d++) {
			err = sl_counters_read(&ctx, ctx.stats_fd, id * SL_DIR_MAX + d, &cnt[d]);
			if (err)
				goto out;
		}
		if (sl_json) {
			struct json_object *o = class_json(id, &cl);

			for (d = 0; with_counters && d < SL_DIR_MAX; d++)
				json_object_object_add(o, sl_dir_names[d], counters_json(&cnt[d]));
			json_object_array_add(arr, o);
		} else {
			class_text(&cl);
			for (d = 0; with_counters && d < SL_DIR_MAX; d++)
				counters_text(sl_dir_names[d], &cnt[d]);
		}
	}
	if (with_counters) {
		for (d = 0; d < SL_DIR_MAX; d++) {
			err = sl_counters_read(&ctx, ctx.misc_fd, SL_MISC_NONIP(d), &cnt[d]);
			if (err)
				goto out;
		}
		if (sl_json) {
			struct json_object *o = json_object_new_object();

			for (d = 0; d < SL_DIR_MAX; d++)
				json_object_object_add(o, sl_dir_names[d], counters_json(&cnt[d]));
			json_object_object_add(j, "not_classified", o);
		} else {
			printf("%-20s non-IP or truncated frames, passed untouched\n",
			       "(not classified)");
			for (d = 0; d < SL_DIR_MAX; d++)
				counters_text(sl_dir_names[d], &cnt[d]);
		}
	}
	if (sl_json) {
		json_object_object_add(j, "classes", arr);
		json_object_object_add(j, "generation", json_object_new_int64(ctx.st.generation));
		sl_json_print(j);
		j = NULL;
	}
out:
	if (j)
		json_object_put(j);
	sl_close(&ctx);
	return err;
}

int cmd_class(int argc, char **argv)
{
	static const char *const sub[] = { "set", "del", "list" };
	int i;

	if (argc < 2)
		return show_classes(false);
	i = sl_match_word(argv[1], sub, ARRAY_SIZE(sub));
	if (i < 0) {
		sl_err("%s class command '%s' (expected set, del or list)",
		       i == -2 ? "ambiguous" : "unknown", argv[1]);
		return -EINVAL;
	}
	argc--;
	argv++;
	switch (i) {
	case 0:
		return class_set(argc, argv);
	case 1:
		return class_del(argc, argv);
	default:
		if (argc > 1) {
			sl_err("usage: sluice class list");
			return -EINVAL;
		}
		return show_classes(false);
	}
}

int cmd_stats(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "prometheus", no_argument, NULL, 'P' },
		{}
	};
	bool prom = false;
	int c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c != 'P')
			return -EINVAL;
		prom = true;
	}
	if (optind != argc) {
		sl_err("usage: sluice stats [--prometheus]");
		return -EINVAL;
	}
	return prom ? sl_metrics_write(stdout) : show_classes(true);
}
