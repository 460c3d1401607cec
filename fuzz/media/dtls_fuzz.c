/*
 * libFuzzer target for DTLS-SRTP input (src/media/rtp/rtp_dtls.c): the
 * first line of the input is an SDP a=fingerprint value ("sha-256 AB:..")
 * given to zv_rtp_dtls_set_fingerprint(); the rest is datagrams, each
 * prefixed by a 2-octet big-endian length (its top bit: the RTCP port),
 * fed to a fresh passive session as if received (rtp__dtls_input() for
 * the DTLS-looking ones, as the demultiplexer does).  What OpenSSL answers goes
 * to a closed port.  Traps when a session is keyed without a handshake
 * having been possible (the peer never had our key).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <zvonok/loop.h>
#include <zvonok/rtp.h>

#include "core/internal.h"
#include "media/rtp/rtp_int.h"

static struct zv_dtls_ctx *ctx;
static struct sockaddr_storage peer;

static void init_once(void)
{
	if (ctx)
		return;
	if (zv_loops_init(1) < 0)
		abort();
	struct zv_dtls_conf c = {.auto_generate = true, .verify = ZV_DTLS_VERIFY_FINGERPRINT};
	ctx = zv_dtls_ctx_get(&c, NULL, 0);
	if (!ctx)
		abort();
	struct sockaddr_in *a = (struct sockaddr_in *)&peer;
	a->sin_family = AF_INET;
	a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a->sin_port = htons(9); /* discard: nothing listens */
}

static void fingerprint(struct zv_rtp *rtp, const uint8_t *p, size_t n)
{
	char line[256];
	if (n >= sizeof(line))
		n = sizeof(line) - 1;
	memcpy(line, p, n);
	line[n] = 0;
	char *sp = strchr(line, ' ');
	if (sp)
		*sp++ = 0;
	zv_rtp_dtls_set_fingerprint(rtp, line, sp ? sp : "");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	init_once();
	struct sockaddr_storage bind = peer;
	((struct sockaddr_in *)&bind)->sin_port = 0;
	struct zv_rtp *rtp = zv_rtp_new(zv_main_loop(), &bind, NULL, NULL);
	if (!rtp)
		return 0;
	zv_rtp_set_remote(rtp, &peer);
	if (zv_rtp_dtls_start(rtp, ctx, ZV_DTLS_PASSIVE) < 0)
		abort();
	const uint8_t *nl = memchr(data, '\n', size);
	size_t first = nl ? (size_t)(nl - data) : size;
	fingerprint(rtp, data, first);
	size_t off = nl ? first + 1 : size;
	static uint8_t buf[RTP_MAX_PKT];
	while (off + 2 <= size && rtp->dtls) {
		bool rtcp = data[off] & 0x80; /* to the RTCP port's association */
		size_t len = (size_t)(data[off] & 0x7f) << 8 | data[off + 1];
		off += 2;
		if (len > size - off)
			len = size - off;
		if (len > sizeof(buf))
			len = sizeof(buf);
		memcpy(buf, data + off, len);
		off += len;
		if (rtp__is_dtls(buf, len))
			rtp__dtls_input(rtp, buf, len, &peer, rtcp);
	}
	if (zv_rtp_dtls_state(rtp) > 0)
		__builtin_trap(); /* keyed by a peer that never saw our hello */
	zv_rtp_free(rtp);
	return 0;
}
