/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sluice: the one table of each set of names the CLI, the configuration
 * file and the output use, and the exit codes.
 */
#ifndef SLUICE_NAMES_H
#define SLUICE_NAMES_H

#include <stddef.h>

#include <linux/types.h>
#include "sluice.h"

/* Exit status of every command (sluice(8), EXIT STATUS). */
enum sl_exit {
	SL_EXIT_OK = 0,
	SL_EXIT_FAIL = 1,    /* an error: nothing live changed (apply: see sluice(8)) */
	SL_EXIT_CHANGES = 2, /* feed plan, --dry-run: something would change */
};

#define SL_POLICY_NAMES 4 /* enum sl_policy */
#define SL_MODE_NAMES 2	  /* police, shape: the --mode of a rate */
#define SL_MATCH_NAMES 2  /* enum sl_match */
#define SL_XDP_MODE_NAMES 2

extern const char *const sl_policy_names[SL_POLICY_NAMES];
extern const char *const sl_mode_names[SL_MODE_NAMES];
extern const char *const sl_hook_names[SL_HOOK_MAX];
extern const char *const sl_match_names[SL_MATCH_NAMES];
extern const char *const sl_xdp_mode_names[SL_XDP_MODE_NAMES];
extern const char *const sl_dir_names[SL_DIR_MAX];
extern const char *const sl_verdict_names[SL_VERDICT_MAX];
extern const char *const sl_scope_names[SL_SCOPE_MAX];
extern const char *const sl_initiator_names[SL_INIT_MAX];
extern const char *const sl_origin_names[SL_ORIGIN_MAX];

/* The policy's name, "?" when out of range. */
const char *sl_policy_name(__u32 policy);

/* Unique-prefix match of word in names: index, -1 unknown, -2 ambiguous. */
int sl_match_word(const char *word, const char *const *names, int n);
/* The names word is a prefix of, as "stats or status", into buf. */
void sl_word_candidates(const char *word, const char *const *names, int n, char *buf,
			size_t len);

#endif
