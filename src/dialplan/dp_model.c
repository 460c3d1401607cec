/*
 * extensions.conf → dialplan model (see dp_model.h), and lookups in it.
 *
 * DESIGN
 * The builder walks the parsed file section by section: [general] and
 * [globals] are special, every other section is a context (sections with
 * the same name add to one context, as Asterisk merges them).  Each
 * `exten =>`/`same =>` line is split with Asterisk's rules (the name may
 * contain commas inside [...]; "App(args)" or the legacy "App,args"),
 * its priority resolved (number, n/next, s/same, hint, or an existing
 * label of the extension) and added to its extension, keeping the first
 * of two equal priorities with a warning as Asterisk does.  When every
 * line is in, each context's extensions are sorted into search order and
 * includes of unknown contexts are reported.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <zvonok/config.h>
#include <zvonok/obj.h>
#include <zvonok/pbx.h>
#include <zvonok/str.h>

#include "dialplan/dp_model.h"
#include "dialplan/dp_pattern.h"
#include "dialplan/dp_subst.h"

/* ---- freeing -------------------------------------------------------------- */

static void exten_free(struct dp_exten *e)
{
	if (!e)
		return;
	for (size_t i = 0; i < e->nprios; i++) {
		free(e->prios[i].label);
		free(e->prios[i].app);
		free(e->prios[i].data);
	}
	free(e->prios);
	free(e->name);
	free(e->cid);
	free(e->hint);
	free(e);
}

static void context_free(struct dp_context *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->nextens; i++)
		exten_free(c->extens[i]);
	free(c->extens);
	for (size_t i = 0; i < c->nincludes; i++) {
		free(c->includes[i].name);
		free(c->includes[i].timespec);
	}
	free(c->includes);
	for (size_t i = 0; i < c->nignorepats; i++)
		free(c->ignorepats[i]);
	free(c->ignorepats);
	free(c->name);
	free(c);
}

struct model_priv {
	struct dp_model pub; /* first */
	struct dp_context **by_name; /* sorted by strcmp */
};

static void model_destroy(void *obj)
{
	struct model_priv *mp = obj;
	struct dp_model *m = &mp->pub;
	for (size_t i = 0; i < m->ncontexts; i++)
		context_free(m->contexts[i]);
	free(m->contexts);
	free(mp->by_name);
	for (size_t i = 0; i < m->nglobals; i++) {
		free(m->globals[i].name);
		free(m->globals[i].value);
	}
	free(m->globals);
	for (size_t i = 0; i < m->nfiles; i++)
		free(m->files[i]);
	free(m->files);
	free(m->userscontext);
}

/* ---- building ------------------------------------------------------------- */

struct builder {
	struct model_priv *mp;
	struct zv_diag *diag;
	bool (*known_app)(const char *name);
	int err; /* -ENOMEM sticks */
	/* per section */
	struct dp_context *ctx;
	char *last_name, *last_cid;
	bool have_last;
	int lastpri; /* -2: no line yet */
};

static void *grow(void *v, size_t *capp, size_t n, size_t size)
{
	if (n < *capp)
		return v;
	size_t cap = *capp ? *capp * 2 : 8;
	void *nv = realloc(v, cap * size);
	if (nv)
		*capp = cap;
	return nv;
}

/* Arrays grow by doubling from 8: capacity derived from the count. */
static size_t cap_of(size_t n)
{
	size_t cap = 0;
	if (n) {
		cap = 8;
		while (cap < n)
			cap *= 2;
	}
	return cap;
}

#define PUSH(b, arr, n, val)                                                       \
	do {                                                                       \
		size_t cap_ = cap_of(n);                                           \
		void *nv_ = grow((arr), &cap_, (n), sizeof(*(arr)));               \
		if (!nv_) {                                                        \
			(b)->err = -ENOMEM;                                        \
			break;                                                     \
		}                                                                  \
		(arr) = nv_;                                                       \
		(arr)[(n)++] = (val);                                              \
	} while (0)

static const char *intern_file(struct builder *b, const char *file)
{
	struct dp_model *m = &b->mp->pub;
	if (!file)
		return NULL;
	for (size_t i = m->nfiles; i-- > 0;)
		if (!strcmp(m->files[i], file))
			return m->files[i];
	char *copy = strdup(file);
	if (!copy) {
		b->err = -ENOMEM;
		return NULL;
	}
	size_t before = m->nfiles;
	PUSH(b, m->files, m->nfiles, copy);
	if (m->nfiles == before) {
		free(copy);
		return NULL;
	}
	return copy;
}

/* Short form of a file name for messages and `dialplan show`. */
static const char *base_name(const char *file)
{
	const char *s = file ? strrchr(file, '/') : NULL;
	return s ? s + 1 : (file ? file : "");
}

static char *trim(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	char *e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

/* ${} in names and include targets: the [globals] seen so far, then the
 * running globals. */
static int build_get_var(void *ctx, const char *name, char *buf, size_t size)
{
	struct builder *b = ctx;
	struct dp_model *m = &b->mp->pub;
	for (size_t i = m->nglobals; i-- > 0;) {
		if (!strcmp(m->globals[i].name, name)) {
			snprintf(buf, size, "%s", m->globals[i].value);
			return 0;
		}
	}
	return zv_pbx_global_get(name, buf, size);
}

static const struct dp_subst_ops build_ops = {.get_var = build_get_var};

/* Substituted heap copy of s (when it holds a '$'), or a plain copy. */
static char *subst_copy(struct builder *b, const char *s)
{
	char *out = NULL;
	if (!strchr(s, '$'))
		out = strdup(s);
	else
		dp_subst_alloc(s, strlen(s), &build_ops, b, 0, &out, NULL);
	if (!out)
		b->err = -ENOMEM;
	return out;
}

/* Remove "-" (outside [...] in a pattern), as Asterisk does when it adds
 * an extension. */
static void strip_fluff(char *s)
{
	bool pattern = s[0] == '_';
	int depth = 0;
	char *w = s;
	for (char *r = s; *r; r++) {
		if (pattern && *r == '[')
			depth++;
		else if (pattern && *r == ']' && depth)
			depth--;
		if (*r == '-' && !depth)
			continue;
		*w++ = *r;
	}
	*w = '\0';
}

/* A caller-ID number as Asterisk's ast_shrink_phone_number() leaves it. */
static void shrink_number(char *s)
{
	if (s[0] == '_')
		return;
	char *w = s;
	for (char *r = s; *r; r++)
		if (!strchr("()- .", *r))
			*w++ = *r;
	*w = '\0';
}

static struct dp_context *context_get(struct builder *b, const char *name, const char *file,
				      unsigned line)
{
	struct dp_model *m = &b->mp->pub;
	for (size_t i = 0; i < m->ncontexts; i++)
		if (!strcmp(m->contexts[i]->name, name))
			return m->contexts[i];
	struct dp_context *c = calloc(1, sizeof(*c));
	if (!c || !(c->name = strdup(name))) {
		free(c);
		b->err = -ENOMEM;
		return NULL;
	}
	c->file = intern_file(b, file);
	c->line = line;
	size_t before = m->ncontexts;
	PUSH(b, m->contexts, m->ncontexts, c);
	if (m->ncontexts == before) {
		context_free(c);
		return NULL;
	}
	return c;
}

static struct dp_exten *exten_get(struct builder *b, const char *name, const char *cid)
{
	struct dp_context *c = b->ctx;
	for (size_t i = c->nextens; i-- > 0;) {
		struct dp_exten *e = c->extens[i];
		if (!strcmp(e->name, name) &&
		    ((!e->cid && !cid) || (e->cid && cid && !strcmp(e->cid, cid))))
			return e;
	}
	struct dp_exten *e = calloc(1, sizeof(*e));
	if (!e || !(e->name = strdup(name)) || (cid && !(e->cid = strdup(cid)))) {
		exten_free(e);
		b->err = -ENOMEM;
		return NULL;
	}
	e->context = c;
	size_t before = c->nextens;
	PUSH(b, c->extens, c->nextens, e);
	if (c->nextens == before) {
		exten_free(e);
		return NULL;
	}
	return e;
}

const struct dp_prio *dp_exten_prio(const struct dp_exten *e, int prio)
{
	size_t lo = 0, hi = e->nprios;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (e->prios[mid].prio == prio)
			return &e->prios[mid];
		if (e->prios[mid].prio < prio)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static const struct dp_prio *exten_label(const struct dp_exten *e, const char *label)
{
	for (size_t i = 0; i < e->nprios; i++)
		if (e->prios[i].label && !strcasecmp(e->prios[i].label, label))
			return &e->prios[i];
	return NULL;
}

/* Split "App(args)" or "App,args" into a name and its data. */
static void split_app(struct builder *b, char *appl, char **namep, char **datap,
		      const struct zv_conf_var *v)
{
	char *paren = strchr(appl, '(');
	char *comma = strchr(appl, ',');
	char *data = "";
	if (paren && (!comma || paren < comma)) {
		*paren = '\0';
		data = paren + 1;
		char *close = strrchr(data, ')');
		if (close) {
			if (*trim(close + 1))
				zv_diag_warn(b->diag, v->file, v->line,
					     "text after ')' ignored in '%s'", v->value);
			*close = '\0';
		} else {
			zv_diag_warn(b->diag, v->file, v->line,
				     "no closing parenthesis in '%s'", v->value);
		}
	} else if (comma) {
		*comma = '\0';
		data = comma + 1;
	}
	*namep = trim(appl);
	*datap = data;
}

/* Split off the extension name: up to the first ',' outside [...]. */
static char *split_name(char **restp)
{
	char *s = *restp;
	int depth = 0;
	for (char *p = s; *p; p++) {
		if (*p == '[')
			depth++;
		else if (*p == ']' && depth)
			depth--;
		else if (*p == ',' && !depth) {
			*p = '\0';
			*restp = p + 1;
			return s;
		}
	}
	*restp = NULL;
	return s;
}

static int parse_number(const char *s)
{
	if (!*s)
		return -1;
	long v = 0;
	for (const char *p = s; *p; p++) {
		if (!isdigit((unsigned char)*p))
			return -1;
		v = v * 10 + (*p - '0');
		if (v > 1000000000)
			return -1;
	}
	return (int)v;
}

static void add_line(struct builder *b, const struct zv_conf_var *v, bool same)
{
	char *copy = strdup(v->value);
	if (!copy) {
		b->err = -ENOMEM;
		return;
	}
	char *rest = copy, *name = NULL, *cid = NULL;
	char *ownname = NULL;
	if (same) {
		if (!b->have_last) {
			zv_diag_error(b->diag, v->file, v->line,
				      "'same =>' before any 'exten =>' in context '%s'",
				      b->ctx->name);
			goto out;
		}
		name = b->last_name;
		cid = b->last_cid;
	} else {
		char *raw = trim(split_name(&rest));
		ownname = subst_copy(b, raw);
		if (!ownname)
			goto out;
		char *slash = strchr(ownname, '/');
		if (slash) {
			*slash = '\0';
			cid = trim(slash + 1);
			shrink_number(cid);
		}
		name = trim(ownname);
		strip_fluff(name);
		if (!*name) {
			zv_diag_error(b->diag, v->file, v->line, "extension without a name: '%s'",
				      v->value);
			goto out;
		}
	}
	if (!rest) {
		zv_diag_error(b->diag, v->file, v->line, "no priority in '%s'", v->value);
		goto out;
	}
	char *pri = rest;
	char *comma = strchr(rest, ',');
	char *appl = NULL;
	if (comma) {
		*comma = '\0';
		appl = comma + 1;
	}
	pri = trim(pri);
	char *label = NULL;
	char *open = strchr(pri, '(');
	if (open) {
		*open = '\0';
		label = open + 1;
		char *close = strchr(label, ')');
		if (close)
			*close = '\0';
		else
			zv_diag_warn(b->diag, v->file, v->line, "label '%s' lacks ')'", label);
		label = trim(label);
		if (!*label)
			label = NULL;
		pri = trim(pri);
	}

	struct dp_exten *e = exten_get(b, name, cid && *cid ? cid : NULL);
	if (!e)
		goto out;
	/* Remember for `same =>` before anything can fail below. */
	if (!same) {
		free(b->last_name);
		free(b->last_cid);
		b->last_name = strdup(name);
		b->last_cid = cid && *cid ? strdup(cid) : NULL;
		b->have_last = b->last_name != NULL;
		if (!b->last_name)
			b->err = -ENOMEM;
	}

	if (!strcasecmp(pri, "hint")) {
		char *hint = appl ? trim(appl) : NULL;
		if (!hint || !*hint) {
			zv_diag_error(b->diag, v->file, v->line, "hint without devices: '%s'",
				      v->value);
			goto out;
		}
		if (e->hint) {
			zv_diag_warn(b->diag, v->file, v->line,
				     "extension '%s' in context '%s' already has a hint; this one is ignored",
				     name, b->ctx->name);
			goto out;
		}
		e->hint = subst_copy(b, hint);
		e->hint_file = intern_file(b, v->file);
		e->hint_line = v->line;
		goto out;
	}

	int ipri;
	if (!strcasecmp(pri, "n") || !strcasecmp(pri, "next")) {
		if (b->lastpri < 1) {
			zv_diag_error(b->diag, v->file, v->line,
				      "cannot use 'next' priority on the first entry");
			goto out;
		}
		ipri = b->lastpri + 1;
	} else if (!strcasecmp(pri, "s") || !strcasecmp(pri, "same")) {
		if (b->lastpri < 1) {
			zv_diag_error(b->diag, v->file, v->line,
				      "cannot use 'same' priority on the first entry");
			goto out;
		}
		ipri = b->lastpri;
	} else if ((ipri = parse_number(pri)) < 1) {
		const struct dp_prio *lp = *pri ? exten_label(e, pri) : NULL;
		if (!lp) {
			zv_diag_error(b->diag, v->file, v->line, "invalid priority/label '%s'", pri);
			goto out;
		}
		ipri = lp->prio;
	}

	char *appname, *data;
	if (!appl || !*trim(appl)) {
		zv_diag_error(b->diag, v->file, v->line,
			      "no application for priority %d of extension '%s'", ipri, name);
		goto out;
	}
	split_app(b, appl, &appname, &data, v);
	if (!*appname) {
		zv_diag_error(b->diag, v->file, v->line,
			      "no application for priority %d of extension '%s'", ipri, name);
		goto out;
	}
	b->lastpri = ipri;
	if (dp_exten_prio(e, ipri)) {
		zv_diag_warn(b->diag, v->file, v->line,
			     "Unable to register extension '%s' priority %d in '%s', already in use",
			     name, ipri, b->ctx->name);
		goto out;
	}
	if (b->known_app && !b->known_app(appname))
		zv_diag_warn(b->diag, v->file, v->line,
			     "application '%s' is not registered (yet)", appname);

	size_t cap = cap_of(e->nprios);
	struct dp_prio *np = grow(e->prios, &cap, e->nprios, sizeof(*np));
	if (!np) {
		b->err = -ENOMEM;
		goto out;
	}
	e->prios = np;
	size_t pos = e->nprios;
	while (pos > 0 && e->prios[pos - 1].prio > ipri)
		pos--;
	struct dp_prio p = {
		.prio = ipri,
		.label = label ? strdup(label) : NULL,
		.app = strdup(appname),
		.data = strdup(data),
		.file = intern_file(b, v->file),
		.line = v->line,
	};
	if ((label && !p.label) || !p.app || !p.data) {
		free(p.label);
		free(p.app);
		free(p.data);
		b->err = -ENOMEM;
		goto out;
	}
	memmove(&e->prios[pos + 1], &e->prios[pos], (e->nprios - pos) * sizeof(*np));
	e->prios[pos] = p;
	e->nprios++;
out:
	free(ownname);
	free(copy);
}

static void add_include(struct builder *b, const struct zv_conf_var *v)
{
	char *val = subst_copy(b, v->value);
	if (!val)
		return;
	char *name = val, *spec = NULL;
	char *sep = strpbrk(val, ",|");
	if (sep) {
		*sep = '\0';
		spec = trim(sep + 1);
	}
	name = trim(name);
	struct dp_include inc = {.file = intern_file(b, v->file), .line = v->line};
	if (!*name) {
		zv_diag_error(b->diag, v->file, v->line, "include without a context name");
		free(val);
		return;
	}
	if (spec && *spec && dp_time_parse(spec, &inc.time)) {
		zv_diag_error(b->diag, v->file, v->line, "invalid time range '%s' in include",
			      spec);
		free(val);
		return;
	}
	inc.name = strdup(name);
	inc.timespec = spec && *spec ? strdup(spec) : NULL;
	if (!inc.name || (spec && *spec && !inc.timespec)) {
		free(inc.name);
		free(inc.timespec);
		b->err = -ENOMEM;
		free(val);
		return;
	}
	struct dp_context *c = b->ctx;
	size_t before = c->nincludes;
	PUSH(b, c->includes, c->nincludes, inc);
	if (c->nincludes == before) {
		free(inc.name);
		free(inc.timespec);
	}
	free(val);
}

static void add_ignorepat(struct builder *b, const struct zv_conf_var *v)
{
	char *pat = strdup(v->value);
	if (!pat) {
		b->err = -ENOMEM;
		return;
	}
	char *t = trim(pat);
	memmove(pat, t, strlen(t) + 1);
	struct dp_context *c = b->ctx;
	size_t before = c->nignorepats;
	PUSH(b, c->ignorepats, c->nignorepats, pat);
	if (c->nignorepats == before)
		free(pat);
}

static void build_context(struct builder *b, const struct zv_conf_section *s)
{
	b->ctx = context_get(b, s->name, s->file, s->line);
	if (!b->ctx)
		return;
	free(b->last_name);
	free(b->last_cid);
	b->last_name = b->last_cid = NULL;
	b->have_last = false;
	b->lastpri = -2;
	for (const struct zv_conf_var *v = s->vars; v && !b->err; v = v->next) {
		if (!strcasecmp(v->name, "exten"))
			add_line(b, v, false);
		else if (!strcasecmp(v->name, "same"))
			add_line(b, v, true);
		else if (!strcasecmp(v->name, "include"))
			add_include(b, v);
		else if (!strcasecmp(v->name, "ignorepat"))
			add_ignorepat(b, v);
		else if (!strcasecmp(v->name, "switch") || !strcasecmp(v->name, "eswitch") ||
			 !strcasecmp(v->name, "lswitch"))
			zv_diag_warn(b->diag, v->file, v->line, "%s => %s: not supported, ignored",
				     v->name, v->value);
		else
			zv_diag_warn(b->diag, v->file, v->line,
				     "unknown directive '%s' in context '%s', ignored", v->name,
				     s->name);
	}
}

static const struct zv_conf_option general_opts[] = {
	{"static", "accepted: `dialplan save` is not offered"},
	{"writeprotect", "accepted: `dialplan save` is not offered"},
	{"clearglobalvars", "clear the globals on reload"},
	{"autofallthrough", "hang up when the priorities run out (default yes)"},
	{"extenpatternmatchnew", "accepted: one matcher serves both"},
	{"priorityjumping", "accepted for compatibility"},
	{"userscontext", "context for users.conf entries"},
	{"autohints", "accepted for compatibility"},
	{NULL},
};

static void general_bool(struct builder *b, const struct zv_conf_section *s, const char *key,
			 bool *outp)
{
	const struct zv_conf_var *last = NULL;
	for (const struct zv_conf_var *v = zv_conf_var_next(s, key, NULL); v;
	     v = zv_conf_var_next(s, key, v))
		last = v;
	if (last && zv_conf_parse_bool(last->value, outp))
		zv_diag_error(b->diag, last->file, last->line, "%s: '%s' is not a boolean", key,
			      last->value);
}

static void build_general(struct builder *b, const struct zv_conf_section *s)
{
	struct dp_model *m = &b->mp->pub;
	zv_conf_check_options(s, general_opts, b->diag);
	general_bool(b, s, "autofallthrough", &m->autofallthrough);
	general_bool(b, s, "clearglobalvars", &m->clearglobalvars);
	general_bool(b, s, "static", &m->static_config);
	general_bool(b, s, "writeprotect", &m->writeprotect);
	general_bool(b, s, "extenpatternmatchnew", &m->extenpatternmatchnew);
	general_bool(b, s, "priorityjumping", &m->priorityjumping);
	const char *uc = zv_conf_get(s, "userscontext");
	if (uc) {
		free(m->userscontext);
		if (!(m->userscontext = strdup(uc)))
			b->err = -ENOMEM;
	}
}

static void build_globals(struct builder *b, const struct zv_conf_section *s)
{
	struct dp_model *m = &b->mp->pub;
	for (const struct zv_conf_var *v = s->vars; v && !b->err; v = v->next) {
		struct dp_global g = {strdup(v->name), subst_copy(b, v->value)};
		if (!g.name || !g.value) {
			free(g.name);
			free(g.value);
			b->err = -ENOMEM;
			return;
		}
		size_t before = m->nglobals;
		PUSH(b, m->globals, m->nglobals, g);
		if (m->nglobals == before) {
			free(g.name);
			free(g.value);
		}
	}
}

static int exten_order(const void *pa, const void *pb)
{
	const struct dp_exten *a = *(const struct dp_exten *const *)pa;
	const struct dp_exten *b = *(const struct dp_exten *const *)pb;
	int c = dp_pattern_cmp(zv_str_c(a->name), zv_str_c(b->name));
	if (c)
		return c;
	if (!a->cid != !b->cid)
		return a->cid ? -1 : 1;
	if (a->cid)
		return dp_pattern_cmp(zv_str_c(a->cid), zv_str_c(b->cid));
	return 0;
}

static int ctx_order(const void *pa, const void *pb)
{
	const struct dp_context *a = *(const struct dp_context *const *)pa;
	const struct dp_context *b = *(const struct dp_context *const *)pb;
	return strcmp(a->name, b->name);
}

int dp_model_build(const struct zv_conf *conf, bool (*known_app)(const char *name),
		   struct zv_diag *diag, struct dp_model **modelp)
{
	return dp_model_build2(conf, NULL, known_app, diag, modelp);
}

int dp_model_build2(const struct zv_conf *conf, const struct zv_conf *extra,
		    bool (*known_app)(const char *name), struct zv_diag *diag,
		    struct dp_model **modelp)
{
	struct model_priv *mp = zv_obj_alloc(sizeof(*mp), model_destroy);
	if (!mp)
		return -ENOMEM;
	struct dp_model *m = &mp->pub;
	m->autofallthrough = true;
	struct builder b = {.mp = mp, .diag = diag, .known_app = known_app, .lastpri = -2};
	size_t errors = diag->errors;

	/* [globals] first: names and includes may use them. */
	for (const struct zv_conf_section *s = conf ? zv_conf_section_next(conf, NULL) : NULL;
	     s && !b.err; s = zv_conf_section_next(conf, s)) {
		if (!strcasecmp(s->name, "general"))
			build_general(&b, s);
		else if (!strcasecmp(s->name, "globals"))
			build_globals(&b, s);
	}
	for (const struct zv_conf_section *s = conf ? zv_conf_section_next(conf, NULL) : NULL;
	     s && !b.err; s = zv_conf_section_next(conf, s)) {
		if (strcasecmp(s->name, "general") && strcasecmp(s->name, "globals"))
			build_context(&b, s);
	}
	/* contexts other modules generate (res_parking's lots) */
	for (const struct zv_conf_section *s = extra ? zv_conf_section_next(extra, NULL) : NULL;
	     s && !b.err; s = zv_conf_section_next(extra, s))
		build_context(&b, s);
	free(b.last_name);
	free(b.last_cid);
	if (!b.err && m->ncontexts) {
		mp->by_name = malloc(m->ncontexts * sizeof(*mp->by_name));
		if (!mp->by_name)
			b.err = -ENOMEM;
	}
	if (!b.err) {
		for (size_t i = 0; i < m->ncontexts; i++) {
			struct dp_context *c = m->contexts[i];
			mp->by_name[i] = c;
			size_t keep = 0;
			for (size_t j = 0; j < c->nextens; j++) {
				if (c->extens[j]->nprios || c->extens[j]->hint)
					c->extens[keep++] = c->extens[j];
				else
					exten_free(c->extens[j]);
			}
			c->nextens = keep;
			if (c->nextens)
				qsort(c->extens, c->nextens, sizeof(*c->extens), exten_order);
		}
		if (m->ncontexts)
			qsort(mp->by_name, m->ncontexts, sizeof(*mp->by_name), ctx_order);
		for (size_t i = 0; i < m->ncontexts; i++) {
			const struct dp_context *c = m->contexts[i];
			for (size_t j = 0; j < c->nincludes; j++)
				if (!dp_model_context(m, c->includes[j].name))
					zv_diag_warn(diag, c->includes[j].file, c->includes[j].line,
						     "context '%s' includes '%s', which does not exist",
						     c->name, c->includes[j].name);
		}
	}
	if (b.err || diag->errors > errors) {
		zv_unref(mp);
		return b.err ? b.err : -EINVAL;
	}
	*modelp = m;
	return 0;
}

/* ---- lookups -------------------------------------------------------------- */

const struct dp_context *dp_model_context(const struct dp_model *m, const char *name)
{
	const struct model_priv *mp = (const struct model_priv *)m;
	if (!name || !mp->by_name)
		return NULL;
	size_t lo = 0, hi = m->ncontexts;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(mp->by_name[mid]->name, name);
		if (!c)
			return mp->by_name[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

struct find {
	const struct dp_model *m;
	const char *exten, *cid, *label;
	enum dp_match how;
	int prio;
	time_t now;
	const struct dp_context *visited[DP_MAX_INCLUDE_DEPTH];
	size_t nvisited;
	const struct dp_prio *found;
};

static bool cid_ok(const struct dp_exten *e, const char *cid)
{
	if (!e->cid)
		return true;
	return cid && dp_pattern_match(zv_str_c(e->cid), zv_str_c(cid));
}

static const struct dp_exten *find_in(struct find *f, const char *context)
{
	const struct dp_context *c = dp_model_context(f->m, context);
	if (!c)
		return NULL;
	for (size_t i = 0; i < f->nvisited; i++)
		if (f->visited[i] == c)
			return NULL;
	if (f->nvisited == DP_MAX_INCLUDE_DEPTH)
		return NULL;
	f->visited[f->nvisited++] = c;
	struct zv_str x = zv_str_c(f->exten);
	for (size_t i = 0; i < c->nextens; i++) {
		const struct dp_exten *e = c->extens[i];
		struct zv_str name = zv_str_c(e->name);
		bool ok;
		switch (f->how) {
		case DP_MATCH_CANMATCH:
			ok = dp_pattern_canmatch(name, x);
			break;
		case DP_MATCH_MATCHMORE:
			ok = dp_pattern_matchmore(name, x);
			break;
		default:
			ok = dp_pattern_match(name, x);
			break;
		}
		if (!ok || !cid_ok(e, f->cid))
			continue;
		if (f->how != DP_MATCH_EXISTS)
			return e;
		if (f->prio == DP_PRIO_HINT) {
			if (e->hint)
				return e;
			continue;
		}
		const struct dp_prio *p =
			f->label ? exten_label(e, f->label) : dp_exten_prio(e, f->prio);
		if (p) {
			f->found = p;
			return e;
		}
	}
	for (size_t i = 0; i < c->nincludes; i++) {
		const struct dp_include *inc = &c->includes[i];
		if (inc->timespec && !dp_time_check(&inc->time, f->now))
			continue;
		const struct dp_exten *e = find_in(f, inc->name);
		if (e)
			return e;
	}
	return NULL;
}

const struct dp_exten *dp_model_find(const struct dp_model *m, const char *context,
				     const char *exten, const char *cid, enum dp_match how,
				     int prio, const char *label, time_t now,
				     const struct dp_prio **priop)
{
	if (!m || !context || !exten)
		return NULL;
	struct find f = {
		.m = m, .exten = exten, .cid = cid, .label = label, .how = how,
		.prio = prio, .now = now,
	};
	const struct dp_exten *e = find_in(&f, context);
	if (priop)
		*priop = f.found;
	return e;
}

static bool ignored_in(const struct dp_model *m, const struct dp_context *c, const char *exten,
		       const struct dp_context **visited, size_t *nvisitedp)
{
	if (!c || *nvisitedp == DP_MAX_INCLUDE_DEPTH)
		return false;
	for (size_t i = 0; i < *nvisitedp; i++)
		if (visited[i] == c)
			return false;
	visited[(*nvisitedp)++] = c;
	for (size_t i = 0; i < c->nignorepats; i++) {
		struct zv_str ps = zv_str_c(c->ignorepats[i]);
		if (dp_pattern_canmatch(ps, zv_str_c(exten)))
			return true;
	}
	for (size_t i = 0; i < c->nincludes; i++)
		if (ignored_in(m, dp_model_context(m, c->includes[i].name), exten, visited,
			       nvisitedp))
			return true;
	return false;
}

bool dp_model_ignored(const struct dp_model *m, const char *context, const char *exten)
{
	const struct dp_context *visited[DP_MAX_INCLUDE_DEPTH];
	size_t n = 0;
	return m && ignored_in(m, dp_model_context(m, context), exten, visited, &n);
}

const char *dp_model_base_name(const char *file)
{
	return base_name(file);
}
