/* SPDX-License-Identifier: GPL-2.0 */
/* sluice: the declarative configuration file, sluice.conf(5). */
#ifndef SLUICE_CONFIG_H
#define SLUICE_CONFIG_H

#include <net/if.h>
#include <stdbool.h>
#include "classes.h"
#include "pipeline.h"
#include "state.h"

#define SL_DEFAULT_CONFIG "/etc/sluice/sluice.conf"

/* $SLUICE_CONF when set and not empty, else SL_DEFAULT_CONFIG. */
const char *sl_default_config(void);

struct sl_cfg_attach {
	char dev[IF_NAMESIZE];
	int hook;	  /* enum sl_hook */
	int match;	  /* enum sl_match, -1: the hook's default */
	int xdp_mode;	  /* -1 auto, 0 native, 1 generic */
	bool force;
	int line;
};

struct sl_cfg_class {
	char name[SL_NAME_LEN];
	struct sl_class_spec spec;
	bool has_policy;
	char *feeds[SL_MAX_SOURCES];
	int nfeeds;
	struct sl_feed_args fa; /* format, strict and the gates */
	int line;
};

struct sl_cfg {
	const char *path;
	struct sl_sizes sizes;
	char exporter[64];
	struct sl_cfg_attach *attach;
	int nattach;
	struct sl_cfg_class *classes;
	int nclasses;
	/* parsing */
	int line;      /* the line being read, or the one of the error */
	char err[256]; /* the error, without FILE:LINE */
};

/*
 * Parse and check a configuration file. Errors are reported once as
 * FILE:LINE: reason; returns 0 or -EINVAL (-errno when unreadable,
 * -EISDIR for a directory), and on failure frees what it read.
 */
int sl_config_load(const char *path, struct sl_cfg *cfg);
void sl_config_free(struct sl_cfg *cfg);

#endif
