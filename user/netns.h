/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Network namespaces of attachments: an ifindex names a device only within
 * its namespace, so every attachment records the namespace's cookie (its
 * identity, never reused) and inode (to find it again under /proc).
 */
#ifndef SLUICE_NETNS_H
#define SLUICE_NETNS_H

#include <linux/types.h>

/* The cookie and the inode of the calling thread's namespace (0: unknown). */
__u64 sl_netns_cookie(void);
__u64 sl_netns_ino(void);

/*
 * Enter the namespace of (cookie, ino), found through /proc/PID/ns/net and
 * /run/netns; *saved is the namespace to go back to (-1: already there).
 * -ENOENT when no process holds it any more (its devices are gone with it).
 */
int sl_netns_enter(__u64 cookie, __u64 ino, int *saved);
void sl_netns_leave(int saved);

enum sl_dev_state {
	SL_DEV_PRESENT,	 /* in this namespace */
	SL_DEV_GONE,	 /* the device is gone */
	SL_DEV_OTHER,	 /* present, in another namespace */
	SL_DEV_NETNS_GONE, /* its namespace is gone, and the device with it */
};

/* Where the device of an attachment is; its current name in name. */
enum sl_dev_state sl_netns_dev_state(__u64 cookie, __u64 ino, __u32 ifindex, char *name);

#endif
