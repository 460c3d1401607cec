/*
 * Unit tests for RTCP and statistics (src/media/rtp/rtp_rtcp.c): loss
 * (RFC 3550 A.3) from crafted sequence numbers, wrap-around, an SSRC
 * change, jitter (A.8), the reports a session sends (read back with the
 * parser by a raw socket pair), LSR/DLSR and the round-trip time between
 * two sessions, and the BYE on close.  The report interval is shortened
 * to 100 ms (rtp__settings_set) to keep the tests fast.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "media/rtp/rtp_test.h"

static unsigned media_rx;

static void on_rtp(void *arg, struct zv_rtp *rtp, const struct zv_rtp_pkt *pkt)
{
	media_rx++;
}

static const struct zv_rtp_cb cb = {.on_rtp = on_rtp};

static int setup(void **state)
{
	media_rx = 0;
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

/* The far end: a raw socket pair that b sends to. */
static struct zv_rtp *b;
static int raw[2];

static void far_end(void)
{
	b = rt_new(&cb, NULL);
	uint16_t rp = rt_raw_pair(raw);
	struct sockaddr_storage r = rt_lo4(rp);
	zv_rtp_set_remote(b, &r);
}

static void far_end_close(void)
{
	close(raw[0]);
	close(raw[1]);
	zv_rtp_free(b);
}

/* The last report b sent to the raw RTCP socket, parsed (false: none). */
static bool last_report(struct rtcp_info *in)
{
	static uint8_t buf[512];
	bool got = false;
	ssize_t n;
	while ((n = recv(raw[1], buf, sizeof(buf), 0)) > 0) {
		assert_int_equal(rtp__rtcp_parse(buf, (size_t)n, in), 0);
		got = true;
	}
	return got;
}

static void send_seqs(uint32_t ssrc, const uint16_t *seqs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		rt_raw_rtp(raw[0], zv_rtp_local_port(b), 0, false, seqs[i], seqs[i] * 160u, ssrc,
			   "abcd", 4);
	rt_run_for(30);
}

static void test_clean_stream(void **state)
{
	far_end();
	uint16_t seqs[20];
	for (uint16_t i = 0; i < 20; i++)
		seqs[i] = (uint16_t)(100 + i);
	send_seqs(77, seqs, 20);
	struct zv_rtp_stats st;
	zv_rtp_get_stats(b, &st);
	assert_int_equal(st.rx_packets, 20);
	assert_int_equal(st.rx_lost, 0);
	assert_int_equal(st.remote_ssrc, 77);
	rt_run_for(250);
	struct rtcp_info in;
	assert_true(last_report(&in));
	assert_false(in.sr); /* b sent nothing: an RR */
	assert_int_equal(in.ssrc, st.local_ssrc);
	assert_int_equal(in.nblocks, 1);
	assert_int_equal(in.blocks[0].ssrc, 77);
	assert_int_equal(in.blocks[0].lost, 0);
	assert_int_equal(in.blocks[0].fraction, 0);
	assert_int_equal(in.blocks[0].ext_seq, 119);
	assert_int_equal(in.blocks[0].lsr, 0);
	assert_non_null(in.cname);
	assert_int_equal(in.cname_len, RTP_CNAME_LEN);
	far_end_close();
}

static void test_loss(void **state)
{
	far_end();
	const uint16_t seqs[] = {1, 2, 3, 5, 6, 8, 9, 10};
	send_seqs(5, seqs, 8);
	struct zv_rtp_stats st;
	zv_rtp_get_stats(b, &st);
	assert_int_equal(st.rx_packets, 8);
	assert_int_equal(st.rx_lost, 2);
	rt_run_for(250);
	struct rtcp_info in;
	assert_true(last_report(&in));
	assert_int_equal(in.nblocks, 1);
	assert_int_equal(in.blocks[0].lost, 2);
	assert_int_equal(in.blocks[0].ext_seq, 10);

	/* The fraction covers the interval since the last report. */
	const uint16_t more[] = {11, 12, 13, 14, 16, 17, 18, 19, 20, 21, 22};
	send_seqs(5, more, 11);
	zv_rtp_get_stats(b, &st);
	assert_int_equal(st.rx_lost, 3);
	rt_run_for(250);
	assert_true(last_report(&in));
	assert_int_equal(in.blocks[0].lost, 3);
	assert_int_equal(in.blocks[0].ext_seq, 22);

	/* A duplicate does not hide a loss. */
	const uint16_t dup[] = {22, 24};
	send_seqs(5, dup, 2);
	zv_rtp_get_stats(b, &st);
	assert_int_equal(st.rx_lost, 3);
	far_end_close();
}

static void test_wrap_and_ssrc_change(void **state)
{
	far_end();
	uint16_t seqs[11];
	for (unsigned i = 0, j = 0; i < 12; i++)
		if (i != 8) /* lose seq 2 */
			seqs[j++] = (uint16_t)(65530u + i);
	send_seqs(9, seqs, 11);
	struct zv_rtp_stats st;
	zv_rtp_get_stats(b, &st);
	assert_int_equal(st.rx_lost, 1);
	rt_run_for(250);
	struct rtcp_info in;
	assert_true(last_report(&in));
	assert_int_equal(in.blocks[0].ext_seq, 65536 + 5);
	assert_int_equal(in.blocks[0].lost, 1);

	/* The source restarts with another SSRC: counted afresh. */
	const uint16_t again[] = {500, 501, 502, 503, 504};
	send_seqs(10, again, 5);
	zv_rtp_get_stats(b, &st);
	assert_int_equal(st.remote_ssrc, 10);
	assert_int_equal(st.rx_lost, 0);
	assert_int_equal(st.rx_packets, 16);

	/* A big jump is confirmed by the next packet in sequence. */
	const uint16_t jump[] = {30000, 30001, 30002};
	send_seqs(10, jump, 3);
	zv_rtp_get_stats(b, &st);
	assert_int_equal(st.rx_lost, 0);
	rt_run_for(250);
	assert_true(last_report(&in));
	assert_int_equal(in.blocks[0].ssrc, 10);
	assert_int_equal(in.blocks[0].ext_seq, 30002);
	far_end_close();
}

static void test_jitter(void **state)
{
	far_end();
	/* Regular timestamps arriving at once: transit changes by 160 per
	 * packet, so jitter rises towards 20 ms. */
	uint16_t seqs[16];
	for (uint16_t i = 0; i < 16; i++)
		seqs[i] = i;
	send_seqs(3, seqs, 16);
	struct zv_rtp_stats st;
	zv_rtp_get_stats(b, &st);
	assert_true(st.rx_jitter_ms > 10 && st.rx_jitter_ms < 20);
	far_end_close();

	/* A paced stream has little jitter. */
	far_end();
	for (uint16_t i = 0; i < 10; i++) {
		rt_raw_rtp(raw[0], zv_rtp_local_port(b), 0, false, i, i * 160u, 4, "abcd", 4);
		rt_run_for(20);
	}
	zv_rtp_get_stats(b, &st);
	assert_true(st.rx_jitter_ms < 5);
	far_end_close();
}

/* SR from the far end: b's next report echoes it in LSR with a DLSR. */
static void test_lsr_dlsr(void **state)
{
	far_end();
	const uint16_t seqs[] = {1, 2, 3};
	send_seqs(21, seqs, 3);
	uint8_t sr[] = {0x80, 200, 0, 6, 0, 0, 0, 21, 0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc,
			0xde, 0xf0, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 12};
	struct sockaddr_storage to = rt_lo4((uint16_t)(zv_rtp_local_port(b) + 1));
	assert_int_equal(sendto(raw[1], sr, sizeof(sr), 0, (struct sockaddr *)&to,
				sizeof(struct sockaddr_in)),
			 (ssize_t)sizeof(sr));
	rt_run_for(250);
	struct rtcp_info in;
	assert_true(last_report(&in));
	assert_int_equal(in.blocks[0].ssrc, 21);
	assert_int_equal(in.blocks[0].lsr, 0x56789abc);
	assert_true(in.blocks[0].dlsr > 0 && in.blocks[0].dlsr < 65536 / 2);
	far_end_close();
}

/* Two sessions: each learns the round trip and what the other lost. */
static void test_rtt(void **state)
{
	struct zv_rtp *x = rt_new(&cb, NULL), *y = rt_new(&cb, NULL);
	rt_connect(x, y);
	uint8_t p[160] = {0};
	for (int round = 0; round < 15; round++) {
		assert_int_equal(zv_rtp_send(x, 0, p, sizeof(p), 160, false), 0);
		assert_int_equal(zv_rtp_send(y, 0, p, sizeof(p), 160, false), 0);
		rt_run_for(20);
	}
	rt_run_for(200);
	struct zv_rtp_stats sx, sy;
	zv_rtp_get_stats(x, &sx);
	zv_rtp_get_stats(y, &sy);
	assert_true(sx.rtt_ms > 0 && sx.rtt_ms < 50);
	assert_true(sy.rtt_ms > 0 && sy.rtt_ms < 50);
	assert_int_equal(sx.remote_lost, 0);
	assert_int_equal(sx.rx_lost, 0);
	assert_int_equal(sx.rx_packets, 15);
	assert_int_equal(sx.remote_ssrc, sy.local_ssrc);
	assert_true(sx.remote_jitter_ms < 20);
	zv_rtp_free(x);
	zv_rtp_free(y);
}

static void test_bye(void **state)
{
	far_end();
	uint8_t p[4] = {0};
	assert_int_equal(zv_rtp_send(b, 0, p, sizeof(p), 160, false), 0);
	rt_run_for(20);
	struct rtcp_info in;
	last_report(&in); /* drain */
	assert_int_equal(zv_rtp_send(b, 0, p, sizeof(p), 160, false), 0);
	close(raw[0]);
	zv_rtp_free(b);
	assert_true(last_report(&in));
	assert_true(in.sr);
	assert_true(in.bye);
	assert_int_equal(in.pkts, 2);
	assert_int_equal(in.octets, 8);
	close(raw[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_clean_stream, setup, teardown),
		cmocka_unit_test_setup_teardown(test_loss, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wrap_and_ssrc_change, setup, teardown),
		cmocka_unit_test_setup_teardown(test_jitter, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lsr_dlsr, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rtt, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bye, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
