// SPDX-License-Identifier: GPL-2.0
/*
 * sluice top: a live per-class view of the traffic. Every refresh reads the
 * per-CPU counters of every class and direction, and shows the packet and
 * bit rates passed and dropped since the previous read, divided by the
 * elapsed time measured on CLOCK_MONOTONIC.
 *
 * No curses: on a terminal each refresh clears the screen with plain ANSI and
 * fits the terminal's size; the terminal is put in non-canonical, no-echo
 * mode so that a single 'q' quits, and restored on every way out (q, the
 * iterations done, SIGINT, SIGTERM, SIGHUP; SIGTSTP restores it until
 * SIGCONT). Elsewhere frames follow one another separated by a blank line,
 * and with -j each refresh is one JSON object on a line.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <bpf/bpf.h>

#include "cmd.h"
#include "diag.h"
#include "flows.h"
#include "journal.h"
#include "names.h"
#include "print.h"
#include "state.h"
#include "util.h"

#define TOP_NSEC 1000000000ull
#define TOP_MIN_INTERVAL 0.1
#define TOP_MAX_INTERVAL 3600.0
#define TOP_MAX_ITERATIONS 1000000000ul
#define TOP_CLEAR "\033[H\033[2J"
/* Lines above the classes: title, column header, total, not classified. */
#define TOP_FIXED_LINES 6
#define TOP_NAME_MIN 16 /* strlen("(not classified)") */

/* Rates of one line, per direction and verdict. */
struct top_rates {
	double pps[SL_DIR_MAX][SL_VERDICT_MAX];
	double bps[SL_DIR_MAX][SL_VERDICT_MAX];
};

struct top_row {
	__u32 id;
	__u32 policy;
	char name[SL_NAME_LEN];
	double total_bps; /* both directions, passed and dropped */
	struct top_rates r;
	bool scoped;	  /* police per host or flow, or --initiator local */
	struct sl_flow_class fc; /* its active entries and evictions */
};

/* One read of every class and counter. */
struct top_sample {
	__u64 mono_ns;
	__u64 real_ns;
	struct sl_class *cls;	 /* max_classes slots */
	struct sl_counters *cnt; /* max_classes * SL_DIR_MAX, as in sl_stats */
	struct sl_counters misc[SL_DIR_MAX];
	struct sl_flow_class *fc; /* max_classes slots; read when a class is scoped */
};

struct top {
	struct sl_ctx ctx;
	__u32 max;
	struct top_sample s[2];
	int cur; /* the newest sample in s */
	struct top_row *rows;
	int nrows;
	struct top_rates total, misc;
	__u64 elapsed_ns; /* between the two samples of the last refresh */
	int attachments;
	/* options */
	__u64 interval_ns;
	unsigned long iterations; /* 0: until q or a signal */
	/* output */
	bool tty_out; /* stdout is a terminal: clear the screen and fit it */
	bool ansi;    /* and takes escapes: not TERM=dumb (or unset), not NO_COLOR */
	bool keys;    /* stdin is our controlling terminal: 'q' quits */
	unsigned long frames;
};

/*
 * Signals: the handlers set a flag and write a byte to a pipe that the
 * refresh wait polls, so none is missed between a check and the poll.
 */
static volatile sig_atomic_t top_sig_quit, top_sig_winch, top_sig_cont;
static int top_pipe[2] = { -1, -1 };
/* The terminal's settings before raw mode; raw is set while they apply. */
static struct termios top_saved_tio;
static volatile sig_atomic_t top_raw;

static const int top_signals[] = { SIGINT, SIGTERM, SIGHUP, SIGWINCH, SIGTSTP, SIGCONT, SIGPIPE };
static struct sigaction top_old_sa[ARRAY_SIZE(top_signals)];
static size_t top_n_installed;

static void top_on_signal(int sig)
{
	int saved = errno;

	switch (sig) {
	case SIGWINCH:
		top_sig_winch = 1;
		break;
	case SIGCONT:
		top_sig_cont = 1;
		break;
	case SIGTSTP:
		/* Give the shell its terminal back while stopped. */
		if (top_raw)
			tcsetattr(STDIN_FILENO, TCSANOW, &top_saved_tio);
		raise(SIGSTOP);
		top_sig_cont = 1;
		break;
	default:
		top_sig_quit = 1;
		break;
	}
	if (top_pipe[1] >= 0 && write(top_pipe[1], "s", 1) < 0) {
		/* full pipe: a wake-up is pending anyway */
	}
	errno = saved;
}

static int top_signals_install(void)
{
	struct sigaction sa;
	size_t i;

	if (pipe(top_pipe))
		return -errno;
	for (i = 0; i < 2; i++) {
		if (fcntl(top_pipe[i], F_SETFL, O_NONBLOCK) ||
		    fcntl(top_pipe[i], F_SETFD, FD_CLOEXEC))
			return -errno;
	}
	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < ARRAY_SIZE(top_signals); i++) {
		/* A reader that goes away ends the output: write errors, not death. */
		sa.sa_handler = top_signals[i] == SIGPIPE ? SIG_IGN : top_on_signal;
		if (sigaction(top_signals[i], &sa, &top_old_sa[i]))
			return -errno;
		top_n_installed = i + 1;
	}
	return 0;
}

static void top_signals_restore(void)
{
	size_t i;

	for (i = 0; i < top_n_installed; i++)
		sigaction(top_signals[i], &top_old_sa[i], NULL);
	top_n_installed = 0;
	if (top_pipe[0] >= 0)
		close(top_pipe[0]);
	if (top_pipe[1] >= 0)
		close(top_pipe[1]);
	top_pipe[0] = top_pipe[1] = -1;
}

static bool top_foreground(void)
{
	return tcgetpgrp(STDIN_FILENO) == getpgrp();
}

/* Non-canonical, no echo; signals from the keyboard (^C, ^Z) still work. */
static int top_term_raw(void)
{
	struct termios tio;

	if (!top_raw && tcgetattr(STDIN_FILENO, &top_saved_tio))
		return -errno;
	tio = top_saved_tio;
	tio.c_lflag &= ~(ICANON | ECHO);
	tio.c_cc[VMIN] = 0;
	tio.c_cc[VTIME] = 0;
	if (tcsetattr(STDIN_FILENO, TCSANOW, &tio))
		return -errno;
	top_raw = 1;
	return 0;
}

static void top_term_restore(void)
{
	if (!top_raw)
		return;
	tcsetattr(STDIN_FILENO, TCSANOW, &top_saved_tio);
	top_raw = 0;
}

static __u64 top_now(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (__u64)ts.tv_sec * TOP_NSEC + ts.tv_nsec;
}

static int top_count_attachments(struct sl_ctx *ctx)
{
	struct sl_attach_key k, pk;
	int n = 0;

	/* Bounded: a concurrent delete may restart the walk. */
	while (n < 4 * SL_MAX_ATTACH && !bpf_map_get_next_key(ctx->attach_fd, n ? &pk : NULL, &k)) {
		pk = k;
		n++;
	}
	return n;
}

static bool scoped(const struct sl_class *c)
{
	return c->policy == SL_POLICY_POLICE &&
	       (c->scope != SL_SCOPE_CLASS || c->initiator != SL_INIT_ANY);
}

static bool any_scoped(const struct sl_classes *cs)
{
	int id;

	sl_for_each_class(cs, id)
		if (scoped(&cs->slot[id]))
			return true;
	return false;
}

static int top_read(struct top *t, struct top_sample *s)
{
	struct sl_classes cs = { 0 };
	int d, err;

	if (!sl_loaded(&t->ctx)) {
		sl_err("sluice was unloaded: the state under %s is gone", t->ctx.dir);
		return -ENOENT;
	}
	s->mono_ns = top_now(CLOCK_MONOTONIC);
	s->real_ns = sl_now_realtime_ns();
	err = sl_state_read(&t->ctx);
	if (!err)
		err = sl_classes_read(&t->ctx, &cs);
	if (err)
		goto fail;
	memcpy(s->cls, cs.slot, t->max * sizeof(*s->cls));
	err = sl_counters_read_all(&t->ctx, t->ctx.stats_fd, t->max * SL_DIR_MAX, s->cnt);
	if (err)
		goto fail;
	sl_counters_fold(s->cnt, t->max * SL_DIR_MAX);
	if (!err && any_scoped(&cs))
		err = sl_flows_per_class(&t->ctx, &cs, s->fc);
	for (d = 0; d < SL_DIR_MAX; d++) {
		err = sl_counters_read(&t->ctx, t->ctx.misc_fd, SL_MISC_NONIP(d), &s->misc[d]);
		if (err)
			goto fail;
	}
	t->attachments = top_count_attachments(&t->ctx);
	sl_classes_free(&cs);
	return 0;
fail:
	sl_classes_free(&cs);
	sl_err("cannot read the counters: %s", strerror(-err));
	return err;
}

/* Per second; a counter that went back was reset (a new class): count from 0. */
static double top_per_sec(__u64 now, __u64 before, __u64 ns)
{
	__u64 d = now >= before ? now - before : now;

	return ns ? (double)d * 1e9 / (double)ns : 0;
}

static void top_rates_set(struct top_rates *r, int d, const struct sl_counters *now,
			  const struct sl_counters *before, __u64 ns)
{
	int v;

	for (v = 0; v < SL_VERDICT_MAX; v++) {
		r->pps[d][v] = top_per_sec(now->packets[v], before->packets[v], ns);
		r->bps[d][v] = 8 * top_per_sec(now->bytes[v], before->bytes[v], ns);
	}
}

static void top_rates_add(struct top_rates *sum, const struct top_rates *r)
{
	int d, v;

	for (d = 0; d < SL_DIR_MAX; d++) {
		for (v = 0; v < SL_VERDICT_MAX; v++) {
			sum->pps[d][v] += r->pps[d][v];
			sum->bps[d][v] += r->bps[d][v];
		}
	}
}

static double top_rates_bps(const struct top_rates *r)
{
	double sum = 0;
	int d, v;

	for (d = 0; d < SL_DIR_MAX; d++)
		for (v = 0; v < SL_VERDICT_MAX; v++)
			sum += r->bps[d][v];
	return sum;
}

/* Busiest first; idle classes (no traffic) last, alphabetically. */
static int top_row_cmp(const void *a, const void *b)
{
	const struct top_row *x = a, *y = b;

	if (x->total_bps != y->total_bps)
		return x->total_bps > y->total_bps ? -1 : 1;
	return strncmp(x->name, y->name, SL_NAME_LEN);
}

static void top_compute(struct top *t)
{
	const struct top_sample *now = &t->s[t->cur], *old = &t->s[!t->cur];
	static const struct sl_counters zero;
	__u64 ns = now->mono_ns - old->mono_ns;
	__u32 id, key;
	int d;

	t->elapsed_ns = ns;
	t->nrows = 0;
	memset(&t->total, 0, sizeof(t->total));
	for (id = 0; id < t->max; id++) {
		const struct sl_class *c = &now->cls[id], *oc = &old->cls[id];
		struct top_row *row;
		bool same;

		if (!(c->flags & SL_CLASS_USED))
			continue;
		/* A class created since the last read starts from zeroed counters. */
		same = (oc->flags & SL_CLASS_USED) && !strncmp(c->name, oc->name, SL_NAME_LEN);
		row = &t->rows[t->nrows++];
		row->id = id;
		row->policy = c->policy;
		memcpy(row->name, c->name, SL_NAME_LEN);
		row->name[SL_NAME_LEN - 1] = '\0';
		for (d = 0; d < SL_DIR_MAX; d++) {
			key = id * SL_DIR_MAX + d;
			top_rates_set(&row->r, d, &now->cnt[key], same ? &old->cnt[key] : &zero,
				      ns);
		}
		row->total_bps = top_rates_bps(&row->r);
		row->scoped = scoped(c);
		row->fc = now->fc[id];
		top_rates_add(&t->total, &row->r);
	}
	for (d = 0; d < SL_DIR_MAX; d++)
		top_rates_set(&t->misc, d, &now->misc[d], &old->misc[d], ns);
	top_rates_add(&t->total, &t->misc);
	qsort(t->rows, t->nrows, sizeof(*t->rows), top_row_cmp);
}

static __u64 top_round(double v)
{
	return (__u64)(v + 0.5);
}

static void top_rates_json(const struct top_rates *r)
{
	int d;

	for (d = 0; d < SL_DIR_MAX; d++) {
		print_open_object(sl_dir_names[d]);
		print_uint(PRINT_JSON, "pass_pps", NULL, top_round(r->pps[d][SL_PASS]));
		print_uint(PRINT_JSON, "pass_bps", NULL, top_round(r->bps[d][SL_PASS]));
		print_uint(PRINT_JSON, "drop_pps", NULL, top_round(r->pps[d][SL_DROP]));
		print_uint(PRINT_JSON, "drop_bps", NULL, top_round(r->bps[d][SL_DROP]));
		print_close_object();
	}
}

/* The terminal takes ANSI escapes: TERM is set and not "dumb", no NO_COLOR. */
static bool top_term_ansi(void)
{
	const char *term = getenv("TERM"), *nc = getenv("NO_COLOR");

	return term && *term && strcmp(term, "dumb") && !(nc && *nc);
}

static void top_show_json(struct top *t)
{
	const struct top_sample *now = &t->s[t->cur];
	int i;

	print_open_object(NULL);
	print_time(PRINT_JSON, "time", NULL, now->real_ns);
	print_uint(PRINT_JSON, "interval_ns", NULL, t->elapsed_ns);
	print_uint(PRINT_JSON, "generation", NULL, t->ctx.st.generation);
	print_uint(PRINT_JSON, "attachments", NULL, t->attachments);
	print_open_array("classes");
	for (i = 0; i < t->nrows; i++) {
		const struct top_row *row = &t->rows[i];

		print_open_object(NULL);
		print_string(PRINT_JSON, "class", NULL, row->name);
		print_uint(PRINT_JSON, "class_id", NULL, row->id);
		print_string(PRINT_JSON, "policy", NULL, sl_policy_name(row->policy));
		if (row->scoped) {
			print_uint(PRINT_JSON, "flows_active", NULL, row->fc.active);
			print_uint(PRINT_JSON, "flow_evictions", NULL, row->fc.evictions);
		}
		top_rates_json(&row->r);
		print_close_object();
	}
	print_close_array();
	print_open_object("total");
	top_rates_json(&t->total);
	print_close_object();
	print_open_object("not_classified");
	top_rates_json(&t->misc);
	print_close_object();
	print_close_object();
}

/* The text output: lines cut to the width, and no more than fit. */
struct top_screen {
	int cols;  /* 0: no limit */
	int lines; /* lines left; -1: no limit */
};

static void top_line(struct top_screen *sc, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void top_line(struct top_screen *sc, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	if (!sc->lines)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (sc->cols > 0 && sc->cols < (int)sizeof(buf))
		buf[sc->cols] = '\0';
	n = strlen(buf);
	while (n && buf[n - 1] == ' ')
		buf[--n] = '\0';
	print_text("%s\n", buf);
	if (sc->lines > 0)
		sc->lines--;
}

static void top_rates_text(struct top_screen *sc, int w, const char *name, const char *policy,
			   const struct top_rates *r, const char *extra)
{
	char pp[16], pb[16], dp[16], db[16];
	int d;

	for (d = 0; d < SL_DIR_MAX; d++) {
		sl_fmt_count(pp, sizeof(pp), top_round(r->pps[d][SL_PASS]));
		sl_fmt_rate(pb, sizeof(pb), top_round(r->bps[d][SL_PASS]));
		sl_fmt_count(dp, sizeof(dp), top_round(r->pps[d][SL_DROP]));
		sl_fmt_rate(db, sizeof(db), top_round(r->bps[d][SL_DROP]));
		top_line(sc, "%-*s %-6s %-3s %10s %11s %10s %11s  %s", w, d ? "" : name,
			 d ? "" : policy, sl_dir_names[d], pp, pb, dp, db, d ? "" : extra);
	}
}

static void top_show_text(struct top *t)
{
	const struct top_sample *now = &t->s[t->cur];
	struct top_screen sc = { .cols = 0, .lines = -1 };
	time_t secs = now->real_ns / TOP_NSEC;
	int w = TOP_NAME_MIN, i, shown, room;
	char tbuf[32] = "";
	struct winsize ws;
	struct tm tm;

	if (t->tty_out) {
		if (!ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws)) {
			sc.cols = ws.ws_col;
			/* Keep the last line free: a newline there would scroll. */
			if (ws.ws_row)
				sc.lines = ws.ws_row > 1 ? ws.ws_row - 1 : 1;
		}
		if (t->ansi)
			print_text("%s", TOP_CLEAR);
		else if (t->frames)
			print_text("\n");
	} else if (t->frames) {
		print_text("\n");
	}
	for (i = 0; i < t->nrows; i++) {
		int n = strlen(t->rows[i].name);

		if (n > w)
			w = n;
	}
	if (localtime_r(&secs, &tm))
		strftime(tbuf, sizeof(tbuf), "%Y-%m-%d %H:%M:%S", &tm);
	top_line(&sc,
		 "sluice top  %s  interval %.2fs  generation %llu  classes %d  attachments %d%s",
		 tbuf, (double)t->elapsed_ns / 1e9, (unsigned long long)t->ctx.st.generation,
		 t->nrows, t->attachments, t->keys ? "  (q quits)" : "");
	top_line(&sc, "%-*s %-6s %-3s %10s %11s %10s %11s", w, "CLASS", "POLICY", "DIR",
		 "PASS pkt/s", "PASS bit/s", "DROP pkt/s", "DROP bit/s");
	top_rates_text(&sc, w, "(total)", "", &t->total, "");
	top_rates_text(&sc, w, "(not classified)", "", &t->misc, "");
	shown = t->nrows;
	if (sc.lines >= 0 && shown * SL_DIR_MAX > sc.lines) {
		/* Room for as many classes as fit and the "(N more)" line. */
		room = sc.lines - 1;
		shown = room > 0 ? room / SL_DIR_MAX : 0;
	}
	for (i = 0; i < shown; i++) {
		const struct top_row *row = &t->rows[i];
		char extra[64] = "";

		if (row->scoped)
			snprintf(extra, sizeof(extra), "%llu flows, %llu evicted",
				 (unsigned long long)row->fc.active,
				 (unsigned long long)row->fc.evictions);
		top_rates_text(&sc, w, row->name, sl_policy_name(row->policy), &row->r, extra);
	}
	if (shown < t->nrows)
		top_line(&sc, "(%d more)", t->nrows - shown);
}

/* Show the last refresh; 1 when the reader went away (EPIPE), or -errno. */
static int top_show(struct top *t)
{
	if (sl_json)
		top_show_json(t);
	else
		top_show_text(t);
	if (fflush(stdout) || ferror(stdout)) {
		if (errno == EPIPE)
			return 1;
		sl_err("cannot write the output: %s", strerror(errno));
		return -errno;
	}
	return 0;
}

static void top_show_sampling(struct top *t)
{
	if (!t->tty_out || sl_json)
		return;
	print_text("%ssluice top: sampling every %.2fs%s\n", t->ansi ? TOP_CLEAR : "",
		   (double)t->interval_ns / 1e9, t->keys ? "  (q quits)" : "");
	fflush(stdout);
}

/*
 * Wait until deadline (CLOCK_MONOTONIC ns). Sets *quit on 'q' or a signal.
 * Redraws on a window size change, and takes the terminal again after a stop.
 */
static int top_wait(struct top *t, __u64 deadline, bool *quit)
{
	struct pollfd pfd[2] = {
		{ .fd = top_pipe[0], .events = POLLIN },
		{ .fd = STDIN_FILENO, .events = POLLIN },
	};
	int nfds = t->keys ? 2 : 1;
	char buf[64];
	ssize_t len, i;
	__u64 now;
	int r;

	for (;;) {
		if (top_sig_quit) {
			*quit = true;
			return 0;
		}
		if (top_sig_cont) {
			top_sig_cont = 0;
			if (t->keys && top_foreground())
				top_term_raw();
			top_sig_winch = 1;
		}
		if (top_sig_winch) {
			top_sig_winch = 0;
			if (t->frames && t->tty_out && !sl_json) {
				r = top_show(t);
				if (r) {
					*quit = r > 0;
					return r < 0 ? r : 0;
				}
			} else if (!t->frames) {
				top_show_sampling(t);
			}
		}
		now = top_now(CLOCK_MONOTONIC);
		if (now >= deadline)
			return 0;
		r = poll(pfd, nfds, (int)((deadline - now + 999999) / 1000000));
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (pfd[0].revents & POLLIN) {
			while (read(top_pipe[0], buf, sizeof(buf)) > 0)
				;
		}
		if (nfds > 1 && pfd[1].revents) {
			len = read(STDIN_FILENO, buf, sizeof(buf));
			if (len <= 0 && !(len < 0 && (errno == EINTR || errno == EAGAIN))) {
				/* The terminal went away: stop reading it. */
				nfds = 1;
				continue;
			}
			for (i = 0; i < len; i++) {
				if (buf[i] == 'q' || buf[i] == 'Q') {
					*quit = true;
					return 0;
				}
			}
		}
	}
}

static int top_parse_interval(const char *s, __u64 *ns)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !(v >= TOP_MIN_INTERVAL && v <= TOP_MAX_INTERVAL)) {
		sl_err("bad --interval '%s' (expected seconds from %g to %g, e.g. 1 or 0.5)", sl_q(s),
		       TOP_MIN_INTERVAL, TOP_MAX_INTERVAL);
		return -EINVAL;
	}
	*ns = (__u64)(v * 1e9 + 0.5);
	return 0;
}

static int top_parse_iterations(const char *s, unsigned long *n)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || *s == '-' || v < 1 || v > TOP_MAX_ITERATIONS) {
		sl_err("bad --iterations '%s' (expected a number from 1 to %lu)", sl_q(s),
		       TOP_MAX_ITERATIONS);
		return -EINVAL;
	}
	*n = v;
	return 0;
}

static int top_alloc(struct top *t)
{
	int i;

	for (i = 0; i < 2; i++) {
		t->s[i].cls = calloc(t->max, sizeof(*t->s[i].cls));
		t->s[i].cnt = calloc((size_t)t->max * SL_DIR_MAX, sizeof(*t->s[i].cnt));
		t->s[i].fc = calloc(t->max, sizeof(*t->s[i].fc));
		if (!t->s[i].cls || !t->s[i].cnt || !t->s[i].fc)
			goto nomem;
	}
	t->rows = calloc(t->max, sizeof(*t->rows));
	if (t->rows)
		return 0;
nomem:
	sl_err("out of memory for %u classes", t->max);
	return -ENOMEM;
}

static void top_free(struct top *t)
{
	int i;

	for (i = 0; i < 2; i++) {
		free(t->s[i].cls);
		free(t->s[i].cnt);
		free(t->s[i].fc);
	}
	free(t->rows);
}

static int top_run(struct top *t)
{
	bool quit = false;
	int err;

	err = top_read(t, &t->s[t->cur]);
	if (err)
		return err;
	top_show_sampling(t);
	for (;;) {
		err = top_wait(t, t->s[t->cur].mono_ns + t->interval_ns, &quit);
		if (err || quit)
			return err;
		t->cur = !t->cur;
		err = top_read(t, &t->s[t->cur]);
		if (err)
			return err;
		top_compute(t);
		err = top_show(t);
		if (err)
			return err < 0 ? err : 0;
		t->frames++;
		if (t->iterations && t->frames >= t->iterations)
			return 0;
	}
}

int cmd_top(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "interval", required_argument, NULL, 'i' },
		{ "iterations", required_argument, NULL, 'n' },
		{}
	};
	struct top *t;
	int c, err;

	t = calloc(1, sizeof(*t));
	if (!t) {
		sl_err("out of memory");
		return -ENOMEM;
	}
	t->interval_ns = TOP_NSEC;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'i':
			err = top_parse_interval(optarg, &t->interval_ns);
			if (err)
				goto out_free;
			break;
		case 'n':
			err = top_parse_iterations(optarg, &t->iterations);
			if (err)
				goto out_free;
			break;
		default:
			err = -EINVAL;
			goto out_free;
		}
	}
	if (optind != argc) {
		sl_err("usage: sluice top [--interval SECONDS] [--iterations N]");
		err = -EINVAL;
		goto out_free;
	}

	err = sl_open_existing(&t->ctx, 0);
	if (err)
		goto out;
	t->max = t->ctx.st.max_classes;
	err = top_alloc(t);
	if (err)
		goto out;
	t->tty_out = isatty(STDOUT_FILENO);
	t->ansi = t->tty_out && top_term_ansi();
	/* Keys only from our own terminal, in the foreground (no SIGTTOU). */
	t->keys = t->tty_out && isatty(STDIN_FILENO) && top_foreground();
	top_sig_quit = top_sig_winch = top_sig_cont = 0;
	err = top_signals_install();
	if (err) {
		sl_err("cannot set up the signal handlers: %s", strerror(-err));
		goto out_signals;
	}
	if (t->keys && top_term_raw())
		t->keys = false;
	err = top_run(t);
	top_term_restore();
out_signals:
	top_signals_restore();
out:
	sl_close(&t->ctx);
	top_free(t);
out_free:
	free(t);
	return err;
}
