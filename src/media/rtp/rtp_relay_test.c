/*
 * Unit tests for the native bridge's relay (src/media/rtp/rtp_relay.c)
 * with real sockets on 127.0.0.1 and the real main loop: a raw socket
 * plays the caller and sends crafted packets to session A, which relays
 * them into session B, whose far end is session C (the callee) logging
 * what arrives.  Checked: the rewrite to B's stream (SSRC, sequence,
 * timestamp continuing B's own frames, payload type), reordering and
 * gaps kept, a new source resyncing with the marker, events relayed with
 * B's telephone-event type and decoded for the digit watcher only,
 * stopping the relay, and freeing either side.
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
	uint8_t pt[MAXP];
	uint16_t seq[MAXP];
	uint32_t ts[MAXP], ssrc[MAXP];
	bool marker[MAXP];
	uint8_t payload[MAXP][4];
	size_t len[MAXP];
	unsigned digits;
	char digit[8];
	unsigned dtmf_cb; /* on_dtmf calls */
} rxa, rxc;

static void on_rtp(void *arg, struct zv_rtp *rtp, const struct zv_rtp_pkt *pkt)
{
	struct rx_log *l = arg;
	if (l->n == MAXP)
		return;
	l->pt[l->n] = pkt->pt;
	l->seq[l->n] = pkt->seq;
	l->ts[l->n] = pkt->ts;
	l->ssrc[l->n] = pkt->ssrc;
	l->marker[l->n] = pkt->marker;
	l->len[l->n] = pkt->len;
	memcpy(l->payload[l->n], pkt->payload, pkt->len < 4 ? pkt->len : 4);
	l->n++;
}

static void on_dtmf(void *arg, struct zv_rtp *rtp, char digit, unsigned ms, bool begin)
{
	struct rx_log *l = arg;
	l->dtmf_cb++;
	if (!begin && l->digits < sizeof(l->digit))
		l->digit[l->digits++] = digit;
}

/* C logs every packet, events included (no telephone-event type). */
static const struct zv_rtp_cb cb = {.on_rtp = on_rtp, .on_dtmf = on_dtmf};

static char watched[8];
static unsigned nwatched;

static void on_digit(void *arg, char digit, unsigned ms, bool begin)
{
	assert_ptr_equal(arg, &rxa);
	if (!begin && nwatched < sizeof(watched))
		watched[nwatched++] = digit;
}

static int setup(void **state)
{
	memset(&rxa, 0, sizeof(rxa));
	memset(&rxc, 0, sizeof(rxc));
	memset(watched, 0, sizeof(watched));
	nwatched = 0;
	zv_rtp_set_port_range(RTP_DEFAULT_START, RTP_DEFAULT_END);
	return zv_loops_init(1);
}

static int teardown(void **state)
{
	zv_loops_fini();
	return 0;
}

struct rig {
	int raw[2];
	struct zv_rtp *a, *b, *c;
};

/* raw -> A =relay=> B -> C. */
static void rig_up(struct rig *r)
{
	uint16_t rp = rt_raw_pair(r->raw);
	r->a = rt_new(&cb, &rxa);
	r->b = rt_new(&cb, NULL);
	r->c = rt_new(&cb, &rxc);
	struct sockaddr_storage ra = rt_lo4(rp), sc = rt_lo4(zv_rtp_local_port(r->c));
	zv_rtp_set_remote(r->a, &ra);
	zv_rtp_set_remote(r->b, &sc);
	zv_rtp_set_dtmf_pt(r->c, -1, 8000);
}

static void rig_down(struct rig *r)
{
	zv_rtp_free(r->a);
	zv_rtp_free(r->b);
	zv_rtp_free(r->c);
	close(r->raw[0]);
	close(r->raw[1]);
}

static void send_a(struct rig *r, uint8_t pt, uint16_t seq, uint32_t ts, uint32_t ssrc, bool m)
{
	uint8_t p[4] = {'p', (uint8_t)seq, (uint8_t)(ts >> 8), (uint8_t)ts};
	rt_raw_rtp(r->raw[0], zv_rtp_local_port(r->a), pt, m, seq, ts, ssrc, p, sizeof(p));
}

static uint32_t b_ssrc(struct rig *r)
{
	struct zv_rtp_stats st;
	zv_rtp_get_stats(r->b, &st);
	return st.local_ssrc;
}

/* B's own frames, then relayed packets: one stream, payload type mapped,
 * gaps and reordering kept, nothing reaches A's on_rtp. */
static void test_relay_stream(void **state)
{
	struct rig r;
	rig_up(&r);
	uint8_t f[4] = {'f', 0, 0, 0};
	assert_int_equal(zv_rtp_send(r.b, 8, f, sizeof(f), 160, true), 0);
	assert_int_equal(zv_rtp_send(r.b, 8, f, sizeof(f), 160, false), 0);
	rt_run_for(30);
	assert_int_equal(rxc.n, 2);
	assert_int_equal(zv_rtp_relay(r.a, r.b, 0, 8, 101, on_digit, &rxa), 0);
	assert_ptr_equal(zv_rtp_relay_peer(r.a), r.b);
	/* 500, 501, 503 (502 late), 502, 504; a packet of another type */
	const uint16_t seqs[] = {500, 501, 503, 502, 504};
	for (unsigned i = 0; i < 5; i++)
		send_a(&r, 0, seqs[i], 90000u + (uint32_t)(seqs[i] - 500) * 160u, 0xabc, i == 0);
	send_a(&r, 13, 505, 90800, 0xabc, false);
	rt_run_for(40);
	assert_int_equal(rxa.n, 0);
	assert_int_equal(rxc.n, 7);
	uint16_t s0 = rxc.seq[1];
	uint32_t t0 = rxc.ts[1];
	for (unsigned i = 2; i < 7; i++) {
		uint16_t d = (uint16_t)(seqs[i - 2] - 500);
		assert_int_equal(rxc.pt[i], 8);
		assert_int_equal(rxc.ssrc[i], b_ssrc(&r));
		assert_int_equal(rxc.ssrc[i], rxc.ssrc[0]);
		assert_int_equal(rxc.seq[i], (uint16_t)(s0 + 1 + d));
		/* the first relayed packet continues B's frames (+160) */
		assert_int_equal(rxc.ts[i], t0 + 160u + d * 160u);
		assert_int_equal(rxc.payload[i][1], (uint8_t)seqs[i - 2]);
	}
	assert_true(rxc.marker[2]);
	assert_false(rxc.marker[3]);
	/* back to frames: B's stream goes on after the highest relayed */
	assert_int_equal(zv_rtp_relay(r.a, NULL, 0, 0, 0, NULL, NULL), 0);
	assert_null(zv_rtp_relay_peer(r.a));
	assert_int_equal(zv_rtp_send(r.b, 8, f, sizeof(f), 160, false), 0);
	send_a(&r, 0, 505, 90800, 0xabc, false);
	rt_run_for(30);
	assert_int_equal(rxc.n, 8);
	assert_int_equal(rxc.seq[7], (uint16_t)(s0 + 6));
	assert_int_equal(rxc.ts[7], t0 + 160u * 6);
	assert_int_equal(rxa.n, 1); /* A's own callback again */
	rig_down(&r);
}

/* A new SSRC (the caller's source restarted) resyncs with the marker and
 * continues the target's numbers. */
static void test_relay_resync(void **state)
{
	struct rig r;
	rig_up(&r);
	assert_int_equal(zv_rtp_relay(r.a, r.b, 0, 0, 101, NULL, NULL), 0);
	send_a(&r, 0, 10, 1000, 0x111, false);
	send_a(&r, 0, 11, 1160, 0x111, false);
	rt_run_for(25);
	send_a(&r, 0, 40000, 777777, 0x222, false);
	send_a(&r, 0, 40001, 777937, 0x222, false);
	/* a jump of the sequence with the same SSRC resyncs too */
	send_a(&r, 0, 50000, 800000, 0x222, false);
	rt_run_for(30);
	assert_int_equal(rxc.n, 5);
	for (unsigned i = 1; i < 5; i++)
		assert_int_equal(rxc.seq[i], (uint16_t)(rxc.seq[0] + i));
	assert_true(rxc.marker[0]);
	assert_false(rxc.marker[1]);
	assert_true(rxc.marker[2]);
	assert_false(rxc.marker[3]);
	assert_true(rxc.marker[4]);
	assert_int_equal(rxc.ts[1], rxc.ts[0] + 160);
	/* after ~25 ms of wall clock: +160 (no gap beyond 60 ms) */
	assert_int_equal(rxc.ts[2], rxc.ts[1] + 160);
	assert_int_equal(rxc.ts[3], rxc.ts[2] + 160);
	assert_int_equal(rxc.ts[4], rxc.ts[3] + 160);
	rig_down(&r);
}

/* Events: relayed with B's type and A's timestamps mapped, reported to the
 * watcher and not to A's on_dtmf. */
static void test_relay_events(void **state)
{
	struct rig r;
	rig_up(&r);
	assert_int_equal(zv_rtp_relay(r.a, r.b, 0, 0, 96, on_digit, &rxa), 0);
	send_a(&r, 0, 1, 8000, 0x1234abcd, false);
	rt_raw_event(r.raw[0], zv_rtp_local_port(r.a), 2, 8160, 5, false, 0, true);
	rt_raw_event(r.raw[0], zv_rtp_local_port(r.a), 3, 8160, 5, false, 400, false);
	for (uint16_t s = 4; s < 7; s++)
		rt_raw_event(r.raw[0], zv_rtp_local_port(r.a), s, 8160, 5, true, 800, false);
	rt_run_for(40);
	assert_int_equal(rxc.n, 6);
	assert_int_equal(rxc.pt[0], 0);
	for (unsigned i = 1; i < 6; i++) {
		assert_int_equal(rxc.pt[i], 96);
		assert_int_equal(rxc.ts[i], rxc.ts[0] + 160);
		assert_int_equal(rxc.seq[i], (uint16_t)(rxc.seq[0] + i));
		assert_int_equal(rxc.payload[i][0], 5);
	}
	assert_true(rxc.marker[1]);
	assert_int_equal(nwatched, 1);
	assert_int_equal(watched[0], '5');
	assert_int_equal(rxa.dtmf_cb, 0);
	/* without a telephone-event type on B events are dropped, still watched */
	assert_int_equal(zv_rtp_relay(r.a, r.b, 0, 0, -1, on_digit, &rxa), 0);
	rt_raw_event(r.raw[0], zv_rtp_local_port(r.a), 7, 9000, 9, true, 800, true);
	rt_run_for(25);
	assert_int_equal(rxc.n, 6);
	assert_int_equal(nwatched, 2);
	assert_int_equal(watched[1], '9');
	rig_down(&r);
}

/* Bad arguments, one target per session, freeing either side unlinks. */
static void test_relay_links(void **state)
{
	struct rig r;
	rig_up(&r);
	assert_int_equal(zv_rtp_relay(r.a, r.a, 0, 0, 101, NULL, NULL), -EINVAL);
	assert_int_equal(zv_rtp_relay(r.a, r.b, 200, 0, 101, NULL, NULL), -EINVAL);
	assert_int_equal(zv_rtp_relay(r.a, r.b, 0, -1, 101, NULL, NULL), -EINVAL);
	assert_int_equal(zv_rtp_relay(NULL, r.b, 0, 0, 101, NULL, NULL), -EINVAL);
	assert_int_equal(zv_rtp_relay(r.a, r.b, 0, 0, 101, NULL, NULL), 0);
	assert_int_equal(zv_rtp_relay(r.c, r.b, 0, 0, 101, NULL, NULL), -EBUSY);
	/* both directions, as a bridge has */
	assert_int_equal(zv_rtp_relay(r.b, r.a, 0, 0, 101, NULL, NULL), 0);
	zv_rtp_free(r.b);
	r.b = NULL;
	assert_null(zv_rtp_relay_peer(r.a));
	send_a(&r, 0, 1, 100, 1, false);
	rt_run_for(25);
	assert_int_equal(rxa.n, 1); /* on_rtp again, no use of the freed B */
	r.b = rt_new(&cb, NULL);
	assert_int_equal(zv_rtp_relay(r.b, r.a, 0, 0, 101, NULL, NULL), 0);
	zv_rtp_free(r.a);
	r.a = NULL;
	assert_null(zv_rtp_relay_peer(r.b));
	rig_down(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_relay_stream, setup, teardown),
		cmocka_unit_test_setup_teardown(test_relay_resync, setup, teardown),
		cmocka_unit_test_setup_teardown(test_relay_events, setup, teardown),
		cmocka_unit_test_setup_teardown(test_relay_links, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
