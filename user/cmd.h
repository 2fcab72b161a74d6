/* SPDX-License-Identifier: GPL-2.0 */
/* sluice: the commands. Each returns 0 or a negative errno. */
#ifndef SLUICE_CMD_H
#define SLUICE_CMD_H

int cmd_attach(int argc, char **argv);
int cmd_detach(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_class(int argc, char **argv);
int cmd_stats(int argc, char **argv);
int cmd_feed(int argc, char **argv);
int cmd_lookup(int argc, char **argv);
int cmd_exporter(int argc, char **argv);
int cmd_top(int argc, char **argv);
int cmd_apply(int argc, char **argv);

#include <stdio.h>
/* Write the Prometheus text exposition of the live state (exporter, stats --prometheus). */
int sl_metrics_write(FILE *f);

/* The --bpffs option, or NULL. */
const char *sl_bpffs(void);

struct sl_ctx;
/* Open the state for a command that only reads (error if not loaded). */
int sl_open_existing(struct sl_ctx *ctx, unsigned int flags);

#endif
