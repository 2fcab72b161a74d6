/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sluice: feed sources, each opened and read once. A regular file is hashed
 * and then parsed from the same descriptor; anything else (standard input,
 * a pipe, a FIFO, process substitution, a device) is read whole into memory
 * first, so that it is hashed and parsed from the same bytes. Reading is
 * bounded in size and in time.
 */
#ifndef SLUICE_SOURCE_H
#define SLUICE_SOURCE_H

#include <stdbool.h>
#include "sluice.h"

/* The most bytes a source may have (compressed size for gzip files). */
#define SL_SOURCE_MAX_BYTES (256u << 20)
/* Seconds a source may stall (no data, or no writer); $SLUICE_READ_TIMEOUT. */
#define SL_SOURCE_TIMEOUT 60

struct sl_src {
	int fd;		   /* at the start of the bytes; -1 when closed */
	const char *name;  /* for messages: the path, or "<stdin>" */
	bool comparable;   /* a regular file (not stdin): unchanged bytes can be skipped */
};

/*
 * Open path ("-": standard input) and fill rec (path, size, XXH3 hash,
 * mtime). Errors are recorded as FILE: reason.
 */
int sl_source_open(const char *path, struct sl_source *rec, struct sl_src *s);
void sl_source_close(struct sl_src *s);

#endif
