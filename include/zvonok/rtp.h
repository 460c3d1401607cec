/*
 * RTP/RTCP sessions (RFC 3550), RFC 4733 DTMF, SRTP (SDES, DTLS-SRTP; libsrtp2).
 *
 * DESIGN
 * A session is one UDP socket pair (RTP on an even port from rtp.conf's
 * rtpstart..rtpend, RTCP on the next) owned by one worker loop: the loop
 * of the call it belongs to.  Everything runs in callbacks on that loop;
 * no locks.  Received packets are read in batches (recvmmsg) and handed to
 * the owner's on_rtp callback as parsed views (no copy); RFC 4733 events
 * are decoded here and reported once per digit through on_dtmf.  Sending
 * keeps our own SSRC, sequence and timestamp, continuous across changes
 * of the source (a relayed peer that restarts, a re-INVITE, music on hold
 * replacing the bridge): the timestamp advances by the samples of each
 * frame sent and jumps by wall-clock time after a gap.
 * Symmetric RTP ("comedia", NAT): with symmetric on, the remote address
 * follows the source of the packets received.
 *
 * THREADS: every function taking a struct zv_rtp runs on the session's
 * loop thread (the loop given to zv_rtp_new()), and so do the callbacks.
 * The parsers and zv_rtp_set_port_range() may be called from any thread.
 * The design and its invariants: docs/design/rtp.md.
 */
#ifndef ZVONOK_RTP_H
#define ZVONOK_RTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct zv_loop;
struct zv_rtp;

/* A received RTP packet, views into the receive buffer. */
struct zv_rtp_pkt {
	uint8_t pt;
	bool marker;
	uint16_t seq;
	uint32_t ts;
	uint32_t ssrc;
	const uint8_t *payload;
	size_t len;
	const uint8_t *raw; /* the whole packet */
	size_t raw_len;
};

/*
 * Parse an RTP packet (version 2, CSRCs, header extension, padding).
 * 0, or -EBADMSG.  Pure; fuzzed.
 */
int zv_rtp_parse(const uint8_t *buf, size_t len, struct zv_rtp_pkt *out);

/* The views in a zv_rtp_pkt are valid only during the callback.  A
 * callback may call zv_rtp_free() on its own session: no callback of that
 * session runs afterwards. */
struct zv_rtp_cb {
	/* A media packet (not telephone-event).  Packets of any SSRC, from any
	 * source, are delivered (SRTP-authenticated when a remote key is set). */
	void (*on_rtp)(void *arg, struct zv_rtp *rtp, const struct zv_rtp_pkt *pkt);
	/* An RFC 4733 digit ended (once per event, retransmitted ends
	 * ignored), duration in ms.  begin: the first packet of an event
	 * (reported once, duration 0 or so far).  An event whose end packets
	 * are all lost ends when another event starts or after dtmftimeout
	 * (500 ms) without its packets. */
	void (*on_dtmf)(void *arg, struct zv_rtp *rtp, char digit, unsigned duration_ms,
			bool begin);
	/* DTLS-SRTP (zv_rtp_dtls_start()): 0 once the handshake is done, the
	 * peer verified and SRTP keyed; or a negative errno when it failed
	 * (-EPROTO handshake, -EACCES fingerprint or certificate, -ETIMEDOUT).
	 * Reported once.  May be NULL. */
	void (*on_dtls)(void *arg, struct zv_rtp *rtp, int result);
};

/*
 * A session on `loop` (the caller's) bound to the address family/IP of
 * `bind` (port ignored).  Ports from rtp.conf.  NULL with errno set
 * (EADDRINUSE when the range is exhausted).
 */
struct zv_rtp *zv_rtp_new(struct zv_loop *loop, const struct sockaddr_storage *bind,
			  const struct zv_rtp_cb *cb, void *arg);
/* Stops callbacks at once and closes the sockets (sending an RTCP BYE
 * when we sent media).  NULL is a no-op. */
void zv_rtp_free(struct zv_rtp *rtp);

uint16_t zv_rtp_local_port(const struct zv_rtp *rtp);
/* Remote RTP address; RTCP goes to its port + 1 until RTCP packets are
 * received with symmetric on.  A zero port or NULL: no remote (nothing is
 * sent).  An IPv4 remote for an IPv6 session is sent to as ::ffff:a.b.c.d. */
void zv_rtp_set_remote(struct zv_rtp *rtp, const struct sockaddr_storage *addr);
/* Learn the remote from received packets (comedia). */
void zv_rtp_set_symmetric(struct zv_rtp *rtp, bool on);
/* The payload type of telephone-event and its clock (default 101/8000);
 * pt < 0: no telephone-event (every packet goes to on_rtp). */
void zv_rtp_set_dtmf_pt(struct zv_rtp *rtp, int pt, unsigned clock);
/* The clock of the media payload (timestamps after a gap, jitter); 0 (the
 * default) uses the telephone-event clock. */
void zv_rtp_set_clock(struct zv_rtp *rtp, unsigned clock);

/*
 * Send a media payload with payload type pt; `samples` advances the
 * timestamp (in RTP clock units).  marker for the first packet of a
 * talkspurt.  0 or a negative errno (nothing sent without a remote:
 * -ENOTCONN; -EMSGSIZE above 1400 octets).  While a digit is being sent
 * the payload is dropped (0 is returned): the digit's duration covers it.
 * The timestamp is the previous one plus the previous frame's samples, or
 * plus the wall-clock time elapsed when that is over 60 ms more.
 */
int zv_rtp_send(struct zv_rtp *rtp, uint8_t pt, const uint8_t *payload, size_t len,
		uint32_t samples, bool marker);
/* Send an RFC 4733 digit of duration_ms: begin, updates every 50 ms and
 * three end packets, driven by the session's own timer.  Digits sent
 * while one is playing are queued (up to 32: then -EBUSY).  Digits are
 * 0-9 * # A-D (a-d); others -EINVAL.  duration_ms is clamped to
 * 40..8000. */
int zv_rtp_send_dtmf(struct zv_rtp *rtp, char digit, unsigned duration_ms);

/*
 * Relay (the native bridge): from now on, media packets of payload type
 * in_pt and telephone-events received on `from` are sent on `to` at once,
 * in the receive callback: no on_rtp, no frame.  The packet is rewritten
 * to `to`'s stream: its SSRC, a sequence number and timestamp continuing
 * what `to` sent before (offsets kept while the source's SSRC and
 * sequence run on, so gaps and reordering show through; a new SSRC or a
 * jump resyncs with the marker bit), payload type out_pt (events: out_dtmf_pt,
 * dropped when it is negative); padding, CSRCs and header extensions are
 * dropped.  SRTP is unprotected on `from` and protected on `to` as each
 * session is keyed.  Other payload types are dropped.  RTCP stays per
 * session.  Events are still decoded on `from`: their digits go to
 * on_digit (when not NULL) instead of the on_dtmf callback, so a digit is
 * never relayed twice.  Media arriving while `to` sends a digit of its own
 * is dropped, as zv_rtp_send() does.  to == NULL stops the relay (from's
 * packets go to on_rtp/on_dtmf again).  Both sessions must be on the same
 * loop; freeing either stops the relay.  0 or -EINVAL (to == from, other
 * loops, pt above 127).
 */
typedef void zv_rtp_digit_cb(void *arg, char digit, unsigned duration_ms, bool begin);
int zv_rtp_relay(struct zv_rtp *from, struct zv_rtp *to, int in_pt, int out_pt, int out_dtmf_pt,
		 zv_rtp_digit_cb *on_digit, void *arg);
/* The session `from` relays to, or NULL. */
struct zv_rtp *zv_rtp_relay_peer(const struct zv_rtp *from);

struct zv_rtp_stats {
	uint32_t local_ssrc, remote_ssrc;
	uint64_t tx_packets, tx_octets, rx_packets, rx_octets; /* payload octets */
	uint32_t rx_lost;	/* expected - received (RFC 3550 A.3) */
	double rx_jitter_ms;	/* interarrival jitter */
	double rtt_ms;		/* from RTCP (LSR/DLSR), 0 unknown (a measured RTT
				 * below 1/65536 s reads as one such unit) */
	uint32_t remote_lost;	/* as reported by the far end's RR */
	double remote_jitter_ms;
};
void zv_rtp_get_stats(const struct zv_rtp *rtp, struct zv_rtp_stats *st);

/*
 * SRTP with SDES (RFC 4568): crypto suite name as in the SDP
 * ("AES_CM_128_HMAC_SHA1_80", "AES_CM_128_HMAC_SHA1_32") and the
 * base64 key||salt.  zv_rtp_srtp_local_key() makes our key for an offer
 * or answer: it protects what we send (SRTP and SRTCP) from then on.
 * The remote key authenticates and decrypts what we receive; once set,
 * packets that fail are dropped.  b64 may carry the SDP's "inline:" and
 * "|lifetime" parts; an MKI is -ENOTSUP.  Calling again re-keys.
 * 0 or a negative errno (-EINVAL: unknown suite or bad key, -ENOSPC: b64
 * too small, it needs 41 octets).
 */
int zv_rtp_srtp_local_key(struct zv_rtp *rtp, const char *suite, char *b64, size_t size);
int zv_rtp_srtp_set_remote_key(struct zv_rtp *rtp, const char *suite, const char *b64);

/*
 * DTLS-SRTP (RFC 5763, 5764): a DTLS 1.2 handshake on the RTP socket
 * (packets whose first octet is 20..63, RFC 7983) exports the SRTP keys
 * (profiles SRTP_AES128_CM_SHA1_80 and _32) for both directions.  Until
 * it is done and the peer verified, media received is dropped and none
 * is sent.  The RTCP port runs its own association (RFC 5764 without
 * rtcp-mux) whose keys protect RTCP once it is done; until then, or when
 * the peer never answers it, RTCP uses the RTP association's keys.
 *
 * A context holds our certificate and the verification settings (as
 * pjsip.conf's dtls_* options); contexts are shared and cached by their
 * settings, so every call of an endpoint uses the same one.  Any thread.
 */
enum {
	ZV_DTLS_VERIFY_FINGERPRINT = 1 << 0, /* the peer's cert against a=fingerprint */
	ZV_DTLS_VERIFY_CERTIFICATE = 1 << 1, /* the peer's chain against the CA */
};
enum zv_dtls_hash { ZV_DTLS_SHA256, ZV_DTLS_SHA1 };
struct zv_dtls_conf {
	const char *cert_file;	  /* PEM; NULL with auto_generate */
	const char *key_file;	  /* NULL: in cert_file */
	const char *ca_file, *ca_path; /* for ZV_DTLS_VERIFY_CERTIFICATE */
	bool auto_generate;	  /* a self-signed ECDSA P-256 cert, made once */
	unsigned verify;	  /* ZV_DTLS_VERIFY_* */
	enum zv_dtls_hash hash;	  /* of our a=fingerprint */
};
struct zv_dtls_ctx;
/* The shared context for conf (a reference), or NULL with a reason in
 * err (unreadable cert or key, key not matching, bad CA). */
struct zv_dtls_ctx *zv_dtls_ctx_get(const struct zv_dtls_conf *conf, char *err, size_t size);
void zv_dtls_ctx_put(struct zv_dtls_ctx *ctx);
/* Our a=fingerprint value: "sha-256 AB:CD:..." */
const char *zv_dtls_ctx_fingerprint(const struct zv_dtls_ctx *ctx);
/* Verification flags of the context. */
unsigned zv_dtls_ctx_verify(const struct zv_dtls_ctx *ctx);

/* a=setup: ACTIVE is the DTLS client, PASSIVE the server; ACTPASS (our
 * offer, the answer not known yet) acts as the server if the peer's
 * ClientHello comes first, and a later start with ACTIVE makes it the
 * client when nothing has arrived. */
enum zv_dtls_role { ZV_DTLS_ACTPASS, ZV_DTLS_ACTIVE, ZV_DTLS_PASSIVE };
/* Start (or settle the role of) DTLS on rtp, holding a reference to ctx.
 * An active session sends its ClientHello to the remote at once (set the
 * remote first).  0, -EINVAL (another ctx, a role change after the
 * handshake began), -ENOMEM. */
int zv_rtp_dtls_start(struct zv_rtp *rtp, struct zv_dtls_ctx *ctx, enum zv_dtls_role role);
/* The peer's a=fingerprint: hash name ("sha-256", "sha-1", ...) and the
 * hex value with colons.  Checked when the handshake completes (or now,
 * when it already has).  0 or -EINVAL (unknown hash, malformed). */
int zv_rtp_dtls_set_fingerprint(struct zv_rtp *rtp, const char *hash, const char *fp);
/* 1: keyed, 0: in progress (or not DTLS), negative: failed as on_dtls. */
int zv_rtp_dtls_state(const struct zv_rtp *rtp);

/*
 * Jitter buffer (speexdsp's) for media that is terminated here, never for
 * relayed packets.  Sizes in ms as func_jitterbuffer's: max_size (200),
 * resync_threshold (1000: a timestamp jump beyond it restarts the buffer),
 * target_extra (40: extra delay kept above the measured jitter).
 * adaptive: the delay follows the jitter (speexdsp's estimator); fixed:
 * the delay is max_size from the first packet on.  step: the clock units
 * of one 20 ms output frame; clock: units per second.  Not thread-safe:
 * the owner's loop.
 */
struct zv_jb_conf {
	bool adaptive;
	unsigned max_size_ms, resync_threshold_ms, target_extra_ms;
};
#define ZV_JB_DEFAULT_MAX_MS 200
#define ZV_JB_DEFAULT_RESYNC_MS 1000
#define ZV_JB_DEFAULT_EXTRA_MS 40
struct zv_jb;
/* NULL with errno (EINVAL: step or clock 0). */
struct zv_jb *zv_jb_new(const struct zv_jb_conf *conf, unsigned clock, unsigned step);
void zv_jb_free(struct zv_jb *jb);
/* A received payload with its RTP timestamp and span (clock units);
 * copied.  0, -EINVAL (empty or larger than ZV_JB_MAX_PAYLOAD), or
 * -ENOBUFS (later than max_size: dropped). */
#define ZV_JB_MAX_PAYLOAD 1400
int zv_jb_put(struct zv_jb *jb, const uint8_t *data, size_t len, uint32_t ts, uint32_t span);
/* Once per output frame (every step): the next payload in timestamp
 * order into buf (ZV_JB_MAX_PAYLOAD octets), its length into *lenp, its
 * timestamp into *tsp and its span into *spanp (may be NULL): 0; or
 * -EAGAIN (nothing due now: missing or still buffering). */
int zv_jb_get(struct zv_jb *jb, uint8_t *buf, size_t *lenp, uint32_t *tsp, uint32_t *spanp);

/* Configure from rtp.conf ([general] rtpstart, rtpend; defaults
 * 10000-20000).  Main thread, at load/reload; sessions created later use
 * it.  RTP takes an even port in [start, end], RTCP the next one. */
void zv_rtp_set_port_range(uint16_t start, uint16_t end);

#endif
