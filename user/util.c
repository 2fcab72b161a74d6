// SPDX-License-Identifier: GPL-2.0
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <json-c/json.h>

#include "util.h"

bool sl_json;
bool sl_debug;
bool sl_json_pretty;
bool sl_quiet;

void sl_json_print(struct json_object *o)
{
	int flags = sl_json_pretty ? JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED :
				     JSON_C_TO_STRING_PLAIN;

	printf("%s\n", json_object_to_json_string_ext(o, flags | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
}

void sl_err(const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	if (sl_quiet)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);

	if (sl_json) {
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "error", json_object_new_string(msg));
		fprintf(stderr, "%s\n",
			json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
							   JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(o);
	} else {
		fprintf(stderr, "sluice: %s\n", msg);
	}
}

void sl_warn(const char *fmt, ...)
{
	va_list ap;

	if (sl_quiet)
		return;
	fputs("sluice: warning: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

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

__u64 sl_now_realtime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (__u64)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

const char *sl_bpffs_opt;

const char *sl_bpffs(void)
{
	return sl_bpffs_opt;
}

int sl_match_word(const char *word, const char *const *names, int n)
{
	size_t len = strlen(word);
	int i, found = -1;

	for (i = 0; i < n; i++) {
		if (!strcmp(word, names[i]))
			return i;
		if (len && !strncmp(word, names[i], len))
			found = found == -1 ? i : -2;
	}
	return found;
}

const char *const sl_policy_names[SL_POLICY_NAMES] = { "pass", "drop", "police", "shape" };
const char *const sl_dir_names[2] = { "in", "out" };

const char *sl_policy_name(__u32 policy)
{
	return policy < SL_POLICY_NAMES ? sl_policy_names[policy] : "?";
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
