/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sluice: diagnostics. The core never prints: it returns a negative errno
 * and records why, as one sentence, with sl_err() (and sl_warn() for what
 * does not fail the operation). The command layer renders what was
 * recorded through the printer (print.h), or drops it.
 */
#ifndef SLUICE_DIAG_H
#define SLUICE_DIAG_H

#include <stdbool.h>
#include <stddef.h>

struct sl_diag {
	bool warning;
	char msg[1024];
};

/* Record an error sentence (no trailing period, no newline). */
void sl_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Record a warning. */
void sl_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * User input to echo in a message (a class name, file, device, address):
 * control characters, quotes and backslashes escaped (\n, \xNN), cut to
 * SL_QUOTE_MAX characters with "..." after. The result lives in one of
 * SL_QUOTE_RING buffers of the calling thread, so a message may quote up to
 * that many strings at once.
 */
#define SL_QUOTE_MAX 64
#define SL_QUOTE_RING 4
const char *sl_q(const char *s);

/* The recorded diagnostics, oldest first; at most SL_DIAG_MAX are kept. */
#define SL_DIAG_MAX 64
size_t sl_diag_count(void);
const struct sl_diag *sl_diag_get(size_t i);
/* Diagnostics recorded beyond SL_DIAG_MAX (counted, not kept). */
size_t sl_diag_dropped(void);
void sl_diag_clear(void);

#endif
