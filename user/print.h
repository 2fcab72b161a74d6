/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sluice: the one printer of the command layer. A command renders each
 * field once, for text and JSON alike, in the manner of iproute2's
 * print_uint(PRINT_ANY, ...): in JSON mode the value goes under its key
 * into the open object or array, raw (bit/s, bytes, ns); in text mode the
 * format is printed with the value, in human units for the print_rate,
 * print_size, print_count and print_time helpers. The outermost object or
 * array is written as one JSON line when it is closed.
 */
#ifndef SLUICE_PRINT_H
#define SLUICE_PRINT_H

#include <stdbool.h>
#include <stdio.h>
#include <linux/types.h>

extern bool sl_json;	    /* -j */
extern bool sl_json_pretty; /* -p */
extern bool sl_debug;	    /* -d */

enum sl_print_type {
	PRINT_TEXT = 1,
	PRINT_JSON = 2,
	PRINT_ANY = 3,
};

/* key: the member name in an object, NULL at the top or in an array. */
void print_open_object(const char *key);
void print_close_object(void);
void print_open_array(const char *key);
void print_close_array(void);

/* fmt: the text format for the value, or NULL for none. */
void print_string(int t, const char *key, const char *fmt, const char *v); /* NULL: null */
void print_uint(int t, const char *key, const char *fmt, __u64 v);
void print_int(int t, const char *key, const char *fmt, __s64 v);
void print_bool(int t, const char *key, const char *fmt, bool v);
void print_float(int t, const char *key, const char *fmt, double v);
void print_null(int t, const char *key, const char *fmt); /* fmt printed as it is */

/* JSON: the raw integer; text: fmt with a string in human units ("%s"). */
void print_rate(int t, const char *key, const char *fmt, __u64 bps);
void print_size(int t, const char *key, const char *fmt, __u64 bytes);
void print_count(int t, const char *key, const char *fmt, __u64 n);
/*
 * A wall-clock time (ns since the epoch, 0 for never). JSON: KEY_ns, the
 * integer, and KEY, the RFC 3339 string in UTC (null for never).
 */
void print_time(int t, const char *key, const char *fmt, __u64 realtime_ns);

/* Text only. */
void print_text(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Write the recorded diagnostics (diag.h) to stderr and forget them:
 * "sluice: MSG" and "sluice: warning: MSG"; with -j, {"error": MSG} and
 * {"warning": MSG}, one a line.
 */
void print_diags(void);

#endif
