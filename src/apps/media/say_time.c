/*
 * Dates and times as prompt files (see say_time.h).
 *
 * DESIGN
 * One pass over the format, each letter appending the names that say its
 * part of the broken-down time; Q, q, R and T expand to other formats and
 * recurse once.  English follows Asterisk's English rules letter by
 * letter.  Russian is approximated from what Debian's ru_RU_f_IvrvoiceRU
 * set has: the same digits/day-N, mon-N and ordinal h-N files as English
 * (used for weekdays, months and days of month), numbers by say_ru.c
 * (hours masculine, minutes and seconds feminine), and only plural forms
 * of "hours"/"minutes"/"seconds" (no час/часа/часов declension is
 * possible with them), which the Russian formats name as literal files.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "apps/media/say_time.h"
#include "dialplan/dp_time.h"

struct out {
	char (*names)[SAY_TIME_NAME_LEN];
	size_t n, max;
	bool ru;
	say_exists_fn *exists;
	void *arg;
	time_t t, now;
	const char *tz;
	struct tm tm;
};

static void put(struct out *o, const char *name)
{
	if (o->n < o->max)
		snprintf(o->names[o->n++], SAY_TIME_NAME_LEN, "%s", name);
}

static void putf(struct out *o, const char *fmt, int v)
{
	char name[SAY_TIME_NAME_LEN];
	snprintf(name, sizeof(name), fmt, v);
	put(o, name);
}

/* English cardinal numbers as Asterisk's prompt set names them. */
static void en_number(struct out *o, long v)
{
	if (v < 0) {
		put(o, "digits/minus");
		v = -v;
	}
	if (v == 0) {
		put(o, "digits/0");
		return;
	}
	if (v >= 1000000) {
		en_number(o, v / 1000000);
		put(o, "digits/million");
		v %= 1000000;
	}
	if (v >= 1000) {
		en_number(o, v / 1000);
		put(o, "digits/thousand");
		v %= 1000;
	}
	if (v >= 100) {
		putf(o, "digits/%d", (int)(v / 100));
		put(o, "digits/hundred");
		v %= 100;
	}
	if (v >= 20) {
		putf(o, "digits/%d", (int)(v / 10 * 10));
		v %= 10;
	}
	if (v)
		putf(o, "digits/%d", (int)v);
}

/* A number in the language's rules (gender for Russian 1 and 2). */
static void number(struct out *o, long v, char gender)
{
	if (!o->ru) {
		en_number(o, v);
		return;
	}
	char tmp[32][SAY_NAME_LEN];
	size_t n = say_ru_number(v, gender, o->exists, o->arg, tmp, 32);
	for (size_t i = 0; i < n; i++)
		put(o, tmp[i]);
}

/* An ordinal 1..99: digits/h-N below 20 and for whole tens, else the tens
 * as a number and the unit as an ordinal (21: digits/20 digits/h-1). */
static void ordinal(struct out *o, int v)
{
	if (v < 20 || v % 10 == 0) {
		putf(o, "digits/h-%d", v);
		return;
	}
	putf(o, "digits/%d", v / 10 * 10);
	putf(o, "digits/h-%d", v % 10);
}

static void format_run(struct out *o, const char *f, int depth);

/* Q and q: how far t is from today (in the zone), said as Asterisk does. */
static void relative_day(struct out *o, bool say_today, int depth)
{
	struct tm nowtm;
	dp_time_local(o->tz, o->now, &nowtm);
	time_t today = o->now - (nowtm.tm_hour * 3600 + nowtm.tm_min * 60 + nowtm.tm_sec);
	time_t t = o->t;
	const char *f;
	if (t >= today + 15768000)
		f = o->ru ? "dBY" : "BdY";
	else if (t >= today + 2628000)
		f = o->ru ? "dB" : "Bd";
	else if (t >= today + 86400 * 6)
		f = o->ru ? "AdB" : "ABd";
	else if (t >= today + 172800)
		f = "A";
	else if (t >= today + 86400)
		f = "'digits/tomorrow'";
	else if (t >= today)
		f = say_today ? "'digits/today'" : "";
	else if (t >= today - 86400)
		f = "'digits/yesterday'";
	else if (t >= today - 86400 * 6)
		f = "A";
	else if (t >= today - 2628000)
		f = o->ru ? "AdB" : "ABd";
	else if (t >= today - 15768000)
		f = o->ru ? "dB" : "Bd";
	else
		f = o->ru ? "dBY" : "BdY";
	format_run(o, f, depth + 1);
}

static void year(struct out *o)
{
	int y = o->tm.tm_year + 1900;
	if (o->ru || y >= 2000) {
		number(o, y, 'm');
		return;
	}
	if (y <= 1900)
		return; /* Asterisk says nothing for 1900 and before */
	put(o, "digits/19");
	if (y % 100 < 10)
		put(o, "digits/oh");
	en_number(o, y % 100);
}

/* M, N and S in English: 0 as "oclock" (M) or "hundred" (N), 1-9 as
 * "oh" + digit; Russian: the number (feminine: минута, секунда). */
static void minutes(struct out *o, int v, char letter)
{
	if (o->ru) {
		number(o, v, 'f');
		return;
	}
	if (v == 0 && letter != 'S') {
		put(o, letter == 'M' ? "digits/oclock" : "digits/hundred");
		return;
	}
	if (v > 0 && v < 10)
		put(o, "digits/oh");
	en_number(o, v);
}

static void hour24(struct out *o, char letter)
{
	int h = o->tm.tm_hour;
	if (o->ru) {
		number(o, h, 'm');
		return;
	}
	if ((letter == 'H' && h < 10) || h == 0)
		put(o, "digits/oh");
	if (h)
		en_number(o, h);
}

static void format_run(struct out *o, const char *f, int depth)
{
	if (depth > 2)
		return;
	for (const char *p = f; *p; p++) {
		switch (*p) {
		case 'A':
		case 'a':
			putf(o, "digits/day-%d", o->tm.tm_wday);
			break;
		case 'B':
		case 'b':
		case 'h':
			putf(o, "digits/mon-%d", o->tm.tm_mon);
			break;
		case 'd':
		case 'e':
			ordinal(o, o->tm.tm_mday);
			break;
		case 'm':
			ordinal(o, o->tm.tm_mon + 1);
			break;
		case 'Y':
			year(o);
			break;
		case 'I':
		case 'l': {
			int h = o->tm.tm_hour % 12;
			if (o->ru)
				number(o, h ? h : 12, 'm');
			else
				putf(o, "digits/%d", h ? h : 12);
			break;
		}
		case 'H':
		case 'k':
			hour24(o, *p);
			break;
		case 'M':
		case 'N':
			minutes(o, o->tm.tm_min, *p);
			break;
		case 'S':
			minutes(o, o->tm.tm_sec, 'S');
			break;
		case 'P':
		case 'p':
			put(o, o->tm.tm_hour > 11 ? "digits/p-m" : "digits/a-m");
			break;
		case 'Q':
		case 'q':
			relative_day(o, *p == 'Q', depth);
			break;
		case 'R':
			format_run(o, o->ru ? "H 'hours' M 'minutes'" : "HM", depth + 1);
			break;
		case 'T':
			format_run(o, o->ru ? "H 'hours' M 'minutes' S 'seconds'" : "HMS", depth + 1);
			break;
		case '\'': {
			const char *e = strchr(p + 1, '\'');
			size_t len = e ? (size_t)(e - p - 1) : strlen(p + 1);
			char name[SAY_TIME_NAME_LEN];
			snprintf(name, sizeof(name), "%.*s", (int)len, p + 1);
			if (name[0])
				put(o, name);
			p += len + (e ? 1 : 0);
			break;
		}
		default: /* spaces, tabs and unknown letters */
			break;
		}
	}
}

const char *say_time_default_format(const char *lang)
{
	if (lang && !strncasecmp(lang, "ru", 2) && (!lang[2] || lang[2] == '_'))
		return "AdBY 'digits/at' H 'hours' M 'minutes'";
	return "ABdY 'digits/at' IMp";
}

size_t say_time(time_t t, const char *tz, const char *format, const char *lang, time_t now,
		say_exists_fn *exists, void *arg, char names[][SAY_TIME_NAME_LEN], size_t max)
{
	struct out o = {.names = names, .max = max, .exists = exists, .arg = arg, .t = t,
			.now = now, .tz = tz ? tz : ""};
	o.ru = lang && !strncasecmp(lang, "ru", 2) && (!lang[2] || lang[2] == '_');
	dp_time_local(o.tz, t, &o.tm);
	format_run(&o, format && *format ? format : say_time_default_format(lang), 0);
	return o.n;
}
