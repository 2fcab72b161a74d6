/* SPDX-License-Identifier: GPL-2.0 */
/* sluice: parsing of rates, sizes, addresses and prefixes (pure C). */
#ifndef SLUICE_PARSE_H
#define SLUICE_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "prefix.h"

/* "10mbit", "1gbit", "128kbit", "1.5mbit", "100kbps" (bytes/s, as tc). */
int sl_parse_rate(const char *s, __u64 *bps);
/* "16k", "1m", "1500", "64kb", "8kbit" (bits, as tc). */
int sl_parse_size(const char *s, __u64 *bytes);

/*
 * Parse an address or CIDR prefix ("192.0.2.1", "2001:db8::/32"). On error
 * returns -EINVAL and points *why at the reason. When host bits are set
 * they are cleared and *masked is set.
 */
int sl_parse_prefix(const char *s, size_t len, struct sl_pfx *p, const char **why,
		    bool *masked);
/*
 * The IPv4 address or prefix at s, before end, as sl_parse_prefix() would
 * read it if it ended there: where it ends (what follows is not looked
 * at), or NULL when s does not start with one. Host bits are cleared and
 * *masked set as there. The SL_PARSE_V4_SLACK bytes from s must be
 * readable, also past end: the address is read without a branch a digit.
 */
#define SL_PARSE_V4_SLACK 16
const char *sl_parse_v4_at(const char *s, const char *end, struct sl_pfx *p, bool *masked);
/* Parse a bare address (no prefix length). */
int sl_parse_addr(const char *s, struct sl_pfx *p);

/* Skip leading and cut trailing white space (in place); *end: the new end. */
char *sl_trim(char *s, char **end);

/*
 * One line of a plain feed: an address or prefix with optional '#' or ';'
 * comment. Returns 1 for a prefix, 0 for a blank or comment line, -EINVAL
 * with *why set for an invalid line.
 */
int sl_parse_feed_line(char *line, struct sl_pfx *p, const char **why, bool *masked);


/*
 * One entry of a feed: an address, a CIDR prefix or a range "A-B" (turned
 * into the minimal set of prefixes). Appends to vec and returns the number
 * of prefixes added, or -EINVAL with *why set. *masked as sl_parse_prefix.
 */
int sl_parse_entry(const char *s, size_t len, struct sl_pfx_vec *vec, const char **why,
		   bool *masked);

/* A plain decimal number from min to max. 0 or -EINVAL. */
int sl_parse_u32(const char *s, __u32 min, __u32 max, __u32 *out);

/*
 * A duration: a number with a unit ms, s, m, h or d ("10m", "500ms",
 * "1.5h"; a bare number is seconds), from 1 ms to 30 days, into ns.
 */
int sl_parse_duration(const char *s, __u64 *ns);
/* "5", "2.5%": a percentage from 0 to 100. */
int sl_parse_pct(const char *s, double *out);

/* Default bursts derived from a rate: the policer's bucket, and HTB's burst. */
__u64 sl_default_burst(__u64 rate_bps);
__u64 sl_default_shape_burst(__u64 rate_bps);

/* Class names: 1-31 characters of [A-Za-z0-9_.-], not starting with '-'. */
bool sl_valid_class_name(const char *name);

#endif
