/*
 * Unit tests for AstDB (src/core/astdb.c): put/get/del/deltree/exists/
 * keys/iterate as Asterisk defines them (families with '/', keys with
 * spaces, tree boundaries, no LIKE wildcards), persistence across
 * close/open, a file in Asterisk's own schema, concurrent callers, a
 * writer killed with SIGKILL leaving an intact database, and the
 * `database ...` CLI driven through the module registry.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <zvonok/astdb.h>
#include <zvonok/cli.h>
#include <zvonok/diag.h>

#include "core/internal.h"

static char tmpdir[64];
static char dbpath[128];

static void rm_rf(const char *dir)
{
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

static int setup(void **state)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/zv_astdb.XXXXXX");
	if (!mkdtemp(tmpdir))
		return -1;
	/* A directory that does not exist yet: open creates it. */
	snprintf(dbpath, sizeof(dbpath), "%s/lib/db/astdb.sqlite3", tmpdir);
	return zv_db_open_path(dbpath);
}

static int teardown(void **state)
{
	zv_db_close();
	rm_rf(tmpdir);
	return 0;
}

static void want_value(const char *family, const char *key, const char *want)
{
	char *v = (char *)0x1;
	int err = zv_db_get(family, key, &v);
	if (!want) {
		assert_int_equal(err, -ENOENT);
		assert_null(v);
		return;
	}
	assert_int_equal(err, 0);
	assert_string_equal(v, want);
	free(v);
}

static void test_put_get_overwrite(void **state)
{
	want_value("test", "count", NULL);
	assert_int_equal(zv_db_put("test", "count", "1"), 0);
	want_value("test", "count", "1");
	assert_int_equal(zv_db_put("test", "count", "2"), 0);
	want_value("test", "count", "2");

	/* Families with slashes, keys and values with spaces, empty value. */
	assert_int_equal(zv_db_put("SIP/Registry", "100", "10.0.0.1:5060:3600"), 0);
	want_value("SIP/Registry", "100", "10.0.0.1:5060:3600");
	assert_int_equal(zv_db_put("fam ily", "my key", "a value with spaces"), 0);
	want_value("fam ily", "my key", "a value with spaces");
	assert_int_equal(zv_db_put("e", "empty", ""), 0);
	want_value("e", "empty", "");
	/* UTF-8 passes through. */
	assert_int_equal(zv_db_put("ru", "имя", "Звонок"), 0);
	want_value("ru", "имя", "Звонок");

	/* "/a/b" + "c" and "/a" + "b/c" are the same full key. */
	assert_int_equal(zv_db_put("a/b", "c", "x"), 0);
	want_value("a", "b/c", "x");

	/* Case matters. */
	want_value("TEST", "count", NULL);
	want_value("test", "COUNT", NULL);
}

static void test_invalid_args(void **state)
{
	char *v;
	assert_int_equal(zv_db_put("", "k", "v"), -EINVAL);
	assert_int_equal(zv_db_put("f", "", "v"), -EINVAL);
	assert_int_equal(zv_db_put(NULL, "k", "v"), -EINVAL);
	assert_int_equal(zv_db_put("f", "k", NULL), -EINVAL);
	assert_int_equal(zv_db_get("f", NULL, &v), -EINVAL);
	assert_int_equal(zv_db_del("", "k"), -EINVAL);
	assert_int_equal(zv_db_exists("f", ""), -EINVAL);
}

static void test_del_exists(void **state)
{
	assert_int_equal(zv_db_exists("f", "k"), 0);
	assert_int_equal(zv_db_del("f", "k"), -ENOENT);
	assert_int_equal(zv_db_put("f", "k", "v"), 0);
	assert_int_equal(zv_db_put("f", "k2", "v2"), 0);
	assert_int_equal(zv_db_exists("f", "k"), 1);
	assert_int_equal(zv_db_del("f", "k"), 0);
	assert_int_equal(zv_db_exists("f", "k"), 0);
	assert_int_equal(zv_db_del("f", "k"), -ENOENT);
	want_value("f", "k2", "v2");
}

static void fill_tree(void)
{
	static const char *const kv[][3] = {
		{"a", "x", "1"},	{"a", "y/1", "2"},   {"a", "y/2", "3"},
		{"a", "y-z", "4"},	{"a/y", "3", "5"},   {"ab", "x", "6"},
		{"a_b", "x", "7"},	{"axb", "x", "8"},   {"a%", "x", "9"},
		{"b", "only", "10"},
	};
	for (size_t i = 0; i < sizeof(kv) / sizeof(*kv); i++)
		assert_int_equal(zv_db_put(kv[i][0], kv[i][1], kv[i][2]), 0);
}

struct collect {
	char buf[1024];
	int calls;
	int stop_after; /* 0: never */
};

static int collect_entry(void *arg, const char *key, const char *value)
{
	struct collect *c = arg;
	size_t len = strlen(c->buf);
	snprintf(c->buf + len, sizeof(c->buf) - len, "%s=%s;", key, value);
	c->calls++;
	return c->stop_after && c->calls >= c->stop_after;
}

static int collect_key(void *arg, const char *name)
{
	struct collect *c = arg;
	size_t len = strlen(c->buf);
	snprintf(c->buf + len, sizeof(c->buf) - len, "%s,", name);
	c->calls++;
	return c->stop_after && c->calls >= c->stop_after;
}

static void test_iterate(void **state)
{
	fill_tree();
	struct collect c = {0};
	assert_int_equal(zv_db_iterate("/a", collect_entry, &c), 5);
	assert_string_equal(c.buf, "/a/x=1;/a/y-z=4;/a/y/1=2;/a/y/2=3;/a/y/3=5;");

	memset(&c, 0, sizeof(c));
	assert_int_equal(zv_db_iterate("/a/y", collect_entry, &c), 3);
	assert_string_equal(c.buf, "/a/y/1=2;/a/y/2=3;/a/y/3=5;");

	/* A prefix that is a whole key includes that key. */
	memset(&c, 0, sizeof(c));
	assert_int_equal(zv_db_iterate("/a/x", collect_entry, &c), 1);
	assert_string_equal(c.buf, "/a/x=1;");

	/* '_' and '%' are not wildcards; "/a" does not cover "/ab". */
	memset(&c, 0, sizeof(c));
	assert_int_equal(zv_db_iterate("/a_b", collect_entry, &c), 1);
	assert_string_equal(c.buf, "/a_b/x=7;");
	memset(&c, 0, sizeof(c));
	assert_int_equal(zv_db_iterate("/a%", collect_entry, &c), 1);
	assert_string_equal(c.buf, "/a%/x=9;");

	memset(&c, 0, sizeof(c));
	assert_int_equal(zv_db_iterate(NULL, collect_entry, &c), 10);
	memset(&c, 0, sizeof(c));
	assert_int_equal(zv_db_iterate("", collect_entry, &c), 10);
	memset(&c, 0, sizeof(c));
	assert_int_equal(zv_db_iterate("/nothing", collect_entry, &c), 0);
	assert_int_equal(c.calls, 0);

	/* Stopping early. */
	memset(&c, 0, sizeof(c));
	c.stop_after = 2;
	assert_int_equal(zv_db_iterate(NULL, collect_entry, &c), 2);
}

static int put_from_callback(void *arg, const char *key, const char *value)
{
	/* The lock is not held: using the database here must not hang. */
	char nk[64];
	snprintf(nk, sizeof(nk), "%s", key + strlen("/cb/"));
	assert_int_equal(zv_db_put("copy", nk, value), 0);
	return 0;
}

static void test_callback_may_use_db(void **state)
{
	assert_int_equal(zv_db_put("cb", "1", "one"), 0);
	assert_int_equal(zv_db_put("cb", "2", "two"), 0);
	assert_int_equal(zv_db_iterate("/cb", put_from_callback, NULL), 2);
	want_value("copy", "1", "one");
	want_value("copy", "2", "two");
}

static void test_keys(void **state)
{
	fill_tree();
	struct collect c = {0};
	/* x, y (from y/1, y/2 and family a/y), y-z: each once, sorted. */
	assert_int_equal(zv_db_keys("a", collect_key, &c), 3);
	assert_string_equal(c.buf, "x,y,y-z,");

	memset(&c, 0, sizeof(c));
	assert_int_equal(zv_db_keys("a/y", collect_key, &c), 3);
	assert_string_equal(c.buf, "1,2,3,");

	memset(&c, 0, sizeof(c));
	assert_int_equal(zv_db_keys("a/x", collect_key, &c), 0); /* a leaf */
	assert_int_equal(zv_db_keys("none", collect_key, &c), 0);

	memset(&c, 0, sizeof(c));
	assert_int_equal(zv_db_keys(NULL, collect_key, &c), 6);
	assert_string_equal(c.buf, "a,a%,a_b,ab,axb,b,");

	memset(&c, 0, sizeof(c));
	c.stop_after = 1;
	assert_int_equal(zv_db_keys("a", collect_key, &c), 1);
	assert_string_equal(c.buf, "x,");
}

static void test_deltree(void **state)
{
	fill_tree();
	assert_int_equal(zv_db_deltree("a", "y"), 3);
	want_value("a", "y-z", "4"); /* sibling with a longer name stays */
	want_value("a", "x", "1");
	assert_int_equal(zv_db_deltree("a", "y"), 0);
	assert_int_equal(zv_db_deltree("a_b", NULL), 1);
	want_value("axb", "x", "8");
	assert_int_equal(zv_db_deltree("a", ""), 2);
	want_value("ab", "x", "6");
	assert_int_equal(zv_db_deltree("nothing", NULL), 0);
	/* Whole database. */
	assert_int_equal(zv_db_deltree(NULL, NULL), 4);
	struct collect c = {0};
	assert_int_equal(zv_db_iterate(NULL, collect_entry, &c), 0);
}

static void test_persistence_and_closed(void **state)
{
	assert_int_equal(zv_db_put("persist", "k", "v1"), 0);
	assert_int_equal(zv_db_put("persist", "k2", "v2"), 0);
	assert_int_equal(zv_db_del("persist", "k2"), 0);
	assert_int_equal(zv_db_open_path(dbpath), -EALREADY);
	zv_db_close();
	assert_false(zv_db_is_open());

	char *v;
	struct collect c = {0};
	assert_int_equal(zv_db_put("persist", "k", "x"), -ENODEV);
	assert_int_equal(zv_db_get("persist", "k", &v), -ENODEV);
	assert_int_equal(zv_db_del("persist", "k"), -ENODEV);
	assert_int_equal(zv_db_deltree("persist", NULL), -ENODEV);
	assert_int_equal(zv_db_exists("persist", "k"), -ENODEV);
	assert_int_equal(zv_db_iterate(NULL, collect_entry, &c), -ENODEV);
	assert_int_equal(zv_db_keys(NULL, collect_key, &c), -ENODEV);
	zv_db_close(); /* twice is fine */

	assert_int_equal(zv_db_open_path(dbpath), 0);
	assert_true(zv_db_is_open());
	want_value("persist", "k", "v1");
	want_value("persist", "k2", NULL);
}

/* Raw sqlite on path: run sql, return the first column of the first row
 * (malloc'd) or NULL. */
static char *raw_query(const char *path, const char *sql)
{
	sqlite3 *db;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	char *out = NULL;
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		out = strdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	sqlite3_close(db);
	return out;
}

static void test_schema_and_asterisk_file(void **state)
{
	zv_db_close();
	/* Our file: WAL, and the table Asterisk creates. */
	char *mode = raw_query(dbpath, "PRAGMA journal_mode");
	assert_string_equal(mode, "wal");
	free(mode);
	char *sql = raw_query(dbpath, "SELECT sql FROM sqlite_master WHERE name = 'astdb'");
	assert_non_null(sql);
	assert_non_null(strstr(sql, "astdb(key VARCHAR(256), value VARCHAR(256), PRIMARY KEY(key))"));
	free(sql);

	/* A file made the way Asterisk makes it (rollback journal) opens and
	 * reads here. */
	char path[160];
	snprintf(path, sizeof(path), "%s/asterisk.sqlite3", tmpdir);
	sqlite3 *db;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db,
				      "CREATE TABLE IF NOT EXISTS astdb(key VARCHAR(256), "
				      "value VARCHAR(256), PRIMARY KEY(key));"
				      "INSERT INTO astdb VALUES('/CustomDevstate/lamp', 'INUSE');"
				      "INSERT INTO astdb VALUES('/SIP/Registry/100', '1.2.3.4:5060');"
				      "INSERT INTO astdb VALUES('/num/n', 42);",
				      NULL, NULL, NULL),
			 SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(zv_db_open_path(path), 0);
	want_value("CustomDevstate", "lamp", "INUSE");
	want_value("SIP/Registry", "100", "1.2.3.4:5060");
	want_value("num", "n", "42");
	zv_db_close();

	/* Not a database: refused, logged, nothing left open. */
	char junk[160];
	snprintf(junk, sizeof(junk), "%s/junk.sqlite3", tmpdir);
	FILE *f = fopen(junk, "w");
	assert_non_null(f);
	for (int i = 0; i < 100; i++)
		fputs("this is not an sqlite database file at all\n", f);
	fclose(f);
	assert_int_equal(zv_db_open_path(junk), -EIO);
	assert_false(zv_db_is_open());
	assert_int_equal(zv_db_open_path(""), -EINVAL);
	assert_int_equal(zv_db_open_path(NULL), -EINVAL);

	assert_int_equal(zv_db_open_path(dbpath), 0);
}

#define NTHREADS 4
#define NPERTHREAD 300

static void *hammer(void *arg)
{
	long id = (long)arg;
	char fam[16], key[16], val[32];
	snprintf(fam, sizeof(fam), "t%ld", id);
	for (int i = 0; i < NPERTHREAD; i++) {
		snprintf(key, sizeof(key), "%d", i);
		snprintf(val, sizeof(val), "%ld-%d", id, i);
		if (zv_db_put(fam, key, val))
			return (void *)1;
		char *v;
		if (zv_db_get(fam, key, &v) || strcmp(v, val))
			return (void *)2;
		free(v);
		if (i % 10 == 0 && zv_db_deltree(fam, "nothing") != 0)
			return (void *)3;
	}
	return NULL;
}

static void test_threads(void **state)
{
	pthread_t t[NTHREADS];
	for (long i = 0; i < NTHREADS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, hammer, (void *)i), 0);
	for (int i = 0; i < NTHREADS; i++) {
		void *res;
		pthread_join(t[i], &res);
		assert_null(res);
	}
	struct collect c = {0};
	assert_int_equal(zv_db_keys(NULL, collect_key, &c), NTHREADS);
	for (long i = 0; i < NTHREADS; i++) {
		char fam[16];
		snprintf(fam, sizeof(fam), "/t%ld", i);
		struct collect c2 = {.stop_after = 0};
		int n = zv_db_iterate(fam, collect_entry, &c2);
		assert_int_equal(n, NPERTHREAD);
	}
}

/* Child: write forever, reporting each committed counter on fd. */
static void crash_writer(int fd)
{
	if (zv_db_open_path(dbpath))
		_exit(2);
	for (unsigned long i = 1;; i++) {
		char val[32], key[32];
		snprintf(val, sizeof(val), "%lu", i);
		snprintf(key, sizeof(key), "k%lu", i % 500);
		/* A mix of statements, like a busy dialplan. */
		if (zv_db_put("crash", "counter", val) || zv_db_put("bulk", key, val))
			_exit(3);
		if (i % 97 == 0 && zv_db_deltree("bulk", NULL) < 0)
			_exit(4);
		if (write(fd, &i, sizeof(i)) != sizeof(i))
			_exit(5);
	}
}

static void test_kill9_never_corrupts(void **state)
{
	zv_db_close();
	srand((unsigned)time(NULL));
	for (int round = 0; round < 5; round++) {
		int fds[2];
		assert_int_equal(pipe(fds), 0);
		pid_t pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			close(fds[0]);
			crash_writer(fds[1]);
		}
		close(fds[1]);
		/* Let it get going, then kill it mid-write. */
		unsigned long last = 0, got;
		struct timespec start, now;
		clock_gettime(CLOCK_MONOTONIC, &start);
		long limit_ms = 80 + rand() % 150;
		for (;;) {
			ssize_t n = read(fds[0], &got, sizeof(got));
			assert_int_equal(n, sizeof(got));
			last = got;
			clock_gettime(CLOCK_MONOTONIC, &now);
			long ms = (now.tv_sec - start.tv_sec) * 1000 +
				  (now.tv_nsec - start.tv_nsec) / 1000000;
			if (ms >= limit_ms && last > 10)
				break;
		}
		assert_int_equal(kill(pid, SIGKILL), 0);
		/* Anything still in the pipe was committed too. */
		while (read(fds[0], &got, sizeof(got)) == sizeof(got))
			last = got;
		close(fds[0]);
		int status;
		assert_int_equal(waitpid(pid, &status, 0), pid);
		assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);

		char *ok = raw_query(dbpath, "PRAGMA integrity_check");
		assert_non_null(ok);
		assert_string_equal(ok, "ok");
		free(ok);
		assert_int_equal(zv_db_open_path(dbpath), 0);
		char *v;
		assert_int_equal(zv_db_get("crash", "counter", &v), 0);
		/* Every put that returned survived the kill. */
		assert_true(strtoul(v, NULL, 10) >= last);
		free(v);
		zv_db_close();
	}
	assert_int_equal(zv_db_open_path(dbpath), 0);
}

/* ---- CLI through the module registry --------------------------------- */

struct cli_out {
	enum zv_cli_result result;
	char *text;
};

static void cli_done(void *arg, enum zv_cli_result result, const char *output, size_t len)
{
	struct cli_out *o = arg;
	o->result = result;
	free(o->text);
	o->text = strndup(output, len);
}

static struct cli_out o;

static char *cli(const char *line, enum zv_cli_result want)
{
	o.result = -1;
	zv_cli_exec(line, cli_done, &o);
	assert_non_null(o.text);
	if (o.result != want)
		fail_msg("'%s' -> %d (%s)", line, o.result, o.text);
	return o.text;
}

static void test_cli(void **state)
{
	zv_db_close();
	char *saved_dbdir = zv_settings.dbdir;
	char dbdir[128];
	snprintf(dbdir, sizeof(dbdir), "%s/cli", tmpdir);
	zv_settings.dbdir = dbdir;

	struct zv_diag diag;
	zv_diag_init(&diag);
	assert_int_equal(zv_modules_load_all(tmpdir, &diag), 0);
	zv_diag_clear(&diag);
	/* load must not have touched the file system. */
	assert_int_equal(access(dbdir, F_OK), -1);
	assert_int_equal(zv_modules_start_all(), 0);
	assert_true(zv_db_is_open());

	assert_string_equal(cli("database put test count 1", ZV_CLI_SUCCESS),
			    "Updated database successfully\n");
	cli("database put SIP/Registry 100 \"10.0.0.1 5060\"", ZV_CLI_SUCCESS);
	assert_string_equal(cli("database get test count", ZV_CLI_SUCCESS), "Value: 1\n");
	assert_string_equal(cli("database get SIP/Registry 100", ZV_CLI_SUCCESS),
			    "Value: 10.0.0.1 5060\n");
	assert_string_equal(cli("database get test nope", ZV_CLI_SUCCESS),
			    "Database entry not found.\n");

	char want[512];
	snprintf(want, sizeof(want), "%-50s: %-25s\n%-50s: %-25s\n2 results found.\n",
		 "/SIP/Registry/100", "10.0.0.1 5060", "/test/count", "1");
	assert_string_equal(cli("database show", ZV_CLI_SUCCESS), want);
	snprintf(want, sizeof(want), "%-50s: %-25s\n1 results found.\n", "/test/count", "1");
	assert_string_equal(cli("database show test", ZV_CLI_SUCCESS), want);
	assert_string_equal(cli("database show test count", ZV_CLI_SUCCESS), want);
	assert_string_equal(cli("database show test/count", ZV_CLI_SUCCESS), want);
	assert_string_equal(cli("database show nothing", ZV_CLI_SUCCESS), "0 results found.\n");
	snprintf(want, sizeof(want), "%-50s: %-25s\n1 results found.\n", "/SIP/Registry/100",
		 "10.0.0.1 5060");
	assert_string_equal(cli("database showkey 100", ZV_CLI_SUCCESS), want);

	assert_string_equal(cli("database del test nope", ZV_CLI_SUCCESS),
			    "Database entry does not exist.\n");
	assert_string_equal(cli("database del test count", ZV_CLI_SUCCESS),
			    "Database entry removed.\n");
	cli("database put fam a 1", ZV_CLI_SUCCESS);
	cli("database put fam b/c 2", ZV_CLI_SUCCESS);
	cli("database put fam b/d 3", ZV_CLI_SUCCESS);
	assert_string_equal(cli("database deltree fam b", ZV_CLI_SUCCESS),
			    "2 database entries removed.\n");
	assert_string_equal(cli("database deltree fam b", ZV_CLI_SUCCESS),
			    "Database entries do not exist.\n");
	assert_string_equal(cli("database deltree fam", ZV_CLI_SUCCESS),
			    "1 database entries removed.\n");

	/* Wrong argument counts print the usage. */
	assert_non_null(strstr(cli("database put a b", ZV_CLI_SHOWUSAGE),
			       "Usage: database put <family> <key> <value>"));
	cli("database get a", ZV_CLI_SHOWUSAGE);
	cli("database deltree", ZV_CLI_SHOWUSAGE);
	cli("database show a b c", ZV_CLI_SHOWUSAGE);
	/* No raw SQL from the CLI. */
	cli("database query \"select 1\"", ZV_CLI_FAILURE);

	zv_modules_stop_all();
	assert_false(zv_db_is_open());
	assert_string_equal(cli("database show", ZV_CLI_FAILURE), "Database unavailable.\n");
	zv_modules_unload_all();
	free(o.text);
	o.text = NULL;
	zv_settings.dbdir = saved_dbdir;
	assert_int_equal(zv_db_open_path(dbpath), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_put_get_overwrite, setup, teardown),
		cmocka_unit_test_setup_teardown(test_invalid_args, setup, teardown),
		cmocka_unit_test_setup_teardown(test_del_exists, setup, teardown),
		cmocka_unit_test_setup_teardown(test_iterate, setup, teardown),
		cmocka_unit_test_setup_teardown(test_callback_may_use_db, setup, teardown),
		cmocka_unit_test_setup_teardown(test_keys, setup, teardown),
		cmocka_unit_test_setup_teardown(test_deltree, setup, teardown),
		cmocka_unit_test_setup_teardown(test_persistence_and_closed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_schema_and_asterisk_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_threads, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kill9_never_corrupts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cli, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
