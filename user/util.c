// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE /* sched_getcpu, pthread_attr_setaffinity_np */
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>

#include "util.h"

static void fmt_scaled(char *buf, size_t len, double v, const char *const *units, int nunits,
		       double step)
{
	int i = 0;

	while (v >= step && i < nunits - 1) {
		v /= step;
		i++;
	}
	if (v == (__u64)v)
		snprintf(buf, len, "%llu%s", (unsigned long long)v, units[i]);
	else
		snprintf(buf, len, "%.4g%s", v, units[i]);
}

void sl_fmt_rate(char *buf, size_t len, __u64 bps)
{
	static const char *const u[] = { "bit", "Kbit", "Mbit", "Gbit", "Tbit" };

	fmt_scaled(buf, len, (double)bps, u, ARRAY_SIZE(u), 1000.0);
}

void sl_fmt_size(char *buf, size_t len, __u64 bytes)
{
	static const char *const u[] = { "B", "KiB", "MiB", "GiB", "TiB" };

	fmt_scaled(buf, len, (double)bytes, u, ARRAY_SIZE(u), 1024.0);
}

void sl_fmt_count(char *buf, size_t len, __u64 n)
{
	static const char *const u[] = { "", "K", "M", "G", "T" };

	fmt_scaled(buf, len, (double)n, u, ARRAY_SIZE(u), 1000.0);
}

__u64 sl_now_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

__u64 sl_now_realtime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (__u64)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

void sl_fmt_time(char *buf, size_t len, __u64 ns)
{
	time_t t = ns / 1000000000ull;
	struct tm tm;

	if (!ns) {
		snprintf(buf, len, "never");
		return;
	}
	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

char *sl_abs_path(const char *path)
{
	char *cwd, *out;

	if (path[0] == '/' || !strcmp(path, "-"))
		return strdup(path);
	cwd = getcwd(NULL, 0);
	if (!cwd)
		return NULL;
	while (path[0] == '.' && path[1] == '/')
		path += 2;
	out = malloc(strlen(cwd) + strlen(path) + 2);
	if (out)
		sprintf(out, "%s/%s", strcmp(cwd, "/") ? cwd : "", path);
	free(cwd);
	return out;
}

/*
 * The 2 MiB pages inside [p, p + len) are to be transparent huge pages,
 * where the kernel has them (madvise mode, Debian's default): one fault
 * and one TLB entry where there would be 512. Only pages not yet touched
 * change, so a buffer is advised before it is written.
 */
static void huge_hint(void *p, size_t len)
{
	const uintptr_t huge = 2u << 20;
	uintptr_t a = ((uintptr_t)p + huge - 1) & ~(huge - 1);
	uintptr_t b = ((uintptr_t)p + len) & ~(huge - 1);

	if (b > a)
		madvise((void *)a, b - a, MADV_HUGEPAGE); /* a hint: failing changes nothing */
}

void *sl_big_alloc(size_t size)
{
	void *p = malloc(size);

	if (p && size >= SL_BIG_MIN)
		huge_hint(p, size);
	return p;
}

void *sl_big_grow(void *p, size_t used, size_t size)
{
	void *n;

	if (size < SL_BIG_MIN)
		return realloc(p, size);
	n = sl_big_alloc(size);
	if (!n)
		return NULL;
	if (used)
		memcpy(n, p, used);
	free(p);
	return n;
}

struct thread_start {
	void *(*fn)(void *);
	void *arg;
	cpu_set_t cpus; /* the caller's, which the thread may use once it runs */
};

static void *thread_begin(void *p)
{
	struct thread_start t = *(struct thread_start *)p;

	free(p);
	sched_setaffinity(0, sizeof(t.cpus), &t.cpus);
	return t.fn(t.arg);
}

int sl_thread_start(pthread_t *thr, void *(*fn)(void *), void *arg)
{
	int cpu = sched_getcpu(), err = -1;
	struct thread_start *t;
	pthread_attr_t attr;
	cpu_set_t other;

	t = malloc(sizeof(*t));
	if (!t || cpu < 0 || cpu >= CPU_SETSIZE || sched_getaffinity(0, sizeof(t->cpus), &t->cpus) ||
	    !CPU_ISSET(cpu, &t->cpus) || CPU_COUNT(&t->cpus) < 2) {
		free(t);
		return pthread_create(thr, NULL, fn, arg);
	}
	/* started off this CPU, then free to move */
	t->fn = fn;
	t->arg = arg;
	other = t->cpus;
	CPU_CLR(cpu, &other);
	if (!pthread_attr_init(&attr)) {
		if (!pthread_attr_setaffinity_np(&attr, sizeof(other), &other))
			err = pthread_create(thr, &attr, thread_begin, t);
		pthread_attr_destroy(&attr);
	}
	if (!err)
		return 0;
	free(t);
	return pthread_create(thr, NULL, fn, arg);
}

void sl_crash_point(const char *name)
{
	const char *at = getenv("SLUICE_CRASH_AT");

	if (at && !strcmp(at, name))
		raise(SIGKILL);
}
