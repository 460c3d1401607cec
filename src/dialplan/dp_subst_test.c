/*
 * Table for ${...} and $[...] substitution, against a small variable store
 * and three echo-like functions defined here (the collaborators the engine
 * will supply for real).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dialplan/dp_subst.h"

static const char *const vars[][2] = {
	{"A", "hello"}, {"B", "A"}, {"EMPTY", ""}, {"NUM", "5"},
	{"LONG", "0123456789"}, {"X", "1"}, {"A1", "nested1"},
	{"RAW", "${A}$[1+1]"}, {"CID", "18005551212"},
};

struct fake {
	int warnings;
};

static int get_var(void *ctx, const char *name, char *buf, size_t size)
{
	for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
		if (!strcmp(vars[i][0], name)) {
			snprintf(buf, size, "%s", vars[i][1]);
			return 0;
		}
	return -ENOENT;
}

static int read_func(void *ctx, const char *name, const char *args,
		     char *buf, size_t size)
{
	if (!strcmp(name, "LEN"))
		snprintf(buf, size, "%zu", strlen(args));
	else if (!strcmp(name, "ECHO") || !strcmp(name, "IF"))
		snprintf(buf, size, "%s", args);
	else
		return -ENOENT;
	return 0;
}

static void warn(void *ctx, const char *what, const char *text)
{
	((struct fake *)ctx)->warnings++;
}

static const struct dp_subst_ops ops = {
	.get_var = get_var, .read_func = read_func, .warn = warn,
};

struct row {
	const char *in, *want;
	int warnings;
};

static const struct row rows[] = {
	{"", "", 0},
	{"plain text", "plain text", 0},
	{"${A}", "hello", 0},
	{"x${A}y${A}", "xhelloyhello", 0},
	{"${NOPE}", "", 0},
	{"${}", "", 0},
	{"${EMPTY}", "", 0},
	/* substrings */
	{"${LONG:2}", "23456789", 0},
	{"${LONG:2:3}", "234", 0},
	{"${LONG:-3}", "789", 0},
	{"${LONG:-3:2}", "78", 0},
	{"${LONG:0:-2}", "01234567", 0},
	{"${LONG:2:-2}", "234567", 0},
	{"${LONG:2:-20}", "", 0},
	{"${LONG:-20}", "0123456789", 0},
	{"${LONG:-20:3}", "012", 0},
	{"${LONG:20}", "", 0},
	{"${LONG:0:0}", "", 0},
	{"${LONG:3:}", "3456789", 0},
	{"${LONG::3}", "0123456789", 0},	/* as sscanf("%d:%d") */
	{"${CID:1}", "8005551212", 0},
	{"${CID:1:3}", "800", 0},
	/* nesting */
	{"${${B}}", "hello", 0},
	{"${A${X}}", "nested1", 0},
	{"${${B}:1:3}", "ell", 0},
	{"${LONG:${X}:${NUM}}", "12345", 0},
	/* functions */
	{"${LEN(${A})}", "5", 0},
	{"${ECHO(a,b)}", "a,b", 0},
	{"${ECHO(hello):1}", "ello", 0},
	{"${ECHO(a:b)}", "a:b", 0},
	{"${ECHO(f(x))}", "f(x)", 0},
	{"${NOFUNC(1)}", "", 0},
	{"${IF($[${NUM} > 3]?big:small)}", "1?big:small", 0},
	{"${ECHO(abc}", "abc", 1},		/* missing ")" */
	/* values are not substituted again */
	{"${RAW}", "${A}$[1+1]", 0},
	/* expressions */
	{"$[1 + 2]", "3", 0},
	{"$[${NUM} * 2]", "10", 0},
	{"$[$[1 + 2] * 3]", "9", 0},
	{"$[ $[ $[1] + 1 ] + 1 ]", "3", 0},
	{"$[${EMPTY} = 1]", "0", 1},		/* "= 1": syntax error */
	{"$[\"${EMPTY}\" = \"\"]", "1", 0},
	{"$[\"${X}\" = \"1\"]", "1", 0},
	{"$[${A} : hel]", "3", 0},
	{"$[${LONG:0:2} + 1]", "2", 0},
	{"a$[1]b", "a1b", 0},
	{"$[]", "", 0},
	{"$[a[1]]", "a[1]", 0},
	/* literals and broken input */
	{"$5.00", "$5.00", 0},
	{"a$", "a$", 0},
	{"$$${A}", "$$hello", 0},
	{"${A", "${A", 1},
	{"x${A${B}", "x${A${B}", 1},
	{"$[1 + 2", "$[1 + 2", 1},
	{"${A}}", "hello}", 0},
	{"}{]", "}{]", 0},
};

static void test_table(void **state)
{
	char out[256];
	int failed = 0;

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct fake f = {0};
		const struct row *r = &rows[i];
		int rc = dp_subst(r->in, strlen(r->in), &ops, &f, out, sizeof(out));

		if (rc || strcmp(out, r->want) || f.warnings != r->warnings) {
			printf("row %zu: [%s] -> [%s] rc %d warn %d, want [%s] warn %d\n",
			       i, r->in, out, rc, f.warnings, r->want, r->warnings);
			failed++;
		}
	}
	assert_int_equal(failed, 0);
}

static void test_limits(void **state)
{
	struct fake f = {0};
	char in[300], out[64], small[4];
	size_t n = 0;
	char *r;
	size_t len;

	/* too deep: the deepest constructs expand to nothing */
	for (int i = 0; i < 40; i++) {
		in[n++] = '$';
		in[n++] = '{';
	}
	in[n++] = 'A';
	for (int i = 0; i < 40; i++)
		in[n++] = '}';
	assert_int_equal(dp_subst(in, n, &ops, &f, out, sizeof(out)), -ELOOP);
	assert_string_equal(out, "");

	/* a result longer than the buffer is truncated */
	assert_int_equal(dp_subst("${LONG}", 7, &ops, &f, small, sizeof(small)),
			 -ENOSPC);
	assert_string_equal(small, "012");
	assert_int_equal(dp_subst("abcdef", 6, &ops, &f, small, sizeof(small)),
			 -ENOSPC);
	assert_string_equal(small, "abc");

	/* heap variant */
	assert_int_equal(dp_subst_alloc("<${A}>", 6, &ops, &f, 0, &r, &len), 0);
	assert_string_equal(r, "<hello>");
	assert_int_equal(len, 7);
	free(r);
	assert_int_equal(dp_subst_alloc("${LONG}${LONG}", 14, &ops, &f, 12, &r,
					 &len), -ENOSPC);
	assert_string_equal(r, "012345678901");
	free(r);

	/* no callbacks at all: everything expands to nothing */
	struct dp_subst_ops none = {0};
	assert_int_equal(dp_subst("[${A}${F(x)}$[2*2]]", 19, &none, NULL, out,
				  sizeof(out)), 0);
	assert_string_equal(out, "[4]");
	/* only len bytes are read */
	assert_int_equal(dp_subst("${A}${B}", 4, &ops, &f, out, sizeof(out)), 0);
	assert_string_equal(out, "hello");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_limits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
