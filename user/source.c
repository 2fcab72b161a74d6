// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <xxhash.h>

#include "diag.h"
#include "source.h"

static volatile sig_atomic_t timed_out;

static void on_alarm(int sig)
{
	(void)sig;
	timed_out = 1;
}

static unsigned int timeout_s(void)
{
	const char *e = getenv("SLUICE_READ_TIMEOUT");
	long v = e ? strtol(e, NULL, 10) : 0;

	return v > 0 && v < 86400 ? (unsigned int)v : SL_SOURCE_TIMEOUT;
}

/* SIGALRM interrupts a blocked open() or read() (no SA_RESTART). */
static void arm(unsigned int secs)
{
	struct sigaction sa = { .sa_handler = on_alarm };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
	timed_out = 0;
	alarm(secs);
}

/* -ETIMEDOUT when the call was cut by the alarm, else -errno. */
static int disarm(int rc)
{
	int err = rc < 0 ? -errno : 0;

	alarm(0);
	return err == -EINTR && timed_out ? -ETIMEDOUT : err;
}

static ssize_t timed_read(int fd, void *buf, size_t n)
{
	ssize_t r;
	int err;

	arm(timeout_s());
	r = read(fd, buf, n);
	err = disarm(r < 0 ? -1 : 0);
	return r < 0 ? err : r;
}

static int open_timed(const char *path)
{
	int fd, err;

	if (!strcmp(path, "-")) {
		fd = dup(STDIN_FILENO);
		return fd < 0 ? -errno : fd;
	}
	arm(timeout_s());
	fd = open(path, O_RDONLY | O_CLOEXEC);
	err = disarm(fd);
	return fd < 0 ? err : fd;
}

static int read_error(const struct sl_src *s, int err)
{
	if (err == -ETIMEDOUT)
		sl_err("%s: no data for %u seconds; not read (see SLUICE_READ_TIMEOUT)", s->name,
		       timeout_s());
	else if (err == -EFBIG)
		sl_err("%s: more than %u MiB; a source may have at most that", s->name,
		       SL_SOURCE_MAX_BYTES >> 20);
	else
		sl_err("%s: %s", s->name, strerror(-err));
	return err;
}

/* Hash what fd holds from here on, copying it to out_fd unless -1. */
static int hash_stream(struct sl_src *s, int out_fd, struct sl_source *rec)
{
	static char buf[1 << 16];
	XXH3_state_t *h = XXH3_createState();
	ssize_t n;
	int err = 0;

	if (!h)
		return -ENOMEM;
	XXH3_64bits_reset(h);
	while ((n = timed_read(s->fd, buf, sizeof(buf))) > 0) {
		rec->size += n;
		if (rec->size > SL_SOURCE_MAX_BYTES) {
			err = -EFBIG;
			break;
		}
		XXH3_64bits_update(h, buf, n);
		if (out_fd >= 0 && write(out_fd, buf, n) != n) {
			err = -errno;
			break;
		}
	}
	if (n < 0)
		err = (int)n;
	rec->hash = XXH3_64bits_digest(h);
	XXH3_freeState(h);
	return err;
}

/* A source that cannot be read twice: its bytes into a memory file. */
static int read_whole(struct sl_src *s, struct sl_source *rec)
{
	int mfd = memfd_create("sluice-feed", MFD_CLOEXEC), err;

	if (mfd < 0)
		return -errno;
	err = hash_stream(s, mfd, rec);
	if (!err && lseek(mfd, 0, SEEK_SET) < 0)
		err = -errno;
	close(s->fd);
	s->fd = mfd;
	return err;
}

int sl_source_open(const char *path, struct sl_source *rec, struct sl_src *s)
{
	struct stat sb;
	int err;

	memset(rec, 0, sizeof(*rec));
	snprintf(rec->path, sizeof(rec->path), "%s", path);
	s->name = strcmp(path, "-") ? path : "<stdin>";
	s->comparable = false;
	s->fd = open_timed(path);
	if (s->fd < 0)
		return read_error(s, s->fd);
	if (fstat(s->fd, &sb)) {
		err = -errno;
		goto fail;
	}
	if (S_ISDIR(sb.st_mode)) {
		err = -EISDIR;
		goto fail;
	}
	if (!S_ISREG(sb.st_mode)) {
		err = read_whole(s, rec);
		if (err)
			goto fail;
		return 0;
	}
	rec->mtime = (__u64)sb.st_mtim.tv_sec * 1000000000ull + sb.st_mtim.tv_nsec;
	err = sb.st_size > SL_SOURCE_MAX_BYTES ? -EFBIG : hash_stream(s, -1, rec);
	if (!err && lseek(s->fd, 0, SEEK_SET) < 0)
		err = -errno;
	if (err)
		goto fail;
	s->comparable = strcmp(path, "-") != 0;
	return 0;
fail:
	read_error(s, err);
	sl_source_close(s);
	return err;
}

void sl_source_close(struct sl_src *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
}
