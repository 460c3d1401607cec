/*
 * Pure parsers of the RTP engine: RTP headers (RFC 3550 5.1), RFC 4733
 * telephone-event payloads and compound RTCP packets (RFC 3550 6).
 *
 * DESIGN
 * Each parser reads a buffer it does not own, writes only its out struct
 * and returns views into the buffer: no allocation, no state, so the
 * fuzz target (fuzz/media/rtp_fuzz.c) can check every view stays inside
 * the input.  Malformed input is -EBADMSG, never an assert.  They are
 * strict where RFC 3550 gives a validity rule (version, lengths, padding,
 * first packet of a compound) and lenient only where the RFC asks for it
 * (unknown RTCP packet types and SDES items are skipped).
 */
#include <errno.h>
#include <string.h>

#include "media/rtp/rtp_int.h"

static inline uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* ---- RTP ---------------------------------------------------------------- */

int zv_rtp_parse(const uint8_t *buf, size_t len, struct zv_rtp_pkt *out)
{
	if (len < RTP_HDR_LEN || buf[0] >> 6 != 2)
		return -EBADMSG;
	size_t off = RTP_HDR_LEN + 4u * (buf[0] & 0x0f); /* CSRC list */
	if (off > len)
		return -EBADMSG;
	if (buf[0] & 0x10) { /* header extension: profile, length in words */
		if (off + 4 > len)
			return -EBADMSG;
		size_t ext = 4u * rd16(buf + off + 2);
		off += 4;
		if (ext > len - off)
			return -EBADMSG;
		off += ext;
	}
	size_t end = len;
	if (buf[0] & 0x20) { /* padding: the last octet counts it, itself included */
		uint8_t pad = buf[len - 1];
		if (!pad || pad > len - off)
			return -EBADMSG;
		end -= pad;
	}
	out->marker = buf[1] & 0x80;
	out->pt = buf[1] & 0x7f;
	out->seq = rd16(buf + 2);
	out->ts = rd32(buf + 4);
	out->ssrc = rd32(buf + 8);
	out->payload = buf + off;
	out->len = end - off;
	out->raw = buf;
	out->raw_len = len;
	return 0;
}

/* ---- RFC 4733 ------------------------------------------------------------ */

int rtp__event_parse(const uint8_t *p, size_t len, struct rtp_event *out)
{
	if (len < 4)
		return -EBADMSG;
	out->event = p[0];
	out->end = p[1] & 0x80;
	out->volume = p[1] & 0x3f;
	out->duration = rd16(p + 2);
	return 0;
}

static const char event_digits[16] = "0123456789*#ABCD";

char rtp__event_digit(uint8_t event)
{
	return event < 16 ? event_digits[event] : 0;
}

int rtp__digit_event(char digit)
{
	if (digit >= 'a' && digit <= 'd')
		digit = (char)(digit - 'a' + 'A');
	const char *p = digit ? memchr(event_digits, digit, sizeof(event_digits)) : NULL;
	return p ? (int)(p - event_digits) : -EINVAL;
}

/* ---- RTCP ---------------------------------------------------------------- */

enum {
	RTCP_SR = 200,
	RTCP_RR = 201,
	RTCP_SDES = 202,
	RTCP_BYE = 203,
};

/* Report blocks of an SR/RR body (count rc at p, already length-checked). */
static void rtcp_blocks(const uint8_t *p, unsigned rc, struct rtcp_info *out)
{
	for (unsigned i = 0; i < rc && out->nblocks < RTCP_MAX_BLOCKS; i++, p += 24) {
		struct rtcp_block *b = &out->blocks[out->nblocks++];
		b->ssrc = rd32(p);
		b->fraction = p[4];
		uint32_t lost = (uint32_t)p[5] << 16 | (uint32_t)p[6] << 8 | p[7];
		b->lost = lost & 0x800000 ? (int32_t)lost - 0x1000000 : (int32_t)lost;
		b->ext_seq = rd32(p + 8);
		b->jitter = rd32(p + 12);
		b->lsr = rd32(p + 16);
		b->dlsr = rd32(p + 20);
	}
}

static int rtcp_sr_rr(const uint8_t *p, size_t len, bool sr, struct rtcp_info *out, bool first)
{
	unsigned rc = p[0] & 0x1f;
	size_t need = 8 + (sr ? 20u : 0u) + 24u * rc;
	if (len < need)
		return -EBADMSG;
	if (first) {
		out->ssrc = rd32(p + 4);
		out->sr = sr;
		if (sr) {
			out->ntp_msw = rd32(p + 8);
			out->ntp_lsw = rd32(p + 12);
			out->rtp_ts = rd32(p + 16);
			out->pkts = rd32(p + 20);
			out->octets = rd32(p + 24);
		}
	}
	rtcp_blocks(p + (sr ? 28 : 8), rc, out);
	return 0;
}

/* SDES chunks (RFC 3550 6.5): SSRC, items, a null item, pad to 32 bits. */
static int rtcp_sdes(const uint8_t *p, size_t len, struct rtcp_info *out)
{
	unsigned sc = p[0] & 0x1f;
	size_t off = 4;
	for (unsigned c = 0; c < sc; c++) {
		if (len - off < 4)
			return -EBADMSG;
		off += 4;
		for (;;) {
			if (off >= len)
				return -EBADMSG;
			uint8_t type = p[off];
			if (!type)
				break;
			if (len - off < 2 || (size_t)p[off + 1] > len - off - 2)
				return -EBADMSG;
			if (type == 1 && !out->cname) {
				out->cname = p + off + 2;
				out->cname_len = p[off + 1];
			}
			off += 2u + p[off + 1];
		}
		off = (off + 4) & ~(size_t)3; /* the null octet and the padding */
		if (off > len)
			return -EBADMSG;
	}
	return 0;
}

static int rtcp_bye(const uint8_t *p, size_t len, struct rtcp_info *out)
{
	size_t off = 4 + 4u * (p[0] & 0x1f);
	if (off > len)
		return -EBADMSG;
	if (off < len && (size_t)p[off] + 1 > len - off) /* reason */
		return -EBADMSG;
	out->bye = true;
	return 0;
}

int rtp__rtcp_parse(const uint8_t *buf, size_t len, struct rtcp_info *out)
{
	memset(out, 0, sizeof(*out));
	if (len < 8)
		return -EBADMSG;
	for (size_t off = 0; off < len;) {
		const uint8_t *p = buf + off;
		if (len - off < 4 || p[0] >> 6 != 2)
			return -EBADMSG;
		size_t plen = 4u * (rd16(p + 2) + 1u);
		if (plen > len - off)
			return -EBADMSG;
		bool first = off == 0, last = off + plen == len;
		if (first && p[1] != RTCP_SR && p[1] != RTCP_RR)
			return -EBADMSG;
		if (p[1] < 192 || p[1] > 223)
			return -EBADMSG;
		size_t body = plen;
		if (p[0] & 0x20) {
			if (!last || !p[plen - 1] || p[plen - 1] > plen - 4)
				return -EBADMSG;
			body -= p[plen - 1];
		}
		int err = 0;
		switch (p[1]) {
		case RTCP_SR:
		case RTCP_RR:
			err = rtcp_sr_rr(p, body, p[1] == RTCP_SR, out, first);
			break;
		case RTCP_SDES:
			err = rtcp_sdes(p, body, out);
			break;
		case RTCP_BYE:
			err = rtcp_bye(p, body, out);
			break;
		default: /* APP, feedback, XR...: not ours to judge */
			break;
		}
		if (err)
			return err;
		off += plen;
	}
	return 0;
}
