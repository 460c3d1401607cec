/*
 * Russian SayNumber rules: the prompt files chosen for numbers, with
 * Asterisk's full Russian prompt layout and with the files Debian's
 * ru_RU_f_IvrvoiceRU set has (its digits/ directory, listed below).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "apps/media/say_ru.h"

/* digits/ of asterisk-core-sounds-ru-wav (ru_RU_f_IvrvoiceRU), numbers only */
static const char *const debian_set[] = {
	"0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14",
	"15", "16", "17", "18", "19", "1n", "2n", "20", "30", "40", "50", "60", "70", "80",
	"90", "hundred", "thousand", "million", "billion", "minus", NULL};

static bool in_debian_set(void *arg, const char *name)
{
	if (strncmp(name, "digits/", 7))
		return false;
	for (size_t i = 0; debian_set[i]; i++)
		if (!strcmp(name + 7, debian_set[i]))
			return true;
	return false;
}

/* The names for v joined with spaces. */
static const char *said(long long v, char gender, say_exists_fn *exists)
{
	static char buf[512];
	char names[32][SAY_NAME_LEN];
	size_t n = say_ru_number(v, gender, exists, NULL, names, 32);
	buf[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		if (i)
			strcat(buf, " ");
		strcat(buf, names[i] + 7); /* without "digits/" */
	}
	return buf;
}

static void test_full_layout(void **state)
{
	assert_string_equal(said(0, 'm', NULL), "0");
	assert_string_equal(said(1, 'm', NULL), "1");
	assert_string_equal(said(1, 'f', NULL), "1f");
	assert_string_equal(said(2, 'n', NULL), "2n");
	assert_string_equal(said(2, 'm', NULL), "2");
	assert_string_equal(said(5, 'm', NULL), "5");
	assert_string_equal(said(11, 'm', NULL), "11");
	assert_string_equal(said(21, 'm', NULL), "20 1");
	assert_string_equal(said(21, 'f', NULL), "20 1f");
	assert_string_equal(said(345, 'm', NULL), "300 40 5");
	assert_string_equal(said(1000, 'm', NULL), "thousand");
	assert_string_equal(said(2001, 'm', NULL), "2f thousands-i 1");
	assert_string_equal(said(5000, 'm', NULL), "5 thousands");
	assert_string_equal(said(11000, 'm', NULL), "11 thousands");
	assert_string_equal(said(21000, 'm', NULL), "20 1f thousand");
	assert_string_equal(said(24000, 'm', NULL), "20 4 thousands-i");
	assert_string_equal(said(1000000, 'm', NULL), "1 million");
	assert_string_equal(said(2000000, 'm', NULL), "2 million-a");
	assert_string_equal(said(12000000, 'm', NULL), "12 millions");
	assert_string_equal(said(1002003, 'm', NULL), "1 million 2f thousands-i 3");
	assert_string_equal(said(3000000000LL, 'm', NULL), "3 billion-a");
	assert_string_equal(said(-7, 'm', NULL), "minus 7");
}

static void test_debian_set(void **state)
{
	assert_string_equal(said(1, 'm', in_debian_set), "1");
	assert_string_equal(said(2, 'm', in_debian_set), "2");
	assert_string_equal(said(5, 'm', in_debian_set), "5");
	assert_string_equal(said(21, 'm', in_debian_set), "20 1");
	assert_string_equal(said(1, 'f', in_debian_set), "1n"); /* no 1f: 1n */
	assert_string_equal(said(1000, 'm', in_debian_set), "thousand");
	assert_string_equal(said(2001, 'm', in_debian_set), "2n thousand 1");
	assert_string_equal(said(5000, 'm', in_debian_set), "5 thousand");
	assert_string_equal(said(1000000, 'm', in_debian_set), "1 million");
	assert_string_equal(said(2000000, 'm', in_debian_set), "2 million");
	assert_string_equal(said(100, 'm', in_debian_set), "hundred");
	assert_string_equal(said(345, 'm', in_debian_set), "3 hundred 40 5");
	assert_string_equal(said(-7, 'm', in_debian_set), "minus 7");
}

static void test_limits(void **state)
{
	char names[4][SAY_NAME_LEN];
	/* never more than max names */
	assert_int_equal(say_ru_number(1234567891LL, 'm', NULL, NULL, names, 4), 4);
	char big[64][SAY_NAME_LEN];
	size_t n = say_ru_number(INT64_MIN, 'm', NULL, NULL, big, 64);
	assert_true(n > 3);
	assert_string_equal(big[0], "digits/minus");
	n = say_ru_number(INT64_MAX, 'm', in_debian_set, NULL, big, 64);
	assert_true(n > 3 && n <= 64);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_layout),
		cmocka_unit_test(test_debian_set),
		cmocka_unit_test(test_limits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
