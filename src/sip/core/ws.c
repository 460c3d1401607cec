/* WebSocket framing and handshake key (RFC 6455).  See ws.h. */
#include <errno.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <string.h>

#include "sip/core/ws.h"

#define WS_GUID "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

ssize_t ws_frame_parse(const uint8_t *buf, size_t len, struct ws_frame *f)
{
	if (len < 2)
		return 0;
	memset(f, 0, sizeof(*f));
	f->fin = buf[0] & 0x80;
	if (buf[0] & 0x70)
		return -EBADMSG; /* no extension negotiated: RSV bits must be 0 */
	f->opcode = (enum ws_opcode)(buf[0] & 0x0f);
	switch (f->opcode) {
	case WS_OP_CONT:
	case WS_OP_TEXT:
	case WS_OP_BINARY:
	case WS_OP_CLOSE:
	case WS_OP_PING:
	case WS_OP_PONG:
		break;
	default:
		return -EBADMSG;
	}
	f->masked = buf[1] & 0x80;
	uint64_t plen = buf[1] & 0x7f;
	size_t pos = 2;
	if (plen == 126) {
		if (len < 4)
			return 0;
		plen = (uint64_t)buf[2] << 8 | buf[3];
		if (plen < 126)
			return -EBADMSG;
		pos = 4;
	} else if (plen == 127) {
		if (len < 10)
			return 0;
		plen = 0;
		for (int i = 0; i < 8; i++)
			plen = plen << 8 | buf[2 + i];
		if (plen < 65536 || (plen >> 63))
			return -EBADMSG;
		pos = 10;
	}
	bool control = f->opcode >= WS_OP_CLOSE;
	if (control && (!f->fin || plen > 125))
		return -EBADMSG;
	if (plen > WS_MAX_PAYLOAD)
		return -E2BIG;
	if (f->masked) {
		if (len < pos + 4)
			return 0;
		memcpy(f->mask, buf + pos, 4);
		pos += 4;
	}
	f->payload_len = plen;
	f->header_len = pos;
	if (len < pos + plen)
		return 0;
	return (ssize_t)(pos + plen);
}

void ws_unmask(const struct ws_frame *f, uint8_t *payload, size_t len)
{
	if (!f->masked)
		return;
	for (size_t i = 0; i < len; i++)
		payload[i] ^= f->mask[i & 3];
}

size_t ws_frame_header(enum ws_opcode op, size_t len, uint8_t *hdr)
{
	hdr[0] = (uint8_t)(0x80 | op);
	if (len < 126) {
		hdr[1] = (uint8_t)len;
		return 2;
	}
	if (len < 65536) {
		hdr[1] = 126;
		hdr[2] = (uint8_t)(len >> 8);
		hdr[3] = (uint8_t)len;
		return 4;
	}
	hdr[1] = 127;
	for (int i = 0; i < 8; i++)
		hdr[2 + i] = (uint8_t)((uint64_t)len >> (56 - 8 * i));
	return 10;
}

int ws_accept_key(const char *key, size_t keylen, char *out, size_t outsize)
{
	if (!keylen || keylen > 64 || outsize < 29)
		return -EINVAL;
	char buf[64 + sizeof(WS_GUID)];
	memcpy(buf, key, keylen);
	memcpy(buf + keylen, WS_GUID, sizeof(WS_GUID) - 1);
	unsigned char digest[SHA_DIGEST_LENGTH];
	unsigned int dl = 0;
	if (!EVP_Digest(buf, keylen + sizeof(WS_GUID) - 1, digest, &dl, EVP_sha1(), NULL))
		return -EINVAL;
	EVP_EncodeBlock((unsigned char *)out, digest, (int)dl);
	return 0;
}
