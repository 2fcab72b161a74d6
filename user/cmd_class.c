// SPDX-License-Identifier: GPL-2.0
/* sluice class set / del / list, and sluice stats */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <bpf/bpf.h>
#include <json-c/json.h>

#include "cmd.h"
#include "parse.h"
#include "state.h"
#include "table.h"
#include "util.h"

static const char *const policy_names[] = {
	[SL_POLICY_PASS] = "pass",
	[SL_POLICY_DROP] = "drop",
	[SL_POLICY_POLICE] = "police",
};

static const char *const dir_names[SL_DIR_MAX] = { "in", "out" };

/* Default burst: 50 ms at the rate, and never below 128 KiB (two GSO packets). */
#define SL_BURST_MIN (128 * 1024ull)
#define SL_BURST_MS 50

__u64 sl_default_burst(__u64 rate_bps)
{
	__u64 b = rate_bps / 8 * SL_BURST_MS / 1000;

	if (b < SL_BURST_MIN)
		b = SL_BURST_MIN;
	if (b > SL_MAX_BURST)
		b = SL_MAX_BURST;
	return b;
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

static int class_set(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "pass", no_argument, NULL, 'P' },
		{ "drop", no_argument, NULL, 'D' },
		{ "rate", required_argument, NULL, 'r' },
		{ "burst", required_argument, NULL, 'b' },
		{}
	};
	__u64 rate = 0, burst = 0;
	int policy = -1, c, id, err, d;
	struct sl_class cl, old;
	struct sl_ctx ctx;
	bool created = false;
	const char *name;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		int p = c == 'P' ? SL_POLICY_PASS : c == 'D' ? SL_POLICY_DROP : SL_POLICY_POLICE;

		switch (c) {
		case 'P':
		case 'D':
		case 'r':
			if (policy >= 0 && policy != p) {
				sl_err("choose one of --pass, --drop and --rate");
				return -EINVAL;
			}
			policy = p;
			if (c == 'r') {
				err = sl_parse_rate(optarg, &rate);
				if (err) {
					sl_err("bad rate '%s' (%s)", optarg,
					       err == -ERANGE ? "out of range" :
					       "expected e.g. 128kbit, 10mbit, 1gbit");
					return -EINVAL;
				}
			}
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
		default:
			return -EINVAL;
		}
	}
	if (optind + 1 != argc || policy < 0) {
		sl_err("usage: sluice class set NAME (--pass | --drop | --rate RATE [--burst SIZE])");
		return -EINVAL;
	}
	if (burst && policy != SL_POLICY_POLICE) {
		sl_err("--burst needs --rate");
		return -EINVAL;
	}
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

	sl_ctx_init(&ctx, sl_bpffs());
	err = sl_open(&ctx, SL_OPEN_CREATE | SL_OPEN_LOCK, NULL);
	if (err)
		goto out;
	id = sl_class_find(&ctx, name, &old);
	if (id == -ENOENT) {
		for (id = 1; id < (int)ctx.st.max_classes; id++) {
			err = sl_class_get(&ctx, id, &old);
			if (err || !(old.flags & SL_CLASS_USED))
				break;
		}
		if (!err && id == (int)ctx.st.max_classes) {
			sl_err("no free class: all %u are in use", ctx.st.max_classes - 1);
			err = -ENOSPC;
		}
		if (err)
			goto out;
		memset(&old, 0, sizeof(old));
		created = true;
		/* A reused slot starts with fresh counters and buckets. */
		err = reset_class_runtime(&ctx, id);
		if (err)
			goto out;
	} else if (id < 0) {
		err = id;
		goto out;
	}
	cl = old;
	snprintf(cl.name, sizeof(cl.name), "%s", name);
	cl.flags |= SL_CLASS_USED;
	cl.policy = policy;
	for (d = 0; d < SL_DIR_MAX; d++) {
		cl.rate[d] = rate;
		cl.burst[d] = policy == SL_POLICY_POLICE ? (burst ? burst : sl_default_burst(rate)) : 0;
	}
	err = sl_class_put(&ctx, id, &cl);
	if (err) {
		sl_err("cannot write class %s: %s", name, strerror(-err));
		goto out;
	}
	if (sl_json) {
		struct json_object *j = json_object_new_object();

		json_object_object_add(j, "class", json_object_new_string(name));
		json_object_object_add(j, "id", json_object_new_int(id));
		json_object_object_add(j, "created", json_object_new_boolean(created));
		json_object_object_add(j, "policy", json_object_new_string(policy_names[policy]));
		json_object_object_add(j, "rate_bps", json_object_new_int64(cl.rate[0]));
		json_object_object_add(j, "burst_bytes", json_object_new_int64(cl.burst[0]));
		sl_json_print(j);
	} else {
		char r[32], b[32];

		sl_fmt_rate(r, sizeof(r), cl.rate[0]);
		sl_fmt_size(b, sizeof(b), cl.burst[0]);
		if (policy == SL_POLICY_POLICE)
			printf("class %s %s: police %s burst %s\n", name,
			       created ? "created" : "updated", r, b);
		else
			printf("class %s %s: %s\n", name, created ? "created" : "updated",
			       policy_names[policy]);
	}
out:
	sl_close(&ctx);
	return err;
}

static int class_del(int argc, char **argv)
{
	struct sl_class cl;
	struct sl_ctx ctx;
	int id, err;

	if (argc != 2) {
		sl_err("usage: sluice class del NAME");
		return -EINVAL;
	}
	if (!strcmp(argv[1], "default")) {
		sl_err("the default class cannot be deleted");
		return -EINVAL;
	}
	err = sl_open_existing(&ctx, SL_OPEN_LOCK);
	if (err)
		goto out;
	id = sl_class_find(&ctx, argv[1], &cl);
	if (id < 0) {
		sl_err("unknown class %s", argv[1]);
		err = id;
		goto out;
	}
	/* First take its prefixes out of the live tables, then the class. */
	if (cl.n_v4 + cl.n_v6) {
		err = sl_tables_replace(&ctx, id, NULL, 0);
		if (err)
			goto out;
	}
	memset(&cl, 0, sizeof(cl));
	err = sl_class_put(&ctx, id, &cl);
	if (!err)
		err = reset_class_runtime(&ctx, id);
	if (err)
		goto out;
	if (sl_json) {
		struct json_object *j = json_object_new_object();

		json_object_object_add(j, "deleted", json_object_new_string(argv[1]));
		sl_json_print(j);
	} else {
		printf("class %s deleted\n", argv[1]);
	}
out:
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
	json_object_object_add(o, "policy", json_object_new_string(policy_names[cl->policy]));
	json_object_object_add(o, "rate_bps", json_object_new_int64(cl->rate[0]));
	json_object_object_add(o, "burst_bytes", json_object_new_int64(cl->burst[0]));
	json_object_object_add(o, "prefixes_v4", json_object_new_int64(cl->n_v4));
	json_object_object_add(o, "prefixes_v6", json_object_new_int64(cl->n_v6));
	json_object_object_add(o, "loaded_ns", json_object_new_int64(cl->load_time));
	return o;
}

static void class_text(const struct sl_class *cl)
{
	char r[32], b[32];

	printf("%-20s ", cl->name);
	if (cl->policy == SL_POLICY_POLICE) {
		sl_fmt_rate(r, sizeof(r), cl->rate[0]);
		sl_fmt_size(b, sizeof(b), cl->burst[0]);
		printf("police %-9s burst %-9s", r, b);
	} else {
		printf("%-32s", policy_names[cl->policy]);
	}
	printf(" %u IPv4, %u IPv6 prefixes\n", cl->n_v4, cl->n_v6);
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
		printf("%-20s %-32s %s\n", "CLASS", "POLICY", "PREFIXES");
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
				json_object_object_add(o, dir_names[d], counters_json(&cnt[d]));
			json_object_array_add(arr, o);
		} else {
			class_text(&cl);
			for (d = 0; with_counters && d < SL_DIR_MAX; d++)
				counters_text(dir_names[d], &cnt[d]);
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
				json_object_object_add(o, dir_names[d], counters_json(&cnt[d]));
			json_object_object_add(j, "not_classified", o);
		} else {
			printf("%-20s non-IP or truncated frames, passed untouched\n",
			       "(not classified)");
			for (d = 0; d < SL_DIR_MAX; d++)
				counters_text(dir_names[d], &cnt[d]);
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
	static const char *const sub[] = { "set", "del", "list", "show" };
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
	(void)argv;
	if (argc > 1) {
		sl_err("usage: sluice stats");
		return -EINVAL;
	}
	return show_classes(true);
}
