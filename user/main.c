// SPDX-License-Identifier: GPL-2.0
/*
 * sluice: command line entry point. Grammar like bpftool and ip:
 * sluice [OPTIONS] OBJECT [COMMAND] [ARGS], unique prefixes accepted.
 */
#include <errno.h>
#include <getopt.h>
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

#define SLUICE_VERSION "0.1.0"

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
	"  sluice apply [-c FILE] [--dry-run]\n"
	"\n"
	"Options:\n"
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

static void usage(FILE *f)
{
	fputs(usage_text, f);
}

/*
 * The synopsis lines of one object, for `sluice OBJECT --help`: the lines
 * "  sluice OBJECT ..." and their indented continuations.
 */
static void usage_of(const char *obj)
{
	const char *l, *end, *w;
	bool in = false;

	printf("Usage:\n");
	for (l = usage_text; (end = strchr(l, '\n')); l = end + 1) {
		if (!strncmp(l, "  sluice ", 9)) {
			w = l + 9;
			in = strcspn(w, " \n") == strlen(obj) && !strncmp(w, obj, strlen(obj));
		} else if (strncmp(l, "      ", 6)) {
			in = false;
		}
		if (in)
			printf("%.*s\n", (int)(end - l), l);
	}
	printf("\nGlobal options (before OBJECT): -j, -p, -d, -w SECONDS, --bpffs PATH. "
	       "See 'sluice help' and sluice(8).\n");
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

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },   { "pretty", no_argument, NULL, 'p' },
		{ "debug", no_argument, NULL, 'd' },  { "bpffs", required_argument, NULL, 'B' },
		{ "wait", required_argument, NULL, 'w' },
		{ "version", no_argument, NULL, 'V' }, { "help", no_argument, NULL, 'h' },
		{}
	};
	const char *names[ARRAY_SIZE(cmds)];
	int c, i;

	/* Global options come before the object ("+": stop at the first word). */
	while ((c = getopt_long(argc, argv, "+jpdVhw:", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			sl_json = true;
			break;
		case 'p':
			sl_json = true;
			sl_json_pretty = true;
			break;
		case 'd':
			sl_debug = true;
			break;
		case 'B':
			sl_bpffs_opt = optarg;
			break;
		case 'w':
			if (sl_parse_u32(optarg, 0, 86400, &sl_lock_wait)) {
				sl_err("bad --wait '%s' (expected seconds from 0 to 86400)", optarg);
				print_diags();
				return SL_EXIT_FAIL;
			}
			break;
		case 'V':
			printf("sluice %s (libbpf %s)\n", SLUICE_VERSION, libbpf_version_string());
			return EXIT_SUCCESS;
		case 'h':
			usage(stdout);
			return EXIT_SUCCESS;
		default:
			usage(stderr);
			return EXIT_FAILURE;
		}
	}
	libbpf_set_print(libbpf_print);

	if (optind >= argc) {
		usage(stderr);
		return EXIT_FAILURE;
	}
	for (i = 0; i < (int)ARRAY_SIZE(cmds); i++)
		names[i] = cmds[i].name;
	i = sl_match_word(argv[optind], names, ARRAY_SIZE(cmds));
	if (i < 0) {
		sl_err("%s command '%s'; see 'sluice help'", i == -2 ? "ambiguous" : "unknown",
		       sl_q(argv[optind]));
		print_diags();
		return EXIT_FAILURE;
	}
	if (!cmds[i].fn) {
		/* sluice help [OBJECT] */
		c = optind + 1 < argc ? sl_match_word(argv[optind + 1], names, ARRAY_SIZE(cmds)) : -1;
		if (c >= 0)
			usage_of(cmds[c].name);
		else
			usage(stdout);
		return EXIT_SUCCESS;
	}
	argc -= optind;
	argv += optind;
	if (wants_help(argc, argv)) {
		usage_of(cmds[i].name);
		return EXIT_SUCCESS;
	}
	optind = 0;
	c = cmds[i].fn(argc, argv);
	print_diags();
	/* Commands return -errno on failure, or a documented status > 1. */
	return c < 0 ? SL_EXIT_FAIL : c;
}
