// SPDX-License-Identifier: GPL-2.0
#include <ctype.h>
#include <errno.h>
#include <strings.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "diag.h"
#include "feed.h"
#include "parse.h"
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

const char *const sl_format_names[SL_FMT_MAX] = {
	[SL_FMT_AUTO] = "auto",
	[SL_FMT_PLAIN] = "plain",
	[SL_FMT_IPSET] = "ipset",
	[SL_FMT_CSV] = "csv",
};

/* Guess the format from the first line that holds data. */
static enum sl_format detect(const char *line)
{
	const char *semi;

	if (!strncmp(line, "add ", 4) || !strncmp(line, "create ", 7))
		return SL_FMT_IPSET;
	if (!strncasecmp(line, "Updated:", 8))
		return SL_FMT_CSV;
	semi = strchr(line, ';');
	if (semi && semi != line && strchr(semi + 1, ';'))
		return SL_FMT_CSV;
	return SL_FMT_PLAIN;
}

/* Is this line blank or only a comment (in any format)? */
static bool no_data(const char *line)
{
	line += strspn(line, " \t");
	return !*line || *line == '#' || *line == ';';
}

/*
 * Whether an ipset entry's options (what follows the entry) hold the word
 * "nomatch", outside the quoted string of a comment option.
 */
static bool ipset_nomatch(const char *s)
{
	size_t len;

	for (;;) {
		s += strspn(s, " \t\r\n");
		if (!*s)
			return false;
		if (*s == '"') {
			s = strchr(s + 1, '"');
			if (!s)
				return false;
			s++;
			continue;
		}
		len = strcspn(s, " \t\r\n");
		if (len == 7 && !strncmp(s, "nomatch", 7))
			return true;
		s += len;
	}
}

/*
 * Parse one data line of the given format. Returns the number of prefixes
 * added (0 for lines that hold none), or -EINVAL with *why set.
 */
static int parse_line(enum sl_format fmt, char *line, unsigned long lineno,
		      struct sl_pfx_vec *out, const char **why, bool *masked)
{
	char *s, *e, *tok;
	int n, total = 0;
	size_t i;

	*masked = false;
	switch (fmt) {
	case SL_FMT_IPSET:
		s = sl_trim(line, &e);
		if (strncmp(s, "add ", 4))
			return 0; /* create, flush, comments: not entries */
		s += 4 + strspn(s + 4, " \t");
		s += strcspn(s, " \t"); /* the set name */
		s += strspn(s, " \t");
		e = s + strcspn(s, " \t");
		if (e == s) {
			*why = "ipset add line without an entry";
			return -EINVAL;
		}
		n = sl_parse_entry(s, e - s, out, why, masked);
		if (n > 0 && ipset_nomatch(e))
			for (i = out->n - n; i < out->n; i++)
				out->v[i].nomatch = 1;
		return n;
	case SL_FMT_CSV:
		if (lineno == 1 && !strncasecmp(line + strspn(line, " \t"), "Updated:", 8))
			return 0;
		if (no_data(line))
			return 0; /* blank lines and comments, as in the other formats */
		line[strcspn(line, ";")] = '\0';
		for (tok = strtok_r(line, "|", &s); tok; tok = strtok_r(NULL, "|", &s)) {
			bool m;

			tok = sl_trim(tok, &e);
			if (e == tok)
				continue;
			n = sl_parse_entry(tok, e - tok, out, why, &m);
			if (n < 0)
				return n;
			*masked |= m;
			total += n;
		}
		if (!total) {
			*why = "no address in the first field";
			return -EINVAL;
		}
		return total;
	default:
		line[strcspn(line, "#;")] = '\0';
		s = sl_trim(line, &e);
		if (e == s)
			return 0;
		if (strpbrk(s, " \t") && !strchr(s, '-')) {
			*why = "more than one field (expected one address, prefix or range)";
			return -EINVAL;
		}
		return sl_parse_entry(s, e - s, out, why, masked);
	}
}

int sl_feed_read_opts(const char *path, const struct sl_feed_opts *opts, struct sl_pfx_vec *out,
		      struct sl_feed_stats *st)
{
	const char *name = strcmp(path, "-") ? path : "<stdin>";
	unsigned int max_report = opts->max_report ? opts->max_report : 10;
	enum sl_format fmt = opts->format;
	char *line = NULL;
	struct line_reader *r;
	unsigned long lineno = 0, invalid = 0;
	const char *why;
	bool masked;
	int fd, rc, err = 0;

	fd = strcmp(path, "-") ? open(path, O_RDONLY | O_CLOEXEC) : dup(STDIN_FILENO);
	if (fd < 0) {
		err = -errno;
		sl_err("%s: %s", name, strerror(-err));
		return err;
	}
	r = calloc(1, sizeof(*r));
	line = malloc(SL_FEED_MAX_LINE);
	if (!r || !line) {
		close(fd);
		free(r);
		free(line);
		return -ENOMEM;
	}
	r->gz = gzdopen(fd, "rb");
	if (!r->gz) {
		close(fd);
		err = -ENOMEM;
		goto out;
	}
	for (;;) {
		rc = read_line(r, line, SL_FEED_MAX_LINE);
		if (rc == 0)
			break;
		lineno++;
		if (rc == -EIO) {
			int zerr;

			sl_err("%s:%lu: cannot read: %s", name, lineno, gzerror(r->gz, &zerr));
			err = -EIO;
			break;
		}
		if (rc > 0 && fmt == SL_FMT_AUTO && !no_data(line))
			fmt = detect(line + strspn(line, " \t"));
		if (rc < 0) {
			why = rc == -E2BIG ? "line too long" : "NUL byte in line";
		} else {
			rc = parse_line(fmt == SL_FMT_AUTO ? SL_FMT_PLAIN : fmt, line, lineno, out,
					&why, &masked);
			if (rc == -ENOMEM) {
				err = rc;
				break;
			}
		}
		if (rc >= 0 && masked) {
			st->masked++;
			if (opts->strict) {
				why = "host bits set (--strict)";
				rc = -EINVAL;
			} else if (st->masked <= max_report) {
				sl_warn("%s:%lu: host bits set, masked", name, lineno);
			}
		}
		if (rc < 0) {
			invalid++;
			if (opts->strict || invalid <= max_report)
				sl_err("%s:%lu: %s", name, lineno, why);
			if (opts->strict) {
				err = -EINVAL;
				break;
			}
			continue;
		}
		if (rc > 0)
			st->entries++;
	}
	if (invalid > max_report && !opts->strict)
		sl_err("%s: %lu more invalid lines not shown", name, invalid - max_report);
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
out:
	st->lines += lineno;
	st->invalid += invalid;
	st->format = fmt == SL_FMT_AUTO ? SL_FMT_PLAIN : fmt;
	free(r);
	free(line);
	return err;
}

int sl_feed_read(const char *path, struct sl_pfx_vec *out)
{
	struct sl_feed_opts o = { .format = SL_FMT_AUTO, .max_report = 1 };
	struct sl_feed_stats st = { 0 };
	int err;

	err = sl_feed_read_opts(path, &o, out, &st);
	if (!err && st.invalid)
		err = -EINVAL;
	return err;
}
