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
