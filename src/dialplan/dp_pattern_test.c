/*
 * Tables for extension patterns: match, canmatch and matchmore for single
 * pattern/number pairs, and which extension of a realistic context wins
 * for several dialled numbers once sorted with dp_pattern_cmp().
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dialplan/dp_pattern.h"

struct mrow {
	const char *name, *data;
	bool match, canmatch, matchmore;
};

static const struct mrow mrows[] = {
	{"_NXX", "555", true, true, false},
	{"_NXX", "55", false, true, true},
	{"_NXX", "155", false, false, false},
	{"_NXX", "5555", false, false, false},
	{"_NXX", "", false, true, true},
	{"_9.", "9", false, true, true},
	{"_9.", "91", true, true, true},
	{"_9.", "", false, true, true},
	{"_9.", "8", false, false, false},
	{"_X!", "", false, true, true},
	{"_X!", "4", true, true, true},
	{"_9!", "9", true, true, true},
	{"_9!", "9123", true, true, true},
	{"_.", "", false, true, true},
	{"_.", "abc", true, true, true},
	{"_1-NXX-NXX-XXXX", "18005551212", true, true, false},
	{"_1-NXX-NXX-XXXX", "1800", false, true, true},
	{"_1-NXX-NXX-XXXX", "1-800", false, false, false},
	{"_[1-5]XX", "355", true, true, false},
	{"_[1-5]XX", "655", false, false, false},
	{"_[a-c]", "b", true, true, false},
	{"_[a-c]", "d", false, false, false},
	{"_[13-5]", "4", true, true, false},
	{"_[13-5]", "2", false, false, false},
	{"_[abc", "a", false, false, false},
	{"_[]", "", false, false, false},
	{"_x", "5", true, true, false},
	{"_ZX", "05", false, false, false},
	{"_ZX", "15", true, true, false},
	{"_N[02468]", "24", true, true, false},
	{"_N[02468]", "23", false, false, false},
	{"_XXX*[a-z].", "123*ab", true, true, true},
	{"_XXX*[a-z].", "123*a", false, true, true},
	{"_XXX*[a-z].", "123#a", false, false, false},
	{"100", "100", true, true, false},
	{"100", "10", false, true, true},
	{"100", "1000", false, false, false},
	{"100", "", false, true, true},
	{"_100", "100", true, true, false},
	{"s", "s", true, true, false},
	/* caller-ID halves use the same matcher */
	{"_NXXNXXXXXX", "2125551212", true, true, false},
	{"_0.", "2125551212", false, false, false},
};

static void test_match_table(void **state)
{
	int failed = 0;

	for (size_t i = 0; i < sizeof(mrows) / sizeof(mrows[0]); i++) {
		const struct mrow *r = &mrows[i];
		struct zv_str n = zv_str_c(r->name), d = zv_str_c(r->data);
		bool m = dp_pattern_match(n, d), c = dp_pattern_canmatch(n, d);
		bool mm = dp_pattern_matchmore(n, d);

		if (m != r->match || c != r->canmatch || mm != r->matchmore) {
			printf("row %zu: %s vs \"%s\": %d %d %d, want %d %d %d\n",
			       i, r->name, r->data, m, c, mm, r->match,
			       r->canmatch, r->matchmore);
			failed++;
		}
	}
	assert_int_equal(failed, 0);
}

static const char *context[] = {
	"_X.", "_NXX", "_1NXXNXXXXXX", "_9.", "_9NXX", "_[1-5]XX",
	"_XXX*[a-z].", "100", "_9!", "_1XX", "_[2-6]XX",
};
#define NCTX (sizeof(context) / sizeof(context[0]))

struct wrow {
	const char *dialled, *winner;
};

static const struct wrow wrows[] = {
	{"100", "100"},			/* exact before any pattern */
	{"101", "_1XX"},		/* literal 1 beats [1-5] */
	{"255", "_[1-5]XX"},		/* 5 beats [2-6] (lower first) and N */
	{"655", "_[2-6]XX"},		/* 5 members beat N's 8 */
	{"755", "_NXX"},
	{"9555", "_9NXX"},		/* 9 beats X; N beats . */
	{"95", "_9."},			/* . before ! */
	{"9", "_9!"},			/* only ! takes zero more */
	{"18005551212", "_1NXXNXXXXXX"},
	{"123*abc", "_XXX*[a-z]."},
	{"123*a", "_X."},
	{"12", "_X."},
	{"0", NULL},
};

static int cmp_names(const void *a, const void *b)
{
	return dp_pattern_cmp(zv_str_c(*(const char *const *)a),
			      zv_str_c(*(const char *const *)b));
}

static void test_winner_table(void **state)
{
	const char *sorted[NCTX];
	int failed = 0;

	memcpy(sorted, context, sizeof(context));
	qsort(sorted, NCTX, sizeof(sorted[0]), cmp_names);
	for (size_t i = 0; i < sizeof(wrows) / sizeof(wrows[0]); i++) {
		const char *win = NULL;

		for (size_t k = 0; k < NCTX && !win; k++)
			if (dp_pattern_match(zv_str_c(sorted[k]),
					     zv_str_c(wrows[i].dialled)))
				win = sorted[k];
		if ((win == NULL) != (wrows[i].winner == NULL) ||
		    (win && strcmp(win, wrows[i].winner))) {
			printf("%s: won by %s, want %s\n", wrows[i].dialled,
			       win ? win : "(none)",
			       wrows[i].winner ? wrows[i].winner : "(none)");
			failed++;
		}
	}
	assert_int_equal(failed, 0);
}

static void test_cmp_rules(void **state)
{
#define CMP(a, b) dp_pattern_cmp(zv_str_c(a), zv_str_c(b))
	assert_true(CMP("100", "_100") < 0);
	assert_true(CMP("_100", "100") > 0);
	assert_true(CMP("100", "101") < 0);
	assert_true(CMP("1-00", "100") != 0);	/* distinct names */
	assert_true(CMP("_1", "_N") < 0);
	assert_true(CMP("_N", "_Z") < 0);
	assert_true(CMP("_Z", "_X") < 0);
	assert_true(CMP("_X", "_.") < 0);
	assert_true(CMP("_.", "_!") < 0);
	assert_true(CMP("_[1-3]", "_N") < 0);
	assert_true(CMP("_[2-9]", "_N") > 0);	/* same set, byte order */
	assert_true(CMP("_NXX", "_NXXX") < 0);
	assert_true(CMP("_X.", "_X") > 0);
	assert_int_equal(CMP("_NXX", "_NXX"), 0);
	assert_true(CMP("_N-XX", "_NXX") != 0);
	/* antisymmetric */
	for (size_t i = 0; i < NCTX; i++)
		for (size_t k = 0; k < NCTX; k++) {
			int r1 = CMP(context[i], context[k]);
			int r2 = CMP(context[k], context[i]);
			assert_true((r1 > 0) == (r2 < 0));
			assert_true((r1 == 0) == (i == k));
		}
#undef CMP
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_match_table),
		cmocka_unit_test(test_winner_table),
		cmocka_unit_test(test_cmp_rules),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
