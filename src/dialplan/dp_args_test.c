/*
 * Table for application argument splitting: input, delimiter, flags and
 * the expected arguments (joined with "|" for the comparison).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "dialplan/dp_args.h"

struct row {
	const char *in;
	char delim;
	unsigned flags;
	size_t max;
	const char *want;	/* arguments joined by "|"; NULL: no argument */
};

static const struct row rows[] = {
	{"", ',', 0, 8, NULL},
	{"a", ',', 0, 8, "a"},
	{"a,b,c", ',', 0, 8, "a|b|c"},
	{"SIP/100,,tT", ',', 0, 8, "SIP/100||tT"},
	{"a,", ',', 0, 8, "a|"},
	{",", ',', 0, 8, "|"},
	{"a, b ,c", ',', 0, 8, "a| b |c"},
	{"\"a,b\",c", ',', 0, 8, "a,b|c"},
	{"x\"a,b\"y,c", ',', 0, 8, "xa,by|c"},
	{"\"a,b\",c", ',', DP_ARGS_RAW, 8, "\"a,b\"|c"},
	{"a\\,b,c", ',', 0, 8, "a,b|c"},
	{"a\\,b,c", ',', DP_ARGS_RAW, 8, "a\\,b|c"},
	{"a\\\\,b", ',', 0, 8, "a\\|b"},
	{"a\\\"b,c", ',', 0, 8, "a\"b|c"},
	{"x=${IF($[1=1]?a:b)},y", ',', 0, 8, "x=${IF($[1=1]?a:b)}|y"},
	{"x=${CUT(v,,2)},y", ',', 0, 8, "x=${CUT(v,,2)}|y"},
	{"$[${a},${b}],c", ',', 0, 8, "$[${a},${b}]|c"},
	{"f(a,(b,c)),d", ',', 0, 8, "f(a,(b,c))|d"},
	{"a(b,c", ',', 0, 8, "a(b,c"},		/* unbalanced: one argument */
	{"a),b", ',', 0, 8, "a)|b"},
	{"\"(\",b", ',', 0, 8, "(,b"},		/* parens count inside quotes */
	{"a|b,c", ',', 0, 8, "a|b|c"},		/* "|" is data, see below */
	{"a|b", ',', 0, 8, "a|b"},
	{"a,b,c,d", ',', 0, 2, "a|b"},		/* extras ignored */
	{"a^b^c", '^', 0, 8, "a|b|c"},
	{"k=v&k2=(a&b)", '&', 0, 8, "k=v|k2=(a&b)"},
	{"\"unterminated,x", ',', 0, 8, "unterminated,x"},
	{"trailing\\", ',', 0, 8, "trailing"},
};

static void test_table(void **state)
{
	int failed = 0;

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct row *r = &rows[i];
		char buf[128], got[256] = "";
		char *argv[8];
		size_t argc = 99;

		strcpy(buf, r->in);
		assert_int_equal(dp_args_split(buf, r->delim, r->flags, argv,
					       r->max, &argc), 0);
		for (size_t k = 0; k < argc; k++) {
			if (k)
				strcat(got, "|");
			strcat(got, argv[k]);
		}
		if ((r->want == NULL) != (argc == 0) ||
		    (r->want && strcmp(got, r->want))) {
			printf("row %zu: [%s] -> %zu args [%s], want [%s]\n", i,
			       r->in, argc, got, r->want ? r->want : "(none)");
			failed++;
		}
	}
	assert_int_equal(failed, 0);
}

static void test_counts(void **state)
{
	char buf[32], *argv[4];
	size_t argc;

	strcpy(buf, "a|b,c");
	assert_int_equal(dp_args_split(buf, ',', 0, argv, 4, &argc), 0);
	assert_int_equal(argc, 2);
	assert_string_equal(argv[0], "a|b");
	strcpy(buf, "a");
	assert_int_equal(dp_args_split(buf, ',', 0, argv, 0, &argc), -EINVAL);
	assert_int_equal(dp_args_split(buf, '"', 0, argv, 4, &argc), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_counts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
