/* SPDX-License-Identifier: GPL-2.0 */
/* sluice: reading feed files (plain or gzip-compressed, or "-" for stdin). */
#ifndef SLUICE_FEED_H
#define SLUICE_FEED_H

#include "prefix.h"

/*
 * The longest line of the line-based formats (plain, ipset, rir, json). A
 * longer line fails the read (-E2BIG, reported as FILE:LINE); it is never
 * counted as merely invalid. Registry CSV lines have no limit: their first
 * field is read as a stream and the other fields are skipped unread.
 */
#define SL_FEED_MAX_LINE (1 << 20)

enum sl_format {
	SL_FMT_AUTO,
	SL_FMT_PLAIN, /* address, CIDR or range a line; also FireHOL netsets */
	SL_FMT_IPSET, /* `ipset save`: "add SET ENTRY [options]" */
	SL_FMT_CSV,   /* registry dump: "A | B | C;field;field..." */
	SL_FMT_RIR,   /* RIR delegated stats: "registry|cc|type|start|value|date|status" */
	SL_FMT_JSON,  /* JSON lines with a "cidr" (Spamhaus DROP): {"cidr": "P", ...} */
	SL_FMT_MAX,
};

extern const char *const sl_format_names[SL_FMT_MAX];

#define SL_CC_WORDS ((26 * 26 + 63) / 64)

struct sl_feed_opts {
	enum sl_format format;
	bool strict;		 /* fail on the first invalid line or host bits */
	unsigned int max_report; /* invalid lines printed (0: default 10) */
	/*
	 * Country selection of RIR delegated stats (--cc, config key cc): a
	 * bitmap of the two-letter codes A-Z x A-Z; without has_cc every
	 * record is used. Only valid with the rir format.
	 */
	bool has_cc;
	__u64 cc[SL_CC_WORDS];
	/*
	 * Read every country (has_cc set or not), each prefix's class_id
	 * set to its country's tag, for sl_feed_select_cc: one parse of a
	 * file for many classes of countries.
	 */
	bool tag_cc;
};

/* Keep the prefixes of the countries opts selects (from a tag_cc read), untagged. */
size_t sl_feed_select_cc(struct sl_pfx_vec *vec, const struct sl_feed_opts *opts);

/*
 * Parse "DE,fr, AT" into opts->cc (case-insensitive, duplicates allowed).
 * Returns 0, or -EINVAL with *why set.
 */
int sl_feed_parse_cc(const char *s, struct sl_feed_opts *opts, const char **why);
/* "AT,DE,FR" (sorted, upper case) into buf; "" without a selection. */
void sl_feed_fmt_cc(char *buf, size_t len, const struct sl_feed_opts *opts);

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
 * read with -EINVAL. Read and decompression errors fail with -EIO, a line
 * over SL_FEED_MAX_LINE with -E2BIG, a country selection on a file that is
 * not RIR delegated stats with -EINVAL.
 */
int sl_feed_read_opts(const char *path, const struct sl_feed_opts *opts, struct sl_pfx_vec *out,
		      struct sl_feed_stats *st);

/* The same from an open descriptor, read from where it stands (name: for messages). */
int sl_feed_read_fd(int fd, const char *name, const struct sl_feed_opts *opts,
		    struct sl_pfx_vec *out, struct sl_feed_stats *st);

/* Read one file, format detected; -EINVAL when any line is invalid. */
int sl_feed_read(const char *path, struct sl_pfx_vec *out);

#endif
