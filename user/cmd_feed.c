// SPDX-License-Identifier: GPL-2.0
/* sluice feed load / plan / list */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>

#include "cmd.h"
#include "diag.h"
#include "journal.h"
#include "names.h"
#include "parse.h"
#include "pipeline.h"
#include "print.h"
#include "table.h"
#include "util.h"

static bool plan_changes(const struct sl_plan *p)
{
	return p->added[0] || p->added[1] || p->removed[0] || p->removed[1];
}

static int parse_pct_opt(const char *opt, const char *s, double *out)
{
	if (sl_parse_pct(s, out)) {
		sl_err("bad %s '%s' (expected a percentage from 0 to 100)", opt, sl_q(s));
		return -EINVAL;
	}
	return 0;
}

static void free_files(struct sl_feed_args *a)
{
	int i;

	for (i = 0; a->files && i < a->nfiles; i++)
		free(a->files[i]);
	free(a->files);
	a->files = NULL;
}

static int parse_args(int argc, char **argv, struct sl_feed_args *a, const char *verb)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "strict", no_argument, NULL, 's' },
		{ "max-invalid", required_argument, NULL, 'i' },
		{ "max-churn", required_argument, NULL, 'c' },
		{ "allow-empty", no_argument, NULL, 'e' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "force", no_argument, NULL, 'F' },
		{ "merge", no_argument, NULL, 'm' },
		{ "cc", required_argument, NULL, 'C' },
		{}
	};
	const char *why;
	int c, i;

	sl_feed_args_init(a);
	a->dry_run = strcmp(verb, "load") != 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			i = sl_match_word(optarg, sl_format_names, SL_FMT_MAX);
			if (i < 0) {
				sl_err("bad format '%s' (expected auto, plain, ipset, csv, rir or json)",
				       sl_q(optarg));
				return -EINVAL;
			}
			a->fo.format = i;
			break;
		case 's':
			a->fo.strict = true;
			break;
		case 'i':
			if (parse_pct_opt("--max-invalid", optarg, &a->max_invalid))
				return -EINVAL;
			break;
		case 'c':
			if (parse_pct_opt("--max-churn", optarg, &a->max_churn))
				return -EINVAL;
			break;
		case 'e':
			a->allow_empty = true;
			break;
		case 'n':
			a->dry_run = true;
			break;
		case 'F':
			a->force = true;
			break;
		case 'm':
			a->merge = true;
			break;
		case 'C':
			if (sl_feed_parse_cc(optarg, &a->fo, &why)) {
				sl_err("bad --cc '%s' (%s)", sl_q(optarg), why);
				return -EINVAL;
			}
			break;
		default:
			return -EINVAL;
		}
	}
	if (argc - optind < 2) {
		sl_err("usage: sluice feed %s CLASS FILE... | -", verb);
		return -EINVAL;
	}
	if (argc - optind - 1 > SL_MAX_SOURCES) {
		sl_err("at most %d files per class", SL_MAX_SOURCES);
		return -EINVAL;
	}
	a->cls = argv[optind];
	a->nfiles = argc - optind - 1;
	/* provenance names files by absolute path (freed by feed_apply) */
	a->files = calloc(a->nfiles, sizeof(*a->files));
	for (i = 0; a->files && i < a->nfiles; i++)
		if (!(a->files[i] = sl_abs_path(argv[optind + 1 + i])))
			break;
	if (!a->files || i < a->nfiles) {
		free_files(a);
		sl_err("out of memory");
		return -ENOMEM;
	}
	return 0;
}

/* An address count as an integer: IPv4 addresses, or IPv6 /64 networks. */
static __u64 addr_count(double n, int v6)
{
	if (v6)
		n /= 18446744073709551616.0;
	return n >= 18446744073709551615.0 ? ~0ull : (__u64)(n + 0.5);
}

/* What each stage took (make bench-feeds reads it): read, parse, normalise, plan, build, swap. */
static void print_stages(const struct sl_stage_ns *ns)
{
	print_open_object("stages");
	print_uint(PRINT_JSON, "read_ns", NULL, ns->read);
	print_uint(PRINT_JSON, "parse_ns", NULL, ns->parse);
	print_uint(PRINT_JSON, "normalise_ns", NULL, ns->normalise);
	print_uint(PRINT_JSON, "plan_ns", NULL, ns->plan);
	print_uint(PRINT_JSON, "build_ns", NULL, ns->build);
	print_uint(PRINT_JSON, "swap_ns", NULL, ns->swap);
	print_close_object();
}

static void print_plan(const char *cls, const struct sl_plan *p)
{
	static const char *const fam[2] = { "v4", "v6" };
	const struct sl_feed_stats *st = &p->st;
	bool changes = plan_changes(p);
	char key[32];
	int f;

	print_open_object(NULL);
	print_string(PRINT_JSON, "class", NULL, cls);
	print_bool(PRINT_JSON, "changed", NULL, p->applied && changes);
	print_bool(PRINT_JSON, "applied", NULL, p->applied);
	print_bool(PRINT_JSON, "sources_unchanged", NULL, p->unchanged_sources);
	print_stages(&p->ns);
	for (f = 0; f < 2; f++) {
		snprintf(key, sizeof(key), "prefixes_%s", fam[f]);
		print_uint(PRINT_JSON, key, NULL, p->prefixes[f]);
		snprintf(key, sizeof(key), "added_%s", fam[f]);
		print_uint(PRINT_JSON, key, NULL, p->added[f]);
		snprintf(key, sizeof(key), "removed_%s", fam[f]);
		print_uint(PRINT_JSON, key, NULL, p->removed[f]);
		/* integers: IPv4 addresses, IPv6 /64 networks (2^64 and more saturate) */
		print_uint(PRINT_JSON, f ? "nets64_added_v6" : "addresses_added_v4", NULL,
			   addr_count(p->addr_added[f], f));
		print_uint(PRINT_JSON, f ? "nets64_removed_v6" : "addresses_removed_v4", NULL,
			   addr_count(p->addr_removed[f], f));
	}
	if (p->unchanged_sources) {
		/* nothing was read: null */
		print_null(PRINT_JSON, "lines", NULL);
		print_null(PRINT_JSON, "invalid_lines", NULL);
		print_null(PRINT_JSON, "masked", NULL);
		print_null(PRINT_JSON, "format", NULL);
		print_string(PRINT_TEXT, NULL, "class %s: sources unchanged, nothing to do\n", cls);
	} else {
		print_uint(PRINT_JSON, "lines", NULL, st->lines);
		print_uint(PRINT_JSON, "invalid_lines", NULL, st->invalid);
		print_uint(PRINT_JSON, "masked", NULL, st->masked);
		print_string(PRINT_JSON, "format", NULL, sl_format_names[st->format]);
		print_text("class %s: %s%zu IPv4 and %zu IPv6 prefixes (+%zu -%zu IPv4, +%zu -%zu IPv6; "
			   "%.0f IPv4 addresses added, %.0f removed); %lu lines, %lu invalid\n",
			   cls, p->applied ? "loaded " : changes ? "would load " : "unchanged, ",
			   p->prefixes[0], p->prefixes[1], p->added[0], p->removed[0], p->added[1],
			   p->removed[1], p->addr_added[0], p->addr_removed[0], st->lines, st->invalid);
	}
	print_close_object();
}

static int feed_apply(int argc, char **argv, const char *verb)
{
	struct sl_feed_input in = { 0 };
	struct sl_feed_args a;
	struct sl_plan p;
	struct sl_ctx ctx;
	int err;

	err = parse_args(argc, argv, &a, verb);
	if (err)
		return err;
	/* Read and parse first: the lock is held only to plan and swap. */
	err = sl_open_existing(&ctx, 0);
	if (!err)
		err = sl_feed_prepare(&ctx, &a, &in);
	if (!err && !a.dry_run)
		err = sl_lock(&ctx);
	if (!err)
		err = sl_feed_update(&ctx, &a, &in, &p);
	if (!err)
		print_plan(a.cls, &p);
	sl_feed_input_free(&in);
	sl_close(&ctx);
	free_files(&a);
	if (!err && a.dry_run && p.changes)
		return SL_EXIT_CHANGES;
	return err;
}

/*
 * feed check: would the class accept these files? Its parse and gates, the
 * churn gate against its live list when sluice is loaded; nothing changes.
 */
static int feed_check(int argc, char **argv)
{
	struct sl_feed_input in = { 0 };
	bool loaded = false;
	struct sl_feed_args a;
	struct sl_class cl;
	struct sl_plan p = { 0 };
	struct sl_ctx ctx;
	int err;

	err = parse_args(argc, argv, &a, "check");
	if (err)
		return err;
	a.force = true; /* read the files even when they are the live ones */
	sl_ctx_init(&ctx, NULL);
	if (!sl_open(&ctx, 0, NULL))
		loaded = sl_class_find(&ctx, a.cls, &cl) > 0;
	sl_diag_clear(); /* not loaded, or not this class: the parse gates alone */
	err = sl_feed_prepare(NULL, &a, &in);
	if (!err && loaded)
		err = sl_feed_update(&ctx, &a, &in, &p);
	else if (!err)
		p.st = in.st;
	if (!err && !loaded) {
		p.prefixes[0] = sl_pfx_split(in.vec.v, in.vec.n);
		p.prefixes[1] = in.vec.n - p.prefixes[0];
	}
	print_open_object(NULL);
	print_string(PRINT_JSON, "class", NULL, a.cls);
	print_bool(PRINT_JSON, "accepted", NULL, !err);
	print_bool(PRINT_JSON, "loaded", NULL, loaded);
	if (!err) {
		print_text("%s: accepted by class %s: ", a.nfiles == 1 ? a.files[0] : "feeds", a.cls);
		print_uint(PRINT_ANY, "prefixes_v4", "%llu IPv4 and", p.prefixes[0]);
		print_uint(PRINT_ANY, "prefixes_v6", " %llu IPv6 prefixes", p.prefixes[1]);
		print_uint(PRINT_ANY, "lines", ", %llu lines", p.st.lines);
		print_uint(PRINT_ANY, "invalid_lines", ", %llu invalid", p.st.invalid);
		print_text("%s\n", loaded ? "" : " (the class is not loaded: parse gates only)");
	}
	print_close_object();
	sl_feed_input_free(&in);
	sl_close(&ctx);
	free_files(&a);
	return err;
}

static int feed_rollback(int argc, char **argv)
{
	struct sl_ctx ctx;
	struct sl_plan p;
	int err;

	if (argc != 2) {
		sl_err("usage: sluice feed rollback CLASS");
		return -EINVAL;
	}
	err = sl_open_existing(&ctx, SL_OPEN_LOCK);
	if (!err)
		err = sl_feed_rollback(&ctx, argv[1], &p);
	if (!err) {
		print_open_object(NULL);
		print_string(PRINT_ANY, "class", "class %s: back to its previous list: ", argv[1]);
		print_bool(PRINT_JSON, "changed", NULL, true);
		print_uint(PRINT_ANY, "prefixes_v4", "%llu IPv4 and", p.prefixes[0]);
		print_uint(PRINT_ANY, "prefixes_v6", " %llu IPv6 prefixes", p.prefixes[1]);
		print_uint(PRINT_ANY, "added_v4", " (+%llu", p.added[0]);
		print_uint(PRINT_ANY, "removed_v4", " -%llu IPv4,", p.removed[0]);
		print_uint(PRINT_ANY, "added_v6", " +%llu", p.added[1]);
		print_uint(PRINT_ANY, "removed_v6", " -%llu IPv6)\n", p.removed[1]);
		print_close_object();
	}
	sl_close(&ctx);
	return err;
}

static void print_source(const struct sl_source *s)
{
	char hash[32];

	snprintf(hash, sizeof(hash), "%016llx", (unsigned long long)s->hash);
	print_open_object(NULL);
	print_string(PRINT_ANY, "path", "    %s", s->path);
	print_uint(PRINT_ANY, "size_bytes", "  %llu bytes", s->size);
	print_string(PRINT_ANY, "xxh3", "  xxh3 %s", hash);
	print_time(PRINT_JSON, "mtime", NULL, s->mtime);
	print_uint(PRINT_ANY, "entries", "  %llu entries,", s->entries);
	print_uint(PRINT_ANY, "invalid_lines", " %llu invalid\n", s->invalid);
	print_close_object();
}

/* The list feed rollback would put back, if one is kept. */
static int print_previous(struct sl_ctx *ctx, __u32 id)
{
	struct sl_prev_src ps;
	__u32 n[2], i;
	int err;

	err = sl_prev_read(ctx, id, &ps);
	if (err == -ENOENT) {
		print_null(PRINT_JSON, "previous", NULL);
		return 0;
	}
	if (!err)
		err = sl_store_counts_kind(ctx, "p", id, n);
	if (err)
		return err;
	print_open_object("previous");
	print_uint(PRINT_ANY, "prefixes_v4", "    previous list kept: %llu IPv4,", n[0]);
	print_uint(PRINT_ANY, "prefixes_v6", " %llu IPv6 prefixes,", n[1]);
	print_time(PRINT_ANY, "loaded", " loaded %s", ps.load_time);
	print_text(" from");
	/* paths only: "sources" is an array of source objects elsewhere */
	print_open_array("paths");
	for (i = 0; i < ps.nsrc && i < SL_MAX_SOURCES; i++)
		print_string(PRINT_ANY, NULL, " %s", ps.src[i].path);
	print_close_array();
	print_text("\n");
	print_close_object();
	return 0;
}

static int print_class_feeds(struct sl_ctx *ctx, __u32 id, const struct sl_class *cl)
{
	struct sl_source_key k = { .class_id = id };
	struct sl_source s;
	__u32 n[2];
	int err;

	err = sl_store_counts(ctx, id, n);
	if (err)
		return err;
	print_open_object(NULL);
	print_string(PRINT_ANY, "class", "%s:", cl->name);
	print_uint(PRINT_JSON, "class_id", NULL, id);
	print_uint(PRINT_ANY, "prefixes_v4", " %llu IPv4,", n[0]);
	print_uint(PRINT_ANY, "prefixes_v6", " %llu IPv6 prefixes,", n[1]);
	print_time(PRINT_ANY, "loaded", " loaded %s\n", cl->load_time);
	print_open_array("sources");
	for (k.index = 0; k.index < cl->n_sources; k.index++)
		if (!bpf_map_lookup_elem(ctx->sources_fd, &k, &s))
			print_source(&s);
	print_close_array();
	err = print_previous(ctx, id);
	print_close_object();
	return err;
}

static int feed_list(int argc, char **argv)
{
	struct sl_classes cs = { 0 };
	struct sl_ctx ctx;
	int id, err;

	(void)argv;
	if (argc > 1) {
		sl_err("usage: sluice feed list");
		return -EINVAL;
	}
	err = sl_open_existing(&ctx, 0);
	if (!err)
		err = sl_classes_read(&ctx, &cs);
	if (err)
		goto out;
	print_open_object(NULL);
	print_open_array("classes");
	sl_for_each_class(&cs, id) {
		if (id == SL_CLASS_DEFAULT)
			continue;
		err = print_class_feeds(&ctx, id, &cs.slot[id]);
		if (err)
			break;
	}
	print_close_array();
	print_close_object();
out:
	sl_classes_free(&cs);
	sl_close(&ctx);
	return err;
}

int cmd_feed(int argc, char **argv)
{
	static const char *const sub[] = { "load", "plan", "list", "check", "rollback" };
	int i;

	if (argc < 2) {
		sl_err("usage: sluice feed (load | plan | check) CLASS FILE... | "
		       "sluice feed rollback CLASS | sluice feed list");
		return -EINVAL;
	}
	i = sl_match_word(argv[1], sub, ARRAY_SIZE(sub));
	if (i < 0) {
		sl_err("%s feed command '%s' (expected load, plan, check, rollback or list)",
		       i == -2 ? "ambiguous" : "unknown", sl_q(argv[1]));
		return -EINVAL;
	}
	switch (i) {
	case 2:
		return feed_list(argc - 1, argv + 1);
	case 3:
		return feed_check(argc - 1, argv + 1);
	case 4:
		return feed_rollback(argc - 1, argv + 1);
	default:
		return feed_apply(argc - 1, argv + 1, sub[i]);
	}
}
