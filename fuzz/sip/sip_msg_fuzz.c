/*
 * libFuzzer target for the SIP message parser: sip_msg_parse(), stream
 * framing, and every typed header parser run on the headers it found.
 * Traps if a returned view points outside the input, or if framing and
 * parsing disagree on a message's length.
 */
#include <stdint.h>
#include <stdlib.h>

#include "sip/parser/sip_digest.h"
#include "sip/parser/sip_msg.h"
#include "sip/parser/sip_uri.h"

static const char *lo, *hi;

static void in_buf(struct zv_str v)
{
	if (v.len && (v.p < lo || v.p + v.len > hi))
		__builtin_trap();
}

static void typed(const struct sip_hdr *h)
{
	struct zv_str rest = h->value, v;
	struct sip_addr a;
	struct sip_via via;
	struct sip_uri u;
	struct sip_auth_hdr au;
	struct sip_event ev;
	struct sip_subscription_state ss;
	struct sip_cseq cs;
	uint32_t n;
	char buf[64];
	size_t len;

	in_buf(h->name);
	in_buf(h->value);
	switch (h->id) {
	case SIP_HDR_VIA:
		while (sip_list_next(&rest, &v) > 0)
			if (sip_via_parse(v, &via) == 0)
				in_buf(via.branch);
		break;
	case SIP_HDR_FROM:
	case SIP_HDR_TO:
	case SIP_HDR_CONTACT:
	case SIP_HDR_ROUTE:
	case SIP_HDR_RECORD_ROUTE:
	case SIP_HDR_P_ASSERTED_IDENTITY:
	case SIP_HDR_REFER_TO:
		while (sip_list_next(&rest, &v) > 0) {
			if (sip_addr_parse(v, &a) < 0)
				continue;
			in_buf(a.uri);
			in_buf(a.display);
			if (a.quoted_display)
				sip_unquote(a.display, buf, sizeof(buf), &len);
			if (sip_uri_parse(a.uri, &u) == 0)
				sip_uri_equal(&u, &u);
			sip_param_find(a.params, "expires", &v);
		}
		break;
	case SIP_HDR_AUTHORIZATION:
	case SIP_HDR_PROXY_AUTHORIZATION:
	case SIP_HDR_WWW_AUTHENTICATE:
	case SIP_HDR_PROXY_AUTHENTICATE:
		if (sip_auth_parse(h->value, &au) == 0)
			in_buf(au.nonce);
		break;
	case SIP_HDR_EVENT:
		sip_event_parse(h->value, &ev);
		break;
	case SIP_HDR_SUBSCRIPTION_STATE:
		sip_subscription_state_parse(h->value, &ss);
		break;
	case SIP_HDR_CSEQ:
		sip_cseq_parse(h->value, &cs);
		break;
	case SIP_HDR_EXPIRES:
	case SIP_HDR_MIN_EXPIRES:
	case SIP_HDR_MAX_FORWARDS:
		sip_uint_parse(h->value, UINT32_MAX, &n);
		break;
	default:
		while (sip_list_next(&rest, &v) > 0)
			in_buf(v);
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct sip_msg msg;
	const char *buf = (const char *)data;
	size_t skip;

	lo = buf;
	hi = buf + size;
	ssize_t fl = sip_msg_frame_len(buf, size, &skip);
	if (fl > 0 && (skip + (size_t)fl > size))
		__builtin_trap();
	if (skip > size)
		__builtin_trap();
	/* framing and parsing must agree on where a message ends */
	if (fl > 0 && sip_msg_parse(buf + skip, (size_t)fl, &msg) == 0 &&
	    (msg.len != (size_t)fl || !msg.has_content_length))
		__builtin_trap();

	if (sip_msg_parse(buf, size, &msg) < 0) {
		if (!sip_err_reason(msg.err))
			__builtin_trap();
		return 0;
	}
	if (msg.len > size || msg.n_hdrs > SIP_MSG_MAX_HDRS)
		__builtin_trap();
	in_buf(msg.body);
	in_buf(msg.ruri);
	in_buf(msg.from.tag);
	in_buf(msg.via.host);
	for (unsigned i = 0; i < msg.n_hdrs; i++)
		typed(&msg.hdrs[i]);

	struct sip_uri u;
	if (msg.is_request && sip_uri_parse(msg.ruri, &u) == 0)
		in_buf(u.host);
	struct sip_value_iter it;
	struct zv_str v;
	sip_value_iter_init(&it, &msg, SIP_HDR_SUPPORTED);
	while (sip_value_iter_next(&it, &v) > 0)
		in_buf(v);
	return 0;
}
