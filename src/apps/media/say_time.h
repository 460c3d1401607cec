/*
 * Dates and times as prompt files, for SayUnixTime/DateTime: which
 * files say a moment in a zone with a format of Asterisk's SayUnixTime
 * letters.
 *
 * Pure (no I/O, no channel): whether a file exists is asked through
 * `exists` (only the Russian number rules ask), so the caller runs it
 * where stat() may block (the blocking pool) and a unit test can give any
 * prompt set.  The zone conversion takes dp_time's process-wide TZ lock
 * briefly.
 */
#ifndef ZV_APPS_MEDIA_SAY_TIME_H
#define ZV_APPS_MEDIA_SAY_TIME_H

#include <stddef.h>
#include <time.h>

#include "apps/media/say_ru.h"

#define SAY_TIME_NAME_LEN 64

/* The default format of a language: "ABdY 'digits/at' IMp" (Asterisk's,
 * English and anything else), "AdBY 'digits/at' H 'hours' M 'minutes'"
 * for ru. */
const char *say_time_default_format(const char *lang);

/*
 * The prompt names for moment t in zone tz ("" or NULL: local time) with
 * format (NULL or "": the language's default), relative to now (for Q
 * and q), in language lang (Russian rules for ru and ru_*, English
 * otherwise).  Format letters (as Asterisk's):
 *   A a  weekday          digits/day-0..6
 *   B b h  month name     digits/mon-0..11
 *   d e  day of month     ordinal: digits/h-1..h-20, h-30 (21: 20 + h-1)
 *   m    month number     ordinal as d
 *   Y    year             en: a number, 19xx as "19" + rest ("oh" for
 *                         1901-1909); ru: a number
 *   I l  hour 1-12        H k  hour 0-23 (en H: "oh" before 0-9)
 *   M    minute           en: 0 "oclock", 1-9 "oh" + digit; ru: a number
 *   N    minute           as M, 0 is "hundred" (en)
 *   S    seconds          en: 1-9 "oh" + digit
 *   p P  AM/PM            digits/a-m, digits/p-m
 *   Q    today, yesterday, tomorrow, else the weekday (within a week),
 *        weekday+day+month (a month), day+month (6 months), +year
 *   q    as Q but nothing for today
 *   R    HM (ru: H 'hours' M 'minutes')     T  HMS (ru: with seconds)
 *   'file'  that file; spaces and tabs are ignored, other
 *        characters skipped.
 * Returns the number of names (at most max); names longer than
 * SAY_TIME_NAME_LEN - 1 are cut.
 */
size_t say_time(time_t t, const char *tz, const char *format, const char *lang, time_t now,
		say_exists_fn *exists, void *arg, char names[][SAY_TIME_NAME_LEN], size_t max);

#endif
