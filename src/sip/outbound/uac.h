/*
 * Helpers for requests Zvonok originates as a user agent client: outbound
 * REGISTER (sip_outbound), NOTIFY and MESSAGE (sip_pubsub).  They answer
 * digest challenges, find where a SIP URI's host is, and say which local
 * address a request leaves from (for Via and Contact).
 *
 * The credentials are plain strings here so that callers need not mix the
 * endpoint model's `struct sip_auth` with the digest parser's (both
 * headers use that tag; uac.c is the only file here that includes
 * sip/parser/sip_digest.h).
 *
 * THREADS: all functions are thread-safe and never block, except
 * sip_uac_resolve() (getaddrinfo: call it from the blocking pool).
 */
#ifndef SIP_OUTBOUND_UAC_H
#define SIP_OUTBOUND_UAC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sip/core/sip.h"

/* One outbound credential, as taken from an auth object. */
struct sip_uac_cred {
	const char *username;
	const char *password; /* NULL when only ha1 is known */
	const char *ha1; /* md5(username:realm:password) in hex, or NULL */
	const char *realm; /* NULL: answer any realm */
};

/*
 * Answer the challenge of a 401 (WWW-Authenticate) or 407
 * (Proxy-Authenticate) response resp for a request method/ruri: appends
 * one complete "Authorization: ..." or "Proxy-Authorization: ..." line
 * (with CRLF) to out.  The first challenge whose algorithm is MD5 or
 * SHA-256 and whose realm one of creds[0..ncreds) accepts is answered; a
 * challenge offering qop=auth is answered with qop=auth, nc=00000001 and a
 * fresh cnonce, one without qop in the RFC 2069 form.  An ha1 is usable
 * only for MD5.  Returns 0, -ENOENT (no usable challenge/credential),
 * -EBADMSG (a malformed challenge) or -ENOMEM.
 */
int sip_uac_authorize(const struct sip_rx *resp, const char *method, const char *ruri,
		      const struct sip_uac_cred *creds, size_t ncreds, struct sip_buf *out);

/*
 * The host part of a SIP URI ("sip:user@host:port;params", with or without
 * <>) into host (size bytes; IPv6 without brackets) and its port into
 * *portp (0 when absent).  0 or -EINVAL.
 */
int sip_uac_uri_hostport(const char *uri, char *host, size_t size, uint16_t *portp);

/*
 * Where a request to uri goes when its host is an IP literal: fills addr
 * (default port 5060).  0, -EINVAL, or -EAGAIN when the host is a name
 * (use sip_uac_resolve()).
 */
int sip_uac_uri_addr(const char *uri, struct sip_sockaddr *addr);

/* Resolve a host name as RFC 3263 says (src/sip/dns; blocking: pool
 * threads only).  The first UDP target is taken, else the first; IPv4
 * before IPv6 for one name; port 0 means "look it up" (SRV) or 5060.
 * 0 or -EHOSTUNREACH. */
int sip_uac_resolve(const char *host, uint16_t port, struct sip_sockaddr *addr);

/*
 * Our "host:port" as a peer at dst sees it when we send over tp: the
 * transport's bound address, or, when it is bound to the wildcard
 * address, the source address the kernel routes to dst with.  Written
 * into buf (IPv6 in brackets).  0 or a negative errno.
 */
int sip_uac_local_hostport(const struct sip_tp *tp, const struct sip_sockaddr *dst, char *buf,
			   size_t size);

/* The lower-case transport name for a Via ("UDP", "TCP") and URI
 * parameter (";transport=tcp", "" for UDP) of tp. */
const char *sip_uac_transport_param(const struct sip_tp *tp);

/*
 * A request outside any transaction layer state: what the request line
 * and headers hold.  NULL fields are left out (contact, route_lines,
 * extra, ctype/body).  route_lines and extra are complete header lines
 * ending in CRLF.  from and to are whole header values (tags included).
 */
struct sip_uac_request {
	const char *method;
	const char *ruri;
	const char *transport; /* Via transport: "UDP", "TCP" ... */
	const char *via_hostport; /* our address for Via */
	const char *branch;
	const char *route_lines;
	const char *from;
	const char *to;
	const char *call_id;
	uint32_t cseq;
	const char *contact; /* a URI, put in <> */
	unsigned max_forwards; /* 0: 70 */
	const char *extra;
	const char *ctype;
	const char *body;
};

/*
 * A dialog's route set from the Record-Route values of rx (RFC 3261
 * 12.1.1 for the UAS: in order; 12.1.2 for the UAC, from a response:
 * reversed) as "Route: ...\r\n" lines appended to lines (at least "" so
 * the buffer is allocated), and the first hop's URI into first ("" when
 * there is none).  0, -EBADMSG (a malformed value), -E2BIG (more than 32
 * values when reversing; in order there is no limit).
 */
int sip_uac_route_set(const struct sip_rx *rx, bool reverse, struct sip_buf *lines, char *first,
		      size_t size);

/* Write the request text into out (appended).  0 or -ENOMEM. */
int sip_uac_build_request(const struct sip_uac_request *r, struct sip_buf *out);

#endif
