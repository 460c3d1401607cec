/*
 * RFC 4733 telephone-events: digits received (reported once each) and
 * digits sent (begin, updates, three ends).
 *
 * DESIGN
 * Receiving: an event is identified by its RTP timestamp.  The first
 * packet of a new timestamp reports begin; the first end packet (E bit)
 * reports the end with its duration and remembers the timestamp, so the
 * retransmitted ends and late updates of it are ignored.  An event whose
 * ends were all lost ends when a packet with another timestamp or event
 * arrives, or when dtmftimeout passes without a packet of it (a one-shot
 * timer re-armed by each packet).  Events other than 0-9 * # A-D (flash,
 * tones) are not reported.
 *
 * Sending: one digit at a time, the rest queued.  The digit takes the
 * timestamp the next audio frame would have had (rtp__next_ts()); the
 * begin packet has the marker bit and duration 0, a one-shot timer sends
 * an update with the duration so far every 50 ms, then the end packet
 * with the full duration three times 20 ms apart.  Afterwards the media
 * clock is "the digit's timestamp plus the time it took" (its duration
 * and the ends), so audio resumes continuously after it.  The next queued digit starts 20 ms after the
 * last end, with a new timestamp.
 */
#include <errno.h>

#define ZV_LOG_MODULE "rtp"
#include <zvonok/log.h>

#include "media/rtp/rtp_int.h"

#define DTMF_UPDATE_MS 50
#define DTMF_END_GAP_MS 20
#define DTMF_ENDS 3
#define DTMF_MIN_MS 40
#define DTMF_MAX_MS 8000
#define DTMF_VOLUME 10 /* -10 dBm0 */

enum { DTX_IDLE, DTX_PLAYING, DTX_ENDING, DTX_GAP };

/* ---- receiving ------------------------------------------------------------ */

static void drx_report(struct zv_rtp *rtp, bool begin)
{
	struct rtp_dtmf_rx *d = &rtp->drx;
	unsigned ms = (unsigned)((uint64_t)d->duration * 1000u / rtp->dtmf_clock);
	char digit = rtp__event_digit(d->event);
	if (rtp->relay.to) {
		/* relayed as events already: only the owner's watcher hears it */
		if (rtp->relay.on_digit) {
			rtp__hold(rtp);
			rtp->relay.on_digit(rtp->relay.digit_arg, digit, ms, begin);
			rtp__release(rtp);
		}
		return;
	}
	if (!rtp->cb.on_dtmf)
		return;
	rtp__hold(rtp);
	rtp->cb.on_dtmf(rtp->arg, rtp, digit, ms, begin);
	rtp__release(rtp); /* the caller holds it too: never frees here */
}

/* The digit timers are made on first use: most calls never see a digit,
 * and two libevent events per session were 512 bytes of every call (and
 * an allocation and free each). */
static void dtx_tick(void *arg);
static void drx_timeout(void *arg);

static void timer_arm(struct zv_rtp *rtp, struct zv_timer *t, zv_loop_fn *cb, uint32_t ms)
{
	if (!t->ev && zv_timer_init(t, rtp->loop, cb, rtp) < 0) {
		t->ev = NULL;
		zv_warn("RTP: no memory for a DTMF timer");
		return;
	}
	zv_timer_start(t, ms, 0);
}

static void drx_end(struct zv_rtp *rtp)
{
	struct rtp_dtmf_rx *d = &rtp->drx;
	d->active = false;
	d->ended = true;
	d->ended_ts = d->ts;
	zv_timer_stop(&d->timeout);
	drx_report(rtp, false);
}

static void drx_timeout(void *arg)
{
	struct zv_rtp *rtp = arg;
	rtp__hold(rtp);
	if (rtp->drx.active)
		drx_end(rtp);
	rtp__release(rtp);
}

void rtp__dtmf_input(struct zv_rtp *rtp, const struct zv_rtp_pkt *pkt)
{
	struct rtp_dtmf_rx *d = &rtp->drx;
	struct rtp_event e;
	if (rtp__event_parse(pkt->payload, pkt->len, &e) < 0)
		return;
	if (d->ended && pkt->ts == d->ended_ts)
		return; /* a retransmitted end or a late update */
	if (d->active && (pkt->ts != d->ts || e.event != d->event)) {
		drx_end(rtp); /* its end packets were lost */
		if (rtp->closed)
			return;
	}
	if (!rtp__event_digit(e.event))
		return;
	if (!d->active) {
		d->active = true;
		d->ts = pkt->ts;
		d->event = e.event;
		d->duration = e.duration;
		drx_report(rtp, true);
		if (rtp->closed)
			return;
	} else if (e.duration > d->duration) {
		d->duration = e.duration;
	}
	if (e.end) {
		d->duration = e.duration;
		drx_end(rtp);
		return;
	}
	timer_arm(rtp, &d->timeout, drx_timeout, rtp->dtmf_timeout_ms);
}

/* ---- sending -------------------------------------------------------------- */

static int dtx_send(struct zv_rtp *rtp, bool end, bool marker, uint32_t duration)
{
	struct rtp_dtmf_tx *d = &rtp->dtx;
	if (duration > 0xffff)
		duration = 0xffff;
	uint8_t p[4] = {d->event, (uint8_t)((end ? 0x80 : 0) | DTMF_VOLUME),
			(uint8_t)(duration >> 8), (uint8_t)duration};
	return rtp__send_packet(rtp, rtp->dtmf_pt, marker, d->ts, p, sizeof(p));
}

static void dtx_start(struct zv_rtp *rtp, uint8_t event, unsigned ms)
{
	struct rtp_dtmf_tx *d = &rtp->dtx;
	uint64_t now = rtp__now_us();
	d->event = event;
	d->duration_ms = ms;
	d->total = (uint32_t)((uint64_t)ms * rtp->dtmf_clock / 1000u);
	d->ts = rtp__next_ts(rtp, now);
	d->start_us = now;
	d->ends_sent = 0;
	d->state = DTX_PLAYING;
	rtp->last_ts = d->ts;
	rtp->last_samples = 0;
	rtp->last_tx_us = now;
	dtx_send(rtp, false, true, 0);
	timer_arm(rtp, &d->timer, dtx_tick, ms < DTMF_UPDATE_MS ? ms : DTMF_UPDATE_MS);
}

static void dtx_tick(void *arg)
{
	struct zv_rtp *rtp = arg;
	struct rtp_dtmf_tx *d = &rtp->dtx;
	switch (d->state) {
	case DTX_PLAYING: {
		unsigned el = (unsigned)((rtp__now_us() - d->start_us) / 1000u);
		if (el >= d->duration_ms) {
			d->state = DTX_ENDING;
			break;
		}
		dtx_send(rtp, false, false, (uint32_t)((uint64_t)el * rtp->dtmf_clock / 1000u));
		unsigned left = d->duration_ms - el;
		timer_arm(rtp, &d->timer, dtx_tick, left < DTMF_UPDATE_MS ? left : DTMF_UPDATE_MS);
		return;
	}
	case DTX_GAP:
		d->state = DTX_IDLE;
		if (d->q_len) {
			uint8_t ev = d->q_event[d->q_head];
			unsigned ms = d->q_ms[d->q_head];
			d->q_head = (d->q_head + 1) % RTP_DTMF_QUEUE;
			d->q_len--;
			dtx_start(rtp, ev, ms);
		}
		return;
	default:
		break;
	}
	if (d->state != DTX_ENDING)
		return;
	dtx_send(rtp, true, false, d->total);
	if (++d->ends_sent < DTMF_ENDS) {
		timer_arm(rtp, &d->timer, dtx_tick, DTMF_END_GAP_MS);
		return;
	}
	/* The media clock continues after the digit: it covered its duration,
	 * or the time until now if the ends took longer. */
	uint64_t el = (rtp__now_us() - d->start_us) * rtp__clock(rtp) / 1000000u;
	rtp->last_ts = d->ts;
	rtp->last_samples = el > d->total ? (uint32_t)el : d->total;
	rtp->last_tx_us = d->start_us;
	d->state = DTX_GAP;
	if (d->q_len)
		timer_arm(rtp, &d->timer, dtx_tick, DTMF_END_GAP_MS);
	else
		d->state = DTX_IDLE;
}

bool rtp__dtmf_sending(const struct zv_rtp *rtp)
{
	return rtp->dtx.state == DTX_PLAYING || rtp->dtx.state == DTX_ENDING;
}

int zv_rtp_send_dtmf(struct zv_rtp *rtp, char digit, unsigned duration_ms)
{
	struct rtp_dtmf_tx *d = &rtp->dtx;
	int ev = rtp__digit_event(digit);
	if (ev < 0)
		return -EINVAL;
	if (rtp->dtmf_pt == RTP_NO_PT)
		return -ENOTSUP;
	if (!rtp->have_remote)
		return -ENOTCONN;
	if (rtp->relay.from)
		rtp__kfwd_drop(rtp->relay.from); /* the relay mutes media meanwhile */
	if (duration_ms < DTMF_MIN_MS)
		duration_ms = DTMF_MIN_MS;
	if (duration_ms > DTMF_MAX_MS)
		duration_ms = DTMF_MAX_MS;
	if (d->state != DTX_IDLE || d->q_len) {
		if (d->q_len == RTP_DTMF_QUEUE)
			return -EBUSY;
		unsigned i = (d->q_head + d->q_len++) % RTP_DTMF_QUEUE;
		d->q_event[i] = (uint8_t)ev;
		d->q_ms[i] = (uint16_t)duration_ms;
		return 0;
	}
	dtx_start(rtp, (uint8_t)ev, duration_ms);
	return 0;
}

/* ---- life cycle ------------------------------------------------------------ */

int rtp__dtmf_init(struct zv_rtp *rtp)
{
	rtp->drx.timeout.ev = rtp->dtx.timer.ev = NULL; /* made by timer_arm() */
	return 0;
}

void rtp__dtmf_fini(struct zv_rtp *rtp)
{
	if (rtp->drx.timeout.ev)
		zv_timer_fini(&rtp->drx.timeout);
	if (rtp->dtx.timer.ev)
		zv_timer_fini(&rtp->dtx.timer);
	rtp->drx.timeout.ev = rtp->dtx.timer.ev = NULL;
	rtp->dtx.state = DTX_IDLE;
}
