// SPDX-License-Identifier: GPL-2.0
/*
 * sluice exporter: the metrics (metrics.c) served over HTTP with
 * libmicrohttpd. Every scrape reads the pinned state afresh.
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
#include <sys/resource.h>
#include <sys/socket.h>
#include <bpf/bpf.h>
#include <microhttpd.h>

#include "cmd.h"
#include "config.h"
#include "diag.h"
#include "metrics.h"
#include "print.h"
#include "state.h"

#define SL_EXPORTER_LISTEN "127.0.0.1:9469"

/*
 * Slow or idle clients must not blind the exporter. One thread serves
 * every connection through epoll, without blocking on any of them, so a
 * client that trickles its request costs a file descriptor and a few KiB,
 * not a thread or a slot that scrapes wait for. Up to SL_EXPORTER_CONNS
 * connections are held (the open-files limit is raised to fit), and one
 * that sends nothing for SL_EXPORTER_IDLE seconds is closed.
 */
#define SL_EXPORTER_CONNS 1024u
#define SL_EXPORTER_IDLE 10u
#define SL_EXPORTER_BACKLOG 512

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
	err = sl_metrics_write(m, &open_err);
	sl_diag_clear(); /* the state's condition is logged once, below */
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
		sl_err("cannot listen on %s: %s", sl_q(orig), gai_strerror(gai));
		return -EINVAL;
	}
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		goto fail;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ai->ai_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, ai->ai_addr, ai->ai_addrlen) || listen(fd, SL_EXPORTER_BACKLOG) ||
	    getsockname(fd, (struct sockaddr *)ss, &slen))
		goto fail;
	freeaddrinfo(ai);
	*fd_out = fd;
	return 0;
fail:
	err = -errno;
	sl_err("cannot listen on %s: %s", sl_q(orig), strerror(-err));
	if (fd >= 0)
		close(fd);
	freeaddrinfo(ai);
	return err;
bad:
	sl_err("bad listen address '%s' (expected ADDR:PORT, e.g. 127.0.0.1:9469 or [::1]:9469)",
	       sl_q(orig));
	return -EINVAL;
}

/* Room for the connections: the soft open-files limit up to want (or the hard one). */
static void raise_nofile(rlim_t want)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) || rl.rlim_cur >= want)
		return;
	rl.rlim_cur = rl.rlim_max != RLIM_INFINITY && rl.rlim_max < want ? rl.rlim_max : want;
	if (setrlimit(RLIMIT_NOFILE, &rl))
		sl_warn("cannot raise the open-files limit to %lu: %s", (unsigned long)want,
			strerror(errno));
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

/* The listen address: --listen, else the config file's [global] exporter, else the default. */
static int exporter_args(int argc, char **argv, char *listen, size_t len)
{
	static const struct option opts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "config", required_argument, NULL, 'c' },
		{}
	};
	const char *config = NULL;
	bool listen_set = false;
	struct sl_cfg cfg;
	int c;

	snprintf(listen, len, "%s", SL_EXPORTER_LISTEN);
	while ((c = getopt_long(argc, argv, "c:", opts, NULL)) != -1) {
		if (c == 'l') {
			snprintf(listen, len, "%s", optarg);
			listen_set = true;
		} else if (c == 'c') {
			config = optarg;
		} else {
			return -EINVAL;
		}
	}
	if (optind != argc) {
		sl_err("usage: sluice exporter [--listen ADDR:PORT] [-c FILE]");
		return -EINVAL;
	}
	if (!config && access(sl_default_config(), R_OK) == 0)
		config = sl_default_config();
	if (!config || listen_set)
		return 0;
	if (sl_config_load(config, &cfg))
		return -EINVAL;
	if (cfg.exporter[0])
		snprintf(listen, len, "%s", cfg.exporter);
	sl_config_free(&cfg);
	return 0;
}

/* Serve until SIGINT or SIGTERM (sigs, blocked in every thread). */
static int serve(const char *listen_spec, struct server *srv, const sigset_t *sigs)
{
	char addr[INET6_ADDRSTRLEN + 16];
	struct MHD_Daemon *d;
	struct sockaddr_storage ss;
	int fd = -1, sig, err;

	err = listen_on(listen_spec, &ss, &fd);
	if (err)
		return err;
	fmt_addr(addr, sizeof(addr), &ss);
	raise_nofile(SL_EXPORTER_CONNS + 64);
	d = MHD_start_daemon(MHD_USE_EPOLL_INTERNAL_THREAD |
				     (ss.ss_family == AF_INET6 ? MHD_USE_IPv6 : 0),
			     0, NULL, NULL, on_request, srv, MHD_OPTION_LISTEN_SOCKET, fd,
			     MHD_OPTION_CONNECTION_LIMIT, SL_EXPORTER_CONNS,
			     MHD_OPTION_CONNECTION_TIMEOUT, SL_EXPORTER_IDLE, MHD_OPTION_END);
	if (!d) {
		close(fd);
		sl_err("cannot start the HTTP server on %s", addr);
		return -EIO;
	}
	print_open_object(NULL);
	print_string(PRINT_ANY, "listen", "sluice exporter: serving http://%s/metrics", addr);
	print_string(PRINT_TEXT, NULL, " (state under %s)\n", srv->dir);
	print_close_object();
	fflush(stdout);
	print_diags();
	do {
		if (sigwait(sigs, &sig))
			sig = 0;
	} while (sig != SIGINT && sig != SIGTERM);
	MHD_stop_daemon(d); /* it owned fd */
	return 0;
}

int cmd_exporter(int argc, char **argv)
{
	char listen[sizeof(((struct sl_cfg *)0)->exporter) + 256];
	struct server srv = { 0 };
	sigset_t sigs, old;
	struct sl_ctx ctx;
	int err;

	err = exporter_args(argc, argv, listen, sizeof(listen));
	if (err)
		return err;
	if (geteuid() != 0) {
		sl_err("the exporter needs root (CAP_BPF and CAP_NET_ADMIN)");
		return -EPERM;
	}
	sl_ctx_init(&ctx, NULL);
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
	err = serve(listen, &srv, &sigs);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return err;
}
