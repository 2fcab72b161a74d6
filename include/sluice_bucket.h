/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sluice: token bucket arithmetic, shared by the datapath (bpf/police.h,
 * under the bucket's spin lock) and the unit tests. Tokens are counted in
 * bit-nanoseconds per second: a byte is worth 8e9, and one nanosecond at
 * R bit/s adds R, so refills are exact integers.
 */
#ifndef SLUICE_BUCKET_H
#define SLUICE_BUCKET_H

#include <linux/types.h>

#define SL_NSEC 1000000000ull

/* The most tokens a bucket of burst bytes holds (burst <= 1 GiB: no overflow). */
static inline __s64 sl_bucket_cap(__u64 burst)
{
	return (__s64)(burst * 8 * SL_NSEC);
}

/* Tokens after elapsed ns at rate bit/s, capped at cap. */
static inline __s64 sl_bucket_refill(__s64 tokens, __s64 cap, __u64 elapsed, __u64 rate)
{
	__u64 room;

	if (tokens > cap)
		return cap;
	room = (__u64)(cap - tokens);
	/* elapsed * rate could overflow: compare through a division first */
	if (elapsed > room / rate)
		return cap;
	return tokens + (__s64)(elapsed * rate);
}

/*
 * Admit a packet of len bytes while the bucket holds any tokens, taking its
 * whole length: the bucket may go into debt by up to one packet. Returns 1
 * when admitted.
 */
static inline int sl_bucket_take(__s64 *tokens, __u64 len)
{
	if (*tokens <= 0)
		return 0;
	*tokens -= (__s64)(len * 8 * SL_NSEC);
	return 1;
}

#endif
