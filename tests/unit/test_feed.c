// SPDX-License-Identifier: GPL-2.0
/*
 * Reading feed files (user/feed.c): plain, CRLF, gzip, truncated gzip,
 * standard input, and the FILE:LINE: reason messages on stderr. Most
 * cases are rows of feed_cases[], run by one harness.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>
#include <zlib.h>
#include <cmocka.h>

#include "parse.h"
#include "prefix.h"
#include "feed.h"
#include "print.h"

#define TMPL "/tmp/sluice-unit-XXXXXX"

/* Temporary files of the running test, removed by the teardown. */
#define MAX_TMP 16
static char tmp_paths[MAX_TMP][sizeof(TMPL)];
static int n_tmp;

static int teardown(void **state)
{
	int i;

	(void)state;
	for (i = 0; i < n_tmp; i++)
		unlink(tmp_paths[i]);
	n_tmp = 0;
	return 0;
}

static const char *new_tmp(int *fd)
{
	char *path;

	assert_true(n_tmp < MAX_TMP);
	path = tmp_paths[n_tmp];
	strcpy(path, TMPL);
	*fd = mkstemp(path);
	assert_true(*fd >= 0);
	n_tmp++;
	return path;
}

static void write_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len) {
		ssize_t n = write(fd, p, len);

		assert_true(n > 0);
		p += n;
		len -= n;
	}
}

/* A temporary file holding data. */
static const char *tmp_file(const void *data, size_t len)
{
	int fd;
	const char *path = new_tmp(&fd);

	write_all(fd, data, len);
	close(fd);
	return path;
}

/* A temporary gzip file holding data compressed. */
static const char *tmp_gz(const void *data, size_t len)
{
	int fd;
	const char *path = new_tmp(&fd);
	gzFile gz;

	close(fd);
	gz = gzopen(path, "wb9");
	assert_non_null(gz);
	if (len)
		assert_int_equal(gzwrite(gz, data, len), len);
	assert_int_equal(gzclose(gz), Z_OK);
	return path;
}

static void *slurp(const char *path, size_t *len)
{
	struct stat sb;
	char *buf;
	int fd = open(path, O_RDONLY);
	ssize_t n;

	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &sb), 0);
	buf = malloc(sb.st_size + 1);
	assert_non_null(buf);
	n = read(fd, buf, sb.st_size);
	assert_int_equal(n, sb.st_size);
	buf[n] = '\0';
	close(fd);
	*len = n;
	return buf;
}

/*
 * stderr, captured into a temporary file while a feed is read. The file is
 * removed when read back (and left for inspection if the test crashes).
 */
struct capture {
	int saved;
	int fd;
	char path[sizeof(TMPL)];
};

static void capture_start(struct capture *c)
{
	fflush(stderr);
	strcpy(c->path, TMPL);
	c->fd = mkstemp(c->path);
	assert_true(c->fd >= 0);
	c->saved = dup(STDERR_FILENO);
	assert_true(c->saved >= 0);
	assert_true(dup2(c->fd, STDERR_FILENO) >= 0);
}

/* Restore stderr and return what was written to it (to free). */
static char *capture_end(struct capture *c)
{
	size_t len;
	char *text;

	print_diags(); /* what the parsers recorded, as the CLI shows it */
	fflush(stderr);
	assert_true(dup2(c->saved, STDERR_FILENO) >= 0);
	close(c->saved);
	close(c->fd);
	text = slurp(c->path, &len);
	unlink(c->path);
	return text;
}

/* sl_feed_read with stderr captured into *err (to free). */
static int read_feed(const char *path, struct sl_pfx_vec *vec, char **err)
{
	struct capture c;
	int rc;

	capture_start(&c);
	rc = sl_feed_read(path, vec);
	*err = capture_end(&c);
	return rc;
}

static int read_feed_opts(const char *path, const struct sl_feed_opts *o, struct sl_pfx_vec *vec,
			  struct sl_feed_stats *st, char **err)
{
	struct capture c;
	int rc;

	capture_start(&c);
	rc = sl_feed_read_opts(path, o, vec, st);
	*err = capture_end(&c);
	return rc;
}

/* Expect vec to hold exactly the prefixes listed, in order. */
static void check_vec(const struct sl_pfx_vec *vec, const char *const *want, size_t n)
{
	char b[SL_PFX_STRLEN];
	size_t i;

	assert_int_equal(vec->n, n);
	for (i = 0; i < n; i++) {
		sl_fmt_pfx(b, sizeof(b), &vec->v[i]);
		assert_string_equal(b, want[i]);
	}
}

#define CHECK_VEC(vec, want) check_vec(vec, want, sizeof(want) / sizeof(want[0]))

/* "sluice: PATH<rest>\n", the form of every message. */
static void check_msg(const char *got, const char *path, const char *rest)
{
	char want[512];

	snprintf(want, sizeof(want), "sluice: %s%s\n", path, rest);
	assert_string_equal(got, want);
}

static const char plain[] = "192.0.2.0/24\n"
			    "10.0.0.0/8\n"
			    "2001:db8::/32\n"
			    "198.51.100.7\n"
			    "2001:db8::1\n"
			    "203.0.113.0-203.0.113.5\n";
static const char *const plain_want[] = {
	"192.0.2.0/24",	   "10.0.0.0/8",      "2001:db8::/32",	  "198.51.100.7/32",
	"2001:db8::1/128", "203.0.113.0/30", "203.0.113.4/31", NULL,
};
#define N_PLAIN (sizeof(plain_want) / sizeof(plain_want[0]) - 1)

/*
 * One feed read per row: the bytes (plain or gzip) go into a temporary
 * file, which is read with sl_feed_read() or, with opts set, with
 * sl_feed_read_opts() and o; then the return code, everything written to
 * stderr, the prefixes read and the statistics are checked.
 */
#define ANY -1 /* a statistic the row does not check */

struct feed_case {
	const char *name;
	const char *data;
	size_t len; /* 0: strlen(data) */
	bool gz;
	bool opts;
	struct sl_feed_opts o;
	int rc;
	/* stderr, a format with up to three %s for the file's path; NULL: "" */
	const char *msg;
	/* the prefixes read, in order, NULL-terminated; NULL: not checked */
	const char *const *want;
	bool stats; /* check these (ANY: not that one) */
	int lines, entries, invalid, masked, format;
};

#define WANT(...) ((const char *const[]){ __VA_ARGS__, NULL })
#define NONE ((const char *const[]){ NULL })
#define STATS(l, e, i, m, f) \
	.stats = true, .lines = (l), .entries = (e), .invalid = (i), .masked = (m), .format = (f)
#define AUTO .opts = true, .o = { .format = SL_FMT_AUTO }
#define NOT_IP "not an IPv4 or IPv6 address or prefix"
/* An invalid line between good ones: line 3 of the feed. */
#define BAD_LINE3(line) "192.0.2.0/24\n# comment\n" line "\n10.0.0.0/8\n"
#define MSG3(reason) "sluice: %s:3: " reason "\n"

static const char nul_data[] = "192.0.2.0/24\n198.51.100.1\0junk\n10.0.0.0/8\n";
static const char nul_line[] = "192.0.2.0/24\n\0\n10.0.0.0/8\n";
static const char invalid_lines[] = "bad1\n192.0.2.0/24\nbad3\nbad4\n10.0.0.0/8\nbad6\n";
static const char ipset[] = "create bl hash:net family inet\n"
			    "add bl 192.0.2.0/24\n"
			    "add bl 10.0.0.1 timeout 0\n"
			    "add bl 198.51.100.0-198.51.100.1\n";
#define IPSET_WANT WANT("192.0.2.0/24", "10.0.0.1/32", "198.51.100.0/31")

static const struct feed_case feed_cases[] = {
	{ "plain", plain, .want = plain_want },
	{ "gzip", plain, .gz = true, .want = plain_want },
	{ "no final newline", "192.0.2.0/24\n10.0.0.0/8",
	  .want = WANT("192.0.2.0/24", "10.0.0.0/8") },
	{ "crlf",
	  "192.0.2.0/24\r\n"
	  "# comment\r\n"
	  "\r\n"
	  "2001:db8::/32 ; trailing\r\n"
	  "10.0.0.1\r\n"
	  "10.0.0.2\r",
	  .want = WANT("192.0.2.0/24", "2001:db8::/32", "10.0.0.1/32", "10.0.0.2/32") },
	/* The CR of a CRLF line end is not part of the line: an error names line 2 only. */
	{ "crlf error line", "192.0.2.0/24\r\nbogus\r\n10.0.0.0/8\r\n", .rc = -EINVAL,
	  .msg = "sluice: %s:2: " NOT_IP "\n" },
	{ "comments",
	  "# a FireHOL-style header\n"
	  "; a Spamhaus-style header\n"
	  "\n"
	  "   \n"
	  "\t\n"
	  "   # indented comment\n"
	  "192.0.2.0/24 # trailing comment\n"
	  "\t10.0.0.0/8\t; SBL123\n"
	  "#198.51.100.0/24\n"
	  "  2001:db8::/48  \n",
	  .want = WANT("192.0.2.0/24", "10.0.0.0/8", "2001:db8::/48") },
	{ "empty", "", .want = NONE },
	{ "only comments", "# nothing\n\n; here\n", .want = NONE },
	{ "empty gzip", "", .gz = true, .want = NONE },
	{ "invalid: not an address", BAD_LINE3("hello"), .rc = -EINVAL, .msg = MSG3(NOT_IP) },
	{ "invalid: /33", BAD_LINE3("192.0.2.0/33"), .rc = -EINVAL,
	  .msg = MSG3("prefix length above 32") },
	{ "invalid: /129", BAD_LINE3("2001:db8::/129 # c"), .rc = -EINVAL,
	  .msg = MSG3("prefix length above 128") },
	{ "invalid: length", BAD_LINE3("192.0.2.0/x"), .rc = -EINVAL,
	  .msg = MSG3("bad prefix length") },
	{ "invalid: two fields", BAD_LINE3("192.0.2.1 192.0.2.2"), .rc = -EINVAL,
	  .msg = MSG3("more than one field (expected one address, prefix or range)") },
	{ "invalid: two fields, tab", BAD_LINE3("192.0.2.1\t192.0.2.2 # c"), .rc = -EINVAL,
	  .msg = MSG3("more than one field (expected one address, prefix or range)") },
	{ "invalid: range", BAD_LINE3("192.0.2.9-192.0.2.1"), .rc = -EINVAL,
	  .msg = MSG3("range ends before it starts") },
	/* Several invalid lines: each is counted, the first ones are reported. */
	{ "invalid lines reported", invalid_lines, .opts = true,
	  .o = { .format = SL_FMT_AUTO, .max_report = 2 },
	  .msg = "sluice: %s:1: " NOT_IP "\n"
		 "sluice: %s:3: " NOT_IP "\n"
		 "sluice: %s: 2 more invalid lines not shown\n",
	  .want = WANT("192.0.2.0/24", "10.0.0.0/8"), STATS(6, 2, 4, ANY, SL_FMT_PLAIN) },
	/* strict: the first invalid line fails the read, and reading stops */
	{ "invalid lines, strict", invalid_lines, .opts = true,
	  .o = { .format = SL_FMT_AUTO, .max_report = 2, .strict = true }, .rc = -EINVAL,
	  .msg = "sluice: %s:1: " NOT_IP "\n", STATS(1, ANY, 1, ANY, ANY) },
	/* host bits: masked, with a warning; refused with --strict */
	{ "host bits", "192.0.2.0/24\n192.0.2.1/24\n", AUTO,
	  .msg = "sluice: warning: %s:2: host bits set, masked\n",
	  .want = WANT("192.0.2.0/24", "192.0.2.0/24"), STATS(ANY, 2, 0, 1, ANY) },
	{ "host bits, strict", "192.0.2.0/24\n192.0.2.1/24\n", .opts = true,
	  .o = { .format = SL_FMT_AUTO, .strict = true }, .rc = -EINVAL,
	  .msg = "sluice: %s:2: host bits set (--strict)\n" },
	{ "NUL byte", nul_data, sizeof(nul_data) - 1, .rc = -EINVAL,
	  .msg = "sluice: %s:2: NUL byte in line\n" },
	/* the rest of the line is skipped, and reading goes on */
	{ "NUL byte, not fatal", nul_data, sizeof(nul_data) - 1, AUTO,
	  .msg = "sluice: %s:2: NUL byte in line\n", .want = WANT("192.0.2.0/24", "10.0.0.0/8"),
	  STATS(3, ANY, 1, ANY, ANY) },
	/* a line of one NUL byte is not a blank line */
	{ "NUL line", nul_line, sizeof(nul_line) - 1, .rc = -EINVAL,
	  .msg = "sluice: %s:2: NUL byte in line\n" },
	{ "ipset", ipset, AUTO, .want = IPSET_WANT, STATS(ANY, 3, ANY, ANY, SL_FMT_IPSET) },
	/* CRLF, and a blank line first: the format comes from the first data line */
	{ "ipset, crlf",
	  "\r\n"
	  "create bl hash:net family inet\r\n"
	  "add bl 192.0.2.0/24\r\n"
	  "add bl 10.0.0.1 timeout 0\r\n"
	  "add bl 198.51.100.0-198.51.100.1\r\n",
	  AUTO, .want = IPSET_WANT, STATS(ANY, ANY, ANY, ANY, SL_FMT_IPSET) },
	{ "registry csv",
	  "Updated: 2026-11-01 10:00:00 +0000\n"
	  "192.0.2.1 | 192.0.2.2;Example;http://x;2020\n"
	  "2001:db8:1::/48;\xe9t\xe9;;\n",
	  AUTO, .want = WANT("192.0.2.1/32", "192.0.2.2/32", "2001:db8:1::/48"),
	  STATS(ANY, 2, ANY, ANY, SL_FMT_CSV) },
};

static void check_stat(const char *what, int want, __u64 got)
{
	if (want != ANY && got != (__u64)want)
		fail_msg("%s: %llu, expected %d", what, (unsigned long long)got, want);
}

static void test_feed_case(void **state)
{
	const struct feed_case *c = *state;
	size_t len = c->len ? c->len : strlen(c->data), n = 0;
	const char *path = c->gz ? tmp_gz(c->data, len) : tmp_file(c->data, len);
	struct sl_feed_stats st = { 0 };
	struct sl_pfx_vec vec = { 0 };
	char want[1024], *err;
	int rc;

	if (c->opts)
		rc = read_feed_opts(path, &c->o, &vec, &st, &err);
	else
		rc = read_feed(path, &vec, &err);
	assert_int_equal(rc, c->rc);
	snprintf(want, sizeof(want), c->msg ? c->msg : "", path, path, path);
	assert_string_equal(err, want);
	free(err);
	if (c->want) {
		while (c->want[n])
			n++;
		check_vec(&vec, c->want, n);
	}
	if (c->stats) {
		check_stat("lines", c->lines, st.lines);
		check_stat("entries", c->entries, st.entries);
		check_stat("invalid", c->invalid, st.invalid);
		check_stat("masked", c->masked, st.masked);
		check_stat("format", c->format, st.format);
	}
	sl_pfx_vec_free(&vec);
}

/* Reading appends to what the vector holds. */
static void test_appends(void **state)
{
	static const char *const want[] = { "192.0.2.0/24", "10.0.0.0/8", "192.0.2.0/24",
					    "10.0.0.0/8" };
	static const char data[] = "192.0.2.0/24\n10.0.0.0/8\n";
	struct sl_pfx_vec vec = { 0 };
	const char *path = tmp_file(data, strlen(data));
	char *err;

	(void)state;
	assert_int_equal(read_feed(path, &vec, &err), 0);
	free(err);
	assert_int_equal(read_feed(path, &vec, &err), 0);
	free(err);
	CHECK_VEC(&vec, want);
	sl_pfx_vec_free(&vec);
}

/* A line of n bytes: spaces, then an address. */
static void fill_line(char *buf, size_t n, const char *addr)
{
	size_t a = strlen(addr);

	memset(buf, ' ', n - a);
	memcpy(buf + n - a, addr, a);
}

static void test_long_lines(void **state)
{
	const size_t huge = 200000; /* spans several reads of the reader's buffer */
	struct sl_feed_opts o = { .format = SL_FMT_AUTO, .max_report = 10 };
	struct sl_feed_stats st = { 0 };
	struct sl_pfx_vec vec = { 0 };
	char *data = malloc(SL_FEED_MAX_LINE + 64), want_msg[1024], reason[128], *err;
	const char *path;
	size_t n;

	(void)state;
	assert_non_null(data);
	/* a huge line, then an invalid one: the line count stays right */
	fill_line(data, huge, "192.0.2.3");
	n = huge;
	n += sprintf(data + n, "\n10.0.0.0/8\nbogus\n198.51.100.0/24");
	path = tmp_file(data, n);
	assert_int_equal(read_feed_opts(path, &o, &vec, &st, &err), 0);
	snprintf(want_msg, sizeof(want_msg),
		 "sluice: %s:3: not an IPv4 or IPv6 address or prefix\n", path);
	assert_string_equal(err, want_msg);
	free(err);
	assert_int_equal(st.lines, 4);
	assert_int_equal(st.entries, 3);
	assert_int_equal(st.invalid, 1);
	assert_int_equal(vec.n, 3);
	sl_pfx_vec_free(&vec);

	/* the longest line accepted: SL_FEED_MAX_LINE - 1 bytes */
	fill_line(data, SL_FEED_MAX_LINE - 1, "192.0.2.1");
	data[SL_FEED_MAX_LINE - 1] = '\n';
	path = tmp_file(data, SL_FEED_MAX_LINE);
	assert_int_equal(read_feed(path, &vec, &err), 0);
	assert_int_equal(vec.n, 1);
	assert_string_equal(err, "");
	free(err);
	sl_pfx_vec_free(&vec);

	/* one byte more fails the whole read, even with invalid lines allowed */
	fill_line(data, SL_FEED_MAX_LINE, "192.0.2.2");
	memcpy(data + SL_FEED_MAX_LINE, "\n10.0.0.0/8\n", 12);
	path = tmp_file(data, SL_FEED_MAX_LINE + 12);
	memset(&st, 0, sizeof(st));
	assert_int_equal(read_feed_opts(path, &o, &vec, &st, &err), -E2BIG);
	snprintf(reason, sizeof(reason), ":1: line longer than %d bytes; the file is refused",
		 SL_FEED_MAX_LINE - 1);
	check_msg(err, path, reason);
	free(err);
	assert_int_equal(st.invalid, 0);
	free(data);
	sl_pfx_vec_free(&vec);
}

/*
 * A registry dump line of n addresses (192.0.2.x and 10.x.y.z) in its first
 * field, then other fields of pad bytes.
 */
static size_t csv_long_line(char *p, int n, size_t pad)
{
	char *start = p;
	int i;

	for (i = 0; i < n; i++)
		p += sprintf(p, "%s10.%d.%d.%d", i ? " | " : "", i / 65536, i / 256 % 256,
			     i % 256);
	p += sprintf(p, ";");
	memset(p, 'x', pad);
	p += pad;
	p += sprintf(p, ";http://example.org/;Org;1;2020-02-16\n");
	return p - start;
}

/* Registry lines of any length: every address of the first field is read. */
static void test_csv_long(void **state)
{
	struct sl_feed_opts o = { .format = SL_FMT_AUTO };
	struct sl_feed_stats st = { 0 };
	struct sl_pfx_vec vec = { 0 };
	char *data = malloc(1 << 20), *p = data, *err;
	const char *path;
	int pass;

	(void)state;
	assert_non_null(data);
	p += sprintf(p, "Updated: 2020-02-16 10:00:00 +0000\n");
	p += sprintf(p, "192.0.2.1;short;;\n");
	/* 352 addresses and 70,000 bytes of other fields */
	p += csv_long_line(p, 352, 70000);
	/* 6,000 addresses: a first field of more than 64 KiB */
	p += csv_long_line(p, 6000, 10);
	p += sprintf(p, "192.0.2.2 | 192.0.2.3;last;;\n");
	assert_true(p - data > 150000);
	for (pass = 0; pass < 2; pass++) {
		path = pass ? tmp_gz(data, p - data) : tmp_file(data, p - data);
		memset(&st, 0, sizeof(st));
		assert_int_equal(read_feed_opts(path, &o, &vec, &st, &err), 0);
		assert_string_equal(err, "");
		free(err);
		assert_int_equal(st.format, SL_FMT_CSV);
		assert_int_equal(st.lines, 5);
		assert_int_equal(st.invalid, 0);
		assert_int_equal(st.entries, 4);
		assert_int_equal(vec.n, 1 + 352 + 6000 + 2);
		assert_int_equal(sl_pfx_normalise(&vec), 0);
		/* 10.0.0.0 - 10.0.23.111 (6,000 hosts) and 192.0.2.1-3 */
		assert_int_equal(vec.n, 6000 + 3);
		sl_pfx_vec_free(&vec);
	}

	/* without the header, the long first line is still seen as a dump */
	p = data;
	p += csv_long_line(p, 6000, 70000);
	path = tmp_file(data, p - data);
	memset(&st, 0, sizeof(st));
	assert_int_equal(read_feed_opts(path, &o, &vec, &st, &err), 0);
	assert_string_equal(err, "");
	free(err);
	assert_int_equal(st.format, SL_FMT_CSV);
	assert_int_equal(vec.n, 6000);
	sl_pfx_vec_free(&vec);
	free(data);
}

/* Invalid registry lines: FILE:LINE: reason, and none of their prefixes. */
static void test_csv_invalid(void **state)
{
	static const char data[] = "Updated: x\n"
				   "192.0.2.1 | bogus | 192.0.2.2;a;b\n"
				   "\r\n"
				   "   # comment\n"
				   ";no first field\n"
				   "10.0.0.1 |  | 10.0.0.2 ;a\r\n"
				   " | ;a\n";
	static const char *const want[] = { "10.0.0.1/32", "10.0.0.2/32" };
	struct sl_feed_opts o = { .format = SL_FMT_CSV };
	struct sl_feed_stats st = { 0 };
	struct sl_pfx_vec vec = { 0 };
	const char *path = tmp_file(data, strlen(data));
	char want_msg[1024], *err;

	(void)state;
	assert_int_equal(read_feed_opts(path, &o, &vec, &st, &err), 0);
	snprintf(want_msg, sizeof(want_msg),
		 "sluice: %s:2: not an IPv4 or IPv6 address or prefix\n"
		 "sluice: %s:7: no address in the first field\n",
		 path, path);
	assert_string_equal(err, want_msg);
	free(err);
	CHECK_VEC(&vec, want);
	assert_int_equal(st.invalid, 2);
	assert_int_equal(st.entries, 1);
	sl_pfx_vec_free(&vec);
}

static const char rir[] = "# a comment\n"
			  "2.3|ripencc|1700000000|7|19830705|20231114|+0100\n"
			  "ripencc|*|ipv4|*|4|summary\n"
			  "ripencc|*|asn|*|1|summary\n"
			  "ripencc|*|ipv6|*|1|summary\n"
			  "ripencc|FR|ipv4|2.0.0.0|1048576|20100712|allocated\n"
			  "ripencc|DE|ipv4|5.1.0.0|768|20100712|assigned\n"
			  "ripencc|de|ipv6|2001:db8::|32|20100712|allocated|0a1b\n"
			  "ripencc|EU|asn|3333|1|19930901|allocated\n"
			  "ripencc||ipv4|9.0.0.0|256||available\n"
			  "ripencc|ZZ|ipv4|9.1.0.0|256||reserved\n"
			  "ripencc|NL|ipv4|192.0.2.0|3|20100712|assigned\r\n";

static void test_rir(void **state)
{
	static const char *const want[] = { "2.0.0.0/12",	"5.1.0.0/23",	"5.1.2.0/24",
					    "2001:db8::/32", "192.0.2.0/31", "192.0.2.2/32" };
	static const char *const want_de[] = { "5.1.0.0/23", "5.1.2.0/24", "2001:db8::/32" };
	struct sl_feed_opts o = { .format = SL_FMT_AUTO };
	struct sl_feed_stats st = { 0 };
	struct sl_pfx_vec vec = { 0 };
	const char *path = tmp_file(rir, strlen(rir)), *why;
	char *err;

	(void)state;
	assert_int_equal(read_feed_opts(path, &o, &vec, &st, &err), 0);
	assert_string_equal(err, "");
	free(err);
	assert_int_equal(st.format, SL_FMT_RIR);
	assert_int_equal(st.entries, 4);
	assert_int_equal(st.invalid, 0);
	CHECK_VEC(&vec, want);
	sl_pfx_vec_free(&vec);

	/* a country selection, case-insensitive */
	assert_int_equal(sl_feed_parse_cc("de", &o, &why), 0);
	memset(&st, 0, sizeof(st));
	assert_int_equal(read_feed_opts(path, &o, &vec, &st, &err), 0);
	assert_string_equal(err, "");
	free(err);
	CHECK_VEC(&vec, want_de);
	sl_pfx_vec_free(&vec);

	assert_int_equal(sl_feed_parse_cc("Nl, fr", &o, &why), 0);
	o.format = SL_FMT_RIR;
	assert_int_equal(read_feed_opts(path, &o, &vec, &st, &err), 0);
	free(err);
	assert_int_equal(vec.n, 3);
	sl_pfx_vec_free(&vec);

	/* a country no record has: nothing */
	assert_int_equal(sl_feed_parse_cc("JP", &o, &why), 0);
	assert_int_equal(read_feed_opts(path, &o, &vec, &st, &err), 0);
	free(err);
	assert_int_equal(vec.n, 0);
}

static void test_rir_invalid(void **state)
{
	static const char *const cases[][2] = {
		{ "ripencc|FR|ipv4|2.0.0.0|1048576|20100712",
		  ":3: RIR record with fewer than 7 fields (registry|cc|type|start|value|date|status)" },
		{ "ripencc|FR|ipx|2.0.0.0|1|2010|allocated",
		  ":3: RIR record of an unknown type (expected ipv4, ipv6 or asn)" },
		{ "ripencc|FR|ipv4|2.0.0.0|1|2010|stolen",
		  ":3: RIR record of an unknown status (expected allocated, assigned, available or "
		  "reserved)" },
		{ "ripencc|FR|ipv4|2001:db8::|1|2010|allocated",
		  ":3: RIR record: start is not an IPv4 address" },
		{ "ripencc|FR|ipv6|2.0.0.0|32|2010|allocated",
		  ":3: RIR record: start is not an IPv6 address" },
		{ "ripencc|FR|ipv4|2.0.0.0|0|2010|allocated", ":3: RIR record: address count of 0" },
		{ "ripencc|FR|ipv4|2.0.0.0|-1|2010|allocated",
		  ":3: RIR record: value is not a number" },
		{ "ripencc|FR|ipv4|255.255.255.0|257|2010|allocated",
		  ":3: RIR record: address count beyond 255.255.255.255" },
		{ "ripencc|FR|ipv6|2001:db8::|129|2010|allocated",
		  ":3: RIR record: IPv6 prefix length above 128" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sl_pfx_vec vec = { 0 };
		char data[512], *err;
		const char *path;

		snprintf(data, sizeof(data),
			 "2|ripencc|1|2|19830705|20231114|+0100\n"
			 "ripencc|FR|ipv4|2.0.0.0|256|20100712|allocated\n%s\n",
			 cases[i][0]);
		path = tmp_file(data, strlen(data));
		assert_int_equal(read_feed(path, &vec, &err), -EINVAL);
		check_msg(err, path, cases[i][1]);
		free(err);
		assert_int_equal(vec.n, 1);
		sl_pfx_vec_free(&vec);
		teardown(NULL);
	}
}

static void test_cc_parse(void **state)
{
	static const char *const bad[] = { "", "D", "DEU", "DE,", ",DE", "DE FR", "D1", "DE;FR" };
	struct sl_feed_opts o = { 0 };
	const char *why;
	char buf[64];
	size_t i;

	(void)state;
	assert_int_equal(sl_feed_parse_cc(" fr,DE , de,at ", &o, &why), 0);
	assert_true(o.has_cc);
	sl_feed_fmt_cc(buf, sizeof(buf), &o);
	assert_string_equal(buf, "AT,DE,FR");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct sl_feed_opts b = { 0 };

		if (sl_feed_parse_cc(bad[i], &b, &why) != -EINVAL)
			fail_msg("country list '%s' accepted", bad[i]);
		assert_false(b.has_cc);
	}
	memset(&o, 0, sizeof(o));
	sl_feed_fmt_cc(buf, sizeof(buf), &o);
	assert_string_equal(buf, "");
}

/* A country selection on a file that is not RIR delegated stats fails. */
static void test_cc_other_format(void **state)
{
	struct sl_feed_opts o = { .format = SL_FMT_AUTO };
	struct sl_feed_stats st = { 0 };
	struct sl_pfx_vec vec = { 0 };
	const char *path = tmp_file(plain, strlen(plain)), *why;
	char *err;

	(void)state;
	assert_int_equal(sl_feed_parse_cc("DE", &o, &why), 0);
	assert_int_equal(read_feed_opts(path, &o, &vec, &st, &err), -EINVAL);
	check_msg(err, path,
		  ":1: a country selection (cc) needs RIR delegated stats, and this is plain");
	free(err);
	sl_pfx_vec_free(&vec);
}

static const char drop_json[] =
	"{\"cidr\":\"1.10.16.0/20\",\"sblid\":\"SBL256894\",\"rir\":\"apnic\"}\n"
	"{\"cidr\":\"2001:db8::/32\",\"sblid\":\"SBL1\",\"rir\":\"ripencc\"}\r\n"
	"\n"
	"{\"type\":\"metadata\",\"timestamp\":1732000000,\"size\":123,\"records\":2,"
	"\"copyright\":\"(c) 2024 The Spamhaus Project SLU\",\"terms\":\"https://x\"}\n";

static void test_json(void **state)
{
	static const char *const want[] = { "1.10.16.0/20", "2001:db8::/32" };
	struct sl_feed_opts o = { .format = SL_FMT_AUTO };
	struct sl_feed_stats st = { 0 };
	struct sl_pfx_vec vec = { 0 };
	const char *path = tmp_file(drop_json, strlen(drop_json));
	char *err;

	(void)state;
	assert_int_equal(read_feed_opts(path, &o, &vec, &st, &err), 0);
	assert_string_equal(err, "");
	free(err);
	assert_int_equal(st.format, SL_FMT_JSON);
	assert_int_equal(st.entries, 2);
	CHECK_VEC(&vec, want);
	sl_pfx_vec_free(&vec);
}

static void test_json_invalid(void **state)
{
	static const char *const cases[][2] = {
		{ "{\"cidr\":\"1.2.3.0/24\"", ":2: not a JSON object" },
		{ "{\"cidr\":\"1.2.3.0/24\"} x", ":2: not a JSON object" },
		{ "[\"1.2.3.0/24\"]", ":2: not a JSON object" },
		{ "1.2.3.0/24", ":2: not a JSON object" },
		{ "{\"sblid\":\"SBL1\"}", ":2: JSON object without a \"cidr\" string" },
		{ "{\"cidr\":17}", ":2: JSON object without a \"cidr\" string" },
		{ "{\"cidr\":\"1.2.3.0/33\"}", ":2: prefix length above 32" },
		{ "{\"cidr\":\"bogus\"}", ":2: not an IPv4 or IPv6 address or prefix" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sl_pfx_vec vec = { 0 };
		char data[512], *err;
		const char *path;

		snprintf(data, sizeof(data), "{\"cidr\":\"192.0.2.0/24\"}\n%s\n", cases[i][0]);
		path = tmp_file(data, strlen(data));
		assert_int_equal(read_feed(path, &vec, &err), -EINVAL);
		check_msg(err, path, cases[i][1]);
		free(err);
		assert_int_equal(vec.n, 1);
		sl_pfx_vec_free(&vec);
		teardown(NULL);
	}
}

/* The formats detected from their first data line; none taken for another. */
static void test_detect(void **state)
{
	static const struct {
		const char *data;
		enum sl_format fmt;
	} cases[] = {
		{ "192.0.2.0/24\n", SL_FMT_PLAIN },
		{ "# FireHOL | netset\n192.0.2.0/24 # a|b|c\n", SL_FMT_PLAIN },
		{ "192.0.2.1-192.0.2.9\n", SL_FMT_PLAIN },
		{ "2001:db8::1\n", SL_FMT_PLAIN },
		{ "; Spamhaus DROP List\n192.0.2.0/24 ; SBL1\n", SL_FMT_PLAIN },
		{ "create bl hash:net\nadd bl 192.0.2.0/24\n", SL_FMT_IPSET },
		{ "add bl 192.0.2.0/24\n", SL_FMT_IPSET },
		{ "Updated: 2026-11-01\n192.0.2.1;x;y\n", SL_FMT_CSV },
		{ "192.0.2.1 | 192.0.2.2;x;y\n", SL_FMT_CSV },
		{ "2001:db8::1;x;y\n", SL_FMT_CSV },
		{ "1.2.3.4 | 5.6.7.8;ripencc;ipv4;\n", SL_FMT_CSV },
		{ "2|ripencc|1|2|19830705|20231114|+0100\n", SL_FMT_RIR },
		{ "#\napnic|JP|ipv4|1.0.16.0|4096|20110412|allocated|A92E1062\n", SL_FMT_RIR },
		{ "arin|*|asn|*|1|summary\n", SL_FMT_RIR },
		{ "{\"cidr\":\"192.0.2.0/24\"}\n", SL_FMT_JSON },
		{ "  {\"type\":\"metadata\"}\n", SL_FMT_JSON },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sl_feed_opts o = { .format = SL_FMT_AUTO };
		struct sl_feed_stats st = { 0 };
		struct sl_pfx_vec vec = { 0 };
		const char *path = tmp_file(cases[i].data, strlen(cases[i].data));
		char *err;

		assert_int_equal(read_feed_opts(path, &o, &vec, &st, &err), 0);
		if (st.format != cases[i].fmt || *err)
			fail_msg("'%s': detected %s, expected %s; %s", cases[i].data,
				 sl_format_names[st.format], sl_format_names[cases[i].fmt], err);
		free(err);
		sl_pfx_vec_free(&vec);
		teardown(NULL);
	}
}

static void test_nul_byte(void **state)
{
	static const char *const want[] = { "192.0.2.0/24", "10.0.0.0/8" };
	static const char data[] = "192.0.2.0/24\n198.51.100.1\0junk\n10.0.0.0/8\n";
	static const char data2[] = "192.0.2.0/24\n\0\n10.0.0.0/8\n";
	struct sl_feed_opts o = { .format = SL_FMT_AUTO };
	struct sl_feed_stats st = { 0 };
	struct sl_pfx_vec vec = { 0 };
	const char *path = tmp_file(data, sizeof(data) - 1);
	char *err;

	(void)state;
	assert_int_equal(read_feed(path, &vec, &err), -EINVAL);
	check_msg(err, path, ":2: NUL byte in line");
	free(err);
	sl_pfx_vec_free(&vec);

	/* the rest of the line is skipped, and reading goes on */
	assert_int_equal(read_feed_opts(path, &o, &vec, &st, &err), 0);
	check_msg(err, path, ":2: NUL byte in line");
	free(err);
	CHECK_VEC(&vec, want);
	assert_int_equal(st.lines, 3);
	assert_int_equal(st.invalid, 1);
	sl_pfx_vec_free(&vec);

	/* a line of one NUL byte is not a blank line */
	path = tmp_file(data2, sizeof(data2) - 1);
	assert_int_equal(read_feed(path, &vec, &err), -EINVAL);
	check_msg(err, path, ":2: NUL byte in line");
	free(err);
	sl_pfx_vec_free(&vec);
}

static void check_same(const struct sl_pfx_vec *a, const struct sl_pfx_vec *b)
{
	size_t i;

	assert_int_equal(a->n, b->n);
	for (i = 0; i < a->n; i++)
		assert_int_equal(sl_pfx_cmp(&a->v[i], &b->v[i]), 0);
}

/* A feed of n lines, IPv4 and IPv6, some with comments and CRLF. */
static char *big_feed(size_t lines, size_t *len)
{
	char *buf = malloc(lines * 64), *p = buf;
	size_t i;

	assert_non_null(buf);
	for (i = 0; i < lines; i++) {
		if (i % 7 == 3)
			p += sprintf(p, "2001:db8:%zx::/48 # %zu\r\n", i, i);
		else if (i % 11 == 5)
			p += sprintf(p, "; comment %zu\n", i);
		else
			p += sprintf(p, "%zu.%zu.%zu.0/24\n", 1 + i / 65536, i / 256 % 256,
				     i % 256);
	}
	*len = p - buf;
	return buf;
}

/* Large enough to need several reads of compressed and plain data alike. */
static void test_gzip_large(void **state)
{
	struct sl_pfx_vec a = { 0 }, b = { 0 };
	size_t len;
	char *data = big_feed(50000, &len), *err;
	const char *p_plain = tmp_file(data, len), *p_gz = tmp_gz(data, len);

	(void)state;
	assert_true(len > 4 * 65536);
	assert_int_equal(read_feed(p_plain, &a, &err), 0);
	free(err);
	assert_int_equal(read_feed(p_gz, &b, &err), 0);
	assert_string_equal(err, "");
	free(err);
	assert_true(a.n > 40000);
	check_same(&a, &b);
	free(data);
	sl_pfx_vec_free(&a);
	sl_pfx_vec_free(&b);
}

/*
 * A plain feed of every kind of line, some in every 1000: hosts, prefixes
 * with and without host bits, CRLF, comments, blanks, IPv6, ranges, two
 * fields, bad lengths and addresses, NUL bytes, a fast-path line cut by a
 * comment. bad_at: the number of the one invalid line, or 0 for lines of
 * every kind.
 */
static char *mixed_feed(size_t lines, size_t bad_at, size_t *len)
{
	char *buf = malloc(lines * 64 + 64), *p = buf;
	unsigned int seed = 11;
	size_t i;

	assert_non_null(buf);
	for (i = 1; i <= lines; i++) {
		unsigned int r = rand_r(&seed), a = rand_r(&seed);

		if (i == bad_at) {
			p += sprintf(p, "the bad line\n");
			continue;
		}
		/* with a bad line placed: no other line --strict refuses */
		if (bad_at && (r % 1000 == 0 || (r % 1000 >= 5 && r % 1000 <= 8)))
			r = 1;
		switch (r % 1000) {
		case 0: p += sprintf(p, "10.%u.%u.7/24\n", a >> 8 & 255, a & 255); break;
		case 1: p += sprintf(p, "# comment %zu\n", i); break;
		case 2: p += sprintf(p, "\n"); break;
		case 3: p += sprintf(p, "2001:db8:%x::/48\n", a & 0xffff); break;
		case 4: p += sprintf(p, "192.0.2.%u-192.0.2.%u\n", a % 100, 100 + a % 100); break;
		case 5: p += sprintf(p, "192.0.2.1 192.0.2.2\n"); break;
		case 6: p += sprintf(p, "10.0.0.0/33\n"); break;
		case 7: p += sprintf(p, "300.1.2.3\n"); break;
		case 8: p += sprintf(p, "10.1.%u.0/24", a & 255); *p++ = '\0'; *p++ = '\n'; break;
		case 9: p += sprintf(p, "10.2.%u.0/24 # cut\n", a & 255); break;
		case 10: p += sprintf(p, "  10.3.%u.0/24\t\n", a & 255); break;
		default:
			p += sprintf(p, "%u.%u.%u.%u%s", a >> 24, a >> 16 & 255, a >> 8 & 255, a & 255,
				     r % 7 ? "\n" : "\r\n");
		}
	}
	*len = p - buf;
	return buf;
}

struct pipe_writer {
	int fd;
	const char *data;
	size_t len;
};

/* Write the data in pieces of 4 KB: a reader of the pipe gets little at a time. */
static void *pipe_write(void *arg)
{
	struct pipe_writer *w = arg;
	size_t off, n;

	for (off = 0; off < w->len; off += n) {
		n = w->len - off < 4096 ? w->len - off : 4096;
		if (write(w->fd, w->data + off, n) != (ssize_t)n)
			break;
	}
	close(w->fd);
	return NULL;
}

/* How read_mixed() gives the data. */
enum { FROM_PIPE, FROM_FILE, FROM_GZIP };

/* One read of data (rc, entries, stats and messages): from a pipe, a file or a gzip file. */
static int read_mixed(const char *data, size_t len, int from, const struct sl_feed_opts *o,
		      struct sl_pfx_vec *vec, struct sl_feed_stats *st, char **msgs)
{
	bool pipe_in = from == FROM_PIPE;
	struct pipe_writer w = { .data = data, .len = len };
	struct capture c;
	pthread_t thr;
	int fd, fds[2], rc;

	if (pipe_in) {
		/* --strict stops reading early: the writer's next write fails */
		signal(SIGPIPE, SIG_IGN);
		assert_int_equal(pipe(fds), 0);
		w.fd = fds[1];
		assert_int_equal(pthread_create(&thr, NULL, pipe_write, &w), 0);
		fd = fds[0];
	} else {
		fd = open(from == FROM_GZIP ? tmp_gz(data, len) : tmp_file(data, len), O_RDONLY);
		assert_true(fd >= 0);
	}
	capture_start(&c);
	rc = sl_feed_read_fd(fd, "feed", o, vec, st);
	*msgs = capture_end(&c);
	close(fd);
	if (pipe_in)
		pthread_join(thr, NULL);
	return rc;
}

/*
 * A large plain file is read in blocks whose halves two threads parse
 * (user/feed.c, read_block); a gzip file's inflating thread parses a share
 * of each chunk it makes (zpipe_parse); a pipe that brings 4 KB at a time
 * is read a line at a time. All give the same entries in the same order,
 * the same counts and the same messages with the same line numbers: every
 * invalid and masked line reported, or --strict stopping at a line past
 * the middle of a block.
 */
static void test_blocks_as_lines(void **state)
{
	struct sl_feed_opts o = { .format = SL_FMT_AUTO, .max_report = 1000000 };
	struct sl_feed_stats st[3];
	struct sl_pfx_vec vec[3];
	size_t len, k, i;
	char *msgs[3];
	int rc[3];

	(void)state;
	for (k = 0; k < 2; k++) {
		/* 200000 lines, about 3 MB; strict: a bad line in the second half of a block */
		char *data = mixed_feed(200000, k ? 150000 : 0, &len);

		o.strict = k;
		for (i = 0; i < 3; i++) {
			memset(&st[i], 0, sizeof(st[i]));
			vec[i] = (struct sl_pfx_vec){ 0 };
			rc[i] = read_mixed(data, len, i, &o, &vec[i], &st[i], &msgs[i]);
		}
		if (k) {
			assert_int_equal(rc[FROM_PIPE], -EINVAL);
			assert_non_null(strstr(msgs[FROM_PIPE], "feed:150000: "));
		} else {
			assert_int_equal(rc[FROM_PIPE], 0);
			assert_true(st[FROM_PIPE].invalid > 500 && st[FROM_PIPE].masked > 100);
			assert_non_null(strstr(msgs[FROM_PIPE], "NUL byte in line"));
			assert_int_equal(st[FROM_PIPE].lines, 200000);
		}
		for (i = FROM_FILE; i <= FROM_GZIP; i++) {
			assert_int_equal(rc[i], rc[FROM_PIPE]);
			assert_string_equal(msgs[i], msgs[FROM_PIPE]);
			assert_int_equal(st[i].lines, st[FROM_PIPE].lines);
			assert_int_equal(st[i].entries, st[FROM_PIPE].entries);
			assert_int_equal(st[i].invalid, st[FROM_PIPE].invalid);
			assert_int_equal(st[i].masked, st[FROM_PIPE].masked);
			if (k)
				continue;
			assert_int_equal(vec[i].n, vec[FROM_PIPE].n);
			assert_memory_equal(vec[i].v, vec[FROM_PIPE].v, vec[i].n * sizeof(*vec[i].v));
		}
		for (i = 0; i < 3; i++) {
			free(msgs[i]);
			sl_pfx_vec_free(&vec[i]);
		}
		free(data);
	}
}

/* A gzip file cut short, at several points, fails the read. */
static void test_gzip_truncated(void **state)
{
	size_t len, gz_len, i;
	char *data = big_feed(20000, &len), *gz, *err;
	const char *p_gz = tmp_gz(data, len);

	(void)state;
	gz = slurp(p_gz, &gz_len);
	assert_true(gz_len > 1000);
	{
		/* all of the data but the CRC and length trailer; half; the header only */
		const size_t cuts[] = { gz_len - 8, gz_len - 1, gz_len / 2, 100, 12 };

		for (i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
			struct sl_pfx_vec vec = { 0 };
			const char *path = tmp_file(gz, cuts[i]);
			int rc = read_feed(path, &vec, &err);

			if (rc == 0)
				fail_msg("gzip file cut to %zu of %zu bytes read without error",
					 cuts[i], gz_len);
			assert_int_equal(rc, -EIO);
			assert_non_null(strstr(err, path));
			assert_non_null(strstr(err, "cannot read"));
			free(err);
			sl_pfx_vec_free(&vec);
		}
	}
	free(gz);
	free(data);
}

/*
 * A gzip stream on a pipe that stops sending but stays open, with a bad
 * line early (--strict): the read fails at that line at once, and the
 * inflating thread, waiting for more input, is stopped (no hang).
 */
static void test_gzip_pipe_stops_early(void **state)
{
	struct sl_feed_opts o = { .format = SL_FMT_AUTO, .strict = true, .max_report = 10 };
	static const char text[] = "192.0.2.1\nbogus\n198.51.100.0/24\n";
	struct sl_feed_stats st = { 0 };
	struct sl_pfx_vec vec = { 0 };
	unsigned char out[4096];
	struct capture c;
	z_stream zs = { 0 };
	int fds[2], rc;
	char *err;

	(void)state;
	assert_int_equal(pipe(fds), 0);
	/* a gzip member begun and flushed, never finished */
	assert_int_equal(deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
	zs.next_in = (unsigned char *)text;
	zs.avail_in = sizeof(text) - 1;
	zs.next_out = out;
	zs.avail_out = sizeof(out);
	assert_int_equal(deflate(&zs, Z_SYNC_FLUSH), Z_OK);
	assert_int_equal(write(fds[1], out, sizeof(out) - zs.avail_out),
			 (ssize_t)(sizeof(out) - zs.avail_out));
	deflateEnd(&zs);
	alarm(20); /* a hang fails the test instead of stalling the suite */
	capture_start(&c);
	rc = sl_feed_read_fd(fds[0], "pipe", &o, &vec, &st);
	err = capture_end(&c);
	alarm(0);
	assert_int_equal(rc, -EINVAL);
	assert_string_equal(err, "sluice: pipe:2: not an IPv4 or IPv6 address or prefix\n");
	assert_int_equal(st.lines, 2);
	free(err);
	sl_pfx_vec_free(&vec);
	close(fds[0]);
	close(fds[1]);
}

/* A gzip file with a damaged body fails the read. */
static void test_gzip_corrupt(void **state)
{
	size_t len, gz_len;
	char *data = big_feed(20000, &len), *gz, *err;
	const char *p_gz = tmp_gz(data, len), *path;
	struct sl_pfx_vec vec = { 0 };

	(void)state;
	gz = slurp(p_gz, &gz_len);
	gz[gz_len - 6] ^= 0x55; /* the stored CRC: a check failure */
	path = tmp_file(gz, gz_len);
	assert_int_equal(read_feed(path, &vec, &err), -EIO);
	assert_non_null(strstr(err, "cannot read"));
	free(err);
	sl_pfx_vec_free(&vec);
	free(gz);
	free(data);
}

/* Bytes after the gzip stream are refused, naming the file; more members are read. */
static void test_gzip_trailing(void **state)
{
	static const char *const want[] = { "192.0.2.0/24", "10.0.0.0/8" };
	size_t l1, l2, i;
	char *a = slurp(tmp_gz("192.0.2.0/24\n", 13), &l1);
	char *b = slurp(tmp_gz("10.0.0.0/8\n", 11), &l2);
	char *buf = malloc(l1 + l2 + 16), *err;
	struct sl_pfx_vec vec = { 0 };
	const char *path;
	const char *tails[] = { "garbage\n", "\0\0\0\0", "\x1f" , "x" };
	const size_t tail_len[] = { 8, 4, 1, 1 };

	(void)state;
	memcpy(buf, a, l1);
	memcpy(buf + l1, b, l2);
	path = tmp_file(buf, l1 + l2); /* two members, as cat a.gz b.gz */
	assert_int_equal(read_feed(path, &vec, &err), 0);
	assert_string_equal(err, "");
	free(err);
	CHECK_VEC(&vec, want);
	sl_pfx_vec_free(&vec);
	for (i = 0; i < sizeof(tails) / sizeof(tails[0]); i++) {
		memcpy(buf + l1, tails[i], tail_len[i]);
		path = tmp_file(buf, l1 + tail_len[i]);
		assert_int_equal(read_feed(path, &vec, &err), -EIO);
		assert_non_null(strstr(err, path));
		assert_null(strstr(err, "<fd:"));
		if (i != 2)
			assert_non_null(strstr(err, "trailing garbage after the gzip stream"));
		free(err);
		sl_pfx_vec_free(&vec);
	}
	free(a);
	free(b);
	free(buf);
}

/* A UTF-8 byte order mark before line 1 is not data, plain or gzip. */
static void test_bom(void **state)
{
	static const char data[] = "\xef\xbb\xbf" "192.0.2.0/24\n10.0.0.0/8\n";
	static const char *const want[] = { "192.0.2.0/24", "10.0.0.0/8" };
	struct sl_pfx_vec vec = { 0 };
	char *err;
	int gz;

	(void)state;
	for (gz = 0; gz < 2; gz++) {
		const char *path = gz ? tmp_gz(data, sizeof(data) - 1) :
					tmp_file(data, sizeof(data) - 1);

		assert_int_equal(read_feed(path, &vec, &err), 0);
		assert_string_equal(err, "");
		free(err);
		CHECK_VEC(&vec, want);
		sl_pfx_vec_free(&vec);
	}
	/* only at the start: a BOM later is a bad line */
	{
		static const char mid[] = "192.0.2.0/24\n\xef\xbb\xbf" "10.0.0.0/8\n";

		assert_int_equal(read_feed(tmp_file(mid, sizeof(mid) - 1), &vec, &err), -EINVAL);
		assert_non_null(strstr(err, ":2: "));
		free(err);
		sl_pfx_vec_free(&vec);
	}
}

/* A file name with a newline and control characters is escaped in messages. */
static void test_name_quoted(void **state)
{
	char dir[] = "/tmp/sl_feedq.XXXXXX", path[128], *err;
	struct sl_pfx_vec vec = { 0 };

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/a\nb\x1b", dir);
	assert_int_equal(read_feed(path, &vec, &err), -ENOENT);
	assert_non_null(strstr(err, "/a\\nb\\x1b: No such file"));
	assert_null(strchr(err, '\x1b'));
	assert_int_equal(strchr(err, '\n') - err, strlen(err) - 1); /* one line */
	free(err);
	sl_pfx_vec_free(&vec);
	rmdir(dir);
}

static void test_nonexistent(void **state)
{
	struct sl_pfx_vec vec = { 0 };
	char path[sizeof(TMPL)], *err;
	int fd;

	(void)state;
	strcpy(path, TMPL);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	unlink(path);
	assert_int_equal(read_feed(path, &vec, &err), -ENOENT);
	check_msg(err, path, ": No such file or directory");
	free(err);
	assert_int_equal(vec.n, 0);
	sl_pfx_vec_free(&vec);
}

/* A directory opens, but cannot be read. */
static void test_directory(void **state)
{
	struct sl_pfx_vec vec = { 0 };
	char *err;
	int rc;

	(void)state;
	rc = read_feed("/tmp", &vec, &err);
	assert_true(rc < 0);
	assert_non_null(strstr(err, "/tmp"));
	free(err);
	assert_int_equal(vec.n, 0);
	sl_pfx_vec_free(&vec);
}

/* Read "-" with the file at path as standard input (which may be closed). */
static int read_stdin(const char *path, struct sl_pfx_vec *vec, char **err)
{
	int fd = open(path, O_RDONLY), saved = dup(STDIN_FILENO), rc;

	assert_true(fd >= 0);
	assert_true(dup2(fd, STDIN_FILENO) >= 0);
	if (fd != STDIN_FILENO)
		close(fd);
	rc = read_feed("-", vec, err);
	/* the reader closes its own descriptor, not standard input */
	assert_true(fcntl(STDIN_FILENO, F_GETFD) >= 0);
	if (saved >= 0) {
		assert_true(dup2(saved, STDIN_FILENO) >= 0);
		close(saved);
	} else {
		close(STDIN_FILENO);
	}
	return rc;
}

static void test_stdin(void **state)
{
	static const char bad[] = "192.0.2.0/24\n192.0.2.0/40\n";
	struct sl_pfx_vec vec = { 0 };
	const char *path = tmp_file(plain, strlen(plain));
	struct stat before, after;
	bool was_open;
	char *err;

	(void)state;
	was_open = fstat(STDIN_FILENO, &before) == 0;
	assert_int_equal(read_stdin(path, &vec, &err), 0);
	check_vec(&vec, plain_want, N_PLAIN);
	assert_string_equal(err, "");
	free(err);
	sl_pfx_vec_free(&vec);

	/* gzip on standard input too */
	path = tmp_gz(plain, strlen(plain));
	assert_int_equal(read_stdin(path, &vec, &err), 0);
	check_vec(&vec, plain_want, N_PLAIN);
	free(err);
	sl_pfx_vec_free(&vec);

	/* messages name standard input */
	path = tmp_file(bad, strlen(bad));
	assert_int_equal(read_stdin(path, &vec, &err), -EINVAL);
	assert_string_equal(err, "sluice: <stdin>:2: prefix length above 32\n");
	free(err);
	sl_pfx_vec_free(&vec);

	/* standard input itself is restored */
	if (was_open) {
		assert_int_equal(fstat(STDIN_FILENO, &after), 0);
		assert_int_equal(before.st_ino, after.st_ino);
		assert_int_equal(before.st_dev, after.st_dev);
	}
}

/* ipset "nomatch" entries are exceptions; the word in a comment is not. */
static void test_ipset_nomatch(void **state)
{
	static const char ipset[] = "create bl hash:net family inet comment\n"
				    "add bl 10.0.0.0/8\n"
				    "add bl 10.1.0.0/16 nomatch\n"
				    "add bl 10.2.0.0/16 comment \"not a nomatch here\"\n"
				    "add bl 10.3.0.0/16 timeout 0 nomatch comment \"x\"\n";
	static const __u8 want_flags[] = { 0, 1, 0, 1 };
	static const char *const want[] = { "10.0.0.0/16",  "10.2.0.0/16",  "10.4.0.0/14",
					    "10.8.0.0/13",  "10.16.0.0/12", "10.32.0.0/11",
					    "10.64.0.0/10", "10.128.0.0/9" };
	struct sl_feed_opts o = { .format = SL_FMT_AUTO };
	struct sl_feed_stats st = { 0 };
	struct sl_pfx_vec vec = { 0 };
	const char *path;
	char *err;
	size_t i;

	(void)state;
	path = tmp_file(ipset, strlen(ipset));
	assert_int_equal(read_feed_opts(path, &o, &vec, &st, &err), 0);
	assert_string_equal(err, "");
	free(err);
	assert_int_equal(vec.n, 4);
	for (i = 0; i < vec.n; i++)
		assert_int_equal(vec.v[i].nomatch, want_flags[i]);
	/* 10/8 without 10.1/16 and 10.3/16 (10.2/16 twice: once) */
	assert_int_equal(sl_pfx_normalise(&vec), 0);
	CHECK_VEC(&vec, want);
	sl_pfx_vec_free(&vec);
}

/*
 * Bare addresses and prefixes are parsed where they lie in the read buffer:
 * lines of every length end at every offset of the 64 KiB buffer, with LF,
 * CRLF and CR CR LF, and a last line without a line end. Each line gives
 * what sl_parse_prefix() makes of it, an invalid bare line far into the
 * file is reported at its own line, and plain and gzip input agree.
 */
static void test_bare_lines(void **state)
{
	static const char *const ends[] = { "\n", "\r\n", "\r\r\n" };
	const size_t lines = 30011, bad = 25013;
	struct sl_feed_opts o = { .format = SL_FMT_AUTO };
	struct sl_pfx_vec want = { 0 }, a = { 0 }, b = { 0 };
	char *data = malloc(lines * 64), *p = data, *err, msg[128], line[64];
	struct sl_feed_stats st = { 0 };
	const char *path, *why;
	struct sl_pfx pf;
	bool masked;
	size_t i;

	(void)state;
	assert_non_null(data);
	for (i = 0; i < lines; i++) {
		if (i == bad)
			snprintf(line, sizeof(line), "10.%zu.0.256", i % 256);
		else if (i % 5 == 2)
			snprintf(line, sizeof(line), "2001:db8:%zx::%zx", i, i % 97);
		else if (i % 2)
			snprintf(line, sizeof(line), "%zu.%zu.%zu.%zu", 1 + i % 200,
				 i / 256 % 256, i % 256, i % 7 * 32);
		else
			snprintf(line, sizeof(line), "%zu.%zu.%zu.0/24", 1 + i % 200,
				 i / 256 % 256, i % 256);
		p += sprintf(p, "%s%s", line, i + 1 == lines ? "" : ends[i % 3]);
		if (i == bad)
			continue;
		assert_int_equal(sl_parse_prefix(line, strlen(line), &pf, &why, &masked), 0);
		assert_int_equal(sl_pfx_vec_push(&want, &pf), 0);
	}
	assert_true(p - data > 4 * 65536);

	path = tmp_file(data, p - data);
	assert_int_equal(read_feed_opts(path, &o, &a, &st, &err), 0);
	snprintf(msg, sizeof(msg), ":%zu: not an IPv4 or IPv6 address or prefix", bad + 1);
	check_msg(err, path, msg);
	free(err);
	assert_int_equal(st.lines, lines);
	assert_int_equal(st.invalid, 1);
	check_same(&a, &want);

	st = (struct sl_feed_stats){ 0 };
	path = tmp_gz(data, p - data);
	assert_int_equal(read_feed_opts(path, &o, &b, &st, &err), 0);
	check_msg(err, path, msg);
	free(err);
	check_same(&b, &want);
	free(data);
	sl_pfx_vec_free(&want);
	sl_pfx_vec_free(&a);
	sl_pfx_vec_free(&b);
}

#define T(f) cmocka_unit_test_teardown(f, teardown)

#define NCASES (sizeof(feed_cases) / sizeof(feed_cases[0]))

int main(void)
{
	static const struct CMUnitTest others[] = {
		T(test_ipset_nomatch),
		T(test_appends),
		T(test_long_lines),
		T(test_csv_long),
		T(test_csv_invalid),
		T(test_rir),
		T(test_rir_invalid),
		T(test_cc_parse),
		T(test_cc_other_format),
		T(test_json),
		T(test_json_invalid),
		T(test_detect),
		T(test_nul_byte),
		T(test_bare_lines),
		T(test_gzip_large),
		T(test_blocks_as_lines),
		T(test_gzip_truncated),
		T(test_gzip_pipe_stops_early),
		T(test_gzip_corrupt),
		T(test_gzip_trailing),
		T(test_bom),
		T(test_name_quoted),
		T(test_nonexistent),
		T(test_directory),
		T(test_stdin),
	};
	struct CMUnitTest tests[NCASES + sizeof(others) / sizeof(others[0])];
	size_t i;

	/* One test per row, named after it. */
	for (i = 0; i < NCASES; i++)
		tests[i] = (struct CMUnitTest){
			.name = feed_cases[i].name,
			.test_func = test_feed_case,
			.teardown_func = teardown,
			.initial_state = (void *)&feed_cases[i],
		};
	memcpy(tests + NCASES, others, sizeof(others));
	return cmocka_run_group_tests(tests, NULL, NULL);
}
