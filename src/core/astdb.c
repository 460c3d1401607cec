/*
 * AstDB on sqlite (include/zvonok/astdb.h) and the `astdb` module with
 * Asterisk's `database ...` CLI commands.
 *
 * DESIGN
 * One sqlite connection for the process, opened without sqlite's own
 * mutexes and guarded by db_lock; its statements are prepared once at open
 * and reset after each use.  Reads that return many rows (trees, keys)
 * copy the rows out under the lock and call the caller's callback after
 * releasing it, so a callback may use the database again and a slow one
 * never holds other threads up.  The file is in WAL mode with
 * synchronous=NORMAL: see the header for what survives a crash.
 *
 * Tree queries use a key range rather than LIKE: the keys under "/a/b"
 * are "/a/b" itself and those in ["/a/b/", "/a/b0") ('0' follows '/' in
 * ASCII), which the primary-key index answers directly and which does not
 * mistake '_' or '%' in a name for a wildcard.
 *
 * The module opens the database in start (load must not touch files:
 * `--check-config` runs load and prepare only) and closes it in stop.
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#define ZV_LOG_MODULE "astdb"
#include <zvonok/astdb.h>
#include <zvonok/cli.h>
#include <zvonok/log.h>
#include <zvonok/module.h>

#include "core/internal.h"

/* Asterisk's own schema, so database files can move between the two. */
#define SQL_CREATE                                                             \
	"CREATE TABLE IF NOT EXISTS astdb(key VARCHAR(256), value VARCHAR(256), " \
	"PRIMARY KEY(key))"
#define TREE_WHERE "key = ?1 OR (key >= ?1 || '/' AND key < ?1 || '0')"

enum stmt_id {
	ST_PUT,
	ST_GET,
	ST_DEL,
	ST_TREE,
	ST_TREE_ALL,
	ST_DELTREE,
	ST_DELTREE_ALL,
	ST__COUNT
};

static const char *const stmt_sql[ST__COUNT] = {
	[ST_PUT] = "INSERT OR REPLACE INTO astdb (key, value) VALUES (?1, ?2)",
	[ST_GET] = "SELECT value FROM astdb WHERE key = ?1",
	[ST_DEL] = "DELETE FROM astdb WHERE key = ?1",
	[ST_TREE] = "SELECT key, value FROM astdb WHERE " TREE_WHERE " ORDER BY key",
	[ST_TREE_ALL] = "SELECT key, value FROM astdb ORDER BY key",
	[ST_DELTREE] = "DELETE FROM astdb WHERE " TREE_WHERE,
	[ST_DELTREE_ALL] = "DELETE FROM astdb",
};

static pthread_mutex_t db_lock = PTHREAD_MUTEX_INITIALIZER;
static sqlite3 *db; /* under db_lock */
static sqlite3_stmt *stmts[ST__COUNT];

/* An sqlite result code as a negative errno; logs failures.  Lock held. */
static int db_error(int rc, const char *what)
{
	if (rc == SQLITE_NOMEM)
		return -ENOMEM;
	zv_error("%s: %s", what, db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
	return -EIO;
}

static void close_locked(void)
{
	for (int i = 0; i < ST__COUNT; i++) {
		sqlite3_finalize(stmts[i]);
		stmts[i] = NULL;
	}
	if (db)
		sqlite3_close_v2(db);
	db = NULL;
}

/* mkdir -p for the directory part of path. */
static int make_parent_dirs(const char *path)
{
	char dir[PATH_MAX];
	if (snprintf(dir, sizeof(dir), "%s", path) >= (int)sizeof(dir))
		return -ENAMETOOLONG;
	char *slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return 0;
	*slash = '\0';
	for (char *p = dir + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(dir, 0750) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(dir, 0750) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

/* Run one pragma and check its single-row answer, if expected is set. */
static int pragma(const char *sql, const char *expected)
{
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
	if (rc != SQLITE_OK)
		return db_error(rc, sql);
	rc = sqlite3_step(st);
	int err = 0;
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		err = db_error(rc, sql);
	} else if (expected) {
		const char *got = rc == SQLITE_ROW ? (const char *)sqlite3_column_text(st, 0) : NULL;
		if (!got || strcasecmp(got, expected)) {
			zv_error("%s: got '%s', wanted '%s'", sql, got ? got : "", expected);
			err = -EIO;
		}
	}
	sqlite3_finalize(st);
	return err;
}

int zv_db_open_path(const char *path)
{
	if (!path || !*path)
		return -EINVAL;
	pthread_mutex_lock(&db_lock);
	int err = 0;
	if (db) {
		err = -EALREADY;
		goto out;
	}
	err = make_parent_dirs(path);
	if (err) {
		zv_error("cannot create the directory of %s: %s", path, strerror(-err));
		goto out;
	}
	int rc = sqlite3_open_v2(path, &db,
				 SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
				 NULL);
	if (rc != SQLITE_OK) {
		zv_error("cannot open %s: %s", path, db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
		err = rc == SQLITE_NOMEM ? -ENOMEM : -EIO;
		goto fail;
	}
	sqlite3_busy_timeout(db, 2000); /* e.g. an sqlite3 shell reading it */
	if ((err = pragma("PRAGMA journal_mode=WAL", "wal")) ||
	    (err = pragma("PRAGMA synchronous=NORMAL", NULL)) ||
	    (err = pragma(SQL_CREATE, NULL)))
		goto fail;
	for (int i = 0; i < ST__COUNT; i++) {
		rc = sqlite3_prepare_v3(db, stmt_sql[i], -1, SQLITE_PREPARE_PERSISTENT,
					&stmts[i], NULL);
		if (rc != SQLITE_OK) {
			err = db_error(rc, stmt_sql[i]);
			goto fail;
		}
	}
	zv_verb(2, "AstDB opened: %s", path);
	goto out;
fail:
	close_locked();
out:
	pthread_mutex_unlock(&db_lock);
	return err;
}

void zv_db_close(void)
{
	pthread_mutex_lock(&db_lock);
	close_locked();
	pthread_mutex_unlock(&db_lock);
}

bool zv_db_is_open(void)
{
	pthread_mutex_lock(&db_lock);
	bool open = db != NULL;
	pthread_mutex_unlock(&db_lock);
	return open;
}

/* "/family/key" (malloc'd) or NULL; *errp says why. */
static char *full_key(const char *family, const char *key, int *errp)
{
	if (!family || !*family || !key || !*key) {
		*errp = -EINVAL;
		return NULL;
	}
	char *fk;
	if (asprintf(&fk, "/%s/%s", family, key) < 0) {
		*errp = -ENOMEM;
		return NULL;
	}
	return fk;
}

/* The tree prefix for family and keytree, as Asterisk builds it. */
static char *tree_prefix(const char *family, const char *keytree)
{
	char *p;
	int n;
	if (!family || !*family)
		n = asprintf(&p, "%s", "");
	else if (!keytree || !*keytree)
		n = asprintf(&p, "/%s", family);
	else
		n = asprintf(&p, "/%s/%s", family, keytree);
	return n < 0 ? NULL : p;
}

/* Run a statement that returns no rows; *changesp gets the row count. */
static int exec_write(enum stmt_id id, const char *a, const char *b, int *changesp)
{
	pthread_mutex_lock(&db_lock);
	int err = 0;
	if (!db) {
		err = -ENODEV;
		goto out;
	}
	sqlite3_stmt *st = stmts[id];
	int rc = SQLITE_OK;
	if (a)
		rc = sqlite3_bind_text(st, 1, a, -1, SQLITE_STATIC);
	if (rc == SQLITE_OK && b)
		rc = sqlite3_bind_text(st, 2, b, -1, SQLITE_STATIC);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	if (rc != SQLITE_DONE)
		err = db_error(rc, stmt_sql[id]);
	else if (changesp)
		*changesp = sqlite3_changes(db);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
out:
	pthread_mutex_unlock(&db_lock);
	return err;
}

int zv_db_put(const char *family, const char *key, const char *value)
{
	int err = 0;
	if (!value)
		return -EINVAL;
	char *fk = full_key(family, key, &err);
	if (!fk)
		return err;
	err = exec_write(ST_PUT, fk, value, NULL);
	free(fk);
	return err;
}

/* Look fk up; with valuep, copy the value out. */
static int lookup(const char *fk, char **valuep)
{
	pthread_mutex_lock(&db_lock);
	int err = 0;
	if (!db) {
		err = -ENODEV;
		goto out;
	}
	sqlite3_stmt *st = stmts[ST_GET];
	int rc = sqlite3_bind_text(st, 1, fk, -1, SQLITE_STATIC);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	if (rc == SQLITE_DONE) {
		err = -ENOENT;
	} else if (rc != SQLITE_ROW) {
		err = db_error(rc, stmt_sql[ST_GET]);
	} else if (valuep) {
		const char *v = (const char *)sqlite3_column_text(st, 0);
		*valuep = strdup(v ? v : "");
		if (!*valuep)
			err = -ENOMEM;
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
out:
	pthread_mutex_unlock(&db_lock);
	return err;
}

int zv_db_get(const char *family, const char *key, char **valuep)
{
	int err = 0;
	*valuep = NULL;
	char *fk = full_key(family, key, &err);
	if (!fk)
		return err;
	err = lookup(fk, valuep);
	free(fk);
	return err;
}

int zv_db_exists(const char *family, const char *key)
{
	int err = 0;
	char *fk = full_key(family, key, &err);
	if (!fk)
		return err;
	err = lookup(fk, NULL);
	free(fk);
	return err == 0 ? 1 : err == -ENOENT ? 0 : err;
}

int zv_db_del(const char *family, const char *key)
{
	int err = 0, changes = 0;
	char *fk = full_key(family, key, &err);
	if (!fk)
		return err;
	err = exec_write(ST_DEL, fk, NULL, &changes);
	free(fk);
	if (!err && !changes)
		err = -ENOENT;
	return err;
}

int zv_db_deltree(const char *family, const char *keytree)
{
	char *prefix = tree_prefix(family, keytree);
	if (!prefix)
		return -ENOMEM;
	int changes = 0;
	int err = *prefix ? exec_write(ST_DELTREE, prefix, NULL, &changes)
			  : exec_write(ST_DELTREE_ALL, NULL, NULL, &changes);
	free(prefix);
	return err ? err : changes;
}

/* Rows copied out of a query, so callbacks run without db_lock. */
struct rows {
	char **v; /* key0, value0, key1, value1, ... */
	size_t n, cap; /* strings */
};

static void rows_free(struct rows *r)
{
	for (size_t i = 0; i < r->n; i++)
		free(r->v[i]);
	free(r->v);
	r->v = NULL;
	r->n = r->cap = 0;
}

static int rows_add(struct rows *r, const char *s)
{
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 32;
		char **nv = realloc(r->v, cap * sizeof(*nv));
		if (!nv)
			return -ENOMEM;
		r->v = nv;
		r->cap = cap;
	}
	r->v[r->n] = strdup(s ? s : "");
	if (!r->v[r->n])
		return -ENOMEM;
	r->n++;
	return 0;
}

/* The entries under prefix ("" for all) as key/value pairs. */
static int fetch_tree(const char *prefix, struct rows *r)
{
	pthread_mutex_lock(&db_lock);
	int err = 0;
	if (!db) {
		err = -ENODEV;
		goto out;
	}
	enum stmt_id id = *prefix ? ST_TREE : ST_TREE_ALL;
	sqlite3_stmt *st = stmts[id];
	int rc = SQLITE_OK;
	if (*prefix)
		rc = sqlite3_bind_text(st, 1, prefix, -1, SQLITE_STATIC);
	while (rc == SQLITE_OK || rc == SQLITE_ROW) {
		rc = sqlite3_step(st);
		if (rc != SQLITE_ROW)
			break;
		if ((err = rows_add(r, (const char *)sqlite3_column_text(st, 0))) ||
		    (err = rows_add(r, (const char *)sqlite3_column_text(st, 1))))
			break;
	}
	if (!err && rc != SQLITE_DONE)
		err = db_error(rc, stmt_sql[id]);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
out:
	pthread_mutex_unlock(&db_lock);
	if (err)
		rows_free(r);
	return err;
}

int zv_db_iterate(const char *prefix, zv_db_entry_cb *cb, void *arg)
{
	struct rows r = {0};
	int err = fetch_tree(prefix ? prefix : "", &r);
	if (err)
		return err;
	int count = 0;
	for (size_t i = 0; i + 1 < r.n; i += 2) {
		count++;
		if (cb(arg, r.v[i], r.v[i + 1]))
			break;
	}
	rows_free(&r);
	return count;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int zv_db_keys(const char *family, zv_db_key_cb *cb, void *arg)
{
	char *prefix = tree_prefix(family, NULL);
	if (!prefix)
		return -ENOMEM;
	struct rows r = {0};
	int err = fetch_tree(prefix, &r);
	size_t plen = strlen(prefix);
	free(prefix);
	if (err)
		return err;
	/* Cut each key below prefix down to its first component, in place
	 * over the key strings; values are not needed. */
	size_t n = 0;
	for (size_t i = 0; i + 1 < r.n; i += 2) {
		char *k = r.v[i];
		if (strlen(k) <= plen + 1 || k[plen] != '/')
			continue; /* the prefix itself, or a key not under it */
		char *name = k + plen + 1;
		name[strcspn(name, "/")] = '\0';
		memmove(k, name, strlen(name) + 1);
		/* Move key strings to the front; free the values. */
		char *tmp = r.v[n];
		r.v[n] = k;
		r.v[i] = tmp;
		n++;
	}
	if (n)
		qsort(r.v, n, sizeof(*r.v), cmp_str);
	int count = 0;
	for (size_t i = 0; i < n; i++) {
		if (i && !strcmp(r.v[i], r.v[i - 1]))
			continue;
		count++;
		if (cb(arg, r.v[i]))
			break;
	}
	rows_free(&r);
	return count;
}

/* ---- CLI ------------------------------------------------------------ */

struct show_ctx {
	struct zv_cli_req *req;
	const char *suffix; /* showkey: "/keytree" the key must end with */
	size_t slen;
	int shown;
};

static int show_entry(void *arg, const char *key, const char *value)
{
	struct show_ctx *c = arg;
	if (c->suffix) {
		size_t klen = strlen(key);
		if (klen < c->slen || strcmp(key + klen - c->slen, c->suffix))
			return 0;
	}
	c->shown++;
	zv_cli_printf(c->req, "%-50s: %-25s\n", key, value);
	return 0;
}

static enum zv_cli_result cli_show(struct zv_cli_req *req, int argc, char **argv)
{
	int nf = zv_cli_nfixed(req);
	int nargs = argc - nf;
	if (nargs > 2)
		return ZV_CLI_SHOWUSAGE;
	char *prefix = tree_prefix(nargs > 0 ? argv[nf] : NULL, nargs > 1 ? argv[nf + 1] : NULL);
	if (!prefix)
		return ZV_CLI_FAILURE;
	struct show_ctx c = {.req = req};
	int err = zv_db_iterate(prefix, show_entry, &c);
	free(prefix);
	if (err < 0) {
		zv_cli_printf(req, "Database unavailable.\n");
		return ZV_CLI_FAILURE;
	}
	zv_cli_printf(req, "%d results found.\n", c.shown);
	return ZV_CLI_SUCCESS;
}

static enum zv_cli_result cli_showkey(struct zv_cli_req *req, int argc, char **argv)
{
	int nf = zv_cli_nfixed(req);
	if (argc != nf + 1)
		return ZV_CLI_SHOWUSAGE;
	char *suffix;
	if (asprintf(&suffix, "/%s", argv[nf]) < 0)
		return ZV_CLI_FAILURE;
	struct show_ctx c = {.req = req, .suffix = suffix, .slen = strlen(suffix)};
	int err = zv_db_iterate(NULL, show_entry, &c);
	free(suffix);
	if (err < 0) {
		zv_cli_printf(req, "Database unavailable.\n");
		return ZV_CLI_FAILURE;
	}
	zv_cli_printf(req, "%d results found.\n", c.shown);
	return ZV_CLI_SUCCESS;
}

static enum zv_cli_result cli_get(struct zv_cli_req *req, int argc, char **argv)
{
	int nf = zv_cli_nfixed(req);
	if (argc != nf + 2)
		return ZV_CLI_SHOWUSAGE;
	char *value;
	int err = zv_db_get(argv[nf], argv[nf + 1], &value);
	if (err) {
		zv_cli_printf(req, "Database entry not found.\n");
		return ZV_CLI_SUCCESS;
	}
	zv_cli_printf(req, "Value: %s\n", value);
	free(value);
	return ZV_CLI_SUCCESS;
}

static enum zv_cli_result cli_put(struct zv_cli_req *req, int argc, char **argv)
{
	int nf = zv_cli_nfixed(req);
	if (argc != nf + 3)
		return ZV_CLI_SHOWUSAGE;
	if (zv_db_put(argv[nf], argv[nf + 1], argv[nf + 2])) {
		zv_cli_printf(req, "Failed to update entry\n");
		return ZV_CLI_FAILURE;
	}
	zv_cli_printf(req, "Updated database successfully\n");
	return ZV_CLI_SUCCESS;
}

static enum zv_cli_result cli_del(struct zv_cli_req *req, int argc, char **argv)
{
	int nf = zv_cli_nfixed(req);
	if (argc != nf + 2)
		return ZV_CLI_SHOWUSAGE;
	if (zv_db_del(argv[nf], argv[nf + 1]))
		zv_cli_printf(req, "Database entry does not exist.\n");
	else
		zv_cli_printf(req, "Database entry removed.\n");
	return ZV_CLI_SUCCESS;
}

static enum zv_cli_result cli_deltree(struct zv_cli_req *req, int argc, char **argv)
{
	int nf = zv_cli_nfixed(req);
	if (argc != nf + 1 && argc != nf + 2)
		return ZV_CLI_SHOWUSAGE;
	int n = zv_db_deltree(argv[nf], argc == nf + 2 ? argv[nf + 1] : NULL);
	if (n < 0) {
		zv_cli_printf(req, "Database unavailable.\n");
		return ZV_CLI_FAILURE;
	}
	if (n == 0)
		zv_cli_printf(req, "Database entries do not exist.\n");
	else
		zv_cli_printf(req, "%d database entries removed.\n", n);
	return ZV_CLI_SUCCESS;
}

static const struct zv_cli_cmd astdb_cli[] = {
	{"database show", "Shows database contents",
	 "Usage: database show [family [keytree]]\n"
	 "   OR: database show [family[/keytree]]\n"
	 "       Shows the AstDB contents, optionally limited to a family\n"
	 "       or to a key tree within a family.\n", cli_show},
	{"database showkey", "Shows database contents",
	 "Usage: database showkey <keytree>\n"
	 "       Shows the AstDB entries whose last key component is keytree,\n"
	 "       in every family.\n", cli_showkey},
	{"database get", "Gets database value",
	 "Usage: database get <family> <key>\n"
	 "       Shows the AstDB value stored under family and key.\n", cli_get},
	{"database put", "Adds/updates database value",
	 "Usage: database put <family> <key> <value>\n"
	 "       Stores value under family and key in the AstDB, replacing\n"
	 "       any previous value.\n", cli_put},
	{"database del", "Removes database key/value",
	 "Usage: database del <family> <key>\n"
	 "       Removes the AstDB entry for family and key.\n", cli_del},
	{"database deltree", "Removes database keytree/values",
	 "Usage: database deltree <family> [keytree]\n"
	 "   OR: database deltree <family>[/keytree]\n"
	 "       Removes a whole family, or one key tree within a family,\n"
	 "       from the AstDB.\n", cli_deltree},
	{NULL},
};

/* ---- module ----------------------------------------------------------- */

static int astdb_load(struct zv_module *mod)
{
	return zv_cli_register(mod, astdb_cli);
}

static int astdb_start(struct zv_module *mod)
{
	if (!zv_settings.dbdir) {
		/* Only a unit test driving the registry without settings gets
		 * here; the daemon always has a directory (vardir at least). */
		zv_warn("no astdbdir set: the AstDB stays closed");
		return 0;
	}
	char *path;
	if (asprintf(&path, "%s/astdb.sqlite3", zv_settings.dbdir) < 0)
		return -ENOMEM;
	int err = zv_db_open_path(path);
	free(path);
	return err;
}

static void astdb_stop(struct zv_module *mod)
{
	zv_db_close();
}

ZV_MODULE(astdb) = {
	.summary = "AstDB: the Asterisk database (sqlite)",
	.flags = ZV_MODULE_CORE,
	.requires = "cli",
	.load = astdb_load,
	.start = astdb_start,
	.stop = astdb_stop,
};
