// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "feed.h"
#include "util.h"

struct line_reader {
	gzFile gz;
	char buf[65536];
	size_t pos, len;
	bool eof;
};

static int fill(struct line_reader *r)
{
	int n;

	if (r->pos < r->len || r->eof)
		return 0;
	n = gzread(r->gz, r->buf, sizeof(r->buf));
	if (n < 0)
		return -EIO;
	r->pos = 0;
	r->len = n;
	if (n == 0)
		r->eof = true;
	return 0;
}

/*
 * Read one line into line (NUL-terminated, without the line end). Returns 1
 * for a line, 0 at the end, -E2BIG for a line too long, -EILSEQ for a line
 * holding a NUL byte (the rest of such lines is consumed), -EIO on a read
 * or decompression error.
 */
static int read_line(struct line_reader *r, char *line, size_t size)
{
	size_t n = 0;
	bool nul = false, got = false;
	int err;

	for (;;) {
		char *nl;
		size_t chunk;

		err = fill(r);
		if (err)
			return err;
		if (r->eof)
			break;
		got = true;
		nl = memchr(r->buf + r->pos, '\n', r->len - r->pos);
		chunk = (nl ? (size_t)(nl - (r->buf + r->pos)) : r->len - r->pos);
		if (memchr(r->buf + r->pos, '\0', chunk))
			nul = true;
		if (n + chunk < size)
			memcpy(line + n, r->buf + r->pos, chunk);
		n += chunk;
		r->pos += chunk;
		if (nl) {
			r->pos++;
			break;
		}
	}
	if (!got)
		return 0;
	if (n >= size)
		return -E2BIG;
	if (nul)
		return -EILSEQ;
	line[n] = '\0';
	if (n && line[n - 1] == '\r')
		line[n - 1] = '\0';
	return 1;
}

int sl_feed_read(const char *path, struct sl_pfx_vec *out)
{
	struct line_reader *r;
	const char *name = strcmp(path, "-") ? path : "<stdin>";
	char line[SL_FEED_MAX_LINE];
	unsigned long lineno = 0;
	const char *why;
	struct sl_pfx p;
	bool masked;
	int fd, rc, err = 0;

	fd = strcmp(path, "-") ? open(path, O_RDONLY | O_CLOEXEC) : dup(STDIN_FILENO);
	if (fd < 0) {
		sl_err("%s: %s", name, strerror(errno));
		return -errno;
	}
	r = calloc(1, sizeof(*r));
	if (!r) {
		close(fd);
		return -ENOMEM;
	}
	r->gz = gzdopen(fd, "rb");
	if (!r->gz) {
		close(fd);
		free(r);
		return -ENOMEM;
	}
	for (;;) {
		rc = read_line(r, line, sizeof(line));
		if (rc == 0)
			break;
		lineno++;
		if (rc == -EIO) {
			int zerr;

			sl_err("%s:%lu: cannot read: %s", name, lineno,
			       gzerror(r->gz, &zerr));
			err = -EIO;
			break;
		}
		if (rc < 0) {
			sl_err("%s:%lu: %s", name, lineno,
			       rc == -E2BIG ? "line too long" : "NUL byte in line");
			err = -EINVAL;
			break;
		}
		rc = sl_parse_feed_line(line, &p, &why, &masked);
		if (rc < 0) {
			sl_err("%s:%lu: %s", name, lineno, why);
			err = -EINVAL;
			break;
		}
		if (rc == 0)
			continue;
		if (masked) {
			char buf[SL_PFX_STRLEN];

			sl_fmt_pfx(buf, sizeof(buf), &p);
			sl_warn("%s:%lu: host bits set, using %s", name, lineno, buf);
		}
		err = sl_pfx_vec_push(out, &p);
		if (err)
			break;
	}
	/* A truncated gzip stream only shows at its end. */
	if (!err) {
		int zerr;
		const char *msg = gzerror(r->gz, &zerr);

		if (zerr != Z_OK && zerr != Z_STREAM_END) {
			sl_err("%s: cannot read: %s", name, msg);
			err = -EIO;
		}
	}
	gzclose(r->gz);
	free(r);
	return err;
}
