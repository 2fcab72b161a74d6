// SPDX-License-Identifier: GPL-2.0
/*
 * Metrics: the live state as the Prometheus text exposition (format
 * 0.0.4), for the exporter and `sluice stats --prometheus`. Each call opens
 * the pinned state afresh, so the exporter follows reloads, detach --all
 * and a later attach; while nothing is loaded it writes sluice_up 0 alone.
 */
#include <errno.h>
#include <stddef.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>

#include "flows.h"
#include "journal.h"
#include "metrics.h"
#include "names.h"
#include "netns.h"
#include "shape.h"
#include "state.h"
#include "table.h"
#include "util.h"
#include "version.h"

/* One class in use, read once per scrape. */
struct row {
	__u32 id;
	struct sl_class c;
	struct sl_counters cnt[SL_DIR_MAX];
	__u64 queue_drops[SL_DIR_MAX]; /* packets the HTB queues dropped */
	__u32 n[2];	/* prefixes, IPv4 and IPv6 */
	__u64 invalid; /* invalid lines over the class's sources */
	struct sl_flow_class fc; /* per host / flow state */
	int nfetch;    /* sources with a fetch state file (sluice-fetch-feeds) */
	struct fetch {
		char path[SL_SOURCE_PATH_LEN];
		__u64 checked, changed, failures, failures_total; /* seconds; counts */
	} fetch[SL_MAX_SOURCES];
};

/*
 * The state sluice-fetch-feeds keeps beside a feed it downloads, PATH.state:
 * "key=value" lines; checked and changed in seconds since the epoch.
 */
static bool read_fetch_state(const char *path, struct fetch *ft)
{
	char name[SL_SOURCE_PATH_LEN + 8], line[512], key[32];
	unsigned long long v;
	FILE *f;

	snprintf(name, sizeof(name), "%s.state", path);
	f = fopen(name, "re");
	if (!f)
		return false;
	memset(ft, 0, sizeof(*ft));
	snprintf(ft->path, sizeof(ft->path), "%s", path);
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%31[a-z_]=%llu", key, &v) != 2)
			continue;
		if (!strcmp(key, "checked"))
			ft->checked = v;
		else if (!strcmp(key, "changed"))
			ft->changed = v;
		else if (!strcmp(key, "failures"))
			ft->failures = v;
		else if (!strcmp(key, "failures_total"))
			ft->failures_total = v;
	}
	fclose(f);
	return true;
}

/* ------------------------------------------------------------ exposition */

static void family(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* A label value: backslash, double quote and line feed escaped. */
static void put_escaped(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\')
			fputs("\\\\", f);
		else if (*s == '"')
			fputs("\\\"", f);
		else if (*s == '\n')
			fputs("\\n", f);
		else
			fputc(*s, f);
	}
}

/* name{k="v",...} value; kv: key, value pairs, NULL-terminated (or NULL). */
static void put_sample(FILE *f, const char *name, const char *const *kv, const char *value)
{
	int i;

	fputs(name, f);
	if (kv && kv[0]) {
		fputc('{', f);
		for (i = 0; kv[i]; i += 2) {
			fprintf(f, "%s%s=\"", i ? "," : "", kv[i]);
			put_escaped(f, kv[i + 1]);
			fputc('"', f);
		}
		fputc('}', f);
	}
	fprintf(f, " %s\n", value);
}

static void put_u64(FILE *f, const char *name, const char *const *kv, __u64 v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)v);
	put_sample(f, name, kv, buf);
}

/* A CLOCK_REALTIME time in nanoseconds, as seconds since the epoch. */
static void put_time(FILE *f, const char *name, const char *const *kv, __u64 ns)
{
	char buf[48];

	snprintf(buf, sizeof(buf), "%llu.%09llu", (unsigned long long)(ns / 1000000000ull),
		 (unsigned long long)(ns % 1000000000ull));
	put_sample(f, name, kv, buf);
}

/* A rate in bits per second as bytes per second, exactly (1 bit is 0.125). */
static void put_rate(FILE *f, const char *const *kv, __u64 bps)
{
	char buf[32];

	if (bps % 8)
		snprintf(buf, sizeof(buf), "%llu.%03llu", (unsigned long long)(bps / 8),
			 (unsigned long long)(bps % 8 * 125));
	else
		snprintf(buf, sizeof(buf), "%llu", (unsigned long long)(bps / 8));
	put_sample(f, "sluice_class_rate_bytes_per_second", kv, buf);
}

#define L(...) ((const char *const[]){ __VA_ARGS__, NULL })

static void write_up(FILE *f, bool up)
{
	family(f, "sluice_build_info", "gauge", "Always 1: the version and commit of sluice.");
	put_u64(f, "sluice_build_info", L("version", SLUICE_VERSION, "commit", SLUICE_COMMIT), 1);
	family(f, "sluice_up", "gauge", "1 when the sluice state could be read, else 0.");
	put_u64(f, "sluice_up", NULL, up);
}

static int read_rows(struct sl_ctx *ctx, struct row **out, int *n_out)
{
	struct sl_counters *cnt = NULL;
	struct sl_flow_class *fc = NULL;
	struct sl_classes cs = { 0 };
	__u64 *qd = NULL;
	struct sl_source_key k;
	struct sl_source s;
	struct row *rows = NULL;
	int n = 0, d, id, err;

	err = sl_classes_read(ctx, &cs);
	if (err)
		return err;
	rows = calloc(cs.max ? cs.max : 1, sizeof(*rows));
	cnt = calloc((size_t)cs.max * SL_DIR_MAX + 1, sizeof(*cnt));
	err = !rows || !cnt ? -ENOMEM :
	      sl_counters_read_all(ctx, ctx->stats_fd, cs.max * SL_DIR_MAX, cnt);
	if (!err) {
		qd = calloc((size_t)cs.max * SL_DIR_MAX + 1, sizeof(*qd));
		err = !qd ? -ENOMEM : 0;
	}
	/* the queues' drops are best effort: none when netlink cannot be read */
	if (!err && sl_shape_drops(ctx, qd, cs.max))
		memset(qd, 0, ((size_t)cs.max * SL_DIR_MAX + 1) * sizeof(*qd));
	fc = err ? NULL : calloc(cs.max ? cs.max : 1, sizeof(*fc));
	err = err ? err : !fc ? -ENOMEM : sl_flows_per_class(ctx, &cs, fc);
	if (err)
		goto cleanup;
	sl_for_each_class(&cs, id) {
		struct row *r = &rows[n++];

		r->fc = fc[id];
		r->c = cs.slot[id];
		r->c.name[SL_NAME_LEN - 1] = '\0';
		r->id = id;
		for (d = 0; d < SL_DIR_MAX; d++) {
			r->cnt[d] = cnt[id * SL_DIR_MAX + d];
			r->queue_drops[d] = qd[id * SL_DIR_MAX + d];
		}
		err = sl_store_counts(ctx, id, r->n);
		if (err)
			goto cleanup;
		k.class_id = id;
		for (k.index = 0; k.index < r->c.n_sources && k.index < SL_MAX_SOURCES; k.index++)
			if (!bpf_map_lookup_elem(ctx->sources_fd, &k, &s)) {
				r->invalid += s.invalid;
				s.path[sizeof(s.path) - 1] = '\0';
				if (read_fetch_state(s.path, &r->fetch[r->nfetch]))
					r->nfetch++;
			}
	}
	*out = rows;
	*n_out = n;
	rows = NULL;
cleanup:
	free(rows);
	free(cnt);
	free(qd);
	free(fc);
	sl_classes_free(&cs);
	return err;
}

/*
 * One class and direction: verdict pass, and verdict drop by reason:
 * policy (the drop policy), police (the bucket's excess), queue (dropped
 * by the class's HTB queue after sluice passed it; packets only).
 */
static void put_class_counters(FILE *f, const char *name, const struct row *r, int d, bool bytes)
{
	const struct sl_counters *c = &r->cnt[d];
	const char *dir = sl_dir_names[d], *cls = r->c.name;

	put_u64(f, name, L("class", cls, "direction", dir, "verdict", "pass"),
		bytes ? c->bytes[SL_CNT_PASS] : c->packets[SL_CNT_PASS]);
	put_u64(f, name, L("class", cls, "direction", dir, "verdict", "drop", "reason", "policy"),
		bytes ? c->bytes[SL_CNT_DROP_POLICY] : c->packets[SL_CNT_DROP_POLICY]);
	put_u64(f, name, L("class", cls, "direction", dir, "verdict", "drop", "reason", "police"),
		bytes ? c->bytes[SL_CNT_DROP_POLICE] : c->packets[SL_CNT_DROP_POLICE]);
	if (!bytes && r->c.policy == SL_POLICY_SHAPE)
		put_u64(f, name,
			L("class", cls, "direction", dir, "verdict", "drop", "reason", "queue"),
			r->queue_drops[d]);
}

static void write_classes(FILE *f, const struct row *rows, int n)
{
	static const struct {
		const char *name, *help;
		bool bytes;
	} counters[] = {
		{ "sluice_class_packets_total",
		  "Packets of the class, by direction, verdict and drop reason (policy, police, queue).", false },
		{ "sluice_class_bytes_total",
		  "Bytes of the class (frame lengths), by direction, verdict and drop reason (policy, police).", true },
	};
	unsigned int i;
	int j, d;

	family(f, "sluice_class_info", "gauge",
	       "Classes in use (1 each); the policy label is pass, drop, police or shape.");
	for (j = 0; j < n; j++)
		put_u64(f, "sluice_class_info",
			L("class", rows[j].c.name, "policy", sl_policy_name(rows[j].c.policy)), 1);

	for (i = 0; i < ARRAY_SIZE(counters); i++) {
		family(f, counters[i].name, "counter", counters[i].help);
		for (j = 0; j < n; j++)
			for (d = 0; d < SL_DIR_MAX; d++)
				put_class_counters(f, counters[i].name, &rows[j], d, counters[i].bytes);
	}

	/* In bytes, the base unit (promtool rejects bits): 10mbit is 1250000. */
	family(f, "sluice_class_rate_bytes_per_second", "gauge",
	       "Rate limit of a policed or shaped class, in bytes per second (absent: unlimited).");
	for (j = 0; j < n; j++)
		for (d = 0; d < SL_DIR_MAX; d++)
			if (rows[j].c.rate[d])
				put_rate(f,
					 L("class", rows[j].c.name, "direction", sl_dir_names[d]),
					 rows[j].c.rate[d]);

	family(f, "sluice_class_burst_bytes", "gauge",
	       "Burst of a policed or shaped class, in bytes (absent: unlimited).");
	for (j = 0; j < n; j++)
		for (d = 0; d < SL_DIR_MAX; d++)
			if (rows[j].c.rate[d])
				put_u64(f, "sluice_class_burst_bytes",
					L("class", rows[j].c.name, "direction", sl_dir_names[d]),
					rows[j].c.burst[d]);

	/* one series each per class, however many flows there are */
	family(f, "sluice_class_flows", "gauge",
	       "Active flows or hosts of a per host or per flow police class (0 otherwise).");
	for (j = 0; j < n; j++)
		put_u64(f, "sluice_class_flows",
			L("class", rows[j].c.name, "scope",
			  sl_scope_names[rows[j].c.scope < SL_SCOPE_MAX ? rows[j].c.scope : 0]),
			rows[j].fc.active);
	family(f, "sluice_class_flow_evictions_total", "counter",
	       "Flow or host entries of the class evicted from the full flow table.");
	for (j = 0; j < n; j++)
		put_u64(f, "sluice_class_flow_evictions_total", L("class", rows[j].c.name),
			rows[j].fc.evictions);

	family(f, "sluice_class_prefixes", "gauge", "Prefixes loaded into the class.");
	for (j = 0; j < n; j++) {
		put_u64(f, "sluice_class_prefixes", L("class", rows[j].c.name, "family", "ipv4"),
			rows[j].n[0]);
		put_u64(f, "sluice_class_prefixes", L("class", rows[j].c.name, "family", "ipv6"),
			rows[j].n[1]);
	}
}

/* Per-class feed provenance (the default class takes no feeds). */
/* What sluice-fetch-feeds says of the sources it downloads: a dead fetch shows. */
static void write_fetch(FILE *f, const struct row *rows, int n)
{
	static const struct {
		const char *name, *type, *help;
		size_t off;
		bool time;
	} fams[] = {
		{ "sluice_feed_fetch_checked_timestamp_seconds", "gauge",
		  "Last successful check of a downloaded source (a new copy accepted, or none "
		  "needed), in seconds since the epoch.", offsetof(struct fetch, checked), true },
		{ "sluice_feed_fetch_changed_timestamp_seconds", "gauge",
		  "Last time a downloaded source got new content, in seconds since the epoch.",
		  offsetof(struct fetch, changed), true },
		{ "sluice_feed_fetch_failures", "gauge",
		  "Failed refreshes of a downloaded source since its last successful check.",
		  offsetof(struct fetch, failures), false },
		{ "sluice_feed_fetch_failures_total", "counter",
		  "Failed refreshes of a downloaded source.", offsetof(struct fetch, failures_total),
		  false },
	};
	unsigned int i;
	int j, k;

	for (i = 0; i < ARRAY_SIZE(fams); i++) {
		family(f, fams[i].name, fams[i].type, fams[i].help);
		for (j = 0; j < n; j++) {
			for (k = 0; k < rows[j].nfetch; k++) {
				const struct fetch *ft = &rows[j].fetch[k];
				__u64 v = *(const __u64 *)((const char *)ft + fams[i].off);

				if (fams[i].time && !v)
					continue; /* never */
				put_u64(f, fams[i].name, L("class", rows[j].c.name, "source", ft->path),
					v);
			}
		}
	}
}

static void write_feeds(FILE *f, const struct row *rows, int n)
{
	int j;

	family(f, "sluice_feed_last_load_timestamp_seconds", "gauge",
	       "Time of the last feed load of the class, in seconds since the epoch.");
	for (j = 0; j < n; j++)
		if (rows[j].id != SL_CLASS_DEFAULT && rows[j].c.load_time)
			put_time(f, "sluice_feed_last_load_timestamp_seconds",
				 L("class", rows[j].c.name), rows[j].c.load_time);

	family(f, "sluice_feed_sources", "gauge", "Source files of the class's last feed load.");
	for (j = 0; j < n; j++)
		if (rows[j].id != SL_CLASS_DEFAULT)
			put_u64(f, "sluice_feed_sources", L("class", rows[j].c.name),
				rows[j].c.n_sources);

	family(f, "sluice_feed_invalid_lines", "gauge",
	       "Invalid lines skipped in the sources of the class's last feed load.");
	for (j = 0; j < n; j++)
		if (rows[j].id != SL_CLASS_DEFAULT)
			put_u64(f, "sluice_feed_invalid_lines", L("class", rows[j].c.name),
				rows[j].invalid);
	write_fetch(f, rows, n);
}

static int write_unclassified(FILE *f, struct sl_ctx *ctx)
{
	struct sl_counters c[SL_DIR_MAX];
	int d, err;

	for (d = 0; d < SL_DIR_MAX; d++) {
		err = sl_counters_read(ctx, ctx->misc_fd, SL_MISC_NONIP(d), &c[d]);
		if (err)
			return err;
	}
	sl_counters_fold(c, SL_DIR_MAX);
	family(f, "sluice_unclassified_packets_total", "counter",
	       "Frames not classified (non-IP or truncated), passed untouched.");
	for (d = 0; d < SL_DIR_MAX; d++)
		put_u64(f, "sluice_unclassified_packets_total", L("direction", sl_dir_names[d]),
			c[d].packets[SL_PASS] + c[d].packets[SL_DROP]);
	family(f, "sluice_unclassified_bytes_total", "counter",
	       "Bytes of the frames not classified (non-IP or truncated).");
	for (d = 0; d < SL_DIR_MAX; d++)
		put_u64(f, "sluice_unclassified_bytes_total", L("direction", sl_dir_names[d]),
			c[d].bytes[SL_PASS] + c[d].bytes[SL_DROP]);
	return 0;
}

static void write_tables(FILE *f, const struct sl_state *st, int n_classes)
{
	family(f, "sluice_classes", "gauge", "Classes in use, the default class included.");
	put_u64(f, "sluice_classes", NULL, n_classes);
	family(f, "sluice_classes_capacity", "gauge", "Class slots (the default class included).");
	put_u64(f, "sluice_classes_capacity", NULL, st->max_classes);

	family(f, "sluice_table_prefixes", "gauge", "Prefixes in the live table.");
	put_u64(f, "sluice_table_prefixes", L("family", "ipv4"), st->n_v4);
	put_u64(f, "sluice_table_prefixes", L("family", "ipv6"), st->n_v6);
	family(f, "sluice_table_capacity", "gauge", "Prefixes the table can hold.");
	put_u64(f, "sluice_table_capacity", L("family", "ipv4"), st->v4_entries);
	put_u64(f, "sluice_table_capacity", L("family", "ipv6"), st->v6_entries);
	family(f, "sluice_table_bytes", "gauge", "Kernel memory of the live table, in bytes.");
	put_u64(f, "sluice_table_bytes", L("family", "ipv4"), st->bytes_v4);
	put_u64(f, "sluice_table_bytes", L("family", "ipv6"), st->bytes_v6);
	family(f, "sluice_flow_table_capacity", "gauge",
	       "Entries the flow and host table holds (--max-flows).");
	put_u64(f, "sluice_flow_table_capacity", NULL, st->max_flows);
	family(f, "sluice_table_generation", "gauge",
	       "Generation of the live tables, bumped at every swap.");
	put_u64(f, "sluice_table_generation", NULL, st->generation);
	family(f, "sluice_last_swap_timestamp_seconds", "gauge",
	       "Time of the last table swap, in seconds since the epoch (absent: never).");
	if (st->swap_time)
		put_time(f, "sluice_last_swap_timestamp_seconds", NULL, st->swap_time);
}

struct att {
	char dev[IF_NAMESIZE];
	bool present; /* the device is there (else: the name it had) */
	const char *state; /* present, gone, other-netns, netns-gone */
	__u32 hook, match;
};

static bool same_att(const struct att *a, const struct att *b)
{
	return a->hook == b->hook && a->match == b->match && !strcmp(a->dev, b->dev) &&
	       !strcmp(a->state, b->state);
}

static void write_attachments(FILE *f, struct sl_ctx *ctx)
{
	struct sl_attach_key keys[SL_MAX_ATTACH];
	struct sl_attach_val vals[SL_MAX_ATTACH];
	struct att a[SL_MAX_ATTACH];
	int i, j, n = sl_attach_list(ctx, keys, vals, SL_MAX_ATTACH), m = 0;

	/*
	 * A record left by a device that is gone shows under the name it had,
	 * unless another record has the same labels: a duplicate series would
	 * fail the whole scrape, so of those the present device's (or else
	 * the first) is kept.
	 */
	for (i = 0; i < n; i++) {
		static const char *const states[] = {
			[SL_DEV_PRESENT] = "present", [SL_DEV_GONE] = "gone",
			[SL_DEV_OTHER] = "other-netns", [SL_DEV_NETNS_GONE] = "netns-gone",
		};
		enum sl_dev_state ds = sl_netns_dev_state(keys[i].netns, vals[i].netns_ino,
							  keys[i].ifindex, a[m].dev);

		a[m].present = ds == SL_DEV_PRESENT || ds == SL_DEV_OTHER;
		a[m].state = states[ds];
		if (!a[m].present)
			memcpy(a[m].dev, vals[i].ifname, IF_NAMESIZE);
		a[m].dev[IF_NAMESIZE - 1] = '\0';
		a[m].hook = keys[i].hook;
		a[m].match = vals[i].match;
		if (a[m].hook < SL_HOOK_MAX && a[m].match < SL_MATCH_NAMES)
			m++;
	}
	family(f, "sluice_attachments", "gauge",
	       "sluice programs attached, by device, hook, match and state "
	       "(1: the device is there, here or in another network namespace; 0: gone).");
	for (i = 0; i < m; i++) {
		/* kept: the present one, else the first */
		for (j = 0; j < m; j++)
			if (j != i && same_att(&a[i], &a[j]) &&
			    (a[j].present > a[i].present ||
			     (a[j].present == a[i].present && j < i)))
				break;
		if (j < m)
			continue;
		put_u64(f, "sluice_attachments",
			L("dev", a[i].dev, "hook", sl_hook_names[a[i].hook], "match",
			  sl_match_names[a[i].match], "state", a[i].state),
			a[i].present);
	}
}

int sl_metrics_write(FILE *f, int *state_err)
{
	struct row *rows = NULL;
	struct sl_ctx ctx;
	char *buf = NULL;
	size_t len = 0;
	FILE *m = NULL;
	int n = 0, err;

	sl_ctx_init(&ctx, NULL);
	err = sl_open(&ctx, 0, NULL);
	if (!err)
		err = read_rows(&ctx, &rows, &n);
	/* Everything goes to memory first: a scrape is all or sluice_up 0. */
	if (!err) {
		m = open_memstream(&buf, &len);
		if (!m)
			err = -errno;
	}
	if (!err) {
		write_up(m, true);
		write_classes(m, rows, n);
		err = write_unclassified(m, &ctx);
	}
	if (!err) {
		write_feeds(m, rows, n);
		write_tables(m, &ctx.st, n);
		write_attachments(m, &ctx);
		if (fflush(m))
			err = -ENOMEM;
	}
	*state_err = err;
	if (err)
		write_up(f, false);
	else
		fwrite(buf, 1, len, f);
	if (m)
		fclose(m);
	free(buf);
	free(rows);
	sl_close(&ctx);
	if (fflush(f) || ferror(f))
		return -EIO;
	return 0;
}
