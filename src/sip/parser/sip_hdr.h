/*
 * Typed parsers for SIP header values: Via, CSeq, name-addr headers (From,
 * To, Contact, Route, Record-Route, P-Asserted-Identity...), Event,
 * Subscription-State and the plain numbers (Expires, Max-Forwards,
 * Content-Length).
 *
 * Each parser takes one value (for list headers, one element given by
 * sip_list_next() or sip_value_iter_next()) and fills a caller struct with
 * views into it.  Header parameters are left as a view ("params", starting
 * at the first ';') for sip_param_find(); the common ones are also picked
 * out.  Views of quoted strings exclude the quotes and keep backslash
 * escapes: decode with sip_unquote().
 *
 * All return 0 or -EBADMSG (-ERANGE for numbers out of range).  Pure and
 * thread-safe; nothing is allocated.
 */
#ifndef SIP_PARSER_SIP_HDR_H
#define SIP_PARSER_SIP_HDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <zvonok/str.h>

enum sip_via_transport {
	SIP_TRANSPORT_OTHER = 0,
	SIP_TRANSPORT_UDP,
	SIP_TRANSPORT_TCP,
	SIP_TRANSPORT_TLS,
	SIP_TRANSPORT_SCTP,
	SIP_TRANSPORT_WS,
	SIP_TRANSPORT_WSS,
};

struct sip_via {
	struct zv_str proto;		/* "SIP" */
	struct zv_str version;		/* "2.0" */
	struct zv_str transport_name;	/* "UDP" as written */
	enum sip_via_transport transport;
	struct zv_str host;		/* IPv6 without the brackets */
	bool host_ipv6;
	bool has_port;
	uint16_t port;
	struct zv_str params;		/* from the first ';', or empty */
	struct zv_str branch;
	struct zv_str received;
	struct zv_str maddr;
	bool rport;			/* rport present */
	bool has_rport_value;
	uint16_t rport_value;
	bool has_ttl;
	uint8_t ttl;
};

/* One Via value ("SIP/2.0/UDP host:port;branch=..."), LWS around '/' ok. */
int sip_via_parse(struct zv_str value, struct sip_via *viap);

/* Transport enum from a name, any case ("udp", "TLS", "WSS"). */
enum sip_via_transport sip_transport_lookup(struct zv_str name);

struct sip_cseq {
	uint32_t seq;			/* < 2^31 */
	struct zv_str method_name;
	int method;			/* enum sip_method */
};

int sip_cseq_parse(struct zv_str value, struct sip_cseq *cseqp);

/*
 * name-addr or addr-spec with header parameters:
 *   "Bob" <sip:bob@b.example>;tag=1   Bob <sip:bob@b>   sip:bob@b;tag=1   *
 * In the addr-spec form the URI ends at the first ';' (what follows are
 * header parameters, RFC 3261 §20).
 */
struct sip_addr {
	bool star;			/* Contact: * */
	bool quoted_display;
	struct zv_str display;		/* without quotes; escapes kept */
	struct zv_str uri;		/* without <> */
	struct zv_str params;		/* from the first ';', or empty */
	struct zv_str tag;
	bool has_tag;
};

int sip_addr_parse(struct zv_str value, struct sip_addr *addrp);

/* Event: package[.template] *(;param); id picked out. */
struct sip_event {
	struct zv_str package;
	struct zv_str id;
	struct zv_str params;
};

int sip_event_parse(struct zv_str value, struct sip_event *evp);

enum sip_substate {
	SIP_SUBSTATE_OTHER = 0,
	SIP_SUBSTATE_ACTIVE,
	SIP_SUBSTATE_PENDING,
	SIP_SUBSTATE_TERMINATED,
};

struct sip_subscription_state {
	enum sip_substate state;
	struct zv_str state_name;
	bool has_expires;
	uint32_t expires;
	struct zv_str reason;
	bool has_retry_after;
	uint32_t retry_after;
	struct zv_str params;
};

int sip_subscription_state_parse(struct zv_str value, struct sip_subscription_state *ssp);

/*
 * A whole value that is one decimal number (LWS around it allowed), at
 * most max.  Used for Expires (max UINT32_MAX), Max-Forwards (255),
 * Content-Length, Min-Expires, RSeq.  Returns 0, -EBADMSG or -ERANGE.
 */
int sip_uint_parse(struct zv_str value, uint32_t max, uint32_t *outp);

/*
 * Look a parameter up in a ";a=1;b;c=\"x\"" list (as in the params
 * views above), name compared case-insensitively.  Returns 0 with the
 * value (empty for a flag; quoted values keep their quotes), -ENOENT, or
 * -EBADMSG for a malformed list.
 */
int sip_param_find(struct zv_str params, const char *name, struct zv_str *valp);

/*
 * Decode a quoted-string's inner text (backslash escapes) into buf.
 * Returns 0 with *lenp bytes written (not NUL-terminated), -ENOSPC or
 * -EBADMSG (a trailing lone backslash).
 */
int sip_unquote(struct zv_str inner, char *buf, size_t size, size_t *lenp);

#endif
