// SPDX-License-Identifier: GPL-2.0
/* sluice exporter: Prometheus metrics. (Being written; see issue 6.) */
#include <errno.h>
#include <stdio.h>

#include "cmd.h"
#include "util.h"

int cmd_exporter(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	sl_err("sluice exporter is not built yet");
	return -ENOSYS;
}

int sl_metrics_write(FILE *f)
{
	(void)f;
	return -ENOSYS;
}
