/* SPDX-License-Identifier: GPL-2.0 */
/* sluice: map definitions of the datapath (sizes are set by the CLI). */
#ifndef SLUICE_BPF_MAPS_H
#define SLUICE_BPF_MAPS_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "sluice.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, SL_DEF_MAX_CLASSES);
	__type(key, __u32);
	__type(value, struct sl_class);
} sl_classes SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, SL_DEF_MAX_CLASSES * SL_DIR_MAX);
	__type(key, __u32);
	__type(value, struct sl_bucket);
} sl_buckets SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SL_DEF_MAX_CLASSES * SL_DIR_MAX);
	__type(key, __u32);
	__type(value, struct sl_counters);
} sl_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SL_MISC_MAX);
	__type(key, __u32);
	__type(value, struct sl_counters);
} sl_misc SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sl_state);
} sl_state SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, SL_MAX_ATTACH);
	__type(key, struct sl_attach_key);
	__type(value, struct sl_attach_val);
} sl_attach SEC(".maps");

/* Written and read by the CLI only: where each class's prefixes came from. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, SL_DEF_MAX_CLASSES * 4);
	__type(key, struct sl_source_key);
	__type(value, struct sl_source);
} sl_sources SEC(".maps");

/*
 * Prefix tables: one slot each, replaced whole by the CLI (map-in-map).
 * Sizes rather than types for key and value: the trie needs no BTF.
 */
struct sl_v4_trie {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, SL_DEF_V4_ENTRIES);
	__uint(key_size, sizeof(struct sl_v4_key));
	__uint(value_size, sizeof(struct sl_lpm_val));
};

struct sl_v6_trie {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, SL_DEF_V6_ENTRIES);
	__uint(key_size, sizeof(struct sl_v6_key));
	__uint(value_size, sizeof(struct sl_lpm_val));
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 1);
	__type(key, __u32);
	__array(values, struct sl_v4_trie);
} sl_v4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 1);
	__type(key, __u32);
	__array(values, struct sl_v6_trie);
} sl_v6 SEC(".maps");

#endif /* SLUICE_BPF_MAPS_H */
