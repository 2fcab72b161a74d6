// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "prefix.h"
#include "util.h"

int sl_pfx_vec_reserve(struct sl_pfx_vec *vec, size_t n)
{
	struct sl_pfx *v;

	if (n <= vec->cap)
		return 0;
	v = sl_big_grow(vec->v, vec->n * sizeof(*v), n * sizeof(*v));
	if (!v)
		return -ENOMEM;
	vec->v = v;
	vec->cap = n;
	return 0;
}

int sl_pfx_vec_append(struct sl_pfx_vec *vec, const struct sl_pfx *p, size_t n)
{
	if (vec->n + n > vec->cap) {
		size_t cap = vec->cap ? vec->cap : 1024;
		struct sl_pfx *v;

		while (cap < vec->n + n)
			cap *= 2;
		v = sl_big_grow(vec->v, vec->n * sizeof(*v), cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		vec->v = v;
		vec->cap = cap;
	}
	if (n)
		memcpy(vec->v + vec->n, p, n * sizeof(*p));
	vec->n += n;
	return 0;
}

void sl_pfx_vec_free(struct sl_pfx_vec *vec)
{
	free(vec->v);
	memset(vec, 0, sizeof(*vec));
}

static int cmp_qsort(const void *a, const void *b)
{
	return sl_pfx_cmp(a, b);
}

static bool same_prefix(const struct sl_pfx *a, const struct sl_pfx *b)
{
	__u32 x, y;

	if (a->family != b->family || a->plen != b->plen)
		return false;
	if (a->family == 6)
		return sl_be64_at(a->addr) == sl_be64_at(b->addr) &&
		       sl_be64_at(a->addr + 8) == sl_be64_at(b->addr + 8);
	memcpy(&x, a->addr, sizeof(x));
	memcpy(&y, b->addr, sizeof(y));
	return x == y;
}

/*
 * Sort by merging the sorted runs already in the vector: the union of
 * classes is a concatenation of sorted lists, so this is O(n log runs), and
 * a fresh feed (one run per element at worst) falls back to qsort.
 */
static void sort_runs(struct sl_pfx_vec *vec)
{
	struct sl_pfx *a = vec->v, *tmp;
	size_t n = vec->n, runs = 1, i, width;
	size_t *starts;

	for (i = 1; i < n; i++)
		runs += sl_pfx_cmp(&a[i - 1], &a[i]) > 0;
	if (runs == 1)
		return;
	tmp = sl_big_alloc(n * sizeof(*a));
	starts = malloc((runs + 1) * sizeof(*starts));
	if (!tmp || !starts || runs > n / 8) {
		free(tmp);
		free(starts);
		qsort(a, n, sizeof(*a), cmp_qsort);
		return;
	}
	starts[0] = 0;
	for (i = 1, runs = 1; i < n; i++)
		if (sl_pfx_cmp(&a[i - 1], &a[i]) > 0)
			starts[runs++] = i;
	starts[runs] = n;
	for (width = 1; width < runs; width *= 2) {
		size_t r, o = 0;

		for (r = 0; r < runs; r += 2 * width) {
			size_t lo = starts[r], mid = starts[r + width < runs ? r + width : runs];
			size_t hi = starts[r + 2 * width < runs ? r + 2 * width : runs];
			size_t x = lo, y = mid;

			while (x < mid && y < hi)
				tmp[o++] = sl_pfx_cmp(&a[y], &a[x]) < 0 ? a[y++] : a[x++];
			while (x < mid)
				tmp[o++] = a[x++];
			while (y < hi)
				tmp[o++] = a[y++];
		}
		memcpy(a, tmp, n * sizeof(*a));
	}
	free(tmp);
	free(starts);
}

/*
 * LSD radix sort of the IPv4 keys (sort_all), RADIX_BITS a pass, skipping
 * digits that are the same in every key. The digits' counts are taken in one
 * pass before the first: a pass moves keys, it does not change them.
 */
#define RADIX_BITS 11
#define RADIX_DIGITS 5 /* 55 bits: address 32, length 6, class 16 */
#define KEY_ADDR 22	/* the key's fields: address above length above class */
#define KEY_PLEN 16
#define RADIX_MASK ((1u << RADIX_BITS) - 1)
static int radix_sort64(__u64 *k, size_t n)
{
	__u64 *tmp = sl_big_alloc(n * sizeof(*k)), *src = k, *dst = tmp;
	__u32(*count)[1u << RADIX_BITS] = calloc(RADIX_DIGITS, sizeof(*count));
	size_t i;
	int d;

	if (!tmp || !count) {
		free(tmp);
		free(count);
		return -ENOMEM;
	}
	for (i = 0; i < n; i++)
		for (d = 0; d < RADIX_DIGITS; d++)
			count[d][k[i] >> (d * RADIX_BITS) & RADIX_MASK]++;
	for (d = 0; d < RADIX_DIGITS; d++) {
		int shift = d * RADIX_BITS;
		__u32 *c = count[d], sum = 0;

		if (c[src[0] >> shift & RADIX_MASK] == n)
			continue;
		for (i = 0; i <= RADIX_MASK; i++) {
			__u32 x = c[i];

			c[i] = sum;
			sum += x;
		}
		for (i = 0; i < n; i++)
			dst[c[src[i] >> shift & RADIX_MASK]++] = src[i];
		src = dst;
		dst = src == k ? tmp : k;
	}
	if (src != k)
		memcpy(k, src, n * sizeof(*k));
	free(tmp);
	free(count);
	return 0;
}

/*
 * IPv4 entries are fully described by address, length and class, so they
 * sort as 64-bit keys (address:32, length:6, class:16) with a radix sort;
 * IPv6 entries are few and go through the comparison sorts, in a second
 * thread beside the radix sort when there are thousands.
 */
static void *sort_runs_run(void *arg)
{
	sort_runs(arg);
	return NULL;
}

/* IPv6 entries worth a thread of their own (50K take 11 ms) */
#define SORT6_THREAD_MIN 4096

/* Sort; the entries before the index returned are unique already. */
static size_t sort_all(struct sl_pfx_vec *vec)
{
	struct sl_pfx_vec tail;
	size_t n4 = 0, i, j;
	struct sl_pfx *v6;
	bool threaded;
	pthread_t thr;
	__u64 *keys;
	int err;

	/* The union of classes is often sorted already (one class, or disjoint). */
	for (i = 1; i < vec->n; i++)
		if (sl_pfx_cmp(&vec->v[i - 1], &vec->v[i]) > 0)
			break;
	if (i >= vec->n)
		return 0;
	for (i = 0; i < vec->n; i++)
		n4 += vec->v[i].family == 4;
	/* radix_sort64() counts in 32 bits */
	keys = n4 > 64 && n4 < UINT32_MAX ? sl_big_alloc(n4 * sizeof(*keys)) : NULL;
	if (!keys) {
		sort_runs(vec);
		return 0;
	}
	/* Stable partition: IPv4 keys out, IPv6 entries to the tail. */
	for (i = 0, j = 0; i < vec->n; i++) {
		struct sl_pfx *p = &vec->v[i];

		if (p->family == 4)
			keys[j++] = (__u64)sl_pfx_to_u128(p) << KEY_ADDR | (__u64)p->plen << KEY_PLEN |
				    (p->class_id & 0xffff);
		else
			vec->v[i - j] = *p;
	}
	v6 = vec->v;
	memmove(vec->v + n4, v6, (vec->n - n4) * sizeof(*v6));
	tail = (struct sl_pfx_vec){ vec->v + n4, vec->n - n4, vec->n - n4 };
	/* the IPv6 tail beside the IPv4 keys, on the other core */
	threaded = tail.n >= SORT6_THREAD_MIN && !sl_thread_start(&thr, sort_runs_run, &tail);
	if (!threaded)
		sort_runs(&tail);
	err = radix_sort64(keys, n4);
	if (threaded)
		pthread_join(thr, NULL);
	if (err) {
		free(keys);
		qsort(vec->v, vec->n, sizeof(*vec->v), cmp_qsort);
		return 0;
	}
	/* back, each prefix once: its lowest class sorts first */
	for (i = 0, j = 0; i < n4; i++) {
		struct sl_pfx *p = &vec->v[j];
		__u32 a = htonl(keys[i] >> KEY_ADDR);

		if (i && keys[i] >> KEY_PLEN == keys[i - 1] >> KEY_PLEN)
			continue;
		memset(p, 0, sizeof(*p));
		p->family = 4;
		memcpy(p->addr, &a, sizeof(a));
		p->plen = (keys[i] >> KEY_PLEN) & 0x3f;
		p->class_id = keys[i] & 0xffff;
		j++;
	}
	free(keys);
	memmove(vec->v + j, vec->v + n4, (vec->n - n4) * sizeof(*vec->v));
	vec->n -= n4 - j;
	return j;
}

static void sort_unique(struct sl_pfx_vec *vec)
{
	size_t i, out = 0, from;

	if (vec->n < 2)
		return;
	from = sort_all(vec);
	if (from)
		out = from - 1;
	for (i = out + 1; i < vec->n; i++) {
		if (same_prefix(&vec->v[out], &vec->v[i]))
			continue;
		if (++out != i)
			vec->v[out] = vec->v[i];
	}
	vec->n = out + 1;
}


void sl_pfx_resolve(struct sl_pfx_vec *vec)
{
	/* Sorting puts the lowest class id first among equal prefixes. */
	sort_unique(vec);
}

static bool pfx_contains(const struct sl_pfx *outer, const struct sl_pfx *p)
{
	struct sl_pfx m = *p;

	if (outer->family != p->family || outer->plen > p->plen)
		return false;
	m.plen = outer->plen;
	sl_pfx_mask(&m);
	return !memcmp(m.addr, outer->addr, 16);
}

static bool pfx_overlaps(const struct sl_pfx *a, const struct sl_pfx *b)
{
	return pfx_contains(a, b) || pfx_contains(b, a);
}

/*
 * Push p minus the union of the exceptions q[0..n), which all overlap p:
 * split p in halves until each part is inside an exception or clear of them.
 * An exception overlaps one half only (unless it covers p), so the array is
 * partitioned in place.
 */
static int subtract(struct sl_pfx_vec *out, const struct sl_pfx *p, const struct sl_pfx **q,
		    size_t n)
{
	struct sl_pfx half[2];
	size_t i, left = 0;
	const struct sl_pfx *t;
	int err;

	if (!n)
		return sl_pfx_vec_push(out, p);
	for (i = 0; i < n; i++)
		if (pfx_contains(q[i], p))
			return 0;
	half[0] = *p;
	half[0].plen++;
	half[1] = half[0];
	half[1].addr[p->plen / 8] |= 0x80 >> (p->plen % 8);
	for (i = 0; i < n; i++) {
		if (pfx_overlaps(q[i], &half[0])) {
			t = q[left];
			q[left++] = q[i];
			q[i] = t;
		}
	}
	err = subtract(out, &half[0], q, left);
	if (!err)
		err = subtract(out, &half[1], q + left, n - left);
	return err;
}

/*
 * Address order; among equal prefixes a match before an exception, which
 * then covers it: the same prefix as both (from two files) is excepted.
 */
static int cmp_exceptions(const void *a, const void *b)
{
	const struct sl_pfx *x = a, *y = b;
	int c = sl_pfx_cmp(x, y);

	return c ? c : x->nomatch - y->nomatch;
}

static int take_exceptions(struct sl_pfx_vec *vec)
{
	struct sl_pfx_vec out = { 0 };
	const struct sl_pfx **exc;
	size_t i, j, k, nexc = 0;
	int err = 0;

	for (i = 0; i < vec->n; i++)
		nexc += !!vec->v[i].nomatch;
	if (!nexc)
		return 0;
	exc = malloc(nexc * sizeof(*exc));
	if (!exc)
		return -ENOMEM;
	/* Sorted, an entry's sub-prefixes follow it. */
	qsort(vec->v, vec->n, sizeof(*vec->v), cmp_exceptions);
	for (i = 0; i < vec->n && !err; i++) {
		if (vec->v[i].nomatch)
			continue;
		for (j = i + 1, k = 0; j < vec->n && pfx_contains(&vec->v[i], &vec->v[j]); j++)
			if (vec->v[j].nomatch)
				exc[k++] = &vec->v[j];
		err = subtract(&out, &vec->v[i], exc, k);
	}
	free(exc);
	if (err) {
		sl_pfx_vec_free(&out);
		return err;
	}
	sl_pfx_vec_free(vec);
	*vec = out;
	return 0;
}

int sl_pfx_normalise(struct sl_pfx_vec *vec)
{
	/* no entry keeps the flag: exceptions are taken out, the others never had it */
	int err = take_exceptions(vec);

	if (err)
		return err;
	sort_unique(vec);
	return 0;
}

/* Drop prefixes whose nearest enclosing prefix has the same mergeable class. */
static size_t drop_covered(struct sl_pfx_vec *vec, const bool *mergeable, size_t nclasses)
{
	struct sl_pfx *stack[130];
	size_t i, out = 0, dropped = 0;
	int top = 0;

	for (i = 0; i < vec->n; i++) {
		struct sl_pfx *p = &vec->v[i];

		while (top && !pfx_contains(stack[top - 1], p))
			top--;
		if (top && stack[top - 1]->class_id == p->class_id && p->class_id < nclasses &&
		    mergeable[p->class_id]) {
			dropped++;
			continue;
		}
		vec->v[out] = *p;
		stack[top++] = &vec->v[out];
		out++;
	}
	vec->n = out;
	return dropped;
}

/* Join sibling prefixes of one mergeable class into their parent. */
static size_t join_siblings(struct sl_pfx_vec *vec, const bool *mergeable, size_t nclasses)
{
	size_t i, out = 0, joined = 0;

	for (i = 0; i < vec->n; i++) {
		struct sl_pfx *a = &vec->v[i], *b, parent;
		size_t j;

		if (!a->plen || a->class_id >= nclasses || !mergeable[a->class_id]) {
			vec->v[out++] = *a;
			continue;
		}
		parent = *a;
		parent.plen--;
		sl_pfx_mask(&parent);
		/* a must be the lower half; its sibling is the next prefix of the
		 * same length after a's nested prefixes */
		if (memcmp(parent.addr, a->addr, 16)) {
			vec->v[out++] = *a;
			continue;
		}
		for (j = i + 1; j < vec->n && pfx_contains(a, &vec->v[j]); j++)
			;
		b = j < vec->n ? &vec->v[j] : NULL;
		/* no other prefix may be exactly the parent (sorted just before a) */
		if (!b || b->plen != a->plen || b->class_id != a->class_id ||
		    !pfx_contains(&parent, b) ||
		    (out && vec->v[out - 1].plen == parent.plen &&
		     !memcmp(vec->v[out - 1].addr, parent.addr, 16) &&
		     vec->v[out - 1].family == parent.family)) {
			vec->v[out++] = *a;
			continue;
		}
		/* parent replaces a; the nested prefixes of a follow; b goes */
		vec->v[out++] = parent;
		for (i = i + 1; i < j; i++)
			vec->v[out++] = vec->v[i];
		joined++;
		/* i is now j (b): skip it */
	}
	vec->n = out;
	return joined;
}

size_t sl_pfx_merge(struct sl_pfx_vec *vec, const bool *mergeable, size_t nclasses)
{
	size_t total = 0, n;

	do {
		n = drop_covered(vec, mergeable, nclasses);
		n += join_siblings(vec, mergeable, nclasses);
		total += n;
	} while (n);
	return total;
}

bool sl_pfx_mask(struct sl_pfx *p)
{
	int bytes = p->family == 4 ? 4 : 16;
	bool changed = false;
	int i;

	for (i = 0; i < bytes; i++) {
		int keep = (int)p->plen - i * 8;
		__u8 m, v;

		if (keep >= 8)
			continue;
		m = keep <= 0 ? 0 : (__u8)(0xff << (8 - keep));
		v = p->addr[i] & m;
		if (v != p->addr[i])
			changed = true;
		p->addr[i] = v;
	}
	return changed;
}

void sl_fmt_addr(char *buf, size_t len, const struct sl_pfx *p)
{
	inet_ntop(p->family == 4 ? AF_INET : AF_INET6, p->addr, buf, len);
}

void sl_fmt_pfx(char *buf, size_t len, const struct sl_pfx *p)
{
	char a[INET6_ADDRSTRLEN];

	sl_fmt_addr(a, sizeof(a), p);
	snprintf(buf, len, "%s/%u", a, p->plen);
}

sl_u128 sl_pfx_to_u128(const struct sl_pfx *p)
{
	/* loads, not a byte loop: plans convert every prefix of both lists */
	if (p->family == 4)
		return sl_pfx_addr4(p);
	return (sl_u128)sl_be64_at(p->addr) << 64 | sl_be64_at(p->addr + 8);
}

static void int_to_pfx(sl_u128 v, int family, int plen, struct sl_pfx *p)
{
	int i, n = family == 4 ? 4 : 16;

	memset(p, 0, sizeof(*p));
	p->family = family;
	p->plen = plen;
	for (i = n - 1; i >= 0; i--) {
		p->addr[i] = (__u8)v;
		v >>= 8;
	}
}

static int ctz128(sl_u128 v)
{
	__u64 lo = (__u64)v;

	if (lo)
		return __builtin_ctzll(lo);
	return 64 + __builtin_ctzll((__u64)(v >> 64));
}

int sl_range_to_pfx(const struct sl_pfx *lo_p, const struct sl_pfx *hi_p, struct sl_pfx_vec *vec)
{
	int width = lo_p->family == 4 ? 32 : 128;
	sl_u128 lo = sl_pfx_to_u128(lo_p), hi = sl_pfx_to_u128(hi_p);
	struct sl_pfx p;
	int k, err, count = 0;

	for (;;) {
		k = lo ? ctz128(lo) : width;
		if (k > width)
			k = width;
		/* Shrink the block until it ends within the range. */
		while (k > 0 && (k == width ? ~(sl_u128)0 >> (128 - width) : (((sl_u128)1 << k) - 1)) >
				       hi - lo)
			k--;
		int_to_pfx(lo, lo_p->family, width - k, &p);
		err = sl_pfx_vec_push(vec, &p);
		if (err)
			return err;
		count++;
		if (k == width)
			break;
		lo += (sl_u128)1 << k;
		if (lo > hi || (width == 32 && lo >> 32) || lo == 0)
			break;
	}
	return count;
}

size_t sl_pfx_split(const struct sl_pfx *v, size_t n)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (v[mid].family == 4)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}
