/*
 * The native bridge at the packet level: a session relays what it
 * receives straight into another session, in the receive callback.
 *
 * DESIGN
 * zv_rtp_relay(from, to) links the two sessions (from->relay.to and
 * to->relay.from, so freeing either unlinks both).  A parsed packet of
 * the relayed payload type, or a telephone-event, is rewritten to the
 * target's stream and sent at once: one copy of the payload into the
 * target's send buffer (rtp__send_packet_seq()), protected there when the
 * target uses SRTP; no frame, no reader, no translation.
 *
 * The stream mapping: on the first packet (and when the source's SSRC
 * changes or its sequence jumps by more than RELAY_SEQ_JUMP) the relay
 * resyncs: the packet gets the timestamp the target's own next packet
 * would have had (rtp__next_ts(): continuous after frames, or the wall
 * clock after a gap), the target's next sequence number and the marker
 * bit, and the offsets between the source's numbers and those are kept.
 * Later packets are source + offset, so the far end sees the source's real
 * gaps and reordering, and the target's sequence keeps going from the
 * highest one relayed.  The target's last timestamp and samples follow
 * the relayed stream, so when the bridge falls back to frames (hold, a
 * tap, a generator) zv_rtp_send() continues the same stream.
 *
 * Events: relayed with the target's telephone-event payload type and
 * decoded on the source too (rtp__dtmf_input()), reporting the digit to
 * the relay's on_digit instead of on_dtmf: the owner may watch digits
 * (features) without relaying them a second time.
 *
 * Kernel forwarding (rtp_kfwd.c): after a media packet is relayed here,
 * the direction's mapping is installed as a kernel flow and the packets
 * that follow are forwarded by a TC program without reaching us; what it
 * leaves to us (events, a new SSRC, a jump) comes here with the relay's
 * state folded from the flow first.  Every change of the link drops the
 * flow.
 */
#include <errno.h>
#include <stdatomic.h>

#include "media/rtp/rtp_int.h"

#define RELAY_SEQ_JUMP 1000 /* beyond this (either way) the source restarted */

static void relay_unlink(struct zv_rtp *from)
{
	rtp__kfwd_drop(from);
	struct zv_rtp *to = from->relay.to;
	if (to && to->relay.from == from)
		to->relay.from = NULL;
	from->relay.to = NULL;
	from->relay.synced = false;
	from->relay.on_digit = NULL;
	from->relay.digit_arg = NULL;
}

void rtp__relay_fini(struct zv_rtp *rtp)
{
	relay_unlink(rtp);
	if (rtp->relay.from)
		relay_unlink(rtp->relay.from);
}

static uint8_t pt_or_none(int pt)
{
	return pt >= 0 && pt <= 127 ? (uint8_t)pt : RTP_NO_PT;
}

int zv_rtp_relay(struct zv_rtp *from, struct zv_rtp *to, int in_pt, int out_pt, int out_dtmf_pt,
		 zv_rtp_digit_cb *on_digit, void *arg)
{
	if (!from || from->closed)
		return -EINVAL;
	if (!to) {
		relay_unlink(from);
		return 0;
	}
	if (to == from || to->closed || to->loop != from->loop || in_pt < 0 || in_pt > 127 ||
	    out_pt < 0 || out_pt > 127 || out_dtmf_pt > 127)
		return -EINVAL;
	if (to->relay.from && to->relay.from != from)
		return -EBUSY;
	if (from->relay.to != to)
		relay_unlink(from);
	struct rtp_relay *r = &from->relay;
	if (r->in_pt != in_pt || r->out_pt != out_pt) {
		rtp__kfwd_drop(from);
		r->synced = false;
	}
	r->to = to;
	r->in_pt = (uint8_t)in_pt;
	r->out_pt = (uint8_t)out_pt;
	r->out_dtmf_pt = pt_or_none(out_dtmf_pt);
	r->on_digit = on_digit;
	r->digit_arg = arg;
	to->relay.from = from;
	return 0;
}

struct zv_rtp *zv_rtp_relay_peer(const struct zv_rtp *from)
{
	return from ? from->relay.to : NULL;
}

/* Map a source packet onto the target's stream; false to drop it. */
static bool relay_map(struct rtp_relay *r, struct zv_rtp *to, const struct zv_rtp_pkt *pkt,
		      uint64_t now_us, uint16_t *seqp, uint32_t *tsp, bool *markerp)
{
	int16_t dseq = (int16_t)(pkt->seq - r->last_seq);
	if (!r->synced || pkt->ssrc != r->ssrc || dseq > RELAY_SEQ_JUMP ||
	    dseq < -RELAY_SEQ_JUMP) {
		uint32_t ts = rtp__next_ts(to, now_us);
		r->synced = true;
		r->ssrc = pkt->ssrc;
		r->last_seq = pkt->seq;
		r->seq_off = (uint16_t)(to->seq - pkt->seq);
		r->ts_off = ts - pkt->ts;
		*markerp = true;
		dseq = 1;
	} else {
		*markerp = pkt->marker;
	}
	if (dseq == 0)
		return false; /* a duplicate */
	*seqp = (uint16_t)(pkt->seq + r->seq_off);
	*tsp = pkt->ts + r->ts_off;
	if (dseq < 0)
		return true; /* late: the stream's position stays */
	r->last_seq = pkt->seq;
	to->seq = (uint16_t)(*seqp + 1);
	int32_t dts = (int32_t)(*tsp - to->last_ts);
	if (to->tx_started && dts > 0 && (uint32_t)dts <= rtp__clock(to))
		to->last_samples = (uint32_t)dts;
	to->tx_started = true;
	to->last_ts = *tsp;
	to->last_tx_us = now_us;
	return true;
}

void rtp__relay_input(struct zv_rtp *rtp, const struct zv_rtp_pkt *pkt, bool media,
		      const struct sockaddr_storage *src, uint64_t now_us)
{
	struct rtp_relay *r = &rtp->relay;
	struct zv_rtp *to = r->to;
	uint8_t pt;
	if (media) {
		if (pkt->pt != r->in_pt || rtp__dtmf_sending(to))
			return;
		pt = r->out_pt;
	} else {
		pt = r->out_dtmf_pt;
	}
	uint16_t seq;
	uint32_t ts;
	bool marker;
	if (pt != RTP_NO_PT && relay_map(r, to, pkt, now_us, &seq, &ts, &marker) &&
	    rtp__send_packet_seq(to, pt, marker, seq, ts, pkt->payload, pkt->len) == 0 && media) {
		atomic_fetch_add_explicit(&rtp__kfwd_user_pkts, 1, memory_order_relaxed);
		rtp__kfwd_try(rtp, src, now_us); /* the next ones in the kernel */
	}
	if (!media)
		rtp__dtmf_input(rtp, pkt);
}
