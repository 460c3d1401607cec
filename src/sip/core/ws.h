/*
 * WebSocket (RFC 6455) pieces for SIP over WebSocket (RFC 7118): the
 * opening handshake's accept key, frame parsing and frame building.
 * Pure functions; thread-safe.
 */
#ifndef ZV_SIP_CORE_WS_H
#define ZV_SIP_CORE_WS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum ws_opcode {
	WS_OP_CONT = 0x0,
	WS_OP_TEXT = 0x1,
	WS_OP_BINARY = 0x2,
	WS_OP_CLOSE = 0x8,
	WS_OP_PING = 0x9,
	WS_OP_PONG = 0xa,
};

struct ws_frame {
	bool fin;
	enum ws_opcode opcode;
	bool masked;
	uint8_t mask[4];
	uint64_t payload_len;
	size_t header_len; /* bytes before the payload */
};

/* Largest payload accepted in one frame or message. */
#define WS_MAX_PAYLOAD (64 * 1024)

/*
 * Parse the frame header at buf (len bytes available).  Returns the total
 * frame length (header + payload) when the whole frame is present, 0 when
 * more bytes are needed, -EBADMSG for a malformed header (reserved bits,
 * unknown opcode, fragmented or over-long control frame, non-minimal
 * length), -E2BIG for a payload over WS_MAX_PAYLOAD.
 */
ssize_t ws_frame_parse(const uint8_t *buf, size_t len, struct ws_frame *f);

/* Unmask in place (XOR with the frame's key); no-op when not masked. */
void ws_unmask(const struct ws_frame *f, uint8_t *payload, size_t len);

/* Write a server frame header (FIN set, not masked) for a payload of len
 * bytes into hdr (at least 10 bytes); returns the header length. */
size_t ws_frame_header(enum ws_opcode op, size_t len, uint8_t *hdr);

/* Sec-WebSocket-Accept for a Sec-WebSocket-Key: base64(SHA-1(key + GUID)),
 * into out (at least 29 bytes).  0 or -EINVAL. */
int ws_accept_key(const char *key, size_t keylen, char *out, size_t outsize);

#endif
