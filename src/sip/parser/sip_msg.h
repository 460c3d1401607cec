/*
 * SIP message parser: start line, header boundaries and body of one SIP
 * message, as views into the caller's receive buffer.
 *
 * DESIGN
 * sip_msg_parse() makes one pass over the header part: it cuts it into
 * lines (unfolding continuation lines, which stay inside the value view),
 * recognises each header's name (full or compact form, any case) and
 * records name, value and id in a fixed array inside struct sip_msg.
 * Nothing is allocated and nothing is copied; the views live as long as
 * the buffer.  The headers every layer above needs on every message are
 * checked and decoded in the same pass: the top Via, From, To, Call-ID,
 * CSeq and Content-Length.  Everything else is parsed on demand with the
 * typed parsers of sip_hdr.h and sip_digest.h.
 *
 * Strictness decisions (each failure sets msg->err, see sip_err_reason()):
 *   - The start line must be "METHOD SP Request-URI SP SIP/2.0" or
 *     "SIP/2.0 SP 3DIGIT SP Reason" with exactly one SP between elements;
 *     the version must be SIP/2.0 (case-insensitive); status 100..699.
 *   - Lines end in CRLF; a bare LF is accepted too (many stacks send it on
 *     the wire by mistake and the meaning is unambiguous).  The header part
 *     must end in an empty line; a message cut before it is rejected.
 *   - Via, From, To, Call-ID and CSeq are mandatory (RFC 3261 §8.1.1).
 *     Max-Forwards is mandatory for requests in §8.1.1 too, but real UAs
 *     and proxies omit it and RFC 3261 §16.3 itself copes with its absence,
 *     so its absence is accepted; a malformed one is not.
 *   - CSeq must be "number method" with number < 2^31, and in a request
 *     the method must equal the request method.
 *   - From, To and the top Via must parse (balanced quotes and <>); the
 *     top Via must say SIP/2.0.  From, To, Call-ID, CSeq and Max-Forwards
 *     may appear only once.
 *   - No NUL byte may appear in the start line or the headers.
 *   - A line without a colon, an empty header name, more than
 *     SIP_MSG_MAX_HDRS headers or a line longer than SIP_MSG_MAX_LINE is
 *     rejected.
 *   - Content-Length larger than the bytes after the headers is rejected.
 *     A smaller one truncates the body (RFC 3261 §18.3: extra bytes of a
 *     datagram are discarded).  Without Content-Length (allowed on UDP) the
 *     body is everything after the headers.  Two Content-Length headers
 *     with different values are rejected.
 *
 * All functions are pure and thread-safe.
 */
#ifndef SIP_PARSER_SIP_MSG_H
#define SIP_PARSER_SIP_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <zvonok/str.h>

#include "sip/parser/sip_hdr.h"

#define SIP_MSG_MAX_HDRS 96
#define SIP_MSG_MAX_LINE 8192	/* one header, folded lines included */
#define SIP_MSG_MAX_HEAD 65536	/* start line + headers + empty line */
#define SIP_MSG_MAX_BODY (16u << 20)	/* largest Content-Length on a stream */

enum sip_method {
	SIP_METHOD_UNKNOWN = 0,	/* an extension method: see method_name */
	SIP_METHOD_INVITE,
	SIP_METHOD_ACK,
	SIP_METHOD_BYE,
	SIP_METHOD_CANCEL,
	SIP_METHOD_REGISTER,
	SIP_METHOD_OPTIONS,
	SIP_METHOD_SUBSCRIBE,
	SIP_METHOD_NOTIFY,
	SIP_METHOD_REFER,
	SIP_METHOD_MESSAGE,
	SIP_METHOD_INFO,
	SIP_METHOD_PRACK,
	SIP_METHOD_UPDATE,
	SIP_METHOD_PUBLISH,
	SIP_METHOD__COUNT
};

enum sip_hdr_id {
	SIP_HDR_OTHER = 0,	/* not known here: compare the name */
	SIP_HDR_ACCEPT,
	SIP_HDR_ACCEPT_ENCODING,
	SIP_HDR_ACCEPT_LANGUAGE,
	SIP_HDR_ALERT_INFO,
	SIP_HDR_ALLOW,
	SIP_HDR_ALLOW_EVENTS,		/* u */
	SIP_HDR_AUTHENTICATION_INFO,
	SIP_HDR_AUTHORIZATION,
	SIP_HDR_CALL_ID,		/* i */
	SIP_HDR_CALL_INFO,
	SIP_HDR_CONTACT,		/* m */
	SIP_HDR_CONTENT_DISPOSITION,
	SIP_HDR_CONTENT_ENCODING,	/* e */
	SIP_HDR_CONTENT_LENGTH,		/* l */
	SIP_HDR_CONTENT_TYPE,		/* c */
	SIP_HDR_CSEQ,
	SIP_HDR_DATE,
	SIP_HDR_DIVERSION,
	SIP_HDR_EVENT,			/* o */
	SIP_HDR_EXPIRES,
	SIP_HDR_FROM,			/* f */
	SIP_HDR_MAX_FORWARDS,
	SIP_HDR_MIN_EXPIRES,
	SIP_HDR_MIN_SE,
	SIP_HDR_ORGANIZATION,
	SIP_HDR_P_ASSERTED_IDENTITY,
	SIP_HDR_P_PREFERRED_IDENTITY,
	SIP_HDR_PATH,
	SIP_HDR_PRIVACY,
	SIP_HDR_PROXY_AUTHENTICATE,
	SIP_HDR_PROXY_AUTHORIZATION,
	SIP_HDR_PROXY_REQUIRE,
	SIP_HDR_RACK,
	SIP_HDR_REASON,
	SIP_HDR_RECORD_ROUTE,
	SIP_HDR_REFER_TO,		/* r */
	SIP_HDR_REFERRED_BY,		/* b */
	SIP_HDR_REMOTE_PARTY_ID,
	SIP_HDR_REPLACES,
	SIP_HDR_REQUIRE,
	SIP_HDR_RETRY_AFTER,
	SIP_HDR_ROUTE,
	SIP_HDR_RSEQ,
	SIP_HDR_SERVER,
	SIP_HDR_SESSION_EXPIRES,	/* x */
	SIP_HDR_SIP_ETAG,
	SIP_HDR_SIP_IF_MATCH,
	SIP_HDR_SUBJECT,		/* s */
	SIP_HDR_SUBSCRIPTION_STATE,
	SIP_HDR_SUPPORTED,		/* k */
	SIP_HDR_TIMESTAMP,
	SIP_HDR_TO,			/* t */
	SIP_HDR_UNSUPPORTED,
	SIP_HDR_USER_AGENT,
	SIP_HDR_VIA,			/* v */
	SIP_HDR_WARNING,
	SIP_HDR_WWW_AUTHENTICATE,
	SIP_HDR__COUNT
};

/* Why a parse failed.  Reason texts are short enough for a 400 reason. */
enum sip_err {
	SIP_ERR_NONE = 0,
	SIP_ERR_EMPTY,
	SIP_ERR_START_LINE,
	SIP_ERR_METHOD,
	SIP_ERR_REQUEST_URI,
	SIP_ERR_VERSION,
	SIP_ERR_STATUS,
	SIP_ERR_NUL,
	SIP_ERR_LINE_END,
	SIP_ERR_TRUNCATED,
	SIP_ERR_HDR_NAME,
	SIP_ERR_HDR_COLON,
	SIP_ERR_HDR_FOLD,
	SIP_ERR_HDR_TOO_LONG,
	SIP_ERR_HDR_TOO_MANY,
	SIP_ERR_HEAD_TOO_LONG,
	SIP_ERR_NO_VIA,
	SIP_ERR_NO_FROM,
	SIP_ERR_NO_TO,
	SIP_ERR_NO_CALL_ID,
	SIP_ERR_NO_CSEQ,
	SIP_ERR_BAD_VIA,
	SIP_ERR_BAD_FROM,
	SIP_ERR_BAD_TO,
	SIP_ERR_BAD_CALL_ID,
	SIP_ERR_BAD_CSEQ,
	SIP_ERR_CSEQ_METHOD,
	SIP_ERR_BAD_MAX_FORWARDS,
	SIP_ERR_BAD_CONTENT_LENGTH,
	SIP_ERR_BODY_SHORT,
	SIP_ERR_NO_CONTENT_LENGTH,
	SIP_ERR__COUNT
};

struct sip_hdr {
	struct zv_str name;
	struct zv_str value;	/* trimmed; may span folded lines */
	enum sip_hdr_id id;
};

struct sip_msg {
	bool is_request;

	/* Request line (is_request). */
	enum sip_method method;
	struct zv_str method_name;
	struct zv_str ruri;

	/* Status line (!is_request). */
	unsigned status;
	struct zv_str reason;

	struct sip_hdr hdrs[SIP_MSG_MAX_HDRS];
	unsigned n_hdrs;
	/* Index + 1 in hdrs of the first header of each id, 0 if absent. */
	uint8_t first[SIP_HDR__COUNT];

	/* Decoded during the first pass. */
	struct sip_via via;		/* first value of the first Via */
	struct sip_addr from;
	struct sip_addr to;
	struct zv_str call_id;
	struct sip_cseq cseq;
	bool has_content_length;
	uint32_t content_length;
	bool has_max_forwards;
	uint32_t max_forwards;

	struct zv_str body;
	size_t len;		/* bytes of buf that belong to this message */

	enum sip_err err;	/* why parsing failed, SIP_ERR_NONE if it did not */
};

/*
 * Parse one complete message (a datagram, or a frame that
 * sip_msg_frame_len() delimited) of len bytes at buf into *msg.
 * buf need not be NUL-terminated and must outlive the views in *msg.
 * Returns 0; or a negative errno with msg->err set:
 *   -EBADMSG          malformed (most errors),
 *   -EPROTONOSUPPORT  not SIP/2.0 (answer 505),
 *   -E2BIG            too many headers, header or head too long (513),
 *   -EMSGSIZE         Content-Length larger than the body received.
 */
int sip_msg_parse(const char *buf, size_t len, struct sip_msg *msg);

/*
 * Framing for stream transports (TCP, TLS).  Given the len bytes received
 * so far, returns:
 *   > 0   a complete message is present: *skipp leading bytes are CRLF
 *         keep-alives to drop, and the message is the return value's bytes
 *         after them (headers + Content-Length body);
 *   0     more bytes are needed (*skipp keep-alive bytes may be dropped
 *         already);
 *   < 0   -EBADMSG: no Content-Length, a bad one, or a NUL in the head;
 *         -E2BIG: the head is longer than SIP_MSG_MAX_HEAD or the
 *         Content-Length above SIP_MSG_MAX_BODY.  The stream
 *         cannot be resynchronised: close the connection.
 * The message itself is not validated: call sip_msg_parse() on it.
 */
ssize_t sip_msg_frame_len(const char *buf, size_t len, size_t *skipp);

/* The first header with this id, or NULL. */
const struct sip_hdr *sip_msg_hdr(const struct sip_msg *msg, enum sip_hdr_id id);

/*
 * The next header with the same id as prev (which must point into
 * msg->hdrs), or NULL.  For SIP_HDR_OTHER, also matches the name.
 */
const struct sip_hdr *sip_msg_hdr_next(const struct sip_msg *msg, const struct sip_hdr *prev);

/* The first header with this name (any case, full or compact), or NULL. */
const struct sip_hdr *sip_msg_hdr_by_name(const struct sip_msg *msg, struct zv_str name);

/*
 * Iterator over the comma-separated values of every header with one id,
 * in message order: Via, Contact, Route, Record-Route, Allow, Supported,
 * Require...  Commas inside quoted strings and <...> do not split.
 *
 *	struct sip_value_iter it;
 *	struct zv_str v;
 *	sip_value_iter_init(&it, msg, SIP_HDR_ROUTE);
 *	while ((rc = sip_value_iter_next(&it, &v)) > 0)
 *		...;
 *
 * next() returns 1 with a trimmed non-empty value in *valp, 0 at the end,
 * -EBADMSG on an unterminated quote or <.  Empty elements (",,") are
 * skipped.
 */
struct sip_value_iter {
	const struct sip_msg *msg;
	const struct sip_hdr *hdr;
	struct zv_str rest;
};

void sip_value_iter_init(struct sip_value_iter *it, const struct sip_msg *msg, enum sip_hdr_id id);
int sip_value_iter_next(struct sip_value_iter *it, struct zv_str *valp);

/*
 * Split one element off a comma-separated list in *restp, respecting
 * quotes and <>.  Returns 1 with the trimmed element (possibly empty),
 * 0 if *restp holds only white space, -EBADMSG when unbalanced.
 */
int sip_list_next(struct zv_str *restp, struct zv_str *elemp);

/* Header id for a name (full or compact, any case); SIP_HDR_OTHER if unknown. */
enum sip_hdr_id sip_hdr_lookup(const char *name, size_t len);
/* Canonical full name of a header id ("Call-ID"); "" for SIP_HDR_OTHER. */
const char *sip_hdr_name(enum sip_hdr_id id);

/* Method enum from its token (case-sensitive, as RFC 3261 requires). */
enum sip_method sip_method_lookup(struct zv_str token);
/* Canonical method name; NULL for SIP_METHOD_UNKNOWN. */
const char *sip_method_name(enum sip_method m);

/* Short reason text, e.g. "Missing Call-ID", for a 400 reason phrase. */
const char *sip_err_reason(enum sip_err err);
/* The SIP status to answer a request that failed so (400, 505, 513). */
unsigned sip_err_status(enum sip_err err);

#endif
