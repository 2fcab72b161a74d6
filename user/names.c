// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <string.h>

#include "names.h"

const char *const sl_policy_names[SL_POLICY_NAMES] = {
	[SL_POLICY_PASS] = "pass",
	[SL_POLICY_DROP] = "drop",
	[SL_POLICY_POLICE] = "police",
	[SL_POLICY_SHAPE] = "shape",
};

const char *const sl_mode_names[SL_MODE_NAMES] = { "police", "shape" };

const char *const sl_hook_names[SL_HOOK_MAX] = {
	[SL_HOOK_XDP] = "xdp",
	[SL_HOOK_TC_IN] = "tc-ingress",
	[SL_HOOK_TC_OUT] = "tc-egress",
};

const char *const sl_match_names[SL_MATCH_NAMES] = {
	[SL_MATCH_SRC] = "src",
	[SL_MATCH_DST] = "dst",
};

const char *const sl_xdp_mode_names[SL_XDP_MODE_NAMES] = { "native", "generic" };

const char *const sl_dir_names[SL_DIR_MAX] = {
	[SL_DIR_IN] = "in",
	[SL_DIR_OUT] = "out",
};

const char *const sl_verdict_names[SL_VERDICT_MAX] = {
	[SL_PASS] = "pass",
	[SL_DROP] = "drop",
};

const char *const sl_scope_names[SL_SCOPE_MAX] = {
	[SL_SCOPE_CLASS] = "class",
	[SL_SCOPE_HOST] = "host",
	[SL_SCOPE_FLOW] = "flow",
};

const char *const sl_initiator_names[SL_INIT_MAX] = {
	[SL_INIT_ANY] = "any",
	[SL_INIT_LOCAL] = "local",
};

const char *const sl_origin_names[SL_ORIGIN_MAX] = {
	[SL_ORIGIN_UNKNOWN] = "unknown",
	[SL_ORIGIN_LOCAL] = "local",
	[SL_ORIGIN_REMOTE] = "remote",
};

const char *sl_policy_name(__u32 policy)
{
	return policy < SL_POLICY_NAMES ? sl_policy_names[policy] : "?";
}

int sl_match_word(const char *word, const char *const *names, int n)
{
	size_t len = strlen(word);
	int i, found = -1;

	for (i = 0; i < n; i++) {
		if (!strcmp(word, names[i]))
			return i;
		if (len && !strncmp(word, names[i], len))
			found = found == -1 ? i : -2;
	}
	return found;
}

void sl_word_candidates(const char *word, const char *const *names, int n, char *buf,
			size_t len)
{
	size_t wl = strlen(word), used = 0;
	int i, k = 0, total = 0;

	for (i = 0; i < n; i++)
		total += names[i] && !strncmp(word, names[i], wl);
	buf[0] = '\0';
	for (i = 0; i < n && used < len; i++) {
		if (!names[i] || strncmp(word, names[i], wl))
			continue;
		k++;
		used += snprintf(buf + used, len - used, "%s%s", k == 1 ? "" :
				 k == total ? " or " : ", ", names[i]);
	}
}
