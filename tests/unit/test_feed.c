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
#include <sys/stat.h>
#include <zlib.h>
#include <cmocka.h>

#include "parse.h"
#include "prefix.h"
#include "feed.h"

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
	static const char *const want2[] = { "10.0.0.0/8" };
	const size_t huge = 200000; /* spans several reads of the reader's buffer */
	struct sl_feed_opts o = { .format = SL_FMT_AUTO, .max_report = 10 };
	struct sl_feed_stats st = { 0 };
	struct sl_pfx_vec vec = { 0 };
	char *data = malloc(huge + 64), want_msg[1024], *err;
	const char *path;
	size_t n;

	(void)state;
	assert_non_null(data);
	/* the longest line accepted: SL_FEED_MAX_LINE - 1 bytes */
	fill_line(data, SL_FEED_MAX_LINE - 1, "192.0.2.1");
	data[SL_FEED_MAX_LINE - 1] = '\n';
	path = tmp_file(data, SL_FEED_MAX_LINE);
	assert_int_equal(read_feed(path, &vec, &err), 0);
	assert_int_equal(vec.n, 1);
	assert_string_equal(err, "");
	free(err);

	/* one byte more is too long; the next line is read as usual */
	fill_line(data, SL_FEED_MAX_LINE, "192.0.2.2");
	memcpy(data + SL_FEED_MAX_LINE, "\n10.0.0.0/8\n", 12);
	path = tmp_file(data, SL_FEED_MAX_LINE + 12);
	assert_int_equal(read_feed(path, &vec, &err), -EINVAL);
	check_msg(err, path, ":1: line too long");
	free(err);
	sl_pfx_vec_free(&vec);
	assert_int_equal(read_feed_opts(path, &o, &vec, &st, &err), 0);
	check_msg(err, path, ":1: line too long");
	free(err);
	CHECK_VEC(&vec, want2);
	assert_int_equal(st.lines, 2);
	assert_int_equal(st.invalid, 1);
	sl_pfx_vec_free(&vec);
	memset(&st, 0, sizeof(st));

	/* a huge line, then an invalid one: the line count stays right */
	fill_line(data, huge, "192.0.2.3");
	n = huge;
	n += sprintf(data + n, "\n10.0.0.0/8\nbogus\n198.51.100.0/24");
	path = tmp_file(data, n);
	assert_int_equal(read_feed_opts(path, &o, &vec, &st, &err), 0);
	snprintf(want_msg, sizeof(want_msg),
		 "sluice: %s:1: line too long\n"
		 "sluice: %s:3: not an IPv4 or IPv6 address or prefix\n",
		 path, path);
	assert_string_equal(err, want_msg);
	free(err);
	assert_int_equal(st.lines, 4);
	assert_int_equal(st.entries, 2);
	assert_int_equal(st.invalid, 2);
	assert_int_equal(vec.n, 2);
	free(data);
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
	static const __u16 want_flags[] = { 0, SL_PFX_NOMATCH, 0, SL_PFX_NOMATCH };
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
		assert_int_equal(vec.v[i].pad, want_flags[i]);
	/* 10/8 without 10.1/16 and 10.3/16 (10.2/16 twice: once) */
	assert_int_equal(sl_pfx_normalise(&vec), 0);
	CHECK_VEC(&vec, want);
	sl_pfx_vec_free(&vec);
}

#define T(f) cmocka_unit_test_teardown(f, teardown)

#define NCASES (sizeof(feed_cases) / sizeof(feed_cases[0]))

int main(void)
{
	static const struct CMUnitTest others[] = {
		T(test_ipset_nomatch),
		T(test_appends),
		T(test_long_lines),
		T(test_gzip_large),
		T(test_gzip_truncated),
		T(test_gzip_corrupt),
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
