// SPDX-License-Identifier: GPL-2.0
/*
 * Write a synthetic feed: genfeed N [SEED] [ipset SETNAME]. The realistic mix
 * of the feeds issue: about 85% IPv4 hosts, 10% IPv4 prefixes from /8 to
 * /31, 5% IPv6. With "ipset", IPv4 entries only, as `ipset restore` input.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned long long s;

static unsigned long long rnd(void)
{
	unsigned long long z = (s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

int main(int argc, char **argv)
{
	static const int v6_lens[] = { 32, 48, 48, 56, 64, 64, 64, 128, 128, 128 };
	unsigned long n, i;
	const char *set = NULL;

	if (argc < 2) {
		fprintf(stderr, "usage: genfeed N [SEED] [ipset SETNAME]\n");
		return 1;
	}
	n = strtoul(argv[1], NULL, 10);
	s = argc > 2 ? strtoull(argv[2], NULL, 10) : 1;
	if (argc > 4 && !strcmp(argv[3], "ipset"))
		set = argv[4];
	if (set)
		printf("create %s hash:net family inet hashsize 1048576 maxelem 4000000\n", set);
	for (i = 0; i < n; i++) {
		unsigned long long r = rnd() % 1000, a = rnd(), hi = rnd(), lo = rnd();
		unsigned int v4 = (unsigned int)a, len, len6 = v6_lens[rnd() % 10];
		unsigned int len4 = r < 850 ? 32 : 8 + rnd() % 24;

		if (r < 950) {
			len = len4;
			v4 &= len ? ~0u << (32 - len) : 0;
			if (set)
				printf("add %s %u.%u.%u.%u/%u\n", set, v4 >> 24, (v4 >> 16) & 255,
				       (v4 >> 8) & 255, v4 & 255, len);
			else if (len == 32)
				printf("%u.%u.%u.%u\n", v4 >> 24, (v4 >> 16) & 255, (v4 >> 8) & 255,
				       v4 & 255);
			else
				printf("%u.%u.%u.%u/%u\n", v4 >> 24, (v4 >> 16) & 255,
				       (v4 >> 8) & 255, v4 & 255, len);
		} else if (!set) {
			int k;

			len = len6;
			if (len < 64) {
				hi &= ~0ull << (64 - len);
				lo = 0;
			} else if (len < 128) {
				lo &= len == 64 ? 0 : ~0ull << (128 - len);
			}
			for (k = 0; k < 4; k++)
				printf("%llx:", (hi >> (48 - 16 * k)) & 0xffff);
			for (k = 0; k < 4; k++)
				printf("%llx%s", (lo >> (48 - 16 * k)) & 0xffff, k < 3 ? ":" : "");
			printf("/%u\n", len);
		}
	}
	return 0;
}
