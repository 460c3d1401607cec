/*
 * SIP calls: inbound INVITE to a channel running the endpoint's dialplan,
 * with RTP media; ACK, BYE, CANCEL, re-INVITE and UPDATE (hold, session
 * refresh) and INFO (DTMF) in the dialog.  An INVITE without SDP is a late
 * offer: our offer goes in the 183/200, the answer comes in the ACK.
 * Outbound legs follow 3xx redirects and answer 401/407 challenges in
 * the same call.  Identity headers: call_id.c; INFO bodies: call_info.c;
 * session timer negotiation: call_timer.c.
 * Timers of a call, all on its loop: the session timer (refresh at half
 * the interval, or the expiry) and, as the UAS with 100rel, the
 * retransmission of the reliable provisional until its PRACK.
 * See call.h for the design.
 *
 * Lifetime: a call is refcounted.  The worker's table holds one reference
 * while the dialog is alive, the channel's driver side one (tech_pvt)
 * until its hangup, and each client transaction it starts (BYE) one
 * until the transaction ends.  The call holds a reference on its channel
 * until the driver hangup.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <zvonok/channel.h>
#include <zvonok/coro.h>
#include <zvonok/core.h>
#include <zvonok/log.h>
#include <zvonok/loop.h>
#include <zvonok/media.h>
#include <zvonok/module.h>
#include <zvonok/obj.h>
#include <zvonok/pbx.h>
#include <zvonok/rtp.h>

#include "sip/call/call.h"
#include "sip/config/sip_config.h"
#include "sip/core/sip.h"
#include "sip/core/sip_module.h"
#include "sip/outbound/uac.h"
#include "sip/parser/sip_hdr.h"
#include "sip/parser/sip_uri.h"
#include "sip/registrar/registrar.h"

#define CALL_BUCKETS 1024
#define CALL_ALLOW "Allow: INVITE, ACK, CANCEL, BYE, OPTIONS, MESSAGE, INFO, UPDATE, PRACK\r\n"
#define CALL_T1_MS 500

struct call {
	struct zv_channel *chan; /* referenced until the driver hangup */
	struct sip_stsx *invite_st; /* the INVITE until its final answer */
	bool answered, ended, bye_rx;
	bool early_sent; /* 183 with SDP sent */
	/* late offer: an INVITE without SDP; our offer (c->offer) goes in
	 * the 183/200 and the answer comes in the ACK */
	bool late_offer;
	/* dtmf_mode=inband (or auto without telephone-event): tones in the
	 * received audio, decoded to slin for the detector */
	struct zv_dtmf_detect *inband;
	struct zv_trans *inband_dec;
	char *call_id, *local_tag, *remote_tag;
	char *local_hdr;     /* our side: the INVITE's To with our tag */
	char *remote_hdr;    /* their From as received */
	char *remote_target; /* their Contact URI */
	char *route_lines;
	char *via_hostport, *contact;
	uint32_t cseq;
	struct sip_target target;
	struct call_media media;
	struct zv_rtp *rtp;
	char local_ip[80];
	uint64_t sess_id;
	unsigned sdp_version;
	bool held;
	enum sip_dtmf_mode dtmf_mode;
	/* identity headers: send_pai/send_rpid, trust_id_inbound,
	 * trust_id_outbound (private identities may be sent) */
	bool send_pai, send_rpid, trust_id, trust_out;
	char *id_lines; /* outbound: the caller's PAI/RPID lines, or NULL */
	/* outbound (we sent the INVITE) */
	bool outbound;
	bool rewrite_contact;
	struct sip_ctsx *invite_ct; /* until its final response */
	/* RFC 3261 9.1: no CANCEL before a provisional response; hung up
	 * before one, the CANCEL waits for it (cancel_wait) */
	bool invite_1xx, cancel_wait;
	bool cancel_elsewhere; /* hung up as answered elsewhere (cause 26) */
	char invite_branch[40];
	uint32_t invite_cseq;
	char *ruri;
	char *offer;	/* our SDP offer, kept for a re-sent INVITE */
	char *endpoint; /* whose outbound_auth answers challenges */
	bool auth_tried;
	unsigned redirects; /* 3xx followed */
	/* session timer (RFC 4028): one timer, the refresh or the expiry */
	struct call_se se;
	enum sip_feature_mode timers;
	unsigned min_se, sess_expires;
	bool se_armed, se_retried, se_busy; /* timer made; 422 redone; refresh out */
	bool peer_update; /* the far end allows UPDATE */
	struct zv_timer se_timer;
	/* 100rel (RFC 3262) as the UAS: one reliable provisional at a time,
	 * retransmitted until its PRACK; a 2xx meanwhile waits for it */
	bool rel100;
	enum sip_feature_mode rel100_mode; /* outbound: the endpoint's 100rel */
	uint32_t rseq;
	unsigned rel_status; /* the unacknowledged one, 0 none */
	bool rel_sdp, answer_waits, rel_armed;
	unsigned rel_next; /* an 18x held back until then, 0 none */
	bool rel_next_sdp;
	unsigned rel_interval, rel_elapsed;
	struct zv_timer rel_timer;
	uint32_t rack_last; /* as the UAC: the last reliable 18x PRACKed */
	/* our 2xx to the INVITE waits 64*T1 for its ACK (RFC 3261 13.3.1.4) */
	bool ack_armed;
	struct zv_timer ack_timer;
	uint32_t reoffer_cseq; /* a re-INVITE without SDP whose ACK answers us */
	/* the last ACK we sent for a 2xx to our (re-)INVITE, kept to send
	 * again when that 2xx is retransmitted (RFC 3261 13.2.2.4) */
	char *ack_req;
	size_t ack_len;
	uint32_t ack_cseq;
	/* direct media (calls.md): where the far end was last told to send
	 * its audio (by an offer or answer of ours: our session, or the
	 * bridged peer's far end) and where the bridge wants it */
	bool dm_enabled, dm_update, dm_nonat; /* the endpoint's settings */
	bool dm_want, dm_told;		      /* direct (true) or anchored */
	char dm_want_addr[64], dm_told_addr[64];
	uint16_t dm_want_port, dm_told_port;
	bool dm_failed; /* a direct offer was refused: anchored for good */
	bool dm_busy;	/* our offer outstanding */
	bool dm_wait;	/* after a 491: retrying after a random delay */
	bool dm_armed;
	struct zv_timer dm_timer;
	bool dm_in_reinvite; /* answering their re-INVITE/UPDATE now */
	bool reinvite_ack;   /* our 2xx to their re-INVITE awaits its ACK */
	bool ack_pending;    /* our 2xx to the INVITE awaits its ACK */
	bool sig_src_set;
	struct sip_sockaddr sig_src; /* where their signalling comes from */
	struct call *next; /* table chain */
};

/* Freed when its last call leaves, so an idle worker holds nothing (and
 * nothing is left at exit). */
struct call_table {
	size_t count;
	struct call *buckets[CALL_BUCKETS];
};

static _Thread_local struct call_table *calls;

static const struct zv_channel_tech tech_pjsip, tech_sip;

/* ---- table ------------------------------------------------------------------ */

static unsigned bucket_of(struct zv_str call_id)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < call_id.len; i++) {
		h ^= (unsigned char)call_id.p[i];
		h *= 16777619u;
	}
	return h % CALL_BUCKETS;
}

static struct call *call_find(struct zv_str call_id, struct zv_str local_tag)
{
	if (!calls)
		return NULL;
	for (struct call *c = calls->buckets[bucket_of(call_id)]; c; c = c->next)
		if (zv_str_eq_cstr(call_id, c->call_id) && zv_str_eq_cstr(local_tag, c->local_tag))
			return c;
	return NULL;
}

static int call_link(struct call *c)
{
	if (!calls && !(calls = calloc(1, sizeof(*calls))))
		return -ENOMEM;
	unsigned b = bucket_of(zv_str_c(c->call_id));
	c->next = calls->buckets[b];
	calls->buckets[b] = zv_ref(c);
	calls->count++;
	return 0;
}

static void call_unlink(struct call *c)
{
	if (!calls)
		return;
	for (struct call **pp = &calls->buckets[bucket_of(zv_str_c(c->call_id))]; *pp;
	     pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
			c->next = NULL;
			if (!--calls->count) {
				free(calls);
				calls = NULL;
			}
			zv_unref(c);
			return;
		}
	}
}

/* ---- object ---------------------------------------------------------------- */

static void call_destroy(void *obj)
{
	struct call *c = obj;
	if (c->rtp)
		zv_rtp_free(c->rtp);
	if (c->se_armed)
		zv_timer_fini(&c->se_timer);
	if (c->rel_armed)
		zv_timer_fini(&c->rel_timer);
	if (c->ack_armed)
		zv_timer_fini(&c->ack_timer);
	if (c->dm_armed)
		zv_timer_fini(&c->dm_timer);
	zv_dtmf_detect_free(c->inband);
	zv_trans_free(c->inband_dec);
	free(c->call_id);
	free(c->local_tag);
	free(c->remote_tag);
	free(c->local_hdr);
	free(c->remote_hdr);
	free(c->remote_target);
	free(c->route_lines);
	free(c->via_hostport);
	free(c->contact);
	free(c->ruri);
	free(c->offer);
	free(c->endpoint);
	free(c->id_lines);
	free(c->ack_req);
	if (c->target.conn)
		sip_conn_unref(c->target.conn);
}

static char *dup_str(struct zv_str s)
{
	return zv_str_dup(s);
}

/* ---- media ------------------------------------------------------------------- */

static void on_rtp(void *arg, struct zv_rtp *rtp, const struct zv_rtp_pkt *pkt)
{
	struct call *c = arg;
	if (!c->chan || pkt->pt != c->media.pt || !pkt->len)
		return;
	struct zv_frame f = {.codec = c->media.codec,
			     .samples = call_payload_samples(c->media.codec, pkt->len),
			     .len = pkt->len,
			     .data = pkt->payload,
			     .has_ts = true,
			     .ts = pkt->ts};
	if (c->inband) {
		struct zv_frame pcm;
		uint8_t buf[ZV_FRAME_MAX_BYTES];
		if (zv_trans_frame(c->inband_dec, &f, &pcm, buf) == 0 && pcm.samples)
			zv_dtmf_detect_feed(c->inband, (const int16_t *)pcm.data, pcm.samples);
		if (!c->chan)
			return; /* a digit hung the call up */
	}
	zv_channel_rx_frame(c->chan, &f);
}

static void on_inband_digit(void *arg, char digit)
{
	struct call *c = arg;
	if (c->chan)
		zv_channel_queue_digit(c->chan, digit);
}

/* Inband detection when the endpoint asks for it, or for auto when the
 * far end offered no telephone-event. */
static void inband_setup(struct call *c)
{
	bool want = c->dtmf_mode == SIP_DTMF_INBAND ||
		    ((c->dtmf_mode == SIP_DTMF_AUTO || c->dtmf_mode == SIP_DTMF_AUTO_INFO) &&
		     c->media.dtmf_pt < 0);
	if (!want || c->inband)
		return;
	c->inband_dec = zv_trans_new(c->media.codec, ZV_CODEC_SLIN);
	c->inband = c->inband_dec ? zv_dtmf_detect_new(on_inband_digit, c) : NULL;
	if (!c->inband) {
		zv_trans_free(c->inband_dec);
		c->inband_dec = NULL;
	}
}

static void on_dtmf(void *arg, struct zv_rtp *rtp, char digit, unsigned duration_ms, bool begin)
{
	struct call *c = arg;
	if (c->chan && !begin)
		zv_channel_queue_digit(c->chan, digit);
}

static const struct zv_rtp_cb rtp_cb = {.on_rtp = on_rtp, .on_dtmf = on_dtmf};

/* Point RTP at the address of the (last) offer. */
/* An SDP/Via address (IPv6 without brackets) as a socket address. */
static int ip_parse(const char *ip, uint16_t port, struct sip_sockaddr *a)
{
	char host[96];
	snprintf(host, sizeof(host), strchr(ip, ':') ? "[%s]" : "%s", ip);
	return sip_sockaddr_parse(host, port, a);
}

/* DTLS-SRTP once the remote is known: our role (the handshake starts
 * when it is active) and the peer's fingerprint; repeating it (early
 * media, then the 2xx; a re-INVITE) changes nothing. */
static void media_dtls(struct call *c)
{
	if (zv_rtp_dtls_start(c->rtp, c->media.dtls_ctx, c->media.dtls_role) < 0 ||
	    (c->media.fp[0] &&
	     zv_rtp_dtls_set_fingerprint(c->rtp, c->media.fp_hash, c->media.fp) < 0))
		zv_notice("%s: DTLS setup %s or fingerprint %s %s not usable",
			  c->chan ? zv_channel_name(c->chan) : "call", c->media.local_setup,
			  c->media.fp_hash, c->media.fp);
}

static void media_set_remote(struct call *c)
{
	struct sip_sockaddr a;
	if (!c->media.port || ip_parse(c->media.addr, c->media.port, &a) < 0)
		return;
	zv_rtp_set_remote(c->rtp, &a.ss);
	if (c->media.dtls)
		media_dtls(c);
	zv_rtp_set_dtmf_pt(c->rtp, c->media.dtmf_pt >= 0 ? c->media.dtmf_pt : 101,
			   c->media.dtmf_clock ? c->media.dtmf_clock : 8000);
}

static int media_open(struct call *c, const struct sip_endpoint *ep)
{
	struct sip_sockaddr bind;
	if (ip_parse(c->local_ip, 0, &bind) < 0)
		return -EINVAL;
	c->rtp = zv_rtp_new(zv_loop_current(), &bind.ss, &rtp_cb, c);
	if (!c->rtp)
		return -errno;
	zv_rtp_set_symmetric(c->rtp, ep->rtp_symmetric);
	media_set_remote(c);
	return 0;
}

static void sdp_body(struct call *c, struct sip_buf *b)
{
	if (c->late_offer && c->offer) {
		sip_buf_printf(b, "%s", c->offer);
		return;
	}
	call_sdp_answer(b, &c->media, c->local_ip, zv_rtp_local_port(c->rtp), c->sess_id,
			c->sdp_version);
}

/* Our SDP in the confirmed dialog (a re-INVITE or UPDATE of ours, our
 * answer to theirs), in a new version, answering the direction dir: our
 * session or, while the far end is told to send directly (dm_told), the
 * bridged peer's far end (direct media: the same codec and payload
 * types). */
static void sdp_dialog(struct call *c, struct sip_buf *b, enum sdp_dir dir)
{
	struct call_media m = c->media;
	m.dir = dir;
	c->sdp_version++;
	if (c->dm_told)
		call_sdp_answer(b, &m, c->dm_told_addr, c->dm_told_port, c->sess_id,
				c->sdp_version);
	else
		call_sdp_answer(b, &m, c->local_ip, zv_rtp_local_port(c->rtp), c->sess_id,
				c->sdp_version);
}

static bool has_sdp(const struct sip_msg *m);
static int remote_media(const struct sip_rx *rx, struct call_media *media);
static void sdp_offer(struct call *c, const struct sip_endpoint *ep, struct sip_buf *b);
static int answer_take(struct call *c, const struct sip_rx *rx);

/* ---- responses and requests ---------------------------------------------------- */

/* No ACK for our 2xx within 64*T1 (the transaction layer retransmitted
 * it meanwhile): the dialog ends with a BYE (cause 18). */
static void ack_timeout(void *arg)
{
	struct call *c = arg;
	if (c->ended || !c->chan)
		return;
	zv_notice("%s: no ACK for our 200", zv_channel_name(c->chan));
	zv_channel_set_hangupcause(c->chan, ZV_CAUSE_NO_USER_RESPONSE);
	zv_channel_softhangup(c->chan, 0);
}

static void ack_wait(struct call *c)
{
	c->ack_pending = true;
	if (!c->ack_armed) {
		if (zv_timer_init(&c->ack_timer, zv_loop_current(), ack_timeout, c) < 0)
			return;
		c->ack_armed = true;
	}
	zv_timer_start(&c->ack_timer, 64 * CALL_T1_MS, 0);
}

/* Answer the INVITE (final or provisional), with our SDP when sdp. */
static int invite_respond_now(struct call *c, unsigned status, bool sdp, const char *extra_in)
{
	if (!c->invite_st)
		return -EALREADY;
	struct sip_buf body, extra;
	sip_buf_init(&body);
	sip_buf_init(&extra);
	if (sdp)
		sdp_body(c, &body);
	if (status < 300 && status > 100)
		sip_buf_printf(&extra, "Contact: <%s>\r\n", c->contact);
	if (status > 100 && status < 300)
		sip_buf_printf(&extra, CALL_ALLOW); /* UPDATE in the early dialog */
	if (status >= 200 && status < 300) {
		call_se_lines(&extra, &c->se);
		if (c->timers != SIP_FEATURE_NO)
			sip_buf_printf(&extra, "Supported: timer\r\n");
	}
	if (status > 100 && status < 300 && c->chan && (c->send_pai || c->send_rpid) &&
	    (c->trust_out || !zv_pres_private(zv_channel_connected_pres(c->chan))))
		call_identity_write(&extra, c->send_pai, c->send_rpid, false,
				    zv_channel_connected_name(c->chan),
				    zv_channel_connected_num(c->chan), c->via_hostport,
				    zv_channel_connected_pres(c->chan));
	if (extra_in)
		sip_buf_printf(&extra, "%s", extra_in);
	int err = body.oom || extra.oom ? -ENOMEM
					: sip_stsx_respond(c->invite_st, status, NULL, c->local_tag,
							   extra.p, sdp ? "application/sdp" : NULL,
							   sdp ? body.p : NULL);
	if (status >= 200)
		c->invite_st = NULL;
	if (!err && status >= 200 && status < 300)
		ack_wait(c);
	sip_buf_free(&body);
	sip_buf_free(&extra);
	return err;
}

/* The reliable provisional again (T1 doubling, RFC 3262 3); after 64*T1
 * without a PRACK the INVITE is refused (cause 41: 503). */
static void rel_fire(void *arg)
{
	struct call *c = arg;
	if (!c->rel_status || !c->invite_st || c->ended)
		return;
	c->rel_elapsed += c->rel_interval;
	if (c->rel_elapsed >= 64 * CALL_T1_MS) {
		zv_notice("%s: no PRACK for the %u", c->chan ? zv_channel_name(c->chan) : "?",
			  c->rel_status);
		c->rel_status = 0;
		c->answer_waits = false;
		if (c->chan) {
			zv_channel_set_hangupcause(c->chan, ZV_CAUSE_NORMAL_TEMPORARY_FAILURE);
			zv_channel_softhangup(c->chan, 0);
		}
		return;
	}
	char extra[64];
	snprintf(extra, sizeof(extra), "Require: 100rel\r\nRSeq: %u\r\n", c->rseq);
	zv_verb(4, "%s: %u again (RSeq %u)", c->chan ? zv_channel_name(c->chan) : "?",
		c->rel_status, c->rseq);
	invite_respond_now(c, c->rel_status, c->rel_sdp, extra);
	c->rel_interval *= 2;
	zv_timer_start(&c->rel_timer, c->rel_interval, 0);
}

/* Answer the INVITE; with 100rel, 18x go reliably (Require, RSeq,
 * retransmitted until PRACKed; another 18x meanwhile is not sent) and a
 * 2xx waits for the PRACK of the outstanding one. */
static int invite_respond(struct call *c, unsigned status, bool sdp, const char *extra_in)
{
	if (!c->invite_st)
		return -EALREADY;
	if (c->rel100 && status > 100 && status < 300 && c->rel_status) {
		if (status >= 200) {
			c->answer_waits = true;
		} else if (!c->rel_next || sdp) {
			c->rel_next = status;
			c->rel_next_sdp = sdp;
		}
		return 0;
	}
	if (!c->rel100 || status <= 100 || status >= 200) {
		if (status >= 200)
			c->rel_status = 0;
		return invite_respond_now(c, status, sdp, extra_in);
	}
	if (!c->rel_armed) {
		if (zv_timer_init(&c->rel_timer, zv_loop_current(), rel_fire, c) < 0)
			return invite_respond_now(c, status, sdp, extra_in);
		c->rel_armed = true;
	}
	char extra[64];
	snprintf(extra, sizeof(extra), "Require: 100rel\r\nRSeq: %u\r\n", ++c->rseq);
	c->rel_status = status;
	c->rel_sdp = sdp;
	c->rel_interval = CALL_T1_MS;
	c->rel_elapsed = 0;
	zv_timer_start(&c->rel_timer, CALL_T1_MS, 0);
	return invite_respond_now(c, status, sdp, extra);
}

/* A request in the dialog: our From, their To, the route set, the remote
 * target (or the original Request-URI for CANCEL). */
static struct sip_uac_request dialog_request(const struct call *c, const char *method,
					     const char *ruri, const char *branch, uint32_t cseq)
{
	return (struct sip_uac_request){
		.method = method,
		.ruri = ruri,
		.transport = sip_tp_proto_name(sip_tp_proto(c->target.tp)),
		.via_hostport = c->via_hostport,
		.branch = branch,
		.route_lines = c->route_lines,
		.from = c->local_hdr,
		.to = c->remote_hdr,
		.call_id = c->call_id,
		.cseq = cseq,
	};
}

static void request_done(void *arg, struct sip_ctsx *ct, unsigned status,
			 const struct sip_rx *rx)
{
	struct call *c = arg;
	if (status >= 200)
		zv_unref(c);
}

/* A request in the confirmed dialog (BYE, INFO) whose answer only ends
 * its transaction. */
static int send_in_dialog(struct call *c, enum sip_method method, const char *name,
			  const char *ctype, const char *body)
{
	char branch[40];
	sip_new_branch(branch, sizeof(branch));
	struct sip_uac_request r = dialog_request(c, name, c->remote_target, branch, ++c->cseq);
	r.ctype = ctype;
	r.body = body;
	struct sip_buf req;
	sip_buf_init(&req);
	int err = sip_uac_build_request(&r, &req);
	if (!err) {
		zv_ref(c);
		err = sip_ctsx_send(&c->target, method, branch, req.p, req.len, request_done, c,
				    NULL);
		if (err)
			zv_unref(c);
	}
	sip_buf_free(&req);
	return err;
}

static int send_bye(struct call *c)
{
	return send_in_dialog(c, SIP_METHOD_BYE, "BYE", NULL, NULL);
}

/* The final answer to an INVITE not answered, for a hang-up cause (the
 * mapping of Asterisk's PJSIP driver). */
static unsigned cause_to_status(int cause)
{
	switch (cause) {
	case ZV_CAUSE_UNALLOCATED:
	case ZV_CAUSE_NO_ROUTE_DESTINATION: return 404;
	case ZV_CAUSE_USER_BUSY: return 486;
	case ZV_CAUSE_NO_USER_RESPONSE: return 408;
	case ZV_CAUSE_NO_ANSWER:
	case ZV_CAUSE_SUBSCRIBER_ABSENT:
	case ZV_CAUSE_NORMAL_UNSPECIFIED: return 480;
	case ZV_CAUSE_CALL_REJECTED: return 403;
	case ZV_CAUSE_NUMBER_CHANGED: return 410;
	case ZV_CAUSE_DESTINATION_OUT_OF_ORDER: return 502;
	case ZV_CAUSE_INVALID_NUMBER_FORMAT: return 484;
	case ZV_CAUSE_FACILITY_REJECTED: return 501;
	case ZV_CAUSE_BEARERCAPABILITY_NOTAVAIL:
	case ZV_CAUSE_INCOMPATIBLE_DESTINATION: return 488;
	case ZV_CAUSE_CONGESTION:
	case ZV_CAUSE_SWITCH_CONGESTION:
	case ZV_CAUSE_NORMAL_TEMPORARY_FAILURE:
	case ZV_CAUSE_REQUESTED_CHAN_UNAVAIL: return 503;
	default: return 603;
	}
}

static void cancel_done(void *arg, struct sip_ctsx *ct, unsigned status, const struct sip_rx *rx)
{
	if (status >= 200)
		zv_unref(arg);
}

/* CANCEL our pending INVITE (RFC 3261 9.1: its Request-URI, Call-ID,
 * From, To, CSeq number and top Via branch). */
static int send_cancel(struct call *c)
{
	struct sip_uac_request r =
		dialog_request(c, "CANCEL", c->ruri, c->invite_branch, c->invite_cseq);
	/* a call picked up elsewhere (RFC 3326, as Asterisk): phones then
	 * log no missed call */
	if (c->cancel_elsewhere)
		r.extra = "Reason: SIP;cause=200;text=\"Call completed elsewhere\"\r\n";
	struct sip_buf req;
	sip_buf_init(&req);
	int err = sip_uac_build_request(&r, &req);
	if (!err) {
		zv_ref(c);
		err = sip_ctsx_send(&c->target, SIP_METHOD_CANCEL, c->invite_branch, req.p, req.len,
				    cancel_done, c, NULL);
		if (err)
			zv_unref(c);
	}
	sip_buf_free(&req);
	return err;
}

static int tech_call(struct zv_channel *chan, const char *dest, int timeout_ms);

/* ---- session timer ------------------------------------------------------------------ */

static void se_fire(void *arg);

/* (Re)arm the call's timer for its negotiated session interval. */
static void se_start(struct call *c)
{
	if (!c->se.interval || c->ended)
		return;
	if (!c->se_armed) {
		if (zv_timer_init(&c->se_timer, zv_loop_current(), se_fire, c) < 0)
			return;
		c->se_armed = true;
	}
	zv_timer_start(&c->se_timer, call_se_due_ms(&c->se), 0);
}

/* The ACK of a 2xx to our INVITE or re-INVITE: a request of its own,
 * outside the transaction (RFC 3261 13.2.2.4).  Kept, so that a
 * retransmission of that 2xx gets the same ACK again (ack_resend()). */
static void ack_send(struct call *c, uint32_t cseq)
{
	char branch[40];
	sip_new_branch(branch, sizeof(branch));
	struct sip_uac_request r = dialog_request(c, "ACK", c->remote_target, branch, cseq);
	struct sip_buf req;
	sip_buf_init(&req);
	if (sip_uac_build_request(&r, &req) || req.oom) {
		sip_buf_free(&req);
		return;
	}
	sip_send(&c->target, req.p, req.len);
	free(c->ack_req);
	c->ack_len = req.len;
	c->ack_req = sip_buf_take(&req);
	c->ack_cseq = cseq;
}

/* A 2xx to an INVITE that no transaction expects (sip.h): when it is
 * the 2xx of our dialog's INVITE we ACKed (our From tag, their To tag,
 * that CSeq), our ACK was lost and the far end retransmits: send the
 * ACK again.  A 2xx of another fork or an older CSeq is ignored. */
static void on_stray_2xx(const struct sip_rx *rx)
{
	const struct sip_msg *m = &rx->msg;
	if (!m->from.has_tag || !m->to.has_tag)
		return;
	struct call *c = call_find(m->call_id, m->from.tag);
	if (!c || !c->ack_req || m->cseq.seq != c->ack_cseq || !c->remote_tag ||
	    !zv_str_eq_cstr(m->to.tag, c->remote_tag))
		return;
	zv_verb(4, "%s: %u to INVITE (CSeq %u) again: ACK again",
		c->chan ? zv_channel_name(c->chan) : c->call_id, m->status, m->cseq.seq);
	sip_send(&c->target, c->ack_req, c->ack_len);
}

struct se_refresh {
	struct call *c; /* referenced */
	uint32_t cseq;
	bool update;
	/* a direct media offer: what it tells the far end */
	bool dm, dm_direct;
	char dm_addr[64];
	uint16_t dm_port;
};

static int se_refresh_send(struct call *c);
static int reinvite_send(struct call *c, bool update, bool dm);
static void dm_sync(struct call *c);
static void dm_done(struct call *c, struct se_refresh *r, unsigned status,
		    const struct sip_rx *rx);

/* The answer to our refresh: its Session-Expires (or ours again) rearms
 * the timer; 408/481 end the call (RFC 4028 10); an UPDATE refused as
 * unknown is redone as a re-INVITE. */
static void se_refresh_done(void *arg, struct sip_ctsx *ct, unsigned status,
			    const struct sip_rx *rx)
{
	struct se_refresh *r = arg;
	struct call *c = r->c;
	if (status < 200)
		return;
	if (!r->dm)
		c->se_busy = false;
	if (status < 300 && rx && !r->update)
		ack_send(c, r->cseq);
	if (r->dm) {
		dm_done(c, r, status, rx);
	} else if (!c->ended && c->chan) {
		if (status < 300 && rx) {
			struct call_se_req sr;
			struct call_se se;
			if (call_se_read(&rx->msg, &sr) == 0 &&
			    call_se_uac(&sr, c->timers, c->se.interval, &se) == 0 && se.interval)
				c->se = se;
			se_start(c);
		} else if (status == 408 || status == 481) {
			zv_notice("%s: session refresh answered %u", zv_channel_name(c->chan), status);
			zv_channel_set_hangupcause(c->chan, ZV_CAUSE_NO_USER_RESPONSE);
			zv_channel_softhangup(c->chan, 0);
		} else if (r->update && (status == 405 || status == 501)) {
			c->peer_update = false;
			se_refresh_send(c);
		} else {
			se_start(c); /* try again at the next half interval */
		}
	}
	if (!r->dm && !c->ended && c->chan && !c->se_busy)
		dm_sync(c); /* a direct media change that waited for this one */
	zv_unref(c);
	free(r);
}

/* A request of ours that changes or refreshes the session: UPDATE or
 * re-INVITE.  A session refresh (dm false, RFC 4028 7.4, 9) is an UPDATE
 * without SDP when the far end allows it, else a re-INVITE with the SDP
 * it has now; a direct media change (dm) carries the SDP that points
 * the far end where c->dm_want says.  Both keep the session timer going
 * (Session-Expires with the current refresher). */
static int reinvite_send(struct call *c, bool update, bool dm)
{
	struct se_refresh *r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->update = update;
	r->dm = dm;
	r->cseq = ++c->cseq;
	char branch[40];
	sip_new_branch(branch, sizeof(branch));
	struct sip_uac_request q = dialog_request(c, update ? "UPDATE" : "INVITE",
						  c->remote_target, branch, r->cseq);
	struct sip_buf extra, body, req;
	sip_buf_init(&extra);
	sip_buf_init(&body);
	sip_buf_init(&req);
	if (c->se.interval)
		sip_buf_printf(&extra, "Session-Expires: %u;refresher=%s\r\nMin-SE: %u\r\n",
			       c->se.interval, !dm || c->se.we_refresh ? "uac" : "uas", c->min_se);
	if (c->timers != SIP_FEATURE_NO)
		sip_buf_printf(&extra, "Supported: timer\r\n");
	sip_buf_printf(&extra, CALL_ALLOW);
	q.contact = c->contact;
	q.extra = extra.p;
	if (dm) {
		/* The SDP of what this offer tells the far end; c->dm_told
		 * changes only when the offer is accepted. */
		bool told = c->dm_told;
		char told_addr[64];
		uint16_t told_port = c->dm_told_port;
		memcpy(told_addr, c->dm_told_addr, sizeof(told_addr));
		r->dm_direct = c->dm_want;
		snprintf(r->dm_addr, sizeof(r->dm_addr), "%s", c->dm_want_addr);
		r->dm_port = c->dm_want_port;
		c->dm_told = r->dm_direct;
		memcpy(c->dm_told_addr, r->dm_addr, sizeof(r->dm_addr));
		c->dm_told_port = r->dm_port;
		sdp_dialog(c, &body, SDP_DIR_SENDRECV);
		c->dm_told = told;
		memcpy(c->dm_told_addr, told_addr, sizeof(told_addr));
		c->dm_told_port = told_port;
	} else if (!update) {
		sdp_dialog(c, &body, c->media.dir);
	}
	if (body.len) {
		q.ctype = "application/sdp";
		q.body = body.p;
	}
	int err = extra.oom || body.oom ? -ENOMEM : sip_uac_build_request(&q, &req);
	if (!err) {
		r->c = zv_ref(c);
		err = sip_ctsx_send(&c->target, update ? SIP_METHOD_UPDATE : SIP_METHOD_INVITE,
				    branch, req.p, req.len, se_refresh_done, r, NULL);
		if (err)
			zv_unref(c);
	}
	if (err)
		free(r);
	else if (dm)
		c->dm_busy = true;
	else
		c->se_busy = true;
	sip_buf_free(&extra);
	sip_buf_free(&body);
	sip_buf_free(&req);
	return err;
}

/* Refresh the session as its refresher (reinvite_send()); a direct
 * media offer outstanding refreshes it already. */
static int se_refresh_send(struct call *c)
{
	if (c->dm_busy)
		return -EBUSY;
	return reinvite_send(c, c->peer_update, false);
}

/* ---- direct media ------------------------------------------------------------------ */

static void dm_fire(void *arg)
{
	struct call *c = arg;
	c->dm_wait = false;
	if (c->dm_failed && c->chan && !c->ended)
		zv_channel_native_update(c->chan);
	dm_sync(c);
}

/* Retry after a 491 (RFC 3261 14.1): 2.1-4 s when we chose the Call-ID
 * (our outbound dialog), else 0-2 s, in 10 ms steps. */
static void dm_retry_later(struct call *c)
{
	if (!c->dm_armed) {
		if (zv_timer_init(&c->dm_timer, zv_loop_current(), dm_fire, c) < 0)
			return;
		c->dm_armed = true;
	}
	unsigned ms = c->outbound ? 2100 + (unsigned)(random() % 191) * 10
				  : (unsigned)(random() % 201) * 10;
	c->dm_wait = true;
	zv_timer_start(&c->dm_timer, ms, 0);
}

/* Send the offer that makes the far end's media go where the bridge
 * wants, once no other offer is under way in either direction (RFC 3261
 * 14.1: our INVITE's ACK, their re-INVITE's ACK, a refresh, a 491 wait). */
static void dm_sync(struct call *c)
{
	if (c->ended || !c->chan || !c->answered || c->late_offer || c->dm_busy || c->dm_wait ||
	    c->se_busy || c->invite_st || c->invite_ct || c->ack_pending || c->reinvite_ack ||
	    c->dm_in_reinvite || c->held)
		return;
	if (c->dm_want == c->dm_told &&
	    (!c->dm_want ||
	     (c->dm_want_port == c->dm_told_port && !strcmp(c->dm_want_addr, c->dm_told_addr))))
		return;
	zv_verb(4, "%s: %s to %s", zv_channel_name(c->chan), c->dm_update ? "UPDATE" : "re-INVITE",
		c->dm_want ? "send media to the peer directly" : "take media back");
	if (reinvite_send(c, c->dm_update, true) < 0 && c->dm_want) {
		/* the bridge is deciding right now: it learns of the
		 * refusal from the timer, not from inside its call */
		c->dm_failed = true;
		dm_retry_later(c);
	}
}

/* The answer to a direct media offer: accepted, the far end sends where
 * it said (and its own address may have moved); 491 (and 500, RFC 3261
 * 14.1) is retried later; any other refusal of a direct offer anchors
 * the call for good (the bridge takes the peer back too). */
static void dm_done(struct call *c, struct se_refresh *r, unsigned status,
		    const struct sip_rx *rx)
{
	c->dm_busy = false;
	if (c->ended || !c->chan)
		return;
	if (status < 300) {
		c->dm_told = r->dm_direct;
		snprintf(c->dm_told_addr, sizeof(c->dm_told_addr), "%s", r->dm_addr);
		c->dm_told_port = r->dm_port;
		zv_verb(3, "%s: media %s", zv_channel_name(c->chan),
			r->dm_direct ? "flows directly to the peer" : "anchored again");
		if (rx) {
			struct call_se_req sr;
			struct call_se se;
			if (call_se_read(&rx->msg, &sr) == 0 &&
			    call_se_uac(&sr, c->timers, c->se.interval, &se) == 0 && se.interval)
				c->se = se;
			se_start(c);
			struct call_media media = c->media;
			if (has_sdp(&rx->msg) && remote_media(rx, &media) == 0 && media.port &&
			    (media.port != c->media.port || strcmp(media.addr, c->media.addr))) {
				/* its answer moved its media: tell the peer */
				c->media.port = media.port;
				memcpy(c->media.addr, media.addr, sizeof(c->media.addr));
				media_set_remote(c);
				zv_channel_native_update(c->chan);
			}
		}
	} else if (status == 491 || status == 500) {
		zv_verb(3, "%s: %u to our %s: again later", zv_channel_name(c->chan), status,
			r->update ? "UPDATE" : "re-INVITE");
		dm_retry_later(c);
		return;
	} else if (r->update && (status == 405 || status == 501)) {
		c->dm_update = false; /* no UPDATE there: re-INVITE */
	} else if (status == 408 || status == 481) {
		zv_notice("%s: %u to our re-INVITE", zv_channel_name(c->chan), status);
		zv_channel_set_hangupcause(c->chan, ZV_CAUSE_NO_USER_RESPONSE);
		zv_channel_softhangup(c->chan, 0);
		return;
	} else {
		zv_notice("%s: direct media refused (%u): media stays anchored",
			  zv_channel_name(c->chan), status);
		if (r->dm_direct) {
			c->dm_failed = true;
			zv_channel_native_update(c->chan);
		}
	}
	dm_sync(c);
}

/* Is an address of an SDP the host signalling came from?  (NAT: it is
 * not, for disable_direct_media_on_nat.) */
static bool dm_behind_nat(const struct call *c)
{
	struct sip_sockaddr a;
	if (!c->sig_src_set || ip_parse(c->media.addr, 0, &a) < 0)
		return false;
	const struct sockaddr *x = (const struct sockaddr *)&a.ss;
	const struct sockaddr *y = (const struct sockaddr *)&c->sig_src.ss;
	if (x->sa_family != y->sa_family)
		return true;
	if (x->sa_family == AF_INET)
		return memcmp(&((const struct sockaddr_in *)x)->sin_addr,
			      &((const struct sockaddr_in *)y)->sin_addr, sizeof(struct in_addr)) != 0;
	return memcmp(&((const struct sockaddr_in6 *)x)->sin6_addr,
		      &((const struct sockaddr_in6 *)y)->sin6_addr, sizeof(struct in6_addr)) != 0;
}

static void se_fire(void *arg)
{
	struct call *c = arg;
	if (c->ended || !c->chan)
		return;
	if (c->se.we_refresh) {
		zv_verb(4, "%s: session refresh (%u s)", zv_channel_name(c->chan), c->se.interval);
		if (c->se_busy || se_refresh_send(c) < 0)
			se_start(c);
		return;
	}
	zv_notice("%s: session timer expired (%u s without a refresh)", zv_channel_name(c->chan),
		  c->se.interval);
	zv_channel_set_hangupcause(c->chan, ZV_CAUSE_NO_USER_RESPONSE);
	zv_channel_softhangup(c->chan, 0);
}

/* A refresh received (re-INVITE, UPDATE): negotiate as the UAS again.
 * Returns the status to refuse it with (422, 421) or 0. */
static unsigned se_refreshed(struct call *c, const struct sip_rx *rx)
{
	struct call_se_req sr;
	struct call_se se;
	if (call_se_read(&rx->msg, &sr) < 0)
		return 400;
	int st = call_se_uas(&sr, c->timers, c->min_se, c->sess_expires, &se);
	if (st)
		return (unsigned)st;
	if (se.interval)
		c->se = se;
	if (c->answered)
		se_start(c);
	return 0;
}

/* Refuse a request for its session timer (422 with our Min-SE, 421). */
static void se_refuse(struct sip_stsx *st, unsigned status, unsigned min_se)
{
	char extra[64];
	if (status == 422)
		snprintf(extra, sizeof(extra), "Min-SE: %u\r\n", min_se);
	else
		snprintf(extra, sizeof(extra), "Require: timer\r\n");
	sip_stsx_respond(st, status, status == 400 ? "Bad Session-Expires" : NULL, NULL,
			 status == 400 ? NULL : extra, NULL, NULL);
}

/* ---- channel technology ---------------------------------------------------------- */

static struct call *chan_call(struct zv_channel *chan)
{
	return zv_channel_tech_pvt(chan);
}

static int tech_answer(struct zv_channel *chan)
{
	struct call *c = chan_call(chan);
	if (!c || c->ended)
		return -EPIPE;
	if (c->answered)
		return 0;
	int err = invite_respond(c, 200, true, NULL);
	if (!err) {
		c->answered = true;
		se_start(c);
	}
	return err;
}

static int tech_indicate(struct zv_channel *chan, enum zv_control control)
{
	struct call *c = chan_call(chan);
	if (!c || c->ended)
		return -EPIPE;
	switch (control) {
	case ZV_CONTROL_RINGING:
		return c->answered ? 0 : invite_respond(c, 180, false, NULL);
	case ZV_CONTROL_PROGRESS:
		if (c->answered || c->early_sent)
			return 0;
		c->early_sent = true;
		return invite_respond(c, 183, true, NULL);
	case ZV_CONTROL_BUSY:
	case ZV_CONTROL_CONGESTION: {
		if (c->answered)
			return 0;
		bool busy = control == ZV_CONTROL_BUSY;
		int err = invite_respond(c, busy ? 486 : 503, false, NULL);
		/* The final response ends the INVITE: no BYE will come, so the
		 * channel (Busy()/Congestion() waiting) hangs up now. */
		if (!err)
			zv_channel_softhangup(chan, busy ? ZV_CAUSE_USER_BUSY : ZV_CAUSE_CONGESTION);
		return err;
	}
	default:
		return 0;
	}
}

static void tech_hangup(struct zv_channel *chan)
{
	struct call *c = chan_call(chan);
	if (!c)
		return;
	c->ended = true;
	if (c->invite_st)
		invite_respond(c, cause_to_status(zv_channel_hangupcause(chan)), false, NULL);
	else if (c->answered && !c->bye_rx)
		send_bye(c);
	else if (c->invite_ct) {
		c->cancel_elsewhere = zv_channel_hangupcause(chan) == 26;
		if (c->invite_1xx)
			send_cancel(c);
		else
			c->cancel_wait = true;
	}
	if (c->rtp) {
		zv_rtp_free(c->rtp);
		c->rtp = NULL;
	}
	if (c->se_armed)
		zv_timer_stop(&c->se_timer);
	if (c->rel_armed)
		zv_timer_stop(&c->rel_timer);
	if (c->ack_armed)
		zv_timer_stop(&c->ack_timer);
	if (c->dm_armed)
		zv_timer_stop(&c->dm_timer);
	call_unlink(c);
	zv_channel_set_tech_pvt(chan, NULL);
	c->chan = NULL;
	zv_unref(chan);
	zv_unref(c); /* the driver's reference */
}

static int tech_write(struct zv_channel *chan, const struct zv_frame *f)
{
	struct call *c = chan_call(chan);
	if (!c || !c->rtp || c->held)
		return 0;
	const struct zv_codec_info *ci = zv_codec_get(f->codec);
	if (!ci || f->codec != c->media.codec)
		return -EINVAL;
	if (!c->answered && c->invite_st && !c->early_sent) {
		/* Audio before the answer (ringback, music, a prompt with
		 * noanswer) needs early media: 183 with our SDP first. */
		c->early_sent = true;
		invite_respond(c, 183, true, NULL);
	}
	uint32_t ts = (uint32_t)((uint64_t)f->samples * ci->rtp_clock / ci->rate);
	return zv_rtp_send(c->rtp, c->media.pt, f->data, f->len, ts, false);
}

/* dtmf_mode=info (or auto_info without telephone-event): an INFO with
 * application/dtmf-relay, once the dialog is confirmed. */
static int send_info_digit(struct call *c, char digit, unsigned duration_ms)
{
	if (!c->answered || c->bye_rx)
		return -EPIPE;
	struct sip_buf body;
	sip_buf_init(&body);
	call_info_body(&body, digit, duration_ms);
	int err = body.oom ? -ENOMEM
			   : send_in_dialog(c, SIP_METHOD_INFO, "INFO", "application/dtmf-relay",
					    body.p);
	sip_buf_free(&body);
	return err;
}

static int tech_send_digit(struct zv_channel *chan, char digit, unsigned duration_ms)
{
	struct call *c = chan_call(chan);
	if (!c || c->ended)
		return -EPIPE;
	if (c->dtmf_mode == SIP_DTMF_INFO ||
	    (c->dtmf_mode == SIP_DTMF_AUTO_INFO && c->media.dtmf_pt < 0))
		return send_info_digit(c, digit, duration_ms ? duration_ms : 100);
	if (!c->rtp)
		return -EPIPE;
	if (c->media.dtmf_pt < 0)
		return -ENOTSUP;
	return zv_rtp_send_dtmf(c->rtp, digit, duration_ms ? duration_ms : 100);
}

/* The native bridge relays our RTP session directly while we neither
 * hold nor look at the audio (inband DTMF). */
static int tech_native_rtp(struct zv_channel *chan, struct zv_channel_rtp *out)
{
	struct call *c = chan_call(chan);
	if (!c || !c->rtp)
		return -ENOENT;
	out->rtp = c->rtp;
	out->pt = c->media.pt;
	out->dtmf_pt = c->media.dtmf_pt;
	out->bypass_ok = !c->held && !c->inband;
	/* Direct media as Asterisk allows it: the endpoint wants it, plain
	 * RTP (no SDES/DTLS), digits as RFC 4733 events or none (not INFO,
	 * not inband: the PBX would have to see them), not behind NAT when
	 * disable_direct_media_on_nat, a confirmed dialog, no refusal yet. */
	bool info = c->dtmf_mode == SIP_DTMF_INFO ||
		    (c->dtmf_mode == SIP_DTMF_AUTO_INFO && c->media.dtmf_pt < 0);
	out->direct_ok = c->dm_enabled && !c->dm_failed && c->answered && !c->late_offer &&
			 !c->media.srtp && !c->media.dtls && !c->inband && !info && !c->held &&
			 c->media.port && !(c->dm_nonat && dm_behind_nat(c));
	snprintf(out->addr, sizeof(out->addr), "%s", c->media.addr);
	out->port = c->media.port;
	return 0;
}

/* The bridge wants the far end's media at peer's far end, or back at our
 * session (peer NULL): offered by dm_sync() when nothing else is under
 * way.  During their own re-INVITE or UPDATE our answer says it. */
static int tech_direct_media(struct zv_channel *chan, const struct zv_channel_rtp *peer)
{
	struct call *c = chan_call(chan);
	if (!c || c->ended)
		return -EPIPE;
	c->dm_want = peer != NULL;
	if (peer) {
		snprintf(c->dm_want_addr, sizeof(c->dm_want_addr), "%s", peer->addr);
		c->dm_want_port = peer->port;
	}
	dm_sync(c);
	return 0;
}

static const struct zv_channel_tech tech_pjsip = {
	.type = "PJSIP",
	.description = "PJSIP-compatible SIP channel driver",
	.call = tech_call,
	.answer = tech_answer,
	.hangup = tech_hangup,
	.indicate = tech_indicate,
	.send_digit = tech_send_digit,
	.write = tech_write,
	.native_rtp = tech_native_rtp,
	.direct_media = tech_direct_media,
};

static const struct zv_channel_tech tech_sip = {
	.type = "SIP",
	.description = "chan_sip-compatible SIP channel driver",
	.call = tech_call,
	.answer = tech_answer,
	.hangup = tech_hangup,
	.indicate = tech_indicate,
	.send_digit = tech_send_digit,
	.write = tech_write,
	.native_rtp = tech_native_rtp,
	.direct_media = tech_direct_media,
};

/* ---- inbound INVITE ----------------------------------------------------------------- */

/* The dialog state of a UAS from the INVITE. */
static int dialog_init(struct call *c, struct sip_stsx *st, const struct sip_rx *rx,
		       const struct sip_endpoint *ep)
{
	const struct sip_msg *m = &rx->msg;
	struct sip_addr contact;
	const struct sip_hdr *ch = sip_msg_hdr(m, SIP_HDR_CONTACT);
	if (!ch || sip_addr_parse(ch->value, &contact) || contact.star || !contact.uri.len)
		return -EBADMSG;
	struct sip_buf routes;
	char first[512];
	sip_buf_init(&routes);
	if (sip_uac_route_set(rx, false, &routes, first, sizeof(first)) || routes.oom) {
		sip_buf_free(&routes);
		return -EBADMSG;
	}
	c->route_lines = sip_buf_take(&routes);
	c->call_id = dup_str(m->call_id);
	c->local_tag = strdup(sip_stsx_to_tag(st));
	c->remote_tag = dup_str(m->from.tag);
	c->remote_target = dup_str(contact.uri);
	c->remote_hdr = dup_str(sip_msg_hdr(m, SIP_HDR_FROM)->value);
	struct zv_str to = sip_msg_hdr(m, SIP_HDR_TO)->value;
	if (asprintf(&c->local_hdr, "%.*s;tag=%s", ZV_STR_FMT(to), c->local_tag) < 0)
		c->local_hdr = NULL;
	c->target.tp = rx->tp;
	c->target.conn = rx->conn ? sip_conn_ref(rx->conn) : NULL;
	const char *hop = first[0] ? first : c->remote_target;
	c->rewrite_contact = ep->rewrite_contact || ep->force_rport;
	if (c->rewrite_contact || sip_uac_uri_addr(hop, &c->target.addr))
		c->target.addr = rx->src;
	char hp[80];
	if (sip_uac_local_hostport(rx->tp, &rx->src, hp, sizeof(hp)))
		sip_sockaddr_str(sip_tp_local(rx->tp), hp, sizeof(hp));
	c->via_hostport = strdup(hp);
	if (asprintf(&c->contact, "sip:%s%s", hp, sip_uac_transport_param(rx->tp)) < 0)
		c->contact = NULL;
	/* The address media is bound to: our host without the port. */
	snprintf(c->local_ip, sizeof(c->local_ip), "%s", hp[0] == '[' ? hp + 1 : hp);
	char *cut = strrchr(c->local_ip, hp[0] == '[' ? ']' : ':');
	if (cut)
		*cut = '\0';
	c->cseq = (uint32_t)(random() % 10000) + 1;
	if (!c->call_id || !c->local_tag || !c->remote_tag || !c->remote_target ||
	    !c->remote_hdr || !c->local_hdr || !c->via_hostport || !c->contact)
		return -ENOMEM;
	return 0;
}

static bool has_sdp(const struct sip_msg *m)
{
	const struct sip_hdr *ct = sip_msg_hdr(m, SIP_HDR_CONTENT_TYPE);
	return ct && m->body.len && zv_str_has_prefix_ci(ct->value, "application/sdp");
}

/* Parse and negotiate the INVITE's offer into c->media; answers the
 * INVITE and returns <0 when it cannot be used, 1 for an INVITE without
 * SDP (a late offer: we offer in the 183/200). */
static int offer_take(struct sip_stsx *st, const struct sip_rx *rx,
		      const struct sip_endpoint *ep, struct call_media *out)
{
	if (!rx->msg.body.len)
		return 1;
	if (!has_sdp(&rx->msg)) {
		sip_stsx_respond(st, 415, NULL, NULL, "Accept: application/sdp\r\n", NULL, NULL);
		return -ENOTSUP;
	}
	static _Thread_local void *sdp_mem; /* zv_thread_scratch(): 17 KB, call threads only */
	struct sdp_session *sdp = zv_thread_scratch(&sdp_mem, sizeof(*sdp));
	if (!sdp) {
		sip_stsx_respond(st, 500, NULL, NULL, NULL, NULL, NULL);
		return -ENOMEM;
	}
	if (sdp_parse(rx->msg.body.p, rx->msg.body.len, sdp) < 0) {
		zv_notice("Bad SDP from %s: line %u: %s", ep->def.name, sdp->err_line,
			  sdp->err ? sdp->err : "?");
		sip_stsx_respond(st, 400, "Bad SDP", NULL, NULL, NULL, NULL);
		return -EBADMSG;
	}
	int err = call_negotiate(sdp, ep, out);
	if (err) {
		zv_notice("No codec in common with %s's offer", ep->def.name);
		sip_stsx_respond(st, 488, NULL, NULL, NULL, NULL, NULL);
		return err;
	}
	return 0;
}

/* sip.conf's jbenable+jbforce: the jitter buffer on a SIP/ channel's
 * received audio (PJSIP/ channels use JITTERBUFFER(), as in Asterisk). */
static void chan_jb_setup(struct zv_channel *chan, const struct sip_endpoint *ep)
{
	struct sip_config *cfg = sip_config_ref_current();
	const struct sip_global *g = cfg ? sip_config_global(cfg) : NULL;
	if (g && ep->def.kind == SIP_CONF_SIP && g->jb_enable && g->jb_force) {
		struct zv_jb_conf jb = {
			.adaptive = g->jb_adaptive,
			.max_size_ms = g->jb_max_ms ? g->jb_max_ms : ZV_JB_DEFAULT_MAX_MS,
			.resync_threshold_ms = g->jb_resync_ms,
			.target_extra_ms = g->jb_extra_ms,
		};
		zv_channel_set_jitterbuffer(chan, &jb);
	}
	zv_unref(cfg);
}

/* Caller id and the channel's settings from the endpoint and the INVITE. */
static void chan_setup(struct zv_channel *chan, const struct sip_endpoint *ep,
		       const struct sip_rx *rx, const char *exten)
{
	const struct sip_msg *m = &rx->msg;
	char num[80], name[80] = "";
	sip_uri_user(m->from.uri, num, sizeof(num));
	if (m->from.display.len)
		zv_str_copy(m->from.display, name, sizeof(name));
	const char *cid_num = ep->callerid_number ? ep->callerid_number : num;
	const char *cid_name = ep->callerid_name ? ep->callerid_name : name;
	int name_pres = ep->callerid_pres, num_pres = ep->callerid_pres;
	struct call_identity id;
	if (ep->trust_id_inbound && call_identity_read(m, &id) == 0) {
		/* A trusted peer asserts who calls (PAI, else RPID), and
		 * whether it may be shown (Privacy: id, RPID privacy=): the
		 * number is kept, marked prohibited. */
		cid_num = id.num;
		cid_name = id.name;
		name_pres = id.name_pres;
		num_pres = id.num_pres;
	}
	zv_channel_set_cid(chan, cid_name[0] ? cid_name : NULL, cid_num[0] ? cid_num : NULL);
	zv_channel_set_cid_pres(chan, name_pres, num_pres);
	zv_channel_set_cid_extra(chan, exten, NULL, cid_num[0] ? cid_num : NULL);
	if (ep->language)
		zv_channel_set_language(chan, ep->language);
	if (ep->accountcode)
		zv_channel_set_accountcode(chan, ep->accountcode);
	zv_channel_set_groups(chan, ep->call_group, ep->pickup_group);
	zv_channel_set_named_groups(chan, ep->named_call_group, ep->named_pickup_group);
	for (size_t i = 0; i < ep->nset_vars; i++)
		zv_channel_var_set(chan, ep->set_vars[i].name, ep->set_vars[i].value);
	char callid[256];
	zv_str_copy(m->call_id, callid, sizeof(callid));
	zv_channel_var_set(chan, "SIPCALLID", callid);
	chan_jb_setup(chan, ep);
}

/* A late offer: our offer (the endpoint's codecs) for the 183/200, and
 * until the answer in the ACK the first of them as the channel's codec. */
static int late_offer_make(struct call *c, const struct sip_endpoint *ep)
{
	struct sip_buf body;
	sip_buf_init(&body);
	sdp_offer(c, ep, &body);
	if (body.oom) {
		sip_buf_free(&body);
		return -ENOMEM;
	}
	c->offer = sip_buf_take(&body);
	for (size_t i = 0; i < ep->ncodecs; i++) {
		const struct zv_codec_info *ci = zv_codec_by_name(ep->codecs[i]->name);
		if (!ci || ci->id >= ZV_CODEC_SLIN)
			continue;
		c->media.codec = ci->id;
		c->media.pt = ci->rtp_pt >= 0 ? (uint8_t)ci->rtp_pt : 96;
		return 0;
	}
	return -ENOENT;
}

/* The ACK of our 2xx to a late offer carries the answer: take it, or
 * end the call (BYE) when it has none we can use. */
static void late_answer(struct call *c, const struct sip_rx *rx)
{
	c->late_offer = false;
	if (answer_take(c, rx) < 0) {
		zv_notice("%s: no usable SDP answer in the ACK", zv_channel_name(c->chan));
		zv_channel_set_hangupcause(c->chan, ZV_CAUSE_BEARERCAPABILITY_NOTAVAIL);
		zv_channel_softhangup(c->chan, 0);
		return;
	}
	media_set_remote(c);
	inband_setup(c);
	zv_channel_set_native_codec(c->chan, c->media.codec);
}

static void on_invite_new(struct sip_stsx *st, const struct sip_rx *rx)
{
	char retry[40]; /* zvonok.conf overload_retry_after */
	snprintf(retry, sizeof(retry), "Retry-After: %u\r\n", zv_core_retry_after());
	if (!zv_core_accepting_calls()) {
		/* core stop gracefully, or maxcalls reached */
		sip_stsx_respond(st, 503, NULL, NULL, retry, NULL, NULL);
		return;
	}
	struct sip_config *cfg = sip_config_ref_current();
	if (!cfg) {
		sip_stsx_respond(st, 503, NULL, NULL, retry, NULL, NULL);
		return;
	}
	const struct sip_endpoint *ep = sip_registrar_authenticate(st, rx, cfg, "INVITE");
	struct call *c = NULL;
	if (!ep)
		goto out;
	struct call_se_req sr;
	struct call_se se;
	int sst = call_se_read(&rx->msg, &sr) < 0 ? 400
						  : call_se_uas(&sr, ep->timers, ep->timers_min_se,
								ep->timers_sess_expires, &se);
	if (sst) {
		se_refuse(st, (unsigned)sst, ep->timers_min_se);
		goto out;
	}
	bool rel_sup = call_msg_has_tag(&rx->msg, SIP_HDR_SUPPORTED, "100rel") ||
		       call_msg_has_tag(&rx->msg, SIP_HDR_REQUIRE, "100rel");
	if (ep->rel100 == SIP_FEATURE_NO && call_msg_has_tag(&rx->msg, SIP_HDR_REQUIRE, "100rel")) {
		sip_stsx_respond(st, 420, NULL, NULL, "Unsupported: 100rel\r\n", NULL, NULL);
		goto out;
	}
	if (ep->rel100 == SIP_FEATURE_REQUIRED && !rel_sup) {
		sip_stsx_respond(st, 421, NULL, NULL, "Require: 100rel\r\n", NULL, NULL);
		goto out;
	}
	struct call_media media = {.dtmf_pt = -1};
	int late = offer_take(st, rx, ep, &media);
	if (late < 0)
		goto out;
	c = zv_obj_alloc(sizeof(*c), call_destroy);
	if (!c) {
		sip_stsx_respond(st, 500, NULL, NULL, NULL, NULL, NULL);
		goto out;
	}
	c->media = media;
	c->late_offer = late > 0;
	c->se = se;
	c->rel100 = rel_sup && ep->rel100 != SIP_FEATURE_NO;
	c->timers = ep->timers;
	c->dm_enabled = ep->direct_media;
	c->dm_update = ep->direct_media_update;
	c->dm_nonat = ep->direct_media_nonat;
	c->sig_src = rx->src;
	c->sig_src_set = true;
	c->min_se = ep->timers_min_se;
	c->sess_expires = ep->timers_sess_expires;
	c->peer_update = sr.allow_update;
	c->send_pai = ep->send_pai;
	c->send_rpid = ep->send_rpid;
	c->trust_id = ep->trust_id_inbound;
	c->trust_out = ep->trust_id_outbound;
	c->invite_cseq = rx->msg.cseq.seq;
	c->dtmf_mode = ep->dtmf_mode;
	c->invite_st = st;
	c->sess_id = (uint64_t)random() << 16 ^ (uint64_t)random();
	c->sdp_version = 1;
	if (dialog_init(c, st, rx, ep) < 0) {
		sip_stsx_respond(st, 400, "Bad Contact or Record-Route", NULL, NULL, NULL, NULL);
		goto out;
	}
	if (media_open(c, ep) < 0) {
		zv_warn("No RTP port for a call from %s", ep->def.name);
		sip_stsx_respond(st, 503, NULL, NULL, retry, NULL, NULL);
		goto out;
	}
	if (c->media.srtp && (zv_rtp_srtp_set_remote_key(c->rtp, c->media.suite,
							 c->media.remote_key) < 0 ||
			      zv_rtp_srtp_local_key(c->rtp, c->media.suite, c->media.local_key,
						    sizeof(c->media.local_key)) < 0)) {
		zv_notice("Unusable SRTP key from %s", ep->def.name);
		sip_stsx_respond(st, 488, NULL, NULL, NULL, NULL, NULL);
		goto out;
	}
	if (c->late_offer && late_offer_make(c, ep) < 0) {
		sip_stsx_respond(st, 500, NULL, NULL, NULL, NULL, NULL);
		goto out;
	}
	if (!c->late_offer)
		inband_setup(c);
	char exten[80];
	sip_uri_user(zv_str_make(rx->msg.ruri.p, rx->msg.ruri.len), exten, sizeof(exten));
	if (!exten[0])
		snprintf(exten, sizeof(exten), "s");
	const struct zv_channel_tech *tech = ep->host ? &tech_sip : &tech_pjsip;
	struct zv_channel *chan = zv_channel_alloc(tech, ep->def.name, c,
						   ep->context ? ep->context : "default", exten,
						   ZV_STATE_RING);
	if (!chan) {
		sip_stsx_respond(st, 500, NULL, NULL, NULL, NULL, NULL);
		goto out;
	}
	c->chan = chan; /* the allocation's reference */
	zv_channel_set_native_codec(chan, c->media.codec);
	chan_setup(chan, ep, rx, exten);
	if (call_link(c) < 0) {
		c->chan = NULL;
		zv_channel_set_tech_pvt(chan, NULL);
		zv_channel_destroy(chan);
		zv_unref(chan);
		sip_stsx_respond(st, 500, NULL, NULL, NULL, NULL, NULL);
		goto out;
	}
	zv_verb(3, "Incoming call %s from %s to %s@%s (%s)", zv_channel_name(chan), ep->def.name,
		exten, zv_channel_context(chan),
		c->late_offer ? "late offer" : zv_codec_get(c->media.codec)->name);
	zv_ref(c); /* the driver's reference, dropped by tech_hangup */
	if (zv_pbx_start(chan) < 0) {
		zv_channel_set_hangupcause(chan, ZV_CAUSE_SWITCH_CONGESTION);
		zv_channel_destroy(chan);
	}
out:
	zv_unref(c);
	zv_unref(cfg);
}

/* A re-INVITE: new offer (hold/resume, address change), same codec. */
/* Target refresh (RFC 3261 12.2.2): a re-INVITE's Contact becomes the
 * dialog's remote target (the route set stays). */
static void target_refresh(struct call *c, const struct sip_rx *rx)
{
	const struct sip_hdr *ch = sip_msg_hdr(&rx->msg, SIP_HDR_CONTACT);
	struct sip_addr contact;
	if (!ch || sip_addr_parse(ch->value, &contact) || contact.star || !contact.uri.len)
		return;
	if (zv_str_eq_cstr(contact.uri, c->remote_target))
		return;
	char *t = dup_str(contact.uri);
	if (!t)
		return;
	free(c->remote_target);
	c->remote_target = t;
	struct sip_sockaddr a;
	if (!c->route_lines[0] && !c->target.conn && !c->rewrite_contact &&
	    sip_uac_uri_addr(t, &a) == 0)
		c->target.addr = a;
}

/* A new offer in the dialog (re-INVITE, UPDATE): keep the codec, take
 * the address and direction (hold/resume), answer 200 with our SDP. */
/* The audio address and direction of an SDP in the dialog (the codec
 * stays) into media; -EBADMSG when it does not parse. */
static int remote_media(const struct sip_rx *rx, struct call_media *media)
{
	static _Thread_local void *sdp_mem; /* zv_thread_scratch(): 17 KB, call threads only */
	struct sdp_session *sdp = zv_thread_scratch(&sdp_mem, sizeof(*sdp));
	if (!sdp)
		return -ENOMEM;
	if (sdp_parse(rx->msg.body.p, rx->msg.body.len, sdp) < 0)
		return -EBADMSG;
	for (unsigned i = 0; i < sdp->n_media; i++) {
		const struct sdp_media *m = &sdp->media[i];
		if (m->type != SDP_MEDIA_AUDIO)
			continue;
		media->dir = m->dir;
		media->port = m->port;
		zv_str_copy(m->conn.addr, media->addr, sizeof(media->addr));
		if (!strcmp(media->addr, "0.0.0.0"))
			media->dir = SDP_DIR_INACTIVE; /* RFC 2543 hold */
		break;
	}
	return 0;
}

/* Take them: RTP to the new address, HOLD/UNHOLD when sendonly or
 * inactive comes or goes. */
static void media_update(struct call *c, const struct call_media *media)
{
	bool hold = media->dir == SDP_DIR_SENDONLY || media->dir == SDP_DIR_INACTIVE;
	bool moved = media->port != c->media.port || strcmp(media->addr, c->media.addr);
	c->media = *media;
	if (c->rtp && media->port)
		media_set_remote(c);
	if (hold != c->held) {
		c->held = hold;
		if (c->chan) {
			zv_channel_native_update(c->chan);
			zv_channel_queue_control(c->chan, hold ? ZV_CONTROL_HOLD : ZV_CONTROL_UNHOLD);
		}
	} else if (moved && media->port && c->chan) {
		zv_channel_native_update(c->chan); /* direct media follows it */
	}
}

/* A re-INVITE without SDP asks us to offer: sendrecv in the 200, the
 * answer comes in the ACK (RFC 3261 14.2). */
static void reoffer(struct call *c, struct sip_stsx *st, const struct sip_rx *rx)
{
	struct call_media media = c->media;
	bool offer = !has_sdp(&rx->msg);
	if (!offer && remote_media(rx, &media) < 0) {
		sip_stsx_respond(st, 400, "Bad SDP", NULL, NULL, NULL, NULL);
		return;
	}
	/* The bridge may change its mind about direct media while the offer
	 * is taken (a hold anchors): our answer carries where it wants the
	 * media now, and that is what the far end was told. */
	c->dm_in_reinvite = true;
	media_update(c, &media);
	c->dm_in_reinvite = false;
	bool was = c->dm_told;
	c->dm_told = c->dm_want && !c->held;
	if (was != c->dm_told && c->chan)
		zv_verb(3, "%s: media %s (our answer)", zv_channel_name(c->chan),
			c->dm_told ? "flows directly to the peer" : "anchored again");
	if (c->dm_told) {
		memcpy(c->dm_told_addr, c->dm_want_addr, sizeof(c->dm_told_addr));
		c->dm_told_port = c->dm_want_port;
	}
	enum sdp_dir dir = c->media.dir;
	if (offer && rx->msg.method == SIP_METHOD_INVITE) {
		dir = SDP_DIR_SENDRECV;
		c->reoffer_cseq = rx->msg.cseq.seq;
	}
	if (rx->msg.method == SIP_METHOD_INVITE)
		c->reinvite_ack = true; /* no offer of ours until its ACK */
	struct sip_buf body;
	sip_buf_init(&body);
	sdp_dialog(c, &body, dir);
	struct sip_buf extra;
	sip_buf_init(&extra);
	sip_buf_printf(&extra, "Contact: <%s>\r\n", c->contact);
	call_se_lines(&extra, &c->se);
	sip_stsx_respond(st, 200, NULL, c->local_tag, extra.p, "application/sdp", body.p);
	sip_buf_free(&extra);
	sip_buf_free(&body);
}

static void on_reinvite(struct call *c, struct sip_stsx *st, const struct sip_rx *rx)
{
	if (c->dm_busy || c->se_busy) {
		/* Glare: our re-INVITE is under way (RFC 3261 14.2). */
		sip_stsx_respond(st, 491, NULL, NULL, NULL, NULL, NULL);
		return;
	}
	unsigned refuse = se_refreshed(c, rx);
	if (refuse) {
		se_refuse(st, refuse, c->min_se);
		return;
	}
	target_refresh(c, rx);
	reoffer(c, st, rx);
}

/* UPDATE (RFC 3311) in the early or the confirmed dialog: an SDP offer
 * is taken as a re-INVITE's; without SDP it only refreshes the session
 * (and the target).  491 while our own late offer is unanswered. */
static void on_update(struct sip_stsx *st, const struct sip_rx *rx)
{
	struct call *c = rx->msg.to.has_tag ? call_find(rx->msg.call_id, rx->msg.to.tag) : NULL;
	if (!c || c->ended) {
		sip_stsx_respond(st, 481, NULL, NULL, NULL, NULL, NULL);
		return;
	}
	if ((c->late_offer || c->dm_busy || c->se_busy) && has_sdp(&rx->msg)) {
		sip_stsx_respond(st, 491, NULL, NULL, NULL, NULL, NULL);
		return;
	}
	unsigned refuse = se_refreshed(c, rx);
	if (refuse) {
		se_refuse(st, refuse, c->min_se);
		return;
	}
	target_refresh(c, rx);
	if (has_sdp(&rx->msg)) {
		reoffer(c, st, rx);
		return;
	}
	struct sip_buf extra;
	sip_buf_init(&extra);
	sip_buf_printf(&extra, "Contact: <%s>\r\n", c->contact);
	call_se_lines(&extra, &c->se);
	sip_stsx_respond(st, 200, NULL, c->local_tag, extra.p, NULL, NULL);
	sip_buf_free(&extra);
}

static void on_invite(struct sip_stsx *st, const struct sip_rx *rx)
{
	if (rx->msg.to.has_tag) {
		struct call *c = call_find(rx->msg.call_id, rx->msg.to.tag);
		if (!c || c->ended) {
			sip_stsx_respond(st, 481, NULL, NULL, NULL, NULL, NULL);
			return;
		}
		on_reinvite(c, st, rx);
		return;
	}
	on_invite_new(st, rx);
}

static void on_ack(struct sip_stsx *st, const struct sip_rx *rx)
{
	/* The transaction layer stopped the 2xx retransmissions already. */
	struct call *c = call_find(rx->msg.call_id, rx->msg.to.tag);
	if (!c)
		return;
	if (c->reinvite_ack && (c->outbound || rx->msg.cseq.seq != c->invite_cseq)) {
		/* their re-INVITE is over: an offer of ours may go */
		c->reinvite_ack = false;
		dm_sync(c);
	}
	if (c->outbound)
		return;
	if (c->reoffer_cseq && rx->msg.cseq.seq == c->reoffer_cseq) {
		/* the answer to the offer in our 200 to a re-INVITE */
		c->reoffer_cseq = 0;
		struct call_media media = c->media;
		if (!c->ended && has_sdp(&rx->msg) && remote_media(rx, &media) == 0)
			media_update(c, &media);
		return;
	}
	if (rx->msg.cseq.seq != c->invite_cseq)
		return;
	if (c->ack_armed)
		zv_timer_stop(&c->ack_timer);
	c->ack_pending = false;
	if (c->chan && !c->ended && c->late_offer && c->answered)
		late_answer(c, rx);
	dm_sync(c);
}

static void on_bye(struct sip_stsx *st, const struct sip_rx *rx)
{
	struct call *c = call_find(rx->msg.call_id, rx->msg.to.tag);
	if (!c) {
		sip_stsx_respond(st, 481, NULL, NULL, NULL, NULL, NULL);
		return;
	}
	sip_stsx_respond(st, 200, NULL, NULL, NULL, NULL, NULL);
	c->bye_rx = true;
	if (c->chan)
		zv_channel_softhangup(c->chan, ZV_CAUSE_NORMAL_CLEARING);
}

/* PRACK (RFC 3262) of our reliable provisional: RAck "RSeq CSeq INVITE"
 * must match the outstanding one (else 481); a 2xx waiting for it goes. */
static void on_prack(struct sip_stsx *st, const struct sip_rx *rx)
{
	struct call *c = rx->msg.to.has_tag ? call_find(rx->msg.call_id, rx->msg.to.tag) : NULL;
	const struct sip_hdr *h = sip_msg_hdr(&rx->msg, SIP_HDR_RACK);
	unsigned rseq = 0, cseq = 0;
	char method[16] = "";
	char text[64];
	if (h)
		zv_str_copy(h->value, text, sizeof(text));
	if (!c || c->ended || !h || sscanf(text, "%u %u %15s", &rseq, &cseq, method) != 3 ||
	    !c->rel_status || rseq != c->rseq || cseq != c->invite_cseq ||
	    strcasecmp(method, "INVITE")) {
		sip_stsx_respond(st, 481, NULL, NULL, NULL, NULL, NULL);
		return;
	}
	zv_timer_stop(&c->rel_timer);
	c->rel_status = 0;
	sip_stsx_respond(st, 200, NULL, NULL, NULL, NULL, NULL);
	if (c->late_offer && c->chan && has_sdp(&rx->msg))
		late_answer(c, rx); /* our offer went in the reliable 18x */
	unsigned next = c->rel_next;
	c->rel_next = 0;
	if (c->answer_waits) {
		c->answer_waits = false;
		invite_respond(c, 200, true, NULL);
	} else if (next) {
		invite_respond(c, next, c->rel_next_sdp, NULL);
	}
}

/* INFO in a dialog: a DTMF digit (application/dtmf-relay or
 * application/dtmf) goes to the channel; an empty INFO is answered 200,
 * other content types 415. */
static void on_info(struct sip_stsx *st, const struct sip_rx *rx)
{
	struct call *c = rx->msg.to.has_tag ? call_find(rx->msg.call_id, rx->msg.to.tag) : NULL;
	if (!c || c->ended) {
		sip_stsx_respond(st, 481, NULL, NULL, NULL, NULL, NULL);
		return;
	}
	if (!rx->msg.body.len) {
		sip_stsx_respond(st, 200, NULL, NULL, NULL, NULL, NULL);
		return;
	}
	const struct sip_hdr *ct = sip_msg_hdr(&rx->msg, SIP_HDR_CONTENT_TYPE);
	char digit;
	unsigned ms;
	int err = ct ? call_info_digit(ct->value, rx->msg.body, &digit, &ms) : -ENOTSUP;
	if (err == -ENOTSUP) {
		sip_stsx_respond(st, 415, NULL, NULL,
				 "Accept: application/dtmf-relay, application/dtmf\r\n", NULL, NULL);
		return;
	}
	if (err) {
		sip_stsx_respond(st, 400, "No DTMF digit", NULL, NULL, NULL, NULL);
		return;
	}
	sip_stsx_respond(st, 200, NULL, NULL, NULL, NULL, NULL);
	if (c->chan) {
		zv_verb(4, "%s: DTMF '%c' in INFO", zv_channel_name(c->chan), digit);
		zv_channel_queue_digit(c->chan, digit);
	}
}

/* CANCEL of an INVITE we have not answered: 487 to it, then hang up. */
static void on_cancel(struct sip_stsx *inv, const struct sip_rx *rx)
{
	const struct sip_rx *ir = sip_stsx_request(inv);
	struct call *found = NULL;
	if (calls && ir) {
		for (struct call *c = calls->buckets[bucket_of(rx->msg.call_id)]; c; c = c->next)
			if (c->invite_st == inv)
				found = c;
	}
	if (!found) {
		sip_stsx_respond(inv, 487, NULL, NULL, NULL, NULL, NULL);
		return;
	}
	invite_respond(found, 487, false, NULL);
	if (found->chan)
		zv_channel_softhangup(found->chan, ZV_CAUSE_NORMAL_CLEARING);
}


/* ---- outbound INVITE ------------------------------------------------------------------- */

struct dest {
	const struct sip_endpoint *ep;
	char user[128]; /* number to call at a trunk, "" for the endpoint itself */
};

/* "200", "number@trunk" (PJSIP), "trunk/number" (SIP). */
static int dest_parse(const struct sip_config *cfg, bool sip_style, const char *dest,
		      struct dest *d)
{
	char name[128];
	const char *sep = strchr(dest, sip_style ? '/' : '@');
	d->user[0] = '\0';
	if (sep) {
		if (sip_style) {
			snprintf(name, sizeof(name), "%.*s", (int)(sep - dest), dest);
			snprintf(d->user, sizeof(d->user), "%s", sep + 1);
		} else {
			snprintf(d->user, sizeof(d->user), "%.*s", (int)(sep - dest), dest);
			snprintf(name, sizeof(name), "%s", sep + 1);
		}
	} else {
		snprintf(name, sizeof(name), "%s", dest);
	}
	d->ep = sip_config_endpoint_find(cfg, name);
	return d->ep ? 0 : -ENOENT;
}

struct found_contact {
	char uri[512];
	struct sip_target target;
	bool found;
};

static int take_contact(void *arg, const struct sip_registrar_contact *rc)
{
	struct found_contact *f = arg;
	if (rc->status == SIP_CONTACT_UNREACHABLE)
		return 0;
	snprintf(f->uri, sizeof(f->uri), "%s", rc->uri);
	f->target = rc->target;
	if (f->target.conn)
		sip_conn_ref(f->target.conn);
	f->found = true;
	return 1;
}

/* "sip:user@host..." from a static contact URI with the user replaced. */
static void uri_with_user(const char *uri, const char *user, char *out, size_t size)
{
	const char *scheme_end = strchr(uri, ':');
	const char *host = strchr(uri, '@');
	if (!user[0] || !scheme_end) {
		snprintf(out, size, "%s", uri);
		return;
	}
	host = host ? host + 1 : scheme_end + 1;
	snprintf(out, size, "%.*s:%s@%s", (int)(scheme_end - uri), uri, user, host);
}

/* Where the call goes: a registered contact of the endpoint, else a
 * static contact of its AORs (an IP literal for now), else the sip.conf
 * static host. */
struct resolve_job {
	char host[256];
	uint16_t port;
	struct sip_sockaddr addr;
	int err;
};

static void resolve_work(void *arg)
{
	struct resolve_job *j = arg;
	j->err = sip_uac_resolve(j->host, j->port, &j->addr);
}

/* Where a URI's host is: an address at once, a name through RFC 3263 on
 * the blocking pool while the calling coroutine (Dial's) waits. */
static int uri_addr(const char *uri, struct sip_sockaddr *addr)
{
	int err = sip_uac_uri_addr(uri, addr);
	if (err != -EAGAIN || !zv_coro_current())
		return err;
	struct resolve_job j = {0};
	if (sip_uac_uri_hostport(uri, j.host, sizeof(j.host), &j.port) < 0)
		return -EINVAL;
	if (zv_coro_blocking(resolve_work, &j) < 0 || j.err < 0)
		return -EHOSTUNREACH;
	*addr = j.addr;
	return 0;
}

static int dest_target(const struct dest *d, struct found_contact *f)
{
	f->found = false;
	sip_registrar_foreach_endpoint(d->ep->def.name, take_contact, f);
	for (size_t i = 0; !f->found && i < d->ep->naors; i++)
		sip_registrar_foreach_aor(d->ep->aors[i]->def.name, take_contact, f);
	for (size_t i = 0; !f->found && i < d->ep->naors; i++) {
		const struct sip_aor *a = d->ep->aors[i];
		for (size_t k = 0; k < a->ncontacts && !f->found; k++) {
			struct sip_target t = {0};
			if (uri_addr(a->contacts[k], &t.addr) < 0)
				continue;
			uri_with_user(a->contacts[k], d->user, f->uri, sizeof(f->uri));
			f->target = t;
			f->found = true;
		}
	}
	if (!f->found && d->ep->host && strcasecmp(d->ep->host, "dynamic")) {
		char uri[300];
		snprintf(uri, sizeof(uri), "sip:%s@%s", d->user[0] ? d->user : d->ep->def.name,
			 d->ep->host);
		struct sip_target t = {0};
		if (uri_addr(uri, &t.addr) == 0) {
			snprintf(f->uri, sizeof(f->uri), "%s", uri);
			f->target = t;
			f->found = true;
		}
	}
	if (!f->found)
		return -ENOENT;
	if (d->user[0] && strchr(f->uri, '@')) {
		/* A registered contact called with a number: keep the contact. */
	}
	if (!f->target.tp) {
		enum sip_tp_proto proto = strcasestr(f->uri, "transport=tcp") ? SIP_TP_TCP : SIP_TP_UDP;
		f->target.tp = sip_tp_find_proto(proto);
	}
	return f->target.tp ? 0 : -ENETUNREACH;
}

/* DTLS-SRTP for our offer: actpass (RFC 5763 5) until the answer. */
static int sdp_offer_dtls(struct call *c, const struct sip_endpoint *ep)
{
	struct zv_dtls_conf conf;
	sip_endpoint_dtls_conf(ep, &conf);
	char err[256];
	struct zv_dtls_ctx *ctx = zv_dtls_ctx_get(&conf, err, sizeof(err));
	if (!ctx) {
		zv_warn("Endpoint %s: no DTLS: %s", ep->def.name, err);
		return -ENOTSUP;
	}
	zv_dtls_ctx_put(ctx); /* cached for good */
	if (zv_rtp_dtls_start(c->rtp, ctx, ZV_DTLS_ACTPASS) < 0)
		return -ENOMEM;
	c->media.dtls = true;
	c->media.dtls_ctx = ctx;
	c->media.dtls_role = ZV_DTLS_ACTPASS;
	c->media.local_setup = "actpass";
	c->media.fp[0] = 0;
	return 0;
}

/* Our offer: the endpoint's codecs in its order, then telephone-event. */
static void sdp_offer(struct call *c, const struct sip_endpoint *ep, struct sip_buf *b)
{
	const char *af = strchr(c->local_ip, ':') ? "IP6" : "IP4";
	sip_buf_printf(b, "v=0\r\no=- %llu %u IN %s %s\r\ns=Zvonok\r\nc=IN %s %s\r\nt=0 0\r\n",
		       (unsigned long long)c->sess_id, c->sdp_version, af, c->local_ip, af,
		       c->local_ip);
	bool sdes = ep->media_encryption == SIP_MEDIA_ENC_SDES;
	bool dtls = ep->media_encryption == SIP_MEDIA_ENC_DTLS && sdp_offer_dtls(c, ep) == 0;
	sip_buf_printf(b, "m=audio %u %s", zv_rtp_local_port(c->rtp),
		       dtls ? "UDP/TLS/RTP/SAVP" : sdes ? "RTP/SAVP" : "RTP/AVP");
	int dyn = 96;
	int pts[ZV_CODEC__COUNT];
	const struct zv_codec_info *cs[ZV_CODEC__COUNT];
	size_t n = 0;
	for (size_t i = 0; i < ep->ncodecs && n < ZV_CODEC__COUNT; i++) {
		const struct zv_codec_info *ci = zv_codec_by_name(ep->codecs[i]->name);
		if (!ci || ci->id >= ZV_CODEC_SLIN)
			continue;
		cs[n] = ci;
		pts[n] = ci->rtp_pt >= 0 ? ci->rtp_pt : dyn++;
		sip_buf_printf(b, " %d", pts[n]);
		n++;
	}
	sip_buf_printf(b, " 101\r\n");
	for (size_t i = 0; i < n; i++) {
		sip_buf_printf(b, "a=rtpmap:%d %s/%u", pts[i], cs[i]->sdp_name, cs[i]->rtp_clock);
		if (cs[i]->sdp_channels)
			sip_buf_printf(b, "/%u", cs[i]->sdp_channels);
		sip_buf_append(b, "\r\n", 2);
	}
	sip_buf_printf(b, "a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\n");
	if (sdes && zv_rtp_srtp_local_key(c->rtp, "AES_CM_128_HMAC_SHA1_80", c->media.local_key,
					  sizeof(c->media.local_key)) == 0) {
		c->media.srtp = true;
		sip_buf_printf(b, "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:%s\r\n",
			       c->media.local_key);
	}
	if (dtls)
		sip_buf_printf(b, "a=setup:actpass\r\na=fingerprint:%s\r\n",
			       zv_dtls_ctx_fingerprint(c->media.dtls_ctx));
	sip_buf_printf(b, "a=ptime:20\r\na=sendrecv\r\n");
}

/* The codec of the answer, by the payload types we offered. */
static int answer_take(struct call *c, const struct sip_rx *rx)
{
	if (!has_sdp(&rx->msg))
		return -ENOENT;
	static _Thread_local void *sdp_mem; /* zv_thread_scratch(): 17 KB, call threads only */
	struct sdp_session *sdp = zv_thread_scratch(&sdp_mem, sizeof(*sdp));
	if (!sdp)
		return -ENOMEM;
	if (sdp_parse(rx->msg.body.p, rx->msg.body.len, sdp) < 0)
		return -EBADMSG;
	for (unsigned i = 0; i < sdp->n_media; i++) {
		const struct sdp_media *m = &sdp->media[i];
		if (m->type != SDP_MEDIA_AUDIO || !m->port)
			continue;
		c->media.dtmf_pt = -1;
		c->media.codec = ZV_CODEC_NONE;
		for (unsigned f = 0; f < m->n_fmts; f++) {
			const struct sdp_rtpmap *map = sdp_media_rtpmap(m, m->pts[f]);
			if (map && zv_str_eq_cstr_ci(map->encoding, "telephone-event")) {
				c->media.dtmf_pt = m->pts[f];
				c->media.dtmf_clock = map->clock_rate;
				continue;
			}
			const struct zv_codec_info *ci = call_pt_codec(m, m->pts[f]);
			if (ci && c->media.codec == ZV_CODEC_NONE) {
				c->media.codec = ci->id;
				c->media.pt = m->pts[f];
			}
		}
		if (c->media.codec == ZV_CODEC_NONE)
			return -ENOENT;
		if (c->media.srtp) {
			/* We offered SDES: the answer must carry a key we take. */
			struct call_media k = {0};
			if (call_pick_crypto(m, &k) < 0 ||
			    zv_rtp_srtp_set_remote_key(c->rtp, k.suite, k.remote_key) < 0)
				return -ENOTSUP;
		}
		if (c->media.dtls) {
			/* We offered DTLS: the answer must say whose certificate. */
			if (!m->fingerprint.len || !m->fingerprint_hash.len)
				return -ENOTSUP;
			zv_str_copy(m->fingerprint_hash, c->media.fp_hash, sizeof(c->media.fp_hash));
			zv_str_copy(m->fingerprint, c->media.fp, sizeof(c->media.fp));
			c->media.dtls_role = call_dtls_role(m->setup, true, NULL);
			c->media.local_setup = call_dtls_setup_name(c->media.dtls_role);
		}
		c->media.dir = m->dir;
		c->media.port = m->port;
		zv_str_copy(m->conn.addr, c->media.addr, sizeof(c->media.addr));
		return 0;
	}
	return -ENOENT;
}

/* The ACK of a 2xx: a new transaction-less request (RFC 3261 13.2.2.4). */
static void send_ack(struct call *c)
{
	ack_send(c, c->invite_cseq);
}

/* The dialog from our INVITE's 2xx: their tag, target and route set. */
static int dialog_confirm(struct call *c, const struct sip_rx *rx)
{
	const struct sip_msg *m = &rx->msg;
	const struct sip_hdr *ch = sip_msg_hdr(m, SIP_HDR_CONTACT);
	struct sip_addr contact;
	if (!ch || sip_addr_parse(ch->value, &contact) || !contact.uri.len)
		return -EBADMSG;
	struct sip_buf routes;
	char first[512];
	sip_buf_init(&routes);
	if (sip_uac_route_set(rx, true, &routes, first, sizeof(first)) || routes.oom) {
		sip_buf_free(&routes);
		return -EBADMSG;
	}
	free(c->route_lines);
	c->route_lines = sip_buf_take(&routes);
	free(c->remote_hdr);
	c->remote_hdr = dup_str(sip_msg_hdr(m, SIP_HDR_TO)->value);
	free(c->remote_tag);
	c->remote_tag = dup_str(m->to.tag);
	free(c->remote_target);
	c->remote_target = dup_str(contact.uri);
	struct sip_sockaddr a;
	const char *hop = first[0] ? first : c->remote_target;
	if (!c->target.conn && sip_uac_uri_addr(hop, &a) == 0 && !c->rewrite_contact)
		c->target.addr = a;
	return c->remote_hdr && c->remote_tag && c->remote_target ? 0 : -ENOMEM;
}

/* Q.850 cause for a final failure answer (the inverse mapping). */
static int status_to_cause(unsigned status)
{
	switch (status) {
	case 404: case 410: case 484: return ZV_CAUSE_UNALLOCATED;
	case 486: case 600: return ZV_CAUSE_USER_BUSY;
	case 408: return ZV_CAUSE_NO_USER_RESPONSE;
	case 480: case 487: return ZV_CAUSE_NO_ANSWER;
	case 403: case 603: return ZV_CAUSE_CALL_REJECTED;
	case 488: case 606: return ZV_CAUSE_BEARERCAPABILITY_NOTAVAIL;
	case 500: case 503: case 504: return ZV_CAUSE_CONGESTION;
	case 301: return ZV_CAUSE_NUMBER_CHANGED;
	default:
		if (status >= 300 && status < 400)
			return ZV_CAUSE_NORMAL_CLEARING; /* a redirect not followed */
		return ZV_CAUSE_NORMAL_TEMPORARY_FAILURE;
	}
}

static int invite_authenticate(struct call *c, const struct sip_rx *rx);
static int invite_send(struct call *c, const char *auth_line);

/*
 * A reliable 18x to our INVITE (Require: 100rel, RSeq; RFC 3262 4): a
 * PRACK in its early dialog (its To tag, Contact and Record-Route; the
 * call's state keeps the INVITE's To for a CANCEL), once per RSeq.
 */
static void prack_send(struct call *c, const struct sip_rx *rx)
{
	const struct sip_msg *m = &rx->msg;
	const struct sip_hdr *rh = sip_msg_hdr(m, SIP_HDR_RSEQ);
	const struct sip_hdr *ch = sip_msg_hdr(m, SIP_HDR_CONTACT);
	uint32_t rseq;
	struct sip_addr contact;
	if (c->rel100_mode == SIP_FEATURE_NO || !rh ||
	    !call_msg_has_tag(m, SIP_HDR_REQUIRE, "100rel") ||
	    sip_uint_parse(zv_str_trim(rh->value), UINT32_MAX, &rseq) < 0 || rseq <= c->rack_last ||
	    !ch || sip_addr_parse(ch->value, &contact) < 0 || !contact.uri.len)
		return;
	struct sip_buf routes, req;
	char first[512], branch[40], target[512], rack[64];
	sip_buf_init(&routes);
	sip_buf_init(&req);
	zv_str_copy(contact.uri, target, sizeof(target));
	char *to = dup_str(sip_msg_hdr(m, SIP_HDR_TO)->value);
	if (to && sip_uac_route_set(rx, true, &routes, first, sizeof(first)) == 0 && !routes.oom) {
		c->rack_last = rseq;
		sip_new_branch(branch, sizeof(branch));
		snprintf(rack, sizeof(rack), "RAck: %u %u INVITE\r\n", rseq, c->invite_cseq);
		struct sip_uac_request r = dialog_request(c, "PRACK", target, branch, ++c->cseq);
		r.to = to;
		r.route_lines = routes.p;
		r.extra = rack;
		if (sip_uac_build_request(&r, &req) == 0) {
			zv_ref(c);
			if (sip_ctsx_send(&c->target, SIP_METHOD_PRACK, branch, req.p, req.len,
					  request_done, c, NULL) < 0)
				zv_unref(c);
		}
	}
	free(to);
	sip_buf_free(&routes);
	sip_buf_free(&req);
}

#define CALL_MAX_REDIRECTS 5

/* 422 to our INVITE (RFC 4028 6): again, once, with the Min-SE asked. */
static int se_too_small(struct call *c, const struct sip_rx *rx)
{
	struct call_se_req sr;
	if (call_se_read(&rx->msg, &sr) < 0 || sr.min_se <= c->sess_expires)
		return -EINVAL;
	c->se_retried = true;
	c->sess_expires = sr.min_se;
	if (c->min_se < sr.min_se)
		c->min_se = sr.min_se;
	c->invite_cseq = ++c->cseq;
	return invite_send(c, NULL);
}

/* The first Contact of a 3xx with a sip: or sips: URI, into uri. */
static int redirect_contact(const struct sip_rx *rx, char *uri, size_t size)
{
	struct sip_value_iter it;
	struct zv_str v;
	sip_value_iter_init(&it, &rx->msg, SIP_HDR_CONTACT);
	while (sip_value_iter_next(&it, &v) > 0) {
		struct sip_addr a;
		if (sip_addr_parse(v, &a) < 0 || a.star || a.uri.len >= size ||
		    !(zv_str_has_prefix_ci(a.uri, "sip:") || zv_str_has_prefix_ci(a.uri, "sips:")))
			continue;
		zv_str_copy(a.uri, uri, size);
		return 0;
	}
	return -ENOENT;
}

/* Whether the leg may follow redirects: not when the channel variable
 * PJSIP_FOLLOW_REDIRECTS is "no" (Dial's option i sets it). */
static bool redirect_allowed(const struct call *c)
{
	const char *v = zv_channel_var_get(c->chan, "PJSIP_FOLLOW_REDIRECTS");
	return !v || !(!strcasecmp(v, "no") || !strcasecmp(v, "false") || !strcmp(v, "0") ||
		       !strcasecmp(v, "off"));
}

/*
 * A 3xx to our INVITE (RFC 3261 8.1.3.4): a new INVITE to the first
 * usable Contact, in the same call (Call-ID, From tag, CSeq + 1, the same
 * offer, the endpoint's credentials), at most CALL_MAX_REDIRECTS times;
 * a Contact by name is resolved on the blocking pool first.  The
 * channel's RDNIS becomes the user we called before.  0 when sent (or
 * being resolved).
 */
static int redirect_go(struct call *c, const char *uri, const struct sip_sockaddr *addr)
{
	char from[128];
	char *ruri = strdup(uri), *target = strdup(uri), *hdr = NULL;
	if (asprintf(&hdr, "<%s>", uri) < 0)
		hdr = NULL;
	if (!ruri || !target || !hdr) {
		free(ruri);
		free(target);
		free(hdr);
		return -ENOMEM;
	}
	sip_uri_user(zv_str_c(c->ruri), from, sizeof(from));
	free(c->ruri);
	c->ruri = ruri;
	free(c->remote_target);
	c->remote_target = target;
	free(c->remote_hdr);
	c->remote_hdr = hdr;
	if (c->target.conn) {
		sip_conn_unref(c->target.conn);
		c->target.conn = NULL;
	}
	c->target.addr = *addr;
	c->redirects++;
	c->auth_tried = false;
	c->invite_cseq = ++c->cseq;
	zv_channel_set_cid_extra(c->chan, zv_channel_cid_dnid(c->chan), from[0] ? from : NULL,
				 zv_channel_cid_ani(c->chan));
	zv_verb(3, "%s: redirected (%u) to %s", zv_channel_name(c->chan), c->redirects, uri);
	return invite_send(c, NULL);
}

/* A Contact given by name: RFC 3263 on the blocking pool, then on. */
struct redirect_job {
	struct call *c; /* referenced */
	char uri[512];
	char host[256];
	uint16_t port;
	unsigned status;
	struct sip_sockaddr addr;
	int err;
};

static void redirect_resolve(void *arg)
{
	struct redirect_job *j = arg;
	j->err = sip_uac_resolve(j->host, j->port, &j->addr);
}

static void redirect_resolved(void *arg)
{
	struct redirect_job *j = arg;
	struct call *c = j->c;
	if (!c->ended && c->chan && (j->err < 0 || redirect_go(c, j->uri, &j->addr) < 0)) {
		zv_verb(3, "%s: cannot follow the %u to %s", zv_channel_name(c->chan), j->status,
			j->uri);
		zv_channel_set_hangupcause(c->chan, status_to_cause(j->status));
		zv_channel_softhangup(c->chan, 0);
	}
	zv_unref(c);
	free(j);
}

static int redirect_follow(struct call *c, const struct sip_rx *rx, unsigned status)
{
	char uri[512];
	struct sip_sockaddr addr;
	if (c->redirects >= CALL_MAX_REDIRECTS || !redirect_allowed(c))
		return -ELOOP;
	if (redirect_contact(rx, uri, sizeof(uri)) < 0)
		return -ENOENT;
	int err = sip_uac_uri_addr(uri, &addr);
	if (err == 0)
		return redirect_go(c, uri, &addr);
	struct redirect_job *j;
	if (err != -EAGAIN || !(j = calloc(1, sizeof(*j))))
		return -EHOSTUNREACH;
	snprintf(j->uri, sizeof(j->uri), "%s", uri);
	j->status = status;
	if (sip_uac_uri_hostport(uri, j->host, sizeof(j->host), &j->port) < 0) {
		free(j);
		return -EINVAL;
	}
	j->c = zv_ref(c);
	if (zv_pool_submit(redirect_resolve, redirect_resolved, j) < 0) {
		zv_unref(c);
		free(j);
		return -EAGAIN;
	}
	return 0;
}

/* The callee's identity in a 18x/2xx (PAI, else RPID) from a trusted
 * endpoint becomes the connected line of our channel. */
static void connected_take(struct call *c, const struct sip_rx *rx)
{
	struct call_identity id;
	if (!c->trust_id || call_identity_read(&rx->msg, &id) < 0)
		return;
	const char *num = zv_channel_connected_num(c->chan);
	const char *name = zv_channel_connected_name(c->chan);
	if (num && !strcmp(num, id.num) && !strcmp(name ? name : "", id.name) &&
	    zv_channel_connected_name_pres(c->chan) == id.name_pres &&
	    zv_channel_connected_num_pres(c->chan) == id.num_pres)
		return;
	zv_channel_set_connected(c->chan, id.name[0] ? id.name : NULL, id.num);
	zv_channel_set_connected_pres(c->chan, id.name_pres, id.num_pres);
	zv_verb(3, "%s: connected line \"%s\" <%s>", zv_channel_name(c->chan), id.name, id.num);
}

static void invite_response(void *arg, struct sip_ctsx *ct, unsigned status,
			    const struct sip_rx *rx)
{
	struct call *c = arg;
	if (rx && status > 100 && status < 300 && c->chan && !c->ended)
		connected_take(c, rx);
	if (status < 200) {
		c->invite_1xx = true;
		if (c->cancel_wait) {
			c->cancel_wait = false;
			send_cancel(c);
		}
		if (!c->chan || c->ended || status == 100)
			return;
		if (rx)
			prack_send(c, rx);
		/* Early media: a provisional answer with SDP sets up the
		 * stream now (RFC 3261 13.2.1; the 2xx may repeat it). */
		if (rx && has_sdp(&rx->msg) && answer_take(c, rx) == 0) {
			media_set_remote(c);
			zv_channel_set_native_codec(c->chan, c->media.codec);
			zv_channel_queue_control(c->chan, ZV_CONTROL_PROGRESS);
		} else if (status == 180 || status == 181 || status == 182) {
			zv_channel_queue_control(c->chan, ZV_CONTROL_RINGING);
		} else if (status == 183) {
			zv_channel_queue_control(c->chan, ZV_CONTROL_PROGRESS);
		}
		return;
	}
	c->invite_ct = NULL;
	c->cancel_wait = false;
	if ((status == 401 || status == 407) && rx && !c->auth_tried && !c->ended) {
		c->auth_tried = true;
		if (invite_authenticate(c, rx) == 0) {
			zv_unref(c); /* this transaction's; the new one has its own */
			return;
		}
	}
	if (status == 422 && rx && !c->se_retried && !c->ended && c->chan &&
	    se_too_small(c, rx) == 0) {
		zv_unref(c); /* this transaction's; the new one has its own */
		return;
	}
	if (status >= 300 && status < 400 && rx && !c->ended && c->chan &&
	    redirect_follow(c, rx, status) == 0) {
		zv_unref(c); /* this transaction's; the new one has its own */
		return;
	}
	if (status < 300 && rx) {
		c->sig_src = rx->src;
		c->sig_src_set = true;
		if (dialog_confirm(c, rx) == 0)
			send_ack(c);
		if (c->ended || answer_take(c, rx) < 0) {
			/* Cancelled meanwhile, or an answer we cannot use. */
			c->answered = true;
			if (!c->ended && c->chan) {
				zv_channel_set_hangupcause(c->chan,
							   ZV_CAUSE_BEARERCAPABILITY_NOTAVAIL);
				zv_channel_softhangup(c->chan, 0);
			} else {
				send_bye(c);
			}
		} else {
			c->answered = true;
			struct call_se_req sr;
			if (call_se_read(&rx->msg, &sr) == 0 &&
			    call_se_uac(&sr, c->timers, c->sess_expires, &c->se) == 0)
				se_start(c);
			c->peer_update = sr.allow_update;
			media_set_remote(c);
			inband_setup(c);
			zv_channel_set_native_codec(c->chan, c->media.codec);
			zv_channel_queue_control(c->chan, ZV_CONTROL_ANSWER);
		}
	} else if (c->chan && !c->ended) {
		zv_verb(3, "%s: %u from the far end", zv_channel_name(c->chan), status);
		zv_channel_set_hangupcause(c->chan, status_to_cause(status));
		zv_channel_softhangup(c->chan, 0);
	}
	zv_unref(c); /* the transaction's reference */
}

/* Send (or re-send, with credentials) our INVITE in a new transaction. */
static int invite_send(struct call *c, const char *auth_line)
{
	sip_new_branch(c->invite_branch, sizeof(c->invite_branch));
	c->invite_1xx = false;
	struct sip_buf extra, req;
	sip_buf_init(&extra);
	sip_buf_init(&req);
	sip_buf_printf(&extra, CALL_ALLOW "%s%s",
		       c->id_lines ? c->id_lines : "", auth_line ? auth_line : "");
	bool timers = c->timers != SIP_FEATURE_NO, rel = c->rel100_mode != SIP_FEATURE_NO;
	bool req_timer = c->timers == SIP_FEATURE_REQUIRED;
	bool req_rel = c->rel100_mode == SIP_FEATURE_REQUIRED;
	if (timers || rel)
		sip_buf_printf(&extra, "Supported: %s%s%s\r\n", rel ? "100rel" : "",
			       rel && timers ? ", " : "", timers ? "timer" : "");
	if (req_timer || req_rel)
		sip_buf_printf(&extra, "Require: %s%s%s\r\n", req_rel ? "100rel" : "",
			       req_rel && req_timer ? ", " : "", req_timer ? "timer" : "");
	if (timers)
		sip_buf_printf(&extra, "Session-Expires: %u\r\nMin-SE: %u\r\n", c->sess_expires,
			       c->min_se);
	struct sip_uac_request r =
		dialog_request(c, "INVITE", c->ruri, c->invite_branch, c->invite_cseq);
	r.contact = c->contact;
	r.extra = extra.p;
	r.ctype = "application/sdp";
	r.body = c->offer;
	int err = extra.oom ? -ENOMEM : sip_uac_build_request(&r, &req);
	if (!err) {
		zv_ref(c); /* the transaction's */
		err = sip_ctsx_send(&c->target, SIP_METHOD_INVITE, c->invite_branch, req.p, req.len,
				    invite_response, c, &c->invite_ct);
		if (err)
			zv_unref(c);
	}
	sip_buf_free(&extra);
	sip_buf_free(&req);
	return err;
}

/* Answer a 401/407 to our INVITE with the endpoint's outbound_auth
 * (RFC 3261 22.2: same Call-ID and tags, CSeq + 1).  0 when re-sent. */
static int invite_authenticate(struct call *c, const struct sip_rx *rx)
{
	struct sip_config *cfg = sip_config_ref_current();
	const struct sip_endpoint *ep = cfg ? sip_config_endpoint_find(cfg, c->endpoint) : NULL;
	int err = -ENOENT;
	if (ep && ep->noutbound_auths) {
		struct sip_uac_cred creds[8];
		size_t n = 0;
		for (size_t i = 0; i < ep->noutbound_auths && n < 8; i++, n++) {
			const struct sip_auth *a = ep->outbound_auths[i];
			creds[n] = (struct sip_uac_cred){a->username, a->password, a->md5_cred,
							 a->realm};
		}
		struct sip_buf line;
		sip_buf_init(&line);
		err = sip_uac_authorize(rx, "INVITE", c->ruri, creds, n, &line);
		if (!err) {
			c->invite_cseq = ++c->cseq;
			err = invite_send(c, line.p);
		}
		sip_buf_free(&line);
	}
	zv_unref(cfg);
	return err;
}

static int tech_call(struct zv_channel *chan, const char *dest, int timeout_ms)
{
	struct sip_config *cfg = sip_config_ref_current();
	struct call *c = NULL;
	struct dest d;
	struct found_contact f = {0};
	int err = -ENOENT;
	bool sip_style = zv_channel_tech(chan) == &tech_sip;
	if (!cfg || dest_parse(cfg, sip_style, dest, &d) < 0 || (err = dest_target(&d, &f)) < 0) {
		zv_verb(3, "Unable to call %s/%s: no such endpoint or no contact",
			zv_channel_tech(chan)->type, dest);
		goto fail;
	}
	err = -ENOMEM;
	if (!(c = zv_obj_alloc(sizeof(*c), call_destroy)))
		goto fail;
	c->outbound = true;
	c->rewrite_contact = d.ep->rewrite_contact;
	c->dtmf_mode = d.ep->dtmf_mode;
	c->trust_id = d.ep->trust_id_inbound;
	c->trust_out = d.ep->trust_id_outbound;
	c->timers = d.ep->timers;
	c->dm_enabled = d.ep->direct_media;
	c->dm_update = d.ep->direct_media_update;
	c->dm_nonat = d.ep->direct_media_nonat;
	c->rel100_mode = d.ep->rel100;
	c->min_se = d.ep->timers_min_se;
	c->sess_expires = d.ep->timers_sess_expires < c->min_se ? c->min_se
								 : d.ep->timers_sess_expires;
	c->target = f.target;
	c->sess_id = (uint64_t)random() << 16 ^ (uint64_t)random();
	c->sdp_version = 1;
	c->media.dtmf_pt = -1;
	char hp[80], tag[16], callid[64];
	if (sip_uac_local_hostport(c->target.tp, &c->target.addr, hp, sizeof(hp)))
		sip_sockaddr_str(sip_tp_local(c->target.tp), hp, sizeof(hp));
	snprintf(c->local_ip, sizeof(c->local_ip), "%s", hp[0] == '[' ? hp + 1 : hp);
	char *cut = strrchr(c->local_ip, hp[0] == '[' ? ']' : ':');
	if (cut)
		*cut = '\0';
	sip_random_token(tag, sizeof(tag));
	sip_new_callid(callid, sizeof(callid));
	const char *num = zv_channel_cid_num(chan), *name = zv_channel_cid_name(chan);
	int pres = zv_channel_cid_pres(chan);
	/* A private caller (prohibited or unavailable) stays in the From and
	 * the identity headers only for an endpoint trusted with it
	 * (trust_id_outbound) that gets the privacy marked (send_pai: PAI and
	 * Privacy: id; send_rpid: privacy=full); anyone else gets RFC 3323's
	 * anonymous From and no identity headers. */
	bool send_id = d.ep->send_pai || d.ep->send_rpid;
	bool anon = zv_pres_private(pres) && !(d.ep->trust_id_outbound && send_id);
	const char *from_user = d.ep->from_user	   ? d.ep->from_user
				: anon		   ? "anonymous"
				: num && *num	   ? num
						   : "anonymous";
	const char *from_host = d.ep->from_domain ? d.ep->from_domain : hp;
	const char *id_host = from_host;
	if (anon) {
		name = "Anonymous";
		if (!d.ep->from_user) /* a trunk's account user is kept */
			from_host = "anonymous.invalid";
	}
	c->call_id = strdup(callid);
	c->local_tag = strdup(tag);
	c->ruri = strdup(f.uri);
	c->remote_target = strdup(f.uri);
	c->via_hostport = strdup(hp);
	c->route_lines = strdup("");
	if (asprintf(&c->local_hdr, "%s%s%s<sip:%s@%s>;tag=%s", name && *name ? "\"" : "",
		     name && *name ? name : "", name && *name ? "\" " : "", from_user, from_host,
		     tag) < 0)
		c->local_hdr = NULL;
	if (asprintf(&c->remote_hdr, "<%s>", f.uri) < 0)
		c->remote_hdr = NULL;
	if (asprintf(&c->contact, "sip:%s@%s%s", from_user, hp,
		     sip_uac_transport_param(c->target.tp)) < 0)
		c->contact = NULL;
	if (send_id && !anon) {
		/* The caller's identity (Dial copied the caller ID). */
		struct sip_buf idb;
		sip_buf_init(&idb);
		call_identity_write(&idb, d.ep->send_pai, d.ep->send_rpid, true, name, num, id_host,
				    pres);
		if (idb.oom)
			sip_buf_free(&idb);
		else
			c->id_lines = sip_buf_take(&idb);
	}
	if (!c->call_id || !c->local_tag || !c->ruri || !c->remote_target || !c->via_hostport ||
	    !c->route_lines || !c->local_hdr || !c->remote_hdr || !c->contact)
		goto fail;
	if ((err = media_open(c, d.ep)) < 0)
		goto fail;
	struct sip_buf body;
	sip_buf_init(&body);
	sdp_offer(c, d.ep, &body);
	c->offer = sip_buf_take(&body);
	c->endpoint = strdup(d.ep->def.name);
	c->invite_cseq = c->cseq = 1 + (uint32_t)(random() % 10000);
	err = !c->offer || !c->endpoint ? -ENOMEM : call_link(c);
	if (!err && (err = invite_send(c, NULL)) < 0)
		call_unlink(c);
	if (err)
		goto fail;
	c->chan = zv_ref(chan);
	zv_channel_set_tech_pvt(chan, c); /* the driver's reference: ours */
	zv_channel_set_native_codec(chan, ZV_CODEC_ULAW);
	chan_jb_setup(chan, d.ep);
	/* call pickup: the called endpoint's groups, as Asterisk */
	zv_channel_set_groups(chan, d.ep->call_group, d.ep->pickup_group);
	zv_channel_set_named_groups(chan, d.ep->named_call_group, d.ep->named_pickup_group);
	zv_unref(cfg);
	return 0;
fail:
	if (f.target.conn && !c)
		sip_conn_unref(f.target.conn);
	zv_unref(c);
	zv_unref(cfg);
	return err;
}

int call_rtp_stats(struct zv_channel *chan, struct zv_rtp_stats *st, char *codec, size_t size)
{
	const struct zv_channel_tech *t = zv_channel_tech(chan);
	struct call *c = t == &tech_pjsip || t == &tech_sip ? chan_call(chan) : NULL;
	if (!c || !c->rtp)
		return -ENOENT;
	zv_rtp_get_stats(c->rtp, st);
	const struct zv_codec_info *ci = zv_codec_get(c->media.codec);
	snprintf(codec, size, "%s", ci ? ci->name : "none");
	return 0;
}

/* ---- module ---------------------------------------------------------------------------- */

static int call_load(struct zv_module *mod)
{
	int err = zv_channel_tech_register(mod, &tech_pjsip);
	if (!err)
		err = zv_channel_tech_register(mod, &tech_sip);
	if (!err)
		err = call_cli_register(mod);
	return err;
}

static int call_start(struct zv_module *mod)
{
	sip_stray_response_set(on_stray_2xx);
	sip_method_handler_set(SIP_METHOD_INVITE, on_invite);
	sip_method_handler_set(SIP_METHOD_ACK, on_ack);
	sip_method_handler_set(SIP_METHOD_BYE, on_bye);
	sip_method_handler_set(SIP_METHOD_CANCEL, on_cancel);
	sip_method_handler_set(SIP_METHOD_INFO, on_info);
	sip_method_handler_set(SIP_METHOD_UPDATE, on_update);
	sip_method_handler_set(SIP_METHOD_PRACK, on_prack);
	return 0;
}

static void call_stop(struct zv_module *mod)
{
	sip_stray_response_set(NULL);
	sip_method_handler_set(SIP_METHOD_INVITE, NULL);
	sip_method_handler_set(SIP_METHOD_ACK, NULL);
	sip_method_handler_set(SIP_METHOD_BYE, NULL);
	sip_method_handler_set(SIP_METHOD_CANCEL, NULL);
	sip_method_handler_set(SIP_METHOD_INFO, NULL);
	sip_method_handler_set(SIP_METHOD_UPDATE, NULL);
	sip_method_handler_set(SIP_METHOD_PRACK, NULL);
}

ZV_MODULE(chan_pjsip) = {
	.summary = "SIP channel driver (PJSIP/ and SIP/ channels)",
	.requires = "sip,sip_registrar,media_codecs,res_rtp_asterisk",
	.load = call_load,
	.start = call_start,
	.stop = call_stop,
};
