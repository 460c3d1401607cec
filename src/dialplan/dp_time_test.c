/*
 * Table test for time ranges (dp_time.c): fields, lists, wrapping ranges,
 * '|' and ',' separators, time zones and malformed specs.  Runs with
 * TZ=UTC so the table's moments are fixed.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "dialplan/dp_time.h"

/* 2026-11-23 is a Monday. */
static time_t at(int y, int mo, int d, int h, int mi)
{
	struct tm tm = {.tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h,
			.tm_min = mi};
	return timegm(&tm);
}

struct row {
	const char *spec;
	int y, mo, d, h, mi;
	bool match;
};

static const struct row rows[] = {
	{"*,*,*,*", 2026, 11, 23, 12, 0, true},
	{"", 2026, 11, 23, 12, 0, true},
	{"09:00-17:00,mon-fri,*,*", 2026, 11, 23, 9, 0, true},
	{"09:00-17:00,mon-fri,*,*", 2026, 11, 23, 17, 0, true}, /* end minute included */
	{"09:00-17:00,mon-fri,*,*", 2026, 11, 23, 17, 1, false},
	{"09:00-17:00,mon-fri,*,*", 2026, 11, 23, 8, 59, false},
	{"09:00-17:00,mon-fri,*,*", 2026, 11, 22, 12, 0, false}, /* Sunday */
	{"09:00-17:00|mon-fri|*|*", 2026, 11, 24, 12, 0, true}, /* '|' separators */
	{"22:00-06:00,*,*,*", 2026, 11, 23, 23, 30, true}, /* wraps midnight */
	{"22:00-06:00,*,*,*", 2026, 11, 23, 3, 0, true},
	{"22:00-06:00,*,*,*", 2026, 11, 23, 12, 0, false},
	{"*,fri-mon,*,*", 2026, 11, 22, 12, 0, true}, /* wraps the week */
	{"*,fri-mon,*,*", 2026, 11, 25, 12, 0, false}, /* Wednesday */
	{"*,sat&sun,*,*", 2026, 11, 22, 12, 0, true},
	{"*,sat&sun,*,*", 2026, 11, 23, 12, 0, false},
	{"*,*,1-7,*", 2026, 11, 3, 12, 0, true},
	{"*,*,1-7,*", 2026, 11, 23, 12, 0, false},
	{"*,*,25&23,*", 2026, 11, 23, 12, 0, true},
	{"*,*,*,nov", 2026, 11, 23, 12, 0, true},
	{"*,*,*,dec-feb", 2026, 11, 23, 12, 0, false},
	{"*,*,*,dec-feb", 2027, 1, 10, 12, 0, true},
	{"*,*,*,NOV", 2026, 11, 23, 12, 0, true},
	{"12:00,*,*,*", 2026, 11, 23, 12, 0, true}, /* a single minute */
	{"12:00,*,*,*", 2026, 11, 23, 12, 1, false},
	{"09:00-17:00,mon-fri,*,*,Europe/Prague", 2026, 11, 23, 16, 30, false}, /* 17:30 CET */
	{"09:00-17:00,mon-fri,*,*,Europe/Prague", 2026, 11, 23, 8, 30, true}, /* 09:30 CET */
	/* malformed: never match */
	{"25:00-26:00,*,*,*", 2026, 11, 23, 12, 0, false},
	{"*,funday,*,*", 2026, 11, 23, 12, 0, false},
	{"*,*,32,*", 2026, 11, 23, 12, 0, false},
	{"*,*,*,*,UTC,extra", 2026, 11, 23, 12, 0, false},
};

static void test_table(void **state)
{
	for (size_t i = 0; i < sizeof(rows) / sizeof(*rows); i++) {
		const struct row *r = &rows[i];
		time_t t = at(r->y, r->mo, r->d, r->h, r->mi);
		bool m = dp_time_match(r->spec, t);
		if (m != r->match)
			fail_msg("row %zu: '%s' at %04d-%02d-%02d %02d:%02d gave %d", i, r->spec,
				 r->y, r->mo, r->d, r->h, r->mi, m);
	}
}

static void test_parse_errors(void **state)
{
	struct dp_time t;
	assert_int_equal(dp_time_parse("09:00-17:00,mon-fri,*,*", &t), 0);
	assert_int_equal(dp_time_parse("9-17,*,*,*", &t), -EINVAL);
	assert_int_equal(dp_time_parse("*,mon-xyz,*,*", &t), -EINVAL);
	assert_int_equal(dp_time_parse("*,*,0,*", &t), -EINVAL);
	assert_int_equal(dp_time_parse("*,*,*,13", &t), -EINVAL);
	assert_int_equal(dp_time_parse("*,*,*,*,UTC", &t), 0);
	assert_string_equal(t.tz, "UTC");
}

int main(void)
{
	setenv("TZ", "UTC", 1);
	tzset();
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_parse_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
