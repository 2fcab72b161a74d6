// SPDX-License-Identifier: GPL-2.0
/*
 * sluice.conf(5), parsed with libinih. Sections:
 *   [global]        max_classes, v4_size, v6_size, exporter
 *   [attach DEV]    hook (one or more), match, xdp_mode, force
 *   [class NAME]    policy, rate, rate_in, rate_out, burst, feed (repeatable),
 *                   format, cc, strict, max_invalid, max_churn, allow_empty
 * Every error names FILE:LINE.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <ini.h>

#include "config.h"
#include "diag.h"
#include "names.h"
#include "parse.h"


__attribute__((format(printf, 2, 3))) static int fail(struct sl_cfg *c, const char *fmt, ...)
{
	va_list ap;

	/* inih goes on after an error and reports the first one's line */
	if (!c->err[0]) {
		va_start(ap, fmt);
		vsnprintf(c->err, sizeof(c->err), fmt, ap);
		va_end(ap);
	}
	return 0; /* inih: stop, and report this line */
}

static int parse_bool(const char *v, bool *out)
{
	if (!strcasecmp(v, "yes") || !strcasecmp(v, "true") || !strcmp(v, "1") ||
	    !strcasecmp(v, "on"))
		*out = true;
	else if (!strcasecmp(v, "no") || !strcasecmp(v, "false") || !strcmp(v, "0") ||
		 !strcasecmp(v, "off"))
		*out = false;
	else
		return -EINVAL;
	return 0;
}

static int add_attach(struct sl_cfg *c, const char *dev, const char *hooks)
{
	char buf[128], *tok, *save;

	snprintf(buf, sizeof(buf), "%s", hooks);
	for (tok = strtok_r(buf, " \t,", &save); tok; tok = strtok_r(NULL, " \t,", &save)) {
		int h = sl_match_word(tok, sl_hook_names, SL_HOOK_MAX), i;
		struct sl_cfg_attach *a;

		if (h < 0)
			return fail(c, "bad hook '%s' (expected xdp, tc-ingress or tc-egress)", tok);
		for (i = 0; i < c->nattach; i++)
			if (!strcmp(c->attach[i].dev, dev) && c->attach[i].hook == h)
				return fail(c, "%s is attached at %s twice", dev, sl_hook_names[h]);
		a = realloc(c->attach, (c->nattach + 1) * sizeof(*a));
		if (!a)
			return fail(c, "out of memory");
		c->attach = a;
		a = &c->attach[c->nattach++];
		memset(a, 0, sizeof(*a));
		snprintf(a->dev, sizeof(a->dev), "%s", dev);
		a->hook = h;
		a->match = -1;
		a->xdp_mode = -1;
		a->line = c->line;
	}
	return 1;
}

/* Attachment options apply to every hook of the current [attach DEV]. */
static int attach_key(struct sl_cfg *c, const char *dev, const char *k, const char *v)
{
	int i, n = 0, nxdp = 0, val = -1;
	bool force = false;

	if (!strcmp(k, "hook"))
		return add_attach(c, dev, v);
	if (!strcmp(k, "match") && (val = sl_match_word(v, sl_match_names, SL_MATCH_NAMES)) < 0)
		return fail(c, "bad match '%s' (expected src or dst)", v);
	if (!strcmp(k, "xdp_mode") && (val = sl_match_word(v, sl_xdp_mode_names, SL_XDP_MODE_NAMES)) < 0)
		return fail(c, "bad xdp_mode '%s' (expected native or generic)", v);
	if (!strcmp(k, "force") && parse_bool(v, &force))
		return fail(c, "bad force '%s' (expected yes or no)", v);
	if (strcmp(k, "match") && strcmp(k, "xdp_mode") && strcmp(k, "force"))
		return fail(c, "unknown key '%s' in [attach %s]", k, dev);
	for (i = 0; i < c->nattach; i++) {
		struct sl_cfg_attach *a = &c->attach[i];

		if (strcmp(a->dev, dev))
			continue;
		n++;
		nxdp += a->hook == SL_HOOK_XDP;
		if (!strcmp(k, "match"))
			a->match = val;
		else if (!strcmp(k, "xdp_mode"))
			a->xdp_mode = val;
		else
			a->force = force;
	}
	if (!n)
		return fail(c, "'%s' before 'hook' in [attach %s]", k, dev);
	/* as `attach --xdp-mode`: a setting that would do nothing is an error */
	if (!nxdp && !strcmp(k, "xdp_mode"))
		return fail(c, "xdp_mode applies to hook xdp only, and [attach %s] has none", dev);
	return 1;
}

static struct sl_cfg_class *class_get(struct sl_cfg *c, const char *name)
{
	struct sl_cfg_class *cl;
	int i;

	for (i = 0; i < c->nclasses; i++)
		if (!strcmp(c->classes[i].name, name))
			return &c->classes[i];
	cl = realloc(c->classes, (c->nclasses + 1) * sizeof(*cl));
	if (!cl)
		return NULL;
	c->classes = cl;
	cl = &c->classes[c->nclasses++];
	memset(cl, 0, sizeof(*cl));
	snprintf(cl->name, sizeof(cl->name), "%s", name);
	sl_feed_args_init(&cl->fa);
	cl->fa.allow_empty = false;
	cl->line = c->line;
	return cl;
}

/* per, initiator, idle: the scope of a police class. */
static int scope_key(struct sl_cfg *c, struct sl_cfg_class *cl, const char *k, const char *v)
{
	int i, err;

	if (!strcmp(k, "per")) {
		i = sl_match_word(v, sl_scope_names, SL_SCOPE_MAX);
		if (i < 0)
			return fail(c, "bad per '%s' (expected class, host or flow)", v);
		cl->spec.scope = i;
	} else if (!strcmp(k, "initiator")) {
		i = sl_match_word(v, sl_initiator_names, SL_INIT_MAX);
		if (i < 0)
			return fail(c, "bad initiator '%s' (expected any or local)", v);
		cl->spec.initiator = i;
	} else {
		err = sl_parse_duration(v, &cl->spec.idle_ns);
		if (err)
			return fail(c, "bad idle '%s' (%s)", v,
				    err == -ERANGE ? "1ms to 30d" : "expected e.g. 10m, 30s");
	}
	return 1;
}

static int class_key(struct sl_cfg *c, const char *name, const char *k, const char *v)
{
	struct sl_cfg_class *cl = class_get(c, name);
	__u64 r;
	int i;

	if (!cl)
		return fail(c, "out of memory");
	if (!strcmp(k, "policy")) {
		i = sl_match_word(v, sl_policy_names, SL_POLICY_NAMES);
		if (i < 0)
			return fail(c, "bad policy '%s' (expected pass, drop, police or shape)", v);
		cl->spec.policy = i;
		cl->has_policy = true;
	} else if (!strcmp(k, "rate") || !strcmp(k, "rate_in") || !strcmp(k, "rate_out")) {
		i = sl_parse_rate(v, &r);
		if (i)
			return fail(c, "bad %s '%s' (expected e.g. 128kbit, 10mbit, 1gbit)", k, v);
		if (strcmp(k, "rate_out"))
			cl->spec.rate[SL_DIR_IN] = r;
		if (strcmp(k, "rate_in"))
			cl->spec.rate[SL_DIR_OUT] = r;
	} else if (!strcmp(k, "burst")) {
		if (sl_parse_size(v, &cl->spec.burst))
			return fail(c, "bad burst '%s' (expected e.g. 1500, 64k, 1m)", v);
	} else if (!strcmp(k, "per") || !strcmp(k, "initiator") || !strcmp(k, "idle")) {
		return scope_key(c, cl, k, v);
	} else if (!strcmp(k, "feed")) {
		if (cl->nfeeds == SL_MAX_SOURCES)
			return fail(c, "more than 16 feeds in [class %s]", name);
		cl->feeds[cl->nfeeds] = strdup(v);
		if (!cl->feeds[cl->nfeeds++])
			return fail(c, "out of memory");
	} else if (!strcmp(k, "format")) {
		i = sl_match_word(v, sl_format_names, SL_FMT_MAX);
		if (i < 0)
			return fail(c, "bad format '%s' (expected auto, plain, ipset, csv, rir or json)",
				    v);
		cl->fa.fo.format = i;
	} else if (!strcmp(k, "cc")) {
		const char *why;

		if (sl_feed_parse_cc(v, &cl->fa.fo, &why))
			return fail(c, "bad cc '%s' (%s)", v, why);
	} else if (!strcmp(k, "strict")) {
		if (parse_bool(v, &cl->fa.fo.strict))
			return fail(c, "bad strict '%s' (expected yes or no)", v);
	} else if (!strcmp(k, "merge")) {
		if (parse_bool(v, &cl->fa.merge))
			return fail(c, "bad merge '%s' (expected yes or no)", v);
	} else if (!strcmp(k, "allow_empty")) {
		if (parse_bool(v, &cl->fa.allow_empty))
			return fail(c, "bad allow_empty '%s' (expected yes or no)", v);
	} else if (!strcmp(k, "max_invalid")) {
		if (sl_parse_pct(v, &cl->fa.max_invalid))
			return fail(c, "bad max_invalid '%s' (expected a percentage)", v);
	} else if (!strcmp(k, "max_churn")) {
		if (sl_parse_pct(v, &cl->fa.max_churn))
			return fail(c, "bad max_churn '%s' (expected a percentage)", v);
	} else {
		return fail(c, "unknown key '%s' in [class %s]", k, name);
	}
	return 1;
}

static int global_key(struct sl_cfg *c, const char *k, const char *v)
{
	if (!strcmp(k, "max_classes")) {
		if (sl_parse_u32(v, 2, 65536, &c->sizes.max_classes))
			return fail(c, "bad max_classes '%s' (2 to 65536)", v);
	} else if (!strcmp(k, "v4_size")) {
		if (sl_parse_u32(v, 1, 1u << 28, &c->sizes.v4_entries))
			return fail(c, "bad v4_size '%s'", v);
	} else if (!strcmp(k, "v6_size")) {
		if (sl_parse_u32(v, 1, 1u << 28, &c->sizes.v6_entries))
			return fail(c, "bad v6_size '%s'", v);
	} else if (!strcmp(k, "max_flows")) {
		if (sl_parse_u32(v, SL_MIN_MAX_FLOWS, SL_MAX_MAX_FLOWS, &c->sizes.max_flows))
			return fail(c, "bad max_flows '%s' (%u to %u)", v, SL_MIN_MAX_FLOWS,
				    SL_MAX_MAX_FLOWS);
	} else if (!strcmp(k, "exporter")) {
		snprintf(c->exporter, sizeof(c->exporter), "%s", v);
	} else {
		return fail(c, "unknown key '%s' in [global]", k);
	}
	return 1;
}

static int handler(void *user, const char *section, const char *name, const char *value)
{
	struct sl_cfg *c = user;
	const char *arg = strchr(section, ' ');

	if (!name) /* a new section (INI_CALL_HANDLER_ON_NEW_SECTION builds) */
		return 1;
	c->open_section[0] = 0; /* the section has a key */
	c->key_seen = true;
	if (!strcmp(section, "global"))
		return global_key(c, name, value);
	if (arg && arg[1] && !strncmp(section, "attach ", 7)) {
		if (strlen(arg + 1) >= IF_NAMESIZE)
			return fail(c, "bad device name '%s'", arg + 1);
		return attach_key(c, arg + 1, name, value);
	}
	if (arg && arg[1] && !strncmp(section, "class ", 6)) {
		if (!sl_valid_class_name(arg + 1) || !strcmp(arg + 1, "default"))
			return fail(c, "bad class name '%s'", arg + 1);
		return class_key(c, arg + 1, name, value);
	}
	return fail(c, "unknown section [%s] (expected [global], [attach DEV] or [class NAME])",
		    section);
}

/* inih reads through this, so that each class knows its line. */
struct read_ctx {
	FILE *f;
	struct sl_cfg *cfg;
};

/*
 * A [class] or [attach] section without keys would be dropped unseen by
 * inih, and apply would then remove the class or attachment it names: the
 * reader notes each header, the handler clears it at the first key, and a
 * header still open at the next one or at the end is an error.
 */
static bool empty_section(struct sl_cfg *c)
{
	if (c->open_section[0] && !c->empty_line &&
	    (!strncmp(c->open_section, "class", 5) || !strncmp(c->open_section, "attach", 6))) {
		c->empty_line = c->open_line;
		snprintf(c->empty_err, sizeof(c->empty_err),
			 "[%s] is empty (a class needs a policy, an attachment a hook)",
			 c->open_section);
	}
	return c->empty_line;
}

static char *line_reader(char *str, int num, void *stream)
{
	struct read_ctx *r = stream;
	struct sl_cfg *c = r->cfg;
	char *s = fgets(str, num, r->f);
	const char *p;

	if (!s) {
		empty_section(c);
		return NULL;
	}
	c->line++;
	p = s;
	if (c->line == 1 && !strncmp(p, "\xef\xbb\xbf", 3))
		p += 3; /* a UTF-8 byte order mark, which inih skips */
	p += strspn(p, " \t");
	/* As inih: an indented line after a key continues its value. */
	if (*p == '[' && (p == s || !c->key_seen)) {
		if (empty_section(c))
			return NULL; /* stop here: the error is reported */
		snprintf(c->open_section, sizeof(c->open_section), "%.*s",
			 (int)strcspn(p + 1, "]\r\n"), p + 1);
		c->open_line = c->line;
		c->key_seen = false;
	}
	return s;
}

/* Checks that need the whole file: each class has what its policy needs. */
static int check(struct sl_cfg *c)
{
	int i;

	for (i = 0; i < c->nclasses; i++) {
		struct sl_cfg_class *cl = &c->classes[i];
		bool rated = cl->spec.rate[0] || cl->spec.rate[1];
		const char *why = NULL;

		if (!cl->has_policy)
			why = "has no policy (pass, drop, police or shape)";
		else if ((cl->spec.policy == SL_POLICY_POLICE || cl->spec.policy == SL_POLICY_SHAPE) &&
			 !rated)
			why = "needs a rate (rate, rate_in or rate_out)";
		else if (cl->spec.policy <= SL_POLICY_DROP && (rated || cl->spec.burst))
			why = "has a rate or burst, which only police and shape use";
		else if (sl_class_spec_check(cl->name, &cl->spec)) {
			sl_err("%s:%d: [class %s] is refused (see above)", c->path, cl->line,
			       cl->name);
			return -EINVAL;
		}
		if (why) {
			sl_err("%s:%d: class %s %s", c->path, cl->line, cl->name, why);
			return -EINVAL;
		}
	}
	return 0;
}

const char *sl_default_config(void)
{
	const char *e = getenv("SLUICE_CONF");

	return e && *e ? e : SL_DEFAULT_CONFIG;
}

int sl_config_load(const char *path, struct sl_cfg *cfg)
{
	struct read_ctx r = { .cfg = cfg };
	int line;

	memset(cfg, 0, sizeof(*cfg));
	cfg->path = path;
	cfg->sizes.max_classes = SL_DEF_MAX_CLASSES;
	cfg->sizes.v4_entries = SL_DEF_V4_ENTRIES;
	cfg->sizes.v6_entries = SL_DEF_V6_ENTRIES;
	cfg->sizes.max_flows = SL_DEF_MAX_FLOWS;
	r.f = fopen(path, "r");
	if (!r.f) {
		sl_err("%s: %s", path, strerror(errno));
		return -errno;
	}
	line = ini_parse_stream(line_reader, &r, handler, cfg);
	fclose(r.f);
	/* The first error in the file: inih's, or an empty section before it. */
	if (cfg->empty_line && (!line || cfg->empty_line < line)) {
		line = cfg->empty_line;
		snprintf(cfg->err, sizeof(cfg->err), "%s", cfg->empty_err);
	}
	if (line) {
		sl_err("%s:%d: %s", path, line > 0 ? line : cfg->line,
		       cfg->err[0] ? cfg->err : "syntax error (expected [section] or key = value)");
		return -EINVAL;
	}
	return check(cfg);
}

void sl_config_free(struct sl_cfg *cfg)
{
	int i, j;

	for (i = 0; i < cfg->nclasses; i++)
		for (j = 0; j < cfg->classes[i].nfeeds; j++)
			free(cfg->classes[i].feeds[j]);
	free(cfg->classes);
	free(cfg->attach);
	memset(cfg, 0, sizeof(*cfg));
}
