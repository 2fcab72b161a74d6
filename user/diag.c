// SPDX-License-Identifier: GPL-2.0
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "diag.h"

/* per thread: the exporter serves scrapes on threads of its own */
static __thread struct sl_diag diags[SL_DIAG_MAX];
static __thread size_t ndiags, ndropped;

static void record(bool warning, const char *fmt, va_list ap)
{
	if (ndiags == SL_DIAG_MAX) {
		ndropped++;
		return;
	}
	diags[ndiags].warning = warning;
	vsnprintf(diags[ndiags].msg, sizeof(diags[ndiags].msg), fmt, ap);
	ndiags++;
}

void sl_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	record(false, fmt, ap);
	va_end(ap);
}

void sl_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	record(true, fmt, ap);
	va_end(ap);
}

/* Append the escaped form of c; false when it does not fit in the room left. */
static bool put_escaped(char *out, size_t *o, size_t room, unsigned char c)
{
	static const char hex[] = "0123456789abcdef";
	const char *esc = c == '\n' ? "\\n" : c == '\t' ? "\\t" : c == '\r' ? "\\r" :
			  c == '\\' ? "\\\\" : c == '\'' ? "\\'" : NULL;
	char x[5] = { '\\', 'x', hex[c >> 4], hex[c & 15], 0 };
	size_t n;

	if (!esc && (c < 0x20 || c == 0x7f))
		esc = x;
	n = esc ? strlen(esc) : 1;
	if (*o + n > room)
		return false;
	if (esc)
		memcpy(out + *o, esc, n);
	else
		out[*o] = c;
	*o += n;
	return true;
}

const char *sl_q(const char *s)
{
	static __thread char ring[SL_QUOTE_RING][SL_QUOTE_MAX + 8];
	static __thread unsigned int next;
	char *out = ring[next++ % SL_QUOTE_RING];
	size_t o = 0, i;

	if (!s)
		s = "(null)";
	for (i = 0; s[i]; i++) {
		if (!put_escaped(out, &o, SL_QUOTE_MAX, (unsigned char)s[i])) {
			memcpy(out + o, "...", 4);
			return out;
		}
	}
	out[o] = '\0';
	return out;
}

size_t sl_diag_count(void)
{
	return ndiags;
}

const struct sl_diag *sl_diag_get(size_t i)
{
	return i < ndiags ? &diags[i] : NULL;
}

size_t sl_diag_dropped(void)
{
	return ndropped;
}

void sl_diag_clear(void)
{
	ndiags = 0;
	ndropped = 0;
}
