// SPDX-License-Identifier: GPL-2.0
/*
 * sluice exporter: the live state as Prometheus metrics (text exposition
 * format 0.0.4), served over HTTP with libmicrohttpd, and written by
 * `sluice stats --prometheus` for node_exporter's textfile collector.
 *
 * Every scrape opens the pinned state afresh, so the exporter follows
 * reloads, detach --all and a later attach without a restart; while nothing
 * is loaded it serves sluice_up 0 alone.
 */
#include <errno.h>
#include <getopt.h>
#include <net/if.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <bpf/bpf.h>
#include <json-c/json.h>
#include <microhttpd.h>

#include "attach.h"
#include "cmd.h"
#include "config.h"
#include "state.h"
#include "util.h"

#define SL_EXPORTER_LISTEN "127.0.0.1:9469"
#define SL_METRICS_CTYPE "text/plain; version=0.0.4; charset=utf-8"

static const char *const verdict_names[SL_VERDICT_MAX] = { "pass", "drop" };
static const char *const match_names[] = { "src", "dst" };

/* One class in use, read once per scrape. */
struct row {
	__u32 id;
	struct sl_class c;
	struct sl_counters cnt[SL_DIR_MAX];
	__u64 invalid; /* invalid lines over the class's sources */
};

/* ------------------------------------------------------------ exposition */

static void family(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* A label value: backslash, double quote and line feed escaped. */
static void put_escaped(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\')
			fputs("\\\\", f);
		else if (*s == '"')
			fputs("\\\"", f);
		else if (*s == '\n')
			fputs("\\n", f);
		else
			fputc(*s, f);
	}
}

/* name{k="v",...} value; kv: key, value pairs, NULL-terminated (or NULL). */
static void put_sample(FILE *f, const char *name, const char *const *kv, const char *value)
{
	int i;

	fputs(name, f);
	if (kv && kv[0]) {
		fputc('{', f);
		for (i = 0; kv[i]; i += 2) {
			fprintf(f, "%s%s=\"", i ? "," : "", kv[i]);
			put_escaped(f, kv[i + 1]);
			fputc('"', f);
		}
		fputc('}', f);
	}
	fprintf(f, " %s\n", value);
}

static void put_u64(FILE *f, const char *name, const char *const *kv, __u64 v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)v);
	put_sample(f, name, kv, buf);
}

/* A CLOCK_REALTIME time in nanoseconds, as seconds since the epoch. */
static void put_time(FILE *f, const char *name, const char *const *kv, __u64 ns)
{
	char buf[48];

	snprintf(buf, sizeof(buf), "%llu.%09llu", (unsigned long long)(ns / 1000000000ull),
		 (unsigned long long)(ns % 1000000000ull));
	put_sample(f, name, kv, buf);
}

/* A rate in bits per second as bytes per second, exactly (1 bit is 0.125). */
static void put_rate(FILE *f, const char *const *kv, __u64 bps)
{
	char buf[32];

	if (bps % 8)
		snprintf(buf, sizeof(buf), "%llu.%03llu", (unsigned long long)(bps / 8),
			 (unsigned long long)(bps % 8 * 125));
	else
		snprintf(buf, sizeof(buf), "%llu", (unsigned long long)(bps / 8));
	put_sample(f, "sluice_class_rate_bytes_per_second", kv, buf);
}

#define L(...) ((const char *const[]){ __VA_ARGS__, NULL })

static void write_up(FILE *f, bool up)
{
	family(f, "sluice_up", "gauge", "1 when the sluice state could be read, else 0.");
	put_u64(f, "sluice_up", NULL, up);
}

static int read_rows(struct sl_ctx *ctx, struct row **out, int *n_out)
{
	struct sl_source_key k;
	struct sl_source s;
	struct row *rows;
	int n = 0, d, err = 0;
	__u32 id;

	rows = calloc(ctx->st.max_classes ? ctx->st.max_classes : 1, sizeof(*rows));
	if (!rows)
		return -ENOMEM;
	for (id = 0; id < ctx->st.max_classes; id++) {
		struct row *r = &rows[n];

		err = sl_class_get(ctx, id, &r->c);
		if (err)
			goto cleanup;
		if (!(r->c.flags & SL_CLASS_USED))
			continue;
		r->c.name[SL_NAME_LEN - 1] = '\0';
		r->id = id;
		for (d = 0; d < SL_DIR_MAX; d++) {
			err = sl_counters_read(ctx, ctx->stats_fd, id * SL_DIR_MAX + d, &r->cnt[d]);
			if (err)
				goto cleanup;
		}
		k.class_id = id;
		for (k.index = 0; k.index < r->c.n_sources && k.index < SL_MAX_SOURCES; k.index++)
			if (!bpf_map_lookup_elem(ctx->sources_fd, &k, &s))
				r->invalid += s.invalid;
		n++;
	}
	*out = rows;
	*n_out = n;
	return 0;
cleanup:
	free(rows);
	return err;
}

static void write_classes(FILE *f, const struct row *rows, int n)
{
	static const struct {
		const char *name, *help;
		bool bytes;
	} counters[] = {
		{ "sluice_class_packets_total",
		  "Packets of the class, by direction and verdict.", false },
		{ "sluice_class_bytes_total",
		  "Bytes of the class (frame lengths), by direction and verdict.", true },
	};
	unsigned int i;
	int j, d, v;

	family(f, "sluice_class_info", "gauge",
	       "Classes in use (1 each); the policy label is pass, drop, police or shape.");
	for (j = 0; j < n; j++)
		put_u64(f, "sluice_class_info",
			L("class", rows[j].c.name, "policy", sl_policy_name(rows[j].c.policy)), 1);

	for (i = 0; i < ARRAY_SIZE(counters); i++) {
		family(f, counters[i].name, "counter", counters[i].help);
		for (j = 0; j < n; j++)
			for (d = 0; d < SL_DIR_MAX; d++)
				for (v = 0; v < SL_VERDICT_MAX; v++)
					put_u64(f, counters[i].name,
						L("class", rows[j].c.name, "direction",
						  sl_dir_names[d], "verdict", verdict_names[v]),
						counters[i].bytes ? rows[j].cnt[d].bytes[v] :
								    rows[j].cnt[d].packets[v]);
	}

	/* In bytes, the base unit (promtool rejects bits): 10mbit is 1250000. */
	family(f, "sluice_class_rate_bytes_per_second", "gauge",
	       "Rate limit of a policed or shaped class, in bytes per second (absent: unlimited).");
	for (j = 0; j < n; j++)
		for (d = 0; d < SL_DIR_MAX; d++)
			if (rows[j].c.rate[d])
				put_rate(f,
					 L("class", rows[j].c.name, "direction", sl_dir_names[d]),
					 rows[j].c.rate[d]);

	family(f, "sluice_class_burst_bytes", "gauge",
	       "Burst of a policed or shaped class, in bytes (absent: unlimited).");
	for (j = 0; j < n; j++)
		for (d = 0; d < SL_DIR_MAX; d++)
			if (rows[j].c.rate[d])
				put_u64(f, "sluice_class_burst_bytes",
					L("class", rows[j].c.name, "direction", sl_dir_names[d]),
					rows[j].c.burst[d]);

	family(f, "sluice_class_prefixes", "gauge", "Prefixes loaded into the class.");
	for (j = 0; j < n; j++) {
		put_u64(f, "sluice_class_prefixes", L("class", rows[j].c.name, "family", "ipv4"),
			rows[j].c.n_v4);
		put_u64(f, "sluice_class_prefixes", L("class", rows[j].c.name, "family", "ipv6"),
			rows[j].c.n_v6);
	}
}

/* Per-class feed provenance (the default class takes no feeds). */
static void write_feeds(FILE *f, const struct row *rows, int n)
{
	int j;

	family(f, "sluice_feed_last_load_timestamp_seconds", "gauge",
	       "Time of the last feed load of the class, in seconds since the epoch.");
	for (j = 0; j < n; j++)
		if (rows[j].id != SL_CLASS_DEFAULT && rows[j].c.load_time)
			put_time(f, "sluice_feed_last_load_timestamp_seconds",
				 L("class", rows[j].c.name), rows[j].c.load_time);

	family(f, "sluice_feed_sources", "gauge", "Source files of the class's last feed load.");
	for (j = 0; j < n; j++)
		if (rows[j].id != SL_CLASS_DEFAULT)
			put_u64(f, "sluice_feed_sources", L("class", rows[j].c.name),
				rows[j].c.n_sources);

	family(f, "sluice_feed_invalid_lines", "gauge",
	       "Invalid lines skipped in the sources of the class's last feed load.");
	for (j = 0; j < n; j++)
		if (rows[j].id != SL_CLASS_DEFAULT)
			put_u64(f, "sluice_feed_invalid_lines", L("class", rows[j].c.name),
				rows[j].invalid);
}

static int write_unclassified(FILE *f, struct sl_ctx *ctx)
{
	struct sl_counters c[SL_DIR_MAX];
	int d, err;

	for (d = 0; d < SL_DIR_MAX; d++) {
		err = sl_counters_read(ctx, ctx->misc_fd, SL_MISC_NONIP(d), &c[d]);
		if (err)
			return err;
	}
	family(f, "sluice_unclassified_packets_total", "counter",
	       "Frames not classified (non-IP or truncated), passed untouched.");
	for (d = 0; d < SL_DIR_MAX; d++)
		put_u64(f, "sluice_unclassified_packets_total", L("direction", sl_dir_names[d]),
			c[d].packets[SL_PASS] + c[d].packets[SL_DROP]);
	family(f, "sluice_unclassified_bytes_total", "counter",
	       "Bytes of the frames not classified (non-IP or truncated).");
	for (d = 0; d < SL_DIR_MAX; d++)
		put_u64(f, "sluice_unclassified_bytes_total", L("direction", sl_dir_names[d]),
			c[d].bytes[SL_PASS] + c[d].bytes[SL_DROP]);
	return 0;
}

static void write_tables(FILE *f, const struct sl_state *st, int n_classes)
{
	family(f, "sluice_classes", "gauge", "Classes in use, the default class included.");
	put_u64(f, "sluice_classes", NULL, n_classes);
	family(f, "sluice_classes_capacity", "gauge", "Class slots (the default class included).");
	put_u64(f, "sluice_classes_capacity", NULL, st->max_classes);

	family(f, "sluice_table_prefixes", "gauge", "Prefixes in the live table.");
	put_u64(f, "sluice_table_prefixes", L("family", "ipv4"), st->n_v4);
	put_u64(f, "sluice_table_prefixes", L("family", "ipv6"), st->n_v6);
	family(f, "sluice_table_capacity", "gauge", "Prefixes the table can hold.");
	put_u64(f, "sluice_table_capacity", L("family", "ipv4"), st->v4_entries);
	put_u64(f, "sluice_table_capacity", L("family", "ipv6"), st->v6_entries);
	family(f, "sluice_table_bytes", "gauge", "Kernel memory of the live table, in bytes.");
	put_u64(f, "sluice_table_bytes", L("family", "ipv4"), st->bytes_v4);
	put_u64(f, "sluice_table_bytes", L("family", "ipv6"), st->bytes_v6);
	family(f, "sluice_table_generation", "gauge",
	       "Generation of the live tables, bumped at every swap.");
	put_u64(f, "sluice_table_generation", NULL, st->generation);
	family(f, "sluice_last_swap_timestamp_seconds", "gauge",
	       "Time of the last table swap, in seconds since the epoch (absent: never).");
	if (st->swap_time)
		put_time(f, "sluice_last_swap_timestamp_seconds", NULL, st->swap_time);
}

struct att {
	char dev[IF_NAMESIZE];
	bool present; /* the device is there (else: the name it had) */
	__u32 hook, match;
};

static bool same_att(const struct att *a, const struct att *b)
{
	return a->hook == b->hook && a->match == b->match && !strcmp(a->dev, b->dev);
}

static void write_attachments(FILE *f, struct sl_ctx *ctx)
{
	struct sl_attach_key keys[SL_MAX_ATTACH];
	struct sl_attach_val vals[SL_MAX_ATTACH];
	struct att a[SL_MAX_ATTACH];
	int i, j, n = sl_attach_list(ctx, keys, vals, SL_MAX_ATTACH), m = 0;

	/*
	 * A record left by a device that is gone shows under the name it had,
	 * unless another record has the same labels: a duplicate series would
	 * fail the whole scrape, so of those the present device's (or else
	 * the first) is kept.
	 */
	for (i = 0; i < n; i++) {
		a[m].present = if_indextoname(keys[i].ifindex, a[m].dev) != NULL;
		if (!a[m].present)
			memcpy(a[m].dev, vals[i].ifname, IF_NAMESIZE);
		a[m].dev[IF_NAMESIZE - 1] = '\0';
		a[m].hook = keys[i].hook;
		a[m].match = vals[i].match;
		if (a[m].hook < SL_HOOK_MAX && a[m].match < ARRAY_SIZE(match_names))
			m++;
	}
	family(f, "sluice_attachments", "gauge",
	       "sluice programs attached (1 each), by device, hook and match.");
	for (i = 0; i < m; i++) {
		/* kept: the present one, else the first */
		for (j = 0; j < m; j++)
			if (j != i && same_att(&a[i], &a[j]) &&
			    (a[j].present > a[i].present ||
			     (a[j].present == a[i].present && j < i)))
				break;
		if (j < m)
			continue;
		put_u64(f, "sluice_attachments",
			L("dev", a[i].dev, "hook", sl_hook_names[a[i].hook], "match",
			  match_names[a[i].match]),
			1);
	}
}

/*
 * Write the exposition. *open_err is 0 when the state was read, else the
 * reason (then only sluice_up 0 is written). quiet: sl_open prints nothing.
 * Returns 0, or -errno when the output could not be written.
 */
static int metrics_emit(FILE *f, bool quiet, int *open_err)
{
	struct row *rows = NULL;
	bool was_quiet = sl_quiet;
	struct sl_ctx ctx;
	char *buf = NULL;
	size_t len = 0;
	FILE *m = NULL;
	int n = 0, err;

	sl_ctx_init(&ctx, sl_bpffs());
	sl_quiet = was_quiet || quiet;
	err = sl_open(&ctx, 0, NULL);
	sl_quiet = was_quiet;
	if (!err)
		err = read_rows(&ctx, &rows, &n);
	/* Everything goes to memory first: a scrape is all or sluice_up 0. */
	if (!err) {
		m = open_memstream(&buf, &len);
		if (!m)
			err = -errno;
	}
	if (!err) {
		write_up(m, true);
		write_classes(m, rows, n);
		err = write_unclassified(m, &ctx);
	}
	if (!err) {
		write_feeds(m, rows, n);
		write_tables(m, &ctx.st, n);
		write_attachments(m, &ctx);
		if (fflush(m))
			err = -ENOMEM;
	}
	*open_err = err;
	if (err)
		write_up(f, false);
	else
		fwrite(buf, 1, len, f);
	if (m)
		fclose(m);
	free(buf);
	free(rows);
	sl_close(&ctx);
	if (fflush(f) || ferror(f))
		return -EIO;
	return 0;
}

/*
 * Returns 0 when it wrote an exposition: the metrics, or sluice_up 0 alone
 * when the state cannot be read (the reason printed, unless nothing is
 * loaded); -errno when the output failed.
 */
int sl_metrics_write(FILE *f)
{
	int open_err;

	return metrics_emit(f, false, &open_err);
}

/* ------------------------------------------------------------ HTTP server */

struct server {
	int last_err; /* the state's condition at the last scrape, 0: readable */
	char dir[SL_DIR_LEN + 8];
};

static enum MHD_Result reply(struct MHD_Connection *conn, unsigned int status, const char *ctype,
			     void *body, size_t len, enum MHD_ResponseMemoryMode mode)
{
	struct MHD_Response *resp = MHD_create_response_from_buffer(len, body, mode);
	enum MHD_Result ret;

	if (!resp) {
		if (mode == MHD_RESPMEM_MUST_FREE)
			free(body);
		return MHD_NO;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	ret = MHD_queue_response(conn, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result reply_text(struct MHD_Connection *conn, unsigned int status,
				  const char *text)
{
	return reply(conn, status, "text/plain; charset=utf-8", (void *)text, strlen(text),
		     MHD_RESPMEM_PERSISTENT);
}

/* Report a change of the state's condition once, not at every scrape. */
static void note_state(struct server *srv, int err)
{
	if (err == srv->last_err)
		return;
	if (!err)
		fprintf(stderr, "sluice: exporter: the state under %s is readable again\n",
			srv->dir);
	else if (err == -ENOENT)
		fprintf(stderr, "sluice: exporter: nothing loaded under %s; serving sluice_up 0\n",
			srv->dir);
	else
		fprintf(stderr, "sluice: exporter: cannot read the state under %s: %s; %s\n",
			srv->dir, strerror(-err),
			"serving sluice_up 0 ('sluice status' tells why)");
	srv->last_err = err;
}

static enum MHD_Result serve_metrics(struct server *srv, struct MHD_Connection *conn)
{
	char *buf = NULL;
	size_t len = 0;
	int err, open_err = 0;
	FILE *m;

	m = open_memstream(&buf, &len);
	if (!m)
		return reply_text(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory\n");
	err = metrics_emit(m, true, &open_err);
	if (fclose(m))
		err = -ENOMEM;
	if (err) {
		free(buf);
		return reply_text(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "cannot write metrics\n");
	}
	note_state(srv, open_err);
	return reply(conn, MHD_HTTP_OK, SL_METRICS_CTYPE, buf, len, MHD_RESPMEM_MUST_FREE);
}

static const char index_html[] =
	"<!DOCTYPE html>\n<html><head><title>sluice exporter</title></head>\n"
	"<body><h1>sluice exporter</h1>\n"
	"<p>Prometheus metrics of the sluice traffic shaper: <a href=\"/metrics\">/metrics</a>"
	"</p>\n</body></html>\n";

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version, const char *upload_data,
				  size_t *upload_data_size, void **con_cls)
{
	struct server *srv = cls;

	(void)version;
	(void)upload_data;
	(void)upload_data_size;
	(void)con_cls;
	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD))
		return reply_text(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "method not allowed\n");
	if (!strcmp(url, "/metrics"))
		return serve_metrics(srv, conn);
	if (!strcmp(url, "/"))
		return reply(conn, MHD_HTTP_OK, "text/html; charset=utf-8", (void *)index_html,
			     sizeof(index_html) - 1, MHD_RESPMEM_PERSISTENT);
	return reply_text(conn, MHD_HTTP_NOT_FOUND, "not found; the metrics are at /metrics\n");
}

/* "ADDR:PORT", "[ADDR]:PORT" or ":PORT" (every address) to a listening socket. */
static int listen_on(const char *spec, struct sockaddr_storage *ss, int *fd_out)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_PASSIVE | AI_NUMERICSERV };
	struct addrinfo *ai = NULL;
	const char *colon = strrchr(spec, ':'), *orig = spec;
	char host[256], port[16];
	socklen_t slen = sizeof(*ss);
	size_t hlen;
	int fd = -1, one = 1, gai, err;
	char *end;
	long p;

	if (!colon || !colon[1])
		goto bad;
	hlen = colon - spec;
	if (hlen && spec[0] == '[') {
		if (hlen < 3 || spec[hlen - 1] != ']')
			goto bad;
		spec++;
		hlen -= 2;
		hints.ai_family = AF_INET6;
		hints.ai_flags |= AI_NUMERICHOST;
	} else if (memchr(spec, ':', hlen)) {
		goto bad; /* an IPv6 address needs brackets */
	}
	if (hlen >= sizeof(host))
		goto bad;
	memcpy(host, spec, hlen);
	host[hlen] = '\0';
	errno = 0;
	p = strtol(colon + 1, &end, 10);
	if (errno || *end || p < 0 || p > 65535 || colon[1] == '-' || colon[1] == '+')
		goto bad;
	snprintf(port, sizeof(port), "%ld", p);

	gai = getaddrinfo(hlen ? host : NULL, port, &hints, &ai);
	if (gai) {
		sl_err("cannot listen on %s: %s", orig, gai_strerror(gai));
		return -EINVAL;
	}
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		goto fail;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ai->ai_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, ai->ai_addr, ai->ai_addrlen) || listen(fd, 64) ||
	    getsockname(fd, (struct sockaddr *)ss, &slen))
		goto fail;
	freeaddrinfo(ai);
	*fd_out = fd;
	return 0;
fail:
	err = -errno;
	sl_err("cannot listen on %s: %s", orig, strerror(errno));
	if (fd >= 0)
		close(fd);
	freeaddrinfo(ai);
	return err;
bad:
	sl_err("bad listen address '%s' (expected ADDR:PORT, e.g. 127.0.0.1:9469 or [::1]:9469)",
	       orig);
	return -EINVAL;
}

static void fmt_addr(char *buf, size_t len, const struct sockaddr_storage *ss)
{
	char a[INET6_ADDRSTRLEN] = "?";

	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)ss;

		inet_ntop(AF_INET6, &s6->sin6_addr, a, sizeof(a));
		snprintf(buf, len, "[%s]:%u", a, ntohs(s6->sin6_port));
	} else {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)ss;

		inet_ntop(AF_INET, &s4->sin_addr, a, sizeof(a));
		snprintf(buf, len, "%s:%u", a, ntohs(s4->sin_port));
	}
}

int cmd_exporter(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "config", required_argument, NULL, 'c' },
		{}
	};
	const char *listen_spec = SL_EXPORTER_LISTEN, *config = NULL;
	char listen_buf[sizeof(((struct sl_cfg *)0)->exporter)];
	bool listen_set = false;
	struct MHD_Daemon *d = NULL;
	struct sockaddr_storage ss;
	struct server srv = { 0 };
	struct sl_ctx ctx;
	char addr[INET6_ADDRSTRLEN + 16];
	sigset_t sigs, old;
	int c, sig, fd = -1, err;

	while ((c = getopt_long(argc, argv, "c:", opts, NULL)) != -1) {
		switch (c) {
		case 'l':
			listen_spec = optarg;
			listen_set = true;
			break;
		case 'c':
			config = optarg;
			break;
		default:
			return -EINVAL;
		}
	}
	if (optind != argc) {
		sl_err("usage: sluice exporter [--listen ADDR:PORT] [-c FILE]");
		return -EINVAL;
	}
	/* Without --listen: [global] exporter of the config file, if any. */
	if (!config && access(sl_default_config(), R_OK) == 0)
		config = sl_default_config();
	if (!listen_set && config) {
		struct sl_cfg cfg;

		if (sl_config_load(config, &cfg))
			return -EINVAL;
		if (cfg.exporter[0]) {
			snprintf(listen_buf, sizeof(listen_buf), "%s", cfg.exporter);
			listen_spec = listen_buf;
		}
		sl_config_free(&cfg);
	}
	if (geteuid() != 0) {
		sl_err("sluice needs root (CAP_BPF and CAP_NET_ADMIN)");
		return -EPERM;
	}
	sl_ctx_init(&ctx, sl_bpffs());
	snprintf(srv.dir, sizeof(srv.dir), "%s", ctx.dir);

	/*
	 * The HTTP thread inherits the mask: the signals come to sigwait().
	 * An ignored signal would be discarded (a shell ignores SIGINT in its
	 * background jobs), so they get their default action back first.
	 */
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &sigs, &old);
	signal(SIGPIPE, SIG_IGN);

	err = listen_on(listen_spec, &ss, &fd);
	if (err)
		goto cleanup;
	fmt_addr(addr, sizeof(addr), &ss);
	d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD |
				     (ss.ss_family == AF_INET6 ? MHD_USE_IPv6 : 0),
			     0, NULL, NULL, on_request, &srv, MHD_OPTION_LISTEN_SOCKET, fd,
			     MHD_OPTION_CONNECTION_LIMIT, 64u, MHD_OPTION_CONNECTION_TIMEOUT, 10u,
			     MHD_OPTION_END);
	if (!d) {
		sl_err("cannot start the HTTP server on %s", addr);
		err = -EIO;
		goto cleanup;
	}
	fd = -1; /* the daemon's now */
	if (sl_json) {
		struct json_object *j = json_object_new_object();

		json_object_object_add(j, "listen", json_object_new_string(addr));
		sl_json_print(j);
	} else {
		printf("sluice exporter: serving http://%s/metrics (state under %s)\n", addr,
		       srv.dir);
	}
	fflush(stdout);

	do {
		if (sigwait(&sigs, &sig))
			sig = 0;
	} while (sig != SIGINT && sig != SIGTERM);
	err = 0;
cleanup:
	if (d)
		MHD_stop_daemon(d);
	if (fd >= 0)
		close(fd);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return err;
}
