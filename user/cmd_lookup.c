// SPDX-License-Identifier: GPL-2.0
/*
 * sluice lookup: classify addresses with the live tables by running the
 * datapath's own parse and classify code (the sl_probe program) on a crafted
 * frame per address, through BPF_PROG_TEST_RUN.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <json-c/json.h>

#include "cmd.h"
#include "frame.h"
#include "lookup.h"
#include "parse.h"
#include "state.h"
#include "util.h"

_Static_assert(SL_PROBE_FRAME_MAX == sizeof(struct ethhdr) + sizeof(struct ipv6hdr),
	       "the longest probe frame");

size_t sl_probe_frame(__u8 *frame, const struct sl_pfx *a)
{
	struct sl_frame f = { .family = a->family };
	int len;

	memcpy(f.dst, a->addr, sizeof(f.dst));
	len = sl_frame_build(&f, frame, SL_PROBE_FRAME_MAX);
	return len < 0 ? 0 : len;
}

int sl_probe_run(struct sl_ctx *ctx, const struct sl_pfx *a, struct sl_lookup_result *res)
{
	/* Two bytes in, so that the IP header is 4-byte aligned. */
	__u8 buf[2 + SL_PROBE_FRAME_MAX] __attribute__((aligned(4)));
	__u8 *frame = buf + 2, out[sizeof(buf)];
	struct sl_probe_result r;
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame, .data_out = out,
		    .data_size_out = sizeof(out), .repeat = 1);

	opts.data_size_in = sl_probe_frame(frame, a);
	if (bpf_prog_test_run_opts(ctx->prog_fd[SL_PROG_PROBE], &opts))
		return -errno;
	memcpy(&r, out, sizeof(r));
	if (opts.retval != XDP_PASS || r.magic != SL_PROBE_MAGIC)
		return -EIO;
	res->class_id = r.class_id;
	res->prefixlen = r.prefixlen;
	res->matched = r.matched;
	return 0;
}

static int lookup_one(struct sl_ctx *ctx, const char *s, struct json_object *arr)
{
	struct sl_lookup_result res;
	char pbuf[SL_PFX_STRLEN], abuf[SL_PFX_STRLEN];
	struct sl_class cl;
	struct sl_pfx a, p;
	int err;

	if (sl_parse_addr(s, &a)) {
		sl_err("bad address '%s'", s);
		return -EINVAL;
	}
	err = sl_probe_run(ctx, &a, &res);
	if (err) {
		sl_err("the lookup probe failed: %s", strerror(-err));
		return err;
	}
	if (sl_class_get(ctx, res.class_id, &cl) || !(cl.flags & SL_CLASS_USED))
		snprintf(cl.name, sizeof(cl.name), "#%u", res.class_id);
	p = a;
	p.plen = res.prefixlen;
	sl_pfx_mask(&p);
	sl_fmt_pfx(pbuf, sizeof(pbuf), &p);
	sl_fmt_addr(abuf, sizeof(abuf), &a);

	if (arr) {
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "addr", json_object_new_string(abuf));
		json_object_object_add(o, "class", json_object_new_string(cl.name));
		json_object_object_add(o, "class_id", json_object_new_int(res.class_id));
		json_object_object_add(o, "prefix",
				       res.matched ? json_object_new_string(pbuf) : NULL);
		json_object_array_add(arr, o);
	} else {
		printf("%s %s %s\n", abuf, cl.name, res.matched ? pbuf : "-");
	}
	return 0;
}

int cmd_lookup(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "stdin", no_argument, NULL, 's' },
		{}
	};
	struct json_object *arr = NULL;
	bool from_stdin = false;
	struct sl_ctx ctx;
	char line[256];
	int c, i, err;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c != 's')
			return -EINVAL;
		from_stdin = true;
	}
	if (from_stdin == (optind < argc)) {
		sl_err("usage: sluice lookup ADDR... | sluice lookup --stdin");
		return -EINVAL;
	}
	err = sl_open_existing(&ctx, 0);
	if (err)
		goto out;
	if (sl_json)
		arr = json_object_new_array();
	for (i = optind; i < argc && !err; i++)
		err = lookup_one(&ctx, argv[i], arr);
	while (from_stdin && !err && fgets(line, sizeof(line), stdin)) {
		char *s = line + strspn(line, " \t");

		s[strcspn(s, " \t\r\n#")] = '\0';
		if (*s)
			err = lookup_one(&ctx, s, arr);
	}
	if (arr) {
		if (!err)
			sl_json_print(arr);
		else
			json_object_put(arr);
	}
out:
	sl_close(&ctx);
	return err;
}
