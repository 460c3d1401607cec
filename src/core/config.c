/*
 * Asterisk .conf parser: turns a file (and what it #includes) into an
 * immutable tree of sections and variables.  See include/zvonok/config.h
 * for the syntax and the API contract.
 *
 * DESIGN
 * A struct zv_conf is a zv_obj that owns an arena: every section, variable,
 * string and file name of the tree lives in the arena's chunks, and the
 * destructor frees the chunks.  Nothing is freed piecemeal.
 *
 * Parsing runs over the raw bytes of each file once.  A small state
 * machine strips comments the way Asterisk does (";" to end of line, "\;"
 * for a literal semicolon, ";--" ... "--;" block comments that nest and
 * may span lines; ";---" is an ordinary line comment) and collects one
 * logical line, which is then classified as a [section] header, a
 * #directive or a key=value line.  Text before a block comment and text
 * after it are joined into one logical line, as in Asterisk; that line is
 * reported at the physical line its first character came from.
 *
 * The current section is shared across #include, so an included file
 * continues the including file's section and a section it opens stays
 * current after it.  Errors never stop the parse: all of them go to the
 * diag, and the load then fails with -EINVAL.
 *
 * Choices where Asterisk is vague or differs:
 *  - (+) appends to the LAST section of that name (the header's contract);
 *    inheritance copies from the FIRST section or template of that name,
 *    as Asterisk's category lookup does.
 *  - Names in (...) are trimmed; an empty item is an error.
 *  - "key += value" edits the last value of key in place: it keeps its
 *    position but takes the file and line of the += line, and is no longer
 *    marked inherited.
 *  - Warnings (the line is otherwise ignored): a variable with an empty
 *    name, text after "]" or after ")" of a section header.
 *  - #tryinclude ignores a missing file or a glob that matches nothing,
 *    but a file that exists and cannot be read is still an error.
 *  - #exec and #tryexec are errors: commands are never run from config.
 *  - A tree with far more variables than its input has bytes (see
 *    MAX_VARS_BASE) is an error, so that a small file cannot exhaust memory
 *    by exponential inheritance.
 */
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <stdalign.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zvonok/config.h>
#include <zvonok/obj.h>
#include <zvonok/str.h>

/* Asterisk's limit too: a file included more than this deep is an error. */
#define MAX_INCLUDE_DEPTH 10

/* Inheritance can grow a tree exponentially ([b](a,a), [c](b,b), ...):
 * a tree may hold at most MAX_VARS_BASE variables plus MAX_VARS_PER_BYTE
 * per byte of input read (all files), counting inherited copies.  A real
 * config with 30 inherited options per 8-byte "[1234](t)" line stays well
 * under this. */
#define MAX_VARS_BASE 2000
#define MAX_VARS_PER_BYTE 32

#define ARENA_CHUNK_MIN 4096

struct arena_chunk {
	struct arena_chunk *next;
	size_t size, used;
	alignas(max_align_t) unsigned char data[];
};

struct file_name {
	struct file_name *next;
	const char *name;
};

struct zv_conf {
	struct arena_chunk *arena;
	const char *path;
	struct zv_conf_section *first, *last;
	struct file_name *files; /* interned file names */
};

struct file_id {
	dev_t dev;
	ino_t ino;
};

struct parse_ctx {
	struct zv_conf *conf;
	const struct zv_conf_opts *opts;
	struct zv_diag *diag;
	char *basedir; /* where relative #include paths start */
	struct zv_conf_section *cur; /* current section, shared by includes */
	struct zv_conf_var *cur_last; /* last variable of cur */
	bool skip_vars; /* broken header: drop its variables silently */
	bool nomem;
	size_t nvars;
	size_t nbytes; /* input read so far, all files */
	bool too_many; /* the variable limit was reported */
	const char *at_file; /* line being parsed, for diagnostics */
	unsigned at_line;
	unsigned depth; /* include depth of the file being parsed */
	unsigned nopen;
	struct file_id open[MAX_INCLUDE_DEPTH + 1]; /* files being read */
};

/* ---- arena --------------------------------------------------------- */

static void *arena_alloc(struct parse_ctx *ctx, size_t size)
{
	struct zv_conf *conf = ctx->conf;
	const size_t align = alignof(max_align_t);
	size = (size + align - 1) & ~(align - 1);
	struct arena_chunk *c = conf->arena;
	if (!c || c->size - c->used < size) {
		size_t csize = c ? c->size * 2 : ARENA_CHUNK_MIN;
		if (csize > 1024 * 1024)
			csize = 1024 * 1024;
		if (csize < size)
			csize = size;
		c = calloc(1, sizeof(*c) + csize);
		if (!c) {
			ctx->nomem = true;
			return NULL;
		}
		c->size = csize;
		c->next = conf->arena;
		conf->arena = c;
	}
	void *p = c->data + c->used;
	c->used += size;
	return p;
}

static char *arena_strndup(struct parse_ctx *ctx, const char *s, size_t len)
{
	char *d = arena_alloc(ctx, len + 1);
	if (d && len)
		memcpy(d, s, len);
	return d;
}

static void conf_destroy(void *obj)
{
	struct zv_conf *conf = obj;
	struct arena_chunk *c = conf->arena;
	while (c) {
		struct arena_chunk *next = c->next;
		free(c);
		c = next;
	}
}

static const char *intern_file(struct parse_ctx *ctx, const char *name)
{
	struct file_name *f;
	for (f = ctx->conf->files; f; f = f->next)
		if (!strcmp(f->name, name))
			return f->name;
	f = arena_alloc(ctx, sizeof(*f));
	if (!f)
		return NULL;
	f->name = arena_strndup(ctx, name, strlen(name));
	if (!f->name)
		return NULL;
	f->next = ctx->conf->files;
	ctx->conf->files = f;
	return f->name;
}

/* ---- sections and variables ------------------------------------------ */

static struct zv_conf_var *last_var_of(struct zv_conf_section *sec)
{
	struct zv_conf_var *v = (struct zv_conf_var *)sec->vars;
	while (v && v->next)
		v = (struct zv_conf_var *)v->next;
	return v;
}

static struct zv_conf_var *var_append(struct parse_ctx *ctx, const char *name,
				      const char *value, const char *file,
				      unsigned line, bool object,
				      bool inherited)
{
	if (ctx->nvars >= MAX_VARS_BASE + MAX_VARS_PER_BYTE * ctx->nbytes) {
		if (!ctx->too_many)
			zv_diag_error(ctx->diag, ctx->at_file, ctx->at_line,
				      "too many variables after inheritance "
				      "(%zu for %zu bytes of input)",
				      ctx->nvars, ctx->nbytes);
		ctx->too_many = true;
		return NULL;
	}
	struct zv_conf_var *v = arena_alloc(ctx, sizeof(*v));
	if (!v)
		return NULL;
	ctx->nvars++;
	*v = (struct zv_conf_var){
		.name = name,
		.value = value,
		.file = file,
		.line = line,
		.object = object,
		.inherited = inherited,
	};
	if (ctx->cur_last)
		ctx->cur_last->next = v;
	else
		ctx->cur->vars = v;
	ctx->cur_last = v;
	return v;
}

/* Any section or template named name; first (Asterisk) or last. */
static struct zv_conf_section *section_lookup(struct zv_conf *conf,
					      struct zv_str name, bool last)
{
	struct zv_conf_section *found = NULL;
	for (struct zv_conf_section *s = conf->first; s;
	     s = (struct zv_conf_section *)s->next) {
		if (!zv_str_eq_cstr_ci(name, s->name))
			continue;
		found = s;
		if (!last)
			break;
	}
	return found;
}

/* Copy tmpl's variables into the current section, marked inherited.
 * tmpl may be the current section itself ((+,self)): stop at the variable
 * that was last when copying began. */
static void inherit(struct parse_ctx *ctx, const struct zv_conf_section *tmpl)
{
	const struct zv_conf_var *stop = ctx->cur_last;
	for (const struct zv_conf_var *v = tmpl->vars; v; v = v->next) {
		if (!var_append(ctx, v->name, v->value, v->file, v->line,
				v->object, true))
			return;
		if (v == stop)
			break;
	}
}

static void parse_section(struct parse_ctx *ctx, const char *file,
			  unsigned line, struct zv_str s)
{
	struct zv_diag *diag = ctx->diag;
	ctx->cur = NULL;
	ctx->cur_last = NULL;
	ctx->skip_vars = true;

	ptrdiff_t close = zv_str_find(s, ']');
	if (close < 0) {
		zv_diag_error(diag, file, line, "missing ']' in section header");
		return;
	}
	struct zv_str name = zv_str_trim(zv_str_make(s.p + 1, (size_t)close - 1));
	if (!name.len) {
		zv_diag_error(diag, file, line, "empty section name");
		return;
	}
	struct zv_str rest =
		zv_str_trim(zv_str_make(s.p + close + 1, s.len - (size_t)close - 1));
	struct zv_str opts = ZV_STR_NULL;
	if (rest.len && rest.p[0] == '(') {
		ptrdiff_t rp = zv_str_find(rest, ')');
		if (rp < 0) {
			zv_diag_error(diag, file, line,
				      "missing ')' in section header [%.*s]",
				      ZV_STR_FMT(name));
			return;
		}
		opts = zv_str_make(rest.p + 1, (size_t)rp - 1);
		rest = zv_str_trim(zv_str_make(rest.p + rp + 1, rest.len - (size_t)rp - 1));
	}
	if (rest.len)
		zv_diag_warn(diag, file, line, "text after section header [%.*s] ignored",
			     ZV_STR_FMT(name));

	/* First pass over the options: flags, and count the templates. */
	bool is_template = false, append = false, bad = false;
	size_t ntmpl = 0;
	struct zv_str it = opts;
	while (opts.p) {
		ptrdiff_t comma = zv_str_find(it, ',');
		size_t n = comma < 0 ? it.len : (size_t)comma;
		struct zv_str item = zv_str_trim(zv_str_make(it.p, n));
		if (!item.len) {
			zv_diag_error(diag, file, line,
				      "empty item in options of section [%.*s]",
				      ZV_STR_FMT(name));
			bad = true;
		} else if (zv_str_eq_cstr(item, "!")) {
			is_template = true;
		} else if (zv_str_eq_cstr(item, "+")) {
			append = true;
		} else if (!section_lookup(ctx->conf, item, false)) {
			zv_diag_error(diag, file, line,
				      "section [%.*s] inherits from unknown template '%.*s'",
				      ZV_STR_FMT(name), ZV_STR_FMT(item));
			bad = true;
		} else {
			ntmpl++;
		}
		if (comma < 0)
			break;
		it = zv_str_make(it.p + comma + 1, it.len - (size_t)comma - 1);
	}

	struct zv_conf_section *sec;
	if (append) {
		sec = section_lookup(ctx->conf, name, true);
		if (!sec) {
			zv_diag_error(diag, file, line,
				      "cannot append to section [%.*s]: no such section",
				      ZV_STR_FMT(name));
			return;
		}
	} else {
		sec = arena_alloc(ctx, sizeof(*sec));
		if (!sec)
			return;
		sec->name = arena_strndup(ctx, name.p, name.len);
		sec->file = file;
		sec->line = line;
		if (!sec->name)
			return;
	}
	if (bad)
		return;
	if (is_template)
		sec->is_template = true;

	const char **names = NULL;
	if (ntmpl) {
		names = arena_alloc(ctx, (sec->ntemplates + ntmpl) * sizeof(*names));
		if (!names)
			return;
		for (size_t i = 0; i < sec->ntemplates; i++)
			names[i] = sec->templates[i];
	}

	/* Link a new section in before copying: inherit() appends to cur. */
	if (!append) {
		if (ctx->conf->last)
			ctx->conf->last->next = sec;
		else
			ctx->conf->first = sec;
		ctx->conf->last = sec;
	}
	ctx->cur = sec;
	ctx->cur_last = last_var_of(sec);
	ctx->skip_vars = false;

	/* Second pass: inherit, in the order listed. */
	it = opts;
	while (ntmpl) {
		ptrdiff_t comma = zv_str_find(it, ',');
		size_t n = comma < 0 ? it.len : (size_t)comma;
		struct zv_str item = zv_str_trim(zv_str_make(it.p, n));
		if (!zv_str_eq_cstr(item, "!") && !zv_str_eq_cstr(item, "+")) {
			struct zv_conf_section *t = section_lookup(ctx->conf, item, false);
			names[sec->ntemplates++] = t->name;
			inherit(ctx, t);
		}
		if (comma < 0)
			break;
		it = zv_str_make(it.p + comma + 1, it.len - (size_t)comma - 1);
	}
	if (names)
		sec->templates = names;
}

static void parse_var(struct parse_ctx *ctx, const char *file, unsigned line,
		      struct zv_str s)
{
	ptrdiff_t eq = zv_str_find(s, '=');
	if (eq < 0) {
		if (!ctx->skip_vars)
			zv_diag_error(ctx->diag, file, line,
				      "no '=' in line '%.*s'", ZV_STR_FMT(s));
		return;
	}
	struct zv_str name = zv_str_make(s.p, (size_t)eq);
	struct zv_str value = zv_str_make(s.p + eq + 1, s.len - (size_t)eq - 1);
	bool append = false, object = false;
	if (name.len && name.p[name.len - 1] == '+') {
		append = true;
		name.len--;
	}
	if (value.len && value.p[0] == '>') {
		object = true;
		value.p++;
		value.len--;
	}
	name = zv_str_trim(name);
	value = zv_str_trim(value);

	if (!ctx->cur) {
		if (!ctx->skip_vars)
			zv_diag_error(ctx->diag, file, line,
				      "variable '%.*s' outside of any section",
				      ZV_STR_FMT(name));
		return;
	}
	if (!name.len) {
		zv_diag_warn(ctx->diag, file, line,
			     "variable with an empty name ignored");
		return;
	}

	if (append) {
		struct zv_conf_var *last = NULL;
		for (const struct zv_conf_var *v = ctx->cur->vars; v; v = v->next)
			if (zv_str_eq_cstr_ci(name, v->name))
				last = (struct zv_conf_var *)v;
		if (last) {
			size_t olen = strlen(last->value);
			char *nv = arena_alloc(ctx, olen + value.len + 1);
			if (!nv)
				return;
			memcpy(nv, last->value, olen);
			if (value.len)
				memcpy(nv + olen, value.p, value.len);
			last->value = nv;
			last->file = file;
			last->line = line;
			last->object = object;
			last->inherited = false;
			return;
		}
	}
	const char *n = arena_strndup(ctx, name.p, name.len);
	const char *v = arena_strndup(ctx, value.p, value.len);
	if (n && v)
		var_append(ctx, n, v, file, line, object, false);
}

/* ---- files and includes ---------------------------------------------- */

static void parse_text(struct parse_ctx *ctx, const char *file,
		       const char *buf, size_t len);

/* Read a whole file.  Returns 0 (free *bufp), or a negative errno. */
static int read_file(const char *path, char **bufp, size_t *lenp,
		     struct file_id *idp)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	int err = 0;
	struct stat st;
	char *buf = NULL;
	size_t len = 0, cap = 0;
	if (fstat(fd, &st) < 0) {
		err = -errno;
		goto out;
	}
	idp->dev = st.st_dev;
	idp->ino = st.st_ino;
	for (;;) {
		if (len == cap) {
			cap = cap ? cap * 2 : (S_ISREG(st.st_mode) && st.st_size > 0 ?
						       (size_t)st.st_size + 1 : 4096);
			char *nb = realloc(buf, cap);
			if (!nb) {
				err = -ENOMEM;
				goto out;
			}
			buf = nb;
		}
		ssize_t got = read(fd, buf + len, cap - len);
		if (got < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			goto out;
		}
		if (!got)
			break;
		len += (size_t)got;
	}
out:
	close(fd);
	if (err) {
		free(buf);
		return err;
	}
	*bufp = buf;
	*lenp = len;
	return 0;
}

static void include_file(struct parse_ctx *ctx, const char *path, bool try,
			 const char *from, unsigned line)
{
	char *buf = NULL;
	size_t len = 0;
	struct file_id id;
	int err = read_file(path, &buf, &len, &id);
	if (err == -ENOMEM) {
		ctx->nomem = true;
		return;
	}
	if (err) {
		if (!(try && err == -ENOENT))
			zv_diag_error(ctx->diag, from, line, "cannot read '%s': %s",
				      path, strerror(-err));
		return;
	}
	for (unsigned i = 0; i < ctx->nopen; i++) {
		if (ctx->open[i].dev == id.dev && ctx->open[i].ino == id.ino) {
			zv_diag_error(ctx->diag, from, line,
				      "include cycle: '%s' is already being read",
				      path);
			goto out;
		}
	}
	const char *name = intern_file(ctx, path);
	if (!name)
		goto out;
	ctx->open[ctx->nopen++] = id;
	ctx->depth++;
	parse_text(ctx, name, buf, len);
	ctx->depth--;
	ctx->nopen--;
out:
	free(buf);
}

static void parse_include(struct parse_ctx *ctx, const char *file,
			  unsigned line, struct zv_str arg, bool try)
{
	const char *what = try ? "#tryinclude" : "#include";
	if (ctx->opts && ctx->opts->no_includes) {
		zv_diag_error(ctx->diag, file, line, "%s is disabled for this input",
			      what);
		return;
	}
	if (arg.len && (arg.p[0] == '"' || arg.p[0] == '<')) {
		arg.p++;
		arg.len--;
	}
	if (arg.len && (arg.p[arg.len - 1] == '"' || arg.p[arg.len - 1] == '>'))
		arg.len--;
	arg = zv_str_trim(arg);
	if (!arg.len) {
		zv_diag_error(ctx->diag, file, line, "%s without a file name", what);
		return;
	}
	if (ctx->depth >= MAX_INCLUDE_DEPTH) {
		zv_diag_error(ctx->diag, file, line,
			      "%s nested more than %d levels deep", what,
			      MAX_INCLUDE_DEPTH);
		return;
	}
	char *pattern;
	int n;
	if (arg.p[0] == '/')
		n = asprintf(&pattern, "%.*s", ZV_STR_FMT(arg));
	else
		n = asprintf(&pattern, "%s/%.*s", ctx->basedir, ZV_STR_FMT(arg));
	if (n < 0) {
		ctx->nomem = true;
		return;
	}
	glob_t g;
	int rc = glob(pattern, GLOB_BRACE, NULL, &g);
	if (rc == GLOB_NOMATCH) {
		if (!try)
			zv_diag_error(ctx->diag, file, line,
				      "%s: no such file '%s'", what, pattern);
	} else if (rc == GLOB_NOSPACE) {
		ctx->nomem = true;
	} else if (rc) {
		zv_diag_error(ctx->diag, file, line, "%s: cannot read '%s'",
			      what, pattern);
	} else {
		for (size_t i = 0; i < g.gl_pathc && !ctx->nomem; i++)
			include_file(ctx, g.gl_pathv[i], try, file, line);
	}
	globfree(&g);
	free(pattern);
}

static void parse_directive(struct parse_ctx *ctx, const char *file,
			    unsigned line, struct zv_str s)
{
	size_t i = 1;
	while (i < s.len && s.p[i] != ' ' && s.p[i] != '\t')
		i++;
	struct zv_str dir = zv_str_make(s.p + 1, i - 1);
	struct zv_str arg = zv_str_trim(zv_str_make(s.p + i, s.len - i));
	if (zv_str_eq_cstr_ci(dir, "include"))
		parse_include(ctx, file, line, arg, false);
	else if (zv_str_eq_cstr_ci(dir, "tryinclude"))
		parse_include(ctx, file, line, arg, true);
	else if (zv_str_eq_cstr_ci(dir, "exec") ||
		 zv_str_eq_cstr_ci(dir, "tryexec"))
		zv_diag_error(ctx->diag, file, line,
			      "#%.*s is not supported: running commands from "
			      "config files is disabled",
			      ZV_STR_FMT(dir));
	else
		zv_diag_error(ctx->diag, file, line, "unknown directive '#%.*s'",
			      ZV_STR_FMT(dir));
}

static void parse_line(struct parse_ctx *ctx, const char *file, unsigned line,
		       struct zv_str s)
{
	s = zv_str_trim(s);
	if (!s.len)
		return;
	ctx->at_file = file;
	ctx->at_line = line;
	if (s.p[0] == '[')
		parse_section(ctx, file, line, s);
	else if (s.p[0] == '#')
		parse_directive(ctx, file, line, s);
	else
		parse_var(ctx, file, line, s);
}

struct line_buf {
	char *p;
	size_t len, cap;
};

static bool line_put(struct parse_ctx *ctx, struct line_buf *lb, char c)
{
	if (lb->len == lb->cap) {
		size_t cap = lb->cap ? lb->cap * 2 : 256;
		char *np = realloc(lb->p, cap);
		if (!np) {
			ctx->nomem = true;
			return false;
		}
		lb->p = np;
		lb->cap = cap;
	}
	lb->p[lb->len++] = c;
	return true;
}

/* ";--" opens a block comment, but ";---..." is a line comment. */
static bool block_open_at(const char *buf, size_t len, size_t i)
{
	return i + 2 < len && buf[i + 1] == '-' && buf[i + 2] == '-' &&
	       (i + 3 >= len || buf[i + 3] != '-');
}

static void parse_text(struct parse_ctx *ctx, const char *file,
		       const char *buf, size_t len)
{
	struct line_buf lb = {0};
	unsigned lineno = 1, start_line = 0;
	unsigned nest = 0, open_line = 0;
	size_t cstart = 0; /* where a "--;" may begin inside a block comment */
	bool line_comment = false, nul_seen = false;

	ctx->nbytes += len;

	for (size_t i = 0; i <= len && !ctx->nomem; i++) {
		if (i == len || buf[i] == '\n') {
			if (!nest && lb.len)
				parse_line(ctx, file, start_line,
					   zv_str_make(lb.p, lb.len));
			if (!nest) {
				lb.len = 0;
				start_line = 0;
			}
			line_comment = false;
			cstart = i + 1;
			lineno++;
			continue;
		}
		char c = buf[i];
		if (c == '\0') {
			if (!nul_seen)
				zv_diag_error(ctx->diag, file, lineno,
					      "NUL byte in file");
			nul_seen = true;
			continue;
		}
		if (nest) {
			if (c != ';' || (i > 0 && buf[i - 1] == '\\'))
				continue;
			if (block_open_at(buf, len, i)) {
				nest++;
				i += 2;
				cstart = i + 1;
			} else if (i >= cstart + 2 && buf[i - 1] == '-' &&
				   buf[i - 2] == '-') {
				nest--;
				cstart = i + 1;
			} else {
				cstart = i + 1;
			}
			continue;
		}
		if (line_comment)
			continue;
		if (c == '\\' && i + 1 < len && buf[i + 1] == ';') {
			c = ';';
			i++;
		} else if (c == ';') {
			if (block_open_at(buf, len, i)) {
				nest = 1;
				open_line = lineno;
				i += 2;
				cstart = i + 1;
			} else {
				line_comment = true;
			}
			continue;
		}
		if (!start_line)
			start_line = lineno;
		line_put(ctx, &lb, c);
	}
	if (nest)
		zv_diag_error(ctx->diag, file, open_line,
			      "block comment ';--' is never closed");
	free(lb.p);
}

/* ---- public API ------------------------------------------------------ */

static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	if (!slash)
		return strdup(".");
	if (slash == path)
		return strdup("/");
	return strndup(path, (size_t)(slash - path));
}

static int parse_ctx_init(struct parse_ctx *ctx, const char *name,
			  const struct zv_conf_opts *opts, struct zv_diag *diag)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->opts = opts;
	ctx->diag = diag;
	ctx->conf = zv_obj_alloc(sizeof(*ctx->conf), conf_destroy);
	if (!ctx->conf)
		return -ENOMEM;
	if (opts && opts->confdir)
		ctx->basedir = strdup(opts->confdir);
	else
		ctx->basedir = dir_of(name);
	ctx->conf->path = intern_file(ctx, name);
	if (!ctx->basedir || !ctx->conf->path) {
		free(ctx->basedir);
		ctx->conf = zv_unref(ctx->conf);
		return -ENOMEM;
	}
	return 0;
}

static int parse_finish(struct parse_ctx *ctx, size_t errors_before,
			struct zv_conf **confp)
{
	int err = 0;
	free(ctx->basedir);
	if (ctx->nomem)
		err = -ENOMEM;
	else if (ctx->diag->errors > errors_before)
		err = -EINVAL;
	if (err) {
		ctx->conf = zv_unref(ctx->conf);
		return err;
	}
	*confp = ctx->conf;
	return 0;
}

int zv_conf_parse_buffer(const char *name, const char *buf, size_t len,
			 const struct zv_conf_opts *opts, struct zv_diag *diag,
			 struct zv_conf **confp)
{
	struct parse_ctx ctx;
	size_t errors_before = diag->errors;
	if (!name)
		name = "<buffer>";
	int err = parse_ctx_init(&ctx, name, opts, diag);
	if (err)
		return err;
	parse_text(&ctx, ctx.conf->path, buf, len);
	return parse_finish(&ctx, errors_before, confp);
}

int zv_conf_load(const char *path, const struct zv_conf_opts *opts,
		 struct zv_diag *diag, struct zv_conf **confp)
{
	char *buf = NULL;
	size_t len = 0;
	struct file_id id;
	int err = read_file(path, &buf, &len, &id);
	if (err == -ENOENT || err == -ENOMEM)
		return err;
	if (err) {
		zv_diag_error(diag, path, 0, "cannot read: %s", strerror(-err));
		return -EINVAL;
	}
	struct parse_ctx ctx;
	size_t errors_before = diag->errors;
	err = parse_ctx_init(&ctx, path, opts, diag);
	if (err) {
		free(buf);
		return err;
	}
	ctx.open[ctx.nopen++] = id;
	parse_text(&ctx, ctx.conf->path, buf, len);
	free(buf);
	return parse_finish(&ctx, errors_before, confp);
}

const char *zv_conf_path(const struct zv_conf *conf)
{
	return conf ? conf->path : NULL;
}

const struct zv_conf_section *
zv_conf_section_next(const struct zv_conf *conf,
		     const struct zv_conf_section *prev)
{
	const struct zv_conf_section *s;
	if (prev)
		s = prev->next;
	else
		s = conf ? conf->first : NULL;
	while (s && s->is_template)
		s = s->next;
	return s;
}

const struct zv_conf_section *zv_conf_section_find(const struct zv_conf *conf,
						   const char *name)
{
	if (!name)
		return NULL;
	for (const struct zv_conf_section *s = zv_conf_section_next(conf, NULL);
	     s; s = zv_conf_section_next(conf, s))
		if (!strcasecmp(s->name, name))
			return s;
	return NULL;
}

const struct zv_conf_var *zv_conf_var_next(const struct zv_conf_section *sec,
					   const char *name,
					   const struct zv_conf_var *prev)
{
	const struct zv_conf_var *v;
	if (prev)
		v = prev->next;
	else
		v = sec ? sec->vars : NULL;
	while (v && name && strcasecmp(v->name, name))
		v = v->next;
	return v;
}

const char *zv_conf_get(const struct zv_conf_section *sec, const char *key)
{
	const char *value = NULL;
	if (!sec || !key)
		return NULL;
	for (const struct zv_conf_var *v = sec->vars; v; v = v->next)
		if (!strcasecmp(v->name, key))
			value = v->value;
	return value;
}

const char *zv_conf_lookup(const struct zv_conf *conf, const char *section,
			   const char *key)
{
	return zv_conf_get(zv_conf_section_find(conf, section), key);
}

int zv_conf_parse_bool(const char *value, bool *outp)
{
	static const char *const yes[] = {"yes", "true", "y", "t", "1", "on"};
	static const char *const no[] = {"no", "false", "n", "f", "0", "off"};
	if (!value)
		return -EINVAL;
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (!strcasecmp(value, yes[i])) {
			*outp = true;
			return 0;
		}
		if (!strcasecmp(value, no[i])) {
			*outp = false;
			return 0;
		}
	}
	return -EINVAL;
}

int zv_conf_parse_int(const char *value, long min, long max, long *outp)
{
	if (!value)
		return -EINVAL;
	const char *p = value;
	if (*p == '+' || *p == '-')
		p++;
	if (*p < '0' || *p > '9')
		return -EINVAL;
	for (const char *q = p; *q; q++)
		if (*q < '0' || *q > '9')
			return -EINVAL;
	errno = 0;
	long v = strtol(value, NULL, 10);
	if (errno == ERANGE || v < min || v > max)
		return -ERANGE;
	*outp = v;
	return 0;
}

static bool option_known(const char *key, const struct zv_conf_option *opts)
{
	for (const struct zv_conf_option *o = opts; o && o->name; o++) {
		size_t n = strlen(o->name);
		if (n && o->name[n - 1] == '*') {
			if (!strncasecmp(key, o->name, n - 1))
				return true;
		} else if (!strcasecmp(key, o->name)) {
			return true;
		}
	}
	return false;
}

unsigned zv_conf_check_options(const struct zv_conf_section *sec,
			       const struct zv_conf_option *opts,
			       struct zv_diag *diag)
{
	unsigned warnings = 0;
	if (!sec)
		return 0;
	for (const struct zv_conf_var *v = sec->vars; v; v = v->next) {
		if (option_known(v->name, opts))
			continue;
		zv_diag_warn(diag, v->file, v->line, "unknown option '%s' in [%s]",
			     v->name, sec->name);
		warnings++;
	}
	return warnings;
}
