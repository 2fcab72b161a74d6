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
	__type(value, struct sl_bucket_line);
} sl_buckets SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SL_DEF_MAX_CLASSES * SL_DIR_MAX);
	__type(key, __u32);
	__type(value, struct sl_counters);
} sl_stats SEC(".maps");

/*
 * Per CPU: the clock read at this CPU's first policed packet of the
 * current tick (bpf/police.h). Only the datapath uses it.
 */
struct sl_tick_clock {
	__u64 jiffies;
	__u64 ns;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sl_tick_clock);
} sl_tick SEC(".maps");

/*
 * Per CPU, per class and direction: the tokens this CPU holds of the class
 * bucket (struct sl_lease, bpf/police.h). Only the datapath uses it.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SL_DEF_MAX_CLASSES * SL_DIR_MAX);
	__type(key, __u32);
	__type(value, struct sl_lease);
} sl_lease SEC(".maps");

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

/*
 * Per host and per flow state of police classes (struct sl_flow): bounded,
 * the least recently used entries go when it is full. Sized by the CLI
 * (--max-flows) when the state is made.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, SL_DEF_MAX_FLOWS);
	__type(key, struct sl_flow_key);
	__type(value, struct sl_flow);
} sl_flows SEC(".maps");

/* Per class: entries created in sl_flows (evictions = created - present). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SL_DEF_MAX_CLASSES);
	__type(key, __u32);
	__type(value, struct sl_flow_counts);
} sl_flowcnt SEC(".maps");

/*
 * The IFB device that shapes a device's ingress, by ifindex: a packet with
 * no socket cannot tell the TC program its namespace (bpf_get_netns_cookie
 * then answers init_net's), so this one map is keyed by ifindex alone.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, SL_MAX_ATTACH);
	__type(key, __u32);
	__type(value, __u32);
} sl_ifb SEC(".maps");

/* Written and read by the CLI only: where each class's prefixes came from. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, SL_DEF_MAX_CLASSES * 4);
	__type(key, struct sl_source_key);
	__type(value, struct sl_source);
} sl_sources SEC(".maps");

/* The /16 filter in front of the prefix tables (struct sl_present). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, struct sl_present);
} sl_present SEC(".maps");

/*
 * Prefix tables: one slot per family, replaced whole by the CLI with one
 * map-in-map update. The inner maps are flat arrays of __u32 words (IPv4:
 * 64-byte elements, IPv6: 24-byte ones) sized to their content
 * (BPF_F_INNER_MAP) and filled by the CLI through mmap.
 */
struct sl_table {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_INNER_MAP | BPF_F_MMAPABLE);
	__uint(max_entries, 1);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(struct sl_t4_elem));
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 1);
	__type(key, __u32);
	__array(values, struct sl_table);
} sl_v4 SEC(".maps");

struct sl_table6 {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_INNER_MAP | BPF_F_MMAPABLE);
	__uint(max_entries, 1);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(struct sl_t6_elem));
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 1);
	__type(key, __u32);
	__array(values, struct sl_table6);
} sl_v6 SEC(".maps");

#endif /* SLUICE_BPF_MAPS_H */
