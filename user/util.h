/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SLUICE_UTIL_H
#define SLUICE_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

extern bool sl_json;  /* -j: JSON output */
extern bool sl_debug; /* -d: libbpf debug output */
extern bool sl_json_pretty; /* -p */
extern bool sl_quiet; /* no error or warning output (fuzzing) */

struct json_object;
/* Print a JSON document on stdout and drop the reference. */
void sl_json_print(struct json_object *o);

/* Print one error sentence to stderr (as {"error": ...} with -j). */
void sl_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Print a warning to stderr (text even with -j, prefixed "warning: "). */
void sl_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Human formatting: "10Mbit", "1.5Gbit"; "64KiB". */
void sl_fmt_rate(char *buf, size_t len, __u64 bps);
void sl_fmt_size(char *buf, size_t len, __u64 bytes);
void sl_fmt_count(char *buf, size_t len, __u64 n);

__u64 sl_now_realtime_ns(void);

/* --bpffs, set by main(). */
extern const char *sl_bpffs_opt;
/* Unique-prefix match of word in names: index, -1 unknown, -2 ambiguous. */
int sl_match_word(const char *word, const char *const *names, int n);

#endif
