/*
 * Bound RTP/RTCP socket pairs, kept in a pool per loop thread and reused
 * by the next sessions instead of socket(), bind(), two epoll changes and
 * close() for each of the two sockets of every call (measured at ~50 us
 * per call on the 2-core VM, a fifth of an Answer+Hangup call's CPU).
 *
 * DESIGN
 * A pair owns its two sockets and their libevent read events, which stay
 * registered for the pair's whole life; the events' argument is the pair,
 * whose `rtp` is the session it delivers to, or NULL while pooled: then
 * whatever arrives is read and thrown away (rtp__port_owner()).
 * zv_rtp_free() gives the pair back (rtp__port_close()): it goes to the
 * tail of this thread's pool unless the pool is full (then the oldest
 * pair is closed) or the session ended badly (see below).
 * zv_rtp_new() takes the oldest pooled pair whose quarantine has passed,
 * bound to the same address, in the current port range; else it binds a
 * new pair as before (rtp__port_open()).
 *
 * Privacy of a reused port.  The previous call's peer may still send for
 * a while (packets in flight when it got the BYE, a peer that never got
 * it).  None of that may reach the next call:
 *  - quarantine: a pair is reused no sooner than RTP_POOL_QUARANTINE_MS
 *    after its release; what arrives meanwhile is read and dropped;
 *  - on reuse both receive queues are drained (a packet read ready but not
 *    dispatched yet in this loop iteration), before the new owner is set;
 *  - after reuse, packets that continue the previous owner's received
 *    stream (its last SSRC, and for RTP a sequence number from the last
 *    one it received to 3000 after it) and RTCP from that SSRC are
 *    dropped (rx_dropped), so a stuck stream can neither be heard in the
 *    new call nor move its symmetric-RTP remote.  A new stream from the
 *    same peer (a new call of the same phone) has a new SSRC, or at least
 *    a new random sequence.  Some senders break RFC 3550 and start every
 *    call with the same SSRC and sequence (SIPp's pcap play does): their
 *    new stream starts behind the old one's last packet, so an RTP packet
 *    of that SSRC outside the window ends the rule for the session, and
 *    the rest of the new stream is delivered.  Packets of the old call
 *    still in flight were dropped by the quarantine.
 * A fresh pair has no such history.
 *
 * Bounds: per thread at most min(RTP_POOL_MAX, port pairs of the range /
 * (2 x workers), open-file limit / (4 x (workers + 1)) / 2) pairs, so the
 * pools of all workers keep at most half the range and a quarter of the
 * descriptors; a new session that finds the range exhausted closes this
 * thread's pool and tries again.  Pairs idle for RTP_POOL_IDLE_MS are
 * closed by a timer, so an idle PBX holds none.  A reload that changes
 * the range leaves pooled pairs outside it unused until they age out.
 */
#include <errno.h>
#include <event2/event.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#define ZV_LOG_MODULE "rtp"
#include <zvonok/log.h>

#include "media/rtp/rtp_int.h"

#define RTP_POOL_MAX 4096
#define RTP_POOL_IDLE_MS 10000

struct rtp_port {
	int fd[2];
	struct event *ev[2];
	uint16_t port;
	struct sockaddr_storage addr; /* bound to (port 0) */
	struct zv_rtp *rtp; /* the owner, NULL while pooled */
	uint64_t free_us; /* released at (pooled) */
	/* the previous owner's received stream (see the privacy rules) */
	bool prev_valid;
	uint32_t prev_ssrc;
	uint16_t prev_seq;
	struct rtp_port *next; /* pool FIFO */
};

struct rtp_pool {
	struct rtp_port *head, **tail;
	unsigned n;
	struct zv_timer trim;
	bool trim_ready, trim_armed;
};

static _Thread_local struct rtp_pool *pool;
static _Thread_local unsigned pool_quarantine_ms = RTP_POOL_QUARANTINE_MS;

void rtp__port_set_quarantine(unsigned ms)
{
	pool_quarantine_ms = ms;
}

static socklen_t addr_len(const struct sockaddr_storage *ss)
{
	return ss->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
}

static void addr_set_port(struct sockaddr_storage *ss, uint16_t port)
{
	if (ss->ss_family == AF_INET6)
		((struct sockaddr_in6 *)ss)->sin6_port = htons(port);
	else
		((struct sockaddr_in *)ss)->sin_port = htons(port);
}

static bool same_bind(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return false;
	if (a->ss_family == AF_INET6)
		return !memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
			       &((const struct sockaddr_in6 *)b)->sin6_addr, sizeof(struct in6_addr));
	return ((const struct sockaddr_in *)a)->sin_addr.s_addr ==
	       ((const struct sockaddr_in *)b)->sin_addr.s_addr;
}

/* ---- one pair -------------------------------------------------------------- */

static void port_destroy(struct rtp_port *p)
{
	for (int i = 0; i < 2; i++) {
		if (p->ev[i])
			event_free(p->ev[i]);
		if (p->fd[i] >= 0)
			close(p->fd[i]);
	}
	free(p);
}

/* Read and drop whatever is queued on fd. */
static void drain(int fd)
{
	uint8_t buf[16];
	struct mmsghdr m[8];
	struct iovec iov[8];
	for (int i = 0; i < 8; i++) {
		iov[i] = (struct iovec){buf, sizeof(buf)};
		memset(&m[i].msg_hdr, 0, sizeof(m[i].msg_hdr));
		m[i].msg_hdr.msg_iov = &iov[i];
		m[i].msg_hdr.msg_iovlen = 1;
	}
	while (recvmmsg(fd, m, 8, MSG_DONTWAIT, NULL) == 8)
		;
}

/* A non-blocking UDP socket bound to addr:port, or a negative errno. */
static int udp_bind(const struct sockaddr_storage *addr, uint16_t port)
{
	int fd = socket(addr->ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	struct sockaddr_storage a = *addr;
	addr_set_port(&a, port);
	if (bind(fd, (struct sockaddr *)&a, addr_len(&a)) < 0) {
		int err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

/* Both sockets on an even port of [start, end] (RTCP may be end + 1). */
static int bind_pair(const struct sockaddr_storage *addr, unsigned start, unsigned end, int fd[2],
		     uint16_t *portp)
{
	start += start & 1u;
	if (end > 65534)
		end = 65534;
	if (start < 2 || start > end)
		return -EADDRINUSE;
	unsigned n = (end - start) / 2 + 1, off;
	rtp__random(&off, sizeof(off));
	off %= n;
	for (unsigned i = 0; i < n; i++) {
		uint16_t port = (uint16_t)(start + 2 * ((off + i) % n));
		int a = udp_bind(addr, port);
		if (a == -EADDRINUSE)
			continue;
		if (a < 0)
			return a;
		int b = udp_bind(addr, (uint16_t)(port + 1));
		if (b < 0) {
			close(a);
			if (b == -EADDRINUSE)
				continue;
			return b;
		}
		fd[0] = a;
		fd[1] = b;
		*portp = port;
		return 0;
	}
	return -EADDRINUSE;
}

static struct rtp_port *port_new(struct zv_loop *loop, const struct sockaddr_storage *addr,
				 unsigned start, unsigned end, event_callback_fn on_readable,
				 int *errp)
{
	struct rtp_port *p = calloc(1, sizeof(*p));
	if (!p) {
		*errp = -ENOMEM;
		return NULL;
	}
	p->fd[0] = p->fd[1] = -1;
	p->addr = *addr;
	addr_set_port(&p->addr, 0);
	int err = bind_pair(addr, start, end, p->fd, &p->port);
	if (err)
		goto fail;
	err = -ENOMEM;
	zv_loop_fd_map_cover(loop, p->fd[0] > p->fd[1] ? p->fd[0] : p->fd[1]);
	for (int i = 0; i < 2; i++) {
		p->ev[i] = event_new(zv_loop_base(loop), p->fd[i], EV_READ | EV_PERSIST,
				     on_readable, p);
		if (!p->ev[i] || event_add(p->ev[i], NULL) < 0)
			goto fail;
	}
	return p;
fail:
	port_destroy(p);
	*errp = err;
	return NULL;
}

/* ---- the pool -------------------------------------------------------------- */

static void pool_fini(void *arg)
{
	struct rtp_pool *pl = arg;
	while (pl->head) {
		struct rtp_port *p = pl->head;
		pl->head = p->next;
		port_destroy(p);
	}
	if (pl->trim_ready)
		zv_timer_fini(&pl->trim);
	if (pool == pl)
		pool = NULL;
	free(pl);
}

static struct rtp_port *pool_pop(struct rtp_pool *pl)
{
	struct rtp_port *p = pl->head;
	pl->head = p->next;
	if (!pl->head)
		pl->tail = &pl->head;
	pl->n--;
	p->next = NULL;
	return p;
}

/* Close pooled pairs idle since before `before_us` (all: UINT64_MAX). */
static void pool_trim(struct rtp_pool *pl, uint64_t before_us)
{
	while (pl->head && pl->head->free_us < before_us)
		port_destroy(pool_pop(pl));
}

static void on_trim(void *arg)
{
	struct rtp_pool *pl = arg;
	pl->trim_armed = false;
	uint64_t now = rtp__now_us();
	pool_trim(pl, now - (uint64_t)RTP_POOL_IDLE_MS * 1000u);
	if (pl->head) {
		/* When the oldest pair left is idle long enough (in batches of
		 * 250 ms), not a whole period later: after a load every pair
		 * is closed RTP_POOL_IDLE_MS after its call, not up to twice
		 * that, before the daemon's trim of the heap 12 s after. */
		uint64_t due = pl->head->free_us + (uint64_t)RTP_POOL_IDLE_MS * 1000u;
		zv_timer_start(&pl->trim, due > now ? (uint32_t)((due - now) / 1000u) + 250 : 250,
			       0);
		pl->trim_armed = true;
	}
}

static struct rtp_pool *pool_get(struct zv_loop *loop)
{
	if (!zv_loop_is_current(loop))
		return NULL; /* a session made for another loop: not pooled */
	if (pool)
		return pool;
	struct rtp_pool *pl = calloc(1, sizeof(*pl));
	if (!pl)
		return NULL;
	pl->tail = &pl->head;
	if (zv_timer_init(&pl->trim, loop, on_trim, pl) < 0 ||
	    zv_loop_on_fini(pool_fini, pl) < 0) {
		zv_timer_fini(&pl->trim);
		free(pl);
		return NULL;
	}
	pl->trim_ready = true;
	return pool = pl;
}

/* How many pairs this thread may keep (see DESIGN). */
static unsigned pool_cap(unsigned start, unsigned end)
{
	static _Atomic unsigned nofile;
	if (!nofile) {
		struct rlimit rl;
		unsigned v = 1024;
		if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
			v = rl.rlim_cur > 1u << 20 ? 1u << 20 : (unsigned)rl.rlim_cur;
		nofile = v;
	}
	unsigned w = zv_workers_count();
	if (!w)
		w = 1;
	unsigned pairs = end >= start ? (end - start) / 2 + 1 : 0;
	unsigned cap = pairs / (2 * w);
	unsigned by_fd = nofile / (4 * (w + 1)) / 2;
	if (cap > by_fd)
		cap = by_fd;
	return cap > RTP_POOL_MAX ? RTP_POOL_MAX : cap;
}

/* The oldest pooled pair past its quarantine that fits, or NULL. */
static struct rtp_port *pool_take(struct rtp_pool *pl, const struct sockaddr_storage *addr,
				  unsigned start, unsigned end, uint64_t now)
{
	uint64_t q = (uint64_t)pool_quarantine_ms * 1000u;
	for (struct rtp_port **pp = &pl->head; *pp; pp = &(*pp)->next) {
		struct rtp_port *p = *pp;
		if (p->free_us + q > now)
			return NULL; /* this and all younger ones still in quarantine */
		if (p->port < start || p->port > end || !same_bind(&p->addr, addr))
			continue; /* left for the trim timer */
		*pp = p->next;
		if (pl->tail == &p->next)
			pl->tail = pp;
		pl->n--;
		p->next = NULL;
		return p;
	}
	return NULL;
}

/* ---- the session's side ------------------------------------------------------- */

static void attach(struct zv_rtp *rtp, struct rtp_port *p)
{
	p->rtp = rtp;
	rtp->sock = p;
	rtp->port = p->port;
	for (int i = 0; i < 2; i++) {
		rtp->fd[i] = p->fd[i];
		rtp->ev[i] = p->ev[i];
	}
}

int rtp__port_open(struct zv_rtp *rtp, const struct sockaddr_storage *addr, unsigned start,
		   unsigned end, event_callback_fn on_readable)
{
	struct rtp_pool *pl = pool_get(rtp->loop);
	if (pl && pl->head && pool_quarantine_ms != RTP_POOL_OFF) {
		struct rtp_port *p = pool_take(pl, addr, start, end, rtp__now_us());
		if (p) {
			drain(p->fd[0]);
			drain(p->fd[1]);
			attach(rtp, p);
			return 0;
		}
	}
	int err = 0;
	struct rtp_port *p = port_new(rtp->loop, addr, start, end, on_readable, &err);
	if (!p && err == -EADDRINUSE && pl && pl->head) {
		/* our own quarantined pairs may hold the rest of the range */
		pool_trim(pl, UINT64_MAX);
		p = port_new(rtp->loop, addr, start, end, on_readable, &err);
	}
	if (!p)
		return err;
	attach(rtp, p);
	return 0;
}

void rtp__port_close(struct zv_rtp *rtp)
{
	struct rtp_port *p = rtp->sock;
	if (!p)
		return;
	rtp->sock = NULL;
	for (int i = 0; i < 2; i++) {
		rtp->fd[i] = -1;
		rtp->ev[i] = NULL;
	}
	p->rtp = NULL;
	/* Only a pair on this thread's loop can be pooled here (always so:
	 * sessions are freed on their loop). */
	struct rtp_pool *pl = pool_quarantine_ms != RTP_POOL_OFF ? pool_get(rtp->loop) : NULL;
	struct rtp_settings set;
	rtp__settings_get(&set);
	unsigned cap = pl ? pool_cap(set.port_start, set.port_end) : 0;
	if (!cap) {
		port_destroy(p);
		return;
	}
	while (pl->n >= cap)
		port_destroy(pool_pop(pl));
	p->prev_valid = rtp->src.valid;
	p->prev_ssrc = rtp->src.ssrc;
	p->prev_seq = rtp->src.max_seq;
	p->free_us = rtp__now_us();
	*pl->tail = p;
	pl->tail = &p->next;
	pl->n++;
	if (!pl->trim_armed) {
		zv_timer_start(&pl->trim, RTP_POOL_IDLE_MS, 0);
		pl->trim_armed = true;
	}
}

struct zv_rtp *rtp__port_owner(void *arg, int fd)
{
	struct rtp_port *p = arg;
	if (!p->rtp)
		drain(fd);
	return p->rtp;
}

bool rtp__port_stale(const struct zv_rtp *rtp, const uint8_t *buf, size_t len, bool rtcp)
{
	struct rtp_port *p = rtp->sock;
	if (!p || !p->prev_valid)
		return false;
	if (rtcp || rtp__is_rtcp(buf, len)) {
		/* the sender's SSRC of the first packet of the compound */
		return len >= 8 && ((uint32_t)buf[4] << 24 | (uint32_t)buf[5] << 16 |
				    (uint32_t)buf[6] << 8 | buf[7]) == p->prev_ssrc;
	}
	if (len < RTP_HDR_LEN || buf[0] >> 6 != 2)
		return false;
	uint32_t ssrc = (uint32_t)buf[8] << 24 | (uint32_t)buf[9] << 16 | (uint32_t)buf[10] << 8 |
			buf[11];
	if (ssrc != p->prev_ssrc)
		return false;
	uint16_t ahead = (uint16_t)(((uint16_t)buf[2] << 8 | buf[3]) - p->prev_seq);
	if (ahead <= 3000)
		return true;
	p->prev_valid = false; /* the same SSRC restarted: a new stream */
	return false;
}

unsigned rtp__port_pooled(void)
{
	return pool ? pool->n : 0;
}
