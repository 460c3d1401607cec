/*
 * Character classes and small scanning helpers shared by the SIP, URI,
 * SDP and digest parsers of this folder.  Private to src/sip/parser/.
 *
 * DESIGN
 * Every helper works on a view and never reads past its end, so callers
 * only have to get the view right once.  Inside a header value, CR and LF
 * can only come from header folding (the first pass cut the value at the
 * line end that was not followed by SP/HT), so "linear white space" here
 * is simply any of SP, HT, CR, LF.
 */
#ifndef SIP_PARSER_SIP_SCAN_H
#define SIP_PARSER_SIP_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <zvonok/str.h>

enum {
	SIP_C_TOKEN = 1 << 0,	/* RFC 3261 token */
	SIP_C_ALNUM = 1 << 1,
	SIP_C_HEX = 1 << 2,
	SIP_C_UNRES = 1 << 3,	/* unreserved: alnum / mark */
	SIP_C_USER = 1 << 4,	/* user-unreserved: & = + $ , ; ? / */
	SIP_C_PARAM = 1 << 5,	/* param-unreserved: [ ] / : & + $ */
	SIP_C_HNV = 1 << 6,	/* hnv-unreserved: [ ] / ? : + $ */
	SIP_C_LWS = 1 << 7,	/* SP HT CR LF */
	SIP_C_STOP = 1 << 8,	/* ends a header scan: CR LF NUL */
};

extern const uint16_t sip__cclass[256];

static inline bool sip__is(char c, unsigned cls)
{
	return (sip__cclass[(unsigned char)c] & cls) != 0;
}

static inline bool sip__is_lws(char c)
{
	return sip__is(c, SIP_C_LWS);
}

static inline bool sip__is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static inline char sip__lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
}

static inline int sip__hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = sip__lower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/*
 * View comparisons, inline here so the parsers stay self-contained and
 * fast (they are on the per-packet path).
 */
static inline bool sip__eq(struct zv_str a, struct zv_str b)
{
	return a.len == b.len && (!a.len || memcmp(a.p, b.p, a.len) == 0);
}

static inline bool sip__eq_ci(struct zv_str a, struct zv_str b)
{
	if (a.len != b.len)
		return false;
	for (size_t i = 0; i < a.len; i++)
		if (sip__lower(a.p[i]) != sip__lower(b.p[i]))
			return false;
	return true;
}

static inline bool sip__eq_cstr(struct zv_str a, const char *s)
{
	size_t n = strlen(s);
	return a.len == n && (!n || memcmp(a.p, s, n) == 0);
}

static inline bool sip__eq_cstr_ci(struct zv_str a, const char *s)
{
	return sip__eq_ci(a, zv_str_make(s, strlen(s)));
}

static inline bool sip__has_prefix_ci(struct zv_str a, const char *s)
{
	size_t n = strlen(s);
	return a.len >= n && sip__eq_ci(zv_str_make(a.p, n), zv_str_make(s, n));
}

/* Index of the first c in s, or -1. */
static inline ptrdiff_t sip__find(struct zv_str s, char c)
{
	const char *hit = s.len ? memchr(s.p, c, s.len) : NULL;
	return hit ? hit - s.p : -1;
}

/* Drop leading linear white space from *s. */
static inline void sip__skip_lws(struct zv_str *s)
{
	while (s->len && sip__is_lws(*s->p)) {
		s->p++;
		s->len--;
	}
}

static inline struct zv_str sip__rtrim(struct zv_str s)
{
	while (s.len && sip__is_lws(s.p[s.len - 1]))
		s.len--;
	return s;
}

static inline struct zv_str sip__trim(struct zv_str s)
{
	sip__skip_lws(&s);
	return sip__rtrim(s);
}

/* Drop n (<= s->len) bytes from the front; an empty NULL view stays so. */
static inline void sip__advance(struct zv_str *s, size_t n)
{
	if (n) {
		s->p += n;
		s->len -= n;
	}
}

/* Take the longest prefix of *s made of class cls; advance *s past it. */
static inline struct zv_str sip__take(struct zv_str *s, unsigned cls)
{
	size_t n = 0;
	while (n < s->len && sip__is(s->p[n], cls))
		n++;
	struct zv_str out = zv_str_make(s->p, n);
	sip__advance(s, n);
	return out;
}

/* If *s starts with c, consume it and return true. */
static inline bool sip__eat(struct zv_str *s, char c)
{
	if (s->len && *s->p == c) {
		sip__advance(s, 1);
		return true;
	}
	return false;
}

/*
 * Scan a quoted-string at the start of *s (which must begin with '"').
 * *innerp gets the text between the quotes, escapes left in place.
 * Returns 0, or -EBADMSG if the closing quote is missing or a backslash
 * ends the input.
 */
int sip__quoted(struct zv_str *s, struct zv_str *innerp);

/*
 * Parse a decimal number of at most max, filling all of v.
 * Returns 0, -EINVAL (empty or non-digit) or -ERANGE.
 */
int sip__uint(struct zv_str v, uint32_t max, uint32_t *outp);

/*
 * Generic header parameter iterator over ";name=value;name2" text (the
 * leading ';' of each parameter is expected at the start of *s; leading
 * LWS is skipped).  Values may be tokens, hosts, IPv6 references or
 * quoted strings (returned with their quotes).  Returns 1 with a
 * parameter, 0 at the end of *s, -EBADMSG on malformed text.
 */
int sip__param_next(struct zv_str *s, struct zv_str *namep, struct zv_str *valp);

#endif
