// SPDX-License-Identifier: GPL-2.0
/* sluice flows: the active flows and hosts of per host and per flow classes. */
#include <errno.h>
#include <getopt.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "cmd.h"
#include "diag.h"
#include "flows.h"
#include "journal.h"
#include "names.h"
#include "parse.h"
#include "print.h"
#include "util.h"

static const char *const sort_names[SL_FLOW_SORT_MAX] = { "bytes", "drops", "packets" };

static const char flows_usage[] =
	"usage: sluice flows [CLASS] [--top N] [--sort bytes|drops|packets]";

static void fmt_ip(char *buf, size_t len, int family, const __u32 *a)
{
	if (!inet_ntop(family == 6 ? AF_INET6 : AF_INET, a, buf, len))
		snprintf(buf, len, "?");
}

static const char *proto_name(__u8 p, char *buf, size_t len)
{
	const struct protoent *pe = getprotobynumber(p);

	if (pe)
		return pe->p_name;
	snprintf(buf, len, "%u", p);
	return buf;
}

/* "12.3s" */
static void print_dur(const char *key, const char *fmt, __u64 ns)
{
	char buf[32];

	print_uint(PRINT_JSON, key, NULL, ns);
	snprintf(buf, sizeof(buf), "%.1fs", ns / 1e9);
	print_string(PRINT_TEXT, NULL, fmt, buf);
}

static void print_dir(int d, const struct sl_flow_row *r)
{
	print_open_object(sl_dir_names[d]);
	print_string(PRINT_TEXT, NULL, "  %s", sl_dir_names[d]);
	print_uint(PRINT_JSON, "passed_packets", NULL, r->packets[d][SL_PASS]);
	print_size(PRINT_ANY, "passed_bytes", " %s", r->bytes[d][SL_PASS]);
	print_count(PRINT_TEXT, NULL, "/%s", r->packets[d][SL_PASS]);
	print_uint(PRINT_JSON, "dropped_packets", NULL, r->packets[d][SL_DROP]);
	print_size(PRINT_ANY, "dropped_bytes", " dropped %s", r->bytes[d][SL_DROP]);
	print_count(PRINT_TEXT, NULL, "/%s", r->packets[d][SL_DROP]);
	print_close_object();
}

/* The key: "tcp 10.0.0.2:51000 - 192.0.2.1:80" or "host 10.0.0.2". */
static void print_key(const struct sl_flow_key *k)
{
	char l[INET6_ADDRSTRLEN], rem[INET6_ADDRSTRLEN], pb[8];

	fmt_ip(l, sizeof(l), k->family, k->laddr);
	print_string(PRINT_ANY, "scope", " %-4s", sl_scope_names[k->scope < SL_SCOPE_MAX ?
								   k->scope : 0]);
	print_uint(PRINT_JSON, "family", NULL, k->family);
	if (k->scope != SL_SCOPE_FLOW) {
		print_string(PRINT_ANY, "local", " %s", l);
		return;
	}
	fmt_ip(rem, sizeof(rem), k->family, k->raddr);
	print_string(PRINT_ANY, "proto", " %s", proto_name(k->proto, pb, sizeof(pb)));
	print_string(PRINT_ANY, "local", k->family == 6 ? " [%s]" : " %s", l);
	print_uint(PRINT_ANY, "local_port", ":%llu", ntohs(k->lport));
	print_string(PRINT_ANY, "remote", k->family == 6 ? " - [%s]" : " - %s", rem);
	print_uint(PRINT_ANY, "remote_port", ":%llu", ntohs(k->rport));
}

static void print_row(const struct sl_classes *cs, const struct sl_flow_row *r, __u64 now)
{
	int d;

	print_open_object(NULL);
	print_string(PRINT_ANY, "class", "%s", cs->slot[r->k.class_id].name);
	print_key(&r->k);
	if (r->k.scope == SL_SCOPE_FLOW)
		print_string(PRINT_ANY, "origin", " opened %s",
			     sl_origin_names[r->origin < SL_ORIGIN_MAX ? r->origin : 0]);
	print_dur("age_ns", " age %s", now > r->first_ns ? now - r->first_ns : 0);
	print_dur("idle_ns", " idle %s", now > r->seen_ns ? now - r->seen_ns : 0);
	for (d = 0; d < SL_DIR_MAX; d++)
		print_dir(d, r);
	print_text("\n");
	print_close_object();
}

static int parse_flows_args(int argc, char **argv, const char **cls, __u32 *top, int *how)
{
	static const struct option opts[] = {
		{ "top", required_argument, NULL, 't' },
		{ "sort", required_argument, NULL, 's' },
		{}
	};
	int c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 't' && !sl_parse_u32(optarg, 1, 1u << 30, top))
			continue;
		if (c == 's' && (*how = sl_match_word(optarg, sort_names, SL_FLOW_SORT_MAX)) >= 0)
			continue;
		if (c == 't' || c == 's')
			sl_err("bad --%s '%s' (%s)", c == 't' ? "top" : "sort", optarg,
			       c == 't' ? "a number of rows" : "expected bytes, drops or packets");
		return -EINVAL;
	}
	if (optind + 1 < argc) {
		sl_err("%s", flows_usage);
		return -EINVAL;
	}
	*cls = optind < argc ? argv[optind] : NULL;
	return 0;
}

int cmd_flows(int argc, char **argv)
{
	struct sl_flow_row *rows = NULL;
	struct sl_classes cs = { 0 };
	const char *cls = NULL;
	__u32 top = 0;
	int how = SL_FLOW_SORT_BYTES, id = -1, n, i, err;
	struct sl_ctx ctx;
	__u64 now;

	err = parse_flows_args(argc, argv, &cls, &top, &how);
	if (err)
		return err;
	err = sl_open_existing(&ctx, 0);
	if (!err)
		err = sl_classes_read(&ctx, &cs);
	if (!err && cls && (id = sl_classes_find(&cs, cls)) < 0) {
		sl_err("unknown class %s", cls);
		err = -ENOENT;
	}
	n = err ? err : sl_flow_rows(&ctx, &cs, id, how, &rows);
	if (n < 0) {
		err = n;
		goto out;
	}
	now = sl_now_mono_ns();
	print_open_object(NULL);
	print_uint(PRINT_ANY, "active", "%llu active flows and hosts", n);
	print_text("%s\n", top && (__u32)n > top ? ", the first shown" : "");
	print_open_array("flows");
	for (i = 0; i < n && (!top || (__u32)i < top); i++)
		print_row(&cs, &rows[i], now);
	print_close_array();
	print_close_object();
out:
	free(rows);
	sl_classes_free(&cs);
	sl_close(&ctx);
	return err;
}
