/*
 * SDP offer/answer for calls (RFC 3264): picking the codec of an offer by
 * the endpoint's allow order, and writing our answer.
 *
 * DESIGN
 * The endpoint's order wins over the offer's, as Asterisk does by
 * default: for each allowed codec in turn, the offer's formats are
 * searched, static payload types by number (unless an rtpmap renames
 * them), dynamic ones by rtpmap encoding and clock.  The answer carries
 * that one codec (and telephone-event when offered), with the offerer's
 * payload numbers, so nothing needs remapping when packets arrive.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <zvonok/media.h>
#include <zvonok/rtp.h>

#include "sip/call/call.h"
#include "sip/config/sip_config.h"
#include "sip/core/sip.h"

/* The codec a payload type of m means, or NULL. */
const struct zv_codec_info *call_pt_codec(const struct sdp_media *m, uint8_t pt)
{
	const struct sdp_rtpmap *map = sdp_media_rtpmap(m, pt);
	if (map) {
		char enc[32];
		zv_str_copy(map->encoding, enc, sizeof(enc));
		return zv_codec_by_sdp(enc, map->clock_rate);
	}
	for (int id = ZV_CODEC_NONE + 1; id < ZV_CODEC__COUNT; id++) {
		const struct zv_codec_info *c = zv_codec_get((enum zv_codec_id)id);
		if (c && c->rtp_pt == (int)pt)
			return c;
	}
	return NULL;
}

static bool is_rtp(enum sdp_proto p)
{
	return p == SDP_PROTO_RTP_AVP || p == SDP_PROTO_RTP_AVPF;
}

static bool is_savp(enum sdp_proto p)
{
	return p == SDP_PROTO_RTP_SAVP || p == SDP_PROTO_RTP_SAVPF;
}

int call_pick_crypto(const struct sdp_media *m, struct call_media *out)
{
	for (unsigned i = 0; i < m->n_cryptos; i++) {
		const struct sdp_crypto *c = &m->cryptos[i];
		if (!zv_str_eq_cstr(c->suite, "AES_CM_128_HMAC_SHA1_80") &&
		    !zv_str_eq_cstr(c->suite, "AES_CM_128_HMAC_SHA1_32"))
			continue;
		out->srtp = true;
		out->crypto_tag = c->tag;
		zv_str_copy(c->suite, out->suite, sizeof(out->suite));
		zv_str_copy(c->key_params, out->remote_key, sizeof(out->remote_key));
		return 0;
	}
	return -ENOENT;
}

/* UDP/TLS/RTP/SAVP(F), or RTP/SAVP(F), with a=fingerprint (RFC 5763). */
static bool is_dtls(const struct sdp_media *m)
{
	bool tls = zv_str_eq_cstr_ci(m->proto_name, "UDP/TLS/RTP/SAVP") ||
		   zv_str_eq_cstr_ci(m->proto_name, "UDP/TLS/RTP/SAVPF");
	return (tls || is_savp(m->proto)) && m->fingerprint.len && m->fingerprint_hash.len;
}

int call_dtls_role(struct zv_str peer_setup, bool offerer, const struct sip_endpoint *ep)
{
	if (zv_str_eq_cstr_ci(peer_setup, "passive"))
		return ZV_DTLS_ACTIVE;
	if (offerer || zv_str_eq_cstr_ci(peer_setup, "active"))
		return ZV_DTLS_PASSIVE; /* an answer without a=setup is active (RFC 4145) */
	return ep->dtls.setup == SIP_DTLS_PASSIVE ? ZV_DTLS_PASSIVE : ZV_DTLS_ACTIVE;
}

const char *call_dtls_setup_name(int role)
{
	return role == ZV_DTLS_ACTIVE ? "active" : role == ZV_DTLS_PASSIVE ? "passive" : "actpass";
}

/* The DTLS side of an offer we take into out. */
static int take_dtls(const struct sdp_media *m, const struct sip_endpoint *ep,
		     struct call_media *out)
{
	struct zv_dtls_conf conf;
	sip_endpoint_dtls_conf(ep, &conf);
	out->dtls_ctx = zv_dtls_ctx_get(&conf, NULL, 0);
	if (!out->dtls_ctx)
		return -ENOTSUP;
	zv_dtls_ctx_put(out->dtls_ctx); /* the cache keeps it */
	out->dtls = true;
	zv_str_copy(m->proto_name, out->proto, sizeof(out->proto));
	zv_str_copy(m->fingerprint_hash, out->fp_hash, sizeof(out->fp_hash));
	zv_str_copy(m->fingerprint, out->fp, sizeof(out->fp));
	out->dtls_role = call_dtls_role(m->setup, false, ep);
	out->local_setup = call_dtls_setup_name(out->dtls_role);
	return 0;
}

int call_negotiate(const struct sdp_session *offer, const struct sip_endpoint *ep,
		   struct call_media *out)
{
	const struct sdp_media *m = NULL;
	bool other = false, sdes = ep->media_encryption == SIP_MEDIA_ENC_SDES;
	bool dtls = ep->media_encryption == SIP_MEDIA_ENC_DTLS;
	struct call_media crypto = {0};
	for (unsigned i = 0; i < offer->n_media && !m; i++) {
		const struct sdp_media *cand = &offer->media[i];
		if (cand->type != SDP_MEDIA_AUDIO || !cand->port)
			continue;
		if (dtls ? is_dtls(cand)
		    : sdes ? is_savp(cand->proto) && call_pick_crypto(cand, &crypto) == 0
			   : is_rtp(cand->proto))
			m = cand;
		else
			other = true;
	}
	if (!m)
		return other ? -ENOTSUP : -ENOENT;
	memset(out, 0, sizeof(*out));
	if (dtls && take_dtls(m, ep, out) < 0)
		return -ENOTSUP;
	if (sdes) {
		out->srtp = true;
		out->crypto_tag = crypto.crypto_tag;
		memcpy(out->suite, crypto.suite, sizeof(out->suite));
		memcpy(out->remote_key, crypto.remote_key, sizeof(out->remote_key));
	}
	out->dtmf_pt = -1;
	for (unsigned f = 0; f < m->n_fmts; f++) {
		const struct sdp_rtpmap *map = sdp_media_rtpmap(m, m->pts[f]);
		if (map && zv_str_eq_cstr_ci(map->encoding, "telephone-event") && out->dtmf_pt < 0) {
			out->dtmf_pt = m->pts[f];
			out->dtmf_clock = map->clock_rate;
		}
	}
	const struct zv_codec_info *chosen = NULL;
	for (size_t i = 0; i < ep->ncodecs && !chosen; i++) {
		const struct zv_codec_info *want = zv_codec_by_name(ep->codecs[i]->name);
		for (unsigned f = 0; want && f < m->n_fmts && !chosen; f++) {
			if (call_pt_codec(m, m->pts[f]) == want) {
				chosen = want;
				out->pt = m->pts[f];
			}
		}
	}
	if (!chosen)
		return -ENOENT;
	out->codec = chosen->id;
	out->dir = m->dir;
	out->port = m->port;
	out->ptime = m->ptime;
	zv_str_copy(m->conn.addr, out->addr, sizeof(out->addr));
	return 0;
}

static const char *answer_dir(enum sdp_dir offered)
{
	switch (offered) {
	case SDP_DIR_SENDONLY: return "recvonly";
	case SDP_DIR_RECVONLY: return "sendonly";
	case SDP_DIR_INACTIVE: return "inactive";
	default: return "sendrecv";
	}
}

void call_sdp_answer(struct sip_buf *out, const struct call_media *m, const char *ip,
		     uint16_t port, uint64_t sess_id, unsigned version)
{
	const struct zv_codec_info *c = zv_codec_get(m->codec);
	const char *af = strchr(ip, ':') ? "IP6" : "IP4";
	/* Appends, not printf: this runs for every answered call. */
	sip_buf_cstr(out, "v=0\r\no=- ");
	sip_buf_uint(out, sess_id);
	sip_buf_cstr(out, " ");
	sip_buf_uint(out, version);
	sip_buf_cstr(out, " IN ");
	sip_buf_cstr(out, af);
	sip_buf_cstr(out, " ");
	sip_buf_cstr(out, ip);
	sip_buf_cstr(out, "\r\ns=Zvonok\r\nc=IN ");
	sip_buf_cstr(out, af);
	sip_buf_cstr(out, " ");
	sip_buf_cstr(out, ip);
	sip_buf_cstr(out, "\r\nt=0 0\r\nm=audio ");
	sip_buf_uint(out, port);
	sip_buf_cstr(out, " ");
	sip_buf_cstr(out, m->dtls ? m->proto : m->srtp ? "RTP/SAVP" : "RTP/AVP");
	sip_buf_cstr(out, " ");
	sip_buf_uint(out, m->pt);
	if (m->dtmf_pt >= 0) {
		sip_buf_cstr(out, " ");
		sip_buf_uint(out, (unsigned)m->dtmf_pt);
	}
	sip_buf_cstr(out, "\r\na=rtpmap:");
	sip_buf_uint(out, m->pt);
	sip_buf_cstr(out, " ");
	sip_buf_cstr(out, c->sdp_name);
	sip_buf_cstr(out, "/");
	sip_buf_uint(out, c->rtp_clock);
	if (c->sdp_channels) {
		sip_buf_cstr(out, "/");
		sip_buf_uint(out, c->sdp_channels);
	}
	sip_buf_append(out, "\r\n", 2);
	if (m->dtmf_pt >= 0)
		sip_buf_printf(out, "a=rtpmap:%d telephone-event/%u\r\na=fmtp:%d 0-16\r\n", m->dtmf_pt,
			       m->dtmf_clock ? m->dtmf_clock : 8000, m->dtmf_pt);
	if (m->srtp)
		sip_buf_printf(out, "a=crypto:%u %s inline:%s\r\n", m->crypto_tag, m->suite,
			       m->local_key);
	if (m->dtls)
		sip_buf_printf(out, "a=setup:%s\r\na=fingerprint:%s\r\n", m->local_setup,
			       zv_dtls_ctx_fingerprint(m->dtls_ctx));
	sip_buf_cstr(out, "a=ptime:");
	sip_buf_uint(out, c->frame_ms ? c->frame_ms : 20);
	sip_buf_cstr(out, "\r\na=");
	sip_buf_cstr(out, answer_dir(m->dir));
	sip_buf_cstr(out, "\r\n");
}

unsigned call_payload_samples(enum zv_codec_id codec, size_t len)
{
	switch (codec) {
	case ZV_CODEC_ULAW:
	case ZV_CODEC_ALAW: return (unsigned)len;
	case ZV_CODEC_G722: return (unsigned)len * 2; /* 16 kHz, 4 bits a sample */
	case ZV_CODEC_GSM: return (unsigned)(len / 33) * 160;
	case ZV_CODEC_G729: return (unsigned)(len / 10) * 80;
	case ZV_CODEC_SLIN:
	case ZV_CODEC_SLIN16:
	case ZV_CODEC_SLIN48: return (unsigned)len / 2;
	case ZV_CODEC_OPUS: return 960; /* 20 ms at 48 kHz; the decoder knows better */
	default: return 0;
	}
}
