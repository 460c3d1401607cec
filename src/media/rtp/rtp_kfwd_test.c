/*
 * Unit tests for the user-space side of kernel forwarding
 * (src/media/rtp/rtp_kfwd.c) without a kernel: the slots live in plain
 * memory (rtp__kfwd_test_mem()), the sessions and the relay are real
 * (sockets on 127.0.0.1, the main loop).  A raw socket plays the caller
 * sending to A, A relays into B, whose far end is C.  Checked: the first
 * relayed media packet installs a flow saying what the relay does (key,
 * addresses, egress, SSRCs, offsets, payload types, source statistics,
 * deadline); what "the kernel" forwarded is folded into both sessions'
 * counters, A's RTCP source and B's stream (the next event continues the
 * sequence); a new SSRC re-installs with the new mapping; a new remote,
 * a digit sent into B, unlinking and freeing drop the flow and give the
 * slot back; SRTP keeps a direction in user space.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include <cmocka.h>

#include "media/rtp/rtp_kfwd_shared.h"
#include "media/rtp/rtp_test.h"

static struct kf_slot *mem;
static unsigned nfree;

static struct rxlog {
	unsigned n;
	uint16_t seq[64];
	uint8_t pt[64];
	uint32_t ssrc[64];
} rxc;

static void on_rtp(void *arg, struct zv_rtp *rtp, const struct zv_rtp_pkt *pkt)
{
	struct rxlog *l = arg;
	if (!l || l->n == 64)
		return;
	l->seq[l->n] = pkt->seq;
	l->pt[l->n] = pkt->pt;
	l->ssrc[l->n] = pkt->ssrc;
	l->n++;
}

static const struct zv_rtp_cb cb = {.on_rtp = on_rtp};

struct rig {
	int raw[2];
	uint16_t raw_port;
	struct zv_rtp *a, *b, *c;
};

static int setup(void **state)
{
	memset(&rxc, 0, sizeof(rxc));
	mem = calloc(KF_MAX_FLOWS, sizeof(*mem));
	assert_non_null(mem);
	rtp__kfwd_test_mem(mem);
	nfree = rtp__kfwd_free_slots();
	zv_rtp_set_port_range(RTP_DEFAULT_START, RTP_DEFAULT_END);
	return zv_loops_init(1);
}

static int teardown(void **state)
{
	rtp__kfwd_test_mem(NULL);
	free(mem);
	zv_loops_fini();
	return 0;
}

static void rig_up(struct rig *r)
{
	r->raw_port = rt_raw_pair(r->raw);
	r->a = rt_new(&cb, NULL);
	r->b = rt_new(&cb, NULL);
	r->c = rt_new(&cb, &rxc);
	struct sockaddr_storage ra = rt_lo4(r->raw_port), sc = rt_lo4(zv_rtp_local_port(r->c));
	zv_rtp_set_remote(r->a, &ra);
	zv_rtp_set_remote(r->b, &sc);
	zv_rtp_set_dtmf_pt(r->c, -1, 8000);
	assert_int_equal(zv_rtp_relay(r->a, r->b, 0, 8, 101, NULL, NULL), 0);
}

static void rig_down(struct rig *r)
{
	zv_rtp_free(r->a);
	zv_rtp_free(r->b);
	zv_rtp_free(r->c);
	close(r->raw[0]);
	close(r->raw[1]);
}

static void send_a(struct rig *r, uint8_t pt, uint16_t seq, uint32_t ts, uint32_t ssrc)
{
	uint8_t p[160] = {0};
	rt_raw_rtp(r->raw[0], zv_rtp_local_port(r->a), pt, false, seq, ts, ssrc, p,
		   pt == 101 ? 4 : sizeof(p));
}

static const struct kf_slot *flow(struct rig *r)
{
	uint32_t s = r->a->relay.kf.slot;
	return s ? &mem[s - 1] : NULL;
}

static void test_install_and_fold(void **state)
{
	struct rig r;
	rig_up(&r);
	send_a(&r, 0, 1000, 16000, 0xabc);
	rt_run_for(30);
	assert_int_equal(rxc.n, 1); /* the first packet: relayed in user space */
	const struct kf_slot *s = flow(&r);
	assert_non_null(s);
	assert_int_equal(rtp__kfwd_free_slots(), nfree - 1);
	/* the key: the caller's address and A's port */
	assert_int_equal(s->key.saddr, htonl(INADDR_LOOPBACK));
	assert_int_equal(ntohs(s->key.sport), r.raw_port);
	assert_int_equal(ntohs(s->key.dport), zv_rtp_local_port(r.a));
	/* the rewrite: from B's socket to C, on the loopback */
	assert_int_equal(s->laddr, htonl(INADDR_LOOPBACK));
	assert_int_equal(s->new_saddr, htonl(INADDR_LOOPBACK));
	assert_int_equal(ntohs(s->new_sport), zv_rtp_local_port(r.b));
	assert_int_equal(s->new_daddr, htonl(INADDR_LOOPBACK));
	assert_int_equal(ntohs(s->new_dport), zv_rtp_local_port(r.c));
	assert_true(s->flags & KF_LOOPBACK);
	assert_true(s->ifindex > 0);
	assert_int_equal(s->in_ssrc, 0xabc);
	assert_int_equal(s->out_ssrc, rxc.ssrc[0]);
	assert_int_equal(s->in_pt, 0);
	assert_int_equal(s->out_pt, 8);
	assert_int_equal((uint16_t)(1000 + s->seq_off), rxc.seq[0]);
	assert_int_equal(s->last_seq, 1000);
	assert_int_equal(s->max_seq, 1000);
	assert_int_equal(s->clock_hz, 8000);
	assert_true(s->gen != 0);
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	uint64_t now_ns = (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
	assert_true(s->valid_until_ns > now_ns && s->valid_until_ns <= now_ns + 3100000000ull);

	/* "the kernel" forwards 1001..1049 */
	struct kf_slot *w = &mem[r.a->relay.kf.slot - 1];
	w->packets = 49;
	w->octets = 49 * 160;
	w->last_seq = w->max_seq = 1049;
	w->last_ts = 16000 + 49 * 160;
	w->last_ns = 1;
	w->jitter = 16 * 3;
	struct zv_rtp_stats sa, sb;
	zv_rtp_get_stats(r.a, &sa);
	zv_rtp_get_stats(r.b, &sb);
	assert_int_equal(sa.rx_packets, 50);
	assert_int_equal(sa.rx_octets, 50 * 160);
	assert_int_equal(sa.rx_lost, 0);
	assert_int_equal(sb.tx_packets, 50);
	assert_int_equal(sb.tx_octets, 50 * 160);
	zv_rtp_get_stats(r.a, &sa); /* folding twice counts once */
	assert_int_equal(sa.rx_packets, 50);
	/* A's receiver report (to the caller's RTCP port) covers them */
	w->packets = 59;
	w->octets = 59 * 160;
	w->last_seq = w->max_seq = 1059;
	w->last_ts = 16000 + 59 * 160;
	uint8_t buf[512];
	while (recv(r.raw[1], buf, sizeof(buf), MSG_DONTWAIT) > 0)
		;
	rtp__rtcp_report(r.a, false);
	ssize_t got = recv(r.raw[1], buf, sizeof(buf), 0);
	assert_true(got > 0);
	struct rtcp_info in;
	assert_int_equal(rtp__rtcp_parse(buf, (size_t)got, &in), 0);
	assert_false(in.sr);
	assert_int_equal(in.nblocks, 1);
	assert_int_equal(in.blocks[0].ssrc, 0xabc);
	assert_int_equal(in.blocks[0].ext_seq, 1059);
	assert_int_equal(in.blocks[0].lost, 0);
	assert_int_equal(in.blocks[0].jitter, 3);
	zv_rtp_get_stats(r.b, &sb);
	assert_int_equal(sb.tx_packets, 60);
	assert_int_equal(r.b->seq, (uint16_t)(1060 + r.a->relay.seq_off));
	assert_int_equal(r.b->last_ts, 16000 + 59 * 160 + r.a->relay.ts_off);

	/* an event the kernel leaves to us continues B's sequence */
	send_a(&r, 101, 1060, 16000 + 60 * 160, 0xabc);
	rt_run_for(30);
	assert_int_equal(rxc.n, 2);
	assert_int_equal(rxc.pt[1], 101);
	assert_int_equal(rxc.seq[1], (uint16_t)(rxc.seq[0] + 60));
	assert_non_null(flow(&r)); /* kept: events do not change the mapping */

	/* a new SSRC: the relay resyncs and the flow follows */
	uint32_t gen = flow(&r)->gen;
	send_a(&r, 0, 7, 99, 0xdef);
	rt_run_for(30);
	assert_int_equal(rxc.n, 3);
	assert_non_null(flow(&r));
	assert_int_equal(flow(&r)->in_ssrc, 0xdef);
	assert_true(flow(&r)->gen != gen);
	assert_int_equal((uint16_t)(7 + flow(&r)->seq_off), rxc.seq[2]);
	assert_int_equal(rxc.seq[2], (uint16_t)(rxc.seq[1] + 1));
	assert_int_equal(rtp__kfwd_free_slots(), nfree - 1);

	/* a new remote for B drops the flow into it */
	struct sockaddr_storage sc = rt_lo4(zv_rtp_local_port(r.c));
	zv_rtp_set_remote(r.b, &sc);
	assert_null(flow(&r));
	assert_int_equal(rtp__kfwd_free_slots(), nfree);
	send_a(&r, 0, 8, 259, 0xdef);
	rt_run_for(30);
	assert_non_null(flow(&r));

	/* a digit sent into B: user space until it is done */
	assert_int_equal(zv_rtp_send_dtmf(r.b, '5', 100), 0);
	assert_null(flow(&r));
	assert_int_equal(rtp__kfwd_free_slots(), nfree);

	rig_down(&r);
	assert_int_equal(rtp__kfwd_free_slots(), nfree);
}

static void test_drop_on_unlink_and_free(void **state)
{
	struct rig r;
	rig_up(&r);
	send_a(&r, 0, 1, 160, 0x42);
	rt_run_for(30);
	assert_non_null(flow(&r));
	assert_int_equal(zv_rtp_relay(r.a, r.b, 0, 8, 101, NULL, NULL), 0);
	assert_non_null(flow(&r)); /* the same link again: kept */
	assert_int_equal(zv_rtp_relay(r.a, r.b, 0, 0, 101, NULL, NULL), 0);
	assert_null(flow(&r)); /* another payload type: dropped */
	send_a(&r, 0, 2, 320, 0x42);
	rt_run_for(30);
	assert_non_null(flow(&r));
	assert_int_equal(flow(&r)->out_pt, 0);
	assert_int_equal(zv_rtp_relay(r.a, NULL, 0, 0, 0, NULL, NULL), 0);
	assert_null(flow(&r));
	assert_int_equal(rtp__kfwd_free_slots(), nfree);
	assert_int_equal(zv_rtp_relay(r.a, r.b, 0, 8, 101, NULL, NULL), 0);
	send_a(&r, 0, 3, 480, 0x42);
	rt_run_for(30);
	assert_non_null(flow(&r));
	zv_rtp_free(r.b); /* the target goes: the flow into it too */
	r.b = NULL;
	assert_int_equal(rtp__kfwd_free_slots(), nfree);
	rig_down(&r);
}

/* A pooled pair goes to the next call without the old call's flow: the
 * source session's free drops its flow (the kernel would otherwise keep
 * forwarding what arrives on that port to the old target), and the
 * session that reuses the port starts with none. */
static void test_pooled_port_reuse_has_no_flow(void **state)
{
	struct rig r;
	rig_up(&r);
	send_a(&r, 0, 1, 160, 0x42);
	rt_run_for(30);
	assert_non_null(flow(&r));
	assert_int_equal(flow(&r)->key.dport, htons(zv_rtp_local_port(r.a)));
	assert_int_equal(rtp__kfwd_free_slots(), nfree - 1);
	uint16_t port = zv_rtp_local_port(r.a);
	rtp__port_set_quarantine(1);
	zv_rtp_free(r.a); /* back to the pool */
	r.a = NULL;
	assert_int_equal(rtp__kfwd_free_slots(), nfree);
	rt_run_for(10); /* past the quarantine */
	struct zv_rtp *d = rt_new(&cb, NULL);
	assert_int_equal(zv_rtp_local_port(d), port); /* the pooled pair */
	assert_int_equal(d->relay.kf.slot, 0);
	assert_null(d->relay.to);
	/* The old peer keeps sending to the port: nothing is installed for
	 * the new session, which relays nowhere. */
	uint8_t p[160] = {0};
	rt_raw_rtp(r.raw[0], port, 0, false, 2, 320, 0x42, p, sizeof(p));
	rt_run_for(30);
	assert_int_equal(rtp__kfwd_free_slots(), nfree);
	zv_rtp_free(d);
	rtp__port_set_quarantine(RTP_POOL_QUARANTINE_MS);
	rig_down(&r);
}

static void test_srtp_stays_in_user_space(void **state)
{
	struct rig r;
	rig_up(&r);
	char key[64];
	assert_int_equal(zv_rtp_srtp_local_key(r.b, "AES_CM_128_HMAC_SHA1_80", key, sizeof(key)),
			 0);
	send_a(&r, 0, 1, 160, 0x42);
	send_a(&r, 0, 2, 320, 0x42);
	rt_run_for(30);
	assert_null(flow(&r));
	assert_int_equal(rtp__kfwd_free_slots(), nfree);
	rig_down(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_install_and_fold, setup, teardown),
		cmocka_unit_test_setup_teardown(test_drop_on_unlink_and_free, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pooled_port_reuse_has_no_flow, setup, teardown),
		cmocka_unit_test_setup_teardown(test_srtp_stays_in_user_space, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
