/*
 * The SIP layer's internal API: transports, received messages, server and
 * client transactions, message building.  Used by everything in src/sip/
 * (registrar, subscriptions, the channel driver); nothing outside src/sip/
 * includes it.
 *
 * THREADS
 * Every SIP transaction, dialog and call belongs to one worker loop, the
 * one zv_worker_for_key() picks for its Call-ID, so retransmissions and
 * in-dialog requests always meet their state without locks.  Transports
 * read on every worker (UDP: one SO_REUSEPORT socket per worker; TCP: the
 * loop that accepted the connection) and hand each message to its owner.
 * Calls here run on the owning worker unless noted.
 */
#ifndef ZV_SIP_CORE_SIP_H
#define ZV_SIP_CORE_SIP_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include <zvonok/str.h>

#include "sip/parser/sip_msg.h"

struct zv_loop;
struct sip_tp;
struct sip_conn;

/* ---- addresses ---------------------------------------------------------- */

struct sip_sockaddr {
	struct sockaddr_storage ss;
	socklen_t len;
};

/* "1.2.3.4:5060" / "[::1]:5060" into buf. */
const char *sip_sockaddr_str(const struct sip_sockaddr *a, char *buf, size_t size);
/* The address alone (no port), at least INET6_ADDRSTRLEN bytes; "0.0.0.0"
 * when neither IPv4 nor IPv6.  IPv4 without inet_ntop()'s printf. */
void sip_sockaddr_ip(const struct sip_sockaddr *a, char *buf, size_t size);
/* Parse "host[:port]" with a numeric host; default_port when absent. */
int sip_sockaddr_parse(const char *text, uint16_t default_port, struct sip_sockaddr *a);
bool sip_sockaddr_equal(const struct sip_sockaddr *a, const struct sip_sockaddr *b);
uint16_t sip_sockaddr_port(const struct sip_sockaddr *a);

/* ---- transports ------------------------------------------------------- */

enum sip_tp_proto {
	SIP_TP_UDP,
	SIP_TP_TCP,
	SIP_TP_TLS,
	SIP_TP_WS,
	SIP_TP_WSS,
};

const char *sip_tp_proto_name(enum sip_tp_proto proto); /* "UDP" */
const char *sip_tp_proto_lower(enum sip_tp_proto proto); /* "udp" */

/* A received message, owned by the worker that processes it. */
struct sip_rx {
	char *buf; /* owned copy of the datagram / frame */
	size_t len;
	struct sip_msg msg;
	struct sip_tp *tp; /* borrowed: transports live until stop */
	struct sip_conn *conn; /* referenced; NULL for UDP */
	struct sip_sockaddr src;
	uint64_t rx_us; /* arrival on the host, zv_mono_us() (overload detector) */
};

/*
 * The far end to reach: a transport, a connection for stream transports
 * (NULL: open or reuse one to addr) and the address.
 */
struct sip_target {
	struct sip_tp *tp;
	struct sip_conn *conn;
	struct sip_sockaddr addr;
};

/* TLS settings of a transport (PEM files; NULL when not set). */
struct sip_tp_tls {
	const char *cert_file;
	const char *key_file;
	const char *ca_file;
	bool verify_client; /* require and check a client certificate */
	bool verify_server; /* check servers we connect to against ca_file */
};

/*
 * Open the listening sockets of a transport; main thread, workers up.
 * tls is required for SIP_TP_TLS and ignored otherwise.  Errors: -EINVAL
 * with a message logged when the certificate or key cannot be used,
 * -EPROTONOSUPPORT for transports not built yet, or the bind error.
 */
int sip_tp_open(const char *name, enum sip_tp_proto proto, const struct sip_sockaddr *bind,
		const struct sip_tp_tls *tls, struct sip_tp **tpp);
void sip_tp_close_all(void);
/* The first open transport of a protocol, or NULL. */
struct sip_tp *sip_tp_find_proto(enum sip_tp_proto proto);
struct sip_tp *sip_tp_find(const char *name);
const char *sip_tp_name(const struct sip_tp *tp);
enum sip_tp_proto sip_tp_proto(const struct sip_tp *tp);
/* Address and port this transport is bound to (the real port after
 * binding port 0). */
const struct sip_sockaddr *sip_tp_local(const struct sip_tp *tp);
/* Visit transports (any thread, after start-up). */
void sip_tp_foreach(void (*cb)(void *arg, struct sip_tp *tp), void *arg);

/*
 * Keep-alive interval of stream connections in seconds (RFC 5626 4.4.1;
 * 0: off).  A connection with nothing received or sent for that long gets
 * a CRLFCRLF ping (an empty ping frame on ws/wss once open).  Applies to
 * connections opened afterwards; any thread.  Double-CRLF pings received
 * are always answered with a CRLF pong.
 */
void sip_tp_keepalive_set(unsigned seconds);

/* Send bytes to a target (any worker). 0 or negative errno. */
int sip_send(const struct sip_target *t, const char *buf, size_t len);

struct sip_conn *sip_conn_ref(struct sip_conn *conn);
void sip_conn_unref(struct sip_conn *conn);

/* Called by transports for each message received (any worker): parses,
 * answers 400 to malformed requests, and hands it to its owner.
 * arrived_us: when it reached the host (zv_mono_us()), 0 for now. */
void sip__rx_dispatch(struct sip_tp *tp, struct sip_conn *conn,
		      const struct sip_sockaddr *src, const char *buf, size_t len,
		      uint64_t arrived_us);

/* Release a received message. */
void sip_rx_free(struct sip_rx *rx);

/* ---- logging of messages (pjsip set logger) ---------------------------- */

extern bool sip_logger_on;
void sip_log_msg(bool in, const struct sip_tp *tp, const struct sip_sockaddr *peer,
		 const char *buf, size_t len);

/* ---- building messages -------------------------------------------------- */

/* A growable text buffer for building messages. */
struct sip_buf {
	char *p;
	size_t len, cap;
	bool oom;
};

void sip_buf_init(struct sip_buf *b);
void sip_buf_free(struct sip_buf *b);
void sip_buf_printf(struct sip_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sip_buf_append(struct sip_buf *b, const char *s, size_t len);
void sip_buf_str(struct sip_buf *b, struct zv_str s);
/* Plain appends for the per-call paths (printf costs ~1000 instructions
 * a call): a C string, an unsigned number in decimal. */
void sip_buf_cstr(struct sip_buf *b, const char *s);
void sip_buf_uint(struct sip_buf *b, unsigned long long v);
/* The text, for keeping: reallocated to its length (buffers start at 1
 * KiB, which a call would otherwise hold per kept header or body), or
 * NULL when an append ran out of memory or nothing was appended.  b is
 * empty afterwards; the caller frees the result. */
char *sip_buf_take(struct sip_buf *b);

/* New random token (tags, branches without the cookie), [a-z0-9]. */
void sip_random_token(char *buf, size_t len);
/* A Via branch: "z9hG4bK" + random. */
void sip_new_branch(char *buf, size_t size);
/* A Call-ID that the current worker owns (zv_worker_for_key maps it to
 * the calling worker). */
void sip_new_callid(char *buf, size_t size);

/*
 * Build a response to request rx: status line, the Via headers (the top
 * one with received= and rport= filled in as RFC 3581 asks), From, To
 * (with to_tag added when the request's To has none and status > 100),
 * Call-ID, CSeq, then extra (complete header lines with CRLF, may be
 * NULL), Server, Content-Length and the body.
 */
int sip_build_response(const struct sip_rx *rx, unsigned status, const char *reason,
		       const char *to_tag, const char *extra, const char *ctype,
		       const char *body, struct sip_buf *out);

/* Default reason phrase for a status code. */
const char *sip_reason_phrase(unsigned status);

/* Where a response to rx goes (RFC 3261 §18.2.2 with RFC 3581). */
void sip_response_target(const struct sip_rx *rx, struct sip_target *t);

/* ---- transactions ------------------------------------------------------------ */

struct sip_stsx; /* server transaction */

/*
 * Handler for requests that start a server transaction (one per method;
 * in-dialog requests first go to the dialog layer).  The handler answers
 * now or later with sip_stsx_respond(); it must answer eventually (the
 * transaction layer answers 500 if it is freed unanswered).  st is valid
 * until a final response has been sent.
 */
typedef void(sip_request_cb)(struct sip_stsx *st, const struct sip_rx *rx);
void sip_method_handler_set(enum sip_method method, sip_request_cb *cb);

/* The request of a server transaction. */
const struct sip_rx *sip_stsx_request(const struct sip_stsx *st);

/*
 * Send a response in a server transaction.  Final responses (>= 200)
 * complete it; retransmissions of the request are then answered with the
 * same response by the transaction layer (timer G/H for INVITE).
 * to_tag: see sip_build_response().  0 or negative errno.
 */
int sip_stsx_respond(struct sip_stsx *st, unsigned status, const char *reason,
		     const char *to_tag, const char *extra, const char *ctype, const char *body);

/* The To tag a transaction uses in its responses (made once, on demand). */
const char *sip_stsx_to_tag(struct sip_stsx *st);

/*
 * Answer a request statelessly (for requests rejected before a transaction
 * exists: malformed, banned, overloaded).
 */
int sip_respond_stateless(const struct sip_rx *rx, unsigned status, const char *reason,
			  const char *extra);

struct sip_ctsx; /* client transaction */

/*
 * Response callback for a client transaction: called for every
 * provisional and the final response (rx != NULL), or once with rx NULL
 * and status 408 on timeout or 503 on a transport error.  After a final
 * response or an error the transaction is gone: don't touch ct again.
 */
typedef void(sip_response_cb)(void *arg, struct sip_ctsx *ct, unsigned status,
			      const struct sip_rx *rx);

/*
 * Send a request built by the caller (its top Via must carry branch) to
 * target as a client transaction on the current worker.
 */
int sip_ctsx_send(const struct sip_target *target, enum sip_method method, const char *branch,
		  const char *buf, size_t len, sip_response_cb *cb, void *arg,
		  struct sip_ctsx **ctp);
/* Stop waiting for a transaction's responses (its callback will not run). */
void sip_ctsx_abandon(struct sip_ctsx *ct);

/*
 * Admission filter: called on the owning worker for every received
 * request (not responses) before any transaction lookup or creation.
 * Returning false drops the request; the filter may have answered it
 * statelessly (sip_respond_stateless()) first, e.g. 503 when overloaded,
 * or not at all (a banned source).  One filter (the registrar's
 * protection); NULL removes it.  Set at start, cleared at stop, main
 * thread; the filter itself must be thread-safe.
 */
typedef bool(sip_rx_filter_cb)(const struct sip_rx *rx);
void sip_rx_filter_set(sip_rx_filter_cb *filter);

/*
 * A 2xx to an INVITE that matches no client transaction: the INVITE
 * transaction ended at its first 2xx (RFC 3261 17.1.1.2), so this is a
 * retransmission (our ACK was lost) or a 2xx from another fork.  Called
 * on the worker that owns the Call-ID, before rx is freed (the callback
 * borrows it); the dialog layer re-sends its ACK (13.2.2.4).  One
 * callback (the SIP channel driver's); NULL removes it.  Set at start,
 * cleared at stop, main thread.
 */
typedef void(sip_stray_response_cb)(const struct sip_rx *rx);
void sip_stray_response_set(sip_stray_response_cb *cb);

/* Statistics for CLI and benchmarks (current worker's and all). */
struct sip_stats {
	uint64_t rx_requests, rx_responses, tx_requests, tx_responses;
	uint64_t retransmissions, malformed, stsx_alive, ctsx_alive;
	/* of stsx_alive, those reduced to retransmission absorbers (tsx.c
	 * remnants), and the 64 KB blocks that hold them */
	uint64_t stsx_remnants, remnant_blocks;
};
void sip_stats_get(struct sip_stats *st);

/* Transaction layer per worker: init on each worker, fini at stop. */
void sip__tsx_worker_init(void *arg);
void sip__tsx_worker_fini(void *arg);
/* Process a received message on its owner worker (takes rx). */
void sip__tsx_rx(struct sip_rx *rx);
/* Tests: move this worker's transaction clock (the remnants' ends) ms
 * forward; with sweep, drop the remnants that are over now. */
void sip__tsx_time_warp(uint32_t ms, bool sweep);

/* Header value helper: Server/User-Agent text. */
const char *sip_user_agent(void);
void sip_set_user_agent(const char *ua);

#endif
