/*
 * Unit tests of the registrar's digest side: nonce generation and
 * verification (valid, expired, forged, mangled), the replay table,
 * algorithm lists, challenges, and the check of answers computed with the
 * parser's sip_digest_compute (MD5, SHA-256, HA1, stale, replay, realm).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "sip/parser/sip_digest.h"
#include "sip/registrar/reg_int.h"

#define NOW 1795000000000000ull /* µs */
#define SEC 1000000ull

static void test_nonce_roundtrip(void **state)
{
	char n[REG_NONCE_LEN + 1], m[REG_NONCE_LEN + 1];
	reg_nonce_make(NOW, n, sizeof(n));
	reg_nonce_make(NOW, m, sizeof(m));
	assert_int_equal(strlen(n), REG_NONCE_LEN);
	assert_string_not_equal(n, m); /* salted: two clients, two nonces */
	assert_int_equal(reg_nonce_check(zv_str_c(n), NOW, 30), REG_NONCE_VALID);
	assert_int_equal(reg_nonce_check(zv_str_c(n), NOW + 30 * SEC, 30), REG_NONCE_VALID);
	assert_int_equal(reg_nonce_check(zv_str_c(n), NOW + 31 * SEC, 30), REG_NONCE_EXPIRED);
	/* From the future (clock stepped back): expired, not accepted. */
	assert_int_equal(reg_nonce_check(zv_str_c(n), NOW - 5 * SEC, 30), REG_NONCE_EXPIRED);
}

static void test_nonce_forged(void **state)
{
	char n[REG_NONCE_LEN + 1];
	reg_nonce_make(NOW, n, sizeof(n));
	/* Changing the timestamp breaks the MAC. */
	n[15] = n[15] == '0' ? '1' : '0';
	assert_int_equal(reg_nonce_check(zv_str_c(n), NOW, 30), REG_NONCE_BAD);
	reg_nonce_make(NOW, n, sizeof(n));
	n[REG_NONCE_LEN - 1] = n[REG_NONCE_LEN - 1] == 'a' ? 'b' : 'a';
	assert_int_equal(reg_nonce_check(zv_str_c(n), NOW, 30), REG_NONCE_BAD);
	assert_int_equal(reg_nonce_check(zv_str_c("abc"), NOW, 30), REG_NONCE_BAD);
	assert_int_equal(reg_nonce_check(ZV_STR_NULL, NOW, 30), REG_NONCE_BAD);
	char upper[REG_NONCE_LEN + 1];
	reg_nonce_make(NOW, upper, sizeof(upper));
	for (char *p = upper; *p; p++)
		if (*p >= 'a' && *p <= 'f')
			*p = (char)(*p - 32);
	assert_int_equal(reg_nonce_check(zv_str_c(upper), NOW, 30), REG_NONCE_BAD);
}

static void test_replay_table(void **state)
{
	reg_nc_clear();
	char n[REG_NONCE_LEN + 1];
	reg_nonce_make(NOW, n, sizeof(n));
	assert_int_equal(reg_nc_check(zv_str_c(n), 1, NOW), 0);
	assert_int_equal(reg_nc_check(zv_str_c(n), 1, NOW), -EALREADY);
	assert_int_equal(reg_nc_check(zv_str_c(n), 3, NOW), 0);
	assert_int_equal(reg_nc_check(zv_str_c(n), 2, NOW), -EALREADY);
	assert_int_equal(reg_nc_size(), 1);
	reg_nc_prune(NOW + 10 * SEC);
	assert_int_equal(reg_nc_size(), 1);
	reg_nc_prune(NOW + 60 * SEC);
	assert_int_equal(reg_nc_size(), 0);
}

static void test_algs(void **state)
{
	struct reg_algs a;
	reg_algs_parse(NULL, &a); /* default: MD5 only, as Asterisk */
	assert_int_equal(a.n, 1);
	assert_int_equal(a.alg[0], SIP_DIGEST_MD5);
	reg_algs_parse("sha-256,md5", &a);
	assert_int_equal(a.n, 2);
	assert_int_equal(a.alg[0], SIP_DIGEST_SHA256);
	reg_algs_parse("md5", &a);
	assert_int_equal(a.n, 1);
	assert_int_equal(a.alg[0], SIP_DIGEST_MD5);
	reg_algs_parse(" MD5 , sha-256,md5", &a);
	assert_int_equal(a.n, 2);
	assert_int_equal(a.alg[0], SIP_DIGEST_MD5);
	assert_int_equal(a.alg[1], SIP_DIGEST_SHA256);
	reg_algs_parse("rot13", &a);
	assert_int_equal(a.n, 1); /* unknown names: the default */
}

static void test_challenge(void **state)
{
	struct reg_algs a;
	reg_algs_parse("md5,sha-256", &a);
	struct sip_buf b;
	sip_buf_init(&b);
	reg_challenge_build(&b, "asterisk", true, &a, NOW);
	assert_false(b.oom);
	char *sha = strstr(b.p, "algorithm=SHA-256");
	char *md5 = strstr(b.p, "algorithm=MD5");
	assert_non_null(sha);
	assert_non_null(md5);
	assert_true(md5 < sha); /* the configured order */
	assert_non_null(strstr(b.p, "WWW-Authenticate: Digest realm=\"asterisk\",nonce=\""));
	assert_non_null(strstr(b.p, "qop=\"auth\",stale=true\r\n"));
	sip_buf_free(&b);
}

/* The answer a UA computes, via the parser's calculator. */
static void make_cred(struct reg_cred *c, enum sip_digest_alg alg, const char *nonce,
		      const char *password, unsigned nc)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->username, sizeof(c->username), "100");
	snprintf(c->realm, sizeof(c->realm), "asterisk");
	snprintf(c->nonce, sizeof(c->nonce), "%s", nonce);
	snprintf(c->uri, sizeof(c->uri), "sip:127.0.0.1");
	snprintf(c->cnonce, sizeof(c->cnonce), "0a4f113b");
	snprintf(c->qop, sizeof(c->qop), "auth");
	snprintf(c->nc, sizeof(c->nc), "%08x", nc);
	c->nc_value = nc;
	c->alg = alg;
	struct sip_digest_params p = {
		.alg = alg,
		.username = zv_str_c(c->username),
		.realm = zv_str_c(c->realm),
		.password = zv_str_c(password),
		.method = zv_str_c("REGISTER"),
		.uri = zv_str_c(c->uri),
		.nonce = zv_str_c(c->nonce),
		.qop = zv_str_c(c->qop),
		.nc = zv_str_c(c->nc),
		.cnonce = zv_str_c(c->cnonce),
	};
	assert_int_equal(sip_digest_compute(&p, c->response, sizeof(c->response)), 0);
}

static void test_check(void **state)
{
	reg_nc_clear();
	struct reg_algs both;
	reg_algs_parse("md5,sha-256", &both);
	struct reg_algs md5only;
	reg_algs_parse("md5", &md5only);
	char n[REG_NONCE_LEN + 1];
	struct reg_cred c;

	reg_nonce_make(NOW, n, sizeof(n));
	make_cred(&c, SIP_DIGEST_SHA256, n, "secret", 1);
	assert_int_equal(reg_auth_check(&c, "REGISTER", "asterisk", &both, "secret", NULL, NOW),
			 REG_AUTH_OK);
	/* The same nc again: a replay. */
	assert_int_equal(reg_auth_check(&c, "REGISTER", "asterisk", &both, "secret", NULL, NOW),
			 REG_AUTH_REPLAY);
	make_cred(&c, SIP_DIGEST_SHA256, n, "secret", 2);
	assert_int_equal(reg_auth_check(&c, "REGISTER", "asterisk", &both, "secret", NULL, NOW),
			 REG_AUTH_OK);
	/* SHA-256 when only MD5 is offered. */
	make_cred(&c, SIP_DIGEST_SHA256, n, "secret", 3);
	assert_int_equal(reg_auth_check(&c, "REGISTER", "asterisk", &md5only, "secret", NULL, NOW),
			 REG_AUTH_FAIL);

	reg_nonce_make(NOW, n, sizeof(n));
	make_cred(&c, SIP_DIGEST_MD5, n, "secret", 1);
	assert_int_equal(reg_auth_check(&c, "REGISTER", "asterisk", &both, "wrong", NULL, NOW),
			 REG_AUTH_FAIL);
	assert_int_equal(reg_auth_check(&c, "REGISTER", "other", &both, "secret", NULL, NOW),
			 REG_AUTH_FAIL);
	assert_int_equal(reg_auth_check(&c, "INVITE", "asterisk", &both, "secret", NULL, NOW),
			 REG_AUTH_FAIL);
	/* HA1 (md5_cred) = MD5(100:asterisk:secret). */
	char ha1[SIP_DIGEST_HEX_MAX];
	struct zv_str parts[] = {zv_str_c("100"), zv_str_c("asterisk"), zv_str_c("secret")};
	assert_int_equal(sip_digest_hash(SIP_DIGEST_MD5, parts, 3, ha1, sizeof(ha1)), 0);
	assert_int_equal(reg_auth_check(&c, "REGISTER", "asterisk", &both, NULL, ha1, NOW),
			 REG_AUTH_OK);
	make_cred(&c, SIP_DIGEST_SHA256, n, "secret", 5);
	assert_int_equal(reg_auth_check(&c, "REGISTER", "asterisk", &both, NULL, ha1, NOW),
			 REG_AUTH_FAIL);

	/* An expired nonce: right answer -> stale, wrong answer -> failure. */
	reg_nonce_make(NOW - 40 * SEC, n, sizeof(n));
	make_cred(&c, SIP_DIGEST_MD5, n, "secret", 1);
	assert_int_equal(reg_auth_check(&c, "REGISTER", "asterisk", &both, "secret", NULL, NOW),
			 REG_AUTH_STALE);
	assert_int_equal(reg_auth_check(&c, "REGISTER", "asterisk", &both, "wrong", NULL, NOW),
			 REG_AUTH_FAIL);
	/* A nonce we never made. */
	make_cred(&c, SIP_DIGEST_MD5, "0123456789abcdef0123456789abcdef0123456789abcdef01234567",
		  "secret", 1);
	assert_int_equal(reg_auth_check(&c, "REGISTER", "asterisk", &both, "secret", NULL, NOW),
			 REG_AUTH_FAIL);
	reg_nc_clear();
}

static void test_cred_parse(void **state)
{
	struct reg_cred c;
	assert_int_equal(reg_cred_parse(zv_str_c("Digest username=\"100\", realm=\"asterisk\", "
						 "nonce=\"abc\", uri=\"sip:x\", response=\"00\", "
						 "algorithm=SHA-256, qop=auth, nc=0000000a, "
						 "cnonce=\"c\""),
					&c),
			 0);
	assert_string_equal(c.username, "100");
	assert_string_equal(c.realm, "asterisk");
	assert_int_equal(c.alg, SIP_DIGEST_SHA256);
	assert_int_equal(c.nc_value, 10);
	assert_int_equal(reg_cred_parse(zv_str_c("Basic abc"), &c), -EPROTONOSUPPORT);
	assert_true(reg_cred_parse(zv_str_c("Digest username=\"unterminated"), &c) < 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nonce_roundtrip), cmocka_unit_test(test_nonce_forged),
		cmocka_unit_test(test_replay_table),	cmocka_unit_test(test_algs),
		cmocka_unit_test(test_challenge),	cmocka_unit_test(test_check),
		cmocka_unit_test(test_cred_parse),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
