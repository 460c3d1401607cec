/*
 * Shared scanning helpers of the SIP parsers: the character class table,
 * quoted strings, bounded decimal numbers and generic header parameters.
 */
#include <errno.h>

#include "sip/parser/sip_scan.h"

/* Bits from the SIP_C_* enum for each byte; bytes >= 0x80 are in no class. */
const uint16_t sip__cclass[256] = {
	0x100, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x80, 0x180, 0x00, 0x00, 0x180, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x80, 0x09, 0x00, 0x00, 0x70, 0x01, 0x30, 0x09,
	0x08, 0x08, 0x09, 0x71, 0x10, 0x09, 0x09, 0x70,
	0x0f, 0x0f, 0x0f, 0x0f, 0x0f, 0x0f, 0x0f, 0x0f,
	0x0f, 0x0f, 0x60, 0x10, 0x00, 0x10, 0x00, 0x50,
	0x00, 0x0f, 0x0f, 0x0f, 0x0f, 0x0f, 0x0f, 0x0b,
	0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b,
	0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b,
	0x0b, 0x0b, 0x0b, 0x60, 0x00, 0x60, 0x00, 0x09,
	0x01, 0x0f, 0x0f, 0x0f, 0x0f, 0x0f, 0x0f, 0x0b,
	0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b,
	0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b,
	0x0b, 0x0b, 0x0b, 0x00, 0x00, 0x00, 0x09, 0x00,
	/* 0x80..0xff: 0 */
};

int sip__quoted(struct zv_str *s, struct zv_str *innerp)
{
	if (!s->len || *s->p != '"')
		return -EBADMSG;
	size_t i = 1;
	while (i < s->len) {
		char c = s->p[i];
		if (c == '"') {
			*innerp = zv_str_make(s->p + 1, i - 1);
			sip__advance(s, i + 1);
			return 0;
		}
		if (c == '\\') {
			if (i + 1 >= s->len)
				return -EBADMSG;
			i += 2;
			continue;
		}
		i++;
	}
	return -EBADMSG;
}

int sip__uint(struct zv_str v, uint32_t max, uint32_t *outp)
{
	if (!v.len)
		return -EINVAL;
	uint64_t n = 0;
	for (size_t i = 0; i < v.len; i++) {
		if (!sip__is_digit(v.p[i]))
			return -EINVAL;
		n = n * 10 + (uint64_t)(v.p[i] - '0');
		if (n > max)
			return -ERANGE;
	}
	*outp = (uint32_t)n;
	return 0;
}

int sip__param_next(struct zv_str *s, struct zv_str *namep, struct zv_str *valp)
{
	sip__skip_lws(s);
	if (!s->len)
		return 0;
	if (!sip__eat(s, ';'))
		return -EBADMSG;
	sip__skip_lws(s);
	*namep = sip__take(s, SIP_C_TOKEN);
	if (!namep->len)
		return -EBADMSG;
	*valp = ZV_STR_NULL;
	sip__skip_lws(s);
	if (!sip__eat(s, '='))
		return 1;
	sip__skip_lws(s);
	if (s->len && *s->p == '"') {
		const char *start = s->p;
		struct zv_str inner;
		if (sip__quoted(s, &inner) < 0)
			return -EBADMSG;
		*valp = zv_str_make(start, (size_t)(s->p - start));
		return 1;
	}
	/* token, host, or IPv6 reference: anything up to ';', ',' or LWS */
	size_t n = 0;
	while (n < s->len) {
		char c = s->p[n];
		if (c == ';' || c == ',' || sip__is_lws(c) || c == '"' ||
		    c == '<' || c == '>')
			break;
		n++;
	}
	if (!n)
		return -EBADMSG;
	*valp = zv_str_make(s->p, n);
	sip__advance(s, n);
	return 1;
}
