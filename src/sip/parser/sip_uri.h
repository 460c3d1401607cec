/*
 * SIP, SIPS and tel URI parser (RFC 3261 §19.1, RFC 3966), %XX decoding and
 * the RFC 3261 §19.1.4 comparison rules.
 *
 * sip_uri_parse() validates the characters of every component and returns
 * views into the input; escapes are left in place (decode a component with
 * sip_unescape() when you need its text).  For tel URIs the number is in
 * user and host is empty.  Pure and thread-safe; nothing is allocated.
 */
#ifndef SIP_PARSER_SIP_URI_H
#define SIP_PARSER_SIP_URI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <zvonok/str.h>

enum sip_uri_scheme {
	SIP_URI_SIP = 1,
	SIP_URI_SIPS,
	SIP_URI_TEL,
};

struct sip_uri {
	enum sip_uri_scheme scheme;
	struct zv_str user;		/* escapes kept; the number for tel: */
	struct zv_str password;
	bool has_password;
	struct zv_str host;		/* IPv6 without brackets */
	bool host_ipv6;
	bool has_port;
	uint16_t port;
	struct zv_str params;		/* after the first ';', up to '?' */
	struct zv_str headers;		/* after '?' */
	/* Well-known parameters, picked out of params. */
	struct zv_str transport;
	struct zv_str maddr;
	struct zv_str user_param;	/* ;user=phone */
	struct zv_str method;
	struct zv_str ttl;
	bool lr;
};

/*
 * Parse a whole URI (no surrounding <> or white space).
 * Returns 0, or -EBADMSG for a malformed one, -EPROTONOSUPPORT for a
 * scheme other than sip, sips or tel.
 */
int sip_uri_parse(struct zv_str s, struct sip_uri *urip);

/*
 * Look up a ";name[=value]" URI parameter (name compared case-insensitively,
 * escapes in it are not decoded).  Returns 0 with *valp (empty for a flag
 * such as lr), or -ENOENT.  valp may be NULL.
 */
int sip_uri_param(const struct sip_uri *uri, const char *name, struct zv_str *valp);

/* Same for "?name=value&..." headers. */
int sip_uri_header(const struct sip_uri *uri, const char *name, struct zv_str *valp);

/*
 * Decode %XX escapes of in into buf (size bytes, not NUL-terminated).
 * Returns 0 with *lenp set, -EBADMSG for a bad escape, -ENOSPC.
 */
int sip_unescape(struct zv_str in, char *buf, size_t size, size_t *lenp);

/* The user part of a URI (sip:, sips:, tel:) unescaped into buf, or ""
 * when the URI does not parse or the user does not unescape; returns buf. */
const char *sip_uri_user(struct zv_str uri, char *buf, size_t size);

/*
 * RFC 3261 §19.1.4: same scheme; user and password equal byte for byte
 * after unescaping; host case-insensitive; port present in both and equal,
 * or absent in both; user, ttl, method, maddr and transport parameters
 * either absent in both or equal (case-insensitive), other parameters
 * equal where present in both; the header sets equal.  tel URIs compare
 * the number (visual separators ignored) and all parameters.
 */
bool sip_uri_equal(const struct sip_uri *a, const struct sip_uri *b);

#endif
