// SPDX-License-Identifier: GPL-2.0
/*
 * Parsing of rates, sizes, addresses, prefixes, feed lines and class names
 * (user/parse.c).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <arpa/inet.h>

#include "sluice.h"
#include "diag.h"
#include "parse.h"
#include "util.h"
#include "prefix.h"

/* Macros, so that a failure points at the line of the case. */
#define RATE_OK(s, want)                                   \
	do {                                               \
		__u64 v_ = 0;                              \
		assert_int_equal(sl_parse_rate(s, &v_), 0); \
		assert_int_equal(v_, (__u64)(want));       \
	} while (0)

#define RATE_ERR(s, err)                                      \
	do {                                                  \
		__u64 v_ = 12345;                             \
		assert_int_equal(sl_parse_rate(s, &v_), err); \
		assert_int_equal(v_, 12345);                  \
	} while (0)

#define SIZE_OK(s, want)                                   \
	do {                                               \
		__u64 v_ = 0;                              \
		assert_int_equal(sl_parse_size(s, &v_), 0); \
		assert_int_equal(v_, (__u64)(want));       \
	} while (0)

#define SIZE_ERR(s, err)                                      \
	do {                                                  \
		__u64 v_ = 12345;                             \
		assert_int_equal(sl_parse_size(s, &v_), err); \
		assert_int_equal(v_, 12345);                  \
	} while (0)

/* Parse s as a prefix and compare family, length, text and the masked flag. */
#define PFX_OK(s, fam, len, text, want_masked)                                          \
	do {                                                                            \
		struct sl_pfx p_;                                                       \
		const char *why_ = NULL;                                                \
		bool m_ = !(want_masked);                                               \
		char b_[SL_PFX_STRLEN];                                                 \
		assert_int_equal(sl_parse_prefix(s, strlen(s), &p_, &why_, &m_), 0);    \
		assert_int_equal(p_.family, fam);                                       \
		assert_int_equal(p_.plen, len);                                         \
		assert_int_equal(m_, want_masked);                                      \
		sl_fmt_pfx(b_, sizeof(b_), &p_);                                        \
		assert_string_equal(b_, text);                                          \
	} while (0)

#define PFX_ERR(s, reason)                                                                  \
	do {                                                                                \
		struct sl_pfx p_;                                                           \
		const char *why_ = NULL;                                                    \
		bool m_ = true;                                                             \
		assert_int_equal(sl_parse_prefix(s, strlen(s), &p_, &why_, &m_), -EINVAL);  \
		assert_non_null(why_);                                                      \
		assert_string_equal(why_, reason);                                          \
		assert_false(m_);                                                           \
	} while (0)

/* Feed lines are modified in place: parse a writable copy. */
#define LINE_RC(s, rc, text, want_masked)                                        \
	do {                                                                     \
		char l_[256];                                                    \
		struct sl_pfx p_;                                                \
		const char *why_ = NULL;                                         \
		bool m_ = !(want_masked);                                        \
		char b_[SL_PFX_STRLEN];                                          \
		snprintf(l_, sizeof(l_), "%s", s);                               \
		memset(&p_, 0, sizeof(p_));                                      \
		assert_int_equal(sl_parse_feed_line(l_, &p_, &why_, &m_), rc);   \
		if ((rc) == 1) {                                                 \
			sl_fmt_pfx(b_, sizeof(b_), &p_);                         \
			assert_string_equal(b_, text);                           \
			assert_int_equal(m_, want_masked);                       \
		} else if ((rc) < 0) {                                           \
			assert_non_null(why_);                                   \
			assert_string_equal(why_, text);                         \
		}                                                                \
	} while (0)

static void test_rate_units(void **state)
{
	(void)state;
	/* a bare number is bit/s */
	RATE_OK("1", 1);
	RATE_OK("1000", 1000);
	RATE_OK("123456789", 123456789);
	/* SI bit units */
	RATE_OK("1bit", 1);
	RATE_OK("10kbit", 10000);
	RATE_OK("10mbit", 10000000);
	RATE_OK("1gbit", 1000000000);
	RATE_OK("1tbit", 1000000000000ull);
	/* binary bit units */
	RATE_OK("1kibit", 1024);
	RATE_OK("1mibit", 1048576);
	RATE_OK("1gibit", 1073741824);
	RATE_OK("1tibit", 1099511627776ull);
	/* "bps" is bytes per second, as in tc(8) */
	RATE_OK("1bps", 8);
	RATE_OK("100kbps", 800000);
	RATE_OK("1mbps", 8000000);
	RATE_OK("1gbps", 8000000000ull);
	RATE_OK("1tbps", 8000000000000ull);
	RATE_OK("1kibps", 8192);
	RATE_OK("1mibps", 8388608);
	RATE_OK("1gibps", 8589934592ull);
}

static void test_rate_case_and_fractions(void **state)
{
	(void)state;
	RATE_OK("10MBIT", 10000000);
	RATE_OK("10Mbit", 10000000);
	RATE_OK("1GBit", 1000000000);
	RATE_OK("100KBPS", 800000);
	RATE_OK("1KiBit", 1024);
	RATE_OK("1.5mbit", 1500000);
	RATE_OK("2.5gbit", 2500000000ull);
	RATE_OK("0.5kbit", 500);
	RATE_OK("1.5kibit", 1536);
	RATE_OK("0.25mbps", 2000000);
	/* fractional bits round to the nearest */
	RATE_OK("1.4", 1);
	RATE_OK("1.6", 2);
}

static void test_rate_limits(void **state)
{
	(void)state;
	/* 10 Tbit/s is the largest rate, in any spelling */
	RATE_OK("10tbit", SL_MAX_RATE);
	RATE_OK("10000000000000", SL_MAX_RATE);
	RATE_OK("1.25tbps", SL_MAX_RATE);
	RATE_ERR("10000000000001", -ERANGE);
	RATE_ERR("10.1tbit", -ERANGE);
	RATE_ERR("11tbit", -ERANGE);
	RATE_ERR("1.3tbps", -ERANGE);
	RATE_ERR("10tibit", -ERANGE);
	RATE_ERR("1e30", -EINVAL); /* no exponents: plain decimal as tc writes it */
	/* zero, or less than one bit/s after rounding */
	RATE_ERR("0", -ERANGE);
	RATE_ERR("0mbit", -ERANGE);
	RATE_ERR("0.0", -ERANGE);
	RATE_ERR("0.4", -ERANGE);
	RATE_ERR("0.0001kbit", -ERANGE);
}

static void test_rate_rejects(void **state)
{
	(void)state;
	RATE_ERR("", -EINVAL);
	RATE_ERR("-1", -EINVAL);
	RATE_ERR("-10mbit", -EINVAL);
	RATE_ERR("+10mbit", -EINVAL);
	RATE_ERR(" 10mbit", -EINVAL);
	RATE_ERR("10 mbit", -EINVAL);
	RATE_ERR("10mbit ", -EINVAL);
	RATE_ERR("10mbit\n", -EINVAL);
	RATE_ERR("10mbps?", -EINVAL);
	RATE_ERR("10mbitx", -EINVAL);
	RATE_ERR("10xbit", -EINVAL);
	RATE_ERR("10m", -EINVAL);	/* a size unit, not a rate unit */
	RATE_ERR("10k", -EINVAL);
	RATE_ERR("abc", -EINVAL);
	RATE_ERR("mbit", -EINVAL);
	RATE_ERR(".", -EINVAL);
	RATE_ERR("nan", -EINVAL);
	RATE_ERR("inf", -EINVAL);
	RATE_ERR("infinity", -EINVAL);
	RATE_ERR("1e400", -EINVAL);	/* strtod overflow */
	RATE_ERR("1.5.2mbit", -EINVAL);
}

/* Plain decimal numbers, as tc(8) prints them; nothing strtod() adds. */
static void test_rate_strict(void **state)
{
	(void)state;
	RATE_OK("1.5mbit", 1500000);
	RATE_OK("10", 10);
	RATE_OK("007mbit", 7000000);
	RATE_ERR("0x10mbit", -EINVAL);
	RATE_ERR("0x10", -EINVAL);
	RATE_ERR("1e3mbit", -EINVAL);
	RATE_ERR("1E3", -EINVAL);
	RATE_ERR("1.mbit", -EINVAL);
	RATE_ERR(".5mbit", -EINVAL);
	RATE_ERR("0.5bit", -ERANGE);
	RATE_ERR("0.9", -ERANGE);
	RATE_ERR("0bit", -ERANGE);
}

static void test_size(void **state)
{
	(void)state;
	/* bare numbers and "b" are bytes */
	SIZE_OK("1", 1);
	SIZE_OK("1500", 1500);
	SIZE_OK("1500b", 1500);
	SIZE_OK("1500B", 1500);
	/* k, m, g and their "b" forms are powers of 1024 */
	SIZE_OK("16k", 16384);
	SIZE_OK("16K", 16384);
	SIZE_OK("64kb", 65536);
	SIZE_OK("64KB", 65536);
	SIZE_OK("1m", 1048576);
	SIZE_OK("1mb", 1048576);
	SIZE_OK("0.5m", 524288);
	SIZE_OK("1.5k", 1536);
	SIZE_OK("1g", SL_MAX_BURST);
	SIZE_OK("1gb", SL_MAX_BURST);
	SIZE_OK("1073741824", SL_MAX_BURST);
	/* kbit, mbit, gbit are 1024-bit units */
	SIZE_OK("1kbit", 128);
	SIZE_OK("8kbit", 1024);
	SIZE_OK("8KBit", 1024);
	SIZE_OK("1mbit", 131072);
	SIZE_OK("1gbit", 134217728);
	SIZE_OK("8gbit", SL_MAX_BURST);
}

static void test_size_rejects(void **state)
{
	(void)state;
	SIZE_ERR("0", -ERANGE);
	SIZE_ERR("0k", -ERANGE);
	SIZE_ERR("0.4", -ERANGE);
	SIZE_ERR("1073741825", -ERANGE);
	SIZE_ERR("1025m", -ERANGE);
	SIZE_ERR("1.001g", -ERANGE);
	SIZE_ERR("2g", -ERANGE);
	SIZE_ERR("9gbit", -ERANGE);
	SIZE_ERR("", -EINVAL);
	SIZE_ERR("abc", -EINVAL);
	SIZE_ERR("k", -EINVAL);
	SIZE_ERR("16 k", -EINVAL);
	SIZE_ERR(" 16k", -EINVAL);
	SIZE_ERR("16k ", -EINVAL);
	SIZE_ERR("16q", -EINVAL);
	SIZE_ERR("16kx", -EINVAL);
	SIZE_ERR("16kbps", -EINVAL);	/* a rate unit, not a size unit */
	SIZE_ERR("-1", -EINVAL);
	SIZE_ERR("-16k", -EINVAL);
	SIZE_ERR("+16k", -EINVAL);
	SIZE_ERR("nan", -EINVAL);
}

static void test_parse_addr(void **state)
{
	static const __u8 v4[4] = { 192, 0, 2, 1 };
	static const __u8 v6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
	static const __u8 mapped[16] = { [10] = 0xff, [11] = 0xff, 192, 0, 2, 1 };
	static const __u8 zero[16];
	static const char *const bad[] = {
		"", "192.0.2", "192.0.2.256", "192.0.2.1.5", "192.0.2.1/32", " 192.0.2.1",
		"192.0.2.1 ", "2001:db8::1::2", "2001:db8::/32", "gggg::", "hello", "1.2.3.-4",
	};
	struct sl_pfx p;
	size_t i;

	(void)state;
	/* the whole struct is written: stale bytes must not survive */
	memset(&p, 0xaa, sizeof(p));
	assert_int_equal(sl_parse_addr("192.0.2.1", &p), 0);
	assert_int_equal(p.family, 4);
	assert_int_equal(p.plen, 32);
	assert_memory_equal(p.addr, v4, 4);
	assert_memory_equal(p.addr + 4, zero, 12);
	assert_int_equal(p.class_id, 0);
	assert_int_equal(p.nomatch, 0);
	assert_int_equal(p.pad, 0);

	memset(&p, 0xaa, sizeof(p));
	assert_int_equal(sl_parse_addr("2001:db8::1", &p), 0);
	assert_int_equal(p.family, 6);
	assert_int_equal(p.plen, 128);
	assert_memory_equal(p.addr, v6, 16);
	assert_int_equal(p.class_id, 0);

	assert_int_equal(sl_parse_addr("::", &p), 0);
	assert_int_equal(p.family, 6);
	assert_memory_equal(p.addr, zero, 16);

	assert_int_equal(sl_parse_addr("::ffff:192.0.2.1", &p), 0);
	assert_int_equal(p.family, 6);
	assert_memory_equal(p.addr, mapped, 16);

	assert_int_equal(sl_parse_addr("255.255.255.255", &p), 0);
	assert_int_equal(p.family, 4);
	assert_int_equal(p.addr[0] & p.addr[1] & p.addr[2] & p.addr[3], 0xff);

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (sl_parse_addr(bad[i], &p) != -EINVAL)
			fail_msg("\"%s\" accepted as an address", bad[i]);
	}
}

/*
 * IPv4 addresses are parsed by sluice's own dotted-quad reader: it takes
 * exactly what inet_pton(AF_INET) takes, checked on edge cases and on
 * 200000 random strings of digits and dots.
 */
static void check_quad(const char *s)
{
	__u8 want[16] = { 0 };
	struct sl_pfx p;
	int ok = inet_pton(AF_INET, s, want) == 1;
	int got = !sl_parse_addr(s, &p) && p.family == 4;

	if (ok != got)
		fail_msg("'%s': inet_pton says %d, sl_parse_addr %d", s, ok, got);
	if (ok && (memcmp(p.addr, want, 4) || p.plen != 32))
		fail_msg("'%s': wrong address", s);
}

static void test_parse_quad_as_inet_pton(void **state)
{
	static const char *const edge[] = {
		"0.0.0.0", "255.255.255.255", "256.0.0.0", "1.2.3.256", "01.2.3.4", "1.2.3.04",
		"1.2.3.00", "1.2.3.0", "1.2.3", "1.2.3.4.", ".1.2.3.4", "1..2.3", "1.2.3.4.5",
		"1234.1.1.1", "1.2.3.4 ", " 1.2.3.4", "", ".", "1", "999.1.1.1", "100.200.30.4",
		"1.2.3.4/", "1.2.3.-4", "1.2.3.+4", "0x1.2.3.4", "1.2.3.4a", "10.0.0.1\n",
	};
	unsigned int seed = 7;
	char buf[20];
	size_t i, j, n;

	(void)state;
	for (i = 0; i < sizeof(edge) / sizeof(edge[0]); i++)
		check_quad(edge[i]);
	for (i = 0; i < 200000; i++) {
		n = 1 + rand_r(&seed) % 17;
		for (j = 0; j < n; j++)
			buf[j] = rand_r(&seed) % 4 ? '0' + rand_r(&seed) % 10 : '.';
		buf[n] = '\0';
		check_quad(buf);
	}
}

/*
 * sl_parse_prefix against a reference made of inet_pton and the length
 * rule (1-3 digits, no leading zero, at most 32 or 128), on random strings
 * of digits, dots, colons, hex letters and slashes.
 */
static int ref_prefix(const char *s, struct sl_pfx *p)
{
	char a[64];
	const char *sl = strchr(s, '/');
	size_t alen = sl ? (size_t)(sl - s) : strlen(s), n;
	unsigned int plen;

	memset(p, 0, sizeof(*p));
	if (!*s || strlen(s) >= INET6_ADDRSTRLEN + 8 || alen >= sizeof(a))
		return -1;
	memcpy(a, s, alen);
	a[alen] = '\0';
	if (inet_pton(AF_INET, a, p->addr) == 1)
		p->family = 4;
	else if (inet_pton(AF_INET6, a, p->addr) == 1)
		p->family = 6;
	else
		return -1;
	p->plen = p->family == 4 ? 32 : 128;
	if (!sl)
		return 0;
	n = strlen(sl + 1);
	if (!n || n > 3 || strspn(sl + 1, "0123456789") != n || (sl[1] == '0' && n > 1))
		return -1;
	plen = atoi(sl + 1);
	if (plen > p->plen)
		return -1;
	p->plen = plen;
	sl_pfx_mask(p);
	return 0;
}

static void test_prefix_as_reference(void **state)
{
	static const char alpha[] = "0123456789....::/abf";
	struct sl_pfx got, want;
	unsigned int seed = 11;
	const char *why;
	bool masked;
	char buf[48];
	size_t i, j, n, ok = 0;
	int r, g;

	(void)state;
	for (i = 0; i < 300000; i++) {
		n = 1 + rand_r(&seed) % 24;
		for (j = 0; j < n; j++)
			buf[j] = alpha[rand_r(&seed) % (sizeof(alpha) - 1)];
		buf[n] = '\0';
		if (i % 3 == 0) /* mostly valid: a random address and length */
			n = snprintf(buf, sizeof(buf), "%u.%u.%u.%u/%u", rand_r(&seed) % 300,
				     rand_r(&seed) % 256, rand_r(&seed) % 256, rand_r(&seed) % 256,
				     rand_r(&seed) % 40);
		r = ref_prefix(buf, &want);
		g = sl_parse_prefix(buf, n, &got, &why, &masked);

		if ((r == 0) != (g == 0))
			fail_msg("'%s': reference %d, sl_parse_prefix %d", buf, r, g);
		if (!r && (got.family != want.family || got.plen != want.plen ||
			   memcmp(got.addr, want.addr, 16)))
			fail_msg("'%s': a different prefix", buf);
		ok += !r;
	}
	assert_true(ok > 50000);
}

static void test_prefix_valid(void **state)
{
	(void)state;
	PFX_OK("192.0.2.0/24", 4, 24, "192.0.2.0/24", false);
	PFX_OK("192.0.2.1", 4, 32, "192.0.2.1/32", false);
	PFX_OK("192.0.2.1/32", 4, 32, "192.0.2.1/32", false);
	PFX_OK("0.0.0.0/0", 4, 0, "0.0.0.0/0", false);
	PFX_OK("10.0.0.0/8", 4, 8, "10.0.0.0/8", false);
	PFX_OK("10.128.0.0/9", 4, 9, "10.128.0.0/9", false);
	PFX_OK("2001:db8::/32", 6, 32, "2001:db8::/32", false);
	PFX_OK("2001:db8::1", 6, 128, "2001:db8::1/128", false);
	PFX_OK("2001:db8::1/128", 6, 128, "2001:db8::1/128", false);
	PFX_OK("::/0", 6, 0, "::/0", false);
	PFX_OK("2001:DB8::/32", 6, 32, "2001:db8::/32", false);
	PFX_OK("::ffff:192.0.2.0/120", 6, 120, "::ffff:192.0.2.0/120", false);
}

static void test_prefix_host_bits(void **state)
{
	static const __u8 want[16] = { 0x20, 0x01, 0x0d, 0xb8, 0x80 };
	struct sl_pfx p;
	const char *why;
	bool masked;

	(void)state;
	PFX_OK("192.0.2.1/24", 4, 24, "192.0.2.0/24", true);
	PFX_OK("192.0.2.1/0", 4, 0, "0.0.0.0/0", true);
	PFX_OK("10.255.255.255/9", 4, 9, "10.128.0.0/9", true);
	PFX_OK("192.0.2.255/31", 4, 31, "192.0.2.254/31", true);
	PFX_OK("192.0.2.7/30", 4, 30, "192.0.2.4/30", true);
	PFX_OK("2001:db8::1/32", 6, 32, "2001:db8::/32", true);
	PFX_OK("2001:db8:1:2:3:4:5:6/64", 6, 64, "2001:db8:1:2::/64", true);
	PFX_OK("2001:db8:ffff:ffff::/33", 6, 33, "2001:db8:8000::/33", true);
	PFX_OK("::1/127", 6, 127, "::/127", true);
	PFX_OK("::ffff:192.0.2.1/120", 6, 120, "::ffff:192.0.2.0/120", true);
	PFX_OK("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/0", 6, 0, "::/0", true);

	/* the stored address is the masked one, bytes and all */
	assert_int_equal(sl_parse_prefix("2001:db8:ffff::1/33", 19, &p, &why, &masked), 0);
	assert_true(masked);
	assert_memory_equal(p.addr, want, 16);
}

static void test_prefix_length_arg(void **state)
{
	const char *s = "192.0.2.0/24garbage";
	char b[SL_PFX_STRLEN];
	struct sl_pfx p;
	const char *why;
	bool masked;

	(void)state;
	/* only len bytes are read: the string need not end there */
	assert_int_equal(sl_parse_prefix(s, 12, &p, &why, &masked), 0);
	sl_fmt_pfx(b, sizeof(b), &p);
	assert_string_equal(b, "192.0.2.0/24");
	assert_int_equal(sl_parse_prefix(s, 9, &p, &why, &masked), 0);
	sl_fmt_pfx(b, sizeof(b), &p);
	assert_string_equal(b, "192.0.2.0/32");
	assert_int_equal(sl_parse_prefix(s, 11, &p, &why, &masked), 0);
	assert_int_equal(p.plen, 2);
	assert_true(masked);
	assert_int_equal(sl_parse_prefix(s, 13, &p, &why, &masked), -EINVAL);
	assert_string_equal(why, "bad prefix length");
	assert_int_equal(sl_parse_prefix(s, 0, &p, &why, &masked), -EINVAL);
	assert_string_equal(why, "empty address");
}

static void test_prefix_rejects(void **state)
{
	(void)state;
	PFX_ERR("", "empty address");
	PFX_ERR("/24", "not an IPv4 or IPv6 address or prefix");
	PFX_ERR("garbage", "not an IPv4 or IPv6 address or prefix");
	PFX_ERR("garbage/24", "not an IPv4 or IPv6 address or prefix");
	PFX_ERR(" 192.0.2.0/24", "not an IPv4 or IPv6 address or prefix");
	PFX_ERR("192.0.2/24", "not an IPv4 or IPv6 address or prefix");
	PFX_ERR("192.0.2.256/32", "not an IPv4 or IPv6 address or prefix");
	PFX_ERR("2001:db8:::/48", "not an IPv4 or IPv6 address or prefix");
	PFX_ERR("192.0.2.0/", "bad prefix length");
	PFX_ERR("192.0.2.0/-1", "bad prefix length");
	PFX_ERR("192.0.2.0/08x", "bad prefix length");
	PFX_ERR("192.0.2.0/x", "bad prefix length");
	PFX_ERR("192.0.2.0/ 8", "bad prefix length");
	PFX_ERR("192.0.2.0/8 ", "bad prefix length");
	PFX_ERR("192.0.2.0/+8", "bad prefix length");
	PFX_ERR("192.0.2.0/0032", "bad prefix length");
	PFX_ERR("192.0.2.0/024", "bad prefix length");
	PFX_ERR("192.0.2.0/00", "bad prefix length");
	PFX_ERR("192.0.2.0/08", "bad prefix length");
	PFX_ERR("2001:db8::/032", "bad prefix length");
	PFX_ERR("192.0.2.0/24/8", "bad prefix length");
	PFX_ERR("192.0.2.0/0x10", "bad prefix length");
	PFX_ERR("2001:db8::/", "bad prefix length");
	PFX_ERR("2001:db8::/-1", "bad prefix length");
	PFX_ERR("192.0.2.0/33", "prefix length above 32");
	PFX_ERR("192.0.2.0/128", "prefix length above 32");
	PFX_ERR("192.0.2.0/999", "prefix length above 32");
	PFX_ERR("2001:db8::/129", "prefix length above 128");
	PFX_ERR("2001:db8::/999", "prefix length above 128");
}

/* Strings longer than any address are refused without overrunning a buffer. */
static void test_prefix_too_long(void **state)
{
	const char *longest = "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255/128";
	char *s = malloc(10001);
	struct sl_pfx p;
	const char *why;
	bool masked;
	size_t len;

	(void)state;
	assert_non_null(s);
	assert_int_equal(sl_parse_prefix(longest, strlen(longest), &p, &why, &masked), 0);
	assert_int_equal(p.family, 6);
	assert_int_equal(p.plen, 128);

	for (len = 53; len <= 10000; len = len < 60 ? len + 1 : len * 10) {
		memset(s, '1', len);
		s[len] = '\0';
		why = NULL;
		assert_int_equal(sl_parse_prefix(s, len, &p, &why, &masked), -EINVAL);
		assert_string_equal(why, "not an IPv4 or IPv6 address or prefix");
	}
	/* a valid prefix, but its length padded with zeros */
	snprintf(s, 10001, "192.0.2.0/%060d", 24);
	assert_int_equal(sl_parse_prefix(s, strlen(s), &p, &why, &masked), -EINVAL);
	assert_string_equal(why, "not an IPv4 or IPv6 address or prefix");
	free(s);
}

static void test_fmt_round_trip(void **state)
{
	static const char *const pfx[] = {
		"0.0.0.0/0",	    "10.0.0.0/8",	    "192.0.2.0/24",
		"192.0.2.1/32",	    "255.255.255.255/32", "::/0",
		"::1/128",	    "2001:db8::/32",	    "2001:db8:0:1::/64",
		"fe80::1:2/127",    "::ffff:192.0.2.0/120",
		"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128",
	};
	static const char *const addr[] = {
		"0.0.0.0", "192.0.2.1", "255.255.255.255", "::", "::1", "2001:db8::1",
		"::ffff:192.0.2.1", "2001:db8:1:2:3:4:5:6",
	};
	char b[SL_PFX_STRLEN];
	struct sl_pfx p;
	const char *why;
	bool masked;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(pfx) / sizeof(pfx[0]); i++) {
		assert_int_equal(sl_parse_prefix(pfx[i], strlen(pfx[i]), &p, &why, &masked), 0);
		assert_false(masked);
		sl_fmt_pfx(b, sizeof(b), &p);
		assert_string_equal(b, pfx[i]);
	}
	for (i = 0; i < sizeof(addr) / sizeof(addr[0]); i++) {
		assert_int_equal(sl_parse_addr(addr[i], &p), 0);
		sl_fmt_addr(b, sizeof(b), &p);
		assert_string_equal(b, addr[i]);
	}
	/* a short buffer truncates and stays terminated */
	assert_int_equal(sl_parse_addr("192.0.2.1", &p), 0);
	memset(b, 'x', sizeof(b));
	sl_fmt_pfx(b, 8, &p);
	assert_string_equal(b, "192.0.2");
}

/* Random prefixes: format then parse gives back the same prefix. */
static void test_fmt_round_trip_random(void **state)
{
	unsigned int seed = 7;
	int i, j;

	(void)state;
	for (i = 0; i < 20000; i++) {
		struct sl_pfx p = { 0 }, q;
		char b[SL_PFX_STRLEN];
		const char *why;
		bool masked;

		p.family = i % 2 ? 6 : 4;
		for (j = 0; j < (p.family == 4 ? 4 : 16); j++)
			p.addr[j] = rand_r(&seed) % 3 ? (__u8)rand_r(&seed) : 0;
		p.plen = rand_r(&seed) % (p.family == 4 ? 33 : 129);
		sl_pfx_mask(&p);
		sl_fmt_pfx(b, sizeof(b), &p);
		if (sl_parse_prefix(b, strlen(b), &q, &why, &masked))
			fail_msg("\"%s\": %s", b, why);
		assert_false(masked);
		assert_int_equal(q.family, p.family);
		assert_int_equal(q.plen, p.plen);
		assert_memory_equal(q.addr, p.addr, 16);
	}
}

static void test_pfx_mask(void **state)
{
	struct sl_pfx p;

	(void)state;
	assert_int_equal(sl_parse_addr("192.0.2.255", &p), 0);
	p.plen = 32;
	assert_false(sl_pfx_mask(&p));
	assert_int_equal(p.addr[3], 255);
	p.plen = 25;
	assert_true(sl_pfx_mask(&p));
	assert_int_equal(p.addr[3], 128);
	assert_false(sl_pfx_mask(&p));
	p.plen = 0;
	assert_true(sl_pfx_mask(&p));
	assert_int_equal(p.addr[0] | p.addr[1] | p.addr[2] | p.addr[3], 0);
}

static void test_feed_line(void **state)
{
	(void)state;
	/* blank and comment lines */
	LINE_RC("", 0, NULL, false);
	LINE_RC("   ", 0, NULL, false);
	LINE_RC("\t \t", 0, NULL, false);
	LINE_RC("# comment", 0, NULL, false);
	LINE_RC("; comment", 0, NULL, false);
	LINE_RC("   # indented comment", 0, NULL, false);
	LINE_RC("#192.0.2.0/24", 0, NULL, false);
	LINE_RC(";192.0.2.0/24", 0, NULL, false);
	LINE_RC("\r", 0, NULL, false);
	/* one prefix, with whitespace and trailing comments */
	LINE_RC("192.0.2.0/24", 1, "192.0.2.0/24", false);
	LINE_RC("192.0.2.1", 1, "192.0.2.1/32", false);
	LINE_RC("  192.0.2.0/24  ", 1, "192.0.2.0/24", false);
	LINE_RC("\t2001:db8::/32\t", 1, "2001:db8::/32", false);
	LINE_RC("192.0.2.0/24 # comment", 1, "192.0.2.0/24", false);
	LINE_RC("192.0.2.0/24#comment", 1, "192.0.2.0/24", false);
	LINE_RC("192.0.2.0/24 ; comment", 1, "192.0.2.0/24", false);
	LINE_RC("192.0.2.0/24;comment", 1, "192.0.2.0/24", false);
	LINE_RC("192.0.2.1 # 192.0.2.2 two fields in a comment", 1, "192.0.2.1/32", false);
	LINE_RC("192.0.2.0/24\r", 1, "192.0.2.0/24", false);
	LINE_RC("2001:db8::/32 ; SBL1 ; x", 1, "2001:db8::/32", false);
	/* host bits */
	LINE_RC("192.0.2.1/24", 1, "192.0.2.0/24", true);
	LINE_RC(" 2001:db8::1/32 # x", 1, "2001:db8::/32", true);
	/* errors */
	LINE_RC("192.0.2.1 192.0.2.2", -EINVAL,
		"more than one field (expected one address or prefix per line)", false);
	LINE_RC("192.0.2.1\t192.0.2.2", -EINVAL,
		"more than one field (expected one address or prefix per line)", false);
	LINE_RC("  192.0.2.1   x  # c", -EINVAL,
		"more than one field (expected one address or prefix per line)", false);
	LINE_RC("hello", -EINVAL, "not an IPv4 or IPv6 address or prefix", false);
	LINE_RC("192.0.2.0/33 # c", -EINVAL, "prefix length above 32", false);
	LINE_RC("2001:db8::/129", -EINVAL, "prefix length above 128", false);
	LINE_RC("192.0.2.0/", -EINVAL, "bad prefix length", false);
}

static void test_class_name(void **state)
{
	char n31[32], n32[33];

	(void)state;
	memset(n31, 'a', 31);
	n31[31] = '\0';
	memset(n32, 'a', 32);
	n32[32] = '\0';
	assert_true(sl_valid_class_name("a"));
	assert_true(sl_valid_class_name("bulk"));
	assert_true(sl_valid_class_name("Cust_01.eu-west"));
	assert_true(sl_valid_class_name("a-"));
	assert_true(sl_valid_class_name("_x"));
	assert_true(sl_valid_class_name(".x"));
	assert_true(sl_valid_class_name("0"));
	assert_true(sl_valid_class_name(n31));
	assert_false(sl_valid_class_name(n32));
	assert_false(sl_valid_class_name(""));
	assert_false(sl_valid_class_name("-a"));
	assert_false(sl_valid_class_name("-"));
	assert_false(sl_valid_class_name("a b"));
	assert_false(sl_valid_class_name("a/b"));
	assert_false(sl_valid_class_name("a\tb"));
	assert_false(sl_valid_class_name("a\n"));
	assert_false(sl_valid_class_name("caf\xc3\xa9"));
	assert_false(sl_valid_class_name("a:b"));
	assert_false(sl_valid_class_name("a,b"));
	/* paths and the default class in another case */
	assert_false(sl_valid_class_name("."));
	assert_false(sl_valid_class_name(".."));
	assert_false(sl_valid_class_name("DEFAULT"));
	assert_false(sl_valid_class_name("Default"));
	assert_true(sl_valid_class_name("..."));
	assert_true(sl_valid_class_name("default2"));
}

/* Echoed input: escaped, cut with an ellipsis, several per message. */
static void test_quote(void **state)
{
	char longname[5001], want[SL_QUOTE_MAX + 4];
	const char *a, *b;

	(void)state;
	assert_string_equal(sl_q("eth0"), "eth0");
	assert_string_equal(sl_q("a\nb"), "a\\nb");
	assert_string_equal(sl_q("a\tb\r"), "a\\tb\\r");
	assert_string_equal(sl_q("x\x1b[2J"), "x\\x1b[2J");
	assert_string_equal(sl_q("it's"), "it\\'s");
	assert_string_equal(sl_q("a\\b"), "a\\\\b");
	assert_string_equal(sl_q("\x7f"), "\\x7f");
	assert_string_equal(sl_q("caf\xc3\xa9"), "caf\xc3\xa9");
	assert_string_equal(sl_q(""), "");
	memset(longname, 'n', 5000);
	longname[5000] = '\0';
	memset(want, 'n', SL_QUOTE_MAX);
	strcpy(want + SL_QUOTE_MAX, "...");
	assert_string_equal(sl_q(longname), want);
	/* an escape is never cut in half */
	memset(longname, 'n', SL_QUOTE_MAX - 1);
	strcpy(longname + SL_QUOTE_MAX - 1, "\n");
	assert_int_equal(strlen(sl_q(longname)), SL_QUOTE_MAX - 1 + 3);
	/* exactly SL_QUOTE_MAX characters are not cut */
	longname[SL_QUOTE_MAX] = '\0';
	memset(longname, 'n', SL_QUOTE_MAX);
	assert_string_equal(sl_q(longname), longname);
	a = sl_q("first");
	b = sl_q("second");
	assert_string_equal(a, "first");
	assert_string_equal(b, "second");
}

/* Expect entry s to give exactly the prefixes listed (NULL-terminated). */
static void check_entry(const char *s, const char *const *want)
{
	struct sl_pfx_vec vec = { 0 };
	char b[SL_PFX_STRLEN];
	const char *why = NULL;
	bool masked;
	size_t n = 0, i;
	int rc;

	while (want[n])
		n++;
	rc = sl_parse_entry(s, strlen(s), &vec, &why, &masked);
	if (rc < 0)
		fail_msg("\"%s\": %d %s", s, rc, why ? why : "");
	assert_int_equal(rc, n);
	assert_int_equal(vec.n, n);
	for (i = 0; i < n; i++) {
		sl_fmt_pfx(b, sizeof(b), &vec.v[i]);
		assert_string_equal(b, want[i]);
	}
	sl_pfx_vec_free(&vec);
}

static void test_entry_ranges(void **state)
{
	static const char *const r24[] = { "192.0.2.0/24", NULL };
	static const char *const r1_6[] = { "192.0.2.1/32", "192.0.2.2/31", "192.0.2.4/31",
					    "192.0.2.6/32", NULL };
	static const char *const all4[] = { "0.0.0.0/0", NULL };
	static const char *const all6[] = { "::/0", NULL };
	static const char *const top[] = { "255.255.255.255/32", NULL };
	static const char *const top24[] = { "255.255.255.0/24", NULL };
	static const char *const top6[] = { "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ff00/120", NULL };
	static const char *const low64[] = { "2001:db8:0:1::/64", NULL };
	static const char *const one6[] = { "2001:db8::1/128", "2001:db8::2/128", NULL };
	static const char *const pfx[] = { "192.0.2.0/24", NULL };
	struct sl_pfx_vec vec = { 0 };
	const char *why;
	bool masked;

	(void)state;
	check_entry("192.0.2.0-192.0.2.255", r24);
	check_entry("192.0.2.0 - 192.0.2.255", r24);
	check_entry("192.0.2.1-192.0.2.6", r1_6);
	check_entry("0.0.0.0-255.255.255.255", all4);
	check_entry("::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", all6);
	check_entry("255.255.255.255-255.255.255.255", top);
	check_entry("255.255.255.0-255.255.255.255", top24);
	check_entry("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ff00-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
		    top6);
	check_entry("2001:db8::1-2001:db8::2", one6);
	check_entry("2001:db8:0:1::-2001:db8:0:1:ffff:ffff:ffff:ffff", low64);
	check_entry("192.0.2.0/24", pfx);

	assert_int_equal(sl_parse_entry("192.0.2.9-192.0.2.1", 19, &vec, &why, &masked), -EINVAL);
	assert_string_equal(why, "range ends before it starts");
	assert_int_equal(sl_parse_entry("192.0.2.1-2001:db8::1", 21, &vec, &why, &masked), -EINVAL);
	assert_string_equal(why, "range mixes IPv4 and IPv6");
	assert_int_equal(sl_parse_entry("192.0.2.1-", 10, &vec, &why, &masked), -EINVAL);
	assert_string_equal(why, "bad range (expected FIRST-LAST)");
	assert_int_equal(sl_parse_entry("-192.0.2.1", 10, &vec, &why, &masked), -EINVAL);
	assert_string_equal(why, "bad range (expected FIRST-LAST)");
	assert_int_equal(sl_parse_entry("192.0.2.1-x", 11, &vec, &why, &masked), -EINVAL);
	assert_string_equal(why, "bad range (expected FIRST-LAST addresses)");
	assert_int_equal(sl_parse_entry("192.0.2.0/24-192.0.2.255", 24, &vec, &why, &masked),
			 -EINVAL);
	assert_int_equal(vec.n, 0);
	sl_pfx_vec_free(&vec);
}

static __u32 v4_of(const struct sl_pfx *p)
{
	return (__u32)p->addr[0] << 24 | (__u32)p->addr[1] << 16 | (__u32)p->addr[2] << 8 |
	       p->addr[3];
}

/* Random IPv4 ranges: the prefixes are aligned and tile lo..hi exactly. */
static void test_entry_ranges_random(void **state)
{
	unsigned int seed = 11;
	int i;

	(void)state;
	for (i = 0; i < 5000; i++) {
		__u32 lo = (__u32)rand_r(&seed) << 1 ^ (__u32)rand_r(&seed), hi, t;
		struct sl_pfx_vec vec = { 0 };
		char s[64];
		const char *why;
		bool masked;
		__u64 next;
		size_t k;
		int rc;

		hi = i % 2 ? lo + (__u32)rand_r(&seed) % 100000 : (__u32)rand_r(&seed) << 1;
		if (hi < lo) {
			t = lo;
			lo = hi;
			hi = t;
		}
		snprintf(s, sizeof(s), "%u.%u.%u.%u-%u.%u.%u.%u", lo >> 24, lo >> 16 & 255,
			 lo >> 8 & 255, lo & 255, hi >> 24, hi >> 16 & 255, hi >> 8 & 255,
			 hi & 255);
		rc = sl_parse_entry(s, strlen(s), &vec, &why, &masked);
		assert_true(rc > 0 && rc <= 62);
		assert_int_equal(vec.n, rc);
		next = lo;
		for (k = 0; k < vec.n; k++) {
			__u32 a = v4_of(&vec.v[k]);
			__u64 size = 1ull << (32 - vec.v[k].plen);

			assert_int_equal(vec.v[k].family, 4);
			assert_int_equal(a, next);
			assert_int_equal(a & (size - 1), 0);
			next = a + size;
		}
		assert_int_equal(next, (__u64)hi + 1);
		sl_pfx_vec_free(&vec);
	}
}

typedef unsigned __int128 u128;

static u128 v6_of(const struct sl_pfx *p)
{
	u128 v = 0;
	int i;

	for (i = 0; i < 16; i++)
		v = v << 8 | p->addr[i];
	return v;
}

static void v6_str(u128 v, char *buf, size_t len)
{
	struct sl_pfx p = { .family = 6, .plen = 128 };
	int i;

	for (i = 15; i >= 0; i--) {
		p.addr[i] = (__u8)v;
		v >>= 8;
	}
	sl_fmt_addr(buf, len, &p);
}

static u128 rand128(unsigned int *seed)
{
	u128 v = 0;
	int i;

	for (i = 0; i < 8; i++)
		v = v << 16 | (rand_r(seed) & 0xffff);
	return v;
}

/* Random IPv6 ranges, of all magnitudes: the prefixes tile lo..hi exactly. */
static void test_entry_ranges_random_v6(void **state)
{
	unsigned int seed = 13;
	int i;

	(void)state;
	for (i = 0; i < 3000; i++) {
		int zeros = rand_r(&seed) % 129, bits = rand_r(&seed) % 129;
		u128 lo = rand128(&seed), span = rand128(&seed), hi, next;
		struct sl_pfx_vec vec = { 0 };
		char a[64], b[64], s[140];
		const char *why;
		bool masked;
		size_t k;
		int rc;

		/* lo with `zeros` low zero bits, span below 2^bits */
		lo = zeros == 128 ? 0 : lo >> zeros << zeros;
		span = bits == 128 ? span : span & (((u128)1 << bits) - 1);
		hi = lo + span < lo ? ~(u128)0 : lo + span;
		v6_str(lo, a, sizeof(a));
		v6_str(hi, b, sizeof(b));
		snprintf(s, sizeof(s), "%s-%s", a, b);
		rc = sl_parse_entry(s, strlen(s), &vec, &why, &masked);
		if (rc <= 0 || rc > 254)
			fail_msg("\"%s\": %d", s, rc);
		assert_int_equal(vec.n, rc);
		next = lo;
		for (k = 0; k < vec.n; k++) {
			u128 at = v6_of(&vec.v[k]);
			int host = 128 - vec.v[k].plen;
			u128 mask = host == 128 ? ~(u128)0 : ((u128)1 << host) - 1;

			assert_int_equal(vec.v[k].family, 6);
			assert_true(at == next);
			assert_true((at & mask) == 0);
			if (k + 1 < vec.n)
				next = at + mask + 1;
			else
				assert_true(at + mask == hi);
		}
		sl_pfx_vec_free(&vec);
	}
}

/* --idle and the config key idle: plain decimal with a unit, 1 ms to 30 days. */
static void test_duration(void **state)
{
	static const struct {
		const char *s;
		int err;
		__u64 ns;
	} cases[] = {
		{ "10m", 0, 600000000000ull },	  { "500ms", 0, 500000000ull },
		{ "1.5h", 0, 5400000000000ull }, { "30", 0, 30000000000ull },
		{ "1ms", 0, 1000000ull },	  { "30d", 0, 2592000000000000ull },
		{ "0.5s", 0, 500000000ull },	  { "0.1ms", -ERANGE, 0 },
		{ "31d", -ERANGE, 0 },		  { "0", -ERANGE, 0 },
		{ "", -EINVAL, 0 },		  { "m", -EINVAL, 0 },
		{ "-1s", -EINVAL, 0 },		  { "1e3s", -EINVAL, 0 },
		{ "0x10m", -EINVAL, 0 },	  { "1.2.3s", -EINVAL, 0 },
		{ "10 m", -EINVAL, 0 },		  { "10min", -EINVAL, 0 },
		{ "inf", -EINVAL, 0 },		  { "+5s", -EINVAL, 0 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		__u64 ns = 0;
		int err = sl_parse_duration(cases[i].s, &ns);

		if (err != cases[i].err || (!err && ns != cases[i].ns))
			fail_msg("'%s': got %d, %llu; want %d, %llu", cases[i].s, err,
				 (unsigned long long)ns, cases[i].err, (unsigned long long)cases[i].ns);
	}
}

/*
 * sl_parse_v4_at() (the feed reader's fast path) takes exactly the IPv4
 * entries sl_parse_prefix() takes, with the same result: over a million
 * strings of digits, dots and slashes, and the edge cases by name.
 */
static void check_v4_at(const char *str, size_t len)
{
	static const char after[] = "9.9/99.";
	char s[64];
	struct sl_pfx a, b;
	const char *why, *q;
	bool ma = false, mb = false;
	int rc = sl_parse_prefix(str, len, &b, &why, &mb);
	size_t i;

	/* the slack it reads past end holds digits, dots and slashes, not read as such */
	assert_true(len + SL_PARSE_V4_SLACK <= sizeof(s));
	memcpy(s, str, len);
	for (i = len; i < len + SL_PARSE_V4_SLACK; i++)
		s[i] = after[(i + len) % (sizeof(after) - 1)];
	q = sl_parse_v4_at(s, s + len, &a, &ma);
	if (q == s + len) {
		assert_int_equal(rc, 0);
		assert_memory_equal(&a, &b, sizeof(a));
		assert_int_equal(ma, mb);
	} else {
		assert_true(rc != 0 || b.family == 6);
	}
}

static void test_v4_at_same(void **state)
{
	static const char *const named[] = {
		"0.0.0.0", "255.255.255.255", "256.1.1.1", "01.2.3.4", "1.2.3.4/0", "1.2.3.4/00",
		"1.2.3.4/032", "1.2.3.4/32", "1.2.3.4/33", "1.2.3.4/", "1.2.3.4/3x", "1.2.3",
		"1.2.3.4.5", "1.2.3.4567", "10.0.0.1/8", "0.0.0.0/0", "1..2.3", ".1.2.3.4",
	};
	const char alpha[] = "0123456789./";
	unsigned int seed = 3;
	char buf[24];
	size_t i, k, len;

	(void)state;
	for (i = 0; i < sizeof(named) / sizeof(named[0]); i++)
		check_v4_at(named[i], strlen(named[i]));
	for (i = 0; i < 1000000; i++) {
		if (i % 2) {
			/* four octets of 1-3 digits, maybe a length, maybe one byte changed */
			len = 0;
			for (k = 0; k < 4; k++)
				len += snprintf(buf + len, sizeof(buf) - len, "%s%.*d", k ? "." : "",
						1 + rand_r(&seed) % 3, rand_r(&seed) % 300);
			if (rand_r(&seed) % 2)
				len += snprintf(buf + len, sizeof(buf) - len, "/%.*d",
						1 + rand_r(&seed) % 2, rand_r(&seed) % 40);
			if (rand_r(&seed) % 4 == 0)
				buf[rand_r(&seed) % len] = alpha[rand_r(&seed) % 12];
		} else {
			len = 1 + rand_r(&seed) % 20;
			for (k = 0; k < len; k++)
				buf[k] = rand_r(&seed) % 4 ? alpha[rand_r(&seed) % 10] :
							     alpha[10 + rand_r(&seed) % 2];
		}
		check_v4_at(buf, len);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rate_units),
		cmocka_unit_test(test_rate_case_and_fractions),
		cmocka_unit_test(test_rate_limits),
		cmocka_unit_test(test_rate_rejects),
		cmocka_unit_test(test_rate_strict),
		cmocka_unit_test(test_size),
		cmocka_unit_test(test_size_rejects),
		cmocka_unit_test(test_parse_addr),
		cmocka_unit_test(test_parse_quad_as_inet_pton),
		cmocka_unit_test(test_prefix_as_reference),
		cmocka_unit_test(test_prefix_valid),
		cmocka_unit_test(test_prefix_host_bits),
		cmocka_unit_test(test_prefix_length_arg),
		cmocka_unit_test(test_prefix_rejects),
		cmocka_unit_test(test_prefix_too_long),
		cmocka_unit_test(test_fmt_round_trip),
		cmocka_unit_test(test_fmt_round_trip_random),
		cmocka_unit_test(test_pfx_mask),
		cmocka_unit_test(test_feed_line),
		cmocka_unit_test(test_class_name),
		cmocka_unit_test(test_duration),
		cmocka_unit_test(test_quote),
		cmocka_unit_test(test_entry_ranges),
		cmocka_unit_test(test_entry_ranges_random),
		cmocka_unit_test(test_entry_ranges_random_v6),
		cmocka_unit_test(test_v4_at_same),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
