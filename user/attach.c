// SPDX-License-Identifier: GPL-2.0
/*
 * Attaching the datapath: XDP through a pinned BPF link, TC through a
 * clsact qdisc and a direct-action cls_bpf filter with sluice's own handle
 * and priority. Every attachment is recorded in the sl_attach map so that
 * any later sluice process can show and undo it.
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "attach.h"
#include "diag.h"
#include "names.h"
#include "netns.h"
#include "shape.h"
#include "util.h"

static enum sl_prog hook_prog(enum sl_hook hook, enum sl_match match)
{
	static const enum sl_prog tab[SL_HOOK_MAX][2] = {
		[SL_HOOK_XDP] = { SL_PROG_XDP_SRC, SL_PROG_XDP_DST },
		[SL_HOOK_TC_IN] = { SL_PROG_TCI_SRC, SL_PROG_TCI_DST },
		[SL_HOOK_TC_OUT] = { SL_PROG_TCE_SRC, SL_PROG_TCE_DST },
	};

	return tab[hook][match];
}

/* links/xdp_<netns cookie>_<ifindex>: one per device of each namespace */
static void link_pin(char *buf, size_t len, struct sl_ctx *ctx, __u64 netns, __u32 ifindex)
{
	sl_pin_path(buf, len, ctx, "links/xdp_%llu_%u", (unsigned long long)netns, ifindex);
}

static __u32 prog_id(int fd)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return 0;
	return info.id;
}

static int attach_xdp(struct sl_ctx *ctx, __u32 ifindex, const char *dev, int prog_fd,
		      const struct sl_attach_opts *o, bool exists)
{
	char path[PATH_MAX];
	int fd, err;

	link_pin(path, sizeof(path), ctx, sl_netns_cookie(), ifindex);
	if (exists) {
		/* Same hook, other match: swap the program under the link. */
		fd = bpf_obj_get(path);
		if (fd < 0)
			return -errno;
		err = bpf_link_update(fd, prog_fd, NULL) ? -errno : 0;
		close(fd);
		if (err)
			sl_err("cannot update the XDP program on %s: %s", sl_q(dev), strerror(-err));
		return err;
	}
	{
		LIBBPF_OPTS(bpf_link_create_opts, lo,
			    .flags = o->xdp_generic ? XDP_FLAGS_SKB_MODE :
			    o->xdp_native ? XDP_FLAGS_DRV_MODE : 0);

		fd = bpf_link_create(prog_fd, ifindex, BPF_XDP, &lo);
	}
	if (fd < 0) {
		err = -errno;
		if (err == -EBUSY || err == -EEXIST)
			sl_err("%s already has an XDP program that is not sluice's", sl_q(dev));
		else if (err == -EOPNOTSUPP && o->xdp_native)
			sl_err("%s does not support native XDP; try --xdp-mode generic", sl_q(dev));
		else
			sl_err("cannot attach XDP to %s: %s", sl_q(dev), strerror(-err));
		return err;
	}
	err = bpf_obj_pin(fd, path) ? -errno : 0;
	if (err)
		sl_err("cannot pin the XDP link of %s at %s: %s", sl_q(dev), path, strerror(-err));
	close(fd);
	return err;
}

static int attach_tc(__u32 ifindex, const char *dev, enum sl_hook hook, int prog_fd, __u32 *flags)
{
	LIBBPF_OPTS(bpf_tc_hook, h, .ifindex = ifindex,
		    .attach_point = hook == SL_HOOK_TC_IN ? BPF_TC_INGRESS : BPF_TC_EGRESS);
	LIBBPF_OPTS(bpf_tc_opts, to, .handle = SL_TC_HANDLE, .priority = SL_TC_PRIO,
		    .prog_fd = prog_fd, .flags = BPF_TC_F_REPLACE);
	int err;

	err = bpf_tc_hook_create(&h);
	if (!err)
		*flags |= SL_ATT_CREATED_CLSACT;
	else if (err != -EEXIST) {
		sl_err("cannot create a clsact qdisc on %s: %s", sl_q(dev), strerror(-err));
		return err;
	}
	err = bpf_tc_attach(&h, &to);
	if (err) {
		sl_err("cannot attach the TC program to %s: %s", sl_q(dev), strerror(-err));
		if (*flags & SL_ATT_CREATED_CLSACT) {
			h.attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS;
			bpf_tc_hook_destroy(&h);
		}
	}
	return err;
}

/* Attached with the same match, and with force when o asks for it. */
static bool attached_as(const struct sl_attach_val *v, const struct sl_attach_opts *o)
{
	return v->match == (__u32)o->match && (!o->force || (v->flags & SL_ATT_FORCE));
}

bool sl_attach_current(struct sl_ctx *ctx, __u32 ifindex, const struct sl_attach_opts *o)
{
	struct sl_attach_val v;

	return sl_attach_get(ctx, ifindex, o->hook, &v) == 0 && attached_as(&v, o);
}

int sl_attach(struct sl_ctx *ctx, const char *dev, const struct sl_attach_opts *o, bool *noop)
{
	struct sl_attach_key k = { .netns = sl_netns_cookie(), .hook = o->hook };
	struct sl_attach_val v = {}, old;
	bool exists;
	int prog_fd, err;

	*noop = false;
	k.ifindex = if_nametoindex(dev);
	if (!k.ifindex) {
		sl_err("unknown device %s", sl_q(dev));
		return -ENODEV;
	}
	prog_fd = ctx->prog_fd[hook_prog(o->hook, o->match)];
	exists = sl_attach_get(ctx, k.ifindex, o->hook, &old) == 0;
	if (o->hook == SL_HOOK_TC_OUT && sl_shape_any(ctx, SL_DIR_OUT)) {
		err = sl_shape_check_root(k.ifindex, dev, o->force);
		if (err)
			return err;
	}
	if (exists && attached_as(&old, o)) {
		*noop = true;
		return 0;
	}
	if (exists) {
		v.flags = old.flags;
		v.ifb_ifindex = old.ifb_ifindex;
	}
	if (o->force)
		v.flags |= SL_ATT_FORCE;

	if (o->hook == SL_HOOK_XDP) {
		err = attach_xdp(ctx, k.ifindex, dev, prog_fd, o, exists);
	} else {
		err = attach_tc(k.ifindex, dev, o->hook, prog_fd, &v.flags);
	}
	if (err)
		return err;

	snprintf(v.ifname, sizeof(v.ifname), "%s", dev);
	v.match = o->match;
	v.prog_id = prog_id(prog_fd);
	v.attach_time = sl_now_realtime_ns();
	v.netns_ino = sl_netns_ino();
	err = sl_attach_put(ctx, &k, &v);
	if (err) {
		sl_err("cannot record the attachment of %s: %s", sl_q(dev), strerror(-err));
		return err;
	}
	return sl_shape_sync(ctx);
}

/* Does sluice have a TC filter on the other TC hook of this device? */
static bool other_tc_hook(struct sl_ctx *ctx, __u32 ifindex, enum sl_hook hook,
			  struct sl_attach_key *ok)
{
	struct sl_attach_val v;

	ok->netns = sl_netns_cookie();
	ok->ifindex = ifindex;
	ok->hook = hook == SL_HOOK_TC_IN ? SL_HOOK_TC_OUT : SL_HOOK_TC_IN;
	return sl_attach_get(ctx, ok->ifindex, ok->hook, &v) == 0;
}

static int detach_xdp(struct sl_ctx *ctx, const struct sl_attach_key *k)
{
	char path[PATH_MAX];
	int fd, err = 0;

	/* through the pinned link: works from any namespace */
	link_pin(path, sizeof(path), ctx, k->netns, k->ifindex);
	fd = bpf_obj_get(path);
	if (fd >= 0) {
		/* Detach even if someone else holds the link open. */
		if (bpf_link_detach(fd) && errno != ENOLINK && errno != EINVAL)
			err = -errno;
		close(fd);
	}
	if (unlink(path) && errno != ENOENT && !err)
		err = -errno;
	return err;
}

/* In the attachment's namespace: the filter, and what sluice made for it. */
static int detach_tc(struct sl_ctx *ctx, const struct sl_attach_key *k,
		     const struct sl_attach_val *v)
{
	LIBBPF_OPTS(bpf_tc_hook, h, .ifindex = k->ifindex,
		    .attach_point = k->hook == SL_HOOK_TC_IN ? BPF_TC_INGRESS : BPF_TC_EGRESS);
	LIBBPF_OPTS(bpf_tc_opts, to, .handle = SL_TC_HANDLE, .priority = SL_TC_PRIO);
	struct sl_attach_key ok;
	struct sl_attach_val ov;
	bool other = other_tc_hook(ctx, k->ifindex, k->hook, &ok);
	int err;

	err = bpf_tc_detach(&h, &to);
	/* The device (or its filter) may be gone already: fine. */
	if (err == -ENOENT || err == -ENODEV || err == -EINVAL)
		err = 0;
	/* What sluice made for shaping goes with the attachment. */
	if (!err && k->hook == SL_HOOK_TC_OUT)
		err = sl_shape_remove_root(k->ifindex);
	if (!err && k->hook == SL_HOOK_TC_IN) {
		if (v->ifb_ifindex)
			bpf_map_delete_elem(ctx->ifb_fd, &k->ifindex);
		err = sl_shape_ifb_delete(k->ifindex);
	}
	if (v->flags & SL_ATT_CREATED_CLSACT) {
		if (other && !sl_attach_get(ctx, ok.ifindex, ok.hook, &ov)) {
			/* The other hook now owns the qdisc we created. */
			ov.flags |= SL_ATT_CREATED_CLSACT;
			sl_attach_put(ctx, &ok, &ov);
		} else {
			h.attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS;
			bpf_tc_hook_destroy(&h);
		}
	}
	return err;
}

/*
 * TC in another namespace: entered through /proc; when no process holds
 * it any more, its devices (and sluice's filters on them) are gone with it.
 */
static int detach_one(struct sl_ctx *ctx, const struct sl_attach_key *k,
		      const struct sl_attach_val *v)
{
	int saved, err;

	if (k->hook == SL_HOOK_XDP) {
		err = detach_xdp(ctx, k);
	} else {
		err = sl_netns_enter(k->netns, v->netns_ino, &saved);
		if (!err) {
			err = detach_tc(ctx, k, v);
			sl_netns_leave(saved);
		} else if (err == -ENOENT) {
			err = 0;
		}
	}
	if (err) {
		sl_err("cannot detach %s from %s: %s", sl_hook_names[k->hook], sl_q(v->ifname),
		       strerror(-err));
		return err;
	}
	return sl_attach_del(ctx, k);
}

int sl_detach(struct sl_ctx *ctx, __u32 ifindex, int hook, int *count)
{
	struct sl_attach_key keys[SL_MAX_ATTACH];
	struct sl_attach_val vals[SL_MAX_ATTACH], v;
	__u64 here = sl_netns_cookie();
	int n, i, err = 0;

	/* Collect first: deleting while walking the hash skips entries. */
	n = sl_attach_list(ctx, keys, vals, SL_MAX_ATTACH);
	*count = 0;
	for (i = 0; i < n; i++) {
		/* a device named by ifindex is one of this namespace */
		if (ifindex && (keys[i].ifindex != ifindex || keys[i].netns != here))
			continue;
		if (hook >= 0 && keys[i].hook != (__u32)hook)
			continue;
		/* read again: detaching a TC hook may hand its clsact to the other */
		if (bpf_map_lookup_elem(ctx->attach_fd, &keys[i], &v))
			continue;
		if (detach_one(ctx, &keys[i], &v))
			err = -EIO;
		else
			(*count)++;
	}
	return err;
}

int sl_xdp_live_mode(__u32 ifindex)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);

	if (bpf_xdp_query(ifindex, 0, &q))
		return -1;
	return q.attach_mode == XDP_ATTACHED_DRV ? 0 : q.attach_mode == XDP_ATTACHED_SKB ? 1 : -1;
}

/* A broken or older state: undo what its attachment records name, as far as they can be read. */
static int detach_broken(struct sl_ctx *ctx, int *count)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	char path[PATH_MAX];
	int fd;

	sl_pin_path(path, sizeof(path), ctx, "%s", SL_MAP_ATTACH);
	fd = bpf_obj_get(path);
	if (fd >= 0 && !bpf_obj_get_info_by_fd(fd, &info, &len) &&
	    info.key_size == sizeof(struct sl_attach_key) &&
	    info.value_size == sizeof(struct sl_attach_val)) {
		if (ctx->attach_fd >= 0)
			close(ctx->attach_fd);
		ctx->attach_fd = fd;
		fd = -1;
		sl_detach(ctx, 0, -1, count);
	}
	if (fd >= 0)
		close(fd);
	sl_warn("the pinned state was incomplete or from another version; removed it and %d "
		"attachment%s", *count, *count == 1 ? "" : "s");
	return sl_unload(ctx);
}

int sl_detach_all(struct sl_ctx *ctx, int open_err, int *count)
{
	int err;

	*count = 0;
	if (open_err == -ENOENT) {
		sl_unload(ctx); /* nothing loaded: still clear a half-made state */
		return 1;
	}
	if (open_err == -EIO)
		err = detach_broken(ctx, count);
	else if (open_err)
		err = open_err;
	else
		err = sl_detach(ctx, 0, -1, count);
	/* the pins go under the lock, which sl_close gives up */
	if (!err && !open_err)
		err = sl_unload(ctx);
	if (err && err != open_err)
		sl_err("cannot remove the pins under %s: %s", ctx->dir, strerror(-err));
	else if (err && open_err != -EIO)
		sl_err("cannot open the pinned state under %s: %s", ctx->dir, strerror(-err));
	return err;
}
