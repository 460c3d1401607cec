/*
 * Unit tests of the SIP/SIPS/tel URI parser, sip_unescape() and the
 * RFC 3261 §19.1.4 comparison rules.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "sip/parser/sip_uri.h"

static bool view_is(struct zv_str v, const char *s)
{
	return v.len == strlen(s) && memcmp(v.p, s, v.len) == 0;
}

#define assert_view(v, s) assert_true(view_is((v), (s)))

static int parse(const char *s, struct sip_uri *u)
{
	return sip_uri_parse(zv_str_make(s, strlen(s)), u);
}

static void test_full_sip_uri(void **state)
{
	struct sip_uri u;
	struct zv_str v;

	assert_int_equal(parse("sips:alice:secret@atlanta.example.com:5061;transport=tcp;lr;"
			       "user=phone;maddr=239.255.255.1;ttl=15;method=INVITE;x-foo=bar"
			       "?subject=project%20x&priority=urgent",
			       &u),
			 0);
	assert_int_equal(u.scheme, SIP_URI_SIPS);
	assert_view(u.user, "alice");
	assert_true(u.has_password);
	assert_view(u.password, "secret");
	assert_view(u.host, "atlanta.example.com");
	assert_true(u.has_port);
	assert_int_equal(u.port, 5061);
	assert_view(u.transport, "tcp");
	assert_true(u.lr);
	assert_view(u.user_param, "phone");
	assert_view(u.maddr, "239.255.255.1");
	assert_view(u.ttl, "15");
	assert_view(u.method, "INVITE");
	assert_int_equal(sip_uri_param(&u, "X-FOO", &v), 0);
	assert_view(v, "bar");
	assert_int_equal(sip_uri_param(&u, "lr", &v), 0);
	assert_int_equal(v.len, 0);
	assert_int_equal(sip_uri_param(&u, "nope", &v), -ENOENT);
	assert_int_equal(sip_uri_header(&u, "priority", &v), 0);
	assert_view(v, "urgent");
	assert_view(u.headers, "subject=project%20x&priority=urgent");
}

static void test_hosts_and_ports(void **state)
{
	struct sip_uri u;

	assert_int_equal(parse("sip:192.0.2.4", &u), 0);
	assert_int_equal(u.user.len, 0);
	assert_view(u.host, "192.0.2.4");
	assert_false(u.has_port);

	assert_int_equal(parse("sip:bob@[2001:db8::10]:5070;transport=udp", &u), 0);
	assert_true(u.host_ipv6);
	assert_view(u.host, "2001:db8::10");
	assert_int_equal(u.port, 5070);

	assert_int_equal(parse("sip:h:0", &u), 0);
	assert_int_equal(u.port, 0);
	assert_int_equal(parse("sip:h:65535", &u), 0);
	assert_int_equal(parse("sip:h:65536", &u), -EBADMSG);
	assert_int_equal(parse("sip:h:", &u), -EBADMSG);
	assert_int_equal(parse("sip:h:5060x", &u), -EBADMSG);
	assert_int_equal(parse("sip:[2001:db8::10", &u), -EBADMSG);
	assert_int_equal(parse("sip:bob@", &u), -EBADMSG);
	assert_int_equal(parse("sip:@h", &u), -EBADMSG);
	assert_int_equal(parse("sip:bo b@h", &u), -EBADMSG);
	assert_int_equal(parse("sip:bob@h;", &u), -EBADMSG);
	assert_int_equal(parse("sip:bob@h;=x", &u), -EBADMSG);
	assert_int_equal(parse("sip:bob@h?x", &u), -EBADMSG);
	assert_int_equal(parse("sip:b%4@h", &u), -EBADMSG);
	assert_int_equal(parse("sip:b%zz@h", &u), -EBADMSG);
	assert_int_equal(parse("http://h/", &u), -EPROTONOSUPPORT);
	assert_int_equal(parse("nocolon", &u), -EBADMSG);
	assert_int_equal(parse("", &u), -EBADMSG);
}

static void test_escapes_and_user_chars(void **state)
{
	struct sip_uri u;
	char buf[64];
	size_t n;

	/* user-unreserved characters and escapes are legal in the user part */
	assert_int_equal(parse("sip:sip%3Auser;x=y&z=w+1$,?/@h.example", &u), 0);
	assert_view(u.user, "sip%3Auser;x=y&z=w+1$,?/");
	assert_int_equal(sip_unescape(u.user, buf, sizeof(buf), &n), 0);
	assert_int_equal(n, strlen("sip:user;x=y&z=w+1$,?/"));
	assert_memory_equal(buf, "sip:user;x=y&z=w+1$,?/", n);

	assert_int_equal(sip_unescape(ZV_STR_LIT("%41%62c%2f"), buf, sizeof(buf), &n), 0);
	assert_int_equal(n, 4);
	assert_memory_equal(buf, "Abc/", 4);
	assert_int_equal(sip_unescape(ZV_STR_LIT("%4"), buf, sizeof(buf), &n), -EBADMSG);
	assert_int_equal(sip_unescape(ZV_STR_LIT("%g0"), buf, sizeof(buf), &n), -EBADMSG);
	assert_int_equal(sip_unescape(ZV_STR_LIT("abcd"), buf, 3, &n), -ENOSPC);
}

static void test_tel(void **state)
{
	struct sip_uri u;
	struct zv_str v;

	assert_int_equal(parse("tel:+1-201-555-0123", &u), 0);
	assert_int_equal(u.scheme, SIP_URI_TEL);
	assert_view(u.user, "+1-201-555-0123");
	assert_int_equal(u.host.len, 0);
	assert_int_equal(parse("tel:7042;phone-context=example.com", &u), 0);
	assert_view(u.user, "7042");
	assert_int_equal(sip_uri_param(&u, "phone-context", &v), 0);
	assert_view(v, "example.com");
	assert_int_equal(parse("tel:", &u), -EBADMSG);
	assert_int_equal(parse("tel:12+3", &u), -EBADMSG);
	assert_int_equal(parse("tel:12 3", &u), -EBADMSG);
}

static bool uri_eq(const char *a, const char *b)
{
	struct sip_uri ua, ub;
	assert_int_equal(parse(a, &ua), 0);
	assert_int_equal(parse(b, &ub), 0);
	bool ab = sip_uri_equal(&ua, &ub), ba = sip_uri_equal(&ub, &ua);
	assert_int_equal(ab, ba);
	return ab;
}

/* The §19.1.4 rules, with our own examples of each. */
static void test_compare(void **state)
{
	/* escapes decoded in the user part; host and parameter names/values any case */
	assert_true(uri_eq("sip:%62ob@Example.COM;Transport=TCP", "sip:bob@example.com;transport=tcp"));
	/* the user part is case-sensitive */
	assert_false(uri_eq("sip:Bob@example.com", "sip:bob@example.com"));
	/* scheme differs */
	assert_false(uri_eq("sips:bob@example.com", "sip:bob@example.com"));
	/* an explicit default port is not the same as no port */
	assert_false(uri_eq("sip:bob@example.com", "sip:bob@example.com:5060"));
	assert_true(uri_eq("sip:bob@example.com:5060", "sip:bob@example.com:5060"));
	/* transport/user/ttl/method/maddr must be in both or neither */
	assert_false(uri_eq("sip:bob@example.com", "sip:bob@example.com;transport=udp"));
	assert_false(uri_eq("sip:bob@example.com", "sip:bob@example.com;user=phone"));
	assert_false(uri_eq("sip:bob@example.com", "sip:bob@example.com;maddr=192.0.2.1"));
	assert_false(uri_eq("sip:bob@example.com;ttl=1", "sip:bob@example.com"));
	assert_false(uri_eq("sip:bob@example.com;method=BYE", "sip:bob@example.com"));
	/* other parameters only count when present in both */
	assert_true(uri_eq("sip:carol@example.org", "sip:carol@example.org;newparam=5"));
	assert_true(uri_eq("sip:carol@example.org", "sip:carol@example.org;security=on"));
	assert_false(uri_eq("sip:carol@example.org;security=on", "sip:carol@example.org;security=off"));
	/* parameter order does not matter */
	assert_true(uri_eq("sip:example.org;transport=tcp;method=REGISTER?to=sip:bob%40example.org",
			   "sip:example.org;method=REGISTER;transport=tcp?to=sip:bob%40example.org"));
	/* headers are never ignored, but their order is */
	assert_true(uri_eq("sip:a@example.org?subject=lunch%20plan&priority=urgent",
			   "sip:a@example.org?priority=urgent&subject=lunch%20plan"));
	assert_false(uri_eq("sip:a@example.org", "sip:a@example.org?subject=lunch"));
	assert_false(uri_eq("sip:a@example.org?subject=Lunch", "sip:a@example.org?subject=lunch"));
	/* host names are not resolved */
	assert_false(uri_eq("sip:bob@phone.example.com", "sip:bob@192.0.2.4"));
	/* password */
	assert_false(uri_eq("sip:bob:x@h", "sip:bob@h"));
	assert_true(uri_eq("sip:bob:x@h", "sip:bob:%78@h"));
	/* tel: visual separators are ignored */
	assert_true(uri_eq("tel:+1-201-555-0123", "tel:+1.201.5550123"));
	assert_false(uri_eq("tel:+1-201-555-0123", "tel:+1-201-555-0124"));
	assert_false(uri_eq("tel:7042;phone-context=a.example", "tel:7042;phone-context=b.example"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_sip_uri),
		cmocka_unit_test(test_hosts_and_ports),
		cmocka_unit_test(test_escapes_and_user_chars),
		cmocka_unit_test(test_tel),
		cmocka_unit_test(test_compare),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
