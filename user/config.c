// SPDX-License-Identifier: GPL-2.0
/*
 * sluice.conf(5), read by the strict INI reader below. Sections:
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
#include <sys/stat.h>

#include "config.h"
#include "diag.h"
#include "names.h"
#include "parse.h"
#include "util.h"


__attribute__((format(printf, 2, 3))) static int fail(struct sl_cfg *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->err, sizeof(c->err), fmt, ap);
	va_end(ap);
	return -EINVAL; /* the reader stops, and reports this line */
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

static int add_hook(struct sl_cfg *c, const char *dev, const char *word)
{
	int h = sl_match_word(word, sl_hook_names, SL_HOOK_MAX), i;
	struct sl_cfg_attach *a;

	if (h < 0)
		return fail(c, "bad hook '%.40s' (expected xdp, tc-ingress or tc-egress)", word);
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
	return 0;
}

static int add_attach(struct sl_cfg *c, const char *dev, const char *hooks)
{
	char *buf = strdup(hooks), *tok, *save;
	int err = 0;

	if (!buf)
		return fail(c, "out of memory");
	for (tok = strtok_r(buf, " \t,", &save); tok && !err; tok = strtok_r(NULL, " \t,", &save))
		err = add_hook(c, dev, tok);
	free(buf);
	return err;
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
	return 0;
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
		/* relative to the working directory, kept absolute in provenance */
		cl->feeds[cl->nfeeds] = sl_abs_path(v);
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
	return 0;
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
		const char *port = strrchr(v, ':');
		__u32 n;

		if (!port || strlen(v) >= sizeof(c->exporter) || sl_parse_u32(port + 1, 1, 65535, &n))
			return fail(c, "bad exporter '%.60s' (expected ADDR:PORT, port 1 to 65535)", v);
		snprintf(c->exporter, sizeof(c->exporter), "%s", v);
	} else {
		return fail(c, "unknown key '%s' in [global]", k);
	}
	return 0;
}

/* A section header names [global], [attach DEV] or [class NAME]. */
static int check_section(struct sl_cfg *c, const char *section)
{
	const char *arg = strchr(section, ' ');

	if (!strcmp(section, "global"))
		return 0;
	if (arg && arg[1] && !strncmp(section, "attach ", 7)) {
		if (strlen(arg + 1) >= IF_NAMESIZE || strpbrk(arg + 1, " \t/"))
			return fail(c, "bad device name '%.40s'", arg + 1);
		return 0;
	}
	if (arg && arg[1] && !strncmp(section, "class ", 6)) {
		if (!sl_valid_class_name(arg + 1) || !strcmp(arg + 1, "default"))
			return fail(c, "bad class name '%.40s'", arg + 1);
		return 0;
	}
	return fail(c, "unknown section [%.60s] (expected [global], [attach DEV] or [class NAME])",
		    section);
}

/* A key of a section that check_section() accepted. */
static int key_in(struct sl_cfg *c, const char *section, const char *name, const char *value)
{
	if (!strcmp(section, "global"))
		return global_key(c, name, value);
	if (!strncmp(section, "attach ", 7))
		return attach_key(c, section + 7, name, value);
	return class_key(c, section + 6, name, value);
}

/*
 * The INI reader: lines of any length (getline), numbered as the file is.
 * The syntax is sluice.conf(5)'s: [section], key = value or key: value,
 * # and ; comment lines, " ;" starts a comment after a value, an indented
 * line continues the previous key.
 */
struct reader {
	struct sl_cfg *c;
	char *section;	  /* the current section's name, NULL before any */
	int section_line; /* the line of its header */
	bool section_keys;/* it has a key */
	char *key;	  /* the last key, for continuation lines */
};

static char *trim(char *s)
{
	char *e;

	s += strspn(s, " \t");
	e = s + strlen(s);
	while (e > s && strchr(" \t\r\n", e[-1]))
		*--e = '\0';
	return s;
}

/* " ;" or "\t;" and the rest of the line are a comment. */
static void cut_comment(char *s)
{
	char *p;

	for (p = s; (p = strchr(p, ';')); p++)
		if (p > s && (p[-1] == ' ' || p[-1] == '\t')) {
			*p = '\0';
			return;
		}
}

/*
 * A [class] or [attach] section without keys would name nothing, and apply
 * would then remove the class or attachment it means: an error.
 */
static int section_end(struct reader *r)
{
	struct sl_cfg *c = r->c;

	if (!r->section || r->section_keys ||
	    (strncmp(r->section, "class", 5) && strncmp(r->section, "attach", 6)))
		return 0;
	c->line = r->section_line;
	return fail(c, "[%.60s] is empty (a class needs a policy, an attachment a hook)",
		    r->section);
}

static int read_header(struct reader *r, char *p)
{
	struct sl_cfg *c = r->c;
	char *end = strchr(p, ']'), *rest;
	int err;

	if (!end)
		return fail(c, "unclosed section header '%.60s' (expected ']')", p);
	*end = '\0';
	rest = trim(end + 1);
	if (*rest && *rest != '#' && *rest != ';')
		return fail(c, "text after the section header [%.60s]", p + 1);
	err = section_end(r);
	if (err)
		return err;
	free(r->section);
	free(r->key);
	r->key = NULL;
	r->section = strdup(trim(p + 1));
	if (!r->section)
		return fail(c, "out of memory");
	err = check_section(c, r->section);
	if (err)
		return err;
	r->section_line = c->line;
	r->section_keys = false;
	return 0;
}

static int read_key(struct reader *r, char *p)
{
	struct sl_cfg *c = r->c;
	size_t n = strcspn(p, "=:");
	char *key, *value;

	if (!p[n] || !n)
		return fail(c, "syntax error (expected [section] or key = value)");
	p[n] = '\0';
	key = trim(p);
	value = p + n + 1;
	cut_comment(value);
	value = trim(value);
	if (!*key)
		return fail(c, "syntax error (expected [section] or key = value)");
	if (!r->section)
		return fail(c, "key '%.40s' before any [section]", key);
	free(r->key);
	r->key = strdup(key);
	if (!r->key)
		return fail(c, "out of memory");
	r->section_keys = true;
	return key_in(c, r->section, key, value);
}

static int read_line(struct reader *r, char *line)
{
	char *p = trim(line);

	if (!*p || *p == '#' || *p == ';')
		return 0;
	/* an indented line after a key continues its value */
	if (line[0] == ' ' || line[0] == '\t') {
		if (r->key && *p != '[') {
			cut_comment(p);
			return key_in(r->c, r->section, r->key, trim(p));
		}
	}
	if (*p == '[')
		return read_header(r, p);
	return read_key(r, p);
}

static int read_file(struct sl_cfg *c, FILE *f)
{
	struct reader r = { .c = c };
	char *line = NULL;
	size_t cap = 0;
	int err = 0;

	while (!err && getline(&line, &cap, f) >= 0) {
		c->line++;
		/* a UTF-8 byte order mark at the start of the file */
		err = read_line(&r, c->line == 1 && !strncmp(line, "\xef\xbb\xbf", 3) ?
				       line + 3 : line);
	}
	if (!err && ferror(f))
		err = fail(c, "cannot read: %s", strerror(errno));
	if (!err)
		err = section_end(&r);
	free(line);
	free(r.section);
	free(r.key);
	return err;
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
	struct stat st;
	FILE *f;
	int err;

	memset(cfg, 0, sizeof(*cfg));
	cfg->path = path;
	cfg->sizes.max_classes = SL_DEF_MAX_CLASSES;
	cfg->sizes.v4_entries = SL_DEF_V4_ENTRIES;
	cfg->sizes.v6_entries = SL_DEF_V6_ENTRIES;
	cfg->sizes.max_flows = SL_DEF_MAX_FLOWS;
	f = fopen(path, "r");
	if (!f) {
		err = -errno;
		sl_err("%s: %s", path, strerror(-err));
		return err;
	}
	if (!fstat(fileno(f), &st) && S_ISDIR(st.st_mode)) {
		fclose(f);
		sl_err("%s is a directory, not a configuration file", path);
		return -EISDIR;
	}
	err = read_file(cfg, f);
	fclose(f);
	if (err)
		sl_err("%s:%d: %s", path, cfg->line, cfg->err);
	else
		err = check(cfg);
	if (err)
		sl_config_free(cfg);
	return err;
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
