// SPDX-License-Identifier: GPL-2.0
/* sluice feed load / plan / list */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <bpf/bpf.h>
#include <json-c/json.h>
#include <xxhash.h>

#include "cmd.h"
#include "ops.h"
#include "feed.h"
#include "state.h"
#include "table.h"
#include "util.h"

/* `feed plan` and `feed load --dry-run` exit with this when something would change. */
#define SL_EXIT_CHANGES 2

struct plan {
	size_t added[2], removed[2], kept[2]; /* [0] IPv4, [1] IPv6 */
	double addr_added[2], addr_removed[2];
};

static int parse_pct(const char *opt, const char *s, double *out)
{
	if (sl_parse_pct(s, out)) {
		sl_err("bad %s '%s' (expected a percentage from 0 to 100)", opt, s);
		return -EINVAL;
	}
	return 0;
}

void sl_feed_args_init(struct sl_feed_args *a)
{
	memset(a, 0, sizeof(*a));
	a->max_invalid = 1.0;
	a->max_churn = -1;
}

static int parse_args(int argc, char **argv, struct sl_feed_args *a, bool plan)
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
	a->dry_run = plan;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			i = sl_match_word(optarg, sl_format_names, SL_FMT_MAX);
			if (i < 0) {
				sl_err("bad format '%s' (expected auto, plain, ipset, csv, rir or json)",
				       optarg);
				return -EINVAL;
			}
			a->fo.format = i;
			break;
		case 's':
			a->fo.strict = true;
			break;
		case 'i':
			if (parse_pct("--max-invalid", optarg, &a->max_invalid))
				return -EINVAL;
			break;
		case 'c':
			if (parse_pct("--max-churn", optarg, &a->max_churn))
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
				sl_err("bad --cc '%s' (%s)", optarg, why);
				return -EINVAL;
			}
			break;
		default:
			return -EINVAL;
		}
	}
	if (argc - optind < 2) {
		sl_err("usage: sluice feed %s CLASS FILE... | -", plan ? "plan" : "load");
		return -EINVAL;
	}
	if (argc - optind - 1 > SL_MAX_SOURCES) {
		sl_err("at most %d files per class", SL_MAX_SOURCES);
		return -EINVAL;
	}
	a->cls = argv[optind];
	a->files = argv + optind + 1;
	a->nfiles = argc - optind - 1;
	return 0;
}

/* Hash a file's bytes (XXH3-64); -1 for standard input, which is read once. */
static int hash_file(const char *path, struct sl_source *src)
{
	static char buf[1 << 16];
	XXH3_state_t *h;
	struct stat sb;
	ssize_t n;
	int fd;

	memset(src, 0, sizeof(*src));
	snprintf(src->path, sizeof(src->path), "%s", path);
	if (!strcmp(path, "-"))
		return -1;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		sl_err("%s: %s", path, strerror(errno));
		return -errno;
	}
	if (!fstat(fd, &sb))
		src->mtime = (__u64)sb.st_mtim.tv_sec * 1000000000ull + sb.st_mtim.tv_nsec;
	h = XXH3_createState();
	XXH3_64bits_reset(h);
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		XXH3_64bits_update(h, buf, n);
		src->size += n;
	}
	src->hash = XXH3_64bits_digest(h);
	XXH3_freeState(h);
	close(fd);
	if (n < 0) {
		sl_err("%s: %s", path, strerror(errno));
		return -EIO;
	}
	return 0;
}

/*
 * The parsers' version: bump it when the same bytes come to mean other
 * prefixes (2: ipset nomatch entries are exceptions; 3: registry CSV lines
 * of any length), so that unchanged files are read again after an upgrade.
 */
#define SL_PARSER_VERSION 3

/* One hash over every source and the options that shape the result. */
static __u64 combined_hash(const struct sl_feed_args *a, const struct sl_source *src)
{
	XXH3_state_t *h = XXH3_createState();
	const __u32 version = SL_PARSER_VERSION;
	__u64 v;
	int i;

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
	return v ? v : 1;
}

typedef sl_u128 u128;

static u128 pfx_span(const struct sl_pfx *p)
{
	int bits = (p->family == 4 ? 32 : 128) - p->plen;

	return bits >= 128 ? ~(u128)0 : ((u128)1 << bits) - 1;
}

/* Addresses covered by a sorted list (nested prefixes counted once). */
static void covered(const struct sl_pfx *v, size_t n, int family, u128 *lo, u128 *hi, size_t *k)
{
	size_t i;

	*k = 0;
	for (i = 0; i < n; i++) {
		u128 a, b;

		if (v[i].family != family)
			continue;
		a = sl_pfx_to_u128(&v[i]);
		b = a + pfx_span(&v[i]);
		if (*k && a <= hi[*k - 1]) {
			if (b > hi[*k - 1])
				hi[*k - 1] = b;
			continue;
		}
		lo[*k] = a;
		hi[*k] = b;
		(*k)++;
	}
}

/* Addresses in intervals x that are not in intervals y. */
static double only_in(const u128 *xl, const u128 *xh, size_t nx, const u128 *yl, const u128 *yh,
		      size_t ny)
{
	double total = 0;
	size_t i, j = 0;

	for (i = 0; i < nx; i++) {
		u128 a = xl[i], b = xh[i];

		while (j < ny && yh[j] < a)
			j++;
		for (size_t k = j; k < ny && yl[k] <= b; k++) {
			if (yl[k] > a)
				total += (double)(yl[k] - a);
			if (yh[k] >= b)
				goto next;
			a = yh[k] + 1;
		}
		total += (double)(b - a) + 1;
next:;
	}
	return total;
}

static int make_plan(const struct sl_pfx_vec *old, const struct sl_pfx_vec *new, struct plan *p)
{
	size_t i = 0, j = 0, f;
	int err = 0;

	memset(p, 0, sizeof(*p));
	while (i < old->n || j < new->n) {
		int c = i == old->n ? 1 : j == new->n ? -1 : sl_pfx_cmp(&old->v[i], &new->v[j]);

		if (c < 0) {
			p->removed[old->v[i++].family == 6]++;
		} else if (c > 0) {
			p->added[new->v[j++].family == 6]++;
		} else {
			p->kept[new->v[j].family == 6]++;
			i++;
			j++;
		}
	}
	for (f = 0; f < 2 && !err; f++) {
		size_t no, nn, n = 1;
		u128 *ol, *oh, *nl, *nh;

		n += f ? p->kept[1] + p->removed[1] + p->added[1] : p->kept[0] + p->removed[0] +
									p->added[0];
		ol = malloc(n * sizeof(u128));
		oh = malloc(n * sizeof(u128));
		nl = malloc(n * sizeof(u128));
		nh = malloc(n * sizeof(u128));
		if (!ol || !oh || !nl || !nh) {
			err = -ENOMEM;
		} else {
			covered(old->v, old->n, f ? 6 : 4, ol, oh, &no);
			covered(new->v, new->n, f ? 6 : 4, nl, nh, &nn);
			p->addr_added[f] = only_in(nl, nh, nn, ol, oh, no);
			p->addr_removed[f] = only_in(ol, oh, no, nl, nh, nn);
		}
		free(ol);
		free(oh);
		free(nl);
		free(nh);
	}
	return err;
}

static bool plan_changes(const struct plan *p)
{
	return p->added[0] || p->added[1] || p->removed[0] || p->removed[1];
}

static void print_plan(const char *cls, const struct plan *p, const struct sl_feed_stats *st,
		       bool unchanged_sources, bool applied)
{
	if (sl_json) {
		struct json_object *j = json_object_new_object();
		static const char *const fam[2] = { "v4", "v6" };
		char key[32];
		int f;

		json_object_object_add(j, "class", json_object_new_string(cls));
		json_object_object_add(j, "changes", json_object_new_boolean(plan_changes(p)));
		json_object_object_add(j, "applied", json_object_new_boolean(applied));
		json_object_object_add(j, "sources_unchanged",
				       json_object_new_boolean(unchanged_sources));
		for (f = 0; f < 2; f++) {
			snprintf(key, sizeof(key), "prefixes_%s", fam[f]);
			json_object_object_add(j, key, json_object_new_int64(p->kept[f] +
									     p->added[f]));
			snprintf(key, sizeof(key), "added_%s", fam[f]);
			json_object_object_add(j, key, json_object_new_int64(p->added[f]));
			snprintf(key, sizeof(key), "removed_%s", fam[f]);
			json_object_object_add(j, key, json_object_new_int64(p->removed[f]));
			snprintf(key, sizeof(key), "addresses_added_%s", fam[f]);
			json_object_object_add(j, key, json_object_new_double(p->addr_added[f]));
			snprintf(key, sizeof(key), "addresses_removed_%s", fam[f]);
			json_object_object_add(j, key, json_object_new_double(p->addr_removed[f]));
		}
		/* nothing was read when the sources are unchanged: null */
		json_object_object_add(j, "lines", unchanged_sources ? NULL :
						   json_object_new_int64(st->lines));
		json_object_object_add(j, "invalid_lines", unchanged_sources ? NULL :
							   json_object_new_int64(st->invalid));
		json_object_object_add(j, "masked", unchanged_sources ? NULL :
						    json_object_new_int64(st->masked));
		json_object_object_add(j, "format", unchanged_sources ? NULL :
						    json_object_new_string(sl_format_names[st->format]));
		sl_json_print(j);
		return;
	}
	if (unchanged_sources) {
		printf("class %s: sources unchanged, nothing to do\n", cls);
		return;
	}
	printf("class %s: %s%zu IPv4 and %zu IPv6 prefixes (+%zu -%zu IPv4, +%zu -%zu IPv6; "
	       "%.0f IPv4 addresses added, %.0f removed); %lu lines, %lu invalid\n",
	       cls, applied ? "loaded " : plan_changes(p) ? "would load " : "unchanged, ",
	       p->kept[0] + p->added[0], p->kept[1] + p->added[1], p->added[0], p->removed[0],
	       p->added[1], p->removed[1], p->addr_added[0], p->addr_removed[0], st->lines,
	       st->invalid);
}

int sl_feed_update(struct sl_ctx *ctx, const struct sl_feed_args *a, struct sl_feed_result *r)
{
	struct sl_source src[SL_MAX_SOURCES];
	struct sl_pfx_vec vec = { 0 }, old = { 0 };
	struct sl_feed_stats st = { 0 };
	struct sl_batch one = { 0 }, *b;
	struct sl_batch_item *it;
	struct plan p = { 0 };
	struct sl_class cl;
	bool hashed = true;
	__u64 hash = 0;
	int i, id, err;

	memset(r, 0, sizeof(*r));
	for (i = 0; i < a->nfiles; i++) {
		err = hash_file(a->files[i], &src[i]);
		if (err == -1)
			hashed = false;
		else if (err)
			return err;
	}
	if (hashed)
		hash = combined_hash(a, src);

	id = sl_class_find(ctx, a->cls, &cl);
	if (id <= 0) {
		sl_err(id == SL_CLASS_DEFAULT ? "the default class takes no prefixes" :
						"unknown class %s", a->cls);
		return -ENOENT;
	}
	/* Same bytes, same options: a fast no-op (cron reloads). */
	if (hashed && !a->force && cl.src_hash == hash) {
		r->unchanged_sources = true;
		r->prefixes[0] = p.kept[0] = cl.n_v4;
		r->prefixes[1] = p.kept[1] = cl.n_v6;
		if (!a->quiet)
			print_plan(a->cls, &p, &st, true, false);
		return 0;
	}

	/* Parse everything before touching any state. */
	for (i = 0; i < a->nfiles; i++) {
		unsigned long e0 = st.entries, i0 = st.invalid;

		err = sl_feed_read_opts(a->files[i], &a->fo, &vec, &st);
		if (err)
			goto out;
		src[i].entries = st.entries - e0;
		src[i].invalid = st.invalid - i0;
	}
	if (st.invalid && 100.0 * st.invalid / (st.invalid + st.entries) > a->max_invalid) {
		sl_err("%s: %lu of %lu lines invalid (more than %g%%); class %s unchanged",
		       a->nfiles == 1 ? a->files[0] : "feeds", st.invalid, st.invalid + st.entries,
		       a->max_invalid, a->cls);
		err = -EINVAL;
		goto out;
	}
	err = sl_pfx_normalise(&vec);
	if (err)
		goto out;
	if (!vec.n && !a->allow_empty) {
		sl_err("%s: no prefixes; refusing to empty class %s (use --allow-empty)",
		       a->nfiles == 1 ? a->files[0] : "feeds", a->cls);
		err = -ENODATA;
		goto out;
	}
	err = sl_store_read(ctx, id, (size_t)cl.n_v4 + cl.n_v6, &old);
	if (!err)
		err = make_plan(&old, &vec, &p);
	if (err)
		goto out;
	for (i = 0; i < 2; i++) {
		r->prefixes[i] = p.kept[i] + p.added[i];
		r->added[i] = p.added[i];
		r->removed[i] = p.removed[i];
	}
	r->changes = plan_changes(&p);
	/* Turning merging on or off rebuilds the tables, prefixes unchanged. */
	if (!(cl.flags & SL_CLASS_MERGE) != !a->merge)
		r->changes = true;
	if (a->max_churn >= 0 && old.n) {
		double churn = 100.0 * (p.added[0] + p.added[1] + p.removed[0] + p.removed[1]) /
			       old.n;

		if (churn > a->max_churn) {
			sl_err("the change to class %s adds %zu and removes %zu of %zu prefixes (%.1f%%, "
			       "more than --max-churn %g%%); class unchanged",
			       a->cls, p.added[0] + p.added[1], p.removed[0] + p.removed[1], old.n,
			       churn, a->max_churn);
			err = -EDQUOT;
			goto out;
		}
	}
	if (a->dry_run) {
		if (!a->quiet)
			print_plan(a->cls, &p, &st, false, false);
		goto out;
	}
	/*
	 * The new list and its provenance go into a batch: the caller's, built
	 * and swapped in with other classes' (apply), or one of its own, now.
	 * Same prefixes from different bytes: a batch too, which records the
	 * new provenance without a swap.
	 */
	b = a->batch ? a->batch : &one;
	it = sl_batch_item(b, id);
	if (!it) {
		err = -ENOMEM;
		goto out;
	}
	it->flags = a->merge ? cl.flags | SL_CLASS_MERGE : cl.flags & ~SL_CLASS_MERGE;
	it->list = vec;
	vec = (struct sl_pfx_vec){ 0 };
	it->sources = true;
	it->src_hash = hash;
	it->nsrc = a->nfiles;
	memcpy(it->src, src, a->nfiles * sizeof(src[0]));
	it->unchanged = !r->changes;
	if (b == &one) {
		err = sl_batch_commit(ctx, &one);
		if (err) {
			if (err != -E2BIG && err != -ENOSPC)
				sl_err("cannot load the prefixes of class %s: %s", a->cls,
				       strerror(-err));
			goto out;
		}
	}
	r->applied = true;
	if (!a->quiet)
		print_plan(a->cls, &p, &st, false, true);
out:
	sl_batch_free(&one);
	sl_pfx_vec_free(&vec);
	sl_pfx_vec_free(&old);
	return err;
}

static int feed_apply(int argc, char **argv, bool plan_only)
{
	struct sl_feed_result r;
	struct sl_feed_args a;
	struct sl_ctx ctx;
	int err;

	err = parse_args(argc, argv, &a, plan_only);
	if (err)
		return err;
	err = sl_open_existing(&ctx, a.dry_run ? 0 : SL_OPEN_LOCK);
	if (!err)
		err = sl_feed_update(&ctx, &a, &r);
	sl_close(&ctx);
	if (!err && a.dry_run && r.changes)
		return SL_EXIT_CHANGES;
	return err;
}

static int feed_list(int argc, char **argv)
{
	struct json_object *arr = NULL;
	struct sl_source s;
	struct sl_class cl;
	struct sl_ctx ctx;
	char t[32];
	__u32 id;
	int err;

	(void)argv;
	if (argc > 1) {
		sl_err("usage: sluice feed list");
		return -EINVAL;
	}
	err = sl_open_existing(&ctx, 0);
	if (err)
		goto out;
	if (sl_json)
		arr = json_object_new_array();
	for (id = 1; id < ctx.st.max_classes; id++) {
		struct json_object *o, *srcs;
		struct sl_source_key k = { .class_id = id };

		if (sl_class_get(&ctx, id, &cl) || !(cl.flags & SL_CLASS_USED))
			continue;
		sl_fmt_time(t, sizeof(t), cl.load_time);
		if (!arr) {
			printf("%s: %u IPv4, %u IPv6 prefixes, loaded %s\n", cl.name, cl.n_v4, cl.n_v6,
			       t);
		}
		o = json_object_new_object();
		srcs = json_object_new_array();
		for (k.index = 0; k.index < cl.n_sources; k.index++) {
			struct json_object *so;

			if (bpf_map_lookup_elem(ctx.sources_fd, &k, &s))
				continue;
			if (!arr) {
				printf("    %s  %llu bytes  xxh3 %016llx  %u entries, %u invalid\n",
				       s.path, (unsigned long long)s.size,
				       (unsigned long long)s.hash, s.entries, s.invalid);
				continue;
			}
			so = json_object_new_object();
			json_object_object_add(so, "path", json_object_new_string(s.path));
			json_object_object_add(so, "size_bytes", json_object_new_int64(s.size));
			snprintf(t, sizeof(t), "%016llx", (unsigned long long)s.hash);
			json_object_object_add(so, "xxh3", json_object_new_string(t));
			json_object_object_add(so, "mtime_ns", json_object_new_int64(s.mtime));
			json_object_object_add(so, "entries", json_object_new_int64(s.entries));
			json_object_object_add(so, "invalid_lines", json_object_new_int64(s.invalid));
			json_object_array_add(srcs, so);
		}
		if (!arr) {
			json_object_put(o);
			json_object_put(srcs);
			continue;
		}
		json_object_object_add(o, "class", json_object_new_string(cl.name));
		json_object_object_add(o, "prefixes_v4", json_object_new_int64(cl.n_v4));
		json_object_object_add(o, "prefixes_v6", json_object_new_int64(cl.n_v6));
		json_object_object_add(o, "loaded_ns", json_object_new_int64(cl.load_time));
		json_object_object_add(o, "sources", srcs);
		json_object_array_add(arr, o);
	}
	if (arr)
		sl_json_print(arr);
out:
	sl_close(&ctx);
	return err;
}

int cmd_feed(int argc, char **argv)
{
	static const char *const sub[] = { "load", "plan", "list" };
	int i;

	if (argc < 2) {
		sl_err("usage: sluice feed (load | plan) CLASS FILE... | sluice feed list");
		return -EINVAL;
	}
	i = sl_match_word(argv[1], sub, ARRAY_SIZE(sub));
	if (i < 0) {
		sl_err("%s feed command '%s' (expected load, plan or list)",
		       i == -2 ? "ambiguous" : "unknown", argv[1]);
		return -EINVAL;
	}
	if (i == 2)
		return feed_list(argc - 1, argv + 1);
	return feed_apply(argc - 1, argv + 1, i == 1);
}
