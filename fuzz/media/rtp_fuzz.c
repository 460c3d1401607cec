/*
 * libFuzzer target for the RTP engine's parsers: zv_rtp_parse() (RTP
 * headers), rtp__event_parse() on the payload (RFC 4733) and
 * rtp__rtcp_parse() (compound RTCP), all on every input.  Traps on a
 * view outside the input, a payload that overlaps the header, or report
 * blocks beyond their array.
 */
#include <stdint.h>

#include <zvonok/rtp.h>

#include "media/rtp/rtp_int.h"

static const uint8_t *lo, *hi;

static void in_buf(const uint8_t *p, size_t len)
{
	if (len && (p < lo || p + len > hi))
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	lo = data;
	hi = data + size;
	struct zv_rtp_pkt pkt;
	if (zv_rtp_parse(data, size, &pkt) == 0) {
		in_buf(pkt.payload, pkt.len);
		if (pkt.payload < data + RTP_HDR_LEN || pkt.raw != data || pkt.raw_len != size ||
		    pkt.pt > 127)
			__builtin_trap();
		struct rtp_event ev;
		if (rtp__event_parse(pkt.payload, pkt.len, &ev) == 0 && ev.volume > 63)
			__builtin_trap();
	}
	struct rtcp_info in;
	if (rtp__rtcp_parse(data, size, &in) == 0) {
		if (in.nblocks > RTCP_MAX_BLOCKS || !rtp__is_rtcp(data, size))
			__builtin_trap();
		in_buf(in.cname, in.cname_len);
	}
	return 0;
}
