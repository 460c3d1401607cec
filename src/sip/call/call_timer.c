/*
 * Session timers (RFC 4028) of calls: reading Session-Expires, Min-SE
 * and the timer option tag, and the negotiation of both roles.
 *
 * DESIGN
 * Pure functions: call.c reads a request or response with
 * call_se_read(), lets call_se_uas() / call_se_uac() decide the interval
 * and who refreshes, writes the header lines with call_se_lines(), and
 * runs the one timer of the call (a refresh at half the interval when we
 * refresh, else a BYE when the interval minus min(32, interval/3)
 * passes without a refresh, as RFC 4028 10 asks).
 * Endpoint modes: no (ignored, never sent), yes (used when the peer
 * asks or supports it), required (an INVITE that does not support it is
 * answered 421), always (used even when the peer does not support it;
 * then we refresh).
 */
#include <errno.h>
#include <string.h>

#include "sip/call/call.h"
#include "sip/core/sip.h"
#include "sip/parser/sip_hdr.h"

bool call_msg_has_tag(const struct sip_msg *m, enum sip_hdr_id id, const char *tag)
{
	struct sip_value_iter it;
	struct zv_str v;
	sip_value_iter_init(&it, m, id);
	while (sip_value_iter_next(&it, &v) > 0)
		if (zv_str_eq_cstr_ci(v, tag))
			return true;
	return false;
}

/* "90;refresher=uac" or a bare delta-seconds. */
static int delta_parse(struct zv_str v, uint32_t *out, struct zv_str *params)
{
	size_t i = 0;
	while (i < v.len && v.p[i] != ';')
		i++;
	*params = zv_str_make(v.p + i, v.len - i);
	return sip_uint_parse(zv_str_trim(zv_str_make(v.p, i)), 86400 * 7, out);
}

int call_se_read(const struct sip_msg *m, struct call_se_req *r)
{
	memset(r, 0, sizeof(*r));
	r->supported = call_msg_has_tag(m, SIP_HDR_SUPPORTED, "timer") || call_msg_has_tag(m, SIP_HDR_REQUIRE, "timer");
	r->required = call_msg_has_tag(m, SIP_HDR_REQUIRE, "timer");
	r->allow_update = call_msg_has_tag(m, SIP_HDR_ALLOW, "UPDATE");
	const struct sip_hdr *h = sip_msg_hdr(m, SIP_HDR_SESSION_EXPIRES);
	struct zv_str params, v;
	uint32_t n;
	if (h) {
		if (delta_parse(h->value, &n, &params) < 0 || !n)
			return -EBADMSG;
		r->se = n;
		if (sip_param_find(params, "refresher", &v) == 0) {
			if (zv_str_eq_cstr_ci(v, "uac"))
				r->refresher = CALL_SE_UAC;
			else if (zv_str_eq_cstr_ci(v, "uas"))
				r->refresher = CALL_SE_UAS;
		}
	}
	h = sip_msg_hdr(m, SIP_HDR_MIN_SE);
	if (h) {
		if (delta_parse(h->value, &n, &params) < 0)
			return -EBADMSG;
		r->min_se = n;
	}
	return 0;
}

int call_se_uas(const struct call_se_req *r, enum sip_feature_mode mode, unsigned min_se,
		unsigned sess_expires, struct call_se *out)
{
	memset(out, 0, sizeof(*out));
	if (mode == SIP_FEATURE_NO)
		return 0;
	if (mode == SIP_FEATURE_REQUIRED && !r->supported)
		return 421;
	unsigned floor = min_se > r->min_se ? min_se : r->min_se;
	if (r->se) {
		if (r->se < min_se)
			return 422;
		out->interval = r->se;
	} else if (r->supported || mode == SIP_FEATURE_FORCED) {
		out->interval = sess_expires > floor ? sess_expires : floor;
	} else {
		return 0;
	}
	/* RFC 4028 9: the refresher the request chose, else the UAC when
	 * it supports the extension, else us. */
	if (r->refresher && r->supported)
		out->refresher = r->refresher;
	else
		out->refresher = r->supported ? CALL_SE_UAC : CALL_SE_UAS;
	out->require = r->supported;
	out->we_refresh = out->refresher == CALL_SE_UAS;
	return 0;
}

int call_se_uac(const struct call_se_req *r, enum sip_feature_mode mode, unsigned sess_expires,
		struct call_se *out)
{
	memset(out, 0, sizeof(*out));
	if (mode == SIP_FEATURE_NO)
		return 0;
	if (r->se) {
		out->interval = r->se;
		out->refresher = r->refresher ? r->refresher : CALL_SE_UAC;
	} else if (mode == SIP_FEATURE_FORCED || mode == SIP_FEATURE_REQUIRED) {
		/* The UAS does not do it: we refresh (RFC 4028 7.2). */
		out->interval = sess_expires;
		out->refresher = CALL_SE_UAC;
	} else {
		return 0;
	}
	out->we_refresh = out->refresher == CALL_SE_UAC;
	return 0;
}

void call_se_lines(struct sip_buf *b, const struct call_se *se)
{
	if (!se->interval)
		return;
	sip_buf_printf(b, "Session-Expires: %u;refresher=%s\r\n%s", se->interval,
		       se->refresher == CALL_SE_UAS ? "uas" : "uac",
		       se->require ? "Require: timer\r\n" : "");
}

unsigned call_se_due_ms(const struct call_se *se)
{
	if (!se->interval)
		return 0;
	if (se->we_refresh)
		return se->interval * 500u;
	unsigned margin = se->interval / 3 < 32 ? se->interval / 3 : 32;
	return (se->interval - margin) * 1000u;
}
