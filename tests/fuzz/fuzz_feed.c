// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target over the feed parsers: the input is one feed file (any
 * format, maybe gzip-compressed), read in every format (plain, ipset,
 * registry csv, rir, json and auto-detected), and once more as RIR delegated
 * stats with a country selection. The reader must never crash, hang or
 * leak, and every prefix it returns must be valid.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

#include "diag.h"
#include "feed.h"
#include "util.h"

static void check(const struct sl_pfx_vec *v)
{
	size_t i;

	for (i = 0; i < v->n; i++) {
		struct sl_pfx p = v->v[i];

		if ((p.family != 4 && p.family != 6) || p.plen > (p.family == 4 ? 32 : 128))
			abort();
		if (sl_pfx_mask(&p)) /* host bits must have been cleared */
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[64];
	const char *why;
	int fd, f;

	fd = memfd_create("feed", 0);
	if (fd < 0)
		return 0;
	if (write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return 0;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	for (f = SL_FMT_AUTO; f <= SL_FMT_MAX; f++) {
		struct sl_feed_opts o = { .format = f, .max_report = 1 };
		struct sl_feed_stats st = { 0 };
		struct sl_pfx_vec v = { 0 };

		if (f == SL_FMT_MAX) {
			/* RIR records of some countries only */
			o.format = SL_FMT_RIR;
			if (sl_feed_parse_cc("de,FR,zz", &o, &why))
				abort();
		}

		if (!sl_feed_read_opts(path, &o, &v, &st)) {
			check(&v);
			sl_pfx_normalise(&v);
			check(&v);
		}
		sl_pfx_vec_free(&v);
		sl_diag_clear();
	}
	close(fd);
	return 0;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	/* The parsers record invalid lines (diag.h); nothing prints them here. */
	return 0;
}
