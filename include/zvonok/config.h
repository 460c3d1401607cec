/*
 * Asterisk .conf files: parser, immutable parsed trees and config snapshots.
 *
 * SYNTAX (what Asterisk accepts, and so do we)
 *   [section]                plain section
 *   [tmpl](!)                template: not listed by zv_conf_section_next()
 *   [name](tmpl1,tmpl2)      copies tmpl1's then tmpl2's variables first
 *   [name](!,tmpl)           a template that inherits
 *   [name](+)                appends to the last section named name
 *   key = value              also key => value (var->object is set)
 *   key += value             appends value to the last value of key in the
 *                            section, or creates key when there is none
 *   ; comment, \; literal semicolon, ;-- block comment --; (may nest, may
 *   span lines)
 *   #include file            glob allowed; relative to the config dir;
 *   #include "file"          a missing file is an error
 *   #tryinclude file         like #include, a missing file is not an error
 * Repeated keys are all kept, in file order (templates' first).  A consumer
 * that applies options in order therefore gets Asterisk's behaviour: the
 * last value wins for a scalar option (zv_conf_get()), every value counts
 * for a list option such as allow=, permit=, exten=> (iterate the vars).
 * Section and key names compare case-insensitively, as in Asterisk.
 *
 * OWNERSHIP AND THREADS
 * A struct zv_conf is a refcounted object (zv_ref/zv_unref) and is
 * immutable once returned, so any thread may read it without locks.  Every
 * section and variable pointer obtained from a zv_conf is borrowed from it.
 *
 * A snapshot is the set of all config files the loaded modules asked for,
 * parsed at one moment.  The daemon holds one current snapshot; reload
 * builds a new one, lets every module validate it, and swaps it in only if
 * nothing failed.  Calls keep a reference to the snapshot they started
 * with.
 */
#ifndef ZVONOK_CONFIG_H
#define ZVONOK_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"

struct zv_conf_var {
	const char *name;
	const char *value;
	const char *file; /* file this line came from (after #include) */
	unsigned line;
	bool object; /* written as key => value */
	bool inherited; /* copied from a template */
	const struct zv_conf_var *next;
};

struct zv_conf_section {
	const char *name;
	const char *file;
	unsigned line;
	bool is_template;
	size_t ntemplates;
	const char *const *templates; /* names given in (...), in order */
	const struct zv_conf_var *vars; /* first variable, in order */
	const struct zv_conf_section *next; /* next in file order, templates too */
};

struct zv_conf; /* one file after includes; refcounted, immutable */

struct zv_conf_opts {
	/* Directory that relative #include paths start from.  NULL: the
	 * directory of the file being loaded. */
	const char *confdir;
	/* Reject #include/#tryinclude with an error (fuzzing, untrusted
	 * buffers). */
	bool no_includes;
};

/*
 * Parse the file at path.  Every problem found is added to diag (the parser
 * keeps going after an error so all of them are reported).
 * Returns 0 and sets *confp, or a negative errno: -ENOENT when path does
 * not exist (nothing added to diag), -EINVAL when diag holds errors (no
 * tree returned), -ENOMEM.
 */
int zv_conf_load(const char *path, const struct zv_conf_opts *opts,
		 struct zv_diag *diag, struct zv_conf **confp);

/* As zv_conf_load() for an in-memory buffer (which may contain NUL bytes:
 * they are an error).  name is used in diagnostics and as the base of
 * relative #include paths when opts->confdir is NULL. */
int zv_conf_parse_buffer(const char *name, const char *buf, size_t len,
			 const struct zv_conf_opts *opts, struct zv_diag *diag,
			 struct zv_conf **confp);

const char *zv_conf_path(const struct zv_conf *conf);

/* Iterate sections in file order, skipping templates.  prev NULL starts. */
const struct zv_conf_section *
zv_conf_section_next(const struct zv_conf *conf,
		     const struct zv_conf_section *prev);

/* First non-template section with this name, or NULL. */
const struct zv_conf_section *zv_conf_section_find(const struct zv_conf *conf,
						   const char *name);

/* Next variable named name after prev (NULL: from the start), or NULL. */
const struct zv_conf_var *zv_conf_var_next(const struct zv_conf_section *sec,
					   const char *name,
					   const struct zv_conf_var *prev);

/* Effective (last) value of key in sec, or NULL; sec may be NULL. */
const char *zv_conf_get(const struct zv_conf_section *sec, const char *key);

/* Shorthand: zv_conf_get(zv_conf_section_find(conf, section), key). */
const char *zv_conf_lookup(const struct zv_conf *conf, const char *section,
			   const char *key);

/* Asterisk's ast_true()/ast_false(): yes/true/y/t/1/on and
 * no/false/n/f/0/off, case-insensitive.  Returns 0 or -EINVAL. */
int zv_conf_parse_bool(const char *value, bool *outp);

/* Decimal integer within [min, max].  Returns 0, -EINVAL or -ERANGE. */
int zv_conf_parse_int(const char *value, long min, long max, long *outp);

/*
 * Known options of a section, for warnings about the unknown ones.
 * A name ending in '*' matches any key with that prefix.
 */
struct zv_conf_option {
	const char *name;
	const char *doc;
};

/* Warn (with file:line) about every variable of sec not in opts (an
 * array ending with a {NULL} entry).  Returns the number of warnings. */
unsigned zv_conf_check_options(const struct zv_conf_section *sec,
			       const struct zv_conf_option *opts,
			       struct zv_diag *diag);

/* ---- snapshots ---------------------------------------------------- */

struct zv_snapshot; /* refcounted, immutable */

/* Parsed file by base name ("logger.conf"), or NULL when it does not
 * exist.  Borrowed from the snapshot. */
const struct zv_conf *zv_snapshot_file(const struct zv_snapshot *snap,
				       const char *filename);

const char *zv_snapshot_confdir(const struct zv_snapshot *snap);

/* Generation number: 1 for the first snapshot, +1 per successful reload. */
uint64_t zv_snapshot_generation(const struct zv_snapshot *snap);

/* The current snapshot, referenced (drop it with zv_unref()).  Any thread.
 * NULL before the daemon has loaded its configuration. */
struct zv_snapshot *zv_snapshot_ref_current(void);

#endif
