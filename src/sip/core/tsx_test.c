/*
 * Unit tests for the transaction layer (src/sip/core/tsx.c): requests are
 * fed to sip__tsx_rx() on the test thread (the main loop, which then owns
 * the transaction table), answers go out through a real UDP transport to
 * a socket of the test.  Covered: retransmission absorption (RFC 3261 and
 * RFC 2543 keys), ACK matching for non-2xx and 2xx answers, timer G and
 * timer I expiry, CANCEL, a table that grows well past its initial
 * size and is emptied at fini, and the remnants that absorb
 * retransmissions after the answer (resent answer, ACK, CANCEL, their
 * ends by timers J, I and L with a warped clock, blocks unmapped).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include <zvonok/loop.h>

#include "core/internal.h"
#include "sip/core/sip.h"

static struct sip_tp *tp;
static int peer_fd = -1;
static struct sip_sockaddr peer;
static unsigned handled, acks_seen;
static unsigned answer = 200; /* what the request handler answers; 0: later */
static struct sip_stsx *pending; /* the transaction answer 0 left open */

static bool guard_fired;

static void guard_cb(void *arg)
{
	guard_fired = true;
	zv_main_loop_exit();
}

/* Run the main loop (timers of the transactions) for ms. */
static void run_for(uint32_t ms)
{
	struct zv_timer guard;
	assert_int_equal(zv_timer_init(&guard, zv_main_loop(), guard_cb, NULL), 0);
	assert_int_equal(zv_timer_start(&guard, ms, 0), 0);
	zv_main_loop_run();
	zv_timer_fini(&guard);
}

static void on_request(struct sip_stsx *st, const struct sip_rx *rx)
{
	handled++;
	if (!answer) {
		pending = st;
		return;
	}
	sip_stsx_respond(st, answer, NULL, NULL, NULL, NULL, NULL);
}

static void on_ack(struct sip_stsx *st, const struct sip_rx *rx)
{
	acks_seen++;
}

static int setup(void **state)
{
	if (zv_loops_init(1) < 0)
		return -1;
	struct sip_sockaddr local;
	if (sip_sockaddr_parse("127.0.0.1:0", 0, &local) < 0 ||
	    sip_tp_open("tsx-test", SIP_TP_UDP, &local, NULL, &tp) < 0)
		return -1;
	peer_fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	if (peer_fd < 0 || bind(peer_fd, (struct sockaddr *)&a, sizeof(a)) < 0)
		return -1;
	socklen_t len = sizeof(peer.ss);
	getsockname(peer_fd, (struct sockaddr *)&peer.ss, &len);
	peer.len = len;
	sip__tsx_worker_init(NULL);
	sip_method_handler_set(SIP_METHOD_OPTIONS, on_request);
	sip_method_handler_set(SIP_METHOD_INVITE, on_request);
	sip_method_handler_set(SIP_METHOD_ACK, on_ack);
	return 0;
}

static int teardown(void **state)
{
	sip__tsx_worker_fini(NULL);
	struct sip_stats s;
	sip_stats_get(&s);
	int rc = s.stsx_alive == 0 ? 0 : -1;
	sip_tp_close_all();
	zv_loops_fini();
	close(peer_fd);
	return rc;
}

/* Feed one request as if it came from the test's socket. */
static void feed(const char *method, const char *branch, const char *call_id, unsigned cseq,
		 const char *cseq_method)
{
	char text[1024];
	int n = snprintf(text, sizeof(text),
			 "%s sip:svc@127.0.0.1 SIP/2.0\r\n"
			 "Via: SIP/2.0/UDP 127.0.0.1:%u;branch=%s;rport\r\n"
			 "Max-Forwards: 70\r\n"
			 "From: <sip:a@127.0.0.1>;tag=ft1\r\n"
			 "To: <sip:svc@127.0.0.1>\r\n"
			 "Call-ID: %s\r\n"
			 "CSeq: %u %s\r\n"
			 "Content-Length: 0\r\n\r\n",
			 method, sip_sockaddr_port(&peer), branch, call_id, cseq,
			 cseq_method ? cseq_method : method);
	struct sip_rx *rx = calloc(1, sizeof(*rx));
	assert_non_null(rx);
	rx->buf = malloc((size_t)n + 1);
	assert_non_null(rx->buf);
	memcpy(rx->buf, text, (size_t)n + 1);
	rx->len = (size_t)n;
	rx->tp = tp;
	rx->src = peer;
	assert_int_equal(sip_msg_parse(rx->buf, rx->len, &rx->msg), 0);
	sip__tsx_rx(rx);
}

/* Feed one response as if it came from the test's socket. */
static void feed_response(unsigned status, const char *branch, const char *call_id,
			  unsigned cseq, const char *cseq_method)
{
	char text[1024];
	int n = snprintf(text, sizeof(text),
			 "SIP/2.0 %u X\r\n"
			 "Via: SIP/2.0/UDP 127.0.0.1:%u;branch=%s\r\n"
			 "From: <sip:svc@127.0.0.1>;tag=ours\r\n"
			 "To: <sip:b@127.0.0.1>;tag=theirs\r\n"
			 "Call-ID: %s\r\n"
			 "CSeq: %u %s\r\n"
			 "Contact: <sip:b@127.0.0.1>\r\n"
			 "Content-Length: 0\r\n\r\n",
			 status, sip_sockaddr_port(sip_tp_local(tp)), branch, call_id, cseq,
			 cseq_method);
	struct sip_rx *rx = calloc(1, sizeof(*rx));
	assert_non_null(rx);
	rx->buf = malloc((size_t)n + 1);
	assert_non_null(rx->buf);
	memcpy(rx->buf, text, (size_t)n + 1);
	rx->len = (size_t)n;
	rx->tp = tp;
	rx->src = peer;
	assert_int_equal(sip_msg_parse(rx->buf, rx->len, &rx->msg), 0);
	sip__tsx_rx(rx);
}

/* The status of the next answer within ms, 0 if none. */
static unsigned next_status(int ms, char *copy, size_t size)
{
	struct pollfd p = {.fd = peer_fd, .events = POLLIN};
	if (poll(&p, 1, ms) <= 0)
		return 0;
	char buf[2048];
	ssize_t n = recv(peer_fd, buf, sizeof(buf) - 1, 0);
	if (n < 12)
		return 0;
	buf[n] = '\0';
	if (copy)
		snprintf(copy, size, "%s", buf);
	return (unsigned)atoi(buf + 8);
}

static void drain(void)
{
	while (next_status(0, NULL, 0))
		;
}

static unsigned long stsx_alive(void)
{
	struct sip_stats s;
	sip_stats_get(&s);
	return (unsigned long)s.stsx_alive;
}

/* ---- tests ------------------------------------------------------------------ */

static void test_retransmission_absorbed(void **state)
{
	char first[2048], again[2048];
	answer = 200;
	handled = 0;
	drain();
	feed("OPTIONS", "z9hG4bK-retrans-1", "r1@test", 1, NULL);
	assert_int_equal(next_status(1000, first, sizeof(first)), 200);
	/* The same request again: no second call to the TU, the same answer
	 * (to tag included) sent again. */
	feed("OPTIONS", "z9hG4bK-retrans-1", "r1@test", 1, NULL);
	feed("OPTIONS", "z9hG4bK-retrans-1", "r1@test", 1, NULL);
	assert_int_equal(next_status(1000, again, sizeof(again)), 200);
	assert_string_equal(first, again);
	assert_int_equal(next_status(1000, again, sizeof(again)), 200);
	assert_string_equal(first, again);
	assert_int_equal(handled, 1);
	/* Another branch, or the same branch with another sent-by method,
	 * is another transaction. */
	feed("OPTIONS", "z9hG4bK-retrans-2", "r1@test", 2, NULL);
	assert_int_equal(next_status(1000, NULL, 0), 200);
	assert_int_equal(handled, 2);
	feed("CANCEL", "z9hG4bK-retrans-2", "r1@test", 2, NULL);
	assert_int_equal(next_status(1000, NULL, 0), 481); /* nothing to cancel */
	assert_int_equal(handled, 2);
}

static void test_rfc2543_key(void **state)
{
	answer = 200;
	handled = 0;
	drain();
	/* No magic cookie: matched by Call-ID, CSeq, From tag and Via. */
	feed("OPTIONS", "old1", "r2543@test", 7, NULL);
	feed("OPTIONS", "old1", "r2543@test", 7, NULL);
	feed("OPTIONS", "old1", "r2543@test", 8, NULL);
	assert_int_equal(next_status(1000, NULL, 0), 200);
	assert_int_equal(next_status(1000, NULL, 0), 200);
	assert_int_equal(next_status(1000, NULL, 0), 200);
	assert_int_equal(handled, 2);
}

static void test_non2xx_ack_stops_g_then_i_expires(void **state)
{
	answer = 486;
	handled = 0;
	drain();
	unsigned long alive = stsx_alive();
	feed("INVITE", "z9hG4bK-inv-486", "i486@test", 1, NULL);
	/* Answered at once: no 100 Trying before it (RFC 3261 17.2.1). */
	assert_int_equal(next_status(1000, NULL, 0), 486);
	/* Timer G: the 486 again after T1 while no ACK came. */
	run_for(700);
	assert_int_equal(next_status(200, NULL, 0), 486);
	/* The ACK (same branch) is absorbed by the transaction, not passed
	 * to the ACK handler, and stops G. */
	unsigned acks = acks_seen;
	feed("ACK", "z9hG4bK-inv-486", "i486@test", 1, NULL);
	assert_int_equal(acks_seen, acks);
	drain();
	run_for(1500);
	assert_int_equal(next_status(0, NULL, 0), 0);
	assert_int_equal(stsx_alive(), alive + 1);
	/* Timer I (T4 on UDP) ends it. */
	run_for(5200);
	assert_int_equal(stsx_alive(), alive);
	assert_int_equal(handled, 1);
	answer = 200;
}

static void test_2xx_ack_stops_retransmission(void **state)
{
	answer = 200;
	drain();
	feed("INVITE", "z9hG4bK-inv-200", "i200@test", 5, NULL);
	assert_int_equal(next_status(1000, NULL, 0), 200);
	run_for(700);
	assert_int_equal(next_status(200, NULL, 0), 200); /* 2xx retransmitted */
	/* The ACK of a 2xx has its own branch: found by Call-ID and CSeq,
	 * and passed on to the dialog layer. */
	unsigned acks = acks_seen;
	feed("ACK", "z9hG4bK-ack-200", "i200@test", 5, NULL);
	assert_int_equal(acks_seen, acks + 1);
	drain();
	run_for(1500);
	assert_int_equal(next_status(0, NULL, 0), 0);
	/* An ACK for another CSeq of that call stops nothing else. */
	feed("ACK", "z9hG4bK-ack-x", "i200@test", 6, NULL);
	assert_int_equal(acks_seen, acks + 2);
}

/* 100 Trying goes out when the TU has not answered an INVITE within
 * 200 ms, or at once when the INVITE is retransmitted before. */
static void test_trying_deferred(void **state)
{
	answer = 0;
	drain();
	feed("INVITE", "z9hG4bK-inv-slow", "islow@test", 1, NULL);
	run_for(120);
	assert_int_equal(next_status(0, NULL, 0), 0);
	run_for(150);
	assert_int_equal(next_status(0, NULL, 0), 100);
	run_for(300);
	assert_int_equal(next_status(0, NULL, 0), 0); /* once */
	assert_non_null(pending);
	sip_stsx_respond(pending, 486, NULL, NULL, NULL, NULL, NULL);
	assert_int_equal(next_status(1000, NULL, 0), 486);
	feed("ACK", "z9hG4bK-inv-slow", "islow@test", 1, NULL);

	pending = NULL;
	feed("INVITE", "z9hG4bK-inv-rtx", "irtx@test", 1, NULL);
	assert_int_equal(next_status(50, NULL, 0), 0);
	feed("INVITE", "z9hG4bK-inv-rtx", "irtx@test", 1, NULL);
	assert_int_equal(next_status(0, NULL, 0), 100);
	run_for(300);
	assert_int_equal(next_status(0, NULL, 0), 0); /* the timer was stopped */
	assert_non_null(pending);
	sip_stsx_respond(pending, 486, NULL, NULL, NULL, NULL, NULL);
	assert_int_equal(next_status(1000, NULL, 0), 486);
	feed("ACK", "z9hG4bK-inv-rtx", "irtx@test", 1, NULL);
	pending = NULL;
	drain();
	answer = 200;
}

/* Send a request of ours to the test's socket in a client transaction:
 * method (named name) sip:b@127.0.0.1, top Via branch, Call-ID, CSeq. */
static int send_request(enum sip_method method, const char *name, const char *branch,
			const char *call_id, unsigned cseq, sip_response_cb *cb)
{
	struct sip_target t = {.tp = tp, .addr = peer};
	char text[512];
	int len = snprintf(text, sizeof(text),
			   "%s sip:b@127.0.0.1 SIP/2.0\r\n"
			   "Via: SIP/2.0/UDP 127.0.0.1;branch=%s\r\n"
			   "From: <sip:svc@127.0.0.1>;tag=ours\r\n"
			   "To: <sip:b@127.0.0.1>\r\n"
			   "Call-ID: %s\r\nCSeq: %u %s\r\n"
			   "Content-Length: 0\r\n\r\n",
			   name, branch, call_id, cseq, name);
	return sip_ctsx_send(&t, method, branch, text, (size_t)len, cb, NULL, NULL);
}

static unsigned strays, ctsx_finals;
static char stray_call_id[64];

static void on_stray(const struct sip_rx *rx)
{
	strays++;
	zv_str_copy(rx->msg.call_id, stray_call_id, sizeof(stray_call_id));
}

static void on_ctsx_response(void *arg, struct sip_ctsx *ct, unsigned status,
			     const struct sip_rx *rx)
{
	if (status >= 200)
		ctsx_finals++;
}

/* A 2xx to an INVITE whose client transaction ended at the first 2xx
 * reaches the stray-response callback (the dialog re-sends its ACK);
 * other stray responses do not. */
static void test_stray_2xx(void **state)
{
	drain();
	strays = ctsx_finals = 0;
	sip_stray_response_set(on_stray);
	assert_int_equal(send_request(SIP_METHOD_INVITE, "INVITE", "z9hG4bK-stray-1", "stray@test", 3,
				      on_ctsx_response),
			 0);
	assert_int_equal(next_status(1000, NULL, 0), 0); /* our INVITE (a request) */
	feed_response(200, "z9hG4bK-stray-1", "stray@test", 3, "INVITE");
	assert_int_equal(ctsx_finals, 1);
	assert_int_equal(strays, 0);
	/* The same 2xx again: no transaction, the callback has it. */
	feed_response(200, "z9hG4bK-stray-1", "stray@test", 3, "INVITE");
	assert_int_equal(ctsx_finals, 1);
	assert_int_equal(strays, 1);
	assert_string_equal(stray_call_id, "stray@test");
	/* Not for a provisional, a failure, or another method's 2xx. */
	feed_response(180, "z9hG4bK-stray-1", "stray@test", 3, "INVITE");
	feed_response(486, "z9hG4bK-stray-2", "stray@test", 3, "INVITE");
	feed_response(200, "z9hG4bK-stray-3", "stray@test", 4, "BYE");
	assert_int_equal(strays, 1);
	/* Removed: dropped as before. */
	sip_stray_response_set(NULL);
	feed_response(200, "z9hG4bK-stray-1", "stray@test", 3, "INVITE");
	assert_int_equal(strays, 1);
	drain();
}

/* At shutdown a pending client transaction gets 408 from its callback
 * (whoever waits on it lets go), and the callback cannot start another. */
static unsigned fini_status;
static int fini_send_err;

static void on_fini_response(void *arg, struct sip_ctsx *ct, unsigned status,
			     const struct sip_rx *rx)
{
	if (status < 200)
		return;
	fini_status = status;
	fini_send_err =
		send_request(SIP_METHOD_BYE, "BYE", "z9hG4bK-fini-2", "fini@test", 2, on_fini_response);
}

static void test_fini_finishes_pending(void **state)
{
	drain();
	fini_status = 0;
	fini_send_err = 0;
	assert_int_equal(send_request(SIP_METHOD_INVITE, "INVITE", "z9hG4bK-fini-1", "fini@test", 1,
				      on_fini_response),
			 0);
	assert_int_equal(next_status(1000, NULL, 0), 0); /* the INVITE went out */
	feed_response(180, "z9hG4bK-fini-1", "fini@test", 1, "INVITE");
	assert_int_equal(fini_status, 0); /* ringing, no final answer */
	sip__tsx_worker_fini(NULL);
	assert_int_equal(fini_status, 408);
	assert_int_equal(fini_send_err, -ESHUTDOWN);
	struct sip_stats s;
	sip_stats_get(&s);
	assert_int_equal(s.ctsx_alive, 0);
	sip__tsx_worker_init(NULL);
	drain();
}

/* OPTIONS number 0, step, 2*step... below n, each a transaction of its
 * own (branch z9hG4bK-TAG-i, Call-ID TAGi@test), draining now and then. */
static void feed_options(const char *tag, unsigned n, unsigned step)
{
	char branch[64], call_id[64];
	for (unsigned i = 0; i < n; i += step) {
		snprintf(branch, sizeof(branch), "z9hG4bK-%s-%u", tag, i);
		snprintf(call_id, sizeof(call_id), "%s%u@test", tag, i);
		feed("OPTIONS", branch, call_id, 1, NULL);
		if (i % 256 == 0)
			drain();
	}
}

static void test_table_grows(void **state)
{
	enum { N = 20000 }; /* several times the initial 4096 slots */
	answer = 200;
	handled = 0;
	unsigned long alive = stsx_alive();
	feed_options("grow", N, 1);
	assert_int_equal(handled, N);
	assert_int_equal(stsx_alive(), alive + N);
	/* Every one is still found: retransmissions reach no handler. */
	feed_options("grow", N, 7);
	assert_int_equal(handled, N);
	drain();
	/* Emptied and rebuilt: fini frees all (teardown checks the count). */
	sip__tsx_worker_fini(NULL);
	assert_int_equal(stsx_alive(), 0);
	sip__tsx_worker_init(NULL);
	feed("OPTIONS", "z9hG4bK-grow-0", "g0@test", 1, NULL);
	assert_int_equal(handled, N + 1);
	drain();
}

/* ---- remnants ------------------------------------------------------------------ */

static unsigned long remnants(void)
{
	struct sip_stats s;
	sip_stats_get(&s);
	return (unsigned long)s.stsx_remnants;
}

static unsigned long remnant_blocks(void)
{
	struct sip_stats s;
	sip_stats_get(&s);
	return (unsigned long)s.remnant_blocks;
}

/* Drop every remnant left by earlier tests (all end within 32 s). */
static void remnants_clear(void)
{
	sip__tsx_time_warp(40000, true);
	assert_int_equal(remnants(), 0);
	assert_int_equal(remnant_blocks(), 0);
}

/* A non-INVITE transaction answered by its handler becomes a remnant that
 * resends the same answer until timer J (64*T1 after the answer), then
 * is dropped with its block, and the request is new again. */
static void test_remnant_non_invite(void **state)
{
	char first[2048], again[2048];
	answer = 200;
	handled = 0;
	drain();
	remnants_clear();
	unsigned long alive = stsx_alive();
	feed("OPTIONS", "z9hG4bK-rem-1", "rem1@test", 1, NULL);
	assert_int_equal(next_status(1000, first, sizeof(first)), 200);
	assert_int_equal(remnants(), 1);
	assert_int_equal(remnant_blocks(), 1);
	assert_int_equal(stsx_alive(), alive + 1); /* still a transaction */
	feed("OPTIONS", "z9hG4bK-rem-1", "rem1@test", 1, NULL);
	assert_int_equal(next_status(1000, again, sizeof(again)), 200);
	assert_string_equal(first, again);
	sip__tsx_time_warp(31000, true);
	feed("OPTIONS", "z9hG4bK-rem-1", "rem1@test", 1, NULL);
	assert_int_equal(next_status(1000, again, sizeof(again)), 200);
	assert_string_equal(first, again);
	assert_int_equal(handled, 1);
	assert_int_equal(remnants(), 1);
	/* 32 s after the answer it is over: a retransmission is a new
	 * request even before the sweep drops the remnant. */
	sip__tsx_time_warp(1000, false);
	feed("OPTIONS", "z9hG4bK-rem-1", "rem1@test", 1, NULL);
	assert_int_equal(next_status(1000, NULL, 0), 200);
	assert_int_equal(handled, 2);
	assert_int_equal(remnants(), 2);
	/* The sweep drops the old one; the new one ends 32 s later. */
	sip__tsx_time_warp(0, true);
	assert_int_equal(remnants(), 1);
	assert_int_equal(stsx_alive(), alive + 1);
	sip__tsx_time_warp(32000, true);
	assert_int_equal(remnants(), 0);
	assert_int_equal(remnant_blocks(), 0);
	assert_int_equal(stsx_alive(), alive);
	drain();
}

/* Answered after the handler returned: a remnant from the next turn of
 * the loop on (the request stays readable until then). */
static void test_remnant_async_answer(void **state)
{
	char first[2048], again[2048];
	answer = 0;
	handled = 0;
	pending = NULL;
	drain();
	remnants_clear();
	feed("OPTIONS", "z9hG4bK-rem-async", "remasync@test", 1, NULL);
	assert_int_equal(handled, 1);
	assert_non_null(pending);
	assert_int_equal(remnants(), 0);
	sip_stsx_respond(pending, 202, NULL, NULL, NULL, NULL, NULL);
	assert_non_null(sip_stsx_request(pending));
	pending = NULL;
	assert_int_equal(next_status(1000, first, sizeof(first)), 202);
	assert_int_equal(remnants(), 0);
	run_for(20);
	assert_int_equal(remnants(), 1);
	feed("OPTIONS", "z9hG4bK-rem-async", "remasync@test", 1, NULL);
	assert_int_equal(next_status(1000, again, sizeof(again)), 202);
	assert_string_equal(first, again);
	assert_int_equal(handled, 1);
	answer = 200;
	drain();
}

/* An INVITE transaction whose answer was ACKed: a remnant that absorbs
 * retransmissions of the INVITE (answering nothing) and of the ACK, and
 * leaves nothing to CANCEL; until timer I (T4) after a non-2xx, timer L
 * (64*T1 after the 2xx) after a 2xx. */
static void test_remnant_invite(void **state)
{
	answer = 486;
	handled = 0;
	drain();
	remnants_clear();
	unsigned acks = acks_seen;
	feed("INVITE", "z9hG4bK-rem-486", "rem486@test", 1, NULL);
	assert_int_equal(next_status(1000, NULL, 0), 486);
	feed("ACK", "z9hG4bK-rem-486", "rem486@test", 1, NULL);
	assert_int_equal(remnants(), 1);
	feed("ACK", "z9hG4bK-rem-486", "rem486@test", 1, NULL);
	assert_int_equal(acks_seen, acks); /* both absorbed */
	feed("INVITE", "z9hG4bK-rem-486", "rem486@test", 1, NULL);
	run_for(700); /* and no timer G any more */
	assert_int_equal(next_status(0, NULL, 0), 0);
	feed("CANCEL", "z9hG4bK-rem-486", "rem486@test", 1, NULL);
	assert_int_equal(next_status(1000, NULL, 0), 200);
	assert_int_equal(next_status(200, NULL, 0), 0); /* no 487 */
	assert_int_equal(handled, 1);
	sip__tsx_time_warp(4000, true);
	assert_int_equal(remnants(), 2); /* INVITE (until I) and CANCEL (J) */
	sip__tsx_time_warp(1000, true);
	assert_int_equal(remnants(), 1); /* the CANCEL's */
	feed("INVITE", "z9hG4bK-rem-486", "rem486@test", 1, NULL);
	assert_int_equal(next_status(1000, NULL, 0), 486); /* a new transaction */
	assert_int_equal(handled, 2);
	feed("ACK", "z9hG4bK-rem-486", "rem486@test", 1, NULL);

	answer = 200;
	feed("INVITE", "z9hG4bK-rem-200", "rem200@test", 1, NULL);
	assert_int_equal(next_status(1000, NULL, 0), 200);
	feed("ACK", "z9hG4bK-rem-200-ack", "rem200@test", 1, NULL);
	assert_int_equal(acks_seen, acks + 1); /* a 2xx's ACK goes to the TU */
	assert_int_equal(remnants(), 3);
	feed("INVITE", "z9hG4bK-rem-200", "rem200@test", 1, NULL);
	run_for(700);
	assert_int_equal(next_status(0, NULL, 0), 0); /* no 2xx again */
	assert_int_equal(handled, 3);
	sip__tsx_time_warp(32000, true);
	assert_int_equal(remnants(), 0);
	assert_int_equal(remnant_blocks(), 0);
	drain();
}

/* Many remnants span blocks; all are dropped and unmapped at their end. */
static void test_remnant_blocks_released(void **state)
{
	enum { N = 2000 };
	answer = 200;
	handled = 0;
	drain();
	remnants_clear();
	unsigned long alive = stsx_alive();
	feed_options("blk", N, 1);
	assert_int_equal(handled, N);
	assert_int_equal(remnants(), N);
	assert_true(remnant_blocks() >= 4);
	/* Every one still absorbs its retransmission. */
	feed_options("blk", N, 13);
	assert_int_equal(handled, N);
	sip__tsx_time_warp(32000, true);
	assert_int_equal(remnants(), 0);
	assert_int_equal(remnant_blocks(), 0);
	assert_int_equal(stsx_alive(), alive);
	drain();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_retransmission_absorbed),
		cmocka_unit_test(test_rfc2543_key),
		cmocka_unit_test(test_non2xx_ack_stops_g_then_i_expires),
		cmocka_unit_test(test_2xx_ack_stops_retransmission),
		cmocka_unit_test(test_trying_deferred),
		cmocka_unit_test(test_stray_2xx),
		cmocka_unit_test(test_fini_finishes_pending),
		cmocka_unit_test(test_table_grows),
		cmocka_unit_test(test_remnant_non_invite),
		cmocka_unit_test(test_remnant_async_answer),
		cmocka_unit_test(test_remnant_invite),
		cmocka_unit_test(test_remnant_blocks_released),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
