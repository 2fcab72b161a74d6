// SPDX-License-Identifier: GPL-2.0
/* sluice feed load */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <json-c/json.h>

#include "cmd.h"
#include "feed.h"
#include "state.h"
#include "table.h"
#include "util.h"

static int feed_load(int argc, char **argv)
{
	struct sl_pfx_vec vec = { 0 };
	struct sl_class cl;
	struct sl_ctx ctx;
	size_t n4 = 0, i;
	int id, err;

	if (argc < 3) {
		sl_err("usage: sluice feed load CLASS FILE... | -");
		return -EINVAL;
	}
	/* Parse everything before touching any state. */
	for (i = 2; i < (size_t)argc; i++) {
		err = sl_feed_read(argv[i], &vec);
		if (err) {
			sl_pfx_vec_free(&vec);
			return err;
		}
	}
	sl_pfx_normalise(&vec);
	for (i = 0; i < vec.n; i++)
		n4 += vec.v[i].family == 4;

	err = sl_open_existing(&ctx, SL_OPEN_LOCK);
	if (err)
		goto out;
	id = sl_class_find(&ctx, argv[1], &cl);
	if (id < 0 || id == SL_CLASS_DEFAULT) {
		sl_err(id == SL_CLASS_DEFAULT ? "the default class takes no prefixes" :
						"unknown class %s", argv[1]);
		err = -ENOENT;
		goto out;
	}
	err = sl_tables_replace(&ctx, id, vec.v, vec.n);
	if (err) {
		if (err != -E2BIG && err != -ENOSPC)
			sl_err("cannot load the prefixes of class %s: %s", argv[1], strerror(-err));
		goto out;
	}
	if (sl_json) {
		struct json_object *j = json_object_new_object();

		json_object_object_add(j, "class", json_object_new_string(argv[1]));
		json_object_object_add(j, "prefixes_v4", json_object_new_int64(n4));
		json_object_object_add(j, "prefixes_v6", json_object_new_int64(vec.n - n4));
		json_object_object_add(j, "generation", json_object_new_int64(ctx.st.generation));
		sl_json_print(j);
	} else {
		printf("class %s: %zu prefixes loaded (%zu IPv4, %zu IPv6), generation %llu\n",
		       argv[1], vec.n, n4, vec.n - n4, (unsigned long long)ctx.st.generation);
	}
out:
	sl_pfx_vec_free(&vec);
	sl_close(&ctx);
	return err;
}

int cmd_feed(int argc, char **argv)
{
	static const char *const sub[] = { "load" };
	int i;

	if (argc < 2) {
		sl_err("usage: sluice feed load CLASS FILE... | -");
		return -EINVAL;
	}
	i = sl_match_word(argv[1], sub, ARRAY_SIZE(sub));
	if (i < 0) {
		sl_err("unknown feed command '%s' (expected load)", argv[1]);
		return -EINVAL;
	}
	return feed_load(argc - 1, argv + 1);
}
