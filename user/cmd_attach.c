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
#include <json-c/json.h>

#include "attach.h"
#include "cmd.h"
#include "state.h"
#include "util.h"

static const char *const match_names[] = { "src", "dst" };
static const char *const xdp_modes[] = { "native", "generic" };

int sl_open_existing(struct sl_ctx *ctx, unsigned int flags)
{
	int err;

	sl_ctx_init(ctx, sl_bpffs());
	err = sl_open(ctx, flags, NULL);
	if (err == -ENOENT)
		sl_err("nothing attached: sluice is not loaded (see 'sluice attach')");
	return err;
}

static int parse_u32_opt(const char *opt, const char *s, __u32 min, __u32 max, __u32 *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || *s == '-' || v < min || v > max) {
		sl_err("bad %s '%s' (expected a number from %u to %u)", opt, s, min, max);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

static int parse_hook(const char *s, int *hook)
{
	int i = sl_match_word(s, sl_hook_names, SL_HOOK_MAX);

	if (i < 0) {
		sl_err("bad hook '%s' (expected xdp, tc-ingress or tc-egress)", s);
		return -EINVAL;
	}
	*hook = i;
	return 0;
}

int cmd_attach(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "hook", required_argument, NULL, 'H' },
		{ "match", required_argument, NULL, 'm' },
		{ "xdp-mode", required_argument, NULL, 'x' },
		{ "max-classes", required_argument, NULL, 'c' },
		{ "v4-size", required_argument, NULL, '4' },
		{ "v6-size", required_argument, NULL, '6' },
		{ "force", no_argument, NULL, 'f' },
		{}
	};
	struct sl_sizes sizes = { SL_DEF_MAX_CLASSES, SL_DEF_V4_ENTRIES, SL_DEF_V6_ENTRIES };
	struct sl_attach_opts o = { .hook = SL_HOOK_XDP };
	bool match_set = false, noop;
	struct sl_ctx ctx;
	int c, hook, i, err;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'H':
			if (parse_hook(optarg, &hook))
				return -EINVAL;
			o.hook = hook;
			break;
		case 'm':
			i = sl_match_word(optarg, match_names, 2);
			if (i < 0) {
				sl_err("bad match '%s' (expected src or dst)", optarg);
				return -EINVAL;
			}
			o.match = i;
			match_set = true;
			break;
		case 'x':
			i = sl_match_word(optarg, xdp_modes, 2);
			if (i < 0) {
				sl_err("bad XDP mode '%s' (expected native or generic)", optarg);
				return -EINVAL;
			}
			o.xdp_native = i == 0;
			o.xdp_generic = i == 1;
			break;
		case 'c':
			if (parse_u32_opt("--max-classes", optarg, 2, 65536, &sizes.max_classes))
				return -EINVAL;
			break;
		case '4':
			if (parse_u32_opt("--v4-size", optarg, 1, 1u << 28, &sizes.v4_entries))
				return -EINVAL;
			break;
		case '6':
			if (parse_u32_opt("--v6-size", optarg, 1, 1u << 28, &sizes.v6_entries))
				return -EINVAL;
			break;
		case 'f':
			o.force = true;
			break;
		default:
			return -EINVAL;
		}
	}
	if (optind + 1 != argc) {
		sl_err("usage: sluice attach DEV [--hook xdp|tc-ingress|tc-egress] [--match src|dst]");
		return -EINVAL;
	}
	if ((o.xdp_native || o.xdp_generic) && o.hook != SL_HOOK_XDP) {
		sl_err("--xdp-mode applies to --hook xdp only");
		return -EINVAL;
	}
	/* The remote address: the source on ingress, the destination on egress. */
	if (!match_set)
		o.match = o.hook == SL_HOOK_TC_OUT ? SL_MATCH_DST : SL_MATCH_SRC;

	sl_ctx_init(&ctx, sl_bpffs());
	err = sl_open(&ctx, SL_OPEN_CREATE | SL_OPEN_LOCK, &sizes);
	if (!err)
		err = sl_attach(&ctx, argv[optind], &o, &noop);
	if (!err) {
		if (sl_json) {
			struct json_object *j = json_object_new_object();

			json_object_object_add(j, "dev", json_object_new_string(argv[optind]));
			json_object_object_add(j, "hook",
					       json_object_new_string(sl_hook_names[o.hook]));
			json_object_object_add(j, "match",
					       json_object_new_string(match_names[o.match]));
			json_object_object_add(j, "changed", json_object_new_boolean(!noop));
			sl_json_print(j);
		} else {
			printf("%s %s on %s (match %s)\n", noop ? "already attached:" : "attached",
			       sl_hook_names[o.hook], argv[optind], match_names[o.match]);
		}
	}
	sl_close(&ctx);
	return err;
}

int cmd_detach(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "hook", required_argument, NULL, 'H' },
		{ "all", no_argument, NULL, 'a' },
		{}
	};
	bool all = false;
	int c, hook = -1, count = 0, err;
	__u32 ifindex = 0;
	struct sl_ctx ctx;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'H':
			if (parse_hook(optarg, &hook))
				return -EINVAL;
			break;
		case 'a':
			all = true;
			break;
		default:
			return -EINVAL;
		}
	}
	if (all == (optind < argc) || optind + 1 < argc || (all && hook >= 0)) {
		sl_err("usage: sluice detach DEV [--hook HOOK] | sluice detach --all");
		return -EINVAL;
	}
	if (!all) {
		ifindex = if_nametoindex(argv[optind]);
		if (!ifindex) {
			sl_err("unknown device %s", argv[optind]);
			return -ENODEV;
		}
	}

	sl_ctx_init(&ctx, sl_bpffs());
	/* detach --all also clears a broken state: no "incomplete" report */
	sl_quiet = all && geteuid() == 0;
	err = sl_open(&ctx, SL_OPEN_LOCK, NULL);
	sl_quiet = false;
	if (err && err != -ENOENT && err != -EIO && all) {
		sl_err("cannot open the pinned state under %s: %s", ctx.dir, strerror(-err));
		goto out;
	}
	if (err == -ENOENT) {
		sl_close(&ctx);
		if (all) {
			/* Nothing loaded: still clear a half-created state. */
			sl_unload(&ctx);
			if (sl_json)
				sl_json_print(json_object_new_object());
			else
				printf("nothing attached\n");
			return 0;
		}
		sl_err("nothing attached to %s", argv[optind]);
		return -ENOENT;
	}
	if (err) {
		if (all && err == -EIO) {
			/*
			 * A broken or older state: undo what its attachment
			 * records name, as far as they can be read, then remove
			 * the pins all the same.
			 */
			char path[PATH_MAX];

			sl_close(&ctx);
			sl_pin_path(path, sizeof(path), &ctx, "%s", SL_MAP_ATTACH);
			ctx.attach_fd = bpf_obj_get(path);
			if (ctx.attach_fd >= 0) {
				struct bpf_map_info info = {};
				__u32 len = sizeof(info);

				if (!bpf_obj_get_info_by_fd(ctx.attach_fd, &info, &len) &&
				    info.key_size == sizeof(struct sl_attach_key) &&
				    info.value_size == sizeof(struct sl_attach_val))
					sl_detach(&ctx, 0, -1, &count);
				close(ctx.attach_fd);
				ctx.attach_fd = -1;
			}
			sl_warn("the pinned state was incomplete or from another version; "
				"removed it and %d attachment%s", count, count == 1 ? "" : "s");
			return sl_unload(&ctx);
		}
		goto out;
	}
	err = sl_detach(&ctx, ifindex, hook, &count);
	if (!err && !all && !count) {
		sl_err("nothing attached to %s%s%s", argv[optind], hook >= 0 ? " at " : "",
		       hook >= 0 ? sl_hook_names[hook] : "");
		err = -ENOENT;
		goto out;
	}
	if (!err && all) {
		sl_close(&ctx);
		err = sl_unload(&ctx);
		if (err)
			sl_err("cannot remove the pins under %s: %s", ctx.dir, strerror(-err));
	}
	if (!err) {
		if (sl_json) {
			struct json_object *j = json_object_new_object();

			json_object_object_add(j, "detached", json_object_new_int(count));
			json_object_object_add(j, "unloaded", json_object_new_boolean(all));
			sl_json_print(j);
		} else {
			printf("detached %d attachment%s%s\n", count, count == 1 ? "" : "s",
			       all ? "; sluice unloaded" : "");
		}
	}
out:
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

int cmd_status(int argc, char **argv)
{
	struct sl_attach_key keys[SL_MAX_ATTACH];
	struct sl_attach_val vals[SL_MAX_ATTACH];
	struct json_object *j = NULL, *ja = NULL;
	struct sl_class cl;
	struct sl_ctx ctx;
	char tbuf[64];
	int n, i, used = 0, err;
	__u32 id;

	(void)argv;
	if (argc > 1) {
		sl_err("usage: sluice status");
		return -EINVAL;
	}
	err = sl_open_existing(&ctx, 0);
	if (err)
		goto out;
	n = sl_attach_list(&ctx, keys, vals, SL_MAX_ATTACH);
	for (id = 0; id < ctx.st.max_classes; id++)
		if (!sl_class_get(&ctx, id, &cl) && (cl.flags & SL_CLASS_USED))
			used++;
	sl_fmt_time(tbuf, sizeof(tbuf), ctx.st.swap_time);

	if (sl_json) {
		j = json_object_new_object();
		ja = json_object_new_array();
	} else {
		printf("pins:        %s\n", ctx.dir);
		printf("classes:     %d of %u in use (including default)\n", used,
		       ctx.st.max_classes);
		char b4[32], b6[32];

		sl_fmt_size(b4, sizeof(b4), ctx.st.bytes_v4);
		sl_fmt_size(b6, sizeof(b6), ctx.st.bytes_v6);
		printf("IPv4 table:  %u prefixes of %u, %s\n", ctx.st.n_v4, ctx.st.v4_entries, b4);
		printf("IPv6 table:  %u prefixes of %u, %s\n", ctx.st.n_v6, ctx.st.v6_entries, b6);
		printf("generation:  %llu (last swap %s)\n", (unsigned long long)ctx.st.generation,
		       tbuf);
		printf("attached:    %s\n", n ? "" : "nothing");
	}
	for (i = 0; i < n; i++) {
		char name[IF_NAMESIZE] = "";
		const char *mode = keys[i].hook == SL_HOOK_XDP ? xdp_mode_of(keys[i].ifindex) : NULL;
		bool present = if_indextoname(keys[i].ifindex, name) != NULL;

		if (sl_json) {
			struct json_object *a = json_object_new_object();

			json_object_object_add(a, "dev", json_object_new_string(present ? name :
										vals[i].ifname));
			json_object_object_add(a, "ifindex", json_object_new_int(keys[i].ifindex));
			json_object_object_add(a, "present", json_object_new_boolean(present));
			json_object_object_add(a, "hook",
					       json_object_new_string(sl_hook_names[keys[i].hook]));
			json_object_object_add(a, "match",
					       json_object_new_string(match_names[vals[i].match]));
			if (mode)
				json_object_object_add(a, "xdp_mode", json_object_new_string(mode));
			json_object_object_add(a, "prog_id", json_object_new_int(vals[i].prog_id));
			json_object_array_add(ja, a);
		} else {
			printf("  %-16s %-10s match %s%s%s%s\n", present ? name : vals[i].ifname,
			       sl_hook_names[keys[i].hook], match_names[vals[i].match],
			       mode ? ", " : "", mode ? mode : "", present ? "" : " (device gone)");
		}
	}
	if (sl_json) {
		struct json_object *t = json_object_new_object();

		json_object_object_add(j, "pin_dir", json_object_new_string(ctx.dir));
		json_object_object_add(j, "attachments", ja);
		json_object_object_add(j, "max_classes", json_object_new_int(ctx.st.max_classes));
		json_object_object_add(j, "classes", json_object_new_int(used));
		json_object_object_add(t, "v4_prefixes", json_object_new_int64(ctx.st.n_v4));
		json_object_object_add(t, "v4_capacity", json_object_new_int64(ctx.st.v4_entries));
		json_object_object_add(t, "v6_prefixes", json_object_new_int64(ctx.st.n_v6));
		json_object_object_add(t, "v6_capacity", json_object_new_int64(ctx.st.v6_entries));
		json_object_object_add(t, "v4_bytes", json_object_new_int64(ctx.st.bytes_v4));
		json_object_object_add(t, "v6_bytes", json_object_new_int64(ctx.st.bytes_v6));
		json_object_object_add(t, "generation", json_object_new_int64(ctx.st.generation));
		json_object_object_add(t, "last_swap_ns", json_object_new_int64(ctx.st.swap_time));
		json_object_object_add(j, "tables", t);
		sl_json_print(j);
	}
out:
	sl_close(&ctx);
	return err;
}
