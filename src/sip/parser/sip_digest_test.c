/*
 * Unit tests of digest authentication: the RFC 2617 §3.5 and RFC 7616
 * §3.9.1/§3.9.2 example values, precomputed HA1, -sess and auth-int, and
 * the Authorization / WWW-Authenticate parser.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "sip/parser/sip_digest.h"

static bool view_is(struct zv_str v, const char *s)
{
	return v.len == strlen(s) && memcmp(v.p, s, v.len) == 0;
}

#define assert_view(v, s) assert_true(view_is((v), (s)))
#define S(x) zv_str_make((x), strlen(x))

/* RFC 2617 §3.5 (MD5, qop=auth). */
static void test_rfc2617(void **state)
{
	char out[SIP_DIGEST_HEX_MAX];
	struct sip_digest_params p = {
		.alg = SIP_DIGEST_MD5,
		.username = S("Mufasa"),
		.realm = S("testrealm@host.com"),
		.password = S("Circle Of Life"),
		.method = S("GET"),
		.uri = S("/dir/index.html"),
		.nonce = S("dcd98b7102dd2f0e8b11d0f600bfb0c093"),
		.qop = S("auth"),
		.nc = S("00000001"),
		.cnonce = S("0a4f113b"),
	};
	assert_int_equal(sip_digest_compute(&p, out, sizeof(out)), 0);
	assert_string_equal(out, "6629fae49393a05397450978507c4ef1");

	/* the same with a precomputed HA1 (Asterisk's md5secret), any case */
	char ha1[SIP_DIGEST_HEX_MAX];
	struct zv_str a1[] = {p.username, p.realm, p.password};
	assert_int_equal(sip_digest_hash(SIP_DIGEST_MD5, a1, 3, ha1, sizeof(ha1)), 0);
	for (char *c = ha1; *c; c++)
		if (*c >= 'a' && *c <= 'f')
			*c = (char)(*c - 32);
	p.password = ZV_STR_NULL;
	p.ha1 = S(ha1);
	memset(out, 0, sizeof(out));
	assert_int_equal(sip_digest_compute(&p, out, sizeof(out)), 0);
	assert_string_equal(out, "6629fae49393a05397450978507c4ef1");

	/* a wrong-length HA1, a bad qop, missing nc */
	p.ha1 = S("abc");
	assert_int_equal(sip_digest_compute(&p, out, sizeof(out)), -EINVAL);
	p.ha1 = ZV_STR_NULL;
	p.password = S("Circle Of Life");
	p.qop = S("auth-conf");
	assert_int_equal(sip_digest_compute(&p, out, sizeof(out)), -EINVAL);
	p.qop = S("auth");
	p.nc = ZV_STR_NULL;
	assert_int_equal(sip_digest_compute(&p, out, sizeof(out)), -EINVAL);
	p.nc = S("00000001");
	assert_int_equal(sip_digest_compute(&p, out, 20), -ENOSPC);

	/* without qop (RFC 2069 compatibility): H(HA1:nonce:HA2) */
	char ha2[SIP_DIGEST_HEX_MAX], expect[SIP_DIGEST_HEX_MAX];
	struct zv_str a2[] = {p.method, p.uri};
	assert_int_equal(sip_digest_hash(SIP_DIGEST_MD5, a1, 3, ha1, sizeof(ha1)), 0);
	assert_int_equal(sip_digest_hash(SIP_DIGEST_MD5, a2, 2, ha2, sizeof(ha2)), 0);
	struct zv_str r[] = {S(ha1), p.nonce, S(ha2)};
	assert_int_equal(sip_digest_hash(SIP_DIGEST_MD5, r, 3, expect, sizeof(expect)), 0);
	p.qop = ZV_STR_NULL;
	assert_int_equal(sip_digest_compute(&p, out, sizeof(out)), 0);
	assert_string_equal(out, expect);
}

/* RFC 7616 §3.9.1: the same request with MD5 and SHA-256. */
static void test_rfc7616(void **state)
{
	char out[SIP_DIGEST_HEX_MAX];
	struct sip_digest_params p = {
		.alg = SIP_DIGEST_MD5,
		.username = S("Mufasa"),
		.realm = S("http-auth@example.org"),
		.password = S("Circle of Life"),
		.method = S("GET"),
		.uri = S("/dir/index.html"),
		.nonce = S("7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v"),
		.qop = S("auth"),
		.nc = S("00000001"),
		.cnonce = S("f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ"),
	};
	assert_int_equal(sip_digest_compute(&p, out, sizeof(out)), 0);
	assert_string_equal(out, "8ca523f5e9506fed4657c9700eebdbec");
	p.alg = SIP_DIGEST_SHA256;
	assert_int_equal(sip_digest_compute(&p, out, sizeof(out)), 0);
	assert_string_equal(out, "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1");

	/* §3.9.2 userhash: SHA-512-256("J\xc3\xa4s\xc3\xb8n Doe:api@example.org") */
	struct zv_str uh[] = {S("J\xc3\xa4s\xc3\xb8n Doe"), S("api@example.org")};
	assert_int_equal(sip_digest_hash(SIP_DIGEST_SHA512_256, uh, 2, out, sizeof(out)), 0);
	assert_string_equal(out, "793263caabb707a56211940d90411ea4a575adeccb7e360aeb624ed06ece9b0b");
	assert_int_equal(sip_digest_hex_len(SIP_DIGEST_SHA512_256), 64);
}

static void test_sess_and_auth_int(void **state)
{
	char out[SIP_DIGEST_HEX_MAX], ha1[SIP_DIGEST_HEX_MAX], ha1s[SIP_DIGEST_HEX_MAX];
	char hb[SIP_DIGEST_HEX_MAX], ha2[SIP_DIGEST_HEX_MAX], expect[SIP_DIGEST_HEX_MAX];
	struct sip_digest_params p = {
		.alg = SIP_DIGEST_SHA256,
		.sess = true,
		.username = S("alice"),
		.realm = S("pbx"),
		.password = S("pw"),
		.method = S("INVITE"),
		.uri = S("sip:100@pbx"),
		.nonce = S("n1"),
		.qop = S("auth-int"),
		.nc = S("00000002"),
		.cnonce = S("c1"),
		.body = S("v=0\r\n"),
	};
	struct zv_str a1[] = {p.username, p.realm, p.password};
	sip_digest_hash(p.alg, a1, 3, ha1, sizeof(ha1));
	struct zv_str a1s[] = {S(ha1), p.nonce, p.cnonce};
	sip_digest_hash(p.alg, a1s, 3, ha1s, sizeof(ha1s));
	sip_digest_hash(p.alg, &p.body, 1, hb, sizeof(hb));
	struct zv_str a2[] = {p.method, p.uri, S(hb)};
	sip_digest_hash(p.alg, a2, 3, ha2, sizeof(ha2));
	struct zv_str r[] = {S(ha1s), p.nonce, p.nc, p.cnonce, p.qop, S(ha2)};
	sip_digest_hash(p.alg, r, 6, expect, sizeof(expect));
	assert_int_equal(sip_digest_compute(&p, out, sizeof(out)), 0);
	assert_string_equal(out, expect);

	assert_true(sip_digest_equal(S("ABCdef"), S("abcDEF")));
	assert_false(sip_digest_equal(S("abcdef"), S("abcdee")));
	assert_false(sip_digest_equal(S("abc"), S("abcd")));
}

static void test_parse(void **state)
{
	struct sip_auth_hdr a;

	assert_int_equal(sip_auth_parse(S("Digest username=\"Mufasa\",\r\n realm=\"testrealm@host.com\", "
					  "nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", uri=\"/dir/index.html\", "
					  "qop=auth, nc=00000001, cnonce=\"0a4f113b\", "
					  "response=\"6629fae49393a05397450978507c4ef1\", "
					  "opaque=\"5ccc069c403ebaf9f0171e9517f40e41\", algorithm=MD5"),
					&a),
			 0);
	assert_view(a.scheme, "Digest");
	assert_view(a.username, "Mufasa");
	assert_view(a.realm, "testrealm@host.com");
	assert_view(a.uri, "/dir/index.html");
	assert_view(a.qop, "auth");
	assert_view(a.nc, "00000001");
	assert_view(a.cnonce, "0a4f113b");
	assert_view(a.response, "6629fae49393a05397450978507c4ef1");
	assert_view(a.opaque, "5ccc069c403ebaf9f0171e9517f40e41");
	assert_int_equal(a.alg, SIP_DIGEST_MD5);
	assert_false(a.alg_sess);

	/* a challenge, with escapes, a qop list, stale and an unknown parameter */
	assert_int_equal(sip_auth_parse(S("digest realm=\"a \\\"q\\\" realm\", qop=\"auth,auth-int\", "
					  "nonce=\"xyz\", stale=TRUE, algorithm=SHA-256-sess, foo=bar"),
					&a),
			 0);
	assert_view(a.realm, "a \\\"q\\\" realm");
	assert_true(a.stale);
	assert_true(sip_auth_qop_has(a.qop, "auth"));
	assert_true(sip_auth_qop_has(a.qop, "auth-int"));
	assert_false(sip_auth_qop_has(a.qop, "auth-conf"));
	assert_int_equal(a.alg, SIP_DIGEST_SHA256);
	assert_true(a.alg_sess);
	assert_int_equal(sip_auth_parse(S("Digest realm=\"r\", algorithm=SHA-512-256"), &a), 0);
	assert_int_equal(a.alg, SIP_DIGEST_SHA512_256);

	/* errors */
	assert_int_equal(sip_auth_parse(S("Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="), &a), -EPROTONOSUPPORT);
	assert_view(a.scheme, "Basic");
	assert_int_equal(sip_auth_parse(S("Digest realm=\"open"), &a), -EBADMSG);
	assert_int_equal(sip_auth_parse(S("Digest realm=\"a\", realm=\"b\""), &a), -EBADMSG);
	assert_int_equal(sip_auth_parse(S("Digest nc=1"), &a), -EBADMSG);
	assert_int_equal(sip_auth_parse(S("Digest stale=maybe"), &a), -EBADMSG);
	assert_int_equal(sip_auth_parse(S("Digest realm"), &a), -EBADMSG);
	assert_int_equal(sip_auth_parse(S("Digest realm=\"a\" nonce=\"b\""), &a), -EBADMSG);
	assert_int_equal(sip_auth_parse(S("Digest realm=\"a\",,"), &a), -EBADMSG);
	assert_int_equal(sip_auth_parse(S("Digest algorithm=SHA-1"), &a), -EPROTONOSUPPORT);
	assert_int_equal(sip_auth_parse(S("Digest"), &a), -EBADMSG);
	assert_int_equal(sip_auth_parse(S(""), &a), -EBADMSG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc2617),
		cmocka_unit_test(test_rfc7616),
		cmocka_unit_test(test_sess_and_auth_int),
		cmocka_unit_test(test_parse),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
