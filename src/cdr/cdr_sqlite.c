/*
 * cdr_sqlite3_custom: records inserted into <astlogdir>/master.db with the
 * layout of Asterisk's cdr_sqlite3_custom.conf:
 *
 *   [master]
 *   table => cdr
 *   columns => calldate, clid, dcontext, ..., userfield, mycustom
 *   values => '${CDR(start)}','${CDR(clid)}',...,'${CDR(mycustom)}'
 *   busy_timeout => 1000
 *
 * Each value is a template: ${CDR(name[,u])} is the record's field (or
 * custom variable); any other ${...} is substituted with no channel
 * (globals, channel-less functions).  A field's value is never
 * substituted again, so a user-set field cannot inject an expression.
 * The table is created when missing (AcctId INTEGER PRIMARY KEY, then the
 * columns as TEXT).  Without cdr_sqlite3_custom.conf the backend does not
 * register, as Asterisk's module declines to load.
 *
 * DESIGN
 * The connection, its statement and the table check belong to the CDR
 * writer thread; a reload only swaps the parsed layout (under layout_lock)
 * and bumps a generation that makes the writer prepare again.  The file
 * is in WAL mode with synchronous=NORMAL and each batch is one
 * transaction, so a kill -9 loses at most the batch in flight and never
 * corrupts the database; the engine's grouped sync runs a checkpoint
 * (which flushes the WAL to disk first) at most once per CDR_SYNC_MS, so
 * a power loss can take back only the last second of records.  Values are bound as parameters; table and column names must
 * be identifiers ([A-Za-z0-9_]).
 */
#include <errno.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#define ZV_LOG_MODULE "cdr_sqlite3_custom"
#include <zvonok/config.h>
#include <zvonok/log.h>
#include <zvonok/module.h>
#include <zvonok/pbx.h>

#include "cdr/cdr.h"

#define MAX_COLUMNS 128

struct layout {
	char *table;
	size_t n;
	char *columns[MAX_COLUMNS];
	char *values[MAX_COLUMNS];
	int busy_timeout;
};

static pthread_mutex_t layout_lock = PTHREAD_MUTEX_INITIALIZER;
static struct layout *cur_layout;
static unsigned layout_gen;
static bool registered;

/* Writer thread only. */
static sqlite3 *db;
static sqlite3_stmt *insert;
static unsigned db_gen;

static void layout_free(struct layout *l)
{
	if (!l)
		return;
	free(l->table);
	for (size_t i = 0; i < l->n; i++) {
		free(l->columns[i]);
		free(l->values[i]);
	}
	free(l);
}

/* ---- value templates ------------------------------------------------------------ */

struct sbuf {
	char *s;
	size_t len, cap;
};

static int sb_add(struct sbuf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = (b->len + n + 1) * 2;
		char *p = realloc(b->s, cap);
		if (!p)
			return -ENOMEM;
		b->s = p;
		b->cap = cap;
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
	return 0;
}

/* End of the ${...} starting at p ("${"), nesting counted; NULL if open. */
static const char *brace_end(const char *p)
{
	int depth = 0;
	for (; *p; p++) {
		if (p[0] == '$' && p[1] == '{') {
			depth++;
			p++;
		} else if (*p == '}' && --depth == 0) {
			return p;
		}
	}
	return NULL;
}

static int expand_one(const struct cdr_record *rec, const char *in, size_t n, struct sbuf *out)
{
	char *expr = strndup(in, n);
	if (!expr)
		return -ENOMEM;
	int err;
	size_t elen = strlen(expr);
	if (!strncasecmp(expr, "CDR(", 4) && elen > 5 && expr[elen - 1] == ')') {
		expr[elen - 1] = '\0';
		char *name = expr + 4, *opt = strchr(name, ',');
		bool raw = false;
		if (opt) {
			*opt = '\0';
			raw = strchr(opt + 1, 'u') != NULL;
		}
		char val[512];
		cdr_record_field(rec, name, raw, val, sizeof(val));
		err = sb_add(out, val, strlen(val));
	} else {
		char *wrapped = NULL, *res = NULL;
		err = asprintf(&wrapped, "${%s}", expr) < 0 ? -ENOMEM : 0;
		if (!err && zv_pbx_substitute(NULL, wrapped, &res) == 0)
			err = sb_add(out, res, strlen(res));
		free(wrapped);
		free(res);
	}
	free(expr);
	return err;
}

/* The template tpl for rec, as a new heap string (NULL on ENOMEM). */
static char *expand(const struct cdr_record *rec, const char *tpl)
{
	struct sbuf out = {0};
	int err = sb_add(&out, "", 0);
	const char *p = tpl;
	while (!err && *p) {
		const char *d = strstr(p, "${");
		const char *end = d ? brace_end(d) : NULL;
		if (!end) {
			err = sb_add(&out, p, strlen(p));
			break;
		}
		err = sb_add(&out, p, (size_t)(d - p));
		if (!err)
			err = expand_one(rec, d + 2, (size_t)(end - d - 2), &out);
		p = end + 1;
	}
	if (err) {
		free(out.s);
		return NULL;
	}
	return out.s;
}

/* ---- parsing the layout ------------------------------------------------------- */

static bool is_ident(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!(*s == '_' || (*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'z') ||
		      (*s >= 'A' && *s <= 'Z')))
			return false;
	return true;
}

static char *trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	char *e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
		*--e = '\0';
	return s;
}

/* Split at commas outside quotes and ${...}; strip one pair of quotes. */
static int split_values(const char *in, char **out, size_t max, size_t *np)
{
	size_t n = 0;
	const char *start = in;
	char quote = 0;
	int depth = 0;
	for (const char *p = in;; p++) {
		if (*p && quote) {
			if (*p == quote)
				quote = 0;
			continue;
		}
		if (*p == '\'' || *p == '"') {
			quote = *p;
			continue;
		}
		if (p[0] == '$' && p[1] == '{') {
			depth++;
			p++;
			continue;
		}
		if (*p == '}' && depth > 0) {
			depth--;
			continue;
		}
		if (*p && (*p != ',' || depth))
			continue;
		if (n == max)
			return -E2BIG;
		char *v = strndup(start, (size_t)(p - start));
		if (!v)
			return -ENOMEM;
		char *t = trim(v);
		size_t tl = strlen(t);
		if (tl >= 2 && (t[0] == '\'' || t[0] == '"') && t[tl - 1] == t[0]) {
			t[tl - 1] = '\0';
			t++;
		}
		out[n] = strdup(t);
		free(v);
		if (!out[n])
			return -ENOMEM;
		n++;
		*np = n;
		if (!*p)
			break;
		start = p + 1;
	}
	return 0;
}

static int split_columns(const char *in, char **out, size_t max, size_t *np)
{
	char *copy = strdup(in), *save = NULL;
	if (!copy)
		return -ENOMEM;
	int err = 0;
	for (char *t = strtok_r(copy, ",", &save); t && !err; t = strtok_r(NULL, ",", &save)) {
		if (*np == max)
			err = -E2BIG;
		else if (!(out[*np] = strdup(trim(t))))
			err = -ENOMEM;
		else
			(*np)++;
	}
	free(copy);
	return err;
}

static int parse_layout(const struct zv_conf_section *sec, struct zv_diag *diag,
			struct layout **lp)
{
	*lp = NULL;
	const char *table = zv_conf_get(sec, "table");
	const char *cols = zv_conf_get(sec, "columns");
	const char *vals = zv_conf_get(sec, "values");
	const char *bt = zv_conf_get(sec, "busy_timeout");
	if (!cols || !vals) {
		zv_diag_warn(diag, sec->file, sec->line,
			     "[master] needs columns and values; sqlite CDRs disabled");
		return 0;
	}
	struct layout *l = calloc(1, sizeof(*l));
	if (!l || !(l->table = strdup(table ? table : "cdr"))) {
		free(l);
		return -ENOMEM;
	}
	l->busy_timeout = 1000;
	long v;
	if (bt && !zv_conf_parse_int(bt, 0, 600000, &v))
		l->busy_timeout = (int)v;
	size_t nvals = 0;
	int err = split_columns(cols, l->columns, MAX_COLUMNS, &l->n);
	char *values[MAX_COLUMNS] = {0};
	if (!err)
		err = split_values(vals, values, MAX_COLUMNS, &nvals);
	if (err == -ENOMEM)
		goto out;
	const char *why = err ? "too many columns" : NULL;
	if (!why && !is_ident(l->table))
		why = "table name is not an identifier";
	for (size_t i = 0; !why && i < l->n; i++)
		if (!is_ident(l->columns[i]))
			why = "a column name is not an identifier";
	if (!why && nvals != l->n)
		why = "columns and values differ in number";
	if (why) {
		zv_diag_warn(diag, sec->file, sec->line, "%s; sqlite CDRs disabled", why);
		for (size_t i = 0; i < nvals; i++)
			free(values[i]);
		layout_free(l);
		return 0;
	}
	memcpy(l->values, values, sizeof(values));
	*lp = l;
	return 0;
out:
	for (size_t i = 0; i < nvals; i++)
		free(values[i]);
	layout_free(l);
	return err;
}

/* ---- the database (writer thread) -------------------------------------------- */

static void db_close(void)
{
	sqlite3_finalize(insert);
	insert = NULL;
	if (db)
		sqlite3_close_v2(db);
	db = NULL;
}

static int exec_sql(const char *sql)
{
	char *msg = NULL;
	int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
	if (rc != SQLITE_OK) {
		zv_error("%s: %s", sql, msg ? msg : sqlite3_errstr(rc));
		sqlite3_free(msg);
		return -EIO;
	}
	return 0;
}

static int db_open(const struct layout *l)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/master.db", cdr_logdir());
	mkdir(cdr_logdir(), 0750);
	int rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
	if (rc != SQLITE_OK) {
		zv_error("Unable to open %s: %s", path, db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
		db_close();
		return -EIO;
	}
	sqlite3_busy_timeout(db, l->busy_timeout);
	struct sbuf sql = {0};
	int err = sb_add(&sql, "CREATE TABLE IF NOT EXISTS ", 27);
	err = err ?: sb_add(&sql, l->table, strlen(l->table));
	err = err ?: sb_add(&sql, " (AcctId INTEGER PRIMARY KEY", 28);
	for (size_t i = 0; !err && i < l->n; i++) {
		err = sb_add(&sql, ", ", 2);
		err = err ?: sb_add(&sql, l->columns[i], strlen(l->columns[i]));
		err = err ?: sb_add(&sql, " TEXT", 5);
	}
	err = err ?: sb_add(&sql, ")", 1);
	if (!err)
		err = exec_sql("PRAGMA journal_mode=WAL");
	err = err ?: exec_sql("PRAGMA synchronous=NORMAL");
	err = err ?: exec_sql(sql.s);
	sql.len = 0;
	err = err ?: sb_add(&sql, "INSERT INTO ", 12);
	err = err ?: sb_add(&sql, l->table, strlen(l->table));
	err = err ?: sb_add(&sql, " (", 2);
	for (size_t i = 0; !err && i < l->n; i++) {
		err = i ? sb_add(&sql, ", ", 2) : 0;
		err = err ?: sb_add(&sql, l->columns[i], strlen(l->columns[i]));
	}
	err = err ?: sb_add(&sql, ") VALUES (", 10);
	for (size_t i = 0; !err && i < l->n; i++)
		err = sb_add(&sql, i ? ", ?" : "?", i ? 3 : 1);
	err = err ?: sb_add(&sql, ")", 1);
	if (!err && sqlite3_prepare_v2(db, sql.s, -1, &insert, NULL) != SQLITE_OK) {
		zv_error("%s: %s", sql.s, sqlite3_errmsg(db));
		err = -EIO;
	}
	free(sql.s);
	if (err)
		db_close();
	return err;
}

static int insert_one(const struct layout *l, const struct cdr_record *rec)
{
	int err = 0;
	for (size_t i = 0; !err && i < l->n; i++) {
		char *v = expand(rec, l->values[i]);
		if (!v)
			err = -ENOMEM;
		else if (sqlite3_bind_text(insert, (int)i + 1, v, -1, SQLITE_TRANSIENT) != SQLITE_OK)
			err = -EIO;
		free(v);
	}
	if (!err && sqlite3_step(insert) != SQLITE_DONE)
		err = -EIO;
	if (err == -EIO)
		zv_error("Unable to insert the CDR of %s: %s", rec->channel, sqlite3_errmsg(db));
	sqlite3_reset(insert);
	sqlite3_clear_bindings(insert);
	return err;
}

static int sqlite_write(void *arg, struct cdr_record *const *recs, size_t n)
{
	pthread_mutex_lock(&layout_lock);
	struct layout *l = cur_layout;
	unsigned gen = layout_gen;
	int err = 0;
	if (!l)
		goto out;
	if (db && db_gen != gen)
		db_close();
	if (!db && (err = db_open(l)))
		goto out;
	db_gen = gen;
	if ((err = exec_sql("BEGIN IMMEDIATE")))
		goto out;
	for (size_t i = 0; i < n && !err; i++)
		err = insert_one(l, recs[i]);
	if (!err)
		err = exec_sql("COMMIT");
	else
		exec_sql("ROLLBACK");
out:
	pthread_mutex_unlock(&layout_lock);
	return err;
}

static void sqlite_sync(void *arg)
{
	pthread_mutex_lock(&layout_lock);
	if (db && sqlite3_wal_checkpoint_v2(db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL) !=
			  SQLITE_OK)
		zv_error("Unable to checkpoint the CDR database: %s", sqlite3_errmsg(db));
	pthread_mutex_unlock(&layout_lock);
}

static struct cdr_backend sqlite_backend = {
	.name = "sqlite3_custom",
	.description = "SQLite3 Custom CDR Module",
	.write = sqlite_write,
	.sync = sqlite_sync,
};

/* ---- module --------------------------------------------------------------------- */

static const struct zv_conf_option master_options[] = {
	{"table", "table name"},
	{"columns", "column names"},
	{"values", "value templates"},
	{"busy_timeout", "sqlite busy timeout (ms)"},
	{NULL},
};

struct prepared {
	struct layout *layout;
};

static int sqlite_prepare(struct zv_module *mod, const struct zv_snapshot *snap,
			  struct zv_diag *diag, void **statep)
{
	struct prepared *p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	const struct zv_conf *conf = zv_snapshot_file(snap, "cdr_sqlite3_custom.conf");
	const struct zv_conf_section *sec = conf ? zv_conf_section_find(conf, "master") : NULL;
	if (sec) {
		zv_conf_check_options(sec, master_options, diag);
		int err = parse_layout(sec, diag, &p->layout);
		if (err) {
			free(p);
			return err;
		}
	}
	*statep = p;
	return 0;
}

static void sqlite_commit(struct zv_module *mod, void *state)
{
	struct prepared *p = state;
	pthread_mutex_lock(&layout_lock);
	layout_free(cur_layout);
	cur_layout = p->layout;
	layout_gen++;
	pthread_mutex_unlock(&layout_lock);
	free(p);
}

static void sqlite_discard(struct zv_module *mod, void *state)
{
	struct prepared *p = state;
	layout_free(p->layout);
	free(p);
}

static int sqlite_start(struct zv_module *mod)
{
	pthread_mutex_lock(&layout_lock);
	bool have = cur_layout != NULL;
	pthread_mutex_unlock(&layout_lock);
	if (!have)
		return 0; /* no cdr_sqlite3_custom.conf: declined, as Asterisk */
	int err = cdr_backend_register(&sqlite_backend);
	registered = !err;
	return err;
}

static void sqlite_stop(struct zv_module *mod)
{
	if (registered)
		cdr_backend_unregister(&sqlite_backend);
	registered = false;
	/* The writer no longer calls us: the connection is ours to close. */
	db_close();
}

static void sqlite_unload(struct zv_module *mod)
{
	pthread_mutex_lock(&layout_lock);
	layout_free(cur_layout);
	cur_layout = NULL;
	pthread_mutex_unlock(&layout_lock);
}

ZV_MODULE(cdr_sqlite3_custom) = {
	.summary = "SQLite3 Custom CDR Module",
	.requires = "cdr",
	.config = "cdr_sqlite3_custom.conf",
	.prepare = sqlite_prepare,
	.commit = sqlite_commit,
	.discard = sqlite_discard,
	.start = sqlite_start,
	.stop = sqlite_stop,
	.unload = sqlite_unload,
};
