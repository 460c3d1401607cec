/*
 * SayUnixTime's prompt choice (say_time.c): fixed moments in UTC and in
 * another zone, English and Russian (with the files Debian's
 * ru_RU_f_IvrvoiceRU set has), each format letter, literal files, and
 * Q/q relative to a fixed "now".
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "apps/media/say_time.h"

/* digits/ numbers of asterisk-core-sounds-ru-wav (the Russian rules ask) */
static const char *const debian_ru[] = {
	"0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14",
	"15", "16", "17", "18", "19", "1n", "2n", "20", "30", "40", "50", "60", "70", "80",
	"90", "hundred", "thousand", "million", "billion", "minus", NULL};

static bool in_debian_ru(void *arg, const char *name)
{
	if (strncmp(name, "digits/", 7))
		return false;
	for (size_t i = 0; debian_ru[i]; i++)
		if (!strcmp(name + 7, debian_ru[i]))
			return true;
	return false;
}

/* Sat 2026-12-05 14:07:09 UTC */
#define T0 1796479629

/* The names joined with spaces, "digits/" dropped. */
static const char *said(time_t t, const char *tz, const char *fmt, const char *lang, time_t now)
{
	static char buf[1024];
	char names[64][SAY_TIME_NAME_LEN];
	size_t n = say_time(t, tz, fmt, lang, now, in_debian_ru, NULL, names, 64);
	buf[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		if (i)
			strcat(buf, " ");
		strcat(buf, strncmp(names[i], "digits/", 7) ? names[i] : names[i] + 7);
	}
	return buf;
}

static void test_english(void **state)
{
	/* Asterisk's default "ABdY 'digits/at' IMp" */
	assert_string_equal(said(T0, "UTC", NULL, "en", T0),
			    "day-6 mon-11 h-5 2 thousand 20 6 at 2 oh 7 p-m");
	assert_string_equal(said(T0, "UTC", "", "en_US", T0),
			    "day-6 mon-11 h-5 2 thousand 20 6 at 2 oh 7 p-m");
	/* the zone moves the hour (and with it the day) */
	assert_string_equal(said(T0, "Europe/Moscow", "IMp", "en", T0), "5 oh 7 p-m");
	assert_string_equal(said(T0, "Pacific/Kiritimati", "Ad", "en", T0), "day-0 h-6");
	assert_string_equal(said(T0, "America/New_York", "H:M", "en", T0), "oh 9 oh 7");
	/* 24-hour forms, minutes, seconds */
	assert_string_equal(said(T0, "UTC", "HMS", "en", T0), "14 oh 7 oh 9");
	assert_string_equal(said(T0, "UTC", "R", "en", T0), "14 oh 7");
	assert_string_equal(said(T0, "UTC", "T", "en", T0), "14 oh 7 oh 9");
	assert_string_equal(said(T0 + 7 * 3600 - 7 * 60 - 9, "UTC", "kM", "en", T0), "20 1 oclock");
	assert_string_equal(said(T0 + 7 * 3600 - 7 * 60 - 9, "UTC", "HN", "en", T0),
			    "20 1 hundred");
	assert_string_equal(said(T0 + 10 * 3600 - 7 * 60 + 51, "UTC", "HkIp S", "en", T0),
			    "oh oh 12 a-m 0"); /* 00:00:00 */
	assert_string_equal(said(T0 - 2 * 3600 + 30 * 60, "UTC", "lMP", "en", T0),
			    "12 30 7 p-m");
	/* day of month ordinals, month number, weekday letters */
	assert_string_equal(said(1768986303, "UTC", "a b e m", "en", T0),
			    "day-3 mon-0 20 h-1 h-1"); /* Wed 2026-01-21 */
	assert_string_equal(said(1798675200, "UTC", "d m", "en", T0),
			    "30 h-1 h-12"); /* 2026-12-31 */
	assert_string_equal(said(1798675200 - 86400, "UTC", "d", "en", T0), "h-30");
	/* years: 19xx as "19" and the rest, 1901-1909 with "oh" */
	assert_string_equal(said(-2032914600, "UTC", "AY", "en", T0), "day-1 19 oh 5");
	assert_string_equal(said(-2032914600 + 45 * 31557600LL, "UTC", "Y", "en", T0), "19 50");
	/* literal files, spaces, unknown letters, an unterminated quote */
	assert_string_equal(said(T0, "UTC", "'vm-received' x ! 'digits/at'I", "en", T0),
			    "vm-received at 2");
	assert_string_equal(said(T0, "UTC", "I 'to-the-end", "en", T0), "2 to-the-end");
	assert_string_equal(said(T0, "UTC", "''I", "en", T0), "2");
	/* an unknown language: English rules */
	assert_string_equal(said(T0, "UTC", "Y", "xx", T0), "2 thousand 20 6");
}

static void test_relative(void **state)
{
	time_t now = T0; /* Saturday afternoon; today began at T0 - 50829 */
	time_t today = T0 - (14 * 3600 + 7 * 60 + 9);
	assert_string_equal(said(today, "UTC", "Q", "en", now), "today");
	assert_string_equal(said(today, "UTC", "q", "en", now), "");
	assert_string_equal(said(today - 1, "UTC", "Q", "en", now), "yesterday");
	assert_string_equal(said(today - 1, "UTC", "q", "en", now), "yesterday");
	assert_string_equal(said(today + 86400, "UTC", "Q", "en", now), "tomorrow");
	assert_string_equal(said(today + 2 * 86400 + 5, "UTC", "Q", "en", now), "day-1");
	assert_string_equal(said(today - 3 * 86400, "UTC", "Q", "en", now), "day-3");
	assert_string_equal(said(today - 20 * 86400, "UTC", "Q", "en", now),
			    "day-0 mon-10 h-15");
	assert_string_equal(said(today - 100 * 86400, "UTC", "Q", "en", now), "mon-7 20 h-7");
	assert_string_equal(said(today - 400 * 86400, "UTC", "Q", "en", now),
			    "mon-9 30 h-1 2 thousand 20 5");
	assert_string_equal(said(today + 10 * 86400, "UTC", "Q", "en", now), "day-2 mon-11 h-15");
	/* "today" is the zone's day: 01:00 in Moscow is already the 6th */
	assert_string_equal(said(today + 86400 - 3 * 3600 + 3600, "Europe/Moscow", "Q", "en",
				 now + 11 * 3600),
			    "today");
	assert_string_equal(said(today + 86400 - 3 * 3600 + 3600, "UTC", "Q", "en", now),
			    "today");
	/* Q with the time after it */
	assert_string_equal(said(today - 1, "UTC", "Q 'digits/at' IMp", "en", now),
			    "yesterday at 11 50 9 p-m");
}

static void test_russian(void **state)
{
	/* "AdBY 'digits/at' H 'hours' M 'minutes'" with Debian's ru files:
	 * 2026 is 2n (no 2f) thousand 20 6 */
	assert_string_equal(said(T0, "UTC", NULL, "ru", T0),
			    "day-6 h-5 mon-11 2n thousand 20 6 at 14 hours 7 minutes");
	assert_string_equal(said(T0, "Europe/Moscow", NULL, "ru_RU", T0),
			    "day-6 h-5 mon-11 2n thousand 20 6 at 17 hours 7 minutes");
	/* feminine minutes: 1 and 2 as 1n/2n (the set has no 1f/2f) */
	assert_string_equal(said(T0 - 6 * 60, "UTC", "HM", "ru", T0), "14 1n");
	assert_string_equal(said(T0 + 15 * 60, "UTC", "HM", "ru", T0), "14 20 2n");
	assert_string_equal(said(T0 + 53 * 60 - 9, "UTC", "HM", "ru", T0), "15 0");
	/* masculine hours: 21 is 20 1 */
	assert_string_equal(said(T0 + 7 * 3600, "UTC", "k", "ru", T0), "20 1");
	assert_string_equal(said(T0, "UTC", "R", "ru", T0), "14 hours 7 minutes");
	assert_string_equal(said(T0, "UTC", "T", "ru", T0),
			    "14 hours 7 minutes 9 seconds");
	assert_string_equal(said(T0, "UTC", "Ip", "ru", T0), "2 p-m");
	/* day and month ordinals; Q in Russian order */
	assert_string_equal(said(1798675200, "UTC", "dB m", "ru", T0), "30 h-1 mon-11 h-12");
	time_t today = T0 - (14 * 3600 + 7 * 60 + 9);
	assert_string_equal(said(today - 20 * 86400, "UTC", "Q", "ru", T0), "day-0 h-15 mon-10");
	assert_string_equal(said(today - 400 * 86400, "UTC", "Q", "ru", T0),
			    "30 h-1 mon-9 2n thousand 20 5");
	assert_string_equal(said(today + 3600, "UTC", "Q", "ru", T0), "today");
	/* years before 2000 are plain numbers in Russian */
	assert_string_equal(said(-2032914600, "UTC", "Y", "ru", T0), "thousand 9 hundred 5");
}

static void test_limits(void **state)
{
	char names[3][SAY_TIME_NAME_LEN];
	assert_int_equal(say_time(T0, "UTC", NULL, "en", T0, NULL, NULL, names, 3), 3);
	assert_string_equal(names[2], "digits/h-5");
	/* a long literal is cut, not overflowed */
	char fmt[200];
	memset(fmt, 'x', sizeof(fmt));
	fmt[0] = '\'';
	fmt[sizeof(fmt) - 1] = '\0';
	assert_int_equal(say_time(T0, "UTC", fmt, "en", T0, NULL, NULL, names, 3), 1);
	assert_int_equal(strlen(names[0]), SAY_TIME_NAME_LEN - 1);
	assert_string_equal(say_time_default_format("ru"), "AdBY 'digits/at' H 'hours' M 'minutes'");
	assert_string_equal(say_time_default_format("en"), "ABdY 'digits/at' IMp");
	assert_string_equal(say_time_default_format("rus"), "ABdY 'digits/at' IMp");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_english),
		cmocka_unit_test(test_relative),
		cmocka_unit_test(test_russian),
		cmocka_unit_test(test_limits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
