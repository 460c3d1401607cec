/*
 * libFuzzer target for the SDP parser: sdp_parse() and the per-media
 * rtpmap/fmtp lookups; traps on views outside the input or counters
 * beyond their arrays.
 */
#include <stdint.h>

#include "sip/parser/sdp.h"

static const char *lo, *hi;

static void in_buf(struct zv_str v)
{
	if (v.len && (v.p < lo || v.p + v.len > hi))
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct sdp_session sess;

	lo = (const char *)data;
	hi = lo + size;
	if (sdp_parse((const char *)data, size, &sess) < 0) {
		if (!sess.err)
			__builtin_trap();
		return 0;
	}
	if (sess.n_media > SDP_MAX_MEDIA)
		__builtin_trap();
	in_buf(sess.origin_addr);
	for (unsigned i = 0; i < sess.n_media; i++) {
		const struct sdp_media *m = &sess.media[i];
		if (m->n_fmts > SDP_MAX_FMT || m->n_rtpmaps > SDP_MAX_FMT ||
		    m->n_fmtps > SDP_MAX_FMTP || m->n_cryptos > SDP_MAX_CRYPTO)
			__builtin_trap();
		in_buf(m->conn.addr);
		for (unsigned f = 0; f < m->n_fmts; f++) {
			in_buf(m->fmts[f]);
			const struct sdp_rtpmap *r = sdp_media_rtpmap(m, m->pts[f]);
			if (r)
				in_buf(r->encoding);
			const struct sdp_fmtp *fp = sdp_media_fmtp(m, m->pts[f]);
			if (fp)
				in_buf(fp->params);
		}
		for (unsigned c = 0; c < m->n_cryptos; c++)
			in_buf(m->cryptos[c].key_params);
	}
	return 0;
}
