// SPDX-License-Identifier: GPL-2.0
/* The test frame builder (user/frame.c): layout, lengths and checksums. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <cmocka.h>

#include "frame.h"

static __u16 be16(const __u8 *p)
{
	return p[0] << 8 | p[1];
}

/* One's complement sum over len bytes: 0xffff when a checksum in it holds. */
static __u16 sum16(const __u8 *p, size_t len)
{
	__u32 s = 0;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		s += be16(p + i);
	if (len & 1)
		s += p[len - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return s;
}

static void test_probe_v4(void **state)
{
	struct sl_frame f = { 0 };
	__u8 b[SL_FRAME_HDR_MAX];

	(void)state;
	assert_int_equal(sl_frame_addrs(&f, "192.0.2.1", "198.51.100.7"), 0);
	assert_int_equal(sl_frame_hdr_len(&f), 14 + 20);
	assert_int_equal(sl_frame_build(&f, b, sizeof(b)), 14 + 20);
	assert_int_equal(be16(b + 12), 0x0800);
	assert_int_equal(b[14], 0x45);
	assert_int_equal(be16(b + 16), 20); /* total length */
	assert_int_equal(b[22], 64);	    /* TTL */
	assert_memory_equal(b + 26, ((__u8[]){ 192, 0, 2, 1, 198, 51, 100, 7 }), 8);
	assert_int_equal(sum16(b + 14, 20), 0xffff);
}

static void test_qinq_options_udp(void **state)
{
	struct sl_frame f = {
		.tags = { { 0x88a8, 100 }, { 0x8100, 101 } },
		.ntags = 2,
		.proto = IPPROTO_UDP,
		.ihl = 6,
		.l4 = true,
		.sport = 1234,
		.dport = 53,
		.payload = 5,
		.data = "hello",
		.data_len = 5,
	};
	__u8 b[128];
	size_t l3 = 14 + 8;

	(void)state;
	assert_int_equal(sl_frame_addrs(&f, "10.0.0.1", "10.0.0.2"), 0);
	assert_int_equal(sl_frame_build(&f, b, sizeof(b)), l3 + 24 + 8 + 5);
	assert_int_equal(be16(b + 12), 0x88a8);
	assert_int_equal(be16(b + 14), 100);
	assert_int_equal(be16(b + 16), 0x8100);
	assert_int_equal(be16(b + 18), 101);
	assert_int_equal(be16(b + 20), 0x0800);
	assert_int_equal(b[l3], 0x46);
	assert_int_equal(b[l3 + 20], 1); /* a NOP option */
	assert_int_equal(be16(b + l3 + 2), 24 + 8 + 5);
	assert_int_equal(sum16(b + l3, 24), 0xffff);
	assert_int_equal(be16(b + l3 + 24), 1234);
	assert_int_equal(be16(b + l3 + 26), 53);
	assert_int_equal(be16(b + l3 + 28), 8 + 5);
	assert_memory_equal(b + l3 + 32, "hello", 5);
}

static void test_v6_tcp(void **state)
{
	struct sl_frame f = {
		.proto = IPPROTO_TCP,
		.l4 = true,
		.sport = 443,
		.dport = 50000,
		.tcp_flags = TH_SYN | TH_ACK,
		.payload = 10,
	};
	__u8 b[128], pseudo[40];
	size_t l4 = 14 + 40;
	__u32 s;

	(void)state;
	assert_int_equal(sl_frame_addrs(&f, "2001:db8::1", "2001:db8::2"), 0);
	assert_int_equal(f.family, 6);
	assert_int_equal(sl_frame_build(&f, b, sizeof(b)), l4 + 20 + 10);
	assert_int_equal(be16(b + 12), 0x86dd);
	assert_int_equal(b[14] >> 4, 6);
	assert_int_equal(be16(b + 18), 20 + 10); /* payload length */
	assert_int_equal(b[20], IPPROTO_TCP);
	assert_int_equal(be16(b + l4), 443);
	assert_int_equal(b[l4 + 12] >> 4, 5);
	assert_int_equal(b[l4 + 13], TH_SYN | TH_ACK);
	/* The checksum covers the pseudo-header and the segment. */
	memset(pseudo, 0, sizeof(pseudo));
	memcpy(pseudo, b + 22, 32);
	pseudo[35] = 30;
	pseudo[39] = IPPROTO_TCP;
	s = sum16(pseudo, sizeof(pseudo)) + sum16(b + l4, 30);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	assert_int_equal(s, 0xffff);
}

static void test_non_ip_and_errors(void **state)
{
	static const __u8 arp[28] = { 0x00, 0x01, 0x08, 0x00 };
	struct sl_frame f = { .ethertype = 0x0806, .data = arp, .data_len = 28, .payload = 46 };
	__u8 b[64];

	(void)state;
	assert_int_equal(sl_frame_build(&f, b, sizeof(b)), 60);
	assert_int_equal(be16(b + 12), 0x0806);
	assert_memory_equal(b + 14, arp, 28);
	assert_int_equal(b[59], 0);
	/* Too small a buffer, too many tags, a bad IHL, L4 without IP. */
	assert_int_equal(sl_frame_build(&f, b, 59), -EINVAL);
	f.ntags = SL_FRAME_MAX_TAGS + 1;
	assert_true(sl_frame_hdr_len(&f) < 0);
	f.ntags = 0;
	f.l4 = true;
	assert_true(sl_frame_hdr_len(&f) < 0);
	f = (struct sl_frame){ .family = 4, .ihl = 4 };
	assert_true(sl_frame_hdr_len(&f) < 0);
	assert_int_equal(sl_frame_addrs(&f, "10.0.0.1", "nope"), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_probe_v4),
		cmocka_unit_test(test_qinq_options_udp),
		cmocka_unit_test(test_v6_tcp),
		cmocka_unit_test(test_non_ip_and_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
