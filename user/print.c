// SPDX-License-Identifier: GPL-2.0
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <json-c/json.h>

#include "diag.h"
#include "print.h"
#include "util.h"

bool sl_json;
bool sl_json_pretty;
bool sl_debug;

#define PRINT_DEPTH 16

static struct json_object *stack[PRINT_DEPTH];
static int depth;

static void emit(struct json_object *o, FILE *f)
{
	int flags = sl_json_pretty ? JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED :
				     JSON_C_TO_STRING_PLAIN;

	fprintf(f, "%s\n", json_object_to_json_string_ext(o, flags | JSON_C_TO_STRING_NOSLASHESCAPE));
	fflush(f);
}

/* Add v under key to the innermost open container (takes the reference). */
static void add(const char *key, struct json_object *v)
{
	struct json_object *top = depth ? stack[depth - 1] : NULL;

	if (!top) {
		/* a bare value at the top: a document of its own */
		emit(v, stdout);
		json_object_put(v);
	} else if (json_object_is_type(top, json_type_array)) {
		json_object_array_add(top, v);
	} else {
		json_object_object_add(top, key ? key : "", v);
	}
}

static void open_container(const char *key, struct json_object *o)
{
	if (!sl_json) {
		json_object_put(o);
		return;
	}
	if (depth == PRINT_DEPTH) {
		json_object_put(o);
		return;
	}
	if (depth)
		add(key, json_object_get(o));
	stack[depth++] = o;
}

static void close_container(void)
{
	if (!sl_json || !depth)
		return;
	depth--;
	if (!depth)
		emit(stack[0], stdout);
	json_object_put(stack[depth]);
}

void print_open_object(const char *key)
{
	open_container(key, sl_json ? json_object_new_object() : NULL);
}

void print_open_array(const char *key)
{
	open_container(key, sl_json ? json_object_new_array() : NULL);
}

void print_close_object(void)
{
	close_container();
}

void print_close_array(void)
{
	close_container();
}

static bool want_json(int t)
{
	return sl_json && (t & PRINT_JSON);
}

static bool want_text(int t, const char *fmt)
{
	return !sl_json && (t & PRINT_TEXT) && fmt;
}

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
void print_string(int t, const char *key, const char *fmt, const char *v)
{
	if (want_json(t))
		add(key, v ? json_object_new_string(v) : NULL);
	else if (want_text(t, fmt))
		printf(fmt, v ? v : "-");
}

void print_uint(int t, const char *key, const char *fmt, __u64 v)
{
	if (want_json(t))
		add(key, json_object_new_uint64(v));
	else if (want_text(t, fmt))
		printf(fmt, (unsigned long long)v);
}

void print_int(int t, const char *key, const char *fmt, __s64 v)
{
	if (want_json(t))
		add(key, json_object_new_int64(v));
	else if (want_text(t, fmt))
		printf(fmt, (long long)v);
}

void print_bool(int t, const char *key, const char *fmt, bool v)
{
	if (want_json(t))
		add(key, json_object_new_boolean(v));
	else if (want_text(t, fmt))
		printf(fmt, v ? "yes" : "no");
}

/* JSON: at most three decimals, no trailing zeros (1.5, not 1.50000000000001). */
static struct json_object *new_decimal(double v)
{
	char buf[64], *p;

	snprintf(buf, sizeof(buf), "%.3f", v);
	p = buf + strlen(buf) - 1;
	while (*p == '0')
		*p-- = '\0';
	if (*p == '.')
		*p = '\0';
	return json_object_new_double_s(v, buf);
}

void print_float(int t, const char *key, const char *fmt, double v)
{
	if (want_json(t))
		add(key, new_decimal(v));
	else if (want_text(t, fmt))
		printf(fmt, v);
}

void print_null(int t, const char *key, const char *fmt)
{
	if (want_json(t))
		add(key, NULL);
	else if (want_text(t, fmt))
		fputs(fmt, stdout);
}

static void print_human(int t, const char *key, const char *fmt, __u64 v,
			void (*human)(char *, size_t, __u64))
{
	char buf[64];

	if (want_json(t)) {
		add(key, json_object_new_uint64(v));
	} else if (want_text(t, fmt)) {
		human(buf, sizeof(buf), v);
		printf(fmt, buf);
	}
}
#pragma GCC diagnostic pop

void print_rate(int t, const char *key, const char *fmt, __u64 bps)
{
	print_human(t, key, fmt, bps, sl_fmt_rate);
}

void print_size(int t, const char *key, const char *fmt, __u64 bytes)
{
	print_human(t, key, fmt, bytes, sl_fmt_size);
}

void print_count(int t, const char *key, const char *fmt, __u64 n)
{
	print_human(t, key, fmt, n, sl_fmt_count);
}

void print_time(int t, const char *key, const char *fmt, __u64 realtime_ns)
{
	char name[64], stamp[64];
	time_t secs = realtime_ns / 1000000000ull;
	struct tm tm;

	if (!want_json(t) || !key) {
		print_human(t, key, fmt, realtime_ns, sl_fmt_time);
		return;
	}
	snprintf(name, sizeof(name), "%s_ns", key);
	add(name, json_object_new_uint64(realtime_ns));
	if (!realtime_ns) {
		add(key, NULL);
		return;
	}
	gmtime_r(&secs, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(stamp + strlen(stamp), sizeof(stamp) - strlen(stamp), ".%09lluZ",
		 (unsigned long long)(realtime_ns % 1000000000ull));
	add(key, json_object_new_string(stamp));
}

void print_text(const char *fmt, ...)
{
	va_list ap;

	if (sl_json)
		return;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
}

void print_diags(void)
{
	size_t i, n = sl_diag_count();

	fflush(stdout);
	for (i = 0; i < n; i++) {
		const struct sl_diag *d = sl_diag_get(i);

		if (sl_json) {
			struct json_object *o = json_object_new_object();

			json_object_object_add(o, d->warning ? "warning" : "error",
					       json_object_new_string(d->msg));
			emit(o, stderr);
			json_object_put(o);
		} else {
			fprintf(stderr, "sluice: %s%s\n", d->warning ? "warning: " : "", d->msg);
		}
	}
	if (sl_diag_dropped() && sl_json)
		fprintf(stderr, "{\"warning\":\"%zu more messages not shown\"}\n", sl_diag_dropped());
	else if (sl_diag_dropped())
		fprintf(stderr, "sluice: %zu more messages not shown\n", sl_diag_dropped());
	fflush(stderr);
	sl_diag_clear();
}
