/*
 * Unit tests for RTP sessions (src/media/rtp/rtp_session.c) with real
 * sockets on 127.0.0.1 and the real main loop: two sessions exchanging
 * packets (sequence, timestamps, SSRC, continuity across a gap),
 * symmetric RTP, port-range exhaustion, freeing from a callback, the
 * pool of socket pairs (quarantine, the previous call's stream dropped).
 *
 * State the callbacks record is static: the loop runs them.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "media/rtp/rtp_test.h"

#define MAXP 64

static struct rx_log {
	unsigned n;
	uint16_t seq[MAXP];
	uint32_t ts[MAXP], ssrc[MAXP];
	bool marker[MAXP];
	uint8_t payload[MAXP][8];
	size_t len[MAXP];
} rxa, rxb;

static void on_rtp(void *arg, struct zv_rtp *rtp, const struct zv_rtp_pkt *pkt)
{
	struct rx_log *l = arg;
	if (l->n == MAXP)
		return;
	l->seq[l->n] = pkt->seq;
	l->ts[l->n] = pkt->ts;
	l->ssrc[l->n] = pkt->ssrc;
	l->marker[l->n] = pkt->marker;
	l->len[l->n] = pkt->len;
	memcpy(l->payload[l->n], pkt->payload, pkt->len < 8 ? pkt->len : 8);
	l->n++;
}

static const struct zv_rtp_cb cb = {.on_rtp = on_rtp};

static int setup(void **state)
{
	memset(&rxa, 0, sizeof(rxa));
	memset(&rxb, 0, sizeof(rxb));
	zv_rtp_set_port_range(RTP_DEFAULT_START, RTP_DEFAULT_END);
	return zv_loops_init(1);
}

static int teardown(void **state)
{
	zv_loops_fini();
	return 0;
}

/* A sends n 20 ms frames (160 samples) spaced by the loop. */
static struct zv_rtp *sender;
static unsigned to_send, frame_no;
static struct zv_timer frame_timer;

static void send_frame(void *arg)
{
	uint8_t p[4] = {'f', (uint8_t)frame_no, 0, 0};
	assert_int_equal(zv_rtp_send(sender, 0, p, sizeof(p), 160, frame_no == 0), 0);
	frame_no++;
	if (--to_send == 0)
		zv_timer_stop(&frame_timer);
}

static void send_frames(struct zv_rtp *from, unsigned n)
{
	sender = from;
	to_send = n;
	assert_int_equal(zv_timer_init(&frame_timer, zv_main_loop(), send_frame, NULL), 0);
	assert_int_equal(zv_timer_start(&frame_timer, 1, 20), 0);
	rt_run_for(20 * n + 100);
	zv_timer_fini(&frame_timer);
}

static void test_exchange(void **state)
{
	struct zv_rtp *a = rt_new(&cb, &rxa), *b = rt_new(&cb, &rxb);
	uint16_t pa = zv_rtp_local_port(a), pb = zv_rtp_local_port(b);
	assert_int_equal(pa % 2, 0);
	assert_int_equal(pb % 2, 0);
	assert_true(pa >= RTP_DEFAULT_START && pa <= RTP_DEFAULT_END);
	assert_int_not_equal(pa, pb);
	rt_connect(a, b);

	frame_no = 0;
	send_frames(a, 5);
	assert_int_equal(rxb.n, 5);
	assert_int_equal(rxa.n, 0);
	assert_true(rxb.marker[0]);
	for (unsigned i = 1; i < 5; i++) {
		assert_int_equal((uint16_t)(rxb.seq[i] - rxb.seq[i - 1]), 1);
		assert_int_equal(rxb.ts[i] - rxb.ts[i - 1], 160);
		assert_int_equal(rxb.ssrc[i], rxb.ssrc[0]);
		assert_false(rxb.marker[i]);
		assert_int_equal(rxb.len[i], 4);
		assert_int_equal(rxb.payload[i][1], i);
	}

	/* 300 ms of nothing: the timestamp follows the wall clock. */
	rt_run_for(300);
	send_frames(a, 2);
	assert_int_equal(rxb.n, 7);
	assert_int_equal((uint16_t)(rxb.seq[5] - rxb.seq[4]), 1);
	uint32_t jump = rxb.ts[5] - rxb.ts[4];
	assert_true(jump >= 160 + 8 * 280 && jump <= 160 + 8 * 500);
	assert_int_equal(rxb.ts[6] - rxb.ts[5], 160);
	assert_int_equal(rxb.ssrc[6], rxb.ssrc[0]);

	struct zv_rtp_stats st;
	zv_rtp_get_stats(a, &st);
	assert_int_equal(st.tx_packets, 7);
	assert_int_equal(st.tx_octets, 28);
	assert_int_equal(st.local_ssrc, rxb.ssrc[0]);
	zv_rtp_get_stats(b, &st);
	assert_int_equal(st.rx_packets, 7);
	assert_int_equal(st.rx_octets, 28);
	assert_int_equal(st.remote_ssrc, rxb.ssrc[0]);
	assert_int_equal(st.rx_lost, 0);
	assert_int_not_equal(st.local_ssrc, rxb.ssrc[0]);

	/* And back. */
	frame_no = 0;
	send_frames(b, 3);
	assert_int_equal(rxa.n, 3);
	zv_rtp_free(a);
	zv_rtp_free(b);
}

static void test_random_start(void **state)
{
	/* Two sessions' SSRC, first sequence and timestamp differ. */
	struct zv_rtp *a = rt_new(&cb, &rxa), *b = rt_new(&cb, &rxb), *c = rt_new(&cb, &rxb);
	rt_connect(a, b);
	zv_rtp_set_remote(c, &(struct sockaddr_storage){0});
	struct sockaddr_storage sb = rt_lo4(zv_rtp_local_port(b));
	zv_rtp_set_remote(c, &sb);
	frame_no = 0;
	send_frames(a, 1);
	send_frames(c, 1);
	assert_int_equal(rxb.n, 2);
	assert_int_not_equal(rxb.ssrc[0], rxb.ssrc[1]);
	assert_false(rxb.seq[0] == rxb.seq[1] && rxb.ts[0] == rxb.ts[1]);
	zv_rtp_free(a);
	zv_rtp_free(b);
	zv_rtp_free(c);
}

static void test_no_remote(void **state)
{
	struct zv_rtp *a = rt_new(&cb, &rxa);
	uint8_t p[4] = {0};
	assert_int_equal(zv_rtp_send(a, 0, p, sizeof(p), 160, false), -ENOTCONN);
	struct sockaddr_storage sb = rt_lo4(9);
	zv_rtp_set_remote(a, &sb);
	static uint8_t big[2000];
	assert_int_equal(zv_rtp_send(a, 0, big, sizeof(big), 160, false), -EMSGSIZE);
	zv_rtp_free(a);
	zv_rtp_free(NULL);
}

static void test_symmetric(void **state)
{
	struct zv_rtp *a = rt_new(&cb, &rxa), *b = rt_new(&cb, &rxb);
	struct sockaddr_storage sb = rt_lo4(zv_rtp_local_port(b));
	zv_rtp_set_remote(a, &sb);
	/* b knows nothing but learns a from its packets. */
	zv_rtp_set_symmetric(b, true);
	uint8_t p[4] = {0};
	assert_int_equal(zv_rtp_send(b, 0, p, sizeof(p), 160, false), -ENOTCONN);
	frame_no = 0;
	send_frames(a, 2);
	assert_int_equal(rxb.n, 2);
	send_frames(b, 2);
	assert_int_equal(rxa.n, 2);

	/* A raw socket takes over the stream: b follows it. */
	int raw[2];
	rt_raw_pair(raw);
	rt_raw_rtp(raw[0], zv_rtp_local_port(b), 0, false, 1, 1, 42, "x", 1);
	rt_run_for(50);
	assert_int_equal(rxb.n, 3);
	assert_int_equal(zv_rtp_send(b, 0, p, sizeof(p), 160, false), 0);
	rt_run_for(50);
	uint8_t buf[64];
	struct sockaddr_storage from;
	socklen_t fl = sizeof(from);
	ssize_t n = recvfrom(raw[0], buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl);
	assert_int_equal(n, 16);
	assert_int_equal(rxa.n, 2);
	close(raw[0]);
	close(raw[1]);
	zv_rtp_free(a);
	zv_rtp_free(b);
}

static void test_port_exhaustion(void **state)
{
	int raw[2];
	uint16_t base = rt_raw_pair(raw);
	close(raw[0]);
	close(raw[1]);
	/* Room for exactly two sessions: base and base + 2 (RTCP base + 3).
	 * Without the pool, so that a freed session's port is free at once. */
	rtp__port_set_quarantine(RTP_POOL_OFF);
	zv_rtp_set_port_range(base, (uint16_t)(base + 3));
	struct sockaddr_storage lo = rt_lo4(0);
	struct zv_rtp *a = zv_rtp_new(zv_main_loop(), &lo, &cb, &rxa);
	struct zv_rtp *b = zv_rtp_new(zv_main_loop(), &lo, &cb, &rxb);
	if (!a || !b) {
		zv_rtp_free(a);
		zv_rtp_free(b);
		skip(); /* someone else took one of the ports meanwhile */
	}
	assert_int_not_equal(zv_rtp_local_port(a), zv_rtp_local_port(b));
	errno = 0;
	assert_null(zv_rtp_new(zv_main_loop(), &lo, &cb, &rxb));
	assert_int_equal(errno, EADDRINUSE);
	/* A busy RTCP port makes its RTP port unusable too. */
	uint16_t pa = zv_rtp_local_port(a);
	zv_rtp_free(a);
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_storage r = rt_lo4((uint16_t)(pa + 1));
	assert_int_equal(bind(fd, (struct sockaddr *)&r, sizeof(struct sockaddr_in)), 0);
	errno = 0;
	assert_null(zv_rtp_new(zv_main_loop(), &lo, &cb, &rxb));
	assert_int_equal(errno, EADDRINUSE);
	close(fd);
	a = zv_rtp_new(zv_main_loop(), &lo, &cb, &rxa);
	assert_non_null(a);
	assert_int_equal(zv_rtp_local_port(a), pa);
	zv_rtp_free(a);
	zv_rtp_free(b);
	/* An empty range. */
	zv_rtp_set_port_range(20001, 20001);
	errno = 0;
	assert_null(zv_rtp_new(zv_main_loop(), &lo, &cb, &rxb));
	assert_int_equal(errno, EADDRINUSE);
	zv_rtp_set_port_range(RTP_DEFAULT_START, RTP_DEFAULT_END);
	rtp__port_set_quarantine(RTP_POOL_QUARANTINE_MS);
}

/*
 * The pool: a freed session's pair is reused only after the quarantine;
 * what the previous peer sends in between is dropped, and so is the rest
 * of its stream after the reuse, while a new stream is delivered.
 */
static void test_pool(void **state)
{
	rtp__port_set_quarantine(200);
	int raw[2];
	rt_raw_pair(raw);
	struct zv_rtp *a = rt_new(&cb, &rxa);
	uint16_t pa = zv_rtp_local_port(a);
	struct sockaddr_storage to1 = rt_lo4((uint16_t)(pa + 1));
	/* the previous call: seq 1000.., SSRC 77 */
	for (uint16_t i = 0; i < 3; i++)
		rt_raw_rtp(raw[0], pa, 0, false, (uint16_t)(1000 + i), 160u * i, 77, "old", 3);
	rt_run_for(50);
	assert_int_equal(rxa.n, 3);
	zv_rtp_free(a);
	assert_int_equal(rtp__port_pooled(), 1);

	/* In quarantine: a new session gets another pair; the old peer's
	 * packets to the pooled one are read and dropped. */
	struct zv_rtp *b = rt_new(&cb, &rxb);
	assert_int_not_equal(zv_rtp_local_port(b), pa);
	rt_raw_rtp(raw[0], pa, 0, false, 1003, 480, 77, "old", 3);
	rt_run_for(250);
	assert_int_equal(rxb.n, 0);

	/* Past the quarantine: the pair is reused (the oldest first). */
	rt_raw_rtp(raw[0], pa, 0, false, 1004, 640, 77, "old", 3);
	zv_rtp_free(b);
	rt_run_for(250);
	memset(&rxa, 0, sizeof(rxa));
	/* queued, not read yet, when the pair is reused: drained, never
	 * delivered (another SSRC, so only the drain stops it) */
	rt_raw_rtp(raw[0], pa, 0, false, 5, 0, 99, "old", 3);
	struct zv_rtp *c = rt_new(&cb, &rxa);
	assert_int_equal(zv_rtp_local_port(c), pa);
	assert_int_equal(rtp__port_pooled(), 1); /* b's, in quarantine */
	zv_rtp_set_symmetric(c, true);
	rt_run_for(30);
	assert_int_equal(rxa.n, 0);
	/* the old stream goes on: dropped, and RTCP of its SSRC too
	 * (an RR: V=2, PT 201, length 1, sender SSRC 77) */
	rt_raw_rtp(raw[0], pa, 0, false, 1006, 960, 77, "old", 3);
	uint8_t rr[8] = {0x80, 201, 0, 1, 0, 0, 0, 77};
	sendto(raw[1], rr, sizeof(rr), 0, (struct sockaddr *)&to1, sizeof(struct sockaddr_in));
	rt_run_for(30);
	assert_int_equal(rxa.n, 0);
	assert_true(c->rx_dropped >= 2);
	uint8_t p[4] = {0};
	assert_int_equal(zv_rtp_send(c, 0, p, sizeof(p), 160, false), -ENOTCONN); /* not latched */
	/* a new stream from the same address (another SSRC) is the call's */
	rt_raw_rtp(raw[0], pa, 0, false, 1007, 1120, 78, "new", 3);
	/* and so is the same SSRC with a sequence far from the old one */
	rt_raw_rtp(raw[0], pa, 0, false, 40000, 1280, 77, "new", 3);
	rt_run_for(30);
	assert_int_equal(rxa.n, 2);
	assert_int_equal(rxa.ssrc[0], 78);
	assert_int_equal(rxa.seq[1], 40000);
	zv_rtp_free(c);

	/* A sender that starts every call with the same SSRC and sequence
	 * (SIPp's pcap play): its new stream starts behind the old one's
	 * last packet and is delivered whole, also where it passes it. */
	rt_run_for(250);
	memset(&rxa, 0, sizeof(rxa));
	struct zv_rtp *e = rt_new(&cb, &rxb); /* takes b's pair, the older */
	struct zv_rtp *d = rt_new(&cb, &rxa);
	assert_int_equal(zv_rtp_local_port(d), pa);
	for (uint16_t i = 0; i < 3; i++)
		rt_raw_rtp(raw[0], pa, 0, false, (uint16_t)(39998 + i), 160u * i, 77, "new", 3);
	rt_run_for(30);
	assert_int_equal(rxa.n, 3);
	assert_int_equal(rxa.seq[2], 40000);
	zv_rtp_free(d);
	zv_rtp_free(e);
	close(raw[0]);
	close(raw[1]);
	rtp__port_set_quarantine(RTP_POOL_QUARANTINE_MS);
}

/* A callback that frees its own session: no more callbacks, no crash. */
static unsigned freeing_calls;

static void on_rtp_free(void *arg, struct zv_rtp *rtp, const struct zv_rtp_pkt *pkt)
{
	freeing_calls++;
	zv_rtp_free(rtp);
}

static void test_free_in_callback(void **state)
{
	static const struct zv_rtp_cb fcb = {.on_rtp = on_rtp_free};
	struct zv_rtp *b = rt_new(&fcb, NULL);
	int raw[2];
	rt_raw_pair(raw);
	/* Several packets in one batch. */
	for (uint16_t i = 0; i < 5; i++)
		rt_raw_rtp(raw[0], zv_rtp_local_port(b), 0, false, i, i * 160u, 7, "abcd", 4);
	rt_run_for(50);
	assert_int_equal(freeing_calls, 1);
	close(raw[0]);
	close(raw[1]);
}

static void test_garbage(void **state)
{
	struct zv_rtp *b = rt_new(&cb, &rxb);
	int raw[2];
	rt_raw_pair(raw);
	struct sockaddr_storage to = rt_lo4(zv_rtp_local_port(b));
	const uint8_t junk[][4] = {{0, 1, 0, 0}, {0x40, 0, 0, 0}, {0x80, 0, 0, 0}};
	for (size_t i = 0; i < 3; i++)
		sendto(raw[0], junk[i], 4, 0, (struct sockaddr *)&to, sizeof(struct sockaddr_in));
	/* Bad RTCP to both ports. */
	const uint8_t rtcp[] = {0x80, 201, 0, 7, 0, 0, 0, 1};
	sendto(raw[0], rtcp, sizeof(rtcp), 0, (struct sockaddr *)&to, sizeof(struct sockaddr_in));
	struct sockaddr_storage to1 = rt_lo4((uint16_t)(zv_rtp_local_port(b) + 1));
	sendto(raw[0], rtcp, sizeof(rtcp), 0, (struct sockaddr *)&to1, sizeof(struct sockaddr_in));
	rt_raw_rtp(raw[0], zv_rtp_local_port(b), 8, false, 1, 1, 7, "ok", 2);
	rt_run_for(50);
	assert_int_equal(rxb.n, 1);
	assert_int_equal(b->rx_dropped, 5);
	close(raw[0]);
	close(raw[1]);
	zv_rtp_free(b);
}

static void test_debug_and_v6(void **state)
{
	atomic_store(&rtp__debug, true);
	struct zv_rtp *a = rt_new(&cb, &rxa), *b = rt_new(&cb, &rxb);
	rt_connect(a, b);
	frame_no = 0;
	send_frames(a, 1);
	assert_int_equal(rxb.n, 1);
	atomic_store(&rtp__debug, false);
	zv_rtp_free(a);
	zv_rtp_free(b);

	/* An IPv6 session sends to an IPv4 remote as ::ffff:127.0.0.1. */
	struct sockaddr_storage any6 = {.ss_family = AF_INET6};
	struct zv_rtp *c = zv_rtp_new(zv_main_loop(), &any6, &cb, &rxa);
	if (!c)
		skip(); /* no IPv6 here */
	b = rt_new(&cb, &rxb);
	struct sockaddr_storage sb = rt_lo4(zv_rtp_local_port(b));
	zv_rtp_set_remote(c, &sb);
	send_frames(c, 1);
	assert_int_equal(rxb.n, 2);
	zv_rtp_free(b);
	zv_rtp_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_exchange, setup, teardown),
		cmocka_unit_test_setup_teardown(test_random_start, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_remote, setup, teardown),
		cmocka_unit_test_setup_teardown(test_symmetric, setup, teardown),
		cmocka_unit_test_setup_teardown(test_port_exhaustion, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pool, setup, teardown),
		cmocka_unit_test_setup_teardown(test_free_in_callback, setup, teardown),
		cmocka_unit_test_setup_teardown(test_garbage, setup, teardown),
		cmocka_unit_test_setup_teardown(test_debug_and_v6, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
