/*
 * Helpers shared by the RTP engine's unit tests (included by *_test.c
 * only): the test thread runs the main loop with a guard timer, sessions
 * live on the main loop and bind 127.0.0.1, and a raw UDP socket pair on
 * an even port plays the far end when a test needs to craft packets.
 */
#ifndef ZV_MEDIA_RTP_TEST_H
#define ZV_MEDIA_RTP_TEST_H

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <zvonok/loop.h>
#include <zvonok/rtp.h>

#include "core/internal.h"
#include "media/rtp/rtp_int.h"

static void rt_guard_cb(void *arg)
{
	zv_main_loop_exit();
}

/* Run the main loop for ms (or until something calls zv_main_loop_exit()). */
static inline void rt_run_for(uint32_t ms)
{
	struct zv_timer guard;
	assert_int_equal(zv_timer_init(&guard, zv_main_loop(), rt_guard_cb, NULL), 0);
	assert_int_equal(zv_timer_start(&guard, ms, 0), 0);
	zv_main_loop_run();
	zv_timer_fini(&guard);
}

static inline struct sockaddr_storage rt_lo4(uint16_t port)
{
	struct sockaddr_storage ss;
	memset(&ss, 0, sizeof(ss));
	struct sockaddr_in *a = (struct sockaddr_in *)&ss;
	a->sin_family = AF_INET;
	a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a->sin_port = htons(port);
	return ss;
}

static inline struct zv_rtp *rt_new(const struct zv_rtp_cb *cb, void *arg)
{
	struct sockaddr_storage b = rt_lo4(0);
	struct zv_rtp *r = zv_rtp_new(zv_main_loop(), &b, cb, arg);
	assert_non_null(r);
	return r;
}

/* Point a at b and b at a. */
static inline void rt_connect(struct zv_rtp *a, struct zv_rtp *b)
{
	struct sockaddr_storage sa = rt_lo4(zv_rtp_local_port(a));
	struct sockaddr_storage sb = rt_lo4(zv_rtp_local_port(b));
	zv_rtp_set_remote(a, &sb);
	zv_rtp_set_remote(b, &sa);
}

/* Two non-blocking sockets on 127.0.0.1, an even port and the next. */
static inline uint16_t rt_raw_pair(int fd[2])
{
	for (unsigned port = 30000 + (unsigned)(getpid() % 1000) * 20; port < 65000; port += 2) {
		for (int i = 0; i < 2; i++) {
			fd[i] = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
			assert_true(fd[i] >= 0);
			struct sockaddr_storage a = rt_lo4((uint16_t)(port + (unsigned)i));
			if (bind(fd[i], (struct sockaddr *)&a, sizeof(struct sockaddr_in)) < 0) {
				close(fd[i]);
				if (i)
					close(fd[0]);
				goto next;
			}
		}
		return (uint16_t)port;
next:;
	}
	fail_msg("no free port pair");
	return 0;
}

static inline void rt_raw_rtp(int fd, uint16_t to_port, uint8_t pt, bool marker, uint16_t seq,
			      uint32_t ts, uint32_t ssrc, const void *payload, size_t len)
{
	uint8_t b[RTP_HDR_LEN + 256];
	assert_true(len <= 256);
	b[0] = 0x80;
	b[1] = (uint8_t)((marker ? 0x80 : 0) | pt);
	b[2] = (uint8_t)(seq >> 8);
	b[3] = (uint8_t)seq;
	for (int i = 0; i < 4; i++) {
		b[4 + i] = (uint8_t)(ts >> (24 - 8 * i));
		b[8 + i] = (uint8_t)(ssrc >> (24 - 8 * i));
	}
	memcpy(b + RTP_HDR_LEN, payload, len);
	struct sockaddr_storage to = rt_lo4(to_port);
	assert_int_equal(sendto(fd, b, RTP_HDR_LEN + len, 0, (struct sockaddr *)&to,
				sizeof(struct sockaddr_in)),
			 (ssize_t)(RTP_HDR_LEN + len));
}

/* A telephone-event packet from the raw socket. */
static inline void rt_raw_event(int fd, uint16_t to_port, uint16_t seq, uint32_t ts,
				uint8_t event, bool end, uint16_t duration, bool marker)
{
	uint8_t p[4] = {event, (uint8_t)((end ? 0x80 : 0) | 10), (uint8_t)(duration >> 8),
			(uint8_t)duration};
	rt_raw_rtp(fd, to_port, 101, marker, seq, ts, 0x1234abcd, p, sizeof(p));
}

#endif
