/*
 * Dialplan function library tests: each function's documented behaviour,
 * called through the function registry on a real channel, with the
 * modules loaded by the real registry and AstDB on a temporary file.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <zvonok/astdb.h>
#include <zvonok/channel.h>
#include <zvonok/devstate.h>
#include <zvonok/loop.h>
#include <zvonok/obj.h>
#include <zvonok/pbx.h>

#include "core/internal.h"

static char confdir[64];
static struct zv_channel *chan;

static void test_hangup(struct zv_channel *c)
{
}

static const struct zv_channel_tech test_tech = {.type = "Test", .hangup = test_hangup};

static int setup(void **state)
{
	strcpy(confdir, "/tmp/zv_func_test.XXXXXX");
	if (!mkdtemp(confdir) || zv_loops_init(1))
		return -1;
	zv_settings.confdir = confdir;
	zv_settings.dbdir = confdir;
	struct zv_diag diag;
	zv_diag_init(&diag);
	int err = zv_modules_load_all(confdir, &diag);
	size_t errors = diag.errors;
	zv_diag_clear(&diag);
	if (err || errors)
		return -1;
	char path[128];
	snprintf(path, sizeof(path), "%s/astdb.sqlite3", confdir);
	if (zv_db_open_path(path))
		return -1;
	chan = zv_channel_alloc(&test_tech, "t", NULL, "default", "100", ZV_STATE_UP);
	return chan ? 0 : -1;
}

static int teardown(void **state)
{
	zv_channel_destroy(chan);
	chan = zv_unref(chan);
	zv_db_close();
	zv_modules_unload_all();
	zv_loops_fini();
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", confdir);
	if (system(cmd))
		return -1;
	zv_settings.confdir = zv_settings.dbdir = NULL;
	return 0;
}

struct row {
	const char *expr;
	const char *expect; /* NULL: the call must fail */
};

static void run_rows(const struct row *rows, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char buf[1024];
		int err = zv_func_read(chan, rows[i].expr, buf, sizeof(buf));
		if (!rows[i].expect) {
			if (!err)
				fail_msg("%s: expected an error, got '%s'", rows[i].expr, buf);
			continue;
		}
		if (err)
			fail_msg("%s: error %d", rows[i].expr, err);
		if (strcmp(buf, rows[i].expect))
			fail_msg("%s: got '%s', expected '%s'", rows[i].expr, buf, rows[i].expect);
	}
}

#define RUN(rows) run_rows(rows, sizeof(rows) / sizeof(*rows))

static void test_strings(void **state)
{
	zv_channel_var_set(chan, "v", "a-b-c-d-e");
	zv_channel_var_set(chan, "csv", "x,y,z,y");
	zv_channel_var_set(chan, "empty", "");
	static const struct row rows[] = {
		{"CUT(v,-,2)", "b"},
		{"CUT(v,-,2-3)", "b-c"},
		{"CUT(v,-,3-)", "c-d-e"},
		{"CUT(v,-,-2)", "a-b"},
		{"CUT(v,-,1&4)", "a-d"},
		{"CUT(v,,2)", "b"},
		{"CUT(csv,\\,,2)", "y"},
		{"CUT(v,-,9)", ""},
		{"FILTER(0-9,ab1c2d3)", "123"},
		{"FILTER(a-c,abcdef)", "abc"},
		{"FILTER(\\-a,a-b-c)", "a--"},
		{"IF(1?yes:no)", "yes"},
		{"IF(0?yes:no)", "no"},
		{"IF(?yes:no)", "no"},
		{"IF(abc?yes:no)", "yes"},
		{"IF(1?yes)", "yes"},
		{"IF(0?yes)", ""},
		{"ISNULL()", "1"},
		{"ISNULL(x)", "0"},
		{"EXISTS()", "0"},
		{"EXISTS(x)", "1"},
		{"LEN(hello)", "5"},
		{"LEN()", "0"},
		{"REGEX(\"^1[0-9]+$\" 1234)", "1"},
		{"REGEX(\"^1[0-9]+$\" 2234)", "0"},
		{"REPLACE(v,-,_)", "a_b_c_d_e"},
		{"REPLACE(v,-)", "abcde"},
		{"TOUPPER(aBc)", "ABC"},
		{"TOLOWER(aBc)", "abc"},
		{"FIELDQTY(v,-)", "5"},
		{"FIELDQTY(csv,\\,)", "4"},
		{"FIELDQTY(empty,-)", "0"},
		{"LISTFILTER(csv,\\,,y)", "x,z"},
		{"LISTFILTER(csv,\\,,q)", "x,y,z,y"},
		{"SPRINTF(%05d,42)", "00042"},
		{"SPRINTF(%-4s|,ab)", "ab  |"},
		{"SPRINTF(%.2f,3.14159)", "3.14"},
		{"SPRINTF(%x-%X,255,255)", "ff-FF"},
		{"SPRINTF(%c%c,a,b)", "ab"},
		{"SPRINTF(100%%)", "100%"},
		{"QUOTE(say \"hi\" \\ now)", "\"say \\\"hi\\\" \\\\ now\""},
		{"CSV_QUOTE(a \"b\" c)", "\"a \"\"b\"\" c\""},
		{"BASE64_ENCODE(hello world)", "aGVsbG8gd29ybGQ="},
		{"BASE64_DECODE(aGVsbG8gd29ybGQ=)", "hello world"},
		{"BASE64_DECODE(aGVsbG8)", "hello"},
		{"MD5(hello)", "5d41402abc4b2a76b9719d911017c592"},
		{"SHA1(abc)", "a9993e364706816aba3e25717850c26c9cd0d89d"},
		{"MD5()", NULL},
		{"NOSUCHFUNC(x)", NULL},
	};
	RUN(rows);
}

static void test_lists(void **state)
{
	char buf[256];
	zv_channel_var_set(chan, "l", "one,two,three");
	assert_int_equal(zv_func_read(chan, "SHIFT(l)", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "one");
	assert_string_equal(zv_channel_var_get(chan, "l"), "two,three");
	assert_int_equal(zv_func_read(chan, "POP(l)", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "three");
	assert_string_equal(zv_channel_var_get(chan, "l"), "two");
	assert_int_equal(zv_func_write(chan, "PUSH(l)", "four"), 0);
	assert_string_equal(zv_channel_var_get(chan, "l"), "two,four");
	assert_int_equal(zv_func_write(chan, "UNSHIFT(l)", "zero"), 0);
	assert_string_equal(zv_channel_var_get(chan, "l"), "zero,two,four");
	assert_int_equal(zv_func_write(chan, "PUSH(p,-)", "a"), 0);
	assert_int_equal(zv_func_write(chan, "PUSH(p,-)", "b"), 0);
	assert_string_equal(zv_channel_var_get(chan, "p"), "a-b");
	assert_int_equal(zv_func_read(chan, "SHIFT(p,-)", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "a");
	assert_int_equal(zv_func_read(chan, "SHIFT(p,-)", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "b");
	assert_null(zv_channel_var_get(chan, "p"));
	/* PUSH is write-only, SHIFT read-only */
	assert_int_equal(zv_func_read(chan, "PUSH(l)", buf, sizeof(buf)), -EPERM);
}

static void test_math(void **state)
{
	zv_channel_var_set(chan, "n", "41");
	static const struct row rows[] = {
		{"MATH(3+2)", "5.000000"},
		{"MATH(3+2,i)", "5"},
		{"MATH(7/2)", "3.500000"},
		{"MATH(7/2,int)", "3"},
		{"MATH(123%16,int)", "11"},
		{"MATH(2^10,i)", "1024"},
		{"MATH(1<<4,i)", "16"},
		{"MATH(256>>4,i)", "16"},
		{"MATH(255+0,h)", "ff"},
		{"MATH(65+0,c)", "A"},
		{"MATH(3<4,i)", "1"},
		{"MATH(3>=4,i)", "0"},
		{"MATH(4==4,i)", "1"},
		{"MATH(-3*2,i)", "-6"},
		{"MATH(1/0)", NULL},
		{"MATH(abc)", NULL},
		{"INC(n)", "42"},
		{"DEC(n)", "41"},
		{"STRFTIME(0,UTC,%Y-%m-%d %H:%M:%S)", "1970-01-01 00:00:00"},
		{"STRFTIME(86400,UTC,%A)", "Friday"},
		{"IFTIME(*,*,*,*?in:out)", "in"},
		{"STAT(e,/etc/passwd)", "1"},
		{"STAT(f,/etc/passwd)", "1"},
		{"STAT(d,/etc)", "1"},
		{"STAT(e,/no/such/file)", "0"},
	};
	RUN(rows);
	char buf[64];
	for (int i = 0; i < 50; i++) {
		assert_int_equal(zv_func_read(chan, "RAND(5,7)", buf, sizeof(buf)), 0);
		long v = strtol(buf, NULL, 10);
		assert_true(v >= 5 && v <= 7);
	}
	assert_int_equal(zv_func_write(chan, "ENV(ZV_TEST_ENV)", "xyz"), 0);
	assert_int_equal(zv_func_read(chan, "ENV(ZV_TEST_ENV)", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "xyz");
}

static void test_channel(void **state)
{
	char buf[256];
	assert_int_equal(zv_func_write(chan, "CALLERID(all)", "\"Alice Smith\" <1234>"), 0);
	static const struct row rows[] = {
		{"CALLERID(name)", "Alice Smith"},
		{"CALLERID(num)", "1234"},
		{"CALLERID(all)", "\"Alice Smith\" <1234>"},
		{"CHANNEL(context)", "default"},
		{"CHANNEL(exten)", "100"},
		{"CHANNEL(channeltype)", "Test"},
		{"CHANNEL(state)", "Up"},
		{"CHANNEL(language)", "en"},
	};
	RUN(rows);
	assert_int_equal(zv_func_write(chan, "CALLERID(num)", "555"), 0);
	assert_int_equal(zv_func_read(chan, "CALLERID(all)", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "\"Alice Smith\" <555>");
	assert_int_equal(zv_func_write(chan, "CONNECTEDLINE(all)", "Bob <200>"), 0);
	assert_int_equal(zv_func_read(chan, "CONNECTEDLINE(name)", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "Bob");
	assert_int_equal(zv_func_write(chan, "CHANNEL(language)", "ru"), 0);
	assert_string_equal(zv_channel_language(chan), "ru");
	assert_int_equal(zv_func_write(chan, "CHANNEL(name)", "x"), -EPERM);
	assert_int_equal(zv_func_read(chan, "CHANNEL(name)", buf, sizeof(buf)), 0);
	assert_string_equal(buf, zv_channel_name(chan));

	assert_int_equal(zv_func_write(chan, "GLOBAL(gv)", "g1"), 0);
	assert_int_equal(zv_func_read(chan, "GLOBAL(gv)", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "g1");
	assert_int_equal(zv_func_write(chan, "SHARED(sv)", "s1"), 0);
	assert_int_equal(zv_func_read(chan, "SHARED(sv)", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "s1");
}

static void test_db_devstate(void **state)
{
	char buf[256];
	assert_int_equal(zv_func_write(chan, "DB(vm/100)", "1"), 0);
	assert_int_equal(zv_func_write(chan, "DB(vm/101)", "0"), 0);
	assert_int_equal(zv_func_write(chan, "DB(vm/sub/x)", "y"), 0);
	static const struct row rows[] = {
		{"DB(vm/100)", "1"},
		{"DB(vm/nosuch)", ""},
		{"DB_EXISTS(vm/100)", "1"},
		{"DB_EXISTS(vm/nosuch)", "0"},
		{"DB_KEYS(vm)", "100,101,sub"},
		{"DB_KEYS(/vm/)", "100,101,sub"},
		{"DB(novalue)", NULL},
	};
	RUN(rows);
	assert_int_equal(zv_func_read(chan, "DB_EXISTS(vm/101)", buf, sizeof(buf)), 0);
	assert_string_equal(zv_channel_var_get(chan, "DB_RESULT"), "0");
	assert_int_equal(zv_func_read(chan, "DB_DELETE(vm/100)", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "1");
	assert_int_equal(zv_func_read(chan, "DB_EXISTS(vm/100)", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "0");

	assert_int_equal(zv_func_write(chan, "DEVICE_STATE(Custom:lamp)", "INUSE"), 0);
	assert_int_equal(zv_func_read(chan, "DEVICE_STATE(Custom:lamp)", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "INUSE");
	assert_int_equal(zv_func_write(chan, "DEVICE_STATE(SIP/100)", "INUSE"), -EPERM);
	/* Custom states persist in AstDB family CustomDevstate. */
	char *v = NULL;
	assert_int_equal(zv_db_get("CustomDevstate", "lamp", &v), 0);
	assert_string_equal(v, "INUSE");
	free(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_strings),   cmocka_unit_test(test_lists),
		cmocka_unit_test(test_math),      cmocka_unit_test(test_channel),
		cmocka_unit_test(test_db_devstate),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
