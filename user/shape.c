// SPDX-License-Identifier: GPL-2.0
/*
 * Shaping: the HTB qdiscs, classes and IFB devices sluice owns, managed over
 * rtnetlink with libnl-route-3. sl_shape_sync() makes them match the shaped
 * classes and the TC attachments; everything sluice creates carries the
 * SL_HTB_MAJOR handle (IFB devices: the "slifb" name prefix), and nothing
 * else is ever removed.
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <linux/pkt_sched.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>
#include <netlink/route/qdisc.h>
#include <netlink/route/class.h>
#include <netlink/route/qdisc/htb.h>
#include <netlink/route/qdisc/fifo.h>
#include <netlink/route/qdisc/fq_codel.h>
#include <bpf/bpf.h>

#include "diag.h"
#include "netns.h"
#include "shape.h"
#include "state.h"
#include "util.h"

#define HTB_HANDLE TC_HANDLE(SL_HTB_MAJOR, 0)
/* The default class: everything not shaped, at (practically) line rate. */
#define UNLIMITED_BPS (100ull * 1000 * 1000 * 1000)
#define UNLIMITED_BURST (4ull << 20)

static struct nl_sock *nl_open(void)
{
	struct nl_sock *sk = nl_socket_alloc();

	if (!sk)
		return NULL;
	if (nl_connect(sk, NETLINK_ROUTE)) {
		nl_socket_free(sk);
		return NULL;
	}
	return sk;
}

static int nl_err(int err)
{
	/* libnl returns its own codes; map the common ones to errno */
	switch (-err) {
	case NLE_EXIST:
		return -EEXIST;
	case NLE_OBJ_NOTFOUND:
	case NLE_NOADDR:
		return -ENOENT;
	case NLE_PERM:
		return -EPERM;
	case NLE_NODEV:
		return -ENODEV;
	case NLE_NOMEM:
		return -ENOMEM;
	default:
		return err ? -EIO : 0;
	}
}

/* Root qdisc handle of a device: 0 for the kernel's default, or -errno. */
static long root_handle(struct nl_sock *sk, int ifindex, char *kind, size_t len)
{
	struct nl_cache *cache;
	struct rtnl_qdisc *q;
	long h = 0;

	if (rtnl_qdisc_alloc_cache(sk, &cache))
		return -EIO;
	q = rtnl_qdisc_get_by_parent(cache, ifindex, TC_H_ROOT);
	if (q) {
		h = rtnl_tc_get_handle(TC_CAST(q));
		snprintf(kind, len, "%s", rtnl_tc_get_kind(TC_CAST(q)));
		rtnl_qdisc_put(q);
	}
	nl_cache_free(cache);
	return h;
}

/* sluice's root qdisc on a device, as a libnl object. */
static struct rtnl_qdisc *root_qdisc(int ifindex)
{
	struct rtnl_qdisc *q = rtnl_qdisc_alloc();

	if (!q)
		return NULL;
	rtnl_tc_set_ifindex(TC_CAST(q), ifindex);
	rtnl_tc_set_parent(TC_CAST(q), TC_H_ROOT);
	rtnl_tc_set_handle(TC_CAST(q), HTB_HANDLE);
	return q;
}

static int htb_root(struct nl_sock *sk, int ifindex)
{
	struct rtnl_qdisc *q = root_qdisc(ifindex);
	int err;

	if (!q)
		return -ENOMEM;
	rtnl_tc_set_kind(TC_CAST(q), "htb");
	rtnl_htb_set_defcls(q, SL_HTB_DEFAULT);
	err = rtnl_qdisc_add(sk, q, NLM_F_CREATE | NLM_F_REPLACE);
	rtnl_qdisc_put(q);
	return nl_err(err);
}

/* Quantum: bytes a class sends per round; explicit, so HTB does not warn. */
static __u32 quantum_for(__u64 bps)
{
	__u64 q = bps / 8 / 100;

	if (q < 1514)
		q = 1514;
	if (q > 200000)
		q = 200000;
	return q;
}

/*
 * The leaf queue of a shaped class, when fq_codel is missing: a byte FIFO
 * holding LEAF_QUEUE_MS of traffic at the class's rate (at least
 * LEAF_QUEUE_MIN), so the queue adds at most that much delay.
 */
#define LEAF_QUEUE_MS 100
#define LEAF_QUEUE_MIN (192 * 1024)

static __u32 leaf_bytes(__u64 bps)
{
	__u64 b = bps / 8 * LEAF_QUEUE_MS / 1000;

	return b < LEAF_QUEUE_MIN ? LEAF_QUEUE_MIN : b > (1u << 30) ? (1u << 30) : b;
}

static int leaf_add(struct nl_sock *sk, int ifindex, __u32 minor, const char *kind, __u64 bps)
{
	struct rtnl_qdisc *leaf = rtnl_qdisc_alloc();
	int err;

	if (!leaf)
		return -ENOMEM;
	rtnl_tc_set_ifindex(TC_CAST(leaf), ifindex);
	rtnl_tc_set_parent(TC_CAST(leaf), TC_HANDLE(SL_HTB_MAJOR, minor));
	rtnl_tc_set_kind(TC_CAST(leaf), kind);
	if (!strcmp(kind, "bfifo"))
		rtnl_qdisc_fifo_set_limit(leaf, leaf_bytes(bps));
	err = nl_err(rtnl_qdisc_add(sk, leaf, NLM_F_CREATE | NLM_F_REPLACE));
	rtnl_qdisc_put(leaf);
	return err;
}

/*
 * The kind of the leaf queue of an HTB class, and its limit when it is a
 * FIFO: 0, -ENOENT when it has none, -EIO.
 */
static int leaf_get(struct nl_sock *sk, int ifindex, __u32 minor, char *kind, size_t len,
		    __u32 *limit)
{
	struct nl_cache *cache;
	struct rtnl_qdisc *q;
	int err = -ENOENT;

	if (rtnl_qdisc_alloc_cache(sk, &cache))
		return -EIO;
	q = rtnl_qdisc_get_by_parent(cache, ifindex, TC_HANDLE(SL_HTB_MAJOR, minor));
	if (q) {
		snprintf(kind, len, "%s", rtnl_tc_get_kind(TC_CAST(q)));
		*limit = strcmp(kind, "bfifo") ? 0 : (__u32)rtnl_qdisc_fifo_get_limit(q);
		rtnl_qdisc_put(q);
		err = 0;
	}
	nl_cache_free(cache);
	return err;
}

/*
 * A FIFO leaf follows the class's rate: changed in place (same kind: the
 * kernel changes the limit and keeps the packets queued).
 */
static int leaf_follow(struct nl_sock *sk, int ifindex, __u32 minor, __u64 bps)
{
	char kind[16] = "";
	__u32 limit = 0;
	int err = leaf_get(sk, ifindex, minor, kind, sizeof(kind), &limit);

	if (err == -ENOENT)
		return leaf_add(sk, ifindex, minor, "bfifo", bps);
	if (err || strcmp(kind, "bfifo") || limit == leaf_bytes(bps))
		return err;
	return leaf_add(sk, ifindex, minor, "bfifo", bps);
}

/*
 * Add or change an HTB class (rate = ceil); a new class gets a leaf queue,
 * an existing one keeps its queue and the packets in it (a FIFO's size
 * follows the rate).
 */
static int htb_class(struct nl_sock *sk, struct nl_cache *classes, int ifindex, __u32 minor,
		     __u64 bps, __u64 burst, bool *fq_codel_ok)
{
	struct rtnl_class *old = rtnl_class_get(classes, ifindex, TC_HANDLE(SL_HTB_MAJOR, minor));
	bool exists = old != NULL;
	struct rtnl_class *c = rtnl_class_alloc();
	int err;

	if (!c)
		return -ENOMEM;
	rtnl_tc_set_ifindex(TC_CAST(c), ifindex);
	rtnl_tc_set_parent(TC_CAST(c), HTB_HANDLE);
	rtnl_tc_set_handle(TC_CAST(c), TC_HANDLE(SL_HTB_MAJOR, minor));
	rtnl_tc_set_kind(TC_CAST(c), "htb");
	rtnl_htb_set_rate64(c, bps / 8);
	rtnl_htb_set_ceil64(c, bps / 8);
	if (burst) {
		rtnl_htb_set_rbuffer(c, burst > 0xffffffffu ? 0xffffffffu : burst);
		rtnl_htb_set_cbuffer(c, burst > 0xffffffffu ? 0xffffffffu : burst);
	}
	rtnl_htb_set_quantum(c, quantum_for(bps));
	/* NLM_F_REPLACE changes a live class in place: its queue is kept. */
	err = nl_err(rtnl_class_add(sk, c, NLM_F_CREATE | NLM_F_REPLACE));
	rtnl_class_put(c);
	if (old)
		rtnl_class_put(old);
	if (err)
		return err;
	if (exists)
		return leaf_follow(sk, ifindex, minor, bps);

	/* The leaf: fq_codel where the kernel has it, else a bounded FIFO. */
	err = -EOPNOTSUPP;
	if (*fq_codel_ok) {
		err = leaf_add(sk, ifindex, minor, "fq_codel", bps);
		if (err)
			*fq_codel_ok = false;
	}
	if (err)
		err = leaf_add(sk, ifindex, minor, "bfifo", bps);
	return err;
}

struct prune_ctx {
	struct nl_sock *sk;
	const bool *want; /* by minor */
	int err;
};

static void prune_one(struct nl_object *obj, void *arg)
{
	struct rtnl_class *c = (struct rtnl_class *)obj;
	struct prune_ctx *p = arg;
	__u32 h = rtnl_tc_get_handle(TC_CAST(c));

	if (TC_H_MAJ(h) != TC_HANDLE(SL_HTB_MAJOR, 0) || TC_H_MIN(h) == SL_HTB_DEFAULT)
		return;
	if (TC_H_MIN(h) <= SL_SHAPE_MAX_CLASS && p->want[TC_H_MIN(h)])
		return;
	if (rtnl_class_delete(p->sk, c))
		p->err = -EIO;
}

/* Remove the HTB classes of classes no longer shaped in this direction. */
static int prune(struct nl_sock *sk, int ifindex, const bool *want)
{
	struct prune_ctx p = { .sk = sk, .want = want };
	struct nl_cache *cache;

	if (rtnl_class_alloc_cache(sk, ifindex, &cache))
		return -EIO;
	nl_cache_foreach(cache, prune_one, &p);
	nl_cache_free(cache);
	return p.err;
}

static int del_root(struct nl_sock *sk, int ifindex)
{
	struct rtnl_qdisc *q = root_qdisc(ifindex);
	int err;

	if (!q)
		return -ENOMEM;
	err = nl_err(rtnl_qdisc_delete(sk, q));
	rtnl_qdisc_put(q);
	return err == -ENOENT ? 0 : err;
}

int sl_shape_check_root(int ifindex, const char *dev, bool force)
{
	struct nl_sock *sk = nl_open();
	char kind[32] = "";
	long h;

	if (!sk)
		return -EIO;
	h = root_handle(sk, ifindex, kind, sizeof(kind));
	nl_socket_free(sk);
	if (h < 0)
		return (int)h;
	if (h && h != HTB_HANDLE && !force) {
		sl_err("%s has a root qdisc that is not sluice's (%s %lx:); sluice will not replace "
		       "it without --force", dev, kind, (unsigned long)(h >> 16));
		return -EBUSY;
	}
	return 0;
}

/* Is class id (in use) shaped in direction dir? */
static bool shaped(const struct sl_classes *cs, int id, int dir)
{
	const struct sl_class *c = &cs->slot[id];

	return id > 0 && id <= (int)SL_SHAPE_MAX_CLASS && c->policy == SL_POLICY_SHAPE &&
	       c->rate[dir];
}

static bool shaped_any(const struct sl_classes *cs, int dir)
{
	int id;

	sl_for_each_class(cs, id)
		if (shaped(cs, id, dir))
			return true;
	return false;
}

/* Make one device's HTB match the classes shaped in direction dir. */
static int sync_dev(struct nl_sock *sk, const struct sl_classes *cs, int ifindex, int dir,
		    bool force, bool *fq_codel_ok)
{
	static bool want[SL_SHAPE_MAX_CLASS + 1];
	char kind[32] = "", dev[IF_NAMESIZE] = "?";
	struct nl_cache *classes;
	bool any = false;
	int id, err;
	long h;

	memset(want, 0, sizeof(want));
	sl_for_each_class(cs, id)
		if (shaped(cs, id, dir))
			want[id] = any = true;
	if_indextoname(ifindex, dev);
	h = root_handle(sk, ifindex, kind, sizeof(kind));
	if (h < 0)
		return (int)h;
	if (!any)
		return h == HTB_HANDLE ? del_root(sk, ifindex) : 0;
	if (h != HTB_HANDLE) {
		if (h && !force) {
			sl_err("%s has a root qdisc that is not sluice's (%s); shaping it needs "
			       "'sluice attach %s ... --force'", dev, kind, dev);
			return -EBUSY;
		}
		err = htb_root(sk, ifindex);
		if (err) {
			sl_err("cannot create the HTB qdisc on %s: %s", dev, strerror(-err));
			return err;
		}
	}
	if (rtnl_class_alloc_cache(sk, ifindex, &classes))
		return -EIO;
	err = htb_class(sk, classes, ifindex, SL_HTB_DEFAULT, UNLIMITED_BPS, UNLIMITED_BURST,
			fq_codel_ok);
	for (id = 1; !err && id <= (int)SL_SHAPE_MAX_CLASS; id++)
		if (want[id])
			err = htb_class(sk, classes, ifindex, id, cs->slot[id].rate[dir],
					cs->slot[id].burst[dir], fq_codel_ok);
	nl_cache_free(classes);
	if (!err)
		err = prune(sk, ifindex, want);
	if (err)
		sl_err("cannot set up the HTB classes on %s: %s", dev, strerror(-err));
	return err;
}

static void ifb_name(char *buf, size_t len, __u32 ifindex)
{
	snprintf(buf, len, "slifb%u", ifindex);
}

/* The IFB device that shapes a device's ingress: create it, up. */
static int ifb_ensure(struct nl_sock *sk, __u32 ifindex, __u32 *ifb)
{
	struct rtnl_link *l, *chg;
	char name[IF_NAMESIZE];
	int err;

	ifb_name(name, sizeof(name), ifindex);
	*ifb = if_nametoindex(name);
	if (!*ifb) {
		l = rtnl_link_alloc();
		if (!l)
			return -ENOMEM;
		rtnl_link_set_name(l, name);
		err = rtnl_link_set_type(l, "ifb");
		if (!err)
			err = nl_err(rtnl_link_add(sk, l, NLM_F_CREATE | NLM_F_EXCL));
		rtnl_link_put(l);
		if (err) {
			sl_err("cannot create the IFB device %s: %s", name, strerror(-err));
			return err;
		}
		*ifb = if_nametoindex(name);
		if (!*ifb)
			return -ENODEV;
	}
	l = rtnl_link_alloc();
	chg = rtnl_link_alloc();
	if (!l || !chg) {
		rtnl_link_put(l);
		rtnl_link_put(chg);
		return -ENOMEM;
	}
	rtnl_link_set_ifindex(l, *ifb);
	rtnl_link_set_flags(chg, IFF_UP);
	err = nl_err(rtnl_link_change(sk, l, chg, 0));
	rtnl_link_put(l);
	rtnl_link_put(chg);
	return err;
}

int sl_shape_ifb_delete(__u32 ifindex)
{
	struct nl_sock *sk = nl_open();
	char name[IF_NAMESIZE];
	struct rtnl_link *l;
	int err = 0;

	if (!sk)
		return -EIO;
	ifb_name(name, sizeof(name), ifindex);
	if (if_nametoindex(name)) {
		l = rtnl_link_alloc();
		rtnl_link_set_name(l, name);
		err = nl_err(rtnl_link_delete(sk, l));
		rtnl_link_put(l);
	}
	nl_socket_free(sk);
	return err == -ENOENT || err == -ENODEV ? 0 : err;
}

int sl_shape_remove_root(__u32 ifindex)
{
	struct nl_sock *sk = nl_open();
	char kind[32];
	int err = 0;

	if (!sk)
		return -EIO;
	if (root_handle(sk, ifindex, kind, sizeof(kind)) == HTB_HANDLE)
		err = del_root(sk, ifindex);
	nl_socket_free(sk);
	return err == -ENODEV ? 0 : err;
}

bool sl_shape_any(struct sl_ctx *ctx, int dir)
{
	struct sl_classes cs;
	bool any;

	if (sl_classes_read(ctx, &cs))
		return false;
	any = shaped_any(&cs, dir);
	sl_classes_free(&cs);
	return any;
}

int sl_shape_sync(struct sl_ctx *ctx)
{
	struct sl_attach_key keys[SL_MAX_ATTACH];
	struct sl_attach_val vals[SL_MAX_ATTACH];
	bool fq_codel_ok = true, shape_in;
	struct sl_classes cs;
	struct nl_sock *sk;
	int n, i, err = 0;

	n = sl_attach_list(ctx, keys, vals, SL_MAX_ATTACH);
	for (i = 0; i < n; i++)
		if (keys[i].hook != SL_HOOK_XDP)
			break;
	if (i == n)
		return 0;
	err = sl_classes_read(ctx, &cs);
	if (err)
		return err;
	shape_in = shaped_any(&cs, SL_DIR_IN);
	sk = nl_open();
	if (!sk) {
		sl_classes_free(&cs);
		sl_err("cannot open a netlink socket");
		return -EIO;
	}
	for (i = 0; i < n && !err; i++) {
		bool force = vals[i].flags & SL_ATT_FORCE;
		__u32 ifb = 0;

		/* the netlink socket reaches this namespace's devices only */
		if (keys[i].netns != sl_netns_cookie())
			continue;

		if (keys[i].hook == SL_HOOK_TC_OUT) {
			err = sync_dev(sk, &cs, keys[i].ifindex, SL_DIR_OUT, force, &fq_codel_ok);
		} else if (keys[i].hook == SL_HOOK_TC_IN && !shape_in) {
			/* Nothing shaped inbound: no IFB device. */
			if (vals[i].ifb_ifindex) {
				vals[i].ifb_ifindex = 0;
				bpf_map_delete_elem(ctx->ifb_fd, &keys[i].ifindex);
				err = sl_attach_put(ctx, &keys[i], &vals[i]);
				sl_shape_ifb_delete(keys[i].ifindex);
			}
		} else if (keys[i].hook == SL_HOOK_TC_IN) {
			err = ifb_ensure(sk, keys[i].ifindex, &ifb);
			if (!err)
				err = sync_dev(sk, &cs, ifb, SL_DIR_IN, true, &fq_codel_ok);
			if (!err && vals[i].ifb_ifindex != ifb) {
				vals[i].ifb_ifindex = ifb;
				err = sl_attach_put(ctx, &keys[i], &vals[i]);
			}
			if (!err && bpf_map_update_elem(ctx->ifb_fd, &keys[i].ifindex, &ifb, BPF_ANY))
				err = -errno;
		}
	}
	nl_socket_free(sk);
	sl_classes_free(&cs);
	return err;
}
