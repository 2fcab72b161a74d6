// SPDX-License-Identifier: GPL-2.0
/* sluice lookup: the class of addresses, from the live tables (probe.c). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "diag.h"
#include "journal.h"
#include "parse.h"
#include "print.h"
#include "probe.h"

static int lookup_one(struct sl_ctx *ctx, const char *s)
{
	char pbuf[SL_PFX_STRLEN], abuf[SL_PFX_STRLEN];
	struct sl_lookup_result res;
	struct sl_class cl;
	struct sl_pfx a, p;
	int err;

	if (sl_parse_addr(s, &a)) {
		sl_err("bad address '%s'", sl_q(s));
		return -EINVAL;
	}
	err = sl_probe_run(ctx, &a, &res);
	if (err) {
		sl_err("the lookup probe failed: %s", strerror(-err));
		return err;
	}
	if (sl_class_get(ctx, res.class_id, &cl) || !(cl.flags & SL_CLASS_USED))
		snprintf(cl.name, sizeof(cl.name), "#%u", res.class_id);
	p = a;
	p.plen = res.prefixlen;
	sl_pfx_mask(&p);
	sl_fmt_pfx(pbuf, sizeof(pbuf), &p);
	sl_fmt_addr(abuf, sizeof(abuf), &a);

	print_open_object(NULL);
	print_string(PRINT_ANY, "addr", "%s", abuf);
	print_string(PRINT_ANY, "class", " %s", cl.name);
	print_uint(PRINT_JSON, "class_id", NULL, res.class_id);
	print_string(PRINT_ANY, "prefix", " %s\n", res.matched ? pbuf : NULL);
	print_close_object();
	return 0;
}

int cmd_lookup(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "stdin", no_argument, NULL, 's' },
		{}
	};
	bool from_stdin = false;
	struct sl_ctx ctx;
	char line[256];
	int c, i, err;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c != 's')
			return -EINVAL;
		from_stdin = true;
	}
	if (from_stdin == (optind < argc)) {
		sl_err("usage: sluice lookup ADDR... | sluice lookup --stdin");
		return -EINVAL;
	}
	err = sl_open_existing(&ctx, 0);
	if (err)
		goto out;
	print_open_array(NULL);
	for (i = optind; i < argc && !err; i++)
		err = lookup_one(&ctx, argv[i]);
	while (from_stdin && !err && fgets(line, sizeof(line), stdin)) {
		char *s = line + strspn(line, " \t");

		s[strcspn(s, " \t\r\n#")] = '\0';
		if (*s)
			err = lookup_one(&ctx, s);
	}
	print_close_array();
out:
	sl_close(&ctx);
	return err;
}
