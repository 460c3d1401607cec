/*
 * SIP calls (module "chan_pjsip"): the channel technologies PJSIP and SIP
 * over INVITE dialogs, with RTP media.  Internal to src/sip/call.
 *
 * DESIGN
 * A call is one INVITE dialog and one channel, both on the worker that
 * owns the dialog's Call-ID (the transaction layer delivers every request
 * and response of the Call-ID there), so the channel, its dialplan
 * coroutine, its RTP session and its SIP state share one thread and take
 * no locks.  Each worker keeps its calls in a table keyed by Call-ID and
 * our tag, for in-dialog requests (ACK, BYE, re-INVITE, CANCEL).
 * Media: one RTP session per call; the negotiated codec is the channel's
 * native codec and RTP payloads go to and from the channel as frames.
 */
#ifndef SIP_CALL_CALL_H
#define SIP_CALL_CALL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <zvonok/media.h>
#include <zvonok/str.h>

#include "sip/config/sip_config.h"
#include "sip/parser/sdp.h"
#include "sip/parser/sip_msg.h"

struct sip_endpoint;

/* What negotiation chose for the audio stream of an offer. */
struct call_media {
	enum zv_codec_id codec;
	uint8_t pt;	  /* payload type of codec in the offer */
	int dtmf_pt;	  /* telephone-event payload type, -1 none */
	unsigned dtmf_clock;
	enum sdp_dir dir; /* the offerer's direction */
	char addr[64];	  /* the offerer's connection address */
	uint16_t port;
	unsigned ptime;
	/* SRTP (SDES, RFC 4568): the offer's chosen crypto line */
	bool srtp;
	unsigned crypto_tag;
	char suite[40];
	char remote_key[128]; /* "inline:..." as offered */
	char local_key[48];   /* ours (base64), for the answer */
	/* DTLS-SRTP (RFC 5763): the peer's a=fingerprint, our a=setup */
	bool dtls;
	char proto[24];	      /* the offer's profile, echoed in the answer */
	char fp_hash[16];     /* "sha-256" */
	char fp[200];	      /* "AB:CD:..." */
	int dtls_role;	      /* ours: enum zv_dtls_role */
	const char *local_setup; /* "active", "passive", "actpass" */
	struct zv_dtls_ctx *dtls_ctx; /* the endpoint's (cached for good) */
};

/*
 * Choose the audio codec for an offer: the first of the endpoint's
 * allowed codecs (its allow= order) that the offer's first usable audio
 * stream carries: RTP/AVP(F), or RTP/SAVP(F) with a supported crypto
 * line when the endpoint has media_encryption=sdes (then only that), or
 * UDP/TLS/RTP/SAVP(F) or RTP/SAVP(F) with a=fingerprint when it has
 * media_encryption=dtls (then only that; our a=setup: active for actpass
 * unless dtls_setup=passive, else the opposite of the offer's).
 * 0, -ENOENT (no audio stream or nothing in common), -ENOTSUP (only
 * profiles the endpoint cannot take).  Pure but for looking up the
 * endpoint's cached DTLS context.
 */
int call_negotiate(const struct sdp_session *offer, const struct sip_endpoint *ep,
		   struct call_media *out);
/* Our DTLS role for the peer's a=setup (an empty view: none).  offerer:
 * the peer answers our actpass offer. */
int call_dtls_role(struct zv_str peer_setup, bool offerer, const struct sip_endpoint *ep);
/* "active" / "passive" / "actpass" for a role. */
const char *call_dtls_setup_name(int role);
/* The first crypto line of m with a suite we support (0), or -ENOENT. */
int call_pick_crypto(const struct sdp_media *m, struct call_media *out);

/* Our SDP for a negotiated stream: one codec, telephone-event when the
 * offer had it, the direction answering the offer's.  Appended to out. */
struct sip_buf;
void call_sdp_answer(struct sip_buf *out, const struct call_media *m, const char *ip,
		     uint16_t port, uint64_t sess_id, unsigned version);

/* The codec a payload type of an SDP media means (rtpmap, else the
 * static assignment), or NULL. */
const struct zv_codec_info *call_pt_codec(const struct sdp_media *m, uint8_t pt);

/* Samples (at the codec's rate) in an RTP payload of len bytes. */
unsigned call_payload_samples(enum zv_codec_id codec, size_t len);

/* A caller or callee identity from P-Asserted-Identity, else
 * Remote-Party-ID (call_id.c). */
struct sip_msg;
struct call_identity {
	char num[80];
	char name[80];
	bool private_id;	   /* the combined presentation is not allowed */
	int name_pres, num_pres;   /* ZV_PRES_*: Privacy: id, RPID privacy=, screen= */
	struct zv_str rpid_params; /* into the message (RPID only) */
};
/* 0, or -ENOENT when the message has no usable identity header. */
int call_identity_read(const struct sip_msg *m, struct call_identity *id);
/* P-Asserted-Identity (pai) and/or Remote-Party-ID (rpid, party=calling
 * or called) header lines for name/num at host, for a caller ID of
 * presentation pres (ZV_PRES_*): RPID privacy=full and a Privacy: id
 * line when it is not allowed, RPID screen=yes when passed or network.
 * Nothing when num is empty.  Whether a private identity may be sent at
 * all is the caller's decision (trust_id_outbound). */
void call_identity_write(struct sip_buf *b, bool pai, bool rpid, bool calling, const char *name,
			 const char *num, const char *host, int pres);

/* The DTMF digit of an INFO body of type ctype (its Content-Type value;
 * call_info.c): 0 with the digit ('0'-'9', '*', '#', 'A'-'D') and the
 * duration in ms (0 when not given), -ENOTSUP for a content type that is
 * not application/dtmf-relay or application/dtmf, -EINVAL for a body
 * without a digit. */
int call_info_digit(struct zv_str ctype, struct zv_str body, char *digit, unsigned *duration_ms);
/* The application/dtmf-relay body for a digit we send. */
void call_info_body(struct sip_buf *b, char digit, unsigned duration_ms);

/* Whether a header (Supported, Require, Allow) lists a token, any case. */
bool call_msg_has_tag(const struct sip_msg *m, enum sip_hdr_id id, const char *tag);

/* Session timers (RFC 4028; call_timer.c). */
enum { CALL_SE_NONE, CALL_SE_UAC, CALL_SE_UAS };
struct call_se_req {	/* what a request or response says */
	bool supported;	/* Supported or Require: timer */
	bool required;	/* Require: timer */
	bool allow_update; /* Allow: lists UPDATE */
	unsigned se;	/* Session-Expires, 0 absent */
	int refresher;	/* CALL_SE_* of its refresher parameter */
	unsigned min_se; /* Min-SE, 0 absent */
};
struct call_se {	/* what was negotiated */
	unsigned interval; /* 0: no session timer */
	int refresher;	   /* CALL_SE_UAC / _UAS, in the transaction's terms */
	bool we_refresh;
	bool require;	   /* put Require: timer in the response */
};
/* 0, or -EBADMSG for a Session-Expires or Min-SE that does not parse. */
int call_se_read(const struct sip_msg *m, struct call_se_req *r);
/* As the UAS of an INVITE/UPDATE: 0 (out->interval 0 when no timer), or
 * the status to answer: 422 (Session-Expires below min_se: send Min-SE),
 * 421 (timers=required and the UAC does not support them). */
int call_se_uas(const struct call_se_req *r, enum sip_feature_mode mode, unsigned min_se,
		unsigned sess_expires, struct call_se *out);
/* As the UAC, from the 2xx to our INVITE/UPDATE. */
int call_se_uac(const struct call_se_req *r, enum sip_feature_mode mode, unsigned sess_expires,
		struct call_se *out);
/* "Session-Expires: N;refresher=X" (and Require: timer) for a 2xx. */
void call_se_lines(struct sip_buf *b, const struct call_se *se);
/* When the call's timer is due, ms from now: the refresh at half the
 * interval, or the expiry at interval - min(32, interval/3). */
unsigned call_se_due_ms(const struct call_se *se);

/* RTP statistics and codec name of a SIP channel; on its loop.  0, or
 * -ENOENT when chan is not a SIP call with media. */
struct zv_channel;
struct zv_rtp_stats;
int call_rtp_stats(struct zv_channel *chan, struct zv_rtp_stats *st, char *codec, size_t size);

/* `pjsip show channels|channelstats` (call_cli.c). */
struct zv_module;
int call_cli_register(struct zv_module *mod);

#endif
