/*
 * SDP parser (RFC 4566, with the RFC 3264 offer/answer attributes a PBX
 * needs): session and media descriptions as views into the body of a SIP
 * message, in fixed-size arrays.
 *
 * Strictness: every line must be "<letter>=<value>" with a known type
 * letter; v=0 must come first, then o= (six fields), s= and at least one
 * t= (two numbers) before the first m=.  Each m= needs a port, a protocol
 * and at least one format; RTP formats must be payload types 0..127.  A
 * media with a non-zero port needs a c= line, its own or the session's.
 * rtpmap, fmtp, ptime, maxptime, rtcp and crypto values must parse.  An
 * attribute we do not know is kept only in the counters (it is legal).
 * Lines end in CRLF or LF.  Too many media, formats, rtpmaps, fmtps or
 * crypto lines are an error (-E2BIG), not a silent truncation.
 *
 * Pure and thread-safe; nothing is allocated.
 */
#ifndef SIP_PARSER_SDP_H
#define SIP_PARSER_SDP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <zvonok/str.h>

#define SDP_MAX_MEDIA 8
#define SDP_MAX_FMT 32
#define SDP_MAX_FMTP 16
#define SDP_MAX_CRYPTO 4

enum sdp_dir {
	SDP_DIR_SENDRECV = 0,
	SDP_DIR_SENDONLY,
	SDP_DIR_RECVONLY,
	SDP_DIR_INACTIVE,
};

enum sdp_media_type {
	SDP_MEDIA_OTHER = 0,
	SDP_MEDIA_AUDIO,
	SDP_MEDIA_VIDEO,
	SDP_MEDIA_IMAGE,
	SDP_MEDIA_TEXT,
	SDP_MEDIA_APPLICATION,
};

enum sdp_proto {
	SDP_PROTO_OTHER = 0,
	SDP_PROTO_RTP_AVP,
	SDP_PROTO_RTP_AVPF,
	SDP_PROTO_RTP_SAVP,
	SDP_PROTO_RTP_SAVPF,
	SDP_PROTO_UDPTL,
	SDP_PROTO_UDP_TLS_RTP_SAVPF,
};

struct sdp_conn {
	bool present;
	bool ipv6;		/* addrtype IP6 */
	struct zv_str addr;	/* without any /ttl/count suffix */
};

struct sdp_rtpmap {
	uint8_t pt;
	uint8_t channels;	/* 1 when absent */
	uint32_t clock_rate;
	struct zv_str encoding;	/* "PCMU", "opus", "telephone-event" */
};

struct sdp_fmtp {
	uint8_t pt;
	struct zv_str params;
};

struct sdp_crypto {
	uint32_t tag;
	struct zv_str suite;		/* "AES_CM_128_HMAC_SHA1_80" */
	struct zv_str key_params;	/* "inline:..." (first of them) */
	struct zv_str session_params;	/* the rest of the line, or empty */
};

struct sdp_media {
	enum sdp_media_type type;
	struct zv_str type_name;
	uint16_t port;			/* 0: stream rejected/disabled */
	uint16_t n_ports;		/* 1 unless "port/n" */
	enum sdp_proto proto;
	struct zv_str proto_name;
	struct zv_str fmts[SDP_MAX_FMT];
	uint8_t pts[SDP_MAX_FMT];	/* for RTP protos */
	unsigned n_fmts;

	struct sdp_conn conn;		/* own c=, else a copy of the session's */
	uint32_t bandwidth_as;		/* b=AS: kbit/s, 0 if absent */
	struct sdp_rtpmap rtpmaps[SDP_MAX_FMT];
	unsigned n_rtpmaps;
	struct sdp_fmtp fmtps[SDP_MAX_FMTP];
	unsigned n_fmtps;
	uint32_t ptime;			/* ms, 0 if absent */
	uint32_t maxptime;
	enum sdp_dir dir;		/* own attribute, else the session's */
	bool has_rtcp;
	uint16_t rtcp_port;
	struct zv_str rtcp_addr;
	bool rtcp_mux;
	struct sdp_crypto cryptos[SDP_MAX_CRYPTO];
	unsigned n_cryptos;
	struct zv_str ice_ufrag;	/* own, else the session's */
	struct zv_str ice_pwd;
	unsigned n_candidates;
	struct zv_str setup;		/* own, else the session's */
	struct zv_str fingerprint_hash;	/* "sha-256" */
	struct zv_str fingerprint;
	struct zv_str mid;
	unsigned n_other_attrs;
};

struct sdp_session {
	struct zv_str origin_user;
	struct zv_str origin_sess_id;
	uint64_t origin_sess_version;
	struct zv_str origin_addr;
	bool origin_ipv6;
	struct zv_str name;		/* s= */
	struct sdp_conn conn;
	uint32_t bandwidth_as;
	uint64_t t_start, t_stop;
	enum sdp_dir dir;
	struct zv_str ice_ufrag;
	struct zv_str ice_pwd;
	bool ice_lite;
	struct zv_str setup;
	struct zv_str fingerprint_hash;
	struct zv_str fingerprint;
	struct sdp_media media[SDP_MAX_MEDIA];
	unsigned n_media;
	unsigned n_other_attrs;
	unsigned err_line;		/* 1-based line of the error, 0 if none */
	const char *err;		/* short reason, NULL if none */
};

/*
 * Parse len bytes at buf (need not be NUL-terminated) into *sess.
 * Returns 0; -EBADMSG for malformed text; -E2BIG when an array limit above
 * is exceeded.  On error, sess->err and sess->err_line say what and where.
 */
int sdp_parse(const char *buf, size_t len, struct sdp_session *sess);

/* The rtpmap of payload type pt in m, or NULL (static types have none). */
const struct sdp_rtpmap *sdp_media_rtpmap(const struct sdp_media *m, uint8_t pt);
/* The fmtp parameters of pt in m, or NULL. */
const struct sdp_fmtp *sdp_media_fmtp(const struct sdp_media *m, uint8_t pt);

#endif
