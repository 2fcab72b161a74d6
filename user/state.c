// SPDX-License-Identifier: GPL-2.0
/*
 * The pinned state: loading the BPF object once, pinning its maps and
 * programs under <bpffs>/sluice, and reopening them from the pins in every
 * later sluice process.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <linux/magic.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "diag.h"
#include "netns.h"
#include "print.h"
#include "sluice_bucket.h"
#include "state.h"
#include "table_build.h"
#include "util.h"
#include "sluice.skel.h"

const char *sl_bpffs_opt;

const char *const sl_prog_names[SL_PROG_MAX] = {
	[SL_PROG_XDP_SRC] = "sl_xdp_src", [SL_PROG_XDP_DST] = "sl_xdp_dst",
	[SL_PROG_TCI_SRC] = "sl_tci_src", [SL_PROG_TCI_DST] = "sl_tci_dst",
	[SL_PROG_TCE_SRC] = "sl_tce_src", [SL_PROG_TCE_DST] = "sl_tce_dst",
	[SL_PROG_PROBE] = "sl_probe",
};

static const char *const map_names[] = {
	SL_MAP_CLASSES, SL_MAP_BUCKETS, SL_MAP_STATS, SL_MAP_MISC,
	SL_MAP_V4,	SL_MAP_V6,	SL_MAP_STATE, SL_MAP_ATTACH, SL_MAP_SOURCES, SL_MAP_IFB,
	SL_MAP_FLOWS,	SL_MAP_FLOWCNT, SL_MAP_PRESENT,
};

static int *map_fd_slot(struct sl_ctx *ctx, int i)
{
	int *slots[] = { &ctx->classes_fd, &ctx->buckets_fd, &ctx->stats_fd, &ctx->misc_fd,
			 &ctx->v4_fd,	   &ctx->v6_fd,	     &ctx->state_fd, &ctx->attach_fd,
			 &ctx->sources_fd, &ctx->ifb_fd,   &ctx->flows_fd,  &ctx->flowcnt_fd,
			 &ctx->present_fd };

	return slots[i];
}

void sl_pin_path(char *buf, size_t len, struct sl_ctx *ctx, const char *fmt, ...)
{
	char tail[PATH_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(tail, sizeof(tail), fmt, ap);
	va_end(ap);
	snprintf(buf, len, "%s/%s", ctx->dir, tail);
}

void sl_ctx_init(struct sl_ctx *ctx, const char *bpffs)
{
	int i;

	memset(ctx, 0, sizeof(*ctx));
	if (!bpffs)
		bpffs = sl_bpffs_opt;
	if (!bpffs)
		bpffs = getenv("SLUICE_BPFFS");
	if (!bpffs || !*bpffs || strlen(bpffs) >= SL_DIR_LEN)
		bpffs = "/sys/fs/bpf";
	snprintf(ctx->bpffs, sizeof(ctx->bpffs), "%s", bpffs);
	snprintf(ctx->dir, sizeof(ctx->dir), "%s/sluice", bpffs);
	ctx->lock_fd = -1;
	for (i = 0; i < (int)ARRAY_SIZE(map_names); i++)
		*map_fd_slot(ctx, i) = -1;
	for (i = 0; i < SL_PROG_MAX; i++)
		ctx->prog_fd[i] = -1;
	ctx->ncpus = libbpf_num_possible_cpus();
}

static int ensure_bpffs(struct sl_ctx *ctx)
{
	struct statfs sfs;

	if (statfs(ctx->bpffs, &sfs) == 0 && sfs.f_type == BPF_FS_MAGIC)
		return 0;
	if (strcmp(ctx->bpffs, "/sys/fs/bpf")) {
		sl_err("%s is not a bpf filesystem", ctx->bpffs);
		return -ENOTDIR;
	}
	mkdir(ctx->bpffs, 0700);
	if (mount("bpf", ctx->bpffs, "bpf", 0, "mode=0700")) {
		int err = -errno;

		sl_err("cannot mount the bpf filesystem on %s: %s", ctx->bpffs, strerror(-err));
		return err;
	}
	return 0;
}

unsigned int sl_lock_wait = SL_LOCK_WAIT;

static void lock_path(char *buf, size_t len, const struct sl_ctx *ctx)
{
	snprintf(buf, len, "%s/sluice_lock", ctx->bpffs);
}

/*
 * A directory sluice made: root's, and no one else may write to it (on a
 * bpffs mounted mode 1777 another user could have made it first).
 */
static int check_owned(const char *path, const struct stat *sb)
{
	if (!S_ISDIR(sb->st_mode) || sb->st_uid != 0 || (sb->st_mode & 0022)) {
		sl_err("%s is not sluice's (owner uid %u, mode %04o); remove it", path,
		       (unsigned int)sb->st_uid, (unsigned int)(sb->st_mode & 07777));
		return -EPERM;
	}
	return 0;
}

/* The pin directory, when there is one, must be sluice's. */
static int check_state_dir(const struct sl_ctx *ctx)
{
	struct stat sb;

	if (lstat(ctx->dir, &sb))
		return errno == ENOENT ? 0 : -errno;
	return check_owned(ctx->dir, &sb);
}

/* The pid holding a flock on the inode of fd, from /proc/locks (0: unknown). */
static long lock_holder(int fd)
{
	unsigned int maj, min;
	unsigned long ino;
	struct stat sb;
	char line[256];
	long pid, found = 0;
	FILE *f;

	if (fstat(fd, &sb) || !(f = fopen("/proc/locks", "r")))
		return 0;
	while (!found && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%*s FLOCK %*s WRITE %ld %x:%x:%lu", &pid, &maj, &min, &ino) == 4 &&
		    ino == sb.st_ino && maj == major(sb.st_dev) && min == minor(sb.st_dev))
			found = pid;
	}
	fclose(f);
	return found;
}

/* flock, waiting at most sl_lock_wait seconds. */
static int flock_wait(int fd)
{
	struct timespec pause = { 0, 20 * 1000 * 1000 };
	__u64 waited = 0, limit = (__u64)sl_lock_wait * 1000;

	for (;;) {
		if (!flock(fd, LOCK_EX | LOCK_NB))
			return 0;
		if (errno != EWOULDBLOCK)
			return -errno;
		if (waited >= limit)
			return -ETIMEDOUT;
		nanosleep(&pause, NULL);
		waited += 20;
	}
}

/* Open the lock directory, making it if need be, and check it is sluice's. */
static int lock_open(const char *path)
{
	struct stat sb;
	int fd, err;

	if (mkdir(path, 0700) && errno != EEXIST)
		return -errno;
	fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	err = fstat(fd, &sb) ? -errno : check_owned(path, &sb);
	if (err) {
		close(fd);
		return err;
	}
	return fd;
}

/* Still the lock directory at path? (detach --all removes it under the lock.) */
static bool lock_current(int fd, const char *path)
{
	struct stat a, b;

	return !fstat(fd, &a) && !stat(path, &b) && a.st_ino == b.st_ino && a.st_dev == b.st_dev;
}

int sl_state_lock(struct sl_ctx *ctx)
{
	char path[SL_DIR_LEN + 16];
	int fd, err;

	if (ctx->lock_fd >= 0)
		return 0;
	lock_path(path, sizeof(path), ctx);
	for (;;) {
		fd = lock_open(path);
		if (fd < 0) {
			if (fd != -EPERM)
				sl_err("cannot lock %s: %s", path, strerror(-fd));
			return fd;
		}
		err = flock_wait(fd);
		if (!err && lock_current(fd, path))
			break;
		if (err == -ETIMEDOUT) {
			long pid = lock_holder(fd);

			if (pid)
				sl_err("another sluice command holds the lock (pid %ld); waited %u s "
				       "(--wait)", pid, sl_lock_wait);
			else
				sl_err("another sluice command holds the lock; waited %u s (--wait)",
				       sl_lock_wait);
		} else if (err) {
			sl_err("cannot lock %s: %s", path, strerror(-err));
		}
		close(fd);
		if (err)
			return err;
	}
	ctx->lock_fd = fd;
	return 0;
}

bool sl_loaded(struct sl_ctx *ctx)
{
	char path[PATH_MAX];

	sl_pin_path(path, sizeof(path), ctx, "%s", SL_MAP_STATE);
	return access(path, F_OK) == 0;
}

static int sl_table_new(int family)
{
	struct sl_built b;
	int err;

	err = family == 4 ? sl_build_v4(NULL, 0, &b) : sl_build_v6(NULL, 0, &b);
	return err ? err : b.fd;
}

/*
 * Loading is verification, about a second for each program, and the kernel
 * verifies a program in the thread that loads it; libbpf loads an object's
 * programs one after another. So one object creates the maps and loads no
 * program, and two more, reusing its maps, load half the programs each, in
 * two threads when there is more than one CPU (and not under -d, whose
 * verifier logs would interleave). This holds while the programs share only
 * maps: tail calls, program arrays or BTF-typed kernel objects (kptrs,
 * bpf_obj_new) would tie programs to one object.
 */
struct prog_half {
	struct sluice_bpf *skel;
	int err;
};

/* Pin the maps of @maps and the programs the two halves loaded, under @dir. */
static int pin_all(struct sluice_bpf *maps, const struct prog_half half[2], const char *dir)
{
	struct bpf_program *prog;
	struct bpf_map *map;
	char path[PATH_MAX];
	int err, i, pinned = 0;

	if (mkdir(dir, 0700))
		return -errno;
	bpf_object__for_each_map(map, maps->obj) {
		if (bpf_map__is_internal(map))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, bpf_map__name(map));
		err = bpf_map__pin(map, path);
		if (err)
			return err;
	}
	snprintf(path, sizeof(path), "%s/progs", dir);
	if (mkdir(path, 0700))
		return -errno;
	for (i = 0; i < 2; i++) {
		bpf_object__for_each_program(prog, half[i].skel->obj) {
			if (bpf_program__fd(prog) < 0)
				continue;
			snprintf(path, sizeof(path), "%s/progs/%s", dir, bpf_program__name(prog));
			err = bpf_program__pin(prog, path);
			if (err)
				return err;
			pinned++;
		}
	}
	/* every program once: a split that missed one would break later opens */
	if (pinned != SL_PROG_MAX)
		return -EPROTO;
	snprintf(path, sizeof(path), "%s/links", dir);
	if (mkdir(path, 0700))
		return -errno;
	snprintf(path, sizeof(path), "%s/feeds", dir);
	if (mkdir(path, 0700))
		return -errno;
	return 0;
}

static void *load_half(void *arg)
{
	struct prog_half *h = arg;

	h->err = sluice_bpf__load(h->skel);
	return NULL;
}

/* Open a copy of the object that shares @maps' maps and loads @half's programs. */
static int open_half(struct prog_half *h, struct sluice_bpf *maps, int half)
{
	struct bpf_program *prog;
	struct bpf_map *map;
	int i = 0, err;

	h->skel = sluice_bpf__open();
	if (!h->skel)
		return -errno;
	bpf_object__for_each_map(map, h->skel->obj) {
		struct bpf_map *src = bpf_object__find_map_by_name(maps->obj, bpf_map__name(map));

		if (!src)
			return -ENOENT;
		err = bpf_map__reuse_fd(map, bpf_map__fd(src));
		if (err)
			return err;
	}
	bpf_object__for_each_program(prog, h->skel->obj)
		bpf_program__set_autoload(prog, i++ % 2 == half);
	return 0;
}

static int load_programs(struct sluice_bpf *maps, struct prog_half h[2])
{
	pthread_t thread;
	bool threaded;
	int err, i;

	for (i = 0; i < 2; i++) {
		err = open_half(&h[i], maps, i);
		if (err) {
			sl_err("cannot open a copy of the BPF object over its maps: %s",
			       strerror(-err));
			return err;
		}
	}
	threaded = !sl_debug && sysconf(_SC_NPROCESSORS_ONLN) > 1 &&
		   !sl_thread_start(&thread, load_half, &h[1]);
	load_half(&h[0]);
	if (threaded)
		pthread_join(thread, NULL);
	else
		load_half(&h[1]);
	err = h[0].err ? h[0].err : h[1].err;
	if (err)
		sl_err("cannot load the BPF programs: %s (run with -d for the verifier log)",
		       strerror(-err));
	return err;
}

static int rm_tree(const char *path)
{
	struct dirent *de;
	char sub[PATH_MAX];
	DIR *d = opendir(path);

	if (!d)
		return unlink(path) && errno != ENOENT ? -errno : 0;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name);
		rm_tree(sub);
	}
	closedir(d);
	return rmdir(path) ? -errno : 0;
}

static int init_tables(struct sl_ctx *ctx, struct sluice_bpf *skel)
{
	struct sl_class def = { .name = "default", .flags = SL_CLASS_USED };
	__u32 zero = 0;
	int fd, err, fam;

	for (fam = 4; fam <= 6; fam += 2) {
		int outer = bpf_map__fd(fam == 4 ? skel->maps.sl_v4 : skel->maps.sl_v6);

		fd = sl_table_new(fam);
		if (fd < 0)
			return fd;
		err = sl_table_install(outer, bpf_map__fd(skel->maps.sl_present), fam, fd);
		close(fd);
		if (err)
			return err;
	}
	if (bpf_map_update_elem(bpf_map__fd(skel->maps.sl_classes), &zero, &def, BPF_ANY))
		return -errno;
	ctx->st.layout = SL_LAYOUT;
	if (bpf_map_update_elem(bpf_map__fd(skel->maps.sl_state), &zero, &ctx->st, BPF_ANY))
		return -errno;
	return 0;
}

/* Load the object and pin it under a temporary name, then rename it live. */
static int create_state(struct sl_ctx *ctx, const struct sl_sizes *sizes)
{
	struct sl_sizes def = { SL_DEF_MAX_CLASSES, SL_DEF_V4_ENTRIES, SL_DEF_V6_ENTRIES,
				SL_DEF_MAX_FLOWS };
	struct prog_half half[2] = { { NULL, 0 }, { NULL, 0 } };
	struct sluice_bpf *skel;
	struct bpf_program *prog;
	char tmp[SL_DIR_LEN + 32];
	int tmpl[2] = { -1, -1 };
	int err;

	if (!sizes)
		sizes = &def;
	memset(&ctx->st, 0, sizeof(ctx->st));
	ctx->st.max_classes = sizes->max_classes;
	ctx->st.v4_entries = sizes->v4_entries;
	ctx->st.v6_entries = sizes->v6_entries;
	ctx->st.max_flows = sizes->max_flows ? sizes->max_flows : SL_DEF_MAX_FLOWS;

	skel = sluice_bpf__open();
	if (!skel) {
		err = -errno;
		sl_err("cannot open the BPF object: %s", strerror(-err));
		return err;
	}
	bpf_map__set_max_entries(skel->maps.sl_classes, sizes->max_classes);
	bpf_map__set_max_entries(skel->maps.sl_buckets, sizes->max_classes * SL_DIR_MAX);
	bpf_map__set_max_entries(skel->maps.sl_stats, sizes->max_classes * SL_DIR_MAX);
	bpf_map__set_max_entries(skel->maps.sl_lease, sizes->max_classes * SL_DIR_MAX);
	bpf_map__set_max_entries(skel->maps.sl_flowcnt, sizes->max_classes);
	bpf_map__set_max_entries(skel->maps.sl_flows, ctx->st.max_flows);
	/* Inner map templates (tables are sized to their content). */
	tmpl[0] = sl_table_new(4);
	tmpl[1] = sl_table_new(6);
	if (tmpl[0] < 0 || tmpl[1] < 0) {
		err = tmpl[0] < 0 ? tmpl[0] : tmpl[1];
		sl_err("cannot create the prefix tables: %s", strerror(-err));
		goto cleanup;
	}
	bpf_map__set_inner_map_fd(skel->maps.sl_v4, tmpl[0]);
	bpf_map__set_inner_map_fd(skel->maps.sl_v6, tmpl[1]);

	bpf_object__for_each_program(prog, skel->obj)
		bpf_program__set_autoload(prog, false);
	err = sluice_bpf__load(skel);
	if (err) {
		sl_err("cannot create the BPF maps: %s", strerror(-err));
		goto cleanup;
	}
	err = load_programs(skel, half);
	if (err)
		goto cleanup;
	err = init_tables(ctx, skel);
	if (err) {
		sl_err("cannot initialise the tables: %s", strerror(-err));
		goto cleanup;
	}
	snprintf(tmp, sizeof(tmp), "%s/sluice_new_%d", ctx->bpffs, getpid());
	err = pin_all(skel, half, tmp);
	if (!err && rename(tmp, ctx->dir))
		err = -errno;
	if (err) {
		sl_err("cannot pin the BPF state under %s: %s", ctx->dir, strerror(-err));
		rm_tree(tmp);
	}
cleanup:
	sluice_bpf__destroy(half[0].skel);
	sluice_bpf__destroy(half[1].skel);
	sluice_bpf__destroy(skel);
	if (tmpl[0] >= 0)
		close(tmpl[0]);
	if (tmpl[1] >= 0)
		close(tmpl[1]);
	return err;
}

static int open_pins(struct sl_ctx *ctx)
{
	char path[PATH_MAX];
	int i, fd, err;

	for (i = 0; i < (int)ARRAY_SIZE(map_names); i++) {
		sl_pin_path(path, sizeof(path), ctx, "%s", map_names[i]);
		fd = bpf_obj_get(path);
		if (fd < 0)
			goto broken;
		*map_fd_slot(ctx, i) = fd;
	}
	for (i = 0; i < SL_PROG_MAX; i++) {
		sl_pin_path(path, sizeof(path), ctx, "progs/%s", sl_prog_names[i]);
		fd = bpf_obj_get(path);
		if (fd < 0)
			goto broken;
		ctx->prog_fd[i] = fd;
	}
	err = sl_state_read(ctx);
	if (!err && ctx->st.layout != SL_LAYOUT) {
		sl_err("the pinned state under %s was made by another version of sluice (table "
		       "layout %u, this one reads %u); run 'sluice detach --all' and attach again",
		       ctx->dir, ctx->st.layout, SL_LAYOUT);
		return -EIO;
	}
	return err;
broken:
	sl_err("the pinned state under %s is incomplete (%s: %s); run 'sluice detach --all'",
	       ctx->dir, path, strerror(errno));
	return -EIO;
}

int sl_state_open(struct sl_ctx *ctx, unsigned int flags, const struct sl_sizes *sizes)
{
	int err;

	if (geteuid() != 0) {
		sl_err("this needs root (CAP_BPF and CAP_NET_ADMIN)");
		return -EPERM;
	}
	err = ensure_bpffs(ctx);
	if (err)
		return err;
	if (flags & SL_OPEN_LOCK) {
		err = sl_state_lock(ctx);
		if (err)
			return err;
	}
	err = check_state_dir(ctx);
	if (err)
		return err;
	if (!sl_loaded(ctx)) {
		if (!(flags & SL_OPEN_CREATE))
			return -ENOENT;
		err = create_state(ctx, sizes);
		if (err)
			return err;
	}
	return open_pins(ctx);
}

int sl_set_caps(struct sl_ctx *ctx, __u32 v4, __u32 v6, bool *changed)
{
	*changed = false;
	if (v4 < ctx->st.n_v4 || v6 < ctx->st.n_v6) {
		sl_err("the IPv%d table holds %u prefixes: a size of %u is too small",
		       v4 < ctx->st.n_v4 ? 4 : 6, v4 < ctx->st.n_v4 ? ctx->st.n_v4 : ctx->st.n_v6,
		       v4 < ctx->st.n_v4 ? v4 : v6);
		return -ENOSPC;
	}
	if (v4 == ctx->st.v4_entries && v6 == ctx->st.v6_entries)
		return 0;
	ctx->st.v4_entries = v4;
	ctx->st.v6_entries = v6;
	*changed = true;
	return sl_state_write(ctx);
}

void sl_close(struct sl_ctx *ctx)
{
	int i;

	for (i = 0; i < (int)ARRAY_SIZE(map_names); i++) {
		if (*map_fd_slot(ctx, i) >= 0)
			close(*map_fd_slot(ctx, i));
		*map_fd_slot(ctx, i) = -1;
	}
	for (i = 0; i < SL_PROG_MAX; i++) {
		if (ctx->prog_fd[i] >= 0)
			close(ctx->prog_fd[i]);
		ctx->prog_fd[i] = -1;
	}
	if (ctx->lock_fd >= 0)
		close(ctx->lock_fd);
	ctx->lock_fd = -1;
}

int sl_unload(struct sl_ctx *ctx)
{
	char path[SL_DIR_LEN + 16];
	int err = rm_tree(ctx->dir);

	/* the lock directory too; waiters see it gone and make a new one */
	lock_path(path, sizeof(path), ctx);
	rmdir(path);
	return err;
}

int sl_state_read(struct sl_ctx *ctx)
{
	__u32 zero = 0;

	if (bpf_map_lookup_elem(ctx->state_fd, &zero, &ctx->st))
		return -errno;
	return 0;
}

int sl_state_write(struct sl_ctx *ctx)
{
	__u32 zero = 0;

	if (bpf_map_update_elem(ctx->state_fd, &zero, &ctx->st, BPF_ANY))
		return -errno;
	return 0;
}

int sl_class_get(struct sl_ctx *ctx, __u32 id, struct sl_class *c)
{
	if (bpf_map_lookup_elem(ctx->classes_fd, &id, c))
		return -errno;
	return 0;
}

/* The police parameters are derived here, from rate and burst, always. */
int sl_class_put(struct sl_ctx *ctx, __u32 id, const struct sl_class *c)
{
	struct sl_class w = *c;
	int d;

	for (d = 0; d < SL_DIR_MAX; d++) {
		sl_bucket_param(w.policy == SL_POLICY_POLICE ? w.rate[d] : 0, w.burst[d],
				&w.police[d]);
		sl_bucket_lease_param(&w.police[d], w.burst[d], ctx->ncpus);
	}
	if (bpf_map_update_elem(ctx->classes_fd, &id, &w, BPF_ANY))
		return -errno;
	return 0;
}

int sl_class_find(struct sl_ctx *ctx, const char *name, struct sl_class *c)
{
	struct sl_classes cs;
	int id, err;

	err = sl_classes_read(ctx, &cs);
	if (err)
		return err;
	id = sl_classes_find(&cs, name);
	if (id >= 0)
		*c = cs.slot[id];
	sl_classes_free(&cs);
	return id;
}

/* Read keys 0..n-1 of an array map with batch lookups (value_size bytes each). */
static int array_read_all(int fd, __u32 n, void *vals, size_t value_size)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	__u32 *keys = calloc(n ? n : 1, sizeof(*keys)), done = 0, count, batch = 0;
	int err = 0, r;

	if (!keys)
		return -ENOMEM;
	while (done < n) {
		count = n - done;
		r = bpf_map_lookup_batch(fd, done ? &batch : NULL, &batch, keys + done,
					 (char *)vals + (size_t)done * value_size, &count, &opts);
		if (r && errno != ENOENT) {
			err = -errno;
			break;
		}
		done += count;
		if (r || !count)
			break; /* ENOENT: the last batch */
	}
	if (!err && done != n)
		err = -EIO;
	free(keys);
	return err;
}

int sl_classes_read(struct sl_ctx *ctx, struct sl_classes *cs)
{
	int err;

	cs->max = ctx->st.max_classes;
	cs->slot = calloc(cs->max ? cs->max : 1, sizeof(*cs->slot));
	if (!cs->slot)
		return -ENOMEM;
	err = array_read_all(ctx->classes_fd, cs->max, cs->slot, sizeof(*cs->slot));
	if (err) {
		sl_err("cannot read the classes: %s", strerror(-err));
		sl_classes_free(cs);
	}
	return err;
}

void sl_classes_free(struct sl_classes *cs)
{
	free(cs->slot);
	cs->slot = NULL;
	cs->max = 0;
}

int sl_classes_next(const struct sl_classes *cs, __u32 from)
{
	__u32 id;

	for (id = from; id < cs->max; id++)
		if (cs->slot[id].flags & SL_CLASS_USED)
			return (int)id;
	return -1;
}

int sl_classes_find(const struct sl_classes *cs, const char *name)
{
	int id;

	sl_for_each_class(cs, id)
		if (!strncmp(cs->slot[id].name, name, SL_NAME_LEN))
			return id;
	return -ENOENT;
}

int sl_classes_free_id(const struct sl_classes *cs)
{
	__u32 id;

	for (id = 1; id < cs->max; id++)
		if (!(cs->slot[id].flags & SL_CLASS_USED))
			return (int)id;
	return -ENOSPC;
}

int sl_classes_used(const struct sl_classes *cs)
{
	int id, n = 0;

	sl_for_each_class(cs, id)
		n++;
	return n;
}

static void counters_sum(const struct sl_counters *pc, int ncpus, struct sl_counters *out)
{
	int i, v;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < ncpus; i++) {
		for (v = 0; v < SL_CNT_MAX; v++) {
			out->packets[v] += pc[i].packets[v];
			out->bytes[v] += pc[i].bytes[v];
		}
	}
}

int sl_counters_read(struct sl_ctx *ctx, int fd, __u32 key, struct sl_counters *out)
{
	struct sl_counters *pc;
	int err = 0;

	pc = calloc(ctx->ncpus, sizeof(*pc));
	if (!pc)
		return -ENOMEM;
	if (bpf_map_lookup_elem(fd, &key, pc))
		err = -errno;
	else
		counters_sum(pc, ctx->ncpus, out);
	free(pc);
	return err;
}

int sl_counters_read_all(struct sl_ctx *ctx, int fd, __u32 n, struct sl_counters *out)
{
	struct sl_counters *pc = calloc((size_t)n * ctx->ncpus + 1, sizeof(*pc));
	__u32 i;
	int err;

	if (!pc)
		return -ENOMEM;
	err = array_read_all(fd, n, pc, ctx->ncpus * sizeof(*pc));
	for (i = 0; !err && i < n; i++)
		counters_sum(pc + (size_t)i * ctx->ncpus, ctx->ncpus, &out[i]);
	free(pc);
	return err;
}

int sl_counters_reset(struct sl_ctx *ctx, int fd, __u32 key)
{
	struct sl_counters *pc = calloc(ctx->ncpus, sizeof(*pc));
	int err = 0;

	if (!pc)
		return -ENOMEM;
	if (bpf_map_update_elem(fd, &key, pc, BPF_ANY))
		err = -errno;
	free(pc);
	return err;
}

__u64 sl_map_memory(int fd)
{
	char path[64], line[256];
	unsigned long long v = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "memlock: %llu", &v) == 1)
			break;
	fclose(f);
	return v;
}

int sl_attach_get(struct sl_ctx *ctx, __u32 ifindex, enum sl_hook hook, struct sl_attach_val *v)
{
	struct sl_attach_key k = { .netns = sl_netns_cookie(), .ifindex = ifindex, .hook = hook };

	if (bpf_map_lookup_elem(ctx->attach_fd, &k, v))
		return -errno;
	return 0;
}

int sl_attach_put(struct sl_ctx *ctx, const struct sl_attach_key *k,
		  const struct sl_attach_val *v)
{
	if (bpf_map_update_elem(ctx->attach_fd, k, v, BPF_ANY))
		return -errno;
	return 0;
}

int sl_attach_del(struct sl_ctx *ctx, const struct sl_attach_key *k)
{
	if (bpf_map_delete_elem(ctx->attach_fd, k))
		return -errno;
	return 0;
}

int sl_attach_list(struct sl_ctx *ctx, struct sl_attach_key *keys, struct sl_attach_val *vals,
		   int max)
{
	struct sl_attach_key k, pk;
	bool first = true;
	int n = 0;

	while (n < max && !bpf_map_get_next_key(ctx->attach_fd, first ? NULL : &pk, &k)) {
		pk = k;
		first = false;
		if (bpf_map_lookup_elem(ctx->attach_fd, &k, &vals[n]))
			continue;
		keys[n++] = k;
	}
	return n;
}
