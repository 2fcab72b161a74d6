/* SPDX-License-Identifier: GPL-2.0 */
/* sluice: reading feed files (plain or gzip-compressed, or "-" for stdin). */
#ifndef SLUICE_FEED_H
#define SLUICE_FEED_H

#include "prefix.h"

#define SL_FEED_MAX_LINE 4096

enum sl_format {
	SL_FMT_AUTO,
	SL_FMT_PLAIN, /* address, CIDR or range a line; also FireHOL netsets */
	SL_FMT_IPSET, /* `ipset save`: "add SET ENTRY [options]" */
	SL_FMT_CSV,   /* registry dump: "A | B | C;field;field..." */
	SL_FMT_MAX,
};

extern const char *const sl_format_names[SL_FMT_MAX];

struct sl_feed_opts {
	enum sl_format format;
	bool strict;		 /* fail on the first invalid line or host bits */
	unsigned int max_report; /* invalid lines printed (0: default 10) */
};

struct sl_feed_stats {
	unsigned long lines;	/* lines read */
	unsigned long entries;	/* entries parsed (a range counts once) */
	unsigned long invalid;	/* invalid lines (reported as FILE:LINE: reason) */
	unsigned long masked;	/* prefixes with host bits set, masked */
	enum sl_format format;	/* the format used (detected or forced) */
};

/*
 * Append the prefixes of one feed file ("-": standard input; gzip detected
 * by its magic bytes) to out, adding to *st. Invalid lines are reported as
 * FILE:LINE: reason and counted; with opts->strict the first one fails the
 * read with -EINVAL. Read and decompression errors fail with -EIO.
 */
int sl_feed_read_opts(const char *path, const struct sl_feed_opts *opts, struct sl_pfx_vec *out,
		      struct sl_feed_stats *st);

/* Read one file, format detected; -EINVAL when any line is invalid. */
int sl_feed_read(const char *path, struct sl_pfx_vec *out);

#endif
