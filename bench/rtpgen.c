/*
 * rtpgen: the RTP ends of bench/media.sh's bridged calls, in C so that a
 * 2-core host can carry thousands of G.711 calls (50 packets/s each way
 * per call) with room left for the PBX; SIPp's rtp_stream (a send per
 * packet, a task per call) and a Python sink could not.  Bench-only: built
 * by CMake beside zvonok, never installed.
 *
 *   rtpgen [-d MS] [-t SECONDS] [-n] [-l CALLS] AUDIO PORT_A PORT_B STATS CALLS_LOG
 *
 * AUDIO is raw mu-law; its 160-octet chunks are the 20 ms payloads.
 *
 * Caller side (thread "a", socket 127.0.0.1:PORT_A, the media address of
 * the caller's SDP): follows CALLS_LOG, the file SIPp's UAC writes one
 * line to per answered call ("call N ADDR PORT": the PBX's media address
 * of that call, taken from the 200 OK's SDP by an <ereg>), and streams
 * every chunk of AUDIO once to ADDR:PORT, one packet per 20 ms, each call
 * its own SSRC, sequence and timestamp.  The calls' 20 ms ticks are
 * spread over the 20 milliseconds (call k starts on millisecond k mod 20
 * of the period, after -d MS, default 20) and the packets due in one
 * millisecond leave in one sendmmsg().  The echoes the PBX relays back to
 * PORT_A are counted and checked ("return").
 *
 * Callee side (thread "b", socket 127.0.0.1:PORT_B, the media address of
 * the callee's SDP): every packet the PBX relays is counted and checked
 * ("forward") and echoed to its sender with another SSRC (-n: not
 * echoed), a receive batch in one sendmmsg().  Both threads wake once a
 * millisecond and take what queued meanwhile.  PORT_A+1 and PORT_B+1
 * swallow RTCP.
 *
 * Checked per direction and per stream (a stream is the PBX port it came
 * from: one per call and leg): RTP version 2, payload type 0 (else
 * "not_pcmu"), payload equal to a chunk of AUDIO ("payload_ok") and to the
 * chunk after the previous one of the stream (else "out_of_sequence":
 * loss, reordering, duplication).
 *
 * -l CALLS: no PBX, the baseline of the test side's own cost: CALLS
 * streams from PORT_A straight to PORT_B (echoed straight back), at once,
 * CALLS_LOG unused; the packet counts hold, the per-stream checks do not
 * (every stream comes from the same port).
 *
 * On SIGTERM or SIGINT (or after -t SECONDS, default 3600) writes STATS,
 * the JSON bench/media.sh reads: chunks, distinct_chunks, forward,
 * return, rtcp, span_s, plus "generator": calls learned and fully sent,
 * packets sent and echoed, send errors, how late the sending ticks ran,
 * the socket buffers obtained.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define CHUNK 160	/* 20 ms of G.711 at 8 kHz */
#define HDR 12		/* RTP header without CSRC or extension */
#define PERIOD 20	/* ms between two packets of a call */
#define BATCH 256	/* datagrams per recvmmsg/sendmmsg */
#define PKTMAX 2048
#define MAXCALLS 65536
#define NOSTREAM INT32_MIN

static const uint8_t *audio;
static int nchunks, ndistinct;
static uint32_t *index_tab; /* open addressing: chunk index + 1, 0 = empty */
static uint32_t index_mask;
static atomic_int stopping;
static int start_delay_ms = 20;
static int echo = 1;

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static uint64_t chunk_hash(const uint8_t *p)
{
	uint64_t h = 1469598103934665603ULL;

	for (int i = 0; i < CHUNK; i++)
		h = (h ^ p[i]) * 1099511628211ULL;
	return h;
}

/* The first chunk of AUDIO equal to P, or -1. */
static int chunk_lookup(const uint8_t *p)
{
	for (uint32_t s = chunk_hash(p) & index_mask;; s = (s + 1) & index_mask) {
		uint32_t v = index_tab[s];

		if (!v)
			return -1;
		if (!memcmp(audio + (size_t)(v - 1) * CHUNK, p, CHUNK))
			return (int)v - 1;
	}
}

static void load_audio(const char *path)
{
	FILE *f = fopen(path, "rb");
	struct stat st;

	if (!f || fstat(fileno(f), &st) < 0) {
		perror(path);
		exit(1);
	}
	nchunks = (int)(st.st_size / CHUNK);
	if (nchunks < 1) {
		fprintf(stderr, "%s: shorter than one %d-octet chunk\n", path, CHUNK);
		exit(1);
	}
	uint8_t *buf = malloc((size_t)nchunks * CHUNK);
	if (!buf || fread(buf, CHUNK, nchunks, f) != (size_t)nchunks) {
		fprintf(stderr, "%s: read failed\n", path);
		exit(1);
	}
	fclose(f);
	audio = buf;
	uint32_t size = 16;
	while (size < 2u * (uint32_t)nchunks)
		size <<= 1;
	index_tab = calloc(size, sizeof(*index_tab));
	index_mask = size - 1;
	for (int i = 0; i < nchunks; i++) {
		const uint8_t *p = audio + (size_t)i * CHUNK;

		if (chunk_lookup(p) >= 0)
			continue;
		uint32_t s = chunk_hash(p) & index_mask;
		while (index_tab[s])
			s = (s + 1) & index_mask;
		index_tab[s] = (uint32_t)i + 1;
		ndistinct++;
	}
}

/* ---- checking ------------------------------------------------------------ */

/* One direction: counters and, per source port, the last chunk received
 * (-2: the stream's first packet carried no chunk of the file). */
struct dir {
	uint64_t pkts, ok, order, not_pcmu, streams;
	int64_t first_ns, last_ns;
	int32_t *last;
};

static void dir_init(struct dir *d)
{
	memset(d, 0, sizeof(*d));
	d->last = malloc(65536 * sizeof(*d->last));
	for (int i = 0; i < 65536; i++)
		d->last[i] = NOSTREAM;
}

static void dir_packet(struct dir *d, const uint8_t *pkt, size_t len, uint16_t port)
{
	if (len < HDR || pkt[0] >> 6 != 2) {
		d->not_pcmu++;
		return;
	}
	size_t hl = HDR + 4 * (size_t)(pkt[0] & 0x0f);
	if ((pkt[0] & 0x10) && len >= hl + 4)
		hl += 4 + 4 * (size_t)((pkt[hl + 2] << 8) | pkt[hl + 3]);
	if ((pkt[1] & 0x7f) != 0) { /* not PCMU: RFC 4733 or another codec */
		d->not_pcmu++;
		return;
	}
	d->pkts++;
	int32_t last = d->last[port];
	int i = -1;
	if (len == hl + CHUNK) {
		const uint8_t *pl = pkt + hl;

		/* the expected chunk first: one memcmp instead of a hash */
		if (last >= 0 && last + 1 < nchunks &&
		    !memcmp(pl, audio + (size_t)(last + 1) * CHUNK, CHUNK))
			i = last + 1;
		else
			i = chunk_lookup(pl);
	}
	if (last == NOSTREAM)
		d->streams++;
	if (i >= 0) {
		d->ok++;
		if (last != NOSTREAM && i != last + 1)
			d->order++;
		d->last[port] = i;
	} else if (last == NOSTREAM) {
		d->last[port] = -2;
	}
}

/* ---- sockets -------------------------------------------------------------- */

static int rcvbuf_got, sndbuf_got;

static int udp_bind(int port)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port)};
	int size = 128 << 20, got, pmtu = IP_PMTUDISC_DO;
	socklen_t sl = sizeof(got);

	if (fd < 0) {
		perror("socket");
		exit(1);
	}
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	/* thousands of streams arrive in bursts (every call's tick of the
	 * same millisecond): a big queue; the FORCE variants pass
	 * net.core.rmem_max when root */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	/* DF: no IP id to pick per packet */
	setsockopt(fd, IPPROTO_IP, IP_MTU_DISCOVER, &pmtu, sizeof(pmtu));
	size = 8 << 20;
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof(size)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		fprintf(stderr, "bind 127.0.0.1:%d: %s\n", port, strerror(errno));
		exit(1);
	}
	if (!getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &got, &sl))
		rcvbuf_got = got;
	sl = sizeof(got);
	if (!getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &got, &sl))
		sndbuf_got = got;
	return fd;
}

/* Receive buffers of one batch. */
struct rxbatch {
	struct mmsghdr m[BATCH];
	struct iovec iov[BATCH];
	struct sockaddr_in from[BATCH];
	uint8_t buf[BATCH][PKTMAX];
};

static int rx(int fd, struct rxbatch *b)
{
	for (int i = 0; i < BATCH; i++) {
		b->iov[i] = (struct iovec){b->buf[i], PKTMAX};
		b->m[i].msg_hdr = (struct msghdr){
			.msg_name = &b->from[i], .msg_namelen = sizeof(b->from[i]),
			.msg_iov = &b->iov[i], .msg_iovlen = 1};
	}
	int n = recvmmsg(fd, b->m, BATCH, MSG_DONTWAIT, NULL);
	if (n < 0 && errno != EAGAIN && errno != EINTR && errno != ECONNREFUSED)
		perror("recvmmsg");
	return n;
}

static uint64_t send_errors, send_retries;

/* Sends all N messages, retrying what the kernel did not take (a full
 * send buffer) and skipping a message that fails outright. */
static void tx_all(int fd, struct mmsghdr *m, int n, uint64_t *errs, uint64_t *retries)
{
	int done = 0;

	while (done < n) {
		int k = sendmmsg(fd, m + done, n - done, 0);
		if (k > 0) {
			done += k;
			continue;
		}
		if (k < 0 && (errno == EAGAIN || errno == ENOBUFS || errno == EINTR)) {
			struct pollfd p = {.fd = fd, .events = POLLOUT};

			(*retries)++;
			poll(&p, 1, 1);
			continue;
		}
		(*errs)++;
		done++;
	}
}

/* ---- caller side ---------------------------------------------------------- */

struct call {
	struct sockaddr_in dst;
	uint32_t ssrc, ts0;
	uint16_t seq0;
	int next;	  /* the chunk to send next */
	int64_t start_ms; /* when chunk 0 is due */
};

static struct call *calls;
static int ncalls, calls_done, log_bad;
static int *slot[PERIOD], slot_n[PERIOD], slot_cap[PERIOD];
static uint64_t sent, late_ticks, late_max_ms;
static int port_a, port_b;
static const char *calls_log;
static int loop_calls;

static void slot_add(int s, int c)
{
	if (slot_n[s] == slot_cap[s]) {
		slot_cap[s] = slot_cap[s] ? 2 * slot_cap[s] : 256;
		slot[s] = realloc(slot[s], slot_cap[s] * sizeof(int));
	}
	slot[s][slot_n[s]++] = c;
}

/* A stream is the PBX port a packet came from; without a PBX (-l) every
 * packet comes from the other end's one port, and the low bits of the
 * SSRC (there the call's number) tell the calls apart. */
static uint16_t stream_key(const uint8_t *pkt, const struct sockaddr_in *from)
{
	if (!loop_calls)
		return ntohs(from->sin_port);
	return (uint16_t)((pkt[10] << 8) | pkt[11]);
}

static uint32_t mix32(uint32_t x)
{
	x ^= x >> 16;
	x *= 0x7feb352d;
	x ^= x >> 15;
	x *= 0x846ca68b;
	x ^= x >> 16;
	return x;
}

static void new_call(const char *line, int64_t now_ms)
{
	unsigned num, port;
	char addr[64];
	struct call *c;

	if (sscanf(line, "call %u %63s %u", &num, addr, &port) != 3 || port == 0 ||
	    port > 65535 || ncalls == MAXCALLS) {
		log_bad++;
		return;
	}
	c = &calls[ncalls];
	memset(c, 0, sizeof(*c));
	c->dst.sin_family = AF_INET;
	c->dst.sin_port = htons(port);
	if (inet_pton(AF_INET, addr, &c->dst.sin_addr) != 1) {
		log_bad++;
		return;
	}
	uint32_t r = mix32((uint32_t)ncalls * 2654435761u + (uint32_t)getpid());
	c->ssrc = loop_calls ? (r & 0xffff0000u) | (uint32_t)ncalls : r;
	c->seq0 = (uint16_t)mix32(r);
	c->ts0 = mix32(r ^ 0x5bd1e995);
	/* round robin over the 20 ms of the period, so every millisecond
	 * carries 1/20 of the calls' packets */
	int phase = ncalls % PERIOD;
	int64_t t = now_ms + start_delay_ms;
	c->start_ms = t + ((phase - t % PERIOD) + PERIOD) % PERIOD;
	slot_add(phase, ncalls);
	ncalls++;
}

/* Reads what SIPp appended to CALLS_LOG since the last call. */
static void follow_log(int64_t now_ms)
{
	static int fd = -1;
	static char buf[8192];
	static size_t have;

	if (fd < 0) {
		fd = open(calls_log, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return; /* SIPp has not created it yet */
	}
	for (;;) {
		ssize_t k = read(fd, buf + have, sizeof(buf) - 1 - have);
		if (k <= 0)
			return;
		have += (size_t)k;
		buf[have] = 0;
		char *p = buf, *nl;
		while ((nl = strchr(p, '\n'))) {
			*nl = 0;
			if (nl > p)
				new_call(p, now_ms);
			p = nl + 1;
		}
		have = (size_t)(buf + have - p);
		memmove(buf, p, have);
		if (have == sizeof(buf) - 1) { /* a line longer than the buffer */
			log_bad++;
			have = 0;
		}
	}
}

static struct {
	struct mmsghdr m[BATCH];
	struct iovec iov[BATCH][2];
	uint8_t hdr[BATCH][HDR];
	int n;
} txa;

static int sock_a;

static void txa_flush(void)
{
	tx_all(sock_a, txa.m, txa.n, &send_errors, &send_retries);
	sent += (uint64_t)txa.n;
	txa.n = 0;
}

static void txa_packet(struct call *c)
{
	int k = c->next++;
	uint8_t *h = txa.hdr[txa.n];
	uint16_t seq = (uint16_t)(c->seq0 + k);
	uint32_t ts = c->ts0 + (uint32_t)k * CHUNK;

	h[0] = 0x80;
	h[1] = k == 0 ? 0x80 : 0; /* marker on the first packet, PT 0 */
	h[2] = seq >> 8;
	h[3] = seq & 0xff;
	h[4] = ts >> 24;
	h[5] = (ts >> 16) & 0xff;
	h[6] = (ts >> 8) & 0xff;
	h[7] = ts & 0xff;
	h[8] = c->ssrc >> 24;
	h[9] = (c->ssrc >> 16) & 0xff;
	h[10] = (c->ssrc >> 8) & 0xff;
	h[11] = c->ssrc & 0xff;
	txa.iov[txa.n][0] = (struct iovec){h, HDR};
	txa.iov[txa.n][1] = (struct iovec){(void *)(audio + (size_t)k * CHUNK), CHUNK};
	txa.m[txa.n].msg_hdr = (struct msghdr){
		.msg_name = &c->dst, .msg_namelen = sizeof(c->dst),
		.msg_iov = txa.iov[txa.n], .msg_iovlen = 2};
	if (++txa.n == BATCH)
		txa_flush();
}

/* The packets due on millisecond M: every call of its slot that has
 * started and whose next chunk's time has come (a late tick sends what it
 * owes, in order). */
static void tick(int64_t m)
{
	int s = (int)(m % PERIOD);

	for (int i = 0; i < slot_n[s];) {
		struct call *c = &calls[slot[s][i]];

		if (m >= c->start_ms && m >= c->start_ms + (int64_t)c->next * PERIOD) {
			txa_packet(c);
			if (c->next == nchunks) {
				calls_done++;
				slot[s][i] = slot[s][--slot_n[s]];
				continue;
			}
		}
		i++;
	}
}

static struct dir fwd, ret;
static struct rxbatch rxa, rxb, rxc;
static uint64_t echoed, echo_errors, echo_retries, rtcp, echo_late_max_ms;
static int64_t epoch_ns;

/* Both sides wake once a millisecond and take what queued meanwhile in
 * one go: a thread woken by every arriving packet (poll, epoll) cost a
 * wake-up per packet or two at these rates, more than the packet. */
static void sleep_until(int64_t t)
{
	struct timespec ts = {t / 1000000000, t % 1000000000};

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

static void *caller_side(void *arg)
{
	(void)arg;
	int64_t done_ms = (now_ns() - epoch_ns) / 1000000;

	for (int i = 0; i < loop_calls; i++) {
		char line[64];

		snprintf(line, sizeof(line), "call %d 127.0.0.1 %d", i, port_b);
		new_call(line, done_ms);
	}

	while (!atomic_load(&stopping)) {
		int64_t now_ms = (now_ns() - epoch_ns) / 1000000;

		if (!loop_calls)
			follow_log(now_ms);
		if (now_ms > done_ms) {
			int64_t late = now_ms - (done_ms + 1);
			int busy = 0;

			for (int s = 0; s < PERIOD; s++)
				busy |= slot_n[s] > 0;
			if (busy && late > 0) {
				if ((uint64_t)late > late_max_ms)
					late_max_ms = (uint64_t)late;
				if (late >= 5)
					late_ticks++;
			}
			for (int64_t m = done_ms + 1; m <= now_ms; m++)
				tick(m);
			txa_flush();
			done_ms = now_ms;
		}
		/* the echoes queued since the last tick */
		for (;;) {
			int n = rx(sock_a, &rxa);
			if (n <= 0)
				break;
			int64_t t = now_ns();
			for (int i = 0; i < n; i++)
				dir_packet(&ret, rxa.buf[i], rxa.m[i].msg_len, stream_key(rxa.buf[i], &rxa.from[i]));
			if (!ret.first_ns)
				ret.first_ns = t;
			ret.last_ns = t;
			if (n < BATCH)
				break;
		}
		sleep_until(epoch_ns + (done_ms + 1) * 1000000);
	}
	return NULL;
}

/* ---- callee side ---------------------------------------------------------- */

static int sock_b, rtcp_a, rtcp_b;

static void *callee_side(void *arg)
{
	(void)arg;
	/* half a millisecond out of phase with the caller's ticks */
	int64_t next = now_ns() + 500000;

	for (uint64_t t = 0; !atomic_load(&stopping); t++) {
		sleep_until(next);
		next += 1000000;
		if (t % 100 == 0) {
			int n;
			while ((n = rx(rtcp_a, &rxc)) > 0)
				rtcp += (uint64_t)n;
			while ((n = rx(rtcp_b, &rxc)) > 0)
				rtcp += (uint64_t)n;
		}
		for (;;) {
			int n = rx(sock_b, &rxb);
			if (n <= 0)
				break;
			int64_t now = now_ns();
			if (!fwd.first_ns)
				fwd.first_ns = now;
			fwd.last_ns = now;
			for (int i = 0; i < n; i++) {
				uint8_t *p = rxb.buf[i];

				dir_packet(&fwd, p, rxb.m[i].msg_len, stream_key(p, &rxb.from[i]));
				/* the echo in place: the same buffer back to its
				 * sender, another SSRC */
				if (rxb.m[i].msg_len >= HDR)
					for (int j = 8; j < 12; j++)
						p[j] ^= 0x5a;
				rxb.iov[i].iov_len = rxb.m[i].msg_len;
			}
			if (echo) {
				tx_all(sock_b, rxb.m, n, &echo_errors, &echo_retries);
				echoed += (uint64_t)n;
			}
			if (n < BATCH)
				break;
		}
		int64_t behind = now_ns() - next;
		if (behind > 0) { /* a late tick: skip the ones it swallowed */
			if ((uint64_t)(behind / 1000000) > echo_late_max_ms)
				echo_late_max_ms = (uint64_t)(behind / 1000000);
			next = now_ns() + 1000000;
		}
	}
	return NULL;
}

/* ---- main ----------------------------------------------------------------- */

static void dir_json(FILE *f, const struct dir *d)
{
	fprintf(f, "{\"packets\": %llu, \"payload_ok\": %llu, \"out_of_sequence\": %llu, "
		   "\"not_pcmu\": %llu, \"streams\": %llu}",
		(unsigned long long)d->pkts, (unsigned long long)d->ok,
		(unsigned long long)d->order, (unsigned long long)d->not_pcmu,
		(unsigned long long)d->streams);
}

int main(int argc, char **argv)
{
	int opt, limit = 3600;

	while ((opt = getopt(argc, argv, "d:t:nl:")) != -1) {
		switch (opt) {
		case 'd':
			start_delay_ms = atoi(optarg);
			break;
		case 't':
			limit = atoi(optarg);
			break;
		case 'n':
			echo = 0;
			break;
		case 'l':
			loop_calls = atoi(optarg);
			if (loop_calls < 0 || loop_calls > MAXCALLS)
				goto usage;
			break;
		default:
			goto usage;
		}
	}
	if (argc - optind != 5) {
usage:
		fprintf(stderr, "usage: rtpgen [-d MS] [-t SECONDS] [-n] [-l CALLS] AUDIO PORT_A PORT_B STATS CALLS_LOG\n");
		return 2;
	}
	load_audio(argv[optind]);
	port_a = atoi(argv[optind + 1]);
	port_b = atoi(argv[optind + 2]);
	const char *stats = argv[optind + 3];
	calls_log = argv[optind + 4];
	calls = calloc(MAXCALLS, sizeof(*calls));
	dir_init(&fwd);
	dir_init(&ret);
	sock_a = udp_bind(port_a);
	sock_b = udp_bind(port_b);
	rtcp_a = udp_bind(port_a + 1);
	rtcp_b = udp_bind(port_b + 1);

	/* the threads inherit the blocked signals; main waits for them */
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGALRM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	epoch_ns = now_ns();
	pthread_t ta, tb;
	if (pthread_create(&ta, NULL, caller_side, NULL) ||
	    pthread_create(&tb, NULL, callee_side, NULL)) {
		fprintf(stderr, "pthread_create failed\n");
		return 1;
	}
	alarm((unsigned)limit);
	int sig;
	sigwait(&set, &sig);
	atomic_store(&stopping, 1);
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);

	FILE *f = fopen(stats, "w");
	if (!f) {
		perror(stats);
		return 1;
	}
	fprintf(f, "{\"chunks\": %d, \"distinct_chunks\": %d, \"forward\": ", nchunks, ndistinct);
	dir_json(f, &fwd);
	fprintf(f, ", \"return\": ");
	dir_json(f, &ret);
	fprintf(f, ", \"rtcp\": %llu, \"span_s\": %.2f, \"generator\": {\"calls\": %d, "
		   "\"calls_done\": %d, \"bad_log_lines\": %d, \"sent\": %llu, \"echoed\": %llu, "
		   "\"send_errors\": %llu, \"send_retries\": %llu, \"late_max_ms\": %llu, "
		   "\"late_ticks_5ms\": %llu, \"echo_late_max_ms\": %llu, \"rcvbuf\": %d, \"sndbuf\": %d, \"stopped_by\": \"%s\"}}\n",
		(unsigned long long)rtcp,
		fwd.first_ns ? (fwd.last_ns - fwd.first_ns) / 1e9 : 0.0, ncalls, calls_done, log_bad,
		(unsigned long long)sent, (unsigned long long)echoed,
		(unsigned long long)(send_errors + echo_errors),
		(unsigned long long)(send_retries + echo_retries), (unsigned long long)late_max_ms,
		(unsigned long long)late_ticks, (unsigned long long)echo_late_max_ms, rcvbuf_got, sndbuf_got,
		sig == SIGALRM ? "time limit" : "signal");
	fclose(f);
	return 0;
}
