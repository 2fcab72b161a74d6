// SPDX-License-Identifier: GPL-2.0
/* sluice class set / del / list, and sluice stats */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classes.h"
#include "cmd.h"
#include "diag.h"
#include "flows.h"
#include "journal.h"
#include "metrics.h"
#include "names.h"
#include "parse.h"
#include "print.h"
#include "table.h"
#include "util.h"

/* "police 10Mbit burst 128KiB", "shape in 5Mbit burst 8KiB, out unlimited", "drop" */
static void print_policy_text(const struct sl_class *cl)
{
	char r[32], b[32];
	int d;

	print_text("%s", sl_policy_name(cl->policy));
	if (cl->policy != SL_POLICY_POLICE && cl->policy != SL_POLICY_SHAPE)
		return;
	if (cl->rate[0] == cl->rate[1] && cl->burst[0] == cl->burst[1]) {
		sl_fmt_rate(r, sizeof(r), cl->rate[0]);
		sl_fmt_size(b, sizeof(b), cl->burst[0]);
		print_text(" %s burst %s", r, cl->burst[0] ? b : "auto");
		return;
	}
	for (d = 0; d < SL_DIR_MAX; d++) {
		sl_fmt_rate(r, sizeof(r), cl->rate[d]);
		sl_fmt_size(b, sizeof(b), cl->burst[d]);
		print_text("%s %s %s", d ? "," : "", sl_dir_names[d], cl->rate[d] ? r : "unlimited");
		if (cl->rate[d])
			print_text(" burst %s", cl->burst[d] ? b : "auto");
	}
}

/* ", idle 10m": the expiry of host and flow state. */
static void print_time_ns(__u64 ns)
{
	print_uint(PRINT_JSON, "idle_ns", NULL, ns);
	if (ns % 60000000000ull == 0)
		print_uint(PRINT_TEXT, NULL, ", idle %llum", ns / 60000000000ull);
	else if (ns % 1000000000ull == 0)
		print_uint(PRINT_TEXT, NULL, ", idle %llus", ns / 1000000000ull);
	else
		print_uint(PRINT_TEXT, NULL, ", idle %llums", ns / 1000000);
}

/* The policy and rates: one text phrase, JSON fields in raw units. */
static void print_policy(const struct sl_class *cl)
{
	char key[32];
	int d;

	print_string(PRINT_JSON, "policy", NULL, sl_policy_name(cl->policy));
	/* rate_bps / burst_bytes: the outbound values (compatibility) */
	print_uint(PRINT_JSON, "rate_bps", NULL, cl->rate[SL_DIR_OUT]);
	print_uint(PRINT_JSON, "burst_bytes", NULL, cl->burst[SL_DIR_OUT]);
	for (d = 0; d < SL_DIR_MAX; d++) {
		snprintf(key, sizeof(key), "rate_%s_bps", sl_dir_names[d]);
		print_uint(PRINT_JSON, key, NULL, cl->rate[d]);
		snprintf(key, sizeof(key), "burst_%s_bytes", sl_dir_names[d]);
		print_uint(PRINT_JSON, key, NULL, cl->burst[d]);
	}
	print_policy_text(cl);
	if (cl->policy != SL_POLICY_POLICE)
		return;
	print_string(PRINT_ANY, "scope", " per %s",
		     sl_scope_names[cl->scope < SL_SCOPE_MAX ? cl->scope : 0]);
	print_string(PRINT_ANY, "initiator", ", initiator %s",
		     sl_initiator_names[cl->initiator < SL_INIT_MAX ? cl->initiator : 0]);
	print_time_ns(cl->idle_ns);
}

static int parse_rate_opt(const char *opt, const char *s, __u64 *out)
{
	int err = sl_parse_rate(s, out);

	if (err)
		sl_err("bad %s '%s' (%s)", opt, sl_q(s),
		       err == -ERANGE ? "1 bit/s to 10 Tbit/s" : "expected e.g. 128kbit, 10mbit, 1gbit");
	return err ? -EINVAL : 0;
}

static int parse_burst_opt(const char *s, __u64 *out)
{
	int err = sl_parse_size(s, out);

	if (err)
		sl_err("bad burst '%s' (%s)", sl_q(s),
		       err == -ERANGE ? "1 byte to 1 GiB" : "expected e.g. 1500, 64k, 1m");
	return err ? -EINVAL : 0;
}

static const char class_set_usage[] =
	"usage: sluice class set NAME (--pass | --drop | --rate RATE [--rate-in RATE] "
	"[--rate-out RATE] [--burst SIZE] [--mode police|shape] [--per class|host|flow] "
	"[--initiator any|local] [--idle DURATION])";

/* --per, --initiator, --idle into spec; -EINVAL said. */
static int parse_scope_opt(int c, const char *arg, struct sl_class_spec *spec)
{
	int i, err;

	switch (c) {
	case 'S':
		i = sl_match_word(arg, sl_scope_names, SL_SCOPE_MAX);
		if (i < 0)
			sl_err("bad --per '%s' (expected class, host or flow)", sl_q(arg));
		spec->scope = i;
		return i < 0 ? -EINVAL : 0;
	case 'I':
		i = sl_match_word(arg, sl_initiator_names, SL_INIT_MAX);
		if (i < 0)
			sl_err("bad --initiator '%s' (expected any or local)", sl_q(arg));
		spec->initiator = i;
		return i < 0 ? -EINVAL : 0;
	default:
		err = sl_parse_duration(arg, &spec->idle_ns);
		if (err)
			sl_err("bad --idle '%s' (%s)", arg,
			       err == -ERANGE ? "1ms to 30d" : "expected e.g. 10m, 30s, 500ms");
		return err ? -EINVAL : 0;
	}
}

/* The options of class set into spec; -EINVAL (said) when they do not add up. */
static int parse_class_spec(int argc, char **argv, struct sl_class_spec *spec)
{
	static const struct option opts[] = {
		{ "pass", no_argument, NULL, 'P' },	  { "drop", no_argument, NULL, 'D' },
		{ "rate", required_argument, NULL, 'r' }, { "rate-in", required_argument, NULL, 'i' },
		{ "rate-out", required_argument, NULL, 'o' },
		{ "burst", required_argument, NULL, 'b' }, { "mode", required_argument, NULL, 'm' },
		{ "per", required_argument, NULL, 'S' }, { "initiator", required_argument, NULL, 'I' },
		{ "idle", required_argument, NULL, 'T' },
		{}
	};
	int policy = -1, mode = -1, c;
	bool any_rate = false;

	memset(spec, 0, sizeof(*spec));
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
			if (parse_rate_opt("rate", optarg, &spec->rate[SL_DIR_IN]))
				return -EINVAL;
			spec->rate[SL_DIR_OUT] = spec->rate[SL_DIR_IN];
			any_rate = true;
			break;
		case 'i':
		case 'o':
			if (parse_rate_opt(c == 'i' ? "--rate-in" : "--rate-out", optarg,
					   &spec->rate[c == 'i' ? SL_DIR_IN : SL_DIR_OUT]))
				return -EINVAL;
			any_rate = true;
			break;
		case 'b':
			if (parse_burst_opt(optarg, &spec->burst))
				return -EINVAL;
			break;
		case 'm':
			mode = sl_match_word(optarg, sl_mode_names, SL_MODE_NAMES);
			if (mode < 0) {
				sl_err("bad mode '%s' (expected police or shape)", sl_q(optarg));
				return -EINVAL;
			}
			break;
		case 'S':
		case 'I':
		case 'T':
			if (parse_scope_opt(c, optarg, spec))
				return -EINVAL;
			break;
		default:
			return -EINVAL;
		}
	}
	if (optind + 1 != argc || (policy < 0) == !any_rate) {
		sl_err("%s", class_set_usage);
		return -EINVAL;
	}
	if ((spec->burst || mode >= 0) && !any_rate) {
		sl_err("%s needs a rate", spec->burst ? "--burst" : "--mode");
		return -EINVAL;
	}
	spec->policy = !any_rate ? policy : mode == 1 ? SL_POLICY_SHAPE : SL_POLICY_POLICE;
	return sl_class_spec_check(argv[optind], spec);
}

static int check_class_name(const char *name)
{
	if (!strcmp(name, "default")) {
		sl_err("the default class always passes and cannot be changed");
		return -EINVAL;
	}
	if (!sl_valid_class_name(name)) {
		sl_err("bad class name '%s' (1-31 characters: letters, digits, '_', '.', '-'; "
		       "not '.', '..' or 'default' in another case)", sl_q(name));
		return -EINVAL;
	}
	return 0;
}

static int class_set(int argc, char **argv)
{
	struct sl_class_spec spec;
	bool created = false, changed = false;
	struct sl_class cl;
	struct sl_ctx ctx;
	const char *name;
	int id, err;

	err = parse_class_spec(argc, argv, &spec);
	if (err)
		return err;
	name = argv[optind];
	err = check_class_name(name);
	if (err)
		return err;
	sl_ctx_init(&ctx, NULL);
	err = sl_open(&ctx, SL_OPEN_CREATE | SL_OPEN_LOCK, NULL);
	if (err)
		goto out;
	id = sl_class_define(&ctx, name, &spec, &created, &changed);
	err = id < 0 ? id : sl_class_get(&ctx, id, &cl);
	if (err)
		goto out;
	print_open_object(NULL);
	print_string(PRINT_ANY, "class", "class %s", name);
	print_uint(PRINT_JSON, "class_id", NULL, id);
	print_bool(PRINT_JSON, "created", NULL, created);
	print_bool(PRINT_JSON, "changed", NULL, changed);
	print_text(" %s: ", created ? "created" : changed ? "updated" : "unchanged");
	print_policy(&cl);
	print_text("\n");
	print_close_object();
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
		print_open_object(NULL);
		print_string(PRINT_ANY, "class", "class %s deleted\n", argv[1]);
		print_bool(PRINT_JSON, "changed", NULL, true);
		print_close_object();
	}
	sl_close(&ctx);
	return err;
}

static void print_counters(const char *dir, const struct sl_counters *c)
{
	struct sl_counters drops = *c;

	sl_counters_fold(&drops, 1);
	print_open_object(dir);
	print_string(PRINT_TEXT, NULL, "    %-4s", dir);
	print_count(PRINT_TEXT, NULL, " passed %8s pkts", c->packets[SL_PASS]);
	print_uint(PRINT_JSON, "passed_packets", NULL, c->packets[SL_PASS]);
	print_size(PRINT_ANY, "passed_bytes", " %10s", c->bytes[SL_PASS]);
	/* dropped: by the drop policy and by the police bucket (police_ keys) */
	print_count(PRINT_TEXT, NULL, "   dropped %8s pkts", drops.packets[SL_DROP]);
	print_uint(PRINT_JSON, "dropped_packets", NULL, drops.packets[SL_DROP]);
	print_size(PRINT_ANY, "dropped_bytes", " %10s\n", drops.bytes[SL_DROP]);
	print_uint(PRINT_JSON, "police_dropped_packets", NULL, c->packets[SL_CNT_DROP_POLICE]);
	print_uint(PRINT_JSON, "police_dropped_bytes", NULL, c->bytes[SL_CNT_DROP_POLICE]);
	print_close_object();
}

/* stats of a per host or per flow class: "    flows 12 active, 0 evicted" */
static void print_flow_counts(const struct sl_class *cl, const struct sl_flow_class *fc)
{
	const char *what = cl->scope == SL_SCOPE_HOST ? "hosts" : "flows";

	print_uint(PRINT_JSON, "flows_active", NULL, fc->active);
	print_uint(PRINT_JSON, "flow_evictions", NULL, fc->evictions);
	if (cl->policy != SL_POLICY_POLICE ||
	    (cl->scope == SL_SCOPE_CLASS && cl->initiator == SL_INIT_ANY))
		return;
	print_text("    %-4s", what);
	print_count(PRINT_TEXT, NULL, " %8s active", fc->active);
	print_count(PRINT_TEXT, NULL, ", %s evicted\n", fc->evictions);
}

static int print_class(struct sl_ctx *ctx, __u32 id, const struct sl_class *cl,
		       const struct sl_counters *cnt, const struct sl_flow_class *fc)
{
	__u32 n[2];
	int d, err;

	err = sl_store_counts(ctx, id, n);
	if (err)
		return err;
	print_open_object(NULL);
	print_string(PRINT_ANY, "class", "%-20s ", cl->name);
	print_uint(PRINT_JSON, "class_id", NULL, id);
	print_policy(cl);
	print_uint(PRINT_ANY, "prefixes_v4", "; %llu IPv4,", n[0]);
	print_uint(PRINT_ANY, "prefixes_v6", " %llu IPv6 prefixes\n", n[1]);
	print_time(PRINT_JSON, "loaded", NULL, cl->load_time);
	for (d = 0; cnt && d < SL_DIR_MAX; d++)
		print_counters(sl_dir_names[d], &cnt[id * SL_DIR_MAX + d]);
	if (fc)
		print_flow_counts(cl, &fc[id]);
	print_close_object();
	return 0;
}

static int print_unclassified(struct sl_ctx *ctx)
{
	struct sl_counters cnt[SL_DIR_MAX];
	int d, err;

	for (d = 0; d < SL_DIR_MAX; d++) {
		err = sl_counters_read(ctx, ctx->misc_fd, SL_MISC_NONIP(d), &cnt[d]);
		if (err)
			return err;
	}
	print_open_object("not_classified");
	print_text("%-20s non-IP or truncated frames, passed untouched\n", "(not classified)");
	for (d = 0; d < SL_DIR_MAX; d++)
		print_counters(sl_dir_names[d], &cnt[d]);
	print_close_object();
	return 0;
}

/* class list (with_counters false) and stats (true). */
static int show_classes(bool with_counters)
{
	struct sl_counters *cnt = NULL;
	struct sl_flow_class *fc = NULL;
	struct sl_classes cs = { 0 };
	struct sl_ctx ctx;
	int id, err;

	sl_ctx_init(&ctx, NULL);
	err = sl_open(&ctx, 0, NULL);
	if (err == -ENOENT) {
		/* nothing loaded: no classes, which is an answer, not an error */
		print_open_object(NULL);
		print_text("nothing loaded: no classes\n");
		print_open_array("classes");
		print_close_array();
		print_uint(PRINT_JSON, "generation", NULL, 0);
		print_close_object();
		return 0;
	}
	if (!err)
		err = sl_classes_read(&ctx, &cs);
	if (!err && with_counters) {
		cnt = calloc((size_t)cs.max * SL_DIR_MAX, sizeof(*cnt));
		err = !cnt ? -ENOMEM :
		      sl_counters_read_all(&ctx, ctx.stats_fd, cs.max * SL_DIR_MAX, cnt);
		fc = err ? NULL : calloc(cs.max, sizeof(*fc));
		err = err ? err : !fc ? -ENOMEM : sl_flows_per_class(&ctx, &cs, fc);
	}
	if (err)
		goto out;
	print_open_object(NULL);
	if (!with_counters)
		print_text("%-20s %s\n", "CLASS", "POLICY; PREFIXES");
	print_open_array("classes");
	sl_for_each_class(&cs, id) {
		err = print_class(&ctx, id, &cs.slot[id], cnt, fc);
		if (err)
			break;
	}
	print_close_array();
	if (!err && with_counters)
		err = print_unclassified(&ctx);
	print_uint(PRINT_JSON, "generation", NULL, ctx.st.generation);
	print_close_object();
out:
	free(fc);
	free(cnt);
	sl_classes_free(&cs);
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
		       i == -2 ? "ambiguous" : "unknown", sl_q(argv[1]));
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
	if (prom) {
		int state_err;

		return sl_metrics_write(stdout, &state_err);
	}
	return show_classes(true);
}
