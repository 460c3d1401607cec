/*
 * Unit tests of what the call driver reads from SIP messages itself:
 * INFO DTMF bodies (call_info.c), P-Asserted-Identity / Remote-Party-ID
 * (call_id.c) and the session timer negotiation (call_timer.c).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <zvonok/channel.h>

#include "sip/call/call.h"
#include "sip/core/sip.h"
#include "sip/parser/sip_msg.h"

static struct zv_str s(const char *t)
{
	return zv_str_make(t, strlen(t));
}

static int digit(const char *ctype, const char *body, char *d, unsigned *ms)
{
	return call_info_digit(s(ctype), s(body), d, ms);
}

static void test_info_bodies(void **state)
{
	char d = 0;
	unsigned ms;
	assert_int_equal(digit("application/dtmf-relay", "Signal=5\r\nDuration=160\r\n", &d, &ms), 0);
	assert_int_equal(d, '5');
	assert_int_equal(ms, 160);
	assert_int_equal(digit("Application/DTMF-Relay; x=1", "signal = *\nduration= 90", &d, &ms), 0);
	assert_int_equal(d, '*');
	assert_int_equal(ms, 90);
	assert_int_equal(digit("application/dtmf-relay", "Signal=11\r\n", &d, &ms), 0);
	assert_int_equal(d, '#');
	assert_int_equal(ms, 0);
	assert_int_equal(digit("application/dtmf", "a\r\n", &d, &ms), 0);
	assert_int_equal(d, 'A');
	assert_int_equal(digit("application/dtmf", " 3 ", &d, &ms), 0);
	assert_int_equal(d, '3');
	/* flash (16), no digit, junk, other types */
	assert_int_equal(digit("application/dtmf-relay", "Signal=16\r\n", &d, &ms), -EINVAL);
	assert_int_equal(digit("application/dtmf-relay", "Duration=100\r\n", &d, &ms), -EINVAL);
	assert_int_equal(digit("application/dtmf-relay", "Signal=x\r\n", &d, &ms), -EINVAL);
	assert_int_equal(digit("application/dtmf", "", &d, &ms), -EINVAL);
	assert_int_equal(digit("application/media_control+xml", "<x/>", &d, &ms), -ENOTSUP);
	/* a duration out of range is ignored, the digit kept */
	assert_int_equal(digit("application/dtmf-relay", "Signal=1\r\nDuration=99999999\r\n", &d,
			       &ms),
			 0);
	assert_int_equal(ms, 0);

	struct sip_buf b;
	sip_buf_init(&b);
	call_info_body(&b, '#', 250);
	assert_string_equal(b.p, "Signal=#\r\nDuration=250\r\n");
	sip_buf_free(&b);
}

static char msgbuf[2048];
static struct sip_msg msg;

/* Parse an INVITE with these extra header lines. */
static void invite(const char *headers)
{
	snprintf(msgbuf, sizeof(msgbuf),
		 "INVITE sip:400@127.0.0.1 SIP/2.0\r\n"
		 "Via: SIP/2.0/UDP 127.0.0.1:5061;branch=z9hG4bK1\r\n"
		 "From: \"Mallory\" <sip:300@127.0.0.1>;tag=a\r\n"
		 "To: <sip:400@127.0.0.1>\r\nCall-ID: x\r\nCSeq: 1 INVITE\r\n%s"
		 "Content-Length: 0\r\n\r\n",
		 headers);
	assert_int_equal(sip_msg_parse(msgbuf, strlen(msgbuf), &msg), 0);
}

static void test_identity(void **state)
{
	struct call_identity id;
	invite("P-Asserted-Identity: \"Alice\" <sip:5551234@h>, <tel:+15550000>\r\n");
	assert_int_equal(call_identity_read(&msg, &id), 0);
	assert_string_equal(id.num, "5551234");
	assert_string_equal(id.name, "Alice");
	assert_false(id.private_id);
	assert_int_equal(id.num_pres, ZV_PRES_ALLOWED);
	assert_int_equal(id.name_pres, ZV_PRES_ALLOWED);

	/* a PAI without a usable URI: RPID is next; its privacy= counts */
	invite("P-Asserted-Identity: <http://x>\r\n"
	       "Remote-Party-ID: \"Bob\" <sip:%37770000@h>;party=calling;privacy=full\r\n");
	assert_int_equal(call_identity_read(&msg, &id), 0);
	assert_string_equal(id.num, "7770000");
	assert_string_equal(id.name, "Bob");
	assert_true(id.private_id);
	assert_int_equal(id.num_pres, ZV_PRES_RESTRICTED | ZV_PRES_USER_NOT_SCREENED);
	assert_int_equal(id.name_pres, ZV_PRES_RESTRICTED);

	invite("P-Asserted-Identity: <tel:+15550000>\r\nPrivacy: user; id\r\n");
	assert_int_equal(call_identity_read(&msg, &id), 0);
	assert_string_equal(id.num, "+15550000");
	assert_true(id.private_id);
	assert_int_equal(id.num_pres, ZV_PRES_RESTRICTED);
	assert_int_equal(id.name_pres, ZV_PRES_RESTRICTED);
	assert_string_equal(zv_pres_name(zv_pres_combine(id.name_pres, id.num_pres)),
			    "prohib_not_screened");

	/* RFC 3323 Privacy values are case-insensitive, in one header or
	 * several; "none" and "header" alone keep the identity shown */
	invite("P-Asserted-Identity: <sip:100@h>\r\nPrivacy: header\r\nPrivacy: ID\r\n");
	assert_int_equal(call_identity_read(&msg, &id), 0);
	assert_true(id.private_id);
	invite("P-Asserted-Identity: <sip:100@h>\r\nPrivacy: none\r\n");
	assert_int_equal(call_identity_read(&msg, &id), 0);
	assert_false(id.private_id);
	invite("P-Asserted-Identity: <sip:100@h>\r\nPrivacy: header;user\r\n");
	assert_int_equal(call_identity_read(&msg, &id), 0);
	assert_false(id.private_id);
	/* "idx" is not "id" */
	invite("P-Asserted-Identity: <sip:100@h>\r\nPrivacy: idx\r\n");
	assert_int_equal(call_identity_read(&msg, &id), 0);
	assert_false(id.private_id);

	/* RPID: privacy=name hides the name only, privacy=uri the number
	 * only; screen=yes is "passed screen"; privacy=off shows both */
	invite("Remote-Party-ID: \"N\" <sip:200@h>;party=calling;privacy=name;screen=yes\r\n");
	assert_int_equal(call_identity_read(&msg, &id), 0);
	assert_int_equal(id.name_pres, ZV_PRES_RESTRICTED | ZV_PRES_USER_PASSED_SCREEN);
	assert_int_equal(id.num_pres, ZV_PRES_ALLOWED | ZV_PRES_USER_PASSED_SCREEN);
	assert_true(id.private_id); /* the prohibited name wins */
	invite("Remote-Party-ID: <sip:200@h>;privacy=URI;screen=no\r\n");
	assert_int_equal(call_identity_read(&msg, &id), 0);
	assert_int_equal(id.name_pres, ZV_PRES_ALLOWED);
	assert_int_equal(id.num_pres, ZV_PRES_RESTRICTED);
	invite("Remote-Party-ID: <sip:200@h>;privacy=off;screen=yes\r\n");
	assert_int_equal(call_identity_read(&msg, &id), 0);
	assert_false(id.private_id);
	assert_int_equal(zv_pres_combine(id.name_pres, id.num_pres), 0x01);
	/* a Privacy: id header makes an RPID private too, screening kept */
	invite("Remote-Party-ID: <sip:200@h>;screen=yes\r\nPrivacy: id\r\n");
	assert_int_equal(call_identity_read(&msg, &id), 0);
	assert_int_equal(zv_pres_combine(id.name_pres, id.num_pres), 0x21);
	/* PAI wins over RPID, and RPID params do not apply to it */
	invite("Remote-Party-ID: <sip:200@h>;privacy=full\r\nP-Asserted-Identity: <sip:300@h>\r\n");
	assert_int_equal(call_identity_read(&msg, &id), 0);
	assert_string_equal(id.num, "300");
	assert_false(id.private_id);

	invite("");
	assert_int_equal(call_identity_read(&msg, &id), -ENOENT);

	struct sip_buf b;
	sip_buf_init(&b);
	call_identity_write(&b, true, true, true, "A \"q\"", "55 1", "h:5060", 0x20);
	assert_string_equal(b.p, "P-Asserted-Identity: \"A \\\"q\\\"\" <sip:55%201@h:5060>\r\n"
				 "Remote-Party-ID: \"A \\\"q\\\"\" <sip:55%201@h:5060>"
				 ";party=calling;privacy=full;screen=no\r\n"
				 "Privacy: id\r\n");
	sip_buf_free(&b);
	sip_buf_init(&b);
	call_identity_write(&b, true, false, false, NULL, "", "h", 0);
	assert_null(b.p ? (b.len ? b.p : NULL) : NULL);
	sip_buf_free(&b);
	/* allowed: no Privacy header; RPID screen=yes for passed/network */
	sip_buf_init(&b);
	call_identity_write(&b, true, true, false, NULL, "7", "h", 0x01);
	assert_string_equal(b.p, "P-Asserted-Identity: <sip:7@h>\r\n"
				 "Remote-Party-ID: <sip:7@h>;party=called;privacy=off;screen=yes\r\n");
	sip_buf_free(&b);
	/* prohib (network number), RPID only: privacy=full, no Privacy line */
	sip_buf_init(&b);
	call_identity_write(&b, false, true, true, "X", "8", "h", 0x23);
	assert_string_equal(b.p, "Remote-Party-ID: \"X\" <sip:8@h>;party=calling;privacy=full;screen=yes\r\n");
	sip_buf_free(&b);
	/* unavailable counts as private */
	sip_buf_init(&b);
	call_identity_write(&b, true, false, true, NULL, "9", "h", 0x43);
	assert_string_equal(b.p, "P-Asserted-Identity: <sip:9@h>\r\nPrivacy: id\r\n");
	sip_buf_free(&b);
}

static void test_session_timer(void **state)
{
	struct call_se_req r;
	struct call_se se;

	/* too small: 422; required without support: 421 */
	invite("Supported: timer\r\nSession-Expires: 60\r\n");
	assert_int_equal(call_se_read(&msg, &r), 0);
	assert_int_equal(call_se_uas(&r, SIP_FEATURE_YES, 90, 1800, &se), 422);
	invite("");
	assert_int_equal(call_se_read(&msg, &r), 0);
	assert_int_equal(call_se_uas(&r, SIP_FEATURE_REQUIRED, 90, 1800, &se), 421);
	assert_int_equal(call_se_uas(&r, SIP_FEATURE_YES, 90, 1800, &se), 0);
	assert_int_equal(se.interval, 0);

	/* the refresher asked for; the UAC by default when it supports */
	invite("Supported: timer\r\nSession-Expires: 90;refresher=uas\r\n");
	assert_int_equal(call_se_read(&msg, &r), 0);
	assert_int_equal(call_se_uas(&r, SIP_FEATURE_YES, 90, 1800, &se), 0);
	assert_int_equal(se.interval, 90);
	assert_true(se.we_refresh);
	assert_true(se.require);
	assert_int_equal(call_se_due_ms(&se), 45000);
	invite("k: timer\r\nx: 600\r\nMin-SE: 120\r\n");
	assert_int_equal(call_se_read(&msg, &r), 0);
	assert_int_equal(r.se, 600);
	assert_int_equal(r.min_se, 120);
	assert_int_equal(call_se_uas(&r, SIP_FEATURE_YES, 90, 1800, &se), 0);
	assert_int_equal(se.refresher, CALL_SE_UAC);
	assert_false(se.we_refresh);
	assert_int_equal(call_se_due_ms(&se), (600 - 32) * 1000);

	/* always (forced) without support: we refresh, no Require */
	invite("");
	assert_int_equal(call_se_read(&msg, &r), 0);
	assert_int_equal(call_se_uas(&r, SIP_FEATURE_FORCED, 90, 1800, &se), 0);
	assert_int_equal(se.interval, 1800);
	assert_true(se.we_refresh);
	assert_false(se.require);
	struct sip_buf b;
	sip_buf_init(&b);
	call_se_lines(&b, &se);
	assert_string_equal(b.p, "Session-Expires: 1800;refresher=uas\r\n");
	sip_buf_free(&b);

	/* as the UAC: the 2xx decides */
	invite("Session-Expires: 300;refresher=uac\r\n");
	assert_int_equal(call_se_read(&msg, &r), 0);
	assert_int_equal(call_se_uac(&r, SIP_FEATURE_YES, 1800, &se), 0);
	assert_int_equal(se.interval, 300);
	assert_true(se.we_refresh);
	invite("Session-Expires: abc\r\n");
	assert_int_equal(call_se_read(&msg, &r), -EBADMSG);
}

/* Our SDP answer (sdp_neg.c), byte for byte. */
static void test_sdp_answer(void **state)
{
	struct sip_buf b;
	sip_buf_init(&b);
	struct call_media m = {.codec = ZV_CODEC_ULAW, .pt = 0, .dtmf_pt = 101,
			       .dtmf_clock = 8000, .dir = SDP_DIR_SENDRECV};
	call_sdp_answer(&b, &m, "127.0.0.1", 20000, 1234567890123ull, 2);
	assert_string_equal(b.p, "v=0\r\no=- 1234567890123 2 IN IP4 127.0.0.1\r\ns=Zvonok\r\n"
				 "c=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 20000 RTP/AVP 0 101\r\n"
				 "a=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\n"
				 "a=fmtp:101 0-16\r\na=ptime:20\r\na=sendrecv\r\n");
	sip_buf_free(&b);
	struct call_media o = {.codec = ZV_CODEC_OPUS, .pt = 111, .dtmf_pt = -1,
			       .dir = SDP_DIR_SENDONLY};
	call_sdp_answer(&b, &o, "::1", 0, 0, 0);
	assert_string_equal(b.p, "v=0\r\no=- 0 0 IN IP6 ::1\r\ns=Zvonok\r\nc=IN IP6 ::1\r\n"
				 "t=0 0\r\nm=audio 0 RTP/AVP 111\r\na=rtpmap:111 opus/48000/2\r\n"
				 "a=ptime:20\r\na=recvonly\r\n");
	sip_buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_info_bodies),
		cmocka_unit_test(test_identity),
		cmocka_unit_test(test_session_timer),
		cmocka_unit_test(test_sdp_answer),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
