/*
 * Private to src/media/rtp: the session structure shared by the files of
 * the RTP engine, the RTCP and RFC 4733 wire formats, and the settings
 * that rtp.conf sets.
 *
 * DESIGN
 * One struct zv_rtp per session, touched only on its loop's thread.  The
 * files split it by concern: rtp_session.c (sockets, receive, send,
 * timestamps), rtp_dtmf.c (RFC 4733 both ways), rtp_rtcp.c (statistics,
 * reports), rtp_srtp.c (libsrtp2), rtp_parse.c (pure parsers, fuzzed),
 * rtp_module.c (rtp.conf, CLI).  Receive and send buffers are per thread,
 * so a session costs its struct and two sockets, never a packet buffer.
 */
#ifndef ZV_MEDIA_RTP_INT_H
#define ZV_MEDIA_RTP_INT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include <zvonok/loop.h>
#include <zvonok/rtp.h>

#define RTP_HDR_LEN 12
#define RTP_MAX_PKT 2048 /* receive buffer per packet; larger is dropped */
#define RTP_MAX_PAYLOAD 1400 /* what zv_rtp_send() accepts */
#define RTP_BATCH 16 /* recvmmsg() batch */
#define RTCP_MAX_BLOCKS 31 /* report blocks kept from one compound packet */
#define RTP_CNAME_LEN 16
#define RTP_NO_PT 0xff /* dtmf_pt when telephone-event is off */

/* ---- settings (rtp.conf), read when a session is created ------------- */

struct rtp_settings {
	uint16_t port_start, port_end;
	unsigned rtcp_interval_ms; /* rtcpinterval, default 5000 */
	unsigned dtmf_timeout_ms; /* dtmftimeout (samples at 8 kHz), default 500 ms */
	bool kernel_forwarding; /* kernel_forwarding, default yes (rtp_kfwd.c) */
};

#define RTP_DEFAULT_START 10000
#define RTP_DEFAULT_END 20000
#define RTP_DEFAULT_RTCP_MS 5000
#define RTP_DEFAULT_DTMF_TIMEOUT_MS 500

/* Any thread (atomics). */
void rtp__settings_get(struct rtp_settings *s);
void rtp__settings_set(const struct rtp_settings *s);

/* `rtp set debug on`: log every packet sent and received. */
extern atomic_bool rtp__debug;

struct zv_conf;
struct zv_diag;
/* rtp.conf into *s (defaults first); problems into diag with file:line.
 * Unknown options and bad values are warnings, as in Asterisk, so the
 * return is 0 or -ENOMEM. */
int rtp__conf_parse(const struct zv_conf *conf, struct zv_diag *diag,
		    struct rtp_settings *s);

/* ---- wire formats (rtp_parse.c, pure) -------------------------------- */

/* RFC 4733 section 2.3 payload. */
struct rtp_event {
	uint8_t event;
	bool end;
	uint8_t volume;
	uint16_t duration;
};
/* 0 or -EBADMSG (shorter than 4 octets). */
int rtp__event_parse(const uint8_t *p, size_t len, struct rtp_event *out);
/* '0'..'9', '*', '#', 'A'..'D' for events 0..15, else 0. */
char rtp__event_digit(uint8_t event);
/* The inverse (a-d accepted), or -EINVAL. */
int rtp__digit_event(char digit);

struct rtcp_block {
	uint32_t ssrc;
	uint8_t fraction; /* lost since the last report, /256 */
	int32_t lost; /* cumulative, 24-bit signed */
	uint32_t ext_seq, jitter, lsr, dlsr;
};

/* What a compound RTCP packet says that we use. */
struct rtcp_info {
	uint32_t ssrc; /* sender of the first (SR or RR) packet */
	bool sr;
	uint32_t ntp_msw, ntp_lsw, rtp_ts, pkts, octets; /* when sr */
	unsigned nblocks;
	struct rtcp_block blocks[RTCP_MAX_BLOCKS];
	bool bye;
	const uint8_t *cname; /* view into the packet, or NULL */
	size_t cname_len;
};

/*
 * A compound RTCP packet, strictly (RFC 3550 6.1 and A.2): every packet
 * version 2, the first an SR or RR, padding only on the last, lengths
 * adding up to len exactly, SR/RR/SDES/BYE bodies fitting their length.
 * Packet types 192..223 other than SR/RR/SDES/BYE are skipped.
 * 0 or -EBADMSG.
 */
int rtp__rtcp_parse(const uint8_t *buf, size_t len, struct rtcp_info *out);

/* Second octet of an RTCP packet (RFC 5761 4): 192..223. */
static inline bool rtp__is_rtcp(const uint8_t *buf, size_t len)
{
	return len >= 2 && buf[1] >= 192 && buf[1] <= 223;
}

/* ---- the session ------------------------------------------------------ */

/* A received source (RFC 3550 A.1, without probation). */
struct rtp_source {
	bool valid;
	uint32_t ssrc;
	uint16_t max_seq;
	uint32_t cycles; /* shifted count of wraps */
	uint32_t base_seq, bad_seq;
	uint32_t received, expected_prior, received_prior;
	bool have_transit;
	uint32_t transit;
	uint32_t jitter; /* RFC 3550 A.8, scaled by 16 */
};

struct rtp_dtmf_rx {
	bool active;
	uint32_t ts; /* event's RTP timestamp */
	uint8_t event;
	uint16_t duration;
	bool ended; /* ended_ts valid: late packets of it are ignored */
	uint32_t ended_ts;
	struct zv_timer timeout;
};

#define RTP_DTMF_QUEUE 32

struct rtp_dtmf_tx {
	uint8_t state; /* rtp_dtmf.c's DTX_* */
	uint8_t event;
	uint32_t ts;
	uint32_t total; /* duration in clock units */
	unsigned duration_ms;
	uint64_t start_us;
	unsigned ends_sent;
	struct zv_timer timer;
	/* digits waiting: event and duration */
	uint8_t q_event[RTP_DTMF_QUEUE];
	uint16_t q_ms[RTP_DTMF_QUEUE];
	unsigned q_head, q_len;
};

/* The native bridge (rtp_relay.c): what a session relays to, and the
 * mapping of its source's stream onto the target's. */
struct rtp_relay {
	struct zv_rtp *to; /* relaying to (NULL: off) */
	struct zv_rtp *from; /* as a target: the session relaying to us */
	uint8_t in_pt, out_pt, out_dtmf_pt; /* RTP_NO_PT: events dropped */
	bool synced; /* the offsets below are valid */
	uint32_t ssrc; /* of the source while synced */
	uint16_t last_seq; /* highest source sequence relayed */
	uint16_t seq_off; /* target seq = source seq + seq_off */
	uint32_t ts_off; /* target ts = source ts + ts_off */
	zv_rtp_digit_cb *on_digit;
	void *digit_arg;
	/* The kernel flow of this direction (rtp_kfwd.c): slot + 1 (0: none),
	 * its key (network order), the counters folded so far, and when to
	 * try again after a failed install. */
	struct rtp_kf {
		uint32_t slot;
		uint32_t saddr;
		uint16_t sport, dport;
		uint64_t pkts, octets;
		uint64_t retry_us;
		/* install wanted after the batch's sends (want_*: the source) */
		bool want;
		uint32_t want_saddr;
		uint16_t want_sport;
	} kf;
};

struct srtp_ctx_t_;
struct rtp_port;

struct zv_rtp {
	struct zv_loop *loop;
	struct zv_rtp_cb cb;
	void *arg;
	struct rtp_port *sock; /* the socket pair (rtp_ports.c), owns: */
	int fd[2]; /* RTP, RTCP */
	struct event *ev[2];
	uint16_t port;
	int family;

	struct sockaddr_storage remote, remote_rtcp;
	socklen_t remote_len, remote_rtcp_len;
	bool have_remote, rtcp_learned, symmetric;

	uint8_t dtmf_pt;
	unsigned dtmf_clock;
	unsigned clock; /* media clock (timestamps, jitter); 0: dtmf_clock */

	/* sending */
	uint32_t ssrc;
	uint16_t seq;
	bool tx_started;
	uint32_t last_ts, last_samples;
	uint64_t last_tx_us;
	uint64_t tx_packets, tx_octets;
	bool sent_since_report;

	/* receiving */
	uint64_t rx_packets, rx_octets, rx_dropped;
	struct rtp_source src;

	/* RTCP */
	struct zv_timer rtcp_timer;
	unsigned rtcp_interval_ms;
	bool have_lsr; /* last SR received: */
	uint32_t lsr, lsr_ssrc; /* middle 32 bits of its NTP time, sender */
	uint64_t lsr_at_us; /* when it arrived (monotonic) */
	double rtt_ms, remote_jitter_ms;
	uint32_t remote_lost;
	char cname[RTP_CNAME_LEN + 1];

	struct rtp_dtmf_rx drx;
	struct rtp_dtmf_tx dtx;
	unsigned dtmf_timeout_ms;

	struct srtp_ctx_t_ *srtp_tx, *srtp_rx;
	/* DTLS-SRTP (rtp_dtls.c), NULL: none.  dtls on the RTP port keys
	 * srtp_*; dtls_rtcp, the RTCP port's association (RFC 5764 4.1 without
	 * rtcp-mux), keys srtcp_*, which then protect RTCP instead. */
	struct rtp_dtls *dtls, *dtls_rtcp;
	struct srtp_ctx_t_ *srtcp_tx, *srtcp_rx;

	struct rtp_relay relay;

	/* callbacks in progress: zv_rtp_free() inside one defers the free */
	unsigned busy;
	bool closed;
};

/* Monotonic microseconds. */
uint64_t rtp__now_us(void);
/* Random bytes (zv_random_bytes: pooled DRBG); never fails. */
void rtp__random(void *buf, size_t len);

unsigned rtp__clock(const struct zv_rtp *rtp);

/* The timestamp for something sent now that follows what was sent last
 * (see zv_rtp_send()): by samples, or by wall-clock time after a gap. */
uint32_t rtp__next_ts(struct zv_rtp *rtp, uint64_t now_us);

/* Build, protect and send one RTP packet with the next sequence number. */
int rtp__send_packet(struct zv_rtp *rtp, uint8_t pt, bool marker, uint32_t ts,
		     const uint8_t *payload, size_t len);
/* The same with a given sequence number (the relay); rtp->seq untouched. */
int rtp__send_packet_seq(struct zv_rtp *rtp, uint8_t pt, bool marker, uint16_t seq, uint32_t ts,
			 const uint8_t *payload, size_t len);
/* Send an RTCP packet (protected when SRTP is on) to the RTCP remote. */
int rtp__send_rtcp(struct zv_rtp *rtp, uint8_t *buf, size_t len, size_t cap);

/* Guard callbacks: zv_rtp_free() during them only marks the session. */
static inline void rtp__hold(struct zv_rtp *rtp)
{
	rtp->busy++;
}
/* False when the session was freed (do not touch it any more). */
bool rtp__release(struct zv_rtp *rtp);

/* rtp_ports.c: socket pairs, pooled per loop thread (privacy rules there) */
#define RTP_POOL_QUARANTINE_MS 500 /* a released pair is reused no sooner */
#define RTP_POOL_OFF 0u /* rtp__port_set_quarantine(): no pooling */
/* Bind (or reuse) a pair on addr in [start, end] for rtp: sets rtp->sock,
 * fd, ev and port; the events call on_readable with the pair as argument
 * (rtp__port_owner() turns it into the session).  0 or a negative errno
 * (-EADDRINUSE: range exhausted). */
int rtp__port_open(struct zv_rtp *rtp, const struct sockaddr_storage *addr, unsigned start,
		   unsigned end, void (*on_readable)(int fd, short what, void *arg));
/* Give rtp's pair back: pooled (quarantined) or closed.  rtp->fd = -1. */
void rtp__port_close(struct zv_rtp *rtp);
/* The session an event argument delivers to; NULL for a pooled pair,
 * whose queued packets on fd were read and dropped. */
struct zv_rtp *rtp__port_owner(void *arg, int fd);
/* A received datagram that continues the previous owner's stream of a
 * reused pair (dropped). */
bool rtp__port_stale(const struct zv_rtp *rtp, const uint8_t *buf, size_t len, bool rtcp);
/* This thread: the quarantine (RTP_POOL_OFF turns pooling off; tests),
 * and how many pairs are pooled. */
void rtp__port_set_quarantine(unsigned ms);
unsigned rtp__port_pooled(void);

/* rtp_dtmf.c */
int rtp__dtmf_init(struct zv_rtp *rtp);
void rtp__dtmf_fini(struct zv_rtp *rtp);
void rtp__dtmf_input(struct zv_rtp *rtp, const struct zv_rtp_pkt *pkt);
bool rtp__dtmf_sending(const struct zv_rtp *rtp);

/* rtp_rtcp.c */
int rtp__rtcp_init(struct zv_rtp *rtp);
void rtp__rtcp_fini(struct zv_rtp *rtp);
/* Account for a received RTP packet (sequence, loss, jitter). */
void rtp__rtcp_rtp_received(struct zv_rtp *rtp, const struct zv_rtp_pkt *pkt, uint64_t now_us,
			    bool media);
/* A received (already unprotected) compound RTCP packet. */
void rtp__rtcp_input(struct zv_rtp *rtp, const uint8_t *buf, size_t len);
/* Build and send a report now (also used by the timer). */
void rtp__rtcp_report(struct zv_rtp *rtp, bool bye);
/* RFC 3550 A.3 for the current source. */
uint32_t rtp__rtcp_lost(const struct rtp_source *s);

/* rtp_relay.c */
/* A parsed packet received on a relaying session (media or event). */
void rtp__relay_input(struct zv_rtp *rtp, const struct zv_rtp_pkt *pkt, bool media,
		      const struct sockaddr_storage *src, uint64_t now_us);
/* Unlink both directions (zv_rtp_free()). */
void rtp__relay_fini(struct zv_rtp *rtp);

/* rtp_kfwd.c: the kernel fast path of the relay (rtp.conf kernel_forwarding) */
/* Load and attach the TC program once; -1 (logged once, why kept for the
 * CLI) when it cannot: the relay stays in user space. */
int rtp__kfwd_start(void);
/* Detach our filters (clean shutdown, kernel_forwarding = no). */
void rtp__kfwd_stop(const char *why);
/* After the user-space relay sent a media packet of from's (source src):
 * install or refresh the direction's kernel flow when it qualifies. */
void rtp__kfwd_try(struct zv_rtp *from, const struct sockaddr_storage *src, uint64_t now_us);
/* The receive batch's sends have left: install the flow rtp__kfwd_try()
 * asked for (so no packet relayed in user space leaves after one the
 * kernel forwarded). */
void rtp__kfwd_flush(struct zv_rtp *from);
/* Fold the flow's counters into from, its target and the relay state. */
void rtp__kfwd_sync(struct zv_rtp *from);
/* Fold, then remove the flow (the relay changes or ends). */
void rtp__kfwd_drop(struct zv_rtp *from);
/* rtp's remote changed: drop the flows from and into rtp. */
void rtp__kfwd_remote_changed(struct zv_rtp *rtp);
struct zv_cli_req;
void rtp__kfwd_show(struct zv_cli_req *req, bool flows);
extern _Atomic uint64_t rtp__kfwd_user_pkts;
/* Tests: slots in plain memory (NULL: off), no kernel; free slots left. */
struct kf_slot;
void rtp__kfwd_test_mem(struct kf_slot *mem);
unsigned rtp__kfwd_free_slots(void);

/* rtp_srtp.c */
void rtp__srtp_fini(struct zv_rtp *rtp);
/* In place; *len grows by the trailer (the buffer must have
 * SRTP_MAX_TRAILER_LEN spare).  0 or -EIO. */
int rtp__srtp_protect(struct zv_rtp *rtp, uint8_t *buf, size_t *len, bool rtcp);
/* In place; 0, or -EACCES (authentication or replay check failed). */
int rtp__srtp_unprotect(struct zv_rtp *rtp, uint8_t *buf, size_t *len, bool rtcp);

/* DTLS-SRTP: both directions' keys (30 octets each: key || salt), for
 * RTP (and RTCP until an RTCP association keys it), or for RTCP only. */
int rtp__srtp_set_keys(struct zv_rtp *rtp, const char *suite, uint8_t tx_key[30],
		       uint8_t rx_key[30], bool rtcp);

/* rtp_dtls.c */
/* First octet 20..63 (RFC 7983): a DTLS record. */
static inline bool rtp__is_dtls(const uint8_t *buf, size_t len)
{
	return len >= 13 && buf[0] >= 20 && buf[0] <= 63;
}
/* A DTLS datagram received on the RTP socket (or the RTCP one). */
void rtp__dtls_input(struct zv_rtp *rtp, const uint8_t *buf, size_t len,
		     const struct sockaddr_storage *src, bool rtcp);
/* True while DTLS is on and SRTP not keyed yet: media is dropped. */
static inline bool rtp__dtls_pending(const struct zv_rtp *rtp)
{
	return rtp->dtls && !rtp->srtp_tx;
}
/* close_notify, free (zv_rtp_free()). */
void rtp__dtls_fini(struct zv_rtp *rtp);

/* Address as "ip:port" ("[ip6]:port") for logs. */
const char *rtp__addr_str(const struct sockaddr_storage *ss, char *buf, size_t size);

#endif
