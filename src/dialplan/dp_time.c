/*
 * Time ranges (see dp_time.h): parsed into bit masks once, checked with
 * a few bit tests.
 *
 * DESIGN
 * Minutes of the day are one bit each (48 words of 30 bits, Asterisk's
 * layout), so a wrapping range such as "22:00-06:00" is simply the bits
 * from 22:00 round to 06:00.  A time zone other than the local one is
 * applied by switching TZ under a process-wide lock around localtime_r();
 * glibc has no per-call zone, and ranges with a zone are rare.
 */
#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dialplan/dp_time.h"

static const char *const dow_names[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};
static const char *const month_names[] = {"jan", "feb", "mar", "apr", "may", "jun",
					  "jul", "aug", "sep", "oct", "nov", "dec"};

static char *trim(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	char *e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

static bool is_any(const char *s)
{
	return !*s || !strcmp(s, "*");
}

/* Value of a name in names (by its first three letters) or a number in
 * [lo, hi]; -1 if neither. */
static int field_value(const char *s, const char *const *names, int nnames, int lo, int hi)
{
	if (names) {
		for (int i = 0; i < nnames; i++)
			if (!strncasecmp(s, names[i], 3) && strlen(s) >= 3)
				return i + lo;
	}
	char *end;
	long v = strtol(s, &end, 10);
	if (end == s || *end || v < lo || v > hi)
		return -1;
	return (int)v;
}

/* A '&' list of values or ranges into bits lo..hi of *maskp. */
static int parse_list(char *field, const char *const *names, int nnames, int lo, int hi,
		      uint32_t *maskp)
{
	field = trim(field);
	if (is_any(field)) {
		for (int v = lo; v <= hi; v++)
			*maskp |= 1u << (v - lo);
		return 0;
	}
	char *save = NULL;
	for (char *item = strtok_r(field, "&", &save); item; item = strtok_r(NULL, "&", &save)) {
		item = trim(item);
		char *dash = strchr(item, '-');
		if (dash)
			*dash++ = '\0';
		int a = field_value(trim(item), names, nnames, lo, hi);
		int b = dash ? field_value(trim(dash), names, nnames, lo, hi) : a;
		if (a < 0 || b < 0)
			return -EINVAL;
		for (int v = a;; v = v == hi ? lo : v + 1) {
			*maskp |= 1u << (v - lo);
			if (v == b)
				break;
		}
	}
	return 0;
}

/* "hh:mm" into minutes of the day; -1 if malformed. */
static int parse_hhmm(const char *s)
{
	int h, m;
	char tail;
	if (sscanf(s, "%d:%d%c", &h, &m, &tail) != 2 || h < 0 || h > 23 || m < 0 || m > 59)
		return -1;
	return h * 60 + m;
}

static void set_minute(struct dp_time *tp, int x)
{
	tp->minmask[x / 30] |= 1u << (x % 30);
}

static int parse_times(char *field, struct dp_time *tp)
{
	field = trim(field);
	if (is_any(field)) {
		for (int x = 0; x < 24 * 60; x++)
			set_minute(tp, x);
		return 0;
	}
	char *save = NULL;
	for (char *item = strtok_r(field, "&", &save); item; item = strtok_r(NULL, "&", &save)) {
		char *dash = strchr(item, '-');
		if (dash)
			*dash++ = '\0';
		int a = parse_hhmm(trim(item));
		int b = dash ? parse_hhmm(trim(dash)) : a;
		if (a < 0 || b < 0)
			return -EINVAL;
		for (int x = a;; x = (x + 1) % (24 * 60)) {
			set_minute(tp, x);
			if (x == b)
				break;
		}
	}
	return 0;
}

int dp_time_parse(const char *spec, struct dp_time *tp)
{
	memset(tp, 0, sizeof(*tp));
	char *copy = strdup(spec ? spec : "");
	if (!copy)
		return -ENOMEM;
	char *fields[5] = {"", "", "", "", ""};
	char *p = copy;
	int n = 0, err = 0;
	for (;;) {
		char *sep = strpbrk(p, ",|");
		if (n == 5) {
			err = -EINVAL; /* more than five fields */
			break;
		}
		fields[n++] = p;
		if (!sep)
			break;
		*sep = '\0';
		p = sep + 1;
	}
	uint32_t dow = 0, month = 0;
	if (!err)
		err = parse_times(fields[0], tp);
	if (!err)
		err = parse_list(fields[1], dow_names, 7, 0, 6, &dow);
	if (!err)
		err = parse_list(fields[2], NULL, 0, 1, 31, &tp->daymask);
	if (!err)
		err = parse_list(fields[3], month_names, 12, 0, 11, &month);
	if (!err) {
		char *tz = trim(fields[4]);
		if (strlen(tz) >= sizeof(tp->tz))
			err = -EINVAL;
		else
			strcpy(tp->tz, tz);
	}
	tp->dowmask = (uint8_t)dow;
	tp->monthmask = (uint16_t)month;
	free(copy);
	return err;
}

static pthread_mutex_t tz_lock = PTHREAD_MUTEX_INITIALIZER;

static void local_in(const char *tz, time_t now, struct tm *tm)
{
	if (!*tz) {
		localtime_r(&now, tm);
		return;
	}
	pthread_mutex_lock(&tz_lock);
	const char *old = getenv("TZ");
	char *saved = old ? strdup(old) : NULL;
	setenv("TZ", tz, 1);
	tzset();
	localtime_r(&now, tm);
	if (saved)
		setenv("TZ", saved, 1);
	else
		unsetenv("TZ");
	tzset();
	free(saved);
	pthread_mutex_unlock(&tz_lock);
}

void dp_time_local(const char *tz, time_t t, struct tm *tm)
{
	local_in(tz ? tz : "", t, tm);
}

bool dp_time_check(const struct dp_time *tp, time_t now)
{
	struct tm tm;
	local_in(tp->tz, now, &tm);
	if (!(tp->monthmask & (1u << tm.tm_mon)))
		return false;
	if (!(tp->daymask & (1u << (tm.tm_mday - 1))))
		return false;
	if (!(tp->dowmask & (1u << tm.tm_wday)))
		return false;
	int x = tm.tm_hour * 60 + tm.tm_min;
	return (tp->minmask[x / 30] >> (x % 30)) & 1u;
}

bool dp_time_match(const char *spec, time_t now)
{
	struct dp_time t;
	if (dp_time_parse(spec, &t))
		return false;
	return dp_time_check(&t, now);
}
