/*
 * Unit tests for DTLS-SRTP (src/media/rtp/rtp_dtls.c) between two
 * sessions over 127.0.0.1: one with the generated certificate, the other
 * with a certificate and key read from PEM files written here.  The
 * handshake completes in both roles and protected RTP gets through both
 * ways (nothing before it), the RTCP ports' own association keys SRTCP
 * and reports get through; a wrong fingerprint fails it and no media is
 * delivered; a fingerprint known only after the handshake still keys;
 * bad fingerprints, hashes and files are refused.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "media/rtp/rtp_test.h"

static struct plog {
	unsigned n, bad;
	int dtls_calls, dtls_result;
} rxa, rxb;

static const uint8_t payload[160] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, [159] = 0x5a};
static char cert_path[64], key_path[64];
static bool stop_on_dtls; /* end rt_run_for() when both sides reported */

static void on_rtp(void *arg, struct zv_rtp *rtp, const struct zv_rtp_pkt *pkt)
{
	struct plog *l = arg;
	l->n++;
	if (pkt->len != sizeof(payload) || memcmp(pkt->payload, payload, sizeof(payload)))
		l->bad++;
}

static void on_dtls(void *arg, struct zv_rtp *rtp, int result)
{
	struct plog *l = arg;
	l->dtls_calls++;
	l->dtls_result = result;
	if (stop_on_dtls && rxa.dtls_calls && rxb.dtls_calls)
		zv_main_loop_exit();
}

static const struct zv_rtp_cb cb = {.on_rtp = on_rtp, .on_dtls = on_dtls};

/* A self-signed P-256 certificate and its key in two PEM files. */
static void write_cert_files(void)
{
	snprintf(cert_path, sizeof(cert_path), "/tmp/zvdtls.%d.crt", (int)getpid());
	snprintf(key_path, sizeof(key_path), "/tmp/zvdtls.%d.key", (int)getpid());
	EVP_PKEY *key = EVP_EC_gen("P-256");
	X509 *x = X509_new();
	assert_non_null(key);
	assert_non_null(x);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 7);
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 3600);
	X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
				   (const uint8_t *)"test", -1, -1, 0);
	X509_set_issuer_name(x, X509_get_subject_name(x));
	X509_set_pubkey(x, key);
	assert_true(X509_sign(x, key, EVP_sha256()) > 0);
	FILE *f = fopen(cert_path, "w");
	assert_non_null(f);
	assert_int_equal(PEM_write_X509(f, x), 1);
	fclose(f);
	f = fopen(key_path, "w");
	assert_non_null(f);
	assert_int_equal(PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL), 1);
	fclose(f);
	X509_free(x);
	EVP_PKEY_free(key);
}

static int setup(void **state)
{
	memset(&rxa, 0, sizeof(rxa));
	memset(&rxb, 0, sizeof(rxb));
	stop_on_dtls = true;
	struct rtp_settings s = {RTP_DEFAULT_START, RTP_DEFAULT_END, 100,
				 RTP_DEFAULT_DTMF_TIMEOUT_MS};
	rtp__settings_set(&s);
	if (!*cert_path)
		write_cert_files();
	return zv_loops_init(1);
}

static int teardown(void **state)
{
	zv_loops_fini();
	return 0;
}

static int group_teardown(void **state)
{
	unlink(cert_path);
	unlink(key_path);
	return 0;
}

static struct zv_dtls_ctx *ctx_auto(enum zv_dtls_hash h)
{
	struct zv_dtls_conf c = {.auto_generate = true, .verify = ZV_DTLS_VERIFY_FINGERPRINT,
				 .hash = h};
	char err[256];
	struct zv_dtls_ctx *ctx = zv_dtls_ctx_get(&c, err, sizeof(err));
	assert_non_null(ctx);
	return ctx;
}

static struct zv_dtls_ctx *ctx_file(void)
{
	struct zv_dtls_conf c = {.cert_file = cert_path, .key_file = key_path,
				 .verify = ZV_DTLS_VERIFY_FINGERPRINT};
	char err[256];
	struct zv_dtls_ctx *ctx = zv_dtls_ctx_get(&c, err, sizeof(err));
	if (!ctx)
		fail_msg("%s", err);
	return ctx;
}

/* "sha-256 AB:..." into the two arguments of set_fingerprint. */
static void give_fp(struct zv_rtp *to, const struct zv_dtls_ctx *of)
{
	char h[16], v[256];
	assert_int_equal(sscanf(zv_dtls_ctx_fingerprint(of), "%15s %255s", h, v), 2);
	assert_int_equal(zv_rtp_dtls_set_fingerprint(to, h, v), 0);
}

static void send_n(struct zv_rtp *r, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		assert_int_equal(zv_rtp_send(r, 0, payload, sizeof(payload), 160, i == 0), 0);
}

static void handshake_and_media(void **state)
{
	struct zv_dtls_ctx *ca = ctx_auto(ZV_DTLS_SHA256), *cb_ = ctx_file();
	assert_string_not_equal(zv_dtls_ctx_fingerprint(ca), zv_dtls_ctx_fingerprint(cb_));
	assert_int_equal(strncmp(zv_dtls_ctx_fingerprint(ca), "sha-256 ", 8), 0);
	assert_int_equal(strlen(zv_dtls_ctx_fingerprint(ca)), 8 + 32 * 3 - 1);
	struct zv_rtp *a = rt_new(&cb, &rxa), *b = rt_new(&cb, &rxb);
	rt_connect(a, b);
	/* b offers actpass, a answers active */
	assert_int_equal(zv_rtp_dtls_start(b, cb_, ZV_DTLS_ACTPASS), 0);
	give_fp(b, ca);
	/* nothing goes out in clear before the keys */
	send_n(b, 3);
	assert_int_equal(zv_rtp_dtls_start(a, ca, ZV_DTLS_ACTIVE), 0);
	give_fp(a, cb_);
	assert_int_equal(zv_rtp_dtls_start(b, cb_, ZV_DTLS_PASSIVE), 0);
	rt_run_for(5000);
	assert_int_equal(rxa.dtls_calls, 1);
	assert_int_equal(rxb.dtls_calls, 1);
	assert_int_equal(rxa.dtls_result, 0);
	assert_int_equal(rxb.dtls_result, 0);
	assert_int_equal(zv_rtp_dtls_state(a), 1);
	assert_int_equal(zv_rtp_dtls_state(b), 1);
	assert_int_equal(rxa.n, 0);
	send_n(a, 10);
	send_n(b, 12);
	rt_run_for(300);
	assert_int_equal(rxb.n, 10);
	assert_int_equal(rxa.n, 12);
	assert_int_equal(rxa.bad + rxb.bad, 0);
	/* the RTCP ports ran their own association (RFC 5764 without
	 * rtcp-mux) and SRTCP reports went both ways: RTT known on both */
	assert_non_null(a->srtcp_tx);
	assert_non_null(b->srtcp_rx);
	rt_run_for(400);
	struct zv_rtp_stats sa, sb;
	zv_rtp_get_stats(a, &sa);
	zv_rtp_get_stats(b, &sb);
	assert_true(sa.rtt_ms > 0);
	assert_true(sb.rtt_ms > 0);
	/* the role cannot change once settled */
	assert_int_equal(zv_rtp_dtls_start(a, ca, ZV_DTLS_PASSIVE), -EINVAL);
	zv_rtp_free(a);
	zv_rtp_free(b);
	zv_dtls_ctx_put(ca);
	zv_dtls_ctx_put(cb_);
}

/* The peer's certificate does not match what its SDP said: no keys. */
static void wrong_fingerprint(void **state)
{
	struct zv_dtls_ctx *ca = ctx_auto(ZV_DTLS_SHA256), *cb_ = ctx_file();
	struct zv_rtp *a = rt_new(&cb, &rxa), *b = rt_new(&cb, &rxb);
	rt_connect(a, b);
	assert_int_equal(zv_rtp_dtls_start(b, cb_, ZV_DTLS_PASSIVE), 0);
	give_fp(b, ca);
	char h[16], v[256];
	sscanf(zv_dtls_ctx_fingerprint(cb_), "%15s %255s", h, v);
	v[0] = v[0] == 'A' ? 'B' : 'A';
	assert_int_equal(zv_rtp_dtls_start(a, ca, ZV_DTLS_ACTIVE), 0);
	assert_int_equal(zv_rtp_dtls_set_fingerprint(a, h, v), 0);
	rt_run_for(3000);
	assert_int_equal(rxa.dtls_calls, 1);
	assert_int_equal(rxa.dtls_result, -EACCES);
	assert_true(zv_rtp_dtls_state(a) < 0);
	send_n(b, 5);
	send_n(a, 5);
	rt_run_for(200);
	assert_int_equal(rxa.n, 0);
	zv_rtp_free(a);
	zv_rtp_free(b);
	zv_dtls_ctx_put(ca);
	zv_dtls_ctx_put(cb_);
}

/* Our offer: the ClientHello comes before the answer's fingerprint. */
static void late_fingerprint(void **state)
{
	struct zv_dtls_ctx *ca = ctx_auto(ZV_DTLS_SHA1), *cb_ = ctx_file();
	assert_int_equal(strncmp(zv_dtls_ctx_fingerprint(ca), "sha-1 ", 6), 0);
	struct zv_rtp *a = rt_new(&cb, &rxa), *b = rt_new(&cb, &rxb);
	rt_connect(a, b);
	assert_int_equal(zv_rtp_dtls_start(b, cb_, ZV_DTLS_ACTPASS), 0);
	assert_int_equal(zv_rtp_dtls_start(a, ca, ZV_DTLS_ACTIVE), 0);
	give_fp(a, cb_);
	rt_run_for(1000);
	assert_int_equal(rxa.dtls_calls, 1);
	assert_int_equal(rxb.dtls_calls, 0); /* waits for a's fingerprint */
	assert_int_equal(zv_rtp_dtls_state(b), 0);
	stop_on_dtls = false; /* the loop is not running now */
	give_fp(b, ca);
	assert_int_equal(rxb.dtls_calls, 1);
	assert_int_equal(rxb.dtls_result, 0);
	/* the answer saying active now is too late: b is the server */
	assert_int_equal(zv_rtp_dtls_start(b, cb_, ZV_DTLS_ACTIVE), -EINVAL);
	send_n(a, 4);
	rt_run_for(200);
	assert_int_equal(rxb.n, 4);
	zv_rtp_free(a);
	zv_rtp_free(b);
	zv_dtls_ctx_put(ca);
	zv_dtls_ctx_put(cb_);
}

static void bad_input(void **state)
{
	struct zv_dtls_ctx *ca = ctx_auto(ZV_DTLS_SHA256);
	struct zv_rtp *a = rt_new(&cb, &rxa);
	assert_int_equal(zv_rtp_dtls_set_fingerprint(a, "sha-256", "AB:CD"), -EINVAL); /* no DTLS */
	assert_int_equal(zv_rtp_dtls_start(a, ca, ZV_DTLS_PASSIVE), 0);
	assert_int_equal(zv_rtp_dtls_set_fingerprint(a, "md5", "AB:CD"), -EINVAL);
	assert_int_equal(zv_rtp_dtls_set_fingerprint(a, "sha-256", "AB:CD"), -EINVAL);
	assert_int_equal(zv_rtp_dtls_set_fingerprint(a, "sha-1", "zz"), -EINVAL);
	assert_int_equal(zv_rtp_dtls_set_fingerprint(a, "sha-1", ""), -EINVAL);
	assert_int_equal(
		zv_rtp_dtls_set_fingerprint(a, "SHA-1", "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:"
							"DD:EE:FF:00:11:22:33"),
		0);
	/* garbage DTLS-looking datagrams from anywhere: dropped, no crash */
	int fd[2];
	rt_raw_pair(fd);
	uint8_t junk[64];
	memset(junk, 0x16, sizeof(junk));
	struct sockaddr_storage to = rt_lo4(zv_rtp_local_port(a));
	sendto(fd[0], junk, sizeof(junk), 0, (struct sockaddr *)&to, sizeof(struct sockaddr_in));
	rt_run_for(100);
	assert_true(rxa.dtls_calls <= 1);
	close(fd[0]);
	close(fd[1]);
	zv_rtp_free(a);
	zv_dtls_ctx_put(ca);

	char err[256];
	struct zv_dtls_conf c = {.cert_file = "/nonexistent/x.pem"};
	assert_null(zv_dtls_ctx_get(&c, err, sizeof(err)));
	assert_non_null(strstr(err, "/nonexistent/x.pem"));
	struct zv_dtls_conf c2 = {.cert_file = cert_path, .key_file = cert_path};
	assert_null(zv_dtls_ctx_get(&c2, err, sizeof(err)));
	struct zv_dtls_conf c3 = {0};
	assert_null(zv_dtls_ctx_get(&c3, err, sizeof(err)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(handshake_and_media, setup, teardown),
		cmocka_unit_test_setup_teardown(wrong_fingerprint, setup, teardown),
		cmocka_unit_test_setup_teardown(late_fingerprint, setup, teardown),
		cmocka_unit_test_setup_teardown(bad_input, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, group_teardown);
}
