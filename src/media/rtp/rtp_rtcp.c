/*
 * RTCP (RFC 3550 6): reception statistics, sender and receiver reports,
 * what the far end reports about us, and zv_rtp_get_stats().
 *
 * DESIGN
 * The received source follows RFC 3550 A.1 without probation (the first
 * packet of a new SSRC starts it, so a relay that restarts is followed at
 * once): sequence wraps, a resync after two sequential packets past a
 * large jump, loss as expected - received (A.3), interarrival jitter in
 * the RFC's fixed point (A.8) on media packets only (telephone-event
 * packets repeat their timestamp).  Reports go out from a one-shot timer
 * re-armed at rtcpinterval x [0.5, 1.5] (RFC 3550 6.3.1): an SR when we
 * sent since the last report, else an RR; one report block about the
 * current source; an SDES CNAME (random per session, RFC 7022); a BYE
 * when the session closes.  The round-trip time comes from a report
 * block about our SSRC: arrival (NTP, middle 32 bits) - LSR - DLSR.
 */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "media/rtp/rtp_int.h"

#define SEQ_MOD (1u << 16)
#define MAX_DROPOUT 3000
#define MAX_MISORDER 100
#define NTP_UNIX_OFFSET 2208988800u

static inline void wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void wr32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* Wall clock as NTP seconds and fraction. */
static void ntp_now(uint32_t *msw, uint32_t *lsw)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	*msw = (uint32_t)ts.tv_sec + NTP_UNIX_OFFSET;
	*lsw = (uint32_t)(((uint64_t)ts.tv_nsec << 32) / 1000000000u);
}

/* ---- the received source (A.1, A.3, A.8) ------------------------------- */

static void src_reseq(struct rtp_source *s, uint16_t seq)
{
	s->base_seq = seq;
	s->max_seq = seq;
	s->bad_seq = SEQ_MOD + 1;
	s->cycles = 0;
	s->received = 0;
	s->expected_prior = 0;
	s->received_prior = 0;
}

/* False when the packet does not count (a jump still to be confirmed). */
static bool src_update_seq(struct rtp_source *s, uint16_t seq)
{
	uint16_t udelta = (uint16_t)(seq - s->max_seq);
	if (udelta < MAX_DROPOUT) {
		if (seq < s->max_seq)
			s->cycles += SEQ_MOD;
		s->max_seq = seq;
	} else if (udelta <= SEQ_MOD - MAX_MISORDER) {
		if (seq != s->bad_seq) {
			s->bad_seq = (seq + 1u) & (SEQ_MOD - 1);
			return false;
		}
		src_reseq(s, seq); /* the other side restarted */
	} /* else a duplicate or reordered packet */
	s->received++;
	return true;
}

uint32_t rtp__rtcp_lost(const struct rtp_source *s)
{
	if (!s->valid)
		return 0;
	uint32_t expected = s->cycles + s->max_seq - s->base_seq + 1;
	return expected > s->received ? expected - s->received : 0;
}

void rtp__rtcp_rtp_received(struct zv_rtp *rtp, const struct zv_rtp_pkt *pkt, uint64_t now_us,
			    bool media)
{
	struct rtp_source *s = &rtp->src;
	if (!s->valid || s->ssrc != pkt->ssrc) {
		memset(s, 0, sizeof(*s));
		s->valid = true;
		s->ssrc = pkt->ssrc;
		src_reseq(s, pkt->seq);
	}
	if (!src_update_seq(s, pkt->seq) || !media)
		return;
	uint32_t arrival = (uint32_t)(now_us * rtp__clock(rtp) / 1000000u);
	uint32_t transit = arrival - pkt->ts;
	if (s->have_transit) {
		int32_t d = (int32_t)(transit - s->transit);
		uint32_t ad = d < 0 ? (uint32_t)-(int64_t)d : (uint32_t)d;
		s->jitter += ad - ((s->jitter + 8) >> 4);
	}
	s->transit = transit;
	s->have_transit = true;
}

/* ---- reports we send ---------------------------------------------------- */

static size_t put_block(struct zv_rtp *rtp, uint8_t *p, uint64_t now_us)
{
	struct rtp_source *s = &rtp->src;
	uint32_t ext = s->cycles + s->max_seq;
	uint32_t expected = ext - s->base_seq + 1;
	int64_t lost = (int64_t)expected - s->received;
	if (lost > 0x7fffff)
		lost = 0x7fffff;
	if (lost < -0x800000)
		lost = -0x800000;
	uint32_t exp_int = expected - s->expected_prior;
	uint32_t rec_int = s->received - s->received_prior;
	s->expected_prior = expected;
	s->received_prior = s->received;
	int64_t lost_int = (int64_t)exp_int - rec_int;
	uint32_t fraction = exp_int && lost_int > 0 ? (uint32_t)((lost_int << 8) / exp_int) : 0;
	wr32(p, s->ssrc);
	p[4] = (uint8_t)(fraction > 255 ? 255 : fraction);
	uint32_t l24 = (uint32_t)lost & 0xffffff;
	p[5] = (uint8_t)(l24 >> 16);
	p[6] = (uint8_t)(l24 >> 8);
	p[7] = (uint8_t)l24;
	wr32(p + 8, ext);
	wr32(p + 12, s->jitter >> 4);
	bool sr = rtp->have_lsr && rtp->lsr_ssrc == s->ssrc;
	wr32(p + 16, sr ? rtp->lsr : 0);
	wr32(p + 20, sr ? (uint32_t)((now_us - rtp->lsr_at_us) * 65536u / 1000000u) : 0);
	return 24;
}

static size_t put_sdes(struct zv_rtp *rtp, uint8_t *p)
{
	size_t clen = strlen(rtp->cname);
	size_t n = 4 + 4 + 2 + clen;
	n = (n + 4) & ~(size_t)3; /* at least one null octet, then 32-bit aligned */
	memset(p, 0, n);
	p[0] = 0x81;
	p[1] = 202;
	wr16(p + 2, (uint16_t)(n / 4 - 1));
	wr32(p + 4, rtp->ssrc);
	p[8] = 1; /* CNAME */
	p[9] = (uint8_t)clen;
	memcpy(p + 10, rtp->cname, clen);
	return n;
}

void rtp__rtcp_report(struct zv_rtp *rtp, bool bye)
{
	rtp__kfwd_sync(rtp); /* what the kernel forwarded for us */
	if (rtp->relay.from)
		rtp__kfwd_sync(rtp->relay.from); /* and into us */
	uint8_t buf[256];
	uint64_t now = rtp__now_us();
	bool sr = rtp->tx_started && rtp->sent_since_report;
	bool rb = rtp->src.valid;
	size_t n = 8;
	buf[0] = (uint8_t)(0x80 | (rb ? 1 : 0));
	buf[1] = sr ? 200 : 201;
	wr32(buf + 4, rtp->ssrc);
	if (sr) {
		uint32_t msw, lsw;
		ntp_now(&msw, &lsw);
		uint64_t el = (now - rtp->last_tx_us) * rtp__clock(rtp) / 1000000u;
		wr32(buf + 8, msw);
		wr32(buf + 12, lsw);
		wr32(buf + 16, rtp->last_ts + (uint32_t)el);
		wr32(buf + 20, (uint32_t)rtp->tx_packets);
		wr32(buf + 24, (uint32_t)rtp->tx_octets);
		n = 28;
	}
	if (rb)
		n += put_block(rtp, buf + n, now);
	wr16(buf + 2, (uint16_t)(n / 4 - 1));
	n += put_sdes(rtp, buf + n);
	if (bye) {
		buf[n] = 0x81;
		buf[n + 1] = 203;
		wr16(buf + n + 2, 1);
		wr32(buf + n + 4, rtp->ssrc);
		n += 8;
	}
	rtp->sent_since_report = false;
	rtp__send_rtcp(rtp, buf, n, sizeof(buf));
}

static void rtcp_arm(struct zv_rtp *rtp)
{
	uint32_t r;
	rtp__random(&r, sizeof(r));
	uint32_t ms = rtp->rtcp_interval_ms / 2 + r % (rtp->rtcp_interval_ms + 1);
	zv_timer_start(&rtp->rtcp_timer, ms ? ms : 1, 0);
}

static void rtcp_tick(void *arg)
{
	struct zv_rtp *rtp = arg;
	if (rtp->have_remote && (rtp->tx_started || rtp->src.valid))
		rtp__rtcp_report(rtp, false);
	rtcp_arm(rtp);
}

/* ---- reports we receive ------------------------------------------------- */

static void our_block(struct zv_rtp *rtp, const struct rtcp_block *b)
{
	rtp->remote_lost = b->lost > 0 ? (uint32_t)b->lost : 0;
	rtp->remote_jitter_ms = b->jitter * 1000.0 / rtp__clock(rtp);
	if (!b->lsr)
		return;
	uint32_t msw, lsw;
	ntp_now(&msw, &lsw);
	uint32_t mid = msw << 16 | lsw >> 16;
	uint32_t rtt = mid - b->lsr - b->dlsr;
	if ((int32_t)rtt < 0)
		return; /* clocks or a bogus report */
	rtp->rtt_ms = (rtt ? rtt : 1) * 1000.0 / 65536.0;
}

void rtp__rtcp_input(struct zv_rtp *rtp, const uint8_t *buf, size_t len)
{
	struct rtcp_info info;
	if (rtp__rtcp_parse(buf, len, &info) < 0) {
		rtp->rx_dropped++;
		return;
	}
	if (info.sr) {
		rtp->have_lsr = true;
		rtp->lsr = info.ntp_msw << 16 | info.ntp_lsw >> 16;
		rtp->lsr_ssrc = info.ssrc;
		rtp->lsr_at_us = rtp__now_us();
	}
	for (unsigned i = 0; i < info.nblocks; i++)
		if (info.blocks[i].ssrc == rtp->ssrc)
			our_block(rtp, &info.blocks[i]);
}

/* ---- life cycle, statistics --------------------------------------------- */

int rtp__rtcp_init(struct zv_rtp *rtp)
{
	static const char hex[] = "0123456789abcdef";
	uint8_t r[RTP_CNAME_LEN / 2];
	rtp__random(r, sizeof(r));
	for (size_t i = 0; i < sizeof(r); i++) {
		rtp->cname[2 * i] = hex[r[i] >> 4];
		rtp->cname[2 * i + 1] = hex[r[i] & 15];
	}
	rtp->cname[RTP_CNAME_LEN] = 0;
	if (!rtp->rtcp_interval_ms)
		rtp->rtcp_interval_ms = RTP_DEFAULT_RTCP_MS;
	int err = zv_timer_init(&rtp->rtcp_timer, rtp->loop, rtcp_tick, rtp);
	if (err)
		return err;
	rtcp_arm(rtp);
	return 0;
}

void rtp__rtcp_fini(struct zv_rtp *rtp)
{
	zv_timer_fini(&rtp->rtcp_timer);
}

void zv_rtp_get_stats(const struct zv_rtp *rtp, struct zv_rtp_stats *st)
{
	/* Folding kernel-forwarded counters is a cache refresh, not a change
	 * the caller can see otherwise: the sessions are the caller's loop's. */
	struct zv_rtp *w = (struct zv_rtp *)rtp;
	rtp__kfwd_sync(w);
	if (w->relay.from)
		rtp__kfwd_sync(w->relay.from);
	memset(st, 0, sizeof(*st));
	st->local_ssrc = rtp->ssrc;
	st->remote_ssrc = rtp->src.valid ? rtp->src.ssrc : 0;
	st->tx_packets = rtp->tx_packets;
	st->tx_octets = rtp->tx_octets;
	st->rx_packets = rtp->rx_packets;
	st->rx_octets = rtp->rx_octets;
	st->rx_lost = rtp__rtcp_lost(&rtp->src);
	st->rx_jitter_ms = rtp->src.jitter / 16.0 * 1000.0 / rtp__clock(rtp);
	st->rtt_ms = rtp->rtt_ms;
	st->remote_lost = rtp->remote_lost;
	st->remote_jitter_ms = rtp->remote_jitter_ms;
}
