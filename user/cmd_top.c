// SPDX-License-Identifier: GPL-2.0
/* sluice top: live per-class view. (Being written; see issue 6.) */
#include <errno.h>

#include "cmd.h"
#include "util.h"

int cmd_top(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	sl_err("sluice top is not built yet");
	return -ENOSYS;
}
