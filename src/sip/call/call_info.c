/*
 * DTMF in SIP INFO bodies (dtmf_mode=info): reading the digit of a
 * received INFO and writing the body of one we send.
 *
 * DESIGN
 * Two body types are understood, as Asterisk does:
 *   application/dtmf-relay   "Signal=5\r\nDuration=160\r\n" (lines of
 *                            key=value, keys in any case, spaces around
 *                            '=' allowed; Signal also as the RFC 4733
 *                            event number 0-15)
 *   application/dtmf         the digit alone ("5", or its event number)
 * Pure functions; the call driver answers the INFO (200, or 415 for other
 * content types, 400 for a body without a digit).
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "sip/call/call.h"
#include "sip/core/sip.h"

static const char events[] = "0123456789*#ABCD";

/* A digit ("5", "*", "a") or an RFC 4733 event number ("11"). */
static int digit_of(struct zv_str v, char *digit)
{
	v = zv_str_trim(v);
	if (v.len == 1) {
		char ch = (char)toupper((unsigned char)v.p[0]);
		const char *e = strchr(events, ch);
		if (e && ch) {
			*digit = ch;
			return 0;
		}
	}
	if (v.len == 0 || v.len > 2)
		return -EINVAL;
	unsigned n = 0;
	for (size_t i = 0; i < v.len; i++) {
		if (!isdigit((unsigned char)v.p[i]))
			return -EINVAL;
		n = n * 10 + (unsigned)(v.p[i] - '0');
	}
	if (n >= 16)
		return -EINVAL; /* 16 is flash: no digit */
	*digit = events[n];
	return 0;
}

/* The value of key in "key=value" lines, or -ENOENT. */
static int relay_value(struct zv_str body, const char *key, struct zv_str *out)
{
	size_t klen = strlen(key);
	for (size_t i = 0; i < body.len;) {
		size_t j = i;
		while (j < body.len && body.p[j] != '\n' && body.p[j] != '\r')
			j++;
		struct zv_str line = zv_str_make(body.p + i, j - i);
		const char *eq = memchr(line.p, '=', line.len);
		if (eq) {
			struct zv_str k = zv_str_trim(zv_str_make(line.p, (size_t)(eq - line.p)));
			if (k.len == klen && !strncasecmp(k.p, key, klen)) {
				*out = zv_str_make(eq + 1, line.len - (size_t)(eq + 1 - line.p));
				return 0;
			}
		}
		i = j + 1;
	}
	return -ENOENT;
}

int call_info_digit(struct zv_str ctype, struct zv_str body, char *digit, unsigned *duration_ms)
{
	*duration_ms = 0;
	/* media type up to any parameters */
	const char *semi = memchr(ctype.p, ';', ctype.len);
	struct zv_str type = zv_str_trim(semi ? zv_str_make(ctype.p, (size_t)(semi - ctype.p)) : ctype);
	if (zv_str_eq_cstr_ci(type, "application/dtmf"))
		return digit_of(body, digit) < 0 ? -EINVAL : 0;
	if (!zv_str_eq_cstr_ci(type, "application/dtmf-relay"))
		return -ENOTSUP;
	struct zv_str v;
	if (relay_value(body, "Signal", &v) < 0 || digit_of(v, digit) < 0)
		return -EINVAL;
	if (relay_value(body, "Duration", &v) == 0) {
		v = zv_str_trim(v);
		unsigned d = 0;
		size_t i = 0;
		for (; i < v.len && isdigit((unsigned char)v.p[i]) && d < 100000; i++)
			d = d * 10 + (unsigned)(v.p[i] - '0');
		if (i == v.len && d <= 60000)
			*duration_ms = d;
	}
	return 0;
}

void call_info_body(struct sip_buf *b, char digit, unsigned duration_ms)
{
	sip_buf_printf(b, "Signal=%c\r\nDuration=%u\r\n", digit, duration_ms);
}
