/* SPDX-License-Identifier: GPL-2.0 */
/* sluice: classify a remote address into a class (longest prefix wins). */
#ifndef SLUICE_BPF_CLASSIFY_H
#define SLUICE_BPF_CLASSIFY_H

#include "maps.h"
#include "parse.h"

/*
 * Returns the class of the longest prefix that holds the address, and its
 * length in *plen; or -1 when no prefix matches (the default class).
 */
static __always_inline int sl_classify(const struct sl_addr *a, __u32 *plen)
{
	struct sl_lpm_val *v = NULL;
	__u32 zero = 0;
	void *trie;

	if (a->family == 4) {
		struct sl_v4_key k = { .prefixlen = 32 };

		__builtin_memcpy(k.addr, a->addr, sizeof(k.addr));
		trie = bpf_map_lookup_elem(&sl_v4, &zero);
		if (trie)
			v = bpf_map_lookup_elem(trie, &k);
	} else {
		struct sl_v6_key k = { .prefixlen = 128 };

		__builtin_memcpy(k.addr, a->addr, sizeof(k.addr));
		trie = bpf_map_lookup_elem(&sl_v6, &zero);
		if (trie)
			v = bpf_map_lookup_elem(trie, &k);
	}
	if (!v)
		return -1;
	*plen = v->prefixlen;
	return v->class_id;
}

#endif /* SLUICE_BPF_CLASSIFY_H */
