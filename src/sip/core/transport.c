/*
 * SIP transports: UDP and TCP listeners, stream connections, sending, and
 * the hand-over of each received message to the worker that owns it.
 *
 * DESIGN
 * UDP: every worker has its own socket bound to the transport's address
 * with SO_REUSEPORT and reads it with recvmmsg() in batches; any worker
 * may send on its own socket (the source address is the same).  TCP:
 * every worker listens (SO_REUSEPORT) and owns the connections it
 * accepts; a connection frames messages with sip_msg_frame_len().  A
 * message is parsed where it arrives; if its Call-ID belongs to another
 * worker the whole message is posted there.  Connections are refcounted
 * and kept in a table by peer address for reuse (responses and requests to
 * a phone registered over TCP go over the connection it opened).
 * Keep-alives (RFC 5626 4.4.1): a double-CRLF ping on a stream gets a CRLF
 * pong; with an interval set, each connection has a one-shot timer on its
 * owner loop that sends a ping (a WebSocket ping frame on ws/wss) once
 * nothing has been received or sent for that long.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/bufferevent_ssl.h>
#include <event2/listener.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define ZV_LOG_MODULE "sip"
#include <zvonok/log.h>
#include <zvonok/loop.h>
#include <zvonok/obj.h>

#include "sip/core/sip.h"
#include "sip/core/ws.h"

#define UDP_BATCH 16
#define UDP_MAX 65535
#define TCP_MAX_PENDING (256 * 1024)

struct tp_worker {
	struct sip_tp *tp;
	struct zv_loop *loop;
	int fd; /* UDP socket */
	struct event *ev;
	struct evconnlistener *listener; /* TCP */
};

struct sip_tp {
	char name[64];
	enum sip_tp_proto proto;
	SSL_CTX *server_ctx; /* TLS: accepted connections */
	SSL_CTX *client_ctx; /* TLS: connections we open */
	struct sip_sockaddr local;
	unsigned nworkers;
	struct tp_worker *w;
	struct sip_tp *next;
};

struct sip_conn {
	struct sip_tp *tp;
	struct zv_loop *loop; /* owner */
	struct bufferevent *bev;
	struct sip_sockaddr peer;
	bool closed;
	bool close_when_sent; /* after a refused handshake or a close frame */
	bool ws; /* WebSocket framing (ws and wss transports) */
	bool ws_open; /* handshake done */
	uint8_t *ws_msg; /* fragments of a message being reassembled */
	size_t ws_len;
	struct event *ka_ev; /* keep-alive timer; NULL when off */
	unsigned ka_s; /* its interval */
	uint64_t last_ms; /* last byte received or sent (owner loop) */
	struct sip_conn *next; /* in the table */
};

static struct sip_tp *transports;
static pthread_mutex_t conns_lock = PTHREAD_MUTEX_INITIALIZER;
static struct sip_conn *conns;
static atomic_uint keepalive_s;
bool sip_logger_on;

const char *sip_tp_proto_name(enum sip_tp_proto proto)
{
	static const char *const n[] = {"UDP", "TCP", "TLS", "WS", "WSS"};
	return (unsigned)proto < 5 ? n[proto] : "?";
}

const char *sip_tp_proto_lower(enum sip_tp_proto proto)
{
	static const char *const n[] = {"udp", "tcp", "tls", "ws", "wss"};
	return (unsigned)proto < 5 ? n[proto] : "?";
}

const char *sip_tp_name(const struct sip_tp *tp) { return tp->name; }
enum sip_tp_proto sip_tp_proto(const struct sip_tp *tp) { return tp->proto; }
const struct sip_sockaddr *sip_tp_local(const struct sip_tp *tp) { return &tp->local; }

struct sip_tp *sip_tp_find_proto(enum sip_tp_proto proto)
{
	for (struct sip_tp *t = transports; t; t = t->next)
		if (t->proto == proto)
			return t;
	return NULL;
}

struct sip_tp *sip_tp_find(const char *name)
{
	for (struct sip_tp *t = transports; t; t = t->next)
		if (!strcmp(t->name, name))
			return t;
	return NULL;
}

void sip_tp_foreach(void (*cb)(void *arg, struct sip_tp *tp), void *arg)
{
	for (struct sip_tp *t = transports; t; t = t->next)
		cb(arg, t);
}

void sip_log_msg(bool in, const struct sip_tp *tp, const struct sip_sockaddr *peer,
		 const char *buf, size_t len)
{
	char addr[80];
	sip_sockaddr_str(peer, addr, sizeof(addr));
	zv_verb(0, "<--- %s SIP/%s %s %s --->\n%.*s", in ? "Received" : "Transmitting",
		sip_tp_proto_name(tp->proto), in ? "from" : "to", addr, (int)len, buf);
}

/* ---- connections ------------------------------------------------------- */

static void conn_destroy(void *obj)
{
	struct sip_conn *c = obj;
	free(c->ws_msg);
	if (c->ka_ev)
		event_free(c->ka_ev);
	if (c->bev)
		bufferevent_free(c->bev);
}

struct sip_conn *sip_conn_ref(struct sip_conn *conn)
{
	return zv_ref(conn);
}

void sip_conn_unref(struct sip_conn *conn)
{
	zv_unref(conn);
}

static void conn_table_add(struct sip_conn *c)
{
	pthread_mutex_lock(&conns_lock);
	c->next = conns;
	conns = zv_ref(c);
	pthread_mutex_unlock(&conns_lock);
}

static void conn_table_remove(struct sip_conn *c)
{
	bool found = false;
	pthread_mutex_lock(&conns_lock);
	for (struct sip_conn **pp = &conns; *pp; pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
			found = true;
			break;
		}
	}
	pthread_mutex_unlock(&conns_lock);
	if (found)
		zv_unref(c);
}

static struct sip_conn *conn_table_find(const struct sip_tp *tp, const struct sip_sockaddr *peer)
{
	struct sip_conn *found = NULL;
	pthread_mutex_lock(&conns_lock);
	for (struct sip_conn *c = conns; c; c = c->next) {
		if (c->tp == tp && !c->closed && sip_sockaddr_equal(&c->peer, peer)) {
			found = zv_ref(c);
			break;
		}
	}
	pthread_mutex_unlock(&conns_lock);
	return found;
}

/* Owner loop only. */
static void conn_close(struct sip_conn *c)
{
	if (c->closed)
		return;
	c->closed = true;
	if (c->ka_ev) {
		event_free(c->ka_ev);
		c->ka_ev = NULL;
	}
	if (c->bev) {
		bufferevent_free(c->bev);
		c->bev = NULL;
	}
	conn_table_remove(c);
}

static void ws_read(struct sip_conn *c, struct evbuffer *in);

static void conn_read(struct bufferevent *bev, void *arg)
{
	struct sip_conn *c = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	c->last_ms = zv_mono_ms();
	if (c->ws) {
		zv_ref(c);
		ws_read(c, in);
		zv_unref(c);
		return;
	}
	zv_ref(c);
	while (!c->closed) {
		size_t avail = evbuffer_get_length(in);
		if (!avail)
			break;
		/* RFC 5626 keep-alive: a double-CRLF ping gets a CRLF pong. */
		if (avail >= 4) {
			unsigned char head[4];
			evbuffer_copyout(in, head, 4);
			if (!memcmp(head, "\r\n\r\n", 4)) {
				evbuffer_drain(in, 4);
				bufferevent_write(c->bev, "\r\n", 2);
				continue;
			}
		}
		size_t look = avail < SIP_MSG_MAX_HEAD + 70000 ? avail : SIP_MSG_MAX_HEAD + 70000;
		const char *p = (const char *)evbuffer_pullup(in, (ssize_t)look);
		size_t skip = 0;
		ssize_t n = sip_msg_frame_len(p, look, &skip);
		if (skip)
			evbuffer_drain(in, skip);
		if (n == 0) {
			if (avail > TCP_MAX_PENDING)
				conn_close(c);
			break;
		}
		if (n < 0) {
			char a[80];
			zv_warn("Closing TCP connection from %s: unframeable data (%s)",
				sip_sockaddr_str(&c->peer, a, sizeof(a)), strerror((int)-n));
			conn_close(c);
			break;
		}
		sip__rx_dispatch(c->tp, c, &c->peer, p + skip, (size_t)n, 0);
		if (c->closed)
			break; /* closed while handling it: in is gone */
		evbuffer_drain(in, (size_t)n);
	}
	zv_unref(c);
}

static void conn_event(struct bufferevent *bev, short what, void *arg)
{
	struct sip_conn *c = arg;
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR | BEV_EVENT_TIMEOUT))
		conn_close(c);
}

static void conn_close(struct sip_conn *c);

/* Output drained: a connection we refused or closed can go now. */
static void conn_written(struct bufferevent *bev, void *arg)
{
	struct sip_conn *c = arg;
	if (c->close_when_sent)
		conn_close(c);
}

/* A bufferevent for fd: plain, or TLS (accepting or connecting) on TLS
 * transports.  The SSL object is freed with the bufferevent. */
static struct bufferevent *stream_bev(struct sip_tp *tp, struct zv_loop *loop, evutil_socket_t fd,
				      bool accepting)
{
	if (tp->proto != SIP_TP_TLS && tp->proto != SIP_TP_WSS)
		return bufferevent_socket_new(zv_loop_base(loop), fd, BEV_OPT_CLOSE_ON_FREE);
	SSL *ssl = SSL_new(accepting ? tp->server_ctx : tp->client_ctx);
	if (!ssl)
		return NULL;
	struct bufferevent *bev = bufferevent_openssl_socket_new(
		zv_loop_base(loop), fd, ssl,
		accepting ? BUFFEREVENT_SSL_ACCEPTING : BUFFEREVENT_SSL_CONNECTING,
		BEV_OPT_CLOSE_ON_FREE);
	if (!bev) {
		SSL_free(ssl);
		return NULL;
	}
	bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
	return bev;
}

void sip_tp_keepalive_set(unsigned seconds)
{
	atomic_store(&keepalive_s, seconds);
}

static void ws_send_control(struct sip_conn *c, enum ws_opcode op, const uint8_t *payload,
			    size_t len);

/* Keep-alive timer (owner loop): ping if the connection has been idle for
 * the interval, then wait for the rest of the next one. */
static void conn_keepalive(evutil_socket_t fd, short what, void *arg)
{
	struct sip_conn *c = arg;
	if (c->closed)
		return;
	uint64_t now = zv_mono_ms(), ival = (uint64_t)c->ka_s * 1000u;
	if (now - c->last_ms + 10 >= ival) {
		if (!c->ws)
			bufferevent_write(c->bev, "\r\n\r\n", 4);
		else if (c->ws_open && !c->close_when_sent)
			ws_send_control(c, WS_OP_PING, NULL, 0);
		c->last_ms = now;
	}
	uint64_t wait = c->last_ms + ival - now;
	struct timeval tv = {.tv_sec = (time_t)(wait / 1000u),
			     .tv_usec = (suseconds_t)(wait % 1000u) * 1000};
	evtimer_add(c->ka_ev, &tv);
}

static struct sip_conn *conn_new(struct sip_tp *tp, struct zv_loop *loop, evutil_socket_t fd,
				 const struct sip_sockaddr *peer)
{
	struct sip_conn *c = zv_obj_alloc(sizeof(*c), conn_destroy);
	if (!c)
		return NULL;
	c->tp = tp;
	c->loop = loop;
	c->peer = *peer;
	c->bev = stream_bev(tp, loop, fd, fd >= 0);
	if (!c->bev) {
		if (fd >= 0)
			close(fd);
		return zv_unref(c);
	}
	c->ws = tp->proto == SIP_TP_WS || tp->proto == SIP_TP_WSS;
	bufferevent_setcb(c->bev, conn_read, conn_written, conn_event, c);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
	c->last_ms = zv_mono_ms();
	c->ka_s = atomic_load(&keepalive_s);
	if (c->ka_s && (c->ka_ev = evtimer_new(zv_loop_base(loop), conn_keepalive, c))) {
		struct timeval tv = {.tv_sec = (time_t)c->ka_s};
		evtimer_add(c->ka_ev, &tv);
	}
	conn_table_add(c);
	return c;
}

static void tcp_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa,
		       int salen, void *arg)
{
	struct tp_worker *w = arg;
	struct sip_sockaddr peer = {.len = (socklen_t)salen};
	memcpy(&peer.ss, sa, (size_t)salen);
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	struct sip_conn *c = conn_new(w->tp, w->loop, fd, &peer);
	zv_unref(c); /* the table holds it */
}

struct conn_write {
	struct sip_conn *conn;
	size_t len;
	char data[];
};

static void conn_write_posted(void *arg)
{
	struct conn_write *cw = arg;
	if (!cw->conn->closed) {
		cw->conn->last_ms = zv_mono_ms();
		bufferevent_write(cw->conn->bev, cw->data, cw->len);
	}
	zv_unref(cw->conn);
	free(cw);
}

static int conn_send(struct sip_conn *c, const char *buf, size_t len)
{
	if (c->closed)
		return -EPIPE;
	uint8_t hdr[10];
	size_t hlen = c->ws ? ws_frame_header(WS_OP_TEXT, len, hdr) : 0;
	if (zv_loop_is_current(c->loop)) {
		c->last_ms = zv_mono_ms();
		if (hlen && bufferevent_write(c->bev, hdr, hlen) < 0)
			return -EIO;
		return bufferevent_write(c->bev, buf, len) < 0 ? -EIO : 0;
	}
	struct conn_write *cw = malloc(sizeof(*cw) + hlen + len);
	if (!cw)
		return -ENOMEM;
	cw->conn = zv_ref(c);
	cw->len = hlen + len;
	memcpy(cw->data, hdr, hlen);
	memcpy(cw->data + hlen, buf, len);
	int err = zv_loop_post(c->loop, conn_write_posted, cw);
	if (err) {
		zv_unref(cw->conn);
		free(cw);
	}
	return err;
}

/* Open a TCP connection from the current worker (connect in progress;
 * writes are buffered until it completes). */
static struct sip_conn *conn_connect(struct sip_tp *tp, const struct sip_sockaddr *peer)
{
	struct zv_loop *loop = zv_loop_current();
	if (!loop || tp->proto == SIP_TP_WS || tp->proto == SIP_TP_WSS)
		return NULL; /* WebSocket clients connect to us, never the reverse */
	struct sip_conn *c = conn_new(tp, loop, -1, peer);
	if (!c)
		return NULL;
	if (bufferevent_socket_connect(c->bev, (struct sockaddr *)&peer->ss, (int)peer->len) < 0) {
		conn_close(c);
		return zv_unref(c);
	}
	return c;
}

/* ---- WebSocket (RFC 6455 / RFC 7118) ---------------------------------------- */

/* Value of header name (case-insensitive) in an HTTP head, or NULL. */
static const char *http_header(const char *head, const char *name, size_t *lenp)
{
	size_t nlen = strlen(name);
	for (const char *line = strstr(head, "\r\n"); line; line = strstr(line + 2, "\r\n")) {
		const char *p = line + 2;
		if (!strncasecmp(p, name, nlen) && p[nlen] == ':') {
			p += nlen + 1;
			while (*p == ' ' || *p == '\t')
				p++;
			const char *end = strstr(p, "\r\n");
			*lenp = end ? (size_t)(end - p) : strlen(p);
			while (*lenp && (p[*lenp - 1] == ' ' || p[*lenp - 1] == '\t'))
				(*lenp)--;
			return p;
		}
	}
	return NULL;
}

/* Does a comma-separated header value hold token (case-insensitive)? */
static bool has_token(const char *v, size_t len, const char *token)
{
	size_t tl = strlen(token);
	size_t i = 0;
	while (i < len) {
		while (i < len && (v[i] == ' ' || v[i] == ','))
			i++;
		size_t start = i;
		while (i < len && v[i] != ',' && v[i] != ' ')
			i++;
		if (i - start == tl && !strncasecmp(v + start, token, tl))
			return true;
	}
	return false;
}

/* The opening handshake: answer 101 to a WebSocket upgrade offering the
 * "sip" subprotocol, 400 (and close) to anything else.  Returns true once
 * the connection is open. */
static bool ws_handshake(struct sip_conn *c, struct evbuffer *in)
{
	struct evbuffer_ptr end = evbuffer_search(in, "\r\n\r\n", 4, NULL);
	if (end.pos < 0) {
		if (evbuffer_get_length(in) > 8192)
			conn_close(c);
		return false;
	}
	size_t hlen = (size_t)end.pos + 4;
	char *head = malloc(hlen + 1);
	if (!head) {
		conn_close(c);
		return false;
	}
	evbuffer_remove(in, head, hlen);
	head[hlen] = '\0';
	size_t ulen = 0, klen = 0, plen = 0;
	const char *up = http_header(head, "Upgrade", &ulen);
	const char *key = http_header(head, "Sec-WebSocket-Key", &klen);
	const char *proto = http_header(head, "Sec-WebSocket-Protocol", &plen);
	char accept[32];
	bool ok = !strncmp(head, "GET ", 4) && up && has_token(up, ulen, "websocket") && key &&
		  proto && has_token(proto, plen, "sip") &&
		  ws_accept_key(key, klen, accept, sizeof(accept)) == 0;
	free(head);
	char a[80];
	if (!ok) {
		zv_debug(1, "WebSocket handshake from %s refused",
			 sip_sockaddr_str(&c->peer, a, sizeof(a)));
		static const char bad[] = "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n"
					  "Connection: close\r\n\r\n";
		bufferevent_write(c->bev, bad, sizeof(bad) - 1);
		c->close_when_sent = true;
		return false;
	}
	char resp[256];
	int n = snprintf(resp, sizeof(resp),
			 "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
			 "Connection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n"
			 "Sec-WebSocket-Protocol: sip\r\n\r\n",
			 accept);
	bufferevent_write(c->bev, resp, (size_t)n);
	c->ws_open = true;
	return true;
}

static void ws_send_control(struct sip_conn *c, enum ws_opcode op, const uint8_t *payload,
			    size_t len)
{
	uint8_t hdr[10];
	size_t h = ws_frame_header(op, len, hdr);
	bufferevent_write(c->bev, hdr, h);
	if (len)
		bufferevent_write(c->bev, payload, len);
}

/* Close with a status code (RFC 6455 7.4: 1002 protocol error, 1009 too
 * big) and drop the connection once the frame is out. */
static void ws_fail(struct sip_conn *c, unsigned code)
{
	uint8_t status[2] = {(uint8_t)(code >> 8), (uint8_t)code};
	ws_send_control(c, WS_OP_CLOSE, status, 2);
	c->close_when_sent = true;
}

static void ws_message(struct sip_conn *c, const uint8_t *data, size_t len)
{
	sip__rx_dispatch(c->tp, c, &c->peer, (const char *)data, len, 0);
}

static void ws_read(struct sip_conn *c, struct evbuffer *in)
{
	if (!c->ws_open && !ws_handshake(c, in))
		return;
	while (!c->closed && !c->close_when_sent) {
		size_t avail = evbuffer_get_length(in);
		if (avail < 2)
			return;
		size_t look = avail < WS_MAX_PAYLOAD + 14 ? avail : WS_MAX_PAYLOAD + 14;
		uint8_t *p = evbuffer_pullup(in, (ssize_t)look);
		struct ws_frame f;
		ssize_t n = ws_frame_parse(p, look, &f);
		if (n == 0)
			return;
		if (n < 0 || !f.masked) { /* clients must mask (RFC 6455 5.1) */
			ws_fail(c, n == -E2BIG ? 1009 : 1002);
			return;
		}
		uint8_t *payload = p + f.header_len;
		size_t plen = (size_t)f.payload_len;
		ws_unmask(&f, payload, plen);
		switch (f.opcode) {
		case WS_OP_TEXT:
		case WS_OP_BINARY:
			if (c->ws_msg) {
				ws_fail(c, 1002); /* a new message inside a fragmented one */
				return;
			}
			if (f.fin) {
				ws_message(c, payload, plen);
			} else if (!(c->ws_msg = malloc(WS_MAX_PAYLOAD))) {
				conn_close(c);
				return;
			} else {
				memcpy(c->ws_msg, payload, plen);
				c->ws_len = plen;
			}
			break;
		case WS_OP_CONT:
			if (!c->ws_msg || c->ws_len + plen > WS_MAX_PAYLOAD) {
				ws_fail(c, c->ws_msg ? 1009 : 1002);
				return;
			}
			memcpy(c->ws_msg + c->ws_len, payload, plen);
			c->ws_len += plen;
			if (f.fin) {
				ws_message(c, c->ws_msg, c->ws_len);
				free(c->ws_msg);
				c->ws_msg = NULL;
				c->ws_len = 0;
			}
			break;
		case WS_OP_PING:
			ws_send_control(c, WS_OP_PONG, payload, plen);
			break;
		case WS_OP_CLOSE:
			ws_send_control(c, WS_OP_CLOSE, payload, plen < 2 ? plen : 2);
			c->close_when_sent = true;
			break;
		default:
			break; /* pong */
		}
		if (c->closed)
			return; /* closed while handling it: in is gone */
		evbuffer_drain(in, (size_t)n);
	}
}

/* ---- UDP --------------------------------------------------------------- */

/* The receive buffers of the calling worker (freed in close_on_worker). */
static _Thread_local char *udp_bufs;

static void udp_read(evutil_socket_t fd, short what, void *arg)
{
	struct tp_worker *w = arg;
	char *bufs = udp_bufs;
	if (!bufs && !(bufs = udp_bufs = malloc((size_t)UDP_BATCH * UDP_MAX)))
		return;
	struct mmsghdr msgs[UDP_BATCH];
	struct iovec iov[UDP_BATCH];
	struct sockaddr_storage addrs[UDP_BATCH];
	/* SO_TIMESTAMPNS: when each datagram reached the host, so the
	 * overload detector sees time spent in a full socket buffer too. */
	union {
		char buf[CMSG_SPACE(sizeof(struct timespec))];
		struct cmsghdr align;
	} ctl[UDP_BATCH];
	for (int i = 0; i < UDP_BATCH; i++) {
		iov[i].iov_base = bufs + (size_t)i * UDP_MAX;
		iov[i].iov_len = UDP_MAX;
		memset(&msgs[i].msg_hdr, 0, sizeof(msgs[i].msg_hdr));
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
		msgs[i].msg_hdr.msg_name = &addrs[i];
		msgs[i].msg_hdr.msg_namelen = sizeof(addrs[i]);
		msgs[i].msg_hdr.msg_control = ctl[i].buf;
		msgs[i].msg_hdr.msg_controllen = sizeof(ctl[i].buf);
	}
	int n = recvmmsg(fd, msgs, UDP_BATCH, MSG_DONTWAIT, NULL);
	if (n <= 0)
		return;
	/* Kernel timestamps are CLOCK_REALTIME: convert to monotonic once
	 * per batch. */
	struct timespec rt;
	clock_gettime(CLOCK_REALTIME, &rt);
	uint64_t mono = zv_mono_us();
	uint64_t real = (uint64_t)rt.tv_sec * 1000000u + (uint64_t)rt.tv_nsec / 1000u;
	for (int i = 0; i < n; i++) {
		struct sip_sockaddr src = {.len = msgs[i].msg_hdr.msg_namelen};
		memcpy(&src.ss, &addrs[i], src.len);
		size_t len = msgs[i].msg_len;
		if (len <= 4 && !strspn(iov[i].iov_base, "\r\n\0"))
			continue;
		if (len <= 4)
			continue; /* CRLF keep-alive (RFC 5626) or empty */
		uint64_t arrived = mono;
		for (struct cmsghdr *cm = CMSG_FIRSTHDR(&msgs[i].msg_hdr); cm;
		     cm = CMSG_NXTHDR(&msgs[i].msg_hdr, cm)) {
			if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_TIMESTAMPNS)
				continue;
			struct timespec ts;
			memcpy(&ts, CMSG_DATA(cm), sizeof(ts));
			uint64_t t = (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
			/* A wall clock stepped since (NTP) shows as a wait
			 * beyond 10 s or in the future: taken as now. */
			if (t && t <= real && real - t < mono && real - t < 10000000u)
				arrived = mono - (real - t);
		}
		sip__rx_dispatch(w->tp, NULL, &src, iov[i].iov_base, len, arrived);
	}
}

static int udp_socket(const struct sip_sockaddr *bind_addr, struct sip_sockaddr *boundp)
{
	int fd = socket(bind_addr->ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	int one = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
	int rcv = 4 << 20;
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
	setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof(one));
	if (bind(fd, (const struct sockaddr *)&bind_addr->ss, bind_addr->len) < 0) {
		int err = -errno;
		close(fd);
		return err;
	}
	boundp->len = sizeof(boundp->ss);
	getsockname(fd, (struct sockaddr *)&boundp->ss, &boundp->len);
	return fd;
}

/* ---- opening transports ------------------------------------------------- */

struct open_ctx {
	struct tp_worker *w;
	int err;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool done;
};

/* Runs on the worker: event objects belong to its base. */
static void open_on_worker(void *arg)
{
	struct open_ctx *ctx = arg;
	struct tp_worker *w = ctx->w;
	struct sip_tp *tp = w->tp;
	int err = 0;
	if (tp->proto == SIP_TP_UDP) {
		w->ev = event_new(zv_loop_base(w->loop), w->fd, EV_READ | EV_PERSIST, udp_read, w);
		if (!w->ev || event_add(w->ev, NULL) < 0)
			err = -ENOMEM;
	} else {
		w->listener = evconnlistener_new_bind(
			zv_loop_base(w->loop), tcp_accept, w,
			LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE | LEV_OPT_REUSEABLE_PORT |
				LEV_OPT_CLOSE_ON_EXEC,
			128, (struct sockaddr *)&tp->local.ss, (int)tp->local.len);
		if (!w->listener)
			err = -errno ? -errno : -EADDRINUSE;
	}
	pthread_mutex_lock(&ctx->lock);
	ctx->err = err;
	ctx->done = true;
	pthread_cond_signal(&ctx->cond);
	pthread_mutex_unlock(&ctx->lock);
}

static int run_on(struct tp_worker *w, void (*fn)(void *))
{
	struct open_ctx ctx = {.w = w};
	pthread_mutex_init(&ctx.lock, NULL);
	pthread_cond_init(&ctx.cond, NULL);
	int err = zv_loop_post(w->loop, fn, &ctx);
	if (!err) {
		pthread_mutex_lock(&ctx.lock);
		while (!ctx.done)
			pthread_cond_wait(&ctx.cond, &ctx.lock);
		pthread_mutex_unlock(&ctx.lock);
		err = ctx.err;
	}
	pthread_mutex_destroy(&ctx.lock);
	pthread_cond_destroy(&ctx.cond);
	return err;
}

static void close_on_worker(void *arg)
{
	struct open_ctx *ctx = arg;
	struct tp_worker *w = ctx->w;
	if (w->ev)
		event_free(w->ev);
	w->ev = NULL;
	free(udp_bufs);
	udp_bufs = NULL;
	if (w->listener)
		evconnlistener_free(w->listener);
	w->listener = NULL;
	/* Connections owned by this worker. */
	pthread_mutex_lock(&conns_lock);
	struct sip_conn *mine[256];
	size_t n = 0;
	for (struct sip_conn *c = conns; c && n < 256; c = c->next)
		if (c->loop == w->loop && c->tp == w->tp)
			mine[n++] = zv_ref(c);
	pthread_mutex_unlock(&conns_lock);
	for (size_t i = 0; i < n; i++) {
		conn_close(mine[i]);
		zv_unref(mine[i]);
	}
	pthread_mutex_lock(&ctx->lock);
	ctx->done = true;
	pthread_cond_signal(&ctx->cond);
	pthread_mutex_unlock(&ctx->lock);
}

static void tls_error(const char *name, const char *what, const char *file)
{
	char err[256];
	ERR_error_string_n(ERR_get_error(), err, sizeof(err));
	zv_error("TLS transport '%s': %s%s%s: %s", name, what, file ? " " : "", file ? file : "",
		 err);
}

/* Server and client contexts of a TLS transport (TLS 1.2 or later). */
static int tls_contexts(struct sip_tp *tp, const struct sip_tp_tls *tls)
{
	if (!tls || !tls->cert_file || !tls->key_file) {
		zv_error("TLS transport '%s' needs cert_file and priv_key_file", tp->name);
		return -EINVAL;
	}
	SSL_CTX *s = SSL_CTX_new(TLS_server_method());
	SSL_CTX *c = SSL_CTX_new(TLS_client_method());
	tp->server_ctx = s;
	tp->client_ctx = c;
	if (!s || !c)
		return -ENOMEM;
	SSL_CTX_set_min_proto_version(s, TLS1_2_VERSION);
	SSL_CTX_set_min_proto_version(c, TLS1_2_VERSION);
	if (SSL_CTX_use_certificate_chain_file(s, tls->cert_file) != 1) {
		tls_error(tp->name, "cannot use certificate", tls->cert_file);
		return -EINVAL;
	}
	if (SSL_CTX_use_PrivateKey_file(s, tls->key_file, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_check_private_key(s) != 1) {
		tls_error(tp->name, "cannot use private key", tls->key_file);
		return -EINVAL;
	}
	/* The same identity for connections we open (client certificates). */
	SSL_CTX_use_certificate_chain_file(c, tls->cert_file);
	SSL_CTX_use_PrivateKey_file(c, tls->key_file, SSL_FILETYPE_PEM);
	if (tls->ca_file && (SSL_CTX_load_verify_locations(s, tls->ca_file, NULL) != 1 ||
			     SSL_CTX_load_verify_locations(c, tls->ca_file, NULL) != 1)) {
		tls_error(tp->name, "cannot load CA list", tls->ca_file);
		return -EINVAL;
	}
	SSL_CTX_set_verify(s, tls->verify_client ? SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT
						 : SSL_VERIFY_NONE, NULL);
	SSL_CTX_set_verify(c, tls->verify_server ? SSL_VERIFY_PEER : SSL_VERIFY_NONE, NULL);
	return 0;
}

static void tp_free(struct sip_tp *tp)
{
	SSL_CTX_free(tp->server_ctx);
	SSL_CTX_free(tp->client_ctx);
	free(tp->w);
	free(tp);
}

/*
 * Our sockets share their port between workers with SO_REUSEPORT, which
 * would also let another process (a second daemon) bind it and take part
 * of the traffic.  A probe without SO_REUSEPORT fails when anyone holds
 * the port, so the transport refuses to start, as Asterisk does.
 */
static int port_free(const struct sip_sockaddr *a, enum sip_tp_proto proto)
{
	if (!sip_sockaddr_port(a))
		return 0;
	bool udp = proto == SIP_TP_UDP;
	int fd = socket(a->ss.ss_family, (udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	int one = 1;
	if (!udp) /* TIME_WAIT leftovers of a previous run are fine */
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	int err = bind(fd, (const struct sockaddr *)&a->ss, a->len) < 0 ? -errno : 0;
	if (!err && !udp && listen(fd, 1) < 0)
		err = -errno;
	close(fd);
	return err;
}

int sip_tp_open(const char *name, enum sip_tp_proto proto, const struct sip_sockaddr *bind_addr,
		const struct sip_tp_tls *tls, struct sip_tp **tpp)
{
	if ((unsigned)proto > SIP_TP_WSS)
		return -EPROTONOSUPPORT;
	struct sip_tp *tp = calloc(1, sizeof(*tp));
	if (!tp)
		return -ENOMEM;
	snprintf(tp->name, sizeof(tp->name), "%s", name);
	tp->proto = proto;
	if (proto == SIP_TP_TLS || proto == SIP_TP_WSS) {
		int err = tls_contexts(tp, tls);
		if (err) {
			tp_free(tp);
			return err;
		}
	}
	tp->local = *bind_addr;
	int perr = port_free(bind_addr, proto);
	if (perr) {
		tp_free(tp);
		return perr;
	}
	tp->nworkers = zv_workers_count();
	tp->w = calloc(tp->nworkers, sizeof(*tp->w));
	if (!tp->w) {
		tp_free(tp);
		return -ENOMEM;
	}
	int err = 0;
	for (unsigned i = 0; i < tp->nworkers && !err; i++) {
		struct tp_worker *w = &tp->w[i];
		w->tp = tp;
		w->loop = zv_worker_peek(i);
		w->fd = -1;
		if (proto == SIP_TP_UDP) {
			/* The first socket fixes the port when 0 was asked for. */
			struct sip_sockaddr bound;
			int fd = udp_socket(&tp->local, &bound);
			if (fd < 0) {
				err = fd;
				break;
			}
			w->fd = fd;
			tp->local = bound;
		}
		err = run_on(w, open_on_worker);
		if (!err && proto != SIP_TP_UDP && i == 0 && !sip_sockaddr_port(&tp->local)) {
			evutil_socket_t lfd = evconnlistener_get_fd(w->listener);
			tp->local.len = sizeof(tp->local.ss);
			getsockname(lfd, (struct sockaddr *)&tp->local.ss, &tp->local.len);
		}
	}
	if (err) {
		for (unsigned i = 0; i < tp->nworkers; i++) {
			if (tp->w[i].loop)
				run_on(&tp->w[i], close_on_worker);
			if (tp->w[i].fd >= 0)
				close(tp->w[i].fd);
		}
		tp_free(tp);
		return err;
	}
	tp->next = transports;
	transports = tp;
	*tpp = tp;
	return 0;
}

void sip_tp_close_all(void)
{
	while (transports) {
		struct sip_tp *tp = transports;
		transports = tp->next;
		for (unsigned i = 0; i < tp->nworkers; i++) {
			run_on(&tp->w[i], close_on_worker);
			if (tp->w[i].fd >= 0)
				close(tp->w[i].fd);
		}
		tp_free(tp);
	}
}

/* ---- sending --------------------------------------------------------------- */

static int udp_fd(const struct sip_tp *tp)
{
	struct zv_loop *me = zv_loop_current();
	for (unsigned i = 0; i < tp->nworkers; i++)
		if (tp->w[i].loop == me)
			return tp->w[i].fd;
	return tp->nworkers ? tp->w[0].fd : -1;
}

int sip_send(const struct sip_target *t, const char *buf, size_t len)
{
	if (!t->tp)
		return -ENOTCONN;
	if (sip_logger_on)
		sip_log_msg(false, t->tp, &t->addr, buf, len);
	if (t->tp->proto == SIP_TP_UDP) {
		ssize_t n = sendto(udp_fd(t->tp), buf, len, MSG_DONTWAIT,
				   (const struct sockaddr *)&t->addr.ss, t->addr.len);
		return n < 0 ? -errno : 0;
	}
	if (t->conn && !t->conn->closed)
		return conn_send(t->conn, buf, len);
	struct sip_conn *c = conn_table_find(t->tp, &t->addr);
	if (!c)
		c = conn_connect(t->tp, &t->addr);
	if (!c)
		return -ECONNREFUSED;
	int err = conn_send(c, buf, len);
	zv_unref(c);
	return err;
}

/* ---- receiving ---------------------------------------------------------------- */

void sip_rx_free(struct sip_rx *rx)
{
	if (!rx)
		return;
	zv_unref(rx->conn);
	free(rx->buf);
	free(rx);
}

static void rx_on_owner(void *arg)
{
	sip__tsx_rx(arg);
}

/* A 400 for a request that did not parse, built from the raw header
 * lines found before the failure.  Sent back to the source only, and only
 * when a Via was found: without one the answer cannot be matched by the
 * client (RFC 3261 8.2.6.2) and answering unparsable datagrams would make
 * us a reflector for spoofed sources. */
static void answer_malformed(struct sip_tp *tp, struct sip_conn *conn,
			     const struct sip_sockaddr *src, const struct sip_msg *m)
{
	static const enum sip_hdr_id copy[] = {SIP_HDR_VIA, SIP_HDR_FROM, SIP_HDR_TO,
					       SIP_HDR_CALL_ID, SIP_HDR_CSEQ};
	bool has_via = false;
	for (unsigned i = 0; i < m->n_hdrs && !has_via; i++)
		has_via = m->hdrs[i].id == SIP_HDR_VIA;
	if (!has_via)
		return;
	unsigned status = sip_err_status(m->err);
	struct sip_buf b;
	sip_buf_init(&b);
	sip_buf_printf(&b, "SIP/2.0 %u %s\r\n", status, sip_err_reason(m->err));
	for (unsigned i = 0; i < m->n_hdrs; i++) {
		for (size_t k = 0; k < sizeof(copy) / sizeof(*copy); k++) {
			if (m->hdrs[i].id != copy[k])
				continue;
			sip_buf_printf(&b, "%s: ", sip_hdr_name(copy[k]));
			sip_buf_str(&b, m->hdrs[i].value);
			sip_buf_append(&b, "\r\n", 2);
		}
	}
	sip_buf_printf(&b, "Server: %s\r\nContent-Length: 0\r\n\r\n", sip_user_agent());
	if (!b.oom) {
		struct sip_target t = {.tp = tp, .conn = conn, .addr = *src};
		sip_send(&t, b.p, b.len);
	}
	sip_buf_free(&b);
}

static atomic_ulong malformed_count;

unsigned long sip__malformed_count(void)
{
	return atomic_load(&malformed_count);
}

void sip__rx_dispatch(struct sip_tp *tp, struct sip_conn *conn,
		      const struct sip_sockaddr *src, const char *buf, size_t len,
		      uint64_t arrived_us)
{
	if (sip_logger_on)
		sip_log_msg(true, tp, src, buf, len);
	/* Not calloc: struct sip_msg is mostly its header array (~4 KB),
	 * which sip_msg_parse() fills as far as it needs; it clears the
	 * rest of msg itself.  Everything around msg is zeroed here. */
	struct sip_rx *rx = malloc(sizeof(*rx));
	if (!rx)
		return;
	memset(rx, 0, offsetof(struct sip_rx, msg));
	memset((char *)&rx->msg + sizeof(rx->msg), 0,
	       sizeof(*rx) - offsetof(struct sip_rx, msg) - sizeof(rx->msg));
	rx->buf = malloc(len + 1);
	if (!rx->buf) {
		free(rx);
		return;
	}
	memcpy(rx->buf, buf, len);
	rx->buf[len] = '\0';
	rx->len = len;
	rx->tp = tp;
	rx->conn = zv_ref(conn);
	rx->src = *src;
	rx->rx_us = arrived_us ? arrived_us : zv_mono_us();
	if (sip_msg_parse(rx->buf, len, &rx->msg) < 0) {
		atomic_fetch_add(&malformed_count, 1);
		char a[80];
		zv_debug(1, "Malformed SIP message from %s: %s",
			 sip_sockaddr_str(src, a, sizeof(a)), sip_err_reason(rx->msg.err));
		/* Requests get an answer; broken responses are dropped. */
		if (rx->msg.is_request || (len > 4 && memcmp(buf, "SIP/", 4)))
			answer_malformed(tp, conn, src, &rx->msg);
		sip_rx_free(rx);
		return;
	}
	struct zv_loop *owner = zv_worker_for_key(rx->msg.call_id.p, rx->msg.call_id.len);
	if (zv_loop_is_current(owner)) {
		sip__tsx_rx(rx);
		return;
	}
	if (zv_loop_post(owner, rx_on_owner, rx) < 0)
		sip_rx_free(rx);
}
