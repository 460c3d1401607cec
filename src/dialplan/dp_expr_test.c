/*
 * Conformance table for the $[...] evaluator: each row is an expression as
 * it reaches the evaluator (after ${} substitution), the result Asterisk
 * documents or gives for it, and the return code.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dialplan/dp_expr.h"

struct row {
	const char *expr;
	const char *want;
	int rc;
};

static const struct row rows[] = {
	/* empty and plain values */
	{"", "", 0},
	{"   ", "", 0},
	{"abc", "abc", 0},
	{"007", "007", 0},		/* untouched values keep their text */
	{"007 + 0", "7", 0},
	{" 1 + 2 ", "3", 0},
	{"1+2", "3", 0},		/* no spaces needed */
	/* arithmetic, floating point since Asterisk 1.6 */
	{"3 - 5", "-2", 0},
	{"2 * 3", "6", 0},
	{"3 / 2", "1.5", 0},
	{"6 / 2", "3", 0},
	{"1 / 3", "0.333333333333333333", 0},
	{"10 % 3", "1", 0},
	{"-10 % 3", "-1", 0},
	{"5.5 % 2", "1.5", 0},
	{"0.1 + 0.2", "0.3", 0},
	{"2.50 * 2", "5", 0},
	{"1 / 0", "2147483647", 0},	/* division by zero: INT_MAX */
	{"1 % 0", "2147483647", 0},
	{"1 / x", "2147483647", 0},
	{"x / 2", "0", 0},
	{"abc + 1", "1", 0},		/* non-numeric is 0 */
	{"1 - abc", "1", 0},
	{"abc * 3", "0", 0},
	{".5 + 1", "1", 0},		/* ".5" is not a number */
	{"99999999999 * 10", "999999999990", 0},
	/* unary operators */
	{"-5", "-5", 0},
	{"- 5 + 3", "-2", 0},
	{"3 - -5", "8", 0},
	{"--5", "5", 0},
	{"-0", "0", 0},
	{"-abc", "0", 0},
	{"!0", "1", 0},
	{"!1", "0", 0},
	{"!abc", "0", 0},
	{"!\"\"", "0", 0},
	{"!!5", "1", 0},
	{"! 0.0", "1", 0},
	/* precedence */
	{"1 + 2 * 3", "7", 0},
	{"(1 + 2) * 3", "9", 0},
	{"2 * 3 + 4 * 5", "26", 0},
	{"10 - 4 - 3", "3", 0},
	{"12 / 2 / 3", "2", 0},
	{"1 + 1 = 2", "1", 0},
	{"1 = 1 & 2 = 2", "1", 0},
	{"0 | 1 & 0", "0", 0},
	{"1 | 0 & 0", "1", 0},
	{"((((1 + 2))))", "3", 0},
	{"(2 + (3 * (4 - 1))) * 2", "22", 0},
	{"- 2 * 3", "-6", 0},
	{"!0 + 1", "2", 0},
	/* comparisons: numbers numerically, else as strings */
	{"10 < 9", "0", 0},
	{"9 < 10", "1", 0},
	{"\"10\" < \"9\"", "1", 0},	/* quoted: string compare */
	{"abc < abd", "1", 0},
	{"\"abc\" < \"abd\"", "1", 0},
	{"abc = abc", "1", 0},
	{"abc == abc", "1", 0},
	{"abc != abc", "0", 0},
	{"1.0 = 1", "1", 0},
	{"-1 < 0", "1", 0},
	{"2 >= 2", "1", 0},
	{"2 <= 1", "0", 0},
	{"b > a", "1", 0},
	{"10 > 9a", "0", 0},		/* "9a" is a string: "10" < "9a" */
	{"\"1\" = \"1\"", "1", 0},	/* "${x}" = "1" with x=1 */
	{"\"\" = \"1\"", "0", 0},	/* ... and with x empty */
	{"\"1\" = 1", "0", 0},		/* quotes are part of the string */
	/* | and & */
	{"5 | 6", "5", 0},
	{"0 | 6", "6", 0},
	{"abc | 6", "abc", 0},
	{"0 | 0", "0", 0},
	{"5 & 6", "5", 0},
	{"0 & 6", "0", 0},
	{"abc & 0", "0", 0},
	{"abc & def", "abc", 0},
	/* ternary, else part written "::" */
	{"1 ? yes :: no", "yes", 0},
	{"0 ? yes :: no", "no", 0},
	{"\"\" ? yes :: no", "no", 0},
	{"abc ? yes :: no", "yes", 0},
	{"1 = 2 ? yes :: no", "no", 0},
	{"1 ? 2 + 3 :: 4", "5", 0},
	{"0 ? a :: 1 ? b :: c", "b", 0},
	{"(1 ? a :: b) = a", "1", 0},
	/* regular expressions */
	{"abcde : abc", "3", 0},
	{"abcde : bcd", "0", 0},		/* anchored */
	{"abcde =~ bcd", "3", 0},		/* not anchored */
	{"abcde : \"a(b.)\"", "bc", 0},
	{"abcde : a(b.)", "0", -EINVAL},	/* unquoted: "a(" is a call */
	{"abcde : \"x(b.)\"", "", 0},
	{"abcde =~ \"(c.)e\"", "cd", 0},
	{"18005551212 : \"1(...)\"", "800", 0},
	{"\"abcde\" : \"a(b.)\"", "bc", 0},	/* quotes stripped */
	{"abc : \"[a-\"", "", 0},			/* bad regex: "" */
	{"5551212 : \"[0-9]+\"", "7", 0},
	{"\"x\" : \"\"", "0", 0},
	{"abc : a ? yes :: no", "yes", 0},
	{"! abc : x", "1", 0},			/* ! binds looser than : */
	{"aa : \"(a)\\1\"", "", 0},		/* back-reference: refused */
	{"a : \"a{9}{9}{9}{9}\"", "", 0},	/* 10^4 repeats: refused */
	{"aaa : \"a{2}\"", "2", 0},
	{"a : \"a+++++++++++++\"", "", 0},	/* 13 "+": refused */
	{"ab ~~ cd", "abcd", 0},
	{"\"ab\" ~~ \"cd\"", "abcd", 0},
	/* math functions */
	{"FLOOR(3.7)", "3", 0},
	{"CEIL(3.2)", "4", 0},
	{"SQRT(16)", "4", 0},
	{"POW(2, 10)", "1024", 0},
	{"TRUNC(7 / 2)", "3", 0},
	{"ROUND(2.5)", "3", 0},
	{"FLOOR(7/2) + 1", "4", 0},
	{"NOSUCH(1)", "0", -EINVAL},
	{"POW(2)", "0", -EINVAL},
	/* syntax errors: "0" and -EINVAL */
	{" = 1", "0", -EINVAL},		/* $[${x} = 1] with x empty */
	{"1 =", "0", -EINVAL},
	{"1 2", "0", -EINVAL},
	{"(1 + 2", "0", -EINVAL},
	{"1 + 2)", "0", -EINVAL},
	{"()", "0", -EINVAL},
	{"1 ? 2", "0", -EINVAL},
	{"1 ? 2 : 3", "0", -EINVAL},
	{"\"abc", "0", -EINVAL},
	{"*", "0", -EINVAL},
	/* whitespace oddities */
	{"\t1\n+\r2", "3", 0},
	{"\"a b\" = \"a b\"", "1", 0},
	{"a,b", "a,b", 0},
};

static void test_table(void **state)
{
	char out[256];
	int failed = 0;

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct row *r = &rows[i];
		int rc = dp_expr_eval(r->expr, strlen(r->expr), out, sizeof(out));

		if (rc != r->rc || strcmp(out, r->want) != 0) {
			printf("row %zu: $[%s] -> \"%s\" rc %d, want \"%s\" rc %d\n",
			       i, r->expr, out, rc, r->want, r->rc);
			failed++;
		}
	}
	assert_int_equal(failed, 0);
}

static void test_depth_limit(void **state)
{
	char expr[400], out[16];
	size_t n = 0;

	for (int i = 0; i < 100; i++)
		expr[n++] = '(';
	expr[n++] = '1';
	for (int i = 0; i < 100; i++)
		expr[n++] = ')';
	assert_int_equal(dp_expr_eval(expr, n, out, sizeof(out)), -EINVAL);
	assert_string_equal(out, "0");
	/* 60 levels are fine */
	assert_int_equal(dp_expr_eval(expr + 40, n - 80, out, sizeof(out)), 0);
	assert_string_equal(out, "1");
}

static void test_truncation_and_alloc(void **state)
{
	char out[4];
	char *r;

	assert_int_equal(dp_expr_eval("abcdef", 6, out, sizeof(out)), -ENOSPC);
	assert_string_equal(out, "abc");
	/* not NUL-terminated input: only len bytes count */
	assert_int_equal(dp_expr_eval("1+2+3", 3, out, sizeof(out)), 0);
	assert_string_equal(out, "3");
	assert_int_equal(dp_expr_eval_alloc("2 * 21", 6, &r), 0);
	assert_string_equal(r, "42");
	free(r);
	assert_int_equal(dp_expr_eval_alloc("2 *", 3, &r), -EINVAL);
	assert_string_equal(r, "0");
	free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_depth_limit),
		cmocka_unit_test(test_truncation_and_alloc),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
