/* SPDX-License-Identifier: GPL-2.0 */
/* sluice: small helpers with no state: human units and clocks. */
#ifndef SLUICE_UTIL_H
#define SLUICE_UTIL_H

#include <stdbool.h>
#include <pthread.h>
#include <stddef.h>
#include <linux/types.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Human formatting: "10Mbit", "1.5Gbit"; "64KiB"; "1.2K". */
void sl_fmt_rate(char *buf, size_t len, __u64 bps);
void sl_fmt_size(char *buf, size_t len, __u64 bytes);
void sl_fmt_count(char *buf, size_t len, __u64 n);

__u64 sl_now_realtime_ns(void);
/* CLOCK_MONOTONIC in ns, the clock of the datapath's times. */
__u64 sl_now_mono_ns(void);
/* "2026-11-28T17:00:00Z" (UTC), or "never" for 0. */
void sl_fmt_time(char *buf, size_t len, __u64 ns);

/*
 * path made absolute against the working directory (not resolved: links
 * stay links), in a new string; "-" (standard input) and absolute paths
 * are copied as they are. NULL when out of memory or with no directory.
 */
char *sl_abs_path(const char *path);

/*
 * Buffers of SL_BIG_MIN bytes or more (lists of prefixes, sort buffers,
 * table nodes) in transparent huge pages where the kernel gives them;
 * freed with free(). sl_big_grow() is realloc() for them: a new buffer,
 * advised before the used bytes are copied into it.
 */
#define SL_BIG_MIN (4u << 20)
void *sl_big_alloc(size_t size);
void *sl_big_grow(void *p, size_t used, size_t size);

/*
 * pthread_create() for a helper that works beside its caller: on the
 * other CPUs the caller may use, not the one it runs on. A thread made
 * for a few milliseconds of work was often queued behind its caller on
 * the same CPU (2 vCPUs here), so the two ran one after the other.
 */
int sl_thread_start(pthread_t *thr, void *(*fn)(void *), void *arg);

/* Test hook: with SLUICE_CRASH_AT=name in the environment, die here by SIGKILL. */
void sl_crash_point(const char *name);

#endif
