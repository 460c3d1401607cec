/*
 * Asterisk's time ranges, shared by `include => ctx,<range>`,
 * GotoIfTime(), ExecIfTime() and the IFTIME() function:
 *
 *   <times>,<weekdays>,<mdays>,<months>[,<timezone>]
 *
 * with ',' or '|' between the fields (Asterisk accepts both).  Each field
 * is "*" (any), a value, a range "a-b" (inclusive; it may wrap, as in
 * "fri-mon" or "22:00-06:00"), or a list of those joined by '&':
 *   times     hh:mm[-hh:mm], minute resolution, the end minute included
 *   weekdays  sun mon tue wed thu fri sat (case-insensitive)
 *   mdays     1..31
 *   months    jan feb ... dec (case-insensitive)
 *   timezone  a zoneinfo name ("Europe/Prague"); local time when absent
 * Missing trailing fields mean "*".
 *
 * Pure and thread-safe except for the time zone conversion, which
 * briefly switches TZ under a lock (see dp_time.c).
 */
#ifndef ZV_DP_TIME_H
#define ZV_DP_TIME_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

struct dp_time {
	uint32_t minmask[48]; /* bit m of word h*2+(m>=30) for minute m%30 */
	uint8_t dowmask; /* bit 0 = Sunday */
	uint32_t daymask; /* bit 0 = day 1 */
	uint16_t monthmask; /* bit 0 = January */
	char tz[64]; /* "" for local time */
};

/* Parse spec into *tp.  0, or -EINVAL when a field is malformed (*tp is
 * then unusable). */
int dp_time_parse(const char *spec, struct dp_time *tp);

/* Does the moment now fall inside *tp? */
bool dp_time_check(const struct dp_time *tp, time_t now);

/* The broken-down time of t in the zoneinfo zone tz ("" or NULL: local
 * time), as localtime_r() would give there.  Thread-safe (one lock for
 * every TZ switch in the process).  An unknown zone is UTC, as glibc
 * treats it. */
void dp_time_local(const char *tz, time_t t, struct tm *tm);

/* dp_time_parse() + dp_time_check(); a malformed spec never matches. */
bool dp_time_match(const char *spec, time_t now);

#endif
