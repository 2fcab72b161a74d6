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
/* "2026-11-28T17:00:00Z" (UTC), or "never" for 0. */
void sl_fmt_time(char *buf, size_t len, __u64 ns);

/* Names of enum sl_policy and enum sl_dir values. */
#define SL_POLICY_NAMES 4
extern const char *const sl_policy_names[SL_POLICY_NAMES];
extern const char *const sl_dir_names[2];
const char *sl_policy_name(__u32 policy);

/* --bpffs, set by main(). */
extern const char *sl_bpffs_opt;
/* Unique-prefix match of word in names: index, -1 unknown, -2 ambiguous. */
int sl_match_word(const char *word, const char *const *names, int n);

#endif
