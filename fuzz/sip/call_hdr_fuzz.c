/*
 * libFuzzer target for what the SIP call driver reads from messages
 * itself: the identity headers (call_identity_read(): P-Asserted-Identity,
 * Remote-Party-ID, Privacy) of a parsed message, the DTMF of an INFO
 * body (call_info_digit()) with the message's Content-Type, and the
 * session timer headers (call_se_read(), then both negotiations).  Traps
 * on a digit outside 0-9*#A-D, an unterminated identity, or a negotiated
 * interval below the minimum asked.
 */
#include <stdint.h>
#include <string.h>

#include "sip/call/call.h"
#include "sip/parser/sip_msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct sip_msg msg;
	if (sip_msg_parse((const char *)data, size, &msg) < 0)
		return 0;
	struct call_identity id;
	if (call_identity_read(&msg, &id) == 0) {
		if (!memchr(id.num, '\0', sizeof(id.num)) || !id.num[0] ||
		    !memchr(id.name, '\0', sizeof(id.name)))
			__builtin_trap();
	}
	const struct sip_hdr *ct = sip_msg_hdr(&msg, SIP_HDR_CONTENT_TYPE);
	char digit;
	unsigned ms;
	if (ct && call_info_digit(ct->value, msg.body, &digit, &ms) == 0 &&
	    (!digit || !strchr("0123456789*#ABCD", digit) || ms > 60000))
		__builtin_trap();
	struct call_se_req sr;
	struct call_se se;
	if (call_se_read(&msg, &sr) == 0) {
		if (call_se_uas(&sr, SIP_FEATURE_YES, 90, 1800, &se) == 0 && se.interval &&
		    se.interval < 90)
			__builtin_trap();
		if (call_se_uac(&sr, SIP_FEATURE_FORCED, 1800, &se) == 0 && se.interval &&
		    call_se_due_ms(&se) == 0)
			__builtin_trap();
	}
	return 0;
}
