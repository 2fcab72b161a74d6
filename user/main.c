// SPDX-License-Identifier: GPL-2.0
/*
 * sluice: command line entry point. Grammar like bpftool and ip:
 * sluice [OPTIONS] OBJECT [COMMAND] [ARGS], unique prefixes accepted.
 */
#include <errno.h>
#include <getopt.h>
#include <malloc.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/libbpf.h>

#include "cmd.h"
#include "diag.h"
#include "names.h"
#include "parse.h"
#include "print.h"
#include "state.h"
#include "util.h"
#include "version.h"

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level;
	if (!sl_debug)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

static const char usage_text[] =
	"Usage: sluice [OPTIONS] OBJECT [COMMAND] [ARGS]\n"
	"\n"
	"  sluice attach DEV [--hook xdp|tc-ingress|tc-egress] [--match src|dst]\n"
	"                    [--xdp-mode native|generic] [--max-classes N]\n"
	"                    [--v4-size N] [--v6-size N] [--max-flows N] [--force]\n"
	"  sluice detach DEV [--hook HOOK] | --all\n"
	"  sluice class set NAME (--pass | --drop | --rate RATE [--rate-in RATE]\n"
	"                   [--rate-out RATE] [--burst SIZE] [--mode police|shape]\n"
	"                   [--per class|host|flow] [--initiator any|local]\n"
	"                   [--idle DURATION])\n"
	"  sluice class del NAME\n"
	"  sluice class list\n"
	"  sluice feed load CLASS FILE... | - [--format auto|plain|ipset|csv|rir|json]\n"
	"                   [--cc CC[,CC...]] [--strict]\n"
	"                   [--max-invalid PCT] [--max-churn PCT] [--allow-empty]\n"
	"                   [--merge] [--dry-run] [--force]\n"
	"  sluice feed plan CLASS FILE... | -\n"
	"  sluice feed check CLASS FILE... | -\n"
	"  sluice feed rollback CLASS\n"
	"  sluice feed list\n"
	"  sluice lookup ADDR... | --stdin\n"
	"  sluice stats [--prometheus]\n"
	"  sluice flows [CLASS] [--top N] [--sort bytes|drops|packets]\n"
	"  sluice status\n"
	"  sluice top [--interval SECONDS] [--iterations N]\n"
	"  sluice exporter [--listen ADDR:PORT] [-c FILE]\n"
	"  sluice apply [-c FILE] [--dry-run | --check] [--allow-empty]\n"
	"  sluice help [OBJECT]\n"
	"\n"
	"Options (before or after OBJECT):\n"
	"  -j, --json          JSON output (errors as {\"error\": ...} on stderr)\n"
	"  -p, --pretty        pretty-printed JSON (implies -j)\n"
	"  -d, --debug         show libbpf's log (verifier output included)\n"
	"  -w, --wait SECONDS  how long a command that changes state waits for another\n"
	"                      one to finish (default 60)\n"
	"      --bpffs PATH    bpf filesystem holding the pins (default /sys/fs/bpf,\n"
	"                      or $SLUICE_BPFFS); state lives in PATH/sluice\n"
	"  -V, --version       print the version\n"
	"  -h, --help          this help\n"
	"\n"
	"RATE as tc: 128kbit, 10mbit, 1gbit (bit/s; kbps = kilobytes/s).\n"
	"SIZE as tc: 1500, 16k, 1m (bytes; k = 1024).\n"
	"DURATION: 500ms, 30s, 10m, 1h (a bare number is seconds).\n"
	"See sluice(8).\n";


/*
 * The synopsis lines of one object, for `sluice OBJECT --help`: the lines
 * "  sluice OBJECT ..." and their indented continuations.
 */
static void usage_of(FILE *f, const char *obj)
{
	const char *l, *end, *w;
	bool in = false;

	fprintf(f, "Usage:\n");
	for (l = usage_text; (end = strchr(l, '\n')); l = end + 1) {
		if (!strncmp(l, "  sluice ", 9)) {
			w = l + 9;
			in = strcspn(w, " \n") == strlen(obj) && !strncmp(w, obj, strlen(obj));
		} else if (strncmp(l, "      ", 6)) {
			in = false;
		}
		if (in)
			fprintf(f, "%.*s\n", (int)(end - l), l);
	}
	fprintf(f, "\nGlobal options (before or after OBJECT): -j, -p, -d, -w SECONDS, --bpffs PATH. "
		"See 'sluice help' and sluice(8).\n");
}

/* The usage (of one object, or all): text, or {"usage": TEXT} with -j. */
static int show_usage(const char *obj)
{
	size_t len = 0;
	char *buf = NULL;
	FILE *m = open_memstream(&buf, &len);

	if (!m)
		return -ENOMEM;
	if (obj)
		usage_of(m, obj);
	else
		fputs(usage_text, m);
	fclose(m);
	print_open_object(NULL);
	print_string(PRINT_ANY, "usage", "%s", buf);
	print_close_object();
	free(buf);
	return 0;
}

static void show_version(void)
{
	print_open_object(NULL);
	print_string(PRINT_ANY, "version", "sluice %s", SLUICE_VERSION);
	print_string(PRINT_ANY, "commit", " (commit %s,", SLUICE_COMMIT);
	print_string(PRINT_ANY, "libbpf", " libbpf %s)\n", libbpf_version_string());
	print_close_object();
}

/* -h or --help anywhere after the object (before a "--") */
static bool wants_help(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--"))
			break;
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help"))
			return true;
	}
	return false;
}

struct cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
};

static const struct cmd cmds[] = {
	{ "attach", cmd_attach }, { "detach", cmd_detach }, { "class", cmd_class },
	{ "feed", cmd_feed },	  { "lookup", cmd_lookup }, { "stats", cmd_stats },
	{ "status", cmd_status }, { "exporter", cmd_exporter }, { "top", cmd_top },
	{ "apply", cmd_apply }, { "flows", cmd_flows },
	{ "help", NULL },
};

static const struct option global_opts[] = {
	{ "json", no_argument, NULL, 'j' },   { "pretty", no_argument, NULL, 'p' },
	{ "debug", no_argument, NULL, 'd' },  { "bpffs", required_argument, NULL, 'B' },
	{ "wait", required_argument, NULL, 'w' },
	{ "version", no_argument, NULL, 'V' }, { "help", no_argument, NULL, 'h' },
	{}
};

/* Set one global option; -EINVAL (said) for a bad --wait. */
static int global_opt(int c, const char *arg)
{
	if (c == 'w' && sl_parse_u32(arg, 0, 86400, &sl_lock_wait)) {
		sl_err("bad --wait '%s' (expected seconds from 0 to 86400)", sl_q(arg));
		return -EINVAL;
	}
	if (c == 'j' || c == 'p')
		sl_json = true;
	if (c == 'p')
		sl_json_pretty = true;
	if (c == 'd')
		sl_debug = true;
	if (c == 'B')
		sl_bpffs_opt = arg;
	return 0;
}

/*
 * Global options after the object (as bpftool takes them): -j, -p, -d,
 * -w SECONDS and --bpffs PATH are taken out of argv, up to a "--". Returns
 * the new argc, or -EINVAL (said).
 */
static int take_global_opts(int argc, char **argv)
{
	int i, n = 1;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--")) {
			while (i < argc)
				argv[n++] = argv[i++];
			break;
		}
		if (!strcmp(a, "-j") || !strcmp(a, "--json") || !strcmp(a, "-p") ||
		    !strcmp(a, "--pretty") || !strcmp(a, "-d") || !strcmp(a, "--debug")) {
			global_opt(a[1] == '-' ? a[2] : a[1], NULL);
		} else if (!strncmp(a, "--bpffs=", 8)) {
			global_opt('B', a + 8);
		} else if (!strcmp(a, "--bpffs") && i + 1 < argc) {
			global_opt('B', argv[++i]);
		} else if ((!strcmp(a, "-w") || !strcmp(a, "--wait")) && i + 1 < argc) {
			if (global_opt('w', argv[++i]))
				return -EINVAL;
		} else {
			argv[n++] = argv[i];
		}
	}
	argv[n] = NULL;
	return n;
}

/* The object named by word (a unique prefix), or -1 with the reason said. */
static int find_object(const char *word)
{
	const char *names[ARRAY_SIZE(cmds)];
	char cands[128];
	int i;

	for (i = 0; i < (int)ARRAY_SIZE(cmds); i++)
		names[i] = cmds[i].name;
	i = sl_match_word(word, names, ARRAY_SIZE(cmds));
	if (i == -2) {
		sl_word_candidates(word, names, ARRAY_SIZE(cmds), cands, sizeof(cands));
		sl_err("ambiguous command '%.40s': %s; see 'sluice help'", word, cands);
	} else if (i < 0) {
		sl_err("unknown command '%.40s'; see 'sluice help'", word);
	}
	return i < 0 ? -1 : i;
}

/* sluice help [OBJECT]: exit status 1 for an unknown object. */
static int cmd_help(int argc, char **argv)
{
	int i = -1;

	if (argc > 2) {
		sl_err("usage: sluice help [OBJECT]");
		return -EINVAL;
	}
	if (argc == 2) {
		i = find_object(argv[1]);
		if (i < 0)
			return -EINVAL;
	}
	return show_usage(i >= 0 && cmds[i].fn ? cmds[i].name : NULL);
}

/* Global options before the object; -1 to go on, or the exit status. */
static int parse_globals(int argc, char **argv)
{
	bool version = false, help = false;
	int c;

	opterr = 0; /* our own one-line message, JSON under -j */
	while ((c = getopt_long(argc, argv, "+jpdVhw:", global_opts, NULL)) != -1) {
		if (c == '?') {
			sl_err("unknown option '%.40s'; see 'sluice help'", argv[optind - 1]);
			return EXIT_FAILURE;
		}
		version |= c == 'V';
		help |= c == 'h';
		if (global_opt(c, optarg))
			return EXIT_FAILURE;
	}
	if (version)
		show_version();
	else if (help)
		show_usage(NULL);
	else if (optind >= argc)
		sl_err("no object given; see 'sluice help'");
	else
		return -1;
	return optind >= argc && !version && !help ? EXIT_FAILURE : EXIT_SUCCESS;
}

/* A command that failed without saying why: getopt refused an argument. */
static void said_why(int err, const char *obj)
{
	if (err < 0 && !sl_diag_count())
		sl_err("unknown option or missing argument; see 'sluice help %s'", obj);
}

int main(int argc, char **argv)
{
	int c, i;

	/*
	 * A feed of 1M entries goes through several lists of 24 MB, one after
	 * another. From the heap, a freed list's pages serve the next one;
	 * mapped and unmapped one by one, each list costs 6K page faults and
	 * zeroing (12% of a load's time). The heap stays within the peak
	 * every command reaches anyway.
	 */
	mallopt(M_MMAP_THRESHOLD, 1 << 30);
	mallopt(M_TRIM_THRESHOLD, 1 << 30);
	c = parse_globals(argc, argv);
	libbpf_set_print(libbpf_print);
	if (c >= 0)
		goto done;
	argc -= optind;
	argv += optind;
	argc = take_global_opts(argc, argv);
	if (argc < 0) {
		c = EXIT_FAILURE;
		goto done;
	}
	i = find_object(argv[0]);
	if (i < 0) {
		c = EXIT_FAILURE;
		goto done;
	}
	if (!cmds[i].fn) {
		c = cmd_help(argc, argv) ? EXIT_FAILURE : EXIT_SUCCESS;
		goto done;
	}
	if (wants_help(argc, argv)) {
		show_usage(cmds[i].name);
		c = EXIT_SUCCESS;
		goto done;
	}
	optind = 0;
	c = cmds[i].fn(argc, argv);
	said_why(c, cmds[i].name);
	/* Commands return -errno on failure, or a documented status > 1. */
	c = c < 0 ? SL_EXIT_FAIL : c;
done:
	print_diags();
	return c;
}
