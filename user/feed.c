// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE /* memrchr */
#include <ctype.h>
#include <errno.h>
#include <strings.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <pthread.h>
#include <isa-l/igzip_lib.h>
#include <json-c/json.h>

#include "diag.h"
#include "feed.h"
#include "parse.h"
#include "util.h"

/*
 * The bytes of a source, decompressed when it starts with the gzip magic
 * (members one after another, as gzip(1) writes them). Anything after the
 * last member that is not another member is an error, as is a stream that
 * ends inside a member. Inflated by ISA-L's igzip, which checks each
 * member's header, CRC and length as zlib does, in a third of its time.
 */
struct zsrc {
	int fd;
	bool gz, in_eof, member_end;
	const char *msg; /* why the last read failed */
	unsigned char *next_in; /* what is read and not yet used, in in[] */
	size_t avail_in;
	struct inflate_state *zs; /* gzip */
	struct zpipe *pipe;	  /* gzip: inflated by a thread of its own */
	unsigned char in[65536];
};

/*
 * A gzip source is inflated by a second thread, into a ring of ZP_SLOTS
 * chunks, while the reader parses: inflating is a third of the time of a
 * large feed, and the other core is idle. The ring bounds the memory an
 * endless source can take. The thread stops at the end, at an error (its
 * message is the source's), or when the reader closes the source early
 * (cancelled in read(), its only wait outside the ring's lock).
 */
#define ZP_SLOTS 4
#define SHARE_ONE 1024 /* the inflating thread's share of a chunk's lines, in 1/1024 */
#define ZP_CHUNK (256 * 1024)

struct zpipe {
	pthread_t thr;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	size_t head, tail; /* chunks taken and made, counted from the start */
	size_t len[ZP_SLOTS];
	size_t pos;	   /* read so far of the chunk at head */
	int ret;	   /* 0 at the end, -EIO (z->msg) */
	bool done, stop;
	char *buf[ZP_SLOTS];
	/*
	 * A plain feed (set by the reader once it knows): the thread also
	 * parses the last whole lines of each chunk it made, its share of
	 * them, into reg[slot]; the reader takes those lines parsed (zpipe_read
	 * stops before them: -EINPROGRESS) and parses the rest. Two threads
	 * then do all the work; a third that parsed beside them shared a CPU
	 * with the inflating one, which then took 70 ms instead of 40.
	 */
	const struct sl_feed_opts *plain;
	struct region *reg;		 /* ZP_SLOTS, once plain */
	size_t rs[ZP_SLOTS], re[ZP_SLOTS]; /* the parsed lines of a chunk: [rs, re); rs == re: none */
	unsigned int share;		 /* of a chunk's lines, in SHARE_ONE */
};

struct region;
static void zpipe_parse(struct zpipe *p, size_t slot, size_t n);
static void zpipe_regions_free(struct zpipe *p);

#define LR_BUF (1 << 20)

struct line_reader {
	struct zsrc src;
	/* zeroed slack after the bytes read, for sl_parse_v4_at() */
	char buf[LR_BUF + SL_PARSE_V4_SLACK];
	size_t pos, len;
	bool eof;
};

static void zpipe_start(struct zsrc *z);
static void zpipe_stop(struct zsrc *z);

/* A gzip member begins at next_in: its header, body and trailer to come. */
static void member_start(struct zsrc *z)
{
	isal_inflate_init(z->zs);
	z->zs->crc_flag = ISAL_GZIP;
	z->member_end = false;
}

static int zsrc_fill(struct zsrc *z)
{
	ssize_t n;

	if (z->avail_in || z->in_eof)
		return 0;
	do {
		int old;

		/* where the inflating thread may be cancelled (zpipe_stop) */
		pthread_setcancelstate(PTHREAD_CANCEL_ENABLE, &old);
		n = read(z->fd, z->in, sizeof(z->in));
		pthread_setcancelstate(old, NULL);
	} while (n < 0 && errno == EINTR);
	if (n < 0) {
		z->msg = strerror(errno);
		return -EIO;
	}
	z->next_in = z->in;
	z->avail_in = n;
	z->in_eof = n == 0;
	return 0;
}

/* Look at the first bytes: gzip or plain. */
static int zsrc_open(struct zsrc *z, int fd)
{
	z->fd = fd;
	while (z->avail_in < 2 && !z->in_eof) {
		ssize_t n = read(fd, z->in + z->avail_in, sizeof(z->in) - z->avail_in);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		z->in_eof = n == 0;
		z->avail_in += n;
	}
	z->next_in = z->in;
	z->gz = z->avail_in >= 2 && z->in[0] == 0x1f && z->in[1] == 0x8b;
	if (!z->gz)
		return 0;
	z->zs = malloc(sizeof(*z->zs));
	if (!z->zs)
		return -ENOMEM;
	member_start(z);
	zpipe_start(z);
	return 0;
}

static void zsrc_close(struct zsrc *z)
{
	if (z->pipe)
		zpipe_stop(z);
	free(z->zs);
	close(z->fd);
}

/* Plain input: first what zsrc_open looked at, then the file, read into buf. */
static int plain_read(struct zsrc *z, char *buf, size_t len)
{
	ssize_t got;
	size_t n;

	if (!z->avail_in && !z->in_eof) {
		do {
			got = read(z->fd, buf, len);
		} while (got < 0 && errno == EINTR);
		if (got < 0) {
			z->msg = strerror(errno);
			return -EIO;
		}
		z->in_eof = got == 0;
		return got;
	}
	n = z->avail_in < len ? z->avail_in : len;
	memcpy(buf, z->next_in, n);
	z->next_in += n;
	z->avail_in -= n;
	return n;
}

/* After a member: the end, or another member; anything else is refused. */
static int next_member(struct zsrc *z)
{
	if (zsrc_fill(z))
		return -EIO;
	if (!z->avail_in)
		return 0;
	if (z->next_in[0] != 0x1f || (z->avail_in > 1 && z->next_in[1] != 0x8b)) {
		z->msg = "trailing garbage after the gzip stream";
		return -EIO;
	}
	member_start(z);
	return 1;
}

/* zlib's words for what igzip found wrong */
static const char *igzip_msg(int ret)
{
	switch (ret) {
	case ISAL_INVALID_BLOCK:
		return "invalid block type";
	case ISAL_INVALID_SYMBOL:
		return "invalid code";
	case ISAL_INVALID_LOOKBACK:
		return "invalid distance too far back";
	case ISAL_INVALID_WRAPPER:
		return "incorrect header check";
	case ISAL_UNSUPPORTED_METHOD:
		return "unknown compression method";
	case ISAL_INCORRECT_CHECKSUM:
		return "incorrect data check";
	default:
		return "bad gzip data";
	}
}

/* Up to len bytes, 0 at the end, -EIO (the reason in z->msg). */
static int zsrc_inflate(struct zsrc *z, char *buf, size_t len)
{
	struct inflate_state *zs = z->zs;
	int ret;

	zs->avail_out = len;
	while (zs->avail_out == len) {
		if (z->member_end) {
			ret = next_member(z);
			if (ret <= 0)
				return ret;
		}
		if (zsrc_fill(z))
			return -EIO;
		if (!z->avail_in) {
			z->msg = "unexpected end of file (a truncated gzip stream)";
			return -EIO;
		}
		/* after member_start(), which clears them */
		zs->next_out = (unsigned char *)buf;
		zs->avail_out = len;
		zs->next_in = z->next_in;
		zs->avail_in = z->avail_in;
		ret = isal_inflate(zs);
		z->next_in = zs->next_in;
		z->avail_in = zs->avail_in;
		if (ret != ISAL_DECOMP_OK) {
			z->msg = igzip_msg(ret);
			return -EIO;
		}
		/* a member ends after its trailer is checked */
		z->member_end = zs->block_state == ISAL_BLOCK_FINISH;
	}
	return len - zs->avail_out;
}

static void *zpipe_run(void *arg)
{
	struct zsrc *z = arg;
	struct zpipe *p = z->pipe;
	size_t slot;
	int n;

	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, NULL);
	for (;;) {
		pthread_mutex_lock(&p->mu);
		/* the reader is behind: this thread takes more of the lines */
		if (p->tail - p->head == ZP_SLOTS && p->share < SHARE_ONE * 3 / 4)
			__atomic_store_n(&p->share, p->share + SHARE_ONE / 64, __ATOMIC_RELAXED);
		while (p->tail - p->head == ZP_SLOTS && !p->stop)
			pthread_cond_wait(&p->cv, &p->mu);
		if (p->stop) {
			p->done = true;
			pthread_mutex_unlock(&p->mu);
			return NULL;
		}
		slot = p->tail % ZP_SLOTS;
		pthread_mutex_unlock(&p->mu);
		/* the slot at tail is the writer's until it is published */
		n = zsrc_inflate(z, p->buf[slot], ZP_CHUNK);
		p->rs[slot] = p->re[slot] = 0;
		if (n > 0 && __atomic_load_n(&p->plain, __ATOMIC_ACQUIRE))
			zpipe_parse(p, slot, n);
		pthread_mutex_lock(&p->mu);
		if (n > 0) {
			p->len[slot] = n;
			p->tail++;
		} else {
			p->ret = n;
			p->done = true;
		}
		pthread_cond_broadcast(&p->cv);
		pthread_mutex_unlock(&p->mu);
		if (n <= 0)
			return NULL;
	}
}

/* Start the inflating thread; NULL pipe (inflate inline) when it cannot. */
static void zpipe_start(struct zsrc *z)
{
	struct zpipe *p = calloc(1, sizeof(*p));
	int i;

	if (!p)
		return;
	for (i = 0; i < ZP_SLOTS; i++) {
		/* zeroed slack for sl_parse_v4_at(), when this thread parses */
		p->buf[i] = calloc(1, ZP_CHUNK + SL_PARSE_V4_SLACK);
		if (!p->buf[i])
			goto fail;
	}
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
	z->pipe = p;
	if (!sl_thread_start(&p->thr, zpipe_run, z))
		return;
	z->pipe = NULL;
	pthread_cond_destroy(&p->cv);
	pthread_mutex_destroy(&p->mu);
fail:
	for (i = 0; i < ZP_SLOTS; i++)
		free(p->buf[i]);
	free(p);
}

static void zpipe_stop(struct zsrc *z)
{
	struct zpipe *p = z->pipe;
	int i;

	pthread_mutex_lock(&p->mu);
	p->stop = true;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
	/* it may wait in read() for a source that sends nothing more */
	pthread_cancel(p->thr);
	pthread_join(p->thr, NULL);
	pthread_cond_destroy(&p->cv);
	pthread_mutex_destroy(&p->mu);
	for (i = 0; i < ZP_SLOTS; i++)
		free(p->buf[i]);
	zpipe_regions_free(p);
	free(p);
	z->pipe = NULL;
}

/*
 * What the thread inflated: up to len bytes, 0 at the end, -EIO. Waits
 * for one chunk at most; takes the others already made while they fit.
 */
static int zpipe_read(struct zpipe *p, char *buf, size_t len)
{
	size_t slot, n, got = 0, ready;
	int ret;

	pthread_mutex_lock(&p->mu);
	/* the inflating thread is behind: it takes fewer of the lines */
	if (p->head == p->tail && !p->done && p->share >= SHARE_ONE / 64)
		__atomic_store_n(&p->share, p->share - SHARE_ONE / 64, __ATOMIC_RELAXED);
	while (p->head == p->tail && !p->done)
		pthread_cond_wait(&p->cv, &p->mu);
	if (p->head == p->tail) {
		ret = p->ret;
		pthread_mutex_unlock(&p->mu);
		return ret;
	}
	ready = p->tail - p->head;
	pthread_mutex_unlock(&p->mu);
	/* the slots from head are the reader's until they are given back */
	while (ready && got < len) {
		size_t stop;

		slot = p->head % ZP_SLOTS;
		/* up to the lines the thread parsed, then those (zpipe_take) */
		stop = p->rs[slot] < p->re[slot] && p->pos <= p->rs[slot] ? p->rs[slot] :
									      p->len[slot];
		if (p->pos == stop && stop < p->len[slot])
			return got ? (int)got : -EINPROGRESS;
		n = stop - p->pos < len - got ? stop - p->pos : len - got;
		memcpy(buf + got, p->buf[slot] + p->pos, n);
		got += n;
		p->pos += n;
		if (p->pos < p->len[slot])
			break;
		pthread_mutex_lock(&p->mu);
		p->pos = 0;
		p->head++;
		ready = p->tail - p->head;
		pthread_cond_broadcast(&p->cv);
		pthread_mutex_unlock(&p->mu);
	}
	return got;
}

/* Up to len bytes, 0 at the end, -EIO (the reason in z->msg). */
static int zsrc_read(struct zsrc *z, char *buf, size_t len)
{
	if (!z->gz)
		return plain_read(z, buf, len);
	if (z->pipe)
		return zpipe_read(z->pipe, buf, len);
	return zsrc_inflate(z, buf, len);
}

/* A line of a line-based format, in a buffer that grows as needed. */
struct line_buf {
	char *s;
	size_t n, cap;
};

static int fill(struct line_reader *r)
{
	int n;

	if (r->pos < r->len || r->eof)
		return 0;
	n = zsrc_read(&r->src, r->buf, LR_BUF);
	if (n == -EINPROGRESS)
		return n; /* lines parsed by the inflating thread come next */
	if (n < 0)
		return -EIO;
	r->pos = 0;
	r->len = n;
	if (n == 0)
		r->eof = true;
	return 0;
}

/* 1 at the end of the input, 0 when there is more, -EIO. */
static int at_end(struct line_reader *r)
{
	int err = fill(r);

	return err ? err : r->eof;
}

/*
 * Make at least want bytes from pos visible in the buffer, unless a line
 * end comes first or the input ends. Moves what is left to the start.
 */
static int peek(struct line_reader *r, size_t want)
{
	int n;

	while (!r->eof && r->len - r->pos < want &&
	       !memchr(r->buf + r->pos, '\n', r->len - r->pos)) {
		memmove(r->buf, r->buf + r->pos, r->len - r->pos);
		r->len -= r->pos;
		r->pos = 0;
		n = zsrc_read(&r->src, r->buf + r->len, LR_BUF - r->len);
		if (n < 0)
			return -EIO;
		if (n == 0)
			r->eof = true;
		r->len += n;
	}
	return 0;
}

/* Skip what is left of the current line, its line end included. */
static int skip_line(struct line_reader *r)
{
	char *nl;
	int err;

	for (;;) {
		err = fill(r);
		if (err || r->eof)
			return err;
		nl = memchr(r->buf + r->pos, '\n', r->len - r->pos);
		if (nl) {
			r->pos = nl - r->buf + 1;
			return 0;
		}
		r->pos = r->len;
	}
}

/*
 * Read one line into l (NUL-terminated, without the line end). Returns 1
 * for a line, 0 at the end, -E2BIG for a line of max bytes or more (the
 * rest of it is not read), -EILSEQ for a line holding a NUL byte (the rest
 * of such lines is consumed), -EIO on a read or decompression error,
 * -ENOMEM.
 */
/* Append n bytes at s to l, grown as needed: 0 or -ENOMEM. */
static int line_add(struct line_buf *l, const char *s, size_t n)
{
	if (l->n + n >= l->cap) {
		size_t cap = l->cap ? l->cap : 4096;
		char *t;

		while (cap <= l->n + n)
			cap *= 2;
		t = realloc(l->s, cap);
		if (!t)
			return -ENOMEM;
		l->s = t;
		l->cap = cap;
	}
	memcpy(l->s + l->n, s, n);
	l->n += n;
	return 0;
}

/* The line as a string, without the CR of a CRLF line end. */
static void line_close(struct line_buf *l)
{
	l->s[l->n] = '\0';
	if (l->n && l->s[l->n - 1] == '\r')
		l->s[--l->n] = '\0';
}

static int read_line(struct line_reader *r, struct line_buf *l, size_t max)
{
	bool nul = false, got = false;
	int err;

	l->n = 0;
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
		if (l->n + chunk >= max)
			return -E2BIG;
		if (line_add(l, r->buf + r->pos, chunk))
			return -ENOMEM;
		r->pos += chunk;
		if (nl) {
			r->pos++;
			break;
		}
	}
	if (!got)
		return 0;
	if (nul)
		return -EILSEQ;
	line_close(l);
	return 1;
}

const char *const sl_format_names[SL_FMT_MAX] = {
	[SL_FMT_AUTO] = "auto",
	[SL_FMT_PLAIN] = "plain",
	[SL_FMT_IPSET] = "ipset",
	[SL_FMT_CSV] = "csv",
	[SL_FMT_RIR] = "rir",
	[SL_FMT_JSON] = "json",
};

/* The length of a run of lower-case letters at s. */
static size_t lower_run(const char *s)
{
	return strspn(s, "abcdefghijklmnopqrstuvwxyz");
}

/* A version number at s ("2", "2.3"), up to the next '|'? */
static bool rir_version(const char *s)
{
	size_t n = strspn(s, "0123456789");

	if (!n)
		return false;
	s += n;
	if (*s == '.') {
		n = strspn(++s, "0123456789");
		if (!n)
			return false;
		s += n;
	}
	return *s == '|';
}

/*
 * RIR delegated stats: "registry|cc|ipv4|..." records, or the version line
 * "2|registry|serial|...". Registry CSV lines start with an address, never
 * with a word or a bare version number followed by a word.
 */
static bool rir_line(const char *line)
{
	const char *f[3] = { line }, *p = line;
	int n = 1;
	size_t w;

	while (n < 3 && (p = strchr(p, '|')))
		f[n++] = ++p;
	if (n < 3)
		return false;
	if (rir_version(f[0]))
		return (w = lower_run(f[1])) && f[1][w] == '|';
	w = lower_run(f[0]);
	if (!w || f[0][w] != '|')
		return false;
	return !strncmp(f[2], "ipv4|", 5) || !strncmp(f[2], "ipv6|", 5) ||
	       !strncmp(f[2], "asn|", 4);
}

/*
 * Guess the format from the first line that holds data (its first bytes
 * only when it is longer: truncated).
 */
static enum sl_format detect(const char *line, bool truncated)
{
	const char *semi;
	size_t data;

	if (*line == '{')
		return SL_FMT_JSON;
	if (!strncmp(line, "add ", 4) || !strncmp(line, "create ", 7))
		return SL_FMT_IPSET;
	if (!strncasecmp(line, "Updated:", 8))
		return SL_FMT_CSV;
	if (rir_line(line))
		return SL_FMT_RIR;
	semi = strchr(line, ';');
	if (semi && semi != line && strchr(semi + 1, ';'))
		return SL_FMT_CSV;
	/* A registry line whose first field is longer than what was looked at. */
	data = strcspn(line, "#;");
	if (truncated && !line[data] && memchr(line, '|', data))
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

/* Is code (two letters, any case) selected by opts? */
/* A country code as 1 + its index in A-Z x A-Z; 0 when it is none. */
static __u32 cc_tag(const char *code)
{
	int a = toupper((unsigned char)code[0]) - 'A', b;

	if (a < 0 || a >= 26)
		return 0;
	b = toupper((unsigned char)code[1]) - 'A';
	if (b < 0 || b >= 26 || code[2])
		return 0;
	return a * 26 + b + 1;
}

size_t sl_feed_select_cc(struct sl_pfx_vec *vec, const struct sl_feed_opts *opts)
{
	size_t i, n = 0;

	for (i = 0; i < vec->n; i++) {
		__u32 t = vec->v[i].class_id;

		if (t && opts->cc[(t - 1) / 64] >> ((t - 1) % 64) & 1)
			vec->v[n++] = vec->v[i];
	}
	vec->n = n;
	for (i = 0; i < n; i++)
		vec->v[i].class_id = 0;
	return n;
}

static bool cc_selected(const struct sl_feed_opts *opts, const char *code)
{
	int a = toupper((unsigned char)code[0]) - 'A', b;

	if (a < 0 || a >= 26)
		return false;
	b = toupper((unsigned char)code[1]) - 'A';
	if (b < 0 || b >= 26 || code[2])
		return false;
	return opts->cc[(a * 26 + b) / 64] >> ((a * 26 + b) % 64) & 1;
}

int sl_feed_parse_cc(const char *s, struct sl_feed_opts *opts, const char **why)
{
	__u64 cc[SL_CC_WORDS] = { 0 };
	bool any = false;

	for (;;) {
		int a, b;

		s += strspn(s, " \t");
		if (!isalpha((unsigned char)s[0]) || !isalpha((unsigned char)s[1]) ||
		    isalnum((unsigned char)s[2])) {
			*why = "expected two-letter country codes separated by commas";
			return -EINVAL;
		}
		a = toupper((unsigned char)s[0]) - 'A';
		b = toupper((unsigned char)s[1]) - 'A';
		cc[(a * 26 + b) / 64] |= 1ull << ((a * 26 + b) % 64);
		any = true;
		s += 2 + strspn(s + 2, " \t");
		if (!*s)
			break;
		if (*s++ != ',') {
			*why = "expected two-letter country codes separated by commas";
			return -EINVAL;
		}
	}
	opts->has_cc = any;
	memcpy(opts->cc, cc, sizeof(cc));
	return 0;
}

void sl_feed_fmt_cc(char *buf, size_t len, const struct sl_feed_opts *opts)
{
	size_t n = 0;
	int i;

	if (len)
		buf[0] = '\0';
	if (!opts->has_cc)
		return;
	for (i = 0; i < 26 * 26 && n + 4 <= len; i++) {
		if (!(opts->cc[i / 64] >> (i % 64) & 1))
			continue;
		if (n)
			buf[n++] = ',';
		buf[n++] = 'A' + i / 26;
		buf[n++] = 'A' + i % 26;
		buf[n] = '\0';
	}
}

/*
 * One record of RIR delegated stats:
 * registry|cc|type|start|value|date|status[|extensions]. The version line,
 * summaries (registry|*|type|*|count|summary), asn records and records
 * that are not allocated or assigned hold no prefixes. An IPv4 value is an
 * address count (any number, made the minimal prefixes), an IPv6 value a
 * prefix length.
 */
static int parse_rir(char *line, const struct sl_feed_opts *opts, struct sl_pfx_vec *out,
		     const char **why, bool *masked)
{
	char *f[8], *s, *e, *end;
	struct sl_pfx lo, hi;
	unsigned long long v;
	size_t start;
	int i, n = 0;

	if (no_data(line))
		return 0;
	for (s = line; n < 8; n++) {
		f[n] = s;
		s = strchr(s, '|');
		if (!s) {
			n++;
			break;
		}
		*s++ = '\0';
	}
	for (i = 0; i < n; i++)
		f[i] = sl_trim(f[i], &e);
	if (n >= 2 && strspn(f[0], "0123456789.") == strlen(f[0]) && *f[0])
		return 0; /* version line */
	if (n >= 6 && (!strcmp(f[1], "*") || !strcmp(f[5], "summary")))
		return 0; /* summary line */
	if (n >= 3 && !strcmp(f[2], "asn"))
		return 0;
	if (n < 7) {
		*why = "RIR record with fewer than 7 fields (registry|cc|type|start|value|date|status)";
		return -EINVAL;
	}
	if (strcmp(f[2], "ipv4") && strcmp(f[2], "ipv6")) {
		*why = "RIR record of an unknown type (expected ipv4, ipv6 or asn)";
		return -EINVAL;
	}
	if (strcmp(f[6], "allocated") && strcmp(f[6], "assigned")) {
		if (!strcmp(f[6], "available") || !strcmp(f[6], "reserved"))
			return 0;
		*why = "RIR record of an unknown status (expected allocated, assigned, "
		       "available or reserved)";
		return -EINVAL;
	}
	if (opts->has_cc && !opts->tag_cc && !cc_selected(opts, f[1]))
		return 0;
	start = out->n;
	if (sl_parse_addr(f[3], &lo) || lo.family != (f[2][3] == '4' ? 4 : 6)) {
		*why = f[2][3] == '4' ? "RIR record: start is not an IPv4 address" :
					"RIR record: start is not an IPv6 address";
		return -EINVAL;
	}
	errno = 0;
	v = strtoull(f[4], &end, 10);
	if (!isdigit((unsigned char)*f[4]) || *end || errno) {
		*why = "RIR record: value is not a number";
		return -EINVAL;
	}
	if (lo.family == 6) {
		if (v > 128) {
			*why = "RIR record: IPv6 prefix length above 128";
			return -EINVAL;
		}
		lo.plen = v;
		*masked = sl_pfx_mask(&lo);
		lo.class_id = opts->tag_cc ? cc_tag(f[1]) : 0;
		return sl_pfx_vec_push(out, &lo) ? -ENOMEM : 1;
	}
	if (!v || v > (1ull << 32) - sl_pfx_to_u128(&lo)) {
		*why = v ? "RIR record: address count beyond 255.255.255.255" :
			   "RIR record: address count of 0";
		return -EINVAL;
	}
	hi = lo;
	v += sl_pfx_to_u128(&lo) - 1;
	hi.addr[0] = v >> 24;
	hi.addr[1] = v >> 16;
	hi.addr[2] = v >> 8;
	hi.addr[3] = v;
	i = sl_range_to_pfx(&lo, &hi, out);
	for (; opts->tag_cc && i > 0 && start < out->n; start++)
		out->v[start].class_id = cc_tag(f[1]);
	return i;
}

/*
 * One line of JSON lines with a "cidr" member, as Spamhaus DROP publishes:
 * {"cidr":"192.0.2.0/24","sblid":"SBL1","rir":"arin"}, and one metadata
 * line {"type":"metadata",...} that holds no prefix.
 */
static int parse_json(char *line, struct sl_pfx_vec *out, const char **why, bool *masked)
{
	struct json_tokener *tok;
	struct json_object *o = NULL, *v;
	struct sl_pfx p;
	const char *c;
	char *s, *e;
	int rc = -EINVAL;

	s = sl_trim(line, &e);
	if (e == s)
		return 0;
	tok = json_tokener_new();
	if (!tok)
		return -ENOMEM;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	o = json_tokener_parse_ex(tok, s, e - s);
	if (!o || json_tokener_get_error(tok) != json_tokener_success ||
	    json_tokener_get_parse_end(tok) != (size_t)(e - s) ||
	    !json_object_is_type(o, json_type_object)) {
		*why = "not a JSON object";
		goto out;
	}
	if (json_object_object_get_ex(o, "type", &v) && json_object_is_type(v, json_type_string) &&
	    !strcmp(json_object_get_string(v), "metadata")) {
		rc = 0;
		goto out;
	}
	if (!json_object_object_get_ex(o, "cidr", &v) || !json_object_is_type(v, json_type_string)) {
		*why = "JSON object without a \"cidr\" string";
		goto out;
	}
	c = json_object_get_string(v);
	if (sl_parse_prefix(c, json_object_get_string_len(v), &p, why, masked))
		goto out;
	rc = sl_pfx_vec_push(out, &p) ? -ENOMEM : 1;
out:
	json_object_put(o);
	json_tokener_free(tok);
	return rc;
}

/*
 * The length of the run of address characters at s (digits, '.', '/', ':'
 * and lower-case hex), at most BARE_MAX and at most n: a line that is only
 * such a run is one address or prefix, with nothing to trim or take apart.
 */
#define BARE_MAX 48
static const bool bare_char[256] = {
	['0' ... '9'] = true, ['a' ... 'f'] = true, ['.'] = true, ['/'] = true, [':'] = true,
};

static size_t bare_len(const char *s, size_t n)
{
	size_t i;

	/* a table, not comparisons: digits and dots come in no order a branch predicts */
	if (n > BARE_MAX)
		n = BARE_MAX;
	for (i = 0; i < n && bare_char[(unsigned char)s[i]]; i++)
		;
	return i;
}

/*
 * Parse one data line of the given format (not csv). Returns the number of
 * prefixes added (0 for lines that hold none), or -EINVAL with *why set.
 */
static int parse_line(enum sl_format fmt, char *line, const struct sl_feed_opts *opts,
		      struct sl_pfx_vec *out, const char **why, bool *masked)
{
	char *s, *e;
	int n;
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
	case SL_FMT_RIR:
		return parse_rir(line, opts, out, why, masked);
	case SL_FMT_JSON:
		return parse_json(line, out, why, masked);
	default:
		/*
		 * Most lines are one address or prefix and nothing else: then
		 * there is no comment, space or range to take apart.
		 */
		i = bare_len(line, SIZE_MAX);
		if (i && !line[i])
			return sl_parse_entry(line, i, out, why, masked);
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

/* An entry of a registry CSV line's first field, as it is read. */
struct csv_tok {
	char s[128];
	size_t n, ws;	/* ws: white space seen after the last character */
	bool over;
};

/*
 * Parse the entry in t (if any) into out; -EINVAL with *why set. An entry
 * that does not fit t is no address, prefix or range.
 */
static int csv_entry(struct csv_tok *t, struct sl_pfx_vec *out, const char **why, bool *masked)
{
	bool m;
	int n;

	if (t->over) {
		*why = "entry too long for an address, prefix or range";
		return -EINVAL;
	}
	if (!t->n)
		return 0;
	n = sl_parse_entry(t->s, t->n, out, why, &m);
	*masked |= m;
	t->n = t->ws = 0;
	return n;
}

/*
 * One line of a registry dump: "A | B | C;name;url;...". The first field is
 * read as a stream, whatever its length, entry by entry; the other fields
 * are skipped unread. Lines that start with '#' or ';' and the "Updated:"
 * header of line 1 hold no prefixes. Returns the number of prefixes added,
 * 0 for none, -EINVAL with *why set (the line's prefixes are dropped and
 * the rest of it skipped), -EIO, -ENOMEM.
 */
static int csv_line(struct line_reader *r, unsigned long lineno, struct sl_pfx_vec *out,
		    const char **why, bool *masked)
{
	struct csv_tok t = { .n = 0 };
	size_t n0 = out->n;
	bool first = true, head = true, ended = false;
	int err, n, total = 0;
	char c;

	*masked = false;
	for (;;) {
		err = fill(r);
		if (err)
			return err;
		c = r->eof ? '\n' : r->buf[r->pos++];
		ended = c == '\n';
		if (head && !ended && isspace((unsigned char)c))
			continue;
		if (head && (ended || c == '#' || c == ';'))
			goto skip; /* a blank line or a comment */
		head = false;
		if (c == '\0') {
			*why = "NUL byte in line";
			goto invalid;
		}
		if (first && lineno == 1 && t.n == 8 && !strncasecmp(t.s, "Updated:", 8))
			goto skip;
		if (c == '|' || c == ';' || ended) {
			t.s[t.n] = '\0';
			n = csv_entry(&t, out, why, masked);
			if (n == -ENOMEM)
				return n;
			if (n < 0)
				goto invalid;
			total += n;
			first = false;
			if (c == '|')
				continue;
			break;
		}
		if (isspace((unsigned char)c)) {
			if (t.n)
				t.ws++;
			continue;
		}
		if (t.n + t.ws + 1 >= sizeof(t.s)) {
			t.over = true;
			continue;
		}
		while (t.ws) {
			t.s[t.n++] = ' ';
			t.ws--;
		}
		t.s[t.n++] = c;
	}
	if (!ended) {
		err = skip_line(r);
		if (err)
			return err;
	}
	if (!total) {
		*why = "no address in the first field";
		return -EINVAL;
	}
	return total;
invalid:
	out->n = n0;
	err = ended ? 0 : skip_line(r);
	return err ? err : -EINVAL;
skip:
	err = ended ? 0 : skip_line(r);
	return err;
}

/* A UTF-8 byte order mark at the start of a source is not data. */
static int skip_bom(struct line_reader *r)
{
	int err = peek(r, 3);

	if (!err && r->len - r->pos >= 3 && !memcmp(r->buf + r->pos, "\xef\xbb\xbf", 3))
		r->pos += 3;
	return err;
}

/* Bytes of the first data line that format detection looks at. */
#define DETECT_LEN 4096

/*
 * Detect the format from the next line when it holds data; *fmt stays
 * SL_FMT_AUTO otherwise. Nothing is consumed.
 */
static int detect_next(struct line_reader *r, enum sl_format *fmt)
{
	char head[DETECT_LEN];
	size_t n;
	char *nl;
	int err;

	err = peek(r, DETECT_LEN);
	if (err)
		return err;
	n = r->len - r->pos;
	nl = memchr(r->buf + r->pos, '\n', n);
	if (nl)
		n = nl - (r->buf + r->pos);
	if (n >= sizeof(head))
		n = sizeof(head) - 1;
	memcpy(head, r->buf + r->pos, n);
	head[n] = '\0';
	if (n && head[n - 1] == '\r')
		head[n - 1] = '\0';
	if (!no_data(head))
		*fmt = detect(head + strspn(head, " \t"), !nl && !r->eof);
	return 0;
}

int sl_feed_read_opts(const char *path, const struct sl_feed_opts *opts, struct sl_pfx_vec *out,
		      struct sl_feed_stats *st)
{
	const char *name = strcmp(path, "-") ? path : "<stdin>";
	int fd, err;

	fd = strcmp(path, "-") ? open(path, O_RDONLY | O_CLOEXEC) : dup(STDIN_FILENO);
	if (fd < 0) {
		err = -errno;
		sl_err("%s: %s", sl_q(name), strerror(-err));
		return err;
	}
	err = sl_feed_read_fd(fd, name, opts, out, st);
	close(fd);
	return err;
}

/* A line judge() must see, of a region parsed apart (invalid or masked). */
struct odd_line {
	unsigned long line, entries; /* its number in the region; entry lines before it */
	int rc;
	bool masked;
	const char *why;
};

/* Whole lines parsed apart (parse_region), kept to be judged in order. */
struct region {
	const char *s, *end; /* whole lines */
	const struct sl_feed_opts *opts;
	struct sl_pfx_vec *out; /* the run's list, or vec */
	struct sl_pfx_vec vec;	/* entries of a region parsed beside the run's */
	struct line_buf line;
	unsigned long lines, entries; /* lines read, lines with entries */
	struct odd_line *odd;
	size_t nodd, cap;
	int err; /* -ENOMEM */
};

/* One read of a source, line by line. */
struct feed_run {
	char name[SL_QUOTE_MAX + 8]; /* the source, quoted once for every message */
	const struct sl_feed_opts *opts;
	struct sl_pfx_vec *out;
	struct sl_feed_stats *st;
	struct line_reader *r;
	struct line_buf line;
	enum sl_format fmt;
	unsigned long lineno, invalid;
	unsigned int max_report;
	struct region half[2]; /* read_block()'s, kept from block to block */
};

/* Past the line end ("\n" or "\r\n") at q, if the buffer holds it to end; else NULL. */
static const char *line_end(const char *q, const char *end)
{
	if (q < end && *q == '\n')
		return q + 1;
	if (end - q >= 2 && q[0] == '\r' && q[1] == '\n')
		return q + 2;
	return NULL;
}

/*
 * A plain line that is a bare address or prefix, parsed where it lies in
 * the buffer, without the copy read_line() makes: what parse_line() would
 * return for it, or -EAGAIN (nothing consumed) for any other line, or one
 * the buffer does not hold to its end.
 */
static int bare_at(const char *s, const char *end, const char **next, struct sl_pfx_vec *out,
		   const char **why, bool *masked)
{
	const char *q;
	struct sl_pfx p;
	int err;

	/* an IPv4 address or prefix, most lines of most feeds, in one pass */
	q = sl_parse_v4_at(s, end, &p, masked);
	if (q && (*next = line_end(q, end))) {
		err = sl_pfx_vec_push(out, &p);
		return err ? err : 1;
	}
	q = s + bare_len(s, end - s);
	if (q == s || !(*next = line_end(q, end)))
		return -EAGAIN;
	return sl_parse_entry(s, q - s, out, why, masked);
}

static int bare_line(struct line_reader *r, struct sl_pfx_vec *out, const char **why,
		     bool *masked)
{
	const char *next;
	int rc = bare_at(r->buf + r->pos, r->buf + r->len, &next, out, why, masked);

	if (rc != -EAGAIN)
		r->pos = next - r->buf;
	return rc;
}

/* The next line's entries into out: > 0 entries, 0 none, < 0 invalid or an error. */
static int read_entry(struct feed_run *f, const char **why, bool *masked)
{
	int rc = 0;

	*masked = false;
	if (f->fmt == SL_FMT_AUTO) {
		rc = detect_next(f->r, &f->fmt);
		if (!rc && f->fmt != SL_FMT_AUTO && f->opts->has_cc && f->fmt != SL_FMT_RIR) {
			sl_err("%s:%lu: a country selection (cc) needs RIR delegated stats, "
			       "and this is %s", f->name, f->lineno, sl_format_names[f->fmt]);
			return -ECANCELED;
		}
	}
	if (rc)
		return rc;
	if (f->fmt == SL_FMT_CSV)
		return csv_line(f->r, f->lineno, f->out, why, masked);
	if (f->fmt == SL_FMT_PLAIN) {
		rc = bare_line(f->r, f->out, why, masked);
		if (rc != -EAGAIN)
			return rc;
	}
	rc = read_line(f->r, &f->line, SL_FEED_MAX_LINE);
	if (rc > 0)
		return parse_line(f->fmt == SL_FMT_AUTO ? SL_FMT_PLAIN : f->fmt, f->line.s, f->opts,
				  f->out, why, masked);
	if (rc == -EILSEQ)
		*why = "NUL byte in line";
	return rc;
}

/* What stops the read: an error of the source, not of the line. 0: go on. */
static int read_fatal(struct feed_run *f, int rc)
{
	switch (rc) {
	case -ECANCELED:
		return -EINVAL;
	case -EIO:
		sl_err("%s:%lu: cannot read: %s", f->name, f->lineno, f->r->src.msg);
		return -EIO;
	case -E2BIG:
		sl_err("%s:%lu: line longer than %d bytes; the file is refused", f->name, f->lineno,
		       SL_FEED_MAX_LINE - 1);
		return rc;
	case -ENOMEM:
		return rc;
	case -EINPROGRESS:
		/* parsed lines met inside a line: cannot happen (they follow a line end) */
		sl_err("%s:%lu: cannot read: lines parsed out of order", f->name, f->lineno);
		return -EIO;
	default:
		return 0;
	}
}

/* Count and report the line's outcome; -EINVAL when --strict stops the read. */
static int judge(struct feed_run *f, int rc, const char *why, bool masked)
{
	if (rc >= 0 && masked) {
		f->st->masked++;
		if (f->opts->strict) {
			why = "host bits set (--strict)";
			rc = -EINVAL;
		} else if (f->st->masked <= f->max_report) {
			sl_warn("%s:%lu: host bits set, masked", f->name, f->lineno);
		}
	}
	if (rc < 0) {
		f->invalid++;
		if (f->opts->strict || f->invalid <= f->max_report)
			sl_err("%s:%lu: %s", f->name, f->lineno, why);
		return f->opts->strict ? -EINVAL : 0;
	}
	f->st->entries += rc > 0;
	return 0;
}

/*
 * Plain lines in parallel. When the buffer holds PAR_MIN bytes or more of
 * whole lines, their second half is parsed by a second thread while this
 * one parses the first: the same steps as read_entry() takes a line at a
 * time (bare_at(), else the line as read_line() copies it for
 * parse_line()), into a vector and a list of the lines judge() must see
 * (invalid or masked), which are judged in line order after the first
 * half's. The entries come out in the order a single pass gives.
 */
#define PAR_MIN (128 * 1024)

/* The line [s, nl) as read_line() gives it: 1, or -EILSEQ for a NUL byte, -ENOMEM. */
static int region_copy(struct line_buf *l, const char *s, const char *nl)
{
	if (memchr(s, '\0', nl - s))
		return -EILSEQ;
	l->n = 0;
	if (line_add(l, s, nl - s))
		return -ENOMEM;
	line_close(l);
	return 1;
}

static void *parse_region(void *arg)
{
	struct region *g = arg;
	const char *s = g->s, *next, *why;
	bool masked;
	int rc;

	while (s < g->end) {
		g->lines++;
		why = "unreadable line";
		masked = false;
		rc = bare_at(s, g->end, &next, g->out, &why, &masked);
		if (rc == -EAGAIN) {
			const char *nl = memchr(s, '\n', g->end - s);

			next = nl + 1;
			rc = region_copy(&g->line, s, nl);
			if (rc == -EILSEQ)
				why = "NUL byte in line";
			else if (rc > 0)
				rc = parse_line(SL_FMT_PLAIN, g->line.s, g->opts, g->out, &why, &masked);
		}
		s = next;
		if (rc == -ENOMEM) {
			g->err = rc;
			break;
		}
		if (rc >= 0 && !masked) {
			g->entries += rc > 0;
			continue;
		}
		if (g->nodd == g->cap) {
			size_t cap = g->cap ? 2 * g->cap : 64;
			struct odd_line *o = realloc(g->odd, cap * sizeof(*o));

			if (!o) {
				g->err = -ENOMEM;
				break;
			}
			g->odd = o;
			g->cap = cap;
		}
		g->odd[g->nodd++] = (struct odd_line){ g->lines, g->entries, rc, masked, why };
	}
	return NULL;
}

/* The whole lines [s, end) to parse, into out or, when NULL, the region's own vector. */
static void region_start(struct region *g, const char *s, const char *end,
			 const struct sl_feed_opts *opts, struct sl_pfx_vec *out)
{
	g->s = s;
	g->end = end;
	g->opts = opts;
	g->out = out ? out : &g->vec;
	g->vec.n = 0;
	g->lines = g->entries = g->nodd = 0;
	g->err = 0;
}

static void region_free(struct region *g)
{
	free(g->line.s);
	free(g->odd);
	sl_pfx_vec_free(&g->vec);
}

/* Count and report a parsed region's lines, as read_lines() would have. */
static int judge_region(struct feed_run *f, const struct region *g)
{
	/* judged: the entries of masked lines, which judge() counts */
	unsigned long line0 = f->lineno, entries0 = f->st->entries, judged = 0, before;
	size_t i;
	int err;

	for (i = 0; i < g->nodd; i++) {
		const struct odd_line *o = &g->odd[i];

		f->lineno = line0 + o->line;
		f->st->entries = before = entries0 + o->entries + judged;
		err = judge(f, o->rc, o->why, o->masked);
		if (err)
			return err;
		judged += f->st->entries - before;
	}
	f->lineno = line0 + g->lines;
	f->st->entries = entries0 + g->entries + judged;
	return g->err;
}

/* The inflating thread's share of the whole lines of the n bytes in slot, parsed. */
static void zpipe_parse(struct zpipe *p, size_t slot, size_t n)
{
	const char *b = p->buf[slot], *last, *from;
	unsigned int share = __atomic_load_n(&p->share, __ATOMIC_RELAXED);

	last = memrchr(b, '\n', n);
	if (!last || !share)
		return;
	from = b + (size_t)(last + 1 - b) * (SHARE_ONE - share) / SHARE_ONE;
	from = (const char *)memchr(from, '\n', last + 1 - from) + 1;
	if (from > last)
		return;
	region_start(&p->reg[slot], from, last + 1, p->plain, NULL);
	parse_region(&p->reg[slot]);
	p->rs[slot] = from - b;
	p->re[slot] = last + 1 - b;
}

static void zpipe_regions_free(struct zpipe *p)
{
	int i;

	if (!p->reg)
		return;
	for (i = 0; i < ZP_SLOTS; i++)
		region_free(&p->reg[i]);
	free(p->reg);
}

/* From now on the inflating thread parses a share of the lines too (a plain feed). */
static void zpipe_plain(struct zpipe *p, const struct sl_feed_opts *opts)
{
	p->reg = calloc(ZP_SLOTS, sizeof(*p->reg));
	if (!p->reg)
		return;
	__atomic_store_n(&p->share, SHARE_ONE / 4, __ATOMIC_RELAXED);
	__atomic_store_n(&p->plain, opts, __ATOMIC_RELEASE);
}

/* The lines the inflating thread parsed, next in the source: counted and judged. */
static int zpipe_take(struct feed_run *f)
{
	struct zpipe *p = f->r->src.pipe;
	size_t slot = p->head % ZP_SLOTS;
	int err = sl_pfx_vec_append(f->out, p->reg[slot].vec.v, p->reg[slot].vec.n);

	if (!err)
		err = judge_region(f, &p->reg[slot]);
	p->pos = p->re[slot];
	p->rs[slot] = p->re[slot] = 0;
	if (p->pos == p->len[slot]) {
		pthread_mutex_lock(&p->mu);
		p->pos = 0;
		p->head++;
		pthread_cond_broadcast(&p->cv);
		pthread_mutex_unlock(&p->mu);
	}
	return err;
}

/* 1 when the buffer's whole lines were read in two halves, 0 when too few, < 0 error. */
static int read_block(struct feed_run *f)
{
	struct line_reader *r = f->r;
	const char *s = r->buf + r->pos, *last, *mid;
	struct region *g = f->half;
	pthread_t thr;
	bool threaded;
	int err;

	if (r->len - r->pos < PAR_MIN)
		return 0;
	last = memrchr(s, '\n', r->len - r->pos);
	if (!last || last + 1 - s < PAR_MIN)
		return 0;
	/* the line end at or after the middle; at worst last itself */
	mid = memchr(s + (last - s) / 2, '\n', last + 1 - (s + (last - s) / 2));
	region_start(&g[0], s, mid + 1, f->opts, f->out);
	region_start(&g[1], mid + 1, last + 1, f->opts, NULL);
	threaded = g[1].s < g[1].end && !sl_thread_start(&thr, parse_region, &g[1]);
	parse_region(&g[0]);
	if (threaded)
		pthread_join(thr, NULL);
	else
		parse_region(&g[1]);
	r->pos = last + 1 - r->buf;
	err = judge_region(f, &g[0]);
	if (!err)
		err = judge_region(f, &g[1]);
	if (!err)
		err = sl_pfx_vec_append(f->out, g[1].vec.v, g[1].vec.n);
	return err ? err : 1;
}

static int read_lines(struct feed_run *f)
{
	const char *why;
	bool masked;
	int rc, err = 0;

	while (!err && (rc = at_end(f->r)) != 1) {
		struct zpipe *p = f->r->src.pipe;

		if (rc == -EINPROGRESS) {
			err = zpipe_take(f);
			continue;
		}
		if (!rc && f->fmt == SL_FMT_PLAIN && p && !p->plain)
			zpipe_plain(p, f->opts);
		/* gzip: the inflating thread is the second one to parse */
		if (!rc && f->fmt == SL_FMT_PLAIN && !(p && p->plain)) {
			rc = read_block(f);
			if (rc == 1)
				continue;
			/* -ENOMEM, or --strict stopped at a line (judged) */
			if (rc < 0) {
				err = rc;
				break;
			}
		}
		f->lineno++;
		why = "unreadable line";
		masked = false;
		if (!rc)
			rc = read_entry(f, &why, &masked);
		err = read_fatal(f, rc);
		if (!err)
			err = judge(f, rc, why, masked);
	}
	if (f->invalid > f->max_report && !f->opts->strict)
		sl_err("%s: %lu more invalid lines not shown", f->name, f->invalid - f->max_report);
	return err;
}

/*
 * Room for the entries a file of this size will likely hold, made before
 * the read: grown while reading, the list of a 1M feed was copied and its
 * pages zeroed twice over (24 MB of copies, 48 MB of fresh pages). A line
 * takes 8 bytes or more, a gzip file holds 2-4 times its size. A guess
 * too low only means growing; an untouched reserve costs no memory.
 */
#define RESERVE_MAX (1u << 24)

static void reserve(int fd, bool gz, struct sl_pfx_vec *out)
{
	struct stat st;
	size_t n;

	if (fstat(fd, &st) || !S_ISREG(st.st_mode))
		return;
	n = (size_t)st.st_size / 8 * (gz ? 3 : 1);
	sl_pfx_vec_reserve(out, out->n + (n < RESERVE_MAX ? n : RESERVE_MAX));
}

int sl_feed_read_fd(int src_fd, const char *src_name, const struct sl_feed_opts *opts,
		    struct sl_pfx_vec *out, struct sl_feed_stats *st)
{
	struct feed_run f = { .opts = opts, .out = out, .st = st, .fmt = opts->format };
	int fd, err, i;

	f.max_report = opts->max_report ? opts->max_report : 10;
	snprintf(f.name, sizeof(f.name), "%s",
		 strcmp(src_name, "<stdin>") ? sl_q(src_name) : src_name);
	/* zsrc_close closes the descriptor it reads: give it its own */
	fd = dup(src_fd);
	if (fd < 0)
		return -errno;
	f.r = calloc(1, sizeof(*f.r));
	if (!f.r) {
		close(fd);
		return -ENOMEM;
	}
	err = zsrc_open(&f.r->src, fd);
	if (!err)
		reserve(fd, f.r->src.gz, out);
	if (!err)
		err = skip_bom(f.r);
	if (err)
		sl_err("%s: cannot read: %s", f.name, err == -EIO ? f.r->src.msg : strerror(-err));
	else
		err = read_lines(&f);
	zsrc_close(&f.r->src);
	/* nothing read into an empty list: nothing held (as before the reserve) */
	if (!out->n)
		sl_pfx_vec_free(out);
	for (i = 0; i < 2; i++)
		region_free(&f.half[i]);
	st->lines += f.lineno;
	st->invalid += f.invalid;
	st->format = f.fmt == SL_FMT_AUTO ? SL_FMT_PLAIN : f.fmt;
	free(f.r);
	free(f.line.s);
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
