/*
 * Unit tests for SRTP with SDES keys (src/media/rtp/rtp_srtp.c) between
 * two sessions over 127.0.0.1: matching keys deliver the payloads intact
 * in both suites (and SRTCP reports get through), a wrong key delivers
 * nothing, key strings are checked.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "media/rtp/rtp_test.h"

static struct plog {
	unsigned n, bad;
	unsigned digits;
} rxa, rxb;

static const uint8_t payload[160] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, [159] = 0x5a};

static void on_rtp(void *arg, struct zv_rtp *rtp, const struct zv_rtp_pkt *pkt)
{
	struct plog *l = arg;
	l->n++;
	if (pkt->len != sizeof(payload) || memcmp(pkt->payload, payload, sizeof(payload)))
		l->bad++;
}

static void on_dtmf(void *arg, struct zv_rtp *rtp, char digit, unsigned ms, bool begin)
{
	struct plog *l = arg;
	l->digits++;
}

static const struct zv_rtp_cb cb = {.on_rtp = on_rtp, .on_dtmf = on_dtmf};

static int setup(void **state)
{
	memset(&rxa, 0, sizeof(rxa));
	memset(&rxb, 0, sizeof(rxb));
	struct rtp_settings s = {RTP_DEFAULT_START, RTP_DEFAULT_END, 100,
				 RTP_DEFAULT_DTMF_TIMEOUT_MS};
	rtp__settings_set(&s);
	return zv_loops_init(1);
}

static int teardown(void **state)
{
	zv_loops_fini();
	return 0;
}

static void send_n(struct zv_rtp *r, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		assert_int_equal(zv_rtp_send(r, 0, payload, sizeof(payload), 160, i == 0), 0);
}

static void keyed_pair(const char *suite, struct zv_rtp **ap, struct zv_rtp **bp)
{
	struct zv_rtp *a = rt_new(&cb, &rxa), *b = rt_new(&cb, &rxb);
	rt_connect(a, b);
	char ka[64], kb[64];
	assert_int_equal(zv_rtp_srtp_local_key(a, suite, ka, sizeof(ka)), 0);
	assert_int_equal(zv_rtp_srtp_local_key(b, suite, kb, sizeof(kb)), 0);
	assert_int_equal(strlen(ka), 40);
	assert_string_not_equal(ka, kb);
	assert_int_equal(zv_rtp_srtp_set_remote_key(b, suite, ka), 0);
	assert_int_equal(zv_rtp_srtp_set_remote_key(a, suite, kb), 0);
	*ap = a;
	*bp = b;
}

static void exchange(const char *suite)
{
	struct zv_rtp *a, *b;
	keyed_pair(suite, &a, &b);
	send_n(a, 10);
	send_n(b, 5);
	assert_int_equal(zv_rtp_send_dtmf(a, '9', 60), 0);
	rt_run_for(400); /* also RTCP every ~100 ms, protected */
	assert_int_equal(rxb.n, 10);
	assert_int_equal(rxb.bad, 0);
	assert_int_equal(rxa.n, 5);
	assert_int_equal(rxa.bad, 0);
	assert_int_equal(rxb.digits, 2);
	assert_int_equal(a->rx_dropped, 0);
	assert_int_equal(b->rx_dropped, 0);
	struct zv_rtp_stats st;
	zv_rtp_get_stats(a, &st);
	assert_true(st.rtt_ms > 0); /* SRTCP got through both ways */
	assert_int_equal(st.remote_lost, 0);
	zv_rtp_free(a);
	zv_rtp_free(b);
}

static void test_suite_80(void **state)
{
	exchange("AES_CM_128_HMAC_SHA1_80");
}

static void test_suite_32(void **state)
{
	exchange("AES_CM_128_HMAC_SHA1_32");
}

static void test_wrong_key(void **state)
{
	struct zv_rtp *a, *b;
	keyed_pair("AES_CM_128_HMAC_SHA1_80", &a, &b);
	/* b expects another key than the one a uses. */
	char other[64];
	struct zv_rtp *c = rt_new(&cb, NULL);
	assert_int_equal(zv_rtp_srtp_local_key(c, "AES_CM_128_HMAC_SHA1_80", other, sizeof(other)),
			 0);
	assert_int_equal(zv_rtp_srtp_set_remote_key(b, "AES_CM_128_HMAC_SHA1_80", other), 0);
	send_n(a, 10);
	rt_run_for(100);
	assert_int_equal(rxb.n, 0);
	assert_true(b->rx_dropped >= 10);

	/* Plain RTP to a keyed session is dropped too. */
	int raw[2];
	rt_raw_pair(raw);
	rt_raw_rtp(raw[0], zv_rtp_local_port(b), 0, false, 1, 1, 5, payload, 160);
	rt_run_for(50);
	assert_int_equal(rxb.n, 0);

	/* A suite mismatch (32-bit tag against 80) fails as well. */
	char k32[64];
	assert_int_equal(zv_rtp_srtp_local_key(a, "AES_CM_128_HMAC_SHA1_32", k32, sizeof(k32)), 0);
	assert_int_equal(zv_rtp_srtp_set_remote_key(b, "AES_CM_128_HMAC_SHA1_80", k32), 0);
	send_n(a, 3);
	rt_run_for(50);
	assert_int_equal(rxb.n, 0);
	/* The right suite and key again: delivered. */
	assert_int_equal(zv_rtp_srtp_set_remote_key(b, "AES_CM_128_HMAC_SHA1_32", k32), 0);
	send_n(a, 3);
	rt_run_for(50);
	assert_int_equal(rxb.n, 3);
	assert_int_equal(rxb.bad, 0);
	close(raw[0]);
	close(raw[1]);
	zv_rtp_free(a);
	zv_rtp_free(b);
	zv_rtp_free(c);
}

static void test_key_strings(void **state)
{
	struct zv_rtp *a = rt_new(&cb, &rxa);
	const char *s80 = "AES_CM_128_HMAC_SHA1_80";
	char k[64];
	assert_int_equal(zv_rtp_srtp_local_key(a, "F8_128_HMAC_SHA1_80", k, sizeof(k)), -EINVAL);
	assert_int_equal(zv_rtp_srtp_local_key(a, s80, k, 40), -ENOSPC);
	assert_int_equal(zv_rtp_srtp_local_key(a, s80, k, 41), 0);
	assert_int_equal(strlen(k), 40);
	char buf[128];
	snprintf(buf, sizeof(buf), "inline:%s", k);
	assert_int_equal(zv_rtp_srtp_set_remote_key(a, s80, buf), 0);
	snprintf(buf, sizeof(buf), "inline:%s|2^20", k);
	assert_int_equal(zv_rtp_srtp_set_remote_key(a, s80, buf), 0);
	snprintf(buf, sizeof(buf), "%s|2^20|1:4", k);
	assert_int_equal(zv_rtp_srtp_set_remote_key(a, s80, buf), -ENOTSUP);
	snprintf(buf, sizeof(buf), "%s|1:4", k);
	assert_int_equal(zv_rtp_srtp_set_remote_key(a, s80, buf), -ENOTSUP);
	/* Wrong length, bad characters. */
	assert_int_equal(zv_rtp_srtp_set_remote_key(a, s80, "QUJD"), -EINVAL);
	snprintf(buf, sizeof(buf), "%.39s!", k);
	assert_int_equal(zv_rtp_srtp_set_remote_key(a, s80, buf), -EINVAL);
	snprintf(buf, sizeof(buf), "%sAAAA", k);
	assert_int_equal(zv_rtp_srtp_set_remote_key(a, s80, buf), -EINVAL);
	assert_int_equal(zv_rtp_srtp_set_remote_key(a, s80, NULL), -EINVAL);
	assert_int_equal(zv_rtp_srtp_set_remote_key(a, NULL, k), -EINVAL);
	zv_rtp_free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_suite_80, setup, teardown),
		cmocka_unit_test_setup_teardown(test_suite_32, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wrong_key, setup, teardown),
		cmocka_unit_test_setup_teardown(test_key_strings, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
