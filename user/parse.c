// SPDX-License-Identifier: GPL-2.0
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "parse.h"
#include "sluice.h"
#include "util.h"
#include "prefix.h"

struct unit {
	const char *name;
	double mult;
};

/*
 * A plain decimal number as tc(8) writes it, DIGITS[.DIGITS], then the unit:
 * no sign, no hexadecimal, no exponent, no "inf" or "nan" (which strtod()
 * would take).
 */
static size_t plain_decimal(const char *s)
{
	size_t n = strspn(s, "0123456789"), f;

	if (n && s[n] == '.') {
		f = strspn(s + n + 1, "0123456789");
		return f ? n + 1 + f : 0;
	}
	return n;
}

static int parse_scaled(const char *s, const struct unit *units, size_t nunits, double *out)
{
	size_t i, n;
	char *end;
	double v;

	n = s ? plain_decimal(s) : 0;
	if (!n)
		return -EINVAL;
	errno = 0;
	v = strtod(s, &end);
	if (errno || end != s + n || !isfinite(v) || v < 0)
		return -EINVAL;
	if (!*end) {
		*out = v * units[0].mult;
		return 0;
	}
	for (i = 0; i < nunits; i++) {
		if (!strcasecmp(end, units[i].name)) {
			*out = v * units[i].mult;
			return 0;
		}
	}
	return -EINVAL;
}

int sl_parse_rate(const char *s, __u64 *bps)
{
	/* As tc(8): a bare number is bit/s; "bps" is bytes per second. */
	static const struct unit units[] = {
		{ "bit", 1 },	      { "kbit", 1e3 },	     { "mbit", 1e6 },
		{ "gbit", 1e9 },      { "tbit", 1e12 },	     { "kibit", 1024.0 },
		{ "mibit", 1048576.0 }, { "gibit", 1073741824.0 },
		{ "tibit", 1099511627776.0 }, { "bps", 8 }, { "kbps", 8e3 },
		{ "mbps", 8e6 },      { "gbps", 8e9 },	     { "tbps", 8e12 },
		{ "kibps", 8192.0 },  { "mibps", 8388608.0 }, { "gibps", 8589934592.0 },
	};
	double v;

	if (parse_scaled(s, units, ARRAY_SIZE(units), &v))
		return -EINVAL;
	if (v < 1) /* 0.5bit is not a rate that rounds up */
		return -ERANGE;
	v = round(v);
	if (v > (double)SL_MAX_RATE)
		return -ERANGE;
	*bps = (__u64)v;
	return 0;
}

int sl_parse_size(const char *s, __u64 *bytes)
{
	/* As tc(8): k/kb are 1024 bytes; kbit is 1024 bits. */
	static const struct unit units[] = {
		{ "b", 1 },	     { "k", 1024.0 },	   { "kb", 1024.0 },
		{ "m", 1048576.0 },  { "mb", 1048576.0 }, { "g", 1073741824.0 },
		{ "gb", 1073741824.0 }, { "kbit", 128.0 }, { "mbit", 131072.0 },
		{ "gbit", 134217728.0 },
	};
	double v;

	if (parse_scaled(s, units, ARRAY_SIZE(units), &v))
		return -EINVAL;
	v = round(v);
	if (v < 1 || v > (double)SL_MAX_BURST)
		return -ERANGE;
	*bytes = (__u64)v;
	return 0;
}


/*
 * A decimal number at s of 1 to digits (at most 3) digits, without a
 * leading zero, at most max: where it ends (a further digit is not read),
 * or NULL. The octets of a quad and prefix lengths are read with it.
 */
static inline const char *dec_at(const char *s, const char *end, int digits, unsigned int max,
				 unsigned int *v)
{
	if (s == end || *s < '0' || *s > '9')
		return NULL;
	*v = *s++ - '0';
	/* written out, not a loop: both callers' digits are constants */
	if (digits > 1 && s < end && *s >= '0' && *s <= '9') {
		if (!*v)
			return NULL;
		*v = *v * 10 + (*s++ - '0');
		if (digits > 2 && s < end && *s >= '0' && *s <= '9')
			*v = *v * 10 + (*s++ - '0');
	}
	return *v <= max ? s : NULL;
}

/*
 * The dotted quad at s, before end, as inet_pton(AF_INET) takes it (four
 * decimal octets up to 255, no leading zeros) without its per-call
 * overhead, most lines of a large feed being IPv4 addresses: where it
 * ends, or NULL when s does not start with one. What follows it is not
 * looked at ("1.2.3.4567" ends before the 7).
 */
static const char *quad_at(const char *s, const char *end, __u8 out[4])
{
	unsigned int v;
	int i;

	for (i = 0; i < 4; i++) {
		s = dec_at(s, end, 3, 255, &v);
		if (!s)
			return NULL;
		out[i] = v;
		if (i < 3 && (s == end || *s++ != '.'))
			return NULL;
	}
	return s;
}

static bool parse_quad(const char *s, const char *end, __u8 out[4])
{
	return quad_at(s, end, out) == end;
}

/*
 * quad_at() without a branch on the digits, whose count varies from octet
 * to octet and is mispredicted in a large feed: each octet reads three
 * bytes and keeps those that are digits before end; one test at the end.
 * Reads the 15 bytes from s, also past end.
 */
static const char *quad_at_slack(const char *s, const char *end, __u8 out[4])
{
	unsigned int bad = 0;
	int i;

	for (i = 0; i < 4; i++) {
		unsigned int c0 = (unsigned char)s[0] - '0', c1 = (unsigned char)s[1] - '0';
		unsigned int c2 = (unsigned char)s[2] - '0';
		unsigned int d1 = (c1 < 10) & (s + 1 < end), d2 = d1 & (c2 < 10) & (s + 2 < end);
		unsigned int v2 = c0 * 10 + c1, v3 = v2 * 10 + c2;
		unsigned int v = c0 + d1 * (v2 - c0) + d2 * (v3 - v2);

		/* a digit; no leading zero; at most 255 */
		bad |= (s >= end) | (c0 > 9) | ((c0 == 0) & d1) | (v > 255);
		out[i] = v;
		s += 1 + d1 + d2;
		if (i < 3) {
			bad |= (s >= end) | (*s != '.');
			s++;
		}
	}
	return bad ? NULL : s;
}

const char *sl_parse_v4_at(const char *s, const char *end, struct sl_pfx *p, bool *masked)
{
	const char *q;
	unsigned int plen = 32;

	memset(p, 0, sizeof(*p));
	q = quad_at_slack(s, end, p->addr);
	if (!q)
		return NULL;
	/* as sl_parse_prefix: decimal, no leading zero, at most 32 */
	if (q < end && *q == '/' && !(q = dec_at(q + 1, end, 2, 32, &plen)))
		return NULL;
	p->family = 4;
	p->plen = plen;
	*masked = plen < 32 && sl_pfx_mask(p);
	return q;
}

int sl_parse_addr(const char *s, struct sl_pfx *p)
{
	memset(p, 0, sizeof(*p));
	if (parse_quad(s, s + strlen(s), p->addr)) {
		p->family = 4;
		p->plen = 32;
		return 0;
	}
	if (inet_pton(AF_INET6, s, p->addr) == 1) {
		p->family = 6;
		p->plen = 128;
		return 0;
	}
	return -EINVAL;
}

int sl_parse_prefix(const char *s, size_t len, struct sl_pfx *p, const char **why,
		    bool *masked)
{
	const char *slash = memchr(s, '/', len), *end = s + len;
	char buf[INET6_ADDRSTRLEN + 8];
	size_t alen = slash ? (size_t)(slash - s) : len;
	unsigned int plen = 0;

	*masked = false;
	if (len == 0) {
		*why = "empty address";
		return -EINVAL;
	}
	/* longer than any address and length can be */
	if (len >= sizeof(buf)) {
		*why = "not an IPv4 or IPv6 address or prefix";
		return -EINVAL;
	}
	memset(p, 0, sizeof(*p));
	if (parse_quad(s, s + alen, p->addr)) {
		p->family = 4;
		p->plen = 32;
	} else {
		/* IPv6, or nothing: inet_pton wants it on its own */
		memcpy(buf, s, alen);
		buf[alen] = '\0';
		if (memchr(s, '\0', alen) || inet_pton(AF_INET6, buf, p->addr) != 1) {
			*why = "not an IPv4 or IPv6 address or prefix";
			return -EINVAL;
		}
		p->family = 6;
		p->plen = 128;
	}
	if (!slash)
		return 0;

	/* decimal without leading zeros: "/024" is a typo, not /24 */
	if (dec_at(slash + 1, end, 3, ~0u, &plen) != end) {
		*why = "bad prefix length";
		return -EINVAL;
	}
	if (plen > (p->family == 4 ? 32u : 128u)) {
		*why = p->family == 4 ? "prefix length above 32" : "prefix length above 128";
		return -EINVAL;
	}
	p->plen = (__u8)plen;
	*masked = sl_pfx_mask(p);
	return 0;
}



char *sl_trim(char *s, char **end)
{
	char *e;

	while (*s && isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		e--;
	*e = '\0';
	*end = e;
	return s;
}

int sl_parse_feed_line(char *line, struct sl_pfx *p, const char **why, bool *masked)
{
	char *s, *e;

	*masked = false;
	line[strcspn(line, "#;")] = '\0';
	s = sl_trim(line, &e);
	if (e == s)
		return 0;
	if (strpbrk(s, " \t")) {
		*why = "more than one field (expected one address or prefix per line)";
		return -EINVAL;
	}
	if (sl_parse_prefix(s, e - s, p, why, masked))
		return -EINVAL;
	return 1;
}

bool sl_valid_class_name(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n >= SL_NAME_LEN || name[0] == '-')
		return false;
	/* "." and ".." read as paths; any case of "default" is the default's */
	if (!strcmp(name, ".") || !strcmp(name, "..") ||
	    (!strcasecmp(name, "default") && strcmp(name, "default")))
		return false;
	return strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") ==
	       n;
}





static int parse_range(const char *s, size_t len, const char *dash, struct sl_pfx_vec *vec,
		       const char **why)
{
	char a[INET6_ADDRSTRLEN + 1], b[INET6_ADDRSTRLEN + 1];
	size_t la = dash - s, lb = len - la - 1;
	struct sl_pfx lo, hi;

	while (la && isspace((unsigned char)s[la - 1]))
		la--;
	while (lb && isspace((unsigned char)dash[1]))
		dash++, lb--;
	if (!la || !lb || la >= sizeof(a) || lb >= sizeof(b)) {
		*why = "bad range (expected FIRST-LAST)";
		return -EINVAL;
	}
	memcpy(a, s, la);
	a[la] = '\0';
	memcpy(b, dash + 1, lb);
	b[lb] = '\0';
	if (sl_parse_addr(a, &lo) || sl_parse_addr(b, &hi)) {
		*why = "bad range (expected FIRST-LAST addresses)";
		return -EINVAL;
	}
	if (lo.family != hi.family) {
		*why = "range mixes IPv4 and IPv6";
		return -EINVAL;
	}
	if (sl_pfx_to_u128(&lo) > sl_pfx_to_u128(&hi)) {
		*why = "range ends before it starts";
		return -EINVAL;
	}
	return sl_range_to_pfx(&lo, &hi, vec);
}

int sl_parse_entry(const char *s, size_t len, struct sl_pfx_vec *vec, const char **why,
		   bool *masked)
{
	const char *dash = memchr(s, '-', len);
	struct sl_pfx p;
	int err;

	*masked = false;
	if (dash)
		return parse_range(s, len, dash, vec, why);
	if (sl_parse_prefix(s, len, &p, why, masked))
		return -EINVAL;
	err = sl_pfx_vec_push(vec, &p);
	return err ? err : 1;
}

/*
 * Police: the default burst is 250 ms at the rate, never below 128 KiB (two
 * GSO packets). TCP through a policer needs that much: measured here with
 * iperf3, 100 ms of burst gave 50-65% of the rate, 250 ms gave 100%.
 */
#define SL_BURST_MIN (128 * 1024ull)
#define SL_BURST_MS 250

/*
 * Shape: HTB's burst, large enough for a GSO super-packet (64 KiB) on top of
 * what the rate sends in 2 ms, so the qdisc keeps the rate at any timer tick.
 */
#define SL_SHAPE_BURST_MIN (64 * 1024ull + 1514)
#define SL_SHAPE_BURST_MS 2

__u64 sl_default_shape_burst(__u64 rate_bps)
{
	__u64 b = rate_bps / 8 * SL_SHAPE_BURST_MS / 1000;

	return b < SL_SHAPE_BURST_MIN ? SL_SHAPE_BURST_MIN : b > SL_MAX_BURST ? SL_MAX_BURST : b;
}

__u64 sl_default_burst(__u64 rate_bps)
{
	__u64 b = rate_bps / 8 * SL_BURST_MS / 1000;

	if (b < SL_BURST_MIN)
		b = SL_BURST_MIN;
	if (b > SL_MAX_BURST)
		b = SL_MAX_BURST;
	return b;
}

int sl_parse_duration(const char *s, __u64 *ns)
{
	static const struct {
		const char *unit;
		double ns;
	} units[] = { { "", 1e9 }, { "ms", 1e6 }, { "s", 1e9 }, { "m", 60e9 },
		      { "h", 3600e9 }, { "d", 86400e9 } };
	size_t n = strspn(s, "0123456789."), dots = 0, i;
	char *end;
	double v;

	/* plain decimal, as the rates: no sign, exponent or hex */
	for (i = 0; i < n; i++)
		dots += s[i] == '.';
	if (!n || dots > 1 || dots == n)
		return -EINVAL;
	v = strtod(s, &end);
	if (end != s + n)
		return -EINVAL;
	for (i = 0; i < ARRAY_SIZE(units); i++) {
		if (strcmp(end, units[i].unit))
			continue;
		v *= units[i].ns;
		if (v < 1e6 || v > 30 * 86400e9)
			return -ERANGE;
		*ns = (__u64)(v + 0.5);
		return 0;
	}
	return -EINVAL;
}

int sl_parse_pct(const char *s, double *out)
{
	char *end;
	double v = strtod(s, &end);

	if (end == s || (*end && strcmp(end, "%")) || v < 0 || v > 100)
		return -EINVAL;
	*out = v;
	return 0;
}

int sl_parse_u32(const char *s, __u32 min, __u32 max, __u32 *out)
{
	unsigned long v;
	char *end;

	if (!*s || !isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -EINVAL;
	*out = (__u32)v;
	return 0;
}
