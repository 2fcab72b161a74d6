/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sluice: the ABI shared by the BPF programs and the CLI.
 *
 * Map keys and values, enums and limits are defined here once. Map
 * definitions themselves live in bpf/maps.h; the CLI finds the maps by the
 * names below, pinned under the sluice pin directory.
 */
#ifndef SLUICE_H
#define SLUICE_H

#include <linux/types.h>
#include <linux/bpf.h>

/* Map names (at most 15 characters: the kernel's BPF_OBJ_NAME_LEN - 1). */
#define SL_MAP_CLASSES "sl_classes"
#define SL_MAP_BUCKETS "sl_buckets"
#define SL_MAP_STATS "sl_stats"
#define SL_MAP_MISC "sl_misc"
#define SL_MAP_V4 "sl_v4"
#define SL_MAP_V6 "sl_v6"
#define SL_MAP_STATE "sl_state"
#define SL_MAP_ATTACH "sl_attach"
#define SL_MAP_SOURCES "sl_sources"
#define SL_MAP_FLOWS "sl_flows"
#define SL_MAP_FLOWCNT "sl_flowcnt"
#define SL_MAP_IFB "sl_ifb"
#define SL_MAP_PRESENT "sl_present"

/* Default sizes; each may be changed when the state is first created. */
#define SL_DEF_MAX_CLASSES 1024
#define SL_DEF_V4_ENTRIES (2u * 1024 * 1024)
#define SL_DEF_V6_ENTRIES (512u * 1024)
#define SL_MAX_ATTACH 256
/* Entries of the flow and host table (sl_flows), fixed when the state is made. */
#define SL_DEF_MAX_FLOWS (1u << 20)
#define SL_MIN_MAX_FLOWS 1024u
#define SL_MAX_MAX_FLOWS (1u << 26)
/* A flow or host idle this long starts again with a full bucket (10 min). */
#define SL_DEF_IDLE_NS (600ull * 1000000000ull)

#define SL_NAME_LEN 32

/* Class 0 is the default class: every IP packet that matches no prefix. */
#define SL_CLASS_DEFAULT 0

enum sl_dir {
	SL_DIR_IN = 0,
	SL_DIR_OUT = 1,
	SL_DIR_MAX,
};

enum sl_policy {
	SL_POLICY_PASS = 0,
	SL_POLICY_DROP = 1,
	SL_POLICY_POLICE = 2, /* token bucket in the datapath, excess dropped */
	SL_POLICY_SHAPE = 3,  /* queued to the rate by an HTB class sluice owns */
};

/*
 * Shaping: the HTB qdisc sluice creates (on a device's egress, and on the
 * egress of the IFB device it creates for a device's ingress) has handle
 * SL_HTB_MAJOR:, an unlimited default class SL_HTB_MAJOR:SL_HTB_DEFAULT and
 * one class SL_HTB_MAJOR:ID per shaped class ID. The TC programs select the
 * class through skb->priority.
 */
#define SL_HTB_MAJOR 0x51cu
#define SL_HTB_DEFAULT 0xffffu
#define SL_SHAPE_MAX_CLASS 0xfffeu

enum sl_verdict {
	SL_PASS = 0,
	SL_DROP = 1,
	SL_VERDICT_MAX,
};

/*
 * What one bucket of a police class covers: the whole class (one bucket per
 * direction), each local address, or each connection (see sl_flow_key).
 */
enum sl_scope {
	SL_SCOPE_CLASS = 0,
	SL_SCOPE_HOST = 1,
	SL_SCOPE_FLOW = 2,
	SL_SCOPE_MAX,
};

/* Which flows a police class polices: all, or only those opened locally. */
enum sl_initiator {
	SL_INIT_ANY = 0,
	SL_INIT_LOCAL = 1,
	SL_INIT_MAX,
};

#define SL_CLASS_USED (1u << 0)
#define SL_CLASS_MERGE (1u << 1) /* merge covered and adjacent prefixes */

/*
 * A police bucket's parameters in time units (include/sluice_bucket.h),
 * derived from rate and burst whenever the class record is written
 * (sl_class_put), so that the packet path needs no division: a packet of
 * len bytes costs (len * mult) >> shift units, rounded up, and the bucket
 * holds tau units (the burst, rounded down). All zero: unlimited.
 *
 * A class bucket shared by the CPUs may lend them tokens (per-CPU leases,
 * bpf/police.h): each CPU takes up to lease units with one compare-and-swap
 * and spends them without touching the shared word. The shared word then
 * holds at most ltau, so that it and every CPU's lease hold at most tau
 * together (ltau + possible CPUs * lease <= tau). lease 0: no leases, ltau
 * is tau. Per-host and per-flow buckets have no leases and hold tau.
 */
struct sl_police_param {
	__u64 mult;
	__u64 tau;
	__u64 ltau;
	__u64 lease;
	__u32 shift;
	__u32 pad;
};

/* A CPU's lease of one class bucket (sl_lease, per CPU, key class * 2 + dir). */
struct sl_lease {
	__u64 tag;  /* the cost function the units are in: mult << 6 | shift */
	__u64 left; /* units not spent yet */
};

/*
 * Per-class configuration, one array slot per class id. The datapath reads
 * policy, rate, burst and the police parameters; the rest is bookkeeping
 * for the CLI, kept here so that every sluice process sees the same
 * classes. A class's prefixes are its stored list (feeds/c<ID>); their
 * counts are read from it.
 */
struct sl_class {
	char name[SL_NAME_LEN];
	__u32 flags;		  /* SL_CLASS_* */
	__u32 policy;		  /* enum sl_policy */
	__u64 rate[SL_DIR_MAX];	  /* bits per second; 0: unlimited */
	__u64 burst[SL_DIR_MAX];  /* bytes */
	struct sl_police_param police[SL_DIR_MAX]; /* from rate and burst */
	__u64 load_time;	  /* CLOCK_REALTIME ns of the last feed load */
	__u64 src_hash;		  /* hash over the loaded sources and options */
	__u32 n_sources;	  /* records in sl_sources for this class */
	__u8 scope;		  /* enum sl_scope (police only) */
	__u8 initiator;		  /* enum sl_initiator (police only) */
	__u16 pad;
	__u64 idle_ns;		  /* per host / flow state expires after this */
};

/* Largest burst the bucket arithmetic handles without overflow (1 GiB). */
#define SL_MAX_BURST (1ull << 30)
/* Largest rate: 10 Tbit/s. */
#define SL_MAX_RATE 10000000000000ull

/*
 * A token bucket as a virtual time (GCRA): the time, in the units of
 * include/sluice_bucket.h, at which the bucket runs empty; 0 for a new or
 * reset bucket, which is full. One word, updated with one compare-and-swap,
 * so a bucket may live in any map value (the class buckets in sl_buckets,
 * one per class and direction, key class * 2 + dir).
 */
struct sl_bucket {
	__u64 empty;
};

/* sl_buckets' value: a class bucket alone on its cache line. */
struct sl_bucket_line {
	struct sl_bucket b;
	__u64 pad[7];
};

/*
 * The slots of a counter: passed, dropped by the class's drop policy (the
 * verdicts' own indexes), and dropped by its police bucket.
 */
enum sl_count_slot {
	SL_CNT_PASS = SL_PASS,
	SL_CNT_DROP_POLICY = SL_DROP,
	SL_CNT_DROP_POLICE,
	SL_CNT_MAX,
};

/* Per-CPU counters, per class and direction (key class * 2 + dir). */
struct sl_counters {
	__u64 packets[SL_CNT_MAX];
	__u64 bytes[SL_CNT_MAX];
};

/*
 * Flow and host state of police classes with a scope other than class or
 * with --initiator local: a bounded LRU hash, one entry per (class,
 * direction, key). The local address is the side the attachment does not
 * match. A host key is the local address alone (proto, ports and remote
 * zero); a flow key adds the protocol and the remote address, and for TCP
 * and UDP the ports, for ICMP echo the identifier (as lport); other
 * protocols, ICMP other than echo and IPv4 fragments (any fragment, so that
 * all of a datagram's pieces share one key) have ports 0. Both directions
 * of a connection have the same key but for dir. Addresses in network order,
 * IPv4 in laddr[0] / raddr[0].
 */
struct sl_flow_key {
	__u32 class_id;
	__u8 dir;	/* enum sl_dir */
	__u8 scope;	/* SL_SCOPE_HOST or SL_SCOPE_FLOW */
	__u8 family;	/* 4 or 6 */
	__u8 proto;	/* IP protocol (flow keys) */
	__be16 lport;
	__be16 rport;
	__u32 laddr[4];
	__u32 raddr[4];
};

/* Who opened a flow (sl_flow.origin), as far as the hook could see. */
enum sl_origin {
	SL_ORIGIN_UNKNOWN = 0,
	SL_ORIGIN_LOCAL = 1,
	SL_ORIGIN_REMOTE = 2,
	SL_ORIGIN_MAX,
};

/*
 * An entry of sl_flows. Its bucket is a class bucket's (the GCRA word of
 * sluice_bucket.h, one compare-and-swap, no lock: an LRU hash cannot hold a
 * bpf_spin_lock); 0, a new entry's, is full. Times are CLOCK_MONOTONIC ns.
 */
struct sl_flow {
	struct sl_bucket bucket;
	__u64 first_ns;		/* the entry's first packet */
	__u64 seen_ns;		/* its last packet */
	__u32 origin;		/* enum sl_origin */
	__u32 pad;
	__u64 packets[SL_VERDICT_MAX];
	__u64 bytes[SL_VERDICT_MAX];
};

/* Per-CPU, per class (sl_flowcnt): entries the datapath created. */
struct sl_flow_counts {
	__u64 created;
	__u64 reset;	/* entries that expired and started again */
};

/* sl_misc keys: frames the datapath did not classify, per direction. */
#define SL_MISC_NONIP(dir) (dir)
#define SL_MISC_MAX 2

/*
 * Prefix tables. Each address family has one table per generation: a flat
 * array of __u32 words (an inner map of sl_v4 / sl_v6), built by the CLI and
 * swapped in whole. See docs/architecture.md for the layout and the reasons.
 *
 * An entry word: a class and the length of the prefix that gave it.
 */
#define SL_E_CLASS(e) ((e) & 0xffffu)
#define SL_E_PLEN(e) (((e) >> 16) & 0xffu)
#define SL_E_VALID (1u << 24)
#define SL_E_MAKE(class_id, plen) (SL_E_VALID | ((__u32)(plen) << 16) | (class_id))
/* In the IPv4 tables only: */
#define SL_E_HOSTS (1u << 30) /* this /24 has /32 entries in the host hash */
#define SL_E_NODE (1u << 31)  /* not an entry: node SL_E_NODE_IDX(e) resolves 8 more bits */
#define SL_E_NODE_IDX(e) ((e) & 0x3fffffffu)

/*
 * The summaries of the /16s that both families' tables keep in front of
 * their directories: a 2-bit code per /16, 16 a word, and in each element
 * the entry of code SL_SUM_ENTRY.
 */
#define SL_SUM_NONE 0  /* no prefix covers or lies in it */
#define SL_SUM_DIR 1   /* read the directory */
#define SL_SUM_ENTRY 2 /* the summary element's entry */
#define SL_SUM_NEAR 3  /* IPv4: its directory word, in the summary element */

/*
 * IPv4 table: a header, a summary of the /16s, a directory of 2^16 words
 * indexed by the top 16 bits of the address, compressed 256-slot nodes for
 * the next 8 bits and the last 8, and an open-addressing hash of /32 hosts (slots of two words: address
 * in host order, entry; at an even word offset, so that a slot lies in one
 * element). A directory word or a node slot is an entry, or a node
 * (SL_E_NODE), and may carry SL_E_HOSTS at the /24 level.
 *
 * The table is an array of 64-byte elements of 16 words (struct
 * sl_t4_elem), so that a node, or the header, is one lookup; words are
 * numbered across elements (word i: element i / 16, word i % 16).
 *
 * A node is 16 words (64 bytes, one cache line, one element): the word index of its first
 * leaf, the bases (byte q: the bits set in bitmap words before q), a bitmap
 * of 256 bits (4 elements) with bit i set where slot i differs from slot
 * i - 1 (bit 0 always), and room for 6 leaves: slot i is leaf number
 * (bits set at positions <= i) - 1. Nodes with more runs keep their leaves
 * in the leaf area after the nodes.
 *
 * The summary (elements SL_T4_SUM on, 64 /16s an element: four words of
 * codes, an entry, 11 directory words) answers for a /16 that no prefix
 * covers or lies in (SL_SUM_NONE); for one that a single prefix of /16 or
 * shorter covers whole when its entry is the element's (SL_SUM_ENTRY, the
 * majority vote of such entries of the element's /16s); and gives the
 * directory word of the first 11 other /16s of the element that have one
 * (SL_SUM_NEAR; the word of rank: NEAR codes before it). The rest read
 * the directory (SL_SUM_DIR). So a sparse table is one read of 64 KiB at
 * this level instead of a 256 KiB directory. A table without prefixes is
 * its header alone (a summary element it lacks reads as no match). A dense
 * table sends most addresses on to the directory, one read more, so the
 * datapath reads the summary only while the live table holds at most
 * SL_T4_SUM_MAX prefixes (sl_state.n_v4): the table is right either way.
 */
#define SL_T4_MAGIC 0x5c740004u
enum {
	SL_T4_W_MAGIC = 0,
	SL_T4_W_HASH_OFF,
	SL_T4_W_HASH_BITS,
	SL_T4_W_HASH_PROBES,
	SL_T4_W_USED,	/* elements the content takes; the map may have more, zero */
	SL_T4_HDR = 16,
};
#define SL_T4_ELEM_WORDS 16

struct sl_t4_elem {
	__u32 w[SL_T4_ELEM_WORDS];
};

#define SL_T4_SUM 1		/* first summary element */
#define SL_T4_SUM_PER_ELEM 64	/* /16s an element: 4 words of codes */
#define SL_T4_SUM_ENTRY 4	/* the word of an element's entry */
#define SL_T4_SUM_NEAR 5	/* its first directory word */
#define SL_T4_SUM_NEAR_MAX (SL_T4_ELEM_WORDS - SL_T4_SUM_NEAR)
#define SL_T4_SUM_ELEMS (65536 / SL_T4_SUM_PER_ELEM)
#define SL_T4_SUM_MAX 65536
#define SL_T4_DIR_OFF ((SL_T4_SUM + SL_T4_SUM_ELEMS) * SL_T4_ELEM_WORDS)
#define SL_T4_DIR_BITS 16
#define SL_T4_DIR_SIZE (1u << SL_T4_DIR_BITS)
#define SL_T4_NODE_OFF (SL_T4_DIR_OFF + SL_T4_DIR_SIZE)
#define SL_T4_NODE_WORDS 16
enum {
	SL_T4_N_LEAVES = 0,
	SL_T4_N_BASES,
	SL_T4_N_BITMAP = 2, /* 8 words, read as four 64-bit words */
	SL_T4_N_INLINE = 10,
	SL_T4_N_INLINE_MAX = SL_T4_NODE_WORDS - SL_T4_N_INLINE,
};

/*
 * IPv6 table: an array of 24-byte elements (a separate inner map type from
 * IPv4's). Element 0 is the header; descriptors follow. A directory of
 * 2^dir_bits words (six an element), indexed by the top dir_bits of the
 * address, holds per block the entry of the longest prefix shorter than
 * dir_bits that covers it, or, for a block with prefixes of dir_bits or
 * longer, SL_E_NODE and the index of its block: that entry and a 64-bit mask
 * of the groups of longer prefix lengths that have prefixes in the block.
 * Each such length has a descriptor, longest first, and an open-addressing
 * hash of its prefixes. With more than 64 such lengths, a group holds two or
 * three consecutive descriptors.
 *
 * A hash has nslots home slots and up to probes - 1 overflow slots after
 * them (no wrap). A prefix's home is (sl_hash6(masked address) * nslots) >>
 * 32, and its slot is at most probes - 1 past it; the slots hold the prefixes
 * in order of home, and a slot's entry carries its distance from home
 * (SL_E_DIST), so a lookup stops at an empty slot or at one whose prefix's
 * home lies past its own. Lengths up to 64 have narrow slots, two an
 * element: the first two masked address words of each (words 0-1, 2-3),
 * then their entries (4, 5). Longer lengths have wide slots, one an
 * element: the four masked address words in memory order, then the entry.
 * Blocks are packed as narrow slots are: two masks (words 0-1 and 2-3, low
 * word first), then the two short-prefix entries.
 *
 * A block with at most SL_T6_LIST_MAX longer prefixes is a list instead:
 * its directory word is SL_E_NODE | SL_E_LIST, the count less one and the
 * element of the first of its prefixes, one element each, longest first:
 * the four masked address words, the entry, then (SL_T6_L_SHORT) the
 * block's short-prefix entry. Such prefixes are in no hash, and a lookup
 * compares the address with each in turn: one read a prefix, where a block
 * read, then a descriptor and a slot or two per length, cost two or more.
 *
 * The directory is reached through a summary of the /16s, 32 an element
 * after the descriptors, each element also holding the header's dir_bits,
 * blocks and nlens: a 2-bit code per /16 (SL_SUM_*) and the entry of code
 * SL_SUM_ENTRY. An address in a /16 that no prefix covers or lies in
 * matches nothing; one in a /16 that only a shorter prefix covers, with
 * the element's entry, has it: one read of a 48 KiB summary, instead of the
 * header and a directory of up to 4 MiB. Any other reads the summary
 * instead of the header.
 */
#define SL_T6_MAGIC 0x5c760008u
#define SL_T6_MAX_LENS 129
#define SL_T6_DESC 1 /* first descriptor element */
#define SL_T6_SUM (SL_T6_DESC + SL_T6_MAX_LENS) /* first summary element */
#define SL_T6_SUM_PER_ELEM 32 /* /16s an element */
#define SL_T6_SUM_ELEMS (65536 / SL_T6_SUM_PER_ELEM)
#define SL_T6_DIR (SL_T6_SUM + SL_T6_SUM_ELEMS)
#define SL_T6_DIR_MIN_BITS 16
#define SL_T6_DIR_MAX_BITS 20
#define SL_T6_DIR_PER_ELEM 6
#define SL_T6_DIR_ELEMS(bits) ((1u << (bits)) / SL_T6_DIR_PER_ELEM + 1)
#define SL_T6_GROUPS 64
#define SL_T6_NARROW_MAX 64 /* longest length with narrow slots */

/* Element of directory word i < 2^20: i / 6, as a multiply (exact there). */
#define SL_T6_DIR_ELEM(i) (__u32)(((__u64)(i) * 2796203u) >> 24)

/* In IPv6 directory words only (IPv4's SL_E_HOSTS): a list block. */
#define SL_T6_LIST_MAX 4
#define SL_E_LIST (1u << 30)
#define SL_E_LIST_SHIFT 28
#define SL_E_LIST_N(e) ((((e) >> SL_E_LIST_SHIFT) & 3u) + 1)
#define SL_E_LIST_IDX(e) ((e) & ((1u << SL_E_LIST_SHIFT) - 1))

/* In IPv6 hash slots only: the slot's distance from its prefix's home. */
#define SL_E_DIST_SHIFT 25
#define SL_E_DIST(e) (((e) >> SL_E_DIST_SHIFT) & 0x3fu)
#define SL_E_ENTRY_MASK ((1u << SL_E_DIST_SHIFT) - 1)

struct sl_t6_elem {
	__u32 w[6];
};

enum {
	/* header words */
	SL_T6_W_MAGIC = 0,
	SL_T6_W_NLENS, /* descriptors: lengths >= dir_bits present */
	SL_T6_W_DIR_BITS,
	SL_T6_W_BLOCKS, /* element of the first block pair */
	/* summary words */
	SL_T6_M_DIR_BITS = 0,
	SL_T6_M_BLOCKS,
	SL_T6_M_NLENS,
	SL_T6_M_CODES, /* two words: the code of /16 t % 32 at bit 2 * (t % 16) of word t % 32 / 16 */
	SL_T6_M_ENTRY = SL_T6_M_CODES + 2,
	/* descriptor words */
	SL_T6_D_LEN = 0,
	SL_T6_D_OFF, /* element index of slot 0 */
	SL_T6_D_NSLOTS, /* home slots */
	SL_T6_D_PROBES, /* longest distance from home + 1 */
	/* wide slot words: 0-3 the masked address */
	SL_T6_S_ENTRY = 4,
	SL_T6_L_SHORT = 5, /* list items: the block's short-prefix entry */
	/* narrow slots and blocks: pair member p's words */
	SL_T6_P_KEY = 0, /* + 2p: two words */
	SL_T6_P_ENTRY = 4, /* + p */
};

/*
 * Longest probe sequence the builder allows (it grows a table instead).
 * IPv4's host hash is 1/8 to 1/4 full: at 1/2 the longest sequence of 850K
 * random keys is about 34 (a miss probes 2.5 slots on average), at 1/5 about
 * 14; a limit of 8 made a 1M-prefix IPv4 table grow its hash to 1/10 full,
 * 64 MiB. IPv6's hashes are fuller (user/table_build.c), their slots in
 * order of home so that a miss stops early. At most 63 (SL_E_DIST).
 */
#define SL_MAX_PROBES 48
/*
 * IPv6's longest probe sequence: the builder grows a length's hash until
 * every prefix lies within it of its home. Shorter than IPv4's, because the
 * verifier walks each IPv6 probe loop for every descriptor of a group.
 */
#define SL_T6_MAX_PROBES 16

/* Multiplicative hashing, the same on both sides; bits is 1..32. */
static inline __u32 sl_hash32(__u32 x, __u32 bits)
{
	return (__u32)(x * 0x9e3779b1u) >> (32 - bits);
}

/* IPv6 home slot of a masked address among nslots (bpf/classify.h). */
static inline __u32 sl_home6(const __u32 w[4], __u32 nslots)
{
	__u32 x = w[0] * 0x85ebca6bu ^ w[1] * 0xc2b2ae35u ^ w[2] * 0x27d4eb2fu ^
		  w[3] * 0x165667b1u;

	x = (x ^ (x >> 15)) * 0x9e3779b1u;
	return (__u32)(((__u64)x * nslots) >> 32);
}

/*
 * The layout of the tables and records that the pinned programs read. Bump
 * it with any change to them: a CLI does not write into a state pinned by
 * programs that read another layout (0: every sluice before the field).
 */
#define SL_LAYOUT 16

/*
 * The /16 filter, sl_present: per family (key 0 IPv4, 1 IPv6) a bit for
 * each /16 that a prefix of the live table covers or lies in (bit s % 64
 * of word s / 64). An address in a /16 whose bit is clear matches nothing,
 * answered from this one static map, which the verifier inlines, before
 * any helper call into the table. The CLI keeps it a superset of the live
 * table's /16s (user/table_build.c: sl_table_install()).
 */
#define SL_PRESENT_WORDS (65536 / 64)
/*
 * Beside the bits, the side words: for each /16 whose every address the
 * live table answers with one entry (a short prefix covers it whole and no
 * longer one lies in it), that entry, so that such an address needs no
 * helper call either. A side word is the entry (SL_E_VALID set) or 0 (look
 * it up), tagged in its top bits; it counts only while its tag equals gen.
 * The CLI clears gen, writes every word with a new tag, swaps the table,
 * then sets gen to that tag, each word with one store: a reader sees the
 * old table's word, or a word whose tag is not gen (and looks it up).
 * gen stays 0 while too few /16s have an entry for the words to pay.
 * The top words do the same for each /8 whose 256 /16s all have one side
 * entry (a prefix of /8 or shorter with nothing longer inside), so that
 * such an address reads 1 KiB of top words instead of the 256 KiB of side
 * words; they are written and tagged with the side words.
 */
#define SL_SIDE_TAG_SHIFT SL_E_DIST_SHIFT /* above SL_E_ENTRY_MASK */
#define SL_SIDE_TAG_MAX 127
struct sl_present {
	__u64 w[SL_PRESENT_WORDS];
	__u32 gen;  /* the tag of the side words in force; 0: none */
	__u32 last; /* the last tag written */
	__u32 top[256];
	__u32 side[65536];
};

/*
 * The entry of side or top word w while gen is in force, else 0 (look it
 * up). Words are written with tags 1-127 only, so a never-written word
 * answers nothing even while gen is 0.
 */
static inline __u32 sl_side_entry(__u32 w, __u32 gen)
{
	return w >> SL_SIDE_TAG_SHIFT == gen ? w & SL_E_ENTRY_MASK : 0;
}

/* The global state record, key 0 of sl_state. Written by the CLI only. */
struct sl_state {
	__u64 generation;	/* bumped at every table swap */
	__u64 swap_time;	/* CLOCK_REALTIME ns of the last swap */
	__u32 max_classes;
	__u32 v4_entries;
	__u32 v6_entries;
	__u32 n_v4;		/* prefixes in the live IPv4 table */
	__u32 n_v6;		/* prefixes in the live IPv6 table */
	__u32 layout;		/* SL_LAYOUT of the sluice that made the state */
	__u64 bytes_v4;		/* kernel memory of the live IPv4 table */
	__u64 bytes_v6;		/* kernel memory of the live IPv6 table */
	__u32 max_flows;	/* entries of sl_flows */
	__u32 pad;
};

enum sl_hook {
	SL_HOOK_XDP = 0,
	SL_HOOK_TC_IN = 1,
	SL_HOOK_TC_OUT = 2,
	SL_HOOK_MAX,
};

enum sl_match {
	SL_MATCH_SRC = 0,
	SL_MATCH_DST = 1,
};

#define SL_ATT_CREATED_CLSACT (1u << 0)
#define SL_ATT_FORCE (1u << 2) /* may replace a foreign root qdisc */

/*
 * One record per attachment, keyed by network namespace, interface index
 * and hook: an ifindex means a device only within its namespace. netns is
 * the namespace's cookie (SO_NETNS_COOKIE, bpf_get_netns_cookie()), never
 * reused while the machine runs.
 */
struct sl_attach_key {
	__u64 netns;
	__u32 ifindex;
	__u32 hook; /* enum sl_hook */
};

struct sl_attach_val {
	char ifname[16];
	__u32 match; /* enum sl_match */
	__u32 flags; /* SL_ATT_* */
	__u32 prog_id;
	__u32 ifb_ifindex; /* tc-ingress: the IFB device that shapes it, or 0 */
	__u64 attach_time;
	__u64 netns_ino; /* the namespace's inode (/proc/PID/ns/net), to find it */
};

/* Provenance of a class's prefixes: one record per source file. */
#define SL_MAX_SOURCES 16
#define SL_SOURCE_PATH_LEN 224

struct sl_source_key {
	__u32 class_id;
	__u32 index;
};

struct sl_source {
	char path[SL_SOURCE_PATH_LEN];
	__u64 size;	/* bytes read (compressed size for gzip files) */
	__u64 hash;	/* XXH3-64 of the file's bytes */
	__u64 mtime;	/* CLOCK_REALTIME ns, 0 for standard input */
	__u32 entries;	/* entries parsed from it */
	__u32 invalid;	/* invalid lines skipped */
};

/*
 * Lookup probe: the CLI runs the probe program on a crafted frame whose
 * destination is the address to classify; the program writes this record
 * over the start of the frame.
 */
struct sl_probe_result {
	__u32 magic;
	__u32 class_id;
	__u32 prefixlen;
	__u32 matched;
};
#define SL_PROBE_MAGIC 0x51c3b0be

/*
 * XDP to TC ingress hand-off. The XDP program leaves this record in the
 * metadata area in front of every packet it passes; the TC ingress program
 * of the same device and match then neither counts nor polices the packet
 * again, and only sends shaped classes on to the IFB. Without the record
 * (a driver that keeps no metadata) TC classifies the packet itself.
 */
struct sl_xdp_meta {
	__u32 magic;
	__u32 ifindex;	/* the device XDP saw the packet on */
	__u32 class_id;	/* SL_META_NOT_IP: not classified (counted in sl_misc) */
	__u32 flags;	/* SL_META_* */
};
#define SL_XDP_META_MAGIC 0x51c0e7a0u
#define SL_META_NOT_IP 0xffffffffu
#define SL_META_MATCH_DST 1u	/* classified by the destination address */
#define SL_META_SHAPE 2u	/* the class shapes this direction */

/* TC filter identity, so sluice removes exactly its own filters. */
#define SL_TC_HANDLE 0x51c
#define SL_TC_PRIO 0x51c

#endif /* SLUICE_H */
