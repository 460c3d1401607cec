/*
 * The dialplan model: extensions.conf turned into an immutable,
 * refcounted tree of contexts, extensions and priorities, plus lookups
 * with Asterisk's rules.
 *
 * DESIGN
 * The model is built once per (re)load from the config snapshot in the
 * module's prepare and never changes afterwards, so any thread may read
 * it without locks.  The engine keeps one current model; a channel takes
 * a reference when its dialplan starts and keeps it until it ends, so a
 * reload never changes the dialplan under a running call.
 *
 * Each context keeps its extensions sorted in Asterisk's search order
 * (dp_pattern_cmp(): exact names first, then patterns from the most to
 * the least specific; an extension with a caller-ID match before the
 * same name without one).  A lookup walks that order, then the includes
 * depth-first (skipping those whose time range is not now, and contexts
 * already visited); the first extension that matches AND has the wanted
 * priority wins, as in Asterisk's pbx_find_extension().
 */
#ifndef ZV_DP_MODEL_H
#define ZV_DP_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include <zvonok/diag.h>

#include "dialplan/dp_time.h"

struct zv_conf;

#define DP_PRIO_HINT (-1)
/* Deepest include chain followed by a lookup (Asterisk's AST_PBX_MAX_STACK). */
#define DP_MAX_INCLUDE_DEPTH 128

struct dp_prio {
	int prio; /* >= 1 */
	char *label; /* NULL when none */
	char *app; /* application name as written */
	char *data; /* its arguments, not substituted ("" when none) */
	const char *file; /* interned in the model */
	unsigned line;
};

struct dp_exten {
	char *name; /* "-" removed as Asterisk does */
	char *cid; /* caller-ID match, NULL when none */
	struct dp_prio *prios; /* sorted by prio */
	size_t nprios;
	char *hint; /* "SIP/100&Custom:x", NULL when none */
	const char *hint_file;
	unsigned hint_line;
	const struct dp_context *context;
};

struct dp_include {
	char *name;
	char *timespec; /* NULL: always */
	struct dp_time time;
	const char *file;
	unsigned line;
};

struct dp_context {
	char *name;
	const char *file;
	unsigned line;
	struct dp_exten **extens; /* search order */
	size_t nextens;
	struct dp_include *includes; /* file order */
	size_t nincludes;
	char **ignorepats;
	size_t nignorepats;
};

struct dp_global {
	char *name, *value;
};

struct dp_model {
	/* [general] */
	bool autofallthrough; /* default yes */
	bool clearglobalvars;
	bool static_config, writeprotect, extenpatternmatchnew, priorityjumping;
	char *userscontext;
	/* [globals], in file order */
	struct dp_global *globals;
	size_t nglobals;
	/* contexts in file order (merged by name) */
	struct dp_context **contexts;
	size_t ncontexts;
	char **files; /* interned file names */
	size_t nfiles;
};

/*
 * Build a model from a parsed extensions.conf (conf NULL: an empty
 * dialplan).  Problems go to diag with file:line; errors make it fail.
 * known_app (may be NULL) tells whether an application exists, for the
 * "unknown application" warning.  Returns 0 and a new reference in
 * *modelp, -EINVAL (errors in diag) or -ENOMEM.
 */
int dp_model_build(const struct zv_conf *conf, bool (*known_app)(const char *name),
		   struct zv_diag *diag, struct dp_model **modelp);
/* The same with extra contexts (sections of extra, may be NULL) merged
 * after conf's: what zv_pbx_dialplan_extra_register() providers give. */
int dp_model_build2(const struct zv_conf *conf, const struct zv_conf *extra,
		    bool (*known_app)(const char *name), struct zv_diag *diag,
		    struct dp_model **modelp);

const struct dp_context *dp_model_context(const struct dp_model *m, const char *name);

/* What a lookup wants. */
enum dp_match {
	DP_MATCH_EXISTS, /* exten matches now, with that priority */
	DP_MATCH_CANMATCH, /* exten could match now or with more digits */
	DP_MATCH_MATCHMORE, /* exten could match with more digits */
};

/*
 * Find exten (with caller ID cid, may be NULL) in context, following
 * includes.  For DP_MATCH_EXISTS the extension must have priority prio,
 * or the label when label is non-NULL.  now is the time used for
 * includes with a time range.  Returns the extension (borrowed from m)
 * and, for EXISTS, the priority in *priop (may be NULL); NULL when none.
 */
const struct dp_exten *dp_model_find(const struct dp_model *m, const char *context,
				     const char *exten, const char *cid, enum dp_match how,
				     int prio, const char *label, time_t now,
				     const struct dp_prio **priop);

/* The priority prio of e, or NULL. */
const struct dp_prio *dp_exten_prio(const struct dp_exten *e, int prio);

/* "extensions.conf" for "/etc/zvonok/extensions.conf" (`dialplan show`). */
const char *dp_model_base_name(const char *file);

/* Does exten match an ignorepat of context (or its includes)? */
bool dp_model_ignored(const struct dp_model *m, const char *context, const char *exten);

#endif
