// SPDX-License-Identifier: GPL-2.0
/*
 * verifier OBJ...: load every program of each BPF object with the verifier's
 * statistics (log level 4) and print, per program, the instructions it
 * processed against its limit of a million. The lookup is inlined into every
 * program, and a kernel's verifier can change its count (6.18.44 took every
 * program past the limit that 6.18 kernels before it stayed well within), so
 * a structure change should compare these counts before and after.
 * Exit status 1 when an object fails to load, with the verifier's last lines.
 */
#include <bpf/libbpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LOG_SIZE (1u << 20)
#define MAX_PROGS 64
#define INSN_LIMIT 1000000ul

static int quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level;
	(void)fmt;
	(void)ap;
	return 0;
}

/* The last lines of a failed program's log, where the verifier says why. */
static void print_tail(const char *log)
{
	size_t n = strlen(log);
	const char *p = log + n;
	int lines = 0;

	while (p > log && lines < 6)
		if (*--p == '\n' && p + 1 < log + n)
			lines++;
	fprintf(stderr, "%s", p == log ? p : p + 1);
}

static int report(const char *path)
{
	struct bpf_program *prog;
	struct bpf_object *obj;
	char *logs[MAX_PROGS] = { 0 };
	const char *name = strrchr(path, '/');
	int i = 0, err;

	obj = bpf_object__open_file(path, NULL);
	if (!obj) {
		fprintf(stderr, "verifier: %s: cannot open\n", path);
		return 1;
	}
	bpf_object__for_each_program(prog, obj) {
		if (i == MAX_PROGS || !(logs[i] = calloc(1, LOG_SIZE))) {
			fprintf(stderr, "verifier: %s: too many programs\n", path);
			err = -1;
			goto out;
		}
		bpf_program__set_log_level(prog, 4);
		bpf_program__set_log_buf(prog, logs[i++], LOG_SIZE);
	}
	err = bpf_object__load(obj);
	i = 0;
	bpf_object__for_each_program(prog, obj) {
		const char *s = strstr(logs[i], "processed ");
		unsigned long insns = 0, states = 0;

		if (s)
			sscanf(s, "processed %lu insns", &insns);
		s = s ? strstr(s, "total_states ") : NULL;
		if (s)
			sscanf(s, "total_states %lu", &states);
		if (insns)
			printf("%-14s %-14s %8lu %5.1f%% %8lu\n", name ? name + 1 : path,
			       bpf_program__name(prog), insns, 100.0 * insns / INSN_LIMIT,
			       states);
		if (err && logs[i][0] && bpf_program__fd(prog) < 0) {
			fflush(stdout);
			fprintf(stderr, "verifier: %s: %s failed to load:\n", path,
				bpf_program__name(prog));
			print_tail(logs[i]);
		}
		i++;
	}
	if (err)
		fprintf(stderr, "verifier: %s: load failed (%d)\n", path, err);
out:
	for (i = 0; i < MAX_PROGS; i++)
		free(logs[i]);
	bpf_object__close(obj);
	return err ? 1 : 0;
}

int main(int argc, char **argv)
{
	int i, rc = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: verifier OBJ...\n");
		return 2;
	}
	libbpf_set_print(quiet);
	printf("%-14s %-14s %8s %6s %8s\n", "object", "program", "insns", "limit", "states");
	for (i = 1; i < argc; i++)
		rc |= report(argv[i]);
	return rc;
}
