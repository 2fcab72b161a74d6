// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include <dirent.h>
#include <stdbool.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "diag.h"
#include "netns.h"

#ifndef SO_NETNS_COOKIE
#define SO_NETNS_COOKIE 71
#endif

__u64 sl_netns_cookie(void)
{
	__u64 cookie = 0;
	socklen_t len = sizeof(cookie);
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return 0;
	if (getsockopt(fd, SOL_SOCKET, SO_NETNS_COOKIE, &cookie, &len))
		cookie = 0;
	close(fd);
	return cookie;
}

__u64 sl_netns_ino(void)
{
	struct stat st;

	return stat("/proc/thread-self/ns/net", &st) ? 0 : st.st_ino;
}

/* A namespace file with inode ino under dir (every entry, or entry/ns/net). */
static int find_in(const char *dir, const char *sub, __u64 ino)
{
	char path[512];
	struct dirent *e;
	struct stat st;
	DIR *d = opendir(dir);
	int fd = -ENOENT;

	if (!d)
		return -ENOENT;
	while (fd < 0 && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s%s", dir, e->d_name, sub);
		if (!stat(path, &st) && st.st_ino == ino)
			fd = open(path, O_RDONLY | O_CLOEXEC);
	}
	closedir(d);
	return fd < 0 ? -ENOENT : fd;
}

int sl_netns_enter(__u64 cookie, __u64 ino, int *saved)
{
	int fd, err = 0;

	*saved = -1;
	if (cookie == sl_netns_cookie())
		return 0;
	fd = find_in("/run/netns", "", ino);
	if (fd < 0)
		fd = find_in("/proc", "/ns/net", ino);
	if (fd < 0)
		return -ENOENT;
	*saved = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (*saved < 0 || setns(fd, CLONE_NEWNET)) {
		err = -errno;
	} else if (sl_netns_cookie() != cookie) {
		err = -ENOENT; /* the inode was reused by another namespace */
	}
	close(fd);
	if (err) {
		sl_netns_leave(*saved);
		*saved = -1;
	}
	return err;
}

void sl_netns_leave(int saved)
{
	if (saved < 0)
		return;
	if (setns(saved, CLONE_NEWNET))
		sl_warn("cannot return to the network namespace: %s", strerror(errno));
	close(saved);
}

enum sl_dev_state sl_netns_dev_state(__u64 cookie, __u64 ino, __u32 ifindex, char *name)
{
	bool here = cookie == sl_netns_cookie();
	int saved, present;

	if (!here && sl_netns_enter(cookie, ino, &saved))
		return SL_DEV_NETNS_GONE;
	present = if_indextoname(ifindex, name) != NULL;
	if (!here)
		sl_netns_leave(saved);
	return !present ? SL_DEV_GONE : here ? SL_DEV_PRESENT : SL_DEV_OTHER;
}
