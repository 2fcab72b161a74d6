/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sluice: the commands. Each parses its arguments, calls the core and
 * renders the result with the printer (print.h); it returns 0, a negative
 * errno (its reason recorded, diag.h), or a documented exit status > 1.
 * No command calls another.
 */
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
int cmd_flows(int argc, char **argv);

#endif
