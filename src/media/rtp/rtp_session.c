/*
 * RTP sessions: the socket pair, receiving in batches, sending with our
 * own SSRC, sequence and timestamp, and the remote address (symmetric
 * RTP).
 *
 * DESIGN
 * A session takes a socket pair from rtp_ports.c: a pooled pair released
 * by an earlier session of this thread (after its quarantine), else an
 * even port bound from the configured range (a random even start, then
 * the next even ports, wrapping, until both port and port+1 bind), with
 * one persistent libevent read event per socket on its loop.  A read event drains one recvmmsg() batch into this thread's
 * buffers; each packet is unprotected in place when SRTP is on, parsed,
 * accounted for RTCP and handed to on_rtp or to the RFC 4733 decoder.
 * RTCP arriving on the RTP port (RFC 5761 multiplexing) is treated as
 * RTCP, and DTLS records (first octet 20..63, RFC 7983) go to the
 * DTLS-SRTP handshake (rtp_dtls.c).  What the batch's callbacks send (the relay, a bridge's reader) is
 * queued per target session and sent with one sendmmsg() at the end of
 * the batch (txq below).  Callbacks may free the session: zv_rtp_free() then only closes
 * and marks it, and the dispatcher frees it once its callbacks return.
 *
 * Timestamps: the first packet gets a random timestamp; each next one
 * the previous plus the samples of the previous frame, unless the wall
 * clock says more than RTP_GAP_MS beyond that went by (a pause, hold,
 * a source that stopped), in which case it gets the previous plus the
 * elapsed time.  So the far end sees one continuous stream whatever
 * feeds us, and a jitter buffer sees real gaps as gaps.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <event2/event.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define ZV_LOG_MODULE "rtp"
#include <zvonok/core.h>
#include <zvonok/log.h>

#include "media/rtp/rtp_int.h"

#define RTP_GAP_MS 60

/* Receive and send-queue buffers: per thread, allocated on the first
 * packet (zv_thread_scratch(): threads without RTP carry none). */
typedef uint8_t rtp_rx_bufs[RTP_BATCH][RTP_MAX_PKT];
typedef uint8_t rtp_tx_bufs[RTP_BATCH][RTP_MAX_PKT + 64];
static _Thread_local void *rx_scratch, *tx_scratch;
/* Room for the SRTP trailer after the largest packet we build. */
static _Thread_local uint8_t tx_buf[RTP_MAX_PKT + 64];

/*
 * Sends made while a receive batch is handled (a relay, or a reader that
 * writes to the other leg) are queued here, for one session at a time,
 * and go out in one sendmmsg() when the batch ends, the queue is full, or
 * another session sends; so a batch of n packets relayed costs one send
 * call instead of n.  Set_remote and free of the queued session flush it
 * first.  Sends outside a batch (timers: digits, generators) go at once.
 */
static _Thread_local struct {
	bool open; /* inside on_readable() */
	struct zv_rtp *rtp; /* whose packets are queued */
	unsigned n;
	size_t len[RTP_BATCH];
	uint8_t (*buf)[RTP_MAX_PKT + 64]; /* tx_scratch */
} txq;

static void txq_flush(void)
{
	struct zv_rtp *rtp = txq.rtp;
	unsigned n = txq.n;
	txq.rtp = NULL;
	txq.n = 0;
	if (!rtp || !n || rtp->fd[0] < 0)
		return;
	struct mmsghdr msgs[RTP_BATCH];
	struct iovec iov[RTP_BATCH];
	memset(msgs, 0, n * sizeof(*msgs));
	for (unsigned i = 0; i < n; i++) {
		iov[i].iov_base = txq.buf[i];
		iov[i].iov_len = txq.len[i];
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
		msgs[i].msg_hdr.msg_name = &rtp->remote;
		msgs[i].msg_hdr.msg_namelen = rtp->remote_len;
	}
	/* a packet lost to a send error is lost on the wire too: no retry */
	for (unsigned done = 0; done < n;) {
		int k = sendmmsg(rtp->fd[0], msgs + done, n - done, 0);
		if (k <= 0) {
			if (k < 0 && errno == EINTR)
				continue;
			done++; /* skip the one that failed */
			continue;
		}
		done += (unsigned)k;
	}
}

/* Flush when rtp's packets are queued (its remote or socket changes). */
static void txq_flush_for(struct zv_rtp *rtp)
{
	if (txq.rtp == rtp)
		txq_flush();
}

/* Where the next packet of rtp is built: a queue slot inside a batch,
 * else the single send buffer. */
static uint8_t *tx_slot(struct zv_rtp *rtp)
{
	if (!txq.open || !txq.buf)
		return tx_buf;
	if ((txq.rtp && txq.rtp != rtp) || txq.n == RTP_BATCH)
		txq_flush();
	txq.rtp = rtp;
	return txq.buf[txq.n];
}

uint64_t rtp__now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

void rtp__random(void *buf, size_t len)
{
	zv_random_bytes(buf, len); /* a pooled DRBG: no getrandom() per SSRC */
}

static socklen_t addr_len(const struct sockaddr_storage *ss)
{
	return ss->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
}

static uint16_t addr_port(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
	return ntohs(((const struct sockaddr_in *)ss)->sin_port);
}

static void addr_set_port(struct sockaddr_storage *ss, uint16_t port)
{
	if (ss->ss_family == AF_INET6)
		((struct sockaddr_in6 *)ss)->sin6_port = htons(port);
	else
		((struct sockaddr_in *)ss)->sin_port = htons(port);
}

static bool addr_equal(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return false;
	if (a->ss_family == AF_INET6) {
		const struct sockaddr_in6 *x = (const void *)a, *y = (const void *)b;
		return x->sin6_port == y->sin6_port &&
		       !memcmp(&x->sin6_addr, &y->sin6_addr, sizeof(x->sin6_addr));
	}
	const struct sockaddr_in *x = (const void *)a, *y = (const void *)b;
	return x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
}

const char *rtp__addr_str(const struct sockaddr_storage *ss, char *buf, size_t size)
{
	char ip[INET6_ADDRSTRLEN] = "?";
	if (ss->ss_family == AF_INET6) {
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)ss)->sin6_addr, ip, sizeof(ip));
		snprintf(buf, size, "[%s]:%u", ip, addr_port(ss));
	} else {
		inet_ntop(AF_INET, &((const struct sockaddr_in *)ss)->sin_addr, ip, sizeof(ip));
		snprintf(buf, size, "%s:%u", ip, addr_port(ss));
	}
	return buf;
}

unsigned rtp__clock(const struct zv_rtp *rtp)
{
	return rtp->clock ? rtp->clock : rtp->dtmf_clock;
}

bool rtp__release(struct zv_rtp *rtp)
{
	if (--rtp->busy || !rtp->closed)
		return true;
	free(rtp);
	return false;
}

/* ---- receiving ----------------------------------------------------------- */

static void log_rtp(const char *what, const struct sockaddr_storage *ss,
		    const struct zv_rtp_pkt *p)
{
	char a[64];
	zv_verb(0, "%s %-15s (type %02u, seq %06u, ts %06u, len %06zu)", what,
		rtp__addr_str(ss, a, sizeof(a)), p->pt, p->seq, p->ts, p->len);
}

static void learn_remote(struct zv_rtp *rtp, const struct sockaddr_storage *src, bool rtcp)
{
	if (rtcp) {
		if (!rtp->rtcp_learned || !addr_equal(&rtp->remote_rtcp, src)) {
			rtp->remote_rtcp = *src;
			rtp->remote_rtcp_len = addr_len(src);
			rtp->rtcp_learned = true;
		}
		return;
	}
	if (rtp->have_remote && addr_equal(&rtp->remote, src))
		return;
	txq_flush_for(rtp); /* what is queued goes where it was meant to */
	rtp__kfwd_remote_changed(rtp);
	if (zv_log_debug_level() >= 1) {
		char a[64];
		zv_debug(1, "RTP on port %u: remote learned as %s", rtp->port,
			 rtp__addr_str(src, a, sizeof(a)));
	}
	rtp->remote = *src;
	rtp->remote_len = addr_len(src);
	rtp->have_remote = true;
	if (!rtp->rtcp_learned) {
		rtp->remote_rtcp = *src;
		addr_set_port(&rtp->remote_rtcp, (uint16_t)(addr_port(src) + 1));
		rtp->remote_rtcp_len = rtp->remote_len;
	}
}

static void rx_rtcp(struct zv_rtp *rtp, uint8_t *buf, size_t len,
		    const struct sockaddr_storage *src)
{
	if (rtp__dtls_pending(rtp)) {
		rtp->rx_dropped++;
		return;
	}
	if (rtp->srtp_rx && rtp__srtp_unprotect(rtp, buf, &len, true) < 0) {
		rtp->rx_dropped++;
		return;
	}
	if (atomic_load_explicit(&rtp__debug, memory_order_relaxed)) {
		char a[64];
		zv_verb(0, "Got RTCP packet from    %s (len %zu)", rtp__addr_str(src, a, sizeof(a)),
			len);
	}
	if (rtp->symmetric)
		learn_remote(rtp, src, true);
	rtp__rtcp_input(rtp, buf, len);
}

/* One received datagram on the RTP socket. */
static void rx_rtp(struct zv_rtp *rtp, uint8_t *buf, size_t len,
		   const struct sockaddr_storage *src, uint64_t now)
{
	if (rtp__is_dtls(buf, len)) {
		rtp__dtls_input(rtp, buf, len, src, false);
		return;
	}
	if (rtp__is_rtcp(buf, len)) {
		rx_rtcp(rtp, buf, len, src);
		return;
	}
	if (len < RTP_HDR_LEN || buf[0] >> 6 != 2 || rtp__dtls_pending(rtp)) {
		rtp->rx_dropped++; /* STUN, garbage */
		return;
	}
	if (rtp->srtp_rx && rtp__srtp_unprotect(rtp, buf, &len, false) < 0) {
		rtp->rx_dropped++;
		return;
	}
	struct zv_rtp_pkt pkt;
	if (zv_rtp_parse(buf, len, &pkt) < 0) {
		rtp->rx_dropped++;
		return;
	}
	if (atomic_load_explicit(&rtp__debug, memory_order_relaxed))
		log_rtp("Got  RTP packet from   ", src, &pkt);
	if (rtp->relay.kf.slot)
		rtp__kfwd_sync(rtp); /* what the kernel forwarded comes first */
	if (rtp->symmetric)
		learn_remote(rtp, src, false);
	rtp->rx_packets++;
	rtp->rx_octets += pkt.len;
	bool media = pkt.pt != rtp->dtmf_pt;
	rtp__rtcp_rtp_received(rtp, &pkt, now, media);
	if (rtp->relay.to)
		rtp__relay_input(rtp, &pkt, media, src, now);
	else if (!media)
		rtp__dtmf_input(rtp, &pkt);
	else if (rtp->cb.on_rtp)
		rtp->cb.on_rtp(rtp->arg, rtp, &pkt);
}

static void on_readable(evutil_socket_t fd, short what, void *arg)
{
	struct zv_rtp *rtp = rtp__port_owner(arg, fd);
	if (!rtp)
		return; /* a pooled pair: drained */
	bool is_rtcp = fd == rtp->fd[1];
	uint8_t(*rx_bufs)[RTP_MAX_PKT] = zv_thread_scratch(&rx_scratch, sizeof(rtp_rx_bufs));
	if (!rx_bufs)
		return; /* no memory: the datagrams wait in the socket */
	txq.buf = zv_thread_scratch(&tx_scratch, sizeof(rtp_tx_bufs));
	struct mmsghdr msgs[RTP_BATCH];
	struct iovec iov[RTP_BATCH];
	struct sockaddr_storage addrs[RTP_BATCH];
	for (int i = 0; i < RTP_BATCH; i++) {
		iov[i].iov_base = rx_bufs[i];
		iov[i].iov_len = RTP_MAX_PKT;
		memset(&msgs[i].msg_hdr, 0, sizeof(msgs[i].msg_hdr));
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
		msgs[i].msg_hdr.msg_name = &addrs[i];
		msgs[i].msg_hdr.msg_namelen = sizeof(addrs[i]);
	}
	int n = recvmmsg(fd, msgs, RTP_BATCH, MSG_DONTWAIT, NULL);
	if (n <= 0)
		return;
	uint64_t now = rtp__now_us();
	rtp__hold(rtp);
	txq.open = true;
	for (int i = 0; i < n && !rtp->closed; i++) {
		if ((msgs[i].msg_hdr.msg_flags & MSG_TRUNC) ||
		    rtp__port_stale(rtp, rx_bufs[i], msgs[i].msg_len, is_rtcp)) {
			rtp->rx_dropped++;
			continue;
		}
		if (is_rtcp && rtp__is_dtls(rx_bufs[i], msgs[i].msg_len))
			rtp__dtls_input(rtp, rx_bufs[i], msgs[i].msg_len, &addrs[i], true);
		else if (is_rtcp)
			rx_rtcp(rtp, rx_bufs[i], msgs[i].msg_len, &addrs[i]);
		else
			rx_rtp(rtp, rx_bufs[i], msgs[i].msg_len, &addrs[i], now);
	}
	txq.open = false;
	txq_flush();
	if (rtp->relay.kf.want && !rtp->closed)
		rtp__kfwd_flush(rtp); /* after the batch's relayed packets left */
	rtp__release(rtp);
}

/* ---- sending ------------------------------------------------------------- */

uint32_t rtp__next_ts(struct zv_rtp *rtp, uint64_t now_us)
{
	if (!rtp->tx_started) {
		rtp->tx_started = true;
		return rtp->last_ts; /* random, from zv_rtp_new() */
	}
	uint64_t clock = rtp__clock(rtp);
	uint64_t elapsed = (now_us - rtp->last_tx_us) * clock / 1000000u;
	if (elapsed > (uint64_t)rtp->last_samples + clock * RTP_GAP_MS / 1000u)
		return rtp->last_ts + (uint32_t)elapsed;
	return rtp->last_ts + rtp->last_samples;
}

static inline void wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void wr32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

int rtp__send_packet(struct zv_rtp *rtp, uint8_t pt, bool marker, uint32_t ts,
		     const uint8_t *payload, size_t len)
{
	if (!rtp->have_remote)
		return -ENOTCONN;
	if (len > RTP_MAX_PAYLOAD || pt > 127)
		return len > RTP_MAX_PAYLOAD ? -EMSGSIZE : -EINVAL;
	/* a packet lost to a send error is lost on the wire too */
	return rtp__send_packet_seq(rtp, pt, marker, rtp->seq++, ts, payload, len);
}

int rtp__send_packet_seq(struct zv_rtp *rtp, uint8_t pt, bool marker, uint16_t seq, uint32_t ts,
			 const uint8_t *payload, size_t len)
{
	if (!rtp->have_remote)
		return -ENOTCONN;
	if (len > RTP_MAX_PAYLOAD || pt > 127)
		return len > RTP_MAX_PAYLOAD ? -EMSGSIZE : -EINVAL;
	if (rtp__dtls_pending(rtp))
		return 0; /* nothing in clear before DTLS has keyed SRTP */
	uint8_t *b = tx_slot(rtp);
	b[0] = 0x80;
	b[1] = (uint8_t)((marker ? 0x80 : 0) | pt);
	wr16(b + 2, seq);
	wr32(b + 4, ts);
	wr32(b + 8, rtp->ssrc);
	if (len)
		memcpy(b + RTP_HDR_LEN, payload, len);
	size_t n = RTP_HDR_LEN + len;
	if (rtp->srtp_tx && rtp__srtp_protect(rtp, b, &n, false) < 0)
		return -EIO;
	if (b != tx_buf)
		txq.len[txq.n++] = n; /* sent when the batch ends */
	else if (sendto(rtp->fd[0], b, n, 0, (struct sockaddr *)&rtp->remote, rtp->remote_len) < 0)
		return -errno;
	rtp->tx_packets++;
	rtp->tx_octets += len;
	rtp->sent_since_report = true;
	if (atomic_load_explicit(&rtp__debug, memory_order_relaxed)) {
		struct zv_rtp_pkt p = {.pt = pt, .seq = seq, .ts = ts, .len = len};
		log_rtp("Sent RTP packet to     ", &rtp->remote, &p);
	}
	return 0;
}

int rtp__send_rtcp(struct zv_rtp *rtp, uint8_t *buf, size_t len, size_t cap)
{
	if (!rtp->have_remote)
		return -ENOTCONN;
	if (rtp__dtls_pending(rtp))
		return 0;
	if (rtp->srtp_tx) {
		if (cap < len + 64)
			return -EMSGSIZE;
		if (rtp__srtp_protect(rtp, buf, &len, true) < 0)
			return -EIO;
	}
	if (sendto(rtp->fd[1], buf, len, 0, (struct sockaddr *)&rtp->remote_rtcp,
		   rtp->remote_rtcp_len) < 0)
		return -errno;
	if (atomic_load_explicit(&rtp__debug, memory_order_relaxed)) {
		char a[64];
		zv_verb(0, "Sent RTCP packet to     %s (len %zu)",
			rtp__addr_str(&rtp->remote_rtcp, a, sizeof(a)), len);
	}
	return 0;
}

int zv_rtp_send(struct zv_rtp *rtp, uint8_t pt, const uint8_t *payload, size_t len,
		uint32_t samples, bool marker)
{
	if (!rtp->have_remote)
		return -ENOTCONN;
	if (len > RTP_MAX_PAYLOAD)
		return -EMSGSIZE;
	if (rtp__dtmf_sending(rtp))
		return 0; /* audio is muted during a digit; its samples are the digit's */
	uint64_t now = rtp__now_us();
	uint32_t ts = rtp__next_ts(rtp, now);
	rtp->last_ts = ts;
	rtp->last_samples = samples;
	rtp->last_tx_us = now;
	return rtp__send_packet(rtp, pt, marker, ts, payload, len);
}

/* ---- life cycle ---------------------------------------------------------- */

struct zv_rtp *zv_rtp_new(struct zv_loop *loop, const struct sockaddr_storage *bind,
			  const struct zv_rtp_cb *cb, void *arg)
{
	if (!loop || !bind || (bind->ss_family != AF_INET && bind->ss_family != AF_INET6)) {
		errno = EINVAL;
		return NULL;
	}
	struct rtp_settings set;
	rtp__settings_get(&set);
	struct zv_rtp *rtp = calloc(1, sizeof(*rtp));
	if (!rtp)
		return NULL;
	rtp->loop = loop;
	if (cb)
		rtp->cb = *cb;
	rtp->arg = arg;
	rtp->family = bind->ss_family;
	rtp->dtmf_pt = 101;
	rtp->dtmf_clock = 8000;
	rtp->rtcp_interval_ms = set.rtcp_interval_ms;
	rtp->dtmf_timeout_ms = set.dtmf_timeout_ms;
	rtp__random(&rtp->ssrc, sizeof(rtp->ssrc));
	rtp__random(&rtp->seq, sizeof(rtp->seq));
	rtp__random(&rtp->last_ts, sizeof(rtp->last_ts));
	rtp->fd[0] = rtp->fd[1] = -1;
	int err = rtp__port_open(rtp, bind, set.port_start, set.port_end, on_readable);
	if (err)
		goto fail;
	if ((err = rtp__dtmf_init(rtp)) < 0 || (err = rtp__rtcp_init(rtp)) < 0)
		goto fail;
	return rtp;
fail:
	zv_rtp_free(rtp);
	errno = -err;
	return NULL;
}

void zv_rtp_free(struct zv_rtp *rtp)
{
	if (!rtp || rtp->closed)
		return;
	txq_flush_for(rtp);
	if (rtp->fd[1] >= 0 && rtp->tx_packets)
		rtp__rtcp_report(rtp, true);
	rtp->closed = true;
	memset(&rtp->cb, 0, sizeof(rtp->cb));
	rtp__dtmf_fini(rtp);
	rtp__rtcp_fini(rtp);
	rtp__dtls_fini(rtp);
	rtp__srtp_fini(rtp);
	rtp__relay_fini(rtp);
	rtp__port_close(rtp); /* pooled or closed */
	if (!rtp->busy)
		free(rtp);
}

uint16_t zv_rtp_local_port(const struct zv_rtp *rtp)
{
	return rtp->port;
}

/* An IPv4 remote for an IPv6 socket: ::ffff:a.b.c.d. */
static void map_v4(struct sockaddr_storage *ss)
{
	struct sockaddr_in v4 = *(struct sockaddr_in *)ss;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)ss;
	memset(v6, 0, sizeof(*v6));
	v6->sin6_family = AF_INET6;
	v6->sin6_port = v4.sin_port;
	v6->sin6_addr.s6_addr[10] = 0xff;
	v6->sin6_addr.s6_addr[11] = 0xff;
	memcpy(&v6->sin6_addr.s6_addr[12], &v4.sin_addr, 4);
}

void zv_rtp_set_remote(struct zv_rtp *rtp, const struct sockaddr_storage *addr)
{
	txq_flush_for(rtp);
	rtp__kfwd_remote_changed(rtp);
	if (!addr || (addr->ss_family != AF_INET && addr->ss_family != AF_INET6) ||
	    !addr_port(addr)) {
		rtp->have_remote = false;
		return;
	}
	rtp->remote = *addr;
	if (rtp->family == AF_INET6 && addr->ss_family == AF_INET)
		map_v4(&rtp->remote);
	rtp->remote_len = addr_len(&rtp->remote);
	rtp->have_remote = true;
	rtp->remote_rtcp = rtp->remote;
	addr_set_port(&rtp->remote_rtcp, (uint16_t)(addr_port(addr) + 1));
	rtp->remote_rtcp_len = rtp->remote_len;
	rtp->rtcp_learned = false;
}

void zv_rtp_set_symmetric(struct zv_rtp *rtp, bool on)
{
	rtp->symmetric = on;
}

void zv_rtp_set_dtmf_pt(struct zv_rtp *rtp, int pt, unsigned clock)
{
	rtp->dtmf_pt = pt >= 0 && pt <= 127 ? (uint8_t)pt : RTP_NO_PT;
	rtp->dtmf_clock = clock ? clock : 8000;
}

void zv_rtp_set_clock(struct zv_rtp *rtp, unsigned clock)
{
	rtp->clock = clock;
}
