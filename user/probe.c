// SPDX-License-Identifier: GPL-2.0
/*
 * The lookup probe: classify an address with the live tables by running the
 * datapath's own parse and classify code (the sl_probe program) on a crafted
 * frame, through BPF_PROG_TEST_RUN.
 */
#include <errno.h>
#include <string.h>
#include <bpf/bpf.h>

#include "frame.h"
#include "probe.h"

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

