// SPDX-License-Identifier: GPL-2.0
/*
 * The configuration reader (user/config.c): the syntax, lines of any
 * length, the line of each error, and nothing leaked on an error path
 * (the tests run under AddressSanitizer with leak detection).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "config.h"
#include "diag.h"

static char path[64];

/* Write text to a fresh file and load it; the error message in *msg. */
static int load(const char *text, struct sl_cfg *cfg, const char **msg)
{
	int fd;

	snprintf(path, sizeof(path), "/tmp/sluice-test-conf.XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	sl_diag_clear();
	fd = sl_config_load(path, cfg);
	unlink(path);
	*msg = sl_diag_count() ? sl_diag_get(0)->msg : "";
	return fd;
}

/* The load fails with a message that has ":LINE: " and then want. */
static void load_err(const char *text, int line, const char *want)
{
	struct sl_cfg cfg;
	const char *msg;
	char at[32];

	assert_int_equal(load(text, &cfg, &msg), -EINVAL);
	snprintf(at, sizeof(at), ":%d: ", line);
	if (!strstr(msg, at) || !strstr(msg, want))
		fail_msg("got '%s', want line %d and '%s'", msg, line, want);
	assert_int_equal(cfg.nclasses, 0); /* freed */
}

static void test_syntax(void **state)
{
	struct sl_cfg cfg;
	const char *msg;

	(void)state;
	assert_int_equal(load("\xef\xbb\xbf# a comment\n; another\n\n[global]\n"
			      "max_classes = 64 ; the slots\n"
			      "[attach veth0]\nhook = xdp, tc-egress\nmatch: dst\n"
			      "[class blk]\npolicy = drop\nfeed = /a\n  /b # not a comment\n"
			      "\t/c\n[ class blk ]\nfeed=/d\n",
			      &cfg, &msg), 0);
	assert_int_equal(cfg.sizes.max_classes, 64);
	assert_int_equal(cfg.nattach, 2);
	assert_int_equal(cfg.attach[1].match, 1);
	assert_int_equal(cfg.attach[0].line, 7);
	assert_int_equal(cfg.nclasses, 1);
	assert_int_equal(cfg.classes[0].line, 10);
	assert_int_equal(cfg.classes[0].nfeeds, 4);
	assert_string_equal(cfg.classes[0].feeds[1], "/b # not a comment");
	assert_string_equal(cfg.classes[0].feeds[3], "/d");
	sl_config_free(&cfg);
}

/* A feed path of 5,000 characters is one value, and the lines after it count right. */
static void test_long_line(void **state)
{
	char *text = malloc(6000), *p;
	struct sl_cfg cfg;
	const char *msg;

	(void)state;
	p = text + sprintf(text, "[class a]\npolicy = pass\nfeed = /");
	memset(p, 'x', 5000);
	strcpy(p + 5000, "\n\nbogus = 1\n");
	load_err(text, 5, "unknown key 'bogus' in [class a]");
	strcpy(p + 5000, "\n");
	assert_int_equal(load(text, &cfg, &msg), 0);
	assert_int_equal(strlen(cfg.classes[0].feeds[0]), 5001);
	sl_config_free(&cfg);
	free(text);
}

static void test_errors(void **state)
{
	(void)state;
	load_err("[bogus]\n", 1, "unknown section [bogus]");
	load_err("[class a\npolicy = pass\n", 1, "unclosed section header '[class a'");
	load_err("[global]\n[class a]\n[class b]\npolicy = pass\n", 2, "[class a] is empty");
	load_err("[class a]\npolicy = pass\n[attach eth0]\n", 3, "[attach eth0] is empty");
	load_err("policy = pass\n", 1, "before any [section]");
	load_err("[class a]\npolicy pass\n", 2, "syntax error");
	load_err("[class a] x\n", 1, "text after the section header");
	load_err("[class a]\npolicy = pass\nfeed = /x\n[class b]\npolicy = bogus\n", 5,
		 "bad policy 'bogus'");
	load_err("[class a]\nfeed = /x\npolicy = police\n", 2, "needs a rate");
	load_err("[attach eth0]\nhook = xdp, bogus\n", 2, "bad hook 'bogus'");
	load_err("[attach eth0]\nmatch = dst\n", 2, "'match' before 'hook'");
	load_err("[class default]\npolicy = pass\n", 1, "bad class name 'default'");
	load_err("[global]\nexporter = 127.0.0.1:9999999\n", 2, "bad exporter");
}

static void test_directory(void **state)
{
	struct sl_cfg cfg;

	(void)state;
	sl_diag_clear();
	assert_int_equal(sl_config_load("/tmp", &cfg), -EISDIR);
	assert_non_null(strstr(sl_diag_get(0)->msg, "is a directory"));
	assert_int_equal(sl_config_load("/nonexistent/sluice.conf", &cfg), -ENOENT);
	sl_diag_clear();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_syntax),
		cmocka_unit_test(test_long_line),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_directory),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
