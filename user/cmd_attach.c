// SPDX-License-Identifier: GPL-2.0
/* sluice attach / detach / status */
#include <errno.h>
#include <limits.h>
#include <getopt.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "attach.h"
#include "cmd.h"
#include "diag.h"
#include "flows.h"
#include "journal.h"
#include "names.h"
#include "netns.h"
#include "parse.h"
#include "print.h"
#include "state.h"

static int parse_u32_opt(const char *opt, const char *s, __u32 min, __u32 max, __u32 *out)
{
	if (sl_parse_u32(s, min, max, out)) {
		sl_err("bad %s '%s' (expected a number from %u to %u)", opt, sl_q(s), min, max);
		return -EINVAL;
	}
	return 0;
}

static int parse_hook(const char *s, int *hook)
{
	int i = sl_match_word(s, sl_hook_names, SL_HOOK_MAX);

	if (i < 0) {
		sl_err("bad hook '%s' (expected xdp, tc-ingress or tc-egress)", sl_q(s));
		return -EINVAL;
	}
	*hook = i;
	return 0;
}

/*
 * Sizes given (non-zero) to an attach of a live state: the table caps
 * change, max_classes cannot.
 */
static int attach_sizes(struct sl_ctx *ctx, const struct sl_sizes *s)
{
	bool changed;

	if (s->max_classes && s->max_classes != ctx->st.max_classes)
		sl_warn("--max-classes applies when sluice is loaded; the live %u stay until "
			"'sluice detach --all'", ctx->st.max_classes);
	if (s->max_flows && s->max_flows != ctx->st.max_flows)
		sl_warn("--max-flows applies when sluice is loaded; the live %u stay until "
			"'sluice detach --all'", ctx->st.max_flows);
	if (!s->v4_entries && !s->v6_entries)
		return 0;
	return sl_set_caps(ctx, s->v4_entries ? s->v4_entries : ctx->st.v4_entries,
			   s->v6_entries ? s->v6_entries : ctx->st.v6_entries, &changed);
}

/* One of attach's size options into sizes (0: not given). */
static int parse_size_opt(int c, const char *arg, struct sl_sizes *s)
{
	switch (c) {
	case 'c':
		return parse_u32_opt("--max-classes", arg, 2, 65536, &s->max_classes);
	case '4':
		return parse_u32_opt("--v4-size", arg, 1, 1u << 28, &s->v4_entries);
	case '6':
		return parse_u32_opt("--v6-size", arg, 1, 1u << 28, &s->v6_entries);
	default:
		return parse_u32_opt("--max-flows", arg, SL_MIN_MAX_FLOWS, SL_MAX_MAX_FLOWS,
				     &s->max_flows);
	}
}

static int parse_attach(int argc, char **argv, struct sl_attach_opts *o, struct sl_sizes *s)
{
	static const struct option opts[] = {
		{ "hook", required_argument, NULL, 'H' },
		{ "match", required_argument, NULL, 'm' },
		{ "xdp-mode", required_argument, NULL, 'x' },
		{ "max-classes", required_argument, NULL, 'c' },
		{ "v4-size", required_argument, NULL, '4' },
		{ "v6-size", required_argument, NULL, '6' },
		{ "max-flows", required_argument, NULL, 'F' },
		{ "force", no_argument, NULL, 'f' },
		{}
	};
	bool match_set = false;
	int c, i, hook;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'H':
			if (parse_hook(optarg, &hook))
				return -EINVAL;
			o->hook = hook;
			break;
		case 'm':
			i = sl_match_word(optarg, sl_match_names, SL_MATCH_NAMES);
			if (i < 0) {
				sl_err("bad match '%s' (expected src or dst)", sl_q(optarg));
				return -EINVAL;
			}
			o->match = i;
			match_set = true;
			break;
		case 'x':
			i = sl_match_word(optarg, sl_xdp_mode_names, SL_XDP_MODE_NAMES);
			if (i < 0) {
				sl_err("bad XDP mode '%s' (expected native or generic)", sl_q(optarg));
				return -EINVAL;
			}
			o->xdp_native = i == 0;
			o->xdp_generic = i == 1;
			break;
		case 'c':
		case '4':
		case '6':
		case 'F':
			if (parse_size_opt(c, optarg, s))
				return -EINVAL;
			break;
		case 'f':
			o->force = true;
			break;
		default:
			return -EINVAL;
		}
	}
	if (optind + 1 != argc) {
		sl_err("usage: sluice attach DEV [--hook xdp|tc-ingress|tc-egress] [--match src|dst]");
		return -EINVAL;
	}
	if ((o->xdp_native || o->xdp_generic) && o->hook != SL_HOOK_XDP) {
		sl_err("--xdp-mode applies to --hook xdp only");
		return -EINVAL;
	}
	/* The remote address: the source on ingress, the destination on egress. */
	if (!match_set)
		o->match = o->hook == SL_HOOK_TC_OUT ? SL_MATCH_DST : SL_MATCH_SRC;
	return 0;
}

int cmd_attach(int argc, char **argv)
{
	struct sl_attach_opts o = { .hook = SL_HOOK_XDP };
	struct sl_sizes sizes = { 0 }, create;
	struct sl_ctx ctx;
	bool noop;
	int err;

	err = parse_attach(argc, argv, &o, &sizes);
	if (err)
		return err;
	sl_ctx_init(&ctx, NULL);
	create.max_classes = sizes.max_classes ? sizes.max_classes : SL_DEF_MAX_CLASSES;
	create.v4_entries = sizes.v4_entries ? sizes.v4_entries : SL_DEF_V4_ENTRIES;
	create.v6_entries = sizes.v6_entries ? sizes.v6_entries : SL_DEF_V6_ENTRIES;
	create.max_flows = sizes.max_flows ? sizes.max_flows : SL_DEF_MAX_FLOWS;
	err = sl_open(&ctx, SL_OPEN_CREATE | SL_OPEN_LOCK, &create);
	if (!err)
		err = attach_sizes(&ctx, &sizes);
	if (!err)
		err = sl_attach(&ctx, argv[optind], &o, &noop);
	if (!err) {
		print_open_object(NULL);
		print_text("%s ", noop ? "already attached:" : "attached");
		print_string(PRINT_ANY, "hook", "%s", sl_hook_names[o.hook]);
		print_string(PRINT_ANY, "dev", " on %s", argv[optind]);
		print_string(PRINT_ANY, "match", " (match %s)\n", sl_match_names[o.match]);
		print_bool(PRINT_JSON, "changed", NULL, !noop);
		print_close_object();
	}
	sl_close(&ctx);
	return err;
}

static int parse_detach(int argc, char **argv, bool *all, int *hook, __u32 *ifindex)
{
	static const struct option opts[] = {
		{ "hook", required_argument, NULL, 'H' },
		{ "all", no_argument, NULL, 'a' },
		{}
	};
	int c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'H':
			if (parse_hook(optarg, hook))
				return -EINVAL;
			break;
		case 'a':
			*all = true;
			break;
		default:
			return -EINVAL;
		}
	}
	if (*all == (optind < argc) || optind + 1 < argc || (*all && *hook >= 0)) {
		sl_err("usage: sluice detach DEV [--hook HOOK] | sluice detach --all");
		return -EINVAL;
	}
	if (*all)
		return 0;
	*ifindex = if_nametoindex(argv[optind]);
	if (!*ifindex) {
		sl_err("unknown device %s", sl_q(argv[optind]));
		return -ENODEV;
	}
	return 0;
}

static void print_detached(int count, bool unloaded, bool loaded)
{
	print_open_object(NULL);
	if (loaded)
		print_uint(PRINT_ANY, "detached", "detached %llu", count);
	else
		print_uint(PRINT_ANY, "detached", "nothing attached\n", 0);
	print_bool(PRINT_JSON, "unloaded", NULL, unloaded && loaded);
	print_bool(PRINT_JSON, "changed", NULL, loaded);
	if (loaded)
		print_text(" attachment%s%s\n", count == 1 ? "" : "s",
			   unloaded ? "; sluice unloaded" : "");
	print_close_object();
}

int cmd_detach(int argc, char **argv)
{
	int hook = -1, count = 0, err;
	__u32 ifindex = 0;
	bool all = false;
	struct sl_ctx ctx;

	err = parse_detach(argc, argv, &all, &hook, &ifindex);
	if (err)
		return err;
	sl_ctx_init(&ctx, NULL);
	err = sl_open(&ctx, SL_OPEN_LOCK, NULL);
	if (all) {
		/* --all also clears a broken state: no "incomplete" report */
		if (geteuid() == 0)
			sl_diag_clear();
		err = sl_detach_all(&ctx, err, &count);
		if (err >= 0)
			print_detached(count, true, err == 0);
		err = err < 0 ? err : 0;
	} else if (err == -ENOENT) {
		sl_err("nothing attached to %s", sl_q(argv[optind]));
	} else if (!err) {
		err = sl_detach(&ctx, ifindex, hook, &count);
		if (!err && !count) {
			sl_err("nothing attached to %s%s%s", sl_q(argv[optind]),
			       hook >= 0 ? " at " : "", hook >= 0 ? sl_hook_names[hook] : "");
			err = -ENOENT;
		}
		if (!err)
			print_detached(count, false, true);
	}
	sl_close(&ctx);
	return err;
}

static const char *xdp_mode_of(__u32 ifindex)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);

	if (bpf_xdp_query(ifindex, 0, &q))
		return "unknown";
	switch (q.attach_mode) {
	case XDP_ATTACHED_DRV:
		return "native";
	case XDP_ATTACHED_SKB:
		return "generic";
	case XDP_ATTACHED_HW:
		return "offload";
	case XDP_ATTACHED_MULTI:
		return "multi";
	default:
		return "detached";
	}
}

static const char *const dev_states[] = {
	[SL_DEV_PRESENT] = "present",
	[SL_DEV_GONE] = "gone",
	[SL_DEV_OTHER] = "other-netns",
	[SL_DEV_NETNS_GONE] = "netns-gone",
};

static const char *const dev_notes[] = {
	[SL_DEV_PRESENT] = "",
	[SL_DEV_GONE] = " (device gone)",
	[SL_DEV_OTHER] = " (in another network namespace)",
	[SL_DEV_NETNS_GONE] = " (device gone with its network namespace)",
};

static void print_attachment(const struct sl_attach_key *k, const struct sl_attach_val *v)
{
	char name[IF_NAMESIZE] = "";
	enum sl_dev_state ds = sl_netns_dev_state(k->netns, v->netns_ino, k->ifindex, name);
	bool present = ds == SL_DEV_PRESENT;
	const char *mode = k->hook == SL_HOOK_XDP && present ? xdp_mode_of(k->ifindex) : NULL;

	print_open_object(NULL);
	print_string(PRINT_ANY, "dev", "  %-16s", ds == SL_DEV_PRESENT || ds == SL_DEV_OTHER ? name : v->ifname);
	print_uint(PRINT_JSON, "ifindex", NULL, k->ifindex);
	print_bool(PRINT_JSON, "present", NULL, present);
	print_string(PRINT_JSON, "state", NULL, dev_states[ds]);
	print_uint(PRINT_JSON, "netns_cookie", NULL, k->netns);
	print_uint(PRINT_JSON, "netns_inode", NULL, v->netns_ino);
	print_string(PRINT_ANY, "hook", " %-10s", sl_hook_names[k->hook]);
	print_string(PRINT_ANY, "match", " match %s", sl_match_names[v->match]);
	if (mode)
		print_string(PRINT_ANY, "xdp_mode", ", %s", mode);
	print_uint(PRINT_JSON, "prog_id", NULL, v->prog_id);
	print_text("%s\n", dev_notes[ds]);
	print_close_object();
}

static void print_tables(const struct sl_state *st)
{
	print_open_object("tables");
	print_uint(PRINT_ANY, "prefixes_v4", "IPv4 table:  %llu prefixes", st->n_v4);
	print_uint(PRINT_ANY, "capacity_v4", " of %llu,", st->v4_entries);
	print_size(PRINT_ANY, "bytes_v4", " %s\n", st->bytes_v4);
	print_uint(PRINT_ANY, "prefixes_v6", "IPv6 table:  %llu prefixes", st->n_v6);
	print_uint(PRINT_ANY, "capacity_v6", " of %llu,", st->v6_entries);
	print_size(PRINT_ANY, "bytes_v6", " %s\n", st->bytes_v6);
	print_uint(PRINT_ANY, "generation", "generation:  %llu", st->generation);
	print_time(PRINT_ANY, "last_swap", " (last swap %s)\n", st->swap_time);
	print_close_object();
}

int cmd_status(int argc, char **argv)
{
	struct sl_attach_key keys[SL_MAX_ATTACH];
	struct sl_attach_val vals[SL_MAX_ATTACH];
	struct sl_classes cs = { 0 };
	struct sl_ctx ctx;
	int n, i, err;

	(void)argv;
	if (argc > 1) {
		sl_err("usage: sluice status");
		return -EINVAL;
	}
	err = sl_open_existing(&ctx, 0);
	if (!err)
		err = sl_classes_read(&ctx, &cs);
	if (err)
		goto out;
	n = sl_attach_list(&ctx, keys, vals, SL_MAX_ATTACH);

	print_open_object(NULL);
	print_string(PRINT_ANY, "pin_dir", "pins:        %s\n", ctx.dir);
	print_uint(PRINT_ANY, "classes_in_use", "classes:     %llu", sl_classes_used(&cs));
	print_uint(PRINT_ANY, "max_classes", " of %llu in use (including default)\n",
		   ctx.st.max_classes);
	print_tables(&ctx.st);
	print_open_object("flows");
	print_uint(PRINT_ANY, "capacity", "flow table:  %llu entries,", ctx.st.max_flows);
	print_size(PRINT_ANY, "memory_bytes", " %s\n", sl_flows_memory(&ctx));
	print_close_object();
	print_text("attached:    %s\n", n ? "" : "nothing");
	print_open_array("attachments");
	for (i = 0; i < n; i++)
		print_attachment(&keys[i], &vals[i]);
	print_close_array();
	print_close_object();
out:
	sl_classes_free(&cs);
	sl_close(&ctx);
	return err;
}
