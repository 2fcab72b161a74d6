/* SPDX-License-Identifier: GPL-2.0 */
/* sluice: prefixes, their arithmetic, vectors of them and normalisation. */
#ifndef SLUICE_PREFIX_H
#define SLUICE_PREFIX_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

/* One prefix. IPv4 addresses use the first 4 bytes of addr. */
struct sl_pfx {
	__u8 addr[16];
	__u8 plen;
	__u8 family;  /* 4 or 6 */
	__u8 nomatch; /* an ipset "nomatch" entry while a feed is read (see sl_pfx_normalise) */
	__u8 pad;     /* 0 */
	__u32 class_id;
};

/* The address of p as an integer (IPv4 in the low 32 bits). */
typedef unsigned __int128 sl_u128;
sl_u128 sl_pfx_to_u128(const struct sl_pfx *p);

/* Clear the host bits of p; returns true when any were set. */
bool sl_pfx_mask(struct sl_pfx *p);
/* "192.0.2.0/24"; buf needs at least SL_PFX_STRLEN bytes. */
#define SL_PFX_STRLEN 64
void sl_fmt_pfx(char *buf, size_t len, const struct sl_pfx *p);
void sl_fmt_addr(char *buf, size_t len, const struct sl_pfx *p);

struct sl_pfx_vec {
	struct sl_pfx *v;
	size_t n;
	size_t cap;
};

int sl_pfx_vec_append(struct sl_pfx_vec *vec, const struct sl_pfx *p, size_t n);
/* Room for n entries in all, made now: -ENOMEM, or 0 (also when there is). */
int sl_pfx_vec_reserve(struct sl_pfx_vec *vec, size_t n);

/* Inline while there is room: a feed reader pushes every entry. */
static inline int sl_pfx_vec_push(struct sl_pfx_vec *vec, const struct sl_pfx *p)
{
	if (vec->n == vec->cap)
		return sl_pfx_vec_append(vec, p, 1);
	vec->v[vec->n++] = *p;
	return 0;
}
void sl_pfx_vec_free(struct sl_pfx_vec *vec);

/* Append the minimal prefixes covering lo..hi (same family, lo <= hi). */
int sl_range_to_pfx(const struct sl_pfx *lo, const struct sl_pfx *hi, struct sl_pfx_vec *vec);

/* An IPv4 prefix's address as an integer. */
static inline __u32 sl_pfx_addr4(const struct sl_pfx *p)
{
	__u32 v;

	__builtin_memcpy(&v, p->addr, sizeof(v));
	return __builtin_bswap32(v);
}

static inline __u64 sl_be64_at(const __u8 *p)
{
	__u64 v;

	__builtin_memcpy(&v, p, sizeof(v));
	return __builtin_bswap64(v);
}

/*
 * Order: IPv4 before IPv6, then address, then prefix length, then class.
 * Inline: sorts and plans compare millions of entries.
 */
static inline int sl_pfx_cmp(const struct sl_pfx *a, const struct sl_pfx *b)
{
	__u64 x, y;

	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	x = sl_be64_at(a->addr);
	y = sl_be64_at(b->addr);
	if (x == y && a->family == 6) {
		x = sl_be64_at(a->addr + 8);
		y = sl_be64_at(b->addr + 8);
	}
	if (x != y)
		return x < y ? -1 : 1;
	if (a->plen != b->plen)
		return a->plen < b->plen ? -1 : 1;
	if (a->class_id != b->class_id)
		return a->class_id < b->class_id ? -1 : 1;
	return 0;
}

/* In a sorted list, the index of the first IPv6 prefix (n when none). */
size_t sl_pfx_split(const struct sl_pfx *v, size_t n);

/*
 * One class's list: take out the exceptions (nomatch entries: as in ipset,
 * an address whose longest matching entry is an exception is not in the
 * list), sort and drop exact duplicates. 0 or -ENOMEM.
 */
int sl_pfx_normalise(struct sl_pfx_vec *vec);

/*
 * The union of all classes: sort, and where the same exact prefix is in
 * several classes keep the one with the lowest class id (the class created
 * first). Longest-prefix-wins across different prefixes is the table's job.
 */
void sl_pfx_resolve(struct sl_pfx_vec *vec);

/*
 * Within the classes marked mergeable, drop prefixes that the nearest
 * enclosing prefix already gives to the same class, and join sibling
 * prefixes of a class into their parent, until nothing changes. Every
 * address keeps its class; lookups then report the merged prefixes. The
 * vector must be resolved (sorted, unique). Returns the prefixes removed.
 */
size_t sl_pfx_merge(struct sl_pfx_vec *vec, const bool *mergeable, size_t nclasses);

#endif
