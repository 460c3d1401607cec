/*
 * Unit tests of the SIP message parser: valid messages, a torture corpus
 * in the categories of RFC 4475 (written for Zvonok), typed header parsers
 * and stream framing.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sip/parser/sip_msg.h"

/* Messages are written with "\n"; this turns each into CRLF. */
static char wire[16384];

static size_t to_crlf(const char *s)
{
	size_t o = 0;
	for (; *s && o + 2 < sizeof(wire); s++) {
		if (*s == '\n')
			wire[o++] = '\r';
		wire[o++] = *s;
	}
	wire[o] = '\0';
	return o;
}

static struct sip_msg msg;

static int parse(const char *text)
{
	size_t n = to_crlf(text);
	return sip_msg_parse(wire, n, &msg);
}

static bool view_is(struct zv_str v, const char *s)
{
	return v.len == strlen(s) && memcmp(v.p, s, v.len) == 0;
}

#define assert_view(v, s) assert_true(view_is((v), (s)))

#define INVITE_SDP                                                                           \
	"v=0\n"                                                                              \
	"o=alice 2890844526 2890844526 IN IP4 192.0.2.10\n"                                  \
	"s=-\n"                                                                              \
	"c=IN IP4 192.0.2.10\n"                                                              \
	"t=0 0\n"                                                                            \
	"m=audio 49170 RTP/AVP 0 8 101\n"                                                    \
	"a=rtpmap:101 telephone-event/8000\n"

static const char invite[] =
	"INVITE sip:bob@b.example.com SIP/2.0\n"
	"Via: SIP/2.0/UDP pc33.a.example.com:5062;branch=z9hG4bK776asdhds;rport\n"
	"Max-Forwards: 70\n"
	"To: Bob <sip:bob@b.example.com>\n"
	"From: \"Alice \\\"A\\\"\" <sip:alice@a.example.com>;tag=1928301774\n"
	"Call-ID: a84b4c76e66710@pc33.a.example.com\n"
	"CSeq: 314159 INVITE\n"
	"Contact: <sip:alice@pc33.a.example.com;transport=udp>\n"
	"Allow: INVITE, ACK, CANCEL, OPTIONS, BYE\n"
	"Supported: replaces, timer\n"
	"Content-Type: application/sdp\n"
	"Content-Length: 153\n"
	"\n" INVITE_SDP;

static void test_invite(void **state)
{
	assert_int_equal(parse(invite), 0);
	assert_true(msg.is_request);
	assert_int_equal(msg.method, SIP_METHOD_INVITE);
	assert_view(msg.method_name, "INVITE");
	assert_view(msg.ruri, "sip:bob@b.example.com");
	assert_int_equal(msg.n_hdrs, 11);
	assert_int_equal(msg.via.transport, SIP_TRANSPORT_UDP);
	assert_view(msg.via.host, "pc33.a.example.com");
	assert_true(msg.via.has_port);
	assert_int_equal(msg.via.port, 5062);
	assert_view(msg.via.branch, "z9hG4bK776asdhds");
	assert_true(msg.via.rport);
	assert_false(msg.via.has_rport_value);
	assert_true(msg.from.quoted_display);
	assert_view(msg.from.display, "Alice \\\"A\\\"");
	assert_view(msg.from.uri, "sip:alice@a.example.com");
	assert_view(msg.from.tag, "1928301774");
	assert_view(msg.to.display, "Bob");
	assert_false(msg.to.has_tag);
	assert_view(msg.call_id, "a84b4c76e66710@pc33.a.example.com");
	assert_int_equal(msg.cseq.seq, 314159);
	assert_int_equal(msg.cseq.method, SIP_METHOD_INVITE);
	assert_true(msg.has_max_forwards);
	assert_int_equal(msg.max_forwards, 70);
	assert_int_equal(msg.content_length, strlen(INVITE_SDP) + 7);
	assert_int_equal(msg.body.len, msg.content_length);
	assert_memory_equal(msg.body.p, "v=0\r\n", 5);
	assert_int_equal(msg.len, strlen(wire));

	const struct sip_hdr *h = sip_msg_hdr(&msg, SIP_HDR_CONTENT_TYPE);
	assert_non_null(h);
	assert_view(h->value, "application/sdp");
	assert_view(h->name, "Content-Type");

	/* multi-value iteration */
	struct sip_value_iter it;
	struct zv_str v;
	const char *allow[] = {"INVITE", "ACK", "CANCEL", "OPTIONS", "BYE"};
	unsigned n = 0;
	sip_value_iter_init(&it, &msg, SIP_HDR_ALLOW);
	while (sip_value_iter_next(&it, &v) > 0) {
		assert_true(n < 5);
		assert_view(v, allow[n]);
		n++;
	}
	assert_int_equal(n, 5);
}

static void test_register(void **state)
{
	assert_int_equal(parse("REGISTER sip:registrar.example.com SIP/2.0\n"
			       "Via: SIP/2.0/TCP 192.0.2.4:5060;branch=z9hG4bKnashds7\n"
			       "Max-Forwards: 70\n"
			       "To: Bob <sip:bob@example.com>\n"
			       "From: Bob <sip:bob@example.com>;tag=456248\n"
			       "Call-ID: 843817637684230@998sdasdh09\n"
			       "CSeq: 1826 REGISTER\n"
			       "Contact: <sip:bob@192.0.2.4>;expires=3600, <sip:bob@[2001:db8::1]>\n"
			       "Contact: *\n"
			       "Expires: 7200\n"
			       "Authorization: Digest username=\"bob\", realm=\"example.com\", nonce=\"abc\", "
			       "uri=\"sip:registrar.example.com\", response=\"0123\"\n"
			       "Content-Length: 0\n"
			       "\n"),
			 0);
	assert_int_equal(msg.method, SIP_METHOD_REGISTER);
	assert_int_equal(msg.via.transport, SIP_TRANSPORT_TCP);
	assert_int_equal(msg.body.len, 0);

	struct sip_value_iter it;
	struct zv_str v;
	struct sip_addr a;
	sip_value_iter_init(&it, &msg, SIP_HDR_CONTACT);
	assert_int_equal(sip_value_iter_next(&it, &v), 1);
	assert_int_equal(sip_addr_parse(v, &a), 0);
	assert_view(a.uri, "sip:bob@192.0.2.4");
	struct zv_str exp;
	assert_int_equal(sip_param_find(a.params, "expires", &exp), 0);
	assert_view(exp, "3600");
	assert_int_equal(sip_param_find(a.params, "q", &exp), -ENOENT);
	assert_int_equal(sip_value_iter_next(&it, &v), 1);
	assert_int_equal(sip_addr_parse(v, &a), 0);
	assert_view(a.uri, "sip:bob@[2001:db8::1]");
	assert_int_equal(sip_value_iter_next(&it, &v), 1);
	assert_int_equal(sip_addr_parse(v, &a), 0);
	assert_true(a.star);
	assert_int_equal(sip_value_iter_next(&it, &v), 0);

	uint32_t e;
	assert_int_equal(sip_uint_parse(sip_msg_hdr(&msg, SIP_HDR_EXPIRES)->value, UINT32_MAX, &e), 0);
	assert_int_equal(e, 7200);
	assert_non_null(sip_msg_hdr(&msg, SIP_HDR_AUTHORIZATION));
}

static void test_response(void **state)
{
	assert_int_equal(parse("SIP/2.0 200 OK\n"
			       "Via: SIP/2.0/UDP server10.b.example.com;branch=z9hG4bK4b43c2ff8.1;"
			       "received=192.0.2.3, SIP/2.0/UDP pc33.a.example.com;branch=z9hG4bK776\n"
			       "To: Bob <sip:bob@b.example.com>;tag=a6c85cf\n"
			       "From: Alice <sip:alice@a.example.com>;tag=1928301774\n"
			       "Call-ID: a84b4c76e66710\n"
			       "CSeq: 314159 INVITE\n"
			       "Content-Length: 0\n"
			       "\n"),
			 0);
	assert_false(msg.is_request);
	assert_int_equal(msg.status, 200);
	assert_view(msg.reason, "OK");
	assert_view(msg.to.tag, "a6c85cf");
	assert_view(msg.via.received, "192.0.2.3");
	assert_false(msg.via.has_port);

	struct sip_value_iter it;
	struct zv_str v;
	struct sip_via via;
	sip_value_iter_init(&it, &msg, SIP_HDR_VIA);
	assert_int_equal(sip_value_iter_next(&it, &v), 1);
	assert_int_equal(sip_value_iter_next(&it, &v), 1);
	assert_int_equal(sip_via_parse(v, &via), 0);
	assert_view(via.host, "pc33.a.example.com");
	assert_int_equal(sip_value_iter_next(&it, &v), 0);

	/* responses may carry any method in CSeq, and a reason with spaces */
	assert_int_equal(parse("SIP/2.0 486 Busy Here Now\n"
			       "v: SIP/2.0/UDP h;branch=z9hG4bK1\n"
			       "t: <sip:b@h>;tag=x\nf: <sip:a@h>;tag=y\ni: c1\nCSeq: 2 BYE\n\n"),
			 0);
	assert_view(msg.reason, "Busy Here Now");
}

static void test_compact_and_case(void **state)
{
	assert_int_equal(parse("OPTIONS sip:h.example SIP/2.0\n"
			       "v: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKa\n"
			       "f: sip:a@h.example;tag=12\n"
			       "t: sip:h.example\n"
			       "i: 12345@h\n"
			       "cseq: 9 OPTIONS\n"
			       "m: <sip:a@192.0.2.1>\n"
			       "k: path\n"
			       "l: 0\n"
			       "o: presence;id=7\n"
			       "u: dialog\n"
			       "x: 1800;refresher=uac\n"
			       "s: hi\n"
			       "e: gzip\n"
			       "c: text/plain\n"
			       "r: <sip:c@h>\n"
			       "b: <sip:d@h>\n"
			       "CONTENT-length: 0\n"
			       "\n"),
			 0);
	assert_view(msg.from.uri, "sip:a@h.example");
	assert_view(msg.from.tag, "12");
	assert_view(msg.to.uri, "sip:h.example");
	assert_non_null(sip_msg_hdr(&msg, SIP_HDR_CONTACT));
	assert_non_null(sip_msg_hdr(&msg, SIP_HDR_SUPPORTED));
	assert_non_null(sip_msg_hdr(&msg, SIP_HDR_ALLOW_EVENTS));
	assert_non_null(sip_msg_hdr(&msg, SIP_HDR_SESSION_EXPIRES));
	assert_non_null(sip_msg_hdr(&msg, SIP_HDR_SUBJECT));
	assert_non_null(sip_msg_hdr(&msg, SIP_HDR_CONTENT_ENCODING));
	assert_non_null(sip_msg_hdr(&msg, SIP_HDR_CONTENT_TYPE));
	assert_non_null(sip_msg_hdr(&msg, SIP_HDR_REFER_TO));
	assert_non_null(sip_msg_hdr(&msg, SIP_HDR_REFERRED_BY));
	assert_int_equal(sip_msg_hdr(&msg, SIP_HDR_CONTENT_LENGTH) - msg.hdrs, 7);

	struct sip_event ev;
	assert_int_equal(sip_event_parse(sip_msg_hdr(&msg, SIP_HDR_EVENT)->value, &ev), 0);
	assert_view(ev.package, "presence");
	assert_view(ev.id, "7");

	assert_int_equal(sip_hdr_lookup("WWW-AUTHENTICATE", 16), SIP_HDR_WWW_AUTHENTICATE);
	assert_int_equal(sip_hdr_lookup("X-Foo", 5), SIP_HDR_OTHER);
	assert_int_equal(sip_hdr_lookup("z", 1), SIP_HDR_OTHER);
	assert_string_equal(sip_hdr_name(SIP_HDR_CALL_ID), "Call-ID");
	assert_string_equal(sip_hdr_name(SIP_HDR_CSEQ), "CSeq");
	/* every canonical name maps back to its id */
	for (int id = 1; id < SIP_HDR__COUNT; id++) {
		const char *n = sip_hdr_name((enum sip_hdr_id)id);
		assert_int_equal(sip_hdr_lookup(n, strlen(n)), id);
	}
	for (int m = 1; m < SIP_METHOD__COUNT; m++)
		assert_int_equal(sip_method_lookup(zv_str_c(sip_method_name((enum sip_method)m))), m);
}

static void test_folding_and_whitespace(void **state)
{
	/* folded Subject and Via, odd spacing around ':' and '/' */
	assert_int_equal(parse("MESSAGE sip:u@h SIP/2.0\n"
			       "Via  :  SIP / 2.0 / UDP\n   host.example ; branch = z9hG4bKx ;rport=5070\n"
			       "From:<sip:a@h>;tag=1\n"
			       "To:\t<sip:u@h>\n"
			       "Call-ID:   abc\n"
			       "CSeq:\t7\t MESSAGE\n"
			       "Subject: first\n"
			       "\tsecond\n"
			       "  third\n"
			       "X-Custom: v\n"
			       "Content-Length:   5   \n"
			       "\n"
			       "hello"),
			 0);
	assert_view(msg.via.host, "host.example");
	assert_view(msg.via.branch, "z9hG4bKx");
	assert_true(msg.via.has_rport_value);
	assert_int_equal(msg.via.rport_value, 5070);
	assert_int_equal(msg.cseq.seq, 7);
	const struct sip_hdr *s = sip_msg_hdr(&msg, SIP_HDR_SUBJECT);
	assert_view(s->value, "first\r\n\tsecond\r\n  third");
	assert_view(msg.body, "hello");
	assert_non_null(sip_msg_hdr_by_name(&msg, ZV_STR_LIT("x-custom")));
	assert_null(sip_msg_hdr_by_name(&msg, ZV_STR_LIT("x-other")));
	assert_non_null(sip_msg_hdr_by_name(&msg, ZV_STR_LIT("s")));

	/* bare LF line ends are accepted */
	const char lf[] = "BYE sip:u@h SIP/2.0\nVia: SIP/2.0/UDP h;branch=z9hG4bK2\nFrom: <sip:a@h>;tag=1\n"
			  "To: <sip:u@h>;tag=2\nCall-ID: x\nCSeq: 3 BYE\n\n";
	assert_int_equal(sip_msg_parse(lf, strlen(lf), &msg), 0);
	assert_int_equal(msg.method, SIP_METHOD_BYE);
}

static void test_ipv6_via_and_tel(void **state)
{
	assert_int_equal(parse("INVITE tel:+1-201-555-0123 SIP/2.0\n"
			       "Via: SIP/2.0/TLS [2001:db8::9:1]:5061;branch=z9hG4bKas;received=2001:db8::9:255;maddr=[2001:db8::1];ttl=16\n"
			       "From: \"\" <sip:%61lice@h>;tag=9\n"
			       "To: tel:+1-201-555-0123\n"
			       "Call-ID: v6\n"
			       "CSeq: 1 INVITE\n"
			       "Max-Forwards: 0\n"
			       "\n"),
			 0);
	assert_true(msg.via.host_ipv6);
	assert_view(msg.via.host, "2001:db8::9:1");
	assert_int_equal(msg.via.port, 5061);
	assert_int_equal(msg.via.transport, SIP_TRANSPORT_TLS);
	assert_view(msg.via.received, "2001:db8::9:255");
	assert_view(msg.via.maddr, "[2001:db8::1]");
	assert_true(msg.via.has_ttl);
	assert_int_equal(msg.via.ttl, 16);
	assert_view(msg.ruri, "tel:+1-201-555-0123");
	assert_view(msg.to.uri, "tel:+1-201-555-0123");
}

/* ---- torture corpus --------------------------------------------------- */

struct torture {
	const char *name;
	const char *text;
	int rc;
	enum sip_err err;
};

#define HDRS_OK                                                                              \
	"Via: SIP/2.0/UDP h.example;branch=z9hG4bKt\n"                                       \
	"From: <sip:a@h.example>;tag=1\n"                                                    \
	"To: <sip:b@h.example>\n"                                                            \
	"Call-ID: torture@h\n"

static const struct torture torture[] = {
	{"minimal ok", "OPTIONS sip:h SIP/2.0\n" HDRS_OK "CSeq: 1 OPTIONS\n\n", 0, SIP_ERR_NONE},
	{"no Call-ID",
	 "OPTIONS sip:h SIP/2.0\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\nFrom: <sip:a@h>;tag=1\n"
	 "To: <sip:b@h>\nCSeq: 1 OPTIONS\n\n",
	 -EBADMSG, SIP_ERR_NO_CALL_ID},
	{"no CSeq", "OPTIONS sip:h SIP/2.0\n" HDRS_OK "\n", -EBADMSG, SIP_ERR_NO_CSEQ},
	{"no From",
	 "OPTIONS sip:h SIP/2.0\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\nTo: <sip:b@h>\nCall-ID: 1\n"
	 "CSeq: 1 OPTIONS\n\n",
	 -EBADMSG, SIP_ERR_NO_FROM},
	{"no To",
	 "OPTIONS sip:h SIP/2.0\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\nFrom: <sip:a@h>;tag=1\n"
	 "Call-ID: 1\nCSeq: 1 OPTIONS\n\n",
	 -EBADMSG, SIP_ERR_NO_TO},
	{"no Via",
	 "OPTIONS sip:h SIP/2.0\nFrom: <sip:a@h>;tag=1\nTo: <sip:b@h>\nCall-ID: 1\n"
	 "CSeq: 1 OPTIONS\n\n",
	 -EBADMSG, SIP_ERR_NO_VIA},
	{"CSeq method mismatch", "INVITE sip:h SIP/2.0\n" HDRS_OK "CSeq: 1 ACK\n\n", -EBADMSG,
	 SIP_ERR_CSEQ_METHOD},
	{"CSeq method case differs", "INVITE sip:h SIP/2.0\n" HDRS_OK "CSeq: 1 invite\n\n",
	 -EBADMSG, SIP_ERR_CSEQ_METHOD},
	{"CSeq 2^31", "OPTIONS sip:h SIP/2.0\n" HDRS_OK "CSeq: 2147483648 OPTIONS\n\n", -EBADMSG,
	 SIP_ERR_BAD_CSEQ},
	{"CSeq 2^31-1", "OPTIONS sip:h SIP/2.0\n" HDRS_OK "CSeq: 2147483647 OPTIONS\n\n", 0,
	 SIP_ERR_NONE},
	{"CSeq huge", "OPTIONS sip:h SIP/2.0\n" HDRS_OK "CSeq: 99999999999999999999999 OPTIONS\n\n",
	 -EBADMSG, SIP_ERR_BAD_CSEQ},
	{"CSeq without method", "OPTIONS sip:h SIP/2.0\n" HDRS_OK "CSeq: 1\n\n", -EBADMSG,
	 SIP_ERR_BAD_CSEQ},
	{"CSeq negative", "OPTIONS sip:h SIP/2.0\n" HDRS_OK "CSeq: -1 OPTIONS\n\n", -EBADMSG,
	 SIP_ERR_BAD_CSEQ},
	{"two CSeq", "OPTIONS sip:h SIP/2.0\n" HDRS_OK "CSeq: 1 OPTIONS\nCSeq: 2 OPTIONS\n\n",
	 -EBADMSG, SIP_ERR_BAD_CSEQ},
	{"two To", "OPTIONS sip:h SIP/2.0\n" HDRS_OK "To: <sip:c@h>\nCSeq: 1 OPTIONS\n\n", -EBADMSG,
	 SIP_ERR_BAD_TO},
	{"Content-Length too large",
	 "MESSAGE sip:h SIP/2.0\n" HDRS_OK "CSeq: 1 MESSAGE\nContent-Length: 50\n\nshort", -EMSGSIZE,
	 SIP_ERR_BODY_SHORT},
	{"Content-Length negative",
	 "MESSAGE sip:h SIP/2.0\n" HDRS_OK "CSeq: 1 MESSAGE\nContent-Length: -5\n\nshort", -EBADMSG,
	 SIP_ERR_BAD_CONTENT_LENGTH},
	{"Content-Length overflow",
	 "MESSAGE sip:h SIP/2.0\n" HDRS_OK "CSeq: 1 MESSAGE\nContent-Length: 4294967296\n\n",
	 -EBADMSG, SIP_ERR_BAD_CONTENT_LENGTH},
	{"Content-Length conflicting",
	 "MESSAGE sip:h SIP/2.0\n" HDRS_OK "CSeq: 1 MESSAGE\nContent-Length: 1\nl: 2\n\nab", -EBADMSG,
	 SIP_ERR_BAD_CONTENT_LENGTH},
	{"SIP/3.0 request", "OPTIONS sip:h SIP/3.0\n" HDRS_OK "CSeq: 1 OPTIONS\n\n",
	 -EPROTONOSUPPORT, SIP_ERR_VERSION},
	{"SIP/7.0 response", "SIP/7.0 200 OK\n" HDRS_OK "CSeq: 1 OPTIONS\n\n", -EPROTONOSUPPORT,
	 SIP_ERR_VERSION},
	{"lowercase version ok", "OPTIONS sip:h sip/2.0\n" HDRS_OK "CSeq: 1 OPTIONS\n\n", 0,
	 SIP_ERR_NONE},
	{"unterminated display name",
	 "OPTIONS sip:h SIP/2.0\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\n"
	 "From: \"Alice <sip:a@h>;tag=1\nTo: <sip:b@h>\nCall-ID: 1\nCSeq: 1 OPTIONS\n\n",
	 -EBADMSG, SIP_ERR_BAD_FROM},
	{"unbalanced <",
	 "OPTIONS sip:h SIP/2.0\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\n"
	 "From: <sip:a@h>;tag=1\nTo: Bob <sip:b@h\nCall-ID: 1\nCSeq: 1 OPTIONS\n\n",
	 -EBADMSG, SIP_ERR_BAD_TO},
	{"header without colon",
	 "OPTIONS sip:h SIP/2.0\n" HDRS_OK "CSeq: 1 OPTIONS\nNoColonHere\n\n", -EBADMSG,
	 SIP_ERR_HDR_COLON},
	{"empty header name", "OPTIONS sip:h SIP/2.0\n" HDRS_OK "CSeq: 1 OPTIONS\n: value\n\n",
	 -EBADMSG, SIP_ERR_HDR_NAME},
	{"space in method", "INV ITE sip:h SIP/2.0\n" HDRS_OK "CSeq: 1 INVITE\n\n", -EBADMSG,
	 SIP_ERR_START_LINE},
	{"two spaces after method", "INVITE  sip:h SIP/2.0\n" HDRS_OK "CSeq: 1 INVITE\n\n",
	 -EBADMSG, SIP_ERR_START_LINE},
	{"no Request-URI scheme", "OPTIONS bob SIP/2.0\n" HDRS_OK "CSeq: 1 OPTIONS\n\n", -EBADMSG,
	 SIP_ERR_REQUEST_URI},
	{"status 700", "SIP/2.0 700 Odd\n" HDRS_OK "CSeq: 1 OPTIONS\n\n", -EBADMSG,
	 SIP_ERR_STATUS},
	{"status 99", "SIP/2.0 099 Odd\n" HDRS_OK "CSeq: 1 OPTIONS\n\n", -EBADMSG, SIP_ERR_STATUS},
	{"status 2 digits", "SIP/2.0 20 OK\n" HDRS_OK "CSeq: 1 OPTIONS\n\n", -EBADMSG,
	 SIP_ERR_STATUS},
	{"truncated head", "OPTIONS sip:h SIP/2.0\n" HDRS_OK "CSeq: 1 OPT", -EBADMSG,
	 SIP_ERR_TRUNCATED},
	{"no empty line", "OPTIONS sip:h SIP/2.0\n" HDRS_OK "CSeq: 1 OPTIONS\n", -EBADMSG,
	 SIP_ERR_TRUNCATED},
	{"start line only", "OPTIONS sip:h SIP/2.0", -EBADMSG, SIP_ERR_TRUNCATED},
	{"empty", "", -EBADMSG, SIP_ERR_EMPTY},
	{"garbage", "\x01\x02\x03\n\n", -EBADMSG, SIP_ERR_METHOD},
	{"continuation first", "OPTIONS sip:h SIP/2.0\n folded\n" HDRS_OK "CSeq: 1 OPTIONS\n\n",
	 -EBADMSG, SIP_ERR_HDR_FOLD},
	{"bad Max-Forwards", "OPTIONS sip:h SIP/2.0\n" HDRS_OK "CSeq: 1 OPTIONS\nMax-Forwards: 256\n\n",
	 -EBADMSG, SIP_ERR_BAD_MAX_FORWARDS},
	{"Via without transport",
	 "OPTIONS sip:h SIP/2.0\nVia: SIP/2.0 h;branch=z9hG4bK1\nFrom: <sip:a@h>;tag=1\n"
	 "To: <sip:b@h>\nCall-ID: 1\nCSeq: 1 OPTIONS\n\n",
	 -EBADMSG, SIP_ERR_BAD_VIA},
	{"Via SIP/3.0",
	 "OPTIONS sip:h SIP/2.0\nVia: SIP/3.0/UDP h;branch=z9hG4bK1\nFrom: <sip:a@h>;tag=1\n"
	 "To: <sip:b@h>\nCall-ID: 1\nCSeq: 1 OPTIONS\n\n",
	 -EBADMSG, SIP_ERR_BAD_VIA},
	{"Via port too big",
	 "OPTIONS sip:h SIP/2.0\nVia: SIP/2.0/UDP h:65536;branch=z9hG4bK1\nFrom: <sip:a@h>;tag=1\n"
	 "To: <sip:b@h>\nCall-ID: 1\nCSeq: 1 OPTIONS\n\n",
	 -EBADMSG, SIP_ERR_BAD_VIA},
	{"Call-ID with space",
	 "OPTIONS sip:h SIP/2.0\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\nFrom: <sip:a@h>;tag=1\n"
	 "To: <sip:b@h>\nCall-ID: a b\nCSeq: 1 OPTIONS\n\n",
	 -EBADMSG, SIP_ERR_BAD_CALL_ID},
	{"header name with bad character",
	 "OPTIONS sip:h SIP/2.0\n" HDRS_OK "CSeq: 1 OPTIONS\n@x: y\n\n", -EBADMSG, SIP_ERR_HDR_NAME},
	{"unknown method accepted", "FOO sip:h SIP/2.0\n" HDRS_OK "CSeq: 1 FOO\n\n", 0,
	 SIP_ERR_NONE},
	{"missing Max-Forwards accepted", "INVITE sip:h SIP/2.0\n" HDRS_OK "CSeq: 5 INVITE\n\n", 0,
	 SIP_ERR_NONE},
	{"unknown headers kept",
	 "OPTIONS sip:h SIP/2.0\n" HDRS_OK "CSeq: 1 OPTIONS\nNewFangledHeader: new\n  folded\n\n",
	 0, SIP_ERR_NONE},
};

static void test_torture(void **state)
{
	for (size_t i = 0; i < sizeof(torture) / sizeof(torture[0]); i++) {
		int rc = parse(torture[i].text);
		if (rc != torture[i].rc || msg.err != torture[i].err)
			fail_msg("%s: rc %d err %d (%s), want rc %d err %d", torture[i].name, rc,
				 msg.err, sip_err_reason(msg.err), torture[i].rc, torture[i].err);
	}
}

static void test_nul_and_cr(void **state)
{
	size_t n = to_crlf("OPTIONS sip:h SIP/2.0\n" HDRS_OK "CSeq: 1 OPTIONS\n\n");
	char *nul = strstr(wire, "torture");
	nul[2] = '\0';
	assert_int_equal(sip_msg_parse(wire, n, &msg), -EBADMSG);
	assert_int_equal(msg.err, SIP_ERR_NUL);

	n = to_crlf("OPTIONS sip:h SIP/2.0\n" HDRS_OK "CSeq: 1 OPTIONS\n\n");
	wire[3] = '\0';
	assert_int_equal(sip_msg_parse(wire, n, &msg), -EBADMSG);
	assert_int_equal(msg.err, SIP_ERR_NUL);

	/* NUL in the body is fine */
	n = to_crlf("MESSAGE sip:h SIP/2.0\n" HDRS_OK "CSeq: 1 MESSAGE\nl: 3\n\na b");
	wire[n - 2] = '\0';
	assert_int_equal(sip_msg_parse(wire, n, &msg), 0);
	assert_int_equal(msg.body.len, 3);

	/* a stray CR inside a header */
	n = to_crlf("OPTIONS sip:h SIP/2.0\n" HDRS_OK "CSeq: 1 OPTIONS\nX: a\rb\n\n");
	assert_int_equal(sip_msg_parse(wire, n, &msg), -EBADMSG);
	assert_int_equal(msg.err, SIP_ERR_LINE_END);
	assert_string_equal(sip_err_reason(SIP_ERR_NO_CALL_ID), "Missing Call-ID");
	assert_int_equal(sip_err_status(SIP_ERR_VERSION), 505);
	assert_int_equal(sip_err_status(SIP_ERR_HDR_TOO_MANY), 513);
}

static void test_limits(void **state)
{
	static char big[65536 * 2];
	int o = snprintf(big, sizeof(big), "OPTIONS sip:h SIP/2.0\r\n%s", "");
	o += snprintf(big + o, sizeof(big) - (size_t)o,
		      "Via: SIP/2.0/UDP h;branch=z9hG4bK1\r\nFrom: <sip:a@h>;tag=1\r\n"
		      "To: <sip:b@h>\r\nCall-ID: 1\r\nCSeq: 1 OPTIONS\r\n");
	int base = o;
	for (int i = 0; i < SIP_MSG_MAX_HDRS - 5; i++)
		o += snprintf(big + o, sizeof(big) - (size_t)o, "X-H%d: %d\r\n", i, i);
	memcpy(big + o, "\r\n", 2);
	assert_int_equal(sip_msg_parse(big, (size_t)o + 2, &msg), 0);
	assert_int_equal(msg.n_hdrs, SIP_MSG_MAX_HDRS);

	o += snprintf(big + o, sizeof(big) - (size_t)o, "X-One-Too-Many: 1\r\n\r\n");
	assert_int_equal(sip_msg_parse(big, (size_t)o, &msg), -E2BIG);
	assert_int_equal(msg.err, SIP_ERR_HDR_TOO_MANY);

	/* a 9000-byte header value */
	o = base;
	o += snprintf(big + o, sizeof(big) - (size_t)o, "X-Long: ");
	memset(big + o, 'a', 9000);
	o += 9000;
	memcpy(big + o, "\r\n\r\n", 4);
	assert_int_equal(sip_msg_parse(big, (size_t)o + 4, &msg), -E2BIG);
	assert_int_equal(msg.err, SIP_ERR_HDR_TOO_LONG);
}

static void test_body_truncated_to_cl(void **state)
{
	assert_int_equal(parse("MESSAGE sip:h SIP/2.0\n" HDRS_OK
			       "CSeq: 1 MESSAGE\nContent-Length: 2\n\nhello"),
			 0);
	assert_view(msg.body, "he");
	assert_int_equal(msg.len, strlen(wire) - 3);

	/* no Content-Length on a datagram: the body is the rest */
	assert_int_equal(parse("MESSAGE sip:h SIP/2.0\n" HDRS_OK "CSeq: 1 MESSAGE\n\nhello"), 0);
	assert_view(msg.body, "hello");
	assert_false(msg.has_content_length);
}

static void test_typed_headers(void **state)
{
	struct sip_cseq c;
	assert_int_equal(sip_cseq_parse(ZV_STR_LIT(" 42  SUBSCRIBE "), &c), 0);
	assert_int_equal(c.seq, 42);
	assert_int_equal(c.method, SIP_METHOD_SUBSCRIBE);
	assert_int_equal(sip_cseq_parse(ZV_STR_LIT("42SUBSCRIBE"), &c), -EBADMSG);
	assert_int_equal(sip_cseq_parse(ZV_STR_LIT("4294967296 X"), &c), -ERANGE);

	struct sip_addr a;
	assert_int_equal(sip_addr_parse(ZV_STR_LIT("Alice Smith <sip:a@h;lr>;tag=88;x=\"q;,\""), &a), 0);
	assert_view(a.display, "Alice Smith");
	assert_false(a.quoted_display);
	assert_view(a.uri, "sip:a@h;lr");
	assert_view(a.tag, "88");
	struct zv_str v;
	assert_int_equal(sip_param_find(a.params, "x", &v), 0);
	assert_view(v, "\"q;,\"");
	assert_int_equal(sip_addr_parse(ZV_STR_LIT("<sip:a@h> junk"), &a), -EBADMSG);
	assert_int_equal(sip_addr_parse(ZV_STR_LIT("\"unterminated <sip:a@h>"), &a), -EBADMSG);
	assert_int_equal(sip_addr_parse(ZV_STR_LIT("<sip:a@h"), &a), -EBADMSG);
	assert_int_equal(sip_addr_parse(ZV_STR_LIT("\"x\" sip:a@h"), &a), -EBADMSG);
	assert_int_equal(sip_addr_parse(ZV_STR_LIT(""), &a), -EBADMSG);
	/* P-Asserted-Identity style */
	assert_int_equal(sip_addr_parse(ZV_STR_LIT("\"Cullen\" <tel:+14085550100>"), &a), 0);
	assert_view(a.uri, "tel:+14085550100");

	char buf[32];
	size_t n;
	assert_int_equal(sip_unquote(ZV_STR_LIT("a\\\"b\\\\c"), buf, sizeof(buf), &n), 0);
	assert_int_equal(n, 5);
	assert_memory_equal(buf, "a\"b\\c", 5);
	assert_int_equal(sip_unquote(ZV_STR_LIT("x\\"), buf, sizeof(buf), &n), -EBADMSG);
	assert_int_equal(sip_unquote(ZV_STR_LIT("abcdef"), buf, 3, &n), -ENOSPC);

	struct sip_subscription_state ss;
	assert_int_equal(sip_subscription_state_parse(
				 ZV_STR_LIT("terminated;reason=timeout;retry-after=30"), &ss),
			 0);
	assert_int_equal(ss.state, SIP_SUBSTATE_TERMINATED);
	assert_view(ss.reason, "timeout");
	assert_true(ss.has_retry_after);
	assert_int_equal(ss.retry_after, 30);
	assert_int_equal(sip_subscription_state_parse(ZV_STR_LIT("active;expires=600"), &ss), 0);
	assert_int_equal(ss.state, SIP_SUBSTATE_ACTIVE);
	assert_int_equal(ss.expires, 600);
	assert_int_equal(sip_subscription_state_parse(ZV_STR_LIT("active;expires=x"), &ss), -EBADMSG);

	struct sip_event ev;
	assert_int_equal(sip_event_parse(ZV_STR_LIT("message-summary"), &ev), 0);
	assert_view(ev.package, "message-summary");
	assert_int_equal(sip_event_parse(ZV_STR_LIT(";id=1"), &ev), -EBADMSG);

	uint32_t u;
	assert_int_equal(sip_uint_parse(ZV_STR_LIT(" 70 "), 255, &u), 0);
	assert_int_equal(sip_uint_parse(ZV_STR_LIT("7 0"), 255, &u), -EBADMSG);
	assert_int_equal(sip_uint_parse(ZV_STR_LIT("300"), 255, &u), -ERANGE);

	struct sip_via via;
	assert_int_equal(sip_via_parse(ZV_STR_LIT("SIP/2.0/WSS df7jal23ls0d.invalid;branch=z9hG4bK;rport=x"), &via),
			 -EBADMSG);
	assert_int_equal(sip_via_parse(ZV_STR_LIT("SIP/2.0/WSS df7jal23ls0d.invalid;branch=z9hG4bK56"), &via), 0);
	assert_int_equal(via.transport, SIP_TRANSPORT_WSS);
	assert_int_equal(sip_via_parse(ZV_STR_LIT("SIP/2.0/UDP [::1"), &via), -EBADMSG);

	struct zv_str rest = ZV_STR_LIT("\"a,b\" <sip:x@h;p=1,2>, <sip:y@h>,,");
	assert_int_equal(sip_list_next(&rest, &v), 1);
	assert_view(v, "\"a,b\" <sip:x@h;p=1,2>");
	assert_int_equal(sip_list_next(&rest, &v), 1);
	assert_view(v, "<sip:y@h>");
	assert_int_equal(sip_list_next(&rest, &v), 1);
	assert_int_equal(v.len, 0);
	assert_int_equal(sip_list_next(&rest, &v), 0);
	rest = ZV_STR_LIT("<sip:x@h, <sip:y@h");
	assert_int_equal(sip_list_next(&rest, &v), -EBADMSG);
	rest = ZV_STR_LIT("<sip:x@h>, \"open");
	assert_int_equal(sip_list_next(&rest, &v), 1);
	assert_int_equal(sip_list_next(&rest, &v), -EBADMSG);
}

/* ---- stream framing --------------------------------------------------- */

static void test_framing(void **state)
{
	static char buf[4096];
	size_t skip;
	size_t n1 = to_crlf("MESSAGE sip:h SIP/2.0\n" HDRS_OK "CSeq: 1 MESSAGE\nContent-Length: 5\n\nhello");
	memcpy(buf, "\r\n\r\n", 4);
	memcpy(buf + 4, wire, n1);
	size_t n2 = to_crlf("OPTIONS sip:h SIP/2.0\n" HDRS_OK "CSeq: 2 OPTIONS\nl: 0\n\n");
	memcpy(buf + 4 + n1, wire, n2);
	size_t total = 4 + n1 + n2;

	/* every prefix shorter than the first message needs more */
	for (size_t i = 0; i < 4 + n1; i++) {
		ssize_t r = sip_msg_frame_len(buf, i, &skip);
		assert_int_equal(r, 0);
		assert_true(skip <= 4);
	}
	ssize_t r = sip_msg_frame_len(buf, total, &skip);
	assert_int_equal(skip, 4);
	assert_int_equal(r, (ssize_t)n1);
	assert_int_equal(sip_msg_parse(buf + skip, (size_t)r, &msg), 0);
	assert_view(msg.body, "hello");

	r = sip_msg_frame_len(buf + 4 + n1, n2, &skip);
	assert_int_equal(skip, 0);
	assert_int_equal(r, (ssize_t)n2);

	/* keep-alives only */
	assert_int_equal(sip_msg_frame_len("\r\n\r\n", 4, &skip), 0);
	assert_int_equal(skip, 4);

	/* no Content-Length on a stream */
	size_t n3 = to_crlf("OPTIONS sip:h SIP/2.0\n" HDRS_OK "CSeq: 2 OPTIONS\n\n");
	assert_int_equal(sip_msg_frame_len(wire, n3, &skip), -EBADMSG);
	n3 = to_crlf("OPTIONS sip:h SIP/2.0\n" HDRS_OK "CSeq: 2 OPTIONS\nContent-Length: x\n\n");
	assert_int_equal(sip_msg_frame_len(wire, n3, &skip), -EBADMSG);
	n3 = to_crlf("OPTIONS sip:h SIP/2.0\n" HDRS_OK "CSeq: 2 OPTIONS\nContent-Length: 1\nl: 2\n\n");
	assert_int_equal(sip_msg_frame_len(wire, n3, &skip), -EBADMSG);

	/* a header part that never ends */
	static char huge[SIP_MSG_MAX_HEAD + 100];
	memset(huge, 'a', sizeof(huge));
	huge[10] = '\n';
	assert_int_equal(sip_msg_frame_len(huge, sizeof(huge), &skip), -E2BIG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_invite),
		cmocka_unit_test(test_register),
		cmocka_unit_test(test_response),
		cmocka_unit_test(test_compact_and_case),
		cmocka_unit_test(test_folding_and_whitespace),
		cmocka_unit_test(test_ipv6_via_and_tel),
		cmocka_unit_test(test_torture),
		cmocka_unit_test(test_nul_and_cr),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_body_truncated_to_cl),
		cmocka_unit_test(test_typed_headers),
		cmocka_unit_test(test_framing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
