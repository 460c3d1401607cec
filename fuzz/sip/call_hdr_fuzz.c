/*
 * libFuzzer target for what the SIP call driver reads from messages
 * itself: the identity headers (call_identity_read(): P-Asserted-Identity,
 * Remote-Party-ID, Privacy) of a parsed message, the DTMF of an INFO
 * body (call_info_digit()) with the message's Content-Type, and the
 * session timer headers (call_se_read(), then both negotiations).  Traps
 * on a digit outside 0-9*#A-D, an unterminated identity, a presentation
 * outside what Privacy/RPID can say, identity header lines we would write
 * for it that are not clean CRLF lines, or a negotiated interval below
 * the minimum asked.
 */
#include <stdint.h>
#include <string.h>

#include <zvonok/channel.h>

#include "sip/call/call.h"
#include "sip/core/sip.h"
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
		/* presentations: allowed or prohibited, screening not or passed,
		 * and private exactly when the combination is not allowed */
		if ((id.name_pres & ~0x21) || (id.num_pres & ~0x21) ||
		    id.private_id != zv_pres_private(zv_pres_combine(id.name_pres, id.num_pres)))
			__builtin_trap();
		/* what we would send for it is one or two header lines (and
		 * Privacy: id), each ending in CRLF, without bare CR/LF inside */
		struct sip_buf b;
		sip_buf_init(&b);
		call_identity_write(&b, true, true, true, id.name, id.num, "h",
				    zv_pres_combine(id.name_pres, id.num_pres));
		size_t lines = 0;
		for (size_t i = 0; b.p && i < b.len; i++) {
			if (b.p[i] == '\n' && (i == 0 || b.p[i - 1] != '\r'))
				__builtin_trap();
			if (b.p[i] == '\r' && (i + 1 >= b.len || b.p[i + 1] != '\n'))
				__builtin_trap();
			lines += b.p[i] == '\n';
		}
		if (!b.oom && lines != 2u + id.private_id)
			__builtin_trap();
		sip_buf_free(&b);
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
