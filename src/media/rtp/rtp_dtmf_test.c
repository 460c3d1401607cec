/*
 * Unit tests for RFC 4733 (src/media/rtp/rtp_dtmf.c) over real sockets:
 * a digit sent by one session arrives at another as exactly one begin and
 * one end with its duration; queued digits keep their order; media
 * timestamps continue after a digit; crafted packets check the receiver
 * against retransmitted ends, lost ends (timeout and a new event) and
 * non-digit events.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "media/rtp/rtp_test.h"

#define MAXD 16

static struct dlog {
	unsigned n;
	char digit[MAXD];
	unsigned ms[MAXD];
	bool begin[MAXD];
	uint64_t at_us[MAXD];
	unsigned media;
	uint32_t media_ts[MAXD];
} rx;

static void on_dtmf(void *arg, struct zv_rtp *rtp, char digit, unsigned ms, bool begin)
{
	if (rx.n == MAXD)
		return;
	rx.digit[rx.n] = digit;
	rx.ms[rx.n] = ms;
	rx.begin[rx.n] = begin;
	rx.at_us[rx.n] = rtp__now_us();
	rx.n++;
}

static void on_rtp(void *arg, struct zv_rtp *rtp, const struct zv_rtp_pkt *pkt)
{
	if (rx.media < MAXD)
		rx.media_ts[rx.media] = pkt->ts;
	rx.media++;
}

static const struct zv_rtp_cb cb = {.on_rtp = on_rtp, .on_dtmf = on_dtmf};

static int setup(void **state)
{
	memset(&rx, 0, sizeof(rx));
	struct rtp_settings s = {RTP_DEFAULT_START, RTP_DEFAULT_END, RTP_DEFAULT_RTCP_MS,
				 RTP_DEFAULT_DTMF_TIMEOUT_MS};
	rtp__settings_set(&s);
	return zv_loops_init(1);
}

static int teardown(void **state)
{
	zv_loops_fini();
	return 0;
}

static void test_send_receive(void **state)
{
	struct zv_rtp *a = rt_new(&cb, NULL), *b = rt_new(&cb, NULL);
	rt_connect(a, b);
	uint8_t p[4] = {0};
	assert_int_equal(zv_rtp_send(a, 0, p, sizeof(p), 160, true), 0);
	rt_run_for(30);
	assert_int_equal(rx.media, 1);
	uint64_t t0 = rtp__now_us();
	assert_int_equal(zv_rtp_send_dtmf(a, '5', 200), 0);
	/* Audio sent during the digit is dropped. */
	assert_int_equal(zv_rtp_send(a, 0, p, sizeof(p), 160, false), 0);
	rt_run_for(400);
	assert_int_equal(rx.n, 2);
	assert_true(rx.begin[0]);
	assert_int_equal(rx.digit[0], '5');
	assert_false(rx.begin[1]);
	assert_int_equal(rx.digit[1], '5');
	assert_true(rx.ms[1] >= 180 && rx.ms[1] <= 220);
	uint64_t took = (rx.at_us[1] - rx.at_us[0]) / 1000;
	assert_true(took >= 180 && took <= 260);
	assert_int_equal(rx.media, 1);

	/* Media after the digit continues the clock: b saw the frame at T,
	 * the digit took T + 160, and the next frame is the digit's timestamp
	 * plus the wall-clock time since it started. */
	assert_int_equal(zv_rtp_send(a, 0, p, sizeof(p), 160, false), 0);
	uint64_t since = (rtp__now_us() - t0) * 8 / 1000;
	rt_run_for(30);
	assert_int_equal(rx.media, 2);
	uint32_t d = rx.media_ts[1] - rx.media_ts[0] - 160;
	assert_true(d >= 1600);
	assert_true(d + 80 >= since && d <= since + 80);

	struct zv_rtp_stats st;
	zv_rtp_get_stats(b, &st);
	assert_int_equal(st.rx_lost, 0);
	/* begin, 3 updates (50, 100, 150 ms), 3 ends, 2 frames */
	assert_int_equal(st.rx_packets, 1 + 3 + 3 + 2);
	zv_rtp_free(a);
	zv_rtp_free(b);
}

static void test_queue(void **state)
{
	struct zv_rtp *a = rt_new(&cb, NULL), *b = rt_new(&cb, NULL);
	rt_connect(a, b);
	assert_int_equal(zv_rtp_send_dtmf(a, '1', 60), 0);
	assert_int_equal(zv_rtp_send_dtmf(a, '#', 60), 0);
	assert_int_equal(zv_rtp_send_dtmf(a, 'd', 0), 0); /* 40 ms minimum */
	assert_int_equal(zv_rtp_send_dtmf(a, 'x', 60), -EINVAL);
	rt_run_for(600);
	assert_int_equal(rx.n, 6);
	const char want[] = "11##DD";
	for (unsigned i = 0; i < 6; i++) {
		assert_int_equal(rx.digit[i], want[i]);
		assert_int_equal(rx.begin[i], i % 2 == 0);
	}
	assert_int_equal(rx.ms[1], 60);
	assert_int_equal(rx.ms[5], 40);

	/* Without telephone-event negotiated. */
	zv_rtp_set_dtmf_pt(a, -1, 0);
	assert_int_equal(zv_rtp_send_dtmf(a, '1', 60), -ENOTSUP);
	/* Queue full. */
	zv_rtp_set_dtmf_pt(a, 101, 8000);
	int err = 0;
	for (int i = 0; i < 40 && !err; i++)
		err = zv_rtp_send_dtmf(a, '2', 100);
	assert_int_equal(err, -EBUSY);
	zv_rtp_free(a); /* with digits pending */
	zv_rtp_free(b);
}

/* Crafted streams from a raw socket. */
static void test_lost_end_timeout(void **state)
{
	struct zv_rtp *b = rt_new(&cb, NULL);
	int raw[2];
	rt_raw_pair(raw);
	uint16_t bp = zv_rtp_local_port(b);
	rt_raw_event(raw[0], bp, 10, 8000, 7, false, 0, true);
	rt_run_for(50);
	rt_raw_event(raw[0], bp, 11, 8000, 7, false, 400, false);
	rt_run_for(50);
	rt_raw_event(raw[0], bp, 12, 8000, 7, false, 800, false);
	uint64_t last = rtp__now_us();
	rt_run_for(300);
	assert_int_equal(rx.n, 1); /* begin only so far */
	assert_true(rx.begin[0]);
	assert_int_equal(rx.digit[0], '7');
	rt_run_for(400);
	assert_int_equal(rx.n, 2);
	assert_false(rx.begin[1]);
	assert_int_equal(rx.digit[1], '7');
	assert_int_equal(rx.ms[1], 100);
	uint64_t waited = (rx.at_us[1] - last) / 1000;
	assert_true(waited >= 480 && waited <= 650);
	/* A late end of that event is not another digit. */
	rt_raw_event(raw[0], bp, 13, 8000, 7, true, 960, false);
	rt_run_for(50);
	assert_int_equal(rx.n, 2);
	close(raw[0]);
	close(raw[1]);
	zv_rtp_free(b);
}

static void test_lost_end_new_event(void **state)
{
	struct zv_rtp *b = rt_new(&cb, NULL);
	int raw[2];
	rt_raw_pair(raw);
	uint16_t bp = zv_rtp_local_port(b);
	/* '1' without an end, then '2' with its end three times. */
	rt_raw_event(raw[0], bp, 1, 1000, 1, false, 0, true);
	rt_raw_event(raw[0], bp, 2, 1000, 1, false, 480, false);
	rt_raw_event(raw[0], bp, 3, 3000, 2, false, 0, true);
	rt_raw_event(raw[0], bp, 4, 3000, 2, false, 400, false);
	for (uint16_t i = 0; i < 3; i++)
		rt_raw_event(raw[0], bp, (uint16_t)(5 + i), 3000, 2, true, 640, false);
	rt_run_for(100);
	assert_int_equal(rx.n, 4);
	assert_true(rx.begin[0] && rx.digit[0] == '1');
	assert_true(!rx.begin[1] && rx.digit[1] == '1' && rx.ms[1] == 60);
	assert_true(rx.begin[2] && rx.digit[2] == '2');
	assert_true(!rx.begin[3] && rx.digit[3] == '2' && rx.ms[3] == 80);
	/* Nothing more after the timeout either. */
	rt_run_for(600);
	assert_int_equal(rx.n, 4);

	/* Only an end arrives: begin and end both reported. */
	rt_raw_event(raw[0], bp, 8, 9000, 11, true, 800, true);
	rt_raw_event(raw[0], bp, 9, 9000, 11, true, 800, false);
	/* Flash (16) and tones are not digits. */
	rt_raw_event(raw[0], bp, 10, 12000, 16, false, 0, true);
	rt_raw_event(raw[0], bp, 11, 12000, 16, true, 800, false);
	/* A too short payload. */
	rt_raw_rtp(raw[0], bp, 101, false, 12, 13000, 0x1234abcd, "ab", 2);
	rt_run_for(100);
	assert_int_equal(rx.n, 6);
	assert_true(rx.begin[4] && rx.digit[4] == '#');
	assert_true(!rx.begin[5] && rx.digit[5] == '#' && rx.ms[5] == 100);
	assert_int_equal(rx.media, 0);
	close(raw[0]);
	close(raw[1]);
	zv_rtp_free(b);
}

/* Freeing the session from on_dtmf, also from the timeout. */
static void on_dtmf_free(void *arg, struct zv_rtp *rtp, char digit, unsigned ms, bool begin)
{
	on_dtmf(arg, rtp, digit, ms, begin);
	if (!begin)
		zv_rtp_free(rtp);
}

static void test_free_in_dtmf(void **state)
{
	static const struct zv_rtp_cb fcb = {.on_dtmf = on_dtmf_free};
	struct zv_rtp *b = rt_new(&fcb, NULL);
	int raw[2];
	rt_raw_pair(raw);
	uint16_t bp = zv_rtp_local_port(b);
	rt_raw_event(raw[0], bp, 1, 1000, 3, false, 0, true);
	rt_run_for(700); /* ends by timeout, freed in the callback */
	assert_int_equal(rx.n, 2);

	b = rt_new(&fcb, NULL);
	bp = zv_rtp_local_port(b);
	rt_raw_event(raw[0], bp, 1, 1000, 3, false, 0, true);
	rt_raw_event(raw[0], bp, 2, 2000, 4, false, 0, true); /* ends '3', frees */
	rt_raw_event(raw[0], bp, 3, 2000, 4, true, 160, false);
	rt_run_for(100);
	assert_int_equal(rx.n, 4);
	close(raw[0]);
	close(raw[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_send_receive, setup, teardown),
		cmocka_unit_test_setup_teardown(test_queue, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lost_end_timeout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lost_end_new_event, setup, teardown),
		cmocka_unit_test_setup_teardown(test_free_in_dtmf, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
