/*
 * Unit tests of the NOTIFY bodies (message-summary, dialog-info, PIDF), the
 * extension-state mapping, the NOTIFY headers and the request builder,
 * parsed back with the SIP parser.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include <zvonok/devstate.h>

#include "sip/outbound/uac.h"
#include "sip/subscriptions/pubsub_body.h"

static void test_mwi_body(void **state)
{
	struct sip_buf b;
	sip_buf_init(&b);
	sip_mwi_body(&b, "sip:100@192.0.2.1", 2, 1);
	assert_string_equal(b.p, "Messages-Waiting: yes\r\n"
				 "Message-Account: sip:100@192.0.2.1\r\n"
				 "Voice-Message: 2/1 (0/0)\r\n");
	sip_buf_free(&b);
	sip_buf_init(&b);
	sip_mwi_body(&b, "sip:100@192.0.2.1", 0, 3);
	assert_non_null(strstr(b.p, "Messages-Waiting: no\r\n"));
	assert_non_null(strstr(b.p, "Voice-Message: 0/3 (0/0)\r\n"));
	sip_buf_free(&b);
}

static void test_exten_mapping(void **state)
{
	struct sip_exten_presence p;
	sip_exten_presence_of(ZV_EXTENSION_NOT_INUSE, &p);
	assert_string_equal(p.dialog_state, "terminated");
	assert_string_equal(p.basic, "open");
	assert_string_equal(p.note, "Ready");
	sip_exten_presence_of(ZV_EXTENSION_INUSE, &p);
	assert_string_equal(p.dialog_state, "confirmed");
	assert_string_equal(p.note, "On the phone");
	sip_exten_presence_of(ZV_EXTENSION_RINGING, &p);
	assert_string_equal(p.dialog_state, "early");
	assert_true(p.ringing);
	sip_exten_presence_of(ZV_EXTENSION_INUSE | ZV_EXTENSION_RINGING, &p);
	assert_string_equal(p.dialog_state, "confirmed");
	sip_exten_presence_of(ZV_EXTENSION_BUSY, &p);
	assert_string_equal(p.basic, "closed");
	sip_exten_presence_of(ZV_EXTENSION_UNAVAILABLE, &p);
	assert_string_equal(p.dialog_state, "terminated");
	assert_string_equal(p.basic, "closed");
	assert_string_equal(p.note, "Unavailable");
	sip_exten_presence_of(ZV_EXTENSION_ONHOLD, &p);
	assert_string_equal(p.note, "On hold");
}

static void test_dialog_info(void **state)
{
	struct sip_buf b;
	sip_buf_init(&b);
	sip_dialog_info_body(&b, "sip:100@pbx", "100", 3, ZV_EXTENSION_INUSE);
	assert_string_equal(b.p, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
				 "<dialog-info xmlns=\"urn:ietf:params:xml:ns:dialog-info\" "
				 "version=\"3\" state=\"full\" entity=\"sip:100@pbx\">\n"
				 " <dialog id=\"100\">\n"
				 "  <state>confirmed</state>\n"
				 " </dialog>\n"
				 "</dialog-info>\n");
	sip_buf_free(&b);
	sip_buf_init(&b);
	sip_dialog_info_body(&b, "sip:a&b@pbx", "<x>", 0, ZV_EXTENSION_RINGING);
	assert_non_null(strstr(b.p, "entity=\"sip:a&amp;b@pbx\""));
	assert_non_null(strstr(b.p, "<dialog id=\"&lt;x&gt;\" direction=\"recipient\">"));
	assert_non_null(strstr(b.p, "<state>early</state>"));
	sip_buf_free(&b);
}

static void test_pidf(void **state)
{
	struct sip_buf b;
	sip_buf_init(&b);
	sip_pidf_body(&b, "sip:100@pbx", "100", ZV_EXTENSION_NOT_INUSE);
	assert_non_null(strstr(b.p, "<presence xmlns=\"urn:ietf:params:xml:ns:pidf\" "
				    "entity=\"sip:100@pbx\">"));
	assert_non_null(strstr(b.p, "<basic>open</basic>"));
	assert_non_null(strstr(b.p, "<note>Ready</note>"));
	assert_non_null(strstr(b.p, "<tuple id=\"100\">"));
	sip_buf_free(&b);
	sip_buf_init(&b);
	sip_pidf_body(&b, "sip:100@pbx", "100", ZV_EXTENSION_BUSY);
	assert_non_null(strstr(b.p, "<basic>closed</basic>"));
	assert_non_null(strstr(b.p, "<note>On the phone</note>"));
	sip_buf_free(&b);
}

static void test_pkg_lookup(void **state)
{
	enum sip_pkg pkg;
	assert_int_equal(sip_pkg_lookup(ZV_STR_LIT("message-summary"), &pkg), 0);
	assert_int_equal(pkg, SIP_PKG_MWI);
	assert_int_equal(sip_pkg_lookup(ZV_STR_LIT("Dialog"), &pkg), 0);
	assert_int_equal(pkg, SIP_PKG_DIALOG);
	assert_int_equal(sip_pkg_lookup(ZV_STR_LIT("presence"), &pkg), 0);
	assert_int_equal(pkg, SIP_PKG_PRESENCE);
	assert_int_equal(sip_pkg_lookup(ZV_STR_LIT("reg"), &pkg), -ENOENT);
	assert_string_equal(sip_pkg_ctype(SIP_PKG_DIALOG), "application/dialog-info+xml");
}

/* The NOTIFY a subscription sends, parsed back. */
static void test_notify_request(void **state)
{
	struct sip_buf hdrs, body, req;
	sip_buf_init(&hdrs);
	sip_buf_init(&body);
	sip_buf_init(&req);
	sip_notify_headers(&hdrs, SIP_PKG_MWI, "7", 3599, NULL);
	assert_string_equal(hdrs.p, "Event: message-summary;id=7\r\n"
				    "Subscription-State: active;expires=3599\r\n");
	sip_mwi_body(&body, "sip:100@pbx", 1, 0);
	struct sip_uac_request r = {
		.method = "NOTIFY",
		.ruri = "sip:100@192.0.2.9:5070",
		.transport = "UDP",
		.via_hostport = "192.0.2.1:5060",
		.branch = "z9hG4bKabc",
		.route_lines = "Route: <sip:192.0.2.5;lr>\r\n",
		.from = "<sip:100@pbx>;tag=ours",
		.to = "<sip:100@pbx>;tag=theirs",
		.call_id = "cid@x",
		.cseq = 12,
		.contact = "sip:192.0.2.1:5060",
		.extra = hdrs.p,
		.ctype = sip_pkg_ctype(SIP_PKG_MWI),
		.body = body.p,
	};
	assert_int_equal(sip_uac_build_request(&r, &req), 0);
	struct sip_msg m;
	assert_int_equal(sip_msg_parse(req.p, req.len, &m), 0);
	assert_true(m.is_request);
	assert_int_equal(m.method, SIP_METHOD_NOTIFY);
	assert_true(zv_str_eq_cstr(m.ruri, "sip:100@192.0.2.9:5070"));
	assert_int_equal(m.cseq.seq, 12);
	assert_true(zv_str_eq_cstr(m.from.tag, "ours"));
	assert_true(zv_str_eq_cstr(m.to.tag, "theirs"));
	assert_true(zv_str_eq_cstr(m.via.branch, "z9hG4bKabc"));
	assert_true(zv_str_eq_cstr(m.body, body.p));
	const struct sip_hdr *h = sip_msg_hdr(&m, SIP_HDR_SUBSCRIPTION_STATE);
	assert_non_null(h);
	struct sip_subscription_state ss;
	assert_int_equal(sip_subscription_state_parse(h->value, &ss), 0);
	assert_int_equal(ss.state, SIP_SUBSTATE_ACTIVE);
	assert_int_equal(ss.expires, 3599);
	assert_non_null(sip_msg_hdr(&m, SIP_HDR_ROUTE));
	h = sip_msg_hdr(&m, SIP_HDR_EVENT);
	struct sip_event ev;
	assert_int_equal(sip_event_parse(h->value, &ev), 0);
	assert_true(zv_str_eq_cstr(ev.package, "message-summary"));
	assert_true(zv_str_eq_cstr(ev.id, "7"));

	sip_buf_free(&hdrs);
	sip_buf_init(&hdrs);
	sip_notify_headers(&hdrs, SIP_PKG_DIALOG, NULL, 0, NULL);
	assert_string_equal(hdrs.p, "Event: dialog\r\nSubscription-State: terminated;reason=timeout\r\n");
	sip_buf_free(&hdrs);
	sip_buf_init(&hdrs);
	sip_notify_headers(&hdrs, SIP_PKG_PRESENCE, "", 100, "noresource");
	assert_string_equal(hdrs.p,
			    "Event: presence\r\nSubscription-State: terminated;reason=noresource\r\n");
	sip_buf_free(&hdrs);
	sip_buf_free(&body);
	sip_buf_free(&req);
}

static void test_uri_hostport(void **state)
{
	char host[64];
	uint16_t port;
	assert_int_equal(sip_uac_uri_hostport("<sip:100@192.0.2.1:5070;transport=udp>", host,
					      sizeof(host), &port),
			 0);
	assert_string_equal(host, "192.0.2.1");
	assert_int_equal(port, 5070);
	struct sip_sockaddr a;
	assert_int_equal(sip_uac_uri_addr("sip:[::1]", &a), 0);
	assert_int_equal(sip_sockaddr_port(&a), 5060);
	assert_int_equal(sip_uac_uri_addr("sip:pbx.example.com", &a), -EAGAIN);
	assert_int_equal(sip_uac_uri_addr("garbage", &a), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mwi_body),	cmocka_unit_test(test_exten_mapping),
		cmocka_unit_test(test_dialog_info),	cmocka_unit_test(test_pidf),
		cmocka_unit_test(test_pkg_lookup),	cmocka_unit_test(test_notify_request),
		cmocka_unit_test(test_uri_hostport),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
